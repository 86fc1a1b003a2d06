use super::*;
use crate::inventory::{KnownApp, KnownContainer};

fn shop() -> Inventory {
    let c = |name: &str, service: &str| KnownContainer {
        name: name.into(),
        id: format!("{:x}", name.len() * 1234567),
        image: "tuxpilot-test/busybox".into(),
        service: Some(service.into()),
        project: Some("shop".into()),
        running: true,
    };
    Inventory {
        containers: vec![c("shop-db-1", "db"), c("shop-web-1", "web")],
        apps: vec![KnownApp { name: "shop".into(), services: vec!["db".into(), "web".into()] }],
    }
}

#[test]
fn the_seed_requests() {
    let none = (Inventory::default(), Conversation::default());
    let p = |t: &str| parse(t, &none.0, &none.1);
    assert_eq!(
        p("Deploy a web application with nginx and redis"),
        Intent::Deploy(DeployArgs { images: Some(vec!["nginx".into(), "redis".into()]), file: None, name: None })
    );
    assert_eq!(
        p("Scale my web service to handle more traffic"),
        Intent::Scale(ScaleArgs { service: "web".into(), direction: Some(Direction::Up), ..Default::default() })
    );
    assert_eq!(
        p("Check the security of my running containers"),
        Intent::ScanRuntime(ScopeArgs { target: "all".into() })
    );
    assert_eq!(p("Optimize container resource usage"), Intent::Optimize(ScopeArgs { target: "all".into() }));
    assert_eq!(p("Set up monitoring for my containers").name(), "monitor");
}

#[test]
fn names_resolve_against_the_engine() {
    let inv = shop();
    let conv = Conversation::default();
    assert_eq!(parse("restart the db", &inv, &conv), Intent::Restart(LifecycleArgs::one("shop-db-1")));
    let mut conv = Conversation::default();
    conv.remember(&parse("show the logs of web", &inv, &conv));
    conv.service = Some("web".into());
    assert_eq!(
        parse("scale it to 3", &inv, &conv),
        Intent::Scale(ScaleArgs { service: "web".into(), replicas: Some(3), ..Default::default() })
    );
}

#[test]
fn shells_are_refused() {
    let none = (Inventory::default(), Conversation::default());
    for t in [
        "open a shell in web",
        "exec into the db container",
        "run `rm -rf /` in web",
        "start a privileged container",
        "mount the host root filesystem into web",
    ] {
        assert_eq!(parse(t, &none.0, &none.1).name(), "refuse", "{t}");
    }
}

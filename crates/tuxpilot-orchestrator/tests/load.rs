//! Loading app specs: both forms, interpolation with .env, lowering, and the project round trip
//! the history relies on. No engine needed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use tuxpilot_orchestrator::{LoadAppOptions, SourceFormat, load};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_list_form_short_and_long_syntax_and_env_file_lower_onto_compose() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", "TAG=1.25\nPORT=8080\n");
    let file = write(
        dir.path(),
        "app.yaml",
        r#"
name: shop
version: 2
environment: [TZ=UTC]
volumes: [data]
containers:
  - name: web
    image: nginx
    tag: ${TAG}
    replicas: 2
    ports: ["127.0.0.1:${PORT}-8081:80/udp", {container: 443}]
    volumes: ["data:/data:ro", {source: ./conf, target: /etc/x}]
    health_check: {test: "curl -f localhost", interval: 2s, retries: 3}
    restart_policy: on-failure:3
    resources: {memory: 64m, cpu: "0.5", cpu_reservation: 0.25}
    command: nginx -g 'daemon off;'
    depends_on: [db]
  - name: db
    image: postgres:16
    health_check: {test: [pg_isready], interval: 1s}
"#,
    );
    let app = load(&file, &LoadAppOptions { environment: HashMap::new(), ..Default::default() }).unwrap();
    assert_eq!((app.name.as_str(), app.version.as_str(), app.format), ("shop", "2", SourceFormat::AppSpec));
    let p = &app.project;
    let web = &p.services["web"];
    assert_eq!(web.image.as_deref(), Some("nginx:1.25"));
    assert_eq!(web.replicas(), 2);
    assert_eq!(web.ports[0].published.as_deref(), Some("8080-8081"));
    assert_eq!((web.ports[0].protocol.as_str(), web.ports[0].host_ip.as_deref()), ("udp", Some("127.0.0.1")));
    assert_eq!((web.ports[1].target, web.ports[1].published.as_deref()), (443, None));
    assert_eq!(web.volumes[0].kind, "volume");
    assert_eq!(web.volumes[0].read_only, Some(true));
    assert_eq!(web.volumes[1].source.as_deref(), Some(dir.path().join("conf").to_str().unwrap()));
    assert_eq!(web.healthcheck.as_ref().unwrap().test, vec!["CMD-SHELL", "curl -f localhost"]);
    assert_eq!(web.restart.as_deref(), Some("on-failure:3"));
    assert_eq!(web.command.as_ref().unwrap(), &vec!["nginx", "-g", "daemon off;"]);
    assert_eq!(web.environment["TZ"].as_deref(), Some("UTC"));
    assert_eq!(web.depends_on["db"].condition, "service_healthy");
    assert_eq!(web.cpu_shares, Some(256));
    assert_eq!(p.services["db"].healthcheck.as_ref().unwrap().test, vec!["CMD", "pg_isready"]);
    assert_eq!(p.networks["default"].name.as_deref(), Some("shop_default"));
    assert_eq!(p.volumes["data"].name.as_deref(), Some("shop_data"));

    // What the history stores is read back to the same project (rollback --to relies on it).
    let json = serde_json::to_value(p).unwrap();
    let back: tuxpilot_compose::Project = serde_json::from_value(json).unwrap();
    for (n, s) in &p.services {
        assert_eq!(tuxpilot_compose::service_hash(s), tuxpilot_compose::service_hash(&back.services[n]), "{n}");
    }
}

#[test]
fn a_compose_file_is_loaded_by_the_compose_loader() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "name: shop\nx-version: \"7\"\nservices:\n  web:\n    image: nginx\n    deploy: {update_config: {order: stop-first}}\n",
    );
    let app = load(&file, &LoadAppOptions::default()).unwrap();
    assert_eq!((app.name.as_str(), app.version.as_str(), app.format), ("shop", "7", SourceFormat::Compose));
    let policy = tuxpilot_orchestrator::rollout::policy(&app.project, "web");
    assert_eq!(policy.order, tuxpilot_orchestrator::spec::UpdateOrder::StopFirst);
}

#[test]
fn errors_name_the_place_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("name: Shop\ncontainers: {web: {image: x}}\n", "app.yaml:1:7", "name it `shop`"),
        ("name: s\ncontainers: {}\n", "app.yaml:2", "add at least one"),
        ("name: s\ncontainers:\n  - image: x\n", "app.yaml:3", "needs a `name`"),
        ("name: s\ncontainers:\n  web: {image: \"x:1\", tag: \"2\"}\n", "tag", "keep one"),
        ("name: s\ncontainers:\n  web: {image: x, restart_policy: sometimes}\n", "app.yaml:3", "on-failure[:N]"),
        ("name: s\ncontainers:\n  web: {image: x, command: \"${NOPE:?set NOPE}\"}\n", "app.yaml:3", "set NOPE"),
        // One host port bound twice across addresses: 0.0.0.0 covers 127.0.0.1.
        (
            "name: s\ncontainers:\n  a: {image: x, ports: [\"127.0.0.1:8080:80\"]}\n  b: {image: x, ports: [\"8080:80\"]}\n",
            "127.0.0.1 and 0.0.0.0 overlap",
            "its own host port",
        ),
        (
            "name: s\ncontainers:\n  a: {image: x, ports: [\"0.0.0.0:9000:80\"]}\n  b: {image: x, ports: [\"10.1.2.3:9000:80\"]}\n",
            "published by both",
            "its own host port",
        ),
        // A name the engine would refuse half-way (a volume is a directory).
        (&format!("name: {}\ncontainers: {{web: {{image: x}}}}\n", "a".repeat(303)), "at most 63", "shorter name"),
    ];
    for (text, place, fix) in cases {
        let file = write(dir.path(), "app.yaml", text);
        let e = load(&file, &LoadAppOptions::default()).unwrap_err();
        let shown = format!("{e} {}", e.hint.clone().unwrap_or_default());
        assert!(shown.contains(place) && shown.contains(fix), "{text}\n=> {shown}");
    }
}

#[test]
fn auto_update_becomes_the_label_and_a_bad_label_in_a_compose_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let app = write(
        dir.path(),
        "app.yaml",
        "name: a\nversion: \"1\"\ncontainers:\n  web:\n    image: busybox\n    auto_update: patch\n",
    );
    let loaded = load(&app, &LoadAppOptions::default()).unwrap();
    assert_eq!(loaded.project.services["web"].labels.get("tuxpilot.auto-update"), Some(&Some("patch".to_string())));
    let bad = write(
        dir.path(),
        "app2.yaml",
        "name: a\nversion: \"1\"\ncontainers:\n  web:\n    image: busybox\n    auto_update: weekly\n",
    );
    assert!(load(&bad, &LoadAppOptions::default()).is_err());
    let compose = write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: busybox\n    labels:\n      tuxpilot.auto-update: sometimes\n",
    );
    let e = load(&compose, &LoadAppOptions::default()).unwrap_err().to_string();
    assert!(
        e.contains("compose.yaml:4") && e.contains("sometimes") && e.contains("off, digest, patch, minor, major"),
        "{e}"
    );
}

//! The seed's config sections act: `[containers.compose]` (default_project_name,
//! auto_pull_images, remove_orphans), `[containers] default_network` and `auto_cleanup`, and an
//! unknown key in `[containers]` is refused with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli as docker, engine, output_text, unique_name};

fn tuxpilot(dir: &Path, config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", config).env("NO_COLOR", "1").current_dir(dir);
    c
}

#[test]
fn an_unknown_key_in_containers_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[containers]\nauto_cleanups = true\n").unwrap();
    let o = tuxpilot(dir.path(), &cfg).args(["config", "show"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", output_text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown key `auto_cleanups` in [containers]") && err.contains("auto_cleanup"), "{err}");
}

#[test]
fn default_project_name_is_used_when_none_can_be_derived() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("___");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("compose.yaml"), format!("services:\n  a:\n    image: {TEST_IMAGE}\n")).unwrap();
    let none = dir.path().join("none.toml");
    std::fs::write(&none, "").unwrap();
    let o = tuxpilot(&project, &none).args(["compose", "config"]).output().unwrap();
    assert!(!o.status.success(), "{}", output_text(&o));
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[containers.compose]\ndefault_project_name = \"fallback\"\n").unwrap();
    let o = tuxpilot(&project, &cfg).args(["compose", "config"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("name: fallback"), "{}", output_text(&o));
}

#[tokio::test]
async fn auto_pull_off_and_remove_orphans_act_on_compose_up() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let name = unique_name("cfg").replace('.', "-");
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.network(&format!("{name}_default"));
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[containers.compose]\nauto_pull_images = false\nremove_orphans = true\n").unwrap();
    let write = |services: &[&str], image: &str| {
        let mut y = String::from("services:\n");
        for s in services {
            y.push_str(&format!(
                "  {s}:\n    image: {image}\n    command: [sleep, '600']\n    stop_grace_period: 1s\n"
            ));
        }
        std::fs::write(dir.path().join("compose.yaml"), y).unwrap();
    };

    // A missing image is an error naming it; nothing is pulled or created.
    let missing = format!("tuxpilot-test/missing-{name}:1");
    write(&["a"], &missing);
    let o = tuxpilot(dir.path(), &cfg).args(["compose", "-p", &name, "up", "-d"]).output().unwrap();
    assert!(!o.status.success(), "{}", output_text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&missing) && err.contains("auto_pull_images = false"), "{err}");
    assert!(!err.contains("Pulling"), "{err}");
    assert!(docker(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={name}")]).is_empty());

    // remove_orphans: a service taken out of the file goes on the next up.
    write(&["a", "b"], TEST_IMAGE);
    let o = tuxpilot(dir.path(), &cfg).args(["compose", "-p", &name, "up", "-d"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    write(&["a"], TEST_IMAGE);
    let o = tuxpilot(dir.path(), &cfg).args(["compose", "-p", &name, "up", "-d"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let left = docker(&[
        "ps",
        "-a",
        "--format",
        "{{.Names}}",
        "--filter",
        &format!("label=com.docker.compose.project={name}"),
    ]);
    assert_eq!(left.lines().count(), 1, "{left}");
    assert!(left.contains("-a-1"), "{left}");
    let o = tuxpilot(dir.path(), &cfg).args(["compose", "-p", &name, "down", "-t", "1"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
}

#[tokio::test]
async fn default_network_and_auto_cleanup_act_on_containers_run() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let net = unique_name("cfg-net");
    let name = unique_name("cfg-run");
    cleanup.network(&net);
    cleanup.container(&name);
    docker(&["network", "create", "--label", TEST_LABEL, &net]);
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, format!("[containers]\ndefault_network = \"{net}\"\nauto_cleanup = true\n")).unwrap();
    let o = tuxpilot(dir.path(), &cfg)
        .args(["containers", "run", "-d", "--name", &name, "--label", TEST_LABEL, TEST_IMAGE, "sleep", "600"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let networks =
        docker(&["inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", &name]);
    assert_eq!(networks.trim(), net, "{networks}");
    assert_eq!(docker(&["inspect", "--format", "{{.HostConfig.AutoRemove}}", &name]), "true");
}

#[tokio::test]
async fn containers_updates_is_a_known_section_checked_as_strictly_as_the_others() {
    let Some(_engine) = engine().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    for (text, needle) in [
        ("[containers.updates]\ninterval = \"1s\"\n", "interval: at least 10s"),
        ("[containers.updates]\nschedule = \"2am-4am\"\n", "schedule:"),
        ("[containers.updates]\nwebhook = \"ftp://x\"\n", "webhook:"),
        ("[containers.updates]\ninterval = \"soon\"\n", "[containers.updates]"),
    ] {
        std::fs::write(&cfg, text).unwrap();
        let o = tuxpilot(dir.path(), &cfg).args(["containers", "updates", "history"]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{text}: {}", output_text(&o));
        assert!(String::from_utf8_lossy(&o.stderr).contains(needle), "{text}: {}", output_text(&o));
    }
    std::fs::write(&cfg, "[containers.updates]\nintervall = \"5m\"\nschedule = \"Mon-Fri 02:00-04:00\"\n").unwrap();
    let o = tuxpilot(dir.path(), &cfg).args(["containers", "updates", "history"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown key `intervall` in [containers.updates]") && err.contains("interval, webhook, schedule"),
        "{err}"
    );
}

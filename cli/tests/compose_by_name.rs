//! `compose -p NAME` alone manages an existing project from its containers' labels, as docker
//! compose does: ps, logs, stop, start, down work from any directory; a name nobody carries is
//! refused with the way to find one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};

use tuxpilot_tests::{Cleanup, TEST_IMAGE, docker_cli as docker, engine, output_text as text, unique_name};

fn tuxpilot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").current_dir(dir).stdin(Stdio::null());
    c
}

#[tokio::test]
async fn a_project_is_managed_by_its_name_alone() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("byname").replace('.', "-");
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.network(&format!("{name}_default"));
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("compose.yaml"),
        format!(
            "name: {name}\nservices:\n  app:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"echo hello from {name}; trap 'exit 0' TERM; sleep 600 & wait\"]\n"
        ),
    )
    .unwrap();
    let o = tuxpilot(project.path()).args(["compose", "up", "-d"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    // Elsewhere, with no compose file in sight.
    let elsewhere = tempfile::tempdir().unwrap();
    let o = tuxpilot(elsewhere.path()).args(["compose", "-p", &name, "ps"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("{name}-app-1")), "{}", text(&o));
    let o = tuxpilot(elsewhere.path()).args(["compose", "-p", &name, "logs"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("hello from {name}")), "{}", text(&o));
    let o = tuxpilot(elsewhere.path()).args(["compose", "-p", &name, "stop"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(docker(&["inspect", "-f", "{{.State.Running}}", &format!("{name}-app-1")]), "false");
    let o = tuxpilot(elsewhere.path()).args(["compose", "-p", &name, "down"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(docker(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={name}")]), "");
    // A name no container carries.
    let o = tuxpilot(elsewhere.path()).args(["compose", "-p", "tp-nobody-has-this", "ps"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no container carries") && err.contains("compose ls"), "{err}");
}

#[tokio::test]
async fn ps_json_has_the_shape_of_docker_compose_ps() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("psjson").replace('.', "-");
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.network(&format!("{name}_default"));
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "name: {name}\nservices:\n  app:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"trap 'exit 0' TERM; sleep 600 & wait\"]\n    ports: [\"127.0.0.1:{port}:80\"]\n    healthcheck: {{test: [CMD, 'true'], interval: 1s}}\n"
        ),
    )
    .unwrap();
    let o = tuxpilot(dir.path()).args(["compose", "up", "-d", "--wait"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let ours = tuxpilot(dir.path()).args(["--format", "json", "compose", "ps"]).output().unwrap();
    let theirs =
        Command::new("docker").current_dir(dir.path()).args(["compose", "ps", "--format", "json"]).output().unwrap();
    let line = |o: &std::process::Output| -> serde_json::Value {
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("null")).unwrap()
    };
    let (a, b) = (line(&ours), line(&theirs));
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b), "ours {a}\ntheirs {b}");
    for k in [
        "Name",
        "Service",
        "State",
        "Health",
        "ExitCode",
        "Publishers",
        "Command",
        "Project",
        "Image",
        "Ports",
        "ID",
        "Networks",
    ] {
        assert_eq!(a[k], b[k], "{k}: ours {a}\ntheirs {b}");
    }
    // The table's COMMAND is cut as compose cuts it.
    let o = tuxpilot(dir.path()).args(["compose", "ps"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains(r#""sh -c 'trap 'exit 0…""#), "{}", text(&o));
    let _ = tuxpilot(dir.path()).args(["compose", "down", "-t", "1"]).output();
}

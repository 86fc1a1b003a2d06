//! The commands a chat plan shows ("same as: tuxpilot containers …") are real: a sample of
//! plans is made with `chat --dry-run` on the real engine, then each shown command is run as
//! the user would paste it, and the engine's state is checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli as docker, engine, output_text as text, unique_name};

fn tuxpilot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").current_dir(dir).stdin(Stdio::null());
    c
}

/// The plan's commands, for a request planned without changing anything.
fn shown(dir: &Path, request: &str) -> Vec<String> {
    let o = tuxpilot(dir).args(["--format", "json", "chat", "--dry-run", request]).output().unwrap();
    assert!(o.status.success(), "{request}: {}", text(&o));
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{request}: not JSON ({e}): {}", text(&o)));
    assert_eq!(v["executed"], false, "{request}: {v}");
    v["plan"]["commands"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
}

/// Runs a shown command as pasted: `tuxpilot` is this build.
fn run(dir: &Path, command: &str) -> Output {
    let argv = shell_words::split(command).unwrap();
    assert_eq!(argv[0], "tuxpilot", "{command}");
    tuxpilot(dir).args(&argv[1..]).output().unwrap()
}

fn started_at(name: &str) -> String {
    docker(&["inspect", "--format", "{{.State.StartedAt}}", name])
}

/// A container of the test image that stops at once on TERM, as a compose service's replica
/// when `project` is given.
fn container(cleanup: &Cleanup, name: &str, project: Option<(&str, &str)>) {
    cleanup.container(name);
    let mut args =
        vec!["run".to_string(), "-d".into(), "--name".into(), name.into(), "--label".into(), TEST_LABEL.into()];
    if let Some((p, s)) = project {
        args.extend(["--label".into(), format!("com.docker.compose.project={p}")]);
        args.extend(["--label".into(), format!("com.docker.compose.service={s}")]);
    }
    let script = format!("echo hello from {name}; trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done");
    args.extend([TEST_IMAGE.to_string(), "sh".into(), "-c".into(), script]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    docker(&argv);
}

#[tokio::test]
async fn the_commands_a_plan_shows_run_and_do_what_it_said() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let a = unique_name("cmd-a");
    let b = unique_name("cmd-b");
    let project = unique_name("cmdp").replace('.', "-").to_ascii_lowercase();
    let (r1, r2) = (format!("{project}-web-1"), format!("{project}-web-2"));
    container(&cleanup, &a, None);
    container(&cleanup, &b, None);
    container(&cleanup, &r1, Some((&project, "web")));
    container(&cleanup, &r2, Some((&project, "web")));

    // A list: one command over both.
    let before = [started_at(&a), started_at(&b)];
    let commands = shown(dir.path(), &format!("restart {a} and {b}"));
    assert_eq!(commands, [format!("tuxpilot containers restart {a} {b}")]);
    for c in &commands {
        let o = run(dir.path(), c);
        assert!(o.status.success(), "{c}: {}", text(&o));
    }
    assert_ne!(started_at(&a), before[0], "{a} was not restarted");
    assert_ne!(started_at(&b), before[1], "{b} was not restarted");

    // A service of a project by name: every replica.
    let before = [started_at(&r1), started_at(&r2)];
    let commands = shown(dir.path(), &format!("restart the web of {project}"));
    assert_eq!(commands, [format!("tuxpilot containers restart {r1} {r2}")]);
    let o = run(dir.path(), &commands[0]);
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(started_at(&r1), before[0]);
    assert_ne!(started_at(&r2), before[1]);

    // The logs of a service: one command per replica, each showing that replica's output.
    let commands = shown(dir.path(), &format!("show me the logs of {project}'s web"));
    assert_eq!(commands.len(), 2, "{commands:?}");
    for (c, name) in commands.iter().zip([&r1, &r2]) {
        let o = run(dir.path(), c);
        assert!(o.status.success(), "{c}: {}", text(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("hello from {name}")), "{c}: {}", text(&o));
    }

    // Stop, start and reads.
    for (request, check) in [
        (format!("stop {a}"), Some(("false", a.clone()))),
        (format!("start {a}"), Some(("true", a.clone()))),
        (format!("inspect {b}"), None),
        ("what apps are deployed?".to_string(), None),
    ] {
        let commands = shown(dir.path(), &request);
        assert!(!commands.is_empty(), "{request}: no command shown");
        for c in &commands {
            let o = run(dir.path(), c);
            assert!(o.status.success(), "{request}: `{c}`: {}", text(&o));
        }
        if let Some((running, name)) = check {
            assert_eq!(docker(&["inspect", "--format", "{{.State.Running}}", &name]), running, "{request}");
        }
    }
}

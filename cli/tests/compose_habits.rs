//! docker compose habits: `compose logs` interleaves stdout and stderr on stdout, with
//! `--no-log-prefix`, `--since` and `--until`; a scale-down on `up` stops the surplus replicas at
//! once, not one stop timeout after another.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};

use tuxpilot_tests::{TEST_IMAGE, compose_project as project, docker_cli as docker, engine, output_text as text};

fn tuxpilot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").current_dir(dir).stdin(Stdio::null());
    c
}

#[tokio::test]
async fn logs_put_both_streams_on_stdout_with_compose_flags() {
    let Some(_engine) = engine().await else { return };
    let (dir, name, _cleanup) = project(
        "logs",
        &format!(
            "  app:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"echo to-stdout; echo to-stderr >&2; trap 'exit 0' TERM; sleep 600 & wait\"]\n"
        ),
    );
    let o = tuxpilot(dir.path()).args(["compose", "up", "-d"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    // Both lines are in the log once the container printed them.
    let mut out = String::new();
    for _ in 0..100 {
        let o = tuxpilot(dir.path()).args(["compose", "logs"]).output().unwrap();
        out = String::from_utf8_lossy(&o.stdout).to_string();
        if out.contains("to-stderr") && out.contains("to-stdout") {
            assert!(o.stderr.is_empty(), "nothing on stderr: {}", text(&o));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(out.contains(&format!("{name}-app-1")) && out.contains("| to-stderr"), "{out}");
    let o = tuxpilot(dir.path()).args(["compose", "logs", "--no-log-prefix"]).output().unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect();
    assert!(lines.contains(&"to-stdout".to_string()) && lines.contains(&"to-stderr".to_string()), "{lines:?}");
    let o = tuxpilot(dir.path()).args(["compose", "logs", "--since", "2036-01-01T00:00:00Z"]).output().unwrap();
    assert!(o.status.success() && o.stdout.is_empty(), "{}", text(&o));
    let o = tuxpilot(dir.path()).args(["compose", "logs", "--until", "2000-01-01"]).output().unwrap();
    assert!(o.status.success() && o.stdout.is_empty(), "{}", text(&o));
    let o = tuxpilot(dir.path()).args(["compose", "logs", "--since", "10m", "-t"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("to-stdout"), "{}", text(&o));
    let o = tuxpilot(dir.path()).args(["compose", "logs", "--since", "yesterday-ish"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let _ = tuxpilot(dir.path()).args(["compose", "down", "-t", "1"]).output();
}

#[tokio::test]
async fn a_scale_down_stops_the_surplus_at_once() {
    let Some(_engine) = engine().await else { return };
    // The process ignores SIGTERM: each stop waits out the 4 s grace period.
    let (dir, name, _cleanup) = project(
        "scaledown",
        &format!(
            "  app:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"trap '' TERM; while :; do sleep 1; done\"]\n    stop_grace_period: 4s\n"
        ),
    );
    let o = tuxpilot(dir.path()).args(["compose", "up", "-d", "--scale", "app=3"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let since = docker(&["info", "--format", "{{json .SystemTime}}"]).trim_matches('"').to_string();
    let o = tuxpilot(dir.path()).args(["compose", "up", "-d", "--scale", "app=1"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let until = docker(&["info", "--format", "{{json .SystemTime}}"]).trim_matches('"').to_string();
    let events = docker(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        "event=die",
        "--filter",
        &format!("label=com.docker.compose.project={name}"),
        "--format",
        "{{.TimeNano}}",
    ]);
    let times: Vec<i64> = events.lines().filter_map(|l| l.trim().parse().ok()).collect();
    assert_eq!(times.len(), 2, "two surplus replicas stopped: {events}");
    let apart = (times[0] - times[1]).abs() as f64 / 1e9;
    // One after the other they would die at least a grace period (4 s) apart.
    assert!(apart < 2.0, "the surplus replicas died {apart:.1} s apart");
    assert_eq!(
        docker(&["ps", "-q", "--filter", &format!("label=com.docker.compose.project={name}")]).lines().count(),
        1
    );
    let _ = tuxpilot(dir.path()).args(["compose", "down", "-t", "1"]).output();
}

#[tokio::test]
async fn run_takes_composes_flags() {
    let Some(_engine) = engine().await else { return };
    let (dir, name, cleanup) = project(
        "runflags",
        &format!(
            "  dep:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n  app:\n    image: {TEST_IMAGE}\n    depends_on: [dep]\n    command: [echo, from-the-service]\n"
        ),
    );
    let vol = format!("{name}-data");
    cleanup.volume(&vol);
    let one_off = format!("{name}-custom");
    cleanup.container(&one_off);
    let o = tuxpilot(dir.path())
        .env("TP_FROM_HERE", "here")
        .args(["compose", "run", "--rm", "-T", "--no-deps", "-e", "FOO=bar", "-e", "TP_FROM_HERE", "--name", &one_off])
        .args(["-v", &format!("{vol}:/data"), "-u", "nobody", "-w", "/tmp", "--entrypoint", "sh -c", "app"])
        .arg("echo $FOO $TP_FROM_HERE $(id -u) $(pwd) $(hostname -s >/dev/null && echo ok); ls -d /data")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "bar here 65534 /tmp ok\n/data", "{}", text(&o));
    let deps = docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={name}"),
        "--filter",
        "label=com.docker.compose.service=dep",
    ]);
    assert_eq!(deps, "", "--no-deps started no dependency");
    assert_eq!(docker(&["volume", "ls", "-q", "--filter", &format!("name={vol}")]), vol, "the -v volume was made");
    // Without --no-deps the dependency comes up first; --name names the one-off container.
    let o = tuxpilot(dir.path()).args(["compose", "run", "-d", "--name", &one_off, "app"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), one_off);
    let deps = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={name}"),
        "--filter",
        "label=com.docker.compose.service=dep",
    ]);
    assert_eq!(deps.lines().count(), 1, "the dependency runs");
    let _ = tuxpilot(dir.path()).args(["compose", "down", "-t", "1"]).output();
}

#[tokio::test]
async fn a_failing_build_shows_the_failing_steps_output() {
    let Some(_engine) = engine().await else { return };
    let (dir, name, cleanup) = project("buildfail", "  app:\n    build: .\n");
    cleanup.image(&format!("{name}-app"));
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {TEST_IMAGE}\nRUN echo an-earlier-step\nRUN echo why-it-failed-{name} && false\n"),
    )
    .unwrap();
    let o = tuxpilot(dir.path()).args(["compose", "build"]).output().unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let error = err.lines().position(|l| l.starts_with("error:")).unwrap_or_else(|| panic!("{err}"));
    let after: Vec<&str> = err.lines().skip(error).collect();
    assert!(
        after.iter().any(|l| l.contains(&format!("| why-it-failed-{name}"))),
        "the step's output follows the error: {err}"
    );
    assert!(!after.iter().any(|l| l.contains("| an-earlier-step")), "only the failing step's: {err}");
}

#[tokio::test]
async fn up_build_recreates_what_a_new_image_changed_and_nothing_else() {
    let Some(_engine) = engine().await else { return };
    let (dir, name, cleanup) = project(
        "rebuild",
        &format!(
            "  app:\n    build: .\n    command: [sh, -c, \"trap 'exit 0' TERM; sleep 600 & wait\"]\n  other:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"trap 'exit 0' TERM; sleep 600 & wait\"]\n"
        ),
    );
    cleanup.image(&format!("{name}-app"));
    let d = dir.path();
    std::fs::write(d.join("Dockerfile"), format!("FROM {TEST_IMAGE}\nRUN echo one > /v\n")).unwrap();
    let up = |args: &[&str]| {
        let o = tuxpilot(d).args(["compose", "up", "-d"]).args(args).output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
    };
    let id = |svc: &str| docker(&["inspect", "-f", "{{.Id}}", &format!("{name}-{svc}-1")]);
    up(&[]);
    let (app, other) = (id("app"), id("other"));
    up(&[]);
    assert_eq!((id("app"), id("other")), (app.clone(), other.clone()), "nothing changed: nothing recreated");
    // A changed Dockerfile: `up --build` makes a new image, and its service's container goes.
    std::fs::write(d.join("Dockerfile"), format!("FROM {TEST_IMAGE}\nRUN echo two > /v\n")).unwrap();
    up(&["--build"]);
    assert_ne!(id("app"), app, "the new image recreated app");
    assert_eq!(id("other"), other, "other's image did not change");
    assert_eq!(docker(&["exec", &format!("{name}-app-1"), "cat", "/v"]), "two");
    let o = tuxpilot(d).args(["compose", "down", "-t", "0"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

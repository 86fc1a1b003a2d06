//! Deployment locks on the real engine: SIGTERM mid-deploy gives them back; a lock whose holder
//! died on another host is taken over once stale; `containers unlock` asks, then gives back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli as docker, engine, output_text as text, unique_name};

fn tuxpilot(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", config).env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

fn locks_of(app: &str) -> Vec<String> {
    docker(&["ps", "-aq", "--filter", &format!("label=io.tuxpilot.lock.app={app}")])
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The locks a process holds (app and slots).
fn locks_of_process(pid: u32) -> Vec<String> {
    docker(&["ps", "-aq", "--filter", &format!("label=io.tuxpilot.lock.pid={pid}")])
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

fn app_name(prefix: &str) -> String {
    unique_name(prefix).replace('.', "-").to_ascii_lowercase()
}

/// Removes the app however the test ends.
struct Undeploy(String, std::path::PathBuf);
impl Drop for Undeploy {
    fn drop(&mut self) {
        let _ =
            tuxpilot(&self.1).args(["containers", "undeploy", &self.0, "--volumes", "--progress", "quiet"]).output();
        for id in locks_of(&self.0) {
            docker(&["rm", "-f", &id]);
        }
    }
}

/// A lock as another host's dead process would have left it.
fn foreign_lock(cleanup: &Cleanup, app: &str, since: i64, stale_after: i64) -> String {
    let name = format!("tuxpilot-lock-app-{app}");
    cleanup.container(&name);
    let labels = [
        "io.tuxpilot.lock=app".to_string(),
        format!("io.tuxpilot.lock.app={app}"),
        "io.tuxpilot.lock.host=some-other-host".into(),
        "io.tuxpilot.lock.pid=1".into(),
        format!("io.tuxpilot.lock.since={since}"),
        format!("io.tuxpilot.lock.stale_after={stale_after}"),
        TEST_LABEL.to_string(),
    ];
    let mut args = vec!["create".to_string(), "--name".into(), name.clone(), "--network".into(), "none".into()];
    for l in labels {
        args.extend(["--label".into(), l]);
    }
    args.extend([TEST_IMAGE.to_string(), "true".into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    docker(&argv);
    name
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn sigterm_mid_deploy_gives_the_locks_back() {
    let Some(_engine) = engine().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let app = app_name("lock-term");
    let _undeploy = Undeploy(app.clone(), config.clone());
    // Its health check never passes: the deploy waits on it, holding the locks.
    let spec = format!(
        "name: {app}\ncontainers:\n  web:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done\"]\n    health_check: {{test: [\"false\"], interval: 1s, retries: 1000}}\n"
    );
    std::fs::write(dir.path().join("app.yaml"), spec).unwrap();
    let mut child = tuxpilot(&config)
        .current_dir(dir.path())
        .args(["containers", "deploy", "-f", "app.yaml", "--progress", "quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // Its app lock and a deployment slot: the deploy is past taking its locks.
    while locks_of_process(child.id()).len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(60), "the deploy never took its lock");
        assert!(child.try_wait().unwrap().is_none(), "the deploy ended before taking its lock");
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lock(s) given back"), "{}", text(&out));
    assert!(locks_of(&app).is_empty(), "locks left: {:?}", locks_of(&app));
}

#[tokio::test]
async fn a_lock_from_a_dead_holder_elsewhere_is_taken_over_once_stale() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // The deploy would give up on a lock after 5 s; the foreign lock is stale after 8 s.
    std::fs::write(&config, "[containers.orchestration]\ndeployment_timeout = \"5s\"\n").unwrap();
    let app = app_name("lock-stale");
    let _undeploy = Undeploy(app.clone(), config.clone());
    foreign_lock(&cleanup, &app, now(), 8);
    let spec = format!(
        "name: {app}\ncontainers:\n  web:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done\"]\n"
    );
    std::fs::write(dir.path().join("app.yaml"), spec).unwrap();
    let out = tuxpilot(&config)
        .current_dir(dir.path())
        .args(["containers", "deploy", "-f", "app.yaml", "--progress", "quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(locks_of(&app).is_empty(), "the deploy gave its lock back: {:?}", locks_of(&app));
}

#[tokio::test]
async fn unlock_shows_the_holder_asks_and_gives_back() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let app = app_name("lock-unlock");
    foreign_lock(&cleanup, &app, now(), 600);

    // No terminal and no --yes: the holder is shown, nothing is given back, exit 7.
    let out = tuxpilot(&config).args(["containers", "unlock", &app]).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("some-other-host"), "{}", text(&out));
    assert_eq!(locks_of(&app).len(), 1);

    let out = tuxpilot(&config).args(["--format", "json", "containers", "unlock", &app, "--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["released"][0]["host"], "some-other-host", "{v}");
    assert!(locks_of(&app).is_empty());
}

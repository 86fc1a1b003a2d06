//! `compose watch` against a real engine: an initial sync, a changed file seen inside the
//! container, `ignore` and `.dockerignore` respected, a deleted file removed, `sync+exec` running
//! its command, and a rebuild (the container recreated from the new image) on a change of a
//! rebuild path. Each is waited for by polling up to a generous deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tuxpilot_tests::{Cleanup, TEST_IMAGE, docker_cli as docker, engine, output_text as text, unique_name};

fn tuxpilot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").current_dir(dir).stdin(Stdio::null());
    c
}

/// Polls `check` every 100 ms for up to 60 s.
fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn watch_syncs_execs_and_rebuilds_as_compose_does() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("watch").replace('.', "-");
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.network(&format!("{name}_default"));
    cleanup.image(&format!("{name}-app"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("Dockerfile"),
        format!("FROM {TEST_IMAGE}\nCOPY version.txt /version.txt\nCMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"]\n"),
    )
    .unwrap();
    std::fs::write(d.join("version.txt"), "v1\n").unwrap();
    std::fs::write(d.join(".dockerignore"), "src/secret.txt\n").unwrap();
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::create_dir_all(d.join("hooks")).unwrap();
    std::fs::write(d.join("src/a.txt"), "first\n").unwrap();
    std::fs::write(
        d.join("compose.yaml"),
        format!(
            r#"name: {name}
services:
  app:
    build: .
    develop:
      watch:
        - action: sync
          path: ./src
          target: /app/src
          ignore: ["**/*.tmp"]
          initial_sync: true
        - action: sync+exec
          path: ./hooks
          target: /app/hooks
          exec:
            command: ["sh", "-c", "cat /app/hooks/h.txt > /tmp/hook-ran"]
        - action: rebuild
          path: ./version.txt
"#
        ),
    )
    .unwrap();
    let container = format!("{name}-app-1");
    let cat = |path: &str| docker(&["exec", &container, "cat", path]);

    let mut watch = tuxpilot(d)
        .args(["--format", "json", "compose", "watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, events) = std::sync::mpsc::channel::<serde_json::Value>();
    let stdout = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).unwrap());
        }
    });
    let next_event = |kind: &str| loop {
        let e = events.recv_timeout(Duration::from_secs(120)).unwrap_or_else(|_| panic!("no {kind} event"));
        assert_ne!(e["event"], "failed", "{e}");
        if e["event"] == kind {
            return e;
        }
    };
    next_event("enabled");
    let initial = next_event("synced");
    assert_eq!(initial["initial"], true, "{initial}");
    assert_eq!(cat("/app/src/a.txt"), "first");

    // A change reaches the container.
    std::fs::write(d.join("src/a.txt"), "second\n").unwrap();
    eventually("a.txt updated in the container", || cat("/app/src/a.txt") == "second");
    // Ignored (`ignore`, `.dockerignore`) files never do: written before a file that does.
    std::fs::write(d.join("src/x.tmp"), "tmp\n").unwrap();
    std::fs::write(d.join("src/secret.txt"), "secret\n").unwrap();
    std::fs::create_dir_all(d.join("src/new/deep")).unwrap();
    std::fs::write(d.join("src/new/deep/skip.tmp"), "tmp\n").unwrap();
    std::fs::write(d.join("src/new/deep/b.txt"), "new file\n").unwrap();
    eventually("a new file in a new directory synced", || cat("/app/src/new/deep/b.txt") == "new file");
    let listing = docker(&["exec", &container, "ls", "-R", "/app/src"]);
    assert!(
        !listing.contains("x.tmp") && !listing.contains("secret.txt") && !listing.contains("skip.tmp"),
        "ignored files stay out, in new directories too: {listing}"
    );
    // A deletion is one too.
    std::fs::remove_file(d.join("src/a.txt")).unwrap();
    eventually("a.txt removed in the container", || {
        !docker(&["exec", &container, "ls", "/app/src"]).split_whitespace().any(|f| f == "a.txt")
    });

    // sync+exec: the file, then the command.
    std::fs::write(d.join("hooks/h.txt"), "hooked\n").unwrap();
    let ran = next_event("executed");
    assert_eq!(ran["exit_code"], 0, "{ran}");
    assert_eq!(cat("/tmp/hook-ran"), "hooked");

    // rebuild: a new image, the container recreated from it.
    let before = docker(&["inspect", "-f", "{{.Id}}", &container]);
    std::fs::write(d.join("version.txt"), "v2\n").unwrap();
    next_event("rebuilt");
    eventually("the container recreated from the new image", || cat("/version.txt") == "v2");
    assert_ne!(docker(&["inspect", "-f", "{{.Id}}", &container]), before);

    // Ctrl-C ends watching; the containers keep running, as compose's do.
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(watch.id()).unwrap()).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    let status = watch.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(docker(&["inspect", "-f", "{{.State.Running}}", &container]), "true");
    let o = tuxpilot(d).args(["compose", "down", "-t", "0"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

#[tokio::test]
async fn watch_refuses_rules_it_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!("name: tp-watch-bad\nservices:\n  app:\n    image: {TEST_IMAGE}\n    develop:\n      watch:\n        - action: rebuild\n          path: ./x\n"),
    )
    .unwrap();
    let o = tuxpilot(dir.path()).args(["compose", "watch", "--no-up"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("watch[0].action") && text(&o).contains("without a build section"), "{}", text(&o));
    let o = tuxpilot(dir.path()).args(["compose", "up", "--watch", "-d"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "--watch with -d is refused: {}", text(&o));
}

#[tokio::test]
async fn up_watch_shows_the_output_syncs_and_stops_on_ctrl_c() {
    let Some(_engine) = engine().await else { return };
    let (dir, name, _cleanup) = tuxpilot_tests::compose_project(
        "upwatch",
        &format!(
            "  app:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"echo app-started; trap 'exit 0' TERM; sleep 600 & wait\"]\n    develop:\n      watch:\n        - {{action: sync, path: ./src, target: /app/src}}\n"
        ),
    );
    let d = dir.path();
    std::fs::create_dir_all(d.join("src")).unwrap();
    let container = format!("{name}-app-1");
    let mut up =
        tuxpilot(d).args(["compose", "up", "--watch"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let (out, err) = (up.stdout.take().unwrap(), up.stderr.take().unwrap());
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        std::io::BufReader::new(out).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l)))
    });
    std::thread::spawn(move || {
        std::io::BufReader::new(err).lines().map_while(Result::ok).for_each(|l| drop(tx2.send(l)))
    });
    let mut seen = Vec::new();
    let mut wait_for = |text: &str| {
        while !seen.iter().any(|l: &String| l.contains(text)) {
            seen.push(
                lines
                    .recv_timeout(Duration::from_secs(60))
                    .unwrap_or_else(|_| panic!("{text:?} never shown: {seen:?}")),
            );
        }
    };
    // The container's output, as attached `up` shows it, and the watcher's line.
    wait_for("app-started");
    wait_for("Watch enabled");
    std::fs::write(d.join("src/f.txt"), "watched\n").unwrap();
    eventually("f.txt synced", || docker(&["exec", &container, "cat", "/app/src/f.txt"]) == "watched");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(up.id()).unwrap()).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    assert!(up.wait().unwrap().success());
    // Ctrl-C stops the containers, as attached `up` does.
    assert_eq!(docker(&["inspect", "-f", "{{.State.Running}}", &container]), "false");
    let o = tuxpilot(d).args(["compose", "down", "-t", "0"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

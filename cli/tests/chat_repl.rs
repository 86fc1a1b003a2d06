//! The interactive `tuxpilot chat` on a real pseudo-terminal: line editing, `help`, a
//! follow-up ("restart it" after the logs of X), a change confirmed with y and one declined
//! with n, `exit`, and the history file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use tuxpilot_tests::{Cleanup, OnTerminal, docker_cli as docker, engine, on_a_terminal, sleeper};

#[tokio::test]
async fn the_repl_edits_lines_follows_up_confirms_and_keeps_history() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = sleeper(&cleanup, "repl", Some("ready-for-repl"));
    let started = docker(&["inspect", "--format", "{{.State.StartedAt}}", &name]);
    let state = tempfile::tempdir().unwrap();

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    cmd.env("TUXPILOT_CONFIG", "/dev/null")
        .env("XDG_STATE_HOME", state.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .args(["chat"]);
    let OnTerminal { mut child, mut master, output: rx } = on_a_terminal(cmd, 160, 50);
    let mut seen = String::new();
    // Waits for `what` to appear after everything waited for so far.
    let mut from = 0usize;
    let mut wait_for = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(i) = seen[from..].find(what) {
                from += i + what.len();
                return;
            }
            assert!(Instant::now() < deadline, "{what:?} never shown; the session so far:\n{seen}");
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        }
    };
    wait_for("TuxPilot chat");
    wait_for("tuxpilot> ");
    master.write_all(b"help\r").unwrap();
    wait_for("I manage containers");
    wait_for("tuxpilot> ");
    // Line editing: "lst", left twice, "i", end → "list …".
    master.write_all(b"lst\x1b[D\x1b[Di\x1b[F all containers\r").unwrap();
    wait_for(&name);
    wait_for("tuxpilot> ");
    master.write_all(format!("show the logs of {name}\r").as_bytes()).unwrap();
    wait_for("ready-for-repl");
    wait_for("tuxpilot> ");
    // A follow-up about the same container, confirmed.
    master.write_all(b"restart it\r").unwrap();
    wait_for(&format!("Plan: restart {name}"));
    wait_for("Proceed? [y/N]");
    master.write_all(b"y\r").unwrap();
    wait_for(&format!("Restarted {name}"));
    wait_for("tuxpilot> ");
    assert_ne!(docker(&["inspect", "--format", "{{.State.StartedAt}}", &name]), started);
    // Declined.
    master.write_all(b"stop it\r").unwrap();
    wait_for("Proceed? [y/N]");
    master.write_all(b"n\r").unwrap();
    wait_for("Not done: declined.");
    wait_for("tuxpilot> ");
    assert_eq!(docker(&["inspect", "--format", "{{.State.Running}}", &name]), "true");
    master.write_all(b"exit\r").unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "exit did not leave");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success());
    let history = std::fs::read_to_string(state.path().join("tuxpilot/chat_history")).unwrap();
    assert!(history.contains("list all containers") && history.contains("restart it"), "{history}");
}

//! `containers monitor --real-time` on a real pseudo-terminal: it draws the live view, answers
//! keys (sort, logs, restart, quit) and gives the terminal back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use tuxpilot_docker::{ContainerSpec, Engine};
use tuxpilot_tests::{Cleanup, OnTerminal, TEST_IMAGE, engine, on_a_terminal, unique_name};

#[tokio::test]
async fn live_view_draws_sorts_shows_logs_and_quits_on_a_terminal() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("tty");
    cleanup.container(&name);
    let c = engine
        .create_container(ContainerSpec {
            name: Some(name.clone()),
            image: TEST_IMAGE.into(),
            command: Some(vec!["sh".into(), "-c".into(), "echo ready-for-logs; exec sleep 600".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    engine.start_container(&c.id).await.unwrap();
    let started = engine.inspect_container(&c.id).await.unwrap().state.started_at;

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    cmd.env("TUXPILOT_CONFIG", "/dev/null")
        .env("TERM", "xterm")
        .args(["containers", "monitor", "--real-time", "--interval", "300ms", "--count", "100"])
        .args(["--filter", &format!("id={}", c.id)]);
    // The screen is read on a thread; keys are driven from here.
    let OnTerminal { mut child, mut master, output: rx } = on_a_terminal(cmd, 140, 30);
    // A terminal emulator keeps the screen as a user would see it.
    let (rows, cols) = (std::num::NonZeroU16::new(30).unwrap(), std::num::NonZeroU16::new(140).unwrap());
    let mut term = vt100::Parser::new(rows, cols, 0);
    let mut raw = Vec::new();
    let mut wait_for = |term: &mut vt100::Parser, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !term.screen().contents().contains(what) {
            assert!(Instant::now() < deadline, "{what:?} never drawn:\n{}", term.screen().contents());
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
                term.process(&chunk);
                raw.extend(chunk);
            }
        }
    };
    wait_for(&mut term, "tuxpilot monitor  1 containers  sort: Cpu");
    wait_for(&mut term, &name);
    wait_for(&mut term, "MEM USAGE / LIMIT");
    wait_for(&mut term, "image   tuxpilot-test/busybox:latest");
    master.write_all(b"s").unwrap(); // CPU → memory
    wait_for(&mut term, "sort: Memory");
    master.write_all(b"l").unwrap(); // logs of the selected container
    wait_for(&mut term, "ready-for-logs");
    wait_for(&mut term, "1 log lines");
    master.write_all(b"R").unwrap(); // restart it through the engine: asked first
    wait_for(&mut term, "? y/N");
    master.write_all(b"y").unwrap();
    wait_for(&mut term, &format!("restarted {}", &c.id[..12]));
    let restarted = engine.inspect_container(&c.id).await.unwrap().state.started_at;
    assert!(restarted > started, "the engine restarted it: {started:?} → {restarted:?}");
    master.write_all(b"q").unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success());
    // The alternate screen was left and the cursor shown again.
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(300)) {
        term.process(&chunk);
        raw.extend(chunk);
    }
    assert!(!term.screen().alternate_screen(), "alternate screen left");
    assert!(!term.screen().hide_cursor(), "cursor shown again");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("\x1b[?1049l"));
}

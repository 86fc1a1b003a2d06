//! `compose exec` and `compose run` with stdin, on a pipe and on a real pseudo-terminal (`-it`,
//! as `docker compose`), and `run --service-ports` / `run -d`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tuxpilot_tests::{Cleanup, TEST_IMAGE, docker_cli, drive_terminal, engine, unique_name};

/// A project with one long-running service publishing a free host port.
fn project(name: &str, port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!("name: {name}\nservices:\n  web:\n    image: {TEST_IMAGE}\n    command: sleep 600\n    ports: [\"{port}:80\"]\n"),
    )
    .unwrap();
    dir
}

fn tuxpilot(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.current_dir(dir).env("TUXPILOT_CONFIG", "/dev/null").env("TERM", "xterm");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs `args` with `input` on a pipe as stdin; returns (exit code, stdout).
fn piped(dir: &std::path::Path, args: &[&str], input: &str) -> (i32, String) {
    let mut child =
        tuxpilot(dir).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Drives `args` on a 100x30 pseudo-terminal (see [`drive_terminal`]).
fn drive(dir: &std::path::Path, args: &[&str], script: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = tuxpilot(dir);
    cmd.args(args);
    drive_terminal(cmd, script)
}

#[tokio::test]
async fn exec_and_run_take_stdin_and_a_terminal_as_docker_compose_does() {
    let Some(_engine) = engine().await else { return };
    let name = unique_name("it");
    let cleanup = Cleanup::new();
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.network(&format!("{name}_default"));
    let dir = project(&name, free_port());
    let up = tuxpilot(dir.path()).args(["compose", "up", "-d"]).output().unwrap();
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));

    // On a pipe: stdin reaches the process, its exit code is ours.
    assert_eq!(
        piped(dir.path(), &["compose", "exec", "-T", "web", "cat"], "hello through exec\n"),
        (0, "hello through exec\n".into())
    );
    assert_eq!(piped(dir.path(), &["compose", "exec", "-T", "web", "sh", "-c", "read x; exit $x"], "5\n").0, 5);
    assert_eq!(
        piped(dir.path(), &["compose", "run", "--rm", "-T", "web", "sh", "-c", "cat; exit 4"], "to the one-off\n"),
        (4, "to the one-off\n".into())
    );

    // -d: returns at once and prints nothing while the command goes on running; what it
    // does shows later.
    let detached = tuxpilot(dir.path())
        .args(["compose", "exec", "-d", "web", "sh", "-c", "sleep 3; echo done > /tmp/detached"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(detached.status.success(), "{}", String::from_utf8_lossy(&detached.stderr));
    assert!(detached.stdout.is_empty(), "{}", String::from_utf8_lossy(&detached.stdout));
    let early = tuxpilot(dir.path()).args(["compose", "exec", "-T", "web", "cat", "/tmp/detached"]).output().unwrap();
    assert!(!early.status.success(), "the detached command had already finished: exec -d waited for it");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, out) = piped(dir.path(), &["compose", "exec", "-T", "web", "cat", "/tmp/detached"], "");
        if code == 0 {
            assert_eq!(out, "done\n");
            break;
        }
        assert!(Instant::now() < deadline, "the detached command never ran");
        std::thread::sleep(Duration::from_millis(200));
    }
    let both = tuxpilot(dir.path()).args(["compose", "exec", "-d", "-t", "web", "true"]).output().unwrap();
    assert_eq!(both.status.code(), Some(2), "-d with -t is refused as a usage error");

    // On a terminal: a TTY inside (the shell sees one, and the terminal's size), keys typed
    // reach it, and the exit code comes back.
    let (code, seen) = drive(
        dir.path(),
        &["compose", "exec", "web", "sh"],
        // `stty size` answers the terminal's rows and columns.
        &[("#", "[ -t 0 ] && echo tty-$((6*7)); stty size\r"), ("tty-42", ""), ("30 100", "exit 3\r")],
    );
    assert_eq!(code, 3, "{seen}");
    let (code, seen) = drive(
        dir.path(),
        &["compose", "run", "--rm", "web", "sh"],
        &[("#", "[ -t 0 ] && echo run-tty-$((6*7))\r"), ("run-tty-42", "exit 0\r")],
    );
    assert_eq!(code, 0, "{seen}");
    // --rm removed the one-off containers.
    let left = docker_cli(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={name}"),
        "--filter",
        "label=com.docker.compose.oneoff=True",
    ]);
    assert!(left.trim().is_empty(), "one-off containers left: {left}");

    let down = tuxpilot(dir.path()).args(["compose", "down", "-t", "0"]).output().unwrap();
    assert!(down.status.success());
}

#[tokio::test]
async fn run_publishes_the_service_ports_only_when_asked() {
    let Some(_engine) = engine().await else { return };
    let name = unique_name("ports");
    let cleanup = Cleanup::new();
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.network(&format!("{name}_default"));
    let port = free_port();
    let dir = project(&name, port);
    let ports_of =
        |container: &str| docker_cli(&["inspect", "--format", "{{json .HostConfig.PortBindings}}", container]);

    let without = tuxpilot(dir.path()).args(["compose", "run", "-d", "web", "sleep", "600"]).output().unwrap();
    assert!(without.status.success(), "{}", String::from_utf8_lossy(&without.stderr));
    let container = String::from_utf8_lossy(&without.stdout).trim().to_string();
    assert!(container.starts_with(&format!("{name}-web-run-")), "{container}");
    assert!(!ports_of(&container).contains("HostPort"), "{}", ports_of(&container));
    docker_cli(&["rm", "-f", &container]);

    let with =
        tuxpilot(dir.path()).args(["compose", "run", "-d", "--service-ports", "web", "sleep", "600"]).output().unwrap();
    assert!(with.status.success(), "{}", String::from_utf8_lossy(&with.stderr));
    let container = String::from_utf8_lossy(&with.stdout).trim().to_string();
    let bindings = ports_of(&container);
    assert!(bindings.contains(&format!("\"HostPort\":\"{port}\"")), "{bindings}");
    let down = tuxpilot(dir.path()).args(["compose", "down", "-t", "0", "--remove-orphans"]).output().unwrap();
    assert!(down.status.success());
}

//! Errors as docs/cli.md documents them, for the cases hostile input found: an endpoint that is
//! not a Docker Engine, a piped chat session whose change was not confirmed, log lines without
//! colour codes in a file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use tuxpilot_tests::{Cleanup, engine, output_text as text, sleeper};

fn tuxpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env_remove("NO_COLOR").stdin(Stdio::null());
    c
}

#[test]
fn an_endpoint_that_is_not_a_docker_engine_is_said_in_one_line() {
    // A web server that answers every request with an HTML 404 page.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten().take(8) {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let body = "<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let o = tuxpilot().args(["-H", &format!("tcp://{addr}"), "containers", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(first.contains("not a Docker Engine") && first.contains(&addr.to_string()), "{stderr}");
    assert!(!stderr.contains("<html") && !stderr.contains("<!DOCTYPE"), "the page is not printed: {stderr}");
}

#[tokio::test]
async fn a_piped_chat_session_exits_7_when_a_change_was_not_confirmed() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = sleeper(&cleanup, "piped-chat", None);
    let mut child = tuxpilot()
        .args(["chat", "--offline"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("list my containers\nstop {name}\n").as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", text(&o));
    let running = tuxpilot_tests::docker_cli(&["inspect", "--format", "{{.State.Running}}", &name]);
    assert_eq!(running, "true", "nothing was stopped");
}

#[tokio::test]
async fn log_lines_carry_no_colour_codes_into_a_file() {
    let Some(_engine) = engine().await else { return };
    let o = tuxpilot().env("TUXPILOT_LOG", "debug").args(["containers", "list"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!o.stderr.is_empty(), "debug lines were written");
    assert!(!o.stderr.contains(&0x1b), "escape codes in: {}", String::from_utf8_lossy(&o.stderr));
}

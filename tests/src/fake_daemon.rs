//! A scripted fake Docker daemon on a Unix socket, for tests of error handling that a real
//! daemon cannot be made to produce on demand (timeouts, 500s).
//!
//! Routes (by path suffix): `/version`, `/_ping` answer 200; `/containers/missing/json` 404;
//! `DELETE /containers/busy` 409; `/containers/slow/json` never answers; `/containers/json` 500.

// Test-kit code: a broken temp dir should fail the test loudly.
#![allow(clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

/// A running fake daemon; it stops when dropped.
pub struct FakeDaemon {
    /// Its socket.
    pub path: PathBuf,
    handle: tokio::task::JoinHandle<()>,
}

impl FakeDaemon {
    /// `unix://<path>`, for DOCKER_HOST.
    pub fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        self.handle.abort();
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Starts a fake daemon on a socket in a fresh temp dir.
///
/// # Panics
/// When the socket cannot be bound (a broken temp dir).
pub async fn start(tag: &str) -> FakeDaemon {
    let dir =
        std::env::temp_dir().join(format!("tuxpilot-fake-{tag}-{}-{}", std::process::id(), crate::unique_name("d")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("docker.sock");
    let listener = UnixListener::bind(&path).expect("bind fake daemon socket");
    let handle = tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                loop {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let line = head.lines().next().unwrap_or_default().to_string();
                    let (status, body) = route(&line);
                    if status == 0 {
                        // Never answer: the client must time out.
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    let reason = match status {
                        200 => "OK",
                        404 => "Not Found",
                        409 => "Conflict",
                        _ => "Internal Server Error",
                    };
                    let resp = format!(
                        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    FakeDaemon { path, handle }
}

fn route(request_line: &str) -> (u16, String) {
    let path = request_line.split_whitespace().nth(1).unwrap_or("");
    let path = path.split('?').next().unwrap_or(path);
    if path.ends_with("/version") {
        return (
            200,
            r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#.into(),
        );
    }
    if path.ends_with("/_ping") {
        return (200, "OK".into());
    }
    if path.ends_with("/containers/missing/json") {
        return (404, r#"{"message":"No such container: missing"}"#.into());
    }
    if path.ends_with("/containers/busy") {
        return (409, r#"{"message":"You cannot remove a running container busy. Stop the container before attempting removal or force remove"}"#.into());
    }
    if path.ends_with("/containers/slow/json") {
        return (0, String::new());
    }
    if path.ends_with("/containers/json") {
        return (500, r#"{"message":"boom: storage is on fire"}"#.into());
    }
    (404, r#"{"message":"page not found"}"#.into())
}

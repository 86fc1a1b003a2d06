//! The bollard engine's own tests: what needs no daemon, and a daemon that hangs up.

use super::*;
use crate::config::ConnectionConfig;

#[test]
fn timestamps_are_split_off_log_lines() {
    let (t, rest) = split_timestamp("2024-05-01T10:00:00.123456789Z hello world\n");
    assert!(t.is_some());
    assert_eq!(rest, "hello world\n");
    let (t, rest) = split_timestamp("no timestamp here");
    assert!(t.is_none());
    assert_eq!(rest, "no timestamp here");
}

/// An engine that answers the version handshake and then closes the connection under the
/// next request, as a daemon that stops mid-request does.
async fn engine_that_hangs_up(dir: &std::path::Path) -> BollardEngine {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let path = dir.join("engine.sock");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                loop {
                    let Ok(n) = conn.read(&mut buf).await else { return };
                    let head = String::from_utf8_lossy(&buf[..n]).to_string();
                    if n == 0 || !head.contains("/version") {
                        return; // hang up without an answer
                    }
                    let body = r#"{"ApiVersion":"1.41","Version":"20.10.24"}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if conn.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let config = ConnectionConfig { host: Some(format!("unix://{}", path.display())), ..Default::default() };
    BollardEngine::connect(&config).await.expect("the fake engine answers the handshake")
}

#[tokio::test]
async fn a_connection_closed_mid_request_is_the_engine_going_away() {
    let dir = std::env::temp_dir().join(format!("tuxpilot-hangup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let engine = engine_that_hangs_up(&dir).await;
    let got = engine.ping().await;
    let _ = std::fs::remove_dir_all(&dir);
    match got {
        Err(EngineError::Unavailable { reason, .. }) => {
            assert!(reason.contains("connection closed"), "{reason}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

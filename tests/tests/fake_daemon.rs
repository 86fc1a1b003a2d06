//! `BollardEngine` against a scripted fake daemon on a Unix socket: each HTTP failure the real
//! daemon gives (404, 409, 500, no answer, nobody listening) must become the right `EngineError`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tuxpilot_docker::{
    BollardEngine, ConnectionConfig, Engine, EngineError, ListContainersOptions, RemoveOptions, ResourceKind,
};
use tuxpilot_tests::fake_daemon::start as fake_daemon;

fn config(path: &std::path::Path, timeout_secs: u64) -> ConnectionConfig {
    ConnectionConfig {
        host: Some(format!("unix://{}", path.display())),
        timeout: Duration::from_secs(timeout_secs),
        ..Default::default()
    }
}

#[tokio::test]
async fn negotiates_the_daemons_api_version() {
    let d = fake_daemon("version").await;
    let path = d.path.clone();
    let engine = BollardEngine::connect(&config(&path, 5)).await.unwrap();
    assert_eq!(engine.api_version(), "1.41");
    assert_eq!(engine.version().await.unwrap().api_version, "1.41");
}

#[tokio::test]
async fn http_404_is_not_found_naming_the_container() {
    let d = fake_daemon("404").await;
    let path = d.path.clone();
    let engine = BollardEngine::connect(&config(&path, 5)).await.unwrap();
    match engine.inspect_container("missing").await {
        Err(EngineError::NotFound { kind: ResourceKind::Container, name, message }) => {
            assert_eq!(name, "missing");
            assert_eq!(message, "No such container: missing");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn http_409_is_conflict() {
    let d = fake_daemon("409").await;
    let path = d.path.clone();
    let engine = BollardEngine::connect(&config(&path, 5)).await.unwrap();
    let err = engine.remove_container("busy", RemoveOptions::default()).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert!(err.to_string().contains("cannot remove a running container"), "{err}");
    assert!(err.hint().unwrap().contains("--force"));
}

#[tokio::test]
async fn other_statuses_are_daemon_errors_with_status_and_message() {
    let d = fake_daemon("500").await;
    let path = d.path.clone();
    let engine = BollardEngine::connect(&config(&path, 5)).await.unwrap();
    match engine.list_containers(ListContainersOptions::default()).await {
        Err(EngineError::Daemon { status: Some(500), message, .. }) => assert!(message.contains("storage is on fire")),
        other => panic!("expected Daemon 500, got {other:?}"),
    }
}

#[tokio::test]
async fn no_answer_is_a_timeout() {
    let d = fake_daemon("timeout").await;
    let path = d.path.clone();
    let engine = BollardEngine::connect(&config(&path, 1)).await.unwrap();
    match engine.inspect_container("slow").await {
        Err(EngineError::Timeout { operation, after }) => {
            assert_eq!(operation, "inspect container");
            assert_eq!(after, Duration::from_secs(1));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_socket_is_unavailable_naming_it() {
    let cfg = config(std::path::Path::new("/nonexistent/tuxpilot.sock"), 5);
    match BollardEngine::connect(&cfg).await {
        Err(EngineError::Unavailable { address, reason }) => {
            assert_eq!(address, "unix:///nonexistent/tuxpilot.sock");
            assert!(reason.contains("/nonexistent/tuxpilot.sock"));
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn socket_nobody_listens_on_is_unavailable() {
    let dir = std::env::temp_dir().join(format!("tuxpilot-dead-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("docker.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    match BollardEngine::connect(&config(&path, 5)).await {
        Err(EngineError::Unavailable { address, reason }) => {
            assert!(address.contains("tuxpilot-dead"), "{address}");
            assert!(!reason.is_empty());
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn unreachable_tcp_is_unavailable() {
    // Port 9 (discard) on loopback: nothing listens there in this sandbox.
    let cfg = ConnectionConfig {
        host: Some("tcp://127.0.0.1:9".into()),
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    match BollardEngine::connect(&cfg).await {
        Err(EngineError::Unavailable { address, .. }) => assert_eq!(address, "tcp://127.0.0.1:9"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

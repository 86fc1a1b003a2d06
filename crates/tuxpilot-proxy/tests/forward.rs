//! The proxy on loopback: switching, draining, cutting at the timeout, per-request routing and
//! routes kept across a restart. Replicas are small servers in the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tuxpilot_proxy::routes::{AppRoutes, INCOMING_DIR, Mode, Route};
use tuxpilot_proxy::server::Server;

/// A replica answering every line with its name (tcp), or every HTTP request with its name and
/// the X-Forwarded-For it saw.
async fn replica(name: &'static str, http: bool) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else { return };
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let mut r = BufReader::new(r);
                let mut xff = String::new();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if !http {
                        if w.write_all(format!("{name}\n").as_bytes()).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("x-forwarded-for:") {
                        xff = v.trim().to_string();
                    }
                    if line == "\r\n" {
                        let body = format!("{name} {xff}");
                        let resp = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                        if w.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn give(dir: &Path, listen: SocketAddr, mode: Mode, backends: &[SocketAddr], drain_ms: u64) {
    let routes = AppRoutes {
        app: "demo".into(),
        routes: vec![Route {
            listen: listen.to_string(),
            app: "demo".into(),
            service: "web".into(),
            mode,
            backends: backends.iter().map(ToString::to_string).collect(),
            drain_timeout_ms: drain_ms,
        }],
    };
    std::fs::create_dir_all(dir.join(INCOMING_DIR)).unwrap();
    std::fs::write(dir.join(INCOMING_DIR).join("demo.json"), serde_json::to_vec(&routes).unwrap()).unwrap();
}

async fn connect(addr: SocketAddr) -> TcpStream {
    for _ in 0..100 {
        if let Ok(s) = TcpStream::connect(addr).await {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the proxy never listened on {addr}");
}

async fn line(s: &mut BufReader<TcpStream>) -> String {
    s.get_mut().write_all(b"hi\n").await.unwrap();
    let mut out = String::new();
    s.read_line(&mut out).await.unwrap();
    out.trim().to_string()
}

#[tokio::test]
async fn tcp_switch_waits_for_the_old_connection_then_new_ones_go_to_the_new_replica() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (replica("a", false).await, replica("b", false).await);
    let listen = free_port();
    let server = Server::new(dir.path());
    give(dir.path(), listen, Mode::Tcp, &[a], 5000);
    assert!(server.apply("demo").await.ok);
    let mut old = BufReader::new(connect(listen).await);
    assert_eq!(line(&mut old).await, "a");

    give(dir.path(), listen, Mode::Tcp, &[b], 5000);
    let s2 = server.clone();
    let switch = tokio::spawn(async move { s2.apply("demo").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!switch.is_finished(), "the switch returned while a connection to the old replica was open");
    // The open connection still reaches the old replica; a new one reaches the new.
    assert_eq!(line(&mut old).await, "a");
    let mut new = BufReader::new(connect(listen).await);
    assert_eq!(line(&mut new).await, "b");
    drop(old);
    let reply = switch.await.unwrap();
    assert!(reply.ok, "{reply:?}");
    assert_eq!(reply.drained, vec![a.to_string()]);
    assert!(reply.cut.is_empty());
}

#[tokio::test]
async fn a_connection_left_open_is_cut_at_the_drain_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (replica("a", false).await, replica("b", false).await);
    let listen = free_port();
    let server = Server::new(dir.path());
    give(dir.path(), listen, Mode::Tcp, &[a], 200);
    assert!(server.apply("demo").await.ok);
    let mut old = BufReader::new(connect(listen).await);
    assert_eq!(line(&mut old).await, "a");
    give(dir.path(), listen, Mode::Tcp, &[b], 200);
    let reply = server.apply("demo").await;
    assert_eq!(reply.cut, vec![(a.to_string(), 1)]);
    let mut rest = String::new();
    let n = tokio::time::timeout(Duration::from_secs(5), old.read_to_string(&mut rest)).await.unwrap().unwrap_or(0);
    assert_eq!(n, 0, "the cut connection still delivered {rest:?}");
}

async fn get(s: &mut BufReader<TcpStream>) -> String {
    s.get_mut().write_all(b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n").await.unwrap();
    let mut len = 0usize;
    loop {
        let mut l = String::new();
        s.read_line(&mut l).await.unwrap();
        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        if l == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; len];
    s.read_exact(&mut body).await.unwrap();
    String::from_utf8(body).unwrap()
}

#[tokio::test]
async fn http_routes_each_request_so_a_keep_alive_client_moves_to_the_new_replica() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (replica("a", true).await, replica("b", true).await);
    let listen = free_port();
    let server = Server::new(dir.path());
    give(dir.path(), listen, Mode::Http, &[a], 5000);
    assert!(server.apply("demo").await.ok);
    let mut client = BufReader::new(connect(listen).await);
    assert_eq!(get(&mut client).await, "a 127.0.0.1");
    give(dir.path(), listen, Mode::Http, &[b], 5000);
    let reply = server.apply("demo").await;
    assert_eq!(reply.drained, vec![a.to_string()], "{reply:?}");
    // Same client connection, next request: the new replica.
    assert_eq!(get(&mut client).await, "b 127.0.0.1");
}

#[tokio::test]
async fn replicas_share_the_load_and_a_dead_one_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (replica("a", false).await, replica("b", false).await);
    let dead = free_port();
    let listen = free_port();
    let server = Server::new(dir.path());
    give(dir.path(), listen, Mode::Tcp, &[a, dead, b], 1000);
    assert!(server.apply("demo").await.ok);
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..9 {
        let mut c = BufReader::new(connect(listen).await);
        *seen.entry(line(&mut c).await).or_insert(0) += 1;
    }
    assert_eq!(seen.keys().cloned().collect::<Vec<_>>(), vec!["a".to_string(), "b".to_string()], "{seen:?}");
    assert!(seen.values().all(|n| *n >= 3), "{seen:?}");
}

#[tokio::test]
async fn routes_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let a = replica("a", false).await;
    let listen = free_port();
    {
        let rt_dir = dir.path().to_path_buf();
        // The first proxy runs on a runtime of its own, dropped with it: its listeners go away.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let server = Server::new(&rt_dir);
                give(&rt_dir, listen, Mode::Tcp, &[a], 1000);
                assert!(server.apply("demo").await.ok);
            });
        })
        .join()
        .unwrap();
    }
    let server: Arc<Server> = Server::new(dir.path());
    let mut c = BufReader::new(connect(listen).await);
    assert_eq!(line(&mut c).await, "a");
    assert_eq!(server.status()[0].route.backends, vec![a.to_string()]);
}

#[tokio::test]
async fn another_apps_port_and_bad_files_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = replica("a", false).await;
    let listen = free_port();
    let server = Server::new(dir.path());
    give(dir.path(), listen, Mode::Tcp, &[a], 1000);
    assert!(server.apply("demo").await.ok);
    let other = AppRoutes {
        app: "other".into(),
        routes: vec![Route {
            listen: listen.to_string(),
            app: "other".into(),
            service: "x".into(),
            mode: Mode::Tcp,
            backends: vec![],
            drain_timeout_ms: 0,
        }],
    };
    std::fs::write(dir.path().join(INCOMING_DIR).join("other.json"), serde_json::to_vec(&other).unwrap()).unwrap();
    let r = server.apply("other").await;
    assert!(!r.ok && r.error.as_deref().unwrap_or("").contains("demo/web"), "{r:?}");
    std::fs::write(dir.path().join(INCOMING_DIR).join("bad.json"), b"{not json").unwrap();
    assert!(!server.apply("bad").await.ok);
    assert!(!server.apply("../etc").await.ok);
    let mut c = BufReader::new(connect(listen).await);
    assert_eq!(line(&mut c).await, "a");
}

//! Managed host ports on the real engine (issue 23): clients hammer the published port while an
//! app is updated, fails an update and rolls back by itself, is rolled back with --to and is
//! scaled; not one request may fail, and a request in flight during a switch completes. Three
//! replicas share one port (a compose file, request-level `tuxpilot.proxy: http`), a keep-alive
//! client moves to the new replicas, the client's address reaches the app, a proxy killed with
//! -9 comes back with its routes, and undeploy takes the routes away.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, unique_name};

/// The tests share the engine's one proxy; one kills it, so they run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn tuxpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1");
    c
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker CLI");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// busybox httpd: `/` answers "MARK HOSTNAME", `/cgi-bin/slow` after 3 s, `/cgi-bin/env` its
/// CGI environment (request headers as HTTP_*).
const COMMAND: &str = r#"["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www/cgi-bin; echo $$MARK $$HOSTNAME > /www/index.html; printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nsleep 3\\ncat /www/index.html\\n' > /www/cgi-bin/slow; printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nenv\\n' > /www/cgi-bin/env; chmod +x /www/cgi-bin/*; httpd -f -p 80 -h /www & wait"]"#;

const APP: &str = r#"
name: APPNAME
version: "VERSION"
containers:
  web:
    image: IMAGE
    environment: {MARK: "MARKVALUE"}
    command: COMMAND
    stop_grace_period: 5s
    ports: ["127.0.0.1:PORT:80"]
    health_check: {test: "HEALTH", interval: 500ms, retries: 3}
    update: {monitor: 1s}
"#;

const COMPOSE: &str = r#"
services:
  web:
    image: IMAGE
    deploy: {replicas: 3}
    labels: {tuxpilot.proxy: http}
    environment: {MARK: "MARKVALUE"}
    command: COMMAND
    stop_grace_period: 5s
    ports: ["127.0.0.1:PORT:80"]
    healthcheck: {test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"], interval: 500ms, retries: 3}
"#;

const HEALTHY: &str = "wget -q -O /dev/null http://127.0.0.1/";

struct App {
    dir: tempfile::TempDir,
    name: String,
    port: u16,
    file: &'static str,
    _cleanup: Cleanup,
}

impl App {
    fn new(tag: &str, file: &'static str) -> Self {
        let name = unique_name(tag).replace('.', "-");
        let cleanup = Cleanup::new();
        cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
        cleanup.network(&format!("{name}_default"));
        Self { dir: tempfile::tempdir().unwrap(), name, port: free_port(), file, _cleanup: cleanup }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join(self.file)
    }

    fn write(&self, template: &str, version: &str, mark: &str, health: &str) {
        let yaml = template
            .replace("COMMAND", COMMAND)
            .replace("APPNAME", &self.name)
            .replace("VERSION", version)
            .replace("MARKVALUE", mark)
            .replace("HEALTH", health)
            .replace("PORT", &self.port.to_string())
            .replace("IMAGE", TEST_IMAGE);
        std::fs::write(self.path(), yaml).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        tuxpilot().args(["--format", "json", "containers"]).args(args).output().unwrap()
    }

    fn deploy(&self) -> Output {
        let file = self.path();
        let file = file.to_str().unwrap();
        self.run(&["deploy", "--progress", "quiet", "--name", &self.name, "--file", file])
    }

    fn get(&self, path: &str) -> String {
        request(self.port, path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = tuxpilot().args(["containers", "undeploy", &self.name, "--progress", "quiet"]).output();
    }
}

/// One request on a fresh connection; the body when the status is 200.
fn request(port: u16, path: &str) -> Result<String, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: test\r\n\r\n").as_bytes()).map_err(|e| format!("write: {e}"))?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| format!("read: {e} after {out:?}"))?;
    // A CGI answer ends its own headers with bare newlines.
    let ends = [out.find("\r\n\r\n").map(|i| i + 4), out.find("\n\n").map(|i| i + 2)];
    let Some(start) = ends.into_iter().flatten().min() else { return Err(format!("answer {out:?}")) };
    let (head, body) = (out[..start].to_string(), out[start..].to_string());
    if head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200") {
        Ok(body)
    } else {
        Err(format!("answer {out:?}"))
    }
}

/// Requests on one kept-alive connection (HTTP/1.1).
struct KeepAlive(BufReader<TcpStream>);

impl KeepAlive {
    fn connect(port: u16) -> Self {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Self(BufReader::new(s))
    }

    fn get(&mut self) -> Result<String, String> {
        self.0.get_mut().write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n").map_err(|e| format!("write: {e}"))?;
        let mut status = String::new();
        self.0.read_line(&mut status).map_err(|e| format!("read: {e}"))?;
        let mut len = None;
        loop {
            let mut l = String::new();
            self.0.read_line(&mut l).map_err(|e| format!("read: {e}"))?;
            if l.is_empty() {
                return Err("connection closed".into());
            }
            if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse::<usize>().ok();
            }
            if l == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len.ok_or("no content-length")?];
        self.0.read_exact(&mut body).map_err(|e| format!("read body: {e}"))?;
        if !status.contains(" 200 ") {
            return Err(format!("status {status:?}"));
        }
        Ok(String::from_utf8_lossy(&body).to_string())
    }
}

/// Clients asking the port without a pause: fresh connections, and optionally one kept alive.
struct Hammer {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
    bodies: Arc<Mutex<BTreeMap<String, usize>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Hammer {
    fn start(port: u16, fresh: usize, keep_alive: bool) -> Self {
        let h = Hammer {
            stop: Arc::default(),
            ok: Arc::default(),
            failures: Arc::default(),
            bodies: Arc::default(),
            threads: Vec::new(),
        };
        let mut threads = Vec::new();
        for i in 0..fresh + usize::from(keep_alive) {
            let (stop, ok, failures, bodies) = (h.stop.clone(), h.ok.clone(), h.failures.clone(), h.bodies.clone());
            threads.push(std::thread::spawn(move || {
                let mut conn = (i == fresh).then(|| KeepAlive::connect(port));
                while !stop.load(Ordering::SeqCst) {
                    let r = match conn.as_mut() {
                        Some(c) => c.get().map_err(|e| format!("keep-alive: {e}")),
                        None => request(port, "/"),
                    };
                    match r {
                        Ok(body) => {
                            ok.fetch_add(1, Ordering::SeqCst);
                            *bodies.lock().unwrap().entry(body.trim().to_string()).or_default() += 1;
                        }
                        Err(e) => failures.lock().unwrap().push(e),
                    }
                }
            }));
        }
        Hammer { threads, ..h }
    }

    /// Requests that succeeded so far, and every failure.
    fn counts(&self) -> (usize, Vec<String>) {
        (self.ok.load(Ordering::SeqCst), self.failures.lock().unwrap().clone())
    }

    /// Asserts nothing failed during `phase`, and that requests were made.
    fn assert_clean(&self, phase: &str, before: usize) {
        let (ok, failed) = self.counts();
        assert!(failed.is_empty(), "{phase}: {} failed requests of {}: {:?}", failed.len(), ok + failed.len(), failed);
        assert!(ok > before + 20, "{phase}: only {} requests went through", ok - before);
    }

    fn marks(&self) -> BTreeMap<String, usize> {
        self.bodies.lock().unwrap().clone()
    }

    fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

fn routes_of(app: &App) -> Vec<Value> {
    let o = tuxpilot().args(["--format", "json", "containers", "proxy", "ls"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    json(&o).as_array().unwrap().iter().filter(|r| r["app"] == app.name.as_str()).cloned().collect()
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn a_fixed_port_never_fails_a_request_through_update_rollback_rollback_to_and_scale() {
    let Some(_engine) = engine().await else { return };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let app = App::new("mport", "app.yaml");
    app.write(APP, "1", "one", HEALTHY);
    let o = app.deploy();
    assert!(o.status.success(), "{}", text(&o));
    assert!(app.get("/").starts_with("one "));
    // The replica does not publish the port: the proxy does.
    let id = docker(&["ps", "-q", "--filter", &format!("label=com.docker.compose.project={}", app.name)]);
    assert_eq!(docker(&["port", &id]), "", "the replica binds the host port itself");

    let hammer = Hammer::start(app.port, 2, false);
    let mut seen = hammer.counts().0;

    // An update: start-first, not the stop-first a fixed port used to force.
    app.write(APP, "2", "two", HEALTHY);
    let o = app.deploy();
    assert!(o.status.success(), "{}", text(&o));
    let r = json(&o);
    assert_eq!(r["status"], "success", "{r}");
    assert!(r.to_string().contains("start-first"), "{r}");
    assert!(app.get("/").starts_with("two "));
    hammer.assert_clean("update", seen);
    seen = hammer.counts().0;

    // A request in flight during the switch completes, on the replica it started on.
    let port = app.port;
    let slow = std::thread::spawn(move || request(port, "/cgi-bin/slow"));
    std::thread::sleep(Duration::from_millis(300));
    app.write(APP, "3", "three", HEALTHY);
    let o = app.deploy();
    assert!(o.status.success(), "{}", text(&o));
    let body = slow.join().unwrap().expect("the request in flight during the switch");
    assert!(body.starts_with("two "), "{body}");
    assert!(app.get("/").starts_with("three "));
    hammer.assert_clean("update with a request in flight", seen);
    seen = hammer.counts().0;

    // A failed update rolls back by itself, and says so.
    app.write(APP, "4", "four", "false");
    let file = app.path();
    let o = tuxpilot()
        .args(["containers", "deploy", "--progress", "quiet", "--file", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    let shown = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(shown.contains("version 4 failed and was rolled back; version 3 serves"), "{shown}");
    assert!(shown.contains("update failed, rolled back to 3") && !shown.contains("update 1 ("), "{shown}");
    assert!(app.get("/").starts_with("three "));
    let o = app.run(&["deployments"]);
    let mine: Vec<Value> =
        json(&o).as_array().unwrap().iter().filter(|d| d["name"] == app.name.as_str()).cloned().collect();
    assert_eq!(
        (&mine[0]["status"], &mine[0]["serving"], &mine[0]["health"], &mine[0]["last_version"]),
        (&Value::from("rolled_back"), &Value::from("3"), &Value::from("healthy"), &Value::from("4")),
        "{mine:?}"
    );
    let o = tuxpilot().args(["containers", "deployments"]).output().unwrap();
    let table = String::from_utf8_lossy(&o.stdout).to_string();
    let row = table.lines().find(|l| l.contains(&app.name)).unwrap_or_default().to_string();
    assert!(row.contains("rolled_back (4)") && row.contains("healthy") && row.contains("ago"), "{table}");
    hammer.assert_clean("failed update rolled back", seen);
    seen = hammer.counts().0;

    // rollback --to.
    let o = app.run(&["rollback", &app.name, "--to", "1", "--progress", "quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(app.get("/").starts_with("one "));
    hammer.assert_clean("rollback --to 1", seen);
    seen = hammer.counts().0;

    // Scale up: three replicas behind the one port; and down again.
    let service = format!("{}/web", app.name);
    let o = app.run(&["scale", &service, "--replicas", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    let routes = routes_of(&app);
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert_eq!(routes[0]["replicas"].as_array().unwrap().len(), 3, "{routes:?}");
    std::thread::sleep(Duration::from_secs(1));
    let o = app.run(&["scale", &service, "--replicas", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    hammer.assert_clean("scale 1 -> 3 -> 1", seen);
    let hosts: std::collections::BTreeSet<String> = hammer
        .marks()
        .keys()
        .filter(|b| b.starts_with("one "))
        .map(|b| b.split_whitespace().nth(1).unwrap_or_default().to_string())
        .collect();
    assert!(hosts.len() >= 3, "the three replicas did not all answer: {hosts:?}");
    hammer.stop();

    // A proxy killed with -9 comes back with its routes.
    let pid = docker(&["inspect", "-f", "{{.State.Pid}}", "tuxpilot-proxy"]);
    let killed = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(killed.success());
    wait_until("the proxy to serve again", || request(app.port, "/").is_ok_and(|b| b.starts_with("one ")));
    assert_eq!(routes_of(&app).len(), 1);

    // Undeploy takes the app's routes away.
    let o = tuxpilot().args(["containers", "undeploy", &app.name, "--progress", "quiet"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let left = docker(&["ps", "-a", "-q", "--filter", "name=^tuxpilot-proxy$"]);
    if !left.is_empty() {
        assert!(routes_of(&app).is_empty());
    }
    assert!(request(app.port, "/").is_err(), "the port still answers after undeploy");
}

#[tokio::test]
async fn three_replicas_share_one_port_and_keep_alive_clients_move_to_the_new_version() {
    let Some(_engine) = engine().await else { return };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let app = App::new("mport3", "compose.yaml");
    app.write(COMPOSE, "", "one", HEALTHY);
    let o = app.deploy();
    assert!(o.status.success(), "{}", text(&o));
    let routes = routes_of(&app);
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert_eq!(routes[0]["mode"], "http");
    assert_eq!(routes[0]["replicas"].as_array().unwrap().len(), 3);
    // The client's address reaches the app.
    let env = app.get("/cgi-bin/env");
    assert!(env.contains("HTTP_X_FORWARDED_FOR=127.0.0.1"), "{env}");

    let hammer = Hammer::start(app.port, 2, true);
    wait_until("requests", || hammer.counts().0 > 30);
    let seen = hammer.counts().0;
    app.write(COMPOSE, "", "two", HEALTHY);
    let o = app.deploy();
    assert!(o.status.success(), "{}", text(&o));
    hammer.assert_clean("update of three replicas", seen);
    // The other clients share the proxy's round robin: with them still asking, one client's
    // requests can keep landing on the same two replicas. Alone, one kept-alive connection
    // reaches every new replica without reconnecting.
    hammer.stop();
    let mut c = KeepAlive::connect(app.port);
    let hosts: std::collections::BTreeSet<String> =
        (0..9).map(|_| c.get().unwrap()).inspect(|b| assert!(b.starts_with("two "), "{b}")).collect();
    assert_eq!(hosts.len(), 3, "one connection, requests spread over the replicas: {hosts:?}");
}

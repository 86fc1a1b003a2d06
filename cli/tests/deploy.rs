//! `tuxpilot containers deploy` and friends on the real engine, as separate processes: order,
//! limits, ports, rolling updates with zero failed requests, automatic rollback, scale, history,
//! rollback --to, undeploy, kill -9 mid-update, the engine going away, concurrent deploys, bad
//! specs and the security gate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, unique_name};

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

/// db (health-checked), api (2 replicas, health-checked, serves MARK), web (published port).
const APP: &str = r#"
name: NAME
version: "VERSION"
containers:
  db:
    image: IMAGE
    command: ["sh", "-c", "trap 'exit 0' TERM; touch /tmp/ready; while :; do sleep 1; done"]
    stop_grace_period: 2s
    volumes: ["data:/data"]
    resources: {memory: 48m, cpu: 0.25}
    health_check: {test: ["test", "-f", "/tmp/ready"], interval: 500ms, retries: 20}
  api:
    image: IMAGE
    replicas: 2
    depends_on: [db]
    environment: {MARK: "MARKVALUE"}
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; echo $$MARK > /www/index.html; httpd -f -p 8080 -h /www & wait"]
    stop_grace_period: 2s
    health_check: {test: "HEALTH", interval: 500ms, retries: 3}
    update: {monitor: 1s}
  web:
    image: IMAGE
    depends_on: [api]
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; echo web > /www/index.html; httpd -f -p 80 -h /www & wait"]
    stop_grace_period: 2s
    ports: ["127.0.0.1::80"]
    health_check: {test: ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"], interval: 500ms, retries: 20}
volumes: [data]
"#;

const HEALTHY: &str = "wget -q -O /dev/null http://127.0.0.1:8080/";

struct App {
    dir: tempfile::TempDir,
    name: String,
    _cleanup: Cleanup,
}

impl App {
    fn new(tag: &str) -> Self {
        let name = unique_name(tag).replace('.', "-");
        let cleanup = Cleanup::new();
        cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
        cleanup.network(&format!("{name}_default"));
        cleanup.volume(&format!("{name}_data"));
        Self { dir: tempfile::tempdir().unwrap(), name, _cleanup: cleanup }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("app.yaml")
    }

    fn write(&self, version: &str, mark: &str, health: &str) {
        let yaml = APP
            .replace("NAME", &self.name)
            .replace("VERSION", version)
            .replace("MARKVALUE", mark)
            .replace("HEALTH", health)
            .replace("IMAGE", TEST_IMAGE);
        std::fs::write(self.file(), yaml).unwrap();
    }

    fn deploy(&self, extra: &[&str]) -> Output {
        tuxpilot()
            .args(["--format", "json", "containers", "deploy", "--progress", "quiet", "--file"])
            .arg(self.file())
            .args(extra)
            .output()
            .unwrap()
    }

    fn ids(&self, service: &str) -> Vec<String> {
        let mut v: Vec<String> = docker(&[
            "ps",
            "-a",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ])
        .lines()
        .map(str::to_string)
        .collect();
        v.sort();
        v
    }

    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = docker(&[
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
        ])
        .lines()
        .map(str::to_string)
        .collect();
        v.sort();
        v
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = tuxpilot().args(["containers", "undeploy", &self.name, "--volumes", "--progress", "quiet"]).output();
    }
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

fn inspect(id: &str) -> Value {
    let v: Value = serde_json::from_str(&docker(&["inspect", id])).unwrap();
    v[0].clone()
}

/// A client on the app network asking `api` by name every 100 ms.
struct Client {
    name: String,
}

impl Client {
    fn start(app: &App) -> Self {
        let name = format!("{}-client", app.name);
        let script = "while :; do if timeout 5 wget -q -O - http://api:8080/ > /tmp/out 2>/tmp/err; then echo \"OK $(cat /tmp/out)\"; else echo \"FAIL $? $(date +%T) $(cat /tmp/err)\"; fi; sleep 0.1; done";
        let id = docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            tuxpilot_tests::TEST_LABEL,
            "--network",
            &format!("{}_default", app.name),
            TEST_IMAGE,
            "sh",
            "-c",
            script,
        ]);
        assert!(!id.is_empty(), "client did not start");
        Self { name }
    }

    /// (ok, failed, last answer)
    fn counts(&self) -> (usize, usize, String) {
        let out = Command::new("docker").args(["logs", &self.name]).output().unwrap();
        let logs = String::from_utf8_lossy(&out.stdout).to_string();
        let ok = logs.lines().filter(|l| l.starts_with("OK")).count();
        let failed = logs.lines().filter(|l| l.starts_with("FAIL")).count();
        let last = logs.lines().rev().find(|l| l.starts_with("OK")).unwrap_or_default().to_string();
        (ok, failed, last)
    }

    /// The failed requests' lines: exit code, time and wget's message.
    fn failures(&self) -> String {
        let out = Command::new("docker").args(["logs", &self.name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with("FAIL")).collect::<Vec<_>>().join("\n")
    }

    fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.counts().0 < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        docker(&["rm", "-f", &self.name]);
    }
}

/// The engine's events for an app, streamed while it deploys. The health log keeps only the last
/// five checks and the engine's event buffer only the last few hundred events, so neither can be
/// read after the fact when other tests run.
struct EventLog {
    child: std::process::Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl EventLog {
    fn start(app: &str) -> Self {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 1;
        let mut child = Command::new("docker")
            .args(["events", "--since", &since.to_string()])
            .args(["--filter", &format!("label=com.docker.compose.project={app}")])
            .args(["--filter", "event=start", "--filter", "event=health_status"])
            .args(["--format", "{{.Actor.ID}} {{.TimeNano}} {{.Action}}"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        // The subscription replays from `since`, so a deploy started now is covered.
        Self { child, lines }
    }

    /// When `event` was first reported for a container, in nanoseconds.
    fn first(&self, id: &str, event: &str) -> u128 {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .filter_map(|l| {
                let mut parts = l.splitn(3, ' ');
                Some((parts.next()?, parts.next()?, parts.next()?))
            })
            .find(|(i, _, action)| *i == id && *action == event)
            .and_then(|(_, t, _)| t.parse().ok())
            .unwrap_or_else(|| panic!("no {event} event for {id} in {lines:?}"))
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_three_tier_app_deploys_in_order_updates_without_failed_requests_and_rolls_back_by_itself() {
    let Some(_engine) = engine().await else { return };
    let app = App::new("tier");
    app.write("1.0.0", "v1", HEALTHY);
    let events = EventLog::start(&app.name);
    let out = app.deploy(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let r = json(&out);
    assert_eq!(r["status"], "success");
    assert_eq!(r["version"], "1.0.0");
    assert_eq!(r["network"], format!("{}_default", app.name));
    assert_eq!(r["containers"].as_array().unwrap().len(), 4);
    for c in r["containers"].as_array().unwrap() {
        assert!(c["status"].as_str().unwrap().contains("healthy"), "{c}");
    }

    // Order: api started after db was healthy, web after both api replicas were.
    let db = app.ids("db");
    let api = app.ids("api");
    let web = app.ids("web");
    assert_eq!((db.len(), api.len(), web.len()), (1, 2, 1));
    for a in &api {
        let healthy = |id: &str| events.first(id, "health_status: healthy");
        assert!(events.first(a, "start") >= healthy(&db[0]), "api started before db was healthy");
        assert!(events.first(&web[0], "start") >= healthy(a), "web started before api was healthy");
    }
    // Limits, the published port, the compose labels and the service-name alias.
    let d = inspect(&db[0]);
    assert_eq!(d["HostConfig"]["Memory"], 48 * 1024 * 1024);
    assert_eq!(d["HostConfig"]["NanoCpus"], 250_000_000);
    let port = docker(&["port", &web[0], "80/tcp"]);
    let addr = port.lines().next().unwrap().to_string();
    let body = http_get(&addr);
    assert!(body.contains("web"), "{body}");
    assert_eq!(d["Config"]["Labels"]["com.docker.compose.project"], app.name.as_str());
    assert_eq!(d["Config"]["Labels"]["io.tuxpilot.version"], "1.0.0");
    assert!(d["Config"]["Labels"]["io.tuxpilot.deployment"].is_string());

    // v1 → v2: only api changes, with a client polling it by name.
    let client = Client::start(&app);
    client.wait_for(5);
    app.write("2.0.0", "v2", HEALTHY);
    let out = app.deploy(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["changes"]["api"], "update");
    assert_eq!(app.ids("db"), db, "db must keep its container");
    assert_eq!(app.ids("web"), web, "web must keep its container");
    let api_v2 = app.ids("api");
    assert_eq!(api_v2.len(), 2);
    assert!(api_v2.iter().all(|id| !api.contains(id)), "api replicas must be new");
    let before = client.counts().0;
    client.wait_for(before + 5);
    let (ok, failed, last) = client.counts();
    assert_eq!(failed, 0, "{failed} failed requests of {}:\n{}", ok + failed, client.failures());
    assert!(last.ends_with("v2"), "{last}");
    assert_eq!(
        app.names(),
        vec![
            format!("{}-api-1", app.name),
            format!("{}-api-2", app.name),
            format!("{}-db-1", app.name),
            format!("{}-web-1", app.name)
        ]
    );

    // v3 never becomes healthy: rolled back by itself, the v2 replicas serve throughout.
    app.write("3.0.0", "v3", "echo not-ready-yet; exit 1");
    let out = app.deploy(&[]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let r = json(&out);
    assert_eq!(r["status"], "rolled_back");
    assert_eq!(r["version"], "2.0.0");
    let failure = &r["failure"];
    assert_eq!(failure["service"], "api");
    assert!(failure["reason"].as_str().unwrap().contains("unhealthy"), "{failure}");
    assert!(failure["container"].as_str().unwrap().starts_with(&format!("{}-api-", app.name)), "{failure}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rolled_back") && stderr.contains("health check log") && stderr.contains("not-ready-yet"),
        "{stderr}"
    );
    assert_eq!(app.ids("api"), api_v2, "the v2 containers keep serving");
    let before = client.counts().0;
    client.wait_for(before + 5);
    let (ok, failed, last) = client.counts();
    assert_eq!(failed, 0, "{failed} failed requests of {}:\n{}", ok + failed, client.failures());
    assert!(last.ends_with("v2"), "{last}");
    drop(client);

    // Scale 2 → 3 → 1: the highest numbers go first; a redeploy of the same spec keeps it.
    let scale = |n: &str| {
        tuxpilot()
            .args([
                "--format",
                "json",
                "containers",
                "scale",
                &format!("{}/api", app.name),
                "--replicas",
                n,
                "--progress",
                "quiet",
            ])
            .output()
            .unwrap()
    };
    let out = scale("3");
    assert!(out.status.success(), "{}", text(&out));
    let s = json(&out);
    assert_eq!((s["previous_replicas"].as_u64(), s["current_replicas"].as_u64()), (Some(2), Some(3)));
    let out = scale("1");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["current_replicas"], 1);
    assert!(app.names().contains(&format!("{}-api-1", app.name)), "{:?}", app.names());
    assert_eq!(app.ids("api").len(), 1);
    app.write("2.0.0", "v2", HEALTHY);
    let out = app.deploy(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(app.ids("api").len(), 1, "a scale persists through a redeploy that keeps replicas");

    // History, then back two versions.
    let out = tuxpilot().args(["--format", "json", "containers", "history", &app.name]).output().unwrap();
    let h = json(&out);
    let outcomes: Vec<(&str, &str)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["version"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        vec![("1.0.0", "success"), ("2.0.0", "success"), ("3.0.0", "rolled_back"), ("2.0.0", "success")]
    );
    let out = tuxpilot()
        .args(["--format", "json", "containers", "rollback", &app.name, "--to", "1.0.0", "--progress", "quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["version"], "1.0.0");
    let api_id = app.ids("api");
    let out = Command::new("docker").args(["exec", &api_id[0], "cat", "/www/index.html"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "v1");
    let out = tuxpilot().args(["--format", "json", "containers", "deployments"]).output().unwrap();
    let list = json(&out);
    let mine = list.as_array().unwrap().iter().find(|d| d["name"] == app.name.as_str()).unwrap();
    assert_eq!((mine["version"].as_str(), mine["status"].as_str()), (Some("1.0.0"), Some("running")));

    // Undeploy leaves nothing: no container, network, volume or history.
    let out =
        tuxpilot().args(["containers", "undeploy", &app.name, "--volumes", "--progress", "quiet"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(app.names().is_empty());
    assert!(docker(&["network", "ls", "-q", "--filter", &format!("name=^{}_default$", app.name)]).is_empty());
    assert!(docker(&["volume", "ls", "-q", "--filter", &format!("name={}", app.name)]).is_empty());
}

fn http_get(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET / HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_converged(app: &App, version: &str) {
    let names = app.names();
    assert_eq!(
        names,
        vec![
            format!("{}-api-1", app.name),
            format!("{}-api-2", app.name),
            format!("{}-db-1", app.name),
            format!("{}-web-1", app.name)
        ],
        "no duplicate or temporary containers"
    );
    let hashes: std::collections::BTreeSet<String> = app
        .ids("api")
        .iter()
        .map(|id| inspect(id)["Config"]["Labels"]["com.docker.compose.config-hash"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(hashes.len(), 1, "one consistent version");
    let h = tuxpilot().args(["--format", "json", "containers", "history", &app.name]).output().unwrap();
    assert_eq!(json(&h).as_array().unwrap().last().unwrap()["version"], version);
}

#[tokio::test]
async fn a_deploy_killed_mid_update_converges_when_run_again() {
    let Some(_engine) = engine().await else { return };
    let app = App::new("kill");
    app.write("1", "v1", HEALTHY);
    let out = app.deploy(&[]);
    assert!(out.status.success(), "{}", text(&out));
    app.write("2", "v2", HEALTHY);
    let mut child = tuxpilot()
        .args(["containers", "deploy", "--progress", "quiet", "--file"])
        .arg(app.file())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("a replacement replica", || app.names().iter().any(|n| n.contains("-tp")));
    child.kill().unwrap();
    let _ = child.wait();
    assert!(app.names().len() > 4 || app.names().iter().any(|n| n.contains("-tp")), "{:?}", app.names());
    let out = app.deploy(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_converged(&app, "2");
    let h = tuxpilot().args(["--format", "json", "containers", "history", &app.name]).output().unwrap();
    let outcomes: Vec<String> =
        json(&h).as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap().to_string()).collect();
    assert_eq!(outcomes, vec!["success", "interrupted", "success"]);
}

/// A Unix-socket proxy to the real engine that can drop every connection: to a client, the
/// engine went away.
struct Proxy {
    path: PathBuf,
    tasks: Option<std::sync::Arc<std::sync::Mutex<tokio::task::JoinSet<()>>>>,
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    fn start(path: &Path) -> Self {
        let _ = std::fs::remove_file(path);
        let listener = tokio::net::UnixListener::bind(path).unwrap();
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(tokio::task::JoinSet::new()));
        let t = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                t.lock().unwrap().spawn(async move {
                    if let Ok(mut engine) = tokio::net::UnixStream::connect("/var/run/docker.sock").await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
                    }
                });
            }
        });
        Proxy { path: path.to_path_buf(), tasks: Some(tasks), accept: Some(accept) }
    }

    fn stop(&mut self) {
        if let Some(a) = self.accept.take() {
            a.abort();
        }
        if let Some(t) = self.tasks.take() {
            t.lock().unwrap().abort_all();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_going_away_mid_deploy_is_a_clear_error_and_the_rerun_converges() {
    let Some(_engine) = engine().await else { return };
    let app = App::new("gone");
    let sock = app.dir.path().join("engine.sock");
    let host = format!("unix://{}", sock.display());
    let mut proxy = Proxy::start(&sock);
    app.write("1", "v1", HEALTHY);
    let out = app.deploy(&[]);
    assert!(out.status.success(), "{}", text(&out));
    app.write("2", "v2", HEALTHY);
    let child = tuxpilot()
        .env("DOCKER_HOST", &host)
        .args(["containers", "deploy", "--progress", "quiet", "--file"])
        .arg(app.file())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::task::block_in_place(|| {
        wait_until("a replacement replica", || app.names().iter().any(|n| n.contains("-tp")))
    });
    proxy.stop();
    let out = tokio::task::block_in_place(|| child.wait_with_output()).unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(err.contains("engine went away") && err.contains("run `tuxpilot containers deploy` again"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let _proxy = Proxy::start(&sock);
    let out = tokio::task::block_in_place(|| {
        tuxpilot()
            .env("DOCKER_HOST", &host)
            .args(["--format", "json", "containers", "deploy", "--progress", "quiet", "--file"])
            .arg(app.file())
            .output()
            .unwrap()
    });
    assert!(out.status.success(), "{}", text(&out));
    assert_converged(&app, "2");
}

#[tokio::test]
async fn two_concurrent_deploys_with_one_slot_never_interleave() {
    let Some(_engine) = engine().await else { return };
    let (a, b) = (App::new("slota"), App::new("slotb"));
    a.write("1", "a", HEALTHY);
    b.write("1", "b", HEALTHY);
    let config = a.dir.path().join("config.toml");
    std::fs::write(&config, "[containers.orchestration]\nmax_concurrent_deployments = 1\n").unwrap();
    let spawn = |app: &App| {
        tuxpilot()
            .env("TUXPILOT_CONFIG", &config)
            .args(["containers", "deploy", "--progress", "plain", "--file"])
            .arg(app.file())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (ca, cb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (ca.wait_with_output().unwrap(), cb.wait_with_output().unwrap());
    assert!(oa.status.success() && ob.status.success(), "{}\n{}", text(&oa), text(&ob));
    let span = |app: &App| {
        let h = tuxpilot().args(["--format", "json", "containers", "history", &app.name]).output().unwrap();
        let r = json(&h)[0].clone();
        let s: chrono::DateTime<chrono::Utc> = r["started_at"].as_str().unwrap().parse().unwrap();
        let f: chrono::DateTime<chrono::Utc> = r["finished_at"].as_str().unwrap().parse().unwrap();
        (s, f)
    };
    let (sa, fa) = span(&a);
    let (sb, fb) = span(&b);
    assert!(fa <= sb || fb <= sa, "deployments interleaved: a {sa}..{fa}, b {sb}..{fb}");
    let waited = [&oa, &ob].iter().any(|o| String::from_utf8_lossy(&o.stderr).contains("deployment slot"));
    assert!(waited, "one of them waited for the slot");
}

#[tokio::test]
async fn bad_specs_are_refused_with_their_line_and_create_nothing() {
    let Some(_engine) = engine().await else { return };
    let app = App::new("bad");
    let cases: &[(&str, &str, &str)] = &[
        (
            "containers:\n  web:\n    image: IMAGE\n    depends_on: [dbb]\n  db:\n    image: IMAGE\n",
            ":6:",
            "did you mean `db`",
        ),
        (
            "containers:\n  a:\n    image: IMAGE\n    depends_on: [b]\n  b:\n    image: IMAGE\n    depends_on: [a]\n",
            ":6:",
            "a -> b -> a",
        ),
        // One fixed TCP port is shared through the proxy (managed_ports.rs); a UDP one cannot be.
        (
            "containers:\n  web:\n    image: IMAGE\n    replicas: 3\n    ports: [\"8080:80/udp\"]\n",
            ":7:",
            "8080-8082:80",
        ),
        ("containers:\n  web:\n    image: IMAGE\n    health_check: {test: [\"true\"], interval: soon}\n", ":6:", "10s"),
        ("containers:\n  web:\n    image: IMAGE\n    resources: {memory: lots}\n", ":6:", "64m"),
        ("containers:\n  web:\n    image: IMAGE\n    ports: [\"99999:80\"]\n", ":6:", "65535"),
        ("containers:\n  web:\n    image: IMAGE\n    replica: 2\n", ":6:", "did you mean `replicas`"),
        (
            "containers:\n  web:\n    image: IMAGE\n    volumes: [\"dta:/x\"]\nvolumes: [data]\n",
            ":6:",
            "did you mean `data`",
        ),
    ];
    for (body, place, words) in cases {
        let yaml = format!("name: {}\nversion: \"1\"\n{}", app.name, body.replace("IMAGE", TEST_IMAGE));
        std::fs::write(app.file(), &yaml).unwrap();
        let out = app.deploy(&[]);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{yaml}\n{}", text(&out));
        assert!(err.contains("app.yaml"), "{err}");
        assert!(err.contains(place) && err.contains(words), "{yaml}\nexpected {place} and {words}:\n{err}");
        assert!(app.names().is_empty(), "nothing created for:\n{yaml}");
    }
    assert!(docker(&["network", "ls", "-q", "--filter", &format!("name={}", app.name)]).is_empty());
}

#[tokio::test]
async fn the_security_gate_blocks_before_anything_exists_and_force_says_so() {
    let Some(_engine) = engine().await else { return };
    let app = App::new("gate");
    app.write("1", "v1", HEALTHY);
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/tuxpilot-security/testdata/osv");
    let config = app.dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[containers.security]\nscan_images = true\nfail_on = \"medium\"\nvulnerability_db = {:?}\n",
            db.display().to_string()
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        tuxpilot()
            .env("TUXPILOT_CONFIG", &config)
            .args(["--format", "json", "containers", "deploy", "--progress", "quiet", "--file"])
            .arg(app.file())
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("blocked") && err.contains("CIS-4.1"), "{err}");
    assert!(app.names().is_empty());
    assert!(docker(&["network", "ls", "-q", "--filter", &format!("name={}", app.name)]).is_empty());
    let out = run(&["--force"]);
    assert!(out.status.success(), "{}", text(&out));
    let r = json(&out);
    assert!(r["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("--force")), "{r}");
    assert_eq!(app.ids("api").len(), 2);
}

#[tokio::test]
async fn a_dry_run_prints_the_plan_and_touches_nothing() {
    let Some(_engine) = engine().await else { return };
    let app = App::new("dry");
    app.write("1", "v1", HEALTHY);
    let out = app.deploy(&["--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    let r = json(&out);
    assert_eq!(r["status"], "planned");
    assert_eq!(r["changes"]["api"], "create");
    assert!(app.names().is_empty());
    assert!(docker(&["network", "ls", "-q", "--filter", &format!("name={}", app.name)]).is_empty());
}

#[tokio::test]
async fn supervise_restarts_a_dead_replica_with_backoff() {
    use std::io::BufRead;
    let Some(_engine) = engine().await else { return };
    let app = App::new("sup");
    app.write("1", "v1", HEALTHY);
    let out = app.deploy(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let mut sup = tuxpilot()
        .args(["--format", "json", "containers", "supervise", &app.name, "--backoff", "200ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = sup.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let victim = app.ids("db")[0].clone();
    // The supervisor subscribes to events as it starts; kill until it has seen a death, then
    // leave the replica alone so its restart is the supervisor's last word.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while !seen.iter().any(|e: &Value| e["action"] == "restarted") {
        assert!(Instant::now() < deadline, "no restart reported: {seen:?}");
        let noticed = seen.iter().any(|e: &Value| e["action"] == "died");
        if !noticed && inspect(&victim)["State"]["Running"] == true {
            docker(&["kill", &victim]);
        }
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(500)) {
            seen.push(e);
        }
    }
    wait_until("the replica running again", || inspect(&victim)["State"]["Running"] == true);
    let _ = sup.kill();
    let _ = sup.wait();
    let died = seen.iter().find(|e| e["action"] == "died").expect("died first");
    assert_eq!(died["service"], "db");
    assert_eq!(died["app"], app.name.as_str());
}

/// A first deploy that fails leaves nothing behind, whether the engine refuses a start (two
/// services on one host port, one on 127.0.0.1, one on all addresses) or a health check never
/// passes: no container, running or created, and no network.
#[tokio::test]
async fn a_failed_first_deploy_leaves_no_container_and_no_network() {
    let Some(_engine) = engine().await else { return };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cases = [
        format!(
            "containers:\n  a:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    ports: [\"127.0.0.1:{port}:80\"]\n  b:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    ports: [\"{port}:80\"]\n"
        ),
        format!(
            "containers:\n  a:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    health_check: {{test: [\"false\"], interval: 1s, retries: 1}}\n"
        ),
    ];
    for body in cases {
        let app = App::new("debris");
        std::fs::write(app.file(), format!("name: {}\nversion: \"1\"\n{body}", app.name)).unwrap();
        let out = app.deploy(&["--health-check-timeout", "10s"]);
        assert!(!out.status.success(), "{body}\n{}", text(&out));
        assert!(app.names().is_empty(), "containers left by:\n{body}\n{:?}", app.names());
        let networks = docker(&["network", "ls", "-q", "--filter", &format!("name={}", app.name)]);
        assert!(networks.is_empty(), "network left by:\n{body}\n{}", text(&out));
    }
}

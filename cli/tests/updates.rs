//! Automatic image updates on the real engine, against the local registry (127.0.0.1:5000,
//! started by scripts/dev-engine.sh): a new digest found and applied to an app with clients
//! hammering its port (zero failures), an unhealthy image rolled back and not retried, a
//! labelled plain container recreated the same apart from its image while an unlabelled one is
//! untouched, `patch` choosing 1.0.1 over 1.1.0, the security gate blocking an image, and the
//! watcher applying a newly pushed image by itself and notifying the webhook.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli as docker, engine, output_text as text, unique_name};

const REGISTRY: &str = "127.0.0.1:5000";

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn tuxpilot(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", config).env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

/// A repository of our own in the local registry, removed locally (and its log) at the end.
struct Repo {
    name: String,
    cleanup: Cleanup,
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(tag: &str) -> Self {
        let name = format!("{REGISTRY}/{}/web", unique_name(tag));
        let cleanup = Cleanup::new();
        cleanup.volumes_labelled(&format!("io.tuxpilot.update.image={name}"));
        Self { name, cleanup, dir: tempfile::tempdir().unwrap() }
    }

    /// Builds `body` (Dockerfile lines after FROM) as `tag`, pushes it, returns its digest.
    fn push(&self, tag: &str, body: &str) -> String {
        let reference = format!("{}:{tag}", self.name);
        let dockerfile = format!("FROM {TEST_IMAGE}\nLABEL test.repo={}\n{body}\n", self.name);
        std::fs::write(self.dir.path().join("Dockerfile"), dockerfile).unwrap();
        let o = Command::new("docker").args(["build", "-q", "-t", &reference]).arg(self.dir.path()).output().unwrap();
        assert!(o.status.success(), "build: {}", text(&o));
        let o = Command::new("docker").args(["push", &reference]).output().unwrap();
        assert!(o.status.success(), "push: {}", text(&o));
        self.cleanup.image(&reference);
        let d = docker(&["inspect", "--format", "{{index .RepoDigests 0}}", &reference]);
        d.split_once('@').map(|(_, d)| d.to_string()).unwrap_or_else(|| panic!("no digest for {reference}: {d}"))
    }

    /// An httpd serving `mark`.
    fn push_web(&self, tag: &str, mark: &str) -> String {
        self.push(
            tag,
            &format!("RUN mkdir -p /www && echo {mark} > /www/index.html\nCMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait\"]"),
        )
    }

    fn image_id(&self, tag: &str) -> String {
        docker(&["image", "inspect", "--format", "{{.Id}}", &format!("{}:{tag}", self.name)])
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn get(port: u16) -> Result<String, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\nHost: t\r\n\r\n").map_err(|e| format!("write: {e}"))?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| format!("read: {e}"))?;
    match out.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200") => {
            Ok(body.trim().to_string())
        }
        _ => Err(format!("answer {out:?}")),
    }
}

/// Four clients asking the port without a pause.
struct Hammer {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Hammer {
    fn start(port: u16) -> Self {
        let (stop, ok, failures) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)), Arc::default());
        let threads = (0..4)
            .map(|_| {
                let (stop, ok, failures): (Arc<AtomicBool>, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) =
                    (stop.clone(), ok.clone(), Arc::clone(&failures));
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        match get(port) {
                            Ok(_) => {
                                ok.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(e) => failures.lock().unwrap().push(e),
                        }
                    }
                })
            })
            .collect();
        Self { stop, ok, failures, threads }
    }

    fn finish(self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads {
            let _ = t.join();
        }
        (self.ok.load(Ordering::SeqCst), self.failures.lock().unwrap().clone())
    }
}

fn target<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["app"] == name || t["containers"][0] == name)
        .unwrap_or_else(|| panic!("{name} not in {report:#}"))
}

#[tokio::test]
async fn an_app_takes_a_new_digest_without_a_failed_request_and_never_retries_a_bad_one() {
    let Some(_engine) = engine().await else { return };
    // Applying everything (and the watcher) reaches every opted-in container: one test at a time.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let repo = Repo::new("upd-app");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let app = unique_name("upd-app").replace('.', "-");
    repo.cleanup.containers_labelled(&format!("io.tuxpilot.app={app}"));
    repo.cleanup.network(&format!("{app}_default"));
    let v1 = repo.push_web("1.0", "one");
    let port = free_port();
    let file = dir.path().join("app.yaml");
    std::fs::write(
        &file,
        format!(
            "name: {app}\nversion: \"1.0.0\"\ncontainers:\n  web:\n    image: {}:1.0\n    auto_update: digest\n    stop_grace_period: 5s\n    ports: [\"127.0.0.1:{port}:80\"]\n    health_check: {{test: \"wget -q -O /dev/null http://127.0.0.1/\", interval: 500ms, retries: 3}}\n    update: {{monitor: 1s}}\n",
            repo.name
        ),
    )
    .unwrap();
    let o =
        tuxpilot(&config).args(["containers", "deploy", "--progress", "quiet", "--file"]).arg(&file).output().unwrap();
    let undeploy = scopeguard(&config, &app);
    assert!(o.status.success(), "deploy: {}", text(&o));
    assert_eq!(get(port).unwrap(), "one");

    // Nothing new yet.
    let o = tuxpilot(&config).args(["--format", "json", "containers", "updates", "check", &app]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let r = json(&o);
    assert_eq!(target(&r, &app)["status"], "up_to_date", "{r:#}");
    assert_eq!(target(&r, &app)["current"]["digest"], v1.as_str());

    // A new digest under the same tag: found without pulling, applied with zero failed requests.
    let v2 = repo.push_web("1.0", "two");
    let o = tuxpilot(&config).args(["--format", "json", "containers", "updates", "check", &app]).output().unwrap();
    let r = json(&o);
    let t = target(&r, &app);
    assert_eq!(
        (t["status"].as_str(), t["service"].as_str(), t["policy"].as_str()),
        (Some("update_available"), Some("web"), Some("digest")),
        "{r:#}"
    );
    assert_eq!(t["new"]["digest"], v2.as_str());
    assert_eq!(t["new"]["tag"], "1.0");
    let hammer = Hammer::start(port);
    std::thread::sleep(Duration::from_millis(300));
    let o = tuxpilot(&config)
        .args(["--format", "json", "containers", "updates", "apply", &app, "--progress", "quiet"])
        .output()
        .unwrap();
    let (ok, failures) = hammer.finish();
    assert!(o.status.success(), "apply: {}", text(&o));
    let r = json(&o);
    assert_eq!(r["entries"][0]["status"], "applied", "{r:#}");
    assert!(
        failures.is_empty(),
        "{} of {} requests failed during the update: {:?}",
        failures.len(),
        ok + failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(ok > 20, "the clients were answered {ok} times");
    assert_eq!(get(port).unwrap(), "two");
    // It is a version in the app's history.
    let o = tuxpilot(&config).args(["--format", "json", "containers", "history", &app]).output().unwrap();
    let h = json(&o);
    let last = h.as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["version"].as_str(), last["outcome"].as_str()),
        (Some("1.0.0-update.1"), Some("success")),
        "{h:#}"
    );

    // An image that never gets healthy: rolled back (exit 8), the tag left where it was.
    let before = repo.image_id("1.0");
    let bad = repo.push("1.0", "CMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"]");
    let o = tuxpilot(&config).args(["containers", "updates", "apply", &app, "--progress", "quiet"]).output().unwrap();
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("rolled_back"), "{}", text(&o));
    assert_eq!(get(port).unwrap(), "two", "the good version serves again");
    assert_eq!(repo.image_id("1.0"), before, "the local tag names the image that ran");
    // Not tried again until a newer digest appears.
    let o = tuxpilot(&config).args(["--format", "json", "containers", "updates", "check", &app]).output().unwrap();
    let r = json(&o);
    let t = target(&r, &app);
    assert_eq!(t["status"], "skipped", "{r:#}");
    assert!(t["message"].as_str().unwrap().contains("rolled back"), "{r:#}");
    let o = tuxpilot(&config).args(["--format", "json", "containers", "updates", "apply", &app]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["entries"], serde_json::json!([]));
    // The log has both.
    let o = tuxpilot(&config).args(["--format", "json", "containers", "updates", "history", &app]).output().unwrap();
    let log = json(&o);
    let statuses: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["applied", "rolled_back"], "{log:#}");
    assert_eq!(log[1]["to"]["digest"], bad.as_str());
    drop(undeploy);
}

/// Undeploys the app when dropped (also on a failed assertion).
struct Undeploy(std::path::PathBuf, String);

impl Drop for Undeploy {
    fn drop(&mut self) {
        let _ = tuxpilot(&self.0).args(["containers", "undeploy", &self.1, "--progress", "quiet"]).output();
    }
}

fn scopeguard(config: &Path, app: &str) -> Undeploy {
    Undeploy(config.to_path_buf(), app.to_string())
}

fn inspect(name: &str) -> Value {
    let out = docker(&["inspect", name]);
    serde_json::from_str::<Value>(&out).unwrap()[0].clone()
}

#[tokio::test]
async fn a_labelled_container_is_recreated_the_same_apart_from_its_image_and_others_are_untouched() {
    let Some(_engine) = engine().await else { return };
    // Applying everything (and the watcher) reaches every opted-in container: one test at a time.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let repo = Repo::new("upd-plain");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let (labelled, plain, net) = (unique_name("upd-on"), unique_name("upd-off"), unique_name("upd-net"));
    repo.cleanup.container(&labelled);
    repo.cleanup.container(&plain);
    repo.cleanup.network(&net);
    // The image sets its own env, workdir and command; the user sets others.
    repo.push("2.0", "ENV FROM_IMAGE=one\nWORKDIR /srv\nVOLUME /cache\nCMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"]");
    docker(&["network", "create", &net]);
    let image = format!("{}:2.0", repo.name);
    let port = free_port().to_string();
    let o = Command::new("docker")
        .args(["run", "-d", "--name", &labelled, "--label", "tuxpilot.auto-update=digest", "--label", TEST_LABEL])
        .args(["-e", "MODE=prod", "-v", "/data", "--network", &net, "--network-alias", "cache-alias"])
        .args(["-p", &format!("127.0.0.1:{port}:8080"), "--restart", "unless-stopped", "--memory", "64m"])
        .args(["--health-cmd", "true", "--health-interval", "1s", &image])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    docker(&["run", "-d", "--name", &plain, "--label", TEST_LABEL, &image]);
    let (before, plain_before) = (inspect(&labelled), inspect(&plain));

    // The new image changes its defaults: they must apply, the user's settings must stay.
    let v2 = repo.push("2.0", "ENV FROM_IMAGE=two\nWORKDIR /srv2\nVOLUME /cache\nCMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 700 & wait\"]");
    let o = tuxpilot(&config)
        .args(["--format", "json", "containers", "updates", "apply", "--progress", "quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let r = json(&o);
    let mine: Vec<&Value> =
        r["entries"].as_array().unwrap().iter().filter(|e| e["image"] == repo.name.as_str()).collect();
    assert_eq!(mine.len(), 1, "{r:#}");
    assert_eq!((mine[0]["status"].as_str(), mine[0]["container"].as_str()), (Some("applied"), Some(labelled.as_str())));
    let after = inspect(&labelled);
    assert_ne!(after["Id"], before["Id"], "recreated");
    assert_eq!(
        after["Image"],
        docker(&["image", "inspect", "--format", "{{.Id}}", &format!("{}@{v2}", repo.name)]).as_str()
    );
    assert_eq!(after["Config"]["Image"], image.as_str(), "the reference the user wrote");
    let env: Vec<&str> = after["Config"]["Env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(env.contains(&"MODE=prod") && env.contains(&"FROM_IMAGE=two"), "{env:?}");
    assert_eq!(after["Config"]["WorkingDir"], "/srv2", "the new image's default");
    assert!(after["Config"]["Cmd"].to_string().contains("sleep 700"), "{}", after["Config"]["Cmd"]);
    for key in ["RestartPolicy", "PortBindings", "Memory", "NetworkMode"] {
        assert_eq!(after["HostConfig"][key], before["HostConfig"][key], "HostConfig.{key}");
    }
    assert_eq!(after["Config"]["Healthcheck"], before["Config"]["Healthcheck"]);
    assert_eq!(after["Config"]["Labels"]["tuxpilot.auto-update"], "digest");
    assert!(after["NetworkSettings"]["Networks"][&net]["Aliases"].to_string().contains("cache-alias"));
    let volumes = |c: &Value| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = c["Mounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["Destination"].as_str().unwrap().to_string(), m["Name"].as_str().unwrap_or("").to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(volumes(&after), volumes(&before), "anonymous volumes are carried over");
    assert_eq!(after["State"]["Running"], true);
    let names = docker(&["ps", "-a", "--format", "{{.Names}}", "--filter", &format!("name={labelled}")]);
    assert_eq!(names, labelled, "the old container is gone");
    // The unlabelled one was not touched, and naming it is refused with the hint to opt in.
    assert_eq!(inspect(&plain)["Id"], plain_before["Id"]);
    let o = tuxpilot(&config).args(["containers", "updates", "apply", &plain]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has not opted in") && err.contains("tuxpilot.auto-update"), "{err}");
}

#[tokio::test]
async fn patch_chooses_1_0_1_over_1_1_0_and_the_gate_blocks_an_image() {
    let Some(_engine) = engine().await else { return };
    // Applying everything (and the watcher) reaches every opted-in container: one test at a time.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let repo = Repo::new("upd-patch");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let name = unique_name("upd-patch");
    repo.cleanup.container(&name);
    let sleep = "CMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"]";
    // Images a medium threshold lets through: a user and a health check.
    let clean = |v: &str| format!("RUN echo {v} > /version\nUSER nobody\nHEALTHCHECK --interval=1s CMD true\n{sleep}");
    repo.push("1.0.0", &clean("1.0.0"));
    let d101 = repo.push("1.0.1", &clean("1.0.1"));
    repo.push("1.1.0", &clean("1.1.0"));
    repo.push("2.0.0", &clean("2.0.0"));
    let o = Command::new("docker")
        .args(["run", "-d", "--name", &name, "--label", "tuxpilot.auto-update=patch", "--label", TEST_LABEL])
        .arg(format!("{}:1.0.0", repo.name))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = tuxpilot(&config).args(["--format", "json", "containers", "updates", "check", &name]).output().unwrap();
    let r = json(&o);
    let t = target(&r, &name);
    assert_eq!((t["status"].as_str(), t["new"]["tag"].as_str()), (Some("update_available"), Some("1.0.1")), "{r:#}");
    assert_eq!(t["new"]["digest"], d101.as_str());
    let o = tuxpilot(&config).args(["containers", "updates", "apply", &name, "--progress", "quiet"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(docker(&["exec", &name, "cat", "/version"]), "1.0.1");
    assert_eq!(inspect(&name)["Config"]["Image"], format!("{}:1.0.1", repo.name).as_str());

    // 1.0.2 runs as root without a health check: the gate (fail_on medium) blocks it, exit 10.
    std::fs::write(&config, "[containers.security]\nscan_images = true\nfail_on = \"medium\"\n").unwrap();
    repo.push("1.0.2", &format!("RUN echo 1.0.2 > /version\n{sleep}"));
    let id = inspect(&name)["Id"].clone();
    let o = tuxpilot(&config)
        .args(["--format", "json", "containers", "updates", "apply", &name, "--progress", "quiet"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(10), "{}", text(&o));
    let r = json(&o);
    assert_eq!(r["entries"][0]["status"], "blocked", "{r:#}");
    assert!(r["entries"][0]["message"].as_str().unwrap().contains("CIS-4.1"), "{r:#}");
    assert_eq!(inspect(&name)["Id"], id, "a blocked update changes nothing");
    assert_eq!(docker(&["exec", &name, "cat", "/version"]), "1.0.1");
}

/// A webhook endpoint: every POST body, in order.
fn webhook() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut r = BufReader::new(conn);
            let mut len = 0;
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if l == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).is_ok()
                && let Ok(v) = serde_json::from_slice(&body)
            {
                seen.lock().unwrap().push(v);
            }
            let _ = r.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, got)
}

#[tokio::test]
async fn the_watcher_applies_a_newly_pushed_image_by_itself_and_notifies_the_webhook() {
    let Some(_engine) = engine().await else { return };
    // Applying everything (and the watcher) reaches every opted-in container: one test at a time.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let repo = Repo::new("upd-watch");
    let dir = tempfile::tempdir().unwrap();
    let (url, events) = webhook();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[containers.updates]\ninterval = \"10s\"\nwebhook = \"{url}\"\n")).unwrap();
    let name = unique_name("upd-watch");
    repo.cleanup.container(&name);
    let sleep = "CMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"]";
    repo.push("latest", &format!("RUN echo one > /version\n{sleep}"));
    docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--label",
        "com.centurylinklabs.watchtower.enable=true",
        "--label",
        TEST_LABEL,
        &format!("{}:latest", repo.name),
    ]);

    let mut watcher = tuxpilot(&config)
        .args(["--format", "json", "containers", "updates", "watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stderr = watcher.stderr.take().unwrap();
    let mut watcher = Kill(watcher);
    // Its first round sees nothing due (stderr says so); then a new image is pushed.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let line =
            rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("no round within 60 s: {seen:?}"));
        if line.contains("checked, 0 due") {
            break;
        }
        seen.push(line);
        assert!(Instant::now() < deadline, "{seen:?}");
    }
    let v2 = repo.push("latest", &format!("RUN echo two > /version\n{sleep}"));
    let deadline = Instant::now() + Duration::from_secs(90);
    let event = loop {
        if let Some(e) = events.lock().unwrap().iter().find(|e| e["image"] == repo.name.as_str()).cloned() {
            break e;
        }
        assert!(Instant::now() < deadline, "no webhook event within 90 s");
        std::thread::sleep(Duration::from_millis(250));
    };
    for key in ["event", "app", "service", "container", "image", "from", "to", "status", "message", "at"] {
        assert!(event.get(key).is_some(), "{key} missing from {event:#}");
    }
    assert_eq!(
        (event["event"].as_str(), event["status"].as_str()),
        (Some("update_applied"), Some("applied")),
        "{event:#}"
    );
    assert_eq!((event["container"].as_str(), event["to"]["digest"].as_str()), (Some(name.as_str()), Some(v2.as_str())));
    assert_eq!(event["policy"], "digest", "Watchtower's label counts as digest");
    assert_eq!(docker(&["exec", &name, "cat", "/version"]), "two");
    let _ = watcher.0.kill();
}

#[tokio::test]
async fn chat_opts_in_checks_and_applies_through_the_same_use_case_and_asks_first() {
    let Some(_engine) = engine().await else { return };
    // Applying everything (and the watcher) reaches every opted-in container: one test at a time.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let repo = Repo::new("upd-chat");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let name = unique_name("upd-chat");
    repo.cleanup.container(&name);
    let sleep = "CMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"]";
    repo.push("1", &format!("RUN echo one > /version\n{sleep}"));
    docker(&["run", "-d", "--name", &name, "--label", TEST_LABEL, &format!("{}:1", repo.name)]);
    let chat = |request: &str, yes: bool| {
        let mut c = tuxpilot(&config);
        c.current_dir(dir.path()).args(["--format", "json", "chat", "--offline"]);
        if yes {
            c.arg("--yes");
        }
        c.arg(request).output().unwrap()
    };
    // Not opted in: nothing to check, and applying is refused with the hint.
    let o = chat(&format!("update {name} now"), true);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has not opted in"), "{}", text(&o));
    // "keep NAME up to date" sets the label (the container is recreated with it).
    let o = chat(&format!("keep {name} up to date"), true);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(inspect(&name)["Config"]["Labels"]["tuxpilot.auto-update"], "digest");
    let v2 = repo.push("1", &format!("RUN echo two > /version\n{sleep}"));
    let o = chat(&format!("are there newer images for {name}?"), false);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("updates_check") && out.contains("update_available") && out.contains(&v2), "{}", text(&o));
    // A write without --yes and without a terminal: the plan, exit 7, nothing done.
    let id = inspect(&name)["Id"].clone();
    let o = chat(&format!("update {name} now"), false);
    assert_eq!(o.status.code(), Some(7), "{}", text(&o));
    assert_eq!(inspect(&name)["Id"], id);
    // A negated request is never acted on, even with --yes.
    let o = chat(&format!("don't update {name}"), true);
    assert_eq!(inspect(&name)["Id"], id, "{}", text(&o));
    let o = chat(&format!("update {name} now"), true);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(docker(&["exec", &name, "cat", "/version"]), "two");
}

//! `tuxpilot chat` on the real engine, offline (no model): deploy from a template (the test
//! image tagged under the template's names, so nothing is pulled), scale, stop, and diagnose an
//! OOM-killed and a crash-looping container; confirmation rules; the dry-run JSON contract.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tuxpilot_tests::{
    Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli as docker, engine, output_text as text, sleeper, unique_name,
};

fn tuxpilot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").current_dir(dir).stdin(Stdio::null());
    c
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

fn chat(dir: &Path, args: &[&str]) -> Output {
    tuxpilot(dir).args(["--format", "json", "chat"]).args(args).output().unwrap()
}

/// Builds `tag` from the test image with a Dockerfile body, unless a real image has that name.
fn fake_image(tag: &str, body: &str, cleanup: &Cleanup) {
    let existing = docker(&["image", "inspect", "--format", "{{index .Config.Labels \"io.tuxpilot.test\"}}", tag]);
    if !existing.is_empty() && existing != "fake" {
        return; // a real image of that name: use it
    }
    let dockerfile = format!("FROM {TEST_IMAGE}\n{body}\nLABEL {TEST_LABEL}=fake\n");
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", tag, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), dockerfile.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "docker build {tag}: {}", text(&out));
    cleanup.image(tag);
}

struct Undeploy(String, std::path::PathBuf);

impl Drop for Undeploy {
    fn drop(&mut self) {
        let _ =
            tuxpilot(&self.1).args(["containers", "undeploy", &self.0, "--volumes", "--progress", "quiet"]).output();
    }
}

fn project_names(app: &str, service: &str) -> Vec<String> {
    let mut v: Vec<String> = docker(&[
        "ps",
        "--format",
        "{{.Names}}",
        "--filter",
        &format!("label=com.docker.compose.project={app}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ])
    .lines()
    .map(str::to_string)
    .collect();
    v.sort();
    v
}

#[tokio::test]
async fn chat_deploys_from_templates_then_scales_and_stops() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    // The templates' images, made locally: nginx serves its html dir; redis answers PONG.
    fake_image(
        "nginx:1.27-alpine",
        "RUN mkdir -p /usr/share/nginx/html && echo hello > /usr/share/nginx/html/index.html\n\
         CMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/usr/share/nginx/html\"]",
        &cleanup,
    );
    fake_image(
        "redis:7-alpine",
        "RUN printf '#!/bin/sh\\necho PONG\\n' > /bin/redis-cli && chmod +x /bin/redis-cli && \
         printf '#!/bin/sh\\ntrap \"exit 0\" TERM\\nwhile :; do sleep 1; done\\n' > /bin/redis-server && chmod +x /bin/redis-server",
        &cleanup,
    );
    let dir = tempfile::tempdir().unwrap();
    let _undeploy = Undeploy("nginx-redis".into(), dir.path().to_path_buf());
    cleanup.containers_labelled("com.docker.compose.project=nginx-redis");
    cleanup.network("nginx-redis_default");
    cleanup.volume("nginx-redis_redis-data");

    // Without --yes and without a terminal: refused, the plan printed, nothing made.
    let o = tuxpilot(dir.path()).args(["chat", "Deploy a web application with nginx and redis"]).output().unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("image: nginx"), "{}", text(&o));
    assert!(!dir.path().join("nginx-redis.app.yaml").exists());
    assert!(project_names("nginx-redis", "nginx").is_empty());

    // With --yes: the app.yaml is saved and deployed, health-gated.
    let o = chat(dir.path(), &["--yes", "Deploy a web application with nginx and redis"]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "deploy");
    assert_eq!(v["arguments"]["images"], serde_json::json!(["nginx", "redis"]));
    assert_eq!(v["executed"], true);
    assert_eq!(v["data"]["result"]["status"], "success", "{v}");
    let saved = std::fs::read_to_string(dir.path().join("nginx-redis.app.yaml")).unwrap();
    assert!(saved.contains("health_check"), "{saved}");
    assert_eq!(project_names("nginx-redis", "nginx").len(), 1);
    let state = docker(&["inspect", "--format", "{{.State.Health.Status}}", &project_names("nginx-redis", "redis")[0]]);
    assert_eq!(state, "healthy");

    // Scale, resolved by the service name.
    let o = chat(dir.path(), &["--yes", "scale redis to 2"]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "scale");
    assert_eq!(v["data"]["current_replicas"], 2, "{v}");
    assert_eq!(project_names("nginx-redis", "redis").len(), 2);

    // "More traffic": a count proposed from CPU, with the reason, in a dry run.
    let o = chat(dir.path(), &["--dry-run", "redis needs to handle more traffic"]);
    let v = json(&o);
    assert_eq!(v["arguments"]["direction"], "up", "{v}");
    assert!(v["plan"]["steps"][0].as_str().unwrap().contains("2 →"), "{v}");
    assert_eq!(project_names("nginx-redis", "redis").len(), 2, "a dry run changed something");

    // Stop one replica by its name.
    let victim = project_names("nginx-redis", "redis")[1].clone();
    let o = chat(dir.path(), &["--yes", &format!("please stop {victim}")]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["intent"], "stop");
    assert_eq!(docker(&["inspect", "--format", "{{.State.Running}}", &victim]), "false");
}

/// Waits for `ok`; on a timeout, says what the engine reports of `container`.
fn wait_for(what: &str, container: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}: {}",
            docker(&["inspect", "--format", "{{json .State}} restarts={{.RestartCount}}", container])
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test]
async fn chat_diagnoses_an_oom_kill_and_a_crash_loop() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let oom = unique_name("chat-oom");
    let crash = unique_name("chat-crash");
    cleanup.container(&oom);
    cleanup.container(&crash);
    let id = docker(&[
        "run",
        "-d",
        "--name",
        &oom,
        "--label",
        TEST_LABEL,
        "--memory",
        "8m",
        "--memory-swap",
        "8m",
        TEST_IMAGE,
        "sh",
        "-c",
        "until [ -e /tmp/go ]; do sleep 0.05; done; x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done",
    ]);
    assert!(!id.is_empty(), "could not run {oom}");
    // The memory is taken only once the container runs and the engine watches it: an OOM kill in
    // the first instant of a start can land before containerd's OOM watch is in place, and the
    // engine then reports exit 137 without OOMKilled (seen in CI).
    docker(&["exec", &oom, "touch", "/tmp/go"]);
    let id = docker(&[
        "run",
        "-d",
        "--name",
        &crash,
        "--label",
        TEST_LABEL,
        "--restart",
        "always",
        TEST_IMAGE,
        "sh",
        "-c",
        "echo starting; echo 'fatal: cannot open /etc/app.conf: no such file or directory' >&2; exit 3",
    ]);
    assert!(!id.is_empty(), "could not run {crash}");
    wait_for("the OOM kill", &oom, || docker(&["inspect", "--format", "{{.State.OOMKilled}}", &oom]) == "true");
    wait_for("three restarts", &crash, || {
        docker(&["inspect", "--format", "{{.RestartCount}}", &crash]).parse::<u32>().unwrap_or(0) >= 3
    });

    let o = chat(dir.path(), &[&format!("why did {oom} die?")]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "diagnose");
    assert_eq!(v["executed"], true);
    assert_eq!(v["data"]["oom_killed"], true, "{v}");
    assert_eq!(v["data"]["findings"][0]["kind"], "oom_killed", "{v}");
    let reply = v["reply"].as_str().unwrap();
    assert!(reply.contains("too much memory") && reply.contains("--memory 16m"), "{reply}");

    let o = chat(dir.path(), &[&format!("{crash} keeps restarting, what's wrong?")]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "diagnose");
    let kinds: Vec<&str> =
        v["data"]["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"crash_loop"), "{v}");
    assert!(kinds.contains(&"log_errors"), "{v}");
    assert!(v["reply"].as_str().unwrap().contains("/etc/app.conf"), "{v}");
}

#[tokio::test]
async fn yes_changes_nothing_that_was_forbidden_asked_about_or_excepted() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let name = sleeper(&cleanup, "chat-keep", None);
    let other = sleeper(&cleanup, "chat-other", None);
    let started = docker(&["inspect", "--format", "{{.State.StartedAt}}", &name]);
    for request in [
        format!("never remove {name}"),
        format!("please don't restart {name}"),
        format!("what would happen if I removed {name}"),
        format!("should I restart {name}?"),
        format!("if {name} crashes, restart it"),
        format!("restart {name} or {other}"),
    ] {
        let o = chat(dir.path(), &["--yes", &request]);
        assert!(o.status.success(), "{request}: {}", text(&o));
        let v = json(&o);
        // Answered, or read (a conditional restart is diagnosed now), never changed.
        assert!(v["intent"] == "clarify" || v["plan"]["access"] == "read", "{request}: {v}");
    }
    for n in [&name, &other] {
        assert_eq!(docker(&["inspect", "--format", "{{.State.Running}}", n]), "true", "{n}");
    }
    assert_eq!(docker(&["inspect", "--format", "{{.State.StartedAt}}", &name]), started, "restarted");
}

#[tokio::test]
async fn a_change_needs_a_yes_and_a_read_does_not() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let name = sleeper(&cleanup, "chat-stop", None);

    // A read runs at once.
    let o = chat(dir.path(), &["list", "my", "containers"]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "list");
    assert!(v["data"]["containers"].as_array().unwrap().iter().any(|c| c["name"] == name.as_str()), "{v}");

    // A change without a terminal and without --yes: refused, exit 7, still running.
    let o = tuxpilot(dir.path()).args(["chat", &format!("stop {name}")]).output().unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("Plan: stop {name}")), "{}", text(&o));
    assert_eq!(docker(&["inspect", "--format", "{{.State.Running}}", &name]), "true");

    // --dry-run never changes anything, even with --yes.
    let o = chat(dir.path(), &["--dry-run", "--yes", &format!("remove {name}")]);
    let v = json(&o);
    assert_eq!(v["executed"], false);
    assert_eq!(v["intent"], "remove");
    assert_eq!(docker(&["inspect", "--format", "{{.State.Running}}", &name]), "true");

    // A typo in a name fails before anything is asked.
    let o = chat(dir.path(), &["--yes", &format!("restart {name}-nope")]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
}

#[test]
fn the_dry_run_contract_holds_without_an_engine() {
    let dir = tempfile::tempdir().unwrap();
    let o = tuxpilot(dir.path())
        .env("DOCKER_HOST", "unix:///nonexistent/tuxpilot.sock")
        .args(["--format", "json", "chat", "--dry-run", "Scale my web service to handle more traffic"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["intent", "arguments", "plan", "executed", "reply"]);
    assert_eq!(v["intent"], "scale");
    assert_eq!(v["arguments"], serde_json::json!({"service": "web", "direction": "up"}));
    assert_eq!(v["executed"], false);
    assert_eq!(v["plan"]["access"], "write");

    for (request, intent) in [
        ("Deploy a web application with nginx and redis", "deploy"),
        ("Check the security of my running containers", "scan_runtime"),
        ("Optimize container resource usage", "optimize"),
        ("Set up monitoring for my containers", "monitor"),
        ("open a root shell in web", "refuse"),
        ("help", "help"),
    ] {
        let o = tuxpilot(dir.path())
            .env("DOCKER_HOST", "unix:///nonexistent/tuxpilot.sock")
            .args(["--format", "json", "chat", "--dry-run", request])
            .output()
            .unwrap();
        assert!(o.status.success(), "{request}: {}", text(&o));
        assert_eq!(json(&o)["intent"], intent, "{request}");
    }
}

#[tokio::test]
async fn chat_runs_scans_alert_settings_history_rollback_and_compose() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let name = sleeper(&cleanup, "chat-scan", None);

    // A runtime scan of one container, by name.
    let o = chat(dir.path(), &[&format!("check the security of {name}")]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "scan_runtime");
    assert_eq!(v["data"]["reports"][0]["target"], name.as_str(), "{v}");
    assert!(v["data"]["reports"][0]["score"].is_number());

    // "Alert me when…" is a change: the thresholds go to the config file, and alerts keep being
    // evaluated in the background after the conversation (a detached process here).
    let config = dir.path().join("config.toml");
    let state = dir.path().join("state");
    std::fs::write(&config, "[containers]\ntimeout = 60\n").unwrap();
    let with_env = |args: &[&str]| {
        tuxpilot(dir.path())
            .env("TUXPILOT_CONFIG", &config)
            .env("XDG_STATE_HOME", &state)
            .env("TUXPILOT_BACKGROUND", "process")
            .args(args)
            .output()
            .unwrap()
    };
    let o = with_env(&["--format", "json", "chat", "--yes", "alert me when cpu goes above 80% or memory above 90%"]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "monitor");
    assert_eq!(v["arguments"]["persist"], true, "{v}");
    assert_eq!(v["data"]["background"]["mechanism"], "process", "{v}");
    let pid = v["data"]["background"]["pid"].as_u64().unwrap();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(cmdline.contains("containers monitor --alerts"), "{cmdline}");
    // It outlives the conversation, and "stop monitoring" ends it.
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let o = with_env(&["--format", "json", "chat", "--yes", "stop monitoring"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["intent"], "monitor_stop");
    wait_for("the background monitor to end", "monitor", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map(|s| s.contains(") Z ")).unwrap_or(true)
    });
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.contains("cpu_alert_threshold = 80.0") && written.contains("memory_alert_threshold = 90.0"),
        "{written}"
    );
    assert!(written.contains("timeout = 60"), "{written}");

    // An app deployed from a file, changed, then history and rollback through chat.
    let app = unique_name("chat-app").replace('.', "-");
    cleanup.containers_labelled(&format!("com.docker.compose.project={app}"));
    cleanup.network(&format!("{app}_default"));
    let _undeploy = Undeploy(app.clone(), dir.path().to_path_buf());
    let file = dir.path().join("app.yaml");
    let spec = |v: &str| {
        format!(
            "name: {app}\nversion: \"{v}\"\ncontainers:\n  web:\n    image: {TEST_IMAGE}\n    environment: {{V: \"{v}\"}}\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while :; do sleep 1; done\"]\n"
        )
    };
    for v in ["1.0.0", "2.0.0"] {
        std::fs::write(&file, spec(v)).unwrap();
        let o = chat(dir.path(), &["--yes", "deploy", "app.yaml"]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(json(&o)["data"]["result"]["version"], v);
    }
    let o = chat(dir.path(), &[&format!("show the history of {app}")]);
    let v = json(&o);
    assert_eq!(v["intent"], "history");
    assert_eq!(v["data"]["history"].as_array().unwrap().len(), 2, "{v}");
    let o = chat(dir.path(), &["--yes", &format!("roll back {app} to 1.0.0")]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["intent"], "rollback");
    assert_eq!(v["arguments"]["to"], "1.0.0");
    assert_eq!(v["data"]["version"], "1.0.0", "{v}");

    // Compose up in a directory and down by project name alone, from elsewhere.
    let project = unique_name("chat-compose").replace('.', "-");
    cleanup.containers_labelled(&format!("com.docker.compose.project={project}"));
    cleanup.network(&format!("{project}_default"));
    let cdir = tempfile::tempdir().unwrap();
    std::fs::write(
        cdir.path().join("compose.yaml"),
        format!("services:\n  app:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    stop_grace_period: 1s\n"),
    )
    .unwrap();
    let o = chat(dir.path(), &["--yes", &format!("docker compose up -p {project} in {}", cdir.path().display())]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["intent"], "compose_up");
    let running = docker(&["ps", "-q", "--filter", &format!("label=com.docker.compose.project={project}")]);
    assert_eq!(running.lines().count(), 1, "{running}");
    let o = chat(dir.path(), &["--yes", &format!("compose down -p {project}")]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["intent"], "compose_down");
    assert!(docker(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={project}")]).is_empty());
}

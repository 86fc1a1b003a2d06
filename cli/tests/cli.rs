//! The `tuxpilot` binary: exit codes, messages and JSON, against the real engine and a fake one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::Value;
use tuxpilot_docker::{ContainerSpec, Engine};
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, fake_daemon, unique_name};

fn tuxpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    // A config file in the user's home must not change what the tests see.
    c.env("TUXPILOT_CONFIG", "/dev/null").env_remove("NO_COLOR");
    c
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn unreachable_socket_fails_with_its_name_and_no_panic() {
    let out = tuxpilot().env("DOCKER_HOST", "unix:///nonexistent.sock").args(["containers", "list"]).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("/nonexistent.sock"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    assert_eq!(err.lines().count(), 2, "one line of cause, one of hint: {err}");
}

#[test]
fn bad_docker_host_scheme_is_a_usage_error() {
    let out = tuxpilot().env("DOCKER_HOST", "ftp://example").args(["engine", "info"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("unsupported scheme `ftp`"));
}

#[test]
fn bad_flags_are_rejected_with_the_flag_named() {
    let out = tuxpilot()
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .args(["containers", "run", "--memory", "lots", "busybox"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = stderr_of(&out);
    // Bad input is caught before any engine call, so the message is about the flag.
    assert!(err.contains("--memory") || err.contains("nonexistent.sock"), "{err}");
}

#[tokio::test]
async fn daemon_errors_become_messages_and_exit_codes() {
    let d = fake_daemon::start("cli").await;
    let host = d.host();
    let run = |args: Vec<&'static str>| {
        let host = host.clone();
        tokio::task::spawn_blocking(move || {
            tuxpilot().args(["-H", &host, "--timeout", "1"]).args(args).output().unwrap()
        })
    };
    let (not_found, conflict, timeout, daemon) = tokio::join!(
        run(vec!["containers", "inspect", "missing"]),
        run(vec!["containers", "rm", "busy"]),
        run(vec!["containers", "inspect", "slow"]),
        run(vec!["containers", "list"]),
    );
    let not_found = not_found.unwrap();
    assert_eq!(not_found.status.code(), Some(3));
    assert!(
        stderr_of(&not_found).starts_with("error: no such container: missing\nhint: "),
        "{}",
        stderr_of(&not_found)
    );
    let conflict = conflict.unwrap();
    assert_eq!(conflict.status.code(), Some(4));
    assert!(stderr_of(&conflict).contains("cannot remove a running container"));
    assert!(stderr_of(&conflict).contains("--force"));
    let timeout = timeout.unwrap();
    assert_eq!(timeout.status.code(), Some(6));
    assert!(stderr_of(&timeout).contains("inspect container timed out after 1s"), "{}", stderr_of(&timeout));
    let daemon = daemon.unwrap();
    assert_eq!(daemon.status.code(), Some(1));
    assert!(stderr_of(&daemon).contains("storage is on fire (HTTP 500)"), "{}", stderr_of(&daemon));
}

fn docker_ps(label: &str) -> BTreeMap<String, String> {
    let out = StdCommand::new("docker")
        .args(["ps", "-a", "--no-trunc", "--filter", &format!("label={label}"), "--format", "{{.ID}} {{.State}}"])
        .output()
        .expect("docker CLI");
    assert!(out.status.success(), "{}", stderr_of(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())))
        .collect()
}

#[tokio::test]
async fn list_json_matches_docker_ps() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let marker = unique_name("ps");
    let label = format!("io.tuxpilot.test.ps={marker}");
    cleanup.containers_labelled(&label);
    // One running, one created, one exited.
    let mk = |cmd: &str| ContainerSpec {
        name: Some(unique_name("ps")),
        image: TEST_IMAGE.into(),
        command: Some(vec!["sh".into(), "-c".into(), cmd.into()]),
        labels: BTreeMap::from([("io.tuxpilot.test.ps".into(), marker.clone())]),
        ..Default::default()
    };
    let running = engine.create_container(mk("sleep 300")).await.unwrap();
    engine.start_container(&running.id).await.unwrap();
    engine.create_container(mk("true")).await.unwrap();
    let exited = engine.create_container(mk("exit 2")).await.unwrap();
    engine.start_container(&exited.id).await.unwrap();
    engine.wait_container(&exited.id).await.unwrap();

    let out = tuxpilot()
        .args(["containers", "list", "--all", "--format", "json", "--filter", &format!("label={label}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours: BTreeMap<String, String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["state"].as_str().unwrap().to_string()))
        .collect();
    let theirs = docker_ps(&label);
    assert_eq!(ours.len(), 3);
    assert_eq!(ours, theirs);
    assert_eq!(
        ours.values().cloned().collect::<std::collections::BTreeSet<_>>(),
        ["created", "exited", "running"].map(String::from).into()
    );

    // Without --all only the running one.
    let out = tuxpilot()
        .args(["containers", "list", "--format", "json", "--filter", &format!("label={label}")])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], running.id.as_str());
}

#[tokio::test]
async fn run_inspect_logs_stop_rm_through_the_cli() {
    let Some(_engine) = engine().await else {
        return;
    };
    let cleanup = Cleanup::new();
    let name = unique_name("cli");
    cleanup.container(&name);
    let out = tuxpilot()
        .args(["containers", "run", "-d", "--name", &name, "-p", "127.0.0.1::80", "--memory", "64m", "--cpus", "0.5"])
        .args(["--label", "io.tuxpilot.test=1", "--label", "tier=web", "-e", "MODE=test", "--restart", "on-failure:2"])
        .args([
            "--format",
            "json",
            TEST_IMAGE,
            "--",
            "sh",
            "-c",
            "echo started; echo warn >&2; exec httpd -f -p 80 -h /var/www",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["name"], name.as_str());

    let out = tuxpilot().args(["containers", "inspect", &name, "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = &v[0];
    assert_eq!(c["id"], run["id"]);
    assert_eq!(c["state"], "running");
    assert_eq!(c["resources"]["memory_bytes"], 64 * 1024 * 1024);
    assert_eq!(c["resources"]["cpus"], 0.5);
    assert_eq!(c["labels"]["tier"], "web");
    assert_eq!(c["restart_policy"], "on-failure:2");
    assert!(c["env"].as_array().unwrap().iter().any(|e| e == "MODE=test"));
    let port = c["ports"].as_array().unwrap().iter().find_map(|p| p["host_port"].as_u64()).expect("published port");
    assert!(port > 0);

    // Logs: wait (bounded) until both lines are there, stdout and stderr apart.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let out = tuxpilot().args(["containers", "logs", &name]).output().unwrap();
        assert!(out.status.success());
        if String::from_utf8_lossy(&out.stdout) == "started\n" && String::from_utf8_lossy(&out.stderr) == "warn\n" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "logs never showed both lines: {out:?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = tuxpilot()
        .args(["containers", "logs", "--timestamps", "--tail", "1", "--format", "json", &name])
        .output()
        .unwrap();
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Like docker, --tail counts lines of the whole log, both streams together.
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0]["timestamp"].is_string());
    assert!(["stdout", "stderr"].contains(&lines[0]["stream"].as_str().unwrap()));

    let out = tuxpilot().args(["containers", "rm", &name]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "running container needs --force: {}", stderr_of(&out));
    let out = tuxpilot().args(["containers", "stop", "--time", "1", &name]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = tuxpilot().args(["containers", "start", &name]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = tuxpilot().args(["containers", "restart", "-t", "1", &name]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = tuxpilot().args(["containers", "rm", "--force", &name]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = tuxpilot().args(["containers", "inspect", &name]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(docker_ps(&format!("io.tuxpilot.test=1,name={name}")).is_empty());
}

#[tokio::test]
async fn run_of_a_missing_image_leaves_nothing_and_says_which_image() {
    let Some(engine) = engine().await else { return };
    let name = unique_name("noimg");
    let out = tuxpilot().args(["containers", "run", "--name", &name, "tuxpilot-test/never-built:1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr_of(&out).contains("no such image: tuxpilot-test/never-built:1"), "{}", stderr_of(&out));
    assert!(engine.inspect_container(&name).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn engine_info_reports_the_daemon() {
    let Some(engine) = engine().await else { return };
    let out = tuxpilot().args(["engine", "info", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = engine.version().await.unwrap();
    assert_eq!(v["version"]["version"], version.version.as_str());
    assert_eq!(v["negotiated_api_version"], version.api_version.as_str());
    let out = tuxpilot().args(["engine", "info"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Server version") && text.contains(&version.version), "{text}");
    assert!(!text.contains('\u{1b}'), "no colours when stdout is not a terminal");
}

#[tokio::test]
async fn monitor_json_ticks_and_optimize_apply_through_the_cli() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("cli-mon");
    cleanup.container(&name);
    let c = engine
        .create_container(ContainerSpec {
            name: Some(name.clone()),
            image: TEST_IMAGE.into(),
            command: Some(vec!["sleep".into(), "3600".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    engine.start_container(&c.id).await.unwrap();
    let filter = format!("id={}", c.id);

    // Three ticks, one JSON object per container per tick, numbers as numbers.
    let out = tuxpilot()
        .args(["--format", "json", "containers", "monitor", "--source", "cgroup", "--interval", "300ms"])
        .args(["--count", "3", "--filter", &filter])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for l in &lines {
        assert_eq!(l["name"], name.as_str());
        for key in [
            "cpu_percent",
            "memory_used_bytes",
            "memory_limit_bytes",
            "memory_percent",
            "net_rx_bytes",
            "net_tx_bytes",
            "block_read_bytes",
            "block_write_bytes",
            "pids",
        ] {
            assert!(l[key].is_number(), "{key} in {l}");
        }
        assert!(l["timestamp"].is_string());
    }

    // Not a terminal: --real-time falls back to one line per container per tick.
    let out = tuxpilot()
        .args(["containers", "monitor", "--real-time", "--interval", "300ms", "--count", "2", "--filter", &filter])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines.iter().all(|l| l.contains(&name) && l.contains("cpu=") && l.contains("pids=1")), "{text}");

    // --prometheus on port 0: the bound address is printed; a scrape lists the container.
    let mut server = StdCommand::new(env!("CARGO_BIN_EXE_tuxpilot"))
        .env("TUXPILOT_CONFIG", "/dev/null")
        .args(["containers", "monitor", "--prometheus", "127.0.0.1:0", "--filter", &filter])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stderr.take().unwrap()), &mut first).unwrap();
    let addr = first
        .trim()
        .trim_start_matches("serving Prometheus metrics on http://")
        .trim_end_matches("/metrics")
        .to_string();
    let body = {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{first}: {e}"));
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut t = String::new();
        s.read_to_string(&mut t).unwrap();
        t
    };
    let _ = server.kill();
    let _ = server.wait();
    assert!(body.contains(&format!("container_memory_working_set_bytes{{id=\"/docker/{}\"", c.id)), "{body}");

    let out = tuxpilot()
        .args(["--format", "json", "containers", "optimize", &name, "--window", "2s", "--interval", "500ms", "--apply"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let recs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec = &recs[0];
    assert_eq!(rec["name"], name.as_str());
    assert_eq!(rec["applied"], true);
    assert!(rec["docker_update"].as_str().unwrap().starts_with("docker update --cpus "), "{rec}");
    assert!(rec["compose"].as_str().unwrap().contains("deploy:\n      resources:\n        limits:"), "{rec}");
    let d = engine.inspect_container(&c.id).await.unwrap();
    assert_eq!(d.host_config.memory, rec["memory_bytes"].as_i64().unwrap());
    assert_eq!(d.host_config.nano_cpus, (rec["cpus"].as_f64().unwrap() * 1e9).round() as i64);

    // An unknown container fails before observing, with the name.
    let out = tuxpilot().args(["containers", "optimize", "no-such-container-xyz", "--window", "1s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("no-such-container-xyz"));
}

#[tokio::test]
async fn scan_filters_exit_codes_ignore_files_and_formats() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("cli-scan");
    cleanup.container(&name);
    engine
        .create_container(ContainerSpec {
            name: Some(name.clone()),
            image: TEST_IMAGE.into(),
            command: Some(vec!["sleep".into(), "60".into()]),
            privileged: true,
            ..Default::default()
        })
        .await
        .unwrap();

    let out = tuxpilot().args(["--format", "json", "containers", "scan", "--container", &name]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let reports: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &reports[0];
    assert_eq!(r["target"], name.as_str());
    assert_eq!(r["kind"], "container");
    assert!(r["score"].as_u64().unwrap() < 100);
    let ids: Vec<&str> = r["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"CIS-5.5"), "{ids:?}");
    assert_eq!(r["findings"][0]["severity"], "CRITICAL", "most severe first");
    assert_eq!(r["compliance"][0]["framework"], "CIS Docker Benchmark 1.6");

    // Only critical findings count; they remain, so the exit code is ours.
    let out = tuxpilot()
        .args(["containers", "scan", "--container", &name, "--severity", "critical", "--exit-code", "9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CIS-5.5") && !text.contains("CIS-5.11"), "{text}");

    // Accepting CIS-5.5 until next year leaves nothing critical.
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join(".tuxpilotignore");
    std::fs::write(&ignore, "CIS-5.5 exp:2099-01-01 # accepted for the test\n").unwrap();
    let out = tuxpilot()
        .args(["containers", "scan", "--container", &name, "--severity", "critical", "--exit-code", "9"])
        .arg("--ignore-file")
        .arg(&ignore)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    std::fs::write(&ignore, "CIS-5.5 exp:tomorrow\n").unwrap();
    let out = tuxpilot()
        .args(["containers", "scan", "--container", &name])
        .arg("--ignore-file")
        .arg(&ignore)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr_of(&out).contains(".tuxpilotignore:1"), "{}", stderr_of(&out));

    let out = tuxpilot().args(["--format", "sarif", "containers", "scan", "--container", &name]).output().unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "CIS-5.5"));

    // SBOM of the test image through the CLI.
    let out = tuxpilot().args(["--format", "cyclonedx", "containers", "scan", "--image", TEST_IMAGE]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.5");

    // Nothing to scan is a usage-level error with the fix.
    let out = tuxpilot().args(["containers", "scan"]).output().unwrap();
    assert!(stderr_of(&out).contains("--container NAME, --all or --image REF"));
}

#[test]
fn scan_db_import_and_info_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/tuxpilot-security/testdata/osv");
    let out = tuxpilot()
        .args(["--format", "json", "containers", "scan", "db", "import", src, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["records"], 6);
    assert_eq!(info["ecosystems"]["Debian:12"], 4);
    let out = tuxpilot().args(["containers", "scan", "db", "info", "--db"]).arg(&db).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Alpine:v3.19"));
    let out = tuxpilot().args(["containers", "scan", "db", "info"]).output().unwrap();
    assert!(stderr_of(&out).contains("--db DIR"), "{}", stderr_of(&out));
}

/// A zero interval (flag or config) is a usage error naming the fix, never a panic.
#[tokio::test]
async fn a_zero_interval_is_a_usage_error() {
    let Some(_engine) = engine().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[containers.monitoring]\ninterval = \"0s\"\n").unwrap();
    let runs: [(&[&str], Option<&std::path::Path>); 5] = [
        (&["containers", "monitor", "--interval", "0"], None),
        (&["containers", "monitor", "--interval", "0s", "--prometheus", "127.0.0.1:0"], None),
        (&["containers", "monitor", "--cpu-alert", "80", "--interval", "0ms"], None),
        (&["containers", "monitor", "--alerts", "--cpu-alert", "80"], Some(config.as_path())),
        (&["containers", "optimize", "--interval", "0s", "--window", "1s"], None),
    ];
    for (args, cfg) in runs {
        let mut c = tuxpilot();
        if let Some(cfg) = cfg {
            c.env("TUXPILOT_CONFIG", cfg);
        }
        let out = c.args(args).timeout(std::time::Duration::from_secs(30)).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("longer than 0") && !err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Alert thresholds that would fire always or never (negative, not a number, infinite, a memory
/// share above 100 %) and timeouts of zero are usage errors naming the flag or key.
#[tokio::test]
async fn thresholds_and_timeouts_that_cannot_work_are_usage_errors() {
    let Some(_engine) = engine().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.yaml");
    std::fs::write(&app, format!("name: never-deployed\nversion: \"1\"\ncontainers:\n  a:\n    image: {TEST_IMAGE}\n"))
        .unwrap();
    let zero = dir.path().join("zero.toml");
    std::fs::write(&zero, "[containers.orchestration]\ndeployment_timeout = \"0s\"\n").unwrap();
    let runs: [(Vec<&str>, Option<&std::path::Path>, &str); 6] = [
        (vec!["containers", "monitor", "--cpu-alert=-5"], None, "--cpu-alert"),
        (vec!["containers", "monitor", "--cpu-alert", "nan"], None, "--cpu-alert"),
        (vec!["containers", "monitor", "--memory-alert", "1e309"], None, "--memory-alert"),
        (vec!["containers", "monitor", "--disk-alert", "150"], None, "--disk-alert"),
        (
            vec!["containers", "deploy", "--dry-run", "--health-check-timeout", "0s", "--file", app.to_str().unwrap()],
            None,
            "health_check_timeout",
        ),
        (
            vec!["containers", "deploy", "--dry-run", "--file", app.to_str().unwrap()],
            Some(zero.as_path()),
            "deployment_timeout",
        ),
    ];
    for (args, cfg, words) in runs {
        let mut c = tuxpilot();
        if let Some(cfg) = cfg {
            c.env("TUXPILOT_CONFIG", cfg);
        }
        let out = c.args(&args).timeout(std::time::Duration::from_secs(30)).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
    }
}

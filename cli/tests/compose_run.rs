//! `tuxpilot compose` as a process against the real engine: `--wait`, `ps --format json`,
//! `logs -f` picking up new containers, and a killed `up` that converges when run again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, unique_name};

struct Project {
    dir: tempfile::TempDir,
    name: String,
    _cleanup: Cleanup,
}

impl Project {
    fn new(tag: &str, yaml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), yaml.replace("IMAGE", TEST_IMAGE)).unwrap();
        let name = unique_name(tag);
        let cleanup = Cleanup::new();
        cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
        cleanup.network(&format!("{name}_default"));
        Self { dir, name, _cleanup: cleanup }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
        c.current_dir(self.dir.path())
            .env("TUXPILOT_CONFIG", "/dev/null")
            .args(["compose", "-p", &self.name, "--progress", "plain"])
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let out = self.cmd(args).output().unwrap();
        assert!(out.status.success(), "compose {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    fn ps(&self) -> Vec<Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_tuxpilot"))
            .current_dir(self.dir.path())
            .env("TUXPILOT_CONFIG", "/dev/null")
            .args(["--format", "json", "compose", "-p", &self.name, "ps", "-a"])
            .output()
            .unwrap();
        // One object a line, as `docker compose ps --format json` (2.26) writes it.
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).collect()
    }
}

fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn wait_ps_json_and_logs_follow_new_containers() {
    let Some(_engine) = engine().await else { return };
    let p = Project::new(
        "follow",
        "services:\n  app:\n    image: IMAGE\n    command: [sh, -c, 'echo hello from $$HOSTNAME; exec sleep 3600']\n    stop_grace_period: 1s\n    healthcheck:\n      test: [CMD, 'true']\n      interval: 1s\n",
    );
    p.run(&["up", "-d", "--wait", "--wait-timeout", "60"]);
    let ps = p.ps();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0]["Service"], "app");
    assert!(ps[0]["Name"].as_str().unwrap().ends_with("-app-1"), "{}", ps[0]);
    assert_eq!(ps[0]["State"], "running");
    assert_eq!(ps[0]["Health"], "healthy", "--wait waited for health: {}", ps[0]);
    assert!(ps[0]["Status"].as_str().unwrap().contains("healthy"), "{}", ps[0]);
    assert_eq!(ps[0]["ExitCode"], 0);
    assert!(
        ps[0]["Publishers"].is_array() && ps[0]["Labels"].as_str().unwrap().contains("com.docker.compose.service=app")
    );

    // Follow, then scale: the new replica's output must show up in the same stream.
    let mut child = p.cmd(&["logs", "-f"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20)).expect("first log line");
    assert!(first.starts_with(&format!("{}-app-1", p.name)) && first.contains("hello from"), "{first}");
    p.run(&["scale", "app=2"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = false;
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500))
            && line.starts_with(&format!("{}-app-2", p.name))
        {
            assert!(line.contains("hello from"), "{line}");
            seen = true;
            break;
        }
    }
    kill(child);
    assert!(seen, "logs -f did not pick up the new container");
    p.run(&["down", "-t", "1"]);
    assert!(p.ps().is_empty());
}

#[tokio::test]
async fn a_killed_up_converges_when_run_again() {
    let Some(_engine) = engine().await else { return };
    let mut yaml = String::from("services:\n");
    for i in 0..8 {
        yaml.push_str(&format!("  s{i}:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n"));
        if i >= 4 {
            yaml.push_str(&format!("    depends_on: [s{}]\n", i - 4));
        }
    }
    let p = Project::new("kill", &yaml);
    let mut child = p.cmd(&["up", "-d"]).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    // Kill -9 as soon as the first container exists.
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && stderr.read(&mut byte).map(|n| n == 1).unwrap_or(false) {
        buf.push(byte[0]);
        if String::from_utf8_lossy(&buf).contains("Created") {
            break;
        }
    }
    kill(child);
    let partial = p.ps().len();
    assert!(partial < 8, "killed before the end ({partial} containers)");

    p.run(&["up", "-d"]);
    let ps = p.ps();
    let mut names: Vec<String> = ps.iter().map(|c| c["Name"].as_str().unwrap().to_string()).collect();
    names.sort();
    let mut want: Vec<String> = (0..8).map(|i| format!("{}-s{i}-1", p.name)).collect();
    want.sort();
    assert_eq!(names, want, "one container per service, no duplicates");
    assert!(ps.iter().all(|c| c["State"] == "running"), "{ps:?}");
    p.run(&["down", "-t", "1"]);
}

#[tokio::test]
async fn up_refuses_images_the_scan_hook_blocks() {
    let Some(_engine) = engine().await else { return };
    let p = Project::new("scanhook", "services:\n  app:\n    image: IMAGE\n    command: [sleep, '600']\n");
    let config = p.dir.path().join("tuxpilot.toml");
    // The test image runs as root with no HEALTHCHECK: CIS-4.1 (medium) blocks at `medium`.
    std::fs::write(&config, "[containers.security]\nscan_images = true\nfail_on = \"medium\"\n").unwrap();
    let out = p.cmd(&["up", "-d"]).env("TUXPILOT_CONFIG", &config).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains(&format!("image {TEST_IMAGE} blocked")) && err.contains("CIS-4.1"), "{err}");
    assert!(p.ps().is_empty(), "nothing created");
    // At `critical` the same image passes and the project comes up.
    std::fs::write(&config, "[containers.security]\nscan_images = true\nfail_on = \"critical\"\n").unwrap();
    let out = p.cmd(&["up", "-d"]).env("TUXPILOT_CONFIG", &config).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("scanned {TEST_IMAGE}: score")));
    assert_eq!(p.ps().len(), 1);
    p.run(&["down"]);
}

/// The seed's forms, as written: project options after the verb, `--project`, `--file`,
/// `logs --follow`, `scale web=3`.
#[tokio::test]
async fn the_seed_forms_work_as_written() {
    let Some(_engine) = engine().await else { return };
    let p = Project::new(
        "seed",
        "services:\n  web:\n    image: IMAGE\n    command: [sh, -c, 'echo up $$HOSTNAME; exec sleep 3600']\n    stop_grace_period: 1s\n",
    );
    std::fs::rename(p.dir.path().join("compose.yaml"), p.dir.path().join("docker-compose.yml")).unwrap();
    let bare = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tuxpilot"))
            .current_dir(p.dir.path())
            .env("TUXPILOT_CONFIG", "/dev/null")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    };
    bare(&["compose", "up", "--file", "docker-compose.yml", "-d", "--project", &p.name]);
    assert_eq!(p.ps().len(), 1);
    bare(&["compose", "--project", &p.name, "scale", "web=3"]);
    assert_eq!(p.ps().len(), 3);
    // logs --follow streams (and keeps streaming) the three replicas' output.
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuxpilot"))
        .current_dir(p.dir.path())
        .env("TUXPILOT_CONFIG", "/dev/null")
        .args(["compose", "logs", "--follow", "--project", &p.name])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    while seen < 3 {
        let line = lines.next().expect("logs --follow ended early").unwrap();
        if line.contains("up ") {
            seen += 1;
        }
    }
    kill(child);
    bare(&["compose", "down", "--project", &p.name]);
    assert!(p.ps().is_empty());
}

/// `up --no-start` creates and starts nothing; attached `up --exit-code-from` stops the project
/// when a container exits and passes its code on; `--attach` picks whose output is shown.
#[tokio::test]
async fn up_no_start_abort_on_exit_exit_code_from_and_attach() {
    let Some(_engine) = engine().await else { return };
    let p = Project::new(
        "abort",
        "services:\n  job:\n    image: IMAGE\n    command: [sh, -c, 'sleep 1; echo job done; exit 3']\n  web:\n    image: IMAGE\n    command: [sh, -c, 'echo web says hi; exec sleep 3600']\n    stop_grace_period: 1s\n",
    );
    p.run(&["up", "--no-start"]);
    let ps = p.ps();
    assert_eq!(ps.len(), 2, "{ps:?}");
    assert!(ps.iter().all(|c| c["State"] == "created"), "nothing started: {ps:?}");

    let out = p.cmd(&["up", "--attach", "job", "--exit-code-from", "job"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stdout.contains("job done"), "{stdout}");
    assert!(!stdout.contains("web says hi"), "only job's output is attached: {stdout}");
    assert!(stderr.contains("exited with code 3") && stderr.contains("Aborting on container exit"), "{stderr}");
    let web = p.ps().into_iter().find(|c| c["Service"] == "web").unwrap();
    assert_eq!(web["State"], "exited", "the project was stopped: {web}");
}

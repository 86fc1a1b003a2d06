//! The command line about itself, as a docker user expects it: `tuxpilot version` (client and
//! engine, JSON too, the client part even without an engine), shell completions, man pages,
//! global options grouped apart in `--help`, a closed pipe ending quietly with exit 0; and
//! `containers scan --all` for people: TuxPilot's lock containers skipped, AppArmor checked only
//! where the kernel has it, a summary table at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli as docker, engine, output_text as text, unique_name};

fn tuxpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

#[tokio::test]
async fn version_shows_the_client_and_the_engine() {
    let Some(_engine) = engine().await else { return };
    let o = tuxpilot().arg("version").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Client: TuxPilot") && out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    let server = docker(&["version", "--format", "{{.Server.Version}}"]);
    assert!(out.contains("Server: Docker Engine") && out.contains(&server), "{out}");
    let o = tuxpilot().args(["--format", "json", "version"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["client"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["server"]["version"], server.as_str());
    // No engine: the client part, then the error and its exit code.
    let o = tuxpilot().env("DOCKER_HOST", "unix:///nonexistent.sock").arg("version").output().unwrap();
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Client: TuxPilot"), "{}", text(&o));
}

#[test]
fn completions_man_pages_and_grouped_help() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = tuxpilot().args(["completion", shell]).output().unwrap();
        assert!(o.status.success() && o.stdout.len() > 1000, "{shell}: {}", text(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("updates"), "{shell}: the subcommands are in it");
    }
    let dir = tempfile::tempdir().unwrap();
    let o = tuxpilot().args(["man", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    for page in
        ["tuxpilot.1", "tuxpilot-containers-run.1", "tuxpilot-containers-updates-apply.1", "tuxpilot-compose-up.1"]
    {
        let t = std::fs::read_to_string(dir.path().join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(t.contains(".TH") && t.contains(".SH NAME"), "{page}");
    }
    for args in [&["--help"][..], &["containers", "list", "--help"][..]] {
        let o = tuxpilot().args(args).output().unwrap();
        let help = String::from_utf8_lossy(&o.stdout);
        let (own, global) = (help.find("Options:").unwrap(), help.find("Global options:").unwrap());
        assert!(own < global && help[global..].contains("--format"), "{args:?}: {help}");
        assert!(!help[..global].contains("--timeout"), "{args:?}: global options sit apart");
    }
    let o = tuxpilot().args(["compose", "--help"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains("always detached"), "{}", text(&o));
}

/// Reads one line, closes the pipe, and returns how the command ended.
fn first_line_then_close(mut c: Command) -> (Option<i32>, String, String) {
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), line, String::from_utf8_lossy(&out.stderr).to_string())
}

#[tokio::test]
async fn a_closed_pipe_ends_quietly_with_exit_0() {
    let Some(_engine) = engine().await else { return };
    let mut c = tuxpilot();
    c.args(["completion", "bash"]);
    let (code, line, err) = first_line_then_close(c);
    assert_eq!(code, Some(0), "{err}");
    assert!(!line.is_empty() && !err.contains("Broken pipe") && !err.contains("panicked"), "{err}");
    let mut c = tuxpilot();
    c.args(["man"]);
    let (code, _, err) = first_line_then_close(c);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[tokio::test]
async fn scan_all_skips_locks_checks_apparmor_where_it_exists_and_ends_with_a_summary() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let (lock, a) = (unique_name("scan-lock"), unique_name("scan-a"));
    cleanup.container(&lock);
    cleanup.container(&a);
    docker(&["create", "--name", &lock, "--label", "io.tuxpilot.lock=app", "--label", TEST_LABEL, TEST_IMAGE]);
    docker(&["run", "-d", "--name", &a, "--label", TEST_LABEL, TEST_IMAGE, "sleep", "300"]);
    let o = tuxpilot().args(["containers", "scan", "--all"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains(&lock), "a lock container is not a workload: {out}");
    let summary = out.rfind("Summary of").unwrap_or_else(|| panic!("no summary: {out}"));
    let tail = &out[summary..];
    assert!(
        tail.contains("TARGET") && tail.contains("SCORE") && tail.contains("CRITICAL") && tail.contains(&a),
        "{tail}"
    );
    let apparmor = docker(&["info", "--format", "{{json .SecurityOptions}}"]).contains("apparmor");
    let o = tuxpilot().args(["--format", "json", "containers", "scan", "--container", &a]).output().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checked = r[0]["checks"].as_array().unwrap().iter().any(|c| c["id"] == "CIS-5.2");
    assert_eq!(checked, apparmor, "CIS-5.2 is checked exactly where the kernel has AppArmor: {r:#}");
}

#[tokio::test]
async fn docker_object_verbs_images_pull_top_volume_and_network() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let (vol, net, c) = (unique_name("obj-vol"), unique_name("obj-net"), unique_name("obj-top"));
    cleanup.volume(&vol);
    cleanup.network(&net);
    cleanup.container(&c);
    // pull (from the local registry), then images shows it.
    let reference = "127.0.0.1:5000/tuxpilot-test/busybox:latest";
    let o = tuxpilot().args(["containers", "pull", reference]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), reference);
    assert!(String::from_utf8_lossy(&o.stderr).contains("Digest: sha256:"), "{}", text(&o));
    let o = tuxpilot().args(["containers", "images"]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with(" REPOSITORY") || out.contains("REPOSITORY"), "{out}");
    assert!(out.lines().any(|l| l.contains("127.0.0.1:5000/tuxpilot-test/busybox") && l.contains("latest")), "{out}");
    let o = tuxpilot().args(["--format", "json", "containers", "images"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|i| i["repository"] == "127.0.0.1:5000/tuxpilot-test/busybox" && i["tag"] == "latest")
    );
    // top.
    docker(&["run", "-d", "--name", &c, "--label", TEST_LABEL, TEST_IMAGE, "sleep", "321"]);
    let o = tuxpilot().args(["containers", "top", &c]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("PID") && out.contains("sleep 321"), "{}", text(&o));
    // volume and network: ls, inspect, rm, as docker names them.
    docker(&["volume", "create", "--label", TEST_LABEL, &vol]);
    docker(&["network", "create", "--label", TEST_LABEL, &net]);
    let o = tuxpilot().args(["containers", "volume", "ls", "--filter", &format!("name={vol}")]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("VOLUME NAME") && out.contains(&vol), "{}", text(&o));
    let o = tuxpilot().args(["containers", "volume", "inspect", &vol]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["name"], vol.as_str());
    let o = tuxpilot().args(["containers", "network", "ls", "--filter", &format!("name={net}")]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("NETWORK ID") && out.contains(&net) && out.contains("bridge"), "{}", text(&o));
    let o = tuxpilot().args(["containers", "network", "inspect", &net]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["name"], net.as_str());
    let o = tuxpilot().args(["containers", "volume", "rm", &vol, "tp-no-such-volume"]).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "one of two is missing: {}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), vol, "the other is removed");
    let o = tuxpilot().args(["containers", "network", "rm", &net]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(docker(&["network", "ls", "-q", "--filter", &format!("name={net}")]), "");
}

#[tokio::test]
async fn exec_and_events_as_docker_has_them() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let c = unique_name("exec");
    cleanup.container(&c);
    let t0 = docker(&["info", "--format", "{{json .SystemTime}}"]).trim_matches('"').to_string();
    docker(&["run", "-d", "--name", &c, "--label", TEST_LABEL, TEST_IMAGE, "sleep", "300"]);
    let run = |args: &[&str]| tuxpilot().args(["containers", "exec"]).args(args).output().unwrap();
    let o = run(&[&c, "echo", "hi", "-n"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "hi -n", "the command's own flags are its own");
    let o = run(&[&c, "sh", "-c", "exit 3"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let o = run(&["-e", "FOO=bar", "-w", "/tmp", "-u", "nobody", &c, "sh", "-c", "echo $FOO $(pwd) $(id -u)"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "bar /tmp 65534", "{}", text(&o));
    // -i forwards stdin; without it the process reads nothing.
    let piped = |interactive: bool| {
        let mut cmd = tuxpilot();
        cmd.args(["containers", "exec"]);
        if interactive {
            cmd.arg("-i");
        }
        let mut child = cmd.args([c.as_str(), "cat"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(b"from stdin\n");
        }
        String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout).to_string()
    };
    assert_eq!(piped(true).trim(), "from stdin");
    assert_eq!(piped(false).trim(), "");
    let o = run(&["-d", &c, "touch", "/tmp/detached"]);
    assert!(o.status.success(), "{}", text(&o));
    let mut made = false;
    for _ in 0..100 {
        if run(&[&c, "ls", "/tmp/detached"]).status.success() {
            made = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(made, "exec -d ran the command");
    docker(&["stop", "-t", "1", &c]);
    let t1 = docker(&["info", "--format", "{{json .SystemTime}}"]).trim_matches('"').to_string();
    let o = tuxpilot()
        .args([
            "--format",
            "json",
            "containers",
            "events",
            "--since",
            &t0,
            "--until",
            &t1,
            "--filter",
            &format!("container={c}"),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let actions: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["action"].as_str().unwrap_or("").to_string())
        .collect();
    for want in ["create", "start", "die", "stop"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
    let o = tuxpilot()
        .args(["containers", "events", "--since", &t0, "--until", &t1, "--filter", &format!("container={c}")])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).lines().any(|l| l.contains("container start") && l.contains(&c)),
        "{}",
        text(&o)
    );
}

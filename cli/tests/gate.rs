//! The security gate is one use-case: with `[containers.security] scan_images` on, the same
//! image is refused from the CLI (`containers run`, `containers deploy`, `compose up`), from
//! `chat` (a compose up and a deploy) and from `tuxpilot mcp` (through PyPI's MCP client), with
//! exit code 10, and nothing is created; rollbacks pass it with a warning, scale-ups do not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
mod mcp_common;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli as docker, engine, output_text as text, unique_name};

fn tuxpilot(dir: &Path, config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", config).env("NO_COLOR", "1").current_dir(dir).stdin(Stdio::null());
    c
}

/// Everything the engine has that carries `needle` in its name (containers, networks).
fn made(needle: &str) -> String {
    let containers = docker(&["ps", "-a", "--format", "{{.Names}}", "--filter", &format!("name={needle}")]);
    let networks = docker(&["network", "ls", "--format", "{{.Name}}", "--filter", &format!("name={needle}")]);
    format!("{containers}{networks}")
}

fn blocked(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(10), "{what}: {}", text(o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("image {TEST_IMAGE} blocked")) && err.contains("CIS-4.1"), "{what}: {err}");
}

#[tokio::test]
async fn the_gate_refuses_the_same_image_from_the_cli_chat_and_mcp() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let name = unique_name("gate");
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.containers_labelled(&format!("io.tuxpilot.app={name}"));
    cleanup.container(&name);
    // The test image runs as root with no HEALTHCHECK: CIS-4.1 (medium) blocks it at `medium`.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[containers.security]\nscan_images = true\nfail_on = \"medium\"\n").unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!("name: {name}\nservices:\n  app:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    labels: [{TEST_LABEL}=1]\n"),
    )
    .unwrap();
    let app_file = dir.path().join("app.yaml");
    std::fs::write(
        &app_file,
        format!(
            "name: {name}\nversion: \"1\"\ncontainers:\n  app:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n"
        ),
    )
    .unwrap();

    // The CLI.
    let o = tuxpilot(dir.path(), &config)
        .args(["containers", "run", "-d", "--name", &name, "--label", TEST_LABEL, TEST_IMAGE, "sleep", "60"])
        .output()
        .unwrap();
    blocked(&o, "containers run");
    let o = tuxpilot(dir.path(), &config).args(["compose", "up", "-d"]).output().unwrap();
    blocked(&o, "compose up");
    let o = tuxpilot(dir.path(), &config)
        .args(["containers", "deploy", "--progress", "quiet", "--file"])
        .arg(&app_file)
        .output()
        .unwrap();
    blocked(&o, "containers deploy");
    assert_eq!(made(&name), "", "the CLI created something");

    // Chat, offline, with --yes: the same refusal, the same exit code.
    let o = tuxpilot(dir.path(), &config).args(["chat", "--offline", "--yes", "compose up"]).output().unwrap();
    blocked(&o, "chat compose up");
    let o = tuxpilot(dir.path(), &config)
        .args(["chat", "--offline", "--yes", &format!("deploy {}", app_file.display())])
        .output()
        .unwrap();
    blocked(&o, "chat deploy");
    assert_eq!(made(&name), "", "chat created something");

    // MCP, through a real client: a tool error that names the block.
    let dir_s = dir.path().display().to_string();
    for (tool, args) in [
        ("compose_up", serde_json::json!({"path": dir_s})),
        ("deploy", serde_json::json!({"file": app_file.display().to_string()})),
    ] {
        let Some(r) = mcp_common::call(&config, dir.path(), None, tool, args) else { return };
        assert_eq!(r["error"], true, "{tool}: {r}");
        assert!(r["text"].as_str().unwrap().contains(&format!("image {TEST_IMAGE} blocked")), "{tool}: {r}");
    }
    assert_eq!(made(&name), "", "MCP created something");
}

/// A rollback restores images that ran before: the gate never blocks it, and the result names
/// an image it would block now. A scale that adds replicas is gated (exit 10, nothing added).
#[tokio::test]
async fn rollbacks_pass_the_gate_with_a_warning_and_scale_ups_do_not() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let dir = tempfile::tempdir().unwrap();
    let name = unique_name("gate-rb");
    cleanup.containers_labelled(&format!("io.tuxpilot.app={name}"));
    let off = dir.path().join("off.toml");
    std::fs::write(&off, "").unwrap();
    let on = dir.path().join("on.toml");
    std::fs::write(&on, "[containers.security]\nscan_images = true\nfail_on = \"medium\"\n").unwrap();
    struct Undeploy(String, std::path::PathBuf);
    impl Drop for Undeploy {
        fn drop(&mut self) {
            let _ = tuxpilot(&self.1, Path::new("/dev/null"))
                .args(["containers", "undeploy", &self.0, "--progress", "quiet"])
                .output();
        }
    }
    let _undeploy = Undeploy(name.clone(), dir.path().to_path_buf());
    for (version, mark) in [("1", "one"), ("2", "two")] {
        let file = dir.path().join(format!("v{version}.yaml"));
        std::fs::write(
            &file,
            format!(
                "name: {name}\nversion: \"{version}\"\ncontainers:\n  app:\n    image: {TEST_IMAGE}\n    environment: {{MARK: {mark}}}\n    command: [sleep, '600']\n"
            ),
        )
        .unwrap();
        let o = tuxpilot(dir.path(), &off)
            .args(["containers", "deploy", "--progress", "quiet", "--file"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(o.status.success(), "deploy {version}: {}", text(&o));
    }
    let replicas = || docker(&["ps", "-q", "--filter", &format!("label=io.tuxpilot.app={name}")]).lines().count();
    assert_eq!(replicas(), 1);

    // With the gate on, adding replicas of the image is refused, and nothing is added.
    let o = tuxpilot(dir.path(), &on)
        .args(["containers", "scale", &format!("{name}/app"), "--replicas", "2", "--progress", "quiet"])
        .output()
        .unwrap();
    blocked(&o, "scale");
    assert_eq!(replicas(), 1);

    // Going back to version 1 is not blocked; the result says what the gate thinks now.
    let o = tuxpilot(dir.path(), &on)
        .args(["--format", "json", "containers", "rollback", &name, "--to", "1", "--progress", "quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["version"], "1", "{r}");
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("restored although the security gate would block it now") && notes.contains("CIS-4.1"),
        "{r}"
    );
}

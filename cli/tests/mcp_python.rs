//! `tuxpilot mcp` through PyPI's `mcp` SDK (the official Python MCP client) over stdio, as
//! Claude Desktop, VS Code or Cursor start it. scripts/dev-engine.sh installs the SDK.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::Value;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_required, engine, unique_name};

fn python_mcp() -> bool {
    let ok = Command::new("python3").args(["-c", "import mcp.client.stdio"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !docker_required(),
            "TUXPILOT_REQUIRE_DOCKER=1 but the python mcp SDK is missing; run scripts/dev-engine.sh"
        );
        eprintln!("skipping: the python mcp SDK is missing (python3 -m pip install mcp)");
    }
    ok
}

fn run(container: &str, read_only: bool) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/client.py");
    let mut c = Command::new("python3");
    c.args([script, env!("CARGO_BIN_EXE_tuxpilot"), container]);
    if read_only {
        c.arg("--read-only");
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test]
async fn the_python_mcp_sdk_lists_and_calls_tuxpilot_tools() {
    let Some(_engine) = engine().await else { return };
    if !python_mcp() {
        return;
    }
    let cleanup = Cleanup::new();
    let name = unique_name("mcp-py");
    cleanup.container(&name);
    let out = Command::new("docker")
        .args([
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            TEST_LABEL,
            TEST_IMAGE,
            "sh",
            "-c",
            "echo ready for mcp; trap 'exit 0' TERM; while :; do sleep 1; done",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::thread::sleep(std::time::Duration::from_millis(300));

    let v = run(&name, false);
    assert_eq!(v["server"], "tuxpilot");
    assert_eq!(v["tools"]["list"]["readOnlyHint"], true, "{v}");
    // Every tool that can remove or recreate containers or replicas says so.
    for tool in ["stop", "remove", "scale", "rollback", "deploy", "compose_up", "compose_down", "prune"] {
        assert_eq!(v["tools"][tool]["destructiveHint"], true, "{tool}: {v}");
    }
    assert_eq!(v["tools"]["deployments"]["readOnlyHint"], true, "{v}");
    assert_eq!(v["tools"]["start"]["destructiveHint"], false, "{v}");
    assert_eq!(v["list"]["error"], false);
    assert!(v["list"]["text"].as_str().unwrap().contains(&name), "{v}");
    assert!(v["logs"]["text"].as_str().unwrap().contains("ready for mcp"), "{v}");
    assert_eq!(v["bad"]["error"], true);
    assert!(v["bad"]["text"].as_str().unwrap().contains("replicas"), "{v}");

    let v = run(&name, true);
    let tools: Vec<&String> = v["tools"].as_object().unwrap().keys().collect();
    assert!(!tools.iter().any(|t| ["stop", "remove", "deploy", "scale"].contains(&t.as_str())), "{tools:?}");
    // Scale is not offered read-only: the call is an error, not a change.
    assert_eq!(v["bad"]["error"], true);
    assert!(v["bad"]["text"].as_str().unwrap().contains("read-only"), "{v}");
}

//! One tool call through PyPI's MCP client (the official Python SDK) against `tuxpilot mcp`, for
//! the tests that check what MCP does on the real engine.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Calls `tool` with `arguments` through `cli/tests/mcp/call.py`, the server started with config
/// file `config` in `workdir` (and `DOCKER_HOST` = `host` when given). `None`, after saying so,
/// when the SDK is missing and the engine is not required.
pub fn call(config: &Path, workdir: &Path, host: Option<&str>, tool: &str, arguments: Value) -> Option<Value> {
    let sdk =
        Command::new("python3").args(["-c", "import mcp.client.stdio"]).output().is_ok_and(|o| o.status.success());
    if !sdk {
        assert!(!tuxpilot_tests::docker_required(), "the python mcp SDK is missing; run scripts/dev-engine.sh");
        eprintln!("skipping the MCP part: the python mcp SDK is missing");
        return None;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/call.py");
    let mut c = Command::new("python3");
    if let Some(h) = host {
        c.env("DOCKER_HOST", h);
    }
    let out = c
        .args([script, env!("CARGO_BIN_EXE_tuxpilot")])
        .arg(config)
        .arg(workdir)
        .args([tool, &arguments.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "client failed: {}", tuxpilot_tests::output_text(&out));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

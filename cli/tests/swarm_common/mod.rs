//! What the Swarm CLI tests share: the manager's address, the CLI pointed at it, and the
//! deployments listing.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;
use tuxpilot_tests::output_text;

/// The manager of scripts/dev-swarm.sh's swarm.
pub fn host() -> String {
    std::env::var("TUXPILOT_SWARM_HOST").unwrap()
}

/// Node `i`'s engine: scripts/dev-swarm.sh puts its socket at /run/tuxpilot-swarm/I/.
pub fn node_host(i: &str) -> String {
    host().replace("/1/", &format!("/{i}/"))
}

/// The CLI on the manager, with no config file.
pub fn tuxpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").args(["-H", &host()]);
    c
}

/// stdout as JSON.
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", output_text(o)))
}

/// `containers deployments --backend swarm`'s entry of `name` (null when absent).
pub fn deployment(name: &str) -> Value {
    let o = tuxpilot().args(["--format", "json", "containers", "deployments", "--backend", "swarm"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    json(&o).as_array().unwrap().iter().find(|d| d["name"] == name).cloned().unwrap_or(Value::Null)
}

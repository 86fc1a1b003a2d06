//! `tuxpilot engine nodes` on the 3-node swarm of scripts/dev-swarm.sh: list, drain, activate;
//! and the error on an engine that is not in a swarm.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::Value;
use tuxpilot_tests::{engine, output_text, swarm};

fn tuxpilot(host: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").args(["-H", host]);
    c
}

fn nodes(host: &str) -> Vec<Value> {
    let o = tuxpilot(host).args(["--format", "json", "engine", "nodes"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    serde_json::from_slice::<Value>(&o.stdout).unwrap().as_array().unwrap().clone()
}

#[tokio::test]
async fn nodes_are_listed_drained_and_activated() {
    let Some(_swarm) = swarm().await else { return };
    let host = std::env::var("TUXPILOT_SWARM_HOST").unwrap();
    let list = nodes(&host);
    assert!(list.len() >= 2, "{list:?}");
    assert_eq!(list.iter().filter(|n| n["leader"] == true).count(), 1);
    assert!(
        list.iter().all(|n| n["state"] == "ready" && n["availability"] == "active" && n["running_tasks"].is_number())
    );
    let worker = list.iter().find(|n| n["role"] == "worker").unwrap()["hostname"].as_str().unwrap().to_string();

    // A restore even when an assertion fails.
    struct Activate(String, String);
    impl Drop for Activate {
        fn drop(&mut self) {
            let _ = tuxpilot(&self.0).args(["engine", "nodes", "activate", &self.1]).output();
        }
    }
    let _restore = Activate(host.clone(), worker.clone());

    let o = tuxpilot(&host).args(["engine", "nodes", "drain", &worker]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(": drain"), "{}", output_text(&o));
    let drained = nodes(&host).into_iter().find(|n| n["hostname"] == worker.as_str()).unwrap();
    assert_eq!(drained["availability"], "drain");

    let o = tuxpilot(&host).args(["--format", "json", "engine", "nodes", "activate", &worker]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["availability"], "active");

    // The human table.
    let o = tuxpilot(&host).args(["engine", "nodes", "ls"]).output().unwrap();
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("HOSTNAME") && table.contains("leader") && table.contains(&worker), "{table}");

    let o = tuxpilot(&host).args(["engine", "nodes", "drain", "no-such-node"]).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", output_text(&o));
}

#[tokio::test]
async fn an_engine_outside_a_swarm_says_so() {
    let Some(_engine) = engine().await else { return };
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let o = tuxpilot(&host).args(["engine", "nodes"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not in a swarm"), "{}", output_text(&o));
}

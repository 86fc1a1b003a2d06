//! A deployment on the 3-node swarm of scripts/dev-swarm.sh losing a node: its replicas are
//! rescheduled on the others and `containers deployments` shows the app degraded, then running;
//! and a drained node is emptied. Alone in its test binary: it stops a node of the shared swarm.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
mod swarm_common;

use swarm_common::{deployment, json, tuxpilot};
use tuxpilot_tests::{TEST_IMAGE, output_text, swarm, unique_name};

fn script(args: &[&str]) -> Output {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/dev-swarm.sh");
    Command::new("bash").arg(root).args(args).output().expect("bash")
}

fn web_nodes(d: &Value) -> Vec<String> {
    d["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["service"] == "web"))
        .and_then(|w| w["nodes"].as_array())
        .map(|n| n.iter().filter_map(|n| n.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Polls `deployments` until `done` holds, up to `limit`, returning every status seen.
fn watch(name: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> (Vec<String>, Value) {
    let start = Instant::now();
    let mut seen: Vec<String> = Vec::new();
    loop {
        let d = deployment(name);
        let s = d["status"].as_str().unwrap_or("").to_string();
        if seen.last() != Some(&s) {
            seen.push(s);
        }
        if done(&d) {
            return (seen, d);
        }
        assert!(start.elapsed() < limit, "gave up after {limit:?}; statuses seen {seen:?}; last {d}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

struct Cleanup {
    app: String,
    node: Option<String>,
    drained: Option<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(i) = &self.node {
            let _ = script(&["node-start", i]);
        }
        if let Some(h) = &self.drained {
            let _ = tuxpilot().args(["engine", "nodes", "activate", h]).output();
        }
        let _ = tuxpilot()
            .args(["containers", "undeploy", &self.app, "--backend", "swarm", "--progress", "quiet"])
            .output();
    }
}

#[tokio::test]
async fn a_lost_node_degrades_the_app_until_its_replicas_run_elsewhere_and_a_drained_node_empties() {
    let Some(_swarm) = swarm().await else { return };
    let name = unique_name("swl");
    let mut cleanup = Cleanup { app: name.clone(), node: None, drained: None };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.yaml");
    std::fs::write(
        &file,
        format!(
            r#"
name: {name}
containers:
  web:
    image: {TEST_IMAGE}
    replicas: 3
    command: ["sh", "-c", "trap 'exit 0' TERM; touch /tmp/ready; while :; do sleep 1; done"]
    endpoint_mode: dnsrr
    health_check: {{test: ["test", "-f", "/tmp/ready"], interval: 2s, retries: 2}}
    placement: {{max_replicas_per_node: 2}}
"#
        ),
    )
    .unwrap();
    let o = tuxpilot()
        .args(["--format", "json", "containers", "deploy", "-f"])
        .arg(&file)
        .args(["--backend", "swarm", "--progress", "quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));

    // A worker (never the manager) that runs a replica.
    let d = deployment(&name);
    let lost = web_nodes(&d).into_iter().find(|h| h != "tpsw-node1").expect("a replica on a worker");
    let index = lost.trim_start_matches("tpsw-node").to_string();
    cleanup.node = Some(index.clone());
    let o = script(&["node-stop", &index]);
    assert!(o.status.success(), "{}", output_text(&o));

    // Degraded while its replica is missing, then running again on the other nodes.
    let (seen, d) = watch(&name, Duration::from_secs(120), |d| {
        d["status"] == "running" && web_nodes(d).len() == 3 && !web_nodes(d).contains(&lost)
    });
    assert!(seen.contains(&"degraded".to_string()), "never degraded: {seen:?}; {d}");
    assert_eq!(seen.last().map(String::as_str), Some("running"), "{seen:?}");

    let o = script(&["node-start", &index]);
    assert!(o.status.success(), "{}", output_text(&o));
    cleanup.node = None;
    let start = Instant::now();
    loop {
        let o = tuxpilot().args(["--format", "json", "engine", "nodes"]).output().unwrap();
        if o.status.success() && json(&o).as_array().unwrap().iter().all(|n| n["state"] == "ready") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "node {lost} did not come back: {}", output_text(&o));
        std::thread::sleep(Duration::from_millis(500));
    }

    // Drain a node with a replica: it is emptied, and the app keeps 3 replicas elsewhere.
    let d = deployment(&name);
    let drained = web_nodes(&d).into_iter().find(|h| h != "tpsw-node1").expect("a replica on a worker");
    cleanup.drained = Some(drained.clone());
    let o = tuxpilot().args(["engine", "nodes", "drain", &drained]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let (_, d) = watch(&name, Duration::from_secs(60), |d| {
        d["status"] == "running" && web_nodes(d).len() == 3 && !web_nodes(d).contains(&drained)
    });
    assert!(!web_nodes(&d).contains(&drained), "{d}");
}

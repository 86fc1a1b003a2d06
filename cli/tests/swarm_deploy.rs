//! `tuxpilot containers deploy --backend swarm` and friends on the 3-node swarm of
//! scripts/dev-swarm.sh: spread across nodes in depends_on order, scale 3→5→1, a healthy update,
//! an unhealthy one rolled back by itself, rollback --to two versions back, a task that cannot
//! be scheduled, and `docker stack` both ways.
//!
//! There is no IPVS in this kernel, so the services use `endpoint_mode: dnsrr`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
mod swarm_common;

use swarm_common::{deployment, host, json, node_host, tuxpilot};
use tuxpilot_tests::{TEST_IMAGE, output_text, swarm, unique_name};

fn docker(args: &[&str]) -> Output {
    Command::new("docker").env("DOCKER_HOST", host()).args(args).output().expect("docker CLI")
}

fn docker_out(args: &[&str]) -> String {
    String::from_utf8_lossy(&docker(args).stdout).trim().to_string()
}

/// Removes the stack however the test ends.
struct Stack(String);

impl Drop for Stack {
    fn drop(&mut self) {
        let _ =
            tuxpilot().args(["containers", "undeploy", &self.0, "--backend", "swarm", "--progress", "quiet"]).output();
        let _ = docker(&["stack", "rm", &self.0]);
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// db (health-checked) and web (3 replicas, at most 2 a node, after db).
fn app(name: &str, version: &str, mark: &str, db_check: &str) -> String {
    format!(
        r#"
name: {name}
version: "{version}"
containers:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; touch /tmp/ready; while :; do sleep 1; done"]
    stop_grace_period: 2s
    endpoint_mode: dnsrr
    health_check: {{test: ["test", "-f", "{db_check}"], interval: 1s, retries: 2}}
  web:
    image: {TEST_IMAGE}
    replicas: 3
    depends_on: [db]
    environment: {{MARK: "{mark}"}}
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    stop_grace_period: 2s
    endpoint_mode: dnsrr
    placement: {{max_replicas_per_node: 2}}
"#
    )
}

fn deploy(file: &Path, extra: &[&str]) -> Output {
    let mut c = tuxpilot();
    c.args(["--format", "json", "containers", "deploy", "-f"]).arg(file).args([
        "--backend",
        "swarm",
        "--progress",
        "quiet",
    ]);
    c.args(extra).output().unwrap()
}

fn time_of(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("time {s:?}: {e}"))
}

fn env_of(service: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(&docker_out(&["service", "inspect", service])).unwrap();
    v[0]["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn deploys_across_nodes_in_order_scales_and_docker_stack_sees_it() {
    let Some(_swarm) = swarm().await else { return };
    let name = unique_name("swd");
    let _stack = Stack(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let with_secret = app(&name, "1", "one", "/tmp/ready").replacen("  db:\n", "  db:\n    secrets: [token]\n", 1)
        + "secrets: {token: {file: ./token.txt}}\n";
    let file = write(dir.path(), "app.yaml", &with_secret);
    write(dir.path(), "token.txt", "s3cret\n");

    let o = deploy(&file, &[]);
    assert!(o.status.success(), "{}", output_text(&o));
    let r = json(&o);
    assert_eq!(r["status"], "success", "{r}");
    let web_nodes: BTreeSet<&str> = r["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["service"] == "web")
        .map(|c| c["node"].as_str().unwrap())
        .collect();
    assert!(web_nodes.len() >= 2, "3 replicas at most 2 a node must use 2 nodes: {r}");

    // depends_on: web was created only after db's task ran healthy.
    let db_task = docker_out(&["service", "ps", "-q", "--filter", "desired-state=running", &format!("{name}_db")]);
    let task: Value = serde_json::from_str(&docker_out(&["inspect", db_task.lines().next().unwrap()])).unwrap();
    let db_running = time_of(task[0]["Status"]["Timestamp"].as_str().unwrap());
    // The secret `<app>_token` is in db's container, read on the node it runs on.
    let node_id = task[0]["NodeID"].as_str().unwrap();
    let node: Value = serde_json::from_str(&docker_out(&["node", "inspect", node_id])).unwrap();
    let index = node[0]["Description"]["Hostname"].as_str().unwrap().trim_start_matches("tpsw-node").to_string();
    let node_host = node_host(&index);
    let container = task[0]["Status"]["ContainerStatus"]["ContainerID"].as_str().unwrap();
    let o = Command::new("docker")
        .env("DOCKER_HOST", &node_host)
        .args(["exec", container, "cat", "/run/secrets/token"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "s3cret\n", "{}", output_text(&o));
    assert!(!docker_out(&["secret", "ls", "-q", "--filter", &format!("name={name}_token")]).is_empty());
    let web: Value = serde_json::from_str(&docker_out(&["service", "inspect", &format!("{name}_web")])).unwrap();
    let web_created = time_of(web[0]["CreatedAt"].as_str().unwrap());
    assert!(web_created > db_running, "web created {web_created} before db ran {db_running}");

    // docker stack sees our stack, named and labelled as its own.
    assert!(docker_out(&["stack", "ls"]).lines().any(|l| l.split_whitespace().next() == Some(name.as_str())));
    let services = docker_out(&["stack", "services", &name, "--format", "{{.Name}} {{.Replicas}}"]);
    assert!(services.contains(&format!("{name}_db 1/1")), "{services}");
    assert!(services.contains(&format!("{name}_web 3/3")), "{services}");
    let ps = docker_out(&["stack", "ps", &name, "--filter", "desired-state=running", "--format", "{{.Name}}"]);
    assert_eq!(ps.lines().count(), 4, "{ps}");
    let net: Value = serde_json::from_str(&docker_out(&["network", "inspect", &format!("{name}_default")])).unwrap();
    assert_eq!(net[0]["Driver"], "overlay");
    assert_eq!(net[0]["Attachable"], true);
    assert_eq!(net[0]["Labels"]["com.docker.stack.namespace"], name.as_str());
    assert_eq!(web[0]["Spec"]["Labels"]["com.docker.stack.image"], TEST_IMAGE);
    let aliases = &web[0]["Spec"]["TaskTemplate"]["Networks"][0]["Aliases"];
    assert_eq!(aliases[0], "web", "{aliases}");

    // deployments: each replica's node.
    let d = deployment(&name);
    assert_eq!(d["status"], "running", "{d}");
    let w = d["services"].as_array().unwrap().iter().find(|s| s["service"] == "web").unwrap();
    assert_eq!(w["nodes"].as_array().unwrap().len(), 3, "{d}");

    // Scale 3 → 5 → 1 through service updates.
    for n in [5u64, 1] {
        let o = tuxpilot()
            .args(["--format", "json", "containers", "scale", &format!("{name}/web"), "--replicas", &n.to_string()])
            .args(["--progress", "quiet"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", output_text(&o));
        let r = json(&o);
        assert_eq!(r["current_replicas"], n, "{r}");
        let running = docker_out(&["service", "ps", "-q", "--filter", "desired-state=running", &format!("{name}_web")]);
        assert_eq!(running.lines().count() as u64, n);
    }
    let d = deployment(&name);
    let w = d["services"].as_array().unwrap().iter().find(|s| s["service"] == "web").unwrap().clone();
    assert_eq!((w["running"].as_u64(), w["desired"].as_u64()), (Some(1), Some(1)), "{d}");

    // A redeploy of the same file changes nothing and keeps the scale.
    let o = deploy(&file, &[]);
    assert!(o.status.success(), "{}", output_text(&o));
    assert_eq!(json(&o)["changes"], serde_json::json!({}), "{}", output_text(&o));

    // undeploy: nothing of the stack is left.
    let o = tuxpilot().args(["containers", "undeploy", &name, "--progress", "quiet"]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(!docker_out(&["stack", "ls"]).contains(&name));
    assert!(
        docker_out(&["network", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={name}")])
            .is_empty()
    );
    assert!(
        docker_out(&["config", "ls", "-q", "--filter", &format!("label=io.tuxpilot.history.app={name}")]).is_empty()
    );
}

#[tokio::test]
async fn a_failed_update_rolls_back_and_rollback_to_goes_two_versions_back() {
    let Some(_swarm) = swarm().await else { return };
    let name = unique_name("swu");
    let _stack = Stack(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let web = format!("{name}_web");
    let db = format!("{name}_db");

    let v1 = write(dir.path(), "v1.yaml", &app(&name, "1", "one", "/tmp/ready"));
    let o = deploy(&v1, &[]);
    assert!(o.status.success(), "{}", output_text(&o));

    // A healthy update: web only.
    let v2 = write(dir.path(), "v2.yaml", &app(&name, "2", "two", "/tmp/ready"));
    let o = deploy(&v2, &[]);
    assert!(o.status.success(), "{}", output_text(&o));
    let r = json(&o);
    assert_eq!(r["changes"], serde_json::json!({"web": "update"}), "{r}");
    let u: Value = serde_json::from_str(&docker_out(&["service", "inspect", &web])).unwrap();
    assert_eq!(u[0]["UpdateStatus"]["State"], "completed");
    assert_eq!(u[0]["Spec"]["UpdateConfig"]["Order"], "start-first");
    assert_eq!(u[0]["Spec"]["UpdateConfig"]["FailureAction"], "rollback");
    assert!(env_of(&web).contains(&"MARK=two".to_string()));

    // An update whose new db never turns healthy: Swarm rolls it back, we say so, exit 8.
    let v3 = write(dir.path(), "v3.yaml", &app(&name, "3", "three", "/tmp/never"));
    let o = deploy(&v3, &[]);
    assert_eq!(o.status.code(), Some(8), "{}", output_text(&o));
    let r = json(&o);
    assert_eq!(r["status"], "rolled_back", "{r}");
    assert_eq!(r["version"], "2");
    assert!(r["failure"]["reason"].as_str().unwrap().contains("rolled it back"), "{r}");
    let u: Value = serde_json::from_str(&docker_out(&["service", "inspect", &db])).unwrap();
    assert_eq!(u[0]["UpdateStatus"]["State"], "rollback_completed");
    // The monitor window covers the health check (start_period 0 + 1s × 2 retries < 5s default).
    assert!(u[0]["Spec"]["UpdateConfig"]["Monitor"].as_u64().unwrap() >= 2_000_000_000);
    // web went back to version 2 as well.
    assert!(env_of(&web).contains(&"MARK=two".to_string()));

    // Two versions back: Swarm keeps one; our history keeps them all.
    let o = tuxpilot()
        .args(["--format", "json", "containers", "rollback", &name, "--to", "1", "--progress", "quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    assert_eq!(json(&o)["version"], "1");
    assert!(env_of(&web).contains(&"MARK=one".to_string()));

    let o = tuxpilot().args(["--format", "json", "containers", "history", &name]).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let outcomes: Vec<String> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r["version"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, ["1 success", "2 success", "3 rolled_back", "1 success"]);
    // The versions are Swarm configs.
    let configs = docker_out(&[
        "config",
        "ls",
        "--format",
        "{{.Name}}",
        "--filter",
        &format!("label=io.tuxpilot.history.app={name}"),
    ]);
    assert_eq!(configs.lines().count(), 4, "{configs}");
}

#[tokio::test]
async fn a_task_that_cannot_be_scheduled_fails_the_deploy_in_time_and_leaves_nothing() {
    let Some(_swarm) = swarm().await else { return };
    let name = unique_name("swn");
    let _stack = Stack(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "app.yaml",
        &format!(
            "name: {name}\ncontainers:\n  a:\n    image: {TEST_IMAGE}\n    command: [sleep, \"600\"]\n    placement:\n      constraints: [\"node.labels.zone == nowhere\"]\n"
        ),
    );
    let o = deploy(&file, &["--health-check-timeout", "3s"]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    let r = json(&o);
    assert_eq!(r["status"], "failed", "{r}");
    let reason = r["failure"]["reason"].as_str().unwrap();
    assert!(reason.contains("no suitable node"), "{reason}");
    assert!(
        docker_out(&["service", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={name}")])
            .is_empty()
    );
    assert!(
        docker_out(&["network", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={name}")])
            .is_empty()
    );

    // An image no node has: Swarm rejects the task again and again; we stop and say why.
    let file = write(
        dir.path(),
        "missing.yaml",
        &format!(
            "name: {name}\ncontainers:\n  a:\n    image: tuxpilot-test/no-such-image:1\n    command: [sleep, \"600\"]\n"
        ),
    );
    let o = deploy(&file, &["--health-check-timeout", "3s"]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    let reason = json(&o)["failure"]["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("No such image: tuxpilot-test/no-such-image:1"), "{reason}");
    assert!(
        docker_out(&["service", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={name}")])
            .is_empty()
    );
}

#[tokio::test]
async fn docker_stack_and_tuxpilot_take_over_each_others_stacks() {
    let Some(_swarm) = swarm().await else { return };
    let name = unique_name("sws");
    let _stack = Stack(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let compose = write(
        dir.path(),
        "compose.yaml",
        &format!(
            "version: \"3.8\"\nservices:\n  api:\n    image: {TEST_IMAGE}\n    command: [sleep, \"600\"]\n    deploy:\n      replicas: 2\n      endpoint_mode: dnsrr\n    configs: [settings]\nconfigs:\n  settings:\n    file: ./settings.txt\n"
        ),
    );
    write(dir.path(), "settings.txt", "a=1\n");

    // docker stack made it; we take it over.
    let o = docker(&["stack", "deploy", "--detach=false", "-c", compose.to_str().unwrap(), &name]);
    assert!(o.status.success(), "{}", output_text(&o));
    let o = deploy(&compose, &["--name", &name]);
    assert!(o.status.success(), "{}", output_text(&o));
    let s: Value = serde_json::from_str(&docker_out(&["service", "inspect", &format!("{name}_api")])).unwrap();
    assert_eq!(s[0]["Spec"]["Labels"]["io.tuxpilot.app"], name.as_str());
    assert_eq!(s[0]["Spec"]["Mode"]["Replicated"]["Replicas"], 2);
    assert_eq!(s[0]["Spec"]["TaskTemplate"]["ContainerSpec"]["Configs"][0]["ConfigName"], format!("{name}_settings"));
    let services = docker_out(&["stack", "services", &name, "--format", "{{.Name}} {{.Replicas}}"]);
    assert_eq!(services, format!("{name}_api 2/2"));

    // docker stack rm removes what we deployed.
    let o = docker(&["stack", "rm", &name]);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(
        docker_out(&["service", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={name}")])
            .is_empty()
    );
    assert!(
        docker_out(&["config", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={name}")]).is_empty()
    );
}

#[tokio::test]
async fn undeploy_volumes_removes_them_on_every_node() {
    let Some(_swarm) = swarm().await else { return };
    let name = unique_name("swv");
    let _stack = Stack(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "app.yaml",
        &format!(
            "name: {name}\nvolumes: [data]\ncontainers:\n  a:\n    image: {TEST_IMAGE}\n    replicas: 3\n    command: [sh, -c, \"trap 'exit 0' TERM; while :; do sleep 1; done\"]\n    volumes: [\"data:/data\"]\n    endpoint_mode: dnsrr\n    placement: {{max_replicas_per_node: 1}}\n"
        ),
    );
    let o = deploy(&file, &[]);
    assert!(o.status.success(), "{}", output_text(&o));
    // Node I's engine: scripts/dev-swarm.sh puts its socket at /run/tuxpilot-swarm/I/.
    let nodes: Vec<String> = (2..=3).map(|i| node_host(&i.to_string())).collect();
    let volume = format!("{name}_data");
    let on = |h: &str| {
        let o = Command::new("docker").env("DOCKER_HOST", h).args(["volume", "ls", "-q"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).lines().any(|l| l == volume)
    };
    assert!(on(&host()) && nodes.iter().all(|h| on(h)), "every node made the volume");

    let mut c = tuxpilot();
    c.args(["--format", "json", "containers", "undeploy", &name, "--volumes", "--progress", "quiet"]);
    for h in &nodes {
        c.args(["--node-host", h]);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let r = json(&o);
    assert_eq!(r["volumes"], 3, "{r}");
    assert!(r.get("left").is_none(), "{r}");
    assert!(!on(&host()) && nodes.iter().all(|h| !on(h)), "a volume is left");
}

/// VIP and the ingress routing mesh need IPVS: where the kernel has it, a service is reached by
/// its virtual IP from an attachable container on the stack's network.
#[tokio::test]
async fn a_vip_service_answers_by_name_where_the_kernel_has_ipvs() {
    let Some(_swarm) = swarm().await else { return };
    if !Path::new("/proc/net/ip_vs").exists() {
        eprintln!(
            "skipping VIP test: this kernel has no IPVS (/proc/net/ip_vs is missing), so VIP and the ingress mesh cannot carry traffic; it runs where the kernel has it"
        );
        return;
    }
    let name = unique_name("swp");
    let _stack = Stack(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "app.yaml",
        &format!(
            "name: {name}\ncontainers:\n  web:\n    image: {TEST_IMAGE}\n    replicas: 2\n    command: [sh, -c, \"mkdir -p /www; echo vip > /www/index.html; exec httpd -f -p 80 -h /www\"]\n"
        ),
    );
    let o = deploy(&file, &[]);
    assert!(o.status.success(), "{}", output_text(&o));
    let o = docker(&[
        "run",
        "--rm",
        "--network",
        &format!("{name}_default"),
        TEST_IMAGE,
        "wget",
        "-q",
        "-O",
        "-",
        "http://web/",
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "vip", "{}", output_text(&o));
}

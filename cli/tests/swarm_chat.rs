//! Chat and MCP act on an app deployed on the swarm where it runs, as the CLI does: a scale is a
//! service update on the swarm, a rollback restores the version on the swarm, a diagnosis reads
//! the service's tasks (scripts/dev-swarm.sh's 3-node swarm).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
mod mcp_common;
mod swarm_common;

use swarm_common::{host, json, tuxpilot};
use tuxpilot_tests::{TEST_IMAGE, output_text, swarm, unique_name};

fn docker_out(args: &[&str]) -> String {
    let o = Command::new("docker").env("DOCKER_HOST", host()).args(args).output().expect("docker CLI");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Removes the stack however the test ends.
struct Stack(String);

impl Drop for Stack {
    fn drop(&mut self) {
        let _ =
            tuxpilot().args(["containers", "undeploy", &self.0, "--backend", "swarm", "--progress", "quiet"]).output();
    }
}

fn app(dir: &Path, name: &str, version: &str, mark: &str) -> std::path::PathBuf {
    let p = dir.join(format!("v{version}.yaml"));
    let text = format!(
        "name: {name}\nversion: \"{version}\"\ncontainers:\n  web:\n    image: {TEST_IMAGE}\n    replicas: 2\n    environment: {{MARK: \"{mark}\"}}\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while :; do sleep 1; done\"]\n    stop_grace_period: 2s\n    endpoint_mode: dnsrr\n"
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn chat(request: &str) -> Output {
    tuxpilot().args(["--format", "json", "chat", "--offline", "--yes", request]).output().unwrap()
}

fn replicas(service: &str) -> String {
    docker_out(&["service", "inspect", "--format", "{{.Spec.Mode.Replicated.Replicas}}", service])
}

fn env_of(service: &str) -> String {
    docker_out(&["service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}", service])
}

fn mcp(tool: &str, arguments: Value) -> Option<Value> {
    mcp_common::call(Path::new("/dev/null"), Path::new("/"), Some(&host()), tool, arguments)
}

#[tokio::test]
async fn chat_and_mcp_scale_roll_back_and_diagnose_an_app_on_the_swarm() {
    let Some(_swarm) = swarm().await else { return };
    let name = unique_name("swc");
    let _stack = Stack(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let web = format!("{name}_web");
    for (v, mark) in [("1", "one"), ("2", "two")] {
        let o = tuxpilot()
            .args(["--format", "json", "containers", "deploy", "--backend", "swarm", "--progress", "quiet", "-f"])
            .arg(app(dir.path(), &name, v, mark))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", output_text(&o));
    }
    assert_eq!(replicas(&web), "2");

    // Chat: a scale is a service update on the swarm (there is no local app of that name).
    let o = chat(&format!("scale {name}/web to 3"));
    assert!(o.status.success(), "{}", output_text(&o));
    let v = json(&o);
    assert_eq!((v["intent"].as_str(), v["executed"].as_bool()), (Some("scale"), Some(true)), "{v}");
    assert_eq!(v["data"]["current_replicas"], 3, "{v}");
    assert_eq!(replicas(&web), "3");

    // Chat: a diagnosis reads the service's tasks on the swarm.
    let o = chat(&format!("diagnose {web}"));
    assert!(o.status.success(), "{}", output_text(&o));
    let v = json(&o);
    assert_eq!(v["data"]["service"]["name"], web.as_str(), "{v}");
    assert_eq!(v["data"]["service"]["running"], 3, "{v}");
    assert!(v["reply"].as_str().unwrap().contains("on the swarm"), "{v}");

    // Chat: a rollback returns the swarm's services to version 1.
    let o = chat(&format!("roll back {name}"));
    assert!(o.status.success(), "{}", output_text(&o));
    let v = json(&o);
    assert_eq!(v["data"]["version"], "1", "{v}");
    assert!(env_of(&web).contains("MARK=one"), "{}", env_of(&web));

    // MCP, through a real client: the same three on the swarm.
    let Some(r) = mcp("scale", serde_json::json!({"service": format!("{name}/web"), "replicas": 1})) else { return };
    assert_eq!(r["error"], false, "{r}");
    assert_eq!(replicas(&web), "1");
    let r = mcp("rollback", serde_json::json!({"app": name, "to": "2"})).unwrap();
    assert_eq!(r["error"], false, "{r}");
    assert!(env_of(&web).contains("MARK=two"), "{}", env_of(&web));
    let r = mcp("diagnose", serde_json::json!({"target": web})).unwrap();
    assert_eq!(r["error"], false, "{r}");
    assert_eq!(r["data"]["data"]["service"]["app"], name.as_str(), "{r}");
}

//! The Swarm seam on a real multi-node swarm (scripts/dev-swarm.sh): nodes, a replicated
//! service spread over nodes, an update and the engine's one-level rollback, scale, logs, tasks,
//! a drained node emptied, secrets and configs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tuxpilot_docker::{
    EndpointMode, Filters, LogOptions, NodeAvailability, NodeRole, ServiceSpec, Swarm, SwarmFailureAction,
    SwarmUpdateConfig, SwarmUpdateOrder, TaskInfo,
};
use tuxpilot_tests::{TEST_IMAGE, TEST_LABEL, swarm, unique_name};

async fn running_tasks(s: &dyn Swarm, service: &str) -> Vec<TaskInfo> {
    let f = Filters::new().with("service", service).with("desired-state", "running");
    s.list_tasks(f).await.unwrap().into_iter().filter(|t| t.state == "running").collect()
}

async fn wait_until<F, Fut>(what: &str, secs: u64, mut ok: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !ok().await {
        assert!(start.elapsed() < Duration::from_secs(secs), "timed out after {secs} s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Removes the service even when the test fails.
struct RemoveService(String);

impl Drop for RemoveService {
    fn drop(&mut self) {
        let name = self.0.clone();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Some(s) = swarm().await {
                    let _ = s.remove_service(&name).await;
                    for n in s.list_nodes().await.unwrap_or_default() {
                        let _ = s.set_node_availability(&n.id, NodeAvailability::Active).await;
                    }
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn a_service_spreads_updates_rolls_back_scales_and_leaves_a_drained_node() {
    let Some(engine) = swarm().await else { return };
    let s: &dyn Swarm = &engine;
    let nodes = s.list_nodes().await.unwrap();
    assert!(nodes.len() >= 2, "a multi-node swarm is needed: {nodes:?}");
    assert!(nodes.iter().any(|n| n.role == NodeRole::Manager && n.leader));
    assert!(nodes.iter().all(|n| n.state == "ready"), "{nodes:?}");

    let name = unique_name("swarm");
    let _cleanup = RemoveService(name.clone());
    let mut spec = ServiceSpec::new(&name, TEST_IMAGE);
    spec.command = Some(vec![
        "sh".into(),
        "-c".into(),
        "echo hello from $$HOSTNAME; trap 'exit 0' TERM; while :; do sleep 1; done".into(),
    ]);
    spec.env = vec!["V=1".into()];
    spec.labels.insert(TEST_LABEL.into(), "1".into());
    spec.replicas = Some(3);
    spec.max_replicas_per_node = 1;
    spec.endpoint_mode = EndpointMode::Dnsrr;
    spec.stop_grace_period = Some(Duration::from_secs(2));
    spec.update_config = Some(SwarmUpdateConfig {
        parallelism: 1,
        delay: Duration::ZERO,
        failure_action: SwarmFailureAction::Rollback,
        monitor: Duration::from_secs(1),
        max_failure_ratio: 0.0,
        // Start-first would need a fourth slot: one task a node leaves none for the new task, and
        // Swarm waits for ever ("max replicas per node limit exceed").
        order: SwarmUpdateOrder::StopFirst,
    });
    let id = s.create_service(spec.clone()).await.unwrap();

    // Three replicas, at most one a node: on three nodes.
    wait_until("3 running tasks", 60, || async { running_tasks(s, &id).await.len() == 3 }).await;
    let tasks = running_tasks(s, &id).await;
    let mut on: Vec<&str> = tasks.iter().map(|t| t.node_id.as_str()).collect();
    on.sort();
    on.dedup();
    assert_eq!(on.len(), 3.min(nodes.len()), "spread over nodes: {tasks:?}");

    // The spec reads back as written.
    let info = s.inspect_service(&name).await.unwrap();
    assert_eq!(info.spec.replicas, Some(3));
    assert_eq!(info.spec.max_replicas_per_node, 1);
    assert_eq!(info.spec.endpoint_mode, EndpointMode::Dnsrr);
    assert_eq!(info.spec.update_config.as_ref().map(|u| u.order), Some(SwarmUpdateOrder::StopFirst));

    // An update: every task replaced; the state is `completed`.
    let mut v2 = info.spec.clone();
    v2.env = vec!["V=2".into()];
    s.update_service(&id, v2.clone()).await.unwrap();
    wait_until("the update to complete", 90, || async {
        s.inspect_service(&id).await.unwrap().update_status.is_some_and(|u| u.state == "completed")
    })
    .await;
    assert_eq!(s.inspect_service(&id).await.unwrap().spec.env, vec!["V=2".to_string()]);

    // The engine's own rollback: one level back.
    s.rollback_service(&id).await.unwrap();
    wait_until("the rollback to complete", 90, || async {
        s.inspect_service(&id).await.unwrap().update_status.is_some_and(|u| u.state == "rollback_completed")
    })
    .await;
    assert_eq!(s.inspect_service(&id).await.unwrap().spec.env, vec!["V=1".to_string()]);

    let rolled_back = s.inspect_service(&id).await.unwrap().spec;
    // Writers racing on one service: each reads the version, one wins, the others get "update
    // out of sequence" and retry with a fresh read. Every call succeeds.
    let id_ref = id.as_str();
    let writes = (0..4).map(|i| {
        let mut spec = rolled_back.clone();
        spec.labels.insert("race".into(), i.to_string());
        async move { s.update_service(id_ref, spec).await }
    });
    for r in futures_util::future::join_all(writes).await {
        r.unwrap();
    }
    assert!(s.inspect_service(&id).await.unwrap().spec.labels.contains_key("race"));
    // A label is not a task change: the tasks stay as they were.
    assert_eq!(s.inspect_service(&id).await.unwrap().spec.env, vec!["V=1".to_string()]);

    // Scale through an update.
    let mut scaled = s.inspect_service(&id).await.unwrap().spec;
    scaled.replicas = Some(2);
    s.update_service(&id, scaled).await.unwrap();
    wait_until("2 running tasks", 60, || async { running_tasks(s, &id).await.len() == 2 }).await;

    // Logs from every task.
    let mut logs = s.service_logs(&id, LogOptions { stdout: true, stderr: true, ..Default::default() });
    let mut text = String::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), logs.next()).await.ok().flatten() {
        text.push_str(&chunk.unwrap().message);
    }
    assert!(text.contains("hello from"), "{text}");

    // Drain a node that runs a task: it is emptied, the task runs elsewhere.
    let victim = running_tasks(s, &id).await[0].node_id.clone();
    s.set_node_availability(&victim, NodeAvailability::Drain).await.unwrap();
    assert_eq!(s.inspect_node(&victim).await.unwrap().availability, NodeAvailability::Drain);
    wait_until("the drained node to be emptied", 60, || async {
        let t = running_tasks(s, &id).await;
        t.len() == 2 && t.iter().all(|t| t.node_id != victim)
    })
    .await;
    s.set_node_availability(&victim, NodeAvailability::Active).await.unwrap();

    s.remove_service(&id).await.unwrap();
    assert!(s.list_services(Filters::new().with("name", &name)).await.unwrap().iter().all(|x| x.spec.name != name));
}

#[tokio::test]
async fn secrets_and_configs_are_created_listed_and_removed() {
    let Some(engine) = swarm().await else { return };
    let s: &dyn Swarm = &engine;
    let name = unique_name("swarm-obj");
    let labels: BTreeMap<String, String> = [(TEST_LABEL.to_string(), "1".to_string())].into();
    let secret = s.create_secret(&format!("{name}_pw"), labels.clone(), b"hunter2".to_vec()).await.unwrap();
    let config = s.create_config(&format!("{name}_conf"), labels.clone(), b"port = 80\n".to_vec()).await.unwrap();
    let secrets = s.list_secrets(Filters::new().with("name", format!("{name}_pw"))).await.unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0].id, secret);
    assert_eq!(secrets[0].data, None, "secret data is never read back");
    let configs = s.list_configs(Filters::new().with("name", format!("{name}_conf"))).await.unwrap();
    assert_eq!(configs[0].data.as_deref(), Some(&b"port = 80\n"[..]));
    assert_eq!(configs[0].labels, labels);
    s.remove_secret(&secret).await.unwrap();
    s.remove_config(&config).await.unwrap();
    assert!(s.list_secrets(Filters::new().with("name", format!("{name}_pw"))).await.unwrap().is_empty());
}

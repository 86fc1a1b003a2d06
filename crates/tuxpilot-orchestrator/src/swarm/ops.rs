//! Operations on apps deployed on a swarm: scale, the list of deployments, undeploy.

use std::sync::Arc;

use tuxpilot_docker::{Engine, Filters};

use super::converge::{self, Before, Converged};
use super::convert::NAMESPACE_LABEL;
use super::orchestrator::SwarmOrchestrator;
use crate::error::{Error, Result};
use crate::ops::{DeploymentSummary, ScalingResult, ServiceStatus, UndeployResult};

/// The engines of the swarm's nodes, by hostname, for what only a node's own engine can do:
/// removing the volumes its tasks made.
pub type SwarmNodeVolumes = Vec<(String, Arc<dyn Engine>)>;

impl SwarmOrchestrator {
    /// Sets `service` of `app` to `replicas` through a service update, and waits until that many
    /// run. Swarm's own previous spec is overwritten by a scale; TuxPilot's history is not, and
    /// a later deploy of a file with the same replica count keeps the scale.
    pub async fn scale(&self, app: &str, service: &str, replicas: u32) -> Result<ScalingResult> {
        self.manager().await?;
        let services = self.services_of(app).await?;
        let name = format!("{app}_{service}");
        let Some(info) = services.get(&name) else {
            let prefix = format!("{app}_");
            let known: Vec<&str> = services.keys().map(|n| n.strip_prefix(&prefix).unwrap_or(n)).collect();
            return Err(Error::NotFound(if known.is_empty() {
                format!("no app \"{app}\" on this swarm")
            } else {
                format!("app \"{app}\" has no service \"{service}\" (it has: {})", known.join(", "))
            }));
        };
        let Some(previous) = info.spec.replicas else {
            return Err(Error::Ambiguous(format!(
                "{name} is a global service (one replica per node); it cannot be scaled"
            )));
        };
        if u64::from(replicas) > previous {
            let image =
                info.spec.labels.get("com.docker.stack.image").cloned().unwrap_or_else(|| info.spec.image.clone());
            crate::gate::check(self.engine.as_ref(), &self.security, &[image], false, false).await?;
        }
        let guard = self.lock(app).await?;
        let r = async {
            let fresh = self.swarm.inspect_service(&info.id).await?;
            let mut spec = fresh.spec.clone();
            spec.replicas = Some(u64::from(replicas));
            self.event("Service", &name, "Scaling", Some(format!("{previous} -> {replicas}")));
            self.swarm.update_service(&info.id, spec).await?;
            let before = Before { update_status: fresh.update_status };
            converge::wait(
                self.swarm.as_ref(),
                &info.id,
                &name,
                Some(u64::from(replicas)),
                &before,
                self.config.health_check_timeout.0,
            )
            .await
            .map_err(Error::from)
        }
        .await;
        self.store.release(guard).await;
        let how = r?;
        let containers: Vec<_> = self.tasks_of(app).await?.into_iter().filter(|c| c.service == service).collect();
        let current = containers.iter().filter(|c| c.status == "running").count() as u32;
        let message = match &how {
            Converged::Done => None,
            Converged::RolledBack(f) | Converged::Paused(f) | Converged::Failed(f) => Some(f.to_string()),
        };
        Ok(ScalingResult {
            app: app.to_string(),
            service: service.to_string(),
            previous_replicas: u32::try_from(previous).unwrap_or(u32::MAX),
            requested_replicas: replicas,
            current_replicas: current,
            status: if message.is_none() && current == replicas {
                crate::result::ScaleStatus::Success
            } else {
                crate::result::ScaleStatus::Failed
            },
            containers,
            message,
        })
    }

    /// Every app on the swarm with a history: version, status (`degraded` while replicas are
    /// missing, a node's included), and for each service the node of each running replica.
    pub async fn deployments(&self) -> Result<Vec<DeploymentSummary>> {
        let records = self.store.records(None).await?;
        let mut out = Vec::new();
        for (app, latest, reference) in crate::records::latest_by_app(&records) {
            let services = self.services_of(&app).await?;
            let tasks = self.tasks_of_services(&app, &services).await?;
            let prefix = format!("{app}_");
            let mut list = Vec::new();
            for (name, s) in &services {
                let svc = name.strip_prefix(&prefix).unwrap_or(name).to_string();
                let mine: Vec<_> = tasks.iter().filter(|t| t.service == svc).collect();
                let running: Vec<_> = mine.iter().filter(|t| t.status == "running").collect();
                let desired = match s.spec.replicas {
                    Some(r) => u32::try_from(r).unwrap_or(u32::MAX),
                    None => u32::try_from(mine.len()).unwrap_or(u32::MAX),
                };
                let mut nodes: Vec<String> = running.iter().filter_map(|t| t.node.clone()).collect();
                nodes.sort();
                list.push(ServiceStatus {
                    service: svc,
                    running: u32::try_from(running.len()).unwrap_or(u32::MAX),
                    desired,
                    nodes,
                    unhealthy: 0,
                });
            }
            let status = crate::ops::summary_status(latest, &list);
            out.push(DeploymentSummary {
                name: app.clone(),
                version: reference.version.clone(),
                serving: crate::ops::serving(reference),
                health: crate::ops::summary_health(&list),
                status,
                last_deployment: latest.deployment_id.clone(),
                last_version: latest.version.clone(),
                updated_at: latest.started_at.to_rfc3339(),
                services: list,
            });
        }
        Ok(out)
    }

    /// Removes the app's services, then its networks, secrets and configs (everything labelled
    /// with its stack namespace), and its history. With `volumes`, its volumes too: on the
    /// manager, and on each node of `nodes` (a node's volumes are only reachable through its own
    /// engine); volumes that could not be removed are listed in the result.
    pub async fn undeploy(&self, app: &str, volumes: bool, nodes: &SwarmNodeVolumes) -> Result<UndeployResult> {
        self.manager().await?;
        let services = self.services_of(app).await?;
        let records = self.store.records(Some(app)).await?.len();
        if services.is_empty() && records == 0 {
            return Err(Error::NotFound(format!("no app \"{app}\" on this swarm")));
        }
        let guard = self.lock(app).await?;
        let r = self.undeploy_locked(app, volumes, nodes, &services.keys().cloned().collect::<Vec<_>>()).await;
        self.store.release(guard).await;
        r
    }

    async fn undeploy_locked(
        &self,
        app: &str,
        volumes: bool,
        nodes: &SwarmNodeVolumes,
        services: &[String],
    ) -> Result<UndeployResult> {
        let tasks = self.tasks_of(app).await?.len();
        self.remove_services(app, services).await?;
        let (_, mut left) = self.remove_stack_objects(app).await?;
        let ns = Filters::new().label(format!("{NAMESPACE_LABEL}={app}"));
        let mut removed_volumes = 0;

        if volumes {
            let mut engines: Vec<(String, Arc<dyn Engine>)> = vec![("manager".to_string(), self.engine.clone())];
            engines.extend(nodes.iter().cloned());
            for (node, engine) in engines {
                let list = match engine.list_volumes(ns.clone()).await {
                    Ok(l) => l,
                    Err(e) => {
                        left.push(format!("{node}: cannot list its volumes: {e}"));
                        continue;
                    }
                };
                for v in list {
                    // A task's container may still be going away.
                    let mut tries = 0;
                    loop {
                        match engine.remove_volume(&v.name, false).await {
                            Ok(()) => {
                                removed_volumes += 1;
                                break;
                            }
                            Err(e) if e.is_not_found() => break,
                            Err(_) if tries < 20 => {
                                tries += 1;
                                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                            }
                            Err(e) => {
                                left.push(format!("{node}: {}: {e}", v.name));
                                break;
                            }
                        }
                    }
                }
            }
            if nodes.is_empty() {
                left.push(
                    "volumes on the other nodes were not looked at: give their engines (swarm_node_hosts in [containers.orchestration], or --node-host) to remove them too".into(),
                );
            }
        }
        let history = self.store.forget(app).await?;
        Ok(UndeployResult {
            name: app.to_string(),
            containers: tasks,
            volumes: removed_volumes,
            history_records: history,
            left,
        })
    }

    /// Removes the networks, secrets and configs of stack `app` (its services must be gone);
    /// returns the names removed, and what could not be removed with why.
    pub(crate) async fn remove_stack_objects(&self, app: &str) -> Result<(Vec<String>, Vec<String>)> {
        let ns = Filters::new().label(format!("{NAMESPACE_LABEL}={app}"));
        let mut removed = Vec::new();
        let mut left = Vec::new();
        for n in self.engine.list_networks(ns.clone()).await? {
            // A network is free a moment after its last task goes.
            let mut tries = 0;
            let gone = loop {
                match self.engine.remove_network(&n.id).await {
                    Ok(()) => break Ok(()),
                    Err(e) if e.is_not_found() => break Ok(()),
                    Err(_) if tries < 40 => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    }
                    Err(e) => break Err(e),
                }
            };
            match gone {
                Ok(()) => {
                    self.event("Network", &n.name, "Removed", None);
                    removed.push(n.name);
                }
                Err(e) => left.push(format!("network {}: {e}", n.name)),
            }
        }
        for s in self.swarm.list_secrets(ns.clone()).await? {
            self.swarm.remove_secret(&s.id).await?;
            self.event("Secret", &s.name, "Removed", None);
            removed.push(s.name);
        }
        for c in self.swarm.list_configs(ns).await? {
            self.swarm.remove_config(&c.id).await?;
            self.event("Config", &c.name, "Removed", None);
            removed.push(c.name);
        }
        Ok((removed, left))
    }
}

/// A Swarm service's replicas as the swarm reports them: what `docker service ps` shows, for
/// diagnosing a service of an app on a swarm from any front end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceReport {
    /// The app (stack).
    pub app: String,
    /// The service, without the app's prefix.
    pub service: String,
    /// The Swarm service's name (`<app>_<service>`).
    pub name: String,
    /// Replicas wanted (`None`: a global service).
    pub desired: Option<u64>,
    /// Tasks running now.
    pub running: usize,
    /// Its last update's state (`completed`, `rollback_completed`, `paused`…), if any.
    pub update_state: Option<String>,
    /// Its last update's message.
    pub update_message: Option<String>,
    /// Its tasks, newest first (at most 10), those that ended included.
    pub tasks: Vec<TaskReport>,
}

/// One task of a [`ServiceReport`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskReport {
    /// `<name>.<slot>`.
    pub name: String,
    /// The node's hostname (empty while unscheduled).
    pub node: String,
    /// Its state (`running`, `failed`, `rejected`, `pending`…).
    pub state: String,
    /// What the swarm wants it to be.
    pub desired_state: String,
    /// Why it failed, in the swarm's words (`task: non-zero exit (1)`, `No such image: …`).
    pub error: String,
    /// The swarm's message (`started`, `no suitable node …`).
    pub message: String,
    /// When its state last changed.
    pub at: Option<String>,
}

impl SwarmOrchestrator {
    /// The report of `service` of `app` (the service's name without the app's prefix).
    pub async fn service_report(&self, app: &str, service: &str) -> Result<ServiceReport> {
        self.manager().await?;
        let name = format!("{app}_{service}");
        let services = self.services_of(app).await?;
        let Some(info) = services.get(&name) else {
            return Err(Error::NotFound(format!("no service \"{service}\" of app \"{app}\" on this swarm")));
        };
        let nodes = self.swarm.list_nodes().await?;
        let hostname = |id: &str| nodes.iter().find(|n| n.id == id).map(|n| n.hostname.clone()).unwrap_or_default();
        let mut tasks = self.swarm.list_tasks(Filters::new().with("service", info.id.clone())).await?;
        tasks.sort_by(|a, b| b.status_timestamp.cmp(&a.status_timestamp));
        let running = tasks.iter().filter(|t| t.state == "running" && t.desired_state == "running").count();
        Ok(ServiceReport {
            app: app.to_string(),
            service: service.to_string(),
            name: name.clone(),
            desired: info.spec.replicas,
            running,
            update_state: info.update_status.as_ref().map(|u| u.state.clone()),
            update_message: info.update_status.as_ref().map(|u| u.message.clone()).filter(|m| !m.is_empty()),
            tasks: tasks
                .iter()
                .take(10)
                .map(|t| TaskReport {
                    name: format!("{name}.{}", t.slot.map(|s| s.to_string()).unwrap_or_else(|| hostname(&t.node_id))),
                    node: hostname(&t.node_id),
                    state: t.state.clone(),
                    desired_state: t.desired_state.clone(),
                    error: t.error.clone(),
                    message: t.message.clone(),
                    at: t.status_timestamp.clone(),
                })
                .collect(),
        })
    }
}

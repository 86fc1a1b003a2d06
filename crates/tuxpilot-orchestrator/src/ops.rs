//! Operations on deployed apps: history, rollback, scale, the list of deployments, undeploy.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use tuxpilot_compose::Project;
use tuxpilot_compose::runtime::{ComposeRuntime, DownOptions, ProjectMeta, labels};
use tuxpilot_docker::{ContainerState, Filters, ListContainersOptions};

use crate::deploy::Orchestrator;
use crate::driver::{Attempt, new_deployment_id};
use crate::error::{Error, Result};
use crate::records::{latest_by_app, project_of, service_in};
use crate::replicas::{self, StepError, StepLimits};
use crate::result::{ContainerStatus, container_status};
use crate::rollout::{self, PlanInputs, ServiceAction};
use crate::store::{DeploymentRecord, Outcome};

/// The seed's `ScalingResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalingResult {
    /// App (compose project).
    pub app: String,
    /// Service.
    pub service: String,
    /// Replicas before.
    pub previous_replicas: u32,
    /// Replicas asked for.
    pub requested_replicas: u32,
    /// Replicas running now.
    pub current_replicas: u32,
    /// `success` or `failed`.
    pub status: crate::result::ScaleStatus,
    /// The service's containers afterwards.
    pub containers: Vec<ContainerStatus>,
    /// What went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One service of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    /// Service.
    pub service: String,
    /// Replicas running.
    pub running: u32,
    /// Replicas wanted.
    pub desired: u32,
    /// On Swarm: the node (hostname) of each running replica.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// Running replicas whose health check fails.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unhealthy: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One app in `containers deployments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentSummary {
    /// App.
    pub name: String,
    /// The version running (last successful deployment).
    pub version: String,
    /// `running`, `degraded` (replicas missing), `stopped`, or the last attempt's outcome when it
    /// did not succeed (`rolled_back`, `paused`, `failed`, `interrupted`, `in_progress`).
    pub status: String,
    /// The version that serves now: the last successful deployment's (a rollback's target
    /// after one); empty when none succeeded.
    pub serving: String,
    /// What was observed: `healthy` (every wanted replica runs, none fails its health check),
    /// `degraded` (replicas missing or unhealthy) or `down` (none runs). An app whose update
    /// rolled back and serves reads `healthy`.
    pub health: String,
    /// The last attempt.
    pub last_deployment: String,
    /// The version the last attempt deployed.
    pub last_version: String,
    /// When it started (RFC 3339).
    pub updated_at: String,
    /// Services.
    pub services: Vec<ServiceStatus>,
}

/// What `undeploy` removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndeployResult {
    /// App.
    pub name: String,
    /// Containers removed.
    pub containers: usize,
    /// Volumes removed (with `volumes`).
    pub volumes: usize,
    /// History records removed.
    pub history_records: usize,
    /// What was left behind, and why (Swarm: volumes on nodes that could not be reached).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
}

/// `running`, `degraded` (replicas missing), `stopped`, or the latest attempt's outcome when it
/// did not succeed.
/// `healthy`, `degraded` or `down`, from what runs.
pub(crate) fn summary_health(services: &[ServiceStatus]) -> String {
    if services.is_empty() || services.iter().all(|s| s.running == 0) {
        "down".into()
    } else if services.iter().any(|s| s.running < s.desired || s.unhealthy > 0) {
        "degraded".into()
    } else {
        "healthy".into()
    }
}

/// The version serving: the reference record's when it succeeded.
pub(crate) fn serving(reference: &DeploymentRecord) -> String {
    if reference.outcome == Outcome::Success { reference.version.clone() } else { String::new() }
}

pub(crate) fn summary_status(latest: &DeploymentRecord, services: &[ServiceStatus]) -> String {
    if latest.outcome != Outcome::Success {
        latest.outcome.as_str().to_string()
    } else if services.is_empty() || services.iter().all(|s| s.running == 0) {
        "stopped".into()
    } else if services.iter().any(|s| s.running < s.desired) {
        "degraded".into()
    } else {
        "running".into()
    }
}

impl Orchestrator {
    /// Finds the app of `service` (`APP/SERVICE`, or a service unique among the deployments).
    pub async fn resolve_service(&self, service: &str, app: Option<&str>) -> Result<(String, String)> {
        if let Some((a, s)) = service.split_once('/') {
            return Ok((a.to_string(), s.to_string()));
        }
        if let Some(a) = app {
            return Ok((a.to_string(), service.to_string()));
        }
        service_in(&self.store.records(None).await?, service)
    }

    /// Sets `service` of the app's last good version to `replicas` (highest numbers removed
    /// first). A scale is not a new version; it persists through redeploys that keep the
    /// spec's replica count.
    pub async fn scale(&self, app: &str, service: &str, replicas: u32) -> Result<ScalingResult> {
        let record = self
            .store
            .last_good(app)
            .await?
            .ok_or_else(|| Error::NotFound(format!("app \"{app}\" has no successful deployment to scale")))?;
        let project = project_of(&record)?;
        let dir = PathBuf::from(&record.file).parent().map(PathBuf::from).unwrap_or_default();
        let meta = ProjectMeta::new(&dir, &[PathBuf::from(&record.file)]);
        let attempt = Attempt { id: new_deployment_id(), name: app.to_string(), version: record.version.clone() };
        let runtime = self.runtime(project, meta, &attempt);
        self.scale_runtime(&runtime, &attempt, service, replicas).await
    }

    /// Scales a service of a compose project (found through its containers' labels).
    pub async fn scale_project(&self, project: &str, service: &str, replicas: u32) -> Result<ScalingResult> {
        let filters = Filters::new().label(format!("{}={project}", labels::PROJECT));
        let any = self
            .engine
            .list_containers(ListContainersOptions { all: true, filters })
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("no containers of compose project \"{project}\"")))?;
        let dir = any.labels.get(labels::WORKING_DIR).cloned().unwrap_or_default();
        let files: Vec<PathBuf> = any
            .labels
            .get(labels::CONFIG_FILES)
            .map(|f| f.split(',').filter(|s| !s.is_empty()).map(PathBuf::from).collect())
            .unwrap_or_default();
        let mut o = tuxpilot_compose::LoadOptions::new(&dir);
        o.files = files.iter().map(tuxpilot_compose::ConfigFile::path).collect();
        o.project_name = Some(project.to_string());
        let loaded = tuxpilot_compose::load(&o)?;
        let meta = ProjectMeta::new(&loaded.working_dir, &loaded.config_files);
        let attempt = Attempt { id: new_deployment_id(), name: project.to_string(), version: String::new() };
        let runtime = ComposeRuntime::new(self.engine.clone(), loaded.project, meta, self.progress.clone());
        self.scale_runtime(&runtime, &attempt, service, replicas).await
    }

    async fn scale_runtime(
        &self,
        runtime: &ComposeRuntime,
        attempt: &Attempt,
        service: &str,
        replicas: u32,
    ) -> Result<ScalingResult> {
        if !runtime.project().services.contains_key(service) {
            let known: Vec<&str> = runtime.project().services.keys().map(String::as_str).collect();
            return Err(Error::NotFound(format!(
                "app \"{}\" has no service \"{service}\" (it has: {})",
                attempt.name,
                known.join(", ")
            )));
        }
        let guard = self.lock(&attempt.name).await?;
        let r = self.scale_locked(runtime, attempt, service, replicas).await;
        self.store.release(guard).await;
        r
    }

    async fn scale_locked(
        &self,
        runtime: &ComposeRuntime,
        attempt: &Attempt,
        service: &str,
        replicas: u32,
    ) -> Result<ScalingResult> {
        let observed = runtime.observe().await?.containers;
        let previous = observed.iter().filter(|r| r.service == service).count() as u32;
        if replicas > previous {
            // New replicas start the service's image: the gate decides first.
            crate::gate::check(self.engine.as_ref(), &self.security, &[runtime.image_of(service)], false, false)
                .await?;
        }
        let mut project = runtime.project().clone();
        if let Some(s) = project.services.get_mut(service) {
            let d = s.deploy.get_or_insert_with(Default::default);
            d.replicas = Some(i64::from(replicas));
            s.scale = None;
        }
        let hashes = project.services.iter().map(|(n, s)| (n.clone(), tuxpilot_compose::service_hash(s))).collect();
        let plan = rollout::plan(&project, &observed, &PlanInputs { hashes, previous_replicas: BTreeMap::new() });
        let mut message = None;
        if let Some(sp) = plan.services().find(|s| s.service == service) {
            // A scale never updates: replicas of an older configuration stay as they are.
            let mut sp = sp.clone();
            sp.replace.clear();
            sp.batches.clear();
            if sp.action == ServiceAction::Update {
                sp.action = ServiceAction::Scale;
            }
            if sp.action == ServiceAction::Create {
                sp.action = ServiceAction::Scale;
            }
            let limits = StepLimits { health_check_timeout: self.config.health_check_timeout.0, rollback: false };
            let switch = crate::proxy::switch::Switch::start(runtime, self.proxy_binary.as_deref()).await?;
            match replicas::run_service(runtime, &sp, limits, &switch).await {
                Ok(()) => {}
                Err(StepError::Failed(f, _)) => message = Some(f.to_string()),
                Err(e) => return Err(e.into_error()),
            }
            if let Some(sw) = &switch {
                sw.sync().await?;
            }
        }
        let after = runtime.service_containers(service).await?;
        let current = after.iter().filter(|c| c.state == ContainerState::Running).count() as u32;
        let containers: Vec<ContainerStatus> = after
            .into_iter()
            .map(|c| ContainerStatus {
                service: service.to_string(),
                status: container_status(&c),
                name: c.name,
                id: c.id,
                node: None,
            })
            .collect();
        Ok(ScalingResult {
            app: attempt.name.clone(),
            service: service.to_string(),
            previous_replicas: previous,
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

    /// Every app with a history, its version, status and services.
    pub async fn deployments(&self) -> Result<Vec<DeploymentSummary>> {
        let records = self.store.records(None).await?;
        let mut out = Vec::new();
        for (app, latest, reference) in latest_by_app(&records) {
            let project = project_of(reference).unwrap_or_default();
            let filters = Filters::new().label(format!("{}={app}", labels::PROJECT));
            let containers = self.engine.list_containers(ListContainersOptions { all: true, filters }).await?;
            let mut services: BTreeMap<String, ServiceStatus> = BTreeMap::new();
            for (n, s) in &project.services {
                services.insert(
                    n.clone(),
                    ServiceStatus {
                        service: n.clone(),
                        running: 0,
                        desired: u32::try_from(s.replicas().max(0)).unwrap_or(1),
                        nodes: Vec::new(),
                        unhealthy: 0,
                    },
                );
            }
            let mut counted: BTreeMap<String, u32> = BTreeMap::new();
            for c in containers.iter().filter(|c| c.labels.get(labels::ONEOFF).is_none_or(|v| v != "True")) {
                let Some(svc) = c.labels.get(labels::SERVICE) else { continue };
                *counted.entry(svc.clone()).or_default() += 1;
                let e = services.entry(svc.clone()).or_insert(ServiceStatus {
                    service: svc.clone(),
                    running: 0,
                    desired: 0,
                    nodes: Vec::new(),
                    unhealthy: 0,
                });
                if c.state == ContainerState::Running {
                    e.running += 1;
                    if c.status.contains("(unhealthy)") {
                        e.unhealthy += 1;
                    }
                }
            }
            // A scale since the deployment is what is wanted now.
            for (svc, n) in counted {
                if let Some(e) = services.get_mut(&svc) {
                    e.desired = n;
                }
            }
            let services: Vec<ServiceStatus> = services.into_values().collect();
            out.push(DeploymentSummary {
                status: summary_status(latest, &services),
                health: summary_health(&services),
                serving: serving(reference),
                name: app.clone(),
                version: reference.version.clone(),
                last_deployment: latest.deployment_id.clone(),
                last_version: latest.version.clone(),
                updated_at: latest.started_at.to_rfc3339(),
                services,
            });
        }
        Ok(out)
    }

    /// Takes `app`'s routes out of the proxy, and removes the proxy when no route is left.
    pub(crate) async fn unroute(&self, app: &str) -> Result<()> {
        let proxy = crate::proxy::Proxy::new(self.engine.as_ref());
        let Some(routes) = proxy.status().await? else { return Ok(()) };
        if routes.iter().any(|r| r.route.app == app) {
            proxy.apply(&tuxpilot_proxy::routes::AppRoutes { app: app.to_string(), routes: Vec::new() }).await?;
        }
        proxy.remove_if_unused().await?;
        Ok(())
    }

    /// Removes the app: its containers and networks, with `volumes` its volumes, and its
    /// history.
    pub async fn undeploy(&self, app: &str, volumes: bool) -> Result<UndeployResult> {
        let project = match self.store.last_good(app).await? {
            Some(r) => project_of(&r).unwrap_or_default(),
            None => Project::default(),
        };
        let project = Project { name: app.to_string(), ..project };
        let filters = Filters::new().label(format!("{}={app}", labels::PROJECT));
        let before = self.engine.list_containers(ListContainersOptions { all: true, filters: filters.clone() }).await?;
        let vols = if volumes { self.engine.list_volumes(filters).await?.len() } else { 0 };
        let records = self.store.records(Some(app)).await?.len();
        if before.is_empty() && records == 0 {
            return Err(Error::NotFound(format!("no app \"{app}\" on this engine")));
        }
        let attempt = Attempt { id: new_deployment_id(), name: app.to_string(), version: String::new() };
        let runtime = self.runtime(project, ProjectMeta::new(std::path::Path::new("."), &[]), &attempt);
        let guard = self.lock(app).await?;
        // The proxy stops forwarding first (the app's routes drain), and goes when no app uses
        // it any more.
        let unrouted = self.unroute(app).await;
        let r = match unrouted {
            Ok(()) => runtime
                .down(&DownOptions { volumes, remove_orphans: true, timeout: None, parallel: 0 })
                .await
                .map_err(Error::from),
            Err(e) => Err(e),
        };
        let forgotten = match r {
            Ok(()) => self.store.forget(app).await,
            Err(e) => Err(e),
        };
        self.store.release(guard).await;
        Ok(UndeployResult {
            name: app.to_string(),
            containers: before.len(),
            volumes: vols,
            history_records: forgotten?,
            left: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn svc(running: u32, desired: u32, unhealthy: u32) -> ServiceStatus {
        ServiceStatus { service: "web".into(), running, desired, nodes: Vec::new(), unhealthy }
    }

    #[test]
    fn health_is_what_runs() {
        assert_eq!(summary_health(&[svc(2, 2, 0), svc(1, 1, 0)]), "healthy");
        assert_eq!(summary_health(&[svc(1, 2, 0)]), "degraded");
        assert_eq!(summary_health(&[svc(2, 2, 1)]), "degraded");
        assert_eq!(summary_health(&[svc(0, 2, 0)]), "down");
        assert_eq!(summary_health(&[]), "down");
    }
}

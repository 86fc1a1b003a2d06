//! Running a loaded project on an engine the way `docker compose` does: plan, then execute the
//! plan as a DAG in which each service waits only for its own dependencies.

mod plan;
mod spec;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Semaphore, watch};
use tuxpilot_docker::{
    ContainerState, ContainerSummary, Engine, EngineError, Filters, HealthStatus, ListContainersOptions, LogOptions,
    NetworkSpec, RemoveOptions, VolumeSpec,
};

pub use plan::{Action, Observed, ObservedContainer, Plan, PlanOptions, plan_up};
pub use spec::{COMPOSE_VERSION, ProjectMeta, container_name, container_spec, labels};

use crate::model::Project;

/// Why running a project failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The engine refused or could not be reached.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A service asked for on the command line is not in the project.
    #[error("no such service: {0}")]
    NoSuchService(String),
    /// A container failed to start, exited, or never became healthy.
    #[error("{message}{}", if logs.is_empty() { String::new() } else { format!("\nlast log lines of {container}:\n{}", logs.join("\n")) })]
    ServiceFailed {
        /// The service.
        service: String,
        /// The container.
        container: String,
        /// What happened, in compose's words.
        message: String,
        /// Its last log lines.
        logs: Vec<String>,
    },
    /// A service was not started because a dependency failed.
    #[error("service \"{service}\" was not started: dependency \"{dependency}\" failed")]
    DependencyFailed {
        /// The service left alone.
        service: String,
        /// The dependency that failed.
        dependency: String,
    },
    /// Waiting took longer than allowed.
    #[error("{0}")]
    Timeout(String),
}

/// A progress report, one line per resource like `docker compose`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProgressEvent {
    /// `Container`, `Network` or `Volume`.
    pub kind: &'static str,
    /// The resource's engine name.
    pub name: String,
    /// `Creating`, `Created`, `Starting`, `Started`, `Waiting`, `Healthy`, `Recreate`,
    /// `Recreated`, `Stopping`, `Stopped`, `Removing`, `Removed`, `Error`.
    pub status: &'static str,
    /// Time since the operation on this resource began, when it is done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
    /// Details on errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Receives progress events.
pub type ProgressFn = Arc<dyn Fn(ProgressEvent) + Send + Sync>;

/// `up` options.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Services to bring up (with their dependencies unless `no_deps`); empty = all.
    pub services: Vec<String>,
    /// Do not bring up dependencies.
    pub no_deps: bool,
    /// Planner options (scale, recreate policy, orphans).
    pub plan: PlanOptions,
    /// After starting, wait until every service is running/healthy.
    pub wait: bool,
    /// Longest wait for dependencies and `--wait`.
    pub wait_timeout: Duration,
    /// Engine operations at once (0 = unlimited).
    pub parallel: usize,
    /// Stop timeout for containers being replaced or removed.
    pub stop_timeout: Option<Duration>,
    /// `--pull`: overrides each service's `pull_policy`.
    pub pull: Option<PullPolicy>,
    /// `--build`: build images before starting.
    pub build: bool,
}

impl Default for UpOptions {
    fn default() -> Self {
        Self {
            services: Vec::new(),
            no_deps: false,
            plan: PlanOptions::default(),
            wait: false,
            wait_timeout: Duration::from_secs(300),
            parallel: 0,
            stop_timeout: None,
            pull: None,
            build: false,
        }
    }
}

/// `down` options.
#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    /// Also remove named volumes declared in the file, and anonymous ones.
    pub volumes: bool,
    /// Also remove containers of services not in the file.
    pub remove_orphans: bool,
    /// Stop timeout.
    pub timeout: Option<Duration>,
    /// Engine operations at once (0 = unlimited).
    pub parallel: usize,
}

/// A project bound to an engine.
#[derive(Clone)]
pub struct ComposeRuntime {
    engine: Arc<dyn Engine>,
    project: Arc<Project>,
    meta: ProjectMeta,
    progress: ProgressFn,
    /// The engine allocates published ports non-atomically; starts of containers that publish
    /// ports go one at a time, as in compose.
    start_lock: Arc<Mutex<()>>,
}

fn now_ms(start: Instant) -> Option<u64> {
    Some(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

impl ComposeRuntime {
    /// Binds `project` to `engine`; `progress` receives one event per resource step.
    pub fn new(engine: Arc<dyn Engine>, project: Project, meta: ProjectMeta, progress: ProgressFn) -> Self {
        Self { engine, project: Arc::new(project), meta, progress, start_lock: Arc::new(Mutex::new(())) }
    }

    /// The project.
    pub fn project(&self) -> &Project {
        &self.project
    }

    fn emit(
        &self,
        kind: &'static str,
        name: &str,
        status: &'static str,
        elapsed_ms: Option<u64>,
        message: Option<String>,
    ) {
        (self.progress)(ProgressEvent { kind, name: name.to_string(), status, elapsed_ms, message });
    }

    fn project_filter(&self) -> Filters {
        Filters::new().label(format!("{}={}", labels::PROJECT, self.project.name))
    }

    /// Every container of the project (one-off ones too), stopped ones included.
    pub async fn containers(&self, all: bool) -> Result<Vec<ContainerSummary>, RunError> {
        Ok(self.engine.list_containers(ListContainersOptions { all, filters: self.project_filter() }).await?)
    }

    /// What the engine has for the project.
    pub async fn observe(&self) -> Result<Observed, RunError> {
        let filter = self.project_filter();
        let (containers, networks, volumes) = tokio::try_join!(
            self.engine.list_containers(ListContainersOptions { all: true, filters: filter.clone() }),
            self.engine.list_networks(Filters::new()),
            self.engine.list_volumes(Filters::new()),
        )?;
        Ok(Observed {
            containers: containers
                .into_iter()
                .filter(|c| c.labels.get(labels::ONEOFF).is_none_or(|v| v != "True"))
                .map(|c| ObservedContainer {
                    number: c.labels.get(labels::NUMBER).and_then(|n| n.parse().ok()).unwrap_or(0),
                    service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
                    config_hash: c.labels.get(labels::CONFIG_HASH).cloned().unwrap_or_default(),
                    running: matches!(
                        c.state,
                        ContainerState::Running | ContainerState::Restarting | ContainerState::Paused
                    ),
                    id: c.id,
                    name: c.name,
                })
                .collect(),
            networks: networks.into_iter().map(|n| n.name).collect(),
            volumes: volumes.into_iter().map(|v| v.name).collect(),
        })
    }

    /// The services to act on: `requested` (all when empty) plus, unless `no_deps`, what they
    /// depend on.
    pub fn selection(&self, requested: &[String], no_deps: bool) -> Result<BTreeSet<String>, RunError> {
        if requested.is_empty() {
            return Ok(self.project.services.keys().cloned().collect());
        }
        let mut out = BTreeSet::new();
        let mut todo: Vec<String> = requested.to_vec();
        while let Some(s) = todo.pop() {
            let svc = self.project.services.get(&s).ok_or_else(|| RunError::NoSuchService(s.clone()))?;
            if out.insert(s.clone()) && !no_deps {
                todo.extend(svc.depends_on.keys().filter(|d| self.project.services.contains_key(*d)).cloned());
            }
        }
        Ok(out)
    }

    /// Plans `up` without doing anything.
    pub async fn plan(&self, options: &UpOptions) -> Result<Plan, RunError> {
        let selected = self.selection(&options.services, options.no_deps)?;
        let hashes: BTreeMap<String, String> = selected
            .iter()
            .filter_map(|s| self.project.services.get(s).map(|svc| (s.clone(), crate::service_hash(svc))))
            .collect();
        let observed = self.observe().await?;
        Ok(plan_up(&self.project, &selected, &hashes, &observed, &options.plan))
    }

    /// `docker compose up -d`: converge the engine on the project.
    pub async fn up(&self, options: &UpOptions) -> Result<Plan, RunError> {
        let selected = self.selection(&options.services, options.no_deps)?;
        self.ensure_images(&selected, options.pull, options.build).await?;
        let plan = self.plan(options).await?;
        let permits =
            Arc::new(Semaphore::new(if options.parallel == 0 { Semaphore::MAX_PERMITS } else { options.parallel }));
        // Networks and volumes first, all at once.
        let mut creates = tokio::task::JoinSet::new();
        for a in plan.resources.clone() {
            let this = self.clone();
            creates.spawn(async move { this.create_resource(a).await });
        }
        while let Some(r) = creates.join_next().await {
            r.map_err(|e| RunError::Timeout(format!("internal task failed: {e}")))??;
        }
        for a in &plan.orphans {
            self.run_action(a.clone(), options).await?;
        }

        // One task per service, each waiting only for its own dependencies.
        let selected: BTreeSet<String> = plan.services.keys().cloned().collect();
        let mut done: BTreeMap<String, watch::Sender<Option<bool>>> = BTreeMap::new();
        let mut receivers: BTreeMap<String, watch::Receiver<Option<bool>>> = BTreeMap::new();
        for s in &selected {
            let (tx, rx) = watch::channel(None);
            done.insert(s.clone(), tx);
            receivers.insert(s.clone(), rx);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (service, actions) in plan.services.clone() {
            let this = self.clone();
            let options = options.clone();
            let permits = permits.clone();
            let deps: Vec<(String, crate::model::Dependency, watch::Receiver<Option<bool>>)> = self.project.services
                [&service]
                .depends_on
                .iter()
                .filter_map(|(d, dep)| receivers.get(d).map(|rx| (d.clone(), dep.clone(), rx.clone())))
                .collect();
            let Some(tx) = done.remove(&service) else { continue };
            tasks.spawn(async move {
                let result = this.run_service(&service, actions, deps, &options, permits).await;
                let _ = tx.send(Some(result.is_ok()));
                result
            });
        }
        let mut first_error = None;
        while let Some(r) = tasks.join_next().await {
            let r = r.map_err(|e| RunError::Timeout(format!("internal task failed: {e}")))?;
            if let Err(e) = r {
                // A dependency failure is a consequence; report the cause first.
                let is_consequence = matches!(e, RunError::DependencyFailed { .. });
                if first_error
                    .as_ref()
                    .is_none_or(|f: &RunError| matches!(f, RunError::DependencyFailed { .. }) && !is_consequence)
                {
                    first_error = Some(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if options.wait {
            self.wait_all(&selected, options.wait_timeout).await?;
        }
        Ok(plan)
    }

    async fn create_resource(&self, a: Action) -> Result<(), RunError> {
        let start = Instant::now();
        match a {
            Action::CreateNetwork { key, name } => {
                let n = self.project.networks.get(&key).cloned().unwrap_or_default();
                self.emit("Network", &name, "Creating", None, None);
                let mut labels: BTreeMap<String, String> = spec::flatten(&n.labels);
                labels.insert(labels::PROJECT.into(), self.project.name.clone());
                labels.insert(labels::NETWORK.into(), key.clone());
                labels.insert(labels::VERSION.into(), COMPOSE_VERSION.into());
                let spec = NetworkSpec {
                    name: name.clone(),
                    driver: n.driver.clone(),
                    options: spec::flatten(&n.driver_opts),
                    labels,
                    internal: n.internal.unwrap_or(false),
                    attachable: n.attachable.unwrap_or(false),
                    enable_ipv6: n.enable_ipv6.unwrap_or(false),
                    subnets: n
                        .ipam
                        .as_ref()
                        .map(|i| i.config.iter().filter_map(|c| c.subnet.clone()).collect())
                        .unwrap_or_default(),
                };
                match self.engine.create_network(spec).await {
                    Ok(_) => {}
                    // Another `up` made it meanwhile.
                    Err(e) if e.is_conflict() => {}
                    Err(e) => return Err(e.into()),
                }
                self.emit("Network", &name, "Created", now_ms(start), None);
            }
            Action::CreateVolume { key, name } => {
                let v = self.project.volumes.get(&key).cloned().unwrap_or_default();
                self.emit("Volume", &name, "Creating", None, None);
                let mut labels: BTreeMap<String, String> = spec::flatten(&v.labels);
                labels.insert(labels::PROJECT.into(), self.project.name.clone());
                labels.insert(labels::VOLUME.into(), key.clone());
                labels.insert(labels::VERSION.into(), COMPOSE_VERSION.into());
                let spec = VolumeSpec {
                    name: Some(name.clone()),
                    driver: v.driver.clone(),
                    driver_opts: v
                        .driver_opts
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
                        .collect(),
                    labels,
                };
                self.engine.create_volume(spec).await?;
                self.emit("Volume", &name, "Created", now_ms(start), None);
            }
            _ => {}
        }
        Ok(())
    }

    async fn run_service(
        &self,
        service: &str,
        actions: Vec<Action>,
        deps: Vec<(String, crate::model::Dependency, watch::Receiver<Option<bool>>)>,
        options: &UpOptions,
        permits: Arc<Semaphore>,
    ) -> Result<(), RunError> {
        // Creating does not depend on the dependencies' state, only starting does: create new
        // replicas right away, as compose's create phase does, and start them once the
        // dependencies are ready. (`network_mode: service:x` needs x's container first.)
        let early = self
            .project
            .services
            .get(service)
            .is_some_and(|s| !s.network_mode.as_deref().is_some_and(|m| m.starts_with("service:")));
        let mut created: BTreeMap<u32, (String, String)> = BTreeMap::new();
        if early {
            for a in &actions {
                if let Action::Create { number, .. } = a {
                    let _permit = permits.acquire().await.map_err(|e| RunError::Timeout(e.to_string()))?;
                    created.insert(*number, self.create(service, *number, None).await?);
                }
            }
        }
        for (dep, d, mut rx) in deps {
            let ok = loop {
                if let Some(ok) = *rx.borrow() {
                    break ok;
                }
                if rx.changed().await.is_err() {
                    break false;
                }
            };
            if !ok {
                if d.required {
                    return Err(RunError::DependencyFailed { service: service.into(), dependency: dep });
                }
                continue;
            }
            let waited = match d.condition.as_str() {
                "service_healthy" => self.wait_healthy(&dep, options.wait_timeout).await,
                "service_completed_successfully" => self.wait_completed(&dep, options.wait_timeout).await,
                _ => Ok(()),
            };
            if let Err(e) = waited
                && d.required
            {
                return Err(e);
            }
        }
        for a in actions {
            let _permit = permits.acquire().await.map_err(|e| RunError::Timeout(e.to_string()))?;
            match a {
                Action::Create { number, .. } if created.contains_key(&number) => {
                    if let Some((id, name)) = created.remove(&number) {
                        self.start(service, &id, &name).await?;
                    }
                }
                other => self.run_action(other, options).await?,
            }
        }
        Ok(())
    }

    async fn service_containers(&self, service: &str) -> Result<Vec<ContainerSummary>, RunError> {
        let filters = self
            .project_filter()
            .label(format!("{}={service}", labels::SERVICE))
            .label(format!("{}=False", labels::ONEOFF));
        Ok(self.engine.list_containers(ListContainersOptions { all: true, filters }).await?)
    }

    async fn last_logs(&self, id: &str) -> Vec<String> {
        use futures_util::StreamExt;
        let stream = self.engine.logs(id, LogOptions { tail: Some(10), ..Default::default() });
        let chunks: Vec<_> =
            tokio::time::timeout(Duration::from_secs(5), stream.collect::<Vec<_>>()).await.unwrap_or_default();
        chunks.into_iter().filter_map(Result::ok).map(|c| c.message.trim_end().to_string()).collect()
    }

    async fn wait_healthy(&self, service: &str, timeout: Duration) -> Result<(), RunError> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut all_healthy = true;
            for c in self.service_containers(service).await? {
                let d = self.engine.inspect_container(&c.id).await?;
                let fail = |message: String| RunError::ServiceFailed {
                    service: service.into(),
                    container: d.name.clone(),
                    message,
                    logs: Vec::new(),
                };
                match (d.state.status, d.state.health) {
                    (_, None) if d.healthcheck.is_none() => {
                        return Err(fail(format!(
                            "dependency failed to start: container {} has no healthcheck configured",
                            d.name
                        )));
                    }
                    (ContainerState::Exited | ContainerState::Dead, _) => {
                        let mut e = fail(format!(
                            "dependency failed to start: container {} exited ({})",
                            d.name, d.state.exit_code
                        ));
                        if let RunError::ServiceFailed { logs, .. } = &mut e {
                            *logs = self.last_logs(&d.id).await;
                        }
                        return Err(e);
                    }
                    (_, Some(HealthStatus::Unhealthy)) => {
                        let mut e = fail(format!("dependency failed to start: container {} is unhealthy", d.name));
                        if let RunError::ServiceFailed { logs, .. } = &mut e {
                            *logs = self.last_logs(&d.id).await;
                            logs.extend(d.state.health_log.iter().map(|l| format!("healthcheck: {}", l.trim_end())));
                        }
                        return Err(e);
                    }
                    (_, Some(HealthStatus::Healthy)) => {
                        self.emit("Container", &d.name, "Healthy", None, None);
                    }
                    _ => all_healthy = false,
                }
            }
            if all_healthy {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(RunError::Timeout(format!(
                    "timeout waiting for service \"{service}\" to be healthy after {}s",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn wait_completed(&self, service: &str, timeout: Duration) -> Result<(), RunError> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut done = true;
            for c in self.service_containers(service).await? {
                let d = self.engine.inspect_container(&c.id).await?;
                match d.state.status {
                    ContainerState::Exited | ContainerState::Dead if d.state.exit_code == 0 => {}
                    ContainerState::Exited | ContainerState::Dead => {
                        return Err(RunError::ServiceFailed {
                            service: service.into(),
                            container: d.name.clone(),
                            message: format!(
                                "service \"{service}\" didn't complete successfully: exit {}",
                                d.state.exit_code
                            ),
                            logs: self.last_logs(&d.id).await,
                        });
                    }
                    _ => done = false,
                }
            }
            if done {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(RunError::Timeout(format!("timeout waiting for service \"{service}\" to complete")));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// `--wait`: every selected service running, and healthy when it has a health check.
    async fn wait_all(&self, services: &BTreeSet<String>, timeout: Duration) -> Result<(), RunError> {
        let deadline = Instant::now() + timeout;
        for s in services {
            loop {
                let mut ready = true;
                for c in self.service_containers(s).await? {
                    let d = self.engine.inspect_container(&c.id).await?;
                    match (d.state.status, d.state.health) {
                        (ContainerState::Running, None | Some(HealthStatus::Healthy | HealthStatus::None)) => {}
                        (_, Some(HealthStatus::Unhealthy)) | (ContainerState::Exited | ContainerState::Dead, _) => {
                            return Err(RunError::ServiceFailed {
                                service: s.clone(),
                                container: d.name.clone(),
                                message: format!(
                                    "container {} is {}",
                                    d.name,
                                    if d.state.health == Some(HealthStatus::Unhealthy) {
                                        "unhealthy".to_string()
                                    } else {
                                        format!("exited ({})", d.state.exit_code)
                                    }
                                ),
                                logs: self.last_logs(&d.id).await,
                            });
                        }
                        _ => ready = false,
                    }
                }
                if ready {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(RunError::Timeout(format!("application not healthy after {}s", timeout.as_secs())));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        Ok(())
    }

    async fn start(&self, service: &str, id: &str, name: &str) -> Result<(), RunError> {
        let start = Instant::now();
        self.emit("Container", name, "Starting", None, None);
        // Only starts that publish ports need to wait for each other.
        let publishes = self.project.services.get(service).is_some_and(|s| !s.ports.is_empty());
        let r = if publishes {
            let _guard = self.start_lock.lock().await;
            self.engine.start_container(id).await
        } else {
            self.engine.start_container(id).await
        };
        if let Err(e) = r {
            self.emit("Container", name, "Error", now_ms(start), Some(e.to_string()));
            return Err(RunError::ServiceFailed {
                service: service.into(),
                container: name.into(),
                message: format!("service \"{service}\" failed to start: {e}"),
                logs: self.last_logs(id).await,
            });
        }
        self.emit("Container", name, "Started", now_ms(start), None);
        Ok(())
    }

    async fn create(
        &self,
        service: &str,
        number: u32,
        temp_name: Option<String>,
    ) -> Result<(String, String), RunError> {
        let svc = &self.project.services[service];
        let hash = crate::service_hash(svc);
        let net_container = match svc.network_mode.as_deref().and_then(|m| m.strip_prefix("service:")) {
            Some(other) => self.service_containers(other).await?.first().map(|c| c.id.clone()),
            None => None,
        };
        let mut spec = container_spec(&self.project, &self.meta, service, svc, number, &hash, net_container.as_deref());
        let final_name = spec.name.clone().unwrap_or_default();
        if let Some(t) = temp_name {
            spec.name = Some(t);
        }
        let start = Instant::now();
        self.emit("Container", &final_name, "Creating", None, None);
        let created = self.engine.create_container(spec).await?;
        self.emit("Container", &final_name, "Created", now_ms(start), None);
        Ok((created.id, final_name))
    }

    async fn remove(&self, id: &str, name: &str, timeout: Option<Duration>) -> Result<(), RunError> {
        let start = Instant::now();
        self.emit("Container", name, "Stopping", None, None);
        match self.engine.stop_container(id, timeout).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        self.emit("Container", name, "Stopped", now_ms(start), None);
        self.emit("Container", name, "Removing", None, None);
        match self.engine.remove_container(id, RemoveOptions { force: true, volumes: false }).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        self.emit("Container", name, "Removed", now_ms(start), None);
        Ok(())
    }

    async fn run_action(&self, a: Action, options: &UpOptions) -> Result<(), RunError> {
        match a {
            Action::Create { service, number } => {
                let (id, name) = self.create(&service, number, None).await?;
                self.start(&service, &id, &name).await
            }
            Action::Recreate { service, number, id, name } => {
                // As compose: create the replacement under a temporary name, then swap, so a
                // failed create leaves the old container running.
                let short = id.get(..12).unwrap_or(&id);
                self.emit("Container", &name, "Recreate", None, None);
                let start = Instant::now();
                let (new_id, final_name) = self.create(&service, number, Some(format!("{short}_{name}"))).await?;
                self.remove(&id, &name, options.stop_timeout).await?;
                self.engine.rename_container(&new_id, &final_name).await?;
                self.emit("Container", &final_name, "Recreated", now_ms(start), None);
                self.start(&service, &new_id, &final_name).await
            }
            Action::Start { service, id, name } => self.start(&service, &id, &name).await,
            Action::Remove { id, name, .. } => self.remove(&id, &name, options.stop_timeout).await,
            Action::CreateNetwork { .. } | Action::CreateVolume { .. } => self.create_resource(a).await,
        }
    }

    /// `docker compose down`: stop and remove the project's containers (all at once), then its
    /// networks, and with `volumes` its volumes.
    pub async fn down(&self, options: &DownOptions) -> Result<(), RunError> {
        let known: BTreeSet<&String> =
            self.project.services.keys().chain(self.project.disabled_services.keys()).collect();
        let containers: Vec<ContainerSummary> = self
            .containers(true)
            .await?
            .into_iter()
            .filter(|c| options.remove_orphans || c.labels.get(labels::SERVICE).is_some_and(|s| known.contains(s)))
            .collect();
        let permits =
            Arc::new(Semaphore::new(if options.parallel == 0 { Semaphore::MAX_PERMITS } else { options.parallel }));
        let mut tasks = tokio::task::JoinSet::new();
        for c in containers {
            let this = self.clone();
            let permits = permits.clone();
            let timeout = options.timeout;
            tasks.spawn(async move {
                let _p = permits.acquire_owned().await;
                this.remove(&c.id, &c.name, timeout).await
            });
        }
        let mut first_error = None;
        while let Some(r) = tasks.join_next().await {
            if let Ok(Err(e)) = r {
                first_error.get_or_insert(e);
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let filter = self.project_filter();
        for n in self.engine.list_networks(filter.clone()).await? {
            let start = Instant::now();
            self.emit("Network", &n.name, "Removing", None, None);
            match self.engine.remove_network(&n.id).await {
                Ok(()) => self.emit("Network", &n.name, "Removed", now_ms(start), None),
                Err(e) if e.is_not_found() => {}
                Err(e) => self.emit("Network", &n.name, "Error", now_ms(start), Some(format!("not removed: {e}"))),
            }
        }
        if options.volumes {
            for v in self.engine.list_volumes(filter).await? {
                let start = Instant::now();
                self.emit("Volume", &v.name, "Removing", None, None);
                match self.engine.remove_volume(&v.name, false).await {
                    Ok(()) => self.emit("Volume", &v.name, "Removed", now_ms(start), None),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// Stops the project's containers (of `services`, or all).
    pub async fn stop(&self, services: &[String], timeout: Option<Duration>) -> Result<(), RunError> {
        let wanted = self.selection(services, true)?;
        let mut tasks = tokio::task::JoinSet::new();
        for c in self.containers(false).await? {
            if !c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)) {
                continue;
            }
            let this = self.clone();
            tasks.spawn(async move {
                let start = Instant::now();
                this.emit("Container", &c.name, "Stopping", None, None);
                this.engine.stop_container(&c.id, timeout).await?;
                this.emit("Container", &c.name, "Stopped", now_ms(start), None);
                Ok::<(), RunError>(())
            });
        }
        while let Some(r) = tasks.join_next().await {
            if let Ok(Err(e)) = r {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Starts the project's existing containers (of `services`, or all), dependencies first.
    pub async fn start_services(&self, services: &[String]) -> Result<(), RunError> {
        let wanted = self.selection(services, true)?;
        let order = crate::runtime::dependency_order(&self.project, &wanted);
        let all = self.containers(true).await?;
        for s in order {
            for c in
                all.iter().filter(|c| c.labels.get(labels::SERVICE) == Some(&s) && c.state != ContainerState::Running)
            {
                self.start(&s, &c.id, &c.name).await?;
            }
        }
        Ok(())
    }

    /// Removes stopped containers of the project (`force` also running ones).
    pub async fn rm(&self, services: &[String], force: bool) -> Result<Vec<String>, RunError> {
        let wanted = self.selection(services, true)?;
        let mut removed = Vec::new();
        for c in self.containers(true).await? {
            if !c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)) {
                continue;
            }
            if c.state == ContainerState::Running && !force {
                continue;
            }
            self.engine.remove_container(&c.id, RemoveOptions { force, volumes: false }).await?;
            self.emit("Container", &c.name, "Removed", None, None);
            removed.push(c.name);
        }
        Ok(removed)
    }
}

impl ComposeRuntime {
    /// Pulls the images of `services` (all when empty) that are not built locally.
    pub async fn pull(&self, services: &[String]) -> Result<(), RunError> {
        use futures_util::StreamExt;
        let wanted = self.selection(services, true)?;
        let images: BTreeSet<String> = wanted
            .iter()
            .filter_map(|s| self.project.services.get(s))
            .filter(|s| s.build.is_none() || s.pull_policy.as_deref() == Some("always"))
            .filter_map(|s| s.image.clone())
            .collect();
        for image in images {
            let start = Instant::now();
            self.emit("Image", &image, "Pulling", None, None);
            let mut stream = self.engine.pull_image(&image);
            while let Some(p) = stream.next().await {
                let p = p?;
                if let (Some(cur), Some(total)) = (p.current, p.total) {
                    self.emit(
                        "Image",
                        &image,
                        "Downloading",
                        None,
                        Some(format!("{} {cur}/{total}", p.id.unwrap_or_default())),
                    );
                }
            }
            self.emit("Image", &image, "Pulled", now_ms(start), None);
        }
        Ok(())
    }

    /// `docker compose run [--rm] SERVICE CMD…`: starts the service's dependencies, then a
    /// one-off container (`oneoff=True`, named `<project>-<service>-run-<slug>`), waits for it and
    /// returns its exit code and output.
    pub async fn run_oneoff(
        &self,
        service: &str,
        command: Option<Vec<String>>,
        remove: bool,
    ) -> Result<(i64, Vec<tuxpilot_docker::LogChunk>), RunError> {
        use futures_util::StreamExt;
        let svc = self.project.services.get(service).ok_or_else(|| RunError::NoSuchService(service.into()))?;
        let deps: Vec<String> = svc.depends_on.keys().cloned().collect();
        if !deps.is_empty() {
            self.up(&UpOptions { services: deps, ..Default::default() }).await?;
        }
        self.ensure_images(&BTreeSet::from([service.to_string()]), None, false).await?;
        // Its networks and volumes must exist even when the service was never brought up.
        let plan =
            self.plan(&UpOptions { services: vec![service.to_string()], no_deps: true, ..Default::default() }).await?;
        for a in plan.resources {
            self.create_resource(a).await?;
        }
        let hash = crate::service_hash(svc);
        let mut spec = container_spec(&self.project, &self.meta, service, svc, 1, &hash, None);
        let slug: String = format!("{:x}", u128::from(std::process::id()) << 64 | u128::from(now_nanos()))
            .chars()
            .rev()
            .take(12)
            .collect();
        let name = format!("{}-{service}-run-{slug}", self.project.name);
        spec.name = Some(name.clone());
        spec.labels.insert(labels::ONEOFF.into(), "True".into());
        spec.labels.remove(labels::NUMBER);
        spec.labels.insert("com.docker.compose.slug".into(), slug);
        spec.port_bindings.clear();
        if let Some(c) = command {
            spec.command = Some(c);
        }
        // A one-off container has no aliases of its own.
        for n in &mut spec.networks {
            n.aliases.clear();
        }
        let created = self.engine.create_container(spec).await?;
        let result = async {
            self.start(service, &created.id, &name).await?;
            let exit = self.engine.wait_container(&created.id).await?;
            let logs: Vec<_> = self.engine.logs(&created.id, LogOptions::default()).collect().await;
            Ok::<_, RunError>((exit.code, logs.into_iter().filter_map(Result::ok).collect()))
        }
        .await;
        if remove {
            let _ = self.engine.remove_container(&created.id, RemoveOptions { force: true, volumes: true }).await;
        }
        result
    }

    /// Processes of the project's running containers, by container name.
    pub async fn top(&self, services: &[String]) -> Result<Vec<(String, tuxpilot_docker::ProcessList)>, RunError> {
        let wanted = self.selection(services, true)?;
        let mut out = Vec::new();
        for c in self.containers(false).await? {
            if c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)) {
                out.push((c.name.clone(), self.engine.top(&c.id).await?));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

/// When images are pulled (`up --pull`, `pull_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    /// Always pull.
    Always,
    /// Pull when the image is not on the engine (the default).
    Missing,
    /// Never pull.
    Never,
}

impl ComposeRuntime {
    /// The image a service runs: `image:`, or `<project>-<service>` when it is only built.
    pub fn image_of(&self, service: &str) -> String {
        self.project
            .services
            .get(service)
            .and_then(|s| s.image.clone())
            .unwrap_or_else(|| format!("{}-{service}", self.project.name))
    }

    /// Builds the services with `build:` (all when `services` is empty) through the engine's
    /// build API; the context directory is sent as a tar.
    pub async fn build(&self, services: &[String], no_cache: bool) -> Result<(), RunError> {
        let wanted = self.selection(services, true)?;
        for name in wanted {
            let Some(build) = self.project.services.get(&name).and_then(|s| s.build.clone()) else { continue };
            let image = self.image_of(&name);
            let context = build.context.clone().unwrap_or_else(|| ".".into());
            let start = Instant::now();
            self.emit("Image", &image, "Building", None, None);
            let tar = tar_context(std::path::Path::new(&context)).map_err(|e| RunError::ServiceFailed {
                service: name.clone(),
                container: image.clone(),
                message: format!("cannot read the build context {context}: {e}"),
                logs: Vec::new(),
            })?;
            let mut labels: BTreeMap<String, String> = spec::flatten(&build.labels);
            labels.insert(labels::PROJECT.into(), self.project.name.clone());
            labels.insert(labels::SERVICE.into(), name.clone());
            let spec = tuxpilot_docker::BuildSpec {
                tag: image.clone(),
                dockerfile: build.dockerfile.clone().unwrap_or_else(|| "Dockerfile".into()),
                args: build.args.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect(),
                target: build.target.clone(),
                labels,
                no_cache: no_cache || build.no_cache.unwrap_or(false),
                pull: build.pull.unwrap_or(false),
            };
            match self.engine.build_image(spec, tar).await {
                Ok(_) => self.emit("Image", &image, "Built", now_ms(start), None),
                Err(e) => {
                    self.emit("Image", &image, "Error", now_ms(start), Some(e.to_string()));
                    return Err(RunError::ServiceFailed {
                        service: name.clone(),
                        container: image,
                        message: format!("failed to build service \"{name}\": {e}"),
                        logs: Vec::new(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Makes sure every selected service has its image: builds (with `build`, or when a
    /// `build:` service's image is missing) and pulls according to `policy` or `pull_policy`.
    pub async fn ensure_images(
        &self,
        services: &BTreeSet<String>,
        policy: Option<PullPolicy>,
        build: bool,
    ) -> Result<(), RunError> {
        use futures_util::StreamExt;
        for name in services {
            let Some(svc) = self.project.services.get(name) else { continue };
            let image = self.image_of(name);
            let present = match self.engine.inspect_image(&image).await {
                Ok(_) => true,
                Err(e) if e.is_not_found() => false,
                Err(e) => return Err(e.into()),
            };
            if svc.build.is_some() && (build || !present || svc.pull_policy.as_deref() == Some("build")) {
                self.build(std::slice::from_ref(name), false).await?;
                continue;
            }
            let policy = policy.unwrap_or(match svc.pull_policy.as_deref() {
                Some("always") => PullPolicy::Always,
                Some("never") => PullPolicy::Never,
                _ => PullPolicy::Missing,
            });
            let pull = match policy {
                PullPolicy::Always => true,
                PullPolicy::Missing => !present,
                PullPolicy::Never => false,
            };
            if pull {
                let start = Instant::now();
                self.emit("Image", &image, "Pulling", None, None);
                let mut stream = self.engine.pull_image(&image);
                while let Some(p) = stream.next().await {
                    if let Err(e) = p {
                        self.emit("Image", &image, "Error", now_ms(start), Some(e.to_string()));
                        return Err(RunError::ServiceFailed {
                            service: name.clone(),
                            container: image.clone(),
                            message: format!("failed to pull the image of service \"{name}\": {e}"),
                            logs: Vec::new(),
                        });
                    }
                }
                self.emit("Image", &image, "Pulled", now_ms(start), None);
            }
        }
        Ok(())
    }

    /// `down --rmi`: removes the images of the project's services (`local_only`: only the ones
    /// built without an `image:` name).
    pub async fn remove_images(&self, local_only: bool) -> Result<(), RunError> {
        let mut images = BTreeSet::new();
        for (name, s) in &self.project.services {
            if !local_only || s.image.is_none() {
                images.insert(self.image_of(name));
            }
        }
        for image in images {
            match self.engine.remove_image(&image, false).await {
                Ok(_) => self.emit("Image", &image, "Removed", None, None),
                Err(e) if e.is_not_found() => {}
                Err(e) => self.emit("Image", &image, "Error", None, Some(e.to_string())),
            }
        }
        Ok(())
    }

    /// `docker compose exec SERVICE CMD`: runs a command in replica `index` (1 by default).
    pub async fn exec(
        &self,
        service: &str,
        index: u32,
        spec: tuxpilot_docker::ExecSpec,
    ) -> Result<tuxpilot_docker::ExecOutput, RunError> {
        let c = self
            .service_containers(service)
            .await?
            .into_iter()
            .find(|c| {
                c.labels.get(labels::NUMBER).is_some_and(|n| n == &index.to_string())
                    && c.state == ContainerState::Running
            })
            .ok_or_else(|| RunError::ServiceFailed {
                service: service.into(),
                container: format!("{}-{service}-{index}", self.project.name),
                message: format!("service \"{service}\" is not running"),
                logs: Vec::new(),
            })?;
        Ok(self.engine.exec(&c.id, spec).await?)
    }
}

/// The build context as a tar, entries relative to the context directory. Symlinks are stored
/// as links, never followed out of the context.
fn tar_context(dir: &std::path::Path) -> std::io::Result<bytes::Bytes> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    builder.append_dir_all(".", dir)?;
    Ok(bytes::Bytes::from(builder.into_inner()?))
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Services of `selected` in an order where dependencies come first.
pub fn dependency_order(project: &Project, selected: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn visit(p: &Project, s: &str, selected: &BTreeSet<String>, out: &mut Vec<String>, seen: &mut BTreeSet<String>) {
        if !seen.insert(s.to_string()) {
            return;
        }
        if let Some(svc) = p.services.get(s) {
            for d in svc.depends_on.keys() {
                visit(p, d, selected, out, seen);
            }
        }
        if selected.contains(s) {
            out.push(s.to_string());
        }
    }
    let mut seen = BTreeSet::new();
    for s in selected {
        visit(project, s, selected, &mut out, &mut seen);
    }
    out
}

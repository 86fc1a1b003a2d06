//! Deployments on the local engine: the security gate, the locks, the history record, the
//! rollout in dependency waves, and the automatic rollback.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tuxpilot_compose::Project;
use tuxpilot_compose::runtime::{Action, ComposeRuntime, ProgressFn, ProjectMeta, RunError, UpOptions};
use tuxpilot_docker::Engine;

use crate::error::{Error, Result};
use crate::load::LoadedApp;
use crate::replicas::{self, Failure, StepError, StepLimits};
use crate::rollout::{self, PlanInputs, RolloutPlan};
use crate::spec::{DurationSpec, FailureAction};
use crate::store::{DeploymentRecord, Outcome, Store};

/// Label on containers: the app.
pub const APP_LABEL: &str = "io.tuxpilot.app";
/// Label on containers: the version that created them.
pub const VERSION_LABEL: &str = "io.tuxpilot.version";
/// Label on containers: the deployment that created them.
pub const DEPLOYMENT_LABEL: &str = "io.tuxpilot.deployment";

/// `[containers.orchestration]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrchestrationConfig {
    /// Deployments at once on one engine, across processes.
    pub max_concurrent_deployments: u32,
    /// Longest a whole deployment may take.
    pub deployment_timeout: DurationSpec,
    /// Longest one replica may take to become healthy.
    pub health_check_timeout: DurationSpec,
    /// `containers supervise` restarts replicas that die.
    pub auto_restart_failed: bool,
    /// Where apps run: `local` (the engine itself) or `swarm` (services on the swarm the engine
    /// manages).
    pub backend: Backend,
    /// The engines of the swarm's nodes (`unix:///…`, `tcp://…`), for what only a node's own
    /// engine can do: `undeploy --volumes` removes the volumes on each of them.
    pub swarm_node_hosts: Vec<String>,
}

/// Where apps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Containers on the engine itself.
    #[default]
    Local,
    /// Services on the swarm the engine manages.
    Swarm,
}

impl OrchestrationConfig {
    /// The keys of the section.
    pub const KEYS: &'static [&'static str] = &[
        "max_concurrent_deployments",
        "deployment_timeout",
        "health_check_timeout",
        "auto_restart_failed",
        "backend",
        "swarm_node_hosts",
    ];
}

impl Default for OrchestrationConfig {
    fn default() -> Self {
        Self {
            max_concurrent_deployments: 5,
            deployment_timeout: DurationSpec(Duration::from_secs(600)),
            health_check_timeout: DurationSpec(Duration::from_secs(120)),
            auto_restart_failed: true,
            backend: Backend::Local,
            swarm_node_hosts: Vec::new(),
        }
    }
}

/// Per-call options.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Only plan.
    pub dry_run: bool,
    /// Deploy even when the security gate blocks.
    pub force: bool,
}

/// A container of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerStatus {
    /// Name.
    pub name: String,
    /// Id.
    pub id: String,
    /// Service.
    pub service: String,
    /// `running`, `running (healthy)`, `exited (1)`…
    pub status: String,
    /// On Swarm: the node it runs on (its hostname).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// What a deployment did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentResult {
    /// Id of this attempt.
    pub deployment_id: String,
    /// App.
    pub name: String,
    /// The version now running (after a rollback: the one returned to).
    pub version: String,
    /// The version this attempt deployed.
    pub requested_version: String,
    /// `success`, `rolled_back`, `paused`, `failed`; `planned` for a dry run.
    pub status: String,
    /// The app's containers afterwards.
    pub containers: Vec<ContainerStatus>,
    /// The app network.
    pub network: String,
    /// Services changed, per action.
    pub changes: BTreeMap<String, String>,
    /// What went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Notes (forced stop-first, forced past the security gate…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The plan.
    pub plan: RolloutPlan,
}

impl DeploymentResult {
    /// True when the deployment converged on what was asked.
    pub fn succeeded(&self) -> bool {
        self.status == "success" || self.status == "planned"
    }
}

/// Deploys apps on one engine.
#[derive(Clone)]
pub struct Orchestrator {
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) config: OrchestrationConfig,
    pub(crate) progress: ProgressFn,
    pub(crate) store: Store,
    pub(crate) security: tuxpilot_security::SecurityConfig,
}

/// One attempt's identity.
pub(crate) struct Attempt {
    pub id: String,
    pub name: String,
    pub version: String,
}

pub(crate) fn new_deployment_id() -> String {
    let ms = Utc::now().timestamp_millis();
    format!("{ms:x}{:04x}", std::process::id() & 0xffff)
}

/// Hash of a whole project: its services' config hashes.
pub fn project_hash(project: &Project) -> String {
    use std::fmt::Write;
    let mut all = String::new();
    for (n, s) in &project.services {
        let _ = write!(all, "{n}={};", tuxpilot_compose::service_hash(s));
    }
    tuxpilot_compose::service_hash(&tuxpilot_compose::Service { image: Some(all), ..Default::default() })
        .chars()
        .take(12)
        .collect()
}

impl Orchestrator {
    /// An orchestrator on `engine`; `progress` receives one event per step.
    pub fn new(engine: Arc<dyn Engine>, config: OrchestrationConfig, progress: ProgressFn) -> Self {
        let store = Store::new(engine.clone());
        Self { engine, config, progress, store, security: Default::default() }
    }

    /// The security gate's settings (`[containers.security]`): deploys and scale-ups are
    /// checked ([`crate::gate`]), rollbacks warned about.
    pub fn with_security(mut self, security: tuxpilot_security::SecurityConfig) -> Self {
        self.security = security;
        self
    }

    /// The history store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn runtime(&self, project: Project, meta: ProjectMeta, attempt: &Attempt) -> ComposeRuntime {
        let labels = BTreeMap::from([
            (APP_LABEL.to_string(), attempt.name.clone()),
            (VERSION_LABEL.to_string(), attempt.version.clone()),
            (DEPLOYMENT_LABEL.to_string(), attempt.id.clone()),
        ]);
        ComposeRuntime::new(self.engine.clone(), project, meta, self.progress.clone()).with_container_labels(labels)
    }

    fn note(&self, name: &str, status: &'static str, message: String) {
        (self.progress)(tuxpilot_compose::runtime::ProgressEvent {
            kind: "Deployment",
            name: name.to_string(),
            status,
            elapsed_ms: None,
            message: Some(message),
        });
    }

    /// What deploying `app` would do, touching nothing.
    pub async fn plan(&self, app: &LoadedApp) -> Result<RolloutPlan> {
        let attempt = Attempt { id: String::new(), name: app.name.clone(), version: app.version.clone() };
        let runtime = self.runtime(app.project.clone(), meta(app), &attempt);
        let previous = self.store.last_good(&app.name).await?;
        self.plan_on(&runtime, previous.as_ref()).await
    }

    async fn plan_on(&self, runtime: &ComposeRuntime, previous: Option<&DeploymentRecord>) -> Result<RolloutPlan> {
        let project = runtime.project();
        let observed = runtime.observe().await?.containers;
        let hashes = project.services.iter().map(|(n, s)| (n.clone(), tuxpilot_compose::service_hash(s))).collect();
        let previous_replicas = previous
            .and_then(|r| serde_json::from_value::<Project>(r.project.clone()).ok())
            .map(|p| {
                p.services.iter().map(|(n, s)| (n.clone(), u32::try_from(s.replicas().max(0)).unwrap_or(1))).collect()
            })
            .unwrap_or_default();
        Ok(rollout::plan(project, &observed, &PlanInputs { hashes, previous_replicas }))
    }

    /// Deploys `app`: a first deploy brings it up in dependency order; a redeploy rolls only the
    /// services whose configuration changed. A failure follows the services' `failure_action`.
    pub async fn deploy(&self, app: &LoadedApp, options: &DeployOptions) -> Result<DeploymentResult> {
        let attempt = Attempt { id: new_deployment_id(), name: app.name.clone(), version: app.version.clone() };
        let runtime = self.runtime(app.project.clone(), meta(app), &attempt);
        if options.dry_run {
            let previous = self.store.last_good(&app.name).await?;
            let plan = self.plan_on(&runtime, previous.as_ref()).await?;
            return self.result(&runtime, &attempt, &attempt.version, "planned", plan, None, Vec::new()).await;
        }
        let mut notes = Vec::new();
        if crate::gate::active(&self.security, false) {
            // The gate runs before anything exists, so a blocked deploy leaves nothing behind.
            let all = runtime.selection(&[], false)?;
            runtime.ensure_images(&all, None, false).await?;
            let images: Vec<String> = all.iter().map(|s| runtime.image_of(s)).collect();
            for n in crate::gate::check(self.engine.as_ref(), &self.security, &images, false, options.force).await? {
                if n.contains("--force") {
                    self.note(&app.name, "Warning", n.clone());
                }
                notes.push(n);
            }
        }
        let file = app.file.display().to_string();
        self.locked(&attempt, runtime, "deploy", &file, notes).await
    }

    /// Takes the app's lock and a deployment slot, saying so when it has to wait.
    pub(crate) async fn lock(&self, app: &str) -> Result<crate::store::LockGuard> {
        self.store.lock_for(app, &self.config, &self.progress).await
    }

    /// Under the app's lock and a deployment slot: record, roll out, roll back on failure.
    pub(crate) async fn locked(
        &self,
        attempt: &Attempt,
        runtime: ComposeRuntime,
        kind: &str,
        file: &str,
        notes: Vec<String>,
    ) -> Result<DeploymentResult> {
        let guard = self.lock(&attempt.name).await?;
        let r = self.recorded(attempt, runtime, kind, file, notes).await;
        self.store.release(guard).await;
        r
    }

    async fn recorded(
        &self,
        attempt: &Attempt,
        runtime: ComposeRuntime,
        kind: &str,
        file: &str,
        mut notes: Vec<String>,
    ) -> Result<DeploymentResult> {
        let previous = self.store.last_good(&attempt.name).await?;
        let mut record =
            DeploymentRecord::starting(&attempt.id, &attempt.name, &attempt.version, kind, file, runtime.project())?;
        self.store.begin(&mut record).await?;
        let plan = self.plan_on(&runtime, previous.as_ref()).await?;
        for s in plan.services() {
            if let Some(why) = &s.policy.order_forced
                && s.action == rollout::ServiceAction::Update
            {
                notes.push(format!("{}: {why}", s.service));
            }
        }
        let limits = StepLimits { health_check_timeout: self.config.health_check_timeout.0, rollback: false };
        let outcome =
            tokio::time::timeout(self.config.deployment_timeout.0, self.execute(&runtime, &plan, limits)).await;
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(StepError::Failed(f, action))) => Some((*f, action)),
            Ok(Err(StepError::Run(e))) => {
                // The engine went away, or refused a step: say so; the record stays pending and
                // reads `interrupted`, and the next run converges.
                if !matches!(e, RunError::Engine(tuxpilot_docker::EngineError::Unavailable { .. })) {
                    record.end(Outcome::Failed, Some(e.to_string()));
                    let _ = self.store.finish(&record).await;
                }
                return Err(e.into());
            }
            Err(_) => Some((Failure::deployment_timeout(self.config.deployment_timeout.0), FailureAction::Rollback)),
        };
        let (status, version) = match &failure {
            None => (Outcome::Success, attempt.version.clone()),
            Some((_, FailureAction::Pause)) => (Outcome::Paused, attempt.version.clone()),
            Some((_, _)) => match &previous {
                Some(prev) => {
                    let prev_project: Project = serde_json::from_value(prev.project.clone())
                        .map_err(|e| Error::Corrupt(format!("history record {} unreadable: {e}", prev.seq)))?;
                    self.note(
                        &attempt.name,
                        "Rolling back",
                        format!("returning {} to version {}", attempt.name, prev.version),
                    );
                    let back =
                        Attempt { id: attempt.id.clone(), name: attempt.name.clone(), version: prev.version.clone() };
                    let rt = self.runtime(prev_project, runtime.meta().clone(), &back);
                    let plan = self.plan_on(&rt, Some(prev)).await?;
                    let limits = StepLimits { rollback: true, ..limits };
                    match self.execute(&rt, &plan, limits).await {
                        Ok(()) => (Outcome::RolledBack, prev.version.clone()),
                        Err(StepError::Failed(f, _)) => {
                            notes.push(format!("the rollback failed too: {f}"));
                            (Outcome::Failed, attempt.version.clone())
                        }
                        Err(StepError::Run(e)) => return Err(e.into()),
                    }
                }
                None => {
                    let removed = self.remove_attempt(&runtime, &attempt.id).await?;
                    notes.push(format!(
                        "no earlier version to return to: removed the {removed} container(s) this deployment created"
                    ));
                    (Outcome::Failed, attempt.version.clone())
                }
            },
        };
        record.end(status, failure.as_ref().map(|(f, _)| f.to_string()));
        self.store.finish(&record).await?;
        let mut result =
            self.result(&runtime, attempt, &version, status.as_str(), plan, failure.map(|(f, _)| f), notes).await?;
        result.requested_version = attempt.version.clone();
        Ok(result)
    }

    /// Runs a plan: networks and volumes, repairs, then each wave's services at once.
    pub(crate) async fn execute(
        &self,
        runtime: &ComposeRuntime,
        plan: &RolloutPlan,
        limits: StepLimits,
    ) -> std::result::Result<(), StepError> {
        let all = runtime.selection(&[], false)?;
        runtime.ensure_images(&all, None, false).await?;
        let resources = runtime.plan(&UpOptions::default()).await?;
        for a in resources.resources {
            match a {
                Action::CreateNetwork { key, name } => crate::network::create(runtime, &key, &name).await?,
                Action::CreateVolume { .. } => runtime.create_resource(a).await?,
                _ => {}
            }
        }
        for r in &plan.repairs.remove {
            runtime.remove(&r.id, &r.name, Some(Duration::from_secs(2))).await?;
        }
        for (r, name) in &plan.repairs.rename {
            runtime.engine().rename_container(&r.id, name).await?;
        }
        for wave in &plan.waves {
            let mut tasks = tokio::task::JoinSet::new();
            for sp in wave.clone() {
                let rt = runtime.clone();
                tasks.spawn(async move { replicas::run_service(&rt, &sp, limits).await });
            }
            let mut first: Option<StepError> = None;
            while let Some(r) = tasks.join_next().await {
                let r = r.map_err(|e| StepError::Run(RunError::Timeout(format!("internal task failed: {e}"))))?;
                if let Err(e) = r {
                    // A failed replica decides the outcome over a later engine error.
                    if first
                        .as_ref()
                        .is_none_or(|f| matches!(f, StepError::Run(_)) && matches!(e, StepError::Failed(..)))
                    {
                        first = Some(e);
                    }
                }
            }
            if let Some(e) = first {
                return Err(e);
            }
        }
        for sp in &plan.removed {
            replicas::run_service(runtime, sp, limits).await?;
        }
        Ok(())
    }

    /// Removes the containers `deployment` created (a failed first deploy).
    async fn remove_attempt(&self, runtime: &ComposeRuntime, deployment: &str) -> Result<usize> {
        let mut n = 0;
        for c in runtime.containers(true).await? {
            if c.labels.get(DEPLOYMENT_LABEL).is_some_and(|d| d == deployment) {
                runtime.remove(&c.id, &c.name, Some(Duration::from_secs(2))).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn result(
        &self,
        runtime: &ComposeRuntime,
        attempt: &Attempt,
        version: &str,
        status: &str,
        plan: RolloutPlan,
        failure: Option<Failure>,
        notes: Vec<String>,
    ) -> Result<DeploymentResult> {
        use tuxpilot_compose::runtime::labels;
        let mut containers: Vec<ContainerStatus> = runtime
            .containers(true)
            .await?
            .into_iter()
            .filter(|c| c.labels.get(labels::ONEOFF).is_none_or(|v| v != "True"))
            .map(|c| ContainerStatus {
                service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
                status: container_status(&c),
                name: c.name,
                id: c.id,
                node: None,
            })
            .collect();
        containers.sort_by(|a, b| a.name.cmp(&b.name));
        let changes = plan
            .services()
            .filter(|s| s.action != rollout::ServiceAction::Unchanged)
            .map(|s| {
                (
                    s.service.clone(),
                    serde_json::to_value(s.action)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                )
            })
            .collect();
        let network = runtime
            .project()
            .networks
            .get(crate::lower::NETWORK_KEY)
            .and_then(|n| n.name.clone())
            .unwrap_or_else(|| format!("{}_default", attempt.name));
        Ok(DeploymentResult {
            deployment_id: attempt.id.clone(),
            name: attempt.name.clone(),
            version: version.to_string(),
            requested_version: attempt.version.clone(),
            status: status.to_string(),
            containers,
            network,
            changes,
            failure,
            notes,
            plan,
        })
    }
}

/// `running (healthy)`, `exited (1)`… from a listing's state and status text.
pub(crate) fn container_status(c: &tuxpilot_docker::ContainerSummary) -> String {
    let state = c.state.as_str().to_string();
    if c.status.contains("(healthy)") {
        format!("{state} (healthy)")
    } else if c.status.contains("(unhealthy)") {
        format!("{state} (unhealthy)")
    } else if c.status.contains("health: starting") {
        format!("{state} (starting)")
    } else {
        state
    }
}

pub(crate) fn meta(app: &LoadedApp) -> ProjectMeta {
    ProjectMeta::new(&app.working_dir, std::slice::from_ref(&app.file))
}

//! Deployments on the local engine: a version staged as a compose runtime, its rollout in
//! dependency waves; the one driver ([`crate::driver`]) does the gate, the locks, the record and
//! the rollback around it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tuxpilot_compose::Project;
use tuxpilot_compose::runtime::{Action, ComposeRuntime, ProgressFn, ProjectMeta, RunError, UpOptions};
use tuxpilot_docker::Engine;

use crate::config::{DeployOptions, OrchestrationConfig};
use crate::driver::{self, Applied, Attempt, Deployer, Parts, Source};
use crate::error::Result;
use crate::load::LoadedApp;
use crate::proxy::switch::Switch;
use crate::replicas::{self, StepError, StepLimits};
use crate::result::{ContainerStatus, DeploymentResult, container_status};
use crate::rollout::{self, PlanInputs, RolloutPlan};
use crate::store::{DeploymentRecord, Store};

/// Label on containers: the app.
pub const APP_LABEL: &str = "io.tuxpilot.app";
/// Label on containers: the version that created them.
pub const VERSION_LABEL: &str = "io.tuxpilot.version";
/// Label on containers: the deployment that created them.
pub const DEPLOYMENT_LABEL: &str = "io.tuxpilot.deployment";

/// Deploys apps on one engine.
#[derive(Clone)]
pub struct Orchestrator {
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) config: OrchestrationConfig,
    pub(crate) progress: ProgressFn,
    pub(crate) store: Store,
    pub(crate) security: tuxpilot_security::SecurityConfig,
    pub(crate) proxy_binary: Option<std::path::PathBuf>,
}

impl Orchestrator {
    /// An orchestrator on `engine`; `progress` receives one event per step.
    pub fn new(engine: Arc<dyn Engine>, config: OrchestrationConfig, progress: ProgressFn) -> Self {
        let store = Store::new(engine.clone());
        Self { engine, config, progress, store, security: Default::default(), proxy_binary: None }
    }

    /// The security gate's settings (`[containers.security]`): deploys and scale-ups are
    /// checked ([`crate::gate`]), rollbacks warned about.
    pub fn with_security(mut self, security: tuxpilot_security::SecurityConfig) -> Self {
        self.security = security;
        self
    }

    /// The `tuxpilot-proxy` program the managed-port proxy's image is built from (default:
    /// `$TUXPILOT_PROXY_BIN`, or next to the running program; see [`crate::proxy::image`]).
    pub fn with_proxy_binary(mut self, binary: std::path::PathBuf) -> Self {
        self.proxy_binary = Some(binary);
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
        // Fixed host ports are the proxy's: the replicas do not bind them (crate::proxy).
        let project = crate::proxy::ports::split(project);
        ComposeRuntime::new(self.engine.clone(), project, meta, self.progress.clone()).with_container_labels(labels)
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
        driver::deploy(self, app, options).await
    }

    /// Returns `app` to version `to`, or by default to the last good version before the current.
    pub async fn rollback(&self, app: &str, to: Option<&str>) -> Result<DeploymentResult> {
        driver::rollback(self, app, to).await
    }

    /// Every deployment attempt of `app`, oldest first.
    pub async fn history(&self, app: &str) -> Result<Vec<DeploymentRecord>> {
        driver::history(self, app).await
    }

    /// Takes the app's lock and a deployment slot, saying so when it has to wait.
    pub(crate) async fn lock(&self, app: &str) -> Result<crate::store::LockGuard> {
        self.store.lock_for(app, &self.config, &self.progress).await
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
        // The proxy is ready (built, started) before any replica changes.
        let switch = Switch::start(runtime, self.proxy_binary.as_deref()).await?;
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
                let sw = switch.clone();
                tasks.spawn(async move { replicas::run_service(&rt, &sp, limits, &sw).await });
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
            replicas::run_service(runtime, sp, limits, &switch).await?;
        }
        if let Some(sw) = &switch {
            sw.sync().await?;
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

    /// The app's containers (one-off containers left out).
    async fn containers_of(&self, runtime: &ComposeRuntime) -> Result<Vec<ContainerStatus>> {
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
        Ok(containers)
    }
}

pub(crate) fn meta(app: &LoadedApp) -> ProjectMeta {
    ProjectMeta::new(&app.working_dir, std::slice::from_ref(&app.file))
}

/// The local engine as a backend of the one deploy driver: a version is staged as a compose
/// runtime labelled with the attempt; applying it runs the rollout plan's waves.
impl Deployer for Orchestrator {
    type Staged = ComposeRuntime;

    fn parts(&self) -> Parts<'_> {
        Parts {
            engine: self.engine.as_ref(),
            store: &self.store,
            config: &self.config,
            progress: &self.progress,
            security: &self.security,
            place: "",
        }
    }

    async fn ready(&self) -> Result<()> {
        Ok(())
    }

    async fn stage(&self, project: &Project, attempt: &Attempt, source: &Source) -> Result<ComposeRuntime> {
        let meta = ProjectMeta::new(&source.dir, std::slice::from_ref(&source.file));
        Ok(self.runtime(project.clone(), meta, attempt))
    }

    async fn prepare(&self, runtime: &ComposeRuntime) -> Result<()> {
        if crate::proxy::ports::managed(runtime.project()).is_empty() {
            return Ok(());
        }
        if let Some(note) = crate::proxy::Proxy::new(self.engine.as_ref()).ensure(self.proxy_binary.as_deref()).await? {
            runtime.emit("Proxy", crate::proxy::CONTAINER, "Recreated", None, Some(note));
        }
        Ok(())
    }

    fn staged_notes(&self, _: &ComposeRuntime) -> Vec<String> {
        Vec::new()
    }

    async fn images(&self, runtime: &ComposeRuntime) -> Result<Vec<String>> {
        let all = runtime.selection(&[], false)?;
        runtime.ensure_images(&all, None, false).await?;
        Ok(all.iter().map(|s| runtime.image_of(s)).collect())
    }

    async fn plan(&self, runtime: &ComposeRuntime, previous: Option<&DeploymentRecord>) -> Result<RolloutPlan> {
        self.plan_on(runtime, previous).await
    }

    async fn apply(
        &self,
        runtime: &ComposeRuntime,
        plan: &RolloutPlan,
        _previous: Option<&DeploymentRecord>,
        rollback: bool,
    ) -> Result<Applied> {
        let limits = StepLimits { health_check_timeout: self.config.health_check_timeout.0, rollback };
        match self.execute(runtime, plan, limits).await {
            Ok(()) => Ok(Applied::Done),
            Err(StepError::Failed(failure, action)) => {
                Ok(Applied::Failed { failure: *failure, action, created: Vec::new() })
            }
            Err(e) => Err(e.into_error()),
        }
    }

    async fn remove_created(&self, runtime: &ComposeRuntime, attempt: &Attempt, _: &[String]) -> Result<Vec<String>> {
        let removed = self.remove_attempt(runtime, &attempt.id).await?;
        let mut notes = vec![format!(
            "no earlier version to return to: removed the {removed} container(s) this deployment created"
        )];
        // Nothing of the app is left: its networks and its routes go too (and the proxy, when
        // no other app uses it). Named volumes stay, with their data.
        if runtime.containers(true).await?.is_empty() {
            runtime.down(&tuxpilot_compose::runtime::DownOptions::default()).await?;
            notes.push(format!("removed the app's network {}", self.network(runtime, attempt)));
            self.unroute(&attempt.name).await?;
        }
        Ok(notes)
    }

    async fn containers(&self, runtime: &ComposeRuntime, _: &Attempt, _planned: bool) -> Result<Vec<ContainerStatus>> {
        self.containers_of(runtime).await
    }

    fn network(&self, runtime: &ComposeRuntime, attempt: &Attempt) -> String {
        runtime
            .project()
            .networks
            .get(crate::lower::NETWORK_KEY)
            .and_then(|n| n.name.clone())
            .unwrap_or_else(|| format!("{}_default", attempt.name))
    }
}

//! Running a loaded project on an engine the way `docker compose` does: plan, then execute the
//! plan as a DAG in which each service waits only for its own dependencies.

pub(crate) mod context;
mod files;
mod images;
mod lifecycle;
mod observe;
mod oneoff;
mod plan;
mod spec;
mod up;
pub mod verbs;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tuxpilot_docker::{Engine, EngineError};

pub use plan::{Action, Observed, ObservedContainer, Plan, PlanOptions, plan_up};
pub use spec::{COMPOSE_VERSION, ProjectMeta, container_name, container_spec, labels, mount, port_binding};

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
    /// The project asks for something this runtime does not do (provider services).
    #[error("{0}")]
    Unsupported(String),
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

/// How `run` makes its one-off container.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The command (default: the service's).
    pub command: Option<Vec<String>>,
    /// `--service-ports`: publish the service's ports (otherwise none are).
    pub service_ports: bool,
    /// `-i`: keep stdin open and attached (for [`ComposeRuntime::run_attached`]).
    pub interactive: bool,
    /// `-t`: allocate a TTY.
    pub tty: bool,
    /// `-e KEY=VALUE`: environment added to (or replacing) the service's.
    pub environment: std::collections::BTreeMap<String, String>,
    /// `--name`: the container's name (default `<project>-<service>-run-<slug>`).
    pub name: Option<String>,
    /// `-v`: mounts added (replacing the service's at the same target).
    pub mounts: Vec<tuxpilot_docker::MountSpec>,
    /// `--entrypoint`.
    pub entrypoint: Option<Vec<String>>,
    /// `-u`: the user.
    pub user: Option<String>,
    /// `-w`: the working directory.
    pub working_dir: Option<String>,
    /// `--no-deps`: do not start the service's dependencies.
    pub no_deps: bool,
}

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
    /// `--no-start`: create what is missing or changed, start nothing.
    pub no_start: bool,
    /// `-V`: a recreated container gets new anonymous volumes instead of its predecessor's.
    pub renew_anon_volumes: bool,
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
            no_start: false,
            renew_anon_volumes: false,
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
    /// Labels put on every container created, outside the config hash.
    extra_labels: Arc<BTreeMap<String, String>>,
}

pub(crate) fn now_ms(start: Instant) -> Option<u64> {
    Some(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

impl ComposeRuntime {
    /// Binds `project` to `engine`; `progress` receives one event per resource step.
    pub fn new(engine: Arc<dyn Engine>, project: Project, meta: ProjectMeta, progress: ProgressFn) -> Self {
        Self {
            engine,
            project: Arc::new(project),
            meta,
            progress,
            start_lock: Arc::new(Mutex::new(())),
            extra_labels: Arc::default(),
        }
    }

    /// Puts `labels` on every container this runtime creates. They are not part of the config
    /// hash, so changing them alone recreates nothing (the orchestrator's version and deployment
    /// id labels).
    pub fn with_container_labels(mut self, labels: BTreeMap<String, String>) -> Self {
        self.extra_labels = Arc::new(labels);
        self
    }

    /// The project.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The engine the project runs on.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// What every container of the project shares (directory, files).
    pub fn meta(&self) -> &ProjectMeta {
        &self.meta
    }

    /// Reports one resource step to the progress callback.
    pub fn emit(
        &self,
        kind: &'static str,
        name: &str,
        status: &'static str,
        elapsed_ms: Option<u64>,
        message: Option<String>,
    ) {
        (self.progress)(ProgressEvent { kind, name: name.to_string(), status, elapsed_ms, message });
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

pub(crate) fn now_nanos() -> u64 {
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

//! `tuxpilot-orchestrator` deploys applications on a Docker Engine the way people reach for
//! docker-rollout, Swarm or Kubernetes to do it, on one engine:
//!
//! - an app spec ([`ApplicationDeployment`], `app.yaml`) or a compose file, checked before
//!   anything is created ([`load`]), lowered onto a compose project so `docker compose -p APP ps`
//!   sees the app ([`lower`]);
//! - a pure rollout planner ([`rollout::plan`]): which services changed, in dependency waves,
//!   batches, start-first or stop-first;
//! - the [`Orchestrator`]: first deploys in dependency order (dependents start only after their
//!   dependencies are healthy), health-gated rolling updates of only what changed, drains
//!   (off the network, then stop), automatic rollback, history kept in the engine where every
//!   tuxpilot process sees it, scale, undeploy, and `max_concurrent_deployments` across
//!   processes;
//! - the [`SwarmOrchestrator`] (`--backend swarm`): the same apps as Swarm services, named as
//!   `docker stack deploy` names them, in `depends_on` waves, converged from `UpdateStatus` and
//!   the tasks, with every version kept in Swarm configs for `rollback --to` ([`swarm`]);
//! - one deploy driver for both (gate → lock → record → rollout → verify → rollback → history);
//! - [`Apps`]: the use-case every front end (the CLI, chat, MCP) calls: both backends with the
//!   same settings, each app's backend found from what the engine records;
//! - [`gate`]: the security gate (`[containers.security] scan_images`), once for every path that
//!   starts a user-named image;
//! - [`updates`]: automatic image updates (opt-in policies, registry checks without a pull,
//!   the gate, health-gated rollout and rollback, a bad digest never retried, a webhook);
//! - the Kubernetes export of the same apps is its own crate, `tuxpilot-kubernetes`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use tuxpilot_docker::{BollardEngine, ConnectionConfig, Swarm};
//! use tuxpilot_orchestrator::{Apps, DeployOptions, LoadAppOptions, OrchestrationConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Arc::new(BollardEngine::connect(&ConnectionConfig::from_env()).await?);
//! let swarm: Arc<dyn Swarm> = engine.clone();
//! let security = tuxpilot_security::SecurityConfig { scan_images: true, ..Default::default() };
//! let apps = Apps::new(engine, Some(swarm), OrchestrationConfig::default(), security, Arc::new(|e| eprintln!("{e:?}")));
//! let app = tuxpilot_orchestrator::load(std::path::Path::new("app.yaml"), &LoadAppOptions::from_env())?;
//! let result = apps.deploy(&app, &DeployOptions::default(), None).await?;
//! println!("{} {} {}", result.name, result.version, result.status);
//! # Ok(()) }
//! ```

mod apps;
mod config;
mod deploy;
mod driver;
mod error;
pub mod gate;
mod load;
pub mod lower;
mod network;
mod ops;
pub mod proxy;
pub mod prune;
mod records;
mod replicas;
mod result;
pub mod rollout;
pub mod spec;
mod store;
mod supervise;
pub mod swarm;
pub mod updates;
mod validate;

pub use apps::Apps;
pub use config::{Backend, DeployOptions, OrchestrationConfig};
pub use deploy::{APP_LABEL, DEPLOYMENT_LABEL, Orchestrator, VERSION_LABEL};
pub use error::{Error, Result};
pub use load::{LoadAppOptions, LoadedApp, SourceFormat, load, load_text};
pub use ops::{DeploymentSummary, ScalingResult, ServiceStatus, UndeployResult};
pub use replicas::{DRAIN, Failure};
pub use result::{ContainerStatus, DeploymentResult, DeploymentStatus, ScaleStatus};
pub use spec::{ApplicationDeployment, ContainerDeploymentConfig, ResourceLimits};
pub use store::{DeploymentRecord, HISTORY_LABEL, LOCK_IMAGE, Outcome, Store, project_hash};
pub use supervise::{SupervisorEvent, SupervisorOptions};
pub use swarm::{ServiceReport, SwarmNodeVolumes, SwarmOrchestrator, TaskReport};

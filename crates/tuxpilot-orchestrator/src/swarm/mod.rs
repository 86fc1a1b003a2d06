//! Deployments on Docker Swarm (`--backend swarm`): the same app files become Swarm services,
//! named and labelled as `docker stack deploy` names them, so `docker stack ls/services/ps/rm`
//! work on them, and better than it:
//!
//! - `depends_on` is honoured: a wave of services is created or updated only once the services
//!   it depends on run every replica (healthy, when they have a health check);
//! - updates are start-first, roll back by themselves, and watch past the health check;
//! - convergence is judged from `UpdateStatus` and the tasks ([`converge`]), and a task that
//!   never runs fails the deployment after `health_check_timeout`;
//! - every version is kept as a Swarm config (`tuxpilot-history-<app>-<seq>`), so `rollback --to`
//!   goes back any number of versions (Swarm itself keeps one, and a scale overwrites it).

mod apply;
mod backend;
mod converge;
pub mod convert;
mod ops;
mod orchestrator;

pub use ops::{ServiceReport, SwarmNodeVolumes, TaskReport};
pub use orchestrator::SwarmOrchestrator;

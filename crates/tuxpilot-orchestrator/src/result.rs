//! What deployments return: their status, their containers, what changed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::replicas::Failure;
use crate::rollout::RolloutPlan;
use crate::store::Outcome;

/// How a deployment ended, as its JSON `status` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    /// A dry run: nothing was changed.
    Planned,
    /// Converged on what was asked.
    Success,
    /// Failed and returned to the previous version.
    RolledBack,
    /// Stopped where it failed (`failure_action: pause`).
    Paused,
    /// Failed; nothing to return to, or the rollback failed too.
    Failed,
}

impl DeploymentStatus {
    /// As written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Success => "success",
            Self::RolledBack => "rolled_back",
            Self::Paused => "paused",
            Self::Failed => "failed",
        }
    }
}

impl std::fmt::Display for DeploymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Outcome> for DeploymentStatus {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Success => Self::Success,
            Outcome::RolledBack => Self::RolledBack,
            Outcome::Paused => Self::Paused,
            Outcome::InProgress | Outcome::Failed | Outcome::Interrupted => Self::Failed,
        }
    }
}

/// How a scale ended, as its JSON `status` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleStatus {
    /// As many replicas run as were asked for.
    Success,
    /// Fewer run: the result's message says why.
    Failed,
}

impl std::fmt::Display for ScaleStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Success => "success",
            Self::Failed => "failed",
        })
    }
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
    pub status: DeploymentStatus,
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
        matches!(self.status, DeploymentStatus::Success | DeploymentStatus::Planned)
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

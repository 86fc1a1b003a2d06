//! `[containers.orchestration]` and the per-call options of a deployment.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::spec::DurationSpec;

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
    /// What is wrong with these settings, in words that name the key and the fix: no deployment
    /// slot, or a timeout of zero (every deployment would fail at once).
    pub fn validate(&self) -> Result<(), String> {
        if self.max_concurrent_deployments == 0 {
            return Err("max_concurrent_deployments must be at least 1".into());
        }
        for (key, d) in
            [("deployment_timeout", self.deployment_timeout.0), ("health_check_timeout", self.health_check_timeout.0)]
        {
            if d.is_zero() {
                return Err(format!("{key} must be longer than 0 (e.g. \"2m\")"));
            }
        }
        Ok(())
    }

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

//! What an [`crate::Executor`] runs with: the config file's sections, the same as the CLI's
//! commands apply them, and where it writes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tuxpilot_orchestrator::OrchestrationConfig;

/// Settings of an [`crate::Executor`].
#[derive(Clone)]
pub struct ExecSettings {
    /// `[containers.orchestration]`.
    pub orchestration: OrchestrationConfig,
    /// `[containers.security]`: the gate and the vulnerability database for image scans.
    pub security: tuxpilot_security::SecurityConfig,
    /// `[containers.compose]`: how compose projects are run.
    pub compose: tuxpilot_compose::ComposeConfig,
    /// Where generated app.yaml files are saved.
    pub workdir: PathBuf,
    /// The config file alert thresholds are written to (`None`: not written, only reported).
    pub config_file: Option<PathBuf>,
    /// How long `optimize` observes.
    pub optimize_window: Duration,
    /// Progress of deployments and compose runs.
    pub progress: tuxpilot_compose::runtime::ProgressFn,
}

impl Default for ExecSettings {
    fn default() -> Self {
        Self {
            orchestration: OrchestrationConfig::default(),
            security: tuxpilot_security::SecurityConfig::default(),
            compose: tuxpilot_compose::ComposeConfig::default(),
            workdir: PathBuf::from("."),
            config_file: None,
            optimize_window: Duration::from_secs(10),
            progress: Arc::new(|_| {}),
        }
    }
}

//! What an [`crate::Executor`] runs with: the config file's sections, the same as the CLI's
//! commands apply them, and where it writes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tuxpilot_orchestrator::OrchestrationConfig;

/// How a front end writes a typed command as one line.
pub type RenderCommand = Arc<dyn Fn(&crate::same_as::SameAs) -> String + Send + Sync>;

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
    /// The command that evaluates alerts until stopped (`tuxpilot containers monitor --alerts`),
    /// run in the background by "set up monitoring". Empty: setting it up is refused.
    pub monitor_command: Vec<String>,
    /// Where a background monitor keeps its pid and log.
    pub state_dir: PathBuf,
    /// How the front end writes a typed command as a line (`Plan::commands`); without it plans
    /// carry only `Plan::same_as`. The CLI sets its own rendering, so chat and MCP show the
    /// same lines.
    pub render_command: Option<RenderCommand>,
    /// The config file already sets alert thresholds (else "set up monitoring" without any
    /// uses cpu 80 % and memory 90 %, and says so).
    pub thresholds_configured: bool,
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
            monitor_command: Vec::new(),
            state_dir: tuxpilot_monitor::background::default_state_dir(),
            thresholds_configured: false,
            render_command: None,
        }
    }
}

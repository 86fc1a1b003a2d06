//! Why an intent could not be carried out: the library's own error, kept whole, so that its hint
//! and exit code reach the front end.

use std::path::PathBuf;

use crate::refs::InvalidIntent;

/// Why an intent could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The engine refused or failed.
    #[error(transparent)]
    Engine(#[from] tuxpilot_docker::EngineError),
    /// The orchestrator refused or failed (the security gate's block among them).
    #[error(transparent)]
    Orchestrator(#[from] tuxpilot_orchestrator::Error),
    /// A file that does not load (it names the file, line and key).
    #[error(transparent)]
    Load(#[from] tuxpilot_compose::Error),
    /// A compose step failed.
    #[error(transparent)]
    Run(#[from] tuxpilot_compose::runtime::RunError),
    /// A scan failed.
    #[error(transparent)]
    Scan(#[from] tuxpilot_security::ScanError),
    /// Metrics could not be read.
    #[error(transparent)]
    Monitor(#[from] tuxpilot_monitor::CollectError),
    /// The request cannot be carried out as asked (what to say instead).
    #[error(transparent)]
    Invalid(#[from] InvalidIntent),
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// `read`, `write`…
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Background monitoring could not be started or stopped.
    #[error("background monitoring: {0}")]
    Background(String),
    /// The config file the alert thresholds go to could not be updated.
    #[error("{0}")]
    Config(String),
    /// A deployment ran and did not converge: rolled back, paused or failed.
    #[error("{reply}")]
    Deployment {
        /// What to tell the user.
        reply: String,
        /// The deployment's result.
        result: Box<tuxpilot_orchestrator::DeploymentResult>,
    },
    /// A scale ran and did not reach its count.
    #[error("{reply}")]
    Scale {
        /// What to tell the user.
        reply: String,
        /// The scale's result.
        result: Box<tuxpilot_orchestrator::ScalingResult>,
    },
}

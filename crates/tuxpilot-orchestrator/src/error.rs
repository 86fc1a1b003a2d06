//! The orchestrator's errors: each says what to do next.

use tuxpilot_docker::EngineError;

/// Why an orchestrator operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The app file is wrong (file:line:column, key path, hint).
    #[error(transparent)]
    Spec(#[from] tuxpilot_compose::Error),
    /// The engine refused or could not be reached.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A compose step failed.
    #[error(transparent)]
    Run(#[from] tuxpilot_compose::runtime::RunError),
    /// The security gate blocked the images.
    #[error(transparent)]
    Blocked(#[from] tuxpilot_security::HookError),
    /// Waiting for a lock took longer than allowed.
    #[error("timed out {0}")]
    LockTimeout(String),
    /// No such app, service or version.
    #[error("{0}")]
    NotFound(String),
    /// A name matches more than one thing.
    #[error("{0}")]
    Ambiguous(String),
    /// Stored state that cannot be read back.
    #[error("{0}")]
    Corrupt(String),
    /// The managed-port proxy could not be built, started or given its routes.
    #[error("managed ports: {0}")]
    Proxy(String),
    /// An image update or an opt-in change did not go through (what runs is said).
    #[error("{0}")]
    Update(String),
    /// A named update target has not opted in to automatic updates.
    #[error("{0}")]
    NotOptedIn(String),
    /// A registry could not be asked, or refused.
    #[error(transparent)]
    Registry(#[from] tuxpilot_docker::registry::RegistryError),
}

impl Error {
    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Spec(e) => e.hint.clone(),
            Self::Engine(e) => e.hint(),
            Self::Run(tuxpilot_compose::runtime::RunError::Engine(e)) => e.hint(),
            Self::LockTimeout(_) => Some(
                "another deployment holds the lock; wait for it, or raise deployment_timeout in [containers.orchestration]"
                    .into(),
            ),
            Self::NotFound(_) => Some("list deployments with `tuxpilot containers deployments`".into()),
            Self::Proxy(_) => Some(
                "see `tuxpilot containers proxy ls` and `tuxpilot containers proxy logs`; `proxy: off` on a container (label tuxpilot.proxy=off) publishes its ports directly".into(),
            ),
            Self::NotOptedIn(_) => Some(format!(
                "opt in with `auto_update: digest` in app.yaml, the label {}=digest, or `tuxpilot chat \"keep NAME up to date\"`",
                crate::updates::policy::LABEL
            )),
            Self::Registry(e) => Some(e.hint()),
            Self::Blocked(_) => Some("fix the findings, list accepted ones in the ignore file, or pass --force".into()),
            _ => None,
        }
    }

    /// True when the engine could not be reached (it went away, or was never there).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Engine(EngineError::Unavailable { .. })
                | Self::Run(tuxpilot_compose::runtime::RunError::Engine(EngineError::Unavailable { .. }))
        )
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

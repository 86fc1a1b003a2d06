//! The one error type of the Docker seam.

use std::fmt;
use std::time::Duration;

/// What kind of engine object an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A container.
    Container,
    /// An image.
    Image,
    /// A network.
    Network,
    /// A volume.
    Volume,
    /// The engine itself (system endpoints).
    Engine,
    /// The swarm (init, join, leave).
    Swarm,
    /// A swarm node.
    Node,
    /// A swarm service.
    Service,
    /// A swarm task.
    Task,
    /// A swarm secret.
    Secret,
    /// A swarm config.
    Config,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Container => "container",
            Self::Image => "image",
            Self::Network => "network",
            Self::Volume => "volume",
            Self::Engine => "engine",
            Self::Swarm => "swarm",
            Self::Node => "node",
            Self::Service => "service",
            Self::Task => "task",
            Self::Secret => "secret",
            Self::Config => "config",
        })
    }
}

/// Everything that can go wrong talking to a Docker Engine.
///
/// Each variant carries what a user needs to act: the object that was asked for, the address that
/// was tried, the status the daemon answered. [`EngineError::hint`] says what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The daemon has no such object (HTTP 404).
    #[error("no such {kind}: {name}")]
    NotFound {
        /// What was looked for.
        kind: ResourceKind,
        /// The name or id that was asked for.
        name: String,
        /// The daemon's own words.
        message: String,
    },
    /// The request conflicts with the object's state or name (HTTP 409), e.g. a name in use or
    /// removing a running container without force.
    #[error("conflict on {kind} {name}: {message}")]
    Conflict {
        /// The kind of object.
        kind: ResourceKind,
        /// The name or id that was asked for.
        name: String,
        /// The daemon's own words.
        message: String,
    },
    /// No daemon answers at the configured address.
    #[error("cannot reach the Docker daemon at {address}: {reason}")]
    Unavailable {
        /// The address that was tried, e.g. `unix:///var/run/docker.sock`.
        address: String,
        /// Why the connection failed.
        reason: String,
    },
    /// The daemon did not answer in time.
    #[error("{operation} timed out after {}", humanize(*after))]
    Timeout {
        /// What was being done.
        operation: String,
        /// How long we waited.
        after: Duration,
    },
    /// The daemon answered with an error.
    #[error("the Docker daemon refused {operation}: {message}{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Daemon {
        /// What was being done.
        operation: String,
        /// The HTTP status, when the error came as a response rather than inside a stream.
        status: Option<u16>,
        /// The daemon's own words.
        message: String,
    },
    /// The daemon's answer could not be understood.
    #[error("unexpected answer from the Docker daemon during {operation}: {message}")]
    Protocol {
        /// What was being done.
        operation: String,
        /// What did not parse.
        message: String,
    },
    /// The connection settings are wrong (unknown `DOCKER_HOST` scheme, missing TLS files…).
    #[error("invalid Docker connection settings: {message}")]
    InvalidConfig {
        /// What is wrong and where it came from.
        message: String,
    },
    /// An argument we were given is not valid (e.g. an empty image name).
    #[error("invalid {what}: {message}")]
    InvalidArgument {
        /// Which argument.
        what: String,
        /// What is wrong with it.
        message: String,
    },
}

impl EngineError {
    /// A one-line suggestion of what the user can do about this error, when there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NotFound { kind: ResourceKind::Container, .. } => {
                Some("list containers with `tuxpilot containers list --all`".into())
            }
            Self::NotFound { kind: ResourceKind::Image, name, .. } => Some(format!(
                "pull it (`docker pull {name}`) or build/import it locally; list images with `docker images`"
            )),
            Self::NotFound { kind, .. } => Some(format!("check the {kind} name; it may have been removed")),
            Self::Conflict { kind: ResourceKind::Container, message, .. }
                if message.contains("is already in use") =>
            {
                Some("choose another --name, or remove the old container first".into())
            }
            Self::Conflict { kind: ResourceKind::Container, .. } => Some(
                "stop the container first, or pass --force to remove it while it runs".into(),
            ),
            Self::Conflict { kind, .. } => Some(format!("the {kind} is in use; remove what uses it first")),
            Self::Unavailable { address, .. } => Some(format!(
                "is dockerd running and reachable at {address}? Start it (`scripts/dev-engine.sh`, `systemctl start docker`), or set DOCKER_HOST / `docker_socket` in the config to an engine that runs"
            )),
            Self::Timeout { .. } => Some(
                "the daemon is slow or stuck; retry, or raise the timeout (`--timeout`, `timeout` in the config)".into(),
            ),
            Self::InvalidConfig { .. } => Some(
                "DOCKER_HOST takes unix:///path/to/docker.sock or tcp://HOST:PORT; TLS needs DOCKER_CERT_PATH with ca.pem, cert.pem and key.pem".into(),
            ),
            Self::Daemon { .. } | Self::Protocol { .. } | Self::InvalidArgument { .. } => None,
        }
    }

    /// True for [`EngineError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// True for [`EngineError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

fn humanize(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}

/// Result alias for engine calls.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

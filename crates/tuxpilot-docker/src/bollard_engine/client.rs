//! [`BollardEngine`] itself: the client, where it talks to, and with what timeout.

use std::time::Duration;

use bollard::Docker;

/// An [`Engine`] backed by a Docker daemon reached through bollard.
///
/// Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct BollardEngine {
    pub(super) docker: Docker,
    pub(super) address: String,
    pub(super) timeout: Duration,
    pub(super) api_version: String,
}

impl BollardEngine {
    /// The address this engine talks to, e.g. `unix:///var/run/docker.sock`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The API version agreed with the daemon (`1.41`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// A client whose request timeout covers a server-side wait of `extra` (stop, restart).
    pub(super) fn with_extra_timeout(&self, extra: Duration) -> Docker {
        self.docker.clone().with_timeout(self.timeout + extra)
    }
}

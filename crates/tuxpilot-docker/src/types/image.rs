//! Image types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ContainerPort, HealthCheck};

/// An image as `list` returns it (`docker images`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSummary {
    /// Image id (`sha256:…`).
    pub id: String,
    /// `repo:tag` names.
    pub repo_tags: Vec<String>,
    /// `repo@digest` names.
    pub repo_digests: Vec<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Size in bytes.
    pub size: i64,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

/// An image as `inspect` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageDetails {
    /// Image id.
    pub id: String,
    /// `repo:tag` names.
    pub repo_tags: Vec<String>,
    /// `repo@digest` names.
    pub repo_digests: Vec<String>,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// CPU architecture.
    pub architecture: String,
    /// Operating system.
    pub os: String,
    /// Size in bytes.
    pub size: i64,
    /// Default user.
    pub user: String,
    /// Default environment.
    pub env: Vec<String>,
    /// Default command.
    pub cmd: Vec<String>,
    /// Entrypoint.
    pub entrypoint: Vec<String>,
    /// Working directory.
    pub working_dir: String,
    /// Exposed ports.
    pub exposed_ports: Vec<ContainerPort>,
    /// Declared volumes.
    pub volumes: Vec<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Health check.
    pub healthcheck: Option<HealthCheck>,
    /// Layer digests, bottom first.
    pub layers: Vec<String>,
}

/// One entry of an image's history (`docker history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageHistoryEntry {
    /// Layer image id or `<missing>`.
    pub id: String,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// The instruction that made it.
    pub created_by: String,
    /// Size added.
    pub size: i64,
    /// Comment.
    pub comment: String,
}

/// Credentials for a registry, as `docker login` stores them.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RegistryCredentials {
    /// The registry (`127.0.0.1:5000`, `https://index.docker.io/v1/`).
    pub server: String,
    /// User name (empty with an identity token).
    pub username: String,
    /// Password or token.
    pub password: String,
    /// An identity token (OAuth refresh token) in place of a password.
    pub identity_token: Option<String>,
}

impl std::fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryCredentials").field("server", &self.server).field("username", &self.username).finish()
    }
}

/// A progress message from a pull or import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullProgress {
    /// The layer it is about, if any.
    pub id: Option<String>,
    /// `Pulling fs layer`, `Downloading`, `Pull complete`, …
    pub status: String,
    /// Bytes done.
    pub current: Option<i64>,
    /// Bytes in all.
    pub total: Option<i64>,
}

/// What to name an image imported from a root filesystem tar.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportSpec {
    /// Repository, e.g. `tuxpilot-test/busybox`.
    pub repo: String,
    /// Tag (default `latest`).
    pub tag: Option<String>,
    /// Dockerfile instructions to apply (`CMD ["sh"]`, `ENV A=b`).
    pub changes: Vec<String>,
    /// Commit message.
    pub message: Option<String>,
}

/// What to build (`docker build`, classic builder); the context travels as a tar.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BuildSpec {
    /// Tag for the result (`repo:tag`).
    pub tag: String,
    /// Dockerfile path inside the context.
    pub dockerfile: String,
    /// Build arguments.
    pub args: BTreeMap<String, String>,
    /// Target stage.
    pub target: Option<String>,
    /// Labels on the image.
    pub labels: BTreeMap<String, String>,
    /// Do not use the cache.
    pub no_cache: bool,
    /// Always pull base images.
    pub pull: bool,
}

/// The result of a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuiltImage {
    /// Image id.
    pub id: String,
    /// The builder's output lines.
    pub output: Vec<String>,
}

//! Container registries, asked directly: image references as Docker reads them, the Docker
//! CLI's credentials, and a client for manifest digests and tag lists (update checks that do not
//! pull).

mod client;
mod credentials;
mod reference;

pub use client::{MANIFEST_TYPES, RegistryClient, RegistryError, RegistryErrorKind, is_insecure};
pub use credentials::{CredentialsError, DockerConfig, HUB_SERVER};
pub use reference::{DOCKER_HUB, ImageRef, ReferenceError};

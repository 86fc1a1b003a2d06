//! `tuxpilot-docker` is TuxPilot's one seam to the Docker Engine.
//!
//! Every other TuxPilot crate talks to Docker through the async [`Engine`] trait, in TuxPilot's
//! own types ([`ContainerSpec`], [`ContainerSummary`], [`StatsSample`], …); only this crate knows
//! bollard. It provides:
//!
//! - [`BollardEngine`], the implementation over a real daemon (`unix://` sockets, `tcp://`,
//!   TLS with the `tls` feature), with the API version negotiated at connect;
//! - `MockEngine` (feature `mock`), a mockall mock for other crates' tests;
//! - [`ConnectionConfig`], which resolves `DOCKER_HOST`, `DOCKER_TLS_VERIFY`,
//!   `DOCKER_CERT_PATH` and a configured socket the way the Docker CLI does;
//! - [`EngineError`], typed errors (not found, conflict, unreachable daemon, timeout, daemon
//!   error) that each carry a [hint](EngineError::hint) for the user;
//! - [`registry`], registries asked directly (digests by `HEAD`, tag lists) with the Docker
//!   CLI's credentials, for update checks that do not pull.
//!
//! ```no_run
//! use tuxpilot_docker::{BollardEngine, ConnectionConfig, ContainerSpec, Engine, ListContainersOptions};
//!
//! # async fn demo() -> Result<(), tuxpilot_docker::EngineError> {
//! let engine = BollardEngine::connect(&ConnectionConfig::from_env()).await?;
//! let created = engine
//!     .create_container(ContainerSpec {
//!         name: Some("hello".into()),
//!         image: "busybox".into(),
//!         command: Some(vec!["echo".into(), "hi".into()]),
//!         ..Default::default()
//!     })
//!     .await?;
//! engine.start_container(&created.id).await?;
//! for c in engine.list_containers(ListContainersOptions { all: true, ..Default::default() }).await? {
//!     println!("{} {} {}", c.name, c.image, c.state);
//! }
//! # Ok(()) }
//! ```

mod bollard_engine;
mod config;
mod engine;
mod error;
pub mod files;
pub mod registry;
mod swarm;
mod types;
pub mod units;

pub use bollard_engine::{BollardEngine, parse_stats_json};
pub use config::{ConnectionConfig, DEFAULT_SOCKET, Endpoint};
#[cfg(any(test, feature = "mock"))]
pub use engine::MockEngine;
pub use engine::{ByteStream, Engine};
pub use error::{EngineError, ResourceKind, Result};
#[cfg(any(test, feature = "mock"))]
pub use swarm::MockSwarm;
pub use swarm::Swarm;
pub use types::*;

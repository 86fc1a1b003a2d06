//! `tuxpilot-monitor`: container metrics computed exactly as `docker stats` computes them, and
//! collected for all running containers at once.
//!
//! The maths ([`metrics`], [`cpu_percent`], [`memory_used`], [`rates`]) is a pure function of
//! raw samples, tested against stats captured from cgroup v1 and v2 daemons. [`snapshot`] takes
//! one sample of every running container concurrently through any [`tuxpilot_docker::Engine`].
//! [`AlertEngine`] turns samples into pending → firing → resolved notifications, and
//! [`alertmanager_webhook`] shapes them as Alertmanager's webhook (version 4) does.
//!
//! ```no_run
//! use tuxpilot_docker::{BollardEngine, ConnectionConfig, Filters};
//!
//! # async fn demo() -> Result<(), tuxpilot_docker::EngineError> {
//! let engine = BollardEngine::connect(&ConnectionConfig::from_env()).await?;
//! for m in tuxpilot_monitor::snapshot(&engine, Filters::new(), 16).await? {
//!     println!("{} {:.2}% {}", m.name, m.cpu_percent, m.memory_used_bytes);
//! }
//! # Ok(()) }
//! ```

mod alerts;
pub mod cgroup;
mod collector;
mod disk;
mod metrics;
mod monitor;
pub mod optimize;
pub mod prometheus;
mod sinks;

pub use alerts::{AlertEngine, AlertEvent, AlertMetric, AlertRule, alertmanager_webhook};
pub use collector::{CollectError, Collector, CollectorOptions, Observation, Source, snapshot};
pub use disk::{DiskUsage, disk_usage};
pub use metrics::{Metrics, Rates, cpu_percent, memory_used, metrics, rates};
pub use monitor::{Monitor, MonitoringConfig, Tick};
pub use sinks::{AlertSink, SinkError};

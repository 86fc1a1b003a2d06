//! `tuxpilot-monitor`: container metrics computed exactly as `docker stats` computes them,
//! collected for all running containers at once, and acted on.
//!
//! - The maths ([`metrics`], [`cpu_percent`], [`memory_used`], [`rates`]) is a pure function of
//!   raw samples, tested against stats captured from cgroup v1 and v2 daemons.
//! - A [`Collector`] sweeps every running container concurrently, from the cgroup files
//!   ([`cgroup`], v1 and v2, any driver) when the engine is local, through the engine API
//!   otherwise ([`Source`]).
//! - A [`Monitor`] drives ticks: alert rules ([`AlertEngine`], pending → firing → resolved),
//!   disk checks, and sinks ([`AlertSink`]: log, JSON lines, Alertmanager webhook, command).
//! - [`prometheus`] serves `/metrics` with cAdvisor's names; [`optimize`] recommends limits.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use tuxpilot_docker::{BollardEngine, ConnectionConfig};
//! use tuxpilot_monitor::{Collector, CollectorOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Arc::new(BollardEngine::connect(&ConnectionConfig::from_env()).await?);
//! let mut collector = Collector::new(engine, CollectorOptions::default());
//! for o in collector.snapshot(Duration::from_secs(1)).await? {
//!     println!("{} {:.2}% {}", o.metrics.name, o.metrics.cpu_percent, o.metrics.memory_used_bytes);
//! }
//! # Ok(()) }
//! ```

mod alerts;
pub mod background;
pub mod cgroup;
mod collector;
pub mod delivery;
mod disk;
mod metrics;
mod monitor;
pub mod optimize;
pub mod prometheus;
mod rightsize;
mod sinks;
pub mod webhook;

pub use alerts::{AlertEngine, AlertEvent, AlertMetric, AlertRule, alertmanager_webhook};
pub use collector::{CollectError, Collector, CollectorOptions, Observation, Source};
pub use disk::{DiskUsage, disk_usage};
pub use metrics::{Metrics, Rates, cpu_percent, memory_used, metrics, rates};
pub use monitor::{Monitor, MonitoringConfig, Tick};
pub use rightsize::{ObserveOptions, observe};
pub use sinks::{AlertSink, SinkError};

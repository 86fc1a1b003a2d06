//! The monitoring loop's unit of work: one tick samples every container, checks disk use now
//! and then, evaluates alert rules and hands notifications to the sinks.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::alerts::{AlertEngine, AlertEvent, AlertMetric, AlertRule};
use crate::collector::{CollectError, Collector, Observation};
use crate::disk::{DiskUsage, disk_usage};
use crate::sinks::{AlertSink, SinkError};

/// `[containers.monitoring]` in the config file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitoringConfig {
    /// CPU alert above this percentage (100 = one core); absent = no CPU alert.
    pub cpu_alert_threshold: Option<f64>,
    /// Memory alert above this percentage of the limit.
    pub memory_alert_threshold: Option<f64>,
    /// Disk alert above this percentage (data-root filesystem; writable layer share).
    pub disk_alert_threshold: Option<f64>,
    /// Time between ticks, e.g. `"30s"`.
    #[serde(with = "humantime_serde_opt")]
    pub interval: Option<Duration>,
    /// How long a threshold must be crossed before the alert fires, e.g. `"1m"`.
    #[serde(rename = "for", with = "humantime_serde_opt")]
    pub for_duration: Option<Duration>,
    /// Alertmanager-style webhook URL.
    pub webhook: Option<String>,
    /// Command to run per notification.
    pub command: Option<String>,
    /// File to append JSON lines to (`-` = stdout).
    pub json_log: Option<PathBuf>,
}

mod humantime_serde_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| {
            humantime::parse_duration(&t).map_err(|e| {
                serde::de::Error::custom(format!("invalid duration {t:?} ({e}); write e.g. \"30s\" or \"5m\""))
            })
        })
        .transpose()
    }
}

impl MonitoringConfig {
    /// The keys this section understands (others are reported and ignored).
    pub const KEYS: &'static [&'static str] = &[
        "cpu_alert_threshold",
        "memory_alert_threshold",
        "disk_alert_threshold",
        "interval",
        "for",
        "webhook",
        "command",
        "json_log",
    ];

    /// The alert rules this config asks for.
    pub fn rules(&self) -> Vec<AlertRule> {
        let for_duration = self.for_duration.unwrap_or(Duration::ZERO);
        let mut rules = Vec::new();
        for (name, metric, threshold) in [
            ("ContainerHighCpu", AlertMetric::Cpu, self.cpu_alert_threshold),
            ("ContainerHighMemory", AlertMetric::Memory, self.memory_alert_threshold),
            ("DiskFull", AlertMetric::Disk, self.disk_alert_threshold),
        ] {
            if let Some(threshold) = threshold {
                rules.push(AlertRule { name: name.into(), metric, threshold, for_duration });
            }
        }
        rules
    }

    /// The sinks this config asks for (always a log line when there are rules).
    pub fn sinks(&self) -> Vec<AlertSink> {
        let mut sinks = vec![AlertSink::Log];
        if let Some(u) = &self.webhook {
            sinks.push(AlertSink::Webhook(u.clone()));
        }
        if let Some(c) = &self.command {
            sinks.push(AlertSink::Command(c.clone()));
        }
        if let Some(p) = &self.json_log {
            sinks.push(AlertSink::JsonLines(p.clone()));
        }
        sinks
    }
}

/// What one tick saw and did.
#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    /// When the tick ran.
    pub at: DateTime<Utc>,
    /// Every container's numbers.
    pub observations: Vec<Observation>,
    /// The engine data root's filesystem, when checked this tick.
    pub disk: Option<DiskUsage>,
    /// Writable layer sizes `(id, bytes)`, when checked this tick.
    pub layer_sizes: Vec<(String, u64)>,
    /// Notifications raised this tick (handed to the sinks' queue).
    pub alerts: Vec<AlertEvent>,
    /// Sinks that failed since the last tick (delivery runs off the sampling path).
    #[serde(skip)]
    pub sink_errors: Vec<SinkError>,
    /// Notifications dropped so far because a slow sink filled the delivery queue.
    #[serde(skip)]
    pub dropped_alerts: u64,
}

/// Drives ticks: sampling, disk checks, alert evaluation, delivery.
#[derive(Debug)]
pub struct Monitor {
    collector: Collector,
    alerts: AlertEngine,
    has_disk_rule: bool,
    delivery: crate::delivery::Delivery,
    data_root: Option<PathBuf>,
    disk_every: u32,
    ticks: u32,
    window: Duration,
}

impl Monitor {
    /// A monitor. `data_root` is the engine's data root when it is on this host (disk alerts
    /// on the filesystem need it); writable layer sizes are asked every `disk_every` ticks.
    pub fn new(
        collector: Collector,
        rules: Vec<AlertRule>,
        sinks: Vec<AlertSink>,
        data_root: Option<PathBuf>,
        disk_every: u32,
    ) -> Self {
        let has_disk_rule = rules.iter().any(|r| r.metric == AlertMetric::Disk);
        Self {
            collector,
            alerts: AlertEngine::new(rules),
            has_disk_rule,
            delivery: crate::delivery::Delivery::new(sinks),
            data_root,
            disk_every: disk_every.max(1),
            ticks: 0,
            window: Duration::from_millis(250),
        }
    }

    /// How long to wait for a second read when a container has no CPU baseline yet (its
    /// first cgroup read); 250 ms unless set.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The collector.
    pub fn collector_mut(&mut self) -> &mut Collector {
        &mut self.collector
    }

    /// One tick. An unreachable engine is an error for this tick only: the next tick tries
    /// again (the engine restarting is survived that way).
    pub async fn tick(&mut self) -> Result<Tick, CollectError> {
        let observations = self.collector.snapshot(self.window).await?;
        let at = Utc::now();
        let mut alerts = Vec::new();
        for o in &observations {
            alerts.extend(self.alerts.observe(&o.metrics, at));
        }
        let ids: Vec<&str> = observations.iter().map(|o| o.metrics.id.as_str()).collect();
        alerts.extend(self.alerts.forget_missing(AlertMetric::Cpu, &ids, at));
        alerts.extend(self.alerts.forget_missing(AlertMetric::Memory, &ids, at));

        let (mut disk, mut layer_sizes) = (None, Vec::new());
        if self.has_disk_rule && self.ticks.is_multiple_of(self.disk_every) {
            disk = self.data_root.as_deref().and_then(|p| disk_usage(p).ok());
            if let Some(d) = disk {
                alerts.extend(self.alerts.observe_value(
                    AlertMetric::Disk,
                    "engine",
                    "engine data root",
                    d.percent,
                    at,
                ));
            }
            let engine = self.collector.engine().clone();
            let ids: Vec<String> = observations.iter().map(|o| o.metrics.id.clone()).collect();
            layer_sizes = futures_util::stream::iter(ids)
                .map(|id| {
                    let engine = engine.clone();
                    async move { engine.container_size(&id).await.ok().map(|s| (id, s.max(0) as u64)) }
                })
                .buffer_unordered(8)
                .filter_map(|x| async move { x })
                .collect()
                .await;
            if let Some(d) = disk.filter(|d| d.total_bytes > 0) {
                for (id, size) in &layer_sizes {
                    let name = observations.iter().find(|o| &o.metrics.id == id).map(|o| o.metrics.name.as_str());
                    let pct = *size as f64 / d.total_bytes as f64 * 100.0;
                    alerts.extend(self.alerts.observe_value(AlertMetric::Disk, id, name.unwrap_or(id), pct, at));
                }
            }
        }
        self.ticks = self.ticks.wrapping_add(1);

        // Delivery never holds the tick up: a hanging webhook delays only its notifications.
        self.delivery.send(alerts.clone());
        let sink_errors = self.delivery.take_errors();
        let dropped_alerts = self.delivery.dropped();
        Ok(Tick { at, observations, disk, layer_sizes, alerts, sink_errors, dropped_alerts })
    }

    /// Waits (at most `within`) until the notifications queued so far are delivered, and
    /// returns the sinks that failed since the last tick: call it before exiting.
    pub async fn flush(&mut self, within: Duration) -> Vec<SinkError> {
        self.delivery.flush(within).await
    }
}

//! The right-sizing observation, once for every front end (`containers optimize`, chat and
//! MCP): watch containers for a window, then recommend limits from what they used
//! ([`crate::optimize::recommend`]), with each container's current limits and service.

use std::sync::Arc;
use std::time::Duration;

use tuxpilot_docker::Engine;

use crate::collector::{CollectError, Collector, CollectorOptions, Source};
use crate::optimize::{Recommendation, UsageHistory, recommend};

/// What to observe, and for how long.
#[derive(Debug, Clone)]
pub struct ObserveOptions {
    /// Containers (names or ids) to size; empty: every running container.
    pub containers: Vec<String>,
    /// How long to observe.
    pub window: Duration,
    /// Time between samples (at least 1 ms).
    pub interval: Duration,
    /// Where the numbers come from.
    pub source: Source,
}

impl Default for ObserveOptions {
    fn default() -> Self {
        Self {
            containers: Vec::new(),
            window: Duration::from_secs(30),
            interval: Duration::from_secs(1),
            source: Source::default(),
        }
    }
}

/// Observes the containers for `options.window` and recommends their limits. `progress` is told
/// the time observed so far and how many containers the last sample saw. The named containers
/// are resolved first, so a typo fails before the wait. Returns no recommendation when nothing
/// ran.
pub async fn observe(
    engine: Arc<dyn Engine>,
    options: &ObserveOptions,
    progress: &mut (dyn FnMut(Duration, usize) + Send),
) -> Result<Vec<Recommendation>, CollectError> {
    let mut wanted = Vec::new();
    for name in &options.containers {
        wanted.push(engine.inspect_container(name).await?.id);
    }
    let mut collector =
        Collector::new(engine.clone(), CollectorOptions { source: options.source, ..Default::default() });
    let mut history = UsageHistory::default();
    let started = tokio::time::Instant::now();
    // A zero interval would spin (and tokio's interval refuses it).
    let mut ticker = tokio::time::interval(options.interval.max(Duration::from_millis(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let mut obs = collector.sweep().await?;
        if !wanted.is_empty() {
            obs.retain(|o| wanted.contains(&o.metrics.id));
        }
        history.record(&obs);
        progress(started.elapsed(), obs.len());
        if started.elapsed() >= options.window {
            break;
        }
    }
    let mut recs = Vec::new();
    for (id, h) in &history.containers {
        let details = engine.inspect_container(id).await.ok();
        let mut r = recommend(id, h, details.as_ref().is_some_and(|d| d.state.oom_killed));
        if let Some(d) = &details {
            r.service = d.labels.get("com.docker.compose.service").cloned();
            r.current_cpus = (d.host_config.nano_cpus > 0).then(|| d.host_config.nano_cpus as f64 / 1e9);
            r.current_memory_bytes = (d.host_config.memory > 0).then_some(d.host_config.memory as u64);
        }
        recs.push(r);
    }
    Ok(recs)
}

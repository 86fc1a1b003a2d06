//! `auto_restart_failed`: a supervisor that follows engine events and restarts replicas of
//! deployed apps that die, with exponential backoff, giving up after a number of tries.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use tuxpilot_compose::runtime::labels;
use tuxpilot_docker::{ContainerState, EventFilter, Filters};

use crate::deploy::{APP_LABEL, Orchestrator};
use crate::error::Result;

/// How the supervisor restarts.
#[derive(Debug, Clone)]
pub struct SupervisorOptions {
    /// Only this app (default: every deployed app).
    pub app: Option<String>,
    /// Restarts of one container before giving up.
    pub max_restarts: u32,
    /// The first wait; it doubles after each restart.
    pub initial_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
    /// A replica that ran this long since its last restart starts over with `initial_backoff`.
    pub reset_after: Duration,
}

impl Default for SupervisorOptions {
    fn default() -> Self {
        Self {
            app: None,
            max_restarts: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            reset_after: Duration::from_secs(300),
        }
    }
}

/// What the supervisor did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupervisorEvent {
    /// `died`, `restarted`, `gave_up`, `restart_failed`.
    pub action: String,
    /// App.
    pub app: String,
    /// Service.
    pub service: String,
    /// Container.
    pub container: String,
    /// Exit code, when it died.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Restarts so far of this container.
    pub attempt: u32,
    /// Wait before this restart.
    pub backoff_ms: u64,
    /// Details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

struct Track {
    attempts: u32,
    last: Instant,
}

impl Orchestrator {
    /// Follows container `die` events of deployed apps and restarts the replica, waiting
    /// `initial_backoff × 2^n` (at most `max_backoff`) first; after `max_restarts` it reports
    /// `gave_up` and leaves the container alone. Runs until the event stream ends.
    pub async fn supervise(
        &self,
        options: &SupervisorOptions,
        on_event: &(dyn Fn(SupervisorEvent) + Send + Sync),
    ) -> Result<()> {
        let mut filters = Filters::new().with("type", "container").with("event", "die");
        filters = match &options.app {
            Some(a) => filters.label(format!("{APP_LABEL}={a}")),
            None => filters.label(APP_LABEL),
        };
        let mut events = self.engine.events(EventFilter { since: None, until: None, filters });
        let mut tracks: BTreeMap<String, Track> = BTreeMap::new();
        while let Some(ev) = events.next().await {
            let ev = ev?;
            let id = ev.actor_id.clone();
            let attr = |k: &str| ev.attributes.get(k).cloned().unwrap_or_default();
            let app = attr(APP_LABEL);
            let service = attr(labels::SERVICE);
            let name = attr("name");
            let exit_code = ev.attributes.get("exitCode").and_then(|c| c.parse().ok());
            if ev.attributes.get(labels::ONEOFF).is_some_and(|v| v == "True") {
                continue;
            }
            // A deployment stopping its own replicas holds the app's lock: not a failure.
            if self.store.deployment_under_way(&app).await? {
                continue;
            }
            let track = tracks.entry(id.clone()).or_insert(Track { attempts: 0, last: Instant::now() });
            if track.last.elapsed() > options.reset_after {
                track.attempts = 0;
            }
            let base = |action: &str, attempt: u32, backoff: Duration, message: Option<String>| SupervisorEvent {
                action: action.into(),
                app: app.clone(),
                service: service.clone(),
                container: name.clone(),
                exit_code,
                attempt,
                backoff_ms: u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                message,
            };
            on_event(base("died", track.attempts, Duration::ZERO, None));
            if track.attempts >= options.max_restarts {
                on_event(base(
                    "gave_up",
                    track.attempts,
                    Duration::ZERO,
                    Some(format!("restarted {} times; leaving it stopped", track.attempts)),
                ));
                continue;
            }
            let backoff =
                options.initial_backoff.saturating_mul(2u32.saturating_pow(track.attempts)).min(options.max_backoff);
            tokio::time::sleep(backoff).await;
            track.attempts += 1;
            track.last = Instant::now();
            // Removed, or already started by someone else, meanwhile: nothing to do.
            match self.engine.inspect_container(&id).await {
                Ok(d) if d.state.status == ContainerState::Running => continue,
                Ok(_) => {}
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e.into()),
            }
            match self.engine.start_container(&id).await {
                Ok(()) => on_event(base("restarted", track.attempts, backoff, None)),
                Err(e) => on_event(base("restart_failed", track.attempts, backoff, Some(e.to_string()))),
            }
        }
        Ok(())
    }
}

//! Automatic image updates, as Watchtower did them but gated: containers opt in (`auto_update:`
//! in app.yaml, the label `tuxpilot.auto-update`, or Watchtower's label), registries are asked
//! without pulling ([`check`]), and each update is pulled, scanned by the security gate, rolled
//! out with health gates and rolled back on failure ([`apply`]); a digest that failed is not
//! tried again, and every outcome is logged ([`log`]) and sent to a webhook. [`Updates`] is the
//! use-case the CLI (`containers updates …`), chat and MCP call.
//!
//! ```no_run
//! # async fn demo(apps: tuxpilot_orchestrator::Apps, engine: std::sync::Arc<dyn tuxpilot_docker::Engine>) -> tuxpilot_orchestrator::Result<()> {
//! use tuxpilot_orchestrator::updates::{Selector, Updates, UpdatesConfig};
//! let updates = Updates::new(engine, apps, Default::default(), UpdatesConfig::default(), std::sync::Arc::new(|line: &str| eprintln!("{line}")));
//! let report = updates.check(&Selector::default()).await?;
//! for t in report.due() {
//!     println!("{} {} -> {:?}", t.target.label(), t.current.tag, t.new);
//! }
//! let applied = updates.apply(&Selector::default()).await?;
//! println!("{} update(s)", applied.entries.len());
//! # Ok(()) }
//! ```

pub mod apply;
pub mod check;
pub mod log;
pub mod optin;
pub mod policy;
pub mod recreate;
pub mod settings;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tuxpilot_docker::Engine;
use tuxpilot_docker::registry::{DockerConfig, RegistryClient, RegistryError, RegistryErrorKind};
use tuxpilot_security::SecurityConfig;

pub use apply::Progress;
pub use check::{CheckReport, CheckStatus, Checked, Selector, Target};
pub use log::{ImageVersion, TargetKind, UpdateEntry, UpdateLog, UpdateStatus};
pub use policy::AutoUpdate;
pub use settings::{Schedule, UpdatesConfig};

use crate::apps::Apps;
use crate::error::{Error, Result};

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// The check it acted on.
    pub check: CheckReport,
    /// One entry per update tried, in order.
    pub entries: Vec<UpdateEntry>,
}

impl ApplyReport {
    /// The worst outcome: a failure (pull, registry), a block, a rollback, or all applied.
    pub fn worst(&self) -> Option<UpdateStatus> {
        let errors = self.check.targets.iter().any(|t| t.status == CheckStatus::Error);
        let has = |s: UpdateStatus| self.entries.iter().any(|e| e.status == s);
        if errors || has(UpdateStatus::Failed) {
            Some(UpdateStatus::Failed)
        } else if has(UpdateStatus::Blocked) {
            Some(UpdateStatus::Blocked)
        } else if has(UpdateStatus::RolledBack) {
            Some(UpdateStatus::RolledBack)
        } else {
            None
        }
    }
}

/// The webhook event of an update: the log entry with `event` naming what happened.
pub fn webhook_event(e: &UpdateEntry) -> serde_json::Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert("event".into(), serde_json::Value::String(format!("update_{}", e.status.as_str())));
        m.insert("status".into(), serde_json::Value::String(e.status.as_str().into()));
        m.insert("at".into(), serde_json::Value::String(e.at.to_rfc3339()));
    }
    v
}

/// Image updates on one engine.
#[derive(Clone)]
pub struct Updates {
    engine: Arc<dyn Engine>,
    apps: Apps,
    security: SecurityConfig,
    config: UpdatesConfig,
    progress: Progress,
    health_timeout: Duration,
}

impl Updates {
    /// Updates over `engine`, deploying apps through `apps`; `security` is the gate's settings
    /// (for plain containers; apps go through the deploy's gate), `progress` gets one line per
    /// step.
    pub fn new(
        engine: Arc<dyn Engine>,
        apps: Apps,
        security: SecurityConfig,
        config: UpdatesConfig,
        progress: Progress,
    ) -> Self {
        Self { engine, apps, security, config, progress, health_timeout: Duration::from_secs(120) }
    }

    /// How long a recreated container may take to become healthy (default 120 s, as
    /// `health_check_timeout`).
    pub fn with_health_timeout(mut self, timeout: Duration) -> Self {
        self.health_timeout = timeout;
        self
    }

    /// The settings.
    pub fn config(&self) -> &UpdatesConfig {
        &self.config
    }

    /// A registry client with the Docker config's credentials, speaking plain HTTP only to the
    /// registries this engine treats as insecure.
    pub async fn registry(&self) -> Result<RegistryClient> {
        let info = self.engine.info().await?;
        let config = DockerConfig::load().map_err(|e| {
            Error::Registry(RegistryError {
                registry: String::new(),
                kind: RegistryErrorKind::Unauthorized,
                message: e.message,
            })
        })?;
        Ok(RegistryClient::new(config, info.insecure_registries)?)
    }

    /// What would change, asking registries without pulling.
    pub async fn check(&self, selector: &Selector) -> Result<CheckReport> {
        let registry = self.registry().await?;
        self.check_with(&registry, selector).await
    }

    async fn check_with(&self, registry: &RegistryClient, selector: &Selector) -> Result<CheckReport> {
        let targets = check::targets(self.engine.as_ref(), selector).await?;
        let log = UpdateLog::new(self.engine.clone()).entries().await?;
        check::check(self.engine.as_ref(), registry, targets, &log).await
    }

    /// Applies every available update of the selection, one target at a time, logging each.
    pub async fn apply(&self, selector: &Selector) -> Result<ApplyReport> {
        self.apply_sending(selector, None).await
    }

    /// [`Self::apply`], sending each outcome to `webhook` too.
    pub async fn apply_sending(
        &self,
        selector: &Selector,
        webhook: Option<&tuxpilot_monitor::webhook::JsonWebhook>,
    ) -> Result<ApplyReport> {
        let registry = self.registry().await?;
        let check = self.check_with(&registry, selector).await?;
        let log = UpdateLog::new(self.engine.clone());
        let ctx = apply::Ctx {
            engine: &self.engine,
            apps: &self.apps,
            security: &self.security,
            registry: &registry,
            health_timeout: self.health_timeout,
            progress: &self.progress,
        };
        let mut entries = Vec::new();
        for c in check.due() {
            let entry = apply::apply(&ctx, c).await;
            (self.progress)(&format!(
                "{}: {}{}",
                c.target.label(),
                entry.status.as_str(),
                if entry.message.is_empty() { String::new() } else { format!(" ({})", entry.message) }
            ));
            if let Err(e) = log.record(&entry).await {
                (self.progress)(&format!("warning: the update log could not be written: {e}"));
            }
            if let Some(w) = webhook {
                w.send(webhook_event(&entry));
            }
            entries.push(entry);
        }
        Ok(ApplyReport { check, entries })
    }

    /// What setting `policy` on `name` (an app, `APP/SERVICE`, or a container when `container`)
    /// will do. Changes nothing.
    pub async fn plan_policy(&self, name: &str, container: bool, policy: AutoUpdate) -> Result<optin::PolicyPlan> {
        optin::plan(self.engine.as_ref(), &self.apps, name, container, policy).await
    }

    /// Sets the opt-in as `plan` says (a new app version, or recreated containers).
    pub async fn set_policy(&self, plan: &optin::PolicyPlan) -> Result<String> {
        optin::apply(self.engine.as_ref(), &self.apps, plan, self.health_timeout).await
    }

    /// The update log, oldest first.
    pub async fn history(&self) -> Result<Vec<UpdateEntry>> {
        UpdateLog::new(self.engine.clone()).entries().await
    }

    /// `updates watch`: check and apply by policy every `interval` until `stop` resolves;
    /// applies only inside the schedule's window when there is one. `on_round` gets each
    /// round's report (or why it failed); a failed round does not end the loop.
    pub async fn watch<F>(
        &self,
        interval: Duration,
        stop: F,
        on_round: impl Fn(Result<ApplyReport>) + Send,
    ) -> Result<()>
    where
        F: std::future::Future<Output = ()> + Send,
    {
        self.config.validate().map_err(|e| Error::Update(format!("[containers.updates] {e}")))?;
        let schedule = self.config.schedule.as_deref().map(Schedule::parse).transpose().map_err(Error::Update)?;
        let webhook = match &self.config.webhook {
            Some(url) => Some(tuxpilot_monitor::webhook::JsonWebhook::new(url).map_err(Error::Update)?),
            None => None,
        };
        tokio::pin!(stop);
        loop {
            let round = async {
                if schedule.is_some_and(|s| !s.is_open_now()) {
                    let check = self.check(&Selector::default()).await?;
                    return Ok(ApplyReport { check, entries: Vec::new() });
                }
                self.apply_sending(&Selector::default(), webhook.as_ref()).await
            };
            tokio::select! {
                r = round => on_round(r),
                _ = &mut stop => break,
            }
            if let Some(w) = &webhook {
                for e in w.flush(Duration::from_secs(15)).await {
                    (self.progress)(&format!("warning: {e}"));
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = &mut stop => break,
            }
        }
        Ok(())
    }
}

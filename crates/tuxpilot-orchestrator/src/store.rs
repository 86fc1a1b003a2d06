//! State every tuxpilot process on the same engine shares, kept in the engine itself:
//!
//! - **history**: one record per deployment attempt, as labels of a (never mounted) volume
//!   `tuxpilot-history-<app>-<seq>`; an attempt under way is `…-<seq>-pending` until it ends, so an
//!   attempt cut short (kill -9, engine restart) shows as `interrupted`. Volumes survive
//!   `docker system prune` and container clean-ups, and need no image; see docs/orchestrator.md.
//!   On a swarm ([`Store::swarm`]) the records are Swarm configs of the same names, whose data
//!   is the record: every manager sees them.
//! - **locks**: containers named `tuxpilot-lock-app-<app>` (one deployment per app) and
//!   `tuxpilot-lock-slot-<i>` (`max_concurrent_deployments`), created from a tiny empty image and
//!   never started. Creating a container under a taken name fails atomically in the engine, so
//!   the locks hold across processes and machines. A lock whose process is gone, or older than
//!   its deadline, is taken over.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tuxpilot_docker::{ContainerSpec, Engine, Filters, ImportSpec, RemoveOptions, Swarm, VolumeSpec};

use crate::error::{Error, Result};
use tuxpilot_compose::Project;

/// Label on history volumes: the app.
pub const HISTORY_LABEL: &str = "io.tuxpilot.history.app";
const RECORD_LABEL: &str = "io.tuxpilot.history.record";
const SEQ_LABEL: &str = "io.tuxpilot.history.seq";
/// Label on lock containers.
pub const LOCK_LABEL: &str = "io.tuxpilot.lock";
/// The image lock containers are made from.
pub const LOCK_IMAGE: &str = "tuxpilot/lock:1";

/// How a deployment attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Still running (as far as the record knows).
    InProgress,
    /// Converged.
    Success,
    /// Failed and returned to the previous version.
    RolledBack,
    /// Stopped where it failed (`failure_action: pause`).
    Paused,
    /// Failed; nothing to return to, or the rollback failed too.
    Failed,
    /// Cut short (the process was killed, or the engine went away) before it could record.
    Interrupted,
}

impl Outcome {
    /// As written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Success => "success",
            Self::RolledBack => "rolled_back",
            Self::Paused => "paused",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }
}

/// One deployment attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    /// Unique id.
    pub deployment_id: String,
    /// App.
    pub app: String,
    /// Sequence number within the app (1, 2, …).
    pub seq: u64,
    /// Version.
    pub version: String,
    /// `deploy` or `rollback`.
    pub kind: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Hash of the whole configuration (the services' config hashes).
    pub config_hash: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The file deployed.
    #[serde(default)]
    pub file: String,
    /// The compose project deployed (what a rollback to this version redeploys).
    pub project: serde_json::Value,
}

impl DeploymentRecord {
    /// The record of an attempt starting now (`seq` is given by [`Store::begin`]).
    pub fn starting(
        id: &str,
        app: &str,
        version: &str,
        kind: &str,
        file: &str,
        project: &tuxpilot_compose::Project,
    ) -> Result<Self> {
        Ok(Self {
            deployment_id: id.to_string(),
            app: app.to_string(),
            seq: 0,
            version: version.to_string(),
            kind: kind.to_string(),
            outcome: Outcome::InProgress,
            config_hash: project_hash(project),
            started_at: Utc::now(),
            finished_at: None,
            message: None,
            file: file.to_string(),
            project: serde_json::to_value(project)
                .map_err(|e| Error::Corrupt(format!("cannot encode the project: {e}")))?,
        })
    }

    /// Marks it ended with `outcome`.
    pub fn end(&mut self, outcome: Outcome, message: Option<String>) {
        self.outcome = outcome;
        self.finished_at = Some(Utc::now());
        self.message = message;
    }
}

/// The engine-side store.
#[derive(Clone)]
pub struct Store {
    engine: Arc<dyn Engine>,
    /// With a swarm, records are Swarm configs (seen from every manager), not volumes.
    swarm: Option<Arc<dyn Swarm>>,
}

/// A stored record: its object's name and the record.
struct Stored {
    name: String,
    record: DeploymentRecord,
}

/// A held lock; give it back with [`Store::release`].
#[derive(Debug)]
pub struct LockGuard {
    names: Vec<String>,
}

fn history_volume(app: &str, seq: u64, pending: bool) -> String {
    format!("tuxpilot-history-{app}-{seq:06}{}", if pending { "-pending" } else { "" })
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_default()
}

impl Store {
    /// The store on `engine`.
    pub fn new(engine: Arc<dyn Engine>) -> Self {
        Self { engine, swarm: None }
    }

    /// The store of apps deployed on a swarm: history records are Swarm configs named
    /// `tuxpilot-history-<app>-<seq>` (the record is the config's data), so every manager sees
    /// them; the locks stay containers on the manager `engine` reaches.
    pub fn swarm(engine: Arc<dyn Engine>, swarm: Arc<dyn Swarm>) -> Self {
        Self { engine, swarm: Some(swarm) }
    }

    async fn stored(&self, filter: Filters) -> Result<Vec<Stored>> {
        let mut out = Vec::new();
        match &self.swarm {
            Some(sw) => {
                for c in sw.list_configs(filter).await? {
                    let Some(r) = c.data.as_deref().and_then(|d| serde_json::from_slice::<DeploymentRecord>(d).ok())
                    else {
                        continue;
                    };
                    out.push(Stored { name: c.id, record: r });
                }
            }
            None => {
                for v in self.engine.list_volumes(filter).await? {
                    let Some(r) =
                        v.labels.get(RECORD_LABEL).and_then(|j| serde_json::from_str::<DeploymentRecord>(j).ok())
                    else {
                        continue;
                    };
                    out.push(Stored { name: v.name, record: r });
                }
            }
        }
        Ok(out)
    }

    async fn remove_stored(&self, name: &str) -> Result<()> {
        let r = match &self.swarm {
            Some(sw) => sw.remove_config(name).await,
            None => self.engine.remove_volume(name, true).await,
        };
        match r {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every record (of `app`, or all), oldest first. A pending record of an attempt that no
    /// process holds the lock of any more is reported `interrupted`.
    pub async fn records(&self, app: Option<&str>) -> Result<Vec<DeploymentRecord>> {
        let filter = match app {
            Some(a) => Filters::new().label(format!("{HISTORY_LABEL}={a}")),
            None => Filters::new().label(HISTORY_LABEL),
        };
        let mut by_key: BTreeMap<(String, u64), DeploymentRecord> = BTreeMap::new();
        for Stored { record: r, .. } in self.stored(filter).await? {
            let key = (r.app.clone(), r.seq);
            // The final record wins over the pending one.
            match by_key.get(&key) {
                Some(existing) if existing.outcome != Outcome::InProgress => {}
                _ => {
                    by_key.insert(key, r);
                }
            }
        }
        let mut out: Vec<DeploymentRecord> = by_key.into_values().collect();
        let held: Vec<String> = self.held_app_locks().await?;
        for r in &mut out {
            if r.outcome == Outcome::InProgress && !held.contains(&r.app) {
                r.outcome = Outcome::Interrupted;
            }
        }
        out.sort_by(|a, b| (a.app.as_str(), a.seq).cmp(&(b.app.as_str(), b.seq)));
        Ok(out)
    }

    /// The last record that succeeded.
    pub async fn last_good(&self, app: &str) -> Result<Option<DeploymentRecord>> {
        Ok(self.records(Some(app)).await?.into_iter().rev().find(|r| r.outcome == Outcome::Success))
    }

    /// Writes `record` as pending (it gets the next sequence number).
    pub async fn begin(&self, record: &mut DeploymentRecord) -> Result<()> {
        let next = self.records(Some(&record.app)).await?.iter().map(|r| r.seq).max().unwrap_or(0) + 1;
        record.seq = next;
        self.write(record, true).await
    }

    /// Writes the final `record` and drops its pending one.
    pub async fn finish(&self, record: &DeploymentRecord) -> Result<()> {
        self.write(record, false).await?;
        let pending = history_volume(&record.app, record.seq, true);
        match &self.swarm {
            // Configs are removed by id; find the pending one by name.
            Some(_) => {
                let filter = Filters::new().with("name", pending.clone());
                for s in self.stored(filter).await? {
                    if s.record.seq == record.seq && s.record.outcome == Outcome::InProgress {
                        self.remove_stored(&s.name).await?;
                    }
                }
                Ok(())
            }
            None => self.remove_stored(&pending).await,
        }
    }

    async fn write(&self, record: &DeploymentRecord, pending: bool) -> Result<()> {
        let json = serde_json::to_string(record)
            .map_err(|e| Error::Corrupt(format!("cannot encode a history record: {e}")))?;
        let mut labels = BTreeMap::from([
            (HISTORY_LABEL.to_string(), record.app.clone()),
            (SEQ_LABEL.to_string(), record.seq.to_string()),
        ]);
        if let Some(sw) = &self.swarm {
            sw.create_config(&history_volume(&record.app, record.seq, pending), labels, json.into_bytes()).await?;
            return Ok(());
        }
        labels.insert(RECORD_LABEL.to_string(), json);
        self.engine
            .create_volume(VolumeSpec {
                name: Some(history_volume(&record.app, record.seq, pending)),
                driver: None,
                driver_opts: BTreeMap::new(),
                labels,
            })
            .await?;
        Ok(())
    }

    /// Takes `app`'s lock and a deployment slot under `config`'s limits, saying on `progress`
    /// when it has to wait.
    pub(crate) async fn lock_for(
        &self,
        app: &str,
        config: &crate::config::OrchestrationConfig,
        progress: &tuxpilot_compose::runtime::ProgressFn,
    ) -> Result<LockGuard> {
        let progress = progress.clone();
        let name = app.to_string();
        let waiting = move |m: String| {
            progress(tuxpilot_compose::runtime::ProgressEvent {
                kind: "Deployment",
                name: name.clone(),
                status: "Waiting",
                elapsed_ms: None,
                message: Some(m),
            })
        };
        self.acquire(app, config.max_concurrent_deployments, config.deployment_timeout.0, &waiting).await
    }

    /// Removes every record of `app`.
    pub async fn forget(&self, app: &str) -> Result<usize> {
        let stored = self.stored(Filters::new().label(format!("{HISTORY_LABEL}={app}"))).await?;
        let n = stored.len();
        for s in stored {
            self.remove_stored(&s.name).await?;
        }
        Ok(n)
    }

    /// True while a deployment of `app` holds its lock.
    pub async fn deployment_under_way(&self, app: &str) -> Result<bool> {
        Ok(self.held_app_locks().await?.iter().any(|a| a == app))
    }

    async fn held_app_locks(&self) -> Result<Vec<String>> {
        let opts = tuxpilot_docker::ListContainersOptions {
            all: true,
            filters: Filters::new().label(format!("{LOCK_LABEL}=app")),
        };
        Ok(self
            .engine
            .list_containers(opts)
            .await?
            .into_iter()
            .filter_map(|c| c.labels.get("io.tuxpilot.lock.app").cloned())
            .collect())
    }

    async fn ensure_lock_image(&self) -> Result<()> {
        match self.engine.inspect_image(LOCK_IMAGE).await {
            Ok(_) => return Ok(()),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        // An empty tar: two zero blocks.
        let tar = bytes::Bytes::from(vec![0u8; 1024]);
        let stream: tuxpilot_docker::ByteStream =
            Box::pin(futures_util::stream::once(async move { Ok::<_, std::io::Error>(tar) }));
        let (repo, tag) = LOCK_IMAGE.split_once(':').unwrap_or((LOCK_IMAGE, "latest"));
        self.engine
            .import_image(
                ImportSpec {
                    repo: repo.to_string(),
                    tag: Some(tag.to_string()),
                    message: Some("tuxpilot deployment locks: never run".into()),
                    changes: vec!["LABEL io.tuxpilot.lock=image".into()],
                },
                stream,
            )
            .await?;
        Ok(())
    }

    /// Takes one lock by name; `Ok(false)` when another live holder has it.
    async fn try_lock(&self, name: &str, kind: &str, app: &str, stale_after: Duration) -> Result<bool> {
        Ok(matches!(self.try_lock_until(name, kind, app, stale_after).await?, Taken::Yes))
    }

    /// Takes one lock by name, or says until when its holder keeps it at most.
    async fn try_lock_until(&self, name: &str, kind: &str, app: &str, stale_after: Duration) -> Result<Taken> {
        let labels = BTreeMap::from([
            (LOCK_LABEL.to_string(), kind.to_string()),
            ("io.tuxpilot.lock.app".to_string(), app.to_string()),
            ("io.tuxpilot.lock.pid".to_string(), std::process::id().to_string()),
            ("io.tuxpilot.lock.host".to_string(), hostname()),
            ("io.tuxpilot.lock.since".to_string(), Utc::now().timestamp().to_string()),
            ("io.tuxpilot.lock.stale_after".to_string(), stale_after.as_secs().to_string()),
        ]);
        let spec = ContainerSpec {
            name: Some(name.to_string()),
            image: LOCK_IMAGE.to_string(),
            command: Some(vec!["/tuxpilot-lock".into()]),
            labels,
            network_mode: Some("none".into()),
            ..Default::default()
        };
        match self.engine.create_container(spec.clone()).await {
            Ok(_) => return Ok(Taken::Yes),
            Err(e) if e.is_conflict() => {}
            Err(e) => return Err(e.into()),
        }
        // Taken: by a live holder, or by one that died without letting go?
        let holder = match self.engine.inspect_container(name).await {
            Ok(h) => h,
            Err(e) if e.is_not_found() => return Ok(Taken::No { stale_at: 0 }),
            Err(e) => return Err(e.into()),
        };
        let l = &holder.labels;
        let since: i64 = l.get("io.tuxpilot.lock.since").and_then(|s| s.parse().ok()).unwrap_or(0);
        let limit: i64 = l.get("io.tuxpilot.lock.stale_after").and_then(|s| s.parse().ok()).unwrap_or(3600);
        let same_host = l.get("io.tuxpilot.lock.host").is_some_and(|h| *h == hostname() && !h.is_empty());
        let pid_gone = l
            .get("io.tuxpilot.lock.pid")
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| p != std::process::id() && !std::path::Path::new(&format!("/proc/{p}")).exists());
        let expired = Utc::now().timestamp() > since + limit;
        if (same_host && pid_gone) || expired {
            tracing::warn!(lock = name, "taking over a lock whose holder is gone");
            match self.engine.remove_container(&holder.id, RemoveOptions { force: true, volumes: false }).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
            return match self.engine.create_container(spec).await {
                Ok(_) => Ok(Taken::Yes),
                Err(e) if e.is_conflict() => Ok(Taken::No { stale_at: 0 }),
                Err(e) => Err(e.into()),
            };
        }
        Ok(Taken::No { stale_at: since + limit })
    }

    /// Takes the app's lock and one of `slots` deployment slots, waiting up to `wait`.
    /// `waiting` is told once what it waits for.
    pub async fn acquire(
        &self,
        app: &str,
        slots: u32,
        wait: Duration,
        waiting: &(dyn Fn(String) + Send + Sync),
    ) -> Result<LockGuard> {
        self.ensure_lock_image().await?;
        let deadline = tokio::time::Instant::now() + wait;
        let app_lock = format!("tuxpilot-lock-app-{app}");
        let mut told = false;
        let mut deadline = deadline;
        while let Taken::No { stale_at } = self.try_lock_until(&app_lock, "app", app, wait).await? {
            if !told {
                waiting(format!("another deployment of {app} is under way; waiting for it"));
                told = true;
            }
            // A holder that died on another host (SIGKILL, power loss) cannot be seen to be
            // gone: its lock is stale `stale_after` after it was taken, and is then taken over.
            // Waiting that long is worth it; waiting longer is not.
            let until_stale = stale_at.saturating_sub(Utc::now().timestamp()).max(0) as u64;
            let stale = tokio::time::Instant::now() + Duration::from_secs(until_stale + 1);
            if stale > deadline && until_stale <= STALE_WAIT_MAX.as_secs() {
                deadline = stale;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(Error::LockTimeout(format!(
                    "after {}s waiting for the deployment lock of {app}",
                    wait.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let mut told = false;
        loop {
            for i in 0..slots.max(1) {
                let name = format!("tuxpilot-lock-slot-{i}");
                match self.try_lock(&name, "slot", app, wait).await {
                    Ok(true) => return Ok(LockGuard { names: vec![name, app_lock] }),
                    Ok(false) => {}
                    Err(e) => {
                        self.release(LockGuard { names: vec![app_lock] }).await;
                        return Err(e);
                    }
                }
            }
            if !told {
                waiting(format!("all {slots} deployment slot(s) are taken (max_concurrent_deployments); waiting"));
                told = true;
            }
            if tokio::time::Instant::now() > deadline {
                self.release(LockGuard { names: vec![app_lock] }).await;
                return Err(Error::LockTimeout(format!(
                    "after {}s waiting for a deployment slot (max_concurrent_deployments = {slots})",
                    wait.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The deployment locks: who holds each (for `containers unlock` and diagnostics).
    pub async fn locks(&self) -> Result<Vec<LockInfo>> {
        let opts = tuxpilot_docker::ListContainersOptions { all: true, filters: Filters::new().label(LOCK_LABEL) };
        let mut out = Vec::new();
        for c in self.engine.list_containers(opts).await? {
            let l = &c.labels;
            let Some(kind) = l.get(LOCK_LABEL).filter(|k| *k != "image") else { continue };
            out.push(LockInfo {
                name: c.name.trim_start_matches('/').to_string(),
                kind: kind.clone(),
                app: l.get("io.tuxpilot.lock.app").cloned().unwrap_or_default(),
                host: l.get("io.tuxpilot.lock.host").cloned().unwrap_or_default(),
                pid: l.get("io.tuxpilot.lock.pid").and_then(|p| p.parse().ok()),
                since: l.get("io.tuxpilot.lock.since").and_then(|s| s.parse().ok()).unwrap_or(0),
                stale_after: l.get("io.tuxpilot.lock.stale_after").and_then(|s| s.parse().ok()).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Removes the locks of `app` (its app lock and the slots it holds): `containers unlock`.
    pub async fn unlock(&self, app: &str) -> Result<Vec<LockInfo>> {
        let mine: Vec<LockInfo> = self.locks().await?.into_iter().filter(|l| l.app == app).collect();
        for l in &mine {
            match self.engine.remove_container(&l.name, RemoveOptions { force: true, volumes: false }).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(mine)
    }

    /// Removes every lock this process holds: what a SIGINT or SIGTERM does before exiting.
    /// A lock being taken when the signal came may land a moment later (its request was already
    /// sent), so the engine is asked again until a round finds none (at most five, 200 ms apart).
    pub async fn release_own_locks(&self) -> Result<usize> {
        let pid = std::process::id();
        let host = hostname();
        let mut n = 0;
        for round in 0..5 {
            let mine: Vec<LockInfo> =
                self.locks().await?.into_iter().filter(|l| l.pid == Some(pid) && l.host == host).collect();
            if mine.is_empty() && round > 0 {
                break;
            }
            for l in &mine {
                let _ = self.engine.remove_container(&l.name, RemoveOptions { force: true, volumes: false }).await;
                n += 1;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(n)
    }

    /// Gives the locks back (best effort: a lock left behind is taken over later).
    pub async fn release(&self, guard: LockGuard) {
        for n in guard.names {
            let _ = self.engine.remove_container(&n, RemoveOptions { force: true, volumes: false }).await;
        }
    }
}

/// The longest a deploy waits beyond its own `deployment_timeout` for a lock whose holder may
/// have died on another host to become stale.
pub const STALE_WAIT_MAX: Duration = Duration::from_secs(3600);

/// Whether a lock was taken.
enum Taken {
    Yes,
    /// Held by another; stale (taken over) from this Unix time on (0: unknown).
    No {
        stale_at: i64,
    },
}

/// A deployment lock and its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockInfo {
    /// The lock container's name.
    pub name: String,
    /// `app` or `slot`.
    pub kind: String,
    /// The app it is held for.
    pub app: String,
    /// The holder's host name.
    pub host: String,
    /// The holder's process id.
    pub pid: Option<u32>,
    /// When it was taken (Unix time).
    pub since: i64,
    /// Seconds after `since` when another host takes it over (the holder's
    /// `deployment_timeout`).
    pub stale_after: i64,
}

/// Hash of a whole project: its services' config hashes.
pub fn project_hash(project: &Project) -> String {
    use std::fmt::Write;
    let mut all = String::new();
    for (n, s) in &project.services {
        let _ = write!(all, "{n}={};", tuxpilot_compose::service_hash(s));
    }
    tuxpilot_compose::service_hash(&tuxpilot_compose::Service { image: Some(all), ..Default::default() })
        .chars()
        .take(12)
        .collect()
}

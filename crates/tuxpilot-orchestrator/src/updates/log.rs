//! The update log: one entry per update applied, rolled back, blocked or failed, kept in the
//! engine as the labels of a never-mounted volume `tuxpilot-update-<time>-<n>` (as the
//! deployment history is), so every tuxpilot process sees it and `prune` never touches it. An
//! entry that rolled back marks its digest as bad: it is not tried again until a newer one
//! appears.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tuxpilot_docker::{Engine, Filters, VolumeSpec};

use super::policy::AutoUpdate;
use crate::error::Result;

/// Label marking an update-log volume.
pub const LOG_LABEL: &str = "io.tuxpilot.update";
/// Label naming the entry's image repository.
pub const IMAGE_LABEL: &str = "io.tuxpilot.update.image";
/// Label holding the entry as JSON.
const ENTRY_LABEL: &str = "io.tuxpilot.update.entry";

/// What an update is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A service of an app (`containers deploy`): a new version in its history.
    App,
    /// A service of a compose project run by `compose up`: its containers are recreated.
    Compose,
    /// A plain container: recreated with its exact configuration.
    Container,
}

impl TargetKind {
    /// `app`, `compose` or `container`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Compose => "compose",
            Self::Container => "container",
        }
    }
}

/// An image as a tag and the digest it named.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageVersion {
    /// Tag.
    pub tag: String,
    /// Registry digest (`sha256:…`), when known.
    #[serde(default)]
    pub digest: Option<String>,
}

/// How an update ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    /// The new image serves.
    Applied,
    /// The new image failed its health gate; the old one serves again. Its digest is bad.
    RolledBack,
    /// The security gate refused the new image; nothing changed.
    Blocked,
    /// The pull or the registry failed; nothing changed.
    Failed,
}

impl UpdateStatus {
    /// `applied`, `rolled_back`, `blocked`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::RolledBack => "rolled_back",
            Self::Blocked => "blocked",
            Self::Failed => "failed",
        }
    }
}

/// One update, as logged and as sent to the webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateEntry {
    /// When it ended.
    pub at: DateTime<Utc>,
    /// What was updated.
    pub kind: TargetKind,
    /// The app or compose project.
    #[serde(default)]
    pub app: Option<String>,
    /// The service.
    #[serde(default)]
    pub service: Option<String>,
    /// The container (plain containers; the first replica otherwise).
    #[serde(default)]
    pub container: Option<String>,
    /// The image repository (`127.0.0.1:5000/team/web`).
    pub image: String,
    /// What ran before.
    pub from: ImageVersion,
    /// What was tried.
    pub to: ImageVersion,
    /// The policy that chose it.
    pub policy: AutoUpdate,
    /// How it ended.
    pub status: UpdateStatus,
    /// What happened, in words.
    pub message: String,
}

/// The log, on one engine.
#[derive(Clone)]
pub struct UpdateLog {
    engine: Arc<dyn Engine>,
}

impl UpdateLog {
    /// The log kept on `engine`.
    pub fn new(engine: Arc<dyn Engine>) -> Self {
        Self { engine }
    }

    /// Appends `entry`.
    pub async fn record(&self, entry: &UpdateEntry) -> Result<()> {
        let json = serde_json::to_string(entry).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
        let nanos = entry.at.timestamp_nanos_opt().unwrap_or_default();
        let name = format!(
            "tuxpilot-update-{}-{:x}",
            entry.at.format("%Y%m%d%H%M%S"),
            nanos as u64 ^ std::process::id() as u64
        );
        let labels = BTreeMap::from([
            (LOG_LABEL.to_string(), entry.kind.as_str().to_string()),
            (IMAGE_LABEL.to_string(), entry.image.clone()),
            (ENTRY_LABEL.to_string(), json),
        ]);
        self.engine.create_volume(VolumeSpec { name: Some(name), labels, ..Default::default() }).await?;
        Ok(())
    }

    /// Every entry, oldest first (unreadable ones are skipped).
    pub async fn entries(&self) -> Result<Vec<UpdateEntry>> {
        let mut out: Vec<UpdateEntry> = self
            .engine
            .list_volumes(Filters::new().label(LOG_LABEL))
            .await?
            .into_iter()
            .filter_map(|v| v.labels.get(ENTRY_LABEL).and_then(|j| serde_json::from_str(j).ok()))
            .collect();
        out.sort_by_key(|e: &UpdateEntry| e.at);
        Ok(out)
    }
}

/// The digests known bad, per image repository: those an update rolled back from.
pub fn bad_digests(entries: &[UpdateEntry]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.status == UpdateStatus::RolledBack) {
        if let Some(d) = &e.to.digest {
            out.entry(e.image.clone()).or_default().insert(d.clone());
        }
    }
    out
}

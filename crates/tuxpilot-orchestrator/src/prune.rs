//! `prune`: stopped containers, dangling images and unused networks, as `docker system prune`
//! removes them, but never TuxPilot's own objects (deployment locks, history, the managed-port
//! proxy, subnet probes) and never volumes.
//!
//! It is two steps, so that a front end can show what goes and ask first: [`plan`] reads the
//! engine and changes nothing; [`apply`] removes exactly what a plan lists and reports each
//! removal and failure.

use std::collections::BTreeSet;

use serde::Serialize;
use tuxpilot_docker::{ContainerState, Engine, Filters, ListContainersOptions, RemoveOptions};

use crate::error::Result;

/// Label prefixes of TuxPilot's own objects: kept by every prune.
pub const OWN_LABELS: &[&str] = &["io.tuxpilot.lock", "io.tuxpilot.history", "io.tuxpilot.proxy", "io.tuxpilot.probe"];

/// Networks the engine makes and needs.
const BUILTIN_NETWORKS: &[&str] = &["bridge", "host", "none", "docker_gwbridge", "ingress"];

/// One object a prune removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneItem {
    /// `container`, `image` or `network`.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Its name (a container's or network's name; an image's short id).
    pub name: String,
}

/// What a prune would remove, in the order it removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrunePlan {
    /// Stopped (exited, created, dead) containers.
    pub containers: Vec<PruneItem>,
    /// Dangling images no container uses.
    pub images: Vec<PruneItem>,
    /// Networks no container is left on.
    pub networks: Vec<PruneItem>,
}

impl PrunePlan {
    /// Nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.images.is_empty() && self.networks.is_empty()
    }

    /// Every item, containers first.
    pub fn items(&self) -> impl Iterator<Item = &PruneItem> {
        self.containers.iter().chain(&self.images).chain(&self.networks)
    }
}

/// What a prune did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Removed.
    pub removed: Vec<PruneItem>,
    /// Not removed, with the engine's reason (one in use again since the plan, for example).
    pub failed: Vec<(PruneItem, String)>,
}

/// Whether an object is one of TuxPilot's own (a lock, history, a probe, the proxy), which no
/// prune and no "all" ever acts on.
pub fn is_own(labels: &std::collections::BTreeMap<String, String>) -> bool {
    labels.keys().any(|k| OWN_LABELS.iter().any(|p| k.starts_with(p)))
}

/// Reads what a prune would remove. Changes nothing.
pub async fn plan(engine: &dyn Engine) -> Result<PrunePlan> {
    let all = engine.list_containers(ListContainersOptions { all: true, ..Default::default() }).await?;
    let stopped =
        |s: ContainerState| matches!(s, ContainerState::Exited | ContainerState::Created | ContainerState::Dead);
    let mut plan = PrunePlan::default();
    let mut kept_images = BTreeSet::new();
    let mut kept_networks = BTreeSet::new();
    for c in &all {
        if stopped(c.state) && !is_own(&c.labels) {
            plan.containers.push(PruneItem {
                kind: "container",
                id: c.id.clone(),
                name: c.name.trim_start_matches('/').to_string(),
            });
        } else {
            kept_images.insert(c.image_id.clone());
            kept_networks.extend(c.networks.keys().cloned());
        }
    }
    for i in engine.list_images(false).await? {
        let dangling = i.repo_tags.is_empty() || i.repo_tags.iter().all(|t| t == "<none>:<none>");
        if dangling && !kept_images.contains(&i.id) && !is_own(&i.labels) {
            let short = i.id.trim_start_matches("sha256:").chars().take(12).collect();
            plan.images.push(PruneItem { kind: "image", id: i.id.clone(), name: short });
        }
    }
    for n in engine.list_networks(Filters::default()).await? {
        if BUILTIN_NETWORKS.contains(&n.name.as_str())
            || n.scope != "local"
            || is_own(&n.labels)
            || kept_networks.contains(&n.name)
            || kept_networks.contains(&n.id)
        {
            continue;
        }
        plan.networks.push(PruneItem { kind: "network", id: n.id.clone(), name: n.name.clone() });
    }
    Ok(plan)
}

/// Removes what a plan lists: containers, then images, then networks. A failure is reported
/// and the rest goes on.
pub async fn apply(engine: &dyn Engine, plan: &PrunePlan) -> PruneReport {
    let mut report = PruneReport::default();
    for item in plan.items() {
        let r = match item.kind {
            "container" => engine.remove_container(&item.id, RemoveOptions { force: false, volumes: false }).await,
            "image" => engine.remove_image(&item.id, false).await.map(|_| ()),
            _ => engine.remove_network(&item.id).await,
        };
        match r {
            Ok(()) => report.removed.push(item.clone()),
            Err(e) if e.is_not_found() => report.removed.push(item.clone()),
            Err(e) => report.failed.push((item.clone(), e.to_string())),
        }
    }
    report
}

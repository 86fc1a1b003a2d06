//! The smaller verbs of `docker compose` on a project's containers: `kill`, `pause`, `unpause`,
//! `port`, `images`, `events` and `wait`. Each acts on the services' replicas (one-off
//! containers excluded, as compose does), found by the project's labels.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt;
use serde::Serialize;
use tuxpilot_docker::{ContainerState, ContainerSummary, EngineEvent, EventFilter, ListContainersOptions};

use super::{ComposeRuntime, RunError, labels};

/// A container's image, as `docker compose images` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerImage {
    /// The container.
    pub container: String,
    /// The image's repository (its first name), or `<none>`.
    pub repository: String,
    /// Its tag, or `<none>`.
    pub tag: String,
    /// Its id (`sha256:…`).
    pub id: String,
    /// Its size in bytes.
    pub size: i64,
}

/// An engine event about one of the project's containers, as `docker compose events` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectEvent {
    /// When.
    pub time: Option<chrono::DateTime<chrono::Utc>>,
    /// Always `container`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What happened (`start`, `die`, `health_status: healthy`…).
    pub action: String,
    /// The container's id.
    pub id: String,
    /// The service.
    pub service: String,
    /// The event's attributes without the container's labels (name, image, exitCode, signal…).
    pub attributes: BTreeMap<String, String>,
}

/// How a container of the project ended (`docker compose wait`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exited {
    /// The container's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its exit code.
    pub code: i64,
}

impl ComposeRuntime {
    /// The replicas of `services` (all when empty; one-off containers excluded), running ones
    /// only unless `all`, sorted by name.
    pub async fn replicas(&self, services: &[String], all: bool) -> Result<Vec<ContainerSummary>, RunError> {
        let wanted = self.selection(services, true)?;
        let filters = self.project_filter().label(format!("{}=False", labels::ONEOFF));
        let mut list: Vec<_> = self
            .engine
            .list_containers(ListContainersOptions { all, filters })
            .await?
            .into_iter()
            .filter(|c| c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)))
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// Sends `signal` (default SIGKILL) to the running replicas; returns their names (empty:
    /// nothing ran, which compose reports as "no container to kill" and exit 0).
    pub async fn kill(&self, services: &[String], signal: Option<&str>) -> Result<Vec<String>, RunError> {
        let targets: Vec<_> = self
            .replicas(services, false)
            .await?
            .into_iter()
            .filter(|c| matches!(c.state, ContainerState::Running | ContainerState::Restarting))
            .collect();
        for c in &targets {
            self.emit("Container", &c.name, "Killing", None, None);
        }
        let results = futures_util::future::join_all(
            targets.iter().map(|c| self.engine.kill_container(&c.id, signal.map(str::to_string))),
        )
        .await;
        let mut killed = Vec::new();
        for (c, r) in targets.iter().zip(results) {
            r?;
            self.emit("Container", &c.name, "Killed", None, None);
            killed.push(c.name.clone());
        }
        Ok(killed)
    }

    /// Pauses the running replicas (`docker compose pause`); returns their names.
    pub async fn pause(&self, services: &[String]) -> Result<Vec<String>, RunError> {
        let mut done = Vec::new();
        for c in self.replicas(services, false).await? {
            if c.state == ContainerState::Running {
                self.engine.pause_container(&c.id).await?;
                self.emit("Container", &c.name, "Paused", None, None);
                done.push(c.name);
            }
        }
        Ok(done)
    }

    /// Unpauses the paused replicas (`docker compose unpause`); returns their names.
    pub async fn unpause(&self, services: &[String]) -> Result<Vec<String>, RunError> {
        let mut done = Vec::new();
        for c in self.replicas(services, false).await? {
            if c.state == ContainerState::Paused {
                self.engine.unpause_container(&c.id).await?;
                self.emit("Container", &c.name, "Unpaused", None, None);
                done.push(c.name);
            }
        }
        Ok(done)
    }

    /// The host address a replica's `port/protocol` is published on (`docker compose port`):
    /// `IP:PORT`, the first binding the engine lists.
    pub async fn port(&self, service: &str, port: u16, protocol: &str, index: u32) -> Result<String, RunError> {
        self.selection(&[service.to_string()], true)?;
        // What `docker ps` lists without `-a`.
        let listed = |c: &ContainerSummary| {
            matches!(c.state, ContainerState::Running | ContainerState::Paused | ContainerState::Restarting)
        };
        let c = self
            .replica(service, index, listed)
            .await?
            .ok_or_else(|| RunError::Unsupported(format!("service \"{service}\" is not running (replica {index})")))?;
        let found = c
            .ports
            .iter()
            .find(|p| p.container_port == port && p.protocol.to_string() == protocol && p.host_port.is_some());
        match found {
            Some(p) => Ok(format!("{}:{}", p.host_ip.as_deref().unwrap_or("0.0.0.0"), p.host_port.unwrap_or(0))),
            None => {
                let published: Vec<String> =
                    c.ports.iter().filter_map(|p| p.host_port.map(|h| format!("{h}/{}", p.protocol))).collect();
                Err(RunError::Unsupported(format!(
                    "no port {port}/{protocol} for container {}: {}",
                    c.name,
                    published.join(", ")
                )))
            }
        }
    }

    /// The image of each replica (stopped ones too), as `docker compose images` lists them.
    pub async fn images(&self, services: &[String]) -> Result<Vec<ContainerImage>, RunError> {
        let replicas = self.replicas(services, true).await?;
        let ids: BTreeSet<&str> = replicas.iter().map(|c| c.image_id.as_str()).collect();
        let mut details = BTreeMap::new();
        for id in ids {
            if let Ok(d) = self.engine.inspect_image(id).await {
                details.insert(id.to_string(), d);
            }
        }
        Ok(replicas
            .iter()
            .map(|c| {
                let d = details.get(&c.image_id);
                let first = d.and_then(|d| d.repo_tags.first()).cloned().unwrap_or_default();
                let (repository, tag) = split_repo_tag(&first);
                ContainerImage {
                    container: c.name.clone(),
                    repository,
                    tag,
                    id: c.image_id.clone(),
                    size: d.map_or(0, |d| d.size),
                }
            })
            .collect())
    }

    /// The engine's events about the project's containers of `services` (all when empty), from
    /// now on, until the stream ends.
    pub async fn events(
        &self,
        services: &[String],
    ) -> Result<impl futures_util::Stream<Item = Result<ProjectEvent, RunError>> + use<>, RunError> {
        let wanted = self.selection(services, true)?;
        // The containers' labels are left out of the attributes, as compose does.
        let mut label_keys: BTreeSet<String> = BTreeSet::new();
        for c in self.containers(true).await? {
            label_keys.extend(c.labels.into_keys());
        }
        let mut filters = self.project_filter();
        filters.add("type", "container");
        let stream = self.engine.events(EventFilter { since: None, until: None, filters });
        Ok(stream.filter_map(move |e| {
            let out = match e {
                Err(e) => Some(Err(RunError::from(e))),
                Ok(e) => project_event(e, &wanted, &label_keys).map(Ok),
            };
            std::future::ready(out)
        }))
    }

    /// Waits until every running replica of `services` has stopped (`docker compose wait`);
    /// returns how each ended, in the order they did. No running replica is an error, as in
    /// compose.
    pub async fn wait(&self, services: &[String]) -> Result<Vec<Exited>, RunError> {
        let running = self.replicas(services, false).await?;
        if running.is_empty() {
            return Err(RunError::Unsupported(format!("no containers for project \"{}\"", self.project.name)));
        }
        tracing::info!(containers = running.len(), "waiting for the containers to stop");
        let mut waits: futures_util::stream::FuturesUnordered<_> =
            running.iter().map(|c| async move { (c, self.engine.wait_container(&c.id).await) }).collect();
        let mut out = Vec::new();
        while let Some((c, status)) = waits.next().await {
            out.push(Exited { id: c.id.clone(), name: c.name.clone(), code: status?.code });
        }
        Ok(out)
    }
}

/// `repo:tag` split at the tag's colon (not a registry port's); `<none>` where a part is missing.
fn split_repo_tag(reference: &str) -> (String, String) {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) if !reference.is_empty() => {
            (reference[..slash + i].to_string(), reference[slash + i + 1..].to_string())
        }
        _ if reference.is_empty() => ("<none>".into(), "<none>".into()),
        _ => (reference.to_string(), "<none>".into()),
    }
}

/// An engine event as the project's, if it is about a container of a wanted service.
fn project_event(e: EngineEvent, wanted: &BTreeSet<String>, label_keys: &BTreeSet<String>) -> Option<ProjectEvent> {
    let service = e.attributes.get(labels::SERVICE)?.clone();
    if !wanted.contains(&service) {
        return None;
    }
    let attributes = e
        .attributes
        .into_iter()
        .filter(|(k, _)| !label_keys.contains(k) && !k.starts_with("com.docker.compose."))
        .collect();
    Some(ProjectEvent { time: e.time, kind: e.kind, action: e.action, id: e.actor_id, service, attributes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_and_tag_split_at_the_tag() {
        let s = |r: &str| split_repo_tag(r);
        assert_eq!(s("busybox:latest"), ("busybox".into(), "latest".into()));
        assert_eq!(s("127.0.0.1:5000/x/busybox:1.2"), ("127.0.0.1:5000/x/busybox".into(), "1.2".into()));
        assert_eq!(s("127.0.0.1:5000/x/busybox"), ("127.0.0.1:5000/x/busybox".into(), "<none>".into()));
        assert_eq!(s(""), ("<none>".into(), "<none>".into()));
    }

    #[test]
    fn events_keep_the_project_services_and_drop_labels() {
        let e = EngineEvent {
            kind: "container".into(),
            action: "die".into(),
            actor_id: "abc".into(),
            attributes: BTreeMap::from([
                (labels::SERVICE.to_string(), "web".to_string()),
                ("exitCode".into(), "3".into()),
                ("name".into(), "p-web-1".into()),
                ("tier".into(), "front".into()),
            ]),
            time: None,
        };
        let wanted = BTreeSet::from(["web".to_string()]);
        let keys = BTreeSet::from(["tier".to_string()]);
        let p = project_event(e.clone(), &wanted, &keys).unwrap();
        assert_eq!(p.service, "web");
        assert_eq!(p.attributes.keys().collect::<Vec<_>>(), ["exitCode", "name"]);
        assert!(project_event(e, &BTreeSet::from(["db".to_string()]), &keys).is_none());
    }
}

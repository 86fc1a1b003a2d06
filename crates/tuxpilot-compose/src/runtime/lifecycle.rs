//! Lifecycle commands on a project's existing containers: `down`, `stop`, `start`, `rm`, `top`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tuxpilot_docker::{ContainerState, ContainerSummary, RemoveOptions};

use super::{ComposeRuntime, DownOptions, RunError, labels, now_ms};

impl ComposeRuntime {
    /// `docker compose down`: stop and remove the project's containers (all at once), then its
    /// networks, and with `volumes` its volumes.
    pub async fn down(&self, options: &DownOptions) -> Result<(), RunError> {
        let known: BTreeSet<&String> =
            self.project.services.keys().chain(self.project.disabled_services.keys()).collect();
        let containers: Vec<ContainerSummary> = self
            .containers(true)
            .await?
            .into_iter()
            .filter(|c| options.remove_orphans || c.labels.get(labels::SERVICE).is_some_and(|s| known.contains(s)))
            .collect();
        let permits =
            Arc::new(Semaphore::new(if options.parallel == 0 { Semaphore::MAX_PERMITS } else { options.parallel }));
        let mut tasks = tokio::task::JoinSet::new();
        for c in containers {
            let this = self.clone();
            let permits = permits.clone();
            let timeout = options.timeout;
            tasks.spawn(async move {
                let _p = permits.acquire_owned().await;
                this.remove(&c.id, &c.name, timeout).await
            });
        }
        let mut first_error = None;
        while let Some(r) = tasks.join_next().await {
            if let Ok(Err(e)) = r {
                first_error.get_or_insert(e);
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let filter = self.project_filter();
        for n in self.engine.list_networks(filter.clone()).await? {
            let start = Instant::now();
            self.emit("Network", &n.name, "Removing", None, None);
            // A removed container's endpoint can outlive it for a moment ("has active
            // endpoints"): try again, soon at first (it is usually gone within tens of
            // milliseconds), for about 3 s in all before giving up on the network.
            let mut tries: u32 = 0;
            loop {
                match self.engine.remove_network(&n.id).await {
                    Ok(()) => self.emit("Network", &n.name, "Removed", now_ms(start), None),
                    Err(e) if e.is_not_found() => {}
                    Err(_) if tries < 10 => {
                        tokio::time::sleep(Duration::from_millis((20u64 << tries).min(500))).await;
                        tries += 1;
                        continue;
                    }
                    Err(e) => self.emit("Network", &n.name, "Error", now_ms(start), Some(format!("not removed: {e}"))),
                }
                break;
            }
        }
        if options.volumes {
            for v in self.engine.list_volumes(filter).await? {
                let start = Instant::now();
                self.emit("Volume", &v.name, "Removing", None, None);
                match self.engine.remove_volume(&v.name, false).await {
                    Ok(()) => self.emit("Volume", &v.name, "Removed", now_ms(start), None),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// Stops the project's containers (of `services`, or all).
    pub async fn stop(&self, services: &[String], timeout: Option<Duration>) -> Result<(), RunError> {
        let wanted = self.selection(services, true)?;
        let mut tasks = tokio::task::JoinSet::new();
        for c in self.containers(false).await? {
            if !c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)) {
                continue;
            }
            let this = self.clone();
            tasks.spawn(async move { this.stop_reported(&c.id, &c.name, timeout).await });
        }
        while let Some(r) = tasks.join_next().await {
            if let Ok(Err(e)) = r {
                return Err(e);
            }
        }
        Ok(())
    }

    /// What `restart SERVICES` restarts: the services and, as compose, every service that
    /// depends on one of them with `restart: true` (transitively). No services means all.
    pub fn with_restart_dependents(&self, services: &[String]) -> Vec<String> {
        if services.is_empty() {
            return Vec::new();
        }
        let mut set: std::collections::BTreeSet<String> = services.iter().cloned().collect();
        loop {
            let more: Vec<String> = self
                .project
                .services
                .iter()
                .filter(|(name, s)| {
                    !set.contains(*name)
                        && s.depends_on.iter().any(|(d, dep)| dep.restart == Some(true) && set.contains(d))
                })
                .map(|(name, _)| name.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            set.extend(more);
        }
        set.into_iter().collect()
    }

    /// Starts the project's existing containers (of `services`, or all), dependencies first.
    pub async fn start_services(&self, services: &[String]) -> Result<(), RunError> {
        let wanted = self.selection(services, true)?;
        let order = crate::runtime::dependency_order(&self.project, &wanted);
        let all = self.containers(true).await?;
        for s in order {
            for c in
                all.iter().filter(|c| c.labels.get(labels::SERVICE) == Some(&s) && c.state != ContainerState::Running)
            {
                self.start(&s, &c.id, &c.name).await?;
            }
        }
        Ok(())
    }

    /// Removes stopped containers of the project (`force` also running ones).
    pub async fn rm(&self, services: &[String], force: bool) -> Result<Vec<String>, RunError> {
        let wanted = self.selection(services, true)?;
        let mut removed = Vec::new();
        for c in self.containers(true).await? {
            if !c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)) {
                continue;
            }
            if c.state == ContainerState::Running && !force {
                continue;
            }
            self.engine.remove_container(&c.id, RemoveOptions { force, volumes: false }).await?;
            self.emit("Container", &c.name, "Removed", None, None);
            removed.push(c.name);
        }
        Ok(removed)
    }

    /// Processes of the project's running containers, by container name.
    pub async fn top(&self, services: &[String]) -> Result<Vec<(String, tuxpilot_docker::ProcessList)>, RunError> {
        let wanted = self.selection(services, true)?;
        let mut out = Vec::new();
        for c in self.containers(false).await? {
            if c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)) {
                out.push((c.name.clone(), self.engine.top(&c.id).await?));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

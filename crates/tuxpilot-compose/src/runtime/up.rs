//! The `up` executor: networks and volumes first, then one task per service that waits only for
//! its own dependencies (`service_started`, `service_healthy`, `service_completed_successfully`),
//! and the container steps (create, start, recreate, remove) it is made of.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use tuxpilot_docker::{ContainerState, HealthStatus, NetworkSpec, RemoveOptions, VolumeSpec};

use super::{Action, COMPOSE_VERSION, ComposeRuntime, Plan, RunError, UpOptions, container_spec, labels, now_ms, spec};

impl ComposeRuntime {
    /// `docker compose up -d`: converge the engine on the project.
    pub async fn up(&self, options: &UpOptions) -> Result<Plan, RunError> {
        let selected = self.selection(&options.services, options.no_deps)?;
        if let Some((name, p)) = selected
            .iter()
            .find_map(|s| self.project.services.get(s).and_then(|svc| svc.provider.as_ref().map(|p| (s, p))))
        {
            let kind = p.get("type").and_then(|t| t.as_str()).unwrap_or("?");
            return Err(RunError::Unsupported(format!(
                "service \"{name}\" is a provider service (provider.type: {kind}); TuxPilot does not run provider plugins: \
                 start it with `docker compose up`, or leave it out of the selection"
            )));
        }
        for name in &selected {
            let Some(svc) = self.project.services.get(name) else { continue };
            if let Some((i, v)) =
                svc.volumes.iter().enumerate().find(|(_, v)| matches!(v.kind.as_str(), "image" | "npipe" | "cluster"))
            {
                return Err(RunError::Unsupported(format!(
                    "services.{name}.volumes[{i}]: a `type: {}` mount is not supported by TuxPilot's runtime \
                     (image mounts need Docker Engine 28, npipe is Windows-only, cluster is Swarm CSI): \
                     use a bind or volume mount, or `docker compose up`",
                    v.kind
                )));
            }
        }
        self.ensure_images(&selected, options.pull, options.build).await?;
        let plan = self.plan(options).await?;
        let permits =
            Arc::new(Semaphore::new(if options.parallel == 0 { Semaphore::MAX_PERMITS } else { options.parallel }));
        // Networks and volumes first, all at once.
        self.run_all(&plan.resources, options).await?;
        for a in &plan.orphans {
            self.run_action(a.clone(), options).await?;
        }
        // Dependents that restart with a recreated dependency stop before it is replaced.
        self.run_all(&plan.dependents_stopped, options).await?;

        // One task per service, each waiting only for its own dependencies.
        let selected: BTreeSet<String> = plan.services.keys().cloned().collect();
        let mut done: BTreeMap<String, watch::Sender<Option<bool>>> = BTreeMap::new();
        let mut receivers: BTreeMap<String, watch::Receiver<Option<bool>>> = BTreeMap::new();
        for s in &selected {
            let (tx, rx) = watch::channel(None);
            done.insert(s.clone(), tx);
            receivers.insert(s.clone(), rx);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (service, actions) in plan.services.clone() {
            let this = self.clone();
            let options = options.clone();
            let permits = permits.clone();
            let deps: Vec<(String, crate::model::Dependency, watch::Receiver<Option<bool>>)> = self.project.services
                [&service]
                .depends_on
                .iter()
                .filter_map(|(d, dep)| receivers.get(d).map(|rx| (d.clone(), dep.clone(), rx.clone())))
                .collect();
            let Some(tx) = done.remove(&service) else { continue };
            tasks.spawn(async move {
                let result = this.run_service(&service, actions, deps, &options, permits).await;
                let _ = tx.send(Some(result.is_ok()));
                result
            });
        }
        let mut first_error = None;
        while let Some(r) = tasks.join_next().await {
            let r = r.map_err(|e| RunError::Timeout(format!("internal task failed: {e}")))?;
            if let Err(e) = r {
                // A dependency failure is a consequence; report the cause first.
                let is_consequence = matches!(e, RunError::DependencyFailed { .. });
                if first_error
                    .as_ref()
                    .is_none_or(|f: &RunError| matches!(f, RunError::DependencyFailed { .. }) && !is_consequence)
                {
                    first_error = Some(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if options.wait {
            self.wait_all(&selected, options.wait_timeout).await?;
        }
        Ok(plan)
    }

    /// What `up` creates for the project's network `key` under the engine name `name`: driver,
    /// options, IPAM subnets and the compose labels.
    pub fn network_spec(&self, key: &str, name: &str) -> NetworkSpec {
        let n = self.project.networks.get(key).cloned().unwrap_or_default();
        let mut labels: BTreeMap<String, String> = spec::flatten(&n.labels);
        labels.insert(labels::PROJECT.into(), self.project.name.clone());
        labels.insert(labels::NETWORK.into(), key.to_string());
        labels.insert(labels::VERSION.into(), COMPOSE_VERSION.into());
        NetworkSpec {
            name: name.to_string(),
            driver: n.driver.clone(),
            options: spec::flatten(&n.driver_opts),
            labels,
            internal: n.internal.unwrap_or(false),
            attachable: n.attachable.unwrap_or(false),
            enable_ipv6: n.enable_ipv6.unwrap_or(false),
            subnets: n
                .ipam
                .as_ref()
                .map(|i| i.config.iter().filter_map(|c| c.subnet.clone()).collect())
                .unwrap_or_default(),
        }
    }

    /// Creates one network or volume of the plan, with the project's labels.
    pub async fn create_resource(&self, a: Action) -> Result<(), RunError> {
        let start = Instant::now();
        match a {
            Action::CreateNetwork { key, name } => {
                self.emit("Network", &name, "Creating", None, None);
                let spec = self.network_spec(&key, &name);
                match self.engine.create_network(spec).await {
                    Ok(_) => {}
                    // Another `up` made it meanwhile.
                    Err(e) if e.is_conflict() => {}
                    Err(e) => return Err(e.into()),
                }
                self.emit("Network", &name, "Created", now_ms(start), None);
            }
            Action::CreateVolume { key, name } => {
                let v = self.project.volumes.get(&key).cloned().unwrap_or_default();
                self.emit("Volume", &name, "Creating", None, None);
                let mut labels: BTreeMap<String, String> = spec::flatten(&v.labels);
                labels.insert(labels::PROJECT.into(), self.project.name.clone());
                labels.insert(labels::VOLUME.into(), key.clone());
                labels.insert(labels::VERSION.into(), COMPOSE_VERSION.into());
                let spec = VolumeSpec {
                    name: Some(name.clone()),
                    driver: v.driver.clone(),
                    driver_opts: v
                        .driver_opts
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
                        .collect(),
                    labels,
                };
                self.engine.create_volume(spec).await?;
                self.emit("Volume", &name, "Created", now_ms(start), None);
            }
            _ => {}
        }
        Ok(())
    }

    async fn run_service(
        &self,
        service: &str,
        actions: Vec<Action>,
        deps: Vec<(String, crate::model::Dependency, watch::Receiver<Option<bool>>)>,
        options: &UpOptions,
        permits: Arc<Semaphore>,
    ) -> Result<(), RunError> {
        // Creating does not depend on the dependencies' state, only starting does: create new
        // replicas right away, as compose's create phase does, and start them once the
        // dependencies are ready. (`network_mode: service:x` needs x's container first.)
        let early = self
            .project
            .services
            .get(service)
            .is_some_and(|s| !s.network_mode.as_deref().is_some_and(|m| m.starts_with("service:")));
        let mut created: BTreeMap<u32, (String, String)> = BTreeMap::new();
        if early {
            for a in &actions {
                if let Action::Create { number, .. } = a {
                    let _permit = permits.acquire().await.map_err(|e| RunError::Timeout(e.to_string()))?;
                    created.insert(*number, self.create(service, *number, None).await?);
                }
            }
        }
        // With `--no-start` nothing runs, so there is no state of a dependency to wait for.
        let deps = if options.no_start { Vec::new() } else { deps };
        for (dep, d, mut rx) in deps {
            let ok = loop {
                if let Some(ok) = *rx.borrow() {
                    break ok;
                }
                if rx.changed().await.is_err() {
                    break false;
                }
            };
            if !ok {
                if d.required {
                    return Err(RunError::DependencyFailed { service: service.into(), dependency: dep });
                }
                continue;
            }
            let waited = match d.condition.as_str() {
                "service_healthy" => self.wait_healthy(&dep, options.wait_timeout).await,
                "service_completed_successfully" => self.wait_completed(&dep, options.wait_timeout).await,
                _ => Ok(()),
            };
            if let Err(e) = waited
                && d.required
            {
                return Err(e);
            }
        }
        // A scale-down stops its surplus replicas at once, as compose does (not one stop
        // timeout after another).
        let (surplus, actions): (Vec<Action>, Vec<Action>) =
            actions.into_iter().partition(|a| matches!(a, Action::Remove { .. }));
        self.run_all(&surplus, options).await?;
        for a in actions {
            let _permit = permits.acquire().await.map_err(|e| RunError::Timeout(e.to_string()))?;
            match a {
                Action::Create { number, .. } if created.contains_key(&number) => {
                    if let Some((id, name)) = created.remove(&number)
                        && !options.no_start
                    {
                        self.start(service, &id, &name).await?;
                    }
                }
                other => self.run_action(other, options).await?,
            }
        }
        Ok(())
    }

    /// Waits until every replica of `service` is healthy; fails at once when one exits or turns
    /// unhealthy, with its health log and last log lines.
    pub async fn wait_healthy(&self, service: &str, timeout: Duration) -> Result<(), RunError> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut all_healthy = true;
            for c in self.service_containers(service).await? {
                let d = self.engine.inspect_container(&c.id).await?;
                let fail = |message: String| RunError::ServiceFailed {
                    service: service.into(),
                    container: d.name.clone(),
                    message,
                    logs: Vec::new(),
                };
                match (d.state.status, d.state.health) {
                    (_, None) if d.healthcheck.is_none() => {
                        return Err(fail(format!(
                            "dependency failed to start: container {} has no healthcheck configured",
                            d.name
                        )));
                    }
                    (ContainerState::Exited | ContainerState::Dead, _) => {
                        let mut e = fail(format!(
                            "dependency failed to start: container {} exited ({})",
                            d.name, d.state.exit_code
                        ));
                        if let RunError::ServiceFailed { logs, .. } = &mut e {
                            *logs = self.last_logs(&d.id).await;
                        }
                        return Err(e);
                    }
                    (_, Some(HealthStatus::Unhealthy)) => {
                        let mut e = fail(format!("dependency failed to start: container {} is unhealthy", d.name));
                        if let RunError::ServiceFailed { logs, .. } = &mut e {
                            *logs = self.last_logs(&d.id).await;
                            logs.extend(d.state.health_log.iter().map(|l| format!("healthcheck: {}", l.trim_end())));
                        }
                        return Err(e);
                    }
                    (_, Some(HealthStatus::Healthy)) => {
                        self.emit("Container", &d.name, "Healthy", None, None);
                    }
                    _ => all_healthy = false,
                }
            }
            if all_healthy {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(RunError::Timeout(format!(
                    "timeout waiting for service \"{service}\" to be healthy after {}s",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn wait_completed(&self, service: &str, timeout: Duration) -> Result<(), RunError> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut done = true;
            for c in self.service_containers(service).await? {
                let d = self.engine.inspect_container(&c.id).await?;
                match d.state.status {
                    ContainerState::Exited | ContainerState::Dead if d.state.exit_code == 0 => {}
                    ContainerState::Exited | ContainerState::Dead => {
                        return Err(RunError::ServiceFailed {
                            service: service.into(),
                            container: d.name.clone(),
                            message: format!(
                                "service \"{service}\" didn't complete successfully: exit {}",
                                d.state.exit_code
                            ),
                            logs: self.last_logs(&d.id).await,
                        });
                    }
                    _ => done = false,
                }
            }
            if done {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(RunError::Timeout(format!("timeout waiting for service \"{service}\" to complete")));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// `--wait`: every selected service running, and healthy when it has a health check.
    async fn wait_all(&self, services: &BTreeSet<String>, timeout: Duration) -> Result<(), RunError> {
        let deadline = Instant::now() + timeout;
        for s in services {
            loop {
                let mut ready = true;
                for c in self.service_containers(s).await? {
                    let d = self.engine.inspect_container(&c.id).await?;
                    match (d.state.status, d.state.health) {
                        (ContainerState::Running, None | Some(HealthStatus::Healthy | HealthStatus::None)) => {}
                        (_, Some(HealthStatus::Unhealthy)) | (ContainerState::Exited | ContainerState::Dead, _) => {
                            return Err(RunError::ServiceFailed {
                                service: s.clone(),
                                container: d.name.clone(),
                                message: format!(
                                    "container {} is {}",
                                    d.name,
                                    if d.state.health == Some(HealthStatus::Unhealthy) {
                                        "unhealthy".to_string()
                                    } else {
                                        format!("exited ({})", d.state.exit_code)
                                    }
                                ),
                                logs: self.last_logs(&d.id).await,
                            });
                        }
                        _ => ready = false,
                    }
                }
                if ready {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(RunError::Timeout(format!("application not healthy after {}s", timeout.as_secs())));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        Ok(())
    }

    /// Starts a container of `service` (starts that publish ports go one at a time).
    pub async fn start(&self, service: &str, id: &str, name: &str) -> Result<(), RunError> {
        let start = Instant::now();
        self.emit("Container", name, "Starting", None, None);
        // Only starts that publish ports need to wait for each other.
        let publishes = self.project.services.get(service).is_some_and(|s| !s.ports.is_empty());
        // Secrets and configs from `content:` or `environment:` go in before each start.
        if let Err(message) = self.inject_files(service, id).await {
            self.emit("Container", name, "Error", now_ms(start), Some(message.clone()));
            return Err(RunError::ServiceFailed {
                service: service.into(),
                container: name.into(),
                message,
                logs: Vec::new(),
            });
        }
        let r = if publishes {
            let _guard = self.start_lock.lock().await;
            self.engine.start_container(id).await
        } else {
            self.engine.start_container(id).await
        };
        if let Err(e) = r {
            self.emit("Container", name, "Error", now_ms(start), Some(e.to_string()));
            return Err(RunError::ServiceFailed {
                service: service.into(),
                container: name.into(),
                message: format!("service \"{service}\" failed to start: {e}"),
                logs: self.last_logs(id).await,
            });
        }
        self.emit("Container", name, "Started", now_ms(start), None);
        Ok(())
    }

    /// Writes the service's `content:`/`environment:` secrets and configs into container `id`.
    async fn inject_files(&self, service: &str, id: &str) -> Result<(), String> {
        let Some(s) = self.project.services.get(service) else { return Ok(()) };
        let files = super::files::files_for(&self.project, service, s)?;
        if files.is_empty() {
            return Ok(());
        }
        let tar = super::files::tar(&files).map_err(|e| format!("cannot write the secrets of {service}: {e}"))?;
        let keep_owner = files.iter().any(|f| f.owner.is_some());
        self.engine.upload_archive(id, "/", tar.into(), keep_owner).await.map_err(|e| {
            format!("cannot write the secrets and configs of service \"{service}\" into its container: {e}")
        })
    }

    /// The create spec of replica `number` of `service`, with the runtime's extra labels.
    pub async fn container_spec_for(
        &self,
        service: &str,
        number: u32,
    ) -> Result<tuxpilot_docker::ContainerSpec, RunError> {
        let svc = self.project.services.get(service).ok_or_else(|| RunError::NoSuchService(service.into()))?;
        let hash = crate::service_hash(svc);
        let net_container = match svc.network_mode.as_deref().and_then(|m| m.strip_prefix("service:")) {
            Some(other) => self.service_containers(other).await?.first().map(|c| c.id.clone()),
            None => None,
        };
        let mut spec = container_spec(&self.project, &self.meta, service, svc, number, &hash, net_container.as_deref());
        spec.labels.extend(self.extra_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        // The image id, as Docker Compose v2 labels it: without it, its `up` recreates.
        if let Ok(image) = self.engine.inspect_image(&self.image_of(service)).await {
            spec.labels.insert(super::labels::IMAGE.into(), image.id);
        }
        Ok(spec)
    }

    /// Creates replica `number` of `service` (under `temp_name` when given); returns its id and
    /// its final name.
    pub async fn create(
        &self,
        service: &str,
        number: u32,
        temp_name: Option<String>,
    ) -> Result<(String, String), RunError> {
        self.create_inheriting(service, number, temp_name, &[]).await
    }

    /// [`Self::create`] of a replacement that keeps the anonymous volumes of the container it
    /// replaces (whose mounts are `inherit`).
    async fn create_inheriting(
        &self,
        service: &str,
        number: u32,
        temp_name: Option<String>,
        inherit: &[tuxpilot_docker::MountInfo],
    ) -> Result<(String, String), RunError> {
        let mut spec = self.container_spec_for(service, number).await?;
        if inherit.iter().any(|m| m.kind == "volume") {
            let image_volumes = match self.engine.inspect_image(&spec.image).await {
                Ok(i) => i.volumes,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            spec::inherit_anonymous_volumes(&mut spec.mounts, inherit, &image_volumes);
        }
        let final_name = spec.name.clone().unwrap_or_default();
        if let Some(t) = temp_name {
            spec.name = Some(t);
        }
        let start = Instant::now();
        self.emit("Container", &final_name, "Creating", None, None);
        let adoptable = spec.name.as_deref() == Some(final_name.as_str());
        let wanted: Vec<(String, Option<String>)> =
            [labels::PROJECT, labels::SERVICE, labels::NUMBER, labels::CONFIG_HASH]
                .iter()
                .map(|k| (k.to_string(), spec.labels.get(*k).cloned()))
                .collect();
        let created = match self.engine.create_container(spec).await {
            Ok(c) => c.id,
            // The same replica, made meanwhile by a run that was interrupted after sending its
            // create (or by a concurrent `up`): the same project, service, number and config
            // hash, so it is the container this call would have made.
            Err(e) if e.is_conflict() && adoptable => match self.engine.inspect_container(&final_name).await {
                Ok(existing) if wanted.iter().all(|(k, v)| existing.labels.get(k) == v.as_ref()) => existing.id,
                _ => return Err(e.into()),
            },
            Err(e) => return Err(e.into()),
        };
        self.emit("Container", &final_name, "Created", now_ms(start), None);
        Ok((created, final_name))
    }

    /// Stops (within `timeout`) and removes a container; a container already gone is fine.
    pub async fn remove(&self, id: &str, name: &str, timeout: Option<Duration>) -> Result<(), RunError> {
        let start = Instant::now();
        self.emit("Container", name, "Stopping", None, None);
        match self.engine.stop_container(id, timeout).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        self.emit("Container", name, "Stopped", now_ms(start), None);
        self.emit("Container", name, "Removing", None, None);
        match self.engine.remove_container(id, RemoveOptions { force: true, volumes: false }).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        self.emit("Container", name, "Removed", now_ms(start), None);
        Ok(())
    }

    /// Runs `actions` all at once; the first failure is returned once all have ended.
    async fn run_all(&self, actions: &[Action], options: &UpOptions) -> Result<(), RunError> {
        let mut tasks = tokio::task::JoinSet::new();
        for a in actions.iter().cloned() {
            let (this, options) = (self.clone(), options.clone());
            tasks.spawn(async move { this.run_action(a, &options).await });
        }
        let mut first = Ok(());
        while let Some(r) = tasks.join_next().await {
            let r = r.map_err(|e| RunError::Timeout(format!("internal task failed: {e}"))).and_then(|r| r);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    /// Stops a container within `timeout`, reporting it.
    pub(crate) async fn stop_reported(&self, id: &str, name: &str, timeout: Option<Duration>) -> Result<(), RunError> {
        let start = Instant::now();
        self.emit("Container", name, "Stopping", None, None);
        self.engine.stop_container(id, timeout).await?;
        self.emit("Container", name, "Stopped", now_ms(start), None);
        Ok(())
    }

    async fn run_action(&self, a: Action, options: &UpOptions) -> Result<(), RunError> {
        match a {
            Action::Create { service, number } => {
                let (id, name) = self.create(&service, number, None).await?;
                if options.no_start {
                    return Ok(());
                }
                self.start(&service, &id, &name).await
            }
            Action::Recreate { service, number, id, name } => {
                // As compose: create the replacement under a temporary name, then swap, so a
                // failed create leaves the old container running.
                let short = id.get(..12).unwrap_or(&id);
                self.emit("Container", &name, "Recreate", None, None);
                let start = Instant::now();
                let inherit = if options.renew_anon_volumes {
                    Vec::new()
                } else {
                    match self.engine.inspect_container(&id).await {
                        Ok(old) => old.mounts,
                        Err(e) if e.is_not_found() => Vec::new(),
                        Err(e) => return Err(e.into()),
                    }
                };
                let (new_id, final_name) =
                    self.create_inheriting(&service, number, Some(format!("{short}_{name}")), &inherit).await?;
                self.remove(&id, &name, options.stop_timeout).await?;
                self.engine.rename_container(&new_id, &final_name).await?;
                self.emit("Container", &final_name, "Recreated", now_ms(start), None);
                if options.no_start {
                    return Ok(());
                }
                self.start(&service, &new_id, &final_name).await
            }
            Action::Start { .. } if options.no_start => Ok(()),
            Action::Start { service, id, name } => self.start(&service, &id, &name).await,
            Action::Remove { id, name, .. } => self.remove(&id, &name, options.stop_timeout).await,
            Action::Stop { id, name, .. } => self.stop_reported(&id, &name, options.stop_timeout).await,
            Action::CreateNetwork { .. } | Action::CreateVolume { .. } => self.create_resource(a).await,
        }
    }
}

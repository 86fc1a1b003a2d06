//! One-off containers and commands: `run` (a new `oneoff=True` container) and `exec` (a command
//! in a running replica).

use std::collections::BTreeSet;

use tuxpilot_docker::{ContainerState, LogOptions, RemoveOptions};

use super::{ComposeRuntime, RunError, RunOptions, UpOptions, container_spec, labels, now_nanos};

impl ComposeRuntime {
    /// `docker compose run [--rm] SERVICE CMD…`: starts the service's dependencies, then a
    /// one-off container (`oneoff=True`, named `<project>-<service>-run-<slug>`), waits for it and
    /// returns its exit code and output.
    pub async fn run_oneoff(
        &self,
        service: &str,
        command: Option<Vec<String>>,
        remove: bool,
    ) -> Result<(i64, Vec<tuxpilot_docker::LogChunk>), RunError> {
        use futures_util::StreamExt;
        let (id, name) = self.create_oneoff(service, &RunOptions { command, ..Default::default() }).await?;
        let result = async {
            self.start(service, &id, &name).await?;
            let exit = self.engine.wait_container(&id).await?;
            let logs: Vec<_> = self.engine.logs(&id, LogOptions::default()).collect().await;
            Ok::<_, RunError>((exit.code, logs.into_iter().filter_map(Result::ok).collect()))
        }
        .await;
        if remove {
            let _ = self.engine.remove_container(&id, RemoveOptions { force: true, volumes: true }).await;
        }
        result
    }

    /// `docker compose run -i [-t] SERVICE CMD…`: as [`Self::run_oneoff`], but the container is
    /// attached to before it starts; returns its id and the session. The caller pumps the
    /// session, then calls [`Self::finish_oneoff`].
    pub async fn run_attached(
        &self,
        service: &str,
        options: &RunOptions,
    ) -> Result<(String, tuxpilot_docker::AttachedSession), RunError> {
        let (id, name) = self.create_oneoff(service, options).await?;
        let attached = async {
            let session = self.engine.attach_container(&id).await?;
            self.start(service, &id, &name).await?;
            Ok::<_, RunError>(session)
        }
        .await;
        match attached {
            Ok(session) => Ok((id, session)),
            Err(e) => {
                let _ = self.engine.remove_container(&id, RemoveOptions { force: true, volumes: true }).await;
                Err(e)
            }
        }
    }

    /// `docker compose run -d SERVICE CMD…`: creates and starts the one-off container and
    /// returns its name without waiting for it.
    pub async fn run_detached(&self, service: &str, options: &RunOptions) -> Result<String, RunError> {
        let (id, name) = self.create_oneoff(service, options).await?;
        if let Err(e) = self.start(service, &id, &name).await {
            let _ = self.engine.remove_container(&id, RemoveOptions { force: true, volumes: true }).await;
            return Err(e);
        }
        Ok(name)
    }

    /// Waits for a one-off container started by [`Self::run_attached`] and returns its exit
    /// code; removes it when `remove`.
    pub async fn finish_oneoff(&self, id: &str, remove: bool) -> Result<i64, RunError> {
        let exit = self.engine.wait_container(id).await;
        if remove {
            let _ = self.engine.remove_container(id, RemoveOptions { force: true, volumes: true }).await;
        }
        Ok(exit?.code)
    }

    /// Creates the one-off container of `service` (its dependencies up, its networks and
    /// volumes made); returns its id and name.
    async fn create_oneoff(&self, service: &str, options: &RunOptions) -> Result<(String, String), RunError> {
        let svc = self.project.services.get(service).ok_or_else(|| RunError::NoSuchService(service.into()))?;
        let deps: Vec<String> = svc.depends_on.keys().cloned().collect();
        if !deps.is_empty() && !options.no_deps {
            self.up(&UpOptions { services: deps, ..Default::default() }).await?;
        }
        self.ensure_images(&BTreeSet::from([service.to_string()]), None, false).await?;
        // Its networks and volumes must exist even when the service was never brought up.
        let plan =
            self.plan(&UpOptions { services: vec![service.to_string()], no_deps: true, ..Default::default() }).await?;
        for a in plan.resources {
            self.create_resource(a).await?;
        }
        let hash = crate::service_hash(svc);
        let mut spec = container_spec(&self.project, &self.meta, service, svc, 1, &hash, None);
        let slug: String = format!("{:x}", u128::from(std::process::id()) << 64 | u128::from(now_nanos()))
            .chars()
            .rev()
            .take(12)
            .collect();
        let name = options.name.clone().unwrap_or_else(|| format!("{}-{service}-run-{slug}", self.project.name));
        spec.name = Some(name.clone());
        spec.environment.extend(options.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
        for m in &options.mounts {
            spec.mounts.retain(|old| old.target != m.target);
            spec.mounts.push(m.clone());
        }
        if let Some(e) = &options.entrypoint {
            spec.entrypoint = Some(e.clone());
        }
        if options.user.is_some() {
            spec.user = options.user.clone();
        }
        if options.working_dir.is_some() {
            spec.working_dir = options.working_dir.clone();
        }
        spec.labels.insert(labels::ONEOFF.into(), "True".into());
        spec.labels.remove(labels::NUMBER);
        spec.labels.insert("com.docker.compose.slug".into(), slug);
        if !options.service_ports {
            spec.port_bindings.clear();
        }
        if let Some(c) = &options.command {
            spec.command = Some(c.clone());
        }
        if options.interactive {
            spec.open_stdin = true;
            spec.stdin_once = true;
        }
        spec.tty = options.tty;
        // A one-off container has no aliases of its own.
        for n in &mut spec.networks {
            n.aliases.clear();
        }
        let created = self.engine.create_container(spec).await?;
        Ok((created.id, name))
    }

    /// `docker compose exec SERVICE CMD`: runs a command in replica `index` (1 by default).
    pub async fn exec(
        &self,
        service: &str,
        index: u32,
        spec: tuxpilot_docker::ExecSpec,
    ) -> Result<tuxpilot_docker::ExecOutput, RunError> {
        let id = self.running_replica(service, index).await?;
        Ok(self.engine.exec(&id, spec).await?)
    }

    /// `docker compose exec -i [-t] SERVICE CMD`: as [`Self::exec`], attached to stdin; returns
    /// the exec's id (for resizing and its exit code) and the session.
    pub async fn exec_attached(
        &self,
        service: &str,
        index: u32,
        spec: tuxpilot_docker::ExecSpec,
    ) -> Result<(String, tuxpilot_docker::AttachedSession), RunError> {
        let id = self.running_replica(service, index).await?;
        Ok(self.engine.exec_attached(&id, spec).await?)
    }

    /// Starts `spec` in replica `index` of `service` and leaves it running in the background
    /// (`docker compose exec -d`); returns the exec's id.
    pub async fn exec_detached(
        &self,
        service: &str,
        index: u32,
        spec: tuxpilot_docker::ExecSpec,
    ) -> Result<String, RunError> {
        let id = self.running_replica(service, index).await?;
        Ok(self.engine.exec_detached(&id, spec).await?)
    }

    /// The id of running replica `index` of `service`.
    async fn running_replica(&self, service: &str, index: u32) -> Result<String, RunError> {
        self.replica(service, index, |c| c.state == ContainerState::Running).await?.map(|c| c.id).ok_or_else(|| {
            RunError::ServiceFailed {
                service: service.into(),
                container: format!("{}-{service}-{index}", self.project.name),
                message: format!("service \"{service}\" is not running"),
                logs: Vec::new(),
            }
        })
    }
}

//! One-off containers and commands: `run` (a new `oneoff=True` container) and `exec` (a command
//! in a running replica).

use std::collections::BTreeSet;

use tuxpilot_docker::{ContainerState, LogOptions, RemoveOptions};

use super::{ComposeRuntime, RunError, UpOptions, container_spec, labels, now_nanos};

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
        let svc = self.project.services.get(service).ok_or_else(|| RunError::NoSuchService(service.into()))?;
        let deps: Vec<String> = svc.depends_on.keys().cloned().collect();
        if !deps.is_empty() {
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
        let name = format!("{}-{service}-run-{slug}", self.project.name);
        spec.name = Some(name.clone());
        spec.labels.insert(labels::ONEOFF.into(), "True".into());
        spec.labels.remove(labels::NUMBER);
        spec.labels.insert("com.docker.compose.slug".into(), slug);
        spec.port_bindings.clear();
        if let Some(c) = command {
            spec.command = Some(c);
        }
        // A one-off container has no aliases of its own.
        for n in &mut spec.networks {
            n.aliases.clear();
        }
        let created = self.engine.create_container(spec).await?;
        let result = async {
            self.start(service, &created.id, &name).await?;
            let exit = self.engine.wait_container(&created.id).await?;
            let logs: Vec<_> = self.engine.logs(&created.id, LogOptions::default()).collect().await;
            Ok::<_, RunError>((exit.code, logs.into_iter().filter_map(Result::ok).collect()))
        }
        .await;
        if remove {
            let _ = self.engine.remove_container(&created.id, RemoveOptions { force: true, volumes: true }).await;
        }
        result
    }

    /// `docker compose exec SERVICE CMD`: runs a command in replica `index` (1 by default).
    pub async fn exec(
        &self,
        service: &str,
        index: u32,
        spec: tuxpilot_docker::ExecSpec,
    ) -> Result<tuxpilot_docker::ExecOutput, RunError> {
        let c = self
            .service_containers(service)
            .await?
            .into_iter()
            .find(|c| {
                c.labels.get(labels::NUMBER).is_some_and(|n| n == &index.to_string())
                    && c.state == ContainerState::Running
            })
            .ok_or_else(|| RunError::ServiceFailed {
                service: service.into(),
                container: format!("{}-{service}-{index}", self.project.name),
                message: format!("service \"{service}\" is not running"),
                logs: Vec::new(),
            })?;
        Ok(self.engine.exec(&c.id, spec).await?)
    }
}

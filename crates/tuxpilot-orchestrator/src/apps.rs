//! Where an app runs, as one seam: [`Apps`] is the entry point the CLI, chat and MCP call for
//! app deployments. It holds both backends (the local engine, and the swarm when the engine is
//! a manager) with the same `[containers.orchestration]` and `[containers.security]` settings,
//! and resolves each app's backend from what the engine records: an explicit choice, else the
//! swarm when it holds the app's history, else the configured backend for a new app, else local.

use std::sync::Arc;

use tuxpilot_compose::runtime::ProgressFn;
use tuxpilot_docker::{Engine, Swarm};
use tuxpilot_security::SecurityConfig;

use crate::config::{Backend, DeployOptions, OrchestrationConfig};
use crate::deploy::Orchestrator;
use crate::error::Result;
use crate::load::LoadedApp;
use crate::ops::{DeploymentSummary, ScalingResult, UndeployResult};
use crate::result::DeploymentResult;
use crate::store::DeploymentRecord;
use crate::swarm::{SwarmNodeVolumes, SwarmOrchestrator};

/// App deployments on whichever backend runs each app.
#[derive(Clone)]
pub struct Apps {
    local: Orchestrator,
    swarm: Option<SwarmOrchestrator>,
    config: OrchestrationConfig,
}

impl Apps {
    /// Both backends over `engine`; `swarm` is the same engine's Swarm API (`None` when the
    /// embedder has none: every app is then local).
    pub fn new(
        engine: Arc<dyn Engine>,
        swarm: Option<Arc<dyn Swarm>>,
        config: OrchestrationConfig,
        security: SecurityConfig,
        progress: ProgressFn,
    ) -> Self {
        let local = Orchestrator::new(engine.clone(), config.clone(), progress.clone()).with_security(security.clone());
        let swarm = swarm.map(|s| SwarmOrchestrator::new(engine, s, config.clone(), progress).with_security(security));
        Self { local, swarm, config }
    }

    /// The local backend.
    pub fn local(&self) -> &Orchestrator {
        &self.local
    }

    /// The swarm backend, when the engine has a Swarm API.
    pub fn swarm(&self) -> Option<&SwarmOrchestrator> {
        self.swarm.as_ref()
    }

    /// The backend of `app`: `explicit` when given, else the swarm when it holds the app's
    /// history, else `[containers.orchestration] backend`.
    pub async fn backend_of(&self, app: &str, explicit: Option<Backend>) -> Backend {
        if let Some(b) = explicit {
            return b;
        }
        if self.config.backend == Backend::Swarm {
            return Backend::Swarm;
        }
        // Outside a swarm the lookup fails: that is a local app.
        match &self.swarm {
            Some(s) if s.knows(app).await.unwrap_or(false) => Backend::Swarm,
            _ => Backend::Local,
        }
    }

    fn on_swarm(&self) -> Result<&SwarmOrchestrator> {
        self.swarm.as_ref().ok_or_else(|| {
            crate::Error::NotFound(
                "this engine offers no Swarm API here; deploy with --backend local, or point DOCKER_HOST at a swarm manager"
                    .into(),
            )
        })
    }

    /// Deploys `app` on its backend.
    pub async fn deploy(
        &self,
        app: &LoadedApp,
        options: &DeployOptions,
        backend: Option<Backend>,
    ) -> Result<DeploymentResult> {
        match self.backend_of(&app.name, backend).await {
            Backend::Local => self.local.deploy(app, options).await,
            Backend::Swarm => self.on_swarm()?.deploy(app, options).await,
        }
    }

    /// Returns `app` to version `to` (default: the last good one before the current).
    pub async fn rollback(&self, app: &str, to: Option<&str>, backend: Option<Backend>) -> Result<DeploymentResult> {
        match self.backend_of(app, backend).await {
            Backend::Local => self.local.rollback(app, to).await,
            Backend::Swarm => self.on_swarm()?.rollback(app, to).await,
        }
    }

    /// Every deployment attempt of `app`, oldest first.
    pub async fn history(&self, app: &str, backend: Option<Backend>) -> Result<Vec<DeploymentRecord>> {
        match self.backend_of(app, backend).await {
            Backend::Local => self.local.history(app).await,
            Backend::Swarm => self.on_swarm()?.history(app).await,
        }
    }

    /// Finds the app of `service`: `APP/SERVICE`, `app` given, or a service unique among the
    /// local apps, then among the swarm's.
    pub async fn resolve_service(&self, service: &str, app: Option<&str>) -> Result<(String, String)> {
        match self.local.resolve_service(service, app).await {
            Ok(found) => Ok(found),
            Err(e) => match &self.swarm {
                Some(s) => s.resolve_service(service).await.map_err(|_| e),
                None => Err(e),
            },
        }
    }

    /// Sets `service` of `app` to `replicas` on the app's backend.
    pub async fn scale(
        &self,
        app: &str,
        service: &str,
        replicas: u32,
        backend: Option<Backend>,
    ) -> Result<ScalingResult> {
        match self.backend_of(app, backend).await {
            Backend::Local => self.local.scale(app, service, replicas).await,
            Backend::Swarm => self.on_swarm()?.scale(app, service, replicas).await,
        }
    }

    /// The deployed apps: the local ones, and the swarm's when the engine manages one (`which`
    /// limits it to one backend; asking for the swarm where there is none is an error).
    pub async fn deployments(&self, which: Option<Backend>) -> Result<Vec<DeploymentSummary>> {
        let mut list = Vec::new();
        if which != Some(Backend::Swarm) {
            list.extend(self.local.deployments().await?);
        }
        if which != Some(Backend::Local) {
            match self.on_swarm() {
                Ok(s) => match s.deployments().await {
                    Ok(l) => list.extend(l),
                    // Not a manager: there is no swarm to list, unless it was asked for.
                    Err(e) if which == Some(Backend::Swarm) => return Err(e),
                    Err(_) => {}
                },
                Err(e) if which == Some(Backend::Swarm) => return Err(e),
                Err(_) => {}
            }
        }
        Ok(list)
    }

    /// The Swarm service a name means, reported as the swarm sees it: `app/service`, the Swarm
    /// service's own name (`app_service`), or a service name unique among the swarm's apps.
    /// `None` when there is no swarm or no such service on it.
    pub async fn swarm_service(&self, name: &str) -> Result<Option<crate::swarm::ServiceReport>> {
        let Some(swarm) = &self.swarm else { return Ok(None) };
        if swarm.manager().await.is_err() {
            return Ok(None);
        }
        let records = swarm.store().records(None).await?;
        let mut apps: Vec<&str> = records.iter().map(|r| r.app.as_str()).collect();
        apps.sort();
        apps.dedup();
        let found = if let Some((app, service)) = name.split_once('/') {
            Some((app.to_string(), service.to_string()))
        } else if let Some(app) =
            apps.iter().find(|a| name.strip_prefix(&format!("{a}_")).is_some_and(|s| !s.is_empty()))
        {
            Some((app.to_string(), name[app.len() + 1..].to_string()))
        } else {
            swarm.resolve_service(name).await.ok()
        };
        let Some((app, service)) = found else { return Ok(None) };
        match swarm.service_report(&app, &service).await {
            Ok(r) => Ok(Some(r)),
            Err(crate::Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes `app` (its volumes too with `volumes`; on a swarm, also on the `nodes` given).
    pub async fn undeploy(
        &self,
        app: &str,
        volumes: bool,
        nodes: &SwarmNodeVolumes,
        backend: Option<Backend>,
    ) -> Result<UndeployResult> {
        match self.backend_of(app, backend).await {
            Backend::Local => self.local.undeploy(app, volumes).await,
            Backend::Swarm => self.on_swarm()?.undeploy(app, volumes, nodes).await,
        }
    }
}

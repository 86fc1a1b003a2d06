//! The swarm backend's state and what it reads: the stack a version converts to, the services
//! and tasks the swarm has, and what deploying a stack would change.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tuxpilot_compose::Project;
use tuxpilot_compose::runtime::{ProgressEvent, ProgressFn};
use tuxpilot_docker::{Engine, Filters, ServiceInfo, ServiceSpec, Swarm};

use super::converge::{self, Converged};
use super::convert::{self, ConvertOptions, FileSource, NAMESPACE_LABEL, SPEC_HASH_LABEL, Stack, StackFile};
use crate::config::{DeployOptions, OrchestrationConfig};
use crate::driver;
use crate::error::{Error, Result};
use crate::load::LoadedApp;
use crate::result::{ContainerStatus, DeploymentResult};
use crate::rollout::{Policy, RolloutPlan, ServiceAction, ServicePlan};
use crate::spec::{FailureAction, UpdateOrder};
use crate::store::{DeploymentRecord, Store};

/// Deploys apps on a swarm, through one of its managers.
#[derive(Clone)]
pub struct SwarmOrchestrator {
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) swarm: Arc<dyn Swarm>,
    pub(crate) config: OrchestrationConfig,
    pub(crate) progress: ProgressFn,
    pub(crate) store: Store,
    pub(crate) security: tuxpilot_security::SecurityConfig,
}

/// A stack with the data of its secrets and configs read.
pub(crate) struct Prepared {
    pub(crate) stack: Stack,
    pub(crate) data: BTreeMap<String, Vec<u8>>,
}

fn read_data(f: &StackFile) -> Result<Option<Vec<u8>>> {
    let bad = |m: String| Error::NotFound(m);
    match &f.source {
        None => Ok(None),
        Some(FileSource::File(p)) => {
            tuxpilot_docker::files::read_named(p, tuxpilot_docker::files::MAX_FILE).map(Some).map_err(|e| {
                bad(format!(
                    "{} `{}`: cannot read {}: {e}; fix the `file:` path",
                    "secret or config",
                    f.key,
                    p.display()
                ))
            })
        }
        Some(FileSource::Environment(v)) => std::env::var(v).map(|s| Some(s.into_bytes())).map_err(|_| {
            bad(format!("`{}` takes its value from the environment variable {v}, which is not set", f.key))
        }),
        Some(FileSource::Content(c)) => Ok(Some(c.clone().into_bytes())),
    }
}

fn policy_of(spec: &ServiceSpec) -> Policy {
    let u = spec.update_config.clone();
    Policy {
        parallelism: u.as_ref().map(|u| u32::try_from(u.parallelism).unwrap_or(u32::MAX)).unwrap_or(1),
        order: match u.as_ref().map(|u| u.order) {
            Some(tuxpilot_docker::SwarmUpdateOrder::StopFirst) => UpdateOrder::StopFirst,
            _ => UpdateOrder::StartFirst,
        },
        order_forced: None,
        delay: u.as_ref().map(|u| u.delay).unwrap_or_default(),
        monitor: u.as_ref().map(|u| u.monitor).unwrap_or(Duration::from_secs(5)),
        failure_action: match u.as_ref().map(|u| u.failure_action) {
            Some(tuxpilot_docker::SwarmFailureAction::Pause) => FailureAction::Pause,
            Some(tuxpilot_docker::SwarmFailureAction::Continue) => FailureAction::Continue,
            _ => FailureAction::Rollback,
        },
        max_failure_ratio: u.as_ref().map(|u| u.max_failure_ratio).unwrap_or(0.0),
    }
}

impl SwarmOrchestrator {
    /// An orchestrator on the swarm `swarm` manages (`engine` is the same manager's engine API:
    /// it holds the deployment locks); `progress` receives one event per step.
    pub fn new(
        engine: Arc<dyn Engine>,
        swarm: Arc<dyn Swarm>,
        config: OrchestrationConfig,
        progress: ProgressFn,
    ) -> Self {
        let store = Store::swarm(engine.clone(), swarm.clone());
        Self { engine, swarm, config, progress, store, security: Default::default() }
    }

    /// The security gate's settings (`[containers.security]`), as [`crate::Orchestrator::with_security`].
    pub fn with_security(mut self, security: tuxpilot_security::SecurityConfig) -> Self {
        self.security = security;
        self
    }

    /// The history store (Swarm configs).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn event(&self, kind: &'static str, name: &str, status: &'static str, message: Option<String>) {
        (self.progress)(ProgressEvent { kind, name: name.to_string(), status, elapsed_ms: None, message });
    }

    /// Fails unless the engine is a swarm manager, saying how to get one.
    pub(crate) async fn manager(&self) -> Result<()> {
        match self.swarm.swarm_inspect().await {
            Ok(_) => Ok(()),
            Err(e @ tuxpilot_docker::EngineError::Unavailable { .. }) => Err(e.into()),
            Err(e) => Err(Error::NotFound(format!(
                "the engine is not a swarm manager ({e}); run `docker swarm init` on it, or point DOCKER_HOST at a manager, or deploy with --backend local"
            ))),
        }
    }

    /// Converts and reads what the stack needs from disk, before anything is created.
    pub(crate) fn prepare(
        &self,
        project: &Project,
        version: &str,
        deployment: &str,
        dir: &std::path::Path,
    ) -> Result<Prepared> {
        let stack = convert::convert(
            project,
            &ConvertOptions {
                version: version.to_string(),
                deployment: deployment.to_string(),
                working_dir: dir.to_path_buf(),
            },
        );
        let mut data = BTreeMap::new();
        for f in stack.secrets.iter().chain(stack.configs.iter()) {
            if let Some(d) = read_data(f)? {
                data.insert(f.name.clone(), d);
            }
        }
        Ok(Prepared { stack, data })
    }

    /// The services of stack `app` on the swarm, by name.
    pub(crate) async fn services_of(&self, app: &str) -> Result<BTreeMap<String, ServiceInfo>> {
        let list = self.swarm.list_services(Filters::new().label(format!("{NAMESPACE_LABEL}={app}"))).await?;
        Ok(list.into_iter().map(|s| (s.spec.name.clone(), s)).collect())
    }

    /// What deploying `prepared` would do to each service.
    pub(crate) fn actions(
        &self,
        stack: &Stack,
        existing: &BTreeMap<String, ServiceInfo>,
        previous: Option<&Project>,
    ) -> Vec<(String, ServiceSpec, ServiceAction, u64)> {
        let mut out = Vec::new();
        for wave in &stack.waves {
            for svc in wave {
                let Some(spec) = stack.services.get(svc) else { continue };
                let mut spec = spec.clone();
                let (action, current) = match existing.get(&spec.name) {
                    None => (ServiceAction::Create, 0),
                    Some(cur) => {
                        let current = cur.spec.replicas.unwrap_or(0);
                        // A scale since the last deployment is kept when the file asks for the
                        // replica count it asked for then.
                        let before = previous
                            .and_then(|p| p.services.get(svc))
                            .map(|s| u64::try_from(s.replicas().max(0)).unwrap_or(1));
                        if spec.replicas.is_some() && before.is_some() && before == spec.replicas {
                            spec.replicas = cur.spec.replicas;
                        }
                        let same = cur.spec.labels.get(SPEC_HASH_LABEL) == spec.labels.get(SPEC_HASH_LABEL);
                        if same && cur.spec.replicas == spec.replicas {
                            (ServiceAction::Unchanged, current)
                        } else if same {
                            (ServiceAction::Scale, current)
                        } else {
                            spec.force_update = cur.spec.force_update;
                            (ServiceAction::Update, current)
                        }
                    }
                };
                out.push((svc.clone(), spec, action, current));
            }
        }
        out
    }

    /// The swarm's services of the stack, what deploying it does to each, and the plan.
    pub(crate) async fn plan_against(
        &self,
        stack: &Stack,
        previous: Option<&Project>,
    ) -> Result<(BTreeMap<String, ServiceInfo>, Vec<(String, ServiceSpec, ServiceAction, u64)>, RolloutPlan)> {
        let existing = self.services_of(&stack.name).await?;
        let actions = self.actions(stack, &existing, previous);
        let plan = self.plan_of(stack, &actions, &Self::removed_services(stack, &existing));
        Ok((existing, actions, plan))
    }

    pub(crate) fn plan_of(
        &self,
        stack: &Stack,
        actions: &[(String, ServiceSpec, ServiceAction, u64)],
        removed: &[String],
    ) -> RolloutPlan {
        let mut waves = Vec::new();
        for wave in &stack.waves {
            let mut w = Vec::new();
            for (svc, spec, action, current) in actions.iter().filter(|a| wave.contains(&a.0)) {
                let desired = spec.replicas.unwrap_or(0);
                w.push(ServicePlan {
                    service: svc.clone(),
                    action: *action,
                    desired: u32::try_from(desired).unwrap_or(u32::MAX),
                    current: u32::try_from(*current).unwrap_or(u32::MAX),
                    replace: Vec::new(),
                    batches: Vec::new(),
                    start: Vec::new(),
                    remove: Vec::new(),
                    create: if *action == ServiceAction::Create {
                        (1..=u32::try_from(desired).unwrap_or(0)).collect()
                    } else {
                        Vec::new()
                    },
                    policy: policy_of(spec),
                });
            }
            waves.push(w);
        }
        let removed = removed
            .iter()
            .map(|svc| ServicePlan {
                service: svc.clone(),
                action: ServiceAction::Remove,
                desired: 0,
                current: 0,
                replace: Vec::new(),
                batches: Vec::new(),
                start: Vec::new(),
                remove: Vec::new(),
                create: Vec::new(),
                policy: policy_of(&ServiceSpec::new(svc.clone(), "")),
            })
            .collect();
        RolloutPlan { waves, removed, ..Default::default() }
    }

    pub(crate) fn removed_services(stack: &Stack, existing: &BTreeMap<String, ServiceInfo>) -> Vec<String> {
        let prefix = format!("{}_", stack.name);
        existing
            .keys()
            .filter(|n| !stack.services.values().any(|s| &&s.name == n))
            .map(|n| n.strip_prefix(&prefix).unwrap_or(n).to_string())
            .collect()
    }

    /// Deploys `app` on the swarm: networks, secrets and configs first, then the services in
    /// dependency waves, each wave once the one before runs. A failure follows the services'
    /// `failure_action`: back to the last good version (`rolled_back`), `paused`, or for a first
    /// deploy, everything it created removed (`failed`).
    pub async fn deploy(&self, app: &LoadedApp, options: &DeployOptions) -> Result<DeploymentResult> {
        driver::deploy(self, app, options).await
    }

    pub(crate) async fn lock(&self, app: &str) -> Result<crate::store::LockGuard> {
        self.store.lock_for(app, &self.config, &self.progress).await
    }

    /// Removes services of stack `app` by name and waits until their tasks have stopped;
    /// returns the ones removed.
    pub(crate) async fn remove_services(&self, app: &str, names: &[String]) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        let mut ids = Vec::new();
        for n in names {
            let id = match self.swarm.inspect_service(n).await {
                Ok(s) => s.id,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e.into()),
            };
            match self.swarm.remove_service(&id).await {
                Ok(()) => {
                    removed.push(n.clone());
                    ids.push(id);
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
            self.event("Service", n, "Removed", None);
        }
        if !ids.is_empty() {
            converge::wait_stopped(self.swarm.as_ref(), app, &ids, Duration::from_secs(120)).await?;
        }
        Ok(removed)
    }

    /// The app's tasks wanted running, as containers with their nodes.
    pub(crate) async fn tasks_of(&self, app: &str) -> Result<Vec<ContainerStatus>> {
        let services = self.services_of(app).await?;
        self.tasks_of_services(app, &services).await
    }

    /// The tasks wanted running of `services` (of stack `app`).
    pub(crate) async fn tasks_of_services(
        &self,
        app: &str,
        services: &BTreeMap<String, ServiceInfo>,
    ) -> Result<Vec<ContainerStatus>> {
        let nodes = self.swarm.list_nodes().await?;
        let names: BTreeMap<String, String> = nodes.iter().map(|n| (n.id.clone(), n.hostname.clone())).collect();
        let ready = converge::ready_nodes(&nodes);
        let prefix = format!("{app}_");
        let mut out = Vec::new();
        for (name, s) in services {
            let svc = name.strip_prefix(&prefix).unwrap_or(name).to_string();
            let tasks = self
                .swarm
                .list_tasks(Filters::new().with("service", s.id.clone()).with("desired-state", "running"))
                .await?;
            for t in tasks {
                let mut status = t.state.clone();
                if !t.node_id.is_empty() && !ready.contains_key(&t.node_id) {
                    status = format!("{status} (node down)");
                }
                out.push(ContainerStatus {
                    name: match t.slot {
                        Some(slot) => format!("{name}.{slot}"),
                        None => format!("{name}.{}", names.get(&t.node_id).cloned().unwrap_or_default()),
                    },
                    id: t.id.clone(),
                    service: svc.clone(),
                    status,
                    node: names.get(&t.node_id).cloned(),
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Returns `app` to version `to` (default: the last good version before the current), from
    /// TuxPilot's own history, any number of versions back.
    pub async fn rollback(&self, app: &str, to: Option<&str>) -> Result<DeploymentResult> {
        driver::rollback(self, app, to).await
    }

    /// Every deployment attempt of `app`, oldest first.
    pub async fn history(&self, app: &str) -> Result<Vec<DeploymentRecord>> {
        driver::history(self, app).await
    }

    /// Finds the app of `service`, a service name unique among the apps on the swarm.
    pub async fn resolve_service(&self, service: &str) -> Result<(String, String)> {
        crate::records::service_in(&self.store.records(None).await?, service)
    }

    /// True when the swarm holds history for `app`.
    pub async fn knows(&self, app: &str) -> Result<bool> {
        Ok(!self.store.records(Some(app)).await?.is_empty())
    }
}

pub(crate) fn reason_of(c: &Converged) -> String {
    match c {
        Converged::Done => "done".into(),
        Converged::RolledBack(f) => format!("rolled back by Swarm: {f}"),
        Converged::Paused(f) => format!("paused: {f}"),
        Converged::Failed(f) => f.to_string(),
    }
}

//! Applying a converted stack: networks, secrets and configs first, then the services in
//! dependency waves, each watched until it converges.

use std::collections::BTreeMap;

use tuxpilot_docker::{Filters, ServiceInfo, ServiceSpec};

use super::converge::{self, Before, Converged};
use super::convert::{self, DIGEST_LABEL, Stack};
use super::orchestrator::{Prepared, SwarmOrchestrator, reason_of};
use crate::error::{Error, Result};
use crate::rollout::ServiceAction;

/// How applying a stack ended.
pub(crate) enum Applied {
    Done,
    Stopped { how: Converged, created: Vec<String> },
}

impl SwarmOrchestrator {
    /// Creates what is missing, then the services wave by wave.
    pub(crate) async fn apply(
        &self,
        prepared: &Prepared,
        actions: Vec<(String, ServiceSpec, ServiceAction, u64)>,
        existing: &BTreeMap<String, ServiceInfo>,
    ) -> Result<Applied> {
        let stack = &prepared.stack;
        self.ensure_networks(stack).await?;
        let ids = self.ensure_files(prepared).await?;
        let mut created = Vec::new();
        for wave in &stack.waves {
            let mut tasks = tokio::task::JoinSet::new();
            for (_, spec, action, _) in actions.iter().filter(|a| wave.contains(&a.0)) {
                let mut spec = spec.clone();
                for r in spec.secrets.iter_mut() {
                    r.id = ids.get(&("secret", r.name.clone())).cloned().unwrap_or_default();
                }
                for r in spec.configs.iter_mut() {
                    r.id = ids.get(&("config", r.name.clone())).cloned().unwrap_or_default();
                }
                let this = self.clone();
                let current = existing.get(&spec.name).cloned();
                let action = *action;
                tasks.spawn(async move {
                    let r = this.apply_service(&spec, action, current.as_ref()).await;
                    (action, spec.name.clone(), r)
                });
            }
            let mut stop: Option<Converged> = None;
            while let Some(j) = tasks.join_next().await {
                let (action, name, r) = j.map_err(|e| Error::Corrupt(format!("internal task failed: {e}")))?;
                if action == ServiceAction::Create {
                    created.push(name);
                }
                match r? {
                    Converged::Done => {}
                    other => {
                        // Rollbacks and pauses say more than a stall elsewhere in the wave.
                        if stop.as_ref().is_none_or(|s| matches!(s, Converged::Failed(_))) {
                            stop = Some(other);
                        }
                    }
                }
            }
            if let Some(how) = stop {
                return Ok(Applied::Stopped { how, created });
            }
        }
        let removed = Self::removed_services(stack, existing);
        let names: Vec<String> = removed.iter().map(|s| format!("{}_{s}", stack.name)).collect();
        self.remove_services(&stack.name, &names).await?;
        Ok(Applied::Done)
    }

    async fn apply_service(
        &self,
        spec: &ServiceSpec,
        action: ServiceAction,
        current: Option<&ServiceInfo>,
    ) -> Result<Converged> {
        let stall = self.config.health_check_timeout.0;
        let (id, before) = match (action, current) {
            (ServiceAction::Unchanged, Some(cur)) => {
                (cur.id.clone(), Before { update_status: cur.update_status.clone() })
            }
            (ServiceAction::Create, _) | (_, None) => {
                self.event("Service", &spec.name, "Creating", None);
                (self.swarm.create_service(spec.clone()).await?, Before::default())
            }
            (_, Some(cur)) => {
                self.event(
                    "Service",
                    &spec.name,
                    if action == ServiceAction::Scale { "Scaling" } else { "Updating" },
                    None,
                );
                // Read right before the write: the version moves while Swarm works.
                let fresh = self.swarm.inspect_service(&cur.id).await?;
                self.swarm.update_service(&cur.id, spec.clone()).await?;
                (cur.id.clone(), Before { update_status: fresh.update_status })
            }
        };
        let r = converge::wait(self.swarm.as_ref(), &id, &spec.name, spec.replicas, &before, stall).await?;
        let status = match &r {
            Converged::Done => "Running",
            Converged::RolledBack(_) => "Rolled back",
            Converged::Paused(_) => "Paused",
            Converged::Failed(_) => "Error",
        };
        self.event("Service", &spec.name, status, if let Converged::Done = r { None } else { Some(reason_of(&r)) });
        Ok(r)
    }

    async fn ensure_networks(&self, stack: &Stack) -> Result<()> {
        for n in &stack.external_networks {
            if let Err(e) = self.engine.inspect_network(n).await {
                return Err(if e.is_not_found() {
                    Error::NotFound(format!(
                        "network \"{n}\" is declared external but does not exist; create it with `docker network create --driver overlay --attachable {n}`"
                    ))
                } else {
                    e.into()
                });
            }
        }
        for n in &stack.networks {
            match self.engine.inspect_network(&n.name).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {
                    self.event("Network", &n.name, "Creating", None);
                    match self.engine.create_network(n.clone()).await {
                        Ok(_) => {}
                        // Another deployment made it in between.
                        Err(e) if e.is_conflict() => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Creates missing secrets and configs; returns (kind, name) → id.
    async fn ensure_files(&self, prepared: &Prepared) -> Result<BTreeMap<(&'static str, String), String>> {
        let mut ids = BTreeMap::new();
        let stack = &prepared.stack;
        for (kind, files) in [("secret", &stack.secrets), ("config", &stack.configs)] {
            if files.is_empty() {
                continue;
            }
            let have = if kind == "secret" {
                self.swarm.list_secrets(Filters::new()).await?
            } else {
                self.swarm.list_configs(Filters::new()).await?
            };
            for f in files {
                let found = have.iter().find(|o| o.name == f.name);
                let data = prepared.data.get(&f.name);
                match (found, data) {
                    (Some(o), Some(d)) => {
                        let digest = convert::data_digest(d);
                        if o.labels.get(DIGEST_LABEL).is_some_and(|g| *g != digest) {
                            return Err(Error::Ambiguous(format!(
                                "the {kind} \"{}\" on the swarm holds other data than `{}` now has; Swarm {kind}s cannot change: give it a new name in the file (for example {}_v2), or undeploy the app first",
                                f.name, f.key, f.key
                            )));
                        }
                        ids.insert((kind, f.name.clone()), o.id.clone());
                    }
                    (Some(o), None) => {
                        ids.insert((kind, f.name.clone()), o.id.clone());
                    }
                    (None, Some(d)) => {
                        let mut labels = f.labels.clone();
                        labels.insert(DIGEST_LABEL.into(), convert::data_digest(d));
                        self.event(if kind == "secret" { "Secret" } else { "Config" }, &f.name, "Creating", None);
                        let id = if kind == "secret" {
                            self.swarm.create_secret(&f.name, labels, d.clone()).await?
                        } else {
                            self.swarm.create_config(&f.name, labels, d.clone()).await?
                        };
                        ids.insert((kind, f.name.clone()), id);
                    }
                    (None, None) => {
                        return Err(Error::NotFound(format!(
                            "the {kind} \"{}\" is declared external but is not on the swarm; create it with `docker {kind} create {} FILE`",
                            f.name, f.name
                        )));
                    }
                }
            }
        }
        Ok(ids)
    }
}

//! The local executor of one service's plan, replica by replica: create and wait until ready,
//! replace in batches (start-first or stop-first), drain, scale. Built on the compose runtime's
//! steps, so containers are named and labelled as `docker compose` makes them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinSet;
use tuxpilot_compose::runtime::{ComposeRuntime, RunError};
use tuxpilot_docker::{ContainerState, HealthStatus, NetworkAttachment};

use crate::proxy::switch::Switch;
use crate::rollout::{Replica, ServiceAction, ServicePlan};
use crate::spec::{FailureAction, UpdateOrder};

/// How long a drained replica keeps running, off the network, so requests in flight finish.
pub const DRAIN: Duration = Duration::from_secs(1);

/// A replica that did not become ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Service.
    pub service: String,
    /// The container that failed.
    pub container: String,
    /// What happened.
    pub reason: String,
    /// The last health check outputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health_log: Vec<String>,
    /// Its last log lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
}

impl Failure {
    /// A whole deployment that ran past `deployment_timeout`.
    pub fn deployment_timeout(limit: Duration) -> Self {
        Self {
            service: String::new(),
            container: String::new(),
            reason: format!("the deployment took longer than deployment_timeout ({}s)", limit.as_secs()),
            health_log: Vec::new(),
            logs: Vec::new(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "container {} of service \"{}\" {}", self.container, self.service, self.reason)?;
        if !self.health_log.is_empty() {
            write!(f, "\nhealth check log:")?;
            for l in &self.health_log {
                write!(f, "\n  {l}")?;
            }
        }
        if !self.logs.is_empty() {
            write!(f, "\nlast log lines:")?;
            for l in &self.logs {
                write!(f, "\n  {l}")?;
            }
        }
        Ok(())
    }
}

/// Why a service step stopped.
#[derive(Debug)]
pub enum StepError {
    /// Replicas failed past the tolerated ratio; what the policy says to do.
    Failed(Box<Failure>, FailureAction),
    /// The engine or a compose step failed.
    Run(RunError),
    /// The managed-port proxy failed.
    Proxy(crate::error::Error),
}

impl From<crate::error::Error> for StepError {
    fn from(e: crate::error::Error) -> Self {
        Self::Proxy(e)
    }
}

impl StepError {
    /// The error to return when the step did not fail on a replica.
    pub fn into_error(self) -> crate::error::Error {
        match self {
            Self::Run(e) => e.into(),
            Self::Proxy(e) => e,
            Self::Failed(f, _) => crate::error::Error::Corrupt(f.to_string()),
        }
    }
}

impl From<RunError> for StepError {
    fn from(e: RunError) -> Self {
        Self::Run(e)
    }
}

impl From<tuxpilot_docker::EngineError> for StepError {
    fn from(e: tuxpilot_docker::EngineError) -> Self {
        Self::Run(RunError::Engine(e))
    }
}

/// Limits a step works within.
#[derive(Debug, Clone, Copy)]
pub struct StepLimits {
    /// Longest wait for one replica to become ready.
    pub health_check_timeout: Duration,
    /// A rollback never rolls back: its failures pause.
    pub rollback: bool,
}

/// A new replica, ready and published.
struct NewReplica {
    id: String,
    name: String,
    final_name: String,
}

/// The managed-port switch of an operation, when the app has one.
pub type SwitchRef = Option<Arc<Switch>>;

/// Runs one service's plan. With a `switch`, a replica is served by the proxy only once it is
/// ready, and retired (drained) before it is stopped.
pub async fn run_service(
    runtime: &ComposeRuntime,
    sp: &ServicePlan,
    limits: StepLimits,
    switch: &SwitchRef,
) -> Result<(), StepError> {
    let action = if limits.rollback { FailureAction::Pause } else { sp.policy.failure_action };
    let grace = stop_grace(runtime, &sp.service);
    if sp.action == ServiceAction::Remove {
        for r in &sp.remove {
            retire(switch, &sp.service, &r.id).await?;
            runtime.remove(&r.id, &r.name, grace).await?;
        }
        return Ok(());
    }
    if sp.action == ServiceAction::Create {
        // Nothing serves yet: create every replica at once, then wait for all of them.
        let mut tasks = JoinSet::new();
        for &n in &sp.create {
            let rt = runtime.clone();
            let service = sp.service.clone();
            tasks.spawn(async move {
                let (id, name) = rt.create(&service, n, None).await?;
                rt.start(&service, &id, &name).await?;
                Ok::<_, RunError>((id, name))
            });
        }
        let mut started = Vec::new();
        while let Some(r) = tasks.join_next().await {
            started.push(r.map_err(|e| RunError::Timeout(format!("internal task failed: {e}")))??);
        }
        for (id, name) in &started {
            if let Err(f) =
                wait_ready(runtime, &sp.service, id, name, Duration::ZERO, limits.health_check_timeout).await
            {
                return Err(StepError::Failed(Box::new(f), action));
            }
        }
        for (id, _) in &started {
            serve(switch, &sp.service, id).await?;
        }
        return Ok(());
    }
    for r in &sp.start {
        runtime.start(&sp.service, &r.id, &r.name).await?;
        serve(switch, &sp.service, &r.id).await?;
    }
    replace_all(runtime, sp, limits, action, grace, switch).await?;
    for r in &sp.remove {
        retire(switch, &sp.service, &r.id).await?;
        runtime.remove(&r.id, &r.name, grace).await?;
    }
    for &n in &sp.create {
        match start_gated(runtime, &sp.service, n, None, sp.policy.monitor, limits).await? {
            Ok(new) => serve(switch, &sp.service, &new.id).await?,
            Err(f) => return Err(StepError::Failed(Box::new(f), action)),
        }
    }
    Ok(())
}

async fn serve(switch: &SwitchRef, service: &str, id: &str) -> Result<(), StepError> {
    match switch {
        Some(s) => Ok(s.serve(service, id).await?),
        None => Ok(()),
    }
}

async fn retire(switch: &SwitchRef, service: &str, id: &str) -> Result<(), StepError> {
    match switch {
        Some(s) => Ok(s.retire(service, id).await?),
        None => Ok(()),
    }
}

fn stop_grace(runtime: &ComposeRuntime, service: &str) -> Option<Duration> {
    runtime.project().services.get(service).and_then(|s| s.stop_grace_period).map(|d| d.0)
}

/// The rolling update: batches of `parallelism`, `delay` between them, failures counted against
/// `max_failure_ratio`.
async fn replace_all(
    runtime: &ComposeRuntime,
    sp: &ServicePlan,
    limits: StepLimits,
    action: FailureAction,
    grace: Option<Duration>,
    switch: &SwitchRef,
) -> Result<(), StepError> {
    if sp.replace.is_empty() {
        return Ok(());
    }
    let total = sp.replace.len() as f64;
    let mut failures = 0usize;
    let mut drains: JoinSet<Result<(), StepError>> = JoinSet::new();
    let suffix = short_suffix();
    if let Some(why) = &sp.policy.order_forced {
        runtime.emit("Service", &sp.service, "Updating", None, Some(why.clone()));
    }
    for (bi, batch) in sp.batches.iter().enumerate() {
        if bi > 0 && !sp.policy.delay.is_zero() {
            tokio::time::sleep(sp.policy.delay).await;
        }
        let mut tasks = JoinSet::new();
        for &i in batch {
            let Some(old) = sp.replace.get(i).cloned() else { continue };
            let rt = runtime.clone();
            let service = sp.service.clone();
            let order = sp.policy.order;
            let monitor = sp.policy.monitor;
            let temp = format!("{}-tp{suffix}", old.name);
            let sw = switch.clone();
            tasks.spawn(async move {
                match order {
                    UpdateOrder::StartFirst => {
                        let new = start_gated(&rt, &service, old.number, Some(temp), monitor, limits).await?;
                        Ok::<_, StepError>(new.map(|n| (old, Some(n))))
                    }
                    UpdateOrder::StopFirst => {
                        retire(&sw, &service, &old.id).await?;
                        drain(&rt, &old, grace).await?;
                        let new = start_gated(&rt, &service, old.number, None, monitor, limits).await?;
                        if let Ok(n) = &new {
                            serve(&sw, &service, &n.id).await?;
                        }
                        Ok(new.map(|_| (old, None)))
                    }
                }
            });
        }
        let mut last_failure = None;
        while let Some(r) = tasks.join_next().await {
            match r.map_err(|e| RunError::Timeout(format!("internal task failed: {e}")))?? {
                Ok((old, Some(new))) => {
                    let rt = runtime.clone();
                    // The new replica serves first; the old one leaves DNS and the proxy now and
                    // stops in the background (once drained) while the next batch goes on; the
                    // new one takes its name once it is gone.
                    serve(switch, &sp.service, &new.id).await?;
                    disconnect(&rt, &old).await;
                    let sw = switch.clone();
                    let service = sp.service.clone();
                    drains.spawn(async move {
                        match &sw {
                            Some(_) => retire(&sw, &service, &old.id).await?,
                            None => tokio::time::sleep(DRAIN).await,
                        }
                        rt.remove(&old.id, &old.name, grace).await?;
                        rt.engine().rename_container(&new.id, &new.final_name).await?;
                        rt.emit("Container", &new.final_name, "Updated", None, Some(format!("was {}", new.name)));
                        Ok(())
                    });
                }
                Ok((_, None)) => {}
                Err(f) => {
                    failures += 1;
                    last_failure = Some(f);
                }
            }
        }
        if let Some(f) = last_failure
            && failures as f64 / total > sp.policy.max_failure_ratio
            && action != FailureAction::Continue
        {
            finish_drains(&mut drains).await?;
            return Err(StepError::Failed(Box::new(f), action));
        }
    }
    finish_drains(&mut drains).await?;
    Ok(())
}

async fn finish_drains(drains: &mut JoinSet<Result<(), StepError>>) -> Result<(), StepError> {
    let mut first = None;
    while let Some(r) = drains.join_next().await {
        if let Err(e) =
            r.map_err(|e| StepError::Run(RunError::Timeout(format!("internal task failed: {e}")))).and_then(|r| r)
        {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

fn short_suffix() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{:06x}", (nanos ^ std::process::id().rotate_left(16)) & 0xff_ffff)
}

/// Takes `old` off the app's networks' DNS; requests already on their way to it still finish
/// (see [`crate::network`]).
async fn disconnect(runtime: &ComposeRuntime, old: &Replica) {
    let details = match runtime.engine().inspect_container(&old.id).await {
        Ok(d) => d,
        Err(_) => return,
    };
    let networks: Vec<String> = runtime
        .project()
        .services
        .get(&old.service)
        .map(|s| {
            s.networks
                .keys()
                .map(|k| {
                    runtime
                        .project()
                        .networks
                        .get(k)
                        .and_then(|n| n.name.clone())
                        .unwrap_or_else(|| format!("{}_{k}", runtime.project().name))
                })
                .collect()
        })
        .unwrap_or_default();
    for n in networks {
        let address = details.networks.get(&n).and_then(|e| e.ip_address.clone());
        crate::network::leave_dns(runtime.engine().as_ref(), &old.id, &n, address).await;
    }
    runtime.emit("Container", &old.name, "Draining", None, None);
}

/// Stop-first: drain, wait, stop and remove.
async fn drain(runtime: &ComposeRuntime, old: &Replica, grace: Option<Duration>) -> Result<(), RunError> {
    disconnect(runtime, old).await;
    tokio::time::sleep(DRAIN).await;
    runtime.remove(&old.id, &old.name, grace).await
}

/// Creates replica `number` (under `temp` when given), starts it, waits until it is ready, and
/// only then gives it the service's DNS names. A replica that does not become ready is removed
/// and returned as the failure.
async fn start_gated(
    runtime: &ComposeRuntime,
    service: &str,
    number: u32,
    temp: Option<String>,
    monitor: Duration,
    limits: StepLimits,
) -> Result<Result<NewReplica, Failure>, RunError> {
    let mut spec = runtime.container_spec_for(service, number).await?;
    let final_name = spec.name.clone().unwrap_or_default();
    let name = temp.unwrap_or_else(|| final_name.clone());
    spec.name = Some(name.clone());
    // Published ports are bound to the first endpoint; a replica that publishes keeps its
    // network from the start rather than being reconnected.
    let gate = spec.port_bindings.is_empty() && spec.network_mode.is_none();
    let attachments: Vec<NetworkAttachment> = spec.networks.clone();
    if gate {
        for a in &mut spec.networks {
            a.aliases.clear();
        }
    }
    let started = Instant::now();
    runtime.emit("Container", &name, "Creating", None, None);
    let created = runtime.engine().create_container(spec).await?;
    if let Err(e) = runtime.start(service, &created.id, &name).await {
        let _ = runtime.remove(&created.id, &name, Some(Duration::from_secs(1))).await;
        return match e {
            RunError::ServiceFailed { message, logs, .. } => Ok(Err(Failure {
                service: service.into(),
                container: name,
                reason: message,
                health_log: Vec::new(),
                logs,
            })),
            other => Err(other),
        };
    }
    if let Err(f) = wait_ready(runtime, service, &created.id, &name, monitor, limits.health_check_timeout).await {
        runtime.emit("Container", &name, "Error", None, Some(f.reason.clone()));
        runtime.remove(&created.id, &name, Some(Duration::from_secs(2))).await?;
        return Ok(Err(f));
    }
    if gate {
        for a in attachments {
            let net = a.network.clone();
            runtime.engine().disconnect_network(&net, &created.id, true).await?;
            runtime.engine().connect_network(&created.id, a).await?;
        }
    }
    runtime.emit(
        "Container",
        &name,
        "Ready",
        Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
        None,
    );
    Ok(Ok(NewReplica { id: created.id, name, final_name }))
}

/// Waits until a container is healthy (with a health check) or has kept running for `monitor`
/// (without one), at most `timeout`. Exiting, restarting or turning unhealthy fails at once.
pub async fn wait_ready(
    runtime: &ComposeRuntime,
    service: &str,
    id: &str,
    name: &str,
    monitor: Duration,
    timeout: Duration,
) -> Result<(), Failure> {
    let deadline = Instant::now() + timeout;
    let first_seen = Instant::now();
    let fail = |reason: String, health_log: Vec<String>| Failure {
        service: service.into(),
        container: name.into(),
        reason,
        health_log,
        logs: Vec::new(),
    };
    let result = loop {
        let d = match runtime.engine().inspect_container(id).await {
            Ok(d) => d,
            Err(e) if e.is_not_found() => break Err(fail("was removed while it started".into(), Vec::new())),
            Err(e) => break Err(fail(format!("could not be inspected: {e}"), Vec::new())),
        };
        let checked = d.healthcheck.as_ref().is_some_and(|h| h.test.first().is_some_and(|t| t != "NONE"));
        match d.state.status {
            ContainerState::Exited | ContainerState::Dead => {
                let oom = if d.state.oom_killed { ", killed for using more memory than its limit" } else { "" };
                break Err(fail(format!("exited with code {}{oom}", d.state.exit_code), d.state.health_log.clone()));
            }
            ContainerState::Restarting => {
                break Err(fail(
                    format!("keeps restarting (last exit code {})", d.state.exit_code),
                    d.state.health_log.clone(),
                ));
            }
            _ => {}
        }
        if checked {
            match d.state.health {
                Some(HealthStatus::Healthy) => break Ok(()),
                Some(HealthStatus::Unhealthy) => {
                    break Err(fail("is unhealthy".into(), d.state.health_log.clone()));
                }
                _ => {}
            }
        } else if d.state.status == ContainerState::Running && first_seen.elapsed() >= monitor {
            break Ok(());
        }
        if Instant::now() >= deadline {
            break Err(fail(
                format!(
                    "was not {} within {}s (health_check_timeout)",
                    if checked { "healthy" } else { "running" },
                    timeout.as_secs()
                ),
                d.state.health_log.clone(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    match result {
        Ok(()) => Ok(()),
        Err(mut f) => {
            f.logs = runtime.last_logs(id).await;
            f.health_log =
                f.health_log.into_iter().map(|l| l.trim_end().to_string()).filter(|l| !l.is_empty()).collect();
            Err(f)
        }
    }
}

//! `tuxpilot containers deploy|scale|rollback|history|deployments|undeploy|supervise`.

use std::io::Write;
use std::sync::Arc;

use comfy_table::Cell;
use tuxpilot_docker::{BollardEngine, ConnectionConfig, Engine, Swarm};
use tuxpilot_orchestrator::{
    Apps, Backend, DeployOptions, DeploymentResult, DeploymentStatus, LoadAppOptions, OrchestrationConfig,
    Orchestrator, ScaleStatus, SupervisorOptions,
};

use crate::args::{BackendArg, ContainersCommand, OrchestrationFlags, ProgressMode};
use crate::commands::compose_progress::progress_printer;
use crate::config::Config;
use crate::output::{Ui, short_id};

/// A deployment that did not converge: the result is printed; this carries the exit code.
#[derive(Debug)]
pub struct DeploymentFailed {
    /// Exit code (see docs/orchestrator.md).
    pub code: i32,
    /// One line for stderr.
    pub message: String,
}

impl std::fmt::Display for DeploymentFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeploymentFailed {}

/// Runs a command that may hold deployment locks. On SIGINT or SIGTERM it stops where it is,
/// gives back every lock this process holds (another deploy of the app need not wait for them to
/// go stale), and exits 130 (SIGINT) or 143 (SIGTERM), saying how to converge.
pub async fn releasing_locks_on_signal(
    engine: Arc<dyn Engine>,
    what: &str,
    work: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let code = tokio::select! {
        r = work => return r,
        _ = tokio::signal::ctrl_c() => 130,
        _ = term.recv() => 143,
    };
    let released = tuxpilot_orchestrator::Store::new(engine).release_own_locks().await.unwrap_or(0);
    Err(DeploymentFailed {
        code,
        message: format!(
            "interrupted; {released} deployment lock(s) given back. Run `tuxpilot containers {what}` again to converge"
        ),
    }
    .into())
}

/// Exit code of a rolled-back deployment.
pub const ROLLED_BACK: i32 = 8;
/// Exit code of a paused deployment.
pub const PAUSED: i32 = 9;

pub(crate) fn settings(
    config: &Config,
    flags: Option<&OrchestrationFlags>,
    ui: &mut Ui<'_>,
) -> anyhow::Result<OrchestrationConfig> {
    let (mut c, warnings) = config.orchestration()?;
    for w in warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    if let Some(f) = flags {
        if let Some(n) = f.max_concurrent_deployments {
            c.max_concurrent_deployments = n;
        }
        if let Some(d) = f.deployment_timeout {
            c.deployment_timeout.0 = d;
        }
        if let Some(d) = f.health_check_timeout {
            c.health_check_timeout.0 = d;
        }
    }
    c.validate().map_err(crate::error::UsageError)?;
    Ok(c)
}

pub(crate) fn progress(mode: ProgressMode, ui: &Ui<'_>) -> tuxpilot_compose::runtime::ProgressFn {
    // With --format json, stdout carries the result; progress stays on stderr as plain lines.
    let mode = if ui.json() && mode == ProgressMode::Auto { ProgressMode::Plain } else { mode };
    progress_printer(mode)
}

fn backend_of(flag: Option<BackendArg>) -> Option<Backend> {
    flag.map(|b| match b {
        BackendArg::Local => Backend::Local,
        BackendArg::Swarm => Backend::Swarm,
    })
}

/// The app deployments use-case over this engine and its swarm, with the config's settings.
pub(crate) fn apps(
    bollard: &Arc<BollardEngine>,
    settings: OrchestrationConfig,
    security: tuxpilot_security::SecurityConfig,
    progress: tuxpilot_compose::runtime::ProgressFn,
) -> Apps {
    let engine: Arc<dyn Engine> = bollard.clone();
    let swarm: Arc<dyn Swarm> = bollard.clone();
    Apps::new(engine, Some(swarm), settings, security, progress)
}

/// `[containers.security]`, its warnings on stderr.
pub(crate) fn security(config: &Config, ui: &mut Ui<'_>) -> anyhow::Result<tuxpilot_security::SecurityConfig> {
    let (security, warnings) = config.security()?;
    for w in warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    Ok(security)
}

/// Runs one of the deployment commands.
pub async fn run(
    bollard: Arc<BollardEngine>,
    cmd: &ContainersCommand,
    config: &Config,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    let engine: Arc<dyn Engine> = bollard.clone();
    match cmd {
        ContainersCommand::Deploy(a) => {
            let settings = settings(config, Some(&a.policy), ui)?;
            let security = security(config, ui)?;
            let mut o = LoadAppOptions::from_env();
            o.name = a.name.clone();
            o.version = a.app_version.clone();
            let app = tuxpilot_orchestrator::load(&a.file, &o)?;
            for w in &app.warnings {
                writeln!(ui.err, "warning: {w}")?;
            }
            let options = DeployOptions { dry_run: a.dry_run, force: a.force };
            let apps = apps(&bollard, settings, security, progress(a.progress, ui));
            let result =
                apps.deploy(&app, &options, backend_of(a.backend)).await.map_err(|e| with_rerun(e, "deploy"))?;
            show_result(&result, ui)
        }
        ContainersCommand::Unlock { app, yes } => unlock(engine, app, *yes, ui).await,
        ContainersCommand::Rollback { app, to, progress: p, backend } => {
            let settings = settings(config, None, ui)?;
            let apps = apps(&bollard, settings, security(config, ui)?, progress(*p, ui));
            let result =
                apps.rollback(app, to.as_deref(), backend_of(*backend)).await.map_err(|e| with_rerun(e, "rollback"))?;
            show_result(&result, ui)
        }
        ContainersCommand::Scale(a) => {
            let settings = settings(config, None, ui)?;
            let apps = apps(&bollard, settings, security(config, ui)?, progress(a.progress, ui));
            let r = match &a.project {
                Some(proj) => apps.local().scale_project(proj, &a.service, a.replicas).await?,
                None => {
                    let (app, service) = apps.resolve_service(&a.service, a.app.as_deref()).await?;
                    apps.scale(&app, &service, a.replicas, backend_of(a.backend)).await?
                }
            };
            if ui.json() {
                ui.print_json(&r)?;
            } else {
                writeln!(
                    ui.out,
                    "{}/{}: {} -> {} replicas ({} running)",
                    r.app, r.service, r.previous_replicas, r.requested_replicas, r.current_replicas
                )?;
                let swarm = r.containers.iter().any(|c| c.node.is_some());
                let rows = r
                    .containers
                    .iter()
                    .map(|c| {
                        let mut row = vec![Cell::new(&c.name), Cell::new(short_id(&c.id)), ui.state_cell(&c.status)];
                        if swarm {
                            row.push(Cell::new(c.node.as_deref().unwrap_or("")));
                        }
                        row
                    })
                    .collect();
                if swarm {
                    ui.print_table(&["TASK", "ID", "STATUS", "NODE"], rows)?;
                } else {
                    ui.print_table(&["CONTAINER", "ID", "STATUS"], rows)?;
                }
            }
            if r.status != ScaleStatus::Success {
                return Err(DeploymentFailed {
                    code: crate::error::code::FAILURE,
                    message: r.message.clone().unwrap_or_else(|| "the scale did not converge".into()),
                }
                .into());
            }
            Ok(())
        }
        ContainersCommand::History { app, backend } => {
            let settings = settings(config, None, ui)?;
            let apps = apps(&bollard, settings, Default::default(), progress_printer(ProgressMode::Quiet));
            let records = apps.history(app, backend_of(*backend)).await?;
            if ui.json() {
                let view: Vec<serde_json::Value> = records
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "seq": r.seq, "deployment_id": r.deployment_id, "app": r.app, "version": r.version,
                            "kind": r.kind, "outcome": r.outcome, "config_hash": r.config_hash,
                            "started_at": r.started_at, "finished_at": r.finished_at, "message": r.message,
                            "file": r.file, "spec": r.project,
                        })
                    })
                    .collect();
                return ui.print_json(&view);
            }
            let rows = records
                .iter()
                .map(|r| {
                    let took = r
                        .finished_at
                        .map(|f| format!("{:.1}s", (f - r.started_at).num_milliseconds() as f64 / 1000.0))
                        .unwrap_or_else(|| "-".into());
                    vec![
                        Cell::new(r.seq),
                        Cell::new(&r.version),
                        Cell::new(&r.kind),
                        outcome_cell(ui, r.outcome.as_str()),
                        Cell::new(r.started_at.format("%Y-%m-%d %H:%M:%S").to_string()),
                        Cell::new(took),
                        Cell::new(&r.config_hash),
                        Cell::new(&r.deployment_id),
                    ]
                })
                .collect();
            ui.print_table(&["#", "VERSION", "KIND", "OUTCOME", "STARTED", "TOOK", "CONFIG", "DEPLOYMENT"], rows)
        }
        ContainersCommand::Deployments { backend } => {
            let settings = settings(config, None, ui)?;
            let apps = apps(&bollard, settings, Default::default(), progress_printer(ProgressMode::Quiet));
            let list = apps.deployments(backend_of(*backend)).await?;
            if ui.json() {
                return ui.print_json(&list);
            }
            let rows = list
                .iter()
                .map(|d| {
                    let services: Vec<String> = d
                        .services
                        .iter()
                        .map(|s| {
                            let nodes =
                                if s.nodes.is_empty() { String::new() } else { format!(" on {}", s.nodes.join(" ")) };
                            format!("{} {}/{}{nodes}", s.service, s.running, s.desired)
                        })
                        .collect();
                    // The last attempt's version, when it is not the one serving.
                    let status = if d.last_version != d.serving && !d.last_version.is_empty() {
                        format!("{} ({})", d.status, d.last_version)
                    } else {
                        d.status.clone()
                    };
                    let updated = chrono::DateTime::parse_from_rfc3339(&d.updated_at)
                        .map(|t| crate::output::ago(t.with_timezone(&chrono::Utc)))
                        .unwrap_or_else(|_| d.updated_at.clone());
                    vec![
                        Cell::new(&d.name),
                        Cell::new(if d.serving.is_empty() { "-" } else { d.serving.as_str() }),
                        outcome_cell(ui, &status),
                        outcome_cell(ui, &d.health),
                        Cell::new(services.join(", ")),
                        Cell::new(updated),
                    ]
                })
                .collect();
            ui.print_table(&["APP", "SERVING", "STATUS", "HEALTH", "SERVICES (RUNNING/DESIRED)", "UPDATED"], rows)
        }
        ContainersCommand::Undeploy { app, volumes, progress: p, backend, node_hosts } => {
            let settings = settings(config, None, ui)?;
            let hosts = if node_hosts.is_empty() { settings.swarm_node_hosts.clone() } else { node_hosts.clone() };
            let apps = apps(&bollard, settings, Default::default(), progress(*p, ui));
            let backend = apps.backend_of(app, backend_of(*backend)).await;
            // A node's volumes are reachable only through its own engine.
            let mut nodes: tuxpilot_orchestrator::SwarmNodeVolumes = Vec::new();
            if *volumes && backend == Backend::Swarm {
                for h in &hosts {
                    let c = ConnectionConfig { host: Some(h.clone()), ..ConnectionConfig::from_env() };
                    match BollardEngine::connect(&c).await {
                        Ok(e) => nodes.push((h.clone(), Arc::new(e))),
                        Err(e) => writeln!(ui.err, "warning: node engine {h}: {e}; its volumes stay")?,
                    }
                }
            }
            let r = apps.undeploy(app, *volumes, &nodes, Some(backend)).await?;
            if ui.json() {
                return ui.print_json(&r);
            }
            writeln!(
                ui.out,
                "removed {}: {} container(s), {} volume(s), {} history record(s)",
                r.name, r.containers, r.volumes, r.history_records
            )?;
            for l in &r.left {
                writeln!(ui.out, "left: {l}")?;
            }
            Ok(())
        }
        ContainersCommand::Supervise(a) => {
            let settings = settings(config, None, ui)?;
            if !settings.auto_restart_failed {
                anyhow::bail!(crate::error::UsageError(
                    "[containers.orchestration] auto_restart_failed = false: supervision is turned off".into()
                ));
            }
            let orch = Orchestrator::new(engine, settings, progress_printer(ProgressMode::Quiet));
            let options = SupervisorOptions {
                app: a.app.clone(),
                max_restarts: a.max_restarts,
                initial_backoff: a.backoff,
                ..Default::default()
            };
            let json = ui.json();
            writeln!(
                ui.err,
                "supervising {} (Ctrl-C to stop)",
                a.app.as_deref().map(|a| format!("app {a}")).unwrap_or_else(|| "every deployed app".into())
            )?;
            let print = move |e: tuxpilot_orchestrator::SupervisorEvent| {
                let line = if json {
                    serde_json::to_string(&e).unwrap_or_default()
                } else {
                    format!(
                        "{} {}/{} {}{}{}",
                        e.action,
                        e.app,
                        e.service,
                        e.container,
                        e.exit_code.map(|c| format!(" (exit {c})")).unwrap_or_default(),
                        e.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
                    )
                };
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            };
            tokio::select! {
                r = orch.supervise(&options, &print) => r?,
                _ = tokio::signal::ctrl_c() => {}
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn with_rerun(e: tuxpilot_orchestrator::Error, verb: &str) -> anyhow::Error {
    if e.is_unavailable() {
        let hint = e.hint();
        return anyhow::Error::new(e).context(format!(
            "the engine went away during the {verb}; nothing is lost: run `tuxpilot containers {verb}` again once it is back, and it converges{}",
            hint.map(|h| format!(" ({h})")).unwrap_or_default()
        ));
    }
    e.into()
}

fn outcome_cell(ui: &Ui<'_>, s: &str) -> Cell {
    let cell = Cell::new(s);
    if !ui.color {
        return cell;
    }
    match s.split_whitespace().next().unwrap_or_default() {
        "success" | "running" | "healthy" => cell.fg(comfy_table::Color::Green),
        "rolled_back" | "failed" | "interrupted" | "down" => cell.fg(comfy_table::Color::Red),
        _ => cell.fg(comfy_table::Color::Yellow),
    }
}

fn show_result(r: &DeploymentResult, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    if ui.json() {
        ui.print_json(r)?;
    } else {
        match r.status {
            DeploymentStatus::RolledBack => writeln!(
                ui.out,
                "app {}: version {} failed and was rolled back; version {} serves (deployment {})",
                r.name, r.requested_version, r.version, r.deployment_id
            )?,
            DeploymentStatus::Failed | DeploymentStatus::Paused if r.requested_version != r.version => writeln!(
                ui.out,
                "app {} version {}: {} (deployment {})",
                r.name, r.requested_version, r.status, r.deployment_id
            )?,
            _ => {
                writeln!(ui.out, "app {} version {}: {} (deployment {})", r.name, r.version, r.status, r.deployment_id)?
            }
        }
        for n in &r.notes {
            writeln!(ui.out, "note: {n}")?;
        }
        let rows = r
            .plan
            .services()
            .map(|s| {
                let what = match s.action {
                    tuxpilot_orchestrator::rollout::ServiceAction::Create => format!("create {}", s.create.len()),
                    tuxpilot_orchestrator::rollout::ServiceAction::Update => format!(
                        "update {} ({}, {} at a time)",
                        if s.replace.is_empty() { s.desired as usize } else { s.replace.len() },
                        s.policy.order.as_str(),
                        if s.policy.parallelism == 0 { "all".to_string() } else { s.policy.parallelism.to_string() }
                    ),
                    tuxpilot_orchestrator::rollout::ServiceAction::Scale => {
                        format!("scale {} -> {}", s.current, s.desired)
                    }
                    tuxpilot_orchestrator::rollout::ServiceAction::Unchanged => "unchanged".into(),
                    tuxpilot_orchestrator::rollout::ServiceAction::Remove => format!("remove {}", s.remove.len()),
                };
                // After a failure the plan is not what happened: say what did.
                let failed_here = r.failure.as_ref().is_some_and(|f| f.service == s.service);
                let what = match r.status {
                    _ if s.action == tuxpilot_orchestrator::rollout::ServiceAction::Unchanged => what,
                    DeploymentStatus::RolledBack if failed_here => {
                        format!("{} failed, rolled back to {}", s.action.as_str(), r.version)
                    }
                    DeploymentStatus::RolledBack => format!("rolled back to {}", r.version),
                    DeploymentStatus::Failed | DeploymentStatus::Paused if failed_here => {
                        format!("{} failed", s.action.as_str())
                    }
                    DeploymentStatus::Paused => format!("{what} (paused: may be part-done)"),
                    _ => what,
                };
                vec![Cell::new(&s.service), Cell::new(what), Cell::new(format!("{} -> {}", s.current, s.desired))]
            })
            .collect();
        let planned = r.status == DeploymentStatus::Planned;
        ui.print_table(&["SERVICE", if planned { "PLAN" } else { "DONE" }, "REPLICAS"], rows)?;
        if !planned {
            writeln!(ui.out)?;
            let swarm = r.containers.iter().any(|c| c.node.is_some());
            let rows = r
                .containers
                .iter()
                .map(|c| {
                    let mut row = vec![
                        Cell::new(&c.name),
                        Cell::new(&c.service),
                        Cell::new(short_id(&c.id)),
                        ui.state_cell(&c.status),
                    ];
                    if swarm {
                        row.push(Cell::new(c.node.as_deref().unwrap_or("")));
                    }
                    row
                })
                .collect();
            if swarm {
                ui.print_table(&["TASK", "SERVICE", "ID", "STATUS", "NODE"], rows)?;
            } else {
                ui.print_table(&["CONTAINER", "SERVICE", "ID", "STATUS"], rows)?;
            }
        }
    }
    match failure_of(r) {
        Some(failed) => Err(failed.into()),
        None => Ok(()),
    }
}

/// How a deployment that did not converge ends the command: its exit code and one line; `None`
/// when it converged (or was only planned).
pub fn failure_of(r: &DeploymentResult) -> Option<DeploymentFailed> {
    let code = match r.status {
        DeploymentStatus::Success | DeploymentStatus::Planned => return None,
        DeploymentStatus::RolledBack => ROLLED_BACK,
        DeploymentStatus::Paused => PAUSED,
        DeploymentStatus::Failed => crate::error::code::FAILURE,
    };
    let why = r.failure.as_ref().map(|f| f.to_string()).unwrap_or_else(|| r.notes.join("; "));
    Some(DeploymentFailed {
        code,
        message: format!("deployment of {} {} {}: {why}", r.name, r.requested_version, r.status),
    })
}

/// `containers unlock APP`: shows the holders of the app's locks, asks, removes them.
async fn unlock(engine: Arc<dyn Engine>, app: &str, yes: bool, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let store = tuxpilot_orchestrator::Store::new(engine);
    let held: Vec<_> = store.locks().await?.into_iter().filter(|l| l.app == app).collect();
    if held.is_empty() {
        if ui.json() {
            return ui.print_json(&serde_json::json!({ "app": app, "released": [] }));
        }
        writeln!(ui.out, "No deployment lock is held for {app}.")?;
        return Ok(());
    }
    let now = chrono::Utc::now().timestamp();
    let rows = held
        .iter()
        .map(|l| {
            vec![
                Cell::new(&l.name),
                Cell::new(&l.host),
                Cell::new(l.pid.map(|p| p.to_string()).unwrap_or_default()),
                Cell::new(format!("{}s ago", now - l.since)),
                Cell::new(format!("in {}s", (l.since + l.stale_after - now).max(0))),
            ]
        })
        .collect();
    if !yes {
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            ui.print_table(&["LOCK", "HOST", "PID", "TAKEN", "STALE"], rows)?;
            return Err(crate::error::NotConfirmed(format!(
                "unlocking {app} lets another deploy start while its holder may still run; run again with --yes to \
                 confirm (no terminal to ask on)"
            ))
            .into());
        }
        ui.print_table(&["LOCK", "HOST", "PID", "TAKEN", "STALE"], rows)?;
        if !crate::output::ask(
            ui.err,
            "Give these back? A deploy still running there would then race another one. [y/N] ",
        )? {
            writeln!(ui.err, "Nothing changed.")?;
            return Ok(());
        }
    }
    let released = store.unlock(app).await?;
    if ui.json() {
        return ui.print_json(&serde_json::json!({ "app": app, "released": released }));
    }
    writeln!(ui.out, "Gave back {} lock(s) of {app}.", released.len())?;
    Ok(())
}

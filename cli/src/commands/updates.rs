//! `containers updates check|apply|watch|history`: automatic image updates
//! ([`tuxpilot_orchestrator::updates`]).

use std::sync::Arc;

use comfy_table::Cell;
use tuxpilot_docker::{BollardEngine, Engine};
use tuxpilot_orchestrator::updates::{
    ApplyReport, AutoUpdate, CheckReport, CheckStatus, ImageVersion, Selector, UpdateEntry, UpdateStatus, Updates,
};

use crate::args::{ProgressMode, UpdateTarget, UpdatesCommand};
use crate::commands::deploy::{DeploymentFailed, ROLLED_BACK, apps, progress, security, settings};
use crate::config::Config;
use crate::error::NotConfirmed;
use crate::output::Ui;

fn selector(t: &UpdateTarget) -> Selector {
    Selector { name: t.target.clone(), container: t.container }
}

/// `1.0.1@sha256:0123456789ab`.
fn version(v: &ImageVersion) -> String {
    match &v.digest {
        Some(d) => format!("{}@{}", v.tag, tuxpilot_orchestrator::updates::check::short(d)),
        None => v.tag.clone(),
    }
}

fn status_cell(ui: &Ui<'_>, s: &str) -> Cell {
    let cell = Cell::new(s);
    if !ui.color {
        return cell;
    }
    match s {
        "applied" | "up_to_date" => cell.fg(comfy_table::Color::Green),
        "rolled_back" | "blocked" | "failed" | "error" => cell.fg(comfy_table::Color::Red),
        _ => cell.fg(comfy_table::Color::Yellow),
    }
}

/// A line-per-step printer for the updates' own progress (stderr).
fn lines(mode: ProgressMode) -> tuxpilot_orchestrator::updates::Progress {
    Arc::new(move |line: &str| {
        if mode != ProgressMode::Quiet {
            eprintln!("{line}");
        }
    })
}

/// `containers updates …`.
pub async fn run(
    bollard: Arc<BollardEngine>,
    cmd: &UpdatesCommand,
    config: &Config,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    let engine: Arc<dyn Engine> = bollard.clone();
    let (updates_config, warnings) = config.updates()?;
    for w in warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    let orchestration = settings(config, None, ui)?;
    let health = orchestration.health_check_timeout.0;
    let security = security(config, ui)?;
    let mode = match cmd {
        UpdatesCommand::Apply { progress: p, .. } => *p,
        _ => ProgressMode::Auto,
    };
    let apps = apps(&bollard, orchestration, security.clone(), progress(mode, ui));
    let updates = Updates::new(engine, apps, security, updates_config, lines(mode)).with_health_timeout(health);
    match cmd {
        UpdatesCommand::Check(t) => {
            let report = updates.check(&selector(t)).await?;
            show_check(&report, ui)?;
            if report.targets.iter().any(|t| t.status == CheckStatus::Error) {
                return Err(DeploymentFailed {
                    code: crate::error::code::FAILURE,
                    message: "a registry could not be asked".into(),
                }
                .into());
            }
            Ok(())
        }
        UpdatesCommand::Apply { target, dry_run, .. } => {
            if *dry_run {
                let report = updates.check(&selector(target)).await?;
                if ui.json() {
                    return ui.print_json(&serde_json::json!({ "dry_run": true, "check": report, "entries": [] }));
                }
                show_check(&report, ui)?;
                let n = report.due().count();
                writeln!(ui.out, "{n} update(s) would be applied (dry run: nothing changed)")?;
                return Ok(());
            }
            let report = updates.apply(&selector(target)).await?;
            show_apply(&report, ui)?;
            exit_for(&report)
        }
        UpdatesCommand::Watch { interval } => {
            let every = interval.unwrap_or(updates.config().interval.0);
            if every < std::time::Duration::from_secs(10) {
                return Err(crate::error::UsageError("--interval: at least 10s".into()).into());
            }
            writeln!(
                ui.err,
                "watching for image updates every {}{}; Ctrl-C stops",
                humantime::format_duration(every),
                updates.config().schedule.as_deref().map(|s| format!(", applying within {s}")).unwrap_or_default()
            )?;
            let json = ui.json();
            let stop = async {
                let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(t) => t,
                    Err(_) => return std::future::pending().await,
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            };
            updates
                .watch(every, stop, move |round| match round {
                    Ok(r) => {
                        for e in &r.entries {
                            if json {
                                println_json(e);
                            } else {
                                eprintln!("{}", entry_line(e));
                            }
                        }
                        if r.entries.is_empty() {
                            let due = r.check.due().count();
                            eprintln!(
                                "{}: {} target(s) checked, {due} due",
                                chrono::Local::now().format("%H:%M:%S"),
                                r.check.targets.len()
                            );
                        }
                    }
                    Err(e) => eprintln!("warning: this round failed: {e}"),
                })
                .await?;
            Ok(())
        }
        UpdatesCommand::Set { target, policy, container, yes } => {
            let policy: AutoUpdate = policy.parse().map_err(crate::error::UsageError)?;
            let plan = updates.plan_policy(target, *container, policy).await?;
            if !*yes {
                use std::io::IsTerminal;
                let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
                for s in &plan.steps {
                    writeln!(if terminal { &mut *ui.err } else { &mut *ui.out }, "{s}")?;
                }
                if !terminal {
                    return Err(NotConfirmed("run again with --yes to confirm (no terminal to ask on)".into()).into());
                }
                if !crate::output::ask(ui.err, "Go ahead? [y/N] ")? {
                    writeln!(ui.err, "Nothing changed.")?;
                    return Ok(());
                }
            }
            let done = updates.set_policy(&plan).await?;
            if ui.json() {
                return ui.print_json(&serde_json::json!({ "plan": plan, "result": done }));
            }
            writeln!(ui.out, "{done}")?;
            Ok(())
        }
        UpdatesCommand::History { target } => {
            let mut entries = updates.history().await?;
            if let Some(t) = target {
                entries.retain(|e| e.app.as_deref() == Some(t.as_str()) || e.container.as_deref() == Some(t.as_str()));
            }
            if ui.json() {
                return ui.print_json(&entries);
            }
            let rows = entries
                .iter()
                .map(|e| {
                    vec![
                        Cell::new(e.at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string()),
                        Cell::new(target_of(e)),
                        Cell::new(&e.image),
                        Cell::new(version(&e.from)),
                        Cell::new(version(&e.to)),
                        Cell::new(e.policy.as_str()),
                        status_cell(ui, e.status.as_str()),
                        Cell::new(&e.message),
                    ]
                })
                .collect();
            ui.print_table(&["AT", "TARGET", "IMAGE", "FROM", "TO", "POLICY", "STATUS", "MESSAGE"], rows)
        }
    }
}

/// One JSON event on stdout; a reader that went away is not an error of the watcher.
fn println_json(e: &UpdateEntry) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", tuxpilot_orchestrator::updates::webhook_event(e));
    let _ = out.flush();
}

fn target_of(e: &UpdateEntry) -> String {
    match (&e.app, &e.service) {
        (Some(a), Some(s)) => format!("{} {a}/{s}", e.kind.as_str()),
        _ => format!("{} {}", e.kind.as_str(), e.container.as_deref().unwrap_or("?")),
    }
}

fn entry_line(e: &UpdateEntry) -> String {
    format!(
        "{} {}: {} {} -> {}: {}{}",
        e.at.with_timezone(&chrono::Local).format("%H:%M:%S"),
        target_of(e),
        e.image,
        version(&e.from),
        version(&e.to),
        e.status.as_str(),
        if e.message.is_empty() { String::new() } else { format!(" ({})", e.message) }
    )
}

fn show_check(report: &CheckReport, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    if ui.json() {
        return ui.print_json(report);
    }
    if report.targets.is_empty() {
        writeln!(
            ui.out,
            "nothing has opted in to automatic updates (auto_update: in app.yaml, or the label {}=digest)",
            tuxpilot_orchestrator::updates::policy::LABEL
        )?;
        return Ok(());
    }
    let rows = report
        .targets
        .iter()
        .map(|t| {
            let containers = match t.target.containers.len() {
                1 => t.target.containers[0].clone(),
                n => format!("{n} containers"),
            };
            vec![
                Cell::new(t.target.label()),
                Cell::new(containers),
                Cell::new(&t.image),
                Cell::new(t.target.policy.as_str()),
                Cell::new(version(&t.current)),
                Cell::new(t.new.as_ref().map(version).unwrap_or_default()),
                status_cell(ui, t.status.as_str()),
                Cell::new(&t.message),
            ]
        })
        .collect();
    ui.print_table(&["TARGET", "CONTAINERS", "IMAGE", "POLICY", "CURRENT", "NEW", "STATUS", "NOTE"], rows)
}

fn show_apply(report: &ApplyReport, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    if ui.json() {
        return ui.print_json(report);
    }
    for t in report.check.targets.iter().filter(|t| t.status == CheckStatus::Error) {
        writeln!(ui.err, "error: {}: {}", t.target.label(), t.message)?;
    }
    if report.entries.is_empty() {
        writeln!(ui.out, "nothing to update: {} target(s) checked", report.check.targets.len())?;
        return Ok(());
    }
    let rows = report
        .entries
        .iter()
        .map(|e| {
            vec![
                Cell::new(target_of(e)),
                Cell::new(&e.image),
                Cell::new(version(&e.from)),
                Cell::new(version(&e.to)),
                status_cell(ui, e.status.as_str()),
                Cell::new(&e.message),
            ]
        })
        .collect();
    ui.print_table(&["TARGET", "IMAGE", "FROM", "TO", "STATUS", "MESSAGE"], rows)
}

/// 1 a pull or registry failed, 10 blocked, 8 rolled back, else 0.
fn exit_for(report: &ApplyReport) -> anyhow::Result<()> {
    let (code, what) = match report.worst() {
        None | Some(UpdateStatus::Applied) => return Ok(()),
        Some(UpdateStatus::Failed) => {
            (crate::error::code::FAILURE, "an update could not be pulled or a registry failed")
        }
        Some(UpdateStatus::Blocked) => (crate::error::code::BLOCKED, "an update was blocked by the security gate"),
        Some(UpdateStatus::RolledBack) => (ROLLED_BACK, "an update failed and was rolled back"),
    };
    Err(DeploymentFailed { code, message: what.into() }.into())
}

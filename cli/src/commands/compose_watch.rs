//! `compose watch` and `compose up --watch`: the compose library's watcher
//! ([`tuxpilot_compose::watch`]) with the security gate between a rebuild's build and its
//! recreate, and its events printed as compose prints them.

use std::io::Write;

use tuxpilot_compose::runtime::{ComposeRuntime, UpOptions};
use tuxpilot_compose::watch::{WatchEvent, WatchOptions, WatchRule};

use crate::output::Ui;

/// The rules of `services`, or a usage error (exit 2) naming the field.
pub fn rules_of(runtime: &ComposeRuntime, services: &[String]) -> anyhow::Result<Vec<WatchRule>> {
    tuxpilot_compose::watch::rules(runtime.project(), services)
        .map_err(|e| anyhow::Error::new(crate::error::UsageError(e.to_string())))
}

/// Runs the watcher until it fails to start or the future is dropped; events are printed to
/// `out` (JSON lines with `json`; only failures with `quiet`).
pub async fn follow(
    runtime: &ComposeRuntime,
    rules: Vec<WatchRule>,
    security: &tuxpilot_security::SecurityConfig,
    json: bool,
    quiet: bool,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let gate = |service: String| async move {
        tuxpilot_orchestrator::gate::check_services(runtime, &[service], true, None, false, security)
            .await
            .map_err(|e| e.to_string())
    };
    let report = |e: WatchEvent| {
        let _ = print_event(out, &e, json, quiet);
    };
    tuxpilot_compose::watch::watch(runtime, rules, WatchOptions::default(), report, gate).await?;
    Ok(())
}

/// `compose watch [--no-up] [--quiet] [SERVICE…]`: up (unless `--no-up`), then watch until Ctrl-C;
/// the containers keep running afterwards.
pub async fn watch(
    runtime: &ComposeRuntime,
    services: &[String],
    no_up: bool,
    quiet: bool,
    security: &tuxpilot_security::SecurityConfig,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    let rules = rules_of(runtime, services)?;
    if !no_up {
        let notes =
            tuxpilot_orchestrator::gate::check_services(runtime, services, false, None, false, security).await?;
        for n in notes {
            writeln!(ui.err, "{n}")?;
        }
        runtime.up(&UpOptions { services: services.to_vec(), ..Default::default() }).await?;
    }
    let json = ui.json();
    let mut out = std::io::stdout();
    tokio::select! {
        r = follow(runtime, rules, security, json, quiet, &mut out) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// One event as compose words it (or a JSON line).
fn print_event(out: &mut (dyn Write + Send), e: &WatchEvent, json: bool, quiet: bool) -> std::io::Result<()> {
    if json {
        let line = serde_json::to_string(e).unwrap_or_default();
        writeln!(out, "{line}")?;
        return out.flush();
    }
    let line = match e {
        WatchEvent::Failed { service, message } => format!("error: service \"{service}\": {message}"),
        WatchEvent::Warning { message } => format!("warning: {message}"),
        _ if quiet => return Ok(()),
        WatchEvent::Enabled { services } => format!("Watch enabled for {}", services.join(", ")),
        WatchEvent::Synced { service, copied, removed, containers, initial } => format!(
            "{} service \"{service}\": {copied} path(s) copied, {removed} removed, in {containers} container(s)",
            if *initial { "Initial sync of" } else { "Syncing" }
        ),
        WatchEvent::Restarted { service } => format!("service \"{service}\" restarted"),
        WatchEvent::Executed { service, container, command, exit_code } => {
            format!("service \"{service}\": `{}` in {container} exited with code {exit_code}", command.join(" "))
        }
        WatchEvent::Rebuilding { service } => {
            format!("Rebuilding service \"{service}\" after changes were detected...")
        }
        WatchEvent::Rebuilt { service, notes } => {
            let mut s = format!("service \"{service}\" successfully built");
            for n in notes {
                s.push_str(&format!("\n{n}"));
            }
            s
        }
    };
    writeln!(out, "{line}")?;
    out.flush()
}

//! `compose events|images|port|cp|kill|pause|unpause|wait|stats`: the smaller verbs, each a
//! call to the compose runtime (or, for `stats`, monitoring's collector) and a print.

use std::sync::Arc;

use comfy_table::Cell;
use futures_util::StreamExt;
use tuxpilot_compose::runtime::ComposeRuntime;
use tuxpilot_docker::Engine;

use super::objects::size;
use crate::args::ComposeCommand;
use crate::output::Ui;

/// Whether the command is one of this module's verbs (each manages an existing project, so
/// `-p NAME` alone finds it by its labels).
pub fn owns(command: &ComposeCommand) -> bool {
    matches!(
        command,
        ComposeCommand::Events { .. }
            | ComposeCommand::Images { .. }
            | ComposeCommand::Port { .. }
            | ComposeCommand::Cp { .. }
            | ComposeCommand::Kill { .. }
            | ComposeCommand::Pause { .. }
            | ComposeCommand::Unpause { .. }
            | ComposeCommand::Wait { .. }
            | ComposeCommand::Stats { .. }
    )
}

/// Runs one of the verbs this module owns; `None` for any other command.
pub async fn run(
    command: &ComposeCommand,
    runtime: &ComposeRuntime,
    engine: &Arc<dyn Engine>,
    ui: &mut Ui<'_>,
) -> Option<anyhow::Result<()>> {
    Some(match command {
        ComposeCommand::Events { json, services } => events(runtime, *json, services, ui).await,
        ComposeCommand::Images { quiet, services } => images(runtime, *quiet, services, ui).await,
        ComposeCommand::Port { protocol, index, service, private_port } => {
            match runtime.port(service, *private_port, protocol, *index).await {
                Ok(address) => writeln!(ui.out, "{address}").map_err(Into::into),
                Err(e) => Err(e.into()),
            }
        }
        ComposeCommand::Cp { index, all, archive, source, destination } => {
            cp(runtime, engine.as_ref(), (*index, *all, *archive), source, destination).await
        }
        ComposeCommand::Kill { signal, services } => match runtime.kill(services, signal.as_deref()).await {
            Ok(killed) if killed.is_empty() => writeln!(ui.err, "no container to kill").map_err(Into::into),
            Ok(_) => Ok(()),
            Err(e) => Err(e.into()),
        },
        ComposeCommand::Pause { services } => runtime.pause(services).await.map(drop).map_err(Into::into),
        ComposeCommand::Unpause { services } => runtime.unpause(services).await.map(drop).map_err(Into::into),
        ComposeCommand::Wait { down_project, services } => wait(runtime, *down_project, services, ui).await,
        ComposeCommand::Stats { no_stream, services } => stats(runtime, engine, *no_stream, services, ui).await,
        _ => return None,
    })
}

/// `compose events [--json]`: `TIME container ACTION ID (k=v, …)` as compose prints it, until
/// Ctrl-C.
async fn events(runtime: &ComposeRuntime, json: bool, services: &[String], ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let mut stream = std::pin::pin!(runtime.events(services).await?);
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let next = tokio::select! {
            e = stream.next() => e,
            _ = &mut ctrl_c => None,
        };
        let Some(e) = next else { return Ok(()) };
        let e = e?;
        if json || ui.json() {
            ui.print_json_line(&e)?;
            continue;
        }
        let time = e.time.map(|t| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()).unwrap_or_default();
        let attrs: Vec<String> = e.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(ui.out, "{time} {} {} {} ({})\n", e.kind, e.action, e.id, attrs.join(", "))?;
        ui.out.flush()?;
    }
}

/// `compose images`: CONTAINER, REPOSITORY, TAG, IMAGE ID, SIZE; JSON in compose's shape.
async fn images(runtime: &ComposeRuntime, quiet: bool, services: &[String], ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let list = runtime.images(services).await?;
    if quiet {
        let mut seen = std::collections::BTreeSet::new();
        for i in &list {
            if seen.insert(&i.id) {
                writeln!(ui.out, "{}", i.id.trim_start_matches("sha256:"))?;
            }
        }
        return Ok(());
    }
    if ui.json() {
        let rows: Vec<_> = list
            .iter()
            .map(|i| {
                serde_json::json!({
                    "ID": i.id, "ContainerName": i.container, "Repository": i.repository, "Tag": i.tag, "Size": i.size,
                })
            })
            .collect();
        return ui.print_json(&rows);
    }
    let rows = list
        .iter()
        .map(|i| {
            let short: String = i.id.trim_start_matches("sha256:").chars().take(12).collect();
            vec![
                Cell::new(&i.container),
                Cell::new(&i.repository),
                Cell::new(&i.tag),
                Cell::new(short),
                Cell::new(size(i.size)),
            ]
        })
        .collect();
    ui.print_table(&["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], rows)
}

/// `SERVICE:PATH`, when the text names one of the project's services (a host path may contain
/// a colon too).
fn service_path<'a>(runtime: &ComposeRuntime, text: &'a str) -> Option<(&'a str, &'a str)> {
    let (service, path) = text.split_once(':')?;
    runtime.project().services.contains_key(service).then_some((service, path))
}

/// `compose cp [--index N] [--all] SRC DEST`, one side a `SERVICE:PATH`.
async fn cp(
    runtime: &ComposeRuntime,
    engine: &dyn Engine,
    (index, all, archive): (u32, bool, bool),
    source: &str,
    destination: &str,
) -> anyhow::Result<()> {
    let usage = |m: String| anyhow::Error::new(crate::error::UsageError(m));
    match (service_path(runtime, source), service_path(runtime, destination)) {
        (Some((service, src)), None) => {
            let c = replica(runtime, service, index).await?;
            let mut stdout = std::io::stdout();
            tuxpilot_compose::copy::from_container(engine, &c, src, std::path::Path::new(destination), &mut stdout)
                .await?;
            Ok(())
        }
        (None, Some((service, dest))) => {
            let targets = if all {
                runtime.replicas(&[service.to_string()], false).await?.into_iter().map(|c| c.id).collect()
            } else {
                vec![replica(runtime, service, index).await?]
            };
            for id in targets {
                tuxpilot_compose::copy::to_container_as(engine, &id, std::path::Path::new(source), dest, archive)
                    .await?;
            }
            Ok(())
        }
        (Some(_), Some(_)) => Err(usage("copying between containers is not supported: copy to the host first".into())),
        (None, None) => Err(usage(format!(
            "one of {source} and {destination} must be SERVICE:PATH with a service of the project ({})",
            runtime.project().services.keys().cloned().collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The id of replica `index` of `service` (running or not).
async fn replica(runtime: &ComposeRuntime, service: &str, index: u32) -> anyhow::Result<String> {
    runtime.replica(service, index, |_| true).await?.map(|c| c.id).ok_or_else(|| {
        anyhow::Error::new(crate::error::UsageError(format!(
            "service \"{service}\" has no container number {index}; start it with `tuxpilot compose up -d {service}`"
        )))
    })
}

/// `compose wait [--down-project]`: a line per container as it stops; the last code is ours.
async fn wait(runtime: &ComposeRuntime, down: bool, services: &[String], ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let exited = runtime.wait(services).await?;
    for e in &exited {
        if ui.json() {
            ui.print_json_line(e)?;
        } else {
            writeln!(ui.out, "container {:?} exited with status code {}", e.id, e.code)?;
        }
    }
    if down {
        runtime
            .down(&tuxpilot_compose::runtime::DownOptions {
                volumes: false,
                remove_orphans: false,
                timeout: None,
                parallel: 0,
            })
            .await?;
    }
    match exited.last().map_or(0, |e| e.code) {
        0 => Ok(()),
        code => Err(crate::error::ExitWith(i32::try_from(code).unwrap_or(1)).into()),
    }
}

/// `compose stats [--no-stream]`: monitoring's `docker stats` numbers for the project's running
/// containers (found again each second, so new replicas show up); a table a second until
/// Ctrl-C, redrawn in place on a terminal as docker's, or one table.
async fn stats(
    runtime: &ComposeRuntime,
    engine: &Arc<dyn Engine>,
    no_stream: bool,
    services: &[String],
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    let redraw = !no_stream && !ui.json() && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let window = std::time::Duration::from_millis(300);
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let ids: Vec<String> = runtime.replicas(services, false).await?.into_iter().map(|c| c.id).collect();
        let obs = if ids.is_empty() {
            Vec::new()
        } else {
            let mut filters = tuxpilot_docker::Filters::new();
            for id in &ids {
                filters.add("id", id.clone());
            }
            let opts = tuxpilot_monitor::CollectorOptions { filters, ..Default::default() };
            tuxpilot_monitor::Collector::new(engine.clone(), opts).snapshot(window).await?
        };
        if redraw {
            write!(ui.out, "\x1b[2J\x1b[H")?;
        }
        super::monitor::print_tick(ui, &obs)?;
        ui.out.flush()?;
        if no_stream {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_millis(700)) => {}
            _ = &mut ctrl_c => return Ok(()),
        }
    }
}

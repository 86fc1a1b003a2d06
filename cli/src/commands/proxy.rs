//! `containers proxy ls|logs`: what the managed-port proxy serves ([`tuxpilot_orchestrator::proxy`])
//! and its log.

use comfy_table::Cell;
use serde::Serialize;
use tuxpilot_docker::Engine;
use tuxpilot_orchestrator::proxy::{CONTAINER, Proxy};

use crate::args::{LogsArgs, ProxyCommand};
use crate::output::Ui;

/// One route as `proxy ls` shows it (the JSON schema too).
#[derive(Debug, Serialize)]
struct Row {
    host: String,
    app: String,
    service: String,
    replicas: Vec<String>,
    mode: &'static str,
    listening: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    in_flight: u64,
    served: u64,
}

/// `containers proxy …`.
pub async fn run(engine: &dyn Engine, ui: &mut Ui<'_>, cmd: &ProxyCommand) -> anyhow::Result<()> {
    match cmd {
        ProxyCommand::Ls => ls(engine, ui).await,
        ProxyCommand::Start => {
            let note = Proxy::new(engine).ensure(None).await?;
            let d = engine.inspect_container(CONTAINER).await?;
            if ui.json() {
                return ui.print_json(&serde_json::json!({ "container": CONTAINER, "image": d.image, "note": note }));
            }
            if let Some(n) = note {
                writeln!(ui.out, "{n}")?;
            }
            writeln!(ui.out, "{CONTAINER} runs {}", d.image)?;
            Ok(())
        }
        ProxyCommand::Logs { follow, tail, timestamps } => {
            let args =
                LogsArgs { follow: *follow, tail: tail.clone(), timestamps: *timestamps, container: CONTAINER.into() };
            super::containers::logs(engine, ui, &args).await
        }
    }
}

async fn ls(engine: &dyn Engine, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let routes = Proxy::new(engine).status().await?;
    let rows: Vec<Row> = routes
        .unwrap_or_default()
        .into_iter()
        .map(|r| Row {
            in_flight: r.replicas.iter().map(|b| b.active).sum(),
            served: r.replicas.iter().map(|b| b.served).sum(),
            host: r.route.listen,
            app: r.route.app,
            service: r.route.service,
            replicas: r.route.backends,
            mode: r.route.mode.as_str(),
            listening: r.listening,
            error: r.error,
        })
        .collect();
    if ui.json() {
        return ui.print_json(&rows);
    }
    if rows.is_empty() {
        writeln!(ui.out, "No managed ports.")?;
        return Ok(());
    }
    let table = rows
        .iter()
        .map(|r| {
            vec![
                Cell::new(&r.host),
                Cell::new(&r.app),
                Cell::new(&r.service),
                Cell::new(if r.replicas.is_empty() { "-".to_string() } else { r.replicas.join(" ") }),
                Cell::new(r.mode),
                Cell::new(match &r.error {
                    _ if r.listening => "listening".to_string(),
                    Some(e) => e.clone(),
                    None => "starting".to_string(),
                }),
                Cell::new(r.in_flight),
                Cell::new(r.served),
            ]
        })
        .collect();
    ui.print_table(&["HOST", "APP", "SERVICE", "REPLICAS", "MODE", "STATE", "IN FLIGHT", "SERVED"], table)
}

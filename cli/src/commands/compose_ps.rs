//! `compose ps`: the table as docker compose prints it (COMMAND quoted and cut to 20
//! characters, health in STATUS), and `--format json` in the shape of `docker compose ps
//! --format json` of compose 2.26: one object a line, with compose's keys.

use comfy_table::Cell;
use serde::Serialize;
use tuxpilot_compose::runtime::{ComposeRuntime, labels};
use tuxpilot_docker::ContainerSummary;

use crate::output::{Ui, ago, short_id};

/// A published or exposed port, as compose's `Publishers`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Publisher {
    #[serde(rename = "URL")]
    url: String,
    target_port: u16,
    published_port: u16,
    protocol: String,
}

/// One container, as `docker compose ps --format json` (2.26) writes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsJson {
    command: String,
    created_at: String,
    exit_code: i64,
    health: String,
    #[serde(rename = "ID")]
    id: String,
    image: String,
    labels: String,
    local_volumes: String,
    mounts: String,
    name: String,
    names: String,
    networks: String,
    ports: String,
    project: String,
    publishers: Vec<Publisher>,
    running_for: String,
    service: String,
    size: String,
    state: String,
    status: String,
}

/// `"sh -c 'trap \"exit 0…"`: cut to 20 characters with `…`, then quoted, as docker does.
pub fn command_cell(command: &str) -> String {
    let cut: String = if command.chars().count() > 20 {
        command.chars().take(19).chain(std::iter::once('…')).collect()
    } else {
        command.to_string()
    };
    serde_json::to_string(&cut).unwrap_or(cut)
}

/// `healthy`, `unhealthy`, `starting` or empty, from a status text.
pub fn health(status: &str) -> &'static str {
    if status.contains("(healthy)") {
        "healthy"
    } else if status.contains("(unhealthy)") {
        "unhealthy"
    } else if status.contains("health: starting") {
        "starting"
    } else {
        ""
    }
}

/// The exit code in `Exited (137) 5 seconds ago`; 0 otherwise.
pub fn exit_code(status: &str) -> i64 {
    status.strip_prefix("Exited (").and_then(|r| r.split_once(')')).and_then(|(n, _)| n.parse().ok()).unwrap_or(0)
}

fn json_of(c: &ContainerSummary) -> PsJson {
    let mut labels: Vec<String> = c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    labels.sort();
    let volumes: Vec<&str> = c.mounts.iter().filter(|m| m.kind == "volume").filter_map(|m| m.name.as_deref()).collect();
    PsJson {
        command: command_cell(&c.command),
        created_at: c.created.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string(),
        exit_code: exit_code(&c.status),
        health: health(&c.status).into(),
        id: short_id(&c.id).into(),
        image: c.image.clone(),
        labels: labels.join(","),
        local_volumes: volumes.len().to_string(),
        mounts: volumes.join(","),
        name: c.name.clone(),
        names: c.name.clone(),
        networks: c.networks.keys().cloned().collect::<Vec<_>>().join(","),
        ports: c.ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        project: c.labels.get(labels::PROJECT).cloned().unwrap_or_default(),
        publishers: c
            .ports
            .iter()
            .map(|p| Publisher {
                url: p.host_ip.clone().unwrap_or_default(),
                target_port: p.container_port,
                published_port: p.host_port.unwrap_or(0),
                protocol: p.protocol.to_string(),
            })
            .collect(),
        running_for: ago(c.created),
        service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
        size: "0B".into(),
        state: c.state.to_string(),
        status: c.status.clone(),
    }
}

/// `compose ps`.
pub async fn ps(runtime: &ComposeRuntime, args: &crate::args::ComposePsArgs, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let wanted = runtime.selection(&args.service, true)?;
    let mut list: Vec<ContainerSummary> = runtime
        .containers(args.all)
        .await?
        .into_iter()
        .filter(|c| c.labels.get(labels::ONEOFF).is_none_or(|v| v != "True"))
        .filter(|c| args.service.is_empty() || c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)))
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    if args.quiet {
        for c in &list {
            writeln!(ui.out, "{}", c.id)?;
        }
        return Ok(());
    }
    if args.services {
        let names: std::collections::BTreeSet<&String> =
            list.iter().filter_map(|c| c.labels.get(labels::SERVICE)).collect();
        for n in names {
            writeln!(ui.out, "{n}")?;
        }
        return Ok(());
    }
    if ui.json() {
        for c in &list {
            ui.print_json_line(&json_of(c))?;
        }
        return Ok(());
    }
    let rows = list
        .iter()
        .map(|c| {
            vec![
                Cell::new(&c.name),
                Cell::new(&c.image),
                Cell::new(command_cell(&c.command)),
                Cell::new(c.labels.get(labels::SERVICE).map(String::as_str).unwrap_or("")),
                Cell::new(ago(c.created)),
                Cell::new(&c.status),
                Cell::new(c.ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
            ]
        })
        .collect();
    ui.print_table(&["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_compose_prints_them() {
        assert_eq!(command_cell("sh -c 'trap \"exit 0\" TERM; sleep 600 & wait'"), r#""sh -c 'trap \"exit 0…""#);
        assert_eq!(command_cell("sleep 600"), r#""sleep 600""#);
        assert_eq!(health("Up 2 seconds (healthy)"), "healthy");
        assert_eq!(health("Up 1 second (health: starting)"), "starting");
        assert_eq!(exit_code("Exited (137) 5 seconds ago"), 137);
        assert_eq!(exit_code("Up 3 minutes"), 0);
    }
}

//! `tuxpilot engine …`

use comfy_table::Cell;
use serde::Serialize;
use tuxpilot_docker::{BollardEngine, Engine, EngineInfo, EngineVersion, Filters, NodeAvailability, NodeInfo, Swarm};

use crate::args::NodesCommand;
use crate::output::Ui;

/// `engine info --format json`.
#[derive(Debug, Serialize)]
struct InfoView {
    address: String,
    negotiated_api_version: String,
    version: EngineVersion,
    info: EngineInfo,
}

/// `engine info`.
pub async fn info(engine: &BollardEngine, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let (version, info) = tokio::try_join!(engine.version(), engine.info())?;
    let view = InfoView {
        address: engine.address().to_string(),
        negotiated_api_version: engine.api_version().to_string(),
        version,
        info,
    };
    if ui.json() {
        return ui.print_json(&view);
    }
    let i = &view.info;
    let v = &view.version;
    let rows: Vec<(&str, String)> = vec![
        ("Address", view.address.clone()),
        ("Server version", v.version.clone()),
        (
            "API version",
            format!("{} (min {}, using {})", v.api_version, v.min_api_version, view.negotiated_api_version),
        ),
        ("OS / arch", format!("{} / {}", i.operating_system, i.architecture)),
        ("Kernel", i.kernel_version.clone()),
        ("CPUs", i.ncpu.to_string()),
        ("Memory", tuxpilot_docker::units::format_bytes(u64::try_from(i.mem_total).unwrap_or(0))),
        (
            "Containers",
            format!(
                "{} ({} running, {} paused, {} stopped)",
                i.containers, i.containers_running, i.containers_paused, i.containers_stopped
            ),
        ),
        ("Images", i.images.to_string()),
        ("Storage driver", i.storage_driver.clone()),
        ("Data root", i.docker_root_dir.clone()),
        ("Cgroup", format!("v{} ({})", i.cgroup_version, i.cgroup_driver)),
        ("Swarm", i.swarm_state.clone()),
        ("Security options", i.security_options.join(", ")),
    ];
    let rows = rows.into_iter().map(|(k, v)| vec![Cell::new(k), Cell::new(v)]).collect();
    ui.print_table(&["FIELD", "VALUE"], rows)?;
    for w in &view.info.warnings {
        writeln!(ui.err, "engine warning: {w}")?;
    }
    Ok(())
}

/// A node with the tasks running on it (`engine nodes --format json`).
#[derive(Debug, Serialize)]
struct NodeView {
    #[serde(flatten)]
    node: NodeInfo,
    running_tasks: usize,
}

/// `engine nodes [ls|drain NODE|activate NODE]`.
pub async fn nodes(engine: &BollardEngine, command: Option<&NodesCommand>, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let info = engine.info().await?;
    if info.swarm_state != "active" {
        anyhow::bail!(crate::error::UsageError(format!(
            "the engine at {} is not in a swarm (state: {}); `docker swarm init` makes it a manager, or point --host at one (scripts/dev-swarm.sh up makes a test swarm)",
            engine.address(),
            if info.swarm_state.is_empty() { "inactive" } else { info.swarm_state.as_str() }
        )));
    }
    let (node, availability) = match command {
        None | Some(NodesCommand::Ls) => return list_nodes(engine, ui).await,
        Some(NodesCommand::Drain { node }) => (node, NodeAvailability::Drain),
        Some(NodesCommand::Activate { node }) => (node, NodeAvailability::Active),
    };
    let n = engine.inspect_node(node).await?;
    engine.set_node_availability(&n.id, availability).await?;
    let after = engine.inspect_node(&n.id).await?;
    if ui.json() {
        return ui.print_json(&after);
    }
    writeln!(
        ui.out,
        "{} ({}): {}{}",
        after.hostname,
        &after.id[..after.id.len().min(12)],
        format!("{:?}", after.availability).to_lowercase(),
        if availability == NodeAvailability::Drain { "; its tasks move to the other nodes" } else { "" }
    )?;
    Ok(())
}

async fn list_nodes(engine: &BollardEngine, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let mut nodes = engine.list_nodes().await?;
    nodes.sort_by(|a, b| a.hostname.cmp(&b.hostname).then(a.id.cmp(&b.id)));
    let tasks = engine.list_tasks(Filters::new().with("desired-state", "running")).await?;
    let views: Vec<NodeView> = nodes
        .into_iter()
        .map(|n| {
            let running_tasks = tasks.iter().filter(|t| t.node_id == n.id && t.state == "running").count();
            NodeView { node: n, running_tasks }
        })
        .collect();
    if ui.json() {
        return ui.print_json(&views);
    }
    let rows = views
        .iter()
        .map(|v| {
            let n = &v.node;
            vec![
                Cell::new(&n.id[..n.id.len().min(12)]),
                Cell::new(&n.hostname),
                ui.state_cell(&n.state),
                Cell::new(format!("{:?}", n.availability).to_lowercase()),
                Cell::new(match (n.role, n.leader) {
                    (_, true) => "leader",
                    (tuxpilot_docker::NodeRole::Manager, false) => "manager",
                    _ => "worker",
                }),
                Cell::new(&n.addr),
                Cell::new(v.running_tasks),
                Cell::new(&n.engine_version),
            ]
        })
        .collect();
    ui.print_table(&["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "ROLE", "ADDRESS", "TASKS", "ENGINE"], rows)
}

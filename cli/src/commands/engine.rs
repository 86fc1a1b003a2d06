//! `tuxpilot engine …`

use comfy_table::Cell;
use serde::Serialize;
use tuxpilot_docker::{BollardEngine, Engine, EngineInfo, EngineVersion};

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

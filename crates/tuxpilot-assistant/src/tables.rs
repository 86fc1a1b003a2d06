//! Replies as plain-text tables and lines: containers inspected, an app's history, the
//! deployed apps. Pure.

use tuxpilot_docker::ContainerDetails;
use tuxpilot_orchestrator::{DeploymentRecord, DeploymentSummary};

use crate::diagnose::human_bytes;

/// Columns padded to their widest cell, two spaces apart.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = vec![line(header.iter().map(|h| h.to_string()).collect())];
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}

/// One container in a line: name, id, image, state, health, restarts, memory limit, ports.
pub(crate) fn inspect_line(d: &ContainerDetails) -> String {
    format!(
        "{} ({}), image {}: {}{}; restarts {}; memory limit {}; ports {}",
        d.name.trim_start_matches('/'),
        &d.id[..d.id.len().min(12)],
        d.image,
        format!("{:?}", d.state.status).to_lowercase(),
        d.state.health.as_ref().map(|h| format!(" ({})", format!("{h:?}").to_lowercase())).unwrap_or_default(),
        d.restart_count,
        if d.host_config.memory > 0 { human_bytes(d.host_config.memory) } else { "none".into() },
        if d.exposed_ports.is_empty() {
            "none".to_string()
        } else {
            d.exposed_ports.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", ")
        }
    )
}

/// An app's deployments as `tuxpilot containers history` prints them.
pub(crate) fn history_table(app: &str, records: &[DeploymentRecord]) -> String {
    if records.is_empty() {
        return format!("{app} has no recorded deployment.");
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.seq.to_string(),
                r.version.clone(),
                r.kind.clone(),
                r.outcome.as_str().to_string(),
                r.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                r.finished_at
                    .map(|f| format!("{:.1}s", (f - r.started_at).num_milliseconds() as f64 / 1000.0))
                    .unwrap_or_else(|| "-".into()),
                r.message.clone().unwrap_or_default(),
            ]
        })
        .collect();
    format!(
        "{app}: {} recorded deployment(s)\n{}",
        records.len(),
        table(&["#", "VERSION", "KIND", "OUTCOME", "STARTED", "TOOK", "MESSAGE"], &rows)
    )
}

/// The deployed apps as `tuxpilot containers deployments` prints them.
pub(crate) fn deployments_table(apps: &[DeploymentSummary]) -> String {
    if apps.is_empty() {
        return "No app is deployed.".to_string();
    }
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|d| {
            let services: Vec<String> =
                d.services.iter().map(|s| format!("{} {}/{}", s.service, s.running, s.desired)).collect();
            vec![d.name.clone(), d.version.clone(), d.status.clone(), services.join(", "), d.updated_at.clone()]
        })
        .collect();
    table(&["APP", "VERSION", "STATUS", "SERVICES (RUNNING/DESIRED)", "UPDATED"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_line_up() {
        let t = table(&["A", "BB"], &[vec!["long".into(), "x".into()], vec!["y".into(), "z".into()]]);
        assert_eq!(t, "A     BB\nlong  x\ny     z");
    }
}

//! `tuxpilot containers …`

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use chrono::{DateTime, Utc};
use comfy_table::Cell;
use futures_util::StreamExt;
use serde::Serialize;
use tuxpilot_docker::{
    ContainerDetails, ContainerSummary, Engine, ListContainersOptions, LogOptions, LogStream, MountInfo,
    NetworkEndpoint, PortMapping, RemoveOptions,
};

use crate::args::{ListArgs, LogsArgs, RmArgs, StopArgs};
use crate::output::{Ui, ago, short_id};

/// A port in JSON output.
#[derive(Debug, Serialize)]
pub struct PortView {
    host_ip: Option<String>,
    host_port: Option<u16>,
    container_port: u16,
    protocol: String,
}

impl From<&PortMapping> for PortView {
    fn from(p: &PortMapping) -> Self {
        Self {
            host_ip: p.host_ip.clone(),
            host_port: p.host_port,
            container_port: p.container_port,
            protocol: p.protocol.to_string(),
        }
    }
}

/// A container in `list --format json`: the stable schema.
#[derive(Debug, Serialize)]
pub struct ContainerView {
    id: String,
    name: String,
    image: String,
    state: String,
    status: String,
    ports: Vec<PortView>,
    labels: BTreeMap<String, String>,
    created: DateTime<Utc>,
    command: String,
    networks: Vec<String>,
}

impl From<&ContainerSummary> for ContainerView {
    fn from(c: &ContainerSummary) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            image: c.image.clone(),
            state: c.state.to_string(),
            status: c.status.clone(),
            ports: c.ports.iter().map(PortView::from).collect(),
            labels: c.labels.clone(),
            created: c.created,
            command: c.command.clone(),
            networks: c.networks.keys().cloned().collect(),
        }
    }
}

/// `containers list`.
pub async fn list(engine: &dyn Engine, ui: &mut Ui<'_>, args: &ListArgs) -> anyhow::Result<()> {
    let filters = super::spec::filters(&args.filter)?;
    let mut containers = engine.list_containers(ListContainersOptions { all: args.all, filters }).await?;
    containers.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.name.cmp(&b.name)));
    if args.quiet {
        for c in &containers {
            if ui.json() {
                ui.print_json_line(&c.id)?;
            } else {
                writeln!(ui.out, "{}", short_id(&c.id))?;
            }
        }
        return Ok(());
    }
    if ui.json() {
        let views: Vec<ContainerView> = containers.iter().map(ContainerView::from).collect();
        return ui.print_json(&views);
    }
    let rows = containers
        .iter()
        .map(|c| {
            vec![
                Cell::new(short_id(&c.id)),
                Cell::new(&c.name),
                Cell::new(&c.image),
                ui.state_cell(c.state.as_str()),
                Cell::new(&c.status),
                Cell::new(c.ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
                Cell::new(ago(c.created)),
            ]
        })
        .collect();
    ui.print_table(&["CONTAINER ID", "NAME", "IMAGE", "STATE", "STATUS", "PORTS", "CREATED"], rows)
}

/// A container in `inspect --format json`.
#[derive(Debug, Serialize)]
pub struct InspectView {
    id: String,
    name: String,
    image: String,
    image_id: String,
    state: String,
    status: String,
    created: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    exit_code: i64,
    health: Option<String>,
    restart_count: i64,
    restart_policy: String,
    ports: Vec<PortView>,
    labels: BTreeMap<String, String>,
    command: Vec<String>,
    entrypoint: Vec<String>,
    env: Vec<String>,
    user: String,
    working_dir: String,
    mounts: Vec<MountInfo>,
    networks: BTreeMap<String, NetworkEndpoint>,
    resources: ResourcesView,
}

/// Resource limits in inspect JSON (0 = none).
#[derive(Debug, Serialize)]
pub struct ResourcesView {
    memory_bytes: i64,
    nano_cpus: i64,
    cpus: f64,
    cpu_shares: i64,
    pids_limit: Option<i64>,
}

fn status_text(d: &ContainerDetails) -> String {
    let base = match d.state.status {
        tuxpilot_docker::ContainerState::Exited => format!("exited ({})", d.state.exit_code),
        s => s.to_string(),
    };
    match d.state.health {
        Some(h) => format!(
            "{base} ({})",
            serde_json::to_value(h).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
        ),
        None => base,
    }
}

impl From<&ContainerDetails> for InspectView {
    fn from(d: &ContainerDetails) -> Self {
        Self {
            id: d.id.clone(),
            name: d.name.clone(),
            image: d.image.clone(),
            image_id: d.image_id.clone(),
            state: d.state.status.to_string(),
            status: status_text(d),
            created: d.created,
            started_at: d.state.started_at,
            finished_at: d.state.finished_at,
            exit_code: d.state.exit_code,
            health: d
                .state
                .health
                .and_then(|h| serde_json::to_value(h).ok())
                .and_then(|v| v.as_str().map(String::from)),
            restart_count: d.restart_count,
            restart_policy: d.host_config.restart_policy.to_string(),
            ports: d.ports.iter().map(PortView::from).collect(),
            labels: d.labels.clone(),
            command: d.command.clone(),
            entrypoint: d.entrypoint.clone(),
            env: d.env.clone(),
            user: d.user.clone(),
            working_dir: d.working_dir.clone(),
            mounts: d.mounts.clone(),
            networks: d.networks.clone(),
            resources: ResourcesView {
                memory_bytes: d.host_config.memory,
                nano_cpus: d.host_config.nano_cpus,
                cpus: d.host_config.nano_cpus as f64 / 1e9,
                cpu_shares: d.host_config.cpu_shares,
                pids_limit: d.host_config.pids_limit.filter(|p| *p > 0),
            },
        }
    }
}

/// `containers inspect`.
pub async fn inspect(engine: &dyn Engine, ui: &mut Ui<'_>, names: &[String]) -> anyhow::Result<()> {
    let mut views = Vec::new();
    for n in names {
        views.push(InspectView::from(&engine.inspect_container(n).await?));
    }
    if ui.json() {
        return ui.print_json(&views);
    }
    for (i, v) in views.iter().enumerate() {
        if i > 0 {
            writeln!(ui.out)?;
        }
        let mut rows = vec![
            ("ID", v.id.clone()),
            ("Name", v.name.clone()),
            ("Image", format!("{} ({})", v.image, short_id(&v.image_id))),
            ("Status", v.status.clone()),
            ("Created", v.created.map(|t| t.to_rfc3339()).unwrap_or_default()),
            ("Started", v.started_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
            ("Command", [v.entrypoint.clone(), v.command.clone()].concat().join(" ")),
            ("Restart", format!("{} (restarted {} times)", v.restart_policy, v.restart_count)),
            (
                "Memory limit",
                if v.resources.memory_bytes > 0 {
                    tuxpilot_docker::units::format_bytes(v.resources.memory_bytes as u64)
                } else {
                    "none".into()
                },
            ),
            ("CPUs", if v.resources.nano_cpus > 0 { v.resources.cpus.to_string() } else { "no limit".into() }),
            ("Ports", v.ports.iter().map(port_text).collect::<Vec<_>>().join(", ")),
            (
                "Networks",
                v.networks
                    .iter()
                    .map(|(n, e)| format!("{n} {}", e.ip_address.clone().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "Mounts",
                v.mounts
                    .iter()
                    .map(|m| format!("{}:{}{}", m.source, m.destination, if m.rw { "" } else { ":ro" }))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ];
        for (k, val) in &v.labels {
            rows.push(("Label", format!("{k}={val}")));
        }
        let table_rows = rows.into_iter().map(|(k, v)| vec![Cell::new(k), Cell::new(v)]).collect();
        ui.print_table(&["FIELD", "VALUE"], table_rows)?;
    }
    Ok(())
}

fn port_text(p: &PortView) -> String {
    PortMapping {
        host_ip: p.host_ip.clone(),
        host_port: p.host_port,
        container_port: p.container_port,
        protocol: p.protocol.parse().unwrap_or_default(),
    }
    .to_string()
}

/// What `run --format json` prints.
#[derive(Debug, Serialize)]
struct ActionView {
    container: String,
    action: &'static str,
    ok: bool,
    error: Option<String>,
}

/// Runs one action on several containers, like `docker stop a b c`: every one is tried, each
/// failure reported, and the command fails if any did.
async fn each<F, Fut>(ui: &mut Ui<'_>, names: &[String], action: &'static str, f: F) -> anyhow::Result<()>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), tuxpilot_docker::EngineError>>,
{
    let mut results = Vec::new();
    let mut first_err = None;
    for n in names {
        match f(n.clone()).await {
            Ok(()) => results.push(ActionView { container: n.clone(), action, ok: true, error: None }),
            Err(e) => {
                results.push(ActionView { container: n.clone(), action, ok: false, error: Some(e.to_string()) });
                if first_err.is_none() {
                    first_err = Some(e);
                } else if !ui.json() {
                    writeln!(ui.err, "error: {e}")?;
                }
            }
        }
    }
    if ui.json() {
        ui.print_json(&results)?;
    } else {
        for r in results.iter().filter(|r| r.ok) {
            writeln!(ui.out, "{}", r.container)?;
        }
    }
    match first_err {
        None => Ok(()),
        Some(e) if names.len() == 1 => Err(e.into()),
        Some(e) => {
            let failed = results.iter().filter(|r| !r.ok).count();
            Err(anyhow::Error::from(e).context(format!("{failed} of {} containers could not {action}", names.len())))
        }
    }
}

/// `containers start`.
pub async fn start(engine: &dyn Engine, ui: &mut Ui<'_>, names: &[String]) -> anyhow::Result<()> {
    each(ui, names, "start", |n| async move { engine.start_container(&n).await }).await
}

/// `containers stop`.
pub async fn stop(engine: &dyn Engine, ui: &mut Ui<'_>, args: &StopArgs) -> anyhow::Result<()> {
    let t = args.time.map(Duration::from_secs);
    each(ui, &args.containers, "stop", |n| async move { engine.stop_container(&n, t).await }).await
}

/// `containers restart`.
pub async fn restart(engine: &dyn Engine, ui: &mut Ui<'_>, args: &StopArgs) -> anyhow::Result<()> {
    let t = args.time.map(Duration::from_secs);
    each(ui, &args.containers, "restart", |n| async move { engine.restart_container(&n, t).await }).await
}

/// `containers rm`.
pub async fn rm(engine: &dyn Engine, ui: &mut Ui<'_>, args: &RmArgs) -> anyhow::Result<()> {
    let opts = RemoveOptions { force: args.force, volumes: args.volumes };
    each(ui, &args.containers, "be removed", |n| async move { engine.remove_container(&n, opts).await }).await
}

/// `containers logs`: stdout chunks to stdout, stderr chunks to stderr (JSON: one object a line).
pub async fn logs(engine: &dyn Engine, ui: &mut Ui<'_>, args: &LogsArgs) -> anyhow::Result<()> {
    let tail = match args.tail.as_deref() {
        None | Some("all") => None,
        Some(n) => match n.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                bail!(crate::error::UsageError(format!("invalid --tail `{n}`: expected a number of lines or `all`")))
            }
        },
    };
    // Fail fast with NotFound rather than an empty stream.
    engine.inspect_container(&args.container).await?;
    let opts = LogOptions { follow: args.follow, tail, timestamps: args.timestamps, ..Default::default() };
    let mut stream = engine.logs(&args.container, opts);
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let chunk = tokio::select! {
            c = stream.next() => c,
            _ = &mut ctrl_c => None,
        };
        let Some(chunk) = chunk else { break };
        let chunk = chunk?;
        if ui.json() {
            ui.print_json_line(&chunk)?;
            continue;
        }
        let text = match chunk.timestamp {
            Some(t) => format!("{} {}", t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true), chunk.message),
            None => chunk.message,
        };
        match chunk.stream {
            LogStream::Stderr => ui.err.write_all(text.as_bytes())?,
            _ => ui.out.write_all(text.as_bytes())?,
        }
        ui.out.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Format;
    use tuxpilot_docker::{EngineError, MockEngine, ResourceKind};

    fn ui<'a>(out: &'a mut Vec<u8>, err: &'a mut Vec<u8>, format: Format) -> Ui<'a> {
        Ui { format, color: false, out, err }
    }

    #[tokio::test]
    async fn stop_tries_every_container_and_reports_each_failure() {
        let mut engine = MockEngine::new();
        engine.expect_stop_container().returning(|id, _| {
            if id == "missing" {
                Err(EngineError::NotFound {
                    kind: ResourceKind::Container,
                    name: id.into(),
                    message: "No such container".into(),
                })
            } else {
                Ok(())
            }
        });
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = StopArgs { time: Some(1), containers: vec!["a".into(), "missing".into(), "b".into()] };
        let e = stop(&engine, &mut ui(&mut out, &mut err, Format::Json), &args).await.unwrap_err();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[1]["ok"], false);
        assert_eq!(v[2]["ok"], true, "b was still stopped after missing failed");
        assert!(format!("{e:#}").contains("1 of 3"), "{e:#}");
    }

    #[tokio::test]
    async fn list_json_has_the_stable_field_names() {
        let mut engine = MockEngine::new();
        engine
            .expect_list_containers()
            .withf(|o| o.all && o.filters.0["label"] == vec!["app=web".to_string()])
            .returning(|_| {
                Ok(vec![ContainerSummary {
                    id: "0123456789abcdef".into(),
                    name: "web".into(),
                    image: "busybox".into(),
                    image_id: "sha256:1".into(),
                    command: "httpd".into(),
                    created: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                    state: tuxpilot_docker::ContainerState::Running,
                    status: "Up 2 minutes".into(),
                    ports: vec![],
                    labels: BTreeMap::from([("app".into(), "web".into())]),
                    mounts: vec![],
                    networks: BTreeMap::new(),
                }])
            });
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = ListArgs { all: true, filter: vec!["label=app=web".into()], quiet: false };
        list(&engine, &mut ui(&mut out, &mut err, Format::Json), &args).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        for key in ["id", "name", "image", "state", "status", "ports", "labels", "created"] {
            assert!(v[0].get(key).is_some(), "missing {key} in {v}");
        }
        assert_eq!(v[0]["state"], "running");
        assert_eq!(v[0]["created"], "2023-11-14T22:13:20Z");
    }

    #[tokio::test]
    async fn bad_filter_is_rejected_before_any_call() {
        let engine = MockEngine::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = ListArgs { all: false, filter: vec!["nonsense".into()], quiet: false };
        let e = list(&engine, &mut ui(&mut out, &mut err, Format::Table), &args).await.unwrap_err();
        assert!(e.to_string().contains("KEY=VALUE"));
    }
}

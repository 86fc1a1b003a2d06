//! `tuxpilot compose …`

use std::collections::BTreeSet;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use comfy_table::Cell;
use futures_util::StreamExt;
use tuxpilot_compose::runtime::{
    ComposeRuntime, DownOptions, PlanOptions, ProgressEvent, ProgressFn, ProjectMeta, UpOptions, labels,
};
use tuxpilot_compose::{ConfigFile, LoadOptions, LoadedProject};
use tuxpilot_docker::{BollardEngine, ConnectionConfig, Engine, Filters, ListContainersOptions, LogOptions, LogStream};

use crate::args::{ComposeArgs, ComposeCommand, ComposeConfigArgs, Format, ProgressMode};
use crate::output::{Ui, ago};

/// Runs a compose command.
pub async fn run(
    args: &ComposeArgs,
    format: Option<Format>,
    connection: &ConnectionConfig,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    if let ComposeCommand::Config(c) = &args.command {
        return config(args, c, format, ui);
    }
    let engine: Arc<dyn Engine> = Arc::new(BollardEngine::connect(connection).await?);
    if let ComposeCommand::Ls { all } = &args.command {
        return ls(engine.as_ref(), *all, ui).await;
    }
    let loaded = load(args, true, true)?;
    for w in &loaded.warnings {
        if !w.contains("variable is not set") || !matches!(args.command, ComposeCommand::Down(_)) {
            ui.err.write_all(format!("warning: {w}\n").as_bytes())?;
        }
    }
    let meta = ProjectMeta::new(&loaded.working_dir, &loaded.config_files);
    let runtime = ComposeRuntime::new(engine.clone(), loaded.project, meta, progress_printer(args.progress));
    match &args.command {
        ComposeCommand::Up(u) => {
            let options = UpOptions {
                services: u.services.clone(),
                no_deps: u.no_deps,
                plan: PlanOptions {
                    scale: parse_scales(&u.scale)?,
                    force_recreate: u.force_recreate,
                    no_recreate: u.no_recreate,
                    remove_orphans: u.remove_orphans,
                },
                wait: u.wait,
                wait_timeout: Duration::from_secs(u.wait_timeout),
                parallel: args.parallel,
                stop_timeout: u.timeout.map(Duration::from_secs),
            };
            let plan = runtime.up(&options).await?;
            if !plan.orphans_kept.is_empty() {
                ui.err.write_all(format!(
                    "warning: Found orphan containers ({}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n",
                    plan.orphans_kept.join(", ")
                ).as_bytes())?;
            }
            Ok(())
        }
        ComposeCommand::Scale { scales } => {
            let scale = parse_scales(scales)?;
            let options = UpOptions {
                services: scale.keys().cloned().collect(),
                no_deps: true,
                plan: PlanOptions { scale, no_recreate: true, ..Default::default() },
                parallel: args.parallel,
                ..Default::default()
            };
            runtime.up(&options).await?;
            Ok(())
        }
        ComposeCommand::Down(d) => Ok(runtime
            .down(&DownOptions {
                volumes: d.volumes,
                remove_orphans: d.remove_orphans,
                timeout: d.timeout.map(Duration::from_secs),
                parallel: args.parallel,
            })
            .await?),
        ComposeCommand::Ps(p) => ps(&runtime, p, ui).await,
        ComposeCommand::Logs(l) => logs(engine.as_ref(), &runtime, l, ui).await,
        ComposeCommand::Start { services } => Ok(runtime.start_services(services).await?),
        ComposeCommand::Stop { timeout, services } => {
            Ok(runtime.stop(services, timeout.map(Duration::from_secs)).await?)
        }
        ComposeCommand::Restart { timeout, services } => {
            runtime.stop(services, timeout.map(Duration::from_secs)).await?;
            Ok(runtime.start_services(services).await?)
        }
        ComposeCommand::Rm { force, stop, services } => {
            if *stop {
                runtime.stop(services, None).await?;
            }
            runtime.rm(services, *force || *stop).await?;
            Ok(())
        }
        ComposeCommand::Config(_) | ComposeCommand::Ls { .. } => Ok(()),
    }
}

fn parse_scales(pairs: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    pairs
        .iter()
        .map(|p| {
            let (s, n) = p.split_once('=').with_context(|| format!("invalid scale `{p}`: expected SERVICE=N"))?;
            let n: u32 = n.parse().with_context(|| format!("invalid scale `{p}`: `{n}` is not a whole number"))?;
            Ok((s.to_string(), n))
        })
        .collect()
}

fn progress_printer(mode: ProgressMode) -> ProgressFn {
    use std::io::IsTerminal;
    let color = mode == ProgressMode::Auto && std::io::stderr().is_terminal();
    Arc::new(move |e: ProgressEvent| {
        let line = match mode {
            ProgressMode::Quiet => return,
            ProgressMode::Json => serde_json::to_string(&e).unwrap_or_default(),
            _ => {
                let done = matches!(e.status, "Created" | "Started" | "Healthy" | "Stopped" | "Removed" | "Recreated");
                let mark = match (e.status, done) {
                    ("Error", _) => "✘",
                    (_, true) => "✔",
                    _ => " ",
                };
                let elapsed = e.elapsed_ms.map(|ms| format!(" {:.1}s", ms as f64 / 1000.0)).unwrap_or_default();
                let msg = e.message.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
                let text = format!(" {mark} {} {}  {}{elapsed}{msg}", e.kind, e.name, e.status);
                if color && done {
                    format!("\u{1b}[32m{text}\u{1b}[0m")
                } else if color && e.status == "Error" {
                    format!("\u{1b}[31m{text}\u{1b}[0m")
                } else {
                    text
                }
            }
        };
        eprintln!("{line}");
    })
}

#[derive(serde::Serialize)]
struct PsView {
    id: String,
    name: String,
    image: String,
    command: String,
    project: String,
    service: String,
    number: u32,
    state: String,
    status: String,
    created: chrono::DateTime<chrono::Utc>,
    ports: Vec<String>,
}

async fn ps(runtime: &ComposeRuntime, args: &crate::args::ComposePsArgs, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let wanted = runtime.selection(&args.service, true)?;
    let mut list: Vec<PsView> = runtime
        .containers(args.all)
        .await?
        .into_iter()
        .filter(|c| c.labels.get(labels::ONEOFF).is_none_or(|v| v != "True"))
        .filter(|c| args.service.is_empty() || c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)))
        .map(|c| PsView {
            project: c.labels.get(labels::PROJECT).cloned().unwrap_or_default(),
            service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
            number: c.labels.get(labels::NUMBER).and_then(|n| n.parse().ok()).unwrap_or(0),
            state: c.state.to_string(),
            ports: c.ports.iter().map(ToString::to_string).collect(),
            id: c.id,
            name: c.name,
            image: c.image,
            command: c.command,
            status: c.status,
            created: c.created,
        })
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    if args.quiet {
        for c in &list {
            ui.out.write_all(format!("{}\n", c.id).as_bytes())?;
        }
        return Ok(());
    }
    if args.services {
        let names: std::collections::BTreeSet<&String> = list.iter().map(|c| &c.service).collect();
        for n in names {
            ui.out.write_all(format!("{n}\n").as_bytes())?;
        }
        return Ok(());
    }
    if ui.json() {
        return ui.print_json(&list);
    }
    let rows = list
        .iter()
        .map(|c| {
            vec![
                Cell::new(&c.name),
                Cell::new(&c.image),
                Cell::new(&c.command),
                Cell::new(&c.service),
                Cell::new(ago(c.created)),
                Cell::new(&c.status),
                Cell::new(c.ports.join(", ")),
            ]
        })
        .collect();
    ui.print_table(&["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"], rows)
}

async fn logs(
    engine: &dyn Engine,
    runtime: &ComposeRuntime,
    args: &crate::args::ComposeLogsArgs,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    let wanted = runtime.selection(&args.services, true)?;
    let containers: Vec<_> = runtime
        .containers(true)
        .await?
        .into_iter()
        .filter(|c| c.labels.get(labels::SERVICE).is_some_and(|s| wanted.contains(s)))
        .collect();
    let width = containers.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let opts = LogOptions { follow: args.follow, tail: args.tail, timestamps: args.timestamps, ..Default::default() };
    let streams = containers.iter().map(|c| {
        let name = c.name.clone();
        engine.logs(&c.id, opts.clone()).map(move |r| (name.clone(), r)).boxed()
    });
    let mut merged = futures_util::stream::select_all(streams);
    while let Some((name, chunk)) = merged.next().await {
        let chunk = chunk?;
        if ui.json() {
            ui.print_json_line(&serde_json::json!({"container": name, "stream": chunk.stream, "timestamp": chunk.timestamp, "message": chunk.message}))?;
            continue;
        }
        let ts = chunk
            .timestamp
            .map(|t| format!("{} ", t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)))
            .unwrap_or_default();
        let line = format!("{name:<width$} | {ts}{}", chunk.message);
        let line = if line.ends_with('\n') { line } else { line + "\n" };
        match chunk.stream {
            LogStream::Stderr => ui.err.write_all(line.as_bytes())?,
            _ => ui.out.write_all(line.as_bytes())?,
        }
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct ProjectView {
    name: String,
    status: String,
    config_files: String,
}

async fn ls(engine: &dyn Engine, all: bool, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let containers = engine
        .list_containers(ListContainersOptions { all: true, filters: Filters::new().label(labels::PROJECT) })
        .await?;
    let mut projects: BTreeMap<String, (BTreeMap<String, usize>, String)> = BTreeMap::new();
    for c in containers {
        let Some(p) = c.labels.get(labels::PROJECT) else { continue };
        let entry = projects.entry(p.clone()).or_default();
        *entry.0.entry(c.state.to_string()).or_default() += 1;
        if let Some(f) = c.labels.get(labels::CONFIG_FILES) {
            entry.1 = f.clone();
        }
    }
    let views: Vec<ProjectView> = projects
        .into_iter()
        .filter(|(_, (states, _))| all || states.contains_key("running"))
        .map(|(name, (states, files))| ProjectView {
            name,
            status: states.iter().map(|(s, n)| format!("{s}({n})")).collect::<Vec<_>>().join(", "),
            config_files: files,
        })
        .collect();
    if ui.json() {
        return ui.print_json(&views);
    }
    let rows =
        views.iter().map(|v| vec![Cell::new(&v.name), Cell::new(&v.status), Cell::new(&v.config_files)]).collect();
    ui.print_table(&["NAME", "STATUS", "CONFIG FILES"], rows)
}

/// Loads the project the compose options describe.
pub fn load(args: &ComposeArgs, interpolate: bool, resolve_paths: bool) -> anyhow::Result<LoadedProject> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let mut options = LoadOptions::new(cwd);
    for f in &args.files {
        if f.as_os_str() == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("cannot read the compose file from standard input")?;
            options.files.push(ConfigFile { path: f.clone(), content: Some(text) });
        } else {
            options.files.push(ConfigFile::path(f));
        }
    }
    options.project_name = args.project_name.clone();
    options.project_directory = args.project_directory.clone();
    options.env_files = args.env_files.clone();
    options.profiles = args.profiles.clone();
    options.interpolate = interpolate;
    options.resolve_paths = resolve_paths;
    Ok(tuxpilot_compose::load(&options)?)
}

fn config(args: &ComposeArgs, c: &ComposeConfigArgs, format: Option<Format>, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let loaded = load(args, !c.no_interpolate, !c.no_path_resolution)?;
    for w in &loaded.warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    if c.quiet {
        return Ok(());
    }
    let project = &loaded.project;
    let lines: Option<Vec<String>> = if c.services {
        Some(project.services.keys().cloned().collect())
    } else if c.volumes {
        Some(project.volumes.keys().cloned().collect())
    } else if c.networks {
        Some(project.networks.keys().cloned().collect())
    } else if c.profiles {
        let all: BTreeSet<String> = project
            .services
            .values()
            .chain(project.disabled_services.values())
            .flat_map(|s| s.profiles.iter().cloned())
            .collect();
        Some(all.into_iter().collect())
    } else if c.images {
        Some(
            project
                .services
                .iter()
                .map(|(name, s)| s.image.clone().unwrap_or_else(|| format!("{}-{name}", project.name)))
                .collect(),
        )
    } else if let Some(which) = &c.hash {
        let wanted: Vec<&str> = if which == "*" {
            project.services.keys().map(String::as_str).collect()
        } else {
            which.split(',').collect()
        };
        let mut out = Vec::new();
        for name in wanted {
            let s = project.services.get(name).with_context(|| {
                format!(
                    "no such service: {name} (services: {})",
                    project.services.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?;
            out.push(format!("{name} {}", tuxpilot_compose::service_hash(s)));
        }
        Some(out)
    } else {
        None
    };
    let text = match lines {
        Some(lines) if format == Some(Format::Json) => serde_json::to_string_pretty(&lines)? + "\n",
        Some(lines) => lines.iter().map(|l| format!("{l}\n")).collect(),
        None if format == Some(Format::Json) && c.no_interpolate => tuxpilot_compose::to_json_raw(project)? + "\n",
        None if format == Some(Format::Json) => tuxpilot_compose::to_json(project)? + "\n",
        None if c.no_interpolate => tuxpilot_compose::to_yaml_raw(project)?,
        None => tuxpilot_compose::to_yaml(project)?,
    };
    match &c.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?,
        None => ui.out.write_all(text.as_bytes())?,
    }
    Ok(())
}

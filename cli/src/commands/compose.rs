//! `tuxpilot compose …`

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use comfy_table::Cell;
use futures_util::StreamExt;
use tuxpilot_compose::runtime::{ComposeRuntime, DownOptions, PlanOptions, ProjectMeta, PullPolicy, UpOptions, labels};
use tuxpilot_docker::{BollardEngine, ConnectionConfig, Engine, Filters, ListContainersOptions, LogOptions};

use super::compose_load::{config, from_labels, load, manages_existing};
use super::compose_progress::progress_printer;
use crate::args::{ComposeArgs, ComposeCommand};
use crate::output::Format;
use crate::output::Ui;

/// Prints what the security gate passed.
fn gate_notes(notes: Vec<String>, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    for n in notes {
        writeln!(ui.err, "{n}")?;
    }
    Ok(())
}

/// Runs a compose command.
pub async fn run(
    args: &ComposeArgs,
    format: Option<Format>,
    connection: &ConnectionConfig,
    security: &tuxpilot_security::SecurityConfig,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    if let ComposeCommand::Config(c) = &args.command {
        return config(args, c, format, ui);
    }
    if let ComposeCommand::Export(e) = &args.command {
        let loaded = load(args, !e.no_interpolate, true)?;
        for w in &loaded.warnings {
            writeln!(ui.err, "warning: {w}")?;
        }
        return super::export::export(&loaded.project, &loaded.working_dir, Some(&loaded.environment), &e.export, ui);
    }
    let engine: Arc<dyn Engine> = Arc::new(BollardEngine::connect(connection).await?);
    if let ComposeCommand::Ls { all } = &args.command {
        return ls(engine.as_ref(), *all, ui).await;
    }
    let loaded = match load(args, true, true) {
        Ok(l) => l,
        // `-p NAME` alone manages an existing project, as docker compose does: its files are
        // the ones its containers' labels name.
        Err(e) if args.files.is_empty() && args.project_name.is_some() && manages_existing(&args.command) => {
            let no_file = e
                .downcast_ref::<tuxpilot_compose::Error>()
                .is_some_and(|c| c.kind == tuxpilot_compose::ErrorKind::NoProject);
            if !no_file {
                return Err(e);
            }
            from_labels(engine.as_ref(), args).await?
        }
        Err(e) => return Err(e),
    };
    for w in &loaded.warnings {
        if !w.contains("variable is not set") || !matches!(args.command, ComposeCommand::Down(_)) {
            ui.err.write_all(format!("warning: {w}\n").as_bytes())?;
        }
    }
    let meta = ProjectMeta::new(&loaded.working_dir, &loaded.config_files);
    let runtime = ComposeRuntime::new(engine.clone(), loaded.project, meta, progress_printer(args.progress));
    if let Some(done) = super::compose_verbs::run(&args.command, &runtime, &engine, ui).await {
        return done;
    }
    // `create` is `up --no-start`.
    let create_as_up;
    let command = match &args.command {
        ComposeCommand::Create(c) => {
            create_as_up = ComposeCommand::Up(c.as_up());
            &create_as_up
        }
        other => other,
    };
    match command {
        ComposeCommand::Up(u) => {
            // `--watch`: the rules are checked before anything is created.
            let watch_rules = if u.watch { Some(super::compose_watch::rules_of(&runtime, &u.services)?) } else { None };
            let options = UpOptions {
                services: u.services.clone(),
                no_deps: u.no_deps,
                plan: PlanOptions {
                    scale: parse_scales(&u.scale)?,
                    force_recreate: u.force_recreate,
                    no_recreate: u.no_recreate,
                    remove_orphans: args.config.remove_orphans(u.remove_orphans),
                    images: BTreeMap::new(),
                },
                wait: u.wait,
                wait_timeout: Duration::from_secs(u.wait_timeout),
                parallel: args.parallel,
                stop_timeout: u.timeout.map(Duration::from_secs),
                pull: args.config.pull(u.pull.as_deref().map(|p| match p {
                    "always" => PullPolicy::Always,
                    "never" => PullPolicy::Never,
                    _ => PullPolicy::Missing,
                })),
                build: u.build,
                no_start: u.no_start,
                renew_anon_volumes: u.renew_anon_volumes,
            };
            // `[containers.security]`: images are scanned before any container is made.
            let notes = tuxpilot_orchestrator::gate::check_services(
                &runtime,
                &options.services,
                options.no_deps,
                options.pull,
                options.build,
                security,
            )
            .await?;
            gate_notes(notes, ui)?;
            let plan = tokio::select! {
                r = runtime.up(&options) => r?,
                _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted; run `tuxpilot compose up` again to converge"),
            };
            if !plan.orphans_kept.is_empty() {
                ui.err.write_all(format!(
                    "warning: Found orphan containers ({}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n",
                    plan.orphans_kept.join(", ")
                ).as_bytes())?;
            }
            if u.detach || u.no_start {
                return Ok(());
            }
            // Attached: show every container's output until Ctrl-C (or, with
            // --abort-on-container-exit, until one exits), then stop, as compose does.
            let follow = crate::args::ComposeLogsArgs {
                follow: true,
                tail: None,
                timestamps: false,
                no_log_prefix: false,
                since: None,
                until: None,
                services: if u.attach.is_empty() { u.services.clone() } else { u.attach.clone() },
            };
            let abort = u.abort_on_container_exit || u.exit_code_from.is_some();
            let mut exited: Option<(String, String, i64)> = None;
            let watching = async {
                match watch_rules {
                    // Watch events go to stderr: stdout carries the containers' output.
                    Some(rules) => {
                        let mut err = std::io::stderr();
                        super::compose_watch::follow(&runtime, rules, security, false, false, &mut err).await
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = watching => r?,
                r = logs(engine.as_ref(), &runtime, &follow, ui) => {
                    r?;
                    // The attached output ended because its containers exited.
                    if abort {
                        exited = Some(first_exit(engine.clone(), &runtime, &u.services).await?);
                    }
                }
                first = first_exit(engine.clone(), &runtime, &u.services), if abort => exited = Some(first?),
                _ = tokio::signal::ctrl_c() => {}
            }
            if let Some((_, name, code)) = &exited {
                ui.err
                    .write_all(format!("{name} exited with code {code}\nAborting on container exit...\n").as_bytes())?;
            }
            if exited.is_none() {
                ui.err.write_all(b"Gracefully stopping... (press Ctrl+C again to force)\n")?;
            }
            tokio::select! {
                r = runtime.stop(&u.services, u.timeout.map(Duration::from_secs)) => r?,
                _ = tokio::signal::ctrl_c() => anyhow::bail!("stop interrupted; containers may still be running"),
            }
            let code = match (&u.exit_code_from, &exited) {
                (Some(from), _) => exit_code_of(engine.as_ref(), &runtime, from).await?,
                (None, Some((_, _, code))) => *code,
                (None, None) => 0,
            };
            if code != 0 {
                ui.out.flush()?;
                std::process::exit(i32::try_from(code).unwrap_or(1));
            }
            Ok(())
        }
        ComposeCommand::Watch { no_up, quiet, prune: _, services } => {
            super::compose_watch::watch(&runtime, services, *no_up, *quiet, security, ui).await
        }
        ComposeCommand::Pull { services } => {
            runtime.pull(services).await?;
            if security.scan_on_pull {
                let selection = runtime.selection(services, true)?;
                let images: Vec<String> = selection.iter().map(|s| runtime.image_of(s)).collect();
                gate_notes(
                    tuxpilot_orchestrator::gate::check(engine.as_ref(), security, &images, true, false).await?,
                    ui,
                )?;
            }
            Ok(())
        }
        ComposeCommand::Run {
            rm,
            service_ports,
            no_tty,
            interactive: _,
            tty,
            detach,
            env,
            name,
            volume,
            entrypoint,
            user,
            workdir,
            no_deps,
            service,
            command,
        } => {
            let tty = *tty || (!*no_tty && super::attach::stdin_is_terminal());
            gate_notes(
                tuxpilot_orchestrator::gate::check_services(
                    &runtime,
                    std::slice::from_ref(service),
                    false,
                    None,
                    false,
                    security,
                )
                .await?,
                ui,
            )?;
            let environment = super::spec::env_flags(env, &|k| std::env::var(k).ok())?;
            let entrypoint = match entrypoint {
                Some(e) => Some(
                    shell_words::split(e)
                        .map_err(|err| crate::error::UsageError(format!("--entrypoint {e:?}: {err}")))?,
                ),
                None => None,
            };
            let mut mounts = Vec::new();
            for v in volume {
                mounts.push(super::spec::parse_volume(v)?);
            }
            let options = tuxpilot_compose::runtime::RunOptions {
                command: (!command.is_empty()).then(|| command.clone()),
                service_ports: *service_ports,
                interactive: !*detach,
                tty,
                environment,
                name: name.clone(),
                mounts,
                entrypoint,
                user: user.clone(),
                working_dir: workdir.clone(),
                no_deps: *no_deps,
            };
            if *detach {
                let name = runtime.run_detached(service, &options).await?;
                writeln!(ui.out, "{name}")?;
                return Ok(());
            }
            let (id, session) = runtime.run_attached(service, &options).await?;
            let pumped = super::attach::pump(session, tty, |rows, cols| {
                let engine = engine.clone();
                let id = id.clone();
                async move {
                    let _ = engine.resize_container(&id, rows, cols).await;
                }
            })
            .await;
            let code = runtime.finish_oneoff(&id, *rm).await?;
            pumped?;
            if code != 0 {
                std::process::exit(i32::try_from(code).unwrap_or(1));
            }
            Ok(())
        }
        ComposeCommand::Top { services } => {
            for (name, top) in runtime.top(services).await? {
                if ui.json() {
                    ui.print_json_line(
                        &serde_json::json!({"container": name, "titles": top.titles, "processes": top.processes}),
                    )?;
                    continue;
                }
                ui.out.write_all(format!("{name}\n").as_bytes())?;
                let rows = top.processes.iter().map(|p| p.iter().map(Cell::new).collect()).collect();
                let titles: Vec<&str> = top.titles.iter().map(String::as_str).collect();
                ui.print_table(&titles, rows)?;
                ui.out.write_all(b"\n")?;
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
            let notes =
                tuxpilot_orchestrator::gate::check_services(&runtime, &options.services, true, None, false, security)
                    .await?;
            gate_notes(notes, ui)?;
            runtime.up(&options).await?;
            Ok(())
        }
        ComposeCommand::Down(d) => {
            runtime
                .down(&DownOptions {
                    volumes: d.volumes,
                    remove_orphans: args.config.remove_orphans(d.remove_orphans),
                    timeout: d.timeout.map(Duration::from_secs),
                    parallel: args.parallel,
                })
                .await?;
            if let Some(rmi) = &d.rmi {
                runtime.remove_images(rmi == "local").await?;
            }
            Ok(())
        }
        ComposeCommand::Build { no_cache, services } => Ok(runtime.build(services, *no_cache).await?),
        ComposeCommand::Exec { index, user, workdir, env, no_tty, interactive: _, tty, detach, service, command } => {
            let tty = !*detach && (*tty || (!*no_tty && super::attach::stdin_is_terminal()));
            let spec = tuxpilot_docker::ExecSpec {
                command: command.clone(),
                env: env.clone(),
                user: user.clone(),
                working_dir: workdir.clone(),
                tty,
                privileged: false,
            };
            if *detach {
                runtime.exec_detached(service, *index, spec).await?;
                return Ok(());
            }
            let (exec_id, session) = runtime.exec_attached(service, *index, spec).await?;
            let code = super::attach::exec_to_end(&engine, &exec_id, session, tty, true).await?;
            if code != 0 {
                std::process::exit(i32::try_from(code).unwrap_or(1));
            }
            Ok(())
        }
        ComposeCommand::Ps(p) => super::compose_ps::ps(&runtime, p, ui).await,
        ComposeCommand::Logs(l) => logs(engine.as_ref(), &runtime, l, ui).await,
        ComposeCommand::Start { services } => Ok(runtime.start_services(services).await?),
        ComposeCommand::Stop { timeout, services } => {
            Ok(runtime.stop(services, timeout.map(Duration::from_secs)).await?)
        }
        ComposeCommand::Restart { timeout, services } => {
            let services = runtime.with_restart_dependents(services);
            runtime.stop(&services, timeout.map(Duration::from_secs)).await?;
            Ok(runtime.start_services(&services).await?)
        }
        ComposeCommand::Rm { force, stop, services } => {
            if *stop {
                runtime.stop(services, None).await?;
            }
            runtime.rm(services, *force || *stop).await?;
            Ok(())
        }
        // Done above: config, export, ls, create (as up) and compose_verbs' verbs.
        _ => Ok(()),
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
    let width = containers.iter().map(|c| c.name.len()).max().unwrap_or(0).max(12);
    let opts = LogOptions {
        follow: args.follow,
        tail: args.tail,
        timestamps: args.timestamps,
        since: args.since,
        until: args.until,
        ..Default::default()
    };
    type Item = (String, Result<tuxpilot_docker::LogChunk, tuxpilot_docker::EngineError>);
    let mut merged: futures_util::stream::SelectAll<futures_util::stream::BoxStream<'static, Item>> =
        futures_util::stream::SelectAll::new();
    let mut following: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for c in &containers {
        let name = c.name.clone();
        following.insert(c.id.clone());
        merged.push(engine.logs(&c.id, opts.clone()).map(move |r| (name.clone(), r)).boxed());
    }
    // With --follow, containers created or restarted meanwhile join the output.
    let mut events = if args.follow {
        let filters = Filters::new().with("type", "container").with("event", "start").label(format!(
            "{}={}",
            labels::PROJECT,
            runtime.project().name
        ));
        Some(engine.events(tuxpilot_docker::EventFilter { since: None, until: None, filters }))
    } else {
        None
    };
    loop {
        let next = match &mut events {
            Some(ev) => tokio::select! {
                item = merged.next(), if !merged.is_empty() => item,
                e = ev.next() => {
                    if let Some(Ok(e)) = e
                        && e.attributes.get(labels::SERVICE).is_some_and(|s| wanted.contains(s))
                    {
                        let name = e.attributes.get("name").cloned().unwrap_or_default();
                        // A restarted container resumes where its log is now.
                        let since = following.contains(&e.actor_id).then(chrono::Utc::now);
                        following.insert(e.actor_id.clone());
                        let o = LogOptions { since, tail: if since.is_some() { Some(0) } else { None }, ..opts.clone() };
                        merged.push(engine.logs(&e.actor_id, o).map(move |r| (name.clone(), r)).boxed());
                    }
                    continue;
                }
            },
            None => merged.next().await,
        };
        let Some((name, chunk)) = next else { break };
        let Ok(chunk) = chunk else { continue };
        if ui.json() {
            ui.print_json_line(&serde_json::json!({"container": name, "stream": chunk.stream, "timestamp": chunk.timestamp, "message": chunk.message}))?;
            continue;
        }
        let ts = chunk
            .timestamp
            .map(|t| format!("{} ", t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)))
            .unwrap_or_default();
        let prefix = if args.no_log_prefix {
            String::new()
        } else if ui.color {
            format!("{}{name:<width$} | \u{1b}[0m", color_for(&name))
        } else {
            format!("{name:<width$} | ")
        };
        let line = format!("{prefix}{ts}{}", chunk.message);
        let line = if line.ends_with('\n') { line } else { line + "\n" };
        // As docker compose: stdout and stderr interleave on stdout, in the order they came.
        ui.out.write_all(line.as_bytes())?;
        ui.out.flush()?;
    }
    Ok(())
}

/// A stable colour per container name, as compose colours log prefixes.
fn color_for(name: &str) -> &'static str {
    const COLORS: [&str; 6] = ["\u{1b}[36m", "\u{1b}[33m", "\u{1b}[32m", "\u{1b}[35m", "\u{1b}[34m", "\u{1b}[31m"];
    let h = name.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
    COLORS[h % COLORS.len()]
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

/// The first of the selected services' containers to exit: (service, container, exit code).
async fn first_exit(
    engine: Arc<dyn Engine>,
    runtime: &ComposeRuntime,
    services: &[String],
) -> anyhow::Result<(String, String, i64)> {
    let mut waits = tokio::task::JoinSet::new();
    for service in runtime.selection(services, false)? {
        for c in runtime.service_containers(&service).await? {
            let name = if c.name.is_empty() { c.id.clone() } else { c.name.clone() };
            let service = service.clone();
            let engine = engine.clone();
            waits.spawn(async move {
                let status = engine.wait_container(&c.id).await;
                (service, name, status)
            });
        }
    }
    match waits.join_next().await {
        Some(Ok((service, name, Ok(status)))) => Ok((service, name, status.code)),
        Some(Ok((_, name, Err(e)))) => anyhow::bail!("cannot wait for {name}: {e}"),
        Some(Err(e)) => anyhow::bail!("internal task failed: {e}"),
        None => anyhow::bail!("no container to wait for"),
    }
}

/// `--exit-code-from`: the exit code of SERVICE's (first) container.
async fn exit_code_of(engine: &dyn Engine, runtime: &ComposeRuntime, service: &str) -> anyhow::Result<i64> {
    let Some(c) = runtime.service_containers(service).await?.into_iter().next() else {
        anyhow::bail!("--exit-code-from {service}: the service has no container");
    };
    Ok(engine.inspect_container(&c.id).await?.state.exit_code)
}

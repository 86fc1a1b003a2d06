//! `tuxpilot`: the command-line front of TuxPilot. It parses arguments, reads the config file,
//! connects to the engine and renders what the library crates return. No business logic here.

mod args;
mod argv;
mod commands;
mod config;
mod error;
mod output;

use std::io::Write;
use std::process::ExitCode;

use std::sync::Arc;

use clap::Parser;
use tuxpilot_docker::{BollardEngine, ConnectionConfig, Engine};

use crate::args::{Cli, Command, ConfigCommand, ContainersCommand, EngineCommand};
use crate::output::Format;
use crate::output::Ui;

/// mimalloc: loading a large compose project is mostly small allocations and frees, which it
/// serves about a third faster than glibc's allocator (scripts/bench-compose-config.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse_from(argv::normalize(std::env::args_os().collect()));
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The reader went away (`| head`): nothing left to say to anyone.
            if error::is_closed_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            if let Some(error::ExitWith(code)) = err.downcast_ref::<error::ExitWith>() {
                return ExitCode::from(u8::try_from(*code).unwrap_or(1));
            }
            // `scan --exit-code N`: the report is printed; only the code is left to give.
            if let Some(failed) = err.downcast_ref::<commands::deploy::DeploymentFailed>() {
                let _ = writeln!(std::io::stderr(), "error: {failed}");
                return ExitCode::from(u8::try_from(failed.code).unwrap_or(1));
            }
            if let Some(nc) = err.downcast_ref::<commands::chat::NotConfirmed>() {
                let _ = writeln!(std::io::stderr(), "error: {nc}");
                return ExitCode::from(commands::chat::NOT_CONFIRMED as u8);
            }
            if let Some(remain) = err.downcast_ref::<commands::scan::FindingsRemain>() {
                let _ = writeln!(std::io::stderr(), "{remain}");
                return ExitCode::from(u8::try_from(remain.code).unwrap_or(1));
            }
            let report = error::report(&err);
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", report.message);
            if let Some(hint) = report.hint {
                let _ = writeln!(stderr, "hint: {hint}");
            }
            ExitCode::from(u8::try_from(report.code).unwrap_or(1))
        }
    }
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUXPILOT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Colour codes only on a terminal (and not under NO_COLOR): a log file gets plain lines.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = config::load(cli.config.as_deref())?;
    let format_flag = cli.format;
    let format = cli.format.or(config.format()).unwrap_or(Format::Table);
    // Unlocked handles: progress is reported from other threads, which must be able to write.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut ui =
        Ui { format, color: output::colors_enabled() && format == Format::Table, out: &mut out, err: &mut err };

    let is_scan = matches!(cli.command, Command::Containers(ContainersCommand::Scan(_)));
    if matches!(format, Format::Sarif | Format::Cyclonedx) && !is_scan {
        anyhow::bail!(error::UsageError(format!(
            "--format {} is for `containers scan`; use table, json or yaml here",
            if format == Format::Sarif { "sarif" } else { "cyclonedx" }
        )));
    }
    // `compose down -t 1` and the global `--timeout` share clap's id: there the value is the
    // stop timeout, not the time allowed for an engine request.
    let stop_timeout_given = match &cli.command {
        Command::Compose(a) => match &a.command {
            args::ComposeCommand::Up(u) => u.timeout.is_some(),
            args::ComposeCommand::Down(d) => d.timeout.is_some(),
            args::ComposeCommand::Stop { timeout, .. } | args::ComposeCommand::Restart { timeout, .. } => {
                timeout.is_some()
            }
            _ => false,
        },
        _ => false,
    };
    let request_timeout = if stop_timeout_given { None } else { cli.timeout };
    let connection = ConnectionConfig {
        host: cli.host.clone(),
        socket: config.containers.docker_socket.clone(),
        timeout: std::time::Duration::from_secs(request_timeout.unwrap_or(config.containers.timeout).max(1)),
        ..Default::default()
    }
    .with_env(|k| std::env::var(k).ok());

    match cli.command {
        Command::Version => commands::version::version(&connection, &mut ui).await,
        Command::Completion { shell } => commands::version::completion(shell, &mut ui),
        Command::Man { dir } => commands::version::man(dir.as_deref(), &mut ui),
        Command::Config(ConfigCommand::Path) => {
            let path = config::path(cli.config.as_deref());
            if ui.json() {
                ui.print_json(&serde_json::json!({ "path": path }))
            } else {
                writeln!(
                    ui.out,
                    "{}",
                    path.map(|p| p.display().to_string()).unwrap_or_else(|| "(no HOME: defaults only)".into())
                )?;
                Ok(())
            }
        }
        Command::Config(ConfigCommand::Show) => {
            if ui.json() {
                ui.print_json(&config)
            } else {
                write!(ui.out, "{}", toml::to_string_pretty(&config)?)?;
                Ok(())
            }
        }
        Command::Compose(mut args) => {
            let (security, warnings) = config.security()?;
            let (compose, compose_warnings) = config.compose()?;
            for w in warnings.into_iter().chain(compose_warnings) {
                writeln!(ui.err, "warning: {w}")?;
            }
            args.config = compose;
            commands::compose::run(&args, format_flag, &connection, &security, &mut ui).await
        }
        Command::Chat(a) => {
            let progress = commands::compose_progress::progress_printer(if ui.json() {
                args::ProgressMode::Quiet
            } else {
                args::ProgressMode::Plain
            });
            let settings = exec_settings(&config, cli.config.as_deref(), cli.host.as_deref(), progress, &mut ui)?;
            let (bollard, address): (Option<Arc<BollardEngine>>, String) =
                match BollardEngine::connect(&connection).await {
                    Ok(e) => {
                        let address = e.address().to_string();
                        (Some(Arc::new(e)), address)
                    }
                    Err(e) if a.dry_run => {
                        writeln!(ui.err, "note: {e}; names are not checked against the engine")?;
                        (None, String::new())
                    }
                    Err(e) => return Err(e.into()),
                };
            let executor = bollard.clone().map(|b| {
                let swarm: Arc<dyn tuxpilot_docker::Swarm> = b.clone();
                tuxpilot_assistant::Executor::new(b, settings).with_swarm(swarm)
            });
            let engine: Option<Arc<dyn Engine>> = bollard.map(|b| b as Arc<dyn Engine>);
            let mut session = commands::chat::Chat::new(executor, config.ai.clone(), &a, ui.json());
            if a.text.is_empty() {
                return repl(&mut session, engine, &address, &config, &mut ui).await;
            }
            let next = session.handle(&a.text.join(" "), &mut ui).await?;
            handoff(next, engine, &address, &config, &mut ui).await
        }
        Command::Mcp(a) => {
            use rmcp::ServiceExt;
            // Warnings go to stderr: stdout carries the protocol.
            let settings =
                exec_settings(&config, cli.config.as_deref(), cli.host.as_deref(), Arc::new(|_| {}), &mut ui)?;
            let bollard = Arc::new(BollardEngine::connect(&connection).await?);
            let swarm: Arc<dyn tuxpilot_docker::Swarm> = bollard.clone();
            let server = tuxpilot_assistant::mcp::McpServer::new(
                tuxpilot_assistant::Executor::new(bollard, settings).with_swarm(swarm),
                a.read_only,
            );
            tracing::info!(read_only = a.read_only, "tuxpilot mcp: serving on stdio");
            let running = server
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| anyhow::anyhow!("the MCP session did not start: {e}"))?;
            running.waiting().await.map_err(|e| anyhow::anyhow!("the MCP session failed: {e}"))?;
            Ok(())
        }
        Command::Engine(EngineCommand::Info) => {
            let engine = BollardEngine::connect(&connection).await?;
            commands::engine::info(&engine, &mut ui).await
        }
        Command::Engine(EngineCommand::Nodes { command }) => {
            let engine = BollardEngine::connect(&connection).await?;
            commands::engine::nodes(&engine, command.as_ref(), &mut ui).await
        }
        Command::Containers(ContainersCommand::Monitor(a)) => {
            let engine = BollardEngine::connect(&connection).await?;
            let address = engine.address().to_string();
            commands::monitor::monitor(std::sync::Arc::new(engine), &address, &mut ui, &a, &config).await
        }
        Command::Containers(ContainersCommand::Optimize(a)) => {
            let engine = BollardEngine::connect(&connection).await?;
            commands::monitor::optimize(std::sync::Arc::new(engine), &mut ui, &a).await
        }
        Command::Containers(ContainersCommand::Scan(a)) => {
            if let Some(db) = &a.db {
                return commands::scan::db_command(&mut ui, db, &config);
            }
            let engine = BollardEngine::connect(&connection).await?;
            let outcome = commands::scan::scan(&engine, &mut ui, &a, &config).await?;
            if outcome.exit_code != 0 {
                return Err(commands::scan::FindingsRemain { code: outcome.exit_code, count: outcome.findings }.into());
            }
            Ok(())
        }
        Command::Containers(ContainersCommand::Export(a)) => {
            let mut o = tuxpilot_orchestrator::LoadAppOptions::from_env();
            o.name = a.name.clone();
            let app = tuxpilot_orchestrator::load(&a.file, &o)?;
            for w in &app.warnings {
                writeln!(ui.err, "warning: {w}")?;
            }
            commands::export::export(&app.project, &app.working_dir, None, &a.export, &mut ui)
        }
        Command::Containers(
            cmd @ (ContainersCommand::Deploy(_)
            | ContainersCommand::Scale(_)
            | ContainersCommand::Rollback { .. }
            | ContainersCommand::History { .. }
            | ContainersCommand::Deployments { .. }
            | ContainersCommand::Undeploy { .. }
            | ContainersCommand::Unlock { .. }
            | ContainersCommand::Supervise(_)),
        ) => {
            if let ContainersCommand::Deploy(a) = &cmd {
                // A bad file is reported as such, engine or not.
                let mut o = tuxpilot_orchestrator::LoadAppOptions::from_env();
                o.name = a.name.clone();
                tuxpilot_orchestrator::load(&a.file, &o)?;
            }
            let engine = std::sync::Arc::new(BollardEngine::connect(&connection).await?);
            let what = match &cmd {
                ContainersCommand::Deploy(_) => Some("deploy"),
                ContainersCommand::Scale(_) => Some("scale"),
                ContainersCommand::Rollback { .. } => Some("rollback"),
                ContainersCommand::Undeploy { .. } => Some("undeploy"),
                _ => None,
            };
            let work = commands::deploy::run(engine.clone(), &cmd, &config, &mut ui);
            match what {
                Some(what) => commands::deploy::releasing_locks_on_signal(engine, what, work).await,
                None => work.await,
            }
        }
        Command::Containers(ContainersCommand::Updates(u)) => {
            let engine = std::sync::Arc::new(BollardEngine::connect(&connection).await?);
            commands::updates::run(engine, &u, &config, &mut ui).await
        }
        Command::Containers(cmd) => {
            let engine = BollardEngine::connect(&connection).await?;
            use commands::containers as c;
            match cmd {
                ContainersCommand::List(a) => c::list(&engine, &mut ui, &a).await,
                ContainersCommand::Inspect { containers } => c::inspect(&engine, &mut ui, &containers).await,
                ContainersCommand::Run(mut a) => {
                    // `[containers] default_network` and `auto_cleanup`.
                    if a.network.is_none() {
                        a.network = config.containers.default_network.clone();
                    }
                    a.rm |= config.containers.auto_cleanup;
                    let (security, warnings) = config.security()?;
                    for w in warnings {
                        writeln!(ui.err, "warning: {w}")?;
                    }
                    commands::run::run(&engine, &mut ui, &a, &security).await
                }
                ContainersCommand::Start { containers } => c::start(&engine, &mut ui, &containers).await,
                ContainersCommand::Stop(a) => c::stop(&engine, &mut ui, &a).await,
                ContainersCommand::Restart(a) => c::restart(&engine, &mut ui, &a).await,
                ContainersCommand::Rm(a) => c::rm(&engine, &mut ui, &a).await,
                ContainersCommand::Logs(a) => c::logs(&engine, &mut ui, &a).await,
                ContainersCommand::Prune(a) => commands::prune::prune(&engine, &mut ui, &a).await,
                ContainersCommand::Proxy(p) => commands::proxy::run(&engine, &mut ui, &p).await,
                ContainersCommand::Images { all, quiet } => {
                    commands::objects::images(&engine, &mut ui, all, quiet).await
                }
                ContainersCommand::Pull { image, quiet } => {
                    commands::objects::pull(&engine, &mut ui, &image, quiet).await
                }
                ContainersCommand::Top { container } => commands::objects::top(&engine, &mut ui, &container).await,
                ContainersCommand::Exec(a) => commands::exec::exec(Arc::new(engine), &mut ui, &a).await,
                ContainersCommand::Events(a) => commands::exec::events(&engine, &mut ui, &a).await,
                ContainersCommand::Volume(v) => commands::objects::volume(&engine, &mut ui, &v).await,
                ContainersCommand::Network(n) => commands::objects::network(&engine, &mut ui, &n).await,
                _ => unreachable!("handled above"),
            }
        }
    }
}

/// What the assistant's executor needs from the config file, its warnings on stderr.
fn exec_settings(
    config: &config::Config,
    flag: Option<&std::path::Path>,
    host: Option<&str>,
    progress: tuxpilot_compose::runtime::ProgressFn,
    ui: &mut Ui<'_>,
) -> anyhow::Result<tuxpilot_assistant::ExecSettings> {
    let (orchestration, w1) = config.orchestration()?;
    orchestration.validate().map_err(error::UsageError)?;
    let (security, w2) = config.security()?;
    let (compose, w3) = config.compose()?;
    let (monitoring, w4) = config.monitoring()?;
    for w in w1.into_iter().chain(w2).chain(w3).chain(w4) {
        writeln!(ui.err, "warning: {w}")?;
    }
    // What "set up monitoring" keeps running: this binary, on the same engine and config.
    let mut monitor_command = vec![std::env::current_exe()?.display().to_string()];
    if let Some(h) = host {
        monitor_command.extend(["-H".to_string(), h.to_string()]);
    }
    if let Some(c) = config::path(flag) {
        monitor_command.extend(["--config".to_string(), c.display().to_string()]);
    }
    monitor_command.extend(["containers", "monitor", "--alerts"].map(String::from));
    Ok(tuxpilot_assistant::ExecSettings {
        orchestration,
        security,
        compose,
        workdir: std::env::current_dir()?,
        config_file: config::path(flag),
        progress,
        monitor_command,
        render_command: Some(std::sync::Arc::new(commands::same_as::line)),
        thresholds_configured: monitoring.cpu_alert_threshold.is_some() || monitoring.memory_alert_threshold.is_some(),
        ..Default::default()
    })
}

/// The interactive `tuxpilot chat`: line editing, a history file, follow-ups, `help`, and
/// Ctrl-D or `exit` to leave.
async fn repl(
    session: &mut commands::chat::Chat,
    engine: Option<Arc<dyn Engine>>,
    address: &str,
    config: &config::Config,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    use rustyline::error::ReadlineError;
    let mut editor =
        rustyline::DefaultEditor::new().map_err(|e| anyhow::anyhow!("cannot open the line editor: {e}"))?;
    let history = commands::chat::history_file();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    writeln!(ui.err, "TuxPilot chat: ask in plain words (`help` for examples, Ctrl-D or `exit` to leave).")?;
    // Piped in (a script): the session's exit status says whether every request went through, as
    // a one-shot `chat` does; 7 when a change was refused for want of a confirmation.
    let piped = !std::io::IsTerminal::is_terminal(&std::io::stdin());
    let mut unconfirmed: Option<String> = None;
    let mut failed: Option<String> = None;
    loop {
        match editor.readline("tuxpilot> ") {
            Ok(line) => {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(line);
                if matches!(line, "exit" | "quit" | "bye" | ":q") {
                    break;
                }
                match session.handle(line, ui).await {
                    Ok(next) => {
                        if let Err(e) = handoff(next, engine.clone(), address, config, ui).await {
                            writeln!(ui.err, "error: {}", error::report(&e).message)?;
                        }
                    }
                    Err(e) => {
                        let r = error::report(&e);
                        writeln!(ui.err, "error: {}", r.message)?;
                        if let Some(h) = r.hint {
                            writeln!(ui.err, "hint: {h}")?;
                        }
                        if let Some(nc) = e.downcast_ref::<commands::chat::NotConfirmed>() {
                            unconfirmed = Some(nc.0.clone());
                        } else {
                            failed = Some(r.message);
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => anyhow::bail!("cannot read the line: {e}"),
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    if piped {
        if let Some(why) = unconfirmed {
            return Err(commands::chat::NotConfirmed(format!("this session left a change undone: {why}")).into());
        }
        if let Some(last) = failed {
            anyhow::bail!("a request of this session failed (the last: {last})");
        }
    }
    Ok(())
}

/// What `chat` hands over: the live monitor view, or following logs.
async fn handoff(
    next: commands::chat::Next,
    engine: Option<Arc<dyn Engine>>,
    address: &str,
    config: &config::Config,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    let (Some(next), Some(engine)) = (next, engine) else { return Ok(()) };
    match &next {
        tuxpilot_assistant::Handoff::LiveMonitor { target, sort: _ } => {
            let a = args::MonitorArgs::live((target != "all").then(|| format!("name={target}")));
            commands::monitor::monitor(engine, address, ui, &a, config).await
        }
        tuxpilot_assistant::Handoff::FollowLogs { target } => {
            commands::containers::logs(engine.as_ref(), ui, &args::LogsArgs::follow(target)).await
        }
    }
}

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

use clap::Parser;
use tuxpilot_docker::{BollardEngine, ConnectionConfig};

use crate::args::{Cli, Command, ConfigCommand, ContainersCommand, EngineCommand, Format};
use crate::output::Ui;

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
            if err
                .chain()
                .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
            {
                return ExitCode::SUCCESS;
            }
            // `scan --exit-code N`: the report is printed; only the code is left to give.
            if let Some(failed) = err.downcast_ref::<commands::deploy::DeploymentFailed>() {
                let _ = writeln!(std::io::stderr(), "error: {failed}");
                return ExitCode::from(u8::try_from(failed.code).unwrap_or(1));
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
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
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
    let connection = ConnectionConfig {
        host: cli.host.clone(),
        socket: config.containers.docker_socket.clone(),
        timeout: std::time::Duration::from_secs(cli.timeout.unwrap_or(config.containers.timeout).max(1)),
        ..Default::default()
    }
    .with_env(|k| std::env::var(k).ok());

    match cli.command {
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
        Command::Compose(args) => {
            let (security, warnings) = config.security()?;
            for w in warnings {
                writeln!(ui.err, "warning: {w}")?;
            }
            commands::compose::run(&args, format_flag, &connection, &security, &mut ui).await
        }
        Command::Engine(EngineCommand::Info) => {
            let engine = BollardEngine::connect(&connection).await?;
            commands::engine::info(&engine, &mut ui).await
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
            | ContainersCommand::Deployments
            | ContainersCommand::Undeploy { .. }
            | ContainersCommand::Supervise(_)),
        ) => {
            if let ContainersCommand::Deploy(a) = &cmd {
                // A bad file is reported as such, engine or not.
                let mut o = tuxpilot_orchestrator::LoadAppOptions::from_env();
                o.name = a.name.clone();
                tuxpilot_orchestrator::load(&a.file, &o)?;
            }
            let engine = BollardEngine::connect(&connection).await?;
            commands::deploy::run(std::sync::Arc::new(engine), &cmd, &config, &mut ui).await
        }
        Command::Containers(cmd) => {
            let engine = BollardEngine::connect(&connection).await?;
            use commands::containers as c;
            match cmd {
                ContainersCommand::List(a) => c::list(&engine, &mut ui, &a).await,
                ContainersCommand::Inspect { containers } => c::inspect(&engine, &mut ui, &containers).await,
                ContainersCommand::Run(a) => c::run(&engine, &mut ui, &a).await,
                ContainersCommand::Start { containers } => c::start(&engine, &mut ui, &containers).await,
                ContainersCommand::Stop(a) => c::stop(&engine, &mut ui, &a).await,
                ContainersCommand::Restart(a) => c::restart(&engine, &mut ui, &a).await,
                ContainersCommand::Rm(a) => c::rm(&engine, &mut ui, &a).await,
                ContainersCommand::Logs(a) => c::logs(&engine, &mut ui, &a).await,
                _ => unreachable!("handled above"),
            }
        }
    }
}

//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::output::Format;

pub use crate::commands::chat_args::*;
pub use crate::commands::compose_args::*;
pub use crate::commands::containers_args::*;
pub use crate::commands::deploy_args::*;
pub use crate::commands::export_args::*;
pub use crate::commands::monitor_args::*;
pub use crate::commands::scan_args::*;

/// TuxPilot: run, inspect and manage containers on a Docker Engine.
#[derive(Debug, Parser)]
#[command(name = "tuxpilot", version, about, propagate_version = true)]
pub struct Cli {
    /// Engine to talk to (`unix:///path.sock`, `tcp://host:port`); overrides DOCKER_HOST.
    #[arg(short = 'H', long, global = true, value_name = "URL", help_heading = "Global options")]
    pub host: Option<String>,

    /// Config file (default: $TUXPILOT_CONFIG or ~/.config/tuxpilot/config.toml).
    #[arg(long, global = true, value_name = "PATH", help_heading = "Global options")]
    pub config: Option<PathBuf>,

    /// Output format.
    #[arg(long, global = true, value_enum, help_heading = "Global options")]
    pub format: Option<Format>,

    /// Seconds to wait for the engine to answer a request.
    #[arg(long, global = true, value_name = "SECONDS", help_heading = "Global options")]
    pub timeout: Option<u64>,

    /// More log output on stderr (once: info, twice: debug, three times: trace).
    #[arg(long, global = true, action = clap::ArgAction::Count, help_heading = "Global options")]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage containers.
    #[command(subcommand)]
    Containers(ContainersCommand),
    /// The Docker Engine itself.
    #[command(subcommand)]
    Engine(EngineCommand),
    /// The configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Compose projects (compose.yaml), as `docker compose` reads them.
    Compose(Box<ComposeArgs>),
    /// Manage containers in plain language ("deploy nginx and redis", "why does db keep
    /// restarting?"); with no text, an interactive session.
    Chat(ChatArgs),
    /// An MCP server on stdio: TuxPilot's operations as tools for Claude Desktop, VS Code,
    /// Cursor and other MCP clients.
    Mcp(McpArgs),
    /// The client's and the engine's versions (`docker version`).
    Version,
    /// A shell completion script on stdout: `tuxpilot completion bash > /etc/bash_completion.d/tuxpilot`.
    Completion {
        /// bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Man pages: the top page on stdout, or with --dir one page per command
    /// (`tuxpilot-containers-run.1`…).
    Man {
        /// Write every page here.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `tuxpilot engine …`
#[derive(Debug, Subcommand)]
pub enum EngineCommand {
    /// Version, API version, resources and settings of the engine.
    Info,
    /// The swarm's nodes (the engine must be a swarm manager): list, drain, activate.
    Nodes {
        /// What to do (default: ls).
        #[command(subcommand)]
        command: Option<NodesCommand>,
    },
}

/// `tuxpilot engine nodes …`
#[derive(Debug, Subcommand)]
pub enum NodesCommand {
    /// List the nodes: hostname, state, availability, role, address, tasks.
    Ls,
    /// Move every task off a node and place no new ones there.
    Drain {
        /// Node id or hostname.
        node: String,
    },
    /// Let the scheduler place tasks on a node again.
    Activate {
        /// Node id or hostname.
        node: String,
    },
}

/// `tuxpilot config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Prints the configuration in effect.
    Show,
    /// Prints where the config file is read from.
    Path,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The typed handoffs equal what the command line gives for the same command, so their
    /// defaults cannot drift from clap's.
    #[test]
    fn handoffs_equal_their_command_lines() -> Result<(), clap::Error> {
        let parsed = |argv: &[&str]| Cli::try_parse_from(argv).map(|c| format!("{:?}", c.command));
        let monitor = parsed(&["tuxpilot", "containers", "monitor", "--real-time", "--filter", "name=web"])?;
        assert_eq!(
            monitor,
            format!(
                "{:?}",
                Command::Containers(ContainersCommand::Monitor(Box::new(MonitorArgs::live(Some("name=web".into())))))
            )
        );
        let all = parsed(&["tuxpilot", "containers", "monitor", "--real-time"])?;
        assert_eq!(
            all,
            format!("{:?}", Command::Containers(ContainersCommand::Monitor(Box::new(MonitorArgs::live(None)))))
        );
        let logs = parsed(&["tuxpilot", "containers", "logs", "--follow", "--tail", "0", "web"])?;
        assert_eq!(logs, format!("{:?}", Command::Containers(ContainersCommand::Logs(LogsArgs::follow("web")))));
        Ok(())
    }
}

/// Every command a chat plan shows as "same as" is the command meant: the assistant's typed
/// commands over its whole evaluation suite, rendered by this CLI, parse back through `Cli`
/// into the same command with the same values.
#[cfg(test)]
mod plan_commands {
    use super::*;
    use tuxpilot_assistant::same_as::{Lifecycle, SameAs};

    /// Whether `cli` is the command `s` means.
    fn is(s: &SameAs, cli: &Cli) -> bool {
        use crate::commands::compose_args::ComposeCommand as CC;
        use ContainersCommand as C;
        let name_filter = |c: &Option<String>, f: &[String]| match c {
            Some(c) => f == [format!("name={c}")],
            None => f.is_empty(),
        };
        match (s, &cli.command) {
            (SameAs::List { all }, Command::Containers(C::List(a))) => a.all == *all,
            (SameAs::Inspect { containers }, Command::Containers(C::Inspect { containers: c })) => c == containers,
            (SameAs::Lifecycle { verb, containers }, Command::Containers(cmd)) => match (verb, cmd) {
                (Lifecycle::Start, C::Start { containers: c }) => c == containers,
                (Lifecycle::Stop, C::Stop(a)) | (Lifecycle::Restart, C::Restart(a)) => &a.containers == containers,
                (Lifecycle::Remove, C::Rm(a)) => a.force && &a.containers == containers,
                _ => false,
            },
            (SameAs::Logs { container, tail, follow }, Command::Containers(C::Logs(a))) => {
                &a.container == container && a.follow == *follow && a.tail == tail.map(|t| t.to_string())
            }
            (SameAs::Deploy { file, name }, Command::Containers(C::Deploy(a))) => {
                a.file.to_string_lossy() == *file && &a.name == name
            }
            (SameAs::Scale { service, replicas }, Command::Containers(C::Scale(a))) => {
                &a.service == service && a.replicas == *replicas
            }
            (SameAs::Rollback { app, to }, Command::Containers(C::Rollback { app: a, to: t, .. })) => {
                a == app && t == to
            }
            (SameAs::History { app }, Command::Containers(C::History { app: a, .. })) => a == app,
            (SameAs::Deployments, Command::Containers(C::Deployments { .. })) => true,
            (SameAs::ScanContainers { container }, Command::Containers(C::Scan(a))) => match container {
                Some(c) => a.containers == [c.clone()] && !a.all,
                None => a.all && a.containers.is_empty(),
            },
            (SameAs::ScanImage { image }, Command::Containers(C::Scan(a))) => a.images == [image.clone()],
            (SameAs::Optimize { container }, Command::Containers(C::Optimize(a))) => {
                a.containers == container.iter().cloned().collect::<Vec<_>>()
            }
            (SameAs::Monitor { realtime, container }, Command::Containers(C::Monitor(a))) => {
                a.real_time == *realtime && name_filter(container, &a.filter) && !a.alerts
            }
            (SameAs::MonitorDetach { container }, Command::Containers(C::Monitor(a))) => {
                a.alerts && a.detach && name_filter(container, &a.filter)
            }
            (SameAs::MonitorStop, Command::Containers(C::Monitor(a))) => a.stop,
            (SameAs::Prune, Command::Containers(C::Prune(a))) => !a.force,
            (SameAs::UpdatesCheck { target }, Command::Containers(C::Updates(UpdatesCommand::Check(t)))) => {
                &t.target == target && !t.container
            }
            (
                SameAs::UpdatesApply { target },
                Command::Containers(C::Updates(UpdatesCommand::Apply { target: t, dry_run, .. })),
            ) => &t.target == target && !t.container && !dry_run,
            (
                SameAs::UpdatesSet { target, policy },
                Command::Containers(C::Updates(UpdatesCommand::Set { target: t, policy: p, container, yes })),
            ) => t == target && p == policy && !container && *yes,
            (SameAs::ComposeUp { file, project }, Command::Compose(c)) => {
                matches!(&c.command, CC::Up(u) if u.detach)
                    && c.files.iter().map(|f| f.to_string_lossy().into_owned()).collect::<Vec<_>>()
                        == file.iter().cloned().collect::<Vec<_>>()
                    && &c.project_name == project
            }
            (SameAs::ComposeDown { file, project }, Command::Compose(c)) => {
                matches!(&c.command, CC::Down(_))
                    && c.files.iter().map(|f| f.to_string_lossy().into_owned()).collect::<Vec<_>>()
                        == file.iter().cloned().collect::<Vec<_>>()
                    && &c.project_name == project
            }
            _ => false,
        }
    }

    #[test]
    fn every_command_a_plan_shows_is_the_command_meant() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/tuxpilot-assistant/tests/eval");
        let inventories: std::collections::BTreeMap<String, tuxpilot_assistant::Inventory> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("inventories.json"))?)?;
        let mut bad = Vec::new();
        let mut seen = 0;
        // The whole evaluation suite, held-out part and the real-engine safety set included.
        for file in [
            "phrasings.jsonl",
            "patterns.jsonl",
            "holdout.jsonl",
            "safety.jsonl",
            "safety_holdout.jsonl",
            "safety_engine.jsonl",
        ] {
            for line in std::fs::read_to_string(dir.join(file))?.lines().filter(|l| !l.trim().is_empty()) {
                let case: serde_json::Value = serde_json::from_str(line)?;
                let text = case["text"].as_str().unwrap_or_default();
                let inventory = &inventories[case["inventory"].as_str().unwrap_or("default")];
                let intent = tuxpilot_assistant::parse(text, inventory, &Default::default());
                let mut plan = tuxpilot_assistant::plan(&intent);
                crate::commands::same_as::render(&mut plan);
                for (typed, line) in plan.same_as.iter().zip(&plan.commands) {
                    seen += 1;
                    let argv = shell_words::split(line)?;
                    match Cli::try_parse_from(&argv) {
                        Ok(cli) if is(typed, &cli) => {}
                        Ok(_) => bad.push(format!("{text:?}: `{line}` parses to another command than {typed:?}")),
                        Err(e) => bad.push(format!("{text:?}: `{line}`: {}", e.kind())),
                    }
                }
            }
        }
        bad.sort();
        bad.dedup();
        assert!(seen > 900, "only {seen} commands");
        assert!(bad.is_empty(), "{} commands are not the command meant:\n{}", bad.len(), bad.join("\n"));
        Ok(())
    }
}

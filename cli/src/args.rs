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
    #[arg(short = 'H', long, global = true, value_name = "URL")]
    pub host: Option<String>,

    /// Config file (default: $TUXPILOT_CONFIG or ~/.config/tuxpilot/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Output format.
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// Seconds to wait for the engine to answer a request.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,

    /// More log output on stderr (once: info, twice: debug, three times: trace).
    #[arg(long, global = true, action = clap::ArgAction::Count)]
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

/// Every command a chat plan shows as "same as" is a command this CLI takes: each one, over the
/// assistant's whole evaluation set and its safety sets, parses.
#[cfg(test)]
mod plan_commands {
    use super::*;

    #[test]
    fn every_command_a_plan_shows_parses() -> Result<(), Box<dyn std::error::Error>> {
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
                for command in tuxpilot_assistant::plan(&intent).commands {
                    seen += 1;
                    let argv = shell_words::split(&command)?;
                    if let Err(e) = Cli::try_parse_from(&argv) {
                        bad.push(format!("{text:?}: `{command}`: {}", e.kind()));
                    }
                }
            }
        }
        bad.sort();
        bad.dedup();
        assert!(seen > 300, "only {seen} commands");
        assert!(bad.is_empty(), "{} commands do not parse:\n{}", bad.len(), bad.join("\n"));
        Ok(())
    }
}

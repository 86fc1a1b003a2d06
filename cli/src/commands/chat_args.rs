//! `tuxpilot chat` and `tuxpilot mcp` arguments.

use clap::Args;

/// `tuxpilot chat` arguments.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The request (several words are joined). Without it: an interactive session.
    pub text: Vec<String>,
    /// Show what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Carry out changes without asking (changes a model proposes that stop or remove
    /// something are still asked on a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Use the offline parser even when `[ai]` configures a model.
    #[arg(long)]
    pub offline: bool,
}

/// `tuxpilot mcp` arguments.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Offer only tools that change nothing (list, inspect, logs, history, scans, optimize,
    /// diagnose).
    #[arg(long)]
    pub read_only: bool,
}

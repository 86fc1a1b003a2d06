//! `containers deploy|scale|supervise` arguments, and the backend flag of the deployment commands.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::compose_args::ProgressMode;

/// `[containers.orchestration]` settings a flag can override.
#[derive(Debug, Clone, Args)]
pub struct OrchestrationFlags {
    /// Deployments at once on this engine, across processes (default 5).
    #[arg(long, value_name = "N")]
    pub max_concurrent_deployments: Option<u32>,
    /// Longest a whole deployment may take (default 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub deployment_timeout: Option<Duration>,
    /// Longest one replica may take to become healthy (default 2m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub health_check_timeout: Option<Duration>,
}

/// Where apps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// Containers on the engine itself.
    Local,
    /// Services on the swarm the engine manages.
    Swarm,
}

/// `containers deploy` arguments.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The app file: app.yaml, or a compose file.
    #[arg(short = 'f', long = "file", value_name = "FILE", default_value = "app.yaml")]
    pub file: PathBuf,
    /// Override the app's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Override the app's version.
    #[arg(long = "app-version", value_name = "VERSION")]
    pub app_version: Option<String>,
    /// Print the plan (create/update/remove per service) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Deploy even when the security gate blocks an image (and say so).
    #[arg(long)]
    pub force: bool,
    /// Progress output: auto, plain, json, quiet.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
    /// Where the app runs: local (this engine) or swarm (services on the swarm this engine
    /// manages). Default: [containers.orchestration] backend, else local.
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,
    /// Policies.
    #[command(flatten)]
    pub policy: OrchestrationFlags,
}

/// `containers scale` arguments.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// APP/SERVICE, or a service name unique among the deployments.
    pub service: String,
    /// Replicas wanted.
    #[arg(long, value_name = "N")]
    pub replicas: u32,
    /// The app (instead of APP/SERVICE).
    #[arg(long, value_name = "APP", conflicts_with = "project")]
    pub app: Option<String>,
    /// Scale a compose project's service instead of an app's.
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Where the app runs (default: where its history is).
    #[arg(long, value_enum, conflicts_with = "project")]
    pub backend: Option<BackendArg>,
    /// Progress output: auto, plain, json, quiet.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
}

/// `containers supervise` arguments.
#[derive(Debug, Args)]
pub struct SuperviseArgs {
    /// Only this app (default: every deployed app).
    pub app: Option<String>,
    /// Restarts of one container before giving up.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_restarts: u32,
    /// The first wait before a restart; it doubles each time.
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = parse_duration)]
    pub backoff: Duration,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    tuxpilot_compose::parse_go_duration(s).map_err(|_| format!("invalid duration `{s}`: use 30s, 2m, 1h30m"))
}

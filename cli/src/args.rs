//! Command-line arguments (clap derive).

use std::path::PathBuf;

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

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

/// `tuxpilot compose …`: the project options, then a command.
#[derive(Debug, Args)]
pub struct ComposeArgs {
    /// Compose file (repeatable; `-` reads standard input). Default: compose.yaml… searched upward.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
    /// Project name (`--project` is the same).
    #[arg(short = 'p', long = "project-name", visible_alias = "project", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Project directory (default: the first file's directory).
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<std::path::PathBuf>,
    /// Env file for interpolation, instead of .env (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<std::path::PathBuf>,
    /// Profile to enable (repeatable; also COMPOSE_PROFILES).
    #[arg(id = "compose_profile", long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Progress output: auto (plain lines; colours on a terminal), plain, json.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
    /// Engine operations at once (0 = unlimited).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub parallel: usize,
    /// The command.
    #[command(subcommand)]
    pub command: ComposeCommand,
    /// `[containers.compose]` of the config file (not an argument).
    #[arg(skip)]
    pub config: crate::config::ComposeConfig,
}

/// How `compose` commands report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// Plain lines, coloured on a terminal.
    Auto,
    /// Plain lines.
    Plain,
    /// One JSON object a line, on stderr.
    Json,
    /// Nothing.
    Quiet,
}

/// Compose commands.
#[derive(Debug, Subcommand)]
pub enum ComposeCommand {
    /// Print the normalized, validated project (the format `docker compose config` prints).
    Config(ComposeConfigArgs),
    /// Create and start the project's containers (always detached for now).
    // `-V` is compose's --renew-anon-volumes here, not the version.
    #[command(disable_version_flag = true)]
    Up(ComposeUpArgs),
    /// Stop and remove the project's containers and networks.
    Down(ComposeDownArgs),
    /// List the project's containers.
    Ps(ComposePsArgs),
    /// Show the logs of the project's containers.
    Logs(ComposeLogsArgs),
    /// Set the number of containers of services: SERVICE=N…
    Scale {
        /// SERVICE=N pairs.
        #[arg(required = true, value_name = "SERVICE=N")]
        scales: Vec<String>,
    },
    /// Start existing containers.
    Start {
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Stop running containers.
    Stop {
        /// Seconds to wait before killing.
        #[arg(short = 't', long = "timeout")]
        timeout: Option<u64>,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Restart containers.
    Restart {
        /// Seconds to wait before killing.
        #[arg(short = 't', long = "timeout")]
        timeout: Option<u64>,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Remove stopped containers.
    Rm {
        /// Also running ones.
        #[arg(short, long)]
        force: bool,
        /// Stop them first.
        #[arg(short, long)]
        stop: bool,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Build the services' images (`build:`) through the engine's build API.
    Build {
        /// Do not use the cache.
        #[arg(long)]
        no_cache: bool,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Run a command in a running container of SERVICE: stdin attached, a TTY when stdin is a
    /// terminal (unless -T); output and exit code passed on.
    Exec {
        /// Replica number.
        #[arg(long, default_value_t = 1)]
        index: u32,
        /// User.
        #[arg(short, long)]
        user: Option<String>,
        /// Working directory.
        #[arg(short, long)]
        workdir: Option<String>,
        /// Environment KEY=VALUE.
        #[arg(short, long)]
        env: Vec<String>,
        /// No pseudo-TTY (by default one is allocated when stdin is a terminal).
        #[arg(short = 'T', long = "no-TTY")]
        no_tty: bool,
        /// Keep stdin attached (the default; accepted as `docker compose exec -i`).
        #[arg(short = 'i', long)]
        interactive: bool,
        /// Allocate a pseudo-TTY (the default when stdin is a terminal).
        #[arg(short = 't', long, conflicts_with = "no_tty")]
        tty: bool,
        /// Run the command in the background: return at once, print nothing.
        #[arg(short = 'd', long, conflicts_with_all = ["tty", "interactive"])]
        detach: bool,
        /// The service.
        service: String,
        /// Command and arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Pull the services' images.
    Pull {
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Run a one-off command in a new container of SERVICE (labelled oneoff=True).
    Run {
        /// Remove the container when it exits.
        #[arg(long)]
        rm: bool,
        /// Publish the service's ports (by default a one-off container publishes none).
        #[arg(long)]
        service_ports: bool,
        /// No pseudo-TTY (by default one is allocated when stdin is a terminal).
        #[arg(short = 'T', long = "no-TTY")]
        no_tty: bool,
        /// Keep stdin attached (the default; accepted as `docker compose run -i`).
        #[arg(short = 'i', long)]
        interactive: bool,
        /// Allocate a pseudo-TTY (the default when stdin is a terminal).
        #[arg(short = 't', long, conflicts_with = "no_tty")]
        tty: bool,
        /// Run in the background and print the container's name.
        #[arg(short = 'd', long, conflicts_with = "rm")]
        detach: bool,
        /// The service.
        service: String,
        /// Command and arguments (default: the service's command).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Show the processes of the project's containers.
    Top {
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Convert the project to Kubernetes manifests (kompose's conversion, plus depends_on as init
    /// containers and a report of what is not converted).
    Export(ComposeExportArgs),
    /// List the projects on this engine.
    Ls {
        /// Also projects with no running container.
        #[arg(short, long)]
        all: bool,
    },
}

/// `compose up` arguments.
#[derive(Debug, Args)]
pub struct ComposeUpArgs {
    /// Run in the background; without it, logs are shown until Ctrl-C, which stops the project.
    #[arg(short, long)]
    pub detach: bool,
    /// Wait until services are running/healthy.
    #[arg(long)]
    pub wait: bool,
    /// Longest wait, in seconds.
    #[arg(long, default_value_t = 300)]
    pub wait_timeout: u64,
    /// SERVICE=N replicas.
    #[arg(long, value_name = "SERVICE=N")]
    pub scale: Vec<String>,
    /// Do not start linked services.
    #[arg(long)]
    pub no_deps: bool,
    /// Recreate containers even if nothing changed.
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// Never recreate existing containers.
    #[arg(long)]
    pub no_recreate: bool,
    /// Recreate anonymous volumes instead of keeping those of the containers replaced.
    #[arg(short = 'V', long, conflicts_with = "no_recreate")]
    pub renew_anon_volumes: bool,
    /// Remove containers of services not in the file.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Stop timeout for replaced containers, seconds.
    #[arg(short = 't', long = "timeout")]
    pub timeout: Option<u64>,
    /// Build images before starting.
    #[arg(long)]
    pub build: bool,
    /// Pull images: always, missing (default), never.
    #[arg(long, value_parser = ["always", "missing", "never"])]
    pub pull: Option<String>,
    /// Create the containers, start none.
    #[arg(long, conflicts_with_all = ["wait", "abort_on_container_exit", "exit_code_from"])]
    pub no_start: bool,
    /// Attached: show only these services' output (repeatable).
    #[arg(long, value_name = "SERVICE")]
    pub attach: Vec<String>,
    /// Attached: stop every container as soon as one exits, and exit with its code.
    #[arg(long, conflicts_with = "detach")]
    pub abort_on_container_exit: bool,
    /// Attached: exit with the exit code of SERVICE's container (implies --abort-on-container-exit).
    #[arg(long, value_name = "SERVICE", conflicts_with = "detach")]
    pub exit_code_from: Option<String>,
    /// Services (default: all).
    pub services: Vec<String>,
}

/// `compose down` arguments.
#[derive(Debug, Args)]
pub struct ComposeDownArgs {
    /// Remove named volumes declared in the file and anonymous volumes.
    #[arg(short, long)]
    pub volumes: bool,
    /// Remove containers of services not in the file.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Stop timeout, seconds.
    #[arg(short = 't', long = "timeout")]
    pub timeout: Option<u64>,
    /// Remove images: local (built without an image name) or all.
    #[arg(long, value_parser = ["local", "all"])]
    pub rmi: Option<String>,
}

/// `compose ps` arguments.
#[derive(Debug, Args)]
pub struct ComposePsArgs {
    /// Also stopped containers.
    #[arg(short, long)]
    pub all: bool,
    /// Only ids.
    #[arg(short, long)]
    pub quiet: bool,
    /// Only service names.
    #[arg(long)]
    pub services: bool,
    /// Services (default: all).
    pub service: Vec<String>,
}

/// `compose logs` arguments.
#[derive(Debug, Args)]
pub struct ComposeLogsArgs {
    /// Follow.
    #[arg(short, long)]
    pub follow: bool,
    /// Lines from the end of each container's log.
    #[arg(short = 'n', long)]
    pub tail: Option<u64>,
    /// Show timestamps.
    #[arg(short, long)]
    pub timestamps: bool,
    /// Services (default: all).
    pub services: Vec<String>,
}

/// `compose config` arguments.
#[derive(Debug, Args)]
pub struct ComposeConfigArgs {
    /// Only validate; print nothing.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the service names, one a line.
    #[arg(long)]
    pub services: bool,
    /// Print the volume names.
    #[arg(long)]
    pub volumes: bool,
    /// Print the network names.
    #[arg(long)]
    pub networks: bool,
    /// Print the profile names.
    #[arg(long)]
    pub profiles: bool,
    /// Print the image of each service.
    #[arg(long)]
    pub images: bool,
    /// Print the config hash of SERVICE (`*` for all) as `service hash`.
    #[arg(long, value_name = "SERVICE")]
    pub hash: Option<String>,
    /// Leave `${…}` as written.
    #[arg(long)]
    pub no_interpolate: bool,
    /// Leave relative paths as written.
    #[arg(long)]
    pub no_path_resolution: bool,
    /// Skip the model's consistency checks (undefined references, cycles, contradictions);
    /// the output may not be a valid project.
    #[arg(long)]
    pub no_consistency: bool,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
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

/// `tuxpilot containers …`
#[derive(Debug, Subcommand)]
pub enum ContainersCommand {
    /// List containers (running only, unless --all).
    #[command(alias = "ls", alias = "ps")]
    List(ListArgs),
    /// Show everything about one or more containers.
    Inspect {
        /// Container names or ids.
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Create and start a container in the background.
    Run(Box<RunArgs>),
    /// Start stopped containers.
    Start {
        /// Container names or ids.
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Stop running containers (SIGTERM, then SIGKILL after --time).
    Stop(StopArgs),
    /// Restart containers.
    Restart(StopArgs),
    /// Remove containers.
    Rm(RmArgs),
    /// Print a container's logs (stdout to stdout, stderr to stderr).
    Logs(LogsArgs),
    /// One sample of every running container's resource use, as `docker stats --no-stream`.
    Monitor(Box<MonitorArgs>),
    /// Observe usage and recommend (or --apply) CPU and memory limits.
    Optimize(OptimizeArgs),
    /// Security scan of containers (CIS §5) and images (CIS §4, secrets, setuid files,
    /// vulnerabilities); `scan db import|info` manages the vulnerability database.
    Scan(Box<ScanArgs>),
    /// Deploy an app (app.yaml or a compose file): dependency order on the first deploy,
    /// health-gated rolling updates of what changed after, automatic rollback.
    Deploy(Box<DeployArgs>),
    /// Set a deployed service's replica count (SERVICE is APP/SERVICE or a unique service name).
    Scale(ScaleArgs),
    /// Return an app to an earlier version (default: the last good one before the current).
    Rollback {
        /// The app.
        app: String,
        /// The version to return to.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Progress output: auto, plain, json, quiet.
        #[arg(long, value_enum, default_value = "auto")]
        progress: ProgressMode,
        /// Where the app runs (default: [containers.orchestration] backend, else where its
        /// history is).
        #[arg(long, value_enum)]
        backend: Option<BackendArg>,
    },
    /// Every deployment attempt of an app: version, outcome, time.
    History {
        /// The app.
        app: String,
        /// Where the app runs (default: where its history is).
        #[arg(long, value_enum)]
        backend: Option<BackendArg>,
    },
    /// Every deployed app: version, status, replicas running/desired per service (on Swarm,
    /// the node of each replica).
    Deployments {
        /// Only the apps of this backend (default: the engine's, and its swarm's when it
        /// manages one).
        #[arg(long, value_enum)]
        backend: Option<BackendArg>,
    },
    /// Remove an app: its containers (Swarm: services), networks, secrets, configs and history
    /// (with --volumes its volumes).
    Undeploy {
        /// The app.
        app: String,
        /// Also remove the app's volumes (Swarm: on the manager and on each --node-host).
        #[arg(long)]
        volumes: bool,
        /// Progress output: auto, plain, json, quiet.
        #[arg(long, value_enum, default_value = "auto")]
        progress: ProgressMode,
        /// Where the app runs (default: where its history is).
        #[arg(long, value_enum)]
        backend: Option<BackendArg>,
        /// A swarm node's engine (`unix:///…`, `tcp://…`), whose volumes --volumes removes too;
        /// repeat it (default: [containers.orchestration] swarm_node_hosts).
        #[arg(long = "node-host", value_name = "HOST")]
        node_hosts: Vec<String>,
    },
    /// Restart replicas of deployed apps that die, with exponential backoff (auto_restart_failed).
    Supervise(SuperviseArgs),
    /// Convert an app (app.yaml or a compose file) to Kubernetes manifests.
    Export(ContainersExportArgs),
}

/// What `export` converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportTarget {
    /// Kubernetes manifests (Deployments, Services, PersistentVolumeClaims, ConfigMaps, Secrets…).
    Kubernetes,
}

/// `export` options shared by `compose export` and `containers export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The target platform.
    #[arg(long, value_enum)]
    pub to: ExportTarget,
    /// Write one file per object into DIR (`<name>-<kind>.yaml`) instead of YAML on stdout.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Put every object in this namespace (and emit the Namespace).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Fail, writing nothing, when anything cannot be converted.
    #[arg(long)]
    pub strict: bool,
    /// Image of the init containers that wait for dependencies.
    #[arg(long, value_name = "IMAGE", default_value = "busybox:1.36")]
    pub wait_image: String,
}

/// `compose export` arguments.
#[derive(Debug, Args)]
pub struct ComposeExportArgs {
    /// Keep `${VAR}` as written instead of substituting it.
    #[arg(long)]
    pub no_interpolate: bool,
    /// Conversion options.
    #[command(flatten)]
    pub export: ExportArgs,
}

/// `containers export` arguments.
#[derive(Debug, Args)]
pub struct ContainersExportArgs {
    /// The app file: app.yaml, or a compose file.
    #[arg(short = 'f', long = "file", value_name = "FILE", default_value = "app.yaml")]
    pub file: PathBuf,
    /// Override the app's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Conversion options.
    #[command(flatten)]
    pub export: ExportArgs,
}

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

/// `containers scan` arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ScanArgs {
    /// The vulnerability database commands.
    #[command(subcommand)]
    pub db: Option<ScanDbCommand>,
    /// Containers to check (created or running).
    #[arg(long = "container", value_name = "NAME")]
    pub containers: Vec<String>,
    /// Check every container (running and stopped).
    #[arg(long)]
    pub all: bool,
    /// Images to scan (configuration, contents, vulnerabilities).
    #[arg(long = "image", value_name = "REF")]
    pub images: Vec<String>,
    /// Directory of OSV records (default: `[containers.security] vulnerability_db`).
    #[arg(long = "db", value_name = "DIR")]
    pub db_dir: Option<PathBuf>,
    /// Report only findings at LEVEL or above (low, medium, high, critical).
    #[arg(long, value_name = "LEVEL")]
    pub severity: Option<tuxpilot_security::Severity>,
    /// Exit with N when findings remain after filtering (0 = always succeed).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: i32,
    /// Accepted findings: lines of `ID [exp:YYYY-MM-DD] [target:NAME]`.
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,
}

/// `containers scan db …`.
#[derive(Debug, Subcommand)]
pub enum ScanDbCommand {
    /// Manage the local vulnerability database.
    #[command(subcommand)]
    Db(DbCommand),
}

/// `containers scan db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV records from an `all.zip` dump or a directory of JSON files.
    Import {
        /// The dump.
        source: PathBuf,
        /// Database directory (default: `[containers.security] vulnerability_db`).
        #[arg(long = "db", value_name = "DIR")]
        db_dir: Option<PathBuf>,
    },
    /// What the database holds.
    Info {
        /// Database directory.
        #[arg(long = "db", value_name = "DIR")]
        db_dir: Option<PathBuf>,
    },
}

/// `containers monitor` arguments.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Filter as `containers list` does: KEY=VALUE.
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// Containers sampled at once through the API (the engine serves concurrent stats
    /// requests from one collector tick, so more in flight costs it little).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Where numbers come from: `cgroup` files on this host, the engine `api`, or `auto`
    /// (cgroup files where readable, the API otherwise).
    #[arg(long, default_value = "auto", value_parser = parse_source)]
    pub source: tuxpilot_monitor::Source,
    /// Keep sampling every DURATION (e.g. `2s`); one table (or JSON object per container) per tick.
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub interval: Option<Duration>,
    /// Stop after N ticks (with --interval, --real-time or alerts).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Full-screen live view (sort, filter, history, stop/restart/logs); refreshing lines when
    /// the output is not a terminal.
    #[arg(long)]
    pub real_time: bool,
    /// Serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9101) at /metrics until interrupted.
    #[arg(long, value_name = "ADDR")]
    pub prometheus: Option<std::net::SocketAddr>,
    /// Evaluate the alert rules of `[containers.monitoring]` every interval until interrupted.
    #[arg(long)]
    pub alerts: bool,
    /// CPU alert threshold in percent (overrides `cpu_alert_threshold` in the config).
    #[arg(long, value_name = "PERCENT")]
    pub cpu_alert: Option<f64>,
    /// Memory alert threshold in percent of the limit.
    #[arg(long, value_name = "PERCENT")]
    pub memory_alert: Option<f64>,
    /// Disk alert threshold in percent.
    #[arg(long, value_name = "PERCENT")]
    pub disk_alert: Option<f64>,
    /// How long a threshold must be crossed before the alert fires (e.g. `1m`).
    #[arg(long = "alert-for", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub alert_for: Option<Duration>,
    /// POST Alertmanager-style webhooks to URL.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Run COMMAND (through `sh -c`) for each notification, JSON on stdin.
    #[arg(long, value_name = "COMMAND")]
    pub alert_command: Option<String>,
    /// Append notifications as JSON lines to FILE (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub alert_json: Option<std::path::PathBuf>,
    /// With the cgroup source, time between the two reads of a snapshot.
    #[arg(long, default_value = "300ms", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub sample_window: Duration,
}

impl MonitorArgs {
    /// The live view (`containers monitor --real-time [--filter FILTER]`), with every other
    /// option at its default: what chat hands over to.
    pub fn live(filter: Option<String>) -> Self {
        Self {
            filter: filter.into_iter().collect(),
            concurrency: 64,
            source: tuxpilot_monitor::Source::Auto,
            interval: None,
            count: None,
            real_time: true,
            prometheus: None,
            alerts: false,
            cpu_alert: None,
            memory_alert: None,
            disk_alert: None,
            alert_for: None,
            webhook: None,
            alert_command: None,
            alert_json: None,
            sample_window: Duration::from_millis(300),
        }
    }
}

fn parse_source(s: &str) -> Result<tuxpilot_monitor::Source, String> {
    s.parse()
}

/// `containers optimize` arguments.
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Containers to size (default: every running container).
    pub containers: Vec<String>,
    /// How long to observe before recommending (e.g. `10m`, `24h`).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub window: Duration,
    /// Time between samples.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub interval: Duration,
    /// Where numbers come from (as for `monitor`).
    #[arg(long, default_value = "auto", value_parser = parse_source)]
    pub source: tuxpilot_monitor::Source,
    /// Update the running containers' limits to the recommendation.
    #[arg(long)]
    pub apply: bool,
}

/// `containers list` arguments.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include stopped containers.
    #[arg(short, long)]
    pub all: bool,
    /// Filter as `docker ps --filter` does: KEY=VALUE (label=app=web, name=db, status=exited).
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// Print ids only.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `containers run` arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Image to run.
    pub image: String,
    /// Command and arguments (after `--`).
    #[arg(last = true)]
    pub command: Vec<String>,
    /// Container name.
    #[arg(long)]
    pub name: Option<String>,
    /// Environment variable KEY=VALUE (KEY alone takes the value from this environment).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Publish a port: [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL].
    #[arg(short = 'p', long = "publish", value_name = "SPEC")]
    pub publish: Vec<String>,
    /// Mount: SOURCE:TARGET[:ro] (a path source is a bind mount, a name a volume).
    #[arg(short = 'v', long = "volume", value_name = "SPEC")]
    pub volume: Vec<String>,
    /// Label KEY=VALUE.
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Memory limit, e.g. 512m or 1g (binary units, as docker).
    #[arg(short = 'm', long)]
    pub memory: Option<String>,
    /// CPU limit in CPUs, e.g. 1.5.
    #[arg(long)]
    pub cpus: Option<String>,
    /// Relative CPU weight.
    #[arg(long)]
    pub cpu_shares: Option<i64>,
    /// Restart policy: no, always, unless-stopped, on-failure[:N].
    #[arg(long)]
    pub restart: Option<String>,
    /// User (name or uid[:gid]).
    #[arg(short, long)]
    pub user: Option<String>,
    /// Working directory inside the container.
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// Entrypoint (overrides the image's).
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Network to join.
    #[arg(long)]
    pub network: Option<String>,
    /// Hostname.
    #[arg(long)]
    pub hostname: Option<String>,
    /// Health check command (run with sh -c).
    #[arg(long)]
    pub health_cmd: Option<String>,
    /// Time between health checks, e.g. 30s.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub health_interval: Option<std::time::Duration>,
    /// Consecutive failures before unhealthy.
    #[arg(long)]
    pub health_retries: Option<u32>,
    /// Process count limit.
    #[arg(long)]
    pub pids_limit: Option<i64>,
    /// Mount the root filesystem read-only.
    #[arg(long)]
    pub read_only: bool,
    /// Remove the container when it exits.
    #[arg(long)]
    pub rm: bool,
}

/// `containers stop|restart` arguments.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait before killing.
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Container names or ids.
    #[arg(required = true)]
    pub containers: Vec<String>,
}

/// `containers rm` arguments.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Kill and remove running containers.
    #[arg(short, long)]
    pub force: bool,
    /// Also remove anonymous volumes.
    #[arg(short, long)]
    pub volumes: bool,
    /// Container names or ids.
    #[arg(required = true)]
    pub containers: Vec<String>,
}

/// `containers logs` arguments.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Keep printing new output.
    #[arg(short, long)]
    pub follow: bool,
    /// Number of lines from the end (or `all`).
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<String>,
    /// Show timestamps.
    #[arg(short, long)]
    pub timestamps: bool,
    /// Container name or id.
    pub container: String,
}

impl LogsArgs {
    /// Following a container's new output (`containers logs --follow --tail 0 NAME`): what chat
    /// hands over to.
    pub fn follow(container: &str) -> Self {
        Self { follow: true, tail: Some("0".into()), timestamps: false, container: container.to_string() }
    }
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

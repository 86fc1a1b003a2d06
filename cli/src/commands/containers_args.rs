//! `tuxpilot containers` and the docker-shaped container verbs' arguments.

use clap::{Args, Subcommand};

use super::compose_args::ProgressMode;
use super::deploy_args::{BackendArg, DeployArgs, ScaleArgs, SuperviseArgs};
use super::export_args::ContainersExportArgs;
use super::monitor_args::{MonitorArgs, OptimizeArgs};
use super::scan_args::ScanArgs;

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
    /// Create and start a container and show its output (`docker run`): attached until it
    /// exits, its exit code ours; -d starts it in the background and prints the id, -i forwards
    /// stdin, -t gives a TTY. The command follows the image.
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
    /// Remove stopped containers, dangling images and unused networks, after listing them and
    /// asking. Never TuxPilot's own objects (locks, history, proxy), never volumes.
    Prune(PruneArgs),
    /// List images (`docker images`): REPOSITORY, TAG, IMAGE ID, CREATED, SIZE.
    Images {
        /// Intermediate images too.
        #[arg(short, long)]
        all: bool,
        /// Only the image ids.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Pull an image (`docker pull`), a line per layer step on stderr.
    Pull {
        /// NAME[:TAG|@DIGEST].
        image: String,
        /// Print only the reference.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Run a command in a running container (`docker exec`): -i forwards stdin, -t gives a TTY,
    /// -d starts it and returns; its exit code is ours.
    Exec(ExecArgs),
    /// The engine's events (`docker events`): one line each, or JSON lines; follows until
    /// Ctrl-C unless --until is given.
    Events(EventsArgs),
    /// The processes of a running container (`docker top`).
    Top {
        /// Container name or id.
        container: String,
    },
    /// Volumes: ls, inspect, rm (`docker volume`).
    #[command(subcommand)]
    Volume(VolumeCommand),
    /// Networks: ls, inspect, rm (`docker network`).
    #[command(subcommand)]
    Network(NetworkCommand),
    /// The managed-port proxy: its routes and its log.
    #[command(subcommand)]
    Proxy(ProxyCommand),
    /// Automatic image updates of the containers that opted in (`auto_update:` in app.yaml, the
    /// label tuxpilot.auto-update, or Watchtower's enable label): check, apply, watch, history.
    #[command(subcommand)]
    Updates(UpdatesCommand),
    /// Running containers' resource use as `docker stats` gives it: one sample, a table per
    /// --interval, the live view (--real-time), Prometheus metrics or alerts.
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
    /// Give back an app's deployment locks (after its holder died on another host, say): shows
    /// who holds them and asks first.
    Unlock {
        /// The app.
        app: String,
        /// Do not ask (needed without a terminal).
        #[arg(short = 'y', long = "yes", visible_alias = "force")]
        yes: bool,
    },
    /// Restart replicas of deployed apps that die, with exponential backoff (auto_restart_failed).
    Supervise(SuperviseArgs),
    /// Convert an app (app.yaml or a compose file) to Kubernetes manifests.
    Export(ContainersExportArgs),
}

/// Which app or container an update command is about.
#[derive(Debug, Args, Clone)]
pub struct UpdateTarget {
    /// An app, a compose project or a container (default: everything that opted in). A name
    /// that is both an app and a container means the app.
    pub target: Option<String>,
    /// TARGET is a container's name, even when an app has it too.
    #[arg(long)]
    pub container: bool,
}

/// `containers updates` subcommands.
#[derive(Debug, Subcommand)]
pub enum UpdatesCommand {
    /// What would change: app or container, service, image, current and new tag and digest,
    /// policy. Registries are asked without pulling (a manifest HEAD, the tag list).
    Check(UpdateTarget),
    /// Pull, scan (security gate), roll out with health checks, and roll back on failure, one
    /// target at a time. Exit 0 all applied or nothing due, 8 any rolled back, 10 any blocked by
    /// the gate, 1 a pull or a registry failed.
    Apply {
        #[command(flatten)]
        target: UpdateTarget,
        /// Show what would be applied; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Progress output: auto, plain, json, quiet.
        #[arg(long, value_enum, default_value = "auto")]
        progress: ProgressMode,
    },
    /// Check and apply by policy in a loop, in the foreground, until interrupted
    /// ([containers.updates] interval, schedule, webhook).
    Watch {
        /// Time between checks (default: [containers.updates] interval, else 5m).
        #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
        interval: Option<std::time::Duration>,
    },
    /// Opt an app (or APP/SERVICE) or a container in or out: off, digest, patch, minor, major.
    /// An app gets a new version with the label (a rolling update, same images); a container is
    /// recreated with it. Shows the plan and asks; without a terminal it needs --yes (else exit 7).
    Set {
        /// The app, APP/SERVICE, or container.
        target: String,
        /// off, digest, patch, minor or major.
        policy: String,
        /// TARGET is a container's name, even when an app has it too.
        #[arg(long)]
        container: bool,
        /// Do it without asking.
        #[arg(short, long)]
        yes: bool,
    },
    /// Every update applied, rolled back, blocked or failed, oldest first.
    History {
        /// Only this app, compose project or container.
        target: Option<String>,
    },
}

/// `containers exec` arguments, as `docker exec`'s.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Start the command and return.
    #[arg(short, long)]
    pub detach: bool,
    /// Keep stdin open and forward it.
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY.
    #[arg(short, long)]
    pub tty: bool,
    /// Set an environment variable (KEY=VALUE).
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Working directory inside the container.
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// User (name or uid[:gid]).
    #[arg(short, long)]
    pub user: Option<String>,
    /// The container.
    pub container: String,
    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// `containers events` arguments, as `docker events`'.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Events since a time: RFC 3339, a date, Unix seconds, or an age (`10m`).
    #[arg(long, value_name = "TIME", value_parser = crate::output::parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Events until a time (then the command ends).
    #[arg(long, value_name = "TIME", value_parser = crate::output::parse_time)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// KEY=VALUE, as `docker events --filter` (type=container, event=start, container=NAME, label=…).
    #[arg(short, long)]
    pub filter: Vec<String>,
}

/// `containers volume` subcommands.
#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// List volumes: DRIVER, VOLUME NAME.
    #[command(alias = "list")]
    Ls {
        /// Only the names.
        #[arg(short, long)]
        quiet: bool,
        /// KEY=VALUE, as `docker volume ls --filter` (label=…, name=…, dangling=true).
        #[arg(short, long)]
        filter: Vec<String>,
    },
    /// Everything about volumes, as JSON.
    Inspect {
        /// Volume names.
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Remove volumes (each is tried; every failure is reported).
    #[command(alias = "remove")]
    Rm {
        /// Remove even when in use.
        #[arg(short, long)]
        force: bool,
        /// Volume names.
        #[arg(required = true)]
        names: Vec<String>,
    },
}

/// `containers network` subcommands.
#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// List networks: NETWORK ID, NAME, DRIVER, SCOPE.
    #[command(alias = "list")]
    Ls {
        /// Only the ids.
        #[arg(short, long)]
        quiet: bool,
        /// KEY=VALUE, as `docker network ls --filter` (label=…, name=…, driver=…).
        #[arg(short, long)]
        filter: Vec<String>,
    },
    /// Everything about networks, as JSON.
    Inspect {
        /// Network names or ids.
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Remove networks (each is tried; every failure is reported).
    #[command(alias = "remove")]
    Rm {
        /// Network names or ids.
        #[arg(required = true)]
        names: Vec<String>,
    },
}

/// `containers proxy` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProxyCommand {
    /// Build the proxy's image (from the local tuxpilot-proxy binary; nothing is pulled) and
    /// start it, as the first deploy with a managed port does.
    Start,
    /// The managed host ports: host address, app, service, replicas, mode, whether it listens.
    Ls,
    /// The proxy's log (switches, drains, bind errors, replicas that refused connections).
    Logs {
        /// Keep printing new output.
        #[arg(short, long)]
        follow: bool,
        /// Number of lines from the end (or `all`).
        #[arg(short = 'n', long, value_name = "N")]
        tail: Option<String>,
        /// Show timestamps.
        #[arg(short, long)]
        timestamps: bool,
    },
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

/// `containers run` arguments, in docker's shape: `run [OPTIONS] IMAGE [COMMAND] [ARG...]`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run in the background and print the container's id.
    #[arg(short, long)]
    pub detach: bool,
    /// Keep stdin open and forward ours to the container.
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY.
    #[arg(short, long)]
    pub tty: bool,
    /// Image to run.
    pub image: String,
    /// Command and arguments: everything after the image (a `--` right after it is dropped).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
    /// Container name.
    #[arg(long)]
    pub name: Option<String>,
    /// Environment variable KEY=VALUE (KEY alone takes the value from this environment).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Read environment variables from a file: KEY=VALUE lines, `#` comments (as docker's).
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<std::path::PathBuf>,
    /// Publish a port: [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL].
    #[arg(short = 'p', long = "publish", value_name = "SPEC")]
    pub publish: Vec<String>,
    /// Publish every exposed port on a random host port.
    #[arg(short = 'P', long)]
    pub publish_all: bool,
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
    /// Network to join (`--net` too).
    #[arg(long, visible_alias = "net")]
    pub network: Option<String>,
    /// Another name for the container on its network.
    #[arg(long)]
    pub network_alias: Vec<String>,
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
    /// Longest a health check may run, e.g. 5s.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub health_timeout: Option<std::time::Duration>,
    /// Grace time before failed checks count, e.g. 10s.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub health_start_period: Option<std::time::Duration>,
    /// Signal that stops the container (e.g. SIGINT).
    #[arg(long)]
    pub stop_signal: Option<String>,
    /// Seconds to wait after the stop signal before killing.
    #[arg(long)]
    pub stop_timeout: Option<i64>,
    /// Run an init inside the container that forwards signals and reaps processes.
    #[arg(long)]
    pub init: bool,
    /// Add a host-to-IP mapping (host:ip).
    #[arg(long, value_name = "HOST:IP")]
    pub add_host: Vec<String>,
    /// Add a Linux capability.
    #[arg(long)]
    pub cap_add: Vec<String>,
    /// Drop a Linux capability.
    #[arg(long)]
    pub cap_drop: Vec<String>,
    /// Platform of the image (e.g. linux/amd64).
    #[arg(long)]
    pub platform: Option<String>,
    /// A mount in docker's long form: type=bind|volume|tmpfs,source=…,target=…[,readonly].
    #[arg(long, value_name = "SPEC")]
    pub mount: Vec<String>,
    /// A tmpfs mount: PATH[:OPTIONS] (e.g. /run:size=64m).
    #[arg(long, value_name = "PATH[:OPTIONS]")]
    pub tmpfs: Vec<String>,
    /// DNS server.
    #[arg(long)]
    pub dns: Vec<String>,
    /// DNS search domain.
    #[arg(long)]
    pub dns_search: Vec<String>,
    /// DNS resolver option.
    #[arg(long)]
    pub dns_option: Vec<String>,
    /// Security option (e.g. no-new-privileges, seccomp=unconfined).
    #[arg(long)]
    pub security_opt: Vec<String>,
    /// Size of /dev/shm, e.g. 64m.
    #[arg(long)]
    pub shm_size: Option<String>,
    /// IPC namespace (e.g. host, private, shareable, container:NAME).
    #[arg(long)]
    pub ipc: Option<String>,
    /// PID namespace (e.g. host, container:NAME).
    #[arg(long)]
    pub pid: Option<String>,
    /// Additional group to run as.
    #[arg(long)]
    pub group_add: Vec<String>,
    /// Expose a port without publishing it: PORT[/PROTOCOL].
    #[arg(long, value_name = "PORT")]
    pub expose: Vec<String>,
    /// Memory soft limit, e.g. 256m.
    #[arg(long)]
    pub memory_reservation: Option<String>,
    /// Memory plus swap limit, e.g. 1g (-1: unlimited swap).
    #[arg(long, allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// CPUs the container may use (0-3, 0,1).
    #[arg(long)]
    pub cpuset_cpus: Option<String>,
    /// Logging driver.
    #[arg(long)]
    pub log_driver: Option<String>,
    /// Logging driver option KEY=VALUE.
    #[arg(long, value_name = "KEY=VALUE")]
    pub log_opt: Vec<String>,
    /// Kernel parameter KEY=VALUE.
    #[arg(long, value_name = "KEY=VALUE")]
    pub sysctl: Vec<String>,
    /// Resource limit NAME=SOFT[:HARD] (e.g. nofile=1024:2048).
    #[arg(long, value_name = "NAME=SOFT[:HARD]")]
    pub ulimit: Vec<String>,
    /// A host device: HOST[:CONTAINER[:PERMISSIONS]].
    #[arg(long)]
    pub device: Vec<String>,
    /// Mount the volumes of another container.
    #[arg(long, value_name = "CONTAINER[:ro|rw]")]
    pub volumes_from: Vec<String>,
    /// Extended privileges.
    #[arg(long)]
    pub privileged: bool,
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

/// `containers prune` arguments.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Do not ask (needed without a terminal).
    #[arg(short = 'f', long = "force", visible_alias = "yes", short_alias = 'y')]
    pub force: bool,
    /// Only list what would be removed.
    #[arg(long)]
    pub dry_run: bool,
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

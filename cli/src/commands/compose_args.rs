//! `tuxpilot compose` arguments.

use clap::{Args, Subcommand, ValueEnum};

use super::export_args::ComposeExportArgs;

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
    pub config: tuxpilot_compose::ComposeConfig,
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
    /// Create and start the project's containers: attached, printing their logs until Ctrl-C
    /// (which stops them), or in the background with -d.
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
        /// Set an environment variable: KEY=VALUE, or KEY to take it from this environment.
        #[arg(short = 'e', long = "env", value_name = "KEY[=VALUE]")]
        env: Vec<String>,
        /// The container's name.
        #[arg(long)]
        name: Option<String>,
        /// Mount a volume or host path: [SOURCE:]TARGET[:ro].
        #[arg(short = 'v', long = "volume", value_name = "VOLUME")]
        volume: Vec<String>,
        /// Override the image's entrypoint (split as a shell would).
        #[arg(long)]
        entrypoint: Option<String>,
        /// Run as this user (name or uid[:gid]).
        #[arg(short = 'u', long)]
        user: Option<String>,
        /// Working directory inside the container.
        #[arg(short = 'w', long)]
        workdir: Option<String>,
        /// Do not start the service's dependencies.
        #[arg(long)]
        no_deps: bool,
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
    /// Create the project's containers without starting them (`up --no-start`).
    Create(ComposeCreateArgs),
    /// Stream the engine's events about the project's containers: a line each, or JSON lines
    /// with --json.
    Events {
        /// One JSON object a line (time, type, action, id, service, attributes).
        #[arg(long)]
        json: bool,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// List the images the project's containers use.
    Images {
        /// Only the image ids.
        #[arg(short, long)]
        quiet: bool,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Print the host address a service's port is published on.
    Port {
        /// tcp or udp.
        #[arg(long, default_value = "tcp", value_parser = ["tcp", "udp", "sctp"])]
        protocol: String,
        /// Replica number.
        #[arg(long, default_value_t = 1)]
        index: u32,
        /// The service.
        service: String,
        /// The port inside the container.
        private_port: u16,
    },
    /// Copy files between a service container and the host: `SERVICE:SRC DEST` or
    /// `SRC SERVICE:DEST` (`-` as DEST writes a tar to stdout), through the engine's archive API.
    Cp {
        /// Replica number.
        #[arg(long, default_value_t = 1)]
        index: u32,
        /// Into every replica of the service.
        #[arg(long)]
        all: bool,
        /// Keep the archive's owners (uid:gid) when copying in.
        #[arg(short = 'a', long)]
        archive: bool,
        /// Source: a host path or SERVICE:PATH.
        source: String,
        /// Destination: a host path (or -) or SERVICE:PATH.
        destination: String,
    },
    /// Send a signal (default SIGKILL) to the running containers.
    Kill {
        /// The signal, e.g. SIGTERM or 15.
        #[arg(short, long)]
        signal: Option<String>,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Pause the running containers.
    Pause {
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Unpause the paused containers.
    Unpause {
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Wait until the running containers stop; print each exit code; exit with the last one's.
    Wait {
        /// Then take the project down.
        #[arg(long)]
        down_project: bool,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Resource usage of the running containers, as `docker stats` (`--no-stream` for one
    /// table).
    Stats {
        /// One table, then exit.
        #[arg(long)]
        no_stream: bool,
        /// Services (default: all).
        services: Vec<String>,
    },
    /// Bring the project up, then follow its services' `develop.watch` rules until Ctrl-C: copy
    /// changed files into the running containers (sync), restart them, run a command, or
    /// rebuild and recreate, as `docker compose watch`.
    Watch {
        /// Do not bring the project up first.
        #[arg(long)]
        no_up: bool,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
        /// Accepted for docker compose's sake: the images a rebuild replaces are left as they are.
        #[arg(long)]
        prune: bool,
        /// Services (default: all with a `develop.watch`).
        services: Vec<String>,
    },
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
    /// Attached: also follow the services' `develop.watch` rules (as `compose watch`).
    #[arg(short = 'w', long, conflicts_with = "detach")]
    pub watch: bool,
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

/// `compose create` arguments: `up`'s that make sense without starting anything.
#[derive(Debug, Args)]
pub struct ComposeCreateArgs {
    /// Build images before creating.
    #[arg(long)]
    pub build: bool,
    /// Recreate containers even if nothing changed.
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// Never recreate existing containers.
    #[arg(long)]
    pub no_recreate: bool,
    /// Pull images: always, missing (default), never.
    #[arg(long, value_parser = ["always", "missing", "never"])]
    pub pull: Option<String>,
    /// Remove containers of services not in the file.
    #[arg(long)]
    pub remove_orphans: bool,
    /// SERVICE=N replicas.
    #[arg(long, value_name = "SERVICE=N")]
    pub scale: Vec<String>,
    /// Services (default: all).
    pub services: Vec<String>,
}

impl ComposeCreateArgs {
    /// The same as `up --no-start`.
    pub fn as_up(&self) -> ComposeUpArgs {
        ComposeUpArgs {
            detach: true,
            wait: false,
            wait_timeout: 300,
            scale: self.scale.clone(),
            no_deps: false,
            force_recreate: self.force_recreate,
            no_recreate: self.no_recreate,
            renew_anon_volumes: false,
            remove_orphans: self.remove_orphans,
            timeout: None,
            build: self.build,
            pull: self.pull.clone(),
            no_start: true,
            watch: false,
            attach: vec![],
            abort_on_container_exit: false,
            exit_code_from: None,
            services: self.services.clone(),
        }
    }
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
    /// Print lines without the `container | ` prefix.
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Only lines since a time: RFC 3339 (`2026-12-07T10:00:00Z`), a date, Unix seconds, or an
    /// age (`10m`, `1h30m`).
    #[arg(long, value_name = "TIME", value_parser = crate::output::parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only lines before a time (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = crate::output::parse_time)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
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

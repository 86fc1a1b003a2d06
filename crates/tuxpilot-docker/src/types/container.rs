//! Container types: what to create, what a list and an inspect return, logs and wait results.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::filters::Filters;

/// A container's lifecycle state, as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ContainerState {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Being restarted by its restart policy.
    Restarting,
    /// Stopped (exited).
    Exited,
    /// Being removed.
    Removing,
    /// Dead: removal failed half-way.
    Dead,
    /// Stopping (newer engines).
    Stopping,
    /// A state this version does not know.
    Unknown,
}

impl ContainerState {
    /// Parses the engine's word for a state; unknown words give [`ContainerState::Unknown`].
    pub fn from_engine(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "created" => Self::Created,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "restarting" => Self::Restarting,
            "exited" => Self::Exited,
            "removing" => Self::Removing,
            "dead" => Self::Dead,
            "stopping" => Self::Stopping,
            _ => Self::Unknown,
        }
    }

    /// The engine's word for this state.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Exited => "exited",
            Self::Removing => "removing",
            Self::Dead => "dead",
            Self::Stopping => "stopping",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ContainerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A health check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// No health check configured.
    None,
    /// Within the start period, or no check has finished yet.
    Starting,
    /// The last checks passed.
    Healthy,
    /// `retries` checks in a row failed.
    Unhealthy,
}

impl HealthStatus {
    /// Parses the engine's word; anything unknown is [`HealthStatus::None`].
    pub fn from_engine(s: &str) -> Self {
        match s {
            "starting" => Self::Starting,
            "healthy" => Self::Healthy,
            "unhealthy" => Self::Unhealthy,
            _ => Self::None,
        }
    }
}

/// A transport protocol of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// The lower-case name (`tcp`, `udp`, `sctp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Sctp => "sctp",
        }
    }
}

impl FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Self::Tcp),
            "udp" => Ok(Self::Udp),
            "sctp" => Ok(Self::Sctp),
            other => Err(format!("unknown protocol `{other}` (expected tcp, udp or sctp)")),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A port inside a container, with its protocol (`80/tcp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContainerPort {
    /// Port number.
    pub port: u16,
    /// Protocol.
    pub protocol: Protocol,
}

impl ContainerPort {
    /// A TCP port.
    pub fn tcp(port: u16) -> Self {
        Self { port, protocol: Protocol::Tcp }
    }

    /// Parses the engine's `80/tcp` key form (protocol optional).
    pub fn parse(s: &str) -> Option<Self> {
        let (port, proto) = s.split_once('/').unwrap_or((s, "tcp"));
        Some(Self { port: port.parse().ok()?, protocol: proto.parse().ok()? })
    }
}

impl fmt::Display for ContainerPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.protocol)
    }
}

/// A container port published on the host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortBinding {
    /// The port inside the container.
    pub container_port: ContainerPort,
    /// The host address to bind (`None` = all addresses).
    pub host_ip: Option<String>,
    /// The host port (`None` = the engine picks one).
    pub host_port: Option<u16>,
}

/// A port as a list or inspect reports it: private port, and the host side when published.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortMapping {
    /// The host address it is bound to, when published.
    pub host_ip: Option<String>,
    /// The host port, when published.
    pub host_port: Option<u16>,
    /// The port inside the container.
    pub container_port: u16,
    /// Protocol.
    pub protocol: Protocol,
}

impl fmt::Display for PortMapping {
    /// Formats like `docker ps`: `0.0.0.0:8080->80/tcp` or `80/tcp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.host_port {
            Some(hp) => {
                let ip = self.host_ip.as_deref().unwrap_or("0.0.0.0");
                if ip.contains(':') {
                    write!(f, "[{ip}]:{hp}->{}/{}", self.container_port, self.protocol)
                } else {
                    write!(f, "{ip}:{hp}->{}/{}", self.container_port, self.protocol)
                }
            }
            None => write!(f, "{}/{}", self.container_port, self.protocol),
        }
    }
}

/// The kind of a mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    Volume,
    /// An in-memory filesystem.
    Tmpfs,
}

/// A mount to set up when creating a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountSpec {
    /// Bind, volume or tmpfs.
    pub kind: MountKind,
    /// Host path (bind) or volume name (volume; `None` = anonymous).
    pub source: Option<String>,
    /// The path inside the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
    /// For volumes: do not copy the image's content into a new volume.
    #[serde(default)]
    pub no_copy: bool,
    /// For binds: propagation (`rprivate`, `shared`, …).
    #[serde(default)]
    pub propagation: Option<String>,
    /// For binds: create the host path if it is missing (the `-v` behaviour).
    #[serde(default)]
    pub create_host_path: bool,
    /// For tmpfs: size in bytes.
    #[serde(default)]
    pub tmpfs_size: Option<i64>,
}

/// A mount as the engine reports it on a container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MountInfo {
    /// `bind`, `volume`, `tmpfs`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Volume name, for volumes.
    pub name: Option<String>,
    /// Host path of the mount.
    pub source: String,
    /// Path inside the container.
    pub destination: String,
    /// Writable.
    pub rw: bool,
    /// Mount mode string (e.g. `ro,Z`).
    pub mode: String,
    /// Propagation (binds).
    pub propagation: String,
}

/// When the engine restarts a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Never (`no`).
    #[default]
    No,
    /// Always, also after a daemon restart.
    Always,
    /// Always, unless the user stopped it.
    UnlessStopped,
    /// When it exits non-zero, at most `max_retries` times (0 = unlimited).
    OnFailure {
        /// Retry limit, 0 for none.
        max_retries: u32,
    },
}

impl FromStr for RestartPolicy {
    type Err = String;
    /// Parses Docker's `--restart` syntax: `no`, `always`, `unless-stopped`, `on-failure[:N]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, max) = match s.split_once(':') {
            Some((n, m)) => (n, Some(m)),
            None => (s, None),
        };
        match (name, max) {
            ("no" | "", None) => Ok(Self::No),
            ("always", None) => Ok(Self::Always),
            ("unless-stopped", None) => Ok(Self::UnlessStopped),
            ("on-failure", None) => Ok(Self::OnFailure { max_retries: 0 }),
            ("on-failure", Some(m)) => m
                .parse()
                .map(|max_retries| Self::OnFailure { max_retries })
                .map_err(|_| format!("invalid restart retry count `{m}`: expected a whole number")),
            (n, Some(_)) if n != "on-failure" => {
                Err(format!("restart policy `{n}` takes no retry count; only on-failure[:N] does"))
            }
            _ => Err(format!("invalid restart policy `{s}`: expected no, always, unless-stopped or on-failure[:N]")),
        }
    }
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::No => f.write_str("no"),
            Self::Always => f.write_str("always"),
            Self::UnlessStopped => f.write_str("unless-stopped"),
            Self::OnFailure { max_retries: 0 } => f.write_str("on-failure"),
            Self::OnFailure { max_retries } => write!(f, "on-failure:{max_retries}"),
        }
    }
}

/// A health check, in the engine's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]` (disable the image's check).
    pub test: Vec<String>,
    /// Time between checks.
    pub interval: Option<Duration>,
    /// Time a check may take.
    pub timeout: Option<Duration>,
    /// Failures in a row before unhealthy.
    pub retries: Option<u32>,
    /// Grace period after start during which failures do not count.
    pub start_period: Option<Duration>,
    /// Time between checks during the start period.
    pub start_interval: Option<Duration>,
}

/// One network a container joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAttachment {
    /// Network name or id.
    pub network: String,
    /// Extra DNS names on that network.
    pub aliases: Vec<String>,
    /// A fixed IPv4 address.
    pub ipv4_address: Option<String>,
    /// A fixed IPv6 address.
    pub ipv6_address: Option<String>,
}

/// A ulimit (`nofile=1024:2048`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ulimit {
    /// Resource name (`nofile`, `nproc`, …).
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// A host device made visible in the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceMapping {
    /// Path on the host.
    pub host_path: String,
    /// Path in the container.
    pub container_path: String,
    /// cgroup permissions (`rwm`).
    pub permissions: String,
}

/// Everything TuxPilot can ask for when creating a container.
///
/// Fields left at their default mean "the engine's default".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerSpec {
    /// Container name (`None` = the engine picks one).
    pub name: Option<String>,
    /// Image reference.
    pub image: String,
    /// Command (overrides the image's `CMD`).
    pub command: Option<Vec<String>>,
    /// Entrypoint (overrides the image's `ENTRYPOINT`).
    pub entrypoint: Option<Vec<String>>,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Ports exposed without publishing.
    pub exposed_ports: Vec<ContainerPort>,
    /// Ports published on the host (these are exposed too).
    pub port_bindings: Vec<PortBinding>,
    /// Publish every exposed port on a random host port (`-P`).
    pub publish_all_ports: bool,
    /// Mounts (binds, volumes, tmpfs).
    pub mounts: Vec<MountSpec>,
    /// Memory limit in bytes.
    pub memory_limit: Option<i64>,
    /// Memory soft limit in bytes.
    pub memory_reservation: Option<i64>,
    /// Memory + swap limit in bytes (-1 = unlimited swap).
    pub memory_swap: Option<i64>,
    /// Relative CPU weight.
    pub cpu_shares: Option<i64>,
    /// CPU limit in billionths of a CPU (`--cpus 1.5` = 1 500 000 000).
    pub nano_cpus: Option<i64>,
    /// CPUs the container may use (`0-3`, `0,1`).
    pub cpuset_cpus: Option<String>,
    /// Process count limit.
    pub pids_limit: Option<i64>,
    /// Restart policy.
    pub restart_policy: Option<RestartPolicy>,
    /// User (`uid[:gid]` or name).
    pub user: Option<String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// Health check (overrides the image's).
    pub healthcheck: Option<HealthCheck>,
    /// Networks to join. The first is joined at create, the others right after.
    pub networks: Vec<NetworkAttachment>,
    /// `bridge`, `host`, `none`, `container:<id>` or a network name.
    pub network_mode: Option<String>,
    /// Hostname.
    pub hostname: Option<String>,
    /// Domain name.
    pub domainname: Option<String>,
    /// Allocate a TTY.
    pub tty: bool,
    /// Keep stdin open.
    pub open_stdin: bool,
    /// Close stdin when the one attached client detaches (`docker run -i`).
    pub stdin_once: bool,
    /// Signal to stop the container.
    pub stop_signal: Option<String>,
    /// Seconds to wait after the stop signal before killing.
    pub stop_timeout: Option<i64>,
    /// Extended privileges.
    pub privileged: bool,
    /// Read-only root filesystem.
    pub read_only_rootfs: bool,
    /// Capabilities to add.
    pub cap_add: Vec<String>,
    /// Capabilities to drop.
    pub cap_drop: Vec<String>,
    /// Security options (`no-new-privileges`, `seccomp=…`).
    pub security_opt: Vec<String>,
    /// `host:ip` entries for `/etc/hosts`.
    pub extra_hosts: Vec<String>,
    /// DNS servers.
    pub dns: Vec<String>,
    /// DNS search domains.
    pub dns_search: Vec<String>,
    /// DNS options.
    pub dns_options: Vec<String>,
    /// tmpfs mounts: path → options.
    pub tmpfs: BTreeMap<String, String>,
    /// Namespaced kernel parameters.
    pub sysctls: BTreeMap<String, String>,
    /// Ulimits.
    pub ulimits: Vec<Ulimit>,
    /// Devices.
    pub devices: Vec<DeviceMapping>,
    /// Run an init process as PID 1.
    pub init: Option<bool>,
    /// `/dev/shm` size in bytes.
    pub shm_size: Option<i64>,
    /// PID namespace (`host`, `container:<id>`).
    pub pid_mode: Option<String>,
    /// IPC namespace (`host`, `shareable`, `container:<id>`).
    pub ipc_mode: Option<String>,
    /// UTS namespace (`host`).
    pub uts_mode: Option<String>,
    /// User namespace mode (`host`).
    pub userns_mode: Option<String>,
    /// Containers to take volumes from.
    pub volumes_from: Vec<String>,
    /// Legacy links (`name:alias`).
    pub links: Vec<String>,
    /// Logging driver.
    pub log_driver: Option<String>,
    /// Logging driver options.
    pub log_options: BTreeMap<String, String>,
    /// Extra groups for the user.
    pub group_add: Vec<String>,
    /// Remove the container when it exits.
    pub auto_remove: bool,
    /// Platform (`linux/amd64`).
    pub platform: Option<String>,
}

/// The seed's name for [`ContainerSpec`].
pub type ContainerCreateConfig = ContainerSpec;

/// What `create` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedContainer {
    /// The new container's id.
    pub id: String,
    /// Warnings the engine gave.
    pub warnings: Vec<String>,
}

/// One network endpoint of a container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NetworkEndpoint {
    /// Network id.
    pub network_id: String,
    /// IPv4 address on that network.
    pub ip_address: Option<String>,
    /// Gateway.
    pub gateway: Option<String>,
    /// MAC address.
    pub mac_address: Option<String>,
    /// DNS aliases.
    pub aliases: Vec<String>,
}

/// A container as `list` returns it (`docker ps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerSummary {
    /// Full id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// Image reference it was created from.
    pub image: String,
    /// Image id.
    pub image_id: String,
    /// Command line.
    pub command: String,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// State.
    pub state: ContainerState,
    /// Human status (`Up 5 minutes (healthy)`).
    pub status: String,
    /// Ports, published or not.
    pub ports: Vec<PortMapping>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Mounts.
    pub mounts: Vec<MountInfo>,
    /// Networks by name.
    pub networks: BTreeMap<String, NetworkEndpoint>,
}

/// The seed's name for [`ContainerSummary`].
pub type ContainerInfo = ContainerSummary;

/// Options for listing containers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListContainersOptions {
    /// Include stopped containers.
    pub all: bool,
    /// Engine-side filters (`label`, `name`, `status`, `id`, `ancestor`, …).
    pub filters: Filters,
}

/// The state part of an inspect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateDetails {
    /// State.
    pub status: ContainerState,
    /// Running (also true when paused).
    pub running: bool,
    /// Paused.
    pub paused: bool,
    /// Restarting.
    pub restarting: bool,
    /// Killed by the OOM killer.
    pub oom_killed: bool,
    /// Dead.
    pub dead: bool,
    /// Main process id on the host (0 when not running).
    pub pid: i64,
    /// Last exit code.
    pub exit_code: i64,
    /// Last error.
    pub error: String,
    /// Last start time.
    pub started_at: Option<DateTime<Utc>>,
    /// Last finish time.
    pub finished_at: Option<DateTime<Utc>>,
    /// Health, when a check is configured.
    pub health: Option<HealthStatus>,
    /// Consecutive failed health checks.
    pub failing_streak: i64,
    /// Output of the most recent health checks.
    pub health_log: Vec<String>,
}

/// The resource and security part of an inspect (`HostConfig`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HostConfigDetails {
    /// Memory limit in bytes (0 = none).
    pub memory: i64,
    /// Memory reservation in bytes.
    pub memory_reservation: i64,
    /// Memory + swap in bytes.
    pub memory_swap: i64,
    /// CPU shares (0 = default).
    pub cpu_shares: i64,
    /// Billionths of CPUs (0 = none).
    pub nano_cpus: i64,
    /// CFS quota.
    pub cpu_quota: i64,
    /// CFS period.
    pub cpu_period: i64,
    /// cpuset.
    pub cpuset_cpus: String,
    /// PID limit (`None` or ≤0 = none).
    pub pids_limit: Option<i64>,
    /// Privileged.
    pub privileged: bool,
    /// Read-only root filesystem.
    pub readonly_rootfs: bool,
    /// Added capabilities.
    pub cap_add: Vec<String>,
    /// Dropped capabilities.
    pub cap_drop: Vec<String>,
    /// Security options.
    pub security_opt: Vec<String>,
    /// Network mode.
    pub network_mode: String,
    /// PID mode.
    pub pid_mode: String,
    /// IPC mode.
    pub ipc_mode: String,
    /// UTS mode.
    pub uts_mode: String,
    /// User namespace mode.
    pub userns_mode: String,
    /// Restart policy.
    pub restart_policy: RestartPolicy,
    /// Published ports as configured.
    pub port_bindings: Vec<PortBinding>,
    /// Legacy binds (`src:dst[:opts]`).
    pub binds: Vec<String>,
    /// Devices.
    pub devices: Vec<DeviceMapping>,
    /// Remove on exit.
    pub auto_remove: bool,
    /// Init process.
    pub init: Option<bool>,
    /// Ulimits.
    pub ulimits: Vec<Ulimit>,
    /// Log driver.
    pub log_driver: String,
    /// Parent cgroup (`--cgroup-parent`), when set.
    pub cgroup_parent: Option<String>,
}

/// A container as `inspect` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerDetails {
    /// Full id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// Image reference from the config.
    pub image: String,
    /// Image id.
    pub image_id: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// State.
    pub state: StateDetails,
    /// How often the restart policy restarted it.
    pub restart_count: i64,
    /// Path of the main process.
    pub path: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Command.
    pub command: Vec<String>,
    /// Entrypoint.
    pub entrypoint: Vec<String>,
    /// Environment, `KEY=VALUE`.
    pub env: Vec<String>,
    /// User.
    pub user: String,
    /// Working directory.
    pub working_dir: String,
    /// Hostname.
    pub hostname: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Exposed ports.
    pub exposed_ports: Vec<ContainerPort>,
    /// Health check from the config.
    pub healthcheck: Option<HealthCheck>,
    /// Stop signal.
    pub stop_signal: Option<String>,
    /// TTY.
    pub tty: bool,
    /// Resources, security, restart, ports as configured.
    pub host_config: HostConfigDetails,
    /// Mounts.
    pub mounts: Vec<MountInfo>,
    /// Ports as currently mapped.
    pub ports: Vec<PortMapping>,
    /// Networks by name.
    pub networks: BTreeMap<String, NetworkEndpoint>,
    /// AppArmor profile.
    pub apparmor_profile: String,
    /// Writable layer size, when asked for.
    pub size_rw: Option<i64>,
}

/// Options for stopping and removing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RemoveOptions {
    /// Kill a running container first.
    pub force: bool,
    /// Also remove anonymous volumes.
    pub volumes: bool,
}

/// Which output stream a log chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// Standard input (attach only).
    Stdin,
    /// A TTY container's combined console output.
    Console,
}

/// Options for reading logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogOptions {
    /// Keep streaming new output.
    pub follow: bool,
    /// Only the last N lines (`None` = all).
    pub tail: Option<u64>,
    /// Ask the engine for timestamps (put in [`LogChunk::timestamp`]).
    pub timestamps: bool,
    /// Only output after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only lines before this time.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Include stdout.
    pub stdout: bool,
    /// Include stderr.
    pub stderr: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self { follow: false, tail: None, timestamps: false, since: None, until: None, stdout: true, stderr: true }
    }
}

/// A piece of log output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogChunk {
    /// Which stream.
    pub stream: LogStream,
    /// When the engine recorded it (with [`LogOptions::timestamps`]).
    pub timestamp: Option<DateTime<Utc>>,
    /// The text, usually one line with its newline; invalid UTF-8 is replaced.
    pub message: String,
}

/// How a container ended, from `wait`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitStatus {
    /// Exit code.
    pub code: i64,
    /// Error the engine reported while waiting, if any.
    pub error: Option<String>,
}

/// What a path in a container's filesystem is (`docker cp`'s stat).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PathStat {
    /// The last component of the path.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// A directory.
    pub is_dir: bool,
    /// Where a symbolic link points (empty otherwise).
    pub link_target: String,
}

/// Processes in a container (`docker top`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProcessList {
    /// Column titles (`UID`, `PID`, `CMD`…).
    pub titles: Vec<String>,
    /// One row per process.
    pub processes: Vec<Vec<String>>,
}

/// Resource limits to change on a running container (`docker update`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceUpdate {
    /// Memory limit in bytes.
    pub memory: Option<i64>,
    /// Memory + swap in bytes (must be ≥ memory when both are set).
    pub memory_swap: Option<i64>,
    /// Memory reservation in bytes.
    pub memory_reservation: Option<i64>,
    /// Billionths of CPUs.
    pub nano_cpus: Option<i64>,
    /// CPU shares.
    pub cpu_shares: Option<i64>,
    /// PID limit.
    pub pids_limit: Option<i64>,
    /// Restart policy.
    pub restart_policy: Option<RestartPolicy>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policy_round_trips_docker_syntax() {
        for s in ["no", "always", "unless-stopped", "on-failure", "on-failure:3"] {
            assert_eq!(s.parse::<RestartPolicy>().unwrap().to_string(), s);
        }
        assert!("sometimes".parse::<RestartPolicy>().unwrap_err().contains("sometimes"));
        assert!("on-failure:x".parse::<RestartPolicy>().is_err());
        assert!("always:3".parse::<RestartPolicy>().is_err());
    }

    #[test]
    fn port_mapping_formats_like_docker_ps() {
        let p = PortMapping {
            host_ip: Some("0.0.0.0".into()),
            host_port: Some(8080),
            container_port: 80,
            protocol: Protocol::Tcp,
        };
        assert_eq!(p.to_string(), "0.0.0.0:8080->80/tcp");
        let p = PortMapping {
            host_ip: Some("::".into()),
            host_port: Some(8080),
            container_port: 80,
            protocol: Protocol::Udp,
        };
        assert_eq!(p.to_string(), "[::]:8080->80/udp");
        let p = PortMapping { host_ip: None, host_port: None, container_port: 22, protocol: Protocol::Tcp };
        assert_eq!(p.to_string(), "22/tcp");
    }

    #[test]
    fn container_port_parses_engine_keys() {
        assert_eq!(ContainerPort::parse("80/tcp"), Some(ContainerPort::tcp(80)));
        assert_eq!(ContainerPort::parse("53/udp").map(|p| p.protocol), Some(Protocol::Udp));
        assert_eq!(ContainerPort::parse("x/tcp"), None);
    }
}

/// A piece of an attached process's output, as the engine sent it (raw bytes: a TTY's output
/// is not split into lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputChunk {
    /// Which stream (`Console` when the process has a TTY).
    pub stream: LogStream,
    /// The bytes.
    pub data: bytes::Bytes,
}

/// A process attached to: its output, and a writer to its standard input (shut it down to send
/// end-of-file).
pub struct AttachedSession {
    /// What the process writes.
    pub output: super::stream::EngineStream<OutputChunk>,
    /// Its standard input.
    pub input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
}

impl fmt::Debug for AttachedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AttachedSession")
    }
}

/// A command to run in a running container (`docker exec`); `Engine::exec` runs it without
/// stdin, `Engine::exec_attached` with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExecSpec {
    /// Command and arguments.
    pub command: Vec<String>,
    /// Extra environment, `KEY=VALUE`.
    pub env: Vec<String>,
    /// User.
    pub user: Option<String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// Allocate a TTY.
    pub tty: bool,
    /// Extended privileges.
    pub privileged: bool,
}

/// How an exec ended, with its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecOutput {
    /// Exit code.
    pub exit_code: i64,
    /// Output, stdout and stderr apart.
    pub output: Vec<LogChunk>,
}

/// A container's configuration as the engine's API spells it (`Config`, `HostConfig` and the
/// `EndpointSettings` of each network), for recreating it exactly: every setting the engine
/// knows is kept, including those TuxPilot's own types do not name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContainerBlueprint {
    /// Name without the leading `/`.
    pub name: String,
    /// The API's `Config` object (`Image`, `Env`, `Cmd`, `Labels`, `Healthcheck`…).
    pub config: serde_json::Value,
    /// The API's `HostConfig` object (`Binds`, `Mounts`, `PortBindings`, `RestartPolicy`…).
    pub host_config: serde_json::Value,
    /// Network name → the API's `EndpointSettings` (`Aliases`, `IPAMConfig`…).
    pub networks: BTreeMap<String, serde_json::Value>,
}

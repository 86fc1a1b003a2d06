//! Docker Swarm in TuxPilot's types: the swarm, nodes, services, tasks, secrets and configs.
//!
//! Only what TuxPilot deploys with is modelled. A service spec read back from the engine keeps
//! these fields; anything else a service carries is not kept by an update. That is also what
//! `docker stack deploy` does: it sends the whole spec from the compose file.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `docker swarm init` options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwarmInit {
    /// The address other nodes reach this one at (`10.0.0.1`, `eth0`).
    pub advertise_addr: Option<String>,
    /// The address to listen on for the cluster (`0.0.0.0:2377`).
    pub listen_addr: Option<String>,
}

/// `docker swarm join` options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwarmJoin {
    /// A manager's address (`10.0.0.1:2377`).
    pub remote_addrs: Vec<String>,
    /// The worker or manager join token.
    pub join_token: String,
    /// This node's advertised address.
    pub advertise_addr: Option<String>,
    /// This node's listen address.
    pub listen_addr: Option<String>,
}

/// The swarm, as a manager sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwarmInfo {
    /// The swarm's id.
    pub id: String,
    /// The worker join token.
    pub worker_token: String,
    /// The manager join token.
    pub manager_token: String,
}

/// A node's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// Runs tasks and the cluster store.
    Manager,
    /// Runs tasks.
    Worker,
}

/// Whether the scheduler may place tasks on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeAvailability {
    /// New tasks may go there.
    Active,
    /// No new tasks; the running ones stay.
    Pause,
    /// No tasks: the running ones are moved elsewhere.
    Drain,
}

impl std::str::FromStr for NodeAvailability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "active" => Ok(Self::Active),
            "pause" => Ok(Self::Pause),
            "drain" => Ok(Self::Drain),
            other => Err(format!("availability `{other}`: use active, pause or drain")),
        }
    }
}

/// A node of the swarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its id.
    pub id: String,
    /// Its version index (updates must send it).
    pub version: u64,
    /// Its hostname.
    pub hostname: String,
    /// The address the swarm reaches it at.
    pub addr: String,
    /// Manager or worker.
    pub role: NodeRole,
    /// Active, pause or drain.
    pub availability: NodeAvailability,
    /// `ready`, `down`, `disconnected`, `unknown`.
    pub state: String,
    /// Whether it leads the managers.
    pub leader: bool,
    /// Its labels (placement constraints use `node.labels.X`).
    pub labels: BTreeMap<String, String>,
    /// The engine version it runs.
    pub engine_version: String,
}

/// How a port is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishMode {
    /// On every node, through the routing mesh (needs IPVS).
    Ingress,
    /// On the node a task runs on only.
    Host,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePort {
    /// The container's port.
    pub target: u16,
    /// The node's port (`None`: the engine picks one, ingress only).
    pub published: Option<u16>,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// Ingress or host.
    pub mode: PublishMode,
}

/// How a service is reached by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointMode {
    /// One virtual IP, load-balanced (needs IPVS).
    #[default]
    Vip,
    /// DNS round robin over the tasks' addresses.
    Dnsrr,
}

/// What to do when an update fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SwarmFailureAction {
    /// Stop the update where it is.
    Pause,
    /// Go on.
    Continue,
    /// Return to the previous spec.
    Rollback,
}

/// Stop the old task first, or start the new one first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SwarmUpdateOrder {
    /// Old task stopped, then the new one started.
    StopFirst,
    /// New task running (and healthy), then the old one stopped.
    StartFirst,
}

/// `UpdateConfig` / `RollbackConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmUpdateConfig {
    /// Tasks updated at once (0: all).
    pub parallelism: u64,
    /// Time between batches.
    pub delay: Duration,
    /// What a failure does.
    pub failure_action: SwarmFailureAction,
    /// How long a new task is watched for failure after it runs.
    pub monitor: Duration,
    /// Failures tolerated, as a fraction of the tasks updated.
    pub max_failure_ratio: f64,
    /// Stop-first or start-first.
    pub order: SwarmUpdateOrder,
}

/// A health check (as a container's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmHealthCheck {
    /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`.
    pub test: Vec<String>,
    /// Between checks.
    pub interval: Option<Duration>,
    /// One check's limit.
    pub timeout: Option<Duration>,
    /// Failures before unhealthy.
    pub retries: Option<u32>,
    /// Failures not counted while starting.
    pub start_period: Option<Duration>,
}

/// A secret or config given to a service's containers as a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileReference {
    /// The secret's or config's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The file name in the container (`/run/secrets/<target>` for secrets; a path for configs).
    pub target: String,
    /// File mode.
    pub mode: u32,
}

/// A volume or bind mount of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmMount {
    /// `volume`, `bind` or `tmpfs`.
    pub kind: String,
    /// Volume name or host path.
    pub source: Option<String>,
    /// Path in the container.
    pub target: String,
    /// Read-only.
    pub read_only: bool,
    /// Labels of the volume each node creates.
    pub volume_labels: BTreeMap<String, String>,
}

/// A service, as TuxPilot deploys it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSpec {
    /// `<stack>_<service>`.
    pub name: String,
    /// Service labels (`com.docker.stack.namespace`, `com.docker.stack.image`…).
    pub labels: BTreeMap<String, String>,
    /// The image.
    pub image: String,
    /// Labels of the tasks' containers.
    pub container_labels: BTreeMap<String, String>,
    /// Entrypoint override (`Command` in the Swarm API).
    pub entrypoint: Option<Vec<String>>,
    /// Command (`Args` in the Swarm API).
    pub command: Option<Vec<String>>,
    /// `KEY=VALUE`.
    pub env: Vec<String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Replicas (replicated mode); `None` for a global service.
    pub replicas: Option<u64>,
    /// Networks and the aliases on each.
    pub networks: Vec<(String, Vec<String>)>,
    /// VIP or DNS round robin.
    pub endpoint_mode: EndpointMode,
    /// Published ports.
    pub ports: Vec<ServicePort>,
    /// How updates roll.
    pub update_config: Option<SwarmUpdateConfig>,
    /// How rollbacks roll.
    pub rollback_config: Option<SwarmUpdateConfig>,
    /// `none`, `on-failure` or `any`.
    pub restart_condition: Option<String>,
    /// Delay between restarts.
    pub restart_delay: Option<Duration>,
    /// Restarts before giving up.
    pub restart_max_attempts: Option<u64>,
    /// CPU limit in nano-CPUs.
    pub nano_cpus: Option<i64>,
    /// Memory limit in bytes.
    pub memory_bytes: Option<i64>,
    /// Reserved CPU in nano-CPUs.
    pub reserve_nano_cpus: Option<i64>,
    /// Reserved memory in bytes.
    pub reserve_memory_bytes: Option<i64>,
    /// Placement constraints (`node.role == manager`, `node.labels.zone == a`).
    pub constraints: Vec<String>,
    /// Spread preferences (`node.labels.zone`).
    pub preferences: Vec<String>,
    /// At most this many tasks of the service on one node (0: no limit).
    pub max_replicas_per_node: u64,
    /// Health check.
    pub health_check: Option<SwarmHealthCheck>,
    /// Time between SIGTERM and SIGKILL.
    pub stop_grace_period: Option<Duration>,
    /// Secrets as files.
    pub secrets: Vec<FileReference>,
    /// Configs as files.
    pub configs: Vec<FileReference>,
    /// Mounts.
    pub mounts: Vec<SwarmMount>,
    /// Bumped to force a redeploy without a change.
    pub force_update: u64,
}

impl ServiceSpec {
    /// A replicated service of `image`, one replica, everything else default.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            labels: BTreeMap::new(),
            image: image.into(),
            container_labels: BTreeMap::new(),
            entrypoint: None,
            command: None,
            env: Vec::new(),
            working_dir: None,
            user: None,
            replicas: Some(1),
            networks: Vec::new(),
            endpoint_mode: EndpointMode::Vip,
            ports: Vec::new(),
            update_config: None,
            rollback_config: None,
            restart_condition: None,
            restart_delay: None,
            restart_max_attempts: None,
            nano_cpus: None,
            memory_bytes: None,
            reserve_nano_cpus: None,
            reserve_memory_bytes: None,
            constraints: Vec::new(),
            preferences: Vec::new(),
            max_replicas_per_node: 0,
            health_check: None,
            stop_grace_period: None,
            secrets: Vec::new(),
            configs: Vec::new(),
            mounts: Vec::new(),
            force_update: 0,
        }
    }
}

/// The state of a service's last update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateStatus {
    /// `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`,
    /// `rollback_completed`.
    pub state: String,
    /// What the engine said.
    pub message: String,
    /// When it started (RFC 3339, the engine's clock).
    pub started_at: Option<String>,
    /// When it ended.
    pub completed_at: Option<String>,
}

/// A service, as the engine reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// Its id.
    pub id: String,
    /// Its version index: an update must send the one it read.
    pub version: u64,
    /// Its spec.
    pub spec: ServiceSpec,
    /// The last update, if any.
    pub update_status: Option<UpdateStatus>,
    /// When it was created (RFC 3339, the engine's clock).
    pub created_at: Option<String>,
    /// When its spec last changed.
    pub updated_at: Option<String>,
}

/// A task: one replica's slot on a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// Its id.
    pub id: String,
    /// The service it belongs to.
    pub service_id: String,
    /// Its slot (replicated services).
    pub slot: Option<u64>,
    /// The node it is on (empty while unscheduled).
    pub node_id: String,
    /// `new`, `pending`, `assigned`, `accepted`, `preparing`, `starting`, `running`,
    /// `complete`, `shutdown`, `failed`, `rejected`, `remove`, `orphaned`.
    pub state: String,
    /// What the engine wants it to be (`running`, `shutdown`…).
    pub desired_state: String,
    /// The engine's message.
    pub message: String,
    /// Why it failed, when it did.
    pub error: String,
    /// The container, once there is one.
    pub container_id: Option<String>,
    /// The task object's own version index.
    pub spec_version: u64,
    /// When the task was created (RFC 3339, the engine's clock).
    pub created_at: Option<String>,
    /// When its state last changed.
    pub status_timestamp: Option<String>,
}

/// A secret or a config (their data is never read back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmObject {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its data (configs only; secrets are never returned).
    pub data: Option<Vec<u8>>,
}

//! Engine-wide information and events.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `docker version`, server side.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EngineVersion {
    /// Engine version (`20.10.24`).
    pub version: String,
    /// Highest API version the engine speaks.
    pub api_version: String,
    /// Lowest API version it accepts.
    pub min_api_version: String,
    /// OS.
    pub os: String,
    /// Architecture.
    pub arch: String,
    /// Kernel.
    pub kernel_version: String,
    /// Go version it was built with.
    pub go_version: String,
    /// Git commit.
    pub git_commit: String,
}

/// `docker info`, the parts TuxPilot uses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EngineInfo {
    /// Engine id.
    pub id: String,
    /// Host name.
    pub name: String,
    /// Engine version.
    pub server_version: String,
    /// Containers in all.
    pub containers: i64,
    /// Running.
    pub containers_running: i64,
    /// Paused.
    pub containers_paused: i64,
    /// Stopped.
    pub containers_stopped: i64,
    /// Images.
    pub images: i64,
    /// Storage driver.
    pub storage_driver: String,
    /// Root of the engine's data (`/var/lib/docker`).
    pub docker_root_dir: String,
    /// `cgroupfs` or `systemd`.
    pub cgroup_driver: String,
    /// `1` or `2`.
    pub cgroup_version: String,
    /// Logical CPUs.
    pub ncpu: i64,
    /// Memory in bytes.
    pub mem_total: i64,
    /// Registries the daemon speaks plain HTTP to: its `insecure-registries` (CIDRs such as
    /// `127.0.0.0/8`, and host names).
    #[serde(default)]
    pub insecure_registries: Vec<String>,
    /// Host OS.
    pub operating_system: String,
    /// OS type (`linux`).
    pub os_type: String,
    /// Architecture.
    pub architecture: String,
    /// Kernel.
    pub kernel_version: String,
    /// `active`, `inactive`, …
    pub swarm_state: String,
    /// Security options (`name=seccomp,profile=default`, `name=apparmor`, `name=userns`).
    pub security_options: Vec<String>,
    /// Warnings the engine gives about its own setup.
    pub warnings: Vec<String>,
}

/// An event from the engine's event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineEvent {
    /// Object type: `container`, `image`, `network`, `volume`, …
    pub kind: String,
    /// What happened: `create`, `start`, `die`, `health_status: healthy`, …
    pub action: String,
    /// The object's id.
    pub actor_id: String,
    /// Attributes (name, image, labels, exit code…).
    pub attributes: BTreeMap<String, String>,
    /// When.
    pub time: Option<DateTime<Utc>>,
}

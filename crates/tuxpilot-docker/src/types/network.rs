//! Network and volume types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What to create as a network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkSpec {
    /// Name.
    pub name: String,
    /// Driver (`bridge` when `None`).
    pub driver: Option<String>,
    /// Driver options.
    pub options: BTreeMap<String, String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// No outside connectivity.
    pub internal: bool,
    /// Standalone containers may attach (overlay).
    pub attachable: bool,
    /// Enable IPv6.
    pub enable_ipv6: bool,
    /// Subnets (CIDR) for IPAM.
    pub subnets: Vec<String>,
}

/// A network as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Driver.
    pub driver: String,
    /// `local`, `swarm`, `global`.
    pub scope: String,
    /// Internal.
    pub internal: bool,
    /// Attachable.
    pub attachable: bool,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Driver options.
    pub options: BTreeMap<String, String>,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// Attached containers by id → name (inspect only; empty from list).
    pub containers: BTreeMap<String, String>,
    /// IPAM subnets (CIDR), chosen by the engine or given at creation.
    #[serde(default)]
    pub subnets: Vec<String>,
}

/// What to create as a volume.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeSpec {
    /// Name (`None` = the engine picks one).
    pub name: Option<String>,
    /// Driver (`local` when `None`).
    pub driver: Option<String>,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

/// A volume as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeInfo {
    /// Name.
    pub name: String,
    /// Driver.
    pub driver: String,
    /// Path on the host.
    pub mountpoint: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Driver options.
    pub options: BTreeMap<String, String>,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// `local` or `global`.
    pub scope: String,
}

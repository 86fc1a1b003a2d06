//! The Compose project model in canonical form: what `docker compose config` prints.

mod ports;
mod service;
mod volumes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

pub use ports::{PortConfig, parse_short as parse_port};
pub use service::*;
pub use volumes::{BindOptions, ServiceVolume, TmpfsOptions, VolumeOptions, parse_short as parse_volume};

use crate::de;

type Labels = BTreeMap<String, Option<String>>;

/// Whether a string field is left out of the printed project: unset, or empty, as Go's
/// `omitempty` leaves out compose-go's string fields (`image: ${UNSET}` prints nothing).
pub(crate) fn none_or_empty(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(str::is_empty)
}

/// `external:` — a boolean, or the legacy `{name: …}`.
fn external<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::Bool(b) => Ok(Some(b)),
        Json::String(s) if s == "true" || s == "false" => Ok(Some(s == "true")),
        Json::Object(m) if m.keys().all(|k| k == "name") => Ok(Some(true)),
        _ => Err(serde::de::Error::custom("external must be true or false")),
    }
}

/// Legacy `external: {name: x}` carries the name; this pulls it out before typing.
pub(crate) fn legacy_external_name(v: &Json) -> Option<String> {
    v.get("external")?.get("name")?.as_str().map(str::to_string)
}

/// IPAM pool.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpamPool {
    /// Subnet (CIDR).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub subnet: Option<String>,
    /// Allocation range.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub ip_range: Option<String>,
    /// Gateway.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub gateway: Option<String>,
    /// Reserved addresses.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aux_addresses: BTreeMap<String, String>,
}

/// IPAM settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipam {
    /// Driver.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub driver: Option<String>,
    /// Pools.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// A top-level network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Engine-side name (`<project>_<key>` unless set or external).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub name: Option<String>,
    /// Driver.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub driver: Option<String>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub driver_opts: Labels,
    /// IPAM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipam: Option<Ipam>,
    /// Managed outside the project.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "external")]
    pub external: Option<bool>,
    /// No outside access.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_bool")]
    pub internal: Option<bool>,
    /// Standalone containers may attach.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_bool")]
    pub attachable: Option<bool>,
    /// IPv4.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_bool")]
    pub enable_ipv4: Option<bool>,
    /// IPv6.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_bool")]
    pub enable_ipv6: Option<bool>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub labels: Labels,
}

/// A top-level volume.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeConfig {
    /// Engine-side name.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub name: Option<String>,
    /// Driver.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub driver: Option<String>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub driver_opts: Labels,
    /// Managed outside the project.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "external")]
    pub external: Option<bool>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub labels: Labels,
}

/// A top-level secret or config.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileObjectConfig {
    /// Engine-side name.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub name: Option<String>,
    /// File holding the content (made absolute).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub file: Option<String>,
    /// Environment variable holding the content.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub environment: Option<String>,
    /// Inline content (configs).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub content: Option<String>,
    /// Managed outside the project.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "external")]
    pub external: Option<bool>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub labels: Labels,
    /// Driver (secrets).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub driver: Option<String>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub driver_opts: Labels,
    /// Template driver.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub template_driver: Option<String>,
    /// The value of `environment`'s variable when the project was loaded: what `up` writes into
    /// the containers (not printed, not hashed).
    #[serde(skip)]
    pub environment_value: Option<String>,
}

/// A loaded, normalized Compose project.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Project name.
    #[serde(default)]
    pub name: String,
    /// Enabled services.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Networks.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, NetworkConfig>,
    /// Volumes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, VolumeConfig>,
    /// Secrets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, FileObjectConfig>,
    /// Configs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, FileObjectConfig>,
    /// Models, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Json>,
    /// Top-level `x-*` keys.
    #[serde(flatten, skip_deserializing, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Json>,
    /// Services disabled by profiles (not printed).
    #[serde(skip)]
    pub disabled_services: BTreeMap<String, Service>,
}

impl Project {
    /// The project without the networks, volumes, secrets and configs no service uses, as
    /// `docker compose config` (compose-go's `WithoutUnnecessaryResources`) prints it.
    pub fn without_unused_resources(mut self) -> Project {
        use std::collections::BTreeSet;
        let services = &self.services;
        let networks: BTreeSet<&str> = services.values().flat_map(|s| s.networks.keys().map(String::as_str)).collect();
        let volumes: BTreeSet<&str> = services
            .values()
            .flat_map(|s| s.volumes.iter())
            .filter(|v| v.kind == "volume")
            .filter_map(|v| v.source.as_deref())
            .collect();
        let secrets: BTreeSet<&str> = services
            .values()
            .flat_map(|s| s.secrets.iter().chain(s.build.iter().flat_map(|b| b.secrets.iter())))
            .map(|r| r.source.as_str())
            .collect();
        let configs: BTreeSet<&str> =
            services.values().flat_map(|s| s.configs.iter()).map(|r| r.source.as_str()).collect();
        self.networks.retain(|k, _| networks.contains(k.as_str()));
        self.volumes.retain(|k, _| volumes.contains(k.as_str()));
        self.secrets.retain(|k, _| secrets.contains(k.as_str()));
        self.configs.retain(|k, _| configs.contains(k.as_str()));
        self
    }
}

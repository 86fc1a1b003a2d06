//! A service, as the Compose Specification defines it, in canonical (long) form.
//!
//! Fields are declared in the order `docker compose config` prints them (profiles first, then
//! alphabetical), so serializing gives the same key order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::ports::PortConfig;
use super::volumes::ServiceVolume;
use crate::de::{self, Bytes, GoDuration};

type Labels = BTreeMap<String, Option<String>>;

/// compose-go omits false booleans (`omitempty`).
fn is_false(b: &Option<bool>) -> bool {
    !b.unwrap_or(false)
}

/// `build:` — a context path, or the long form.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    /// Build context (made absolute when loading).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub context: Option<String>,
    /// Dockerfile, relative to the context (default `Dockerfile`).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub dockerfile: Option<String>,
    /// Inline Dockerfile.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub dockerfile_inline: Option<String>,
    /// Build arguments.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub args: Labels,
    /// SSH agent sockets or keys: `default`, or `id=path` (a mapping `{id: path}` is written so).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "ssh")]
    pub ssh: Vec<String>,
    /// Labels on the image.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub labels: Labels,
    /// Cache sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_from: Vec<String>,
    /// Cache destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_to: Vec<String>,
    /// Do not use the cache.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub no_cache: Option<bool>,
    /// Stages built without the cache.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de::string_or_list")]
    pub no_cache_filter: Vec<String>,
    /// Extra build contexts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub additional_contexts: Labels,
    /// Network for RUN steps.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub network: Option<String>,
    /// Always pull base images.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub pull: Option<bool>,
    /// Target stage.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub target: Option<String>,
    /// /dev/shm size during build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<Bytes>,
    /// Extra hosts during build.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "extra_hosts")]
    pub extra_hosts: Vec<String>,
    /// Isolation technology.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub isolation: Option<String>,
    /// Privileged build.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub privileged: Option<bool>,
    /// Secrets available to the build.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "file_refs")]
    pub secrets: Vec<FileRef>,
    /// Extra tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Target platforms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// ulimits during build.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, Ulimit>,
    /// Entitlements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<String>,
    /// Provenance attestation (`true`, `false` or buildx's `mode=max`…; a string, as compose-go types it).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty", deserialize_with = "de::opt_string")]
    pub provenance: Option<String>,
    /// SBOM attestation (a string, as compose-go types it).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty", deserialize_with = "de::opt_string")]
    pub sbom: Option<String>,
}

/// `build.ssh`: a list of `id` or `id=path`, or a mapping of id to path.
fn ssh<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Object(m) => m
            .into_iter()
            .map(|(k, v)| match v {
                Json::Null => Ok(k),
                v => de::scalar_to_string(&v)
                    .map(|p| format!("{k}={p}"))
                    .ok_or_else(|| serde::de::Error::custom(format!(".{k} must be a string"))),
            })
            .collect(),
        v => de::string_or_list(v).map_err(serde::de::Error::custom),
    }
}

fn build<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<BuildConfig>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::String(context) => Ok(Some(BuildConfig { context: Some(context), ..Default::default() })),
        v @ Json::Object(_) => serde_json::from_value(v).map(Some).map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("must be a path to the build context or a mapping")),
    }
}

/// A reference to a secret or config, canonical long form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// The top-level secret/config name.
    pub source: String,
    /// Where it appears in the container.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub target: Option<String>,
    /// Owner uid.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty", deserialize_with = "de::opt_string")]
    pub uid: Option<String>,
    /// Owner gid.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty", deserialize_with = "de::opt_string")]
    pub gid: Option<String>,
    /// File mode (octal when written with a leading 0).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "file_mode")]
    pub mode: Option<i64>,
}

fn file_mode<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::Number(n) => n.as_i64().map(Some).ok_or_else(|| serde::de::Error::custom("mode must be a whole number")),
        Json::String(s) => {
            let t = s.trim_start_matches("0o");
            i64::from_str_radix(t, 8)
                .map(Some)
                .map_err(|_| serde::de::Error::custom(format!("invalid file mode `{s}`: use octal such as 0440")))
        }
        _ => Err(serde::de::Error::custom("mode must be a number such as 0440")),
    }
}

fn file_refs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<FileRef>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(source) => Ok(FileRef { source, target: None, uid: None, gid: None, mode: None }),
                v @ Json::Object(_) => serde_json::from_value(v).map_err(serde::de::Error::custom),
                _ => Err(serde::de::Error::custom("each entry must be a name or a mapping with `source`")),
            })
            .collect(),
        _ => Err(serde::de::Error::custom("must be a list")),
    }
}

fn extra_hosts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    // List entries are `host:ip` or `host=ip`; a mapping is host → ip (or a list of ips).
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .iter()
            .map(|i| {
                let s =
                    de::scalar_to_string(i).ok_or_else(|| serde::de::Error::custom("each entry must be `host:ip`"))?;
                Ok(match s.split_once('=') {
                    Some((h, ip)) => format!("{h}={ip}"),
                    None => match s.split_once(':') {
                        Some((h, ip)) => format!("{h}={ip}"),
                        None => return Err(serde::de::Error::custom(format!("invalid extra host `{s}`: use host:ip"))),
                    },
                })
            })
            .collect(),
        Json::Object(m) => {
            let mut out = Vec::new();
            for (h, v) in m {
                match v {
                    Json::Array(ips) => {
                        for ip in ips {
                            out.push(format!("{h}={}", de::scalar_to_string(&ip).unwrap_or_default()));
                        }
                    }
                    other => out.push(format!("{h}={}", de::scalar_to_string(&other).unwrap_or_default())),
                }
            }
            Ok(out)
        }
        _ => Err(serde::de::Error::custom("must be a list of host:ip or a mapping")),
    }
}

/// One dependency in `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    #[serde(default = "service_started")]
    pub condition: String,
    /// Restart this service when the dependency is updated.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub restart: Option<bool>,
    /// Fail when the dependency is missing (default true).
    #[serde(default = "yes", deserialize_with = "bool_default_true")]
    pub required: bool,
}

fn service_started() -> String {
    "service_started".into()
}

fn yes() -> bool {
    true
}

fn bool_default_true<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(de::opt_bool(d)?.unwrap_or(true))
}

impl Dependency {
    /// `service_started`, required.
    pub fn started() -> Self {
        Self { condition: service_started(), restart: None, required: true }
    }
}

fn depends_on<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Dependency>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(BTreeMap::new()),
        Json::Array(items) => items
            .iter()
            .map(|i| match i {
                Json::String(s) => Ok((s.clone(), Dependency::started())),
                _ => Err(serde::de::Error::custom("each entry must be a service name")),
            })
            .collect(),
        Json::Object(m) => m
            .into_iter()
            .map(|(k, v)| {
                let dep: Dependency = if v.is_null() {
                    Dependency::started()
                } else {
                    serde_json::from_value(v).map_err(serde::de::Error::custom)?
                };
                if !["service_started", "service_healthy", "service_completed_successfully"].contains(&dep.condition.as_str()) {
                    return Err(serde::de::Error::custom(format!(
                        "invalid condition `{}` for `{k}`: use service_started, service_healthy or service_completed_successfully",
                        dep.condition
                    )));
                }
                Ok((k, dep))
            })
            .collect(),
        _ => Err(serde::de::Error::custom("must be a list of service names or a mapping")),
    }
}

/// A service's attachment to one network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNetwork {
    /// Extra DNS names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Fixed IPv4 address.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub ipv4_address: Option<String>,
    /// Fixed IPv6 address.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub ipv6_address: Option<String>,
    /// Link-local addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    /// MAC address.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub mac_address: Option<String>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, Json>,
    /// Connection order.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub priority: Option<i64>,
    /// Gateway priority.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub gw_priority: Option<i64>,
    /// Interface name.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub interface_name: Option<String>,
}

fn networks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Option<ServiceNetwork>>, D::Error> {
    de::NullableMap::list_or_map(d)
}

/// `healthcheck:`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    /// `["CMD", …]`, `["CMD-SHELL", "…"]`, `["NONE"]`; a string means CMD-SHELL.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "health_test")]
    pub test: Vec<String>,
    /// Time a check may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GoDuration>,
    /// Time between checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<GoDuration>,
    /// Failures before unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub retries: Option<i64>,
    /// Grace period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<GoDuration>,
    /// Interval during the grace period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<GoDuration>,
    /// Disable the image's check.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub disable: Option<bool>,
}

fn health_test<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::String(s) => Ok(vec!["CMD-SHELL".into(), s]),
        Json::Array(items) => {
            let v: Vec<String> = items
                .iter()
                .map(|i| {
                    de::scalar_to_string(i).ok_or_else(|| serde::de::Error::custom("each element must be a string"))
                })
                .collect::<Result<_, _>>()?;
            match v.first().map(String::as_str) {
                Some("CMD" | "CMD-SHELL" | "NONE") | None => Ok(v),
                Some(other) => {
                    Err(serde::de::Error::custom(format!("test must start with CMD, CMD-SHELL or NONE, not `{other}`")))
                }
            }
        }
        _ => Err(serde::de::Error::custom("must be a string or a list")),
    }
}

/// `logging:`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    /// Driver.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub driver: Option<String>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub options: Labels,
}

/// A ulimit: one value for both, or soft and hard (numbers, or strings after interpolation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Ulimit {
    /// Same soft and hard limit.
    Single(i64),
    /// Separate limits.
    SoftHard {
        /// Soft limit.
        soft: i64,
        /// Hard limit.
        hard: i64,
    },
}

impl<'de> Deserialize<'de> for Ulimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct SoftHard {
            #[serde(deserialize_with = "de::opt_i64")]
            soft: Option<i64>,
            #[serde(deserialize_with = "de::opt_i64")]
            hard: Option<i64>,
        }
        match Json::deserialize(d)? {
            v @ Json::Object(_) => {
                let l: SoftHard = serde_json::from_value(v).map_err(serde::de::Error::custom)?;
                match (l.soft, l.hard) {
                    (Some(soft), Some(hard)) => Ok(Ulimit::SoftHard { soft, hard }),
                    (None, _) => Err(serde::de::Error::custom("missing property 'soft'")),
                    (_, None) => Err(serde::de::Error::custom("missing property 'hard'")),
                }
            }
            v => de::opt_i64(v)
                .map_err(serde::de::Error::custom)?
                .map(Ulimit::Single)
                .ok_or_else(|| serde::de::Error::custom("must be a integer or a mapping with `soft` and `hard`")),
        }
    }
}

/// A device mapping, canonical long form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Host path.
    pub source: String,
    /// Container path.
    pub target: String,
    /// cgroup permissions.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub permissions: Option<String>,
}

fn devices<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Device>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => {
                    let parts: Vec<&str> = s.split(':').collect();
                    match parts.as_slice() {
                        [p] => {
                            Ok(Device { source: p.to_string(), target: p.to_string(), permissions: Some("rwm".into()) })
                        }
                        [src, dst] => Ok(Device {
                            source: src.to_string(),
                            target: dst.to_string(),
                            permissions: Some("rwm".into()),
                        }),
                        [src, dst, perm] => Ok(Device {
                            source: src.to_string(),
                            target: dst.to_string(),
                            permissions: Some(perm.to_string()),
                        }),
                        _ => Err(serde::de::Error::custom(format!(
                            "invalid device `{s}`: use HOST[:CONTAINER[:PERMISSIONS]]"
                        ))),
                    }
                }
                v @ Json::Object(_) => serde_json::from_value(v).map_err(serde::de::Error::custom),
                _ => Err(serde::de::Error::custom("each device must be a string or mapping")),
            })
            .collect(),
        _ => Err(serde::de::Error::custom("must be a list")),
    }
}

/// An `env_file` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvFile {
    /// Path (made absolute when loading).
    pub path: String,
    /// Fail when the file is missing (default true).
    #[serde(default = "yes", deserialize_with = "bool_default_true")]
    pub required: bool,
    /// `raw` to take values without interpolation or quote handling.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub format: Option<String>,
}

fn env_files<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<EnvFile>, D::Error> {
    let one = |v: Json| -> Result<EnvFile, D::Error> {
        match v {
            Json::String(path) => Ok(EnvFile { path, required: true, format: None }),
            v @ Json::Object(_) => serde_json::from_value(v).map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom("each env_file must be a path or a mapping with `path`")),
        }
    };
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items.into_iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

/// `deploy.resources.limits` / `reservations`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// CPUs (`0.5`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_f64")]
    pub cpus: Option<f64>,
    /// Memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Bytes>,
    /// Process limit.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub pids: Option<i64>,
    /// Devices (GPUs…), passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Json>,
    /// Generic resources, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic_resources: Option<Json>,
}

/// `deploy.resources`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Resource>,
    /// Reservations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Resource>,
}

/// `deploy.restart_policy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartPolicy {
    /// `none`, `on-failure`, `any`.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub condition: Option<String>,
    /// Wait between restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<GoDuration>,
    /// Restart attempts.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub max_attempts: Option<i64>,
    /// Window to decide success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<GoDuration>,
}

/// `deploy.update_config` / `rollback_config`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateConfig {
    /// Containers updated at once.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub parallelism: Option<i64>,
    /// Wait between batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<GoDuration>,
    /// `continue`, `rollback`, `pause`.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub failure_action: Option<String>,
    /// Watch time after each update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<GoDuration>,
    /// Tolerated failure ratio.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_f64")]
    pub max_failure_ratio: Option<f64>,
    /// `stop-first` or `start-first`.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub order: Option<String>,
}

/// `deploy.placement`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// Constraints (`node.role==manager`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    /// Preferences, passed through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<Json>,
    /// Replicas per node.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub max_replicas_per_node: Option<i64>,
}

/// `deploy:`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deploy {
    /// `replicated` or `global`.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub mode: Option<String>,
    /// Replicas.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub replicas: Option<i64>,
    /// Service labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub labels: Labels,
    /// Update policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    /// Rollback policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    /// Resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Restart policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// Placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// `vip` or `dnsrr`.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub endpoint_mode: Option<String>,
}

/// A service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Profiles that enable it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub annotations: Labels,
    /// Attach logs in `up` (default true, so `false` is kept).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_bool")]
    pub attach: Option<bool>,
    /// Build.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "build")]
    pub build: Option<BuildConfig>,
    /// Block I/O settings, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blkio_config: Option<Json>,
    /// Capabilities added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    /// Capabilities dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    /// cgroup namespace.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub cgroup: Option<String>,
    /// Parent cgroup.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub cgroup_parent: Option<String>,
    /// Command.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::command")]
    pub command: Option<Vec<String>>,
    /// Configs.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "file_refs")]
    pub configs: Vec<FileRef>,
    /// Container name.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub container_name: Option<String>,
    /// CPU count (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub cpu_count: Option<i64>,
    /// CPU percent (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub cpu_percent: Option<i64>,
    /// CFS period.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub cpu_period: Option<i64>,
    /// CFS quota.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub cpu_quota: Option<i64>,
    /// Realtime period.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub cpu_rt_period: Option<i64>,
    /// Realtime runtime.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub cpu_rt_runtime: Option<i64>,
    /// CPU limit.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_f64")]
    pub cpus: Option<f64>,
    /// CPU shares.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub cpu_shares: Option<i64>,
    /// cpuset.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub cpuset: Option<String>,
    /// Credential spec (Windows), passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<Json>,
    /// Dependencies.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "depends_on")]
    pub depends_on: BTreeMap<String, Dependency>,
    /// Deploy settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    /// Development (watch) settings, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub develop: Option<Json>,
    /// Device cgroup rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_cgroup_rules: Vec<String>,
    /// Devices.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "devices")]
    pub devices: Vec<Device>,
    /// DNS servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de::string_or_list")]
    pub dns: Vec<String>,
    /// DNS options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<String>,
    /// DNS search domains.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de::string_or_list")]
    pub dns_search: Vec<String>,
    /// Domain name.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub domainname: Option<String>,
    /// Entrypoint.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::command")]
    pub entrypoint: Option<Vec<String>>,
    /// Environment (values from env files are merged in; `None` = unset).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub environment: Labels,
    /// Env files.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "env_files")]
    pub env_file: Vec<EnvFile>,
    /// Ports exposed to linked services.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de::string_list")]
    pub expose: Vec<String>,
    /// Links to containers outside the project.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_links: Vec<String>,
    /// `/etc/hosts` entries, as `host=ip`.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "extra_hosts")]
    pub extra_hosts: Vec<String>,
    /// GPUs, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<Json>,
    /// Extra groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de::string_list")]
    pub group_add: Vec<String>,
    /// Health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// Hostname.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub hostname: Option<String>,
    /// Image.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty", deserialize_with = "de::opt_str_only")]
    pub image: Option<String>,
    /// Run an init (`false` is kept, as compose-go keeps it).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_bool")]
    pub init: Option<bool>,
    /// IPC namespace.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub ipc: Option<String>,
    /// Isolation.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub isolation: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub labels: Labels,
    /// Label files.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de::string_or_list")]
    pub label_file: Vec<String>,
    /// Legacy links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// Logging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// MAC address.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub mac_address: Option<String>,
    /// Memory limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_limit: Option<Bytes>,
    /// Memory reservation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_reservation: Option<Bytes>,
    /// Swappiness.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub mem_swappiness: Option<i64>,
    /// Memory + swap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memswap_limit: Option<Bytes>,
    /// Models, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Json>,
    /// Network mode.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub network_mode: Option<String>,
    /// Networks (`None` value = default settings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "networks")]
    pub networks: BTreeMap<String, Option<ServiceNetwork>>,
    /// Disable the OOM killer.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub oom_kill_disable: Option<bool>,
    /// OOM score adjustment.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub oom_score_adj: Option<i64>,
    /// PID namespace.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub pid: Option<String>,
    /// PID limit.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub pids_limit: Option<i64>,
    /// Platform.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub platform: Option<String>,
    /// Ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "super::ports::ports")]
    pub ports: Vec<PortConfig>,
    /// Lifecycle hooks, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_start: Option<Json>,
    /// Lifecycle hooks, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_stop: Option<Json>,
    /// Lifecycle hooks (run before the container starts), passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_start: Option<Json>,
    /// Lifecycle hooks, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<Json>,
    /// Privileged.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub privileged: Option<bool>,
    /// Provider service, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Json>,
    /// `always`, `never`, `missing`, `build`, `daily`, `weekly`, `every_<duration>`.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub pull_policy: Option<String>,
    /// Read-only root filesystem.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub read_only: Option<bool>,
    /// `no`, `always`, `on-failure[:N]`, `unless-stopped`.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty", deserialize_with = "de::opt_string")]
    pub restart: Option<String>,
    /// Runtime.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub runtime: Option<String>,
    /// Replicas (`deploy.replicas` also sets it).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::opt_i64")]
    pub scale: Option<i64>,
    /// Secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "file_refs")]
    pub secrets: Vec<FileRef>,
    /// Security options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    /// /dev/shm size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<Bytes>,
    /// Keep stdin open.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub stdin_open: Option<bool>,
    /// Grace period before SIGKILL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<GoDuration>,
    /// Stop signal.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub stop_signal: Option<String>,
    /// Storage options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub storage_opt: BTreeMap<String, String>,
    /// Kernel parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "de::list_or_map")]
    pub sysctls: Labels,
    /// tmpfs mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de::string_or_list")]
    pub tmpfs: Vec<String>,
    /// Allocate a TTY.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub tty: Option<bool>,
    /// ulimits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, Ulimit>,
    /// Mount the Docker API socket, passed through.
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::flag")]
    pub use_api_socket: Option<bool>,
    /// User.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty", deserialize_with = "de::opt_string")]
    pub user: Option<String>,
    /// User namespace mode.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub userns_mode: Option<String>,
    /// UTS namespace.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub uts: Option<String>,
    /// Volume driver.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub volume_driver: Option<String>,
    /// Mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "super::volumes::volumes")]
    pub volumes: Vec<ServiceVolume>,
    /// Take volumes from other services/containers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub working_dir: Option<String>,
    /// `x-*` keys of the service.
    #[serde(flatten, skip_deserializing, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Json>,
}

impl Service {
    /// The number of containers: `deploy.replicas`, else `scale`, else 1.
    pub fn replicas(&self) -> i64 {
        self.deploy.as_ref().and_then(|d| d.replicas).or(self.scale).unwrap_or(1)
    }
}

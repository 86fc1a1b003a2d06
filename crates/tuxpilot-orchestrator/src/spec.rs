//! The `app.yaml` format: plain data, with the short and long forms compose users know. Parsing
//! and checking are in [`crate::load`]; turning it into a compose project is [`crate::lower`].

use std::collections::BTreeMap;
use std::time::Duration;

use indexmap::IndexMap;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// An application: the seed's `ApplicationDeployment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDeployment {
    /// The app's name: the compose project name of everything it runs.
    pub name: String,
    /// The version deployed (free text; `1.2.0`, a git sha…). Default `latest`.
    #[serde(default, deserialize_with = "opt_scalar", skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The containers (services), by name; also accepted as a list of entries with `name`
    /// (turned into this mapping by the loader, so errors keep their lines).
    pub containers: IndexMap<String, ContainerDeploymentConfig>,
    /// The app network's name (default `<name>_default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Named volumes: a list of names or a mapping of name to options.
    #[serde(default, deserialize_with = "named_volumes", skip_serializing_if = "IndexMap::is_empty")]
    pub volumes: IndexMap<String, VolumeDefinition>,
    /// Secrets, mounted at `/run/secrets/<name>`: name to `{file}` (or a bare file path).
    #[serde(default, deserialize_with = "secrets", skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<String, SecretDefinition>,
    /// Environment given to every container (a container's own entries win).
    #[serde(default, deserialize_with = "env_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Labels put on every container.
    #[serde(default, deserialize_with = "env_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The update policy of every container that has none of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdatePolicy>,
}

impl ApplicationDeployment {
    /// The version, `latest` when none is given.
    pub fn version(&self) -> &str {
        self.version.as_deref().unwrap_or("latest")
    }
}

/// One container (a service with replicas): the seed's `ContainerDeploymentConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerDeploymentConfig {
    /// The name, in the list form of `containers` only.
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Image (`nginx`, `registry:5000/team/app`, `app@sha256:…`).
    pub image: String,
    /// Tag, when `image` has none.
    #[serde(default, deserialize_with = "opt_scalar", skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// How many replicas (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// Limits and reservations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceLimits>,
    /// Environment: a mapping or a list of `KEY=VALUE`.
    #[serde(default, deserialize_with = "env_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Published ports: `"8080:80"`, `"127.0.0.1:8080:80/udp"`, `"8080-8082:80"`, `80`, or
    /// `{host, container, protocol, host_ip}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// Mounts: `"data:/var/lib/x:ro"`, `"./dir:/x"`, or `{source, target, read_only}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    /// Containers started (and healthy, when they have a health check) before this one.
    #[serde(default, deserialize_with = "depends_on", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// The health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckSpec>,
    /// `no`, `always`, `unless-stopped`, `on-failure[:N]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicySpec>,
    /// Command: a string (split like a shell) or a list.
    #[serde(default, deserialize_with = "command", skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Entrypoint: a string or a list.
    #[serde(default, deserialize_with = "command", skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// User (`uid[:gid]` or a name).
    #[serde(default, deserialize_with = "opt_scalar", skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Labels: a mapping or a list of `KEY=VALUE`.
    #[serde(default, deserialize_with = "env_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Secrets of the app this container gets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    /// How long a stop waits before killing (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<DurationSpec>,
    /// How updates replace its replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdatePolicy>,
    /// Where Swarm may run its replicas (`--backend swarm`; one engine has one place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<PlacementSpec>,
    /// How the service is reached by name on Swarm: `vip` (default, one virtual address) or
    /// `dnsrr` (DNS round robin over the replicas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_mode: Option<EndpointModeSpec>,
    /// How TuxPilot's proxy serves its fixed host ports on the local engine: `tcp` (default,
    /// connection level), `http` (request level, with `X-Forwarded-For`), or `off` (the
    /// replicas bind the port themselves; updates are then stop-first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyModeSpec>,
    /// Automatic image updates (`containers updates`): `off` (default), `digest` (the same tag
    /// at a new digest), `patch`, `minor` or `major` (the newest such tag). Becomes the label
    /// `tuxpilot.auto-update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_update: Option<crate::updates::policy::AutoUpdate>,
}

/// How a managed host port is served (`proxy:` of a container; the label `tuxpilot.proxy` in a
/// compose file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyModeSpec {
    /// Connection level: a connection stays with its replica.
    Tcp,
    /// Request level: every request goes to a current replica.
    Http,
    /// Not managed: the replicas publish the port themselves.
    Off,
}

impl ProxyModeSpec {
    /// `tcp`, `http` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Http => "http",
            Self::Off => "off",
        }
    }
}

/// Where Swarm may place replicas: compose's `deploy.placement`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementSpec {
    /// Node constraints, all of which must hold: `node.role == manager`,
    /// `node.labels.zone == a`, `node.hostname != db1`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    /// Spread over the values of a node label: `node.labels.zone` (or `{spread: node.labels.zone}`).
    #[serde(default, deserialize_with = "spreads", skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<String>,
    /// At most this many replicas on one node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas_per_node: Option<u32>,
}

/// Swarm's endpoint modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointModeSpec {
    /// One virtual IP, load-balanced by the kernel (IPVS).
    Vip,
    /// DNS round robin over the replicas' addresses.
    Dnsrr,
}

fn spreads<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let bad = |v: &dyn std::fmt::Display| {
        de::Error::custom(format!(
            "invalid placement preference {v}: use `node.labels.NAME` or {{spread: node.labels.NAME}}"
        ))
    };
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => Ok(s),
                Json::Object(m) if m.len() == 1 => match m.get("spread") {
                    Some(Json::String(s)) => Ok(s.clone()),
                    _ => Err(bad(&Json::Object(m))),
                },
                other => Err(bad(&other)),
            })
            .collect(),
        other => Err(bad(&other)),
    }
}

impl ContainerDeploymentConfig {
    /// `image:tag` (the image alone when it carries its tag or digest).
    pub fn image_reference(&self) -> String {
        match &self.tag {
            Some(t) => format!("{}:{t}", self.image),
            None => self.image.clone(),
        }
    }

    /// Replicas, 1 when not given.
    pub fn replicas(&self) -> u32 {
        self.replicas.unwrap_or(1)
    }
}

/// The seed's `ResourceLimits`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceLimits {
    /// Memory limit (`64m`, `1g`, or bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Size>,
    /// CPU limit in cores (`0.5`).
    #[serde(default, deserialize_with = "opt_cpus", skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// Memory reservation (soft limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<Size>,
    /// CPU reservation in cores (as CPU shares, 1 core = 1024).
    #[serde(default, deserialize_with = "opt_cpus", skip_serializing_if = "Option::is_none")]
    pub cpu_reservation: Option<f64>,
}

/// A health check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// `["CMD", "x", …]`, `["CMD-SHELL", "…"]`, a plain list (run as CMD), or a string (run by
    /// the shell). `["NONE"]` turns off the image's check.
    #[serde(deserialize_with = "health_test")]
    pub test: Vec<String>,
    /// Time between checks (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<DurationSpec>,
    /// Time one check may take (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationSpec>,
    /// Failures in a row that make it unhealthy (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Time after start when failures do not count (default 0s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<DurationSpec>,
}

/// How replicas are replaced: the fields of compose's `deploy.update_config`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    /// Replicas replaced at once (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    /// `start-first` (default: the new replica is healthy before the old one goes) or
    /// `stop-first`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<UpdateOrder>,
    /// Pause between batches (default 0s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DurationSpec>,
    /// How long a new replica without a health check must keep running to count (default 5s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<DurationSpec>,
    /// What a failed batch does: `rollback` (default), `pause`, `continue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<FailureAction>,
    /// The share of failed replicas tolerated (0 to 1, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failure_ratio: Option<f64>,
}

/// Update order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    /// New replica first, then the old one drained.
    StartFirst,
    /// Old replica stopped first.
    StopFirst,
}

impl UpdateOrder {
    /// As compose writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartFirst => "start-first",
            Self::StopFirst => "stop-first",
        }
    }
}

/// What a failed update does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureAction {
    /// Return the whole app to the previous version.
    Rollback,
    /// Stop where it is.
    Pause,
    /// Go on with the next batch.
    Continue,
}

impl FailureAction {
    /// As compose writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Pause => "pause",
            Self::Continue => "continue",
        }
    }
}

/// A restart policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestartPolicySpec {
    /// `no`.
    No,
    /// `always`.
    Always,
    /// `unless-stopped`.
    UnlessStopped,
    /// `on-failure[:N]`.
    OnFailure(Option<u32>),
}

impl RestartPolicySpec {
    /// Parses `no|always|unless-stopped|on-failure[:N]`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid restart policy `{s}`: use no, always, unless-stopped or on-failure[:N]");
        match s.trim() {
            "no" | "none" => Ok(Self::No),
            "always" => Ok(Self::Always),
            "unless-stopped" => Ok(Self::UnlessStopped),
            "on-failure" => Ok(Self::OnFailure(None)),
            other => match other.strip_prefix("on-failure:") {
                Some(n) => n.parse().map(|n| Self::OnFailure(Some(n))).map_err(|_| bad()),
                None => Err(bad()),
            },
        }
    }

    /// As compose's `restart:` writes it.
    pub fn as_compose(&self) -> String {
        match self {
            Self::No => "no".into(),
            Self::Always => "always".into(),
            Self::UnlessStopped => "unless-stopped".into(),
            Self::OnFailure(None) => "on-failure".into(),
            Self::OnFailure(Some(n)) => format!("on-failure:{n}"),
        }
    }
}

impl Serialize for RestartPolicySpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_compose())
    }
}

impl<'de> Deserialize<'de> for RestartPolicySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // YAML reads a bare `no` as false.
        match Json::deserialize(d)? {
            Json::Bool(false) => Ok(Self::No),
            Json::String(s) => Self::parse(&s).map_err(de::Error::custom),
            other => Err(de::Error::custom(format!(
                "invalid restart policy {other}: use no, always, unless-stopped or on-failure[:N]"
            ))),
        }
    }
}

/// A duration: `1s`, `2m`, `1h30m`, `500ms`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationSpec(pub Duration);

impl Serialize for DurationSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&tuxpilot_compose::format_go_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for DurationSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bad = |v: &dyn std::fmt::Display| {
            de::Error::custom(format!("invalid duration `{v}`: use a number with a unit, like 500ms, 10s, 2m or 1h30m"))
        };
        match Json::deserialize(d)? {
            Json::Number(n) => match n.as_f64() {
                Some(f) if f >= 0.0 && f.is_finite() => Ok(Self(Duration::from_secs_f64(f))),
                _ => Err(bad(&n)),
            },
            Json::String(s) => tuxpilot_compose::parse_go_duration(s.trim()).map(Self).map_err(|_| bad(&s)),
            other => Err(bad(&other)),
        }
    }
}

/// A size in bytes: `64m`, `1g`, `512k`, `100b`, or a number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Size(pub i64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bad = |v: &dyn std::fmt::Display| {
            de::Error::custom(format!("invalid size `{v}`: use a number with a unit, like 64m, 512k or 1g"))
        };
        match Json::deserialize(d)? {
            Json::Number(n) => n.as_i64().filter(|b| *b >= 0).map(Self).ok_or_else(|| bad(&n)),
            Json::String(s) => match tuxpilot_compose::parse_bytes(s.trim()) {
                Ok(b) if b >= 0 => Ok(Self(b)),
                _ => Err(bad(&s)),
            },
            other => Err(bad(&other)),
        }
    }
}

/// A published port, in the long form (`{host, container, protocol, host_ip}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port {
    /// Host port or range (`8080`, `8080-8082`); none lets the engine pick one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Container port.
    pub container: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// Host address to bind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// On Swarm: `ingress` (every node, the routing mesh; default) or `host` (the node a
    /// replica runs on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

impl Port {
    /// The host ports this publishes: none (engine-assigned), one, or a range.
    pub fn host_range(&self) -> Option<(u16, u16)> {
        let h = self.host.as_deref()?;
        match h.split_once('-') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => h.parse().ok().map(|p| (p, p)),
        }
    }
}

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Long {
            #[serde(default, deserialize_with = "opt_scalar")]
            host: Option<String>,
            #[serde(deserialize_with = "scalar")]
            container: String,
            #[serde(default)]
            protocol: Option<String>,
            #[serde(default)]
            host_ip: Option<String>,
            #[serde(default)]
            mode: Option<String>,
        }
        let v = Json::deserialize(d)?;
        let short = match &v {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            _ => None,
        };
        if let Some(s) = short {
            let parsed = tuxpilot_compose::parse_port(&s).map_err(de::Error::custom)?;
            let [p] = parsed.as_slice() else {
                return Err(de::Error::custom(format!(
                    "port `{s}` maps a range of container ports; write one entry per container port"
                )));
            };
            return Ok(Port {
                host: p.published.clone(),
                container: p.target,
                protocol: p.protocol.clone(),
                host_ip: p.host_ip.clone(),
                mode: None,
            });
        }
        let long: Long = serde_json::from_value(v).map_err(de::Error::custom)?;
        // Checked with compose's own port parser, so both accept the same numbers.
        let text = match &long.host {
            Some(h) => format!("{h}:{}", long.container),
            None => long.container.clone(),
        };
        let parsed = tuxpilot_compose::parse_port(&text).map_err(de::Error::custom)?;
        let [p] = parsed.as_slice() else {
            return Err(de::Error::custom(format!("invalid port mapping `{text}`")));
        };
        let protocol = long.protocol.unwrap_or_else(|| "tcp".into()).to_ascii_lowercase();
        if !["tcp", "udp", "sctp"].contains(&protocol.as_str()) {
            return Err(de::Error::custom(format!("invalid protocol `{protocol}`: use tcp, udp or sctp")));
        }
        if let Some(m) = long.mode.as_deref().filter(|m| !["ingress", "host"].contains(m)) {
            return Err(de::Error::custom(format!("invalid port mode `{m}`: use ingress or host")));
        }
        Ok(Port { host: p.published.clone(), container: p.target, protocol, host_ip: long.host_ip, mode: long.mode })
    }
}

/// A mount, in the long form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    /// A named volume of the app, a host path (`./dir`, `/srv/x`), or none (anonymous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The path in the container.
    pub target: String,
    /// Read-only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

impl Mount {
    /// A host path rather than a named volume.
    pub fn is_bind(&self) -> bool {
        self.source.as_deref().is_some_and(|s| s.starts_with('.') || s.starts_with('/') || s.starts_with('~'))
    }
}

impl<'de> Deserialize<'de> for Mount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Long {
            #[serde(default)]
            source: Option<String>,
            target: String,
            #[serde(default)]
            read_only: bool,
        }
        match Json::deserialize(d)? {
            Json::String(s) => {
                let v = tuxpilot_compose::parse_volume(&s).map_err(de::Error::custom)?;
                Ok(Mount { source: v.source, target: v.target, read_only: v.read_only.unwrap_or(false) })
            }
            v @ Json::Object(_) => {
                let l: Long = serde_json::from_value(v).map_err(de::Error::custom)?;
                if !l.target.starts_with('/') {
                    return Err(de::Error::custom(format!(
                        "invalid mount target `{}`: it must be an absolute path in the container",
                        l.target
                    )));
                }
                Ok(Mount { source: l.source, target: l.target, read_only: l.read_only })
            }
            other => Err(de::Error::custom(format!(
                "invalid volume {other}: use \"SOURCE:TARGET[:ro]\" or {{source, target, read_only}}"
            ))),
        }
    }
}

/// A named volume's options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeDefinition {
    /// Driver (default `local`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    /// Made elsewhere: used as it is, never created or removed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    /// Engine-side name (default `<app>_<key>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A secret: a file on the deploying machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretDefinition {
    /// Path of the file (relative to the app file's directory).
    pub file: String,
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Json::deserialize(d)? {
        Json::String(s) => Ok(s),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(de::Error::custom(format!("expected a string or a number, found {other}"))),
    }
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::String(s) => Ok(Some(s)),
        Json::Number(n) => Ok(Some(n.to_string())),
        Json::Bool(b) => Ok(Some(b.to_string())),
        other => Err(de::Error::custom(format!("expected a string or a number, found {other}"))),
    }
}

fn opt_cpus<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let bad = |v: &dyn std::fmt::Display| {
        de::Error::custom(format!("invalid CPU count `{v}`: use a number of cores, like 0.5 or 2"))
    };
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::Number(n) => n.as_f64().filter(|f| *f > 0.0).map(Some).ok_or_else(|| bad(&n)),
        Json::String(s) => {
            s.trim().parse::<f64>().ok().filter(|f| *f > 0.0 && f.is_finite()).map(Some).ok_or_else(|| bad(&s))
        }
        other => Err(bad(&other)),
    }
}

/// A mapping of scalars, or a list of `KEY=VALUE` (a bare `KEY` is an empty value).
fn env_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let mut out = BTreeMap::new();
    match Json::deserialize(d)? {
        Json::Null => {}
        Json::Object(m) => {
            for (k, v) in m {
                let v = match v {
                    Json::Null => String::new(),
                    Json::String(s) => s,
                    Json::Number(n) => n.to_string(),
                    Json::Bool(b) => b.to_string(),
                    other => return Err(de::Error::custom(format!("value of `{k}` must be a string, found {other}"))),
                };
                out.insert(k, v);
            }
        }
        Json::Array(items) => {
            for item in items {
                let Json::String(s) = item else {
                    return Err(de::Error::custom(format!("entries must be KEY=VALUE strings, found {item}")));
                };
                let (k, v) = s.split_once('=').unwrap_or((s.as_str(), ""));
                out.insert(k.to_string(), v.to_string());
            }
        }
        other => return Err(de::Error::custom(format!("expected a mapping or a list of KEY=VALUE, found {other}"))),
    }
    if let Some(k) = out.keys().find(|k| k.is_empty() || k.chars().any(char::is_whitespace)) {
        return Err(de::Error::custom(format!("invalid name `{k}`: names must be non-empty and contain no spaces")));
    }
    Ok(out)
}

fn command<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::String(s) => shell_split(&s).map(Some).map_err(de::Error::custom),
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => Ok(s),
                Json::Number(n) => Ok(n.to_string()),
                other => Err(de::Error::custom(format!("command arguments must be strings, found {other}"))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        other => Err(de::Error::custom(format!("a command is a string or a list, found {other}"))),
    }
}

/// Splits like a POSIX shell does (quotes, backslashes), as compose splits string commands.
fn shell_split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(format!("unterminated quote in `{s}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err(format!("unterminated quote in `{s}`")),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(format!("unterminated quote in `{s}`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

fn health_test<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::String(s) if s.trim().is_empty() => Err(de::Error::custom("the health check test is empty")),
        Json::String(s) => Ok(vec!["CMD-SHELL".into(), s]),
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len() + 1);
            for i in items {
                match i {
                    Json::String(s) => out.push(s),
                    Json::Number(n) => out.push(n.to_string()),
                    other => return Err(de::Error::custom(format!("test arguments must be strings, found {other}"))),
                }
            }
            match out.first().map(String::as_str) {
                None => Err(de::Error::custom("the health check test is empty")),
                Some("CMD" | "CMD-SHELL" | "NONE") => Ok(out),
                Some(_) => {
                    out.insert(0, "CMD".into());
                    Ok(out)
                }
            }
        }
        other => Err(de::Error::custom(format!("test is a string or a list, found {other}"))),
    }
}

fn depends_on<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::String(s) => Ok(vec![s]),
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => Ok(s),
                other => Err(de::Error::custom(format!("depends_on lists container names, found {other}"))),
            })
            .collect(),
        // compose's long form: the keys are the names.
        Json::Object(m) => Ok(m.into_iter().map(|(k, _)| k).collect()),
        other => Err(de::Error::custom(format!("depends_on is a list of container names, found {other}"))),
    }
}

fn named_volumes<'de, D: Deserializer<'de>>(d: D) -> Result<IndexMap<String, VolumeDefinition>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(IndexMap::new()),
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => Ok((s, VolumeDefinition::default())),
                other => Err(de::Error::custom(format!("volumes lists names, found {other}"))),
            })
            .collect(),
        Json::Object(m) => m
            .into_iter()
            .map(|(k, v)| {
                let def = if v.is_null() {
                    VolumeDefinition::default()
                } else {
                    serde_json::from_value(v).map_err(|e| de::Error::custom(format!("{k}: {e}")))?
                };
                Ok((k, def))
            })
            .collect(),
        other => Err(de::Error::custom(format!("volumes is a list of names or a mapping, found {other}"))),
    }
}

fn secrets<'de, D: Deserializer<'de>>(d: D) -> Result<IndexMap<String, SecretDefinition>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(IndexMap::new()),
        Json::Object(m) => m
            .into_iter()
            .map(|(k, v)| match v {
                Json::String(file) => Ok((k, SecretDefinition { file })),
                v => serde_json::from_value(v)
                    .map(|s| (k.clone(), s))
                    .map_err(|e| de::Error::custom(format!("{k}: {e}"))),
            })
            .collect(),
        other => Err(de::Error::custom(format!("secrets is a mapping of name to {{file}}, found {other}"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shell_split_handles_quotes() {
        assert_eq!(shell_split(r#"sh -c "echo 'a b'" x\ y"#).unwrap(), vec!["sh", "-c", "echo 'a b'", "x y"]);
        assert!(shell_split("echo 'open").is_err());
    }

    #[test]
    fn restart_policies() {
        assert_eq!(RestartPolicySpec::parse("on-failure:3").unwrap(), RestartPolicySpec::OnFailure(Some(3)));
        assert!(RestartPolicySpec::parse("sometimes").unwrap_err().contains("on-failure[:N]"));
    }
}

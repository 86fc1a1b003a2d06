//! A compose project as a Swarm stack, named and labelled as `docker stack deploy` names them
//! (docker/cli `cli/compose/convert`), with TuxPilot's update defaults. Pure: nothing here reads a
//! file or touches an engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use sha2::{Digest, Sha256};
use tuxpilot_compose::{FileObjectConfig, Project, Service};
use tuxpilot_docker::{
    EndpointMode, FileReference, NetworkSpec, PublishMode, ServicePort, ServiceSpec, SwarmFailureAction,
    SwarmHealthCheck, SwarmMount, SwarmUpdateConfig, SwarmUpdateOrder,
};

use crate::deploy::{APP_LABEL, DEPLOYMENT_LABEL, VERSION_LABEL};

/// The stack label `docker stack` finds its objects by.
pub const NAMESPACE_LABEL: &str = "com.docker.stack.namespace";
/// The image as written, so a redeploy of the same file changes nothing.
pub const IMAGE_LABEL: &str = "com.docker.stack.image";
/// Hash of the converted spec (without the labels that change on every deployment).
pub const SPEC_HASH_LABEL: &str = "io.tuxpilot.spec-hash";
/// Digest of a secret's or config's data (the engine never gives secret data back).
pub const DIGEST_LABEL: &str = "io.tuxpilot.digest";

/// Where a secret's or config's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// A file on the deploying machine.
    File(PathBuf),
    /// The value of an environment variable of the deploying process.
    Environment(String),
    /// Inline content.
    Content(String),
}

/// A secret or config of the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFile {
    /// The key in the project.
    pub key: String,
    /// The engine-side name (`<stack>_<key>`, or `name:`).
    pub name: String,
    /// Made elsewhere: used, never created or removed.
    pub external: bool,
    /// The data, when not external.
    pub source: Option<FileSource>,
    /// Labels (`com.docker.stack.namespace` and the file's own).
    pub labels: BTreeMap<String, String>,
}

/// A project converted to Swarm objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// The stack (= app) name.
    pub name: String,
    /// Networks to create when missing (external ones are not listed).
    pub networks: Vec<NetworkSpec>,
    /// External networks the services join (they must exist).
    pub external_networks: Vec<String>,
    /// Secrets.
    pub secrets: Vec<StackFile>,
    /// Configs.
    pub configs: Vec<StackFile>,
    /// Services by compose service name; secret and config references carry names, their ids
    /// are filled in once the objects exist.
    pub services: IndexMap<String, ServiceSpec>,
    /// Services in dependency waves (a service's dependencies are all in earlier waves).
    pub waves: Vec<Vec<String>>,
    /// Options a Swarm service cannot carry, ignored (as `docker stack deploy` ignores them).
    pub warnings: Vec<String>,
}

/// What a conversion needs beyond the project.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// The version deployed (a service label).
    pub version: String,
    /// The deployment id (a service label).
    pub deployment: String,
    /// The project's directory (relative secret and config files start here).
    pub working_dir: PathBuf,
}

fn labels_of(l: &BTreeMap<String, Option<String>>) -> BTreeMap<String, String> {
    l.iter().map(|(k, v)| (k.clone(), v.clone().unwrap_or_default())).collect()
}

/// The engine-side name of network `key`.
pub fn network_name(project: &Project, key: &str) -> String {
    let n = project.networks.get(key);
    match n.and_then(|n| n.name.clone()) {
        Some(name) => name,
        None if n.and_then(|n| n.external).unwrap_or(false) => key.to_string(),
        None => format!("{}_{key}", project.name),
    }
}

fn file_object(project: &Project, key: &str, def: &FileObjectConfig, dir: &Path) -> StackFile {
    let external = def.external.unwrap_or(false);
    let name = match &def.name {
        Some(n) => n.clone(),
        None if external => key.to_string(),
        None => format!("{}_{key}", project.name),
    };
    let source = if external {
        None
    } else if let Some(f) = &def.file {
        let p = Path::new(f);
        Some(FileSource::File(if p.is_absolute() { p.to_path_buf() } else { dir.join(p) }))
    } else if let Some(e) = &def.environment {
        Some(FileSource::Environment(e.clone()))
    } else {
        def.content.clone().map(FileSource::Content)
    };
    let mut labels = labels_of(&def.labels);
    labels.insert(NAMESPACE_LABEL.into(), project.name.clone());
    StackFile { key: key.to_string(), name, external, source, labels }
}

/// TuxPilot's update policy of a service on Swarm: its `deploy.update_config` over start-first,
/// parallelism 1, failure_action rollback, and a monitor window of at least
/// `start_period + interval × retries` so a replica that fails its health check late still
/// counts as a failed update (Swarm's own default of 5 s misses it).
pub fn update_config(service: &Service, rollback: bool) -> SwarmUpdateConfig {
    let d = service.deploy.as_ref();
    let u =
        if rollback { d.and_then(|d| d.rollback_config.as_ref()) } else { d.and_then(|d| d.update_config.as_ref()) };
    let health_window = service
        .healthcheck
        .as_ref()
        .filter(|h| !h.disable.unwrap_or(false) && h.test.first().is_none_or(|t| t != "NONE"))
        .map(|h| {
            let interval = h.interval.map(|d| d.0).unwrap_or(Duration::from_secs(30));
            let start = h.start_period.map(|d| d.0).unwrap_or_default();
            let retries = u32::try_from(h.retries.unwrap_or(3).max(1)).unwrap_or(3);
            start + interval * retries
        })
        .unwrap_or_default();
    let asked_monitor = u.and_then(|u| u.monitor).map(|m| m.0).unwrap_or(Duration::from_secs(5));
    let failure_action = match u.and_then(|u| u.failure_action.as_deref()) {
        Some("pause") => SwarmFailureAction::Pause,
        Some("continue") => SwarmFailureAction::Continue,
        Some("rollback") => SwarmFailureAction::Rollback,
        // A rollback that fails stops where it is.
        _ if rollback => SwarmFailureAction::Pause,
        _ => SwarmFailureAction::Rollback,
    };
    let mut order = match u.and_then(|u| u.order.as_deref()) {
        Some("stop-first") => SwarmUpdateOrder::StopFirst,
        _ => SwarmUpdateOrder::StartFirst,
    };
    // Two tasks of one slot cannot hold the same host port on one node.
    if service.ports.iter().any(|p| p.mode == "host" && p.published.is_some()) {
        order = SwarmUpdateOrder::StopFirst;
    }
    SwarmUpdateConfig {
        parallelism: u.and_then(|u| u.parallelism).and_then(|p| u64::try_from(p).ok()).unwrap_or(1),
        delay: u.and_then(|u| u.delay).map(|d| d.0).unwrap_or_default(),
        failure_action,
        monitor: asked_monitor.max(health_window),
        max_failure_ratio: u.and_then(|u| u.max_failure_ratio).unwrap_or(0.0),
        order,
    }
}

fn restart(service: &Service) -> (Option<String>, Option<Duration>, Option<u64>) {
    if let Some(r) = service.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()) {
        return (r.condition.clone(), r.delay.map(|d| d.0), r.max_attempts.and_then(|m| u64::try_from(m).ok()));
    }
    match service.restart.as_deref() {
        Some("no") => (Some("none".into()), None, None),
        Some("always" | "unless-stopped") => (Some("any".into()), None, None),
        Some(r) if r.starts_with("on-failure") => {
            (Some("on-failure".into()), None, r.strip_prefix("on-failure:").and_then(|n| n.parse().ok()))
        }
        _ => (None, None, None),
    }
}

/// Ignored options of `service`, as `docker stack deploy` lists them.
fn ignored(service: &Service) -> Vec<&'static str> {
    let mut out = Vec::new();
    let checks: [(&'static str, bool); 14] = [
        ("build", service.build.is_some()),
        ("cgroup_parent", service.cgroup_parent.is_some()),
        ("container_name", service.container_name.is_some()),
        ("devices", !service.devices.is_empty()),
        ("domainname", service.domainname.is_some()),
        ("external_links", !service.external_links.is_empty()),
        ("ipc", service.ipc.is_some()),
        ("links", !service.links.is_empty()),
        ("mac_address", service.mac_address.is_some()),
        ("network_mode", service.network_mode.is_some()),
        ("pid", service.pid.is_some()),
        ("privileged", service.privileged.is_some()),
        ("security_opt", !service.security_opt.is_empty()),
        ("userns_mode", service.userns_mode.is_some()),
    ];
    for (name, set) in checks {
        if set {
            out.push(name);
        }
    }
    out
}

/// The hash of a spec, labels that change on every deployment left out.
pub fn spec_hash(spec: &ServiceSpec) -> String {
    let mut s = spec.clone();
    for l in [VERSION_LABEL, DEPLOYMENT_LABEL, SPEC_HASH_LABEL] {
        s.labels.remove(l);
    }
    s.force_update = 0;
    for r in s.secrets.iter_mut().chain(s.configs.iter_mut()) {
        r.id.clear();
    }
    let json = serde_json::to_vec(&s).unwrap_or_default();
    Sha256::digest(&json).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The digest of a secret's or config's data, as its label holds it.
pub fn data_digest(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Converts `project` (already loaded and interpolated) to a stack named after it.
pub fn convert(project: &Project, options: &ConvertOptions) -> Stack {
    let app = project.name.clone();
    let mut warnings = Vec::new();
    let mut networks = Vec::new();
    let mut external_networks = Vec::new();
    let uses_default = project.services.values().any(|s| s.networks.is_empty());
    let mut keys: Vec<&str> = project.networks.keys().map(String::as_str).collect();
    if uses_default && !project.networks.contains_key("default") {
        keys.push("default");
    }
    for key in keys {
        let def = project.networks.get(key);
        let name = network_name(project, key);
        if def.and_then(|n| n.external).unwrap_or(false) {
            external_networks.push(name);
            continue;
        }
        let mut labels = def.map(|d| labels_of(&d.labels)).unwrap_or_default();
        labels.insert(NAMESPACE_LABEL.into(), app.clone());
        networks.push(NetworkSpec {
            name,
            driver: Some(def.and_then(|d| d.driver.clone()).unwrap_or_else(|| "overlay".into())),
            options: def.map(|d| labels_of(&d.driver_opts)).unwrap_or_default(),
            labels,
            internal: def.and_then(|d| d.internal).unwrap_or(false),
            // Attachable, so `docker run --network` and `compose run` can reach the services.
            attachable: def.and_then(|d| d.attachable).unwrap_or(true),
            enable_ipv6: false,
            subnets: Vec::new(),
        });
    }
    let secrets: Vec<StackFile> =
        project.secrets.iter().map(|(k, d)| file_object(project, k, d, &options.working_dir)).collect();
    let configs: Vec<StackFile> =
        project.configs.iter().map(|(k, d)| file_object(project, k, d, &options.working_dir)).collect();
    let mut services = IndexMap::new();
    for (name, s) in &project.services {
        let skipped = ignored(s);
        if !skipped.is_empty() {
            warnings.push(format!("{name}: ignoring options a Swarm service cannot have: {}", skipped.join(", ")));
        }
        let image = s.image.clone().unwrap_or_default();
        let mut spec = ServiceSpec::new(format!("{app}_{name}"), image.clone());
        let deploy = s.deploy.as_ref();
        spec.labels = deploy.map(|d| labels_of(&d.labels)).unwrap_or_default();
        spec.labels.insert(NAMESPACE_LABEL.into(), app.clone());
        spec.labels.insert(IMAGE_LABEL.into(), image);
        spec.labels.insert(APP_LABEL.into(), app.clone());
        spec.container_labels = labels_of(&s.labels);
        spec.container_labels.insert(NAMESPACE_LABEL.into(), app.clone());
        spec.entrypoint = s.entrypoint.clone();
        spec.command = s.command.clone();
        spec.env = s.environment.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}"))).collect();
        spec.working_dir = s.working_dir.clone();
        spec.user = s.user.clone();
        spec.replicas = match deploy.and_then(|d| d.mode.as_deref()) {
            Some("global") => None,
            _ => Some(u64::try_from(s.replicas().max(0)).unwrap_or(1)),
        };
        let mut nets: Vec<(String, Vec<String>)> = s
            .networks
            .iter()
            .map(|(k, n)| {
                let mut aliases = vec![name.clone()];
                if let Some(n) = n {
                    aliases.extend(n.aliases.iter().filter(|a| *a != name).cloned());
                }
                (network_name(project, k), aliases)
            })
            .collect();
        if nets.is_empty() {
            nets.push((network_name(project, "default"), vec![name.clone()]));
        }
        spec.networks = nets;
        spec.endpoint_mode = match deploy.and_then(|d| d.endpoint_mode.as_deref()) {
            Some("dnsrr") => EndpointMode::Dnsrr,
            _ => EndpointMode::Vip,
        };
        for p in &s.ports {
            let (lo, hi) = match p.published.as_deref().map(|h| h.split_once('-').unwrap_or((h, h))) {
                Some((a, b)) => (a.parse::<u16>().ok(), b.parse::<u16>().ok()),
                None => (None, None),
            };
            let mode = if p.mode == "host" { PublishMode::Host } else { PublishMode::Ingress };
            match (lo, hi) {
                (Some(lo), Some(hi)) if hi > lo => {
                    for (i, published) in (lo..=hi).enumerate() {
                        let target = p.target.saturating_add(u16::try_from(i).unwrap_or(0));
                        spec.ports.push(ServicePort {
                            target,
                            published: Some(published),
                            protocol: p.protocol.clone(),
                            mode,
                        });
                    }
                }
                (lo, _) => {
                    spec.ports.push(ServicePort { target: p.target, published: lo, protocol: p.protocol.clone(), mode })
                }
            }
        }
        spec.update_config = Some(update_config(s, false));
        spec.rollback_config = Some(update_config(s, true));
        let (cond, delay, attempts) = restart(s);
        spec.restart_condition = cond;
        spec.restart_delay = delay;
        spec.restart_max_attempts = attempts;
        let res = deploy.and_then(|d| d.resources.as_ref());
        let limits = res.and_then(|r| r.limits.as_ref());
        let reserve = res.and_then(|r| r.reservations.as_ref());
        spec.nano_cpus = limits.and_then(|l| l.cpus).or(s.cpus).map(|c| (c * 1e9).round() as i64);
        spec.memory_bytes = limits.and_then(|l| l.memory).or(s.mem_limit).map(|m| m.0);
        spec.reserve_nano_cpus = reserve.and_then(|l| l.cpus).map(|c| (c * 1e9).round() as i64);
        spec.reserve_memory_bytes = reserve.and_then(|l| l.memory).or(s.mem_reservation).map(|m| m.0);
        if let Some(p) = deploy.and_then(|d| d.placement.as_ref()) {
            spec.constraints = p.constraints.clone();
            spec.preferences = p
                .preferences
                .iter()
                .filter_map(|v| v.get("spread").and_then(|s| s.as_str()).map(str::to_string))
                .collect();
            spec.max_replicas_per_node = p.max_replicas_per_node.and_then(|m| u64::try_from(m).ok()).unwrap_or(0);
        }
        spec.health_check = s.healthcheck.as_ref().map(|h| {
            if h.disable.unwrap_or(false) {
                SwarmHealthCheck {
                    test: vec!["NONE".into()],
                    interval: None,
                    timeout: None,
                    retries: None,
                    start_period: None,
                }
            } else {
                SwarmHealthCheck {
                    test: h.test.clone(),
                    interval: h.interval.map(|d| d.0),
                    timeout: h.timeout.map(|d| d.0),
                    retries: h.retries.and_then(|r| u32::try_from(r).ok()),
                    start_period: h.start_period.map(|d| d.0),
                }
            }
        });
        spec.stop_grace_period = s.stop_grace_period.map(|d| d.0);
        let file_ref = |r: &tuxpilot_compose::FileRef, all: &[StackFile], secret: bool| {
            let name =
                all.iter().find(|f| f.key == r.source).map(|f| f.name.clone()).unwrap_or_else(|| r.source.clone());
            let mut target =
                r.target.clone().unwrap_or_else(|| if secret { r.source.clone() } else { format!("/{}", r.source) });
            // Swarm puts secrets under /run/secrets/ itself.
            if secret && let Some(rel) = target.strip_prefix("/run/secrets/") {
                target = rel.to_string();
            }
            FileReference {
                id: String::new(),
                name,
                target,
                mode: r.mode.and_then(|m| u32::try_from(m).ok()).unwrap_or(0o444),
            }
        };
        spec.secrets = s.secrets.iter().map(|r| file_ref(r, &secrets, true)).collect();
        spec.configs = s.configs.iter().map(|r| file_ref(r, &configs, false)).collect();
        spec.mounts = s
            .volumes
            .iter()
            .map(|v| {
                let named = v.kind == "volume" && v.source.is_some();
                let source = match (&v.source, v.kind.as_str()) {
                    (Some(src), "volume") => Some(
                        project
                            .volumes
                            .get(src)
                            .map(|d| match &d.name {
                                Some(n) => n.clone(),
                                None if d.external.unwrap_or(false) => src.clone(),
                                None => format!("{app}_{src}"),
                            })
                            .unwrap_or_else(|| src.clone()),
                    ),
                    (src, _) => src.clone(),
                };
                let mut volume_labels = BTreeMap::new();
                if named {
                    volume_labels.insert(NAMESPACE_LABEL.to_string(), app.clone());
                }
                SwarmMount {
                    kind: v.kind.clone(),
                    source,
                    target: v.target.clone(),
                    read_only: v.read_only.unwrap_or(false),
                    volume_labels,
                }
            })
            .collect();
        for t in &s.tmpfs {
            spec.mounts.push(SwarmMount {
                kind: "tmpfs".into(),
                source: None,
                target: t.split(':').next().unwrap_or(t).to_string(),
                read_only: false,
                volume_labels: BTreeMap::new(),
            });
        }
        spec.labels.insert(VERSION_LABEL.into(), options.version.clone());
        spec.labels.insert(DEPLOYMENT_LABEL.into(), options.deployment.clone());
        let hash = spec_hash(&spec);
        spec.labels.insert(SPEC_HASH_LABEL.into(), hash);
        services.insert(name.clone(), spec);
    }
    let waves = crate::rollout::waves(project);
    Stack { name: app, networks, external_networks, secrets, configs, services, waves, warnings }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn project(yaml: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("compose.yaml");
        std::fs::write(&f, yaml).unwrap();
        let o = crate::LoadAppOptions { name: Some("shop".into()), ..Default::default() };
        crate::load(&f, &o).unwrap().project
    }

    #[test]
    fn names_and_labels_follow_docker_stack() {
        let p = project(
            "services:\n  web:\n    image: nginx:1.27\n    depends_on: [db]\n    secrets: [token]\n  db:\n    image: postgres:16\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data: {}\nsecrets:\n  token:\n    file: ./token.txt\n",
        );
        let s = convert(&p, &ConvertOptions { version: "1".into(), deployment: "d1".into(), ..Default::default() });
        let web = &s.services["web"];
        assert_eq!(web.name, "shop_web");
        assert_eq!(web.labels[NAMESPACE_LABEL], "shop");
        assert_eq!(web.labels[IMAGE_LABEL], "nginx:1.27");
        assert_eq!(web.container_labels[NAMESPACE_LABEL], "shop");
        assert_eq!(web.networks, vec![("shop_default".to_string(), vec!["web".to_string()])]);
        assert_eq!(web.secrets[0].name, "shop_token");
        assert_eq!(web.secrets[0].target, "token");
        assert_eq!(s.secrets[0].name, "shop_token");
        assert_eq!(s.networks[0].name, "shop_default");
        assert_eq!(s.networks[0].driver.as_deref(), Some("overlay"));
        assert!(s.networks[0].attachable);
        let db = &s.services["db"];
        assert_eq!(db.mounts[0].source.as_deref(), Some("shop_data"));
        assert_eq!(db.mounts[0].volume_labels[NAMESPACE_LABEL], "shop");
        assert_eq!(s.waves, vec![vec!["db".to_string()], vec!["web".to_string()]]);
    }

    #[test]
    fn update_defaults_watch_past_the_health_check() {
        let p = project(
            "services:\n  web:\n    image: x\n    healthcheck:\n      test: [CMD, true]\n      interval: 2s\n      retries: 3\n      start_period: 4s\n",
        );
        let s = convert(&p, &ConvertOptions::default());
        let u = s.services["web"].update_config.clone().unwrap();
        assert_eq!(u.order, SwarmUpdateOrder::StartFirst);
        assert_eq!(u.failure_action, SwarmFailureAction::Rollback);
        assert_eq!(u.parallelism, 1);
        assert_eq!(u.monitor, Duration::from_secs(10));
        let r = s.services["web"].rollback_config.clone().unwrap();
        assert_eq!(r.failure_action, SwarmFailureAction::Pause);
    }

    #[test]
    fn host_ports_force_stop_first_and_ranges_expand() {
        let p = project(
            "services:\n  web:\n    image: x\n    ports:\n      - target: 80\n        published: \"8080\"\n        mode: host\n      - \"9000-9001:9000-9001\"\n",
        );
        let s = convert(&p, &ConvertOptions::default());
        let web = &s.services["web"];
        assert_eq!(web.update_config.as_ref().unwrap().order, SwarmUpdateOrder::StopFirst);
        assert_eq!(web.ports.len(), 3);
        assert_eq!(web.ports[0].mode, PublishMode::Host);
    }

    #[test]
    fn the_hash_ignores_version_and_deployment() {
        let p = project("services:\n  web:\n    image: x\n");
        let a = convert(&p, &ConvertOptions { version: "1".into(), deployment: "a".into(), ..Default::default() });
        let b = convert(&p, &ConvertOptions { version: "2".into(), deployment: "b".into(), ..Default::default() });
        assert_eq!(a.services["web"].labels[SPEC_HASH_LABEL], b.services["web"].labels[SPEC_HASH_LABEL]);
        let p2 = project("services:\n  web:\n    image: y\n");
        let c = convert(&p2, &ConvertOptions::default());
        assert_ne!(a.services["web"].labels[SPEC_HASH_LABEL], c.services["web"].labels[SPEC_HASH_LABEL]);
    }
}

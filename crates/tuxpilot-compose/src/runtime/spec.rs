//! From a loaded service to the engine's create spec, with the `com.docker.compose.*` labels
//! `docker compose` puts on what it creates.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use tuxpilot_docker::{
    ContainerPort, ContainerSpec, DeviceMapping, HealthCheck, MountInfo, MountKind, MountSpec, NetworkAttachment,
    PortBinding, Protocol, RestartPolicy, Ulimit,
};

use crate::model::{PortConfig, Project, Service, ServiceVolume, Ulimit as ComposeUlimit};

/// The label keys shared with `docker compose` / `docker-compose`.
pub mod labels {
    /// Project name.
    pub const PROJECT: &str = "com.docker.compose.project";
    /// Service name.
    pub const SERVICE: &str = "com.docker.compose.service";
    /// Replica number.
    pub const NUMBER: &str = "com.docker.compose.container-number";
    /// `True` for `run` containers.
    pub const ONEOFF: &str = "com.docker.compose.oneoff";
    /// The service's config hash.
    pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
    /// The id of the image the container was made from (Docker Compose v2 recreates when it
    /// differs from the image's now).
    pub const IMAGE: &str = "com.docker.compose.image";
    /// The tool version that made it.
    pub const VERSION: &str = "com.docker.compose.version";
    /// Project directory.
    pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
    /// Config files, comma-separated.
    pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
    /// `svc:condition:restart,…`.
    pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
    /// Network key, on networks.
    pub const NETWORK: &str = "com.docker.compose.network";
    /// Volume key, on volumes.
    pub const VOLUME: &str = "com.docker.compose.volume";
}

/// The value written in `com.docker.compose.version`.
pub const COMPOSE_VERSION: &str = concat!("tuxpilot-", env!("CARGO_PKG_VERSION"));

/// What every container of a project shares.
#[derive(Debug, Clone)]
pub struct ProjectMeta {
    /// Project directory.
    pub working_dir: String,
    /// Config files.
    pub config_files: Vec<String>,
}

impl ProjectMeta {
    /// From a loaded project.
    pub fn new(working_dir: &Path, config_files: &[std::path::PathBuf]) -> Self {
        Self {
            working_dir: working_dir.display().to_string(),
            config_files: config_files.iter().map(|p| p.display().to_string()).collect(),
        }
    }
}

/// A compose map whose values may be unset, as the engine wants it (unset = empty).
/// One port entry as the engine binds it for replica `number` (from 1). A host range gives each
/// replica its own port (replica n the n-th), so replicas never compete for one; past the end of
/// the range the engine refuses the last port taken. `docker run -p` is replica 1.
pub fn port_binding(p: &PortConfig, number: u32) -> PortBinding {
    let protocol: Protocol = p.protocol.parse().unwrap_or_default();
    let host_port = p.published.as_deref().and_then(|s| match s.split_once('-') {
        Some((a, b)) => {
            let (a, b): (u16, u16) = (a.parse().ok()?, b.parse().ok()?);
            Some(a.saturating_add(u16::try_from(number.saturating_sub(1)).unwrap_or(u16::MAX)).min(b))
        }
        None => s.parse().ok(),
    });
    PortBinding { container_port: ContainerPort { port: p.target, protocol }, host_ip: p.host_ip.clone(), host_port }
}

/// One volume entry as the engine mounts it; `volume_name` gives a named volume's engine name
/// (`<project>_<key>` in a project, the name as given for `docker run -v`). `None` for the kinds
/// the engine's mounts do not take here (npipe, cluster, image).
pub fn mount(v: &ServiceVolume, volume_name: impl Fn(&str) -> String) -> Option<MountSpec> {
    let kind = match v.kind.as_str() {
        "bind" => MountKind::Bind,
        "tmpfs" => MountKind::Tmpfs,
        "volume" => MountKind::Volume,
        _ => return None,
    };
    let source = match kind {
        MountKind::Volume => v.source.as_deref().map(volume_name),
        _ => v.source.clone(),
    };
    Some(MountSpec {
        kind,
        source,
        target: v.target.clone(),
        read_only: v.read_only.unwrap_or(false),
        no_copy: v.volume.as_ref().and_then(|o| o.nocopy).unwrap_or(false),
        propagation: v.bind.as_ref().and_then(|b| b.propagation.clone()),
        create_host_path: kind == MountKind::Bind && v.bind.as_ref().and_then(|b| b.create_host_path).unwrap_or(true),
        tmpfs_size: v.tmpfs.as_ref().and_then(|t| t.size).map(|b| b.0),
    })
}

pub(crate) fn flatten(m: &BTreeMap<String, Option<String>>) -> BTreeMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone().unwrap_or_default())).collect()
}

/// `<project>-<service>-<n>` unless `container_name` is set.
pub fn container_name(project: &str, service_name: &str, service: &Service, number: u32) -> String {
    service.container_name.clone().unwrap_or_else(|| format!("{project}-{service_name}-{number}"))
}

fn restart_policy(s: &Service) -> Option<RestartPolicy> {
    if let Some(rp) = s.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()) {
        return Some(match rp.condition.as_deref() {
            Some("none") => RestartPolicy::No,
            Some("on-failure") => RestartPolicy::OnFailure {
                max_retries: rp.max_attempts.and_then(|m| u32::try_from(m).ok()).unwrap_or(0),
            },
            _ => RestartPolicy::Always,
        });
    }
    s.restart.as_deref().and_then(|r| r.parse().ok())
}

fn duration(d: Option<crate::GoDuration>) -> Option<Duration> {
    d.map(|d| d.0)
}

/// Builds the create spec of replica `number` of `service_name`. `network_mode_container`
/// resolves `network_mode: service:x` to the id of x's container.
pub fn container_spec(
    project: &Project,
    meta: &ProjectMeta,
    service_name: &str,
    service: &Service,
    number: u32,
    config_hash: &str,
    network_mode_container: Option<&str>,
) -> ContainerSpec {
    let name = container_name(&project.name, service_name, service, number);
    let mut labels: BTreeMap<String, String> = flatten(&service.labels);
    labels.insert(labels::PROJECT.into(), project.name.clone());
    labels.insert(labels::SERVICE.into(), service_name.into());
    labels.insert(labels::NUMBER.into(), number.to_string());
    labels.insert(labels::ONEOFF.into(), "False".into());
    labels.insert(labels::CONFIG_HASH.into(), config_hash.into());
    labels.insert(labels::VERSION.into(), COMPOSE_VERSION.into());
    labels.insert(labels::WORKING_DIR.into(), meta.working_dir.clone());
    labels.insert(labels::CONFIG_FILES.into(), meta.config_files.join(","));
    if !service.depends_on.is_empty() {
        let deps: Vec<String> = service
            .depends_on
            .iter()
            .map(|(k, d)| format!("{k}:{}:{}", d.condition, d.restart.unwrap_or(false)))
            .collect();
        labels.insert(labels::DEPENDS_ON.into(), deps.join(","));
    }

    let limits = service.deploy.as_ref().and_then(|d| d.resources.as_ref()).and_then(|r| r.limits.as_ref());
    let reservations = service.deploy.as_ref().and_then(|d| d.resources.as_ref()).and_then(|r| r.reservations.as_ref());
    let cpus = service.cpus.or(limits.and_then(|l| l.cpus));

    let port_bindings: Vec<PortBinding> = service.ports.iter().map(|p| port_binding(p, number)).collect();
    let mounts: Vec<MountSpec> = service
        .volumes
        .iter()
        .filter_map(|v| {
            mount(v, |key| project.volumes.get(key).and_then(|c| c.name.clone()).unwrap_or_else(|| key.to_string()))
        })
        .collect();

    // File-based secrets and configs are bind-mounted read-only, as compose does without Swarm:
    // secrets under /run/secrets/, configs at their target (default /<name>). The others are
    // written in before each start (files.rs).
    let mut mounts: Vec<MountSpec> = mounts;
    for (refs, defs, secret) in
        [(&service.secrets, &project.secrets, true), (&service.configs, &project.configs, false)]
    {
        for r in refs {
            let Some(file) = defs.get(&r.source).and_then(|d| d.file.clone()) else { continue };
            let target = super::files::target(r, secret);
            mounts.push(MountSpec {
                kind: MountKind::Bind,
                source: Some(file),
                target,
                read_only: true,
                no_copy: false,
                propagation: None,
                create_host_path: false,
                tmpfs_size: None,
            });
        }
    }

    let networks: Vec<NetworkAttachment> = if service.network_mode.is_some() {
        Vec::new()
    } else {
        service
            .networks
            .iter()
            .map(|(key, cfg)| {
                let mut aliases = vec![service_name.to_string(), name.clone()];
                if let Some(c) = cfg {
                    aliases.extend(c.aliases.iter().cloned());
                }
                NetworkAttachment {
                    network: project.networks.get(key).and_then(|n| n.name.clone()).unwrap_or_else(|| key.clone()),
                    aliases,
                    ipv4_address: cfg.as_ref().and_then(|c| c.ipv4_address.clone()),
                    ipv6_address: cfg.as_ref().and_then(|c| c.ipv6_address.clone()),
                }
            })
            .collect()
    };
    let network_mode = match service.network_mode.as_deref() {
        Some(m) if m.starts_with("service:") => network_mode_container.map(|id| format!("container:{id}")),
        other => other.map(str::to_string),
    };

    let healthcheck = service.healthcheck.as_ref().map(|h| HealthCheck {
        test: if h.disable == Some(true) { vec!["NONE".into()] } else { h.test.clone() },
        interval: duration(h.interval),
        timeout: duration(h.timeout),
        retries: h.retries.and_then(|r| u32::try_from(r).ok()),
        start_period: duration(h.start_period),
        start_interval: duration(h.start_interval),
    });

    ContainerSpec {
        name: Some(name),
        image: service.image.clone().unwrap_or_else(|| format!("{}-{service_name}", project.name)),
        command: service.command.clone(),
        entrypoint: service.entrypoint.clone(),
        environment: service.environment.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect(),
        labels,
        exposed_ports: service
            .expose
            .iter()
            .filter_map(|e| ContainerPort::parse(e.split('-').next().unwrap_or(e)))
            .collect(),
        port_bindings,
        mounts,
        memory_limit: service.mem_limit.or(limits.and_then(|l| l.memory)).map(|b| b.0),
        memory_reservation: service.mem_reservation.or(reservations.and_then(|r| r.memory)).map(|b| b.0),
        memory_swap: service.memswap_limit.map(|b| b.0),
        cpu_shares: service.cpu_shares,
        nano_cpus: cpus.map(|c| (c * 1e9).round() as i64),
        cpuset_cpus: service.cpuset.clone(),
        pids_limit: service.pids_limit.or(limits.and_then(|l| l.pids)),
        restart_policy: restart_policy(service),
        user: service.user.clone(),
        working_dir: service.working_dir.clone(),
        healthcheck,
        networks,
        network_mode,
        hostname: service.hostname.clone(),
        domainname: service.domainname.clone(),
        tty: service.tty.unwrap_or(false),
        open_stdin: service.stdin_open.unwrap_or(false),
        stdin_once: false,
        stop_signal: service.stop_signal.clone(),
        stop_timeout: service.stop_grace_period.map(|d| d.0.as_secs() as i64),
        privileged: service.privileged.unwrap_or(false),
        read_only_rootfs: service.read_only.unwrap_or(false),
        cap_add: service.cap_add.clone(),
        cap_drop: service.cap_drop.clone(),
        security_opt: service.security_opt.clone(),
        extra_hosts: service.extra_hosts.iter().map(|h| h.replacen('=', ":", 1)).collect(),
        dns: service.dns.clone(),
        dns_search: service.dns_search.clone(),
        dns_options: service.dns_opt.clone(),
        tmpfs: service.tmpfs.iter().map(|t| (t.clone(), String::new())).collect(),
        sysctls: flatten(&service.sysctls),
        ulimits: service
            .ulimits
            .iter()
            .map(|(name, u)| match u {
                ComposeUlimit::Single(v) => Ulimit { name: name.clone(), soft: *v, hard: *v },
                ComposeUlimit::SoftHard { soft, hard } => Ulimit { name: name.clone(), soft: *soft, hard: *hard },
            })
            .collect(),
        devices: service
            .devices
            .iter()
            .map(|d| DeviceMapping {
                host_path: d.source.clone(),
                container_path: d.target.clone(),
                permissions: d.permissions.clone().unwrap_or_else(|| "rwm".into()),
            })
            .collect(),
        init: service.init,
        shm_size: service.shm_size.map(|b| b.0),
        pid_mode: service.pid.clone(),
        ipc_mode: service.ipc.clone(),
        uts_mode: service.uts.clone(),
        userns_mode: service.userns_mode.clone(),
        volumes_from: Vec::new(),
        links: Vec::new(),
        log_driver: service.logging.as_ref().and_then(|l| l.driver.clone()),
        log_options: service.logging.as_ref().map(|l| flatten(&l.options)).unwrap_or_default(),
        group_add: service.group_add.clone(),
        auto_remove: false,
        platform: service.platform.clone(),
        publish_all_ports: false,
    }
}
/// A recreated container keeps its predecessor's anonymous volumes, as compose's does: a
/// service volume without a source, or a path the image declares a `VOLUME` (and the service
/// does not mount), takes the old container's volume at the same path. `old` is the replaced
/// container's mounts, `image_volumes` the image's declared paths.
pub(crate) fn inherit_anonymous_volumes(mounts: &mut Vec<MountSpec>, old: &[MountInfo], image_volumes: &[String]) {
    for m in old {
        let Some(volume) = m.name.as_ref().filter(|_| m.kind == "volume") else { continue };
        match mounts.iter_mut().find(|s| s.target == m.destination) {
            Some(s) if s.kind == MountKind::Volume && s.source.is_none() => s.source = Some(volume.clone()),
            Some(_) => {}
            None if image_volumes.contains(&m.destination) => mounts.push(MountSpec {
                kind: MountKind::Volume,
                source: Some(volume.clone()),
                target: m.destination.clone(),
                read_only: !m.rw,
                no_copy: false,
                propagation: None,
                create_host_path: false,
                tmpfs_size: None,
            }),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old(name: &str, at: &str) -> MountInfo {
        MountInfo {
            kind: "volume".into(),
            name: Some(name.into()),
            source: format!("/var/lib/docker/volumes/{name}/_data"),
            destination: at.into(),
            rw: true,
            mode: String::new(),
            propagation: String::new(),
        }
    }

    fn volume(source: Option<&str>, target: &str) -> MountSpec {
        MountSpec {
            kind: MountKind::Volume,
            source: source.map(str::to_string),
            target: target.into(),
            read_only: false,
            no_copy: false,
            propagation: None,
            create_host_path: false,
            tmpfs_size: None,
        }
    }

    #[test]
    fn anonymous_and_image_volumes_are_inherited_named_ones_are_not() {
        let mut mounts = vec![volume(None, "/data"), volume(Some("proj_db"), "/db")];
        let old = [old("abc", "/data"), old("proj_db", "/db"), old("img", "/var/cache"), old("gone", "/tmp/x")];
        inherit_anonymous_volumes(&mut mounts, &old, &["/var/cache".to_string()]);
        assert_eq!(
            mounts,
            vec![volume(Some("abc"), "/data"), volume(Some("proj_db"), "/db"), volume(Some("img"), "/var/cache")]
        );
    }
}

//! Conversions between bollard's generated models and TuxPilot's types. The only place that
//! knows both shapes.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models as bm;
use chrono::{DateTime, TimeZone, Utc};

use crate::types::*;

/// Parses the engine's RFC 3339 timestamps; the zero time (`0001-01-01…`) means "never".
pub(super) fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    let s = s?;
    if s.starts_with("0001-01-01") || s.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

fn unix_time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

fn btree(map: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    map.unwrap_or_default().into_iter().collect()
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

fn duration(n: Option<i64>) -> Option<Duration> {
    n.filter(|n| *n > 0).map(|n| Duration::from_nanos(n as u64))
}

// ---------------------------------------------------------------- create

pub(super) fn restart_policy_to(p: RestartPolicy) -> bm::RestartPolicy {
    let (name, max) = match p {
        RestartPolicy::No => (bm::RestartPolicyNameEnum::NO, None),
        RestartPolicy::Always => (bm::RestartPolicyNameEnum::ALWAYS, None),
        RestartPolicy::UnlessStopped => (bm::RestartPolicyNameEnum::UNLESS_STOPPED, None),
        RestartPolicy::OnFailure { max_retries } => {
            (bm::RestartPolicyNameEnum::ON_FAILURE, Some(i64::from(max_retries)))
        }
    };
    bm::RestartPolicy { name: Some(name), maximum_retry_count: max }
}

fn restart_policy_from(p: Option<&bm::RestartPolicy>) -> RestartPolicy {
    let Some(p) = p else { return RestartPolicy::No };
    match p.name.map(|n| n.to_string()).as_deref() {
        Some("always") => RestartPolicy::Always,
        Some("unless-stopped") => RestartPolicy::UnlessStopped,
        Some("on-failure") => RestartPolicy::OnFailure {
            max_retries: p.maximum_retry_count.and_then(|m| u32::try_from(m).ok()).unwrap_or(0),
        },
        _ => RestartPolicy::No,
    }
}

fn healthcheck_to(h: &HealthCheck) -> bm::HealthConfig {
    bm::HealthConfig {
        test: Some(h.test.clone()),
        interval: h.interval.map(nanos),
        timeout: h.timeout.map(nanos),
        retries: h.retries.map(i64::from),
        start_period: h.start_period.map(nanos),
        start_interval: h.start_interval.map(nanos),
    }
}

fn healthcheck_from(h: Option<bm::HealthConfig>) -> Option<HealthCheck> {
    let h = h?;
    let test = h.test.unwrap_or_default();
    if test.is_empty() {
        return None;
    }
    Some(HealthCheck {
        test,
        interval: duration(h.interval),
        timeout: duration(h.timeout),
        retries: h.retries.and_then(|r| u32::try_from(r).ok()),
        start_period: duration(h.start_period),
        start_interval: duration(h.start_interval),
    })
}

fn endpoint_to(a: &NetworkAttachment) -> bm::EndpointSettings {
    let ipam = (a.ipv4_address.is_some() || a.ipv6_address.is_some()).then(|| bm::EndpointIpamConfig {
        ipv4_address: a.ipv4_address.clone(),
        ipv6_address: a.ipv6_address.clone(),
        ..Default::default()
    });
    bm::EndpointSettings {
        aliases: (!a.aliases.is_empty()).then(|| a.aliases.clone()),
        ipam_config: ipam,
        ..Default::default()
    }
}

pub(super) fn endpoint_settings(a: &NetworkAttachment) -> bm::EndpointSettings {
    endpoint_to(a)
}

fn mount_to(m: &MountSpec) -> bm::Mount {
    let typ = match m.kind {
        MountKind::Bind => bm::MountType::BIND,
        MountKind::Volume => bm::MountType::VOLUME,
        MountKind::Tmpfs => bm::MountType::TMPFS,
    };
    let bind_options = (m.kind == MountKind::Bind).then(|| bm::MountBindOptions {
        propagation: m.propagation.as_deref().and_then(|p| match p {
            "private" => Some(bm::MountBindOptionsPropagationEnum::PRIVATE),
            "rprivate" => Some(bm::MountBindOptionsPropagationEnum::RPRIVATE),
            "shared" => Some(bm::MountBindOptionsPropagationEnum::SHARED),
            "rshared" => Some(bm::MountBindOptionsPropagationEnum::RSHARED),
            "slave" => Some(bm::MountBindOptionsPropagationEnum::SLAVE),
            "rslave" => Some(bm::MountBindOptionsPropagationEnum::RSLAVE),
            _ => None,
        }),
        ..Default::default()
    });
    let volume_options = (m.kind == MountKind::Volume && m.no_copy)
        .then(|| bm::MountVolumeOptions { no_copy: Some(true), ..Default::default() });
    let tmpfs_options = (m.kind == MountKind::Tmpfs && m.tmpfs_size.is_some())
        .then(|| bm::MountTmpfsOptions { size_bytes: m.tmpfs_size, ..Default::default() });
    bm::Mount {
        target: Some(m.target.clone()),
        source: m.source.clone(),
        typ: Some(typ),
        read_only: Some(m.read_only),
        bind_options,
        volume_options,
        tmpfs_options,
        ..Default::default()
    }
}

fn some_vec<T: Clone>(v: &[T]) -> Option<Vec<T>> {
    (!v.is_empty()).then(|| v.to_vec())
}

fn some_map(m: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Builds the create body. Binds that must create a missing host path go through the legacy
/// `Binds` list, because the `Mounts` API refuses a missing source.
pub(super) fn create_body(spec: &ContainerSpec) -> bm::ContainerCreateBody {
    let mut exposed: Vec<ContainerPort> = spec.exposed_ports.clone();
    exposed.extend(spec.port_bindings.iter().map(|b| b.container_port));
    exposed.sort();
    exposed.dedup();

    let mut port_map: HashMap<String, Option<Vec<bm::PortBinding>>> = HashMap::new();
    for b in &spec.port_bindings {
        port_map
            .entry(b.container_port.to_string())
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(bm::PortBinding {
                host_ip: b.host_ip.clone(),
                host_port: Some(b.host_port.map(|p| p.to_string()).unwrap_or_default()),
            });
    }

    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for m in &spec.mounts {
        match (&m.kind, &m.source) {
            (MountKind::Bind, Some(src)) if m.create_host_path => {
                let mut opts = Vec::new();
                if m.read_only {
                    opts.push("ro".to_string());
                }
                if let Some(p) = &m.propagation {
                    opts.push(p.clone());
                }
                binds.push(if opts.is_empty() {
                    format!("{src}:{}", m.target)
                } else {
                    format!("{src}:{}:{}", m.target, opts.join(","))
                });
            }
            _ => mounts.push(mount_to(m)),
        }
    }

    let first_network = spec.networks.first();
    let network_mode = spec.network_mode.clone().or_else(|| first_network.map(|n| n.network.clone()));
    let networking_config = first_network
        .map(|n| bm::NetworkingConfig { endpoints_config: Some(HashMap::from([(n.network.clone(), endpoint_to(n))])) });

    let host_config = bm::HostConfig {
        binds: some_vec(&binds),
        mounts: some_vec(&mounts),
        port_bindings: (!port_map.is_empty()).then_some(port_map),
        publish_all_ports: spec.publish_all_ports.then_some(true),
        memory: spec.memory_limit,
        memory_reservation: spec.memory_reservation,
        memory_swap: spec.memory_swap,
        cpu_shares: spec.cpu_shares,
        nano_cpus: spec.nano_cpus,
        cpuset_cpus: spec.cpuset_cpus.clone(),
        pids_limit: spec.pids_limit,
        restart_policy: spec.restart_policy.map(restart_policy_to),
        network_mode,
        privileged: spec.privileged.then_some(true),
        readonly_rootfs: spec.read_only_rootfs.then_some(true),
        cap_add: some_vec(&spec.cap_add),
        cap_drop: some_vec(&spec.cap_drop),
        security_opt: some_vec(&spec.security_opt),
        extra_hosts: some_vec(&spec.extra_hosts),
        dns: some_vec(&spec.dns),
        dns_search: some_vec(&spec.dns_search),
        dns_options: some_vec(&spec.dns_options),
        tmpfs: some_map(&spec.tmpfs),
        sysctls: some_map(&spec.sysctls),
        ulimits: (!spec.ulimits.is_empty()).then(|| {
            spec.ulimits
                .iter()
                .map(|u| bm::ResourcesUlimits { name: Some(u.name.clone()), soft: Some(u.soft), hard: Some(u.hard) })
                .collect()
        }),
        devices: (!spec.devices.is_empty()).then(|| {
            spec.devices
                .iter()
                .map(|d| bm::DeviceMapping {
                    path_on_host: Some(d.host_path.clone()),
                    path_in_container: Some(d.container_path.clone()),
                    cgroup_permissions: Some(d.permissions.clone()),
                })
                .collect()
        }),
        init: spec.init,
        shm_size: spec.shm_size,
        pid_mode: spec.pid_mode.clone(),
        ipc_mode: spec.ipc_mode.clone(),
        uts_mode: spec.uts_mode.clone(),
        userns_mode: spec.userns_mode.clone(),
        volumes_from: some_vec(&spec.volumes_from),
        links: some_vec(&spec.links),
        // Options without a driver are the daemon's default driver's (as `docker run --log-opt`).
        log_config: (spec.log_driver.is_some() || !spec.log_options.is_empty())
            .then(|| bm::HostConfigLogConfig { typ: spec.log_driver.clone(), config: some_map(&spec.log_options) }),
        group_add: some_vec(&spec.group_add),
        auto_remove: spec.auto_remove.then_some(true),
        ..Default::default()
    };

    bm::ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: spec.command.clone(),
        entrypoint: spec.entrypoint.clone(),
        env: (!spec.environment.is_empty()).then(|| spec.environment.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        labels: some_map(&spec.labels),
        exposed_ports: (!exposed.is_empty()).then(|| exposed.iter().map(ToString::to_string).collect()),
        user: spec.user.clone(),
        working_dir: spec.working_dir.clone(),
        healthcheck: spec.healthcheck.as_ref().map(healthcheck_to),
        hostname: spec.hostname.clone(),
        domainname: spec.domainname.clone(),
        tty: spec.tty.then_some(true),
        open_stdin: spec.open_stdin.then_some(true),
        attach_stdin: spec.open_stdin.then_some(true),
        stdin_once: spec.stdin_once.then_some(true),
        stop_signal: spec.stop_signal.clone(),
        stop_timeout: spec.stop_timeout,
        host_config: Some(host_config),
        networking_config,
        ..Default::default()
    }
}

pub(super) fn update_body(u: &ResourceUpdate) -> bm::ContainerUpdateBody {
    bm::ContainerUpdateBody {
        memory: u.memory,
        memory_swap: u.memory_swap,
        memory_reservation: u.memory_reservation,
        nano_cpus: u.nano_cpus,
        cpu_shares: u.cpu_shares,
        pids_limit: u.pids_limit,
        restart_policy: u.restart_policy.map(restart_policy_to),
        ..Default::default()
    }
}

// ---------------------------------------------------------------- list / inspect

fn port_summary(p: &bm::PortSummary) -> PortMapping {
    PortMapping {
        host_ip: p.ip.clone().filter(|s| !s.is_empty()),
        host_port: p.public_port.filter(|p| *p != 0),
        container_port: p.private_port,
        protocol: p.typ.map(|t| t.to_string()).and_then(|t| t.parse().ok()).unwrap_or_default(),
    }
}

fn mount_info(m: bm::MountPoint) -> MountInfo {
    MountInfo {
        kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
        name: m.name.filter(|n| !n.is_empty()),
        source: m.source.unwrap_or_default(),
        destination: m.destination.unwrap_or_default(),
        rw: m.rw.unwrap_or(false),
        mode: m.mode.unwrap_or_default(),
        propagation: m.propagation.unwrap_or_default(),
    }
}

fn endpoints(map: Option<HashMap<String, bm::EndpointSettings>>) -> BTreeMap<String, NetworkEndpoint> {
    map.unwrap_or_default()
        .into_iter()
        .map(|(name, e)| {
            (
                name,
                NetworkEndpoint {
                    network_id: e.network_id.unwrap_or_default(),
                    ip_address: e.ip_address.filter(|s| !s.is_empty()),
                    gateway: e.gateway.filter(|s| !s.is_empty()),
                    mac_address: e.mac_address.filter(|s| !s.is_empty()),
                    aliases: e.aliases.unwrap_or_default(),
                },
            )
        })
        .collect()
}

fn strip_slash(name: &str) -> String {
    name.strip_prefix('/').unwrap_or(name).to_string()
}

pub(super) fn container_summary(c: bm::ContainerSummary) -> ContainerSummary {
    let mut ports: Vec<PortMapping> = c.ports.unwrap_or_default().iter().map(port_summary).collect();
    ports.sort();
    ports.dedup();
    ContainerSummary {
        id: c.id.unwrap_or_default(),
        name: c.names.unwrap_or_default().first().map(|n| strip_slash(n)).unwrap_or_default(),
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        command: c.command.unwrap_or_default(),
        created: unix_time(c.created.unwrap_or_default()),
        state: ContainerState::from_engine(&c.state.map(|s| s.to_string()).unwrap_or_default()),
        status: c.status.unwrap_or_default(),
        ports,
        labels: btree(c.labels),
        mounts: c.mounts.unwrap_or_default().into_iter().map(mount_info).collect(),
        networks: endpoints(c.network_settings.and_then(|n| n.networks)),
    }
}

fn port_map(map: Option<bm::PortMap>) -> Vec<PortMapping> {
    let mut out = Vec::new();
    for (key, bindings) in map.unwrap_or_default() {
        let Some(cp) = ContainerPort::parse(&key) else {
            continue;
        };
        match bindings {
            Some(bs) if !bs.is_empty() => {
                for b in bs {
                    out.push(PortMapping {
                        host_ip: b.host_ip.filter(|s| !s.is_empty()),
                        host_port: b.host_port.and_then(|p| p.parse().ok()),
                        container_port: cp.port,
                        protocol: cp.protocol,
                    });
                }
            }
            _ => {
                out.push(PortMapping { host_ip: None, host_port: None, container_port: cp.port, protocol: cp.protocol })
            }
        }
    }
    out.sort();
    out
}

fn port_bindings_from(map: Option<bm::PortMap>) -> Vec<PortBinding> {
    let mut out = Vec::new();
    for (key, bindings) in map.unwrap_or_default() {
        let Some(cp) = ContainerPort::parse(&key) else {
            continue;
        };
        for b in bindings.unwrap_or_default() {
            out.push(PortBinding {
                container_port: cp,
                host_ip: b.host_ip.filter(|s| !s.is_empty()),
                host_port: b.host_port.and_then(|p| p.parse().ok()),
            });
        }
    }
    out.sort_by(|a, b| a.container_port.cmp(&b.container_port).then(a.host_port.cmp(&b.host_port)));
    out
}

fn host_config_details(h: bm::HostConfig) -> HostConfigDetails {
    HostConfigDetails {
        memory: h.memory.unwrap_or(0),
        memory_reservation: h.memory_reservation.unwrap_or(0),
        memory_swap: h.memory_swap.unwrap_or(0),
        cpu_shares: h.cpu_shares.unwrap_or(0),
        nano_cpus: h.nano_cpus.unwrap_or(0),
        cpu_quota: h.cpu_quota.unwrap_or(0),
        cpu_period: h.cpu_period.unwrap_or(0),
        cpuset_cpus: h.cpuset_cpus.unwrap_or_default(),
        pids_limit: h.pids_limit,
        privileged: h.privileged.unwrap_or(false),
        readonly_rootfs: h.readonly_rootfs.unwrap_or(false),
        cap_add: h.cap_add.unwrap_or_default(),
        cap_drop: h.cap_drop.unwrap_or_default(),
        security_opt: h.security_opt.unwrap_or_default(),
        network_mode: h.network_mode.unwrap_or_default(),
        pid_mode: h.pid_mode.unwrap_or_default(),
        ipc_mode: h.ipc_mode.unwrap_or_default(),
        uts_mode: h.uts_mode.unwrap_or_default(),
        userns_mode: h.userns_mode.unwrap_or_default(),
        restart_policy: restart_policy_from(h.restart_policy.as_ref()),
        port_bindings: port_bindings_from(h.port_bindings),
        binds: h.binds.unwrap_or_default(),
        devices: h
            .devices
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeviceMapping {
                host_path: d.path_on_host.unwrap_or_default(),
                container_path: d.path_in_container.unwrap_or_default(),
                permissions: d.cgroup_permissions.unwrap_or_default(),
            })
            .collect(),
        auto_remove: h.auto_remove.unwrap_or(false),
        init: h.init,
        ulimits: h
            .ulimits
            .unwrap_or_default()
            .into_iter()
            .map(|u| Ulimit { name: u.name.unwrap_or_default(), soft: u.soft.unwrap_or(0), hard: u.hard.unwrap_or(0) })
            .collect(),
        cgroup_parent: h.cgroup_parent.clone().filter(|p| !p.is_empty()),
        log_driver: h.log_config.and_then(|l| l.typ).unwrap_or_default(),
    }
}

fn state_details(s: Option<bm::ContainerState>) -> StateDetails {
    let s = s.unwrap_or_default();
    let health = s.health.clone();
    StateDetails {
        status: ContainerState::from_engine(&s.status.map(|x| x.to_string()).unwrap_or_default()),
        running: s.running.unwrap_or(false),
        paused: s.paused.unwrap_or(false),
        restarting: s.restarting.unwrap_or(false),
        oom_killed: s.oom_killed.unwrap_or(false),
        dead: s.dead.unwrap_or(false),
        pid: s.pid.unwrap_or(0),
        exit_code: s.exit_code.unwrap_or(0),
        error: s.error.unwrap_or_default(),
        started_at: parse_time(s.started_at.as_deref()),
        finished_at: parse_time(s.finished_at.as_deref()),
        health: health.as_ref().and_then(|h| h.status).map(|st| HealthStatus::from_engine(st.as_ref())),
        failing_streak: health.as_ref().and_then(|h| h.failing_streak).unwrap_or(0),
        health_log: health.and_then(|h| h.log).unwrap_or_default().into_iter().filter_map(|r| r.output).collect(),
    }
}

pub(super) fn container_details(c: bm::ContainerInspectResponse) -> ContainerDetails {
    let config = c.config.unwrap_or_default();
    let network_settings = c.network_settings.unwrap_or_default();
    ContainerDetails {
        id: c.id.unwrap_or_default(),
        name: strip_slash(&c.name.unwrap_or_default()),
        image: config.image.clone().unwrap_or_default(),
        image_id: c.image.unwrap_or_default(),
        created: parse_time(c.created.as_deref()),
        state: state_details(c.state),
        restart_count: c.restart_count.unwrap_or(0),
        path: c.path.unwrap_or_default(),
        args: c.args.unwrap_or_default(),
        command: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        env: config.env.unwrap_or_default(),
        user: config.user.unwrap_or_default(),
        working_dir: config.working_dir.unwrap_or_default(),
        hostname: config.hostname.unwrap_or_default(),
        labels: btree(config.labels),
        exposed_ports: config
            .exposed_ports
            .unwrap_or_default()
            .iter()
            .filter_map(|p| ContainerPort::parse(p))
            .collect(),
        healthcheck: healthcheck_from(config.healthcheck),
        stop_signal: config.stop_signal,
        tty: config.tty.unwrap_or(false),
        host_config: host_config_details(c.host_config.unwrap_or_default()),
        mounts: c.mounts.unwrap_or_default().into_iter().map(mount_info).collect(),
        ports: port_map(network_settings.ports),
        networks: endpoints(network_settings.networks),
        apparmor_profile: c.app_armor_profile.unwrap_or_default(),
        size_rw: c.size_rw,
    }
}

// ---------------------------------------------------------------- stats

fn cpu(c: Option<bm::ContainerCpuStats>) -> CpuCounters {
    let c = c.unwrap_or_default();
    let usage = c.cpu_usage.unwrap_or_default();
    let throttling = c.throttling_data.unwrap_or_default();
    CpuCounters {
        total_usage: usage.total_usage.unwrap_or(0),
        usage_in_kernelmode: usage.usage_in_kernelmode.unwrap_or(0),
        usage_in_usermode: usage.usage_in_usermode.unwrap_or(0),
        percpu_usage: usage.percpu_usage.unwrap_or_default(),
        system_cpu_usage: c.system_cpu_usage,
        online_cpus: c.online_cpus,
        throttled_periods: throttling.throttled_periods.unwrap_or(0),
        throttled_time: throttling.throttled_time.unwrap_or(0),
    }
}

pub(super) fn stats_sample(s: bm::ContainerStatsResponse) -> StatsSample {
    let memory = s.memory_stats.unwrap_or_default();
    let pids = s.pids_stats.unwrap_or_default();
    StatsSample {
        id: s.id.unwrap_or_default(),
        name: strip_slash(&s.name.unwrap_or_default()),
        read: parse_time(s.read.as_deref()),
        preread: parse_time(s.preread.as_deref()),
        cpu: cpu(s.cpu_stats),
        precpu: cpu(s.precpu_stats),
        memory: MemoryCounters {
            usage: memory.usage,
            max_usage: memory.max_usage,
            limit: memory.limit,
            failcnt: memory.failcnt,
            stats: memory.stats.unwrap_or_default().into_iter().collect(),
        },
        networks: s
            .networks
            .unwrap_or_default()
            .into_iter()
            .map(|(k, n)| {
                (
                    k,
                    NetworkCounters {
                        rx_bytes: n.rx_bytes.unwrap_or(0),
                        rx_packets: n.rx_packets.unwrap_or(0),
                        rx_errors: n.rx_errors.unwrap_or(0),
                        rx_dropped: n.rx_dropped.unwrap_or(0),
                        tx_bytes: n.tx_bytes.unwrap_or(0),
                        tx_packets: n.tx_packets.unwrap_or(0),
                        tx_errors: n.tx_errors.unwrap_or(0),
                        tx_dropped: n.tx_dropped.unwrap_or(0),
                    },
                )
            })
            .collect(),
        blkio: s
            .blkio_stats
            .and_then(|b| b.io_service_bytes_recursive)
            .unwrap_or_default()
            .into_iter()
            .map(|e| BlkioEntry {
                major: e.major.unwrap_or(0),
                minor: e.minor.unwrap_or(0),
                op: e.op.unwrap_or_default(),
                value: e.value.unwrap_or(0),
            })
            .collect(),
        pids_current: pids.current,
        pids_limit: pids.limit,
    }
}

// ---------------------------------------------------------------- images

pub(super) fn image_summary(i: bm::ImageSummary) -> ImageSummary {
    ImageSummary {
        id: i.id,
        repo_tags: i.repo_tags.into_iter().filter(|t| t != "<none>:<none>").collect(),
        repo_digests: i.repo_digests.into_iter().filter(|t| t != "<none>@<none>").collect(),
        created: unix_time(i.created),
        size: i.size,
        labels: i.labels.into_iter().collect(),
    }
}

pub(super) fn image_details(i: bm::ImageInspect) -> ImageDetails {
    let config = i.config.unwrap_or_default();
    ImageDetails {
        id: i.id.unwrap_or_default(),
        repo_tags: i.repo_tags.unwrap_or_default(),
        repo_digests: i.repo_digests.unwrap_or_default(),
        created: parse_time(i.created.as_deref()),
        architecture: i.architecture.unwrap_or_default(),
        os: i.os.unwrap_or_default(),
        size: i.size.unwrap_or(0),
        user: config.user.unwrap_or_default(),
        env: config.env.unwrap_or_default(),
        cmd: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        working_dir: config.working_dir.unwrap_or_default(),
        exposed_ports: config
            .exposed_ports
            .unwrap_or_default()
            .iter()
            .filter_map(|p| ContainerPort::parse(p))
            .collect(),
        volumes: config.volumes.unwrap_or_default(),
        labels: btree(config.labels),
        healthcheck: healthcheck_from(config.healthcheck),
        layers: i.root_fs.and_then(|r| r.layers).unwrap_or_default(),
    }
}

pub(super) fn history_entry(h: bm::ImageHistoryResponseItem) -> ImageHistoryEntry {
    ImageHistoryEntry {
        id: h.id,
        created: unix_time(h.created),
        created_by: h.created_by,
        size: h.size,
        comment: h.comment,
    }
}

// ---------------------------------------------------------------- networks / volumes / system

pub(super) fn network_spec_to(spec: &NetworkSpec) -> bm::NetworkCreateRequest {
    bm::NetworkCreateRequest {
        name: spec.name.clone(),
        driver: spec.driver.clone(),
        internal: spec.internal.then_some(true),
        attachable: spec.attachable.then_some(true),
        enable_ipv6: spec.enable_ipv6.then_some(true),
        options: some_map(&spec.options),
        labels: some_map(&spec.labels),
        ipam: (!spec.subnets.is_empty()).then(|| bm::Ipam {
            config: Some(
                spec.subnets.iter().map(|s| bm::IpamConfig { subnet: Some(s.clone()), ..Default::default() }).collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub(super) fn network_info(n: bm::Network) -> NetworkInfo {
    NetworkInfo {
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        driver: n.driver.unwrap_or_default(),
        scope: n.scope.unwrap_or_default(),
        internal: n.internal.unwrap_or(false),
        attachable: n.attachable.unwrap_or(false),
        labels: btree(n.labels),
        options: btree(n.options),
        created: parse_time(n.created.as_deref()),
        containers: BTreeMap::new(),
        subnets: subnets(n.ipam.as_ref()),
    }
}

pub(super) fn network_inspect(n: bm::NetworkInspect) -> NetworkInfo {
    NetworkInfo {
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        driver: n.driver.unwrap_or_default(),
        scope: n.scope.unwrap_or_default(),
        internal: n.internal.unwrap_or(false),
        attachable: n.attachable.unwrap_or(false),
        labels: btree(n.labels),
        options: btree(n.options),
        created: parse_time(n.created.as_deref()),
        containers: n
            .containers
            .unwrap_or_default()
            .into_iter()
            .map(|(id, c)| (id, c.name.unwrap_or_default()))
            .collect(),
        subnets: subnets(n.ipam.as_ref()),
    }
}

fn subnets(ipam: Option<&bm::Ipam>) -> Vec<String> {
    ipam.and_then(|i| i.config.as_ref())
        .map(|c| c.iter().filter_map(|p| p.subnet.clone()).collect())
        .unwrap_or_default()
}

pub(super) fn volume_info(v: bm::Volume) -> VolumeInfo {
    VolumeInfo {
        name: v.name,
        driver: v.driver,
        mountpoint: v.mountpoint,
        labels: v.labels.into_iter().collect(),
        options: v.options.into_iter().collect(),
        created: parse_time(v.created_at.as_deref()),
        scope: v.scope.map(|s| s.to_string()).unwrap_or_default(),
    }
}

pub(super) fn engine_version(v: bm::SystemVersion) -> EngineVersion {
    EngineVersion {
        version: v.version.unwrap_or_default(),
        api_version: v.api_version.unwrap_or_default(),
        min_api_version: v.min_api_version.unwrap_or_default(),
        os: v.os.unwrap_or_default(),
        arch: v.arch.unwrap_or_default(),
        kernel_version: v.kernel_version.unwrap_or_default(),
        go_version: v.go_version.unwrap_or_default(),
        git_commit: v.git_commit.unwrap_or_default(),
    }
}

pub(super) fn engine_info(i: bm::SystemInfo) -> EngineInfo {
    let insecure_registries = i
        .registry_config
        .as_ref()
        .map(|r| {
            let mut v = r.insecure_registry_cidrs.clone().unwrap_or_default();
            for (name, index) in r.index_configs.iter().flatten() {
                if index.secure == Some(false) {
                    v.push(name.clone());
                }
            }
            v
        })
        .unwrap_or_default();
    EngineInfo {
        insecure_registries,
        id: i.id.unwrap_or_default(),
        name: i.name.unwrap_or_default(),
        server_version: i.server_version.unwrap_or_default(),
        containers: i.containers.unwrap_or(0),
        containers_running: i.containers_running.unwrap_or(0),
        containers_paused: i.containers_paused.unwrap_or(0),
        containers_stopped: i.containers_stopped.unwrap_or(0),
        images: i.images.unwrap_or(0),
        storage_driver: i.driver.unwrap_or_default(),
        docker_root_dir: i.docker_root_dir.unwrap_or_default(),
        cgroup_driver: i.cgroup_driver.map(|d| d.to_string()).unwrap_or_default(),
        cgroup_version: i.cgroup_version.map(|d| d.to_string()).unwrap_or_default(),
        ncpu: i.ncpu.unwrap_or(0),
        mem_total: i.mem_total.unwrap_or(0),
        operating_system: i.operating_system.unwrap_or_default(),
        os_type: i.os_type.unwrap_or_default(),
        architecture: i.architecture.unwrap_or_default(),
        kernel_version: i.kernel_version.unwrap_or_default(),
        swarm_state: i.swarm.and_then(|s| s.local_node_state).map(|s| s.to_string()).unwrap_or_default(),
        security_options: i.security_options.unwrap_or_default(),
        warnings: i.warnings.unwrap_or_default(),
    }
}

pub(super) fn engine_event(e: bm::EventMessage) -> EngineEvent {
    let actor = e.actor.unwrap_or_default();
    let time = e
        .time_nano
        .and_then(|n| Utc.timestamp_opt(n.div_euclid(1_000_000_000), n.rem_euclid(1_000_000_000) as u32).single())
        .or_else(|| e.time.and_then(|t| Utc.timestamp_opt(t, 0).single()));
    EngineEvent {
        kind: e.typ.map(|t| t.to_string()).unwrap_or_default(),
        action: e.action.unwrap_or_default(),
        actor_id: actor.id.unwrap_or_default(),
        attributes: btree(actor.attributes),
        time,
    }
}

/// Filters as bollard wants them.
pub(super) fn filters(f: &Filters) -> Option<HashMap<String, Vec<String>>> {
    (!f.is_empty()).then(|| f.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_time_is_none() {
        assert_eq!(parse_time(Some("0001-01-01T00:00:00Z")), None);
        assert!(parse_time(Some("2024-05-01T10:00:00.123456789Z")).is_some());
        assert_eq!(parse_time(Some("garbage")), None);
    }

    #[test]
    fn create_body_maps_resources_ports_and_networks() {
        let spec = ContainerSpec {
            image: "busybox".into(),
            memory_limit: Some(64 << 20),
            nano_cpus: Some(1_500_000_000),
            port_bindings: vec![PortBinding {
                container_port: ContainerPort::tcp(80),
                host_ip: None,
                host_port: Some(8080),
            }],
            restart_policy: Some(RestartPolicy::OnFailure { max_retries: 3 }),
            networks: vec![
                NetworkAttachment {
                    network: "front".into(),
                    aliases: vec!["web".into()],
                    ipv4_address: None,
                    ipv6_address: None,
                },
                NetworkAttachment { network: "back".into(), aliases: vec![], ipv4_address: None, ipv6_address: None },
            ],
            ..Default::default()
        };
        let body = create_body(&spec);
        let hc = body.host_config.unwrap();
        assert_eq!(hc.memory, Some(64 << 20));
        assert_eq!(hc.nano_cpus, Some(1_500_000_000));
        assert_eq!(hc.network_mode.as_deref(), Some("front"));
        assert_eq!(hc.restart_policy.unwrap().maximum_retry_count, Some(3));
        let pb = hc.port_bindings.unwrap();
        assert_eq!(pb["80/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some("8080"));
        assert_eq!(body.exposed_ports.unwrap(), vec!["80/tcp".to_string()]);
        let eps = body.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(eps.len(), 1, "only the first network joins at create");
        assert_eq!(eps["front"].aliases.as_deref(), Some(&["web".to_string()][..]));
    }
}

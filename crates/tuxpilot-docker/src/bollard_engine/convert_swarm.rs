//! Swarm objects between TuxPilot's types and the Engine API's: service specs (both ways),
//! services, nodes, tasks.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models as bm;

use crate::types::*;

pub(super) fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

pub(super) fn duration(n: Option<i64>) -> Option<Duration> {
    n.filter(|n| *n > 0).map(|n| Duration::from_nanos(n as u64))
}

pub(super) fn btree(m: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    m.unwrap_or_default().into_iter().collect()
}

pub(super) fn hash(m: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

pub(super) fn lower<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string().to_ascii_lowercase()).unwrap_or_default()
}

// ---------------------------------------------------------------- base64 (secret and config data)

// ---------------------------------------------------------------- conversions

pub(super) fn update_config_to(c: &SwarmUpdateConfig) -> bm::ServiceSpecUpdateConfig {
    bm::ServiceSpecUpdateConfig {
        parallelism: Some(i64::try_from(c.parallelism).unwrap_or(i64::MAX)),
        delay: Some(nanos(c.delay)),
        failure_action: Some(match c.failure_action {
            SwarmFailureAction::Pause => bm::ServiceSpecUpdateConfigFailureActionEnum::PAUSE,
            SwarmFailureAction::Continue => bm::ServiceSpecUpdateConfigFailureActionEnum::CONTINUE,
            SwarmFailureAction::Rollback => bm::ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK,
        }),
        monitor: Some(nanos(c.monitor)),
        max_failure_ratio: Some(c.max_failure_ratio),
        order: Some(match c.order {
            SwarmUpdateOrder::StopFirst => bm::ServiceSpecUpdateConfigOrderEnum::STOP_FIRST,
            SwarmUpdateOrder::StartFirst => bm::ServiceSpecUpdateConfigOrderEnum::START_FIRST,
        }),
    }
}

pub(super) fn update_config_from(
    parallelism: Option<i64>,
    delay: Option<i64>,
    failure: String,
    monitor: Option<i64>,
    ratio: Option<f64>,
    order: String,
) -> SwarmUpdateConfig {
    SwarmUpdateConfig {
        parallelism: parallelism.and_then(|p| u64::try_from(p).ok()).unwrap_or(1),
        delay: duration(delay).unwrap_or_default(),
        failure_action: match failure.as_str() {
            "continue" => SwarmFailureAction::Continue,
            "rollback" => SwarmFailureAction::Rollback,
            _ => SwarmFailureAction::Pause,
        },
        monitor: duration(monitor).unwrap_or(Duration::from_secs(5)),
        max_failure_ratio: ratio.unwrap_or(0.0),
        order: if order == "start-first" { SwarmUpdateOrder::StartFirst } else { SwarmUpdateOrder::StopFirst },
    }
}

fn file_ref_secret(r: &FileReference) -> bm::TaskSpecContainerSpecSecrets {
    bm::TaskSpecContainerSpecSecrets {
        file: Some(bm::TaskSpecContainerSpecFile {
            name: Some(r.target.clone()),
            uid: Some("0".into()),
            gid: Some("0".into()),
            mode: Some(r.mode),
        }),
        secret_id: Some(r.id.clone()),
        secret_name: Some(r.name.clone()),
    }
}

fn file_ref_config(r: &FileReference) -> bm::TaskSpecContainerSpecConfigs {
    bm::TaskSpecContainerSpecConfigs {
        file: Some(bm::TaskSpecContainerSpecFile1 {
            name: Some(r.target.clone()),
            uid: Some("0".into()),
            gid: Some("0".into()),
            mode: Some(r.mode),
        }),
        runtime: None,
        config_id: Some(r.id.clone()),
        config_name: Some(r.name.clone()),
    }
}

/// TuxPilot's spec → the engine's.
pub(super) fn service_spec_to(s: &ServiceSpec) -> bm::ServiceSpec {
    let health_check = s.health_check.as_ref().map(|h| bm::HealthConfig {
        test: Some(h.test.clone()),
        interval: h.interval.map(nanos),
        timeout: h.timeout.map(nanos),
        retries: h.retries.map(i64::from),
        start_period: h.start_period.map(nanos),
        start_interval: None,
    });
    let mounts: Vec<bm::Mount> = s
        .mounts
        .iter()
        .map(|m| bm::Mount {
            target: Some(m.target.clone()),
            source: m.source.clone(),
            typ: Some(match m.kind.as_str() {
                "bind" => bm::MountType::BIND,
                "tmpfs" => bm::MountType::TMPFS,
                _ => bm::MountType::VOLUME,
            }),
            read_only: Some(m.read_only),
            volume_options: (m.kind == "volume" && !m.volume_labels.is_empty())
                .then(|| bm::MountVolumeOptions { labels: hash(&m.volume_labels), ..Default::default() }),
            ..Default::default()
        })
        .collect();
    let container = bm::TaskSpecContainerSpec {
        image: Some(s.image.clone()),
        labels: hash(&s.container_labels),
        command: s.entrypoint.clone(),
        args: s.command.clone(),
        env: (!s.env.is_empty()).then(|| s.env.clone()),
        dir: s.working_dir.clone(),
        user: s.user.clone(),
        mounts: (!mounts.is_empty()).then_some(mounts),
        stop_grace_period: s.stop_grace_period.map(nanos),
        health_check,
        secrets: (!s.secrets.is_empty()).then(|| s.secrets.iter().map(file_ref_secret).collect()),
        configs: (!s.configs.is_empty()).then(|| s.configs.iter().map(file_ref_config).collect()),
        ..Default::default()
    };
    let restart = (s.restart_condition.is_some() || s.restart_delay.is_some() || s.restart_max_attempts.is_some())
        .then(|| bm::TaskSpecRestartPolicy {
            condition: s.restart_condition.as_deref().map(|c| match c {
                "none" => bm::TaskSpecRestartPolicyConditionEnum::NONE,
                "on-failure" => bm::TaskSpecRestartPolicyConditionEnum::ON_FAILURE,
                _ => bm::TaskSpecRestartPolicyConditionEnum::ANY,
            }),
            delay: s.restart_delay.map(nanos),
            max_attempts: s.restart_max_attempts.and_then(|m| i64::try_from(m).ok()),
            window: None,
        });
    let resources = bm::TaskSpecResources {
        limits: (s.nano_cpus.is_some() || s.memory_bytes.is_some()).then_some(bm::Limit {
            nano_cpus: s.nano_cpus,
            memory_bytes: s.memory_bytes,
            pids: None,
        }),
        reservations: (s.reserve_nano_cpus.is_some() || s.reserve_memory_bytes.is_some()).then_some(
            bm::ResourceObject {
                nano_cpus: s.reserve_nano_cpus,
                memory_bytes: s.reserve_memory_bytes,
                generic_resources: None,
            },
        ),
        ..Default::default()
    };
    let placement = bm::TaskSpecPlacement {
        constraints: (!s.constraints.is_empty()).then(|| s.constraints.clone()),
        preferences: (!s.preferences.is_empty()).then(|| {
            s.preferences
                .iter()
                .map(|p| bm::TaskSpecPlacementPreferences {
                    spread: Some(bm::TaskSpecPlacementSpread { spread_descriptor: Some(p.clone()) }),
                })
                .collect()
        }),
        max_replicas: (s.max_replicas_per_node > 0).then(|| i64::try_from(s.max_replicas_per_node).unwrap_or(i64::MAX)),
        platforms: None,
    };
    let networks: Vec<bm::NetworkAttachmentConfig> = s
        .networks
        .iter()
        .map(|(n, aliases)| bm::NetworkAttachmentConfig {
            target: Some(n.clone()),
            aliases: (!aliases.is_empty()).then(|| aliases.clone()),
            driver_opts: None,
        })
        .collect();
    let ports: Vec<bm::EndpointPortConfig> = s
        .ports
        .iter()
        .map(|p| bm::EndpointPortConfig {
            name: None,
            protocol: Some(match p.protocol.as_str() {
                "udp" => bm::EndpointPortConfigProtocolEnum::UDP,
                "sctp" => bm::EndpointPortConfigProtocolEnum::SCTP,
                _ => bm::EndpointPortConfigProtocolEnum::TCP,
            }),
            target_port: Some(i64::from(p.target)),
            published_port: p.published.map(i64::from),
            publish_mode: Some(match p.mode {
                PublishMode::Host => bm::EndpointPortConfigPublishModeEnum::HOST,
                PublishMode::Ingress => bm::EndpointPortConfigPublishModeEnum::INGRESS,
            }),
        })
        .collect();
    bm::ServiceSpec {
        name: Some(s.name.clone()),
        labels: hash(&s.labels),
        task_template: Some(bm::TaskSpec {
            container_spec: Some(container),
            resources: Some(resources),
            restart_policy: restart,
            placement: Some(placement),
            force_update: Some(s.force_update),
            networks: (!networks.is_empty()).then_some(networks),
            ..Default::default()
        }),
        mode: Some(match s.replicas {
            Some(r) => bm::ServiceSpecMode {
                replicated: Some(bm::ServiceSpecModeReplicated {
                    replicas: Some(i64::try_from(r).unwrap_or(i64::MAX)),
                }),
                ..Default::default()
            },
            None => bm::ServiceSpecMode { global: Some(HashMap::new()), ..Default::default() },
        }),
        update_config: s.update_config.as_ref().map(update_config_to),
        rollback_config: s.rollback_config.as_ref().map(|c| {
            let u = update_config_to(c);
            bm::ServiceSpecRollbackConfig {
                parallelism: u.parallelism,
                delay: u.delay,
                failure_action: Some(match c.failure_action {
                    SwarmFailureAction::Continue => bm::ServiceSpecRollbackConfigFailureActionEnum::CONTINUE,
                    _ => bm::ServiceSpecRollbackConfigFailureActionEnum::PAUSE,
                }),
                monitor: u.monitor,
                max_failure_ratio: u.max_failure_ratio,
                order: Some(match c.order {
                    SwarmUpdateOrder::StopFirst => bm::ServiceSpecRollbackConfigOrderEnum::STOP_FIRST,
                    SwarmUpdateOrder::StartFirst => bm::ServiceSpecRollbackConfigOrderEnum::START_FIRST,
                }),
            }
        }),
        networks: None,
        endpoint_spec: Some(bm::EndpointSpec {
            mode: Some(match s.endpoint_mode {
                EndpointMode::Vip => bm::EndpointSpecModeEnum::VIP,
                EndpointMode::Dnsrr => bm::EndpointSpecModeEnum::DNSRR,
            }),
            ports: (!ports.is_empty()).then_some(ports),
        }),
    }
}

/// The engine's spec → TuxPilot's.
pub(super) fn service_spec_from(s: bm::ServiceSpec) -> ServiceSpec {
    let task = s.task_template.unwrap_or_default();
    let c = task.container_spec.unwrap_or_default();
    let mut out = ServiceSpec::new(s.name.unwrap_or_default(), c.image.unwrap_or_default());
    out.labels = btree(s.labels);
    out.container_labels = btree(c.labels);
    out.entrypoint = c.command;
    out.command = c.args;
    out.env = c.env.unwrap_or_default();
    out.working_dir = c.dir;
    out.user = c.user;
    out.stop_grace_period = duration(c.stop_grace_period);
    out.health_check = c.health_check.map(|h| SwarmHealthCheck {
        test: h.test.unwrap_or_default(),
        interval: duration(h.interval),
        timeout: duration(h.timeout),
        retries: h.retries.and_then(|r| u32::try_from(r).ok()),
        start_period: duration(h.start_period),
    });
    out.mounts = c
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|m| SwarmMount {
            kind: lower(m.typ),
            source: m.source,
            target: m.target.unwrap_or_default(),
            read_only: m.read_only.unwrap_or(false),
            volume_labels: btree(m.volume_options.and_then(|v| v.labels)),
        })
        .collect();
    out.secrets = c
        .secrets
        .unwrap_or_default()
        .into_iter()
        .map(|r| FileReference {
            id: r.secret_id.unwrap_or_default(),
            name: r.secret_name.unwrap_or_default(),
            target: r.file.as_ref().and_then(|f| f.name.clone()).unwrap_or_default(),
            mode: r.file.and_then(|f| f.mode).unwrap_or(0o444),
        })
        .collect();
    out.configs = c
        .configs
        .unwrap_or_default()
        .into_iter()
        .map(|r| FileReference {
            id: r.config_id.unwrap_or_default(),
            name: r.config_name.unwrap_or_default(),
            target: r.file.as_ref().and_then(|f| f.name.clone()).unwrap_or_default(),
            mode: r.file.and_then(|f| f.mode).unwrap_or(0o444),
        })
        .collect();
    out.replicas = match s.mode {
        Some(m) if m.global.is_some() => None,
        Some(m) => m.replicated.and_then(|r| r.replicas).and_then(|r| u64::try_from(r).ok()).or(Some(1)),
        None => Some(1),
    };
    out.networks = task
        .networks
        .or(s.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|n| (n.target.unwrap_or_default(), n.aliases.unwrap_or_default()))
        .collect();
    if let Some(e) = s.endpoint_spec {
        out.endpoint_mode = if lower(e.mode) == "dnsrr" { EndpointMode::Dnsrr } else { EndpointMode::Vip };
        out.ports = e
            .ports
            .unwrap_or_default()
            .into_iter()
            .map(|p| ServicePort {
                target: p.target_port.and_then(|t| u16::try_from(t).ok()).unwrap_or(0),
                published: p.published_port.and_then(|t| u16::try_from(t).ok()).filter(|p| *p > 0),
                protocol: {
                    let p = lower(p.protocol);
                    if p.is_empty() { "tcp".into() } else { p }
                },
                mode: if lower(p.publish_mode) == "host" { PublishMode::Host } else { PublishMode::Ingress },
            })
            .collect();
    }
    out.update_config = s.update_config.map(|u| {
        update_config_from(
            u.parallelism,
            u.delay,
            lower(u.failure_action),
            u.monitor,
            u.max_failure_ratio,
            lower(u.order),
        )
    });
    out.rollback_config = s.rollback_config.map(|u| {
        update_config_from(
            u.parallelism,
            u.delay,
            lower(u.failure_action),
            u.monitor,
            u.max_failure_ratio,
            lower(u.order),
        )
    });
    if let Some(r) = task.restart_policy {
        out.restart_condition = r.condition.map(|c| c.to_string()).filter(|c| !c.is_empty());
        out.restart_delay = duration(r.delay);
        out.restart_max_attempts = r.max_attempts.and_then(|m| u64::try_from(m).ok());
    }
    if let Some(r) = task.resources {
        out.nano_cpus = r.limits.as_ref().and_then(|l| l.nano_cpus).filter(|n| *n > 0);
        out.memory_bytes = r.limits.as_ref().and_then(|l| l.memory_bytes).filter(|n| *n > 0);
        out.reserve_nano_cpus = r.reservations.as_ref().and_then(|l| l.nano_cpus).filter(|n| *n > 0);
        out.reserve_memory_bytes = r.reservations.as_ref().and_then(|l| l.memory_bytes).filter(|n| *n > 0);
    }
    if let Some(p) = task.placement {
        out.constraints = p.constraints.unwrap_or_default();
        out.preferences = p
            .preferences
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.spread.and_then(|s| s.spread_descriptor))
            .collect();
        out.max_replicas_per_node = p.max_replicas.and_then(|m| u64::try_from(m).ok()).unwrap_or(0);
    }
    out.force_update = task.force_update.unwrap_or(0);
    out
}

pub(super) fn service_from(s: bm::Service) -> ServiceInfo {
    ServiceInfo {
        id: s.id.unwrap_or_default(),
        version: s.version.and_then(|v| v.index).unwrap_or(0),
        spec: service_spec_from(s.spec.unwrap_or_default()),
        update_status: s.update_status.map(|u| UpdateStatus {
            state: lower(u.state),
            message: u.message.unwrap_or_default(),
            started_at: u.started_at,
            completed_at: u.completed_at,
        }),
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

pub(super) fn node_from(n: bm::Node) -> NodeInfo {
    let spec = n.spec.unwrap_or_default();
    let status = n.status.unwrap_or_default();
    let desc = n.description.unwrap_or_default();
    NodeInfo {
        id: n.id.unwrap_or_default(),
        version: n.version.and_then(|v| v.index).unwrap_or(0),
        hostname: desc.hostname.unwrap_or_default(),
        addr: status.addr.unwrap_or_default(),
        role: if lower(spec.role) == "manager" { NodeRole::Manager } else { NodeRole::Worker },
        availability: match lower(spec.availability).as_str() {
            "pause" => NodeAvailability::Pause,
            "drain" => NodeAvailability::Drain,
            _ => NodeAvailability::Active,
        },
        state: lower(status.state),
        leader: n.manager_status.and_then(|m| m.leader).unwrap_or(false),
        labels: btree(spec.labels),
        engine_version: desc.engine.and_then(|e| e.engine_version).unwrap_or_default(),
    }
}

pub(super) fn task_from(t: bm::Task) -> TaskInfo {
    let status = t.status.unwrap_or_default();
    TaskInfo {
        id: t.id.unwrap_or_default(),
        service_id: t.service_id.unwrap_or_default(),
        slot: t.slot.and_then(|s| u64::try_from(s).ok()),
        node_id: t.node_id.unwrap_or_default(),
        state: lower(status.state),
        desired_state: lower(t.desired_state),
        message: status.message.unwrap_or_default(),
        error: status.err.unwrap_or_default(),
        container_id: status.container_status.and_then(|c| c.container_id).filter(|c| !c.is_empty()),
        spec_version: t.version.and_then(|v| v.index).unwrap_or(0),
        created_at: t.created_at,
        status_timestamp: status.timestamp,
    }
}

// ---------------------------------------------------------------- the trait

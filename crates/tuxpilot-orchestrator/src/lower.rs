//! Lowering: an app spec becomes a compose [`Project`], so one executor (and `docker compose
//! ps`) serves both formats. Pure: no files are read and nothing touches an engine.

use std::collections::BTreeMap;
use std::path::Path;

use tuxpilot_compose::{
    Bytes, Dependency, Deploy, FileObjectConfig, FileRef, GoDuration, Healthcheck, NetworkConfig, Placement,
    PortConfig, Project, Resource, Resources, Service, ServiceVolume, UpdateConfig, VolumeConfig,
};

use crate::spec::{ApplicationDeployment, UpdatePolicy};

/// The compose network key every container joins.
pub const NETWORK_KEY: &str = "default";

fn resolve(dir: &Path, p: &str) -> String {
    let path = match p.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map(|h| Path::new(&h).join(rest)).unwrap_or_else(|| dir.join(p)),
        None if Path::new(p).is_absolute() => Path::new(p).to_path_buf(),
        None => dir.join(p),
    };
    // `a/./b/../c` → `a/c`, without touching the filesystem.
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

fn update_config(p: &UpdatePolicy) -> UpdateConfig {
    UpdateConfig {
        parallelism: p.parallelism.map(i64::from),
        delay: p.delay.map(|d| GoDuration(d.0)),
        failure_action: p.failure_action.map(|a| a.as_str().to_string()),
        monitor: p.monitor.map(|d| GoDuration(d.0)),
        max_failure_ratio: p.max_failure_ratio,
        order: p.order.map(|o| o.as_str().to_string()),
    }
}

/// The compose project of `spec`; relative paths are taken from `dir`.
pub fn lower(spec: &ApplicationDeployment, dir: &Path) -> Project {
    let mut project = Project { name: spec.name.clone(), ..Default::default() };
    project.networks.insert(
        NETWORK_KEY.into(),
        NetworkConfig {
            name: Some(spec.network.clone().unwrap_or_else(|| format!("{}_default", spec.name))),
            ..Default::default()
        },
    );
    for (key, v) in &spec.volumes {
        project.volumes.insert(
            key.clone(),
            VolumeConfig {
                name: Some(v.name.clone().unwrap_or_else(|| format!("{}_{key}", spec.name))),
                driver: v.driver.clone(),
                driver_opts: v.driver_opts.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect(),
                external: v.external.then_some(true),
                labels: BTreeMap::new(),
            },
        );
    }
    for (key, s) in &spec.secrets {
        project.secrets.insert(
            key.clone(),
            FileObjectConfig {
                name: Some(format!("{}_{key}", spec.name)),
                file: Some(resolve(dir, &s.file)),
                ..Default::default()
            },
        );
    }
    for (name, c) in &spec.containers {
        let mut s = Service { image: Some(c.image_reference()), ..Default::default() };
        let mut env: BTreeMap<String, Option<String>> =
            spec.environment.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        env.extend(c.environment.iter().map(|(k, v)| (k.clone(), Some(v.clone()))));
        s.environment = env;
        let mut labels: BTreeMap<String, Option<String>> =
            spec.labels.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        labels.extend(c.labels.iter().map(|(k, v)| (k.clone(), Some(v.clone()))));
        if let Some(m) = c.proxy {
            labels.insert(crate::proxy::MODE_LABEL.into(), Some(m.as_str().into()));
        }
        if let Some(p) = c.auto_update {
            labels.insert(crate::updates::policy::LABEL.into(), Some(p.as_str().into()));
        }
        s.labels = labels;
        s.command = c.command.clone();
        s.entrypoint = c.entrypoint.clone();
        s.user = c.user.clone();
        s.working_dir = c.working_dir.clone();
        s.restart = c.restart_policy.as_ref().map(|r| r.as_compose());
        s.stop_grace_period = c.stop_grace_period.map(|d| GoDuration(d.0));
        s.networks.insert(NETWORK_KEY.into(), None);
        s.ports = c
            .ports
            .iter()
            .map(|p| PortConfig {
                name: None,
                mode: p.mode.clone().unwrap_or_else(|| "ingress".into()),
                host_ip: p.host_ip.clone(),
                target: p.container,
                published: p.host.clone(),
                protocol: p.protocol.clone(),
                app_protocol: None,
            })
            .collect();
        s.volumes = c
            .volumes
            .iter()
            .map(|m| {
                let bind = m.is_bind();
                ServiceVolume {
                    kind: if bind { "bind".into() } else { "volume".into() },
                    source: m.source.as_ref().map(|src| if bind { resolve(dir, src) } else { src.clone() }),
                    target: m.target.clone(),
                    read_only: m.read_only.then_some(true),
                    consistency: None,
                    bind: None,
                    volume: None,
                    tmpfs: None,
                    image: None,
                }
            })
            .collect();
        s.secrets = c
            .secrets
            .iter()
            .map(|n| FileRef { source: n.clone(), target: None, uid: None, gid: None, mode: None })
            .collect();
        s.healthcheck = c.health_check.as_ref().map(|h| Healthcheck {
            test: h.test.clone(),
            interval: h.interval.map(|d| GoDuration(d.0)),
            timeout: h.timeout.map(|d| GoDuration(d.0)),
            retries: h.retries.map(i64::from),
            start_period: h.start_period.map(|d| GoDuration(d.0)),
            ..Default::default()
        });
        // A dependency with a health check must be healthy first; one without, started.
        for d in &c.depends_on {
            let healthy = spec.containers.get(d).is_some_and(|dc| dc.health_check.is_some());
            let mut dep = Dependency::started();
            if healthy {
                dep.condition = "service_healthy".into();
            }
            s.depends_on.insert(d.clone(), dep);
        }
        let r = c.resources.clone().unwrap_or_default();
        let limits = (r.memory.is_some() || r.cpu.is_some()).then(|| Resource {
            cpus: r.cpu,
            memory: r.memory.map(|m| Bytes(m.0)),
            ..Default::default()
        });
        let reservations = (r.memory_reservation.is_some() || r.cpu_reservation.is_some()).then(|| Resource {
            cpus: r.cpu_reservation,
            memory: r.memory_reservation.map(|m| Bytes(m.0)),
            ..Default::default()
        });
        // The engine has no CPU reservation; shares weigh CPU time under contention.
        s.cpu_shares = r.cpu_reservation.map(|c| (c * 1024.0).round().max(2.0) as i64);
        let update = c.update.as_ref().or(spec.update.as_ref()).map(update_config);
        s.deploy = Some(Deploy {
            replicas: Some(i64::from(c.replicas())),
            resources: (limits.is_some() || reservations.is_some()).then_some(Resources { limits, reservations }),
            update_config: update,
            placement: c.placement.as_ref().map(|p| Placement {
                constraints: p.constraints.clone(),
                preferences: p.preferences.iter().map(|s| serde_json::json!({ "spread": s })).collect(),
                max_replicas_per_node: p.max_replicas_per_node.map(i64::from),
            }),
            endpoint_mode: c.endpoint_mode.map(|m| {
                match m {
                    crate::spec::EndpointModeSpec::Vip => "vip",
                    crate::spec::EndpointModeSpec::Dnsrr => "dnsrr",
                }
                .to_string()
            }),
            ..Default::default()
        });
        project.services.insert(name.clone(), s);
    }
    project
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_resolve_against_the_app_directory() {
        assert_eq!(resolve(Path::new("/srv/app"), "./data/../conf"), "/srv/app/conf");
        assert_eq!(resolve(Path::new("/srv/app"), "/etc/x"), "/etc/x");
    }
}

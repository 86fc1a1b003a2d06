//! `containers run`'s less common docker flags, each parsed into its field of the create spec
//! with an error that names the flag (pure).

use std::collections::BTreeMap;

use anyhow::bail;
use tuxpilot_docker::units::parse_bytes;
use tuxpilot_docker::{ContainerPort, ContainerSpec, DeviceMapping, MountKind, MountSpec, Protocol, Ulimit};

use crate::args::RunArgs;
use crate::error::UsageError;

fn usage(flag: &str, value: &str, why: impl std::fmt::Display) -> anyhow::Error {
    UsageError(format!("invalid --{flag} `{value}`: {why}")).into()
}

fn pairs(flag: &str, list: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in list {
        match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            _ => return Err(usage(flag, item, "expected KEY=VALUE")),
        }
    }
    Ok(out)
}

fn bytes(flag: &str, value: Option<&String>) -> anyhow::Result<Option<i64>> {
    value.map(|v| if v == "-1" { Ok(-1) } else { parse_bytes(v).map_err(|e| usage(flag, v, e)) }).transpose()
}

/// The spec fields of the flags this module owns; the rest of the spec is default.
pub fn more(a: &RunArgs) -> anyhow::Result<ContainerSpec> {
    if !a.network_alias.is_empty() && a.network.is_none() {
        bail!(UsageError("--network-alias needs --network: aliases exist only on user-defined networks".into()));
    }
    let mut tmpfs = BTreeMap::new();
    for t in &a.tmpfs {
        let (path, options) = t.split_once(':').unwrap_or((t.as_str(), ""));
        if !path.starts_with('/') {
            return Err(usage("tmpfs", t, "the path must be absolute"));
        }
        tmpfs.insert(path.to_string(), options.to_string());
    }
    let mut exposed_ports = Vec::new();
    for e in &a.expose {
        let (port, proto) = e.split_once('/').unwrap_or((e.as_str(), "tcp"));
        let protocol = match proto {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => Protocol::Sctp,
            _ => return Err(usage("expose", e, "the protocol must be tcp, udp or sctp")),
        };
        let port: u16 = port.parse().map_err(|_| usage("expose", e, "expected PORT[/PROTOCOL], 1 to 65535"))?;
        exposed_ports.push(ContainerPort { port, protocol });
    }
    let mut ulimits = Vec::new();
    for u in &a.ulimit {
        let bad = || usage("ulimit", u, "expected NAME=SOFT[:HARD], e.g. nofile=1024:2048");
        let (name, values) = u.split_once('=').ok_or_else(bad)?;
        let (soft, hard) = values.split_once(':').unwrap_or((values, values));
        let soft: i64 = soft.parse().map_err(|_| bad())?;
        let hard: i64 = hard.parse().map_err(|_| bad())?;
        if name.is_empty() || soft > hard {
            return Err(bad());
        }
        ulimits.push(Ulimit { name: name.to_string(), soft, hard });
    }
    let mut devices = Vec::new();
    for d in &a.device {
        let parts: Vec<&str> = d.split(':').collect();
        let (host, container, permissions) = match parts.as_slice() {
            [h] => (*h, *h, "rwm"),
            [h, c] if c.chars().all(|x| "rwm".contains(x)) && !c.starts_with('/') => (*h, *h, *c),
            [h, c] => (*h, *c, "rwm"),
            [h, c, p] => (*h, *c, *p),
            _ => return Err(usage("device", d, "expected HOST[:CONTAINER[:PERMISSIONS]]")),
        };
        if !host.starts_with('/') || !container.starts_with('/') {
            return Err(usage("device", d, "device paths must be absolute"));
        }
        devices.push(DeviceMapping {
            host_path: host.into(),
            container_path: container.into(),
            permissions: permissions.into(),
        });
    }
    Ok(ContainerSpec {
        tmpfs,
        dns: a.dns.clone(),
        dns_search: a.dns_search.clone(),
        dns_options: a.dns_option.clone(),
        security_opt: a.security_opt.clone(),
        shm_size: bytes("shm-size", a.shm_size.as_ref())?,
        ipc_mode: a.ipc.clone(),
        pid_mode: a.pid.clone(),
        group_add: a.group_add.clone(),
        exposed_ports,
        memory_reservation: bytes("memory-reservation", a.memory_reservation.as_ref())?,
        memory_swap: bytes("memory-swap", a.memory_swap.as_ref())?,
        cpuset_cpus: a.cpuset_cpus.clone(),
        log_driver: a.log_driver.clone(),
        log_options: pairs("log-opt", &a.log_opt)?,
        sysctls: pairs("sysctl", &a.sysctl)?,
        ulimits,
        devices,
        volumes_from: a.volumes_from.clone(),
        privileged: a.privileged,
        ..Default::default()
    })
}

/// docker's `--mount` long form: comma-separated `type=`, `source`/`src`, `target`/`dst`/
/// `destination`, `readonly`/`ro`, `volume-nocopy`, `bind-propagation`, `tmpfs-size`.
pub fn parse_mount(spec: &str) -> anyhow::Result<MountSpec> {
    let mut kind = MountKind::Volume;
    let (mut source, mut target, mut read_only, mut no_copy) = (None, None, false, false);
    let (mut propagation, mut tmpfs_size) = (None, None);
    for field in spec.split(',') {
        let (key, value) = field.split_once('=').map_or((field, None), |(k, v)| (k, Some(v)));
        let truthy = |v: Option<&str>| !matches!(v, Some("false" | "0"));
        match key {
            "type" => {
                kind = match value {
                    Some("bind") => MountKind::Bind,
                    Some("volume") => MountKind::Volume,
                    Some("tmpfs") => MountKind::Tmpfs,
                    other => bail!("type `{}` is not one of bind, volume, tmpfs", other.unwrap_or("")),
                }
            }
            "source" | "src" => source = value.map(str::to_string),
            "target" | "dst" | "destination" => target = value.map(str::to_string),
            "readonly" | "ro" => read_only = truthy(value),
            "volume-nocopy" => no_copy = truthy(value),
            "bind-propagation" => propagation = value.map(str::to_string),
            "tmpfs-size" => {
                tmpfs_size = Some(parse_bytes(value.unwrap_or("")).map_err(|e| anyhow::anyhow!("tmpfs-size: {e}"))?)
            }
            _ => bail!(
                "unknown field `{key}`: use type, source, target, readonly, volume-nocopy, bind-propagation, tmpfs-size"
            ),
        }
    }
    let Some(target) = target.filter(|t| t.starts_with('/')) else {
        bail!("`target` is required and must be an absolute path inside the container");
    };
    if kind == MountKind::Bind && !source.as_deref().is_some_and(|s| s.starts_with('/')) {
        bail!("a bind mount needs an absolute `source` path on the host");
    }
    if kind == MountKind::Tmpfs && source.is_some() {
        bail!("a tmpfs mount takes no `source`");
    }
    Ok(MountSpec { kind, source, target, read_only, no_copy, propagation, create_host_path: false, tmpfs_size })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_in_dockers_long_form() {
        let m = parse_mount("type=bind,source=/srv/data,target=/data,readonly").unwrap();
        assert_eq!(
            (m.kind, m.source.as_deref(), m.target.as_str(), m.read_only),
            (MountKind::Bind, Some("/srv/data"), "/data", true)
        );
        let m = parse_mount("src=cache,dst=/cache").unwrap();
        assert_eq!((m.kind, m.source.as_deref()), (MountKind::Volume, Some("cache")));
        let m = parse_mount("type=tmpfs,target=/run,tmpfs-size=64m").unwrap();
        assert_eq!(m.tmpfs_size, Some(64 * 1024 * 1024));
        for bad in ["type=bind,source=rel,target=/x", "source=v", "type=nfs,target=/x", "target=/x,colour=red"] {
            assert!(parse_mount(bad).is_err(), "{bad}");
        }
    }
}

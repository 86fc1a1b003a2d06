//! Turning `containers run` flags into a [`ContainerSpec`], with errors that name the flag.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use tuxpilot_docker::units::{parse_bytes, parse_cpus};
use tuxpilot_docker::{
    ContainerPort, ContainerSpec, HealthCheck, MountKind, MountSpec, NetworkAttachment, PortBinding, Protocol,
    RestartPolicy,
};

use crate::args::RunArgs;

/// Builds the create spec from `run`'s flags. `env` looks up `-e KEY` without a value.
pub fn from_run_args(a: &RunArgs, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<ContainerSpec> {
    let mut environment = BTreeMap::new();
    for e in &a.env {
        match e.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                environment.insert(k.to_string(), v.to_string());
            }
            None if !e.is_empty() => {
                // Like docker: a bare KEY passes this environment's value, or nothing if unset.
                if let Some(v) = env(e) {
                    environment.insert(e.clone(), v);
                }
            }
            _ => bail!("invalid --env `{e}`: expected KEY=VALUE or KEY"),
        }
    }
    let mut labels = BTreeMap::new();
    for l in &a.label {
        let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
        if k.is_empty() {
            bail!("invalid --label `{l}`: expected KEY=VALUE");
        }
        labels.insert(k.to_string(), v.to_string());
    }
    let mut port_bindings = Vec::new();
    for p in &a.publish {
        port_bindings.extend(parse_publish(p).with_context(|| format!("invalid --publish `{p}`"))?);
    }
    let mut mounts = Vec::new();
    for v in &a.volume {
        mounts.push(parse_volume(v).with_context(|| format!("invalid --volume `{v}`"))?);
    }
    let memory_limit =
        a.memory.as_deref().map(parse_bytes).transpose().map_err(|e| anyhow::anyhow!("invalid --memory: {e}"))?;
    if memory_limit.is_some_and(|m| m < 6 * 1024 * 1024) {
        bail!("invalid --memory: the engine needs at least 6m");
    }
    let nano_cpus =
        a.cpus.as_deref().map(parse_cpus).transpose().map_err(|e| anyhow::anyhow!("invalid --cpus: {e}"))?;
    let restart_policy = a
        .restart
        .as_deref()
        .map(str::parse::<RestartPolicy>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("invalid --restart: {e}"))?;
    if a.rm && restart_policy.is_some_and(|r| r != RestartPolicy::No) {
        bail!("--rm and --restart cannot be used together: a removed container cannot be restarted");
    }
    let healthcheck = a.health_cmd.as_ref().map(|cmd| HealthCheck {
        test: vec!["CMD-SHELL".into(), cmd.clone()],
        interval: a.health_interval,
        timeout: None,
        retries: a.health_retries,
        start_period: None,
        start_interval: None,
    });
    Ok(ContainerSpec {
        name: a.name.clone(),
        image: a.image.clone(),
        command: (!a.command.is_empty()).then(|| a.command.clone()),
        entrypoint: a.entrypoint.as_ref().map(|e| vec![e.clone()]),
        environment,
        labels,
        port_bindings,
        mounts,
        memory_limit,
        nano_cpus,
        cpu_shares: a.cpu_shares,
        pids_limit: a.pids_limit,
        restart_policy,
        user: a.user.clone(),
        working_dir: a.workdir.clone(),
        hostname: a.hostname.clone(),
        healthcheck,
        read_only_rootfs: a.read_only,
        auto_remove: a.rm,
        networks: a
            .network
            .iter()
            .map(|n| NetworkAttachment { network: n.clone(), aliases: vec![], ipv4_address: None, ipv6_address: None })
            .collect(),
        ..Default::default()
    })
}

fn parse_port_range(s: &str, what: &str) -> anyhow::Result<(u16, u16)> {
    let parse = |p: &str| -> anyhow::Result<u16> {
        match p.parse::<u16>() {
            Ok(0) | Err(_) => bail!("{what} `{p}` is not a port number (1-65535)"),
            Ok(n) => Ok(n),
        }
    };
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse(a)?, parse(b)?);
            if b < a {
                bail!("{what} range `{s}` ends before it starts");
            }
            Ok((a, b))
        }
        None => {
            let p = parse(s)?;
            Ok((p, p))
        }
    }
}

/// Parses docker's `-p` syntax: `[IP:][HOST[-END]:]CONTAINER[-END][/PROTO]`; IPv6 in brackets.
pub fn parse_publish(spec: &str) -> anyhow::Result<Vec<PortBinding>> {
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) => (r, p.parse::<Protocol>().map_err(|e| anyhow::anyhow!(e))?),
        None => (spec, Protocol::Tcp),
    };
    let (ip, rest) = if let Some(stripped) = rest.strip_prefix('[') {
        let (ip, after) = stripped.split_once("]:").context("an IPv6 address must be written [addr]:host:container")?;
        (Some(ip.to_string()), after)
    } else {
        let parts: Vec<&str> = rest.split(':').collect();
        match parts.len() {
            1 | 2 => (None, rest),
            3 => (Some(parts[0].to_string()), rest.split_once(':').map(|x| x.1).unwrap_or(rest)),
            _ => bail!("expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"),
        }
    };
    let (host, container) = match rest.rsplit_once(':') {
        Some((h, c)) => (Some(h), c),
        None => (None, rest),
    };
    let (c_start, c_end) = parse_port_range(container, "container port")?;
    let host_range = match host.filter(|h| !h.is_empty()) {
        Some(h) => Some(parse_port_range(h, "host port")?),
        None => None,
    };
    let count = c_end - c_start;
    if let Some((h_start, h_end)) = host_range
        && h_end - h_start != count
        && h_start != h_end
    {
        bail!("host and container port ranges differ in length");
    }
    let ip = ip.filter(|i| !i.is_empty());
    Ok((0..=count)
        .map(|i| PortBinding {
            container_port: ContainerPort { port: c_start + i, protocol },
            host_ip: ip.clone(),
            host_port: host_range.map(|(hs, he)| if hs == he { hs } else { hs + i }),
        })
        .collect())
}

/// Parses docker's `-v` syntax: `TARGET` (anonymous volume), `SOURCE:TARGET[:OPTIONS]`. A source
/// starting with `/`, `.` or `~` is a host path (created if missing, as docker does); anything else
/// names a volume.
pub fn parse_volume(spec: &str) -> anyhow::Result<MountSpec> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, options) = match parts.as_slice() {
        [t] => (None, *t, ""),
        [s, t] => (Some(*s), *t, ""),
        [s, t, o] => (Some(*s), *t, *o),
        _ => bail!("expected SOURCE:TARGET[:ro|rw]"),
    };
    if !target.starts_with('/') {
        bail!("the target `{target}` must be an absolute path inside the container");
    }
    let mut read_only = false;
    let mut propagation = None;
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" => read_only = true,
            "rw" | "z" | "Z" | "nocopy" => {}
            "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" => propagation = Some(opt.to_string()),
            other => bail!("unknown option `{other}` (use ro, rw or a propagation mode)"),
        }
    }
    let kind = match source {
        None => MountKind::Volume,
        Some(s) if s.starts_with('/') || s.starts_with('.') || s.starts_with('~') => MountKind::Bind,
        Some(_) => MountKind::Volume,
    };
    let source = match (kind, source) {
        (MountKind::Bind, Some(s)) => Some(resolve_host_path(s)?),
        (_, s) => s.map(str::to_string),
    };
    Ok(MountSpec {
        kind,
        source,
        target: target.to_string(),
        read_only,
        no_copy: options.split(',').any(|o| o == "nocopy"),
        propagation,
        create_host_path: kind == MountKind::Bind,
        tmpfs_size: None,
    })
}

fn resolve_host_path(s: &str) -> anyhow::Result<String> {
    let path = if let Some(rest) = s.strip_prefix('~') {
        let home = std::env::var("HOME").context("`~` needs HOME to be set")?;
        format!("{home}{rest}")
    } else {
        s.to_string()
    };
    let p = std::path::Path::new(&path);
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir()?.join(p) };
    Ok(abs.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_forms() {
        let b = parse_publish("8080:80").unwrap();
        assert_eq!((b[0].host_port, b[0].container_port.port, b[0].host_ip.clone()), (Some(8080), 80, None));
        let b = parse_publish("127.0.0.1:8080:80/udp").unwrap();
        assert_eq!(b[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(b[0].container_port.protocol, Protocol::Udp);
        let b = parse_publish("127.0.0.1::80").unwrap();
        assert_eq!(b[0].host_port, None);
        let b = parse_publish("80").unwrap();
        assert_eq!((b[0].host_port, b[0].container_port.port), (None, 80));
        let b = parse_publish("8000-8002:80-82").unwrap();
        assert_eq!(
            b.iter().map(|x| (x.host_port.unwrap(), x.container_port.port)).collect::<Vec<_>>(),
            vec![(8000, 80), (8001, 81), (8002, 82)]
        );
        let b = parse_publish("[::1]:8080:80").unwrap();
        assert_eq!(b[0].host_ip.as_deref(), Some("::1"));
    }

    #[test]
    fn bad_publish_says_why() {
        assert!(parse_publish("http").unwrap_err().to_string().contains("not a port number"));
        assert!(parse_publish("70000:80").is_err());
        assert!(parse_publish("80/icmp").unwrap_err().to_string().contains("icmp"));
        assert!(parse_publish("8000-8001:80-83").is_err());
    }

    #[test]
    fn volume_forms() {
        let m = parse_volume("/srv/data:/data:ro").unwrap();
        assert_eq!(
            (m.kind, m.source.as_deref(), m.target.as_str(), m.read_only),
            (MountKind::Bind, Some("/srv/data"), "/data", true)
        );
        let m = parse_volume("cache:/cache").unwrap();
        assert_eq!((m.kind, m.source.as_deref()), (MountKind::Volume, Some("cache")));
        let m = parse_volume("/anon").unwrap();
        assert_eq!((m.kind, m.source), (MountKind::Volume, None));
        assert!(parse_volume("data:relative").unwrap_err().to_string().contains("absolute"));
        assert!(parse_volume("/a:/b:bogus").is_err());
    }
}

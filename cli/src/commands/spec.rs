//! Turning `containers run` flags into a [`ContainerSpec`], with errors that name the flag.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use tuxpilot_docker::units::{parse_bytes, parse_cpus};
use tuxpilot_docker::{
    ContainerSpec, HealthCheck, MountKind, MountSpec, NetworkAttachment, PortBinding, RestartPolicy,
};

use super::run_flags::parse_mount;
use crate::args::RunArgs;

/// Builds the create spec from `run`'s flags. `env` looks up `-e KEY` without a value.
pub fn from_run_args(a: &RunArgs, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<ContainerSpec> {
    let mut environment = BTreeMap::new();
    // As docker: the files first, in order, then `-e` over them.
    for file in &a.env_file {
        for (k, v) in read_env_file(file, &env)? {
            environment.insert(k, v);
        }
    }
    environment.extend(env_flags(&a.env, &env)?);
    let mut labels = BTreeMap::new();
    for l in &a.label {
        let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
        if k.is_empty() {
            bail!(crate::error::UsageError(format!("invalid --label `{l}`: expected KEY=VALUE")));
        }
        labels.insert(k.to_string(), v.to_string());
    }
    let mut port_bindings = Vec::new();
    for p in &a.publish {
        port_bindings
            .extend(parse_publish(p).map_err(|e| crate::error::UsageError(format!("invalid --publish `{p}`: {e:#}")))?);
    }
    let mut mounts = Vec::new();
    for v in &a.volume {
        mounts.push(parse_volume(v).map_err(|e| crate::error::UsageError(format!("invalid --volume `{v}`: {e:#}")))?);
    }
    for m in &a.mount {
        mounts.push(parse_mount(m).map_err(|e| crate::error::UsageError(format!("invalid --mount `{m}`: {e:#}")))?);
    }
    let extra = super::run_flags::more(a)?;
    let memory_limit = a
        .memory
        .as_deref()
        .map(parse_bytes)
        .transpose()
        .map_err(|e| crate::error::UsageError(format!("invalid --memory: {e}")))?;
    if memory_limit.is_some_and(|m| m < 6 * 1024 * 1024) {
        bail!(crate::error::UsageError("invalid --memory: the engine needs at least 6m".into()));
    }
    let nano_cpus = a
        .cpus
        .as_deref()
        .map(parse_cpus)
        .transpose()
        .map_err(|e| crate::error::UsageError(format!("invalid --cpus: {e}")))?;
    let restart_policy = a
        .restart
        .as_deref()
        .map(str::parse::<RestartPolicy>)
        .transpose()
        .map_err(|e| crate::error::UsageError(format!("invalid --restart: {e}")))?;
    if a.rm && restart_policy.is_some_and(|r| r != RestartPolicy::No) {
        bail!(crate::error::UsageError(
            "--rm and --restart cannot be used together: a removed container cannot be restarted".into()
        ));
    }
    let healthcheck = a.health_cmd.as_ref().map(|cmd| HealthCheck {
        test: vec!["CMD-SHELL".into(), cmd.clone()],
        interval: a.health_interval,
        timeout: a.health_timeout,
        retries: a.health_retries,
        start_period: a.health_start_period,
        start_interval: None,
    });
    Ok(ContainerSpec {
        name: a.name.clone(),
        image: a.image.clone(),
        command: command(&a.command),
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
        // Attached, `--rm` is ours to do after the exit code is read (the engine's auto-remove
        // could remove the container before the wait sees it).
        auto_remove: a.rm && a.detach,
        tty: a.tty,
        open_stdin: a.interactive,
        stdin_once: a.interactive && !a.detach,
        publish_all_ports: a.publish_all,
        stop_signal: a.stop_signal.clone(),
        stop_timeout: a.stop_timeout,
        init: a.init.then_some(true),
        extra_hosts: a.add_host.clone(),
        cap_add: a.cap_add.clone(),
        cap_drop: a.cap_drop.clone(),
        platform: a.platform.clone(),
        networks: a
            .network
            .iter()
            .map(|n| NetworkAttachment {
                network: n.clone(),
                aliases: a.network_alias.clone(),
                ipv4_address: None,
                ipv6_address: None,
            })
            .collect(),
        ..extra
    })
}

/// `-e KEY=VALUE` and `-e KEY` flags (`containers run`, `compose run`) as docker reads them: a
/// bare KEY passes this environment's value (`env`), or nothing when it has none.
pub fn env_flags(list: &[String], env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for e in list {
        match e.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            None if !e.is_empty() => {
                if let Some(v) = env(e) {
                    out.insert(e.clone(), v);
                }
            }
            _ => bail!(crate::error::UsageError(format!("invalid --env `{e}`: expected KEY=VALUE or KEY"))),
        }
    }
    Ok(out)
}

/// The command after the image; a `--` right after the image is dropped (the shape before
/// `run` took docker's: `run IMAGE -- CMD`).
fn command(words: &[String]) -> Option<Vec<String>> {
    let words = match words.split_first() {
        Some((first, rest)) if first == "--" => rest,
        _ => words,
    };
    (!words.is_empty()).then(|| words.to_vec())
}

/// The largest `--env-file` read.
const ENV_FILE_LIMIT: u64 = 1024 * 1024;

/// Reads docker's `--env-file` format: `KEY=VALUE` lines taken verbatim (no quotes removed, as
/// docker does), `KEY` alone for this environment's value, blank lines and `#` comments skipped.
/// A bad line is an error naming the file and line.
pub fn read_env_file(
    path: &std::path::Path,
    env: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<(String, String)>> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| crate::error::UsageError(format!("cannot read --env-file {shown}: {e}")))?;
    let mut text = String::new();
    file.take(ENV_FILE_LIMIT + 1).read_to_string(&mut text).map_err(|e| {
        crate::error::UsageError(format!("cannot read --env-file {shown}: {e} (it must be UTF-8 text)"))
    })?;
    if text.len() as u64 > ENV_FILE_LIMIT {
        bail!(crate::error::UsageError(format!("--env-file {shown} is larger than 1 MiB; is it the right file?")));
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = match trimmed.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (trimmed.trim_end(), None),
        };
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            bail!(crate::error::UsageError(format!(
                "{shown}:{}: `{}` is not a variable: expected KEY=VALUE or KEY, without spaces in KEY",
                n + 1,
                line.trim()
            )));
        }
        match value {
            Some(v) => out.push((key.to_string(), v.to_string())),
            None => {
                if let Some(v) = env(key) {
                    out.push((key.to_string(), v));
                }
            }
        }
    }
    Ok(out)
}

/// Parses docker's `-p` syntax, `[IP:][HOST[-END]:]CONTAINER[-END][/PROTO]` (IPv6 in brackets),
/// with compose's parser of the same syntax.
pub fn parse_publish(spec: &str) -> anyhow::Result<Vec<PortBinding>> {
    let ports = tuxpilot_compose::parse_port(spec).map_err(|e| anyhow::anyhow!(e))?;
    Ok(ports.iter().map(|p| tuxpilot_compose::runtime::port_binding(p, 1)).collect())
}

/// `--filter KEY=VALUE` flags as engine filters (docker's syntax; a bad one is a usage error).
pub fn filters(list: &[String]) -> anyhow::Result<tuxpilot_docker::Filters> {
    let mut filters = tuxpilot_docker::Filters::new();
    for f in list {
        let (k, v) = tuxpilot_docker::Filters::parse_pair(f).map_err(crate::error::UsageError)?;
        filters.add(k, v);
    }
    Ok(filters)
}

/// Parses docker's `-v` syntax, `TARGET` (anonymous volume) or `SOURCE:TARGET[:OPTIONS]`, with
/// compose's parser of the same syntax. A source starting with `/`, `.` or `~` is a host path,
/// resolved against the current directory (created if missing, as docker does); anything else
/// names a volume.
pub fn parse_volume(spec: &str) -> anyhow::Result<MountSpec> {
    let v = tuxpilot_compose::parse_volume(spec).map_err(|e| anyhow::anyhow!(e))?;
    if !v.target.starts_with('/') {
        bail!("the target `{}` must be an absolute path inside the container", v.target);
    }
    let Some(mut m) = tuxpilot_compose::runtime::mount(&v, str::to_string) else {
        bail!(crate::error::UsageError(format!("invalid volume `{spec}`: expected SOURCE:TARGET[:ro|rw]")));
    };
    if m.kind == MountKind::Bind
        && let Some(s) = &m.source
    {
        m.source = Some(resolve_host_path(s)?);
    }
    Ok(m)
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
    use tuxpilot_docker::Protocol;

    #[test]
    fn env_files_read_as_docker_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.env");
        std::fs::write(&f, "# c\n\n  A=1\nB=\"q\" x \nC\nD\nE==2\n").unwrap();
        let got = read_env_file(&f, &|k| (k == "C").then(|| "from-env".to_string())).unwrap();
        let want = [("A", "1"), ("B", "\"q\" x "), ("C", "from-env"), ("E", "=2")];
        assert_eq!(got, want.map(|(k, v)| (k.to_string(), v.to_string())), "D is unset here: left out");
        std::fs::write(&f, "A=1\n=2\n").unwrap();
        let e = read_env_file(&f, &|_| None).unwrap_err().to_string();
        assert!(e.contains("x.env:2:") && e.contains("KEY=VALUE"), "{e}");
        std::fs::write(&f, "MY VAR=1\n").unwrap();
        assert!(read_env_file(&f, &|_| None).is_err(), "a space in a key");
        let e = read_env_file(&dir.path().join("missing.env"), &|_| None).unwrap_err().to_string();
        assert!(e.contains("missing.env"), "{e}");
        std::fs::write(&f, vec![b'A'; 1024 * 1024 + 10]).unwrap();
        assert!(read_env_file(&f, &|_| None).unwrap_err().to_string().contains("larger than 1 MiB"));
    }

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
        assert!(parse_publish("http").unwrap_err().to_string().contains("must be a number from 1 to 65535"));
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

//! The container of a service: image pull policy, arguments, probes, resources and security
//! context, as kompose maps them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ExecAction, HTTPGetAction, PodSecurityContext, Probe, ResourceRequirements, SecurityContext,
    TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tuxpilot_compose::{Healthcheck, Service};

use crate::model::ExportError;
use crate::report::Report;
use crate::services::PortSpec;

pub(crate) fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

pub(crate) fn pull_policy(s: &Service, labels: &BTreeMap<String, String>, r: &mut Report<'_>) -> Option<String> {
    if let Some(p) = labels.get("kompose.image-pull-policy") {
        return match p.as_str() {
            "Always" | "Never" | "IfNotPresent" => Some(p.clone()),
            other => {
                r.warn("labels.kompose.image-pull-policy", format!("{other:?} is not Always, Never or IfNotPresent"));
                None
            }
        };
    }
    match s.pull_policy.as_deref()? {
        "always" => Some("Always".into()),
        "never" => Some("Never".into()),
        "missing" | "if_not_present" => Some("IfNotPresent".into()),
        other => {
            r.warn("pull_policy", format!("pull_policy {other:?} has no Kubernetes equivalent"));
            None
        }
    }
}

/// `$VAR` and `${VAR}` in arguments → Kubernetes' `$(VAR)` when VAR is in the container's
/// environment (kompose rewrites every `$NAME`; one not in the environment stays as it is, so a
/// shell still expands it).
pub(crate) fn args_with_env_refs(args: Vec<String>, s: &Service) -> Vec<String> {
    let known = |n: &str| s.environment.get(n).is_some_and(Option::is_some);
    args.into_iter()
        .map(|a| {
            let mut out = String::new();
            let mut rest = a.as_str();
            while let Some(i) = rest.find('$') {
                out.push_str(&rest[..i]);
                let after = &rest[i + 1..];
                let (name, len) = if let Some(inner) = after.strip_prefix('{') {
                    match inner.find('}') {
                        Some(end) => (&inner[..end], end + 2),
                        None => ("", 0),
                    }
                } else {
                    let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                    (&after[..end], end)
                };
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && known(name) {
                    out.push_str(&format!("$({name})"));
                    rest = &after[len..];
                } else {
                    out.push('$');
                    rest = after;
                }
            }
            out.push_str(rest);
            out
        })
        .collect()
}

pub(crate) fn dedup_ports(ports: &[PortSpec]) -> Vec<PortSpec> {
    let mut seen = std::collections::BTreeSet::new();
    ports.iter().filter(|p| seen.insert((p.target, p.protocol.clone()))).cloned().collect()
}

fn secs(d: Option<tuxpilot_compose::GoDuration>) -> Option<i32> {
    d.map(|d| i32::try_from(d.0.as_secs()).unwrap_or(i32::MAX)).filter(|s| *s > 0)
}

/// `healthcheck` → livenessProbe (kompose's mapping); `kompose.service.healthcheck.liveness.*`
/// labels give an HTTP or TCP probe instead of a command.
pub(crate) fn liveness(
    h: Option<&Healthcheck>,
    labels: &BTreeMap<String, String>,
    r: &mut Report<'_>,
) -> Result<Option<Probe>, ExportError> {
    let Some(h) = h else { return Ok(None) };
    if h.disable == Some(true) || h.test.first().map(String::as_str) == Some("NONE") {
        return Ok(None);
    }
    if h.start_interval.is_some() {
        r.warn("healthcheck.start_interval", "start_interval has no probe equivalent");
    }
    let mut probe = Probe {
        timeout_seconds: secs(h.timeout),
        period_seconds: secs(h.interval),
        failure_threshold: h.retries.and_then(|n| i32::try_from(n).ok()).filter(|n| *n > 0),
        initial_delay_seconds: secs(h.start_period),
        ..Default::default()
    };
    let prefix = "kompose.service.healthcheck.liveness";
    if let Some(handler) = label_handler(labels, prefix, r)? {
        handler(&mut probe);
        return Ok(Some(probe));
    }
    match exec_command(&h.test) {
        Some(command) => {
            probe.exec = Some(ExecAction { command: Some(command) });
            Ok(Some(probe))
        }
        None => {
            r.warn("healthcheck", "no test: the image's own HEALTHCHECK is not known here, so no probe is made");
            Ok(None)
        }
    }
}

/// `["CMD", a, b]` → `[a, b]`; `["CMD-SHELL", s]` → `["/bin/sh", "-c", s]`, which runs as Docker
/// runs it (kompose passes the whole string as one program name, which cannot run).
fn exec_command(test: &[String]) -> Option<Vec<String>> {
    match test.split_first() {
        Some((kind, rest)) if kind == "CMD" && !rest.is_empty() => Some(rest.to_vec()),
        Some((kind, rest)) if kind == "CMD-SHELL" && !rest.is_empty() => {
            Some(vec!["/bin/sh".into(), "-c".into(), rest.join(" ")])
        }
        _ => None,
    }
}

type Handler = Box<dyn FnOnce(&mut Probe)>;

fn label_handler(
    labels: &BTreeMap<String, String>,
    prefix: &str,
    r: &mut Report<'_>,
) -> Result<Option<Handler>, ExportError> {
    let get = |k: &str| labels.get(&format!("{prefix}.{k}"));
    let port = |k: &str, r: &mut Report<'_>| -> Option<i32> {
        let v = get(k)?;
        match v.parse::<i32>() {
            Ok(p) if (1..=65535).contains(&p) => Some(p),
            _ => {
                r.warn(&format!("labels.{prefix}.{k}"), format!("{v:?} is not a port number"));
                None
            }
        }
    };
    if let (Some(path), Some(p)) = (get("http_get_path").cloned(), port("http_get_port", r)) {
        return Ok(Some(Box::new(move |probe: &mut Probe| {
            probe.http_get = Some(HTTPGetAction { path: Some(path), port: IntOrString::Int(p), ..Default::default() });
        })));
    }
    if let Some(p) = port("tcp_port", r) {
        return Ok(Some(Box::new(move |probe: &mut Probe| {
            probe.tcp_socket = Some(TCPSocketAction { port: IntOrString::Int(p), ..Default::default() });
        })));
    }
    Ok(None)
}

/// kompose's `kompose.service.healthcheck.readiness.*` labels.
pub(crate) fn readiness(labels: &BTreeMap<String, String>, r: &mut Report<'_>) -> Result<Option<Probe>, ExportError> {
    let prefix = "kompose.service.healthcheck.readiness";
    let get = |k: &str| labels.get(&format!("{prefix}.{k}"));
    if get("disable").is_some_and(|v| v == "true") {
        return Ok(None);
    }
    let dur = |k: &str, r: &mut Report<'_>| -> Option<i32> {
        let v = get(k)?;
        match tuxpilot_compose::parse_go_duration(v) {
            Ok(d) => i32::try_from(d.as_secs()).ok().filter(|s| *s > 0),
            Err(e) => {
                r.warn(&format!("labels.{prefix}.{k}"), format!("{v:?}: {e}"));
                None
            }
        }
    };
    let mut probe = Probe {
        timeout_seconds: dur("timeout", r),
        period_seconds: dur("interval", r),
        initial_delay_seconds: dur("start_period", r),
        failure_threshold: get("retries").and_then(|v| v.parse().ok()),
        ..Default::default()
    };
    if let Some(test) = get("test") {
        let mut words = shell_words::split(test).unwrap_or_else(|_| vec![test.clone()]);
        if words.first().is_some_and(|w| w == "NONE") {
            return Ok(None);
        }
        if words.first().is_some_and(|w| w == "CMD" || w == "CMD-SHELL") {
            words.remove(0);
        }
        if !words.is_empty() {
            probe.exec = Some(ExecAction { command: Some(words) });
            return Ok(Some(probe));
        }
    }
    match label_handler(labels, prefix, r)? {
        Some(h) => {
            h(&mut probe);
            Ok(Some(probe))
        }
        None => Ok(None),
    }
}

/// A byte count as Kubernetes prints a quantity made from a plain number (kompose's form):
/// trailing thousands as an exponent, `10485760000` → `10485760e3`.
fn bytes_quantity(n: i64) -> Quantity {
    let (mut m, mut e) = (n, 0);
    while m != 0 && m % 1000 == 0 {
        m /= 1000;
        e += 3;
    }
    Quantity(if e == 0 { m.to_string() } else { format!("{m}e{e}") })
}

/// CPU in millicores (`500m`, `2`), as kompose writes it; a limit below the API's smallest unit
/// (1m) is rounded up to it, never down to an unlimited `0`.
fn cpu_quantity(cpus: f64) -> Quantity {
    let milli = (cpus * 1000.0).round() as i64;
    let milli = if cpus > 0.0 { milli.max(1) } else { milli };
    if milli % 1000 == 0 { Quantity(format!("{}", milli / 1000)) } else { Quantity(format!("{milli}m")) }
}

pub(crate) fn resources(s: &Service, r: &mut Report<'_>) -> Option<ResourceRequirements> {
    let res = s.deploy.as_ref().and_then(|d| d.resources.as_ref());
    let limits = res.and_then(|r| r.limits.as_ref());
    let reservations = res.and_then(|r| r.reservations.as_ref());
    let mut l = BTreeMap::new();
    // kompose: deploy.resources.limits replaces mem_limit when present.
    let memory = match limits {
        Some(lim) => lim.memory.map(|b| b.0),
        None => s.mem_limit.map(|b| b.0),
    };
    if let Some(m) = memory.filter(|m| *m > 0) {
        l.insert("memory".to_string(), bytes_quantity(m));
    }
    if let Some(c) = limits.and_then(|l| l.cpus).filter(|c| *c > 0.0) {
        l.insert("cpu".to_string(), cpu_quantity(c));
    }
    let mut q = BTreeMap::new();
    if let Some(m) = reservations.and_then(|r| r.memory).map(|b| b.0).filter(|m| *m > 0) {
        q.insert("memory".to_string(), bytes_quantity(m));
    }
    if let Some(c) = reservations.and_then(|r| r.cpus).filter(|c| *c > 0.0) {
        q.insert("cpu".to_string(), cpu_quantity(c));
    }
    // kompose's deploy labels for ephemeral storage.
    let deploy_label = |k: &str| s.deploy.as_ref().and_then(|d| d.labels.get(k).cloned().flatten());
    if let Some(v) = deploy_label("kompose.ephemeral-storage.limit") {
        l.insert("ephemeral-storage".to_string(), Quantity(v));
    }
    if let Some(v) = deploy_label("kompose.ephemeral-storage.request") {
        q.insert("ephemeral-storage".to_string(), Quantity(v));
    }
    if limits.is_none() && s.cpus.is_some() {
        r.warn("cpus", "cpus is not converted; set deploy.resources.limits.cpus");
    }
    if reservations.is_none() && s.mem_reservation.is_some() {
        r.warn("mem_reservation", "mem_reservation is not converted; set deploy.resources.reservations.memory");
    }
    if limits.and_then(|l| l.pids).is_some() || s.pids_limit.is_some() {
        r.warn("pids_limit", "a pids limit is set per node in Kubernetes (kubelet podPidsLimit), not per pod");
    }
    if l.is_empty() && q.is_empty() {
        return None;
    }
    Some(ResourceRequirements {
        limits: (!l.is_empty()).then_some(l),
        requests: (!q.is_empty()).then_some(q),
        ..Default::default()
    })
}

pub(crate) fn security(s: &Service, r: &mut Report<'_>) -> (Option<SecurityContext>, Option<PodSecurityContext>) {
    let mut sc = SecurityContext::default();
    if s.privileged == Some(true) {
        sc.privileged = Some(true);
    }
    if let Some(user) = s.user.as_deref().filter(|u| !u.is_empty()) {
        let mut parts = user.splitn(2, ':');
        match parts.next().map(str::parse::<i64>) {
            Some(Ok(uid)) => sc.run_as_user = Some(uid),
            _ => r.warn(
                "user",
                format!("user {user:?} is not numeric: Kubernetes takes a UID (runAsUser); not converted"),
            ),
        }
        if let Some(g) = parts.next() {
            match g.parse::<i64>() {
                Ok(gid) => sc.run_as_group = Some(gid),
                Err(_) => r.warn("user", format!("group {g:?} is not numeric (runAsGroup takes a GID); not converted")),
            }
        }
    }
    if !s.cap_add.is_empty() || !s.cap_drop.is_empty() {
        sc.capabilities = Some(Capabilities { add: non_empty(s.cap_add.clone()), drop: non_empty(s.cap_drop.clone()) });
    }
    if s.read_only == Some(true) {
        sc.read_only_root_filesystem = Some(true);
    }
    let mut pod = PodSecurityContext::default();
    let mut groups = Vec::new();
    for g in &s.group_add {
        match g.parse::<i64>() {
            Ok(n) => groups.push(n),
            Err(_) => r.warn("group_add", format!("group {g:?} is not a GID; not converted")),
        }
    }
    pod.supplemental_groups = non_empty(groups);
    if let Some(fs) = s.labels.get("kompose.security-context.fsgroup").cloned().flatten()
        && let Ok(n) = fs.parse::<i64>()
    {
        pod.fs_group = Some(n);
    }
    let sc = (sc != SecurityContext::default()).then_some(sc);
    let pod = (pod != PodSecurityContext::default()).then_some(pod);
    (sc, pod)
}

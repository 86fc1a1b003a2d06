//! Checks of an app spec that the types alone cannot make, each refused before anything is
//! created: names, references (with "did you mean"), dependency cycles, host ports that
//! replicas would share, limits that cannot work.

use std::collections::{BTreeMap, BTreeSet};

use tuxpilot_compose::yaml::{Node, did_you_mean};
use tuxpilot_compose::{Error, ErrorKind};

use crate::spec::ApplicationDeployment;

fn err(doc: &Node, kind: ErrorKind, path: String, message: String) -> Error {
    Error::new(kind, message).at(doc.locate(&path)).path(path)
}

/// The longest app or container name: a DNS label, so that every name derived from it stays
/// within what the engine and the file system accept.
pub const MAX_NAME: usize = 63;

/// The smallest memory limit the engine accepts.
const MIN_MEMORY: i64 = 6 * 1024 * 1024;

/// Checks `spec` (read from `doc`, for locations).
pub fn validate(spec: &ApplicationDeployment, doc: &Node) -> Result<(), Error> {
    let valid_app = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    if !valid_app(&spec.name) {
        let suggestion = tuxpilot_compose::normalize_project_name(&spec.name);
        return Err(err(
            doc,
            ErrorKind::ProjectName,
            "name".into(),
            format!(
                "invalid app name \"{}\": it must consist only of lowercase letters, digits, hyphens and underscores, and start with a letter or digit",
                spec.name
            ),
        )
        .hint(if suggestion.is_empty() { "name it like `shop`".to_string() } else { format!("name it `{suggestion}`") }));
    }
    // `<app>-<container>-<n>` names containers, `<app>_…` networks and volumes, and a volume is
    // a directory: a name past what a file name may be fails on the engine, half-way.
    if spec.name.len() > MAX_NAME {
        return Err(err(
            doc,
            ErrorKind::ProjectName,
            "name".into(),
            format!("the app name is {} characters long; at most {MAX_NAME} are allowed", spec.name.len()),
        )
        .hint("it names containers, networks and volumes: use a shorter name"));
    }
    if spec.containers.is_empty() {
        return Err(err(doc, ErrorKind::Schema, "containers".into(), "the app has no containers".into())
            .hint("add at least one, e.g. containers: {web: {image: nginx}}"));
    }
    let names: Vec<&str> = spec.containers.keys().map(String::as_str).collect();
    // Host port and protocol → the addresses bound and by whom: 0.0.0.0 (or none) covers every
    // IPv4 address, `::` every IPv6 one, so 0.0.0.0:8080 and 127.0.0.1:8080 clash.
    let mut host_ports: BTreeMap<(u16, String), Vec<(String, String)>> = BTreeMap::new();
    for (name, c) in &spec.containers {
        let base = format!("containers.{name}");
        if !name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(err(
                doc,
                ErrorKind::Schema,
                base,
                format!(
                    "invalid container name \"{name}\": use letters, digits, `.`, `_` and `-`, starting with a letter or digit"
                ),
            ));
        }
        if name.len() > MAX_NAME {
            return Err(err(
                doc,
                ErrorKind::Schema,
                base,
                format!(
                    "the container name \"{name}\" is {} characters long; at most {MAX_NAME} are allowed",
                    name.len()
                ),
            ));
        }
        if c.image.trim().is_empty() {
            return Err(err(doc, ErrorKind::Schema, format!("{base}.image"), "the image is empty".into()));
        }
        let last = c.image.rsplit('/').next().unwrap_or(&c.image);
        if c.tag.is_some() && (last.contains(':') || c.image.contains('@')) {
            return Err(err(
                doc,
                ErrorKind::Conflict,
                format!("{base}.tag"),
                format!("image `{}` already names its tag or digest, and `tag` gives another", c.image),
            )
            .hint("keep one: drop `tag`, or write the image without its tag"));
        }
        for (i, d) in c.depends_on.iter().enumerate() {
            let path = format!("{base}.depends_on[{i}]");
            if d == name {
                return Err(err(doc, ErrorKind::Cycle, path, format!("container \"{name}\" depends on itself")));
            }
            if !spec.containers.contains_key(d) {
                let mut e = err(
                    doc,
                    ErrorKind::UndefinedReference,
                    path,
                    format!("container \"{name}\" depends on undefined container \"{d}\""),
                );
                e = match did_you_mean(d, names.iter().copied()) {
                    Some(s) => e.hint(format!("did you mean `{s}`?")),
                    None => e.hint(format!("the app's containers are: {}", names.join(", "))),
                };
                return Err(e);
            }
        }
        let replicas = c.replicas();
        for (i, p) in c.ports.iter().enumerate() {
            let path = format!("{base}.ports[{i}]");
            let Some((lo, hi)) = p.host_range() else { continue };
            let width = u32::from(hi - lo) + 1;
            // One fixed TCP port is the proxy's: every replica serves behind it (crate::proxy).
            let managed = width == 1
                && p.protocol.eq_ignore_ascii_case("tcp")
                && c.proxy != Some(crate::spec::ProxyModeSpec::Off);
            if replicas > 1 && width < replicas && !managed {
                let hint = if width == 1 {
                    format!(
                        "each replica needs its own host port: publish a range such as \"{lo}-{}:{}\", or leave the host port out (\"{}\") so the engine picks one",
                        u32::from(lo) + replicas - 1,
                        p.container,
                        p.container
                    )
                } else {
                    format!("widen the range to {replicas} ports, or leave the host port out (\"{}\")", p.container)
                };
                return Err(err(
                    doc,
                    ErrorKind::Conflict,
                    path,
                    format!(
                        "host port {} is shared by {replicas} replicas of \"{name}\"; only {width} can bind it",
                        p.host.as_deref().unwrap_or_default()
                    ),
                )
                .hint(hint));
            }
            let ip = p.host_ip.clone().unwrap_or_default();
            for port in lo..=hi {
                let bound = host_ports.entry((port, p.protocol.clone())).or_default();
                if let Some((other_ip, other)) = bound.iter().find(|(o, _)| addresses_overlap(o, &ip)) {
                    let how = if *other_ip == ip {
                        String::new()
                    } else {
                        format!(
                            " ({} and {} overlap: the unspecified address covers every one)",
                            shown_ip(other_ip),
                            shown_ip(&ip)
                        )
                    };
                    return Err(err(
                        doc,
                        ErrorKind::Conflict,
                        path,
                        format!("host port {port}/{} is published by both \"{other}\" and \"{name}\"{how}", p.protocol),
                    )
                    .hint("give each container its own host port"));
                }
                bound.push((ip.clone(), name.clone()));
            }
        }
        for (i, m) in c.volumes.iter().enumerate() {
            let Some(src) = &m.source else { continue };
            if m.is_bind() || spec.volumes.contains_key(src) {
                continue;
            }
            let declared: Vec<&str> = spec.volumes.keys().map(String::as_str).collect();
            let e = err(
                doc,
                ErrorKind::UndefinedReference,
                format!("{base}.volumes[{i}]"),
                format!("container \"{name}\" mounts undefined volume \"{src}\""),
            );
            return Err(match did_you_mean(src, declared.iter().copied()) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None => e.hint(format!("declare it at the top level: volumes: [{src}], or use a path like ./{src}")),
            });
        }
        for (i, s) in c.secrets.iter().enumerate() {
            if !spec.secrets.contains_key(s) {
                let declared: Vec<&str> = spec.secrets.keys().map(String::as_str).collect();
                let e = err(
                    doc,
                    ErrorKind::UndefinedReference,
                    format!("{base}.secrets[{i}]"),
                    format!("container \"{name}\" uses undefined secret \"{s}\""),
                );
                return Err(match did_you_mean(s, declared.iter().copied()) {
                    Some(d) => e.hint(format!("did you mean `{d}`?")),
                    None => e.hint(format!("declare it: secrets: {{{s}: {{file: ./{s}.txt}}}}")),
                });
            }
        }
        if let Some(r) = &c.resources {
            for (key, v) in [("memory", r.memory), ("memory_reservation", r.memory_reservation)] {
                if let Some(v) = v
                    && v.0 < MIN_MEMORY
                {
                    return Err(err(
                        doc,
                        ErrorKind::Schema,
                        format!("{base}.resources.{key}"),
                        format!("{key} of {} bytes is below the engine's minimum of 6m", v.0),
                    )
                    .hint("sizes take a unit: 64m, 512m, 1g"));
                }
            }
            if let (Some(l), Some(res)) = (r.memory, r.memory_reservation)
                && res.0 > l.0
            {
                return Err(err(
                    doc,
                    ErrorKind::Conflict,
                    format!("{base}.resources.memory_reservation"),
                    "the memory reservation is above the memory limit".into(),
                ));
            }
        }
        for (path, u) in [(format!("{base}.update"), c.update.as_ref()), ("update".to_string(), spec.update.as_ref())] {
            if let Some(r) = u.and_then(|u| u.max_failure_ratio)
                && !(0.0..=1.0).contains(&r)
            {
                return Err(err(
                    doc,
                    ErrorKind::Schema,
                    format!("{path}.max_failure_ratio"),
                    format!("max_failure_ratio {r} is not between 0 and 1"),
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(spec) {
        let first = cycle.first().cloned().unwrap_or_default();
        return Err(err(
            doc,
            ErrorKind::Cycle,
            format!("containers.{first}.depends_on"),
            format!("dependency cycle: {}", cycle.join(" -> ")),
        )
        .hint("remove one of these depends_on entries"));
    }
    for (name, s) in &spec.secrets {
        if s.file.trim().is_empty() {
            return Err(err(
                doc,
                ErrorKind::Schema,
                format!("secrets.{name}.file"),
                "the secret's file is empty".into(),
            ));
        }
    }
    Ok(())
}

/// A dependency cycle, as the list of names around it (first repeated at the end).
fn find_cycle(spec: &ApplicationDeployment) -> Option<Vec<String>> {
    fn visit<'a>(
        spec: &'a ApplicationDeployment,
        n: &'a str,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|s| *s == n) {
            let mut c: Vec<String> = stack[pos..].iter().map(|s| s.to_string()).collect();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n);
        for d in spec.containers.get(n).map(|c| c.depends_on.as_slice()).unwrap_or_default() {
            if let Some(c) = visit(spec, d, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n);
        None
    }
    let mut done = BTreeSet::new();
    for n in spec.containers.keys() {
        if let Some(c) = visit(spec, n, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

/// Whether two host addresses of one port clash: equal, or one is unspecified for the other's
/// family (`""` covers both families, `0.0.0.0` IPv4, `::` IPv6).
fn addresses_overlap(a: &str, b: &str) -> bool {
    let family = |ip: &str| if ip.contains(':') { 6 } else { 4 };
    let any = |ip: &str| ip.is_empty() || ip == "0.0.0.0" || ip == "::" || ip == "[::]";
    a == b || a.is_empty() || b.is_empty() || (any(a) && family(a) == family(b)) || (any(b) && family(a) == family(b))
}

fn shown_ip(ip: &str) -> &str {
    if ip.is_empty() { "0.0.0.0" } else { ip }
}

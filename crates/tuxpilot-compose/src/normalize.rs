//! Normalization after typing: profiles, `env_file` values, bare environment keys, the default
//! network, implicit dependencies (`links`, `network_mode: service:x`, `volumes_from`), resource
//! names `<project>_<key>`, and uniqueness of ports, volumes, secrets… by target.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Dependency, NetworkConfig, Project, Service};
use crate::node::Node;

/// Whether `service` is enabled by the active `profiles`.
pub fn enabled(service: &Service, profiles: &[String]) -> bool {
    service.profiles.is_empty() || profiles.iter().any(|p| p == "*" || service.profiles.contains(p))
}

/// Normalizes `project` in place.
pub fn normalize(
    project: &mut Project,
    merged: &Node,
    env: &BTreeMap<String, String>,
    profiles: &[String],
    warnings: &mut Vec<String>,
) -> Result<()> {
    // Profiles.
    let names: Vec<String> = project.services.keys().cloned().collect();
    for name in names {
        if !project.services.get(&name).is_some_and(|s| enabled(s, profiles))
            && let Some(s) = project.services.remove(&name)
        {
            project.disabled_services.insert(name, s);
        }
    }

    let service_names: BTreeSet<String> =
        project.services.keys().chain(project.disabled_services.keys()).cloned().collect();
    let mut uses_default_network = false;
    // Each service's node, found once (a node's map is a list: looking each up is quadratic).
    let nodes: std::collections::HashMap<&str, &Node> = merged
        .get("services")
        .and_then(Node::as_map)
        .map(|m| m.iter().map(|(k, v)| (k.name.as_str(), v)).collect())
        .unwrap_or_default();
    for (name, service) in project.services.iter_mut() {
        load_env_files(name, service, merged, env)?;
        load_label_files(name, service, merged, env)?;
        compose_go_forms(name, service, merged, nodes.get(name.as_str()).copied())?;
        // A bare key takes its value from the environment; absent ones stay unset.
        let bare: Vec<String> =
            service.environment.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.clone()).collect();
        for k in bare {
            if let Some(v) = env.get(&k) {
                service.environment.insert(k, Some(v.clone()));
            }
        }
        if service.pull_policy.as_deref() == Some("if_not_present") {
            service.pull_policy = Some("missing".into());
        }
        if let Some(b) = &mut service.build
            && b.dockerfile.is_none()
            && b.dockerfile_inline.is_none()
        {
            b.dockerfile = Some("Dockerfile".into());
        }
        // An empty string is no value, as for compose-go's Go strings: `image: ${UNSET}` is no
        // image, an empty `dockerfile` the default one. After the defaults above, which fill
        // only what was not written at all.
        for f in [&mut service.image, &mut service.container_name, &mut service.platform, &mut service.restart] {
            if f.as_deref() == Some("") {
                *f = None;
            }
        }
        if let Some(b) = &mut service.build
            && b.dockerfile.as_deref() == Some("")
        {
            b.dockerfile = None;
        }
        if service.networks.is_empty() && service.network_mode.is_none() {
            service.networks.insert("default".into(), None);
        }
        if service.networks.contains_key("default") {
            uses_default_network = true;
        }
        implicit_dependencies(service, &service_names);
        dedupe(service);
    }
    if uses_default_network && !project.networks.contains_key("default") {
        project.networks.insert("default".into(), NetworkConfig::default());
    }
    let p = project.name.clone();
    let named = |key: &str, name: &mut Option<String>, external: Option<bool>| {
        if name.is_none() {
            *name = Some(if external == Some(true) { key.to_string() } else { format!("{p}_{key}") });
        }
    };
    for (k, n) in project.networks.iter_mut() {
        named(k, &mut n.name, n.external);
    }
    for (k, v) in project.volumes.iter_mut() {
        named(k, &mut v.name, v.external);
    }
    for (k, s) in project.secrets.iter_mut() {
        named(k, &mut s.name, s.external);
    }
    for (k, c) in project.configs.iter_mut() {
        named(k, &mut c.name, c.external);
    }
    for item in project.secrets.values_mut().chain(project.configs.values_mut()) {
        item.environment_value = item.environment.as_ref().and_then(|var| env.get(var)).cloned();
    }
    for (name, s) in &project.services {
        for dep in s.depends_on.keys() {
            if project.disabled_services.contains_key(dep) && !s.depends_on[dep].required {
                warnings.push(format!("service \"{name}\" depends on \"{dep}\", which is disabled by the active profiles; it is optional and skipped"));
            }
        }
    }
    Ok(())
}

fn load_env_files(name: &str, service: &mut Service, merged: &Node, env: &BTreeMap<String, String>) -> Result<()> {
    let mut from_files: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (i, f) in service.env_file.iter().enumerate() {
        let path = Path::new(&f.path);
        let text = match tuxpilot_docker::files::read_named_to_string(path, tuxpilot_docker::files::MAX_ENV_FILE) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !f.required => continue,
            Err(e) => {
                let key = format!("services.{name}.env_file[{i}]");
                let (msg, hint) = if e.kind() == std::io::ErrorKind::NotFound {
                    (format!("env file {} not found", path.display()), "create the file, or mark it `required: false`")
                } else {
                    (format!("cannot read env file {}: {e}", path.display()), "point env_file at a regular text file")
                };
                return Err(Error::new(ErrorKind::Io, msg).at(merged.locate(&key)).path(key).hint(hint));
            }
        };
        let vars = if f.format.as_deref() == Some("raw") {
            text.lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect()
        } else {
            crate::dotenv::parse(&text, path, &|k| env.get(k).cloned())?
        };
        from_files.extend(vars.into_iter().map(|(k, v)| (k, Some(v))));
    }
    // `environment` wins over env files.
    for (k, v) in from_files {
        service.environment.entry(k).or_insert(v);
    }
    Ok(())
}

/// `label_file`: `KEY=VALUE` lines (the env-file format) that become labels; a later file wins
/// over an earlier one, and `labels` over both, as compose-go reads them.
fn load_label_files(name: &str, service: &mut Service, merged: &Node, env: &BTreeMap<String, String>) -> Result<()> {
    let mut from_files: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (i, f) in service.label_file.iter().enumerate() {
        let path = Path::new(f);
        let text =
            tuxpilot_docker::files::read_named_to_string(path, tuxpilot_docker::files::MAX_ENV_FILE).map_err(|e| {
                let key = format!("services.{name}.label_file[{i}]");
                let msg = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("label file {} not found", path.display())
                } else {
                    format!("cannot read label file {}: {e}", path.display())
                };
                Error::new(ErrorKind::Io, msg)
                    .at(merged.locate(&key))
                    .path(key)
                    .hint("create the file, or remove it from `label_file`")
            })?;
        let vars = crate::dotenv::parse(&text, path, &|k| env.get(k).cloned())?;
        from_files.extend(vars.into_iter().map(|(k, v)| (k, Some(v))));
    }
    for (k, v) in from_files {
        service.labels.entry(k).or_insert(v);
    }
    Ok(())
}

fn implicit_dependencies(service: &mut Service, services: &BTreeSet<String>) {
    // As compose-go: links and shared namespaces restart with their target; volumes_from not.
    let mut deps: Vec<(String, bool)> = Vec::new();
    for l in &service.links {
        let target = l.split(':').next().unwrap_or(l);
        deps.push((target.to_string(), true));
    }
    for ns in [&service.network_mode, &service.ipc, &service.pid, &service.uts, &service.cgroup] {
        if let Some(m) = ns.as_deref().and_then(|m| m.strip_prefix("service:")) {
            deps.push((m.to_string(), true));
        }
    }
    for v in &service.volumes_from {
        if v.starts_with("container:") {
            continue;
        }
        deps.push((v.split(':').next().unwrap_or(v).to_string(), false));
    }
    for (d, restart) in deps {
        if services.contains(&d) {
            service.depends_on.entry(d).or_insert_with(|| {
                let mut dep = Dependency::started();
                dep.restart = restart.then_some(true);
                dep
            });
        }
    }
}

fn dedupe(service: &mut Service) {
    // Later entries replace earlier ones with the same key, in the earlier one's place.
    // Linear: a 65,535-port range is 65,535 entries, each looked up once.
    fn by_key<T: Clone, K: std::hash::Hash + Eq>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
        if items.len() < 2 {
            return;
        }
        let mut out: Vec<T> = Vec::with_capacity(items.len());
        let mut at: HashMap<K, usize> = HashMap::with_capacity(items.len());
        for item in items.drain(..) {
            match at.entry(key(&item)) {
                std::collections::hash_map::Entry::Occupied(e) => out[*e.get()] = item,
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(out.len());
                    out.push(item);
                }
            }
        }
        *items = out;
    }
    by_key(&mut service.ports, |p| (p.host_ip.clone(), p.target, p.published.clone(), p.protocol.clone()));
    by_key(&mut service.volumes, |v| v.target.clone());
    by_key(&mut service.secrets, |s| s.target.clone().unwrap_or_else(|| s.source.clone()));
    by_key(&mut service.configs, |s| s.target.clone().unwrap_or_else(|| s.source.clone()));
    by_key(&mut service.devices, |d| d.target.clone());
    for list in [
        &mut service.expose,
        &mut service.cap_add,
        &mut service.cap_drop,
        &mut service.dns,
        &mut service.dns_search,
        &mut service.dns_opt,
        &mut service.security_opt,
        &mut service.profiles,
        &mut service.links,
        &mut service.external_links,
        &mut service.volumes_from,
        &mut service.tmpfs,
        &mut service.extra_hosts,
        &mut service.group_add,
    ] {
        by_key(list, |s| s.clone());
    }
    by_key(&mut service.env_file, |e| e.path.clone());
}

/// A device request with compose-go's defaults: no `count` and no `device_ids` means all;
/// `count: all` is -1; a numeric string is a number.
use crate::error::go_path;

fn device_request(d: &mut serde_json::Value, at: &str, merged: &Node, need_capabilities: bool) -> Result<()> {
    use serde_json::Value as J;
    let err = |path: String, msg: String| Error::new(ErrorKind::Schema, msg).at(merged.locate(&path)).path(path);
    let Some(m) = d.as_object_mut() else {
        return Err(err(at.to_string(), format!("{} must be a mapping", go_path(at))));
    };
    if need_capabilities && !m.contains_key("capabilities") {
        return Err(err(at.to_string(), format!("{} missing property 'capabilities'", go_path(at)))
            .hint("add `capabilities: [gpu]`"));
    }
    if m.contains_key("count") && m.contains_key("device_ids") {
        return Err(err(
            at.to_string(),
            format!("{}: \"count\" and \"device_ids\" attributes are exclusive", go_path(at)),
        ));
    }
    // Driver options are strings (`map[string]string`).
    if let Some(J::Object(opts)) = m.get_mut("options") {
        for v in opts.values_mut() {
            if !v.is_string() {
                let text = if v.is_null() { String::new() } else { v.to_string() };
                *v = J::String(text);
            }
        }
    }
    match m.get("count").cloned() {
        None if !m.contains_key("device_ids") => {
            m.insert("count".into(), J::from(-1));
        }
        Some(J::String(c)) => {
            let n = if c.eq_ignore_ascii_case("all") {
                -1
            } else {
                c.trim().parse::<i64>().map_err(|_| {
                    err(
                        format!("{at}.count"),
                        format!(
                            "{}.count: invalid value {c:?}, the only value allowed is 'all' or a number",
                            go_path(at)
                        ),
                    )
                })?
            };
            m.insert("count".into(), J::from(n));
        }
        _ => {}
    }
    // compose-go's field order (the config hash is of its JSON).
    let order = ["capabilities", "driver", "count", "device_ids", "options"];
    let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(order.len());
    let mut entries: Vec<(String, J)> = std::mem::take(m).into_iter().collect();
    entries.sort_by_key(|(k, _)| rank(k));
    m.extend(entries);
    Ok(())
}

/// The forms compose-go normalizes to: clean volume targets, default secret targets, device
/// requests (`gpus: all`, `count: all` → -1), `""` for empty labels and sysctls, extra hosts
/// grouped by host; and the shapes it refuses (a bind without source, a negative tmpfs size,
/// `build.ssh` that is not a list or mapping, a watch rule without action, a list
/// environment entry whose name ends in a space).
fn compose_go_forms(name: &str, service: &mut Service, merged: &Node, node: Option<&Node>) -> Result<()> {
    let err = |path: String, msg: String| Error::new(ErrorKind::Schema, msg).at(merged.locate(&path)).path(path);
    for (i, v) in service.volumes.iter_mut().enumerate() {
        if v.kind == "bind" && v.source.as_deref().is_none_or(str::is_empty) {
            return Err(err(
                format!("services.{name}.volumes[{i}]"),
                "invalid mount config for type \"bind\": field Source must not be empty".into(),
            )
            .hint("give the host path: `source: ./dir`"));
        }
        if v.tmpfs.as_ref().and_then(|t| t.size).is_some_and(|s| s.0 < 0) {
            return Err(err(
                format!("services.{name}.volumes[{i}].tmpfs.size"),
                format!("services.{name}.volumes.{i}.tmpfs.size must be greater than or equal to 0"),
            ));
        }
        if v.target.starts_with('/') {
            v.target = crate::paths::clean(Path::new(&v.target)).to_string_lossy().into_owned();
        }
        // A zero size is no size (compose-go's `omitempty`).
        if let Some(t) = &mut v.tmpfs
            && t.size.is_some_and(|s| s.0 == 0)
        {
            t.size = None;
        }
    }
    crate::hooks::shape(name, service).map_err(|(path, msg)| err(path, msg))?;
    // An empty `dns` (`dns: ${UNSET}`) is no dns.
    service.dns.retain(|d| !d.is_empty());
    for f in &mut service.secrets {
        if f.target.is_none() {
            f.target = Some(format!("/run/secrets/{}", f.source));
        }
    }
    if let Some(g) = &mut service.gpus {
        if g.is_string() {
            *g = serde_json::json!([{"count": -1}]);
        } else if let Some(items) = g.as_array_mut() {
            for (i, d) in items.iter_mut().enumerate() {
                device_request(d, &format!("services.{name}.gpus[{i}]"), merged, false)?;
            }
        }
    }
    if let Some(devices) = service
        .deploy
        .as_mut()
        .and_then(|d| d.resources.as_mut())
        .and_then(|r| r.reservations.as_mut())
        .and_then(|r| r.devices.as_mut())
        .and_then(|d| d.as_array_mut())
    {
        for (i, d) in devices.iter_mut().enumerate() {
            device_request(d, &format!("services.{name}.deploy.resources.reservations.devices[{i}]"), merged, true)?;
        }
    }
    for map in [&mut service.labels, &mut service.sysctls, &mut service.annotations] {
        for v in map.values_mut() {
            v.get_or_insert_with(String::new);
        }
    }
    if let Some(d) = &mut service.deploy {
        for v in d.labels.values_mut() {
            v.get_or_insert_with(String::new);
        }
    }
    service.extra_hosts = group_hosts(&service.extra_hosts);
    if let Some(b) = &mut service.build {
        b.extra_hosts = group_hosts(&b.extra_hosts);
        for v in b.labels.values_mut() {
            v.get_or_insert_with(String::new);
        }
    }
    if let Some(ssh) = node.and_then(|n| n.get("build")).and_then(|b| b.get("ssh"))
        && !matches!(ssh.value, crate::node::Value::Seq(_) | crate::node::Value::Map(_))
    {
        return Err(err(format!("services.{name}.build.ssh"), format!("services.{name}.build.ssh must be a mapping"))
            .hint("write `ssh: [default]` or `ssh: {default: /path/to/key}`"));
    }
    if let Some(watch) = service.develop.as_ref().and_then(|d| d.get("watch")).and_then(|w| w.as_array()) {
        for (i, w) in watch.iter().enumerate() {
            if w.get("action").is_none() {
                return Err(err(
                    format!("services.{name}.develop.watch[{i}]"),
                    format!("services.{name}.develop.watch.{i} missing property 'action'"),
                )
                .hint("add `action: sync`, `rebuild`, `restart`, `sync+restart` or `sync+exec`"));
            }
        }
    }
    if let Some(crate::node::Value::Seq(items)) = node.and_then(|n| n.get("environment")).map(|e| &e.value) {
        for (i, item) in items.iter().enumerate() {
            if let Some(text) = item.scalar_text() {
                let key = text.split_once('=').map_or(text.as_str(), |(k, _)| k);
                if key.ends_with(char::is_whitespace) {
                    return Err(err(
                        format!("services.{name}.environment[{i}]"),
                        format!("environment variable {key} is declared with a trailing space"),
                    )
                    .hint("remove the space before `=`"));
                }
            }
        }
    }
    Ok(())
}

/// `extra_hosts` as compose-go keeps them: grouped by host, several addresses split on `,`,
/// brackets taken off IPv6 addresses, sorted `host=ip` entries.
fn group_hosts(entries: &[String]) -> Vec<String> {
    if entries.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for e in entries {
        let (host, ips) = e.split_once('=').unwrap_or((e.as_str(), ""));
        for ip in ips.split(',') {
            let ip = ip.strip_prefix('[').and_then(|i| i.strip_suffix(']')).unwrap_or(ip);
            out.push(format!("{host}={ip}"));
        }
    }
    out.sort();
    out
}

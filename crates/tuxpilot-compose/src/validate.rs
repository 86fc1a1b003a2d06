//! Consistency checks, with the messages `docker compose` gives, located in the source.

use petgraph::graph::DiGraph;

use crate::error::{Error, ErrorKind, Result};
use crate::model::Project;
use crate::node::Node;

fn at(merged: &Node, kind: ErrorKind, path: String, message: String) -> Error {
    Error::new(kind, message).at(merged.locate(&path)).path(path)
}

fn valid_restart(r: &str) -> bool {
    match r {
        "no" | "always" | "unless-stopped" | "on-failure" => true,
        _ => r.strip_prefix("on-failure:").is_some_and(|n| n.parse::<u32>().is_ok()),
    }
}

/// compose-go's rules for external resources: an external volume takes only `name` (and
/// `x-*`); `name` and a legacy `external.name` must agree.
fn external_conflicts(merged: &Node) -> Result<()> {
    use crate::node::Value;
    for section in ["volumes", "networks", "secrets", "configs"] {
        let Some(entries) = merged.get(section).and_then(Node::as_map) else { continue };
        for (key, node) in entries {
            let Some(ext) = node.get("external") else { continue };
            let external = matches!(ext.value, Value::Bool(true) | Value::Map(_))
                || matches!(&ext.value, Value::Str(s) if s == "true");
            if let (Some(ext_name), Some(name)) =
                (ext.get("name").and_then(Node::scalar_text), node.get("name").and_then(Node::scalar_text))
                && ext_name != name
            {
                return Err(at(
                    merged,
                    ErrorKind::Conflict,
                    format!("{section}.{}.name", key.name),
                    format!("{section}.{}: name and external.name conflict; only use name", key.name),
                ));
            }
            if section != "volumes" || !external {
                continue;
            }
            if let Some((k, _)) = node
                .as_map()
                .into_iter()
                .flatten()
                .find(|(k, _)| k.name != "name" && k.name != "external" && !k.name.starts_with("x-"))
            {
                return Err(at(
                    merged,
                    ErrorKind::Conflict,
                    format!("{section}.{}.{}", key.name, k.name),
                    format!("{section}.{}: conflicting parameters \"external\" and \"{}\" specified", key.name, k.name),
                )
                .hint("an external volume is only named: remove the other keys, or drop `external`"));
            }
        }
    }
    Ok(())
}

/// Checks references, dependency cycles and contradictory settings (with `consistency`), and
/// what the schema forbids (always).
pub fn validate(project: &Project, merged: &Node, consistency: bool) -> Result<()> {
    external_conflicts(merged)?;
    for (name, s) in &project.services {
        // compose-spec's pattern for service names; compose refuses the others as unknown keys.
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
            return Err(at(
                merged,
                ErrorKind::Schema,
                format!("services.{name}"),
                format!("services Additional property {name} is not allowed"),
            )
            .hint("a service name has letters, digits, `.`, `_` and `-` only"));
        }
        let deploy = s.deploy.as_ref();
        for (key, u) in [
            ("update_config", deploy.and_then(|d| d.update_config.as_ref())),
            ("rollback_config", deploy.and_then(|d| d.rollback_config.as_ref())),
        ] {
            let Some(u) = u else { continue };
            let path = format!("services.{name}.deploy.{key}");
            if let Some(o) = &u.order
                && !matches!(o.as_str(), "start-first" | "stop-first")
            {
                return Err(at(
                    merged,
                    ErrorKind::Schema,
                    format!("{path}.order"),
                    format!("{path}.order must be one of the following: \"start-first\", \"stop-first\""),
                ));
            }
            if let Some(p) = u.parallelism.filter(|p| *p < 0) {
                return Err(at(
                    merged,
                    ErrorKind::Schema,
                    format!("{path}.parallelism"),
                    format!("cannot parse 'services[{name}].deploy.{key}.parallelism', {p} overflows uint"),
                )
                .hint("use 0 (all at once) or a positive number"));
            }
        }
        if let Some(r) = &s.restart
            && !valid_restart(r)
        {
            return Err(at(
                merged,
                ErrorKind::Schema,
                format!("services.{name}.restart"),
                format!("invalid restart policy `{r}`: use no, always, on-failure[:N] or unless-stopped"),
            ));
        }
    }
    if consistency { consistent(project, merged) } else { Ok(()) }
}

/// compose-go's `checkConsistency`: what `--no-consistency` skips.
fn consistent(project: &Project, merged: &Node) -> Result<()> {
    for (name, s) in &project.services {
        let p = |k: &str| format!("services.{name}.{k}");
        if s.image.is_none() && s.build.is_none() && s.provider.is_none() {
            return Err(at(
                merged,
                ErrorKind::Schema,
                format!("services.{name}"),
                format!(
                    "service \"{name}\" has neither an image nor a build context specified: invalid compose project"
                ),
            )
            .hint("add `image:` or `build:`"));
        }
        if let (Some(b), Some(platform)) = (&s.build, &s.platform)
            && !b.platforms.is_empty()
            && !b.platforms.contains(platform)
        {
            return Err(at(
                merged,
                ErrorKind::Conflict,
                p("platform"),
                format!(
                    "service.build.platforms MUST include service.platform \"{platform}\": invalid compose project"
                ),
            )
            .hint(format!("add `{platform}` to services.{name}.build.platforms, or change services.{name}.platform")));
        }
        if let (Some(scale), Some(replicas)) = (s.scale, s.deploy.as_ref().and_then(|d| d.replicas))
            && scale != replicas
        {
            return Err(at(
                merged,
                ErrorKind::Conflict,
                p("scale"),
                format!(
                    "services.{name}: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project"
                ),
            ));
        }
        // The short forms and deploy.resources must agree, as compose-go checks.
        let res = s.deploy.as_ref().and_then(|d| d.resources.as_ref());
        let limits = res.and_then(|r| r.limits.as_ref());
        let reserve = res.and_then(|r| r.reservations.as_ref());
        let clashes: [(&str, &str, bool); 4] = [
            (
                "cpus",
                "deploy.resources.limits.cpus",
                matches!((s.cpus, limits), (Some(a), Some(l)) if a != 0.0 && (a - l.cpus.unwrap_or(0.0)).abs() > 1e-9),
            ),
            (
                "mem_limit",
                "deploy.resources.limits.memory",
                matches!((s.mem_limit, limits), (Some(a), Some(l)) if a.0 != 0 && l.memory.map_or(0, |m| m.0) != a.0),
            ),
            (
                "mem_reservation",
                "deploy.resources.reservations.memory",
                matches!((s.mem_reservation, reserve), (Some(a), Some(l)) if a.0 != 0 && l.memory.map_or(0, |m| m.0) != a.0),
            ),
            (
                "pids_limit",
                "deploy.resources.limits.pids",
                matches!((s.pids_limit, limits), (Some(a), Some(l)) if a != 0 && l.pids.unwrap_or(0) != a),
            ),
        ];
        for (short, long, clash) in clashes {
            if clash {
                return Err(at(
                    merged,
                    ErrorKind::Conflict,
                    p(short),
                    format!(
                        "services.{name}: can't set distinct values on '{short}' and '{long}': invalid compose project"
                    ),
                )
                .hint(format!("keep one of `{short}` and `{long}`, or give both the same value")));
            }
        }
        if s.container_name.is_some() && s.replicas() > 1 {
            return Err(at(merged, ErrorKind::Conflict, p("container_name"), format!("services.{name}: can't set container_name and {name} as container name must be unique: invalid compose project"))
                .hint("remove container_name, or keep one replica"));
        }
        if s.network_mode.is_some() && s.networks.keys().any(|n| n != "default") {
            return Err(at(
                merged,
                ErrorKind::Conflict,
                p("network_mode"),
                format!(
                    "service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"
                ),
            ));
        }
        if let Some(svc) = s.network_mode.as_deref().and_then(|m| m.strip_prefix("service:"))
            && !project.services.contains_key(svc)
        {
            return Err(at(
                merged,
                ErrorKind::UndefinedReference,
                p("network_mode"),
                format!("service \"{name}\" depends on undefined service \"{svc}\": invalid compose project"),
            ));
        }
        for (dep, d) in &s.depends_on {
            if project.services.contains_key(dep) || !d.required {
                continue;
            }
            let path = format!("services.{name}.depends_on.{dep}");
            if let Some(disabled) = project.disabled_services.get(dep) {
                return Err(at(merged, ErrorKind::UndefinedReference, path, format!("service \"{dep}\" was pulled in as a dependency of service \"{name}\" but is not enabled by the active profiles"))
                    .hint(format!("activate one of its profiles: --profile {}", disabled.profiles.join(" --profile "))));
            }
            return Err(at(
                merged,
                ErrorKind::UndefinedReference,
                path,
                format!("service \"{name}\" depends on undefined service \"{dep}\": invalid compose project"),
            ));
        }
        for net in s.networks.keys() {
            if !project.networks.contains_key(net) {
                return Err(at(
                    merged,
                    ErrorKind::UndefinedReference,
                    format!("services.{name}.networks.{net}"),
                    format!("service \"{name}\" refers to undefined network {net}: invalid compose project"),
                )
                .hint(format!("declare it under the top-level `networks:` key: `networks: {{{net}: {{}}}}`")));
            }
        }
        for (i, v) in s.volumes.iter().enumerate() {
            if v.kind == "volume"
                && let Some(src) = &v.source
                && !project.volumes.contains_key(src)
            {
                return Err(at(
                    merged,
                    ErrorKind::UndefinedReference,
                    format!("services.{name}.volumes[{i}]"),
                    format!("service \"{name}\" refers to undefined volume {src}: invalid compose project"),
                )
                .hint(format!("declare it under the top-level `volumes:` key, or use ./{src} for a bind mount")));
            }
        }
        for (i, r) in s.secrets.iter().enumerate() {
            if !project.secrets.contains_key(&r.source) {
                return Err(at(
                    merged,
                    ErrorKind::UndefinedReference,
                    format!("services.{name}.secrets[{i}]"),
                    format!("service \"{name}\" refers to undefined secret {}: invalid compose project", r.source),
                ));
            }
        }
        for (i, r) in s.configs.iter().enumerate() {
            if !project.configs.contains_key(&r.source) {
                return Err(at(
                    merged,
                    ErrorKind::UndefinedReference,
                    format!("services.{name}.configs[{i}]"),
                    format!("service \"{name}\" refers to undefined config {}: invalid compose project", r.source),
                ));
            }
        }
    }
    for (key, n) in &project.networks {
        if n.external == Some(true) && n.driver.is_some() {
            return Err(at(
                merged,
                ErrorKind::Conflict,
                format!("networks.{key}"),
                format!("networks.{key}: conflicting parameters \"external\" and \"driver\" specified"),
            ));
        }
    }
    for (section, items) in [("secrets", &project.secrets), ("configs", &project.configs)] {
        for (key, s) in items {
            let sources =
                [s.file.is_some(), s.environment.is_some(), s.content.is_some()].iter().filter(|b| **b).count();
            if s.external != Some(true) && sources == 0 {
                return Err(at(
                    merged,
                    ErrorKind::Schema,
                    format!("{section}.{key}"),
                    format!(
                        "{section}.{key}: one of `file`, `environment` or `content` is required unless `external: true`"
                    ),
                ));
            }
            if sources > 1 {
                return Err(at(
                    merged,
                    ErrorKind::Conflict,
                    format!("{section}.{key}"),
                    format!("{section}.{key}: `file`, `environment` and `content` are mutually exclusive"),
                ));
            }
        }
    }
    check_cycles(project, merged)
}

fn check_cycles(project: &Project, merged: &Node) -> Result<()> {
    let mut graph = DiGraph::<&str, ()>::new();
    let index: std::collections::BTreeMap<&str, _> =
        project.services.keys().map(|n| (n.as_str(), graph.add_node(n.as_str()))).collect();
    for (name, s) in &project.services {
        for dep in s.depends_on.keys() {
            if let (Some(a), Some(b)) = (index.get(name.as_str()), index.get(dep.as_str())) {
                graph.add_edge(*a, *b, ());
            }
        }
    }
    for scc in petgraph::algo::tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        // Walk the cycle from its alphabetically first member so the message is stable.
        let members: std::collections::BTreeSet<&str> = scc.iter().map(|i| graph[*i]).collect();
        let Some(start) = members.iter().next().copied() else { continue };
        let mut path = vec![start];
        let mut current = start;
        loop {
            let next = project.services[current]
                .depends_on
                .keys()
                .map(String::as_str)
                .find(|d| members.contains(d) && (*d == start || !path.contains(d)));
            match next {
                Some(n) if n == start => {
                    path.push(start);
                    break;
                }
                Some(n) => {
                    path.push(n);
                    current = n;
                }
                None => {
                    path.push(start);
                    break;
                }
            }
        }
        let p = format!("services.{start}.depends_on");
        return Err(Error::new(ErrorKind::Cycle, format!("dependency cycle detected: {}", path.join(" -> ")))
            .at(merged.locate(&p))
            .path(p)
            .hint("remove one of these depends_on entries"));
    }
    Ok(())
}

//! The JSON compose-go writes for a project (`docker compose config --format json`), and the
//! config hash Docker Compose v2 computes from it.
//!
//! TuxPilot's model serializes its fields in compose-go's struct order already, with its
//! `omitempty` rules. What is left is what Go's `encoding/json` does differently:
//!
//! - `command` and `entrypoint` are written even when unset (`null`): compose-go's tags on them
//!   have no `omitempty`;
//! - struct-valued fields are never omitted: `deploy.resources` and `deploy.placement` (as `{}`),
//!   and a network's `ipam`;
//! - `env_file` and `label_file` are gone: their variables are in `environment` and `labels`
//!   once loaded;
//! - a service's `x-` extensions are not written (compose-go tags them `json:"-"`);
//! - `services` is written even when empty;
//! - `<`, `>`, `&`, U+2028 and U+2029 in strings are escaped (`\u003c`…).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::model::{Project, Service};

/// compose-go's `ServiceConfig` fields, in struct order (compose-go v2.0, as Docker Compose
/// 2.26 uses it).
const SERVICE_ORDER: &[&str] = &[
    "profiles",
    "annotations",
    "attach",
    "build",
    "develop",
    "blkio_config",
    "cap_add",
    "cap_drop",
    "cgroup_parent",
    "cgroup",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpus",
    "cpuset",
    "cpu_shares",
    "command",
    "configs",
    "container_name",
    "credential_spec",
    "depends_on",
    "deploy",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "dockerfile",
    "domainname",
    "entrypoint",
    "environment",
    "env_file",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "group_add",
    "hostname",
    "healthcheck",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "links",
    "logging",
    "log_driver",
    "log_opt",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "mem_swappiness",
    "mac_address",
    "net",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "privileged",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "userns_mode",
    "uts",
    "volume_driver",
    "volumes",
    "volumes_from",
    "working_dir",
];

const DEPLOY_ORDER: &[&str] = &[
    "mode",
    "replicas",
    "labels",
    "update_config",
    "rollback_config",
    "resources",
    "restart_policy",
    "placement",
    "endpoint_mode",
];

const NETWORK_ORDER: &[&str] =
    &["name", "driver", "driver_opts", "ipam", "external", "internal", "attachable", "labels", "enable_ipv6"];

/// Inserts `key: value` into `map` where `order` puts it, when it is not there.
fn insert_ordered(map: &mut Map<String, Value>, order: &[&str], key: &str, value: Value) {
    if map.contains_key(key) {
        return;
    }
    let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(usize::MAX);
    let at = map.keys().position(|k| rank(k) > rank(key)).unwrap_or(map.len());
    map.shift_insert(at, key.to_string(), value);
}

/// A service's JSON value reshaped as compose-go writes it.
pub fn service_value(service: &Service) -> Value {
    let mut v = serde_json::to_value(service).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        // The loader has put the env files' variables into `environment`; compose-go drops them.
        m.shift_remove("env_file");
        m.shift_remove("label_file");
        // compose-go's extensions are `json:"-"`: not in the JSON, so not in the hash either.
        m.retain(|k, _| !k.starts_with("x-"));
        m.entry("command").or_insert(Value::Null);
        m.entry("entrypoint").or_insert(Value::Null);
        // Go's struct order (keys it does not know, x- extensions, stay last as they were).
        let rank = |k: &str| SERVICE_ORDER.iter().position(|o| *o == k).unwrap_or(usize::MAX);
        let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
        entries.sort_by_key(|(k, _)| rank(k));
        m.extend(entries);
        // compose-go 2.0 types mem_swappiness as UnitBytes, written as a string.
        if let Some(n) = m.get("mem_swappiness").and_then(Value::as_i64) {
            m.insert("mem_swappiness".into(), Value::String(n.to_string()));
        }
        if let Some(Value::Object(b)) = m.get_mut("blkio_config") {
            go_blkio(b);
        }
        for key in ["post_start", "post_stop", "pre_start", "pre_stop"] {
            if let Some(Value::Array(hooks)) = m.get_mut(key) {
                hooks.iter_mut().for_each(go_hook);
            }
        }
        if let Some(Value::Object(d)) = m.get_mut("develop") {
            go_develop(d);
        }
        if let Some(Value::Object(d)) = m.get_mut("deploy") {
            insert_ordered(d, DEPLOY_ORDER, "resources", Value::Object(Map::new()));
            insert_ordered(d, DEPLOY_ORDER, "placement", Value::Object(Map::new()));
        }
    }
    v
}

/// Keeps the keys of `m` that `order` names, in that order, dropping `false` flags (Go's
/// `omitempty`) and everything else (`x-` extensions are `json:"-"`).
fn go_struct(m: &mut Map<String, Value>, order: &[&str]) {
    let mut entries: Vec<(String, Value)> = std::mem::take(m)
        .into_iter()
        .filter(|(k, v)| order.contains(&k.as_str()) && *v != Value::Bool(false))
        .collect();
    entries.sort_by_key(|(k, _)| order.iter().position(|o| *o == k));
    m.extend(entries);
}

/// compose-go's `ServiceHook`: `command` is written even when unset.
fn go_hook(hook: &mut Value) {
    if let Value::Object(h) = hook {
        go_struct(h, &["command", "image", "user", "privileged", "working_dir", "environment", "per_replica"]);
        insert_ordered(h, &["command"], "command", Value::Null);
    }
}

/// compose-go's `DevelopConfig` and `Trigger`: a rule's `exec` hook is a struct, never omitted.
fn go_develop(d: &mut Map<String, Value>) {
    go_struct(d, &["watch"]);
    let Some(Value::Array(rules)) = d.get_mut("watch") else { return };
    for rule in rules {
        let Value::Object(r) = rule else { continue };
        const TRIGGER: &[&str] = &["path", "action", "target", "exec", "include", "ignore", "initial_sync"];
        go_struct(r, TRIGGER);
        insert_ordered(r, TRIGGER, "exec", Value::Object(Map::new()));
        if let Some(exec) = r.get_mut("exec") {
            go_hook(exec);
        }
    }
}

/// compose-go 2.0's blkio devices have no JSON tags (`Path`, `Rate`, `Weight`) and rates are
/// UnitBytes (a string of bytes).
fn go_blkio(b: &mut Map<String, Value>) {
    for (key, value) in b.iter_mut() {
        let Value::Array(items) = value else { continue };
        for item in items.iter_mut() {
            let Value::Object(d) = item else { continue };
            let mut go = Map::new();
            if let Some(p) = d.get("path") {
                go.insert("Path".into(), p.clone());
            }
            if key == "weight_device" {
                if let Some(w) = d.get("weight") {
                    go.insert("Weight".into(), w.clone());
                }
            } else if let Some(r) = d.get("rate") {
                let bytes = match r {
                    Value::String(s) => crate::de::parse_bytes(s).map(|n| n.to_string()).unwrap_or_else(|_| s.clone()),
                    other => other.to_string(),
                };
                go.insert("Rate".into(), Value::String(bytes));
            }
            *d = go;
        }
    }
}

/// The project's JSON value reshaped as compose-go writes it.
pub fn project_value(project: &Project) -> serde_json::Result<Value> {
    let mut v = serde_json::to_value(project)?;
    if let Value::Object(m) = &mut v {
        // compose-go writes `services` even when there are none.
        if !m.contains_key("services") {
            insert_ordered(m, &["name", "services"], "services", Value::Object(Map::new()));
        }
        if let Some(Value::Object(services)) = m.get_mut("services") {
            for (name, s) in services.iter_mut() {
                if let Some(svc) = project.services.get(name) {
                    *s = service_value(svc);
                }
            }
        }
        if let Some(Value::Object(networks)) = m.get_mut("networks") {
            for n in networks.values_mut() {
                if let Value::Object(n) = n {
                    insert_ordered(n, NETWORK_ORDER, "ipam", Value::Object(Map::new()));
                }
            }
        }
    }
    Ok(v)
}

/// Compact JSON as Go's `json.Marshal` writes it.
pub fn to_go_string(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Docker Compose v2's config hash of a service (`ServiceHash`, compose 2.26): the SHA-256 of
/// its compose-go JSON with `build`, `pull_policy`, `scale` and `deploy.replicas` left out.
pub fn compose_service_hash(service: &Service) -> String {
    let mut s = service.clone();
    s.build = None;
    s.pull_policy = None;
    s.scale = None;
    if let Some(d) = &mut s.deploy {
        d.replicas = None;
    }
    let json = to_go_string(&service_value(&s));
    Sha256::digest(json.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unset_commands_are_null_and_deploy_structs_are_written() {
        let mut s = Service { image: Some("a<b>&c".into()), ..Default::default() };
        s.deploy = Some(crate::model::Deploy { replicas: Some(2), ..Default::default() });
        let v = service_value(&s);
        assert_eq!(
            to_go_string(&v),
            r#"{"command":null,"deploy":{"replicas":2,"resources":{},"placement":{}},"entrypoint":null,"image":"a\u003cb\u003e\u0026c"}"#
        );
    }
}

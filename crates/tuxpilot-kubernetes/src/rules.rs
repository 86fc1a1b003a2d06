//! The API server's own rules, beyond the OpenAPI schema: what `kubectl apply` would refuse is
//! refused here, naming the object, the field and the fix. Names (DNS labels and subdomains),
//! label and annotation keys (qualified names), label values, environment variable names and
//! ConfigMap/Secret keys; and two names that collide once made Kubernetes names.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{ExportError, Object};
use crate::names::{is_dns_label, is_dns_subdomain};

fn invalid(field: String, message: String) -> ExportError {
    ExportError::Invalid { field, message }
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63: a label value or a key's name part.
fn is_qualified_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain.
pub fn is_qualified_name(key: &str) -> bool {
    match key.split_once('/') {
        Some((prefix, name)) => !prefix.is_empty() && is_dns_subdomain(prefix) && is_qualified_part(name),
        None => is_qualified_part(key),
    }
}

/// A label value: empty, or a qualified part.
pub fn is_label_value(v: &str) -> bool {
    v.is_empty() || is_qualified_part(v)
}

/// An environment variable name as the API server accepts it: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
pub fn is_env_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '-' | '.' | '_'))
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// A ConfigMap or Secret key: `[-._a-zA-Z0-9]+`, at most 253.
pub fn is_data_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// A Service's name: a DNS-1035 label (it starts with a letter).
pub fn is_dns1035_label(s: &str) -> bool {
    is_dns_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Checks every object as the API server would.
pub fn check(objects: &[Object]) -> Result<(), ExportError> {
    for o in objects {
        let kind = o.kind();
        let name = o.name().to_string();
        let at = |path: &str| format!("{kind} {name}: {path}");
        let ok_name = match kind {
            "Service" => is_dns1035_label(&name),
            "Namespace" => is_dns_label(&name),
            _ => is_dns_subdomain(&name),
        };
        if !ok_name {
            return Err(invalid(
                at("metadata.name"),
                format!(
                    "`{name}` is not a valid {kind} name (lower-case letters, digits and `-`{}, at most {})",
                    if kind == "Service" { ", starting with a letter" } else { "" },
                    if kind == "Service" || kind == "Namespace" { 63 } else { 253 }
                ),
            ));
        }
        let json = o.to_json();
        for meta in metadata_of(&json) {
            check_meta(meta, &at)?;
        }
        for (path, env) in envs(&json) {
            if !is_env_name(&env) {
                return Err(invalid(
                    at(&path),
                    format!(
                        "`{env}` is not an environment variable name Kubernetes accepts (letters, digits, `_`, `-`, \
                         `.`, not starting with a digit); rename it in the compose file"
                    ),
                ));
            }
        }
        for field in ["data", "binaryData", "stringData"] {
            if let Some(Value::Object(m)) = json.get(field) {
                for k in m.keys() {
                    if !is_data_key(k) {
                        return Err(invalid(
                            at(&format!("{field}[{k:?}]")),
                            format!("`{k}` is not a valid key (letters, digits, `-`, `_`, `.`, at most 253)"),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `metadata` of the object and of its pod template.
fn metadata_of(json: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    if let Some(m) = json.get("metadata") {
        out.push(m);
    }
    if let Some(m) = json.pointer("/spec/template/metadata") {
        out.push(m);
    }
    if let Some(m) = json.pointer("/spec/jobTemplate/spec/template/metadata") {
        out.push(m);
    }
    out
}

fn check_meta(meta: &Value, at: &dyn Fn(&str) -> String) -> Result<(), ExportError> {
    let map = |k: &str| -> BTreeMap<String, String> {
        meta.get(k)
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default()
    };
    for (k, v) in map("labels") {
        if !is_qualified_name(&k) {
            return Err(invalid(
                at(&format!("metadata.labels[{k:?}]")),
                format!(
                    "`{k}` is not a valid label key ([prefix/]name: letters, digits, `-`, `_`, `.`, name at most 63)"
                ),
            ));
        }
        if !is_label_value(&v) {
            return Err(invalid(
                at(&format!("metadata.labels[{k:?}]")),
                format!("`{v}` is not a valid label value (letters, digits, `-`, `_`, `.`, at most 63)"),
            ));
        }
    }
    for k in map("annotations").keys() {
        if !is_qualified_name(k) {
            return Err(invalid(
                at(&format!("metadata.annotations[{k:?}]")),
                format!(
                    "`{k}` is not a valid annotation key ([prefix/]name: letters, digits, `-`, `_`, `.`); compose \
                     labels become annotations, so rename the label"
                ),
            ));
        }
    }
    Ok(())
}

/// Every container's env names, with their paths.
fn envs(json: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let specs = ["/spec/template/spec", "/spec/jobTemplate/spec/template/spec", "/spec"];
    for spec_path in specs {
        let Some(spec) = json.pointer(spec_path) else { continue };
        for list in ["containers", "initContainers"] {
            for (i, c) in spec.get(list).and_then(Value::as_array).into_iter().flatten().enumerate() {
                for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(n) = e.get("name").and_then(Value::as_str) {
                        out.push((format!("{list}[{i}].env[{n:?}]"), n.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// Two compose names that become one Kubernetes name (`Web_Server.Prod` and `web-server-prod`,
/// `Web` and `web`): an error naming both, before anything is converted.
pub fn collisions<'a>(
    what: &str,
    names: impl Iterator<Item = &'a String>,
    to_k8s: impl Fn(&str) -> String,
) -> Result<(), ExportError> {
    let mut seen: BTreeMap<String, &String> = BTreeMap::new();
    for n in names {
        let k = to_k8s(n);
        if let Some(other) = seen.insert(k.clone(), n) {
            return Err(invalid(
                format!("{what}.{n}"),
                format!("{what} `{other}` and `{n}` both become the Kubernetes name `{k}`; rename one of them"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_servers_rules() {
        assert!(is_qualified_name("app.kubernetes.io/name"));
        assert!(is_qualified_name("traefik.http.routers.web.rule"));
        assert!(!is_qualified_name("my key"));
        assert!(!is_qualified_name("-x"));
        assert!(!is_qualified_name("a/"));
        assert!(!is_qualified_name(&"a".repeat(64)));
        assert!(is_label_value("") && is_label_value("v1.2") && !is_label_value("a b"));
        assert!(is_env_name("PATH") && is_env_name("my.var") && is_env_name("_X"));
        assert!(!is_env_name("A=B") && !is_env_name("1X") && !is_env_name(""));
        assert!(is_data_key("app.conf") && !is_data_key("a/b"));
        assert!(is_dns1035_label("web") && !is_dns1035_label("1web"));
        let names = ["Web_Server.Prod".to_string(), "web-server-prod".to_string()];
        let e = collisions("services", names.iter(), crate::names::service_name).unwrap_err();
        assert!(e.to_string().contains("`Web_Server.Prod` and `web-server-prod`"), "{e}");
    }
}

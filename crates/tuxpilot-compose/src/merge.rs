//! Merging Compose files (`-f a.yaml -f b.yaml`) and `extends` bases, with the spec's rules:
//! mappings merge key by key, sequences append, `command`/`entrypoint`/`healthcheck.test`
//! replace, list-or-map attributes are normalized to mappings first, `logging.options` merge only
//! for the same driver, `!reset` removes and `!override` replaces. Uniqueness of ports, volumes,
//! secrets… by target is applied after typing (see `normalize`).

use crate::node::{Key, Node, Tag, Value};

/// Attributes that may be written as a list of `KEY=VALUE` or as a mapping.
const LIST_OR_MAP: &[&str] = &["environment", "labels", "annotations", "sysctls", "extra_hosts"];
/// Attributes whose list form is a list of names and whose map form has options.
const NAMES_OR_MAP: &[&str] = &["depends_on", "networks"];
/// Attributes that replace rather than append.
const REPLACE: &[&str] = &["command", "entrypoint"];
/// String-or-list attributes: a lone string counts as a one-element list.
const STRING_OR_LIST: &[&str] = &["dns", "dns_search", "env_file", "tmpfs", "label_file"];

/// Merges `over` (a later file's top level) into `base`.
pub fn merge_top(base: &mut Node, over: Node) {
    let Value::Map(entries) = over.value else { return };
    for (key, value) in entries {
        match key.name.as_str() {
            "services" => merge_named(base, key, value, merge_service),
            "networks" | "volumes" | "secrets" | "configs" | "models" => merge_named(base, key, value, deep_merge),
            "include" => append_key(base, key, value),
            _ => set_key(base, key, value, deep_merge),
        }
    }
}

/// For a mapping of named objects (`services:`), merges each entry with `merge`.
fn merge_named(base: &mut Node, key: Key, value: Node, merge: fn(&mut Node, Node)) {
    if apply_tag(base, &key, &value) {
        return;
    }
    let Some(slot) = base.get_mut(&key.name) else {
        base.insert(key, strip_tags(value));
        return;
    };
    if !matches!(slot.value, Value::Map(_)) {
        *slot = Node::new(Value::Map(Vec::new()), slot.loc.clone());
    }
    let Value::Map(entries) = value.value else {
        return;
    };
    for (name, item) in entries {
        set_key(slot, name, item, merge);
    }
}

/// `!reset` removes the key, `!override` replaces it. Returns true when the tag decided.
fn apply_tag(base: &mut Node, key: &Key, value: &Node) -> bool {
    match value.tag {
        Some(Tag::Reset) => {
            base.remove(&key.name);
            true
        }
        Some(Tag::Override) => {
            base.insert(key.clone(), strip_tags(value.clone()));
            true
        }
        None => false,
    }
}

fn set_key(base: &mut Node, key: Key, value: Node, merge: fn(&mut Node, Node)) {
    if apply_tag(base, &key, &value) {
        return;
    }
    match base.get_mut(&key.name) {
        Some(existing) => merge(existing, value),
        None => base.insert(key, strip_tags(value)),
    }
}

fn append_key(base: &mut Node, key: Key, value: Node) {
    set_key(base, key, value, |b, o| match (&mut b.value, o.value) {
        (Value::Seq(a), Value::Seq(b2)) => a.extend(b2.into_iter().map(strip_tags)),
        (slot, v) => *slot = v,
    });
}

/// Removes compose tags below `node` (they only mean something while merging).
pub fn strip_tags(mut node: Node) -> Node {
    node.tag = None;
    node.value = match node.value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(strip_tags).collect()),
        Value::Map(entries) => Value::Map(entries.into_iter().map(|(k, v)| (k, strip_tags(v))).collect()),
        other => other,
    };
    node
}

/// Generic rule: maps merge, sequences append, scalars replace.
pub fn deep_merge(base: &mut Node, over: Node) {
    match (&mut base.value, over.value) {
        (Value::Map(_), Value::Map(entries)) => {
            for (k, v) in entries {
                set_key(base, k, v, deep_merge);
            }
        }
        (Value::Seq(a), Value::Seq(b)) => a.extend(b.into_iter().map(strip_tags)),
        (slot, v) => {
            *slot = strip_tags(Node::new(v, over.loc.clone())).value;
            base.loc = over.loc;
        }
    }
}

/// Normalizes a list-or-map node to a mapping node (`["A=1", "B"]` → `{A: "1", B: null}`).
pub fn to_map(node: &Node, sep: char) -> Node {
    match &node.value {
        Value::Seq(items) => {
            let mut entries: Vec<(Key, Node)> = Vec::new();
            for item in items {
                let text = item.scalar_text().unwrap_or_default();
                let (k, v) = match text.split_once(sep) {
                    Some((k, v)) => (k.to_string(), Node::new(Value::Str(v.to_string()), item.loc.clone())),
                    None => (text.clone(), Node::new(Value::Null, item.loc.clone())),
                };
                let key = Key { name: k, loc: item.loc.clone() };
                match entries.iter_mut().find(|(ek, _)| ek.name == key.name) {
                    Some(slot) => slot.1 = v,
                    None => entries.push((key, v)),
                }
            }
            Node { value: Value::Map(entries), tag: node.tag, loc: node.loc.clone() }
        }
        _ => node.clone(),
    }
}

/// A list of names as a mapping of names to null (`depends_on: [db]` → `{db: null}`).
fn names_to_map(node: &Node) -> Node {
    match &node.value {
        Value::Seq(items) => Node {
            value: Value::Map(
                items
                    .iter()
                    .map(|i| {
                        (
                            Key { name: i.scalar_text().unwrap_or_default(), loc: i.loc.clone() },
                            Node::new(Value::Null, i.loc.clone()),
                        )
                    })
                    .collect(),
            ),
            tag: node.tag,
            loc: node.loc.clone(),
        },
        _ => node.clone(),
    }
}

fn to_list(node: &Node) -> Node {
    match &node.value {
        Value::Seq(_) | Value::Null => node.clone(),
        _ => Node {
            value: Value::Seq(vec![Node::new(node.value.clone(), node.loc.clone())]),
            tag: node.tag,
            loc: node.loc.clone(),
        },
    }
}

fn build_to_map(node: &Node) -> Node {
    match &node.value {
        Value::Str(_) => Node {
            value: Value::Map(vec![(
                Key { name: "context".into(), loc: node.loc.clone() },
                Node::new(node.value.clone(), node.loc.clone()),
            )]),
            tag: node.tag,
            loc: node.loc.clone(),
        },
        _ => node.clone(),
    }
}

/// Brings one attribute of a service into the form merging needs.
fn normalize_attr(name: &str, node: &Node) -> Node {
    if LIST_OR_MAP.contains(&name) {
        let sep = if name == "extra_hosts" { ':' } else { '=' };
        return to_map(node, sep);
    }
    if NAMES_OR_MAP.contains(&name) {
        return names_to_map(node);
    }
    if STRING_OR_LIST.contains(&name) {
        return to_list(node);
    }
    if name == "build" {
        let mut b = build_to_map(node);
        if let Some(args) = b.get("args").cloned()
            && let Some(slot) = b.get_mut("args")
        {
            *slot = to_map(&args, '=');
        }
        return b;
    }
    node.clone()
}

/// Merges a service definition `over` into `base`.
pub fn merge_service(base: &mut Node, over: Node) {
    if !matches!(base.value, Value::Map(_)) || !matches!(over.value, Value::Map(_)) {
        *base = strip_tags(over);
        return;
    }
    let Value::Map(entries) = over.value else { return };
    for (key, value) in entries {
        if apply_tag(base, &key, &value) {
            continue;
        }
        let name = key.name.clone();
        let value = normalize_attr(&name, &value);
        let Some(existing) = base.get_mut(&name) else {
            base.insert(key, strip_tags(value));
            continue;
        };
        *existing = normalize_attr(&name, existing);
        if REPLACE.contains(&name.as_str()) {
            *existing = strip_tags(value);
            continue;
        }
        match name.as_str() {
            "healthcheck" => {
                let mut value = value;
                if let Some(test) = value.remove("test") {
                    existing.insert(Key { name: "test".into(), loc: test.loc.clone() }, strip_tags(test));
                }
                deep_merge(existing, value);
            }
            "logging" => {
                let driver = |n: &Node| n.get("driver").and_then(Node::scalar_text);
                let (old, new) = (driver(existing), driver(&value));
                if old.is_some() && new.is_some() && old != new {
                    *existing = strip_tags(value);
                } else {
                    deep_merge(existing, value);
                }
            }
            "ulimits" | "depends_on" | "networks" => {
                // Per-entry replacement of non-map values, deep merge of maps.
                deep_merge(existing, value);
            }
            _ => deep_merge(existing, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::Arc;

    fn doc(s: &str) -> Node {
        crate::node::parse(s, &Arc::from(Path::new("t.yaml"))).unwrap().remove(0)
    }

    fn merged(a: &str, b: &str) -> serde_json::Value {
        let mut base = doc(a);
        merge_top(&mut base, doc(b));
        base.to_json()
    }

    #[test]
    fn maps_merge_lists_append_commands_replace() {
        let v = merged(
            "services:\n  web:\n    image: a\n    command: [a, b]\n    environment: [A=1, B=2]\n    ports: ['80:80']\n    labels: {x: '1'}\n",
            "services:\n  web:\n    image: b\n    command: c\n    environment: {B: '3', C: '4'}\n    ports: ['81:81']\n  db:\n    image: pg\n",
        );
        let web = &v["services"]["web"];
        assert_eq!(web["image"], "b");
        assert_eq!(web["command"], "c");
        assert_eq!(web["environment"], serde_json::json!({"A": "1", "B": "3", "C": "4"}));
        assert_eq!(web["ports"], serde_json::json!(["80:80", "81:81"]));
        assert_eq!(web["labels"]["x"], "1");
        assert_eq!(v["services"]["db"]["image"], "pg");
    }

    #[test]
    fn reset_and_override() {
        let v = merged(
            "services:\n  web:\n    image: a\n    ports: ['80:80']\n    environment: {A: '1', B: '2'}\n",
            "services:\n  web:\n    ports: !reset []\n    environment: !override {C: '3'}\n",
        );
        let web = &v["services"]["web"];
        assert!(web.get("ports").is_none());
        assert_eq!(web["environment"], serde_json::json!({"C": "3"}));
    }

    #[test]
    fn healthcheck_test_replaces_and_logging_options_need_the_same_driver() {
        let v = merged(
            "services:\n  s:\n    healthcheck: {test: [CMD, a], retries: 3}\n    logging: {driver: json-file, options: {max-size: 1m}}\n",
            "services:\n  s:\n    healthcheck: {test: [CMD, b]}\n    logging: {driver: syslog, options: {tag: x}}\n",
        );
        let s = &v["services"]["s"];
        assert_eq!(s["healthcheck"]["test"], serde_json::json!(["CMD", "b"]));
        assert_eq!(s["healthcheck"]["retries"], 3);
        assert_eq!(s["logging"], serde_json::json!({"driver": "syslog", "options": {"tag": "x"}}));
    }

    #[test]
    fn depends_on_list_and_map_merge() {
        let v = merged(
            "services:\n  s:\n    depends_on: [db]\n",
            "services:\n  s:\n    depends_on:\n      cache: {condition: service_healthy}\n",
        );
        assert_eq!(
            v["services"]["s"]["depends_on"],
            serde_json::json!({"db": null, "cache": {"condition": "service_healthy"}})
        );
    }

    #[test]
    fn build_string_and_map_merge() {
        let v = merged("services:\n  s:\n    build: ./app\n", "services:\n  s:\n    build:\n      args: [A=1]\n");
        assert_eq!(v["services"]["s"]["build"], serde_json::json!({"context": "./app", "args": {"A": "1"}}));
    }
}

//! The JSON Schemas of intents' arguments, generated from the Rust types: the input schemas of
//! the tools offered to models and MCP clients.

use crate::intent::*;

/// The JSON Schema of an intent's arguments, generated from the Rust types (the tool's input
/// schema for models and MCP clients).
///
/// The schemas are self-contained and plain, as small local models read them best: no `$ref`,
/// enums as `enum`, optional arguments simply not required.
pub fn arguments_schema(name: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let generator =
        schemars::generate::SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true).into_generator();
    let schema = match name {
        "list" => generator.into_root_schema_for::<ListArgs>(),
        "inspect" | "diagnose" => generator.into_root_schema_for::<TargetArgs>(),
        "start" | "stop" | "restart" | "remove" => generator.into_root_schema_for::<LifecycleArgs>(),
        "logs" => generator.into_root_schema_for::<LogsArgs>(),
        "deploy" => generator.into_root_schema_for::<DeployArgs>(),
        "scale" => generator.into_root_schema_for::<ScaleArgs>(),
        "rollback" => generator.into_root_schema_for::<RollbackArgs>(),
        "history" => generator.into_root_schema_for::<HistoryArgs>(),
        "scan_runtime" | "optimize" => generator.into_root_schema_for::<ScopeArgs>(),
        "scan_image" => generator.into_root_schema_for::<ScanImageArgs>(),
        "monitor" => generator.into_root_schema_for::<MonitorArgs>(),
        "compose_up" => generator.into_root_schema_for::<ComposeUpArgs>(),
        "compose_down" => generator.into_root_schema_for::<ComposeDownArgs>(),
        "updates_check" => generator.into_root_schema_for::<UpdatesCheckArgs>(),
        "updates_apply" => generator.into_root_schema_for::<UpdatesApplyArgs>(),
        "auto_update" => generator.into_root_schema_for::<AutoUpdateArgs>(),
        "help" | "deployments" | "prune" | "monitor_stop" => generator.into_root_schema_for::<NoArgs>(),
        "clarify" => generator.into_root_schema_for::<ClarifyArgs>(),
        "refuse" => generator.into_root_schema_for::<RefuseArgs>(),
        "unknown" => generator.into_root_schema_for::<UnknownArgs>(),
        _ => return None,
    };
    match serde_json::to_value(schema) {
        Ok(mut v) => {
            plain(&mut v);
            let serde_json::Value::Object(mut m) = v else { return None };
            m.remove("$schema");
            m.remove("title");
            m.remove("$defs");
            Some(m)
        }
        _ => None,
    }
}

/// `oneOf` of string constants → `enum`; `anyOf [X, null]` and `type [T, "null"]` → X / T.
fn plain(v: &mut serde_json::Value) {
    use serde_json::Value;
    if let Value::Object(m) = v {
        if let Some(Value::Array(alts)) = m.get("anyOf").cloned() {
            let non_null: Vec<&Value> =
                alts.iter().filter(|a| a.get("type") != Some(&Value::String("null".into()))).collect();
            if non_null.len() == 1
                && let Value::Object(inner) = non_null[0].clone()
            {
                m.remove("anyOf");
                for (k, x) in inner {
                    m.entry(k).or_insert(x);
                }
            }
        }
        if let Some(Value::Array(alts)) = m.get("oneOf")
            && !alts.is_empty()
            && alts.iter().all(|a| a.get("const").is_some_and(|c| c.is_string()))
        {
            let values: Vec<Value> = alts.iter().filter_map(|a| a.get("const").cloned()).collect();
            m.remove("oneOf");
            m.insert("type".into(), Value::String("string".into()));
            m.insert("enum".into(), Value::Array(values));
        }
        if let Some(Value::Array(types)) = m.get("type").cloned() {
            let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
            if rest.len() == 1 {
                m.insert("type".into(), rest[0].clone());
            }
        }
        m.remove("format");
        for x in m.values_mut() {
            plain(x);
        }
    } else if let Value::Array(items) = v {
        items.iter_mut().for_each(plain);
    }
}

//! Lifecycle hooks (`pre_start`, `post_start`, `pre_stop`, `post_stop`) and the `exec` of a
//! `develop.watch` rule in compose-go's `ServiceHook` shape: `command` split into words as a
//! service's command is (`sh -c 'echo hi'` → `[sh, -c, echo hi]`), `environment` a mapping
//! (`KEY=VALUE` entries split, a bare `KEY` null), `false` flags left out. The rest is passed
//! through as written.

use serde_json::{Map, Value as Json};

use crate::model::Service;

/// The hook lists of a service, by key.
const HOOK_LISTS: [&str; 4] = ["post_start", "post_stop", "pre_start", "pre_stop"];

/// Shapes every hook of `service`. On a value that cannot be shaped, the error names its path
/// (`services.<name>.post_start[0].command`) and says why.
pub(crate) fn shape(name: &str, service: &mut Service) -> Result<(), (String, String)> {
    let lists = [&mut service.post_start, &mut service.post_stop, &mut service.pre_start, &mut service.pre_stop];
    for (key, list) in HOOK_LISTS.iter().zip(lists) {
        if let Some(Json::Array(hooks)) = list {
            for (i, hook) in hooks.iter_mut().enumerate() {
                shape_hook(hook, &format!("services.{name}.{key}[{i}]"))?;
            }
        }
    }
    if let Some(Json::Array(rules)) = service.develop.as_mut().and_then(|d| d.get_mut("watch")) {
        for (i, rule) in rules.iter_mut().enumerate() {
            if let Json::Object(r) = rule {
                r.retain(|k, v| !(k == "initial_sync" && *v == Json::Bool(false)));
            }
            if let Some(exec) = rule.get_mut("exec") {
                shape_hook(exec, &format!("services.{name}.develop.watch[{i}].exec"))?;
            }
        }
    }
    Ok(())
}

fn shape_hook(hook: &mut Json, at: &str) -> Result<(), (String, String)> {
    let Json::Object(hook) = hook else { return Ok(()) };
    // `false` is no flag (Go's `omitempty` booleans).
    hook.retain(|k, v| !(matches!(k.as_str(), "privileged" | "per_replica") && *v == Json::Bool(false)));
    if let Some(command) = hook.get_mut("command") {
        match crate::de::command(command.clone()) {
            Ok(Some(words)) => *command = Json::Array(words.into_iter().map(Json::String).collect()),
            Ok(None) => {}
            Err(e) => return Err((format!("{at}.command"), format!("{at}.command {e}"))),
        }
    }
    if let Some(env) = hook.get_mut("environment") {
        let map = crate::de::list_or_map_value(env, '=')
            .map_err(|e| (format!("{at}.environment"), format!("{at}.environment{e}")))?;
        *env =
            Json::Object(map.into_iter().map(|(k, v)| (k, v.map_or(Json::Null, Json::String))).collect::<Map<_, _>>());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_take_compose_go_shapes() {
        let mut s = Service {
            post_start: Some(
                serde_json::json!([{"command": "sh -c 'echo \"in the hook\"'", "environment": ["A=1", "B"]}]),
            ),
            develop: Some(
                serde_json::json!({"watch": [{"path": ".", "action": "sync+exec", "exec": {"command": "echo ok"}}]}),
            ),
            ..Service::default()
        };
        shape("web", &mut s).unwrap();
        assert_eq!(
            s.post_start.unwrap(),
            serde_json::json!([{"command": ["sh", "-c", "echo \"in the hook\""], "environment": {"A": "1", "B": null}}])
        );
        assert_eq!(s.develop.unwrap()["watch"][0]["exec"]["command"], serde_json::json!(["echo", "ok"]));
    }

    #[test]
    fn an_unsplittable_command_is_named() {
        let mut s = Service { pre_stop: Some(serde_json::json!([{"command": "echo 'open"}])), ..Service::default() };
        let (path, msg) = shape("db", &mut s).unwrap_err();
        assert_eq!(path, "services.db.pre_stop[0].command");
        assert!(msg.contains("cannot split"), "{msg}");
    }
}

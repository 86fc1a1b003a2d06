//! `develop.watch` read into rules (pure): what each rule watches, what it does, and which
//! changed paths it takes (its `ignore` and `include`, the build context's `.dockerignore`, and
//! the editor and VCS files compose always ignores).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::{Project, Service};
use crate::runtime::context::IgnoreRules;

/// What a rule does with a change (`develop.watch[].action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Copy the changed files into the running containers.
    Sync,
    /// Build the service's image again and recreate its containers.
    Rebuild,
    /// Sync, then restart the containers.
    SyncRestart,
    /// Sync, then run `exec.command` in the containers.
    SyncExec,
    /// Restart the containers (nothing copied).
    Restart,
}

impl Action {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "sync" => Self::Sync,
            "rebuild" => Self::Rebuild,
            "sync+restart" => Self::SyncRestart,
            "sync+exec" => Self::SyncExec,
            "restart" => Self::Restart,
            _ => return None,
        })
    }

    /// Whether the action copies files.
    pub fn syncs(self) -> bool {
        matches!(self, Self::Sync | Self::SyncRestart | Self::SyncExec)
    }
}

/// `develop.watch[].exec`: the command `sync+exec` runs after a sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecHook {
    /// The command, split into words.
    pub command: Vec<String>,
    /// Run as this user.
    pub user: Option<String>,
    /// In this directory.
    pub working_dir: Option<String>,
    /// With these variables.
    pub environment: BTreeMap<String, String>,
    /// With extended privileges.
    pub privileged: bool,
}

/// One `develop.watch` rule of a service.
#[derive(Debug)]
pub struct WatchRule {
    /// The service.
    pub service: String,
    /// Its position in the service's list (for messages).
    pub index: usize,
    /// What it does.
    pub action: Action,
    /// The host path watched (absolute).
    pub path: PathBuf,
    /// Where the path lands in the container (sync actions).
    pub target: Option<String>,
    /// Sync the whole path when watching starts.
    pub initial_sync: bool,
    /// The command of `sync+exec`.
    pub exec: Option<ExecHook>,
    ignore: IgnoreRules,
    include: Option<IgnoreRules>,
    /// The build context and its `.dockerignore`, when the service builds.
    context: Option<(PathBuf, IgnoreRules)>,
}

/// A `develop.watch` that cannot be run, naming the field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

/// Files compose's watcher never reacts to: editors' temporary files and VCS metadata.
fn ephemeral(name: &str) -> bool {
    name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swpx")
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#') && name.len() > 1)
        || name == "4913"
        || name == ".DS_Store"
}

impl WatchRule {
    /// The path of `changed` relative to the watched path (`/`-separated; empty when it is the
    /// watched path itself), if the rule takes the change.
    pub fn takes(&self, changed: &Path) -> Option<String> {
        let rel = changed.strip_prefix(&self.path).ok()?;
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if parts.iter().any(|p| p == ".git") || parts.last().is_some_and(|n| ephemeral(n)) {
            return None;
        }
        let rel = parts.join("/");
        if !rel.is_empty() && self.ignore.excludes(&rel) {
            return None;
        }
        // `include` takes a path its patterns match, or whose file name they match (`*.py`
        // takes `m/x.py`); a directory is taken so that what is under it can be.
        if let Some(include) = &self.include
            && !rel.is_empty()
            && !include.excludes(&rel)
            && !parts.last().is_some_and(|n| include.excludes(n))
            && !changed.is_dir()
        {
            return None;
        }
        if let Some((context, rules)) = &self.context
            && let Ok(in_context) = changed.strip_prefix(context)
        {
            let in_context: Vec<String> =
                in_context.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if !in_context.is_empty() && rules.excludes(&in_context.join("/")) {
                return None;
            }
        }
        Some(rel)
    }

    /// Where `rel` (from [`Self::takes`]) lands in the container.
    pub fn container_path(&self, rel: &str) -> Option<String> {
        let target = self.target.as_deref()?;
        Some(if rel.is_empty() { target.to_string() } else { format!("{}/{rel}", target.trim_end_matches('/')) })
    }
}

/// The watch rules of `services` (all with a `develop.watch` when empty), validated. A named
/// service without rules, or none at all, is an error in compose's words.
pub fn rules(project: &Project, services: &[String]) -> Result<Vec<WatchRule>, RuleError> {
    let mut out = Vec::new();
    for name in services {
        if !project.services.contains_key(name) {
            return Err(RuleError(format!("no such service: {name}")));
        }
    }
    for (name, service) in &project.services {
        if !services.is_empty() && !services.contains(name) {
            continue;
        }
        let Some(list) = service.develop.as_ref().and_then(|d| d.get("watch")).and_then(|w| w.as_array()) else {
            if services.contains(name) {
                return Err(RuleError(format!(
                    "service \"{name}\" has no develop.watch configuration; add a `develop: {{watch: [...]}}` section"
                )));
            }
            continue;
        };
        for (i, raw) in list.iter().enumerate() {
            out.push(rule(name, service, i, raw)?);
        }
    }
    if out.is_empty() {
        return Err(RuleError(
            "none of the selected services is configured for watch, consider setting a 'develop' section".into(),
        ));
    }
    Ok(out)
}

fn rule(name: &str, service: &Service, i: usize, raw: &serde_json::Value) -> Result<WatchRule, RuleError> {
    let field = |f: &str| format!("services.{name}.develop.watch[{i}].{f}");
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let action_text = text(raw.get("action")).unwrap_or_default();
    let action = Action::parse(&action_text).ok_or_else(|| {
        RuleError(format!(
            "{}: `{action_text}` is not an action; use sync, rebuild, restart, sync+restart or sync+exec",
            field("action")
        ))
    })?;
    let path =
        text(raw.get("path")).ok_or_else(|| RuleError(format!("{}: a path to watch is required", field("path"))))?;
    let target = text(raw.get("target"));
    if action.syncs() && target.as_deref().is_none_or(|t| !t.starts_with('/')) {
        return Err(RuleError(format!(
            "{}: action {action_text} needs an absolute `target` path inside the container",
            field("target")
        )));
    }
    if action == Action::Rebuild && service.build.is_none() {
        return Err(RuleError(format!(
            "{}: can't watch service \"{name}\" with action rebuild without a build section",
            field("action")
        )));
    }
    let patterns = |key: &str| -> Option<IgnoreRules> {
        let list = raw.get(key)?.as_array()?;
        let lines: Vec<&str> = list.iter().filter_map(|v| v.as_str()).collect();
        Some(IgnoreRules::parse(&lines.join("\n")))
    };
    let exec = match (action, raw.get("exec")) {
        (Action::SyncExec, Some(e)) => Some(
            exec_hook(e).ok_or_else(|| RuleError(format!("{}: `command` is required for sync+exec", field("exec"))))?,
        ),
        (Action::SyncExec, None) => {
            return Err(RuleError(format!("{}: sync+exec needs an `exec: {{command: …}}`", field("exec"))));
        }
        _ => None,
    };
    let context = service.build.as_ref().and_then(|b| {
        let dir = PathBuf::from(b.context.as_deref()?);
        let dockerfile = b.dockerfile.clone().unwrap_or_else(|| "Dockerfile".into());
        let rules = IgnoreRules::for_context(&dir, &dockerfile);
        Some((dir, rules))
    });
    Ok(WatchRule {
        service: name.to_string(),
        index: i,
        action,
        path: PathBuf::from(path),
        target,
        initial_sync: raw.get("initial_sync").and_then(serde_json::Value::as_bool).unwrap_or(false),
        exec,
        ignore: patterns("ignore").unwrap_or_default(),
        include: patterns("include"),
        context,
    })
}

fn exec_hook(e: &serde_json::Value) -> Option<ExecHook> {
    let command: Vec<String> = match e.get("command")? {
        serde_json::Value::Array(words) => words.iter().filter_map(|w| w.as_str().map(str::to_string)).collect(),
        serde_json::Value::String(s) => shell_words::split(s).ok()?,
        _ => return None,
    };
    if command.is_empty() {
        return None;
    }
    let environment = e
        .get("environment")
        .and_then(|v| v.as_object())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect())
        .unwrap_or_default();
    Some(ExecHook {
        command,
        user: e.get("user").and_then(|v| v.as_str()).map(str::to_string),
        working_dir: e.get("working_dir").and_then(|v| v.as_str()).map(str::to_string),
        environment,
        privileged: e.get("privileged").and_then(serde_json::Value::as_bool).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(develop: serde_json::Value, build: Option<&Path>) -> Project {
        let svc = Service {
            develop: Some(develop),
            build: build.map(|b| crate::model::BuildConfig {
                context: Some(b.to_string_lossy().into_owned()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut p = Project::default();
        p.services.insert("web".into(), svc);
        p
    }

    #[test]
    fn a_rule_takes_what_its_patterns_and_the_dockerignore_allow() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".dockerignore"), "secret.txt\n").unwrap();
        let root = dir.path().to_string_lossy().into_owned();
        let p = project(
            serde_json::json!({"watch": [
                {"action": "sync", "path": root, "target": "/app", "ignore": ["node_modules/", "*.log"]},
                {"action": "rebuild", "path": format!("{root}/package.json")},
                {"action": "sync", "path": root, "target": "/src", "include": ["*.py"]},
            ]}),
            Some(dir.path()),
        );
        let r = rules(&p, &[]).unwrap();
        let at = |rel: &str| dir.path().join(rel);
        assert_eq!(r[0].takes(&at("src/a.js")).as_deref(), Some("src/a.js"));
        assert_eq!(r[0].container_path("src/a.js").as_deref(), Some("/app/src/a.js"));
        for skipped in ["node_modules/x/y.js", "debug.log", "secret.txt", ".git/HEAD", "src/.a.js.swp", "a.js~", "4913"]
        {
            assert_eq!(r[0].takes(&at(skipped)), None, "{skipped}");
        }
        assert_eq!(r[1].takes(&at("package.json")).as_deref(), Some(""));
        assert_eq!(r[1].takes(&at("src/a.js")), None);
        assert_eq!(r[2].takes(&at("m/x.py")).as_deref(), Some("m/x.py"));
        assert_eq!(r[2].takes(&at("m/x.js")), None, "include leaves the rest out");
    }

    #[test]
    fn bad_rules_name_the_field() {
        let e = |develop: serde_json::Value| rules(&project(develop, None), &[]).unwrap_err().to_string();
        assert!(e(serde_json::json!({"watch": [{"action": "copy", "path": "/x"}]})).contains("watch[0].action"));
        assert!(e(serde_json::json!({"watch": [{"action": "sync", "path": "/x"}]})).contains("watch[0].target"));
        assert!(e(serde_json::json!({"watch": [{"action": "rebuild", "path": "/x"}]})).contains("without a build"));
        assert!(
            e(serde_json::json!({"watch": [{"action": "sync+exec", "path": "/x", "target": "/y"}]})).contains("exec")
        );
        assert!(e(serde_json::json!({})).contains("none of the selected services"));
        let p = project(serde_json::json!({"watch": [{"action": "restart", "path": "/x"}]}), None);
        assert!(rules(&p, &["db".into()]).unwrap_err().to_string().contains("no such service"));
    }
}

//! The intents: the contract between what a user (or a model) asks and what TuxPilot does.
//!
//! Names and argument keys are fixed (other tools script against them): an intent serializes
//! as `{"intent": NAME, "arguments": {...}}`. Optional arguments that are absent are left out;
//! flags are always present.

use schemars::JsonSchema;

pub use crate::refs::{InvalidIntent, is_image, is_name};
pub use crate::update_args::*;
use serde::{Deserialize, Serialize};

/// Whether an intent changes anything. Decided here, by our code, never by a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Only reads: runs at once.
    Read,
    /// Changes containers, deployments or files: shows its plan and asks first.
    Write,
}

/// `list`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Include stopped containers.
    #[serde(default)]
    pub all: bool,
}

/// `inspect`, `diagnose`: one container, or every replica of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetArgs {
    /// A container name or id, or a service written `PROJECT/SERVICE` or `APP/SERVICE`.
    pub target: String,
}

/// `start`, `stop`, `restart`, `remove`: one target, several, or all but some.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleArgs {
    /// One container name or id, `all` (not for `remove`), or a service written
    /// `PROJECT/SERVICE` or `APP/SERVICE` (every replica of it). Leave it out when giving
    /// `targets`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// Several names of the same kinds, acted on as one plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
    /// With `target: all`: names kept out of the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<Vec<String>>,
}

impl LifecycleArgs {
    /// One target.
    pub fn one(target: impl Into<String>) -> Self {
        Self { target: target.into(), targets: None, except: None }
    }

    /// Every name it lists: `target`, then `targets`.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if !self.target.is_empty() {
            out.push(self.target.clone());
        }
        out.extend(self.targets.iter().flatten().cloned());
        out
    }

    /// The names kept out.
    pub fn excepted(&self) -> &[String] {
        self.except.as_deref().unwrap_or(&[])
    }
}

/// `logs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsArgs {
    /// A container name or id.
    pub target: String,
    /// Only the last N lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<u64>,
    /// Keep streaming new lines.
    #[serde(default)]
    pub follow: bool,
}

/// `deploy`: built-in templates for well-known images, or an app.yaml / compose file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployArgs {
    /// Image names (`nginx`, `redis:7`, `registry.example.com/team/api:1.2`): one service each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    /// An app.yaml or compose file to deploy instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The app's name (default: from the images or the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Which way to scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// More replicas (a count is proposed from observed CPU).
    Up,
    /// Fewer replicas.
    Down,
}

/// `scale`: one of `replicas`, `delta` or `direction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleArgs {
    /// The service (`web`, or `app/web` when several apps have one).
    pub service: String,
    /// The replica count wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// Replicas to add (positive) or take away (negative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<i64>,
    /// Up or down, the count chosen from observed load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

/// `rollback`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackArgs {
    /// The deployed app.
    pub app: String,
    /// The version to go back to (default: the previous one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// `history`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryArgs {
    /// The deployed app.
    pub app: String,
}

/// `scan_runtime`, `optimize`: all containers or one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeArgs {
    /// `all`, or a container name.
    #[serde(default = "all")]
    pub target: String,
}

impl Default for ScopeArgs {
    fn default() -> Self {
        Self { target: all() }
    }
}

fn all() -> String {
    "all".into()
}

/// `scan_image`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanImageArgs {
    /// The image reference (`nginx:1.25`, `registry.example.com/app:v2`).
    pub image: String,
}

/// Sort order of `monitor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// By CPU use, highest first.
    Cpu,
    /// By memory use, highest first.
    Memory,
}

/// `monitor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorArgs {
    /// `all`, or a container name.
    #[serde(default = "all")]
    pub target: String,
    /// The live view instead of one snapshot.
    #[serde(default)]
    pub realtime: bool,
    /// Alert when CPU use passes this percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_threshold: Option<f64>,
    /// Alert when memory use passes this percentage of the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_threshold: Option<f64>,
    /// Sort by cpu or memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Sort>,
    /// Set monitoring up: alerts keep being evaluated in the background after the conversation
    /// (undone by `monitor_stop`).
    #[serde(default)]
    pub persist: bool,
}

impl Default for MonitorArgs {
    fn default() -> Self {
        Self { target: all(), realtime: false, cpu_threshold: None, memory_threshold: None, sort: None, persist: false }
    }
}

/// `compose_up`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComposeUpArgs {
    /// A compose file or the directory holding one (default: compose.yaml… here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The project name (default: the directory's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

/// `compose_down`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComposeDownArgs {
    /// The project name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// A compose file or the directory holding one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// `help`: no arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// `clarify`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarifyArgs {
    /// What to ask the user.
    pub question: String,
}

/// `refuse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseArgs {
    /// Why, and what to do instead.
    pub reason: String,
}

/// `unknown`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnknownArgs {
    /// Requests that would be understood.
    pub suggestions: Vec<String>,
}

/// A validated request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "intent", content = "arguments", rename_all = "snake_case")]
pub enum Intent {
    /// List containers.
    List(ListArgs),
    /// Show one container's details.
    Inspect(TargetArgs),
    /// Start a container.
    Start(LifecycleArgs),
    /// Stop a container.
    Stop(LifecycleArgs),
    /// Restart a container.
    Restart(LifecycleArgs),
    /// Remove a container.
    Remove(LifecycleArgs),
    /// Show a container's logs.
    Logs(LogsArgs),
    /// Deploy images (from templates) or a file.
    Deploy(DeployArgs),
    /// Change a service's replica count.
    Scale(ScaleArgs),
    /// Go back to an earlier version of an app.
    Rollback(RollbackArgs),
    /// An app's deployment history.
    History(HistoryArgs),
    /// CIS checks of running containers.
    ScanRuntime(ScopeArgs),
    /// An image's vulnerabilities, secrets and configuration.
    ScanImage(ScanImageArgs),
    /// Right-size CPU and memory limits from observed use.
    Optimize(ScopeArgs),
    /// Resource use: a snapshot or the live view, with alert thresholds.
    Monitor(MonitorArgs),
    /// Why a container is unhealthy, exited or restarting, and the fix.
    Diagnose(TargetArgs),
    /// Bring a compose project up.
    ComposeUp(ComposeUpArgs),
    /// Take a compose project down.
    ComposeDown(ComposeDownArgs),
    /// Every deployed app: version, health, replicas.
    Deployments(NoArgs),
    /// Remove stopped containers, dangling images and unused networks (never TuxPilot's own
    /// objects, never volumes).
    Prune(NoArgs),
    /// Stop the background monitoring that `monitor` with `persist` set up.
    MonitorStop(NoArgs),
    /// Newer images for what opted in to automatic updates, asked without pulling.
    UpdatesCheck(UpdatesCheckArgs),
    /// Apply the available image updates: pull, gate, health-gated rollout, rollback.
    UpdatesApply(UpdatesApplyArgs),
    /// Opt a target in or out of automatic image updates.
    AutoUpdate(AutoUpdateArgs),
    /// What the assistant can do.
    Help(NoArgs),
    /// The request is ambiguous: ask, do nothing.
    Clarify(ClarifyArgs),
    /// The request is declined (shells, exec, privileged, host access).
    Refuse(RefuseArgs),
    /// The request is not understood.
    Unknown(UnknownArgs),
}

/// What an intent's name says about it: its access, and its MCP hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntentInfo {
    /// The intent's name.
    pub name: &'static str,
    /// One line for tool descriptions.
    pub description: &'static str,
    /// Read or write.
    pub access: Access,
    /// May remove, stop, replace or overwrite something (MCP `destructiveHint`): every write but
    /// `start`, the one that only adds.
    pub destructive: bool,
    /// Repeating it changes nothing more (MCP `idempotentHint`).
    pub idempotent: bool,
    /// Offered to models and MCP clients as a tool (`clarify`, `refuse`, `unknown` are answers).
    pub tool: bool,
}

const fn info(
    name: &'static str,
    description: &'static str,
    access: Access,
    destructive: bool,
    idempotent: bool,
) -> IntentInfo {
    IntentInfo { name, description, access, destructive, idempotent, tool: true }
}

/// Every intent, in the contract's order.
pub const INTENTS: &[IntentInfo] = &[
    info("list", "List containers (all: include stopped ones).", Access::Read, false, true),
    info("inspect", "Show a container's configuration and state.", Access::Read, false, true),
    info("start", "Start a stopped container.", Access::Write, false, true),
    info("stop", "Stop a running container.", Access::Write, true, true),
    info("restart", "Restart a container.", Access::Write, true, false),
    info("remove", "Remove a container (stopping it first).", Access::Write, true, true),
    info("logs", "Show a container's recent log lines.", Access::Read, false, true),
    info(
        "deploy",
        "Deploy well-known images (nginx, redis, postgres…) from built-in templates, or an app.yaml/compose file, with health-gated rolling updates.",
        Access::Write,
        true,
        true,
    ),
    info(
        "scale",
        "Set a deployed service's replica count: replicas, delta, or direction up/down.",
        Access::Write,
        true,
        false,
    ),
    info("rollback", "Roll a deployed app back to an earlier version.", Access::Write, true, false),
    info("history", "List a deployed app's versions.", Access::Read, false, true),
    info("scan_runtime", "Check running containers against CIS Docker benchmark rules.", Access::Read, false, true),
    info("scan_image", "Scan an image for vulnerabilities, secrets and misconfiguration.", Access::Read, false, true),
    info("optimize", "Observe containers briefly and recommend CPU and memory limits.", Access::Read, false, true),
    info(
        "monitor",
        "Resource use of containers now; with cpu_threshold/memory_threshold it also writes those alert settings.",
        Access::Read,
        true,
        true,
    ),
    info(
        "diagnose",
        "Explain why a container is unhealthy, exited, OOM-killed or restarting, and how to fix it.",
        Access::Read,
        false,
        true,
    ),
    info("compose_up", "Create and start a compose project.", Access::Write, true, true),
    info("compose_down", "Stop and remove a compose project.", Access::Write, true, true),
    info("deployments", "List deployed apps: version, health, replicas per service.", Access::Read, false, true),
    info(
        "prune",
        "Remove stopped containers, dangling images and unused networks (never TuxPilot's own objects or volumes).",
        Access::Write,
        true,
        true,
    ),
    info("monitor_stop", "Stop the background monitoring set up by monitor with persist.", Access::Write, true, true),
    info(
        "updates_check",
        "Which containers and apps that opted in to automatic updates have a newer image (asked without pulling).",
        Access::Read,
        false,
        true,
    ),
    info(
        "updates_apply",
        "Apply available image updates to a target (or all): pull, security gate, health-gated rollout, rollback on failure.",
        Access::Write,
        true,
        false,
    ),
    info(
        "auto_update",
        "Opt an app, APP/SERVICE or container in or out of automatic image updates (policy off, digest, patch, minor, major).",
        Access::Write,
        true,
        true,
    ),
    IntentInfo {
        name: "help",
        description: "What the assistant can do.",
        access: Access::Read,
        destructive: false,
        idempotent: true,
        tool: false,
    },
    IntentInfo {
        name: "clarify",
        description: "Ask the user a question.",
        access: Access::Read,
        destructive: false,
        idempotent: true,
        tool: false,
    },
    IntentInfo {
        name: "refuse",
        description: "Decline a request.",
        access: Access::Read,
        destructive: false,
        idempotent: true,
        tool: false,
    },
    IntentInfo {
        name: "unknown",
        description: "Not understood.",
        access: Access::Read,
        destructive: false,
        idempotent: true,
        tool: false,
    },
];

impl Intent {
    /// The intent's name, as in the contract.
    pub fn name(&self) -> &'static str {
        match self {
            Intent::List(_) => "list",
            Intent::Inspect(_) => "inspect",
            Intent::Start(_) => "start",
            Intent::Stop(_) => "stop",
            Intent::Restart(_) => "restart",
            Intent::Remove(_) => "remove",
            Intent::Logs(_) => "logs",
            Intent::Deploy(_) => "deploy",
            Intent::Scale(_) => "scale",
            Intent::Rollback(_) => "rollback",
            Intent::History(_) => "history",
            Intent::ScanRuntime(_) => "scan_runtime",
            Intent::ScanImage(_) => "scan_image",
            Intent::Optimize(_) => "optimize",
            Intent::Monitor(_) => "monitor",
            Intent::Diagnose(_) => "diagnose",
            Intent::ComposeUp(_) => "compose_up",
            Intent::ComposeDown(_) => "compose_down",
            Intent::Deployments(_) => "deployments",
            Intent::Prune(_) => "prune",
            Intent::MonitorStop(_) => "monitor_stop",
            Intent::UpdatesCheck(_) => "updates_check",
            Intent::UpdatesApply(_) => "updates_apply",
            Intent::AutoUpdate(_) => "auto_update",
            Intent::Help(_) => "help",
            Intent::Clarify(_) => "clarify",
            Intent::Refuse(_) => "refuse",
            Intent::Unknown(_) => "unknown",
        }
    }

    /// The intent's fixed description and classification.
    pub fn info(&self) -> IntentInfo {
        let name = self.name();
        INTENTS.iter().copied().find(|i| i.name == name).unwrap_or(IntentInfo {
            name,
            description: "",
            access: Access::Write,
            destructive: true,
            idempotent: false,
            tool: false,
        })
    }

    /// Read or write: decided by the intent's kind, whoever proposed it.
    pub fn access(&self) -> Access {
        match self {
            // Alert thresholds are written to the config file.
            Intent::Monitor(a) if a.cpu_threshold.is_some() || a.memory_threshold.is_some() || a.persist => {
                Access::Write
            }
            _ => self.info().access,
        }
    }

    /// The arguments as a JSON object.
    pub fn arguments(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(mut v) => v.get_mut("arguments").map(std::mem::take).unwrap_or_else(|| serde_json::json!({})),
            Err(_) => serde_json::json!({}),
        }
    }

    /// Builds an intent from a tool call's name and JSON arguments (a model's or an MCP
    /// client's), then validates it exactly as a parsed one. Unknown names and unknown or
    /// ill-typed arguments are errors meant to go back to the caller.
    pub fn from_call(name: &str, arguments: serde_json::Value) -> Result<Intent, InvalidIntent> {
        let Some(info) = INTENTS.iter().find(|i| i.name == name) else {
            let names: Vec<&str> = INTENTS.iter().filter(|i| i.tool).map(|i| i.name).collect();
            return Err(InvalidIntent(format!("unknown tool `{name}`; the tools are: {}", names.join(", "))));
        };
        let arguments = match arguments {
            serde_json::Value::Null => serde_json::json!({}),
            v @ serde_json::Value::Object(_) => v,
            other => {
                return Err(InvalidIntent(format!("the arguments of `{name}` must be a JSON object, not {other}")));
            }
        };
        let intent: Intent = serde_json::from_value(serde_json::json!({ "intent": info.name, "arguments": arguments }))
            .map_err(|e| InvalidIntent(format!("invalid arguments for `{name}`: {e}")))?;
        intent.validate()?;
        Ok(intent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::arguments_schema;

    #[test]
    fn intents_serialize_as_the_contract_says() {
        let i = Intent::Logs(LogsArgs { target: "web".into(), tail: Some(20), follow: false });
        assert_eq!(
            serde_json::to_value(&i).ok(),
            Some(serde_json::json!({"intent": "logs", "arguments": {"target": "web", "tail": 20, "follow": false}}))
        );
        assert_eq!(
            serde_json::to_value(Intent::Help(NoArgs {})).ok(),
            Some(serde_json::json!({"intent": "help", "arguments": {}}))
        );
        for info in INTENTS {
            assert!(arguments_schema(info.name).is_some(), "{}", info.name);
        }
    }

    #[test]
    fn tool_calls_are_validated() {
        assert!(Intent::from_call("stop", serde_json::json!({"target": "web"})).is_ok());
        let e = Intent::from_call("exec", serde_json::json!({})).err().map(|e| e.0).unwrap_or_default();
        assert!(e.contains("unknown tool `exec`"), "{e}");
        let e = Intent::from_call("stop", serde_json::json!({"target": "web", "force": true})).err();
        assert!(e.is_some_and(|e| e.0.contains("unknown field `force`")));
        assert!(Intent::from_call("stop", serde_json::json!({"target": "web; rm -rf /"})).is_err());
        assert!(Intent::from_call("remove", serde_json::json!({"target": "all"})).is_err());
        assert!(Intent::from_call("scale", serde_json::json!({"service": "web"})).is_err());
        assert!(Intent::from_call("scale", serde_json::json!({"service": "web", "replicas": 3, "delta": 1})).is_err());
        assert!(Intent::from_call("deploy", serde_json::json!({"images": ["Nginx"]})).is_err());
        assert!(
            Intent::from_call("deploy", serde_json::json!({"images": ["registry.example.com:5000/team/api:1.2"]}))
                .is_ok()
        );
        assert!(Intent::from_call("monitor", serde_json::json!({"cpu_threshold": -5})).is_err());
    }

    #[test]
    fn image_references() {
        for ok in ["nginx", "nginx:1.25-alpine", "library/redis:7", "localhost:5000/x/y:z", "ghcr.io/a/b@sha256:00"] {
            assert!(is_image(ok), "{ok}");
        }
        for bad in ["", "Nginx", "nginx:", "a b", "nginx:-x", "-x"] {
            assert!(!is_image(bad), "{bad}");
        }
    }
}

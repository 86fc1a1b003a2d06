//! What an intent will do, before it does it: its steps, the equivalent commands, and whether
//! it reads or writes. Pure.

use serde::Serialize;

use crate::intent::*;

/// A plan: shown before anything changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Read or write (writes are confirmed first).
    pub access: Access,
    /// One line.
    pub summary: String,
    /// What will happen, in order.
    pub steps: Vec<String>,
    /// The `tuxpilot` commands that do the same.
    pub commands: Vec<String>,
    /// Files it writes, with their content (the generated app.yaml).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<PlannedFile>,
}

/// A file a plan writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedFile {
    /// Where.
    pub path: String,
    /// What.
    pub content: String,
}

/// The plan of an intent, from the intent alone (the executor adds what it reads from the
/// engine: the proposed replica count, the generated app.yaml).
pub fn plan(intent: &Intent) -> Plan {
    let access = intent.access();
    let (summary, steps, commands): (String, Vec<String>, Vec<String>) = match intent {
        Intent::List(a) => (
            format!("list {} containers", if a.all { "all" } else { "running" }),
            vec![],
            vec![format!("tuxpilot containers list{}", if a.all { " --all" } else { "" })],
        ),
        Intent::Inspect(a) => {
            (format!("show {}", a.target), vec![], vec![format!("tuxpilot containers inspect {}", a.target)])
        }
        Intent::Start(a) => lifecycle("start", &a.target, "start"),
        Intent::Stop(a) => lifecycle("stop", &a.target, "stop"),
        Intent::Restart(a) => lifecycle("restart", &a.target, "restart"),
        Intent::Remove(a) => (
            format!("remove container {}", a.target),
            vec![format!("stop {} if it runs", a.target), format!("remove {} (its named volumes are kept)", a.target)],
            vec![format!("tuxpilot containers rm --force {}", a.target)],
        ),
        Intent::Logs(a) => (
            format!("show the logs of {}", a.target),
            vec![],
            vec![format!(
                "tuxpilot containers logs{}{} {}",
                a.tail.map(|t| format!(" --tail {t}")).unwrap_or_default(),
                if a.follow { " --follow" } else { "" },
                a.target
            )],
        ),
        Intent::Deploy(a) => match (&a.images, &a.file) {
            (_, Some(f)) => (
                format!("deploy {f}"),
                vec![format!("deploy {f}: dependencies first, each service health-gated, rolled back on failure")],
                vec![format!("tuxpilot containers deploy --file {f}")],
            ),
            (Some(images), None) => (
                format!("deploy {}", images.join(", ")),
                vec![
                    "write an app.yaml from the built-in templates".into(),
                    "deploy it: dependencies first, each service health-gated, rolled back on failure".into(),
                ],
                vec!["tuxpilot containers deploy --file APP.app.yaml".into()],
            ),
            (None, None) => ("deploy".into(), vec![], vec![]),
        },
        Intent::Scale(a) => {
            let how = match (a.replicas, a.delta, a.direction) {
                (Some(r), _, _) => format!("to {r} replicas"),
                (_, Some(d), _) => format!("by {d:+} replicas"),
                (_, _, Some(Direction::Up)) => "up (count from observed CPU)".into(),
                (_, _, Some(Direction::Down)) => "down (count from observed CPU)".into(),
                _ => String::new(),
            };
            (
                format!("scale {} {how}", a.service),
                vec![format!(
                    "change the replica count of {}; new replicas must be healthy, extra ones are drained first",
                    a.service
                )],
                // A count worked out from the engine is shown once the executor has it.
                a.replicas
                    .map(|r| format!("tuxpilot containers scale {} --replicas {r}", a.service))
                    .into_iter()
                    .collect(),
            )
        }
        Intent::Rollback(a) => (
            format!("roll {} back to {}", a.app, a.to.as_deref().unwrap_or("the previous version")),
            vec![format!(
                "redeploy the recorded spec of {} {}",
                a.app,
                a.to.as_deref().unwrap_or("(previous version)")
            )],
            vec![format!(
                "tuxpilot containers rollback {}{}",
                a.app,
                a.to.as_ref().map(|t| format!(" --to {t}")).unwrap_or_default()
            )],
        ),
        Intent::History(a) => {
            (format!("show the history of {}", a.app), vec![], vec![format!("tuxpilot containers history {}", a.app)])
        }
        Intent::ScanRuntime(a) => (
            format!("check {} against CIS Docker rules", scope(&a.target)),
            vec![],
            vec![if a.target == "all" {
                "tuxpilot containers scan --all".into()
            } else {
                format!("tuxpilot containers scan --container {}", a.target)
            }],
        ),
        Intent::ScanImage(a) => {
            (format!("scan image {}", a.image), vec![], vec![format!("tuxpilot containers scan --image {}", a.image)])
        }
        Intent::Optimize(a) => (
            format!("recommend CPU and memory limits for {}", scope(&a.target)),
            vec![
                "observe CPU and memory for a short window".into(),
                "recommend limits (applying them is asked separately)".into(),
            ],
            vec![format!(
                "tuxpilot containers optimize{}",
                if a.target == "all" { String::new() } else { format!(" {}", a.target) }
            )],
        ),
        Intent::Monitor(a) => {
            let mut steps = Vec::new();
            if let Some(c) = a.cpu_threshold {
                steps.push(format!("set cpu_alert_threshold = {c} in [containers.monitoring]"));
            }
            if let Some(m) = a.memory_threshold {
                steps.push(format!("set memory_alert_threshold = {m} in [containers.monitoring]"));
            }
            steps.push(if a.realtime { "open the live view".into() } else { "take a snapshot of resource use".into() });
            (
                format!("monitor {}", scope(&a.target)),
                steps,
                vec![format!(
                    "tuxpilot containers monitor{}{}",
                    if a.realtime { " --real-time" } else { "" },
                    if a.target == "all" { String::new() } else { format!(" --filter name={}", a.target) }
                )],
            )
        }
        Intent::Diagnose(a) => (
            format!("diagnose {}", a.target),
            vec!["read its state, exit code, OOM kill, health log, restarts and last log lines".into()],
            vec![
                format!("tuxpilot containers inspect {}", a.target),
                format!("tuxpilot containers logs --tail 50 {}", a.target),
            ],
        ),
        Intent::ComposeUp(a) => (
            format!("bring up compose project {}", a.project.as_deref().or(a.path.as_deref()).unwrap_or("here")),
            vec!["create and start the project's networks, volumes and containers in dependency order".into()],
            vec![compose_cmd("up -d", a.path.as_deref(), a.project.as_deref())],
        ),
        Intent::ComposeDown(a) => (
            format!("take down compose project {}", a.project.as_deref().or(a.path.as_deref()).unwrap_or("here")),
            vec!["stop and remove the project's containers and networks (volumes are kept)".into()],
            vec![compose_cmd("down", a.path.as_deref(), a.project.as_deref())],
        ),
        Intent::Help(_) => ("help".into(), vec![], vec![]),
        Intent::Clarify(a) => (a.question.clone(), vec![], vec![]),
        Intent::Refuse(a) => (a.reason.clone(), vec![], vec![]),
        Intent::Unknown(_) => ("not understood".into(), vec![], vec![]),
    };
    Plan { access, summary, steps, commands, files: Vec::new() }
}

fn lifecycle(verb: &str, target: &str, cmd: &str) -> (String, Vec<String>, Vec<String>) {
    if target == "all" {
        // The names are shown once the executor has read them from the engine.
        (format!("{verb} every container"), vec![format!("{verb} each container")], Vec::new())
    } else {
        (
            format!("{verb} container {target}"),
            vec![format!("{verb} {target}")],
            vec![format!("tuxpilot containers {cmd} {target}")],
        )
    }
}

fn scope(target: &str) -> String {
    if target == "all" { "all running containers".into() } else { target.to_string() }
}

fn compose_cmd(verb: &str, path: Option<&str>, project: Option<&str>) -> String {
    let mut s = "tuxpilot compose".to_string();
    if let Some(p) = path {
        s.push_str(&format!(" -f {p}"));
    }
    if let Some(p) = project {
        s.push_str(&format!(" -p {p}"));
    }
    s.push(' ');
    s.push_str(verb);
    s
}

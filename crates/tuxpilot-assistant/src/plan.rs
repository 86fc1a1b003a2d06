//! What an intent will do, before it does it: its steps, the equivalent commands, and whether
//! it reads or writes. Pure.

use serde::Serialize;

use crate::intent::*;
use crate::same_as::{Lifecycle, SameAs};

/// A plan: shown before anything changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Read or write (writes are confirmed first).
    pub access: Access,
    /// One line.
    pub summary: String,
    /// What will happen, in order.
    pub steps: Vec<String>,
    /// The `tuxpilot` commands that do the same, as a front end renders them (the CLI fills
    /// this from `same_as` with its own flags; empty until then).
    pub commands: Vec<String>,
    /// The `tuxpilot` commands that do the same, typed.
    #[serde(skip)]
    pub same_as: Vec<SameAs>,
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
    let (summary, steps, same_as): (String, Vec<String>, Vec<SameAs>) = match intent {
        Intent::List(a) => (
            format!("list {} containers", if a.all { "all" } else { "running" }),
            vec![],
            vec![SameAs::List { all: a.all }],
        ),
        Intent::Inspect(a) => {
            (format!("show {}", a.target), vec![], plain(&a.target, |n| SameAs::Inspect { containers: vec![n] }))
        }
        Intent::Start(a) | Intent::Stop(a) | Intent::Restart(a) | Intent::Remove(a) => lifecycle(intent.name(), a),
        Intent::Logs(a) => (
            format!("show the logs of {}", a.target),
            vec![],
            plain(&a.target, |container| SameAs::Logs { container, tail: a.tail, follow: a.follow }),
        ),
        Intent::Deploy(a) => match (&a.images, &a.file) {
            (_, Some(f)) => (
                format!("deploy {f}{}", a.name.as_ref().map(|n| format!(" as {n}")).unwrap_or_default()),
                vec![format!("deploy {f}: dependencies first, each service health-gated, rolled back on failure")],
                vec![SameAs::Deploy { file: f.clone(), name: a.name.clone() }],
            ),
            (Some(images), None) => (
                format!(
                    "deploy {}{}",
                    images.join(", "),
                    a.name.as_ref().map(|n| format!(" as {n}")).unwrap_or_default()
                ),
                vec![
                    "write an app.yaml from the built-in templates".into(),
                    "deploy it: dependencies first, each service health-gated, rolled back on failure".into(),
                ],
                vec![SameAs::Deploy { file: "APP.app.yaml".into(), name: None }],
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
                a.replicas.map(|replicas| SameAs::Scale { service: a.service.clone(), replicas }).into_iter().collect(),
            )
        }
        Intent::Rollback(a) => (
            format!("roll {} back to {}", a.app, a.to.as_deref().unwrap_or("the previous version")),
            vec![format!(
                "redeploy the recorded spec of {} {}",
                a.app,
                a.to.as_deref().unwrap_or("(previous version)")
            )],
            vec![SameAs::Rollback { app: a.app.clone(), to: a.to.clone() }],
        ),
        Intent::History(a) => {
            (format!("show the history of {}", a.app), vec![], vec![SameAs::History { app: a.app.clone() }])
        }
        Intent::ScanRuntime(a) => (
            format!("check {} against CIS Docker rules", scope(&a.target)),
            vec![],
            vec![SameAs::ScanContainers { container: (a.target != "all").then(|| a.target.clone()) }],
        ),
        Intent::ScanImage(a) => {
            (format!("scan image {}", a.image), vec![], vec![SameAs::ScanImage { image: a.image.clone() }])
        }
        Intent::Optimize(a) => (
            format!("recommend CPU and memory limits for {}", scope(&a.target)),
            vec![
                "observe CPU and memory for a short window".into(),
                "recommend limits (applying them is asked separately)".into(),
            ],
            vec![SameAs::Optimize { container: (a.target != "all").then(|| a.target.clone()) }],
        ),
        Intent::Monitor(a) => {
            let mut steps = Vec::new();
            if let Some(c) = a.cpu_threshold {
                steps.push(format!("set cpu_alert_threshold = {c} in [containers.monitoring]"));
            }
            if let Some(m) = a.memory_threshold {
                steps.push(format!("set memory_alert_threshold = {m} in [containers.monitoring]"));
            }
            let container = (a.target != "all").then(|| a.target.clone());
            if a.persist {
                steps.push(
                    "start background monitoring: alerts keep being evaluated after this conversation (a systemd user \
                     service where systemd runs, else a detached process)"
                        .into(),
                );
                return Plan {
                    access,
                    summary: format!("set up monitoring of {}", scope(&a.target)),
                    steps,
                    commands: Vec::new(),
                    same_as: vec![SameAs::MonitorDetach { container }],
                    files: Vec::new(),
                };
            }
            steps.push(if a.realtime { "open the live view".into() } else { "take a snapshot of resource use".into() });
            (format!("monitor {}", scope(&a.target)), steps, vec![SameAs::Monitor { realtime: a.realtime, container }])
        }
        Intent::Diagnose(a) => (
            format!("diagnose {}", a.target),
            vec!["read its state, exit code, OOM kill, health log, restarts and last log lines".into()],
            if a.target.contains('/') {
                Vec::new()
            } else {
                vec![
                    SameAs::Inspect { containers: vec![a.target.clone()] },
                    SameAs::Logs { container: a.target.clone(), tail: Some(50), follow: false },
                ]
            },
        ),
        Intent::ComposeUp(a) => (
            format!("bring up compose project {}", a.project.as_deref().or(a.path.as_deref()).unwrap_or("here")),
            vec!["create and start the project's networks, volumes and containers in dependency order".into()],
            vec![SameAs::ComposeUp { file: a.path.clone(), project: a.project.clone() }],
        ),
        Intent::ComposeDown(a) => (
            format!("take down compose project {}", a.project.as_deref().or(a.path.as_deref()).unwrap_or("here")),
            vec!["stop and remove the project's containers and networks (volumes are kept)".into()],
            vec![SameAs::ComposeDown { file: a.path.clone(), project: a.project.clone() }],
        ),
        Intent::Deployments(_) => ("list the deployed apps".into(), vec![], vec![SameAs::Deployments]),
        Intent::Prune(_) => (
            "remove stopped containers, dangling images and unused networks".into(),
            vec!["list what goes (never TuxPilot's own objects, never volumes), then remove it".into()],
            vec![SameAs::Prune],
        ),
        Intent::MonitorStop(_) => (
            "stop background monitoring".into(),
            vec!["stop the background monitor that `set up monitoring` started".into()],
            vec![SameAs::MonitorStop],
        ),
        Intent::UpdatesCheck(a) => (
            format!("check for newer images{}", a.target.as_ref().map(|t| format!(" of {t}")).unwrap_or_default()),
            vec!["ask the registries (a manifest HEAD, the tag list); nothing is pulled".into()],
            vec![SameAs::UpdatesCheck { target: a.target.clone() }],
        ),
        Intent::UpdatesApply(a) => {
            let target = (a.target != "all").then(|| a.target.clone());
            (
                format!("apply the available image updates of {}", target.as_deref().unwrap_or("everything that opted in")),
                vec![
                    "pull each new image, run the security gate, roll it out health-gated; on failure roll back and never retry that image".into(),
                ],
                vec![SameAs::UpdatesApply { target }],
            )
        }
        Intent::AutoUpdate(a) => (
            format!("set automatic updates of {} to {}", a.target, a.policy.as_str()),
            vec![format!("label {} tuxpilot.auto-update={}", a.target, a.policy.as_str())],
            vec![SameAs::UpdatesSet { target: a.target.clone(), policy: a.policy.as_str().into() }],
        ),
        Intent::Help(_) => ("help".into(), vec![], vec![]),
        Intent::Clarify(a) => (a.question.clone(), vec![], vec![]),
        Intent::Refuse(a) => (a.reason.clone(), vec![], vec![]),
        Intent::Unknown(_) => ("not understood".into(), vec![], vec![]),
    };
    Plan { access, summary, steps, commands: Vec::new(), same_as, files: Vec::new() }
}

/// What a change does to what is running, in a sentence: the answer to "what would happen
/// if…?".
pub fn consequence(intent: &Intent) -> &'static str {
    match intent {
        Intent::Start(_) => "It would start with the configuration it has; nothing else changes.",
        Intent::Stop(_) => {
            "It would get SIGTERM, then SIGKILL after 10 s, and stop serving until started again; its data stays."
        }
        Intent::Restart(_) => "It would be stopped and started again: a short outage, then the same container runs.",
        Intent::Remove(_) => {
            "The container and everything written outside its volumes would be gone; named volumes are kept. A \
             service of a deployed app gets it back on the next deploy."
        }
        Intent::Scale(_) => "Replicas would be added (each health-checked) or drained and removed.",
        Intent::Rollback(_) => "The app's recorded earlier version would replace the running one, health-gated.",
        Intent::Deploy(_) => "The app would be created or updated, health-gated, and rolled back on failure.",
        Intent::ComposeDown(_) => "The project's containers and networks would be removed; volumes are kept.",
        Intent::ComposeUp(_) => "The project's containers would be created or recreated where their config changed.",
        Intent::Prune(_) => "Stopped containers, dangling images and unused networks would be deleted for good.",
        Intent::UpdatesApply(_) => {
            "Containers would be replaced by ones from newer images (health-gated, rolled back on failure)."
        }
        Intent::AutoUpdate(_) => {
            "An app would get a new version with the label (a rolling update); a container would be recreated with it."
        }
        _ => "",
    }
}

/// The typed command of a lifecycle intent.
fn verb_of(verb: &str) -> Lifecycle {
    match verb {
        "start" => Lifecycle::Start,
        "stop" => Lifecycle::Stop,
        "remove" => Lifecycle::Remove,
        _ => Lifecycle::Restart,
    }
}

/// One container's command now; a service (`PROJECT/SERVICE`) only once the executor has
/// resolved it to its replicas.
fn plain(target: &str, make: impl Fn(String) -> SameAs) -> Vec<SameAs> {
    if target.contains('/') { Vec::new() } else { vec![make(target.to_string())] }
}

fn lifecycle(verb: &str, a: &LifecycleArgs) -> (String, Vec<String>, Vec<SameAs>) {
    let names = a.names();
    let what = if a.target == "all" {
        let except = a.excepted();
        if except.is_empty() {
            format!("{verb} every container")
        } else {
            format!("{verb} every container except {}", except.join(", "))
        }
    } else {
        format!("{verb} {}", names.join(", "))
    };
    // Services and `all` are resolved to containers by the executor, which then shows them
    // and the command; plain container names are shown now.
    let plain = a.target != "all" && names.iter().all(|n| !n.contains('/'));
    let steps = if plain { names.iter().map(|n| format!("{verb} {n}")).collect() } else { vec![what.clone()] };
    let same_as = if plain { vec![SameAs::Lifecycle { verb: verb_of(verb), containers: names }] } else { vec![] };
    (what, steps, same_as)
}

/// A lifecycle plan completed with the containers its targets stand for.
pub(crate) fn lifecycle_resolved(plan: &mut Plan, intent: &Intent, containers: &[String]) {
    let verb = intent.name();
    plan.steps = containers.iter().map(|n| format!("{verb} {n}")).collect();
    if verb == "remove" {
        plan.steps.push("named volumes are kept".into());
    }
    if containers.is_empty() {
        plan.steps = vec!["(no container to act on)".into()];
        plan.same_as.clear();
    } else {
        plan.same_as = vec![SameAs::Lifecycle { verb: verb_of(verb), containers: containers.to_vec() }];
    }
}

/// A read over a service's replicas: its commands over every replica.
pub(crate) fn replicas_resolved(plan: &mut Plan, intent: &Intent, containers: &[String]) {
    plan.steps.push(format!("{} replicas: {}", containers.len(), containers.join(", ")));
    plan.same_as = match intent {
        Intent::Inspect(_) => vec![SameAs::Inspect { containers: containers.to_vec() }],
        Intent::Logs(a) => {
            containers.iter().map(|n| SameAs::Logs { container: n.clone(), tail: a.tail, follow: false }).collect()
        }
        _ => containers
            .iter()
            .flat_map(|n| {
                [
                    SameAs::Inspect { containers: vec![n.clone()] },
                    SameAs::Logs { container: n.clone(), tail: Some(50), follow: false },
                ]
            })
            .collect(),
    };
}

/// A prune plan completed with what goes.
pub(crate) fn prune_resolved(plan: &mut Plan, prune: &tuxpilot_orchestrator::prune::PrunePlan) {
    plan.steps = prune.items().map(|i| format!("remove {} {}", i.kind, i.name)).collect();
    if plan.steps.is_empty() {
        plan.steps.push("(nothing to remove)".into());
    }
}

fn scope(target: &str) -> String {
    if target == "all" { "all running containers".into() } else { target.to_string() }
}

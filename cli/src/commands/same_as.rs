//! The "same as" lines of chat's plans: the assistant's typed commands ([`SameAs`]) rendered
//! with this CLI's own commands and flags. `args.rs` tests that every line of the evaluation
//! suite parses back, through [`crate::args::Cli`], into the command meant.

use tuxpilot_assistant::same_as::{Lifecycle, SameAs};

/// The arguments after `tuxpilot`.
pub fn argv(same_as: &SameAs) -> Vec<String> {
    let s = |x: &str| x.to_string();
    let mut v: Vec<String> = Vec::new();
    match same_as {
        SameAs::List { all } => {
            v.extend([s("containers"), s("list")]);
            if *all {
                v.push(s("--all"));
            }
        }
        SameAs::Inspect { containers } => {
            v.extend([s("containers"), s("inspect")]);
            v.extend(containers.iter().cloned());
        }
        SameAs::Lifecycle { verb, containers } => {
            v.push(s("containers"));
            match verb {
                Lifecycle::Start => v.push(s("start")),
                Lifecycle::Stop => v.push(s("stop")),
                Lifecycle::Restart => v.push(s("restart")),
                Lifecycle::Remove => v.extend([s("rm"), s("--force")]),
            }
            v.extend(containers.iter().cloned());
        }
        SameAs::Logs { container, tail, follow } => {
            v.extend([s("containers"), s("logs")]);
            if let Some(t) = tail {
                v.extend([s("--tail"), t.to_string()]);
            }
            if *follow {
                v.push(s("--follow"));
            }
            v.push(container.clone());
        }
        SameAs::Deploy { file, name } => {
            v.extend([s("containers"), s("deploy"), s("--file"), file.clone()]);
            if let Some(n) = name {
                v.extend([s("--name"), n.clone()]);
            }
        }
        SameAs::Scale { service, replicas } => {
            v.extend([s("containers"), s("scale"), service.clone(), s("--replicas"), replicas.to_string()])
        }
        SameAs::Rollback { app, to } => {
            v.extend([s("containers"), s("rollback"), app.clone()]);
            if let Some(t) = to {
                v.extend([s("--to"), t.clone()]);
            }
        }
        SameAs::History { app } => v.extend([s("containers"), s("history"), app.clone()]),
        SameAs::Deployments => v.extend([s("containers"), s("deployments")]),
        SameAs::ScanContainers { container } => {
            v.extend([s("containers"), s("scan")]);
            match container {
                Some(c) => v.extend([s("--container"), c.clone()]),
                None => v.push(s("--all")),
            }
        }
        SameAs::ScanImage { image } => v.extend([s("containers"), s("scan"), s("--image"), image.clone()]),
        SameAs::Optimize { container } => {
            v.extend([s("containers"), s("optimize")]);
            v.extend(container.iter().cloned());
        }
        SameAs::Monitor { realtime, container } => {
            v.extend([s("containers"), s("monitor")]);
            if *realtime {
                v.push(s("--real-time"));
            }
            if let Some(c) = container {
                v.extend([s("--filter"), format!("name={c}")]);
            }
        }
        SameAs::MonitorDetach { container } => {
            v.extend([s("containers"), s("monitor"), s("--alerts"), s("--detach")]);
            if let Some(c) = container {
                v.extend([s("--filter"), format!("name={c}")]);
            }
        }
        SameAs::MonitorStop => v.extend([s("containers"), s("monitor"), s("--stop")]),
        SameAs::ComposeUp { file, project } | SameAs::ComposeDown { file, project } => {
            v.push(s("compose"));
            if let Some(f) = file {
                v.extend([s("-f"), f.clone()]);
            }
            if let Some(p) = project {
                v.extend([s("-p"), p.clone()]);
            }
            if matches!(same_as, SameAs::ComposeUp { .. }) {
                v.extend([s("up"), s("-d")]);
            } else {
                v.push(s("down"));
            }
        }
        SameAs::Prune => v.extend([s("containers"), s("prune")]),
        SameAs::UpdatesCheck { target } => {
            v.extend([s("containers"), s("updates"), s("check")]);
            v.extend(target.iter().cloned());
        }
        SameAs::UpdatesApply { target } => {
            v.extend([s("containers"), s("updates"), s("apply")]);
            v.extend(target.iter().cloned());
        }
        SameAs::UpdatesSet { target, policy } => {
            v.extend([s("containers"), s("updates"), s("set"), target.clone(), policy.clone(), s("--yes")]);
        }
    }
    v
}

/// One line, as a user would paste it.
pub fn line(same_as: &SameAs) -> String {
    let words: Vec<String> = std::iter::once("tuxpilot".to_string()).chain(argv(same_as)).collect();
    shell_words::join(words)
}

/// A plan with its "same as" lines rendered here.
pub fn render(plan: &mut tuxpilot_assistant::Plan) {
    if !plan.same_as.is_empty() {
        plan.commands = plan.same_as.iter().map(line).collect();
    }
}

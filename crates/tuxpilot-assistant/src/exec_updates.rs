//! The image-update intents, run with the same use-case the CLI's `containers updates` calls
//! ([`tuxpilot_orchestrator::updates::Updates`]): `updates_check` reads; `updates_apply` and
//! `auto_update` are planned from what the engine and the registries say, then carried out once
//! confirmed.

use std::sync::Arc;

use serde_json::json;
use tuxpilot_docker::Engine;
use tuxpilot_orchestrator::Apps;
use tuxpilot_orchestrator::updates::optin::PolicyPlan;
use tuxpilot_orchestrator::updates::{AutoUpdate, CheckReport, CheckStatus, Selector, Updates, UpdatesConfig};

use crate::error::ExecError;
use crate::intent::{Intent, UpdatePolicy};
use crate::outcome::Outcome;
use crate::plan::Plan;
use crate::settings::ExecSettings;

/// The updates use-case with the executor's settings.
pub(crate) fn updates(engine: Arc<dyn Engine>, apps: Apps, settings: &ExecSettings) -> Updates {
    let progress: tuxpilot_orchestrator::updates::Progress = Arc::new(|line: &str| tracing::info!("{line}"));
    Updates::new(engine, apps, settings.security.clone(), UpdatesConfig::default(), progress)
        .with_health_timeout(settings.orchestration.health_check_timeout.0)
}

fn policy(p: UpdatePolicy) -> AutoUpdate {
    match p {
        UpdatePolicy::Off => AutoUpdate::Off,
        UpdatePolicy::Digest => AutoUpdate::Digest,
        UpdatePolicy::Patch => AutoUpdate::Patch,
        UpdatePolicy::Minor => AutoUpdate::Minor,
        UpdatePolicy::Major => AutoUpdate::Major,
    }
}

fn selector(target: Option<&str>) -> Selector {
    Selector { name: target.filter(|t| *t != "all").map(str::to_string), container: false }
}

/// One line per target of a check.
fn lines(report: &CheckReport, only_due: bool) -> Vec<String> {
    report
        .targets
        .iter()
        .filter(|t| !only_due || t.status == CheckStatus::UpdateAvailable)
        .map(|t| {
            let new = t.new.as_ref().map(|n| format!(" → {}@{}", n.tag, n.digest.as_deref().map(short).unwrap_or("?")));
            format!(
                "{} ({}): {} {}{}{}",
                t.target.label(),
                t.target.policy,
                t.image,
                t.current.tag,
                new.unwrap_or_default(),
                match t.status {
                    CheckStatus::UpdateAvailable => String::new(),
                    s if t.message.is_empty() => format!(": {}", s.as_str().replace('_', " ")),
                    s => format!(": {} ({})", s.as_str().replace('_', " "), t.message),
                }
            )
        })
        .collect()
}

fn short(d: &str) -> &str {
    tuxpilot_orchestrator::updates::check::short(d)
}

/// Completes the plan of `updates_apply` (what is due) and `auto_update` (what changes).
pub(crate) async fn prepare(u: &Updates, intent: &Intent, plan: &mut Plan) -> Result<Option<PolicyPlan>, ExecError> {
    match intent {
        Intent::UpdatesApply(a) => {
            let report = u.check(&selector(Some(&a.target))).await?;
            let due = lines(&report, true);
            plan.steps = if due.is_empty() {
                vec!["nothing is due: every image that opted in is current".into()]
            } else {
                due.into_iter()
                    .chain(["each: pull, security gate, health-gated rollout; on failure roll back and never retry that image".to_string()])
                    .collect()
            };
            Ok(None)
        }
        Intent::AutoUpdate(a) => {
            let p = u.plan_policy(&a.target, false, policy(a.policy)).await?;
            plan.steps = p.steps.clone();
            Ok(Some(p))
        }
        _ => Ok(None),
    }
}

/// Runs an update intent (a write only after its confirmation).
pub(crate) async fn execute(u: &Updates, intent: &Intent, prepared: Option<&PolicyPlan>) -> Result<Outcome, ExecError> {
    match intent {
        Intent::UpdatesCheck(a) => {
            let report = u.check(&selector(a.target.as_deref())).await?;
            let mut reply = lines(&report, false).join("\n");
            if report.targets.is_empty() {
                reply = "Nothing has opted in to automatic updates (say \"keep NAME up to date\").".into();
            }
            let due = report.due().count();
            if due > 0 {
                reply.push_str(&format!("\n{due} update(s) available; say \"update NAME now\" to apply."));
            }
            Ok(Outcome::text(reply, serde_json::to_value(&report).unwrap_or_default()))
        }
        Intent::UpdatesApply(a) => {
            let report = u.apply(&selector(Some(&a.target))).await?;
            let mut reply: Vec<String> = report
                .entries
                .iter()
                .map(|e| {
                    let what = match (&e.app, &e.service) {
                        (Some(app), Some(s)) => format!("{app}/{s}"),
                        _ => e.container.clone().unwrap_or_default(),
                    };
                    format!(
                        "{what}: {} {} → {}: {}{}",
                        e.image,
                        e.from.tag,
                        e.to.tag,
                        e.status.as_str().replace('_', " "),
                        if e.message.is_empty() { String::new() } else { format!(" ({})", e.message) }
                    )
                })
                .collect();
            if reply.is_empty() {
                reply.push(format!("Nothing to update: {} target(s) checked.", report.check.targets.len()));
            }
            for t in report.check.targets.iter().filter(|t| t.status == CheckStatus::Error) {
                reply.push(format!("{}: the registry could not be asked: {}", t.target.label(), t.message));
            }
            Ok(Outcome::text(reply.join("\n"), serde_json::to_value(&report).unwrap_or_default()))
        }
        Intent::AutoUpdate(_) => {
            let Some(p) = prepared else {
                return Err(crate::intent::InvalidIntent(
                    "auto_update was not prepared: prepare the intent first".into(),
                )
                .into());
            };
            let done = u.set_policy(p).await?;
            Ok(Outcome::text(done.clone(), json!({ "plan": p, "result": done })))
        }
        _ => Err(crate::intent::InvalidIntent(format!("{} is not an update intent", intent.name())).into()),
    }
}

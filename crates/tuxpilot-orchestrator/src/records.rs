//! Reading the deployment history: a record's project, the record a rollback returns to, each
//! app's latest and running records, the app a service belongs to. Pure.

use std::collections::BTreeMap;

use tuxpilot_compose::Project;

use crate::error::{Error, Result};
use crate::store::{DeploymentRecord, Outcome};

/// The project a record deployed.
pub(crate) fn project_of(r: &DeploymentRecord) -> Result<Project> {
    serde_json::from_value(r.project.clone())
        .map_err(|e| Error::Corrupt(format!("history record {} of {} cannot be read: {e}", r.seq, r.app)))
}

/// The record `rollback` returns to: the last good one of version `to`, or by default the last
/// good one before the current that differs from it.
pub(crate) fn rollback_target<'a>(
    app: &str,
    records: &'a [DeploymentRecord],
    to: Option<&str>,
) -> Result<&'a DeploymentRecord> {
    let good: Vec<&DeploymentRecord> = records.iter().filter(|r| r.outcome == Outcome::Success).collect();
    match to {
        Some(v) => good.iter().rev().find(|r| r.version == v).copied().ok_or_else(|| {
            let mut known: Vec<&str> = Vec::new();
            for r in &good {
                if !known.contains(&r.version.as_str()) {
                    known.push(r.version.as_str());
                }
            }
            Error::NotFound(format!(
                "app \"{app}\" has no successful deployment of version \"{v}\" (good versions: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        }),
        None => {
            let current = good.last().ok_or_else(|| Error::NotFound(format!("app \"{app}\" has no good version")))?;
            good.iter()
                .rev()
                .skip(1)
                .find(|r| r.config_hash != current.config_hash || r.version != current.version)
                .copied()
                .ok_or_else(|| Error::NotFound(format!("app \"{app}\" has no good version before {}", current.version)))
        }
    }
}

/// Per app (sorted): its latest record, and the one whose version runs (the last good one, or the
/// latest when none succeeded).
pub(crate) fn latest_by_app(records: &[DeploymentRecord]) -> Vec<(String, &DeploymentRecord, &DeploymentRecord)> {
    let mut last: BTreeMap<String, &DeploymentRecord> = BTreeMap::new();
    let mut good: BTreeMap<String, &DeploymentRecord> = BTreeMap::new();
    for r in records {
        last.insert(r.app.clone(), r);
        if r.outcome == Outcome::Success {
            good.insert(r.app.clone(), r);
        }
    }
    last.into_iter()
        .map(|(app, latest)| {
            let reference = good.get(&app).copied().unwrap_or(latest);
            (app, latest, reference)
        })
        .collect()
}

/// The one app among `records` whose project has `service`.
pub(crate) fn service_in(records: &[DeploymentRecord], service: &str) -> Result<(String, String)> {
    let mut apps: Vec<String> = Vec::new();
    for r in records {
        if apps.contains(&r.app) {
            continue;
        }
        if project_of(r).is_ok_and(|p| p.services.contains_key(service)) {
            apps.push(r.app.clone());
        }
    }
    match apps.as_slice() {
        [one] => Ok((one.clone(), service.to_string())),
        [] => Err(Error::NotFound(format!("no deployed app has a service \"{service}\""))),
        many => Err(Error::Ambiguous(format!(
            "service \"{service}\" is in several apps ({}); name it APP/{service} or pass --app",
            many.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rollback_to_an_unknown_version_lists_each_good_version_once() {
        let project = tuxpilot_compose::Project::default();
        let mut records = Vec::new();
        for (v, outcome) in [
            ("1.0", Outcome::Success),
            ("1.1", Outcome::Success),
            ("1.0", Outcome::Success),
            ("2.0", Outcome::RolledBack),
        ] {
            let mut r = DeploymentRecord::starting("d", "demo", v, "deploy", "app.yaml", &project).unwrap();
            r.outcome = outcome;
            records.push(r);
        }
        let e = rollback_target("demo", &records, Some("9.9")).unwrap_err().to_string();
        assert!(e.ends_with("(good versions: 1.0, 1.1)"), "{e}");
    }
}

//! Opting in or out of automatic updates after the fact (`containers updates set`, chat's
//! `auto_update`): an app's services get the label `tuxpilot.auto-update` in a new version
//! (a rolling update with the same images, in the app's history); a plain container or a
//! compose service's container is recreated with the label (labels cannot change in place).

use std::time::Duration;

use serde::Serialize;
use tuxpilot_docker::Engine;

use super::log::TargetKind;
use super::policy::{self, AutoUpdate};
use crate::apps::Apps;
use crate::config::DeployOptions;
use crate::deploy::APP_LABEL;
use crate::error::{Error, Result};
use crate::result::DeploymentStatus;

/// What setting a policy will change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyPlan {
    /// App, compose service or container.
    pub kind: TargetKind,
    /// The app or compose project.
    pub app: Option<String>,
    /// The services of the app it applies to.
    pub services: Vec<String>,
    /// The containers recreated (plain containers and compose services).
    pub containers: Vec<String>,
    /// The policy set.
    pub policy: AutoUpdate,
    /// What will happen, in words.
    pub steps: Vec<String>,
}

const PROJECT_LABEL: &str = "com.docker.compose.project";
const SERVICE_LABEL: &str = "com.docker.compose.service";

/// Works out what `name` is (`APP`, `APP/SERVICE`, a service name unique among the apps, or a
/// container; `container` forces the last) and what setting `policy` on it does.
pub async fn plan(
    engine: &dyn Engine,
    apps: &Apps,
    name: &str,
    container: bool,
    policy: AutoUpdate,
) -> Result<PolicyPlan> {
    let app_plan = |app: String, services: Vec<String>| {
        let steps = vec![format!(
            "app {app}: a new version with the label {}={policy} on {} (a rolling update; the images stay)",
            policy::LABEL,
            services.join(", ")
        )];
        PolicyPlan { kind: TargetKind::App, app: Some(app), services, containers: Vec::new(), policy, steps }
    };
    if !container {
        let deployed = apps.deployments(None).await.unwrap_or_default();
        if let Some(d) = deployed.iter().find(|d| d.name == name) {
            return Ok(app_plan(d.name.clone(), d.services.iter().map(|s| s.service.clone()).collect()));
        }
        let (app, service) = match name.split_once('/') {
            Some((a, s)) => (Some(a), s),
            None => (None, name),
        };
        if let Ok((app, service)) = apps.resolve_service(service, app).await {
            return Ok(app_plan(app, vec![service]));
        }
    }
    let c = engine.inspect_container(name).await?;
    if let (Some(app), Some(service)) = (c.labels.get(APP_LABEL), c.labels.get(SERVICE_LABEL)) {
        return Ok(app_plan(app.clone(), vec![service.clone()]));
    }
    let (kind, app, note) = match c.labels.get(PROJECT_LABEL) {
        Some(p) => (
            TargetKind::Compose,
            Some(p.clone()),
            "; add the label to the service in the compose file too, or the next `compose up` drops it".to_string(),
        ),
        None => (TargetKind::Container, None, String::new()),
    };
    let steps = vec![format!(
        "recreate container {} with the label {}={policy} (same image and settings; a fixed host port has a short gap){note}",
        c.name,
        policy::LABEL
    )];
    Ok(PolicyPlan {
        kind,
        app,
        services: c.labels.get(SERVICE_LABEL).cloned().into_iter().collect(),
        containers: vec![c.name],
        policy,
        steps,
    })
}

/// Carries out `plan`; returns what was done.
pub async fn apply(engine: &dyn Engine, apps: &Apps, plan: &PolicyPlan, health_timeout: Duration) -> Result<String> {
    let value = plan.policy.as_str().to_string();
    if plan.kind == TargetKind::App {
        let Some(name) = &plan.app else { return Err(Error::NotFound("an app plan without its app".into())) };
        let last = super::apply::last_good(apps, name).await?;
        let mut project = crate::records::project_of(&last)?;
        let mut changed = false;
        for s in &plan.services {
            let Some(svc) = project.services.get_mut(s.as_str()) else {
                return Err(Error::NotFound(format!("app {name} has no service {s}")));
            };
            if svc.labels.get(policy::LABEL).and_then(|v| v.as_deref()) != Some(value.as_str()) {
                svc.labels.insert(policy::LABEL.to_string(), Some(value.clone()));
                changed = true;
            }
        }
        if !changed {
            return Ok(format!("app {name}: {} already {value}", plan.services.join(", ")));
        }
        let loaded = super::apply::next_app(&last, project);
        let r = apps.deploy(&loaded, &DeployOptions::default(), None).await?;
        if r.status != DeploymentStatus::Success {
            return Err(Error::Update(format!(
                "app {name}: version {} ended {}; {} serves",
                loaded.version,
                r.status.as_str(),
                r.version
            )));
        }
        return Ok(format!(
            "app {name}: {} set to auto_update {value} (version {}); the app file keeps the old setting until you add `auto_update: {value}` to it",
            plan.services.join(", "),
            loaded.version
        ));
    }
    let labels = [(policy::LABEL.to_string(), value.clone())];
    for c in &plan.containers {
        let d = engine.inspect_container(c).await?;
        super::apply::locked(apps, c, super::apply::recreate(engine, health_timeout, &d.id, &d.image, &labels))
            .await
            .map_err(|m| Error::Update(format!("container {c}: {m}; it runs as before")))?;
    }
    Ok(format!("{} set to auto_update {value}", plan.containers.join(", ")))
}

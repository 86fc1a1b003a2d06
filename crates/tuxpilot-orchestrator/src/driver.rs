//! The one deploy driver, for both backends: gate → lock → record → rollout → verify →
//! rollback → history. A backend ([`Deployer`]) says only how to stage a version, what it would
//! change, how to apply it, and how to take back a first deploy that failed; the policy around
//! it (the security gate, the app's lock and a deployment slot, the history record, the
//! deployment timeout, returning to the last good version, what a result says) lives here once.

use std::path::{Path, PathBuf};

use chrono::Utc;
use tuxpilot_compose::Project;
use tuxpilot_compose::runtime::{ProgressEvent, ProgressFn};
use tuxpilot_docker::Engine;
use tuxpilot_security::SecurityConfig;

use crate::config::{DeployOptions, OrchestrationConfig};
use crate::error::{Error, Result};
use crate::load::LoadedApp;
use crate::replicas::Failure;
use crate::result::{DeploymentResult, DeploymentStatus};
use crate::rollout::{RolloutPlan, ServiceAction};
use crate::spec::FailureAction;
use crate::store::{DeploymentRecord, Outcome, Store};

/// One attempt's identity.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub id: String,
    pub name: String,
    pub version: String,
}

impl Attempt {
    /// A new attempt at `version` of app `name`.
    pub fn new(name: &str, version: &str) -> Self {
        Self { id: new_deployment_id(), name: name.to_string(), version: version.to_string() }
    }
}

pub(crate) fn new_deployment_id() -> String {
    let ms = Utc::now().timestamp_millis();
    format!("{ms:x}{:04x}", std::process::id() & 0xffff)
}

/// Where a version's files are: the app file and its directory.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub dir: PathBuf,
    pub file: PathBuf,
}

impl Source {
    /// The source of a recorded version (its file's directory).
    pub fn of_record(record: &DeploymentRecord) -> Self {
        let file = PathBuf::from(&record.file);
        Self { dir: file.parent().map(Path::to_path_buf).unwrap_or_default(), file }
    }
}

/// How applying a staged version ended.
pub(crate) enum Applied {
    /// Converged.
    Done,
    /// Stopped on a failure: what the services' policy says to do, and what this attempt
    /// created (for taking back a first deploy).
    Failed { failure: Failure, action: FailureAction, created: Vec<String> },
}

/// What the driver reads of a backend: its engine, history store and settings.
pub(crate) struct Parts<'a> {
    pub engine: &'a dyn Engine,
    pub store: &'a Store,
    pub config: &'a OrchestrationConfig,
    pub progress: &'a ProgressFn,
    pub security: &'a SecurityConfig,
    /// How "no history" ends: ` on this swarm` for the swarm.
    pub place: &'static str,
}

/// A backend: the local engine or a swarm.
pub(crate) trait Deployer: Sync {
    /// A version ready to apply: converted, its files read; nothing created yet.
    type Staged: Send + Sync;

    /// Its engine, history store and settings.
    fn parts(&self) -> Parts<'_>;

    /// Fails unless the backend can take deployments (a swarm needs a manager).
    async fn ready(&self) -> Result<()>;
    /// Stages `project` for `attempt`.
    async fn stage(&self, project: &Project, attempt: &Attempt, source: &Source) -> Result<Self::Staged>;
    /// Notes the staging made (options a backend ignores).
    fn staged_notes(&self, staged: &Self::Staged) -> Vec<String>;
    /// Makes what the version needs besides its own objects ready before anything of the app
    /// changes (the local engine's managed-port proxy); nothing for a dry run.
    async fn prepare(&self, staged: &Self::Staged) -> Result<()>;
    /// The images the staged version starts, present where the gate scans them.
    async fn images(&self, staged: &Self::Staged) -> Result<Vec<String>>;
    /// What applying the staged version changes, against what runs and the last good record.
    async fn plan(&self, staged: &Self::Staged, previous: Option<&DeploymentRecord>) -> Result<RolloutPlan>;
    /// Applies it (`rollback`: returning to an earlier version, so nothing new is judged).
    async fn apply(
        &self,
        staged: &Self::Staged,
        plan: &RolloutPlan,
        previous: Option<&DeploymentRecord>,
        rollback: bool,
    ) -> Result<Applied>;
    /// Takes back what a failed first deploy created; returns notes saying what.
    async fn remove_created(&self, staged: &Self::Staged, attempt: &Attempt, created: &[String])
    -> Result<Vec<String>>;
    /// The app's containers (or tasks) now (`planned`: for a dry run's result).
    async fn containers(
        &self,
        staged: &Self::Staged,
        attempt: &Attempt,
        planned: bool,
    ) -> Result<Vec<crate::result::ContainerStatus>>;
    /// The app's network's name.
    fn network(&self, staged: &Self::Staged, attempt: &Attempt) -> String;
}

fn note(progress: &ProgressFn, name: &str, status: &'static str, message: String) {
    progress(ProgressEvent {
        kind: "Deployment",
        name: name.to_string(),
        status,
        elapsed_ms: None,
        message: Some(message),
    });
}

/// Every deployment attempt of `app`, oldest first.
pub(crate) async fn history<D: Deployer>(d: &D, app: &str) -> Result<Vec<DeploymentRecord>> {
    let records = d.parts().store.records(Some(app)).await?;
    if records.is_empty() {
        return Err(Error::NotFound(format!("no deployment history for app \"{app}\"{}", d.parts().place)));
    }
    Ok(records)
}

/// Deploys `app`: its services dependencies first, each health-gated; a failure follows the
/// services' `failure_action`.
pub(crate) async fn deploy<D: Deployer>(d: &D, app: &LoadedApp, options: &DeployOptions) -> Result<DeploymentResult> {
    d.ready().await?;
    let attempt = Attempt::new(&app.name, &app.version);
    let source = Source { dir: app.working_dir.clone(), file: app.file.clone() };
    let staged = d.stage(&app.project, &attempt, &source).await?;
    let mut notes = d.staged_notes(&staged);
    if options.dry_run {
        let previous = d.parts().store.last_good(&app.name).await?;
        let plan = d.plan(&staged, previous.as_ref()).await?;
        return result(d, &staged, &attempt, &attempt.version, DeploymentStatus::Planned, plan, None, notes).await;
    }
    // The gate runs before anything exists, so a blocked deploy leaves nothing behind.
    if crate::gate::active(d.parts().security, false) {
        let images = d.images(&staged).await?;
        for n in crate::gate::check(d.parts().engine, d.parts().security, &images, false, options.force).await? {
            if n.starts_with(crate::gate::FORCED) {
                note(d.parts().progress, &app.name, "Warning", n.clone());
            }
            notes.push(n);
        }
    }
    d.prepare(&staged).await?;
    locked(d, &attempt, &app.project, &staged, "deploy", &app.file.display().to_string(), notes).await
}

/// Returns `app` to version `to` (default: the last good version before the current), from the
/// history, any number of versions back. Images that ran before are not blocked by the gate;
/// one it would block now is named in a note.
pub(crate) async fn rollback<D: Deployer>(d: &D, app: &str, to: Option<&str>) -> Result<DeploymentResult> {
    d.ready().await?;
    let records = history(d, app).await?;
    let target = crate::records::rollback_target(app, &records, to)?;
    let project = crate::records::project_of(target)?;
    let attempt = Attempt::new(app, &target.version);
    let staged = d.stage(&project, &attempt, &Source::of_record(target)).await?;
    let mut notes = d.staged_notes(&staged);
    d.prepare(&staged).await?;
    if d.parts().security.scan_images {
        let images = d.images(&staged).await?;
        notes.extend(crate::gate::restore_warnings(d.parts().engine, d.parts().security, &images).await);
    }
    locked(d, &attempt, &project, &staged, "rollback", &target.file, notes).await
}

/// Under the app's lock and a deployment slot.
async fn locked<D: Deployer>(
    d: &D,
    attempt: &Attempt,
    project: &Project,
    staged: &D::Staged,
    kind: &str,
    file: &str,
    notes: Vec<String>,
) -> Result<DeploymentResult> {
    let guard = d.parts().store.lock_for(&attempt.name, d.parts().config, d.parts().progress).await?;
    let r = recorded(d, attempt, project, staged, kind, file, notes).await;
    d.parts().store.release(guard).await;
    r
}

/// Records the attempt, rolls it out within `deployment_timeout`, and on failure returns to the
/// last good version (or takes back a first deploy), then records how it ended.
async fn recorded<D: Deployer>(
    d: &D,
    attempt: &Attempt,
    project: &Project,
    staged: &D::Staged,
    kind: &str,
    file: &str,
    mut notes: Vec<String>,
) -> Result<DeploymentResult> {
    let previous = d.parts().store.last_good(&attempt.name).await?;
    let mut record = DeploymentRecord::starting(&attempt.id, &attempt.name, &attempt.version, kind, file, project)?;
    d.parts().store.begin(&mut record).await?;
    let plan = d.plan(staged, previous.as_ref()).await?;
    for s in plan.services() {
        if let Some(why) = &s.policy.order_forced
            && s.action == ServiceAction::Update
        {
            notes.push(format!("{}: {why}", s.service));
        }
    }
    let limit = d.parts().config.deployment_timeout.0;
    let applied = match tokio::time::timeout(limit, d.apply(staged, &plan, previous.as_ref(), false)).await {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            // The engine went away: the record stays pending and reads `interrupted`, and the
            // next run converges. Any other refusal (a port taken, an image missing) is recorded
            // as a failure, and a first deploy takes back what it made, as when a replica fails.
            if !e.is_unavailable() {
                if previous.is_none() {
                    match d.remove_created(staged, attempt, &[]).await {
                        // The output says what was taken back (the error says why).
                        Ok(taken) => {
                            for n in taken {
                                note(d.parts().progress, &attempt.name, "Taken back", n);
                            }
                        }
                        Err(left) => {
                            note(
                                d.parts().progress,
                                &attempt.name,
                                "Left behind",
                                format!("could not take back what the failed first deploy created: {left}"),
                            );
                        }
                    }
                }
                record.end(Outcome::Failed, Some(e.to_string()));
                let _ = d.parts().store.finish(&record).await;
            }
            return Err(e);
        }
        Err(_) => Applied::Failed {
            failure: Failure::deployment_timeout(limit),
            action: FailureAction::Rollback,
            created: Vec::new(),
        },
    };
    let (outcome, version, failure) = match applied {
        Applied::Done => (Outcome::Success, attempt.version.clone(), None),
        Applied::Failed { failure, action: FailureAction::Pause, .. } => {
            (Outcome::Paused, attempt.version.clone(), Some(failure))
        }
        Applied::Failed { failure, created, .. } => match &previous {
            Some(prev) => {
                note(
                    d.parts().progress,
                    &attempt.name,
                    "Rolling back",
                    format!("returning {} to version {}", attempt.name, prev.version),
                );
                let prev_project = crate::records::project_of(prev)?;
                let back =
                    Attempt { id: attempt.id.clone(), name: attempt.name.clone(), version: prev.version.clone() };
                let staged_back = d.stage(&prev_project, &back, &Source::of_record(prev)).await?;
                let plan_back = d.plan(&staged_back, Some(prev)).await?;
                match d.apply(&staged_back, &plan_back, Some(prev), true).await? {
                    Applied::Done => (Outcome::RolledBack, prev.version.clone(), Some(failure)),
                    Applied::Failed { failure: again, .. } => {
                        notes.push(format!("the rollback failed too: {again}"));
                        (Outcome::Failed, attempt.version.clone(), Some(failure))
                    }
                }
            }
            None => {
                notes.extend(d.remove_created(staged, attempt, &created).await?);
                (Outcome::Failed, attempt.version.clone(), Some(failure))
            }
        },
    };
    record.end(outcome, failure.as_ref().map(|f| f.to_string()));
    d.parts().store.finish(&record).await?;
    result(d, staged, attempt, &version, outcome.into(), plan, failure, notes).await
}

/// What a deployment did.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn result<D: Deployer>(
    d: &D,
    staged: &D::Staged,
    attempt: &Attempt,
    version: &str,
    status: DeploymentStatus,
    plan: RolloutPlan,
    failure: Option<Failure>,
    notes: Vec<String>,
) -> Result<DeploymentResult> {
    let containers = d.containers(staged, attempt, status == DeploymentStatus::Planned).await?;
    let changes = plan
        .services()
        .filter(|s| s.action != ServiceAction::Unchanged)
        .map(|s| {
            let a =
                serde_json::to_value(s.action).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            (s.service.clone(), a)
        })
        .collect();
    Ok(DeploymentResult {
        deployment_id: attempt.id.clone(),
        name: attempt.name.clone(),
        version: version.to_string(),
        requested_version: attempt.version.clone(),
        status,
        containers,
        network: d.network(staged, attempt),
        changes,
        failure,
        notes,
        plan,
    })
}

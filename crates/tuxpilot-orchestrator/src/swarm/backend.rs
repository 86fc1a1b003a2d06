//! The swarm as a backend of the one deploy driver ([`crate::driver`]).

use tuxpilot_compose::Project;

use super::apply::Applied;
use super::converge::Converged;
use super::convert;
use super::orchestrator::{Prepared, SwarmOrchestrator};
use crate::driver::{self, Attempt, Deployer, Parts, Source};
use crate::error::Result;
use crate::replicas::Failure;
use crate::result::ContainerStatus;
use crate::rollout::RolloutPlan;
use crate::spec::FailureAction;
use crate::store::DeploymentRecord;

/// A swarm as a backend of the one deploy driver: a version is staged as a converted stack with
/// its secrets' and configs' data read; applying it updates the services wave by wave.
impl Deployer for SwarmOrchestrator {
    type Staged = Prepared;

    fn parts(&self) -> Parts<'_> {
        Parts {
            engine: self.engine.as_ref(),
            store: &self.store,
            config: &self.config,
            progress: &self.progress,
            security: &self.security,
            place: " on this swarm",
        }
    }

    async fn ready(&self) -> Result<()> {
        self.manager().await
    }

    async fn stage(&self, project: &Project, attempt: &Attempt, source: &Source) -> Result<Prepared> {
        self.prepare(project, &attempt.version, &attempt.id, &source.dir)
    }

    async fn prepare(&self, _: &Prepared) -> Result<()> {
        Ok(())
    }

    fn staged_notes(&self, prepared: &Prepared) -> Vec<String> {
        prepared.stack.warnings.clone()
    }

    async fn images(&self, prepared: &Prepared) -> Result<Vec<String>> {
        Ok(prepared.stack.services.values().map(|s| s.image.clone()).collect())
    }

    async fn plan(&self, prepared: &Prepared, previous: Option<&DeploymentRecord>) -> Result<RolloutPlan> {
        let prev_project = previous.and_then(|r| crate::records::project_of(r).ok());
        Ok(self.plan_against(&prepared.stack, prev_project.as_ref()).await?.2)
    }

    async fn apply(
        &self,
        prepared: &Prepared,
        _plan: &RolloutPlan,
        previous: Option<&DeploymentRecord>,
        _rollback: bool,
    ) -> Result<driver::Applied> {
        let prev_project = previous.and_then(|r| crate::records::project_of(r).ok());
        let existing = self.services_of(&prepared.stack.name).await?;
        let actions = self.actions(&prepared.stack, &existing, prev_project.as_ref());
        Ok(match self.apply(prepared, actions, &existing).await? {
            Applied::Done => driver::Applied::Done,
            Applied::Stopped { how, created } => {
                let (failure, action) = match how {
                    Converged::Paused(f) => (f, FailureAction::Pause),
                    Converged::RolledBack(f) | Converged::Failed(f) => (f, FailureAction::Rollback),
                    Converged::Done => (
                        Failure {
                            service: String::new(),
                            container: String::new(),
                            reason: "stopped".into(),
                            health_log: Vec::new(),
                            logs: Vec::new(),
                        },
                        FailureAction::Rollback,
                    ),
                };
                driver::Applied::Failed { failure, action, created }
            }
        })
    }

    async fn remove_created(&self, _: &Prepared, attempt: &Attempt, created: &[String]) -> Result<Vec<String>> {
        let mut notes = Vec::new();
        let mut removed = self.remove_services(&attempt.name, created).await?;
        if self.services_of(&attempt.name).await?.is_empty() {
            let (gone, left) = self.remove_stack_objects(&attempt.name).await?;
            removed.extend(gone);
            notes.extend(left.into_iter().map(|l| format!("left: {l}")));
        }
        notes.push(if removed.is_empty() {
            "no earlier version to return to".to_string()
        } else {
            format!("no earlier version to return to: removed what this deployment created: {}", removed.join(", "))
        });
        Ok(notes)
    }

    async fn containers(&self, _: &Prepared, attempt: &Attempt, planned: bool) -> Result<Vec<ContainerStatus>> {
        if planned { Ok(Vec::new()) } else { self.tasks_of(&attempt.name).await }
    }

    fn network(&self, _: &Prepared, attempt: &Attempt) -> String {
        convert::network_name(&Project { name: attempt.name.clone(), ..Default::default() }, "default")
    }
}

//! Observing what the engine has for a project: its containers, networks and volumes, the
//! services a command acts on, and the `up` plan computed from them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tuxpilot_docker::{ContainerState, ContainerSummary, Filters, ListContainersOptions, LogOptions};

use super::{ComposeRuntime, Observed, ObservedContainer, Plan, RunError, UpOptions, labels, plan_up};

impl ComposeRuntime {
    pub(crate) fn project_filter(&self) -> Filters {
        Filters::new().label(format!("{}={}", labels::PROJECT, self.project.name))
    }

    /// Every container of the project (one-off ones too), stopped ones included.
    pub async fn containers(&self, all: bool) -> Result<Vec<ContainerSummary>, RunError> {
        Ok(self.engine.list_containers(ListContainersOptions { all, filters: self.project_filter() }).await?)
    }

    /// What the engine has for the project.
    pub async fn observe(&self) -> Result<Observed, RunError> {
        let filter = self.project_filter();
        let (containers, networks, volumes) = tokio::try_join!(
            self.engine.list_containers(ListContainersOptions { all: true, filters: filter.clone() }),
            self.engine.list_networks(Filters::new()),
            self.engine.list_volumes(Filters::new()),
        )?;
        Ok(Observed {
            containers: containers
                .into_iter()
                .filter(|c| c.labels.get(labels::ONEOFF).is_none_or(|v| v != "True"))
                .map(|c| ObservedContainer {
                    number: c.labels.get(labels::NUMBER).and_then(|n| n.parse().ok()).unwrap_or(0),
                    service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
                    config_hash: c.labels.get(labels::CONFIG_HASH).cloned().unwrap_or_default(),
                    image: c.labels.get(labels::IMAGE).cloned().unwrap_or_default(),
                    running: matches!(
                        c.state,
                        ContainerState::Running | ContainerState::Restarting | ContainerState::Paused
                    ),
                    id: c.id,
                    name: c.name,
                })
                .collect(),
            networks: networks.into_iter().map(|n| n.name).collect(),
            volumes: volumes.into_iter().map(|v| v.name).collect(),
        })
    }

    /// The services to act on: `requested` (all when empty) plus, unless `no_deps`, what they
    /// depend on.
    pub fn selection(&self, requested: &[String], no_deps: bool) -> Result<BTreeSet<String>, RunError> {
        if requested.is_empty() {
            return Ok(self.project.services.keys().cloned().collect());
        }
        let mut out = BTreeSet::new();
        let mut todo: Vec<String> = requested.to_vec();
        while let Some(s) = todo.pop() {
            let svc = self.project.services.get(&s).ok_or_else(|| RunError::NoSuchService(s.clone()))?;
            if out.insert(s.clone()) && !no_deps {
                todo.extend(svc.depends_on.keys().filter(|d| self.project.services.contains_key(*d)).cloned());
            }
        }
        Ok(out)
    }

    /// Plans `up` without doing anything.
    pub async fn plan(&self, options: &UpOptions) -> Result<Plan, RunError> {
        let selected = self.selection(&options.services, options.no_deps)?;
        let hashes: BTreeMap<String, String> = selected
            .iter()
            .filter_map(|s| self.project.services.get(s).map(|svc| (s.clone(), crate::service_hash(svc))))
            .collect();
        let observed = self.observe().await?;
        let mut plan_options = options.plan.clone();
        for s in &selected {
            if plan_options.images.contains_key(s) {
                continue;
            }
            if let Ok(image) = self.engine.inspect_image(&self.image_of(s)).await {
                plan_options.images.insert(s.clone(), image.id);
            }
        }
        Ok(plan_up(&self.project, &selected, &hashes, &observed, &plan_options))
    }

    /// The service's replicas (one-off containers excluded), stopped ones included.
    pub async fn service_containers(&self, service: &str) -> Result<Vec<ContainerSummary>, RunError> {
        let filters = self
            .project_filter()
            .label(format!("{}={service}", labels::SERVICE))
            .label(format!("{}=False", labels::ONEOFF));
        Ok(self.engine.list_containers(ListContainersOptions { all: true, filters }).await?)
    }

    /// Replica `index` of `service` (one-off containers excluded) that `wanted` accepts, if any.
    pub async fn replica(
        &self,
        service: &str,
        index: u32,
        wanted: impl Fn(&ContainerSummary) -> bool,
    ) -> Result<Option<ContainerSummary>, RunError> {
        Ok(self
            .service_containers(service)
            .await?
            .into_iter()
            .find(|c| c.labels.get(labels::NUMBER).and_then(|n| n.parse::<u32>().ok()) == Some(index) && wanted(c)))
    }

    /// The last ten log lines of a container (empty when they cannot be read within 5 s).
    pub async fn last_logs(&self, id: &str) -> Vec<String> {
        use futures_util::StreamExt;
        let stream = self.engine.logs(id, LogOptions { tail: Some(10), ..Default::default() });
        let chunks: Vec<_> =
            tokio::time::timeout(Duration::from_secs(5), stream.collect::<Vec<_>>()).await.unwrap_or_default();
        chunks.into_iter().filter_map(Result::ok).map(|c| c.message.trim_end().to_string()).collect()
    }
}

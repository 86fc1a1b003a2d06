//! Collecting samples of every running container at once (bounded concurrency).

use futures_util::StreamExt;
use tuxpilot_docker::{ContainerState, Engine, EngineError, Filters, ListContainersOptions};

use crate::metrics::{Metrics, metrics};

/// One sample of every running container matching `filters`, taken concurrently with at most
/// `concurrency` requests in flight. Containers that stop or vanish during the sweep are left
/// out rather than failing it.
pub async fn snapshot(engine: &dyn Engine, filters: Filters, concurrency: usize) -> Result<Vec<Metrics>, EngineError> {
    let containers = engine.list_containers(ListContainersOptions { all: false, filters }).await?;
    let ids: Vec<(String, String)> =
        containers.into_iter().filter(|c| c.state == ContainerState::Running).map(|c| (c.id, c.name)).collect();
    let results: Vec<Result<Option<Metrics>, EngineError>> = futures_util::stream::iter(ids)
        .map(|(id, name)| async move {
            match engine.stats_once(&id).await {
                Ok(mut s) => {
                    if s.name.is_empty() {
                        s.name = name;
                    }
                    Ok(Some(metrics(&s)))
                }
                Err(e) if e.is_not_found() || e.is_conflict() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out = Vec::new();
    for r in results {
        if let Some(m) = r? {
            out.push(m);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

//! Watching a service converge: judged from the service's `UpdateStatus` and its tasks, as
//! `docker service update --detach=false` judges it, never from an exit code; and unlike Swarm,
//! a service whose tasks make no progress for `health_check_timeout` fails with the task's error
//! instead of waiting for ever.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tuxpilot_docker::{Filters, NodeInfo, Swarm, TaskInfo, UpdateStatus};

use crate::replicas::Failure;

/// How often the engine is asked.
const POLL: Duration = Duration::from_millis(250);

/// How a service's change ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Converged {
    /// Every replica runs the new spec (healthy, when it has a health check).
    Done,
    /// Swarm rolled the update back by itself (`rollback_completed`).
    RolledBack(Failure),
    /// The update paused on a failure (`paused`), or a rollback did (`rollback_paused`).
    Paused(Failure),
    /// No progress within the timeout, or a failure Swarm did not act on.
    Failed(Failure),
}

/// What the service looked like before the change.
#[derive(Debug, Clone, Default)]
pub(crate) struct Before {
    /// Its update status (a status that is still this one is not ours).
    pub update_status: Option<UpdateStatus>,
}

fn is_new(now: Option<&UpdateStatus>, before: Option<&UpdateStatus>) -> Option<UpdateStatus> {
    let now = now?;
    match before {
        Some(b) if b.started_at == now.started_at && b.state == now.state => None,
        Some(b) if b.started_at == now.started_at && b.started_at.is_some() => {
            // The same update moving on (updating → completed) after we read it.
            Some(now.clone())
        }
        _ => Some(now.clone()),
    }
}

/// The nodes the scheduler can count on: ready ones, by id, with their hostnames.
pub(crate) fn ready_nodes(nodes: &[NodeInfo]) -> BTreeMap<String, String> {
    nodes.iter().filter(|n| n.state == "ready").map(|n| (n.id.clone(), n.hostname.clone())).collect()
}

/// The newest task that says why it is not running, as one line.
fn why_not_running(service: &str, tasks: &[TaskInfo], hostnames: &BTreeMap<String, String>) -> Failure {
    let mut sorted: Vec<&TaskInfo> = tasks.iter().filter(|t| t.state != "running").collect();
    sorted.sort_by(|a, b| b.status_timestamp.cmp(&a.status_timestamp));
    let pick = sorted.iter().find(|t| !t.error.is_empty()).or_else(|| sorted.first()).copied();
    let reason = match pick {
        Some(t) => {
            let node = hostnames.get(&t.node_id).map(|h| format!(" on {h}")).unwrap_or_default();
            let why = if t.error.is_empty() { t.message.clone() } else { t.error.clone() };
            format!("its task{node} is {}: {why}", t.state)
        }
        None => "no task reached running".to_string(),
    };
    Failure {
        service: service.to_string(),
        container: pick
            .map(|t| match t.slot {
                Some(s) => format!("{service}.{s}"),
                None => t.id.clone(),
            })
            .unwrap_or_default(),
        reason,
        health_log: Vec::new(),
        logs: Vec::new(),
    }
}

/// Tasks of the current spec wanted running on ready nodes, and every task wanted running.
async fn running(
    swarm: &dyn Swarm,
    service_id: &str,
) -> tuxpilot_docker::Result<(Vec<TaskInfo>, BTreeMap<String, String>)> {
    // `_up-to-date` is docker CLI's own (undocumented) filter: tasks of the current spec.
    let f = Filters::new().with("service", service_id).with("desired-state", "running").with("_up-to-date", "true");
    let tasks = swarm.list_tasks(f).await?;
    let nodes = ready_nodes(&swarm.list_nodes().await?);
    Ok((tasks, nodes))
}

/// Waits until service `id` (`name` for messages) runs `replicas` replicas of its current spec
/// (`None`: a global service, one per eligible node), its update (when it started one) ended,
/// and none of it failed. Fails when nothing moves for `stall`.
pub(crate) async fn wait(
    swarm: &dyn Swarm,
    id: &str,
    name: &str,
    replicas: Option<u64>,
    before: &Before,
    stall: Duration,
) -> tuxpilot_docker::Result<Converged> {
    let mut last_progress = Instant::now();
    let mut marker: Option<(usize, String)> = None;
    let mut why_rolled_back: Option<String> = None;
    loop {
        let info = swarm.inspect_service(id).await?;
        let ours = is_new(info.update_status.as_ref(), before.update_status.as_ref());
        let (current, hostnames) = running(swarm, id).await?;
        if let Some(u) = &ours {
            if u.state == "rollback_started" {
                why_rolled_back = Some(u.message.clone());
            }
            if matches!(u.state.as_str(), "rollback_completed" | "paused" | "rollback_paused") {
                let every = swarm.list_tasks(Filters::new().with("service", id)).await?;
                let task = why_not_running(name, &every, &hostnames);
                let said = why_rolled_back.as_deref().unwrap_or(&u.message);
                let f = Failure {
                    reason: match u.state.as_str() {
                        "rollback_completed" => {
                            format!("failed its update, and Swarm rolled it back ({said}): {}", task.reason)
                        }
                        "paused" => format!("failed its update, and Swarm paused it ({}): {}", u.message, task.reason),
                        _ => format!("failed its rollback too, and Swarm paused it ({}): {}", u.message, task.reason),
                    },
                    ..task
                };
                return Ok(if u.state == "rollback_completed" {
                    Converged::RolledBack(f)
                } else {
                    Converged::Paused(f)
                });
            }
        }
        let live: Vec<&TaskInfo> =
            current.iter().filter(|t| t.state == "running" && hostnames.contains_key(&t.node_id)).collect();
        // Old tasks still running (told to stop, within their grace period) count as not done:
        // when we say converged, the old version no longer serves.
        let all = swarm.list_tasks(Filters::new().with("service", id)).await?;
        let stale = all
            .iter()
            .filter(|t| !current.iter().any(|c| c.id == t.id))
            .filter(|t| t.desired_state == "running" || t.state == "running")
            // A node that is down reports nothing: its tasks are not waited for.
            .filter(|t| t.node_id.is_empty() || hostnames.contains_key(&t.node_id))
            .count();
        let updating = ours.as_ref().is_some_and(|u| u.state == "updating" || u.state == "rollback_started");
        let want = replicas.map(|r| usize::try_from(r).unwrap_or(usize::MAX));
        let enough = match want {
            Some(n) => live.len() == n && current.len() == n,
            None => !current.is_empty() && live.len() == current.len(),
        };
        if enough && stale == 0 && !updating {
            return Ok(Converged::Done);
        }
        let now = (live.len(), ours.as_ref().map(|u| format!("{}:{}", u.state, u.message)).unwrap_or_default());
        if marker.as_ref() != Some(&now) {
            marker = Some(now);
            last_progress = Instant::now();
        } else if last_progress.elapsed() >= stall {
            let every = swarm.list_tasks(Filters::new().with("service", id)).await?;
            let mut f = why_not_running(name, &every, &hostnames);
            f.reason = format!("did not converge: {} (nothing moved for {}s)", f.reason, stall.as_secs());
            return Ok(Converged::Failed(f));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until every task labelled with stack `app` is in a terminal state (its container has
/// stopped), as `docker stack rm` waits, up to `limit`; true when they all are. A removed
/// service's tasks stay listable by label until they end.
pub(crate) async fn wait_stopped(
    swarm: &dyn Swarm,
    app: &str,
    service_ids: &[String],
    limit: Duration,
) -> tuxpilot_docker::Result<bool> {
    let services = service_ids;
    let start = Instant::now();
    let filter = Filters::new().label(format!("{}={app}", super::convert::NAMESPACE_LABEL));
    loop {
        let tasks = swarm.list_tasks(filter.clone()).await?;
        let live = tasks.iter().filter(|t| {
            !matches!(t.state.as_str(), "complete" | "shutdown" | "failed" | "rejected" | "orphaned" | "remove")
                && (services.is_empty() || services.contains(&t.service_id))
        });
        if live.count() == 0 {
            return Ok(true);
        }
        if start.elapsed() >= limit {
            return Ok(false);
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: &str, started: &str) -> UpdateStatus {
        UpdateStatus {
            state: state.into(),
            message: String::new(),
            started_at: Some(started.into()),
            completed_at: None,
        }
    }

    #[test]
    fn an_earlier_update_status_is_not_ours() {
        let old = status("rollback_completed", "t1");
        assert!(is_new(Some(&old), Some(&old)).is_none());
        assert!(is_new(Some(&status("updating", "t2")), Some(&old)).is_some());
        assert!(is_new(Some(&status("completed", "t1")), Some(&status("updating", "t1"))).is_some());
        assert!(is_new(None, Some(&old)).is_none());
    }
}

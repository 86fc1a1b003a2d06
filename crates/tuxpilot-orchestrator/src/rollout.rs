//! The rollout planner: a pure function from the wanted project and what the engine has to what a
//! deployment does, service by service, in dependency waves. It also repairs what an interrupted
//! deployment left (a replacement under its temporary name, two containers for one replica).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use tuxpilot_compose::Project;
use tuxpilot_compose::runtime::container_name;

use crate::spec::{FailureAction, UpdateOrder};

/// One replica container the engine has: the compose planner's view of it.
pub use tuxpilot_compose::runtime::ObservedContainer as Replica;

/// How one service's replicas are replaced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// Replicas at once (0 = all).
    pub parallelism: u32,
    /// Order.
    pub order: UpdateOrder,
    /// Why the order is not the one asked for (fixed host ports force stop-first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_forced: Option<String>,
    /// Pause between batches.
    #[serde(with = "millis")]
    pub delay: Duration,
    /// How long a replica without health check must keep running.
    #[serde(with = "millis")]
    pub monitor: Duration,
    /// What a failure does.
    pub failure_action: FailureAction,
    /// Failures tolerated, as a share of the replicas updated.
    pub max_failure_ratio: f64,
}

mod millis {
    pub fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// What happens to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceAction {
    /// Not on the engine yet: create every replica.
    Create,
    /// Its configuration changed: rolling update.
    Update,
    /// Same configuration, other replica count (or stopped replicas to start).
    Scale,
    /// Nothing to do.
    Unchanged,
    /// No longer in the app: removed.
    Remove,
}

impl ServiceAction {
    /// As written in JSON: `create`, `update`, `scale`, `unchanged`, `remove`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Scale => "scale",
            Self::Unchanged => "unchanged",
            Self::Remove => "remove",
        }
    }
}

/// The plan of one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServicePlan {
    /// Service.
    pub service: String,
    /// What happens.
    pub action: ServiceAction,
    /// Replicas after the deployment.
    pub desired: u32,
    /// Replicas before.
    pub current: u32,
    /// Replicas of an old configuration, replaced in `batches`.
    pub replace: Vec<Replica>,
    /// Batches of indexes into `replace`.
    pub batches: Vec<Vec<usize>>,
    /// Stopped replicas of the current configuration, started.
    pub start: Vec<Replica>,
    /// Replicas over the desired count, removed (highest numbers first).
    pub remove: Vec<Replica>,
    /// Replica numbers created.
    pub create: Vec<u32>,
    /// The update policy.
    pub policy: Policy,
}

/// Leftovers of an interrupted deployment, fixed first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Repairs {
    /// Duplicates for one replica number (an unfinished replacement), removed.
    pub remove: Vec<Replica>,
    /// Replacements that lost their old replica but kept the temporary name: renamed.
    pub rename: Vec<(Replica, String)>,
}

/// What a deployment does.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RolloutPlan {
    /// Repairs, done first.
    pub repairs: Repairs,
    /// Services in dependency waves: every service of a wave depends only on earlier waves.
    pub waves: Vec<Vec<ServicePlan>>,
    /// Services no longer in the app.
    pub removed: Vec<ServicePlan>,
}

impl RolloutPlan {
    /// Every service plan, in order.
    pub fn services(&self) -> impl Iterator<Item = &ServicePlan> {
        self.waves.iter().flatten().chain(self.removed.iter())
    }

    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.repairs.remove.is_empty()
            && self.repairs.rename.is_empty()
            && self.services().all(|s| s.action == ServiceAction::Unchanged)
    }
}

/// Inputs beyond the project.
#[derive(Debug, Clone, Default)]
pub struct PlanInputs {
    /// Config hash per service of the wanted project.
    pub hashes: BTreeMap<String, String>,
    /// The replica count of each service in the last deployed spec: when the new spec asks
    /// for the same, a `scale` done since is kept.
    pub previous_replicas: BTreeMap<String, u32>,
}

/// The policy of `service`: its `deploy.update_config` over TuxPilot's defaults (parallelism 1,
/// start-first, monitor 5s, failure_action rollback).
pub fn policy(project: &Project, service: &str) -> Policy {
    let s = project.services.get(service);
    let u = s.and_then(|s| s.deploy.as_ref()).and_then(|d| d.update_config.as_ref());
    let mut order = match u.and_then(|u| u.order.as_deref()) {
        Some("stop-first") => UpdateOrder::StopFirst,
        _ => UpdateOrder::StartFirst,
    };
    let mut order_forced = None;
    let fixed: Vec<String> = s
        .map(|s| s.ports.iter().filter_map(|p| p.published.clone()).filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    if order == UpdateOrder::StartFirst && !fixed.is_empty() {
        order = UpdateOrder::StopFirst;
        order_forced =
            Some(format!("stop-first: host port {} can only be bound by one replica at a time", fixed.join(", ")));
    }
    let named = s.is_some_and(|s| s.container_name.is_some());
    if order == UpdateOrder::StartFirst && named {
        order = UpdateOrder::StopFirst;
        order_forced = Some("stop-first: container_name fixes the container's name".into());
    }
    Policy {
        parallelism: u.and_then(|u| u.parallelism).map(|p| u32::try_from(p.max(0)).unwrap_or(u32::MAX)).unwrap_or(1),
        order,
        order_forced,
        delay: u.and_then(|u| u.delay).map(|d| d.0).unwrap_or_default(),
        monitor: u.and_then(|u| u.monitor).map(|d| d.0).unwrap_or(Duration::from_secs(5)),
        failure_action: match u.and_then(|u| u.failure_action.as_deref()) {
            Some("pause") => FailureAction::Pause,
            Some("continue") => FailureAction::Continue,
            _ => FailureAction::Rollback,
        },
        max_failure_ratio: u.and_then(|u| u.max_failure_ratio).unwrap_or(0.0),
    }
}

/// The services in dependency waves.
pub fn waves(project: &Project) -> Vec<Vec<String>> {
    let mut level: BTreeMap<&str, usize> = BTreeMap::new();
    fn depth<'a>(
        p: &'a Project,
        s: &'a str,
        level: &mut BTreeMap<&'a str, usize>,
        seen: &mut BTreeSet<&'a str>,
    ) -> usize {
        if let Some(l) = level.get(s) {
            return *l;
        }
        // A cycle is refused by validation; here it only must not recurse forever.
        if !seen.insert(s) {
            return 0;
        }
        let l = p
            .services
            .get(s)
            .map(|svc| {
                svc.depends_on
                    .keys()
                    .filter(|d| p.services.contains_key(d.as_str()))
                    .map(|d| depth(p, d, level, seen) + 1)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        level.insert(s, l);
        l
    }
    for s in project.services.keys() {
        depth(project, s, &mut level, &mut BTreeSet::new());
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for (s, l) in level {
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        out[l].push(s.to_string());
    }
    out
}

/// Plans a deployment of `project` over `observed` (the app's replica containers).
pub fn plan(project: &Project, observed: &[Replica], inputs: &PlanInputs) -> RolloutPlan {
    let mut out = RolloutPlan::default();
    let mut by_service: BTreeMap<&str, Vec<&Replica>> = BTreeMap::new();
    for r in observed {
        by_service.entry(r.service.as_str()).or_default().push(r);
    }
    let proper = |r: &Replica| {
        let svc = project.services.get(&r.service);
        match svc {
            Some(s) => r.name == container_name(&project.name, &r.service, s, r.number),
            None => r.name == format!("{}-{}-{}", project.name, r.service, r.number),
        }
    };
    // One container per replica number: the properly named one wins; a lone replacement under its
    // temporary name gets the proper name back.
    let mut current: BTreeMap<&str, Vec<Replica>> = BTreeMap::new();
    for (service, mut reps) in by_service {
        reps.sort_by_key(|r| (r.number, !proper(r), !r.running));
        let mut kept: Vec<Replica> = Vec::new();
        for r in reps {
            if kept.last().is_some_and(|k| k.number == r.number) {
                out.repairs.remove.push(r.clone());
                continue;
            }
            let mut r = r.clone();
            if !proper(&r)
                && let Some(s) = project.services.get(service)
            {
                let name = container_name(&project.name, service, s, r.number);
                out.repairs.rename.push((r.clone(), name.clone()));
                r.name = name;
            }
            kept.push(r);
        }
        current.insert(service, kept);
    }

    for wave in waves(project) {
        let mut plans = Vec::new();
        for service in wave {
            let Some(svc) = project.services.get(&service) else { continue };
            let existing = current.remove(service.as_str()).unwrap_or_default();
            let spec_replicas = u32::try_from(svc.replicas().max(0)).unwrap_or(1);
            let now = existing.len() as u32;
            let desired = match inputs.previous_replicas.get(&service) {
                Some(prev) if *prev == spec_replicas && now > 0 => now,
                _ => spec_replicas,
            };
            let hash = inputs.hashes.get(&service).cloned().unwrap_or_default();
            let policy = policy(project, &service);
            let keep = existing.len().min(desired as usize);
            let remove: Vec<Replica> = existing.iter().skip(keep).rev().cloned().collect();
            let replace: Vec<Replica> = existing.iter().take(keep).filter(|r| r.config_hash != hash).cloned().collect();
            let start: Vec<Replica> =
                existing.iter().take(keep).filter(|r| r.config_hash == hash && !r.running).cloned().collect();
            let highest = existing.iter().map(|r| r.number).max().unwrap_or(0);
            let create: Vec<u32> = (highest + 1..=highest + (desired as usize).saturating_sub(keep) as u32).collect();
            let step = if policy.parallelism == 0 { replace.len().max(1) } else { policy.parallelism as usize };
            let batches: Vec<Vec<usize>> =
                (0..replace.len()).collect::<Vec<_>>().chunks(step).map(<[usize]>::to_vec).collect();
            let action = if existing.is_empty() && !create.is_empty() {
                ServiceAction::Create
            } else if !replace.is_empty() {
                ServiceAction::Update
            } else if !remove.is_empty() || !create.is_empty() || !start.is_empty() {
                ServiceAction::Scale
            } else {
                ServiceAction::Unchanged
            };
            plans.push(ServicePlan {
                service,
                action,
                desired,
                current: now,
                replace,
                batches,
                start,
                remove,
                create,
                policy,
            });
        }
        out.waves.push(plans);
    }
    for (service, reps) in current {
        out.removed.push(ServicePlan {
            service: service.to_string(),
            action: ServiceAction::Remove,
            desired: 0,
            current: reps.len() as u32,
            replace: Vec::new(),
            batches: Vec::new(),
            start: Vec::new(),
            remove: reps,
            create: Vec::new(),
            policy: policy(project, service),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tuxpilot_compose::{Dependency, Deploy, Service};

    fn project() -> Project {
        let mut p = Project { name: "shop".into(), ..Default::default() };
        for (s, n) in [("db", 1), ("api", 2), ("web", 1)] {
            let svc = Service {
                image: Some(format!("{s}:1")),
                deploy: Some(Deploy { replicas: Some(n), ..Default::default() }),
                ..Default::default()
            };
            p.services.insert(s.into(), svc);
        }
        p.services.get_mut("api").unwrap().depends_on.insert("db".into(), Dependency::started());
        p.services.get_mut("web").unwrap().depends_on.insert("api".into(), Dependency::started());
        p
    }

    fn r(service: &str, n: u32, hash: &str) -> Replica {
        Replica {
            id: format!("{service}{n}{hash}"),
            name: format!("shop-{service}-{n}"),
            service: service.into(),
            number: n,
            config_hash: hash.into(),
            image: String::new(),
            running: true,
        }
    }

    fn inputs() -> PlanInputs {
        PlanInputs {
            hashes: [("db", "h"), ("api", "h"), ("web", "h")].into_iter().map(|(a, b)| (a.into(), b.into())).collect(),
            previous_replicas: BTreeMap::new(),
        }
    }

    #[test]
    fn waves_follow_dependencies() {
        assert_eq!(waves(&project()), vec![vec!["db".to_string()], vec!["api".into()], vec!["web".into()]]);
    }

    #[test]
    fn first_deploy_creates_everything_in_order() {
        let plan = plan(&project(), &[], &inputs());
        let order: Vec<(&str, ServiceAction, usize)> =
            plan.services().map(|s| (s.service.as_str(), s.action, s.create.len())).collect();
        assert_eq!(
            order,
            vec![
                ("db", ServiceAction::Create, 1),
                ("api", ServiceAction::Create, 2),
                ("web", ServiceAction::Create, 1)
            ]
        );
    }

    #[test]
    fn only_changed_services_update_in_batches() {
        let observed = vec![r("db", 1, "h"), r("api", 1, "old"), r("api", 2, "old"), r("web", 1, "h")];
        let plan = plan(&project(), &observed, &inputs());
        let api = plan.services().find(|s| s.service == "api").unwrap();
        assert_eq!(api.action, ServiceAction::Update);
        assert_eq!(api.batches, vec![vec![0], vec![1]]);
        assert!(plan.services().filter(|s| s.service != "api").all(|s| s.action == ServiceAction::Unchanged));
    }

    #[test]
    fn a_scale_persists_when_the_spec_keeps_its_replica_count() {
        let observed = vec![r("db", 1, "h"), r("api", 1, "h"), r("api", 2, "h"), r("api", 3, "h"), r("web", 1, "h")];
        let mut i = inputs();
        i.previous_replicas.insert("api".into(), 2);
        let p = plan(&project(), &observed, &i);
        assert!(p.is_empty(), "{p:?}");
        i.previous_replicas.insert("api".into(), 5);
        let p = plan(&project(), &observed, &i);
        let api = p.services().find(|s| s.service == "api").unwrap();
        assert_eq!((api.action, api.remove.len(), api.remove[0].number), (ServiceAction::Scale, 1, 3));
    }

    #[test]
    fn an_interrupted_update_is_repaired() {
        let mut temp = r("api", 1, "h");
        temp.name = "shop-api-1-tp1234".into();
        let mut lone = r("api", 2, "h");
        lone.name = "shop-api-2-tp1234".into();
        let observed = vec![r("db", 1, "h"), r("api", 1, "old"), temp.clone(), lone.clone(), r("web", 1, "h")];
        let p = plan(&project(), &observed, &inputs());
        assert_eq!(p.repairs.remove, vec![temp]);
        assert_eq!(p.repairs.rename, vec![(lone, "shop-api-2".to_string())]);
        let api = p.services().find(|s| s.service == "api").unwrap();
        assert_eq!(api.replace.len(), 1);
        assert_eq!(api.replace[0].number, 1);
    }

    #[test]
    fn fixed_host_ports_force_stop_first() {
        let mut p = project();
        p.services.get_mut("web").unwrap().ports.push(tuxpilot_compose::PortConfig {
            name: None,
            mode: "ingress".into(),
            host_ip: None,
            target: 80,
            published: Some("8080".into()),
            protocol: "tcp".into(),
            app_protocol: None,
        });
        let pol = policy(&p, "web");
        assert_eq!(pol.order, UpdateOrder::StopFirst);
        assert!(pol.order_forced.unwrap().contains("8080"));
        assert_eq!(policy(&p, "api").order, UpdateOrder::StartFirst);
    }

    #[test]
    fn removed_services_are_listed() {
        let observed = vec![r("old", 1, "x")];
        let p = plan(&project(), &observed, &inputs());
        assert_eq!(p.removed.len(), 1);
        assert_eq!(p.removed[0].action, ServiceAction::Remove);
    }
}

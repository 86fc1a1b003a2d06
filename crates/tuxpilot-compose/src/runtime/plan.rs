//! The planner: a pure function from the project and what the engine has under the project's
//! label to the actions `up` must take. No engine calls here.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::Project;

/// A container the engine has for this project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedContainer {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `com.docker.compose.service`.
    pub service: String,
    /// `com.docker.compose.container-number` (0 when missing).
    pub number: u32,
    /// `com.docker.compose.config-hash`.
    pub config_hash: String,
    /// `com.docker.compose.image`: the id of the image it was created from (empty when missing).
    pub image: String,
    /// Running (or restarting/paused): it needs no start.
    pub running: bool,
}

/// What the engine has for the project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// Non-one-off containers.
    pub containers: Vec<ObservedContainer>,
    /// Existing network names.
    pub networks: BTreeSet<String>,
    /// Existing volume names.
    pub volumes: BTreeSet<String>,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Create a network.
    CreateNetwork {
        /// Key in the file.
        key: String,
        /// Engine name.
        name: String,
    },
    /// Create a volume.
    CreateVolume {
        /// Key in the file.
        key: String,
        /// Engine name.
        name: String,
    },
    /// Create and start replica `number`.
    Create {
        /// Service.
        service: String,
        /// Replica number.
        number: u32,
    },
    /// Replace a container whose configuration changed.
    Recreate {
        /// Service.
        service: String,
        /// Replica number.
        number: u32,
        /// The container replaced.
        id: String,
        /// Its name.
        name: String,
    },
    /// Start an existing, stopped container.
    Start {
        /// Service.
        service: String,
        /// Container id.
        id: String,
        /// Its name.
        name: String,
    },
    /// Stop a container, to be started again later in the plan (a dependent whose
    /// `depends_on.<dependency>.restart` is true, while the dependency is recreated).
    Stop {
        /// Service.
        service: String,
        /// Container id.
        id: String,
        /// Its name.
        name: String,
    },
    /// Stop and remove a container (scale down, orphan).
    Remove {
        /// Service.
        service: String,
        /// Container id.
        id: String,
        /// Its name.
        name: String,
    },
}

/// `up` options that change the plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Replicas per service overriding the file (`--scale`).
    pub scale: BTreeMap<String, u32>,
    /// Recreate even when unchanged.
    pub force_recreate: bool,
    /// Never recreate.
    pub no_recreate: bool,
    /// Remove containers of services no longer in the file.
    pub remove_orphans: bool,
    /// The id of each service's image now (after pulls and builds): a container made from
    /// another image is recreated, as compose's `up` does after `--build` or a pull. A service
    /// missing here, or a container without the label, is compared by config alone.
    pub images: BTreeMap<String, String>,
}

/// What `up` will do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Networks and volumes to create first.
    pub resources: Vec<Action>,
    /// Per service, its actions (in order).
    pub services: BTreeMap<String, Vec<Action>>,
    /// Containers stopped before any service's actions: dependents (with `restart: true`) of a
    /// service being recreated; their service's actions start them again.
    pub dependents_stopped: Vec<Action>,
    /// Orphans removed (with `remove_orphans`).
    pub orphans: Vec<Action>,
    /// Orphans left alone, by name (for the warning).
    pub orphans_kept: Vec<String>,
}

impl Plan {
    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
            && self.services.values().all(Vec::is_empty)
            && self.orphans.is_empty()
            && self.dependents_stopped.is_empty()
    }
}

/// Plans `up` of `selected` services (with their config hashes) against `observed`.
pub fn plan_up(
    project: &Project,
    selected: &BTreeSet<String>,
    hashes: &BTreeMap<String, String>,
    observed: &Observed,
    options: &PlanOptions,
) -> Plan {
    let mut plan = Plan::default();
    // Networks and volumes used by the selected services.
    let mut networks = BTreeSet::new();
    let mut volumes = BTreeSet::new();
    for name in selected {
        let Some(s) = project.services.get(name) else { continue };
        if s.network_mode.is_none() {
            networks.extend(s.networks.keys().cloned());
        }
        for v in &s.volumes {
            if v.kind == "volume"
                && let Some(src) = &v.source
            {
                volumes.insert(src.clone());
            }
        }
    }
    for key in networks {
        if let Some(n) = project.networks.get(&key)
            && n.external != Some(true)
        {
            let name = n.name.clone().unwrap_or_else(|| format!("{}_{key}", project.name));
            if !observed.networks.contains(&name) {
                plan.resources.push(Action::CreateNetwork { key, name });
            }
        }
    }
    for key in volumes {
        if let Some(v) = project.volumes.get(&key)
            && v.external != Some(true)
        {
            let name = v.name.clone().unwrap_or_else(|| format!("{}_{key}", project.name));
            if !observed.volumes.contains(&name) {
                plan.resources.push(Action::CreateVolume { key, name });
            }
        }
    }

    for name in selected {
        let Some(service) = project.services.get(name) else { continue };
        let wanted =
            options.scale.get(name).copied().unwrap_or_else(|| u32::try_from(service.replicas().max(0)).unwrap_or(1));
        let hash = hashes.get(name).cloned().unwrap_or_default();
        let mut existing: Vec<&ObservedContainer> = observed.containers.iter().filter(|c| &c.service == name).collect();
        existing.sort_by_key(|c| c.number);
        let mut actions = Vec::new();
        // An interrupted recreate can leave two containers with one number (the replacement
        // still under its temporary name): keep the one with the proper name, remove the other.
        let proper =
            |c: &ObservedContainer| c.name == super::spec::container_name(&project.name, name, service, c.number);
        let mut deduped: Vec<&ObservedContainer> = Vec::with_capacity(existing.len());
        for c in existing {
            match deduped.last() {
                Some(prev) if prev.number == c.number => {
                    let (keep_c, drop_c) = if proper(c) && !proper(prev) { (c, *prev) } else { (*prev, c) };
                    actions.push(Action::Remove {
                        service: name.clone(),
                        id: drop_c.id.clone(),
                        name: drop_c.name.clone(),
                    });
                    if let Some(last) = deduped.last_mut() {
                        *last = keep_c;
                    }
                }
                _ => deduped.push(c),
            }
        }
        let existing = deduped;
        // Scale down: highest numbers go first.
        let keep = existing.len().min(wanted as usize);
        for c in existing.iter().skip(keep).rev() {
            actions.push(Action::Remove { service: name.clone(), id: c.id.clone(), name: c.name.clone() });
        }
        for c in existing.iter().take(keep) {
            let image_changed =
                options.images.get(name).is_some_and(|now| !c.image.is_empty() && !now.is_empty() && *now != c.image);
            let changed = c.config_hash != hash || image_changed;
            if options.force_recreate || (changed && !options.no_recreate) {
                actions.push(Action::Recreate {
                    service: name.clone(),
                    number: c.number,
                    id: c.id.clone(),
                    name: c.name.clone(),
                });
            } else if !c.running {
                actions.push(Action::Start { service: name.clone(), id: c.id.clone(), name: c.name.clone() });
            }
        }
        // Scale up: numbers after the highest in use.
        let highest = existing.iter().map(|c| c.number).max().unwrap_or(0);
        let missing = (wanted as usize).saturating_sub(keep) as u32;
        for number in highest + 1..=highest + missing {
            actions.push(Action::Create { service: name.clone(), number });
        }
        plan.services.insert(name.clone(), actions);
    }

    restart_dependents(project, observed, &mut plan);

    let known: BTreeSet<&String> = project.services.keys().chain(project.disabled_services.keys()).collect();
    for c in &observed.containers {
        if !known.contains(&c.service) {
            if options.remove_orphans {
                plan.orphans.push(Action::Remove {
                    service: c.service.clone(),
                    id: c.id.clone(),
                    name: c.name.clone(),
                });
            } else {
                plan.orphans_kept.push(c.name.clone());
            }
        }
    }
    plan
}

/// As compose: the running containers of a service that depends on a recreated one with
/// `restart: true` are stopped first and started again after it (unless they are themselves
/// recreated or removed).
fn restart_dependents(project: &Project, observed: &Observed, plan: &mut Plan) {
    let recreated: BTreeSet<String> = plan
        .services
        .iter()
        .filter(|(_, actions)| actions.iter().any(|a| matches!(a, Action::Recreate { .. })))
        .map(|(s, _)| s.clone())
        .collect();
    if recreated.is_empty() {
        return;
    }
    let mut stops = Vec::new();
    for (name, actions) in plan.services.iter_mut() {
        let Some(service) = project.services.get(name) else { continue };
        if !service.depends_on.iter().any(|(d, dep)| dep.restart == Some(true) && recreated.contains(d)) {
            continue;
        }
        let touched: BTreeSet<String> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Recreate { id, .. } | Action::Remove { id, .. } | Action::Start { id, .. } => Some(id.clone()),
                _ => None,
            })
            .collect();
        for c in observed.containers.iter().filter(|c| &c.service == name && c.running && !touched.contains(&c.id)) {
            stops.push(Action::Stop { service: name.clone(), id: c.id.clone(), name: c.name.clone() });
            actions.push(Action::Start { service: name.clone(), id: c.id.clone(), name: c.name.clone() });
        }
    }
    plan.dependents_stopped = stops;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NetworkConfig, Service};

    fn project() -> Project {
        let mut p = Project { name: "shop".into(), ..Default::default() };
        for s in ["web", "db"] {
            let mut svc = Service { image: Some(format!("{s}:1")), ..Default::default() };
            svc.networks.insert("default".into(), None);
            p.services.insert(s.into(), svc);
        }
        p.networks.insert("default".into(), NetworkConfig { name: Some("shop_default".into()), ..Default::default() });
        p
    }

    fn c(service: &str, n: u32, hash: &str, running: bool) -> ObservedContainer {
        ObservedContainer {
            id: format!("{service}{n}"),
            name: format!("shop-{service}-{n}"),
            service: service.into(),
            number: n,
            config_hash: hash.into(),
            image: "sha256:old".into(),
            running,
        }
    }

    fn all(p: &Project) -> BTreeSet<String> {
        p.services.keys().cloned().collect()
    }

    fn hashes() -> BTreeMap<String, String> {
        BTreeMap::from([("web".into(), "h1".into()), ("db".into(), "h2".into())])
    }

    #[test]
    fn fresh_project_creates_everything() {
        let p = project();
        let plan = plan_up(&p, &all(&p), &hashes(), &Observed::default(), &PlanOptions::default());
        assert_eq!(plan.resources, vec![Action::CreateNetwork { key: "default".into(), name: "shop_default".into() }]);
        assert_eq!(plan.services["web"], vec![Action::Create { service: "web".into(), number: 1 }]);
    }

    #[test]
    fn unchanged_running_project_plans_nothing() {
        let p = project();
        let observed = Observed {
            containers: vec![c("web", 1, "h1", true), c("db", 1, "h2", true)],
            networks: ["shop_default".to_string()].into(),
            volumes: BTreeSet::new(),
        };
        assert!(plan_up(&p, &all(&p), &hashes(), &observed, &PlanOptions::default()).is_empty());
        // The same image as the containers': still nothing.
        let same = PlanOptions { images: [("web".to_string(), "sha256:old".to_string())].into(), ..Default::default() };
        assert!(plan_up(&p, &all(&p), &hashes(), &observed, &same).is_empty());
    }

    #[test]
    fn a_new_image_recreates_its_service_as_compose_does() {
        let p = project();
        let observed = Observed {
            containers: vec![c("web", 1, "h1", true), c("db", 1, "h2", true)],
            networks: ["shop_default".to_string()].into(),
            volumes: BTreeSet::new(),
        };
        let rebuilt =
            PlanOptions { images: [("web".to_string(), "sha256:new".to_string())].into(), ..Default::default() };
        let plan = plan_up(&p, &all(&p), &hashes(), &observed, &rebuilt);
        assert!(matches!(plan.services["web"][0], Action::Recreate { number: 1, .. }), "{plan:?}");
        assert!(plan.services["db"].is_empty());
        let kept = PlanOptions { no_recreate: true, ..rebuilt };
        assert!(plan_up(&p, &all(&p), &hashes(), &observed, &kept).services["web"].is_empty());
    }

    #[test]
    fn changed_hash_recreates_only_that_service_and_stopped_ones_start() {
        let p = project();
        let observed = Observed {
            containers: vec![c("web", 1, "old", true), c("db", 1, "h2", false)],
            networks: ["shop_default".to_string()].into(),
            volumes: BTreeSet::new(),
        };
        let plan = plan_up(&p, &all(&p), &hashes(), &observed, &PlanOptions::default());
        assert!(matches!(plan.services["web"][0], Action::Recreate { number: 1, .. }));
        assert!(matches!(plan.services["db"][0], Action::Start { .. }));
        let plan =
            plan_up(&p, &all(&p), &hashes(), &observed, &PlanOptions { no_recreate: true, ..Default::default() });
        assert!(plan.services["web"].is_empty());
    }

    #[test]
    fn a_recreated_dependency_stops_and_restarts_dependents_that_ask_for_it() {
        let mut p = project();
        let dep = |restart: bool| crate::model::Dependency {
            condition: "service_started".into(),
            restart: restart.then_some(true),
            required: true,
        };
        p.services.get_mut("web").unwrap().depends_on.insert("db".into(), dep(true));
        let mut worker = p.services["web"].clone();
        worker.depends_on.insert("db".into(), dep(false));
        p.services.insert("worker".into(), worker);
        let mut hashes = hashes();
        hashes.insert("worker".into(), "h1".into());
        let observed = Observed {
            containers: vec![c("web", 1, "h1", true), c("db", 1, "old", true), c("worker", 1, "h1", true)],
            networks: ["shop_default".to_string()].into(),
            volumes: BTreeSet::new(),
        };
        let plan = plan_up(&p, &all(&p), &hashes, &observed, &PlanOptions::default());
        let web = c("web", 1, "h1", true);
        assert_eq!(
            plan.dependents_stopped,
            vec![Action::Stop { service: "web".into(), id: web.id.clone(), name: web.name.clone() }]
        );
        assert_eq!(plan.services["web"], vec![Action::Start { service: "web".into(), id: web.id, name: web.name }]);
        assert!(plan.services["worker"].is_empty(), "without restart: true, a dependent is left running");
        // Nothing recreated: nothing restarted.
        let observed = Observed {
            containers: vec![c("web", 1, "h1", true), c("db", 1, "h2", true), c("worker", 1, "h1", true)],
            ..observed
        };
        assert!(plan_up(&p, &all(&p), &hashes, &observed, &PlanOptions::default()).is_empty());
    }

    #[test]
    fn scaling_up_numbers_after_the_highest_and_down_removes_highest_first() {
        let p = project();
        let observed =
            Observed { containers: vec![c("web", 1, "h1", true), c("web", 2, "h1", true)], ..Default::default() };
        let up = plan_up(
            &p,
            &["web".to_string()].into(),
            &hashes(),
            &observed,
            &PlanOptions { scale: [("web".into(), 4)].into(), ..Default::default() },
        );
        assert_eq!(
            up.services["web"],
            vec![
                Action::Create { service: "web".into(), number: 3 },
                Action::Create { service: "web".into(), number: 4 }
            ]
        );
        let observed = Observed {
            containers: vec![c("web", 1, "h1", true), c("web", 2, "h1", true), c("web", 3, "h1", true)],
            ..Default::default()
        };
        let down = plan_up(
            &p,
            &["web".to_string()].into(),
            &hashes(),
            &observed,
            &PlanOptions { scale: [("web".into(), 1)].into(), ..Default::default() },
        );
        let removed: Vec<&str> = down.services["web"]
            .iter()
            .filter_map(|a| match a {
                Action::Remove { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(removed, vec!["shop-web-3", "shop-web-2"]);
    }

    #[test]
    fn an_interrupted_recreate_leaves_one_container_per_number() {
        let p = project();
        let mut temp = c("web", 1, "h1", false);
        temp.name = "0123456789ab_shop-web-1".into();
        temp.id = "new".into();
        let observed = Observed { containers: vec![c("web", 1, "old", true), temp], ..Default::default() };
        let plan = plan_up(&p, &["web".to_string()].into(), &hashes(), &observed, &PlanOptions::default());
        let a = &plan.services["web"];
        assert!(matches!(&a[0], Action::Remove { id, .. } if id == "new"), "{a:?}");
        assert!(matches!(&a[1], Action::Recreate { id, .. } if id == "web1"), "{a:?}");
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn orphans_are_removed_only_when_asked() {
        let p = project();
        let observed = Observed { containers: vec![c("old", 1, "x", true)], ..Default::default() };
        let plan = plan_up(&p, &all(&p), &hashes(), &observed, &PlanOptions::default());
        assert!(plan.orphans.is_empty());
        assert_eq!(plan.orphans_kept, vec!["shop-old-1"]);
        let plan =
            plan_up(&p, &all(&p), &hashes(), &observed, &PlanOptions { remove_orphans: true, ..Default::default() });
        assert_eq!(plan.orphans.len(), 1);
    }
}

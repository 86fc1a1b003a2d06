//! What a target names on the engine: one container, every replica of a service
//! (`PROJECT/SERVICE`, `APP/SERVICE`), every container of a project or app, or `all` but some.
//! TuxPilot's own containers (deployment locks, probes, the proxy) are never among them.

use tuxpilot_docker::{ContainerState, ContainerSummary, ListContainersOptions};
use tuxpilot_orchestrator::prune::is_own;

use crate::error::ExecError;
use crate::exec::Executor;
use crate::intent::{Intent, InvalidIntent, LifecycleArgs};

const PROJECT: &str = "com.docker.compose.project";
const SERVICE: &str = "com.docker.compose.service";

/// The containers a name stands for, in name order: empty when nothing here has that name.
pub(crate) fn expand(name: &str, list: &[ContainerSummary]) -> Vec<String> {
    let label = |c: &ContainerSummary, k: &str| c.labels.get(k).cloned().unwrap_or_default();
    let mut out: Vec<String> = if let Some((project, service)) = name.split_once('/') {
        list.iter().filter(|c| label(c, PROJECT) == project && label(c, SERVICE) == service).map(short_name).collect()
    } else if let Some(c) = list.iter().find(|c| short_name(c) == name) {
        vec![short_name(c)]
    } else {
        let by_id: Vec<String> = if name.len() >= 4 && name.chars().all(|c| c.is_ascii_hexdigit()) {
            list.iter().filter(|c| c.id.starts_with(name)).map(short_name).collect()
        } else {
            Vec::new()
        };
        if by_id.len() == 1 {
            by_id
        } else {
            list.iter().filter(|c| label(c, PROJECT) == name).map(short_name).collect()
        }
    };
    out.sort_by_key(|a| natural(a));
    out
}

fn short_name(c: &ContainerSummary) -> String {
    c.name.trim_start_matches('/').to_string()
}

/// `shop-web-10` after `shop-web-9`.
fn natural(name: &str) -> (String, u64) {
    match name.rsplit_once(['-', '_']) {
        Some((stem, n)) if n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() => {
            (stem.to_string(), n.parse().unwrap_or(u64::MAX))
        }
        _ => (name.to_string(), 0),
    }
}

impl Executor {
    /// Every container but TuxPilot's own.
    pub(crate) async fn user_containers(&self) -> Result<Vec<ContainerSummary>, ExecError> {
        let list = self.engine.list_containers(ListContainersOptions { all: true, ..Default::default() }).await?;
        Ok(list.into_iter().filter(|c| !is_own(&c.labels)).collect())
    }

    /// The containers a `start`, `stop`, `restart` or `remove` acts on. `all` is every running
    /// container (every stopped one for `start`) but those `except` names; a name in `except`
    /// that matches nothing is an error, so that a typo never widens the change.
    pub(crate) async fn lifecycle_names(&self, intent: &Intent, a: &LifecycleArgs) -> Result<Vec<String>, ExecError> {
        let list = self.user_containers().await?;
        let mut out: Vec<String> = Vec::new();
        if a.target == "all" {
            let mut kept: Vec<String> = Vec::new();
            for n in a.excepted() {
                let found = expand(n, &list);
                if found.is_empty() {
                    return Err(InvalidIntent(format!(
                        "except: nothing here is named `{n}` (a container, PROJECT/SERVICE or a project); nothing \
                         was changed"
                    ))
                    .into());
                }
                kept.extend(found);
            }
            let starting = matches!(intent, Intent::Start(_));
            for c in &list {
                let running = matches!(c.state, ContainerState::Running | ContainerState::Restarting);
                let wanted = if starting {
                    matches!(c.state, ContainerState::Exited | ContainerState::Created)
                } else {
                    running
                };
                let name = short_name(c);
                if wanted && !kept.contains(&name) {
                    out.push(name);
                }
            }
            out.sort_by_key(|a| natural(a));
        } else {
            for n in a.names() {
                let found = expand(&n, &list);
                if found.is_empty() {
                    if n.contains('/') {
                        return Err(InvalidIntent(format!("no container of service `{n}` here")).into());
                    }
                    // Not here: the engine says so, in its words, when it is inspected.
                    self.engine.inspect_container(&n).await?;
                    out.push(n);
                } else {
                    out.extend(found);
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        out.retain(|n| seen.insert(n.clone()));
        Ok(out)
    }

    /// The containers a read (`logs`, `inspect`, `diagnose`) is about: the one named, or every
    /// replica of a service. A name the engine does not have is kept, so the engine's own
    /// "no such container" is the answer.
    pub(crate) async fn read_names(&self, target: &str) -> Result<Vec<String>, ExecError> {
        let found = expand(target, &self.user_containers().await?);
        Ok(if found.is_empty() { vec![target.to_string()] } else { found })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, project: &str, service: &str) -> ContainerSummary {
        let mut labels = std::collections::BTreeMap::new();
        if !project.is_empty() {
            labels.insert(PROJECT.to_string(), project.to_string());
            labels.insert(SERVICE.to_string(), service.to_string());
        }
        ContainerSummary {
            id: format!("{:0>12}", name.len()),
            name: format!("/{name}"),
            image: String::new(),
            image_id: String::new(),
            command: String::new(),
            created: chrono::DateTime::default(),
            state: ContainerState::Running,
            status: String::new(),
            ports: vec![],
            labels,
            mounts: vec![],
            networks: Default::default(),
        }
    }

    #[test]
    fn names_stand_for_containers_services_and_projects() {
        let list = vec![
            c("shop-web-10", "shop", "web"),
            c("shop-web-2", "shop", "web"),
            c("shop-db-1", "shop", "db"),
            c("blog-db-1", "blog", "db"),
            c("api", "", ""),
        ];
        assert_eq!(expand("shop/web", &list), ["shop-web-2", "shop-web-10"]);
        assert_eq!(expand("api", &list), ["api"]);
        assert_eq!(expand("blog", &list), ["blog-db-1"]);
        assert_eq!(expand("shop/cache", &list), Vec::<String>::new());
        assert_eq!(expand("nope", &list), Vec::<String>::new());
    }
}

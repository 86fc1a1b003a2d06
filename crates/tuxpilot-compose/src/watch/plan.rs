//! A batch of changed paths turned into what to do, per service (pure): a rebuild, or the files
//! to copy and remove and what follows (a restart, commands). A rebuild takes the place of a
//! service's syncs in the same batch, as compose's does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::rules::{Action, ExecHook, WatchRule};

/// A file or directory to bring in line with the host: copied when it exists there, removed in
/// the container when it does not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SyncPath {
    /// On the host.
    pub host: PathBuf,
    /// In the container (absolute).
    pub container: String,
}

/// What one service gets for a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// Build the image again and recreate the containers.
    Rebuild {
        /// The service.
        service: String,
    },
    /// Copy (or remove) paths, then restart and/or run commands.
    Sync {
        /// The service.
        service: String,
        /// The paths, each once.
        paths: Vec<SyncPath>,
        /// Restart the containers afterwards.
        restart: bool,
        /// Commands to run afterwards, in rule order.
        execs: Vec<ExecHook>,
    },
}

impl Task {
    /// The service the task is for.
    pub fn service(&self) -> &str {
        match self {
            Self::Rebuild { service } | Self::Sync { service, .. } => service,
        }
    }
}

/// The tasks for a batch of changed paths, one per service that any rule takes a path for, in
/// service-name order.
pub fn plan(rules: &[WatchRule], changed: &BTreeSet<PathBuf>) -> Vec<Task> {
    #[derive(Default)]
    struct Acc {
        rebuild: bool,
        paths: BTreeSet<SyncPath>,
        restart: bool,
        execs: Vec<ExecHook>,
        hit: bool,
    }
    let mut by_service: BTreeMap<&str, Acc> = BTreeMap::new();
    for rule in rules {
        let mut taken = false;
        for path in changed {
            let Some(rel) = rule.takes(path) else { continue };
            taken = true;
            if rule.action.syncs()
                && let Some(container) = rule.container_path(&rel)
            {
                by_service.entry(&rule.service).or_default().paths.insert(SyncPath { host: path.clone(), container });
            }
        }
        if !taken {
            continue;
        }
        let acc = by_service.entry(&rule.service).or_default();
        acc.hit = true;
        match rule.action {
            Action::Rebuild => acc.rebuild = true,
            Action::SyncRestart | Action::Restart => acc.restart = true,
            Action::SyncExec => acc.execs.extend(rule.exec.clone()),
            Action::Sync => {}
        }
    }
    by_service
        .into_iter()
        .filter(|(_, a)| a.hit)
        .map(|(service, a)| {
            if a.rebuild {
                Task::Rebuild { service: service.to_string() }
            } else {
                Task::Sync {
                    service: service.to_string(),
                    paths: drop_nested(a.paths),
                    restart: a.restart,
                    execs: a.execs,
                }
            }
        })
        .collect()
}

/// Paths under another path of the set are left out: copying the directory copies them.
fn drop_nested(paths: BTreeSet<SyncPath>) -> Vec<SyncPath> {
    let mut out: Vec<SyncPath> = Vec::new();
    for p in paths {
        let nested = out.iter().any(|kept| kept.host.is_dir() && p.host.starts_with(&kept.host) && p.host != kept.host);
        if !nested {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BuildConfig, Project, Service};

    fn rules_for(dir: &std::path::Path, watch: serde_json::Value) -> Vec<WatchRule> {
        let svc = Service {
            develop: Some(serde_json::json!({ "watch": watch })),
            build: Some(BuildConfig { context: Some(dir.to_string_lossy().into_owned()), ..Default::default() }),
            ..Default::default()
        };
        let mut p = Project::default();
        p.services.insert("web".into(), svc.clone());
        p.services.insert("api".into(), svc);
        super::super::rules::rules(&p, &[]).unwrap()
    }

    #[test]
    fn a_batch_becomes_one_task_per_service() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let root = dir.path().to_string_lossy().into_owned();
        let rules = rules_for(
            dir.path(),
            serde_json::json!([
                {"action": "sync+restart", "path": format!("{root}/src"), "target": "/app/src"},
                {"action": "sync+exec", "path": format!("{root}/src"), "target": "/app/src", "exec": {"command": ["touch", "/x"]}},
                {"action": "rebuild", "path": format!("{root}/Dockerfile")},
            ]),
        );
        let changed: BTreeSet<PathBuf> =
            [dir.path().join("src/a.py"), dir.path().join("src/b.py"), dir.path().join("README")].into();
        let tasks = plan(&rules, &changed);
        assert_eq!(tasks.len(), 2, "{tasks:?}");
        let Task::Sync { service, paths, restart, execs } = &tasks[0] else { panic!("{tasks:?}") };
        assert_eq!(service, "api");
        assert_eq!(paths.iter().map(|p| p.container.as_str()).collect::<Vec<_>>(), ["/app/src/a.py", "/app/src/b.py"]);
        assert!(*restart);
        assert_eq!(execs.len(), 1);
        // A Dockerfile change: a rebuild, which replaces the syncs of the same batch.
        let changed: BTreeSet<PathBuf> = [dir.path().join("src/a.py"), dir.path().join("Dockerfile")].into();
        assert_eq!(plan(&rules, &changed)[1], Task::Rebuild { service: "web".into() });
        // Nothing a rule takes: nothing to do.
        assert!(plan(&rules, &[dir.path().join("README")].into()).is_empty());
    }

    #[test]
    fn files_in_a_changed_directory_are_copied_with_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/new")).unwrap();
        let root = dir.path().to_string_lossy().into_owned();
        let rules = rules_for(dir.path(), serde_json::json!([{"action": "sync", "path": root, "target": "/app"}]));
        let changed: BTreeSet<PathBuf> = [dir.path().join("src/new"), dir.path().join("src/new/x.py")].into();
        let Task::Sync { paths, .. } = &plan(&rules, &changed)[0] else { panic!() };
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].container, "/app/src/new");
    }
}

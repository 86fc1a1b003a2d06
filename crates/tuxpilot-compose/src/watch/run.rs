//! The watcher (executor): file events from the `notify` crate, coalesced into batches, each
//! batch planned ([`super::plan`]) and carried out on the service's running containers through
//! the engine's archive and exec APIs. A failed task is reported and watching goes on.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::time::Instant;
use tuxpilot_docker::ExecSpec;

use super::plan::{SyncPath, Task, plan};
use super::rules::WatchRule;
use crate::runtime::{ComposeRuntime, UpOptions};

/// How changes are coalesced.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// A batch is carried out once no change has come for this long…
    pub quiet: Duration,
    /// …or this long after its first change, whichever is first.
    pub max_delay: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self { quiet: Duration::from_millis(300), max_delay: Duration::from_secs(1) }
    }
}

/// What the watcher did, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WatchEvent {
    /// Watching has begun.
    Enabled {
        /// The services watched.
        services: Vec<String>,
    },
    /// Files were copied into (or removed from) the service's running containers.
    Synced {
        /// The service.
        service: String,
        /// Paths copied.
        copied: usize,
        /// Paths removed.
        removed: usize,
        /// Containers updated.
        containers: usize,
        /// Whether this was a rule's `initial_sync`.
        initial: bool,
    },
    /// The service's containers were restarted.
    Restarted {
        /// The service.
        service: String,
    },
    /// A `sync+exec` command ran.
    Executed {
        /// The service.
        service: String,
        /// The container.
        container: String,
        /// The command.
        command: Vec<String>,
        /// Its exit code.
        exit_code: i64,
    },
    /// A rebuild began.
    Rebuilding {
        /// The service.
        service: String,
    },
    /// The image was rebuilt and the containers recreated.
    Rebuilt {
        /// The service.
        service: String,
        /// What the security gate said, if anything.
        notes: Vec<String>,
    },
    /// A task failed; watching goes on.
    Failed {
        /// The service.
        service: String,
        /// Why.
        message: String,
    },
    /// Something to know that stops nothing (a watcher error).
    Warning {
        /// What.
        message: String,
    },
}

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The file watcher could not be set up.
    #[error("cannot watch {path}: {message}")]
    Watcher {
        /// The path.
        path: String,
        /// The cause.
        message: String,
    },
}

/// The most files an `initial_sync` copies in one go.
const INITIAL_SYNC_LIMIT: usize = 100_000;

/// Watches `rules` until the returned future is dropped (the caller selects it against
/// Ctrl-C). `gate(service)` is asked after a rebuild's build and before its containers are
/// recreated (the security gate): `Err` stops that rebuild, `Ok(notes)` lets it go on.
pub async fn watch<R, G, Fut>(
    runtime: &ComposeRuntime,
    rules: Vec<WatchRule>,
    options: WatchOptions,
    mut report: R,
    gate: G,
) -> Result<(), WatchError>
where
    R: FnMut(WatchEvent),
    G: Fn(String) -> Fut,
    Fut: Future<Output = Result<Vec<String>, String>>,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<notify::Result<notify::Event>>(1024);
    let mut watcher = notify::recommended_watcher(move |res| {
        // notify's own thread, not the runtime's: a blocking send is allowed, and bounds memory.
        let _ = tx.blocking_send(res);
    })
    .map_err(|e| WatchError::Watcher { path: String::new(), message: e.to_string() })?;
    let mut roots: BTreeSet<(PathBuf, bool)> = BTreeSet::new();
    for r in &rules {
        if r.path.is_dir() {
            roots.insert((r.path.clone(), true));
        } else if let Some(parent) = r.path.parent() {
            // A file is watched through its directory: editors replace files rather than write them.
            roots.insert((parent.to_path_buf(), false));
        }
    }
    for (root, recursive) in &roots {
        let mode = if *recursive { RecursiveMode::Recursive } else { RecursiveMode::NonRecursive };
        watcher.watch(root, mode).map_err(|e| WatchError::Watcher {
            path: root.display().to_string(),
            message: format!("{e}; does the path exist?"),
        })?;
    }
    let services: BTreeSet<String> = rules.iter().map(|r| r.service.clone()).collect();
    report(WatchEvent::Enabled { services: services.into_iter().collect() });
    for task in initial_tasks(&rules) {
        run_task(runtime, task, true, &mut report, &gate).await;
    }
    let mut batch: BTreeSet<PathBuf> = BTreeSet::new();
    let (mut first, mut last) = (Instant::now(), Instant::now());
    loop {
        let deadline = (last + options.quiet).min(first + options.max_delay);
        let event = tokio::select! {
            e = rx.recv() => e,
            () = tokio::time::sleep_until(deadline), if !batch.is_empty() => {
                let changed = expand_dirs(std::mem::take(&mut batch));
                for task in plan(&rules, &changed) {
                    run_task(runtime, task, false, &mut report, &gate).await;
                }
                continue;
            }
        };
        match event {
            None => return Ok(()),
            Some(Err(e)) => report(WatchEvent::Warning { message: format!("file watcher: {e}") }),
            Some(Ok(e)) => {
                if matches!(e.kind, EventKind::Access(_)) {
                    continue;
                }
                let now = Instant::now();
                if batch.is_empty() {
                    first = now;
                }
                last = now;
                batch.extend(e.paths);
            }
        }
    }
}

/// Adds the files under `root` (or `root` itself, a file) to `out`, entering only the paths
/// `enter` accepts, until `out` holds [`INITIAL_SYNC_LIMIT`] files. Links are not followed.
fn add_files(root: PathBuf, enter: impl Fn(&Path) -> bool, out: &mut BTreeSet<PathBuf>) {
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        if out.len() >= INITIAL_SYNC_LIMIT {
            return;
        }
        if !enter(&p) {
            continue;
        }
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => {
                if let Ok(entries) = std::fs::read_dir(&p) {
                    stack.extend(entries.filter_map(Result::ok).map(|e| e.path()));
                }
            }
            Ok(_) => {
                out.insert(p);
            }
            Err(_) => {}
        }
    }
}

/// A changed directory stands for the files under it (a new directory's files may have come
/// before its watch did), so that each file meets the rules' `ignore` on its own. Other paths,
/// removed ones included, stay as they are.
fn expand_dirs(changed: BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for path in changed {
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            add_files(path, |_| true, &mut out);
        } else {
            out.insert(path);
        }
    }
    out
}

/// The syncs that rules with `initial_sync` ask for: every file they take under their path.
fn initial_tasks(rules: &[WatchRule]) -> Vec<Task> {
    let mut files = BTreeSet::new();
    for rule in rules.iter().filter(|r| r.initial_sync && r.action.syncs()) {
        add_files(rule.path.clone(), |p| rule.takes(p).is_some(), &mut files);
    }
    // Only the syncs: an initial sync restarts and runs nothing.
    plan(rules, &files)
        .into_iter()
        .filter_map(|t| match t {
            Task::Sync { service, paths, .. } => Some(Task::Sync { service, paths, restart: false, execs: vec![] }),
            Task::Rebuild { .. } => None,
        })
        .collect()
}

async fn run_task<R, G, Fut>(runtime: &ComposeRuntime, task: Task, initial: bool, report: &mut R, gate: &G)
where
    R: FnMut(WatchEvent),
    G: Fn(String) -> Fut,
    Fut: Future<Output = Result<Vec<String>, String>>,
{
    let service = task.service().to_string();
    let result = match task {
        Task::Rebuild { service } => rebuild(runtime, &service, report, gate).await,
        Task::Sync { service, paths, restart, execs } => {
            sync(runtime, &service, &paths, restart, &execs, initial, report).await
        }
    };
    if let Err(message) = result {
        report(WatchEvent::Failed { service, message });
    }
}

async fn rebuild<R, G, Fut>(runtime: &ComposeRuntime, service: &str, report: &mut R, gate: &G) -> Result<(), String>
where
    R: FnMut(WatchEvent),
    G: Fn(String) -> Fut,
    Fut: Future<Output = Result<Vec<String>, String>>,
{
    report(WatchEvent::Rebuilding { service: service.to_string() });
    let services = vec![service.to_string()];
    runtime.build(&services, false).await.map_err(|e| e.to_string())?;
    let notes = gate(service.to_string()).await?;
    // The new image is the change: its containers are recreated whatever their config says.
    let plan = crate::runtime::PlanOptions { force_recreate: true, ..Default::default() };
    runtime.up(&UpOptions { services, no_deps: true, plan, ..Default::default() }).await.map_err(|e| e.to_string())?;
    report(WatchEvent::Rebuilt { service: service.to_string(), notes });
    Ok(())
}

async fn sync<R: FnMut(WatchEvent)>(
    runtime: &ComposeRuntime,
    service: &str,
    paths: &[SyncPath],
    restart: bool,
    execs: &[super::rules::ExecHook],
    initial: bool,
    report: &mut R,
) -> Result<(), String> {
    let containers = runtime.replicas(&[service.to_string()], false).await.map_err(|e| e.to_string())?;
    let (present, gone): (Vec<&SyncPath>, Vec<&SyncPath>) =
        paths.iter().partition(|p| std::fs::symlink_metadata(&p.host).is_ok());
    let owned: Vec<SyncPath> = present.iter().map(|p| (*p).clone()).collect();
    let tar = tokio::task::spawn_blocking(move || tar_at_root(&owned))
        .await
        .map_err(|e| format!("building the archive stopped: {e}"))??;
    let engine = runtime.engine();
    for c in &containers {
        if !present.is_empty() {
            engine.upload_archive(&c.id, "/", tar.clone(), false).await.map_err(|e| e.to_string())?;
        }
        if !gone.is_empty() {
            let mut command = vec!["rm".to_string(), "-rf".into(), "--".into()];
            command.extend(gone.iter().map(|p| p.container.clone()));
            engine
                .exec(&c.id, ExecSpec { command, ..Default::default() })
                .await
                .map_err(|e| format!("removing {} deleted path(s) in {}: {e}", gone.len(), c.name))?;
        }
    }
    if !paths.is_empty() {
        report(WatchEvent::Synced {
            service: service.to_string(),
            copied: present.len(),
            removed: gone.len(),
            containers: containers.len(),
            initial,
        });
    }
    if restart {
        for c in &containers {
            engine.restart_container(&c.id, None).await.map_err(|e| e.to_string())?;
        }
        report(WatchEvent::Restarted { service: service.to_string() });
    }
    for hook in execs {
        for c in &containers {
            let spec = ExecSpec {
                command: hook.command.clone(),
                env: hook.environment.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                user: hook.user.clone(),
                working_dir: hook.working_dir.clone(),
                tty: false,
                privileged: hook.privileged,
            };
            let out = engine.exec(&c.id, spec).await.map_err(|e| e.to_string())?;
            report(WatchEvent::Executed {
                service: service.to_string(),
                container: c.name.clone(),
                command: hook.command.clone(),
                exit_code: out.exit_code,
            });
        }
    }
    Ok(())
}

/// One tar of every path, each entry named by its container path (relative to `/`), to upload
/// at `/`: the engine makes missing parent directories. A path gone meanwhile is left out.
fn tar_at_root(paths: &[SyncPath]) -> Result<Bytes, String> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    for p in paths {
        let added = crate::copy::append_path(&mut builder, &p.host, p.container.trim_start_matches('/'));
        if let Err(e) = added
            && p.host.exists()
        {
            return Err(format!("{}: {e}", p.host.display()));
        }
    }
    builder.into_inner().map(Bytes::from).map_err(|e| e.to_string())
}

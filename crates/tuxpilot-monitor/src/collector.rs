//! Sweeps over every running container, through the cgroup files when they are at hand and the
//! engine API otherwise, keeping the previous sample of each container so CPU % and rates come
//! from two samples as `docker stats` computes them.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use tuxpilot_docker::{
    ContainerState, CpuCounters, Engine, EngineError, EventFilter, Filters, ListContainersOptions, StatsSample,
};

use crate::cgroup::{CgroupError, CgroupFs, CgroupPaths};
use crate::metrics::{Metrics, metrics};

/// Where samples come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The engine's stats endpoint (works for remote engines).
    Api,
    /// The cgroup files on this host (the engine must be local and the files readable).
    Cgroup,
    /// cgroup files where readable, the API for the rest.
    #[default]
    Auto,
}

impl FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "api" => Ok(Source::Api),
            "cgroup" => Ok(Source::Cgroup),
            "auto" => Ok(Source::Auto),
            other => Err(format!("unknown source {other:?}: use api, cgroup or auto")),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Api => "api",
            Source::Cgroup => "cgroup",
            Source::Auto => "auto",
        })
    }
}

/// How a [`Collector`] samples.
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    /// Where samples come from.
    pub source: Source,
    /// Which containers (as `docker ps --filter`); only running ones are sampled.
    pub filters: Filters,
    /// API requests in flight at once.
    pub concurrency: usize,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        Self { source: Source::Auto, filters: Filters::new(), concurrency: 16 }
    }
}

/// One container's numbers from one sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// The `docker stats` numbers.
    pub metrics: Metrics,
    /// Image the container runs.
    pub image: String,
    /// The raw counters behind them.
    #[serde(skip)]
    pub raw: StatsSample,
    /// Where they came from (`api` or `cgroup`).
    pub source: Source,
    /// Whether the container has a memory limit below the host's memory (the engine reports
    /// the host's memory as the limit of unlimited containers; cAdvisor reports 0).
    pub memory_limited: bool,
    /// The engine's status text at the sweep (`Up 3 minutes (healthy)`).
    pub status: String,
}

/// A failure of a sweep.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The engine failed (unreachable, timed out…).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// `--source cgroup` was asked for and a container's files cannot be read.
    #[error(
        "cgroup source unavailable for container {name}: {source}\nhint: run on the engine's host as root, or use --source api"
    )]
    Cgroup {
        /// Container name.
        name: String,
        /// Why.
        #[source]
        source: CgroupError,
    },
}

impl CollectError {
    /// True when the engine could not be reached (worth retrying after a restart).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, CollectError::Engine(EngineError::Unavailable { .. } | EngineError::Timeout { .. }))
    }
}

#[derive(Debug, Clone)]
enum Route {
    Cgroup(CgroupPaths),
    Api,
}

/// How long a container list is trusted without an event saying it changed.
const LIST_MAX_AGE: Duration = Duration::from_secs(15);

/// Follows the engine's container events so the cgroup path need not list containers every
/// sweep: the list is asked for again only after a start/stop-like event, when the event
/// stream broke (engine restart), or after [`LIST_MAX_AGE`].
struct EventWatch {
    dirty: Arc<AtomicBool>,
    alive: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl EventWatch {
    fn start(engine: &Arc<dyn Engine>) -> Self {
        let dirty = Arc::new(AtomicBool::new(true));
        let alive = Arc::new(AtomicBool::new(true));
        let mut events =
            engine.events(EventFilter { since: None, until: None, filters: Filters::new().with("type", "container") });
        let (d, a) = (dirty.clone(), alive.clone());
        let task = tokio::spawn(async move {
            while let Some(e) = events.next().await {
                match e {
                    Ok(e) if CHANGES.iter().any(|c| e.action.starts_with(c)) => d.store(true, Ordering::SeqCst),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            d.store(true, Ordering::SeqCst);
            a.store(false, Ordering::SeqCst);
        });
        Self { dirty, alive, task }
    }
}

impl Drop for EventWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Container events after which the running set may differ.
const CHANGES: &[&str] =
    &["start", "die", "destroy", "pause", "unpause", "restart", "rename", "update", "kill", "stop"];

/// Samples all running containers at once, remembering what it needs between sweeps.
pub struct Collector {
    engine: Arc<dyn Engine>,
    opts: CollectorOptions,
    fs: CgroupFs,
    routes: HashMap<String, Route>,
    /// Each cgroup-read container's last CPU counters and read time, its next `precpu`.
    previous: HashMap<String, (CpuCounters, Option<DateTime<Utc>>)>,
    host_memory: Option<u64>,
    engine_memory: Option<u64>,
    watch: Option<EventWatch>,
    listed: Option<(tokio::time::Instant, Vec<tuxpilot_docker::ContainerSummary>)>,
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector").field("opts", &self.opts).field("containers", &self.routes.len()).finish()
    }
}

impl Collector {
    /// A collector over `engine`, reading cgroups from the real `/sys/fs/cgroup` and `/proc`.
    pub fn new(engine: Arc<dyn Engine>, opts: CollectorOptions) -> Self {
        Self::with_fs(engine, opts, CgroupFs::default())
    }

    /// A collector reading cgroup files from `fs`.
    pub fn with_fs(engine: Arc<dyn Engine>, opts: CollectorOptions, fs: CgroupFs) -> Self {
        let host_memory = fs.host_memory().ok();
        Self {
            engine,
            opts,
            fs,
            routes: HashMap::new(),
            previous: HashMap::new(),
            host_memory,
            engine_memory: None,
            watch: None,
            listed: None,
        }
    }

    /// The engine this collector samples.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// One sweep: every running container matching the filters, concurrently. The first
    /// cgroup sample of a container has no CPU figure yet (as the first record of
    /// `docker stats`); containers that stop or vanish mid-sweep are left out.
    pub async fn sweep(&mut self) -> Result<Vec<Observation>, CollectError> {
        let running = self.running().await?;
        let ids: HashSet<&str> = running.iter().map(|c| c.id.as_str()).collect();
        self.routes.retain(|id, _| ids.contains(id.as_str()));
        self.previous.retain(|id, _| ids.contains(id.as_str()));

        // Route new containers: inspect for the pid, then find its cgroup.
        let new: Vec<(String, String)> = running
            .iter()
            .filter(|c| !self.routes.contains_key(&c.id))
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        if self.opts.source != Source::Api && !new.is_empty() {
            let engine = self.engine.clone();
            let pids: Vec<(String, String, Option<i64>)> = futures_util::stream::iter(new)
                .map(move |(id, name)| {
                    let engine = engine.clone();
                    async move {
                        let pid = engine.inspect_container(&id).await.ok().map(|d| d.state.pid).filter(|p| *p > 0);
                        (id, name, pid)
                    }
                })
                .buffer_unordered(self.opts.concurrency.max(1))
                .collect()
                .await;
            let mut first_gone = None;
            for (id, name, pid) in pids {
                let Some(pid) = pid else { continue }; // stopped meanwhile
                match self.fs.locate(&id, pid) {
                    Ok(paths) => {
                        self.routes.insert(id, Route::Cgroup(paths));
                    }
                    Err(_) if self.opts.source == Source::Auto => {
                        self.routes.insert(id, Route::Api);
                    }
                    // Exited between inspect and now, or the pid is not on this host.
                    Err(source) if source.is_gone() => {
                        first_gone.get_or_insert(CollectError::Cgroup { name, source });
                    }
                    Err(source) => return Err(CollectError::Cgroup { name, source }),
                }
            }
            // Every process missing here while the engine runs them: a remote engine.
            if self.opts.source == Source::Cgroup
                && let Some(e) = first_gone.filter(|_| !running.is_empty() && self.routes.is_empty())
            {
                return Err(e);
            }
        } else {
            for (id, _) in new {
                self.routes.insert(id, Route::Api);
            }
        }

        let mut out = Vec::with_capacity(running.len());
        let mut api = Vec::new();
        // Host CPU time once per sweep: the same figure for every container, as the engine's
        // collector uses one reading per tick.
        let mut host = (0, 0);
        if self.routes.values().any(|r| matches!(r, Route::Cgroup(_))) {
            match self.fs.host_cpu() {
                Ok(h) => host = h,
                Err(source) if self.opts.source == Source::Cgroup => {
                    let name = running.first().map(|c| c.name.clone()).unwrap_or_default();
                    return Err(CollectError::Cgroup { name, source });
                }
                // No readable /proc/stat: every container through the API.
                Err(_) => self.routes.values_mut().for_each(|r| *r = Route::Api),
            }
        }
        let host_memory = self.host_memory.unwrap_or(u64::MAX);
        for c in &running {
            match self.routes.get(&c.id) {
                Some(Route::Cgroup(paths)) => match self.fs.read(paths, &c.id, &c.name, host, host_memory) {
                    Ok(mut s) => {
                        if let Some((cpu, read)) = self.previous.get(&c.id) {
                            s.precpu = cpu.clone();
                            s.preread = *read;
                        }
                        self.previous.insert(c.id.clone(), (s.cpu.clone(), s.read));
                        out.push(Observation {
                            metrics: metrics(&s),
                            image: c.image.clone(),
                            raw: s,
                            source: Source::Cgroup,
                            memory_limited: true,
                            status: c.status.clone(),
                        });
                    }
                    Err(e) if e.is_gone() => {
                        self.routes.remove(&c.id);
                    }
                    Err(source) if self.opts.source == Source::Cgroup => {
                        return Err(CollectError::Cgroup { name: c.name.clone(), source });
                    }
                    Err(_) => {
                        self.routes.insert(c.id.clone(), Route::Api);
                        api.push((c.id.clone(), c.name.clone(), c.image.clone(), c.status.clone()));
                    }
                },
                Some(Route::Api) => api.push((c.id.clone(), c.name.clone(), c.image.clone(), c.status.clone())),
                None => {}
            }
        }
        let engine = self.engine.clone();
        let results: Vec<Result<Option<Observation>, EngineError>> = futures_util::stream::iter(api)
            .map(move |(id, name, image, status)| {
                let engine = engine.clone();
                async move {
                    match engine.stats_once(&id).await {
                        Ok(mut s) => {
                            if s.name.is_empty() {
                                s.name = name;
                            }
                            Ok(Some(Observation {
                                metrics: metrics(&s),
                                image,
                                raw: s,
                                source: Source::Api,
                                memory_limited: true,
                                status,
                            }))
                        }
                        Err(e) if e.is_not_found() || e.is_conflict() => Ok(None),
                        Err(e) => Err(e),
                    }
                }
            })
            .buffer_unordered(self.opts.concurrency.max(1))
            .collect()
            .await;
        let mut from_api = false;
        for r in results {
            if let Some(o) = r? {
                from_api = true;
                out.push(o);
            }
        }
        if from_api && self.engine_memory.is_none() {
            self.engine_memory = self.engine.info().await.ok().and_then(|i| u64::try_from(i.mem_total).ok());
        }
        for o in &mut out {
            let total = if o.source == Source::Cgroup { self.host_memory } else { self.engine_memory };
            let limit = o.metrics.memory_limit_bytes;
            o.memory_limited = limit > 0 && total.is_none_or(|t| limit < t);
        }
        out.sort_by(|a, b| a.metrics.name.cmp(&b.metrics.name));
        Ok(out)
    }

    /// The running containers: listed when the cgroup path has no reason to trust its last
    /// list (first sweep, an event, a broken event stream, or age); every sweep on the API path.
    async fn running(&mut self) -> Result<Vec<tuxpilot_docker::ContainerSummary>, CollectError> {
        if self.opts.source != Source::Api {
            if self.watch.as_ref().is_none_or(|w| !w.alive.load(Ordering::SeqCst)) {
                self.watch = Some(EventWatch::start(&self.engine));
            }
            let changed = self.watch.as_ref().is_some_and(|w| w.dirty.swap(false, Ordering::SeqCst));
            if let Some((at, list)) = &self.listed
                && !changed
                && at.elapsed() < LIST_MAX_AGE
            {
                return Ok(list.clone());
            }
        }
        let list = self
            .engine
            .list_containers(ListContainersOptions { all: false, filters: self.opts.filters.clone() })
            .await
            .inspect_err(|_| {
                // Ask again next time; the event stream may be gone with the engine.
                self.listed = None;
            })?;
        let running: Vec<_> = list.into_iter().filter(|c| c.state == ContainerState::Running).collect();
        self.listed = Some((tokio::time::Instant::now(), running.clone()));
        Ok(running)
    }

    /// A snapshot with CPU figures: one sweep, and when any container came from cgroup files
    /// without a previous sample, a second sweep `window` later (API samples carry their own
    /// previous sample).
    pub async fn snapshot(&mut self, window: Duration) -> Result<Vec<Observation>, CollectError> {
        let first = self.sweep().await?;
        if first.iter().any(|o| o.source == Source::Cgroup && o.raw.preread.is_none()) {
            tokio::time::sleep(window).await;
            return self.sweep().await;
        }
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuxpilot_docker::{ContainerSummary, MockEngine};

    fn summary(id: &str, name: &str) -> ContainerSummary {
        ContainerSummary {
            id: id.into(),
            name: name.into(),
            image: "img".into(),
            image_id: String::new(),
            command: String::new(),
            created: chrono::Utc::now(),
            state: ContainerState::Running,
            status: String::new(),
            ports: vec![],
            labels: Default::default(),
            mounts: vec![],
            networks: Default::default(),
        }
    }

    #[tokio::test]
    async fn a_sweep_survives_the_engine_going_away_and_coming_back() {
        let mut engine = MockEngine::new();
        let mut calls = 0;
        engine.expect_list_containers().returning(move |_| {
            calls += 1;
            if calls == 2 {
                Err(EngineError::Unavailable {
                    address: "unix:///var/run/docker.sock".into(),
                    reason: "restarting".into(),
                })
            } else {
                Ok(vec![summary("a", "web")])
            }
        });
        engine.expect_stats_once().returning(|id| Ok(StatsSample { id: id.into(), ..Default::default() }));
        engine.expect_info().returning(|| Ok(Default::default()));
        let opts = CollectorOptions { source: Source::Api, ..Default::default() };
        let mut c = Collector::new(Arc::new(engine), opts);
        assert_eq!(c.sweep().await.unwrap().len(), 1);
        let err = c.sweep().await.unwrap_err();
        assert!(err.is_unavailable(), "{err}");
        assert_eq!(c.sweep().await.unwrap().len(), 1, "the next sweep works again");
    }

    #[tokio::test]
    async fn a_container_that_vanishes_mid_sweep_is_left_out() {
        let mut engine = MockEngine::new();
        engine.expect_list_containers().returning(|_| Ok(vec![summary("a", "web"), summary("b", "gone")]));
        engine.expect_stats_once().returning(|id| {
            if id == "b" {
                Err(EngineError::NotFound {
                    kind: tuxpilot_docker::ResourceKind::Container,
                    name: "b".into(),
                    message: "gone".into(),
                })
            } else {
                Ok(StatsSample { id: id.into(), ..Default::default() })
            }
        });
        engine.expect_info().returning(|| Ok(Default::default()));
        let mut c = Collector::new(Arc::new(engine), CollectorOptions { source: Source::Api, ..Default::default() });
        let got = c.sweep().await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].metrics.name, "web");
        assert_eq!(got[0].image, "img");
    }
}

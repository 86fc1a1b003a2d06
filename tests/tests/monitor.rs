//! `tuxpilot-monitor` against the real engine and `docker stats --no-stream`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use tuxpilot_docker::{ContainerSpec, Engine, Filters};
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, unique_name};

fn docker_stats_cpu(names: &[&str]) -> BTreeMap<String, f64> {
    let out = std::process::Command::new("docker")
        .args(["stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}}"])
        .args(names)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(n, c)| (n.to_string(), c.trim_end_matches('%').parse().unwrap())))
        .collect()
}

/// The busy-loop tests take a whole core each, and the restart tests keep the engine busy; this
/// machine may have two cores. Every test here runs alone, so "≈ one core" and "within a few
/// points of `docker stats`" measure the code rather than the neighbours.
static CPU_HOG: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The busy / idle / 64 MiB trio through a `Collector` with the given source.
async fn trio_via(source: tuxpilot_monitor::Source) {
    use std::sync::Arc;
    let _one_at_a_time = CPU_HOG.lock().await;
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let marker = unique_name("mon");
    let label = format!("io.tuxpilot.test.mon={marker}");
    let mk = |name: &str, cmd: &str| ContainerSpec {
        name: Some(name.to_string()),
        image: TEST_IMAGE.into(),
        command: Some(vec!["sh".into(), "-c".into(), cmd.into()]),
        labels: BTreeMap::from([("io.tuxpilot.test.mon".to_string(), marker.clone())]),
        shm_size: Some(128 << 20),
        ..Default::default()
    };
    let (busy, idle, mem) = (unique_name("busy"), unique_name("idle"), unique_name("mem"));
    for (name, cmd) in [
        (&busy, "while :; do :; done"),
        (&idle, "exec sleep 3600"),
        (&mem, "head -c 67108864 /dev/zero > /dev/shm/fill && touch /tmp/done && exec sleep 3600"),
    ] {
        cleanup.container(name);
        let c = engine.create_container(mk(name, cmd)).await.unwrap();
        engine.start_container(&c.id).await.unwrap();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let spec = tuxpilot_docker::ExecSpec {
            command: vec!["test".into(), "-f".into(), "/tmp/done".into()],
            ..Default::default()
        };
        if engine.exec(&mem, spec).await.unwrap().exit_code == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "filler did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let shared: Arc<dyn Engine> = Arc::new(engine);
    let opts =
        tuxpilot_monitor::CollectorOptions { source, filters: Filters::new().label(label.clone()), concurrency: 8 };
    let mut collector = tuxpilot_monitor::Collector::new(shared.clone(), opts.clone());
    // A one-second window, as `docker stats` uses.
    let obs = collector.snapshot(Duration::from_secs(1)).await.unwrap();
    let ours: BTreeMap<String, &tuxpilot_monitor::Observation> =
        obs.iter().map(|o| (o.metrics.name.clone(), o)).collect();
    assert_eq!(ours.len(), 3);
    let want_source = if source == tuxpilot_monitor::Source::Api {
        tuxpilot_monitor::Source::Api
    } else {
        tuxpilot_monitor::Source::Cgroup
    };
    assert!(obs.iter().all(|o| o.source == want_source), "{:?}", obs.iter().map(|o| o.source).collect::<Vec<_>>());
    let theirs = docker_stats_cpu(&[&busy, &idle]);
    let b = &ours[&busy].metrics;
    assert!(b.cpu_percent > 85.0 && b.cpu_percent < 115.0, "busy loop ≈ one core: {}", b.cpu_percent);
    assert!((b.cpu_percent - theirs[&busy]).abs() < 8.0, "ours {} vs docker stats {}", b.cpu_percent, theirs[&busy]);
    let i = &ours[&idle].metrics;
    assert!(i.cpu_percent < 3.0 && (i.cpu_percent - theirs[&idle]).abs() < 3.0, "idle: {}", i.cpu_percent);
    let got = ours[&mem].metrics.memory_used_bytes as f64;
    let want = 64.0 * 1024.0 * 1024.0;
    assert!((got - want).abs() / want < 0.10, "memory {got} vs 64 MiB");
    assert_eq!(i.pids, 1);

    // The same containers scraped through /metrics.
    let c = Arc::new(tokio::sync::Mutex::new(tuxpilot_monitor::Collector::new(shared, opts)));
    let (addr, task) = tuxpilot_monitor::prometheus::serve("127.0.0.1:0".parse().unwrap(), c).await.unwrap();
    let body = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    })
    .await
    .unwrap();
    task.abort();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    let line = body
        .lines()
        .find(|l| l.starts_with("container_memory_working_set_bytes{") && l.contains(&format!("name=\"{mem}\"")))
        .unwrap_or_else(|| panic!("no working set for {mem}:\n{body}"));
    let value: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((value - want).abs() / want < 0.10, "{line}");
    assert!(line.contains(&format!("image=\"{TEST_IMAGE}\"")), "{line}");
}

#[tokio::test]
async fn the_cgroup_path_agrees_with_docker_stats() {
    trio_via(tuxpilot_monitor::Source::Cgroup).await;
}

#[tokio::test]
async fn the_api_collector_agrees_with_docker_stats() {
    trio_via(tuxpilot_monitor::Source::Api).await;
}

#[tokio::test]
async fn optimize_apply_sets_the_recommended_limits() {
    use std::sync::Arc;
    let _one_at_a_time = CPU_HOG.lock().await;
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("opt");
    cleanup.container(&name);
    // Half a core: a busy loop under a 0.5 CPU limit; 32 MiB held in tmpfs.
    let spec = ContainerSpec {
        name: Some(name.clone()),
        image: TEST_IMAGE.into(),
        command: Some(vec![
            "sh".into(),
            "-c".into(),
            "head -c 33554432 /dev/zero > /dev/shm/fill; while :; do :; done".into(),
        ]),
        nano_cpus: Some(500_000_000),
        shm_size: Some(64 << 20),
        ..Default::default()
    };
    let c = engine.create_container(spec).await.unwrap();
    engine.start_container(&c.id).await.unwrap();
    let shared: Arc<dyn Engine> = Arc::new(engine);
    let opts = tuxpilot_monitor::CollectorOptions {
        source: tuxpilot_monitor::Source::Auto,
        filters: Filters::new().with("id", &c.id),
        concurrency: 4,
    };
    let mut collector = tuxpilot_monitor::Collector::new(shared.clone(), opts);
    let mut history = tuxpilot_monitor::optimize::UsageHistory::default();
    // Wait until the filler is done (memory above 30 MiB), then observe a few samples.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut samples = 0;
    while samples < 6 {
        let obs = collector.snapshot(Duration::from_millis(500)).await.unwrap();
        assert!(tokio::time::Instant::now() < deadline, "container never filled its memory");
        if obs.first().is_some_and(|o| o.metrics.memory_used_bytes > 30 << 20) {
            history.record(&obs);
            samples += 1;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let h = &history.containers[&c.id];
    let rec = tuxpilot_monitor::optimize::recommend(&c.id, h, false);
    // P90 of ≈0.5 cores × 1.15 ≈ 0.575; memory ≥ the 32 MiB seen, plus the margin.
    assert!(rec.cpus > 0.45 && rec.cpus < 0.75, "{rec:?}");
    assert!(rec.memory_bytes >= rec.memory_peak_bytes && rec.memory_bytes >= 32 << 20, "{rec:?}");
    rec.apply(shared.as_ref()).await.unwrap();
    let d = shared.inspect_container(&c.id).await.unwrap();
    assert_eq!(d.host_config.nano_cpus, (rec.cpus * 1e9).round() as i64);
    assert_eq!(d.host_config.memory as u64, rec.memory_bytes);
    // Still running under the new limits.
    assert!(d.state.running, "{:?}", d.state);
}

/// A Unix-socket proxy to the real engine that can be stopped and started again on the same
/// path: to the client, an engine restart.
struct Proxy {
    path: std::path::PathBuf,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    fn start(path: &std::path::Path) -> Self {
        let _ = std::fs::remove_file(path);
        let listener = tokio::net::UnixListener::bind(path).unwrap();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Ok(mut engine) = tokio::net::UnixStream::connect("/var/run/docker.sock").await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
                    }
                });
            }
        });
        Proxy { path: path.to_path_buf(), task: Some(task) }
    }

    fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn monitoring_survives_an_engine_restart() {
    use std::sync::Arc;
    let _one_at_a_time = CPU_HOG.lock().await;
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let (name, id) = start_sleeper(&engine, &cleanup, "restart", BTreeMap::new()).await;

    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("engine.sock");
    let mut proxy = Proxy::start(&sock);
    let config = tuxpilot_docker::ConnectionConfig {
        host: Some(format!("unix://{}", sock.display())),
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let via_proxy: Arc<dyn Engine> = Arc::new(tuxpilot_docker::BollardEngine::connect(&config).await.unwrap());
    let opts = tuxpilot_monitor::CollectorOptions {
        source: tuxpilot_monitor::Source::Api,
        filters: Filters::new().with("id", &id),
        concurrency: 4,
    };
    let mut monitor =
        tuxpilot_monitor::Monitor::new(tuxpilot_monitor::Collector::new(via_proxy, opts), vec![], vec![], None, 1);
    assert_eq!(monitor.tick().await.unwrap().observations.len(), 1);
    proxy.stop();
    let err = monitor.tick().await.unwrap_err();
    assert!(err.is_unavailable(), "an engine that is gone is `unavailable`, not fatal: {err}");
    let _proxy = Proxy::start(&sock);
    let back = monitor.tick().await.unwrap();
    assert_eq!(back.observations.len(), 1, "the same monitor reconnects");
    assert_eq!(back.observations[0].metrics.name, name);
}

#[tokio::test]
async fn the_cgroup_path_follows_a_container_restart() {
    use std::sync::Arc;
    let _one_at_a_time = CPU_HOG.lock().await;
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let (_, id) = start_sleeper(&engine, &cleanup, "cg-restart", BTreeMap::new()).await;
    let shared: Arc<dyn Engine> = Arc::new(engine);
    let opts = tuxpilot_monitor::CollectorOptions {
        source: tuxpilot_monitor::Source::Cgroup,
        filters: Filters::new().with("id", &id),
        concurrency: 4,
    };
    let mut collector = tuxpilot_monitor::Collector::new(shared.clone(), opts);
    let before = collector.sweep().await.unwrap();
    assert_eq!(before.len(), 1);
    let pid_before = shared.inspect_container(&id).await.unwrap().state.pid;
    shared.restart_container(&id, Some(Duration::from_secs(1))).await.unwrap();
    assert_ne!(shared.inspect_container(&id).await.unwrap().state.pid, pid_before);
    // At most one sweep may miss it while its old pid is dropped; then it is back, by cgroup.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let obs = collector.sweep().await.unwrap();
        if let Some(o) = obs.first() {
            assert_eq!(o.source, tuxpilot_monitor::Source::Cgroup);
            assert_eq!(o.metrics.pids, 1);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never seen again after the restart");
    }
}

#[tokio::test]
async fn the_cgroup_path_sees_new_and_stopped_containers_through_events() {
    use std::sync::Arc;
    let _one_at_a_time = CPU_HOG.lock().await;
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let marker = unique_name("evt");
    let labels = BTreeMap::from([("io.tuxpilot.test.evt".to_string(), marker.clone())]);
    let (_, a) = start_sleeper(&engine, &cleanup, "evt-a", labels.clone()).await;
    let shared: Arc<dyn Engine> = Arc::new(engine);
    let opts = tuxpilot_monitor::CollectorOptions {
        source: tuxpilot_monitor::Source::Cgroup,
        filters: Filters::new().label(format!("io.tuxpilot.test.evt={marker}")),
        concurrency: 4,
    };
    let mut collector = tuxpilot_monitor::Collector::new(shared.clone(), opts);
    assert_eq!(collector.sweep().await.unwrap().len(), 1);

    // Well inside the 15 s the cached list is otherwise trusted: only the event can tell.
    let (second, _) = start_sleeper(shared.as_ref(), &cleanup, "evt-b", labels).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while collector.sweep().await.unwrap().len() != 2 {
        assert!(tokio::time::Instant::now() < deadline, "the started container never showed up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shared.stop_container(&a, Some(Duration::from_secs(1))).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let obs = collector.sweep().await.unwrap();
        if obs.len() == 1 {
            assert_eq!(obs[0].metrics.name, second);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the stopped container never left");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts a `sleep 600` test container with `labels`, registered for clean-up: (name, id).
async fn start_sleeper(
    engine: &dyn Engine,
    cleanup: &Cleanup,
    prefix: &str,
    labels: BTreeMap<String, String>,
) -> (String, String) {
    let name = unique_name(prefix);
    cleanup.container(&name);
    let spec = ContainerSpec {
        name: Some(name.clone()),
        image: TEST_IMAGE.into(),
        command: Some(vec!["sleep".into(), "600".into()]),
        labels,
        ..Default::default()
    };
    let c = engine.create_container(spec).await.unwrap();
    engine.start_container(&c.id).await.unwrap();
    (name, c.id)
}

//! Prometheus scrape, alert sinks (webhook to a local receiver, command, JSON lines) and the
//! monitor tick, over a mock engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::sync::{Mutex, mpsc};
use tuxpilot_docker::{ContainerState, ContainerSummary, MemoryCounters, MockEngine, NetworkCounters, StatsSample};
use tuxpilot_monitor::{
    AlertSink, Collector, CollectorOptions, Monitor, MonitoringConfig, Source, alertmanager_webhook, prometheus,
};

fn summary(id: &str, name: &str) -> ContainerSummary {
    ContainerSummary {
        id: id.into(),
        name: name.into(),
        image: "busybox:latest".into(),
        image_id: String::new(),
        command: String::new(),
        created: chrono::Utc::now(),
        state: ContainerState::Running,
        status: String::new(),
        ports: vec![],
        labels: BTreeMap::new(),
        mounts: vec![],
        networks: BTreeMap::new(),
    }
}

/// A sample at 90 % CPU of one core and 50 % memory.
fn busy(id: &str) -> StatsSample {
    let mut s = StatsSample { id: id.into(), read: Some(chrono::Utc::now()), ..Default::default() };
    s.precpu.total_usage = 1_000_000_000;
    s.precpu.system_cpu_usage = Some(100_000_000_000);
    s.cpu.total_usage = 1_900_000_000;
    s.cpu.system_cpu_usage = Some(102_000_000_000);
    s.cpu.online_cpus = Some(2);
    s.memory = MemoryCounters { usage: Some(512 << 20), limit: Some(1 << 30), ..Default::default() };
    s.networks.insert("eth0".into(), NetworkCounters { rx_bytes: 1234, tx_bytes: 99, ..Default::default() });
    s.pids_current = Some(4);
    s
}

fn engine() -> Arc<MockEngine> {
    let mut e = MockEngine::new();
    e.expect_list_containers().returning(|_| Ok(vec![summary("aaa", "web"), summary("bbb", "we\"ird\\name")]));
    e.expect_stats_once().returning(|id| {
        let mut s = busy(id);
        if id == "bbb" {
            s.memory.limit = Some(2 << 30); // no limit: the engine reports the host's memory
        }
        Ok(s)
    });
    e.expect_container_size().returning(|_| Ok(4096));
    e.expect_info().returning(|| Ok(tuxpilot_docker::EngineInfo { mem_total: 2 << 30, ..Default::default() }));
    Arc::new(e)
}

fn collector() -> Collector {
    Collector::new(engine(), CollectorOptions { source: Source::Api, ..Default::default() })
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String, String) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::get(path).header("host", "localhost").body(Full::new(Bytes::new())).unwrap();
    let resp = send.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn metrics_endpoint_serves_parseable_cadvisor_names() {
    let c = Arc::new(Mutex::new(collector()));
    let (addr, task) = prometheus::serve("127.0.0.1:0".parse().unwrap(), c).await.unwrap();
    let (status, ctype, body) = http_get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    assert!(body.ends_with('\n'));
    let lines = body.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    let find = |metric: &str, name: &str| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == metric && s.labels.get("name") == Some(name))
            .unwrap_or_else(|| panic!("{metric} for {name} missing in\n{body}"))
    };
    let cpu = find("container_cpu_usage_seconds_total", "web");
    assert_eq!(cpu.value, prometheus_parse::Value::Counter(1.9));
    assert_eq!(cpu.labels.get("id"), Some("/docker/aaa"));
    assert_eq!(cpu.labels.get("image"), Some("busybox:latest"));
    assert_eq!(
        find("container_memory_working_set_bytes", "web").value,
        prometheus_parse::Value::Gauge((512u64 << 20) as f64)
    );
    assert_eq!(
        find("container_spec_memory_limit_bytes", "web").value,
        prometheus_parse::Value::Gauge((1u64 << 30) as f64)
    );
    let unlimited = scrape
        .samples
        .iter()
        .find(|s| s.metric == "container_spec_memory_limit_bytes" && s.labels.get("id") == Some("/docker/bbb"))
        .unwrap();
    assert_eq!(unlimited.value, prometheus_parse::Value::Gauge(0.0), "0 without a limit, as cAdvisor");
    let rx = find("container_network_receive_bytes_total", "web");
    assert_eq!(rx.labels.get("interface"), Some("eth0"));
    assert_eq!(rx.value, prometheus_parse::Value::Counter(1234.0));
    // Label values are escaped (the parser keeps the escapes as written).
    assert!(body.contains(r#"name="we\"ird\\name""#), "{body}");
    assert!(
        scrape.samples.iter().any(|s| s.metric == "container_threads" && s.labels.get("id") == Some("/docker/bbb"))
    );
    // One TYPE per family.
    let types = body.lines().filter(|l| l.starts_with("# TYPE container_cpu_usage_seconds_total ")).count();
    assert_eq!(types, 1);

    let (status, _, _) = http_get(addr, "/nope").await;
    assert_eq!(status, 404);
    task.abort();
}

/// A local HTTP receiver that forwards each POST body to a channel.
async fn receiver() -> (String, mpsc::UnboundedReceiver<serde_json::Value>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let tx = tx.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let tx = tx.clone();
                    async move {
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        tx.send(serde_json::from_slice(&body).unwrap()).unwrap();
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"ok"))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    (format!("http://{addr}/hook"), rx)
}

#[tokio::test]
async fn webhook_receives_alertmanager_v4_body_once_per_firing() {
    let (url, mut rx) = receiver().await;
    let config: MonitoringConfig = toml::from_str(&format!(
        "cpu_alert_threshold = 80.0\nmemory_alert_threshold = 85.0\ninterval = \"1s\"\nwebhook = \"{url}\""
    ))
    .unwrap();
    let mut m = Monitor::new(collector(), config.rules(), config.sinks(), None, 1);
    let t1 = m.tick().await.unwrap();
    let errors = m.flush(Duration::from_secs(20)).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(t1.alerts.len(), 2, "CPU 90 % > 80 fires for both containers; memory 50 % does not");
    let body = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    assert_eq!(body["version"], "4");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["receiver"], "tuxpilot");
    assert_eq!(body["commonLabels"]["alertname"], "ContainerHighCpu");
    let alerts = body["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2, "one POST for the group");
    assert_eq!(alerts[0]["status"], "firing");
    assert!(alerts[0]["startsAt"].as_str().unwrap().contains('T'));
    // A second tick while still firing sends nothing.
    let t2 = m.tick().await.unwrap();
    assert!(t2.alerts.is_empty());
    assert!(tokio::time::timeout(Duration::from_millis(300), rx.recv()).await.is_err(), "no repeat while firing");
    // The shape matches the library function exactly.
    assert_eq!(body, alertmanager_webhook(&t1.alerts, "tuxpilot"));
}

#[tokio::test]
async fn an_unreachable_webhook_is_reported_not_fatal() {
    let config = MonitoringConfig {
        cpu_alert_threshold: Some(10.0),
        webhook: Some("http://127.0.0.1:9/hook".into()),
        ..Default::default()
    };
    let mut m = Monitor::new(collector(), config.rules(), config.sinks(), None, 1);
    let tick = m.tick().await.unwrap();
    assert_eq!(tick.alerts.len(), 2);
    let errors = m.flush(Duration::from_secs(20)).await;
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().contains("127.0.0.1:9"), "{}", errors[0]);
}

/// A webhook that takes the request and answers only when told to.
async fn held_receiver() -> (String, tokio::sync::oneshot::Sender<()>, tokio::sync::mpsc::Receiver<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let (got, got_rx) = tokio::sync::mpsc::channel::<()>(4);
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else { return };
        let _ = got.send(()).await;
        let _ = released.await;
        use tokio::io::AsyncWriteExt;
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
    });
    (format!("http://{addr}/hook"), release, got_rx)
}

#[tokio::test]
async fn a_hanging_webhook_never_holds_up_the_ticks() {
    let (url, release, mut got) = held_receiver().await;
    let config = MonitoringConfig { cpu_alert_threshold: Some(10.0), webhook: Some(url), ..Default::default() };
    let mut m = Monitor::new(collector(), config.rules(), config.sinks(), None, 1);
    // The first tick fires; its webhook is held open by the receiver.
    let t1 = m.tick().await.unwrap();
    assert_eq!(t1.alerts.len(), 2);
    tokio::time::timeout(Duration::from_secs(30), got.recv()).await.unwrap().unwrap();
    // While it hangs, ticks go on and report their numbers (a guard, not a speed check: a
    // tick that waited for the webhook would wait for ever).
    for _ in 0..3 {
        let t = tokio::time::timeout(Duration::from_secs(30), m.tick()).await.unwrap().unwrap();
        assert_eq!(t.observations.len(), 2);
    }
    release.send(()).unwrap();
    let errors = m.flush(Duration::from_secs(20)).await;
    assert!(errors.is_empty(), "{errors:?}");
}

#[tokio::test]
async fn command_and_json_sinks_get_each_notification() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmd.txt");
    let json = dir.path().join("alerts.jsonl");
    let config = MonitoringConfig {
        cpu_alert_threshold: Some(80.0),
        command: Some(format!(
            "printf '%s\\n' \"$TUXPILOT_ALERT_STATUS $TUXPILOT_ALERT_CONTAINER $(cat)\" >> {}",
            out.display()
        )),
        json_log: Some(json.clone()),
        ..Default::default()
    };
    let mut m = Monitor::new(collector(), config.rules(), config.sinks(), None, 1);
    let tick = m.tick().await.unwrap();
    assert_eq!(tick.alerts.len(), 2, "both containers fire");
    let errors = m.flush(Duration::from_secs(20)).await;
    assert!(errors.is_empty(), "{errors:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().any(|l| l.starts_with("firing web {")), "{text}");
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&json).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["rule"], "ContainerHighCpu");
    assert_eq!(lines[0]["status"], "firing");
}

#[tokio::test]
async fn disk_rules_watch_the_data_root_and_writable_layers() {
    let dir = tempfile::tempdir().unwrap();
    // Any filesystem is above 0 %: the engine-level alert must fire at once.
    let config = MonitoringConfig { disk_alert_threshold: Some(0.0), ..Default::default() };
    let mut m = Monitor::new(collector(), config.rules(), vec![], Some(dir.path().to_path_buf()), 1);
    let tick = m.tick().await.unwrap();
    let disk = tick.disk.expect("data root checked");
    assert!(disk.percent > 0.0);
    assert_eq!(tick.layer_sizes.len(), 2);
    assert!(tick.alerts.iter().any(|a| a.rule == "DiskFull" && a.container_id == "engine"), "{:?}", tick.alerts);
    assert!(tick.alerts.iter().any(|a| a.rule == "DiskFull" && a.container == "web"), "{:?}", tick.alerts);
}

#[test]
fn config_errors_name_the_field_and_the_fix() {
    let err = toml::from_str::<MonitoringConfig>("interval = \"soon\"").unwrap_err().to_string();
    assert!(err.contains("interval") || err.contains("soon"), "{err}");
    assert!(err.contains("30s"), "{err}");
    // Unknown keys are the caller's to report (the CLI warns); the known ones are listed.
    assert!(!MonitoringConfig::KEYS.contains(&"cpu_threshold"));
    let c: MonitoringConfig = toml::from_str("cpu_alert_threshold = 80.0\nfor = \"2m\"\n").unwrap();
    assert_eq!(c.rules()[0].for_duration, Duration::from_secs(120));
}

#[tokio::test]
async fn sink_list_follows_the_config() {
    let c = MonitoringConfig { webhook: Some("http://x".into()), ..Default::default() };
    assert_eq!(c.sinks(), vec![AlertSink::Log, AlertSink::Webhook("http://x".into())]);
    assert!(c.rules().is_empty());
}

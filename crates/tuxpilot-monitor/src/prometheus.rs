//! Prometheus `/metrics` in the text exposition format (version 0.0.4) with cAdvisor's metric
//! names and labels (`id`, `name`, `image`), so dashboards and alert rules written for cAdvisor
//! work unchanged.
//!
//! The families are rebuilt from a fresh sweep on every scrape: containers come and go, and a
//! registry of long-lived metric objects would keep reporting ones that are gone. The format
//! is small (HELP/TYPE lines, escaped label values) and is checked in tests by a parser.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Incoming, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::collector::{Collector, Observation};

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    value: fn(&Observation) -> Option<f64>,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "container_cpu_usage_seconds_total",
        help: "Cumulative cpu time consumed in seconds.",
        kind: "counter",
        value: |o| Some(o.raw.cpu.total_usage as f64 / 1e9),
    },
    Family {
        name: "container_cpu_user_seconds_total",
        help: "Cumulative user cpu time consumed in seconds.",
        kind: "counter",
        value: |o| Some(o.raw.cpu.usage_in_usermode as f64 / 1e9),
    },
    Family {
        name: "container_cpu_system_seconds_total",
        help: "Cumulative system cpu time consumed in seconds.",
        kind: "counter",
        value: |o| Some(o.raw.cpu.usage_in_kernelmode as f64 / 1e9),
    },
    Family {
        name: "container_memory_usage_bytes",
        help: "Current memory usage in bytes, including all memory regardless of when it was accessed",
        kind: "gauge",
        value: |o| o.raw.memory.usage.map(|v| v as f64),
    },
    Family {
        name: "container_memory_working_set_bytes",
        help: "Current working set in bytes.",
        kind: "gauge",
        value: |o| Some(o.metrics.memory_used_bytes as f64),
    },
    Family {
        name: "container_spec_memory_limit_bytes",
        help: "Memory limit for the container.",
        kind: "gauge",
        // As cAdvisor: 0 for a container without a limit.
        value: |o| Some(if o.memory_limited { o.metrics.memory_limit_bytes as f64 } else { 0.0 }),
    },
    Family {
        name: "container_fs_reads_bytes_total",
        help: "Cumulative count of bytes read",
        kind: "counter",
        value: |o| Some(o.metrics.block_read_bytes as f64),
    },
    Family {
        name: "container_fs_writes_bytes_total",
        help: "Cumulative count of bytes written",
        kind: "counter",
        value: |o| Some(o.metrics.block_write_bytes as f64),
    },
    Family {
        name: "container_threads",
        help: "Number of threads running inside the container",
        kind: "gauge",
        value: |o| Some(o.metrics.pids as f64),
    },
    Family {
        name: "container_threads_max",
        help: "Maximum number of threads allowed inside the container, infinity if value is zero",
        kind: "gauge",
        value: |o| Some(o.raw.pids_limit.unwrap_or(0) as f64),
    },
    Family {
        name: "container_oom_events_total",
        help: "Count of out of memory events observed for the container",
        kind: "counter",
        value: |o| o.raw.memory.stats.get("oom_kill").map(|v| *v as f64),
    },
    Family {
        name: "container_last_seen",
        help: "Last time a container was seen by the exporter",
        kind: "gauge",
        value: |o| o.metrics.timestamp.map(|t| t.timestamp() as f64),
    },
];

/// Escapes a label value: backslash, double quote and newline.
fn escape(v: &str) -> String {
    v.replace('\\', r"\\").replace('"', r#"\""#).replace('\n', r"\n")
}

/// cAdvisor's `id` label is the cgroup path; the Docker default driver's is `/docker/<id>`.
fn labels(o: &Observation) -> String {
    format!(
        "id=\"/docker/{}\",image=\"{}\",name=\"{}\"",
        escape(&o.metrics.id),
        escape(&o.image),
        escape(&o.metrics.name)
    )
}

/// Renders observations in the text exposition format. `sizes` adds
/// `container_fs_usage_bytes` (writable layer size) for the containers it names.
pub fn render(observations: &[Observation], sizes: &[(String, u64)]) -> String {
    let mut out = String::new();
    for f in FAMILIES {
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind);
        for o in observations {
            if let Some(v) = (f.value)(o) {
                let extra = if f.name.starts_with("container_cpu_usage") { ",cpu=\"total\"" } else { "" };
                let _ = writeln!(out, "{}{{{}{extra}}} {v}", f.name, labels(o));
            }
        }
    }
    // Network families carry an `interface` label.
    for (name, help, rx) in [
        ("container_network_receive_bytes_total", "Cumulative count of bytes received", true),
        ("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", false),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        for o in observations {
            for (iface, n) in &o.raw.networks {
                let v = if rx { n.rx_bytes } else { n.tx_bytes };
                let _ = writeln!(out, "{name}{{{},interface=\"{}\"}} {v}", labels(o), escape(iface));
            }
        }
    }
    if !sizes.is_empty() {
        let name = "container_fs_usage_bytes";
        let _ = writeln!(out, "# HELP {name} Number of bytes that are consumed by the container on this filesystem.");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for o in observations {
            if let Some((_, size)) = sizes.iter().find(|(id, _)| id == &o.metrics.id) {
                let _ = writeln!(out, "{name}{{{},device=\"writable-layer\"}} {size}", labels(o));
            }
        }
    }
    out
}

/// Serves `/metrics` on `addr` until the returned task is aborted; every scrape takes a fresh
/// sweep through `collector`. Returns the bound address (useful with port 0).
pub async fn serve(
    addr: SocketAddr,
    collector: Arc<Mutex<Collector>>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a scrape failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let collector = collector.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(req, collector.clone()));
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok((bound, task))
}

async fn handle(req: Request<Incoming>, collector: Arc<Mutex<Collector>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, ctype: &str, body: String| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        if let Ok(v) = header::HeaderValue::from_str(ctype) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        Ok(r)
    };
    match req.uri().path() {
        "/metrics" => {
            let sweep = collector.lock().await.sweep().await;
            match sweep {
                Ok(obs) => reply(StatusCode::OK, CONTENT_TYPE, render(&obs, &[])),
                Err(e) => {
                    tracing::warn!(error = %e, "scrape failed");
                    reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", format!("engine unavailable: {e}\n"))
                }
            }
        }
        "/" => reply(StatusCode::OK, "text/html", "<a href=\"/metrics\">metrics</a>\n".into()),
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
    }
}

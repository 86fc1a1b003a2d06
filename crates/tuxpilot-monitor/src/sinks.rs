//! Where alert notifications go: a log line, JSON lines, an Alertmanager-style webhook, or a
//! command. A failing sink is reported, never fatal to monitoring.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::alerts::{AlertEvent, alertmanager_webhook};

/// One destination for alert notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertSink {
    /// A `tracing` warning (and the CLI's stderr) per notification.
    Log,
    /// One JSON object per notification, appended to a file (`-` = stdout).
    JsonLines(PathBuf),
    /// POST the Alertmanager webhook body (version 4) to this `http://` or `https://` URL.
    Webhook(String),
    /// Run this command through `sh -c` with the notification as JSON on stdin and
    /// `TUXPILOT_ALERT_*` variables set.
    Command(String),
}

/// A sink that failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("alert sink {sink}: {message}")]
pub struct SinkError {
    /// Which sink.
    pub sink: String,
    /// What went wrong.
    pub message: String,
}

impl AlertSink {
    pub(crate) fn label(&self) -> String {
        match self {
            AlertSink::Log => "log".into(),
            AlertSink::JsonLines(p) => format!("json {}", p.display()),
            AlertSink::Webhook(u) => format!("webhook {u}"),
            AlertSink::Command(c) => format!("command {c:?}"),
        }
    }

    /// Delivers `events` (one call per evaluation; nothing happens for an empty slice).
    pub async fn deliver(&self, events: &[AlertEvent]) -> Result<(), SinkError> {
        if events.is_empty() {
            return Ok(());
        }
        let fail = |message: String| SinkError { sink: self.label(), message };
        match self {
            AlertSink::Log => {
                for e in events {
                    tracing::warn!(
                        rule = %e.rule, container = %e.container, status = e.status, value = e.value,
                        threshold = e.threshold, "alert"
                    );
                }
                Ok(())
            }
            AlertSink::JsonLines(path) => {
                let mut text = String::new();
                for e in events {
                    text.push_str(&serde_json::to_string(e).map_err(|e| fail(e.to_string()))?);
                    text.push('\n');
                }
                if path.as_os_str() == "-" {
                    let mut out = std::io::stdout();
                    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|e| fail(e.to_string()))
                } else {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .and_then(|mut f| f.write_all(text.as_bytes()))
                        .map_err(|e| fail(e.to_string()))
                }
            }
            AlertSink::Webhook(url) => {
                // Alertmanager groups by alertname; one POST per group and status.
                let mut groups: Vec<Vec<AlertEvent>> = Vec::new();
                for e in events {
                    match groups.iter_mut().find(|g| g[0].rule == e.rule && g[0].status == e.status) {
                        Some(g) => g.push(e.clone()),
                        None => groups.push(vec![e.clone()]),
                    }
                }
                for g in groups {
                    let body = alertmanager_webhook(&g, "tuxpilot");
                    post_json(url, &body).await.map_err(fail)?;
                }
                Ok(())
            }
            AlertSink::Command(cmd) => {
                for e in events {
                    let json = serde_json::to_string(e).map_err(|e| fail(e.to_string()))?;
                    let mut child = tokio::process::Command::new("sh")
                        .arg("-c")
                        .arg(cmd)
                        .env("TUXPILOT_ALERT_RULE", &e.rule)
                        .env("TUXPILOT_ALERT_STATUS", e.status)
                        .env("TUXPILOT_ALERT_CONTAINER", &e.container)
                        .env("TUXPILOT_ALERT_VALUE", format!("{:.2}", e.value))
                        .env("TUXPILOT_ALERT_THRESHOLD", format!("{:.2}", e.threshold))
                        .stdin(std::process::Stdio::piped())
                        .spawn()
                        .map_err(|e| fail(format!("cannot start: {e}")))?;
                    if let Some(mut stdin) = child.stdin.take() {
                        use tokio::io::AsyncWriteExt;
                        let _ = stdin.write_all(json.as_bytes()).await;
                    }
                    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
                        .await
                        .map_err(|_| fail("did not finish within 30 s".into()))?
                        .map_err(|e| fail(e.to_string()))?;
                    if !status.success() {
                        return Err(fail(format!("exited with {status}")));
                    }
                }
                Ok(())
            }
        }
    }
}

type Https = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

/// The one HTTP client every webhook shares (its connections are reused).
fn client() -> Result<&'static Client<Https, Full<Bytes>>, String> {
    static CLIENT: std::sync::OnceLock<Result<Client<Https, Full<Bytes>>, String>> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_native_roots()
                .map_err(|e| format!("no TLS root certificates: {e}"))?
                .https_or_http()
                .enable_http1()
                .build();
            Ok(Client::builder(TokioExecutor::new()).build(connector))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// POSTs JSON with a 10 s timeout; a non-2xx answer is an error.
pub(crate) async fn post_json(url: &str, body: &serde_json::Value) -> Result<(), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("invalid URL {url:?}: {e}"))?;
    let payload = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let req = hyper::Request::post(uri)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, concat!("tuxpilot/", env!("CARGO_PKG_VERSION")))
        .body(Full::new(Bytes::from(payload)))
        .map_err(|e| e.to_string())?;
    let client = client()?;
    let resp = tokio::time::timeout(Duration::from_secs(10), client.request(req))
        .await
        .map_err(|_| "no answer within 10 s".to_string())?
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let text = resp.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    Err(format!("answered {status}: {}", String::from_utf8_lossy(&text).trim()))
}

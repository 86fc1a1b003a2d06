//! JSON events to a webhook, off the caller's path: the same sender alerts use (one shared HTTP
//! client, a 10 s limit per POST) behind a bounded queue with one worker, so a slow or dead
//! endpoint never holds up the work that emits the events. Image updates send theirs here.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

/// Events waiting for delivery, at most; more are dropped and counted.
pub const QUEUE: usize = 256;

enum Job {
    Send(serde_json::Value),
    Flush(oneshot::Sender<()>),
}

/// A webhook that receives one JSON object per POST.
pub struct JsonWebhook {
    url: String,
    tx: mpsc::Sender<Job>,
    errors: Arc<Mutex<Vec<String>>>,
    dropped: Arc<Mutex<u64>>,
}

impl std::fmt::Debug for JsonWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonWebhook").field("url", &self.url).finish()
    }
}

impl JsonWebhook {
    /// A webhook posting to `url` (`http://` or `https://`); its worker runs on the current
    /// tokio runtime. The URL is checked here.
    pub fn new(url: &str) -> Result<Self, String> {
        let uri: hyper::Uri = url.parse().map_err(|e| format!("invalid webhook URL {url:?}: {e}"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(format!("invalid webhook URL {url:?}: use http://HOST/… or https://HOST/…"));
        }
        let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
        let errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let (u, errs) = (url.to_string(), errors.clone());
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                match job {
                    Job::Send(body) => {
                        if let Err(e) = crate::sinks::post_json(&u, &body).await
                            && let Ok(mut v) = errs.lock()
                        {
                            v.push(format!("webhook {u}: {e}"));
                        }
                    }
                    Job::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Ok(Self { url: url.to_string(), tx, errors, dropped: Arc::default() })
    }

    /// Queues `event`; never waits. A full queue drops it (counted in [`Self::dropped`]).
    pub fn send(&self, event: serde_json::Value) {
        if self.tx.try_send(Job::Send(event)).is_err()
            && let Ok(mut d) = self.dropped.lock()
        {
            *d += 1;
        }
    }

    /// Deliveries that failed since the last call.
    pub fn take_errors(&self) -> Vec<String> {
        self.errors.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.lock().map(|d| *d).unwrap_or(0)
    }

    /// Waits (at most `within`) until everything queued so far was delivered or failed, and
    /// returns the failures.
    pub async fn flush(&self, within: Duration) -> Vec<String> {
        let (done, wait) = oneshot::channel();
        let tx = self.tx.clone();
        let _ = tokio::time::timeout(within, async move {
            if tx.send(Job::Flush(done)).await.is_ok() {
                let _ = wait.await;
            }
        })
        .await;
        self.take_errors()
    }
}

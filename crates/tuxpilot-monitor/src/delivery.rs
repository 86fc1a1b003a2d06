//! Alert delivery off the sampling path: a tick hands its notifications to a bounded queue and
//! goes on; one worker task delivers them to the sinks in order, each delivery under a time
//! limit. A hanging webhook delays only its own notifications, never the metrics. When the queue
//! is full, the newest batch is dropped, counted and logged.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::alerts::AlertEvent;
use crate::sinks::{AlertSink, SinkError};

/// Batches of notifications waiting for delivery, at most.
pub const QUEUE: usize = 64;
/// The longest one sink may take for one batch.
pub const SINK_TIMEOUT: Duration = Duration::from_secs(15);

enum Job {
    Deliver(Vec<AlertEvent>),
    Flush(oneshot::Sender<()>),
}

#[derive(Default)]
struct Shared {
    errors: Vec<SinkError>,
    dropped: u64,
}

/// The queue and its worker.
pub(crate) struct Delivery {
    sinks: Arc<Vec<AlertSink>>,
    tx: Option<mpsc::Sender<Job>>,
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery").field("sinks", &self.sinks).field("dropped", &self.dropped()).finish()
    }
}

impl Delivery {
    pub(crate) fn new(sinks: Vec<AlertSink>) -> Self {
        Self { sinks: Arc::new(sinks), tx: None, shared: Arc::default() }
    }

    /// The worker starts on first use (inside the runtime that ticks).
    fn sender(&mut self) -> &mpsc::Sender<Job> {
        let sinks = self.sinks.clone();
        let shared = self.shared.clone();
        self.tx.get_or_insert_with(|| {
            let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
            tokio::spawn(async move {
                while let Some(job) = rx.recv().await {
                    match job {
                        Job::Deliver(events) => {
                            for sink in sinks.iter() {
                                let failed = match tokio::time::timeout(SINK_TIMEOUT, sink.deliver(&events)).await {
                                    Ok(Ok(())) => None,
                                    Ok(Err(e)) => Some(e),
                                    Err(_) => Some(SinkError {
                                        sink: sink.label(),
                                        message: format!("no answer within {} s", SINK_TIMEOUT.as_secs()),
                                    }),
                                };
                                if let Some(e) = failed
                                    && let Ok(mut s) = shared.lock()
                                {
                                    s.errors.push(e);
                                }
                            }
                        }
                        Job::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            });
            tx
        })
    }

    /// Queues a tick's notifications; never waits.
    pub(crate) fn send(&mut self, events: Vec<AlertEvent>) {
        if events.is_empty() || self.sinks.is_empty() {
            return;
        }
        if let Err(e) = self.sender().try_send(Job::Deliver(events)) {
            let n = match e {
                mpsc::error::TrySendError::Full(Job::Deliver(ev))
                | mpsc::error::TrySendError::Closed(Job::Deliver(ev)) => ev.len(),
                _ => 0,
            };
            let total = match self.shared.lock() {
                Ok(mut s) => {
                    s.dropped += n as u64;
                    s.dropped
                }
                Err(_) => 0,
            };
            tracing::warn!(dropped = n, total, "alert delivery is behind (a sink is slow): notifications dropped");
        }
    }

    /// Sinks that failed since the last call.
    pub(crate) fn take_errors(&self) -> Vec<SinkError> {
        self.shared.lock().map(|mut s| std::mem::take(&mut s.errors)).unwrap_or_default()
    }

    /// Notifications dropped so far because the queue was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.shared.lock().map(|s| s.dropped).unwrap_or(0)
    }

    /// Waits (at most `within`) until everything queued so far was delivered or failed.
    pub(crate) async fn flush(&mut self, within: Duration) -> Vec<SinkError> {
        if self.tx.is_some() {
            let (done, wait) = oneshot::channel();
            let tx = self.sender().clone();
            let _ = tokio::time::timeout(within, async move {
                if tx.send(Job::Flush(done)).await.is_ok() {
                    let _ = wait.await;
                }
            })
            .await;
        }
        self.take_errors()
    }
}

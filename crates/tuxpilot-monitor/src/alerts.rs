//! Alert rules over metrics, with Prometheus-style states: a condition must hold for the rule's
//! `for` duration before the alert fires (pending → firing), it fires once and stays quiet while
//! firing, and it resolves once when the condition clears. A pure state machine: feed it
//! samples with their time, get the notifications to send.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::metrics::Metrics;

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertMetric {
    /// `cpu_percent`.
    Cpu,
    /// `memory_percent`.
    Memory,
    /// Disk use in percent: the engine data root's filesystem (subject `engine`), and each
    /// container's writable layer as a share of that filesystem.
    Disk,
}

/// A threshold rule (`[containers.monitoring] cpu_alert_threshold = 80.0`, plus `for`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRule {
    /// Rule name, e.g. `HighCpu`.
    pub name: String,
    /// The metric.
    pub metric: AlertMetric,
    /// Fires above this value.
    pub threshold: f64,
    /// How long the condition must hold before firing.
    pub for_duration: Duration,
}

/// A notification the state machine emits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    /// Rule name.
    pub rule: String,
    /// Container name.
    pub container: String,
    /// Container id.
    pub container_id: String,
    /// `firing` or `resolved`.
    pub status: &'static str,
    /// The value that decided.
    pub value: f64,
    /// The threshold.
    pub threshold: f64,
    /// When the condition started holding.
    pub starts_at: DateTime<Utc>,
    /// When it cleared (resolved only).
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Pending { since: DateTime<Utc> },
    Firing { since: DateTime<Utc> },
}

/// Evaluates rules over successive samples.
#[derive(Debug, Default)]
pub struct AlertEngine {
    rules: Vec<AlertRule>,
    states: BTreeMap<(String, String), State>,
}

impl AlertEngine {
    /// An engine for `rules`.
    pub fn new(rules: Vec<AlertRule>) -> Self {
        Self { rules, states: BTreeMap::new() }
    }

    /// Feeds one sample of one container taken at `now`; returns the notifications to send.
    /// (Disk rules are fed through [`AlertEngine::observe_value`].)
    pub fn observe(&mut self, m: &Metrics, now: DateTime<Utc>) -> Vec<AlertEvent> {
        let mut out = Vec::new();
        for metric in [AlertMetric::Cpu, AlertMetric::Memory] {
            let value = if metric == AlertMetric::Cpu { m.cpu_percent } else { m.memory_percent };
            out.extend(self.observe_value(metric, &m.id, &m.name, value, now));
        }
        out
    }

    /// Feeds one value of `metric` for a subject (a container, or `engine` for the data root).
    pub fn observe_value(
        &mut self,
        metric: AlertMetric,
        subject_id: &str,
        subject_name: &str,
        value: f64,
        now: DateTime<Utc>,
    ) -> Vec<AlertEvent> {
        let mut out = Vec::new();
        for rule in self.rules.iter().filter(|r| r.metric == metric) {
            let key = (rule.name.clone(), subject_id.to_string());
            let event = |status, since, ends_at| AlertEvent {
                rule: rule.name.clone(),
                container: subject_name.to_string(),
                container_id: subject_id.to_string(),
                status,
                value,
                threshold: rule.threshold,
                starts_at: since,
                ends_at,
            };
            let breached = value > rule.threshold;
            match (self.states.get(&key).copied(), breached) {
                (None, true) => {
                    if rule.for_duration.is_zero() {
                        self.states.insert(key, State::Firing { since: now });
                        out.push(event("firing", now, None));
                    } else {
                        self.states.insert(key, State::Pending { since: now });
                    }
                }
                (Some(State::Pending { since }), true) => {
                    let held = (now - since).to_std().unwrap_or(Duration::ZERO);
                    if held >= rule.for_duration {
                        self.states.insert(key, State::Firing { since });
                        out.push(event("firing", since, None));
                    }
                }
                // Firing stays quiet until it resolves.
                (Some(State::Firing { .. }), true) | (None, false) => {}
                // A dip below the threshold while pending resets the clock: no spam on flapping.
                (Some(State::Pending { .. }), false) => {
                    self.states.remove(&key);
                }
                (Some(State::Firing { since }), false) => {
                    self.states.remove(&key);
                    out.push(event("resolved", since, Some(now)));
                }
            }
        }
        out
    }

    /// Resolves alerts of subjects that are gone (a container removed while firing), so they
    /// do not stay firing forever. `present` lists the subject ids still there.
    pub fn forget_missing(&mut self, metric: AlertMetric, present: &[&str], now: DateTime<Utc>) -> Vec<AlertEvent> {
        let mut out = Vec::new();
        let rules: Vec<&AlertRule> = self.rules.iter().filter(|r| r.metric == metric).collect();
        let gone: Vec<(String, String)> = self
            .states
            .keys()
            .filter(|(rule, id)| rules.iter().any(|r| &r.name == rule) && !present.contains(&id.as_str()))
            .cloned()
            .collect();
        for key in gone {
            if let (Some(State::Firing { since }), Some(rule)) =
                (self.states.remove(&key), rules.iter().find(|r| r.name == key.0))
            {
                out.push(AlertEvent {
                    rule: rule.name.clone(),
                    container: key.1.clone(),
                    container_id: key.1.clone(),
                    status: "resolved",
                    value: 0.0,
                    threshold: rule.threshold,
                    starts_at: since,
                    ends_at: Some(now),
                });
            }
        }
        out
    }
}

/// The body Alertmanager sends to webhook receivers (version 4), for `events`.
pub fn alertmanager_webhook(events: &[AlertEvent], receiver: &str) -> serde_json::Value {
    let alerts: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            serde_json::json!({
                "status": e.status,
                "labels": {"alertname": e.rule, "container": e.container, "container_id": e.container_id, "severity": "warning"},
                "annotations": {"summary": format!("{} on {}: {:.2} > {:.2}", e.rule, e.container, e.value, e.threshold)},
                "startsAt": e.starts_at.to_rfc3339(),
                "endsAt": e.ends_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
                "generatorURL": "",
                "fingerprint": format!("{}/{}", e.rule, e.container_id),
            })
        })
        .collect();
    let firing = events.iter().any(|e| e.status == "firing");
    let common_name = events.first().map(|e| e.rule.clone()).unwrap_or_default();
    serde_json::json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{common_name}\"}}"),
        "truncatedAlerts": 0,
        "status": if firing { "firing" } else { "resolved" },
        "receiver": receiver,
        "groupLabels": {"alertname": common_name},
        "commonLabels": {"alertname": common_name},
        "commonAnnotations": {},
        "externalURL": "",
        "alerts": alerts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cpu: f64) -> Metrics {
        Metrics {
            id: "c1".into(),
            name: "web".into(),
            cpu_percent: cpu,
            memory_used_bytes: 0,
            memory_limit_bytes: 0,
            memory_percent: 0.0,
            net_rx_bytes: 0,
            net_tx_bytes: 0,
            block_read_bytes: 0,
            block_write_bytes: 0,
            pids: 1,
            timestamp: None,
        }
    }

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn engine() -> AlertEngine {
        AlertEngine::new(vec![AlertRule {
            name: "HighCpu".into(),
            metric: AlertMetric::Cpu,
            threshold: 80.0,
            for_duration: Duration::from_secs(30),
        }])
    }

    #[test]
    fn pending_then_firing_once_then_resolved_once() {
        let mut e = engine();
        assert!(e.observe(&sample(90.0), at(0)).is_empty(), "pending");
        assert!(e.observe(&sample(95.0), at(20)).is_empty(), "still pending");
        let fired = e.observe(&sample(95.0), at(30));
        assert_eq!(fired.len(), 1);
        assert_eq!((fired[0].status, fired[0].starts_at), ("firing", at(0)));
        for t in 31..40 {
            assert!(e.observe(&sample(99.0), at(t)).is_empty(), "no repeat while firing");
        }
        let resolved = e.observe(&sample(10.0), at(40));
        assert_eq!(resolved.len(), 1);
        assert_eq!((resolved[0].status, resolved[0].ends_at), ("resolved", Some(at(40))));
        assert!(e.observe(&sample(10.0), at(41)).is_empty());
    }

    #[test]
    fn flapping_input_never_fires() {
        let mut e = engine();
        let mut events = Vec::new();
        for t in 0..300 {
            // Above for 20 s, below for 1 s, again and again: never 30 s in a row.
            let cpu = if t % 21 == 20 { 50.0 } else { 90.0 };
            events.extend(e.observe(&sample(cpu), at(t)));
        }
        assert!(events.is_empty(), "{events:?}");
    }

    #[test]
    fn webhook_body_has_the_alertmanager_v4_shape() {
        let mut e = engine();
        e.observe(&sample(90.0), at(0));
        let events = e.observe(&sample(90.0), at(30));
        let body = alertmanager_webhook(&events, "tuxpilot");
        assert_eq!(body["version"], "4");
        assert_eq!(body["status"], "firing");
        assert_eq!(body["receiver"], "tuxpilot");
        assert_eq!(body["alerts"][0]["labels"]["alertname"], "HighCpu");
        assert_eq!(body["alerts"][0]["startsAt"], at(0).to_rfc3339());
        for key in ["groupKey", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "truncatedAlerts"] {
            assert!(body.get(key).is_some(), "{key}");
        }
    }
}

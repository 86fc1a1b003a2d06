//! Right-sizing: CPU and memory limits recommended from observed usage, after the Kubernetes
//! VPA recommender's rules (CPU at the 90th percentile, memory from the peak, a 15 % margin,
//! out-of-memory kills pushing memory up, confidence growing with the length of history).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tuxpilot_docker::{Engine, EngineError, ResourceUpdate};

use crate::collector::Observation;

/// Safety margin added to every estimate (VPA `recommendation-margin-fraction`).
pub const MARGIN: f64 = 0.15;
/// CPU percentile the recommendation targets.
pub const CPU_PERCENTILE: f64 = 0.90;
/// Smallest CPU limit recommended, in cores (50 mCPU: enough for a process to start).
pub const MIN_CPUS: f64 = 0.05;
/// Smallest memory limit recommended (the engine refuses less than 6 MiB).
pub const MIN_MEMORY: u64 = 6 << 20;
/// Extra memory after an out-of-memory kill: max(peak + 100 MiB, peak × 1.2), as VPA does.
pub const OOM_BUMP_BYTES: u64 = 100 << 20;

/// Usage seen for one container.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContainerHistory {
    /// Container name.
    pub name: String,
    /// Image.
    pub image: String,
    /// CPU use per sample, in cores (1.0 = one core).
    pub cpu_cores: Vec<f64>,
    /// Memory working set per sample, bytes.
    pub memory_bytes: Vec<u64>,
    /// First and last sample times.
    pub first: Option<DateTime<Utc>>,
    /// Last sample time.
    pub last: Option<DateTime<Utc>>,
    oom_first: Option<u64>,
    oom_last: Option<u64>,
}

impl ContainerHistory {
    /// Out-of-memory kills seen during the history.
    pub fn oom_kills(&self) -> u64 {
        match (self.oom_first, self.oom_last) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        }
    }
}

/// Usage histories of many containers, fed sweep by sweep.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UsageHistory {
    /// By container id.
    pub containers: BTreeMap<String, ContainerHistory>,
}

impl UsageHistory {
    /// Adds one sweep. Samples without a CPU baseline (a container's first cgroup read) count
    /// for memory only.
    pub fn record(&mut self, observations: &[Observation]) {
        for o in observations {
            let h = self.containers.entry(o.metrics.id.clone()).or_default();
            h.name.clone_from(&o.metrics.name);
            h.image.clone_from(&o.image);
            let has_baseline = o.raw.preread.is_some() || o.raw.precpu.total_usage > 0;
            if has_baseline {
                h.cpu_cores.push(o.metrics.cpu_percent / 100.0);
            }
            h.memory_bytes.push(o.metrics.memory_used_bytes);
            let at = o.metrics.timestamp.unwrap_or_else(Utc::now);
            h.first.get_or_insert(at);
            h.last = Some(at);
            if let Some(k) = o.raw.memory.stats.get("oom_kill") {
                h.oom_first.get_or_insert(*k);
                h.oom_last = Some(*k);
            }
        }
    }
}

/// How much to trust a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Under an hour of history: a starting point only.
    Low,
    /// Under a day: daily peaks may be missing.
    Medium,
    /// A day or more.
    High,
}

/// The limits recommended for one container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Container id.
    pub id: String,
    /// Container name.
    pub name: String,
    /// Compose service, when the container belongs to one.
    pub service: Option<String>,
    /// Recommended CPU limit in cores.
    pub cpus: f64,
    /// Recommended memory limit in bytes.
    pub memory_bytes: u64,
    /// Current CPU limit in cores (None = unlimited).
    pub current_cpus: Option<f64>,
    /// Current memory limit in bytes (None = unlimited).
    pub current_memory_bytes: Option<u64>,
    /// 90th percentile of CPU seen, cores.
    pub cpu_p90: f64,
    /// Peak memory seen, bytes.
    pub memory_peak_bytes: u64,
    /// Out-of-memory kills that pushed the memory figure up.
    pub oom_kills: u64,
    /// Samples behind the figures.
    pub samples: usize,
    /// Seconds of history.
    pub history_seconds: f64,
    /// The VPA-style confidence figure: min(days of history, samples / 1440).
    pub confidence_score: f64,
    /// Low, medium or high.
    pub confidence: Confidence,
}

/// The `q` quantile of `values` (nearest rank, 0 for none).
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let rank = (q * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// The recommendation for one container's history. `oom_killed` adds the engine's own
/// `State.OOMKilled` flag to the kills counted from cgroup counters.
pub fn recommend(id: &str, h: &ContainerHistory, oom_killed: bool) -> Recommendation {
    let cpu_p90 = percentile(&h.cpu_cores, CPU_PERCENTILE);
    let cpus = ((cpu_p90 * (1.0 + MARGIN)).max(MIN_CPUS) * 100.0).ceil() / 100.0;
    let peak = h.memory_bytes.iter().copied().max().unwrap_or(0);
    let oom_kills = h.oom_kills() + u64::from(oom_killed && h.oom_kills() == 0);
    let base = if oom_kills > 0 { (peak + OOM_BUMP_BYTES).max((peak as f64 * 1.2) as u64) } else { peak };
    let with_margin = (base as f64 * (1.0 + MARGIN)).ceil() as u64;
    // Round up to whole MiB; never below what was seen nor the engine's minimum.
    let mib = 1u64 << 20;
    let memory_bytes = with_margin.max(peak).max(MIN_MEMORY).div_ceil(mib) * mib;
    let history_seconds = match (h.first, h.last) {
        (Some(a), Some(b)) => (b - a).num_milliseconds().max(0) as f64 / 1000.0,
        _ => 0.0,
    };
    let samples = h.memory_bytes.len();
    let confidence_score = (history_seconds / 86_400.0).min(samples as f64 / 1440.0);
    let confidence = if history_seconds >= 86_400.0 {
        Confidence::High
    } else if history_seconds >= 3_600.0 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Recommendation {
        id: id.to_string(),
        name: h.name.clone(),
        service: None,
        cpus,
        memory_bytes,
        current_cpus: None,
        current_memory_bytes: None,
        cpu_p90,
        memory_peak_bytes: peak,
        oom_kills,
        samples,
        history_seconds,
        confidence_score,
        confidence,
    }
}

/// Memory in the units `docker update --memory` and compose accept (`m` / `M` whole MiB).
fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

impl Recommendation {
    /// The change as a `docker update` command line.
    pub fn docker_update(&self) -> String {
        let m = mib(self.memory_bytes);
        format!("docker update --cpus {:.2} --memory {m}m --memory-swap {m}m {}", self.cpus, self.name)
    }

    /// The change as a compose `deploy.resources` snippet.
    pub fn compose_snippet(&self) -> String {
        let mut s = String::new();
        let service = self.service.as_deref().unwrap_or(&self.name);
        let _ = writeln!(s, "services:\n  {service}:\n    deploy:\n      resources:\n        limits:");
        let _ = writeln!(s, "          cpus: \"{:.2}\"\n          memory: {}M", self.cpus, mib(self.memory_bytes));
        s
    }

    /// The engine update that applies it. Swap is set equal to memory (no swap), so the new
    /// memory limit is never refused for being above an old swap limit.
    pub fn resource_update(&self) -> ResourceUpdate {
        let memory = i64::try_from(self.memory_bytes).unwrap_or(i64::MAX);
        ResourceUpdate {
            memory: Some(memory),
            memory_swap: Some(memory),
            nano_cpus: Some((self.cpus * 1e9).round() as i64),
            ..Default::default()
        }
    }

    /// Applies the limits to the running container.
    pub async fn apply(&self, engine: &dyn Engine) -> Result<(), EngineError> {
        engine.update_container(&self.id, self.resource_update()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(cpu: &[f64], mem: &[u64], secs: i64) -> ContainerHistory {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        ContainerHistory {
            name: "web".into(),
            cpu_cores: cpu.to_vec(),
            memory_bytes: mem.to_vec(),
            first: Some(t0),
            last: Some(t0 + chrono::Duration::seconds(secs)),
            ..Default::default()
        }
    }

    #[test]
    fn cpu_is_p90_plus_margin_and_memory_is_peak_plus_margin() {
        let cpu: Vec<f64> = (1..=10).map(|i| f64::from(i) / 10.0).collect(); // 0.1 … 1.0
        let h = history(&cpu, &[100 << 20, 200 << 20, 150 << 20], 60);
        let r = recommend("id", &h, false);
        assert!((r.cpu_p90 - 0.9).abs() < 1e-9);
        assert!((r.cpus - 1.04).abs() < 1e-9, "0.9 × 1.15 = 1.035 → 1.04, got {}", r.cpus);
        assert_eq!(r.memory_peak_bytes, 200 << 20);
        assert_eq!(r.memory_bytes, 230 << 20);
        assert_eq!(r.confidence, Confidence::Low);
        assert_eq!(r.docker_update(), "docker update --cpus 1.04 --memory 230m --memory-swap 230m web");
        assert!(r.compose_snippet().contains("cpus: \"1.04\"\n          memory: 230M"), "{}", r.compose_snippet());
    }

    #[test]
    fn an_oom_kill_pushes_memory_up_and_floors_apply() {
        let mut h = history(&[0.0], &[50 << 20], 7200);
        h.oom_first = Some(0);
        h.oom_last = Some(1);
        let r = recommend("id", &h, false);
        assert_eq!(r.oom_kills, 1);
        // max(50 + 100, 60) MiB = 150 MiB, × 1.15 = 172.5 → 173 MiB.
        assert_eq!(r.memory_bytes, 173 << 20);
        assert_eq!(r.cpus, MIN_CPUS);
        assert_eq!(r.confidence, Confidence::Medium);
        let idle = recommend("id", &history(&[], &[1 << 20], 90_000), false);
        assert_eq!(idle.memory_bytes, MIN_MEMORY);
        assert_eq!(idle.confidence, Confidence::High);
        assert!(recommend("id", &history(&[0.1], &[10 << 20], 10), true).memory_bytes > 110 << 20);
    }

    #[test]
    fn percentile_is_nearest_rank() {
        assert_eq!(percentile(&[], 0.9), 0.0);
        assert_eq!(percentile(&[5.0], 0.9), 5.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert_eq!(percentile(&[4.0, 3.0, 2.0, 1.0], 0.9), 4.0);
    }
}

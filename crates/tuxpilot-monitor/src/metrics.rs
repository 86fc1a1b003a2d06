//! `docker stats` numbers as a pure function of raw samples (docker/cli `stats_helpers.go`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tuxpilot_docker::StatsSample;

/// The numbers `docker stats` shows for one container, from one sample (with its `precpu`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Container id.
    pub id: String,
    /// Container name.
    pub name: String,
    /// CPU use, 100 = one core fully used.
    pub cpu_percent: f64,
    /// Memory used: usage minus inactive file cache (`total_inactive_file` on cgroup v1,
    /// `inactive_file` on v2), as `docker stats`.
    pub memory_used_bytes: u64,
    /// The memory limit (the host's memory when the container has none).
    pub memory_limit_bytes: u64,
    /// Used / limit × 100 (0 when there is no limit figure).
    pub memory_percent: f64,
    /// Bytes received, all interfaces.
    pub net_rx_bytes: u64,
    /// Bytes sent, all interfaces.
    pub net_tx_bytes: u64,
    /// Bytes read from block devices (`Read` on v1, `read` on v2).
    pub block_read_bytes: u64,
    /// Bytes written to block devices.
    pub block_write_bytes: u64,
    /// Processes.
    pub pids: u64,
    /// When the sample was read.
    pub timestamp: Option<DateTime<Utc>>,
}

/// CPU % from a sample and its `precpu`: Δcontainer / Δsystem × online CPUs × 100.
pub fn cpu_percent(s: &StatsSample) -> f64 {
    let cpu_delta = s.cpu.total_usage.saturating_sub(s.precpu.total_usage) as f64;
    let system_delta =
        s.cpu.system_cpu_usage.unwrap_or(0).saturating_sub(s.precpu.system_cpu_usage.unwrap_or(0)) as f64;
    let online = match s.cpu.online_cpus {
        Some(n) if n > 0 => f64::from(n),
        _ => s.cpu.percpu_usage.len() as f64,
    };
    if system_delta > 0.0 && cpu_delta > 0.0 { cpu_delta / system_delta * online * 100.0 } else { 0.0 }
}

/// Memory in use as `docker stats` counts it.
pub fn memory_used(s: &StatsSample) -> u64 {
    let usage = s.memory.usage.unwrap_or(0);
    // cgroup v1 reports total_inactive_file; v2 reports inactive_file.
    let inactive =
        s.memory.stats.get("total_inactive_file").or_else(|| s.memory.stats.get("inactive_file")).copied().unwrap_or(0);
    if inactive < usage { usage - inactive } else { usage }
}

/// All the `docker stats` numbers of one sample.
pub fn metrics(s: &StatsSample) -> Metrics {
    let used = memory_used(s);
    let limit = s.memory.limit.unwrap_or(0);
    let (mut read, mut write) = (0u64, 0u64);
    for e in &s.blkio {
        match e.op.to_ascii_lowercase().as_str() {
            "read" => read += e.value,
            "write" => write += e.value,
            _ => {}
        }
    }
    Metrics {
        id: s.id.clone(),
        name: s.name.clone(),
        cpu_percent: cpu_percent(s),
        memory_used_bytes: used,
        memory_limit_bytes: limit,
        memory_percent: if limit > 0 { used as f64 / limit as f64 * 100.0 } else { 0.0 },
        net_rx_bytes: s.networks.values().map(|n| n.rx_bytes).sum(),
        net_tx_bytes: s.networks.values().map(|n| n.tx_bytes).sum(),
        block_read_bytes: read,
        block_write_bytes: write,
        pids: s.pids_current.unwrap_or(0),
        timestamp: s.read,
    }
}

/// Per-second rates of the counters between two metrics of the same container.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// Bytes received per second.
    pub net_rx_per_sec: f64,
    /// Bytes sent per second.
    pub net_tx_per_sec: f64,
    /// Bytes read per second.
    pub block_read_per_sec: f64,
    /// Bytes written per second.
    pub block_write_per_sec: f64,
}

/// Rates from `earlier` to `later`; `None` without timestamps or when time did not advance.
pub fn rates(earlier: &Metrics, later: &Metrics) -> Option<Rates> {
    let dt = (later.timestamp? - earlier.timestamp?).num_nanoseconds()? as f64 / 1e9;
    if dt <= 0.0 {
        return None;
    }
    let per = |a: u64, b: u64| b.saturating_sub(a) as f64 / dt;
    Some(Rates {
        net_rx_per_sec: per(earlier.net_rx_bytes, later.net_rx_bytes),
        net_tx_per_sec: per(earlier.net_tx_bytes, later.net_tx_bytes),
        block_read_per_sec: per(earlier.block_read_bytes, later.block_read_bytes),
        block_write_per_sec: per(earlier.block_write_bytes, later.block_write_bytes),
    })
}

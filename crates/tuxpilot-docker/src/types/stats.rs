//! Raw resource counters of one stats sample, as the engine reports them.
//!
//! These are counters, not percentages: turning two samples into `docker stats` numbers is the
//! monitor crate's job.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// CPU counters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CpuCounters {
    /// Total CPU time used by the container, in nanoseconds.
    pub total_usage: u64,
    /// Kernel-mode CPU time, nanoseconds.
    pub usage_in_kernelmode: u64,
    /// User-mode CPU time, nanoseconds.
    pub usage_in_usermode: u64,
    /// Per-CPU usage (cgroup v1 only; empty on v2).
    pub percpu_usage: Vec<u64>,
    /// Host CPU time, nanoseconds (absent on Windows).
    pub system_cpu_usage: Option<u64>,
    /// CPUs online.
    pub online_cpus: Option<u32>,
    /// Periods throttled.
    pub throttled_periods: u64,
    /// Time throttled, nanoseconds.
    pub throttled_time: u64,
}

/// Memory counters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemoryCounters {
    /// Usage in bytes, cache included.
    pub usage: Option<u64>,
    /// Peak usage (cgroup v1).
    pub max_usage: Option<u64>,
    /// Limit in bytes (the host's memory when the container has none).
    pub limit: Option<u64>,
    /// Fail count (v1).
    pub failcnt: Option<u64>,
    /// The cgroup's `memory.stat` (`inactive_file`, `total_inactive_file`, `cache`, …).
    pub stats: BTreeMap<String, u64>,
}

/// Counters of one network interface.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NetworkCounters {
    /// Bytes received.
    pub rx_bytes: u64,
    /// Packets received.
    pub rx_packets: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Received packets dropped.
    pub rx_dropped: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Send errors.
    pub tx_errors: u64,
    /// Sent packets dropped.
    pub tx_dropped: u64,
}

/// One block-I/O counter (`io_service_bytes_recursive` entry).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BlkioEntry {
    /// Device major number.
    pub major: u64,
    /// Device minor number.
    pub minor: u64,
    /// Operation: `Read`/`Write` (v1) or `read`/`write` (v2), also `Sync`, `Async`, `Total`…
    pub op: String,
    /// Bytes.
    pub value: u64,
}

/// One stats sample of one container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatsSample {
    /// Container id.
    pub id: String,
    /// Container name (without `/`).
    pub name: String,
    /// When this sample was read.
    pub read: Option<DateTime<Utc>>,
    /// When the previous sample was read (`precpu`).
    pub preread: Option<DateTime<Utc>>,
    /// CPU now.
    pub cpu: CpuCounters,
    /// CPU at the previous sample (zeros on a one-shot sample).
    pub precpu: CpuCounters,
    /// Memory.
    pub memory: MemoryCounters,
    /// Networks by interface name.
    pub networks: BTreeMap<String, NetworkCounters>,
    /// Block I/O bytes.
    pub blkio: Vec<BlkioEntry>,
    /// Processes.
    pub pids_current: Option<u64>,
    /// Process limit.
    pub pids_limit: Option<u64>,
}

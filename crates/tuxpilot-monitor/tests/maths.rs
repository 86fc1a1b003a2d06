//! The `docker stats` maths against stats JSON captured from a cgroup v1 daemon (this machine)
//! and a cgroup v2-shaped sample with known values.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tuxpilot_docker::parse_stats_json;
use tuxpilot_monitor::{cpu_percent, memory_used, metrics, rates};

fn fixture(name: &str) -> tuxpilot_docker::StatsSample {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name))
            .unwrap();
    parse_stats_json(&text).unwrap()
}

#[test]
fn cgroup_v2_sample_with_known_values() {
    let s = fixture("stats-v2-synthetic.json");
    let m = metrics(&s);
    // (2e9 - 1e9) / (110e9 - 100e9) × 4 CPUs × 100
    assert!((m.cpu_percent - 40.0).abs() < 1e-9, "{}", m.cpu_percent);
    // usage 100 MiB − inactive_file 20 MiB
    assert_eq!(m.memory_used_bytes, 80 << 20);
    assert_eq!(m.memory_limit_bytes, 512 << 20);
    assert!((m.memory_percent - 15.625).abs() < 1e-9);
    assert_eq!((m.net_rx_bytes, m.net_tx_bytes), (1500, 2100), "all interfaces summed");
    assert_eq!((m.block_read_bytes, m.block_write_bytes), (2 << 20, 2 << 20), "v2 lower-case ops, all devices");
    assert_eq!(m.pids, 3);
    assert_eq!(m.name, "v2-synthetic");
}

#[test]
fn cgroup_v1_busy_loop_capture() {
    let s = fixture("stats-v1-busy.json");
    let m = metrics(&s);
    // Captured from `while :; do :; done`: about one core of the two.
    assert!(m.cpu_percent > 80.0 && m.cpu_percent < 110.0, "{}", m.cpu_percent);
    assert_eq!(m.memory_limit_bytes, 256 << 20);
    let usage = s.memory.usage.unwrap();
    let inactive = s.memory.stats["total_inactive_file"];
    assert_eq!(memory_used(&s), usage - inactive.min(usage), "v1 subtracts total_inactive_file");
    assert!(m.net_rx_bytes > 0 || m.net_tx_bytes == 0);
}

#[test]
fn container_without_memory_limit_reports_the_host_limit() {
    let s = fixture("stats-v1-idle-nolimit.json");
    let m = metrics(&s);
    assert!(m.memory_limit_bytes > 1 << 30, "the host's memory: {}", m.memory_limit_bytes);
    assert!(m.memory_percent < 1.0);
    assert!(m.cpu_percent < 5.0, "{}", m.cpu_percent);
}

#[test]
fn no_precpu_means_zero_cpu_and_rates_need_time_to_pass() {
    let mut s = fixture("stats-v2-synthetic.json");
    s.precpu = Default::default();
    s.cpu.system_cpu_usage = Some(0);
    assert_eq!(cpu_percent(&s), 0.0);
    let a = metrics(&fixture("stats-v2-synthetic.json"));
    let mut b = a.clone();
    b.net_rx_bytes += 10_000;
    b.timestamp = a.timestamp.map(|t| t + chrono::Duration::seconds(2));
    let r = rates(&a, &b).unwrap();
    assert!((r.net_rx_per_sec - 5000.0).abs() < 1e-9);
    assert!(rates(&a, &a).is_none());
}

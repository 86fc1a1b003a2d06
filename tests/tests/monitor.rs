//! `tuxpilot-monitor` against the real engine and `docker stats --no-stream`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use tuxpilot_docker::{ContainerSpec, Engine, Filters};
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, unique_name};

fn docker_stats_cpu(names: &[&str]) -> BTreeMap<String, f64> {
    let out = std::process::Command::new("docker")
        .args(["stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}}"])
        .args(names)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(n, c)| (n.to_string(), c.trim_end_matches('%').parse().unwrap())))
        .collect()
}

#[tokio::test]
async fn cpu_and_memory_agree_with_docker_stats() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let marker = unique_name("mon");
    let mk = |name: &str, cmd: &str| ContainerSpec {
        name: Some(name.to_string()),
        image: TEST_IMAGE.into(),
        command: Some(vec!["sh".into(), "-c".into(), cmd.into()]),
        labels: BTreeMap::from([("io.tuxpilot.test.mon".to_string(), marker.clone())]),
        shm_size: Some(128 << 20),
        ..Default::default()
    };
    let busy = unique_name("busy");
    let idle = unique_name("idle");
    let mem = unique_name("mem");
    for (name, cmd) in [
        (&busy, "while :; do :; done"),
        (&idle, "exec sleep 3600"),
        // 64 MiB in tmpfs is charged to the container's memory and not reclaimable.
        (&mem, "head -c 67108864 /dev/zero > /dev/shm/fill && touch /tmp/done && exec sleep 3600"),
    ] {
        cleanup.container(name);
        let c = engine.create_container(mk(name, cmd)).await.unwrap();
        engine.start_container(&c.id).await.unwrap();
    }
    // Wait (bounded) until the memory filler is done.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let out = engine
            .exec(
                &mem,
                tuxpilot_docker::ExecSpec {
                    command: vec!["test".into(), "-f".into(), "/tmp/done".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if out.exit_code == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "filler did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let ours: BTreeMap<String, tuxpilot_monitor::Metrics> =
        tuxpilot_monitor::snapshot(&engine, Filters::new().label(format!("io.tuxpilot.test.mon={marker}")), 8)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.name.clone(), m))
            .collect();
    assert_eq!(ours.len(), 3);
    let theirs = docker_stats_cpu(&[&busy, &idle]);

    let b = &ours[&busy];
    assert!(b.cpu_percent > 85.0 && b.cpu_percent < 115.0, "busy loop ≈ one core: {}", b.cpu_percent);
    assert!((b.cpu_percent - theirs[&busy]).abs() < 8.0, "ours {} vs docker stats {}", b.cpu_percent, theirs[&busy]);
    let i = &ours[&idle];
    assert!(i.cpu_percent < 3.0, "idle ≈ 0: {}", i.cpu_percent);
    assert!((i.cpu_percent - theirs[&idle]).abs() < 3.0);
    let m = &ours[&mem];
    let want = 64.0 * 1024.0 * 1024.0;
    let got = m.memory_used_bytes as f64;
    assert!((got - want).abs() / want < 0.10, "memory {got} vs 64 MiB");
    assert_eq!(ours[&idle].pids, 1);
}

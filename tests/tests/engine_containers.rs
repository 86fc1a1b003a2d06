//! `BollardEngine` against the real Docker Engine: containers.
//!
//! Skipped with a message when no engine answers, failed instead under TUXPILOT_REQUIRE_DOCKER=1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tuxpilot_docker::*;
use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, engine, unique_name};

fn spec(name: &str, command: &[&str]) -> ContainerSpec {
    ContainerSpec {
        name: Some(name.to_string()),
        image: TEST_IMAGE.to_string(),
        command: Some(command.iter().map(|s| s.to_string()).collect()),
        labels: BTreeMap::from([(TEST_LABEL.to_string(), "1".to_string())]),
        ..Default::default()
    }
}

/// GETs `/` from 127.0.0.1:port, retrying while the server is still coming up (bounded).
async fn http_get(port: u16) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = async {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
            s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").await?;
            let mut buf = String::new();
            s.read_to_string(&mut buf).await?;
            std::io::Result::Ok(buf)
        };
        match tokio::time::timeout(Duration::from_secs(5), attempt).await {
            Ok(Ok(body)) if body.starts_with("HTTP/1.") => return body,
            _ if tokio::time::Instant::now() > deadline => {
                panic!("no HTTP answer on port {port} within 20 s")
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

#[tokio::test]
async fn httpd_with_a_published_port_serves_a_page() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("httpd");
    cleanup.container(&name);
    let mut s = spec(&name, &["httpd", "-f", "-p", "80", "-h", "/var/www"]);
    // No host port: the engine picks a free one, so parallel runs never collide.
    s.port_bindings = vec![PortBinding {
        container_port: ContainerPort::tcp(80),
        host_ip: Some("127.0.0.1".into()),
        host_port: None,
    }];
    let created = engine.create_container(s).await.unwrap();
    engine.start_container(&created.id).await.unwrap();

    let details = engine.inspect_container(&name).await.unwrap();
    assert_eq!(details.state.status, ContainerState::Running);
    let published =
        details.ports.iter().find(|p| p.container_port == 80 && p.host_port.is_some()).expect("port 80 published");
    let body = http_get(published.host_port.unwrap()).await;
    assert!(body.contains("200 OK"), "{body}");
    assert!(body.contains("hello from tuxpilot"), "{body}");

    let listed = engine
        .list_containers(ListContainersOptions { all: false, filters: Filters::new().with("name", name.clone()) })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);
    assert!(listed[0].ports.iter().any(|p| p.container_port == 80 && p.host_port == published.host_port));
}

#[tokio::test]
async fn limits_labels_and_settings_reach_the_engine() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("limits");
    cleanup.container(&name);
    let mut s = spec(&name, &["sleep", "300"]);
    s.memory_limit = Some(64 * 1024 * 1024);
    s.nano_cpus = Some(1_500_000_000);
    s.cpu_shares = Some(512);
    s.pids_limit = Some(50);
    s.restart_policy = Some(RestartPolicy::OnFailure { max_retries: 2 });
    s.user = Some("65534".into());
    s.working_dir = Some("/tmp".into());
    s.environment = BTreeMap::from([("GREETING".into(), "hi".into())]);
    s.labels.insert("app".into(), "tuxpilot".into());
    s.healthcheck = Some(HealthCheck {
        test: vec!["CMD-SHELL".into(), "true".into()],
        interval: Some(Duration::from_secs(5)),
        timeout: Some(Duration::from_secs(2)),
        retries: Some(3),
        start_period: None,
        start_interval: None,
    });
    s.entrypoint = Some(vec!["/bin/sh".into(), "-c".into(), "exec \"$@\"".into(), "--".into()]);
    let created = engine.create_container(s).await.unwrap();

    // Works on a created-but-not-started container too.
    let d = engine.inspect_container(&created.id).await.unwrap();
    assert_eq!(d.state.status, ContainerState::Created);
    assert_eq!(d.host_config.memory, 64 * 1024 * 1024);
    assert_eq!(d.host_config.nano_cpus, 1_500_000_000);
    assert_eq!(d.host_config.cpu_shares, 512);
    assert_eq!(d.host_config.pids_limit, Some(50));
    assert_eq!(d.host_config.restart_policy, RestartPolicy::OnFailure { max_retries: 2 });
    assert_eq!(d.user, "65534");
    assert_eq!(d.working_dir, "/tmp");
    assert!(d.env.contains(&"GREETING=hi".to_string()));
    assert_eq!(d.labels.get("app").map(String::as_str), Some("tuxpilot"));
    assert_eq!(d.entrypoint[0], "/bin/sh");
    let hc = d.healthcheck.expect("health check");
    assert_eq!(hc.test, vec!["CMD-SHELL".to_string(), "true".to_string()]);
    assert_eq!(hc.interval, Some(Duration::from_secs(5)));
    assert_eq!(hc.retries, Some(3));

    // update: limits change on the live container.
    engine.start_container(&created.id).await.unwrap();
    engine
        .update_container(
            &created.id,
            ResourceUpdate {
                memory: Some(128 << 20),
                memory_swap: Some(256 << 20),
                nano_cpus: Some(500_000_000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let d = engine.inspect_container(&created.id).await.unwrap();
    assert_eq!(d.host_config.memory, 128 << 20);
    assert_eq!(d.host_config.nano_cpus, 500_000_000);

    // top sees the sleep.
    let top = engine.top(&created.id).await.unwrap();
    assert!(top.processes.iter().any(|p| p.iter().any(|c| c.contains("sleep"))), "{top:?}");
}

#[tokio::test]
async fn logs_keep_stdout_and_stderr_apart() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("logs");
    cleanup.container(&name);
    let created = engine
        .create_container(spec(&name, &["sh", "-c", "echo out-1; echo err-1 >&2; echo out-2; exit 3"]))
        .await
        .unwrap();
    engine.start_container(&created.id).await.unwrap();
    let exit = engine.wait_container(&created.id).await.unwrap();
    assert_eq!(exit.code, 3, "a non-zero exit is an outcome, not an error");

    let chunks: Vec<LogChunk> =
        engine.logs(&name, LogOptions { timestamps: true, ..Default::default() }).map(|c| c.unwrap()).collect().await;
    let of = |s: LogStream| {
        chunks.iter().filter(|c| c.stream == s).map(|c| c.message.trim_end().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(of(LogStream::Stdout), vec!["out-1", "out-2"]);
    assert_eq!(of(LogStream::Stderr), vec!["err-1"]);
    assert!(chunks.iter().all(|c| c.timestamp.is_some()), "timestamps were asked for");

    // --tail counts lines across both streams, whose relative order is not fixed; a
    // stdout-only container makes the expectation exact.
    let only_out = unique_name("tail");
    cleanup.container(&only_out);
    let c = engine.create_container(spec(&only_out, &["sh", "-c", "echo a; echo b; echo c"])).await.unwrap();
    engine.start_container(&c.id).await.unwrap();
    engine.wait_container(&c.id).await.unwrap();
    let last: Vec<LogChunk> =
        engine.logs(&only_out, LogOptions { tail: Some(2), ..Default::default() }).map(|c| c.unwrap()).collect().await;
    assert_eq!(last.iter().map(|c| c.message.trim_end()).collect::<Vec<_>>(), vec!["b", "c"]);
    assert!(last.iter().all(|c| c.timestamp.is_none() && c.stream == LogStream::Stdout));
}

#[tokio::test]
async fn follow_streams_new_output_until_the_container_exits() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("follow");
    cleanup.container(&name);
    let created = engine
        .create_container(spec(&name, &["sh", "-c", "for i in 1 2 3; do echo line-$i; sleep 0.2; done"]))
        .await
        .unwrap();
    engine.start_container(&created.id).await.unwrap();
    let lines: Vec<String> = tokio::time::timeout(
        Duration::from_secs(30),
        engine
            .logs(&name, LogOptions { follow: true, ..Default::default() })
            .map(|c| c.unwrap().message.trim_end().to_string())
            .collect::<Vec<_>>(),
    )
    .await
    .expect("follow ends when the container exits");
    assert_eq!(lines, vec!["line-1", "line-2", "line-3"]);
}

#[tokio::test]
async fn stop_and_remove_leave_nothing_behind() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("stoprm");
    cleanup.container(&name);
    let vol = unique_name("anon");
    let mut s = spec(&name, &["sleep", "300"]);
    s.mounts = vec![MountSpec {
        kind: MountKind::Volume,
        source: None,
        target: "/data".into(),
        read_only: false,
        no_copy: false,
        propagation: None,
        create_host_path: false,
        tmpfs_size: None,
    }];
    s.labels.insert("vol-test".into(), vol.clone());
    let created = engine.create_container(s).await.unwrap();
    engine.start_container(&created.id).await.unwrap();
    let anon_volume =
        engine.inspect_container(&created.id).await.unwrap().mounts[0].name.clone().expect("anonymous volume");

    // `sleep` ignores SIGTERM as PID 1, so this also proves the kill after the timeout.
    engine.stop_container(&created.id, Some(Duration::from_secs(1))).await.unwrap();
    assert_eq!(engine.inspect_container(&created.id).await.unwrap().state.status, ContainerState::Exited);
    engine.remove_container(&created.id, RemoveOptions { force: false, volumes: true }).await.unwrap();

    assert!(engine.inspect_container(&created.id).await.unwrap_err().is_not_found());
    let left = engine
        .list_containers(ListContainersOptions { all: true, filters: Filters::new().with("name", name.clone()) })
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert!(engine.inspect_volume(&anon_volume).await.unwrap_err().is_not_found(), "anonymous volume removed with -v");
}

#[tokio::test]
async fn missing_container_is_not_found() {
    let Some(engine) = engine().await else { return };
    let name = unique_name("ghost");
    for err in [
        engine.inspect_container(&name).await.unwrap_err(),
        engine.start_container(&name).await.unwrap_err(),
        engine.stop_container(&name, None).await.unwrap_err(),
        engine.remove_container(&name, RemoveOptions::default()).await.unwrap_err(),
    ] {
        match err {
            EngineError::NotFound { kind: ResourceKind::Container, name: n, .. } => assert_eq!(n, name),
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn name_clash_is_a_conflict_and_running_remove_needs_force() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("clash");
    cleanup.container(&name);
    let created = engine.create_container(spec(&name, &["sleep", "300"])).await.unwrap();
    let err = engine.create_container(spec(&name, &["sleep", "300"])).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    engine.start_container(&created.id).await.unwrap();
    // Starting a running container is not an error (304).
    engine.start_container(&created.id).await.unwrap();
    let err = engine.remove_container(&created.id, RemoveOptions::default()).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    engine.remove_container(&created.id, RemoveOptions { force: true, volumes: true }).await.unwrap();
}

#[tokio::test]
async fn missing_image_is_not_found_naming_the_image() {
    let Some(engine) = engine().await else { return };
    let mut s = spec(&unique_name("noimage"), &["true"]);
    s.image = "tuxpilot-test/does-not-exist:never".into();
    match engine.create_container(s).await {
        Err(EngineError::NotFound { kind: ResourceKind::Image, name, .. }) => {
            assert_eq!(name, "tuxpilot-test/does-not-exist:never")
        }
        other => panic!("expected image NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn parallel_tests_do_not_collide() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let run = |tag: &'static str| {
        let engine = engine.clone();
        async move {
            let name = unique_name(tag);
            let c = engine.create_container(spec(&name, &["sleep", "300"])).await.unwrap();
            engine.start_container(&c.id).await.unwrap();
            (name, c.id)
        }
    };
    let ((a_name, a_id), (b_name, b_id)) = tokio::join!(run("par"), run("par"));
    cleanup.container(&a_id);
    cleanup.container(&b_id);
    assert_ne!(a_name, b_name);
    assert_ne!(a_id, b_id);
    for (name, id) in [(&a_name, &a_id), (&b_name, &b_id)] {
        let d = engine.inspect_container(name).await.unwrap();
        assert_eq!(&d.id, id);
        assert_eq!(d.state.status, ContainerState::Running);
    }
}

#[tokio::test]
async fn stats_give_cpu_memory_and_pids() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("stats");
    cleanup.container(&name);
    let mut s = spec(&name, &["sleep", "300"]);
    s.memory_limit = Some(32 << 20);
    let c = engine.create_container(s).await.unwrap();
    engine.start_container(&c.id).await.unwrap();
    let sample = engine.stats_once(&c.id).await.unwrap();
    assert_eq!(sample.id, c.id);
    assert_eq!(sample.memory.limit, Some(32 << 20));
    assert!(sample.memory.usage.unwrap_or(0) > 0);
    assert!(sample.cpu.system_cpu_usage.unwrap_or(0) > 0);
    assert!(sample.precpu.system_cpu_usage.unwrap_or(0) > 0, "stats_once fills precpu");
    assert_eq!(sample.pids_current, Some(1));
    let streamed: Vec<_> = engine.stats(&c.id).take(2).collect().await;
    assert_eq!(streamed.len(), 2);
    assert!(streamed.iter().all(|s| s.as_ref().is_ok_and(|s| s.id == c.id)));
}

#[tokio::test]
async fn kill_restart_and_rename() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("kill");
    let c = engine.create_container(spec(&name, &["sleep", "300"])).await.unwrap();
    cleanup.container(&c.id);
    engine.start_container(&c.id).await.unwrap();
    let first_start = engine.inspect_container(&c.id).await.unwrap().state.started_at;
    engine.restart_container(&c.id, Some(Duration::from_secs(1))).await.unwrap();
    let d = engine.inspect_container(&c.id).await.unwrap();
    assert_eq!(d.state.status, ContainerState::Running);
    assert_ne!(d.state.started_at, first_start);
    engine.kill_container(&c.id, None).await.unwrap();
    let exit = engine.wait_container(&c.id).await.unwrap();
    assert_eq!(exit.code, 137, "SIGKILL");
    let renamed = unique_name("renamed");
    engine.rename_container(&c.id, &renamed).await.unwrap();
    assert_eq!(engine.inspect_container(&c.id).await.unwrap().name, renamed);
}

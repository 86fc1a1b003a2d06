//! `tuxpilot-compose` running projects on the real engine: order, health, ports, scale,
//! recreate, orphans, failures, and interoperability with Debian's docker-compose 1.29.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tuxpilot_compose::runtime::{
    ComposeRuntime, DownOptions, PlanOptions, ProgressEvent, ProjectMeta, RunError, UpOptions, labels,
};
use tuxpilot_compose::{ConfigFile, LoadOptions};
use tuxpilot_docker::{BollardEngine, ContainerSummary, Engine, Filters, ListContainersOptions};
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, unique_name};

const THREE_TIER: &str = r#"
services:
  web:
    image: IMAGE
    command: ["httpd", "-f", "-p", "80", "-h", "/var/www"]
    ports: ["127.0.0.1::80"]
    depends_on:
      api: {condition: service_started}
  api:
    image: IMAGE
    command: ["sleep", "3600"]
    environment:
      MODE: ${MODE:-one}
    depends_on:
      db: {condition: service_healthy}
  db:
    image: IMAGE
    command: ["sh", "-c", "touch /data/ready; exec sleep 3600"]
    volumes: ["dbdata:/data"]
    healthcheck:
      test: ["CMD", "test", "-f", "/data/ready"]
      interval: 1s
      retries: 20
volumes:
  dbdata: {}
"#;

struct Project {
    dir: tempfile::TempDir,
    name: String,
    events: Arc<Mutex<Vec<ProgressEvent>>>,
    _cleanup: Cleanup,
}

impl Project {
    fn new(tag: &str, yaml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), yaml.replace("IMAGE", TEST_IMAGE)).unwrap();
        let name = unique_name(tag);
        let cleanup = Cleanup::new();
        cleanup.containers_labelled(&format!("{}={name}", labels::PROJECT));
        cleanup.network(&format!("{name}_default"));
        cleanup.volume(&format!("{name}_dbdata"));
        Self { dir, name, events: Arc::new(Mutex::new(Vec::new())), _cleanup: cleanup }
    }

    fn write(&self, yaml: &str) {
        std::fs::write(self.dir.path().join("compose.yaml"), yaml.replace("IMAGE", TEST_IMAGE)).unwrap();
    }

    fn runtime(&self, engine: &BollardEngine, env: &[(&str, &str)]) -> ComposeRuntime {
        let mut o = LoadOptions::new(self.dir.path());
        o.environment = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>();
        o.project_name = Some(self.name.clone());
        o.files = vec![ConfigFile::path(self.dir.path().join("compose.yaml"))];
        let loaded = tuxpilot_compose::load(&o).unwrap();
        let meta = ProjectMeta::new(&loaded.working_dir, &loaded.config_files);
        let events = self.events.clone();
        ComposeRuntime::new(
            Arc::new(engine.clone()),
            loaded.project,
            meta,
            Arc::new(move |e| events.lock().unwrap().push(e)),
        )
    }

    async fn containers(&self, engine: &BollardEngine) -> Vec<ContainerSummary> {
        let filters = Filters::new().label(format!("{}={}", labels::PROJECT, self.name));
        let mut v = engine.list_containers(ListContainersOptions { all: true, filters }).await.unwrap();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    fn started_order(&self) -> Vec<String> {
        self.events.lock().unwrap().iter().filter(|e| e.status == "Started").map(|e| e.name.clone()).collect()
    }
}

async fn http_get(port: u16) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = async {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
            s.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
            let mut buf = String::new();
            s.read_to_string(&mut buf).await?;
            std::io::Result::Ok(buf)
        };
        match tokio::time::timeout(Duration::from_secs(5), attempt).await {
            Ok(Ok(b)) if b.starts_with("HTTP/1.") => return b,
            _ if tokio::time::Instant::now() > deadline => panic!("no answer on port {port}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Runs `sh -c SCRIPT` in replica 1 of `app`: its standard output and exit code.
async fn sh(rt: &ComposeRuntime, script: &str) -> (String, i64) {
    let spec =
        tuxpilot_docker::ExecSpec { command: vec!["sh".into(), "-c".into(), script.into()], ..Default::default() };
    let out = rt.exec("app", 1, spec).await.unwrap();
    let stdout = out
        .output
        .iter()
        .filter(|c| c.stream == tuxpilot_docker::LogStream::Stdout)
        .map(|c| c.message.clone())
        .collect();
    (stdout, out.exit_code)
}

#[tokio::test]
async fn three_tier_comes_up_in_order_serves_and_goes_down_completely() {
    let Some(engine) = engine().await else { return };
    let p = Project::new("tier", THREE_TIER);
    let rt = p.runtime(&engine, &[]);
    rt.up(&UpOptions::default()).await.unwrap();
    let names: Vec<String> = ["db", "api", "web"].iter().map(|s| format!("{}-{s}-1", p.name)).collect();
    assert_eq!(p.started_order(), names, "db before api before web");

    let cs = p.containers(&engine).await;
    assert_eq!(cs.len(), 3);
    let web = cs.iter().find(|c| c.name.ends_with("-web-1")).unwrap();
    assert_eq!(web.labels[labels::SERVICE], "web");
    assert_eq!(web.labels[labels::NUMBER], "1");
    assert_eq!(web.labels[labels::ONEOFF], "False");
    assert_eq!(web.labels[labels::CONFIG_HASH].len(), 64);
    assert!(web.labels[labels::CONFIG_FILES].ends_with("compose.yaml"));
    let api = cs.iter().find(|c| c.name.ends_with("-api-1")).unwrap();
    assert_eq!(api.labels[labels::DEPENDS_ON], "db:service_healthy:false");
    let port = web.ports.iter().find_map(|p| p.host_port).expect("published");
    assert!(http_get(port).await.contains("hello from tuxpilot"));
    let db = engine.inspect_container(&format!("{}-db-1", p.name)).await.unwrap();
    assert_eq!(db.networks.keys().cloned().collect::<Vec<_>>(), vec![format!("{}_default", p.name)]);
    assert!(db.networks.values().next().unwrap().aliases.contains(&"db".to_string()), "service name is a DNS alias");

    // A second up with nothing changed touches no container.
    p.events.lock().unwrap().clear();
    let plan = rt.up(&UpOptions::default()).await.unwrap();
    assert!(plan.is_empty(), "{plan:?}");
    assert!(p.events.lock().unwrap().iter().all(|e| e.status == "Healthy"), "{:?}", p.events.lock().unwrap());

    rt.down(&DownOptions { volumes: true, timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
    assert!(p.containers(&engine).await.is_empty());
    assert!(engine.inspect_network(&format!("{}_default", p.name)).await.unwrap_err().is_not_found());
    assert!(engine.inspect_volume(&format!("{}_dbdata", p.name)).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn scaling_keeps_container_numbers_right() {
    let Some(engine) = engine().await else { return };
    let p = Project::new(
        "scale",
        "services:\n  worker:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n",
    );
    let rt = p.runtime(&engine, &[]);
    let scale = |n: u32| UpOptions {
        plan: PlanOptions { scale: BTreeMap::from([("worker".into(), n)]), ..Default::default() },
        ..Default::default()
    };
    rt.up(&scale(3)).await.unwrap();
    let numbers = |cs: Vec<ContainerSummary>| cs.iter().map(|c| c.labels[labels::NUMBER].clone()).collect::<Vec<_>>();
    assert_eq!(numbers(p.containers(&engine).await), vec!["1", "2", "3"]);
    rt.up(&scale(1)).await.unwrap();
    let cs = p.containers(&engine).await;
    assert_eq!(numbers(cs.clone()), vec!["1"]);
    assert_eq!(cs[0].name, format!("{}-worker-1", p.name));
    rt.up(&scale(2)).await.unwrap();
    assert_eq!(numbers(p.containers(&engine).await), vec!["1", "2"]);
    rt.down(&DownOptions::default()).await.unwrap();
}

#[tokio::test]
async fn an_edited_service_is_recreated_and_the_others_are_not() {
    let Some(engine) = engine().await else { return };
    let p = Project::new("edit", THREE_TIER);
    p.runtime(&engine, &[]).up(&UpOptions::default()).await.unwrap();
    let before: BTreeMap<String, String> = p.containers(&engine).await.into_iter().map(|c| (c.name, c.id)).collect();
    // MODE changes only api's environment.
    let rt = p.runtime(&engine, &[("MODE", "two")]);
    let plan = rt.up(&UpOptions { stop_timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
    assert!(plan.services["db"].is_empty() && plan.services["web"].is_empty(), "{plan:?}");
    let after: BTreeMap<String, String> = p.containers(&engine).await.into_iter().map(|c| (c.name, c.id)).collect();
    assert_eq!(after.len(), 3);
    for (name, id) in &after {
        if name.ends_with("-api-1") {
            assert_ne!(&before[name], id, "api recreated");
            let d = engine.inspect_container(id).await.unwrap();
            assert!(d.env.contains(&"MODE=two".to_string()));
        } else {
            assert_eq!(&before[name], id, "{name} untouched");
        }
    }
    rt.down(&DownOptions { volumes: true, timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

#[tokio::test]
async fn orphans_are_removed_only_with_remove_orphans() {
    let Some(engine) = engine().await else { return };
    let two = "services:\n  a:\n    image: IMAGE\n    command: [sleep, '3600']\n  b:\n    image: IMAGE\n    command: [sleep, '3600']\n";
    let p = Project::new("orphan", two);
    p.runtime(&engine, &[]).up(&UpOptions::default()).await.unwrap();
    p.write("services:\n  a:\n    image: IMAGE\n    command: [sleep, '3600']\n");
    let rt = p.runtime(&engine, &[]);
    let plan = rt.up(&UpOptions::default()).await.unwrap();
    assert_eq!(plan.orphans_kept, vec![format!("{}-b-1", p.name)]);
    assert_eq!(p.containers(&engine).await.len(), 2, "orphan kept without the flag");
    rt.up(&UpOptions {
        plan: PlanOptions { remove_orphans: true, ..Default::default() },
        stop_timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    })
    .await
    .unwrap();
    let left: Vec<String> = p.containers(&engine).await.into_iter().map(|c| c.name).collect();
    assert_eq!(left, vec![format!("{}-a-1", p.name)]);
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

#[tokio::test]
async fn an_unhealthy_dependency_stops_the_chain_with_a_clear_error() {
    let Some(engine) = engine().await else { return };
    let yaml = "services:\n  app:\n    image: IMAGE\n    command: [sleep, '3600']\n    depends_on:\n      db: {condition: service_healthy}\n  db:\n    image: IMAGE\n    command: [sh, -c, 'echo starting db; exec sleep 3600']\n    healthcheck:\n      test: [CMD, 'false']\n      interval: 1s\n      retries: 2\n";
    let p = Project::new("sick", yaml);
    let rt = p.runtime(&engine, &[]);
    let err = rt.up(&UpOptions { wait_timeout: Duration::from_secs(60), ..Default::default() }).await.unwrap_err();
    match &err {
        RunError::ServiceFailed { service, message, logs, .. } => {
            assert_eq!(service, "db");
            assert_eq!(message, &format!("dependency failed to start: container {}-db-1 is unhealthy", p.name));
            assert!(logs.iter().any(|l| l.contains("starting db")), "{logs:?}");
        }
        other => panic!("expected ServiceFailed, got {other:?}"),
    }
    // As with compose, dependents are created but never started.
    let cs = p.containers(&engine).await;
    let app = cs.iter().find(|c| c.name == format!("{}-app-1", p.name)).expect("app created");
    assert_eq!(app.state, tuxpilot_docker::ContainerState::Created, "app was never started");
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

/// Debian's docker-compose 1.29 reads the same labels: it sees and removes what we made, and we
/// see and remove what it made.
#[tokio::test]
async fn interoperates_with_docker_compose_1_29() {
    let Some(engine) = engine().await else { return };
    if std::process::Command::new("docker-compose").arg("version").output().is_err() {
        assert!(!tuxpilot_tests::docker_required(), "docker-compose is missing; run scripts/dev-engine.sh");
        eprintln!("skipping: docker-compose not installed");
        return;
    }
    let yaml = "services:\n  web:\n    image: IMAGE\n    command: [sleep, '3600']\n  db:\n    image: IMAGE\n    command: [sleep, '3600']\n";
    let p = Project::new("interop", yaml);
    let dc = |args: &[&str]| {
        let out = std::process::Command::new("docker-compose")
            .current_dir(p.dir.path())
            .args(["-p", &p.name])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "docker-compose {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Ours up, theirs ps and down.
    let rt = p.runtime(&engine, &[]);
    rt.up(&UpOptions::default()).await.unwrap();
    let ps = dc(&["ps", "--services"]);
    let mut services: Vec<&str> = ps.lines().collect();
    services.sort();
    assert_eq!(services, vec!["db", "web"]);
    dc(&["down", "-t", "1"]);
    assert!(p.containers(&engine).await.is_empty(), "docker-compose removed what we made");

    // Theirs up, ours ps and down.
    dc(&["up", "-d"]);
    let ours = rt.containers(true).await.unwrap();
    let mut seen: Vec<String> = ours.iter().map(|c| c.labels[labels::SERVICE].clone()).collect();
    seen.sort();
    assert_eq!(seen, vec!["db", "web"]);
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
    assert!(p.containers(&engine).await.is_empty());
    assert!(engine.inspect_network(&format!("{}_default", p.name)).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn an_interrupted_up_converges_on_the_next_run_without_duplicates() {
    let Some(engine) = engine().await else { return };
    let yaml = "services:\n  a:\n    image: IMAGE\n    command: [sleep, '3600']\n    deploy: {replicas: 3}\n  b:\n    image: IMAGE\n    command: [sleep, '3600']\n    depends_on: [a]\n";
    let p = Project::new("intr", yaml);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut o = LoadOptions::new(p.dir.path());
    o.environment = HashMap::new();
    o.project_name = Some(p.name.clone());
    let loaded = tuxpilot_compose::load(&o).unwrap();
    let meta = ProjectMeta::new(&loaded.working_dir, &loaded.config_files);
    let rt = ComposeRuntime::new(
        Arc::new(engine.clone()),
        loaded.project,
        meta,
        Arc::new(move |e: ProgressEvent| {
            let _ = tx.send(e);
        }),
    );
    // Interrupt right after the first container was created: the up is dropped mid-flight.
    let task = tokio::spawn({
        let rt = rt.clone();
        async move { rt.up(&UpOptions::default()).await }
    });
    while let Some(e) = rx.recv().await {
        if e.status == "Created" && e.kind == "Container" {
            break;
        }
    }
    task.abort();
    let _ = task.await;
    let partial = p.containers(&engine).await.len();
    assert!(partial < 4, "interrupted before everything was made ({partial})");

    p.runtime(&engine, &[]).up(&UpOptions::default()).await.unwrap();
    let cs = p.containers(&engine).await;
    let names: Vec<&str> = cs.iter().map(|c| c.name.as_str()).collect();
    let want: Vec<String> = ["a-1", "a-2", "a-3", "b-1"].iter().map(|s| format!("{}-{s}", p.name)).collect();
    assert_eq!(names, want);
    assert!(cs.iter().all(|c| c.state == tuxpilot_docker::ContainerState::Running), "{cs:?}");
    p.runtime(&engine, &[])
        .down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() })
        .await
        .unwrap();
}

#[tokio::test]
async fn restart_policies_and_resource_limits_reach_the_engine() {
    let Some(engine) = engine().await else { return };
    let yaml = "services:\n  a:\n    image: IMAGE\n    command: [sleep, '3600']\n    restart: unless-stopped\n    mem_limit: 64m\n    cpus: 0.5\n    pids_limit: 40\n  b:\n    image: IMAGE\n    command: [sleep, '3600']\n    restart: always\n    deploy:\n      restart_policy: {condition: on-failure, max_attempts: 4}\n      resources:\n        limits: {cpus: '0.25', memory: 32m, pids: 20}\n        reservations: {memory: 16m}\n";
    let p = Project::new("limits", yaml);
    let rt = p.runtime(&engine, &[]);
    rt.up(&UpOptions::default()).await.unwrap();
    let a = engine.inspect_container(&format!("{}-a-1", p.name)).await.unwrap();
    assert_eq!(a.host_config.restart_policy, tuxpilot_docker::RestartPolicy::UnlessStopped);
    assert_eq!(a.host_config.memory, 64 << 20);
    assert_eq!(a.host_config.nano_cpus, 500_000_000);
    assert_eq!(a.host_config.pids_limit, Some(40));
    let b = engine.inspect_container(&format!("{}-b-1", p.name)).await.unwrap();
    assert_eq!(
        b.host_config.restart_policy,
        tuxpilot_docker::RestartPolicy::OnFailure { max_retries: 4 },
        "deploy.restart_policy wins"
    );
    assert_eq!(b.host_config.memory, 32 << 20);
    assert_eq!(b.host_config.memory_reservation, 16 << 20);
    assert_eq!(b.host_config.nano_cpus, 250_000_000);
    assert_eq!(b.host_config.pids_limit, Some(20));
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

#[tokio::test]
async fn one_off_run_is_labelled_and_returns_the_exit_code() {
    let Some(engine) = engine().await else { return };
    let p = Project::new("run", "services:\n  job:\n    image: IMAGE\n    command: [sh, -c, 'echo default']\n");
    let rt = p.runtime(&engine, &[]);
    let (code, out) =
        rt.run_oneoff("job", Some(vec!["sh".into(), "-c".into(), "echo ran; exit 4".into()]), false).await.unwrap();
    assert_eq!(code, 4);
    assert_eq!(out.iter().map(|c| c.message.trim_end()).collect::<Vec<_>>(), vec!["ran"]);
    let cs = p.containers(&engine).await;
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].labels[labels::ONEOFF], "True");
    assert!(cs[0].name.starts_with(&format!("{}-job-run-", p.name)), "{}", cs[0].name);
    assert!(!cs[0].labels.contains_key(labels::NUMBER));
    // `up` does not count one-off containers as replicas.
    rt.up(&UpOptions::default()).await.unwrap();
    let numbered = p.containers(&engine).await.into_iter().filter(|c| c.labels.contains_key(labels::NUMBER)).count();
    assert_eq!(numbered, 1);
    let (code, _) = rt.run_oneoff("job", None, true).await.unwrap();
    assert_eq!(code, 0);
    assert_eq!(p.containers(&engine).await.len(), 2, "--rm removed the second one-off");
    rt.down(&DownOptions { remove_orphans: true, timeout: Some(Duration::from_secs(1)), ..Default::default() })
        .await
        .unwrap();
}

#[tokio::test]
async fn build_contexts_go_to_the_engine_and_exec_runs_in_the_service() {
    let Some(engine) = engine().await else { return };
    let p = Project::new(
        "build",
        "services:\n  app:\n    build:\n      context: ./app\n      args: {GREETING: hi}\n    stop_grace_period: 1s\n",
    );
    std::fs::create_dir_all(p.dir.path().join("app")).unwrap();
    std::fs::write(p.dir.path().join("app/Dockerfile"), format!("FROM {TEST_IMAGE}\nARG GREETING\nCOPY msg.txt /msg.txt\nCOPY . /ctx/\nRUN echo \"$GREETING\" > /greeting\nCMD [\"sleep\", \"3600\"]\n")).unwrap();
    std::fs::write(p.dir.path().join("app/msg.txt"), "from the context\n").unwrap();
    // .dockerignore keeps these out of the context the engine receives.
    std::fs::write(p.dir.path().join("app/.dockerignore"), "secret.txt\n*.log\ncache/\n!cache/keep\n").unwrap();
    std::fs::write(p.dir.path().join("app/secret.txt"), "s3cret\n").unwrap();
    std::fs::write(p.dir.path().join("app/debug.log"), "x\n").unwrap();
    std::fs::create_dir_all(p.dir.path().join("app/cache")).unwrap();
    std::fs::write(p.dir.path().join("app/cache/blob"), "x\n").unwrap();
    std::fs::write(p.dir.path().join("app/cache/keep"), "x\n").unwrap();
    let rt = p.runtime(&engine, &[]);
    let image = format!("{}-app", p.name);
    rt.up(&UpOptions::default()).await.unwrap();
    assert!(engine.inspect_image(&image).await.is_ok(), "missing image was built");
    let out = rt
        .exec(
            "app",
            1,
            tuxpilot_docker::ExecSpec {
                command: vec!["sh".into(), "-c".into(), "cat /msg.txt /greeting; echo oops >&2; exit 5".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.exit_code, 5);
    let text = |s: tuxpilot_docker::LogStream| {
        out.output.iter().filter(|c| c.stream == s).map(|c| c.message.clone()).collect::<String>()
    };
    assert_eq!(text(tuxpilot_docker::LogStream::Stdout), "from the context\nhi\n");
    assert_eq!(text(tuxpilot_docker::LogStream::Stderr), "oops\n");
    let (files, _) = sh(&rt, "cd /ctx && find . -type f | sort").await;
    assert_eq!(files, "./.dockerignore\n./Dockerfile\n./cache/keep\n./msg.txt\n", "the ignored files stayed out");
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
    rt.remove_images(true).await.unwrap();
    assert!(engine.inspect_image(&image).await.unwrap_err().is_not_found(), "down --rmi local removed it");

    // A build that fails names the service and says why.
    std::fs::write(p.dir.path().join("app/Dockerfile"), format!("FROM {TEST_IMAGE}\nRUN exit 7\n")).unwrap();
    let err = p.runtime(&engine, &[]).build(&[], false).await.unwrap_err();
    assert!(err.to_string().contains("failed to build service \"app\""), "{err}");
}

#[tokio::test]
async fn file_secrets_and_configs_are_mounted_read_only() {
    let Some(engine) = engine().await else { return };
    let yaml = "services:\n  app:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n    secrets: [db_password, {source: api_key, target: key}]\n    configs: [{source: app_conf, target: /etc/app.conf}]\nsecrets:\n  db_password: {file: ./db_password.txt}\n  api_key: {file: ./api_key.txt}\nconfigs:\n  app_conf: {file: ./app.conf}\n";
    let p = Project::new("secret", yaml);
    std::fs::write(p.dir.path().join("db_password.txt"), "s3cret\n").unwrap();
    std::fs::write(p.dir.path().join("api_key.txt"), "k3y\n").unwrap();
    std::fs::write(p.dir.path().join("app.conf"), "level=debug\n").unwrap();
    let rt = p.runtime(&engine, &[]);
    rt.up(&UpOptions::default()).await.unwrap();
    let (stdout, exit_code) =
        sh(&rt, "cat /run/secrets/db_password /run/secrets/key /etc/app.conf; echo x > /run/secrets/key").await;
    assert_eq!(stdout, "s3cret\nk3y\nlevel=debug\n");
    assert_ne!(exit_code, 0, "secrets are read-only");
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

/// Secrets and configs from `content:` and `environment:` are written into the container
/// before it starts, with compose's targets, modes and owners; an unset variable fails the
/// start in compose's words.
#[tokio::test]
async fn content_and_environment_secrets_are_written_into_the_container() {
    let Some(engine) = engine().await else { return };
    let yaml = "services:\n  app:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n    secrets: [token, {source: inline, target: pw, mode: 0400, uid: '1000', gid: '100'}]\n    configs: [{source: conf, target: /etc/app/app.conf}]\nsecrets:\n  token: {environment: APP_TOKEN}\n  inline: {content: \"p@ss $${NOT_A_VAR}\"}\nconfigs:\n  conf: {content: \"level=${LEVEL:-info}\"}\n";
    let p = Project::new("envsecret", yaml);
    let rt = p.runtime(&engine, &[("APP_TOKEN", "t0k3n"), ("LEVEL", "debug")]);
    rt.up(&UpOptions::default()).await.unwrap();
    let script = "cat /run/secrets/token; echo; cat /run/secrets/pw; echo; cat /etc/app/app.conf; echo; \
                  stat -c '%a %u %g' /run/secrets/token /run/secrets/pw /etc/app/app.conf";
    let (stdout, _) = sh(&rt, script).await;
    assert_eq!(stdout, "t0k3n\np@ss ${NOT_A_VAR}\nlevel=debug\n444 0 0\n400 1000 100\n444 0 0\n");
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();

    // Without the variable, the start fails and says which one.
    let rt = p.runtime(&engine, &[("LEVEL", "debug")]);
    let err = rt.up(&UpOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("environment variable \"APP_TOKEN\" required by secret \"token\" is not set"), "{err}");
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

/// `depends_on: {db: {restart: true}}`: when `up` recreates db, web is stopped first and
/// started again after it (same container); a dependent without `restart: true` keeps running.
/// `restart db` takes web along.
#[tokio::test]
async fn dependents_with_restart_true_restart_when_their_dependency_is_recreated() {
    let Some(engine) = engine().await else { return };
    let yaml = "services:\n  db:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n    environment: {MODE: \"${MODE:-one}\"}\n  web:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n    depends_on: {db: {condition: service_started, restart: true}}\n  worker:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n    depends_on: [db]\n";
    let p = Project::new("deprestart", yaml);
    p.runtime(&engine, &[]).up(&UpOptions::default()).await.unwrap();
    let state = |c: Vec<ContainerSummary>| -> BTreeMap<String, String> {
        c.into_iter().map(|c| (c.labels[labels::SERVICE].clone(), c.id)).collect()
    };
    let before = state(p.containers(&engine).await);
    let started = |id: String| {
        let engine = engine.clone();
        async move { engine.inspect_container(&id).await.unwrap().state.started_at.unwrap() }
    };
    let (web0, worker0) = (started(before["web"].clone()).await, started(before["worker"].clone()).await);

    let rt = p.runtime(&engine, &[("MODE", "two")]);
    let plan = rt.up(&UpOptions::default()).await.unwrap();
    assert_eq!(plan.dependents_stopped.len(), 1, "{plan:?}");
    let after = state(p.containers(&engine).await);
    assert_ne!(after["db"], before["db"], "db is recreated");
    assert_eq!((&after["web"], &after["worker"]), (&before["web"], &before["worker"]), "dependents are not recreated");
    assert!(started(after["web"].clone()).await > web0, "web was restarted");
    assert_eq!(started(after["worker"].clone()).await, worker0, "worker kept running");
    let web_running = engine.inspect_container(&after["web"]).await.unwrap().state.running;
    assert!(web_running, "web runs again");

    assert_eq!(rt.with_restart_dependents(&["db".into()]), ["db", "web"]);
    assert_eq!(rt.with_restart_dependents(&["worker".into()]), ["worker"]);
    rt.down(&DownOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

/// A recreated container keeps its predecessor's anonymous volume (`volumes: [/data]`), as
/// compose's does; `renew_anon_volumes` (`up -V`) gives it a new, empty one.
#[tokio::test]
async fn a_recreated_container_keeps_its_anonymous_volume_unless_renewed() {
    let Some(engine) = engine().await else { return };
    let yaml = "services:\n  app:\n    image: IMAGE\n    command: [sleep, '3600']\n    stop_grace_period: 1s\n    environment: {MODE: \"${MODE:-one}\"}\n    volumes: [/data]\n";
    let p = Project::new("anonvol", yaml);
    let cleanup = Cleanup::new();
    let run = |env: &'static [(&'static str, &'static str)], renew: bool| {
        let rt = p.runtime(&engine, env);
        async move {
            rt.up(&UpOptions { renew_anon_volumes: renew, ..Default::default() }).await.unwrap();
            rt
        }
    };
    let volume_of =
        |c: &ContainerSummary| c.mounts.iter().find(|m| m.destination == "/data").and_then(|m| m.name.clone());
    let rt = run(&[], false).await;
    sh(&rt, "echo kept > /data/file").await;
    let first = p.containers(&engine).await;
    let v1 = volume_of(&first[0]).unwrap();
    cleanup.volume(&v1);

    let rt = run(&[("MODE", "two")], false).await;
    let second = p.containers(&engine).await;
    assert_ne!(second[0].id, first[0].id, "recreated");
    assert_eq!(volume_of(&second[0]).as_deref(), Some(v1.as_str()), "the same anonymous volume");
    assert_eq!(sh(&rt, "cat /data/file").await.0, "kept\n");

    let rt = run(&[("MODE", "three")], true).await;
    let third = p.containers(&engine).await;
    let v3 = volume_of(&third[0]).unwrap();
    cleanup.volume(&v3);
    assert_ne!(v3, v1, "-V: a new volume");
    assert_eq!(sh(&rt, "cat /data/file 2>/dev/null || echo none").await.0, "none\n");
    rt.down(&DownOptions { volumes: true, timeout: Some(Duration::from_secs(1)), ..Default::default() }).await.unwrap();
}

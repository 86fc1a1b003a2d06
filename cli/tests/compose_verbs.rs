//! compose's smaller verbs against a real engine, run as a docker compose user writes them,
//! from the project's directory and by `-p NAME` alone: create, images, port, cp (both ways,
//! files and directories, `-` for a tar), kill, pause/unpause, events, wait, stats.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

use tuxpilot_tests::{TEST_IMAGE, compose_project, docker_cli as docker, engine, output_text as text};

fn tuxpilot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").current_dir(dir).stdin(Stdio::null());
    c
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", text(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn state(container: &str) -> String {
    docker(&["inspect", "-f", "{{.State.Status}}", container])
}

#[tokio::test]
async fn compose_verbs_work_as_docker_compose_does() {
    let Some(_engine) = engine().await else { return };
    let (project, name, _cleanup) = compose_project(
        "verbs",
        &format!(
            "  web:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"trap 'exit 0' TERM; sleep 600 & wait\"]\n    ports: [\"127.0.0.1::80\"]\n  job:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"sleep 600 & wait\"]\n"
        ),
    );
    let dir = project.path();
    let web = format!("{name}-web-1");
    let job = format!("{name}-job-1");

    // create: made, not started.
    ok(&tuxpilot(dir).args(["compose", "create"]).output().unwrap());
    assert_eq!(state(&web), "created");
    ok(&tuxpilot(dir).args(["compose", "up", "-d"]).output().unwrap());
    assert_eq!(state(&web), "running");

    // By name alone, from elsewhere, for everything below.
    let elsewhere = tempfile::tempdir().unwrap();
    let by_name = |args: &[&str]| {
        let mut c = tuxpilot(elsewhere.path());
        c.args(["compose", "-p", &name]).args(args);
        c
    };

    // images: compose's columns and JSON keys.
    let table = ok(&by_name(&["images"]).output().unwrap());
    assert!(
        table.trim_start().starts_with("CONTAINER") && table.contains("IMAGE ID") && table.contains(&web),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&by_name(&["--format", "json", "images"]).output().unwrap())).unwrap();
    let first = &json.as_array().unwrap()[0];
    for key in ["ID", "ContainerName", "Repository", "Tag", "Size"] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }

    // port: the published address; an unpublished port says which are.
    let address = ok(&by_name(&["port", "web", "80"]).output().unwrap());
    let published = docker(&["port", &web, "80/tcp"]);
    assert_eq!(address.trim(), published.lines().next().unwrap());
    let o = by_name(&["port", "web", "81"]).output().unwrap();
    assert!(!o.status.success() && text(&o).contains("no port 81/tcp"), "{}", text(&o));

    // cp: a file in, a directory in under a new name, both out again, and a tar to stdout.
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("note.txt"), "hello cp\n").unwrap();
    std::fs::create_dir(host.path().join("conf")).unwrap();
    std::fs::write(host.path().join("conf/a.conf"), "a=1\n").unwrap();
    let src = host.path().join("note.txt");
    ok(&by_name(&["cp", src.to_str().unwrap(), "web:/tmp/"]).output().unwrap());
    let conf = host.path().join("conf");
    ok(&by_name(&["cp", conf.to_str().unwrap(), "web:/etc/renamed"]).output().unwrap());
    assert_eq!(docker(&["exec", &web, "cat", "/tmp/note.txt", "/etc/renamed/a.conf"]), "hello cp\na=1");
    let back = host.path().join("back.txt");
    ok(&by_name(&["cp", "web:/tmp/note.txt", back.to_str().unwrap()]).output().unwrap());
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "hello cp\n");
    let out_dir = tempfile::tempdir().unwrap();
    ok(&by_name(&["cp", "web:/etc/renamed", out_dir.path().to_str().unwrap()]).output().unwrap());
    assert_eq!(std::fs::read_to_string(out_dir.path().join("renamed/a.conf")).unwrap(), "a=1\n");
    let tar = by_name(&["cp", "web:/tmp/note.txt", "-"]).output().unwrap();
    assert!(tar.status.success());
    let mut archive = tar::Archive::new(&tar.stdout[..]);
    let names: Vec<String> =
        archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
    assert_eq!(names, ["note.txt"]);
    // A path the container does not have: not found (3), naming the path.
    let o = by_name(&["cp", "web:/no/such/path", out_dir.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("/no/such/path: no such file or directory in container"), "{}", text(&o));
    let o = by_name(&["cp", "/etc/hostname", "/tmp/x"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "neither side a service: {}", text(&o));

    // pause / unpause, seen by events --json as they happen. The stream is known to be open
    // once an event of ours arrives: poke the container (an exec is an event) until one does.
    let mut events = by_name(&["events", "--json"]).stdout(Stdio::piped()).spawn().unwrap();
    let reader = std::io::BufReader::new(events.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut seen = Vec::new();
    while seen.is_empty() {
        assert!(std::time::Instant::now() < deadline, "events never started");
        docker(&["exec", &web, "true"]);
        seen.extend(rx.recv_timeout(std::time::Duration::from_millis(500)));
    }
    ok(&by_name(&["pause", "web"]).output().unwrap());
    assert_eq!(state(&web), "paused");
    ok(&by_name(&["unpause"]).output().unwrap());
    assert_eq!(state(&web), "running");
    while !seen.iter().any(|e: &serde_json::Value| e["action"] == "unpause") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        seen.push(rx.recv_timeout(left).unwrap_or_else(|_| panic!("no unpause event: {seen:?}")));
    }
    let _ = events.kill();
    let _ = events.wait();
    let pause = seen.iter().find(|e| e["action"] == "pause").expect("the pause event");
    assert_eq!(pause["service"], "web");
    assert_eq!(pause["type"], "container");
    assert_eq!(pause["attributes"]["name"], web.as_str());
    assert!(pause["attributes"].get("com.docker.compose.project").is_none(), "labels left out: {pause}");

    // kill -s TERM: web's trap exits 0; stats while job still runs; wait returns job's code.
    ok(&by_name(&["kill", "-s", "SIGTERM", "web"]).output().unwrap());
    let stats = ok(&by_name(&["stats", "--no-stream"]).output().unwrap());
    assert!(stats.contains(&job) && stats.contains("MEM USAGE / LIMIT"), "{stats}");
    // The kill comes once `wait` says (in its log) that it has found what to wait for.
    let mut waiting = by_name(&["wait", "job"])
        .env("TUXPILOT_LOG", "tuxpilot_compose=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = std::io::BufReader::new(waiting.stderr.take().unwrap()).lines();
    let started = log.by_ref().map_while(Result::ok).find(|l| l.contains("waiting for the containers to stop"));
    assert!(started.is_some(), "wait never began");
    ok(&by_name(&["kill", "job"]).output().unwrap());
    let o = waiting.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(137), "SIGKILL's code is ours: {}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("exited with status code 137"), "{}", text(&o));
    // Nothing left running: kill says so and succeeds; wait has nothing to wait for.
    let o = by_name(&["kill"]).output().unwrap();
    assert!(o.status.success() && text(&o).contains("no container to kill"), "{}", text(&o));
    let o = by_name(&["wait"]).output().unwrap();
    assert!(!o.status.success() && text(&o).contains("no containers for project"), "{}", text(&o));
    ok(&tuxpilot(dir).args(["compose", "down", "-t", "0"]).output().unwrap());
}

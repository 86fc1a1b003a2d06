//! The config hash is Docker Compose v2's own: a project brought up by one tool is left as it is
//! by the other's `up`, both ways, and the containers carry the same
//! `com.docker.compose.config-hash`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use tuxpilot_tests::{TEST_IMAGE, docker_required, engine, output_text, unique_name};

/// A service with most of what changes a hash: env_file and environment (with `<&>`), ports,
/// a health check, limits, a dependency, a named volume, a label.
fn compose(dir: &std::path::Path) {
    std::fs::write(dir.join("app.env"), "FROM_FILE=1\n").unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        format!(
            r#"
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    env_file: [app.env]
    environment: {{MARK: "<a&b>", EMPTY: ""}}
    ports: ["127.0.0.1::8080"]
    labels: {{team: web}}
    depends_on: [db]
    healthcheck: {{test: ["CMD", "true"], interval: 1s, retries: 3}}
    deploy: {{resources: {{limits: {{memory: 64m, cpus: "0.5"}}}}}}
    stop_grace_period: 1s
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    volumes: ["data:/data"]
    stop_grace_period: 1s
volumes:
  data: {{}}
"#
        ),
    )
    .unwrap();
}

fn v2_available() -> bool {
    let ok = Command::new("docker")
        .args(["compose", "version"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("version 2."));
    if !ok {
        assert!(
            !docker_required(),
            "TUXPILOT_REQUIRE_DOCKER=1 but `docker compose` (v2) is missing: run scripts/dev-engine.sh"
        );
        eprintln!("skipping: `docker compose` (v2) is not installed; scripts/dev-engine.sh installs it");
    }
    ok
}

fn run(dir: &std::path::Path, tuxpilot: bool, project: &str, args: &[&str]) -> Output {
    let mut c = if tuxpilot {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
        c.env("TUXPILOT_CONFIG", "/dev/null").args(["compose", "-p", project, "--progress", "plain"]);
        c
    } else {
        let mut c = Command::new("docker");
        c.args(["compose", "-p", project]);
        c
    };
    let o = c.current_dir(dir).args(args).output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    o
}

/// (name, id, config hash) of the project's containers, sorted.
fn containers(project: &str) -> Vec<(String, String, String)> {
    let o = Command::new("docker")
        .args(["ps", "-a", "--filter", &format!("label=com.docker.compose.project={project}")])
        .args(["--format", "{{.Names}} {{.ID}} {{.Label \"com.docker.compose.config-hash\"}}"])
        .output()
        .unwrap();
    let mut v: Vec<(String, String, String)> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            Some((p.next()?.to_string(), p.next()?.to_string(), p.next().unwrap_or("").to_string()))
        })
        .collect();
    v.sort();
    v
}

struct Down(std::path::PathBuf, String);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["compose", "-p", &self.1, "down", "-v", "-t", "0"])
            .current_dir(&self.0)
            .output();
    }
}

#[tokio::test]
async fn neither_tool_recreates_what_the_other_brought_up() {
    let Some(_engine) = engine().await else { return };
    if !v2_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    compose(dir.path());
    for (first, second) in [(false, true), (true, false)] {
        let project = unique_name("hash");
        let _down = Down(dir.path().to_path_buf(), project.clone());
        run(dir.path(), first, &project, &["up", "-d", "--wait"]);
        let before = containers(&project);
        assert_eq!(before.len(), 2, "{before:?}");
        let o = run(dir.path(), second, &project, &["up", "-d", "--wait"]);
        let after = containers(&project);
        assert_eq!(
            before,
            after,
            "{} recreated what {} made:\n{}",
            if second { "tuxpilot" } else { "docker compose" },
            if first { "tuxpilot" } else { "docker compose" },
            output_text(&o)
        );
        // And tuxpilot's `config --hash` is the label both put on the containers.
        let o = run(dir.path(), true, &project, &["config", "--hash", "*"]);
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        for (name, _, hash) in &after {
            let service = if name.contains("-web-") { "web" } else { "db" };
            assert!(text.contains(&format!("{service} {hash}")), "{text} vs {after:?}");
        }
    }
}

/// `config --hash` is v2's on every fixture project v2 loads (all attribute groups included),
/// except where `env_file` is used: v2's `config --hash` hashes before reading env files, while
/// its `up` labels the hash after, which is what we print (the test above checks that label).
#[test]
fn config_hash_equals_docker_compose_on_the_fixtures() {
    if !v2_available() {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut compared = 0;
    for base in ["crates/tuxpilot-compose/tests/fixtures", "crates/tuxpilot-kubernetes/tests/kubernetes"] {
        for entry in std::fs::read_dir(root.join(base)).unwrap() {
            let dir = entry.unwrap().path();
            let file = dir.join("compose.yaml");
            if !file.exists() || std::fs::read_to_string(&file).unwrap().contains("env_file") {
                continue;
            }
            let v2 =
                Command::new("docker").args(["compose", "config", "--hash", "*"]).current_dir(&dir).output().unwrap();
            if !v2.status.success() {
                continue;
            }
            let ours = Command::new(env!("CARGO_BIN_EXE_tuxpilot"))
                .env("TUXPILOT_CONFIG", "/dev/null")
                .args(["compose", "config", "--hash", "*"])
                .current_dir(&dir)
                .output()
                .unwrap();
            let sorted = |o: &Output| {
                let mut l: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect();
                l.sort();
                l
            };
            assert_eq!(sorted(&ours), sorted(&v2), "{}: {}", dir.display(), output_text(&ours));
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} fixtures compared");
}

/// `config --format json` is v2's, value for value, on every fixture project v2 loads.
#[test]
fn config_json_equals_docker_compose_on_the_fixtures() {
    if !v2_available() {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut compared = 0;
    for base in ["crates/tuxpilot-compose/tests/fixtures", "crates/tuxpilot-kubernetes/tests/kubernetes"] {
        for entry in std::fs::read_dir(root.join(base)).unwrap() {
            let dir = entry.unwrap().path();
            if !dir.join("compose.yaml").exists() {
                continue;
            }
            let config = |tuxpilot: bool| {
                let mut c = if tuxpilot {
                    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
                    c.env("TUXPILOT_CONFIG", "/dev/null");
                    c
                } else {
                    Command::new("docker")
                };
                c.args(["compose", "config", "--format", "json"]).current_dir(&dir).output().unwrap()
            };
            let v2 = config(false);
            if !v2.status.success() {
                continue;
            }
            let ours = config(true);
            assert!(ours.status.success(), "{}: {}", dir.display(), output_text(&ours));
            let parse = |o: &Output| serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
            assert_eq!(parse(&ours), parse(&v2), "{}", dir.display());
            compared += 1;
        }
    }
    assert!(compared >= 14, "only {compared} fixtures compared");
}

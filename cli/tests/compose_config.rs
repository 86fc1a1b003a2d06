//! `tuxpilot compose config`: output shapes, flags, exit codes and error messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::Value;

const COMPOSE: &str = "name: shop
services:
  web:
    image: nginx:${TAG:-1.27}
    ports: [\"8080:80\"]
    depends_on: [api]
  api:
    build: ./api
    environment: [MODE=prod]
    profiles: [backend]
  debug:
    image: busybox
    profiles: [debug]
";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
    std::fs::write(dir.path().join(".env"), "TAG=1.25\n").unwrap();
    dir
}

fn tuxpilot(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.current_dir(dir)
        .env("TUXPILOT_CONFIG", "/dev/null")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_FILE")
        .env_remove("TAG");
    c
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn prints_the_normalized_project_as_yaml_and_json() {
    let dir = project();
    let out = tuxpilot(dir.path()).args(["compose", "--profile", "backend", "config"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.starts_with("name: shop\nservices:\n"), "{yaml}");
    assert!(yaml.contains("image: nginx:1.25"), ".env is read: {yaml}");
    assert!(yaml.contains("      published: \"8080\""), "{yaml}");
    assert!(yaml.contains("condition: service_started"), "{yaml}");

    let out =
        tuxpilot(dir.path()).args(["compose", "--profile", "backend", "config", "--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], "shop");
    assert_eq!(v["services"]["web"]["ports"][0]["target"], 80);
    assert_eq!(v["services"]["web"]["ports"][0]["published"], "8080");
    assert_eq!(v["services"]["api"]["environment"]["MODE"], "prod");
    assert_eq!(v["services"]["web"]["depends_on"]["api"]["required"], true);
    assert_eq!(v["networks"]["default"]["name"], "shop_default");
    assert_eq!(v["services"]["api"]["build"]["context"], dir.path().join("api").to_str().unwrap());
}

#[test]
fn listing_flags() {
    let dir = project();
    let run = |args: &[&str]| {
        let out = tuxpilot(dir.path()).args(["compose", "--profile", "backend"]).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(run(&["config", "--services"]), "api\nweb\n");
    assert_eq!(run(&["config", "--profiles"]), "backend\ndebug\n", "every profile, also of disabled services");
    assert_eq!(run(&["config", "--images"]), "shop-api\nnginx:1.25\n");
    assert_eq!(run(&["config", "--networks"]), "default\n");
    assert_eq!(run(&["config", "-q"]), "");
    let hashes = run(&["config", "--hash", "*"]);
    let lines: Vec<&str> = hashes.lines().collect();
    assert_eq!(lines.len(), 2);
    for (line, svc) in lines.iter().zip(["api", "web"]) {
        let (name, hash) = line.split_once(' ').unwrap();
        assert_eq!(name, svc);
        assert_eq!(hash.len(), 64);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    }
    assert_eq!(run(&["config", "--hash", "web"]), lines[1].to_string() + "\n");
}

#[test]
fn without_the_profile_the_dependency_is_reported() {
    let dir = project();
    let out = tuxpilot(dir.path()).args(["compose", "config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("compose.yaml:6:"), "names file and line: {err}");
    assert!(err.contains("services.web.depends_on.api"), "{err}");
    assert!(err.contains("hint: activate one of its profiles: --profile backend"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn env_var_profiles_and_project_name() {
    let dir = project();
    let out = tuxpilot(dir.path())
        .env("COMPOSE_PROFILES", "backend,debug")
        .args(["compose", "-p", "other", "config", "--services"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "api\ndebug\nweb\n");
    let out = tuxpilot(dir.path()).args(["compose", "-p", "Bad Name", "config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid project name \"Bad Name\""));
}

#[test]
fn reads_standard_input_and_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.yaml");
    let out = tuxpilot(dir.path())
        .args(["compose", "-f", "-", "-p", "stdin", "config", "-o", out_file.to_str().unwrap()])
        .write_stdin("services:\n  a:\n    image: busybox\n    command: echo $$HOME\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(text.contains("- $$HOME"), "a literal $ is printed escaped, so the output loads again: {text}");
}

#[test]
fn no_interpolate_keeps_variables() {
    let dir = project();
    let out =
        tuxpilot(dir.path()).args(["compose", "--profile", "backend", "config", "--no-interpolate"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("image: nginx:${TAG:-1.27}"), "{}", stdout(&out));
}

#[test]
fn bad_files_fail_with_location_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    ports:\n      - \"99999:80\"\n",
    )
    .unwrap();
    let out = tuxpilot(dir.path()).args(["compose", "config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("compose.yaml:5:9: services.web.ports[0]: invalid port `99999`"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    let out = tuxpilot(empty.path()).args(["compose", "config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no configuration file provided"), "{}", stderr(&out));
}

#[test]
fn no_consistency_prints_a_project_with_undefined_references() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "name: t\nservices:\n  web:\n    image: x\n    networks: [missing]\n    depends_on: [nowhere]\n",
    )
    .unwrap();
    let o = tuxpilot(dir.path()).args(["compose", "config"]).output().unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("undefined"), "{}", stderr(&o));
    let o = tuxpilot(dir.path()).args(["compose", "config", "--no-consistency", "--format", "json"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["services"]["web"]["networks"].get("missing").is_some(), "{v}");
}

/// Files that never end or never answer (a device, a named pipe with no writer, endless stdin)
/// are refused with the file named, never read until memory runs out or waited on for ever.
#[test]
fn endless_and_blocking_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let cases: [(&str, &str); 4] = [
        ("services:\n  a:\n    image: busybox\n    env_file: /dev/zero\n", "character device, not a regular file"),
        ("services:\n  a:\n    image: busybox\n    env_file: ./pipe\n", "named pipe"),
        ("services:\n  a:\n    image: busybox\n    label_file: /dev/urandom\n", "label_file"),
        ("include:\n  - ./pipe\nservices:\n  a:\n    image: busybox\n", "named pipe"),
    ];
    for (yaml, words) in cases {
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let out = tuxpilot(dir.path())
            .args(["compose", "config"])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{yaml}\n{err}");
        assert!(err.contains(words), "{yaml}\n{err}");
    }
    let out = tuxpilot(dir.path())
        .args(["compose", "-f"])
        .arg(&fifo)
        .arg("config")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("named pipe"), "{out:?}");
    // Standard input that never ends (assert_cmd would read it whole first: std's Command passes
    // the file itself).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tuxpilot"))
        .current_dir(dir.path())
        .env("TUXPILOT_CONFIG", "/dev/null")
        .args(["compose", "-f", "-", "config"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than 64 MiB"), "{out:?}");
}

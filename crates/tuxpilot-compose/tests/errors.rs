//! Every rejection: the message users know, the file, the line (and column) and the key path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;

use tuxpilot_compose::{ConfigFile, Error, ErrorKind, LoadOptions, load};

/// Writes `files` (name, content) into a temp dir and loads the first one (plus any `-f` extra).
fn load_files(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<tuxpilot_compose::LoadedProject, Error>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }
    let mut o = LoadOptions::new(dir.path());
    o.environment = HashMap::from([("HOME".into(), "/home/tester".into())]);
    o.project_name = Some("t".into());
    o.files = vec![ConfigFile::path(dir.path().join(files[0].0))];
    let r = load(&o);
    (dir, r)
}

fn err(text: &str) -> Error {
    let (_d, r) = load_files(&[("compose.yaml", text)]);
    r.unwrap_err()
}

fn assert_at(e: &Error, line: usize, path: Option<&str>, message: &str) {
    let loc = e.location.as_ref().unwrap_or_else(|| panic!("no location in {e}"));
    assert_eq!(loc.line, line, "line of: {e}");
    assert!(loc.file.ends_with("compose.yaml"), "file of: {e}");
    assert_eq!(e.path.as_deref(), path, "path of: {e}");
    assert!(e.message.contains(message), "message of: {e}\nwant: {message}");
}

#[test]
fn yaml_syntax_error() {
    let e = err("services:\n  web:\n    image: nginx\n    ports: [80\n  db: {}\n");
    assert_eq!(e.kind, ErrorKind::Yaml);
    assert!(e.location.as_ref().unwrap().line >= 4, "{e}");
    assert!(e.to_string().contains("compose.yaml:"), "{e}");
}

#[test]
fn duplicate_key() {
    let e = err("services:\n  web:\n    image: a\n    image: b\n");
    assert_eq!(e.kind, ErrorKind::Yaml);
    assert_eq!(e.location.unwrap().line, 4);
    assert_eq!(e.message, "mapping key \"image\" already defined at line 3");
}

#[test]
fn unknown_attribute_suggests_the_right_one() {
    let e = err("services:\n  web:\n    image: nginx\n    restrat: always\n");
    assert_eq!(e.kind, ErrorKind::Schema);
    assert_at(
        &e,
        4,
        Some("services.web.restrat"),
        "services.web additional properties 'restrat' not allowed (did you mean `restart`?)",
    );
    let e = err("services:\n  web:\n    image: nginx\nvolumez: {}\n");
    assert_at(&e, 4, Some("volumez"), "additional properties 'volumez' not allowed");
}

#[test]
fn extensions_are_allowed_anywhere() {
    let (_d, r) = load_files(&[(
        "compose.yaml",
        "x-top: 1\nservices:\n  web:\n    image: nginx\n    x-svc: {a: 1}\n    deploy:\n      x-nested: true\n",
    )]);
    let p = r.unwrap().project;
    assert_eq!(p.extensions["x-top"], 1);
    assert_eq!(p.services["web"].extensions["x-svc"]["a"], 1);
}

#[test]
fn undefined_service_network_volume_secret_config() {
    let e = err("services:\n  web:\n    image: a\n    depends_on:\n      - db\n");
    assert_at(
        &e,
        5,
        Some("services.web.depends_on.db"),
        "service \"web\" depends on undefined service \"db\": invalid compose project",
    );
    let e = err("services:\n  web:\n    image: a\n    networks: [front]\n");
    assert_at(&e, 4, Some("services.web.networks.front"), "service \"web\" refers to undefined network front");
    let e = err("services:\n  web:\n    image: a\n    volumes:\n      - data:/data\n");
    assert_at(&e, 5, Some("services.web.volumes[0]"), "service \"web\" refers to undefined volume data");
    let e = err("services:\n  web:\n    image: a\n    secrets: [token]\n");
    assert_at(&e, 4, Some("services.web.secrets[0]"), "refers to undefined secret token");
    let e = err("services:\n  web:\n    image: a\n    configs:\n      - source: conf\n");
    assert_at(&e, 5, Some("services.web.configs[0]"), "refers to undefined config conf");
    let e = err("services:\n  web:\n    image: a\n    network_mode: service:vpn\n");
    assert_at(&e, 4, Some("services.web.network_mode"), "depends on undefined service \"vpn\"");
}

#[test]
fn optional_dependency_may_be_missing() {
    let (_d, r) = load_files(&[(
        "compose.yaml",
        "services:\n  web:\n    image: a\n    depends_on:\n      db: {condition: service_started, required: false}\n",
    )]);
    assert!(r.is_ok(), "{:?}", r.err());
}

#[test]
fn dependency_cycle_names_every_member() {
    let e = err(
        "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n",
    );
    assert_eq!(e.kind, ErrorKind::Cycle);
    assert_at(&e, 4, Some("services.a.depends_on"), "dependency cycle detected: a -> b -> c -> a");
    let e = err("services:\n  a:\n    image: x\n    depends_on: [a]\n");
    assert!(e.message.contains("dependency cycle detected: a -> a"), "{e}");
    // Implicit dependencies count too.
    let e = err("services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    volumes_from: [a]\n");
    assert!(e.message.contains("a -> b -> a"), "{e}");
}

#[test]
fn service_needs_image_or_build() {
    let e = err("services:\n  web:\n    ports: ['80']\n");
    assert_at(&e, 2, Some("services.web"), "service \"web\" has neither an image nor a build context specified");
}

#[test]
fn container_name_with_replicas_and_conflicting_scale() {
    let e = err("services:\n  web:\n    image: a\n    container_name: web\n    scale: 2\n");
    assert_at(
        &e,
        4,
        Some("services.web.container_name"),
        "can't set container_name and web as container name must be unique",
    );
    let e = err("services:\n  web:\n    image: a\n    scale: 2\n    deploy:\n      replicas: 3\n");
    assert_at(&e, 4, Some("services.web.scale"), "can't set distinct values on 'scale' and 'deploy.replicas'");
}

#[test]
fn bad_port_duration_size_and_restart() {
    let e = err("services:\n  web:\n    image: a\n    ports:\n      - 80:80\n      - abc:80\n");
    assert_at(&e, 6, Some("services.web.ports[1]"), "invalid port `abc`");
    let e = err(
        "services:\n  web:\n    image: a\n    healthcheck:\n      test: [CMD, 'true']\n      interval: 10 seconds\n",
    );
    assert_at(&e, 6, Some("services.web.healthcheck.interval"), "invalid duration `10 seconds`");
    let e = err("services:\n  web:\n    image: a\n    mem_limit: lots\n");
    assert_at(&e, 4, Some("services.web.mem_limit"), "invalid size `lots`");
    let e = err("services:\n  web:\n    image: a\n    restart: sometimes\n");
    assert_at(&e, 4, Some("services.web.restart"), "invalid restart policy `sometimes`");
    let e = err(
        "services:\n  web:\n    image: a\n    depends_on:\n      db: {condition: service_ready}\n  db:\n    image: b\n",
    );
    assert!(e.message.contains("invalid condition `service_ready`"), "{e}");
}

#[test]
fn network_mode_and_networks_exclude_each_other() {
    let e = err("services:\n  web:\n    image: a\n    network_mode: host\n    networks: [n]\nnetworks:\n  n: {}\n");
    assert_at(&e, 4, Some("services.web.network_mode"), "mutually exclusive `network_mode` and `networks`");
}

#[test]
fn interpolation_errors_name_the_key() {
    let e = err("services:\n  web:\n    image: \"nginx:${TAG:?set TAG first}\"\n");
    assert_eq!(e.kind, ErrorKind::Interpolation);
    assert_at(&e, 3, Some("services.web.image"), "required variable TAG is missing a value: set TAG first");
    let e = err("services:\n  web:\n    image: nginx\n    command: echo ${1}\n");
    assert_at(
        &e,
        4,
        Some("services.web.command"),
        "invalid interpolation format for services.web.command.\nYou may need to escape any $ with another $.\necho ${1}",
    );
}

#[test]
fn extends_errors() {
    let e = err("services:\n  web:\n    extends: base\n");
    assert_eq!(e.kind, ErrorKind::Extends);
    assert!(
        e.message.contains("cannot extend service \"web\"") && e.message.contains("service \"base\" not found"),
        "{e}"
    );
    assert_eq!(e.location.as_ref().unwrap().line, 3);
    let e = err("services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n");
    assert_eq!(e.kind, ErrorKind::Cycle);
    assert!(e.message.starts_with("Circular reference:"), "{e}");
    assert!(e.message.contains("extends b in") && e.message.contains("extends a in"), "{e}");
    let (_d, r) = load_files(&[(
        "compose.yaml",
        "services:\n  web:\n    extends:\n      file: other.yaml\n      service: base\n",
    )]);
    let e = r.unwrap_err();
    assert!(e.message.contains("other.yaml: no such file"), "{e}");
    assert_eq!(e.path.as_deref(), Some("services.web.extends.file"));
}

#[test]
fn include_cycle() {
    let (_d, r) = load_files(&[
        ("compose.yaml", "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n"),
        ("sub/compose.yaml", "include: [../compose.yaml]\n"),
    ]);
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Cycle);
    assert!(e.message.starts_with("include cycle detected:"), "{e}");
}

#[test]
fn env_file_required_or_not() {
    let e = err("services:\n  web:\n    image: a\n    env_file: missing.env\n");
    assert!(
        e.message.contains("env file") && e.message.contains("missing.env") && e.message.contains("not found"),
        "{e}"
    );
    assert_eq!(e.location.unwrap().line, 4);
    let (_d, r) = load_files(&[(
        "compose.yaml",
        "services:\n  web:\n    image: a\n    env_file:\n      - path: missing.env\n        required: false\n",
    )]);
    assert!(r.is_ok(), "{:?}", r.err());
}

#[test]
fn empty_and_non_mapping_files() {
    let e = err("");
    assert_eq!(e.kind, ErrorKind::NoProject);
    assert!(e.message.contains("empty compose file"), "{e}");
    let e = err("- a\n- b\n");
    assert!(e.message.contains("top-level object must be a mapping"), "{e}");
    let e = err("services:\n  web: nginx\n");
    assert!(e.message.contains("must be a mapping"), "{e}");
}

#[test]
fn secrets_need_a_source() {
    let e = err("services:\n  web:\n    image: a\nsecrets:\n  s:\n    labels: {a: b}\n");
    assert!(e.message.contains("one of `file`, `environment` or `content` is required"), "{e}");
}

#[test]
fn obsolete_version_is_a_warning() {
    let (_d, r) = load_files(&[("compose.yaml", "version: '3.9'\nservices:\n  web:\n    image: a\n")]);
    let w = r.unwrap().warnings;
    assert!(w.iter().any(|w| w.contains("the attribute `version` is obsolete")), "{w:?}");
}

#[test]
fn no_compose_file_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = LoadOptions::new(dir.path());
    o.environment = HashMap::new();
    let e = load(&o).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoProject);
    assert!(e.message.contains("no configuration file provided"), "{e}");
    assert!(Path::new(dir.path()).exists());
}

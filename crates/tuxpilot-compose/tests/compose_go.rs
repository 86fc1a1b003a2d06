//! Conformance with compose-go, the loader `docker compose` v2 uses: what it refuses (with its
//! words), what it normalizes and how, and `$` that starts no variable. When `docker compose`
//! v2 is installed (scripts/dev-engine.sh installs it), every case is also run through it and
//! both must accept or refuse alike.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::process::Command;

use serde_json::Value;
use tuxpilot_compose::{ConfigFile, LoadOptions, load};

fn load_text(text: &str) -> (tempfile::TempDir, Result<tuxpilot_compose::LoadedProject, tuxpilot_compose::Error>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    std::fs::write(dir.path().join("s.txt"), "x").unwrap();
    let mut o = LoadOptions::new(dir.path());
    o.environment = HashMap::new();
    o.project_name = Some("t".into());
    o.files = vec![ConfigFile::path(dir.path().join("compose.yaml"))];
    let r = load(&o);
    (dir, r)
}

/// What `docker compose config` (v2) says of `dir`: Some(accepted), None when v2 is missing.
fn v2_accepts(dir: &std::path::Path) -> Option<bool> {
    let out = Command::new("docker").args(["compose", "version"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let out = Command::new("docker").args(["compose", "-p", "t", "config", "-q"]).current_dir(dir).output().ok()?;
    Some(out.status.success())
}

/// (name, compose file, the words of compose-go's refusal, the key path)
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "external volume with driver_opts",
        "services:\n  a: {image: x, volumes: [v:/d]}\nvolumes:\n  v:\n    external: true\n    driver_opts: {a: b}\n",
        "volumes.v: conflicting parameters \"external\" and \"driver_opts\" specified",
        "volumes.v.driver_opts",
    ),
    (
        "external volume with driver",
        "services:\n  a: {image: x, volumes: [v:/d]}\nvolumes:\n  v:\n    external: true\n    driver: foo\n",
        "volumes.v: conflicting parameters \"external\" and \"driver\" specified",
        "volumes.v.driver",
    ),
    (
        "name and external.name",
        "services:\n  a: {image: x, volumes: [v:/d]}\nvolumes:\n  v:\n    name: foo\n    external: {name: bar}\n",
        "volumes.v: name and external.name conflict; only use name",
        "volumes.v.name",
    ),
    (
        "bind without source",
        "services:\n  a:\n    image: x\n    volumes:\n      - type: bind\n        target: /d\n",
        "invalid mount config for type \"bind\": field Source must not be empty",
        "services.a.volumes[0]",
    ),
    (
        "negative tmpfs size",
        "services:\n  a:\n    image: x\n    volumes:\n      - type: tmpfs\n        target: /d\n        tmpfs: {size: -1}\n",
        "services.a.volumes.0.tmpfs.size must be greater than or equal to 0",
        "services.a.volumes[0].tmpfs.size",
    ),
    (
        "device count that is a word",
        "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {capabilities: [gpu], count: some}\n",
        "invalid value \"some\", the only value allowed is 'all' or a number",
        "services.a.deploy.resources.reservations.devices[0].count",
    ),
    (
        "device count with device_ids",
        "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {capabilities: [gpu], count: 1, device_ids: ['0']}\n",
        "\"count\" and \"device_ids\" attributes are exclusive",
        "services.a.deploy.resources.reservations.devices[0]",
    ),
    (
        "device request without capabilities",
        "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {count: 1}\n",
        "services.a.deploy.resources.reservations.devices.0 missing property 'capabilities'",
        "services.a.deploy.resources.reservations.devices[0]",
    ),
    (
        "build.ssh as a number",
        "services:\n  a:\n    build:\n      context: .\n      ssh: 5\n",
        "services.a.build.ssh must be a mapping",
        "services.a.build.ssh",
    ),
    (
        "watch rule without action",
        "services:\n  a:\n    image: x\n    develop:\n      watch:\n        - path: ./src\n",
        "services.a.develop.watch.0 missing property 'action'",
        "services.a.develop.watch[0]",
    ),
    (
        "cpus and deploy limits that differ",
        "services:\n  a:\n    image: x\n    cpus: 1.5\n    deploy: {resources: {limits: {memory: 1g}}}\n",
        "services.a: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'",
        "services.a.cpus",
    ),
    (
        "mem_limit and deploy limits that differ",
        "services:\n  a:\n    image: x\n    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 2g}}}\n",
        "services.a: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'",
        "services.a.mem_limit",
    ),
    (
        "mem_reservation and deploy reservations that differ",
        "services:\n  a:\n    image: x\n    mem_reservation: 1g\n    deploy: {resources: {reservations: {memory: 2g}}}\n",
        "services.a: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory'",
        "services.a.mem_reservation",
    ),
    (
        "pids_limit and deploy limits that differ",
        "services:\n  a:\n    image: x\n    pids_limit: 10\n    deploy: {resources: {limits: {pids: 20}}}\n",
        "services.a: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'",
        "services.a.pids_limit",
    ),
    (
        "environment name with a trailing space",
        "services:\n  a:\n    image: x\n    environment:\n      - \"FOO =bar\"\n",
        "environment variable FOO  is declared with a trailing space",
        "services.a.environment[0]",
    ),
    (
        "build.ssh without a value",
        "services:\n  a:\n    build:\n      context: .\n      ssh:\n",
        "services.a.build.ssh must be a mapping",
        "services.a.build.ssh",
    ),
    (
        "a tmpfs size that is not a whole number",
        "services:\n  a:\n    image: x\n    volumes:\n      - type: tmpfs\n        target: /d\n        tmpfs: {size: 0.5}\n",
        "services.a.volumes.0.tmpfs.size must be a integer",
        "services.a.volumes[0].tmpfs.size",
    ),
    (
        "an unknown key of a long-form volume",
        "services:\n  a:\n    image: x\n    volumes:\n      - type: tmpfs\n        target: /d\n        foo: 1\n",
        "services.a.volumes.0 additional properties 'foo' not allowed",
        "services.a.volumes[0].foo",
    ),
    ("services that are a list", "services:\n  - a: {image: x}\n", "services must be a mapping", "services"),
    ("a service that is a string", "services:\n  a: x\n", "services.a must be a mapping", "services.a"),
    (
        "a network that is a string",
        "services:\n  a: {image: x}\nnetworks:\n  default: bridge\n",
        "networks.default must be a mapping",
        "networks.default",
    ),
    (
        "an image that is a list",
        "services:\n  a: {image: [x, y]}\n",
        "services.a.image must be a string",
        "services.a.image",
    ),
    (
        "an environment value that is a list",
        "services:\n  a:\n    image: x\n    environment:\n      FOO: [1]\n",
        "services.a.environment.FOO must be a boolean, null, number or string",
        "services.a.environment.FOO",
    ),
    (
        "an unknown key of deploy.resources",
        "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        impossible: {x: 1}\n",
        "services.a.deploy.resources additional properties 'impossible' not allowed",
        "services.a.deploy.resources.impossible",
    ),
    (
        "an image interpolated to an empty string, and no build",
        "services:\n  a:\n    image: ${TUXPILOT_UNSET_IMAGE:-}\n",
        "service \"a\" has neither an image nor a build context specified",
        "services.a",
    ),
    (
        "a platform that build.platforms leaves out",
        "services:\n  a:\n    build: {context: ., platforms: [linux/amd64]}\n    platform: linux/arm64\n",
        "service.build.platforms MUST include service.platform \"linux/arm64\"",
        "services.a.platform",
    ),
];

#[test]
fn what_compose_go_refuses_is_refused_in_its_words_with_the_key() {
    for (name, text, words, path) in REFUSED {
        let (dir, r) = load_text(text);
        let e = match r {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e,
        };
        assert!(e.to_string().contains(words), "{name}: {e}\nwant: {words}");
        assert_eq!(e.path.as_deref(), Some(*path), "{name}: {e}");
        assert!(e.location.is_some(), "{name}: no location in {e}");
        if let Some(ok) = v2_accepts(dir.path()) {
            // `docker compose` 2.26 (trixie's) predates the trailing-space rule.
            if !name.contains("trailing space") {
                assert!(!ok, "{name}: docker compose v2 accepts it");
            }
        }
    }
}

#[test]
fn a_non_string_key_is_refused_with_its_place() {
    let (dir, r) = load_text("services:\n  a:\n    image: x\n    labels:\n      1: b\n");
    let e = r.unwrap_err();
    assert!(e.to_string().contains("non-string key in services.a.labels: 1"), "{e}");
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(5), "{e}");
    if let Some(ok) = v2_accepts(dir.path()) {
        assert!(!ok, "docker compose v2 accepts it");
    }
    let (_d, r) = load_text("services:\n  a:\n    image: x\n    labels:\n      \"1\": b\n");
    assert!(r.is_ok(), "a quoted key is a string");
}

fn config_json(text: &str) -> (tempfile::TempDir, Value) {
    let (dir, r) = load_text(text);
    let p = r.unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_str(&tuxpilot_compose::to_json(&p.project).unwrap()).unwrap();
    (dir, v)
}

#[test]
fn values_are_normalized_as_compose_go_normalizes_them() {
    let (dir, v) = config_json(
        "services:
  a:
    image: x
    volumes: [\"/data/:/data/\", \"v:/var/lib//x/./y/\"]
    secrets: [s, {source: s, target: custom}]
    gpus: all
    labels: {empty: \"\", nothing: null}
    sysctls: {net.core.somaxconn: \"\"}
    init: false
    dns: []
    extra_hosts: [\"h2=3.3.3.3\", \"h1:1.1.1.1\", \"h1:2.2.2.2\"]
    deploy:
      resources:
        reservations:
          devices:
            - {capabilities: [gpu], count: all}
            - {capabilities: [gpu]}
            - {capabilities: [gpu], count: \"2\"}
volumes: {v: {}}
secrets: {s: {file: ./s.txt}}
",
    );
    let a = &v["services"]["a"];
    assert_eq!(a["volumes"][0]["target"], "/data");
    assert_eq!(a["volumes"][1]["target"], "/var/lib/x/y");
    assert_eq!(a["secrets"][0]["target"], "/run/secrets/s");
    assert_eq!(a["secrets"][1]["target"], "custom");
    assert_eq!(a["gpus"], serde_json::json!([{"count": -1}]));
    assert_eq!(a["labels"], serde_json::json!({"empty": "", "nothing": ""}));
    assert_eq!(a["sysctls"], serde_json::json!({"net.core.somaxconn": ""}));
    assert_eq!(a["init"], false);
    assert!(a.get("dns").is_none());
    assert_eq!(a["extra_hosts"], serde_json::json!(["h1=1.1.1.1", "h1=2.2.2.2", "h2=3.3.3.3"]));
    let devices = &a["deploy"]["resources"]["reservations"]["devices"];
    assert_eq!(
        (&devices[0]["count"], &devices[1]["count"], &devices[2]["count"]),
        (&Value::from(-1), &Value::from(-1), &Value::from(2))
    );

    // The same facts from docker compose v2, when it is here.
    let out = Command::new("docker")
        .args(["compose", "-p", "t", "config", "--format", "json"])
        .current_dir(dir.path())
        .output();
    if let Ok(out) = out
        && out.status.success()
    {
        let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
        let b = &theirs["services"]["a"];
        for key in ["secrets", "gpus", "labels", "sysctls", "init", "extra_hosts"] {
            assert_eq!(a[key], b[key], "{key}");
        }
        assert_eq!(a["volumes"][0]["target"], b["volumes"][0]["target"]);
        assert_eq!(devices, &b["deploy"]["resources"]["reservations"]["devices"]);
    }
}

#[test]
fn a_dollar_that_starts_no_variable_is_kept_as_compose_go_keeps_it() {
    let (_d, v) = config_json("services:\n  a:\n    image: x\n    command: echo $(date) $1 50$ $ x\n");
    // `$` is written `$$` in config output, so the output loads again to the same value.
    assert_eq!(v["services"]["a"]["command"], serde_json::json!(["echo", "$$(date)", "$$1", "50$$", "$$", "x"]));
}

#[test]
fn the_current_spec_is_accepted_and_typed_as_compose_go_types_it() {
    let (_d, v) = config_json(
        "services:
  model:
    provider:
      type: model
      options: {model: ai/smollm2}
  app:
    build:
      context: .
      no_cache_filter: base
      sbom: true
      provenance: mode=max
    pre_start:
      - command: echo before
    post_start:
      - command: echo after
    pre_stop:
      - command: echo stopping
    post_stop:
      - command: [echo, stopped]
    volumes:
      - type: image
        source: alpine:3
        target: /img
        image: {subpath: /etc}
    ulimits:
      nproc: \"65535\"
      nofile: {soft: \"20000\", hard: 40000}
  ssh:
    build:
      context: .
      ssh: {default: null, key1: /keys/id}
",
    );
    let app = &v["services"]["app"];
    assert_eq!(app["build"]["no_cache_filter"], serde_json::json!(["base"]));
    assert_eq!(app["build"]["sbom"], "true", "a string, as compose-go types it");
    assert_eq!(app["build"]["provenance"], "mode=max");
    for hook in ["pre_start", "post_start", "pre_stop", "post_stop"] {
        assert!(app[hook].is_array(), "{hook}: {app}");
    }
    assert_eq!(app["volumes"][0]["type"], "image");
    assert_eq!(app["volumes"][0]["image"]["subpath"], "/etc");
    // Numbers written as strings (as interpolation leaves them) are numbers.
    assert_eq!(app["ulimits"], serde_json::json!({"nproc": 65535, "nofile": {"soft": 20000, "hard": 40000}}));
    assert_eq!(v["services"]["ssh"]["build"]["ssh"], serde_json::json!(["default", "key1=/keys/id"]));
    assert_eq!(v["services"]["model"]["provider"]["type"], "model");
}

/// What go-yaml and Go's `omitempty` make of a file: a block scalar on the last line of a file
/// that has no final line break ends without one; empty strings are no value (`restart: ""`
/// is no restart policy, an interpolated empty `container_name` no name).
#[test]
fn empty_values_and_a_last_block_scalar_read_as_compose_go_reads_them() {
    let (dir, v) = config_json(
        "services:\n  a:\n    image: x\n    restart: \"\"\n    container_name: ${TUXPILOT_UNSET_NAME:-}\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox\n        RUN ls /",
    );
    let a = &v["services"]["a"];
    assert_eq!(a["build"]["dockerfile_inline"], "FROM busybox\nRUN ls /", "{a}");
    assert!(a.get("restart").is_none() && a.get("container_name").is_none(), "{a}");
    if let Some(ok) = v2_accepts(dir.path()) {
        assert!(ok, "docker compose v2 refuses it");
    }
}

//! What the export refuses: names that collide once made Kubernetes names, files outside the
//! project (unless allowed), and values the API server would reject. One case per rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use tuxpilot_compose::{ConfigFile, LoadOptions};
use tuxpilot_kubernetes::{self as kubernetes, ExportError, ExportOptions, Manifests};

fn export(compose: &str, allow_outside: bool) -> Result<Manifests, ExportError> {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("compose.yaml"), compose).unwrap();
    std::fs::write(project.join("inside.env"), "A=1\n").unwrap();
    std::fs::write(dir.path().join("outside.env"), "SECRET=from-outside\n").unwrap();
    std::fs::write(dir.path().join("outside.txt"), "outside\n").unwrap();
    let mut o = LoadOptions::new(&project);
    o.files = vec![ConfigFile::path(project.join("compose.yaml"))];
    o.environment = HashMap::new();
    let loaded = tuxpilot_compose::load(&o).unwrap_or_else(|e| panic!("{e}"));
    let mut options = ExportOptions::new(&loaded.working_dir);
    options.allow_outside_files = allow_outside;
    kubernetes::convert(&loaded.project, &options)
}

fn refused(compose: &str, fragments: &[&str]) {
    let e = export(compose, false).map(|_| ()).unwrap_err();
    let shown = e.to_string();
    for f in fragments {
        assert!(shown.contains(f), "{compose}\n=> {shown}\n(missing {f:?})");
    }
}

#[test]
fn names_that_collide_are_errors_naming_both() {
    refused(
        "services:\n  Web_Server.Prod: {image: nginx}\n  web-server-prod: {image: nginx}\n",
        &["`Web_Server.Prod`", "`web-server-prod`", "web-server-prod"],
    );
    refused("services:\n  Web: {image: nginx}\n  web: {image: nginx}\n", &["`Web`", "`web`"]);
    refused(
        "services:\n  a: {image: nginx}\nvolumes:\n  db_data: {}\n  db-data: {}\n",
        &["volumes", "`db-data`", "`db_data`"],
    );
}

#[test]
fn files_outside_the_project_are_refused_unless_allowed() {
    let env = "services:\n  web:\n    image: nginx\n    env_file: [../outside.env]\n";
    refused(env, &["services.web.env_file", "outside.env", "--allow-outside-files"]);
    let m = export(env, true).unwrap();
    assert!(m.to_json_list().to_string().contains("from-outside"), "allowed: read");
    refused(
        "services:\n  web: {image: nginx, secrets: [s]}\nsecrets:\n  s: {file: ../outside.txt}\n",
        &["secrets.s.file", "outside.txt"],
    );
    refused(
        "services:\n  web:\n    image: nginx\n    volumes: [\"../outside.txt:/etc/x.txt:ro\"]\n",
        &["services.web.volumes[0]", "outside.txt"],
    );
    refused("services:\n  web:\n    image: nginx\n    volumes: [\"/etc/hostname:/x:ro\"]\n", &["/etc/hostname"]);
    // Inside the project is fine.
    export("services:\n  web:\n    image: nginx\n    env_file: [inside.env]\n", false).unwrap();
}

#[test]
fn values_the_api_server_rejects_are_refused() {
    refused("services:\n  web:\n    image: nginx\n    labels: {\"my key\": v}\n", &["annotation key", "`my key`"]);
    refused(
        "services:\n  web:\n    image: nginx\n    environment: [\"A=B=C\", \"1X=2\"]\n",
        &["environment variable name", "`1X`"],
    );
}

#[test]
fn a_tiny_cpu_limit_is_rounded_up_to_the_smallest_unit() {
    let m =
        export("services:\n  web:\n    image: nginx\n    deploy: {resources: {limits: {cpus: \"0.0001\"}}}\n", false)
            .unwrap();
    let text = m.to_json_list().to_string();
    assert!(text.contains("\"cpu\":\"1m\""), "{text}");
    assert!(!text.contains("\"cpu\":\"0\""), "{text}");
}

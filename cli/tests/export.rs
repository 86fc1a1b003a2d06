//! `tuxpilot compose export` and `tuxpilot containers export`: Kubernetes manifests on stdout,
//! one file per object with `-o`, `--namespace`, `--strict`, JSON, and bad input. No engine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const COMPOSE: &str = "services:
  web:
    image: nginx:${TAG:-1.27}
    ports: [\"8080:80\"]
    depends_on: [api]
  api:
    image: example/api:1
    expose: [\"9000\"]
    environment: [MODE=prod]
    volumes: [data:/data]
volumes:
  data: {}
";

fn project(compose: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    std::fs::write(dir.path().join(".env"), "TAG=1.25\n").unwrap();
    dir
}

fn tuxpilot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.current_dir(dir).env("TUXPILOT_CONFIG", "/dev/null").env_remove("COMPOSE_FILE").env_remove("TAG");
    c
}

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn compose_export_writes_multi_document_yaml_to_stdout() {
    let dir = project(COMPOSE);
    let out = tuxpilot(dir.path()).args(["compose", "export", "--to", "kubernetes"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let yaml = String::from_utf8(out.stdout).unwrap();
    let docs: Vec<&str> = yaml.split("---\n").filter(|d| !d.trim().is_empty()).collect();
    let kinds: Vec<String> = docs
        .iter()
        .map(|d| {
            let v: Value = serde_saphyr::from_str(d).unwrap();
            format!("{}/{}", v["kind"].as_str().unwrap(), v["metadata"]["name"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        ["Service/api", "Service/web", "Deployment/api", "PersistentVolumeClaim/data", "Deployment/web"],
        "{yaml}"
    );
    assert!(yaml.contains("image: nginx:1.25"), ".env is read: {yaml}");
    assert!(yaml.contains("nc -z -w 2 api 9000"), "web waits for api: {yaml}");
}

#[test]
fn json_is_a_v1_list() {
    let dir = project(COMPOSE);
    let out =
        tuxpilot(dir.path()).args(["--format", "json", "compose", "export", "--to", "kubernetes"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["apiVersion"].as_str(), v["kind"].as_str()), (Some("v1"), Some("List")));
    assert_eq!(v["items"].as_array().unwrap().len(), 5);
    assert_eq!(v["items"][2]["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"], "prod");
}

#[test]
fn out_dir_gets_one_file_per_object_named_as_kompose_names_them() {
    let dir = project(COMPOSE);
    let out = tuxpilot(dir.path())
        .args(["--format", "json", "compose", "export", "--to", "kubernetes", "-o", "k8s", "--namespace", "shop"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = report["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 6, "{report}");
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("k8s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api-deployment.yaml",
            "api-service.yaml",
            "data-persistentvolumeclaim.yaml",
            "shop-namespace.yaml",
            "web-deployment.yaml",
            "web-service.yaml"
        ]
    );
    let svc: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.path().join("k8s/web-service.yaml")).unwrap()).unwrap();
    assert_eq!(svc["metadata"]["namespace"], "shop");
    assert_eq!(svc["spec"]["ports"][0]["port"], 8080);
    // The human form is a table of what was written.
    let out = tuxpilot(dir.path()).args(["compose", "export", "--to", "kubernetes", "-o", "k8s2"]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.trim_start().starts_with("KIND")
            && table.contains("Deployment")
            && table.contains("k8s2/web-deployment.yaml"),
        "{table}"
    );
}

#[test]
fn strict_refuses_what_cannot_be_converted_and_writes_nothing() {
    let dir = project(
        "services:\n  app:\n    image: busybox\n    devices: [\"/dev/fuse\"]\n    ports: [\"127.0.0.1:80:80\"]\n",
    );
    let out = tuxpilot(dir.path())
        .args(["compose", "export", "--to", "kubernetes", "--strict", "-o", "out"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("services.app.devices")
            && err.contains("services.app.ports[0].host_ip")
            && err.contains("--strict"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "nothing written");
    // Without --strict the same file converts, with the warnings on stderr.
    let out = tuxpilot(dir.path()).args(["compose", "export", "--to", "kubernetes"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: services.app.devices"), "{}", text(&out));
}

#[test]
fn a_name_kubernetes_cannot_take_is_an_error_naming_the_service() {
    let dir = project("services:\n  Web_Server:\n    image: nginx\n  \"9lives\":\n    image: nginx\n");
    let out = tuxpilot(dir.path()).args(["compose", "export", "--to", "kubernetes"]).output().unwrap();
    // Web_Server becomes web-server (kompose's normalisation); 9lives is a valid label too.
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: web-server"));
    let dir = project("services:\n  web-:\n    image: nginx\n");
    let out = tuxpilot(dir.path()).args(["compose", "export", "--to", "kubernetes"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("services.web-") && err.contains("rename the service"), "{err}");
}

#[test]
fn containers_export_converts_an_app_yaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tuxpilot(&root)
        .args(["--format", "json", "containers", "export", "--file", "examples/app.yaml", "--to", "kubernetes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    let find = |kind: &str, name: &str| {
        items
            .iter()
            .find(|i| i["kind"] == kind && i["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name}: {v}"))
    };
    let api = find("Deployment", "api");
    assert_eq!(api["spec"]["replicas"], 2);
    assert_eq!(api["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 1, "start-first, parallelism 1");
    let web = find("Deployment", "web");
    assert_eq!(web["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"], "500m");
    // api publishes no port, so web has no Service of api to wait for: said, not guessed.
    assert!(web["spec"]["template"]["spec"].get("initContainers").is_none(), "{web}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("services.web.depends_on.api: api has no ports"), "{err}");
    find("PersistentVolumeClaim", "dbdata");
    // A bad app file is refused with its location, before anything is converted.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.yaml"),
        "name: x\ncontainers:\n  a:\n    image: busybox\n    depends_on: [nope]\n",
    )
    .unwrap();
    let out = tuxpilot(dir.path()).args(["containers", "export", "--to", "kubernetes"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"), "{}", text(&out));
}

//! Kubernetes export: golden files for our fixtures (`tests/kubernetes/<case>/`), the facts
//! kompose gives for the same input, and every emitted document checked against Kubernetes'
//! own schemas with PyPI's `kubernetes-validate` (offline, its bundled schemas).
//!
//! `UPDATE_GOLDEN=1 cargo test -p tuxpilot-orchestrator --test kubernetes` rewrites the goldens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tuxpilot_compose::{ConfigFile, LoadOptions};
use tuxpilot_kubernetes::{self as kubernetes, ExportOptions, Manifests, Object};

fn dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kubernetes").join(case)
}

fn convert(case: &str) -> Manifests {
    let d = dir(case);
    let mut o = LoadOptions::new(&d);
    o.files = vec![ConfigFile::path(d.join("compose.yaml"))];
    o.environment = HashMap::from([("EXPORT_TEST_API_KEY".to_string(), "k-123".to_string())]);
    let loaded = tuxpilot_compose::load(&o).unwrap_or_else(|e| panic!("{case}: {e}"));
    let mut options = ExportOptions::new(&loaded.working_dir);
    options.environment = loaded.environment.clone();
    kubernetes::convert(&loaded.project, &options).unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// Compares with (or, with UPDATE_GOLDEN=1, writes) `name` in the case's directory.
fn golden(case: &str, name: &str, actual: &str) {
    let path = dir(case).join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    assert_eq!(actual, expected, "{case}/{name} differs from the golden (UPDATE_GOLDEN=1 rewrites it after review)");
}

fn warnings_text(case: &str, m: &Manifests) -> String {
    let d = dir(case);
    let root = d.to_string_lossy();
    m.warnings.iter().map(|w| format!("{w}\n").replace(root.as_ref(), ".")).collect()
}

/// `kubernetes-validate --strict` on `yaml`: Ok(true) passed, Ok(false) tool missing.
fn validate(yaml: &str, version: &str) -> Result<bool, String> {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), yaml).unwrap();
    let out = match Command::new("kubernetes-validate").args(["--strict", "-k", version]).arg(tmp.path()).output() {
        Ok(o) => o,
        Err(_) => return Ok(false),
    };
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() && !text.contains("ERROR") && !text.contains("WARN") { Ok(true) } else { Err(text) }
}

const CASES: [&str; 5] = ["shop", "labels", "controllers", "files", "network-mode"];

#[test]
fn goldens() {
    for case in CASES {
        let m = convert(case);
        golden(case, "expected.yaml", &m.to_yaml().unwrap());
        golden(case, "warnings.txt", &warnings_text(case, &m));
    }
}

#[test]
fn every_document_is_valid_against_the_kubernetes_schemas() {
    let required = std::env::var("TUXPILOT_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
    for case in CASES {
        let yaml = convert(case).to_yaml().unwrap();
        for version in ["1.34.0", "1.37.0"] {
            match validate(&yaml, version) {
                Ok(true) => {}
                Ok(false) if required => {
                    panic!(
                        "kubernetes-validate is not installed (pip install kubernetes-validate; scripts/dev-engine.sh does)"
                    )
                }
                Ok(false) => {
                    eprintln!("skipping: kubernetes-validate is not installed (pip install kubernetes-validate)");
                    return;
                }
                Err(e) => panic!("{case} against Kubernetes {version}:\n{e}"),
            }
        }
    }
}

fn find(m: &Manifests, kind: &str, name: &str) -> Value {
    m.objects.iter().find(|o| o.kind() == kind && o.name() == name).map(Object::to_json).unwrap_or_else(|| {
        panic!("no {kind} {name} in {:?}", m.objects.iter().map(|o| (o.kind(), o.name())).collect::<Vec<_>>())
    })
}

fn container(workload: &Value) -> &Value {
    &workload["spec"]["template"]["spec"]["containers"][0]
}

#[test]
fn a_three_tier_app_converts_as_kompose_does_and_waits_for_its_dependencies() {
    let m = convert("shop");
    let kinds: Vec<(&str, &str)> = m.objects.iter().map(|o| (o.kind(), o.name())).collect();
    assert_eq!(
        kinds,
        vec![
            ("Service", "api"),
            ("Service", "db"),
            ("Service", "web"),
            ("Deployment", "api"),
            ("Deployment", "db"),
            ("PersistentVolumeClaim", "db-data"),
            ("Deployment", "web"),
        ],
        "Services first, then each service's objects, as kompose orders them"
    );
    // Service ports: published port as port (name = port), target as targetPort; expose too.
    let web = find(&m, "Service", "web");
    assert_eq!(web["spec"]["ports"][0], serde_json::json!({"name": "80", "port": 80, "targetPort": 80}));
    assert_eq!(web["spec"]["selector"]["io.kompose.service"], "web");
    assert_eq!(find(&m, "Service", "db")["spec"]["ports"][0]["port"], 5432);

    let api = find(&m, "Deployment", "api");
    assert_eq!(api["spec"]["replicas"], 3);
    assert_eq!(api["spec"]["strategy"]["rollingUpdate"], serde_json::json!({"maxSurge": 1, "maxUnavailable": 0}));
    let c = container(&api);
    assert_eq!(c["image"], "registry.example.com/shop/api:2.1.0");
    assert_eq!(c["command"], serde_json::json!(["/app/api"]), "entrypoint → command");
    // command → args; $DB_NAME is in the environment so Kubernetes expands it; $LEVEL is not.
    assert_eq!(c["args"], serde_json::json!(["--db", "postgres://db:5432/$(DB_NAME)", "--log", "$LEVEL"]));
    assert_eq!(
        c["livenessProbe"]["exec"]["command"],
        serde_json::json!(["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"])
    );
    assert_eq!(c["livenessProbe"]["periodSeconds"], 10);
    assert_eq!(c["securityContext"]["runAsUser"], 1000);
    assert_eq!(c["securityContext"]["runAsGroup"], 1000);
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(api["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], 20);
    assert_eq!(api["spec"]["template"]["metadata"]["annotations"]["com.example.team"], "payments");
    // depends_on: an init container that waits until db's Service answers.
    let init = &api["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(init["name"], "wait-for-db");
    assert!(init["command"][2].as_str().unwrap().contains("nc -z -w 2 db 5432"), "{init}");
    let web_init = &find(&m, "Deployment", "web")["spec"]["template"]["spec"]["initContainers"][0];
    assert!(web_init["command"][2].as_str().unwrap().contains("api 8080"), "{web_init}");

    let db = find(&m, "Deployment", "db");
    assert_eq!(db["spec"]["strategy"], serde_json::json!({"type": "Recreate"}), "a service with volumes is recreated");
    let c = container(&db);
    assert_eq!(c["resources"]["limits"], serde_json::json!({"cpu": "500m", "memory": "536870912"}));
    assert_eq!(c["resources"]["requests"], serde_json::json!({"cpu": "250m", "memory": "268435456"}));
    let probe = &c["livenessProbe"];
    assert_eq!(probe["exec"]["command"], serde_json::json!(["/bin/sh", "-c", "pg_isready -U postgres"]));
    assert_eq!(
        (&probe["periodSeconds"], &probe["timeoutSeconds"], &probe["failureThreshold"], &probe["initialDelaySeconds"]),
        (&Value::from(5), &Value::from(3), &Value::from(5), &Value::from(10))
    );
    assert_eq!(
        c["env"],
        serde_json::json!([{"name": "POSTGRES_DB", "value": "shop"}, {"name": "POSTGRES_PASSWORD", "value": "example"}])
    );
    let pvc = find(&m, "PersistentVolumeClaim", "db-data");
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "2Gi", "kompose.volume.size on the volume");
    assert_eq!(pvc["spec"]["accessModes"], serde_json::json!(["ReadWriteOnce"]));

    let web = find(&m, "Deployment", "web");
    assert_eq!(web["spec"]["strategy"]["rollingUpdate"], serde_json::json!({"maxSurge": 0, "maxUnavailable": 2}));
    assert_eq!(
        web["spec"]["template"]["spec"]["hostAliases"],
        serde_json::json!([{"ip": "10.0.0.5", "hostnames": ["legacy.internal"]}])
    );
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn kompose_labels_choose_service_types_ingress_autoscaling_and_probes() {
    let m = convert("labels");
    let front = find(&m, "Service", "front");
    assert_eq!(front["spec"]["type"], "NodePort");
    assert_eq!(front["spec"]["ports"][0]["nodePort"], 30080);
    let ing = find(&m, "Ingress", "front");
    assert_eq!(ing["spec"]["rules"][0]["host"], "shop.example.com");
    assert_eq!(ing["spec"]["rules"][1]["http"]["paths"][0]["path"], "/admin");
    assert_eq!(
        ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"],
        serde_json::json!({"name": "front", "port": {"number": 80}})
    );
    assert_eq!(ing["spec"]["tls"][0]["secretName"], "shop-tls");
    let hpa = find(&m, "HorizontalPodAutoscaler", "front");
    assert_eq!((&hpa["spec"]["minReplicas"], &hpa["spec"]["maxReplicas"]), (&Value::from(2), &Value::from(10)));
    assert_eq!(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 60);
    assert_eq!(hpa["spec"]["metrics"][1]["resource"]["target"]["averageUtilization"], 70, "kompose's memory default");
    assert_eq!(container(&find(&m, "Deployment", "front"))["imagePullPolicy"], "Always");
    // A LoadBalancer cannot mix protocols: split in two, as kompose does.
    assert_eq!(
        find(&m, "Service", "dns-tcp")["spec"]["ports"],
        serde_json::json!([{"name": "53", "port": 53, "targetPort": 53}])
    );
    assert_eq!(
        find(&m, "Service", "dns-udp")["spec"]["ports"],
        serde_json::json!([{"name": "53", "port": 53, "protocol": "UDP", "targetPort": 53}])
    );
    let cache = find(&m, "Service", "cache");
    assert_eq!(cache["spec"]["clusterIP"], "None");
    assert_eq!(find(&m, "PersistentVolumeClaim", "cache")["spec"]["storageClassName"], "fast");
    let probe = find(&m, "Deployment", "probe");
    let c = container(&probe);
    assert_eq!(c["livenessProbe"]["httpGet"], serde_json::json!({"path": "/healthz", "port": 9000}));
    assert_eq!(c["livenessProbe"]["periodSeconds"], 15);
    assert_eq!(c["readinessProbe"]["tcpSocket"]["port"], 9000);
    assert_eq!(c["readinessProbe"]["periodSeconds"], 5);
}

#[test]
fn each_service_gets_the_controller_kompose_gives_it() {
    let m = convert("controllers");
    let kinds = kubernetes::count_by_kind(&m.objects);
    assert_eq!(find(&m, "DaemonSet", "agent")["spec"]["template"]["spec"]["restartPolicy"], "Always");
    assert_eq!(find(&m, "Pod", "migrate")["spec"]["restartPolicy"], "Never");
    assert_eq!(find(&m, "Pod", "retry")["spec"]["restartPolicy"], "OnFailure");
    let cron = find(&m, "CronJob", "nightly");
    assert_eq!(cron["spec"]["schedule"], "0 3 * * *");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    let job = find(&m, "Job", "seed");
    assert_eq!((&job["spec"]["completions"], &job["spec"]["parallelism"]), (&Value::from(2), &Value::from(2)));
    let ss = find(&m, "StatefulSet", "ledger");
    assert_eq!((&ss["spec"]["replicas"], &ss["spec"]["serviceName"]), (&Value::from(3), &Value::from("ledger")));
    assert_eq!(kinds.get("Deployment"), None, "{kinds:?}");
}

#[test]
fn env_files_configs_secrets_and_bind_mounts_become_config_maps_and_secrets() {
    let m = convert("files");
    let app = find(&m, "Deployment", "app");
    let c = container(&app);
    assert_eq!(c["envFrom"], serde_json::json!([{"configMapRef": {"name": "env-app-env"}}]));
    // environment overrides the env file (compose's rule), so MODE stays in env.
    assert_eq!(
        c["env"],
        serde_json::json!([{"name": "LOG_LEVEL", "value": "debug"}, {"name": "MODE", "value": "production"}])
    );
    assert_eq!(
        find(&m, "ConfigMap", "env-app-env")["data"],
        serde_json::json!({"FEATURE_X": "on", "MODE": "development"})
    );
    assert_eq!(find(&m, "ConfigMap", "app-config")["data"], serde_json::json!({"config.toml": "listen = \":3000\"\n"}));
    assert_eq!(find(&m, "ConfigMap", "app-cm0")["data"], serde_json::json!({"app.conf": "workers = 4\n"}));
    assert_eq!(find(&m, "Secret", "db-password")["data"]["db-password"], "aHVudGVyMgo=");
    assert_eq!(find(&m, "Secret", "api-key")["data"]["api-key"], "ay0xMjM=", "from the environment");
    let mounts: Vec<(String, String)> = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap().to_string(), v["mountPath"].as_str().unwrap().to_string()))
        .collect();
    for (name, path) in [
        ("app-cm0", "/etc/app/conf.d"),
        ("app-claim1", "/srv/data"),
        ("app-tmpfs2", "/cache"),
        ("app-tmpfs3", "/run"),
        ("db-password", "/run/secrets/db_password"),
        ("api-key", "/etc/app/key"),
        ("app-config", "/etc/app/config.toml"),
    ] {
        assert!(mounts.contains(&(name.to_string(), path.to_string())), "{name} at {path} in {mounts:?}");
    }
    let w = warnings_text("files", &m);
    for expected in [
        "ports[0].host_ip",
        "ports[1]: host port range 4000-4001",
        "volumes[1]: the host path",
        "devices",
        "sysctls",
        "logging",
    ] {
        assert!(w.contains(expected), "{expected:?} missing from the warnings:\n{w}");
    }
}

#[test]
fn strict_turns_warnings_into_an_error_listing_them() {
    let d = dir("files");
    let mut o = LoadOptions::new(&d);
    o.files = vec![ConfigFile::path(d.join("compose.yaml"))];
    let loaded = tuxpilot_compose::load(&o).unwrap();
    let err = kubernetes::convert_strict(&loaded.project, &ExportOptions::new(&loaded.working_dir)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("could not be converted (--strict)") && text.contains("services.app.devices"), "{text}");
    let shop = dir("shop");
    let mut o = LoadOptions::new(&shop);
    o.files = vec![ConfigFile::path(shop.join("compose.yaml"))];
    let loaded = tuxpilot_compose::load(&o).unwrap();
    assert!(kubernetes::convert_strict(&loaded.project, &ExportOptions::new(&loaded.working_dir)).is_ok());
}

#[test]
fn a_network_mode_service_joins_the_pod_of_its_host() {
    let m = convert("network-mode");
    let app = find(&m, "Deployment", "app");
    let names: Vec<&str> = app["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["app", "sidecar"]);
    assert!(!m.objects.iter().any(|o| o.name() == "sidecar"), "no workload of its own");
}

#[test]
fn names_kubernetes_cannot_take_are_refused_with_the_field() {
    let project: tuxpilot_compose::Project = serde_json::from_value(serde_json::json!({
        "name": "x",
        "services": {"Über": {"image": "nginx"}}
    }))
    .unwrap();
    let err = kubernetes::convert(&project, &ExportOptions::new("/")).unwrap_err().to_string();
    assert!(err.starts_with("services.Über:") && err.contains("rename the service"), "{err}");
    let mut options = ExportOptions::new("/");
    options.namespace = Some("Bad_NS".into());
    let err = kubernetes::convert(&project, &options).unwrap_err().to_string();
    assert!(err.contains("--namespace"), "{err}");
}

#[test]
fn a_namespace_is_emitted_and_set_on_every_object() {
    let d = dir("shop");
    let mut o = LoadOptions::new(&d);
    o.files = vec![ConfigFile::path(d.join("compose.yaml"))];
    let loaded = tuxpilot_compose::load(&o).unwrap();
    let mut options = ExportOptions::new(&loaded.working_dir);
    options.namespace = Some("shop".into());
    let m = kubernetes::convert(&loaded.project, &options).unwrap();
    assert_eq!((m.objects[0].kind(), m.objects[0].name()), ("Namespace", "shop"));
    for o in &m.objects[1..] {
        assert_eq!(o.to_json()["metadata"]["namespace"], "shop", "{} {}", o.kind(), o.name());
    }
}

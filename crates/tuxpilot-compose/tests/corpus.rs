//! Real-world-shaped Compose projects under `tests/fixtures/`: each loads, matches its golden
//! output (`expected*.yaml`, with the fixture path written `$FIXTURE`), and round-trips: the
//! printed project loads again to the same project.
//!
//! `UPDATE_GOLDEN=1 cargo test -p tuxpilot-compose --test corpus` rewrites the golden files;
//! review the diff before committing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tuxpilot_compose::{ConfigFile, LoadOptions, LoadedProject, load, to_yaml};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A controlled environment: nothing from the machine running the tests leaks in.
fn env(extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut e: HashMap<String, String> = HashMap::from([("HOME".to_string(), "/home/tester".to_string())]);
    e.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    e
}

fn options(dir: &Path, files: &[&str], extra_env: &[(&str, &str)]) -> LoadOptions {
    let mut o = LoadOptions::new(dir);
    o.environment = env(extra_env);
    o.files = files.iter().map(|f| ConfigFile::path(dir.join(f))).collect();
    o
}

fn golden(case: &str, suffix: &str, loaded: &LoadedProject) {
    let dir = fixture(case);
    let printed = to_yaml(&loaded.project).unwrap();
    // Printing escapes `$` on the way out, as escaping a JSON value of the project would.
    let by_value = tuxpilot_compose::escape_dollars(serde_json::to_value(&loaded.project).unwrap());
    assert_eq!(printed, serde_saphyr::to_string(&by_value).unwrap(), "{case}: direct and by-value YAML differ");
    let text = printed.replace(&dir.display().to_string(), "$FIXTURE");
    let path = dir.join(format!("expected{suffix}.yaml"));
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {} (run with UPDATE_GOLDEN=1)", path.display()));
    if want != text {
        panic!("{} differs from the golden file.\n--- want\n{want}\n--- got\n{text}", path.display());
    }
}

/// Printing and loading again gives the same project.
fn round_trip(loaded: &LoadedProject, env_extra: &[(&str, &str)]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("printed.yaml");
    std::fs::write(&out, to_yaml(&loaded.project).unwrap()).unwrap();
    let mut o = LoadOptions::new(&loaded.working_dir);
    o.environment = env(env_extra);
    o.project_directory = Some(loaded.working_dir.clone());
    o.files = vec![ConfigFile::path(&out)];
    o.profiles = loaded.profiles.clone();
    let again = load(&o)
        .unwrap_or_else(|e| panic!("printed project does not load again: {e}\n{}", to_yaml(&loaded.project).unwrap()));
    assert_eq!(again.project.services, loaded.project.services);
    assert_eq!(again.project.networks, loaded.project.networks);
    assert_eq!(again.project.volumes, loaded.project.volumes);
    assert_eq!(again.project.secrets, loaded.project.secrets);
    assert_eq!(again.project.configs, loaded.project.configs);
    assert_eq!(again.project.name, loaded.project.name);
    assert_eq!(again.project.extensions, loaded.project.extensions);
}

#[test]
fn webapp_database_and_cache() {
    let dir = fixture("webapp");
    let loaded = load(&options(&dir, &[], &[])).unwrap();
    let p = &loaded.project;
    assert_eq!(p.name, "webapp", "name from the directory");
    assert_eq!(p.services["api"].image.as_deref(), Some("example/api:2.1.0"), ".env gives API_TAG");
    let api_env = &p.services["api"].environment;
    assert_eq!(api_env["DATABASE_URL"].as_deref(), Some("postgres://app:s3cret@db:5432/app"));
    assert_eq!(api_env["WORKERS"].as_deref(), Some("4"), "from env_file");
    assert_eq!(api_env["FEATURE_X"].as_deref(), Some("on"));
    assert_eq!(api_env["LOG_LEVEL"], None, "environment wins over env_file, even unset");
    assert_eq!(
        p.services["db"].environment["POSTGRES_PASSWORD"].as_deref(),
        Some("s3cret"),
        "a bare key takes its value from the project environment (.env included)"
    );
    assert_eq!(p.services["api"].depends_on["db"].condition, "service_healthy");
    assert_eq!(p.services["web"].build.as_ref().unwrap().context.as_deref(), Some(dir.join("web").to_str().unwrap()));
    assert_eq!(
        p.services["cache"].command.as_ref().unwrap(),
        &["redis-server", "--save", "60", "1", "--loglevel", "warning"]
    );
    assert_eq!(p.volumes["db-data"].name.as_deref(), Some("webapp_db-data"));
    assert_eq!(p.networks["default"].name.as_deref(), Some("webapp_default"));
    golden("webapp", "", &loaded);
    round_trip(&loaded, &[]);
}

#[test]
fn os_environment_beats_dot_env() {
    let dir = fixture("webapp");
    let loaded = load(&options(&dir, &[], &[("API_TAG", "from-os"), ("POSTGRES_PASSWORD", "os-pw")])).unwrap();
    assert_eq!(loaded.project.services["api"].image.as_deref(), Some("example/api:from-os"));
    assert_eq!(loaded.project.services["db"].environment["POSTGRES_PASSWORD"].as_deref(), Some("os-pw"));
}

#[test]
fn secrets_and_configs() {
    let dir = fixture("secrets");
    let loaded = load(&options(&dir, &["compose.yaml"], &[])).unwrap();
    let p = &loaded.project;
    assert_eq!(p.name, "vault-demo");
    let app = &p.services["app"];
    assert_eq!(app.secrets[0].source, "db_password");
    assert_eq!(app.secrets[1].mode, Some(0o440));
    assert_eq!(app.secrets[1].target.as_deref(), Some("/etc/app/api_key"));
    assert_eq!(p.secrets["external_cert"].name.as_deref(), Some("external_cert"), "external keeps its key as name");
    assert_eq!(p.secrets["db_password"].file.as_deref(), Some(dir.join("db_password.txt").to_str().unwrap()));
    golden("secrets", "", &loaded);
    round_trip(&loaded, &[]);
}

#[test]
fn profiles_enable_services() {
    let dir = fixture("profiles");
    let none = load(&options(&dir, &[], &[])).unwrap();
    assert_eq!(none.project.services.keys().collect::<Vec<_>>(), vec!["app"]);
    assert!(none.warnings.iter().any(|w| w.contains("mailhog")), "optional dependency on a disabled service warns");

    let mut o = options(&dir, &[], &[]);
    o.profiles = vec!["debug".into()];
    let debug = load(&o).unwrap();
    assert_eq!(debug.project.services.keys().collect::<Vec<_>>(), vec!["adminer", "app", "mailhog"]);

    let from_env = load(&options(&dir, &[], &[("COMPOSE_PROFILES", "tools,ops")])).unwrap();
    assert_eq!(from_env.project.services.keys().collect::<Vec<_>>(), vec!["adminer", "app", "migrate"]);

    let mut o = options(&dir, &[], &[]);
    o.profiles = vec!["*".into()];
    let all = load(&o).unwrap();
    assert_eq!(all.project.services.len(), 4);
    golden("profiles", "-debug", &debug);
    round_trip(&debug, &[]);
}

#[test]
fn extends_from_another_file_and_the_same_file() {
    let dir = fixture("extends");
    let loaded = load(&options(&dir, &[], &[])).unwrap();
    let p = &loaded.project;
    let worker = &p.services["worker"];
    assert_eq!(worker.image.as_deref(), Some("example/base:1"));
    assert_eq!(worker.environment["LEVEL"].as_deref(), Some("worker"));
    assert_eq!(worker.environment["COMMON"].as_deref(), Some("yes"));
    assert_eq!(
        worker.volumes[0].source.as_deref(),
        Some(dir.join("shared").to_str().unwrap()),
        "relative to common.yml"
    );
    let scheduler = &p.services["scheduler"];
    assert_eq!(scheduler.command.as_ref().unwrap(), &["scheduler"]);
    assert_eq!(scheduler.labels["tier"].as_deref(), Some("backend"));
    assert_eq!(scheduler.labels["role"].as_deref(), Some("cron"));
    assert!(!p.services.contains_key("base"), "the base comes from the other file only");
    golden("extends", "", &loaded);
    round_trip(&loaded, &[]);
}

#[test]
fn override_file_is_discovered_and_later_files_win() {
    let dir = fixture("multi-file");
    let discovered = load(&options(&dir, &[], &[])).unwrap();
    assert_eq!(discovered.config_files.len(), 2, "compose.yaml + compose.override.yaml");
    assert_eq!(discovered.project.services["web"].environment["EXTRA"].as_deref(), Some("from-override"));

    let prod = load(&options(&dir, &["compose.yaml", "prod.yaml"], &[])).unwrap();
    let web = &prod.project.services["web"];
    assert_eq!(web.image.as_deref(), Some("example/web:2"));
    assert_eq!(web.ports.len(), 1, "!override replaced the ports");
    assert_eq!(web.ports[0].published.as_deref(), Some("8443"));
    assert!(web.volumes.is_empty(), "!reset removed the volumes");
    assert_eq!(web.command.as_ref().unwrap(), &["node", "server.js"], "command replaces");
    assert_eq!(web.environment["MODE"].as_deref(), Some("prod"));
    assert_eq!(web.environment["DEBUG"].as_deref(), Some("1"), "maps merge");
    assert_eq!(web.replicas(), 3);
    golden("multi-file", "-prod", &prod);
    round_trip(&prod, &[]);
}

#[test]
fn include_brings_services_with_their_own_env_and_paths() {
    let dir = fixture("include");
    let loaded = load(&options(&dir, &[], &[])).unwrap();
    let q = &loaded.project.services["queue"];
    assert_eq!(q.image.as_deref(), Some("rabbitmq:3-management"));
    assert_eq!(q.volumes[0].source.as_deref(), Some(dir.join("shared/data").to_str().unwrap()));
    assert!(loaded.project.services["app"].depends_on.contains_key("queue"));
    golden("include", "", &loaded);
    round_trip(&loaded, &[]);
}

#[test]
fn interpolation_forms() {
    let dir = fixture("interpolation");
    let loaded = load(&options(&dir, &[], &[])).unwrap();
    let p = &loaded.project;
    assert_eq!(p.name, "interp");
    let app = &p.services["app"];
    assert_eq!(app.image.as_deref(), Some("docker.io/example/app:1.0"));
    let e = &app.environment;
    assert_eq!(e["GREETING"].as_deref(), Some("Hello ${USER_NAME}"));
    assert_eq!(e["EMPTY_DEFAULT"].as_deref(), Some("fallback"));
    assert_eq!(e["EMPTY_KEEP"].as_deref(), Some(""));
    assert_eq!(e["ALT"].as_deref(), Some("tag-is-set"));
    assert_eq!(e["NESTED"].as_deref(), Some("1.0-nested"));
    assert_eq!(e["COST"].as_deref(), Some("$5"));
    assert_eq!(app.labels["built.by"].as_deref(), Some(""));
    assert!(loaded.warnings.iter().any(|w| w == "The \"BUILDER\" variable is not set. Defaulting to a blank string."));
    golden("interpolation", "", &loaded);
    round_trip(&loaded, &[]);

    // --env-file replaces .env; the required variable is then missing.
    let mut o = options(&dir, &[], &[]);
    o.env_files = vec![dir.join("compose.yaml").with_file_name("does-not-exist.env")];
    let err = load(&o).unwrap_err();
    assert!(err.to_string().contains("does-not-exist.env"), "{err}");

    let mut o = options(&dir, &[], &[("PROJECT", "custom")]);
    o.interpolate = false;
    let raw = load(&o).unwrap();
    assert_eq!(
        raw.project.services["app"].image.as_deref(),
        Some("${REGISTRY:-docker.io}/example/app:${TAG:?TAG must be set}")
    );
}

#[test]
fn anchors_and_merge_keys() {
    let dir = fixture("anchors");
    let loaded = load(&options(&dir, &[], &[])).unwrap();
    let p = &loaded.project;
    assert_eq!(p.services["a"].restart.as_deref(), Some("always"));
    assert_eq!(p.services["b"].restart.as_deref(), Some("no"), "a local key beats the merged one");
    assert_eq!(p.services["b"].environment["TZ"].as_deref(), Some("UTC"));
    assert_eq!(p.services["b"].environment["ROLE"].as_deref(), Some("b"));
    assert_eq!(p.services["a"].logging.as_ref().unwrap().options["max-size"].as_deref(), Some("10m"));
    assert!(p.extensions.contains_key("x-logging"));
    golden("anchors", "", &loaded);
    round_trip(&loaded, &[]);
}

#[test]
fn all_attribute_groups_normalize_to_long_syntax() {
    let dir = fixture("all-attributes");
    let loaded = load(&options(&dir, &[], &[])).unwrap();
    let s = &loaded.project.services["kitchen-sink"];
    assert_eq!(s.entrypoint.as_ref().unwrap(), &["/docker-entrypoint.sh"]);
    assert_eq!(s.mem_limit.map(|b| b.0), Some(1 << 30));
    assert_eq!(s.shm_size.map(|b| b.0), Some(64 << 20));
    assert_eq!(s.cpus, Some(1.5));
    assert_eq!(s.stop_grace_period.map(|d| d.0.as_secs()), Some(90));
    assert_eq!(s.pull_policy.as_deref(), Some("missing"), "if_not_present is normalized");
    assert_eq!(s.dns, vec!["8.8.8.8"]);
    assert_eq!(s.tmpfs, vec!["/run"]);
    assert_eq!(s.extra_hosts, vec!["somehost=162.242.195.82"]);
    assert_eq!(s.sysctls["net.core.somaxconn"].as_deref(), Some("1024"));
    assert_eq!(s.ports.len(), 3, "one long entry and a two-port range");
    assert_eq!(s.ports[1].published.as_deref(), Some("9090"));
    assert_eq!(s.ports[2].target, 9091);
    assert_eq!(s.ports[2].protocol, "udp");
    assert_eq!(s.devices[0].permissions.as_deref(), Some("rwm"));
    let deploy = s.deploy.as_ref().unwrap();
    assert_eq!(deploy.resources.as_ref().unwrap().limits.as_ref().unwrap().memory.map(|b| b.0), Some(1 << 30));
    assert_eq!(deploy.restart_policy.as_ref().unwrap().window.map(|d| d.0.as_secs()), Some(120));
    golden("all-attributes", "", &loaded);
    round_trip(&loaded, &[]);
}

#[test]
fn networks_ipam_aliases_and_externals() {
    let dir = fixture("networks");
    let loaded = load(&options(&dir, &[], &[])).unwrap();
    let p = &loaded.project;
    let front = p.services["proxy"].networks["front"].as_ref().unwrap();
    assert_eq!(front.aliases, vec!["www", "edge"]);
    assert_eq!(front.ipv4_address.as_deref(), Some("172.28.0.10"));
    assert_eq!(p.networks["outside"].name.as_deref(), Some("corp-net"));
    assert_eq!(p.networks["back"].name.as_deref(), Some("networks_back"));
    assert_eq!(p.volumes["shared"].name.as_deref(), Some("shared"));
    assert!(!p.networks.contains_key("default"), "no service uses the default network");
    golden("networks", "", &loaded);
    round_trip(&loaded, &[]);
}

#[test]
fn discovery_searches_parent_directories_and_compose_file_env() {
    let sub = fixture("webapp").join("web");
    let loaded = load(&options(&sub, &[], &[])).unwrap();
    assert_eq!(loaded.config_files, vec![fixture("webapp").join("compose.yaml")]);
    assert_eq!(loaded.project.name, "webapp");

    let dir = fixture("multi-file");
    let loaded = load(&options(&dir, &[], &[("COMPOSE_FILE", "compose.yaml:prod.yaml")])).unwrap();
    assert_eq!(loaded.project.services["web"].image.as_deref(), Some("example/web:2"));
}

#[test]
fn project_name_precedence() {
    let dir = fixture("secrets");
    let mut o = options(&dir, &[], &[("COMPOSE_PROJECT_NAME", "from-env")]);
    assert_eq!(load(&o).unwrap().project.name, "from-env");
    o.project_name = Some("from-flag".into());
    assert_eq!(load(&o).unwrap().project.name, "from-flag");
    o.project_name = Some("Bad Name".into());
    let err = load(&o).unwrap_err();
    assert!(err.message.starts_with("invalid project name \"Bad Name\""), "{err}");
    assert_eq!(tuxpilot_compose::normalize_project_name("My_App.v2"), "my_appv2");
    assert_eq!(tuxpilot_compose::normalize_project_name("-_x"), "x");
}

//! `tuxpilot-security` against the real engine: a locally built image with known problems,
//! containers created with risky and hardened settings, and the hook.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use bytes::Bytes;
use tuxpilot_docker::{BuildSpec, ContainerSpec, Engine};
use tuxpilot_security::{Category, ImageScanOptions, Severity, VulnDb, scan_container, scan_image};
use tuxpilot_tests::{Cleanup, TEST_IMAGE, engine, unique_name};

const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n";

const DPKG_STATUS: &str = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\nSource: bash (5.2.15-2)\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u5\n";

const PRIVATE_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDc0Kx3rJ9mP2vL8qW4tY7uI1oP5aS3dF6gH9jK0lZ2xAAAAJg8bN3aPG5w\n-----END OPENSSH PRIVATE KEY-----\n";

const DOCKERFILE: &str = "FROM tuxpilot-test/busybox:latest
COPY os-release /etc/os-release
COPY status /var/lib/dpkg/status
COPY id_ed25519 /root/.ssh/id_ed25519
COPY aws.env /app/config/aws.env
COPY deleted.pem /app/deleted.pem
COPY suidbin /usr/local/bin/suidbin
RUN chmod 4755 /usr/local/bin/suidbin && rm /app/deleted.pem
";

fn context() -> Bytes {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, body: &str| {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, body.as_bytes()).unwrap();
    };
    add("Dockerfile", DOCKERFILE);
    add("os-release", OS_RELEASE);
    add("status", DPKG_STATUS);
    add("id_ed25519", PRIVATE_KEY);
    add("aws.env", "AWS_ACCESS_KEY_ID=AKIAZ7QWERTYUIOPLKJH\nREGION=eu-west-1\n");
    // Deleted in a later layer: must not be reported.
    add(
        "deleted.pem",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1Zx9Kq3vW8mT4rY2uP0oL6iN3bH7gF5dS1aZ9xC4vB8nM2kJ0\n-----END RSA PRIVATE KEY-----\n",
    );
    add("suidbin", "#!/bin/sh\necho hi\n");
    Bytes::from(b.into_inner().unwrap())
}

fn db() -> VulnDb {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/tuxpilot-security/testdata/osv");
    VulnDb::open(&dir).unwrap()
}

#[tokio::test]
async fn image_scan_reports_exactly_the_planted_problems() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let tag = format!("{}:latest", unique_name("sec-img"));
    cleanup.image(&tag);
    engine.build_image(BuildSpec { tag: tag.clone(), ..Default::default() }, context()).await.unwrap();
    let db = db();
    let r = scan_image(&engine, &tag, &ImageScanOptions { db: Some(&db), ..Default::default() }).await.unwrap();

    let ids: BTreeSet<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    let want: BTreeSet<&str> = [
        "CIS-4.1",
        "CIS-4.6",
        "CIS-4.8",
        "secret/private-key",
        "secret/aws-access-key-id",
        "TEST-2026-0001",
        "TEST-2026-0003",
    ]
    .into_iter()
    .collect();
    assert_eq!(ids, want, "{:#?}", r.findings);
    assert_eq!(r.findings.len(), want.len(), "one finding each: {:#?}", r.findings);

    let find = |id: &str| r.findings.iter().find(|f| f.id == id).unwrap();
    let key = find("secret/private-key");
    assert_eq!(key.evidence.location, "/root/.ssh/id_ed25519:2");
    assert!(key.evidence.layer.as_deref().is_some_and(|l| l.starts_with("sha256:")));
    assert!(!key.evidence.value.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"), "masked");
    let aws = find("secret/aws-access-key-id");
    assert_eq!(aws.evidence.location, "/app/config/aws.env:1");
    assert_eq!(aws.severity, Severity::Critical);
    let suid = find("CIS-4.8");
    assert_eq!(suid.evidence.location, "/usr/local/bin/suidbin");
    assert_eq!(suid.evidence.value, "mode 4755");
    let ssl = find("TEST-2026-0001");
    assert_eq!(ssl.severity, Severity::High, "Debian urgency");
    let pkg = ssl.package.as_ref().unwrap();
    assert_eq!((pkg.name.as_str(), pkg.fixed_version.as_deref()), ("libssl3", Some("3.0.11-1~deb12u2")));
    assert_eq!(find("TEST-2026-0003").severity, Severity::Critical, "CVSS 9.8");
    assert!(r.findings.iter().all(|f| !f.evidence.location.contains("deleted.pem")), "whited-out file");

    assert_eq!(r.os.as_ref().unwrap().ecosystem().as_deref(), Some("Debian:12"));
    let names: BTreeSet<&str> = r.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["bash", "curl", "libssl3", "zlib1g"].into_iter().collect());
    assert!(r.score < 50, "two critical, two high, one medium, two low: {}", r.score);
    assert_eq!(r.compliance[0].status, "non-compliant");

    // The SBOM lists the packages with purls; SARIF has one result per finding.
    let bom = tuxpilot_security::cyclonedx(&r);
    assert_eq!(bom["bomFormat"], "CycloneDX");
    let purls: Vec<&str> = bom["components"].as_array().unwrap().iter().filter_map(|c| c["purl"].as_str()).collect();
    assert!(purls.contains(&"pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12"), "{purls:?}");
    let sarif = tuxpilot_security::sarif(std::slice::from_ref(&r));
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), r.findings.len());

    // The pre-deploy hook: blocked at HIGH; allowed at CRITICAL once the two criticals are accepted.
    let dir = tempfile::tempdir().unwrap();
    let db_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/tuxpilot-security/testdata/osv");
    let mut config: tuxpilot_security::SecurityConfig = toml::from_str(&format!(
        "scan_images = true\nfail_on = \"high\"\nvulnerability_db = {:?}\n",
        db_dir.display().to_string()
    ))
    .unwrap();
    let images = vec![tag.clone()];
    let err = tuxpilot_security::pre_deploy_hook(&engine, &config, &images, false).await.unwrap_err();
    let tuxpilot_security::HookError::Blocked(b) = err else { panic!("{err}") };
    assert_eq!((b.image.as_str(), b.count, b.level), (tag.as_str(), 4, Severity::High), "{b}");
    let ignore = dir.path().join("ignore");
    std::fs::write(&ignore, "secret/aws-access-key-id\nTEST-2026-0003 exp:2099-12-31\n").unwrap();
    config.fail_on = Some(Severity::Critical);
    config.ignore_file = Some(ignore);
    let reports = tuxpilot_security::pre_deploy_hook(&engine, &config, &images, false).await.unwrap();
    assert_eq!(reports[0].ignored, 2);
    config.scan_images = false;
    assert!(tuxpilot_security::pre_deploy_hook(&engine, &config, &images, false).await.unwrap().is_empty());
}

fn spec(name: &str) -> ContainerSpec {
    ContainerSpec {
        name: Some(name.into()),
        image: TEST_IMAGE.into(),
        command: Some(vec!["sleep".into(), "3600".into()]),
        ..Default::default()
    }
}

#[tokio::test]
async fn runtime_checks_on_risky_and_hardened_containers() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let mk = |suffix: &str| {
        let n = unique_name(suffix);
        cleanup.container(&n);
        n
    };
    let (privileged, capadd, hostnet, hostpid, sock, hardened) =
        (mk("priv"), mk("capadd"), mk("hostnet"), mk("hostpid"), mk("sock"), mk("hard"));
    // Privileged containers cannot start in this sandbox: created only, which is enough.
    engine.create_container(ContainerSpec { privileged: true, ..spec(&privileged) }).await.unwrap();
    engine
        .create_container(ContainerSpec { cap_add: vec!["SYS_ADMIN".into(), "CHOWN".into()], ..spec(&capadd) })
        .await
        .unwrap();
    engine.create_container(ContainerSpec { network_mode: Some("host".into()), ..spec(&hostnet) }).await.unwrap();
    engine.create_container(ContainerSpec { pid_mode: Some("host".into()), ..spec(&hostpid) }).await.unwrap();
    let mut s = spec(&sock);
    s.mounts = vec![tuxpilot_docker::MountSpec {
        kind: tuxpilot_docker::MountKind::Bind,
        source: Some("/var/run/docker.sock".into()),
        target: "/var/run/docker.sock".into(),
        read_only: false,
        no_copy: false,
        propagation: None,
        create_host_path: false,
        tmpfs_size: None,
    }];
    engine.create_container(s).await.unwrap();
    let mut h = spec(&hardened);
    h.user = Some("65534:65534".into());
    h.read_only_rootfs = true;
    h.memory_limit = Some(64 << 20);
    h.nano_cpus = Some(500_000_000);
    h.pids_limit = Some(100);
    h.security_opt = vec!["no-new-privileges".into()];
    h.cap_drop = vec!["ALL".into()];
    h.healthcheck = Some(tuxpilot_docker::HealthCheck {
        test: vec!["CMD".into(), "true".into()],
        interval: None,
        timeout: None,
        retries: None,
        start_period: None,
        start_interval: None,
    });
    let hc = engine.create_container(h).await.unwrap();
    engine.start_container(&hc.id).await.unwrap();

    // The rest of §5 on one created container, and sshd in a running one.
    let (extras, sshd) = (mk("extras"), mk("sshd"));
    let mut e = spec(&extras);
    e.mounts = vec![tuxpilot_docker::MountSpec {
        kind: tuxpilot_docker::MountKind::Bind,
        source: Some("/etc".into()),
        target: "/host-etc".into(),
        read_only: false,
        no_copy: false,
        propagation: None,
        create_host_path: false,
        tmpfs_size: None,
    }];
    e.mounts.push(tuxpilot_docker::MountSpec {
        kind: tuxpilot_docker::MountKind::Bind,
        source: Some(std::env::temp_dir().display().to_string()),
        target: "/host-tmp".into(),
        read_only: false,
        no_copy: false,
        propagation: Some("rshared".into()),
        create_host_path: false,
        tmpfs_size: None,
    });
    e.devices = vec![tuxpilot_docker::DeviceMapping {
        host_path: "/dev/null".into(),
        container_path: "/dev/xnull".into(),
        permissions: "rwm".into(),
    }];
    e.security_opt = vec!["seccomp=unconfined".into()];
    e.exposed_ports = vec![tuxpilot_docker::ContainerPort::tcp(80)];
    e.port_bindings = vec![tuxpilot_docker::PortBinding {
        container_port: tuxpilot_docker::ContainerPort::tcp(80),
        host_ip: None,
        host_port: Some(80),
    }];
    e.restart_policy = Some(tuxpilot_docker::RestartPolicy::OnFailure { max_retries: 10 });
    e.ipc_mode = Some("host".into());
    e.uts_mode = Some("host".into());
    engine.create_container(e).await.unwrap();
    let mut d = spec(&sshd);
    d.command = Some(vec![
        "sh".into(),
        "-c".into(),
        "printf '#!/bin/sh\\nsleep 600\\n' > /tmp/sshd && chmod +x /tmp/sshd && exec /tmp/sshd".into(),
    ]);
    let sc = engine.create_container(d).await.unwrap();
    engine.start_container(&sc.id).await.unwrap();

    let ids = |r: &tuxpilot_security::Report| r.findings.iter().map(|f| f.id.clone()).collect::<BTreeSet<String>>();
    let p = scan_container(&engine, &privileged).await.unwrap();
    assert!(ids(&p).contains("CIS-5.5"));
    let f = p.findings.iter().find(|f| f.id == "CIS-5.5").unwrap();
    assert_eq!((f.evidence.location.as_str(), f.severity), ("HostConfig.Privileged", Severity::Critical));
    let c = scan_container(&engine, &capadd).await.unwrap();
    let f = c.findings.iter().find(|f| f.id == "CIS-5.4").unwrap();
    assert_eq!(f.evidence.value, "SYS_ADMIN", "CHOWN is a default capability");
    assert!(ids(&scan_container(&engine, &hostnet).await.unwrap()).contains("CIS-5.10"));
    assert!(ids(&scan_container(&engine, &hostpid).await.unwrap()).contains("CIS-5.16"));
    let sk = scan_container(&engine, &sock).await.unwrap();
    assert!(ids(&sk).contains("CIS-5.32"));
    // No limits on the risky ones.
    for want in ["CIS-5.11", "CIS-5.12", "CIS-5.13", "CIS-5.26", "CIS-5.29", "CIS-5.27", "CIS-4.1"] {
        assert!(ids(&p).contains(want), "{want} on the privileged container");
    }

    let x = ids(&scan_container(&engine, &extras).await.unwrap());
    for want in
        ["CIS-5.6", "CIS-5.8", "CIS-5.14", "CIS-5.15", "CIS-5.17", "CIS-5.18", "CIS-5.20", "CIS-5.21", "CIS-5.22"]
    {
        assert!(x.contains(want), "{want} on the extras container: {x:?}");
    }
    // The sshd script becomes `/bin/sh /tmp/sshd` after exec: found through `top`, no exec.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let r = scan_container(&engine, &sshd).await.unwrap();
        if r.findings.iter().any(|f| f.id == "CIS-5.7") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "sshd never seen: {:#?}", r.checks);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    let hard = scan_container(&engine, &hardened).await.unwrap();
    let got = ids(&hard);
    for passing in [
        "CIS-4.1", "CIS-5.4", "CIS-5.5", "CIS-5.6", "CIS-5.7", "CIS-5.10", "CIS-5.11", "CIS-5.12", "CIS-5.13",
        "CIS-5.16", "CIS-5.17", "CIS-5.22", "CIS-5.26", "CIS-5.27", "CIS-5.29", "CIS-5.31", "CIS-5.32",
    ] {
        assert!(!got.contains(passing), "hardened container fails {passing}: {:#?}", hard.findings);
    }
    assert!(hard.checks.iter().any(|c| c.id == "CIS-5.7" && c.passed), "sshd checked via top on the running one");
    assert!(hard.score > p.score);
    assert!(hard.findings.iter().all(|f| f.category == Category::Runtime));
}

/// docker-bench-security's §5 verdicts on the same containers, where the two overlap.
#[tokio::test]
async fn verdicts_agree_with_docker_bench_security_logic() {
    let Some(engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("bench");
    cleanup.container(&name);
    let mut s = spec(&name);
    s.privileged = true;
    s.pid_mode = Some("host".into());
    engine.create_container(s).await.unwrap();
    // docker-bench's tests/5_container_runtime.sh reads these fields with `docker inspect`.
    let field = |fmt: &str| {
        let out = std::process::Command::new("docker").args(["inspect", "--format", fmt, &name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let r = scan_container(&engine, &name).await.unwrap();
    let failed = |id: &str| r.findings.iter().any(|f| f.id == id);
    // 5.5: `Privileged=true` → WARN.
    assert_eq!(field("{{ .HostConfig.Privileged }}") == "true", failed("CIS-5.5"));
    // 5.16: `PidMode=host` → WARN.
    assert_eq!(field("{{ .HostConfig.PidMode }}") == "host", failed("CIS-5.16"));
    // 5.11: `Memory` 0 → WARN.
    assert_eq!(field("{{ .HostConfig.Memory }}") == "0", failed("CIS-5.11"));
    // 5.13: `ReadonlyRootfs=false` → WARN.
    assert_eq!(field("{{ .HostConfig.ReadonlyRootfs }}") == "false", failed("CIS-5.13"));
    // 5.29: PidsLimit empty/0/-1 → WARN.
    let pids = field("{{ .HostConfig.PidsLimit }}");
    assert_eq!(["<nil>", "0", "-1", ""].contains(&pids.as_str()), failed("CIS-5.29"));
    // 5.10: NetworkMode host → WARN (here: not).
    assert_eq!(field("{{ .HostConfig.NetworkMode }}") == "host", failed("CIS-5.10"));
}

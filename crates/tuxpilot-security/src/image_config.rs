//! CIS §4 checks that image inspect and history decide, and image lints: root user, no
//! HEALTHCHECK, `ADD` in history, `apt-get update` alone, secret-looking ENV, exposed port 22.

use tuxpilot_docker::{ImageDetails, ImageHistoryEntry};

use crate::finding::{Category, Check, Evidence, Finding, Severity};
use crate::secrets::{mask, scan_text};

fn finding(
    target: &str,
    id: &str,
    title: &str,
    severity: Severity,
    location: &str,
    value: String,
    fix: &str,
) -> Finding {
    Finding {
        id: id.into(),
        title: title.into(),
        severity,
        category: Category::ImageConfig,
        target: target.into(),
        evidence: Evidence { location: location.into(), value, layer: None },
        remediation: fix.into(),
        nist: vec!["4.1.2".into()],
        package: None,
    }
}

/// Whether an ENV/ARG name looks like it holds a secret (Dockle CIS-DI-0010's words, any case).
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASS", "SECRET", "KEY", "ACCESS", "TOKEN"].iter().any(|w| upper.contains(w))
}

/// The image checks; `history` newest first, as the engine returns it.
pub fn check_image(target: &str, img: &ImageDetails, history: &[ImageHistoryEntry]) -> (Vec<Finding>, Vec<Check>) {
    let mut findings = Vec::new();
    let mut checks = Vec::new();
    let mut push = |check_id: &str, title: &str, f: Option<Finding>| {
        checks.push(Check { id: check_id.into(), title: title.into(), passed: f.is_none() });
        if let Some(f) = f {
            findings.push(f);
        }
    };

    let user = img.user.trim();
    let root = user.is_empty() || ["root", "0"].contains(&user.split(':').next().unwrap_or(""));
    push(
        "CIS-4.1",
        "A non-root user is set",
        root.then(|| {
            finding(
                target,
                "CIS-4.1",
                "Image runs as root",
                Severity::Medium,
                "Config.User",
                format!("{user:?}"),
                "add `USER <non-root uid>` to the Dockerfile",
            )
        }),
    );
    let no_health =
        img.healthcheck.as_ref().is_none_or(|h| h.test.first().is_some_and(|t| t == "NONE") || h.test.is_empty());
    push(
        "CIS-4.6",
        "HEALTHCHECK instruction present",
        no_health.then(|| {
            finding(
                target,
                "CIS-4.6",
                "No HEALTHCHECK in the image",
                Severity::Low,
                "Config.Healthcheck",
                "absent".into(),
                "add a HEALTHCHECK instruction",
            )
        }),
    );
    // History is newest first; the oldest entry's ADD is the base root filesystem.
    let older: Vec<&ImageHistoryEntry> = history.iter().rev().skip(1).collect();
    let update_alone = older.iter().find(|h| {
        let c = h.created_by.to_lowercase();
        (c.contains("apt-get update")
            || c.contains("apt update")
            || c.contains("apk update")
            || c.contains("yum update"))
            && !c.contains("install")
            && !c.contains("upgrade")
    });
    push(
        "CIS-4.7",
        "Update instructions are not used alone",
        update_alone.map(|h| {
            finding(
                target,
                "CIS-4.7",
                "Package index updated in a layer of its own",
                Severity::Low,
                "history[].CreatedBy",
                h.created_by.clone(),
                "run update and install in the same RUN instruction",
            )
        }),
    );
    let add = older.iter().find(|h| {
        let c = h.created_by.trim_start_matches("/bin/sh -c #(nop) ").trim_start();
        c.starts_with("ADD ") || (c.contains("ADD ") && c.contains("# buildkit"))
    });
    push(
        "CIS-4.9",
        "COPY is used instead of ADD",
        add.map(|h| {
            finding(
                target,
                "CIS-4.9",
                "ADD used in the Dockerfile",
                Severity::Low,
                "history[].CreatedBy",
                h.created_by.clone(),
                "use COPY (ADD fetches URLs and unpacks archives)",
            )
        }),
    );
    // Secret-looking ENV: names (Dockle) and values (secret rules).
    let mut env_findings = Vec::new();
    for e in &img.env {
        let Some((k, v)) = e.split_once('=') else { continue };
        if v.is_empty() || k == "GPG_KEY" || k == "GPG_KEYS" {
            continue;
        }
        let by_value = scan_text(&format!("{k}={v}"));
        if let Some(hit) = by_value.first() {
            env_findings.push(Finding {
                category: Category::Secret,
                ..finding(
                    target,
                    &format!("secret/{}", hit.rule),
                    &format!("{} in ENV {k}", hit.title),
                    hit.severity,
                    "Config.Env",
                    format!("{k}={}", mask(v)),
                    "pass secrets at run time (--env-file, secrets), not in the image",
                )
            });
        } else if secret_name(k) {
            env_findings.push(finding(
                target,
                "CIS-4.10",
                &format!("Secret-looking ENV name {k}"),
                Severity::High,
                "Config.Env",
                format!("{k}={}", mask(v)),
                "pass secrets at run time (--env-file, secrets), not in the image",
            ));
        }
    }
    let mut env_iter = env_findings.into_iter();
    push("CIS-4.10", "No secrets in the image configuration", env_iter.next());
    let rest: Vec<Finding> = env_iter.collect();
    let ssh = img.exposed_ports.iter().find(|p| p.port == 22);
    push(
        "IMG-EXPOSE-22",
        "SSH port not exposed",
        ssh.map(|p| {
            finding(
                target,
                "IMG-EXPOSE-22",
                "Port 22 exposed",
                Severity::Medium,
                "Config.ExposedPorts",
                format!("{}/{}", p.port, p.protocol),
                "remove EXPOSE 22; do not run SSH in containers",
            )
        }),
    );
    findings.extend(rest);
    (findings, checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(user: &str, env: &[&str], ports: &[u16], health: bool) -> ImageDetails {
        serde_json::from_value(serde_json::json!({
            "id": "sha256:abc", "repo_tags": ["app:1"], "repo_digests": [], "created": null,
            "architecture": "amd64", "os": "linux", "size": 1, "user": user,
            "env": env, "cmd": [], "entrypoint": [], "working_dir": "",
            "exposed_ports": ports.iter().map(|p| serde_json::json!({"port": p, "protocol": "tcp"})).collect::<Vec<_>>(),
            "volumes": [], "labels": {},
            "healthcheck": if health { serde_json::json!({"test": ["CMD", "true"], "interval": null, "timeout": null, "retries": null, "start_period": null, "start_interval": null}) } else { serde_json::Value::Null },
            "layers": [],
        }))
        .unwrap()
    }

    fn history(cmds: &[&str]) -> Vec<ImageHistoryEntry> {
        // Newest first, as the engine returns it.
        cmds.iter()
            .rev()
            .map(|c| ImageHistoryEntry {
                id: "<missing>".into(),
                created: chrono::Utc::now(),
                created_by: (*c).into(),
                size: 0,
                comment: String::new(),
            })
            .collect()
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        let mut v: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn a_clean_image_passes() {
        let (f, checks) = check_image(
            "app:1",
            &image("10001", &["PATH=/usr/bin", "GPG_KEY=ABCDEF0123456789"], &[8080], true),
            &history(&["/bin/sh -c #(nop) ADD file:abc in / ", "/bin/sh -c apt-get update && apt-get install -y curl"]),
        );
        assert!(f.is_empty(), "{f:#?}");
        assert!(checks.iter().all(|c| c.passed));
    }

    #[test]
    fn root_no_health_add_update_alone_env_secrets_and_ssh_port() {
        let (f, _) = check_image(
            "app:1",
            &image(
                "root:root",
                &[
                    "DB_PASSWORD=s3cr3t-Pa55w0rd-xyz",
                    "GITHUB_TOKEN=ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
                    "APP_SECRET=changeme",
                    "EMPTY_TOKEN=",
                ],
                &[22, 80],
                false,
            ),
            &history(&[
                "/bin/sh -c #(nop) ADD file:base in / ",
                "/bin/sh -c apt-get update",
                "/bin/sh -c #(nop) ADD app.tar.gz /srv/ ",
                "COPY . /app # buildkit",
            ]),
        );
        assert_eq!(
            ids(&f),
            [
                "CIS-4.1",
                "CIS-4.10",
                "CIS-4.6",
                "CIS-4.7",
                "CIS-4.9",
                "IMG-EXPOSE-22",
                "secret/generic-credential",
                "secret/github-pat"
            ],
            "{f:#?}"
        );
        let token = f.iter().find(|x| x.id == "secret/github-pat").unwrap();
        assert_eq!(token.category, Category::Secret);
        assert!(!token.evidence.value.contains("aB3dE5fG7hI9"), "masked: {}", token.evidence.value);
        let add = f.iter().find(|x| x.id == "CIS-4.9").unwrap();
        assert!(add.evidence.value.contains("app.tar.gz"), "the base layer's ADD is not counted");
        // A value that looks random is a secret by value; a placeholder under a secret-looking
        // name is still flagged by its name.
        assert!(f.iter().find(|x| x.id == "secret/generic-credential").unwrap().title.contains("DB_PASSWORD"));
        assert!(f.iter().find(|x| x.id == "CIS-4.10").unwrap().title.contains("APP_SECRET"));
    }
}

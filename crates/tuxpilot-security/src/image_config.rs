//! CIS §4 checks that image inspect and history decide, and image lints: root user, no
//! HEALTHCHECK, `ADD` in history, `apt-get update` alone, secret-looking ENV, exposed port 22.

use regex::Regex;
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

/// ENV/ARG names that look like they hold secrets (Dockle CIS-DI-0010), minus GPG key ids.
fn secret_name() -> Option<Regex> {
    Regex::new(r"(?i)(PASS|PASSWD|PASSWORD|SECRET|KEY|ACCESS|TOKEN)").ok()
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
    if let Some(names) = secret_name() {
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
            } else if names.is_match(k) {
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

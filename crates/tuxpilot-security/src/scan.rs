//! Scanning through the engine: containers (inspect + top) and images (inspect, history and
//! the exported layers), and the pre-deploy hook other crates call.

use std::path::PathBuf;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::io::{StreamReader, SyncIoBridge};
use tuxpilot_docker::{Engine, EngineError};

use crate::finding::{Category, Evidence, Finding, PackageRef, Severity};
use crate::image_config::check_image;
use crate::layers::{ArchiveError, Limits, scan_archive};
use crate::report::Report;
use crate::runtime::check_container;
use crate::vulndb::VulnDb;

/// A scan that could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The exported image could not be read.
    #[error("{target}: {source}")]
    Archive {
        /// The image.
        target: String,
        /// Why.
        #[source]
        source: ArchiveError,
    },
    /// The scanning task failed.
    #[error("scan of {0} was interrupted")]
    Interrupted(String),
    /// The vulnerability database could not be read.
    #[error("{0}")]
    Db(String),
}

/// Whether the engine's kernel has AppArmor (its `docker info` security options), so CIS-5.2
/// applies; an engine that cannot say is taken to have it.
pub async fn host_has_apparmor(engine: &dyn Engine) -> bool {
    match engine.info().await {
        Ok(info) => info.security_options.iter().any(|o| o.contains("apparmor")),
        Err(_) => true,
    }
}

/// Runtime checks of one container (created or running).
pub async fn scan_container(engine: &dyn Engine, name: &str) -> Result<Report, ScanError> {
    scan_container_on(engine, name, host_has_apparmor(engine).await).await
}

/// [`scan_container`] with the host's AppArmor already known ([`host_has_apparmor`]): asked
/// once when many containers are scanned.
pub async fn scan_container_on(engine: &dyn Engine, name: &str, apparmor: bool) -> Result<Report, ScanError> {
    let details = engine.inspect_container(name).await?;
    // 5.7 needs the process list, which only a running container has.
    let top = if details.state.running { engine.top(&details.id).await.ok() } else { None };
    let (findings, checks) = check_container(&details, top.as_ref(), apparmor);
    let mut notes = Vec::new();
    if !apparmor {
        notes.push("CIS-5.2 (AppArmor profile) not checked: this host's kernel has no AppArmor".into());
    }
    if top.is_none() {
        notes.push("CIS-5.7 (sshd) not checked: the container is not running".into());
    }
    Ok(Report::new(details.name.clone(), "container", None, findings, checks, Vec::new(), notes))
}

/// Image scan options.
#[derive(Debug, Default)]
pub struct ImageScanOptions<'a> {
    /// A loaded vulnerability database.
    pub db: Option<&'a VulnDb>,
    /// Or a database directory, of which only the image's ecosystem is loaded once the
    /// contents say which it is. No vulnerability matching without either.
    pub db_dir: Option<&'a std::path::Path>,
    /// Read bounds.
    pub limits: Limits,
}

/// Image configuration, contents (OS, packages, setuid files, secrets) and vulnerabilities.
pub async fn scan_image(
    engine: &dyn Engine,
    reference: &str,
    opts: &ImageScanOptions<'_>,
) -> Result<Report, ScanError> {
    let img = engine.inspect_image(reference).await?;
    let history = engine.image_history(reference).await.unwrap_or_default();
    let (mut findings, mut checks) = check_image(reference, &img, &history);

    // Stream the export through the tar reader on a blocking thread; nothing touches disk.
    let stream = engine.export_image(reference).map_err(|e| std::io::Error::other(e.to_string()));
    let reader = SyncIoBridge::new(StreamReader::new(stream));
    let limits = opts.limits;
    let contents = tokio::task::spawn_blocking(move || scan_archive(reader, limits))
        .await
        .map_err(|_| ScanError::Interrupted(reference.to_string()))?
        .map_err(|source| ScanError::Archive { target: reference.to_string(), source })?;

    let layer_of = |diff: &str| Some(diff.to_string());
    for s in &contents.special_files {
        findings.push(Finding {
            id: "CIS-4.8".into(),
            title: format!("setuid/setgid file /{}", s.path),
            severity: Severity::Low,
            category: Category::File,
            target: reference.to_string(),
            evidence: Evidence {
                location: format!("/{}", s.path),
                value: format!("mode {}", s.mode),
                layer: layer_of(&s.layer),
            },
            remediation: "remove the setuid/setgid bit (chmod u-s,g-s) unless the binary needs it".into(),
            nist: vec!["4.1.2".into()],
            package: None,
        });
    }
    checks.push(crate::finding::Check {
        id: "CIS-4.8".into(),
        title: "setuid and setgid permissions removed".into(),
        passed: contents.special_files.is_empty(),
    });
    for s in &contents.secrets {
        findings.push(Finding {
            id: format!("secret/{}", s.hit.rule),
            title: format!("{} in /{}", s.hit.title, s.path),
            severity: s.hit.severity,
            category: Category::Secret,
            target: reference.to_string(),
            evidence: Evidence {
                location: format!("/{}:{}", s.path, s.hit.line),
                value: s.hit.masked.clone(),
                layer: layer_of(&s.layer),
            },
            remediation: "remove the file from every layer (rebuild; deleting it in a later layer leaves it in the image) and rotate the secret".into(),
            nist: vec!["4.1.4".into()],
            package: None,
        });
    }
    let mut notes = contents.skipped.clone();
    // A directory is opened now, for the one ecosystem this image needs.
    let scoped = match (opts.db, opts.db_dir, contents.os.as_ref().and_then(|o| o.ecosystem())) {
        (None, Some(dir), Some(eco)) => {
            Some(VulnDb::open_ecosystem(dir, &eco).map_err(|e| ScanError::Db(e.to_string()))?)
        }
        _ => None,
    };
    let have_db = opts.db.is_some() || opts.db_dir.is_some();
    match (&contents.os, opts.db.or(scoped.as_ref())) {
        (Some(os), Some(db)) => match os.ecosystem() {
            Some(eco) => {
                for p in &contents.packages {
                    for m in db.matches(&eco, p) {
                        let title = if m.record.summary.is_empty() {
                            format!("{} in {} {}", m.record.id, p.name, p.version)
                        } else {
                            m.record.summary.clone()
                        };
                        findings.push(Finding {
                            id: m.record.id.clone(),
                            title,
                            severity: m.severity,
                            category: Category::Vulnerability,
                            target: reference.to_string(),
                            evidence: Evidence {
                                location: p.db_path.clone(),
                                value: format!(
                                    "{} {} (source {} {})",
                                    p.name, p.version, p.source_name, p.source_version
                                ),
                                layer: None,
                            },
                            remediation: match &m.fixed_version {
                                Some(v) => format!("upgrade {} to {v} or later", p.source_name),
                                None => format!(
                                    "no fixed version of {} yet; mitigate or replace the package",
                                    p.source_name
                                ),
                            },
                            nist: vec!["4.1.1".into()],
                            package: Some(PackageRef {
                                name: p.name.clone(),
                                version: p.version.clone(),
                                fixed_version: m.fixed_version.clone(),
                            }),
                        });
                    }
                }
            }
            None => notes.push(format!("no vulnerability data for {} (ecosystem unknown)", os.id)),
        },
        (None, _) if have_db => {
            notes.push("no /etc/os-release: operating system unknown, packages not matched".into());
        }
        (Some(os), None) if have_db => notes.push(format!("no vulnerability data for {} (ecosystem unknown)", os.id)),
        (_, _) => notes.push("no vulnerability database given (--db or [containers.security] vulnerability_db)".into()),
    }
    Ok(Report::new(reference.to_string(), "image", contents.os, findings, checks, contents.packages, notes))
}

/// `[containers.security]` in the config file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityConfig {
    /// Directory of OSV records.
    pub vulnerability_db: Option<PathBuf>,
    /// Scan images after `pull`.
    pub scan_on_pull: bool,
    /// Scan images before deploying them.
    pub scan_images: bool,
    /// Block a deploy when a finding at or above this severity remains (default: critical).
    pub fail_on: Option<Severity>,
    /// Ignore file applied to hook scans.
    pub ignore_file: Option<PathBuf>,
}

impl SecurityConfig {
    /// The keys this section understands (others are reported and ignored).
    pub const KEYS: &'static [&'static str] =
        &["vulnerability_db", "scan_on_pull", "scan_images", "fail_on", "ignore_file"];
}

/// A deploy blocked by the scan hook.
#[derive(Debug, thiserror::Error)]
#[error("image {image} blocked: {count} finding(s) at {level} or above (first: {first})")]
pub struct Blocked {
    /// The image.
    pub image: String,
    /// How many findings.
    pub count: usize,
    /// The threshold.
    pub level: Severity,
    /// The first finding's id and title.
    pub first: String,
}

/// The hook other crates call before deploying `images` (after pulling them): scans each
/// image when the config asks for it and refuses the deploy when findings at `fail_on` or above
/// remain. Returns the reports (empty when scanning is off).
pub async fn pre_deploy_hook(
    engine: &dyn Engine,
    config: &SecurityConfig,
    images: &[String],
    pulled: bool,
) -> Result<Vec<Report>, HookError> {
    if !(config.scan_images || (pulled && config.scan_on_pull)) {
        return Ok(Vec::new());
    }
    if let Some(dir) = &config.vulnerability_db
        && !dir.is_dir()
    {
        return Err(HookError::Db(format!("vulnerability database {} is not a directory", dir.display())));
    }
    let ignore = match &config.ignore_file {
        Some(p) => {
            let text = tuxpilot_docker::files::read_to_string(p)
                .map_err(|e| HookError::Db(format!("{}: {e}", p.display())))?;
            Some(crate::report::IgnoreList::parse(&text, p).map_err(HookError::Db)?)
        }
        None => None,
    };
    let level = config.fail_on.unwrap_or(Severity::Critical);
    let mut reports = Vec::new();
    for image in images {
        let opts = ImageScanOptions { db_dir: config.vulnerability_db.as_deref(), ..Default::default() };
        let mut r = scan_image(engine, image, &opts).await?;
        if let Some(i) = &ignore {
            r.apply_ignores(i, chrono::Utc::now().date_naive());
        }
        let bad: Vec<&Finding> = r.findings.iter().filter(|f| f.severity >= level).collect();
        if let Some(first) = bad.first() {
            return Err(HookError::Blocked(Blocked {
                image: image.clone(),
                count: bad.len(),
                level,
                first: format!("{} {}", first.id, first.title),
            }));
        }
        reports.push(r);
    }
    Ok(reports)
}

/// Why the hook stopped a deploy.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// Findings above the threshold.
    #[error(transparent)]
    Blocked(#[from] Blocked),
    /// The scan failed.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// The database or ignore file could not be read.
    #[error("{0}")]
    Db(String),
}

//! `tuxpilot-security`: scans images and containers in one offline pass and cites the rule
//! behind every finding.
//!
//! - **Runtime** ([`check_container`], [`scan_container`]): the CIS Docker Benchmark 1.6 §5
//!   checks that inspect data decides, and sshd via the process list.
//! - **Image configuration** ([`check_image`]): CIS §4 checks from image inspect and history,
//!   secret-looking ENV, exposed port 22.
//! - **Image contents** ([`scan_archive`]): the exported image streamed layer by layer with
//!   whiteouts applied, never extracted; OS, dpkg/apk packages, setuid files, secrets.
//! - **Vulnerabilities** ([`VulnDb`]): OSV records matched with Debian and Alpine version
//!   ordering.
//! - **Reports** ([`Report`]): score, compliance (CIS, NIST SP 800-190), SARIF, CycloneDX,
//!   severity filters and ignore files; [`pre_deploy_hook`] for deploy pipelines.
//!
//! ```no_run
//! use tuxpilot_docker::{BollardEngine, ConnectionConfig};
//! use tuxpilot_security::{ImageScanOptions, VulnDb, scan_image};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = BollardEngine::connect(&ConnectionConfig::from_env()).await?;
//! let db = VulnDb::open(std::path::Path::new("/var/lib/tuxpilot/osv"))?;
//! let report = scan_image(&engine, "debian:12", &ImageScanOptions { db: Some(&db), ..Default::default() }).await?;
//! println!("score {} with {} findings", report.score, report.findings.len());
//! # Ok(()) }
//! ```

mod finding;
mod image_config;
pub mod layers;
pub mod packages;
pub mod report;
mod runtime;
mod scan;
pub mod secrets;
pub mod version;
pub mod vulndb;

pub use finding::{Category, Check, Evidence, Finding, PackageRef, Severity};
pub use image_config::check_image;
pub use layers::{ImageContents, Limits, scan_archive};
pub use report::{IgnoreList, Report, cyclonedx, sarif};
pub use runtime::check_container;
pub use scan::{
    Blocked, HookError, ImageScanOptions, ScanError, SecurityConfig, host_has_apparmor, pre_deploy_hook,
    scan_container, scan_container_on, scan_image,
};
pub use vulndb::VulnDb;

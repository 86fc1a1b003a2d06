//! Findings: what was found, how bad, the evidence, the rule behind it and the fix.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Severity, ordered (Trivy's scale). Written in capitals; read in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Not rated.
    Unknown,
    /// Informational or hardening advice.
    Low,
    /// Worth fixing.
    Medium,
    /// Fix soon.
    High,
    /// Fix now.
    Critical,
}

impl Severity {
    /// From a CVSS base score (0.1–3.9 low, 4–6.9 medium, 7–8.9 high, 9+ critical).
    pub fn from_cvss(score: f64) -> Self {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Unknown,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        })
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "unknown" => Ok(Severity::Unknown),
            "low" | "negligible" | "info" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" | "important" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!("unknown severity {other:?}: use low, medium, high or critical")),
        }
    }
}

/// What kind of check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// CIS §5: how a container runs.
    Runtime,
    /// CIS §4 and image lints: the image configuration.
    ImageConfig,
    /// A secret in a file or the configuration.
    Secret,
    /// A vulnerable package.
    Vulnerability,
    /// A file property (setuid/setgid).
    File,
}

/// The proof behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The inspect field (`HostConfig.Privileged`) or file path.
    pub location: String,
    /// The value seen (secrets are masked).
    pub value: String,
    /// The image layer (diff id) holding the file, for file evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id: `CIS-5.4`, a CVE/GHSA id, `secret/aws-access-key-id`…
    pub id: String,
    /// Short title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Kind of check.
    pub category: Category,
    /// What was scanned (container or image name).
    pub target: String,
    /// The evidence.
    pub evidence: Evidence,
    /// How to fix it.
    pub remediation: String,
    /// NIST SP 800-190 control areas this finding falls under (e.g. `4.4.3`).
    pub nist: Vec<String>,
    /// The package, for vulnerabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
}

/// A package named by a vulnerability finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    /// Binary package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// First fixed version, when known.
    pub fixed_version: Option<String>,
}

/// A check that passed, kept so compliance can be reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Rule id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Passed or not.
    pub passed: bool,
}

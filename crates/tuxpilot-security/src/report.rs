//! Reports: findings with evidence, a 0–100 score, compliance per framework, recommendations,
//! and the SARIF 2.1.0 and CycloneDX 1.5 renderings; ignore files and severity filters.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::finding::{Category, Check, Finding, Severity};
use crate::packages::{OsInfo, Package, PackageKind};

/// What one scan found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Container or image scanned.
    pub target: String,
    /// `container` or `image`.
    pub kind: &'static str,
    /// The image's distribution, when the contents were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Every check run, passed or not.
    pub checks: Vec<Check>,
    /// Installed packages (the SBOM).
    pub packages: Vec<Package>,
    /// 0–100, see [`score`].
    pub score: u32,
    /// Findings per severity.
    pub summary: BTreeMap<Severity, usize>,
    /// Per framework.
    pub compliance: Vec<Compliance>,
    /// What to do first.
    pub recommendations: Vec<String>,
    /// Entries skipped while reading (unsafe paths, oversized files, unreadable records).
    pub notes: Vec<String>,
    /// Findings suppressed by the ignore file.
    pub ignored: usize,
}

/// Status against one framework.
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    /// `CIS Docker Benchmark 1.6` or `NIST SP 800-190`.
    pub framework: &'static str,
    /// Controls passed.
    pub passed: usize,
    /// Controls failed.
    pub failed: usize,
    /// `compliant` or `non-compliant`.
    pub status: &'static str,
    /// The failed control ids.
    pub failed_controls: Vec<String>,
}

/// The weight of one finding in the score.
pub fn weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 0.25,
        Severity::High => 0.10,
        Severity::Medium => 0.04,
        Severity::Low => 0.01,
        Severity::Unknown => 0.01,
    }
}

/// The security score: 100 × Π (1 − weight(severity)) over the findings, rounded. Each
/// critical finding takes a quarter of what is left, high 10 %, medium 4 %, low 1 %; the score
/// never goes below 0 and a clean target scores 100.
pub fn score(findings: &[Finding]) -> u32 {
    let s: f64 = findings.iter().map(|f| 1.0 - weight(f.severity)).product();
    (s * 100.0).round().clamp(0.0, 100.0) as u32
}

/// NIST SP 800-190 countermeasure areas, and the finding categories that fail each.
const NIST_AREAS: &[(&str, &str, &[Category])] = &[
    ("4.1.1", "Image vulnerabilities", &[Category::Vulnerability]),
    ("4.1.2", "Image configuration defects", &[Category::ImageConfig, Category::File]),
    ("4.1.4", "Embedded clear text secrets", &[Category::Secret]),
    ("4.4.4", "Insecure container runtime configurations", &[Category::Runtime]),
];
impl Report {
    /// Builds the report: sorts findings, scores, and derives compliance and advice.
    pub fn new(
        target: String,
        kind: &'static str,
        os: Option<OsInfo>,
        mut findings: Vec<Finding>,
        checks: Vec<Check>,
        packages: Vec<Package>,
        notes: Vec<String>,
    ) -> Self {
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        let mut r = Report {
            target,
            kind,
            os,
            findings,
            checks,
            packages,
            score: 0,
            summary: BTreeMap::new(),
            compliance: Vec::new(),
            recommendations: Vec::new(),
            notes,
            ignored: 0,
        };
        r.refresh();
        r
    }

    fn refresh(&mut self) {
        self.score = score(&self.findings);
        self.summary.clear();
        for f in &self.findings {
            *self.summary.entry(f.severity).or_default() += 1;
        }
        let cis: Vec<&Check> = self.checks.iter().filter(|c| c.id.starts_with("CIS-")).collect();
        let failed: Vec<String> = {
            let mut ids: Vec<String> = cis.iter().filter(|c| !c.passed).map(|c| c.id.clone()).collect();
            ids.extend(self.findings.iter().filter(|f| f.id.starts_with("CIS-")).map(|f| f.id.clone()));
            ids.sort();
            ids.dedup();
            ids
        };
        let total = {
            let mut ids: Vec<&str> = cis.iter().map(|c| c.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len().max(failed.len())
        };
        let mut compliance = vec![Compliance {
            framework: "CIS Docker Benchmark 1.6",
            passed: total - failed.len(),
            failed: failed.len(),
            status: if failed.is_empty() { "compliant" } else { "non-compliant" },
            failed_controls: failed,
        }];
        let nist_failed: Vec<String> = NIST_AREAS
            .iter()
            .filter(|(_, _, cats)| self.findings.iter().any(|f| cats.contains(&f.category)))
            .map(|(id, title, _)| format!("{id} {title}"))
            .collect();
        compliance.push(Compliance {
            framework: "NIST SP 800-190",
            passed: NIST_AREAS.len() - nist_failed.len(),
            failed: nist_failed.len(),
            status: if nist_failed.is_empty() { "compliant" } else { "non-compliant" },
            failed_controls: nist_failed,
        });
        self.compliance = compliance;
        self.recommendations = recommendations(&self.findings);
    }

    /// Keeps findings at `min` or above.
    pub fn filter_severity(&mut self, min: Severity) {
        self.findings.retain(|f| f.severity >= min);
        self.refresh();
    }

    /// Removes the findings `ignore` accepts (on `today`).
    pub fn apply_ignores(&mut self, ignore: &IgnoreList, today: NaiveDate) {
        let before = self.findings.len();
        let target = self.target.clone();
        self.findings.retain(|f| !ignore.suppresses(f, &target, today));
        self.ignored += before - self.findings.len();
        self.refresh();
    }
}

fn recommendations(findings: &[Finding]) -> Vec<String> {
    let mut out = Vec::new();
    let has = |cat: Category, min: Severity| findings.iter().any(|f| f.category == cat && f.severity >= min);
    if findings.iter().any(|f| f.id == "CIS-5.5" || f.id == "CIS-5.32") {
        out.push("Remove --privileged and Docker socket mounts first: either gives the container the host.".into());
    }
    if has(Category::Secret, Severity::Low) {
        out.push("Rotate the secrets found, then rebuild without them (build secrets or run-time env files).".into());
    }
    let fixable = findings
        .iter()
        .filter(|f| {
            f.category == Category::Vulnerability && f.package.as_ref().is_some_and(|p| p.fixed_version.is_some())
        })
        .count();
    if fixable > 0 {
        out.push(format!("{fixable} vulnerabilities have fixed versions: rebuild on an updated base image (apt-get upgrade / apk upgrade)."));
    }
    if has(Category::Runtime, Severity::Medium) {
        out.push("Harden the run configuration: non-root user, --read-only, --cap-drop ALL, --security-opt no-new-privileges, memory/CPU/PIDs limits.".into());
    }
    if findings.iter().any(|f| f.id == "CIS-4.1") {
        out.push("Add a USER instruction so the image does not run as root.".into());
    }
    out
}

/// Accepted findings: `.trivyignore`-style lines `ID [exp:YYYY-MM-DD] [target:NAME]`, `#`
/// comments.
#[derive(Debug, Clone, Default)]
pub struct IgnoreList {
    entries: Vec<IgnoreEntry>,
}

#[derive(Debug, Clone)]
struct IgnoreEntry {
    id: String,
    expires: Option<NaiveDate>,
    target: Option<String>,
}

impl IgnoreList {
    /// Parses an ignore file's text; errors name the line.
    pub fn parse(text: &str, file: &Path) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let id = parts.next().unwrap_or_default().to_string();
            let mut e = IgnoreEntry { id, expires: None, target: None };
            for p in parts {
                if let Some(d) = p.strip_prefix("exp:") {
                    e.expires = Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                        format!("{}:{}: invalid expiry {d:?}; write exp:YYYY-MM-DD", file.display(), n + 1)
                    })?);
                } else if let Some(t) = p.strip_prefix("target:") {
                    e.target = Some(t.to_string());
                } else {
                    return Err(format!(
                        "{}:{}: unknown field {p:?}; use exp:YYYY-MM-DD or target:NAME",
                        file.display(),
                        n + 1
                    ));
                }
            }
            entries.push(e);
        }
        Ok(Self { entries })
    }

    /// Whether `f` on `target` is accepted on `today` (an expired entry accepts nothing).
    pub fn suppresses(&self, f: &Finding, target: &str, today: NaiveDate) -> bool {
        self.entries.iter().any(|e| {
            e.id == f.id && e.expires.is_none_or(|d| today <= d) && e.target.as_deref().is_none_or(|t| t == target)
        })
    }
}

/// SARIF 2.1.0 for a set of reports (one run, one result per finding).
pub fn sarif(reports: &[Report]) -> serde_json::Value {
    let mut rules: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut results = Vec::new();
    for r in reports {
        for f in &r.findings {
            rules.entry(f.id.clone()).or_insert_with(|| {
                serde_json::json!({
                    "id": f.id,
                    "name": f.id.replace(['-', '.', '/'], "_"),
                    "shortDescription": {"text": f.title},
                    "help": {"text": f.remediation},
                    "properties": {"security-severity": security_severity(f.severity), "tags": ["security", category_tag(f.category)]},
                })
            });
            let level = match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                _ => "note",
            };
            let uri = if f.evidence.layer.is_some() {
                f.evidence.location.clone()
            } else {
                format!("{}/{}", r.kind, r.target)
            };
            results.push(serde_json::json!({
                "ruleId": f.id,
                "level": level,
                "message": {"text": format!("{}: {} = {} ({})", f.title, f.evidence.location, f.evidence.value, f.target)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}, "logicalLocations": [{"name": f.target, "kind": r.kind}]}],
                "properties": {"severity": f.severity.to_string(), "layer": f.evidence.layer},
            }));
        }
    }
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tuxpilot",
                "informationUri": "https://github.com/tuxpilot/tuxpilot",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Unknown => "0.0",
    }
}

fn category_tag(c: Category) -> &'static str {
    match c {
        Category::Runtime => "runtime",
        Category::ImageConfig => "image-config",
        Category::Secret => "secret",
        Category::Vulnerability => "vulnerability",
        Category::File => "file",
    }
}

/// The package URL of a package.
pub fn purl(p: &Package, os: Option<&OsInfo>) -> String {
    let (kind, ns) = match p.kind {
        PackageKind::Deb => ("deb", os.map(|o| o.id.as_str()).unwrap_or("debian")),
        PackageKind::Apk => ("apk", os.map(|o| o.id.as_str()).unwrap_or("alpine")),
    };
    let mut q = Vec::new();
    if !p.arch.is_empty() {
        q.push(format!("arch={}", p.arch));
    }
    if let Some(o) = os {
        q.push(format!("distro={}-{}", o.id, o.version_id));
    }
    let version = p.version.replace(':', "%3A").replace('+', "%2B");
    let query = if q.is_empty() { String::new() } else { format!("?{}", q.join("&")) };
    format!("pkg:{kind}/{ns}/{}@{version}{query}", p.name)
}

/// A CycloneDX 1.5 SBOM of an image report's packages, with its vulnerabilities.
pub fn cyclonedx(r: &Report) -> serde_json::Value {
    let components: Vec<serde_json::Value> = r
        .packages
        .iter()
        .map(|p| {
            let mut c = serde_json::json!({
                "type": "library",
                "bom-ref": purl(p, r.os.as_ref()),
                "name": p.name,
                "version": p.version,
                "purl": purl(p, r.os.as_ref()),
                "properties": [{"name": "tuxpilot:source_name", "value": p.source_name}, {"name": "tuxpilot:db_path", "value": p.db_path}],
            });
            if let Some(l) = &p.license {
                c["licenses"] = serde_json::json!([{"expression": l}]);
            }
            c
        })
        .collect();
    let vulns: Vec<serde_json::Value> = r
        .findings
        .iter()
        .filter(|f| f.category == Category::Vulnerability)
        .filter_map(|f| {
            let p = f.package.as_ref()?;
            let pkg = r.packages.iter().find(|x| x.name == p.name && x.version == p.version)?;
            Some(serde_json::json!({
                "id": f.id,
                "ratings": [{"severity": f.severity.to_string().to_lowercase()}],
                "description": f.title,
                "recommendation": f.remediation,
                "affects": [{"ref": purl(pkg, r.os.as_ref())}],
            }))
        })
        .collect();
    let mut os_component = Vec::new();
    if let Some(o) = &r.os {
        os_component.push(serde_json::json!({"type": "operating-system", "name": o.id, "version": o.version_id, "description": o.pretty_name}));
    }
    serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "timestamp": chrono::Utc::now().to_rfc3339(),
            "tools": {"components": [{"type": "application", "name": "tuxpilot", "version": env!("CARGO_PKG_VERSION")}]},
            "component": {"type": "container", "name": r.target, "bom-ref": r.target},
        },
        "components": os_component.into_iter().chain(components).collect::<Vec<_>>(),
        "vulnerabilities": vulns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Evidence;

    fn f(id: &str, severity: Severity) -> Finding {
        Finding {
            id: id.into(),
            title: "t".into(),
            severity,
            category: Category::Runtime,
            target: "web".into(),
            evidence: Evidence { location: "HostConfig.Privileged".into(), value: "true".into(), layer: None },
            remediation: "fix".into(),
            nist: vec![],
            package: None,
        }
    }

    #[test]
    fn score_formula() {
        assert_eq!(score(&[]), 100);
        assert_eq!(score(&[f("a", Severity::Critical)]), 75);
        assert_eq!(score(&[f("a", Severity::Critical), f("b", Severity::Critical)]), 56);
        assert_eq!(
            score(&[f("a", Severity::High), f("b", Severity::Medium), f("c", Severity::Low)]),
            86,
            "0.90 × 0.96 × 0.99 = 0.855"
        );
        assert_eq!(score(&vec![f("a", Severity::Critical); 100]), 0);
    }

    #[test]
    fn ignore_file_with_expiry_and_target() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let list = IgnoreList::parse(
            "# accepted\nCIS-5.5 exp:2027-01-01\nCIS-5.11 exp:2026-01-01  # expired\nCIS-5.13 target:db\n",
            Path::new(".tuxpilotignore"),
        )
        .unwrap();
        assert!(list.suppresses(&f("CIS-5.5", Severity::Critical), "web", today));
        assert!(!list.suppresses(&f("CIS-5.11", Severity::Medium), "web", today), "expired");
        assert!(!list.suppresses(&f("CIS-5.13", Severity::Medium), "web", today), "other target");
        assert!(list.suppresses(&f("CIS-5.13", Severity::Medium), "db", today));
        let err = IgnoreList::parse("CIS-5.5 exp:soon\n", Path::new("x")).unwrap_err();
        assert!(err.contains("x:1") && err.contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn filters_and_compliance() {
        let checks = vec![
            Check { id: "CIS-5.5".into(), title: "p".into(), passed: false },
            Check { id: "CIS-5.11".into(), title: "m".into(), passed: true },
        ];
        let mut r = Report::new(
            "web".into(),
            "container",
            None,
            vec![f("CIS-5.5", Severity::Critical), f("CIS-5.27", Severity::Low)],
            checks,
            vec![],
            vec![],
        );
        assert_eq!(r.findings[0].id, "CIS-5.5", "most severe first");
        assert_eq!(r.compliance[0].status, "non-compliant");
        assert!(r.compliance[0].failed_controls.contains(&"CIS-5.5".to_string()));
        r.filter_severity(Severity::High);
        assert_eq!(r.findings.len(), 1);
        let s = sarif(std::slice::from_ref(&r));
        assert_eq!(s["version"], "2.1.0");
        assert_eq!(s["runs"][0]["results"][0]["ruleId"], "CIS-5.5");
        assert_eq!(s["runs"][0]["results"][0]["level"], "error");
    }
}

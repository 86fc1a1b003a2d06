//! A local vulnerability database of OSV records, and matching installed packages against it.
//!
//! The database is a directory of OSV JSON files (any layout; `db import` writes
//! `<ecosystem>/<id>.json` plus `metadata.json`). Records are matched by ecosystem
//! (`Debian:12`, `Alpine:v3.19`) and package name (Debian and Alpine advisories name the
//! source package; the binary name is tried too), and evaluated with the OSV algorithm over
//! the ecosystem's own version ordering. Nothing here uses the network.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;
use crate::packages::{Package, PackageKind};
use crate::version::compare;

/// One OSV record (the fields a matcher needs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvRecord {
    /// `CVE-…`, `DSA-…`, `GHSA-…`.
    pub id: String,
    /// Other ids of the same issue.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// Longer text.
    #[serde(default)]
    pub details: String,
    /// Withdrawn records are ignored.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// Scores (`CVSS_V3` vectors…).
    #[serde(default)]
    pub severity: Vec<OsvSeverity>,
    /// What is affected.
    #[serde(default)]
    pub affected: Vec<OsvAffected>,
    /// Database-specific data (`severity` words live here in GHSA records).
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A severity entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvSeverity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector or word.
    pub score: String,
}

/// An `affected[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvAffected {
    /// The package.
    pub package: OsvPackage,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<OsvRange>,
    /// Listed affected versions.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Per-package severity.
    #[serde(default)]
    pub severity: Vec<OsvSeverity>,
    /// Ecosystem data (Debian's `urgency`).
    #[serde(default)]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// Database data.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A package in OSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsvPackage {
    /// `Debian:12`, `Alpine:v3.19`…
    pub ecosystem: String,
    /// Package name.
    pub name: String,
}

/// A range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsvRange {
    /// `ECOSYSTEM`, `SEMVER` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Events.
    #[serde(default)]
    pub events: Vec<BTreeMap<String, String>>,
}

/// Whether `version` is affected by `a` under `kind`'s ordering (the OSV evaluation
/// algorithm: `versions` list, then each range's sorted events).
pub fn is_affected(kind: PackageKind, a: &OsvAffected, version: &str) -> bool {
    if a.versions.iter().any(|v| v == version) {
        return true;
    }
    let cmp = |x: &str, y: &str| -> Option<Ordering> {
        if x == "0" {
            return Some(if y == "0" { Ordering::Equal } else { Ordering::Less });
        }
        if y == "0" {
            return Some(Ordering::Greater);
        }
        compare(kind, x, y)
    };
    for range in &a.ranges {
        if range.kind == "GIT" {
            continue;
        }
        // (kind, version) events; `limit` bounds the range.
        let mut events: Vec<(&str, &str)> = Vec::new();
        for e in &range.events {
            for (k, v) in e {
                events.push((k.as_str(), v.as_str()));
            }
        }
        let limits: Vec<&str> = events.iter().filter(|(k, _)| *k == "limit").map(|(_, v)| *v).collect();
        if !limits.is_empty() && !limits.iter().any(|l| *l == "*" || cmp(version, l) == Some(Ordering::Less)) {
            continue;
        }
        events.retain(|(k, _)| *k != "limit");
        events.sort_by(|a, b| cmp(a.1, b.1).unwrap_or(Ordering::Equal));
        let mut vulnerable = false;
        for (k, v) in events {
            let Some(o) = cmp(version, v) else { continue };
            match k {
                "introduced" if o != Ordering::Less => vulnerable = true,
                "fixed" if o != Ordering::Less => vulnerable = false,
                "last_affected" if o == Ordering::Greater => vulnerable = false,
                _ => {}
            }
        }
        if vulnerable {
            return true;
        }
    }
    false
}

/// The first `fixed` version of the ranges that matched, if any.
fn fixed_version(kind: PackageKind, a: &OsvAffected, version: &str) -> Option<String> {
    let mut fixes: Vec<&str> = a
        .ranges
        .iter()
        .flat_map(|r| r.events.iter())
        .filter_map(|e| e.get("fixed").map(String::as_str))
        .filter(|f| compare(kind, version, f) == Some(Ordering::Less))
        .collect();
    fixes.sort_by(|x, y| compare(kind, x, y).unwrap_or(Ordering::Equal));
    fixes.first().map(|s| (*s).to_string())
}

/// The severity of a record for an affected entry: CVSS score when a vector is given, else
/// the words Debian (`urgency`), GHSA (`severity`) or Ubuntu use.
pub fn severity_of(rec: &OsvRecord, a: &OsvAffected) -> Severity {
    let all = a.severity.iter().chain(rec.severity.iter());
    let mut best: Option<Severity> = None;
    for s in all {
        let sev = if s.kind.starts_with("CVSS_V3") {
            s.score.parse::<cvss::v3::Vector>().ok().map(|b| Severity::from_cvss(b.score().value()))
        } else if s.kind == "Ubuntu" {
            s.score.parse().ok()
        } else {
            None
        };
        best = best.max(sev);
    }
    if let Some(s) = best {
        return s;
    }
    let word = |v: &Option<serde_json::Value>, key: &str| {
        v.as_ref()
            .and_then(|v| v.get(key))
            .and_then(|s| s.as_str())
            .and_then(|s| s.trim_end_matches('*').parse::<Severity>().ok())
    };
    word(&a.ecosystem_specific, "urgency")
        .or_else(|| word(&a.database_specific, "severity"))
        .or_else(|| word(&rec.database_specific, "severity"))
        .unwrap_or(Severity::Unknown)
}

/// A package matched by a record.
#[derive(Debug, Clone, PartialEq)]
pub struct VulnMatch {
    /// The record.
    pub record: Arc<OsvRecord>,
    /// The package.
    pub package: Package,
    /// First fixed version.
    pub fixed_version: Option<String>,
    /// Severity.
    pub severity: Severity,
}

/// Records by (ecosystem, package name), each with the index of its matching `affected` entry.
type Index = HashMap<(String, String), Vec<(Arc<OsvRecord>, usize)>>;

/// A loaded database.
#[derive(Debug, Default)]
pub struct VulnDb {
    index: Index,
    /// Records loaded.
    pub records: usize,
    /// Files that could not be read, with why.
    pub errors: Vec<String>,
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The directory or archive cannot be read.
    #[error("cannot read vulnerability database {path}: {message}")]
    Read {
        /// Path.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), out)?;
        } else if t.is_file() && e.path().extension().is_some_and(|x| x == "json") && e.file_name() != "metadata.json" {
            out.push(e.path());
        }
    }
    Ok(())
}

impl VulnDb {
    /// Adds one record.
    pub fn add(&mut self, rec: OsvRecord) {
        if rec.withdrawn.is_some() {
            return;
        }
        let rec = Arc::new(rec);
        for (i, a) in rec.affected.iter().enumerate() {
            self.index.entry((a.package.ecosystem.clone(), a.package.name.clone())).or_default().push((rec.clone(), i));
        }
        self.records += 1;
    }

    /// Loads every `*.json` under `dir`. Unreadable or non-OSV files are listed in
    /// [`VulnDb::errors`], not fatal.
    pub fn open(dir: &Path) -> Result<Self, DbError> {
        let mut files = Vec::new();
        walk(dir, &mut files).map_err(|e| DbError::Read { path: dir.to_path_buf(), message: e.to_string() })?;
        let mut db = VulnDb::default();
        for f in files {
            match std::fs::read(&f)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<OsvRecord>(&b).map_err(|e| e.to_string()))
            {
                Ok(rec) => db.add(rec),
                Err(e) => db.errors.push(format!("{}: {e}", f.display())),
            }
        }
        Ok(db)
    }

    /// Loads only the records of `ecosystem`: its directory as `db import` lays it out
    /// (`<dir>/Debian_12/`) when there is one, else every file under `dir`, keeping that
    /// ecosystem's records. Scanning one image needs one ecosystem, and a full OSV mirror holds
    /// hundreds of thousands of records.
    pub fn open_ecosystem(dir: &Path, ecosystem: &str) -> Result<Self, DbError> {
        let sub = dir.join(sanitize(ecosystem));
        let mut db = if sub.is_dir() { Self::open(&sub)? } else { Self::open(dir)? };
        db.index.retain(|(eco, _), _| eco == ecosystem);
        Ok(db)
    }

    /// The records matching `pkg` in `ecosystem` (source name first, then binary name; one
    /// match per record).
    pub fn matches(&self, ecosystem: &str, pkg: &Package) -> Vec<VulnMatch> {
        let mut out: Vec<VulnMatch> = Vec::new();
        let candidates = [(&pkg.source_name, &pkg.source_version), (&pkg.name, &pkg.version)];
        for (name, version) in candidates {
            let Some(list) = self.index.get(&(ecosystem.to_string(), name.clone())) else { continue };
            for (rec, i) in list {
                if out.iter().any(|m| m.record.id == rec.id) {
                    continue;
                }
                let a = &rec.affected[*i];
                if is_affected(pkg.kind, a, version) {
                    out.push(VulnMatch {
                        record: rec.clone(),
                        package: pkg.clone(),
                        fixed_version: fixed_version(pkg.kind, a, version),
                        severity: severity_of(rec, a),
                    });
                }
            }
        }
        out
    }
}

/// What `db info` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DbInfo {
    /// The directory.
    pub path: PathBuf,
    /// Records per ecosystem.
    pub ecosystems: BTreeMap<String, usize>,
    /// Records in total.
    pub records: usize,
    /// When the last import ran (RFC 3339).
    pub imported_at: Option<String>,
    /// What was imported.
    pub sources: Vec<String>,
    /// Files of the last import that were not OSV records, and so were skipped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: usize,
    /// The first of them, with why (at most 10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_examples: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Imports OSV records from a `.zip` dump (as `osv-vulnerabilities/<ECOSYSTEM>/all.zip`) or a
/// directory into `db_dir`, one file per record under its ecosystem. Returns the new info.
pub fn import(source: &Path, db_dir: &Path) -> Result<DbInfo, DbError> {
    let err = |path: &Path, e: String| DbError::Read { path: path.to_path_buf(), message: e };
    std::fs::create_dir_all(db_dir).map_err(|e| err(db_dir, e.to_string()))?;
    let mut skipped: Vec<String> = Vec::new();
    let mut write = |name: &str, bytes: &[u8]| -> Result<bool, DbError> {
        let rec = match serde_json::from_slice::<OsvRecord>(bytes) {
            Ok(rec) => rec,
            Err(e) => {
                skipped.push(format!("{name}: {e}"));
                return Ok(false);
            }
        };
        let eco = rec.affected.first().map(|a| a.package.ecosystem.clone()).unwrap_or_else(|| "unknown".into());
        let dir = db_dir.join(sanitize(&eco));
        std::fs::create_dir_all(&dir).map_err(|e| err(&dir, e.to_string()))?;
        let file = dir.join(format!("{}.json", sanitize(&rec.id)));
        std::fs::write(&file, bytes).map_err(|e| err(&file, e.to_string()))?;
        Ok(true)
    };
    let mut imported = 0usize;
    let mut too_big: Vec<String> = Vec::new();
    if source.is_dir() {
        let mut files = Vec::new();
        walk(source, &mut files).map_err(|e| err(source, e.to_string()))?;
        for f in files {
            let bytes = std::fs::read(&f).map_err(|e| err(&f, e.to_string()))?;
            imported += usize::from(write(&f.display().to_string(), &bytes)?);
        }
    } else {
        let file = std::fs::File::open(source).map_err(|e| err(source, e.to_string()))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| err(source, format!("not a zip archive: {e}")))?;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|e| err(source, e.to_string()))?;
            let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
            if !entry.is_file() || !name.ends_with(".json") {
                continue;
            }
            // OSV records are small; a huge entry is not one.
            if entry.size() > 16 << 20 {
                too_big.push(format!("{name}: {} bytes, more than an OSV record's 16 MiB", entry.size()));
                continue;
            }
            let mut bytes = Vec::new();
            entry.by_ref().take(16 << 20).read_to_end(&mut bytes).map_err(|e| err(source, e.to_string()))?;
            imported += usize::from(write(&name, &bytes)?);
        }
    }
    skipped.extend(too_big);
    if imported == 0 {
        return Err(err(source, "no OSV records found (expected *.json files with `id` and `affected`)".into()));
    }
    let mut info = info(db_dir)?;
    info.skipped = skipped.len();
    info.skipped_examples = skipped.into_iter().take(10).collect();
    info.imported_at = Some(chrono::Utc::now().to_rfc3339());
    info.sources.push(format!("{} ({imported} records)", source.display()));
    let meta = db_dir.join("metadata.json");
    let old: Option<DbInfo> = std::fs::read(&meta).ok().and_then(|b| serde_json::from_slice(&b).ok());
    if let Some(old) = old {
        let mut sources = old.sources;
        sources.append(&mut info.sources);
        info.sources = sources;
    }
    let text = serde_json::to_vec_pretty(&info).map_err(|e| err(&meta, e.to_string()))?;
    std::fs::write(&meta, text).map_err(|e| err(&meta, e.to_string()))?;
    Ok(info)
}

/// What a database directory holds.
pub fn info(db_dir: &Path) -> Result<DbInfo, DbError> {
    let db = VulnDb::open(db_dir)?;
    // A record counts once per ecosystem it names, whatever its number of packages.
    let pairs: BTreeSet<(&str, &str)> = db
        .index
        .iter()
        .flat_map(|((eco, _), list)| list.iter().map(move |(rec, _)| (eco.as_str(), rec.id.as_str())))
        .collect();
    let mut ecosystems = BTreeMap::new();
    for (eco, _) in pairs {
        *ecosystems.entry(eco.to_string()).or_insert(0usize) += 1;
    }
    let meta: Option<DbInfo> =
        std::fs::read(db_dir.join("metadata.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
    Ok(DbInfo {
        path: db_dir.to_path_buf(),
        ecosystems,
        records: db.records,
        imported_at: meta.as_ref().and_then(|m| m.imported_at.clone()),
        sources: meta.map(|m| m.sources).unwrap_or_default(),
        skipped: 0,
        skipped_examples: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_says_which_files_it_skipped() {
        let src = tempfile::tempdir().unwrap();
        let db = tempfile::tempdir().unwrap();
        std::fs::write(
            src.path().join("good.json"),
            r#"{"id":"X-1","affected":[{"package":{"ecosystem":"Debian:12","name":"a"}}]}"#,
        )
        .unwrap();
        std::fs::write(src.path().join("bad.json"), "garbage").unwrap();
        let info = import(src.path(), db.path()).unwrap();
        assert_eq!((info.records, info.skipped), (1, 1));
        assert!(info.skipped_examples[0].contains("bad.json"), "{:?}", info.skipped_examples);
    }

    fn affected(events: serde_json::Value, versions: &[&str]) -> OsvAffected {
        serde_json::from_value(serde_json::json!({
            "package": {"ecosystem": "Debian:12", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
            "versions": versions,
        }))
        .unwrap()
    }

    // The examples of the OSV schema's "Evaluation" section, with Debian ordering.
    #[test]
    fn osv_spec_examples() {
        let a = affected(serde_json::json!([{"introduced": "0"}, {"fixed": "1.0.2-1"}]), &[]);
        assert!(is_affected(PackageKind::Deb, &a, "1.0.1-1"));
        assert!(!is_affected(PackageKind::Deb, &a, "1.0.2-1"), "fixed is not affected");
        assert!(!is_affected(PackageKind::Deb, &a, "1.0.3-1"));
        // introduced/fixed pairs: two affected windows.
        let a = affected(
            serde_json::json!([{"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"fixed": "2.1"}]),
            &[],
        );
        for (v, want) in [
            ("0.9", false),
            ("1.0", true),
            ("1.1", true),
            ("1.2", false),
            ("1.9", false),
            ("2.0", true),
            ("2.1", false),
        ] {
            assert_eq!(is_affected(PackageKind::Deb, &a, v), want, "{v}");
        }
        // last_affected is inclusive.
        let a = affected(serde_json::json!([{"introduced": "1.0"}, {"last_affected": "1.5"}]), &[]);
        assert!(is_affected(PackageKind::Deb, &a, "1.5"));
        assert!(!is_affected(PackageKind::Deb, &a, "1.5.1"));
        // A versions list alone.
        let a = affected(serde_json::json!([]), &["3.0.9-1"]);
        assert!(is_affected(PackageKind::Deb, &a, "3.0.9-1"));
        assert!(!is_affected(PackageKind::Deb, &a, "3.0.9-2"));
        // limit bounds the range.
        let a = affected(serde_json::json!([{"introduced": "0"}, {"limit": "2.0"}]), &[]);
        assert!(is_affected(PackageKind::Deb, &a, "1.9"));
        assert!(!is_affected(PackageKind::Deb, &a, "2.0"));
        // Debian ordering: a backport with ~ is below the fixed version.
        let a = affected(serde_json::json!([{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]), &[]);
        assert!(is_affected(PackageKind::Deb, &a, "3.0.11-1~deb12u1"));
        assert!(!is_affected(PackageKind::Deb, &a, "3.0.11-1"));
    }

    #[test]
    fn import_a_zip_dump_then_info_then_match() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("all.zip");
        {
            let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
            let opts = zip::write::SimpleFileOptions::default();
            for (name, body) in [
                (
                    "DSA-1.json",
                    r#"{"id":"DSA-1","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]}]}]}"#,
                ),
                (
                    "ALPINE-1.json",
                    r#"{"id":"ALPINE-1","affected":[{"package":{"ecosystem":"Alpine:v3.19","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.1.4-r5"}]}]}]}"#,
                ),
                ("README.txt", "not a record"),
                ("broken.json", "{"),
            ] {
                z.start_file(name, opts).unwrap();
                z.write_all(body.as_bytes()).unwrap();
            }
            z.finish().unwrap();
        }
        let db_dir = dir.path().join("db");
        let info = import(&zip_path, &db_dir).unwrap();
        assert_eq!(info.records, 2);
        assert_eq!(info.ecosystems.get("Debian:12"), Some(&1));
        assert_eq!(info.ecosystems.get("Alpine:v3.19"), Some(&1));
        assert!(info.imported_at.is_some() && info.sources[0].contains("2 records"));
        let again = super::info(&db_dir).unwrap();
        assert_eq!(again.records, 2);
        let db = VulnDb::open(&db_dir).unwrap();
        let pkg = Package {
            name: "libcrypto3".into(),
            version: "3.1.4-r1".into(),
            source_name: "openssl".into(),
            source_version: "3.1.4-r1".into(),
            arch: String::new(),
            license: None,
            kind: PackageKind::Apk,
            db_path: "lib/apk/db/installed".into(),
        };
        let m = db.matches("Alpine:v3.19", &pkg);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].fixed_version.as_deref(), Some("3.1.4-r5"));
        assert!(db.matches("Alpine:v3.18", &pkg).is_empty(), "other release");
        let fixed = Package { version: "3.1.4-r5".into(), source_version: "3.1.4-r5".into(), ..pkg.clone() };
        assert!(db.matches("Alpine:v3.19", &fixed).is_empty(), "the fixed version");
        // Scoped to one ecosystem: only its records are loaded.
        let alpine = VulnDb::open_ecosystem(&db_dir, "Alpine:v3.19").unwrap();
        assert_eq!(alpine.records, 1);
        assert_eq!(alpine.matches("Alpine:v3.19", &pkg).len(), 1);
        let flat = VulnDb::open_ecosystem(&dir.path().join("db/Debian_12"), "Debian:12").unwrap();
        assert_eq!(flat.records, 1, "a directory without ecosystem subdirectories is filtered instead");
        let err = import(&dir.path().join("nope.zip"), &db_dir).unwrap_err().to_string();
        assert!(err.contains("nope.zip"), "{err}");
    }

    #[test]
    fn severity_from_cvss_vector_and_words() {
        let rec: OsvRecord = serde_json::from_value(serde_json::json!({
            "id": "CVE-1", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"}}],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
        }))
        .unwrap();
        assert_eq!(severity_of(&rec, &rec.affected[0]), Severity::Critical);
        let rec: OsvRecord = serde_json::from_value(serde_json::json!({
            "id": "CVE-2", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"}, "ecosystem_specific": {"urgency": "medium*"}}]
        }))
        .unwrap();
        assert_eq!(severity_of(&rec, &rec.affected[0]), Severity::Medium);
    }
}

//! The operating system and its installed packages, from the files package managers keep:
//! `/etc/os-release`, dpkg's `status` (and `status.d/` of distroless images), apk's
//! `installed`.

use serde::Serialize;

/// The distribution an image is built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsInfo {
    /// `ID` (`debian`, `alpine`, `ubuntu`…).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.19.1`).
    pub version_id: String,
    /// `PRETTY_NAME`.
    pub pretty_name: String,
}

impl OsInfo {
    /// The OSV ecosystem of this release (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04`).
    pub fn ecosystem(&self) -> Option<String> {
        match self.id.as_str() {
            "debian" => Some(format!("Debian:{}", self.version_id.split('.').next().unwrap_or(&self.version_id))),
            "alpine" => {
                let mut parts = self.version_id.split('.');
                Some(format!("Alpine:v{}.{}", parts.next()?, parts.next()?))
            }
            // OSV names Ubuntu's long-term releases (even years, April) `Ubuntu:22.04:LTS`.
            "ubuntu" => {
                let lts = self
                    .version_id
                    .split_once('.')
                    .is_some_and(|(y, m)| m == "04" && y.parse::<u32>().is_ok_and(|y| y % 2 == 0));
                Some(format!("Ubuntu:{}{}", self.version_id, if lts { ":LTS" } else { "" }))
            }
            _ => None,
        }
    }
}

/// Parses `os-release` (`KEY=value`, values optionally quoted).
pub fn parse_os_release(text: &str) -> Option<OsInfo> {
    let get = |key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').trim_matches('\'').to_string())
        })
    };
    Some(OsInfo {
        id: get("ID")?,
        version_id: get("VERSION_ID").unwrap_or_default(),
        pretty_name: get("PRETTY_NAME").unwrap_or_default(),
    })
}

/// Which package manager knows a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageKind {
    /// Debian's dpkg.
    Deb,
    /// Alpine's apk.
    Apk,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Binary package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Source package name (what Debian and Alpine advisories name).
    pub source_name: String,
    /// Source package version.
    pub source_version: String,
    /// Architecture.
    pub arch: String,
    /// License, when recorded (apk).
    pub license: Option<String>,
    /// Package manager.
    pub kind: PackageKind,
    /// The file the package was read from.
    pub db_path: String,
}

/// Parses a dpkg `status` file (or one `status.d/` entry): RFC 822 paragraphs; packages whose
/// `Status` says they are not installed are skipped.
pub fn parse_dpkg_status(text: &str, db_path: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let mut fields: Vec<(&str, String)> = Vec::new();
        for line in para.lines() {
            if line.starts_with(' ') || line.starts_with('\t') {
                continue; // continuation lines (Description, Conffiles)
            }
            if let Some((k, v)) = line.split_once(':') {
                fields.push((k.trim(), v.trim().to_string()));
            }
        }
        let get = |k: &str| fields.iter().find(|(f, _)| f.eq_ignore_ascii_case(k)).map(|(_, v)| v.clone());
        let (Some(name), Some(version)) = (get("Package"), get("Version")) else { continue };
        if let Some(status) = get("Status")
            && (!status.contains("installed")
                || status.contains("deinstall")
                || status.contains("purge")
                || status.contains("not-installed"))
        {
            continue;
        }
        // `Source: name (version)` or `Source: name`.
        let (source_name, source_version) = match get("Source") {
            Some(s) => match s.split_once(' ') {
                Some((n, v)) => (n.to_string(), v.trim().trim_start_matches('(').trim_end_matches(')').to_string()),
                None => (s, version.clone()),
            },
            None => (name.clone(), version.clone()),
        };
        out.push(Package {
            name,
            version,
            source_name,
            source_version,
            arch: get("Architecture").unwrap_or_default(),
            license: None,
            kind: PackageKind::Deb,
            db_path: db_path.to_string(),
        });
    }
    out
}

/// Parses apk's `installed` database (`X:value` lines, a blank line between packages).
pub fn parse_apk_installed(text: &str, db_path: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let get = |k: char| block.lines().find_map(|l| l.strip_prefix(k)?.strip_prefix(':').map(str::to_string));
        let (Some(name), Some(version)) = (get('P'), get('V')) else { continue };
        let origin = get('o').unwrap_or_else(|| name.clone());
        out.push(Package {
            name,
            source_version: version.clone(),
            version,
            source_name: origin,
            arch: get('A').unwrap_or_default(),
            license: get('L'),
            kind: PackageKind::Apk,
            db_path: db_path.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_with_sources_and_removed_packages() {
        let text = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.11-1~deb12u1)\nVersion: 3.0.11-1~deb12u1\nDescription: x\n more\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nSource: bash (5.2.15-2)\n";
        let p = parse_dpkg_status(text, "var/lib/dpkg/status");
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].name.as_str(), p[0].source_name.as_str(), p[0].source_version.as_str()),
            ("libssl3", "openssl", "3.0.11-1~deb12u1")
        );
        assert_eq!((p[1].version.as_str(), p[1].source_version.as_str()), ("5.2.15-2+b2", "5.2.15-2"));
    }

    #[test]
    fn apk_installed_and_os_release() {
        let text = "C:Q1abc\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\n\nP:libcrypto3\nV:3.1.4-r1\no:openssl\n";
        let p = parse_apk_installed(text, "lib/apk/db/installed");
        assert_eq!(p.len(), 2);
        assert_eq!((p[1].name.as_str(), p[1].source_name.as_str()), ("libcrypto3", "openssl"));
        let os = parse_os_release("PRETTY_NAME=\"Alpine Linux v3.19\"\nID=alpine\nVERSION_ID=3.19.1\n").unwrap();
        assert_eq!(os.ecosystem().as_deref(), Some("Alpine:v3.19"));
        let os = parse_os_release("ID=debian\nVERSION_ID=\"12\"\n").unwrap();
        assert_eq!(os.ecosystem().as_deref(), Some("Debian:12"));
        let os = parse_os_release("ID=ubuntu\nVERSION_ID=\"22.04\"\n").unwrap();
        assert_eq!(os.ecosystem().as_deref(), Some("Ubuntu:22.04:LTS"));
        let os = parse_os_release("ID=ubuntu\nVERSION_ID=\"23.10\"\n").unwrap();
        assert_eq!(os.ecosystem().as_deref(), Some("Ubuntu:23.10"));
    }
}

//! Which images may replace which (pure): the opt-in policies (`auto_update:` in app.yaml, the
//! label `tuxpilot.auto-update`, Watchtower's `com.centurylinklabs.watchtower.enable`) and tags
//! read as prefix + numbers + suffix (`v1.2.3`, `1.2`, `1.2.3-alpine`), compared only within
//! the same prefix, suffix and count of numbers, as What's Up Docker does.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The opt-in label on containers and compose services (app.yaml's `auto_update:` becomes it).
pub const LABEL: &str = "tuxpilot.auto-update";
/// Watchtower's opt-in label; `true` counts as `digest`.
pub const WATCHTOWER_LABEL: &str = "com.centurylinklabs.watchtower.enable";

/// How a container follows its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoUpdate {
    /// Never updated (the default).
    #[default]
    Off,
    /// The same tag, when it points at a new digest.
    Digest,
    /// The newest tag with the same major and minor (`1.0.0` → `1.0.1`, never `1.1.0`).
    Patch,
    /// The newest tag with the same major.
    Minor,
    /// The newest tag.
    Major,
}

impl AutoUpdate {
    /// `off`, `digest`, `patch`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Digest => "digest",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }

    /// Every value, for messages.
    pub const VALUES: &'static str = "off, digest, patch, minor, major";
}

impl fmt::Display for AutoUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AutoUpdate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "false" | "no" | "none" => Ok(Self::Off),
            "digest" => Ok(Self::Digest),
            "patch" => Ok(Self::Patch),
            "minor" => Ok(Self::Minor),
            "major" => Ok(Self::Major),
            other => Err(format!("unknown auto-update policy {other:?}: use one of {}", Self::VALUES)),
        }
    }
}

/// The policy a container's labels opt it into, or an error naming the label's bad value.
pub fn of_labels(labels: &BTreeMap<String, String>) -> Result<AutoUpdate, String> {
    if let Some(v) = labels.get(LABEL) {
        return v.parse().map_err(|e| format!("label {LABEL}: {e}"));
    }
    Ok(match labels.get(WATCHTOWER_LABEL).map(|v| v.trim().to_ascii_lowercase()) {
        Some(v) if v == "true" => AutoUpdate::Digest,
        _ => AutoUpdate::Off,
    })
}

/// A tag read as prefix + numbers + suffix: `v1.2.3-alpine` is (`v`, [1, 2, 3], `-alpine`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagVersion {
    /// What comes before the first number (`v`, `release-`, or nothing).
    pub prefix: String,
    /// The dot-separated numbers (1 to 4 of them).
    pub numbers: Vec<u64>,
    /// What follows them (`-alpine`, `-rc1`), or nothing.
    pub suffix: String,
}

/// Suffixes that mark a pre-release, which a policy never moves to from a release.
const PRERELEASE: [&str; 5] = ["rc", "beta", "alpha", "pre", "dev"];

impl TagVersion {
    /// Reads `tag`; `None` for tags without numbers (`latest`, `stable`) or with a digest-like
    /// shape (`sha256-…`).
    pub fn parse(tag: &str) -> Option<Self> {
        if tag.starts_with("sha256-") || tag.ends_with(".sig") || tag.ends_with(".att") || tag.ends_with(".sbom") {
            return None;
        }
        let start = tag.find(|c: char| c.is_ascii_digit())?;
        let prefix = &tag[..start];
        if prefix.chars().any(|c| c.is_ascii_digit()) || prefix.len() > 32 {
            return None;
        }
        let rest = &tag[start..];
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (nums, suffix) = rest.split_at(end);
        let nums = nums.strip_suffix('.').unwrap_or(nums);
        if nums.is_empty() || nums.contains("..") {
            return None;
        }
        let numbers: Vec<u64> = nums.split('.').map(|n| n.parse::<u64>().ok()).collect::<Option<_>>()?;
        if numbers.is_empty() || numbers.len() > 4 {
            return None;
        }
        // A bare number with a suffix that is not a variant (`20240101abc`) is no version.
        if !suffix.is_empty() && !suffix.starts_with(['-', '_', '+', '.']) {
            return None;
        }
        Some(Self { prefix: prefix.to_string(), numbers, suffix: suffix.to_string() })
    }

    /// Whether `other` is of the same family: prefix, suffix shape and count of numbers.
    pub fn same_family(&self, other: &TagVersion) -> bool {
        self.prefix == other.prefix
            && self.numbers.len() == other.numbers.len()
            && family(&self.suffix) == family(&other.suffix)
    }

    /// Whether the suffix marks a pre-release (`-rc1`, `-beta`).
    pub fn is_prerelease(&self) -> bool {
        let s = self.suffix.trim_start_matches(['-', '_', '.', '+']).to_ascii_lowercase();
        PRERELEASE.iter().any(|p| s.starts_with(p))
    }
}

/// The suffix with its trailing numbers taken off (`-alpine3.19` and `-alpine3.20` are one
/// family; `-r0` and `-r1` too), unless it is a pre-release, which stays exact.
fn family(suffix: &str) -> String {
    let lower = suffix.to_ascii_lowercase();
    let t = lower.trim_start_matches(['-', '_', '.', '+']);
    if PRERELEASE.iter().any(|p| t.starts_with(p)) {
        return lower;
    }
    lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.').to_string()
}

/// The newest tag of `tags` that `policy` allows from `current`, if newer than it. `digest` and
/// `off` never choose a tag, and neither does a tag without numbers (`latest`): those follow
/// their digest only.
pub fn newest_tag(current: &str, tags: &[String], policy: AutoUpdate) -> Option<String> {
    if matches!(policy, AutoUpdate::Off | AutoUpdate::Digest) {
        return None;
    }
    let now = TagVersion::parse(current)?;
    let mut best: Option<(Vec<u64>, &String)> = None;
    for tag in tags {
        let Some(v) = TagVersion::parse(tag) else { continue };
        if !now.same_family(&v) || (v.is_prerelease() && !now.is_prerelease()) {
            continue;
        }
        // Only tags with three or more numbers have a patch: `1.2` under `patch` stays put.
        let allowed = match policy {
            AutoUpdate::Patch => v.numbers.len() >= 3 && v.numbers[..2] == now.numbers[..2],
            AutoUpdate::Minor => v.numbers[0] == now.numbers[0],
            _ => true,
        };
        if !allowed || v.numbers <= now.numbers {
            continue;
        }
        if best.as_ref().is_none_or(|(n, t)| v.numbers > *n || (v.numbers == *n && tag > *t)) {
            best = Some((v.numbers.clone(), tag));
        }
    }
    best.map(|(_, t)| t.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn policies_read_from_labels() {
        let mut l = BTreeMap::new();
        assert_eq!(of_labels(&l), Ok(AutoUpdate::Off));
        l.insert(WATCHTOWER_LABEL.to_string(), "true".to_string());
        assert_eq!(of_labels(&l), Ok(AutoUpdate::Digest));
        l.insert(LABEL.to_string(), "Patch".to_string());
        assert_eq!(of_labels(&l), Ok(AutoUpdate::Patch));
        l.insert(LABEL.to_string(), "sometimes".to_string());
        assert!(of_labels(&l).unwrap_err().contains("off, digest, patch, minor, major"));
    }

    #[test]
    fn tags_read_as_prefix_numbers_suffix() {
        let v = TagVersion::parse("v1.2.3-alpine3.19").unwrap();
        assert_eq!((v.prefix.as_str(), v.numbers.clone(), v.suffix.as_str()), ("v", vec![1, 2, 3], "-alpine3.19"));
        assert_eq!(TagVersion::parse("1.2").unwrap().numbers, vec![1, 2]);
        for none in ["latest", "stable", "sha256-abc.sig", "1.2.3.4.5", "abc1def"] {
            assert_eq!(TagVersion::parse(none), None, "{none}");
        }
    }

    #[test]
    fn patch_minor_major_choose_within_the_family() {
        let t = tags(&["1.0.0", "1.0.1", "1.1.0", "2.0.0", "1.0.2-rc1", "v1.0.9", "1.0.5-alpine", "1.1", "latest"]);
        assert_eq!(newest_tag("1.0.0", &t, AutoUpdate::Patch).as_deref(), Some("1.0.1"));
        assert_eq!(newest_tag("1.0.0", &t, AutoUpdate::Minor).as_deref(), Some("1.1.0"));
        assert_eq!(newest_tag("1.0.0", &t, AutoUpdate::Major).as_deref(), Some("2.0.0"));
        assert_eq!(newest_tag("1.0.0", &t, AutoUpdate::Digest), None);
        assert_eq!(newest_tag("2.0.0", &t, AutoUpdate::Major), None);
        assert_eq!(newest_tag("latest", &t, AutoUpdate::Major), None);
        assert_eq!(newest_tag("v1.0.0", &t, AutoUpdate::Patch).as_deref(), Some("v1.0.9"));
        assert_eq!(newest_tag("1.0.0-alpine", &t, AutoUpdate::Patch).as_deref(), Some("1.0.5-alpine"));
        assert_eq!(newest_tag("1.0", &t, AutoUpdate::Minor).as_deref(), Some("1.1"));
        assert_eq!(newest_tag("1.0", &t, AutoUpdate::Patch), None);
        let alpine = tags(&["3.18-alpine3.19", "3.19-alpine3.20", "3.19"]);
        assert_eq!(newest_tag("3.18-alpine3.19", &alpine, AutoUpdate::Minor).as_deref(), Some("3.19-alpine3.20"));
    }
}

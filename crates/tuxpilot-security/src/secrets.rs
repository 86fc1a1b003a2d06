//! Secret detection in file contents and configuration values: private keys, cloud and VCS
//! tokens, generic credentials. Each rule has cheap keywords checked before its regex; generic
//! rules also need the captured value to look random (Shannon entropy) and not be a known
//! placeholder (allow list), which is how gitleaks and Trivy keep false positives down.

use std::sync::OnceLock;

use regex::Regex;

use crate::finding::Severity;

/// A secret found in some text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// Rule id (`aws-access-key-id`, `private-key`, …).
    pub rule: &'static str,
    /// Human title.
    pub title: &'static str,
    /// Severity.
    pub severity: Severity,
    /// 1-based line of the match.
    pub line: usize,
    /// The matched secret, masked.
    pub masked: String,
}

struct Rule {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    pattern: &'static str,
    /// Minimum Shannon entropy (bits per char) of the captured secret; 0 = none.
    entropy: f64,
}

const RULES: &[Rule] = &[
    Rule {
        id: "private-key",
        title: "Private key",
        severity: Severity::High,
        keywords: &["PRIVATE KEY"],
        pattern: r"(?i)-----\s*BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?\s*-----\s*(?P<secret>[A-Za-z0-9=+/\\][A-Za-z0-9=+/\\\s]{30,}[A-Za-z0-9=+/\\])\s*-----\s*END[ A-Z0-9_-]{0,100}PRIVATE KEY",
        entropy: 0.0,
    },
    Rule {
        id: "aws-access-key-id",
        title: "AWS access key id",
        severity: Severity::Critical,
        keywords: &["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "A3T"],
        pattern: r"(?:^|[^0-9A-Za-z])(?P<secret>(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16})(?:[^0-9A-Za-z]|$)",
        entropy: 3.0,
    },
    Rule {
        id: "aws-secret-access-key",
        title: "AWS secret access key",
        severity: Severity::Critical,
        keywords: &["aws"],
        pattern: r#"(?i)aws_?(?:sec(?:ret)?)?_?(?:access)?_?key["']?\s*(?::|=>|=)\s*["']?(?P<secret>[A-Za-z0-9/+=]{40})(?:["'\s,.]|$)"#,
        entropy: 3.5,
    },
    Rule {
        id: "github-pat",
        title: "GitHub personal access token",
        severity: Severity::Critical,
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        pattern: r"(?P<secret>(?:ghp|gho|ghu|ghs)_[0-9a-zA-Z]{36}|ghr_[0-9a-zA-Z]{36,76}|github_pat_[a-zA-Z0-9]{22}_[a-zA-Z0-9]{59})",
        entropy: 3.0,
    },
    Rule {
        id: "gitlab-pat",
        title: "GitLab personal access token",
        severity: Severity::Critical,
        keywords: &["glpat-"],
        pattern: r"(?P<secret>glpat-[0-9a-zA-Z_-]{20})",
        entropy: 3.0,
    },
    Rule {
        id: "slack-token",
        title: "Slack token",
        severity: Severity::High,
        keywords: &["xox"],
        pattern: r"(?P<secret>xox[baprs]-[0-9a-zA-Z-]{10,48})",
        entropy: 3.0,
    },
    Rule {
        id: "stripe-secret-key",
        title: "Stripe secret key",
        severity: Severity::Critical,
        keywords: &["sk_live_", "sk_test_", "rk_live_"],
        pattern: r"(?P<secret>(?:sk|rk)_(?:test|live)_[0-9a-zA-Z]{10,99})",
        entropy: 3.0,
    },
    Rule {
        id: "gcp-api-key",
        title: "Google API key",
        severity: Severity::High,
        keywords: &["AIza"],
        pattern: r"(?P<secret>AIza[\w-]{35})",
        entropy: 4.0,
    },
    Rule {
        id: "generic-credential",
        title: "Hard-coded credential",
        severity: Severity::High,
        keywords: &["pass", "secret", "token", "api_key", "apikey", "api-key", "credential"],
        pattern: r#"(?i)(?:passw(?:or)?d|secret|token|api[_-]?key|credentials?)[\w.-]{0,20}["']?\s*(?::|=|:=|=>)\s*["']?(?P<secret>[\w.=/+-]{10,150})"#,
        entropy: 3.5,
    },
];

/// Values that look like credentials but are placeholders.
fn allowed(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    v.contains("example")
        || v.contains("changeme")
        || v.contains("xxxxxxxx")
        || v.contains("placeholder")
        || v.contains("${")
        || v.contains("{{")
        || v.starts_with("/")
        || ["true", "false", "null", "none"].contains(&v.as_str())
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts.iter().filter(|c| **c > 0).map(|c| *c as f64 / n).map(|p| -p * p.log2()).sum()
}

/// A secret shown with only its first and last characters.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    format!(
        "{}{}{}",
        chars[..4].iter().collect::<String>(),
        "*".repeat(chars.len() - 8),
        chars[chars.len() - 4..].iter().collect::<String>()
    )
}

fn compiled() -> &'static [(usize, Regex)] {
    static RES: OnceLock<Vec<(usize, Regex)>> = OnceLock::new();
    RES.get_or_init(|| {
        RULES.iter().enumerate().filter_map(|(i, r)| Regex::new(r.pattern).ok().map(|re| (i, re))).collect()
    })
}

/// All secrets in `text`.
pub fn scan_text(text: &str) -> Vec<SecretHit> {
    let lower = text.to_ascii_lowercase();
    let mut hits = Vec::new();
    for (i, re) in compiled() {
        let rule = &RULES[*i];
        if !rule.keywords.iter().any(|k| lower.contains(&k.to_ascii_lowercase())) {
            continue;
        }
        for caps in re.captures_iter(text) {
            let Some(secret) = caps.name("secret") else { continue };
            let value = secret.as_str();
            if allowed(value) || (rule.entropy > 0.0 && entropy(value) < rule.entropy) {
                continue;
            }
            // A generic match covering a specific rule's hit is the same secret.
            if hits.iter().any(|h: &(usize, SecretHit)| h.0 == secret.start()) {
                continue;
            }
            let line = text[..secret.start()].bytes().filter(|b| *b == b'\n').count() + 1;
            hits.push((
                secret.start(),
                SecretHit { rule: rule.id, title: rule.title, severity: rule.severity, line, masked: mask(value) },
            ));
        }
    }
    hits.into_iter().map(|(_, h)| h).collect()
}

/// Paths not worth scanning for secrets (documentation, locales, package metadata), as
/// Trivy's built-in allow rules.
pub fn skip_path(path: &str) -> bool {
    path.starts_with("usr/share/")
        || path.starts_with("usr/include/")
        || path.starts_with("usr/lib/") && !path.starts_with("usr/lib/ssl")
        || path.starts_with("var/lib/dpkg/")
        || path.starts_with("lib/apk/")
        || path.starts_with("proc/")
        || path.starts_with("sys/")
        || path.contains("/node_modules/")
        || path.ends_with(".md")
        || path.contains("/test/")
        || path.contains("/tests/")
        || path.contains("example")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_tokens() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n";
        let hits = scan_text(key);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!((hits[0].rule, hits[0].line), ("private-key", 2));
        let hits = scan_text("x\naws_access_key_id = AKIAZ2QWERTYU7IOPLKJ\n");
        assert_eq!(hits[0].rule, "aws-access-key-id");
        assert_eq!(hits[0].line, 2);
        assert_eq!(hits[0].masked, "AKIA************PLKJ");
        let gh = scan_text("token: ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5");
        assert!(gh.iter().any(|h| h.rule == "github-pat"), "{gh:?}");
    }

    #[test]
    fn placeholders_and_low_entropy_values_are_not_secrets() {
        assert!(scan_text("AKIAIOSFODNN7EXAMPLE").is_empty(), "AWS's documented example key");
        assert!(scan_text("password = changeme-please").is_empty());
        assert!(scan_text("password = aaaaaaaaaaaaaaaa").is_empty(), "entropy too low");
        assert!(scan_text("api_key = ${API_KEY}").is_empty());
        assert!(!scan_text("db_password=Z7x0qK2mVw9LpT4r").is_empty());
    }

    #[test]
    fn entropy_and_mask() {
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("ab") - 1.0).abs() < 1e-9);
        assert_eq!(mask("short"), "*****");
    }
}

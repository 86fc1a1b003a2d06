//! Image references as Docker reads them: `nginx` is `docker.io/library/nginx:latest`,
//! `127.0.0.1:5000/team/app:1.2@sha256:…` names its registry, repository, tag and digest.

use std::fmt;

/// The registry Docker Hub images live on, as references name it.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageRef {
    /// Registry host (and port): `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// Repository path within it: `library/nginx`, `team/app`.
    pub repository: String,
    /// Tag, when one is named (`latest` when neither a tag nor a digest is).
    pub tag: Option<String>,
    /// Digest (`sha256:…`), when pinned.
    pub digest: Option<String>,
}

/// Why a reference does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference {reference:?}: {reason}")]
pub struct ReferenceError {
    /// The reference.
    pub reference: String,
    /// What is wrong with it.
    pub reason: String,
}

fn is_tag(t: &str) -> bool {
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric() || c == '_')
        && t.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_repository(r: &str) -> bool {
    !r.is_empty()
        && r.split('/').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
        })
}

impl ImageRef {
    /// Parses `reference` the way the Docker CLI does.
    pub fn parse(reference: &str) -> Result<Self, ReferenceError> {
        let fail = |reason: &str| ReferenceError { reference: reference.to_string(), reason: reason.to_string() };
        let text = reference.trim();
        if text.is_empty() || text.len() > 512 {
            return Err(fail("it is empty or longer than 512 characters"));
        }
        let (name, digest) = match text.split_once('@') {
            Some((n, d)) => {
                let (algo, hex) = d.split_once(':').ok_or_else(|| fail("a digest is ALGORITHM:HEX"))?;
                if algo.is_empty() || hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(fail("a digest is ALGORITHM:HEX, such as sha256:<64 hex digits>"));
                }
                (n, Some(d.to_string()))
            }
            None => (text, None),
        };
        let last = name.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (path, tag) = match name[last..].rfind(':') {
            Some(i) => (&name[..last + i], Some(name[last + i + 1..].to_string())),
            None => (name, None),
        };
        if let Some(t) = &tag
            && !is_tag(t)
        {
            return Err(fail("a tag is letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'"));
        }
        let (registry, repository) = match path.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), path.to_string()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
            _ => registry,
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if !is_repository(&repository) {
            return Err(fail("a repository is lower-case letters, digits and '.', '_', '-' separated by '/'"));
        }
        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        Ok(Self { registry, repository, tag, digest })
    }

    /// The host the registry's API answers on (`registry-1.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB { "registry-1.docker.io" } else { &self.registry }
    }

    /// The repository as the Docker CLI shows it: `nginx`, `ghcr.io/o/a`, `127.0.0.1:5000/a`.
    pub fn familiar_repository(&self) -> String {
        if self.registry == DOCKER_HUB {
            self.repository.strip_prefix("library/").unwrap_or(&self.repository).to_string()
        } else {
            format!("{}/{}", self.registry, self.repository)
        }
    }

    /// The same repository with another tag and no digest.
    pub fn with_tag(&self, tag: &str) -> Self {
        Self { tag: Some(tag.to_string()), digest: None, ..self.clone() }
    }

    /// The same reference without its digest.
    pub fn without_digest(&self) -> Self {
        Self { digest: None, ..self.clone() }
    }

    /// Whether both name the same repository on the same registry.
    pub fn same_repository(&self, other: &ImageRef) -> bool {
        self.registry == other.registry && self.repository == other.repository
    }

    /// The digest an image's `RepoDigests` records for this repository, if any.
    pub fn digest_in(&self, repo_digests: &[String]) -> Option<String> {
        repo_digests
            .iter()
            .filter_map(|d| ImageRef::parse(d).ok())
            .find(|d| self.same_repository(d))
            .and_then(|d| d.digest)
    }
}

impl fmt::Display for ImageRef {
    /// As the Docker CLI writes it: `nginx:1.25`, `127.0.0.1:5000/a:1@sha256:…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.familiar_repository())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_as_docker_reads_them() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("docker.io", "library/nginx", Some("latest"))
        );
        assert_eq!(r.to_string(), "nginx:latest");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = ImageRef::parse("127.0.0.1:5000/team/app:1.2.3-alpine").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "team/app", Some("1.2.3-alpine"))
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = ImageRef::parse(&format!("localhost/app:1@{d}")).unwrap();
        assert_eq!(
            (r.registry.as_str(), r.tag.as_deref(), r.digest.as_deref()),
            ("localhost", Some("1"), Some(d.as_str()))
        );
        let r = ImageRef::parse(&format!("ghcr.io/o/a@{d}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(ImageRef::parse("index.docker.io/library/redis:7").unwrap().to_string(), "redis:7");
        assert_eq!(
            r.digest_in(&[format!("ghcr.io/o/b@sha256:{}", "b".repeat(64)), format!("ghcr.io/o/a@{d}")]),
            Some(d)
        );
    }

    #[test]
    fn bad_references_say_what_is_wrong() {
        for bad in ["", "UPPER/case", "app:-x", "app@sha256:zz", "app:a b", "a//b", &"a".repeat(600)] {
            assert!(ImageRef::parse(bad).is_err(), "{bad:?}");
        }
    }
}

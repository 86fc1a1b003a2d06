//! A registry client for update checks: a manifest's digest by `HEAD` (no pull, free on Docker
//! Hub) and a repository's tag list, over the registry HTTP API v2 with its Basic or Bearer
//! token challenge. Plain HTTP only for registries the daemon treats as insecure (loopback and
//! its `insecure-registries`); every body read is bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{ACCEPT, AUTHORIZATION, HeaderMap, LINK, USER_AGENT, WWW_AUTHENTICATE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::credentials::DockerConfig;
use super::reference::ImageRef;
use crate::types::RegistryCredentials;

/// Manifest types a digest check accepts (an index or list first: its digest is what the tag
/// names, and what `RepoDigests` records after a pull).
pub const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.oci.image.manifest.v1+json";
/// The most a tag list may hold.
const MAX_TAGS: usize = 100_000;
/// The largest body read.
const MAX_BODY: usize = 8 << 20;
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryErrorKind {
    /// The registry refused the credentials (or there were none).
    Unauthorized,
    /// No such repository or tag.
    NotFound,
    /// Too many requests (Docker Hub's pull limit).
    RateLimited,
    /// It did not answer.
    Unreachable,
    /// It answered something else than the API.
    Protocol,
}

/// A registry request that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registry {registry}: {message}")]
pub struct RegistryError {
    /// The registry host.
    pub registry: String,
    /// What kind.
    pub kind: RegistryErrorKind,
    /// What happened.
    pub message: String,
}

impl RegistryError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self.kind {
            RegistryErrorKind::Unauthorized => {
                format!("run `docker login {}` (the Docker config's credentials are used)", self.registry)
            }
            RegistryErrorKind::NotFound => "check the image name and tag; the registry does not have it".into(),
            RegistryErrorKind::RateLimited => "the registry limits requests: wait, or log in for a higher limit".into(),
            RegistryErrorKind::Unreachable => format!("check that {} is reachable from this host", self.registry),
            RegistryErrorKind::Protocol => "the registry does not speak the registry API v2 as expected".into(),
        }
    }
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Asks registries about tags and digests; one per run, shared by every check (its tokens and
/// connections are reused).
pub struct RegistryClient {
    http: Client<Https, Empty<Bytes>>,
    insecure: Vec<String>,
    config: DockerConfig,
    tokens: Mutex<HashMap<(String, String), (String, Instant)>>,
    /// Per host, the scheme it answered on; held while a host is probed, so concurrent asks
    /// probe it once.
    schemes: tokio::sync::Mutex<HashMap<String, &'static str>>,
    requests: AtomicU64,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient").field("insecure", &self.insecure).finish()
    }
}

/// Whether `host` (with its port) is one the daemon speaks plain HTTP to.
pub fn is_insecure(host: &str, insecure: &[String]) -> bool {
    let name = match host.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if name == "localhost" {
        return true;
    }
    let ip = name.parse::<IpAddr>().ok();
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return true;
    }
    insecure.iter().any(|entry| {
        if entry == host || entry == name {
            return true;
        }
        match (ip, entry.split_once('/')) {
            (Some(ip), Some((net, bits))) => match (net.parse::<IpAddr>(), bits.parse::<u32>()) {
                (Ok(IpAddr::V4(n)), Ok(b)) if b <= 32 => match ip {
                    IpAddr::V4(a) => {
                        let mask = if b == 0 { 0 } else { u32::MAX << (32 - b) };
                        u32::from(a) & mask == u32::from(n) & mask
                    }
                    IpAddr::V6(_) => false,
                },
                (Ok(IpAddr::V6(n)), Ok(b)) if b <= 128 => match ip {
                    IpAddr::V6(a) => {
                        let mask = if b == 0 { 0 } else { u128::MAX << (128 - b) };
                        u128::from(a) & mask == u128::from(n) & mask
                    }
                    IpAddr::V4(_) => false,
                },
                _ => false,
            },
            _ => false,
        }
    })
}

/// `Bearer realm="…",service="…"` → scheme and parameters.
fn parse_challenge(header: &str) -> (String, HashMap<String, String>) {
    let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let mut params = HashMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else { break };
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        params.insert(key, value.to_string());
        rest = tail.trim_start_matches([',', ' ']);
    }
    (scheme.to_ascii_lowercase(), params)
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(LINK)?.to_str().ok()?;
    link.split(',').find(|l| l.contains("rel=\"next\"") || l.contains("rel=next")).and_then(|l| {
        let start = l.find('<')? + 1;
        let end = l[start..].find('>')? + start;
        Some(l[start..end].to_string())
    })
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl RegistryClient {
    /// A client that reads credentials from `config` and speaks plain HTTP only to loopback and
    /// the `insecure` registries (the daemon's, from [`crate::EngineInfo::insecure_registries`]).
    pub fn new(config: DockerConfig, insecure: Vec<String>) -> Result<Self, RegistryError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| RegistryError {
                registry: String::new(),
                kind: RegistryErrorKind::Protocol,
                message: format!("no TLS root certificates on this host: {e}"),
            })?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            http: Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector),
            insecure,
            config,
            tokens: Mutex::default(),
            schemes: tokio::sync::Mutex::default(),
            requests: AtomicU64::new(0),
        })
    }

    /// Requests sent so far (token requests included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The credentials for `registry`, for a pull.
    pub async fn credentials(&self, registry: &str) -> Result<Option<RegistryCredentials>, RegistryError> {
        self.config.credentials(registry).await.map_err(|e| RegistryError {
            registry: registry.to_string(),
            kind: RegistryErrorKind::Unauthorized,
            message: e.message,
        })
    }

    fn err(&self, image: &ImageRef, kind: RegistryErrorKind, message: String) -> RegistryError {
        RegistryError { registry: image.registry.clone(), kind, message }
    }

    /// One request with a timeout and a bounded body.
    async fn send(&self, method: Method, url: &str, accept: &str, auth: Option<&str>) -> Result<Answer, String> {
        let mut req = Request::builder()
            .method(method.clone())
            .uri(url)
            .header(USER_AGENT, concat!("tuxpilot/", env!("CARGO_PKG_VERSION")))
            .header(ACCEPT, accept);
        if let Some(a) = auth {
            req = req.header(AUTHORIZATION, a);
        }
        let req = req.body(Empty::new()).map_err(|e| e.to_string())?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(req))
            .await
            .map_err(|_| format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()))?
            .map_err(|e| {
                let mut m = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    m = format!("{m}: {s}");
                    src = s.source();
                }
                m
            })?;
        let (parts, body) = resp.into_parts();
        let body = if method == Method::HEAD {
            Bytes::new()
        } else {
            Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e} (at most {} MiB)", MAX_BODY >> 20))?
                .to_bytes()
        };
        Ok(Answer { status: parts.status, headers: parts.headers, body })
    }

    /// `https://host` (or `http://host` for an insecure registry that does not speak TLS).
    async fn base(&self, image: &ImageRef) -> Result<String, RegistryError> {
        let host = image.api_host().to_string();
        let mut known = self.schemes.lock().await;
        if let Some(s) = known.get(&host).copied() {
            return Ok(format!("{s}://{host}"));
        }
        let mut schemes = vec!["https"];
        if is_insecure(&host, &self.insecure) {
            schemes.push("http");
        }
        let mut last = String::new();
        for scheme in schemes {
            match self.send(Method::GET, &format!("{scheme}://{host}/v2/"), "application/json", None).await {
                Ok(_) => {
                    known.insert(host.clone(), scheme);
                    return Ok(format!("{scheme}://{host}"));
                }
                Err(e) => last = format!("{scheme}://{host}/v2/: {e}"),
            }
        }
        Err(self.err(image, RegistryErrorKind::Unreachable, last))
    }

    /// A Bearer token for `scope` from the challenge's realm, with the Docker config's
    /// credentials when it has some.
    async fn token(
        &self,
        image: &ImageRef,
        params: &HashMap<String, String>,
        scope: &str,
    ) -> Result<String, RegistryError> {
        let key = (image.registry.clone(), scope.to_string());
        if let Some((t, until)) = self.tokens.lock().ok().and_then(|m| m.get(&key).cloned())
            && until > Instant::now()
        {
            return Ok(t);
        }
        let realm = params
            .get("realm")
            .ok_or_else(|| self.err(image, RegistryErrorKind::Protocol, "a Bearer challenge without a realm".into()))?;
        let realm_uri: hyper::Uri = realm
            .parse()
            .map_err(|_| self.err(image, RegistryErrorKind::Protocol, format!("token realm {realm:?} is not a URL")))?;
        if realm_uri.scheme_str() != Some("https")
            && !realm_uri.authority().is_some_and(|a| is_insecure(a.as_str(), &self.insecure))
        {
            return Err(self.err(image, RegistryErrorKind::Protocol, format!("token realm {realm} is not HTTPS")));
        }
        let mut url = format!("{realm}?scope={}", urlencode(scope));
        if let Some(service) = params.get("service") {
            url.push_str(&format!("&service={}", urlencode(service)));
        }
        let basic = self.basic(image).await?;
        let a = self
            .send(Method::GET, &url, "application/json", basic.as_deref())
            .await
            .map_err(|e| self.err(image, RegistryErrorKind::Unreachable, format!("token from {realm}: {e}")))?;
        if a.status == StatusCode::UNAUTHORIZED || a.status == StatusCode::FORBIDDEN {
            return Err(self.err(
                image,
                RegistryErrorKind::Unauthorized,
                format!("the token service refused ({})", a.status),
            ));
        }
        if !a.status.is_success() {
            return Err(self.err(image, RegistryErrorKind::Protocol, format!("token service answered {}", a.status)));
        }
        #[derive(serde::Deserialize)]
        struct Token {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let t: Token = serde_json::from_slice(&a.body)
            .map_err(|e| self.err(image, RegistryErrorKind::Protocol, format!("token answer: {e}")))?;
        let token =
            t.token.or(t.access_token).filter(|t| !t.is_empty()).ok_or_else(|| {
                self.err(image, RegistryErrorKind::Protocol, "the token answer holds no token".into())
            })?;
        let life = Duration::from_secs(t.expires_in.unwrap_or(60).clamp(10, 3600).saturating_sub(5));
        if let Ok(mut m) = self.tokens.lock() {
            m.insert(key, (token.clone(), Instant::now() + life));
        }
        Ok(token)
    }

    /// `Basic …` from the Docker config, if it has credentials for the registry.
    async fn basic(&self, image: &ImageRef) -> Result<Option<String>, RegistryError> {
        Ok(self.credentials(&image.registry).await?.filter(|c| !c.username.is_empty()).map(|c| {
            let raw = format!("{}:{}", c.username, c.password);
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
        }))
    }

    /// A GET or HEAD on `path` of the image's registry, answering its auth challenge once.
    async fn call(
        &self,
        image: &ImageRef,
        method: Method,
        path_or_url: &str,
        accept: &str,
    ) -> Result<Answer, RegistryError> {
        let base = self.base(image).await?;
        let url =
            if path_or_url.starts_with("http") { path_or_url.to_string() } else { format!("{base}{path_or_url}") };
        let scope = format!("repository:{}:pull", image.repository);
        let cached = self
            .tokens
            .lock()
            .ok()
            .and_then(|m| m.get(&(image.registry.clone(), scope.clone())).cloned())
            .filter(|(_, until)| *until > Instant::now())
            .map(|(t, _)| format!("Bearer {t}"));
        let unreachable = |e: String| self.err(image, RegistryErrorKind::Unreachable, format!("{url}: {e}"));
        let mut a = self.send(method.clone(), &url, accept, cached.as_deref()).await.map_err(unreachable)?;
        if a.status == StatusCode::UNAUTHORIZED {
            let challenge = a.headers.get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let (scheme, params) = parse_challenge(&challenge);
            let auth = match scheme.as_str() {
                "bearer" => {
                    let scope = params.get("scope").cloned().unwrap_or(scope);
                    Some(format!("Bearer {}", self.token(image, &params, &scope).await?))
                }
                "basic" => self.basic(image).await?,
                _ => None,
            };
            if let Some(auth) = auth {
                a = self.send(method, &url, accept, Some(&auth)).await.map_err(unreachable)?;
            }
        }
        match a.status {
            s if s.is_success() => Ok(a),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(self.err(
                image,
                RegistryErrorKind::Unauthorized,
                format!("{} refused ({})", image.familiar_repository(), a.status),
            )),
            StatusCode::NOT_FOUND => Err(self.err(image, RegistryErrorKind::NotFound, format!("{image} not found"))),
            StatusCode::TOO_MANY_REQUESTS => {
                Err(self.err(image, RegistryErrorKind::RateLimited, "too many requests (429)".into()))
            }
            s => Err(self.err(image, RegistryErrorKind::Protocol, format!("{url} answered {s}"))),
        }
    }

    /// The digest the image's tag names now (`Docker-Content-Digest` of a manifest `HEAD`; the
    /// sha256 of the manifest when an old registry leaves the header out).
    pub async fn digest(&self, image: &ImageRef) -> Result<String, RegistryError> {
        let reference = image.tag.clone().or_else(|| image.digest.clone()).unwrap_or_else(|| "latest".into());
        let path = format!("/v2/{}/manifests/{reference}", image.repository);
        let a = self.call(image, Method::HEAD, &path, MANIFEST_TYPES).await?;
        if let Some(d) = a.headers.get("docker-content-digest").and_then(|v| v.to_str().ok()) {
            return Ok(d.trim().to_string());
        }
        let a = self.call(image, Method::GET, &path, MANIFEST_TYPES).await?;
        use sha2::Digest as _;
        Ok(format!("sha256:{:x}", sha2::Sha256::digest(&a.body)))
    }

    /// Every tag of the image's repository, following `Link` pages (at most 100,000 tags).
    pub async fn tags(&self, image: &ImageRef) -> Result<Vec<String>, RegistryError> {
        #[derive(serde::Deserialize)]
        struct Page {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let mut out = Vec::new();
        let mut next = Some(format!("/v2/{}/tags/list?n=1000", image.repository));
        while let Some(path) = next.take() {
            let a = self.call(image, Method::GET, &path, "application/json").await?;
            let page: Page = serde_json::from_slice(&a.body)
                .map_err(|e| self.err(image, RegistryErrorKind::Protocol, format!("tag list: {e}")))?;
            let got = page.tags.unwrap_or_default();
            if got.is_empty() {
                break;
            }
            out.extend(got);
            if out.len() > MAX_TAGS {
                return Err(self.err(image, RegistryErrorKind::Protocol, format!("more than {MAX_TAGS} tags")));
            }
            next = next_link(&a.headers);
        }
        Ok(out)
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_is_loopback_and_the_daemons_list() {
        let list = vec!["10.0.0.0/8".to_string(), "reg.lan:5000".to_string(), "fd00::/8".to_string()];
        for yes in ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "10.2.3.4:5000", "reg.lan:5000", "[fd12::1]:443"]
        {
            assert!(is_insecure(yes, &list), "{yes}");
        }
        for no in ["11.0.0.1:5000", "registry-1.docker.io", "reg.lan:5001", "ghcr.io"] {
            assert!(!is_insecure(no, &list), "{no}");
        }
    }

    #[test]
    fn challenges_and_links_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        );
        assert_eq!(s, "bearer");
        assert_eq!(p["realm"], "https://auth.docker.io/token");
        assert_eq!(p["scope"], "repository:library/nginx:pull");
        let mut h = HeaderMap::new();
        h.insert(LINK, "</v2/a/tags/list?last=b&n=2>; rel=\"next\"".parse().unwrap());
        assert_eq!(next_link(&h).as_deref(), Some("/v2/a/tags/list?last=b&n=2"));
        assert_eq!(urlencode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }
}

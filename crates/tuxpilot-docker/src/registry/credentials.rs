//! Registry credentials from the Docker CLI's config (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`): `auths`, `credsStore` and `credHelpers`, with credential helpers
//! run as `docker-credential-<name> get` the way `docker login` stores them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::reference::DOCKER_HUB;
use crate::types::RegistryCredentials;

/// The key `docker login` uses for Docker Hub.
pub const HUB_SERVER: &str = "https://index.docker.io/v1/";
/// The longest config file read.
const MAX_CONFIG: u64 = 4 << 20;
/// How long a credential helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The credential parts of a Docker CLI config.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

/// Why credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CredentialsError {
    /// What went wrong, naming the file or helper.
    pub message: String,
}

/// `registry.example:5000` from `https://registry.example:5000/v1/`.
fn host_of(key: &str) -> &str {
    let k = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

fn is_hub(host: &str) -> bool {
    matches!(host, DOCKER_HUB | "index.docker.io" | "registry-1.docker.io")
}

impl DockerConfig {
    /// The config the Docker CLI reads: `$DOCKER_CONFIG/config.json`, else
    /// `$HOME/.docker/config.json`. A missing file means no credentials.
    pub fn load() -> Result<Self, CredentialsError> {
        let dir = match std::env::var_os("DOCKER_CONFIG") {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("HOME") {
                Some(h) => PathBuf::from(h).join(".docker"),
                None => return Ok(Self::default()),
            },
        };
        Self::from_file(&dir.join("config.json"))
    }

    /// Reads one config file (bounded); a missing file means no credentials.
    pub fn from_file(path: &Path) -> Result<Self, CredentialsError> {
        use std::io::Read;
        let fail = |m: String| CredentialsError { message: format!("{}: {m}", path.display()) };
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(fail(e.to_string())),
        };
        let mut text = String::new();
        file.take(MAX_CONFIG + 1).read_to_string(&mut text).map_err(|e| fail(e.to_string()))?;
        if text.len() as u64 > MAX_CONFIG {
            return Err(fail(format!("larger than {} MiB", MAX_CONFIG >> 20)));
        }
        serde_json::from_str(&text).map_err(|e| fail(format!("not a Docker config ({e}); fix or remove it")))
    }

    /// The helper that holds `host`'s credentials, if any (`credHelpers` wins over `credsStore`).
    fn helper(&self, host: &str) -> Option<&str> {
        self.cred_helpers
            .iter()
            .find(|(k, _)| host_of(k) == host || (is_hub(host) && is_hub(host_of(k))))
            .map(|(_, v)| v.as_str())
            .or(self.creds_store.as_deref())
            .filter(|h| !h.is_empty())
    }

    /// The credentials for `registry` (a host as [`super::ImageRef::registry`] names it), or
    /// `None` for anonymous access.
    pub async fn credentials(&self, registry: &str) -> Result<Option<RegistryCredentials>, CredentialsError> {
        let server = if is_hub(registry) { HUB_SERVER.to_string() } else { registry.to_string() };
        if let Some(helper) = self.helper(registry) {
            return run_helper(helper, &server).await;
        }
        let entry = self.auths.iter().find(|(k, _)| {
            let h = host_of(k);
            h == registry || (is_hub(registry) && is_hub(h))
        });
        let Some((_, entry)) = entry else { return Ok(None) };
        let (mut username, mut password) =
            (entry.username.clone().unwrap_or_default(), entry.password.clone().unwrap_or_default());
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| CredentialsError {
                    message: format!("the Docker config's auth for {registry} is not base64 of USER:PASSWORD; run `docker login {registry}` again"),
                })?;
            let (u, p) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
            (username, password) = (u.to_string(), p.to_string());
        }
        let identity_token = entry.identitytoken.clone().filter(|t| !t.is_empty());
        if username.is_empty() && password.is_empty() && identity_token.is_none() {
            return Ok(None);
        }
        Ok(Some(RegistryCredentials { server, username, password, identity_token }))
    }
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// `docker-credential-<helper> get` with `server` on stdin.
async fn run_helper(helper: &str, server: &str) -> Result<Option<RegistryCredentials>, CredentialsError> {
    let program = format!("docker-credential-{helper}");
    let fail = |m: String| CredentialsError { message: format!("credential helper {program}: {m}") };
    let mut child = tokio::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| fail(format!("{e}; install it or remove it from the Docker config")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).await.map_err(|e| fail(e.to_string()))?;
    }
    let mut out = Vec::new();
    let read = async {
        if let Some(stdout) = child.stdout.take() {
            stdout.take(1 << 20).read_to_end(&mut out).await?;
        }
        child.wait().await
    };
    let status = tokio::time::timeout(HELPER_TIMEOUT, read)
        .await
        .map_err(|_| fail(format!("no answer within {} s", HELPER_TIMEOUT.as_secs())))?
        .map_err(|e| fail(e.to_string()))?;
    if !status.success() {
        // "credentials not found in native keychain": anonymous.
        return Ok(None);
    }
    let answer: HelperAnswer = serde_json::from_slice(&out).map_err(|e| fail(format!("unreadable answer: {e}")))?;
    Ok(Some(if answer.username == "<token>" {
        RegistryCredentials { server: server.to_string(), identity_token: Some(answer.secret), ..Default::default() }
    } else {
        RegistryCredentials {
            server: server.to_string(),
            username: answer.username,
            password: answer.secret,
            identity_token: None,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> DockerConfig {
        serde_json::from_str(json).unwrap()
    }

    #[tokio::test]
    async fn auths_are_found_by_host_in_any_spelling() {
        let c = config(
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},"http://reg.local:5000":{"auth":"YTpiOmM="}}}"#,
        );
        let hub = c.credentials("docker.io").await.unwrap().unwrap();
        assert_eq!((hub.username.as_str(), hub.password.as_str(), hub.server.as_str()), ("u", "p", HUB_SERVER));
        let local = c.credentials("reg.local:5000").await.unwrap().unwrap();
        assert_eq!((local.username.as_str(), local.password.as_str()), ("a", "b:c"));
        assert!(c.credentials("ghcr.io").await.unwrap().is_none());
        let bad = config(r#"{"auths":{"x.io":{"auth":"%%%"}}}"#);
        assert!(bad.credentials("x.io").await.unwrap_err().message.contains("docker login x.io"));
    }

    #[tokio::test]
    async fn a_missing_helper_is_named() {
        let c = config(r#"{"credHelpers":{"x.io":"tuxpilot-no-such"},"credsStore":"tuxpilot-none"}"#);
        let e = c.credentials("x.io").await.unwrap_err();
        assert!(e.message.contains("docker-credential-tuxpilot-no-such"), "{e}");
        let e = c.credentials("y.io").await.unwrap_err();
        assert!(e.message.contains("docker-credential-tuxpilot-none"), "{e}");
    }
}

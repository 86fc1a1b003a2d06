//! Where the engine is and how to reach it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// The socket a Linux Docker Engine listens on by default.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// How to reach a Docker Engine, before resolution.
///
/// Precedence follows the Docker CLI: an explicit [`ConnectionConfig::host`] (from a flag), then
/// the `DOCKER_HOST` environment variable, then [`ConnectionConfig::socket`] (the config file's
/// `docker_socket`), then [`DEFAULT_SOCKET`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionConfig {
    /// An explicit host URL (`unix://…`, `tcp://…`), overriding everything else.
    pub host: Option<String>,
    /// The Unix socket to use when no host is given (config `docker_socket`).
    pub socket: Option<PathBuf>,
    /// Whether to verify the daemon's certificate on `tcp://` (`DOCKER_TLS_VERIFY`).
    pub tls_verify: bool,
    /// Directory holding `ca.pem`, `cert.pem` and `key.pem` (`DOCKER_CERT_PATH`).
    pub cert_path: Option<PathBuf>,
    /// How long to wait for the daemon to answer a request.
    #[serde(with = "humantime_secs")]
    pub timeout: Duration,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self { host: None, socket: None, tls_verify: false, cert_path: None, timeout: Duration::from_secs(120) }
    }
}

mod humantime_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

/// A resolved address of an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A Unix domain socket.
    Unix(PathBuf),
    /// Plain HTTP over TCP, `host:port`.
    Tcp(String),
    /// HTTPS over TCP with client certificates.
    Tls {
        /// `host:port`.
        addr: String,
        /// Directory with `ca.pem`, `cert.pem`, `key.pem`.
        cert_path: PathBuf,
    },
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unix(p) => write!(f, "unix://{}", p.display()),
            Self::Tcp(a) => write!(f, "tcp://{a}"),
            Self::Tls { addr, .. } => write!(f, "tcp://{addr} (TLS)"),
        }
    }
}

impl ConnectionConfig {
    /// A config that reads `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` from the
    /// process environment.
    pub fn from_env() -> Self {
        Self::default().with_env(|k| std::env::var(k).ok())
    }

    /// Layers Docker's environment variables, read through `var`, over this config. A host
    /// already set (from a flag) wins over `DOCKER_HOST`.
    pub fn with_env(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        if self.host.is_none() {
            self.host = var("DOCKER_HOST").filter(|h| !h.trim().is_empty());
        }
        if let Some(v) = var("DOCKER_TLS_VERIFY") {
            // The Docker CLI treats any non-empty value as "on".
            self.tls_verify = !v.is_empty();
        }
        if self.cert_path.is_none() {
            self.cert_path = var("DOCKER_CERT_PATH").filter(|p| !p.is_empty()).map(PathBuf::from);
        }
        if self.cert_path.is_none() && self.tls_verify {
            self.cert_path = var("HOME").map(|h| Path::new(&h).join(".docker"));
        }
        self
    }

    /// Decides which endpoint to use. Fails for an unknown scheme or TLS without certificates.
    pub fn resolve(&self) -> Result<Endpoint, EngineError> {
        let Some(host) = self.host.as_deref() else {
            let socket = self.socket.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET));
            return Ok(Endpoint::Unix(socket));
        };
        let host = host.trim();
        if let Some(path) = host.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(EngineError::InvalidConfig { message: format!("DOCKER_HOST={host} names no socket path") });
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        let addr = if let Some(rest) = host.strip_prefix("tcp://") {
            rest
        } else if let Some(rest) = host.strip_prefix("http://") {
            rest
        } else if let Some(rest) = host.strip_prefix("https://") {
            rest
        } else {
            let scheme = host.split("://").next().unwrap_or(host);
            return Err(EngineError::InvalidConfig {
                message: format!(
                    "DOCKER_HOST={host}: unsupported scheme `{scheme}` (TuxPilot speaks unix:// and tcp://)"
                ),
            });
        };
        let addr = addr.trim_end_matches('/');
        if addr.is_empty() {
            return Err(EngineError::InvalidConfig { message: format!("DOCKER_HOST={host} names no address") });
        }
        if let Err(why) = check_address(addr) {
            return Err(EngineError::InvalidConfig { message: format!("DOCKER_HOST={host}: {why}") });
        }
        // Like the Docker CLI, a bare host gets the conventional port for its transport.
        let with_port = |default: u16| {
            if addr.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
                addr.to_string()
            } else {
                format!("{addr}:{default}")
            }
        };
        if self.tls_verify || host.starts_with("https://") {
            let cert_path = self.cert_path.clone().ok_or_else(|| EngineError::InvalidConfig {
                message: "DOCKER_TLS_VERIFY is set but DOCKER_CERT_PATH is not".into(),
            })?;
            for file in ["ca.pem", "cert.pem", "key.pem"] {
                if !cert_path.join(file).is_file() {
                    return Err(EngineError::InvalidConfig {
                        message: format!("TLS certificate file {} is missing", cert_path.join(file).display()),
                    });
                }
            }
            Ok(Endpoint::Tls { addr: with_port(2376), cert_path })
        } else {
            Ok(Endpoint::Tcp(with_port(2375)))
        }
    }
}

/// `HOST[:PORT]` as a TCP endpoint: a host name, an IPv4 address or a bracketed IPv6 one, and
/// a port from 1 to 65535.
fn check_address(addr: &str) -> std::result::Result<(), String> {
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let (ip, after) = rest.split_once(']').ok_or("an IPv6 address needs its closing `]`")?;
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("`{ip}` is not an IPv6 address"));
        }
        match after {
            "" => return Ok(()),
            p => (ip, p.strip_prefix(':').ok_or(format!("unexpected `{p}` after the address"))?),
        }
    } else {
        match addr.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => (addr, ""),
        }
    };
    if host.is_empty()
        || !host.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(format!("`{host}` is not a host name or address"));
    }
    if !port.is_empty() && !port.parse::<u16>().is_ok_and(|p| p > 0) {
        return Err(format!("`{port}` is not a port (1 to 65535)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn default_is_the_standard_socket() {
        let c = ConnectionConfig::default().with_env(env(&[]));
        assert_eq!(c.resolve().unwrap(), Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)));
    }

    #[test]
    fn config_socket_is_used_without_docker_host() {
        let c = ConnectionConfig { socket: Some("/run/user/1000/docker.sock".into()), ..Default::default() };
        assert_eq!(c.resolve().unwrap(), Endpoint::Unix("/run/user/1000/docker.sock".into()));
    }

    #[test]
    fn docker_host_beats_config_socket_and_flag_beats_docker_host() {
        let c = ConnectionConfig { socket: Some("/x.sock".into()), ..Default::default() }
            .with_env(env(&[("DOCKER_HOST", "unix:///nonexistent.sock")]));
        assert_eq!(c.resolve().unwrap(), Endpoint::Unix("/nonexistent.sock".into()));
        let c = ConnectionConfig { host: Some("tcp://10.0.0.1:2375".into()), ..Default::default() }
            .with_env(env(&[("DOCKER_HOST", "unix:///nonexistent.sock")]));
        assert_eq!(c.resolve().unwrap(), Endpoint::Tcp("10.0.0.1:2375".into()));
    }

    #[test]
    fn tcp_gets_default_ports() {
        let c = ConnectionConfig::default().with_env(env(&[("DOCKER_HOST", "tcp://example")]));
        assert_eq!(c.resolve().unwrap(), Endpoint::Tcp("example:2375".into()));
    }

    #[test]
    fn tls_needs_all_three_files() {
        let dir = std::env::temp_dir().join(format!("tuxpilot-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let c = ConnectionConfig::default().with_env(env(&[
            ("DOCKER_HOST", "tcp://example"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", dir.to_str().unwrap()),
        ]));
        let err = c.resolve().unwrap_err().to_string();
        assert!(err.contains("ca.pem"), "{err}");
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        assert_eq!(c.resolve().unwrap(), Endpoint::Tls { addr: "example:2376".into(), cert_path: dir.clone() });
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_scheme_is_an_error_naming_it() {
        let c = ConnectionConfig::default().with_env(env(&[("DOCKER_HOST", "ssh://me@box")]));
        let err = c.resolve().unwrap_err().to_string();
        assert!(err.contains("ssh"), "{err}");
    }
}

//! Connecting: the endpoint the configuration resolves to, TLS when asked for, and the API
//! version negotiated with the daemon.

use bollard::Docker;

use super::client::BollardEngine;
use super::errors::{Ctx, error_chain};
use crate::config::{ConnectionConfig, Endpoint};
use crate::error::{EngineError, ResourceKind, Result};

impl BollardEngine {
    /// Connects to the engine `config` resolves to, proves it answers, and negotiates the API
    /// version (older daemons, like the API 1.41 one here, get requests they understand).
    pub async fn connect(config: &ConnectionConfig) -> Result<Self> {
        let endpoint = config.resolve()?;
        let address = endpoint.to_string();
        let timeout = config.timeout;
        let secs = timeout.as_secs().max(1);
        let version = bollard::API_DEFAULT_VERSION;
        let docker = match &endpoint {
            Endpoint::Unix(path) => {
                if !path.exists() {
                    return Err(EngineError::Unavailable {
                        address,
                        reason: format!("no socket at {}", path.display()),
                    });
                }
                Docker::connect_with_unix(&path.to_string_lossy(), secs, version)
                    .map_err(|e| map_connect_error(e, &address))?
            }
            Endpoint::Tcp(addr) => Docker::connect_with_http(&format!("tcp://{addr}"), secs, version)
                .map_err(|e| map_connect_error(e, &address))?,
            Endpoint::Tls { addr, cert_path } => Self::connect_tls(addr, cert_path, secs)?,
        };

        let probe = Self { docker: docker.clone(), address: address.clone(), timeout, api_version: String::new() };
        let docker = docker.negotiate_version().await.map_err(|e| {
            // Something answered, but not as a Docker Engine does (a web server's page, JSON of
            // another shape): one line with the address, not the page.
            let not_docker = match &e {
                bollard::errors::Error::DockerResponseServerError { status_code, message } => {
                    let m = message.trim_start();
                    (m.starts_with('<') || *status_code == 404).then(|| {
                        format!("HTTP {status_code}{}", if m.starts_with('<') { ", an HTML page" } else { "" })
                    })
                }
                bollard::errors::Error::JsonDataError { .. } | bollard::errors::Error::JsonSerdeError { .. } => {
                    Some("an answer that is not the Docker API's".to_string())
                }
                _ => None,
            };
            match not_docker {
                Some(what) => EngineError::Unavailable {
                    address: address.clone(),
                    reason: format!("something answered there, but it is not a Docker Engine ({what})"),
                },
                None => probe.map_err(e, &Ctx::new("API version negotiation", ResourceKind::Engine, "")),
            }
        })?;
        let v = docker.client_version();
        let api_version = format!("{}.{}", v.major_version, v.minor_version);
        tracing::debug!(%address, %api_version, "connected to the Docker engine");
        Ok(Self { docker, address, timeout, api_version })
    }

    #[cfg(feature = "tls")]
    fn connect_tls(addr: &str, cert_path: &std::path::Path, secs: u64) -> Result<Docker> {
        Docker::connect_with_ssl(
            &format!("tcp://{addr}"),
            &cert_path.join("key.pem"),
            &cert_path.join("cert.pem"),
            &cert_path.join("ca.pem"),
            secs,
            bollard::API_DEFAULT_VERSION,
        )
        .map_err(|e| EngineError::InvalidConfig { message: format!("TLS setup for tcp://{addr} failed: {e}") })
    }

    #[cfg(not(feature = "tls"))]
    fn connect_tls(addr: &str, _cert_path: &std::path::Path, _secs: u64) -> Result<Docker> {
        Err(EngineError::InvalidConfig {
            message: format!("tcp://{addr} needs TLS (DOCKER_TLS_VERIFY), but this build has no `tls` feature"),
        })
    }
}

pub(super) fn map_connect_error(err: bollard::errors::Error, address: &str) -> EngineError {
    match err {
        bollard::errors::Error::SocketNotFoundError(path) => {
            EngineError::Unavailable { address: address.to_string(), reason: format!("no socket at {path}") }
        }
        other => EngineError::InvalidConfig { message: format!("{address}: {}", error_chain(&other)) },
    }
}

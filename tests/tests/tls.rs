//! `DOCKER_HOST=tcp://…` with `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`: `BollardEngine`
//! against a TLS endpoint that requires a client certificate signed by the same CA, as a
//! `dockerd --tlsverify` does. The endpoint answers the version calls like a daemon.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};
use tuxpilot_docker::{BollardEngine, ConnectionConfig, Engine, EngineError};

struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn pki() -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Pki { ca_pem: cert.pem(), ca_der: cert.der().clone(), issuer: Issuer::new(params, key) }
}

fn leaf(pki: &Pki, names: &[&str]) -> (String, String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .unwrap()
        .signed_by(&key, &pki.issuer)
        .unwrap();
    let der_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (cert.pem(), key.serialize_pem(), cert.der().clone(), der_key)
}

/// A TLS "daemon" on 127.0.0.1 that requires client certificates from `pki`.
async fn tls_daemon(pki: &Pki) -> u16 {
    let (_, _, cert, key) = leaf(pki, &["localhost", "127.0.0.1"]);
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().unwrap();
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client without an acceptable certificate fails here.
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                loop {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#;
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if tls.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn write_certs(dir: &std::path::Path, ca: &str, cert: &str, key: &str) {
    std::fs::write(dir.join("ca.pem"), ca).unwrap();
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
}

fn config(port: u16, dir: &std::path::Path) -> ConnectionConfig {
    ConnectionConfig::default().with_env(|k| match k {
        "DOCKER_HOST" => Some(format!("tcp://127.0.0.1:{port}")),
        "DOCKER_TLS_VERIFY" => Some("1".into()),
        "DOCKER_CERT_PATH" => Some(dir.display().to_string()),
        _ => None,
    })
}

#[tokio::test]
async fn tls_with_client_certificates_from_docker_cert_path() {
    let pki = pki();
    let port = tls_daemon(&pki).await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _, _) = leaf(&pki, &["client"]);
    write_certs(dir.path(), &pki.ca_pem, &cert, &key);

    let engine = BollardEngine::connect(&config(port, dir.path())).await.unwrap();
    assert_eq!(engine.address(), format!("tcp://127.0.0.1:{port} (TLS)"));
    assert_eq!(engine.api_version(), "1.41");
    assert_eq!(engine.version().await.unwrap().version, "20.10.24");
}

#[tokio::test]
async fn a_client_certificate_from_another_ca_is_refused() {
    let pki_server = pki();
    let port = tls_daemon(&pki_server).await;
    let other = pki();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _, _) = leaf(&other, &["client"]);
    // Trusts the server, but presents a certificate the server does not accept.
    write_certs(dir.path(), &pki_server.ca_pem, &cert, &key);
    match BollardEngine::connect(&config(port, dir.path())).await {
        Err(EngineError::Unavailable { address, .. }) | Err(EngineError::Daemon { operation: address, .. }) => {
            assert!(!address.is_empty());
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
        Ok(_) => panic!("a client certificate from another CA must be refused"),
    }
}

//! Request-level forwarding: every HTTP/1 request goes to a current replica, so a keep-alive
//! client is never pinned to one that is being replaced.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use super::backends::Live;
use super::logging::{log, service};

/// A body either way.
pub type Body = BoxBody<Bytes, hyper::Error>;
/// The pooled client to replicas.
pub type Upstream = Client<HttpConnector, Body>;

/// A client to replicas: pooled, idle connections closed after 5 s, connects time out after 3 s.
pub fn client() -> Upstream {
    let mut c = HttpConnector::new();
    c.set_connect_timeout(Some(super::tcp::CONNECT_TIMEOUT));
    c.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(std::time::Duration::from_secs(5))
        .pool_max_idle_per_host(64)
        .build(c)
}

/// Serves one client connection.
pub async fn serve(live: Arc<Live>, upstream: Upstream, client: TcpStream, peer: SocketAddr) {
    let _ = client.set_nodelay(true);
    let svc = hyper::service::service_fn(move |req| handle(live.clone(), upstream.clone(), peer, req));
    let _ =
        hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(client), svc).await;
}

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(format!("{text}\n"))).map_err(|e| match e {}).boxed());
    *r.status_mut() = status;
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

async fn handle(
    live: Arc<Live>,
    upstream: Upstream,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = req.into_parts();
    let bodiless = !parts.headers.contains_key(hyper::header::CONTENT_LENGTH)
        && !parts.headers.contains_key(hyper::header::TRANSFER_ENCODING);
    let mut headers = parts.headers.clone();
    // Headers the Connection header names are hop-by-hop too.
    let named: Vec<String> = headers
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()))
        .collect();
    for h in HOP_BY_HOP.iter().map(|s| s.to_string()).chain(named) {
        headers.remove(h.as_str());
    }
    let xff = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prev) => format!("{prev}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&xff) {
        headers.insert(HeaderName::from_static("x-forwarded-for"), v);
    }
    if !headers.contains_key("x-forwarded-proto") {
        headers.insert(HeaderName::from_static("x-forwarded-proto"), HeaderValue::from_static("http"));
    }
    if let Some(host) = parts.headers.get(hyper::header::HOST).cloned() {
        headers.entry(HeaderName::from_static("x-forwarded-host")).or_insert(host);
    }
    let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let mut body = Some(body.boxed());
    let mut tried: Vec<SocketAddr> = Vec::new();
    loop {
        let Some(flight) = live.pick(&tried) else {
            return Ok(plain(StatusCode::SERVICE_UNAVAILABLE, &format!("no replica of {} is serving", service(&live))));
        };
        let backend = flight.0.clone();
        let mut out = Request::new(body.take().unwrap_or_else(|| Empty::new().map_err(|e| match e {}).boxed()));
        *out.method_mut() = parts.method.clone();
        *out.headers_mut() = headers.clone();
        match format!("http://{}{path}", backend.addr).parse() {
            Ok(u) => *out.uri_mut() = u,
            Err(_) => return Ok(plain(StatusCode::BAD_REQUEST, "the request's path is not valid")),
        }
        let sent = tokio::select! {
            r = upstream.request(out) => r,
            _ = backend.cut_signal() => {
                return Ok(plain(StatusCode::GATEWAY_TIMEOUT, "the replica was replaced and did not answer within the drain timeout"));
            }
        };
        match sent {
            Ok(resp) => {
                let (mut rp, rb) = resp.into_parts();
                for h in HOP_BY_HOP {
                    rp.headers.remove(h);
                }
                // The count ends when the response body is done or dropped.
                let body = rb
                    .map_frame(move |f| {
                        let _ = &flight;
                        f
                    })
                    .boxed();
                return Ok(Response::from_parts(rp, body));
            }
            Err(e) if e.is_connect() && bodiless && tried.len() < 16 => {
                log(&format!("replica {} of {}: {e}; trying another", backend.addr, service(&live)));
                tried.push(backend.addr);
            }
            Err(e) => {
                log(&format!("{peer}: replica {} of {}: {e}", backend.addr, service(&live)));
                return Ok(plain(StatusCode::BAD_GATEWAY, "the replica did not answer"));
            }
        }
    }
}

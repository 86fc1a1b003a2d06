//! Connection-level forwarding: each connection goes to one replica for its whole life.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;

use super::backends::{InFlight, Live};
use super::logging::{log, service};

/// How long connecting to a replica may take before the next one is tried.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connects `client` to a replica: the next in turn, or, when it does not accept, every other
/// one once. Nothing has been sent yet, so trying another is safe.
pub async fn serve(live: Arc<Live>, mut client: TcpStream, peer: SocketAddr) {
    let Some((flight, mut upstream)) = connect(&live).await else {
        log(&format!("{peer}: no replica of {} accepted the connection", service(&live)));
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let backend = flight.0.clone();
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
        _ = backend.cut_signal() => {
            log(&format!("{peer}: connection to {} cut at the drain timeout", backend.addr));
        }
    }
    drop(flight);
}

/// A connected replica, counted in flight.
pub async fn connect(live: &Live) -> Option<(InFlight, TcpStream)> {
    let mut tried: Vec<SocketAddr> = Vec::new();
    loop {
        let flight = live.pick(&tried)?;
        let addr = flight.0.addr;
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => return Some((flight, s)),
            Ok(Err(e)) => log(&format!("replica {addr} of {}: {e}; trying another", service(live))),
            Err(_) => log(&format!("replica {addr} of {}: no answer in 3s; trying another", service(live))),
        }
        tried.push(addr);
    }
}

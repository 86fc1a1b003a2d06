//! A route's replicas as the proxy serves them: round-robin choice, in-flight counts and the
//! signal that cuts what is left when a drain times out.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use crate::routes::{BackendStatus, Route};

/// One replica.
#[derive(Debug)]
pub struct Backend {
    /// Its address.
    pub addr: SocketAddr,
    active: AtomicU64,
    served: AtomicU64,
    cut: watch::Sender<bool>,
}

impl Backend {
    /// A replica at `addr`.
    pub fn new(addr: SocketAddr) -> Arc<Self> {
        Arc::new(Self { addr, active: AtomicU64::new(0), served: AtomicU64::new(0), cut: watch::channel(false).0 })
    }

    /// Connections or requests in flight.
    pub fn active(&self) -> u64 {
        self.active.load(Ordering::SeqCst)
    }

    /// Cuts whatever is still in flight (after a drain timed out).
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Resolves once [`Backend::cut`] was called.
    pub async fn cut_signal(&self) {
        let mut rx = self.cut.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    /// Its counters.
    pub fn status(&self) -> BackendStatus {
        BackendStatus {
            address: self.addr.to_string(),
            active: self.active(),
            served: self.served.load(Ordering::Relaxed),
        }
    }
}

/// Held while a connection or request is in flight on a replica.
#[derive(Debug)]
pub struct InFlight(pub Arc<Backend>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A listener's live view: its route and current replicas.
#[derive(Debug)]
pub struct Live {
    /// The route (its backends as given).
    pub route: RwLock<Route>,
    backends: RwLock<Vec<Arc<Backend>>>,
    next: AtomicUsize,
    /// True once the port is bound.
    pub listening: std::sync::atomic::AtomicBool,
    /// Why binding failed last.
    pub error: RwLock<Option<String>>,
}

impl Live {
    /// A view of `route` served by `backends`.
    pub fn new(route: Route, backends: Vec<Arc<Backend>>) -> Arc<Self> {
        Arc::new(Self {
            route: RwLock::new(route),
            backends: RwLock::new(backends),
            next: AtomicUsize::new(0),
            listening: std::sync::atomic::AtomicBool::new(false),
            error: RwLock::new(None),
        })
    }

    /// The next replica in turn that is not in `skip`, counted in flight from now on. Choosing
    /// and counting happen under the same lock that [`Live::replace`] takes, so once a replace
    /// returned, a dropped replica gets nothing new.
    pub fn pick(&self, skip: &[SocketAddr]) -> Option<InFlight> {
        let list = self.backends.read().ok()?;
        let n = list.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let b = &list[(start + i) % n];
            if !skip.contains(&b.addr) {
                b.active.fetch_add(1, Ordering::SeqCst);
                b.served.fetch_add(1, Ordering::Relaxed);
                return Some(InFlight(b.clone()));
            }
        }
        None
    }

    /// The current replicas.
    pub fn backends(&self) -> Vec<Arc<Backend>> {
        self.backends.read().map(|l| l.clone()).unwrap_or_default()
    }

    /// Serves `route` from now on: replicas it keeps keep their counters; the ones it drops are
    /// returned, to drain.
    pub fn replace(&self, route: Route) -> Vec<Arc<Backend>> {
        let mut dropped = Vec::new();
        if let Ok(mut list) = self.backends.write() {
            let wanted: Vec<SocketAddr> = route.backends.iter().filter_map(|b| b.parse().ok()).collect();
            let mut next = Vec::with_capacity(wanted.len());
            for a in &wanted {
                match list.iter().find(|b| b.addr == *a) {
                    Some(b) => next.push(b.clone()),
                    None => next.push(Backend::new(*a)),
                }
            }
            for b in list.iter() {
                if !wanted.contains(&b.addr) {
                    dropped.push(b.clone());
                }
            }
            *list = next;
        }
        if let Ok(mut r) = self.route.write() {
            *r = route;
        }
        dropped
    }

    /// Takes every replica out (the route is gone).
    pub fn clear(&self) -> Vec<Arc<Backend>> {
        self.backends.write().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::routes::Mode;

    fn route(backends: &[&str]) -> Route {
        Route {
            listen: "127.0.0.1:1".into(),
            app: "a".into(),
            service: "s".into(),
            mode: Mode::Tcp,
            backends: backends.iter().map(|b| b.to_string()).collect(),
            drain_timeout_ms: 10,
        }
    }

    #[test]
    fn picks_in_turn_and_counts_what_is_in_flight() {
        let r = route(&["10.0.0.1:1", "10.0.0.2:1"]);
        let b: Vec<Arc<Backend>> = r.backends.iter().map(|a| Backend::new(a.parse().unwrap())).collect();
        let live = Live::new(r, b);
        let a = live.pick(&[]).unwrap();
        let c = live.pick(&[]).unwrap();
        assert_ne!(a.0.addr, c.0.addr);
        assert_eq!(a.0.active(), 1);
        let skip = [a.0.addr];
        let d = live.pick(&skip).unwrap();
        assert_eq!(d.0.addr, c.0.addr);
        drop(a);
        assert_eq!(live.backends()[0].active() + live.backends()[1].active(), 2);
    }

    #[test]
    fn replace_keeps_counters_and_returns_the_dropped() {
        let r = route(&["10.0.0.1:1"]);
        let live = Live::new(r.clone(), vec![Backend::new("10.0.0.1:1".parse().unwrap())]);
        let held = live.pick(&[]).unwrap();
        let dropped = live.replace(route(&["10.0.0.2:1"]));
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].active(), 1);
        assert_eq!(live.pick(&[]).unwrap().0.addr.to_string(), "10.0.0.2:1");
        drop(held);
        assert_eq!(dropped[0].active(), 0);
    }
}

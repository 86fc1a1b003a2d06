//! Routes and the control protocol: pure types and checks, shared by the proxy and TuxPilot.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Where the proxy keeps its state inside its container (a named volume).
pub const STATE_DIR: &str = "/state";
/// The routes every app gave, kept across restarts (inside [`STATE_DIR`]).
pub const TABLE_FILE: &str = "routes.json";
/// The control socket (inside [`STATE_DIR`]).
pub const CONTROL_SOCKET: &str = "ctl.sock";
/// Where TuxPilot puts one app's routes before asking the proxy to apply them
/// (`incoming/<app>.json` inside [`STATE_DIR`]).
pub const INCOMING_DIR: &str = "incoming";
/// The longest an app name may be in a file name.
pub const MAX_APP: usize = 128;
/// At most this many routes in all.
pub const MAX_ROUTES: usize = 4096;
/// At most this many replicas behind one route.
pub const MAX_BACKENDS: usize = 1024;

/// How a route forwards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Connection level: each connection goes to one replica for its whole life.
    #[default]
    Tcp,
    /// Request level: each HTTP/1 request goes to a current replica.
    Http,
}

impl Mode {
    /// `tcp` or `http`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Http => "http",
        }
    }
}

/// One managed host port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The host address and port the proxy listens on (`127.0.0.1:8080`, `0.0.0.0:8080`).
    pub listen: String,
    /// The app (or compose project) that owns it.
    pub app: String,
    /// The service behind it.
    pub service: String,
    /// How it forwards.
    #[serde(default)]
    pub mode: Mode,
    /// The replicas that serve: container address and port (`172.18.0.5:80`).
    pub backends: Vec<String>,
    /// How long a replica taken out of the route keeps its connections and requests in flight.
    pub drain_timeout_ms: u64,
}

/// One app's routes, as TuxPilot hands them over: they replace every route the app had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRoutes {
    /// The app.
    pub app: String,
    /// Its routes (none: the app publishes no managed port any more).
    pub routes: Vec<Route>,
}

/// Every route the proxy serves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Routes, by listen address.
    pub routes: Vec<Route>,
}

/// Checks an app name is safe as a file name.
pub fn check_app(app: &str) -> Result<(), String> {
    let ok = !app.is_empty()
        && app.len() <= MAX_APP
        && app.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !app.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(format!("app name {app:?} is not a valid name (letters, digits, '-', '_', '.'; at most {MAX_APP})"))
    }
}

impl AppRoutes {
    /// Checks names, addresses and that every route belongs to the app.
    pub fn check(&self) -> Result<(), String> {
        check_app(&self.app)?;
        let mut seen = BTreeSet::new();
        for r in &self.routes {
            if r.app != self.app {
                return Err(format!("route {} belongs to app {:?}, not {:?}", r.listen, r.app, self.app));
            }
            let listen: SocketAddr =
                r.listen.parse().map_err(|_| format!("listen address {:?} is not IP:PORT", r.listen))?;
            if !seen.insert(listen) {
                return Err(format!("listen address {} is given twice", r.listen));
            }
            if r.backends.len() > MAX_BACKENDS {
                return Err(format!("route {} has {} replicas; at most {MAX_BACKENDS}", r.listen, r.backends.len()));
            }
            for b in &r.backends {
                b.parse::<SocketAddr>().map_err(|_| format!("replica address {b:?} is not IP:PORT"))?;
            }
        }
        Ok(())
    }
}

impl Table {
    /// The table with `app`'s routes replaced by `new`. A listen address another app holds, or
    /// that overlaps one (the unspecified address covers every address of its port), is refused.
    pub fn with_app(&self, new: &AppRoutes) -> Result<Table, String> {
        new.check()?;
        let others: Vec<&Route> = self.routes.iter().filter(|r| r.app != new.app).collect();
        for r in &new.routes {
            if let Some(o) = others.iter().find(|o| overlaps(&o.listen, &r.listen)) {
                return Err(format!(
                    "host address {} is already the managed port of {}/{} ({})",
                    r.listen, o.app, o.service, o.listen
                ));
            }
        }
        let mut routes: Vec<Route> = others.into_iter().cloned().collect();
        routes.extend(new.routes.iter().cloned());
        if routes.len() > MAX_ROUTES {
            return Err(format!("{} routes; the proxy serves at most {MAX_ROUTES}", routes.len()));
        }
        routes.sort_by(|a, b| a.listen.cmp(&b.listen));
        Ok(Table { routes })
    }

    /// The routes of `app`.
    pub fn of_app(&self, app: &str) -> AppRoutes {
        AppRoutes { app: app.into(), routes: self.routes.iter().filter(|r| r.app == app).cloned().collect() }
    }

    /// The replicas `app` named before and no longer does, per listen address.
    pub fn dropped(&self, new: &AppRoutes) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for old in self.routes.iter().filter(|r| r.app == new.app) {
            let kept: BTreeSet<&String> =
                new.routes.iter().filter(|r| r.listen == old.listen).flat_map(|r| r.backends.iter()).collect();
            let gone: Vec<String> = old.backends.iter().filter(|b| !kept.contains(b)).cloned().collect();
            if !gone.is_empty() {
                out.insert(old.listen.clone(), gone);
            }
        }
        out
    }
}

/// True when two listen addresses cannot both be bound: same port, and same address or either
/// unspecified.
pub fn overlaps(a: &str, b: &str) -> bool {
    match (a.parse::<SocketAddr>(), b.parse::<SocketAddr>()) {
        (Ok(a), Ok(b)) => {
            a.port() == b.port() && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
        }
        _ => a == b,
    }
}

/// A request on the control socket: one JSON line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Request {
    /// Apply `incoming/<app>.json`; the answer comes once dropped replicas have drained.
    Apply {
        /// The app.
        app: String,
    },
    /// What is served now.
    Status,
}

/// One replica's connections or requests in flight.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackendStatus {
    /// Its address.
    pub address: String,
    /// Connections (tcp) or requests (http) in flight.
    pub active: u64,
    /// Served since the proxy started.
    pub served: u64,
}

/// One route as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStatus {
    /// The route.
    #[serde(flatten)]
    pub route: Route,
    /// True once the proxy holds the host port.
    pub listening: bool,
    /// Why it does not (another process holds the port, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its replicas.
    pub replicas: Vec<BackendStatus>,
}

/// The answer to a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// Whether the request was carried out.
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Replicas taken out that drained in time.
    #[serde(default)]
    pub drained: Vec<String>,
    /// Replicas taken out whose connections or requests were cut at the drain timeout, with how
    /// many.
    #[serde(default)]
    pub cut: Vec<(String, u64)>,
    /// What is served now.
    #[serde(default)]
    pub routes: Vec<RouteStatus>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn route(app: &str, listen: &str, backends: &[&str]) -> Route {
        Route {
            listen: listen.into(),
            app: app.into(),
            service: "web".into(),
            mode: Mode::Tcp,
            backends: backends.iter().map(|b| b.to_string()).collect(),
            drain_timeout_ms: 1000,
        }
    }

    #[test]
    fn an_app_replaces_only_its_own_routes() {
        let t = Table { routes: vec![route("a", "127.0.0.1:1", &["10.0.0.1:80"]), route("b", "127.0.0.1:2", &[])] };
        let new = AppRoutes { app: "a".into(), routes: vec![route("a", "127.0.0.1:3", &["10.0.0.2:80"])] };
        let t2 = t.with_app(&new).unwrap();
        let listens: Vec<&str> = t2.routes.iter().map(|r| r.listen.as_str()).collect();
        assert_eq!(listens, vec!["127.0.0.1:2", "127.0.0.1:3"]);
        assert_eq!(t.dropped(&new).get("127.0.0.1:1").unwrap(), &vec!["10.0.0.1:80".to_string()]);
    }

    #[test]
    fn another_apps_port_is_refused_including_the_unspecified_address() {
        let t = Table { routes: vec![route("b", "0.0.0.0:8080", &[])] };
        let new = AppRoutes { app: "a".into(), routes: vec![route("a", "127.0.0.1:8080", &[])] };
        assert!(t.with_app(&new).unwrap_err().contains("b/web"));
        let new = AppRoutes { app: "a".into(), routes: vec![route("a", "127.0.0.1:8081", &[])] };
        assert!(t.with_app(&new).is_ok());
    }

    #[test]
    fn bad_names_and_addresses_are_refused() {
        for app in ["", "../x", ".hidden", "a/b"] {
            assert!(check_app(app).is_err(), "{app}");
        }
        let bad = AppRoutes { app: "a".into(), routes: vec![route("a", "localhost:80", &[])] };
        assert!(bad.check().is_err());
        let bad = AppRoutes { app: "a".into(), routes: vec![route("a", "127.0.0.1:80", &["web:80"])] };
        assert!(bad.check().is_err());
        let bad = AppRoutes { app: "a".into(), routes: vec![route("b", "127.0.0.1:80", &[])] };
        assert!(bad.check().is_err());
    }

    #[test]
    fn kept_replicas_are_not_dropped() {
        let t = Table { routes: vec![route("a", "127.0.0.1:1", &["10.0.0.1:80", "10.0.0.2:80"])] };
        let new =
            AppRoutes { app: "a".into(), routes: vec![route("a", "127.0.0.1:1", &["10.0.0.2:80", "10.0.0.3:80"])] };
        assert_eq!(t.dropped(&new).get("127.0.0.1:1").unwrap(), &vec!["10.0.0.1:80".to_string()]);
    }
}

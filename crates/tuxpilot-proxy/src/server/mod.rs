//! The proxy: listeners for every route, the control socket, the table kept on disk.

pub mod backends;
pub mod http;
pub mod logging;
pub mod tcp;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, UnixListener, UnixStream};
use tokio::sync::watch;

use crate::routes::{
    AppRoutes, CONTROL_SOCKET, INCOMING_DIR, Mode, Reply, Request, Route, RouteStatus, TABLE_FILE, Table, check_app,
};
use backends::{Backend, Live};

/// The largest routes file read.
pub const MAX_FILE: u64 = 4 << 20;
/// The longest control request read.
pub const MAX_REQUEST: usize = 64 << 10;

pub use logging::log;

struct Listener {
    live: Arc<Live>,
    mode: Mode,
    stop: watch::Sender<bool>,
}

/// The proxy's state.
pub struct Server {
    dir: PathBuf,
    table: Mutex<Table>,
    listeners: Mutex<BTreeMap<String, Listener>>,
    upstream: http::Upstream,
}

/// Reads a file of at most [`MAX_FILE`] bytes.
fn read_bounded(path: &Path) -> std::io::Result<String> {
    let f = std::fs::File::open(path)?;
    let mut s = String::new();
    f.take(MAX_FILE + 1).read_to_string(&mut s)?;
    if s.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other(format!("{} is larger than {MAX_FILE} bytes", path.display())));
    }
    Ok(s)
}

impl Server {
    /// A proxy keeping its state in `dir`; the routes saved there are served at once (their
    /// replicas taken as healthy, as they were when saved).
    pub fn new(dir: &Path) -> Arc<Self> {
        let table = match read_bounded(&dir.join(TABLE_FILE)) {
            Ok(text) => match serde_json::from_str::<Table>(&text) {
                Ok(t) => t,
                Err(e) => {
                    log(&format!("{}: {e}; starting with no routes", dir.join(TABLE_FILE).display()));
                    Table::default()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Table::default(),
            Err(e) => {
                log(&format!("{}: {e}; starting with no routes", dir.join(TABLE_FILE).display()));
                Table::default()
            }
        };
        let s = Arc::new(Self {
            dir: dir.to_path_buf(),
            table: Mutex::new(Table::default()),
            listeners: Mutex::new(BTreeMap::new()),
            upstream: http::client(),
        });
        if !table.routes.is_empty() {
            log(&format!("restored {} route(s) from {}", table.routes.len(), TABLE_FILE));
        }
        s.reconcile(&table);
        if let Ok(mut t) = s.table.lock() {
            *t = table;
        }
        s
    }

    /// Serves the control socket until the process ends.
    pub async fn control(self: Arc<Self>) -> std::io::Result<()> {
        let path = self.dir.join(CONTROL_SOCKET);
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        loop {
            let (stream, _) = listener.accept().await?;
            let me = self.clone();
            tokio::spawn(async move { me.answer(stream).await });
        }
    }

    async fn answer(&self, stream: UnixStream) {
        let (r, mut w) = stream.into_split();
        let mut line = Vec::new();
        let mut reader = BufReader::new(r).take(MAX_REQUEST as u64);
        let reply = match reader.read_until(b'\n', &mut line).await {
            Ok(_) => match serde_json::from_slice::<Request>(&line) {
                Ok(Request::Apply { app }) => self.apply(&app).await,
                Ok(Request::Status) => Reply { ok: true, routes: self.status(), ..Default::default() },
                Err(e) => Reply { ok: false, error: Some(format!("bad request: {e}")), ..Default::default() },
            },
            Err(e) => Reply { ok: false, error: Some(format!("reading the request: {e}")), ..Default::default() },
        };
        let mut out = serde_json::to_vec(&reply).unwrap_or_default();
        out.push(b'\n');
        let _ = w.write_all(&out).await;
    }

    /// What is served now.
    pub fn status(&self) -> Vec<RouteStatus> {
        let Ok(listeners) = self.listeners.lock() else { return Vec::new() };
        listeners
            .values()
            .map(|l| RouteStatus {
                route: l.live.route.read().map(|r| r.clone()).unwrap_or_else(|e| e.into_inner().clone()),
                listening: l.live.listening.load(std::sync::atomic::Ordering::SeqCst),
                error: l.live.error.read().ok().and_then(|e| e.clone()),
                replicas: l.live.backends().iter().map(|b| b.status()).collect(),
            })
            .collect()
    }

    /// Applies `incoming/<app>.json`: saves the table, switches listeners, then waits until the
    /// replicas it no longer names have drained (or cuts them at the drain timeout).
    pub async fn apply(&self, app: &str) -> Reply {
        let fail = |e: String| Reply { ok: false, error: Some(e), ..Default::default() };
        if let Err(e) = check_app(app) {
            return fail(e);
        }
        let file = self.dir.join(INCOMING_DIR).join(format!("{app}.json"));
        let new: AppRoutes = match read_bounded(&file)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("{}: {e}", file.display())))
        {
            Ok(n) => n,
            Err(e) => return fail(e),
        };
        if new.app != app {
            return fail(format!("{} holds the routes of {:?}, not {app:?}", file.display(), new.app));
        }
        let (table, dropped) = {
            let Ok(mut t) = self.table.lock() else { return fail("internal state poisoned".into()) };
            let next = match t.with_app(&new) {
                Ok(n) => n,
                Err(e) => return fail(e),
            };
            if let Err(e) = save(&self.dir, &next) {
                return fail(format!("saving the routes: {e}"));
            }
            *t = next.clone();
            let dropped = self.reconcile(&next);
            (next, dropped)
        };
        let _ = std::fs::remove_file(&file);
        let summary: Vec<String> =
            table.of_app(app).routes.iter().map(|r| format!("{} -> {}", r.listen, r.backends.join(" "))).collect();
        log(&format!("{app}: {}", if summary.is_empty() { "no routes".to_string() } else { summary.join("; ") }));
        let mut reply = Reply { ok: true, ..Default::default() };
        for (b, timeout) in dropped {
            let deadline = Instant::now() + timeout;
            while b.active() > 0 && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let left = b.active();
            if left == 0 {
                reply.drained.push(b.addr.to_string());
            } else {
                b.cut();
                log(&format!("{app}: cut {left} in flight to {} at the drain timeout", b.addr));
                reply.cut.push((b.addr.to_string(), left));
            }
        }
        reply.routes = self.status();
        reply
    }

    /// Makes the listeners match `table`; returns the replicas taken out, with their drain
    /// timeouts.
    fn reconcile(&self, table: &Table) -> Vec<(Arc<Backend>, Duration)> {
        let mut dropped = Vec::new();
        let Ok(mut listeners) = self.listeners.lock() else { return dropped };
        let wanted: BTreeMap<&str, &Route> = table.routes.iter().map(|r| (r.listen.as_str(), r)).collect();
        let gone: Vec<String> = listeners
            .iter()
            .filter(|(k, l)| wanted.get(k.as_str()).is_none_or(|r| r.mode != l.mode))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(l) = listeners.remove(&k) {
                let timeout = l.live.route.read().map(|r| r.drain_timeout_ms).unwrap_or(0);
                l.stop.send_replace(true);
                for b in l.live.clear() {
                    dropped.push((b, Duration::from_millis(timeout)));
                }
                log(&format!("stopped listening on {k}"));
            }
        }
        for (k, r) in wanted {
            match listeners.get(k) {
                Some(l) => {
                    for b in l.live.replace(r.clone()) {
                        dropped.push((b, Duration::from_millis(r.drain_timeout_ms)));
                    }
                }
                None => {
                    let Ok(addr) = k.parse::<SocketAddr>() else { continue };
                    let backends =
                        r.backends.iter().filter_map(|b| b.parse().ok()).map(Backend::new).collect::<Vec<_>>();
                    let live = Live::new(r.clone(), backends);
                    let stop = watch::channel(false).0;
                    tokio::spawn(listen(addr, live.clone(), r.mode, stop.subscribe(), self.upstream.clone()));
                    listeners.insert(k.to_string(), Listener { live, mode: r.mode, stop });
                }
            }
        }
        dropped
    }
}

/// Writes the table next to itself and renames it over, so a crash never leaves half a file.
fn save(dir: &Path, table: &Table) -> std::io::Result<()> {
    let tmp = dir.join(format!("{TABLE_FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec_pretty(table).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, dir.join(TABLE_FILE))
}

/// Binds `addr`; `[::]` (every address, both families) falls back to `0.0.0.0` where the
/// host has no IPv6.
async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    match TcpListener::bind(addr).await {
        Err(e) if addr.ip() == std::net::IpAddr::from([0u16; 8]) && e.kind() != std::io::ErrorKind::AddrInUse => {
            TcpListener::bind(SocketAddr::new(std::net::IpAddr::from([0u8, 0, 0, 0]), addr.port())).await
        }
        r => r,
    }
}

/// Binds `addr` (retrying while another process holds it) and serves it until `stop`.
async fn listen(addr: SocketAddr, live: Arc<Live>, mode: Mode, mut stop: watch::Receiver<bool>, up: http::Upstream) {
    let mut said = false;
    let listener = loop {
        if *stop.borrow() {
            return;
        }
        match bind(addr).await {
            Ok(l) => break l,
            Err(e) => {
                if !said {
                    log(&format!("cannot listen on {addr} yet: {e}; retrying"));
                    said = true;
                }
                if let Ok(mut slot) = live.error.write() {
                    *slot = Some(format!("cannot listen on {addr}: {e}"));
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    };
    if let Ok(mut slot) = live.error.write() {
        *slot = None;
    }
    live.listening.store(true, std::sync::atomic::Ordering::SeqCst);
    log(&format!("listening on {addr} ({})", mode.as_str()));
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    let live = live.clone();
                    match mode {
                        Mode::Tcp => { tokio::spawn(tcp::serve(live, stream, peer)); }
                        Mode::Http => { tokio::spawn(http::serve(live, up.clone(), stream, peer)); }
                    }
                }
                Err(e) => {
                    log(&format!("accept on {addr}: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stop.changed() => break,
        }
    }
}

/// Asks the proxy listening on the control socket in `dir`, synchronously (the `ctl` command
/// run with `docker exec`).
pub fn ask(dir: &Path, request: &Request) -> Reply {
    use std::io::{BufRead, Write};
    let fail = |e: String| Reply { ok: false, error: Some(e), ..Default::default() };
    let path = dir.join(CONTROL_SOCKET);
    let mut s = match std::os::unix::net::UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e) => return fail(format!("the proxy does not answer on {}: {e}", path.display())),
    };
    let mut line = serde_json::to_vec(request).unwrap_or_default();
    line.push(b'\n');
    if let Err(e) = s.write_all(&line) {
        return fail(format!("writing to the proxy: {e}"));
    }
    let mut out = Vec::new();
    let mut r = std::io::BufReader::new(s).take(MAX_FILE);
    match r.read_until(b'\n', &mut out) {
        Ok(_) => serde_json::from_slice(&out).unwrap_or_else(|e| fail(format!("the proxy's answer: {e}"))),
        Err(e) => fail(format!("reading the proxy's answer: {e}")),
    }
}

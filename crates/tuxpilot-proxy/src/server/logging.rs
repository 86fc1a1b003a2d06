//! The proxy's log: one line per event on stderr (`docker logs` shows it).

use super::backends::Live;

/// One line on the proxy's log.
pub fn log(line: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("tuxpilot-proxy: {line}");
    }
}

/// `app/service` of a route, for log lines.
pub fn service(live: &Live) -> String {
    live.route.read().map(|r| format!("{}/{}", r.app, r.service)).unwrap_or_default()
}

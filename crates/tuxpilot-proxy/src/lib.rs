//! TuxPilot's managed-port proxy.
//!
//! When an app publishes a fixed host port, TuxPilot does not let a replica bind it: this proxy
//! owns the port and forwards to the app's replicas on their networks, so replacing a replica
//! never leaves the port without a listener. It runs as a container of its own (host
//! networking, a restart policy, small limits, **no Docker socket**); TuxPilot hands it the routes
//! of one app at a time through a file on its state volume and a control socket reached with
//! `docker exec`, and it keeps them on that volume across restarts.
//!
//! - `tcp` mode forwards connections: a connection stays with the replica it started on.
//! - `http` mode forwards requests: every request goes to a current replica (no keep-alive
//!   pinning), with `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host`.
//! - Applying an app's routes returns once the replicas it no longer names have drained: their
//!   connections and requests in flight finished, or were cut at the route's drain timeout.
//!
//! Without the default `server` feature the crate holds only the types TuxPilot speaks to it:
//!
//! ```
//! use tuxpilot_proxy::routes::{AppRoutes, Mode, Route};
//! let routes = AppRoutes {
//!     app: "demo".into(),
//!     routes: vec![Route {
//!         listen: "127.0.0.1:18080".into(),
//!         app: "demo".into(),
//!         service: "web".into(),
//!         mode: Mode::Tcp,
//!         backends: vec!["172.18.0.5:80".into()],
//!         drain_timeout_ms: 30_000,
//!     }],
//! };
//! assert!(routes.check().is_ok());
//! ```

pub mod routes;

#[cfg(feature = "server")]
pub mod server;

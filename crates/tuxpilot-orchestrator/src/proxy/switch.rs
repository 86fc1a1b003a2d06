//! The switch a deployment, rollback or scale drives: which replicas of each managed service the
//! proxy forwards to. A replica is served only once it is ready, and retired (drained) before it
//! is stopped; every change goes to the proxy at once, in order.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tuxpilot_compose::runtime::ComposeRuntime;
use tuxpilot_docker::ContainerState;
use tuxpilot_proxy::routes::{AppRoutes, Reply, Route};

use super::Proxy;
use super::ports::{ManagedPort, managed};
use crate::error::{Error, Result};

/// How long a retired replica may keep connections and requests in flight when its service sets
/// no `stop_grace_period`.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// One app's managed ports during one operation.
pub struct Switch {
    runtime: ComposeRuntime,
    binary: Option<std::path::PathBuf>,
    ports: Vec<ManagedPort>,
    serving: Mutex<BTreeMap<String, Vec<(String, IpAddr)>>>,
}

impl Switch {
    /// The switch of `runtime`'s app: the proxy is made ready first (built, started) when the
    /// app has managed ports, and it starts from the replicas running now. `None` when the app
    /// has no managed port and the proxy holds no route of it.
    pub async fn start(runtime: &ComposeRuntime, binary: Option<&std::path::Path>) -> Result<Option<Arc<Switch>>> {
        let ports = managed(runtime.project());
        let engine = runtime.engine().clone();
        let proxy = Proxy::new(engine.as_ref());
        if ports.is_empty() {
            let holds = match proxy.status().await {
                Ok(Some(routes)) => routes.iter().any(|r| r.route.app == runtime.project().name),
                _ => false,
            };
            if !holds {
                return Ok(None);
            }
        } else if let Some(note) = proxy.ready(binary).await? {
            runtime.emit("Proxy", super::CONTAINER, "Recreated", None, Some(note));
        }
        let sw = Switch {
            runtime: runtime.clone(),
            binary: binary.map(std::path::Path::to_path_buf),
            ports,
            serving: Mutex::new(BTreeMap::new()),
        };
        let now = sw.observed().await?;
        *sw.serving.lock().await = now;
        Ok(Some(Arc::new(sw)))
    }

    /// Builds the proxy image and starts the proxy, as a deploy would (for library users that
    /// want it ready beforehand).
    pub async fn prepare(engine: &dyn tuxpilot_docker::Engine, binary: Option<&std::path::Path>) -> Result<()> {
        Proxy::new(engine).ensure(binary).await.map(|_| ())
    }

    fn manages(&self, service: &str) -> bool {
        self.ports.iter().any(|p| p.service == service)
    }

    /// The running replicas of every managed service, by address.
    async fn observed(&self) -> Result<BTreeMap<String, Vec<(String, IpAddr)>>> {
        let mut out: BTreeMap<String, Vec<(String, IpAddr)>> = BTreeMap::new();
        let services: std::collections::BTreeSet<&str> = self.ports.iter().map(|p| p.service.as_str()).collect();
        for s in services {
            let mut list = Vec::new();
            for c in self.runtime.service_containers(s).await? {
                if c.state != ContainerState::Running {
                    continue;
                }
                if let Some(ip) = self.address(s, &c.id).await? {
                    list.push((c.id.clone(), ip));
                }
            }
            out.insert(s.to_string(), list);
        }
        Ok(out)
    }

    /// The replica's address on the first of its service's networks it is on.
    async fn address(&self, service: &str, id: &str) -> Result<Option<IpAddr>> {
        let d = match self.runtime.engine().inspect_container(id).await {
            Ok(d) => d,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let project = self.runtime.project();
        let names: Vec<String> = project
            .services
            .get(service)
            .map(|s| {
                s.networks
                    .keys()
                    .map(|k| {
                        project
                            .networks
                            .get(k)
                            .and_then(|n| n.name.clone())
                            .unwrap_or_else(|| format!("{}_{k}", project.name))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ip = names
            .iter()
            .chain(d.networks.keys())
            .filter_map(|n| d.networks.get(n).and_then(|e| e.ip_address.clone()))
            .find_map(|ip| ip.parse().ok());
        Ok(ip)
    }

    /// Serves replica `id` of `service` from now on (it is ready).
    pub async fn serve(&self, service: &str, id: &str) -> Result<()> {
        if !self.manages(service) {
            return Ok(());
        }
        let Some(ip) = self.address(service, id).await? else {
            return Err(Error::Proxy(format!("replica {id} of {service} has no address on the app's networks")));
        };
        let mut serving = self.serving.lock().await;
        let list = serving.entry(service.to_string()).or_default();
        if !list.iter().any(|(i, _)| i == id) {
            list.push((id.to_string(), ip));
        }
        self.push(&serving).await.map(|_| ())
    }

    /// Stops serving replica `id` of `service`; returns once its connections and requests in
    /// flight finished (or were cut at the drain timeout).
    pub async fn retire(&self, service: &str, id: &str) -> Result<()> {
        if !self.manages(service) {
            return Ok(());
        }
        let mut serving = self.serving.lock().await;
        let Some(list) = serving.get_mut(service) else { return Ok(()) };
        let before = list.len();
        list.retain(|(i, _)| i != id);
        if list.len() == before {
            return Ok(());
        }
        let reply = self.push(&serving).await?;
        for (addr, n) in reply.cut {
            self.runtime.emit(
                "Proxy",
                service,
                "Drained",
                None,
                Some(format!("cut {n} connection(s) or request(s) to {addr} at the drain timeout")),
            );
        }
        Ok(())
    }

    /// Serves exactly the running replicas (after a deployment, a rollback or a scale).
    pub async fn sync(&self) -> Result<Reply> {
        let now = self.observed().await?;
        let mut serving = self.serving.lock().await;
        *serving = now;
        let reply = self.push(&serving).await?;
        for r in reply.routes.iter().filter(|r| r.route.app == self.runtime.project().name && !r.listening) {
            self.runtime.emit(
                "Proxy",
                &r.route.listen,
                "Waiting",
                None,
                Some(r.error.clone().unwrap_or_else(|| "not listening yet".into())),
            );
        }
        Ok(reply)
    }

    async fn push(&self, serving: &BTreeMap<String, Vec<(String, IpAddr)>>) -> Result<Reply> {
        let app = self.runtime.project().name.clone();
        let routes = self
            .ports
            .iter()
            .map(|p| {
                let drain = self
                    .runtime
                    .project()
                    .services
                    .get(&p.service)
                    .and_then(|s| s.stop_grace_period)
                    .map(|d| d.0)
                    .unwrap_or(DEFAULT_DRAIN);
                Route {
                    listen: p.listen.to_string(),
                    app: app.clone(),
                    service: p.service.clone(),
                    mode: p.mode,
                    backends: serving
                        .get(&p.service)
                        .map(|l| l.iter().map(|(_, ip)| SocketAddr::new(*ip, p.target).to_string()).collect())
                        .unwrap_or_default(),
                    drain_timeout_ms: u64::try_from(drain.as_millis()).unwrap_or(u64::MAX),
                }
            })
            .collect();
        let engine = self.runtime.engine().clone();
        let proxy = Proxy::new(engine.as_ref());
        let routes = AppRoutes { app, routes };
        match proxy.apply(&routes).await {
            // An undeploy of the last other app removed the proxy meanwhile: start it again.
            Err(Error::Engine(e)) if e.is_not_found() => {
                proxy.ready(self.binary.as_deref()).await?;
                proxy.apply(&routes).await
            }
            Err(Error::Proxy(m)) if m.contains("there is no proxy container") => {
                proxy.ready(self.binary.as_deref()).await?;
                proxy.apply(&routes).await
            }
            r => r,
        }
    }
}

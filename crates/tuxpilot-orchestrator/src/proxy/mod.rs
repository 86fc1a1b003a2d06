//! Managed host ports: TuxPilot's proxy container owns a service's fixed published TCP ports, so
//! replacing, adding or removing its replicas never leaves the port without a listener, and
//! several replicas share one port.
//!
//! - [`ports`] (pure) decides which ports are managed and moves them off the containers.
//! - [`image`] builds the proxy's image from the local `tuxpilot-proxy` binary: nothing is
//!   pulled.
//! - [`Proxy`] runs the one proxy container of an engine (host networking, `unless-stopped`,
//!   64 MiB, one CPU, no capabilities but binding low ports, **no Docker socket**) and hands it
//!   one app's routes at a time: a file copied onto its state volume with the engine's archive
//!   API, then `tuxpilot-proxy ctl apply APP` run with `docker exec`. The answer comes once the
//!   replicas the app no longer names have drained.
//! - [`switch::Switch`] is what a deployment, rollback or scale uses: serve a replica once it is
//!   ready, retire one (drained) before it is stopped.

pub mod image;
pub mod ports;
pub mod switch;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use tuxpilot_docker::{ContainerSpec, Engine, ExecSpec, LogStream, MountKind, MountSpec, RemoveOptions, RestartPolicy};
use tuxpilot_proxy::routes::{AppRoutes, INCOMING_DIR, Reply, RouteStatus, STATE_DIR};

use crate::error::{Error, Result};

pub use ports::{MODE_LABEL, ManagedPort, PORTS_LABEL};

/// The proxy container's name.
pub const CONTAINER: &str = "tuxpilot-proxy";
/// Its state volume (routes kept across restarts).
pub const VOLUME: &str = "tuxpilot-proxy-state";
/// The label on the proxy container and volume (TuxPilot's own: `prune` leaves them).
pub const LABEL: &str = "io.tuxpilot.proxy";
/// The memory limit of the proxy container.
pub const MEMORY: i64 = 64 << 20;

/// The engine's proxy.
pub struct Proxy<'a> {
    engine: &'a dyn Engine,
}

impl<'a> Proxy<'a> {
    /// The proxy of `engine`.
    pub fn new(engine: &'a dyn Engine) -> Self {
        Self { engine }
    }

    /// Builds the image if needed and makes sure the proxy container runs it and answers.
    /// `binary` is the `tuxpilot-proxy` program (default: [`image::find_binary`]). Returns a
    /// note when an older proxy was replaced.
    pub async fn ensure(&self, binary: Option<&Path>) -> Result<Option<String>> {
        let found;
        let binary = match binary {
            Some(b) => b,
            None => {
                found = image::find_binary()?;
                found.as_path()
            }
        };
        let image = image::ensure(self.engine, binary).await?;
        let mut note = None;
        match self.engine.inspect_container(CONTAINER).await {
            Ok(d) if d.image == image => {
                if !d.state.running {
                    self.engine.start_container(&d.id).await?;
                }
            }
            Ok(d) => {
                self.engine.remove_container(&d.id, RemoveOptions { force: true, ..Default::default() }).await?;
                self.create(&image).await?;
                note = Some(format!("replaced the proxy container with {image} (its routes are kept)"));
            }
            Err(e) if e.is_not_found() => self.create(&image).await?,
            Err(e) => return Err(e.into()),
        }
        self.wait_answering().await?;
        Ok(note)
    }

    /// Makes sure a proxy runs and answers; builds and starts one (with [`Proxy::ensure`]) only
    /// when there is none.
    pub async fn ready(&self, binary: Option<&Path>) -> Result<Option<String>> {
        match self.engine.inspect_container(CONTAINER).await {
            Ok(d) if d.state.running => self.wait_answering().await.map(|_| None),
            Ok(_) => {
                self.engine.start_container(CONTAINER).await?;
                self.wait_answering().await.map(|_| None)
            }
            Err(e) if e.is_not_found() => self.ensure(binary).await,
            Err(e) => Err(e.into()),
        }
    }

    async fn create(&self, image: &str) -> Result<()> {
        let spec = ContainerSpec {
            name: Some(CONTAINER.into()),
            image: image.into(),
            labels: BTreeMap::from([(LABEL.to_string(), "1".to_string())]),
            network_mode: Some("host".into()),
            restart_policy: Some(RestartPolicy::UnlessStopped),
            memory_limit: Some(MEMORY),
            nano_cpus: Some(1_000_000_000),
            pids_limit: Some(256),
            read_only_rootfs: true,
            cap_drop: vec!["ALL".into()],
            cap_add: vec!["NET_BIND_SERVICE".into()],
            security_opt: vec!["no-new-privileges".into()],
            mounts: vec![MountSpec {
                kind: MountKind::Volume,
                source: Some(VOLUME.into()),
                target: STATE_DIR.into(),
                read_only: false,
                no_copy: false,
                propagation: None,
                create_host_path: false,
                tmpfs_size: None,
            }],
            ..Default::default()
        };
        // Another tuxpilot may create it at the same moment: then it is there, which is the point.
        let id = match self.engine.create_container(spec).await {
            Ok(c) => c.id,
            Err(e) if e.is_conflict() => CONTAINER.to_string(),
            Err(e) => return Err(e.into()),
        };
        self.engine.start_container(&id).await?;
        Ok(())
    }

    async fn wait_answering(&self) -> Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            match self.ask(&["status"]).await {
                Ok(r) if r.ok => return Ok(()),
                Ok(r) if std::time::Instant::now() >= deadline => {
                    return Err(Error::Proxy(format!(
                        "the proxy container does not answer: {}; see `tuxpilot containers proxy logs`",
                        r.error.unwrap_or_default()
                    )));
                }
                Err(e) if std::time::Instant::now() >= deadline => return Err(e),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Runs `tuxpilot-proxy ctl ARGS` in the proxy container and reads its answer. A proxy
    /// restarting (after a crash) is waited for.
    async fn ask(&self, args: &[&str]) -> Result<Reply> {
        let mut command = vec![format!("/{}", image::BINARY), "ctl".to_string()];
        command.extend(args.iter().map(|a| a.to_string()));
        let spec = ExecSpec { command, ..Default::default() };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let out = loop {
            match self.engine.exec(CONTAINER, spec.clone()).await {
                Ok(o) => break o,
                Err(e) if e.is_not_found() => {
                    return Err(Error::Proxy(format!(
                        "there is no proxy container ({CONTAINER}) on this engine; a deploy creates it"
                    )));
                }
                Err(e) if std::time::Instant::now() < deadline && e.is_conflict() => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        let stdout: String =
            out.output.iter().filter(|c| c.stream == LogStream::Stdout).map(|c| c.message.as_str()).collect();
        serde_json::from_str(stdout.trim()).map_err(|e| {
            let stderr: String =
                out.output.iter().filter(|c| c.stream != LogStream::Stdout).map(|c| c.message.as_str()).collect();
            Error::Proxy(format!("the proxy's answer could not be read ({e}): {}", stderr.trim()))
        })
    }

    /// What the proxy serves now; `None` when the engine has no proxy container.
    pub async fn status(&self) -> Result<Option<Vec<RouteStatus>>> {
        match self.engine.inspect_container(CONTAINER).await {
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        let r = self.ask(&["status"]).await?;
        if !r.ok {
            return Err(Error::Proxy(r.error.unwrap_or_else(|| "the proxy refused".into())));
        }
        Ok(Some(r.routes))
    }

    /// Gives the proxy `routes` (they replace every route of that app) and returns once the
    /// replicas dropped from them have drained.
    pub async fn apply(&self, routes: &AppRoutes) -> Result<Reply> {
        routes.check().map_err(Error::Proxy)?;
        let body = serde_json::to_vec(routes).map_err(|e| Error::Proxy(e.to_string()))?;
        let mut tar = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        let name = format!("{INCOMING_DIR}/{}.json", routes.app);
        tar.append_data(&mut h, &name, body.as_slice()).map_err(|e| Error::Proxy(e.to_string()))?;
        let tar = tar.into_inner().map_err(|e| Error::Proxy(e.to_string()))?;
        self.engine.upload_archive(CONTAINER, STATE_DIR, Bytes::from(tar), false).await?;
        let r = self.ask(&["apply", &routes.app]).await?;
        if !r.ok {
            return Err(Error::Proxy(format!(
                "the proxy refused the routes of {}: {}",
                routes.app,
                r.error.unwrap_or_default()
            )));
        }
        Ok(r)
    }

    /// Removes the proxy container and its state when no route is left. True when removed.
    pub async fn remove_if_unused(&self) -> Result<bool> {
        match self.status().await? {
            Some(routes) if routes.is_empty() => {}
            _ => return Ok(false),
        }
        self.engine.remove_container(CONTAINER, RemoveOptions { force: true, ..Default::default() }).await?;
        match self.engine.remove_volume(VOLUME, false).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        Ok(true)
    }
}

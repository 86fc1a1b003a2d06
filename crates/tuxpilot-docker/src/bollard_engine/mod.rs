//! [`BollardEngine`]: the [`Engine`] over a real daemon, through bollard. Connecting is in
//! `connect.rs`, error mapping in `errors.rs`, conversions in `convert.rs` and `convert_swarm.rs`.

mod archive;
mod blueprint;
mod client;
mod connect;
mod convert;
mod convert_swarm;
mod errors;
mod exec;
mod images;
mod swarm;

pub use client::BollardEngine;
use errors::Ctx;

use std::time::Duration;

use bollard::query_parameters as qp;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::engine::{ByteStream, Engine};
use crate::error::{EngineError, ResourceKind, Result};
use crate::types::EngineStream;
use crate::types::*;

/// Parses one sample in the Engine API's stats JSON (`GET /containers/{id}/stats`), e.g. a
/// captured fixture or a line of `docker stats --format '{{json .}}'`-style raw output.
pub fn parse_stats_json(json: &str) -> Result<StatsSample> {
    let raw: bollard::models::ContainerStatsResponse = serde_json::from_str(json)
        .map_err(|e| EngineError::Protocol { operation: "parse stats".into(), message: e.to_string() })?;
    Ok(convert::stats_sample(raw))
}

fn secs(d: Option<Duration>) -> Option<i32> {
    d.map(|d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX))
}

/// One piece of bollard's log output in TuxPilot's terms (timestamps split off when asked for).
/// The query of a container's or a service's logs.
fn logs_options(options: &LogOptions) -> qp::LogsOptions {
    qp::LogsOptions {
        follow: options.follow,
        stdout: options.stdout,
        stderr: options.stderr,
        since: options.since.map(|t| i32::try_from(t.timestamp().max(0)).unwrap_or(i32::MAX)).unwrap_or(0),
        until: options.until.map(|t| i32::try_from(t.timestamp()).unwrap_or(i32::MAX)).unwrap_or(0),
        timestamps: options.timestamps,
        tail: options.tail.map(|n| n.to_string()).unwrap_or_else(|| "all".into()),
    }
}

impl BollardEngine {
    /// An attached process's output as raw chunks, errors mapped.
    fn output_stream(
        &self,
        output: std::pin::Pin<
            Box<
                dyn futures_util::Stream<
                        Item = std::result::Result<bollard::container::LogOutput, bollard::errors::Error>,
                    > + Send,
            >,
        >,
        operation: &'static str,
        id: &str,
    ) -> EngineStream<OutputChunk> {
        use bollard::container::LogOutput as L;
        let this = self.clone();
        let id = id.to_string();
        output
            .map(move |item| {
                item.map(|out| {
                    let (stream, data) = match out {
                        L::StdOut { message } => (LogStream::Stdout, message),
                        L::StdErr { message } => (LogStream::Stderr, message),
                        L::StdIn { message } => (LogStream::Stdin, message),
                        L::Console { message } => (LogStream::Console, message),
                    };
                    OutputChunk { stream, data }
                })
                .map_err(|e| this.map_err(e, &Ctx::new(operation, ResourceKind::Container, &id)))
            })
            .boxed()
    }
}

fn log_chunk(out: bollard::container::LogOutput, timestamps: bool) -> LogChunk {
    use bollard::container::LogOutput as L;
    let (stream, bytes) = match out {
        L::StdOut { message } => (LogStream::Stdout, message),
        L::StdErr { message } => (LogStream::Stderr, message),
        L::StdIn { message } => (LogStream::Stdin, message),
        L::Console { message } => (LogStream::Console, message),
    };
    let text = String::from_utf8_lossy(&bytes);
    let (timestamp, message) = if timestamps { split_timestamp(&text) } else { (None, &*text) };
    LogChunk { stream, timestamp, message: message.to_string() }
}

/// Splits a timestamp prefix (`2024-…Z message`) off a log line.
fn split_timestamp(text: &str) -> (Option<chrono::DateTime<chrono::Utc>>, &str) {
    if let Some((head, rest)) = text.split_once(' ')
        && let Ok(t) = chrono::DateTime::parse_from_rfc3339(head)
    {
        return (Some(t.with_timezone(&chrono::Utc)), rest);
    }
    (None, text)
}

#[async_trait::async_trait]
impl Engine for BollardEngine {
    async fn ping(&self) -> Result<()> {
        self.docker.ping().await.map(|_| ()).map_err(|e| self.map_err(e, &Ctx::new("ping", ResourceKind::Engine, "")))
    }

    async fn version(&self) -> Result<EngineVersion> {
        self.docker
            .version()
            .await
            .map(convert::engine_version)
            .map_err(|e| self.map_err(e, &Ctx::new("version", ResourceKind::Engine, "")))
    }

    async fn info(&self) -> Result<EngineInfo> {
        self.docker
            .info()
            .await
            .map(convert::engine_info)
            .map_err(|e| self.map_err(e, &Ctx::new("info", ResourceKind::Engine, "")))
    }

    fn events(&self, filter: EventFilter) -> EngineStream<EngineEvent> {
        let opts = qp::EventsOptions {
            since: filter.since.map(|s| s.to_string()),
            until: filter.until.map(|s| s.to_string()),
            filters: convert::filters(&filter.filters),
        };
        self.stream(self.docker.events(Some(opts)), ("events", ResourceKind::Engine, String::new()), |e| {
            Some(convert::engine_event(e))
        })
    }

    async fn list_containers(&self, options: ListContainersOptions) -> Result<Vec<ContainerSummary>> {
        let opts = qp::ListContainersOptions {
            all: options.all,
            filters: convert::filters(&options.filters),
            ..Default::default()
        };
        let list = self
            .docker
            .list_containers(Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list containers", ResourceKind::Container, "")))?;
        Ok(list.into_iter().map(convert::container_summary).collect())
    }

    async fn create_container(&self, spec: ContainerSpec) -> Result<CreatedContainer> {
        if spec.image.trim().is_empty() {
            return Err(EngineError::InvalidArgument { what: "image".into(), message: "an image is required".into() });
        }
        let name = spec.name.clone().unwrap_or_default();
        let ctx = Ctx::new("create container", ResourceKind::Container, &name);
        let body = convert::create_body(&spec);
        let opts = qp::CreateContainerOptions { name: spec.name.clone(), ..Default::default() };
        let created =
            self.docker.create_container(Some(opts), body).await.map_err(|e| match self.map_err(e, &ctx) {
                // A 404 on create is about the image, not the container.
                EngineError::NotFound { message, .. } if message.contains("image") => {
                    EngineError::NotFound { kind: ResourceKind::Image, name: spec.image.clone(), message }
                }
                other => other,
            })?;
        // The first network joined at create; API 1.41 takes only one there.
        for extra in spec.networks.iter().skip(1) {
            if let Err(e) = self.connect_network(&created.id, extra.clone()).await {
                // Leave nothing half-made behind.
                let _ = self.remove_container(&created.id, RemoveOptions { force: true, volumes: true }).await;
                return Err(e);
            }
        }
        Ok(CreatedContainer { id: created.id, warnings: created.warnings })
    }

    async fn start_container(&self, id: &str) -> Result<()> {
        self.docker
            .start_container(id, None::<qp::StartContainerOptions>)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("start container", ResourceKind::Container, id)))
    }

    async fn stop_container(&self, id: &str, timeout: Option<Duration>) -> Result<()> {
        let opts = qp::StopContainerOptions { t: secs(timeout), signal: None };
        self.with_extra_timeout(timeout.unwrap_or(Duration::from_secs(10)))
            .stop_container(id, Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("stop container", ResourceKind::Container, id)))
    }

    async fn restart_container(&self, id: &str, timeout: Option<Duration>) -> Result<()> {
        let opts = qp::RestartContainerOptions { t: secs(timeout), signal: None };
        self.with_extra_timeout(timeout.unwrap_or(Duration::from_secs(10)))
            .restart_container(id, Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("restart container", ResourceKind::Container, id)))
    }

    async fn kill_container(&self, id: &str, signal: Option<String>) -> Result<()> {
        let opts = qp::KillContainerOptions { signal: signal.unwrap_or_else(|| "SIGKILL".into()) };
        self.docker
            .kill_container(id, Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("kill container", ResourceKind::Container, id)))
    }

    async fn remove_container(&self, id: &str, options: RemoveOptions) -> Result<()> {
        let opts = qp::RemoveContainerOptions { force: options.force, v: options.volumes, link: false };
        let removed = self
            .with_extra_timeout(Duration::from_secs(10))
            .remove_container(id, Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("remove container", ResourceKind::Container, id)));
        match removed {
            // Another client (an interrupted earlier run, say) is removing it already: the
            // removal asked for is under way, so wait for it to end instead of failing.
            Err(EngineError::Conflict { message, .. }) if message.contains("already in progress") => {
                let deadline = std::time::Instant::now() + Duration::from_secs(30);
                loop {
                    match self.inspect_container(id).await {
                        Err(e) if e.is_not_found() => return Ok(()),
                        _ if std::time::Instant::now() >= deadline => {
                            return Err(EngineError::Conflict {
                                kind: ResourceKind::Container,
                                name: id.to_string(),
                                message,
                            });
                        }
                        _ => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
            }
            other => other,
        }
    }

    async fn container_size(&self, id: &str) -> Result<i64> {
        self.docker
            .inspect_container(id, Some(qp::InspectContainerOptions { size: true }))
            .await
            .map(|c| c.size_rw.unwrap_or(0))
            .map_err(|e| self.map_err(e, &Ctx::new("inspect container", ResourceKind::Container, id)))
    }

    async fn inspect_container(&self, id: &str) -> Result<ContainerDetails> {
        self.docker
            .inspect_container(id, None::<qp::InspectContainerOptions>)
            .await
            .map(convert::container_details)
            .map_err(|e| self.map_err(e, &Ctx::new("inspect container", ResourceKind::Container, id)))
    }

    async fn container_blueprint(&self, id: &str) -> Result<ContainerBlueprint> {
        let ctx = Ctx::new("inspect container", ResourceKind::Container, id);
        blueprint::read(&self.docker, id).await.map_err(|e| self.blueprint_err(e, &ctx))
    }

    async fn create_from_blueprint(&self, name: &str, blueprint: &ContainerBlueprint) -> Result<CreatedContainer> {
        let ctx = Ctx::new("create container", ResourceKind::Container, name);
        blueprint::create(&self.docker, name, blueprint).await.map_err(|e| self.blueprint_err(e, &ctx))
    }

    fn logs(&self, id: &str, options: LogOptions) -> EngineStream<LogChunk> {
        let opts = logs_options(&options);
        let timestamps = options.timestamps;
        self.stream(self.docker.logs(id, Some(opts)), ("logs", ResourceKind::Container, id.to_string()), move |out| {
            Some(log_chunk(out, timestamps))
        })
    }

    async fn wait_container(&self, id: &str) -> Result<ExitStatus> {
        let mut stream = self.docker.wait_container(id, None::<qp::WaitContainerOptions>);
        match stream.next().await {
            Some(Ok(r)) => Ok(ExitStatus { code: r.status_code, error: r.error.and_then(|e| e.message) }),
            // bollard reports a non-zero exit as an error; it is an outcome, not a failure.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { error, code })) => {
                Ok(ExitStatus { code, error: (!error.is_empty()).then_some(error) })
            }
            Some(Err(e)) => Err(self.map_err(e, &Ctx::new("wait for container", ResourceKind::Container, id))),
            None => Err(EngineError::Protocol {
                operation: "wait for container".into(),
                message: "the daemon closed the wait without an exit status".into(),
            }),
        }
    }

    fn stats(&self, id: &str) -> EngineStream<StatsSample> {
        let opts = qp::StatsOptions { stream: true, one_shot: false };
        self.stream(self.docker.stats(id, Some(opts)), ("stats", ResourceKind::Container, id.to_string()), |s| {
            Some(convert::stats_sample(s))
        })
    }

    async fn stats_once(&self, id: &str) -> Result<StatsSample> {
        let opts = qp::StatsOptions { stream: false, one_shot: false };
        let mut stream = self.docker.stats(id, Some(opts));
        match stream.next().await {
            Some(Ok(s)) => Ok(convert::stats_sample(s)),
            Some(Err(e)) => Err(self.map_err(e, &Ctx::new("stats", ResourceKind::Container, id))),
            None => Err(EngineError::Protocol { operation: "stats".into(), message: "no sample returned".into() }),
        }
    }

    async fn top(&self, id: &str) -> Result<ProcessList> {
        let r = self
            .docker
            .top_processes(id, None::<qp::TopOptions>)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("top", ResourceKind::Container, id)))?;
        Ok(ProcessList { titles: r.titles.unwrap_or_default(), processes: r.processes.unwrap_or_default() })
    }

    async fn update_container(&self, id: &str, update: ResourceUpdate) -> Result<()> {
        self.docker
            .update_container(id, convert::update_body(&update))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("update container", ResourceKind::Container, id)))
    }

    async fn rename_container(&self, id: &str, new_name: &str) -> Result<()> {
        let opts = qp::RenameContainerOptions { name: new_name.to_string() };
        self.docker
            .rename_container(id, opts)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("rename container", ResourceKind::Container, id)))
    }

    async fn pause_container(&self, id: &str) -> Result<()> {
        self.docker
            .pause_container(id)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("pause container", ResourceKind::Container, id)))
    }

    async fn unpause_container(&self, id: &str) -> Result<()> {
        self.docker
            .unpause_container(id)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("unpause container", ResourceKind::Container, id)))
    }

    async fn stat_path(&self, id: &str, path: &str) -> Result<PathStat> {
        self.archive_stat(id, path).await
    }

    fn download_archive(&self, id: &str, path: &str) -> EngineStream<Bytes> {
        self.archive_download(id, path)
    }

    async fn upload_archive(&self, id: &str, path: &str, tar: Bytes, copy_uid_gid: bool) -> Result<()> {
        self.archive_upload(id, path, tar, copy_uid_gid).await
    }

    async fn exec(&self, id: &str, spec: ExecSpec) -> Result<ExecOutput> {
        self.do_exec(id, spec).await
    }

    async fn exec_attached(&self, id: &str, spec: ExecSpec) -> Result<(String, AttachedSession)> {
        self.do_exec_attached(id, spec).await
    }

    async fn exec_detached(&self, id: &str, spec: ExecSpec) -> Result<String> {
        self.do_exec_detached(id, spec).await
    }

    async fn resize_exec(&self, exec_id: &str, rows: u16, cols: u16) -> Result<()> {
        self.do_resize_exec(exec_id, rows, cols).await
    }

    async fn exec_exit_code(&self, exec_id: &str) -> Result<Option<i64>> {
        self.do_exec_exit_code(exec_id).await
    }

    async fn attach_container(&self, id: &str) -> Result<AttachedSession> {
        let ctx = Ctx::new("attach", ResourceKind::Container, id);
        let opts = bollard::query_parameters::AttachContainerOptions {
            stream: true,
            stdin: true,
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        let r = self.docker.attach_container(id, Some(opts)).await.map_err(|e| self.map_err(e, &ctx))?;
        Ok(AttachedSession { output: self.output_stream(r.output, "attach", id), input: r.input })
    }

    async fn resize_container(&self, id: &str, rows: u16, cols: u16) -> Result<()> {
        let ctx = Ctx::new("resize", ResourceKind::Container, id);
        let opts = bollard::query_parameters::ResizeContainerTTYOptions { h: i32::from(rows), w: i32::from(cols) };
        self.docker.resize_container_tty(id, opts).await.map_err(|e| self.map_err(e, &ctx))
    }

    async fn build_image(&self, spec: BuildSpec, context: Bytes) -> Result<BuiltImage> {
        self.do_build_image(spec, context).await
    }

    async fn list_images(&self, all: bool) -> Result<Vec<ImageSummary>> {
        let opts = qp::ListImagesOptions { all, ..Default::default() };
        let list = self
            .docker
            .list_images(Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list images", ResourceKind::Image, "")))?;
        Ok(list.into_iter().map(convert::image_summary).collect())
    }

    async fn inspect_image(&self, reference: &str) -> Result<ImageDetails> {
        self.docker
            .inspect_image(reference)
            .await
            .map(convert::image_details)
            .map_err(|e| self.map_err(e, &Ctx::new("inspect image", ResourceKind::Image, reference)))
    }

    async fn image_history(&self, reference: &str) -> Result<Vec<ImageHistoryEntry>> {
        let h = self
            .docker
            .image_history(reference)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("image history", ResourceKind::Image, reference)))?;
        Ok(h.into_iter().map(convert::history_entry).collect())
    }

    async fn remove_image(&self, reference: &str, force: bool) -> Result<Vec<String>> {
        let opts = qp::RemoveImageOptions { force, noprune: false, platforms: None };
        let items = self
            .docker
            .remove_image(reference, Some(opts), None)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("remove image", ResourceKind::Image, reference)))?;
        Ok(items.into_iter().filter_map(|i| i.deleted.or(i.untagged)).collect())
    }

    fn pull_image(&self, reference: &str) -> EngineStream<PullProgress> {
        self.pull_image_as(reference, None)
    }

    fn pull_image_as(&self, reference: &str, credentials: Option<RegistryCredentials>) -> EngineStream<PullProgress> {
        self.do_pull_image_as(reference, credentials)
    }

    async fn import_image(&self, spec: ImportSpec, tar: ByteStream) -> Result<String> {
        self.do_import_image(spec, tar).await
    }

    async fn tag_image(&self, reference: &str, repo: &str, tag: &str) -> Result<()> {
        let opts = qp::TagImageOptions { repo: Some(repo.to_string()), tag: Some(tag.to_string()) };
        self.docker
            .tag_image(reference, Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("tag image", ResourceKind::Image, reference)))
    }

    fn export_image(&self, reference: &str) -> EngineStream<Bytes> {
        self.stream(
            self.docker.export_image(reference),
            ("export image", ResourceKind::Image, reference.to_string()),
            Some,
        )
    }

    async fn create_network(&self, spec: NetworkSpec) -> Result<String> {
        let r = self
            .docker
            .create_network(convert::network_spec_to(&spec))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("create network", ResourceKind::Network, &spec.name)))?;
        Ok(r.id)
    }

    async fn list_networks(&self, filters: Filters) -> Result<Vec<NetworkInfo>> {
        let opts = qp::ListNetworksOptions { filters: convert::filters(&filters) };
        let list = self
            .docker
            .list_networks(Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list networks", ResourceKind::Network, "")))?;
        Ok(list.into_iter().map(convert::network_info).collect())
    }

    async fn inspect_network(&self, id: &str) -> Result<NetworkInfo> {
        self.docker
            .inspect_network(id, None::<qp::InspectNetworkOptions>)
            .await
            .map(convert::network_inspect)
            .map_err(|e| self.map_err(e, &Ctx::new("inspect network", ResourceKind::Network, id)))
    }

    async fn remove_network(&self, id: &str) -> Result<()> {
        self.docker
            .remove_network(id)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("remove network", ResourceKind::Network, id)))
    }

    async fn connect_network(&self, container: &str, attachment: NetworkAttachment) -> Result<()> {
        let req = bollard::models::NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(convert::endpoint_settings(&attachment)),
        };
        self.docker
            .connect_network(&attachment.network, req)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("connect network", ResourceKind::Network, &attachment.network)))
    }

    async fn disconnect_network(&self, network: &str, container: &str, force: bool) -> Result<()> {
        let req = bollard::models::NetworkDisconnectRequest { container: container.to_string(), force: Some(force) };
        self.docker
            .disconnect_network(network, req)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("disconnect network", ResourceKind::Network, network)))
    }

    async fn create_volume(&self, spec: VolumeSpec) -> Result<VolumeInfo> {
        let name = spec.name.clone().unwrap_or_default();
        let req = bollard::models::VolumeCreateRequest {
            name: spec.name.clone(),
            driver: spec.driver.clone(),
            driver_opts: (!spec.driver_opts.is_empty()).then(|| spec.driver_opts.clone().into_iter().collect()),
            labels: (!spec.labels.is_empty()).then(|| spec.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker
            .create_volume(req)
            .await
            .map(convert::volume_info)
            .map_err(|e| self.map_err(e, &Ctx::new("create volume", ResourceKind::Volume, &name)))
    }

    async fn list_volumes(&self, filters: Filters) -> Result<Vec<VolumeInfo>> {
        let opts = qp::ListVolumesOptions { filters: convert::filters(&filters) };
        let r = self
            .docker
            .list_volumes(Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list volumes", ResourceKind::Volume, "")))?;
        Ok(r.volumes.unwrap_or_default().into_iter().map(convert::volume_info).collect())
    }

    async fn inspect_volume(&self, name: &str) -> Result<VolumeInfo> {
        self.docker
            .inspect_volume(name)
            .await
            .map(convert::volume_info)
            .map_err(|e| self.map_err(e, &Ctx::new("inspect volume", ResourceKind::Volume, name)))
    }

    async fn remove_volume(&self, name: &str, force: bool) -> Result<()> {
        let opts = qp::RemoveVolumeOptions { force };
        self.docker
            .remove_volume(name, Some(opts))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("remove volume", ResourceKind::Volume, name)))
    }
}

#[cfg(test)]
mod tests;

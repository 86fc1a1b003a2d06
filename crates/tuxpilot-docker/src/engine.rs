//! The `Engine` trait: everything TuxPilot asks of a Docker Engine.

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;

use crate::error::Result;
use crate::types::*;

/// A stream of bytes sent to the engine (an image tar for import).
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// A Docker Engine, in TuxPilot's own types.
///
/// [`crate::BollardEngine`] talks to a real daemon; `MockEngine` (feature `mock`) is generated
/// by mockall for tests. Every method is cancel-safe at its `.await`: dropping the future drops
/// the request.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    // ---- system ----

    /// Checks that the daemon answers.
    async fn ping(&self) -> Result<()>;
    /// The server's version.
    async fn version(&self) -> Result<EngineVersion>;
    /// Engine-wide information.
    async fn info(&self) -> Result<EngineInfo>;
    /// The engine's events, as they happen (the stream does not end unless `until` is set).
    fn events(&self, filter: EventFilter) -> EngineStream<EngineEvent>;

    // ---- containers ----

    /// Lists containers.
    async fn list_containers(&self, options: ListContainersOptions) -> Result<Vec<ContainerSummary>>;
    /// Creates a container (and joins it to every network in [`ContainerSpec::networks`]).
    async fn create_container(&self, spec: ContainerSpec) -> Result<CreatedContainer>;
    /// Starts a container; starting a running one is not an error.
    async fn start_container(&self, id: &str) -> Result<()>;
    /// Stops a container, killing it after `timeout` (the container's own default when `None`).
    async fn stop_container(&self, id: &str, timeout: Option<Duration>) -> Result<()>;
    /// Restarts a container.
    async fn restart_container(&self, id: &str, timeout: Option<Duration>) -> Result<()>;
    /// Sends a signal (`SIGKILL` when `None`).
    async fn kill_container(&self, id: &str, signal: Option<String>) -> Result<()>;
    /// Removes a container.
    async fn remove_container(&self, id: &str, options: RemoveOptions) -> Result<()>;
    /// Inspects a container.
    async fn inspect_container(&self, id: &str) -> Result<ContainerDetails>;
    /// A container's whole configuration as the API spells it, for recreating it.
    async fn container_blueprint(&self, id: &str) -> Result<ContainerBlueprint>;
    /// Creates a container named `name` from a blueprint, on every network of it with its
    /// endpoint settings. A network that cannot be joined removes the container again.
    async fn create_from_blueprint(&self, name: &str, blueprint: &ContainerBlueprint) -> Result<CreatedContainer>;
    /// Size of the container's writable layer in bytes (the engine computes it; slow on large
    /// layers, so ask sparingly).
    async fn container_size(&self, id: &str) -> Result<i64>;
    /// Reads a container's logs, stdout and stderr kept apart.
    fn logs(&self, id: &str, options: LogOptions) -> EngineStream<LogChunk>;
    /// Waits until the container is not running and returns how it ended.
    async fn wait_container(&self, id: &str) -> Result<ExitStatus>;
    /// Resource samples, about one a second, until the container stops.
    fn stats(&self, id: &str) -> EngineStream<StatsSample>;
    /// One sample with `precpu` filled in (takes about a second on the engine's side).
    async fn stats_once(&self, id: &str) -> Result<StatsSample>;
    /// Processes running in the container.
    async fn top(&self, id: &str) -> Result<ProcessList>;
    /// Changes resource limits of an existing container.
    async fn update_container(&self, id: &str, update: ResourceUpdate) -> Result<()>;
    /// Renames a container.
    async fn rename_container(&self, id: &str, new_name: &str) -> Result<()>;
    /// Freezes every process of a running container (`docker pause`).
    async fn pause_container(&self, id: &str) -> Result<()>;
    /// Thaws a paused container (`docker unpause`).
    async fn unpause_container(&self, id: &str) -> Result<()>;
    /// What is at `path` in the container's filesystem (`HEAD /containers/{id}/archive`).
    async fn stat_path(&self, id: &str, path: &str) -> Result<PathStat>;
    /// A tar archive of `path` in the container's filesystem, its top entry named as the path's
    /// last component (`docker cp CONTAINER:PATH`, the API's `GET /containers/{id}/archive`).
    fn download_archive(&self, id: &str, path: &str) -> EngineStream<Bytes>;
    /// Extracts a tar archive into the container's filesystem at `path` (`docker cp`, the API's
    /// `PUT /containers/{id}/archive`); with `copy_uid_gid`, the archive's owners are kept.
    async fn upload_archive(&self, id: &str, path: &str, tar: Bytes, copy_uid_gid: bool) -> Result<()>;
    /// Runs a command in a running container and returns its exit code and output.
    async fn exec(&self, id: &str, spec: ExecSpec) -> Result<ExecOutput>;
    /// Starts a command in a running container attached to its stdin (`docker exec -i`, with
    /// `spec.tty` for `-t`); returns the exec's id and the session. The exit code comes from
    /// [`Engine::exec_exit_code`] once the output has ended.
    async fn exec_attached(&self, id: &str, spec: ExecSpec) -> Result<(String, AttachedSession)>;
    /// Starts a command in a running container and returns at once, leaving it to run
    /// (`docker exec -d`); returns the exec's id, whose exit code [`Engine::exec_exit_code`]
    /// gives once it has ended.
    async fn exec_detached(&self, id: &str, spec: ExecSpec) -> Result<String>;
    /// Resizes an exec's TTY.
    async fn resize_exec(&self, exec_id: &str, rows: u16, cols: u16) -> Result<()>;
    /// An exec's exit code (`None` while it runs).
    async fn exec_exit_code(&self, exec_id: &str) -> Result<Option<i64>>;
    /// Attaches to a container's stdin, stdout and stderr (`docker attach`); attach before
    /// starting it to miss nothing.
    async fn attach_container(&self, id: &str) -> Result<AttachedSession>;
    /// Resizes a container's TTY.
    async fn resize_container(&self, id: &str, rows: u16, cols: u16) -> Result<()>;

    // ---- images ----

    /// Lists images (`all` includes intermediate layers).
    async fn list_images(&self, all: bool) -> Result<Vec<ImageSummary>>;
    /// Inspects an image.
    async fn inspect_image(&self, reference: &str) -> Result<ImageDetails>;
    /// The image's layer history, newest first.
    async fn image_history(&self, reference: &str) -> Result<Vec<ImageHistoryEntry>>;
    /// Removes an image; returns the ids and tags removed.
    async fn remove_image(&self, reference: &str, force: bool) -> Result<Vec<String>>;
    /// Pulls an image, reporting progress; errors from the registry end the stream with `Err`.
    fn pull_image(&self, reference: &str) -> EngineStream<PullProgress>;
    /// Pulls an image with these registry credentials (`X-Registry-Auth`).
    fn pull_image_as(&self, reference: &str, credentials: Option<RegistryCredentials>) -> EngineStream<PullProgress>;
    /// Imports a root filesystem tar (`docker import`); returns the new image id.
    async fn import_image(&self, spec: ImportSpec, tar: ByteStream) -> Result<String>;
    /// Tags an image as `repo:tag`.
    async fn tag_image(&self, reference: &str, repo: &str, tag: &str) -> Result<()>;
    /// Builds an image from a context tar (classic builder); fails with the builder's message.
    async fn build_image(&self, spec: BuildSpec, context: Bytes) -> Result<BuiltImage>;
    /// Exports an image as a `docker save` tar stream.
    fn export_image(&self, reference: &str) -> EngineStream<Bytes>;

    // ---- networks ----

    /// Creates a network; returns its id.
    async fn create_network(&self, spec: NetworkSpec) -> Result<String>;
    /// Lists networks.
    async fn list_networks(&self, filters: Filters) -> Result<Vec<NetworkInfo>>;
    /// Inspects a network.
    async fn inspect_network(&self, id: &str) -> Result<NetworkInfo>;
    /// Removes a network.
    async fn remove_network(&self, id: &str) -> Result<()>;
    /// Connects a container to the network named in `attachment`.
    async fn connect_network(&self, container: &str, attachment: NetworkAttachment) -> Result<()>;
    /// Disconnects a container from a network.
    async fn disconnect_network(&self, network: &str, container: &str, force: bool) -> Result<()>;

    // ---- volumes ----

    /// Creates a volume.
    async fn create_volume(&self, spec: VolumeSpec) -> Result<VolumeInfo>;
    /// Lists volumes.
    async fn list_volumes(&self, filters: Filters) -> Result<Vec<VolumeInfo>>;
    /// Inspects a volume.
    async fn inspect_volume(&self, name: &str) -> Result<VolumeInfo>;
    /// Removes a volume.
    async fn remove_volume(&self, name: &str, force: bool) -> Result<()>;
}

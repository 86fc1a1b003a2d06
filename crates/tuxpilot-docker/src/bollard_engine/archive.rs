//! Files in and out of containers (`docker cp`, compose `watch`): the engine's archive API.

use bollard::query_parameters as qp;
use bytes::Bytes;

use super::BollardEngine;
use super::errors::Ctx;
use crate::error::{EngineError, ResourceKind, Result};
use crate::types::{EngineStream, PathStat};

impl BollardEngine {
    /// `HEAD /containers/{id}/archive?path=…`.
    pub(super) async fn archive_stat(&self, id: &str, path: &str) -> Result<PathStat> {
        let opts = qp::ContainerArchiveInfoOptions { path: path.to_string() };
        let what = format!("{id}:{path}");
        let r = match self.docker.get_container_archive_info(id, Some(opts)).await {
            Ok(r) => r,
            // A HEAD answer has no body to say which is missing, the container or the path.
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, message }) => {
                let message = if message.trim().is_empty() {
                    format!("no such file or directory in container {id}: {path}")
                } else {
                    message
                };
                return Err(EngineError::NotFound { kind: ResourceKind::Container, name: what, message });
            }
            Err(e) => return Err(self.map_err(e, &Ctx::new("stat path", ResourceKind::Container, &what))),
        };
        // Go's os.FileMode: the directory bit is the top one.
        Ok(PathStat { name: r.name, size: r.size, is_dir: r.file_mode & (1 << 31) != 0, link_target: r.link_target })
    }

    /// `GET /containers/{id}/archive?path=…`, streamed.
    pub(super) fn archive_download(&self, id: &str, path: &str) -> EngineStream<Bytes> {
        let opts = qp::DownloadFromContainerOptions { path: path.to_string() };
        self.stream(
            self.docker.download_from_container(id, Some(opts)),
            ("copy files from container", ResourceKind::Container, format!("{id}:{path}")),
            Some,
        )
    }

    /// `PUT /containers/{id}/archive?path=…`.
    pub(super) async fn archive_upload(&self, id: &str, path: &str, tar: Bytes, copy_uid_gid: bool) -> Result<()> {
        let opts = qp::UploadToContainerOptions {
            path: path.to_string(),
            copy_uidgid: copy_uid_gid.then(|| "true".to_string()),
            ..Default::default()
        };
        self.docker
            .upload_to_container(id, Some(opts), bollard::body_full(tar))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("copy files into container", ResourceKind::Container, id)))
    }
}

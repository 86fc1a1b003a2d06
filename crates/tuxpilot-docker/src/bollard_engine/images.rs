//! Images through the engine: builds (with the failing step's output), pulls with credentials, imports.

use std::time::Duration;

use bollard::query_parameters as qp;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};

use super::BollardEngine;
use super::errors::Ctx;
use crate::engine::{ByteStream, Engine};
use crate::error::{EngineError, ResourceKind, Result};
use crate::types::*;

impl BollardEngine {
    /// The engine's `build_image`.
    pub(super) async fn do_build_image(&self, spec: BuildSpec, context: Bytes) -> Result<BuiltImage> {
        let opts = qp::BuildImageOptions {
            dockerfile: spec.dockerfile.clone(),
            t: Some(spec.tag.clone()),
            nocache: spec.no_cache,
            pull: spec.pull.then(|| "1".to_string()),
            rm: true,
            forcerm: true,
            buildargs: (!spec.args.is_empty()).then(|| spec.args.clone().into_iter().collect()),
            labels: (!spec.labels.is_empty()).then(|| spec.labels.clone().into_iter().collect()),
            target: spec.target.clone().unwrap_or_default(),
            ..Default::default()
        };
        let ctx = Ctx::new("build image", ResourceKind::Image, &spec.tag);
        let docker = self.with_extra_timeout(Duration::from_secs(3600));
        let mut stream = docker.build_image(opts, None, Some(bollard::body_full(context)));
        let mut output = Vec::new();
        let mut id = None;
        while let Some(item) = stream.next().await {
            // The failing step's own output says why; the builder's message only that it failed.
            let with_step = |message: String| {
                let step = output.iter().rposition(|l: &String| l.starts_with("Step ")).unwrap_or(0);
                let lines = &output[step..];
                let lines = &lines[lines.len().saturating_sub(40)..];
                if lines.is_empty() {
                    message
                } else {
                    format!("{message}\n{}", lines.iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n"))
                }
            };
            let info = match item {
                Ok(info) => info,
                Err(e) => {
                    return Err(match self.map_err(e, &ctx) {
                        EngineError::Daemon { operation, status, message } => {
                            EngineError::Daemon { operation, status, message: with_step(message) }
                        }
                        other => other,
                    });
                }
            };
            if let Some(message) = info.error_detail.and_then(|d| d.message) {
                let message = with_step(message);
                return Err(EngineError::Daemon { operation: format!("build {}", spec.tag), status: None, message });
            }
            if let Some(line) = info.stream {
                output.extend(line.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
            }
            if let Some(aux_id) = info.aux.and_then(|a| a.id) {
                id = Some(aux_id);
            }
        }
        let id = match id {
            Some(id) => id,
            None => self.inspect_image(&spec.tag).await?.id,
        };
        Ok(BuiltImage { id, output })
    }

    /// The engine's `pull_image_as`.
    pub(super) fn do_pull_image_as(
        &self,
        reference: &str,
        credentials: Option<RegistryCredentials>,
    ) -> EngineStream<PullProgress> {
        let (from_image, tag) = split_reference(reference);
        let opts = qp::CreateImageOptions { from_image: Some(from_image), tag, ..Default::default() };
        let reference = reference.to_string();
        let this = self.clone();
        let credentials = credentials.map(|c| bollard::auth::DockerCredentials {
            username: (!c.username.is_empty()).then_some(c.username),
            password: (!c.password.is_empty()).then_some(c.password),
            serveraddress: Some(c.server),
            identitytoken: c.identity_token,
            ..Default::default()
        });
        let inner = self.docker.create_image(Some(opts), None, credentials);
        inner
            .map(move |item| match item {
                Ok(info) => match info.error_detail.and_then(|d| d.message) {
                    Some(message) => {
                        Err(EngineError::Daemon { operation: format!("pull {reference}"), status: None, message })
                    }
                    None => Ok(PullProgress {
                        id: info.id,
                        status: info.status.unwrap_or_default(),
                        current: info.progress_detail.as_ref().and_then(|p| p.current),
                        total: info.progress_detail.as_ref().and_then(|p| p.total),
                    }),
                },
                Err(e) => Err(this.map_err(e, &Ctx::new("pull image", ResourceKind::Image, &reference))),
            })
            .boxed()
    }

    /// The engine's `import_image`.
    pub(super) async fn do_import_image(&self, spec: ImportSpec, tar: ByteStream) -> Result<String> {
        let opts = qp::CreateImageOptions {
            from_src: Some("-".into()),
            repo: Some(spec.repo.clone()),
            tag: Some(spec.tag.clone().unwrap_or_else(|| "latest".into())),
            changes: spec.changes.clone(),
            message: spec.message.clone(),
            ..Default::default()
        };
        let body = bollard::body_try_stream(tar);
        let ctx = Ctx::new("import image", ResourceKind::Image, &spec.repo);
        let results: Vec<_> = self
            .with_extra_timeout(Duration::from_secs(600))
            .create_image(Some(opts), Some(body), None)
            .try_collect()
            .await
            .map_err(|e| self.map_err(e, &ctx))?;
        if let Some(message) = results.iter().find_map(|r| r.error_detail.as_ref().and_then(|d| d.message.clone())) {
            return Err(EngineError::Daemon { operation: "import image".into(), status: None, message });
        }
        results
            .iter()
            .rev()
            .find_map(|r| r.status.as_deref().filter(|s| s.starts_with("sha256:")).map(str::to_string))
            .ok_or_else(|| EngineError::Protocol {
                operation: "import image".into(),
                message: "the daemon did not report the new image id".into(),
            })
    }
}

/// Splits `name[:tag]` / `name@digest` into what `POST /images/create` wants.
fn split_reference(reference: &str) -> (String, Option<String>) {
    if reference.contains('@') {
        return (reference.to_string(), None);
    }
    let last_segment_start = reference.rfind('/').map(|i| i + 1).unwrap_or(0);
    match reference[last_segment_start..].rfind(':') {
        Some(i) => {
            let at = last_segment_start + i;
            (reference[..at].to_string(), Some(reference[at + 1..].to_string()))
        }
        None => (reference.to_string(), Some("latest".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_like_the_docker_cli() {
        assert_eq!(split_reference("busybox"), ("busybox".into(), Some("latest".into())));
        assert_eq!(split_reference("busybox:1.36"), ("busybox".into(), Some("1.36".into())));
        assert_eq!(split_reference("localhost:5000/app"), ("localhost:5000/app".into(), Some("latest".into())));
        assert_eq!(split_reference("localhost:5000/app:v2"), ("localhost:5000/app".into(), Some("v2".into())));
        assert_eq!(split_reference("app@sha256:abc"), ("app@sha256:abc".into(), None));
    }
}

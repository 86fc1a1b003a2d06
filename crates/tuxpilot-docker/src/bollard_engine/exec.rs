//! Commands in running containers (`docker exec`): run to the end, attached, or detached.

use futures_util::StreamExt;

use super::BollardEngine;
use super::errors::Ctx;
use super::log_chunk;
use crate::error::{EngineError, ResourceKind, Result};
use crate::types::*;

impl BollardEngine {
    /// The engine's `exec`.
    pub(super) async fn do_exec(&self, id: &str, spec: ExecSpec) -> Result<ExecOutput> {
        use bollard::exec::StartExecResults;
        let ctx = Ctx::new("exec", ResourceKind::Container, id);
        let created =
            self.docker.create_exec(id, exec_options(&spec, false)).await.map_err(|e| self.map_err(e, &ctx))?;
        let mut output = Vec::new();
        match self.docker.start_exec(&created.id, None).await.map_err(|e| self.map_err(e, &ctx))? {
            StartExecResults::Attached { output: mut stream, .. } => {
                while let Some(item) = stream.next().await {
                    output.push(log_chunk(item.map_err(|e| self.map_err(e, &ctx))?, false));
                }
            }
            StartExecResults::Detached => {}
        }
        let inspect = self.docker.inspect_exec(&created.id).await.map_err(|e| self.map_err(e, &ctx))?;
        Ok(ExecOutput { exit_code: inspect.exit_code.unwrap_or(0), output })
    }

    /// The engine's `exec_attached`.
    pub(super) async fn do_exec_attached(&self, id: &str, spec: ExecSpec) -> Result<(String, AttachedSession)> {
        use bollard::exec::{StartExecOptions, StartExecResults};
        let ctx = Ctx::new("exec", ResourceKind::Container, id);
        let created =
            self.docker.create_exec(id, exec_options(&spec, true)).await.map_err(|e| self.map_err(e, &ctx))?;
        let started = self
            .docker
            .start_exec(&created.id, Some(StartExecOptions { detach: false, tty: spec.tty, output_capacity: None }))
            .await
            .map_err(|e| self.map_err(e, &ctx))?;
        match started {
            StartExecResults::Attached { output, input } => {
                Ok((created.id, AttachedSession { output: self.output_stream(output, "exec", id), input }))
            }
            StartExecResults::Detached => Err(EngineError::Daemon {
                operation: format!("exec in {id}"),
                status: None,
                message: "the engine did not attach the exec".into(),
            }),
        }
    }

    /// The engine's `exec_detached`.
    pub(super) async fn do_exec_detached(&self, id: &str, spec: ExecSpec) -> Result<String> {
        use bollard::exec::StartExecOptions;
        let ctx = Ctx::new("exec", ResourceKind::Container, id);
        let mut options = exec_options(&spec, false);
        options.attach_stdout = Some(false);
        options.attach_stderr = Some(false);
        let created = self.docker.create_exec(id, options).await.map_err(|e| self.map_err(e, &ctx))?;
        self.docker
            .start_exec(&created.id, Some(StartExecOptions { detach: true, tty: spec.tty, output_capacity: None }))
            .await
            .map_err(|e| self.map_err(e, &ctx))?;
        Ok(created.id)
    }

    /// The engine's `resize_exec`.
    pub(super) async fn do_resize_exec(&self, exec_id: &str, rows: u16, cols: u16) -> Result<()> {
        let ctx = Ctx::new("resize exec", ResourceKind::Container, exec_id);
        self.docker
            .resize_exec(exec_id, bollard::exec::ResizeExecOptions { height: rows, width: cols })
            .await
            .map_err(|e| self.map_err(e, &ctx))
    }

    /// The engine's `exec_exit_code`.
    pub(super) async fn do_exec_exit_code(&self, exec_id: &str) -> Result<Option<i64>> {
        let ctx = Ctx::new("inspect exec", ResourceKind::Container, exec_id);
        let i = self.docker.inspect_exec(exec_id).await.map_err(|e| self.map_err(e, &ctx))?;
        Ok(if i.running == Some(true) { None } else { i.exit_code })
    }
}

/// The engine's create-exec request for `spec`, with stdin attached or not.
fn exec_options(spec: &ExecSpec, stdin: bool) -> bollard::exec::CreateExecOptions<String> {
    bollard::exec::CreateExecOptions {
        cmd: Some(spec.command.clone()),
        env: (!spec.env.is_empty()).then(|| spec.env.clone()),
        user: spec.user.clone(),
        working_dir: spec.working_dir.clone(),
        tty: Some(spec.tty),
        privileged: Some(spec.privileged),
        attach_stdin: stdin.then_some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    }
}

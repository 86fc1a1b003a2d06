//! bollard's errors as [`EngineError`]s that name the object and the operation, once for every
//! call: 404/409, timeouts, a daemon that went away.

use futures_util::StreamExt;

use super::client::BollardEngine;
use crate::error::{EngineError, ResourceKind};
use crate::types::EngineStream;

/// What an error was about: used to turn bollard's errors into [`EngineError`]s that name the
/// object and the operation.
pub(super) struct Ctx<'a> {
    op: &'a str,
    kind: ResourceKind,
    name: &'a str,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(op: &'a str, kind: ResourceKind, name: &'a str) -> Self {
        Self { op, kind, name }
    }
}

impl BollardEngine {
    /// A blueprint's failure: the engine's, or a configuration that does not fit its API.
    pub(super) fn blueprint_err(&self, err: super::blueprint::Failure, ctx: &Ctx<'_>) -> EngineError {
        match err {
            super::blueprint::Failure::Api(e) => self.map_err(e, ctx),
            super::blueprint::Failure::Shape(message) => {
                EngineError::Protocol { operation: format!("{} {}", ctx.op, ctx.name), message }
            }
        }
    }

    pub(super) fn map_err(&self, err: bollard::errors::Error, ctx: &Ctx<'_>) -> EngineError {
        use bollard::errors::Error as B;
        match err {
            // A 404 can be about something else than the object asked for (starting a container
            // whose network is gone says "network … not found"): only call it NotFound when the
            // daemon's words are about the object.
            B::DockerResponseServerError { status_code: 404, message }
                if {
                    let m = message.to_ascii_lowercase();
                    m.contains("no such") || m.contains(&ctx.kind.to_string())
                } =>
            {
                EngineError::NotFound { kind: ctx.kind, name: ctx.name.to_string(), message }
            }
            B::DockerResponseServerError { status_code: 409, message } => {
                EngineError::Conflict { kind: ctx.kind, name: ctx.name.to_string(), message }
            }
            B::DockerResponseServerError { status_code, message } => {
                EngineError::Daemon { operation: ctx.op.to_string(), status: Some(status_code), message }
            }
            B::RequestTimeoutError => EngineError::Timeout { operation: ctx.op.to_string(), after: self.timeout },
            B::DockerStreamError { error } => {
                EngineError::Daemon { operation: ctx.op.to_string(), status: None, message: error }
            }
            B::JsonDataError { message, .. } => EngineError::Protocol { operation: ctx.op.to_string(), message },
            B::JsonSerdeError { err } => {
                EngineError::Protocol { operation: ctx.op.to_string(), message: err.to_string() }
            }
            B::SocketNotFoundError(path) => {
                EngineError::Unavailable { address: self.address.clone(), reason: format!("no socket at {path}") }
            }
            B::HyperLegacyError { err } if err.is_connect() || connection_lost(&err) => {
                EngineError::Unavailable { address: self.address.clone(), reason: error_chain(&err) }
            }
            B::IOError { err } if is_connection_error(&err) => {
                EngineError::Unavailable { address: self.address.clone(), reason: err.to_string() }
            }
            other => EngineError::Daemon { operation: ctx.op.to_string(), status: None, message: error_chain(&other) },
        }
    }

    pub(super) fn stream<T: Send + 'static, U: Send + 'static>(
        &self,
        stream: impl futures_util::Stream<Item = std::result::Result<U, bollard::errors::Error>> + Send + 'static,
        ctx: (&'static str, ResourceKind, String),
        map: impl Fn(U) -> Option<T> + Send + 'static,
    ) -> EngineStream<T> {
        let this = self.clone();
        stream
            .filter_map(move |item| {
                let out = match item {
                    Ok(v) => map(v).map(Ok),
                    Err(e) => Some(Err(this.map_err(e, &Ctx::new(ctx.0, ctx.1, &ctx.2)))),
                };
                std::future::ready(out)
            })
            .boxed()
    }
}

fn is_connection_error(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(err.kind(), ConnectionRefused | NotFound | PermissionDenied | ConnectionReset | ConnectionAborted)
}

/// Whether a request failed because the connection to the engine closed under it (the daemon
/// stopped, or its socket went away mid-request): hyper's "connection closed before message
/// completed", a cancelled or closed connection, or a reset socket anywhere in the chain.
fn connection_lost(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        let hung_up = e
            .downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_closed() || h.is_canceled());
        let reset = e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| is_connection_error(io) || io.kind() == std::io::ErrorKind::BrokenPipe);
        if hung_up || reset {
            return true;
        }
        source = e.source();
    }
    false
}

pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

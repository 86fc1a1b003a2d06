//! Turning errors into a one-line cause, a hint and an exit code.

use tuxpilot_docker::EngineError;

/// Exit codes, stable for scripts.
pub mod code {
    /// Any other failure.
    pub const FAILURE: i32 = 1;
    /// Bad arguments or config (clap uses 2 too).
    pub const USAGE: i32 = 2;
    /// The object does not exist.
    pub const NOT_FOUND: i32 = 3;
    /// The object is in a state or name conflict.
    pub const CONFLICT: i32 = 4;
    /// No daemon answers.
    pub const UNAVAILABLE: i32 = 5;
    /// The daemon did not answer in time.
    pub const TIMEOUT: i32 = 6;
    /// An image was blocked by the security gate (`[containers.security] scan_images`).
    pub const BLOCKED: i32 = 10;
}

/// What to print and how to exit for `err`.
pub struct Report {
    /// The cause, one line.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// Process exit code.
    pub code: i32,
}

/// A process of the user's ended with this code (`containers run`, attached): ours is the same,
/// and nothing more is said, as docker does.
#[derive(Debug)]
pub struct ExitWith(pub i32);

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the container exited with code {}", self.0)
    }
}

impl std::error::Error for ExitWith {}

/// Whether the error is our output's reader having gone away (`| head`), however it reached us:
/// a write, or JSON written through serde.
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// Bad arguments found after parsing (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A change that was not confirmed (no terminal to ask on, no `--yes`): what would have been
/// done is printed; exit code 7. Chat, `containers prune` and `containers unlock` end so.
#[derive(Debug)]
pub struct NotConfirmed(pub String);

impl std::fmt::Display for NotConfirmed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotConfirmed {}

/// Exit code of a change refused for want of confirmation.
pub const NOT_CONFIRMED: i32 = 7;

/// Builds the report: the engine error, if any, decides hint and code.
pub fn report(err: &anyhow::Error) -> Report {
    // `{:#}` joins the context chain into one line: "outer: inner".
    let message = format!("{err:#}");
    if err.chain().any(|e| e.is::<UsageError>()) {
        return Report { message, hint: None, code: code::USAGE };
    }
    // Blocked by the security gate, from whichever front end: exit code 10.
    if err.chain().any(|e| {
        matches!(e.downcast_ref::<tuxpilot_security::HookError>(), Some(tuxpilot_security::HookError::Blocked(_)))
            || matches!(
                e.downcast_ref::<tuxpilot_orchestrator::Error>(),
                Some(tuxpilot_orchestrator::Error::Blocked(tuxpilot_security::HookError::Blocked(_)))
            )
    }) {
        let hint = "fix the findings (`tuxpilot containers scan --image IMAGE`), list accepted ones in the ignore file \
                    (`[containers.security] ignore_file`), or raise `fail_on`; `containers deploy --force` deploys anyway";
        return Report { message, hint: Some(hint.into()), code: code::BLOCKED };
    }
    let wrapped = err.chain().find_map(|e| match e.downcast_ref::<tuxpilot_security::ScanError>() {
        Some(tuxpilot_security::ScanError::Engine(e)) => Some(e),
        _ => match e.downcast_ref::<tuxpilot_monitor::CollectError>() {
            Some(tuxpilot_monitor::CollectError::Engine(e)) => Some(e),
            _ => None,
        },
    });
    if let Some(e) = err.chain().find_map(|e| e.downcast_ref::<EngineError>()).or(wrapped) {
        return Report { message, hint: e.hint(), code: engine_code(e) };
    }
    if let Some(e) = err.chain().find_map(|e| e.downcast_ref::<tuxpilot_compose::copy::CopyError>()) {
        use tuxpilot_compose::copy::CopyError as C;
        let (hint, code) = match e {
            C::Engine(inner) => (inner.hint(), engine_code(inner)),
            C::NoSuchPath { .. } => (None, code::NOT_FOUND),
            C::Invalid(_) => (None, code::USAGE),
            _ => (None, code::FAILURE),
        };
        return Report { message, hint, code };
    }
    if let Some(tuxpilot_compose::runtime::RunError::Engine(e)) =
        err.chain().find_map(|e| e.downcast_ref::<tuxpilot_compose::runtime::RunError>())
    {
        return Report { message, hint: e.hint(), code: engine_code(e) };
    }
    if let Some(e) = err.chain().find_map(|e| e.downcast_ref::<tuxpilot_orchestrator::Error>()) {
        use tuxpilot_orchestrator::Error as O;
        let code = match e {
            O::Spec(_) => code::USAGE,
            O::Engine(inner) | O::Run(tuxpilot_compose::runtime::RunError::Engine(inner)) => engine_code(inner),
            O::NotFound(_) => code::NOT_FOUND,
            O::Ambiguous(_) => code::USAGE,
            O::LockTimeout(_) => code::TIMEOUT,
            O::NotOptedIn(_) => code::USAGE,
            _ => code::FAILURE,
        };
        return Report { message, hint: e.hint(), code };
    }
    // A project the export cannot convert faithfully (a value Kubernetes refuses, names that
    // collide, a file outside the project) is bad input.
    if let Some(tuxpilot_kubernetes::ExportError::Invalid { .. } | tuxpilot_kubernetes::ExportError::Strict(_)) =
        err.chain().find_map(|e| e.downcast_ref::<tuxpilot_kubernetes::ExportError>())
    {
        return Report { message, hint: None, code: code::USAGE };
    }
    if let Some(e) = err.chain().find_map(|e| e.downcast_ref::<tuxpilot_compose::Error>()) {
        // A compose file the loader rejects is bad input, like a bad flag.
        return Report { message, hint: e.hint.clone(), code: code::USAGE };
    }
    Report { message, hint: None, code: code::FAILURE }
}

fn engine_code(e: &EngineError) -> i32 {
    match e {
        EngineError::NotFound { .. } => code::NOT_FOUND,
        EngineError::Conflict { .. } => code::CONFLICT,
        EngineError::Unavailable { .. } => code::UNAVAILABLE,
        EngineError::Timeout { .. } => code::TIMEOUT,
        EngineError::InvalidConfig { .. } | EngineError::InvalidArgument { .. } => code::USAGE,
        _ => code::FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone away.
    struct Closed;

    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_recognised_through_json_and_context() {
        let json = serde_json::to_writer(Closed, &serde_json::json!({"a": 1})).unwrap_err();
        assert!(is_closed_pipe(&anyhow::Error::from(json).context("printing")));
        let io = std::io::Write::write_all(&mut Closed, b"x").unwrap_err();
        assert!(is_closed_pipe(&anyhow::Error::from(io)));
        assert!(!is_closed_pipe(&anyhow::anyhow!("Broken pipe, said a message")));
    }
    use std::time::Duration;
    use tuxpilot_docker::ResourceKind;

    #[test]
    fn each_engine_error_gets_its_code_and_a_hint() {
        let cases = [
            (
                EngineError::NotFound {
                    kind: ResourceKind::Container,
                    name: "web".into(),
                    message: "No such container: web".into(),
                },
                code::NOT_FOUND,
                "no such container: web",
                "containers list",
            ),
            (
                EngineError::Conflict {
                    kind: ResourceKind::Container,
                    name: "web".into(),
                    message: "You cannot remove a running container".into(),
                },
                code::CONFLICT,
                "conflict on container web",
                "--force",
            ),
            (
                EngineError::Unavailable {
                    address: "unix:///nonexistent.sock".into(),
                    reason: "no socket at /nonexistent.sock".into(),
                },
                code::UNAVAILABLE,
                "unix:///nonexistent.sock",
                "DOCKER_HOST",
            ),
            (
                EngineError::Timeout { operation: "list containers".into(), after: Duration::from_secs(2) },
                code::TIMEOUT,
                "timed out after 2s",
                "timeout",
            ),
        ];
        for (e, want_code, want_msg, want_hint) in cases {
            let r = report(&anyhow::Error::from(e));
            assert_eq!(r.code, want_code);
            assert!(r.message.contains(want_msg), "{}", r.message);
            assert!(r.hint.as_deref().unwrap_or("").contains(want_hint), "{:?}", r.hint);
        }
    }

    #[test]
    fn context_is_kept_on_one_line() {
        let e = anyhow::Error::from(EngineError::Daemon {
            operation: "start".into(),
            status: Some(500),
            message: "boom".into(),
        })
        .context("container x could not start");
        let r = report(&e);
        assert_eq!(r.code, code::FAILURE);
        assert!(r.message.starts_with("container x could not start: "), "{}", r.message);
        assert!(!r.message.contains('\n'));
    }
}

//! `containers run`, as `docker run`: the security gate, create, then either start in the
//! background and print the id (`-d`), or attach, start, pump the output (stdin with `-i`, a TTY
//! with `-t`) and end with the container's exit code.

use serde::Serialize;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tuxpilot_docker::{Engine, RemoveOptions};

use crate::args::RunArgs;
use crate::commands::spec;
use crate::error::ExitWith;
use crate::output::{Ui, short_id};

/// `containers run -d --format json`.
#[derive(Debug, Serialize)]
struct RunView {
    id: String,
    name: String,
    warnings: Vec<String>,
}

/// `containers run [OPTIONS] IMAGE [COMMAND] [ARG...]`. A container that fails to start is
/// removed again; attached, `--rm` removes it once its exit code is read.
pub async fn run(
    engine: &dyn Engine,
    ui: &mut Ui<'_>,
    args: &RunArgs,
    security: &tuxpilot_security::SecurityConfig,
) -> anyhow::Result<()> {
    let spec = spec::from_run_args(args, |k| std::env::var(k).ok())?;
    for n in
        tuxpilot_orchestrator::gate::check(engine, security, std::slice::from_ref(&spec.image), false, false).await?
    {
        writeln!(ui.err, "{n}")?;
    }
    let created = engine.create_container(spec).await?;
    for w in &created.warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    if !args.detach {
        return attached(engine, args, &created.id).await;
    }
    start_or_remove(engine, &created.id).await?;
    let name = engine.inspect_container(&created.id).await.map(|d| d.name).unwrap_or_default();
    if ui.json() {
        ui.print_json(&RunView { id: created.id, name, warnings: created.warnings })
    } else {
        writeln!(ui.out, "{}", created.id)?;
        Ok(())
    }
}

/// Starts a created container; if it cannot start, removes it again (nothing half-made). A
/// command that cannot be run exits 127 (not found) or 126 (not executable), as `docker run`.
async fn start_or_remove(engine: &dyn Engine, id: &str) -> anyhow::Result<()> {
    let Err(start_err) = engine.start_container(id).await else { return Ok(()) };
    let text = start_err.to_string();
    let code = if text.contains("executable file not found") || text.contains("no such file or directory") {
        Some(127)
    } else if text.contains("permission denied") {
        Some(126)
    } else {
        None
    };
    match engine.remove_container(id, RemoveOptions { force: true, volumes: true }).await {
        Ok(()) => match code {
            Some(code) => Err(super::deploy::DeploymentFailed { code, message: text }.into()),
            None => Err(start_err.into()),
        },
        Err(rm_err) => Err(anyhow::Error::from(start_err).context(format!(
            "container {} was created but could not be started, nor removed ({rm_err}); remove it with `tuxpilot containers rm -f {}`",
            short_id(id),
            short_id(id)
        ))),
    }
}

/// Attached: the session is opened before the start (no output is missed), signals we get are
/// passed on to the container (docker's `--sig-proxy`), and the container's exit code is ours.
async fn attached(engine: &dyn Engine, args: &RunArgs, id: &str) -> anyhow::Result<()> {
    let session = match engine.attach_container(id).await {
        Ok(s) => s,
        Err(e) => {
            let _ = engine.remove_container(id, RemoveOptions { force: true, volumes: true }).await;
            return Err(e.into());
        }
    };
    start_or_remove(engine, id).await?;
    let pump = super::attach::pump_with(session, args.tty, args.interactive, |rows, cols| async move {
        let _ = engine.resize_container(id, rows, cols).await;
    });
    let mut pump = std::pin::pin!(pump);
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    let mut terminate = signal(SignalKind::terminate()).ok();
    let pumped = loop {
        tokio::select! {
            r = &mut pump => break r,
            Some(()) = next(&mut interrupt) => {
                let _ = engine.kill_container(id, Some("SIGINT".into())).await;
            }
            Some(()) = next(&mut terminate) => {
                let _ = engine.kill_container(id, Some("SIGTERM".into())).await;
            }
        }
    };
    if let Err(e) = pumped {
        // Our output went away (a closed pipe, say): stop here; `--rm` still cleans up.
        if args.rm {
            let _ = engine.remove_container(id, RemoveOptions { force: true, volumes: true }).await;
        }
        return Err(e);
    }
    let exit = engine.wait_container(id).await;
    if args.rm {
        let _ = engine.remove_container(id, RemoveOptions { force: true, volumes: true }).await;
    }
    match exit?.code {
        0 => Ok(()),
        code => Err(ExitWith(i32::try_from(code).unwrap_or(1)).into()),
    }
}

/// The next delivery of a signal we listen to; never, when we could not listen.
async fn next(s: &mut Option<Signal>) -> Option<()> {
    match s {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Format;
    use clap::Parser;
    use tuxpilot_docker::{EngineError, MockEngine};

    /// `containers run`'s arguments alone, parsed as the command line gives them.
    #[derive(Parser)]
    struct Run {
        #[command(flatten)]
        args: RunArgs,
    }

    fn parse(argv: &[&str]) -> RunArgs {
        Run::try_parse_from(std::iter::once("run").chain(argv.iter().copied())).unwrap().args
    }

    #[test]
    fn docker_shapes_parse() {
        let a = parse(&["-d", "--name", "web", "busybox", "sleep", "5"]);
        assert!(a.detach && !a.tty && !a.interactive);
        assert_eq!((a.image.as_str(), a.command.as_slice()), ("busybox", &["sleep".to_string(), "5".into()][..]));
        let a = parse(&["-it", "--rm", "busybox", "sh", "-c", "ls -l", "--name", "x"]);
        assert!(a.tty && a.interactive && a.rm && a.name.is_none(), "flags after the image are the command's");
        assert_eq!(a.command, ["sh", "-c", "ls -l", "--name", "x"]);
        let spec = spec::from_run_args(&parse(&["busybox", "--", "echo", "hi"]), |_| None).unwrap();
        assert_eq!(spec.command, Some(vec!["echo".to_string(), "hi".into()]), "a leading `--` is dropped");
        let spec = spec::from_run_args(&parse(&["-it", "busybox"]), |_| None).unwrap();
        assert!(spec.tty && spec.open_stdin && spec.stdin_once && spec.command.is_none());
        let attached = spec::from_run_args(&parse(&["--rm", "busybox"]), |_| None).unwrap();
        let detached = spec::from_run_args(&parse(&["-d", "--rm", "busybox"]), |_| None).unwrap();
        assert!(!attached.auto_remove && detached.auto_remove, "attached, --rm is ours after the wait");
        let e = spec::from_run_args(&parse(&["--rm", "--restart", "always", "busybox"]), |_| None).unwrap_err();
        assert!(e.downcast_ref::<crate::error::UsageError>().is_some(), "a usage error (exit 2): {e}");
    }

    #[tokio::test]
    async fn run_removes_a_container_that_fails_to_start() {
        let mut engine = MockEngine::new();
        engine
            .expect_create_container()
            .returning(|_| Ok(tuxpilot_docker::CreatedContainer { id: "abc123".into(), warnings: vec![] }));
        engine.expect_start_container().returning(|_| {
            Err(EngineError::Daemon {
                operation: "start container".into(),
                status: Some(500),
                message: "port is already allocated".into(),
            })
        });
        engine.expect_remove_container().withf(|id, o| id == "abc123" && o.force).times(1).returning(|_, _| Ok(()));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut ui = Ui { format: Format::Table, color: false, out: &mut out, err: &mut err };
        let args = parse(&["-d", "-p", "8080:80", "busybox"]);
        let e = run(&engine, &mut ui, &args, &Default::default()).await.unwrap_err();
        assert!(e.to_string().contains("port is already allocated"), "{e}");
    }
}

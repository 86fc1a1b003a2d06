//! `containers exec` and `containers events`, as `docker exec` and `docker events`.

use std::sync::Arc;

use futures_util::StreamExt;
use tuxpilot_docker::{Engine, EventFilter, ExecSpec};

use crate::args::{EventsArgs, ExecArgs};
use crate::output::Ui;

/// `containers exec [-d] [-i] [-t] [-e K=V] [-w DIR] [-u USER] NAME CMD…`: the process's output
/// streams here and its exit code is ours. `-t` gives a TTY (the terminal is raw meanwhile and
/// its size follows), `-i` forwards stdin, `-d` starts it and returns.
pub async fn exec(engine: Arc<dyn Engine>, ui: &mut Ui<'_>, a: &ExecArgs) -> anyhow::Result<()> {
    let c = engine.inspect_container(&a.container).await?;
    if !c.state.running {
        anyhow::bail!(crate::error::UsageError(format!(
            "container {} is not running; start it with `tuxpilot containers start {}`",
            c.name, c.name
        )));
    }
    let spec = ExecSpec {
        command: a.command.clone(),
        env: a.env.clone(),
        user: a.user.clone(),
        working_dir: a.workdir.clone(),
        tty: a.tty && !a.detach,
        privileged: false,
    };
    if a.detach {
        let id = engine.exec_detached(&c.id, spec).await?;
        if ui.json() {
            return ui.print_json(&serde_json::json!({ "exec_id": id }));
        }
        return Ok(());
    }
    let tty = spec.tty;
    let (exec_id, session) = engine.exec_attached(&c.id, spec).await?;
    match super::attach::exec_to_end(&engine, &exec_id, session, tty, a.interactive).await? {
        0 => Ok(()),
        n => Err(super::deploy::DeploymentFailed {
            code: i32::try_from(n).unwrap_or(1),
            message: format!("the command exited with code {n}"),
        }
        .into()),
    }
}

/// `containers events [--since T] [--until T] [--filter K=V]…`: one line per event
/// (`TIME TYPE ACTION ID (k=v, …)`), or one JSON object a line; without `--until` it follows
/// until Ctrl-C.
pub async fn events(engine: &dyn Engine, ui: &mut Ui<'_>, a: &EventsArgs) -> anyhow::Result<()> {
    let filters = super::spec::filters(&a.filter)?;
    let filter = EventFilter {
        since: a.since.map(|t| t.timestamp()),
        // Whole seconds on the wire: --until rounds up, so its last second is not cut off.
        until: a.until.map(|t| t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)),
        filters,
    };
    let mut stream = engine.events(filter);
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let next = tokio::select! {
            e = stream.next() => e,
            _ = &mut ctrl_c => None,
        };
        let Some(e) = next else { break };
        let e = e?;
        if ui.json() {
            ui.print_json_line(&e)?;
            continue;
        }
        let time = e.time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)).unwrap_or_default();
        let attrs: Vec<String> = e.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(ui.out, "{time} {} {} {} ({})", e.kind, e.action, e.actor_id, attrs.join(", "))?;
    }
    Ok(())
}

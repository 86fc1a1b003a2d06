//! `tuxpilot chat` and `tuxpilot mcp`: rendering what tuxpilot-assistant parses, plans and runs.

use std::io::{IsTerminal, Write};

use serde_json::{Value, json};
use tuxpilot_assistant::model::{AgentTurn, CallRecord, ChatModel, Confirm, Decision, HttpModel, ModelConfig};
use tuxpilot_assistant::{
    Access, ExecError, Executor, Handoff, Intent, OfflineTurn, Prepared, Session, Turn, TurnStatus,
};

use crate::args::ChatArgs;
use crate::output::Ui;

pub use crate::error::{NOT_CONFIRMED, NotConfirmed};

/// What the front end must do after a request (the live view, following logs).
pub type Next = Option<Handoff>;

/// The assistant's error as the CLI reports it: the library's own error, so the hint and the
/// exit code are those of the same command run directly.
fn exec_err(e: ExecError) -> anyhow::Error {
    match e {
        ExecError::Engine(e) => e.into(),
        ExecError::Orchestrator(e) => e.into(),
        ExecError::Load(e) => e.into(),
        ExecError::Run(e) => e.into(),
        ExecError::Scan(e) => e.into(),
        ExecError::Monitor(e) => e.into(),
        ExecError::Invalid(e) => crate::error::UsageError(e.0).into(),
        ExecError::Deployment { reply, result } => match super::deploy::failure_of(&result) {
            Some(failed) => failed.into(),
            None => anyhow::anyhow!(reply),
        },
        ExecError::Scale { reply, .. } => {
            super::deploy::DeploymentFailed { code: crate::error::code::FAILURE, message: reply }.into()
        }
        other => anyhow::Error::new(other),
    }
}

/// `tuxpilot chat`: the assistant's [`Session`] with the CLI's confirmation and rendering.
pub struct Chat {
    session: Session,
    yes: bool,
    dry_run: bool,
    interactive: bool,
}

impl Chat {
    /// A chat. `executor` is `None` when the engine cannot be reached (dry runs still work).
    pub fn new(executor: Option<Executor>, model: Option<ModelConfig>, args: &ChatArgs, json: bool) -> Self {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        let model = if args.offline { None } else { model };
        let model = model.map(|m| {
            let name = m.model.clone();
            (Box::new(HttpModel::new(m)) as Box<dyn ChatModel>, name)
        });
        // Optimize's limits are offered after the read, on a terminal or under --yes, as text.
        let session =
            Session::new(executor, model).dry_run(args.dry_run).follow_ups(!json && (args.yes || interactive));
        Self { session, yes: args.yes, dry_run: args.dry_run, interactive }
    }

    /// Handles one request: what the front end must take over next, if anything.
    pub async fn handle(&mut self, text: &str, ui: &mut Ui<'_>) -> anyhow::Result<Next> {
        let mut confirm = CliConfirm { yes: self.yes, interactive: self.interactive, json: ui.json(), unasked: None };
        let turn = self.session.handle(text, &mut confirm).await;
        for n in self.session.take_notes() {
            writeln!(ui.err, "note: {n}")?;
        }
        let turn = turn.map_err(exec_err)?;
        match &turn {
            Turn::Offline(t) => {
                // Asked without a terminal: the plan went to stderr; the exit code says the rest.
                if confirm.unasked.is_none() || ui.json() {
                    render_offline(t, ui)?;
                }
            }
            Turn::Model { model, turn } => {
                render_model(model, turn, ui)?;
                let declined: Vec<&str> =
                    turn.calls.iter().filter(|c| c.status == "declined").map(|c| c.name.as_str()).collect();
                if !self.dry_run && !declined.is_empty() && confirm.unasked.is_none() {
                    confirm.unasked = Some(format!(
                        "not done: the model proposed {} and it was not confirmed; --yes covers only what you ask \
                         in your own words (use --offline --yes in scripts)",
                        declined.join(", ")
                    ));
                }
            }
        }
        if let Some(why) = confirm.unasked {
            return Err(NotConfirmed(why).into());
        }
        Ok(turn.handoff().cloned())
    }
}

fn render_offline(t: &OfflineTurn, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let executed = t.status == TurnStatus::Executed;
    if ui.json() {
        let mut v = json!({
            "intent": t.intent.name(),
            "arguments": t.intent.arguments(),
            "plan": rendered(&t.plan),
            "executed": executed,
            "reply": t.reply,
        });
        if let Some(o) = &t.outcome {
            v["data"] = o.data.clone();
        }
        return ui.print_json(&v);
    }
    if !executed && t.intent.access() == Access::Write && !matches!(t.intent, Intent::Clarify(_) | Intent::Refuse(_)) {
        write_plan(ui.out, &t.plan)?;
    }
    writeln!(ui.out, "{}", t.reply)?;
    if let Some(applied) = &t.applied {
        writeln!(ui.out, "{}", applied.reply)?;
    }
    Ok(())
}

fn render_model(model: &str, turn: &AgentTurn, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    if ui.json() {
        let first = turn.calls.first();
        let declined: Vec<&CallRecord> = turn.calls.iter().filter(|c| c.status == "declined").collect();
        return ui.print_json(&json!({
            "intent": first.map(|c| c.name.clone()),
            "arguments": first.map(|c| c.arguments.clone()),
            "plan": Value::Null,
            "executed": turn.calls.iter().any(|c| c.status == "executed"),
            "reply": turn.reply,
            "model": model,
            "calls": turn.calls,
            "declined": declined,
        }));
    }
    for c in &turn.calls {
        if c.status != "executed" {
            writeln!(ui.err, "({} {}: {})", c.name, c.arguments, c.status)?;
        }
    }
    writeln!(ui.out, "{}", turn.reply)?;
    Ok(())
}

/// Confirmation on the terminal: `--yes` covers what the user asked in their own words; a
/// model's proposal is always asked, and declined without a terminal.
struct CliConfirm {
    yes: bool,
    interactive: bool,
    json: bool,
    /// Set when a change could not be asked about (no terminal, no --yes): exit code 7.
    unasked: Option<String>,
}

impl Confirm for CliConfirm {
    fn confirm(&mut self, p: &Prepared, from_model: bool) -> Decision {
        if covered_by_yes(self.yes, from_model) {
            return Decision::Yes;
        }
        if !self.interactive {
            let mut err = std::io::stderr();
            if from_model {
                let _ = writeln!(
                    err,
                    "declined: the model proposed a change ({}) and there is no terminal to confirm it{}",
                    p.plan.summary,
                    if self.yes {
                        " (--yes covers what you asked in your own words, never a model's proposal)"
                    } else {
                        ""
                    }
                );
            } else {
                if !self.json {
                    let _ = write_plan(&mut err, &p.plan);
                }
                self.unasked = Some(format!(
                    "not done: {} changes things; run again with --yes to confirm (no terminal to ask on)",
                    p.intent.name()
                ));
            }
            return Decision::No;
        }
        let question = if from_model { "The model proposes this change. Proceed? [y/N] " } else { "Proceed? [y/N] " };
        match ask(&mut std::io::stderr(), &p.plan, question) {
            Ok(true) => Decision::Yes,
            _ => Decision::No,
        }
    }
}

/// Whether `--yes` confirms a change: what the user asked in their own words, never a change a
/// model proposed (a model may answer "show the logs" with a scale to 0).
fn covered_by_yes(yes: bool, from_model: bool) -> bool {
    yes && !from_model
}

/// Shows the plan and asks on the terminal; only `y`/`yes` agrees.
fn ask(err: &mut dyn Write, plan: &tuxpilot_assistant::Plan, question: &str) -> std::io::Result<bool> {
    write_plan(err, plan)?;
    crate::output::ask(err, question)
}

/// The plan with its "same as" lines rendered by this CLI from the assistant's typed commands.
fn rendered(p: &tuxpilot_assistant::Plan) -> tuxpilot_assistant::Plan {
    let mut p = p.clone();
    super::same_as::render(&mut p);
    p
}

fn write_plan(w: &mut dyn Write, p: &tuxpilot_assistant::Plan) -> std::io::Result<()> {
    let p = &rendered(p);
    writeln!(w, "Plan: {}", p.summary)?;
    for s in &p.steps {
        writeln!(w, "  - {s}")?;
    }
    for f in &p.files {
        writeln!(w, "  {}:", f.path)?;
        for l in f.content.lines() {
            writeln!(w, "    {l}")?;
        }
    }
    for c in &p.commands {
        writeln!(w, "  (same as: {c})")?;
    }
    Ok(())
}

/// Where the REPL keeps its history: `$XDG_STATE_HOME/tuxpilot/chat_history`, else
/// `~/.local/state/tuxpilot/chat_history`.
pub fn history_file() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/state")))?;
    Some(base.join("tuxpilot").join("chat_history"))
}

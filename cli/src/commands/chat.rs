//! `tuxpilot chat` and `tuxpilot mcp`: rendering what tuxpilot-assistant parses, plans and runs.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::{Value, json};
use tuxpilot_assistant::model::{Agent, AgentTurn, ChatModel, Confirm, Decision, HttpModel, ModelConfig};
use tuxpilot_assistant::{
    Access, Conversation, ExecError, Executor, Handoff, Intent, Inventory, Outcome, Prepared, parse, plan,
};

use crate::args::ChatArgs;
use crate::output::Ui;

/// A change that was not confirmed: the plan is printed; exit code 7.
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

/// What the front end must do after a request (the live view, following logs).
pub type Next = Option<Handoff>;

fn exec_err(e: ExecError) -> anyhow::Error {
    match e {
        ExecError::Engine(e) => e.into(),
        ExecError::Orchestrator(e) => e.into(),
        ExecError::Load(e) => e.into(),
        ExecError::Other(m) => anyhow::anyhow!(m),
    }
}

/// The chat session: engine (when reachable), conversation, optional model.
pub struct Session {
    executor: Option<Executor>,
    conversation: Conversation,
    model: Option<(HttpModel, String)>,
    messages: Vec<Value>,
    args_yes: bool,
    dry_run: bool,
    interactive: bool,
}

impl Session {
    /// A session. `executor` is `None` when the engine cannot be reached (dry runs still work).
    pub fn new(executor: Option<Executor>, model: Option<ModelConfig>, args: &ChatArgs) -> Self {
        Self {
            executor,
            conversation: Conversation::default(),
            model: if args.offline { None } else { model.map(|m| (HttpModel::new(m.clone()), m.model)) },
            messages: Vec::new(),
            args_yes: args.yes,
            dry_run: args.dry_run,
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    async fn inventory(&self) -> Inventory {
        match &self.executor {
            Some(x) => x.inventory().await.unwrap_or_default(),
            None => Inventory::default(),
        }
    }

    /// Handles one request.
    pub async fn handle(&mut self, text: &str, ui: &mut Ui<'_>) -> anyhow::Result<Next> {
        if self.model.is_some() {
            match self.with_model(text, ui).await {
                Ok(next) => return Ok(next),
                Err(note) => writeln!(ui.err, "note: {note}; using the offline parser")?,
            }
        }
        let inventory = self.inventory().await;
        let intent = parse(text, &inventory, &self.conversation);
        self.conversation.remember(&intent);
        if let Intent::Scale(a) = &intent {
            self.conversation.service = Some(a.service.clone());
        }
        self.run_intent(intent, ui).await
    }

    async fn run_intent(&mut self, intent: Intent, ui: &mut Ui<'_>) -> anyhow::Result<Next> {
        let arguments = intent.arguments();
        let answer_only =
            matches!(intent, Intent::Help(_) | Intent::Clarify(_) | Intent::Refuse(_) | Intent::Unknown(_));
        let prepared: Option<Prepared> = match &self.executor {
            Some(x) if !answer_only => match x.prepare(&intent).await {
                Ok(p) => Some(p),
                Err(e) if self.dry_run => {
                    writeln!(ui.err, "note: {e}")?;
                    None
                }
                Err(e) => return Err(exec_err(e)),
            },
            _ => None,
        };
        let the_plan = prepared.as_ref().map(|p| p.plan.clone()).unwrap_or_else(|| plan(&intent));
        let reply_now = match &intent {
            Intent::Help(_) => Some(tuxpilot_assistant::exec::help_text()),
            Intent::Clarify(a) => Some(a.question.clone()),
            Intent::Refuse(a) => Some(a.reason.clone()),
            Intent::Unknown(a) => Some(format!("I did not understand that. Try:\n  {}", a.suggestions.join("\n  "))),
            _ => None,
        };
        if self.dry_run || reply_now.is_some() {
            let reply = reply_now.unwrap_or_else(|| format!("Would {}.", the_plan.summary));
            return self.print(ui, &intent, &arguments, &the_plan, false, &reply, None).map(|_| None);
        }
        let Some(executor) = self.executor.clone() else {
            anyhow::bail!("cannot reach the Docker engine (use --dry-run to see the plan without one)");
        };
        let Some(prepared) = prepared else { anyhow::bail!("nothing to do") };
        if intent.access() == Access::Write && !self.confirm_change(&prepared, ui)? {
            self.print(ui, &intent, &arguments, &the_plan, false, "Not done: declined.", None)?;
            return Ok(None);
        }
        let outcome = executor.execute(&prepared).await.map_err(exec_err)?;
        self.print(ui, &intent, &arguments, &the_plan, true, &outcome.reply, Some(&outcome))?;
        if let Some(offer) = &outcome.offer {
            let shown = Prepared {
                intent: intent.clone(),
                plan: tuxpilot_assistant::Plan {
                    access: Access::Write,
                    summary: offer.description.clone(),
                    steps: vec![offer.description.clone()],
                    commands: vec!["tuxpilot containers optimize --apply".into()],
                    files: Vec::new(),
                },
                generated: None,
                app_file: None,
                scale: None,
            };
            if !ui.json() && (self.args_yes || self.interactive) && self.confirm_change(&shown, ui)? {
                let applied = executor.apply(offer).await.map_err(exec_err)?;
                writeln!(ui.out, "{}", applied.reply)?;
            }
        }
        Ok(outcome.handoff)
    }

    /// Asks about a change: `--yes`, a y/N question on a terminal, or a refusal.
    fn confirm_change(&self, p: &Prepared, ui: &mut Ui<'_>) -> anyhow::Result<bool> {
        if covered_by_yes(self.args_yes, false) {
            return Ok(true);
        }
        if !self.interactive {
            if !ui.json() {
                write_plan(ui.err, &p.plan)?;
            }
            return Err(NotConfirmed(format!(
                "not done: {} changes things; run again with --yes to confirm (no terminal to ask on)",
                p.intent.name()
            ))
            .into());
        }
        Ok(ask(ui.err, &p.plan, "Proceed? [y/N] ")?)
    }

    #[allow(clippy::too_many_arguments)]
    fn print(
        &self,
        ui: &mut Ui<'_>,
        intent: &Intent,
        arguments: &Value,
        plan: &tuxpilot_assistant::Plan,
        executed: bool,
        reply: &str,
        outcome: Option<&Outcome>,
    ) -> anyhow::Result<()> {
        if ui.json() {
            let mut v = json!({
                "intent": intent.name(),
                "arguments": arguments,
                "plan": plan,
                "executed": executed,
                "reply": reply,
            });
            if let Some(o) = outcome {
                v["data"] = o.data.clone();
            }
            return ui.print_json(&v);
        }
        if !executed && intent.access() == Access::Write && !matches!(intent, Intent::Clarify(_) | Intent::Refuse(_)) {
            write_plan(ui.out, plan)?;
        }
        writeln!(ui.out, "{reply}")?;
        Ok(())
    }

    async fn with_model(&mut self, text: &str, ui: &mut Ui<'_>) -> Result<Next, String> {
        let Some(executor) = self.executor.clone() else { return Err("the engine is not reachable".into()) };
        let Some((model, name)) = &self.model else { return Err("no model".into()) };
        let mut confirm = CliConfirm { yes: self.args_yes, interactive: self.interactive };
        let mut agent = Agent {
            model: model as &dyn ChatModel,
            executor: &executor,
            confirm: &mut confirm,
            max_turns: 8,
            dry_run: self.dry_run,
        };
        let mut messages = std::mem::take(&mut self.messages);
        let turn = agent.ask(&mut messages, text).await;
        let turn: AgentTurn = match turn {
            Ok(t) => t,
            Err(e) => {
                // Keep the conversation as it was before this request.
                messages.truncate(messages.len().saturating_sub(1));
                self.messages = messages;
                return Err(format!("model {name}: {e}"));
            }
        };
        self.messages = messages;
        let first = turn.calls.first();
        let print = if ui.json() {
            ui.print_json(&json!({
                "intent": first.map(|c| c.name.clone()),
                "arguments": first.map(|c| c.arguments.clone()),
                "plan": Value::Null,
                "executed": turn.calls.iter().any(|c| c.status == "executed"),
                "reply": turn.reply,
                "model": name,
                "calls": turn.calls,
            }))
        } else {
            let mut r = Ok(());
            for c in &turn.calls {
                if c.status != "executed" {
                    r = r.and(
                        writeln!(ui.err, "({} {}: {})", c.name, c.arguments, c.status).map_err(anyhow::Error::from),
                    );
                }
            }
            r.and(writeln!(ui.out, "{}", turn.reply).map_err(anyhow::Error::from))
        };
        print.map_err(|e| e.to_string())?;
        Ok(None)
    }
}

/// Confirmation for a model's proposals.
struct CliConfirm {
    yes: bool,
    interactive: bool,
}

impl Confirm for CliConfirm {
    fn confirm(&mut self, p: &Prepared, from_model: bool) -> Decision {
        if covered_by_yes(self.yes, from_model) {
            return Decision::Yes;
        }
        if !self.interactive {
            let _ = writeln!(
                std::io::stderr(),
                "declined: the model proposed a change ({}) and there is no terminal to confirm it{}",
                p.plan.summary,
                if self.yes {
                    " (--yes covers what you asked in your own words, never a model's proposal)"
                } else {
                    ""
                }
            );
            return Decision::No;
        }
        match ask(&mut std::io::stderr(), &p.plan, "The model proposes this change. Proceed? [y/N] ") {
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
    write!(err, "{question}")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

fn write_plan(w: &mut dyn Write, p: &tuxpilot_assistant::Plan) -> std::io::Result<()> {
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

//! One conversation, offline or with a model: the request is parsed (or given to the model),
//! planned, confirmed through the front end's [`Confirm`], run, and returned as a typed
//! [`Turn`] the front end renders. The conversation (follow-ups, the model's messages) lives
//! here, so the CLI, or any other front end, only asks and renders.
//!
//! ```no_run
//! use tuxpilot_assistant::model::{Confirm, Decision};
//! use tuxpilot_assistant::{Prepared, Session, Turn};
//!
//! struct AlwaysNo;
//! impl Confirm for AlwaysNo {
//!     fn confirm(&mut self, _: &Prepared, _: bool) -> Decision {
//!         Decision::No
//!     }
//! }
//!
//! # async fn demo(executor: tuxpilot_assistant::Executor) -> Result<(), tuxpilot_assistant::ExecError> {
//! let mut session = Session::new(Some(executor), None);
//! if let Turn::Offline(t) = session.handle("list my containers", &mut AlwaysNo).await? {
//!     eprintln!("{}", t.reply);
//! }
//! # Ok(()) }
//! ```

use serde::Serialize;
use serde_json::Value;

use crate::error::ExecError;
use crate::exec::{Executor, Prepared};
use crate::intent::{Access, Intent, InvalidIntent};
use crate::inventory::{Conversation, Inventory};
use crate::model::{Agent, AgentTurn, ChatModel, Confirm, Decision};
use crate::outcome::{Handoff, Outcome};
use crate::plan::{Plan, plan};

/// What became of an offline request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnStatus {
    /// An answer that changes nothing: help, a question back, a refusal, not understood.
    Answered,
    /// A dry run: the plan, nothing run.
    Planned,
    /// A change the front end did not confirm.
    Declined,
    /// Run.
    Executed,
}

/// An offline request's turn.
#[derive(Debug, Clone, Serialize)]
pub struct OfflineTurn {
    /// What the request was read as.
    pub intent: Intent,
    /// Its plan (completed from the engine when one answers).
    pub plan: Plan,
    /// What became of it.
    pub status: TurnStatus,
    /// Plain words for the user.
    pub reply: String,
    /// What running it gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// A follow-up change (optimize's limits) that was confirmed and applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<Outcome>,
}

/// What one request came to.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Turn {
    /// Parsed offline.
    Offline(Box<OfflineTurn>),
    /// The model's tool calls and final words.
    Model {
        /// The model's name.
        model: String,
        /// Its calls and reply.
        turn: AgentTurn,
    },
}

impl Turn {
    /// What the front end must take over next (the live view, following logs).
    pub fn handoff(&self) -> Option<&Handoff> {
        match self {
            Turn::Offline(t) => t.outcome.as_ref().and_then(|o| o.handoff.as_ref()),
            Turn::Model { .. } => None,
        }
    }
}

/// A conversation.
pub struct Session {
    executor: Option<Executor>,
    conversation: Conversation,
    model: Option<(Box<dyn ChatModel>, String)>,
    messages: Vec<Value>,
    dry_run: bool,
    follow_ups: bool,
    notes: Vec<String>,
}

impl Session {
    /// A session over `executor` (`None` when no engine answers: dry runs still plan), with an
    /// optional model and its name.
    pub fn new(executor: Option<Executor>, model: Option<(Box<dyn ChatModel>, String)>) -> Self {
        Self {
            executor,
            conversation: Conversation::default(),
            model,
            messages: Vec::new(),
            dry_run: false,
            follow_ups: true,
            notes: Vec::new(),
        }
    }

    /// Never change anything: plans only.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Whether a follow-up change (optimize's limits) is offered for confirmation after a read.
    pub fn follow_ups(mut self, offer: bool) -> Self {
        self.follow_ups = offer;
        self
    }

    /// Notes since the last call (a model that did not answer, a plan made without the engine).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    async fn inventory(&self) -> Inventory {
        match &self.executor {
            Some(x) => x.inventory().await.unwrap_or_default(),
            None => Inventory::default(),
        }
    }

    /// Handles one request: the model when there is one (the offline parser if it fails before
    /// answering), else the offline parser.
    pub async fn handle(&mut self, text: &str, confirm: &mut dyn Confirm) -> Result<Turn, ExecError> {
        if self.model.is_some() {
            match self.with_model(text, confirm).await {
                Ok(turn) => return Ok(turn),
                Err(note) => self.notes.push(format!("{note}; using the offline parser")),
            }
        }
        let inventory = self.inventory().await;
        let intent = crate::parse(text, &inventory, &self.conversation);
        self.conversation.remember(&intent);
        self.run_intent(intent, confirm).await.map(|t| Turn::Offline(Box::new(t)))
    }

    async fn run_intent(&mut self, intent: Intent, confirm: &mut dyn Confirm) -> Result<OfflineTurn, ExecError> {
        let answer = match &intent {
            Intent::Help(_) => Some(crate::exec::help_text()),
            Intent::Clarify(a) => Some(a.question.clone()),
            Intent::Refuse(a) => Some(a.reason.clone()),
            Intent::Unknown(a) => Some(format!("I did not understand that. Try:\n  {}", a.suggestions.join("\n  "))),
            _ => None,
        };
        if let Some(reply) = answer {
            return Ok(turn(intent.clone(), plan(&intent), TurnStatus::Answered, reply));
        }
        let prepared: Option<Prepared> = match &self.executor {
            Some(x) => match x.prepare(&intent).await {
                Ok(p) => Some(p),
                Err(e) if self.dry_run => {
                    self.notes.push(e.to_string());
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let the_plan = prepared.as_ref().map(|p| p.plan.clone()).unwrap_or_else(|| plan(&intent));
        if self.dry_run {
            let reply = format!("Would {}.", the_plan.summary);
            return Ok(turn(intent, the_plan, TurnStatus::Planned, reply));
        }
        let (Some(executor), Some(prepared)) = (self.executor.clone(), prepared) else {
            return Err(InvalidIntent(
                "cannot reach the Docker engine (use --dry-run to see the plan without one)".into(),
            )
            .into());
        };
        if intent.access() == Access::Write && confirm.confirm(&prepared, false) == Decision::No {
            return Ok(turn(intent, the_plan, TurnStatus::Declined, "Not done: declined.".into()));
        }
        let outcome = executor.execute(&prepared).await?;
        let mut t = turn(intent.clone(), the_plan, TurnStatus::Executed, outcome.reply.clone());
        if let Some(offer) = outcome.offer.clone().filter(|_| self.follow_ups) {
            let shown = Prepared {
                intent,
                plan: Plan {
                    access: Access::Write,
                    summary: offer.description.clone(),
                    steps: vec![offer.description.clone()],
                    commands: offer.commands.clone(),
                    same_as: Vec::new(),
                    files: Vec::new(),
                },
                generated: None,
                app_file: None,
                scale: None,
                containers: Vec::new(),
                prune: None,
                auto_update: None,
            };
            if confirm.confirm(&shown, false) == Decision::Yes {
                t.applied = Some(executor.apply(&offer).await?);
            }
        }
        t.outcome = Some(outcome);
        Ok(t)
    }

    async fn with_model(&mut self, text: &str, confirm: &mut dyn Confirm) -> Result<Turn, String> {
        let Some(executor) = self.executor.clone() else { return Err("the engine is not reachable".into()) };
        let Some((model, name)) = &self.model else { return Err("no model".into()) };
        let mut agent =
            Agent { model: model.as_ref(), executor: &executor, confirm, max_turns: 8, dry_run: self.dry_run };
        let mut messages = std::mem::take(&mut self.messages);
        let asked = agent.ask(&mut messages, text).await;
        match asked {
            Ok(turn) => {
                self.messages = messages;
                Ok(Turn::Model { model: name.clone(), turn })
            }
            Err(e) => {
                // Keep the conversation as it was before this request.
                messages.truncate(messages.len().saturating_sub(1));
                let note = format!("model {name}: {e}");
                self.messages = messages;
                Err(note)
            }
        }
    }
}

fn turn(intent: Intent, plan: Plan, status: TurnStatus, reply: String) -> OfflineTurn {
    OfflineTurn { intent, plan, status, reply, outcome: None, applied: None }
}

//! `tuxpilot-assistant` manages containers from plain language: "deploy nginx and redis",
//! "scale my web service to handle more traffic", "why does the db keep restarting?".
//!
//! - [`parse()`]: a deterministic, offline parser from English requests to typed intents
//!   ([`Intent`]), with names resolved against what the engine has ([`Inventory`]) and
//!   follow-ups resolved from the [`Conversation`];
//! - [`Intent::from_call`]: the same intents from a model's or an MCP client's tool call,
//!   validated exactly as parsed ones; [`arguments_schema`] gives each tool's JSON Schema,
//!   generated from the Rust types;
//! - [`plan()`]: what an intent would do, and whether it reads or writes (decided here, never by
//!   a model);
//! - [`Executor`]: runs intents with the TuxPilot libraries (the same calls as the CLI's
//!   commands); it never runs a shell;
//! - [`model`]: an optional OpenAI-compatible chat-completions model, offered one tool per
//!   intent, with a bounded loop and every write confirmed;
//! - [`Session`]: one conversation, offline or with the model, confirmed through the front
//!   end's [`model::Confirm`], returning typed [`Turn`]s the front end renders;
//! - [`mcp`]: the intents as an MCP server (rmcp) with read-only/destructive/idempotent hints.
//!
//! ```
//! use tuxpilot_assistant::{Conversation, Intent, Inventory, parse};
//!
//! let intent = parse("Scale my web service to 3 replicas", &Inventory::default(), &Conversation::default());
//! assert_eq!(intent.name(), "scale");
//! assert_eq!(intent.arguments()["replicas"], 3);
//! ```

mod compose;
pub mod diagnose;
mod error;
pub mod exec;
mod exec_updates;
pub mod intent;
pub mod inventory;
pub mod mcp;
pub mod model;
mod observe;
mod outcome;
pub mod parse;
pub mod plan;
mod refs;
pub mod safety;
pub mod same_as;
mod schema;
mod session;
mod settings;
mod tables;
mod targets;
pub mod templates;
mod update_args;
mod validate;

pub use error::ExecError;
pub use exec::{Executor, Prepared};
pub use intent::{Access, INTENTS, Intent, IntentInfo, InvalidIntent};
pub use inventory::{Conversation, Inventory, KnownApp, KnownContainer};
pub use outcome::{Handoff, Offer, Outcome};
pub use parse::parse;
pub use plan::{Plan, plan};
pub use schema::arguments_schema;
pub use session::{OfflineTurn, Session, Turn, TurnStatus};
pub use settings::ExecSettings;

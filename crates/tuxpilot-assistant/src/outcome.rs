//! What running an intent gives a front end: the reply and data, what it must take over next
//! (typed, never argv), and a further change to offer.

use serde::Serialize;
use serde_json::Value;

use crate::intent::Sort;

/// What a front end must take over: the live monitor view, or following logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Handoff {
    /// Open the live view (the CLI's `containers monitor`).
    LiveMonitor {
        /// `all` or a container.
        target: String,
        /// Sort order.
        sort: Option<Sort>,
    },
    /// Keep streaming a container's logs.
    FollowLogs {
        /// The container.
        target: String,
    },
}

/// A change offered after a read (optimize's recommendations): confirmed on its own.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    /// What applying it does.
    pub description: String,
    /// The commands that do the same (`docker update …`, one per container).
    pub commands: Vec<String>,
    /// The recommendations to apply.
    #[serde(skip)]
    pub recommendations: Vec<tuxpilot_monitor::optimize::Recommendation>,
}

/// What running an intent gave.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Plain words for the user.
    pub reply: String,
    /// The data, with a stable shape per intent.
    pub data: Value,
    /// What the front end must take over, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<Handoff>,
    /// A further change to offer (optimize: apply the limits).
    #[serde(skip)]
    pub offer: Option<Offer>,
}

impl Outcome {
    pub(crate) fn text(reply: impl Into<String>, data: Value) -> Self {
        Self { reply: reply.into(), data, handoff: None, offer: None }
    }
}

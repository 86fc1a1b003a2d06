//! `docker compose watch`: `develop.watch` rules run against a project's containers.
//!
//! [`rules`] reads and checks the rules, [`plan`] turns a batch of changed paths into what to do
//! per service (both pure), and [`watch`] runs it: file events from the `notify` crate,
//! coalesced (a batch goes once no change has come for [`WatchOptions::quiet`], or
//! [`WatchOptions::max_delay`] after its first), synced through the engine's archive API (one
//! tar per batch and container, deleted paths removed with one `rm -rf`), restarts, `exec`
//! hooks, and rebuilds through the compose runtime, with the caller's gate between the build
//! and the recreate.

mod plan;
mod rules;
mod run;

pub use plan::{SyncPath, Task, plan};
pub use rules::{Action, ExecHook, RuleError, WatchRule, rules};
pub use run::{WatchError, WatchEvent, WatchOptions, watch};

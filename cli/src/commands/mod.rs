//! One module per command group, each with its arguments beside it (`*_args.rs`, gathered by
//! `crate::args`).

pub mod attach;
pub mod chat;
pub mod chat_args;
pub mod compose;
pub mod compose_args;
pub mod compose_load;
pub mod compose_progress;
pub mod compose_ps;
pub mod compose_verbs;
pub mod compose_watch;
pub mod containers;
pub mod containers_args;
pub mod deploy;
pub mod deploy_args;
pub mod engine;
pub mod exec;
pub mod export;
pub mod export_args;
pub mod live;
pub mod live_columns;
pub mod monitor;
pub mod monitor_args;
pub mod objects;
pub mod proxy;
pub mod prune;
pub mod run;
pub mod run_flags;
pub mod same_as;
pub mod scan;
pub mod scan_args;
pub mod spec;
pub mod updates;
pub mod version;

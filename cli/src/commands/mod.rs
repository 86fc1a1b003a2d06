//! One module per command group.

pub mod attach;
pub mod chat;
pub mod compose;
pub mod containers;
pub mod deploy;
pub mod engine;
pub mod export;
pub mod live;
pub mod monitor;
pub mod scan;
pub mod spec;

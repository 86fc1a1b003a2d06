//! One module per command group.

pub mod containers;
pub mod engine;
pub mod spec;

//! The engine's streams: logs, stats, events.

use futures_util::stream::BoxStream;

use crate::error::Result;

/// A stream of results from the engine (logs, stats, events, pull progress, exports).
pub type EngineStream<T> = BoxStream<'static, Result<T>>;

//! Engine-side filters: for listings and for the events stream.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Engine-side filters, as `docker ps --filter KEY=VALUE` takes them: each key with one or more
/// values (`label=com.docker.compose.project=web`, `name=db`, `status=running`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Filters(pub BTreeMap<String, Vec<String>>);

impl Filters {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key=value` (keys may repeat).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.add(key, value);
        self
    }

    /// Adds `key=value` in place.
    pub fn add(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.entry(key.into()).or_default().push(value.into());
    }

    /// Adds a `label` filter (`key` or `key=value`).
    pub fn label(self, label: impl Into<String>) -> Self {
        self.with("label", label)
    }

    /// Parses `KEY=VALUE` as the CLI's `--filter` takes it.
    pub fn parse_pair(s: &str) -> Result<(String, String), String> {
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(format!("invalid filter `{s}`: expected KEY=VALUE, e.g. label=app=web or name=db")),
        }
    }

    /// True when there are no filters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A filter for the events stream.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventFilter {
    /// Only events after this Unix time (seconds).
    pub since: Option<i64>,
    /// Only events before this Unix time (seconds); the stream ends there.
    pub until: Option<i64>,
    /// Engine-side filters (`type=container`, `label=…`, `event=start`).
    pub filters: Filters,
}

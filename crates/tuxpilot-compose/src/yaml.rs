//! The located YAML layer, for other TuxPilot formats (the orchestrator's `app.yaml`) that want
//! errors as good as the Compose loader's: parse into [`Node`]s that remember file, line and
//! column, interpolate `${VAR}` as compose does, and deserialize into typed structs with errors
//! that name the place, the key path and a "did you mean".
//!
//! ```no_run
//! use std::{path::Path, sync::Arc};
//! #[derive(serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Spec { name: String }
//!
//! let file: Arc<Path> = Arc::from(Path::new("app.yaml"));
//! let docs = tuxpilot_compose::yaml::parse("name: shop\n", &file)?;
//! let spec: Spec = tuxpilot_compose::yaml::from_node(&docs[0])?;
//! assert_eq!(spec.name, "shop");
//! # Ok::<(), tuxpilot_compose::Error>(())
//! ```

pub use crate::node::{Key, Node, Tag, Value, parse};

use crate::error::{Error, ErrorKind, Result};
use crate::interpolate::{SubstitutionError, substitute};

/// Deserializes `node` into `T`; an error carries the key path, its location and compose's
/// wording (`additional property `x` is not allowed (did you mean `y`?)`).
pub fn from_node<T: serde::de::DeserializeOwned>(node: &Node) -> Result<T> {
    crate::loader::deserialize_located(node.to_json(), node)
}

/// Replaces `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `$$`… in every string of `node`, as
/// compose does; returns the names of variables that were not set (they become "").
pub fn interpolate(node: &mut Node, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>> {
    let mut unset = Vec::new();
    walk(node, String::new(), lookup, &mut unset)?;
    unset.dedup();
    Ok(unset)
}

fn walk(node: &mut Node, path: String, lookup: &dyn Fn(&str) -> Option<String>, unset: &mut Vec<String>) -> Result<()> {
    match &mut node.value {
        Value::Str(s) if s.contains('$') => match substitute(s, lookup) {
            Ok(out) => {
                for v in out.unset {
                    if !unset.contains(&v) {
                        unset.push(v);
                    }
                }
                node.value = Value::Str(out.value);
            }
            Err(SubstitutionError::InvalidFormat) => {
                return Err(Error::new(
                    ErrorKind::Interpolation,
                    format!("invalid interpolation format for {path}: {s}"),
                )
                .at(node.loc.clone())
                .path(path)
                .hint("write a literal $ as $$"));
            }
            Err(SubstitutionError::Required { name, message }) => {
                return Err(Error::new(
                    ErrorKind::Interpolation,
                    format!("required variable {name} is missing a value: {message}"),
                )
                .at(node.loc.clone())
                .path(path)
                .hint(format!("set {name} in the environment or in .env")));
            }
        },
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, format!("{path}[{i}]"), lookup, unset)?;
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                let p = if path.is_empty() { k.name.clone() } else { format!("{path}.{}", k.name) };
                walk(v, p, lookup, unset)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The closest of `candidates` to `word` (at most two edits away), for "did you mean".
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (crate::loader::strsim(word, c), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

//! The arguments of the image-update intents: `updates_check` (read), `updates_apply` and
//! `auto_update` (writes, confirmed).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a container follows its image (`auto_update` in app.yaml, the label
/// `tuxpilot.auto-update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpdatePolicy {
    /// Never updated.
    Off,
    /// The same tag at a new digest (the default).
    #[default]
    Digest,
    /// The newest patch release of the same minor version.
    Patch,
    /// The newest minor release of the same major version.
    Minor,
    /// The newest release.
    Major,
}

impl UpdatePolicy {
    /// `off`, `digest`, `patch`, `minor`, `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Digest => "digest",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// `updates_check`: what newer images the registries have, without pulling.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatesCheckArgs {
    /// An app, a compose project or a container; left out, everything that opted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// `updates_apply`: pull, scan, roll out and (on failure) roll back the available updates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatesApplyArgs {
    /// An app, a compose project or a container, or `all` for everything that opted in.
    pub target: String,
}

/// `auto_update`: opt a target in or out of automatic updates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoUpdateArgs {
    /// An app, `APP/SERVICE`, or a container.
    pub target: String,
    /// off, digest (default: the same tag at a new digest), patch, minor or major.
    #[serde(default)]
    pub policy: UpdatePolicy,
}

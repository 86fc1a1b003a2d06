//! `[containers.compose]`: how TuxPilot runs compose projects, the same whichever front end
//! (the CLI, chat, MCP) started the work.

use serde::{Deserialize, Serialize};

use crate::loader::LoadOptions;
use crate::runtime::PullPolicy;

/// `[containers.compose]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComposeConfig {
    /// The project name when none can be derived from `-p`, `COMPOSE_PROJECT_NAME`, `name:`
    /// or the directory.
    pub default_project_name: Option<String>,
    /// `false`: never pull (`up --pull never`); a missing image is an error naming it.
    pub auto_pull_images: bool,
    /// `up` and `down` remove orphans (containers of services no longer in the file).
    pub remove_orphans: bool,
}

impl Default for ComposeConfig {
    fn default() -> Self {
        Self { default_project_name: None, auto_pull_images: true, remove_orphans: false }
    }
}

impl ComposeConfig {
    /// The keys it knows.
    pub const KEYS: &'static [&'static str] = &["default_project_name", "auto_pull_images", "remove_orphans"];

    /// Loading: the default project name.
    pub fn apply_to(&self, options: &mut LoadOptions) {
        options.default_project_name = self.default_project_name.clone();
    }

    /// The pull policy of an `up`: the one asked for, else never when `auto_pull_images` is off.
    pub fn pull(&self, asked: Option<PullPolicy>) -> Option<PullPolicy> {
        match asked {
            Some(p) => Some(p),
            None if !self.auto_pull_images => Some(PullPolicy::Never),
            None => None,
        }
    }

    /// Whether an `up` or `down` removes orphans: when asked, or always with `remove_orphans`.
    pub fn remove_orphans(&self, asked: bool) -> bool {
        asked || self.remove_orphans
    }
}

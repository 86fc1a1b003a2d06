//! Image updates in plain words: "what updates are available" (`updates_check`), "update demo
//! now" (`updates_apply`), "keep web up to date" (`auto_update`), with the policy named by
//! "patch", "minor" or "major" and turned off by "disable", "turn off", "no more".

use super::parser::Parser;
use crate::intent::*;

const UPDATE: &[&str] = &["update", "updates", "upgrade", "upgrades", "updated", "updating"];
const AUTO: &[&str] = &[
    "auto-update",
    "auto-updates",
    "auto-updating",
    "auto-updated",
    "autoupdate",
    "autoupdates",
    "auto-upgrade",
    "auto-upgrades",
];

impl Parser<'_> {
    /// The update intent the request is about, if it is about image updates.
    pub(crate) fn updates(&self) -> Option<Intent> {
        // An image with a tag names a change of image: a deploy's business, not an update's.
        if self.w.iter().any(|w| w.raw.contains(':') && !w.raw.ends_with(':')) {
            return None;
        }
        let update_word = self.has_any(UPDATE);
        let auto = self.has_any(AUTO)
            || self.any_phrase(&["up to date", "auto update", "auto updates", "automatic updates", "automatic update"])
            || self.has("up-to-date")
            || (self.has_any(&["automatically", "itself"]) && update_word)
            || (self.first() == "keep" && self.has_any(&["current", "updated", "fresh"]))
            || (self.has("always") && self.has_any(&["newest", "latest"]) && self.has_any(&["image", "images"]))
            || (self.has_any(&["follow", "keep", "track"])
                && self.has_any(&["releases", "release", "versions", "version", "tags"])
                && self.has_any(&["patch", "minor", "major", "latest", "newest"]));
        if auto {
            let off = self.has_any(&["disable", "off", "stop", "opt-out"])
                || self.any_phrase(&["no more", "no longer", "opt out"]);
            let policy = if off {
                UpdatePolicy::Off
            } else if self.has("patch") {
                UpdatePolicy::Patch
            } else if self.has("minor") {
                UpdatePolicy::Minor
            } else if self.has("major") {
                UpdatePolicy::Major
            } else {
                UpdatePolicy::Digest
            };
            return Some(match self.update_target() {
                Some(target) => Intent::AutoUpdate(AutoUpdateArgs { target, policy }),
                None => {
                    Intent::Clarify(ClarifyArgs { question: "Which app or container should I keep up to date?".into() })
                }
            });
        }
        let images = self.has_any(&["image", "images"]);
        let fresh = self.has_any(&["latest", "newest", "newer", "new"]);
        let apply = (self.has_any(&["apply", "install"]) && self.has_any(&["updates", "update"]))
            || (self.phrase("roll out") && self.has("updates"))
            || (matches!(self.first(), "update" | "upgrade")
                && (self.has_any(&["now", "immediately"])
                    || self.phrase("right away")
                    || (fresh && images)
                    || self.update_target().is_some()))
            || (self.has_any(&["pull", "fetch"]) && fresh && images && update_word);
        if apply {
            return Some(match self.update_target() {
                Some(target) => Intent::UpdatesApply(UpdatesApplyArgs { target }),
                None if self.wants_all() || self.has("updates") || images => {
                    Intent::UpdatesApply(UpdatesApplyArgs { target: "all".into() })
                }
                None => Intent::Clarify(ClarifyArgs {
                    question: "Which app or container should I update (or all of them)?".into(),
                }),
            });
        }
        let check = self.any_phrase(&[
            "updates available",
            "available updates",
            "any updates",
            "updates pending",
            "pending updates",
            "check for updates",
            "image updates",
            "new versions of the images",
            "new image versions",
            "old images",
        ]) || (self.has("available") && update_word)
            || (self.has_any(&["outdated", "stale"]) && !self.has_any(&["logs", "log"]))
            || (self.has_any(&["newer", "new"]) && images && !self.has_any(&["deploy", "run", "build"]));
        if check {
            return Some(Intent::UpdatesCheck(UpdatesCheckArgs { target: self.update_target() }));
        }
        None
    }

    /// The app, compose project or container a request about updates names.
    fn update_target(&self) -> Option<String> {
        if let Some(w) = self.w.iter().find(|w| self.inv.apps.iter().any(|a| a.name == w.low)) {
            return Some(w.low.clone());
        }
        if let Some(w) = self.w.iter().find(|w| self.inv.is_project(&w.raw)) {
            return Some(w.raw.to_ascii_lowercase());
        }
        self.explicit_target()
            .filter(|t| !matches!(t.as_str(), "patch" | "minor" | "major" | "digest" | "newest" | "image" | "images"))
    }
}

//! Which container, service or app a request names, resolved against the engine's inventory
//! and the conversation.

use super::parser::Parser;
use super::text::{self, Word};
use super::words::{CUES, STOP};
use crate::intent::*;
use crate::inventory::Resolved;

impl Parser<'_> {
    /// Words that could be names: not filler, not a cue, not a number.
    pub(crate) fn name_words(&self) -> impl Iterator<Item = (usize, &Word)> {
        self.w.iter().enumerate().filter(|(_, w)| {
            w.quoted
                || (!STOP.contains(&w.low.as_str())
                    && !CUES.contains(&w.low.as_str())
                    && text::number(&w.low).is_none()
                    && !w.low.ends_with('%')
                    && !w.low.starts_with('-')
                    && (is_name(&w.raw) || is_image(&w.raw)))
        })
    }

    /// The container the request names, if it names one.
    pub(crate) fn explicit_target(&self) -> Option<String> {
        if let Some(w) = self.w.iter().find(|w| w.quoted && is_name(&w.raw)) {
            return Some(w.raw.clone());
        }
        // "the shop db", "api of demo": a service of a project or app.
        if let Some(pair) = self.first_pair() {
            return Some(pair);
        }
        if let Some(w) = self.w.iter().find(|w| self.inv.containers.iter().any(|c| c.name == w.raw)) {
            return Some(w.raw.clone());
        }
        if !self.inv.is_empty()
            && let Some((_, w)) =
                self.name_words().find(|(_, w)| !matches!(self.inv.container(&w.raw), Resolved::Unknown(_)))
        {
            return Some(w.raw.clone());
        }
        self.name_words().find(|(i, w)| is_name(&w.raw) && self.plausible_name(*i)).map(|(_, w)| w.raw.clone())
    }

    /// Whether an unknown word stands where a name goes: it looks like one (digits, `-`, `_`,
    /// `.`), or it is the object of a verb or preposition ("restart web", "logs of web"), or
    /// the subject of what follows ("web keeps crashing", "api is down").
    pub(crate) fn plausible_name(&self, i: usize) -> bool {
        let w = &self.w[i];
        if w.quoted || w.raw.chars().any(|c| c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | '/')) {
            return true;
        }
        let before = self.w[..i]
            .iter()
            .rev()
            .find(|p| {
                !matches!(
                    p.low.as_str(),
                    "the" | "a" | "an" | "my" | "our" | "your" | "this" | "that" | "container" | "service" | "app"
                )
            })
            .map(|p| p.low.as_str());
        let after = self.w.get(i + 1).map(|n| n.low.as_str()).unwrap_or("");
        let object_of =
            matches!(
                before,
                Some(
                    "of" | "for"
                        | "on"
                        | "in"
                        | "from"
                        | "at"
                        | "about"
                        | "to"
                        | "inspect"
                        | "describe"
                        | "start"
                        | "stop"
                        | "restart"
                        | "reboot"
                        | "remove"
                        | "delete"
                        | "rm"
                        | "kill"
                        | "halt"
                        | "terminate"
                        | "diagnose"
                        | "debug"
                        | "troubleshoot"
                        | "scan"
                        | "audit"
                        | "monitor"
                        | "watch"
                        | "optimize"
                        | "optimise"
                        | "right-size"
                        | "rightsize"
                        | "tune"
                        | "scale"
                        | "check"
                        | "logs"
                        | "log"
                        | "tail"
                        | "follow"
                        | "stream"
                        | "show"
                        | "with"
                        | "named"
                        | "called"
                        | "give"
                        | "resume"
                        | "bounce"
                        | "recycle"
                        | "reload"
                        | "boot"
                        | "pause"
                        | "unpause"
                        | "destroy"
                        | "erase"
                        | "purge"
                        | "investigate"
                        | "explain"
                        | "is"
                        | "was"
                        | "did"
                        | "does"
                        | "stats"
                        | "into"
                        | "up"
                        | "down"
                        | "reduce"
                        | "increase"
                        | "double"
                        | "add"
                        | "grow"
                        | "shrink"
                        | "run"
                        | "halve"
                        | "take"
                        | "bring"
                        | "set"
                        | "get"
                        | "put"
                        | "make"
                        | "why"
                        | "off"
                        | "out"
                        | "trash"
                        | "nuke"
                        | "wipe"
                        | "analyze"
                        | "analyse"
                        | "examine"
                )
            ) && !matches!(after, "goes" | "go" | "is" | "are" | "exceeds" | "passes" | "hits" | "reaches" | "gets")
                || before.is_none() && self.w.len() == 1;
        let subject_of = matches!(
            after,
            "container"
                | "containers"
                | "service"
                | "app"
                | "logs"
                | "log"
                | "instance"
                | "instances"
                | "keeps"
                | "kept"
                | "crashed"
                | "crashing"
                | "crashes"
                | "died"
                | "dies"
                | "exited"
                | "failed"
                | "fails"
                | "failing"
                | "seems"
                | "needs"
                | "stats"
                | "output"
                | "replicas"
                | "replica"
                | "copies"
                | "using"
                | "uses"
                | "has"
                | "had"
                | "won't"
                | "isn't"
                | "doesn't"
                | "restarting"
                | "restarted"
                | "stopped"
                | "went"
                | "goes"
                | "is"
                | "was"
                | "will"
                | "can"
                | "cannot"
        ) && !matches!(before, Some("what" | "which" | "how" | "who" | "cpu" | "memory" | "it"))
            || (i == 0 && matches!(after, "is" | "keeps" | "was" | "crashed" | "needs" | "has"));
        object_of || subject_of
    }

    pub(crate) fn pronoun(&self) -> bool {
        self.w.iter().any(|w| is_pronoun(&w.low))
    }

    pub(crate) fn wants_all(&self) -> bool {
        self.has_any(&["all", "every", "everything", "everyone"])
    }

    /// An intent about one container: named, resolved, or asked for.
    pub(crate) fn with_target(&self, verb: &str, make: impl Fn(String) -> Intent) -> Intent {
        let all_ok = matches!(verb, "start" | "stop" | "restart");
        let target = self.explicit_target();
        let target = match target {
            Some(t) => t,
            None if self.conv.container.is_some() && (self.pronoun() || self.w.len() <= 4) && !self.wants_all() => {
                return make(self.conv.container.clone().unwrap_or_default());
            }
            None if self.wants_all() && all_ok => return make("all".into()),
            None => {
                let running: Vec<&str> =
                    self.inv.containers.iter().filter(|c| c.running).map(|c| c.name.as_str()).take(6).collect();
                let hint =
                    if running.is_empty() { String::new() } else { format!(" (running: {})", running.join(", ")) };
                return Intent::Clarify(ClarifyArgs { question: format!("Which container should I {verb}?{hint}") });
            }
        };
        if target.contains('/') {
            return make(target);
        }
        match self.resolve(&target) {
            Resolved::One(name) => make(name),
            Resolved::Unknown(name) => make(name),
            Resolved::Many(names) => {
                Intent::Clarify(ClarifyArgs { question: format!("Which container do you mean: {}?", or_list(&names)) })
            }
        }
    }

    /// `all`, or the one container named.
    pub(crate) fn scope(&self) -> String {
        match self.explicit_target() {
            Some(t) => match self.inv.container(&t) {
                Resolved::One(n) | Resolved::Unknown(n) => n,
                Resolved::Many(_) => t,
            },
            None if self.pronoun() && !self.wants_all() => self.conv.container.clone().unwrap_or_else(|| "all".into()),
            None => "all".into(),
        }
    }

    pub(crate) fn scale_of(&self, service: Option<String>, make: impl Fn(String) -> ScaleArgs) -> Intent {
        let service = match service {
            Some(s) => s,
            None => match (&self.conv.service, &self.conv.container) {
                (Some(s), _) if self.pronoun() || self.w.len() <= 4 => s.clone(),
                (None, Some(c)) if self.pronoun() => match self.inv.service(c) {
                    Resolved::One(s) => s,
                    _ => c.clone(),
                },
                _ => return Intent::Clarify(ClarifyArgs { question: "Which service should I scale?".into() }),
            },
        };
        match self.inv.service(&service) {
            Resolved::One(s) => Intent::Scale(make(s)),
            Resolved::Many(options) => Intent::Clarify(ClarifyArgs {
                question: format!("Several apps have a service {service}: which one, {}?", or_list(&options)),
            }),
            Resolved::Unknown(s) => {
                // A container name: its service.
                match self.inv.container(&s) {
                    Resolved::One(c) => {
                        let svc = self.inv.containers.iter().find(|k| k.name == c).and_then(|k| k.service.clone());
                        Intent::Scale(make(svc.unwrap_or(s)))
                    }
                    _ => Intent::Scale(make(s)),
                }
            }
        }
    }

    /// The app a request names, skipping version words.
    pub(crate) fn app_word(&self) -> Option<String> {
        let version_at = self.version_word();
        self.name_words()
            .filter(|(i, w)| {
                Some(*i) != version_at && !is_version(&w.low) && !matches!(w.low.as_str(), "v" | "rev" | "revision")
            })
            .map(|(_, w)| w.raw.clone())
            .next()
    }

    pub(crate) fn version_word(&self) -> Option<usize> {
        for (i, w) in self.w.iter().enumerate() {
            if matches!(w.low.as_str(), "to" | "version" | "revision" | "v" | "release")
                && let Some(n) = self.w.get(i + 1)
            {
                if n.low == "version" || n.low == "revision" {
                    if self.w.get(i + 2).is_some_and(|v| is_version(&v.low)) {
                        return Some(i + 2);
                    }
                } else if is_version(&n.low) && n.low.chars().any(|c| c.is_ascii_digit()) {
                    return Some(i + 1);
                }
            }
        }
        None
    }

    pub(crate) fn app_or_ask(&self, verb: &str, make: impl Fn(String) -> Intent) -> Intent {
        let word = self.app_word();
        let resolved = match &word {
            None if self.pronoun() && self.conv.app.is_some() => {
                Resolved::One(self.conv.app.clone().unwrap_or_default())
            }
            None if self.conv.app.is_some() && self.inv.apps.len() != 1 => {
                Resolved::One(self.conv.app.clone().unwrap_or_default())
            }
            _ => self.inv.app(word.as_deref()),
        };
        match resolved {
            Resolved::One(a) => make(a),
            Resolved::Unknown(a) if !a.is_empty() => make(a),
            Resolved::Unknown(_) => Intent::Clarify(ClarifyArgs { question: format!("Which app should I {verb}?") }),
            Resolved::Many(apps) => {
                Intent::Clarify(ClarifyArgs { question: format!("Which app should I {verb}: {}?", or_list(&apps)) })
            }
        }
    }
}

pub(crate) fn is_version(w: &str) -> bool {
    let v = w.strip_prefix('v').unwrap_or(w);
    (v.chars().next().is_some_and(|c| c.is_ascii_digit())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        || matches!(w, "latest" | "alpine" | "slim" | "stable" | "lts")
}

pub(crate) fn is_pronoun(w: &str) -> bool {
    matches!(w, "it" | "its" | "that" | "this" | "them" | "same" | "him" | "her")
}

/// "a, b or c".
pub(crate) fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

//! The offline parser: English requests into intents, deterministically, with no model.
//!
//! A request is cleaned into words ([`text`]), checked for what is refused, classified by the
//! first rule whose cues it has (the rules' order settles overlaps: "show the logs" is logs, not
//! list; "check the security" is a scan), and its arguments are read by that intent's
//! extractor ([`args`]). Names are resolved against the engine's [`Inventory`]; a pronoun refers
//! to what the [`Conversation`] last talked about. A request that would change something is
//! acted on only when it is an order ([`mood`]).

mod args;
mod cues;
mod mood;
mod names;
mod parser;
mod refuse;
mod sets;
pub mod text;
mod updates;
mod words;

use crate::intent::*;
use crate::inventory::{Conversation, Inventory};
use parser::Parser;

/// Parses one request.
pub fn parse(request: &str, inventory: &Inventory, conversation: &Conversation) -> Intent {
    let mut words = text::words(request);
    if let Some(reason) = refuse::refusal(&words, request) {
        return Intent::Refuse(RefuseArgs { reason });
    }
    text::strip_fillers(&mut words);
    // "What would happen if I stopped api?", "avoid restarting api": read as the change they are
    // about (then held back as a question or a negation below).
    if mood::hypothetical(request)
        || mood::negated_gerund(request)
        || mood::questioned_gerund(request, &words)
        || mood::wanted_participle(request)
        || mood::questioned_passive(request)
    {
        for w in &mut words {
            if let Some(v) = text::imperative(&w.low) {
                w.low = v.to_string();
            }
        }
    }
    let known = |w: &str| inventory.knows(w);
    text::correct_typos(&mut words, &known);
    let p = Parser { w: &words, inv: inventory, conv: conversation };
    let mut intent = p.classify();
    // Lifecycle changes act on their whole set: several names, or all but some.
    if matches!(intent, Intent::Start(_) | Intent::Stop(_) | Intent::Restart(_) | Intent::Remove(_)) {
        intent = p.lifecycle_over_set(request, intent);
    }
    // An intent whose arguments do not validate is a question, never a guess.
    if let Err(e) = intent.validate() {
        return Intent::Clarify(ClarifyArgs { question: format!("I could not use that: {e}. Could you rephrase?") });
    }
    // "If api crashes, restart it": a condition on a change, however it was read.
    if intent.access() == Access::Read
        && !matches!(intent, Intent::Monitor(_))
        && let Some(answer) = mood::conditional_change(request)
    {
        return answer;
    }
    // A change is made only when it was ordered: not when it was forbidden, asked about, made
    // conditional, excepted, or listed with more targets than the intent carries.
    if intent.access() == Access::Write
        && let Some(answer) = mood::held_back(request, &p, &intent)
    {
        return answer;
    }
    intent
}

/// The lifecycle verbs and the intent each means. A request that starts with one of them is
/// about that, whatever else it says ("restart web, it keeps crashing" is a restart).
/// Lifecycle verbs of two words.
pub(crate) const LIFECYCLE_PHRASES: &[(&str, &str)] = &[
    ("shut down", "stop"),
    ("shut off", "stop"),
    ("turn off", "stop"),
    ("switch off", "stop"),
    ("power off", "stop"),
    ("power down", "stop"),
    ("bring down", "stop"),
    ("take down", "stop"),
    ("get rid", "remove"),
    ("throw away", "remove"),
    ("bring up", "start"),
    ("turn on", "start"),
    ("fire up", "start"),
    ("power on", "start"),
    ("power up", "start"),
];

pub(crate) const LIFECYCLE: &[(&[&str], &str)] = &[
    (&["restart", "reboot", "bounce", "recycle", "reload"], "restart"),
    (&["remove", "delete", "rm", "destroy", "erase", "purge", "trash", "nuke", "wipe", "discard"], "remove"),
    (&["stop", "halt", "kill", "terminate", "pause"], "stop"),
    (&["start", "boot", "resume", "unpause"], "start"),
];

impl Parser<'_> {
    fn classify(&self) -> Intent {
        if self.w.is_empty() {
            return help_or_unknown(true);
        }
        if self.is_help() {
            return Intent::Help(NoArgs {});
        }
        if let Some(i) = self.updates() {
            return i;
        }
        if let Some(i) = self.monitor_control() {
            return i;
        }
        if self.is_prune() {
            return Intent::Prune(NoArgs {});
        }
        let first = self.first();
        let deploy_verb = self.has_any(&["deploy", "redeploy"]);
        if !deploy_verb && self.is_compose() {
            return if self.has_any(&["down", "stop", "teardown", "destroy", "remove", "delete", "kill"])
                || self.any_phrase(&["tear down", "take down", "shut down", "clean up"])
            {
                self.compose_down()
            } else {
                self.compose_up()
            };
        }
        if self.has_any(&["rollback", "revert", "downgrade", "undo"])
            || self.any_phrase(&["roll back", "roll it back", "go back to", "back to version", "back to the previous"])
            || (self.has("roll") && self.has("back"))
        {
            return self.rollback();
        }
        let about_apps = self.has_any(&["apps", "applications", "deployments"]) && !self.has("history");
        if !about_apps && self.has_any(&["history", "revisions", "versions"])
            || self.any_phrase(&[
                "what was deployed",
                "deployed before",
                "previous version",
                "earlier versions",
                "previous deployments",
                "past deployments",
                "deployment log",
                "which version",
                "what version",
            ])
        {
            return self.history();
        }
        if self.is_deployments() {
            return Intent::Deployments(NoArgs {});
        }
        // "restart …", "shut down …", "get rid of …"; and "is it safe to restart …", "how to stop
        // …": the change the request is about.
        let lifecycle_first = self.lifecycle_first();
        // "restart the api replicas": every replica, not a scale (which needs a number).
        let counted = self.w.iter().any(|w| text::number(&w.low).is_some() || w.low.starts_with(['+', '-']));
        if (counted || !lifecycle_first) && self.is_scale() {
            return self.scale();
        }
        // "is search running?": about that container.
        if matches!(first, "is" | "was")
            && !self.has_any(&["containers", "anything", "everything", "all"])
            && self.has_any(&["running", "up", "alive", "healthy", "started"])
            && self.explicit_target().is_some()
        {
            return self.with_target("inspect", |target| Intent::Inspect(TargetArgs { target }));
        }
        // "list every container including exited ones" is a list, whatever else it says.
        if matches!(first, "list" | "ls" | "ps") && !self.has_any(&["logs", "log", "vulnerabilities", "history"]) {
            return Intent::List(ListArgs { all: self.list_all() });
        }
        if !lifecycle_first && self.is_scan() {
            return self.scan();
        }
        if !lifecycle_first && self.is_optimize() {
            return Intent::Optimize(ScopeArgs { target: self.scope() });
        }
        if !lifecycle_first && self.is_monitor() {
            return self.monitor();
        }
        if !lifecycle_first && self.is_diagnose() {
            return self.with_target("diagnose", |target| Intent::Diagnose(TargetArgs { target }));
        }
        if !lifecycle_first && self.is_logs() {
            return self.logs();
        }
        if deploy_verb || self.is_deploy() {
            return self.deploy();
        }
        if let Some(i) = self.lifecycle() {
            return i;
        }
        if self.is_inspect() {
            return self.with_target("inspect", |target| Intent::Inspect(TargetArgs { target }));
        }
        if self.is_list() {
            return Intent::List(ListArgs { all: self.list_all() });
        }
        help_or_unknown(false)
    }

    /// Whether the request is about a lifecycle change before anything else: it opens with a
    /// lifecycle verb (after a word of address: "yo", "alright", "now"), or asks about one ("is
    /// it safe to restart …", "how to stop …").
    fn lifecycle_first(&self) -> bool {
        let lead = self
            .w
            .iter()
            .take_while(|w| {
                matches!(w.low.as_str(), "yo" | "alright" | "right" | "now" | "then" | "ok" | "okay" | "hey")
            })
            .count();
        let at = |i: usize| {
            self.w.get(i).is_some_and(|w| LIFECYCLE.iter().any(|(verbs, _)| verbs.contains(&w.low.as_str())))
                || LIFECYCLE_PHRASES.iter().any(|(p, _)| self.phrase_at(p) == Some(i))
        };
        at(lead) || self.w.iter().enumerate().any(|(i, w)| w.low == "to" && at(i + 1))
    }

    /// "Set up monitoring", "start monitoring", "alert me when…" (kept running in the
    /// background) and "stop monitoring".
    fn monitor_control(&self) -> Option<Intent> {
        let about = self.has_any(&["monitoring", "monitor", "alerts", "alerting", "watching", "watchdog"]);
        if !about || self.inv.knows("monitor") || self.inv.knows("monitoring") {
            return None;
        }
        let off = self.has_any(&[
            "stop",
            "disable",
            "cancel",
            "end",
            "kill",
            "halt",
            "deactivate",
            "unset",
            "remove",
            "quit",
            "pause",
        ]) || self.any_phrase(&["turn off", "switch off", "shut off", "no more", "get rid of", "shut down"])
            || (self.has_any(&["turn", "switch"]) && self.has("off"));
        let on = matches!(self.first(), "start" | "begin" | "enable" | "activate")
            || self.any_phrase(&["turn on", "switch on"]);
        if off && !on {
            return Some(Intent::MonitorStop(NoArgs {}));
        }
        if on {
            let mut m = self.monitor();
            if let Intent::Monitor(a) = &mut m {
                a.persist = !a.realtime;
            }
            return Some(m);
        }
        None
    }

    fn is_prune(&self) -> bool {
        let named =
            self.w.iter().any(|w| self.inv.containers.iter().any(|c| c.name == w.raw) || self.inv.is_project(&w.raw));
        if named || self.has_any(&["compose", "project"]) {
            return false;
        }
        let junk =
            self.has_any(&["stopped", "exited", "dead", "unused", "dangling", "leftover", "leftovers", "orphaned"]);
        let things = self.has_any(&[
            "containers",
            "images",
            "networks",
            "ones",
            "everything",
            "stuff",
            "junk",
            "things",
            "resources",
            "space",
            "disk",
        ]);
        self.has_any(&["prune", "pruning", "cleanup", "declutter", "tidy", "gc"])
            || self.any_phrase(&["garbage collect", "free up space", "free up disk", "reclaim space", "reclaim disk"])
            || (self.any_phrase(&["clean up", "clean out", "clear out", "clear away", "get rid of"])
                && (junk || things || self.w.len() <= 3))
            || (self.has_any(&["remove", "delete", "rm", "purge", "clear", "wipe", "trash", "nuke", "drop"])
                && junk
                && things)
    }

    fn is_deployments(&self) -> bool {
        if self.has_any(&["deploy", "redeploy", "logs", "log", "history", "scale", "rollback", "replica", "scan"])
            || self.w.iter().any(|w| w.low.chars().any(|c| c.is_ascii_digit()))
        {
            return false;
        }
        let apps = self.has_any(&["apps", "applications", "application"]);
        self.has_any(&["deployments"])
            || self.any_phrase(&[
                "is deployed",
                "are deployed",
                "deployed apps",
                "deployed app",
                "deployed applications",
                "deployed application",
                "have deployed",
                "app status",
                "apps status",
            ])
            || (apps
                && self.has_any(&[
                    "list", "show", "what", "which", "my", "all", "health", "status", "versions", "running",
                    "overview", "doing", "up",
                ]))
    }

    fn lifecycle(&self) -> Option<Intent> {
        let verbs = LIFECYCLE;
        // The first verb in the request decides ("stop web and restart it" is a stop).
        let mut found: Option<(usize, &str)> = None;
        for (i, w) in self.w.iter().enumerate() {
            if let Some((_, name)) = verbs.iter().find(|(vs, _)| vs.contains(&w.low.as_str())) {
                found = Some((i, name));
                break;
            }
        }
        // A verb of two words before it ("power off the web and restart it") decides.
        let phrase =
            LIFECYCLE_PHRASES.iter().filter_map(|(p, n)| self.phrase_at(p).map(|i| (i, *n))).min_by_key(|(i, _)| *i);
        let name = match (found, phrase) {
            (Some((i, n)), Some((j, m))) => Some(if j <= i { m } else { n }),
            (Some((_, n)), None) => Some(n),
            (None, Some((_, m))) => Some(m),
            (None, None) if self.phrase("clean up") => Some("remove"),
            (None, None) => None,
        };
        let name = name?;
        let make = |target: String| lifecycle_intent(name, LifecycleArgs::one(target));
        Some(self.with_target(name, make))
    }
}

/// A lifecycle intent by its name.
pub(crate) fn lifecycle_intent(name: &str, a: LifecycleArgs) -> Intent {
    match name {
        "restart" => Intent::Restart(a),
        "remove" => Intent::Remove(a),
        "stop" => Intent::Stop(a),
        _ => Intent::Start(a),
    }
}

fn help_or_unknown(help: bool) -> Intent {
    if help {
        return Intent::Help(NoArgs {});
    }
    Intent::Unknown(UnknownArgs {
        suggestions: [
            "list my containers",
            "show the logs of web",
            "deploy nginx and redis",
            "scale web to 3",
            "diagnose db",
            "check the security of my running containers",
            "optimize container resource usage",
            "set up monitoring for my containers",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    })
}

#[cfg(test)]
mod tests;

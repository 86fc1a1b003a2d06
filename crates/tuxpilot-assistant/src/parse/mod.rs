//! The offline parser: English requests into intents, deterministically, with no model.
//!
//! A request is cleaned into words ([`text`]), checked for what is refused, classified by the
//! first rule whose cues it has (the rules' order settles overlaps: "show the logs" is logs, not
//! list; "check the security" is a scan), and its arguments are read by that intent's
//! extractor ([`args`]). Names are resolved against the engine's [`Inventory`]; a pronoun refers
//! to what the [`Conversation`] last talked about. A request that would change something is
//! acted on only when it is an order ([`mood`]).

mod args;
mod mood;
mod names;
mod parser;
mod refuse;
mod sets;
pub mod text;
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
        if self.is_scale() && !(lifecycle_first && !counted) {
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
        let off = self.has_any(&["stop", "disable", "cancel", "end", "kill", "halt", "deactivate", "unset", "remove"])
            || self.any_phrase(&["turn off", "switch off", "shut off", "no more", "get rid of", "shut down"])
            || (self.has_any(&["turn", "switch"]) && self.has("off"));
        let on = matches!(self.first(), "start" | "begin" | "enable" | "activate");
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

    fn is_help(&self) -> bool {
        let short = self.w.len() <= 6;
        (short && self.has_any(&["help", "commands", "manual"]) && !self.has_any(&["cpu", "memory", "disk"]))
            || self.any_phrase(&[
                "what can you do",
                "what do you do",
                "how do i use you",
                "what can i ask",
                "how does this work",
                "what are your commands",
            ])
            || (self.w.len() == 1 && matches!(self.first(), "?" | "h" | "menu"))
    }

    fn is_compose(&self) -> bool {
        // "take down the shop project", "tear down shop" (a compose project here).
        let project =
            self.has_any(&["project", "projects"]) || self.w.iter().any(|w| self.inv.is_compose_project(&w.raw));
        let whole = self.any_phrase(&["take down", "tear down", "bring down", "bring up", "spin up", "spin down"])
            || self.has_any(&["teardown"])
            || (self.has_any(&["bring", "spin", "start"]) && self.has("up"));
        if project && whole && !self.has_any(&["app", "apps", "application"]) {
            return true;
        }
        self.has_any(&["compose", "docker-compose", "compose.yaml", "compose.yml"])
            || self.w.iter().any(|w| {
                let f = w.low.rsplit('/').next().unwrap_or("");
                f.ends_with("compose.yml") || f.ends_with("compose.yaml")
            }) && self.has_any(&["up", "down", "start", "run", "stop", "bring", "launch", "teardown"])
    }

    fn is_scale(&self) -> bool {
        // "the web replicas" names replicas; a scale needs a count, a direction or the verb.
        // "up"/"down" of "fire up", "shut down" are part of the verb.
        let particle = |i: usize| {
            i > 0
                && LIFECYCLE_PHRASES.iter().any(|(p, _)| p.split_once(' ').is_some_and(|(v, _)| v == self.w[i - 1].low))
        };
        let counted = self.w.iter().enumerate().any(|(i, w)| {
            !particle(i)
                && (text::number(&w.low).is_some()
                    || w.low.starts_with(['+', '-'])
                    || matches!(
                        w.low.as_str(),
                        "more"
                            | "fewer"
                            | "less"
                            | "another"
                            | "extra"
                            | "additional"
                            | "up"
                            | "down"
                            | "out"
                            | "double"
                            | "halve"
                            | "add"
                            | "increase"
                            | "decrease"
                            | "reduce"
                            | "bump"
                            | "many"
                    ))
        });
        self.has_any(&["scale", "scaled", "rescale", "autoscale"])
            || (self.has_any(&["replicas", "replica", "instances", "copies"]) && counted)
            || self.w.iter().any(|w| args::service_equals(&w.raw).is_some())
            || (self.has_any(&["instance", "copy"])
                && self.has_any(&["another", "add", "extra", "more", "fewer", "additional"])
                && !self.has_any(&["deploy", "launch", "install"]))
            || self.any_phrase(&[
                "much traffic",
                "lots of traffic",
                "traffic spike",
                "more traffic",
                "handle more",
                "more load",
                "less traffic",
                "heavy load",
                "high load",
                "scale out",
                "scale in",
                "more capacity",
            ]) && !self.has_any(&["deploy", "launch"])
    }

    fn is_scan(&self) -> bool {
        self.has_any(&[
            "scan",
            "scans",
            "scanning",
            "security",
            "secure",
            "insecure",
            "vulnerabilities",
            "vulnerability",
            "vulnerable",
            "cve",
            "cves",
            "audit",
            "cis",
            "compliance",
            "compliant",
            "harden",
            "hardening",
            "misconfiguration",
            "misconfigurations",
            "safe",
            "exploit",
            "exploits",
            "trivy",
            "safely",
            "securely",
            "secured",
            "risky",
            "risks",
        ]) || self.phrase("security issues")
            || (self.has_any(&["image", "images"])
                && self.has_any(&["check", "scan", "analyze", "analyse", "examine", "test", "inspect"]))
    }

    fn is_optimize(&self) -> bool {
        self.has_any(&[
            "optimize",
            "optimise",
            "optimization",
            "optimisation",
            "rightsize",
            "right-size",
            "right-sizing",
            "rightsizing",
            "tune",
            "overprovisioned",
            "over-provisioned",
            "oversized",
            "undersized",
            "over-allocated",
            "underprovisioned",
            "under-provisioned",
            "wasting",
            "waste",
        ]) || (self.has_any(&[
            "reduce",
            "lower",
            "improve",
            "efficient",
            "efficiency",
            "save",
            "cut",
            "trim",
            "recommend",
            "recommendations",
            "suggest",
        ]) && self.has_any(&[
            "resource",
            "resources",
            "usage",
            "memory",
            "cpu",
            "limits",
            "costs",
            "cost",
            "footprint",
        ])) || self.any_phrase(&["right size", "resource limits", "too much memory", "too many resources"])
            && !self.has_any(&["alert", "monitor", "notify"])
    }

    fn is_monitor(&self) -> bool {
        self.has_any(&[
            "monitor",
            "monitoring",
            "monitored",
            "stats",
            "statistics",
            "metrics",
            "alert",
            "alerts",
            "alerting",
            "notify",
            "dashboard",
            "top",
            "usage",
            "utilization",
            "utilisation",
            "consumption",
            "consuming",
            "hogging",
            "hogs",
            "hog",
            "observe",
        ]) || (self.has_any(&["cpu", "memory", "ram", "mem", "load"]) && !self.has_any(&["limit", "limits"]))
            || self.phrase("keep an eye")
            || (self.has("watch") && !self.has_any(&["logs", "log"]))
    }

    fn is_diagnose(&self) -> bool {
        // "any errors in the mailer logs?" asks for the logs.
        if self.has_any(&["logs", "log"])
            && !self.has_any(&[
                "why",
                "wrong",
                "diagnose",
                "debug",
                "troubleshoot",
                "crash",
                "crashed",
                "crashing",
                "unhealthy",
                "oom",
                "restarting",
                "dead",
                "died",
            ])
        {
            return false;
        }
        self.has_any(&[
            "diagnose",
            "diagnosis",
            "wrong",
            "crash",
            "crashing",
            "crashed",
            "crashes",
            "failing",
            "failed",
            "broken",
            "debug",
            "troubleshoot",
            "unhealthy",
            "died",
            "dying",
            "dead",
            "oom",
            "oomkilled",
            "exited",
            "exiting",
            "problem",
            "problems",
            "issue",
            "issues",
            "error",
            "errors",
            "fix",
            "investigate",
            "restarting",
            "crashloop",
            "flapping",
        ]) || self.any_phrase(&[
            "is down",
            "went down",
            "goes down",
            "keeps dying",
            "not working",
            "does not work",
            "not starting",
            "will not start",
            "keeps restarting",
            "why is",
            "why did",
            "why does",
            "what happened",
            "exit code",
            "not responding",
            "keep restarting",
            "figure out",
            "matter with",
            "wrong with",
            "find out why",
        ])
    }

    fn is_logs(&self) -> bool {
        self.has_any(&[
            "logs", "log", "logfile", "stdout", "stderr", "output", "printing", "printed", "print", "saying",
            "logging", "logged",
        ]) || (self.first() == "tail" && self.w.len() > 1)
    }

    fn is_deploy(&self) -> bool {
        let verb = self.has_any(&["launch", "install", "provision", "spin"])
            || self.any_phrase(&[
                "set up",
                "setup",
                "bring up",
                "stand up",
                "get me",
                "give me",
                "spin up",
                "create a",
                "create an",
                "run a",
                "run an",
                "start a",
                "start an",
                "i need a",
                "i need an",
            ]);
        let templ = self.w.iter().any(|w| args::template_word(&w.low).is_some());
        let file = self.w.iter().any(|w| args::is_app_file(&w.raw));
        (verb
            && (templ
                || file
                || self.has_any(&["application", "app", "stack", "site", "website", "database", "cache", "blog"])))
            || (templ
                && self.has_any(&["with", "using", "application", "app", "stack", "website", "site"])
                && !self.has_any(&["container", "containers"]))
            || (matches!(self.first(), "run" | "create" | "start" | "add") && templ && !self.targets_known())
            // "a postgres database" (after "I need"), "redis please".
            || (templ && (matches!(self.first(), "a" | "an" | "some") || args::template_word(self.first()).is_some()))
    }

    /// A word after the verb names a container the engine has.
    fn targets_known(&self) -> bool {
        self.w.iter().skip(1).any(|w| self.inv.containers.iter().any(|c| c.name == w.raw))
    }

    fn is_inspect(&self) -> bool {
        self.has_any(&[
            "inspect",
            "details",
            "detail",
            "describe",
            "info",
            "information",
            "configuration",
            "config",
            "status",
            "state",
            "ip",
            "address",
            "ports",
            "env",
            "environment",
        ]) || (self.has("tell") && self.has("about") || self.has("everything") && self.has("about"))
            && self.explicit_target().is_some()
            || self.any_phrase(&[
                "tell me about",
                "what about",
                "look at",
                "is it running",
                "is running",
                "what image",
                "which image",
                "how long",
                "when was",
                "uptime of",
            ]) && self.explicit_target().is_some()
    }

    fn is_list(&self) -> bool {
        self.has_any(&["list", "ls", "ps", "containers", "running", "stopped", "exited"])
            || self.any_phrase(&[
                "what is running",
                "what is up",
                "what do i have",
                "show everything",
                "show all",
                "containers up",
                "anything running",
            ])
    }

    fn list_all(&self) -> bool {
        self.has_any(&[
            "all",
            "every",
            "everything",
            "stopped",
            "exited",
            "dead",
            "including",
            "inactive",
            "-a",
            "--all",
        ]) && !self.phrase("all running")
            // "all the containers that are currently running": the running ones.
            && (!self.has_any(&["running", "active", "live"]) || self.has_any(&["stopped", "exited", "dead", "including", "inactive", "-a", "--all"]))
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

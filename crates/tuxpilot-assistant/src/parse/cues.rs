//! The cues of each intent: which words and phrases make a request a scan, a monitor, a
//! diagnosis, a deploy… Classification (`mod.rs`) asks them in its order.

use super::args;
use super::parser::Parser;
use super::{LIFECYCLE_PHRASES, text};

impl Parser<'_> {
    pub(super) fn is_help(&self) -> bool {
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

    pub(super) fn is_compose(&self) -> bool {
        // "take down the shop project", "tear down shop" (a compose project here).
        let project =
            self.has_any(&["project", "projects"]) || self.w.iter().any(|w| self.inv.is_compose_project(&w.raw));
        let whole = self.any_phrase(&["take down", "tear down", "bring down", "bring up", "spin up", "spin down"])
            || self.has_any(&["teardown"])
            || (self.has_any(&["bring", "spin", "start"]) && self.has("up"));
        // "bring down the db of analytics" is that service, not the whole project.
        if project && whole && !self.has_any(&["app", "apps", "application"]) && self.first_pair().is_none() {
            return true;
        }
        self.has_any(&["compose", "docker-compose", "compose.yaml", "compose.yml"])
            || self.w.iter().any(|w| {
                let f = w.low.rsplit('/').next().unwrap_or("");
                f.ends_with("compose.yml") || f.ends_with("compose.yaml")
            }) && self.has_any(&["up", "down", "start", "run", "stop", "bring", "launch", "teardown"])
    }

    pub(super) fn is_scale(&self) -> bool {
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

    pub(super) fn is_scan(&self) -> bool {
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

    pub(super) fn is_optimize(&self) -> bool {
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

    pub(super) fn is_monitor(&self) -> bool {
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

    pub(super) fn is_diagnose(&self) -> bool {
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

    pub(super) fn is_logs(&self) -> bool {
        self.has_any(&[
            "logs", "log", "logfile", "stdout", "stderr", "output", "printing", "printed", "print", "saying",
            "logging", "logged",
        ]) || (self.first() == "tail" && self.w.len() > 1)
    }

    pub(super) fn is_deploy(&self) -> bool {
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
    pub(super) fn targets_known(&self) -> bool {
        self.w.iter().skip(1).any(|w| self.inv.containers.iter().any(|c| c.name == w.raw))
    }

    pub(super) fn is_inspect(&self) -> bool {
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

    pub(super) fn is_list(&self) -> bool {
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

    pub(super) fn list_all(&self) -> bool {
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
}

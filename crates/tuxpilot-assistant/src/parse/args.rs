//! Reading each intent's arguments out of the words.

use super::Parser;
use super::text::{self, Word};
use crate::intent::*;
use crate::inventory::Resolved;

/// Words that are never a container, service or app name.
const STOP: &[&str] = &[
    "the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "these", "those", "it", "its",
    "them", "they", "container", "containers", "service", "services", "app", "apps", "application", "applications",
    "please", "of", "for", "on", "in", "to", "from", "with", "and", "or", "me", "us", "is", "are", "was", "were",
    "be", "been", "being", "do", "does", "did", "what", "why", "how", "when", "where", "which", "who", "can",
    "could", "would", "should", "will", "shall", "may", "might", "must", "up", "down", "out", "off", "all", "every",
    "everything", "some", "any", "now", "again", "right", "just", "named", "called", "has", "have", "had", "keep",
    "keeps", "kept", "going", "there", "here", "about", "at", "by", "as", "so", "if", "then", "than", "not", "no",
    "yes", "i", "you", "we", "he", "she", "new", "old", "current", "currently", "running", "stopped", "latest",
    "lines", "line", "last", "first", "more", "less", "also", "too", "very", "much", "many", "one", "ones",
    "instance", "instances", "replica", "replicas", "copies", "copy", "version", "versions", "previous", "back",
    "roll", "deployment", "deployments", "thing", "stuff", "one's", "again", "problem", "bit", "little", "details",
    "detail", "like", "want", "need", "get", "got", "give", "tell", "let", "make", "see", "look", "happening",
    "happened", "going", "still", "system", "machine", "engine", "docker", "host", "server", "name", "status",
    "state", "info", "information", "working", "work", "works", "anything", "something", "nothing", "check",
    "percent", "%", "cpu", "memory", "mem", "ram", "realtime", "real-time", "live", "lately", "recently", "today",
    "yesterday", "time", "times", "quick", "quickly", "please", "thanks", "everyone", "each", "other", "own",
    "currently", "handle", "traffic", "load", "users", "requests", "capacity", "demand", "so", "it's", "hey",
    "then", "using", "based", "while", "since", "until", "after", "before", "during", "over", "under", "above",
    "below", "into", "onto", "via", "per", "once", "twice", "exactly", "total", "number", "count",
];

/// Words that carry an intent (never taken as a name).
const CUES: &[&str] = &[
    "list", "ls", "ps", "show", "display", "inspect", "describe", "start", "stop", "restart", "reboot", "bounce",
    "remove", "delete", "rm", "kill", "halt", "terminate", "destroy", "logs", "log", "tail", "follow", "stream",
    "deploy", "redeploy", "launch", "install", "create", "setup", "set", "spin", "scale", "scaled", "rollback",
    "revert", "undo", "history", "scan", "audit", "security", "secure", "vulnerabilities", "vulnerability",
    "vulnerable", "optimize", "optimise", "monitor", "monitoring", "watch", "stats", "usage", "alert", "alerts",
    "diagnose", "debug", "troubleshoot", "wrong", "crash", "crashing", "crashed", "failing", "failed", "broken",
    "unhealthy", "dead", "died", "exited", "compose", "project", "help", "image", "images", "run", "bring", "take",
    "tear", "shut", "turn", "boot", "resume", "pause", "sort", "sorted", "top", "threshold", "thresholds",
    "output", "restarting", "oom", "error", "errors", "issue", "issues", "fix", "investigate", "explain",
    "metrics", "statistics", "notify", "dashboard", "resources", "resource", "limits", "limit", "reduce",
    "recommend", "recommendations", "checks", "cis", "cve", "cves", "find", "scale-up", "scale-down", "upgrade",
    "downgrade", "purge", "erase", "recycle", "reload", "config", "configuration", "env", "environment", "ports",
    "ip", "address", "health", "healthy", "include", "including", "consumption", "consuming", "utilization",
    "hogging", "hog", "hogs", "observe", "fewer", "add", "another", "extra", "minus", "plus", "increase",
    "decrease", "double", "halve", "shrink", "grow", "go", "get", "rid", "clean", "clear", "stand", "provision",
    "right-size", "rightsize", "right-sizing", "rightsizing", "optimization", "optimisation", "tune", "wasting",
    "waste", "securely", "hardening", "harden", "compliance", "benchmark", "alerting", "vulnerable", "monitored",
    "print", "printed", "say", "said", "expose", "exposes", "exposed", "use", "uses", "eating",
];

/// Words that stand for a kind of thing to deploy, not an image.
const DEPLOY_NOUNS: &[&str] = &[
    "web", "website", "site", "stack", "simple", "small", "basic", "full", "production", "prod", "dev", "local",
    "test", "containing", "plus", "frontend", "backend", "front", "end", "server", "servers", "some", "couple",
    "together", "both", "along", "alongside", "next", "behind", "proxy", "reverse", "store", "storage", "queue",
    "broker", "search", "setup", "environment",
];

/// Built-in templates, and what people call them.
pub(crate) fn template_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "nginx" => "nginx",
        "redis" => "redis",
        "postgres" | "postgresql" | "pg" | "psql" => "postgres",
        "mysql" => "mysql",
        "mariadb" | "maria" => "mariadb",
        "mongo" | "mongodb" => "mongo",
        "wordpress" | "wp" => "wordpress",
        "grafana" => "grafana",
        "prometheus" | "prom" => "prometheus",
        "memcached" | "memcache" => "memcached",
        "rabbitmq" | "rabbit" => "rabbitmq",
        "httpd" | "apache" => "httpd",
        "traefik" => "traefik",
        "caddy" => "caddy",
        "adminer" => "adminer",
        "minio" => "minio",
        "elasticsearch" | "elastic" => "elasticsearch",
        "keycloak" => "keycloak",
        "busybox" => "busybox",
        "alpine" => "alpine",
        _ => return None,
    })
}

/// Generic things to deploy that need a choice.
fn generic_choice(w: &str) -> Option<&'static str> {
    Some(match w {
        "database" | "db" | "databases" => "Which database should I deploy: postgres, mysql, mariadb or mongo?",
        "cache" => "Which cache should I deploy: redis or memcached?",
        "webserver" | "web-server" => "Which web server should I deploy: nginx, httpd or caddy?",
        "monitoring" | "metrics" => "Which should I deploy: prometheus, grafana, or both?",
        _ => return None,
    })
}

/// `web=3` → (`web`, 3).
pub(crate) fn service_equals(raw: &str) -> Option<(String, u32)> {
    let (s, n) = raw.split_once('=')?;
    let n: u32 = n.parse().ok()?;
    is_name(s).then(|| (s.to_string(), n))
}

/// An app.yaml or compose file named in a request.
pub(crate) fn is_app_file(raw: &str) -> bool {
    let l = raw.to_ascii_lowercase();
    (l.ends_with(".yaml") || l.ends_with(".yml") || l.ends_with(".json"))
        && !l.contains(' ')
        && l.len() > 5
}

fn is_version(w: &str) -> bool {
    let v = w.strip_prefix('v').unwrap_or(w);
    (v.chars().next().is_some_and(|c| c.is_ascii_digit())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        || matches!(w, "latest" | "alpine" | "slim" | "stable" | "lts")
}

fn is_pronoun(w: &str) -> bool {
    matches!(w, "it" | "its" | "that" | "this" | "them" | "same" | "him" | "her")
}

impl Parser<'_> {
    /// Words that could be names: not filler, not a cue, not a number.
    fn name_words(&self) -> impl Iterator<Item = (usize, &Word)> {
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
        if let Some(w) = self.w.iter().find(|w| self.inv.containers.iter().any(|c| c.name == w.raw)) {
            return Some(w.raw.clone());
        }
        if !self.inv.is_empty()
            && let Some((_, w)) = self.name_words().find(|(_, w)| !matches!(self.inv.container(&w.raw), Resolved::Unknown(_)))
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
            .find(|p| !matches!(p.low.as_str(), "the" | "a" | "an" | "my" | "our" | "your" | "this" | "that" | "container" | "service" | "app"))
            .map(|p| p.low.as_str());
        let after = self.w.get(i + 1).map(|n| n.low.as_str()).unwrap_or("");
        let object_of = matches!(
            before,
            Some(
                "of" | "for" | "on" | "in" | "from" | "at" | "about" | "to" | "inspect" | "describe" | "start" | "stop"
                    | "restart" | "reboot" | "remove" | "delete" | "rm" | "kill" | "halt" | "terminate" | "diagnose"
                    | "debug" | "troubleshoot" | "scan" | "audit" | "monitor" | "watch" | "optimize" | "optimise"
                    | "right-size" | "rightsize" | "tune" | "scale" | "check" | "logs" | "log" | "tail" | "follow"
                    | "stream" | "show" | "with" | "named" | "called" | "give" | "resume" | "bounce" | "recycle"
                    | "reload" | "boot" | "pause" | "unpause" | "destroy" | "erase" | "purge" | "investigate"
                    | "explain" | "is" | "was" | "did" | "does" | "stats" | "into" | "up" | "down" | "reduce"
                    | "increase" | "double" | "add" | "grow" | "shrink" | "run" | "halve"
            )
        ) && !matches!(after, "goes" | "go" | "is" | "are" | "exceeds" | "passes" | "hits" | "reaches" | "gets") || before.is_none() && self.w.len() == 1;
        let subject_of = matches!(
            after,
            "container" | "containers" | "service" | "app" | "logs" | "log" | "instance" | "instances" | "keeps"
                | "kept" | "crashed" | "crashing" | "crashes" | "died" | "dies" | "exited" | "failed" | "fails"
                | "failing" | "seems" | "needs" | "stats" | "output" | "replicas" | "using" | "uses" | "has" | "had"
                | "won't" | "isn't" | "doesn't" | "restarting" | "restarted" | "stopped" | "went" | "goes" | "is"
                | "was" | "will" | "can" | "cannot"
        ) && !matches!(before, Some("what" | "which" | "how" | "when" | "why" | "who" | "cpu" | "memory" | "it"))
            || (i == 0 && matches!(after, "is" | "keeps" | "was" | "crashed" | "needs" | "has"));
        object_of || subject_of
    }

    fn pronoun(&self) -> bool {
        self.w.iter().any(|w| is_pronoun(&w.low))
    }

    fn wants_all(&self) -> bool {
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
                let hint = if running.is_empty() { String::new() } else { format!(" (running: {})", running.join(", ")) };
                return Intent::Clarify(ClarifyArgs { question: format!("Which container should I {verb}?{hint}") });
            }
        };
        match self.inv.container(&target) {
            Resolved::One(name) => make(name),
            Resolved::Unknown(name) => make(name),
            Resolved::Many(names) => Intent::Clarify(ClarifyArgs {
                question: format!("Which container do you mean: {}?", or_list(&names)),
            }),
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

    pub(crate) fn monitor(&self) -> Intent {
        let mut a = MonitorArgs { target: self.scope(), ..Default::default() };
        a.realtime = self.has_any(&["live", "realtime", "real-time", "continuously", "continuous", "dashboard", "top", "stream", "streaming", "watch", "ongoing", "constantly"])
            || self.any_phrase(&["real time", "keep updating", "keep watching", "in a loop", "keep an eye"]);
        // Thresholds: a number goes to the metrics named since the last number, or to the one
        // right after it ("80% cpu").
        let mut pending: Vec<&str> = Vec::new();
        for (i, w) in self.w.iter().enumerate() {
            let metric = match w.low.as_str() {
                "cpu" | "processor" => Some("cpu"),
                "memory" | "mem" | "ram" => Some("memory"),
                _ => None,
            };
            if let Some(m) = metric {
                pending.push(m);
                continue;
            }
            let Some(v) = text::percent(&w.low) else { continue };
            if !(w.low.ends_with('%') || self.w.get(i + 1).is_some_and(|n| matches!(n.low.as_str(), "%" | "percent" | "pct")) || !pending.is_empty()) {
                continue;
            }
            let targets: Vec<&str> = if pending.is_empty() {
                self.w[i + 1..(i + 4).min(self.w.len())]
                    .iter()
                    .filter_map(|n| match n.low.as_str() {
                        "cpu" => Some("cpu"),
                        "memory" | "mem" | "ram" => Some("memory"),
                        _ => None,
                    })
                    .take(1)
                    .collect()
            } else {
                std::mem::take(&mut pending)
            };
            for t in targets {
                if t == "cpu" {
                    a.cpu_threshold = Some(v);
                } else {
                    a.memory_threshold = Some(v);
                }
            }
        }
        let sort_cue = self.has_any(&["sort", "sorted", "order", "ordered", "by", "most", "highest", "top", "hogs", "hogging", "heaviest", "biggest", "hungry", "eating"])
            || self.any_phrase(&["so much", "too much", "the most"]);
        if sort_cue {
            let pos = |m: &[&str]| self.w.iter().position(|w| m.contains(&w.low.as_str()));
            let (c, m) = (pos(&["cpu", "processor"]), pos(&["memory", "mem", "ram"]));
            let by = self.phrase_at("by").or(self.phrase_at("sort"));
            a.sort = match (c, m) {
                (Some(_), None) => Some(Sort::Cpu),
                (None, Some(_)) => Some(Sort::Memory),
                (Some(c), Some(m)) => {
                    // "by memory" wins over a threshold on cpu.
                    let after = by.unwrap_or(0);
                    if m > after && (c < after || m < c) { Some(Sort::Memory) } else { Some(Sort::Cpu) }
                }
                (None, None) => None,
            };
            if a.cpu_threshold.is_some() || a.memory_threshold.is_some() {
                // "alert when memory is above 80%": a threshold, not an order.
                if !self.has_any(&["sort", "sorted", "order", "ordered", "by", "most", "hogs", "hogging", "heaviest", "top", "highest"]) {
                    a.sort = None;
                }
                if !self.has_any(&["sort", "sorted", "order", "ordered", "most", "hogs", "hogging", "heaviest", "top", "highest"])
                    && !self.any_phrase(&["by cpu", "by memory", "by mem", "by ram"])
                {
                    a.sort = None;
                }
            }
        }
        Intent::Monitor(a)
    }

    pub(crate) fn logs(&self) -> Intent {
        let follow = self.has_any(&["follow", "following", "-f", "--follow", "stream", "streaming", "live", "realtime", "real-time", "continuously", "watch", "tailing"])
            || self.any_phrase(&["keep watching", "as they come", "real time", "keep showing"]);
        let mut tail = None;
        for (i, w) in self.w.iter().enumerate() {
            let n = text::number(&w.low);
            let next = self.w.get(i + 1).map(|w| w.low.as_str()).unwrap_or("");
            let prev = if i > 0 { self.w[i - 1].low.as_str() } else { "" };
            if let Some(n) = n
                && (matches!(next, "lines" | "line" | "entries" | "messages" | "rows")
                    || matches!(prev, "last" | "tail" | "-n" | "--tail" | "latest" | "recent" | "final"))
            {
                tail = Some(n);
                break;
            }
            if let Some(v) = w.low.strip_prefix("--tail=").and_then(|v| v.parse().ok()) {
                tail = Some(v);
            }
        }
        if tail.is_none() && self.any_phrase(&["last line", "latest line", "last entry"]) {
            tail = Some(1);
        }
        self.with_target("show the logs of", |target| Intent::Logs(LogsArgs { target, tail, follow }))
    }

    pub(crate) fn scan(&self) -> Intent {
        let image_word = self.has_any(&["image", "images", "vulnerabilities", "vulnerability", "cve", "cves", "trivy"]);
        // An explicit reference: a tag, a registry or a path.
        let reference = self.w.iter().find(|w| {
            is_image(&w.raw) && (w.raw.contains(':') || w.raw.contains('/')) && !w.raw.contains("://")
        });
        if let Some(r) = reference {
            return Intent::ScanImage(ScanImageArgs { image: r.raw.clone() });
        }
        let runtime_words = self.has_any(&["running", "runtime", "containers", "container", "cis", "benchmark", "configuration", "config", "settings", "all", "everything", "my"]);
        if image_word && !self.has_any(&["running", "runtime", "containers"]) {
            // "scan the redis image", "vulnerabilities in nginx".
            let after_image = self.phrase_at("image").and_then(|i| {
                self.w.get(i + 1).filter(|w| is_image(&w.raw) && !STOP.contains(&w.low.as_str()) && !CUES.contains(&w.low.as_str()))
            });
            let named = after_image.map(|w| w.raw.clone()).or_else(|| {
                self.name_words().map(|(_, w)| w).find(|w| is_image(&w.raw) && !DEPLOY_NOUNS.contains(&w.low.as_str())).map(|w| w.raw.clone())
            });
            if let Some(image) = named {
                // A container named like this: scan the image it runs.
                let image = self
                    .inv
                    .containers
                    .iter()
                    .find(|c| c.name == image)
                    .map(|c| c.image.clone())
                    .unwrap_or(image);
                return Intent::ScanImage(ScanImageArgs { image });
            }
            if !runtime_words {
                return Intent::Clarify(ClarifyArgs { question: "Which image should I scan (for example nginx:1.25)?".into() });
            }
        }
        Intent::ScanRuntime(ScopeArgs { target: self.scope() })
    }

    pub(crate) fn deploy(&self) -> Intent {
        if let Some(f) = self.w.iter().find(|w| is_app_file(&w.raw)) {
            return Intent::Deploy(DeployArgs { images: None, file: Some(f.raw.clone()) });
        }
        let start = self
            .w
            .iter()
            .position(|w| matches!(w.low.as_str(), "deploy" | "redeploy" | "launch" | "install" | "run" | "create" | "setup" | "start" | "spin" | "provision" | "add" | "set" | "bring" | "stand" | "get" | "give" | "need"))
            .map(|i| i + 1)
            .unwrap_or(0);
        let (images, generic) = self.images_in(&self.w[start..]);
        let (images, generic) = if images.is_empty() && start > 0 {
            let (i, g) = self.images_in(self.w);
            (i, generic.or(g))
        } else {
            (images, generic)
        };
        if images.is_empty() {
            let question = generic.unwrap_or(
                "What should I deploy? Name images (nginx, redis, postgres…) or an app.yaml / compose file.",
            );
            return Intent::Clarify(ClarifyArgs { question: question.into() });
        }
        Intent::Deploy(DeployArgs { images: Some(images), file: None })
    }

    fn images_in(&self, ws: &[Word]) -> (Vec<String>, Option<&'static str>) {
        let mut images: Vec<String> = Vec::new();
        let mut generic = None;
        let templates_named = ws.iter().any(|w| template_word(&w.low).is_some());
        let mut i = 0;
        while i < ws.len() {
            let w = &ws[i];
            let explicit = is_image(&w.raw) && (w.raw.contains(':') || w.raw.contains('/'));
            let image = if let Some(t) = template_word(&w.low) {
                Some(t.to_string())
            } else if explicit {
                Some(w.raw.clone())
            } else if !templates_named
                && is_image(&w.raw)
                && !STOP.contains(&w.low.as_str())
                && !CUES.contains(&w.low.as_str())
                && !DEPLOY_NOUNS.contains(&w.low.as_str())
                && text::number(&w.low).is_none()
                && generic_choice(&w.low).is_none()
                && !is_version(&w.low)
            {
                Some(w.raw.clone())
            } else {
                if generic.is_none() {
                    generic = generic_choice(&w.low);
                }
                None
            };
            if let Some(mut image) = image {
                // "postgres 16", "redis version 7", "nginx v1.25".
                let mut next = ws.get(i + 1);
                if next.is_some_and(|n| n.low == "version") {
                    i += 1;
                    next = ws.get(i + 1);
                }
                if let Some(n) = next
                    && !image.contains(':')
                    && is_version(&n.low)
                    && template_word(&n.low).is_none()
                {
                    image = format!("{image}:{}", n.low.strip_prefix('v').unwrap_or(&n.low));
                    i += 1;
                }
                if !images.contains(&image) {
                    images.push(image);
                }
            }
            i += 1;
        }
        (images, generic)
    }

    pub(crate) fn scale(&self) -> Intent {
        // "web=3".
        if let Some((s, n)) = self.w.iter().find_map(|w| service_equals(&w.raw)) {
            return self.scale_of(Some(s), |service| ScaleArgs { service, replicas: Some(n), ..Default::default() });
        }
        let down = self.has_any(&["down", "fewer", "less", "reduce", "decrease", "shrink", "remove", "minus", "lower", "in", "halve", "cut", "drop"]);
        let mut replicas = None;
        let mut delta: Option<i64> = None;
        for (i, w) in self.w.iter().enumerate() {
            let Some(n) = text::number(&w.low).or_else(|| w.low.strip_prefix('x').and_then(text::number)) else {
                if let Some(d) = w.low.strip_prefix('+').and_then(|d| d.parse::<i64>().ok()) {
                    delta = Some(d);
                } else if let Some(d) = w.low.strip_prefix('-').and_then(|d| d.parse::<i64>().ok()) {
                    delta = Some(-d);
                }
                continue;
            };
            let prev = if i > 0 { self.w[i - 1].low.as_str() } else { "" };
            let next = self.w.get(i + 1).map(|w| w.low.as_str()).unwrap_or("");
            let n = n as i64;
            if matches!(prev, "by" | "add" | "another" | "extra" | "plus" | "remove" | "minus" | "drop" | "subtract")
                || matches!(next, "more" | "extra" | "additional" | "fewer" | "less")
            {
                let negative = matches!(prev, "remove" | "minus" | "drop" | "subtract") || matches!(next, "fewer" | "less") || (prev == "by" && down);
                delta = Some(if negative { -n } else { n });
            } else if replicas.is_none() {
                replicas = Some(n as u32);
            }
        }
        if delta.is_none() && replicas.is_none() {
            if self.any_phrase(&["one more", "another one", "another replica", "another instance", "an extra", "add a replica", "add an instance", "add one"]) {
                delta = Some(1);
            } else if self.any_phrase(&["one less", "one fewer", "remove a replica", "remove one"]) {
                delta = Some(-1);
            }
        }
        let direction = if replicas.is_some() || delta.is_some() {
            None
        } else if down {
            Some(Direction::Down)
        } else if self.has_any(&["up", "out", "more", "increase", "grow", "double", "traffic", "load", "capacity", "busy", "spike", "surge", "higher", "demand"]) {
            Some(Direction::Up)
        } else {
            None
        };
        let service = self
            .name_words()
            .find(|(i, w)| {
                let named = is_name(&w.raw) || w.raw.split_once('/').is_some_and(|(a, s)| is_name(a) && is_name(s));
                named && !is_version(&w.low) && (self.inv.knows(&w.raw) || self.plausible_name(*i))
            })
            .map(|(_, w)| w.raw.clone());
        if replicas.is_none() && delta.is_none() && direction.is_none() {
            return Intent::Clarify(ClarifyArgs {
                question: format!(
                    "To how many replicas should I scale {}?",
                    service.as_deref().unwrap_or("which service")
                ),
            });
        }
        self.scale_of(service, |service| ScaleArgs { service, replicas, delta, direction })
    }

    fn scale_of(&self, service: Option<String>, make: impl Fn(String) -> ScaleArgs) -> Intent {
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
    fn app_word(&self) -> Option<String> {
        let version_at = self.version_word();
        self.name_words()
            .filter(|(i, w)| Some(*i) != version_at && !is_version(&w.low) && !matches!(w.low.as_str(), "v" | "rev" | "revision"))
            .map(|(_, w)| w.raw.clone())
            .next()
    }

    fn version_word(&self) -> Option<usize> {
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

    fn app_or_ask(&self, verb: &str, make: impl Fn(String) -> Intent) -> Intent {
        let word = self.app_word();
        let resolved = match &word {
            None if self.pronoun() && self.conv.app.is_some() => Resolved::One(self.conv.app.clone().unwrap_or_default()),
            None if self.conv.app.is_some() && self.inv.apps.len() != 1 => Resolved::One(self.conv.app.clone().unwrap_or_default()),
            _ => self.inv.app(word.as_deref()),
        };
        match resolved {
            Resolved::One(a) => make(a),
            Resolved::Unknown(a) if !a.is_empty() => make(a),
            Resolved::Unknown(_) => Intent::Clarify(ClarifyArgs { question: format!("Which app should I {verb}?") }),
            Resolved::Many(apps) => Intent::Clarify(ClarifyArgs { question: format!("Which app should I {verb}: {}?", or_list(&apps)) }),
        }
    }

    pub(crate) fn rollback(&self) -> Intent {
        let to = self.version_word().map(|i| self.w[i].raw.clone());
        self.app_or_ask("roll back", |app| Intent::Rollback(RollbackArgs { app, to: to.clone() }))
    }

    pub(crate) fn history(&self) -> Intent {
        self.app_or_ask("show the history of", |app| Intent::History(HistoryArgs { app }))
    }

    fn compose_location(&self) -> (Option<String>, Option<String>) {
        let path = self
            .w
            .iter()
            .find(|w| {
                w.raw == "."
                    || w.raw.starts_with("./")
                    || w.raw.starts_with('/')
                    || w.raw.starts_with("~/")
                    || w.raw.ends_with('/')
                    || (w.raw.contains('/') && !w.raw.contains(':'))
                    || is_app_file(&w.raw)
            })
            .map(|w| w.raw.clone());
        let mut project = None;
        for (i, w) in self.w.iter().enumerate() {
            if matches!(w.low.as_str(), "project" | "-p" | "--project-name" | "--project" | "called" | "named" | "as") {
                if let Some(n) = self.w.get(i + 1)
                    && is_name(&n.raw)
                    && !STOP.contains(&n.low.as_str())
                    && !CUES.contains(&n.low.as_str())
                {
                    project = Some(n.raw.to_ascii_lowercase());
                    break;
                }
                // "the shop project".
                if w.low == "project"
                    && i > 0
                    && is_name(&self.w[i - 1].raw)
                    && !STOP.contains(&self.w[i - 1].low.as_str())
                    && !CUES.contains(&self.w[i - 1].low.as_str())
                    && !self.w[i - 1].low.contains("compose")
                {
                    project = Some(self.w[i - 1].raw.to_ascii_lowercase());
                    break;
                }
                // "the shop compose project".
                if w.low == "project"
                    && i > 1
                    && self.w[i - 1].low == "compose"
                    && is_name(&self.w[i - 2].raw)
                    && !STOP.contains(&self.w[i - 2].low.as_str())
                    && !CUES.contains(&self.w[i - 2].low.as_str())
                    && !self.w[i - 2].low.contains("compose")
                {
                    project = Some(self.w[i - 2].raw.to_ascii_lowercase());
                    break;
                }
            }
        }
        (path, project)
    }

    pub(crate) fn compose_up(&self) -> Intent {
        let (path, project) = self.compose_location();
        Intent::ComposeUp(ComposeUpArgs { path, project })
    }

    pub(crate) fn compose_down(&self) -> Intent {
        let (path, project) = self.compose_location();
        Intent::ComposeDown(ComposeDownArgs { project, path })
    }
}

/// "a, b or c".
pub(crate) fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

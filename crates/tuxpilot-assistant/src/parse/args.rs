//! Reading each intent's arguments out of the words.

use super::names::is_version;
use super::parser::Parser;
use super::text::{self, Word};
use super::words::{CUES, DEPLOY_NOUNS, STOP, generic_choice};
use crate::intent::*;

pub(crate) use super::words::template_word;

/// `web=3` → (`web`, 3).
pub(crate) fn service_equals(raw: &str) -> Option<(String, u32)> {
    let (s, n) = raw.split_once('=')?;
    let n: u32 = n.parse().ok()?;
    is_name(s).then(|| (s.to_string(), n))
}

/// An app.yaml or compose file named in a request.
pub(crate) fn is_app_file(raw: &str) -> bool {
    let l = raw.to_ascii_lowercase();
    (l.ends_with(".yaml") || l.ends_with(".yml") || l.ends_with(".json")) && !l.contains(' ') && l.len() > 5
}

impl Parser<'_> {
    pub(crate) fn monitor(&self) -> Intent {
        let mut a = MonitorArgs { target: self.scope(), ..Default::default() };
        a.realtime =
            self.has_any(&[
                "live",
                "realtime",
                "real-time",
                "continuously",
                "continuous",
                "dashboard",
                "top",
                "stream",
                "streaming",
                "watch",
                "ongoing",
                "constantly",
            ]) || self.any_phrase(&["real time", "keep updating", "keep watching", "in a loop", "keep an eye"]);
        // "Set up monitoring", "alert me when…": alerts keep being evaluated afterwards.
        a.persist = !a.realtime
            && (self.any_phrase(&[
                "set up",
                "turn on",
                "switch on",
                "keep monitoring",
                "in the background",
                "from now on",
                "going forward",
                "all the time",
                "alert me",
                "notify me",
                "let me know",
                "tell me when",
                "warn me",
                "page me",
                "email me",
            ]) || self.has_any(&[
                "setup",
                "enable",
                "activate",
                "configure",
                "persist",
                "persistent",
                "background",
                "24/7",
            ]));
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
            if !(w.low.ends_with('%')
                || self.w.get(i + 1).is_some_and(|n| matches!(n.low.as_str(), "%" | "percent" | "pct"))
                || !pending.is_empty())
            {
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
        let sort_cue = self.has_any(&[
            "sort", "sorted", "order", "ordered", "by", "most", "highest", "top", "hogs", "hogging", "heaviest",
            "biggest", "hungry", "eating",
        ]) || self.any_phrase(&["so much", "too much", "the most"]);
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
                if !self.has_any(&[
                    "sort", "sorted", "order", "ordered", "by", "most", "hogs", "hogging", "heaviest", "top", "highest",
                ]) {
                    a.sort = None;
                }
                if !self.has_any(&[
                    "sort", "sorted", "order", "ordered", "most", "hogs", "hogging", "heaviest", "top", "highest",
                ]) && !self.any_phrase(&["by cpu", "by memory", "by mem", "by ram"])
                {
                    a.sort = None;
                }
            }
        }
        Intent::Monitor(a)
    }

    pub(crate) fn logs(&self) -> Intent {
        let follow = self.has_any(&[
            "follow",
            "following",
            "-f",
            "--follow",
            "stream",
            "streaming",
            "live",
            "realtime",
            "real-time",
            "continuously",
            "watch",
            "tailing",
        ]) || self.any_phrase(&["keep watching", "as they come", "real time", "keep showing"]);
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
        let reference = self
            .w
            .iter()
            .find(|w| is_image(&w.raw) && (w.raw.contains(':') || w.raw.contains('/')) && !w.raw.contains("://"));
        if let Some(r) = reference {
            return Intent::ScanImage(ScanImageArgs { image: r.raw.clone() });
        }
        let runtime_words = self.has_any(&[
            "running",
            "runtime",
            "containers",
            "container",
            "cis",
            "benchmark",
            "configuration",
            "config",
            "settings",
            "all",
            "everything",
            "my",
        ]);
        if image_word && !self.has_any(&["running", "runtime", "containers"]) {
            // "scan the redis image", "vulnerabilities in nginx".
            let after_image = self.phrase_at("image").and_then(|i| {
                self.w
                    .get(i + 1)
                    .filter(|w| is_image(&w.raw) && !STOP.contains(&w.low.as_str()) && !CUES.contains(&w.low.as_str()))
            });
            let named = after_image.map(|w| w.raw.clone()).or_else(|| {
                self.name_words()
                    .map(|(_, w)| w)
                    .find(|w| is_image(&w.raw) && !DEPLOY_NOUNS.contains(&w.low.as_str()))
                    .map(|w| w.raw.clone())
            });
            if let Some(image) = named {
                // A container named like this: scan the image it runs.
                let image =
                    self.inv.containers.iter().find(|c| c.name == image).map(|c| c.image.clone()).unwrap_or(image);
                return Intent::ScanImage(ScanImageArgs { image });
            }
            if !runtime_words {
                return Intent::Clarify(ClarifyArgs {
                    question: "Which image should I scan (for example nginx:1.25)?".into(),
                });
            }
        }
        Intent::ScanRuntime(ScopeArgs { target: self.scope() })
    }

    pub(crate) fn deploy(&self) -> Intent {
        if let Some(f) = self.w.iter().find(|w| is_app_file(&w.raw)) {
            return Intent::Deploy(DeployArgs { images: None, file: Some(f.raw.clone()), name: self.deploy_name() });
        }
        let start = self
            .w
            .iter()
            .position(|w| {
                matches!(
                    w.low.as_str(),
                    "deploy"
                        | "redeploy"
                        | "launch"
                        | "install"
                        | "run"
                        | "create"
                        | "setup"
                        | "start"
                        | "spin"
                        | "provision"
                        | "add"
                        | "set"
                        | "bring"
                        | "stand"
                        | "get"
                        | "give"
                        | "need"
                )
            })
            .map(|i| i + 1)
            .unwrap_or(0);
        // "… as pg16": the name is not an image.
        let end = self.deploy_name_at().map(|(i, _)| i).unwrap_or(self.w.len()).max(start);
        let (images, generic) = self.images_in(&self.w[start..end]);
        let (images, generic) = if images.is_empty() && start > 0 {
            let (i, g) = self.images_in(&self.w[..end]);
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
        Intent::Deploy(DeployArgs { images: Some(images), file: None, name: self.deploy_name() })
    }

    /// The app's name a deploy gives: "as NAME", "named NAME", "called NAME", "name it NAME".
    fn deploy_name(&self) -> Option<String> {
        self.deploy_name_at().map(|(_, n)| n)
    }

    /// Where the naming phrase starts, and the name.
    fn deploy_name_at(&self) -> Option<(usize, String)> {
        for (i, w) in self.w.iter().enumerate() {
            let (skip, ok) = match w.low.as_str() {
                "as" | "named" | "called" => (1, true),
                "name" | "call" if self.w.get(i + 1).is_some_and(|n| n.low == "it") => (2, true),
                // "under the name jobs", "with the name jobs".
                "name" if i > 0 && self.w[i - 1].low == "the" => (1, true),
                _ => (0, false),
            };
            if !ok {
                continue;
            }
            let Some(n) = self.w.get(i + skip) else { continue };
            let name = n.raw.to_ascii_lowercase();
            let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
                && !STOP.contains(&name.as_str())
                && !matches!(name.as_str(), "well" | "app" | "application" | "stack" | "service" | "before");
            if valid {
                return Some((i, name));
            }
        }
        None
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
            } else if explicit
                || !templates_named
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
        let down = self.has_any(&[
            "down", "fewer", "less", "reduce", "decrease", "shrink", "remove", "minus", "lower", "in", "halve", "cut",
            "drop",
        ]);
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
                let negative = matches!(prev, "remove" | "minus" | "drop" | "subtract")
                    || matches!(next, "fewer" | "less")
                    || (prev == "by" && down);
                delta = Some(if negative { -n } else { n });
            } else if replicas.is_none() {
                replicas = Some(n as u32);
            }
        }
        if delta.is_none() && replicas.is_none() {
            if self.any_phrase(&[
                "one more",
                "another one",
                "another replica",
                "another instance",
                "an extra",
                "add a replica",
                "add an instance",
                "add one",
            ]) {
                delta = Some(1);
            } else if self.any_phrase(&["one less", "one fewer", "remove a replica", "remove one"]) {
                delta = Some(-1);
            }
        }
        let direction = if replicas.is_some() || delta.is_some() {
            None
        } else if down {
            Some(Direction::Down)
        } else if self.has_any(&[
            "up", "out", "more", "increase", "grow", "double", "traffic", "load", "capacity", "busy", "spike", "surge",
            "higher", "demand",
        ]) {
            Some(Direction::Up)
        } else {
            None
        };
        let named = |w: &Word| {
            (is_name(&w.raw) || w.raw.split_once('/').is_some_and(|(a, s)| is_name(a) && is_name(s)))
                && !is_version(&w.low)
        };
        // The word the engine knows, else the object of "scale [up|down|out|in] [the]", else
        // the first word where a name goes.
        let known = self.name_words().find(|(_, w)| named(w) && self.inv.knows(&w.raw)).map(|(_, w)| w.raw.clone());
        let after_verb = self.phrase_at("scale").and_then(|i| {
            self.w[i + 1..]
                .iter()
                .find(|w| !matches!(w.low.as_str(), "up" | "down" | "out" | "in" | "the" | "my" | "our" | "service"))
                .filter(|w| {
                    named(w)
                        && !STOP.contains(&w.low.as_str())
                        && !CUES.contains(&w.low.as_str())
                        && text::number(&w.low).is_none()
                })
                .map(|w| w.raw.clone())
        });
        // "web of shop", "one more web replica to shop": the app's service.
        let service = self.first_pair().or(known).or(after_verb).or_else(|| {
            self.name_words().find(|(i, w)| named(w) && self.plausible_name(*i)).map(|(_, w)| w.raw.clone())
        });
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

    pub(crate) fn rollback(&self) -> Intent {
        let to = self.version_word().map(|i| self.w[i].raw.clone());
        self.app_or_ask("roll back", |app| Intent::Rollback(RollbackArgs { app, to: to.clone() }))
    }

    pub(crate) fn history(&self) -> Intent {
        self.app_or_ask("show the history of", |app| Intent::History(HistoryArgs { app }))
    }

    /// A project named without "project" or `-p`: one the engine has ("compose down shop"), or
    /// the word right after "up"/"down" ("compose down shop").
    fn project_word(&self) -> Option<String> {
        if let Some(w) = self.w.iter().find(|w| self.inv.is_project(&w.raw)) {
            return Some(w.raw.to_ascii_lowercase());
        }
        let at = self.w.iter().position(|w| matches!(w.low.as_str(), "down" | "up" | "teardown"))?;
        let n = self.w.get(at + 1)?;
        (crate::refs::check_project(&n.low).is_ok()
            && !STOP.contains(&n.low.as_str())
            && !CUES.contains(&n.low.as_str())
            && !n.low.contains("compose"))
        .then(|| n.low.clone())
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
        let project = project.or_else(|| if path.is_none() { self.project_word() } else { None });
        Intent::ComposeUp(ComposeUpArgs { path, project })
    }

    pub(crate) fn compose_down(&self) -> Intent {
        let (path, project) = self.compose_location();
        let project = project.or_else(|| if path.is_none() { self.project_word() } else { None });
        Intent::ComposeDown(ComposeDownArgs { project, path })
    }
}

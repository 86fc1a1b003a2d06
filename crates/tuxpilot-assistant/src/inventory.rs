//! What the engine has, as the parser needs it to resolve names ("the db" → `shop-db-1`),
//! and what was talked about last ("scale it to 3").

use serde::{Deserialize, Serialize};

/// One container the engine has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnownContainer {
    /// Its name, without the leading `/`.
    pub name: String,
    /// Its id.
    #[serde(default)]
    pub id: String,
    /// Its image.
    #[serde(default)]
    pub image: String,
    /// `com.docker.compose.service`, when it belongs to a project or an app.
    #[serde(default)]
    pub service: Option<String>,
    /// `com.docker.compose.project`: the project or app.
    #[serde(default)]
    pub project: Option<String>,
    /// Whether it runs.
    #[serde(default)]
    pub running: bool,
}

/// Containers and deployed apps, read once before parsing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// Every container, stopped ones included.
    #[serde(default)]
    pub containers: Vec<KnownContainer>,
    /// Deployed apps (tuxpilot deployments) and their services.
    #[serde(default)]
    pub apps: Vec<KnownApp>,
}

/// A deployed app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnownApp {
    /// The app's name.
    pub name: String,
    /// Its services.
    #[serde(default)]
    pub services: Vec<String>,
}

/// What a name stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Exactly one thing.
    One(String),
    /// Several: ask which.
    Many(Vec<String>),
    /// Nothing known by that name (kept as said: the engine will tell).
    Unknown(String),
}

impl Inventory {
    /// True when nothing is known (no engine, or an empty one): names are kept as said.
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.apps.is_empty()
    }

    /// Whether a word names something here exactly (a container, an app, a service).
    pub fn knows(&self, word: &str) -> bool {
        self.containers.iter().any(|c| c.name == word || c.service.as_deref() == Some(word))
            || self.apps.iter().any(|a| a.name == word || a.services.iter().any(|s| s == word))
    }

    /// Whether `project` is a compose project or deployed app here with a service `service`.
    pub fn has_service(&self, project: &str, service: &str) -> bool {
        !project.is_empty()
            && !service.is_empty()
            && (self
                .containers
                .iter()
                .any(|c| c.project.as_deref() == Some(project) && c.service.as_deref() == Some(service))
                || self.apps.iter().any(|a| a.name == project && a.services.iter().any(|s| s == service)))
    }

    /// Whether a word is a compose project or deployed app here (and not a container's name).
    pub fn is_project(&self, word: &str) -> bool {
        !self.containers.iter().any(|c| c.name == word)
            && (self.containers.iter().any(|c| c.project.as_deref() == Some(word))
                || self.apps.iter().any(|a| a.name == word))
    }

    /// Whether a word is a compose project that is not a deployed app.
    pub fn is_compose_project(&self, word: &str) -> bool {
        self.is_project(word) && !self.apps.iter().any(|a| a.name == word)
    }

    /// `PROJECT/SERVICE` when every container named is a replica of that one service.
    pub fn common_service(&self, names: &[String]) -> Option<String> {
        let mut pairs = names.iter().map(|n| {
            self.containers.iter().find(|c| &c.name == n).and_then(|c| Some((c.project.clone()?, c.service.clone()?)))
        });
        let first = pairs.next()??;
        pairs.all(|p| p.as_ref() == Some(&first)).then(|| format!("{}/{}", first.0, first.1))
    }

    /// A container by name, id prefix, service or name part.
    pub fn container(&self, word: &str) -> Resolved {
        if self.containers.iter().any(|c| c.name == word) {
            return Resolved::One(word.to_string());
        }
        if word.len() >= 4 && word.chars().all(|c| c.is_ascii_hexdigit()) {
            let by_id: Vec<&KnownContainer> = self.containers.iter().filter(|c| c.id.starts_with(word)).collect();
            if let [one] = by_id.as_slice() {
                return Resolved::One(one.name.clone());
            }
        }
        let lower = word.to_ascii_lowercase();
        let mut matches: Vec<String> = self
            .containers
            .iter()
            .filter(|c| {
                c.service.as_deref() == Some(word)
                    || c.name.to_ascii_lowercase() == lower
                    || c.name.split(['-', '_', '.']).any(|part| part.eq_ignore_ascii_case(word))
            })
            .map(|c| c.name.clone())
            .collect();
        if matches.is_empty() {
            // "the redis one": by image, as a last resort.
            matches =
                self.containers.iter().filter(|c| image_base(&c.image) == lower).map(|c| c.name.clone()).collect();
        }
        matches.sort();
        matches.dedup();
        match matches.len() {
            0 => Resolved::Unknown(word.to_string()),
            1 => Resolved::One(matches.remove(0)),
            _ => Resolved::Many(matches),
        }
    }

    /// A deployed service: `web` when one app has it, `app/web` spelt out, or the service of
    /// a container named (`shop-web-1` → `web`).
    pub fn service(&self, word: &str) -> Resolved {
        if let Some((app, svc)) = word.split_once('/') {
            return if self.apps.iter().any(|a| a.name == app && a.services.iter().any(|s| s == svc)) {
                Resolved::One(word.to_string())
            } else {
                Resolved::Unknown(word.to_string())
            };
        }
        let apps: Vec<&KnownApp> = self.apps.iter().filter(|a| a.services.iter().any(|s| s == word)).collect();
        match apps.as_slice() {
            [_] => return Resolved::One(word.to_string()),
            [_, ..] => return Resolved::Many(apps.iter().map(|a| format!("{}/{word}", a.name)).collect()),
            [] => {}
        }
        if let Some(c) = self.containers.iter().find(|c| c.name == word)
            && let Some(s) = &c.service
        {
            return Resolved::One(s.clone());
        }
        Resolved::Unknown(word.to_string())
    }

    /// A deployed app by name; with one app deployed, that app when none is named.
    pub fn app(&self, word: Option<&str>) -> Resolved {
        match word {
            Some(w) if self.apps.iter().any(|a| a.name == w) => Resolved::One(w.to_string()),
            Some(w) => {
                // "roll back the web service": the app that has it.
                let owners: Vec<String> =
                    self.apps.iter().filter(|a| a.services.iter().any(|s| s == w)).map(|a| a.name.clone()).collect();
                match owners.len() {
                    1 => Resolved::One(owners[0].clone()),
                    0 => Resolved::Unknown(w.to_string()),
                    _ => Resolved::Many(owners),
                }
            }
            None => match self.apps.as_slice() {
                [one] => Resolved::One(one.name.clone()),
                [] => Resolved::Unknown(String::new()),
                many => Resolved::Many(many.iter().map(|a| a.name.clone()).collect()),
            },
        }
    }
}

/// `registry:5000/team/redis:7@sha…` → `redis`.
pub fn image_base(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

/// What the conversation was about, for follow-ups ("scale it to 3", "and its logs").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The last container talked about.
    pub container: Option<String>,
    /// The last service talked about.
    pub service: Option<String>,
    /// The last app talked about.
    pub app: Option<String>,
}

impl Conversation {
    /// Remembers what an intent was about.
    pub fn remember(&mut self, intent: &crate::Intent) {
        use crate::Intent as I;
        match intent {
            I::Inspect(a) | I::Diagnose(a) => {
                self.container = Some(a.target.clone());
                self.service = Some(service_of(&a.target));
            }
            I::Start(a) | I::Stop(a) | I::Restart(a) | I::Remove(a) if a.target != "all" && a.targets.is_none() => {
                self.container = Some(a.target.clone());
                self.service = Some(service_of(&a.target));
            }
            I::Logs(a) => {
                self.container = Some(a.target.clone());
                self.service = Some(service_of(&a.target));
            }
            I::Scale(a) => {
                self.service = Some(a.service.clone());
                self.container = Some(a.service.clone());
            }
            I::Rollback(a) => self.app = Some(a.app.clone()),
            I::History(a) => self.app = Some(a.app.clone()),
            I::ScanRuntime(a) | I::Optimize(a) if a.target != "all" => self.container = Some(a.target.clone()),
            I::Monitor(a) if a.target != "all" => self.container = Some(a.target.clone()),
            _ => {}
        }
    }
}

/// `shop-web-1` → `web`; other names as they are.
fn service_of(name: &str) -> String {
    let parts: Vec<&str> = name.split(['-', '_']).collect();
    match parts.as_slice() {
        [_, svc, n] if n.chars().all(|c| c.is_ascii_digit()) && !svc.is_empty() => (*svc).to_string(),
        _ => name.to_string(),
    }
}

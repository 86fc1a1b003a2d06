//! `updates check`: the containers that opted in, grouped into targets (a service of an app, a
//! service of a compose project, a plain container), and what their registries say now. Each
//! image is asked once, however many containers run it: a manifest `HEAD` for a digest, the
//! tag list once per repository. Nothing is pulled.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::future::join_all;
use serde::Serialize;
use tuxpilot_docker::registry::{ImageRef, RegistryClient, RegistryError};
use tuxpilot_docker::{Engine, ListContainersOptions};

use super::log::{ImageVersion, TargetKind, UpdateEntry, bad_digests};
use super::policy::{self, AutoUpdate, TagVersion};
use crate::deploy::APP_LABEL;
use crate::error::{Error, Result};

const PROJECT_LABEL: &str = "com.docker.compose.project";
const SERVICE_LABEL: &str = "com.docker.compose.service";

/// Which targets to look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// An app, a compose project or a container (an app wins when a name is both); `None` = all.
    pub name: Option<String>,
    /// The name is a container's, even when an app has it too.
    pub container: bool,
}

/// One thing that updates as a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// What kind.
    pub kind: TargetKind,
    /// The app or compose project.
    pub app: Option<String>,
    /// The service.
    pub service: Option<String>,
    /// Its containers (names), sorted.
    pub containers: Vec<String>,
    /// The containers' ids, in the same order.
    #[serde(skip)]
    pub ids: Vec<String>,
    /// The image as the user wrote it (`Config.Image`).
    pub reference: String,
    /// The local image id it runs.
    pub image_id: String,
    /// Its policy.
    pub policy: AutoUpdate,
}

impl Target {
    /// `app demo/web`, `compose shop/db`, `container cache`.
    pub fn label(&self) -> String {
        match (&self.app, &self.service) {
            (Some(a), Some(s)) => format!("{} {a}/{s}", self.kind.as_str()),
            _ => format!("{} {}", self.kind.as_str(), self.containers.first().map(String::as_str).unwrap_or("?")),
        }
    }
}

/// What the registry says about a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// A newer image is allowed by the policy.
    UpdateAvailable,
    /// Nothing newer.
    UpToDate,
    /// Not checked: pinned by digest, built locally, or the newer digest is known bad.
    Skipped,
    /// The registry could not be asked.
    Error,
}

impl CheckStatus {
    /// `update_available`, `up_to_date`, `skipped`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpdateAvailable => "update_available",
            Self::UpToDate => "up_to_date",
            Self::Skipped => "skipped",
            Self::Error => "error",
        }
    }
}

/// A target and what it could move to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// The target.
    #[serde(flatten)]
    pub target: Target,
    /// The repository (`127.0.0.1:5000/team/web`).
    pub image: String,
    /// What runs.
    pub current: ImageVersion,
    /// What it would run (with an update available).
    pub new: Option<ImageVersion>,
    /// The verdict.
    pub status: CheckStatus,
    /// Why (skipped, error), or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Checked {
    /// The reference an update runs: the new tag pinned to the new digest.
    pub fn new_reference(&self) -> Option<String> {
        let new = self.new.as_ref()?;
        let r = ImageRef::parse(&self.target.reference).ok()?;
        let mut n = r.with_tag(&new.tag);
        n.digest = new.digest.clone();
        Some(n.to_string())
    }
}

/// `updates check`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Every target, in order: apps, compose projects, containers.
    pub targets: Vec<Checked>,
    /// Requests sent to registries (each image is asked once).
    pub registry_requests: u64,
}

impl CheckReport {
    /// Targets with an update available.
    pub fn due(&self) -> impl Iterator<Item = &Checked> {
        self.targets.iter().filter(|c| c.status == CheckStatus::UpdateAvailable)
    }
}

/// Every container that opted in (and a refusal when `selector` names one that did not), grouped
/// into targets.
pub async fn targets(engine: &dyn Engine, selector: &Selector) -> Result<Vec<Target>> {
    let list = engine.list_containers(ListContainersOptions::default()).await?;
    let mut groups: BTreeMap<(TargetKind, String, String), Target> = BTreeMap::new();
    let mut named_but_off: Option<String> = None;
    let name = selector.name.as_deref();
    let app_named = !selector.container
        && name.is_some_and(|n| list.iter().any(|c| c.labels.get(APP_LABEL).map(String::as_str) == Some(n)));
    let project_named = !selector.container
        && !app_named
        && name.is_some_and(|n| list.iter().any(|c| c.labels.get(PROJECT_LABEL).map(String::as_str) == Some(n)));
    for c in &list {
        let (kind, group, service) = match (
            c.labels.get(APP_LABEL).map(String::as_str),
            c.labels.get(PROJECT_LABEL),
            c.labels.get(SERVICE_LABEL),
        ) {
            (Some(app), _, Some(svc)) => (TargetKind::App, app.to_string(), svc.clone()),
            (None, Some(p), Some(svc)) => (TargetKind::Compose, p.clone(), svc.clone()),
            _ => (TargetKind::Container, c.name.clone(), String::new()),
        };
        let selected = match name {
            None => true,
            Some(n) if app_named => kind == TargetKind::App && group == n,
            Some(n) if project_named => kind == TargetKind::Compose && group == n,
            Some(n) => c.name == n || c.id.starts_with(n),
        };
        if !selected {
            continue;
        }
        let policy = policy::of_labels(&c.labels).map_err(|e| Error::NotFound(format!("container {}: {e}", c.name)))?;
        if policy == AutoUpdate::Off {
            if name.is_some() {
                named_but_off = Some(match kind {
                    TargetKind::Container => format!("container \"{}\"", c.name),
                    _ => format!("{} \"{group}\" (service {service})", kind.as_str()),
                });
            }
            continue;
        }
        let details = engine.inspect_container(&c.id).await?;
        let t = groups.entry((kind, group.clone(), service.clone())).or_insert_with(|| Target {
            kind,
            app: (kind != TargetKind::Container).then(|| group.clone()),
            service: (kind != TargetKind::Container).then(|| service.clone()),
            containers: Vec::new(),
            ids: Vec::new(),
            reference: details.image.clone(),
            image_id: details.image_id.clone(),
            policy,
        });
        t.containers.push(c.name.clone());
        t.ids.push(c.id.clone());
    }
    let mut out: Vec<Target> = groups.into_values().collect();
    for t in &mut out {
        let mut pairs: Vec<(String, String)> = t.containers.drain(..).zip(t.ids.drain(..)).collect();
        pairs.sort();
        (t.containers, t.ids) = pairs.into_iter().unzip();
    }
    if out.is_empty()
        && let Some(n) = name
    {
        return Err(match named_but_off {
            Some(what) => Error::NotOptedIn(format!(
                "{what} has not opted in to automatic updates; set `auto_update: digest` (or patch, minor, major) on the container in app.yaml, or the label {}=digest on the container or compose service",
                policy::LABEL
            )),
            None => Error::NotFound(format!("no running app, compose project or container named \"{n}\"")),
        });
    }
    Ok(out)
}

/// The question a target asks its registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Ask {
    Digest(ImageRef),
    Tags(ImageRef),
}

/// Asks the registries about `targets`: each distinct tag's digest once, each repository's tags
/// once, all at the same time. `log` gives the digests known bad.
pub async fn check(
    engine: &dyn Engine,
    registry: &RegistryClient,
    targets: Vec<Target>,
    log: &[UpdateEntry],
) -> Result<CheckReport> {
    let before = registry.requests();
    let bad = bad_digests(log);
    // What each target runs now.
    let mut current: Vec<std::result::Result<(ImageRef, ImageVersion), String>> = Vec::new();
    let mut digests_of_ids: HashMap<String, Vec<String>> = HashMap::new();
    for t in &targets {
        let parsed = match ImageRef::parse(&t.reference) {
            Ok(r) => r,
            Err(e) => {
                current.push(Err(e.to_string()));
                continue;
            }
        };
        let Some(tag) = parsed.tag.clone() else {
            current.push(Err("pinned by digest alone: there is no tag to follow".into()));
            continue;
        };
        let digest = match &parsed.digest {
            Some(d) => Some(d.clone()),
            None => {
                if !digests_of_ids.contains_key(&t.image_id) {
                    let d = engine.inspect_image(&t.image_id).await.map(|i| i.repo_digests).unwrap_or_default();
                    digests_of_ids.insert(t.image_id.clone(), d);
                }
                parsed.digest_in(digests_of_ids.get(&t.image_id).map(Vec::as_slice).unwrap_or_default())
            }
        };
        current.push(Ok((parsed.without_digest(), ImageVersion { tag, digest })));
    }
    // The tag lists, once per repository.
    let mut asks: BTreeSet<Ask> = BTreeSet::new();
    for (t, c) in targets.iter().zip(&current) {
        if let Ok((r, v)) = c
            && matches!(t.policy, AutoUpdate::Patch | AutoUpdate::Minor | AutoUpdate::Major)
            && TagVersion::parse(&v.tag).is_some()
        {
            asks.insert(Ask::Tags(ImageRef { tag: None, ..r.clone() }));
        }
    }
    let tag_lists = answer(registry, asks).await;
    // The digests, once per tag: the current tag, or the newer tag a policy chose.
    let mut chosen: Vec<Option<(ImageRef, std::result::Result<(), String>)>> = Vec::new();
    let mut asks: BTreeSet<Ask> = BTreeSet::new();
    for (t, c) in targets.iter().zip(&current) {
        let Ok((r, v)) = c else {
            chosen.push(None);
            continue;
        };
        let list_key = Ask::Tags(ImageRef { tag: None, ..r.clone() });
        let pick = match tag_lists.get(&list_key) {
            Some(Ok(Answer::Tags(tags))) => {
                Ok(policy::newest_tag(&v.tag, tags, t.policy).map(|n| r.with_tag(&n)).unwrap_or_else(|| r.clone()))
            }
            Some(Err(e)) => Err(e.to_string()),
            _ => Ok(r.clone()),
        };
        match pick {
            Ok(p) => {
                asks.insert(Ask::Digest(p.clone()));
                chosen.push(Some((p, Ok(()))));
            }
            Err(e) => chosen.push(Some((r.clone(), Err(e)))),
        }
    }
    let digests = answer(registry, asks).await;
    let mut out = Vec::new();
    for ((t, c), pick) in targets.into_iter().zip(current).zip(chosen) {
        let (image, cur) = match &c {
            Ok((r, v)) => (r.familiar_repository(), v.clone()),
            Err(_) => (t.reference.clone(), ImageVersion { tag: String::new(), digest: None }),
        };
        let mut row = Checked {
            target: t,
            image,
            current: cur.clone(),
            new: None,
            status: CheckStatus::UpToDate,
            message: String::new(),
        };
        match (c, pick) {
            (Err(m), _) => {
                row.status = CheckStatus::Skipped;
                row.message = m;
            }
            (Ok(_), Some((_, Err(e)))) => {
                row.status = CheckStatus::Error;
                row.message = e;
            }
            (Ok((r, v)), Some((p, Ok(())))) => match digests.get(&Ask::Digest(p.clone())) {
                Some(Ok(Answer::Digest(remote))) => {
                    let new_tag = p.tag.clone().unwrap_or_default();
                    if new_tag == v.tag && v.digest.is_none() {
                        row.status = CheckStatus::Skipped;
                        row.message = "built or loaded locally: no registry digest to compare".into();
                    } else if new_tag == v.tag && v.digest.as_deref() == Some(remote.as_str()) {
                        row.status = CheckStatus::UpToDate;
                    } else if bad.get(&r.familiar_repository()).is_some_and(|b| b.contains(remote)) {
                        row.status = CheckStatus::Skipped;
                        row.message = format!(
                            "{new_tag}@{} failed before and was rolled back; waiting for a newer image",
                            short(remote)
                        );
                    } else {
                        row.status = CheckStatus::UpdateAvailable;
                        row.new = Some(ImageVersion { tag: new_tag, digest: Some(remote.clone()) });
                    }
                }
                Some(Err(e)) => {
                    row.status = CheckStatus::Error;
                    row.message = e.to_string();
                }
                _ => {}
            },
            (Ok(_), None) => {}
        }
        out.push(row);
    }
    Ok(CheckReport { targets: out, registry_requests: registry.requests() - before })
}

/// `sha256:0123456789ab`.
pub fn short(digest: &str) -> &str {
    &digest[..digest.len().min(19)]
}

#[derive(Debug, Clone)]
enum Answer {
    Digest(String),
    Tags(Vec<String>),
}

async fn answer(
    registry: &RegistryClient,
    asks: BTreeSet<Ask>,
) -> HashMap<Ask, std::result::Result<Answer, RegistryError>> {
    let futures = asks.into_iter().map(|a| async move {
        let r = match &a {
            Ask::Digest(r) => registry.digest(r).await.map(Answer::Digest),
            Ask::Tags(r) => registry.tags(r).await.map(Answer::Tags),
        };
        (a, r)
    });
    join_all(futures).await.into_iter().collect()
}

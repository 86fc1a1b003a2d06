//! `extends`: a service built on another one, in the same file or another.
//!
//! Each service is resolved once and remembered, and a chain in one file is walked in a loop,
//! not by recursion: a 2,000-link chain loads in linear time and a 50,000-link one cannot
//! overflow the stack. Only a step into another file recurses, once per file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::merge::merge_service;
use crate::node::{Node, Value};
use crate::paths;

/// Reads, parses and interpolates another compose file named by `extends.file`.
pub(crate) type LoadOther<'a> = dyn FnMut(&Path) -> Result<Node> + 'a;

struct Resolver<'a, 'b> {
    load: &'a mut LoadOther<'b>,
    home: Option<&'a Path>,
    /// Other files, parsed once.
    files: HashMap<PathBuf, Rc<Node>>,
    /// Services resolved so far, by file and name.
    done: HashMap<(PathBuf, String), Node>,
}

/// Resolves `extends` of every service in `doc` (in place). `doc` lives in `file`.
pub(crate) fn resolve(doc: &mut Node, file: &Arc<Path>, home: Option<&Path>, load: &mut LoadOther<'_>) -> Result<()> {
    let Some(services) = doc.get("services").and_then(Node::as_map) else { return Ok(()) };
    let names: Vec<String> =
        services.iter().filter(|(_, v)| v.get("extends").is_some()).map(|(k, _)| k.name.clone()).collect();
    if names.is_empty() {
        return Ok(());
    }
    let mut r = Resolver { load, home, files: HashMap::new(), done: HashMap::new() };
    let mut resolved: HashMap<String, Node> = HashMap::with_capacity(names.len());
    let index = services_of(doc);
    for name in names {
        let node = r.service(doc, &index, file, &name, &mut Vec::new())?;
        resolved.insert(name, node);
    }
    drop(index);
    if let Some(Value::Map(services)) = doc.get_mut("services").map(|s| &mut s.value) {
        for (k, v) in services.iter_mut() {
            if let Some(node) = resolved.remove(&k.name) {
                *v = node;
            }
        }
    }
    Ok(())
}

fn services_of(doc: &Node) -> HashMap<&str, &Node> {
    doc.get("services")
        .and_then(Node::as_map)
        .map(|m| m.iter().map(|(k, v)| (k.name.as_str(), v)).collect())
        .unwrap_or_default()
}

impl Resolver<'_, '_> {
    /// The fully resolved definition of `name` in `doc`. `outer` is the chain of services in
    /// other files that led here (for the cycle message).
    fn service(
        &mut self,
        doc: &Node,
        index: &HashMap<&str, &Node>,
        file: &Arc<Path>,
        name: &str,
        outer: &mut Vec<(PathBuf, String)>,
    ) -> Result<Node> {
        // Walk down the chain within this file: name, its base, that one's base…
        let mut walk: Vec<(String, Node)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut current = name.to_string();
        let base: Option<Node> = loop {
            let key = (file.to_path_buf(), current.clone());
            if let Some(done) = self.done.get(&key) {
                break Some(done.clone());
            }
            if seen.contains(&current) || outer.contains(&key) {
                return Err(cycle(doc, file, outer, &walk, &current));
            }
            let service = index.get(current.as_str()).map(|n| (*n).clone()).ok_or_else(|| {
                Error::new(ErrorKind::Extends, format!("service \"{current}\" not found")).in_file(file)
            })?;
            seen.insert(current.clone());
            let Some(ext) = service.get("extends").cloned() else {
                walk.push((current, service));
                break None;
            };
            let path = format!("services.{current}.extends");
            let (base_name, base_file) = match &ext.value {
                Value::Str(s) => (s.clone(), None),
                Value::Map(_) => {
                    let svc = ext.get("service").and_then(Node::scalar_text).ok_or_else(|| {
                        Error::new(ErrorKind::Extends, format!("extends.{current}.service is required"))
                            .at(ext.loc.clone())
                            .path(path.clone())
                    })?;
                    (svc, ext.get("file").and_then(Node::scalar_text))
                }
                _ => {
                    return Err(Error::new(ErrorKind::Extends, "extends must be a service name or a mapping")
                        .at(ext.loc.clone())
                        .path(path));
                }
            };
            match base_file {
                None => {
                    if !index.contains_key(base_name.as_str()) {
                        return Err(Error::new(
                            ErrorKind::Extends,
                            format!(
                                "cannot extend service \"{current}\" in {}: service \"{base_name}\" not found",
                                file.display()
                            ),
                        )
                        .at(ext.loc.clone())
                        .path(path));
                    }
                    walk.push((current, service));
                    current = base_name;
                }
                Some(f) => {
                    let dir = file.parent().unwrap_or(Path::new("."));
                    let other = absolutize(dir, Path::new(&f));
                    let other_doc = self.other(&other).map_err(|e| {
                        Error::new(e.kind, format!("{}: {}", other.display(), e.message))
                            .at(ext.loc.clone())
                            .path(format!("{path}.file"))
                    })?;
                    if other_doc.get("services").and_then(|s| s.get(&base_name)).is_none() {
                        return Err(Error::new(
                            ErrorKind::Extends,
                            format!(
                                "cannot extend service \"{current}\" in {}: service \"{base_name}\" not found in {}",
                                file.display(),
                                other.display()
                            ),
                        )
                        .at(ext.loc.clone())
                        .path(path));
                    }
                    let depth = outer.len();
                    outer.extend(walk.iter().map(|(n, _)| (file.to_path_buf(), n.clone())));
                    outer.push((file.to_path_buf(), current.clone()));
                    let arc: Arc<Path> = Arc::from(other.as_path());
                    let other_index = services_of(&other_doc);
                    let b = self.service(&other_doc, &other_index, &arc, &base_name, outer);
                    outer.truncate(depth);
                    let mut b = b?;
                    // Paths in the other file are relative to that file.
                    paths::resolve_service(&mut b, other.parent().unwrap_or(Path::new("/")), self.home);
                    walk.push((current, service));
                    break Some(b);
                }
            }
        };
        // Fold back up: each service over its resolved base, each remembered.
        let mut acc = base;
        for (svc, mut over) in walk.into_iter().rev() {
            over.remove("extends");
            let node = match acc.take() {
                None => over,
                Some(mut b) => {
                    // Not inherited, as in compose: only `extends` itself goes (compose-go
                    // keeps a base's links, volumes_from and depends_on since v2).
                    b.remove("extends");
                    merge_service(&mut b, over);
                    b
                }
            };
            self.done.insert((file.to_path_buf(), svc), node.clone());
            acc = Some(node);
        }
        acc.ok_or_else(|| Error::new(ErrorKind::Extends, format!("service \"{name}\" not found")).in_file(file))
    }

    fn other(&mut self, path: &Path) -> Result<Rc<Node>> {
        if let Some(d) = self.files.get(path) {
            return Ok(Rc::clone(d));
        }
        let d = Rc::new((self.load)(path)?);
        self.files.insert(path.to_path_buf(), Rc::clone(&d));
        Ok(d)
    }
}

fn cycle(doc: &Node, file: &Arc<Path>, outer: &[(PathBuf, String)], walk: &[(String, Node)], here: &str) -> Error {
    let mut msg = String::from("Circular reference:");
    let chain = outer
        .iter()
        .cloned()
        .chain(walk.iter().map(|(n, _)| (file.to_path_buf(), n.clone())))
        .chain(std::iter::once((file.to_path_buf(), here.to_string())));
    for (i, (f, s)) in chain.enumerate() {
        if i == 0 {
            msg.push_str(&format!("\n  {s} in {}", f.display()));
        } else {
            msg.push_str(&format!("\n  extends {s} in {}", f.display()));
        }
    }
    let loc = doc.locate(&format!("services.{here}.extends"));
    Error::new(ErrorKind::Cycle, msg).at(loc).path(format!("services.{here}.extends"))
}

fn absolutize(base: &Path, p: &Path) -> PathBuf {
    paths::clean(&if p.is_absolute() { p.to_path_buf() } else { base.join(p) })
}

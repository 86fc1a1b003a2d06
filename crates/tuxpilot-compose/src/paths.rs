//! Making relative paths absolute: build contexts, bind mount sources, env files, label files,
//! secret and config files. Used for the project's own files (against the project directory)
//! and for services pulled in by `extends: {file: …}` or `include` (against their own directory).

use std::path::{Component, Path, PathBuf};

use crate::node::{Node, Value};

/// Joins and cleans `p` onto `dir` (`~` is the home directory); absolute paths are cleaned only.
pub fn absolute(dir: &Path, p: &str, home: Option<&Path>) -> String {
    let path = if let Some(rest) = p.strip_prefix("~/").or_else(|| (p == "~").then_some("")) {
        match home {
            Some(h) => h.join(rest),
            None => PathBuf::from(p),
        }
    } else {
        let pb = PathBuf::from(p);
        if pb.is_absolute() { pb } else { dir.join(pb) }
    };
    clean(&path).to_string_lossy().into_owned()
}

/// Lexically removes `.` and `..` (like Go's `filepath.Clean`), without touching the disk.
pub fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` above the root is the root, as in Go.
                if !out.pop() && !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

fn is_remote(s: &str) -> bool {
    s.contains("://") || s.starts_with("git@") || s.starts_with("github.com/")
}

fn resolve_str(node: &mut Node, dir: &Path, home: Option<&Path>) {
    if let Value::Str(s) = &node.value
        && !is_remote(s)
    {
        node.value = Value::Str(absolute(dir, s, home));
    }
}

/// A bind source in short syntax starts with `.`, `/` or `~`.
fn resolve_short_volume(node: &mut Node, dir: &Path, home: Option<&Path>) {
    let Value::Str(s) = &node.value else { return };
    let Some((src, rest)) = s.split_once(':') else { return };
    if src.starts_with('.') || src.starts_with('~') {
        node.value = Value::Str(format!("{}:{rest}", absolute(dir, src, home)));
    }
}

/// Resolves the paths of one service node.
pub fn resolve_service(service: &mut Node, dir: &Path, home: Option<&Path>) {
    if let Some(build) = service.get_mut("build") {
        // Local additional contexts are paths; `service:x`, `docker-image://…` and remote ones not.
        if let Some(Value::Map(contexts)) = build.get_mut("additional_contexts").map(|c| &mut c.value) {
            for (_, c) in contexts.iter_mut() {
                if c.as_str().is_some_and(|s| !s.contains("://") && !s.starts_with("service:")) {
                    resolve_str(c, dir, home);
                }
            }
        }
        match &build.value {
            Value::Str(_) => resolve_str(build, dir, home),
            Value::Map(_) => match build.get_mut("context") {
                Some(ctx) => resolve_str(ctx, dir, home),
                None => {
                    let loc = build.loc.clone();
                    build.insert(
                        crate::node::Key { name: "context".into(), loc: loc.clone() },
                        Node::new(Value::Str(absolute(dir, ".", home)), loc),
                    );
                }
            },
            _ => {}
        }
    }
    for key in ["env_file", "label_file"] {
        if let Some(files) = service.get_mut(key) {
            match &mut files.value {
                Value::Str(_) => resolve_str(files, dir, home),
                Value::Seq(items) => {
                    for item in items {
                        match &item.value {
                            Value::Str(_) => resolve_str(item, dir, home),
                            Value::Map(_) => {
                                if let Some(p) = item.get_mut("path") {
                                    resolve_str(p, dir, home);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(Value::Seq(items)) = service.get_mut("volumes").map(|v| &mut v.value) {
        for item in items {
            match &item.value {
                Value::Str(_) => resolve_short_volume(item, dir, home),
                Value::Map(_) => {
                    let is_bind = item.get("type").and_then(Node::as_str) == Some("bind");
                    if is_bind && let Some(src) = item.get_mut("source") {
                        resolve_str(src, dir, home);
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(ext) = service.get_mut("extends")
        && let Some(file) = ext.get_mut("file")
    {
        resolve_str(file, dir, home);
    }
    // A watched path is absolute, and a symbolic link is followed (compose-go's
    // `absSymbolicLink`): the watcher sees the files the link points at.
    if let Some(Value::Seq(rules)) = service.get_mut("develop").and_then(|d| d.get_mut("watch")).map(|w| &mut w.value) {
        for rule in rules {
            if let Some(path) = rule.get_mut("path") {
                resolve_str(path, dir, home);
                if let Value::Str(p) = &path.value
                    && std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                    && let Ok(target) = std::fs::canonicalize(p)
                {
                    path.value = Value::Str(target.to_string_lossy().into_owned());
                }
            }
        }
    }
}

/// Resolves the paths of a whole document: every service and every secret/config `file`.
pub fn resolve_document(doc: &mut Node, dir: &Path, home: Option<&Path>) {
    if let Some(Value::Map(services)) = doc.get_mut("services").map(|s| &mut s.value) {
        for (_, service) in services.iter_mut() {
            resolve_service(service, dir, home);
        }
    }
    // A `local` volume with `o: bind` is a bind mount of `device`.
    if let Some(Value::Map(volumes)) = doc.get_mut("volumes").map(|s| &mut s.value) {
        for (_, v) in volumes.iter_mut() {
            if v.get("driver").and_then(Node::as_str) != Some("local") {
                continue;
            }
            if let Some(opts) = v.get_mut("driver_opts")
                && opts.get("o").and_then(Node::as_str) == Some("bind")
                && let Some(device) = opts.get_mut("device")
            {
                resolve_str(device, dir, home);
            }
        }
    }
    for top in ["secrets", "configs"] {
        if let Some(Value::Map(items)) = doc.get_mut(top).map(|s| &mut s.value) {
            for (_, item) in items.iter_mut() {
                if let Some(f) = item.get_mut("file") {
                    resolve_str(f, dir, home);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_and_joining() {
        let dir = Path::new("/proj/app");
        assert_eq!(absolute(dir, "./data", None), "/proj/app/data");
        assert_eq!(absolute(dir, "../shared/x", None), "/proj/shared/x");
        assert_eq!(absolute(dir, "/abs/./y", None), "/abs/y");
        assert_eq!(absolute(dir, ".", None), "/proj/app");
        assert_eq!(absolute(dir, "~/x", Some(Path::new("/home/me"))), "/home/me/x");
    }
}

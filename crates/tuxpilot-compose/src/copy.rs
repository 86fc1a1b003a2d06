//! Copying files between the host and a container through the engine's archive API, with
//! `docker cp`'s rules for where things land (`compose cp`, and `compose watch`'s syncs).
//!
//! - Into a container: a destination that is a directory receives the source under its own
//!   name; one that does not exist (its parent does) receives it under the destination's name;
//!   an existing file is replaced by a file. `SRC/.` copies a directory's contents.
//! - Out of a container: the same rules on the host. The archive is extracted as it streams
//!   (memory stays bounded), and no entry may land outside the destination.

use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use tuxpilot_docker::{Engine, EngineError};

/// Why a copy failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// The engine refused (no such container, no such path in it…).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A host file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The host path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The request cannot be done as asked (a directory onto a file, a missing parent…).
    #[error("{0}")]
    Invalid(String),
    /// The path to copy out is not in the container.
    #[error("{path}: no such file or directory in container {container}")]
    NoSuchPath {
        /// The container (its short id).
        container: String,
        /// The path asked for.
        path: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CopyError + '_ {
    move |source| CopyError::Io { path: path.display().to_string(), source }
}

/// A container id as docker shows it (12 characters); a name stays whole.
fn short(container: &str) -> &str {
    let hex = container.len() == 64 && container.chars().all(|c| c.is_ascii_hexdigit());
    if hex { &container[..12] } else { container }
}

/// The last component of a path as docker names it (`/a/b/` is `b`; `/` has none).
fn base_name(path: &str) -> Option<&str> {
    path.trim_end_matches('/').rsplit('/').next().filter(|n| !n.is_empty() && *n != "." && *n != "..")
}

/// The directory above a container path (`/a/b` → `/a`, `b` → `.`).
fn parent_of(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => trimmed[..i].into(),
        None => ".".into(),
    }
}

/// A tar of `src` (a file, or a directory and all under it) whose top entry is `name`;
/// symbolic links are stored as links. With `contents_only`, a directory's children are the
/// top entries (`SRC/.`).
pub fn tar_of(src: &Path, name: &str, contents_only: bool) -> Result<Bytes, CopyError> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    append_path(&mut builder, src, if contents_only { "." } else { name }).map_err(io(src))?;
    Ok(Bytes::from(builder.into_inner().map_err(io(src))?))
}

/// Appends `host` to a tar as `name`: a file, a link (stored as a link when the builder does not
/// follow links), or a directory with everything under it.
pub(crate) fn append_path(builder: &mut tar::Builder<Vec<u8>>, host: &Path, name: &str) -> std::io::Result<()> {
    if std::fs::symlink_metadata(host)?.is_dir() {
        builder.append_dir_all(name, host)
    } else {
        builder.append_path_with_name(host, name)
    }
}

/// `docker cp SRC CONTAINER:DEST`: copies a host file or directory into a container.
pub async fn to_container(engine: &dyn Engine, container: &str, src: &Path, dest: &str) -> Result<(), CopyError> {
    to_container_as(engine, container, src, dest, false).await
}

/// [`to_container`]; with `keep_owners` (`docker cp -a`), the files keep their host uid:gid.
pub async fn to_container_as(
    engine: &dyn Engine,
    container: &str,
    src: &Path,
    dest: &str,
    keep_owners: bool,
) -> Result<(), CopyError> {
    let src_text = src.to_string_lossy();
    let contents_only = src_text.ends_with("/.");
    let src_meta = std::fs::symlink_metadata(src).map_err(io(src))?;
    let src_name = if contents_only {
        None
    } else {
        Some(
            src.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| CopyError::Invalid(format!("{src_text}: not a file or directory name")))?,
        )
    };
    let dest_stat = match engine.stat_path(container, dest).await {
        Ok(s) => Some(s),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e.into()),
    };
    let (into, name) = match (&dest_stat, &src_name) {
        // Into an existing directory, under the source's own name (or its contents).
        (Some(s), Some(n)) if s.is_dir => (dest.to_string(), n.clone()),
        (Some(s), None) if s.is_dir => (dest.to_string(), ".".to_string()),
        (Some(_), _) if src_meta.is_dir() => {
            return Err(CopyError::Invalid(format!(
                "cannot copy a directory onto the file {}:{dest}",
                short(container)
            )));
        }
        (None, _) if dest.ends_with('/') => {
            return Err(CopyError::Invalid(format!(
                "{}:{dest}: no such directory (a path ending in / must exist)",
                short(container)
            )));
        }
        // A new (or replaced) entry named as the destination, in its parent.
        _ => {
            let name = base_name(dest).ok_or_else(|| {
                CopyError::Invalid(format!("{}:{dest}: not a file or directory name", short(container)))
            })?;
            (parent_of(dest), name.to_string())
        }
    };
    let tar = tar_of(src, &name, contents_only && name == ".")?;
    engine.upload_archive(container, &into, tar, keep_owners).await?;
    Ok(())
}

/// `docker cp CONTAINER:SRC DEST`: copies a file or directory out of a container. `DEST` is
/// `-` for the raw tar on `stdout` (then `stdout` receives it; otherwise it is unused).
pub async fn from_container(
    engine: &dyn Engine,
    container: &str,
    src: &str,
    dest: &Path,
    stdout: &mut (dyn std::io::Write + Send),
) -> Result<(), CopyError> {
    // The engine answers a missing path with a 404 that reads as a missing container.
    let missing = |e: EngineError| match e {
        EngineError::NotFound { .. } => {
            CopyError::NoSuchPath { container: short(container).to_string(), path: src.to_string() }
        }
        other => other.into(),
    };
    let mut stream = engine.download_archive(container, src);
    if dest.as_os_str() == "-" {
        while let Some(chunk) = stream.next().await {
            stdout.write_all(&chunk.map_err(missing)?).map_err(io(dest))?;
        }
        return stdout.flush().map_err(io(dest));
    }
    // Where the top entry lands, and under which name.
    let (dir, rename) = if dest.is_dir() {
        (dest.to_path_buf(), None)
    } else {
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(CopyError::Invalid(format!("{}: no such directory", parent.display())));
        }
        let name = dest
            .file_name()
            .ok_or_else(|| CopyError::Invalid(format!("{}: not a file or directory name", dest.display())))?;
        (parent, Some(PathBuf::from(name)))
    };
    // The archive is unpacked on a blocking thread as it arrives, through a bounded channel.
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let unpack = tokio::task::spawn_blocking(move || unpack(ChannelReader { rx, buf: Bytes::new() }, &dir, rename));
    let mut failed = None;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                if tx.send(c).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    drop(tx);
    let unpacked = unpack.await.map_err(|e| CopyError::Invalid(format!("the copy stopped: {e}")))?;
    if let Some(e) = failed {
        return Err(missing(e));
    }
    unpacked
}

/// A `Read` over chunks sent through a channel (ends when the sender is dropped).
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    buf: Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.buf.is_empty() {
            // On the blocking thread the unpacking runs on.
            match self.rx.blocking_recv() {
                Some(b) => self.buf = b,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf.split_to(n));
        Ok(n)
    }
}

/// Unpacks a tar into `dir`, the top entry renamed to `rename` when given. An entry whose path
/// is absolute or climbs out (`..`) is refused.
fn unpack(reader: impl std::io::Read, dir: &Path, rename: Option<PathBuf>) -> Result<(), CopyError> {
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(true);
    archive.set_overwrite(true);
    for entry in archive.entries().map_err(io(dir))? {
        let mut entry = entry.map_err(io(dir))?;
        let path = entry.path().map_err(io(dir))?.into_owned();
        let mut parts = path.components().filter(|c| !matches!(c, Component::CurDir));
        let mut target = dir.to_path_buf();
        match (parts.next(), &rename) {
            (Some(Component::Normal(_)), Some(new)) => target.push(new),
            (Some(Component::Normal(first)), None) => target.push(first),
            (None, _) => continue,
            _ => return Err(CopyError::Invalid(format!("the archive has an unsafe path: {}", path.display()))),
        }
        for c in parts {
            match c {
                Component::Normal(p) => target.push(p),
                _ => return Err(CopyError::Invalid(format!("the archive has an unsafe path: {}", path.display()))),
            }
        }
        // Nor may it be written through a link the archive made earlier (`d -> /etc`, then
        // `d/passwd`).
        let mut walk = target.parent();
        while let Some(p) = walk {
            if p == dir {
                break;
            }
            if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(CopyError::Invalid(format!("the archive writes through a link: {}", path.display())));
            }
            walk = p.parent();
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        entry.unpack(&target).map_err(io(&target))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_parents_as_docker_reads_them() {
        assert_eq!(base_name("/a/b/"), Some("b"));
        assert_eq!(base_name("/"), None);
        assert_eq!(base_name("/a/.."), None);
        assert_eq!(parent_of("/a/b"), "/a");
        assert_eq!(parent_of("/a"), "/");
        assert_eq!(parent_of("a"), ".");
    }

    #[test]
    fn unpack_renames_the_top_entry_and_refuses_escapes() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir(src.path().join("conf")).unwrap();
        std::fs::write(src.path().join("conf/a.txt"), "A").unwrap();
        let tar = tar_of(&src.path().join("conf"), "conf", false).unwrap();
        let out = tempfile::tempdir().unwrap();
        unpack(&tar[..], out.path(), Some("renamed".into())).unwrap();
        assert_eq!(std::fs::read_to_string(out.path().join("renamed/a.txt")).unwrap(), "A");
        unpack(&tar[..], out.path(), None).unwrap();
        assert_eq!(std::fs::read_to_string(out.path().join("conf/a.txt")).unwrap(), "A");

        // A hostile archive: an entry climbing out of the destination.
        let mut evil = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        h.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"x/../../evil\0");
        h.set_cksum();
        evil.append(&h, &b"E"[..]).unwrap();
        let evil = evil.into_inner().unwrap();
        let e = unpack(&evil[..], out.path(), None).unwrap_err();
        assert!(e.to_string().contains("unsafe path"), "{e}");
        // Or a link, then a file through it.
        let outside = tempfile::tempdir().unwrap();
        let mut evil = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        evil.append_link(&mut h, "d/l", outside.path()).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        evil.append_data(&mut h, "d/l/planted", &b"P"[..]).unwrap();
        let evil = evil.into_inner().unwrap();
        let e = unpack(&evil[..], out.path(), None).unwrap_err();
        assert!(e.to_string().contains("through a link"), "{e}");
        assert!(!outside.path().join("planted").exists());
        assert!(!out.path().parent().unwrap().join("evil").exists());
    }
}

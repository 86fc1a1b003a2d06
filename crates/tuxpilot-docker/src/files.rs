//! Reading the files users name (compose and app files, env and label files, configs, secrets,
//! ignore files, the config file), bounded: a named pipe (which blocks until someone writes), a
//! socket, a block device or a directory is refused before it is opened, and past [`MAX_FILE`]
//! bytes a read stops with an error, so `/dev/zero`, `/dev/urandom` or a FIFO never hangs a
//! command or fills its memory. `/dev/null` reads as empty, and a shell's process substitution
//! (`-f <(…)`, a pipe under `/dev/fd/`) has its writer, so it is read.

use std::io::{self, Read};
use std::path::Path;

/// The most a named file may hold: 64 MiB (a compose file of a thousand services is under 1 MiB).
pub const MAX_FILE: u64 = 64 << 20;

/// Refuses what cannot be read to its end without waiting or without end, saying what it is.
fn readable(path: &Path) -> io::Result<()> {
    let kind = std::fs::metadata(path)?.file_type();
    if kind.is_file() || char_device(&kind) || substituted(path) {
        return Ok(());
    }
    let what = if kind.is_dir() { "a directory" } else { special(&kind) };
    Err(io::Error::new(io::ErrorKind::InvalidInput, format!("it is {what}, not a regular file")))
}

#[cfg(unix)]
fn special(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn special(_: &std::fs::FileType) -> &'static str {
    "not a file"
}

/// A character device (`/dev/null`, `/dev/zero`) reads without waiting; its end is the limit.
#[cfg(unix)]
fn char_device(kind: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_char_device()
}

#[cfg(not(unix))]
fn char_device(_: &std::fs::FileType) -> bool {
    false
}

/// A shell's process substitution: a pipe whose writer exists.
fn substituted(path: &Path) -> bool {
    path.starts_with("/dev/fd") || path.starts_with("/proc/self/fd")
}

/// Reads at most `limit` bytes from `reader`; more is an error naming the limit.
pub fn read_limited(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than {} MiB, more than a file of this kind holds", limit >> 20),
        ));
    }
    Ok(out)
}

/// A regular file's bytes, at most [`MAX_FILE`].
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    readable(path)?;
    read_limited(std::fs::File::open(path)?, MAX_FILE)
}

/// The most an env or label file may hold: 16 MiB.
pub const MAX_ENV_FILE: u64 = 16 << 20;

/// A file named inside another (env_file, label_file, include, extends, configs, secrets): a
/// regular file of at most `limit` bytes, nothing else. A device, a FIFO or a socket is refused
/// before it is read (`/dev/null` reads as empty); a symbolic link loop fails to open.
pub fn read_named(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        if path == Path::new("/dev/null") {
            return Ok(Vec::new());
        }
        let what = if kind.is_dir() { "a directory" } else { special(&kind) };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("it is {what}, not a regular file")));
    }
    read_limited(std::fs::File::open(path)?, limit)
}

/// [`read_named`] as UTF-8 text.
pub fn read_named_to_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_named(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// A regular file's text, at most [`MAX_FILE`] bytes of UTF-8.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_pipes_and_directories_are_refused_and_big_reads_stop() {
        let e = read_to_string(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("larger than 64 MiB"), "{e}");
        assert_eq!(read_to_string(Path::new("/dev/null")).unwrap(), "");
        let e = read(Path::new("/tmp")).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        let e = read_limited(std::io::repeat(0), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("larger than 1 MiB"), "{e}");
        assert_eq!(read_limited(&b"abc"[..], 3).unwrap(), b"abc");
    }

    #[test]
    fn a_named_pipe_is_refused_without_waiting_for_a_writer() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status()?;
        assert!(made.success());
        let e = read_to_string(&fifo).unwrap_err();
        assert!(e.to_string().contains("named pipe"), "{e}");
        Ok(())
    }
}

//! Errors of loading a Compose project: each names the file, the line and column when the YAML
//! has them, and the key path (`services.web.ports[1]`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A place in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: Arc<Path>,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
}

impl Location {
    /// A location in `file`.
    pub fn at(file: &Arc<Path>, line: usize, column: usize) -> Self {
        Self { file: file.clone(), line, column }
    }

    /// The start of `file` (no line known).
    pub fn file(file: &Path) -> Self {
        Self { file: Arc::from(file), line: 0, column: 0 }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file.display()),
            (l, 0) => write!(f, "{}:{l}", self.file.display()),
            (l, c) => write!(f, "{}:{l}:{c}", self.file.display()),
        }
    }
}

/// What went wrong, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read or found.
    Io,
    /// Not valid YAML (syntax, duplicate key, unknown tag).
    Yaml,
    /// A `${…}` that is malformed or a required variable without a value.
    Interpolation,
    /// A `.env` or `env_file` line that cannot be parsed.
    EnvFile,
    /// A key or value the Compose schema does not allow.
    Schema,
    /// A reference to a service, network, volume, secret or config that is not defined.
    UndefinedReference,
    /// A dependency, `extends` or `include` cycle.
    Cycle,
    /// `extends` that cannot be resolved.
    Extends,
    /// An invalid project name.
    ProjectName,
    /// No compose file found, or an empty one.
    NoProject,
    /// Settings that contradict each other (scale vs replicas, container_name with scale…).
    Conflict,
}

/// An error loading a Compose project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Kind.
    pub kind: ErrorKind,
    /// What is wrong, in the words `docker compose` users know.
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
    /// The key path, when known (`services.web.ports[1]`).
    pub path: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Error {
    /// A new error without a location.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), location: None, path: None, hint: None }
    }

    /// Sets the location.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Sets the location to a file without line.
    pub fn in_file(self, file: &Path) -> Self {
        self.at(Location::file(file))
    }

    /// Sets the key path.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The file the error is in, if known.
    pub fn file(&self) -> Option<PathBuf> {
        self.location.as_ref().map(|l| l.file.to_path_buf())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        // A message that opens with its path or the path's parent (compose-go's phrases do) is
        // not prefixed again.
        if let Some(path) = self.path.as_deref().filter(|p| !p.is_empty())
            && !self.message.starts_with(path)
            && !opens_with_path(&self.message, &go_path(path))
        {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Whether the first word of `message` is `go_path` or one of its parents.
fn opens_with_path(message: &str, go_path: &str) -> bool {
    let first = message.split([' ', ':']).next().unwrap_or("");
    !first.is_empty()
        && go_path.starts_with(first)
        && (go_path.len() == first.len() || go_path[first.len()..].starts_with('.'))
}

impl std::error::Error for Error {}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// compose-go's path of a key path: list indexes as `.0` (`services.web.volumes.0.tmpfs`).
pub(crate) fn go_path(path: &str) -> String {
    path.replace('[', ".").replace(']', "")
}

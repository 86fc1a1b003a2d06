//! `tuxpilot-compose` loads Compose files exactly as `docker compose` does, with no Docker
//! daemon: file discovery (`compose.yaml`… searched upward, `COMPOSE_FILE`), `.env` and
//! `--env-file`, interpolation (`${VAR:-default}`, `${VAR:?error}`, `$$`…), several `-f` files
//! merged with the spec's rules (`!reset`, `!override`), `extends`, `include`, profiles, project
//! name rules, normalization to the long syntax, and validation with errors that name the file,
//! line, column and key path. [`runtime`] runs a loaded project on an engine as `docker compose`
//! does; [`watch`] follows its `develop.watch` rules; [`copy`] moves files in and out of its
//! containers with `docker cp`'s rules.
//!
//! ```no_run
//! use tuxpilot_compose::{load, LoadOptions};
//!
//! let loaded = load(&LoadOptions::new("/srv/myapp"))?;
//! for (name, service) in &loaded.project.services {
//!     println!("{name}: {:?} ({} replicas)", service.image, service.replicas());
//! }
//! println!("{}", tuxpilot_compose::to_yaml(&loaded.project)?);
//! # Ok::<(), tuxpilot_compose::Error>(())
//! ```

pub mod copy;
mod de;
mod dotenv;
mod error;
mod escape;
mod extends;
pub mod gojson;
mod hash;
mod hooks;
mod interpolate;
mod loader;
mod merge;
mod model;
mod node;
mod normalize;
mod paths;
pub mod runtime;
mod settings;
mod validate;
pub mod watch;
pub mod yaml;

pub use de::{Bytes, GoDuration, format_go_duration, parse_bytes, parse_go_duration};
pub use error::{Error, ErrorKind, Location, Result};
pub use escape::escape_dollars;
pub use gojson::compose_service_hash;
pub use hash::service_hash;
pub use interpolate::{Substituted, SubstitutionError, substitute};
pub use loader::{
    ConfigFile, DEFAULT_FILES, LoadOptions, LoadedProject, OVERRIDE_FILES, discover, load, normalize_project_name,
};
pub use model::*;
pub use settings::ComposeConfig;

/// Parses a `.env` file's text (`lookup` supplies the environment for `KEY` lines and `${…}`).
pub fn parse_env_file(
    text: &str,
    file: &std::path::Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<indexmap::IndexMap<String, String>> {
    dotenv::parse(text, file, lookup)
}

/// The project as `docker compose config` prints it, in YAML. `$` in values is written `$$`,
/// so the output loads again to the same project (see [`escape_dollars`]).
pub fn to_yaml(project: &Project) -> Result<String> {
    serde_saphyr::to_string(&escape::Escaped(project))
        .map_err(|e| Error::new(ErrorKind::Schema, format!("cannot write YAML: {e}")))
}

/// The project as `docker compose config --format json` prints it (`$` written `$$`).
pub fn to_json(project: &Project) -> Result<String> {
    let v = gojson::project_value(project)
        .map_err(|e| Error::new(ErrorKind::Schema, format!("cannot serialize the project: {e}")))?;
    serde_json::to_string_pretty(&escape_dollars(v))
        .map_err(|e| Error::new(ErrorKind::Schema, format!("cannot write JSON: {e}")))
}

/// The project as YAML with values exactly as loaded (for `--no-interpolate`, where `${…}` must
/// stay as written).
pub fn to_yaml_raw(project: &Project) -> Result<String> {
    serde_saphyr::to_string(project).map_err(|e| Error::new(ErrorKind::Schema, format!("cannot write YAML: {e}")))
}

/// The project as JSON with values exactly as loaded.
pub fn to_json_raw(project: &Project) -> Result<String> {
    serde_json::to_string_pretty(project).map_err(|e| Error::new(ErrorKind::Schema, format!("cannot write JSON: {e}")))
}

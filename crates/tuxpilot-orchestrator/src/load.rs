//! Reading an app file: `app.yaml` (with `.env` and `${VAR}` interpolation as compose does it)
//! or a compose file, checked before anything is created, with errors that name the file, line,
//! column, key path and a fix.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tuxpilot_compose::yaml::{self, Key, Node, Value};
use tuxpilot_compose::{Error, ErrorKind, Project};

use crate::spec::ApplicationDeployment;

/// Which format a file was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// TuxPilot's `app.yaml`.
    AppSpec,
    /// A compose file.
    Compose,
}

/// An app read from a file, checked and lowered onto a compose project.
#[derive(Debug, Clone)]
pub struct LoadedApp {
    /// The app (for a compose file: its services as containers are not kept; see `project`).
    pub spec: Option<ApplicationDeployment>,
    /// The project every executor runs.
    pub project: Project,
    /// Name (= compose project name).
    pub name: String,
    /// Version.
    pub version: String,
    /// The file.
    pub file: PathBuf,
    /// Its directory (relative paths start here).
    pub working_dir: PathBuf,
    /// The format.
    pub format: SourceFormat,
    /// Warnings (unset variables…).
    pub warnings: Vec<String>,
}

/// Options for [`load`].
#[derive(Debug, Clone, Default)]
pub struct LoadAppOptions {
    /// The process environment (wins over `.env`).
    pub environment: HashMap<String, String>,
    /// Overrides the app's name.
    pub name: Option<String>,
    /// Overrides the app's version.
    pub version: Option<String>,
}

impl LoadAppOptions {
    /// Options with the process environment.
    pub fn from_env() -> Self {
        Self { environment: std::env::vars().collect(), ..Default::default() }
    }
}

/// Reads `file`: an `app.yaml` (it has `containers:`) or a compose file (it has `services:`).
pub fn load(file: &Path, options: &LoadAppOptions) -> Result<LoadedApp, Error> {
    let file = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(file)).unwrap_or_else(|_| file.to_path_buf())
    };
    let text = tuxpilot_docker::files::read_to_string(&file).map_err(|e| {
        let msg = if e.kind() == std::io::ErrorKind::NotFound {
            "no such file".to_string()
        } else {
            format!("cannot read it: {e}")
        };
        Error::new(ErrorKind::Io, msg).in_file(&file).hint("pass the app file with --file PATH")
    })?;
    load_text(&file, &text, options)
}

/// Loads an app spec from `text`, as if read from `file` (an absolute path: relative paths in
/// the spec are resolved against its directory). What [`load`] does after reading the file.
pub fn load_text(file: &Path, text: &str, options: &LoadAppOptions) -> Result<LoadedApp, Error> {
    let file = file.to_path_buf();
    let working_dir = file.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let arc: Arc<Path> = Arc::from(file.as_path());
    let docs = yaml::parse(text, &arc)?;
    let Some(doc) = docs.into_iter().next() else {
        return Err(Error::new(ErrorKind::NoProject, "the file is empty").in_file(&file));
    };
    if !matches!(doc.value, Value::Map(_)) {
        return Err(Error::new(ErrorKind::Schema, "the top level must be a mapping").at(doc.loc.clone()));
    }
    if doc.get("containers").is_none() && doc.get("services").is_some() {
        return load_compose(&file, &working_dir, &doc, options);
    }
    let env = environment(&options.environment, &working_dir)?;
    let mut doc = doc;
    let unset = yaml::interpolate(&mut doc, &|k| env.get(k).cloned())?;
    let warnings =
        unset.iter().map(|v| format!("The \"{v}\" variable is not set. Defaulting to a blank string.")).collect();
    list_to_map(&mut doc, "containers")?;
    let mut spec: ApplicationDeployment = yaml::from_node(&doc)?;
    if let Some(n) = &options.name {
        spec.name = n.clone();
    }
    if let Some(v) = &options.version {
        spec.version = Some(v.clone());
    }
    crate::validate::validate(&spec, &doc)?;
    let project = crate::lower::lower(&spec, &working_dir);
    Ok(LoadedApp {
        name: spec.name.clone(),
        version: spec.version().to_string(),
        spec: Some(spec),
        project,
        file,
        working_dir,
        format: SourceFormat::AppSpec,
        warnings,
    })
}

/// A compose file, through the compose loader (so it reads exactly as `tuxpilot compose` does).
fn load_compose(file: &Path, dir: &Path, doc: &Node, options: &LoadAppOptions) -> Result<LoadedApp, Error> {
    let mut o = tuxpilot_compose::LoadOptions::new(dir);
    o.environment = options.environment.clone();
    o.files = vec![tuxpilot_compose::ConfigFile::path(file)];
    o.project_name = options.name.clone();
    let loaded = tuxpilot_compose::load(&o)?;
    let version = options
        .version
        .clone()
        .or_else(|| doc.get("x-version").and_then(Node::scalar_text))
        .unwrap_or_else(|| "latest".into());
    let project = loaded.project;
    // An opt-in label that does not read would silently mean `off`.
    for (name, service) in &project.services {
        if let Some(Some(v)) = service.labels.get(crate::updates::policy::LABEL)
            && let Err(e) = v.parse::<crate::updates::policy::AutoUpdate>()
        {
            let path = format!("services.{name}.labels.{}", crate::updates::policy::LABEL);
            return Err(Error::new(ErrorKind::Schema, format!("{path}: {e}"))
                .at(doc.locate(&path))
                .path(path)
                .hint("use off, digest, patch, minor or major"));
        }
    }
    Ok(LoadedApp {
        name: project.name.clone(),
        version,
        spec: None,
        project,
        file: file.to_path_buf(),
        working_dir: loaded.working_dir,
        format: SourceFormat::Compose,
        warnings: loaded.warnings,
    })
}

/// The process environment over the directory's `.env`, as compose reads it.
fn environment(os: &HashMap<String, String>, dir: &Path) -> Result<BTreeMap<String, String>, Error> {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let path = dir.join(".env");
    if path.is_file() {
        let text = tuxpilot_docker::files::read_to_string(&path)
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read it: {e}")).in_file(&path))?;
        let parsed = tuxpilot_compose::parse_env_file(&text, &path, &|k| os.get(k).cloned())?;
        env.extend(parsed);
    }
    env.extend(os.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(env)
}

/// `containers:` may be a list of entries with `name`: make it the mapping, keeping lines.
fn list_to_map(doc: &mut Node, key: &str) -> Result<(), Error> {
    let Some(node) = doc.get_mut(key) else { return Ok(()) };
    let Value::Seq(items) = &mut node.value else { return Ok(()) };
    let mut entries: Vec<(Key, Node)> = Vec::with_capacity(items.len());
    for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
        let Some(name) = item.remove("name") else {
            return Err(Error::new(ErrorKind::Schema, "a container in the list form needs a `name`")
                .at(item.loc.clone())
                .path(format!("{key}[{i}]"))
                .hint("add `name: web`, or write containers as a mapping of name to container"));
        };
        let Some(text) = name.scalar_text() else {
            return Err(Error::new(ErrorKind::Schema, "name must be a string")
                .at(name.loc.clone())
                .path(format!("{key}[{i}].name")));
        };
        if entries.iter().any(|(k, _)| k.name == text) {
            return Err(Error::new(ErrorKind::Conflict, format!("container `{text}` is listed twice"))
                .at(name.loc.clone())
                .path(format!("{key}[{i}].name")));
        }
        entries.push((Key { name: text, loc: name.loc.clone() }, item));
    }
    node.value = Value::Map(entries);
    Ok(())
}

//! The loading pipeline: find files → environment (`.env`) → project name → per file: parse,
//! interpolate, `include`, `extends` → merge files → type → normalize → validate.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Location, Result, go_path};
use crate::interpolate::{SubstitutionError, substitute};
use crate::merge::{deep_merge, merge_service, merge_top, strip_tags};
use crate::model::Project;
use crate::node::{Node, Value};
use crate::{dotenv, normalize, paths, validate};

/// File names searched for, in order of preference.
pub const DEFAULT_FILES: [&str; 4] = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
/// Override files looked for next to the file found.
pub const OVERRIDE_FILES: [&str; 4] =
    ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"];

/// One Compose file to load: a path, and optionally its content (for `-f -`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Path (relative paths are taken from [`LoadOptions::working_dir`]).
    pub path: PathBuf,
    /// Content, when it does not come from the path (stdin).
    pub content: Option<String>,
}

impl ConfigFile {
    /// A file read from disk.
    pub fn path(p: impl Into<PathBuf>) -> Self {
        Self { path: p.into(), content: None }
    }
}

/// What to load and how.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `-f` files in order; empty means `COMPOSE_FILE` or discovery.
    pub files: Vec<ConfigFile>,
    /// The directory the command runs in (discovery starts here; relative `-f` are from here).
    pub working_dir: PathBuf,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// The name used when none can be derived (the directory's name has no usable letter):
    /// `[containers.compose] default_project_name`.
    pub default_project_name: Option<String>,
    /// `--env-file` (replaces `.env`).
    pub env_files: Vec<PathBuf>,
    /// `--profile`.
    pub profiles: Vec<String>,
    /// The process environment (takes precedence over `.env`).
    pub environment: HashMap<String, String>,
    /// Interpolate `${…}` (off for `--no-interpolate`).
    pub interpolate: bool,
    /// Resolve relative paths (off for `--no-path-resolution`).
    pub resolve_paths: bool,
    /// Check the model's consistency: references, dependency cycles, contradictory settings
    /// (off for `--no-consistency`, as compose-go's `SkipConsistencyCheck`).
    pub consistency: bool,
}

impl LoadOptions {
    /// Options for `dir`, with the process environment.
    pub fn new(working_dir: impl Into<PathBuf>) -> Self {
        Self {
            files: Vec::new(),
            working_dir: working_dir.into(),
            project_directory: None,
            project_name: None,
            default_project_name: None,
            env_files: Vec::new(),
            profiles: Vec::new(),
            environment: std::env::vars().collect(),
            interpolate: true,
            resolve_paths: true,
            consistency: true,
        }
    }
}

/// A loaded project and what was learned on the way.
#[derive(Debug, Clone)]
pub struct LoadedProject {
    /// The project.
    pub project: Project,
    /// The files, absolute, in order.
    pub config_files: Vec<PathBuf>,
    /// The project directory.
    pub working_dir: PathBuf,
    /// Env files read for interpolation (`.env` or `--env-file`).
    pub env_files: Vec<PathBuf>,
    /// The environment interpolation used (process env over `.env`).
    pub environment: BTreeMap<String, String>,
    /// Active profiles.
    pub profiles: Vec<String>,
    /// Warnings, in the words `docker compose` uses.
    pub warnings: Vec<String>,
}

struct Ctx {
    env: BTreeMap<String, String>,
    home: Option<PathBuf>,
    warnings: Vec<String>,
    interpolate: bool,
}

/// Loads a project the way `docker compose` does.
pub fn load(options: &LoadOptions) -> Result<LoadedProject> {
    let cwd = &options.working_dir;
    let os_env = &options.environment;
    let mut warnings = Vec::new();

    // 1. Which files.
    let files: Vec<ConfigFile> = if !options.files.is_empty() {
        options
            .files
            .iter()
            .map(|f| ConfigFile { path: absolutize(cwd, &f.path), content: f.content.clone() })
            .collect()
    } else if let Some(list) = os_env.get("COMPOSE_FILE").filter(|v| !v.is_empty()) {
        let sep = os_env.get("COMPOSE_PATH_SEPARATOR").and_then(|s| s.chars().next()).unwrap_or(':');
        let base = options.project_directory.as_deref().map(|d| absolutize(cwd, d)).unwrap_or_else(|| cwd.clone());
        list.split(sep).filter(|s| !s.is_empty()).map(|p| ConfigFile::path(absolutize(&base, Path::new(p)))).collect()
    } else {
        let start = options.project_directory.as_deref().map(|d| absolutize(cwd, d)).unwrap_or_else(|| cwd.clone());
        discover(&start, &mut warnings)?
    };
    let first = files
        .first()
        .map(|f| f.path.clone())
        .ok_or_else(|| Error::new(ErrorKind::NoProject, "no configuration file provided"))?;

    // 2. Project directory and environment.
    let working_dir = match &options.project_directory {
        Some(d) => absolutize(cwd, d),
        None if first.as_os_str() == "-" => cwd.clone(),
        None => first.parent().map(Path::to_path_buf).unwrap_or_else(|| cwd.clone()),
    };
    let (env, env_files) = environment(os_env, &working_dir, &options.env_files)?;
    let home = env.get("HOME").map(PathBuf::from);
    let mut ctx = Ctx { env, home, warnings, interpolate: options.interpolate };

    // 3. Parse every file (names must be known before interpolation sees COMPOSE_PROJECT_NAME).
    let mut parsed: Vec<(Arc<Path>, Vec<Node>)> = Vec::new();
    for f in &files {
        let text = match &f.content {
            Some(t) => t.clone(),
            None => read(&f.path)?,
        };
        let arc: Arc<Path> = Arc::from(f.path.as_path());
        let docs = crate::node::parse(&text, &arc)?;
        for d in &docs {
            if !matches!(d.value, Value::Map(_)) {
                return Err(Error::new(ErrorKind::Schema, "top-level object must be a mapping").at(d.loc.clone()));
            }
        }
        parsed.push((arc, docs));
    }

    // 4. Project name.
    let name = project_name(options, &mut ctx, &parsed, &working_dir)?;
    ctx.env.insert("COMPOSE_PROJECT_NAME".into(), name.clone());

    // 5. Per file: interpolate, include, extends; then merge in order.
    let mut merged: Option<Node> = None;
    let mut include_stack = Vec::new();
    for (file, docs) in parsed {
        for mut doc in docs {
            process_document(&mut doc, &file, &working_dir, &mut ctx, &mut include_stack)?;
            match &mut merged {
                None => merged = Some(strip_tags(doc)),
                Some(base) => merge_top(base, doc),
            }
        }
    }
    let mut merged = merged.ok_or_else(|| Error::new(ErrorKind::NoProject, "empty compose file").in_file(&first))?;
    if options.resolve_paths {
        paths::resolve_document(&mut merged, &working_dir, ctx.home.as_deref());
    }

    // 6. Type, normalize, validate.
    let profiles = active_profiles(options, &ctx.env);
    let mut project = typed(&merged)?;
    project.name = name;
    normalize::normalize(&mut project, &merged, &ctx.env, &profiles, &mut ctx.warnings)?;
    validate::validate(&project, &merged, options.consistency)?;

    Ok(LoadedProject {
        project,
        config_files: files.into_iter().map(|f| f.path).collect(),
        working_dir,
        env_files,
        environment: ctx.env,
        profiles,
        warnings: ctx.warnings,
    })
}

fn absolutize(base: &Path, p: &Path) -> PathBuf {
    if p.as_os_str() == "-" {
        return p.to_path_buf();
    }
    paths::clean(&if p.is_absolute() { p.to_path_buf() } else { base.join(p) })
}

fn read(path: &Path) -> Result<String> {
    io_error(path, tuxpilot_docker::files::read_to_string(path))
}

/// A file named inside a compose file (`include`, `extends.file`): a regular file only.
fn read_named(path: &Path) -> Result<String> {
    io_error(path, tuxpilot_docker::files::read_named_to_string(path, tuxpilot_docker::files::MAX_FILE))
}

fn io_error(path: &Path, r: std::io::Result<String>) -> Result<String> {
    r.map_err(|e| {
        let msg = if e.kind() == std::io::ErrorKind::NotFound {
            "no such file".to_string()
        } else {
            format!("cannot read it: {e}")
        };
        Error::new(ErrorKind::Io, msg).in_file(path)
    })
}

/// Searches `start` and its parents for a compose file, and its override next to it.
pub fn discover(start: &Path, warnings: &mut Vec<String>) -> Result<Vec<ConfigFile>> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let found: Vec<PathBuf> = DEFAULT_FILES.iter().map(|f| d.join(f)).filter(|p| p.is_file()).collect();
        if let Some(main) = found.first() {
            if found.len() > 1 {
                warnings.push(format!(
                    "Found multiple config files with supported names: {}\nUsing {}",
                    found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                    main.display()
                ));
            }
            let mut files = vec![ConfigFile::path(main.clone())];
            if let Some(o) = OVERRIDE_FILES.iter().map(|f| d.join(f)).find(|p| p.is_file()) {
                files.push(ConfigFile::path(o));
            }
            return Ok(files);
        }
        dir = d.parent();
    }
    Err(Error::new(
        ErrorKind::NoProject,
        format!("no configuration file provided: not found in {} or any parent directory", start.display()),
    )
    .hint("create compose.yaml, or name files with -f"))
}

/// Process environment over `.env` (or `--env-file`s, later files winning among themselves).
fn environment(
    os_env: &HashMap<String, String>,
    working_dir: &Path,
    env_files: &[PathBuf],
) -> Result<(BTreeMap<String, String>, Vec<PathBuf>)> {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let files: Vec<PathBuf> = if !env_files.is_empty() {
        env_files.iter().map(|p| absolutize(working_dir, p)).collect()
    } else if os_env.contains_key("COMPOSE_DISABLE_ENV_FILE") {
        Vec::new()
    } else {
        let dot = working_dir.join(".env");
        if dot.is_file() { vec![dot] } else { Vec::new() }
    };
    for f in &files {
        let text = read(f)?;
        let lookup = |k: &str| os_env.get(k).cloned().or_else(|| env.get(k).cloned());
        let vars = dotenv::parse(&text, f, &lookup)?;
        env.extend(vars);
    }
    // The process environment wins over files.
    env.extend(os_env.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok((env, files))
}

fn valid_project_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Lower-cases and drops what a project name may not contain, as compose does.
pub fn normalize_project_name(s: &str) -> String {
    let lower: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    lower.trim_start_matches(['-', '_']).to_string()
}

fn project_name(
    options: &LoadOptions,
    ctx: &mut Ctx,
    parsed: &[(Arc<Path>, Vec<Node>)],
    working_dir: &Path,
) -> Result<String> {
    let invalid = |n: &str| {
        Error::new(
            ErrorKind::ProjectName,
            format!(
                "invalid project name \"{n}\": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
            ),
        )
    };
    if let Some(n) = &options.project_name {
        return if valid_project_name(n) { Ok(n.clone()) } else { Err(invalid(n)) };
    }
    if let Some(n) = ctx.env.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()) {
        return if valid_project_name(n) { Ok(n.clone()) } else { Err(invalid(n)) };
    }
    let mut from_file = None;
    for (_, docs) in parsed {
        for d in docs {
            if let Some(n) = d.get("name") {
                let text = n.scalar_text().unwrap_or_default();
                let value = if ctx.interpolate { interpolate_str(&text, "name", &n.loc, ctx)? } else { text };
                if !value.is_empty() {
                    from_file = Some(value);
                }
            }
        }
    }
    let raw = from_file
        .unwrap_or_else(|| working_dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let name = normalize_project_name(&raw);
    if name.is_empty()
        && let Some(n) = &options.default_project_name
    {
        return if valid_project_name(n) { Ok(n.clone()) } else { Err(invalid(n)) };
    }
    if name.is_empty() {
        return Err(Error::new(ErrorKind::ProjectName, "project name must not be empty")
            .hint("set `name:` in the file, or pass -p NAME"));
    }
    Ok(name)
}

fn active_profiles(options: &LoadOptions, env: &BTreeMap<String, String>) -> Vec<String> {
    if !options.profiles.is_empty() {
        return options
            .profiles
            .iter()
            .flat_map(|p| p.split(','))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
    }
    env.get("COMPOSE_PROFILES")
        .map(|p| p.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

fn interpolate_str(template: &str, path: &str, loc: &Location, ctx: &mut Ctx) -> Result<String> {
    let env = &ctx.env;
    match substitute(template, &|k| env.get(k).cloned()) {
        Ok(s) => {
            for var in s.unset {
                let w = format!("The \"{var}\" variable is not set. Defaulting to a blank string.");
                if !ctx.warnings.contains(&w) {
                    ctx.warnings.push(w);
                }
            }
            Ok(s.value)
        }
        Err(SubstitutionError::InvalidFormat) => Err(Error::new(
            ErrorKind::Interpolation,
            format!(
                "invalid interpolation format for {path}.\nYou may need to escape any $ with another $.\n{template}"
            ),
        )
        .at(loc.clone())
        .path(path)),
        Err(SubstitutionError::Required { name, message }) => {
            Err(Error::new(ErrorKind::Interpolation, format!("required variable {name} is missing a value: {message}"))
                .at(loc.clone())
                .path(path)
                .hint(format!("set {name} in the environment or in .env")))
        }
    }
}

fn interpolate_node(node: &mut Node, path: &str, ctx: &mut Ctx) -> Result<()> {
    interpolate_at(node, &|| path.to_string(), ctx)
}

/// `path` is only formatted when a message needs it: most values have no `$`.
fn interpolate_at(node: &mut Node, path: &dyn Fn() -> String, ctx: &mut Ctx) -> Result<()> {
    match &mut node.value {
        Value::Str(s) if s.contains('$') => {
            let out = interpolate_str(s, &path(), &node.loc, ctx)?;
            node.value = Value::Str(out);
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                interpolate_at(item, &|| format!("{}[{i}]", path()), ctx)?;
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                let name = k.name.as_str();
                interpolate_at(
                    v,
                    &|| {
                        let p = path();
                        if p.is_empty() { name.to_string() } else { format!("{p}.{name}") }
                    },
                    ctx,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn process_document(
    doc: &mut Node,
    file: &Arc<Path>,
    working_dir: &Path,
    ctx: &mut Ctx,
    include_stack: &mut Vec<PathBuf>,
) -> Result<()> {
    if ctx.interpolate {
        interpolate_node(doc, "", ctx)?;
    }
    if doc.remove("version").is_some() {
        ctx.warnings.push(format!(
            "{}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion",
            file.display()
        ));
    }
    if let Some(include) = doc.remove("include") {
        include_stack.push(file.to_path_buf());
        let r = apply_includes(doc, &include, file, working_dir, ctx, include_stack);
        include_stack.pop();
        r?;
    }
    resolve_extends(doc, file, ctx)?;
    Ok(())
}

fn str_or_list(node: &Node) -> Vec<String> {
    match &node.value {
        Value::Seq(items) => items.iter().filter_map(Node::scalar_text).collect(),
        _ => node.scalar_text().into_iter().collect(),
    }
}

fn apply_includes(
    doc: &mut Node,
    include: &Node,
    file: &Arc<Path>,
    working_dir: &Path,
    ctx: &mut Ctx,
    stack: &mut Vec<PathBuf>,
) -> Result<()> {
    let Value::Seq(entries) = &include.value else {
        return Err(Error::new(ErrorKind::Schema, "include must be a list").at(include.loc.clone()).path("include"));
    };
    let base_dir = file.parent().unwrap_or(working_dir).to_path_buf();
    for (i, entry) in entries.iter().enumerate() {
        let path_key = format!("include[{i}]");
        let (paths_, env_files, project_dir) = match &entry.value {
            Value::Str(s) => (vec![s.clone()], Vec::new(), None),
            Value::Map(_) => {
                for (k, _) in entry.as_map().into_iter().flatten() {
                    if !["path", "env_file", "project_directory"].contains(&k.name.as_str()) {
                        return Err(Error::new(
                            ErrorKind::Schema,
                            format!(
                                "additional property `{}` not allowed (use path, env_file, project_directory)",
                                k.name
                            ),
                        )
                        .at(k.loc.clone())
                        .path(format!("{path_key}.{}", k.name)));
                    }
                }
                let paths_ = entry.get("path").map(str_or_list).unwrap_or_default();
                let env_files = entry.get("env_file").map(str_or_list).unwrap_or_default();
                let pd = entry.get("project_directory").and_then(Node::scalar_text);
                (paths_, env_files, pd)
            }
            _ => {
                return Err(Error::new(ErrorKind::Schema, "each include must be a path or a mapping")
                    .at(entry.loc.clone())
                    .path(path_key));
            }
        };
        if paths_.is_empty() {
            return Err(Error::new(ErrorKind::Schema, "include needs a path").at(entry.loc.clone()).path(path_key));
        }
        let files: Vec<PathBuf> = paths_.iter().map(|p| absolutize(&base_dir, Path::new(p))).collect();
        let inc_dir = project_dir
            .map(|d| absolutize(&base_dir, Path::new(&d)))
            .unwrap_or_else(|| files[0].parent().map(Path::to_path_buf).unwrap_or_else(|| base_dir.clone()));
        if let Some(pos) = stack.iter().position(|p| files.contains(p)) {
            let chain: Vec<String> = stack[pos..].iter().map(|p| p.display().to_string()).collect();
            return Err(Error::new(
                ErrorKind::Cycle,
                format!("include cycle detected:\n{}\n include {}", chain.join("\n include "), files[0].display()),
            )
            .at(entry.loc.clone())
            .path(path_key));
        }
        // The included project has its own environment: its env files (default: its .env) under ours.
        let env_paths: Vec<PathBuf> = env_files.iter().map(|p| absolutize(&base_dir, Path::new(p))).collect();
        let os: HashMap<String, String> = ctx.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let (inc_env, _) = environment(&os, &inc_dir, &env_paths)?;
        let mut sub = Ctx { env: inc_env, home: ctx.home.clone(), warnings: Vec::new(), interpolate: ctx.interpolate };
        let mut included: Option<Node> = None;
        for f in &files {
            let arc: Arc<Path> = Arc::from(f.as_path());
            let text = read_named(f).map_err(|e| {
                Error::new(e.kind, format!("{}: {}", f.display(), e.message))
                    .at(entry.loc.clone())
                    .path(format!("{path_key}.path"))
            })?;
            for mut d in crate::node::parse(&text, &arc)? {
                stack.push(f.clone());
                let r = process_document(&mut d, &arc, &inc_dir, &mut sub, stack);
                stack.pop();
                r?;
                match &mut included {
                    None => included = Some(strip_tags(d)),
                    Some(b) => merge_top(b, d),
                }
            }
        }
        ctx.warnings.append(&mut sub.warnings);
        let Some(mut included) = included else { continue };
        paths::resolve_document(&mut included, &inc_dir, ctx.home.as_deref());
        included.remove("name");
        // Local definitions win over included ones (compose-go since late 2025).
        let local = std::mem::replace(doc, included);
        let Value::Map(entries) = local.value else { continue };
        for (k, v) in entries {
            match k.name.as_str() {
                "services" => {
                    let base = doc.get_mut("services");
                    match base {
                        Some(b) => {
                            let Value::Map(svcs) = v.value else { continue };
                            for (sk, sv) in svcs {
                                match b.get_mut(&sk.name) {
                                    Some(existing) => merge_service(existing, sv),
                                    None => b.insert(sk, sv),
                                }
                            }
                        }
                        None => doc.insert(k, v),
                    }
                }
                _ => match doc.get_mut(&k.name) {
                    Some(existing) => deep_merge(existing, v),
                    None => doc.insert(k, v),
                },
            }
        }
    }
    Ok(())
}

/// Resolves `extends` of every service in `doc` (in place); another file it names is read,
/// parsed and interpolated as the loader does.
fn resolve_extends(doc: &mut Node, file: &Arc<Path>, ctx: &mut Ctx) -> Result<()> {
    let home = ctx.home.clone();
    let mut load = |other: &Path| -> Result<Node> {
        let text = read_named(other)?;
        let arc: Arc<Path> = Arc::from(other);
        let mut d = crate::node::parse(&text, &arc)?
            .into_iter()
            .next()
            .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), Location::file(other)));
        if ctx.interpolate {
            interpolate_node(&mut d, "", ctx)?;
        }
        Ok(d)
    };
    crate::extends::resolve(doc, file, home.as_deref(), &mut load)
}

/// Converts the merged document to the typed model, with errors located in the source.
fn typed(merged: &Node) -> Result<Project> {
    let mut json = merged.to_json();
    let mut top_ext = BTreeMap::new();
    let mut svc_ext: BTreeMap<String, BTreeMap<String, serde_json::Value>> = BTreeMap::new();
    let mut legacy_names: Vec<(String, String, String)> = Vec::new();
    if let serde_json::Value::Object(top) = &mut json {
        let keys: Vec<String> = top.keys().filter(|k| k.starts_with("x-")).cloned().collect();
        for k in keys {
            if let Some(v) = top.remove(&k) {
                top_ext.insert(k, v);
            }
        }
        if let Some(serde_json::Value::Object(services)) = top.get_mut("services") {
            for (name, svc) in services.iter_mut() {
                if let serde_json::Value::Object(m) = svc {
                    let keys: Vec<String> = m.keys().filter(|k| k.starts_with("x-")).cloned().collect();
                    for k in keys {
                        if let Some(v) = m.remove(&k) {
                            svc_ext.entry(name.clone()).or_default().insert(k, v);
                        }
                    }
                }
                strip_nested_extensions(svc);
            }
        }
        for section in ["networks", "volumes", "secrets", "configs"] {
            if let Some(serde_json::Value::Object(items)) = top.get_mut(section) {
                for (key, item) in items.iter_mut() {
                    if item.is_null() {
                        *item = serde_json::Value::Object(Default::default());
                    }
                    strip_nested_extensions(item);
                    if let Some(n) = crate::model::legacy_external_name(item) {
                        legacy_names.push((section.to_string(), key.clone(), n));
                    }
                }
            }
        }
        if let Some(serde_json::Value::Object(services)) = top.get("services") {
            for (name, svc) in services {
                if !svc.is_object() {
                    return Err(Error::new(ErrorKind::Schema, format!("services.{name} must be a mapping"))
                        .at(merged.locate(&format!("services.{name}")))
                        .path(format!("services.{name}")));
                }
            }
        }
    }
    let mut project: Project = deserialize_located(json, merged).map_err(compose_go_words)?;
    project.extensions = top_ext;
    for (name, ext) in svc_ext {
        if let Some(s) = project.services.get_mut(&name) {
            s.extensions = ext;
        }
    }
    for (section, key, n) in legacy_names {
        let slot = match section.as_str() {
            "networks" => project.networks.get_mut(&key).map(|x| &mut x.name),
            "volumes" => project.volumes.get_mut(&key).map(|x| &mut x.name),
            "secrets" => project.secrets.get_mut(&key).map(|x| &mut x.name),
            _ => project.configs.get_mut(&key).map(|x| &mut x.name),
        };
        if let Some(slot) = slot {
            *slot = Some(n);
        }
    }
    Ok(project)
}

/// Deserializes `json` (made from `source`) with errors located in `source`: the key path, its
/// file:line:column, and compose's wording ("additional property `x` is not allowed (did you mean
/// `y`?)").
pub(crate) fn deserialize_located<T: serde::de::DeserializeOwned>(json: serde_json::Value, source: &Node) -> Result<T> {
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let mut path = if path == "." { String::new() } else { path };
        let mut message = e.inner().to_string();
        // Custom deserializers of lists and maps name the failing element by a sub-path that
        // opens the message: "[i] …", "[i].tmpfs.size …", ".KEY …".
        if message.starts_with(['[', '.'])
            && let Some((sub, msg)) = message.split_once(' ')
            && sub_path(sub)
        {
            path = match sub.strip_prefix('.') {
                Some(key) if path.is_empty() => key.to_string(),
                _ => format!("{path}{sub}"),
            };
            message = msg.to_string();
        }
        let message = schema_message(&message);
        let loc = source.locate(&path);
        Error::new(ErrorKind::Schema, message).at(loc).path(path)
    })
}

/// Whether `s` is a key sub-path such as `[0]`, `[0].tmpfs.size` or `.FOO`.
fn sub_path(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let Some((n, r)) = r.split_once(']') else { return false };
            if n.parse::<usize>().is_err() {
                return false;
            }
            rest = r;
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return false;
            }
            rest = &r[end..];
        } else {
            return false;
        }
    }
    !s.is_empty()
}

/// Rewords a typing error of the compose model in compose-go's schema phrases, which users
/// search for: `services.web additional properties 'x' not allowed`, `services.web.image must
/// be a string`, `… missing property 'capabilities'`.
fn compose_go_words(mut e: Error) -> Error {
    let path = e.path.clone().unwrap_or_default();
    let go = go_path(&path);
    let m = &e.message;
    let worded = if let Some(rest) = m.strip_prefix("additional property `") {
        let (field, tail) = rest.split_once("` is not allowed").unwrap_or((rest, ""));
        let parent = go.rsplit_once('.').map_or("", |(p, _)| p);
        let lead = if parent.is_empty() { String::new() } else { format!("{parent} ") };
        Some(format!("{lead}additional properties '{field}' not allowed{tail}"))
    } else if let Some(rest) = m.strip_prefix("invalid type: ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, x)| x);
        let kind = match expected {
            x if x.contains("map") || x.starts_with("struct") => "mapping",
            x if x.contains("sequence") || x.contains("list") => "array",
            x if x.contains("string") || x.contains("char") => "string",
            x if x.contains("bool") => "boolean",
            x if x.starts_with('i') || x.starts_with('u') || x.contains("integer") => "integer",
            x if x.starts_with('f') || x.contains("number") => "number",
            _ => "",
        };
        (!kind.is_empty() && !go.is_empty()).then(|| format!("{go} must be a {kind}"))
    } else if let Some(rest) = m.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let lead = if go.is_empty() { String::new() } else { format!("{go} ") };
        Some(format!("{lead}missing property '{field}'"))
    } else if (m.starts_with("must be ") || m.starts_with("missing property ")) && !go.is_empty() {
        Some(format!("{go} {m}"))
    } else {
        None
    };
    if let Some(w) = worded {
        e.message = w;
    }
    e
}

/// `x-*` keys are allowed anywhere inside objects; the typed model only keeps them at the
/// top and on services.
fn strip_nested_extensions(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|k, _| !k.starts_with("x-"));
            for (_, child) in m.iter_mut() {
                strip_nested_extensions(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nested_extensions),
        _ => {}
    }
}

/// Rewords serde's messages into the ones compose users know.
fn schema_message(m: &str) -> String {
    if let Some(rest) = m.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let suggestion = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|s| (strsim(field, s), s))
            .filter(|(d, _)| *d <= 2)
            .min_by_key(|(d, _)| *d)
            .map(|(_, s)| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return format!("additional property `{field}` is not allowed{suggestion}");
    }
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        return format!("invalid type: {rest}");
    }
    m.to_string()
}

/// Levenshtein distance, for "did you mean".
pub(crate) fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

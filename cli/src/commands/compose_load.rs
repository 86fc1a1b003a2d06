//! Loading the project a `compose` command acts on: from its files, or by `-p NAME` alone from
//! its containers' labels; and `compose config`, which prints what was loaded.

use std::collections::BTreeSet;

use anyhow::Context;
use tuxpilot_compose::runtime::labels;
use tuxpilot_compose::{ConfigFile, LoadOptions, LoadedProject};
use tuxpilot_docker::{Engine, Filters, ListContainersOptions};

use crate::args::{ComposeArgs, ComposeCommand, ComposeConfigArgs};
use crate::output::{Format, Ui};

/// Loads the project the compose options describe.
pub fn load(args: &ComposeArgs, interpolate: bool, resolve_paths: bool) -> anyhow::Result<LoadedProject> {
    let mut options = load_options(args)?;
    options.interpolate = interpolate;
    options.resolve_paths = resolve_paths;
    Ok(tuxpilot_compose::load(&options)?)
}

/// Commands that act on a project that exists (and so may find it by its name alone).
pub fn manages_existing(command: &ComposeCommand) -> bool {
    matches!(
        command,
        ComposeCommand::Ps(_)
            | ComposeCommand::Logs(_)
            | ComposeCommand::Down(_)
            | ComposeCommand::Stop { .. }
            | ComposeCommand::Start { .. }
            | ComposeCommand::Restart { .. }
            | ComposeCommand::Top { .. }
            | ComposeCommand::Rm { .. }
    ) || super::compose_verbs::owns(command)
}

/// The project `-p NAME` names, loaded from the files and directory its containers' labels
/// record (`com.docker.compose.project.config_files`, `…working_dir`).
pub async fn from_labels(engine: &dyn Engine, args: &ComposeArgs) -> anyhow::Result<LoadedProject> {
    let name = args.project_name.clone().unwrap_or_default();
    let list = engine
        .list_containers(ListContainersOptions {
            all: true,
            filters: Filters::new().label(format!("{}={name}", labels::PROJECT)),
        })
        .await?;
    let Some(c) = list.iter().find(|c| c.labels.contains_key(labels::CONFIG_FILES)) else {
        anyhow::bail!(
            tuxpilot_compose::Error::new(
                tuxpilot_compose::ErrorKind::NoProject,
                format!("no configuration file provided, and no container carries {}={name}", labels::PROJECT),
            )
            .hint("check the name with `tuxpilot compose ls --all`, or name the files with -f")
        );
    };
    let files: Vec<std::path::PathBuf> =
        c.labels[labels::CONFIG_FILES].split(',').filter(|f| !f.is_empty()).map(std::path::PathBuf::from).collect();
    if let Some(missing) = files.iter().find(|f| !f.exists()) {
        anyhow::bail!(
            tuxpilot_compose::Error::new(
                tuxpilot_compose::ErrorKind::NoProject,
                format!("project {name}: its compose file {} is gone", missing.display()),
            )
            .hint("name the project's files with -f, or remove its containers with `tuxpilot containers rm`")
        );
    }
    let mut options = load_options(args)?;
    options.files = files.iter().map(ConfigFile::path).collect();
    if options.project_directory.is_none() {
        options.project_directory = c.labels.get(labels::WORKING_DIR).map(std::path::PathBuf::from);
    }
    Ok(tuxpilot_compose::load(&options)?)
}

/// The loader options the project flags ask for.
fn load_options(args: &ComposeArgs) -> anyhow::Result<LoadOptions> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let mut options = LoadOptions::new(cwd);
    for f in &args.files {
        if f.as_os_str() == "-" {
            // Bad input on stdin is a usage error, like a bad file: exit 2.
            let bytes = tuxpilot_docker::files::read_limited(std::io::stdin(), tuxpilot_docker::files::MAX_FILE)
                .map_err(|e| {
                    crate::error::UsageError(format!("cannot read the compose file from standard input: {e}"))
                })?;
            let text = String::from_utf8(bytes)
                .map_err(|_| crate::error::UsageError("the compose file on standard input is not UTF-8 text".into()))?;
            options.files.push(ConfigFile { path: f.clone(), content: Some(text) });
        } else {
            options.files.push(ConfigFile::path(f));
        }
    }
    options.project_name = args.project_name.clone();
    args.config.apply_to(&mut options);
    options.project_directory = args.project_directory.clone();
    options.env_files = args.env_files.clone();
    options.profiles = args.profiles.clone();
    Ok(options)
}

pub fn config(
    args: &ComposeArgs,
    c: &ComposeConfigArgs,
    format: Option<Format>,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    let mut options = load_options(args)?;
    options.interpolate = !c.no_interpolate;
    options.resolve_paths = !c.no_path_resolution;
    options.consistency = !c.no_consistency;
    let loaded = tuxpilot_compose::load(&options)?;
    for w in &loaded.warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    if c.quiet {
        // The process ends next: freeing a large project piece by piece would only cost time.
        std::mem::forget(loaded);
        return Ok(());
    }
    // As `docker compose config`: what no service uses is not part of the model printed.
    let owned = std::mem::ManuallyDrop::new(loaded.project.without_unused_resources());
    let project: &tuxpilot_compose::Project = &owned;
    let lines: Option<Vec<String>> = if c.services {
        Some(project.services.keys().cloned().collect())
    } else if c.volumes {
        Some(project.volumes.keys().cloned().collect())
    } else if c.networks {
        Some(project.networks.keys().cloned().collect())
    } else if c.profiles {
        let all: BTreeSet<String> = project
            .services
            .values()
            .chain(project.disabled_services.values())
            .flat_map(|s| s.profiles.iter().cloned())
            .collect();
        Some(all.into_iter().collect())
    } else if c.images {
        Some(
            project
                .services
                .iter()
                .map(|(name, s)| s.image.clone().unwrap_or_else(|| format!("{}-{name}", project.name)))
                .collect(),
        )
    } else if let Some(which) = &c.hash {
        let wanted: Vec<&str> = if which == "*" {
            project.services.keys().map(String::as_str).collect()
        } else {
            which.split(',').collect()
        };
        let mut out = Vec::new();
        for name in wanted {
            let s = project.services.get(name).with_context(|| {
                format!(
                    "no such service: {name} (services: {})",
                    project.services.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?;
            out.push(format!("{name} {}", tuxpilot_compose::service_hash(s)));
        }
        Some(out)
    } else {
        None
    };
    let text = match lines {
        Some(lines) if format == Some(Format::Json) => serde_json::to_string_pretty(&lines)? + "\n",
        Some(lines) => lines.iter().map(|l| format!("{l}\n")).collect(),
        None if format == Some(Format::Json) && c.no_interpolate => tuxpilot_compose::to_json_raw(project)? + "\n",
        None if format == Some(Format::Json) => tuxpilot_compose::to_json(project)? + "\n",
        None if c.no_interpolate => tuxpilot_compose::to_yaml_raw(project)?,
        None => tuxpilot_compose::to_yaml(project)?,
    };
    match &c.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?,
        None => ui.out.write_all(text.as_bytes())?,
    }
    Ok(())
}

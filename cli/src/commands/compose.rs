//! `tuxpilot compose …`

use std::collections::BTreeSet;

use anyhow::Context;
use tuxpilot_compose::{ConfigFile, LoadOptions, LoadedProject};

use crate::args::{ComposeArgs, ComposeCommand, ComposeConfigArgs, Format};
use crate::output::Ui;

/// Runs a compose command.
pub async fn run(args: &ComposeArgs, format: Option<Format>, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    match &args.command {
        ComposeCommand::Config(c) => config(args, c, format, ui),
    }
}

/// Loads the project the compose options describe.
pub fn load(args: &ComposeArgs, interpolate: bool, resolve_paths: bool) -> anyhow::Result<LoadedProject> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let mut options = LoadOptions::new(cwd);
    for f in &args.files {
        if f.as_os_str() == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("cannot read the compose file from standard input")?;
            options.files.push(ConfigFile { path: f.clone(), content: Some(text) });
        } else {
            options.files.push(ConfigFile::path(f));
        }
    }
    options.project_name = args.project_name.clone();
    options.project_directory = args.project_directory.clone();
    options.env_files = args.env_files.clone();
    options.profiles = args.profiles.clone();
    options.interpolate = interpolate;
    options.resolve_paths = resolve_paths;
    Ok(tuxpilot_compose::load(&options)?)
}

fn config(args: &ComposeArgs, c: &ComposeConfigArgs, format: Option<Format>, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let loaded = load(args, !c.no_interpolate, !c.no_path_resolution)?;
    for w in &loaded.warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    if c.quiet {
        return Ok(());
    }
    let project = &loaded.project;
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

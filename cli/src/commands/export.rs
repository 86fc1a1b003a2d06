//! `compose export` and `containers export`: a project as Kubernetes manifests.

use std::path::Path;

use comfy_table::Cell;
use serde::Serialize;
use tuxpilot_compose::Project;
use tuxpilot_kubernetes::{self as kubernetes, ExportOptions, Manifests};

use crate::args::{ExportArgs, ExportTarget};
use crate::output::Format;
use crate::output::Ui;

#[derive(Serialize)]
struct Written<'a> {
    kind: &'a str,
    name: &'a str,
    path: String,
}

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<Written<'a>>,
    warnings: &'a [kubernetes::ExportWarning],
}

/// Converts `project` (from `working_dir`) and writes it as `args` ask.
pub fn export(
    project: &Project,
    working_dir: &Path,
    environment: Option<&std::collections::BTreeMap<String, String>>,
    args: &ExportArgs,
    ui: &mut Ui<'_>,
) -> anyhow::Result<()> {
    match args.to {
        ExportTarget::Kubernetes => {}
    }
    let mut options = ExportOptions::new(working_dir);
    options.namespace = args.namespace.clone();
    options.wait_image = args.wait_image.clone();
    options.allow_outside_files = args.allow_outside_files;
    if let Some(env) = environment {
        options.environment = env.clone();
    }
    let manifests: Manifests = if args.strict {
        kubernetes::convert_strict(project, &options)?
    } else {
        kubernetes::convert(project, &options)?
    };
    for w in &manifests.warnings {
        writeln!(ui.err, "warning: {w}")?;
    }
    match &args.out {
        None if ui.format == Format::Json => ui.print_json(&manifests.to_json_list()),
        None => {
            write!(ui.out, "{}", manifests.to_yaml()?)?;
            Ok(())
        }
        Some(dir) => {
            if dir.exists() && !dir.is_dir() {
                anyhow::bail!(crate::error::UsageError(format!(
                    "-o {}: that is a file; -o names a directory, where each object gets a file of its own. \
                     Choose a new or existing directory, or remove the file",
                    dir.display()
                )));
            }
            let paths = manifests.write_dir(dir)?;
            let files: Vec<Written<'_>> = manifests
                .objects
                .iter()
                .zip(&paths)
                .map(|(o, p)| Written { kind: o.kind(), name: o.name(), path: p.display().to_string() })
                .collect();
            if ui.json() {
                return ui.print_json(&Report { files, warnings: &manifests.warnings });
            }
            let rows = files.iter().map(|f| vec![Cell::new(f.kind), Cell::new(f.name), Cell::new(&f.path)]).collect();
            ui.print_table(&["KIND", "NAME", "FILE"], rows)?;
            writeln!(
                ui.err,
                "{} objects written to {}{}",
                files.len(),
                dir.display(),
                if manifests.warnings.is_empty() {
                    String::new()
                } else {
                    format!(" ({} warnings above)", manifests.warnings.len())
                }
            )?;
            Ok(())
        }
    }
}

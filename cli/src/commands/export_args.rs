//! `export --to kubernetes` arguments, for compose projects and apps.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// What `export` converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportTarget {
    /// Kubernetes manifests (Deployments, Services, PersistentVolumeClaims, ConfigMaps, Secrets…).
    Kubernetes,
}

/// `export` options shared by `compose export` and `containers export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The target platform.
    #[arg(long, value_enum)]
    pub to: ExportTarget,
    /// Write one file per object into DIR (`<name>-<kind>.yaml`) instead of YAML on stdout.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Put every object in this namespace (and emit the Namespace).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Fail, writing nothing, when anything cannot be converted.
    #[arg(long)]
    pub strict: bool,
    /// Image of the init containers that wait for dependencies.
    #[arg(long, value_name = "IMAGE", default_value = "busybox:1.36")]
    pub wait_image: String,
    /// Read env files, secret and config files and bind-mounted files from outside the project
    /// directory into the manifests (refused otherwise, naming the key and the path).
    #[arg(long)]
    pub allow_outside_files: bool,
}

/// `compose export` arguments.
#[derive(Debug, Args)]
pub struct ComposeExportArgs {
    /// Keep `${VAR}` as written instead of substituting it.
    #[arg(long)]
    pub no_interpolate: bool,
    /// Conversion options.
    #[command(flatten)]
    pub export: ExportArgs,
}

/// `containers export` arguments.
#[derive(Debug, Args)]
pub struct ContainersExportArgs {
    /// The app file: app.yaml, or a compose file.
    #[arg(short = 'f', long = "file", value_name = "FILE", default_value = "app.yaml")]
    pub file: PathBuf,
    /// Override the app's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Conversion options.
    #[command(flatten)]
    pub export: ExportArgs,
}

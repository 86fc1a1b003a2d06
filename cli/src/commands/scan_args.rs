//! `containers scan` arguments.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `containers scan` arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ScanArgs {
    /// The vulnerability database commands.
    #[command(subcommand)]
    pub db: Option<ScanDbCommand>,
    /// Containers to check (created or running).
    #[arg(long = "container", value_name = "NAME")]
    pub containers: Vec<String>,
    /// Check every container (running and stopped).
    #[arg(long)]
    pub all: bool,
    /// Images to scan (configuration, contents, vulnerabilities).
    #[arg(long = "image", value_name = "REF")]
    pub images: Vec<String>,
    /// Directory of OSV records (default: `[containers.security] vulnerability_db`).
    #[arg(long = "db", value_name = "DIR")]
    pub db_dir: Option<PathBuf>,
    /// Report only findings at LEVEL or above (low, medium, high, critical).
    #[arg(long, value_name = "LEVEL")]
    pub severity: Option<tuxpilot_security::Severity>,
    /// Exit with N when findings remain after filtering (0 = always succeed).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub exit_code: i32,
    /// Accepted findings: lines of `ID [exp:YYYY-MM-DD] [target:NAME]`.
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,
}

/// `containers scan db …`.
#[derive(Debug, Subcommand)]
pub enum ScanDbCommand {
    /// Manage the local vulnerability database.
    #[command(subcommand)]
    Db(DbCommand),
}

/// `containers scan db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV records from an `all.zip` dump or a directory of JSON files.
    Import {
        /// The dump.
        source: PathBuf,
        /// Database directory (default: `[containers.security] vulnerability_db`).
        #[arg(long = "db", value_name = "DIR")]
        db_dir: Option<PathBuf>,
    },
    /// What the database holds.
    Info {
        /// Database directory.
        #[arg(long = "db", value_name = "DIR")]
        db_dir: Option<PathBuf>,
    },
}

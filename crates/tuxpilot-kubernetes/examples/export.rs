//! Prints the Kubernetes manifests of the compose project in a directory (default: the current
//! one), and what could not be converted on stderr.
//!
//! `cargo run -p tuxpilot-kubernetes --example export -- examples/shop`

use std::io::Write;

use tuxpilot_compose::LoadOptions;
use tuxpilot_kubernetes::{ExportOptions, convert};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let loaded = tuxpilot_compose::load(&LoadOptions::new(&dir))?;
    let manifests = convert(&loaded.project, &ExportOptions::new(&loaded.working_dir))?;
    for w in &manifests.warnings {
        eprintln!("warning: {w}");
    }
    std::io::stdout().write_all(manifests.to_yaml()?.as_bytes())?;
    Ok(())
}

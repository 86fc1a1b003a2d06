//! `tuxpilot version`, `tuxpilot completion SHELL` and `tuxpilot man`: the command line about
//! itself.

use std::path::Path;

use clap::CommandFactory;
use serde::Serialize;
use tuxpilot_docker::{ConnectionConfig, Engine};

use crate::args::Cli;
use crate::output::Ui;

/// The client part of `version`.
#[derive(Debug, Serialize)]
struct Client {
    version: &'static str,
    /// The highest engine API version the client asks for.
    api_version: &'static str,
    os: &'static str,
    arch: &'static str,
}

/// The engine part of `version`.
#[derive(Debug, Serialize)]
struct Server {
    address: String,
    version: String,
    api_version: String,
    min_api_version: String,
    negotiated_api_version: String,
    os: String,
    arch: String,
    kernel_version: String,
    go_version: String,
    git_commit: String,
}

/// `tuxpilot version`: the client always; the engine when it answers (else its error, after the
/// client part, with the error's exit code, as `docker version` does).
pub async fn version(connection: &ConnectionConfig, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let client = Client {
        version: env!("CARGO_PKG_VERSION"),
        api_version: "1.41",
        os: std::env::consts::OS,
        arch: std::env::consts::ARCH,
    };
    let server = match tuxpilot_docker::BollardEngine::connect(connection).await {
        Ok(e) => match e.version().await {
            Ok(v) => Ok(Server {
                address: e.address().to_string(),
                version: v.version,
                api_version: v.api_version,
                min_api_version: v.min_api_version,
                negotiated_api_version: e.api_version().to_string(),
                os: v.os,
                arch: v.arch,
                kernel_version: v.kernel_version,
                go_version: v.go_version,
                git_commit: v.git_commit,
            }),
            Err(err) => Err(anyhow::Error::from(err)),
        },
        Err(err) => Err(anyhow::Error::from(err)),
    };
    if ui.json() {
        let s = server.as_ref().ok();
        let error = server.as_ref().err().map(|e| format!("{e:#}"));
        ui.print_json(&serde_json::json!({ "client": client, "server": s, "server_error": error }))?;
    } else {
        writeln!(ui.out, "Client: TuxPilot")?;
        writeln!(ui.out, " Version:     {}", client.version)?;
        writeln!(ui.out, " API version: {} (highest asked for; negotiated down)", client.api_version)?;
        writeln!(ui.out, " OS/Arch:     {}/{}", client.os, client.arch)?;
        if let Ok(s) = &server {
            writeln!(ui.out, "\nServer: Docker Engine ({})", s.address)?;
            writeln!(ui.out, " Version:     {}", s.version)?;
            writeln!(
                ui.out,
                " API version: {} (minimum {}, using {})",
                s.api_version, s.min_api_version, s.negotiated_api_version
            )?;
            writeln!(ui.out, " OS/Arch:     {}/{}", s.os, s.arch)?;
            writeln!(ui.out, " Kernel:      {}", s.kernel_version)?;
            writeln!(ui.out, " Go version:  {}", s.go_version)?;
            writeln!(ui.out, " Git commit:  {}", s.git_commit)?;
        }
    }
    server.map(|_| ())
}

/// `tuxpilot completion SHELL`.
pub fn completion(shell: clap_complete::Shell, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    // Into memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "tuxpilot", &mut script);
    ui.out.write_all(&script)?;
    Ok(())
}

/// Every (sub)command with its page name: `tuxpilot`, `tuxpilot-containers`, `tuxpilot-containers-run`…
fn pages(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    let name = if prefix.is_empty() { cmd.get_name().to_string() } else { format!("{prefix}-{}", cmd.get_name()) };
    out.push((name.clone(), cmd.clone().display_name(name.clone())));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        pages(sub, &name, out);
    }
}

/// `tuxpilot man [--dir DIR]`.
pub fn man(dir: Option<&Path>, ui: &mut Ui<'_>) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let Some(dir) = dir else {
        clap_mangen::Man::new(cmd).render(&mut ui.out)?;
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let mut all = Vec::new();
    pages(&cmd, "", &mut all);
    for (name, page) in &all {
        let path = dir.join(format!("{name}.1"));
        let mut file =
            std::fs::File::create(&path).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        clap_mangen::Man::new(page.clone()).render(&mut file)?;
    }
    if ui.json() {
        let names: Vec<String> = all.iter().map(|(n, _)| format!("{n}.1")).collect();
        return ui.print_json(&serde_json::json!({ "dir": dir, "pages": names }));
    }
    writeln!(ui.out, "{} man pages written to {}", all.len(), dir.display())?;
    Ok(())
}

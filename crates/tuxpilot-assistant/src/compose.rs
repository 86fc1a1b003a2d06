//! `compose_up` / `compose_down` with tuxpilot-compose, as `tuxpilot compose up -d` / `down`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use tuxpilot_compose::runtime::{ComposeRuntime, DownOptions, ProgressFn, ProjectMeta, UpOptions};
use tuxpilot_compose::{ComposeConfig, ConfigFile, LoadOptions};
use tuxpilot_docker::Engine;

use crate::error::ExecError;
use crate::intent::{ComposeDownArgs, ComposeUpArgs};
use crate::outcome::Outcome;
use crate::refs::InvalidIntent;
use crate::settings::ExecSettings;

fn options(path: Option<&str>, project: Option<&str>, compose: &ComposeConfig) -> Result<LoadOptions, ExecError> {
    let cwd = std::env::current_dir().map_err(|source| ExecError::Io {
        action: "read the current directory",
        path: PathBuf::from("."),
        source,
    })?;
    let mut o = match path.map(PathBuf::from) {
        Some(p) if p.is_dir() => {
            let dir = if p.is_absolute() { p } else { cwd.join(p) };
            LoadOptions::new(dir)
        }
        Some(p) => {
            let mut o = LoadOptions::new(cwd);
            o.files.push(ConfigFile::path(&p));
            o
        }
        None => LoadOptions::new(cwd),
    };
    o.project_name = project.map(|p| p.to_string());
    compose.apply_to(&mut o);
    Ok(o)
}

fn runtime(engine: Arc<dyn Engine>, o: &LoadOptions, progress: ProgressFn) -> Result<ComposeRuntime, ExecError> {
    let loaded = tuxpilot_compose::load(o)?;
    let meta = ProjectMeta::new(&loaded.working_dir, &loaded.config_files);
    Ok(ComposeRuntime::new(engine, loaded.project, meta, progress))
}

/// `compose up -d`, with `[containers.compose]` and behind the security gate, as from the CLI.
pub async fn up(
    engine: Arc<dyn Engine>,
    a: &ComposeUpArgs,
    settings: &ExecSettings,
    progress: ProgressFn,
) -> Result<Outcome, ExecError> {
    let o = options(a.path.as_deref(), a.project.as_deref(), &settings.compose)?;
    let rt = runtime(engine, &o, progress)?;
    let name = rt.project().name.clone();
    let mut options = UpOptions { pull: settings.compose.pull(None), ..Default::default() };
    options.plan.remove_orphans = settings.compose.remove_orphans(false);
    tuxpilot_orchestrator::gate::check_services(
        &rt,
        &options.services,
        options.no_deps,
        options.pull,
        options.build,
        &settings.security,
    )
    .await?;
    rt.up(&options).await?;
    let ps = rt.containers(true).await?;
    let names: Vec<String> = ps.iter().map(|c| c.name.trim_start_matches('/').to_string()).collect();
    Ok(Outcome {
        reply: format!("Project {name} is up: {}.", names.join(", ")),
        data: json!({ "project": name, "containers": names }),
        handoff: None,
        offer: None,
    })
}

/// `compose down`: with a file, as the file says; with only a project name, everything the
/// engine has labelled with that project.
pub async fn down(
    engine: Arc<dyn Engine>,
    a: &ComposeDownArgs,
    compose: &ComposeConfig,
    progress: ProgressFn,
) -> Result<Outcome, ExecError> {
    let mut o = options(a.path.as_deref(), a.project.as_deref(), compose)?;
    let has_file =
        a.path.is_some() || tuxpilot_compose::discover(&o.working_dir, &mut Vec::new()).is_ok_and(|f| !f.is_empty());
    if !has_file {
        let Some(p) = &a.project else {
            return Err(InvalidIntent("no compose file here: name the project or the file".into()).into());
        };
        o.files =
            vec![ConfigFile { path: Path::new("compose.yaml").to_path_buf(), content: Some("services: {}\n".into()) }];
        o.project_name = Some(p.clone());
    }
    let rt = runtime(engine.clone(), &o, progress)?;
    let name = rt.project().name.clone();
    // As compose warns: a project the engine has nothing of is not "down", it is not there.
    let mut filters = tuxpilot_docker::Filters::default();
    filters.0.insert("label".into(), vec![format!("com.docker.compose.project={name}")]);
    let containers =
        engine.list_containers(tuxpilot_docker::ListContainersOptions { all: true, filters: filters.clone() }).await?;
    let networks = engine.list_networks(filters).await?;
    if containers.is_empty() && networks.is_empty() {
        return Ok(Outcome {
            reply: format!("No resource found to remove for project \"{name}\": this engine has no such project."),
            data: json!({ "project": name, "found": false }),
            handoff: None,
            offer: None,
        });
    }
    rt.down(&DownOptions { remove_orphans: true, ..Default::default() }).await?;
    Ok(Outcome {
        reply: format!("Project {name} is down (volumes kept)."),
        data: json!({ "project": name }),
        handoff: None,
        offer: None,
    })
}

//! Running intents with the TuxPilot libraries: the same calls the CLI's commands make. No
//! shell, ever. An intent is first *prepared* (its plan completed from what the engine says:
//! the replica count proposed, the app.yaml generated), then *executed* once confirmed.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};
use tuxpilot_docker::Swarm;
use tuxpilot_docker::{Engine, ListContainersOptions, LogOptions, RemoveOptions};
use tuxpilot_orchestrator::{Apps, DeployOptions, LoadAppOptions};

use crate::diagnose::diagnose;
use crate::error::ExecError;
use crate::intent::*;
use crate::inventory::{Inventory, KnownApp, KnownContainer};
use crate::outcome::{Handoff, Outcome};
use crate::plan::{Plan, plan};
use crate::settings::ExecSettings;
use crate::templates::{GeneratedApp, app_for};

/// An intent ready to run: its completed plan, and what was worked out for it.
#[derive(Debug, Clone, Serialize)]
pub struct Prepared {
    /// The intent.
    #[serde(flatten)]
    pub intent: Intent,
    /// Its plan.
    pub plan: Plan,
    /// The app generated for a deploy of images.
    #[serde(skip)]
    pub generated: Option<GeneratedApp>,
    /// Where the generated app.yaml will be saved.
    #[serde(skip)]
    pub app_file: Option<PathBuf>,
    /// For scale: app, service, from, to.
    #[serde(skip)]
    pub scale: Option<(String, String, u32, u32)>,
    /// The containers a lifecycle change or a read acts on, resolved from its target(s).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
    /// What a prune removes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prune: Option<tuxpilot_orchestrator::prune::PrunePlan>,
    /// What `auto_update` changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_update: Option<tuxpilot_orchestrator::updates::optin::PolicyPlan>,
}

/// Runs intents on an engine.
#[derive(Clone)]
pub struct Executor {
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) swarm: Option<Arc<dyn Swarm>>,
    pub(crate) settings: ExecSettings,
}

impl Executor {
    /// An executor over an engine.
    pub fn new(engine: Arc<dyn Engine>, settings: ExecSettings) -> Self {
        Self { engine, swarm: None, settings }
    }

    /// The same engine's Swarm API: apps deployed on the swarm are then scaled, rolled back,
    /// listed and diagnosed there, as the CLI does.
    pub fn with_swarm(mut self, swarm: Arc<dyn Swarm>) -> Self {
        self.swarm = Some(swarm);
        self
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// The app deployments use-case, with the same settings as the CLI's.
    fn apps(&self) -> Apps {
        Apps::new(
            self.engine.clone(),
            self.swarm.clone(),
            self.settings.orchestration.clone(),
            self.settings.security.clone(),
            self.settings.progress.clone(),
        )
    }

    /// What the engine has, for name resolution.
    pub async fn inventory(&self) -> Result<Inventory, ExecError> {
        let list = self.engine.list_containers(ListContainersOptions { all: true, ..Default::default() }).await?;
        let containers = list
            .into_iter()
            .map(|c| KnownContainer {
                name: c.name.trim_start_matches('/').to_string(),
                id: c.id,
                image: c.image,
                service: c.labels.get("com.docker.compose.service").cloned(),
                project: c.labels.get("com.docker.compose.project").cloned(),
                running: c.state == tuxpilot_docker::ContainerState::Running,
            })
            .collect();
        let apps = match self.apps().deployments(None).await {
            Ok(d) => d
                .into_iter()
                .map(|d| KnownApp { name: d.name, services: d.services.into_iter().map(|s| s.service).collect() })
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(Inventory { containers, apps })
    }

    /// Completes an intent's plan from what the engine says. Changes nothing.
    pub async fn prepare(&self, intent: &Intent) -> Result<Prepared, ExecError> {
        intent.validate()?;
        let mut p = Prepared {
            intent: intent.clone(),
            plan: plan(intent),
            generated: None,
            app_file: None,
            scale: None,
            containers: Vec::new(),
            prune: None,
            auto_update: None,
        };
        match intent {
            Intent::Deploy(a @ DeployArgs { images: Some(images), .. }) => {
                let app = app_for(images, a.name.as_deref(), &mut port_free);
                let file = unused_path(&self.settings.workdir, &app.name);
                p.plan.steps = vec![
                    format!("save the app.yaml below as {}", file.display()),
                    format!(
                        "deploy app {}: dependencies first, each service health-gated, rolled back on failure",
                        app.name
                    ),
                ];
                p.plan.files =
                    vec![crate::plan::PlannedFile { path: file.display().to_string(), content: app.yaml.clone() }];
                p.plan.steps.extend(app.notes.iter().map(|n| format!("note: {n}")));
                p.plan.same_as = vec![crate::same_as::SameAs::Deploy { file: file.display().to_string(), name: None }];
                p.generated = Some(app);
                p.app_file = Some(file);
            }
            Intent::Scale(a) => {
                let (app, service) = self.apps().resolve_service(&a.service, None).await?;
                let current = self.replicas_of(&app, &service).await?;
                let (to, reason) = match (a.replicas, a.delta, a.direction) {
                    (Some(r), _, _) => (r, String::new()),
                    (_, Some(d), _) => ((i64::from(current) + d).max(0) as u32, String::new()),
                    (_, _, Some(dir)) => self.propose(&app, &service, current, dir).await?,
                    _ => return Err(InvalidIntent("scale needs replicas, delta or direction".into()).into()),
                };
                p.plan.summary = format!("scale {app}/{service} from {current} to {to} replicas");
                p.plan.steps = vec![format!(
                    "{app}/{service}: {current} → {to} replicas{}",
                    if reason.is_empty() { String::new() } else { format!(" ({reason})") }
                )];
                p.plan.same_as =
                    vec![crate::same_as::SameAs::Scale { service: format!("{app}/{service}"), replicas: to }];
                p.scale = Some((app, service, current, to));
            }
            Intent::Start(a) | Intent::Stop(a) | Intent::Restart(a) | Intent::Remove(a) => {
                let names = self.lifecycle_names(intent, a).await?;
                crate::plan::lifecycle_resolved(&mut p.plan, intent, &names);
                p.containers = names;
            }
            Intent::Inspect(TargetArgs { target }) | Intent::Logs(LogsArgs { target, .. }) => {
                let names = self.read_names(target).await?;
                // A typo fails here, before anything is asked.
                for n in &names {
                    self.engine.inspect_container(n).await?;
                }
                if names.len() > 1 {
                    crate::plan::replicas_resolved(&mut p.plan, intent, &names);
                }
                p.containers = names;
            }
            Intent::Diagnose(a) => {
                let names = self.read_names(&a.target).await?;
                if let [one] = names.as_slice() {
                    // A container, else a service of an app on the swarm.
                    if let Err(err) = self.engine.inspect_container(one).await
                        && !(err.is_not_found() && self.apps().swarm_service(one).await?.is_some())
                    {
                        return Err(err.into());
                    }
                } else {
                    crate::plan::replicas_resolved(&mut p.plan, intent, &names);
                }
                p.containers = names;
            }
            Intent::UpdatesApply(_) | Intent::AutoUpdate(_) => {
                let u = crate::exec_updates::updates(self.engine.clone(), self.apps(), &self.settings);
                p.auto_update = crate::exec_updates::prepare(&u, intent, &mut p.plan).await?;
            }
            Intent::Prune(_) => {
                let plan = tuxpilot_orchestrator::prune::plan(self.engine.as_ref()).await?;
                crate::plan::prune_resolved(&mut p.plan, &plan);
                p.prune = Some(plan);
            }
            _ => {}
        }
        if let Some(render) = &self.settings.render_command {
            p.plan.commands = p.plan.same_as.iter().map(|s| render(s)).collect();
        }
        Ok(p)
    }

    /// The running containers (TuxPilot's own left out).
    async fn running_names(&self) -> Result<Vec<String>, ExecError> {
        Ok(self
            .user_containers()
            .await?
            .into_iter()
            .filter(|c| c.state == tuxpilot_docker::ContainerState::Running)
            .map(|c| c.name.trim_start_matches('/').to_string())
            .collect())
    }

    async fn replicas_of(&self, app: &str, service: &str) -> Result<u32, ExecError> {
        let d = self.apps().deployments(None).await?;
        Ok(d.iter()
            .find(|d| d.name == app)
            .and_then(|d| d.services.iter().find(|s| s.service == service))
            .map(|s| s.desired)
            .unwrap_or(1))
    }

    /// "More traffic": a replica count from the service's observed CPU.
    async fn propose(
        &self,
        app: &str,
        service: &str,
        current: u32,
        dir: Direction,
    ) -> Result<(u32, String), ExecError> {
        let mut filters = tuxpilot_docker::Filters::default();
        filters.0.insert(
            "label".into(),
            vec![format!("com.docker.compose.project={app}"), format!("com.docker.compose.service={service}")],
        );
        let list = self.engine.list_containers(ListContainersOptions { all: false, filters }).await?;
        let mut cpu = Vec::new();
        for c in &list {
            if let Ok(sample) = self.engine.stats_once(&c.id).await {
                let details = self.engine.inspect_container(&c.id).await.ok();
                let limit = details.map(|d| d.host_config.nano_cpus as f64 / 1e9).filter(|l| *l > 0.0);
                // Percent of its own CPU limit when it has one, else of one CPU.
                cpu.push(tuxpilot_monitor::cpu_percent(&sample) / limit.unwrap_or(1.0));
            }
        }
        let current = current.max(1);
        if cpu.is_empty() {
            let to = if dir == Direction::Up { current + 1 } else { current.saturating_sub(1).max(1) };
            return Ok((to, "no CPU figures yet, so one step".into()));
        }
        let avg = cpu.iter().sum::<f64>() / cpu.len() as f64;
        // Aim at 60 % of the limit per replica after the change.
        let needed = ((f64::from(current) * avg / 60.0).ceil() as u32).max(1);
        let to = match dir {
            Direction::Up => needed.max(current + 1).min(current * 4),
            Direction::Down => needed.min(current.saturating_sub(1)).max(1),
        };
        Ok((to, format!("replicas average {avg:.0} % CPU of their limit; {to} keeps each near 60 %")))
    }

    /// Runs a prepared intent. Writes must have been confirmed by the caller.
    pub async fn execute(&self, p: &Prepared) -> Result<Outcome, ExecError> {
        let e = self.engine.as_ref();
        match &p.intent {
            Intent::List(a) => {
                let list = e.list_containers(ListContainersOptions { all: a.all, ..Default::default() }).await?;
                let rows: Vec<Value> = list
                    .iter()
                    .map(|c| {
                        json!({"name": c.name.trim_start_matches('/'), "id": short(&c.id), "image": c.image,
                               "state": format!("{:?}", c.state).to_lowercase(), "status": c.status})
                    })
                    .collect();
                let mut reply = if list.is_empty() {
                    format!("No {}containers.", if a.all { "" } else { "running " })
                } else {
                    format!("{} container{}:\n", list.len(), if list.len() == 1 { "" } else { "s" })
                };
                for c in &list {
                    reply.push_str(&format!("  {:<24} {:<28} {}\n", c.name.trim_start_matches('/'), c.image, c.status));
                }
                Ok(Outcome::text(reply.trim_end(), json!({ "containers": rows })))
            }
            Intent::Inspect(a) => {
                let names = if p.containers.is_empty() { vec![a.target.clone()] } else { p.containers.clone() };
                let mut replies = Vec::new();
                let mut values = Vec::new();
                for n in &names {
                    let d = e.inspect_container(n).await?;
                    replies.push(crate::tables::inspect_line(&d));
                    let mut v = serde_json::to_value(&d).unwrap_or(Value::Null);
                    crate::safety::mask_env(&mut v);
                    values.push(v);
                }
                let value = if values.len() == 1 { values.remove(0) } else { json!({ "containers": values }) };
                Ok(Outcome::text(replies.join("\n"), value))
            }
            Intent::Start(_) | Intent::Stop(_) | Intent::Restart(_) | Intent::Remove(_) => {
                let names = &p.containers;
                let mut done = Vec::new();
                let mut failed = Vec::new();
                for n in names {
                    let r = match p.intent {
                        Intent::Start(_) => e.start_container(n).await,
                        Intent::Stop(_) => e.stop_container(n, None).await,
                        Intent::Remove(_) => e.remove_container(n, RemoveOptions { force: true, volumes: false }).await,
                        _ => e.restart_container(n, None).await,
                    };
                    match r {
                        Ok(()) => done.push(n.clone()),
                        // One container: its error, whole, is the answer.
                        Err(err) if names.len() == 1 => return Err(err.into()),
                        Err(err) => failed.push(format!("{n}: {err}")),
                    }
                }
                let past = match p.intent {
                    Intent::Start(_) => "Started",
                    Intent::Stop(_) => "Stopped",
                    Intent::Remove(_) => "Removed",
                    _ => "Restarted",
                };
                let mut reply = if done.is_empty() {
                    "Nothing changed.".to_string()
                } else {
                    format!("{past} {}.", done.join(", "))
                };
                if !failed.is_empty() {
                    reply.push_str(&format!("\nFailed: {}", failed.join("; ")));
                }
                Ok(Outcome::text(reply, json!({ "done": done, "failed": failed })))
            }
            Intent::Logs(a) => {
                let names = if p.containers.is_empty() { vec![a.target.clone()] } else { p.containers.clone() };
                let tail = a.tail.unwrap_or(100);
                let mut lines = Vec::new();
                for n in &names {
                    let own = self.log_lines(n, tail).await?;
                    // Several replicas: each line says whose it is, as `docker compose logs`.
                    if names.len() > 1 {
                        lines.extend(own.into_iter().map(|l| format!("{n} | {l}")));
                    } else {
                        lines = own;
                    }
                }
                let reply =
                    if lines.is_empty() { format!("{} has logged nothing.", a.target) } else { lines.join("\n") };
                let mut o = Outcome::text(reply, json!({ "target": a.target, "containers": names, "lines": lines }));
                if a.follow {
                    o.handoff = Some(Handoff::FollowLogs { target: names.first().cloned().unwrap_or_default() });
                }
                Ok(o)
            }
            Intent::Deploy(a) => {
                let file = match (&p.generated, &p.app_file, &a.file) {
                    (Some(app), Some(path), _) => {
                        std::fs::write(path, &app.yaml).map_err(|source| ExecError::Io {
                            action: "save",
                            path: path.clone(),
                            source,
                        })?;
                        path.clone()
                    }
                    (_, _, Some(f)) => PathBuf::from(f),
                    _ => return Err(InvalidIntent("nothing to deploy: name images or a file".into()).into()),
                };
                let mut options = LoadAppOptions::from_env();
                if a.file.is_some() {
                    options.name = a.name.clone();
                }
                let app = tuxpilot_orchestrator::load(&file, &options)?;
                let result = self.apps().deploy(&app, &DeployOptions::default(), None).await?;
                let mut reply = format!("App {} version {}: {}.", result.name, result.version, result.status);
                if let Some(app) = &p.generated {
                    reply.push_str(&format!(" Saved as {}.", file.display()));
                    for n in &app.notes {
                        reply.push_str(&format!("\n  {n}"));
                    }
                }
                if let Some(f) = &result.failure {
                    reply.push_str(&format!("\n  {}", serde_json::to_string(f).unwrap_or_default()));
                }
                if !result.succeeded() {
                    return Err(ExecError::Deployment { reply, result: Box::new(result) });
                }
                Ok(Outcome::text(reply, json!({ "file": file, "result": result })))
            }
            Intent::Scale(_) => {
                let Some((app, service, _, to)) = &p.scale else {
                    return Err(InvalidIntent("scale was not prepared: prepare the intent first".into()).into());
                };
                let r = self.apps().scale(app, service, *to, None).await?;
                let reply = format!(
                    "{}/{}: {} → {} replicas ({} running){}",
                    r.app,
                    r.service,
                    r.previous_replicas,
                    r.requested_replicas,
                    r.current_replicas,
                    r.message.as_ref().map(|m| format!("; {m}")).unwrap_or_default()
                );
                if r.status != tuxpilot_orchestrator::ScaleStatus::Success {
                    return Err(ExecError::Scale { reply, result: Box::new(r) });
                }
                Ok(Outcome::text(reply, serde_json::to_value(&r).unwrap_or(Value::Null)))
            }
            Intent::Rollback(a) => {
                let r = self.apps().rollback(&a.app, a.to.as_deref(), None).await?;
                let reply = format!("App {} is at version {}: {}.", r.name, r.version, r.status);
                Ok(Outcome::text(reply, serde_json::to_value(&r).unwrap_or(Value::Null)))
            }
            Intent::History(a) => {
                let records = self.apps().history(&a.app, None).await?;
                let reply = crate::tables::history_table(&a.app, &records);
                Ok(Outcome::text(reply, json!({ "app": a.app, "history": records })))
            }
            Intent::Deployments(_) => {
                let apps = self.apps().deployments(None).await?;
                let reply = crate::tables::deployments_table(&apps);
                Ok(Outcome::text(reply, json!({ "deployments": apps })))
            }
            Intent::Prune(_) => {
                let Some(plan) = &p.prune else {
                    return Err(InvalidIntent("prune was not prepared: prepare the intent first".into()).into());
                };
                let report = tuxpilot_orchestrator::prune::apply(e, plan).await;
                let mut reply = if report.removed.is_empty() {
                    "Nothing removed.".to_string()
                } else {
                    let names: Vec<String> = report.removed.iter().map(|i| format!("{} {}", i.kind, i.name)).collect();
                    format!("Removed {}.", names.join(", "))
                };
                for (item, why) in &report.failed {
                    reply.push_str(&format!("\nNot removed: {} {}: {why}", item.kind, item.name));
                }
                Ok(Outcome::text(reply, serde_json::to_value(&report).unwrap_or(Value::Null)))
            }
            Intent::MonitorStop(_) => self.monitor_stop().await,
            Intent::UpdatesCheck(_) | Intent::UpdatesApply(_) | Intent::AutoUpdate(_) => {
                let u = crate::exec_updates::updates(self.engine.clone(), self.apps(), &self.settings);
                crate::exec_updates::execute(&u, &p.intent, p.auto_update.as_ref()).await
            }
            Intent::ScanRuntime(a) => {
                let names = if a.target == "all" { self.running_names().await? } else { vec![a.target.clone()] };
                let mut reports = Vec::new();
                let mut reply = String::new();
                for n in &names {
                    let r = tuxpilot_security::scan_container(e, n).await?;
                    reply.push_str(&format!("{}: score {}/100, {} finding(s)\n", r.target, r.score, r.findings.len()));
                    for f in r.findings.iter().take(5) {
                        reply.push_str(&format!("  [{:?}] {} — {}\n", f.severity, f.title, f.remediation));
                    }
                    reports.push(r);
                }
                if names.is_empty() {
                    reply = "No running containers to check.".into();
                }
                Ok(Outcome::text(reply.trim_end(), json!({ "reports": reports })))
            }
            Intent::ScanImage(a) => {
                let db = self.settings.security.vulnerability_db.clone().filter(|d| d.is_dir());
                let r = tuxpilot_security::scan_image(
                    e,
                    &a.image,
                    &tuxpilot_security::ImageScanOptions { db_dir: db.as_deref(), ..Default::default() },
                )
                .await?;
                let mut reply = format!("{}: score {}/100, {} finding(s)", r.target, r.score, r.findings.len());
                for f in r.findings.iter().take(8) {
                    reply.push_str(&format!("\n  [{:?}] {}", f.severity, f.title));
                }
                if db.is_none() {
                    reply.push_str(
                        "\n  (no vulnerability database configured: only configuration and secrets were checked)",
                    );
                }
                Ok(Outcome::text(reply, serde_json::to_value(&r).unwrap_or(Value::Null)))
            }
            Intent::Optimize(a) => self.optimize(&a.target).await,
            Intent::Monitor(a) => self.monitor(a).await,
            Intent::Diagnose(a) => {
                let names = if p.containers.is_empty() { vec![a.target.clone()] } else { p.containers.clone() };
                if let [one] = names.as_slice() {
                    return self.diagnose_one(one).await;
                }
                let mut replies = Vec::new();
                let mut values = Vec::new();
                for n in &names {
                    let o = self.diagnose_one(n).await?;
                    replies.push(format!("{n}:\n{}", o.reply));
                    values.push(o.data);
                }
                Ok(Outcome::text(replies.join("\n\n"), json!({ "containers": names, "diagnoses": values })))
            }
            Intent::ComposeUp(a) => {
                crate::compose::up(self.engine.clone(), a, &self.settings, self.settings.progress.clone()).await
            }
            Intent::ComposeDown(a) => {
                crate::compose::down(self.engine.clone(), a, &self.settings.compose, self.settings.progress.clone())
                    .await
            }
            Intent::Help(_) => Ok(Outcome::text(
                help_text(),
                json!({ "intents": INTENTS.iter().filter(|i| i.tool).map(|i| i.name).collect::<Vec<_>>() }),
            )),
            Intent::Clarify(a) => Ok(Outcome::text(a.question.clone(), json!({}))),
            Intent::Refuse(a) => Ok(Outcome::text(a.reason.clone(), json!({}))),
            Intent::Unknown(a) => Ok(Outcome::text(
                format!("I did not understand that. Try:\n  {}", a.suggestions.join("\n  ")),
                json!({}),
            )),
        }
    }

    /// One container's diagnosis, or a swarm service's.
    async fn diagnose_one(&self, name: &str) -> Result<Outcome, ExecError> {
        let d = match self.engine.inspect_container(name).await {
            Ok(d) => d,
            Err(err) if err.is_not_found() => match self.apps().swarm_service(name).await? {
                Some(report) => return Ok(swarm_diagnosis(&report)),
                None => return Err(err.into()),
            },
            Err(err) => return Err(err.into()),
        };
        let logs = self.log_lines(name, 20).await.unwrap_or_default();
        let diagnosis = diagnose(&d, &logs);
        let mut reply = diagnosis.explain();
        if !logs.is_empty() {
            reply.push_str("\nLast log lines:\n");
            for l in logs.iter().rev().take(5).rev() {
                reply.push_str(&format!("  | {l}\n"));
            }
        }
        Ok(Outcome::text(reply.trim_end(), serde_json::to_value(&diagnosis).unwrap_or(Value::Null)))
    }

    /// The last `tail` log lines of a container, stdout and stderr.
    pub async fn log_lines(&self, target: &str, tail: u64) -> Result<Vec<String>, ExecError> {
        let mut stream =
            self.engine.logs(target, LogOptions { tail: Some(tail), stdout: true, stderr: true, ..Default::default() });
        let mut text = String::new();
        while let Some(chunk) = stream.next().await {
            text.push_str(&chunk?.message);
        }
        Ok(text.lines().map(|l| l.to_string()).collect())
    }
}

/// What the assistant understands.
pub fn help_text() -> String {
    "I manage containers on this engine. Ask me, for example:\n\
     \x20 list my containers · show all containers\n\
     \x20 inspect web · start/stop/restart/remove web\n\
     \x20 show the last 50 lines of web's logs\n\
     \x20 deploy nginx and redis · deploy app.yaml\n\
     \x20 scale web to 3 · scale web to handle more traffic\n\
     \x20 roll back shop · show the history of shop\n\
     \x20 check the security of my running containers · scan the image nginx:1.25\n\
     \x20 optimize container resource usage\n\
     \x20 monitor my containers live · alert me when cpu is above 80%\n\
     \x20 why does db keep restarting?\n\
     \x20 docker compose up in ./shop · compose down -p shop\n\
     Changes are shown first and need a yes. I never open shells or run commands."
        .to_string()
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// Whether a host port can be bound now.
fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("0.0.0.0", port)).is_ok()
}

/// `dir/NAME.app.yaml`, or `NAME-2.app.yaml`… when taken.
fn unused_path(dir: &std::path::Path, name: &str) -> PathBuf {
    let first = dir.join(format!("{name}.app.yaml"));
    if !first.exists() {
        return first;
    }
    (2..1000).map(|i| dir.join(format!("{name}-{i}.app.yaml"))).find(|p| !p.exists()).unwrap_or(first)
}

/// A Swarm service's diagnosis, as an outcome.
fn swarm_diagnosis(report: &tuxpilot_orchestrator::ServiceReport) -> Outcome {
    let findings = crate::diagnose::diagnose_service(report);
    let mut reply = format!(
        "{} is a service of app {} on the swarm: {} of {} replica(s) running.\n",
        report.name,
        report.app,
        report.running,
        report.desired.map(|d| d.to_string()).unwrap_or_else(|| "global".into())
    );
    for f in &findings {
        reply.push_str(&format!("\n• {}\n  Why: {}\n  Fix: {}\n", f.problem, f.explanation, f.fix));
    }
    Outcome::text(reply.trim_end(), json!({ "service": report, "findings": findings }))
}

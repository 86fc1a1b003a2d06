//! `updates apply`: one target at a time, pull (with the Docker config's credentials), the
//! security gate, the rollout, and on failure the way back. An app's service gets a new version
//! through the deployment driver (health gates, zero failed requests where the rollout gives
//! them, automatic rollback, history); a plain container or a compose service's container is
//! recreated with its exact configuration ([`super::recreate`]) and restored when the new one
//! is not healthy. Every outcome is logged; a rolled-back digest is not tried again.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tuxpilot_docker::registry::{ImageRef, RegistryClient};
use tuxpilot_docker::{Engine, HealthStatus, RemoveOptions};
use tuxpilot_security::SecurityConfig;

use super::check::{Checked, short};
use super::log::{ImageVersion, TargetKind, UpdateEntry, UpdateStatus};
use crate::apps::Apps;
use crate::config::DeployOptions;
use crate::error::Error;
use crate::load::{LoadedApp, SourceFormat};
use crate::result::DeploymentStatus;
use crate::store::{DeploymentRecord, Outcome};

/// Receives one line per step (`pulling …`, `recreating …`).
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// What applying needs.
pub(crate) struct Ctx<'a> {
    pub engine: &'a Arc<dyn Engine>,
    pub apps: &'a Apps,
    pub security: &'a SecurityConfig,
    pub registry: &'a RegistryClient,
    pub health_timeout: Duration,
    pub progress: &'a Progress,
}

/// How long a container without a health check must keep running to count as started.
const SETTLE: Duration = Duration::from_secs(3);

fn entry(c: &Checked, to: ImageVersion, status: UpdateStatus, message: String) -> UpdateEntry {
    UpdateEntry {
        at: chrono::Utc::now(),
        kind: c.target.kind,
        app: c.target.app.clone(),
        service: c.target.service.clone(),
        container: c.target.containers.first().cloned(),
        image: c.image.clone(),
        from: c.current.clone(),
        to,
        policy: c.target.policy,
        status,
        message,
    }
}

/// Applies one available update and says how it ended.
pub(crate) async fn apply(ctx: &Ctx<'_>, c: &Checked) -> UpdateEntry {
    let Some(mut to) = c.new.clone() else {
        return entry(c, c.current.clone(), UpdateStatus::Failed, "no update to apply".into());
    };
    let Ok(repo) = ImageRef::parse(&c.target.reference).map(|r| r.with_tag(&to.tag)) else {
        return entry(c, to, UpdateStatus::Failed, format!("invalid image reference {:?}", c.target.reference));
    };
    let tagged = repo.to_string();
    (ctx.progress)(&format!("{}: pulling {tagged}", c.target.label()));
    if let Err(m) = pull(ctx, &repo).await {
        return entry(c, to, UpdateStatus::Failed, m);
    }
    // The registry may have moved on since the check: what was pulled is what runs.
    if let Ok(img) = ctx.engine.inspect_image(&tagged).await
        && let Some(d) = repo.digest_in(&img.repo_digests)
    {
        to.digest = Some(d);
    }
    let pinned = ImageRef { digest: to.digest.clone(), ..repo.clone() }.to_string();
    let same_tag = to.tag == c.current.tag;
    let result = match c.target.kind {
        TargetKind::App => app(ctx, c, &pinned).await,
        TargetKind::Compose | TargetKind::Container => containers(ctx, c, &tagged).await,
    };
    // A failed digest update leaves the tag where it was, so nothing else starts the bad image.
    if same_tag && !matches!(result, Ok(UpdateStatus::Applied)) {
        let _ = ctx.engine.tag_image(&c.target.image_id, &repo.familiar_repository(), &to.tag).await;
    }
    match result {
        Ok(UpdateStatus::Applied) => {
            let m = format!("{} → {}@{}", c.current.tag, to.tag, to.digest.as_deref().map(short).unwrap_or("?"));
            entry(c, to, UpdateStatus::Applied, m)
        }
        Ok(status) => entry(c, to, status, String::new()),
        Err((status, message)) => entry(c, to, status, message),
    }
}

async fn pull(ctx: &Ctx<'_>, image: &ImageRef) -> Result<(), String> {
    let credentials = ctx.registry.credentials(&image.registry).await.map_err(|e| e.to_string())?;
    let reference = image.to_string();
    let mut stream = ctx.engine.pull_image_as(&reference, credentials);
    let mut last = Instant::now();
    while let Some(item) = stream.next().await {
        match item {
            Ok(p) => {
                if last.elapsed() > Duration::from_secs(2) {
                    last = Instant::now();
                    let detail = match (p.current, p.total) {
                        (Some(c), Some(t)) if t > 0 => format!(" {}%", c * 100 / t),
                        _ => String::new(),
                    };
                    (ctx.progress)(&format!("  {reference}: {}{detail}", p.status));
                }
            }
            Err(e) => return Err(format!("pull {reference}: {e}")),
        }
    }
    Ok(())
}

/// `1.4.0` → `1.4.0-update.1` → `1.4.0-update.2`.
pub fn next_version(version: &str) -> String {
    match version.rsplit_once("-update.") {
        Some((base, n)) if n.parse::<u64>().is_ok() => format!("{base}-update.{}", n.parse::<u64>().unwrap_or(0) + 1),
        _ => format!("{version}-update.1"),
    }
}

/// The app's last good version, which an update or an opt-in change starts from.
pub(crate) async fn last_good(apps: &Apps, name: &str) -> Result<DeploymentRecord, Error> {
    let records = apps.history(name, None).await?;
    records
        .into_iter()
        .rev()
        .find(|r| r.outcome == Outcome::Success)
        .ok_or_else(|| Error::NotFound(format!("app {name} has no good version to change")))
}

/// The app's next version (`<version>-update.N`): `project` deployed from `last`'s file.
pub(crate) fn next_app(last: &DeploymentRecord, project: tuxpilot_compose::Project) -> LoadedApp {
    let file = PathBuf::from(&last.file);
    LoadedApp {
        spec: None,
        project,
        name: last.app.clone(),
        version: next_version(&last.version),
        working_dir: file.parent().map(|p| p.to_path_buf()).unwrap_or_default(),
        file,
        format: SourceFormat::Compose,
        warnings: Vec::new(),
    }
}

type Failed = (UpdateStatus, String);

/// A new version of the app with the service's image replaced, through the deployment driver.
async fn app(ctx: &Ctx<'_>, c: &Checked, image: &str) -> Result<UpdateStatus, Failed> {
    let fail = |e: Error| match e {
        Error::Blocked(b) => (UpdateStatus::Blocked, b.to_string()),
        e => (UpdateStatus::Failed, e.to_string()),
    };
    let (Some(name), Some(service)) = (&c.target.app, &c.target.service) else {
        return Err((UpdateStatus::Failed, "an app target without its app and service".into()));
    };
    let last = last_good(ctx.apps, name).await.map_err(fail)?;
    let mut project = crate::records::project_of(&last).map_err(fail)?;
    let Some(svc) = project.services.get_mut(service.as_str()) else {
        return Err((UpdateStatus::Failed, format!("app {name}'s version {} has no service {service}", last.version)));
    };
    svc.image = Some(image.to_string());
    let loaded = next_app(&last, project);
    (ctx.progress)(&format!("{}: deploying version {} ({image})", c.target.label(), loaded.version));
    let result = ctx.apps.deploy(&loaded, &DeployOptions::default(), None).await.map_err(fail)?;
    match result.status {
        DeploymentStatus::Success => Ok(UpdateStatus::Applied),
        DeploymentStatus::RolledBack => Err((
            UpdateStatus::RolledBack,
            format!(
                "version {} failed{} and was rolled back; {} serves",
                loaded.version,
                result.failure.as_ref().map(|f| format!(": {f}")).unwrap_or_default(),
                result.version
            ),
        )),
        other => Err((UpdateStatus::Failed, format!("version {} ended {}", loaded.version, other.as_str()))),
    }
}

/// Recreates each container of the target with the new image, one at a time.
async fn containers(ctx: &Ctx<'_>, c: &Checked, image: &str) -> Result<UpdateStatus, Failed> {
    if crate::gate::active(ctx.security, true) {
        (ctx.progress)(&format!("{}: scanning {image}", c.target.label()));
        if let Err(e) = crate::gate::check(ctx.engine.as_ref(), ctx.security, &[image.to_string()], true, false).await {
            return Err(match e {
                Error::Blocked(b) => (UpdateStatus::Blocked, b.to_string()),
                e => (UpdateStatus::Failed, e.to_string()),
            });
        }
    }
    for (i, id) in c.target.ids.iter().enumerate() {
        let name = c.target.containers.get(i).cloned().unwrap_or_default();
        (ctx.progress)(&format!("{}: recreating {name} with {image}", c.target.label()));
        let recreated = locked(ctx.apps, &name, async {
            // Another tuxpilot (a watcher, an apply) may have been first: then there is nothing to do.
            match ctx.engine.inspect_container(&name).await {
                Ok(now) if now.image_id != c.target.image_id || now.id != *id => Ok(()),
                _ => recreate(ctx.engine.as_ref(), ctx.health_timeout, id, image, &[]).await,
            }
        })
        .await;
        if let Err(m) = recreated {
            let done = if i > 0 { format!(" ({i} container(s) before it run the new image)") } else { String::new() };
            return Err((UpdateStatus::RolledBack, format!("{name}: {m}; the old container runs again{done}")));
        }
    }
    Ok(UpdateStatus::Applied)
}

/// Runs `work` holding the deployment lock of container `name` (`update-<name>`), so two
/// tuxpilot processes never recreate one container at the same time.
pub(crate) async fn locked<F>(apps: &Apps, name: &str, work: F) -> Result<(), String>
where
    F: std::future::Future<Output = Result<(), String>>,
{
    let o = apps.local();
    let guard = o
        .store
        .lock_for(&format!("update-{name}"), &o.config, &o.progress)
        .await
        .map_err(|e| format!("its update lock: {e}"))?;
    let r = work.await;
    o.store.release(guard).await;
    r
}

/// Whether the container publishes a fixed host port (then the old one must stop first).
fn binds_host_ports(host_config: &serde_json::Value) -> bool {
    host_config.get("PortBindings").and_then(|p| p.as_object()).is_some_and(|m| {
        m.values()
            .flat_map(|v| v.as_array().cloned().unwrap_or_default())
            .any(|b| b.get("HostPort").and_then(|p| p.as_str()).is_some_and(|p| !p.is_empty() && p != "0"))
    })
}

/// Replaces container `id` with one from `image` (with `labels` set on it too): the old one is
/// renamed aside and kept until the new one is healthy, then removed (its anonymous volumes
/// carried over); otherwise the new one goes and the old one comes back under its name.
pub(crate) async fn recreate(
    e: &dyn Engine,
    health_timeout: Duration,
    id: &str,
    image: &str,
    labels: &[(String, String)],
) -> Result<(), String> {
    let old = e.inspect_container(id).await.map_err(|e| e.to_string())?;
    let blueprint = e.container_blueprint(id).await.map_err(|e| e.to_string())?;
    let old_image = e.inspect_image(&old.image_id).await.map_err(|e| e.to_string())?;
    let mut new = super::recreate::for_new_image(&blueprint, &old.id, &old_image, &old.mounts, image);
    if !labels.is_empty()
        && let Some(config) = new.config.as_object_mut()
    {
        let l = config.entry("Labels").or_insert_with(|| serde_json::json!({}));
        if !l.is_object() {
            *l = serde_json::json!({});
        }
        if let Some(m) = l.as_object_mut() {
            for (k, v) in labels {
                m.insert(k.clone(), serde_json::Value::String(v.clone()));
            }
        }
    }
    let aside = format!("{}-tuxpilot-old-{}", old.name, &old.id[..old.id.len().min(12)]);
    let stop_first = binds_host_ports(&blueprint.host_config);
    let running = old.state.running;
    e.rename_container(&old.id, &aside).await.map_err(|e| e.to_string())?;
    if stop_first && running {
        let _ = e.stop_container(&old.id, None).await;
    }
    let (old_id, old_name) = (old.id.as_str(), old.name.as_str());
    let restore = |why: String, new_id: Option<String>| async move {
        if let Some(n) = new_id {
            let _ = e.remove_container(&n, RemoveOptions { force: true, volumes: false }).await;
        }
        let _ = e.rename_container(old_id, old_name).await;
        if running {
            let _ = e.start_container(old_id).await;
        }
        why
    };
    let created = match e.create_from_blueprint(&old.name, &new).await {
        Ok(c) => c,
        Err(err) => return Err(restore(format!("create: {err}"), None).await),
    };
    if running {
        if let Err(err) = e.start_container(&created.id).await {
            return Err(restore(format!("start: {err}"), Some(created.id)).await);
        }
        if let Err(why) = healthy(e, &created.id, health_timeout).await {
            return Err(restore(why, Some(created.id)).await);
        }
        if !stop_first {
            let _ = e.stop_container(&old.id, None).await;
        }
    }
    e.remove_container(&old.id, RemoveOptions { force: true, volumes: false })
        .await
        .map_err(|err| format!("the new container runs; the old one, {aside}, could not be removed: {err}"))
}

/// Waits until `id` is healthy (with a health check) or has kept running for a few seconds
/// (without one), within `timeout`.
async fn healthy(e: &dyn Engine, id: &str, timeout: Duration) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let d = e.inspect_container(id).await.map_err(|e| e.to_string())?;
        let s = &d.state;
        if !s.running && !s.restarting {
            return Err(format!("the new container exited with code {}", s.exit_code));
        }
        match s.health {
            Some(HealthStatus::Healthy) => return Ok(()),
            Some(HealthStatus::Unhealthy) => {
                let last = s.health_log.last().map(|l| format!(": {}", l.trim())).unwrap_or_default();
                return Err(format!("the new container is unhealthy{last}"));
            }
            Some(HealthStatus::Starting) => {}
            _ if s.restarting || d.restart_count > 0 => return Err("the new container keeps restarting".into()),
            _ if start.elapsed() >= SETTLE => return Ok(()),
            _ => {}
        }
        if start.elapsed() > timeout {
            return Err(format!("the new container was not healthy within {} s", timeout.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_updates() {
        assert_eq!(next_version("1.4.0"), "1.4.0-update.1");
        assert_eq!(next_version("1.4.0-update.1"), "1.4.0-update.2");
        assert_eq!(next_version("x-update.y"), "x-update.y-update.1");
    }
}

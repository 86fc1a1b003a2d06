//! The security gate (`[containers.security] scan_images`): one use-case that every path
//! starting a user-named image calls before anything is created: app deploys on either
//! backend, compose `up` and `run`, `containers run`, scale-ups, image updates, and the same
//! paths from chat and MCP. A rollback restores images that ran before: it is never blocked,
//! only warned about ([`restore_warnings`]).
//!
//! ```no_run
//! # async fn demo(engine: &dyn tuxpilot_docker::Engine) -> tuxpilot_orchestrator::Result<()> {
//! let security = tuxpilot_security::SecurityConfig { scan_images: true, ..Default::default() };
//! // Err(Error::Blocked(..)) when a finding at `fail_on` or above remains.
//! let notes = tuxpilot_orchestrator::gate::check(engine, &security, &["myapp:1.2".into()], false, false).await?;
//! # Ok(()) }
//! ```

use tuxpilot_compose::runtime::ComposeRuntime;
use tuxpilot_docker::Engine;
use tuxpilot_security::{HookError, SecurityConfig};

use crate::error::{Error, Result};

/// How the note of an image let through by `--force` starts.
pub const FORCED: &str = "started despite the security gate (--force)";

/// Whether the gate has anything to do for images that were (`pulled`) or were not just pulled.
pub fn active(security: &SecurityConfig, pulled: bool) -> bool {
    security.scan_images || (pulled && security.scan_on_pull)
}

/// Scans `images` (present on the engine) when `[containers.security]` asks for it, and refuses
/// with [`Error::Blocked`] when one has a finding at `fail_on` or above. `force` lets a blocked
/// image through with a note saying so. Returns one note per image scanned.
pub async fn check(
    engine: &dyn Engine,
    security: &SecurityConfig,
    images: &[String],
    pulled: bool,
    force: bool,
) -> Result<Vec<String>> {
    let mut images = images.to_vec();
    images.sort();
    images.dedup();
    match tuxpilot_security::pre_deploy_hook(engine, security, &images, pulled).await {
        Ok(reports) => Ok(reports
            .iter()
            .map(|r| {
                format!(
                    "scanned {}: score {}/100, {} finding(s) below the threshold",
                    r.target,
                    r.score,
                    r.findings.len()
                )
            })
            .collect()),
        Err(HookError::Blocked(b)) if force => Ok(vec![format!("{FORCED}: {b}")]),
        Err(e) => Err(Error::Blocked(e)),
    }
}

/// The gate over the images of compose `services` (with their dependencies unless `no_deps`):
/// the images are made present first (pulled or built as `up` would), then checked. Nothing is
/// created when it refuses.
pub async fn check_services(
    runtime: &ComposeRuntime,
    services: &[String],
    no_deps: bool,
    pull: Option<tuxpilot_compose::runtime::PullPolicy>,
    build: bool,
    security: &SecurityConfig,
) -> Result<Vec<String>> {
    let pulled = pull.is_some();
    if !active(security, pulled) {
        return Ok(Vec::new());
    }
    let selection = runtime.selection(services, no_deps)?;
    runtime.ensure_images(&selection, pull, build).await?;
    let images: Vec<String> = selection.iter().map(|s| runtime.image_of(s)).collect();
    check(runtime.engine().as_ref(), security, &images, pulled, false).await
}

/// For a rollback: images that ran before are restored whatever the gate says now, but an image
/// that now has findings at `fail_on` or above is named in a warning. A scan that fails is a
/// warning too; nothing here stops the rollback.
pub async fn restore_warnings(engine: &dyn Engine, security: &SecurityConfig, images: &[String]) -> Vec<String> {
    if !security.scan_images {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut images = images.to_vec();
    images.sort();
    images.dedup();
    for image in images {
        match tuxpilot_security::pre_deploy_hook(engine, security, std::slice::from_ref(&image), false).await {
            Ok(_) => {}
            Err(HookError::Blocked(b)) => {
                out.push(format!("restored although the security gate would block it now: {b}"))
            }
            Err(e) => out.push(format!("{image}: not scanned on the way back: {e}")),
        }
    }
    out
}

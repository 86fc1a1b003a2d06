//! What the types of an intent cannot say: names Docker would refuse, exactly one of the
//! alternatives, sane numbers. Every intent is checked so, parsed or from a tool call.

use crate::intent::*;
use crate::refs::{check_image, check_name, check_project, check_service, check_target};

impl Intent {
    /// Checks what the types cannot: names that Docker would refuse, exactly one of the
    /// alternatives, sane numbers.
    pub fn validate(&self) -> Result<(), InvalidIntent> {
        let bad = |m: String| Err(InvalidIntent(m));
        match self {
            Intent::Start(a) | Intent::Stop(a) | Intent::Restart(a) | Intent::Remove(a) => {
                let all_ok = self.name() != "remove";
                let names = a.names();
                if names.is_empty() {
                    return bad(format!("{} needs `target` or `targets`", self.name()));
                }
                if !a.target.is_empty() && a.targets.is_some() {
                    return bad(format!("{} takes `target` or `targets`, not both", self.name()));
                }
                if a.targets.as_ref().is_some_and(|t| t.len() > 100) {
                    return bad("targets: more than 100 names; use `all` with `except`".into());
                }
                for n in &names {
                    check_target("target", n, all_ok && a.targets.is_none())?;
                }
                if let Some(except) = &a.except {
                    if a.target != "all" {
                        return bad("except: only with `target: all`".into());
                    }
                    if except.is_empty() {
                        return bad("except: empty; leave it out".into());
                    }
                    for n in except {
                        check_target("except", n, false)?;
                    }
                }
                Ok(())
            }
            Intent::Inspect(a) | Intent::Diagnose(a) => check_target("target", &a.target, false),
            Intent::Logs(a) => check_target("target", &a.target, false),
            Intent::ScanRuntime(a) | Intent::Optimize(a) => check_name("target", &a.target, true),
            Intent::Monitor(a) => {
                check_name("target", &a.target, true)?;
                for (key, v) in [("cpu_threshold", a.cpu_threshold), ("memory_threshold", a.memory_threshold)] {
                    if let Some(v) = v
                        && !(v > 0.0 && v <= 1000.0)
                    {
                        return bad(format!("{key} must be a percentage above 0, not {v}"));
                    }
                }
                Ok(())
            }
            Intent::Deploy(a) if a.name.as_deref().is_some_and(|n| check_project(n).is_err()) => bad(format!(
                "name: `{}` is not an app name (lowercase letters, digits, `_`, `-`)",
                a.name.as_deref().unwrap_or("")
            )),
            Intent::Deploy(a) => match (&a.images, &a.file) {
                (Some(images), None) => {
                    if images.is_empty() {
                        return bad("deploy needs at least one image".into());
                    }
                    for i in images {
                        check_image(i)?;
                    }
                    Ok(())
                }
                (None, Some(f)) if !f.trim().is_empty() => Ok(()),
                (None, Some(_)) => bad("deploy: `file` is empty".into()),
                (Some(_), Some(_)) => bad("deploy takes `images` or `file`, not both".into()),
                (None, None) => bad("deploy needs `images` (a list of image names) or `file`".into()),
            },
            Intent::Scale(a) => {
                check_service(&a.service)?;
                let given = [a.replicas.is_some(), a.delta.is_some(), a.direction.is_some()];
                match given.iter().filter(|g| **g).count() {
                    1 => {}
                    0 => return bad("scale needs one of `replicas`, `delta` or `direction`".into()),
                    _ => return bad("scale takes only one of `replicas`, `delta` and `direction`".into()),
                }
                if let Some(r) = a.replicas
                    && r > 1000
                {
                    return bad(format!("replicas: {r} is more than 1000; is that a typo?"));
                }
                if a.delta == Some(0) {
                    return bad("delta: 0 changes nothing".into());
                }
                Ok(())
            }
            Intent::Rollback(a) => check_name("app", &a.app, false),
            Intent::History(a) => check_name("app", &a.app, false),
            Intent::ScanImage(a) => check_image(&a.image),
            Intent::ComposeUp(ComposeUpArgs { project, .. }) | Intent::ComposeDown(ComposeDownArgs { project, .. }) => {
                if let Some(p) = project {
                    check_project(p)?;
                }
                Ok(())
            }
            Intent::UpdatesCheck(a) => match &a.target {
                Some(t) => check_target("target", t, false),
                None => Ok(()),
            },
            Intent::UpdatesApply(a) => check_target("target", &a.target, true),
            Intent::AutoUpdate(a) => check_target("target", &a.target, false),
            Intent::List(_)
            | Intent::Deployments(_)
            | Intent::Prune(_)
            | Intent::MonitorStop(_)
            | Intent::Help(_)
            | Intent::Clarify(_)
            | Intent::Refuse(_)
            | Intent::Unknown(_) => Ok(()),
        }
    }
}

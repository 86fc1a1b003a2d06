//! Images of a project: pull, build (the context sent as a tar), the pull policy, `down --rmi`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::{ComposeRuntime, PullPolicy, RunError, labels, now_ms, spec};

impl ComposeRuntime {
    /// Pulls the images of `services` (all when empty) that are not built locally.
    pub async fn pull(&self, services: &[String]) -> Result<(), RunError> {
        use futures_util::StreamExt;
        let wanted = self.selection(services, true)?;
        let images: BTreeSet<String> = wanted
            .iter()
            .filter_map(|s| self.project.services.get(s))
            .filter(|s| s.build.is_none() || s.pull_policy.as_deref() == Some("always"))
            .filter_map(|s| s.image.clone())
            .collect();
        for image in images {
            let start = Instant::now();
            self.emit("Image", &image, "Pulling", None, None);
            let mut stream = self.engine.pull_image(&image);
            while let Some(p) = stream.next().await {
                let p = p?;
                if let (Some(cur), Some(total)) = (p.current, p.total) {
                    self.emit(
                        "Image",
                        &image,
                        "Downloading",
                        None,
                        Some(format!("{} {cur}/{total}", p.id.unwrap_or_default())),
                    );
                }
            }
            self.emit("Image", &image, "Pulled", now_ms(start), None);
        }
        Ok(())
    }

    /// The image a service runs: `image:`, or `<project>-<service>` when it is only built.
    pub fn image_of(&self, service: &str) -> String {
        self.project
            .services
            .get(service)
            .and_then(|s| s.image.clone())
            .unwrap_or_else(|| format!("{}-{service}", self.project.name))
    }

    /// Builds the services with `build:` (all when `services` is empty) through the engine's
    /// build API; the context directory is sent as a tar.
    pub async fn build(&self, services: &[String], no_cache: bool) -> Result<(), RunError> {
        let wanted = self.selection(services, true)?;
        for name in wanted {
            let Some(build) = self.project.services.get(&name).and_then(|s| s.build.clone()) else { continue };
            let image = self.image_of(&name);
            let context = build.context.clone().unwrap_or_else(|| ".".into());
            let start = Instant::now();
            self.emit("Image", &image, "Building", None, None);
            let dockerfile = build.dockerfile.clone().unwrap_or_else(|| "Dockerfile".into());
            let tar = super::context::tar_context(std::path::Path::new(&context), &dockerfile).map_err(|e| {
                RunError::ServiceFailed {
                    service: name.clone(),
                    container: image.clone(),
                    message: format!("cannot read the build context {context}: {e}"),
                    logs: Vec::new(),
                }
            })?;
            let mut labels: BTreeMap<String, String> = spec::flatten(&build.labels);
            labels.insert(labels::PROJECT.into(), self.project.name.clone());
            labels.insert(labels::SERVICE.into(), name.clone());
            let spec = tuxpilot_docker::BuildSpec {
                tag: image.clone(),
                dockerfile: build.dockerfile.clone().unwrap_or_else(|| "Dockerfile".into()),
                args: build.args.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect(),
                target: build.target.clone(),
                labels,
                no_cache: no_cache || build.no_cache.unwrap_or(false),
                pull: build.pull.unwrap_or(false),
            };
            match self.engine.build_image(spec, tar).await {
                Ok(_) => self.emit("Image", &image, "Built", now_ms(start), None),
                Err(e) => {
                    self.emit("Image", &image, "Error", now_ms(start), Some(e.to_string()));
                    return Err(RunError::ServiceFailed {
                        service: name.clone(),
                        container: image,
                        message: format!("failed to build service \"{name}\": {e}"),
                        logs: Vec::new(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Makes sure every selected service has its image: builds (with `build`, or when a
    /// `build:` service's image is missing) and pulls according to `policy` or `pull_policy`.
    pub async fn ensure_images(
        &self,
        services: &BTreeSet<String>,
        policy: Option<PullPolicy>,
        build: bool,
    ) -> Result<(), RunError> {
        use futures_util::StreamExt;
        for name in services {
            let Some(svc) = self.project.services.get(name) else { continue };
            let image = self.image_of(name);
            let present = match self.engine.inspect_image(&image).await {
                Ok(_) => true,
                Err(e) if e.is_not_found() => false,
                Err(e) => return Err(e.into()),
            };
            if svc.build.is_some() && (build || !present || svc.pull_policy.as_deref() == Some("build")) {
                self.build(std::slice::from_ref(name), false).await?;
                continue;
            }
            let policy = policy.unwrap_or(match svc.pull_policy.as_deref() {
                Some("always") => PullPolicy::Always,
                Some("never") => PullPolicy::Never,
                _ => PullPolicy::Missing,
            });
            let pull = match policy {
                PullPolicy::Always => true,
                PullPolicy::Missing => !present,
                PullPolicy::Never => false,
            };
            if !present && policy == PullPolicy::Never {
                return Err(RunError::ServiceFailed {
                    service: name.clone(),
                    container: image.clone(),
                    message: format!(
                        "image \"{image}\" of service \"{name}\" is not on the engine and pulling is off (pull_policy never, --pull never or [containers.compose] auto_pull_images = false): pull or build it first"
                    ),
                    logs: Vec::new(),
                });
            }
            if pull {
                let start = Instant::now();
                self.emit("Image", &image, "Pulling", None, None);
                let mut stream = self.engine.pull_image(&image);
                while let Some(p) = stream.next().await {
                    if let Err(e) = p {
                        self.emit("Image", &image, "Error", now_ms(start), Some(e.to_string()));
                        return Err(RunError::ServiceFailed {
                            service: name.clone(),
                            container: image.clone(),
                            message: format!("failed to pull the image of service \"{name}\": {e}"),
                            logs: Vec::new(),
                        });
                    }
                }
                self.emit("Image", &image, "Pulled", now_ms(start), None);
            }
        }
        Ok(())
    }

    /// `down --rmi`: removes the images of the project's services (`local_only`: only the ones
    /// built without an `image:` name).
    pub async fn remove_images(&self, local_only: bool) -> Result<(), RunError> {
        let mut images = BTreeSet::new();
        for (name, s) in &self.project.services {
            if !local_only || s.image.is_none() {
                images.insert(self.image_of(name));
            }
        }
        for image in images {
            match self.engine.remove_image(&image, false).await {
                Ok(_) => self.emit("Image", &image, "Removed", None, None),
                Err(e) if e.is_not_found() => {}
                Err(e) => self.emit("Image", &image, "Error", None, Some(e.to_string())),
            }
        }
        Ok(())
    }
}

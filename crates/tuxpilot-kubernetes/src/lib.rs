//! `tuxpilot-kubernetes`: Kubernetes manifests from a compose project (and so from an app.yaml,
//! lowered onto one by tuxpilot-orchestrator),
//! converted the way kompose converts them, and past it.
//!
//! - One workload per service: a Deployment; a DaemonSet for `deploy.mode: global`; a Job for
//!   `deploy.mode: replicated-job`/`global-job`; a Pod for `restart: no|on-failure` (as kompose
//!   does), or a CronJob with the `kompose.cronjob.schedule` label. `kompose.controller.type`
//!   (`deployment`, `daemonset`, `statefulset`) overrides.
//! - A Service for each service with `ports` or `expose`; a PersistentVolumeClaim for each
//!   volume (100Mi unless `kompose.volume.size`); a ConfigMap for each `env_file`, each config
//!   and each bind mount of an existing file or directory; a Secret for each file secret.
//! - Probes from `healthcheck`, resources from `deploy.resources`, replicas, rolling-update
//!   strategy from `update_config`, restart policy, security context, compose labels as
//!   annotations, kompose's labels (`io.kompose.service`, `kompose.service.type`, …).
//! - Past kompose: `depends_on` becomes init containers that wait until each dependency's
//!   Service answers; everything that is not converted is reported as a [`ExportWarning`], so
//!   `--strict` can refuse it.
//!
//! The conversion is pure: it reads only the files the project names (env files, secrets,
//! configs, bind-mounted config files), never the engine.
//!
//! k8s-openapi needs exactly one Kubernetes API version for the final binary: the default
//! feature `k8s-v1_33` picks 1.33; turn default features off to pick another through
//! k8s-openapi's own feature. It never calls a cluster, and needs no Docker engine.
//!
//! ```no_run
//! use tuxpilot_compose::LoadOptions;
//! use tuxpilot_kubernetes::{ExportOptions, convert};
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let loaded = tuxpilot_compose::load(&LoadOptions::new("/srv/shop"))?;
//! let manifests = convert(&loaded.project, &ExportOptions::new(&loaded.working_dir))?;
//! for w in &manifests.warnings {
//!     eprintln!("not converted: {w}");
//! }
//! print!("{}", manifests.to_yaml()?); // kubectl apply -f -
//! # Ok(()) }
//! ```

mod container;
mod convert;
mod model;
mod names;
mod objects;
mod pod;
mod report;
pub mod rules;
mod services;

pub use convert::{convert, convert_strict, count_by_kind};
pub use model::{
    DEFAULT_VOLUME_SIZE, DEFAULT_WAIT_IMAGE, ExportError, ExportOptions, ExportWarning, Manifests, Object, SELECTOR,
    object_yaml,
};
pub use names::{is_dns_label, resource_name, service_name};

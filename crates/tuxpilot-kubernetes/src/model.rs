//! The export's data: options, the typed objects, the manifests and their YAML, warnings and
//! errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Pod, PodSpec, Secret, Service};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// The label kompose selects pods by; TuxPilot uses the same.
pub const SELECTOR: &str = "io.kompose.service";
/// Default PVC size when neither the volume nor the service has `kompose.volume.size` (kompose's).
pub const DEFAULT_VOLUME_SIZE: &str = "100Mi";
/// Image of the init containers that wait for dependencies (`nc` from busybox).
pub const DEFAULT_WAIT_IMAGE: &str = "busybox:1.36";

/// How to convert.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Put every object in this namespace, and emit the Namespace too.
    pub namespace: Option<String>,
    /// The project directory: env files are named relative to it, as kompose names them.
    pub working_dir: PathBuf,
    /// Image for the init containers that wait for dependencies.
    pub wait_image: String,
    /// The environment for `environment:` secrets and configs and `KEY` lines of env files
    /// (the project's interpolation environment; the process environment by default).
    pub environment: BTreeMap<String, String>,
    /// Read files outside `working_dir` into Secrets and ConfigMaps (env files, secret files,
    /// bind-mounted files). Off: such a file is refused, naming the key and the path.
    pub allow_outside_files: bool,
}

impl ExportOptions {
    /// Refuses a file outside the project directory (symbolic links resolved) unless
    /// `allow_outside_files`: its content would otherwise be copied into a manifest unseen.
    pub fn check_inside(&self, field: &str, path: &Path) -> Result<(), ExportError> {
        if self.allow_outside_files {
            return Ok(());
        }
        let project = self.working_dir.canonicalize().unwrap_or_else(|_| self.working_dir.clone());
        let target = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if target.starts_with(&project) {
            return Ok(());
        }
        Err(ExportError::Invalid {
            field: field.to_string(),
            message: format!(
                "{} is outside the project directory {}, and its content would be copied into the manifests; \
                 move it into the project, or pass --allow-outside-files to include it",
                path.display(),
                project.display()
            ),
        })
    }

    /// Options for a project in `working_dir`.
    pub fn new(working_dir: impl Into<PathBuf>) -> Self {
        Self {
            namespace: None,
            working_dir: working_dir.into(),
            wait_image: DEFAULT_WAIT_IMAGE.into(),
            environment: std::env::vars().collect(),
            allow_outside_files: false,
        }
    }
}

/// Something the conversion could not carry over, or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportWarning {
    /// The service it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The compose key path (`services.web.devices`).
    pub field: String,
    /// What happened and what to do.
    pub message: String,
}

impl std::fmt::Display for ExportWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A converted object, typed.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Object {
    /// A Namespace (`--namespace`).
    Namespace(Namespace),
    /// A Service.
    Service(Service),
    /// A Deployment.
    Deployment(Deployment),
    /// A DaemonSet.
    DaemonSet(DaemonSet),
    /// A StatefulSet.
    StatefulSet(StatefulSet),
    /// A Job.
    Job(Job),
    /// A CronJob.
    CronJob(CronJob),
    /// A bare Pod (kompose's conversion of `restart: no`).
    Pod(Pod),
    /// A PersistentVolumeClaim.
    PersistentVolumeClaim(PersistentVolumeClaim),
    /// A ConfigMap.
    ConfigMap(ConfigMap),
    /// A Secret.
    Secret(Secret),
    /// An Ingress (`kompose.service.expose`).
    Ingress(Ingress),
    /// A HorizontalPodAutoscaler (`kompose.hpa.*`).
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
}

macro_rules! each {
    ($self:ident, $o:ident => $e:expr) => {
        match $self {
            Object::Namespace($o) => $e,
            Object::Service($o) => $e,
            Object::Deployment($o) => $e,
            Object::DaemonSet($o) => $e,
            Object::StatefulSet($o) => $e,
            Object::Job($o) => $e,
            Object::CronJob($o) => $e,
            Object::Pod($o) => $e,
            Object::PersistentVolumeClaim($o) => $e,
            Object::ConfigMap($o) => $e,
            Object::Secret($o) => $e,
            Object::Ingress($o) => $e,
            Object::HorizontalPodAutoscaler($o) => $e,
        }
    };
}

impl Object {
    /// The kind (`Deployment`, …).
    pub fn kind(&self) -> &'static str {
        use k8s_openapi::Resource;
        fn kind<T: Resource>(_: &T) -> &'static str {
            T::KIND
        }
        each!(self, o => kind(o))
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        each!(self, o => o.metadata.name.as_deref().unwrap_or_default())
    }

    /// The pod spec of a workload.
    pub fn pod_spec_mut(&mut self) -> Option<&mut PodSpec> {
        match self {
            Object::Deployment(o) => o.spec.as_mut()?.template.spec.as_mut(),
            Object::DaemonSet(o) => o.spec.as_mut()?.template.spec.as_mut(),
            Object::StatefulSet(o) => o.spec.as_mut()?.template.spec.as_mut(),
            Object::Job(o) => o.spec.as_mut()?.template.spec.as_mut(),
            Object::CronJob(o) => o.spec.as_mut()?.job_template.spec.as_mut()?.template.spec.as_mut(),
            Object::Pod(o) => o.spec.as_mut(),
            _ => None,
        }
    }

    pub(crate) fn metadata_mut(&mut self) -> &mut ObjectMeta {
        each!(self, o => &mut o.metadata)
    }

    /// The object as JSON, `apiVersion` and `kind` first.
    pub fn to_json(&self) -> serde_json::Value {
        each!(self, o => serde_json::to_value(o).unwrap_or(serde_json::Value::Null))
    }

    /// The file kompose would write it to with `-o DIR`: `<name>-<kind>.yaml`.
    pub fn file_name(&self) -> String {
        format!("{}-{}.yaml", self.name(), self.kind().to_ascii_lowercase())
    }
}

/// The result: the objects in the order to apply them (Services first, as kompose orders them)
/// and what was not converted.
#[derive(Debug, Clone, Default)]
pub struct Manifests {
    /// The objects.
    pub objects: Vec<Object>,
    /// What could not be converted.
    pub warnings: Vec<ExportWarning>,
}

impl Manifests {
    /// Multi-document YAML (`---` before each document), as `kubectl apply -f` takes it.
    pub fn to_yaml(&self) -> Result<String, ExportError> {
        let mut out = String::new();
        for o in &self.objects {
            out.push_str("---\n");
            out.push_str(&object_yaml(o)?);
        }
        Ok(out)
    }

    /// A `v1` `List` holding every object, for `--format json`.
    pub fn to_json_list(&self) -> serde_json::Value {
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": self.objects.iter().map(Object::to_json).collect::<Vec<_>>(),
        })
    }

    /// Writes one file per object into `dir` (created if missing) and returns the paths.
    pub fn write_dir(&self, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        if dir.exists() && !dir.is_dir() {
            return Err(ExportError::Io(dir.to_path_buf(), "a file, not a directory: choose a directory".into()));
        }
        std::fs::create_dir_all(dir).map_err(|e| ExportError::Io(dir.to_path_buf(), e.to_string()))?;
        let mut written = Vec::new();
        for o in &self.objects {
            let path = dir.join(o.file_name());
            std::fs::write(&path, object_yaml(o)?).map_err(|e| ExportError::Io(path.clone(), e.to_string()))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// One object as YAML.
pub fn object_yaml(o: &Object) -> Result<String, ExportError> {
    serde_saphyr::to_string(&o.to_json()).map_err(|e| ExportError::Yaml(e.to_string()))
}

/// Why a conversion failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// A value Kubernetes cannot take, with the field and the fix.
    #[error("{field}: {message}")]
    Invalid {
        /// The compose key path.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A file the project names could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, String),
    /// YAML output failed.
    #[error("cannot write YAML: {0}")]
    Yaml(String),
    /// `--strict` and there were warnings.
    #[error("{} thing(s) could not be converted (--strict):\n{}", .0.len(), .0.iter().map(|w| format!("  {w}")).collect::<Vec<_>>().join("\n"))]
    Strict(Vec<ExportWarning>),
}

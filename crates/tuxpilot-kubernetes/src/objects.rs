//! The objects around a workload: environment ConfigMaps, volumes (claims, config maps,
//! tmpfs), Secrets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, ConfigMapVolumeSource, EmptyDirVolumeSource, EnvFromSource, EnvVar,
    HostPathVolumeSource, KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, Secret, SecretVolumeSource, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use tuxpilot_compose::{Project, Service};

use crate::model::{DEFAULT_VOLUME_SIZE, ExportError, ExportWarning, Object};
use crate::names::{env_file_name, is_dns_subdomain, resource_name};
use crate::report::{Ctx, Report, selector};

fn read(path: &Path) -> Result<String, ExportError> {
    tuxpilot_docker::files::read_named_to_string(path, tuxpilot_docker::files::MAX_FILE)
        .map_err(|e| ExportError::Io(path.to_path_buf(), e.to_string()))
}

fn relative(ctx: &Ctx<'_>, path: &str) -> String {
    let p = Path::new(path);
    p.strip_prefix(&ctx.options.working_dir)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string()))
}

/// A container's env, its envFrom and the ConfigMaps behind them.
pub(crate) type Environment = (Vec<EnvVar>, Vec<EnvFromSource>, Vec<ConfigMap>);

/// `environment` → env (sorted); each `env_file` → a ConfigMap and an `envFrom`, and the keys
/// it gives are left out of env unless `environment` overrides them (kompose leaves them out
/// always, losing the override).
pub(crate) fn environment(
    ctx: &Ctx<'_>,
    key: &str,
    name: &str,
    s: &Service,
    r: &mut Report<'_>,
) -> Result<Environment, ExportError> {
    let mut from_files: BTreeMap<String, String> = BTreeMap::new();
    let mut env_from = Vec::new();
    let mut maps = Vec::new();
    for f in &s.env_file {
        let path = PathBuf::from(&f.path);
        if path.exists() {
            ctx.options.check_inside(&format!("services.{key}.env_file"), &path)?;
        }
        let text = match tuxpilot_docker::files::read_named_to_string(&path, tuxpilot_docker::files::MAX_ENV_FILE) {
            Ok(t) => t,
            Err(_) if !f.required => continue,
            Err(e) => return Err(ExportError::Io(path, e.to_string())),
        };
        let vars = tuxpilot_compose::parse_env_file(&text, &path, &|k| ctx.options.environment.get(k).cloned())
            .map_err(|e| ExportError::Invalid { field: format!("services.{key}.env_file"), message: e.to_string() })?;
        let cm_name = env_file_name(&relative(ctx, &f.path), name);
        let data: BTreeMap<String, String> = vars.into_iter().collect();
        from_files.extend(data.clone());
        env_from.push(EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource { name: cm_name.clone(), ..Default::default() }),
            ..Default::default()
        });
        maps.push(ConfigMap {
            metadata: ObjectMeta {
                name: Some(cm_name.clone()),
                labels: Some(selector(&format!("{name}-{cm_name}"))),
                ..Default::default()
            },
            data: Some(data),
            ..Default::default()
        });
    }
    let mut env = Vec::new();
    for (k, v) in &s.environment {
        let Some(v) = v else {
            r.warn(&format!("environment.{k}"), "no value and none in the environment: left out");
            continue;
        };
        if from_files.get(k) == Some(v) {
            continue;
        }
        env.push(EnvVar { name: k.clone(), value: Some(v.clone()), ..Default::default() });
    }
    Ok((env, env_from, maps))
}

/// Mounts of a service and the objects behind them.
#[derive(Default)]
pub(crate) struct Mounts {
    pub mounts: Vec<VolumeMount>,
    pub volumes: Vec<Volume>,
    pub objects: Vec<Object>,
}

fn pvc(name: &str, size: &str, read_only: bool, storage_class: Option<String>) -> Object {
    Object::PersistentVolumeClaim(PersistentVolumeClaim {
        metadata: ObjectMeta { name: Some(name.into()), labels: Some(selector(name)), ..Default::default() },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec![if read_only { "ReadOnlyMany" } else { "ReadWriteOnce" }.into()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_string(), Quantity(size.into()))])),
                ..Default::default()
            }),
            storage_class_name: storage_class,
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// ConfigMap contents: text as `data`, anything else as `binaryData`.
#[derive(Default)]
struct Files {
    text: BTreeMap<String, String>,
    binary: BTreeMap<String, ByteString>,
}

impl Files {
    fn add(&mut self, name: String, bytes: Vec<u8>) {
        match String::from_utf8(bytes) {
            Ok(t) => {
                self.text.insert(name, t);
            }
            Err(e) => {
                self.binary.insert(name, ByteString(e.into_bytes()));
            }
        }
    }

    fn keys(&self) -> Vec<String> {
        self.text.keys().chain(self.binary.keys()).cloned().collect()
    }
}

/// A file or a non-empty directory of files, as ConfigMap data (kompose turns such bind
/// mounts into ConfigMaps).
fn config_data(path: &Path) -> Option<Files> {
    let meta = std::fs::metadata(path).ok()?;
    let mut data = Files::default();
    if meta.is_file() {
        let name = path.file_name()?.to_string_lossy().into_owned();
        data.add(name, tuxpilot_docker::files::read_named(path, tuxpilot_docker::files::MAX_FILE).ok()?);
    } else if meta.is_dir() {
        for e in std::fs::read_dir(path).ok()?.flatten() {
            let p = e.path();
            if p.is_file() {
                data.add(
                    e.file_name().to_string_lossy().into_owned(),
                    tuxpilot_docker::files::read_named(&p, tuxpilot_docker::files::MAX_FILE).ok()?,
                );
            }
        }
    }
    (!data.keys().is_empty()).then_some(data)
}

/// `volumes`, `tmpfs`, `secrets` and `configs` of a service.
pub(crate) fn volumes(
    ctx: &Ctx<'_>,
    key: &str,
    name: &str,
    s: &Service,
    r: &mut Report<'_>,
) -> Result<Mounts, ExportError> {
    let mut m = Mounts::default();
    let size_label = s.labels.get("kompose.volume.size").cloned().flatten();
    let class_label = s.labels.get("kompose.volume.storage-class-name").cloned().flatten();
    let sub_path = s.labels.get("kompose.volume.subpath").cloned().flatten();
    let volume_type = s.labels.get("kompose.volume.type").cloned().flatten();
    if let Some(t) = volume_type.as_deref()
        && !matches!(t, "configMap" | "emptyDir" | "hostPath" | "persistentVolumeClaim")
    {
        return Err(ExportError::Invalid {
            field: format!("services.{key}.labels.kompose.volume.type"),
            message: format!("unknown volume type {t:?}: use configMap, emptyDir, hostPath or persistentVolumeClaim"),
        });
    }
    for (i, v) in s.volumes.iter().enumerate() {
        let read_only = v.read_only == Some(true);
        let mut mount = VolumeMount {
            mount_path: v.target.clone(),
            read_only: read_only.then_some(true),
            sub_path: sub_path.clone().or_else(|| v.volume.as_ref().and_then(|o| o.subpath.clone())),
            ..Default::default()
        };
        if volume_type.as_deref() == Some("emptyDir") && v.kind != "tmpfs" {
            let vol = format!("{name}-empty{i}");
            m.volumes.push(Volume {
                name: vol.clone(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Default::default()
            });
            mount.name = vol;
            m.mounts.push(mount);
            continue;
        }
        if volume_type.as_deref() == Some("hostPath") && v.kind == "bind" {
            let vol = format!("{name}-hostpath{i}");
            m.volumes.push(Volume {
                name: vol.clone(),
                host_path: Some(HostPathVolumeSource { path: v.source.clone().unwrap_or_default(), type_: None }),
                ..Default::default()
            });
            mount.name = vol;
            m.mounts.push(mount);
            continue;
        }
        let bind_as_claim = volume_type.as_deref() == Some("persistentVolumeClaim");
        match v.kind.as_str() {
            "tmpfs" => {
                let vol = format!("{name}-tmpfs{i}");
                m.volumes.push(Volume {
                    name: vol.clone(),
                    empty_dir: Some(EmptyDirVolumeSource { medium: Some("Memory".into()), ..Default::default() }),
                    ..Default::default()
                });
                mount.name = vol;
            }
            "bind" => {
                let src = v.source.clone().unwrap_or_default();
                if src.ends_with(".sock") {
                    r.warn(&format!("volumes[{i}]"), format!("the socket {src} is not converted"));
                    continue;
                }
                if !bind_as_claim && Path::new(&src).exists() {
                    ctx.options.check_inside(&format!("services.{key}.volumes[{i}]"), Path::new(&src))?;
                }
                if let Some(data) = config_data(Path::new(&src)).filter(|_| !bind_as_claim) {
                    let vol = format!("{name}-cm{i}");
                    let single = std::fs::metadata(&src).is_ok_and(|md| md.is_file());
                    let items: Vec<KeyToPath> = if single {
                        data.keys().into_iter().map(|k| KeyToPath { key: k.clone(), path: k, mode: None }).collect()
                    } else {
                        Vec::new()
                    };
                    if single {
                        mount.sub_path = data.keys().into_iter().next();
                    }
                    m.objects.push(Object::ConfigMap(ConfigMap {
                        metadata: ObjectMeta {
                            name: Some(vol.clone()),
                            labels: Some(selector(name)),
                            ..Default::default()
                        },
                        data: (!data.text.is_empty()).then_some(data.text),
                        binary_data: (!data.binary.is_empty()).then_some(data.binary),
                        ..Default::default()
                    }));
                    m.volumes.push(Volume {
                        name: vol.clone(),
                        config_map: Some(ConfigMapVolumeSource {
                            name: vol.clone(),
                            items: (!items.is_empty()).then_some(items),
                            ..Default::default()
                        }),
                        ..Default::default()
                    });
                    mount.name = vol;
                } else {
                    let vol = format!("{name}-claim{i}");
                    r.warn(
                        &format!("volumes[{i}]"),
                        format!("the host path {src} is not converted: an empty claim {vol} is mounted instead"),
                    );
                    m.objects.push(pvc(
                        &vol,
                        size_label.as_deref().unwrap_or(DEFAULT_VOLUME_SIZE),
                        read_only,
                        class_label.clone(),
                    ));
                    m.volumes.push(claim_volume(&vol, read_only));
                    mount.name = vol;
                }
            }
            "volume" => {
                let (vol, top) = match v.source.as_deref() {
                    Some(src) => (resource_name(src), ctx.project.volumes.get(src)),
                    None => (format!("{name}-claim{i}"), None),
                };
                if !is_dns_subdomain(&vol) {
                    return Err(ExportError::Invalid {
                        field: format!("services.{key}.volumes[{i}]"),
                        message: format!("{vol:?} cannot name a PersistentVolumeClaim: rename the volume"),
                    });
                }
                let top_label = |k: &str| top.and_then(|t| t.labels.get(k).cloned().flatten());
                let size = top_label("kompose.volume.size")
                    .or_else(|| size_label.clone())
                    .unwrap_or_else(|| DEFAULT_VOLUME_SIZE.into());
                let class = top_label("kompose.volume.storage-class-name").or_else(|| class_label.clone());
                m.objects.push(pvc(&vol, &size, read_only, class));
                m.volumes.push(claim_volume(&vol, read_only));
                mount.name = vol;
            }
            other => {
                r.warn(&format!("volumes[{i}]"), format!("a {other} mount is not converted"));
                continue;
            }
        }
        m.mounts.push(mount);
    }
    for (i, t) in s.tmpfs.iter().enumerate() {
        let vol = format!("{name}-tmpfs{}", s.volumes.len() + i);
        let path = t.split(':').next().unwrap_or(t).to_string();
        m.volumes.push(Volume {
            name: vol.clone(),
            empty_dir: Some(EmptyDirVolumeSource { medium: Some("Memory".into()), ..Default::default() }),
            ..Default::default()
        });
        m.mounts.push(VolumeMount { name: vol, mount_path: path, ..Default::default() });
    }
    for (i, f) in s.secrets.iter().enumerate() {
        let secret = resource_name(&f.source);
        let Some(top) = ctx.project.secrets.get(&f.source) else { continue };
        if top.file.is_none() && top.environment.is_none() {
            r.warn(&format!("secrets[{i}]"), format!("{} is external: create the Secret {secret} yourself", f.source));
        }
        let target = f.target.clone().unwrap_or_else(|| f.source.clone());
        let path = if target.starts_with('/') { target } else { format!("/run/secrets/{target}") };
        let file = path.rsplit('/').next().unwrap_or(&secret).to_string();
        if f.uid.is_some() || f.gid.is_some() {
            r.warn(&format!("secrets[{i}]"), "uid and gid are not converted (use the pod's fsGroup)");
        }
        m.volumes.push(Volume {
            name: secret.clone(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret.clone()),
                items: Some(vec![KeyToPath { key: secret.clone(), path: file.clone(), mode: None }]),
                default_mode: f.mode.and_then(|m| i32::try_from(m).ok()),
                ..Default::default()
            }),
            ..Default::default()
        });
        m.mounts.push(VolumeMount {
            name: secret,
            mount_path: path,
            sub_path: Some(file),
            read_only: Some(true),
            ..Default::default()
        });
    }
    for (i, f) in s.configs.iter().enumerate() {
        let Some(top) = ctx.project.configs.get(&f.source) else { continue };
        let cm = resource_name(&f.source);
        let content = match (&top.content, &top.file, &top.environment) {
            (Some(c), _, _) => c.clone(),
            (None, Some(file), _) => {
                ctx.options.check_inside(&format!("configs.{}.file", f.source), Path::new(file))?;
                read(Path::new(file))?
            }
            (None, None, Some(var)) => ctx.options.environment.get(var).cloned().unwrap_or_default(),
            _ => continue,
        };
        let target = f.target.clone().unwrap_or_else(|| format!("/{}", f.source));
        let file = target.rsplit('/').next().filter(|f| !f.is_empty()).unwrap_or(&cm).to_string();
        if f.uid.is_some() || f.gid.is_some() {
            r.warn(&format!("configs[{i}]"), "uid and gid are not converted (use the pod's fsGroup)");
        }
        m.objects.push(Object::ConfigMap(ConfigMap {
            metadata: ObjectMeta { name: Some(cm.clone()), labels: Some(selector(&cm)), ..Default::default() },
            data: Some(BTreeMap::from([(file.clone(), content)])),
            ..Default::default()
        }));
        m.volumes.push(Volume {
            name: cm.clone(),
            config_map: Some(ConfigMapVolumeSource {
                name: cm.clone(),
                items: Some(vec![KeyToPath { key: file.clone(), path: file.clone(), mode: None }]),
                default_mode: f.mode.and_then(|m| i32::try_from(m).ok()),
                ..Default::default()
            }),
            ..Default::default()
        });
        m.mounts.push(VolumeMount {
            name: cm,
            mount_path: target,
            sub_path: Some(file),
            read_only: Some(true),
            ..Default::default()
        });
    }
    shared_claims(ctx, s, r);
    Ok(m)
}

fn claim_volume(name: &str, read_only: bool) -> Volume {
    Volume {
        name: name.into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: name.into(),
            read_only: read_only.then_some(true),
        }),
        ..Default::default()
    }
}

/// A ReadWriteOnce claim mounted by several pods only works while they share a node.
fn shared_claims(ctx: &Ctx<'_>, s: &Service, r: &mut Report<'_>) {
    let replicas = s.deploy.as_ref().and_then(|d| d.replicas).or(s.scale).unwrap_or(1);
    for (i, v) in s.volumes.iter().enumerate() {
        if v.kind != "volume" || v.read_only == Some(true) {
            continue;
        }
        let Some(src) = v.source.as_deref() else { continue };
        let users = ctx
            .project
            .services
            .values()
            .filter(|o| o.volumes.iter().any(|ov| ov.kind == "volume" && ov.source.as_deref() == Some(src)))
            .count();
        if replicas > 1 || users > 1 {
            r.warn(
                &format!("volumes[{i}]"),
                format!(
                    "volume {src} is mounted by {} pods; a ReadWriteOnce claim works only while they run on one \
                     node (use a ReadWriteMany storage class)",
                    replicas.max(1) as usize * users.max(1)
                ),
            );
        }
    }
}

/// Each top-level secret with a file or an environment variable → an Opaque Secret holding it
/// under its own name (kompose's layout).
pub(crate) fn secrets(
    project: &Project,
    options: &crate::model::ExportOptions,
    out: &mut Vec<Object>,
    warnings: &mut Vec<ExportWarning>,
) -> Result<(), ExportError> {
    for (name, s) in &project.secrets {
        let content = match (&s.file, &s.environment) {
            (Some(f), _) => {
                options.check_inside(&format!("secrets.{name}.file"), std::path::Path::new(f))?;
                tuxpilot_docker::files::read_named(std::path::Path::new(f), tuxpilot_docker::files::MAX_FILE)
                    .map_err(|e| ExportError::Io(PathBuf::from(f), e.to_string()))?
            }
            (None, Some(var)) => options.environment.get(var).cloned().unwrap_or_default().into_bytes(),
            _ => {
                warnings.push(ExportWarning {
                    service: None,
                    field: format!("secrets.{name}"),
                    message: "an external secret is not converted; create the Secret yourself".into(),
                });
                continue;
            }
        };
        let k = resource_name(name);
        out.push(Object::Secret(Secret {
            metadata: ObjectMeta { name: Some(k.clone()), labels: Some(selector(&k)), ..Default::default() },
            type_: Some("Opaque".into()),
            data: Some(BTreeMap::from([(k.clone(), ByteString(content))])),
            ..Default::default()
        }));
    }
    Ok(())
}

//! The objects around a workload: Services, environment ConfigMaps, volumes (claims, config
//! maps, tmpfs), Secrets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::ByteString;
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, ConfigMapVolumeSource, EmptyDirVolumeSource, EnvFromSource, EnvVar,
    HostPathVolumeSource, KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, Secret, SecretVolumeSource, Service as KService, ServicePort, ServiceSpec,
    Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend, IngressSpec,
    IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tuxpilot_compose::{Project, Service};

use super::names::{env_file_name, is_dns_subdomain, resource_name};
use super::pod::{Ctx, Report, selector};
use super::{DEFAULT_VOLUME_SIZE, ExportError, ExportWarning, Object};

/// A port of a service, from `ports` or `expose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PortSpec {
    pub target: u16,
    pub published: Option<u16>,
    /// `TCP`, `UDP`, `SCTP`.
    pub protocol: String,
}

/// `ports` then `expose` (TCP), as kompose reads them.
pub(super) fn ports(s: &Service, r: &mut Report<'_>) -> Vec<PortSpec> {
    let mut out = Vec::new();
    for (i, p) in s.ports.iter().enumerate() {
        let published = match p.published.as_deref() {
            None | Some("") => None,
            Some(v) => match v.parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    r.warn(
                        &format!("ports[{i}]"),
                        format!("host port range {v} is not converted; the Service uses {}", p.target),
                    );
                    None
                }
            },
        };
        if p.host_ip.as_deref().is_some_and(|h| !h.is_empty() && h != "0.0.0.0" && h != "::") {
            r.warn(
                &format!("ports[{i}].host_ip"),
                "the host address is not converted: a Service listens on the cluster",
            );
        }
        out.push(PortSpec { target: p.target, published, protocol: p.protocol.to_ascii_uppercase() });
    }
    for e in &s.expose {
        let (port, proto) = e.split_once('/').unwrap_or((e.as_str(), "tcp"));
        let proto = proto.to_ascii_uppercase();
        let Ok(target) = port.parse::<u16>() else {
            r.warn("expose", format!("expose {e:?} is not converted (a range or not a number)"));
            continue;
        };
        if !out.iter().any(|p| p.target == target && p.protocol == proto) {
            out.push(PortSpec { target, published: None, protocol: proto });
        }
    }
    out
}

/// The Service type `kompose.service.type` asks for: (type, headless).
fn service_type(
    labels: &BTreeMap<String, String>,
    s: &Service,
    r: &Report<'_>,
) -> Result<(Option<String>, bool), ExportError> {
    let kind = labels.get("kompose.service.type").map(|t| t.to_ascii_lowercase());
    Ok(match kind.as_deref() {
        None => (
            (s.deploy.as_ref().and_then(|d| d.endpoint_mode.as_deref()) == Some("vip")).then(|| "NodePort".into()),
            false,
        ),
        Some("clusterip") => (Some("ClusterIP".into()), false),
        Some("nodeport") => (Some("NodePort".into()), false),
        Some("loadbalancer") => (Some("LoadBalancer".into()), false),
        Some("headless") => (None, true),
        Some(other) => {
            return Err(ExportError::Invalid {
                field: format!("services.{}.labels.kompose.service.type", r.service),
                message: format!("unknown Service type {other:?}: use clusterip, nodeport, loadbalancer or headless"),
            });
        }
    })
}

/// The DNS name other pods reach a service by: its Service, or `<name>-tcp` for a
/// LoadBalancer (kompose splits those by protocol). None without ports.
pub(super) fn reachable_as(key: &str, s: &Service) -> Option<(String, u16)> {
    let mut silent = Vec::new();
    let mut r = Report::silent(&mut silent);
    let ports = ports(s, &mut r);
    let labels = super::pod::labels_of(&s.labels);
    let name = super::names::service_name(key);
    let (t, _) = service_type(&labels, s, &r).ok()?;
    let p = ports.iter().find(|p| t.as_deref() != Some("LoadBalancer") || p.protocol == "TCP")?;
    let host = if t.as_deref() == Some("LoadBalancer") { format!("{name}-tcp") } else { name };
    Some((host, p.published.unwrap_or(p.target)))
}

fn service_ports(ports: &[PortSpec], node_port: Option<i32>) -> Vec<ServicePort> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for p in ports {
        let port = p.published.unwrap_or(p.target);
        let mut port_name = port.to_string();
        if !seen.insert(port) {
            port_name = format!("{port}-{}", p.protocol.to_ascii_lowercase());
        }
        out.push(ServicePort {
            name: Some(port_name),
            port: i32::from(port),
            target_port: Some(IntOrString::Int(i32::from(p.target))),
            protocol: (p.protocol != "TCP").then(|| p.protocol.clone()),
            node_port,
            ..Default::default()
        });
    }
    out
}

/// The Services of a service with ports (kompose: none without, with a warning; a LoadBalancer
/// is split into `-tcp` and `-udp`, as one cannot mix protocols), with the type
/// `kompose.service.type` asks for, and the Ingress `kompose.service.expose` asks for.
pub(super) fn services(
    name: &str,
    labels: &BTreeMap<String, String>,
    s: &Service,
    ports: &[PortSpec],
    r: &mut Report<'_>,
) -> Result<(Vec<KService>, Option<Ingress>), ExportError> {
    let (mut type_, headless) = service_type(labels, s, r)?;
    if headless && !ports.is_empty() {
        type_ = Some("ClusterIP".into());
    }
    // No ports, no Service (kompose's rule). Nothing is lost: a dependent that needs to reach
    // it is warned about where it waits for it.
    if ports.is_empty() && !headless {
        return Ok((Vec::new(), None));
    }
    let node_port = labels
        .get("kompose.service.nodeport.port")
        .and_then(|p| p.parse::<i32>().ok())
        .filter(|_| type_.as_deref() == Some("NodePort"));
    let traffic =
        labels.get("kompose.service.external-traffic-policy").map(|p| match p.to_ascii_lowercase().as_str() {
            "local" => "Local".to_string(),
            _ => "Cluster".to_string(),
        });
    let make = |svc_name: String, ports: Vec<ServicePort>| KService {
        metadata: ObjectMeta {
            name: Some(svc_name),
            labels: Some(selector(name)),
            annotations: (!labels.is_empty()).then(|| labels.clone()),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            selector: Some(selector(name)),
            ports: Some(ports),
            type_: type_.clone(),
            cluster_ip: headless.then(|| "None".to_string()),
            external_traffic_policy: traffic
                .clone()
                .filter(|_| matches!(type_.as_deref(), Some("NodePort" | "LoadBalancer"))),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut out = Vec::new();
    if type_.as_deref() == Some("LoadBalancer") {
        let (tcp, other): (Vec<PortSpec>, Vec<PortSpec>) = ports.iter().cloned().partition(|p| p.protocol == "TCP");
        if !tcp.is_empty() {
            out.push(make(format!("{name}-tcp"), service_ports(&tcp, None)));
        }
        if !other.is_empty() {
            out.push(make(format!("{name}-udp"), service_ports(&other, None)));
        }
    } else {
        let mut sp = service_ports(ports, node_port);
        if sp.is_empty() {
            // kompose's placeholder port: a Service must have one (kubernetes#32766).
            sp.push(ServicePort { name: Some("headless".into()), port: 55555, ..Default::default() });
        }
        out.push(make(name.to_string(), sp));
    }
    let ingress = match labels.get("kompose.service.expose").map(|v| v.trim_matches(|c| c == ' ' || c == ',')) {
        // kompose makes no Ingress in front of a LoadBalancer.
        Some(hosts) if !hosts.is_empty() && hosts != "false" && type_.as_deref() != Some("LoadBalancer") => {
            let port = out
                .first()
                .and_then(|svc| svc.spec.as_ref())
                .and_then(|spec| spec.ports.as_ref())
                .and_then(|p| p.first())
                .map(|p| p.port)
                .unwrap_or(80);
            let backend = out.first().and_then(|svc| svc.metadata.name.clone()).unwrap_or_else(|| name.to_string());
            Some(ingress(name, &backend, port, hosts, labels))
        }
        _ => None,
    };
    Ok((out, ingress))
}

fn ingress(name: &str, backend: &str, port: i32, hosts: &str, labels: &BTreeMap<String, String>) -> Ingress {
    let mut rules = Vec::new();
    let mut tls_hosts = Vec::new();
    for h in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let (host, path) = match h.find('/') {
            Some(i) => (&h[..i], h[i..].to_string()),
            None => (h, "/".to_string()),
        };
        let host = (host != "true").then(|| host.to_string());
        if let Some(h) = &host {
            tls_hosts.push(h.clone());
        }
        rules.push(IngressRule {
            host,
            http: Some(HTTPIngressRuleValue {
                paths: vec![HTTPIngressPath {
                    path: Some(path),
                    path_type: "Prefix".into(),
                    backend: IngressBackend {
                        service: Some(IngressServiceBackend {
                            name: backend.to_string(),
                            port: Some(ServiceBackendPort { number: Some(port), name: None }),
                        }),
                        resource: None,
                    },
                }],
            }),
        });
    }
    let tls = labels.get("kompose.service.expose.tls-secret").map(|secret| {
        vec![IngressTLS {
            hosts: (!tls_hosts.is_empty()).then_some(tls_hosts),
            secret_name: (secret != "true").then(|| secret.clone()),
        }]
    });
    Ingress {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(selector(name)),
            annotations: (!labels.is_empty()).then(|| labels.clone()),
            ..Default::default()
        },
        spec: Some(IngressSpec {
            rules: Some(rules),
            tls,
            ingress_class_name: labels.get("kompose.service.expose.ingress-class-name").cloned(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `kompose.hpa.*` labels → an autoscaling/v2 HorizontalPodAutoscaler (kompose's defaults:
/// 1–3 replicas, 50 % CPU, 70 % memory).
pub(super) fn autoscaler(
    name: &str,
    kind: &str,
    labels: &BTreeMap<String, String>,
    r: &mut Report<'_>,
) -> Option<HorizontalPodAutoscaler> {
    const KEYS: [&str; 4] =
        ["kompose.hpa.replicas.min", "kompose.hpa.replicas.max", "kompose.hpa.cpu", "kompose.hpa.memory"];
    if !KEYS.iter().any(|k| labels.contains_key(*k)) {
        return None;
    }
    let value = |k: &str, default: i32, r: &mut Report<'_>| -> i32 {
        match labels.get(k).map(|v| v.parse::<i32>()) {
            None => default,
            Some(Ok(n)) if n >= 0 => n,
            Some(_) => {
                r.warn(&format!("labels.{k}"), format!("not a whole number; {default} is used"));
                default
            }
        }
    };
    let min = value(KEYS[0], 1, r);
    let max = value(KEYS[1], 3, r).max(min);
    let percent = |k: &str, default: i32, r: &mut Report<'_>| {
        let v = value(k, default, r);
        if (1..=100).contains(&v) {
            v
        } else {
            r.warn(&format!("labels.{k}"), format!("{v} is not a percentage from 1 to 100; {default} is used"));
            default
        }
    };
    let cpu = percent(KEYS[2], 50, r);
    let memory = percent(KEYS[3], 70, r);
    let metric = |resource: &str, p: i32| MetricSpec {
        type_: "Resource".into(),
        resource: Some(ResourceMetricSource {
            name: resource.into(),
            target: MetricTarget { type_: "Utilization".into(), average_utilization: Some(p), ..Default::default() },
        }),
        ..Default::default()
    };
    Some(HorizontalPodAutoscaler {
        metadata: ObjectMeta { name: Some(name.into()), ..Default::default() },
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".into()),
                kind: kind.into(),
                name: name.into(),
            },
            min_replicas: Some(min),
            max_replicas: max,
            metrics: Some(vec![metric("cpu", cpu), metric("memory", memory)]),
            ..Default::default()
        }),
        ..Default::default()
    })
}

fn read(path: &Path) -> Result<String, ExportError> {
    std::fs::read_to_string(path).map_err(|e| ExportError::Io(path.to_path_buf(), e.to_string()))
}

fn relative(ctx: &Ctx<'_>, path: &str) -> String {
    let p = Path::new(path);
    p.strip_prefix(&ctx.options.working_dir)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string()))
}

/// A container's env, its envFrom and the ConfigMaps behind them.
pub(super) type Environment = (Vec<EnvVar>, Vec<EnvFromSource>, Vec<ConfigMap>);

/// `environment` → env (sorted); each `env_file` → a ConfigMap and an `envFrom`, and the keys
/// it gives are left out of env unless `environment` overrides them (kompose leaves them out
/// always, losing the override).
pub(super) fn environment(
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
        let text = match std::fs::read_to_string(&path) {
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
pub(super) struct Mounts {
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
        data.add(name, std::fs::read(path).ok()?);
    } else if meta.is_dir() {
        for e in std::fs::read_dir(path).ok()?.flatten() {
            let p = e.path();
            if p.is_file() {
                data.add(e.file_name().to_string_lossy().into_owned(), std::fs::read(&p).ok()?);
            }
        }
    }
    (!data.keys().is_empty()).then_some(data)
}

/// `volumes`, `tmpfs`, `secrets` and `configs` of a service.
pub(super) fn volumes(
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
            (None, Some(file), _) => read(Path::new(file))?,
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
pub(super) fn secrets(
    project: &Project,
    options: &super::ExportOptions,
    out: &mut Vec<Object>,
    warnings: &mut Vec<ExportWarning>,
) -> Result<(), ExportError> {
    for (name, s) in &project.secrets {
        let content = match (&s.file, &s.environment) {
            (Some(f), _) => std::fs::read(f).map_err(|e| ExportError::Io(PathBuf::from(f), e.to_string()))?,
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

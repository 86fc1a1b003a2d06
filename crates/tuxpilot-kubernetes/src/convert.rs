//! A compose project into Kubernetes objects: each service's workload, Service, claims,
//! ConfigMaps and Secrets, in kompose's order, with what was not carried over reported.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use tuxpilot_compose::Project;

use crate::model::{ExportError, ExportOptions, ExportWarning, Manifests, Object, SELECTOR};
use crate::names::{is_dns_label, service_name};
use crate::{objects, pod};

/// Converts `project` to Kubernetes objects.
pub fn convert(project: &Project, options: &ExportOptions) -> Result<Manifests, ExportError> {
    let mut services = Vec::new();
    let mut others = Vec::new();
    let mut warnings = Vec::new();
    if let Some(ns) = &options.namespace
        && !is_dns_label(ns)
    {
        return Err(ExportError::Invalid {
            field: "--namespace".into(),
            message: format!("{ns:?} is not a valid namespace: use lower-case letters, digits and '-', at most 63"),
        });
    }
    // Two compose names that become one Kubernetes name would silently be one object.
    crate::rules::collisions("services", project.services.keys(), crate::names::service_name)?;
    crate::rules::collisions("volumes", project.volumes.keys(), crate::names::resource_name)?;
    crate::rules::collisions("secrets", project.secrets.keys(), crate::names::resource_name)?;
    crate::rules::collisions("configs", project.configs.keys(), crate::names::resource_name)?;
    objects::secrets(project, options, &mut others, &mut warnings)?;
    let ctx = crate::report::Ctx::new(project, options);
    // `network_mode: service:X` shares X's network namespace: in Kubernetes, a container in X's
    // pod (kompose's conversion).
    let mut guests: BTreeMap<String, Vec<k8s_openapi::api::core::v1::Container>> = BTreeMap::new();
    for (name, service) in &project.services {
        let mut converted = pod::service(&ctx, name, service, &mut warnings)?;
        let host = service
            .network_mode
            .as_deref()
            .and_then(|m| m.strip_prefix("service:"))
            .filter(|h| project.services.contains_key(*h));
        if let Some(host) = host {
            let host_name = service_name(host);
            if let Some(pod) = converted.workload.pod_spec_mut() {
                guests.entry(host_name.clone()).or_default().append(&mut pod.containers);
            }
            for mut svc in converted.services {
                if let Some(spec) = svc.spec.as_mut() {
                    spec.selector = Some(BTreeMap::from([(SELECTOR.to_string(), host_name.clone())]));
                }
                services.push(Object::Service(svc));
            }
            others.extend(converted.extra);
            continue;
        }
        services.extend(converted.services.into_iter().map(Object::Service));
        others.push(converted.workload);
        others.extend(converted.extra);
    }
    for o in &mut others {
        let name = o.name().to_string();
        if let (Some(extra), Some(pod)) = (guests.get_mut(&name), o.pod_spec_mut()) {
            pod.containers.append(extra);
        }
    }
    project_level_warnings(project, &mut warnings);

    let mut objects = Vec::new();
    if let Some(ns) = &options.namespace {
        objects.push(Object::Namespace(Namespace {
            metadata: ObjectMeta { name: Some(ns.clone()), ..Default::default() },
            ..Default::default()
        }));
    }
    objects.extend(services);
    // A named volume or env file shared by services is one object (kompose's RemoveDupObjects).
    let mut seen = std::collections::BTreeSet::new();
    for o in others {
        if seen.insert((o.kind(), o.name().to_string())) {
            objects.push(o);
        }
    }
    if let Some(ns) = &options.namespace {
        for o in objects.iter_mut().filter(|o| !matches!(o, Object::Namespace(_))) {
            o.metadata_mut().namespace = Some(ns.clone());
        }
    }
    // What the API server would refuse is refused here, before anything is written.
    crate::rules::check(&objects)?;
    Ok(Manifests { objects, warnings })
}

/// Like [`convert`], but any warning is an error ([`ExportError::Strict`]).
pub fn convert_strict(project: &Project, options: &ExportOptions) -> Result<Manifests, ExportError> {
    let m = convert(project, options)?;
    if m.warnings.is_empty() { Ok(m) } else { Err(ExportError::Strict(m.warnings)) }
}

fn project_level_warnings(project: &Project, warnings: &mut Vec<ExportWarning>) {
    for (name, n) in &project.networks {
        let custom = n.driver.is_some() || n.internal == Some(true) || n.ipam.is_some() || n.external == Some(true);
        if custom {
            warnings.push(ExportWarning {
                service: None,
                field: format!("networks.{name}"),
                message: "network settings are not converted: every pod shares the cluster network; use \
                          NetworkPolicies to isolate"
                    .into(),
            });
        }
    }
    for (name, v) in &project.volumes {
        if v.external == Some(true) {
            warnings.push(ExportWarning {
                service: None,
                field: format!("volumes.{name}"),
                message: "an external volume becomes a new PersistentVolumeClaim; bind it to the existing \
                          PersistentVolume yourself"
                    .into(),
            });
        }
        if v.driver.is_some() || !v.driver_opts.is_empty() {
            warnings.push(ExportWarning {
                service: None,
                field: format!("volumes.{name}.driver"),
                message: "volume drivers are not converted; set a StorageClass with the \
                          kompose.volume.storage-class-name label"
                    .into(),
            });
        }
    }
    for (name, c) in &project.configs {
        if c.external == Some(true) {
            warnings.push(ExportWarning {
                service: None,
                field: format!("configs.{name}"),
                message: "an external config is not converted; create the ConfigMap yourself".into(),
            });
        }
    }
}

/// Objects by kind, for tests and reports.
pub fn count_by_kind(objects: &[Object]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for o in objects {
        *m.entry(o.kind()).or_insert(0) += 1;
    }
    m
}

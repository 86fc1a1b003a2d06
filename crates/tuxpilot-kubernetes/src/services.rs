//! A service's ports: its Services (kompose's naming and types), the Ingress and the
//! HorizontalPodAutoscaler kompose's labels ask for.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{Service as KService, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend, IngressSpec,
    IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tuxpilot_compose::Service;

use crate::model::ExportError;
use crate::report::{Report, selector};

/// A port of a service, from `ports` or `expose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortSpec {
    pub target: u16,
    pub published: Option<u16>,
    /// `TCP`, `UDP`, `SCTP`.
    pub protocol: String,
}

/// `ports` then `expose` (TCP), as kompose reads them.
pub(crate) fn ports(s: &Service, r: &mut Report<'_>) -> Vec<PortSpec> {
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
pub(crate) fn reachable_as(key: &str, s: &Service) -> Option<(String, u16)> {
    let mut silent = Vec::new();
    let mut r = Report::silent(&mut silent);
    let ports = ports(s, &mut r);
    let labels = crate::report::labels_of(&s.labels);
    let name = crate::names::service_name(key);
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
pub(crate) fn services(
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
pub(crate) fn autoscaler(
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

//! One compose service → its workload (Deployment, DaemonSet, StatefulSet, Job, CronJob or
//! Pod), its Service and the ConfigMaps and claims it needs.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment, StatefulSet,
    StatefulSetSpec,
};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, HostAlias, LocalObjectReference, Pod, PodSpec, PodTemplateSpec, Service as KService,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tuxpilot_compose::Service;

use crate::container::{
    args_with_env_refs, dedup_ports, liveness, non_empty, pull_policy, readiness, resources, security,
};
use crate::model::{ExportError, ExportWarning, Object};
use crate::names::{container_name, is_dns_label, service_name};
use crate::report::{Ctx, Report, labels_of, selector};
use crate::{objects, services};

/// A service converted.
pub(crate) struct Converted {
    pub services: Vec<KService>,
    pub workload: Object,
    pub extra: Vec<Object>,
}

/// Which controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Controller {
    Deployment,
    DaemonSet,
    StatefulSet,
    Job,
    CronJob,
    Pod,
}

pub(crate) fn service(
    ctx: &Ctx<'_>,
    key: &str,
    s: &Service,
    warnings: &mut Vec<ExportWarning>,
) -> Result<Converted, ExportError> {
    let name = service_name(key);
    if !is_dns_label(&name) {
        return Err(ExportError::Invalid {
            field: format!("services.{key}"),
            message: format!(
                "{name:?} cannot name Kubernetes objects: rename the service to at most 63 lower-case letters, \
                 digits and '-', starting with a letter"
            ),
        });
    }
    let mut report = Report { service: name.clone(), key: key.to_string(), warnings };
    let labels = labels_of(&s.labels);
    let mut extra = Vec::new();

    let image = match (&s.image, &s.build) {
        (Some(i), Some(_)) => {
            report.warn("build", format!("build is not converted: push {i} to a registry the cluster pulls from"));
            i.clone()
        }
        (Some(i), None) => i.clone(),
        (None, _) => {
            report.warn("image", format!("no image: the pod uses image {name:?}; build and push it, then set image:"));
            name.clone()
        }
    };
    let (env, env_from, env_maps) = objects::environment(ctx, key, &name, s, &mut report)?;
    extra.extend(env_maps.into_iter().map(Object::ConfigMap));
    let ports = services::ports(s, &mut report);
    let mounts = objects::volumes(ctx, key, &name, s, &mut report)?;
    extra.extend(mounts.objects);

    let mut container = Container {
        name: container_name(s.container_name.as_deref().unwrap_or(&name)),
        image: Some(image),
        env: non_empty(env),
        env_from: non_empty(env_from),
        command: s.entrypoint.clone().filter(|c| !c.is_empty()),
        args: s.command.clone().filter(|c| !c.is_empty()).map(|a| args_with_env_refs(a, s)),
        working_dir: s.working_dir.clone(),
        ports: non_empty(
            dedup_ports(&ports)
                .iter()
                .map(|p| ContainerPort {
                    container_port: i32::from(p.target),
                    protocol: Some(p.protocol.clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        stdin: s.stdin_open.filter(|b| *b),
        tty: s.tty.filter(|b| *b),
        volume_mounts: non_empty(mounts.mounts),
        image_pull_policy: pull_policy(s, &labels, &mut report),
        ..Default::default()
    };
    container.liveness_probe = liveness(s.healthcheck.as_ref(), &labels, &mut report)?;
    container.readiness_probe = readiness(&labels, &mut report)?;
    container.resources = resources(s, &mut report);
    let (security, pod_security) = security(s, &mut report);
    container.security_context = security;

    let controller = controller(s, &labels, &mut report)?;
    let restart = match controller {
        Controller::Pod | Controller::CronJob | Controller::Job => {
            if restart_of(s) == "on-failure" {
                "OnFailure"
            } else {
                "Never"
            }
        }
        _ => "Always",
    };
    let mut pod = PodSpec {
        containers: vec![container],
        restart_policy: Some(restart.into()),
        volumes: non_empty(mounts.volumes),
        security_context: pod_security,
        hostname: s.hostname.clone(),
        subdomain: s.domainname.clone(),
        termination_grace_period_seconds: s.stop_grace_period.map(|d| d.0.as_secs() as i64),
        host_aliases: host_aliases(&s.extra_hosts, &mut report),
        service_account_name: labels.get("kompose.serviceaccount-name").cloned(),
        image_pull_secrets: labels
            .get("kompose.image-pull-secret")
            .map(|n| vec![LocalObjectReference { name: n.clone() }]),
        ..Default::default()
    };
    let mut init = wait_for_dependencies(ctx, s, &mut report);
    init.extend(init_container_label(&labels));
    pod.init_containers = non_empty(init);
    unsupported(s, &mut report);

    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(selector(&name)),
            annotations: (!labels.is_empty()).then(|| labels.clone()),
            ..Default::default()
        }),
        spec: Some(pod.clone()),
    };
    let mut meta_labels = selector(&name);
    if let Some(d) = &s.deploy {
        meta_labels.extend(labels_of(&d.labels));
    }
    let meta = ObjectMeta {
        name: Some(name.clone()),
        labels: Some(meta_labels),
        annotations: (!labels.is_empty()).then(|| labels.clone()),
        ..Default::default()
    };
    let replicas = replicas(s, &mut report);
    let match_labels = LabelSelector { match_labels: Some(selector(&name)), ..Default::default() };
    let workload = match controller {
        Controller::Deployment => Object::Deployment(Deployment {
            metadata: meta,
            spec: Some(DeploymentSpec {
                replicas: Some(replicas),
                selector: match_labels,
                strategy: strategy(s, &mut report),
                template,
                ..Default::default()
            }),
            ..Default::default()
        }),
        Controller::DaemonSet => Object::DaemonSet(DaemonSet {
            metadata: meta,
            spec: Some(DaemonSetSpec { selector: match_labels, template, ..Default::default() }),
            ..Default::default()
        }),
        Controller::StatefulSet => Object::StatefulSet(StatefulSet {
            metadata: meta,
            spec: Some(StatefulSetSpec {
                replicas: Some(replicas),
                selector: match_labels,
                service_name: Some(name.clone()),
                template,
                ..Default::default()
            }),
            ..Default::default()
        }),
        Controller::Job => Object::Job(Job {
            metadata: meta,
            spec: Some(JobSpec {
                completions: (s.deploy.as_ref().and_then(|d| d.mode.as_deref()) != Some("global-job"))
                    .then_some(replicas),
                parallelism: Some(replicas),
                backoff_limit: backoff_limit(s, &labels),
                template,
                ..Default::default()
            }),
            ..Default::default()
        }),
        Controller::CronJob => {
            let schedule = labels.get("kompose.cronjob.schedule").cloned().unwrap_or_default();
            Object::CronJob(CronJob {
                metadata: meta,
                spec: Some(CronJobSpec {
                    schedule,
                    concurrency_policy: labels.get("kompose.cronjob.concurrency_policy").cloned(),
                    job_template: JobTemplateSpec {
                        metadata: None,
                        spec: Some(JobSpec {
                            backoff_limit: backoff_limit(s, &labels),
                            template,
                            ..Default::default()
                        }),
                    },
                    ..Default::default()
                }),
                ..Default::default()
            })
        }
        Controller::Pod => Object::Pod(Pod {
            metadata: ObjectMeta { labels: Some(selector(&name)), ..meta },
            spec: Some(pod),
            ..Default::default()
        }),
    };
    let (services, ingress) = services::services(&name, &labels, s, &ports, &mut report)?;
    extra.extend(ingress.map(Object::Ingress));
    if let Some(kind) = match &workload {
        Object::Deployment(_) => Some("Deployment"),
        Object::StatefulSet(_) => Some("StatefulSet"),
        _ => None,
    } {
        extra.extend(services::autoscaler(&name, kind, &labels, &mut report).map(Object::HorizontalPodAutoscaler));
    }
    Ok(Converted { services, workload, extra })
}

fn restart_of(s: &Service) -> String {
    let condition = s.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()).and_then(|r| r.condition.clone());
    match condition.or_else(|| s.restart.clone()).unwrap_or_default().as_str() {
        "none" | "no" => "no".into(),
        "on-failure" => "on-failure".into(),
        r if r.starts_with("on-failure:") => "on-failure".into(),
        "any" | "always" | "unless-stopped" => "always".into(),
        _ => String::new(),
    }
}

fn controller(s: &Service, labels: &BTreeMap<String, String>, r: &mut Report<'_>) -> Result<Controller, ExportError> {
    let mode = s.deploy.as_ref().and_then(|d| d.mode.as_deref()).unwrap_or("replicated");
    if let Some(t) = labels.get("kompose.controller.type") {
        return match t.to_ascii_lowercase().as_str() {
            "deployment" => Ok(Controller::Deployment),
            "daemonset" => Ok(Controller::DaemonSet),
            "statefulset" => Ok(Controller::StatefulSet),
            other => Err(ExportError::Invalid {
                field: format!("services.{}.labels.kompose.controller.type", r.key),
                message: format!("unknown controller {other:?}: use deployment, daemonset or statefulset"),
            }),
        };
    }
    if matches!(mode, "replicated-job" | "global-job") {
        return Ok(Controller::Job);
    }
    let restart = restart_of(s);
    if restart == "no" || restart == "on-failure" {
        if labels.contains_key("kompose.cronjob.schedule") {
            return Ok(Controller::CronJob);
        }
        return Ok(Controller::Pod);
    }
    if labels.contains_key("kompose.cronjob.schedule") {
        r.warn("labels.kompose.cronjob.schedule", "a CronJob needs restart: no or on-failure; a Deployment is made");
    }
    Ok(if mode == "global" { Controller::DaemonSet } else { Controller::Deployment })
}

fn backoff_limit(s: &Service, labels: &BTreeMap<String, String>) -> Option<i32> {
    labels
        .get("kompose.cronjob.backoff_limit")
        .and_then(|v| v.parse().ok())
        .or_else(|| s.restart.as_deref().and_then(|r| r.strip_prefix("on-failure:")).and_then(|n| n.parse().ok()))
        .or_else(|| {
            s.deploy
                .as_ref()
                .and_then(|d| d.restart_policy.as_ref())
                .and_then(|p| p.max_attempts)
                .and_then(|n| i32::try_from(n).ok())
        })
}

fn replicas(s: &Service, r: &mut Report<'_>) -> i32 {
    let n = s.deploy.as_ref().and_then(|d| d.replicas).or(s.scale).unwrap_or(1);
    i32::try_from(n).unwrap_or_else(|_| {
        r.warn("deploy.replicas", format!("{n} replicas is out of range; 1 is used"));
        1
    })
}

/// `update_config.order` → the rolling update as kompose maps it; Recreate when the service has
/// volumes (a ReadWriteOnce claim cannot be mounted by old and new pods at once), as kompose does.
fn strategy(s: &Service, r: &mut Report<'_>) -> Option<DeploymentStrategy> {
    if !s.volumes.is_empty() {
        return Some(DeploymentStrategy { type_: Some("Recreate".into()), rolling_update: None });
    }
    let u = s.deploy.as_ref().and_then(|d| d.update_config.as_ref())?;
    let p = u.parallelism.and_then(|p| i32::try_from(p).ok()).map(IntOrString::Int);
    if u.delay.is_some() || u.monitor.is_some() || u.failure_action.is_some() || u.max_failure_ratio.is_some() {
        r.warn(
            "deploy.update_config",
            "delay, monitor, failure_action and max_failure_ratio are not converted (a Deployment has \
             minReadySeconds and progressDeadlineSeconds instead)",
        );
    }
    let update = match u.order.as_deref() {
        Some("stop-first") => RollingUpdateDeployment { max_unavailable: p, max_surge: Some(IntOrString::Int(0)) },
        Some("start-first") => RollingUpdateDeployment { max_surge: p, max_unavailable: Some(IntOrString::Int(0)) },
        _ => return None,
    };
    Some(DeploymentStrategy { type_: Some("RollingUpdate".into()), rolling_update: Some(update) })
}

fn host_aliases(extra_hosts: &[String], r: &mut Report<'_>) -> Option<Vec<HostAlias>> {
    let mut by_ip: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for h in extra_hosts {
        let split = h.split_once('=').or_else(|| h.split_once(':'));
        match split {
            Some((host, ip)) if ip != "host-gateway" => by_ip.entry(ip.to_string()).or_default().push(host.to_string()),
            _ => r.warn("extra_hosts", format!("{h:?} is not converted (host-gateway has no Kubernetes equivalent)")),
        }
    }
    non_empty(by_ip.into_iter().map(|(ip, hostnames)| HostAlias { ip, hostnames: Some(hostnames) }).collect())
}

/// `depends_on` → one init container per dependency that waits until its Service accepts
/// connections (kompose drops `depends_on`).
fn wait_for_dependencies(ctx: &Ctx<'_>, s: &Service, r: &mut Report<'_>) -> Vec<Container> {
    let mut out = Vec::new();
    for (dep, d) in &s.depends_on {
        let Some(target) = ctx.project.services.get(dep) else { continue };
        if d.condition == "service_completed_successfully" {
            r.warn(
                &format!("depends_on.{dep}"),
                "waiting for a one-shot service to finish is not converted; run it as a Job before applying",
            );
            continue;
        }
        let Some((host, port)) = services::reachable_as(dep, target) else {
            r.warn(
                &format!("depends_on.{dep}"),
                format!("{dep} has no ports, so no Service to wait for: give it ports or expose"),
            );
            continue;
        };
        out.push(Container {
            name: format!("wait-for-{}", service_name(dep)),
            image: Some(ctx.options.wait_image.clone()),
            command: Some(vec![
                "sh".into(),
                "-c".into(),
                format!("until nc -z -w 2 {host} {port}; do echo waiting for {host}:{port}; sleep 2; done"),
            ]),
            ..Default::default()
        });
    }
    out
}

/// kompose's `kompose.init.containers.{name,image,command}` labels.
fn init_container_label(labels: &BTreeMap<String, String>) -> Option<Container> {
    let image = labels.get("kompose.init.containers.image")?;
    let command = labels.get("kompose.init.containers.command").map(|c| {
        serde_json::from_str::<Vec<String>>(c)
            .unwrap_or_else(|_| shell_words::split(c).unwrap_or_else(|_| vec![c.clone()]))
    });
    Some(Container {
        name: labels.get("kompose.init.containers.name").cloned().unwrap_or_else(|| "init".into()),
        image: Some(image.clone()),
        command,
        ..Default::default()
    })
}

/// Keys with no Kubernetes conversion, reported.
fn unsupported(s: &Service, r: &mut Report<'_>) {
    let mut note = |set: bool, field: &str, why: &str| {
        if set {
            r.warn(field, why.to_string());
        }
    };
    note(!s.devices.is_empty(), "devices", "devices are not converted (use a device plugin)");
    note(s.gpus.is_some(), "gpus", "GPUs are not converted (request nvidia.com/gpu through a device plugin)");
    note(
        !s.dns.is_empty() || !s.dns_search.is_empty() || !s.dns_opt.is_empty(),
        "dns",
        "DNS settings are not converted (pod dnsConfig)",
    );
    note(
        s.network_mode.as_deref().is_some_and(|m| !m.starts_with("service:")),
        "network_mode",
        "network_mode is not converted: each pod has its own network",
    );
    note(
        s.networks.len() > 1 || s.networks.values().flatten().any(|n| !n.aliases.is_empty()),
        "networks",
        "several networks and aliases are not converted: pods reach each other through Services",
    );
    note(s.pid.is_some(), "pid", "pid is not converted");
    note(s.ipc.is_some(), "ipc", "ipc is not converted");
    note(!s.ulimits.is_empty(), "ulimits", "ulimits are not converted");
    note(
        !s.sysctls.is_empty(),
        "sysctls",
        "sysctls are not converted (pod securityContext.sysctls needs them allowed)",
    );
    note(!s.security_opt.is_empty(), "security_opt", "security_opt is not converted");
    note(s.logging.is_some(), "logging", "logging is not converted: the cluster collects container output");
    note(!s.volumes_from.is_empty(), "volumes_from", "volumes_from is not converted");
    note(
        s.shm_size.is_some(),
        "shm_size",
        "shm_size is not converted (mount an emptyDir with medium Memory on /dev/shm)",
    );
    note(s.init == Some(true), "init", "init is not converted (use shareProcessNamespace or an init in the image)");
    note(s.runtime.is_some(), "runtime", "runtime is not converted (use a RuntimeClass)");
    note(s.cgroup_parent.is_some(), "cgroup_parent", "cgroup_parent is not converted");
    note(!s.external_links.is_empty(), "external_links", "external_links are not converted");
    note(s.stop_signal.is_some(), "stop_signal", "stop_signal is not converted (Kubernetes sends SIGTERM)");
    note(
        s.deploy
            .as_ref()
            .and_then(|d| d.placement.as_ref())
            .is_some_and(|p| !p.constraints.is_empty() || !p.preferences.is_empty()),
        "deploy.placement",
        "placement is not converted (use nodeSelector or affinity)",
    );
    note(
        s.deploy.as_ref().is_some_and(|d| d.rollback_config.is_some()),
        "deploy.rollback_config",
        "rollback_config is not converted (kubectl rollout undo)",
    );
    note(
        s.post_start.is_some() || s.pre_stop.is_some() || s.pre_start.is_some() || s.post_stop.is_some(),
        "post_start",
        "lifecycle hooks are not converted",
    );
    note(s.provider.is_some(), "provider", "provider services are not converted");
}

//! [`Swarm`] over bollard: the swarm, nodes, services, tasks, secrets and configs (their
//! conversions are in `convert_swarm.rs`, next to the others).

use std::collections::BTreeMap;

use bollard::models as bm;
use bollard::query_parameters as qp;

use super::convert::filters;
use super::convert_swarm::{btree, hash, node_from, service_from, service_spec_to, task_from};
use super::errors::Ctx;
use super::{BollardEngine, log_chunk, logs_options};
use crate::error::{EngineError, ResourceKind, Result};
use crate::swarm::Swarm;
use crate::types::EngineStream;
use crate::types::*;

/// Writes retried after "update out of sequence".
const SEQUENCE_RETRIES: usize = 5;

fn is_out_of_sequence(e: &EngineError) -> bool {
    matches!(e, EngineError::Daemon { message, .. } if message.contains("out of sequence"))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = B64.iter().position(|x| *x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[async_trait::async_trait]
impl Swarm for BollardEngine {
    async fn swarm_init(&self, init: SwarmInit) -> Result<String> {
        let req = bm::SwarmInitRequest {
            listen_addr: Some(init.listen_addr.unwrap_or_else(|| "0.0.0.0:2377".into())),
            advertise_addr: init.advertise_addr,
            ..Default::default()
        };
        self.docker.init_swarm(req).await.map_err(|e| self.map_err(e, &Ctx::new("swarm init", ResourceKind::Swarm, "")))
    }

    async fn swarm_join(&self, join: SwarmJoin) -> Result<()> {
        let req = bm::SwarmJoinRequest {
            listen_addr: Some(join.listen_addr.unwrap_or_else(|| "0.0.0.0:2377".into())),
            advertise_addr: join.advertise_addr,
            data_path_addr: None,
            remote_addrs: Some(join.remote_addrs),
            join_token: Some(join.join_token),
        };
        self.docker.join_swarm(req).await.map_err(|e| self.map_err(e, &Ctx::new("swarm join", ResourceKind::Swarm, "")))
    }

    async fn swarm_inspect(&self) -> Result<SwarmInfo> {
        let s = self
            .docker
            .inspect_swarm()
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("swarm inspect", ResourceKind::Swarm, "")))?;
        let tokens = s.join_tokens.unwrap_or_default();
        Ok(SwarmInfo {
            id: s.id.unwrap_or_default(),
            worker_token: tokens.worker.unwrap_or_default(),
            manager_token: tokens.manager.unwrap_or_default(),
        })
    }

    async fn swarm_leave(&self, force: bool) -> Result<()> {
        self.docker
            .leave_swarm(Some(qp::LeaveSwarmOptions { force }))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("swarm leave", ResourceKind::Swarm, "")))
    }

    async fn list_nodes(&self) -> Result<Vec<NodeInfo>> {
        let nodes = self
            .docker
            .list_nodes(None::<qp::ListNodesOptions>)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list nodes", ResourceKind::Node, "")))?;
        Ok(nodes.into_iter().map(node_from).collect())
    }

    async fn inspect_node(&self, id: &str) -> Result<NodeInfo> {
        let n = self
            .docker
            .inspect_node(id)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("inspect node", ResourceKind::Node, id)))?;
        Ok(node_from(n))
    }

    async fn set_node_availability(&self, id: &str, availability: NodeAvailability) -> Result<()> {
        let wanted = match availability {
            NodeAvailability::Active => bm::NodeSpecAvailabilityEnum::ACTIVE,
            NodeAvailability::Pause => bm::NodeSpecAvailabilityEnum::PAUSE,
            NodeAvailability::Drain => bm::NodeSpecAvailabilityEnum::DRAIN,
        };
        in_sequence("update node", || async {
            let n = self
                .docker
                .inspect_node(id)
                .await
                .map_err(|e| self.map_err(e, &Ctx::new("inspect node", ResourceKind::Node, id)))?;
            let version = n.version.as_ref().and_then(|v| v.index).unwrap_or(0);
            let spec = bm::NodeSpec { availability: Some(wanted), ..n.spec.unwrap_or_default() };
            let node_id = n.id.unwrap_or_else(|| id.to_string());
            self.docker
                .update_node(&node_id, spec, qp::UpdateNodeOptions { version: i64::try_from(version).unwrap_or(0) })
                .await
                .map_err(|e| self.map_err(e, &Ctx::new("update node", ResourceKind::Node, id)))
        })
        .await
    }

    async fn create_service(&self, spec: ServiceSpec) -> Result<String> {
        let name = spec.name.clone();
        let r = self
            .docker
            .create_service(service_spec_to(&spec), None)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("create service", ResourceKind::Service, &name)))?;
        Ok(r.id.unwrap_or_default())
    }

    async fn inspect_service(&self, id: &str) -> Result<ServiceInfo> {
        let s = self
            .docker
            .inspect_service(id, None::<qp::InspectServiceOptions>)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("inspect service", ResourceKind::Service, id)))?;
        Ok(service_from(s))
    }

    async fn update_service(&self, id: &str, spec: ServiceSpec) -> Result<()> {
        self.write_service(id, Some(spec)).await
    }

    async fn rollback_service(&self, id: &str) -> Result<()> {
        self.write_service(id, None).await
    }

    async fn list_services(&self, f: Filters) -> Result<Vec<ServiceInfo>> {
        let list = self
            .docker
            .list_services(Some(qp::ListServicesOptions { filters: filters(&f), status: None }))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list services", ResourceKind::Service, "")))?;
        Ok(list.into_iter().map(service_from).collect())
    }

    async fn remove_service(&self, id: &str) -> Result<()> {
        self.docker
            .delete_service(id)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("remove service", ResourceKind::Service, id)))
    }

    fn service_logs(&self, id: &str, options: LogOptions) -> EngineStream<LogChunk> {
        let opts = logs_options(&options);
        let timestamps = options.timestamps;
        self.stream(
            self.docker.service_logs(id, Some(opts)),
            ("service logs", ResourceKind::Service, id.to_string()),
            move |out| Some(log_chunk(out, timestamps)),
        )
    }

    async fn list_tasks(&self, f: Filters) -> Result<Vec<TaskInfo>> {
        // A 404 here is about the service filtered on: it is gone.
        let service = f.0.get("service").and_then(|v| v.first()).cloned().unwrap_or_default();
        let kind = if service.is_empty() { ResourceKind::Task } else { ResourceKind::Service };
        let list = self
            .docker
            .list_tasks(Some(qp::ListTasksOptions { filters: filters(&f) }))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list tasks", kind, &service)))?;
        Ok(list.into_iter().map(task_from).collect())
    }

    async fn create_secret(&self, name: &str, labels: BTreeMap<String, String>, data: Vec<u8>) -> Result<String> {
        let spec = bm::SecretSpec {
            name: Some(name.into()),
            labels: hash(&labels),
            data: Some(b64_encode(&data)),
            ..Default::default()
        };
        let r = self
            .docker
            .create_secret(spec)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("create secret", ResourceKind::Secret, name)))?;
        Ok(r.id)
    }

    async fn list_secrets(&self, f: Filters) -> Result<Vec<SwarmObject>> {
        let list = self
            .docker
            .list_secrets(Some(qp::ListSecretsOptions { filters: filters(&f) }))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list secrets", ResourceKind::Secret, "")))?;
        Ok(list
            .into_iter()
            .map(|s| {
                let spec = s.spec.unwrap_or_default();
                SwarmObject {
                    id: s.id.unwrap_or_default(),
                    name: spec.name.unwrap_or_default(),
                    labels: btree(spec.labels),
                    data: None,
                }
            })
            .collect())
    }

    async fn remove_secret(&self, id: &str) -> Result<()> {
        self.docker
            .delete_secret(id)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("remove secret", ResourceKind::Secret, id)))
    }

    async fn create_config(&self, name: &str, labels: BTreeMap<String, String>, data: Vec<u8>) -> Result<String> {
        let spec = bm::ConfigSpec {
            name: Some(name.into()),
            labels: hash(&labels),
            data: Some(b64_encode(&data)),
            templating: None,
        };
        let r = self
            .docker
            .create_config(spec)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("create config", ResourceKind::Config, name)))?;
        Ok(r.id)
    }

    async fn list_configs(&self, f: Filters) -> Result<Vec<SwarmObject>> {
        let list = self
            .docker
            .list_configs(Some(qp::ListConfigsOptions { filters: filters(&f) }))
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("list configs", ResourceKind::Config, "")))?;
        Ok(list
            .into_iter()
            .map(|c| {
                let spec = c.spec.unwrap_or_default();
                SwarmObject {
                    id: c.id.unwrap_or_default(),
                    name: spec.name.unwrap_or_default(),
                    labels: btree(spec.labels),
                    data: spec.data.as_deref().and_then(b64_decode),
                }
            })
            .collect())
    }

    async fn remove_config(&self, id: &str) -> Result<()> {
        self.docker
            .delete_config(id)
            .await
            .map_err(|e| self.map_err(e, &Ctx::new("remove config", ResourceKind::Config, id)))
    }
}

impl BollardEngine {
    /// Inspect, then update with the version read (a new spec, or `rollback=previous`),
    /// retried when someone else wrote in between.
    async fn write_service(&self, id: &str, spec: Option<ServiceSpec>) -> Result<()> {
        in_sequence("update service", || async {
            let current = self
                .docker
                .inspect_service(id, None::<qp::InspectServiceOptions>)
                .await
                .map_err(|e| self.map_err(e, &Ctx::new("inspect service", ResourceKind::Service, id)))?;
            let version = current.version.as_ref().and_then(|v| v.index).unwrap_or(0);
            let service_id = current.id.clone().unwrap_or_else(|| id.to_string());
            let (body, rollback) = match &spec {
                Some(s) => (service_spec_to(s), None),
                None => (current.spec.clone().unwrap_or_default(), Some("previous".to_string())),
            };
            let options = qp::UpdateServiceOptions {
                version: i32::try_from(version).unwrap_or(i32::MAX),
                rollback,
                ..Default::default()
            };
            self.docker
                .update_service(&service_id, body, options, None)
                .await
                .map(|_| ())
                .map_err(|e| self.map_err(e, &Ctx::new("update service", ResourceKind::Service, id)))
        })
        .await
    }
}

/// Runs a read-then-write again while the engine answers "update out of sequence" (another
/// writer got in between), [`SEQUENCE_RETRIES`] times at most.
async fn in_sequence<F, Fut>(operation: &str, mut attempt: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut last = None;
    for _ in 0..SEQUENCE_RETRIES {
        match attempt().await {
            Ok(()) => return Ok(()),
            Err(e) if is_out_of_sequence(&e) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last
        .unwrap_or_else(|| EngineError::Protocol { operation: operation.into(), message: "no attempt made".into() }))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::bollard_engine::convert_swarm::service_spec_from;

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"hello, swarm\n\x00\xff"] {
            assert_eq!(b64_decode(&b64_encode(data)).as_deref(), Some(data));
        }
        assert_eq!(b64_encode(b"hello"), "aGVsbG8=");
    }

    #[test]
    fn a_spec_survives_the_round_trip_through_the_engine_types() {
        let mut s = ServiceSpec::new("shop_web", "nginx:1.27");
        s.labels.insert("com.docker.stack.namespace".into(), "shop".into());
        s.command = Some(vec!["httpd".into(), "-f".into()]);
        s.env = vec!["A=1".into()];
        s.replicas = Some(3);
        s.networks = vec![("shop_default".into(), vec!["web".into()])];
        s.endpoint_mode = EndpointMode::Dnsrr;
        s.ports =
            vec![ServicePort { target: 80, published: Some(8080), protocol: "tcp".into(), mode: PublishMode::Host }];
        s.update_config = Some(SwarmUpdateConfig {
            parallelism: 1,
            delay: Duration::from_secs(1),
            failure_action: SwarmFailureAction::Rollback,
            monitor: Duration::from_secs(10),
            max_failure_ratio: 0.0,
            order: SwarmUpdateOrder::StartFirst,
        });
        s.constraints = vec!["node.role == worker".into()];
        s.preferences = vec!["node.labels.zone".into()];
        s.max_replicas_per_node = 2;
        s.nano_cpus = Some(500_000_000);
        s.memory_bytes = Some(64 << 20);
        s.restart_condition = Some("on-failure".into());
        s.health_check = Some(SwarmHealthCheck {
            test: vec!["CMD-SHELL".into(), "true".into()],
            interval: Some(Duration::from_secs(1)),
            timeout: None,
            retries: Some(3),
            start_period: None,
        });
        assert_eq!(service_spec_from(service_spec_to(&s)), s);
    }
}

//! Containers as the API spells them: read whole and created again, so a container can be
//! recreated with every setting the engine knows (an image update keeps what the user set).

use std::collections::BTreeMap;

use bollard::Docker;
use bollard::models as bm;
use bollard::query_parameters as qp;
use serde_json::{Map, Value};

use crate::types::{ContainerBlueprint, CreatedContainer};

/// What went wrong: the engine's answer, or JSON that does not fit the API's types.
pub(super) enum Failure {
    Api(bollard::errors::Error),
    Shape(String),
}

fn shape(e: serde_json::Error) -> Failure {
    Failure::Shape(e.to_string())
}

/// Inspects `id` into a blueprint.
pub(super) async fn read(docker: &Docker, id: &str) -> Result<ContainerBlueprint, Failure> {
    let c = docker.inspect_container(id, None::<qp::InspectContainerOptions>).await.map_err(Failure::Api)?;
    let networks = c
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| serde_json::to_value(v).map(|v| (k, v)))
        .collect::<Result<BTreeMap<_, _>, _>>()
        .map_err(shape)?;
    Ok(ContainerBlueprint {
        name: c.name.unwrap_or_default().trim_start_matches('/').to_string(),
        config: serde_json::to_value(c.config.unwrap_or_default()).map_err(shape)?,
        host_config: serde_json::to_value(c.host_config.unwrap_or_default()).map_err(shape)?,
        networks,
    })
}

/// The settings of an endpoint that a create or connect takes (not what the engine assigned).
fn endpoint(settings: &Value) -> Value {
    let mut out = Map::new();
    for key in ["IPAMConfig", "Links", "Aliases", "DriverOpts"] {
        if let Some(v) = settings.get(key).filter(|v| !v.is_null()) {
            out.insert(key.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// The network the container is created on (its `NetworkMode`), when it is a network.
fn primary(blueprint: &ContainerBlueprint) -> Option<String> {
    let mode = blueprint.host_config.get("NetworkMode").and_then(Value::as_str).unwrap_or("default");
    match mode {
        "host" | "none" | "" => None,
        m if m.starts_with("container:") => None,
        "default" => Some("bridge".to_string()),
        m => Some(m.to_string()),
    }
}

/// Creates `name` from `blueprint`, then connects its other networks; a failed connect removes
/// the new container again.
pub(super) async fn create(
    docker: &Docker,
    name: &str,
    blueprint: &ContainerBlueprint,
) -> Result<CreatedContainer, Failure> {
    let mut body = match &blueprint.config {
        Value::Object(m) => m.clone(),
        _ => return Err(Failure::Shape("the container's Config is not an object".into())),
    };
    body.insert("HostConfig".into(), blueprint.host_config.clone());
    let primary = primary(blueprint);
    if let Some(net) = &primary
        && let Some(settings) = blueprint.networks.get(net)
    {
        let mut endpoints = Map::new();
        endpoints.insert(net.clone(), endpoint(settings));
        body.insert("NetworkingConfig".into(), serde_json::json!({ "EndpointsConfig": endpoints }));
    }
    let body: bm::ContainerCreateBody = serde_json::from_value(Value::Object(body)).map_err(shape)?;
    let opts = qp::CreateContainerOptions { name: Some(name.to_string()), ..Default::default() };
    let created = docker.create_container(Some(opts), body).await.map_err(Failure::Api)?;
    if primary.is_some() {
        for (net, settings) in &blueprint.networks {
            if Some(net) == primary.as_ref() {
                continue;
            }
            let endpoint_config: bm::EndpointSettings = serde_json::from_value(endpoint(settings)).map_err(shape)?;
            let req =
                bm::NetworkConnectRequest { container: created.id.clone(), endpoint_config: Some(endpoint_config) };
            if let Err(e) = docker.connect_network(net, req).await {
                let rm = qp::RemoveContainerOptions { force: true, v: true, ..Default::default() };
                let _ = docker.remove_container(&created.id, Some(rm)).await;
                return Err(Failure::Api(e));
            }
        }
    }
    Ok(CreatedContainer { id: created.id, warnings: created.warnings })
}

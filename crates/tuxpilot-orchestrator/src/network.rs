//! The app network, made so that a replica can leave DNS without dropping its connections.
//!
//! Disconnecting a container from a network takes it out of DNS and tears down its interface
//! in one step, so a request already on its way to it is lost. Reconnecting it at once, with the
//! same address but without the service alias, keeps it reachable: the request's packets are
//! retransmitted to the same address and finish, while DNS no longer names it. The engine only
//! takes a fixed address on a network whose subnet was given at creation, so the app network is
//! created with the subnet the engine would pick anyway (found with a short-lived probe network).

use std::collections::BTreeMap;

use tuxpilot_compose::runtime::{ComposeRuntime, RunError};
use tuxpilot_docker::{Engine, NetworkAttachment, NetworkSpec};

/// Creates the project network `key` as `up` would, with its subnet fixed.
pub(crate) async fn create(runtime: &ComposeRuntime, key: &str, name: &str) -> Result<(), RunError> {
    let mut spec = runtime.network_spec(key, name);
    let fallback = spec.clone();
    let bridge = spec.driver.as_deref().is_none_or(|d| d == "bridge");
    let mut pinned = false;
    if spec.subnets.is_empty()
        && bridge
        && let Some(subnet) = free_subnet(runtime.engine().as_ref(), name).await
    {
        spec.subnets = vec![subnet];
        pinned = true;
    }
    runtime.emit("Network", name, "Creating", None, None);
    match runtime.engine().create_network(spec).await {
        Ok(_) => {}
        // Another deploy made it meanwhile.
        Err(e) if e.is_conflict() => {}
        // Someone took the subnet between the probe and now: let the engine choose.
        Err(e) if pinned => {
            tracing::debug!(network = name, error = %e, "pinned subnet refused; the engine chooses");
            match runtime.engine().create_network(fallback).await {
                Ok(_) => {}
                Err(e) if e.is_conflict() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    }
    runtime.emit("Network", name, "Created", None, None);
    Ok(())
}

/// The IPv4 subnet the engine gives a new bridge network now, found by making and removing one.
async fn free_subnet(engine: &dyn Engine, name: &str) -> Option<String> {
    let probe = format!("{name}-tp-subnet-probe");
    // A probe left by a killed deploy.
    let _ = engine.remove_network(&probe).await;
    let spec = NetworkSpec {
        name: probe.clone(),
        labels: BTreeMap::from([("io.tuxpilot.probe".to_string(), "subnet".to_string())]),
        ..Default::default()
    };
    let id = engine.create_network(spec).await.ok()?;
    let info = engine.inspect_network(&id).await;
    if let Err(e) = engine.remove_network(&id).await {
        tracing::debug!(network = %probe, error = %e, "cannot remove the subnet probe");
    }
    info.ok()?.subnets.into_iter().find(|s| s.contains('.'))
}

/// Takes `container` off `network`'s DNS: disconnects it and, when it had an address there,
/// connects it again at that address without aliases, so requests in flight to it finish.
/// On a network whose subnet the engine chose, the reconnect is refused and the container
/// simply leaves the network (what every earlier version did).
pub(crate) async fn leave_dns(engine: &dyn Engine, container: &str, network: &str, address: Option<String>) {
    if let Err(e) = engine.disconnect_network(network, container, false).await {
        tracing::debug!(container, network, error = %e, "disconnect failed");
        return;
    }
    let Some(ip) = address.filter(|a| !a.is_empty()) else { return };
    let back = NetworkAttachment {
        network: network.to_string(),
        aliases: Vec::new(),
        ipv4_address: Some(ip),
        ipv6_address: None,
    };
    if let Err(e) = engine.connect_network(container, back).await {
        tracing::debug!(container, network, error = %e, "reconnect at the same address refused; left the network");
    }
}

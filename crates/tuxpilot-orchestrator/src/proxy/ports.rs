//! Which published ports TuxPilot's proxy owns (pure): a service's fixed single TCP host ports,
//! unless it has a `container_name`, a `network_mode`, or `tuxpilot.proxy=off`. Their bindings
//! leave the service's containers and are written on it as the label [`PORTS_LABEL`], so the
//! config hash, the containers and `docker inspect` all say the port is managed.

use std::net::{IpAddr, SocketAddr};

use tuxpilot_compose::Project;
use tuxpilot_proxy::routes::Mode;

/// The service label that chooses how its ports are served: `tcp`, `http` or `off`.
pub const MODE_LABEL: &str = "tuxpilot.proxy";
/// The service (and container) label listing its managed ports: `LISTEN=TARGET` joined by `,`
/// (`127.0.0.1:18080=80`).
pub const PORTS_LABEL: &str = "io.tuxpilot.proxy.ports";

/// One managed port of a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ManagedPort {
    /// Service.
    pub service: String,
    /// The host address the proxy listens on.
    pub listen: SocketAddr,
    /// The container port it forwards to.
    pub target: u16,
    /// How.
    pub mode: Mode,
}

fn mode_of(labels: &std::collections::BTreeMap<String, Option<String>>) -> Option<Mode> {
    match labels.get(MODE_LABEL).and_then(|v| v.as_deref()).map(str::trim) {
        Some("off") | Some("none") | Some("false") => None,
        Some("http") => Some(Mode::Http),
        _ => Some(Mode::Tcp),
    }
}

/// The host address a port publishes on: its `host_ip`, or every address, IPv6 and IPv4, as the
/// engine binds it (`[::]`; the proxy falls back to `0.0.0.0` where IPv6 is off).
fn listen(host_ip: Option<&str>, port: u16) -> Option<SocketAddr> {
    let ip: IpAddr = match host_ip.map(|h| h.trim_matches(|c| c == '[' || c == ']')) {
        None | Some("") => IpAddr::from([0u16; 8]),
        Some(h) => h.parse().ok()?,
    };
    Some(SocketAddr::new(ip, port))
}

/// Moves every service's manageable ports from `ports` to [`PORTS_LABEL`]. Idempotent.
pub fn split(mut project: Project) -> Project {
    for s in project.services.values_mut() {
        if s.container_name.is_some() || s.network_mode.is_some() {
            continue;
        }
        if mode_of(&s.labels).is_none() {
            continue;
        }
        let mut managed: Vec<String> = Vec::new();
        s.ports.retain(|p| {
            let single = p.published.as_deref().and_then(|h| h.parse::<u16>().ok()).filter(|h| *h != 0);
            let addr = single.and_then(|h| listen(p.host_ip.as_deref(), h));
            match addr {
                Some(a) if p.protocol.eq_ignore_ascii_case("tcp") => {
                    managed.push(format!("{a}={}", p.target));
                    false
                }
                _ => true,
            }
        });
        if !managed.is_empty() {
            let mut all: Vec<String> = s
                .labels
                .get(PORTS_LABEL)
                .and_then(|v| v.as_deref())
                .map(|v| v.split(',').map(str::to_string).collect())
                .unwrap_or_default();
            all.extend(managed);
            all.sort();
            all.dedup();
            s.labels.insert(PORTS_LABEL.into(), Some(all.join(",")));
        }
    }
    project
}

/// The managed ports of a (split) project.
pub fn managed(project: &Project) -> Vec<ManagedPort> {
    let mut out = Vec::new();
    for (name, s) in &project.services {
        let Some(mode) = mode_of(&s.labels) else { continue };
        let Some(list) = s.labels.get(PORTS_LABEL).and_then(|v| v.as_deref()) else { continue };
        for item in list.split(',') {
            let Some((l, t)) = item.split_once('=') else { continue };
            if let (Ok(listen), Ok(target)) = (l.parse(), t.parse()) {
                out.push(ManagedPort { service: name.clone(), listen, target, mode });
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tuxpilot_compose::{PortConfig, Service};

    fn port(host_ip: Option<&str>, published: Option<&str>, target: u16, protocol: &str) -> PortConfig {
        PortConfig {
            name: None,
            mode: "ingress".into(),
            host_ip: host_ip.map(str::to_string),
            target,
            published: published.map(str::to_string),
            protocol: protocol.into(),
            app_protocol: None,
        }
    }

    fn project(ports: Vec<PortConfig>, f: impl Fn(&mut Service)) -> Project {
        let mut s = Service { image: Some("x".into()), ports, ..Default::default() };
        f(&mut s);
        let mut p = Project { name: "demo".into(), ..Default::default() };
        p.services.insert("web".into(), s);
        p
    }

    #[test]
    fn fixed_tcp_ports_are_managed_and_the_rest_stay() {
        let p = project(
            vec![
                port(Some("127.0.0.1"), Some("18080"), 80, "tcp"),
                port(None, Some("9000"), 9000, "tcp"),
                port(None, Some("53"), 53, "udp"),
                port(None, Some("8080-8082"), 80, "tcp"),
                port(None, None, 81, "tcp"),
                port(Some("::1"), Some("7000"), 70, "tcp"),
            ],
            |_| {},
        );
        let p = split(p);
        let left: Vec<Option<String>> = p.services["web"].ports.iter().map(|p| p.published.clone()).collect();
        assert_eq!(left, vec![Some("53".into()), Some("8080-8082".into()), None]);
        let m: Vec<(String, u16)> = managed(&p).into_iter().map(|m| (m.listen.to_string(), m.target)).collect();
        assert_eq!(m, vec![("127.0.0.1:18080".into(), 80), ("[::]:9000".into(), 9000), ("[::1]:7000".into(), 70)]);
        assert_eq!(split(p.clone()), p, "split twice changes nothing");
    }

    #[test]
    fn container_name_network_mode_and_off_keep_todays_behaviour() {
        for f in [
            (|s: &mut Service| s.container_name = Some("fixed".into())) as fn(&mut Service),
            |s: &mut Service| s.network_mode = Some("host".into()),
            |s: &mut Service| {
                s.labels.insert(MODE_LABEL.into(), Some("off".into()));
            },
        ] {
            let p = split(project(vec![port(None, Some("8080"), 80, "tcp")], f));
            assert_eq!(p.services["web"].ports.len(), 1);
            assert!(managed(&p).is_empty());
        }
    }

    #[test]
    fn the_label_chooses_http() {
        let p = split(project(vec![port(None, Some("8080"), 80, "tcp")], |s| {
            s.labels.insert(MODE_LABEL.into(), Some("http".into()));
        }));
        assert_eq!(managed(&p)[0].mode, Mode::Http);
    }
}

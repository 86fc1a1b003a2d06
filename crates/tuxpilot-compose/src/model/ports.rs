//! `ports:` in short (`"127.0.0.1:8080-8081:80-81/udp"`, `80`) and long syntax.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::de::scalar_to_string;

/// One published or exposed port, canonical long syntax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortConfig {
    /// A name for the port.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub name: Option<String>,
    /// `ingress` (default) or `host`.
    #[serde(default = "ingress")]
    pub mode: String,
    /// Host address to bind.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub host_ip: Option<String>,
    /// Container port.
    #[serde(deserialize_with = "port_number")]
    pub target: u16,
    /// Host port or range (`"8080"`, `"8080-8081"`); absent means the engine picks one.
    #[serde(default, deserialize_with = "crate::de::opt_string", skip_serializing_if = "crate::model::none_or_empty")]
    pub published: Option<String>,
    /// `tcp` (default), `udp`, `sctp`.
    #[serde(default = "tcp")]
    pub protocol: String,
    /// Application protocol (`http`, `grpc`…), informative.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub app_protocol: Option<String>,
}

fn ingress() -> String {
    "ingress".into()
}

fn tcp() -> String {
    "tcp".into()
}

fn port_number<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    let v = Json::deserialize(d)?;
    let s = scalar_to_string(&v).ok_or_else(|| de::Error::custom("must be a port number"))?;
    parse_port(&s).map_err(de::Error::custom)
}

fn parse_port(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(format!("invalid port `{s}`: must be a number from 1 to 65535")),
    }
}

fn parse_range(s: &str) -> Result<(u16, u16), String> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse_port(a)?, parse_port(b)?);
            if b < a {
                return Err(format!("invalid port range `{s}`: it ends before it starts"));
            }
            Ok((a, b))
        }
        None => parse_port(s).map(|p| (p, p)),
    }
}

/// Parses one short-syntax port into one entry per container port.
pub fn parse_short(spec: &str) -> Result<Vec<PortConfig>, String> {
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) => {
            let p = p.to_ascii_lowercase();
            if !["tcp", "udp", "sctp"].contains(&p.as_str()) {
                return Err(format!("invalid protocol `{p}` in port `{spec}`: use tcp, udp or sctp"));
            }
            (r, p)
        }
        None => (spec, "tcp".to_string()),
    };
    let (host_ip, rest) = if let Some(stripped) = rest.strip_prefix('[') {
        let (ip, after) = stripped
            .split_once("]:")
            .ok_or_else(|| format!("invalid port `{spec}`: write IPv6 addresses as [addr]:host:container"))?;
        (Some(ip.to_string()), after)
    } else {
        let colons = rest.matches(':').count();
        match colons {
            0 | 1 => (None, rest),
            2 => {
                let (ip, after) = rest.split_once(':').unwrap_or(("", rest));
                (Some(ip.to_string()), after)
            }
            _ => {
                // An unbracketed IPv6 address: the last two parts are the ports.
                let mut parts = rest.rsplitn(3, ':');
                let container = parts.next().unwrap_or_default();
                let host = parts.next().unwrap_or_default();
                let ip = parts.next().unwrap_or_default();
                return build(spec, Some(ip.to_string()), Some(host), container, &protocol);
            }
        }
    };
    let (host, container) = match rest.rsplit_once(':') {
        Some((h, c)) => (Some(h), c),
        None => (None, rest),
    };
    build(spec, host_ip, host, container, &protocol)
}

fn build(
    spec: &str,
    host_ip: Option<String>,
    host: Option<&str>,
    container: &str,
    protocol: &str,
) -> Result<Vec<PortConfig>, String> {
    let ctx = |e: String| format!("{e} (in `{spec}`)");
    let (c_start, c_end) = parse_range(container).map_err(ctx)?;
    let host = host.filter(|h| !h.is_empty());
    let host_range = host.map(parse_range).transpose().map_err(ctx)?;
    let count = c_end - c_start;
    let host_ip = host_ip.filter(|i| !i.is_empty());
    let mut out = Vec::new();
    for i in 0..=count {
        let published = match host_range {
            None => None,
            // One container port onto a host range: the engine picks within the range.
            Some((hs, he)) if count == 0 && hs != he => Some(format!("{hs}-{he}")),
            Some((hs, he)) if he - hs == count => Some((hs + i).to_string()),
            Some((hs, he)) if hs == he => Some(hs.to_string()),
            Some(_) => return Err(format!("invalid port `{spec}`: host and container ranges differ in length")),
        };
        out.push(PortConfig {
            name: None,
            mode: ingress(),
            host_ip: host_ip.clone(),
            target: c_start + i,
            published,
            protocol: protocol.to_string(),
            app_protocol: None,
        });
    }
    Ok(out)
}

/// Deserializes `ports:` into canonical entries.
pub fn ports<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PortConfig>, D::Error> {
    let items = match Json::deserialize(d)? {
        Json::Null => return Ok(Vec::new()),
        Json::Array(items) => items,
        _ => return Err(de::Error::custom("must be a list")),
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        // "[i] …" lets the loader point at the element (services.web.ports[i]).
        let at = |e: String| de::Error::custom(format!("[{i}] {e}"));
        match item {
            Json::Object(_) => {
                let mut p: PortConfig = serde_json::from_value(item).map_err(|e| at(e.to_string()))?;
                p.protocol = p.protocol.to_ascii_lowercase();
                out.push(p);
            }
            other => {
                let s = scalar_to_string(&other)
                    .ok_or_else(|| at("each port must be a string, number or mapping".into()))?;
                out.extend(parse_short(&s).map_err(at)?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> PortConfig {
        let mut v = parse_short(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.remove(0)
    }

    #[test]
    fn short_forms() {
        let p = one("80");
        assert_eq!((p.target, p.published.as_deref(), p.host_ip.as_deref()), (80, None, None));
        let p = one("8080:80");
        assert_eq!((p.target, p.published.as_deref()), (80, Some("8080")));
        let p = one("127.0.0.1:8080:80/udp");
        assert_eq!((p.host_ip.as_deref(), p.protocol.as_str()), (Some("127.0.0.1"), "udp"));
        let p = one("127.0.0.1::80");
        assert_eq!(p.published, None);
        let p = one("[::1]:6000:6000");
        assert_eq!(p.host_ip.as_deref(), Some("::1"));
        let p = one("9090-9091:8080");
        assert_eq!(p.published.as_deref(), Some("9090-9091"));
        let v = parse_short("3000-3002:4000-4002").unwrap();
        assert_eq!(
            v.iter().map(|p| (p.published.clone().unwrap(), p.target)).collect::<Vec<_>>(),
            vec![("3000".into(), 4000), ("3001".into(), 4001), ("3002".into(), 4002)]
        );
        assert_eq!(parse_short("3000-3001").unwrap().len(), 2);
    }

    #[test]
    fn bad_short_forms() {
        assert!(parse_short("http").unwrap_err().contains("invalid port"));
        assert!(parse_short("70000").is_err());
        assert!(parse_short("80/icmp").unwrap_err().contains("icmp"));
        assert!(parse_short("1-3:1-2").is_err());
        assert!(parse_short("0").is_err());
    }
}

//! A plain container's configuration for its new image (pure): exactly what the user set, and
//! nothing the old image only defaulted. The container's `Env`, `Cmd`, `Entrypoint`, `User`,
//! `WorkingDir`, labels, exposed ports, volumes and health check are diffed against the old
//! image's config, so the new image's defaults apply where the user set nothing (Watchtower's
//! pitfall was to freeze the old image's defaults). Name, binds and mounts, anonymous volumes,
//! networks with their aliases, ports, restart policy, resources and everything else of the
//! `HostConfig` are carried over as they are.

use serde_json::{Map, Value};
use tuxpilot_docker::{ContainerBlueprint, ImageDetails, MountInfo};

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Whether a volume name is one the engine made up (64 hex digits): an anonymous volume.
fn anonymous(name: &str) -> bool {
    name.len() == 64 && name.chars().all(|c| c.is_ascii_hexdigit())
}

/// The blueprint of the container that replaces `old` (whose id is `old_id`, made from
/// `old_image`, with `mounts` as inspected) with `image`.
pub fn for_new_image(
    old: &ContainerBlueprint,
    old_id: &str,
    old_image: &ImageDetails,
    mounts: &[MountInfo],
    image: &str,
) -> ContainerBlueprint {
    let mut config = match &old.config {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    config.insert("Image".into(), Value::String(image.to_string()));
    let env: Vec<Value> =
        strings(config.get("Env")).into_iter().filter(|e| !old_image.env.contains(e)).map(Value::String).collect();
    config.insert("Env".into(), Value::Array(env));
    for (key, default) in [("Cmd", &old_image.cmd), ("Entrypoint", &old_image.entrypoint)] {
        if config.get(key).is_some_and(|v| !v.is_null()) && strings(config.get(key)) == *default {
            config.insert(key.into(), Value::Null);
        }
    }
    for (key, default) in [("User", &old_image.user), ("WorkingDir", &old_image.working_dir)] {
        if config.get(key).and_then(Value::as_str) == Some(default.as_str()) {
            config.insert(key.into(), Value::String(String::new()));
        }
    }
    if let Some(Value::Object(labels)) = config.get_mut("Labels") {
        labels.retain(|k, v| old_image.labels.get(k).map(String::as_str) != v.as_str());
    }
    if let Some(Value::Object(ports)) = config.get_mut("ExposedPorts") {
        let image_ports: Vec<String> = old_image.exposed_ports.iter().map(|p| p.to_string()).collect();
        ports.retain(|k, _| !image_ports.contains(k));
    }
    if let Some(Value::Object(volumes)) = config.get_mut("Volumes") {
        volumes.retain(|k, _| !old_image.volumes.contains(k));
    }
    if let (Some(hc), Some(image_hc)) = (config.get("Healthcheck"), &old_image.healthcheck)
        && strings(hc.get("Test")) == image_hc.test
    {
        config.remove("Healthcheck");
    }
    // The engine's own hostname for the old container is its short id: the new one gets its own.
    let short = &old_id[..old_id.len().min(12)];
    if config.get("Hostname").and_then(Value::as_str) == Some(short) {
        config.remove("Hostname");
    }

    // Anonymous volumes stay with the container, as `docker compose up` keeps them.
    let mut host_config = match &old.host_config {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let mut binds = strings(host_config.get("Binds"));
    let taken: Vec<String> = binds
        .iter()
        .filter_map(|b| b.split(':').nth(1).map(str::to_string))
        .chain(
            host_config
                .get("Mounts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.get("Target").and_then(Value::as_str).map(str::to_string)),
        )
        .collect();
    for m in mounts {
        if m.kind == "volume"
            && let Some(name) = m.name.as_deref().filter(|n| anonymous(n))
            && !taken.contains(&m.destination)
        {
            binds.push(format!("{name}:{}{}", m.destination, if m.rw { "" } else { ":ro" }));
        }
    }
    if !binds.is_empty() {
        host_config.insert("Binds".into(), Value::Array(binds.into_iter().map(Value::String).collect()));
    }

    // Aliases: not the old container's short id; none at all on the default bridge.
    let networks = old
        .networks
        .iter()
        .map(|(name, settings)| {
            let mut s = settings.clone();
            if let Some(obj) = s.as_object_mut() {
                let aliases: Vec<Value> = strings(obj.get("Aliases"))
                    .into_iter()
                    .filter(|a| a != short && !old_id.starts_with(a.as_str()))
                    .map(Value::String)
                    .collect();
                if name == "bridge" || aliases.is_empty() {
                    obj.remove("Aliases");
                } else {
                    obj.insert("Aliases".into(), Value::Array(aliases));
                }
            }
            (name.clone(), s)
        })
        .collect();
    ContainerBlueprint {
        name: old.name.clone(),
        config: Value::Object(config),
        host_config: Value::Object(host_config),
        networks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_the_user_set_stays_and_image_defaults_go() {
        let id = "0123456789ab".to_string() + &"c".repeat(52);
        let old = ContainerBlueprint {
            name: "web".into(),
            config: json!({
                "Image": "reg/app:1", "Hostname": "0123456789ab",
                "Env": ["PATH=/usr/bin", "MODE=prod"], "Cmd": ["serve"], "Entrypoint": ["/init"],
                "User": "app", "WorkingDir": "/srv", "Labels": {"from.image": "x", "mine": "y"},
                "Healthcheck": {"Test": ["CMD", "true"]}
            }),
            host_config: json!({"Binds": ["data:/data"], "RestartPolicy": {"Name": "always"}, "Memory": 1048576}),
            networks: [
                ("bridge".to_string(), json!({"Aliases": null})),
                ("front".to_string(), json!({"Aliases": ["web", "0123456789ab"], "NetworkID": "n1"})),
            ]
            .into_iter()
            .collect(),
        };
        let image = ImageDetails {
            env: vec!["PATH=/usr/bin".into()],
            cmd: vec!["serve".into()],
            entrypoint: vec!["/other".into()],
            user: "root".into(),
            working_dir: "/srv".into(),
            labels: [("from.image".to_string(), "x".to_string())].into_iter().collect(),
            ..Default::default()
        };
        let mounts = vec![
            MountInfo {
                kind: "volume".into(),
                name: Some("data".into()),
                destination: "/data".into(),
                rw: true,
                ..Default::default()
            },
            MountInfo {
                kind: "volume".into(),
                name: Some("f".repeat(64)),
                destination: "/cache".into(),
                rw: true,
                ..Default::default()
            },
        ];
        let new = for_new_image(&old, &id, &image, &mounts, "reg/app:2");
        let c = &new.config;
        assert_eq!(c["Image"], "reg/app:2");
        assert_eq!(c["Env"], json!(["MODE=prod"]));
        assert_eq!(c["Cmd"], Value::Null, "the image's own command gives way to the new image's");
        assert_eq!(c["Entrypoint"], json!(["/init"]), "an entrypoint the user set stays");
        assert_eq!(c["User"], "app");
        assert_eq!(c["WorkingDir"], "");
        assert_eq!(c["Labels"], json!({"mine": "y"}));
        assert!(c.get("Hostname").is_none());
        assert_eq!(c["Healthcheck"]["Test"], json!(["CMD", "true"]));
        assert_eq!(new.host_config["Binds"], json!(["data:/data", format!("{}:/cache", "f".repeat(64))]));
        assert_eq!(new.host_config["RestartPolicy"]["Name"], "always");
        assert_eq!(new.networks["front"]["Aliases"], json!(["web"]));
        assert!(new.networks["bridge"].get("Aliases").is_none());
    }
}

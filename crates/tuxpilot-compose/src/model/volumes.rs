//! Service `volumes:` in short (`./data:/data:ro`, `db:/var/lib/db`, `/anon`) and long syntax.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::de::scalar_to_string;

/// Bind options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindOptions {
    /// Propagation mode.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub propagation: Option<String>,
    /// Create the host path if missing.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::de::opt_bool")]
    pub create_host_path: Option<bool>,
    /// SELinux relabel (`z` or `Z`).
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub selinux: Option<String>,
}

/// Volume options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeOptions {
    /// Do not copy the image's data into a new volume.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::de::opt_bool")]
    pub nocopy: Option<bool>,
    /// Mount a sub-path of the volume.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub subpath: Option<String>,
}

/// tmpfs options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TmpfsOptions {
    /// Size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<crate::de::Bytes>,
    /// File mode.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::de::opt_i64")]
    pub mode: Option<i64>,
}

/// One mount of a service, canonical long syntax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceVolume {
    /// `volume`, `bind`, `tmpfs`, `npipe`, `cluster`, `image`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Volume name or host path; absent for anonymous volumes and tmpfs.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub source: Option<String>,
    /// Path in the container.
    pub target: String,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::de::opt_bool")]
    pub read_only: Option<bool>,
    /// macOS consistency hint.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub consistency: Option<String>,
    /// Bind options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
    /// Volume options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    /// tmpfs options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
    /// Image mount options (`type: image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageMountOptions>,
}

/// Options of an image mount (`type: image`, the image's filesystem mounted read-only).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageMountOptions {
    /// Mount only this path of the image.
    #[serde(default, skip_serializing_if = "crate::model::none_or_empty")]
    pub subpath: Option<String>,
}

fn is_path(s: &str) -> bool {
    s.starts_with('.') || s.starts_with('/') || s.starts_with('~') || s.starts_with('\\') || s.get(1..3) == Some(":\\")
}

/// Parses one short-syntax volume.
pub fn parse_short(spec: &str) -> Result<ServiceVolume, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, options) = match parts.as_slice() {
        [t] => (None, *t, None),
        [s, t] => (Some(*s), *t, None),
        [s, t, o] => (Some(*s), *t, Some(*o)),
        _ => return Err(format!("invalid volume `{spec}`: expected [SOURCE:]TARGET[:MODE]")),
    };
    if target.is_empty() {
        return Err(format!("invalid volume `{spec}`: the target path is empty"));
    }
    if source == Some("") {
        return Err(format!("invalid volume `{spec}`: the source is empty"));
    }
    let kind = match source {
        Some(s) if is_path(s) => "bind",
        _ => "volume",
    };
    let mut v = ServiceVolume {
        kind: kind.into(),
        source: source.map(str::to_string),
        target: target.to_string(),
        read_only: None,
        consistency: None,
        bind: None,
        volume: None,
        tmpfs: None,
        image: None,
    };
    let mut bind = BindOptions { create_host_path: (kind == "bind").then_some(true), ..Default::default() };
    let mut vol = VolumeOptions::default();
    for opt in options.unwrap_or("").split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" => v.read_only = Some(true),
            "rw" => v.read_only = Some(false),
            "z" | "Z" => bind.selinux = Some(opt.to_string()),
            "nocopy" => vol.nocopy = Some(true),
            "cached" | "delegated" | "consistent" => v.consistency = Some(opt.to_string()),
            "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                bind.propagation = Some(opt.to_string())
            }
            other => return Err(format!("invalid volume `{spec}`: unknown mode `{other}`")),
        }
    }
    if v.read_only == Some(false) {
        v.read_only = None;
    }
    if kind == "bind" {
        v.bind = Some(bind);
    } else {
        v.volume = Some(vol);
    }
    Ok(v)
}

/// Deserializes `volumes:` of a service into canonical entries.
pub fn volumes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ServiceVolume>, D::Error> {
    let items = match Json::deserialize(d)? {
        Json::Null => return Ok(Vec::new()),
        Json::Array(items) => items,
        _ => return Err(de::Error::custom("must be a list")),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            // "[i] …" lets the loader point at the element (services.web.volumes[i]).
            let at = |e: String| de::Error::custom(format!("[{i}] {e}"));
            match item {
                Json::Object(_) => {
                    let v: ServiceVolume = serde_path_to_error::deserialize(item).map_err(|e| {
                        let sub = e.path().to_string();
                        let msg = e.inner().to_string();
                        if sub == "." { at(msg) } else { de::Error::custom(format!("[{i}].{sub} {msg}")) }
                    })?;
                    if !["volume", "bind", "tmpfs", "npipe", "cluster", "image"].contains(&v.kind.as_str()) {
                        return Err(at(format!(
                            "invalid volume type `{}`: use volume, bind, tmpfs, npipe, cluster or image",
                            v.kind
                        )));
                    }
                    Ok(v)
                }
                other => {
                    let s =
                        scalar_to_string(&other).ok_or_else(|| at("each volume must be a string or mapping".into()))?;
                    parse_short(&s).map_err(at)
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms() {
        let v = parse_short("./data:/data:ro").unwrap();
        assert_eq!((v.kind.as_str(), v.source.as_deref(), v.read_only), ("bind", Some("./data"), Some(true)));
        assert_eq!(v.bind.unwrap().create_host_path, Some(true));
        let v = parse_short("db:/var/lib/db").unwrap();
        assert_eq!((v.kind.as_str(), v.source.as_deref()), ("volume", Some("db")));
        assert_eq!(v.volume, Some(VolumeOptions::default()));
        let v = parse_short("/anon").unwrap();
        assert_eq!((v.kind.as_str(), v.source), ("volume", None));
        let v = parse_short("~/x:/x:z,rshared").unwrap();
        let b = v.bind.unwrap();
        assert_eq!((b.selinux.as_deref(), b.propagation.as_deref()), (Some("z"), Some("rshared")));
        assert!(parse_short("a:b:c:d").is_err());
        assert!(parse_short("a:/b:bogus").unwrap_err().contains("bogus"));
    }
}

//! Deserializers for Compose's short-or-long syntaxes. Each accepts every form the spec allows
//! and yields the canonical (long) form, so the model serializes as `docker compose config`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value as Json;

/// A scalar as text: strings as they are, numbers and booleans as YAML spells them.
pub fn scalar_to_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() => crate::node::format_float(f),
            _ => n.to_string(),
        }),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `KEY: VALUE` mapping or `["KEY=VALUE", "KEY"]` list, as a sorted map (`None` = no value).
pub fn list_or_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Option<String>>, D::Error> {
    list_or_map_sep(d, '=')
}

/// Like [`list_or_map`] with `:` also accepted as the list separator (extra_hosts).
pub fn list_or_map_sep<'de, D: Deserializer<'de>>(
    d: D,
    sep: char,
) -> Result<BTreeMap<String, Option<String>>, D::Error> {
    let v = Json::deserialize(d)?;
    list_or_map_value(&v, sep).map_err(de::Error::custom)
}

pub(crate) fn list_or_map_value(v: &Json, sep: char) -> Result<BTreeMap<String, Option<String>>, String> {
    let mut out = BTreeMap::new();
    match v {
        Json::Null => {}
        Json::Object(m) => {
            for (k, v) in m {
                let value = match v {
                    Json::Null => None,
                    other => Some(
                        scalar_to_string(other)
                            .ok_or_else(|| format!(".{k} must be a boolean, null, number or string"))?,
                    ),
                };
                out.insert(k.clone(), value);
            }
        }
        Json::Array(items) => {
            for item in items {
                let s = scalar_to_string(item).ok_or("each entry must be a string `KEY=VALUE`")?;
                match s.split_once(sep) {
                    Some((k, v)) => out.insert(k.to_string(), Some(v.to_string())),
                    None => out.insert(s, None),
                };
            }
        }
        _ => return Err("must be a mapping (or a list of `KEY=VALUE` strings)".into()),
    }
    Ok(out)
}

/// A string or a list of strings, as a list.
pub fn string_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .iter()
            .map(|i| scalar_to_string(i).ok_or_else(|| de::Error::custom("each entry must be a string")))
            .collect(),
        other => scalar_to_string(&other)
            .map(|s| vec![s])
            .ok_or_else(|| de::Error::custom("must be a string or a list of strings")),
    }
}

/// A list of scalars as strings (`expose: [80, "443"]`).
pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .iter()
            .map(|i| scalar_to_string(i).ok_or_else(|| de::Error::custom("each entry must be a string or a number")))
            .collect(),
        _ => Err(de::Error::custom("must be a list")),
    }
}

/// A command: a string (split like a shell would) or a list. `null` stays `None`.
pub fn command<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::String(s) => shell_words::split(&s)
            .map(Some)
            .map_err(|e| de::Error::custom(format!("cannot split `{s}` into words: {e}"))),
        Json::Array(items) => items
            .iter()
            .map(|i| scalar_to_string(i).ok_or_else(|| de::Error::custom("each argument must be a string")))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        _ => Err(de::Error::custom("must be a string or a list of strings")),
    }
}

/// An optional string that may be written as a number or boolean.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        other => scalar_to_string(&other).map(Some).ok_or_else(|| de::Error::custom("must be a string")),
    }
}

/// A string and nothing else (`image: 5` is refused, as compose refuses it).
pub fn opt_str_only<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::String(s) => Ok(Some(s)),
        _ => Err(de::Error::custom("must be a string")),
    }
}

/// Boolean that also accepts the strings `"true"`/`"false"` (interpolated values are strings).
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::Bool(b) => Ok(Some(b)),
        Json::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" => Ok(Some(true)),
            "false" | "no" | "n" | "off" => Ok(Some(false)),
            _ => Err(de::Error::custom(format!("`{s}` is not a boolean (use true or false)"))),
        },
        other => Err(de::Error::custom(format!("{other} is not a boolean (use true or false)"))),
    }
}

/// A flag whose `false` means the same as absent (compose-go's `omitempty` booleans): `true`
/// or nothing.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(opt_bool(d)?.filter(|b| *b))
}

/// An integer that may be written as a string (`"3"`, after interpolation).
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Json::deserialize(d)? {
        Json::Null => Ok(None),
        Json::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("{n} is not a whole number"))),
        Json::String(s) => {
            s.trim().parse().map(Some).map_err(|_| de::Error::custom(format!("`{s}` is not a whole number")))
        }
        other => Err(de::Error::custom(format!("{other} is not a whole number"))),
    }
}

/// A float that may be written as a string (`cpus: "0.5"`).
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v: f64 = match Json::deserialize(d)? {
        Json::Null => return Ok(None),
        Json::Number(n) => n.as_f64().ok_or_else(|| de::Error::custom("not a number"))?,
        Json::String(s) => s.trim().parse().map_err(|_| de::Error::custom(format!("`{s}` is not a number")))?,
        other => return Err(de::Error::custom(format!("{other} is not a number"))),
    };
    // NaN and the infinities are refused, as compose does (in its words).
    if !v.is_finite() {
        let go = if v.is_nan() {
            "NaN"
        } else if v > 0.0 {
            "+Inf"
        } else {
            "-Inf"
        };
        return Err(de::Error::custom(format!("json: unsupported value: {go}: use a finite number")));
    }
    Ok(Some(v))
}

// ---------------------------------------------------------------- durations

/// A Go-style duration (`1m30s`, `500ms`, `2h`), as Compose writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub Duration);

/// Parses a Go duration: a sequence of decimal numbers with units `ns`, `us`/`µs`, `ms`, `s`,
/// `m`, `h`. A bare number is seconds (compose accepts integers for `*_period` in seconds? no:
/// compose-go rejects them; we accept a bare `0`).
pub fn parse_go_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let bad = || format!("invalid duration `{s}`: use a number with a unit, e.g. 30s, 1m30s, 500ms");
    let mut rest = t;
    let mut total: f64 = 0.0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        if num_end == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..num_end].parse().map_err(|_| bad())?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * factor;
        rest = &rest[unit_end..];
    }
    if !total.is_finite() || total > 1e12 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

/// Formats like Go's `time.Duration.String()`: `1m30s`, `500ms`, `2h0m0s`, `0s`.
pub fn format_go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", trim_float(nanos as f64 / 1e3));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", trim_float(nanos as f64 / 1e6));
    }
    let total_secs = d.as_secs();
    let h = total_secs / 3600;
    let m = (total_secs % 3600) / 60;
    let s = (total_secs % 60) as f64 + f64::from(d.subsec_nanos()) / 1e9;
    let s = trim_float(s);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

fn trim_float(f: f64) -> String {
    let s = format!("{f:.9}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_go_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::String(s) => parse_go_duration(&s).map(GoDuration).map_err(de::Error::custom),
            Json::Number(n) if n.as_f64() == Some(0.0) => Ok(GoDuration(Duration::ZERO)),
            other => Err(de::Error::custom(format!("invalid duration {other}: use a string such as 30s or 1m30s"))),
        }
    }
}

// ---------------------------------------------------------------- byte sizes

/// A byte size (`512m`, `1gb`, `1048576`), binary units as Docker's go-units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub i64);

/// Parses a size the way go-units `RAMInBytes` does (binary units: `512m` = 512 MiB); the same
/// parser `docker run --memory` uses in TuxPilot.
pub fn parse_bytes(input: &str) -> Result<i64, String> {
    tuxpilot_docker::units::parse_bytes(input)
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // compose-go writes sizes as a quoted number of bytes.
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::Number(n) => {
                n.as_i64().map(Bytes).ok_or_else(|| de::Error::custom(format!("must be a integer (not {n})")))
            }
            Json::String(s) => parse_bytes(&s).map(Bytes).map_err(de::Error::custom),
            other => Err(de::Error::custom(format!("invalid size {other}: use e.g. 512m"))),
        }
    }
}

// ---------------------------------------------------------------- visitors for maps of options

/// Deserializes a map whose values may be `null` (network entries: `default: null`).
pub struct NullableMap;

impl NullableMap {
    /// A list of names becomes a map of names to `None`.
    pub fn list_or_map<'de, D, T>(d: D) -> Result<BTreeMap<String, Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = BTreeMap<String, Option<T>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of names or a mapping")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(BTreeMap::new())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(name) = a.next_element::<String>()? {
                    out.insert(name, None);
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = a.next_entry::<String, Option<T>>()? {
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_round_trip() {
        for (input, secs, out) in [
            ("30s", 30.0, "30s"),
            ("1m30s", 90.0, "1m30s"),
            ("1h", 3600.0, "1h0m0s"),
            ("500ms", 0.5, "500ms"),
            ("1.5s", 1.5, "1.5s"),
            ("2m", 120.0, "2m0s"),
            ("0", 0.0, "0s"),
        ] {
            let d = parse_go_duration(input).unwrap();
            assert!((d.as_secs_f64() - secs).abs() < 1e-9, "{input}");
            assert_eq!(format_go_duration(d), out, "{input}");
        }
        for bad in ["", "10", "abc", "5 s", "1x", "s"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_are_binary() {
        assert_eq!(parse_bytes("512m"), Ok(512 << 20));
        assert_eq!(parse_bytes("1gb"), Ok(1 << 30));
        assert_eq!(parse_bytes("2048"), Ok(2048));
        assert!(parse_bytes("lots").is_err());
    }

    #[test]
    fn list_or_map_forms() {
        let m = list_or_map_value(&serde_json::json!(["A=1", "B", "C=x=y"]), '=').unwrap();
        assert_eq!(m["A"].as_deref(), Some("1"));
        assert_eq!(m["B"], None);
        assert_eq!(m["C"].as_deref(), Some("x=y"));
        let m = list_or_map_value(&serde_json::json!({"A": 1, "B": true, "C": null, "D": 1.5}), '=').unwrap();
        assert_eq!(
            (m["A"].as_deref(), m["B"].as_deref(), m["C"].as_deref(), m["D"].as_deref()),
            (Some("1"), Some("true"), None, Some("1.5"))
        );
        assert!(list_or_map_value(&serde_json::json!("A=1"), '=').is_err());
    }
}

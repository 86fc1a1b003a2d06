//! A YAML document as a tree that remembers where every value came from (file, line, column)
//! and its `!reset` / `!override` tag. Anchors, aliases and `<<` merge keys are resolved by the
//! parser (serde-saphyr); duplicate keys are rejected as the Compose spec requires.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Spanned, Tagged};

use crate::error::{Error, ErrorKind, Location};

/// A compose-specific tag on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `!reset`: remove the value inherited from earlier files.
    Reset,
    /// `!override`: replace the inherited value instead of merging.
    Override,
}

/// A value with its place in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// `!reset` / `!override`, if present.
    pub tag: Option<Tag>,
    /// Where it was written.
    pub loc: Location,
}

/// The kinds of YAML values.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where it was written.
    pub loc: Location,
}

impl Node {
    /// A node with no tag.
    pub fn new(value: Value, loc: Location) -> Self {
        Self { value, tag: None, loc }
    }

    /// The mapping entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&Vec<(Key, Node)>> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Mutable mapping entries.
    pub fn as_map_mut(&mut self) -> Option<&mut Vec<(Key, Node)>> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (numbers and booleans as YAML writes them); `None` for collections and null.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_float(*f)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    /// Mutable value under `key`.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut()?.iter_mut().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    /// Removes `key` from a mapping and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let map = self.as_map_mut()?;
        let i = map.iter().position(|(k, _)| k.name == key)?;
        Some(map.remove(i).1)
    }

    /// Sets `key` (replacing in place, or appending).
    pub fn insert(&mut self, key: Key, value: Node) {
        if let Some(map) = self.as_map_mut() {
            match map.iter_mut().find(|(k, _)| k.name == key.name) {
                Some(slot) => slot.1 = value,
                None => map.push((key, value)),
            }
        }
    }

    /// Converts to JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
            }
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                serde_json::Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect())
            }
        }
    }

    /// The location of the node at `path` (`services.web.ports[1]`), or of the deepest node
    /// on the way there.
    pub fn locate(&self, path: &str) -> Location {
        let mut node = self;
        let mut loc = self.loc.clone();
        for seg in split_path(path) {
            let next = match (&node.value, seg) {
                (Value::Map(m), PathSeg::Key(k)) => m.iter().find(|(key, _)| key.name == k).map(|(key, v)| {
                    loc = key.loc.clone();
                    v
                }),
                (Value::Seq(items), PathSeg::Index(i)) => items.get(i),
                _ => None,
            };
            match next {
                Some(n) => {
                    node = n;
                    if !matches!(n.value, Value::Map(_)) {
                        loc = n.loc.clone();
                    }
                }
                None => break,
            }
        }
        loc
    }
}

/// Formats a float the way YAML/Go would print it back (`1.5`, `2`, `1e+21`).
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

enum PathSeg<'a> {
    Key(&'a str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<PathSeg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(PathSeg::Key(key));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(PathSeg::Index(i));
            }
        }
    }
    out
}

// ------------------------------------------------------------------ parsing

enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<RawNode>),
    Map(Vec<(Spanned<String>, RawNode)>),
}

type RawNode = Spanned<Tagged<Raw>>;

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Raw, D2::Error> {
                Raw::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(i64::try_from(v).map(Raw::Int).unwrap_or(Raw::Float(v as f64)))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
                Ok(i64::try_from(v).map(Raw::Int).unwrap_or(Raw::Float(v as f64)))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
                Ok(i64::try_from(v).map(Raw::Int).unwrap_or(Raw::Float(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
                Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(x) = a.next_element::<RawNode>()? {
                    items.push(x);
                }
                Ok(Raw::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = a.next_entry::<Spanned<KeyText>, RawNode>()? {
                    entries.push((Spanned { value: k.value.0, referenced: k.referenced, defined: k.defined }, v));
                }
                Ok(Raw::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping key: any scalar, as text (compose keys are strings; `80: x` is key "80").
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(format_float(v)))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".into()))
            }
        }
        d.deserialize_any(V)
    }
}

fn convert(raw: RawNode, file: &Arc<Path>) -> Result<Node, Error> {
    let loc = Location::at(file, raw.referenced.line() as usize, raw.referenced.column() as usize);
    let Tagged(value, tag) = raw.value;
    let tag = match tag.as_deref().map(|t| t.trim_start_matches('!')) {
        None => None,
        Some("reset") => Some(Tag::Reset),
        Some("override") => Some(Tag::Override),
        // Core schema tags (`!!str`…) are the parser's business.
        Some(t)
            if t.starts_with("tag:yaml.org")
                || ["str", "int", "float", "bool", "null", "map", "seq", "binary"].contains(&t) =>
        {
            None
        }
        Some(other) => {
            return Err(Error::new(
                ErrorKind::Yaml,
                format!("unknown tag `!{other}` (Compose knows !reset and !override)"),
            )
            .at(loc));
        }
    };
    let value = match value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| convert(i, file)).collect::<Result<_, _>>()?),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key {
                        name: k.value,
                        loc: Location::at(file, k.referenced.line() as usize, k.referenced.column() as usize),
                    };
                    Ok((key, convert(v, file)?))
                })
                .collect::<Result<_, Error>>()?,
        ),
    };
    Ok(Node { value, tag, loc })
}

/// Parses every YAML document of `text` (Compose reads each document of a file in turn).
pub fn parse(text: &str, file: &Arc<Path>) -> Result<Vec<Node>, Error> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options.with_snippet = false;
    let docs: Vec<Option<RawNode>> = serde_saphyr::from_str_multiple_with_options(text, options).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line() as usize, l.column() as usize)).unwrap_or((0, 0));
        let message = e.to_string();
        // serde-saphyr puts "line L column C: " in front; our location says that already.
        let message = message
            .split_once(": ")
            .filter(|(head, _)| head.starts_with("line "))
            .map(|(_, rest)| rest.to_string())
            .unwrap_or(message);
        let message = message.lines().next().unwrap_or_default().to_string();
        Error::new(ErrorKind::Yaml, message).at(Location::at(file, line, column))
    })?;
    docs.into_iter().flatten().map(|d| convert(d, file)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Arc<Path> {
        Arc::from(Path::new("compose.yaml"))
    }

    #[test]
    fn merge_keys_anchors_tags_and_locations() {
        let text = "x-common: &c\n  restart: always\nservices:\n  web:\n    <<: *c\n    image: nginx\n    ports: !reset []\n    mode: 0755\n    on: yes\n";
        let docs = parse(text, &file()).unwrap();
        let web = docs[0].get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("restart").unwrap().as_str(), Some("always"));
        assert_eq!(web.get("ports").unwrap().tag, Some(Tag::Reset));
        assert_eq!(web.get("mode").unwrap().as_str(), Some("0755"), "leading zeros stay text");
        assert_eq!(web.get("on").unwrap().as_str(), Some("yes"), "YAML 1.2: yes is a string");
        assert_eq!((web.get("image").unwrap().loc.line, web.get("image").unwrap().loc.column), (6, 12));
        assert_eq!(docs[0].locate("services.web.ports").line, 7);
    }

    #[test]
    fn duplicate_keys_are_rejected_with_their_line() {
        let err = parse("services:\n  a:\n    image: x\n    image: y\n", &file()).unwrap_err();
        assert_eq!(err.location.as_ref().map(|l| l.line), Some(4));
        assert!(err.message.contains("duplicate"), "{err}");
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let err = parse("a: [1, 2\nb: 3\n", &file()).unwrap_err();
        assert!(err.location.as_ref().is_some_and(|l| l.line >= 1), "{err}");
    }

    #[test]
    fn unknown_tags_are_rejected() {
        let err = parse("a: !bogus 1\n", &file()).unwrap_err();
        assert!(err.message.contains("!bogus"), "{err}");
    }
}

//! A YAML document as a tree that remembers where every value came from (file, line, column)
//! and its `!reset` / `!override` tag. Anchors, aliases and `<<` merge keys are resolved by the
//! parser (serde-saphyr); duplicate keys are rejected as the Compose spec requires.

use std::path::Path;
use std::sync::Arc;

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
//
// The tree is built from serde-saphyr's event parser (granit-parser, which serde-saphyr
// re-exports and drives) rather than through serde: the loader needs every node's location and
// tag on an untyped tree, and building it from events is about four times faster than going
// through the serde layer (docs/yaml.md).

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span};

/// At most this many nodes may be copied in by aliases (compose-go caps node visits at 100,000;
/// this is the "billion laughs" guard).
const MAX_ALIAS_NODES: usize = 1_000_000;
/// Deepest nesting accepted.
const MAX_DEPTH: usize = 256;
/// Mappings with fewer keys than this are searched for a repeated key; larger ones are indexed.
const SEARCH_UP_TO: usize = 32;

struct Builder<'f> {
    file: &'f Arc<Path>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    /// Keys and indexes from the document root to the node being built (for messages).
    path: Vec<String>,
}

impl Builder<'_> {
    fn path_text(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            if !out.is_empty() && !seg.starts_with('[') {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }
}

type Events<'i> = Parser<'i, serde_saphyr::granit_parser::StrInput<'i>>;

fn count(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|(_, v)| count(v)).sum::<usize>(),
        _ => 1,
    }
}

impl Builder<'_> {
    fn loc(&self, span: &Span) -> Location {
        Location::at(self.file, span.start.line(), span.start.col() + 1)
    }

    fn error(&self, span: &Span, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Yaml, message).at(self.loc(span))
    }

    fn scan_error(&self, e: &ScanError) -> Error {
        let m = e.marker();
        // go-yaml's words for a tab in indentation, which users search for.
        let info = e.info();
        let message = if info.contains("found a tab") {
            format!("{info}: found a tab character that violates indentation (indent with spaces)")
        } else {
            info.to_string()
        };
        Error::new(ErrorKind::Yaml, message).at(Location::at(self.file, m.line(), m.col() + 1))
    }

    fn next<'i>(&self, events: &mut Events<'i>) -> Result<(Event<'i>, Span), Error> {
        match events.next() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err(self.scan_error(&e)),
            None => Err(Error::new(ErrorKind::Yaml, "unexpected end of input").at(Location::file(self.file))),
        }
    }

    fn tag(
        &self,
        tag: Option<&serde_saphyr::granit_parser::Tag>,
        span: &Span,
    ) -> Result<(Option<Tag>, Option<String>), Error> {
        let Some(t) = tag else { return Ok((None, None)) };
        match (t.handle(), t.suffix()) {
            ("!", "reset") => Ok((Some(Tag::Reset), None)),
            ("!", "override") => Ok((Some(Tag::Override), None)),
            ("tag:yaml.org,2002:", core) => Ok((None, Some(core.to_string()))),
            (h, s) => Err(self.error(span, format!("unknown tag `{h}{s}` (Compose knows !reset and !override)"))),
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count(node)));
        }
    }

    fn node<'i>(&mut self, ev: Event<'i>, span: Span, events: &mut Events<'i>, depth: usize) -> Result<Node, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error(&span, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let loc = self.loc(&span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let (tag, core) = self.tag(tag.as_deref(), &span)?;
                let value = resolve_scalar(&text, style, core.as_deref()).map_err(|m| self.error(&span, m))?;
                let node = Node { value, tag, loc };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::SequenceStart(_, anchor, tag) => {
                let (tag, _) = self.tag(tag.as_deref(), &span)?;
                let mut items = Vec::new();
                loop {
                    let (ev, sp) = self.next(events)?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    self.path.push(format!("[{}]", items.len()));
                    let item = self.node(ev, sp, events, depth + 1);
                    self.path.pop();
                    items.push(item?);
                }
                let node = Node { value: Value::Seq(items), tag, loc };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(_, anchor, tag) => {
                let (tag, _) = self.tag(tag.as_deref(), &span)?;
                let node = self.mapping(events, depth, loc, tag)?;
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => {
                let Some((node, n)) = self.anchors.get(&id) else {
                    return Err(self.error(&span, "alias to an unknown anchor"));
                };
                self.alias_nodes += n;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(self.error(&span, "excessive aliasing: aliases expand to more than 1,000,000 nodes"));
                }
                let mut node = node.clone();
                node.loc = loc;
                Ok(node)
            }
            Event::UnresolvedAlias(name) => Err(self.error(&span, format!("unknown anchor `{name}`"))),
            _ => Err(self.error(&span, "unexpected YAML event")),
        }
    }

    fn mapping<'i>(
        &mut self,
        events: &mut Events<'i>,
        depth: usize,
        loc: Location,
        tag: Option<Tag>,
    ) -> Result<Node, Error> {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        // Merge sources (`<<`), with the index in `entries` where the merge key stood.
        let mut merges: Vec<(usize, Vec<Node>)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        loop {
            let (ev, span) = self.next(events)?;
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let is_merge = matches!(&ev, Event::Scalar(t, ScalarStyle::Plain, _, None) if t == "<<");
            let key_node = self.node(ev, span, events, depth + 1)?;
            let name = match key_node.value {
                Value::Map(_) | Value::Seq(_) => {
                    return Err(Error::new(ErrorKind::Yaml, "mapping keys must be scalars").at(key_node.loc));
                }
                // compose-go's words: keys are strings (quote `"1": x` to make one).
                Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                    let text = if key_node.value == Value::Null {
                        "<nil>".to_string()
                    } else {
                        key_node.scalar_text().unwrap_or_default()
                    };
                    let at = self.path_text();
                    let place = if at.is_empty() { "at top level".to_string() } else { format!("in {at}") };
                    return Err(Error::new(ErrorKind::Yaml, format!("non-string key {place}: {text}"))
                        .at(key_node.loc)
                        .hint(format!("quote the key: \"{text}\"")));
                }
                _ => key_node.scalar_text().unwrap_or_default(),
            };
            let (vev, vspan) = self.next(events)?;
            self.path.push(name.clone());
            let value = self.node(vev, vspan, events, depth + 1);
            self.path.pop();
            let value = value?;
            if is_merge {
                let sources = match value.value {
                    Value::Map(_) => vec![value],
                    Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => items,
                    _ => {
                        return Err(Error::new(
                            ErrorKind::Yaml,
                            "map merge requires map or sequence of maps as the value",
                        )
                        .at(value.loc));
                    }
                };
                merges.push((entries.len(), sources));
                continue;
            }
            // Small mappings are searched; large ones (`services:` of a big project) keep an
            // index, so that checking every key is not quadratic in their size.
            let earlier = if entries.len() < SEARCH_UP_TO {
                entries.iter().position(|(k, _)| k.name == name)
            } else {
                if seen.is_empty() {
                    seen.extend(entries.iter().enumerate().map(|(i, (k, _))| (k.name.clone(), i)));
                }
                seen.get(&name).copied()
            };
            if let Some(first) = earlier {
                return Err(Error::new(
                    ErrorKind::Yaml,
                    format!("mapping key \"{name}\" already defined at line {}", entries[first].0.loc.line),
                )
                .at(key_node.loc));
            }
            if !seen.is_empty() {
                seen.insert(name.clone(), entries.len());
            }
            entries.push((Key { name, loc: key_node.loc }, value));
        }
        // Keys written in the mapping win over merged ones; among merge sources the first wins.
        for (at, sources) in merges.into_iter().rev() {
            let mut merged: Vec<(Key, Node)> = Vec::new();
            for source in sources {
                if let Value::Map(src) = source.value {
                    for (k, v) in src {
                        if !entries.iter().any(|(e, _)| e.name == k.name)
                            && !merged.iter().any(|(e, _)| e.name == k.name)
                        {
                            merged.push((k, v));
                        }
                    }
                }
            }
            let tail = entries.split_off(at.min(entries.len()));
            entries.extend(merged);
            entries.extend(tail);
        }
        Ok(Node { value: Value::Map(entries), tag, loc })
    }
}

/// YAML 1.2 core-schema resolution of a scalar, with Compose's choices: only `true`/`false`
/// are booleans (`yes` stays text), and numbers spelled with leading zeros or underscores stay
/// text (`0755`, `1_000`), as they are meant.
fn resolve_scalar(text: &str, style: ScalarStyle, core_tag: Option<&str>) -> Result<Value, String> {
    match core_tag {
        Some("str") => return Ok(Value::Str(text.to_string())),
        Some("null") => return Ok(Value::Null),
        Some("bool") => {
            return match text {
                "true" | "True" | "TRUE" => Ok(Value::Bool(true)),
                "false" | "False" | "FALSE" => Ok(Value::Bool(false)),
                _ => Err(format!("`{text}` is not a boolean")),
            };
        }
        Some("int") => return text.parse().map(Value::Int).map_err(|_| format!("`{text}` is not an integer")),
        Some("float") => return text.parse().map(Value::Float).map_err(|_| format!("`{text}` is not a number")),
        Some(_) | None => {}
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(text.to_string()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => plain_number(text).unwrap_or_else(|| Value::Str(text.to_string())),
    })
}

fn plain_number(t: &str) -> Option<Value> {
    let first = t.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let unsigned = t.trim_start_matches(['-', '+']);
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().filter(|_| !t.starts_with('-')).map(Value::Int);
    }
    if let Some(oct) = unsigned.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().filter(|_| !t.starts_with('-')).map(Value::Int);
    }
    if unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if unsigned.len() > 1 && unsigned.starts_with('0') {
            return None;
        }
        return t.parse().ok().map(Value::Int);
    }
    // Floats: digits with one dot and/or an exponent; nothing else.
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut seen_exp = false;
    let mut prev = b' ';
    for (i, b) in unsigned.bytes().enumerate() {
        match b {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_dot && !seen_exp => seen_dot = true,
            b'e' | b'E' if seen_digit && !seen_exp => seen_exp = true,
            b'+' | b'-' if matches!(prev, b'e' | b'E') && i > 0 => {}
            _ => return None,
        }
        prev = b;
    }
    if !seen_digit || matches!(prev, b'e' | b'E' | b'+' | b'-') {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::Float)
}

/// Parses every YAML document of `text` (Compose reads each document of a file in turn).
pub fn parse(text: &str, file: &Arc<Path>) -> Result<Vec<Node>, Error> {
    let mut options = serde_saphyr::granit_parser::Options::default();
    options.emit_comments = false;
    // A block scalar on the file's last line, with no line break after it, ends without one, as
    // go-yaml (libyaml's reading) and so compose-go read it.
    options.block_scalar_eof_without_line_feed = true;
    let mut events: Events<'_> = Parser::new_from_str_with_options(text, options);
    let mut b = Builder { file, anchors: HashMap::new(), alias_nodes: 0, path: Vec::new() };
    let mut docs = Vec::new();
    while let Some(item) = events.next() {
        let (ev, span) = item.map_err(|e| b.scan_error(&e))?;
        match ev {
            Event::StreamStart | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(..) => {
                let (ev, span) = b.next(&mut events)?;
                if matches!(ev, Event::DocumentEnd) {
                    continue;
                }
                let node = b.node(ev, span, &mut events, 0)?;
                // An empty document (`---` alone) is a null scalar: nothing to load.
                if !matches!(node.value, Value::Null) {
                    docs.push(node);
                }
                b.anchors.clear();
            }
            _ => return Err(b.error(&span, "unexpected YAML event")),
        }
    }
    Ok(docs)
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
        assert!(err.message.contains("mapping key \"image\" already defined at line 3"), "{err}");
        // In a large mapping too, whether the key repeats one from before or after it grew
        // past the searched size.
        for (repeat, line) in [("k3", 5), ("k39", 41)] {
            let keys: String = (0..40).map(|i| format!("  k{i}: {i}\n")).collect();
            let text = format!("services:\n{keys}  {repeat}: again\n  k40: 40\n");
            let err = parse(&text, &file()).unwrap_err();
            assert_eq!(err.location.as_ref().map(|l| l.line), Some(42), "{err}");
            assert!(err.message.contains(&format!("\"{repeat}\" already defined at line {line}")), "{err}");
        }
        let keys: String = (0..100).map(|i| format!("  k{i}: {i}\n")).collect();
        assert!(parse(&format!("services:\n{keys}"), &file()).is_ok());
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let err = parse("a: [1, 2\nb: 3\n", &file()).unwrap_err();
        assert!(err.location.as_ref().is_some_and(|l| l.line >= 1), "{err}");
    }

    #[test]
    fn many_aliases_of_one_anchor_are_fine_but_alias_bombs_are_not() {
        let mut text = String::from("x: &d {a: 1}\nservices:\n");
        for i in 0..500 {
            text.push_str(&format!("  s{i}:\n    <<: *d\n"));
        }
        assert!(parse(&text, &file()).is_ok());
        // The "billion laughs": each level doubles ten times.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&bomb, &file()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Yaml, "{err}");
    }

    #[test]
    fn unknown_tags_are_rejected() {
        let err = parse("a: !bogus 1\n", &file()).unwrap_err();
        assert!(err.message.contains("bogus"), "{err}");
    }
}

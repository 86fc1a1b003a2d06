//! `.env` / `env_file` parsing with Compose's rules: `KEY=VALUE`, optional `export `, `#`
//! comments, single quotes (literal), double quotes (escapes, may span lines), unquoted values
//! (trimmed, ` #` starts a comment), `KEY` alone (taken from the environment), and `${VAR}`
//! interpolation in unquoted and double-quoted values from earlier lines and the environment.

use std::path::Path;

use indexmap::IndexMap;

use crate::error::{Error, ErrorKind, Location};
use crate::interpolate::{SubstitutionError, substitute};

/// Parses `.env` text from `file`. `lookup` gives the environment for `KEY` lines and
/// interpolation (earlier lines of the file take precedence over it, as in compose-go).
pub fn parse(
    text: &str,
    file: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, Error> {
    let mut vars: IndexMap<String, String> = IndexMap::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let err = |msg: String| {
            Error::new(ErrorKind::EnvFile, msg).at(Location { file: file.into(), line: line_no, column: 0 })
        };
        let raw = lines[i];
        i += 1;
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let (key, rest) = match line.find(['=', ':']) {
            // compose-go also accepts `KEY: value`.
            Some(at) => (line[..at].trim_end(), Some(&line[at + 1..])),
            None => (line.trim_end(), None),
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || "_.-[]".contains(c)) {
            return Err(err(format!("invalid variable name `{key}`: names are letters, digits, `_`, `.` and `-`")));
        }
        let Some(rest) = rest else {
            // `KEY` alone: its value comes from the environment, or it is left out.
            if let Some(v) = lookup(key) {
                vars.insert(key.to_string(), v);
            }
            continue;
        };
        let rest = rest.trim_start();
        let value = if let Some(body) = rest.strip_prefix('\'') {
            match body.find('\'') {
                Some(end) => body[..end].to_string(),
                None => return Err(err(format!("unterminated single-quoted value for `{key}`"))),
            }
        } else if let Some(first) = rest.strip_prefix('"') {
            // May continue over several lines until the closing quote.
            let mut body = first.to_string();
            let value = loop {
                if let Some(end) = closing_double_quote(&body) {
                    break unescape(&body[..end]);
                }
                match lines.get(i) {
                    Some(next) => {
                        body.push('\n');
                        body.push_str(next);
                        i += 1;
                    }
                    None => return Err(err(format!("unterminated double-quoted value for `{key}`"))),
                }
            };
            expand(&value, &vars, lookup).map_err(|m| err(format!("{key}: {m}")))?
        } else {
            let unquoted = match rest.find(" #") {
                Some(c) => &rest[..c],
                None => rest,
            };
            expand(unquoted.trim(), &vars, lookup).map_err(|m| err(format!("{key}: {m}")))?
        };
        vars.insert(key.to_string(), value);
    }
    Ok(vars)
}

fn closing_double_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('$') => out.push_str("$$"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn expand(
    value: &str,
    vars: &IndexMap<String, String>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let l = |k: &str| vars.get(k).cloned().or_else(|| lookup(k));
    match substitute(value, &l) {
        Ok(s) => Ok(s.value),
        Err(SubstitutionError::InvalidFormat) => {
            Err(format!("invalid interpolation format in `{value}`; escape `$` as `$$`"))
        }
        Err(SubstitutionError::Required { name, message }) => {
            Err(format!("required variable {name} is missing a value: {message}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> IndexMap<String, String> {
        parse(text, Path::new(".env"), &|k| (k == "HOME").then(|| "/root".to_string())).unwrap()
    }

    #[test]
    fn forms() {
        let v = p(
            "# comment\nA=1\nexport B = two words # trailing\nC='lit ${A} $x'\nD=\"x\\ny ${A}\"\nE=\nHOME\nMISSING\nF=${A}-${B}\nG: colon\nH=a#b\n",
        );
        assert_eq!(v["A"], "1");
        assert_eq!(v["B"], "two words");
        assert_eq!(v["C"], "lit ${A} $x");
        assert_eq!(v["D"], "x\ny 1");
        assert_eq!(v["E"], "");
        assert_eq!(v["HOME"], "/root");
        assert!(!v.contains_key("MISSING"));
        assert_eq!(v["F"], "1-two words");
        assert_eq!(v["G"], "colon");
        assert_eq!(v["H"], "a#b");
    }

    #[test]
    fn multiline_double_quotes() {
        let v = p("KEY=\"-----BEGIN\nabc\n-----END\"\nNEXT=1\n");
        assert_eq!(v["KEY"], "-----BEGIN\nabc\n-----END");
        assert_eq!(v["NEXT"], "1");
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("A=1\nB='open\n", Path::new("x.env"), &|_| None).unwrap_err();
        assert_eq!(e.location.unwrap().line, 2);
        let e = parse("A=1\nbad key=1\n", Path::new("x.env"), &|_| None).unwrap_err();
        assert!(e.message.contains("bad key"), "{e}");
        let e = parse("A=${B:?B is needed}\n", Path::new("x.env"), &|_| None).unwrap_err();
        assert!(e.message.contains("B is needed"), "{e}");
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        assert_eq!(p("\u{feff}A=1\n")["A"], "1");
    }
}

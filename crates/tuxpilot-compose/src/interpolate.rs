//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, nesting in defaults, and `$$`.

/// Why a template could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstitutionError {
    /// Malformed `$` use.
    InvalidFormat,
    /// `${VAR:?msg}` / `${VAR?msg}` with the variable missing.
    Required {
        /// The variable.
        name: String,
        /// The message the file gives.
        message: String,
    },
}

/// The result of substituting one template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Substituted {
    /// The text.
    pub value: String,
    /// Variables that were used without a value and without a default (they became `""`).
    pub unset: Vec<String>,
}

/// Substitutes `template`, looking variables up with `lookup`.
pub fn substitute(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Substituted, SubstitutionError> {
    let mut out = Substituted::default();
    let chars: Vec<char> = template.chars().collect();
    let mut p = Parser { chars: &chars, pos: 0, lookup, unset: &mut out.unset };
    out.value = p.text(None)?;
    Ok(out)
}

struct Parser<'a, 'b> {
    chars: &'a [char],
    pos: usize,
    lookup: &'b dyn Fn(&str) -> Option<String>,
    unset: &'b mut Vec<String>,
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Reads text until the end, or until an unmatched `}` when `inside_braces`.
    fn text(&mut self, stop_at_brace: Option<()>) -> Result<String, SubstitutionError> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '}' && stop_at_brace.is_some() {
                return Ok(out);
            }
            self.pos += 1;
            if c != '$' {
                out.push(c);
                continue;
            }
            match self.peek() {
                Some('$') => {
                    self.pos += 1;
                    out.push('$');
                }
                Some('{') => {
                    self.pos += 1;
                    out.push_str(&self.braced()?);
                }
                Some(c) if is_name_start(c) => {
                    let name = self.name();
                    out.push_str(&self.value_of(&name));
                }
                // compose-go leaves a `$` that starts no variable as it is (`$(date)`, `$1`, `$ `).
                _ => out.push('$'),
            }
        }
        if stop_at_brace.is_some() {
            // Ran out of input before the closing brace.
            return Err(SubstitutionError::InvalidFormat);
        }
        Ok(out)
    }

    fn name(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn value_of(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            Some(v) => v,
            None => {
                if !self.unset.iter().any(|u| u == name) {
                    self.unset.push(name.to_string());
                }
                String::new()
            }
        }
    }

    /// After `${`: `NAME`, then an optional operator and its argument, then `}`.
    fn braced(&mut self) -> Result<String, SubstitutionError> {
        if !self.peek().is_some_and(is_name_start) {
            return Err(SubstitutionError::InvalidFormat);
        }
        let name = self.name();
        let value = (self.lookup)(&name);
        let op: &str = match (self.peek(), self.chars.get(self.pos + 1).copied()) {
            (Some('}'), _) => {
                self.pos += 1;
                return Ok(self.value_of(&name));
            }
            (Some(':'), Some(c @ ('-' | '?' | '+'))) => {
                self.pos += 2;
                match c {
                    '-' => ":-",
                    '?' => ":?",
                    _ => ":+",
                }
            }
            (Some(c @ ('-' | '?' | '+')), _) => {
                self.pos += 1;
                match c {
                    '-' => "-",
                    '?' => "?",
                    _ => "+",
                }
            }
            _ => return Err(SubstitutionError::InvalidFormat),
        };
        let set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let needs_arg = match op {
            ":-" | ":?" => !non_empty,
            "-" | "?" => !set,
            ":+" => non_empty,
            _ => set, // "+"
        };
        // Arguments are only evaluated when used, so an unused default's variables are not
        // reported as unset; parsing still checks the syntax.
        let arg = if needs_arg {
            self.text(Some(()))?
        } else {
            let mut scratch = Vec::new();
            let mut skip = Parser { chars: self.chars, pos: self.pos, lookup: self.lookup, unset: &mut scratch };
            skip.text(Some(()))?;
            self.pos = skip.pos;
            String::new()
        };
        if self.peek() != Some('}') {
            return Err(SubstitutionError::InvalidFormat);
        }
        self.pos += 1;
        Ok(match op {
            ":-" | "-" => {
                if needs_arg {
                    arg
                } else {
                    value.unwrap_or_default()
                }
            }
            ":?" | "?" => {
                if needs_arg {
                    return Err(SubstitutionError::Required { name, message: arg });
                }
                value.unwrap_or_default()
            }
            _ => {
                if needs_arg {
                    arg
                } else {
                    String::new()
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env() -> HashMap<&'static str, &'static str> {
        HashMap::from([("FOO", "foo"), ("EMPTY", ""), ("TAG", "1.2"), ("NESTED", "${FOO}")])
    }

    fn sub(t: &str) -> Result<String, SubstitutionError> {
        let e = env();
        substitute(t, &|k| e.get(k).map(|v| v.to_string())).map(|s| s.value)
    }

    #[test]
    fn forms() {
        assert_eq!(sub("$FOO").unwrap(), "foo");
        assert_eq!(sub("${FOO}").unwrap(), "foo");
        assert_eq!(sub("a${FOO}b$FOO.c").unwrap(), "afoobfoo.c");
        assert_eq!(sub("${UNSET:-d}").unwrap(), "d");
        assert_eq!(sub("${EMPTY:-d}").unwrap(), "d");
        assert_eq!(sub("${EMPTY-d}").unwrap(), "");
        assert_eq!(sub("${UNSET-d}").unwrap(), "d");
        assert_eq!(sub("${FOO:+alt}").unwrap(), "alt");
        assert_eq!(sub("${EMPTY:+alt}").unwrap(), "");
        assert_eq!(sub("${EMPTY+alt}").unwrap(), "alt");
        assert_eq!(sub("${UNSET+alt}").unwrap(), "");
        assert_eq!(sub("$$FOO").unwrap(), "$FOO");
        assert_eq!(sub("$${FOO}").unwrap(), "${FOO}");
        assert_eq!(sub("${UNSET:-${FOO:-x}}").unwrap(), "foo");
        assert_eq!(sub("${UNSET:-${ALSO_UNSET:-x}-y}").unwrap(), "x-y");
        assert_eq!(sub("${UNSET:-a:b}").unwrap(), "a:b");
        assert_eq!(sub("image:${TAG}").unwrap(), "image:1.2");
        assert_eq!(sub("${NESTED}").unwrap(), "${FOO}", "values are not re-interpolated");
        assert_eq!(sub("no dollars").unwrap(), "no dollars");
    }

    #[test]
    fn required() {
        assert_eq!(sub("${FOO:?need}").unwrap(), "foo");
        assert_eq!(sub("${EMPTY?need}").unwrap(), "");
        assert_eq!(
            sub("${EMPTY:?need it}").unwrap_err(),
            SubstitutionError::Required { name: "EMPTY".into(), message: "need it".into() }
        );
        assert_eq!(
            sub("${UNSET?set ${FOO}}").unwrap_err(),
            SubstitutionError::Required { name: "UNSET".into(), message: "set foo".into() }
        );
    }

    #[test]
    fn invalid() {
        for t in ["${", "${}", "${FOO", "${1A}", "${FOO:x}", "${FOO:-${BAR}"] {
            assert_eq!(sub(t), Err(SubstitutionError::InvalidFormat), "{t}");
        }
    }

    #[test]
    fn a_dollar_that_starts_no_variable_stays() {
        for t in ["$", "a $ b", "$1", "echo $(date)", "50$", "$-x"] {
            assert_eq!(sub(t), Ok(t.to_string()), "{t}");
        }
    }

    #[test]
    fn unset_variables_are_reported_once() {
        let s = substitute("$A ${A} ${B:-x} ${C:-$D}", &|_| None).unwrap();
        assert_eq!(s.value, "  x ");
        assert_eq!(s.unset, vec!["A".to_string(), "D".to_string()]);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics(t in ".{0,64}") {
                let _ = substitute(&t, &|k| (k.len() % 2 == 0).then(|| k.to_lowercase()));
            }

            #[test]
            fn text_without_dollars_is_unchanged(t in "[^$]{0,64}") {
                prop_assert_eq!(substitute(&t, &|_| None).unwrap().value, t);
            }

            #[test]
            fn doubled_dollars_escape(t in "[a-z$]{0,32}") {
                let escaped = t.replace('$', "$$");
                prop_assert_eq!(substitute(&escaped, &|_| None).unwrap().value, t);
            }

            #[test]
            fn defaults_apply_to_unset_names(name in "[A-Z_][A-Z0-9_]{0,8}", d in "[a-z0-9 .:/]{0,16}") {
                let t = format!("${{{name}:-{d}}}");
                prop_assert_eq!(substitute(&t, &|_| None).unwrap().value, d);
            }
        }
    }
}

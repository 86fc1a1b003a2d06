//! Build contexts: the directory as a tar, without what `.dockerignore` excludes, as the docker
//! CLI sends it (moby's patternmatcher rules).
//!
//! - One pattern a line; `#` starts a comment line; blank lines are skipped; surrounding spaces
//!   are trimmed; a leading `/` and `./` do not matter.
//! - `*` is any run of characters but `/`, `?` one character but `/`, `[…]` a class, `**` any
//!   number of directories; `\` escapes the next character.
//! - A pattern that matches a directory excludes everything below it.
//! - `!pattern` brings back what an earlier pattern excluded; the last matching line wins.
//! - The Dockerfile and `.dockerignore` are always sent (the builder needs the first; the CLI
//!   sends both).
//! - `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore`.

use std::path::Path;

use regex::Regex;

/// One `.dockerignore` line.
#[derive(Debug)]
struct Pattern {
    regex: Regex,
    exclusion: bool,
    /// The cleaned pattern.
    text: String,
}

/// The rules of a `.dockerignore` file.
#[derive(Debug, Default)]
pub struct IgnoreRules {
    patterns: Vec<Pattern>,
}

fn to_regex(pattern: &str) -> Option<Regex> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                if chars.get(i + 1) == Some(&'/') {
                    i += 1;
                    re.push_str("(.*/)?");
                } else {
                    re.push_str(".*");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                // A class, copied through to its `]`.
                let end = chars[i + 1..].iter().position(|c| *c == ']').map(|p| i + 1 + p)?;
                let mut class: String = chars[i + 1..end].iter().collect();
                if let Some(rest) = class.strip_prefix('!') {
                    class = format!("^{rest}");
                }
                re.push('[');
                re.push_str(&class.replace('\\', "\\\\"));
                re.push(']');
                i = end;
            }
            '\\' => {
                i += 1;
                if let Some(n) = chars.get(i) {
                    re.push_str(&regex::escape(&n.to_string()));
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    Regex::new(&re).ok()
}

/// A pattern or path as patternmatcher cleans it (Go's `filepath.Clean`), without a leading `/`.
fn clean(p: &str) -> String {
    let cleaned = crate::paths::clean(Path::new(p)).to_string_lossy().into_owned();
    match cleaned.trim_start_matches('/') {
        "." => String::new(),
        rest => rest.to_string(),
    }
}

impl IgnoreRules {
    /// Parses `.dockerignore` text. Lines that are not valid patterns are skipped.
    pub fn parse(text: &str) -> Self {
        let mut patterns = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exclusion, body) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let body = clean(body);
            if body.is_empty() {
                continue;
            }
            if let Some(regex) = to_regex(&body) {
                patterns.push(Pattern { regex, exclusion, text: body });
            }
        }
        Self { patterns }
    }

    /// Reads the rules for a context: `<dockerfile>.dockerignore`, else `<context>/.dockerignore`,
    /// else none.
    pub fn for_context(context: &Path, dockerfile: &str) -> Self {
        let beside = context.join(format!("{dockerfile}.dockerignore"));
        let text = tuxpilot_docker::files::read_to_string(&beside)
            .or_else(|_| tuxpilot_docker::files::read_to_string(&context.join(".dockerignore")));
        text.map(|t| Self::parse(&t)).unwrap_or_default()
    }

    /// Whether any `!` line exists (then excluded directories must still be walked).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// Whether `rel` (relative, `/`-separated) is left out of the context.
    pub fn excludes(&self, rel: &str) -> bool {
        let parents: Vec<&str> = rel.match_indices('/').map(|(i, _)| &rel[..i]).collect();
        let mut excluded = false;
        for p in &self.patterns {
            let hit =
                p.regex.is_match(rel) || (!p.text.is_empty() && parents.iter().any(|parent| p.regex.is_match(parent)));
            if hit {
                excluded = !p.exclusion;
            }
        }
        excluded
    }
}

/// The context directory as a tar, entries relative to it, without what the rules exclude.
/// Symlinks are stored as links, never followed out of the context.
pub fn tar_context(dir: &Path, dockerfile: &str) -> std::io::Result<bytes::Bytes> {
    let rules = IgnoreRules::for_context(dir, dockerfile);
    let keep = |rel: &str| {
        rel == clean(dockerfile)
            || rel == ".dockerignore"
            || rel == format!("{}.dockerignore", clean(dockerfile))
            || !rules.excludes(rel)
    };
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    if rules.patterns.is_empty() {
        builder.append_dir_all(".", dir)?;
        return Ok(bytes::Bytes::from(builder.into_inner()?));
    }
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&path)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let child_rel = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let kind = e.file_type()?;
            if kind.is_dir() {
                let out = rules.excludes(&child_rel);
                if !out {
                    builder.append_path_with_name(e.path(), &child_rel)?;
                }
                // An excluded directory is walked only when a `!` line may bring something back.
                if !out || rules.has_exceptions() {
                    stack.push((e.path(), child_rel));
                }
            } else if keep(&child_rel) {
                builder.append_path_with_name(e.path(), &child_rel)?;
            }
        }
    }
    Ok(bytes::Bytes::from(builder.into_inner()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_follow_moby() {
        let r = IgnoreRules::parse(
            "# comment\n\n  node_modules  \n*.log\n/secret.txt\n**/cache\ndocs/**/*.md\n!docs/keep.md\nbuild\n!build/out.bin\n[a-c].tmp\n",
        );
        for ex in [
            "node_modules",
            "node_modules/x/y.js",
            "app.log",
            "secret.txt",
            "cache",
            "a/b/cache/f",
            "docs/a.md",
            "docs/x/y/z.md",
            "build/other",
            "b.tmp",
        ] {
            assert!(r.excludes(ex), "{ex} should be excluded");
        }
        for kept in ["src/app.log", "docs/keep.md", "build/out.bin", "src/main.rs", "d.tmp", "secret.txt.bak"] {
            assert!(!r.excludes(kept), "{kept} should be kept");
        }
    }

    #[test]
    fn the_context_leaves_out_what_is_ignored_but_keeps_the_dockerfile() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("node_modules/lib")).unwrap();
        std::fs::create_dir_all(p.join("src")).unwrap();
        std::fs::write(p.join("node_modules/lib/a.js"), "x").unwrap();
        std::fs::write(p.join("src/main.rs"), "fn main() {}").unwrap();
        std::fs::write(p.join("debug.log"), "x").unwrap();
        std::fs::write(p.join("Dockerfile"), "FROM scratch").unwrap();
        std::fs::write(p.join(".dockerignore"), "node_modules\n*.log\nDockerfile\n.dockerignore\n").unwrap();
        let tar = tar_context(p, "Dockerfile").unwrap();
        let mut names: Vec<String> = tar::Archive::new(&tar[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".dockerignore", "Dockerfile", "src", "src/main.rs"]);
    }
}

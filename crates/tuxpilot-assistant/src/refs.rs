//! Names and image references as Docker accepts them, and the checks intents make of them.

/// Why a tool call or an intent's arguments are not acceptable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidIntent(pub String);

/// A container, app or service name as Docker accepts it: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`
/// (ids are hex, so they pass too).
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && s.len() <= 253
}

pub(crate) fn check_name(key: &str, value: &str, all_ok: bool) -> Result<(), InvalidIntent> {
    if value == "all" && !all_ok {
        return Err(InvalidIntent(format!("{key}: name one container, not `all`")));
    }
    if !is_name(value) {
        return Err(InvalidIntent(format!(
            "{key}: `{value}` is not a container name (letters, digits, `_`, `.`, `-`, starting with a letter or digit)"
        )));
    }
    Ok(())
}

/// A container name, or a service written `PROJECT/SERVICE` or `APP/SERVICE`.
pub(crate) fn check_target(key: &str, value: &str, all_ok: bool) -> Result<(), InvalidIntent> {
    match value.split_once('/') {
        Some((project, svc)) => check_name(key, project, false).and_then(|_| check_name(key, svc, false)),
        None => check_name(key, value, all_ok),
    }
}

pub(crate) fn check_service(value: &str) -> Result<(), InvalidIntent> {
    match value.split_once('/') {
        Some((app, svc)) => check_name("service", app, false).and_then(|_| check_name("service", svc, false)),
        None => check_name("service", value, false),
    }
}

pub(crate) fn check_project(value: &str) -> Result<(), InvalidIntent> {
    let ok = value.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InvalidIntent(format!(
            "project: `{value}` is not a compose project name (lowercase letters, digits, `_`, `-`)"
        )))
    }
}

/// An image reference as Docker accepts it: `[registry[:port]/]path[:tag][@digest]`, lowercase
/// path components.
pub fn is_image(s: &str) -> bool {
    if s.is_empty() || s.len() > 512 || s.chars().any(|c| c.is_whitespace()) {
        return false;
    }
    let (name, _digest) = match s.split_once('@') {
        Some((n, d)) => {
            if !d.contains(':') {
                return false;
            }
            (n, Some(d))
        }
        None => (s, None),
    };
    // The tag is after the last ':' that follows the last '/'.
    let slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (path, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(&name[slash + i + 1..])),
        None => (name, None),
    };
    if let Some(t) = tag
        && (t.is_empty()
            || t.len() > 128
            || !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            || t.starts_with(['.', '-']))
    {
        return false;
    }
    let parts: Vec<&str> = path.split('/').collect();
    parts.iter().enumerate().all(|(i, p)| {
        let registry = i == 0 && parts.len() > 1 && (p.contains('.') || p.contains(':') || *p == "localhost");
        if registry {
            return p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        }
        !p.is_empty()
            && p.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            && !p.ends_with(['.', '_', '-'])
    })
}

pub(crate) fn check_image(value: &str) -> Result<(), InvalidIntent> {
    if is_image(value) {
        Ok(())
    } else {
        Err(InvalidIntent(format!(
            "`{value}` is not an image reference (like `nginx`, `redis:7` or `registry.example.com/team/app:1.2`)"
        )))
    }
}

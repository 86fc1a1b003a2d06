//! Kubernetes names, as kompose forms them.

/// A service's object name: lower case, `.` and `_` as `-` (kompose's `normalizeServiceNames`).
pub fn service_name(name: &str) -> String {
    name.chars().map(|c| if c == '.' || c == '_' { '-' } else { c.to_ascii_lowercase() }).collect()
}

/// Another object's name (volumes, secrets, configs): lower case, `_` as `-` (kompose's
/// `FormatResourceName`); a `.` stays, as DNS subdomain names allow it.
pub fn resource_name(name: &str) -> String {
    name.chars().map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() }).collect()
}

/// A container's name (kompose's `FormatContainerName`): lower case, `_` as `-`.
pub fn container_name(name: &str) -> String {
    resource_name(name)
}

/// An RFC 1123 label: at most 63 of `a-z0-9-`, starting and ending with a letter or digit.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// An RFC 1123 subdomain: dot-separated labels, at most 253.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// An env file's ConfigMap name (kompose's `FormatEnvName`): the path as written, without a
/// leading `./`, every other character `-`, prefixed with the service when it starts with `-`,
/// at most 63.
pub fn env_file_name(relative: &str, service: &str) -> String {
    let trimmed = relative.trim_matches(|c| c == '.' || c == '/');
    let mut name: String = trimmed.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    if name.starts_with('-') || name.is_empty() {
        name = format!("{service}{name}");
    }
    name.truncate(63);
    name.to_ascii_lowercase().trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kompose() {
        assert_eq!(service_name("My_App.web"), "my-app-web");
        assert_eq!(resource_name("db_data"), "db-data");
        assert_eq!(env_file_name("./envs/web.env", "web"), "envs-web-env");
        assert_eq!(env_file_name(".env", "web"), "env");
        assert_eq!(env_file_name("-x.env", "web"), "web-x-env");
        assert!(is_dns_label("web-1"));
        assert!(!is_dns_label("-web"));
        assert!(!is_dns_label("Web"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert!(is_dns_subdomain("a.b-c"));
    }
}

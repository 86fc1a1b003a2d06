//! The config file: defaults < TOML file < `TUXPILOT_*`/Docker environment < flags.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::output::Format;

/// The whole config file. Sections other crates own (`[containers.monitoring]`, …) are kept
/// but not interpreted here.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[containers]`.
    pub containers: ContainersConfig,
    /// `[ai]`: an optional OpenAI-compatible model for `tuxpilot chat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai: Option<tuxpilot_assistant::model::ModelConfig>,
}

/// `[containers]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainersConfig {
    /// The engine's Unix socket, used when neither `--host` nor `DOCKER_HOST` is set.
    pub docker_socket: Option<PathBuf>,
    /// Seconds to wait for the engine to answer.
    pub timeout: u64,
    /// Default output format (`table` or `json`).
    pub format: Option<String>,
    /// The network `containers run` attaches a container to when `--network` is not given.
    pub default_network: Option<String>,
    /// `containers run` removes the container when it exits, as if `--rm` were given.
    pub auto_cleanup: bool,
    /// Sections of later features, kept as they are.
    #[serde(flatten)]
    pub other: toml::Table,
}

impl Default for ContainersConfig {
    fn default() -> Self {
        Self {
            docker_socket: None,
            timeout: 120,
            format: None,
            default_network: None,
            auto_cleanup: false,
            other: toml::Table::new(),
        }
    }
}

/// Where the config file is: `--config`, else `$TUXPILOT_CONFIG`, else
/// `$XDG_CONFIG_HOME/tuxpilot/config.toml`, else `~/.config/tuxpilot/config.toml`.
pub fn path(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = flag {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("TUXPILOT_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("tuxpilot").join("config.toml"))
}

/// Loads the config. A missing default file is fine; a missing file named by `--config` or
/// `TUXPILOT_CONFIG`, or a malformed one, is an error naming the file and the line.
pub fn load(flag: Option<&Path>) -> anyhow::Result<Config> {
    let explicit = flag.is_some() || std::env::var_os("TUXPILOT_CONFIG").is_some_and(|p| !p.is_empty());
    let Some(path) = path(flag) else {
        return Ok(Config::default());
    };
    let text = match tuxpilot_docker::files::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(Config::default());
        }
        Err(e) => {
            return Err(crate::error::UsageError(format!("cannot read config file {}: {e}", path.display())).into());
        }
    };
    let mut config: Config = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
            .map(|l| format!(", line {l}"))
            .unwrap_or_default();
        crate::error::UsageError(format!("invalid config file {}{line}: {}", path.display(), e.message()))
    })?;
    // A top-level table that is not one of ours would be ignored (`[container]` for
    // `[containers]`): refuse it, naming the ones there are.
    if let Ok(top) = toml::from_str::<toml::Table>(&text) {
        const TABLES: [&str; 2] = ["containers", "ai"];
        if let Some(k) = top.keys().find(|k| !TABLES.contains(&k.as_str())) {
            let near = TABLES.iter().find(|t| t.starts_with(k.as_str()) || k.starts_with(*t));
            anyhow::bail!(crate::error::UsageError(format!(
                "invalid config file {}: unknown table or key `{k}` (the file has [containers] and [ai]){}",
                path.display(),
                near.map(|t| format!("; did you mean [{t}]?")).unwrap_or_default()
            )));
        }
    }
    if let Ok(v) = std::env::var("TUXPILOT_DOCKER_SOCKET")
        && !v.is_empty()
    {
        config.containers.docker_socket = Some(PathBuf::from(v));
    }
    // A key of [containers] that is neither a setting nor a section would be ignored: refuse it.
    const SECTIONS: [&str; 5] = ["compose", "monitoring", "security", "orchestration", "updates"];
    for (k, v) in &config.containers.other {
        if !(SECTIONS.contains(&k.as_str()) && v.is_table()) {
            anyhow::bail!(crate::error::UsageError(format!(
                "invalid config file {}: unknown key `{k}` in [containers] (settings: docker_socket, timeout, format, default_network, auto_cleanup; sections: {})",
                path.display(),
                SECTIONS.map(|s| format!("[containers.{s}]")).join(", ")
            )));
        }
    }
    if let Some(f) = &config.containers.format
        && f != "table"
        && f != "json"
    {
        anyhow::bail!(crate::error::UsageError(format!(
            "invalid config file {}: [containers] format = \"{f}\" (use \"table\" or \"json\")",
            path.display()
        )));
    }
    Ok(config)
}

impl Config {
    /// `[containers.monitoring]`: alert thresholds, interval and sinks, with warnings for keys
    /// it does not know (a misspelt threshold would otherwise silently disable an alert).
    pub fn monitoring(&self) -> anyhow::Result<(tuxpilot_monitor::MonitoringConfig, Vec<String>)> {
        self.section("monitoring", tuxpilot_monitor::MonitoringConfig::KEYS)
    }

    /// `[containers.security]`: vulnerability database, scan hook settings, with warnings for
    /// unknown keys.
    pub fn security(&self) -> anyhow::Result<(tuxpilot_security::SecurityConfig, Vec<String>)> {
        self.section("security", tuxpilot_security::SecurityConfig::KEYS)
    }

    /// `[containers.compose]`: compose defaults, with warnings for unknown keys.
    pub fn compose(&self) -> anyhow::Result<(tuxpilot_compose::ComposeConfig, Vec<String>)> {
        self.section("compose", tuxpilot_compose::ComposeConfig::KEYS)
    }

    /// `[containers.orchestration]`: deployment policies, with warnings for unknown keys.
    pub fn orchestration(&self) -> anyhow::Result<(tuxpilot_orchestrator::OrchestrationConfig, Vec<String>)> {
        self.section("orchestration", tuxpilot_orchestrator::OrchestrationConfig::KEYS)
    }

    /// `[containers.updates]`: `updates watch`'s interval, webhook and schedule, checked, with
    /// warnings for unknown keys.
    pub fn updates(&self) -> anyhow::Result<(tuxpilot_orchestrator::updates::UpdatesConfig, Vec<String>)> {
        let (c, w) = self.section::<tuxpilot_orchestrator::updates::UpdatesConfig>(
            "updates",
            tuxpilot_orchestrator::updates::UpdatesConfig::KEYS,
        )?;
        c.validate()
            .map_err(|e| crate::error::UsageError(format!("invalid [containers.updates] in the config file: {e}")))?;
        Ok((c, w))
    }

    fn section<T: serde::de::DeserializeOwned + Default>(
        &self,
        name: &str,
        known: &[&str],
    ) -> anyhow::Result<(T, Vec<String>)> {
        let Some(section) = self.containers.other.get(name) else {
            return Ok((T::default(), Vec::new()));
        };
        let warnings = section
            .as_table()
            .map(|t| {
                t.keys()
                    .filter(|k| !known.contains(&k.as_str()))
                    .map(|k| format!("unknown key `{k}` in [containers.{name}] ignored (known: {})", known.join(", ")))
                    .collect()
            })
            .unwrap_or_default();
        let value = section.clone().try_into().map_err(|e: toml::de::Error| {
            crate::error::UsageError(format!("invalid [containers.{name}] in the config file: {}", e.message().trim()))
        })?;
        Ok((value, warnings))
    }

    /// The configured default output format.
    pub fn format(&self) -> Option<Format> {
        match self.containers.format.as_deref() {
            Some("json") => Some(Format::Json),
            Some("table") => Some(Format::Table),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_socket_and_keeps_other_sections() {
        let c: Config = toml::from_str(
            "[containers]\ndocker_socket = \"/run/docker.sock\"\n[containers.monitoring]\ncpu_alert_threshold = 80.0\n",
        )
        .unwrap();
        assert_eq!(c.containers.docker_socket.as_deref(), Some(Path::new("/run/docker.sock")));
        assert!(c.containers.other.contains_key("monitoring"));
        assert_eq!(c.containers.timeout, 120);
        assert_eq!(c.monitoring().unwrap().0.cpu_alert_threshold, Some(80.0));
    }

    #[test]
    fn unknown_monitoring_keys_are_named_in_a_warning_and_bad_values_are_errors() {
        let c: Config = toml::from_str("[containers.monitoring]\ncpu_alert_treshold = 80.0\n").unwrap();
        let (m, warnings) = c.monitoring().unwrap();
        assert_eq!(m.cpu_alert_threshold, None);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("cpu_alert_treshold") && warnings[0].contains("cpu_alert_threshold"),
            "{warnings:?}"
        );
        let c: Config = toml::from_str("[containers.monitoring]\ninterval = \"soon\"\n").unwrap();
        let err = c.monitoring().unwrap_err().to_string();
        assert!(err.contains("[containers.monitoring]") && err.contains("30s"), "{err}");
    }

    #[test]
    fn bad_file_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "[containers]\ntimeout = \"soon\"\n").unwrap();
        let err = load(Some(&p)).unwrap_err().to_string();
        assert!(err.contains("config.toml") && err.contains("line 2"), "{err}");
        // A misspelt table is refused, not ignored, with the table meant.
        std::fs::write(&p, "[container]\ntimeout = 5\n").unwrap();
        let err = load(Some(&p)).unwrap_err();
        assert!(err.is::<crate::error::UsageError>(), "{err}");
        assert!(err.to_string().contains("did you mean [containers]"), "{err}");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let err = load(Some(Path::new("/nonexistent/tuxpilot.toml"))).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/tuxpilot.toml"), "{err}");
    }
}

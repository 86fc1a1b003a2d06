//! Feeds arbitrary bytes as TOML to every section of the config file the libraries read
//! (orchestration, monitoring, security, compose), and validates what parses. Any panic is a
//! bug; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(o) = toml::from_str::<tuxpilot_orchestrator::OrchestrationConfig>(text) {
        let _ = o.validate();
    }
    if let Ok(m) = toml::from_str::<tuxpilot_monitor::MonitoringConfig>(text) {
        let _ = m.rules();
        let _ = m.sinks();
    }
    let _ = toml::from_str::<tuxpilot_security::SecurityConfig>(text);
    let _ = toml::from_str::<tuxpilot_compose::ComposeConfig>(text);
});

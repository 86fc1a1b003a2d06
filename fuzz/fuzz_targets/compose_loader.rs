//! Feeds arbitrary bytes to the whole loader as a compose.yaml (with a second document as an
//! override file when the input contains a NUL byte). Any panic is a bug; errors are fine.
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tuxpilot_compose::{ConfigFile, LoadOptions, load, to_yaml};

fn dir() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("tuxpilot-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(2, '\0');
    let main = parts.next().unwrap_or_default();
    let mut o = LoadOptions::new(dir());
    o.environment = HashMap::from([("HOME".into(), "/home/fuzz".into()), ("TAG".into(), "1".into())]);
    o.project_name = Some("fuzz".into());
    o.files = vec![ConfigFile { path: dir().join("compose.yaml"), content: Some(main.to_string()) }];
    if let Some(over) = parts.next() {
        o.files.push(ConfigFile { path: dir().join("override.yaml"), content: Some(over.to_string()) });
    }
    if let Ok(loaded) = load(&o) {
        // Whatever loads must print.
        let _ = to_yaml(&loaded.project);
        let _ = loaded.project.services.values().map(tuxpilot_compose::service_hash).count();
    }
});

//! Feeds arbitrary bytes to the app spec loader as an app.yaml (lowering and validation
//! included). Any panic is a bug; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuxpilot_orchestrator::{LoadAppOptions, load_text};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = LoadAppOptions { environment: [("TAG".to_string(), "1".to_string())].into(), ..Default::default() };
    let file = std::env::temp_dir().join("tuxpilot-fuzz-app").join("app.yaml");
    if let Ok(app) = load_text(&file, text, &options) {
        let _ = tuxpilot_orchestrator::project_hash(&app.project);
    }
});

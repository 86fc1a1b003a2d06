//! Arbitrary templates through the interpolation engine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = std::str::from_utf8(data) {
        let _ = tuxpilot_compose::substitute(t, &|k| (k.len() % 3 != 0).then(|| format!("<{k}>")));
    }
});

//! The configuration loader on any text: a result or an error that names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxddns_fuzz::config;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `${VAR}` reads the fuzzer's own environment, as the agent would read its own.
    match config::load_str(text, Path::new("/etc/mxddns/config.yaml")) {
        Ok(loaded) => {
            let _ = config::render_plan(&loaded.config);
        }
        Err(e) => assert!(e.to_string().contains("config.yaml"), "{e}"),
    }
});

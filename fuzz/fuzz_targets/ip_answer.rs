//! The IP-answer parser (plain address, or `ip=` in key=value lines) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxddns_fuzz::detect::{parse_answer, Family};

fuzz_target!(|data: &[u8]| {
    for family in [Family::V4, Family::V6] {
        match parse_answer(data, family) {
            Ok(ip) => assert_eq!(ip.is_ipv6(), family == Family::V6),
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.chars().any(char::is_control), "{msg:?}");
            }
        }
    }
});

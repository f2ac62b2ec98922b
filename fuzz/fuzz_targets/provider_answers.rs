//! Every provider's answer parsers on any HTTP status and body: the first two bytes are
//! the status, the rest the body (for rfc2136: a DNS message from the server).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxddns_providers::{aliyun, cloudflare, dnspod, godaddy, huaweicloud, rfc2136};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let body = &data[2..];
    for parse in [
        cloudflare::parse_for_fuzz,
        aliyun::parse_for_fuzz,
        godaddy::parse_for_fuzz,
        dnspod::parse_for_fuzz,
        huaweicloud::parse_for_fuzz,
        rfc2136::parse_for_fuzz,
    ] {
        for e in parse(status, body) {
            let text = e.to_string();
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert!(!e.message.trim().is_empty());
        }
    }
});

//! The DNS reply matcher (RFC 5452: source, ID, question) on arbitrary bytes: it must
//! never panic, and whatever it accepts must carry the question's ID and exactly the
//! question asked.
#![no_main]

use hickory_proto::rr::{DNSClass, Name, RecordType};
use libfuzzer_sys::fuzz_target;
use mxddns_fuzz::dns::matcher::{match_reply, Expected};

fuzz_target!(|data: &[u8]| {
    let server = "127.0.0.1:53".parse().unwrap();
    // The ID the fuzzer chose (the first two bytes), so that the question check is reached.
    let id = match data {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    };
    let expected = Expected {
        server,
        id,
        name: Name::from_ascii("mail.example.com.").unwrap(),
        rtype: RecordType::A,
        class: DNSClass::IN,
    };
    if let Ok(m) = match_reply(&expected, server, data) {
        assert_eq!(m.metadata.id, id);
        assert_eq!(m.queries.len(), 1);
        assert_eq!(m.queries[0].query_type(), RecordType::A);
        assert_eq!(m.queries[0].query_class(), DNSClass::IN);
    }
    let elsewhere = "127.0.0.1:5353".parse().unwrap();
    assert!(match_reply(&expected, elsewhere, data).is_err());
});

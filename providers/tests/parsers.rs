//! Property tests of every provider's answer parsing (the same entry points the fuzz
//! targets drive): whatever a registrar — or a proxy, or an attacker on the path — sends
//! back, parsing ends without a panic, and every rejection is a clear error: it names
//! the provider, says something, and is one short printable line.

use mxddns_providers::{aliyun, cloudflare, dnspod, godaddy, huaweicloud, rfc2136, ProviderError};
use proptest::prelude::*;

type Parser = fn(u16, &[u8]) -> Vec<ProviderError>;

const PARSERS: [(&str, Parser); 6] = [
    ("cloudflare", cloudflare::parse_for_fuzz),
    ("aliyun", aliyun::parse_for_fuzz),
    ("godaddy", godaddy::parse_for_fuzz),
    ("dnspod", dnspod::parse_for_fuzz),
    ("huaweicloud", huaweicloud::parse_for_fuzz),
    ("rfc2136", rfc2136::parse_for_fuzz),
];

fn check(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    for (name, parse) in PARSERS {
        for e in parse(status, body) {
            let text = e.to_string();
            prop_assert_eq!(e.provider, name);
            prop_assert!(
                e.message.trim().len() > 3,
                "{name}: empty message: {text:?}"
            );
            prop_assert!(
                !text.chars().any(|c| c.is_control()),
                "{name}: control characters in {text:?}"
            );
            prop_assert!(text.len() <= 2048, "{name}: {} bytes: {text:?}", text.len());
        }
    }
    Ok(())
}

/// JSON values of any shape, with the keys the providers look for among the random ones.
fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let key = prop_oneof![
        Just("success".to_string()),
        Just("errors".to_string()),
        Just("result".to_string()),
        Just("result_info".to_string()),
        Just("id".to_string()),
        Just("name".to_string()),
        Just("type".to_string()),
        Just("content".to_string()),
        Just("ttl".to_string()),
        Just("code".to_string()),
        Just("message".to_string()),
        Just("error_chain".to_string()),
        Just("Code".to_string()),
        Just("Message".to_string()),
        Just("RequestId".to_string()),
        Just("DomainRecords".to_string()),
        Just("Record".to_string()),
        Just("RecordId".to_string()),
        Just("RR".to_string()),
        Just("Type".to_string()),
        Just("Value".to_string()),
        Just("TTL".to_string()),
        Just("data".to_string()),
        Just("fields".to_string()),
        Just("retryAfterSec".to_string()),
        "\\PC{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::String),
        "[\\x00-\\x1f\\x7f\\u{202e}a-f0-9 .\"]{0,40}".prop_map(Value::String),
        Just(Value::String("0123456789abcdef0123456789abcdef".into())),
        Just(Value::String("203.0.113.7".into())),
        Just(Value::String("A".into())),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(200u16),
        Just(400),
        Just(401),
        Just(403),
        Just(404),
        Just(409),
        Just(422),
        Just(429),
        Just(500),
        Just(502),
        Just(503),
        any::<u16>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_bytes_are_parsed_or_rejected_clearly(status in status(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        check(status, &body)?;
    }

    #[test]
    fn any_json_is_parsed_or_rejected_clearly(status in status(), v in json()) {
        check(status, v.to_string().as_bytes())?;
    }

    #[test]
    fn cut_answers_are_rejected_clearly(status in status(), v in json(), cut in any::<prop::sample::Index>()) {
        let text = v.to_string();
        let at = cut.index(text.len() + 1);
        check(status, &text.as_bytes()[..at])?;
    }
}

#[test]
fn recorded_answers_parse_without_errors() {
    let cf = br#"{"success":true,"errors":[],"messages":[],"result":[{"id":"0123456789abcdef0123456789abcdef","name":"mail.example.com","type":"A","content":"203.0.113.7","ttl":600}]}"#;
    // The record list and its conversion succeed; only the decoders expecting another
    // shape (a single record, zones) may complain.
    let errors = cloudflare::parse_for_fuzz(200, cf);
    assert!(
        errors.iter().all(|e| !e.message.contains("record")
            || e.message.contains("not what Cloudflare API v4 returns")),
        "{errors:?}"
    );
    let gd = br#"[{"data":"203.0.113.7","name":"mail","ttl":600,"type":"A"}]"#;
    let errors = godaddy::parse_for_fuzz(200, gd);
    assert!(
        errors.iter().all(|e| e.message.contains("failed")),
        "{errors:?}"
    );
}

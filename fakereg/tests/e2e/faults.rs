//! The fault script, as the reliability tests will drive it.

use std::time::Duration;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use mxddns_fakereg::{
    DnsFault, DnsMatch, FakeOptions, FakeRegistrar, HttpFault, HttpMatch, RrType, EXAMPLE_CF_TOKEN,
};

use crate::common::{dns, request, try_dns, try_request, Ask, Cf};

fn setup() -> (FakeRegistrar, Cf, String) {
    let reg = FakeRegistrar::spawn(FakeOptions::example()).unwrap();
    let cf = Cf::new(reg.cloudflare_endpoint(), EXAMPLE_CF_TOKEN);
    let zid = cf.zone_id("example.com");
    let rid = reg
        .store()
        .list("example.com", Some("mail.example.com"), None)[0]
        .hex_id();
    let one = format!("/zones/{zid}/dns_records/{rid}");
    (reg, cf, one)
}

fn mail_a(reg: &FakeRegistrar) -> Vec<String> {
    reg.store().records("mail.example.com", RrType::A)
}

#[test]
fn status_fault_is_consumed_once_and_skips_the_handler() {
    let (reg, cf, one) = setup();
    reg.faults().http(
        HttpMatch::any().method("PATCH").path_prefix("/client/v4/zones"),
        HttpFault::status(500, r#"{"success":false,"errors":[{"code":10001,"message":"boom"}],"messages":[],"result":null}"#),
        1,
    );
    assert_eq!(cf.get(&one).status, 200, "GET does not match");
    let first = cf.call("PATCH", &one, Some(r#"{"content":"192.0.2.1"}"#));
    assert_eq!((first.status, first.cf_code()), (500, 10001));
    assert_eq!(mail_a(&reg), vec!["203.0.113.10"], "not handled");
    let second = cf.call("PATCH", &one, Some(r#"{"content":"192.0.2.1"}"#));
    assert_eq!(second.status, 200);
    assert_eq!(mail_a(&reg), vec!["192.0.2.1"]);
    assert_eq!(reg.faults().pending(), 0);
    let log = reg.requests();
    let patches: Vec<_> = log.iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!((patches[0].status, patches[0].fault.is_some()), (500, true));
    assert_eq!(
        (patches[1].status, patches[1].fault.is_some()),
        (200, false)
    );
    assert_eq!(patches[1].body, r#"{"content":"192.0.2.1"}"#);
    assert_eq!(reg.write_count(), 1);
}

#[test]
fn rate_limit_html_and_truncated_answers() {
    let (reg, cf, one) = setup();
    let f = reg.faults();
    f.http(
        HttpMatch::any().vendor("cloudflare"),
        HttpFault::RateLimited {
            retry_after_secs: 7,
        },
        1,
    )
    .http(
        HttpMatch::any().vendor("cloudflare"),
        HttpFault::HtmlError { status: 502 },
        1,
    )
    .http(
        HttpMatch::any().method("PATCH"),
        HttpFault::TruncatedJson,
        1,
    )
    .http(
        HttpMatch::any().method("GET"),
        HttpFault::Delay(Duration::from_millis(20)),
        1,
    );
    let limited = cf.get(&one);
    assert_eq!((limited.status, limited.cf_code()), (429, 971));
    assert_eq!(limited.header("retry-after"), Some("7"));
    let html = cf.get(&one);
    assert_eq!(html.status, 502);
    assert!(html
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(html.body.contains("502 Bad Gateway"));
    let cut = cf.call("PATCH", &one, Some(r#"{"content":"192.0.2.8"}"#));
    assert_eq!(cut.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&cut.body).is_err(),
        "{}",
        cut.body
    );
    assert_eq!(mail_a(&reg), vec!["192.0.2.8"], "the write happened");
    assert_eq!(
        cf.get(&one).json()["result"]["content"],
        "192.0.2.8",
        "delayed, then normal"
    );
    assert_eq!(reg.faults().fired().len(), 4);
}

#[test]
fn connections_can_be_cut_before_or_after_handling() {
    let (reg, cf, one) = setup();
    let url = format!("{}{one}", cf.base);
    let auth = format!("Bearer {EXAMPLE_CF_TOKEN}");
    let patch = |ip: &str| {
        try_request(
            &url,
            "PATCH",
            &[("Authorization", &auth)],
            Some(&format!(r#"{{"content":"{ip}"}}"#)),
        )
    };

    reg.faults().http(HttpMatch::any(), HttpFault::Close, 1);
    assert!(patch("192.0.2.1").is_err());
    assert_eq!(mail_a(&reg), vec!["203.0.113.10"]);

    reg.faults()
        .http(HttpMatch::any(), HttpFault::CloseAfterHandling, 1);
    assert!(patch("192.0.2.2").is_err());
    assert_eq!(mail_a(&reg), vec!["192.0.2.2"], "handled, answer lost");

    reg.faults().http(
        HttpMatch::any(),
        HttpFault::Hang(Duration::from_millis(30)),
        1,
    );
    assert!(patch("192.0.2.3").is_err());
    assert_eq!(mail_a(&reg), vec!["192.0.2.2"]);

    assert_eq!(patch("192.0.2.4").unwrap().status, 200);
    let statuses: Vec<u16> = reg.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 0, 0, 0, 200]);
}

#[test]
fn http_rules_match_their_vendor_only() {
    let (reg, cf, one) = setup();
    reg.faults().http_always(
        HttpMatch::any().vendor("echo"),
        HttpFault::status(503, "down"),
    );
    for _ in 0..2 {
        assert_eq!(request(&reg.echo_url(), "GET", &[], None).status, 503);
    }
    assert_eq!(cf.get(&one).status, 200);
    reg.faults().clear();
    assert_eq!(request(&reg.echo_url(), "GET", &[], None).status, 200);
}

#[test]
fn dns_faults() {
    let reg = FakeRegistrar::spawn(FakeOptions::example()).unwrap();
    let addr = reg.dns_addr();
    reg.faults()
        .dns(
            DnsMatch::any().name("mail.example.com").qtype("A"),
            DnsFault::ServFail,
            1,
        )
        .dns(DnsMatch::any().name("example.com"), DnsFault::Refused, 1)
        .dns(DnsMatch::any().qtype("TXT"), DnsFault::Truncate, 1)
        .dns(
            DnsMatch::any().name("mail.example.com"),
            DnsFault::Delay(Duration::from_millis(10)),
            1,
        )
        .dns(DnsMatch::any().name("drop.example.com"), DnsFault::Drop, 1);

    assert_eq!(
        dns(addr, "mail.example.com.", RecordType::AAAA)
            .metadata
            .response_code,
        ResponseCode::NoError
    );
    assert_eq!(
        dns(addr, "mail.example.com.", RecordType::A)
            .metadata
            .response_code,
        ResponseCode::ServFail
    );
    assert_eq!(
        dns(addr, "mail.example.com.", RecordType::A).answers.len(),
        1,
        "consumed; delayed then answered"
    );
    assert_eq!(
        dns(addr, "example.com.", RecordType::MX)
            .metadata
            .response_code,
        ResponseCode::Refused
    );
    let tc = try_dns(
        addr,
        "example.com.",
        RecordType::TXT,
        Ask {
            tcp: true,
            ..Ask::default()
        },
    )
    .unwrap();
    assert!(tc.metadata.truncation && tc.answers.is_empty());
    assert_eq!(dns(addr, "example.com.", RecordType::TXT).answers.len(), 1);
    assert!(
        try_dns(addr, "drop.example.com.", RecordType::A, Ask::default()).is_err(),
        "no answer at all"
    );
    assert_eq!(
        dns(addr, "drop.example.com.", RecordType::A)
            .metadata
            .response_code,
        ResponseCode::NXDomain
    );
    assert_eq!(reg.faults().pending(), 0);
    assert!(reg.dns_queries().iter().any(|q| q.rcode == "dropped"));
}

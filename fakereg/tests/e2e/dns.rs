//! The authoritative DNS server.

use std::net::IpAddr;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{DNSClass, RData, RecordType};
use mxddns_fakereg::{FakeOptions, FakeRegistrar, RrType};

use crate::common::{answers, dns, try_dns, Ask};

fn fake() -> FakeRegistrar {
    let opts = FakeOptions::example()
        .record(
            "example.com",
            "www.example.com",
            RrType::CNAME,
            "alias.example.com.",
        )
        .record(
            "example.com",
            "alias.example.com",
            RrType::CNAME,
            "mail.example.com.",
        )
        .record(
            "example.com",
            "cdn.example.com",
            RrType::CNAME,
            "edge.other.test.",
        )
        .record(
            "example.com",
            "out.example.com",
            RrType::CNAME,
            "elsewhere.example.org.",
        )
        .record(
            "example.com",
            "dangling.example.com",
            RrType::CNAME,
            "gone.example.com.",
        )
        .record("example.com", "a.deep.example.com", RrType::A, "192.0.2.55")
        .record("other.test", "edge.other.test", RrType::AAAA, "2001:db8::5")
        .record(
            "113.0.203.in-addr.arpa",
            "10.113.0.203.in-addr.arpa",
            RrType::PTR,
            "mail.example.com.",
        )
        .record(
            "zen.spamhaus.org",
            "20.113.0.203.zen.spamhaus.org",
            RrType::A,
            "127.0.0.4",
        )
        .txt(
            "zen.spamhaus.org",
            "20.113.0.203.zen.spamhaus.org",
            &["listed"],
        );
    FakeRegistrar::spawn(opts).unwrap()
}

fn soa_serial(m: &Message) -> u32 {
    match &m.authorities[0].data {
        RData::SOA(s) => s.serial,
        other => panic!("authority holds {other:?}"),
    }
}

#[test]
fn answers_are_authoritative_over_udp_and_tcp() {
    let reg = fake();
    for tcp in [false, true] {
        let m = try_dns(
            reg.dns_addr(),
            "Mail.Example.COM.",
            RecordType::A,
            Ask {
                tcp,
                ..Ask::default()
            },
        )
        .unwrap();
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert!(m.metadata.authoritative);
        assert!(m.metadata.recursion_available);
        assert_eq!(
            answers(&m),
            vec![(
                "mail.example.com.".into(),
                "A".into(),
                "203.0.113.10".into()
            )]
        );
        assert_eq!(m.answers[0].ttl, 300);
    }
    let mx = dns(reg.dns_addr(), "example.com.", RecordType::MX);
    assert_eq!(answers(&mx)[0].2, "10 mail.example.com.");
    let ns = dns(reg.dns_addr(), "example.com.", RecordType::NS);
    let mut names: Vec<String> = answers(&ns).into_iter().map(|a| a.2).collect();
    names.sort();
    assert_eq!(names, vec!["ns1.example.com.", "ns2.example.com."]);
    // Recursive queries are answered the same way (tests use it as "the resolver").
    let rd = try_dns(
        reg.dns_addr(),
        "mail.example.com.",
        RecordType::A,
        Ask {
            rd: true,
            edns: true,
            ..Ask::default()
        },
    )
    .unwrap();
    assert!(rd.metadata.recursion_desired && rd.metadata.recursion_available);
    assert!(rd.edns.is_some());
    assert_eq!(answers(&rd).len(), 1);
}

#[test]
fn cname_chains_are_followed_within_served_zones() {
    let reg = fake();
    let m = dns(reg.dns_addr(), "www.example.com.", RecordType::A);
    assert_eq!(
        answers(&m),
        vec![
            (
                "www.example.com.".into(),
                "CNAME".into(),
                "alias.example.com.".into()
            ),
            (
                "alias.example.com.".into(),
                "CNAME".into(),
                "mail.example.com.".into()
            ),
            (
                "mail.example.com.".into(),
                "A".into(),
                "203.0.113.10".into()
            ),
        ]
    );
    let cross = dns(reg.dns_addr(), "cdn.example.com.", RecordType::AAAA);
    assert_eq!(
        answers(&cross)[1],
        (
            "edge.other.test.".into(),
            "AAAA".into(),
            "2001:db8::5".into()
        )
    );
    let out = dns(reg.dns_addr(), "out.example.com.", RecordType::A);
    assert_eq!(
        (out.metadata.response_code, out.answers.len()),
        (ResponseCode::NoError, 1)
    );
    let dangling = dns(reg.dns_addr(), "dangling.example.com.", RecordType::A);
    assert_eq!(dangling.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(dangling.answers.len(), 1);
    // Asking for the CNAME itself does not chase.
    let own = dns(reg.dns_addr(), "www.example.com.", RecordType::CNAME);
    assert_eq!(answers(&own).len(), 1);
}

#[test]
fn negative_answers_carry_the_soa() {
    let reg = fake();
    let serial = reg.store().zone("example.com").unwrap().serial;
    let nodata = dns(reg.dns_addr(), "mail.example.com.", RecordType::AAAA);
    assert_eq!(nodata.metadata.response_code, ResponseCode::NoError);
    assert!(nodata.metadata.authoritative && nodata.answers.is_empty());
    assert_eq!(nodata.authorities[0].name.to_string(), "example.com.");
    assert_eq!(soa_serial(&nodata), serial);
    assert_eq!(
        nodata.authorities[0].ttl, 300,
        "negative TTL is the SOA minimum"
    );

    let nx = dns(reg.dns_addr(), "nope.example.com.", RecordType::A);
    assert_eq!(nx.metadata.response_code, ResponseCode::NXDomain);
    assert!(nx.metadata.authoritative);
    assert_eq!(nx.authorities[0].record_type(), RecordType::SOA);

    let ent = dns(reg.dns_addr(), "deep.example.com.", RecordType::A);
    assert_eq!(
        (ent.metadata.response_code, ent.answers.len()),
        (ResponseCode::NoError, 0),
        "empty non-terminal"
    );

    // A write bumps the serial the negative answers show.
    reg.store()
        .insert("new.example.com", RrType::A, "192.0.2.77", 60)
        .unwrap();
    assert_eq!(
        soa_serial(&dns(reg.dns_addr(), "nope.example.com.", RecordType::A)),
        serial + 1
    );
    let added = dns(reg.dns_addr(), "new.example.com.", RecordType::A);
    assert_eq!(
        (answers(&added)[0].2.as_str(), added.answers[0].ttl),
        ("192.0.2.77", 60)
    );
}

#[test]
fn names_outside_the_zones_are_refused() {
    let reg = fake();
    for name in ["example.org.", "com.", "."] {
        let m = dns(reg.dns_addr(), name, RecordType::A);
        assert_eq!(m.metadata.response_code, ResponseCode::Refused, "{name}");
        assert!(!m.metadata.authoritative);
    }
    let ch = try_dns(
        reg.dns_addr(),
        "mail.example.com.",
        RecordType::A,
        Ask {
            class: DNSClass::CH,
            ..Ask::default()
        },
    )
    .unwrap();
    assert_eq!(ch.metadata.response_code, ResponseCode::Refused);
}

#[test]
fn synthesized_soa_for_unseeded_zones() {
    let reg = fake();
    let m = dns(reg.dns_addr(), "other.test.", RecordType::SOA);
    match &m.answers[0].data {
        RData::SOA(s) => {
            assert_eq!(s.mname.to_string(), "ns1.other.test.");
            assert_eq!(s.serial, reg.store().zone("other.test").unwrap().serial);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn reverse_and_blocklist_zones_are_ordinary_zones() {
    let reg = fake();
    let ptr = dns(
        reg.dns_addr(),
        "10.113.0.203.in-addr.arpa.",
        RecordType::PTR,
    );
    assert_eq!(answers(&ptr)[0].2, "mail.example.com.");
    let listed = dns(
        reg.dns_addr(),
        "20.113.0.203.zen.spamhaus.org.",
        RecordType::A,
    );
    assert_eq!(answers(&listed)[0].2, "127.0.0.4");
    let clean = dns(
        reg.dns_addr(),
        "10.113.0.203.zen.spamhaus.org.",
        RecordType::A,
    );
    assert_eq!(clean.metadata.response_code, ResponseCode::NXDomain);
}

#[test]
fn whoami_names_answer_the_echo_address() {
    let reg = fake();
    let opendns = dns(reg.dns_addr(), "myip.opendns.com.", RecordType::A);
    assert_eq!(answers(&opendns)[0].2, "203.0.113.20");
    let none = dns(reg.dns_addr(), "myip.opendns.com.", RecordType::AAAA);
    assert_eq!(
        (none.metadata.response_code, none.answers.len()),
        (ResponseCode::NoError, 0)
    );

    let cf = try_dns(
        reg.dns_addr(),
        "whoami.cloudflare.",
        RecordType::TXT,
        Ask {
            class: DNSClass::CH,
            ..Ask::default()
        },
    )
    .unwrap();
    assert_eq!(cf.answers[0].dns_class, DNSClass::CH);
    assert_eq!(answers(&cf)[0].2, "203.0.113.20");
    let cf_in = dns(reg.dns_addr(), "whoami.cloudflare.", RecordType::TXT);
    assert_eq!(answers(&cf_in)[0].2, "203.0.113.20");
    let google = dns(reg.dns_addr(), "o-o.myaddr.l.google.com.", RecordType::TXT);
    assert_eq!(answers(&google)[0].2, "203.0.113.20");

    reg.set_echo_ip("198.51.100.99".parse::<IpAddr>().unwrap());
    reg.set_echo_ip("2001:db8::99".parse::<IpAddr>().unwrap());
    assert_eq!(
        answers(&dns(reg.dns_addr(), "myip.opendns.com.", RecordType::A))[0].2,
        "198.51.100.99"
    );
    assert_eq!(
        answers(&dns(reg.dns_addr(), "myip.opendns.com.", RecordType::AAAA))[0].2,
        "2001:db8::99"
    );
    assert_eq!(
        answers(&dns(reg.dns_addr(), "whoami.cloudflare.", RecordType::TXT))[0].2,
        "198.51.100.99"
    );
    if let Some(v6) = reg.dns_addr_v6() {
        // Over IPv6 the client's own family comes first.
        assert_eq!(
            answers(&dns(v6, "whoami.cloudflare.", RecordType::TXT))[0].2,
            "2001:db8::99"
        );
    }
}

#[test]
fn large_answers_are_truncated_over_udp_only() {
    let reg = fake();
    for i in 0..12 {
        reg.store()
            .insert(
                "big.example.com",
                RrType::TXT,
                &format!("filler-{i}-{}", "x".repeat(40)),
                300,
            )
            .unwrap();
    }
    let udp = dns(reg.dns_addr(), "big.example.com.", RecordType::TXT);
    assert!(udp.metadata.truncation);
    assert!(udp.answers.is_empty());
    let edns = try_dns(
        reg.dns_addr(),
        "big.example.com.",
        RecordType::TXT,
        Ask {
            edns: true,
            ..Ask::default()
        },
    )
    .unwrap();
    assert_eq!((edns.metadata.truncation, edns.answers.len()), (false, 12));
    let tcp = try_dns(
        reg.dns_addr(),
        "big.example.com.",
        RecordType::TXT,
        Ask {
            tcp: true,
            ..Ask::default()
        },
    )
    .unwrap();
    assert_eq!((tcp.metadata.truncation, tcp.answers.len()), (false, 12));
}

#[test]
fn queries_are_logged() {
    let reg = fake();
    dns(reg.dns_addr(), "mail.example.com.", RecordType::A);
    try_dns(
        reg.dns_addr(),
        "nope.example.com.",
        RecordType::AAAA,
        Ask {
            tcp: true,
            ..Ask::default()
        },
    )
    .unwrap();
    let q = reg.dns_queries();
    assert_eq!(q.len(), 2);
    assert_eq!(
        (
            q[0].name.as_str(),
            q[0].qtype.as_str(),
            q[0].protocol.as_str(),
            q[0].rcode.as_str()
        ),
        ("mail.example.com", "A", "udp", "NoError")
    );
    assert_eq!(
        (
            q[1].qtype.as_str(),
            q[1].protocol.as_str(),
            q[1].rcode.as_str()
        ),
        ("AAAA", "tcp", "NXDomain")
    );
}

#[test]
fn mail_set_up_types_are_served_from_the_store() {
    let key = format!("v=DKIM1; k=rsa; p={}", "B".repeat(400));
    let opts = FakeOptions::example()
        .record("example.com", "example.com", RrType::MX, "0 .")
        .record(
            "example.com",
            "_submissions._tcp.example.com",
            RrType::SRV,
            "0 1 465 mail.example.com.",
        )
        .record(
            "example.com",
            "_pop3s._tcp.example.com",
            RrType::SRV,
            "0 0 0 .",
        )
        .record(
            "example.com",
            "example.com",
            RrType::CAA,
            "0 issue \"letsencrypt.org\"",
        )
        .record(
            "example.com",
            "_25._tcp.mail.example.com",
            RrType::TLSA,
            "3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1",
        )
        .record(
            "example.com",
            "mail._domainkey.example.com",
            RrType::TXT,
            &key,
        );
    let reg = FakeRegistrar::spawn(opts).unwrap();
    let at = reg.dns_addr();

    let mx = answers(&dns(at, "example.com.", RecordType::MX));
    assert!(mx.iter().any(|a| a.2 == "0 ."), "{mx:?}");
    assert_eq!(
        answers(&dns(at, "_submissions._tcp.example.com.", RecordType::SRV))[0].2,
        "0 1 465 mail.example.com."
    );
    assert_eq!(
        answers(&dns(at, "_pop3s._tcp.example.com.", RecordType::SRV))[0].2,
        "0 0 0 ."
    );
    // CAA and TLSA go out in their RFC wire form; hickory decodes them as such.
    let caa = dns(at, "example.com.", RecordType::CAA);
    match &caa.answers[0].data {
        RData::CAA(c) => assert_eq!(c.to_string(), "0 issue \"letsencrypt.org\""),
        other => panic!("{other:?}"),
    }
    let tlsa = dns(at, "_25._tcp.mail.example.com.", RecordType::TLSA);
    match &tlsa.answers[0].data {
        RData::TLSA(t) => assert_eq!(
            t.to_string().to_ascii_lowercase(),
            "3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"
        ),
        other => panic!("{other:?}"),
    }
    // A DKIM key longer than 255 bytes: several strings, joined back to the key.
    let txt = dns(at, "mail._domainkey.example.com.", RecordType::TXT);
    let RData::TXT(t) = &txt.answers[0].data else {
        panic!("{txt:?}")
    };
    assert_eq!(t.txt_data.len(), 2);
    assert_eq!(t.txt_data[0].len(), 255);
    let joined: Vec<u8> = t.txt_data.iter().flat_map(|p| p.iter().copied()).collect();
    assert_eq!(joined, key.as_bytes());
}

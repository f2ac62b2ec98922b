//! `check` against the loopback test DNS server (acting as the resolver): one healthy
//! zone without any warning, and one zone per problem, built from it.

use super::*;
use crate::dns::tests::dns_via;
use crate::dns::testserver::{a, aaaa, cname, mx, ptr, txt, TestDns};
use hickory_proto::rr::RecordType;

const IP: &str = "203.0.113.10";
const REV: &str = "10.113.0.203.in-addr.arpa";
const BL: &str = "10.113.0.203.zen.spamhaus.org";
/// A real 2048-bit RSA public key (SubjectPublicKeyInfo), as DKIM publishes it.
const KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAg8nQI1mDWgCzxAREKMVzXhSoxAcdtJRb3U+Q6MhTYAc1sSchYSuLwc42xbuC6xyR+vYQbX9ElOX2NrCGPpw5v34iHmdCwVU9Qgyx66uj2gLaOLEHqoko8DpMvZaJtbCNrmM4je1LHDUG7KpMU0LJumjBMkmvFa8ZzsE1KPROI314ujVBFSZF+n720K+ZILTRiMwmJ7Dtln5alQhkKinUcCra/LkZBkzMCv/Ga3zWzu5kufd25Q7MUb/f/qFEXBe/m9RyYw0Bg/DZepKmO3+Rf0a5eJplGTpjr3uEw7rCXZUNVZRgTrkm3biBSnLNmGl8NMgeij2QeCgqwGLWEvovbQIDAQAB";
/// 1024 bits (a warning) and 512 bits (an error).
const KEY_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDmOo26A4/xjEmBbOJsoNZlo2qpnzukSaW9oQFOtS391aGf2Bvn6MKHIIgBqQh31Zcf7ICAosaREy0FD5xR/BaVtijuvB9nI5oBfc35SObUFBzwDOQWFne7lLNFVJTagwXJjFozlL1QGxx1BkhCMzAs2cEAG48QzhEvdxGCcSGuKQIDAQAB";
const KEY_512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMZrg03d6RtOzwMLjpUxDnvPocYq2MZuNBmBAD9z5PmLREnh6/wNQbaGWK4tuKMo9ajgw+Nj7qDQ45KAhJDZTjUCAwEAAQ==";

/// A domain whose mail works: MX -> A = the public address, PTR = the MX host (FCrDNS),
/// one SPF record with ip4, DMARC p=none, a DKIM key, not on the blocklist.
async fn healthy() -> TestDns {
    let srv = TestDns::start(&[
        "example.com",
        "example.net",
        "in-addr.arpa",
        "ip6.arpa",
        "zen.spamhaus.org",
    ])
    .await;
    srv.add("example.com", mx(10, "mail.example.com"));
    srv.add("mail.example.com", a(IP));
    srv.add(REV, ptr("mail.example.com"));
    srv.add("example.com", txt(&["v=spf1 ip4:203.0.113.10 -all"]));
    srv.add("example.com", txt(&["google-site-verification=abc"]));
    srv.add(
        "_dmarc.example.com",
        txt(&["v=DMARC1; p=none; rua=mailto:postmaster@example.com"]),
    );
    // Split in two strings, as long keys are.
    srv.add(
        "mail._domainkey.example.com",
        txt(&["v=DKIM1; k=rsa; p=", &KEY[..200], &KEY[200..]]),
    );
    srv
}

async fn check_with(srv: &TestDns, addrs: &[&str], ipv6: bool) -> DomainCheck {
    let dns = dns_via(srv.addr, vec![]);
    let addrs: Vec<IpAddr> = addrs.iter().map(|s| s.parse().unwrap()).collect();
    let selectors = vec!["mail".to_string()];
    let blocklists = vec!["zen.spamhaus.org".to_string()];
    let input = CheckInput {
        domain: "Example.COM.",
        addrs: &addrs,
        ipv6_enabled: ipv6,
        dkim_selectors: &selectors,
        blocklists: &blocklists,
        ports: None,
        mail: None,
    };
    check_domain(&dns, &input).await
}

async fn check(srv: &TestDns) -> DomainCheck {
    check_with(srv, &[IP], false).await
}

fn find<'c>(c: &'c DomainCheck, id: &str, sev: Severity) -> &'c Finding {
    c.findings
        .iter()
        .find(|f| f.check == id && f.severity == sev)
        .unwrap_or_else(|| panic!("no {sev:?} {id} in {:#?}", c.findings))
}

fn lacks(c: &DomainCheck, id: &str) {
    assert!(
        c.findings.iter().all(|f| f.check != id),
        "unexpected {id} in {:#?}",
        c.findings
    );
}

/// No warning or error at all.
fn clean(c: &DomainCheck) {
    let bad: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn)
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

#[tokio::test]
async fn healthy_zone_has_no_warning_or_error() {
    let srv = healthy().await;
    let c = check(&srv).await;
    clean(&c);
    assert_eq!(c.domain, "example.com");
    assert_eq!(c.address, vec![IP.parse::<IpAddr>().unwrap()]);
    for id in [
        "mx.host",
        "mx.address",
        "ptr.fcrdns",
        "ptr.match",
        "spf.record",
        "spf.lookups",
        "spf.authorised",
        "dmarc.policy",
        "dkim.key",
        "blocklist.clean",
    ] {
        find(&c, id, Severity::Ok);
    }
    find(&c, "mta_sts.absent", Severity::Info);
    find(&c, "tls_rpt.absent", Severity::Info);
    assert!(!has_errors(std::slice::from_ref(&c)));
    // None of the problem ids shows up on the healthy zone.
    for id in [
        "mx.missing",
        "mx.null",
        "mx.cname",
        "mx.ip_literal",
        "mx.unresolved",
        "mx.aaaa_unmanaged",
        "mx.aaaa_missing",
        "ptr.missing",
        "ptr.isp_default",
        "ptr.mismatch",
        "spf.missing",
        "spf.multiple",
        "spf.syntax",
        "spf.void",
        "spf.include",
        "spf.unauthorised",
        "spf.undecided",
        "dmarc.missing",
        "dmarc.version",
        "dmarc.multiple",
        "dkim.missing",
        "dkim.revoked",
        "dkim.base64",
        "dkim.version",
        "blocklist.pbl",
        "blocklist.listed",
        "blocklist.refused",
    ] {
        lacks(&c, id);
    }
}

#[tokio::test]
async fn no_mx_is_an_error_with_the_record_to_add() {
    let srv = healthy().await;
    srv.set("example.com", RecordType::MX, vec![]);
    let c = check(&srv).await;
    let f = find(&c, "mx.missing", Severity::Error);
    assert!(f.message.contains("fall back"), "{}", f.message);
    assert!(f
        .fix
        .as_deref()
        .unwrap()
        .contains("MX 10 mail.example.com."));
    assert!(has_errors(&[c]));
}

#[tokio::test]
async fn null_mx_on_the_managed_domain_is_an_error() {
    // RFC 7505: a null MX says the domain takes no mail; for the domain whose mail
    // mxddns keeps running, that is the opposite of the goal.
    let srv = healthy().await;
    srv.set("example.com", RecordType::MX, vec![mx(0, ".")]);
    let c = check(&srv).await;
    let f = find(&c, "mx.null", Severity::Error);
    assert!(f.message.contains("accepts no mail"));
    assert!(f
        .fix
        .as_deref()
        .unwrap()
        .contains("MX 10 mail.example.com."));
    lacks(&c, "mx.missing");
}

#[tokio::test]
async fn mx_cname_is_flagged_but_still_followed() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::MX,
        vec![mx(10, "smtp.example.com")],
    );
    srv.add("smtp.example.com", cname("mail.example.com"));
    let c = check(&srv).await;
    let f = find(&c, "mx.cname", Severity::Warn);
    assert!(f.message.contains("RFC 2181 §10.3"), "{}", f.message);
    assert!(f.fix.as_deref().unwrap().contains("end of the chain"));
    // The chain ends at this network's address.
    find(&c, "mx.address", Severity::Ok);
}

#[tokio::test]
async fn mx_ip_literal_is_an_error() {
    let srv = healthy().await;
    srv.set("example.com", RecordType::MX, vec![mx(10, IP)]);
    let c = check(&srv).await;
    let f = find(&c, "mx.ip_literal", Severity::Error);
    assert!(f.fix.as_deref().unwrap().contains("A 203.0.113.10"));
}

#[tokio::test]
async fn mx_host_without_address_is_an_error() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::MX,
        vec![mx(10, "nowhere.example.com")],
    );
    let c = check(&srv).await;
    find(&c, "mx.unresolved", Severity::Error);
    lacks(&c, "mx.host");
}

#[tokio::test]
async fn mx_host_at_another_address_is_an_error() {
    let srv = healthy().await;
    srv.set("mail.example.com", RecordType::A, vec![a("198.51.100.7")]);
    let c = check(&srv).await;
    let f = find(&c, "mx.address", Severity::Error);
    assert!(f.message.contains("198.51.100.7"), "{}", f.message);
    assert!(f.fix.as_deref().unwrap().contains("mxddns --update-now"));
}

#[tokio::test]
async fn only_the_primary_mx_must_point_here() {
    let srv = healthy().await;
    srv.add("example.com", mx(20, "backup.example.net"));
    srv.add("backup.example.net", a("198.51.100.7"));
    let c = check(&srv).await;
    clean(&c);
    assert_eq!(
        c.findings.iter().filter(|f| f.check == "mx.host").count(),
        2
    );
}

#[tokio::test]
async fn aaaa_with_ipv6_off_and_missing_aaaa_with_ipv6_on() {
    let srv = healthy().await;
    srv.add("mail.example.com", aaaa("2001:db8::25"));
    let c = check(&srv).await;
    let f = find(&c, "mx.aaaa_unmanaged", Severity::Warn);
    assert!(f.message.contains("2001:db8::25"), "{}", f.message);

    let srv = healthy().await;
    let c = check_with(&srv, &[IP], true).await;
    find(&c, "mx.aaaa_missing", Severity::Warn);
    lacks(&c, "mx.aaaa_unmanaged");
}

#[tokio::test]
async fn missing_ptr_is_an_error() {
    let srv = healthy().await;
    srv.set(REV, RecordType::PTR, vec![]);
    let c = check(&srv).await;
    let f = find(&c, "ptr.missing", Severity::Error);
    let fix = f.fix.as_deref().unwrap();
    // The request for the ISP, word for word: address, wanted name, that it resolves back.
    assert!(
        fix.contains(
            "the request to send: \"Please set the reverse DNS (PTR record) of 203.0.113.10 to \
             mail.example.com. mail.example.com resolves to 203.0.113.10, so the reverse name is \
             forward-confirmed"
        ),
        "{fix}"
    );
    assert!(!fix.contains("first make"), "{fix}");
    lacks(&c, "ptr.match");
}

#[tokio::test]
async fn the_ptr_request_says_to_make_the_name_resolve_first_when_it_does_not() {
    let srv = healthy().await;
    // Another address: no PTR, and the MX host does not resolve to it.
    let c = check_with(&srv, &["198.51.100.9"], false).await;
    let f = find(&c, "ptr.missing", Severity::Error);
    let fix = f.fix.as_deref().unwrap();
    assert!(
        fix.starts_with("first make mail.example.com resolve to 198.51.100.9"),
        "{fix}"
    );
    assert!(
        fix.contains(
            "Please set the reverse DNS (PTR record) of 198.51.100.9 to mail.example.com."
        ),
        "{fix}"
    );
}

#[test]
fn mta_sts_policies_are_parsed_as_rfc_8461_writes_them() {
    use super::mta_sts::{parse_policy, Mode};
    let p = parse_policy(
        "version: STSv1\r\nmode: enforce\r\nmx: Mail.Example.com.\r\nmx: *.example.net\r\nmax_age: 604800\r\nextension: ignored\r\n",
    )
    .unwrap();
    assert_eq!(p.mode, Mode::Enforce);
    assert_eq!(p.max_age, 604_800);
    assert_eq!(p.mx, vec!["mail.example.com", "*.example.net"]);
    // LF line ends, no mx in mode none, the largest max_age.
    let p = parse_policy("version: STSv1\nmode: none\nmax_age: 31557600").unwrap();
    assert_eq!(p.mode, Mode::None);
    for (text, why) in [
        (
            "mode: enforce\nversion: STSv1\nmx: a.example\nmax_age: 1\n",
            "not the first line",
        ),
        (
            "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",
            "not STSv1",
        ),
        (
            "version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n",
            "mode is",
        ),
        (
            "version: STSv1\nmode: enforce\nmx: a.example\n",
            "no \"max_age:\"",
        ),
        (
            "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n",
            "over the limit",
        ),
        (
            "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n",
            "not a number",
        ),
        ("version: STSv1\nmode: testing\nmax_age: 60\n", "no \"mx:\""),
        (
            "version: STSv1\nmode: enforce\nmx: mail_host\nmax_age: 60\n",
            "neither a host name",
        ),
        (
            "version: STSv1\nmode: enforce\nmx: **.example.com\nmax_age: 60\n",
            "neither a host name",
        ),
        (
            "version: STSv1\nmode: enforce\nmx a.example\nmax_age: 60\n",
            "line 3",
        ),
        ("", "no \"version: STSv1\""),
    ] {
        let problems = parse_policy(text).expect_err(text).join("; ");
        assert!(problems.contains(why), "{text:?}: {problems}");
    }
}

#[test]
fn mta_sts_mx_patterns_match_as_rfc_8461_section_4_1_says() {
    use super::mta_sts::mx_matches;
    assert!(mx_matches("mail.example.com", "MAIL.example.com."));
    assert!(mx_matches("*.example.com", "mail.example.com"));
    assert!(!mx_matches("*.example.com", "example.com"));
    assert!(!mx_matches("*.example.com", "a.b.example.com"));
    assert!(!mx_matches("mail.example.com", "mail2.example.com"));
    assert!(!mx_matches("*.mail.example.com", "mail.example.com"));
}

#[test]
fn mta_sts_coverage_is_an_error_in_enforce_a_warning_in_testing_nothing_in_none() {
    use super::mta_sts::{coverage, Mode, Policy};
    let hosts = vec![
        "mail.example.com".to_string(),
        "mx2.example.net".to_string(),
    ];
    let mut p = Policy {
        mode: Mode::Enforce,
        max_age: 86400,
        mx: vec!["*.example.com".into()],
    };
    let f = &coverage("example.com", &p, &hosts)[0];
    assert_eq!((f.check, f.severity), ("mta_sts.mx", Severity::Error));
    assert!(f.message.contains("mx2.example.net") && !f.message.contains("mail.example.com ma"));
    p.mode = Mode::Testing;
    assert_eq!(
        coverage("example.com", &p, &hosts)[0].severity,
        Severity::Warn
    );
    p.mode = Mode::None;
    assert!(coverage("example.com", &p, &hosts).is_empty());
    p.mode = Mode::Enforce;
    p.mx.push("mx2.example.net".into());
    assert_eq!(
        coverage("example.com", &p, &hosts)[0].severity,
        Severity::Ok
    );
}

#[tokio::test]
async fn ptr_that_does_not_resolve_back_is_an_error() {
    let srv = healthy().await;
    srv.set(REV, RecordType::PTR, vec![ptr("relay.example.com")]);
    srv.add("relay.example.com", a("198.51.100.7"));
    let c = check(&srv).await;
    let f = find(&c, "ptr.fcrdns", Severity::Error);
    assert!(f.message.contains("198.51.100.7"), "{}", f.message);
    find(&c, "ptr.mismatch", Severity::Warn);
}

#[tokio::test]
async fn isp_default_ptr_gets_the_smarthost_advice() {
    let srv = healthy().await;
    let isp = "203-0-113-10.dynamic.isp.example.net";
    srv.set(REV, RecordType::PTR, vec![ptr(isp)]);
    srv.add(isp, a(IP));
    let c = check(&srv).await;
    find(&c, "ptr.fcrdns", Severity::Ok);
    let f = find(&c, "ptr.isp_default", Severity::Warn);
    let fix = f.fix.as_deref().unwrap();
    assert!(
        fix.contains("business lines usually can") && fix.contains("smarthost"),
        "{fix}"
    );
    lacks(&c, "ptr.mismatch");
}

#[test]
fn isp_default_names() {
    use super::ptr::looks_isp_default;
    let ip: IpAddr = IP.parse().unwrap();
    for n in [
        "203-0-113-10.example.net",
        "10.113.0.203.broadband.example.net",
        "host-10-113-0-203.example.net",
        "p203000113010.dip0.example.net",
        "pcb00710a.dip0.example.net",
        "static-ip-x.example.net",
        "ip-1.example.net",
        "adsl-customer.example.net",
        "ppp12.pool.example.net",
    ] {
        assert!(looks_isp_default(n, ip), "{n}");
    }
    for n in [
        "mail.example.com",
        "smtp.example.org",
        "mx1.resources.example.com",
        "203-0-113-100.example.net",
        "mailhost.example.com",
    ] {
        assert!(!looks_isp_default(n, ip), "{n}");
    }
    let v6: IpAddr = "2001:db8::25".parse().unwrap();
    assert!(looks_isp_default("2001-db8--25.example.net", v6));
    assert!(!looks_isp_default("mail.example.com", v6));
}

#[tokio::test]
async fn no_spf_is_an_error() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["google-site-verification=abc"])],
    );
    let c = check(&srv).await;
    let f = find(&c, "spf.missing", Severity::Error);
    assert!(f.fix.as_deref().unwrap().contains("v=spf1"));
}

#[tokio::test]
async fn two_spf_records_are_a_permerror() {
    let srv = healthy().await;
    srv.add("example.com", txt(&["v=spf1 mx -all"]));
    let c = check(&srv).await;
    let f = find(&c, "spf.multiple", Severity::Error);
    assert!(
        f.message.contains("RFC 7208 §3.2") && f.message.contains("permerror"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn spf_syntax_error() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["v=spf1 ip4:203.0.113.300 -all"])],
    );
    let c = check(&srv).await;
    let f = find(&c, "spf.syntax", Severity::Error);
    assert!(f.message.contains("ip4:203.0.113.300"), "{}", f.message);
}

#[tokio::test]
async fn spf_over_ten_lookups_through_nested_includes() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&[
            "v=spf1 ip4:203.0.113.10 include:_spf1.example.com include:_spf.example.net -all",
        ])],
    );
    srv.add(
        "_spf1.example.com",
        txt(&["v=spf1 a:h1.example.com a:h2.example.com a:h3.example.com include:_spf2.example.com ~all"]),
    );
    srv.add(
        "_spf2.example.com",
        txt(&["v=spf1 a:h4.example.com a:h5.example.com a:h6.example.com mx ~all"]),
    );
    srv.add(
        "_spf.example.net",
        txt(&["v=spf1 a:h7.example.net a:h8.example.net ~all"]),
    );
    for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        srv.add(&format!("{h}.example.com"), a("198.51.100.1"));
    }
    srv.add("h7.example.net", a("198.51.100.1"));
    srv.add("h8.example.net", a("198.51.100.1"));
    let c = check(&srv).await;
    // 2 + 4 + 4 + 2 = 12 DNS-querying terms.
    let f = find(&c, "spf.lookups", Severity::Error);
    assert!(f.message.contains("12 DNS-querying terms"), "{}", f.message);
    // The address itself is authorised before the limit is reached.
    find(&c, "spf.authorised", Severity::Ok);
}

#[tokio::test]
async fn spf_include_loop_is_reported() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["v=spf1 include:_a.example.com -all"])],
    );
    srv.add("_a.example.com", txt(&["v=spf1 include:example.com ~all"]));
    let c = check(&srv).await;
    find(&c, "spf.lookups", Severity::Error);
    find(&c, "spf.unauthorised", Severity::Error);
}

#[tokio::test]
async fn spf_void_lookups_and_broken_include() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&[
            "v=spf1 ip4:203.0.113.10 a:gone1.example.com a:gone2.example.com mx:gone3.example.com include:gone4.example.com -all",
        ])],
    );
    let c = check(&srv).await;
    // Over two void look-ups is a permerror for receivers that reach them (RFC 7208
    // §4.6.4); this address matches ip4: first, so its own verdict is still a pass.
    let f = find(&c, "spf.void", Severity::Error);
    assert!(f.message.contains("4 look-ups"), "{}", f.message);
    assert!(f.message.contains("permerror"), "{}", f.message);
    let f = find(&c, "spf.include", Severity::Error);
    assert!(
        f.message.contains("include:gone4.example.com"),
        "{}",
        f.message
    );
    find(&c, "spf.authorised", Severity::Ok);
}

#[tokio::test]
async fn spf_that_does_not_authorise_the_address() {
    for (record, result) in [
        ("v=spf1 ip4:198.51.100.0/24 -all", "fail"),
        ("v=spf1 mx:example.net ~all", "softfail"),
        ("v=spf1 -ip4:203.0.113.10 +all", "fail"),
        ("v=spf1 ip4:198.51.100.1", "neutral"),
    ] {
        let srv = healthy().await;
        srv.set("example.com", RecordType::TXT, vec![txt(&[record])]);
        let c = check(&srv).await;
        let f = find(&c, "spf.unauthorised", Severity::Error);
        assert!(
            f.message.contains(&format!("result is {result}")),
            "{record}: {}",
            f.message
        );
        let fix = f.fix.as_deref().unwrap();
        assert!(
            fix.contains("ip4:203.0.113.10") && fix.contains("spf: true"),
            "{fix}"
        );
        lacks(&c, "spf.authorised");
    }
}

#[tokio::test]
async fn spf_authorises_through_mx_a_include_and_ranges() {
    for (record, through) in [
        ("v=spf1 mx -all", "mx"),
        ("v=spf1 a:mail.example.com -all", "a:mail.example.com"),
        ("v=spf1 a -all", "a"),
        (
            "v=spf1 include:_spf.example.net -all",
            "include:_spf.example.net",
        ),
        ("v=spf1 ip4:203.0.113.0/24 -all", "ip4:203.0.113.0/24"),
        ("v=spf1 mx:example.com/24 -all", "mx:example.com/24"),
        ("v=spf1 redirect=_spf.example.net", "ip4:203.0.113.0/25"),
    ] {
        let srv = healthy().await;
        srv.set("example.com", RecordType::TXT, vec![txt(&[record])]);
        srv.add("example.com", a(IP));
        srv.add("_spf.example.net", txt(&["v=spf1 ip4:203.0.113.0/25 -all"]));
        let c = check(&srv).await;
        let f = find(&c, "spf.authorised", Severity::Ok);
        assert!(
            f.message.contains(&format!("\"{through}\"")),
            "{record}: {}",
            f.message
        );
        lacks(&c, "spf.unauthorised");
        clean(&c);
    }
}

#[tokio::test]
async fn spf_that_hinges_on_exists_cannot_be_decided() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["v=spf1 exists:%{i}.spf.example.com -all"])],
    );
    let c = check(&srv).await;
    find(&c, "spf.undecided", Severity::Info);
    lacks(&c, "spf.unauthorised");
    lacks(&c, "spf.authorised");
    // A pass that comes before it is decided.
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&[
            "v=spf1 ip4:203.0.113.10 exists:%{i}.spf.example.com -all",
        ])],
    );
    let c = check(&srv).await;
    find(&c, "spf.authorised", Severity::Ok);
}

#[tokio::test]
async fn dmarc_missing_bad_policy_multiple_and_misplaced_version() {
    let srv = healthy().await;
    srv.set("_dmarc.example.com", RecordType::TXT, vec![]);
    let c = check(&srv).await;
    let f = find(&c, "dmarc.missing", Severity::Warn);
    assert!(f
        .fix
        .as_deref()
        .unwrap()
        .contains("v=DMARC1; p=none; rua=mailto:postmaster@example.com"));

    for (records, id) in [
        (vec!["v=DMARC1; p=monitor"], "dmarc.policy"),
        (vec!["v=DMARC1; rua=mailto:x@example.com"], "dmarc.policy"),
        (
            vec!["v=DMARC1; p=none", "v=DMARC1; p=reject"],
            "dmarc.multiple",
        ),
        (vec!["p=none; v=DMARC1"], "dmarc.version"),
    ] {
        let srv = healthy().await;
        let data = records.iter().map(|r| txt(&[r])).collect();
        srv.set("_dmarc.example.com", RecordType::TXT, data);
        let c = check(&srv).await;
        find(&c, id, Severity::Error);
        assert!(!c
            .findings
            .iter()
            .any(|f| f.check == "dmarc.policy" && f.severity == Severity::Ok));
    }
}

#[tokio::test]
async fn dkim_missing_revoked_and_bad_base64() {
    for (record, id) in [
        (None, "dkim.missing"),
        (Some("v=DKIM1; k=rsa; p="), "dkim.revoked"),
        (Some("v=DKIM1; k=rsa; p=MIGfMA0G\"CSqGSIb3"), "dkim.base64"),
        (Some("v=DKIM1; k=rsa; p=MIGfMA0GC"), "dkim.base64"),
        (Some("v=DKIM2; p=MIGfMA0GCSqGSIb3"), "dkim.version"),
        (Some("k=rsa; t=y"), "dkim.missing"),
    ] {
        let srv = healthy().await;
        let data = record.map(|r| vec![txt(&[r])]).unwrap_or_default();
        srv.set("mail._domainkey.example.com", RecordType::TXT, data);
        let c = check(&srv).await;
        let f = find(&c, id, Severity::Error);
        assert!(f.fix.is_some());
        lacks(&c, "dkim.key");
    }
}

#[tokio::test]
async fn pbl_listing_is_a_warning_with_the_smarthost_advice() {
    let srv = healthy().await;
    srv.add(BL, a("127.0.0.11"));
    let c = check(&srv).await;
    let f = find(&c, "blocklist.pbl", Severity::Warn);
    assert!(
        f.message.contains("inbound mail is unaffected"),
        "{}",
        f.message
    );
    assert!(f.fix.as_deref().unwrap().contains("smarthost"));
    lacks(&c, "blocklist.listed");
    lacks(&c, "blocklist.clean");
}

#[tokio::test]
async fn refused_query_is_could_not_check_not_listed() {
    let srv = healthy().await;
    srv.add(BL, a("127.255.255.254"));
    let c = check(&srv).await;
    let f = find(&c, "blocklist.refused", Severity::Warn);
    assert!(
        f.message.contains("could not check") && f.message.contains("public"),
        "{}",
        f.message
    );
    lacks(&c, "blocklist.listed");
    lacks(&c, "blocklist.clean");
    assert!(!has_errors(&[c]));
}

#[tokio::test]
async fn sbl_listing_is_an_error() {
    let srv = healthy().await;
    srv.add(BL, a("127.0.0.2"));
    srv.add(BL, a("127.0.0.4"));
    let c = check(&srv).await;
    let listed: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.check == "blocklist.listed" && f.severity == Severity::Error)
        .collect();
    assert_eq!(listed.len(), 2, "{listed:#?}");
    assert!(listed[0].message.contains("SBL") || listed[1].message.contains("SBL"));
    assert!(listed.iter().any(|f| f.message.contains("XBL")));
}

#[tokio::test]
async fn ipv6_address_is_not_checked_against_blocklists() {
    let srv = healthy().await;
    srv.add("mail.example.com", aaaa("2001:db8::25"));
    let v6: IpAddr = "2001:db8::25".parse().unwrap();
    let rev6 = hickory_proto::rr::Name::from(v6).to_ascii();
    srv.add(&rev6, ptr("mail.example.com"));
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["v=spf1 ip4:203.0.113.10 ip6:2001:db8::25 -all"])],
    );
    let c = check_with(&srv, &[IP, "2001:db8::25"], true).await;
    find(&c, "blocklist.ipv6", Severity::Info);
    clean(&c);
    assert_eq!(
        c.findings.iter().filter(|f| f.check == "ptr.match").count(),
        2
    );
}

#[tokio::test]
async fn mta_sts_and_tls_rpt_are_info() {
    let srv = healthy().await;
    srv.add(
        "_mta-sts.example.com",
        txt(&["v=STSv1; id=20240101T000000"]),
    );
    srv.add(
        "_smtp._tls.example.com",
        txt(&["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"]),
    );
    let c = check(&srv).await;
    find(&c, "mta_sts.present", Severity::Info);
    let f = find(&c, "tls_rpt.present", Severity::Info);
    assert!(f.message.contains("mailto:tlsrpt@example.com"));
    // The record is not taken on trust: the policy host mta-sts.example.com has no
    // address here, so the policy cannot be fetched (the policy itself: tests/e2e).
    let f = find(&c, "mta_sts.policy_host", Severity::Warn);
    assert!(f.message.contains("mta-sts.example.com"), "{}", f.message);
    let bad: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn && f.check != "mta_sts.policy_host")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");

    let srv = healthy().await;
    srv.add("_mta-sts.example.com", txt(&["v=STSv1;"]));
    let c = check(&srv).await;
    find(&c, "mta_sts.invalid", Severity::Warn);
}

#[tokio::test]
async fn dns_failure_is_could_not_check_never_ok() {
    let srv = healthy().await;
    srv.servfail("_dmarc.example.com");
    srv.servfail("example.com");
    let c = check(&srv).await;
    let f = find(&c, "dmarc.dns", Severity::Warn);
    assert!(f.message.starts_with("could not check"), "{}", f.message);
    lacks(&c, "dmarc.policy");
    find(&c, "mx.dns", Severity::Warn);
    lacks(&c, "mx.missing");
    find(&c, "spf.dns", Severity::Warn);
    lacks(&c, "spf.missing");
}

#[tokio::test]
async fn without_public_address_the_address_checks_are_skipped() {
    let srv = healthy().await;
    let c = check_with(&srv, &[], false).await;
    find(&c, "mx.address", Severity::Info);
    find(&c, "blocklist.skipped", Severity::Info);
    lacks(&c, "ptr.fcrdns");
    lacks(&c, "spf.authorised");
    clean(&c);
}

#[tokio::test]
async fn reports_in_text_and_json() {
    let srv = healthy().await;
    let good = check(&srv).await;
    srv.set(REV, RecordType::PTR, vec![]);
    srv.set("_dmarc.example.com", RecordType::TXT, vec![]);
    let bad = check(&srv).await;
    let checks = vec![good, bad];

    let text = render_text(&checks);
    assert!(
        text.contains("example.com (public address: 203.0.113.10)"),
        "{text}"
    );
    assert!(text.contains("  ok     "), "{text}");
    assert!(
        text.contains("  ERROR  ") && text.contains("[ptr.missing]"),
        "{text}"
    );
    assert!(
        text.contains("  WARN   ") && text.contains("[dmarc.missing]"),
        "{text}"
    );
    assert!(
        text.contains(
            "         fix: ask the ISP to set the PTR of 203.0.113.10 to mail.example.com"
        ),
        "{text}"
    );
    assert!(text.trim_end().ends_with("1 error, 1 warning"), "{text}");

    let json: serde_json::Value = serde_json::from_str(&render_json(&checks)).unwrap();
    assert_eq!(json["errors"], 1);
    assert_eq!(json["warnings"], 1);
    let domains = json["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 2);
    assert_eq!(domains[0]["domain"], "example.com");
    assert_eq!(domains[0]["address"][0], IP);
    let missing = domains[1]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "ptr.missing")
        .unwrap();
    assert_eq!(missing["severity"], "error");
    assert!(missing["fix"].as_str().unwrap().contains("smarthost"));
    let ok = &domains[0]["findings"][0];
    assert_eq!(ok["severity"], "ok");
    assert!(ok["fix"].is_null());
}

#[tokio::test]
async fn run_checks_the_given_domain() {
    let srv = healthy().await;
    let dns = dns_via(srv.addr, vec![]);
    let addrs = [IP.parse().unwrap()];
    let (text, verdict) = run(
        None,
        Some("example.com"),
        &addrs,
        &dns,
        false,
        &PortsMode::Off,
    )
    .await;
    assert_eq!(verdict, Verdict::Clean, "{text}");
    // No selectors without a configuration: DKIM is not checked, said as info.
    assert!(text.contains("[dkim.unchecked]"), "{text}");
    srv.set(REV, RecordType::PTR, vec![]);
    let (json, verdict) = run(
        None,
        Some("example.com"),
        &addrs,
        &dns,
        true,
        &PortsMode::Off,
    )
    .await;
    assert_eq!(verdict, Verdict::Errors);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["errors"], 1);
    let (msg, verdict) = run(None, None, &addrs, &dns, false, &PortsMode::Off).await;
    assert!(verdict == Verdict::Errors && msg.contains("--domain"));
}

#[tokio::test]
async fn spf_void_lookups_before_the_match_make_the_verdict_a_permerror() {
    let srv = healthy().await;
    srv.add("example.com", a(IP));
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&[
            "v=spf1 a:gone1.example.com a:gone2.example.com a:gone3.example.com a -all",
        ])],
    );
    let c = check(&srv).await;
    find(&c, "spf.void", Severity::Error);
    let f = find(&c, "spf.unauthorised", Severity::Error);
    assert!(f.message.contains("permerror"), "{}", f.message);
    // One verdict for the address: never "authorised" next to the permerror.
    lacks(&c, "spf.authorised");
}

#[tokio::test]
async fn spf_all_pass_neutral_and_missing() {
    for (record, id, sev) in [
        (
            "v=spf1 ip4:203.0.113.10 +all",
            "spf.all_pass",
            Severity::Error,
        ),
        (
            "v=spf1 ip4:203.0.113.10 all",
            "spf.all_pass",
            Severity::Error,
        ),
        (
            "v=spf1 ip4:203.0.113.10 ?all",
            "spf.all_neutral",
            Severity::Warn,
        ),
        ("v=spf1 ip4:203.0.113.10", "spf.all_missing", Severity::Warn),
    ] {
        let srv = healthy().await;
        srv.set("example.com", RecordType::TXT, vec![txt(&[record])]);
        let c = check(&srv).await;
        let f = find(&c, id, sev);
        assert!(f.fix.as_deref().unwrap().contains("-all"), "{record}");
    }
    // A redirect stands in for "all".
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["v=spf1 redirect=_spf.example.net"])],
    );
    srv.add("_spf.example.net", txt(&["v=spf1 ip4:203.0.113.0/25 -all"]));
    let c = check(&srv).await;
    lacks(&c, "spf.all_missing");
}

#[tokio::test]
async fn spf_redirect_next_to_all_is_ignored_and_twice_is_invalid() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&[
            "v=spf1 ip4:203.0.113.10 redirect=_spf.example.net -all",
        ])],
    );
    let c = check(&srv).await;
    find(&c, "spf.redirect_ignored", Severity::Warn);

    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&[
            "v=spf1 redirect=a.example.net redirect=b.example.net",
        ])],
    );
    let c = check(&srv).await;
    let f = find(&c, "spf.syntax", Severity::Error);
    assert!(f.message.contains("redirect"), "{}", f.message);
}

#[tokio::test]
async fn spf_ptr_is_deprecated_and_long_records_are_flagged() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["v=spf1 ip4:203.0.113.10 ptr -all"])],
    );
    let c = check(&srv).await;
    find(&c, "spf.ptr", Severity::Warn);
    lacks(&c, "spf.size");

    let long = format!(
        "v=spf1 ip4:203.0.113.10 {} -all",
        (0..40)
            .map(|i| format!("ip4:198.51.100.{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(long.len() > 512);
    let strings: Vec<&str> = long
        .as_bytes()
        .chunks(200)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    srv.set("example.com", RecordType::TXT, vec![txt(&strings)]);
    let c = check(&srv).await;
    let f = find(&c, "spf.size", Severity::Warn);
    assert!(f.message.contains("512"), "{}", f.message);
}

#[tokio::test]
async fn spf_macros_are_parsed() {
    let srv = healthy().await;
    // Valid macros: undecided (they need the sending session), not an error.
    srv.set(
        "example.com",
        RecordType::TXT,
        vec![txt(&["v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all"])],
    );
    let c = check(&srv).await;
    lacks(&c, "spf.syntax");
    for bad in [
        "v=spf1 exists:%{z}.example.com -all",
        "v=spf1 include:%{d.example.com -all",
        "v=spf1 a:50%.example.com -all",
        "v=spf1 exists:%{c}.example.com -all",
        "v=spf1 exists:%{d0}.example.com -all",
    ] {
        srv.set("example.com", RecordType::TXT, vec![txt(&[bad])]);
        let c = check(&srv).await;
        find(&c, "spf.syntax", Severity::Error);
    }
}

#[tokio::test]
async fn dkim_key_sizes_and_testing_mode() {
    let name = "mail._domainkey.example.com";
    for (key, id, sev, words) in [
        (KEY_512, "dkim.key_size", Severity::Error, "512 bits"),
        (KEY_1024, "dkim.key_size", Severity::Warn, "1024 bits"),
        (KEY, "dkim.key", Severity::Ok, "2048-bit"),
    ] {
        let srv = healthy().await;
        let (a, b) = key.split_at(key.len() / 2);
        srv.set(
            name,
            RecordType::TXT,
            vec![txt(&["v=DKIM1; k=rsa; p=", a, b])],
        );
        let c = check(&srv).await;
        let f = find(&c, id, sev);
        assert!(f.message.contains(words), "{}", f.message);
    }
    let srv = healthy().await;
    srv.set(
        name,
        RecordType::TXT,
        vec![txt(&["v=DKIM1; k=rsa; t=y; p=", &KEY[..200], &KEY[200..]])],
    );
    let c = check(&srv).await;
    let f = find(&c, "dkim.testing", Severity::Info);
    assert!(f.message.contains("t=y"), "{}", f.message);
    assert_eq!(super::dkim::rsa_bits(KEY), Some(2048));
    assert_eq!(super::dkim::rsa_bits("AAAA"), None);
}

#[tokio::test]
async fn dmarc_tags_uris_and_report_destinations() {
    let srv = healthy().await;
    let dmarc = "_dmarc.example.com";
    // Bad values, an unknown tag, a non-mailto URI.
    srv.set(
        dmarc,
        RecordType::TXT,
        vec![txt(&[
            "v=DMARC1; p=reject; sp=bogus; adkim=x; pct=150; fo=2; rua=https://r.example.com/x; foo=bar",
        ])],
    );
    let c = check(&srv).await;
    let bad: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.check == "dmarc.tag")
        .collect();
    for tag in ["sp=bogus", "adkim=x", "pct=150", "fo=2", "foo="] {
        assert!(
            bad.iter().any(|f| f.message.contains(tag)),
            "{tag} in {bad:#?}"
        );
    }
    find(&c, "dmarc.uri", Severity::Error);

    // An outside report domain that does not authorise the reports, and one that does.
    srv.set(
        dmarc,
        RecordType::TXT,
        vec![txt(&["v=DMARC1; p=none; rua=mailto:d@reports.example.net"])],
    );
    srv.add("reports.example.net", mx(10, "mx.example.net"));
    let c = check(&srv).await;
    let f = find(&c, "dmarc.external", Severity::Warn);
    assert!(
        f.fix
            .as_deref()
            .unwrap()
            .contains("example.com._report._dmarc.reports.example.net"),
        "{f:?}"
    );
    srv.add(
        "example.com._report._dmarc.reports.example.net",
        txt(&["v=DMARC1"]),
    );
    let c = check(&srv).await;
    find(&c, "dmarc.external", Severity::Ok);
    lacks(&c, "dmarc.report_domain");

    // A report domain that cannot receive mail.
    srv.set(
        dmarc,
        RecordType::TXT,
        vec![txt(&["v=DMARC1; p=none; rua=mailto:d@nomail.example.com"])],
    );
    let c = check(&srv).await;
    find(&c, "dmarc.report_domain", Severity::Warn);
    lacks(&c, "dmarc.external");
}

#[tokio::test]
async fn a_reverse_name_inside_the_domain_is_not_an_isp_default() {
    let srv = healthy().await;
    // The operator's own host name, with a word ISPs also use ("host", "dyn").
    srv.set(REV, RecordType::PTR, vec![ptr("dyn-host1.example.com")]);
    srv.add("dyn-host1.example.com", a(IP));
    let c = check(&srv).await;
    lacks(&c, "ptr.isp_default");
    find(&c, "ptr.mismatch", Severity::Warn);
}

#[tokio::test]
async fn the_ptr_fix_never_names_an_alias() {
    let srv = healthy().await;
    srv.set(
        "example.com",
        RecordType::MX,
        vec![mx(10, "smtp.example.com")],
    );
    srv.add("smtp.example.com", cname("mail.example.com"));
    srv.set(REV, RecordType::PTR, vec![]);
    let c = check(&srv).await;
    let f = find(&c, "ptr.missing", Severity::Error);
    let fix = f.fix.as_deref().unwrap();
    assert!(fix.contains("to mail.example.com"), "{fix}");
    assert!(!fix.contains("smtp.example.com"), "{fix}");
}

#[tokio::test]
async fn tls_rpt_uris_are_checked() {
    let srv = healthy().await;
    for (rua, ok) in [
        ("mailto:tlsrpt@example.com", true),
        ("mailto:a@example.com,https://r.example.com/v1", true),
        ("mailto:a@example.com,ftp://x", false),
        ("mailto:nobody", false),
        ("https://", false),
    ] {
        srv.set(
            "_smtp._tls.example.com",
            RecordType::TXT,
            vec![txt(&[&format!("v=TLSRPTv1; rua={rua}")])],
        );
        let c = check(&srv).await;
        if ok {
            find(&c, "tls_rpt.present", Severity::Info);
        } else {
            find(&c, "tls_rpt.invalid", Severity::Warn);
        }
    }
}

//! Look-ups against the loopback test server (acting as resolver and as authoritative).

use super::testserver::{a, aaaa, cname, mx, ns, ptr, txt, TestDns};
use super::{Dns, Family, Found, MxHost};
use crate::config::{DnsConfig, ServerSpec, VerifyMode};
use hickory_proto::rr::{RData, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub(crate) fn dns_via(resolver: SocketAddr, authoritative: Vec<ServerSpec>) -> Dns {
    dns_via_all(vec![resolver], authoritative)
}

/// Look-ups through these resolvers, in this order.
fn dns_via_all(resolvers: Vec<SocketAddr>, authoritative: Vec<ServerSpec>) -> Dns {
    let cfg = DnsConfig {
        resolvers,
        verify: VerifyMode::Authoritative,
        authoritative,
        verify_timeout: Duration::from_secs(5),
    };
    Dns::new(&cfg).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn mxh(preference: u16, host: &str) -> MxHost {
    MxHost {
        preference,
        host: host.into(),
    }
}

#[tokio::test]
async fn mx_sorted_by_preference_then_name() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("example.com", mx(20, "b.example.com"));
    srv.add("example.com", mx(10, "Z.example.com"));
    srv.add("example.com", mx(10, "a.example.com"));
    let dns = dns_via(srv.addr, vec![]);
    let want = vec![
        mxh(10, "a.example.com"),
        mxh(10, "z.example.com"),
        mxh(20, "b.example.com"),
    ];
    assert_eq!(dns.mx("Example.COM.").await.unwrap(), want);
    assert_eq!(dns.mx_at(srv.addr, "example.com").await.unwrap(), want);
}

#[tokio::test]
async fn no_mx_is_empty_not_error() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("www.example.com", a("203.0.113.1"));
    let dns = dns_via(srv.addr, vec![]);
    // NODATA: the name exists without MX.
    assert_eq!(dns.mx("www.example.com").await.unwrap(), vec![]);
    // NXDOMAIN.
    assert_eq!(dns.mx("nothing.example.com").await.unwrap(), vec![]);
    assert_eq!(
        dns.mx_at(srv.addr, "nothing.example.com").await.unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn zone_of_apex_subdomain_deeper_and_second_level_registries() {
    let srv = TestDns::start(&["example.com", "sub.example.com", "com.cn", "example.com.cn"]).await;
    srv.add("mail.example.com", a("203.0.113.1"));
    srv.add("alias.example.com", cname("mail.example.com"));
    srv.add("mail.example.com.cn", a("203.0.113.2"));
    srv.add("host.sub.example.com", a("203.0.113.3"));
    let dns = dns_via(srv.addr, vec![]);
    assert_eq!(dns.zone_of("example.com").await.unwrap(), "example.com");
    assert_eq!(
        dns.zone_of("mail.example.com").await.unwrap(),
        "example.com"
    );
    assert_eq!(
        dns.zone_of("alias.example.com").await.unwrap(),
        "example.com"
    );
    assert_eq!(
        dns.zone_of("a.b.c.example.com").await.unwrap(),
        "example.com"
    );
    assert_eq!(
        dns.zone_of("mail.example.com.cn").await.unwrap(),
        "example.com.cn"
    );
    assert_eq!(
        dns.zone_of("example.com.cn").await.unwrap(),
        "example.com.cn"
    );
    assert_eq!(
        dns.zone_of("host.sub.example.com").await.unwrap(),
        "sub.example.com"
    );
}

#[tokio::test]
async fn zone_of_outside_every_zone_is_an_error() {
    let srv = TestDns::start(&["example.com"]).await;
    let dns = dns_via(srv.addr, vec![]);
    let err = dns.zone_of("mail.example.org").await.unwrap_err();
    assert!(err.is_refused(), "{err}");
}

#[tokio::test]
async fn authoritative_from_config_resolves_hosts_keeps_ports() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("ns1.example.com", a("127.0.0.9"));
    srv.add("ns1.example.com", aaaa("::1"));
    let spec = |host: &str, port| ServerSpec {
        host: host.into(),
        port,
    };
    let dns = dns_via(
        srv.addr,
        vec![
            spec("127.0.0.1", 5353),
            spec("ns1.example.com", 5300),
            spec("127.0.0.9", 5300),
        ],
    );
    let got = dns.authoritative("example.com").await.unwrap();
    let want: Vec<SocketAddr> = vec![
        "127.0.0.1:5353".parse().unwrap(),
        "127.0.0.9:5300".parse().unwrap(),
        "[::1]:5300".parse().unwrap(),
    ];
    assert_eq!(got, want);
}

#[tokio::test]
async fn authoritative_from_ns_at_port_53() {
    let srv = TestDns::start(&["example.com", "dns.test"]).await;
    srv.add("example.com", ns("ns2.dns.test"));
    srv.add("example.com", ns("ns1.dns.test"));
    srv.add("ns1.dns.test", a("127.0.0.11"));
    srv.add("ns2.dns.test", a("127.0.0.12"));
    let dns = dns_via(srv.addr, vec![]);
    let got = dns.authoritative("example.com").await.unwrap();
    let want: Vec<SocketAddr> = vec![
        "127.0.0.11:53".parse().unwrap(),
        "127.0.0.12:53".parse().unwrap(),
    ];
    assert_eq!(got, want);
}

#[tokio::test]
async fn authoritative_without_addresses_is_an_error() {
    let srv = TestDns::start(&["example.com", "dns.test"]).await;
    srv.add("example.com", ns("ns1.dns.test"));
    let dns = dns_via(srv.addr, vec![]);
    let err = dns
        .authoritative("example.com")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("example.com"), "{err}");
    assert!(err.contains("ns1.dns.test has no address"), "{err}");
    let srv2 = TestDns::start(&["example.org"]).await;
    let dns = dns_via(srv2.addr, vec![]);
    let err = dns
        .authoritative("example.org")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no NS records"), "{err}");
}

#[tokio::test]
async fn chain_with_zero_one_and_two_hops() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("mail.example.com", a("203.0.113.20"));
    srv.add("mail.example.com", aaaa("2001:db8::20"));
    srv.add("mx.example.com", cname("mail.example.com"));
    srv.add("smtp.example.com", cname("mx.example.com"));
    let dns = dns_via(srv.addr, vec![]);

    let c = dns
        .chain_at(srv.addr, "mail.example.com", Family::V4)
        .await
        .unwrap();
    assert!(c.hops.is_empty());
    assert_eq!(c.end, "mail.example.com");
    assert_eq!(c.addrs, vec![ip("203.0.113.20")]);
    assert!(!c.external);

    let c = dns
        .chain_at(srv.addr, "MX.example.com.", Family::V6)
        .await
        .unwrap();
    assert_eq!(
        c.hops,
        vec![("mx.example.com".into(), "mail.example.com".into())]
    );
    assert_eq!(c.end, "mail.example.com");
    assert_eq!(c.addrs, vec![ip("2001:db8::20")]);
    assert_eq!(c.alias_target(), Some("mail.example.com"));

    let c = dns
        .chain_at(srv.addr, "smtp.example.com", Family::V4)
        .await
        .unwrap();
    assert_eq!(
        c.hops,
        vec![
            ("smtp.example.com".into(), "mx.example.com".into()),
            ("mx.example.com".into(), "mail.example.com".into()),
        ]
    );
    assert_eq!(c.addrs, vec![ip("203.0.113.20")]);
    assert!(!c.external);
}

#[tokio::test]
async fn chain_to_a_missing_name_has_no_addresses() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("mx.example.com", cname("gone.example.com"));
    let dns = dns_via(srv.addr, vec![]);
    let c = dns
        .chain_at(srv.addr, "mail.example.com", Family::V4)
        .await
        .unwrap();
    assert_eq!((c.end.as_str(), c.addrs.len()), ("mail.example.com", 0));
    let c = dns
        .chain_at(srv.addr, "mx.example.com", Family::V4)
        .await
        .unwrap();
    assert_eq!((c.end.as_str(), c.addrs.len()), ("gone.example.com", 0));
    assert!(!c.external);
}

#[tokio::test]
async fn cname_loop_and_long_chain_are_errors() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("a.example.com", cname("b.example.com"));
    srv.add("b.example.com", cname("a.example.com"));
    for i in 0..10 {
        srv.add(
            &format!("h{i}.example.com"),
            cname(&format!("h{}.example.com", i + 1)),
        );
    }
    srv.add("h10.example.com", a("203.0.113.5"));
    let dns = dns_via(srv.addr, vec![]);
    let err = dns
        .chain_at(srv.addr, "a.example.com", Family::V4)
        .await
        .unwrap_err();
    assert!(err.is_bad_chain());
    let msg = err.to_string();
    assert!(
        msg.contains("loop") && msg.contains("a.example.com -> b.example.com -> a.example.com"),
        "{msg}"
    );
    let err = dns
        .chain_at(srv.addr, "h0.example.com", Family::V4)
        .await
        .unwrap_err();
    assert!(err.is_bad_chain());
    assert!(err.to_string().contains("longer than 8"), "{err}");
    // Eight aliases are fine.
    let c = dns
        .chain_at(srv.addr, "h2.example.com", Family::V4)
        .await
        .unwrap();
    assert_eq!(c.hops.len(), 8);
    assert_eq!(c.addrs, vec![ip("203.0.113.5")]);
}

#[tokio::test]
async fn chain_leaving_the_zone_continues_through_the_resolver() {
    let auth = TestDns::start(&["example.com"]).await;
    auth.add("mail.example.com", cname("home.provider.net"));
    let recursive = TestDns::start(&["example.com", "provider.net"]).await;
    recursive.add("home.provider.net", cname("pool-7.provider.net"));
    recursive.add("pool-7.provider.net", a("198.51.100.7"));
    let dns = dns_via(recursive.addr, vec![]);
    let c = dns
        .chain_at(auth.addr, "mail.example.com", Family::V4)
        .await
        .unwrap();
    assert_eq!(
        c.hops,
        vec![
            ("mail.example.com".into(), "home.provider.net".into()),
            ("home.provider.net".into(), "pool-7.provider.net".into()),
        ]
    );
    assert_eq!(c.end, "pool-7.provider.net");
    assert_eq!(c.addrs, vec![ip("198.51.100.7")]);
    assert!(c.external);
}

#[tokio::test]
async fn asking_a_server_about_a_foreign_name_is_refused() {
    let auth = TestDns::start(&["example.com"]).await;
    let dns = dns_via(auth.addr, vec![]);
    let err = dns
        .chain_at(auth.addr, "mail.example.org", Family::V4)
        .await
        .unwrap_err();
    assert!(err.is_refused());
    let msg = err.to_string();
    assert!(
        msg.contains(&auth.addr.to_string()) && msg.contains("mail.example.org"),
        "{msg}"
    );
}

#[tokio::test]
async fn txt_keeps_split_strings() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("example.com", txt(&["v=spf1 ip4:203.0.113.20", " mx ~all"]));
    srv.add("example.com", txt(&["google-site-verification=abc"]));
    srv.add("example.com", mx(10, "mail.example.com"));
    let dns = dns_via(srv.addr, vec![]);
    let mut got = dns.txt_at(srv.addr, "example.com").await.unwrap();
    got.sort();
    let want = vec![
        vec!["google-site-verification=abc".to_string()],
        vec![
            "v=spf1 ip4:203.0.113.20".to_string(),
            " mx ~all".to_string(),
        ],
    ];
    assert_eq!(got, want);
    let mut got = dns.txt("example.com").await.unwrap();
    got.sort();
    assert_eq!(got, want);
    assert!(dns
        .txt_at(srv.addr, "mail.example.com")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn servfail_and_timeout_are_errors_not_empty_answers() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.servfail("broken.example.com");
    let dns = dns_via(srv.addr, vec![]).with_timeout(Duration::from_millis(200));
    let err = dns
        .chain_at(srv.addr, "broken.example.com", Family::V4)
        .await
        .unwrap_err();
    assert!(err.is_servfail() && err.is_transient(), "{err}");
    assert!(err.to_string().contains("broken.example.com A"), "{err}");
    let err = dns.mx("broken.example.com").await.unwrap_err();
    assert!(err.is_servfail(), "{err}");

    // A server that never answers.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let err = dns.txt_at(addr, "example.com").await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}

#[tokio::test]
async fn recursive_addresses_reverse_names_and_cname() {
    let srv = TestDns::start(&["example.com", "in-addr.arpa"]).await;
    srv.add("mail.example.com", a("203.0.113.20"));
    srv.add("mail.example.com", aaaa("2001:db8::20"));
    srv.add("mx.example.com", cname("mail.example.com"));
    srv.add("20.113.0.203.in-addr.arpa", ptr("Host-20.ISP.example.com"));
    let dns = dns_via(srv.addr, vec![]);
    assert_eq!(
        dns.addrs("mx.example.com").await.unwrap(),
        vec![ip("203.0.113.20"), ip("2001:db8::20")]
    );
    assert!(dns.addrs("none.example.com").await.unwrap().is_empty());
    assert_eq!(
        dns.ptr(ip("203.0.113.20")).await.unwrap(),
        vec!["host-20.isp.example.com".to_string()]
    );
    assert!(dns.ptr(ip("203.0.113.21")).await.unwrap().is_empty());
    assert_eq!(
        dns.cname("mx.example.com").await.unwrap().as_deref(),
        Some("mail.example.com")
    );
    assert_eq!(dns.cname("mail.example.com").await.unwrap(), None);
    assert_eq!(dns.cname("none.example.com").await.unwrap(), None);
}

#[tokio::test]
async fn a_bad_name_is_reported() {
    let srv = TestDns::start(&["example.com"]).await;
    let dns = dns_via(srv.addr, vec![]);
    let err = dns.mx("a..b").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("\"a..b\" is not a valid domain name"),
        "{err}"
    );
}

// The stub resolver: verdicts, chains, transport and failover.

#[tokio::test]
async fn stub_answer_nodata_and_nxdomain_are_told_apart() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("example.com", mx(10, "mail.example.com"));
    srv.add("mail.example.com", a("203.0.113.20"));
    let dns = dns_via(srv.addr, vec![]);
    assert_eq!(
        dns.mx_found("example.com").await.unwrap(),
        Found::Answer(vec![mxh(10, "mail.example.com")])
    );
    assert_eq!(
        dns.mx_found("mail.example.com").await.unwrap(),
        Found::NoData
    );
    assert_eq!(
        dns.mx_found("nothing.example.com").await.unwrap(),
        Found::NxDomain
    );
    assert_eq!(
        dns.addrs_found("mail.example.com").await.unwrap(),
        Found::Answer(vec![ip("203.0.113.20")])
    );
    assert_eq!(dns.addrs_found("example.com").await.unwrap(), Found::NoData);
    assert_eq!(
        dns.addrs_found("nothing.example.com").await.unwrap(),
        Found::NxDomain
    );
    assert_eq!(
        dns.txt_found("nothing.example.com").await.unwrap(),
        Found::NxDomain
    );
}

#[tokio::test]
async fn stub_cname_chain_keeps_its_intermediates() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("mx.example.com", cname("alias.example.com"));
    srv.add("alias.example.com", cname("mail.example.com"));
    srv.add("mail.example.com", a("203.0.113.20"));
    srv.add("dangling.example.com", cname("gone.example.com"));
    let dns = dns_via(srv.addr, vec![]);
    let Found::Answer(records) = dns.query("MX.example.com.", RecordType::A).await.unwrap() else {
        panic!("no answer");
    };
    let shown: Vec<String> = records
        .iter()
        .map(|r| format!("{} {}", r.name, r.data))
        .collect();
    assert_eq!(
        shown,
        vec![
            "mx.example.com. alias.example.com.",
            "alias.example.com. mail.example.com.",
            "mail.example.com. 203.0.113.20",
        ],
        "{shown:?}"
    );
    // A CNAME to a name that does not exist: NXDOMAIN, not an answer of CNAMEs.
    assert_eq!(
        dns.query("dangling.example.com", RecordType::A)
            .await
            .unwrap(),
        Found::NxDomain
    );
    assert_eq!(
        dns.cname("dangling.example.com").await.unwrap().as_deref(),
        Some("gone.example.com")
    );
}

#[tokio::test]
async fn stub_follows_a_chain_the_resolver_left_unfinished_and_fails_over_on_refused() {
    // The first resolver serves only example.com: it answers the alias with the CNAME
    // alone, and refuses the target, which the second resolver answers.
    let first = TestDns::start(&["example.com"]).await;
    first.add("mail.example.com", cname("home.provider.net"));
    let second = TestDns::start(&["provider.net"]).await;
    second.add("home.provider.net", a("198.51.100.7"));
    let dns = dns_via_all(vec![first.addr, second.addr], vec![]);
    let Found::Answer(records) = dns.query("mail.example.com", RecordType::A).await.unwrap() else {
        panic!("no answer");
    };
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(matches!(records[0].data, RData::CNAME(_)), "{records:?}");
    assert_eq!(
        dns.addrs("mail.example.com").await.unwrap(),
        vec![ip("198.51.100.7")]
    );
    // Asked first, the first resolver took every question; only the target went on.
    assert!(second.queries() >= 1);
}

#[tokio::test]
async fn stub_asks_again_over_tcp_when_truncated() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("example.com", txt(&["v=spf1 mx -all"]));
    srv.truncate();
    let dns = dns_via(srv.addr, vec![]);
    assert_eq!(
        dns.txt("example.com").await.unwrap(),
        vec![vec!["v=spf1 mx -all".to_string()]]
    );
    assert_eq!(srv.tcp_queries(), 1);
}

#[tokio::test]
async fn stub_ignores_a_reply_with_another_id() {
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("mail.example.com", a("203.0.113.20"));
    srv.forge();
    let dns = dns_via(srv.addr, vec![]);
    let before = super::matcher::dropped();
    let got = dns.query("mail.example.com", RecordType::A).await.unwrap();
    let Found::Answer(records) = got else {
        panic!("no answer");
    };
    let addrs: Vec<IpAddr> = records.iter().filter_map(|r| r.data.ip_addr()).collect();
    assert_eq!(
        addrs,
        vec![ip("203.0.113.20")],
        "the forged 192.0.2.66 was taken"
    );
    assert!(super::matcher::dropped() > before);
}

#[tokio::test]
async fn stub_goes_on_to_the_next_resolver_after_a_time_out() {
    let silent = TestDns::start(&["example.com"]).await;
    silent.silence();
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("example.com", mx(10, "mail.example.com"));
    let dns =
        dns_via_all(vec![silent.addr, srv.addr], vec![]).with_timeout(Duration::from_millis(200));
    assert_eq!(
        dns.mx("example.com").await.unwrap(),
        vec![mxh(10, "mail.example.com")]
    );
    // Only silence: a time-out, asked once more (two tries), naming the resolver.
    let dns = dns_via(silent.addr, vec![]).with_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let err = dns.mx("example.com").await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains(&silent.addr.to_string()), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn stub_servfail_and_refused_name_the_resolver() {
    let broken = TestDns::start(&["example.com"]).await;
    broken.servfail("example.com");
    let srv = TestDns::start(&["example.com"]).await;
    srv.add("example.com", mx(10, "mail.example.com"));
    // SERVFAIL from the first: the second answers.
    let dns = dns_via_all(vec![broken.addr, srv.addr], vec![]);
    assert_eq!(
        dns.mx("example.com").await.unwrap(),
        vec![mxh(10, "mail.example.com")]
    );
    // SERVFAIL from the only one: an error naming it, after the bounded attempts.
    let dns = dns_via(broken.addr, vec![]);
    let err = dns.mx("example.com").await.unwrap_err();
    assert!(err.is_servfail(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&broken.addr.to_string()), "{msg}");
    assert!(msg.contains("SERVFAIL"), "{msg}");
    // REFUSED (a resolver that does not recurse for us): not asked again, named.
    let asked = broken.queries();
    let err = dns.mx("example.org").await.unwrap_err();
    assert!(err.is_refused(), "{err}");
    assert!(err.to_string().contains(&broken.addr.to_string()), "{err}");
    assert_eq!(broken.queries(), asked + 1);
}

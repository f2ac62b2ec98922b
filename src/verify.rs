//! Verification of a change: ask every authoritative server, directly and uncached,
//! whether `MX domain -> host -> address` now ends at the expected addresses (and the
//! alias and SPF record are as expected), polling until all agree or time runs out.

use crate::dns::join::join_all;
use crate::dns::{Chain, Dns, DnsError, Family};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::time::Instant;

/// The first wait between two checks; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// A check started near the deadline may still take this long.
const MIN_ROUND: Duration = Duration::from_millis(500);

/// What the servers must hold once the change is visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The mail domain (owner of the MX records).
    pub domain: String,
    /// The MX host we manage: the domain's MX must list it, or a host whose CNAME chain
    /// ends where this one's does.
    pub host: String,
    /// The addresses expected at the end of `host`'s chain, per family present (v4
    /// and/or v6). A family absent here is not checked.
    pub addrs: Vec<IpAddr>,
    /// CNAME mode: `host` must be an alias of this name.
    pub cname_target: Option<String>,
    /// The expected text of the domain's `v=spf1` record (its strings joined).
    pub spf: Option<String>,
}

/// How verification went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Every server holds what was expected.
    pub ok: bool,
    /// From the first question to the last answer.
    pub elapsed: Duration,
    pub servers_ok: usize,
    pub servers_total: usize,
    /// Rounds of questions asked.
    pub polls: u32,
    /// When not ok: what is still wrong at which server. When ok: a summary.
    pub detail: String,
}

/// Check every server in `servers` now, then again after 250 ms, 500 ms, 1 s, 2 s, 2 s…
/// until all hold `exp` or `timeout` has passed. A server that passed once is not
/// asked again.
pub async fn verify(
    dns: &Dns,
    servers: &[SocketAddr],
    exp: &Expectation,
    timeout: Duration,
) -> VerifyReport {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut pending: Vec<(SocketAddr, String)> = Vec::new();
    for s in servers {
        if !pending.iter().any(|(p, _)| p == s) {
            pending.push((*s, String::new()));
        }
    }
    let total = pending.len();
    if total == 0 {
        return VerifyReport {
            ok: false,
            elapsed: Duration::ZERO,
            servers_ok: 0,
            servers_total: 0,
            polls: 0,
            detail: rust_i18n::t!("ui.verify").into_owned(),
        };
    }
    let exp = Prepared::new(exp);
    let mut polls = 0;
    let mut backoff = FIRST_BACKOFF;
    loop {
        polls += 1;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(MIN_ROUND);
        let checks = pending
            .iter()
            .map(|(s, _)| check_server(dns, *s, &exp))
            .collect();
        match tokio::time::timeout(left, join_all(checks)).await {
            Ok(results) => {
                let mut still = Vec::new();
                for ((server, _), result) in pending.into_iter().zip(results) {
                    if let Err(problems) = result {
                        still.push((server, problems.join("; ")));
                    }
                }
                pending = still;
            }
            Err(_) => {
                for (_, detail) in pending.iter_mut().filter(|(_, d)| d.is_empty()) {
                    *detail = rust_i18n::t!("ui.verify.2").into_owned();
                }
            }
        }
        let now = Instant::now();
        if pending.is_empty() || now >= deadline {
            let ok = pending.is_empty();
            let detail = if ok {
                rust_i18n::t!(
                    "ui.verify.3",
                    total = total,
                    v1 = exp.raw.domain,
                    v2 = exp.raw.host,
                    v3 = exp.summary()
                )
                .into_owned()
            } else {
                pending
                    .iter()
                    .map(|(s, d)| format!("{s}: {d}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            return VerifyReport {
                ok,
                elapsed: now - start,
                servers_ok: total - pending.len(),
                servers_total: total,
                polls,
                detail,
            };
        }
        tokio::time::sleep(backoff.min(deadline - now)).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// What the authoritative servers hold now for `host` (`family`), before deciding
/// whether to write: the answer of the first server in `servers` that answers. A CNAME
/// loop or over-long chain is returned at once (the zone's data is wrong wherever it is
/// read); other failures move on to the next server, and the last one is returned when
/// none answers.
pub async fn current_at(
    dns: &Dns,
    servers: &[SocketAddr],
    host: &str,
    family: Family,
) -> Result<Chain, DnsError> {
    let mut last = None;
    for server in servers {
        match dns.chain_at(*server, host, family).await {
            Ok(chain) => return Ok(chain),
            Err(e) if e.is_bad_chain() => return Err(e),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| DnsError::NoAuthoritative {
        zone: host.to_string(),
        detail: rust_i18n::t!("ui.verify.4").into_owned(),
    }))
}

/// The expectation, normalised once.
struct Prepared<'a> {
    raw: &'a Expectation,
    domain: String,
    host: String,
    /// Expected addresses per family, sorted.
    addrs: BTreeMap<Family, Vec<IpAddr>>,
    cname_target: Option<String>,
}

impl<'a> Prepared<'a> {
    fn new(raw: &'a Expectation) -> Prepared<'a> {
        // As the DNS module returns names (punycode, lowercase, no dot); a name it cannot
        // parse is kept as given, and the look-ups will report it.
        let norm = |s: &str| {
            crate::dns::names::normalize(s)
                .unwrap_or_else(|_| s.trim_end_matches('.').to_ascii_lowercase())
        };
        let mut addrs: BTreeMap<Family, Vec<IpAddr>> = BTreeMap::new();
        for ip in &raw.addrs {
            let v = addrs.entry(Family::of(*ip)).or_default();
            if !v.contains(ip) {
                v.push(*ip);
            }
        }
        for v in addrs.values_mut() {
            v.sort();
        }
        Prepared {
            raw,
            domain: norm(&raw.domain),
            host: norm(&raw.host),
            addrs,
            cname_target: raw.cname_target.as_deref().map(norm),
        }
    }

    /// The families whose chains must be followed (A alone when only the alias matters).
    fn families(&self) -> Vec<Family> {
        if self.addrs.is_empty() {
            vec![Family::V4]
        } else {
            self.addrs.keys().copied().collect()
        }
    }

    /// ` -> 203.0.113.20, 2001:db8::20` (or the alias) for the success summary.
    fn summary(&self) -> String {
        let mut s = String::new();
        if let Some(t) = &self.cname_target {
            s.push_str(&format!(" -> {t}"));
        }
        let all: Vec<String> = self
            .addrs
            .values()
            .flatten()
            .map(|ip| ip.to_string())
            .collect();
        if !all.is_empty() {
            s.push_str(&format!(" -> {}", all.join(", ")));
        }
        if self.raw.spf.is_some() {
            s.push_str(&rust_i18n::t!("ui.verify.5"));
        }
        s
    }
}

/// One server, once: Ok, or what is wrong there.
async fn check_server(
    dns: &Dns,
    server: SocketAddr,
    exp: &Prepared<'_>,
) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut host_end: Option<(Family, String)> = None;

    for family in exp.families() {
        let chain = match dns.chain_at(server, &exp.host, family).await {
            Ok(c) => c,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        if host_end.is_none() {
            host_end = Some((family, chain.end.clone()));
            if let Some(want) = &exp.cname_target {
                match chain.alias_target() {
                    Some(t) if t == want => {}
                    Some(t) => problems.push(
                        rust_i18n::t!("ui.verify.6", v1 = exp.host, t = t, want = want)
                            .into_owned(),
                    ),
                    None => problems.push(
                        rust_i18n::t!("ui.verify.7", v1 = exp.host, want = want).into_owned(),
                    ),
                }
            }
        }
        if let Some(want) = exp.addrs.get(&family) {
            if &chain.addrs != want {
                let name = if chain.hops.is_empty() {
                    exp.host.clone()
                } else {
                    format!("{} -> {}", exp.host, chain.end)
                };
                let got = if chain.addrs.is_empty() {
                    "missing".to_string()
                } else {
                    join_ips(&chain.addrs)
                };
                problems.push(
                    rust_i18n::t!(
                        "ui.verify.8",
                        name = name,
                        v1 = family.rtype(),
                        got = got,
                        v2 = join_ips(want)
                    )
                    .into_owned(),
                );
            }
        }
    }

    if let Err(p) = check_mx(dns, server, exp, host_end.as_ref()).await {
        problems.push(p);
    }
    if let Some(want) = &exp.raw.spf {
        if let Err(p) = check_spf(dns, server, &exp.domain, want).await {
            problems.push(p);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The domain's MX lists the host, or a host whose chain ends where the host's does.
async fn check_mx(
    dns: &Dns,
    server: SocketAddr,
    exp: &Prepared<'_>,
    host_end: Option<&(Family, String)>,
) -> Result<(), String> {
    let mx = dns
        .mx_at(server, &exp.domain)
        .await
        .map_err(|e| e.to_string())?;
    if mx.iter().any(|m| m.host == exp.host) {
        return Ok(());
    }
    if let Some((family, end)) = host_end {
        for m in &mx {
            if let Ok(c) = dns.chain_at(server, &m.host, *family).await {
                if &c.end == end || c.hops.iter().any(|(_, t)| *t == exp.host) {
                    return Ok(());
                }
            }
        }
    }
    if mx.is_empty() {
        Err(rust_i18n::t!("ui.verify.9", v1 = exp.domain, v2 = exp.host).into_owned())
    } else {
        let listed: Vec<&str> = mx.iter().map(|m| m.host.as_str()).collect();
        Err(rust_i18n::t!(
            "ui.verify.10",
            v1 = exp.domain,
            v2 = listed.join(", "),
            v3 = exp.host
        )
        .into_owned())
    }
}

/// Exactly one `v=spf1` TXT record, equal to `want` (whitespace runs and letter case
/// aside).
async fn check_spf(dns: &Dns, server: SocketAddr, domain: &str, want: &str) -> Result<(), String> {
    let txt = dns
        .txt_at(server, domain)
        .await
        .map_err(|e| e.to_string())?;
    let spf: Vec<String> = txt
        .iter()
        .map(|strings| strings.concat())
        .filter(|t| is_spf(t))
        .collect();
    let canon = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    match spf.as_slice() {
        [] => Err(rust_i18n::t!("ui.verify.11", domain = domain, want = want).into_owned()),
        [got] if canon(got).eq_ignore_ascii_case(&canon(want)) => Ok(()),
        [got] => {
            Err(rust_i18n::t!("ui.verify.12", domain = domain, got = got, want = want).into_owned())
        }
        many => Err(rust_i18n::t!(
            "ui.verify.13",
            domain = domain,
            v1 = many.len(),
            want = want
        )
        .into_owned()),
    }
}

/// A `v=spf1` record: the version term, then a space or the end.
fn is_spf(text: &str) -> bool {
    let t = text.trim_start();
    match t.get(..6) {
        Some(v) if v.eq_ignore_ascii_case("v=spf1") => {
            t[6..].chars().next().is_none_or(|c| c == ' ')
        }
        _ => false,
    }
}

fn join_ips(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::tests::dns_via;
    use crate::dns::testserver::{a, aaaa, cname, mx, txt, TestDns};
    use hickory_proto::rr::RecordType;

    const OLD: &str = "203.0.113.10";
    const NEW: &str = "203.0.113.20";
    const SPF_NEW: &str = "v=spf1 mx ip4:203.0.113.20 ~all";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn expect(addrs: &[&str]) -> Expectation {
        Expectation {
            domain: "example.com".into(),
            host: "mail.example.com".into(),
            addrs: addrs.iter().map(|s| ip(s)).collect(),
            cname_target: None,
            spf: None,
        }
    }

    /// An authoritative server for example.com with MX -> mail.example.com -> `v4`.
    async fn zone(v4: &str) -> TestDns {
        let srv = TestDns::start(&["example.com"]).await;
        srv.add("example.com", mx(10, "mail.example.com"));
        srv.add("mail.example.com", a(v4));
        srv
    }

    #[test]
    fn spf_records_are_recognised() {
        assert!(is_spf("v=spf1 -all"));
        assert!(is_spf("V=SPF1"));
        assert!(!is_spf("v=spf10 -all"));
        assert!(!is_spf("google-site-verification=x"));
        assert!(!is_spf("v=spé1"));
    }

    #[tokio::test]
    async fn passes_at_once_when_every_server_holds_the_change() {
        let ns1 = zone(NEW).await;
        let ns2 = zone(NEW).await;
        for s in [&ns1, &ns2] {
            s.add("mail.example.com", aaaa("2001:db8::20"));
            s.add("example.com", txt(&["v=spf1 mx ip4:203.0.113.20", " ~all"]));
            s.add("example.com", txt(&["some-verification=1"]));
        }
        let dns = dns_via(ns1.addr, vec![]);
        let mut exp = expect(&[NEW, "2001:db8::20"]);
        exp.spf = Some(SPF_NEW.into());
        let r = verify(&dns, &[ns1.addr, ns2.addr], &exp, Duration::from_secs(5)).await;
        assert!(r.ok, "{}", r.detail);
        assert_eq!((r.servers_ok, r.servers_total, r.polls), (2, 2, 1));
        assert!(
            r.detail.contains("203.0.113.20, 2001:db8::20"),
            "{}",
            r.detail
        );
    }

    #[tokio::test]
    async fn passes_after_the_record_changes_mid_poll() {
        let ns1 = zone(NEW).await;
        let ns2 = zone(OLD).await;
        // A secondary that catches up a few questions later.
        ns2.set_after(4, "mail.example.com", RecordType::A, vec![a(NEW)]);
        let dns = dns_via(ns1.addr, vec![]);
        let r = verify(
            &dns,
            &[ns1.addr, ns2.addr],
            &expect(&[NEW]),
            Duration::from_secs(30),
        )
        .await;
        assert!(r.ok, "{}", r.detail);
        assert!(r.polls >= 2, "{r:?}");
        assert_eq!(r.servers_ok, 2);
    }

    #[tokio::test]
    async fn times_out_naming_the_server_and_the_values() {
        let ns1 = zone(NEW).await;
        let ns2 = zone(OLD).await;
        let dns = dns_via(ns1.addr, vec![]);
        let r = verify(
            &dns,
            &[ns1.addr, ns2.addr],
            &expect(&[NEW]),
            Duration::from_secs(1),
        )
        .await;
        assert!(!r.ok);
        assert_eq!((r.servers_ok, r.servers_total), (1, 2));
        assert_eq!(
            r.detail,
            format!(
                "{}: mail.example.com A is 203.0.113.10, want 203.0.113.20",
                ns2.addr
            )
        );
    }

    #[tokio::test]
    async fn missing_record_mx_and_spf_problems_are_all_named() {
        let srv = TestDns::start(&["example.com"]).await;
        srv.add("example.com", mx(10, "other.example.com"));
        srv.add("other.example.com", a("198.51.100.1"));
        srv.add("example.com", txt(&["v=spf1 ip4:203.0.113.10 ~all"]));
        let dns = dns_via(srv.addr, vec![]);
        let mut exp = expect(&[NEW]);
        exp.spf = Some(SPF_NEW.into());
        let r = verify(&dns, &[srv.addr], &exp, Duration::ZERO).await;
        assert!(!r.ok);
        assert_eq!(r.polls, 1);
        assert!(
            r.detail.starts_with(&format!("{}: ", srv.addr)),
            "{}",
            r.detail
        );
        assert!(
            r.detail
                .contains("mail.example.com A is missing, want 203.0.113.20"),
            "{}",
            r.detail
        );
        assert!(
            r.detail.contains(
                "MX example.com lists other.example.com, none of which leads to mail.example.com"
            ),
            "{}",
            r.detail
        );
        assert!(
            r.detail.contains("SPF of example.com is \"v=spf1 ip4:203.0.113.10 ~all\", want \"v=spf1 mx ip4:203.0.113.20 ~all\""),
            "{}",
            r.detail
        );

        srv.add("example.com", txt(&["v=spf1 -all"]));
        let r = verify(&dns, &[srv.addr], &exp, Duration::ZERO).await;
        assert!(
            r.detail.contains("example.com has 2 SPF records"),
            "{}",
            r.detail
        );
    }

    #[tokio::test]
    async fn mx_host_may_alias_the_managed_host() {
        let srv = TestDns::start(&["example.com"]).await;
        srv.add("example.com", mx(10, "mx.example.com"));
        srv.add("mx.example.com", cname("mail.example.com"));
        srv.add("mail.example.com", a(NEW));
        let dns = dns_via(srv.addr, vec![]);
        let r = verify(&dns, &[srv.addr], &expect(&[NEW]), Duration::ZERO).await;
        assert!(r.ok, "{}", r.detail);
    }

    #[tokio::test]
    async fn cname_mode_checks_the_alias_and_follows_it_out_of_the_zone() {
        let auth = TestDns::start(&["example.com"]).await;
        auth.add("example.com", mx(10, "mail.example.com"));
        auth.add("mail.example.com", cname("203-0-113-20.sslip.test"));
        let recursive = TestDns::start(&["sslip.test"]).await;
        recursive.add("203-0-113-20.sslip.test", a(NEW));
        let dns = dns_via(recursive.addr, vec![]);
        let mut exp = expect(&[NEW]);
        exp.cname_target = Some("203-0-113-20.sslip.test".into());
        let r = verify(&dns, &[auth.addr], &exp, Duration::ZERO).await;
        assert!(r.ok, "{}", r.detail);

        exp.cname_target = Some("203-0-113-21.sslip.test".into());
        let r = verify(&dns, &[auth.addr], &exp, Duration::ZERO).await;
        assert!(!r.ok);
        assert!(
            r.detail.contains("mail.example.com is an alias of 203-0-113-20.sslip.test, want 203-0-113-21.sslip.test"),
            "{}",
            r.detail
        );
    }

    #[tokio::test]
    async fn no_servers_is_a_failure() {
        let srv = zone(NEW).await;
        let dns = dns_via(srv.addr, vec![]);
        let r = verify(&dns, &[], &expect(&[NEW]), Duration::from_secs(1)).await;
        assert!(!r.ok);
        assert_eq!(r.servers_total, 0);
    }

    #[tokio::test]
    async fn current_at_takes_the_first_server_that_answers() {
        let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let dead = silent.local_addr().unwrap();
        let ns1 = zone(OLD).await;
        let ns2 = zone(NEW).await;
        let dns = dns_via(ns1.addr, vec![]).with_timeout(Duration::from_millis(100));
        let c = current_at(
            &dns,
            &[dead, ns1.addr, ns2.addr],
            "mail.example.com",
            Family::V4,
        )
        .await
        .unwrap();
        assert_eq!(c.addrs, vec![ip(OLD)]);
        let err = current_at(&dns, &[dead], "mail.example.com", Family::V4)
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err}");

        ns1.set("mail.example.com", RecordType::A, vec![]);
        ns1.add("mail.example.com", cname("mail.example.com"));
        let err = current_at(&dns, &[ns1.addr, ns2.addr], "mail.example.com", Family::V4)
            .await
            .unwrap_err();
        assert!(err.is_bad_chain(), "{err}");
    }
}

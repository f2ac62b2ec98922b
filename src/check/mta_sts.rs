//! MTA-STS (RFC 8461) and TLS reporting (RFC 8460, `_smtp._tls.DOMAIN` TXT
//! `v=TLSRPTv1; rua=…`). Both are optional, so their absence is info.
//!
//! MTA-STS is not taken on trust from its TXT record (`_mta-sts.DOMAIN`, `v=STSv1; id=…`):
//! when one is published, the policy is fetched as a sender fetches it (RFC 8461 §3.3):
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, the policy host's address from the
//! same resolvers as every other look-up, the certificate validated against the webpki
//! roots, no redirect followed, status 200 and `text/plain` required, at most 64 KiB.
//! The policy is parsed (§3.2: `version`, `mode`, `max_age`, `mx`) and, once the MX hosts
//! are known, its `mx:` patterns are matched against each of them (§4.1).
//!
//! Test knobs (the port probe's, see `ports.rs`; both only ever lead to loopback):
//! `MXDDNS_TEST_PORT_MAP=443=127.0.0.1:PORT` fetches the policy from that loopback
//! address instead, and `MXDDNS_TEST_EXTRA_CA` adds a test CA for that connection.

use super::{ports, Finding, Severity};
use crate::dns::{Dns, DnsError, Found};
use rust_i18n::t;
use std::net::SocketAddr;

/// The largest policy a sender reads (RFC 8461 §3.3: "SHOULD be limited to 64 KB").
const MAX_POLICY: usize = 64 * 1024;
/// The longest `max_age` allowed (RFC 8461 §3.2: about one year).
const MAX_AGE_LIMIT: u64 = 31_557_600;

/// What the MTA-STS and TLS-RPT checks found; the policy's coverage of the MX hosts is
/// judged later ([`coverage`]), once the MX hosts are known.
pub(super) struct StsResult {
    /// The `_mta-sts` record and the policy fetch.
    pub sts: Vec<Finding>,
    /// The policy, when it was fetched and parsed.
    pub policy: Option<Policy>,
    /// The TLS-RPT finding.
    pub rpt: Finding,
}

/// The MTA-STS and TLS-RPT findings for `domain`: both records looked up at once, then
/// the policy fetched when an MTA-STS record is published.
pub(super) async fn check(dns: &Dns, domain: &str) -> StsResult {
    let sts_name = format!("_mta-sts.{domain}");
    let rpt_name = format!("_smtp._tls.{domain}");
    let (sts, rpt) = tokio::join!(dns.txt(&sts_name), dns.txt(&rpt_name));
    let rpt = match rpt {
        Ok(t) => rpt_finding(&rpt_name, &joined(&t)),
        Err(e) => Finding::could_not_check(
            "tls_rpt.dns",
            &rust_i18n::t!("find.tls_rpt.dns", rpt_name = rpt_name),
            &e,
        ),
    };
    let mut out = StsResult {
        sts: Vec::new(),
        policy: None,
        rpt,
    };
    let texts = match sts {
        Ok(t) => joined(&t),
        Err(e) => {
            out.sts.push(Finding::could_not_check(
                "mta_sts.dns",
                &rust_i18n::t!("find.mta_sts.dns", sts_name = sts_name),
                &e,
            ));
            return out;
        }
    };
    out.sts.push(sts_finding(&sts_name, &texts));
    if !texts.iter().any(|t| has_version(t, "STSv1")) {
        return out; // no MTA-STS: senders never fetch a policy
    }
    match fetch(dns, domain).await {
        Ok(body) => match parse_policy(&body) {
            Ok(p) => {
                out.sts.push(policy_found(domain, &p));
                out.policy = Some(p);
            }
            Err(problems) => out.sts.push(Finding::warn(
                "mta_sts.malformed",
                t!(
                    "check.mta_sts.malformed",
                    url = policy_url(domain),
                    problems = problems.join("; ")
                ),
                t!("check.mta_sts.malformed_fix"),
            )),
        },
        Err(f) => out.sts.push(f),
    }
    out
}

/// `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`.
fn policy_url(domain: &str) -> String {
    format!("https://mta-sts.{domain}/.well-known/mta-sts.txt")
}

/// Fetch the policy text as a sender does; a failure is the finding that says why.
async fn fetch(dns: &Dns, domain: &str) -> Result<String, Finding> {
    let host = format!("mta-sts.{domain}");
    let url = policy_url(domain);
    let ips = match dns.addrs_found(&host).await {
        Ok(Found::Answer(a)) if !a.is_empty() => a,
        Ok(found) => {
            let why = if found == Found::NxDomain {
                t!("check.mta_sts.no_such_name")
            } else {
                t!("check.mta_sts.no_address_records")
            };
            return Err(Finding::warn(
                "mta_sts.policy_host",
                t!(
                    "check.mta_sts.policy_host",
                    host = host,
                    why = why,
                    url = url
                ),
                t!("check.mta_sts.policy_host_fix", host = host),
            ));
        }
        Err(e) => return Err(could_not_fetch(&host, &e)),
    };
    let dests: Vec<SocketAddr> = match ports::test_port_map().iter().find(|(p, _)| *p == 443) {
        Some((_, a)) => vec![*a],
        None => ips.iter().map(|ip| SocketAddr::new(*ip, 443)).collect(),
    };
    let ca = ports::test_extra_ca().filter(|_| dests.iter().all(|d| d.ip().is_loopback()));
    let client = crate::http::client_builder_trusting(ca.as_ref())
        .resolve_to_addrs(&host, &dests)
        .build()
        .map_err(|e| http_failure(&url, &e.to_string()))?;
    let mut resp = match client.get(&url).send().await {
        Ok(r) => r,
        Err(e) => {
            return Err(if is_certificate_error(&e) {
                Finding::warn(
                    "mta_sts.certificate",
                    t!(
                        "check.mta_sts.certificate",
                        host = host,
                        url = url,
                        error = chain(&e)
                    ),
                    t!("check.mta_sts.certificate_fix", host = host),
                )
            } else {
                http_failure(&url, &chain(&e))
            })
        }
    };
    let status = resp.status();
    if status.is_redirection() {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
            .to_string();
        return Err(Finding::warn(
            "mta_sts.redirect",
            t!(
                "check.mta_sts.redirect",
                url = url,
                status = status.as_u16(),
                to = to
            ),
            t!("check.mta_sts.redirect_fix"),
        ));
    }
    if status != reqwest::StatusCode::OK {
        return Err(http_failure(&url, &format!("HTTP {status}")));
    }
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let media = ctype.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("text/plain") {
        let shown = if ctype.is_empty() {
            "(none)".to_string()
        } else {
            ctype.clone()
        };
        return Err(Finding::warn(
            "mta_sts.content_type",
            t!("check.mta_sts.content_type", url = url, ctype = shown),
            t!("check.mta_sts.content_type_fix"),
        ));
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                body.extend_from_slice(&c);
                if body.len() > MAX_POLICY {
                    return Err(Finding::warn(
                        "mta_sts.malformed",
                        t!(
                            "check.mta_sts.malformed",
                            url = url,
                            problems = rust_i18n::t!(
                                "find.check.mta_sts.malformed",
                                max_policy = MAX_POLICY
                            )
                            .into_owned()
                        ),
                        t!("check.mta_sts.malformed_fix"),
                    ));
                }
            }
            Ok(None) => break,
            Err(e) => return Err(http_failure(&url, &chain(&e))),
        }
    }
    String::from_utf8(body).map_err(|_| {
        Finding::warn(
            "mta_sts.malformed",
            t!(
                "check.mta_sts.malformed",
                url = url,
                problems = rust_i18n::t!("find.check.mta_sts.malformed.2").into_owned()
            ),
            t!("check.mta_sts.malformed_fix"),
        )
    })
}

/// The policy host's address could not be looked up.
fn could_not_fetch(host: &str, e: &DnsError) -> Finding {
    Finding::could_not_check(
        "mta_sts.dns",
        &rust_i18n::t!("find.mta_sts.dns.2", host = host),
        e,
    )
}

/// No connection, a time-out, or a status other than 200.
fn http_failure(url: &str, error: &str) -> Finding {
    Finding::warn(
        "mta_sts.http",
        t!("check.mta_sts.http", url = url, error = error),
        t!("check.mta_sts.http_fix"),
    )
}

/// An error and its causes, `outer: inner: …`.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![mxddns_providers::http::error_text(e)];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = mxddns_providers::http::error_text(s);
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// Whether the request failed on the server's certificate (rustls refused it).
fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(tls) = mxddns_providers::http::rustls_error(err) {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        // rustls's error can sit behind a boxed I/O error whose `source()` skips it:
        // its words then tell (rustls's Display of InvalidCertificate).
        let text = err.to_string();
        if text.contains("invalid peer certificate") || text.contains("peer sent no certificates") {
            return true;
        }
        cur = err.source();
    }
    false
}

/// A policy's mode (RFC 8461 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Enforce,
    Testing,
    None,
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Policy {
    pub mode: Mode,
    pub max_age: u64,
    /// The `mx:` patterns, lower case, without a trailing dot.
    pub mx: Vec<String>,
}

/// Parse a policy (RFC 8461 §3.2): `key: value` lines ended by CRLF or LF, `version:
/// STSv1` first, `mode` one of enforce/testing/none, `max_age` 0..=31557600 seconds, one
/// or more `mx:` patterns (a domain name, or `*.` and one) unless the mode is none.
/// Unknown keys are ignored; of a repeated key other than `mx`, the first counts. Every
/// problem found is returned, in the order of the text.
pub(super) fn parse_policy(text: &str) -> Result<Policy, Vec<String>> {
    let mut problems = Vec::new();
    let (mut version, mut mode, mut max_age) = (None, None, None);
    let mut mx = Vec::new();
    let mut first_key = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            problems.push(
                rust_i18n::t!("find.mta_sts", v1 = i + 1, v2 = format!("{:?}", clip(line)))
                    .into_owned(),
            );
            continue;
        };
        let value = value.trim();
        if key.is_empty() || key != key.trim() {
            problems.push(
                rust_i18n::t!(
                    "find.mta_sts.2",
                    v1 = i + 1,
                    v2 = format!("{:?}", clip(key))
                )
                .into_owned(),
            );
            continue;
        }
        first_key.get_or_insert_with(|| key.to_string());
        match key {
            "version" if version.is_none() => version = Some(value.to_string()),
            "mode" if mode.is_none() => mode = Some(value.to_string()),
            "max_age" if max_age.is_none() => max_age = Some(value.to_string()),
            "mx" => mx.push(value.to_string()),
            _ => {}
        }
    }
    match version.as_deref() {
        None => problems.push(rust_i18n::t!("find.mta_sts.3").into_owned()),
        Some("STSv1") => {
            if first_key.as_deref() != Some("version") {
                problems.push(rust_i18n::t!("find.mta_sts.4").into_owned());
            }
        }
        Some(v) => problems
            .push(rust_i18n::t!("find.mta_sts.5", v1 = format!("{:?}", clip(v))).into_owned()),
    }
    let mode = match mode.as_deref() {
        Some("enforce") => Some(Mode::Enforce),
        Some("testing") => Some(Mode::Testing),
        Some("none") => Some(Mode::None),
        Some(m) => {
            problems
                .push(rust_i18n::t!("find.mta_sts.6", v1 = format!("{:?}", clip(m))).into_owned());
            None
        }
        None => {
            problems.push(rust_i18n::t!("find.mta_sts.7").into_owned());
            None
        }
    };
    let max_age = match max_age.as_deref() {
        Some(a) if !a.is_empty() && a.len() <= 10 && a.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u64 = a.parse().unwrap_or(u64::MAX);
            if n > MAX_AGE_LIMIT {
                problems.push(
                    rust_i18n::t!("find.mta_sts.8", n = n, max_age_limit = MAX_AGE_LIMIT)
                        .into_owned(),
                );
            }
            Some(n)
        }
        Some(a) => {
            problems
                .push(rust_i18n::t!("find.mta_sts.9", v1 = format!("{:?}", clip(a))).into_owned());
            None
        }
        None => {
            problems.push(rust_i18n::t!("find.mta_sts.10").into_owned());
            None
        }
    };
    for m in &mx {
        if !valid_mx_pattern(m) {
            problems
                .push(rust_i18n::t!("find.mta_sts.11", v1 = format!("{:?}", clip(m))).into_owned());
        }
    }
    if mx.is_empty() && mode != Some(Mode::None) {
        problems.push(rust_i18n::t!("find.mta_sts.12").into_owned());
    }
    match (mode, max_age) {
        (Some(mode), Some(max_age)) if problems.is_empty() => Ok(Policy {
            mode,
            max_age,
            mx: mx
                .iter()
                .map(|m| m.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        }),
        _ => Err(problems),
    }
}

/// At most 60 characters of what the policy said, for quoting it.
fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

/// `mail.example.com` or `*.example.com` (RFC 8461 §3.2 `sts-policy-mx-value`).
fn valid_mx_pattern(p: &str) -> bool {
    let name = p.strip_prefix("*.").unwrap_or(p).trim_end_matches('.');
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 2
        && name.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Whether MX host `host` matches policy pattern `pattern` (RFC 8461 §4.1): the same name,
/// or `*.` standing for exactly one leftmost label (`*.example.com` matches
/// `mail.example.com`, not `example.com` nor `a.b.example.com`). Case and a trailing dot do
/// not matter.
pub(super) fn mx_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(parent) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest == parent),
        None => host == pattern,
    }
}

/// The finding for a policy that was fetched and parsed: ok in enforce mode, info in
/// testing and none.
fn policy_found(domain: &str, p: &Policy) -> Finding {
    let url = policy_url(domain);
    let mx = p.mx.join(", ");
    match p.mode {
        Mode::Enforce => Finding::ok(
            "mta_sts.policy",
            t!(
                "check.mta_sts.policy_ok",
                url = url,
                max_age = p.max_age,
                mx = mx
            ),
        ),
        Mode::Testing => Finding::info(
            "mta_sts.mode",
            t!(
                "check.mta_sts.mode_testing",
                url = url,
                max_age = p.max_age,
                mx = mx
            ),
        )
        .with_fix(t!("check.mta_sts.mode_testing_fix")),
        Mode::None => Finding::info("mta_sts.mode", t!("check.mta_sts.mode_none", url = url)),
    }
}

/// Whether the policy's `mx:` patterns cover every MX host: an MX host that no pattern
/// matches is refused by senders in enforce mode (an error) and reported in testing mode
/// (a warning). Nothing to say in mode none, or when the MX hosts are unknown.
pub(super) fn coverage(domain: &str, p: &Policy, mx_hosts: &[String]) -> Vec<Finding> {
    if p.mode == Mode::None || mx_hosts.is_empty() {
        return Vec::new();
    }
    let missing: Vec<&str> = mx_hosts
        .iter()
        .filter(|h| !p.mx.iter().any(|pat| mx_matches(pat, h)))
        .map(|h| h.trim_end_matches('.'))
        .collect();
    if missing.is_empty() {
        let hosts: Vec<&str> = mx_hosts.iter().map(|h| h.trim_end_matches('.')).collect();
        return vec![Finding::ok(
            "mta_sts.mx",
            t!("check.mta_sts.mx_ok", hosts = hosts.join(", ")),
        )];
    }
    let (hosts, url, patterns) = (missing.join(", "), policy_url(domain), p.mx.join(", "));
    let message = if p.mode == Mode::Enforce {
        t!(
            "check.mta_sts.mx_uncovered_enforce",
            hosts = hosts,
            url = url,
            patterns = patterns
        )
    } else {
        t!(
            "check.mta_sts.mx_uncovered_testing",
            hosts = hosts,
            url = url,
            patterns = patterns
        )
    };
    let fix = t!("check.mta_sts.mx_uncovered_fix", hosts = missing.join(", "));
    let severity = if p.mode == Mode::Enforce {
        Severity::Error
    } else {
        Severity::Warn
    };
    vec![Finding {
        severity,
        check: "mta_sts.mx",
        message: message.into_owned(),
        fix: Some(fix.into_owned()),
        apply: false,
    }]
}

fn joined(txts: &[Vec<String>]) -> Vec<String> {
    txts.iter().map(|t| t.concat()).collect()
}

/// The MTA-STS finding for the TXT records at `_mta-sts.DOMAIN`.
pub(super) fn sts_finding(name: &str, texts: &[String]) -> Finding {
    let domain = name.trim_start_matches("_mta-sts.");
    let records: Vec<&String> = texts.iter().filter(|t| has_version(t, "STSv1")).collect();
    match records.as_slice() {
        [] => Finding::info(
            "mta_sts.absent",
            rust_i18n::t!("find.mta_sts.absent", name = name).into_owned(),
        ),
        [one] => match tag(one, "id") {
            Some(id)
                if !id.is_empty()
                    && id.len() <= 32
                    && id.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Finding::info(
                    "mta_sts.present",
                    rust_i18n::t!(
                        "find.mta_sts.present",
                        name = name,
                        id = id,
                        domain = domain
                    )
                    .into_owned(),
                )
            }
            _ => Finding::warn(
                "mta_sts.invalid",
                rust_i18n::t!("find.mta_sts.invalid", name = name).into_owned(),
                rust_i18n::t!("find.mta_sts.invalid.2").into_owned(),
            ),
        },
        _ => Finding::warn(
            "mta_sts.invalid",
            rust_i18n::t!("find.mta_sts.invalid.3", name = name, v1 = records.len()).into_owned(),
            rust_i18n::t!("find.mta_sts.invalid.4").into_owned(),
        ),
    }
}

/// The TLS-RPT finding for the TXT records at `_smtp._tls.DOMAIN`.
pub(super) fn rpt_finding(name: &str, texts: &[String]) -> Finding {
    let domain = name.trim_start_matches("_smtp._tls.");
    let records: Vec<&String> = texts
        .iter()
        .filter(|t| has_version(t, "TLSRPTv1"))
        .collect();
    match records.as_slice() {
        [] => Finding::info(
            "tls_rpt.absent",
            rust_i18n::t!("find.tls_rpt.absent", name = name).into_owned(),
        ),
        [one] => match tag(one, "rua") {
            Some(rua) if !rua.is_empty() => {
                match rua.split(',').map(str::trim).find(|u| !valid_rpt_uri(u)) {
                    None => Finding::info(
                        "tls_rpt.present",
                        rust_i18n::t!("find.tls_rpt.present", name = name, rua = rua).into_owned(),
                    ),
                    Some(bad) => Finding::warn(
                        "tls_rpt.invalid",
                        rust_i18n::t!(
                            "find.tls_rpt.invalid",
                            name = name,
                            bad = format!("{:?}", bad)
                        )
                        .into_owned(),
                        rust_i18n::t!("find.tls_rpt.invalid.2", domain = domain).into_owned(),
                    ),
                }
            }
            _ => Finding::warn(
                "tls_rpt.invalid",
                rust_i18n::t!("find.tls_rpt.invalid.3", name = name).into_owned(),
                rust_i18n::t!("find.tls_rpt.invalid.4", domain = domain).into_owned(),
            ),
        },
        _ => Finding::warn(
            "tls_rpt.invalid",
            rust_i18n::t!("find.tls_rpt.invalid.5", name = name, v1 = records.len()).into_owned(),
            rust_i18n::t!("find.tls_rpt.invalid.6").into_owned(),
        ),
    }
}

/// A TLS-RPT report URI (RFC 8460 §3): `mailto:` with an address, or `https://` with a
/// host.
fn valid_rpt_uri(u: &str) -> bool {
    if let Some(addr) = u.strip_prefix("mailto:") {
        let addr = addr.split('!').next().unwrap_or_default();
        return addr
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains(' '));
    }
    u.strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/') && !rest.contains(' '))
}

/// Whether the record's first tag is `v=VERSION`.
fn has_version(text: &str, version: &str) -> bool {
    let first = text.split(';').next().unwrap_or_default();
    first
        .split_once('=')
        .is_some_and(|(k, v)| k.trim() == "v" && v.trim() == version)
}

/// The value of tag `key` (`k=v; …`), trimmed.
fn tag<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.split(';')
        .filter_map(|t| t.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim())
}

//! MX: the domain has MX records, each MX host is a name (not an IP literal, not a CNAME)
//! that resolves, and the primary MX host holds this network's address(es), with AAAA
//! records only when mxddns keeps them current.

use super::{list, CheckInput, Finding};
use crate::dns::{join::join_all, Dns, DnsError, Found, MxHost};
use std::net::IpAddr;

/// The MX findings, and the MX host names (for the reverse-DNS check).
pub(super) struct MxResult {
    pub findings: Vec<Finding>,
    pub hosts: Vec<String>,
    /// The same hosts with each alias replaced by its target: what a PTR should name
    /// (a reverse name pointing at an alias fails forward-confirmation at many receivers).
    pub canonical: Vec<String>,
    /// The addresses of each canonical host, when they were looked up (for the PTR
    /// request: whether the wanted reverse name already resolves back).
    pub resolved: Vec<(String, Vec<IpAddr>)>,
}

/// What one MX host turned out to be.
enum Host {
    /// An address written where a name belongs.
    Literal(IpAddr),
    Name {
        cname: Result<Option<String>, DnsError>,
        addrs: Result<Vec<IpAddr>, DnsError>,
    },
}

/// The MX checks of `input.domain`.
pub(super) async fn check(dns: &Dns, input: &CheckInput<'_>) -> MxResult {
    let domain = input.domain;
    let mut out = MxResult {
        findings: Vec::new(),
        hosts: Vec::new(),
        canonical: Vec::new(),
        resolved: Vec::new(),
    };
    let mxs = match dns.mx_found(domain).await {
        Ok(Found::Answer(m)) if !m.is_empty() => m,
        Ok(Found::NxDomain) => {
            out.findings.push(nxdomain(domain));
            return out;
        }
        Ok(_) => {
            out.findings.push(no_mx(dns, domain).await);
            return out;
        }
        Err(e) => {
            let what = rust_i18n::t!("find.mx", domain = domain).into_owned();
            out.findings
                .push(Finding::could_not_check("mx.dns", &what, &e));
            return out;
        }
    };
    let hosts = join_all(mxs.iter().map(|m| host(dns, m)).collect()).await;
    for (m, h) in mxs.iter().zip(&hosts) {
        match h {
            Host::Literal(_) => {}
            Host::Name {
                cname: Ok(Some(target)),
                ..
            } => {
                out.hosts.push(m.host.clone());
                out.canonical.push(target.clone());
            }
            Host::Name { .. } => {
                out.hosts.push(m.host.clone());
                out.canonical.push(m.host.clone());
            }
        }
        if let (Some(c), Host::Name { addrs: Ok(a), .. }) = (out.canonical.last(), h) {
            out.resolved.push((c.clone(), a.clone()));
        }
        out.findings.extend(host_findings(domain, m, h));
    }
    out.findings.extend(primary_findings(input, &mxs, &hosts));
    out
}

/// Look one MX host up: its CNAME (if it is one) and its addresses, at once.
async fn host(dns: &Dns, m: &MxHost) -> Host {
    if let Some(ip) = ip_literal(&m.host) {
        return Host::Literal(ip);
    }
    let (cname, addrs) = tokio::join!(dns.cname(&m.host), dns.addrs(&m.host));
    Host::Name { cname, addrs }
}

/// An MX "host" written as an address (`192.0.2.1`, `[192.0.2.1]`).
fn ip_literal(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// The domain does not exist (NXDOMAIN): not "no MX", but no domain at all.
fn nxdomain(domain: &str) -> Finding {
    Finding::error(
        "mx.nxdomain",
        rust_i18n::t!("find.mx.nxdomain", domain = domain).into_owned(),
        rust_i18n::t!("find.mx.nxdomain.2", domain = domain).into_owned(),
    )
}

/// The domain exists but has no MX host: a null MX or no MX at all, both errors for the
/// domain whose mail mxddns keeps running.
async fn no_mx(dns: &Dns, domain: &str) -> Finding {
    match dns.null_mx(domain).await {
        Ok(true) => Finding::error(
            "mx.null",
            rust_i18n::t!("find.mx.null", domain = domain).into_owned(),
            rust_i18n::t!("find.mx.null.2", domain = domain).into_owned(),
        ),
        Ok(false) => Finding::error(
            "mx.missing",
            rust_i18n::t!("find.mx.missing", domain = domain).into_owned(),
            rust_i18n::t!("find.mx.missing.2", domain = domain).into_owned(),
        ),
        Err(e) => {
            Finding::could_not_check("mx.dns", &rust_i18n::t!("find.mx.dns", domain = domain), &e)
        }
    }
}

/// Findings about one MX host on its own.
fn host_findings(domain: &str, m: &MxHost, h: &Host) -> Vec<Finding> {
    let name = &m.host;
    let mut out = Vec::new();
    let (cname, addrs) = match h {
        Host::Literal(ip) => {
            out.push(Finding::error(
                "mx.ip_literal",
                rust_i18n::t!("find.mx.ip_literal", domain = domain, ip = ip, name = name)
                    .into_owned(),
                rust_i18n::t!(
                    "find.mx.ip_literal.2",
                    domain = domain,
                    ip = ip,
                    v1 = m.preference
                )
                .into_owned(),
            ));
            return out;
        }
        Host::Name { cname, addrs } => (cname, addrs),
    };
    match cname {
        Ok(Some(target)) => out.push(Finding::warn(
            "mx.cname",
            rust_i18n::t!("find.mx.cname", name = name, target = target).into_owned(),
            rust_i18n::t!("find.mx.cname.2", domain = domain, name = name).into_owned(),
        )),
        Ok(None) => {}
        Err(e) => out.push(Finding::could_not_check(
            "mx.dns",
            &rust_i18n::t!("find.mx.dns.2", name = name),
            e,
        )),
    }
    match addrs {
        Ok(a) if a.is_empty() => out.push(Finding::error(
            "mx.unresolved",
            rust_i18n::t!("find.mx.unresolved", name = name).into_owned(),
            rust_i18n::t!("find.mx.unresolved.2", name = name).into_owned(),
        )),
        Ok(a) => out.push(Finding::ok(
            "mx.host",
            format!("MX {} {name} -> {}", m.preference, list(a)),
        )),
        Err(e) => out.push(Finding::could_not_check(
            "mx.dns",
            &rust_i18n::t!("find.mx.dns.3", name = name),
            e,
        )),
    }
    out
}

/// The primary MX host(s) (lowest preference) must hold this network's addresses, and
/// AAAA records must agree with whether IPv6 is managed.
fn primary_findings(input: &CheckInput<'_>, mxs: &[MxHost], hosts: &[Host]) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(best) = mxs.iter().map(|m| m.preference).min() else {
        return out;
    };
    let mut names = Vec::new();
    let mut have: Vec<IpAddr> = Vec::new();
    let mut known = false;
    for (m, h) in mxs.iter().zip(hosts) {
        if m.preference != best {
            continue;
        }
        names.push(m.host.as_str());
        match h {
            Host::Literal(ip) => {
                have.push(*ip);
                known = true;
            }
            Host::Name { addrs: Ok(a), .. } => {
                have.extend(a);
                known = true;
            }
            Host::Name { addrs: Err(_), .. } => {}
        }
    }
    // Without any answer the look-up failure was reported already.
    if !known || have.is_empty() {
        return out;
    }
    let primary = names.join(" / ");
    if input.addrs.is_empty() {
        out.push(Finding::info(
            "mx.address",
            rust_i18n::t!("find.mx.address", primary = primary).into_owned(),
        ));
    }
    for ip in input.addrs {
        let same_family: Vec<IpAddr> = have
            .iter()
            .copied()
            .filter(|a| a.is_ipv4() == ip.is_ipv4())
            .collect();
        if have.contains(ip) {
            out.push(Finding::ok(
                "mx.address",
                rust_i18n::t!("find.mx.address.2", primary = primary, ip = ip).into_owned(),
            ));
        } else {
            out.push(Finding::error(
                "mx.address",
                rust_i18n::t!(
                    "find.mx.address.3",
                    primary = primary,
                    v1 = if same_family.is_empty() {
                        format!("no {} record", if ip.is_ipv4() { "A" } else { "AAAA" })
                    } else {
                        list(&same_family)
                    },
                    ip = ip
                )
                .into_owned(),
                rust_i18n::t!("find.mx.2").into_owned(),
            ));
        }
    }
    let v6: Vec<IpAddr> = have.iter().copied().filter(IpAddr::is_ipv6).collect();
    if !input.ipv6_enabled && !v6.is_empty() {
        out.push(Finding::warn(
            "mx.aaaa_unmanaged",
            rust_i18n::t!("find.mx.aaaa_unmanaged", primary = primary, v1 = list(&v6)).into_owned(),
            rust_i18n::t!("find.mx.aaaa_unmanaged.2", primary = primary).into_owned(),
        ));
    } else if input.ipv6_enabled && v6.is_empty() {
        out.push(Finding::warn(
            "mx.aaaa_missing",
            rust_i18n::t!("find.mx.aaaa_missing", primary = primary).into_owned(),
            rust_i18n::t!("find.mx.aaaa_missing.2").into_owned(),
        ));
    }
    out
}

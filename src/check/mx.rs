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
            let what = format!("the MX records of {domain}");
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
        format!(
            "{domain} does not exist in DNS (NXDOMAIN): no mail can be sent to it; the name \
             may be misspelt, not registered, or not delegated to name servers that serve it"
        ),
        format!(
            "check the spelling of {domain}; if it is yours, check at the registrar that it \
             is registered and that its NS records name the DNS host that holds its zone"
        ),
    )
}

/// The domain exists but has no MX host: a null MX or no MX at all, both errors for the
/// domain whose mail mxddns keeps running.
async fn no_mx(dns: &Dns, domain: &str) -> Finding {
    match dns.null_mx(domain).await {
        Ok(true) => Finding::error(
            "mx.null",
            format!(
                "{domain} publishes a null MX (MX 0 .): it declares that it accepts no mail \
                 (RFC 7505), so senders bounce every message at once"
            ),
            format!(
                "this server should receive mail for {domain}: replace the null MX with \
                 \"{domain}. MX 10 mail.{domain}.\" and an A record for mail.{domain}"
            ),
        ),
        Ok(false) => Finding::error(
            "mx.missing",
            format!(
                "{domain} has no MX record: senders fall back to the address of {domain} itself \
                 (RFC 5321 §5.1), which is rarely the mail server, and many refuse to"
            ),
            format!(
                "add \"{domain}. MX 10 mail.{domain}.\" and an A record for mail.{domain}; \
                 mxddns keeps that A record current"
            ),
        ),
        Err(e) => Finding::could_not_check("mx.dns", &format!("the MX records of {domain}"), &e),
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
                format!(
                    "the MX record of {domain} points at the address {ip}, not at a host name: \
                     an MX must name a host (RFC 5321 §5.1), so senders treat \"{name}\" as a \
                     name that does not exist"
                ),
                format!(
                    "create \"mail.{domain}. A {ip}\" and change the MX to \
                     \"{domain}. MX {} mail.{domain}.\"",
                    m.preference
                ),
            ));
            return out;
        }
        Host::Name { cname, addrs } => (cname, addrs),
    };
    match cname {
        Ok(Some(target)) => out.push(Finding::warn(
            "mx.cname",
            format!(
                "MX host {name} is a CNAME (to {target}): an MX must name the host that holds \
                 the address records (RFC 2181 §10.3, RFC 5321 §5.1), and some senders refuse it"
            ),
            format!(
                "point the MX of {domain} at the name that holds the A record (the end of the \
                 chain) instead of {name}; mxddns updates the end of the chain either way"
            ),
        )),
        Ok(None) => {}
        Err(e) => out.push(Finding::could_not_check(
            "mx.dns",
            &format!("whether MX host {name} is a CNAME"),
            e,
        )),
    }
    match addrs {
        Ok(a) if a.is_empty() => out.push(Finding::error(
            "mx.unresolved",
            format!("MX host {name} has no A or AAAA record: no mail can be delivered to it"),
            format!(
                "create the A record of {name} (run `mxddns --update-now` when mxddns manages \
                 it), or point the MX at a host that exists"
            ),
        )),
        Ok(a) => out.push(Finding::ok(
            "mx.host",
            format!("MX {} {name} -> {}", m.preference, list(a)),
        )),
        Err(e) => out.push(Finding::could_not_check(
            "mx.dns",
            &format!("the addresses of MX host {name}"),
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
            format!("no public address was given or detected: whether {primary} points at this network was not checked"),
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
                format!("primary MX host {primary} points at this network's address {ip}"),
            ));
        } else {
            out.push(Finding::error(
                "mx.address",
                format!(
                    "primary MX host {primary} has {}, not this network's address {ip}: mail \
                     goes elsewhere",
                    if same_family.is_empty() {
                        format!("no {} record", if ip.is_ipv4() { "A" } else { "AAAA" })
                    } else {
                        list(&same_family)
                    }
                ),
                "run `mxddns --update-now` (and check that the configured domain's host is \
                 this MX host)",
            ));
        }
    }
    let v6: Vec<IpAddr> = have.iter().copied().filter(IpAddr::is_ipv6).collect();
    if !input.ipv6_enabled && !v6.is_empty() {
        out.push(Finding::warn(
            "mx.aaaa_unmanaged",
            format!(
                "{primary} has AAAA {} but IPv6 is off in mxddns: senders that prefer IPv6 try \
                 it first, and fail if it is stale",
                list(&v6)
            ),
            format!(
                "delete the AAAA record of {primary}, or turn IPv6 on (detect.ipv6 sources) so \
                 that mxddns keeps it current"
            ),
        ));
    } else if input.ipv6_enabled && v6.is_empty() {
        out.push(Finding::warn(
            "mx.aaaa_missing",
            format!("IPv6 is on in mxddns but {primary} has no AAAA record: mail arrives over IPv4 only"),
            "run `mxddns --update-now` to create it (it needs a detected IPv6 address)",
        ));
    }
    out
}

//! Reverse DNS of each public address: a PTR exists, resolves back to the address
//! (forward-confirmed reverse DNS), and names the MX host rather than an ISP default.

use super::Finding;
use crate::dns::{join::join_all, Dns, DnsError};
use rust_i18n::t;
use std::net::IpAddr;

/// A reverse name and the addresses it resolves to.
type Forward = (String, Result<Vec<IpAddr>, DnsError>);

/// The reverse names of one address, each with the addresses it resolves to.
pub(super) struct PtrLookup {
    ip: IpAddr,
    names: Result<Vec<Forward>, DnsError>,
}

/// Look up the PTR of every address and the forward addresses of each name, concurrently.
pub(super) async fn lookup(dns: &Dns, addrs: &[IpAddr]) -> Vec<PtrLookup> {
    join_all(addrs.iter().map(|ip| one(dns, *ip)).collect()).await
}

async fn one(dns: &Dns, ip: IpAddr) -> PtrLookup {
    let names = match dns.ptr(ip).await {
        Ok(names) => {
            let fwd = join_all(names.iter().map(|n| dns.addrs(n)).collect()).await;
            Ok(names.into_iter().zip(fwd).collect())
        }
        Err(e) => Err(e),
    };
    PtrLookup { ip, names }
}

/// The findings for the looked-up addresses; `mx_hosts` are the domain's MX host names.
/// `canonical` are the same hosts with aliases replaced by their targets: the fixes
/// name those, never an alias.
pub(super) fn findings(
    lookups: &[PtrLookup],
    mx_hosts: &[String],
    canonical: &[String],
    resolved: &[(String, Vec<IpAddr>)],
    domain: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mx = canonical
        .first()
        .cloned()
        .unwrap_or_else(|| format!("mail.{domain}"));
    for l in lookups {
        let ip = l.ip;
        let resolves = resolved
            .iter()
            .any(|(h, a)| h.eq_ignore_ascii_case(&mx) && a.contains(&ip));
        let ask = isp_request(ip, &mx, resolves);
        let names = match &l.names {
            Ok(n) => n,
            Err(e) => {
                out.push(Finding::could_not_check(
                    "ptr.dns",
                    &rust_i18n::t!("find.ptr.dns", ip = ip),
                    e,
                ));
                continue;
            }
        };
        if names.is_empty() {
            out.push(Finding::error(
                "ptr.missing",
                rust_i18n::t!("find.ptr.missing", ip = ip).into_owned(),
                ask.clone(),
            ));
            continue;
        }
        for (name, fwd) in names {
            match fwd {
                Ok(a) if a.contains(&ip) => out.push(Finding::ok(
                    "ptr.fcrdns",
                    rust_i18n::t!("find.ptr.fcrdns", ip = ip, name = name).into_owned(),
                )),
                Ok(a) => out.push(Finding::error(
                    "ptr.fcrdns",
                    rust_i18n::t!(
                        "find.ptr.fcrdns.2",
                        ip = ip,
                        name = name,
                        v1 = if a.is_empty() {
                            rust_i18n::t!("find.ptr.no_address").into_owned()
                        } else {
                            rust_i18n::t!("find.ptr.resolves_to", addrs = super::list(a))
                                .into_owned()
                        }
                    )
                    .into_owned(),
                    t!(
                        "check.ptr.fcrdns_fix",
                        name = name,
                        ip = ip,
                        request = ask.clone()
                    ),
                )),
                Err(e) => out.push(Finding::could_not_check(
                    "ptr.dns",
                    &rust_i18n::t!("find.ptr.dns.2", name = name, ip = ip),
                    e,
                )),
            }
        }
        let shown = names
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if names
            .iter()
            .any(|(n, _)| mx_hosts.iter().any(|h| h.eq_ignore_ascii_case(n)))
        {
            out.push(Finding::ok(
                "ptr.match",
                rust_i18n::t!("find.ptr.match", ip = ip, shown = shown).into_owned(),
            ));
        } else if names
            .iter()
            .any(|(n, _)| looks_isp_default(n, ip) && !is_own(n, domain, canonical))
        {
            out.push(Finding::warn(
                "ptr.isp_default",
                rust_i18n::t!("find.ptr.isp_default", ip = ip, shown = shown).into_owned(),
                ask.clone(),
            ));
        } else {
            out.push(Finding::warn(
                "ptr.mismatch",
                rust_i18n::t!("find.ptr.mismatch", ip = ip, shown = shown, domain = domain)
                    .into_owned(),
                t!("check.ptr.mismatch_fix", request = ask.clone()),
            ));
        }
    }
    out
}

/// The fix that asks the ISP for the PTR, with the request to send word for word: the
/// address, the wanted name, and that the name resolves back (or that it must first).
fn isp_request(ip: IpAddr, name: &str, resolves: bool) -> String {
    let request = t!("check.ptr.request_text", ip = ip, name = name);
    if resolves {
        t!("check.ptr.request", ip = ip, name = name, request = request).into_owned()
    } else {
        t!(
            "check.ptr.request_first",
            ip = ip,
            name = name,
            request = request
        )
        .into_owned()
    }
}

/// Whether `name` lies inside the mail domain or the domain of one of its MX hosts: the
/// operator's own name, whatever words it holds (`host1.example.com`), never an ISP's
/// default.
fn is_own(name: &str, domain: &str, hosts: &[String]) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let within = |d: &str| n == d || n.ends_with(&format!(".{d}"));
    within(domain)
        || hosts.iter().any(|h| {
            let h = h.to_ascii_lowercase();
            // The MX host's parent domain (mail.example.net -> example.net).
            let parent = h.split_once('.').map_or(h.as_str(), |(_, p)| p);
            parent.contains('.') && within(parent)
        })
}

/// Words that ISPs put in the default reverse names of customer lines.
const ISP_WORDS: &[&str] = &[
    "dynamic",
    "dyn",
    "dhcp",
    "pool",
    "dsl",
    "adsl",
    "vdsl",
    "cable",
    "ppp",
    "pppoe",
    "broadband",
    "customer",
    "res",
    "client",
    "host",
    "dialup",
];

/// Whether `name` looks like an ISP's generated reverse name for `ip`: it spells out the
/// address (dashed, dotted, reversed, zero-padded, hex), or has words such as "dynamic",
/// "dsl", "pool" or "customer".
pub(super) fn looks_isp_default(name: &str, ip: IpAddr) -> bool {
    let n = name.to_ascii_lowercase();
    let spelled = match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            let fwd: Vec<String> = o.iter().map(u8::to_string).collect();
            let rev: Vec<String> = fwd.iter().rev().cloned().collect();
            let hex: String = o.iter().map(|b| format!("{b:02x}")).collect();
            [
                fwd.join("-"),
                fwd.join("."),
                rev.join("-"),
                rev.join("."),
                o.iter().map(|b| format!("{b:03}")).collect::<String>(),
            ]
            .iter()
            .any(|form| contains_token(&n, form, |c| c.is_ascii_digit()))
                || contains_token(&n, &hex, |c| c.is_ascii_hexdigit())
        }
        IpAddr::V6(v6) => {
            let full: String = v6.segments().iter().map(|s| format!("{s:04x}")).collect();
            let dashed = v6.to_string().replace(':', "-");
            n.contains(&full) || n.contains(&dashed)
        }
    };
    if spelled || n.contains("static-ip") {
        return true;
    }
    if n.split(['.', '-']).any(|label| {
        label.starts_with("ip") && label[2..].starts_with(|c: char| c.is_ascii_digit())
    }) || n.split('.').any(|label| label.starts_with("ip-"))
    {
        return true;
    }
    n.split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| ISP_WORDS.contains(&word))
}

/// Whether `form` occurs in `name` without a `digit` character running on at either side
/// (so that `1.2.3.4` is not found inside `11.2.3.45`, but is in `p1-2-3-4.isp.net`).
fn contains_token(name: &str, form: &str, digit: fn(char) -> bool) -> bool {
    name.match_indices(form).any(|(i, _)| {
        let before = name[..i].chars().next_back();
        let after = name[i + form.len()..].chars().next();
        !before.is_some_and(digit) && !after.is_some_and(digit)
    })
}

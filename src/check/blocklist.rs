//! DNS blocklists: for each public IPv4 address and each zone, ask `D.C.B.A.ZONE` A.
//! NXDOMAIN means "not listed"; Spamhaus return codes are explained (the PBL is the usual
//! home-line case); 127.255.255.x means the query was refused, which is "could not
//! check", never "listed".

use super::Finding;
use crate::dns::{join::join_all, Dns};
use std::net::{IpAddr, Ipv4Addr};

/// The blocklist findings for `addrs` on `zones`, all asked at once.
pub(super) async fn check(dns: &Dns, addrs: &[IpAddr], zones: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    if addrs.is_empty() {
        out.push(Finding::info(
            "blocklist.skipped",
            rust_i18n::t!("find.blocklist.skipped").into_owned(),
        ));
        return out;
    }
    let mut asks = Vec::new();
    for ip in addrs {
        match ip {
            IpAddr::V4(v4) => {
                for zone in zones {
                    asks.push((*v4, zone.trim_end_matches('.').to_ascii_lowercase()));
                }
            }
            IpAddr::V6(v6) => out.push(Finding::info(
                "blocklist.ipv6",
                rust_i18n::t!("find.blocklist.ipv6", v6 = v6).into_owned(),
            )),
        }
    }
    let lookups = asks.iter().map(|(ip, zone)| async move {
        let o = ip.octets();
        let name = format!("{}.{}.{}.{}.{zone}", o[3], o[2], o[1], o[0]);
        (ip, zone, dns.addrs(&name).await)
    });
    for (ip, zone, r) in join_all(lookups.collect()).await {
        match r {
            Ok(answers) => {
                let v4: Vec<Ipv4Addr> = answers
                    .iter()
                    .filter_map(|a| match a {
                        IpAddr::V4(a) => Some(*a),
                        IpAddr::V6(_) => None,
                    })
                    .collect();
                out.extend(interpret(*ip, zone, &v4));
            }
            Err(e) => out.push(Finding::could_not_check(
                "blocklist.dns",
                &rust_i18n::t!("find.blocklist.dns", ip = ip, zone = zone),
                &e,
            )),
        }
    }
    out
}

/// What the answers of `zone` about `ip` mean.
pub(super) fn interpret(ip: Ipv4Addr, zone: &str, answers: &[Ipv4Addr]) -> Vec<Finding> {
    if answers.is_empty() {
        return vec![Finding::ok(
            "blocklist.clean",
            rust_i18n::t!("find.blocklist.clean", ip = ip, zone = zone).into_owned(),
        )];
    }
    let spamhaus = zone.contains("spamhaus.");
    let lookup_url = if spamhaus {
        format!("https://check.spamhaus.org/results/?query={ip}")
    } else {
        rust_i18n::t!("find.blocklist.clean.2", zone = zone).into_owned()
    };
    let mut out = Vec::new();
    for a in answers {
        let [first, second, third, last] = a.octets();
        if [first, second, third] == [127, 255, 255] {
            let why = match last {
                252 => rust_i18n::t!("find.blocklist").into_owned(),
                254 => rust_i18n::t!("find.blocklist.2").into_owned(),
                255 => rust_i18n::t!("find.blocklist.3").into_owned(),
                _ => rust_i18n::t!("find.blocklist.4").into_owned(),
            };
            out.push(Finding::warn(
                "blocklist.refused",
                rust_i18n::t!(
                    "find.blocklist.refused",
                    ip = ip,
                    zone = zone,
                    a = a,
                    why = why
                )
                .into_owned(),
                rust_i18n::t!("find.blocklist.refused.2").into_owned(),
            ));
            continue;
        }
        if first != 127 {
            out.push(Finding::warn(
                "blocklist.refused",
                rust_i18n::t!("find.blocklist.refused.3", ip = ip, zone = zone, a = a).into_owned(),
                rust_i18n::t!("find.blocklist.refused.4").into_owned(),
            ));
            continue;
        }
        if spamhaus && (last == 10 || last == 11) {
            let who = if last == 10 {
                rust_i18n::t!("find.blocklist.5").into_owned()
            } else {
                rust_i18n::t!("find.blocklist.6").into_owned()
            };
            out.push(Finding::warn(
                "blocklist.pbl",
                rust_i18n::t!("find.blocklist.pbl", ip = ip, a = a, who = who).into_owned(),
                rust_i18n::t!("find.blocklist.pbl.2", lookup_url = lookup_url).into_owned(),
            ));
            continue;
        }
        let what = if spamhaus {
            match last {
                2 => rust_i18n::t!("find.blocklist.7").into_owned(),
                3 => rust_i18n::t!("find.blocklist.8").into_owned(),
                4..=7 => rust_i18n::t!("find.blocklist.9").into_owned(),
                9 => rust_i18n::t!("find.blocklist.10").into_owned(),
                _ => rust_i18n::t!("find.blocklist.spamhaus").into_owned(),
            }
        } else {
            rust_i18n::t!("find.blocklist.listed_plain").into_owned()
        };
        out.push(Finding::error(
            "blocklist.listed",
            rust_i18n::t!(
                "find.blocklist.listed",
                ip = ip,
                zone = zone,
                a = a,
                what = what
            )
            .into_owned(),
            rust_i18n::t!("find.blocklist.listed.2", lookup_url = lookup_url).into_owned(),
        ));
    }
    out
}

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
            "no public address was given or detected: blocklists were not checked",
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
                format!("{v6} was not checked against blocklists (IPv6 listings work differently)"),
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
                &format!("whether {ip} is on {zone}"),
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
            format!("{ip} is not listed on {zone}"),
        )];
    }
    let spamhaus = zone.contains("spamhaus.");
    let lookup_url = if spamhaus {
        format!("https://check.spamhaus.org/results/?query={ip}")
    } else {
        format!("the web site of {zone}")
    };
    let mut out = Vec::new();
    for a in answers {
        let [first, second, third, last] = a.octets();
        if [first, second, third] == [127, 255, 255] {
            let why = match last {
                252 => "the blocklist name looks mistyped",
                254 => "queries through public or open resolvers are refused",
                255 => "the free-use query limit was exceeded",
                _ => "the blocklist refused the query",
            };
            out.push(Finding::warn(
                "blocklist.refused",
                format!("could not check whether {ip} is on {zone}: it answered {a} ({why}); this is not a listing"),
                "ask through a resolver of your own (not 8.8.8.8, 1.1.1.1 or another public one) under dns.resolvers, check the zone name, or use a Spamhaus Data Query Service key",
            ));
            continue;
        }
        if first != 127 {
            out.push(Finding::warn(
                "blocklist.refused",
                format!("could not check whether {ip} is on {zone}: it answered {a}, which is not a blocklist code (a resolver that rewrites NXDOMAIN?)"),
                "ask through a resolver that does not rewrite answers (dns.resolvers)",
            ));
            continue;
        }
        if spamhaus && (last == 10 || last == 11) {
            let who = if last == 10 {
                "listed by the ISP"
            } else {
                "listed by Spamhaus"
            };
            out.push(Finding::warn(
                "blocklist.pbl",
                format!(
                    "{ip} is on the Spamhaus PBL ({a}, {who}): an end-user or residential range \
                     that should not send mail directly. Direct delivery from this home line is \
                     often refused by receivers; inbound mail is unaffected"
                ),
                format!(
                    "relay outgoing mail through your provider's SMTP server or a commercial \
                     smarthost (Postfix: relayhost); some ISPs take business lines off the PBL \
                     (see {lookup_url})"
                ),
            ));
            continue;
        }
        let what = if spamhaus {
            match last {
                2 => "SBL: a known spam source",
                3 => "SBL CSS: a source of low-reputation or snowshoe mail",
                4..=7 => "XBL: an exploited or infected host (bot, open proxy)",
                9 => "DROP: a hijacked or criminal network",
                _ => "a Spamhaus listing",
            }
        } else {
            "listed"
        };
        out.push(Finding::error(
            "blocklist.listed",
            format!("{ip} is on {zone} ({a}, {what}): receivers that use it refuse mail from this address"),
            format!("find out why and how to get delisted at {lookup_url}; clean up the cause first (an infected device, an open relay), or relay outgoing mail through a smarthost meanwhile"),
        ));
    }
    out
}

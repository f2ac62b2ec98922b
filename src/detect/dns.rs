//! `dns:…` sources: "what is my address" questions to public DNS services, sent over the
//! asked family so that the answer is of that family.

use super::answer::{excerpt, parse_answer};
use super::error::SourceError;
use super::Family;
use crate::detect::DnsService;
use crate::dns::wire::{self, Question};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{DNSClass, RData, RecordType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// The service's own server for `family`.
pub fn default_server(service: DnsService, family: Family) -> SocketAddr {
    let ip: IpAddr = match (service, family) {
        // resolver1.opendns.com
        (DnsService::OpenDns, Family::V4) => Ipv4Addr::new(208, 67, 222, 222).into(),
        (DnsService::OpenDns, Family::V6) => {
            Ipv6Addr::new(0x2620, 0x119, 0x35, 0, 0, 0, 0, 0x35).into()
        }
        (DnsService::Cloudflare, Family::V4) => Ipv4Addr::new(1, 1, 1, 1).into(),
        (DnsService::Cloudflare, Family::V6) => {
            Ipv6Addr::new(0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1111).into()
        }
        // ns1.google.com
        (DnsService::Google, Family::V4) => Ipv4Addr::new(216, 239, 32, 10).into(),
        (DnsService::Google, Family::V6) => {
            Ipv6Addr::new(0x2001, 0x4860, 0x4802, 0x32, 0, 0, 0, 0xa).into()
        }
    };
    SocketAddr::new(ip, 53)
}

/// The question that makes `service` answer with the asker's address.
pub fn question(service: DnsService, family: Family) -> Question<'static> {
    match service {
        DnsService::OpenDns => Question {
            name: "myip.opendns.com.",
            rtype: match family {
                Family::V4 => RecordType::A,
                Family::V6 => RecordType::AAAA,
            },
            class: DNSClass::IN,
            recursion: true,
        },
        DnsService::Cloudflare => Question {
            name: "whoami.cloudflare.",
            rtype: RecordType::TXT,
            class: DNSClass::CH,
            recursion: true,
        },
        DnsService::Google => Question {
            name: "o-o.myaddr.l.google.com.",
            rtype: RecordType::TXT,
            class: DNSClass::IN,
            recursion: false,
        },
    }
}

/// Ask `service` (at `server`, or its own server for `family`).
pub async fn ask(
    service: DnsService,
    server: Option<SocketAddr>,
    family: Family,
    timeout: Duration,
) -> Result<IpAddr, SourceError> {
    let server = server.unwrap_or_else(|| default_server(service, family));
    let msg = wire::query(server, &question(service, family), timeout)
        .await
        .map_err(|e| match e {
            wire::WireError::Timeout { timeout, .. } => SourceError::Timeout(timeout),
            other => SourceError::Dns(other.to_string()),
        })?;
    let rcode = msg.metadata.response_code;
    if rcode != ResponseCode::NoError {
        return Err(SourceError::DnsRcode {
            server: server.to_string(),
            rcode: format!("{} ({rcode})", format!("{rcode:?}").to_uppercase()),
        });
    }
    pick(
        msg.answers.iter().map(|r| &r.data),
        family,
        &server.to_string(),
    )
}

/// The one address among the answer records: A/AAAA data, or TXT strings that are
/// exactly an address (Google adds an "edns0-client-subnet …" TXT beside it).
fn pick<'a>(
    records: impl Iterator<Item = &'a RData>,
    family: Family,
    server: &str,
) -> Result<IpAddr, SourceError> {
    let mut found: Vec<IpAddr> = Vec::new();
    let mut first_error: Option<SourceError> = None;
    let mut seen: Vec<String> = Vec::new();
    for data in records {
        let parsed = match data {
            RData::A(a) => parse_answer(a.0.to_string().as_bytes(), family),
            RData::AAAA(a) => parse_answer(a.0.to_string().as_bytes(), family),
            RData::TXT(txt) => {
                let text: Vec<u8> = txt
                    .txt_data
                    .iter()
                    .flat_map(|s| s.iter().copied())
                    .collect();
                seen.push(format!("TXT \"{}\"", excerpt(&text)));
                parse_answer(&text, family)
            }
            other => {
                seen.push(format!("{}", other.record_type()));
                continue;
            }
        };
        match parsed {
            Ok(ip) if !found.contains(&ip) => found.push(ip),
            Ok(_) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match found.as_slice() {
        [ip] => Ok(*ip),
        [first, second, ..] => Err(SourceError::Ambiguous {
            first: *first,
            second: *second,
        }),
        [] => match first_error {
            // An answer of the wrong family says more than "no address".
            Some(e @ SourceError::WrongFamily { .. }) => Err(e),
            _ => Err(SourceError::DnsNoAddress {
                server: server.to_string(),
                detail: if seen.is_empty() {
                    rust_i18n::t!("ui.dns").into_owned().to_string()
                } else {
                    seen.join(", ")
                },
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::{A, AAAA, TXT};

    fn txt(s: &[&str]) -> RData {
        RData::TXT(TXT::new(s.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn picks_the_address_among_txt_records() {
        let records = [
            txt(&["edns0-client-subnet 198.51.100.0/24"]),
            txt(&["203.0.113.8"]),
        ];
        assert_eq!(
            pick(records.iter(), Family::V4, "s").unwrap().to_string(),
            "203.0.113.8"
        );
        let records = [RData::AAAA(AAAA("2001:db8::8".parse().unwrap()))];
        assert_eq!(
            pick(records.iter(), Family::V6, "s").unwrap().to_string(),
            "2001:db8::8"
        );
    }

    #[test]
    fn says_why_there_is_no_address() {
        let e = pick([].iter(), Family::V4, "127.0.0.1:53").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the DNS server 127.0.0.1:53 gave no address (the answer is empty)"
        );
        let e = pick([txt(&["hello"])].iter(), Family::V4, "s").unwrap_err();
        assert!(e.to_string().contains("TXT \"hello\""), "{e}");
        let e = pick([RData::A(A::new(203, 0, 113, 1))].iter(), Family::V6, "s").unwrap_err();
        assert!(matches!(e, SourceError::WrongFamily { .. }), "{e:?}");
        let two = [
            RData::A(A::new(203, 0, 113, 1)),
            RData::A(A::new(203, 0, 113, 2)),
        ];
        assert!(matches!(
            pick(two.iter(), Family::V4, "s"),
            Err(SourceError::Ambiguous { .. })
        ));
    }

    #[test]
    fn default_servers_match_the_family() {
        for service in [
            DnsService::OpenDns,
            DnsService::Cloudflare,
            DnsService::Google,
        ] {
            assert!(default_server(service, Family::V4).is_ipv4());
            assert!(default_server(service, Family::V6).is_ipv6());
        }
        assert_eq!(
            default_server(DnsService::Google, Family::V6).to_string(),
            "[2001:4860:4802:32::a]:53"
        );
    }
}

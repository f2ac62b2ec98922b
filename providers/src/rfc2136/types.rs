//! The agent's records and hickory's wire records, both ways.

use crate::record::{normalize_name, Record, RecordData, RecordType};
use hickory_proto::rr::rdata::{self, CAA, MX, SRV, TLSA, TXT};
use hickory_proto::rr::{Name, RData, RecordType as WireType};

/// The wire type of an agent type.
pub fn wire_type(t: RecordType) -> WireType {
    match t {
        RecordType::A => WireType::A,
        RecordType::Aaaa => WireType::AAAA,
        RecordType::Cname => WireType::CNAME,
        RecordType::Txt => WireType::TXT,
        RecordType::Mx => WireType::MX,
        RecordType::Srv => WireType::SRV,
        RecordType::Caa => WireType::CAA,
        RecordType::Tlsa => WireType::TLSA,
    }
}

/// An absolute name from `fqdn` (`""` is the root, for null MX / SRV ".").
pub fn name(fqdn: &str) -> Result<Name, String> {
    let n = normalize_name(fqdn);
    let text = if n.is_empty() {
        ".".to_string()
    } else {
        format!("{n}.")
    };
    Name::from_ascii(&text).map_err(|e| format!("\"{fqdn}\" is not a valid DNS name ({e})"))
}

/// The agent's name for a wire name: lowercase, no trailing dot.
pub fn fqdn(n: &Name) -> String {
    normalize_name(&n.to_ascii())
}

/// Wire rdata for agent data.
pub fn to_rdata(d: &RecordData) -> Result<RData, String> {
    Ok(match d {
        RecordData::A(ip) => RData::A(rdata::A(*ip)),
        RecordData::Aaaa(ip) => RData::AAAA(rdata::AAAA(*ip)),
        RecordData::Cname(t) => RData::CNAME(rdata::CNAME(name(t)?)),
        RecordData::Txt(parts) => {
            if let Some(p) = parts.iter().find(|p| p.len() > 255) {
                return Err(format!(
                    "a TXT character-string of {} bytes is longer than the 255 a DNS string can hold",
                    p.len()
                ));
            }
            RData::TXT(TXT::new(parts.clone()))
        }
        RecordData::Mx {
            preference,
            exchange,
        } => RData::MX(MX::new(*preference, name(exchange)?)),
        RecordData::Srv {
            priority,
            weight,
            port,
            target,
        } => RData::SRV(SRV::new(*priority, *weight, *port, name(target)?)),
        RecordData::Caa { flags, tag, value } => {
            let mut caa = CAA::new_issue(false, None, Vec::new());
            caa.issuer_critical = flags & 0x80 != 0;
            caa.reserved_flags = flags & 0x7f;
            caa.tag = tag.to_ascii_lowercase();
            caa.value = value.as_bytes().to_vec();
            RData::CAA(caa)
        }
        RecordData::Tlsa {
            usage,
            selector,
            matching_type,
            data,
        } => {
            let bytes = hex::decode(data)
                .map_err(|_| format!("the TLSA data \"{data}\" is not hexadecimal"))?;
            RData::TLSA(TLSA::new(
                (*usage).into(),
                (*selector).into(),
                (*matching_type).into(),
                bytes,
            ))
        }
    })
}

/// Agent data for wire rdata; `None` for types the agent does not model (SOA, NS, …).
pub fn from_rdata(r: &RData) -> Option<RecordData> {
    Some(match r {
        RData::A(a) => RecordData::A(a.0),
        RData::AAAA(a) => RecordData::Aaaa(a.0),
        RData::CNAME(c) => RecordData::Cname(fqdn(&c.0)),
        RData::TXT(t) => RecordData::Txt(
            t.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        RData::MX(m) => RecordData::Mx {
            preference: m.preference,
            exchange: fqdn(&m.exchange),
        },
        RData::SRV(s) => RecordData::Srv {
            priority: s.priority,
            weight: s.weight,
            port: s.port,
            target: fqdn(&s.target),
        },
        RData::CAA(c) => RecordData::Caa {
            flags: (if c.issuer_critical { 0x80 } else { 0 }) | (c.reserved_flags & 0x7f),
            tag: c.tag.to_ascii_lowercase(),
            value: String::from_utf8_lossy(&c.value).into_owned(),
        },
        RData::TLSA(t) => RecordData::Tlsa {
            usage: t.cert_usage.into(),
            selector: t.selector.into(),
            matching_type: t.matching.into(),
            data: hex::encode(&t.cert_data),
        },
        _ => return None,
    })
}

/// An agent record for a wire record of class IN, when the agent models its type.
pub fn record(r: &hickory_proto::rr::Record) -> Option<Record> {
    let data = from_rdata(&r.data)?;
    Some(Record {
        id: String::new(),
        name: fqdn(&r.name),
        data,
        ttl: r.ttl,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_goes_to_the_wire_and_back() {
        let all = [
            RecordData::A("203.0.113.10".parse().unwrap()),
            RecordData::Aaaa("2001:db8::10".parse().unwrap()),
            RecordData::Cname("home.example.net".into()),
            RecordData::Txt(vec!["v=spf1 ip4:203.0.113.10".into(), " -all".into()]),
            RecordData::Mx {
                preference: 10,
                exchange: "mail.example.com".into(),
            },
            RecordData::Mx {
                preference: 0,
                exchange: String::new(),
            },
            RecordData::Srv {
                priority: 0,
                weight: 5,
                port: 587,
                target: "mail.example.com".into(),
            },
            RecordData::Caa {
                flags: 0,
                tag: "issue".into(),
                value: "letsencrypt.org".into(),
            },
            RecordData::Tlsa {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "ab".repeat(32),
            },
        ];
        for d in all {
            let wire = to_rdata(&d).unwrap();
            assert_eq!(from_rdata(&wire).as_ref(), Some(&d), "{d}");
        }
        assert!(to_rdata(&RecordData::Txt(vec!["x".repeat(256)])).is_err());
    }
}

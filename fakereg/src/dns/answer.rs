//! How the fake authoritative server answers one question from the store: the "what is my IP"
//! names first, then zone data with CNAME chasing, NODATA/NXDOMAIN with the zone's SOA, and
//! REFUSED outside every zone.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, NULL, PTR, SOA, SRV, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::echo::EchoIps;
use crate::rdata::{Rdata, RrType, SoaData};
use crate::store::{StoredRecord, Zone, Zones};

/// Longest CNAME chain followed.
const MAX_CNAME_HOPS: usize = 8;
/// TTL of the synthesized apex NS set.
const NS_TTL: u32 = 3600;

/// The answer to one question.
#[derive(Debug)]
pub(crate) struct Answer {
    pub rcode: ResponseCode,
    pub authoritative: bool,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
}

impl Answer {
    fn new(rcode: ResponseCode, authoritative: bool) -> Self {
        Answer {
            rcode,
            authoritative,
            answers: Vec::new(),
            authority: Vec::new(),
        }
    }
}

/// The question, normalized.
pub(crate) struct Question<'a> {
    /// Lowercase, no trailing dot.
    pub name: &'a str,
    pub qtype: RecordType,
    pub qclass: DNSClass,
    /// Whether the client asked over IPv6 (whoami answers its own family first).
    pub client_v6: bool,
}

/// Answers `q` from `z` and the echo addresses.
pub(crate) fn resolve(z: &Zones, echo: &EchoIps, q: &Question<'_>) -> Answer {
    if let Some(a) = whoami(echo, q) {
        return a;
    }
    if q.qclass != DNSClass::IN {
        return Answer::new(ResponseCode::Refused, false);
    }
    let mut ans = Answer::new(ResponseCode::NoError, false);
    let mut name = q.name.to_string();
    for _ in 0..=MAX_CNAME_HOPS {
        let Some(zone) = z.zone_of(&name).cloned() else {
            if ans.answers.is_empty() {
                ans.rcode = ResponseCode::Refused;
            }
            // Otherwise a CNAME points out of the served zones: the chain stops there.
            return ans;
        };
        ans.authoritative = true;
        let here = records_at(z, &zone, &name);
        let wants_cname = matches!(q.qtype, RecordType::CNAME | RecordType::ANY);
        if let (false, Some(cname)) = (
            wants_cname,
            here.iter().find(|r| r.record_type() == RecordType::CNAME),
        ) {
            ans.answers.push(cname.clone());
            match &cname.data {
                RData::CNAME(CNAME(target)) => {
                    name = crate::rdata::normalize_name(&target.to_ascii())
                }
                _ => return ans,
            }
            continue;
        }
        let matching: Vec<Record> = here
            .iter()
            .filter(|r| q.qtype == RecordType::ANY || r.record_type() == q.qtype)
            .cloned()
            .collect();
        if !matching.is_empty() {
            ans.answers.extend(matching);
            return ans;
        }
        if here.is_empty() && !z.name_exists(&zone.name, &name) {
            ans.rcode = ResponseCode::NXDomain;
        }
        if let Some(soa) = negative_soa(z, &zone) {
            ans.authority.push(soa);
        }
        return ans;
    }
    ans
}

/// Every record of `zone` for a transfer (RFC 5936 §2.2): the SOA first and last, the apex
/// (with its NS set), then every other name; `None` when the store holds no such zone.
pub(crate) fn zone_records(z: &Zones, zone: &str) -> Option<Vec<Record>> {
    let zone = z.zone(zone)?.clone();
    let (soa, ttl) = z.soa(&zone.name)?;
    let soa = soa_record(&zone.name, &soa, ttl)?;
    let mut out = vec![soa.clone()];
    out.extend(
        records_at(z, &zone, &zone.name)
            .into_iter()
            .filter(|r| r.record_type() != RecordType::SOA),
    );
    out.extend(
        z.list(&zone.name, None, None)
            .filter(|r| r.name != zone.name)
            .filter_map(to_record),
    );
    out.push(soa);
    Some(out)
}

/// `myip.opendns.com` A/AAAA, `whoami.cloudflare` TXT (CH or IN), `o-o.myaddr.l.google.com` TXT.
fn whoami(echo: &EchoIps, q: &Question<'_>) -> Option<Answer> {
    let owner = Name::from_ascii(format!("{}.", q.name)).ok()?;
    let mut ans = Answer::new(ResponseCode::NoError, true);
    let rdata = match (q.name, q.qclass) {
        ("myip.opendns.com", DNSClass::IN) => match q.qtype {
            RecordType::A => echo.v4().map(|a| RData::A(A(a))),
            RecordType::AAAA => echo.v6().map(|a| RData::AAAA(AAAA(a))),
            _ => None,
        },
        ("whoami.cloudflare", DNSClass::CH | DNSClass::IN)
        | ("o-o.myaddr.l.google.com", DNSClass::IN) => match q.qtype {
            RecordType::TXT => echo
                .for_client(q.client_v6)
                .map(|ip| RData::TXT(TXT::new(vec![ip.to_string()]))),
            _ => None,
        },
        _ => return None,
    };
    if let Some(rdata) = rdata {
        let mut r = Record::from_rdata(owner, 0, rdata);
        r.dns_class = q.qclass;
        ans.answers.push(r);
    }
    Some(ans)
}

/// The records at `name` in `zone`, with the zone's SOA and NS set at the apex (stored or
/// synthesized).
fn records_at(z: &Zones, zone: &Zone, name: &str) -> Vec<Record> {
    let apex = name == zone.name;
    let stored = z.list(&zone.name, Some(name), None);
    let mut out: Vec<Record> = stored
        .filter(|r| !(apex && matches!(r.rtype(), RrType::SOA | RrType::NS)))
        .filter_map(to_record)
        .collect();
    if apex {
        if let Some((soa, ttl)) = z.soa(&zone.name) {
            out.extend(soa_record(&zone.name, &soa, ttl));
        }
        let ns_ttl = z
            .list(&zone.name, Some(name), Some(RrType::NS))
            .next()
            .map_or(NS_TTL, |r| r.ttl);
        for ns in z.name_servers(&zone.name) {
            out.extend(record(name, ns_ttl, &Rdata::Ns(ns)));
        }
    }
    out
}

/// The zone's SOA for the authority section of a negative answer (TTL capped by MINIMUM).
fn negative_soa(z: &Zones, zone: &Zone) -> Option<Record> {
    let (soa, ttl) = z.soa(&zone.name)?;
    soa_record(&zone.name, &soa, ttl.min(soa.minimum))
}

fn soa_record(zone: &str, soa: &SoaData, ttl: u32) -> Option<Record> {
    record(zone, ttl, &Rdata::Soa(soa.clone()))
}

fn to_record(r: &StoredRecord) -> Option<Record> {
    record(&r.name, r.ttl, &r.data)
}

fn fqdn(name: &str) -> Option<Name> {
    Name::from_ascii(format!("{name}.")).ok()
}

/// A wire record; `None` only for a name hickory cannot encode (the store validates names).
fn record(owner: &str, ttl: u32, data: &Rdata) -> Option<Record> {
    let rdata = match data {
        Rdata::A(a) => RData::A(A(*a)),
        Rdata::Aaaa(a) => RData::AAAA(AAAA(*a)),
        Rdata::Cname(n) => RData::CNAME(CNAME(fqdn(n)?)),
        Rdata::Ns(n) => RData::NS(NS(fqdn(n)?)),
        Rdata::Ptr(n) => RData::PTR(PTR(fqdn(n)?)),
        Rdata::Mx {
            preference,
            exchange,
        } => RData::MX(MX::new(*preference, fqdn(exchange)?)),
        Rdata::Txt(parts) => RData::TXT(TXT::new(parts.clone())),
        Rdata::Srv {
            priority,
            weight,
            port,
            target,
        } => RData::SRV(SRV::new(*priority, *weight, *port, fqdn(target)?)),
        // CAA (RFC 8659 §4.1: flags, tag length, tag, value) and TLSA (RFC 6698 §2.1:
        // usage, selector, matching type, data) in their wire form, so that any tag and
        // any association data go out exactly as stored.
        Rdata::Caa { flags, tag, value } => {
            let mut wire = vec![*flags, u8::try_from(tag.len()).ok()?];
            wire.extend_from_slice(tag.as_bytes());
            wire.extend_from_slice(value.as_bytes());
            RData::Unknown {
                code: RecordType::CAA,
                rdata: NULL::with(wire),
            }
        }
        Rdata::Tlsa {
            usage,
            selector,
            matching_type,
            data,
        } => {
            let mut wire = vec![*usage, *selector, *matching_type];
            wire.extend(hex::decode(data).ok()?);
            RData::Unknown {
                code: RecordType::TLSA,
                rdata: NULL::with(wire),
            }
        }
        Rdata::Soa(s) => RData::SOA(SOA::new(
            fqdn(&s.mname)?,
            fqdn(&s.rname)?,
            s.serial,
            clamp_i32(s.refresh),
            clamp_i32(s.retry),
            clamp_i32(s.expire),
            s.minimum,
        )),
    };
    Some(Record::from_rdata(fqdn(owner)?, ttl, rdata))
}

fn clamp_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

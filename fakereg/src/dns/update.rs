//! RFC 2136 UPDATE over the store: the zone section (§3.1), the prerequisites (§3.2, all
//! five forms), the prescan of the updates (§3.4.1) and their application in order
//! (§3.4.2: add, delete an RRset, delete every RRset at a name, delete one RR; SOA and
//! apex NS rules; CNAME and other data never together). The whole message applies or
//! nothing does: every check runs before the first write, under the store's lock.
//!
//! <https://www.rfc-editor.org/rfc/rfc2136#section-3>

use hickory_proto::op::{LowerQuery, ResponseCode};
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};

use crate::rdata::{normalize_name, Rdata, RrType, SoaData};
use crate::store::{NewRecord, Zones};

/// Why an UPDATE was not applied: the RCODE of its answer (RFC 2136 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UpdateRefusal {
    #[error("the message is malformed")]
    FormErr,
    #[error("the server does not hold the zone")]
    NotAuth,
    #[error("a name is outside the zone")]
    NotZone,
    #[error("a name that must be in use is not")]
    NxDomain,
    #[error("a name that must not be in use is")]
    YxDomain,
    #[error("an RRset that must exist does not, or differs")]
    NxRrset,
    #[error("an RRset that must not exist does")]
    YxRrset,
    #[error("the fake registrar cannot store this record type")]
    Refused,
}

impl UpdateRefusal {
    pub(crate) fn rcode(self) -> ResponseCode {
        match self {
            UpdateRefusal::FormErr => ResponseCode::FormErr,
            UpdateRefusal::NotAuth => ResponseCode::NotAuth,
            UpdateRefusal::NotZone => ResponseCode::NotZone,
            UpdateRefusal::NxDomain => ResponseCode::NXDomain,
            UpdateRefusal::YxDomain => ResponseCode::YXDomain,
            UpdateRefusal::NxRrset => ResponseCode::NXRRSet,
            UpdateRefusal::YxRrset => ResponseCode::YXRRSet,
            UpdateRefusal::Refused => ResponseCode::Refused,
        }
    }
}

/// The zone an UPDATE names (lowercase, no trailing dot), for the log: empty when the
/// zone section is not one SOA question.
pub(crate) fn zone_name(zone_section: &[LowerQuery]) -> String {
    match zone_section {
        [q] => normalize_name(&q.name().to_string()),
        _ => String::new(),
    }
}

/// Applies one UPDATE to `z`: all of it, or nothing and why not.
pub(crate) fn apply(
    z: &mut Zones,
    zone_section: &[LowerQuery],
    prerequisites: &[Record],
    updates: &[Record],
) -> Result<(), UpdateRefusal> {
    // §3.1.1: exactly one zone, asked as SOA.
    let [q] = zone_section else {
        return Err(UpdateRefusal::FormErr);
    };
    if q.query_type() != RecordType::SOA {
        return Err(UpdateRefusal::FormErr);
    }
    // §3.1.2: a zone this server holds (of class IN, the only one it serves).
    let zone = normalize_name(&q.name().to_string());
    if q.query_class() != DNSClass::IN || z.zone(&zone).is_none() {
        return Err(UpdateRefusal::NotAuth);
    }
    check_prerequisites(z, &zone, prerequisites)?;
    let changes = prescan(&zone, updates)?;
    let serial = z.zone(&zone).map_or(0, |zn| zn.serial);
    let mut changed = false;
    let mut soa_written = false;
    for change in changes {
        let (did, soa) = change.apply(z, &zone);
        changed |= did;
        soa_written |= soa;
    }
    // §3.6: one new serial for the whole update, unless it wrote the SOA itself.
    if changed && !soa_written {
        z.set_serial(&zone, serial.wrapping_add(1));
    }
    Ok(())
}

/// Lowercase owner name, no trailing dot.
fn owner(r: &Record) -> String {
    normalize_name(&r.name.to_ascii())
}

fn in_zone(name: &str, zone: &str) -> bool {
    name == zone || name.ends_with(&format!(".{zone}"))
}

/// The store's type for a wire type; `None` for types it cannot hold.
fn rr_type(t: RecordType) -> Option<RrType> {
    t.to_string().parse().ok()
}

/// The RRset (`name`, `rtype`) as the server answers it: with the zone's SOA and NS set
/// at the apex, stored or synthesized.
fn rrset(z: &Zones, zone: &str, name: &str, rtype: RrType) -> Vec<Rdata> {
    if name == zone {
        match rtype {
            RrType::SOA => {
                return z
                    .soa(zone)
                    .map(|(s, _)| vec![Rdata::Soa(s)])
                    .unwrap_or_default()
            }
            RrType::NS => return z.name_servers(zone).into_iter().map(Rdata::Ns).collect(),
            _ => {}
        }
    }
    z.list(zone, Some(name), Some(rtype))
        .map(|r| r.data.clone())
        .collect()
}

/// Whether any RRset is at `name` (the apex always has its SOA and NS).
fn name_in_use(z: &Zones, zone: &str, name: &str) -> bool {
    name == zone || z.list(zone, Some(name), None).next().is_some()
}

/// §3.2: every prerequisite, in order; the value-dependent ones compared at the end.
fn check_prerequisites(
    z: &Zones,
    zone: &str,
    prerequisites: &[Record],
) -> Result<(), UpdateRefusal> {
    // (name, type) -> the values the set must hold exactly.
    let mut exact: Vec<((String, RecordType), Vec<Rdata>)> = Vec::new();
    for rr in prerequisites {
        if rr.ttl != 0 {
            return Err(UpdateRefusal::FormErr);
        }
        let name = owner(rr);
        if !in_zone(&name, zone) {
            return Err(UpdateRefusal::NotZone);
        }
        let empty = matches!(rr.data, RData::Update0(_));
        let rtype = rr.record_type();
        match rr.dns_class {
            DNSClass::ANY => {
                if !empty {
                    return Err(UpdateRefusal::FormErr);
                }
                if rtype == RecordType::ANY {
                    // §2.4.4: name is in use.
                    if !name_in_use(z, zone, &name) {
                        return Err(UpdateRefusal::NxDomain);
                    }
                } else if rr_type(rtype).is_none_or(|t| rrset(z, zone, &name, t).is_empty()) {
                    // §2.4.1: RRset exists (value independent).
                    return Err(UpdateRefusal::NxRrset);
                }
            }
            DNSClass::NONE => {
                if !empty {
                    return Err(UpdateRefusal::FormErr);
                }
                if rtype == RecordType::ANY {
                    // §2.4.5: name is not in use.
                    if name_in_use(z, zone, &name) {
                        return Err(UpdateRefusal::YxDomain);
                    }
                } else if rr_type(rtype).is_some_and(|t| !rrset(z, zone, &name, t).is_empty()) {
                    // §2.4.3: RRset does not exist.
                    return Err(UpdateRefusal::YxRrset);
                }
            }
            DNSClass::IN => {
                // §2.4.2: RRset exists (value dependent), compared below.
                if empty || matches!(rtype, RecordType::ANY | RecordType::AXFR) {
                    return Err(UpdateRefusal::FormErr);
                }
                let Some(value) = rdata_of(&rr.data) else {
                    // A type the store cannot hold: no such set exists here.
                    return Err(UpdateRefusal::NxRrset);
                };
                let key = (name, rtype);
                match exact.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, values)) => {
                        if !values.contains(&value) {
                            values.push(value);
                        }
                    }
                    None => exact.push((key, vec![value])),
                }
            }
            _ => return Err(UpdateRefusal::FormErr),
        }
    }
    for ((name, rtype), values) in exact {
        let current = rr_type(rtype)
            .map(|t| rrset(z, zone, &name, t))
            .unwrap_or_default();
        let same = current.len() == values.len() && values.iter().all(|v| current.contains(v));
        if !same {
            return Err(UpdateRefusal::NxRrset);
        }
    }
    Ok(())
}

/// One checked update (§3.4.1), ready to apply.
#[derive(Debug)]
enum Change {
    /// Class IN: add an RR (§3.4.2.2).
    Add { name: String, data: Rdata, ttl: u32 },
    /// Class ANY, type ANY: every RRset at the name (the apex keeps SOA and NS).
    DeleteName { name: String },
    /// Class ANY: one RRset (`None`: a type the store cannot hold, so nothing to delete).
    DeleteRrset { name: String, rtype: Option<RrType> },
    /// Class NONE: one RR.
    DeleteRr { name: String, data: Rdata },
}

fn is_meta(t: RecordType) -> bool {
    matches!(
        t,
        RecordType::AXFR | RecordType::IXFR | RecordType::OPT | RecordType::TSIG
    ) || matches!(u16::from(t), 253 | 254) // MAILB, MAILA
}

/// §3.4.1: every update checked before any is applied.
fn prescan(zone: &str, updates: &[Record]) -> Result<Vec<Change>, UpdateRefusal> {
    let mut out = Vec::with_capacity(updates.len());
    for rr in updates {
        let name = owner(rr);
        if !in_zone(&name, zone) {
            return Err(UpdateRefusal::NotZone);
        }
        let rtype = rr.record_type();
        let empty = matches!(rr.data, RData::Update0(_));
        match rr.dns_class {
            DNSClass::IN => {
                if rtype == RecordType::ANY || is_meta(rtype) || empty {
                    return Err(UpdateRefusal::FormErr);
                }
                let data = rdata_of(&rr.data).ok_or(UpdateRefusal::Refused)?;
                out.push(Change::Add {
                    name,
                    data,
                    ttl: rr.ttl,
                });
            }
            DNSClass::ANY => {
                if rr.ttl != 0 || !empty || is_meta(rtype) {
                    return Err(UpdateRefusal::FormErr);
                }
                out.push(if rtype == RecordType::ANY {
                    Change::DeleteName { name }
                } else {
                    Change::DeleteRrset {
                        name,
                        rtype: rr_type(rtype),
                    }
                });
            }
            DNSClass::NONE => {
                if rr.ttl != 0 || rtype == RecordType::ANY || is_meta(rtype) || empty {
                    return Err(UpdateRefusal::FormErr);
                }
                // A type the store cannot hold has no RR to delete.
                if let Some(data) = rdata_of(&rr.data) {
                    out.push(Change::DeleteRr { name, data });
                }
            }
            _ => return Err(UpdateRefusal::FormErr),
        }
    }
    Ok(out)
}

impl Change {
    /// Applies the change; returns whether the zone changed and whether the SOA was
    /// written. Store errors cannot happen here: the prescan checked every name.
    fn apply(self, z: &mut Zones, zone: &str) -> (bool, bool) {
        match self {
            Change::Add { name, data, ttl } => add(z, zone, &name, data, ttl),
            Change::DeleteName { name } => {
                let ids: Vec<u64> = z
                    .list(zone, Some(&name), None)
                    .filter(|r| !(name == zone && matches!(r.rtype(), RrType::SOA | RrType::NS)))
                    .map(|r| r.id)
                    .collect();
                (delete_ids(z, &ids), false)
            }
            Change::DeleteRrset { name, rtype } => {
                let Some(rtype) = rtype else {
                    return (false, false);
                };
                if name == zone && matches!(rtype, RrType::SOA | RrType::NS) {
                    return (false, false);
                }
                let ids: Vec<u64> = z
                    .list(zone, Some(&name), Some(rtype))
                    .map(|r| r.id)
                    .collect();
                (delete_ids(z, &ids), false)
            }
            Change::DeleteRr { name, data } => {
                let rtype = data.rtype();
                if rtype == RrType::SOA {
                    return (false, false);
                }
                if name == zone && rtype == RrType::NS {
                    // §3.4.2.4: never the last NS of the apex.
                    let set = rrset(z, zone, &name, RrType::NS);
                    if !set.contains(&data) || set.len() <= 1 {
                        return (false, false);
                    }
                    materialize_apex_ns(z, zone);
                }
                let ids: Vec<u64> = z
                    .list(zone, Some(&name), Some(rtype))
                    .filter(|r| r.data == data)
                    .map(|r| r.id)
                    .collect();
                (delete_ids(z, &ids), false)
            }
        }
    }
}

fn delete_ids(z: &mut Zones, ids: &[u64]) -> bool {
    for id in ids {
        let _ = z.delete(*id);
    }
    !ids.is_empty()
}

/// The synthesized apex NS set written to the store, so that a change to it starts from
/// what the server answered.
fn materialize_apex_ns(z: &mut Zones, zone: &str) {
    if z.list(zone, Some(zone), Some(RrType::NS)).next().is_some() {
        return;
    }
    let ttl = z.soa(zone).map_or(3600, |(_, ttl)| ttl);
    for ns in z.name_servers(zone) {
        let _ = z.add(zone, NewRecord::new(zone, Rdata::Ns(ns), ttl));
    }
}

/// §3.4.2.2: add one RR.
fn add(z: &mut Zones, zone: &str, name: &str, data: Rdata, ttl: u32) -> (bool, bool) {
    let rtype = data.rtype();
    // CNAME and other data never at one name (the apex always has SOA and NS).
    let has_cname = !rrset(z, zone, name, RrType::CNAME).is_empty();
    if rtype == RrType::CNAME {
        let other = name == zone
            || z.list(zone, Some(name), None)
                .any(|r| r.rtype() != RrType::CNAME);
        if other {
            return (false, false);
        }
    } else if has_cname {
        return (false, false);
    }
    if rtype == RrType::SOA {
        // Only the apex's SOA, and only forward (serial arithmetic, RFC 1982).
        let (Some((current, _)), Rdata::Soa(new)) = (z.soa(zone), &data) else {
            return (false, false);
        };
        if name != zone || !serial_not_behind(new, &current) {
            return (false, false);
        }
        let ids: Vec<u64> = z
            .list(zone, Some(zone), Some(RrType::SOA))
            .map(|r| r.id)
            .collect();
        delete_ids(z, &ids);
        let _ = z.add(zone, NewRecord::new(zone, data, ttl));
        return (true, true);
    }
    if rtype == RrType::CNAME {
        // One CNAME per name: the new one replaces it.
        let ids: Vec<u64> = z
            .list(zone, Some(name), Some(RrType::CNAME))
            .map(|r| r.id)
            .collect();
        delete_ids(z, &ids);
        let _ = z.add(zone, NewRecord::new(name, data, ttl));
        return (true, false);
    }
    if name == zone && rtype == RrType::NS {
        materialize_apex_ns(z, zone);
    }
    // A duplicate RDATA replaces the zone's RR (here: its TTL). Every RR of a set keeps
    // one TTL (RFC 2181 §5.2), as BIND does: the set takes the new one.
    let set: Vec<(u64, bool, u32)> = z
        .list(zone, Some(name), Some(rtype))
        .map(|r| (r.id, r.data == data, r.ttl))
        .collect();
    let mut changed = false;
    for (id, _, old_ttl) in &set {
        if *old_ttl != ttl {
            if let Some(r) = z.get(*id).cloned() {
                let mut rec = NewRecord::new(&r.name, r.data, ttl);
                rec.attrs = r.attrs;
                changed |= z.update(*id, rec).is_ok();
            }
        }
    }
    if !set.iter().any(|(_, same, _)| *same) {
        changed |= z.add(zone, NewRecord::new(name, data, ttl)).is_ok();
    }
    (changed, false)
}

/// `new` is the same serial as `current` or after it (RFC 1982 §3.2).
fn serial_not_behind(new: &SoaData, current: &SoaData) -> bool {
    new.serial.wrapping_sub(current.serial) < 0x8000_0000
}

/// The store's data for wire RDATA; `None` for types it cannot hold.
pub(crate) fn rdata_of(data: &RData) -> Option<Rdata> {
    let name = |n: &hickory_proto::rr::Name| normalize_name(&n.to_ascii());
    Some(match data {
        RData::A(a) => Rdata::A(a.0),
        RData::AAAA(a) => Rdata::Aaaa(a.0),
        RData::CNAME(c) => Rdata::Cname(name(&c.0)),
        RData::NS(n) => Rdata::Ns(name(&n.0)),
        RData::PTR(p) => Rdata::Ptr(name(&p.0)),
        RData::MX(m) => Rdata::Mx {
            preference: m.preference,
            exchange: name(&m.exchange),
        },
        RData::TXT(t) => Rdata::Txt(
            t.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        RData::SRV(s) => Rdata::Srv {
            priority: s.priority,
            weight: s.weight,
            port: s.port,
            target: name(&s.target),
        },
        RData::SOA(s) => Rdata::Soa(SoaData {
            mname: name(&s.mname),
            rname: name(&s.rname),
            serial: s.serial,
            refresh: s.refresh.max(0).unsigned_abs(),
            retry: s.retry.max(0).unsigned_abs(),
            expire: s.expire.max(0).unsigned_abs(),
            minimum: s.minimum,
        }),
        RData::CAA(c) => Rdata::Caa {
            flags: (if c.issuer_critical { 0x80 } else { 0 }) | (c.reserved_flags & 0x7f),
            tag: c.tag.to_ascii_lowercase(),
            value: String::from_utf8_lossy(&c.value).into_owned(),
        },
        RData::TLSA(t) => Rdata::Tlsa {
            usage: t.cert_usage.into(),
            selector: t.selector.into(),
            matching_type: t.matching.into(),
            data: hex::encode(&t.cert_data),
        },
        RData::Unknown { code, rdata } => unknown_rdata(*code, &rdata.anything)?,
        _ => return None,
    })
}

/// CAA (RFC 8659 §4.1) and TLSA (RFC 6698 §2.1) in wire form, when hickory kept them raw.
fn unknown_rdata(code: RecordType, wire: &[u8]) -> Option<Rdata> {
    match code {
        RecordType::CAA => {
            let (&flags, rest) = wire.split_first()?;
            let (&tag_len, rest) = rest.split_first()?;
            let tag = rest.get(..usize::from(tag_len))?;
            let value = rest.get(usize::from(tag_len)..)?;
            Some(Rdata::Caa {
                flags,
                tag: String::from_utf8_lossy(tag).to_ascii_lowercase(),
                value: String::from_utf8_lossy(value).into_owned(),
            })
        }
        RecordType::TLSA => match wire {
            [usage, selector, matching_type, data @ ..] => Some(Rdata::Tlsa {
                usage: *usage,
                selector: *selector,
                matching_type: *matching_type,
                data: hex::encode(data),
            }),
            _ => None,
        },
        _ => None,
    }
}

//! The five Alidns actions over the shared store (providers-api.md §1.5–§1.8): the record
//! object, `DescribeDomainRecords` (keyword filters, order, pages),
//! `DescribeSubDomainRecords` (the zone/RR split, pages), `AddDomainRecord`,
//! `UpdateDomainRecord` and `DeleteDomainRecord` with their duplicate, conflict and TTL rules.
//!
//! Alidns keeps what the store calls an owner name as `RR` relative to `DomainName` (`@` for
//! the apex, lowercase), TXT as plain text (split into 255-byte strings for DNS, joined again
//! when read), and every record on a resolution line (`Line`, `default` unless given).

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::error::{success, AliError};
use super::options::AliyunKey;
use super::sign::Incoming;
use crate::http::HttpResponse;
use crate::ids;
use crate::rdata::{is_hostname, normalize_name, Rdata, RrType};
use crate::store::{NewRecord, StoredRecord, Zone, Zones};

/// The store attribute holding a record's resolution line.
const ATTR_LINE: &str = "aliyun.line";
const DEFAULT_LINE: &str = "default";
/// TTL of a record added without one (META `AddDomainRecord`).
const DEFAULT_TTL: u32 = 600;
const MAX_TTL: u32 = 86_400;
/// Record types Alidns has that the fake registrar does not store.
const UNSTORED_TYPES: [&str; 3] = ["REDIRECT_URL", "FORWARD_URL", "SVCB"];
/// TXT values must be shorter than 512 characters (doc 29805 "DNS record types";
/// dnscontrol's ALIDNS audit: 511 bytes accepted, 764 refused). The error code for a longer
/// one is UNCONFIRMED.
const MAX_TXT: usize = 511;

/// What an action runs with.
pub(super) struct Ctx<'a> {
    pub key: &'a AliyunKey,
    pub call: &'a Incoming,
    pub min_ttl: u32,
    /// The server's clock.
    pub now: SystemTime,
}

impl Ctx<'_> {
    /// A parameter's value; an empty one counts as absent.
    fn opt(&self, name: &str) -> Option<&str> {
        self.call.param(name).filter(|v| !v.is_empty())
    }

    fn req(&self, name: &str) -> Result<&str, AliError> {
        self.opt(name).ok_or_else(|| AliError::missing(name))
    }
}

/// Runs one (authenticated, permitted) action.
pub(super) fn run(z: &mut Zones, ctx: &Ctx<'_>, action: &str) -> Result<HttpResponse, AliError> {
    match action {
        "DescribeDomainRecords" => describe_domain(z, ctx),
        "DescribeSubDomainRecords" => describe_sub(z, ctx),
        "AddDomainRecord" => add(z, ctx),
        "UpdateDomainRecord" => update(z, ctx),
        "DeleteDomainRecord" => delete(z, ctx),
        _ => Err(AliError::no_action()),
    }
}

/// The zone `name` if the key's account holds it.
fn owned_zone(z: &Zones, key: &AliyunKey, name: &str) -> Result<Zone, AliError> {
    let n = normalize_name(name);
    if !is_hostname(&n) || !n.contains('.') {
        return Err(AliError::new(
            400,
            "InvalidDomainName.Format",
            "Invalid domain name.",
        ));
    }
    let zone = z.zone(&n).cloned().ok_or_else(AliError::domain_not_found)?;
    if key.holds(&zone.name) {
        Ok(zone)
    } else {
        Err(AliError::other_users_domain())
    }
}

/// The record `RecordId` names, if it is in a zone of the key's account.
fn owned_record(z: &Zones, key: &AliyunKey, id: &str) -> Result<(StoredRecord, Zone), AliError> {
    ids::parse_decimal_id(id)
        .and_then(|id| z.get(id))
        .and_then(|r| {
            let zone = z.zone(&r.zone)?;
            (key.holds(&zone.name) && visible(r, zone)).then(|| (r.clone(), zone.clone()))
        })
        .ok_or_else(AliError::record_not_found)
}

/// SOA and the apex NS set are the DNS service's own; the API does not show them.
fn visible(r: &StoredRecord, zone: &Zone) -> bool {
    match r.rtype() {
        RrType::SOA => false,
        RrType::NS => r.name != zone.name,
        _ => true,
    }
}

fn line(r: &StoredRecord) -> &str {
    r.attrs.get(ATTR_LINE).map_or(DEFAULT_LINE, String::as_str)
}

/// `@` for the apex, else the owner name without `.zone`.
fn rr(name: &str, zone: &str) -> String {
    if name == zone {
        "@".to_string()
    } else {
        name.strip_suffix(zone)
            .and_then(|s| s.strip_suffix('.'))
            .unwrap_or(name)
            .to_string()
    }
}

/// The `Value` field: plain text for TXT (strings joined), the exchange alone for MX
/// (its preference is `Priority`), `priority weight port target` for SRV and
/// `flags tag "value"` for CAA (doc 29805; dnscontrol `providers/alidns/convert.go`).
fn value(d: &Rdata) -> String {
    match d {
        Rdata::Txt(parts) => parts.concat(),
        Rdata::Mx { exchange, .. } => exchange.clone(),
        other => other.presentation(),
    }
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The record object (SDK-GO `struct_record.go`, plus the timestamps newer answers carry).
fn render(r: &StoredRecord, zone: &Zone) -> Value {
    let mut v = json!({
        "DomainName": zone.name,
        "RecordId": r.decimal_id(),
        "RR": rr(&r.name, &zone.name),
        "Type": r.rtype().as_str(),
        "Value": value(&r.data),
        "TTL": r.ttl,
        "Line": line(r),
        "Status": "ENABLE",
        "Locked": false,
        "Weight": 1,
        "CreateTimestamp": millis(r.created),
        "UpdateTimestamp": millis(r.modified),
    });
    if let (Rdata::Mx { preference, .. }, Some(o)) = (&r.data, v.as_object_mut()) {
        o.insert("Priority".into(), json!(preference));
    }
    v
}

/// `PageNumber` (default 1) and `PageSize` (default 20, at most `max`; more is taken as
/// `max` when `clamp`, refused otherwise).
fn paging(ctx: &Ctx<'_>, max: usize, clamp: bool) -> Result<(usize, usize), AliError> {
    let num = |name: &str, default: usize| -> Result<usize, AliError> {
        match ctx.opt(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| AliError::invalid(name, "")),
        }
    };
    let page = num("PageNumber", 1)?;
    let size = num("PageSize", 20)?;
    if size > max {
        if clamp {
            return Ok((page, max));
        }
        return Err(AliError::invalid("PageSize", &format!("at most {max}")));
    }
    Ok((page, size))
}

fn list_answer(
    hits: &[(&StoredRecord, &Zone)],
    page: usize,
    size: usize,
    now: SystemTime,
) -> HttpResponse {
    let items: Vec<Value> = hits
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|(r, zone)| render(r, zone))
        .collect();
    let mut m = Map::new();
    m.insert("TotalCount".into(), json!(hits.len()));
    m.insert("PageNumber".into(), json!(page));
    m.insert("PageSize".into(), json!(size));
    m.insert("DomainRecords".into(), json!({ "Record": items }));
    success(m, now)
}

fn contains_ci(have: &str, want: &str) -> bool {
    have.to_ascii_lowercase()
        .contains(&want.to_ascii_lowercase())
}

/// `DescribeDomainRecords`: `KeyWord` with `SearchMode` (`LIKE`, `EXACT`: on RR or value,
/// other filters ignored; `ADVANCED`: the other filters only; absent: `KeyWord` LIKE and the
/// other filters), `RRKeyWord` and `ValueKeyWord` (fuzzy), `TypeKeyWord` and `Type`, `Line`,
/// `Status`; newest first unless `OrderBy`/`Direction` say otherwise; pages of up to 500.
fn describe_domain(z: &Zones, ctx: &Ctx<'_>) -> Result<HttpResponse, AliError> {
    let zone = owned_zone(z, ctx.key, ctx.req("DomainName")?)?;
    let (page, size) = paging(ctx, 500, false)?;
    let mode = match ctx.opt("SearchMode").map(str::to_ascii_uppercase) {
        None => None,
        Some(m) if matches!(m.as_str(), "LIKE" | "EXACT" | "ADVANCED") => Some(m),
        Some(_) => {
            return Err(AliError::invalid(
                "SearchMode",
                "use LIKE, EXACT or ADVANCED",
            ))
        }
    };
    let desc = match ctx.opt("Direction").map(str::to_ascii_uppercase).as_deref() {
        None | Some("DESC") => true,
        Some("ASC") => false,
        Some(_) => return Err(AliError::invalid("Direction", "use DESC or ASC")),
    };
    let keyword = ctx.opt("KeyWord");
    let rr_kw = ctx.opt("RRKeyWord");
    let value_kw = ctx.opt("ValueKeyWord");
    let type_kw = ctx.opt("TypeKeyWord").or(ctx.opt("Type"));
    let line_f = ctx.opt("Line");
    let status_f = ctx.opt("Status");
    let keyword_like = |r: &StoredRecord| {
        keyword.is_none_or(|k| {
            contains_ci(&rr(&r.name, &zone.name), k) || contains_ci(&value(&r.data), k)
        })
    };
    let filters = |r: &StoredRecord| {
        rr_kw.is_none_or(|k| contains_ci(&rr(&r.name, &zone.name), k))
            && value_kw.is_none_or(|k| contains_ci(&value(&r.data), k))
            && type_kw.is_none_or(|t| r.rtype().as_str().eq_ignore_ascii_case(t))
            && line_f.is_none_or(|l| line(r) == l)
            && status_f.is_none_or(|s| s.eq_ignore_ascii_case("enable"))
    };
    let mut hits: Vec<&StoredRecord> = z
        .list(&zone.name, None, None)
        .filter(|r| visible(r, &zone))
        .filter(|r| match mode.as_deref() {
            Some("LIKE") => keyword_like(r),
            Some("EXACT") => keyword.is_none_or(|k| {
                rr(&r.name, &zone.name).eq_ignore_ascii_case(k) || value(&r.data) == k
            }),
            Some(_) => filters(r),
            None => keyword_like(r) && filters(r),
        })
        .collect();
    let order_by = ctx.opt("OrderBy").map(str::to_ascii_uppercase);
    hits.sort_by(|a, b| {
        let o = match order_by.as_deref() {
            Some("RR") => rr(&a.name, &zone.name).cmp(&rr(&b.name, &zone.name)),
            Some("TYPE") => a.rtype().as_str().cmp(b.rtype().as_str()),
            Some("VALUE") => value(&a.data).cmp(&value(&b.data)),
            Some("TTL") => a.ttl.cmp(&b.ttl),
            Some("LINE") => line(a).cmp(line(b)),
            _ => Ordering::Equal,
        }
        .then(a.id.cmp(&b.id));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    let with_zone: Vec<(&StoredRecord, &Zone)> = hits.into_iter().map(|r| (r, &zone)).collect();
    Ok(list_answer(&with_zone, page, size, ctx.now))
}

/// Two-label public suffixes, so that `mail.example.com.cn` splits as RR `mail` in
/// `example.com.cn` when `DomainName` is not given (a small list, not the whole PSL).
const TWO_LABEL_SUFFIXES: [&str; 24] = [
    "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "bj.cn", "sh.cn", "gd.cn", "zj.cn",
    "js.cn", "com.hk", "org.hk", "net.hk", "com.tw", "org.tw", "com.sg", "com.my", "co.uk",
    "org.uk", "co.jp", "com.au", "co.nz", "co.kr",
];

/// The registrable domain of `fqdn` (its public suffix plus one label).
fn registrable(fqdn: &str) -> String {
    let labels: Vec<&str> = fqdn.split('.').collect();
    let n = labels.len();
    let take = if n >= 3 && TWO_LABEL_SUFFIXES.contains(&labels[n - 2..].join(".").as_str()) {
        3
    } else {
        2
    };
    labels[n.saturating_sub(take)..].join(".")
}

/// `DescribeSubDomainRecords`: exactly the records at `SubDomain` (an FQDN), in the zone
/// `DomainName` when given, else in its registrable domain; `Type` and `Line` filter; pages
/// of up to 100 (a larger `PageSize` is taken as 100).
fn describe_sub(z: &Zones, ctx: &Ctx<'_>) -> Result<HttpResponse, AliError> {
    let sub = normalize_name(ctx.req("SubDomain")?);
    if !is_hostname(&sub) {
        return Err(AliError::invalid("SubDomain", ""));
    }
    let zone = match ctx.opt("DomainName") {
        Some(d) => owned_zone(z, ctx.key, d)?,
        None => owned_zone(z, ctx.key, &registrable(&sub))?,
    };
    let (page, size) = paging(ctx, 100, true)?;
    let type_f = ctx.opt("Type");
    let line_f = ctx.opt("Line");
    let mut hits: Vec<&StoredRecord> = z
        .list(&zone.name, Some(&sub), None)
        .filter(|r| visible(r, &zone))
        .filter(|r| type_f.is_none_or(|t| r.rtype().as_str().eq_ignore_ascii_case(t)))
        .filter(|r| line_f.is_none_or(|l| line(r) == l))
        .collect();
    hits.sort_by_key(|r| std::cmp::Reverse(r.id));
    let with_zone: Vec<(&StoredRecord, &Zone)> = hits.into_iter().map(|r| (r, &zone)).collect();
    Ok(list_answer(&with_zone, page, size, ctx.now))
}

/// A record as Add or Update describe it, validated.
struct Wanted {
    name: String,
    data: Rdata,
    ttl: Option<u32>,
    line: String,
}

/// `RR`, `Type`, `Value`, `TTL`, `Priority`, `Line` of an Add or Update, checked.
fn wanted(ctx: &Ctx<'_>, zone: &Zone) -> Result<Wanted, AliError> {
    let raw_rr = ctx.req("RR")?.trim().to_ascii_lowercase();
    let rtype_raw = ctx.req("Type")?;
    let raw_value = ctx.req("Value")?;
    let name = if raw_rr == "@" {
        zone.name.clone()
    } else {
        let fqdn = format!("{raw_rr}.{}", zone.name);
        let labels_ok = raw_rr.split('.').all(|l| {
            l == "*"
                || (!l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        });
        if !labels_ok || !is_hostname(&fqdn) {
            return Err(AliError::bad_rr());
        }
        fqdn
    };
    let rtype = match rtype_raw.parse::<RrType>() {
        Ok(t)
            if matches!(
                t,
                RrType::A
                    | RrType::AAAA
                    | RrType::CNAME
                    | RrType::TXT
                    | RrType::MX
                    | RrType::NS
                    | RrType::SRV
                    | RrType::CAA
            ) =>
        {
            t
        }
        _ if UNSTORED_TYPES
            .iter()
            .any(|t| t.eq_ignore_ascii_case(rtype_raw)) =>
        {
            return Err(AliError::invalid(
                "Type",
                &format!("the fake registrar does not store {rtype_raw} records"),
            ))
        }
        _ => return Err(AliError::invalid("Type", "")),
    };
    let bad_value = |why: &str| AliError::invalid("Value", why);
    let host = |v: &str| -> Result<String, AliError> {
        let n = normalize_name(v);
        if is_hostname(&n) {
            Ok(n)
        } else {
            Err(bad_value("not a host name"))
        }
    };
    let data = match rtype {
        RrType::A => Rdata::A(
            raw_value
                .parse::<Ipv4Addr>()
                .map_err(|_| bad_value("not an IPv4 address"))?,
        ),
        RrType::AAAA => Rdata::Aaaa(
            raw_value
                .parse::<Ipv6Addr>()
                .map_err(|_| bad_value("not an IPv6 address"))?,
        ),
        RrType::CNAME => Rdata::Cname(host(raw_value)?),
        RrType::NS => Rdata::Ns(host(raw_value)?),
        RrType::MX => {
            // META `AddDomainRecord`: "required if the type of the DNS record is MX",
            // "Valid values: 1 to 50".
            let preference = ctx
                .req("Priority")?
                .parse::<u16>()
                .ok()
                .filter(|p| (1..=50).contains(p))
                .ok_or_else(|| AliError::invalid("Priority", "between 1 and 50"))?;
            Rdata::Mx {
                preference,
                exchange: host(raw_value)?,
            }
        }
        RrType::SRV => match Rdata::parse(RrType::SRV, raw_value) {
            // A "." target is refused (dnscontrol's ALIDNS audit, SrvHasNullTarget).
            Ok(d @ Rdata::Srv { .. }) if !matches!(&d, Rdata::Srv { target, .. } if target.is_empty()) => {
                d
            }
            _ => return Err(bad_value("expected 'priority weight port target'")),
        },
        RrType::CAA => Rdata::parse(RrType::CAA, raw_value)
            .map_err(|_| bad_value("expected 'flags tag \"value\"'"))?,
        _ => {
            if raw_value.len() > MAX_TXT {
                return Err(bad_value("a TXT value must be shorter than 512 characters"));
            }
            Rdata::Txt(split_txt(raw_value))
        }
    };
    let ttl = match ctx.opt("TTL") {
        None => None,
        Some(t) => {
            let ttl: u32 = t.parse().map_err(|_| AliError::invalid("TTL", ""))?;
            if ttl < ctx.min_ttl || ttl > MAX_TTL {
                return Err(AliError::ttl(ctx.min_ttl));
            }
            Some(ttl)
        }
    };
    Ok(Wanted {
        name,
        data,
        ttl,
        line: ctx.opt("Line").unwrap_or(DEFAULT_LINE).to_string(),
    })
}

/// TXT plain text as DNS strings: pieces of at most 255 bytes, cut at character boundaries.
fn split_txt(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if cur.len() + c.len_utf8() > 255 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// The same record (RR, Type, Value, Line) elsewhere is `DomainRecordDuplicate`; a CNAME
/// sharing its RR and line with anything is `DomainRecordConflict`.
fn check_others(z: &Zones, zone: &Zone, w: &Wanted, except: Option<u64>) -> Result<(), AliError> {
    let others: Vec<&StoredRecord> = z
        .list(&zone.name, Some(&w.name), None)
        .filter(|o| Some(o.id) != except && visible(o, zone) && line(o) == w.line)
        .collect();
    if others.iter().any(|o| o.data == w.data) {
        return Err(AliError::duplicate());
    }
    let cname = |t: RrType| t == RrType::CNAME;
    if (cname(w.data.rtype()) && !others.is_empty()) || others.iter().any(|o| cname(o.rtype())) {
        return Err(AliError::conflict());
    }
    Ok(())
}

fn record_id_answer(id: &str, now: SystemTime) -> HttpResponse {
    let mut m = Map::new();
    m.insert("RecordId".into(), Value::String(id.to_string()));
    success(m, now)
}

/// `AddDomainRecord`: `{"RecordId","RequestId"}`; TTL 600 unless given.
fn add(z: &mut Zones, ctx: &Ctx<'_>) -> Result<HttpResponse, AliError> {
    let domain = ctx.req("DomainName")?;
    let zone = owned_zone(z, ctx.key, domain)?;
    let w = wanted(ctx, &zone)?;
    check_others(z, &zone, &w, None)?;
    let rec = NewRecord::new(&w.name, w.data, w.ttl.unwrap_or(DEFAULT_TTL)).attr(ATTR_LINE, w.line);
    let stored = z
        .add(&zone.name, rec)
        .map_err(|e| AliError::new(500, "InternalError", e.to_string()))?;
    Ok(record_id_answer(&stored.decimal_id(), ctx.now))
}

/// `UpdateDomainRecord`: changes the record in place (same `RecordId`). An update that
/// leaves RR, Type, Value and Line as they are is `DomainRecordDuplicate`, whatever the TTL
/// (providers-api.md §1.7); the TTL stays as it was unless given.
fn update(z: &mut Zones, ctx: &Ctx<'_>) -> Result<HttpResponse, AliError> {
    let rid = ctx.req("RecordId")?;
    let (current, zone) = owned_record(z, ctx.key, rid)?;
    let w = wanted(ctx, &zone)?;
    if current.name == w.name && current.data == w.data && line(&current) == w.line {
        return Err(AliError::duplicate());
    }
    check_others(z, &zone, &w, Some(current.id))?;
    let mut rec = NewRecord::new(&w.name, w.data, w.ttl.unwrap_or(current.ttl));
    rec.attrs = current.attrs.clone();
    let rec = rec.attr(ATTR_LINE, w.line);
    let stored = z
        .update(current.id, rec)
        .map_err(|e| AliError::new(500, "InternalError", e.to_string()))?;
    Ok(record_id_answer(&stored.decimal_id(), ctx.now))
}

/// `DeleteDomainRecord`: `{"RecordId","RequestId"}`.
fn delete(z: &mut Zones, ctx: &Ctx<'_>) -> Result<HttpResponse, AliError> {
    let rid = ctx.req("RecordId")?;
    let (current, _) = owned_record(z, ctx.key, rid)?;
    let gone = z
        .delete(current.id)
        .map_err(|_| AliError::record_not_found())?;
    Ok(record_id_answer(&gone.decimal_id(), ctx.now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable("a.www.example.com"), "example.com");
        assert_eq!(registrable("mail.a.b.example.com.cn"), "example.com.cn");
        assert_eq!(registrable("example.com.cn"), "example.com.cn");
        assert_eq!(registrable("example.com"), "example.com");
        assert_eq!(registrable("x.example.co.uk"), "example.co.uk");
    }

    #[test]
    fn rr_and_txt_forms() {
        assert_eq!(rr("example.com", "example.com"), "@");
        assert_eq!(rr("mail.a.example.com", "example.com"), "mail.a");
        let long = "é".repeat(200);
        let parts = split_txt(&long);
        assert_eq!(parts.concat(), long);
        assert!(parts.iter().all(|p| p.len() <= 255));
        assert_eq!(split_txt("v=spf1 -all"), vec!["v=spf1 -all"]);
    }
}

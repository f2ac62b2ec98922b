//! `/v1/domains/{domain}/records[/{type}[/{name}]]`: the record entry, GET, PUT (replace),
//! PATCH (append) and DELETE (providers-api.md §3.2–3.4, §3.7, §3.9).
//!
//! GoDaddy has no record ids: a record is its (type, name, data). Names are relative to the
//! domain (`@` for the apex). TXT `data` is the record's whole text as one string; it is stored
//! as DNS strings of at most 255 bytes, and an entry written back unchanged keeps the strings
//! the store already had.
//!
//! SRV entries carry `service`, `protocol`, `priority`, `weight` and `port` beside `data`
//! (the target), and their `name` is the host BELOW `_service._protocol` (a real zone
//! export: `{"data":"sipdir.online.lync.com","name":"@","port":443,"priority":100,
//! "protocol":"_tls","service":"_sip","ttl":3600,"type":"SRV","weight":1}`): the set
//! `records/SRV/@` holds every service of the apex. CAA and TLSA cannot be written (the
//! `type` enum lacks them; a CAA body gets 422, `AnalogJ/lexicon#506`).
//!
//! Where no recording shows GoDaddy's answer, the emulator's choice is marked UNCONFIRMED.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use serde_json::{Map, Value};

use super::errors::{empty, json_ok, Field, GdError};
use crate::http::{HttpRequest, HttpResponse};
use crate::rdata::{is_hostname, normalize_name, txt_from_text, Rdata, RrType};
use crate::store::{StoredRecord, Zone, Zones};

/// GoDaddy's `{type}` enum (GDSPEC).
const TYPES: [&str; 8] = ["A", "AAAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"];
/// Types a record body may carry (SOA is GoDaddy-managed; 2018 answer in
/// `n3integration/terraform-provider-godaddy#18`).
const WRITABLE: [&str; 7] = ["A", "AAAA", "CNAME", "MX", "NS", "SRV", "TXT"];
/// Types `DELETE records/{type}/{name}` takes (GDSPEC).
const DELETABLE: [&str; 6] = ["A", "AAAA", "CNAME", "MX", "SRV", "TXT"];
/// TTL range. The minimum is recorded (§3.3); the maximum (one week) is UNCONFIRMED.
const MIN_TTL: i64 = 600;
const MAX_TTL: i64 = 604_800;
/// TTL of an entry sent without one (UNCONFIRMED, §3.3: GoDaddy's default of one hour).
const DEFAULT_TTL: u32 = 3600;

/// One record as GoDaddy shows it, keys in its (alphabetical) order.
#[derive(Serialize)]
struct Entry {
    data: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<String>,
    ttl: u32,
    #[serde(rename = "type")]
    rtype: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<u16>,
}

/// `(_service, _protocol, host)` of an SRV owner `_service._protocol.host`.
fn srv_parts(owner: &str) -> Option<(&str, &str, &str)> {
    let mut it = owner.splitn(3, '.');
    let (s, p, host) = (it.next()?, it.next()?, it.next()?);
    (s.starts_with('_') && p.starts_with('_')).then_some((s, p, host))
}

/// The FQDN GoDaddy files a record under: its owner, or for SRV the host below
/// `_service._protocol`.
fn set_owner(r: &StoredRecord) -> &str {
    match (r.rtype(), srv_parts(&r.name)) {
        (RrType::SRV, Some((_, _, host))) => host,
        _ => &r.name,
    }
}

/// Which records a request is about.
pub(super) enum Scope<'a> {
    /// `records`
    Zone,
    /// `records/{type}`
    Type(&'a str),
    /// `records/{type}/{name}`
    Set(&'a str, &'a str),
}

/// `@` for the apex, otherwise the name without the zone.
fn relative(name: &str, zone: &str) -> String {
    if name == zone {
        "@".to_string()
    } else {
        name.strip_suffix(&format!(".{zone}"))
            .unwrap_or(name)
            .to_string()
    }
}

/// The FQDN of a relative name; `None` when it is not a valid name.
fn absolute(name: &str, zone: &str) -> Option<String> {
    let n = normalize_name(name);
    let fqdn = if n == "@" {
        zone.to_string()
    } else {
        format!("{n}.{zone}")
    };
    (!n.is_empty() && is_hostname(&fqdn)).then_some(fqdn)
}

/// Whether the API shows a record (the SOA is GoDaddy-managed and not listed).
fn visible(r: &StoredRecord) -> bool {
    r.rtype() != RrType::SOA
}

fn render(r: &StoredRecord, zone: &Zone) -> Entry {
    let root_or = |n: &str| {
        if n.is_empty() {
            ".".to_string()
        } else {
            n.to_string()
        }
    };
    let mut e = Entry {
        data: String::new(),
        name: relative(set_owner(r), &zone.name),
        port: None,
        priority: None,
        protocol: None,
        service: None,
        ttl: r.ttl,
        rtype: r.rtype().as_str(),
        weight: None,
    };
    e.data = match &r.data {
        Rdata::Txt(parts) => parts.concat(),
        Rdata::Mx {
            preference,
            exchange,
        } => {
            e.priority = Some(*preference);
            root_or(exchange)
        }
        Rdata::Srv {
            priority,
            weight,
            port,
            target,
        } => {
            e.priority = Some(*priority);
            e.weight = Some(*weight);
            e.port = Some(*port);
            if let Some((s, p, _)) = srv_parts(&r.name) {
                e.service = Some(s.to_string());
                e.protocol = Some(p.to_string());
            }
            root_or(target)
        }
        Rdata::Cname(t) if *t == zone.name => "@".to_string(),
        other => other.presentation(),
    };
    e
}

/// The store's type for a GoDaddy type from the path or a body; `None` for SRV (which the
/// fake registrar does not store).
fn store_type(t: &str) -> Option<RrType> {
    t.parse().ok()
}

fn bad_type(path: &str) -> GdError {
    let allowed: Vec<String> = TYPES.iter().map(|t| format!("\"{t}\"")).collect();
    GdError::invalid_field(
        "INVALID_VALUE",
        path,
        format!("is not one of enum values: {}", allowed.join(", ")),
    )
}

/// Checks the `{type}` and `{name}` path segments.
fn check_path(scope: &Scope<'_>, zone: &Zone) -> Result<(), GdError> {
    let t = match scope {
        Scope::Zone => return Ok(()),
        Scope::Type(t) | Scope::Set(t, _) => t,
    };
    if !TYPES.contains(t) {
        return Err(bad_type("path.type"));
    }
    if let Scope::Set(_, name) = scope {
        if absolute(name, &zone.name).is_none() {
            return Err(GdError::invalid_field(
                "MISMATCH_FORMAT",
                "path.name",
                "is not a valid record name",
            ));
        }
    }
    Ok(())
}

/// `GET`: the records in scope, in zone order; `offset` and `limit` page them.
pub(super) fn get(
    z: &Zones,
    zone: &Zone,
    scope: &Scope<'_>,
    req: &HttpRequest,
) -> Result<HttpResponse, GdError> {
    check_path(scope, zone)?;
    let (rtype, name) = match scope {
        Scope::Zone => (None, None),
        Scope::Type(t) => (Some(*t), None),
        Scope::Set(t, n) => (Some(*t), absolute(n, &zone.name)),
    };
    let mut offset = 0usize;
    let mut limit = usize::MAX;
    for (k, v) in req.query_pairs() {
        let n = || {
            v.parse::<usize>().map_err(|_| {
                GdError::invalid_field("UNEXPECTED_TYPE", k.clone(), "is not a integer")
            })
        };
        match k.as_str() {
            "offset" => offset = n()?,
            "limit" => limit = n()?,
            _ => {}
        }
    }
    let entries: Vec<Entry> = z
        .list(&zone.name, None, None)
        .filter(|r| name.as_deref().is_none_or(|n| set_owner(r) == n))
        .filter(|r| visible(r))
        .filter(|r| rtype.is_none_or(|t| r.rtype().as_str() == t))
        .skip(offset)
        .take(limit)
        .map(|r| render(r, zone))
        .collect();
    Ok(json_ok(&entries))
}

/// The new values of one record set: data and TTL.
type SetValues = Vec<(Rdata, u32)>;

/// A checked body entry.
struct Item {
    rtype: RrType,
    /// FQDN.
    name: String,
    /// The `data` as sent (TXT text is matched against stored values by it).
    text: String,
    data: Rdata,
    ttl: u32,
}

/// Reads and checks the body: a JSON array of entries. In `Scope::Set` the type and name
/// come from the path (entries may repeat them; they are ignored, as GoDaddy accepted them
/// in 2021); otherwise each entry names its own (`records/{type}` fixes the type).
fn parse_items(req: &HttpRequest, zone: &Zone, scope: &Scope<'_>) -> Result<Vec<Item>, GdError> {
    let value: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let Value::Array(raw) = value else {
        return Err(GdError::invalid_field(
            "UNEXPECTED_TYPE",
            "records",
            "is not a array",
        ));
    };
    let mut fields = Vec::new();
    let mut items = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        let at = format!("records[{i}]");
        let Some(obj) = v.as_object() else {
            fields.push(Field::new("UNEXPECTED_TYPE", at, "is not a object"));
            continue;
        };
        if let Some(item) = parse_item(obj, &at, zone, scope, &mut fields) {
            items.push(item);
        }
    }
    // The same value twice in one body (UNCONFIRMED: GoDaddy's duplicate message, §3.9).
    for (i, a) in items.iter().enumerate() {
        if items[..i]
            .iter()
            .any(|b| b.rtype == a.rtype && b.name == a.name && b.data == a.data)
        {
            fields.push(Field::new(
                "DUPLICATE_RECORD",
                format!("records[{i}]"),
                "Another record with the same attributes already exists",
            ));
        }
    }
    if fields.is_empty() {
        Ok(items)
    } else {
        Err(GdError::invalid_body(fields))
    }
}

fn parse_item(
    obj: &Map<String, Value>,
    at: &str,
    zone: &Zone,
    scope: &Scope<'_>,
    fields: &mut Vec<Field>,
) -> Option<Item> {
    let before = fields.len();
    let mut string = |key: &str, required: bool| -> Option<String> {
        match obj.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            None | Some(Value::Null) if !required => None,
            None | Some(Value::Null) => {
                // UNCONFIRMED: code and message of a missing required property.
                fields.push(Field::new(
                    "MISSING_REQUIRED",
                    format!("{at}.{key}"),
                    "is a required property",
                ));
                None
            }
            Some(_) => {
                fields.push(Field::new(
                    "UNEXPECTED_TYPE",
                    format!("{at}.{key}"),
                    "is not a string",
                ));
                None
            }
        }
    };
    let (rtype_text, name_text) = match scope {
        Scope::Set(t, n) => (Some(t.to_string()), Some(n.to_string())),
        Scope::Type(t) => (Some(t.to_string()), string("name", true)),
        Scope::Zone => (string("type", true), string("name", true)),
    };
    let data = string("data", true);
    let srv_sp = if rtype_text.as_deref() == Some("SRV") {
        Some((string("service", true), string("protocol", true)))
    } else {
        None
    };
    let mut int = |key: &str| -> Option<i64> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => v.as_i64().or_else(|| {
                fields.push(Field::new(
                    "UNEXPECTED_TYPE",
                    format!("{at}.{key}"),
                    "is not a integer",
                ));
                None
            }),
        }
    };
    let ttl = int("ttl");
    let priority = int("priority");
    let weight = int("weight");
    let port = int("port");
    if let Some(t) = ttl {
        if t < MIN_TTL {
            fields.push(Field::new(
                "UNKNOWN_RESTRICTION",
                format!("{at}.ttl"),
                format!("must have a minimum value of {MIN_TTL}"),
            ));
        } else if t > MAX_TTL {
            fields.push(Field::new(
                "UNKNOWN_RESTRICTION",
                format!("{at}.ttl"),
                format!("must have a maximum value of {MAX_TTL}"),
            ));
        }
    }
    let rtype = rtype_text.as_deref().and_then(|t| {
        if !WRITABLE.contains(&t) {
            let allowed: Vec<String> = WRITABLE.iter().map(|t| format!("\"{t}\"")).collect();
            fields.push(Field::new(
                "INVALID_VALUE",
                format!("{at}.type"),
                format!("is not one of enum values: {}", allowed.join(", ")),
            ));
            return None;
        }
        let st = store_type(t);
        if st.is_none() {
            fields.push(Field::new(
                "UNSUPPORTED_BY_FAKE",
                format!("{at}.type"),
                format!("the fake registrar does not store {t} records"),
            ));
        }
        st
    });
    let name = name_text.as_deref().and_then(|n| {
        let fqdn = absolute(n, &zone.name);
        if fqdn.is_none() {
            fields.push(Field::new(
                "MISMATCH_FORMAT",
                format!("{at}.name"),
                "is not a valid record name",
            ));
        }
        fqdn
    });
    // SRV: the owner is `_service._protocol.<name>` (UNCONFIRMED: the field codes when
    // `service` or `protocol` is missing or lacks its underscore).
    let srv_labels = if let Some((s, p)) = srv_sp {
        match (s, p) {
            (Some(s), Some(p)) if s.starts_with('_') && p.starts_with('_') => Some(format!(
                "{}.{}",
                s.to_ascii_lowercase(),
                p.to_ascii_lowercase()
            )),
            (Some(_), Some(_)) => {
                fields.push(Field::new(
                    "MISMATCH_FORMAT",
                    format!("{at}.service"),
                    "service and protocol must start with an underscore",
                ));
                None
            }
            _ => None,
        }
    } else {
        None
    };
    let (rtype, name, text) = (rtype?, name?, data?);
    if fields.len() > before {
        return None;
    }
    let name = match srv_labels {
        Some(labels) => format!("{labels}.{name}"),
        None => name,
    };
    let rdata = match to_rdata(rtype, &text, [priority, weight, port], zone) {
        Ok(d) => d,
        Err(f) => {
            fields.push(Field::new(f.0, format!("{at}.{}", f.1), f.2));
            return None;
        }
    };
    Some(Item {
        rtype,
        name,
        text,
        data: rdata,
        // Checked above: 600..=604800.
        ttl: ttl.map_or(DEFAULT_TTL, |t| t as u32),
    })
}

/// `data` (and `priority`, `weight`, `port`) as record data; the error is (code, field,
/// message).
fn to_rdata(
    rtype: RrType,
    data: &str,
    [priority, weight, port]: [Option<i64>; 3],
    zone: &Zone,
) -> Result<Rdata, (&'static str, &'static str, String)> {
    let number = |v: Option<i64>, key: &'static str| {
        v.ok_or((
            "MISSING_REQUIRED",
            key,
            "is a required property".to_string(),
        ))
        .and_then(|n| {
            u16::try_from(n).map_err(|_| {
                (
                    "UNKNOWN_RESTRICTION",
                    key,
                    "must have a maximum value of 65535".to_string(),
                )
            })
        })
    };
    let format = |what: &str| {
        (
            "MISMATCH_FORMAT",
            "data",
            format!("does not conform to the '{what}' format"),
        )
    };
    let host = |d: &str| -> Result<String, (&'static str, &'static str, String)> {
        let n = normalize_name(d);
        if n == "@" {
            Ok(zone.name.clone())
        } else if is_hostname(&n) {
            Ok(n)
        } else {
            Err(format("host-name"))
        }
    };
    if data.is_empty() {
        return Err((
            "UNKNOWN_RESTRICTION",
            "data",
            "must have a minimum length of 1".to_string(),
        ));
    }
    Ok(match rtype {
        RrType::A => Rdata::A(data.parse::<Ipv4Addr>().map_err(|_| format("ipv4"))?),
        RrType::AAAA => Rdata::Aaaa(data.parse::<Ipv6Addr>().map_err(|_| format("ipv6"))?),
        RrType::CNAME => Rdata::Cname(host(data)?),
        RrType::NS => Rdata::Ns(host(data)?),
        RrType::MX => Rdata::Mx {
            preference: priority
                .ok_or((
                    "MISSING_REQUIRED",
                    "priority",
                    "is a required property".to_string(),
                ))
                .and_then(|p| {
                    u16::try_from(p).map_err(|_| {
                        (
                            "UNKNOWN_RESTRICTION",
                            "priority",
                            "must have a maximum value of 65535".to_string(),
                        )
                    })
                })?,
            exchange: host(data)?,
        },
        RrType::SRV => Rdata::Srv {
            priority: number(priority, "priority")?,
            weight: number(weight, "weight")?,
            port: number(port, "port")?,
            // UNCONFIRMED: whether GoDaddy takes "." (service not offered) as a target.
            target: if data.trim() == "." {
                String::new()
            } else {
                host(data)?
            },
        },
        RrType::TXT => Rdata::Txt(txt_from_text(data)),
        RrType::SOA | RrType::PTR | RrType::CAA | RrType::TLSA => {
            return Err((
                "INVALID_VALUE",
                "type",
                format!("{rtype} records cannot be written"),
            ))
        }
    })
}

/// The data to store for `item`: an unchanged TXT text keeps the strings it is stored as.
fn keep_strings(existing: &[StoredRecord], item: &Item) -> Rdata {
    if item.rtype == RrType::TXT {
        if let Some(r) = existing.iter().find(|r| {
            r.name == item.name && matches!(&r.data, Rdata::Txt(p) if p.concat() == item.text)
        }) {
            return r.data.clone();
        }
    }
    item.data.clone()
}

/// `PUT`: replaces every record in scope with the body's. An empty array changes nothing
/// (LEX notes that GoDaddy ignores it). 200 with an empty body.
pub(super) fn put(
    z: &mut Zones,
    zone: &Zone,
    scope: &Scope<'_>,
    req: &HttpRequest,
) -> Result<HttpResponse, GdError> {
    check_path(scope, zone)?;
    if let Scope::Set(t, _) | Scope::Type(t) = scope {
        if !WRITABLE.contains(t) {
            return Err(bad_type("path.type"));
        }
    }
    let items = parse_items(req, zone, scope)?;
    if items.is_empty() {
        return Ok(empty(200));
    }
    // What is replaced: the set, every record of the type, or every record but the SOA
    // (and the apex NS set, unless the body gives one).
    let body_has_apex_ns = items
        .iter()
        .any(|i| i.rtype == RrType::NS && i.name == zone.name);
    let replaced: Vec<StoredRecord> = z
        .list(&zone.name, None, None)
        .filter(|r| visible(r))
        .filter(|r| match scope {
            Scope::Set(t, n) => {
                r.rtype().as_str() == *t && absolute(n, &zone.name).as_deref() == Some(set_owner(r))
            }
            Scope::Type(t) => {
                r.rtype().as_str() == *t
                    && (r.rtype() != RrType::NS || r.name != zone.name || body_has_apex_ns)
            }
            Scope::Zone => r.rtype() != RrType::NS || r.name != zone.name || body_has_apex_ns,
        })
        .cloned()
        .collect();
    let mut sets: Vec<(String, RrType, SetValues)> = Vec::new();
    for r in &replaced {
        if !sets.iter().any(|(n, t, _)| *n == r.name && *t == r.rtype()) {
            sets.push((r.name.clone(), r.rtype(), Vec::new()));
        }
    }
    for item in &items {
        let data = keep_strings(&replaced, item);
        match sets
            .iter_mut()
            .find(|(n, t, _)| *n == item.name && *t == item.rtype)
        {
            Some((_, _, v)) => v.push((data, item.ttl)),
            None => sets.push((item.name.clone(), item.rtype, vec![(data, item.ttl)])),
        }
    }
    for (name, rtype, values) in sets {
        z.replace_set(&zone.name, &name, rtype, values)
            .map_err(|e| store_error(&e))?;
    }
    Ok(empty(200))
}

/// `PATCH records`: appends the body's records. A record that already exists: 422
/// `DUPLICATE_RECORD` (message as reported in `lmammino/godaddy-dns#10`; status UNCONFIRMED).
pub(super) fn patch(
    z: &mut Zones,
    zone: &Zone,
    req: &HttpRequest,
) -> Result<HttpResponse, GdError> {
    let items = parse_items(req, zone, &Scope::Zone)?;
    for item in &items {
        if z.list(&zone.name, Some(&item.name), Some(item.rtype))
            .any(|r| r.data == item.data)
        {
            return Err(GdError::new(
                422,
                "DUPLICATE_RECORD",
                "Another record with the same attributes already exists",
            ));
        }
    }
    for item in items {
        let mut set: Vec<(Rdata, u32)> = z
            .list(&zone.name, Some(&item.name), Some(item.rtype))
            .map(|r| (r.data.clone(), r.ttl))
            .collect();
        set.push((item.data, item.ttl));
        z.replace_set(&zone.name, &item.name, item.rtype, set)
            .map_err(|e| store_error(&e))?;
    }
    Ok(empty(200))
}

/// `DELETE records/{type}/{name}`: 204, or 404 when there is nothing to delete (message
/// UNCONFIRMED).
pub(super) fn delete(
    z: &mut Zones,
    zone: &Zone,
    t: &str,
    n: &str,
) -> Result<HttpResponse, GdError> {
    check_path(&Scope::Set(t, n), zone)?;
    if !DELETABLE.contains(&t) {
        let allowed: Vec<String> = DELETABLE.iter().map(|t| format!("\"{t}\"")).collect();
        return Err(GdError::invalid_field(
            "INVALID_VALUE",
            "path.type",
            format!("is not one of enum values: {}", allowed.join(", ")),
        ));
    }
    let name = absolute(n, &zone.name).unwrap_or_default();
    let owners: Vec<String> = match store_type(t) {
        Some(rt) => {
            let mut o: Vec<String> = z
                .list(&zone.name, None, Some(rt))
                .filter(|r| set_owner(r) == name)
                .map(|r| r.name.clone())
                .collect();
            o.dedup();
            o
        }
        None => Vec::new(),
    };
    if owners.is_empty() {
        return Err(GdError::new(
            404,
            "NOT_FOUND",
            format!("No {t} records found for {n}"),
        ));
    }
    if let Some(rt) = store_type(t) {
        for owner in owners {
            z.replace_set(&zone.name, &owner, rt, Vec::new())
                .map_err(|e| store_error(&e))?;
        }
    }
    Ok(empty(204))
}

/// A store refusal after the checks above: a bug in the emulator, answered as GoDaddy's 500.
fn store_error(e: &crate::store::StoreError) -> GdError {
    GdError::new(500, "INTERNAL_SERVER_ERROR", format!("fake registrar: {e}"))
}

//! `/zones/{zone}/dns_records[/{record}]`: the record object, list filters and pagination,
//! create, overwrite (PUT), merge (PATCH) and delete (providers-api.md §2.2–2.5, §2.8).

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{json, Map, Value};

use super::envelope::{success, success_page, CfError};
use super::zones::number;
use crate::clock::rfc3339_micros;
use crate::http::{HttpRequest, HttpResponse};
use crate::rdata::{is_hostname, normalize_name, parse_txt, present_txt, Rdata, RrType};
use crate::store::{NewRecord, StoredRecord, Zone, Zones};

const ATTR_PROXIED: &str = "cloudflare.proxied";
const ATTR_COMMENT: &str = "cloudflare.comment";
/// Set when the record was written with `ttl: 1` (automatic).
const ATTR_AUTO_TTL: &str = "cloudflare.ttl_auto";
/// What the DNS server serves for an automatic TTL (Cloudflare's is 300).
const AUTO_TTL_SERVED: u32 = 300;

/// Whether the API shows a record: the SOA and the apex NS set are Cloudflare-managed.
fn visible(r: &StoredRecord, zone: &Zone) -> bool {
    match r.rtype() {
        RrType::SOA => false,
        RrType::NS => r.name != zone.name,
        _ => true,
    }
}

/// The `content` field: a single TXT string plain, several as `"a" "b"`; MX without
/// priority; SRV as `weight port target` (its priority is the `priority` field); CAA and
/// TLSA in presentation form (`0 issue "letsencrypt.org"`, `3 1 1 <hex>`).
fn content(d: &Rdata) -> String {
    let root_or = |n: &str| {
        if n.is_empty() {
            ".".to_string()
        } else {
            n.to_string()
        }
    };
    match d {
        Rdata::Txt(parts) if parts.len() == 1 => parts[0].clone(),
        Rdata::Txt(parts) => present_txt(parts),
        Rdata::Mx { exchange, .. } => root_or(exchange),
        Rdata::Srv {
            weight,
            port,
            target,
            ..
        } => format!("{weight} {port} {}", root_or(target)),
        other => other.presentation(),
    }
}

/// The `data` object of SRV, CAA and TLSA records (the components Cloudflare documents as
/// `SRVRecordData {port, priority, target, weight}`, `CAARecordData {flags, tag, value}`,
/// `TLSARecordData {certificate, matching_type, selector, usage}`).
fn data_object(d: &Rdata) -> Option<Value> {
    match d {
        Rdata::Srv {
            priority,
            weight,
            port,
            target,
        } => Some(json!({
            "port": port, "priority": priority, "weight": weight,
            "target": if target.is_empty() { "." } else { target.as_str() },
        })),
        Rdata::Caa { flags, tag, value } => {
            Some(json!({"flags": flags, "tag": tag, "value": value}))
        }
        Rdata::Tlsa {
            usage,
            selector,
            matching_type,
            data,
        } => Some(json!({
            "certificate": data, "matching_type": matching_type,
            "selector": selector, "usage": usage,
        })),
        _ => None,
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            !(a.is_loopback() || a.is_private() || a.is_unspecified() || a.is_link_local())
        }
        IpAddr::V6(a) => !(a.is_loopback() || a.is_unspecified()),
    }
}

/// The record object.
pub(super) fn render(r: &StoredRecord) -> Value {
    let proxiable = match &r.data {
        Rdata::A(a) => is_public(IpAddr::V4(*a)),
        Rdata::Aaaa(a) => is_public(IpAddr::V6(*a)),
        Rdata::Cname(_) => true,
        _ => false,
    };
    let auto = r.attrs.contains_key(ATTR_AUTO_TTL);
    let mut v = json!({
        "id": r.hex_id(),
        "name": r.name,
        "type": r.rtype().as_str(),
        "content": content(&r.data),
        "proxiable": proxiable,
        "proxied": r.attrs.get(ATTR_PROXIED).is_some_and(|p| p == "true"),
        "ttl": if auto { 1 } else { r.ttl },
        "settings": if r.rtype() == RrType::CNAME { json!({"flatten_cname": false}) } else { json!({}) },
        "meta": {},
        "comment": r.attrs.get(ATTR_COMMENT),
        "tags": [],
        "created_on": rfc3339_micros(r.created),
        "modified_on": rfc3339_micros(r.modified),
    });
    if let Some(obj) = v.as_object_mut() {
        match &r.data {
            Rdata::Mx { preference, .. } => {
                obj.insert("priority".into(), json!(preference));
            }
            Rdata::Srv { priority, .. } => {
                obj.insert("priority".into(), json!(priority));
            }
            _ => {}
        }
        if let Some(d) = data_object(&r.data) {
            obj.insert("data".into(), d);
        }
    }
    v
}

/// `GET dns_records`: filters `type`, `name[.exact|.contains|.startswith|.endswith]`,
/// `content[...]` (same operators), `proxied`, `comment`, `match` (`all`|`any`), `order`,
/// `direction`, `page`, `per_page` (default 100).
pub(super) fn list(z: &Zones, zone: &Zone, req: &HttpRequest) -> Result<HttpResponse, CfError> {
    type Pred = Box<dyn Fn(&StoredRecord) -> bool>;
    let mut preds: Vec<Pred> = Vec::new();
    let mut any = false;
    let mut page = 1usize;
    let mut per_page = 100usize;
    let mut order: Option<String> = None;
    let mut desc = false;
    for (k, v) in req.query_pairs() {
        let (field, op) = k.split_once('.').unwrap_or((k.as_str(), "exact"));
        match field {
            "type" => preds.push(Box::new(move |r| {
                r.rtype().as_str().eq_ignore_ascii_case(&v)
            })),
            "name" => {
                let v = normalize_name(&v);
                let op = op.to_string();
                preds.push(Box::new(move |r| text_op(&op, &r.name, &v)));
            }
            "content" => {
                let op = op.to_string();
                preds.push(Box::new(move |r| content_op(&op, &r.data, &v)));
            }
            "proxied" => {
                let want = v == "true";
                preds.push(Box::new(move |r| {
                    r.attrs.get(ATTR_PROXIED).is_some_and(|p| p == "true") == want
                }));
            }
            "comment" => preds.push(Box::new(move |r| {
                r.attrs
                    .get(ATTR_COMMENT)
                    .is_some_and(|c| text_op(op_or_exact(&k), c, &v))
            })),
            "match" => any = v == "any",
            "page" => page = number(&k, &v)?.max(1),
            "per_page" => per_page = number(&k, &v)?.clamp(1, 5_000_000),
            "order" => order = Some(v),
            "direction" => desc = v == "desc",
            _ => {}
        }
    }
    let mut hits: Vec<&StoredRecord> = z
        .list(&zone.name, None, None)
        .filter(|r| visible(r, zone))
        .filter(|r| {
            preds.is_empty()
                || if any {
                    preds.iter().any(|p| p(r))
                } else {
                    preds.iter().all(|p| p(r))
                }
        })
        .collect();
    if let Some(key) = order {
        hits.sort_by(|a, b| {
            let o = compare(&key, a, b);
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    Ok(success_page(
        hits.into_iter().map(render).collect(),
        page,
        per_page,
    ))
}

fn op_or_exact(key: &str) -> &str {
    key.split_once('.').map_or("exact", |(_, op)| op)
}

fn text_op(op: &str, have: &str, want: &str) -> bool {
    match op {
        "contains" => have.contains(want),
        "startswith" => have.starts_with(want),
        "endswith" => have.ends_with(want),
        _ => have == want,
    }
}

fn content_op(op: &str, data: &Rdata, want: &str) -> bool {
    if text_op(op, &content(data), want) {
        return true;
    }
    // `"a" "b"` and `a` name the same TXT content whichever way the client quotes it.
    match (op, data) {
        ("exact", Rdata::Txt(parts)) => parse_txt(want).is_ok_and(|w| &w == parts),
        _ => false,
    }
}

fn compare(key: &str, a: &StoredRecord, b: &StoredRecord) -> Ordering {
    match key {
        "type" => a.rtype().as_str().cmp(b.rtype().as_str()),
        "name" => a.name.cmp(&b.name),
        "content" => content(&a.data).cmp(&content(&b.data)),
        "ttl" => a.ttl.cmp(&b.ttl),
        "proxied" => a.attrs.get(ATTR_PROXIED).cmp(&b.attrs.get(ATTR_PROXIED)),
        _ => Ordering::Equal,
    }
}

/// Fields a request body set (`None`: absent). `comment: Some(None)` is an explicit null.
#[derive(Default)]
struct Fields {
    rtype: Option<String>,
    name: Option<String>,
    content: Option<String>,
    ttl: Option<i64>,
    proxied: Option<bool>,
    priority: Option<i64>,
    comment: Option<Option<String>>,
    /// The `data` object (SRV, CAA, TLSA); `null` counts as absent.
    data: Option<Map<String, Value>>,
}

fn invalid_body() -> CfError {
    CfError::new(400, 9207, "Request body is invalid.")
}

/// Reads the JSON body; unknown keys (`tags`, `settings`, `id`, …) are ignored, and so is
/// `"data": null`, as the real API ignores lexicon's.
fn parse_body(req: &HttpRequest) -> Result<Fields, CfError> {
    let v: Value = serde_json::from_slice(&req.body).map_err(|_| invalid_body())?;
    let obj: &Map<String, Value> = v.as_object().ok_or_else(invalid_body)?;
    let string = |k: &str| -> Result<Option<String>, CfError> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid_body()),
        }
    };
    let int = |k: &str| -> Result<Option<i64>, CfError> {
        match obj.get(k) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(invalid_body),
        }
    };
    Ok(Fields {
        rtype: string("type")?,
        name: string("name")?,
        content: string("content")?,
        ttl: int("ttl")?,
        proxied: match obj.get("proxied") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(invalid_body()),
        },
        priority: int("priority")?,
        comment: match obj.get("comment") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => return Err(invalid_body()),
        },
        data: match obj.get("data") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => return Err(invalid_body()),
        },
    })
}

/// A complete record as a client described it, before validation.
struct Draft {
    rtype: String,
    name: String,
    content: String,
    ttl: i64,
    proxied: bool,
    priority: Option<i64>,
    comment: Option<String>,
    data: Option<Map<String, Value>>,
}

impl Draft {
    /// POST and PUT: `type` and `name` are required; `ttl` defaults to 1 (automatic),
    /// `proxied` to false, `comment` to null.
    fn from_fields(f: Fields) -> Result<Draft, CfError> {
        Ok(Draft {
            rtype: f
                .rtype
                .ok_or_else(|| CfError::validation("type is required"))?,
            name: f
                .name
                .ok_or_else(|| CfError::validation("name is required"))?,
            content: f.content.unwrap_or_default(),
            ttl: f.ttl.unwrap_or(1),
            proxied: f.proxied.unwrap_or(false),
            priority: f.priority,
            comment: f.comment.flatten(),
            data: f.data,
        })
    }

    /// PATCH: the stored record with the given fields changed.
    fn merged(r: &StoredRecord, f: Fields) -> Draft {
        let auto = r.attrs.contains_key(ATTR_AUTO_TTL);
        Draft {
            rtype: f.rtype.unwrap_or_else(|| r.rtype().as_str().to_string()),
            name: f.name.unwrap_or_else(|| r.name.clone()),
            content: f.content.unwrap_or_else(|| content(&r.data)),
            ttl: f.ttl.unwrap_or(if auto { 1 } else { i64::from(r.ttl) }),
            proxied: f
                .proxied
                .unwrap_or_else(|| r.attrs.get(ATTR_PROXIED).is_some_and(|p| p == "true")),
            priority: f.priority.or(match &r.data {
                Rdata::Mx { preference, .. } => Some(i64::from(*preference)),
                _ => None,
            }),
            comment: match f.comment {
                Some(c) => c,
                None => r.attrs.get(ATTR_COMMENT).cloned(),
            },
            data: f
                .data
                .or_else(|| data_object(&r.data).and_then(|v| v.as_object().cloned())),
        }
    }

    /// Validates and turns the draft into a store record.
    fn build(&self, zone: &Zone) -> Result<NewRecord, CfError> {
        let rtype: RrType = self
            .rtype
            .parse()
            .ok()
            .filter(|t| *t != RrType::SOA)
            .ok_or_else(|| {
                CfError::validation(&format!("unsupported record type '{}'", self.rtype))
            })?;
        let name = expand_name(&self.name, zone)?;
        if !(self.ttl == 1 || (60..=86_400).contains(&self.ttl)) {
            return Err(CfError::new(
                400,
                9021,
                "TTL must be between 60 and 86400 seconds, or 1 for Automatic.",
            ));
        }
        let c = self.content.trim();
        let host = |code: u32, msg: &str| -> Result<String, CfError> {
            let n = normalize_name(c);
            if is_hostname(&n) {
                Ok(n)
            } else if code == 0 {
                Err(CfError::validation(msg))
            } else {
                Err(CfError::new(400, code, msg))
            }
        };
        let data = match rtype {
            RrType::A => Rdata::A(c.parse::<Ipv4Addr>().map_err(|_| {
                CfError::new(
                    400,
                    9005,
                    "Content for A record must be a valid IPv4 address.",
                )
            })?),
            RrType::AAAA => Rdata::Aaaa(c.parse::<Ipv6Addr>().map_err(|_| {
                CfError::new(
                    400,
                    9006,
                    "Content for AAAA record must be a valid IPv6 address.",
                )
            })?),
            RrType::CNAME => Rdata::Cname(host(9007, "Content for CNAME record is invalid.")?),
            RrType::NS => Rdata::Ns(host(0, "content of an NS record must be a host name")?),
            RrType::PTR => Rdata::Ptr(host(0, "content of a PTR record must be a host name")?),
            RrType::MX => {
                let preference = self
                    .priority
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| {
                        CfError::validation("MX records need a priority between 0 and 65535")
                    })?;
                Rdata::Mx {
                    preference,
                    // "." is the null MX (RFC 7505).
                    exchange: if c == "." {
                        String::new()
                    } else {
                        host(0, "content of an MX record must be a host name")?
                    },
                }
            }
            RrType::SRV => {
                let d = self.data_of("SRV")?;
                let target = d
                    .get("target")
                    .and_then(Value::as_str)
                    .ok_or_else(|| CfError::validation("SRV data.target is required"))?;
                Rdata::Srv {
                    priority: field(d, "SRV", "priority", u16::MAX.into())?,
                    weight: field(d, "SRV", "weight", u16::MAX.into())?,
                    port: field(d, "SRV", "port", u16::MAX.into())?,
                    target: if target.trim() == "." {
                        String::new()
                    } else {
                        let n = normalize_name(target);
                        if !is_hostname(&n) {
                            return Err(CfError::validation("SRV data.target must be a host name"));
                        }
                        n
                    },
                }
            }
            RrType::CAA => {
                let d = self.data_of("CAA")?;
                let tag = d.get("tag").and_then(Value::as_str).unwrap_or_default();
                // The dashboard and API offer these three properties.
                if !matches!(tag, "issue" | "issuewild" | "iodef") {
                    return Err(CfError::validation(
                        "CAA data.tag must be one of issue, issuewild, iodef",
                    ));
                }
                let value = d
                    .get("value")
                    .and_then(Value::as_str)
                    .ok_or_else(|| CfError::validation("CAA data.value is required"))?;
                Rdata::Caa {
                    flags: field(d, "CAA", "flags", 255)?,
                    tag: tag.to_string(),
                    value: value.to_string(),
                }
            }
            RrType::TLSA => {
                let d = self.data_of("TLSA")?;
                let cert = d
                    .get("certificate")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if cert.is_empty()
                    || cert.len() % 2 != 0
                    || !cert.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return Err(CfError::validation(
                        "TLSA data.certificate must be hexadecimal",
                    ));
                }
                Rdata::Tlsa {
                    usage: field(d, "TLSA", "usage", 3)?,
                    selector: field(d, "TLSA", "selector", 1)?,
                    matching_type: field(d, "TLSA", "matching_type", 2)?,
                    data: cert,
                }
            }
            RrType::TXT => Rdata::Txt(
                parse_txt(&self.content)
                    .map_err(|why| CfError::validation(&format!("TXT content: {why}")))?,
            ),
            RrType::SOA => {
                return Err(CfError::validation("SOA records are managed by Cloudflare"))
            }
        };
        if self.proxied && !matches!(rtype, RrType::A | RrType::AAAA | RrType::CNAME) {
            return Err(CfError::new(
                400,
                9004,
                "This record type cannot be proxied.",
            ));
        }
        let ttl = if self.ttl == 1 {
            AUTO_TTL_SERVED
        } else {
            // Checked above: 60..=86400.
            self.ttl as u32
        };
        let mut rec = NewRecord::new(&name, data, ttl).attr(ATTR_PROXIED, self.proxied.to_string());
        if self.ttl == 1 {
            rec = rec.attr(ATTR_AUTO_TTL, "true");
        }
        if let Some(c) = &self.comment {
            rec = rec.attr(ATTR_COMMENT, c.clone());
        }
        Ok(rec)
    }
}

/// The integer field `key` of a `data` object, at most `max`.
fn field<T: TryFrom<u64>>(
    d: &Map<String, Value>,
    rtype: &str,
    key: &str,
    max: u64,
) -> Result<T, CfError> {
    d.get(key)
        .and_then(Value::as_u64)
        .filter(|n| *n <= max)
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| {
            CfError::validation(&format!(
                "{rtype} data.{key} is required and must be an integer from 0 to {max}"
            ))
        })
}

impl Draft {
    /// The `data` object a record of this type must carry.
    fn data_of(&self, rtype: &str) -> Result<&Map<String, Value>, CfError> {
        self.data
            .as_ref()
            .ok_or_else(|| CfError::validation(&format!("{rtype} records need a data object")))
    }
}

/// FQDN from what the client sent: `@` is the apex; a name not ending in the zone is
/// taken as relative to it.
fn expand_name(raw: &str, zone: &Zone) -> Result<String, CfError> {
    let n = normalize_name(raw);
    if n.is_empty() {
        return Err(CfError::validation("name is required"));
    }
    let fqdn = if n == "@" {
        zone.name.clone()
    } else if n == zone.name || n.ends_with(&format!(".{}", zone.name)) {
        n
    } else {
        format!("{n}.{}", zone.name)
    };
    if !is_hostname(&fqdn) {
        return Err(CfError::validation(&format!(
            "'{raw}' is not a valid DNS name"
        )));
    }
    Ok(fqdn)
}

/// Duplicate and CNAME-coexistence checks against the other records at the same name.
fn check_conflicts(
    z: &Zones,
    zone: &Zone,
    rec: &NewRecord,
    except: Option<u64>,
) -> Result<(), CfError> {
    let others: Vec<&StoredRecord> = z
        .list(&zone.name, Some(&rec.name), None)
        .filter(|o| Some(o.id) != except && visible(o, zone))
        .collect();
    if others.iter().any(|o| o.data == rec.data) {
        return Err(CfError::new(
            400,
            81058,
            "An identical record already exists.",
        ));
    }
    let has = |t: &[RrType]| others.iter().any(|o| t.contains(&o.rtype()));
    let address_or_cname = "An A, AAAA, or CNAME record with that host already exists.";
    match rec.data.rtype() {
        RrType::CNAME if !others.is_empty() => Err(CfError::new(400, 81053, address_or_cname)),
        RrType::A | RrType::AAAA if has(&[RrType::CNAME]) => {
            Err(CfError::new(400, 81053, address_or_cname))
        }
        _ if has(&[RrType::CNAME]) => Err(CfError::new(
            400,
            81054,
            "A CNAME record with that host already exists.",
        )),
        _ => Ok(()),
    }
}

/// `POST dns_records`.
pub(super) fn create(
    z: &mut Zones,
    zone: &Zone,
    req: &HttpRequest,
) -> Result<HttpResponse, CfError> {
    let rec = Draft::from_fields(parse_body(req)?)?.build(zone)?;
    check_conflicts(z, zone, &rec, None)?;
    let stored = z
        .add(&zone.name, rec)
        .map_err(|e| CfError::validation(&e.to_string()))?;
    Ok(success(render(&stored)))
}

/// `GET`, `PUT`, `PATCH`, `DELETE` on one record.
pub(super) fn one(
    z: &mut Zones,
    zone: &Zone,
    id: Option<u64>,
    req: &HttpRequest,
) -> Result<HttpResponse, CfError> {
    let current = id
        .and_then(|id| z.get(id))
        .filter(|r| r.zone == zone.name && visible(r, zone))
        .cloned()
        .ok_or_else(|| CfError::new(404, 81044, "Record does not exist."))?;
    let id = current.id;
    let rec = match req.method.as_str() {
        "GET" => return Ok(success(render(&current))),
        "DELETE" => {
            let gone = z
                .delete(id)
                .map_err(|_| CfError::new(404, 81044, "Record does not exist."))?;
            return Ok(success(json!({"id": gone.hex_id()})));
        }
        "PUT" => Draft::from_fields(parse_body(req)?)?.build(zone)?,
        _ => Draft::merged(&current, parse_body(req)?).build(zone)?,
    };
    check_conflicts(z, zone, &rec, Some(id))?;
    let stored = z
        .update(id, rec)
        .map_err(|e| CfError::validation(&e.to_string()))?;
    Ok(success(render(&stored)))
}

//! Huawei Cloud DNS API v2 emulator (public zones and record sets), served at `/` on its
//! own listener. Independent of the `mxddns-providers` client on purpose: the AK/SK
//! signature ("SDK-HMAC-SHA256") is rebuilt here from the vendor's documentation, from the
//! request's own `SignedHeaders`, path, query and body, so a client bug cannot agree with
//! itself.
//!
//! Checks, in order: Authorization parses (`SDK-HMAC-SHA256 Access=…, SignedHeaders=…,
//! Signature=…`, x-sdk-date among the signed headers) → X-Sdk-Date within 15 minutes of
//! the server's clock → AK known → signature; all of these fail as the API gateway does,
//! HTTP 401 `{"error_msg","error_code":"APIGW.0301","request_id"}`. Then the route
//! (unknown: 404 `APIGW.0101`), the key's IAM actions (403 `DNS.0013`), and the call,
//! whose errors are the DNS service's `{"code","message"}`. A record set is the store's
//! records of one name and type; its id is derived from them, so it is stable.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http::{HttpRequest, HttpResponse, Vendor};
use crate::options::{FakeOptions, FakeSecret};
use crate::rdata::{normalize_name, parse_txt, Rdata, RrType};
use crate::store::{StoredRecord, Zones};

pub const DEMO_HUAWEICLOUD_AK: &str = "HPUAMXDDNSDEMOACCESSKEY0";
pub const DEMO_HUAWEICLOUD_SK: &str = "mxddnsDemoHuaweiCloudSecretKey0123456789";

const WINDOW_SECS: i64 = 15 * 60;
const PROJECT_ID: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// One access key and the IAM actions its user may call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiKey {
    pub access_key: String,
    pub secret_key: FakeSecret,
    /// IAM actions allowed (`dns:recordset:create`; empty: all).
    #[serde(default)]
    pub actions: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HuaweiOptions {
    pub keys: Vec<HuaweiKey>,
    /// Seconds added to the server's clock (to test the X-Sdk-Date window).
    pub clock_offset_secs: i64,
}

impl FakeOptions {
    /// Add a Huawei Cloud access key with every right.
    pub fn huaweicloud_key(self, access_key: &str, secret_key: &str) -> Self {
        self.huaweicloud_key_for(access_key, secret_key, &[])
    }

    /// Add a Huawei Cloud access key allowed only these IAM `actions`.
    pub fn huaweicloud_key_for(
        mut self,
        access_key: &str,
        secret_key: &str,
        actions: &[&str],
    ) -> Self {
        self.huaweicloud.keys.push(HuaweiKey {
            access_key: access_key.to_string(),
            secret_key: FakeSecret::new(secret_key),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        });
        self
    }

    pub fn huaweicloud_clock_offset(mut self, secs: i64) -> Self {
        self.huaweicloud.clock_offset_secs = secs;
        self
    }
}

/// An error answer: HTTP status and body.
struct Fail(u16, Value);

fn gateway(status: u16, code: &str, msg: &str) -> Fail {
    Fail(
        status,
        json!({ "error_msg": msg, "error_code": code, "request_id": request_id() }),
    )
}

fn dns(status: u16, code: &str, msg: impl Into<String>) -> Fail {
    Fail(status, json!({ "code": code, "message": msg.into() }))
}

pub(crate) struct HuaweiCloud {
    store: crate::store::Store,
    opts: HuaweiOptions,
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn escape(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, ESCAPE).to_string()
}

const ESCAPE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Unix time of `YYYYMMDDTHHMMSSZ`.
fn parse_sdk_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

struct Authorization {
    access: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl Authorization {
    fn parse(h: &str) -> Option<Authorization> {
        let rest = h.strip_prefix("SDK-HMAC-SHA256 ")?;
        let (mut access, mut signed, mut sig) = (None, None, None);
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            match k {
                "Access" => access = Some(v),
                "SignedHeaders" => signed = Some(v),
                "Signature" => sig = Some(v),
                _ => return None,
            }
        }
        let signed_headers: Vec<String> = signed?.split(';').map(str::to_string).collect();
        if !signed_headers.iter().any(|h| h == "x-sdk-date") {
            return None;
        }
        Some(Authorization {
            access: access?.to_string(),
            signed_headers,
            signature: sig?.to_string(),
        })
    }
}

/// The signature `req` should carry, computed from the request as received.
fn expected_signature(req: &HttpRequest, auth: &Authorization, secret: &str) -> Option<String> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut uri = req
        .path
        .split('/')
        .map(|seg| escape(&decode(seg)))
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    let mut q: Vec<(String, String)> = req
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (escape(&decode(k)), escape(&decode(v)))
        })
        .collect();
    q.sort();
    let query = q
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers = String::new();
    for name in &auth.signed_headers {
        let v = req.header(name)?;
        headers.push_str(&format!("{name}:{}\n", v.trim()));
    }
    let canonical = format!(
        "{}\n{uri}\n{query}\n{headers}\n{}\n{}",
        req.method,
        auth.signed_headers.join(";"),
        hex::encode(Sha256::digest(&req.body))
    );
    let date = req.header("x-sdk-date")?;
    let to_sign = format!(
        "SDK-HMAC-SHA256\n{date}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    Some(hex::encode(hmac256(secret.as_bytes(), to_sign.as_bytes())))
}

/// What a request asks for.
enum Route {
    ListZones,
    ListSets(String),
    CreateSet(String),
    ShowSet(String, String),
    UpdateSet(String, String),
    DeleteSet(String, String),
}

impl Route {
    fn of(method: &str, path: &str) -> Option<Route> {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        Some(match (method, parts.as_slice()) {
            ("GET", ["", "v2", "zones"]) => Route::ListZones,
            ("GET", ["", "v2", "zones", z, "recordsets"]) => Route::ListSets(z.to_string()),
            ("POST", ["", "v2", "zones", z, "recordsets"]) => Route::CreateSet(z.to_string()),
            ("GET", ["", "v2", "zones", z, "recordsets", r]) => {
                Route::ShowSet(z.to_string(), r.to_string())
            }
            ("PUT", ["", "v2", "zones", z, "recordsets", r]) => {
                Route::UpdateSet(z.to_string(), r.to_string())
            }
            ("DELETE", ["", "v2", "zones", z, "recordsets", r]) => {
                Route::DeleteSet(z.to_string(), r.to_string())
            }
            _ => return None,
        })
    }

    fn action(&self) -> &'static str {
        match self {
            Route::ListZones => "dns:zone:list",
            Route::ListSets(_) => "dns:recordset:list",
            Route::CreateSet(_) => "dns:recordset:create",
            Route::ShowSet(..) => "dns:recordset:get",
            Route::UpdateSet(..) => "dns:recordset:update",
            Route::DeleteSet(..) => "dns:recordset:delete",
        }
    }
}

impl HuaweiCloud {
    pub(crate) fn new(store: crate::store::Store, opts: HuaweiOptions) -> Self {
        HuaweiCloud { store, opts }
    }

    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs() as i64
            + self.opts.clock_offset_secs
    }

    fn dispatch(&self, req: &HttpRequest) -> Result<(u16, Value), Fail> {
        let bad_auth = |why: &str| {
            gateway(
                401,
                "APIGW.0301",
                &format!("Incorrect IAM authentication information: {why}"),
            )
        };
        let auth = Authorization::parse(req.header("authorization").unwrap_or(""))
            .ok_or_else(|| bad_auth("Authorization format incorrect"))?;
        let date = req
            .header("x-sdk-date")
            .and_then(parse_sdk_date)
            .ok_or_else(|| bad_auth("x-sdk-date format incorrect"))?;
        if (self.now() - date).abs() > WINDOW_SECS {
            return Err(bad_auth("request expired"));
        }
        let key = self
            .opts
            .keys
            .iter()
            .find(|k| k.access_key == auth.access)
            .ok_or_else(|| bad_auth("ak not exist"))?;
        if expected_signature(req, &auth, key.secret_key.expose()).as_deref()
            != Some(auth.signature.as_str())
        {
            return Err(bad_auth("verify aksk signature fail"));
        }
        let route = Route::of(&req.method, &req.path).ok_or_else(|| {
            gateway(
                404,
                "APIGW.0101",
                "The API does not exist or has not been published in the environment",
            )
        })?;
        if !key.actions.is_empty() && !key.actions.iter().any(|a| a == route.action()) {
            return Err(dns(
                403,
                "DNS.0013",
                "You do not have the permission to perform this operation using the API.",
            ));
        }
        let q: BTreeMap<String, String> = req.query_pairs().into_iter().collect();
        let body = || -> Result<Value, Fail> {
            serde_json::from_slice(&req.body).map_err(|_| dns(400, "DNS.0002", "Invalid request."))
        };
        match route {
            Route::ListZones => Ok((200, self.store.with(|z| list_zones(z, &q)))),
            Route::ListSets(zid) => self
                .store
                .with(|z| list_sets(z, &zid, &q))
                .map(|v| (200, v)),
            Route::CreateSet(zid) => {
                let b = body()?;
                self.store
                    .with(|z| create_set(z, &zid, &b))
                    .map(|v| (202, v))
            }
            Route::ShowSet(zid, rid) => self.store.with(|z| {
                let (zone, set) = find_set(z, &zid, &rid)?;
                Ok((200, set_json(&zone, &set, "ACTIVE")))
            }),
            Route::UpdateSet(zid, rid) => {
                let b = body()?;
                self.store
                    .with(|z| update_set(z, &zid, &rid, &b))
                    .map(|v| (202, v))
            }
            Route::DeleteSet(zid, rid) => self
                .store
                .with(|z| delete_set(z, &zid, &rid))
                .map(|v| (202, v)),
        }
    }
}

/// One record set: the store's records of one name and type.
struct Set {
    id: String,
    name: String,
    rtype: RrType,
    ttl: u32,
    records: Vec<Rdata>,
}

fn set_id(zone: &str, name: &str, rtype: RrType) -> String {
    let h = Sha256::digest(format!("{zone}|{name}|{}", rtype.as_str()).as_bytes());
    hex::encode(&h[..16])
}

fn sets_of(z: &Zones, zone: &str) -> Vec<Set> {
    let mut out: Vec<Set> = Vec::new();
    for r in z.list(zone, None, None) {
        let r: &StoredRecord = r;
        match out
            .iter_mut()
            .find(|s| s.name == r.name && s.rtype == r.rtype())
        {
            Some(s) => s.records.push(r.data.clone()),
            None => out.push(Set {
                id: set_id(zone, &r.name, r.rtype()),
                name: r.name.clone(),
                rtype: r.rtype(),
                ttl: r.ttl,
                records: vec![r.data.clone()],
            }),
        }
    }
    out
}

fn dotted(n: &str) -> String {
    if n.is_empty() {
        ".".into()
    } else {
        format!("{n}.")
    }
}

/// The API's text of a value: names with the trailing dot, TXT strings quoted.
fn value_of(d: &Rdata) -> String {
    match d {
        Rdata::Cname(n) | Rdata::Ns(n) | Rdata::Ptr(n) => dotted(n),
        Rdata::Mx {
            preference,
            exchange,
        } => format!("{preference} {}", dotted(exchange)),
        Rdata::Srv {
            priority,
            weight,
            port,
            target,
        } => format!("{priority} {weight} {port} {}", dotted(target)),
        Rdata::Txt(parts) => parts
            .iter()
            .map(|p| format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.presentation(),
    }
}

fn set_json(zone: &crate::store::Zone, s: &Set, status: &str) -> Value {
    let zone_id = zone.hex_id();
    json!({
        "id": s.id, "name": dotted(&s.name), "description": null,
        "zone_id": zone_id, "zone_name": dotted(&zone.name),
        "type": s.rtype.as_str(), "ttl": s.ttl,
        "records": s.records.iter().map(value_of).collect::<Vec<_>>(),
        "create_at": "2026-01-01T00:00:00.000", "update_at": "2026-01-01T00:00:00.000",
        "status": status,
        "default": matches!(s.rtype, RrType::SOA | RrType::NS) && s.name == zone.name,
        "project_id": PROJECT_ID,
        "links": { "self": format!("https://dns.myhuaweicloud.com/v2/zones/{zone_id}/recordsets/{}", s.id) },
    })
}

fn zone_by_id(z: &Zones, zid: &str) -> Result<crate::store::Zone, Fail> {
    z.zones()
        .find(|zone| zone.hex_id() == zid)
        .cloned()
        .ok_or_else(|| dns(404, "DNS.0302", "This zone does not exist."))
}

fn find_set(z: &Zones, zid: &str, rid: &str) -> Result<(crate::store::Zone, Set), Fail> {
    let zone = zone_by_id(z, zid)?;
    let set = sets_of(z, &zone.name)
        .into_iter()
        .find(|s| s.id == rid)
        .ok_or_else(|| dns(404, "DNS.0313", "The record set does not exist."))?;
    Ok((zone, set))
}

fn list_zones(z: &Zones, q: &BTreeMap<String, String>) -> Value {
    let name = q.get("name").map(|n| normalize_name(n));
    let exact = q.get("search_mode").map(String::as_str) == Some("equal");
    let zones: Vec<Value> = z
        .zones()
        .filter(|zone| match &name {
            None => true,
            Some(n) if exact => zone.name == *n,
            Some(n) => zone.name.contains(n.as_str()),
        })
        .map(|zone| {
            json!({
                "id": zone.hex_id(), "name": dotted(&zone.name), "description": "",
                "email": format!("hostmaster@{}", zone.name), "ttl": 300, "serial": zone.serial,
                "status": "ACTIVE", "record_num": z.list(&zone.name, None, None).count(),
                "pool_id": "ff8080825ab738f4015ab7513298010e", "project_id": PROJECT_ID,
                "zone_type": "public", "created_at": "2026-01-01T00:00:00.000",
                "updated_at": "2026-01-01T00:00:00.000", "masters": [],
                "links": { "self": format!("https://dns.myhuaweicloud.com/v2/zones/{}", zone.hex_id()) },
            })
        })
        .collect();
    json!({
        "links": { "self": "https://dns.myhuaweicloud.com/v2/zones?type=public" },
        "metadata": { "total_count": zones.len() },
        "zones": zones,
    })
}

fn list_sets(z: &Zones, zid: &str, q: &BTreeMap<String, String>) -> Result<Value, Fail> {
    let zone = zone_by_id(z, zid)?;
    let name = q.get("name").map(|n| normalize_name(n));
    let exact = q.get("search_mode").map(String::as_str) == Some("equal");
    let rtype = match q.get("type") {
        Some(t) => Some(
            RrType::try_from(t.clone())
                .map_err(|_| dns(400, "DNS.0307", "Invalid record set type."))?,
        ),
        None => None,
    };
    let num = |k: &str, default: u64| -> Result<u64, Fail> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                dns(
                    400,
                    if k == "limit" { "DNS.0006" } else { "DNS.0017" },
                    format!("The {k} parameter is invalid."),
                )
            }),
        }
    };
    let limit = num("limit", 500)?;
    if limit > 500 {
        return Err(dns(400, "DNS.0006", "The limit parameter is invalid."));
    }
    let offset = num("offset", 0)? as usize;
    let all: Vec<Set> = sets_of(z, &zone.name)
        .into_iter()
        .filter(|s| match &name {
            None => true,
            Some(n) if exact => s.name == *n,
            Some(n) => s.name.contains(n.as_str()),
        })
        .filter(|s| rtype.is_none_or(|t| s.rtype == t))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit as usize)
        .map(|s| set_json(&zone, s, "ACTIVE"))
        .collect();
    let mut links =
        json!({ "self": format!("https://dns.myhuaweicloud.com/v2/zones/{zid}/recordsets") });
    if offset + page.len() < all.len() {
        links["next"] = json!(format!(
            "https://dns.myhuaweicloud.com/v2/zones/{zid}/recordsets?offset={}&limit={limit}",
            offset + page.len()
        ));
    }
    Ok(json!({ "links": links, "recordsets": page, "metadata": { "total_count": all.len() } }))
}

const WRITABLE: [RrType; 8] = [
    RrType::A,
    RrType::AAAA,
    RrType::MX,
    RrType::CNAME,
    RrType::TXT,
    RrType::NS,
    RrType::SRV,
    RrType::CAA,
];

fn ttl_of(b: &Value, default: u32) -> Result<u32, Fail> {
    match b.get("ttl") {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .filter(|t| (1..=2_147_483_647).contains(t))
            .map(|t| t as u32)
            .ok_or_else(|| dns(400, "DNS.0303", "Invalid TTL.")),
    }
}

fn records_of(b: &Value, rtype: RrType) -> Result<Vec<Rdata>, Fail> {
    let bad = || dns(400, "DNS.0308", "Invalid record value.");
    let list = b.get("records").and_then(Value::as_array).ok_or_else(bad)?;
    if list.is_empty() {
        return Err(bad());
    }
    let mut out = Vec::new();
    for v in list {
        let v = v.as_str().ok_or_else(bad)?;
        let d = match rtype {
            // The API takes TXT values as quoted strings of at most 255 bytes each.
            RrType::TXT if !v.trim_start().starts_with('"') => return Err(bad()),
            RrType::TXT => Rdata::Txt(parse_txt(v).map_err(|_| bad())?),
            _ => Rdata::parse(rtype, v).map_err(|_| bad())?,
        };
        if out.contains(&d) {
            return Err(dns(400, "DNS.0308", "Duplicate record values."));
        }
        out.push(d);
    }
    Ok(out)
}

fn create_set(z: &mut Zones, zid: &str, b: &Value) -> Result<Value, Fail> {
    let zone = zone_by_id(z, zid)?;
    let raw = b.get("name").and_then(Value::as_str).unwrap_or("");
    let name = normalize_name(raw);
    if !raw.ends_with('.') || !(name == zone.name || name.ends_with(&format!(".{}", zone.name))) {
        return Err(dns(400, "DNS.0304", "Invalid record set name."));
    }
    let rtype = b
        .get("type")
        .and_then(Value::as_str)
        .and_then(|t| RrType::try_from(t.to_string()).ok())
        .filter(|t| WRITABLE.contains(t))
        .ok_or_else(|| dns(400, "DNS.0307", "Invalid record set type."))?;
    let ttl = ttl_of(b, 300)?;
    let records = records_of(b, rtype)?;
    let clash = z
        .list(&zone.name, Some(&name), None)
        .any(|r| r.rtype() == rtype || (rtype == RrType::CNAME) != (r.rtype() == RrType::CNAME));
    if clash {
        return Err(dns(
            400,
            "DNS.0312",
            format!(
                "Attribute 'name' conflicts with Record Set '{name}.' type '{}'.",
                rtype.as_str()
            ),
        ));
    }
    z.replace_set(
        &zone.name,
        &name,
        rtype,
        records.iter().map(|d| (d.clone(), ttl)).collect(),
    )
    .map_err(|_| dns(400, "DNS.0308", "Invalid record value."))?;
    let set = Set {
        id: set_id(&zone.name, &name, rtype),
        name,
        rtype,
        ttl,
        records,
    };
    Ok(set_json(&zone, &set, "PENDING_CREATE"))
}

fn update_set(z: &mut Zones, zid: &str, rid: &str, b: &Value) -> Result<Value, Fail> {
    let (zone, set) = find_set(z, zid, rid)?;
    if set.name == zone.name && matches!(set.rtype, RrType::SOA | RrType::NS)
        || set.rtype == RrType::SOA
    {
        return Err(dns(
            400,
            "DNS.0324",
            "The default record set cannot be modified.",
        ));
    }
    if let Some(n) = b.get("name").and_then(Value::as_str) {
        if normalize_name(n) != set.name {
            return Err(dns(400, "DNS.0304", "Invalid record set name."));
        }
    }
    if let Some(t) = b.get("type").and_then(Value::as_str) {
        if !t.eq_ignore_ascii_case(set.rtype.as_str()) {
            return Err(dns(400, "DNS.0307", "Invalid record set type."));
        }
    }
    let ttl = ttl_of(b, set.ttl)?;
    let records = if b.get("records").is_some() {
        records_of(b, set.rtype)?
    } else {
        set.records.clone()
    };
    z.replace_set(
        &zone.name,
        &set.name,
        set.rtype,
        records.iter().map(|d| (d.clone(), ttl)).collect(),
    )
    .map_err(|_| dns(400, "DNS.0308", "Invalid record value."))?;
    let set = Set {
        ttl,
        records,
        ..set
    };
    Ok(set_json(&zone, &set, "PENDING_UPDATE"))
}

fn delete_set(z: &mut Zones, zid: &str, rid: &str) -> Result<Value, Fail> {
    let (zone, set) = find_set(z, zid, rid)?;
    if set.name == zone.name && matches!(set.rtype, RrType::SOA | RrType::NS) {
        return Err(dns(
            400,
            "DNS.0324",
            "The default record set cannot be deleted.",
        ));
    }
    z.replace_set(&zone.name, &set.name, set.rtype, Vec::new())
        .map_err(|_| dns(500, "DNS.0001", "Internal error."))?;
    Ok(set_json(&zone, &set, "PENDING_DELETE"))
}

fn request_id() -> String {
    let r: u128 = rand::random();
    format!("{r:032x}")
}

impl Vendor for HuaweiCloud {
    fn name(&self) -> &'static str {
        "huaweicloud"
    }

    fn is_write(&self, req: &HttpRequest) -> bool {
        req.method != "GET"
    }

    fn handle(&self, req: &HttpRequest) -> HttpResponse {
        let (status, body) = match self.dispatch(req) {
            Ok(ok) => ok,
            Err(Fail(status, body)) => (status, body),
        };
        let now = UNIX_EPOCH + Duration::from_secs(self.now().max(0) as u64);
        HttpResponse::json(status, &body)
            .header("date", &httpdate::fmt_http_date(now))
            .header("x-request-id", &request_id())
    }

    fn rate_limited(&self, _retry_after_secs: u64) -> HttpResponse {
        HttpResponse::json(
            429,
            &json!({ "error_msg": "The throttling threshold has been reached: policy user over ratelimit", "error_code": "APIGW.0308", "request_id": request_id() }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_dates() {
        assert_eq!(parse_sdk_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_sdk_date("20060102T150405Z"), Some(1_136_214_245));
        assert_eq!(parse_sdk_date("20000229T115959Z"), Some(951_825_599));
        assert_eq!(parse_sdk_date("2006-01-02T15:04"), None);
    }

    /// The Go SDK's signer test vector, checked by this emulator's own verifier.
    #[test]
    fn verifies_the_go_sdk_vector() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-sdk-date", "20060102T150405Z".parse().unwrap());
        let req = HttpRequest {
            method: "GET".into(),
            path: "/path".into(),
            query: "limit=1".into(),
            headers,
            body: Default::default(),
        };
        let auth = Authorization::parse("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624").unwrap();
        assert_eq!(
            expected_signature(&req, &auth, "SecretKey").as_deref(),
            Some(auth.signature.as_str())
        );
    }
}

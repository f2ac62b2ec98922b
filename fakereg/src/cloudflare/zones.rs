//! `GET /zones` and the zone object (providers-api.md §2.2, §2.8 E).

use serde_json::{json, Value};

use super::envelope::{success_page, CfError};
use crate::clock::rfc3339_micros;
use crate::http::{HttpRequest, HttpResponse};
use crate::ids;
use crate::options::CfToken;
use crate::store::{Zone, Zones};

/// Zones list: `name` (exact), `status`, `page`, `per_page` (5..=50, default 20); only the
/// zones the token may use. Other parameters are accepted and ignored.
pub(super) fn list(z: &Zones, token: &CfToken, req: &HttpRequest) -> Result<HttpResponse, CfError> {
    let mut name = None;
    let mut status = None;
    let mut page = 1usize;
    let mut per_page = 20usize;
    for (k, v) in req.query_pairs() {
        match k.as_str() {
            "name" => name = Some(crate::rdata::normalize_name(&v)),
            "status" => status = Some(v),
            "page" => page = number(&k, &v)?.max(1),
            "per_page" => per_page = number(&k, &v)?.clamp(5, 50),
            _ => {}
        }
    }
    let all: Vec<Value> = z
        .zones()
        .filter(|zone| token.may_edit(&zone.name))
        .filter(|zone| name.as_deref().is_none_or(|n| zone.name == n))
        .filter(|_| status.as_deref().is_none_or(|s| s == "active"))
        .map(|zone| render(z, zone))
        .collect();
    Ok(success_page(all, page, per_page))
}

pub(super) fn number(key: &str, v: &str) -> Result<usize, CfError> {
    v.parse()
        .map_err(|_| CfError::validation(&format!("{key} must be a positive integer")))
}

/// The zone object.
pub(super) fn render(z: &Zones, zone: &Zone) -> Value {
    let ns = z.name_servers(&zone.name);
    json!({
        "id": zone.hex_id(),
        "name": zone.name,
        "status": "active",
        "paused": false,
        "type": "full",
        "development_mode": 0,
        "name_servers": ns,
        "original_name_servers": null,
        "original_registrar": null,
        "original_dnshost": null,
        "modified_on": rfc3339_micros(zone.modified),
        "created_on": rfc3339_micros(zone.created),
        "activated_on": rfc3339_micros(zone.created),
        "vanity_name_servers": [],
        "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": false},
        "owner": {"id": null, "type": "user", "email": null},
        "account": {"id": ids::hex_id(1), "name": "mxddns fake account"},
        "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read"],
        "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0, "currency": "USD", "frequency": "", "is_subscribed": false, "can_subscribe": false, "legacy_id": "free", "legacy_discount": false, "externally_managed": false},
    })
}

//! Cloudflare API v4 emulator (providers-api.md §2), served under `/client/v4` on its own
//! listener. Independent of the `mxddns-providers` client on purpose: a wrong field name on
//! either side fails a test instead of agreeing with itself.
//!
//! Order of checks for a request: route (7000/7001) → credentials (9106, 6003/6111, 9109) →
//! per-token rate limit (971) → zone id (7003) → token permission (10000) → record id (7003,
//! 81044) → body (9207, 9005/9006/9021/…, 81053/81054/81058).

mod envelope;
mod records;
mod zones;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::http::{HttpRequest, HttpResponse, Vendor};
use crate::ids;
use crate::options::{CfToken, CloudflareOptions};
use crate::store::{Store, Zone, Zones};
use envelope::CfError;

/// The emulator's state: the shared store, the configured tokens and the rate-limit windows.
pub(crate) struct Cloudflare {
    store: Store,
    opts: CloudflareOptions,
    /// Per token: start of the current window and requests counted in it.
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

enum Route<'a> {
    Verify,
    Zones,
    Zone(&'a str),
    Records(&'a str),
    Record(&'a str, &'a str),
}

impl Cloudflare {
    pub(crate) fn new(store: Store, opts: CloudflareOptions) -> Self {
        Cloudflare {
            store,
            opts,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn dispatch(&self, req: &HttpRequest) -> Result<HttpResponse, CfError> {
        let route = route(&req.path).ok_or_else(CfError::no_route)?;
        let allowed: &[&str] = match route {
            Route::Verify | Route::Zones | Route::Zone(_) => &["GET"],
            Route::Records(_) => &["GET", "POST"],
            Route::Record(..) => &["GET", "PUT", "PATCH", "DELETE"],
        };
        if !allowed.contains(&req.method.as_str()) {
            return Err(CfError::new(
                405,
                7001,
                &format!("Method {} not available for that URI.", req.method),
            ));
        }
        let token = self.authenticate(req, matches!(route, Route::Verify))?;
        self.count(token)?;
        match route {
            Route::Verify => Ok(verify(token)),
            Route::Zones => {
                if !token.read_zones {
                    return Err(forbidden());
                }
                self.store.with(|z| zones::list(z, token, req))
            }
            Route::Zone(zid) => self.store.with(|z| {
                let zone = zone(z, token, zid, &req.path)?;
                Ok(envelope::success(zones::render(z, &zone)))
            }),
            Route::Records(zid) => self.store.with(|z| {
                let zone = zone(z, token, zid, &req.path)?;
                match req.method.as_str() {
                    "POST" => records::create(z, &zone, req),
                    _ => records::list(z, &zone, req),
                }
            }),
            Route::Record(zid, rid) => self.store.with(|z| {
                let zone = zone(z, token, zid, &req.path)?;
                if !ids::is_hex32(rid) {
                    return Err(CfError::no_route_for_id(&req.path));
                }
                // Well-formed but not one of ours: an unknown record (81044).
                records::one(z, &zone, ids::parse_hex_id(rid), req)
            }),
        }
    }

    /// Finds the token of the request, or the error Cloudflare gives.
    fn authenticate(&self, req: &HttpRequest, verify: bool) -> Result<&CfToken, CfError> {
        let Some(auth) = req.header("authorization") else {
            let legacy = req.header("x-auth-key").is_some() || req.header("x-auth-email").is_some();
            return Err(match (legacy, verify) {
                (true, true) => CfError::new(400, 1001, "Missing \"Authorization\" header"),
                // The emulator knows no global API keys.
                (true, false) => CfError::new(403, 9103, "Unknown X-Auth-Key or X-Auth-Email"),
                (false, _) => CfError::new(
                    400,
                    9106,
                    "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
                ),
            });
        };
        let malformed = || {
            CfError::chained(
                400,
                6003,
                "Invalid request headers",
                &[(6111, "Invalid format for Authorization header")],
            )
        };
        let (scheme, token) = auth.split_once(' ').ok_or_else(malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") || !well_formed(token) {
            return Err(malformed());
        }
        self.opts
            .tokens
            .iter()
            .find(|t| t.token.expose() == token)
            .ok_or_else(|| {
                if verify {
                    CfError::new(401, 1000, "Invalid API Token")
                } else {
                    CfError::new(403, 9109, "Invalid access token")
                }
            })
    }

    /// Counts one request against the token's window: 429/971 once the window is full, until
    /// it ends.
    fn count(&self, token: &CfToken) -> Result<(), CfError> {
        let limit = &self.opts.rate_limit;
        let window = Duration::from_secs(limit.window_secs.max(1));
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows
            .entry(token.token.expose().to_string())
            .or_insert((now, 0));
        if now.duration_since(w.0) >= window {
            *w = (now, 0);
        }
        if w.1 >= limit.requests {
            let left = window.saturating_sub(now.duration_since(w.0));
            return Err(CfError::rate_limited(
                left.as_secs_f64().ceil().max(1.0) as u64
            ));
        }
        w.1 += 1;
        Ok(())
    }
}

impl Vendor for Cloudflare {
    fn name(&self) -> &'static str {
        "cloudflare"
    }

    fn is_write(&self, req: &HttpRequest) -> bool {
        matches!(req.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }

    fn handle(&self, req: &HttpRequest) -> HttpResponse {
        self.dispatch(req).unwrap_or_else(CfError::into_response)
    }

    fn rate_limited(&self, retry_after_secs: u64) -> HttpResponse {
        CfError::rate_limited(retry_after_secs).into_response()
    }
}

fn route(path: &str) -> Option<Route<'_>> {
    let rest = path.strip_prefix("/client/v4/")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    Some(match segs.as_slice() {
        ["user", "tokens", "verify"] => Route::Verify,
        ["zones"] => Route::Zones,
        ["zones", z] if !z.is_empty() => Route::Zone(z),
        ["zones", z, "dns_records"] if !z.is_empty() => Route::Records(z),
        ["zones", z, "dns_records", r] if !z.is_empty() && !r.is_empty() => Route::Record(z, r),
        _ => return None,
    })
}

/// The usual look of a Cloudflare API token (providers-api.md §2.5: `^[A-Za-z0-9_-]{40}$`).
pub(crate) fn well_formed(token: &str) -> bool {
    token.len() == 40
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn forbidden() -> CfError {
    CfError::new(403, 10000, "Authentication error")
}

/// The zone behind `zid` that `token` may use.
fn zone(z: &Zones, token: &CfToken, zid: &str, path: &str) -> Result<Zone, CfError> {
    let zone = ids::parse_hex_id(zid)
        .and_then(|id| z.zone_by_id(id))
        .cloned()
        .ok_or_else(|| CfError::no_route_for_id(path))?;
    if token.may_edit(&zone.name) {
        Ok(zone)
    } else {
        Err(forbidden())
    }
}

fn verify(token: &CfToken) -> HttpResponse {
    let digest = Sha256::digest(token.token.expose().as_bytes());
    HttpResponse::json(
        200,
        &json!({
            "result": {"id": hex::encode(&digest[..16]), "status": "active"},
            "success": true,
            "errors": [],
            "messages": [{"code": 10000, "message": "This API Token is valid and active", "type": null}],
        }),
    )
}

//! GoDaddy Domains API v1 emulator (providers-api.md §3), served at `/v1/domains/...` on its
//! own listener. Independent of the `mxddns-providers` client on purpose: a wrong field name on
//! either side fails a test instead of agreeing with itself.
//!
//! Order of checks for a request: route (404) → credentials (401 `MISSING_CREDENTIALS`,
//! `MALFORMED_CREDENTIALS`, `UNABLE_TO_AUTHENTICATE`) → rate limit per key and endpoint (429
//! `TOO_MANY_REQUESTS` with `retryAfterSec`) → account restriction (403 `ACCESS_DENIED`) →
//! domain format (422 `MISMATCH_FORMAT` at `path.domain`) → domain in the account (404
//! `NOT_FOUND` on the domain endpoint, 422 `UNKNOWN_DOMAIN` on the records endpoints) → path
//! type and name → body (422 `INVALID_BODY` with `fields`).

mod errors;
mod records;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::clock::rfc3339_secs;
use crate::http::{HttpRequest, HttpResponse, Vendor};
use crate::options::{GdKey, GdRestriction, GoDaddyOptions};
use crate::rdata::normalize_name;
use crate::store::{Store, Zone, Zones};
use errors::{json_ok, GdError};
use records::Scope;

/// The emulator's state: the shared store, the configured keys and the rate-limit windows.
pub(crate) struct GoDaddy {
    store: Store,
    opts: GoDaddyOptions,
    /// Per (key, endpoint): start of the current window and requests counted in it.
    windows: Mutex<HashMap<WindowKey, (Instant, u32)>>,
}

/// A rate-limit bucket: the API key and the endpoint.
type WindowKey = (String, &'static str);

/// A request's path, decoded.
enum Route {
    Domain(String),
    Records(String),
    RecordsOfType(String, String),
    RecordSet(String, String, String),
}

impl Route {
    fn domain(&self) -> &str {
        match self {
            Route::Domain(d)
            | Route::Records(d)
            | Route::RecordsOfType(d, _)
            | Route::RecordSet(d, _, _) => d,
        }
    }

    /// The endpoint (method and path template) the rate limit counts against; `None` when
    /// the API has no such method there.
    fn endpoint(&self, method: &str) -> Option<&'static str> {
        Some(match (self, method) {
            (Route::Domain(_), "GET") => "GET /v1/domains/{domain}",
            (Route::Records(_), "GET") => "GET /v1/domains/{domain}/records",
            (Route::Records(_), "PUT") => "PUT /v1/domains/{domain}/records",
            (Route::Records(_), "PATCH") => "PATCH /v1/domains/{domain}/records",
            (Route::RecordsOfType(..), "GET") => "GET /v1/domains/{domain}/records/{type}",
            (Route::RecordsOfType(..), "PUT") => "PUT /v1/domains/{domain}/records/{type}",
            (Route::RecordSet(..), "GET") => "GET /v1/domains/{domain}/records/{type}/{name}",
            (Route::RecordSet(..), "PUT") => "PUT /v1/domains/{domain}/records/{type}/{name}",
            (Route::RecordSet(..), "DELETE") => "DELETE /v1/domains/{domain}/records/{type}/{name}",
            _ => return None,
        })
    }
}

impl GoDaddy {
    pub(crate) fn new(store: Store, opts: GoDaddyOptions) -> Self {
        GoDaddy {
            store,
            opts,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn dispatch(&self, req: &HttpRequest) -> Result<HttpResponse, GdError> {
        let route = route(&req.path).ok_or_else(GdError::no_route)?;
        let endpoint = route.endpoint(&req.method).ok_or_else(GdError::no_route)?;
        let key = self.authenticate(req)?;
        self.count(key, endpoint)?;
        let denied = match key.restriction {
            GdRestriction::None => false,
            GdRestriction::SmallAccount => true,
            GdRestriction::ReadsDenied => req.method == "GET",
            GdRestriction::DomainDetailsDenied => matches!(route, Route::Domain(_)),
        };
        if denied {
            return Err(GdError::access_denied());
        }
        let domain = route.domain();
        if !well_formed_domain(domain) {
            return Err(GdError::invalid_field(
                "MISMATCH_FORMAT",
                "path.domain",
                "does not conform to the 'domain' format, based on pattern: /^[^.]{1,63}(\\.[^.]{1,63})+$/",
            ));
        }
        let domain = normalize_name(domain);
        self.store.with(|z| {
            let zone = z
                .zone(&domain)
                .filter(|zone| key.owns(&zone.name))
                .cloned()
                .ok_or_else(|| match route {
                    Route::Domain(_) => GdError::domain_not_found(&domain),
                    _ => GdError::unknown_domain(),
                })?;
            match (&route, req.method.as_str()) {
                (Route::Domain(_), _) => Ok(details(z, &zone)),
                (Route::Records(_), "GET") => records::get(z, &zone, &Scope::Zone, req),
                (Route::Records(_), "PATCH") => records::patch(z, &zone, req),
                (Route::Records(_), _) => records::put(z, &zone, &Scope::Zone, req),
                (Route::RecordsOfType(_, t), "GET") => records::get(z, &zone, &Scope::Type(t), req),
                (Route::RecordsOfType(_, t), _) => records::put(z, &zone, &Scope::Type(t), req),
                (Route::RecordSet(_, t, n), "GET") => {
                    records::get(z, &zone, &Scope::Set(t, n), req)
                }
                (Route::RecordSet(_, t, n), "DELETE") => records::delete(z, &zone, t, n),
                (Route::RecordSet(_, t, n), _) => records::put(z, &zone, &Scope::Set(t, n), req),
            }
        })
    }

    /// The key of `Authorization: sso-key KEY:SECRET`, or GoDaddy's 401.
    fn authenticate(&self, req: &HttpRequest) -> Result<&GdKey, GdError> {
        let auth = req
            .header("authorization")
            .ok_or_else(GdError::missing_credentials)?;
        let (scheme, creds) = auth
            .trim()
            .split_once(' ')
            .ok_or_else(GdError::malformed_credentials)?;
        let (key, secret) = creds
            .trim()
            .split_once(':')
            .filter(|(k, s)| !k.is_empty() && !s.is_empty())
            .ok_or_else(GdError::malformed_credentials)?;
        if !scheme.eq_ignore_ascii_case("sso-key") {
            return Err(GdError::malformed_credentials());
        }
        self.opts
            .keys
            .iter()
            .find(|k| k.key.expose() == key && k.secret.expose() == secret)
            .ok_or_else(GdError::unable_to_authenticate)
    }

    /// Counts one request of `key` against `endpoint`'s window: 429 once it is full.
    fn count(&self, key: &GdKey, endpoint: &'static str) -> Result<(), GdError> {
        let limit = &self.opts.rate_limit;
        let window = Duration::from_secs(limit.window_secs.max(1));
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows
            .entry((key.key.expose().to_string(), endpoint))
            .or_insert((now, 0));
        if now.duration_since(w.0) >= window {
            *w = (now, 0);
        }
        if w.1 >= limit.requests {
            let left = window.saturating_sub(now.duration_since(w.0));
            let after = limit
                .retry_after_secs
                .unwrap_or_else(|| left.as_secs_f64().ceil().max(1.0) as u64);
            return Err(GdError::too_many_requests(after));
        }
        w.1 += 1;
        Ok(())
    }
}

impl Vendor for GoDaddy {
    fn name(&self) -> &'static str {
        "godaddy"
    }

    fn is_write(&self, req: &HttpRequest) -> bool {
        matches!(req.method.as_str(), "PUT" | "PATCH" | "DELETE" | "POST")
    }

    fn handle(&self, req: &HttpRequest) -> HttpResponse {
        self.dispatch(req).unwrap_or_else(GdError::into_response)
    }

    fn rate_limited(&self, retry_after_secs: u64) -> HttpResponse {
        GdError::too_many_requests(retry_after_secs).into_response()
    }
}

fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v1/domains/")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<String> = rest
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    if segs.iter().any(String::is_empty) {
        return None;
    }
    let mut it = segs.into_iter();
    let domain = it.next()?;
    Some(
        match (it.next().as_deref(), it.next(), it.next(), it.next()) {
            (None, ..) => Route::Domain(domain),
            (Some("records"), None, ..) => Route::Records(domain),
            (Some("records"), Some(t), None, _) => Route::RecordsOfType(domain, t),
            (Some("records"), Some(t), Some(n), None) => Route::RecordSet(domain, t, n),
            _ => return None,
        },
    )
}

/// GoDaddy's `domain` pattern: `/^[^.]{1,63}(\.[^.]{1,63})+$/` (2018 answer in
/// `josteink/le-godaddy-dns#26`).
fn well_formed_domain(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    labels.len() >= 2 && labels.iter().all(|l| (1..=63).contains(&l.len()))
}

/// `GET /v1/domains/{domain}`: the domain's details (the fields clients read, LEX).
fn details(z: &Zones, zone: &Zone) -> HttpResponse {
    let ms = |t: SystemTime| rfc3339_secs(t).replace('Z', ".000Z");
    let expires = zone.created + Duration::from_secs(365 * 86_400);
    json_ok(&json!({
        "createdAt": ms(zone.created),
        "domain": zone.name,
        "domainId": zone.id,
        "expirationProtected": false,
        "expires": ms(expires),
        "holdRegistrar": false,
        "locked": true,
        "nameServers": z.name_servers(&zone.name),
        "privacy": false,
        "renewAuto": true,
        "renewDeadline": ms(expires + Duration::from_secs(30 * 86_400)),
        "renewable": true,
        "status": "ACTIVE",
        "transferProtected": false,
    }))
}

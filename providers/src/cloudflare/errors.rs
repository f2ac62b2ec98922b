//! Cloudflare's error answers → [`ProviderError`]s that name the code and say what to fix.
//!
//! Codes and texts are those observed in real answers (providers-api.md §2.5). A wrapper
//! code (`6003 Invalid request headers`, `1004 DNS Validation Error`) carries its root
//! cause in `error_chain`; the innermost code we know decides the kind.

use super::client::Call;
use super::types::{ApiError, Head};
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use crate::http::{self, Response};
use reqwest::StatusCode;
use std::time::Duration;

const HINT_NO_CREDENTIALS: &str = "No API token reached Cloudflare: set api_token for this \
provider (a proxy in between may also have stripped the Authorization header)";
const HINT_MALFORMED: &str = "The api_token is not a Cloudflare API token: copy it again \
(a Global API Key is not supported; create an API token under My Profile → API Tokens)";
const HINT_REVOKED: &str = "The api_token is unknown to Cloudflare, expired or revoked: \
create a new API token (My Profile → API Tokens) and configure it";
const HINT_IP_FILTER: &str = "The api_token's Client IP Address Filtering excludes this \
network's address: allow it (it changes with the ISP's address) or remove the filter";
const HINT_CNAME_CONFLICT: &str = "A name holds either a CNAME record or A/AAAA records, \
not both: delete the conflicting record in the Cloudflare dashboard, or set the domain's \
type: to the one that exists";
const HINT_TTL: &str = "Set ttl to 1 (automatic) or between 60 and 86400 seconds";
const HINT_FREE_TLD: &str = "Cloudflare does not allow API changes to .cf, .ga, .gq, .ml \
and .tk domains: change this record in the Cloudflare dashboard";
const HINT_RECORD_GONE: &str = "The record was changed or deleted at Cloudflare since it \
was read; it is looked up again";

/// The codes of an "identical record already exists" answer to a write.
const IDENTICAL: [i64; 2] = [81058, 81057];

/// Whether a failed answer only says the record already holds what we asked for.
pub(super) fn is_identical(head: &Head) -> bool {
    flatten(head)
        .iter()
        .any(|(code, _)| code.is_some_and(|c| IDENTICAL.contains(&c)))
}

/// The error for a decoded envelope that is a failure (`success: false` or a non-2xx
/// status).
pub(super) fn api_error(resp: &Response, head: &Head, call: &Call<'_>) -> ProviderError {
    let status = resp.status;
    let retry_after = resp.retry_after();
    let message = format!("{}: HTTP {status}: {}", call.what, describe(head));
    let (kind, hint) = classify(status, &flatten(head), call, retry_after);
    let err = ProviderError::new(PROVIDER, kind, message)
        .with_retry_after(retry_after)
        .maybe_applied(call.write && status.is_server_error());
    match hint {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

/// The error for an answer that is not a v4 envelope at all (an HTML error page from a
/// proxy, a truncated body).
pub(super) fn not_envelope(resp: &Response, call: &Call<'_>) -> ProviderError {
    let retry_after = resp.retry_after();
    let mut err = if resp.status == StatusCode::TOO_MANY_REQUESTS {
        ProviderError::new(
            PROVIDER,
            ErrorKind::RateLimited,
            format!(
                "HTTP {}: too many requests: {}",
                resp.status,
                http::excerpt(&resp.body)
            ),
        )
        .with_hint(rate_hint(retry_after))
    } else {
        http::unparseable(
            PROVIDER,
            resp.status,
            &resp.body,
            "a Cloudflare API v4 answer",
        )
    };
    err.message = format!("{}: {}", call.what, err.message);
    // A write that got a 2xx (or a gateway error) may have been applied all the same.
    let unsure = resp.status.is_success() || resp.status.is_server_error();
    err.with_retry_after(retry_after)
        .maybe_applied(call.write && unsure)
}

/// The error for a success envelope whose `result` is missing or not what we expect.
pub(super) fn wrong_shape(resp: &Response, call: &Call<'_>, problem: &str) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Protocol,
        format!(
            "{}: HTTP {}: the result is not what Cloudflare API v4 returns ({problem}): {}",
            call.what,
            resp.status,
            http::excerpt(&resp.body)
        ),
    )
    .maybe_applied(call.write)
}

/// Every `(code, message)` of the answer, root causes (`error_chain`) before the error
/// that wraps them.
fn flatten(head: &Head) -> Vec<(Option<i64>, &str)> {
    fn walk<'a>(errors: &'a [ApiError], out: &mut Vec<(Option<i64>, &'a str)>) {
        for e in errors {
            if let Some(chain) = &e.error_chain {
                walk(chain, out);
            }
            out.push((e.code, e.message.as_deref().unwrap_or("")));
        }
    }
    let mut out = Vec::new();
    walk(head.errors.as_deref().unwrap_or(&[]), &mut out);
    out
}

/// `code 6003: Invalid request headers (code 6111: Invalid format for Authorization
/// header)`; several errors are joined with `; `.
fn describe(head: &Head) -> String {
    fn one(e: &ApiError, out: &mut String) {
        match e.code {
            Some(code) => out.push_str(&format!("code {code}")),
            None => out.push_str("no code"),
        }
        let msg = clean(e.message.as_deref().unwrap_or(""));
        if !msg.is_empty() {
            out.push_str(": ");
            out.push_str(&msg);
        }
        if let Some(chain) = e.error_chain.as_deref().filter(|c| !c.is_empty()) {
            out.push_str(" (");
            for (i, c) in chain.iter().enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                one(c, out);
            }
            out.push(')');
        }
    }
    let errors = head.errors.as_deref().unwrap_or(&[]);
    if errors.is_empty() {
        return "the answer says it failed but gives no error".to_string();
    }
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        one(e, &mut out);
    }
    out
}

/// A vendor message made safe for one log line: control characters become spaces, at
/// most 200 characters, no trailing period (the hint follows after ". ").
fn clean(msg: &str) -> String {
    let mut out: String = msg
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    if msg.chars().count() > 200 {
        out.push('…');
    }
    out.trim().trim_end_matches('.').trim_end().to_string()
}

fn classify(
    status: StatusCode,
    codes: &[(Option<i64>, &str)],
    call: &Call<'_>,
    retry_after: Option<Duration>,
) -> (ErrorKind, Option<String>) {
    let has = |wanted: &[i64]| {
        codes
            .iter()
            .any(|(c, _)| c.is_some_and(|c| wanted.contains(&c)))
    };
    if status == StatusCode::TOO_MANY_REQUESTS || has(&[971, 10100]) {
        return (ErrorKind::RateLimited, Some(rate_hint(retry_after)));
    }
    if status.is_server_error() {
        return (ErrorKind::Transient, None);
    }
    for (code, message) in codes {
        if let Some(found) = code.and_then(|c| by_code(c, message, call)) {
            return found;
        }
    }
    by_status(status, call)
}

fn by_code(code: i64, message: &str, call: &Call<'_>) -> Option<(ErrorKind, Option<String>)> {
    let auth = |hint: &str| Some((ErrorKind::Auth, Some(hint.to_string())));
    match code {
        9106 | 1001 => auth(HINT_NO_CREDENTIALS),
        6003 | 6111 | 6102 | 6103 => auth(HINT_MALFORMED),
        9109 if message.to_ascii_lowercase().contains("location") => auth(HINT_IP_FILTER),
        9109 | 1000 => auth(HINT_REVOKED),
        10000 => Some((ErrorKind::Permission, Some(permission_hint(call)))),
        81044 => Some((
            ErrorKind::RecordNotFound,
            Some(HINT_RECORD_GONE.to_string()),
        )),
        7003 | 7000 if call.record_path => Some((
            ErrorKind::RecordNotFound,
            Some(HINT_RECORD_GONE.to_string()),
        )),
        7003 | 7000 => Some((ErrorKind::ZoneNotFound, Some(zone_gone_hint(call)))),
        81053 | 81054 => Some((ErrorKind::Invalid, Some(HINT_CNAME_CONFLICT.to_string()))),
        9021 => Some((ErrorKind::Invalid, Some(HINT_TTL.to_string()))),
        9005 | 9006 | 1004 | 81057 | 81058 => Some((ErrorKind::Invalid, None)),
        1038 => Some((ErrorKind::Permission, Some(HINT_FREE_TLD.to_string()))),
        _ => None,
    }
}

/// For codes we do not know: what the HTTP status says.
fn by_status(status: StatusCode, call: &Call<'_>) -> (ErrorKind, Option<String>) {
    match status {
        StatusCode::UNAUTHORIZED => (ErrorKind::Auth, Some(HINT_REVOKED.to_string())),
        StatusCode::FORBIDDEN => (ErrorKind::Permission, Some(permission_hint(call))),
        StatusCode::NOT_FOUND if call.record_path => (
            ErrorKind::RecordNotFound,
            Some(HINT_RECORD_GONE.to_string()),
        ),
        _ => (ErrorKind::Invalid, None),
    }
}

fn permission_hint(call: &Call<'_>) -> String {
    let zone = match call.zone {
        Some(z) => format!("zone {z}"),
        None => "this zone".to_string(),
    };
    format!(
        "Give the api_token \"Zone → DNS → Edit\" and \"Zone → Zone → Read\" for {zone} \
(My Profile → API Tokens → Edit; Zone Resources must include the zone)"
    )
}

fn zone_gone_hint(call: &Call<'_>) -> String {
    let zone = call.zone.unwrap_or("the zone");
    format!(
        "Cloudflare no longer knows this zone id: {zone} was removed from the account or \
added again (which gives it a new id); check it in the Cloudflare dashboard"
    )
}

fn rate_hint(retry_after: Option<Duration>) -> String {
    let wait = match retry_after {
        Some(d) => format!("wait {}s", d.as_secs()),
        None => "wait for the 5-minute window to pass".to_string(),
    };
    format!(
        "Cloudflare allows 1200 API requests per 5 minutes per user, shared with the \
dashboard and other tools: {wait}"
    )
}

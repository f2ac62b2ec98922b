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
use rust_i18n::t;
use std::borrow::Cow;
use std::time::Duration;

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
            t!(
                "cloudflare.too_many",
                status = resp.status,
                excerpt = http::excerpt(&resp.body)
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
        t!(
            "cloudflare.wrong_shape",
            what = call.what,
            status = resp.status,
            problem = problem,
            excerpt = http::excerpt(&resp.body)
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
            None => out.push_str(&t!("cloudflare.no_code")),
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
        return t!("cloudflare.no_error").into_owned();
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
    let auth = |hint: Cow<str>| Some((ErrorKind::Auth, Some(hint.into_owned())));
    match code {
        9106 | 1001 => auth(t!("cloudflare.no_credentials")),
        6003 | 6111 | 6102 | 6103 => auth(t!("cloudflare.malformed")),
        9109 if message.to_ascii_lowercase().contains("location") => {
            auth(t!("cloudflare.ip_filter"))
        }
        9109 | 1000 => auth(t!("cloudflare.revoked")),
        10000 => Some((ErrorKind::Permission, Some(permission_hint(call)))),
        81044 => Some((
            ErrorKind::RecordNotFound,
            Some(t!("cloudflare.record_gone").into()),
        )),
        7003 | 7000 if call.record_path => Some((
            ErrorKind::RecordNotFound,
            Some(t!("cloudflare.record_gone").into()),
        )),
        7003 | 7000 => Some((ErrorKind::ZoneNotFound, Some(zone_gone_hint(call)))),
        81053 | 81054 => Some((
            ErrorKind::Invalid,
            Some(t!("cloudflare.cname_conflict").into()),
        )),
        9021 => Some((ErrorKind::Invalid, Some(t!("cloudflare.ttl").into()))),
        9005 | 9006 | 1004 | 81057 | 81058 => Some((ErrorKind::Invalid, None)),
        1038 => Some((
            ErrorKind::Permission,
            Some(t!("cloudflare.free_tld").into()),
        )),
        _ => None,
    }
}

/// For codes we do not know: what the HTTP status says.
fn by_status(status: StatusCode, call: &Call<'_>) -> (ErrorKind, Option<String>) {
    match status {
        StatusCode::UNAUTHORIZED => (ErrorKind::Auth, Some(t!("cloudflare.revoked").into())),
        StatusCode::FORBIDDEN => (ErrorKind::Permission, Some(permission_hint(call))),
        StatusCode::NOT_FOUND if call.record_path => (
            ErrorKind::RecordNotFound,
            Some(t!("cloudflare.record_gone").into()),
        ),
        _ => (ErrorKind::Invalid, None),
    }
}

fn permission_hint(call: &Call<'_>) -> String {
    let zone = match call.zone {
        Some(z) => t!("cloudflare.zone.named", zone = z),
        None => t!("cloudflare.zone.this"),
    };
    t!("cloudflare.permission", zone = zone).into_owned()
}

fn zone_gone_hint(call: &Call<'_>) -> String {
    let zone = match call.zone {
        Some(z) => Cow::Borrowed(z),
        None => t!("cloudflare.zone_gone.default"),
    };
    t!("cloudflare.zone_gone", zone = zone).into_owned()
}

fn rate_hint(retry_after: Option<Duration>) -> String {
    let wait = match retry_after {
        Some(d) => t!("cloudflare.rate.wait", secs = d.as_secs()),
        None => t!("cloudflare.rate.window"),
    };
    t!("cloudflare.rate", wait = wait).into_owned()
}

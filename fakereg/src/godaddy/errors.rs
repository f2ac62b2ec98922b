//! GoDaddy's error body `{code, fields?, message, retryAfterSec?}` (providers-api.md §3.4) and
//! the response headers GoDaddy sends (§3.7, §3.9 item 7).
//!
//! Keys are written in alphabetical order, as GoDaddy writes them. The gateway's answers (401,
//! 429) end without a newline (the recorded 401 is exactly 98 bytes); the application's answers
//! (403, 404, 409, 422 and every JSON success body) end with `\n` (the recorded 404 is 88 bytes
//! plus the newline).

use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;

use crate::http::HttpResponse;

/// The message of every schema failure (422 `INVALID_BODY`).
pub(super) const INVALID_BODY_MESSAGE: &str =
    "Request body doesn't fulfill schema, see details in `fields`";

/// One entry of `fields[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(super) struct Field {
    pub code: String,
    pub message: String,
    pub path: String,
}

impl Field {
    pub fn new(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Field {
            code: code.to_string(),
            message: message.into(),
            path: path.into(),
        }
    }
}

/// The body, fields in GoDaddy's (alphabetical) order.
#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [Field]>,
    message: &'a str,
    #[serde(rename = "retryAfterSec", skip_serializing_if = "Option::is_none")]
    retry_after_sec: Option<u64>,
}

/// A refused request.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct GdError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<Field>,
    pub retry_after_sec: Option<u64>,
    /// Whether the body ends with a newline (application answers do, gateway answers do not).
    newline: bool,
}

impl GdError {
    /// An application-level error (body ends with a newline).
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        GdError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after_sec: None,
            newline: true,
        }
    }

    /// An error from GoDaddy's gateway (body without a trailing newline).
    fn gateway(status: u16, code: &'static str, message: &str) -> Self {
        GdError {
            newline: false,
            ..Self::new(status, code, message)
        }
    }

    /// 401: no `Authorization` header.
    pub fn missing_credentials() -> Self {
        Self::gateway(
            401,
            "MISSING_CREDENTIALS",
            "Unauthorized : Credentials must be specified",
        )
    }

    /// 401: the header is not `sso-key KEY:SECRET`.
    pub fn malformed_credentials() -> Self {
        Self::gateway(
            401,
            "MALFORMED_CREDENTIALS",
            "Unauthorized : API Key-Secret is malformed",
        )
    }

    /// 401: unknown key, or the wrong secret (also a production key used on OTE).
    pub fn unable_to_authenticate() -> Self {
        Self::gateway(
            401,
            "UNABLE_TO_AUTHENTICATE",
            "Unauthorized : Could not authenticate API key/secret",
        )
    }

    /// 403: the 2024 small-account restriction.
    pub fn access_denied() -> Self {
        Self::new(
            403,
            "ACCESS_DENIED",
            "Authenticated user is not allowed access",
        )
    }

    /// 404 on `GET /v1/domains/{domain}` for a domain not in the account.
    pub fn domain_not_found(domain: &str) -> Self {
        Self::new(
            404,
            "NOT_FOUND",
            format!("Domain {domain} not found for shopper"),
        )
    }

    /// 422 on the records endpoints for a domain not in the account.
    pub fn unknown_domain() -> Self {
        Self::new(
            422,
            "UNKNOWN_DOMAIN",
            "The given domain is not registered, or does not have a zone file",
        )
    }

    /// 422 `INVALID_BODY` with these field errors.
    pub fn invalid_body(fields: Vec<Field>) -> Self {
        GdError {
            fields,
            ..Self::new(422, "INVALID_BODY", INVALID_BODY_MESSAGE)
        }
    }

    /// 422 `INVALID_BODY` with one field error.
    pub fn invalid_field(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid_body(vec![Field::new(code, path, message)])
    }

    /// 429 with `retryAfterSec` (the message is not confirmed by any recording).
    pub fn too_many_requests(retry_after_sec: u64) -> Self {
        GdError {
            retry_after_sec: Some(retry_after_sec),
            ..Self::gateway(
                429,
                "TOO_MANY_REQUESTS",
                "Too many requests received within interval",
            )
        }
    }

    /// A path that is not part of the API, or a method it does not take there.
    pub fn no_route() -> Self {
        Self::new(404, "NOT_FOUND", "The requested resource was not found")
    }

    pub fn into_response(self) -> HttpResponse {
        let body = Body {
            code: self.code,
            fields: (!self.fields.is_empty()).then_some(self.fields.as_slice()),
            message: &self.message,
            retry_after_sec: self.retry_after_sec,
        };
        let mut text = serde_json::to_vec(&body).unwrap_or_default();
        if self.newline {
            text.push(b'\n');
        }
        let resp = with_headers(HttpResponse::new(self.status, "application/json", text));
        match self.retry_after_sec {
            // GoDaddy documents only the body field; the header is sent too, as many
            // gateways do, so that clients reading either one are served.
            Some(s) => resp.header("retry-after", &s.to_string()),
            None => resp,
        }
    }
}

/// GoDaddy's usual headers on a reply.
pub(super) fn with_headers(resp: HttpResponse) -> HttpResponse {
    resp.header("cache-control", "max-age=0, no-cache, no-store")
        .header("pragma", "no-cache")
        .header("x-datacenter", "US_EAST_1")
        .header("x-request-id", &request_id())
}

/// A 200 with a JSON body followed by a newline.
pub(super) fn json_ok<T: Serialize>(value: &T) -> HttpResponse {
    let mut text = serde_json::to_vec(value).unwrap_or_default();
    text.push(b'\n');
    with_headers(HttpResponse::new(200, "application/json", text))
}

/// A success without a body and without `Content-Type` (PUT and PATCH answer 200 this way,
/// DELETE 204).
pub(super) fn empty(status: u16) -> HttpResponse {
    with_headers(HttpResponse {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    })
}

/// 22 random letters and digits, like GoDaddy's `X-Request-Id`.
fn request_id() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 22)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(e: GdError) -> String {
        String::from_utf8(e.into_response().body).unwrap()
    }

    #[test]
    fn bodies_match_the_recordings_byte_for_byte() {
        let unauth = body(GdError::unable_to_authenticate());
        assert_eq!(
            unauth,
            r#"{"code":"UNABLE_TO_AUTHENTICATE","message":"Unauthorized : Could not authenticate API key/secret"}"#
        );
        assert_eq!(unauth.len(), 98);
        let nf = body(GdError::domain_not_found("thisisadomainidonotown.com"));
        assert_eq!(nf.len(), 89);
        assert!(nf.ends_with("}\n"));
        assert_eq!(body(GdError::access_denied()).len(), 78);
        assert_eq!(
            body(GdError::invalid_field(
                "UNKNOWN_RESTRICTION",
                "records[0].ttl",
                "must have a minimum value of 600"
            )),
            "{\"code\":\"INVALID_BODY\",\"fields\":[{\"code\":\"UNKNOWN_RESTRICTION\",\"message\":\"must have a minimum value of 600\",\"path\":\"records[0].ttl\"}],\"message\":\"Request body doesn't fulfill schema, see details in `fields`\"}\n"
        );
        assert_eq!(
            body(GdError::too_many_requests(7)),
            r#"{"code":"TOO_MANY_REQUESTS","message":"Too many requests received within interval","retryAfterSec":7}"#
        );
    }

    #[test]
    fn empty_success_has_no_content_type() {
        let r = empty(200);
        assert!(r.body.is_empty());
        assert!(!r.headers.iter().any(|(k, _)| k == "content-type"));
        assert!(r
            .headers
            .iter()
            .any(|(k, v)| k == "x-request-id" && v.len() == 22));
    }
}

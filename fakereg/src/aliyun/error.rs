//! Alidns answers: the JSON error body `{RequestId, HostId, Code, Message, Recommend}` with
//! the HTTP status of providers-api.md §1.7, and the success wrapper.

use std::time::SystemTime;

use rand::Rng;
use serde_json::{json, Map, Value};

use crate::http::HttpResponse;

/// The `HostId` of every error body: the public endpoint's name.
const HOST_ID: &str = "alidns.aliyuncs.com";
/// As recorded (LEX aliyun cassettes).
pub(super) const CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A refused call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AliError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl AliError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        AliError {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// `Missing<Param>`: a required parameter is absent (gateway-generic form).
    pub fn missing(param: &str) -> Self {
        Self::new(
            400,
            &format!("Missing{param}"),
            format!("{param} is mandatory for this action."),
        )
    }

    /// `InvalidParameter` naming the parameter in the gateway's words (`Specified parameter
    /// TTL is not valid.`, libdns/alidns#6), and why when there is more to say.
    pub fn invalid(param: &str, why: &str) -> Self {
        let msg = if why.is_empty() {
            format!("Specified parameter {param} is not valid.")
        } else {
            format!("Specified parameter {param} is not valid: {why}")
        };
        Self::new(400, "InvalidParameter", msg)
    }

    /// A bad `RR` (`SubDomainInvalid.Value`, as reported in XAS-712/Aliyun_DDNS#8).
    pub fn bad_rr() -> Self {
        Self::new(
            400,
            "SubDomainInvalid.Value",
            "The DNS record is invalid or in the wrong format.",
        )
    }

    pub fn no_action() -> Self {
        Self::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )
    }

    pub fn incomplete_signature(why: &str) -> Self {
        Self::new(
            400,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards. {why}"),
        )
    }

    /// `Throttling.User`. Alidns answered 400 in the reports (`gardener/external-dns-management#71`);
    /// newer gateways use 429 (the `RateLimited` fault gives that form).
    pub fn throttled(status: u16) -> Self {
        Self::new(
            status,
            "Throttling.User",
            "Request was denied due to user flow control.",
        )
    }

    pub fn forbidden_ram() -> Self {
        Self::new(
            403,
            "Forbidden.RAM",
            "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
        )
    }

    pub fn domain_not_found() -> Self {
        Self::new(
            400,
            "InvalidDomainName.NoExist",
            "The specified domain name does not exist. Refresh the page and try again.",
        )
    }

    pub fn other_users_domain() -> Self {
        Self::new(
            400,
            "IncorrectDomainUser",
            "The domain name belongs to other users. Transfer the domain name to the current user and then try the binding and setting actions.",
        )
    }

    pub fn record_not_found() -> Self {
        Self::new(
            400,
            "DomainRecordNotBelongToUser",
            "The DNS record does not exist in your account",
        )
    }

    pub fn duplicate() -> Self {
        Self::new(
            400,
            "DomainRecordDuplicate",
            "The DNS record already exists.",
        )
    }

    /// The exact text is not known (providers-api.md §5, item 1); this follows the wording
    /// of the error maps that mention the code.
    pub fn conflict() -> Self {
        Self::new(
            400,
            "DomainRecordConflict",
            "The DNS record conflicts with other records.",
        )
    }

    pub fn ttl(min: u32) -> Self {
        Self::new(
            400,
            "QuotaExceeded.TTL",
            format!(
                "The specified TTL is invalid. A valid TTL must be in the range of {min} to 86400."
            ),
        )
    }

    /// The body and headers of this error; `now` is the server's clock (for `Date`).
    pub fn into_response(self, now: SystemTime) -> HttpResponse {
        let rid = request_id();
        let body = json!({
            "RequestId": rid,
            "HostId": HOST_ID,
            "Code": self.code,
            "Message": self.message,
            "Recommend": format!(
                "https://api.aliyun.com/troubleshoot?q={}&product=Alidns&requestId={rid}",
                self.code
            ),
        });
        answer(self.status, &rid, &body, now)
    }
}

/// A 200 answer: `fields` plus `RequestId`.
pub(crate) fn success(mut fields: Map<String, Value>, now: SystemTime) -> HttpResponse {
    let rid = request_id();
    fields.insert("RequestId".into(), Value::String(rid.clone()));
    answer(200, &rid, &Value::Object(fields), now)
}

fn answer(status: u16, rid: &str, body: &Value, now: SystemTime) -> HttpResponse {
    HttpResponse::new(status, CONTENT_TYPE, body.to_string().into_bytes())
        .header("x-acs-request-id", rid)
        .header("date", &httpdate::fmt_http_date(now))
}

/// An uppercase UUID v4, as Alidns' `RequestId`s look.
pub(crate) fn request_id() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode_upper(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_alidns() {
        let r = request_id();
        assert_eq!(r.len(), 36);
        assert_eq!(r.as_bytes()[14], b'4');
        assert!(r
            .bytes()
            .all(|b| b == b'-' || b.is_ascii_digit() || b.is_ascii_uppercase()));
        assert_ne!(r, request_id());
    }
}

//! Alidns error codes → [`ProviderError`] with advice (providers-api.md §1.7).
//!
//! Messages carry the vendor's `Code`, `Message` and `RequestId` (what Alibaba support
//! asks for); they never carry the AccessKey secret, which this module never sees.

use super::client::VendorError;
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use rust_i18n::t;
use std::time::Duration;

/// How long to wait after `Throttling` when the answer does not say.
pub(crate) const THROTTLE_BACKOFF: Duration = Duration::from_secs(5);

/// How far off the clock may be before Alidns rejects a request (15 minutes).
const CLOCK_TOLERANCE_SECS: i64 = 15 * 60;

/// The vendor code meaning "identical record already there": success for a write.
pub(crate) const DUPLICATE: &str = "DomainRecordDuplicate";

/// Turn one Alidns error answer into an error that says what to fix.
pub(crate) fn vendor_error(e: &VendorError) -> ProviderError {
    let code = e.code.as_str();
    let (kind, hint): (ErrorKind, Option<String>) = match code {
        "SignatureDoesNotMatch" | "IncompleteSignature" => {
            (ErrorKind::Auth, Some(signature_hint(e)))
        }
        "InvalidAccessKeyId.NotFound" | "InvalidAccessKeyId" | "InvalidAccessKeyId.Inactive" => {
            (ErrorKind::Auth, Some(t!("aliyun.no_access_key").into()))
        }
        "InvalidTimeStamp.Expired" => (ErrorKind::Auth, Some(clock_hint(e.skew_secs))),
        "SignatureNonceUsed" => (ErrorKind::Transient, Some(t!("aliyun.nonce_used").into())),
        c if c == "Forbidden" || c.starts_with("Forbidden.") || c == "NoPermission" => {
            (ErrorKind::Permission, Some(t!("aliyun.permission").into()))
        }
        c if c == "Throttling" || c.starts_with("Throttling.") => {
            (ErrorKind::RateLimited, Some(t!("aliyun.throttled").into()))
        }
        "InvalidDomainName.NoExist" => (
            ErrorKind::ZoneNotFound,
            Some(t!("aliyun.domain_missing").into()),
        ),
        "IncorrectDomainUser" => (
            ErrorKind::ZoneNotFound,
            Some(t!("aliyun.other_user").into()),
        ),
        c if c == "DomainRecordNotBelongToUser" || c.starts_with("InvalidRecordId") => (
            ErrorKind::RecordNotFound,
            Some(t!("aliyun.record_id_stale").into()),
        ),
        "QuotaExceeded.TTL" => (ErrorKind::Invalid, Some(ttl_hint(&e.message))),
        "DomainRecordConflict" => (
            ErrorKind::Invalid,
            Some(t!("aliyun.record_conflict").into()),
        ),
        "InvalidDomainName.Format" => (ErrorKind::Invalid, Some(t!("aliyun.bad_name").into())),
        _ if e.status.is_server_error() => {
            (ErrorKind::Transient, Some(t!("aliyun.server_error").into()))
        }
        _ if e.status == reqwest::StatusCode::TOO_MANY_REQUESTS => {
            (ErrorKind::RateLimited, Some(t!("aliyun.throttled").into()))
        }
        _ => (
            ErrorKind::Invalid,
            e.recommend
                .as_ref()
                .map(|r| t!("aliyun.recommend", url = r).into_owned()),
        ),
    };
    let mut err = ProviderError::new(PROVIDER, kind, message(e));
    if let Some(h) = hint {
        err = err.with_hint(h);
    }
    if kind == ErrorKind::RateLimited {
        err = err.with_retry_after(Some(e.retry_after.unwrap_or(THROTTLE_BACKOFF)));
    }
    if kind == ErrorKind::Transient && e.status.is_server_error() {
        // A gateway error after a write was sent may hide an applied change.
        err = err.maybe_applied(e.is_write);
    }
    err
}

/// `UpdateDomainRecord: QuotaExceeded.TTL: The specified TTL is invalid… (HTTP 400, RequestId …)`
fn message(e: &VendorError) -> String {
    let vendor = one_line(&e.message, 300);
    let rid = e.request_id.as_deref().unwrap_or("none");
    if vendor.is_empty() {
        format!(
            "{}: {} (HTTP {}, RequestId {rid})",
            e.action,
            e.code,
            e.status.as_u16()
        )
    } else {
        format!(
            "{}: {}: {vendor} (HTTP {}, RequestId {rid})",
            e.action,
            e.code,
            e.status.as_u16()
        )
    }
}

/// At most `max` characters on one line.
fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    if flat.chars().count() <= max {
        flat.to_string()
    } else {
        let mut cut: String = flat.chars().take(max).collect();
        cut.push('…');
        cut
    }
}

/// `the clock is off by N s …`, from the answer's `Date` header when there was one.
fn clock_hint(skew: Option<i64>) -> String {
    match skew {
        Some(s) if s.abs() > CLOCK_TOLERANCE_SECS && s >= 0 => {
            t!("aliyun.clock.ahead", secs = s.abs()).into()
        }
        Some(s) if s.abs() > CLOCK_TOLERANCE_SECS => {
            t!("aliyun.clock.behind", secs = s.abs()).into()
        }
        Some(s) => t!("aliyun.clock.stale_path", secs = s.abs()).into(),
        None => t!("aliyun.clock.unknown").into(),
    }
}

fn signature_hint(e: &VendorError) -> String {
    let base = t!("aliyun.sig.base");
    if let Some(s) = e.skew_secs {
        if s.abs() > CLOCK_TOLERANCE_SECS {
            return t!(
                "aliyun.sig.clock_first",
                base = base,
                clock = clock_hint(Some(s))
            )
            .into();
        }
    }
    // Alidns quotes the string-to-sign it rebuilt. The string-to-sign does not depend
    // on the secret, so if it equals ours the request arrived intact and only the key
    // can differ.
    let server_sts = e
        .message
        .split_once("server string to sign is:")
        .map(|(_, sts)| sts.trim());
    let clock = match e.skew_secs {
        Some(s) => t!("aliyun.sig.clock_agrees", secs = s.abs()),
        None => t!("aliyun.sig.clock_unknown"),
    };
    match server_sts {
        Some(sts) if sts == e.string_to_sign => {
            t!("aliyun.sig.same_sts", base = base, clock = clock)
        }
        Some(_) => t!("aliyun.sig.other_sts", base = base, clock = clock),
        None if e.skew_secs.is_some() => t!("aliyun.sig.check_secret", base = base, clock = clock),
        None => t!("aliyun.sig.check_both", base = base),
    }
    .into_owned()
}

/// The edition minimum from "…in the range of 600 to 86400." when the message says it.
fn ttl_hint(message: &str) -> String {
    let min = message
        .split_once("range of ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u32>().ok());
    let editions = t!("aliyun.ttl.editions");
    match min {
        Some(m) => t!("aliyun.ttl.min", min = m, editions = editions),
        None => t!("aliyun.ttl.below", editions = editions),
    }
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn v(code: &str, status: u16, message: &str) -> VendorError {
        VendorError {
            action: "UpdateDomainRecord",
            status: StatusCode::from_u16(status).unwrap(),
            code: code.into(),
            message: message.into(),
            request_id: Some("389CAA05-88AC-591C-BE06-04F166E26685".into()),
            recommend: None,
            retry_after: None,
            skew_secs: Some(2),
            string_to_sign: "GET&%2F&A%3Db".into(),
            is_write: true,
        }
    }

    #[test]
    fn aliyun_message_has_code_and_request_id() {
        let e = vendor_error(&v(
            "QuotaExceeded.TTL",
            400,
            "The specified TTL is invalid. A valid TTL must be in the range of 600 to 86400.",
        ));
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert_eq!(e.message, "UpdateDomainRecord: QuotaExceeded.TTL: The specified TTL is invalid. A valid TTL must be in the range of 600 to 86400. (HTTP 400, RequestId 389CAA05-88AC-591C-BE06-04F166E26685)");
        assert!(e.hint.unwrap().contains("at least 600 s"));
        let e = vendor_error(&v(
            "QuotaExceeded.TTL",
            400,
            "The TTL value is less than the minimum value allowed.",
        ));
        assert!(e
            .hint
            .unwrap()
            .contains("free and personal editions: 600 s"));
    }

    #[test]
    fn aliyun_signature_hint_names_what_to_check() {
        let mut e = v("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&A%3Db");
        let h = vendor_error(&e).hint.unwrap();
        assert!(h.starts_with("the AccessKey secret is wrong, or the clock is off"));
        assert!(h.contains("check access_key_secret"), "{h}");
        e.message = "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&A%3Dc".into();
        assert!(vendor_error(&e)
            .hint
            .unwrap()
            .contains("changed the request"));
        e.skew_secs = Some(-1800);
        let h = vendor_error(&e).hint.unwrap();
        assert!(h.contains("the clock is off by 1800 s"), "{h}");
        assert!(h.contains("behind"), "{h}");
    }

    #[test]
    fn aliyun_expired_timestamp_with_a_good_clock_blames_the_path() {
        let mut e = v(
            "InvalidTimeStamp.Expired",
            400,
            "Specified time stamp or date value is expired.",
        );
        let h = vendor_error(&e).hint.unwrap();
        assert!(
            h.contains("agrees with the local clock (off by 2 s)"),
            "{h}"
        );
        e.skew_secs = None;
        let h = vendor_error(&e).hint.unwrap();
        assert!(
            h.starts_with("the clock is off by more than 15 minutes"),
            "{h}"
        );
    }

    #[test]
    fn aliyun_5xx_write_may_have_applied() {
        let e = vendor_error(&v("InternalError", 500, ""));
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.maybe_applied);
        assert_eq!(
            e.message,
            "UpdateDomainRecord: InternalError (HTTP 500, RequestId 389CAA05-88AC-591C-BE06-04F166E26685)"
        );
    }
}

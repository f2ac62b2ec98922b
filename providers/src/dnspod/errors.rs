//! DNSPod / Tencent Cloud API 3.0 error codes → [`ProviderError`] with advice.
//! Common codes: <https://cloud.tencent.com/document/api/1427/56192>; DNSPod's own: the
//! SDK's `dnspod/v20210323/errors.go`. Messages carry the vendor's Code, Message and
//! RequestId, never the SecretKey (this module never sees it).

use super::client::VendorError;
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use rust_i18n::t;
use std::time::Duration;

/// What a key needs, least privilege (CAM): the four actions mxddns calls, on the domain.
pub const CAM_POLICY: &str = r#"{"version":"2.0","statement":[{"effect":"allow","action":["dnspod:DescribeDomain","dnspod:DescribeRecordList","dnspod:CreateRecord","dnspod:ModifyRecord","dnspod:DeleteRecord"],"resource":["qcs::dnspod:::domain/*"]}]}"#;

/// The request's timestamp may be at most this far from the server's clock.
const CLOCK_TOLERANCE_SECS: i64 = 300;

/// Codes that mean "no records" for a listing: an empty list, not an error.
pub const NO_RECORDS: &str = "ResourceNotFound.NoDataOfRecord";
/// A create of a record that already exists as asked.
pub const RECORD_EXISTS: &str = "InvalidParameter.DomainRecordExist";

pub(crate) fn vendor_error(e: &VendorError) -> ProviderError {
    let code = e.code.as_str();
    let (kind, hint): (ErrorKind, String) = match code {
        "AuthFailure.SignatureExpire" => (ErrorKind::Auth, clock_hint(e.skew_secs)),
        "AuthFailure.SignatureFailure" | "AuthFailure.InvalidAuthorization" => {
            (ErrorKind::Auth, t!("dnspod.signature").into())
        }
        "AuthFailure.SecretIdNotFound" | "AuthFailure.InvalidSecretId" => {
            (ErrorKind::Auth, t!("dnspod.no_secret_id").into())
        }
        "AuthFailure.TokenFailure" | "AuthFailure.MFAFailure" => {
            (ErrorKind::Auth, t!("dnspod.permanent_key").into())
        }
        "AuthFailure.UnauthorizedOperation"
        | "UnauthorizedOperation"
        | "OperationDenied.AccessDenied"
        | "OperationDenied.NoPermissionToOperateDomain"
        | "OperationDenied.DomainOwnerAllowedOnly"
        | "FailedOperation.NotDomainOwner" => (
            ErrorKind::Permission,
            t!("dnspod.permission", action = e.action, policy = CAM_POLICY).into(),
        ),
        "InvalidParameterValue.DomainNotExists"
        | "InvalidParameter.DomainInvalid"
        | "InvalidParameter.DomainIdInvalid"
        | "ResourceNotFound.NoDataOfDomain" => {
            (ErrorKind::ZoneNotFound, t!("dnspod.domain_missing").into())
        }
        "InvalidParameter.RecordIdInvalid" | "ResourceNotFound" => (
            ErrorKind::RecordNotFound,
            t!("dnspod.record_id_stale").into(),
        ),
        c if c.starts_with("RequestLimitExceeded") => {
            (ErrorKind::RateLimited, t!("dnspod.throttled").into())
        }
        c if c == "InternalError"
            || c.starts_with("InternalError.")
            || c == "FailedOperation.UnknowError" =>
        {
            (ErrorKind::Transient, t!("dnspod.internal").into())
        }
        "LimitExceeded.RecordTtlLimit" => (ErrorKind::Invalid, t!("dnspod.ttl").into()),
        "InvalidParameter.DomainNotAllowedModifyRecords"
        | "FailedOperation.DomainIsLocked"
        | "FailedOperation.DomainIsSpam" => (ErrorKind::Permission, t!("dnspod.locked").into()),
        c if c.starts_with("InvalidParameter")
            || c.starts_with("LimitExceeded")
            || c == "MissingParameter" =>
        {
            (ErrorKind::Invalid, t!("dnspod.invalid").into())
        }
        _ => (ErrorKind::Protocol, t!("dnspod.see_message").into()),
    };
    let rid = e
        .request_id
        .as_deref()
        .map(|r| format!(", RequestId {r}"))
        .unwrap_or_default();
    let mut err = ProviderError::new(
        PROVIDER,
        kind,
        t!(
            "dnspod.failed",
            action = e.action,
            code = e.code,
            message = e.message,
            rid = rid
        )
        .into_owned(),
    )
    .with_hint(hint);
    if kind == ErrorKind::RateLimited {
        err = err.with_retry_after(Some(Duration::from_secs(1)));
    }
    if kind == ErrorKind::Transient {
        err = err.maybe_applied(e.is_write);
    }
    err
}

fn clock_hint(skew: Option<i64>) -> String {
    match skew {
        Some(s) if s.abs() > CLOCK_TOLERANCE_SECS && s > 0 => t!(
            "dnspod.clock.ahead",
            secs = s.unsigned_abs(),
            max = CLOCK_TOLERANCE_SECS
        ),
        Some(s) if s.abs() > CLOCK_TOLERANCE_SECS => t!(
            "dnspod.clock.behind",
            secs = s.unsigned_abs(),
            max = CLOCK_TOLERANCE_SECS
        ),
        _ => t!("dnspod.clock.unknown", max = CLOCK_TOLERANCE_SECS),
    }
    .into_owned()
}

//! DNSPod / Tencent Cloud API 3.0 error codes → [`ProviderError`] with advice.
//! Common codes: <https://cloud.tencent.com/document/api/1427/56192>; DNSPod's own: the
//! SDK's `dnspod/v20210323/errors.go`. Messages carry the vendor's Code, Message and
//! RequestId, never the SecretKey (this module never sees it).

use super::client::VendorError;
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
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
        "AuthFailure.SignatureFailure" | "AuthFailure.InvalidAuthorization" => (
            ErrorKind::Auth,
            "the signature does not match: check that secret_key belongs to secret_id (copy both again from the console, API密钥管理 / API Keys)".into(),
        ),
        "AuthFailure.SecretIdNotFound" | "AuthFailure.InvalidSecretId" => (
            ErrorKind::Auth,
            "Tencent Cloud has no enabled key with this secret_id: create one under CAM → API Keys (访问管理 → API密钥管理), or enable it".into(),
        ),
        "AuthFailure.TokenFailure" | "AuthFailure.MFAFailure" => (
            ErrorKind::Auth,
            "use a permanent API key of a CAM sub-user (no session token, no MFA)".into(),
        ),
        "AuthFailure.UnauthorizedOperation"
        | "UnauthorizedOperation"
        | "OperationDenied.AccessDenied"
        | "OperationDenied.NoPermissionToOperateDomain"
        | "OperationDenied.DomainOwnerAllowedOnly"
        | "FailedOperation.NotDomainOwner" => (
            ErrorKind::Permission,
            format!("the key's CAM user may not do {}: attach the preset policy QcloudDNSPodFullAccess, or for least privilege a custom policy {CAM_POLICY}", e.action),
        ),
        "InvalidParameterValue.DomainNotExists"
        | "InvalidParameter.DomainInvalid"
        | "InvalidParameter.DomainIdInvalid"
        | "ResourceNotFound.NoDataOfDomain" => (
            ErrorKind::ZoneNotFound,
            "the domain is not in this Tencent Cloud account's DNSPod: add it in the DNSPod console, or use the key of the account that holds it".into(),
        ),
        "InvalidParameter.RecordIdInvalid" | "ResourceNotFound" => (
            ErrorKind::RecordNotFound,
            "the record id is no longer valid (deleted or recreated); the agent looks the record up again".into(),
        ),
        c if c.starts_with("RequestLimitExceeded") => (
            ErrorKind::RateLimited,
            "DNSPod limits this key's request rate; the agent waits and retries".into(),
        ),
        c if c == "InternalError" || c.starts_with("InternalError.") || c == "FailedOperation.UnknowError" => (
            ErrorKind::Transient,
            "DNSPod had an internal error; the agent retries".into(),
        ),
        "LimitExceeded.RecordTtlLimit" => (
            ErrorKind::Invalid,
            "the TTL is below what the domain's DNSPod plan allows (600 s on the free plan): raise ttl:".into(),
        ),
        "InvalidParameter.DomainNotAllowedModifyRecords" | "FailedOperation.DomainIsLocked" | "FailedOperation.DomainIsSpam" => (
            ErrorKind::Permission,
            "DNSPod does not allow changes to this domain now (locked, banned or being (de)activated): see the DNSPod console".into(),
        ),
        c if c.starts_with("InvalidParameter") || c.starts_with("LimitExceeded") || c == "MissingParameter" => (
            ErrorKind::Invalid,
            "DNSPod rejected the record; its message says which value".into(),
        ),
        _ => (ErrorKind::Protocol, "see DNSPod's message".into()),
    };
    let rid = e
        .request_id
        .as_deref()
        .map(|r| format!(", RequestId {r}"))
        .unwrap_or_default();
    let mut err = ProviderError::new(
        PROVIDER,
        kind,
        format!("{} failed: {} {}{rid}", e.action, e.code, e.message),
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
        Some(s) if s.abs() > CLOCK_TOLERANCE_SECS => format!(
            "this machine's clock is {} s {} Tencent Cloud's, more than the {CLOCK_TOLERANCE_SECS} s allowed: set the clock right (NTP)",
            s.unsigned_abs(),
            if s > 0 { "ahead of" } else { "behind" }
        ),
        _ => format!("the request's timestamp was more than {CLOCK_TOLERANCE_SECS} s from Tencent Cloud's clock: set this machine's clock right (NTP)"),
    }
}

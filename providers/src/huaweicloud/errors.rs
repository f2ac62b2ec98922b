//! Huawei Cloud error codes → [`ProviderError`] with advice. The API gateway's codes
//! (`APIGW.*`, `{"error_code","error_msg","request_id"}`):
//! <https://support.huaweicloud.com/devg-apisign/api-sign-errorcode.html>; the DNS
//! service's (`DNS.*`, `{"code","message"}`): <https://support.huaweicloud.com/api-dns/ErrorCode.html>.
//! Messages carry the vendor's code, message and request id, never the SK (this module
//! never sees it).

use super::client::VendorError;
use super::sign::WINDOW_SECS;
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use rust_i18n::t;
use std::time::Duration;

/// What a key needs, least privilege: an IAM custom policy (fine-grained, version 1.1)
/// with the DNS actions mxddns calls.
pub const IAM_POLICY: &str = r#"{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["dns:zone:list","dns:recordset:list","dns:recordset:get","dns:recordset:create","dns:recordset:update","dns:recordset:delete"]}]}"#;

/// A record set of that name and type exists already (create raced another writer).
pub const SET_EXISTS: &[&str] = &["DNS.0312", "DNS.0335", "DNS.0016"];
/// The record set (or the zone's record sets) no longer exists.
pub const SET_GONE: &[&str] = &["DNS.0313", "DNS.0004"];

/// The IAM action of each call.
fn iam_action(call: &str) -> &'static str {
    match call {
        "ListPublicZones" => "dns:zone:list",
        "ListRecordSetsByZone" => "dns:recordset:list",
        "ShowRecordSet" => "dns:recordset:get",
        "CreateRecordSet" => "dns:recordset:create",
        "UpdateRecordSet" => "dns:recordset:update",
        _ => "dns:recordset:delete",
    }
}

pub(crate) fn vendor_error(e: &VendorError) -> ProviderError {
    let code = e.code.as_str();
    let permission = || {
        t!(
            "huaweicloud.permission",
            call = e.call,
            action = iam_action(e.call),
            policy = IAM_POLICY
        )
        .into_owned()
    };
    let (kind, hint): (ErrorKind, String) = match code {
        "APIGW.0301" | "APIGW.0303" | "APIGW.0305" | "DNS.0005" => {
            (ErrorKind::Auth, auth_hint(e.skew_secs, &e.message))
        }
        "APIGW.0101" => (ErrorKind::Invalid, t!("huaweicloud.unknown_api").into()),
        "APIGW.0302" | "APIGW.0306" | "DNS.0013" | "DNS.0030" | "DNS.1802" => {
            (ErrorKind::Permission, permission())
        }
        "DNS.0040" => (ErrorKind::Permission, t!("huaweicloud.real_name").into()),
        "APIGW.0308" | "DNS.0014" => (ErrorKind::RateLimited, t!("huaweicloud.throttled").into()),
        "DNS.0302" | "DNS.0301" | "DNS.1206" => (
            ErrorKind::ZoneNotFound,
            t!("huaweicloud.zone_missing").into(),
        ),
        c if SET_GONE.contains(&c) => {
            (ErrorKind::RecordNotFound, t!("huaweicloud.set_gone").into())
        }
        c if SET_EXISTS.contains(&c) => (ErrorKind::Invalid, t!("huaweicloud.set_exists").into()),
        "DNS.0209" | "DNS.0213" | "DNS.0214" => {
            (ErrorKind::Permission, t!("huaweicloud.frozen").into())
        }
        "DNS.0303" => (ErrorKind::Invalid, t!("huaweicloud.ttl").into()),
        c if c.starts_with("DNS.040") => (ErrorKind::Invalid, t!("huaweicloud.quota").into()),
        "DNS.0000" | "DNS.0001" | "DNS.0003" | "DNS.0012" | "DNS.0015" | "DNS.0021"
        | "DNS.0022" | "DNS.0036" | "APIGW.0201" => {
            (ErrorKind::Transient, t!("huaweicloud.busy").into())
        }
        c if c.starts_with("DNS.") && e.status == 400 => {
            (ErrorKind::Invalid, t!("huaweicloud.invalid").into())
        }
        _ if e.status >= 500 => (ErrorKind::Transient, t!("huaweicloud.internal").into()),
        _ => (ErrorKind::Protocol, t!("huaweicloud.see_message").into()),
    };
    let rid = e
        .request_id
        .as_deref()
        .map(|r| format!(", request_id {r}"))
        .unwrap_or_default();
    let mut err = ProviderError::new(
        PROVIDER,
        kind,
        t!(
            "huaweicloud.failed",
            call = e.call,
            status = e.status,
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

fn auth_hint(skew: Option<i64>, message: &str) -> String {
    match skew {
        Some(s) if s.abs() > WINDOW_SECS && s > 0 => t!(
            "huaweicloud.clock.ahead",
            secs = s.unsigned_abs(),
            minutes = WINDOW_SECS / 60
        ),
        Some(s) if s.abs() > WINDOW_SECS => t!(
            "huaweicloud.clock.behind",
            secs = s.unsigned_abs(),
            minutes = WINDOW_SECS / 60
        ),
        _ if message.to_ascii_lowercase().contains("expire") => {
            t!("huaweicloud.clock.expired", minutes = WINDOW_SECS / 60)
        }
        _ => t!("huaweicloud.signature"),
    }
    .into_owned()
}

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
        format!(
            "the key's IAM user may not call {} ({}): grant it the system policy \"DNS FullAccess\", or for least privilege a custom policy {IAM_POLICY}",
            e.call,
            iam_action(e.call)
        )
    };
    let (kind, hint): (ErrorKind, String) = match code {
        "APIGW.0301" | "APIGW.0303" | "APIGW.0305" | "DNS.0005" => {
            (ErrorKind::Auth, auth_hint(e.skew_secs, &e.message))
        }
        "APIGW.0101" => (
            ErrorKind::Invalid,
            "the API gateway does not know this API here: check region: (e.g. cn-south-1, ap-southeast-1) or endpoint: (https://dns.<region>.myhuaweicloud.com)".into(),
        ),
        "APIGW.0302" | "APIGW.0306" | "DNS.0013" | "DNS.0030" | "DNS.1802" => {
            (ErrorKind::Permission, permission())
        }
        "DNS.0040" => (
            ErrorKind::Permission,
            "the account has not completed real-name verification (实名认证), which Huawei Cloud requires for DNS: finish it in the console".into(),
        ),
        "APIGW.0308" | "DNS.0014" => (
            ErrorKind::RateLimited,
            "Huawei Cloud limits this key's request rate; the agent waits and retries".into(),
        ),
        "DNS.0302" | "DNS.0301" | "DNS.1206" => (
            ErrorKind::ZoneNotFound,
            "the domain is not a public zone of this Huawei Cloud account: add it under DNS → Public Zones (云解析服务 → 公网域名), or use the AK/SK of the account that holds it".into(),
        ),
        c if SET_GONE.contains(&c) => (
            ErrorKind::RecordNotFound,
            "the record set is no longer there (deleted or recreated); the agent looks it up again".into(),
        ),
        c if SET_EXISTS.contains(&c) => (
            ErrorKind::Invalid,
            "a record set of this name and type exists already, or a CNAME clashes with other records at the name: see Huawei Cloud's message".into(),
        ),
        "DNS.0209" | "DNS.0213" | "DNS.0214" => (
            ErrorKind::Permission,
            "Huawei Cloud does not allow changes to this zone now (frozen, locked or being checked): see the DNS console".into(),
        ),
        "DNS.0303" => (
            ErrorKind::Invalid,
            "Huawei Cloud refused the TTL (public zones take 1 to 2147483647 s): change ttl:".into(),
        ),
        c if c.starts_with("DNS.040") => (
            ErrorKind::Invalid,
            "the account's DNS quota is used up: delete unused record sets or ask Huawei Cloud for a larger quota".into(),
        ),
        "DNS.0000" | "DNS.0001" | "DNS.0003" | "DNS.0012" | "DNS.0015" | "DNS.0021"
        | "DNS.0022" | "DNS.0036" | "APIGW.0201" => (
            ErrorKind::Transient,
            "Huawei Cloud had an internal error or was busy; the agent retries".into(),
        ),
        c if c.starts_with("DNS.") && e.status == 400 => (
            ErrorKind::Invalid,
            "Huawei Cloud refused the record: its message says which value".into(),
        ),
        _ if e.status >= 500 => (
            ErrorKind::Transient,
            "Huawei Cloud had an internal error; the agent retries".into(),
        ),
        _ => (ErrorKind::Protocol, "see Huawei Cloud's message".into()),
    };
    let rid = e
        .request_id
        .as_deref()
        .map(|r| format!(", request_id {r}"))
        .unwrap_or_default();
    let mut err = ProviderError::new(
        PROVIDER,
        kind,
        format!(
            "{} failed: HTTP {} {} {}{rid}",
            e.call, e.status, e.code, e.message
        ),
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
        Some(s) if s.abs() > WINDOW_SECS => format!(
            "this machine's clock is {} s {} Huawei Cloud's, more than the {} minutes the API gateway allows for X-Sdk-Date: set the clock right (NTP)",
            s.unsigned_abs(),
            if s > 0 { "ahead of" } else { "behind" },
            WINDOW_SECS / 60
        ),
        _ if message.to_ascii_lowercase().contains("expire") => format!(
            "the request's X-Sdk-Date was more than {} minutes from Huawei Cloud's clock: set this machine's clock right (NTP)",
            WINDOW_SECS / 60
        ),
        _ => "the AK/SK signature was refused: check that secret_key belongs to access_key (create or download them again under My Credentials → Access Keys, 我的凭证 → 访问密钥), that the key is enabled, and that this machine's clock is right".into(),
    }
}

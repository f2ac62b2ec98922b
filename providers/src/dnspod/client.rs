//! The DNSPod API 3.0 transport: one signed JSON POST per action, and the answer's
//! `Response` object or its `Response.Error`. One method per endpoint, each with its doc.

use super::sign;
use super::types::{DomainAnswer, ErrorBody, RecordIdAnswer, RecordListAnswer};
use super::{API_VERSION, PROVIDER, SERVICE};
use crate::error::{ErrorKind, ProviderError};
use crate::http::{self, HttpContext};
use crate::secret::Secret;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;

#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HttpContext,
    secret_id: String,
    secret_key: Secret,
    base: Result<Url, String>,
}

/// An error answer DNSPod gave.
#[derive(Debug, Clone)]
pub(crate) struct VendorError {
    pub action: &'static str,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// Local clock minus the server's `Date`, seconds, when the answer had one.
    pub skew_secs: Option<i64>,
    pub is_write: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum CallError {
    Vendor(Box<VendorError>),
    Other(ProviderError),
}

impl CallError {
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Vendor(v) => Some(&v.code),
            CallError::Other(_) => None,
        }
    }
}

impl From<CallError> for ProviderError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Vendor(v) => super::errors::vendor_error(&v),
            CallError::Other(e) => e,
        }
    }
}

impl Client {
    pub fn new(
        http: HttpContext,
        secret_id: String,
        secret_key: Secret,
        endpoint: Option<String>,
    ) -> Client {
        let text = endpoint.unwrap_or_else(|| super::DEFAULT_ENDPOINT.to_string());
        let base =
            Url::parse(&text).map_err(|e| format!("the endpoint \"{text}\" is not a URL ({e})"));
        Client {
            http,
            secret_id,
            secret_key,
            base,
        }
    }

    /// DescribeDomain — <https://cloud.tencent.com/document/api/1427/56173>
    pub async fn describe_domain(&self, domain: &str) -> Result<DomainAnswer, CallError> {
        self.call("DescribeDomain", json!({ "Domain": domain }), false)
            .await
    }

    /// DescribeRecordList — <https://cloud.tencent.com/document/api/1427/56166>
    pub async fn describe_record_list(
        &self,
        domain: &str,
        subdomain: Option<&str>,
        rtype: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<RecordListAnswer, CallError> {
        let mut body = json!({ "Domain": domain, "Offset": offset, "Limit": limit });
        if let Some(s) = subdomain {
            body["Subdomain"] = json!(s);
        }
        if let Some(t) = rtype {
            body["RecordType"] = json!(t);
        }
        self.call("DescribeRecordList", body, false).await
    }

    /// CreateRecord — <https://cloud.tencent.com/document/api/1427/56180>
    pub async fn create_record(
        &self,
        domain: &str,
        subdomain: &str,
        rtype: &str,
        value: &str,
        mx: Option<u16>,
        ttl: u32,
    ) -> Result<RecordIdAnswer, CallError> {
        let mut body = json!({
            "Domain": domain, "SubDomain": subdomain, "RecordType": rtype,
            "RecordLine": super::types::DEFAULT_LINE, "Value": value, "TTL": ttl,
        });
        if let Some(mx) = mx {
            body["MX"] = json!(mx);
        }
        self.call("CreateRecord", body, true).await
    }

    /// ModifyRecord — <https://cloud.tencent.com/document/api/1427/56157>
    #[allow(clippy::too_many_arguments)]
    pub async fn modify_record(
        &self,
        domain: &str,
        record_id: u64,
        subdomain: &str,
        rtype: &str,
        value: &str,
        mx: Option<u16>,
        ttl: u32,
    ) -> Result<RecordIdAnswer, CallError> {
        let mut body = json!({
            "Domain": domain, "RecordId": record_id, "SubDomain": subdomain,
            "RecordType": rtype, "RecordLine": super::types::DEFAULT_LINE,
            "Value": value, "TTL": ttl,
        });
        if let Some(mx) = mx {
            body["MX"] = json!(mx);
        }
        self.call("ModifyRecord", body, true).await
    }

    /// DeleteRecord — <https://cloud.tencent.com/document/api/1427/56176>
    pub async fn delete_record(&self, domain: &str, record_id: u64) -> Result<Value, CallError> {
        self.call(
            "DeleteRecord",
            json!({ "Domain": domain, "RecordId": record_id }),
            true,
        )
        .await
    }

    /// Sign and send one action; decode `Response` as `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        action: &'static str,
        body: Value,
        is_write: bool,
    ) -> Result<T, CallError> {
        let base = self.base.as_ref().map_err(|why| {
            CallError::Other(
                ProviderError::new(PROVIDER, ErrorKind::Invalid, why.clone())
                    .with_hint(rust_i18n::t!("dnspod.endpoint.hint")),
            )
        })?;
        let host = match (base.host_str(), base.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => String::new(),
        };
        let payload = body.to_string().into_bytes();
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let auth = sign::authorization(
            &self.secret_id,
            self.secret_key.expose(),
            SERVICE,
            &host,
            timestamp,
            &payload,
        );
        let req = self
            .http
            .client
            .post(base.clone())
            .header("Authorization", auth)
            .header("Content-Type", sign::CONTENT_TYPE)
            .header("Host", &host)
            .header("X-TC-Action", action)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Version", API_VERSION)
            .body(payload);
        let resp = self
            .http
            .send(PROVIDER, req, is_write)
            .await
            .map_err(CallError::Other)?;
        let skew_secs = resp
            .headers
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .and_then(|server| {
                let server = server.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
                Some(timestamp - server)
            });
        parse_answer(
            action,
            resp.status.as_u16(),
            &resp.body,
            is_write,
            skew_secs,
        )
    }
}

/// Decode an answer body: `Response` as `T`, or `Response.Error` (the fuzz target's entry
/// point).
pub(crate) fn parse_answer<T: DeserializeOwned>(
    action: &'static str,
    status: u16,
    body: &[u8],
    is_write: bool,
    skew_secs: Option<i64>,
) -> Result<T, CallError> {
    let bad = |what: &str| {
        CallError::Other(
            http::unparseable(
                PROVIDER,
                reqwest::StatusCode::from_u16(status)
                    .unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR),
                body,
                &format!("{what} (to {action})"),
            )
            .maybe_applied(is_write),
        )
    };
    let v: Value = serde_json::from_slice(body).map_err(|_| bad("JSON"))?;
    let Some(inner) = v.get("Response") else {
        return Err(bad("a DNSPod answer: no Response object"));
    };
    let request_id = inner
        .get("RequestId")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(err) = inner.get("Error") {
        let e: ErrorBody = serde_json::from_value(err.clone())
            .map_err(|_| bad("a DNSPod error: Error without Code"))?;
        return Err(CallError::Vendor(Box::new(VendorError {
            action,
            code: e.code,
            message: e.message,
            request_id,
            skew_secs,
            is_write,
        })));
    }
    if !(200..300).contains(&status) {
        return Err(bad("a DNSPod error: no Response.Error"));
    }
    serde_json::from_value(inner.clone()).map_err(|_| bad("the answer DNSPod documents"))
}

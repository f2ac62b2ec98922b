//! The Huawei Cloud DNS API v2 transport: one AK/SK-signed JSON request per call, and its
//! answer or its error body. One method per endpoint, each with its doc.

use super::sign;
use super::types::{ErrorBody, RecordSet, RecordSetsAnswer, ZonesAnswer};
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use crate::http::{self, HttpContext};
use crate::secret::Secret;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;

#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HttpContext,
    access_key: String,
    secret_key: Secret,
    base: Result<Url, String>,
}

/// An error answer Huawei Cloud gave.
#[derive(Debug, Clone)]
pub(crate) struct VendorError {
    /// The endpoint, by its API name (`CreateRecordSet`).
    pub call: &'static str,
    pub status: u16,
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

impl From<CallError> for ProviderError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Vendor(v) => super::errors::vendor_error(&v),
            CallError::Other(e) => e,
        }
    }
}

fn pairs(p: &[(&str, String)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

impl Client {
    pub fn new(
        http: HttpContext,
        access_key: String,
        secret_key: Secret,
        endpoint: String,
    ) -> Client {
        let base = Url::parse(&endpoint)
            .map_err(|e| format!("the endpoint \"{endpoint}\" is not a URL ({e})"));
        Client {
            http,
            access_key,
            secret_key,
            base,
        }
    }

    /// ListPublicZones — <https://support.huaweicloud.com/api-dns/ListPublicZones.html>
    pub async fn list_public_zones(&self, name: &str) -> Result<ZonesAnswer, CallError> {
        let q = pairs(&[
            ("type", "public".into()),
            ("name", format!("{name}.")),
            ("search_mode", "equal".into()),
            ("limit", "500".into()),
        ]);
        self.call("ListPublicZones", Method::GET, "/v2/zones", &q, None)
            .await
    }

    /// ListRecordSetsByZone — <https://support.huaweicloud.com/api-dns/ListRecordSetsByZone.html>
    /// (`name` is matched exactly with `search_mode=equal`; pages by `limit`/`offset`).
    pub async fn list_record_sets(
        &self,
        zone_id: &str,
        name: Option<&str>,
        rtype: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<RecordSetsAnswer, CallError> {
        let mut q = vec![("limit", limit.to_string()), ("offset", offset.to_string())];
        if let Some(n) = name {
            q.push(("name", format!("{n}.")));
            q.push(("search_mode", "equal".into()));
        }
        if let Some(t) = rtype {
            q.push(("type", t.to_string()));
        }
        let path = format!("/v2/zones/{}/recordsets", sign::escape(zone_id));
        self.call("ListRecordSetsByZone", Method::GET, &path, &pairs(&q), None)
            .await
    }

    /// ShowRecordSet — <https://support.huaweicloud.com/api-dns/ShowRecordSet.html>
    pub async fn show_record_set(&self, zone_id: &str, id: &str) -> Result<RecordSet, CallError> {
        self.call(
            "ShowRecordSet",
            Method::GET,
            &set_path(zone_id, id),
            &[],
            None,
        )
        .await
    }

    /// CreateRecordSet — <https://support.huaweicloud.com/api-dns/CreateRecordSet.html>
    pub async fn create_record_set(
        &self,
        zone_id: &str,
        fqdn: &str,
        rtype: &str,
        ttl: u32,
        records: &[String],
    ) -> Result<RecordSet, CallError> {
        let body =
            json!({ "name": format!("{fqdn}."), "type": rtype, "ttl": ttl, "records": records });
        let path = format!("/v2/zones/{}/recordsets", sign::escape(zone_id));
        self.call("CreateRecordSet", Method::POST, &path, &[], Some(body))
            .await
    }

    /// UpdateRecordSet — <https://support.huaweicloud.com/api-dns/UpdateRecordSet.html>
    /// (the whole set's values and TTL).
    pub async fn update_record_set(
        &self,
        zone_id: &str,
        set: &RecordSet,
        ttl: u32,
        records: &[String],
    ) -> Result<RecordSet, CallError> {
        let body = json!({ "name": set.name, "type": set.rtype, "ttl": ttl, "records": records });
        self.call(
            "UpdateRecordSet",
            Method::PUT,
            &set_path(zone_id, &set.id),
            &[],
            Some(body),
        )
        .await
    }

    /// DeleteRecordSet — <https://support.huaweicloud.com/api-dns/DeleteRecordSet.html>
    pub async fn delete_record_set(&self, zone_id: &str, id: &str) -> Result<Value, CallError> {
        self.call(
            "DeleteRecordSet",
            Method::DELETE,
            &set_path(zone_id, id),
            &[],
            None,
        )
        .await
    }

    /// Sign and send one request; decode the answer as `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        name: &'static str,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<Value>,
    ) -> Result<T, CallError> {
        let is_write = method != Method::GET;
        let base = self.base.as_ref().map_err(|why| {
            CallError::Other(
                ProviderError::new(PROVIDER, ErrorKind::Invalid, why.clone()).with_hint(
                    "set endpoint: to https://dns.<region>.myhuaweicloud.com, or remove it and set region:",
                ),
            )
        })?;
        let host = match (base.host_str(), base.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => String::new(),
        };
        let mut url = base.clone();
        let full_path = format!("{}{path}", base.path().trim_end_matches('/'));
        url.set_path(&full_path);
        let q = sign::canonical_query(query);
        url.set_query((!q.is_empty()).then_some(q.as_str()));
        let payload = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let date = sign::sdk_date(now);
        let auth = sign::authorization(
            &self.access_key,
            self.secret_key.expose(),
            method.as_str(),
            &full_path,
            query,
            &[
                ("Content-Type", sign::CONTENT_TYPE),
                ("Host", &host),
                ("X-Sdk-Date", &date),
            ],
            &payload,
            &date,
        );
        let mut req = self
            .http
            .client
            .request(method, url)
            .header("Authorization", auth)
            .header("Content-Type", sign::CONTENT_TYPE)
            .header("Host", &host)
            .header("X-Sdk-Date", &date);
        if !payload.is_empty() {
            req = req.body(payload);
        }
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
                Some(now - server)
            });
        let header_request_id = resp
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        parse_answer(
            name,
            resp.status.as_u16(),
            &resp.body,
            is_write,
            skew_secs,
            header_request_id,
        )
    }
}

fn set_path(zone_id: &str, id: &str) -> String {
    format!(
        "/v2/zones/{}/recordsets/{}",
        sign::escape(zone_id),
        sign::escape(id)
    )
}

/// Decode an answer: a 2xx body as `T`, or either error shape (the fuzz target's entry
/// point).
pub(crate) fn parse_answer<T: DeserializeOwned>(
    call: &'static str,
    status: u16,
    body: &[u8],
    is_write: bool,
    skew_secs: Option<i64>,
    header_request_id: Option<String>,
) -> Result<T, CallError> {
    let bad = |what: &str| {
        CallError::Other(
            http::unparseable(
                PROVIDER,
                reqwest::StatusCode::from_u16(status)
                    .unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR),
                body,
                &format!("{what} (to {call})"),
            )
            .maybe_applied(is_write),
        )
    };
    if (200..300).contains(&status) {
        return serde_json::from_slice(body).map_err(|_| bad("the answer Huawei Cloud documents"));
    }
    let e: ErrorBody = serde_json::from_slice(body).map_err(|_| bad("a Huawei Cloud error"))?;
    let (code, message) = match (e.error_code, e.error_msg, e.code, e.message) {
        (Some(c), m, _, _) | (None, _, Some(c), m) => (c, m.unwrap_or_default()),
        (None, _, None, _) => {
            return Err(bad("a Huawei Cloud error: no error_code or code"));
        }
    };
    Err(CallError::Vendor(Box::new(VendorError {
        call,
        status,
        code,
        message,
        request_id: e.request_id.or(header_request_id),
        skew_secs,
        is_write,
    })))
}

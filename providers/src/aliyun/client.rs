//! The Alidns RPC transport: sign one action call, send it, and decode the answer or
//! the vendor's error body. One method, [`Client::call`]; the actions themselves are
//! built in `mod.rs`.

use super::sign::{self, V3Input};
use super::types::ErrorBody;
use super::{SignatureVersion, API_VERSION, PROVIDER};
use crate::error::{ErrorKind, ProviderError};
use crate::http::{self, HttpContext};
use crate::secret::Secret;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::time::{Duration, SystemTime};
use url::Url;

/// A signed RPC client for one AccessKey.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HttpContext,
    access_key_id: String,
    secret: Secret,
    signature: SignatureVersion,
    /// The endpoint with path `/`, or why the configured one is unusable.
    base: Result<Url, String>,
}

/// An error answer Alidns gave, with what is needed to explain it.
#[derive(Debug, Clone)]
pub(crate) struct VendorError {
    pub action: &'static str,
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub recommend: Option<String>,
    /// `Retry-After`, when the answer had one.
    pub retry_after: Option<Duration>,
    /// Local time minus the server's `Date` header, in seconds (positive: the local
    /// clock is ahead), when the answer had a `Date` header.
    pub skew_secs: Option<i64>,
    /// The string-to-sign this request was signed with (no secret in it), to compare
    /// with the one a `SignatureDoesNotMatch` message quotes.
    pub string_to_sign: String,
    pub is_write: bool,
}

/// Why a call failed: the vendor said so, or something else went wrong.
#[derive(Debug, Clone)]
pub(crate) enum CallError {
    Vendor(Box<VendorError>),
    Other(ProviderError),
}

impl CallError {
    /// The vendor's error `Code`, if this is a vendor error.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Vendor(v) => Some(&v.code),
            CallError::Other(_) => None,
        }
    }

    pub fn into_provider_error(self) -> ProviderError {
        match self {
            CallError::Vendor(v) => super::errors::vendor_error(&v),
            CallError::Other(e) => e,
        }
    }
}

impl From<CallError> for ProviderError {
    fn from(e: CallError) -> Self {
        e.into_provider_error()
    }
}

impl Client {
    pub fn new(
        http: HttpContext,
        access_key_id: String,
        secret: Secret,
        signature: SignatureVersion,
        endpoint: Option<String>,
    ) -> Client {
        Client {
            http,
            access_key_id,
            secret,
            signature,
            base: parse_endpoint(endpoint.as_deref().unwrap_or(super::DEFAULT_ENDPOINT)),
        }
    }

    /// Call `action` with its own `params` (the common ones are added here) and decode
    /// a successful answer as `T`. `is_write` marks Add/Update, for "could not confirm".
    pub async fn call<T: DeserializeOwned>(
        &self,
        action: &'static str,
        params: &[(&str, String)],
        is_write: bool,
    ) -> Result<T, CallError> {
        let base = self.base.as_ref().map_err(|why| {
            CallError::Other(
                ProviderError::new(PROVIDER, ErrorKind::Invalid, why.clone())
                    .with_hint(rust_i18n::t!("aliyun.endpoint.hint")),
            )
        })?;
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let now = SystemTime::now();
        let timestamp = sign::timestamp(now);
        let nonce = sign::nonce();
        let client = &self.http.client;
        let (request, string_to_sign) = match self.signature {
            SignatureVersion::V1 => {
                let mut all = sign::v1_common_params(
                    action,
                    API_VERSION,
                    &self.access_key_id,
                    &nonce,
                    &timestamp,
                );
                all.extend(params);
                let signed = sign::sign_v1("GET", &all, self.secret.expose());
                let url = format!("{}?{}", base.as_str(), signed.query());
                (client.get(url), signed.string_to_sign)
            }
            SignatureVersion::V3 => {
                // The vendor's own example: POST, action parameters in the query,
                // empty body (providers-api.md §4.2 F/G).
                let headers = sign::v3_headers(action, API_VERSION, &timestamp, &nonce, b"");
                let host = host_header(base);
                let signed = sign::sign_v3(
                    &V3Input {
                        method: "POST",
                        host: &host,
                        path: "/",
                        query: &params,
                        headers: &headers,
                        body: b"",
                    },
                    &self.access_key_id,
                    self.secret.expose(),
                );
                let query = sign::canonical_query(&params);
                let url = if query.is_empty() {
                    base.as_str().to_string()
                } else {
                    format!("{}?{query}", base.as_str())
                };
                let mut req = client.post(url);
                for (name, value) in &headers {
                    req = req.header(name.as_str(), value.as_str());
                }
                (
                    req.header(AUTHORIZATION, signed.authorization),
                    signed.string_to_sign,
                )
            }
        };
        let request = request.header(ACCEPT, "application/json");
        let resp = self
            .http
            .send(PROVIDER, request, is_write)
            .await
            .map_err(CallError::Other)?;

        decode(action, &resp, is_write, string_to_sign)
    }
}

/// Decode one answer: the action's result `T` on success, else the vendor's error (or
/// why the answer could not be read). Also the entry point of the parser fuzzing.
pub(crate) fn decode<T: DeserializeOwned>(
    action: &'static str,
    resp: &http::Response,
    is_write: bool,
    string_to_sign: String,
) -> Result<T, CallError> {
    if resp.status.is_success() {
        return serde_json::from_slice::<T>(&resp.body).map_err(|_| {
            CallError::Other(http::unparseable(
                PROVIDER,
                resp.status,
                &resp.body,
                &format!("an Alidns {action} answer"),
            ))
        });
    }
    match serde_json::from_slice::<ErrorBody>(&resp.body) {
        Ok(body) => Err(CallError::Vendor(Box::new(VendorError {
            action,
            status: resp.status,
            code: body.code,
            message: body.message.unwrap_or_default(),
            request_id: body.request_id,
            recommend: body.recommend,
            retry_after: resp.retry_after(),
            skew_secs: skew_secs(&resp.headers, SystemTime::now()),
            string_to_sign,
            is_write,
        }))),
        Err(_) => {
            let mut e =
                http::unparseable(PROVIDER, resp.status, &resp.body, "an Alidns error answer");
            if resp.status == StatusCode::TOO_MANY_REQUESTS {
                e.kind = ErrorKind::RateLimited;
                e.retry_after = Some(
                    resp.retry_after()
                        .unwrap_or(super::errors::THROTTLE_BACKOFF),
                );
            }
            if resp.status.is_server_error() {
                e = e
                    .with_hint(rust_i18n::t!("aliyun.gateway_failed"))
                    .maybe_applied(is_write);
            }
            Err(CallError::Other(e))
        }
    }
}

/// The endpoint as a base URL with path `/`. A bare host name means https.
fn parse_endpoint(raw: &str) -> Result<Url, String> {
    let trimmed = raw.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme)
        .map_err(|e| format!("the Alidns endpoint {trimmed:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "the Alidns endpoint {trimmed:?} is not an http(s) URL with a host"
        ));
    }
    url.set_path("/");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// `host[:port]` as the HTTP client will send it in `Host` (the port only when it is
/// not the scheme's default, which `Url` already leaves out).
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Local time minus the server's `Date`, in whole seconds.
fn skew_secs(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<i64> {
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let server = httpdate::parse_http_date(date.trim()).ok()?;
    Some(match now.duration_since(server) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliyun_endpoints() {
        let u = parse_endpoint("https://alidns.aliyuncs.com").unwrap();
        assert_eq!(u.as_str(), "https://alidns.aliyuncs.com/");
        assert_eq!(host_header(&u), "alidns.aliyuncs.com");
        let u = parse_endpoint("alidns.ap-southeast-1.aliyuncs.com/").unwrap();
        assert_eq!(u.as_str(), "https://alidns.ap-southeast-1.aliyuncs.com/");
        let u = parse_endpoint("http://127.0.0.1:8053/x?y#z").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:8053/");
        assert_eq!(host_header(&u), "127.0.0.1:8053");
        let u = parse_endpoint("https://alidns.aliyuncs.com:443").unwrap();
        assert_eq!(host_header(&u), "alidns.aliyuncs.com");
        assert!(parse_endpoint("ftp://example.com").is_err());
        assert!(parse_endpoint("https://").is_err());
    }

    #[test]
    fn aliyun_clock_skew_from_date_header() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(skew_secs(&h, SystemTime::now()), None);
        h.insert(
            reqwest::header::DATE,
            "Thu, 24 Mar 2016 16:41:54 GMT".parse().unwrap(),
        );
        let server = std::time::UNIX_EPOCH + Duration::from_secs(1_458_837_714);
        assert_eq!(
            skew_secs(&h, server + Duration::from_secs(1000)),
            Some(1000)
        );
        assert_eq!(skew_secs(&h, server - Duration::from_secs(90)), Some(-90));
    }
}

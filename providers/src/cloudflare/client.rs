//! The HTTP side of the Cloudflare provider: URLs, the Bearer header, and decoding the
//! v4 envelope into a result or a [`ProviderError`].

use super::errors;
use super::types::{Envelope, Head, ResultInfo};
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use crate::http::{HttpContext, Response};
use crate::secret::Secret;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

/// What a request is for, so that errors can say so and pick the right kind.
pub(super) struct Call<'a> {
    /// `looking up zone example.com`: the start of every error message.
    pub what: String,
    /// The zone's name, for hints ("give the token … for zone example.com").
    pub zone: Option<&'a str>,
    /// The path names a record id: an unknown id there means the record is gone.
    pub record_path: bool,
    /// The request changes something (a failure may leave it applied).
    pub write: bool,
}

/// A successful answer, or (for writes) Cloudflare saying the record is already there.
pub(super) enum Answer<T> {
    Done { result: T, info: Option<ResultInfo> },
    Identical,
}

/// Sends authenticated requests to one API endpoint.
#[derive(Debug)]
pub(super) struct Client {
    http: HttpContext,
    token: Secret,
    endpoint: String,
}

impl Client {
    pub fn new(http: HttpContext, token: Secret, endpoint: &str) -> Client {
        Client {
            http,
            token,
            endpoint: endpoint.trim_end_matches('/').to_string(),
        }
    }

    /// `<endpoint>/<segments…>?<query>`. Segments are fixed words or ids checked by
    /// [`is_identifier`]; query values are form-encoded.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, ProviderError> {
        let bad_endpoint = || {
            ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                rust_i18n::t!(
                    "cloudflare.endpoint",
                    endpoint = format!("{:?}", self.endpoint)
                ),
            )
            .with_hint(rust_i18n::t!("cloudflare.endpoint.hint"))
        };
        let mut url = Url::parse(&self.endpoint).map_err(|_| bad_endpoint())?;
        url.path_segments_mut()
            .map_err(|_| bad_endpoint())?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Send one request and decode the envelope. `body` is serialised as JSON.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&impl Serialize>,
        call: &Call<'_>,
    ) -> Result<Answer<T>, ProviderError> {
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.token.expose())).map_err(|_| {
                ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    rust_i18n::t!("cloudflare.token_chars", what = call.what),
                )
                .with_hint(rust_i18n::t!("cloudflare.token_chars.hint"))
            })?;
        auth.set_sensitive(true);
        let mut req = self
            .http
            .client
            .request(method, url)
            .header(AUTHORIZATION, auth);
        if let Some(body) = body {
            let json = serde_json::to_vec(body).map_err(|e| {
                // Our request types are plain strings and numbers: this cannot fail.
                ProviderError::new(PROVIDER, ErrorKind::Invalid, format!("{}: {e}", call.what))
            })?;
            req = req.header(CONTENT_TYPE, "application/json").body(json);
        }
        let resp = self
            .http
            .send(PROVIDER, req, call.write)
            .await
            .map_err(|mut e| {
                e.message = format!("{}: {}", call.what, e.message);
                e
            })?;
        decode(&resp, call)
    }
}

/// Success, identical-record, or the error the envelope (or its absence) describes.
pub(super) fn decode<T: DeserializeOwned>(
    resp: &Response,
    call: &Call<'_>,
) -> Result<Answer<T>, ProviderError> {
    let head: Head = match serde_json::from_slice(&resp.body) {
        Ok(head) => head,
        Err(_) => return Err(errors::not_envelope(resp, call)),
    };
    if !resp.status.is_success() || !head.success {
        if call.write && errors::is_identical(&head) {
            return Ok(Answer::Identical);
        }
        return Err(errors::api_error(resp, &head, call));
    }
    let envelope: Envelope<T> = serde_json::from_slice(&resp.body)
        .map_err(|e| errors::wrong_shape(resp, call, &e.to_string()))?;
    match envelope.result {
        Some(result) => Ok(Answer::Done {
            result,
            info: envelope.result_info,
        }),
        None => Err(errors::wrong_shape(resp, call, "no result")),
    }
}

/// Whether `id` is a Cloudflare identifier (32 hex digits) and so safe as a path segment.
pub(super) fn is_identifier(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

//! The two GoDaddy Domains API v1 endpoints mxddns uses, the `sso-key` auth header, and
//! the decoding of GoDaddy's error body into a [`ProviderError`].
//!
//! Endpoints (GoDaddy `swagger_domains.json`):
//! * `GET /v1/domains/{domain}/records/{type}/{name}` — the record set, a JSON array
//!   (`[]` when the name has none).
//! * `PUT /v1/domains/{domain}/records/{type}/{name}` — replaces the whole set with the
//!   JSON array sent; 200 with an empty body.

use super::types::{ApiError, Entry};
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use crate::http::{self, HttpContext, Response};
use crate::secret::Secret;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode};
use rust_i18n::t;
use std::time::Duration;

/// What to do when GoDaddy refuses an account the DNS API (§3.6).
/// The HTTP side of the GoDaddy provider.
#[derive(Debug)]
pub(super) struct Client {
    http: HttpContext,
    /// The API base without a trailing slash, e.g. `https://api.godaddy.com`.
    base: String,
    api_key: Secret,
    api_secret: Secret,
}

impl Client {
    pub fn new(http: HttpContext, base: &str, api_key: Secret, api_secret: Secret) -> Client {
        Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            api_key,
            api_secret,
        }
    }

    /// `GET /v1/domains/{domain}/records/{type}/{name}`: every entry of the set. `rtype`
    /// is a constant of this crate (`A`, `AAAA`, `CNAME`, `TXT`, `NS`), never user input.
    pub async fn get_records(
        &self,
        domain: &str,
        rtype: &'static str,
        name: &str,
    ) -> Result<Vec<Entry>, ProviderError> {
        let what = describe(Verb::Reading, domain, rtype, name);
        let url = self.records_url(domain, rtype, name)?;
        let req = self.request(Method::GET, url)?;
        let resp = self.http.send(PROVIDER, req, false).await?;
        if !resp.status.is_success() {
            return Err(decode_error(&what, &resp, false));
        }
        parse_entries(&resp)
    }

    /// `PUT /v1/domains/{domain}/records/{type}/{name}`: replace the whole set.
    pub async fn put_records(
        &self,
        domain: &str,
        rtype: &'static str,
        name: &str,
        entries: &[Entry],
    ) -> Result<(), ProviderError> {
        let what = describe(Verb::Writing, domain, rtype, name);
        let url = self.records_url(domain, rtype, name)?;
        let body = serde_json::to_vec(entries).map_err(|e| {
            // A Vec of JSON objects always serialises; kept as an error, not a panic.
            ProviderError::new(PROVIDER, ErrorKind::Invalid, format!("{what}: {e}"))
        })?;
        let req = self
            .request(Method::PUT, url)?
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let resp = self.http.send(PROVIDER, req, true).await?;
        if !resp.status.is_success() {
            return Err(decode_error(&what, &resp, true));
        }
        // Success is 200 with an empty body; whatever a body holds is not needed.
        Ok(())
    }

    /// `GET /v1/domains/{domain}/records`: every record of the zone in one answer (the
    /// whole-zone read of LEX `test_provider_when_calling_list_records_with_no_arguments_should_list_all.yaml`).
    /// <https://developer.godaddy.com/doc/endpoint/domains#/v1/recordGet>
    pub async fn get_zone_records(&self, domain: &str) -> Result<Vec<Entry>, ProviderError> {
        let what = t!("godaddy.what.zone", zone = domain).into_owned();
        check_domain(domain)?;
        let url = self.url(&["v1", "domains", domain, "records"])?;
        let req = self.request(Method::GET, url)?;
        let resp = self.http.send(PROVIDER, req, false).await?;
        if !resp.status.is_success() {
            return Err(decode_error(&what, &resp, false));
        }
        parse_entries(&resp)
    }

    /// `DELETE /v1/domains/{domain}/records/{type}/{name}`: remove the WHOLE set (204).
    /// Only called when the set is down to the one record being deleted. A 404 here
    /// (after the set was just read) means the set is already gone.
    /// <https://developer.godaddy.com/doc/endpoint/domains#/v1/recordDeleteTypeName>
    pub async fn delete_records(
        &self,
        domain: &str,
        rtype: &'static str,
        name: &str,
    ) -> Result<(), ProviderError> {
        let what = describe(Verb::Deleting, domain, rtype, name);
        let url = self.records_url(domain, rtype, name)?;
        let req = self.request(Method::DELETE, url)?;
        let resp = self.http.send(PROVIDER, req, true).await?;
        if resp.status == StatusCode::NOT_FOUND {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                t!("godaddy.gone", what = what),
            ));
        }
        if !resp.status.is_success() {
            return Err(decode_error(&what, &resp, true));
        }
        Ok(())
    }

    /// `<base>/<segments…>`, each percent-encoded as a path segment.
    fn url(&self, segments: &[&str]) -> Result<url::Url, ProviderError> {
        let mut url = url::Url::parse(&self.base).map_err(|e| bad_endpoint(&self.base, &e))?;
        url.path_segments_mut()
            .map_err(|()| bad_endpoint(&self.base, &t!("godaddy.endpoint_path")))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// The records URL from checked parts, each also percent-encoded as a path segment.
    fn records_url(
        &self,
        domain: &str,
        rtype: &'static str,
        name: &str,
    ) -> Result<url::Url, ProviderError> {
        check_domain(domain)?;
        check_name(name)?;
        let mut url = url::Url::parse(&self.base).map_err(|e| bad_endpoint(&self.base, &e))?;
        url.path_segments_mut()
            .map_err(|()| bad_endpoint(&self.base, &t!("godaddy.endpoint_path")))?
            .pop_if_empty()
            .extend(["v1", "domains", domain, "records", rtype, name]);
        Ok(url)
    }

    /// Every request goes through here: the only place the `sso-key` header is built.
    fn request(&self, method: Method, url: url::Url) -> Result<RequestBuilder, ProviderError> {
        if self.api_key.is_empty() || self.api_secret.is_empty() {
            return Err(
                ProviderError::new(PROVIDER, ErrorKind::Auth, t!("godaddy.key_empty"))
                    .with_hint(t!("godaddy.auth")),
            );
        }
        let mut auth = HeaderValue::from_str(&format!(
            "sso-key {}:{}",
            self.api_key.expose(),
            self.api_secret.expose()
        ))
        .map_err(|_| {
            ProviderError::new(PROVIDER, ErrorKind::Auth, t!("godaddy.key_chars"))
                .with_hint(t!("godaddy.auth"))
        })?;
        auth.set_sensitive(true);
        Ok(self
            .http
            .client
            .request(method, url)
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/json"))
    }
}

/// `reading the A records of mail.example.com`.
fn describe(verb: Verb, domain: &str, rtype: &'static str, name: &str) -> String {
    let name = if name == "@" {
        domain.to_string()
    } else {
        format!("{name}.{domain}")
    };
    match verb {
        Verb::Reading => t!("godaddy.what.reading", rtype = rtype, name = name),
        Verb::Writing => t!("godaddy.what.writing", rtype = rtype, name = name),
        Verb::Deleting => t!("godaddy.what.deleting", rtype = rtype, name = name),
    }
    .into_owned()
}

/// What a call does to a record set, for its error messages.
#[derive(Clone, Copy)]
enum Verb {
    Reading,
    Writing,
    Deleting,
}

fn bad_endpoint(base: &str, e: &dyn std::fmt::Display) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Invalid,
        t!(
            "godaddy.bad_endpoint",
            base = format!("{base:?}"),
            error = e
        ),
    )
    .with_hint(t!("godaddy.endpoint"))
}

/// A zone name fit for the `{domain}` path segment: LDH labels (IDNs in their `xn--`
/// form), at least two of them.
pub(super) fn check_domain(domain: &str) -> Result<(), ProviderError> {
    let ok = domain.len() <= 253
        && domain.split('.').count() >= 2
        && domain.split('.').all(|l| is_label(l, false));
    if ok {
        Ok(())
    } else {
        Err(ProviderError::new(
            PROVIDER,
            ErrorKind::Invalid,
            t!("godaddy.bad_domain", domain = format!("{domain:?}")),
        ))
    }
}

/// A record name relative to the zone, fit for the `{name}` path segment: `@`, or labels
/// of letters, digits, hyphens and underscores (`_dmarc`, `mail.office`).
pub(super) fn check_name(name: &str) -> Result<(), ProviderError> {
    let ok = name == "@" || (name.len() <= 253 && name.split('.').all(|l| is_label(l, true)));
    if ok {
        Ok(())
    } else {
        Err(ProviderError::new(
            PROVIDER,
            ErrorKind::Invalid,
            t!("godaddy.bad_name", name = format!("{name:?}")),
        ))
    }
}

fn is_label(label: &str, underscore: bool) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || (underscore && b == b'_'))
}

pub(super) fn parse_entries(resp: &Response) -> Result<Vec<Entry>, ProviderError> {
    serde_json::from_slice::<Vec<Entry>>(&resp.body).map_err(|_| {
        http::unparseable(
            PROVIDER,
            resp.status,
            &resp.body,
            "a JSON array of GoDaddy DNS records",
        )
    })
}

/// Turn a non-2xx answer into an error of the right kind, with GoDaddy's code and message
/// and what the user should do. `is_write`: a 5xx after a PUT may have applied it.
pub(super) fn decode_error(what: &str, resp: &Response, is_write: bool) -> ProviderError {
    let status = resp.status;
    let Ok(api) = serde_json::from_slice::<ApiError>(&resp.body) else {
        if status == StatusCode::TOO_MANY_REQUESTS {
            return ProviderError::new(
                PROVIDER,
                ErrorKind::RateLimited,
                t!(
                    "godaddy.failed",
                    what = what,
                    detail = format!("HTTP 429: {}", http::excerpt(&resp.body))
                ),
            )
            .with_retry_after(resp.retry_after());
        }
        let mut e = http::unparseable(PROVIDER, status, &resp.body, "a GoDaddy error");
        e.message = t!("godaddy.failed", what = what, detail = e.message).into_owned();
        return e.maybe_applied(is_write && status.is_server_error());
    };

    let mut message = t!(
        "godaddy.failed",
        what = what,
        detail = format!("HTTP {} {}", status.as_u16(), api.code)
    )
    .into_owned();
    if let Some(m) = api.message.as_deref().filter(|m| !m.is_empty()) {
        message.push_str(": ");
        message.push_str(m);
    }
    let fields = api.fields_text();
    if !fields.is_empty() {
        message.push_str("; ");
        message.push_str(&fields);
    }
    let code = api.code.as_str();
    let error = |kind| ProviderError::new(PROVIDER, kind, message.clone());

    if code == "ACCESS_DENIED" || status == StatusCode::FORBIDDEN {
        return error(ErrorKind::Permission).with_hint(t!("godaddy.access_denied"));
    }
    if matches!(
        code,
        "UNABLE_TO_AUTHENTICATE" | "MISSING_CREDENTIALS" | "MALFORMED_CREDENTIALS"
    ) || status == StatusCode::UNAUTHORIZED
    {
        return error(ErrorKind::Auth).with_hint(t!("godaddy.auth"));
    }
    if matches!(code, "UNKNOWN_DOMAIN" | "NOT_FOUND") || status == StatusCode::NOT_FOUND {
        return error(ErrorKind::ZoneNotFound).with_hint(t!("godaddy.zone"));
    }
    if code == "TOO_MANY_REQUESTS" || status == StatusCode::TOO_MANY_REQUESTS {
        let after = api
            .retry_after_secs()
            .map(Duration::from_secs)
            .or_else(|| resp.retry_after());
        return error(ErrorKind::RateLimited).with_retry_after(after);
    }
    if status.is_server_error() {
        let mut e = error(ErrorKind::Transient);
        if is_write {
            e.message.push_str(&t!("godaddy.unsure"));
        }
        return e.maybe_applied(is_write);
    }
    if status.is_client_error() {
        let e = error(ErrorKind::Invalid);
        return if api.is_about_ttl() {
            e.with_hint(t!("godaddy.ttl"))
        } else {
            e
        };
    }
    error(ErrorKind::Protocol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_domains() {
        assert!(check_domain("example.com").is_ok());
        assert!(check_domain("xn--bcher-kva.example").is_ok());
        assert!(check_domain("com").is_err());
        assert!(check_domain("exa mple.com").is_err());
        assert!(check_domain("example.com/../x").is_err());
        assert!(check_domain("ex%2fample.com").is_err());
        assert!(check_domain("_x.example.com").is_err());
        assert!(check_name("@").is_ok());
        assert!(check_name("mail").is_ok());
        assert!(check_name("_dmarc.mail").is_ok());
        for bad in [
            "", "a/b", "a?b", "a#b", "..", "a..b", "%40", "*", "a b", "@.x",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn url_has_the_path_segments() {
        let c = Client::new(
            super::super::tests::http(),
            "https://api.ote-godaddy.com/",
            Secret::new("k"),
            Secret::new("s"),
        );
        let url = c.records_url("example.com", "TXT", "@").unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.ote-godaddy.com/v1/domains/example.com/records/TXT/@"
        );
        let c = Client::new(
            c.http.clone(),
            "http://127.0.0.1:8080/proxy/",
            Secret::new("k"),
            Secret::new("s"),
        );
        let url = c.records_url("example.com", "AAAA", "mail").unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/proxy/v1/domains/example.com/records/AAAA/mail"
        );
    }
}

//! What every provider shares on the wire: the HTTP client the agent built (TLS, timeouts,
//! TCP_NODELAY, one pooled connection per host), request counters, a size cap on bodies,
//! and short, sanitised excerpts of answers that could not be understood.

use crate::error::{ErrorKind, ProviderError};
use reqwest::{header::HeaderMap, RequestBuilder, StatusCode};
use rust_i18n::t;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Bodies larger than this are refused before parsing: no DNS API answer for one name
/// comes anywhere near it.
pub const MAX_BODY: usize = 1 << 20;

/// Requests and failures per provider account, read by the metrics endpoint and the
/// benchmarks ("API calls per cycle").
#[derive(Debug, Default)]
pub struct ApiCounters {
    pub requests: AtomicU64,
    pub failures: AtomicU64,
}

impl ApiCounters {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

/// The HTTP side of a provider: a shared client plus this account's counters.
#[derive(Debug, Clone)]
pub struct HttpContext {
    pub client: reqwest::Client,
    pub counters: Arc<ApiCounters>,
}

/// A response read in full (up to [`MAX_BODY`]).
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    /// An answer with no headers, for the parser fuzzing and property tests. A status
    /// outside 100–999 becomes 500.
    #[doc(hidden)]
    pub fn synthetic(status: u16, body: &[u8]) -> Response {
        Response {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: HeaderMap::new(),
            body: body.to_vec(),
        }
    }

    /// `Retry-After` in seconds, when present and numeric (HTTP-date is also accepted).
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self
            .headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?;
        if let Ok(secs) = v.trim().parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let when = httpdate::parse_http_date(v.trim()).ok()?;
        when.duration_since(std::time::SystemTime::now()).ok()
    }
}

impl HttpContext {
    pub fn new(client: reqwest::Client) -> Self {
        HttpContext {
            client,
            counters: Arc::new(ApiCounters::default()),
        }
    }

    /// Send `req`, count it, and read the body up to [`MAX_BODY`]. Transport failures
    /// become [`ErrorKind::Transient`]; `is_write` marks whether a timeout may have left
    /// the change applied. HTTP error statuses are returned as a [`Response`], for the
    /// provider to decode its own error body.
    pub async fn send(
        &self,
        provider: &'static str,
        req: RequestBuilder,
        is_write: bool,
    ) -> Result<Response, ProviderError> {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.send_inner(provider, req, is_write).await;
        match &result {
            Ok(r) if r.status.is_success() => {}
            _ => {
                self.counters.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    async fn send_inner(
        &self,
        provider: &'static str,
        req: RequestBuilder,
        is_write: bool,
    ) -> Result<Response, ProviderError> {
        let mut resp = req
            .send()
            .await
            .map_err(|e| transport_error(provider, &e, is_write))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if status.is_redirection() {
            return Err(redirected(provider, status, &headers, resp.url()));
        }
        if let Some(len) = resp.content_length() {
            if len as usize > MAX_BODY {
                return Err(ProviderError::new(
                    provider,
                    ErrorKind::Protocol,
                    t!("http.too_large", len = len, max = MAX_BODY, status = status),
                ));
            }
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY {
                        return Err(ProviderError::new(
                            provider,
                            ErrorKind::Protocol,
                            t!("http.too_large_stream", max = MAX_BODY, status = status),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(provider, &e, is_write)),
            }
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// A 3xx from a registrar: never followed (the agent's client does not follow redirects),
/// reported with its target so the user can see where the endpoint tried to send them.
/// The target is shown without its query (it would repeat our own signed query).
fn redirected(
    provider: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    from: &reqwest::Url,
) -> ProviderError {
    let target = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|loc| match from.join(loc) {
            Ok(mut u) => {
                u.set_query(None);
                let _ = u.set_password(None);
                let _ = u.set_username("");
                crate::redact::quote(u.as_str(), 200)
            }
            Err(_) => crate::redact::quote(loc, 200),
        })
        .unwrap_or_else(|| t!("http.no_location").into_owned());
    // Not retried: the same request would be redirected again.
    ProviderError::new(
        provider,
        ErrorKind::Invalid,
        t!("http.redirect", status = status, target = target),
    )
    .with_hint(t!("http.redirect.hint"))
}

fn transport_error(provider: &'static str, e: &reqwest::Error, is_write: bool) -> ProviderError {
    if let Some(cert) = certificate_error(e) {
        // Nothing was sent (the handshake failed). Trying again within the cycle cannot
        // help (the certificate stays what it is), so not Transient; the next cycle tries
        // again (a captive portal goes away), so not a permanent kind with its backoff.
        return ProviderError::new(provider, ErrorKind::Invalid, t!("http.tls", cert = cert))
            .with_hint(t!("http.tls.hint"));
    }
    let what = if e.is_timeout() {
        t!("http.timeout")
    } else if e.is_connect() {
        t!("http.connect")
    } else if e.is_body() || e.is_decode() {
        t!("http.body")
    } else {
        t!("http.failed")
    };
    // reqwest's Display includes the URL; our URLs never carry secrets (auth is in
    // headers, Aliyun signatures are per-request and useless once sent), but keep the
    // message short and free of query strings anyway.
    let mut detail = e.to_string();
    if let Some(url) = e.url() {
        let full = url.as_str();
        // The port stays: "http://127.0.0.1/..." for ":18999" points at the wrong server.
        let short = format!(
            "{}://{}{}{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.port().map(|p| format!(":{p}")).unwrap_or_default(),
            url.path()
        );
        detail = detail.replace(full, &short);
    }
    let sent = is_write && !e.is_connect();
    let msg = if sent {
        t!("http.unsure", what = what, detail = detail)
    } else {
        t!("http.detail", what = what, detail = detail)
    };
    ProviderError::new(provider, ErrorKind::Transient, msg).maybe_applied(sent)
}

/// The TLS certificate failure behind a transport error, if that is what it was: rustls's
/// own error, found down the chain. It sits inside `io::Error`s (the TLS stream's, wrapped
/// again by the connector), whose `source()` skips what they wrap, so each is opened too.
fn certificate_error(e: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(err @ rustls::Error::InvalidCertificate(_)) = rustls_error(s) {
            return Some(tls_text(err));
        }
        source = s.source();
    }
    None
}

/// The rustls error that `e` is, or that the `io::Error`s `e` is made of wrap (the TLS
/// stream's, wrapped again by the connector): their `source()` skips what they wrap, so a
/// walk down a chain opens each of them here.
pub fn rustls_error<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut inner = e;
    loop {
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        inner = inner
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())?;
    }
}

/// [`url::Url::parse`], but a host with non-ASCII characters is refused here, with the
/// error `url` gives for it (`ParseError::IdnaError`), before `url` hands it to the IDNA back
/// end: the agent's is the ASCII-only `idna_adapter` 1.0 (Cargo.toml), which asserts in
/// debug builds that a label's ASCII letters are already lower case, and that is not so for a
/// label mixing upper-case ASCII with non-ASCII ("Aé.example": found by a property test).
/// Only the special schemes' hosts go through IDNA; others are parsed as they are.
pub fn parse_url(text: &str) -> Result<url::Url, url::ParseError> {
    if !text.is_ascii() {
        if let Some((scheme, rest)) = text.split_once(':') {
            let special = ["http", "https", "ws", "wss", "ftp"]
                .iter()
                .any(|s| scheme.trim().eq_ignore_ascii_case(s));
            let authority = rest
                .trim_start_matches(['/', '\\'])
                .split(['/', '\\', '?', '#'])
                .next()
                .unwrap_or("");
            let host = authority.rsplit('@').next().unwrap_or("");
            if special && !host.is_ascii() {
                return Err(url::ParseError::IdnaError);
            }
        }
    }
    url::Url::parse(text)
}

/// The text of one error of a transport error's chain (`std::error::Error::source`), with
/// rustls's errors made readable wherever they sit: inside the `io::Error`s of the TLS stream
/// and the connector, whose own `source()` skips them. rustls shows a
/// `CertificateError::Other` by its Debug form ("invalid peer certificate:
/// Other(OtherError(…))"), and the message inside is the one the user must read (no CA
/// bundle, and the package that brings one). Every renderer of transport errors uses this.
pub fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    rustls_error(e).map_or_else(|| e.to_string(), tls_text)
}

/// A rustls error as text: a certificate refused by one of our own verifiers
/// (`CertificateError::Other`) by its message alone, any other by rustls's Display.
pub fn tls_text(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            other.0.to_string()
        }
        other => other.to_string(),
    }
}

/// A short, printable excerpt of a body that could not be understood: at most 120
/// characters, control characters replaced, and every registered secret masked *before*
/// the cut (a body that echoes the request back holds the credentials), so that an HTML
/// error page or binary junk shows up readably in one log line and leaks nothing.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match crate::redact::quote(&text, 120).as_str() {
        "(empty)" => "(empty body)".to_string(),
        q => q.to_string(),
    }
}

/// The error for a body that does not parse as the expected JSON.
pub fn unparseable(
    provider: &'static str,
    status: StatusCode,
    body: &[u8],
    what: &str,
) -> ProviderError {
    let kind = if status.is_server_error() {
        ErrorKind::Transient
    } else {
        ErrorKind::Protocol
    };
    ProviderError::new(
        provider,
        kind,
        t!(
            "http.unparseable",
            status = status,
            what = what,
            excerpt = excerpt(body)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct NoBundle;
    impl std::fmt::Display for NoBundle {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("no CA bundle: apt install ca-certificates")
        }
    }
    impl std::error::Error for NoBundle {}

    #[test]
    fn a_non_ascii_host_is_refused_before_idna_and_the_rest_parses() {
        for text in [
            "https://A\u{1138b}api.ipify.org",
            "https://B\u{fc}cher.example/",
            "HTTPS://user@b\u{fc}cher.example:8443/x",
            "https:b\u{fc}cher.example",
        ] {
            assert_eq!(parse_url(text), Err(url::ParseError::IdnaError), "{text}");
        }
        let u = parse_url("https://xn--bcher-kva.example/\u{fc}?q=\u{e4}").expect("punycode host");
        assert_eq!(u.host_str(), Some("xn--bcher-kva.example"));
        let u = parse_url("https://us\u{e9}r:p\u{e4}ss@Example.COM/").expect("non-ASCII userinfo");
        assert_eq!(u.host_str(), Some("example.com"));
        assert_eq!(
            parse_url("https://API.example.com/"),
            url::Url::parse("https://API.example.com/")
        );
    }

    #[test]
    fn a_refused_certificate_reads_as_its_message_wherever_it_sits() {
        let ours = || {
            rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
                Arc::new(NoBundle),
            )))
        };
        // rustls's own Display shows the Debug form of what our verifier said.
        assert!(ours().to_string().contains("OtherError"));
        assert_eq!(
            tls_text(&ours()),
            "no CA bundle: apt install ca-certificates"
        );
        // As the TLS stream and the connector wrap it: io::Error in io::Error.
        let wrapped = std::io::Error::other(std::io::Error::other(ours()));
        assert_eq!(
            error_text(&wrapped),
            "no CA bundle: apt install ca-certificates"
        );
        // rustls's other certificate errors keep rustls's words.
        let unknown = std::io::Error::other(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert_eq!(
            error_text(&unknown),
            "invalid peer certificate: UnknownIssuer"
        );
        // Anything else is its own Display.
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(error_text(&refused), "refused");
    }

    #[test]
    fn excerpt_is_short_and_clean() {
        assert_eq!(excerpt(b""), "(empty body)");
        assert_eq!(
            excerpt(b"<html>\n<body>502 Bad Gateway</body>\n</html>"),
            "\"<html> <body>502 Bad Gateway</body> </html>\""
        );
        let long = vec![b'x'; 500];
        assert!(excerpt(&long).chars().count() < 130);
        assert_eq!(excerpt(&[0xff, 0xfe, b'a']), "\"\u{fffd}\u{fffd}a\"");
    }
}

//! The agent's HTTP client: rustls with the ring provider and the webpki root store (no
//! OpenSSL, no platform verifier, no way to turn verification off), connect and total
//! timeouts, TCP_NODELAY, and a small idle pool so that one cycle reuses one connection
//! per host.
//!
//! The limits can be lowered (never raised) for tests with the environment variable
//! `MXDDNS_HTTP_TIMEOUT` (a duration such as `2s` or `500ms`), read once: the
//! fault-injection suite uses it so that a hanging registrar costs seconds, not minutes.
//! It is not a setting for users: 20 s is already long for a DNS API.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// What every request may take at most, connect included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(8);

/// The environment variable that lowers [`REQUEST_TIMEOUT`] for tests.
pub const TIMEOUT_ENV: &str = "MXDDNS_HTTP_TIMEOUT";

/// The total time one request may take: [`REQUEST_TIMEOUT`], or less when
/// `MXDDNS_HTTP_TIMEOUT` says so (an unreadable or larger value is ignored).
pub fn request_timeout() -> Duration {
    static LIMIT: OnceLock<Duration> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var(TIMEOUT_ENV)
            .ok()
            .and_then(|v| humantime::parse_duration(v.trim()).ok())
            .filter(|d| !d.is_zero())
            .map_or(REQUEST_TIMEOUT, |d| d.min(REQUEST_TIMEOUT))
    })
}

/// The time a connection may take to open: never more than the whole request.
pub fn connect_timeout() -> Duration {
    CONNECT_TIMEOUT.min(request_timeout())
}

fn tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        // ring's default provider supports every safe default version; this cannot fail.
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A client builder with the agent's TLS and timeouts; callers add what is specific to
/// them (a local address to force an address family, a shorter timeout) and build.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_preconfigured_tls(tls_config())
        .user_agent(concat!("mxddns/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect_timeout())
        .timeout(request_timeout())
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::limited(3))
}

/// The shared client for provider APIs.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    client_builder().build()
}

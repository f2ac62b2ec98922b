//! The agent's HTTP client: rustls with the ring provider and the webpki root store (no
//! OpenSSL, no platform verifier, no way to turn verification off), connect and total
//! timeouts, TCP_NODELAY, and a small idle pool so that one cycle reuses one connection
//! per host.

use std::sync::Arc;
use std::time::Duration;

/// What every request may take at most, connect included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(8);

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
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::limited(3))
}

/// The shared client for provider APIs.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    client_builder().build()
}

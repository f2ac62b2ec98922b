//! The agent's HTTP client: rustls with the ring provider and the webpki root store (no
//! OpenSSL, no platform verifier, no way to turn verification off), connect and total
//! timeouts, TCP_NODELAY, and a small idle pool so that one cycle reuses one connection
//! per host.
//!
//! A provider or a webhook may name extra trusted roots (`tls_ca_file:`, a PEM file: a
//! private CA of a self-hosted API, a corporate proxy). They are added to the webpki
//! roots, never in their place, and only that provider's or webhook's client trusts them.
//!
//! The limits can be lowered (never raised) for tests with the environment variable
//! `MXDDNS_HTTP_TIMEOUT` (a duration such as `2s` or `500ms`), read once: the
//! fault-injection suite uses it so that a hanging registrar costs seconds, not minutes.
//! It is not a setting for users: 20 s is already long for a DNS API.

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, TrustAnchor};
use std::path::{Path, PathBuf};
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

/// Extra trusted roots read from a PEM file (`tls_ca_file:`), each already checked to be
/// a usable trust anchor.
#[derive(Clone)]
pub struct CaFile {
    /// The file, as resolved against the configuration's directory.
    pub path: PathBuf,
    anchors: Arc<[TrustAnchor<'static>]>,
}

impl std::fmt::Debug for CaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CaFile({}, {} certificates)",
            self.path.display(),
            self.count()
        )
    }
}

/// Why a `tls_ca_file:` cannot be used. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    #[error("{}", rust_i18n::t!("err.http", path = .path, source = .source))]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{}", rust_i18n::t!("err.http.2", path = .path, reason = .reason))]
    Pem { path: String, reason: String },
    #[error("{}", rust_i18n::t!("err.http.3", path = .path))]
    Empty { path: String },
    #[error("{}", rust_i18n::t!("err.http.4", path = .path, number = .number, reason = .reason))]
    Certificate {
        path: String,
        number: usize,
        reason: String,
    },
}

impl CaFile {
    /// Read and check `path`: every `CERTIFICATE` block must parse as a trust anchor;
    /// other blocks (a private key by mistake) are ignored; at least one is required.
    pub fn load(path: &Path) -> Result<CaFile, CaFileError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CaFileError::Read {
            path: shown.clone(),
            source,
        })?;
        // A scratch store: `add` turns each certificate into a trust anchor or says why not.
        let mut store = rustls::RootCertStore::empty();
        for (i, cert) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
            let cert = cert.map_err(|e| CaFileError::Pem {
                path: shown.clone(),
                reason: pem_reason(&e),
            })?;
            store.add(cert).map_err(|e| CaFileError::Certificate {
                path: shown.clone(),
                number: i + 1,
                reason: e.to_string(),
            })?;
        }
        if store.roots.is_empty() {
            return Err(CaFileError::Empty { path: shown });
        }
        Ok(CaFile {
            path: path.to_path_buf(),
            anchors: store.roots.into(),
        })
    }

    /// How many certificates the file holds (at least one).
    pub fn count(&self) -> usize {
        self.anchors.len()
    }
}

fn pem_reason(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { end_marker } => {
            rust_i18n::t!("ui.http.2", v1 = String::from_utf8_lossy(end_marker)).into_owned()
        }
        pem::Error::IllegalSectionStart { .. } => {
            rust_i18n::t!("ui.http.3").into_owned().to_string()
        }
        pem::Error::Base64Decode(m) => rust_i18n::t!("ui.http.4", m = m).into_owned(),
        other => format!("{other:?}"),
    }
}

/// The TLS client configuration: the webpki roots, plus `extra` when given (also used by
/// `check --ports` for STARTTLS).
pub fn tls_client_config(extra: Option<&CaFile>) -> rustls::ClientConfig {
    tls_config(extra)
}

fn tls_config(extra: Option<&CaFile>) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(extra) = extra {
        roots.roots.extend(extra.anchors.iter().cloned());
    }
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
    client_builder_trusting(None)
}

/// [`client_builder`], trusting `extra` roots besides the webpki ones.
pub fn client_builder_trusting(extra: Option<&CaFile>) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_preconfigured_tls(tls_config(extra))
        .user_agent(concat!("mxddns/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect_timeout())
        .timeout(request_timeout())
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(30))
        // A registrar never redirects an API call; following one would carry a signed
        // query (Aliyun) or a body to another host. The provider layer turns a 3xx into
        // an error that names the target. No Referer either.
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
}

/// The shared client for provider APIs.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    client_builder().build()
}

/// The client for a provider account: the shared one, or one of its own when the account
/// trusts extra roots.
pub fn client_for(
    shared: &reqwest::Client,
    extra: Option<&CaFile>,
) -> Result<reqwest::Client, reqwest::Error> {
    match extra {
        None => Ok(shared.clone()),
        Some(ca) => client_builder_trusting(Some(ca)).build(),
    }
}

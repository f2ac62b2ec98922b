//! The agent's HTTP client: rustls with the ring provider and the webpki root store (no
//! OpenSSL, no platform verifier, no way to turn verification off; a build without the
//! cargo feature `bundled-roots` reads the system's CA bundle instead), connect and total
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
    tls_config_from(base_roots(), extra)
}

/// [`tls_config`] from the base roots (or why there are none) and the extra ones.
fn tls_config_from(
    base: Result<Vec<TrustAnchor<'static>>, String>,
    extra: Option<&CaFile>,
) -> rustls::ClientConfig {
    let (mut anchors, missing) = match base {
        Ok(anchors) => (anchors, None),
        Err(why) => (Vec::new(), Some(why)),
    };
    if let Some(extra) = extra {
        anchors.extend(extra.anchors.iter().cloned());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        // ring's default provider supports every safe default version; this cannot fail.
        .expect("ring supports TLS 1.2 and 1.3");
    match missing {
        // No roots at all: every handshake fails, with the message that says what to install.
        Some(why) if anchors.is_empty() => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoRoots { why, provider }))
            .with_no_client_auth(),
        _ => builder
            .with_root_certificates(rustls::RootCertStore { roots: anchors })
            .with_no_client_auth(),
    }
}

/// The roots every client trusts: Mozilla's, compiled in (cargo feature `bundled-roots`,
/// on by default).
#[cfg(feature = "bundled-roots")]
fn base_roots() -> Result<Vec<TrustAnchor<'static>>, String> {
    Ok(webpki_roots::TLS_SERVER_ROOTS.to_vec())
}

/// The roots every client trusts: without `bundled-roots` (a router build that saves the
/// bytes), the system's CA bundle, read once ([`system_bundle`] says which file).
#[cfg(not(feature = "bundled-roots"))]
fn base_roots() -> Result<Vec<TrustAnchor<'static>>, String> {
    static ROOTS: OnceLock<Result<Arc<[TrustAnchor<'static>]>, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let env = std::env::var_os(CERT_FILE_ENV).filter(|v| !v.is_empty());
            let path = system_bundle(env.map(PathBuf::from), SYSTEM_BUNDLES)?;
            load_bundle(&path)
        })
        .as_ref()
        .map(|a| a.to_vec())
        .map_err(Clone::clone)
}

/// The environment variable that names the CA bundle (as OpenSSL and most TLS stacks read
/// it); used when the roots are not compiled in.
pub const CERT_FILE_ENV: &str = "SSL_CERT_FILE";

/// Where the CA bundle is on the usual systems, first found wins: Debian, Ubuntu, Alpine,
/// Arch and OpenWrt's `ca-bundle`; Fedora/RHEL; openSUSE; Alpine/BSD's other name.
#[cfg_attr(feature = "bundled-roots", allow(dead_code))]
pub const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system CA bundle: the file `SSL_CERT_FILE` names (it must exist: a name set on
/// purpose is never silently replaced), else the first of `candidates` that exists. The
/// error says what to install.
#[cfg_attr(feature = "bundled-roots", allow(dead_code))]
fn system_bundle(env: Option<PathBuf>, candidates: &[&str]) -> Result<PathBuf, String> {
    if let Some(path) = env {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(rust_i18n::t!(
                "ui.http.roots.env",
                var = CERT_FILE_ENV,
                path = path.display()
            )
            .into_owned())
        };
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            rust_i18n::t!(
                "ui.http.roots.none",
                paths = candidates.join(", "),
                var = CERT_FILE_ENV
            )
            .into_owned()
        })
}

/// A system bundle's trust anchors. Unlike `tls_ca_file:` (checked strictly, it is the
/// user's own file), a certificate webpki cannot use is skipped, as other TLS stacks do;
/// a file without one usable certificate is an error.
#[cfg_attr(feature = "bundled-roots", allow(dead_code))]
fn load_bundle(path: &Path) -> Result<Arc<[TrustAnchor<'static>]>, String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| {
        CaFileError::Read {
            path: shown.clone(),
            source,
        }
        .to_string()
    })?;
    let mut store = rustls::RootCertStore::empty();
    store.add_parsable_certificates(CertificateDer::pem_slice_iter(&bytes).filter_map(Result::ok));
    if store.roots.is_empty() {
        return Err(CaFileError::Empty { path: shown }.to_string());
    }
    Ok(store.roots.into())
}

/// The verifier of a client without any trusted root: it refuses every server with the
/// message that says what to install (rather than rustls's "unknown issuer").
#[derive(Debug)]
struct NoRoots {
    why: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

/// The reason, shown as it is: rustls prints a certificate error with `{:?}`.
struct NoRootsError(String);

impl std::fmt::Debug for NoRootsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for NoRootsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoRootsError {}

impl NoRoots {
    fn refuse(&self) -> rustls::Error {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
            Arc::new(NoRootsError(self.why.clone())),
        )))
    }
}

impl rustls::client::danger::ServerCertVerifier for NoRoots {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Err(self.refuse())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(self.refuse())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(self.refuse())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_is_ssl_cert_file_else_the_first_usual_path_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pem");
        let b = dir.path().join("b.pem");
        std::fs::write(&b, "").unwrap();
        let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
        assert_eq!(system_bundle(None, &[a_s, b_s]).unwrap(), b);
        std::fs::write(&a, "").unwrap();
        assert_eq!(system_bundle(None, &[a_s, b_s]).unwrap(), a);
        // SSL_CERT_FILE wins; a missing one is an error, not a fall-back.
        assert_eq!(system_bundle(Some(b.clone()), &[a_s]).unwrap(), b);
        let gone = dir.path().join("gone.pem");
        let e = system_bundle(Some(gone.clone()), &[a_s]).unwrap_err();
        assert!(
            e.contains("SSL_CERT_FILE") && e.contains(gone.to_str().unwrap()),
            "{e}"
        );
    }

    #[test]
    fn no_bundle_anywhere_names_the_package_to_install() {
        let e =
            system_bundle(None, &["/nonexistent/mxddns/ca.crt", "/nonexistent/x.pem"]).unwrap_err();
        for part in [
            "ca-bundle",
            "ca-certificates",
            "SSL_CERT_FILE",
            "/nonexistent/mxddns/ca.crt, /nonexistent/x.pem",
            "bundled-roots",
        ] {
            assert!(e.contains(part), "{part} missing in: {e}");
        }
        let zh = rust_i18n::t!(
            "ui.http.roots.none",
            locale = "zh-CN",
            paths = "/x",
            var = CERT_FILE_ENV
        );
        assert!(zh.contains("ca-bundle") && zh.contains("安装"), "{zh}");
    }

    #[test]
    fn a_system_bundle_skips_what_webpki_cannot_use_but_needs_one_root() {
        let dir = tempfile::tempdir().unwrap();
        // One usable certificate and one broken block.
        let ca = include_str!("../tests/fixtures/keys/cert1.pem");
        let path = dir.path().join("bundle.pem");
        std::fs::write(
            &path,
            format!("{ca}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        )
        .unwrap();
        assert_eq!(load_bundle(&path).unwrap().len(), 1);
        std::fs::write(&path, "no certificates here\n").unwrap();
        assert!(load_bundle(&path).unwrap_err().contains("bundle.pem"));
        assert!(load_bundle(&dir.path().join("none.pem")).is_err());
    }

    /// A TLS 1.3 handshake in memory between `client` and a server holding the fixture
    /// certificate `cert2.pem` (self-signed, P-256); the client's error, if any.
    fn handshake(client: rustls::ClientConfig) -> Result<(), rustls::Error> {
        let cert =
            CertificateDer::from_pem_slice(include_bytes!("../tests/fixtures/keys/cert2.pem"))
                .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(include_bytes!(
            "../tests/fixtures/keys/cert2.key"
        ))
        .unwrap();
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
        let name = rustls::pki_types::ServerName::try_from("mail.example.com").unwrap();
        let mut c = rustls::ClientConnection::new(Arc::new(client), name).unwrap();
        let mut s = rustls::ServerConnection::new(Arc::new(server)).unwrap();
        for _ in 0..10 {
            let mut buf = Vec::new();
            c.write_tls(&mut buf).unwrap();
            s.read_tls(&mut &buf[..]).unwrap();
            s.process_new_packets().unwrap();
            buf.clear();
            s.write_tls(&mut buf).unwrap();
            c.read_tls(&mut &buf[..]).unwrap();
            c.process_new_packets()?;
            if !c.is_handshaking() {
                return Ok(());
            }
        }
        panic!("the handshake did not finish");
    }

    #[test]
    fn without_roots_every_server_is_refused_with_the_reason() {
        let why = "no CA certificates: install ca-bundle".to_string();
        let e = handshake(tls_config_from(Err(why.clone()), None)).unwrap_err();
        assert!(e.to_string().contains(&why), "{e}");
        // With extra roots (tls_ca_file:) the verifier is webpki's, with or without base
        // roots: the handshake gets as far as webpki's own checks (the fixture is a CA
        // certificate, which webpki refuses as a server's: CaUsedAsEndEntity).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, include_str!("../tests/fixtures/keys/cert1.pem")).unwrap();
        let ca = CaFile::load(&path).unwrap();
        for base in [Err(why.clone()), base_roots()] {
            let e = handshake(tls_config_from(base, Some(&ca))).unwrap_err();
            assert!(e.to_string().contains("CaUsedAsEndEntity"), "{e}");
            assert!(!e.to_string().contains(&why), "{e}");
        }
    }
}

//! Registrar DNS APIs behind one small, record-level trait.
//!
//! The agent (the `mxddns` binary) owns the rules: compare before writing, change in
//! place, create before delete, SPF editing, verification. A provider only translates
//! four primitives — find a zone, list the records of one type at one name, create one,
//! change one in place — into its vendor's API, and turns the vendor's errors into a
//! [`ProviderError`] that says what the user has to fix.
//!
//! One word per registrar everywhere: `cloudflare`, `aliyun`, `godaddy` (config `type:`,
//! module, log/error prefix).

// The advice and reasons a person reads, in English and Simplified Chinese
// (`locales/*.yml`). rust-i18n's locale is process-wide: the binary's `--lang` applies.
rust_i18n::i18n!("locales", fallback = "en");

pub mod error;
pub mod http;
pub mod record;
pub mod redact;
pub mod secret;

// One cargo feature per registrar (default: all), so that a router build of the agent
// carries only its own.
#[cfg(feature = "aliyun")]
pub mod aliyun;
#[cfg(feature = "cloudflare")]
pub mod cloudflare;
#[cfg(feature = "dnspod")]
pub mod dnspod;
#[cfg(feature = "godaddy")]
pub mod godaddy;
#[cfg(feature = "huaweicloud")]
pub mod huaweicloud;
#[cfg(feature = "rfc2136")]
pub mod rfc2136;

pub use error::{ErrorKind, ProviderError};
pub use http::{ApiCounters, HttpContext};
pub use record::{Record, RecordData, RecordType, Zone};
pub use secret::Secret;

use async_trait::async_trait;
use std::time::Duration;

/// The error of an operation a provider does not implement.
pub fn unsupported(provider: &'static str, what: String) -> ProviderError {
    ProviderError::new(
        provider,
        ErrorKind::Unsupported,
        rust_i18n::t!("unsupported.error", what = what, provider = provider),
    )
}

/// `Ok` when `supports` (a provider's [`Provider::supports`] answer for `rtype`) says yes;
/// otherwise the [`ErrorKind::Unsupported`] error that create/update/list give.
pub fn ensure_supported(
    provider: &'static str,
    rtype: RecordType,
    supports: Result<(), String>,
) -> Result<(), ProviderError> {
    supports.map_err(|reason| {
        ProviderError::new(
            provider,
            ErrorKind::Unsupported,
            format!("{rtype} records: {reason}"),
        )
    })
}

/// How fast a provider lets one account write: `requests` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}

/// The record-level primitives every registrar implements.
///
/// Names are fully qualified, lowercase, without the trailing dot (`mail.example.com`).
/// Implementations must never delete or drop a record they were not asked to change
/// (GoDaddy's PUT replaces a whole record set: read it first, change one entry, write
/// all of them back).
#[async_trait]
pub trait Provider: Send + Sync {
    /// The registrar's word: `cloudflare`, `aliyun` or `godaddy`.
    fn kind(&self) -> &'static str;

    /// Look a zone up by its exact name (`example.com`). A zone the account does not
    /// hold is an error of kind [`ErrorKind::ZoneNotFound`].
    async fn zone(&self, name: &str) -> Result<Zone, ProviderError>;

    /// Every record of `rtype` at `fqdn` inside `zone` (empty when there is none).
    async fn list(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, ProviderError>;

    /// Create one record and return it with the id the provider gave it.
    async fn create(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError>;

    /// Change `old` in place so that it holds `data` with `ttl`.
    ///
    /// `old` may come from the agent's state cache rather than a fresh [`Provider::list`]
    /// (so that a warm cycle costs one request): a stale id must produce an error of kind
    /// [`ErrorKind::RecordNotFound`], after which the agent lists and retries.
    /// When the provider answers "identical record" the call succeeds.
    async fn update(
        &self,
        zone: &Zone,
        old: &Record,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError>;

    /// Every record of the zone (all types), in as few requests as the API allows (one
    /// paged listing). Records the agent cannot represent (a type outside [`RecordType`],
    /// an ISP-specific line) are left out, never altered.
    async fn list_zone(&self, zone: &Zone) -> Result<Vec<Record>, ProviderError> {
        Err(unsupported(
            self.kind(),
            rust_i18n::t!("unsupported.list_zone", zone = zone.name).into_owned(),
        ))
    }

    /// Delete exactly this record and nothing else (the agent calls it only after any
    /// replacement exists). A record that is already gone is an error of kind
    /// [`ErrorKind::RecordNotFound`].
    async fn delete(&self, zone: &Zone, record: &Record) -> Result<(), ProviderError> {
        Err(unsupported(
            self.kind(),
            rust_i18n::t!(
                "unsupported.delete",
                rtype = record.rtype(),
                name = record.name,
                zone = zone.name
            )
            .into_owned(),
        ))
    }

    /// Whether the vendor's API can hold records of `rtype`: `Ok(())`, or `Err(reason)`
    /// (a documented vendor fact, shown in `plan` beside the record it leaves out).
    ///
    /// TXT strings over 255 bytes are sent the way each vendor needs (Cloudflare: one
    /// quoted-string list; Aliyun, GoDaddy: one long value the vendor splits); providers
    /// handle this inside `create`/`update`, callers pass [`RecordData::Txt`] as they want
    /// it published.
    fn supports(&self, rtype: RecordType) -> Result<(), String> {
        match rtype {
            RecordType::A | RecordType::Aaaa | RecordType::Cname | RecordType::Txt => Ok(()),
            other => Err(rust_i18n::t!(
                "unsupported.type_default",
                rtype = other,
                provider = self.kind()
            )
            .into_owned()),
        }
    }

    /// Whether the vendor's API can hold this value (a type it offers can still refuse
    /// some values: Alidns takes no null MX and no SRV target "."): `Ok(())` or
    /// `Err(reason)`. Defaults to [`Provider::supports`] of the value's type; `create` and
    /// `update` refuse such a value with [`ErrorKind::Unsupported`] before sending it.
    fn supports_data(&self, data: &RecordData) -> Result<(), String> {
        self.supports(data.rtype())
    }

    /// The smallest TTL this provider accepts; the agent raises lower values with a notice.
    fn min_ttl(&self) -> u32;

    /// The write budget to pace large cycles by.
    fn rate_limit(&self) -> RateLimit;
}

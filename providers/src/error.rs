//! The one error type of every provider: what happened, and what the user should do.

use std::fmt;
use std::time::Duration;

/// What kind of failure, so that the agent can decide whether to retry, back off or stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The credentials are malformed, unknown, revoked, or the signature does not match.
    Auth,
    /// The credentials are valid but may not do this (token scope, RAM policy, account tier).
    Permission,
    /// The account holds no such zone.
    ZoneNotFound,
    /// A record id (usually from the state cache) no longer exists.
    RecordNotFound,
    /// The request itself was rejected (bad TTL, bad content, conflicting record).
    Invalid,
    /// Too many requests: wait `retry_after` (when the provider said) and try again.
    RateLimited,
    /// Connection refused/reset, timeout, HTTP 5xx: worth retrying.
    Transient,
    /// The answer could not be understood (not JSON, wrong shape, oversized).
    Protocol,
    /// The provider's API cannot do this (a record type it does not offer, an operation
    /// this provider does not implement). Retrying cannot help.
    Unsupported,
}

/// A provider failure, phrased for the person who has to fix it.
#[derive(Debug, Clone)]
pub struct ProviderError {
    /// `cloudflare`, `aliyun` or `godaddy`.
    pub provider: &'static str,
    pub kind: ErrorKind,
    /// What happened, with the vendor's own code and message when there is one.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// How long the provider asked us to wait (429 Retry-After, retryAfterSec, Throttling).
    pub retry_after: Option<Duration>,
    /// Whether the request may have reached the provider and changed something
    /// (a timeout after sending a write): the agent then says "could not confirm".
    pub maybe_applied: bool,
}

impl ProviderError {
    pub fn new(provider: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        ProviderError {
            provider,
            kind,
            // Vendor text (an error message that echoes the request) is masked here, once.
            message: crate::redact::redact(&message.into()).into_owned(),
            hint: None,
            retry_after: None,
            maybe_applied: false,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(crate::redact::redact(&hint.into()).into_owned());
        self
    }

    pub fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.retry_after = after;
        self
    }

    pub fn maybe_applied(mut self, yes: bool) -> Self {
        self.maybe_applied = yes;
        self
    }

    /// Worth trying again within the same cycle (after a backoff).
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Transient | ErrorKind::RateLimited)
    }

    /// Retrying cannot help until the user changes something (credentials, permissions,
    /// the zone): the agent backs off across cycles.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Auth | ErrorKind::Permission | ErrorKind::ZoneNotFound
        )
    }

    pub fn is_record_not_found(&self) -> bool {
        self.kind == ErrorKind::RecordNotFound
    }

    pub fn is_zone_not_found(&self) -> bool {
        self.kind == ErrorKind::ZoneNotFound
    }
}

impl fmt::Display for ProviderError {
    /// One printable line: control characters that an answer smuggled into the message
    /// (a vendor's error code or text) are shown as spaces, so they cannot break a log
    /// line or drive a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.provider, Printable(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, ". {}", Printable(h))?;
        }
        Ok(())
    }
}

/// Text with its control characters written as spaces.
struct Printable<'a>(&'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            fmt::Write::write_char(f, if c.is_control() { ' ' } else { c })?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderError {}

//! GoDaddy emulator settings: API keys (key, secret, domains, restriction) and the rate limit.
//!
//! Seed JSON (under `"godaddy"`):
//! ```json
//! {"keys": [{"key": "K", "secret": "S", "domains": ["example.com"], "restriction": "small_account"}],
//!  "rate_limit": {"requests": 60, "window_secs": 60, "retry_after_secs": null}}
//! ```

use serde::{Deserialize, Serialize};

use super::{FakeOptions, FakeSecret};
use crate::rdata::normalize_name;

/// The API key of [`FakeOptions::example`] (and `mxddns demo --provider godaddy`).
pub const DEMO_GODADDY_KEY: &str = "mxddnsFakeGoDaddyKey_0123456789abcdef";

/// The API secret that goes with [`DEMO_GODADDY_KEY`].
pub const DEMO_GODADDY_SECRET: &str = "mxddnsFakeSecret012345";

/// What GoDaddy refuses to a key's account (providers-api.md §3.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GdRestriction {
    /// Full access.
    #[default]
    None,
    /// The 2024 small-account rule: 403 `ACCESS_DENIED` on every call.
    SmallAccount,
    /// Partial denial seen in `go-acme/lego#2269`: reads (GET) get 403, writes work.
    ReadsDenied,
    /// Only `GET /v1/domains/{domain}` gets 403 (acme.sh's 2026 report); records work.
    DomainDetailsDenied,
}

/// One API key/secret pair the emulator accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GdKey {
    pub key: FakeSecret,
    pub secret: FakeSecret,
    /// Domains (zones) of this key's account; empty means every zone in the store.
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub restriction: GdRestriction,
}

impl GdKey {
    /// A key for these domains (empty: every zone), with full access.
    pub fn new(key: &str, secret: &str, domains: &[&str]) -> Self {
        GdKey {
            key: FakeSecret::new(key),
            secret: FakeSecret::new(secret),
            domains: domains.iter().map(|d| normalize_name(d)).collect(),
            restriction: GdRestriction::None,
        }
    }

    /// The same key with `restriction`.
    pub fn restricted(mut self, restriction: GdRestriction) -> Self {
        self.restriction = restriction;
        self
    }

    /// Whether this key's account holds `domain`.
    pub fn owns(&self, domain: &str) -> bool {
        self.domains.is_empty() || self.domains.iter().any(|d| normalize_name(d) == domain)
    }
}

/// Requests allowed per key, per endpoint (method and path template), per window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GdRateLimit {
    pub requests: u32,
    pub window_secs: u64,
    /// `retryAfterSec` to answer on 429; `None`: the seconds left in the window.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
}

impl Default for GdRateLimit {
    /// GoDaddy's API terms: 60 requests per minute per endpoint.
    fn default() -> Self {
        GdRateLimit {
            requests: 60,
            window_secs: 60,
            retry_after_secs: None,
        }
    }
}

/// GoDaddy emulator settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GoDaddyOptions {
    pub keys: Vec<GdKey>,
    pub rate_limit: GdRateLimit,
}

impl FakeOptions {
    /// Adds a GoDaddy API key with full access to `domains` (empty: every zone).
    pub fn godaddy_key(self, key: &str, secret: &str, domains: &[&str]) -> Self {
        self.godaddy(GdKey::new(key, secret, domains))
    }

    /// Adds a GoDaddy API key whose account falls under the 2024 small-account rule: every
    /// call gets 403 `ACCESS_DENIED`.
    pub fn godaddy_small_account_key(self, key: &str, secret: &str, domains: &[&str]) -> Self {
        self.godaddy(GdKey::new(key, secret, domains).restricted(GdRestriction::SmallAccount))
    }

    /// Adds a GoDaddy API key as described.
    pub fn godaddy(mut self, key: GdKey) -> Self {
        self.godaddy.keys.push(key);
        self
    }

    /// Sets the GoDaddy rate limit (default 60 requests per 60 s per key and endpoint).
    /// `retry_after_secs`: the `retryAfterSec` answered on 429 (`None`: what is left of the
    /// window).
    pub fn godaddy_rate_limit(
        mut self,
        requests: u32,
        window_secs: u64,
        retry_after_secs: Option<u64>,
    ) -> Self {
        self.godaddy.rate_limit = GdRateLimit {
            requests,
            window_secs,
            retry_after_secs,
        };
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_json_and_builders_agree() {
        let json = r#"{"godaddy": {"keys": [{"key": "K", "secret": "S", "domains": ["Example.com."], "restriction": "small_account"}],
                        "rate_limit": {"requests": 2, "window_secs": 5, "retry_after_secs": 1}}}"#;
        let from_json = FakeOptions::from_json(json).unwrap();
        let built = FakeOptions::new()
            .godaddy_small_account_key("K", "S", &["example.com"])
            .godaddy_rate_limit(2, 5, Some(1));
        assert_eq!(from_json.godaddy.rate_limit, built.godaddy.rate_limit);
        let (j, b) = (&from_json.godaddy.keys[0], &built.godaddy.keys[0]);
        assert_eq!(
            (&j.key, &j.secret, j.restriction),
            (&b.key, &b.secret, b.restriction)
        );
        assert!(j.owns("example.com"), "domains compare normalized");
        assert!(built.godaddy.keys[0].owns("example.com"));
        assert!(!built.godaddy.keys[0].owns("example.org"));
        assert!(GdKey::new("a", "b", &[]).owns("anything.test"));
        assert_eq!(GoDaddyOptions::default().rate_limit.requests, 60);
        assert!(
            !format!("{built:?}").contains("\"S\""),
            "secrets never show in Debug"
        );
    }
}

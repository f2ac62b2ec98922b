//! What to start the fake registrar with: seeded zones, Cloudflare tokens and rate limit,
//! Alidns AccessKeys (see `aliyun::options`), GoDaddy keys and rate limit, echo addresses.
//! Readable from JSON (`mxddns-fakereg --seed seed.json`) and buildable in code.
//!
//! Seed JSON example:
//! ```json
//! {
//!   "zones": [{"name": "example.com", "records": [
//!     {"name": "@", "type": "MX", "value": "10 mail.example.com."},
//!     {"name": "mail", "type": "A", "value": "203.0.113.10", "ttl": 300},
//!     {"name": "example.com", "type": "TXT", "value": ["v=spf1 ip4:203.0.113.10 ", "-all"]}
//!   ]}],
//!   "cloudflare": {"tokens": [{"token": "<40 chars of A-Za-z0-9_->", "zones": [], "read_zones": true}],
//!                  "rate_limit": {"requests": 1200, "window_secs": 300}},
//!   "godaddy": {"keys": [{"key": "K", "secret": "S", "domains": []}]},
//!   "aliyun": {"keys": [{"id": "LTAI…", "secret": "…", "domains": ["example.com"], "access": "full"}],
//!              "rate_limit": null, "clock_offset_secs": 0, "min_ttl": 600},
//!   "rfc2136": {"keys": [{"name": "mxddns-demo", "algorithm": "hmac-sha256", "secret": "<base64>"}]},
//!   "echo_ipv4": "203.0.113.20",
//!   "echo_ipv6": null
//! }
//! ```

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::aliyun::options::{AliyunOptions, DEMO_ALIYUN_KEY_ID, DEMO_ALIYUN_KEY_SECRET};
use crate::rdata::{normalize_name, Rdata, RdataError, RrType};
use crate::store::{NewRecord, Store, StoreError, DEFAULT_TTL};

mod godaddy;
pub use godaddy::{
    GdKey, GdRateLimit, GdRestriction, GoDaddyOptions, DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET,
};

/// The token of [`FakeOptions::example`]: 40 characters, full rights.
pub const EXAMPLE_CF_TOKEN: &str = "mxddns-fake-cloudflare-token-0123456789a";

/// A credential string that never shows in `Debug` output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FakeSecret(String);

impl FakeSecret {
    pub fn new(s: impl Into<String>) -> Self {
        FakeSecret(s.into())
    }
    /// The secret text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FakeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FakeSecret(<redacted>)")
    }
}

/// One Cloudflare API token the emulator accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CfToken {
    /// The bearer token; tokens not matching `^[A-Za-z0-9_-]{40}$` are refused as malformed.
    pub token: FakeSecret,
    /// Zone names it may use; empty means every zone.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Whether it may list zones (`GET /zones`).
    #[serde(default = "yes")]
    pub read_zones: bool,
}

fn yes() -> bool {
    true
}

impl CfToken {
    /// A token for every zone, with zone read.
    pub fn full(token: &str) -> Self {
        CfToken {
            token: FakeSecret::new(token),
            zones: Vec::new(),
            read_zones: true,
        }
    }

    /// A token limited to these zones, with zone read.
    pub fn for_zones(token: &str, zones: &[&str]) -> Self {
        CfToken {
            zones: zones.iter().map(|z| normalize_name(z)).collect(),
            ..Self::full(token)
        }
    }

    /// The same token without the right to list zones.
    pub fn without_zone_read(mut self) -> Self {
        self.read_zones = false;
        self
    }

    /// Whether it may use zone `zone`.
    pub fn may_edit(&self, zone: &str) -> bool {
        self.zones.is_empty() || self.zones.iter().any(|z| normalize_name(z) == zone)
    }
}

/// Requests allowed per token per window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub requests: u32,
    pub window_secs: u64,
}

impl Default for RateLimit {
    /// Cloudflare's: 1200 per 300 s.
    fn default() -> Self {
        RateLimit {
            requests: 1200,
            window_secs: 300,
        }
    }
}

/// Cloudflare emulator settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloudflareOptions {
    pub tokens: Vec<CfToken>,
    pub rate_limit: RateLimit,
}

/// A TXT value may be written as one presentation string or as the list of its strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeedValue {
    Text(String),
    Strings(Vec<String>),
}

/// One seeded record. `name` is `@`, a name relative to the zone, or an FQDN inside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSeed {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: RrType,
    /// Presentation form (`10 mail.example.com.`, `"a" "b"`, `203.0.113.10`), or for TXT the
    /// list of strings.
    pub value: SeedValue,
    #[serde(default = "default_ttl")]
    pub ttl: u32,
}

fn default_ttl() -> u32 {
    DEFAULT_TTL
}

/// One seeded zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSeed {
    pub name: String,
    #[serde(default)]
    pub records: Vec<RecordSeed>,
}

/// Everything the fake registrar starts with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FakeOptions {
    pub zones: Vec<ZoneSeed>,
    pub cloudflare: CloudflareOptions,
    pub godaddy: GoDaddyOptions,
    /// Alidns emulator settings.
    pub aliyun: AliyunOptions,
    /// DNSPod emulator settings.
    pub dnspod: crate::dnspod::DnspodOptions,
    /// Huawei Cloud DNS emulator settings.
    pub huaweicloud: crate::huaweicloud::HuaweiOptions,
    /// RFC 2136 (UPDATE with TSIG) settings of the DNS server.
    pub rfc2136: crate::dns::tsig::Rfc2136Options,
    /// Address reported by the echo services to IPv4 clients (and to all when no IPv6 is set).
    pub echo_ipv4: Option<Ipv4Addr>,
    /// Address reported by `/ip6` and to IPv6 DNS clients.
    pub echo_ipv6: Option<Ipv6Addr>,
}

/// Why a seed could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    #[error("seed JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("seed: {0}")]
    TsigKey(#[from] crate::dns::tsig::KeyError),
    #[error("seed zone '{zone}', record '{name}': {source}")]
    Record {
        zone: String,
        name: String,
        #[source]
        source: StoreError,
    },
}

impl FakeOptions {
    /// Nothing seeded, no tokens, no echo address.
    pub fn new() -> Self {
        Self::default()
    }

    /// Zone `example.com` with SOA and NS, `MX 10 mail.example.com`, `mail.example.com A
    /// 203.0.113.10`, `TXT "v=spf1 ip4:203.0.113.10 -all"`; one full-rights Cloudflare token
    /// ([`EXAMPLE_CF_TOKEN`]); one Alidns AccessKey with full rights over every zone
    /// ([`DEMO_ALIYUN_KEY_ID`], [`DEMO_ALIYUN_KEY_SECRET`]); one full-access GoDaddy key
    /// ([`DEMO_GODADDY_KEY`], [`DEMO_GODADDY_SECRET`]); one TSIG key for RFC 2136
    /// ([`crate::DEMO_TSIG_KEY_NAME`], hmac-sha256, [`crate::DEMO_TSIG_SECRET`]); echo address
    /// 203.0.113.20.
    pub fn example() -> Self {
        Self::new()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::SOA,
                "ns1.example.com. hostmaster.example.com. 2024010101 3600 600 604800 300",
            )
            .record("example.com", "example.com", RrType::NS, "ns1.example.com.")
            .record("example.com", "example.com", RrType::NS, "ns2.example.com.")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record("example.com", "mail.example.com", RrType::A, "203.0.113.10")
            .record(
                "example.com",
                "example.com",
                RrType::TXT,
                "v=spf1 ip4:203.0.113.10 -all",
            )
            .cloudflare_token(CfToken::full(EXAMPLE_CF_TOKEN))
            .godaddy_key(DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET, &[])
            .dnspod_key(
                crate::dnspod::DEMO_DNSPOD_SECRET_ID,
                crate::dnspod::DEMO_DNSPOD_SECRET_KEY,
            )
            .huaweicloud_key(
                crate::huaweicloud::DEMO_HUAWEICLOUD_AK,
                crate::huaweicloud::DEMO_HUAWEICLOUD_SK,
            )
            .aliyun_key(DEMO_ALIYUN_KEY_ID, DEMO_ALIYUN_KEY_SECRET, &[])
            .tsig_key(
                crate::dns::tsig::DEMO_TSIG_KEY_NAME,
                crate::dns::tsig::DEMO_TSIG_ALGORITHM,
                crate::dns::tsig::DEMO_TSIG_SECRET,
            )
            .echo_ipv4(Ipv4Addr::new(203, 0, 113, 20))
    }

    /// Reads the seed JSON format (see the module documentation).
    pub fn from_json(text: &str) -> Result<Self, SeedError> {
        let opts: FakeOptions = serde_json::from_str(text)?;
        crate::dns::tsig::Keyring::new(&opts.rfc2136)?;
        // Validate every record now, so a bad seed fails with its location.
        opts.seed(&Store::new())?;
        Ok(opts)
    }

    /// Adds a zone (no-op if present).
    pub fn zone(mut self, name: &str) -> Self {
        let name = normalize_name(name);
        if !self.zones.iter().any(|z| normalize_name(&z.name) == name) {
            self.zones.push(ZoneSeed {
                name,
                records: Vec::new(),
            });
        }
        self
    }

    /// Adds a record (presentation value) to `zone`, creating the zone if needed; TTL 300.
    pub fn record(self, zone: &str, name: &str, rtype: RrType, value: &str) -> Self {
        self.record_ttl(zone, name, rtype, value, DEFAULT_TTL)
    }

    /// [`FakeOptions::record`] with a TTL.
    pub fn record_ttl(
        mut self,
        zone: &str,
        name: &str,
        rtype: RrType,
        value: &str,
        ttl: u32,
    ) -> Self {
        self = self.zone(zone);
        let zone = normalize_name(zone);
        if let Some(z) = self
            .zones
            .iter_mut()
            .find(|z| normalize_name(&z.name) == zone)
        {
            z.records.push(RecordSeed {
                name: name.to_string(),
                rtype,
                value: SeedValue::Text(value.to_string()),
                ttl,
            });
        }
        self
    }

    /// Adds a TXT record made of these strings.
    pub fn txt(mut self, zone: &str, name: &str, strings: &[&str]) -> Self {
        self = self.zone(zone);
        let zone = normalize_name(zone);
        if let Some(z) = self
            .zones
            .iter_mut()
            .find(|z| normalize_name(&z.name) == zone)
        {
            z.records.push(RecordSeed {
                name: name.to_string(),
                rtype: RrType::TXT,
                value: SeedValue::Strings(strings.iter().map(|s| s.to_string()).collect()),
                ttl: DEFAULT_TTL,
            });
        }
        self
    }

    /// Adds a Cloudflare token.
    pub fn cloudflare_token(mut self, token: CfToken) -> Self {
        self.cloudflare.tokens.push(token);
        self
    }

    /// Sets the Cloudflare rate limit (default 1200 requests per 300 s per token).
    pub fn cloudflare_rate_limit(mut self, requests: u32, window_secs: u64) -> Self {
        self.cloudflare.rate_limit = RateLimit {
            requests,
            window_secs,
        };
        self
    }

    pub fn echo_ipv4(mut self, ip: Ipv4Addr) -> Self {
        self.echo_ipv4 = Some(ip);
        self
    }

    pub fn echo_ipv6(mut self, ip: Ipv6Addr) -> Self {
        self.echo_ipv6 = Some(ip);
        self
    }

    /// Puts the seeded zones and records into `store`.
    pub(crate) fn seed(&self, store: &Store) -> Result<(), SeedError> {
        for zs in &self.zones {
            let zone = store.add_zone(&zs.name);
            for rs in &zs.records {
                let err = |source: StoreError| SeedError::Record {
                    zone: zone.name.clone(),
                    name: rs.name.clone(),
                    source,
                };
                let data = match &rs.value {
                    SeedValue::Text(t) => Rdata::parse(rs.rtype, t),
                    SeedValue::Strings(parts) if rs.rtype == RrType::TXT => {
                        Ok(Rdata::Txt(parts.clone()))
                    }
                    SeedValue::Strings(_) => Err(RdataError::BadValue {
                        rtype: rs.rtype,
                        value: format!("{:?}", rs.value),
                        why: "a list of strings is only for TXT",
                    }),
                }
                .map_err(|e| err(e.into()))?;
                let name = seed_name(&rs.name, &zone.name);
                store
                    .add(&zone.name, NewRecord::new(&name, data, rs.ttl))
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

/// `@` → apex; an FQDN inside the zone stays; anything else is relative to the zone.
fn seed_name(name: &str, zone: &str) -> String {
    let n = normalize_name(name);
    if n == "@" || n.is_empty() {
        zone.to_string()
    } else if n == zone || n.ends_with(&format!(".{zone}")) {
        n
    } else {
        format!("{n}.{zone}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_json_round_trip() {
        let json = r#"{
          "zones": [{"name": "Example.com.", "records": [
            {"name": "@", "type": "MX", "value": "10 mail.example.com."},
            {"name": "mail", "type": "a", "value": "203.0.113.10", "ttl": 60},
            {"name": "example.com", "type": "TXT", "value": ["v=spf1 ip4:203.0.113.10 ", "-all"]}
          ]}],
          "cloudflare": {"tokens": [{"token": "mxddns-fake-cloudflare-token-0123456789a", "zones": ["example.com"]}]},
          "echo_ipv4": "203.0.113.20"
        }"#;
        let opts = FakeOptions::from_json(json).unwrap();
        assert!(opts.cloudflare.tokens[0].read_zones);
        assert_eq!(opts.cloudflare.rate_limit, RateLimit::default());
        let store = Store::new();
        opts.seed(&store).unwrap();
        assert_eq!(
            store.records("example.com", RrType::MX),
            vec!["10 mail.example.com"]
        );
        assert_eq!(
            store.list("example.com", Some("mail.example.com"), None)[0].ttl,
            60
        );
        assert_eq!(
            store.txt("example.com"),
            vec!["v=spf1 ip4:203.0.113.10 -all"]
        );
        assert!(
            !format!("{opts:?}").contains("0123456789a"),
            "token must not show in Debug"
        );
    }

    #[test]
    fn bad_seeds_say_where() {
        let e = FakeOptions::from_json(
            r#"{"zones":[{"name":"example.com","records":[{"name":"x","type":"A","value":"::1"}]}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("'x'"), "{e}");
        assert!(FakeOptions::from_json(r#"{"zonez": []}"#).is_err());
        assert!(FakeOptions::from_json(
            r#"{"zones":[{"name":"example.com","records":[{"name":"x","type":"A","value":["1.2.3.4"]}]}]}"#
        )
        .is_err());
    }

    #[test]
    fn example_is_valid() {
        let store = Store::new();
        FakeOptions::example().seed(&store).unwrap();
        assert_eq!(
            store.records("mail.example.com", RrType::A),
            vec!["203.0.113.10"]
        );
        assert_eq!(
            store.txt("example.com"),
            vec!["v=spf1 ip4:203.0.113.10 -all"]
        );
        assert_eq!(EXAMPLE_CF_TOKEN.len(), 40);
    }
}

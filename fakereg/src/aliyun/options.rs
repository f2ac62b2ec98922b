//! What the Alidns emulator starts with: AccessKeys (each the key of one account, with the
//! domains that account holds and the RAM rights of the user), the flow-control quota, the
//! server clock's offset and the edition's minimum TTL. Part of the seed JSON under `aliyun`.

use serde::{Deserialize, Serialize};

use crate::options::{FakeOptions, FakeSecret, RateLimit};
use crate::rdata::normalize_name;

/// The AccessKey ID of [`FakeOptions::example`] (24 characters starting `LTAI`, as real ones).
pub const DEMO_ALIYUN_KEY_ID: &str = "LTAI5tMxddnsDemoKey0001A";
/// The AccessKey secret of [`FakeOptions::example`] (30 characters, as real ones).
pub const DEMO_ALIYUN_KEY_SECRET: &str = "mxddnsDemoAliyunSecret01234567";

/// The free edition's TTL range (providers-api.md §1.8, ALI-TTL).
pub const FREE_EDITION_MIN_TTL: u32 = 600;

/// What the RAM user behind an AccessKey may do in Alidns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AliyunAccess {
    /// `AliyunDNSFullAccess` (or the account's own key).
    #[default]
    Full,
    /// `AliyunDNSReadOnlyAccess`: the Describe actions only; writes get `Forbidden.RAM`.
    ReadOnly,
    /// No Alidns policy attached: every action gets `Forbidden.RAM`.
    None,
}

/// One AccessKey the emulator knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunKey {
    /// The AccessKey ID.
    pub id: String,
    /// The AccessKey secret.
    pub secret: FakeSecret,
    /// The domains (zones) of this key's account; empty means every zone in the store.
    /// A zone of the store that is not listed belongs to "another user"
    /// (`IncorrectDomainUser`); a name that is no zone at all is `InvalidDomainName.NoExist`.
    #[serde(default)]
    pub domains: Vec<String>,
    /// The RAM user's rights.
    #[serde(default)]
    pub access: AliyunAccess,
}

impl AliyunKey {
    /// A key with full Alidns rights over `domains` (empty: every zone).
    pub fn new(id: &str, secret: &str, domains: &[&str]) -> Self {
        AliyunKey {
            id: id.to_string(),
            secret: FakeSecret::new(secret),
            domains: domains.iter().map(|d| normalize_name(d)).collect(),
            access: AliyunAccess::Full,
        }
    }

    /// The same key with other RAM rights.
    pub fn with_access(mut self, access: AliyunAccess) -> Self {
        self.access = access;
        self
    }

    /// Whether this key's account holds zone `zone` (normalized).
    pub fn holds(&self, zone: &str) -> bool {
        self.domains.is_empty() || self.domains.iter().any(|d| normalize_name(d) == zone)
    }
}

/// Alidns emulator settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AliyunOptions {
    pub keys: Vec<AliyunKey>,
    /// Requests per AccessKey per window over all actions, beyond which `Throttling.User`
    /// answers. `None`: Alidns' own per-action quotas per second (ALI-QUOTA: Update, Add and
    /// Delete 60, DescribeDomainRecords 100, DescribeSubDomainRecords 300).
    pub rate_limit: Option<RateLimit>,
    /// The server's clock minus the real time, in seconds: a request whose `Timestamp`
    /// (or `x-acs-date`) is more than 15 minutes from the server's clock is refused with
    /// `InvalidTimeStamp.Expired`, and the `Date` header shows the server's clock.
    pub clock_offset_secs: i64,
    /// Smallest TTL accepted by Add and Update (`QuotaExceeded.TTL` below it); 600 is the
    /// free and personal editions', 60 Enterprise Standard's, 1 Enterprise Ultimate's.
    pub min_ttl: u32,
}

impl Default for AliyunOptions {
    fn default() -> Self {
        AliyunOptions {
            keys: Vec::new(),
            rate_limit: None,
            clock_offset_secs: 0,
            min_ttl: FREE_EDITION_MIN_TTL,
        }
    }
}

impl FakeOptions {
    /// Adds an AccessKey with full Alidns rights over `domains` (empty: every zone).
    pub fn aliyun_key(self, id: &str, secret: &str, domains: &[&str]) -> Self {
        self.aliyun_access_key(AliyunKey::new(id, secret, domains))
    }

    /// Adds an AccessKey as built (e.g. `AliyunKey::new(..).with_access(AliyunAccess::None)`).
    pub fn aliyun_access_key(mut self, key: AliyunKey) -> Self {
        self.aliyun.keys.push(key);
        self
    }

    /// `Throttling.User` after `requests` requests per AccessKey per `window_secs`, counted
    /// over all actions (instead of Alidns' per-action quotas).
    pub fn aliyun_rate_limit(mut self, requests: u32, window_secs: u64) -> Self {
        self.aliyun.rate_limit = Some(RateLimit {
            requests,
            window_secs,
        });
        self
    }

    /// Sets the Alidns server clock `secs` seconds ahead of the real time (negative: behind).
    pub fn aliyun_clock_offset(mut self, secs: i64) -> Self {
        self.aliyun.clock_offset_secs = secs;
        self
    }

    /// Sets the smallest TTL Alidns accepts (default 600, the free edition's).
    pub fn aliyun_min_ttl(mut self, ttl: u32) -> Self {
        self.aliyun.min_ttl = ttl;
        self
    }
}

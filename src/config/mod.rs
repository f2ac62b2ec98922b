//! Configuration: the YAML file of the contract (../shared/design/interface.md), in two
//! steps. `raw` mirrors the file (serde, deny_unknown_fields); `load` expands `${VAR}`,
//! reads `*_file` secrets, validates everything and produces the typed [`Config`] below,
//! with errors that name the key path and the line.

mod domains;
mod error;
mod expand;
mod index;
pub(crate) mod load;
mod mail;
mod names;
mod notify;
mod providers;
mod raw;
mod render;
mod schedule;
mod sections;
mod serde_error;
mod shape;
#[cfg(test)]
mod tests;
mod tls;
mod yaml;

pub use load::load;
#[cfg(any(feature = "demo", test))]
pub use load::load_str;
pub use mail::MailConfig;
#[cfg(feature = "mail-setup")]
pub use mail::{report_uri, ClientService, MtaStsConfig};
#[cfg(test)]
pub use mail::{DkimEntry, DmarcConfig, MailSpf, MtaStsMode, MxEntry, TlsaConfig};
pub use names::validate_dns_name;
pub use providers::Credentials;
pub use providers::{init_fields, kinds};
pub use render::render_plan;

use crate::detect::SourceSpec;
use mxddns_providers::Secret;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// When cycles run.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every this long, counted from the end of the previous cycle's start.
    Every(Duration),
    /// A cron expression (seconds field first, as the `cron` crate reads it), kept with
    /// its source text for display.
    Cron(Box<cron::Schedule>, String),
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub schedule: Schedule,
    pub state_file: PathBuf,
    pub detect: DetectConfig,
    /// Named provider accounts, by their key under `providers:`.
    pub providers: BTreeMap<String, ProviderConfig>,
    pub domains: Vec<DomainConfig>,
    pub dns: DnsConfig,
    /// `/healthz` and `/metrics` of the running service; off when absent.
    pub listen: Option<SocketAddr>,
    /// Webhooks told about changes, persistent failures and recoveries; empty: none.
    pub notify: Vec<NotifyConfig>,
}

#[derive(Debug, Clone)]
pub struct DetectConfig {
    /// Empty: IPv4 off (`ipv4: off`, an IPv6-only line).
    pub ipv4: Vec<SourceSpec>,
    /// Empty: IPv6 off.
    pub ipv6: Vec<SourceSpec>,
    /// Sources that must agree; `None`: a majority of those that answered.
    pub quorum: Option<usize>,
    pub timeout: Duration,
}

impl DetectConfig {
    pub fn ipv4_enabled(&self) -> bool {
        !self.ipv4.is_empty()
    }

    pub fn ipv6_enabled(&self) -> bool {
        !self.ipv6.is_empty()
    }
}

/// Whether a domain is kept current for one address family (`ipv4:` / `ipv6:` of a
/// domain entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyPolicy {
    /// The family's record is kept; a failed detection fails the domain.
    Required,
    /// The family's record is kept when its address is detected; when it is not (a
    /// carrier-grade NAT IPv4 answer, say), the other family is still served and the
    /// domain does not fail.
    BestEffort,
    /// The domain has no record of this family.
    Off,
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The key under `providers:` (`home-cf`).
    pub name: String,
    /// API base URL override (`endpoint:`); validated: https, or http on loopback only.
    pub endpoint: Option<String>,
    /// Extra trusted roots for this account's API (`tls_ca_file:`).
    pub tls_ca: Option<crate::http::CaFile>,
    pub credentials: Credentials,
}

impl ProviderConfig {
    /// The `type:` word (`cloudflare`, `aliyun`, ...).
    pub fn kind(&self) -> &'static str {
        self.credentials.kind()
    }
}

/// How the MX host is kept pointing at this network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMode {
    /// Address records: A, plus AAAA when IPv6 detection is on.
    Address,
    /// `host` is kept as a CNAME to `target`.
    Cname(CnameTarget),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CnameTarget {
    /// A fixed name.
    Fixed(String),
    /// `{ptr}`: the reverse name of the current address, forward-confirmed before use.
    Ptr,
    /// A template with `{ip4}`, `{ip4-dashed}`, `{ip6-dashed}`.
    Template(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpfMode {
    /// `spf: false` (default): leave TXT records alone.
    Off,
    /// `spf: true`: keep our ip4:/ip6: term current in the existing SPF record.
    Keep,
    /// `spf: create`: as `Keep`, and create `v=spf1 ip4:… ~all`... when there is none.
    Create,
}

#[derive(Debug, Clone)]
pub struct DomainConfig {
    /// The mail domain: the owner of the MX record (`example.com`).
    pub domain: String,
    /// The key of an entry under `providers:`.
    pub provider: String,
    /// The name that must reach this network; `None`: the domain's MX host(s), found in DNS.
    pub host: Option<String>,
    pub mode: HostMode,
    pub ttl: u32,
    pub spf: SpfMode,
    /// The zone at the provider, when it is not found through DNS (SOA).
    pub zone: Option<String>,
    pub dkim_selectors: Vec<String>,
    /// IPv4 and IPv6 for this domain (default: required when `detect:` has sources for
    /// the family, off when it has none).
    pub ipv4: FamilyPolicy,
    pub ipv6: FamilyPolicy,
    /// `mail:`: the declared mail record set, for `plan`/`apply` and its upkeep.
    pub mail: Option<MailConfig>,
    /// The line of this entry in the file, for messages.
    #[allow(dead_code)] // kept with the entry for messages that point back at the file
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyMode {
    /// Ask the zone's authoritative servers (NS, or `dns.authoritative`).
    Authoritative,
    /// Ask the configured recursive resolvers.
    Resolvers,
    Off,
}

/// A DNS server given as `ip`, `ip:port` or `host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for ServerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// Recursive resolvers for every look-up; empty: the system's resolv.conf.
    pub resolvers: Vec<SocketAddr>,
    pub verify: VerifyMode,
    /// Verify against these instead of the zone's NS.
    pub authoritative: Vec<ServerSpec>,
    pub verify_timeout: Duration,
}

impl Config {
    /// A fingerprint of what decides whether `d`'s provider requests can succeed: the
    /// domain entry and its provider account (type, endpoint, credentials). A back-off
    /// after a permanent error holds only while this stays the same, so a fixed token,
    /// a new endpoint or a corrected zone is tried at once (SIGHUP or restart).
    /// SHA-256, truncated: the state file never holds a credential.
    pub fn fingerprint(&self, d: &DomainConfig) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut part = |s: &str| {
            h.update(s.as_bytes());
            h.update([0u8]);
        };
        part(&d.domain);
        part(&d.provider);
        part(&format!(
            "{:?}|{:?}|{}|{:?}|{:?}|{:?}|{:?}",
            d.host, d.mode, d.ttl, d.spf, d.zone, d.ipv4, d.ipv6
        ));
        if let Some(p) = self.providers.get(&d.provider) {
            part(p.kind());
            part(p.endpoint.as_deref().unwrap_or(""));
            for v in p.credentials.fingerprint_parts() {
                part(&v);
            }
        }
        hex::encode(&h.finalize()[..12])
    }
}

/// The `detect:` section as it is when the file leaves it out: the built-in IPv4
/// sources, IPv6 off, majority quorum (for `check --domain` without a configuration).
pub fn default_detect() -> DetectConfig {
    DetectConfig {
        ipv4: sections::DEFAULT_IPV4_SOURCES
            .iter()
            .filter_map(|s| s.parse::<SourceSpec>().ok())
            .collect(),
        ipv6: Vec::new(),
        quorum: None,
        timeout: sections::DEFAULT_DETECT_TIMEOUT,
    }
}

/// The HTTP method of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyMethod {
    Get,
    Post,
    Put,
    Patch,
}

impl NotifyMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyMethod::Get => "GET",
            NotifyMethod::Post => "POST",
            NotifyMethod::Put => "PUT",
            NotifyMethod::Patch => "PATCH",
        }
    }
}

/// Which events a webhook is sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyOn {
    /// A record was changed to the new address.
    pub change: bool,
    /// A domain has failed `after_failures` cycles in a row (sent once per streak).
    pub failure: bool,
    /// A domain works again after such a streak.
    pub recovery: bool,
}

/// One request header of a webhook. Every value is kept as a [`Secret`] (it may come
/// from `${VAR}`); `secret` says whether `validate` masks it (authorization, tokens, keys).
#[derive(Debug, Clone)]
pub struct NotifyHeader {
    pub name: String,
    pub value: Secret,
    pub secret: bool,
}

/// One webhook under `notify:`.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The URL, kept secret: webhook URLs often carry their token (Slack, Telegram, WeCom,
    /// DingTalk, Gotify, an ntfy topic).
    pub url: Secret,
    /// `scheme://host[:port]` of the URL: what messages and `validate` show.
    pub target: String,
    pub method: NotifyMethod,
    pub headers: Vec<NotifyHeader>,
    /// The body template (`{domain}`, `{host}`, `{old}`, `{new}`, `{error}`, `{event}`,
    /// `{message}`); `None`: the message alone, as plain text.
    pub body: Option<String>,
    pub on: NotifyOn,
    /// Consecutive failed cycles of a domain before its failure is sent.
    pub after_failures: u32,
    /// Extra trusted roots for this webhook (`tls_ca_file:`).
    pub tls_ca: Option<crate::http::CaFile>,
    /// The entry's index under `notify:`, for messages (`notify[0]`).
    pub index: usize,
}

//! The configuration file as written: one struct per YAML mapping, every key optional,
//! every scalar a string (so that `${VAR}` works everywhere and `load` can say exactly
//! what is wrong with a value). `deny_unknown_fields` everywhere: a misspelt key is an
//! error, never silently ignored.
//!
//! No `Debug` on purpose: these structs hold secrets as plain strings.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The whole file.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub schedule: Option<String>,
    pub state_file: Option<String>,
    pub detect: Option<RawDetect>,
    pub providers: Option<BTreeMap<String, RawProvider>>,
    pub domains: Option<Vec<RawDomain>>,
    pub dns: Option<RawDns>,
    pub listen: Option<String>,
    pub notify: Option<Vec<RawNotify>>,
}

/// `detect:`
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDetect {
    pub ipv4: Option<RawSources>,
    pub ipv6: Option<RawSources>,
    pub quorum: Option<String>,
    pub timeout: Option<String>,
}

/// `detect.ipv4:` / `detect.ipv6:`: a list of sources, or the word `off`.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a list of sources (\"- https://…\" lines), or off"
)]
pub(crate) enum RawSources {
    List(Vec<String>),
    Word(String),
}

/// One entry under `providers:`. Every provider type's keys are here; `load` refuses the
/// keys that do not belong to the entry's `type`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvider {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub endpoint: Option<String>,
    // any type
    pub tls_ca_file: Option<String>,
    // cloudflare
    pub api_token: Option<String>,
    pub api_token_file: Option<String>,
    // aliyun
    pub access_key_id: Option<String>,
    pub access_key_secret: Option<String>,
    pub access_key_secret_file: Option<String>,
    pub signature: Option<String>,
    // godaddy
    pub api_key: Option<String>,
    pub api_key_file: Option<String>,
    pub api_secret: Option<String>,
    pub api_secret_file: Option<String>,
    // rfc2136
    pub server: Option<String>,
    pub tsig_key_name: Option<String>,
    pub tsig_algorithm: Option<String>,
    pub tsig_secret: Option<String>,
    pub tsig_secret_file: Option<String>,
    // dnspod
    pub secret_id: Option<String>,
    // dnspod, huaweicloud
    pub secret_key: Option<String>,
    pub secret_key_file: Option<String>,
    // huaweicloud
    pub access_key: Option<String>,
    pub region: Option<String>,
}

/// One entry under `domains:`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDomain {
    pub domain: Option<String>,
    pub provider: Option<String>,
    pub host: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub target: Option<String>,
    pub ttl: Option<String>,
    pub spf: Option<String>,
    pub zone: Option<String>,
    pub dkim_selectors: Option<Vec<String>>,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub mail: Option<RawMail>,
}

/// `dns:`
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDns {
    pub resolvers: Option<Vec<String>>,
    pub verify: Option<String>,
    pub authoritative: Option<Vec<String>>,
    pub verify_timeout: Option<String>,
}

/// One webhook under `notify:`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotify {
    pub url: Option<String>,
    pub method: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub body: Option<String>,
    pub on: Option<Vec<String>>,
    pub after_failures: Option<String>,
    pub tls_ca_file: Option<String>,
}

impl RawProvider {
    /// Each key a provider entry may have, and whether this entry has it.
    pub(crate) fn keys(&self) -> [(&'static str, bool); 23] {
        [
            ("type", self.kind.is_some()),
            ("endpoint", self.endpoint.is_some()),
            ("tls_ca_file", self.tls_ca_file.is_some()),
            ("api_token", self.api_token.is_some()),
            ("api_token_file", self.api_token_file.is_some()),
            ("access_key_id", self.access_key_id.is_some()),
            ("access_key_secret", self.access_key_secret.is_some()),
            (
                "access_key_secret_file",
                self.access_key_secret_file.is_some(),
            ),
            ("signature", self.signature.is_some()),
            ("api_key", self.api_key.is_some()),
            ("api_key_file", self.api_key_file.is_some()),
            ("api_secret", self.api_secret.is_some()),
            ("api_secret_file", self.api_secret_file.is_some()),
            ("server", self.server.is_some()),
            ("tsig_key_name", self.tsig_key_name.is_some()),
            ("tsig_algorithm", self.tsig_algorithm.is_some()),
            ("tsig_secret", self.tsig_secret.is_some()),
            ("tsig_secret_file", self.tsig_secret_file.is_some()),
            ("secret_id", self.secret_id.is_some()),
            ("secret_key", self.secret_key.is_some()),
            ("secret_key_file", self.secret_key_file.is_some()),
            ("access_key", self.access_key.is_some()),
            ("region", self.region.is_some()),
        ]
    }
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
/// `domains[].mail:` — the declared mail record set (`plan` / `apply`).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMail {
    pub mx: Option<Vec<RawMx>>,
    pub spf: Option<RawMailSpf>,
    pub dkim: Option<Vec<RawDkim>>,
    pub dmarc: Option<RawDmarc>,
    pub mta_sts: Option<RawMtaSts>,
    pub tls_rpt: Option<Vec<String>>,
    pub client_setup: Option<RawClientSetup>,
    pub tlsa: Option<RawTlsa>,
    pub caa: Option<Vec<String>>,
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMx {
    pub host: Option<String>,
    pub priority: Option<String>,
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMailSpf {
    pub all: Option<String>,
    pub include: Option<Vec<String>>,
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDkim {
    pub selector: Option<String>,
    pub key_file: Option<String>,
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDmarc {
    pub p: Option<String>,
    pub sp: Option<String>,
    pub pct: Option<String>,
    pub rua: Option<Vec<String>>,
    pub ruf: Option<Vec<String>>,
    pub adkim: Option<String>,
    pub aspf: Option<String>,
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMtaSts {
    pub mode: Option<String>,
    pub max_age: Option<String>,
    pub policy_file: Option<String>,
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
/// `client_setup: true` or a list of the services offered.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawClientSetup {
    Bool(bool),
    Flag(String),
    List(Vec<String>),
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTlsa {
    pub cert_file: Option<String>,
    pub next_key_file: Option<String>,
    pub hosts: Option<Vec<String>>,
}

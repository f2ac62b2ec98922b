//! GoDaddy Domains API v1 (DNS records), `https://api.godaddy.com`.
//!
//! GoDaddy has no zone ids and no record ids: a record is addressed by zone, type, name
//! and value, and the only write used here, `PUT /v1/domains/{domain}/records/{type}/{name}`,
//! replaces every record of that type at that name. Every change is therefore a
//! read-modify-write of the whole set ([`rrset`]): the records mxddns was not asked to
//! change (an SPF record's neighbours at the apex, a second A record) go back exactly as
//! they were read.
//!
//! TXT: GoDaddy's `data` is the record's plain text, one string. A
//! [`RecordData::Txt`] with several character-strings is written as their concatenation
//! (which is how SPF and DMARC readers see it anyway) and read back as one string: where
//! the strings were split is not kept, and GoDaddy splits long values itself.
//!
//! Since 2024 GoDaddy refuses its DNS API to small accounts (HTTP 403 `ACCESS_DENIED`);
//! the error says so and what to do instead.

mod client;
mod rrset;
mod types;

#[cfg(test)]
mod tests;

use crate::error::{ErrorKind, ProviderError};
use crate::http::HttpContext;
use crate::record::{normalize_name, relative_name, Record, RecordData, RecordType, Zone};
use crate::secret::Secret;
use crate::{Provider, RateLimit};
use async_trait::async_trait;
use client::Client;
use rrset::{Plan, Wanted};
use std::time::Duration;
use types::{entry_data, entry_ttl, Entry};

/// The word for GoDaddy in config, logs and errors.
pub const PROVIDER: &str = "godaddy";

/// GoDaddy's production API.
pub const DEFAULT_ENDPOINT: &str = "https://api.godaddy.com";

/// GoDaddy's test environment (OTE); it takes its own API keys.
pub const OTE_ENDPOINT: &str = "https://api.ote-godaddy.com";

/// GoDaddy refuses TTLs below 600 seconds (422 `UNKNOWN_RESTRICTION` at `records[i].ttl`).
pub const MIN_TTL: u32 = 600;

/// A GoDaddy account, reached with an API key and secret (`Authorization: sso-key K:S`).
#[derive(Debug)]
pub struct GoDaddy {
    client: Client,
}

impl GoDaddy {
    /// A provider for the account of `api_key`/`api_secret`. `endpoint` is the API base
    /// URL: [`DEFAULT_ENDPOINT`] when `None`, [`OTE_ENDPOINT`] for GoDaddy's test
    /// environment, or a local server in tests.
    pub fn new(
        http: HttpContext,
        api_key: Secret,
        api_secret: Secret,
        endpoint: Option<String>,
    ) -> GoDaddy {
        let base = endpoint.unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        GoDaddy {
            client: Client::new(http, &base, api_key, api_secret),
        }
    }

    /// The name of `fqdn` relative to `zone` (`@` for the apex), or an error when `fqdn`
    /// is not inside it.
    fn relative(zone: &Zone, fqdn: &str) -> Result<String, ProviderError> {
        relative_name(fqdn, &zone.name).ok_or_else(|| {
            ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                format!("{fqdn} is not inside the zone {}", zone.name),
            )
        })
    }

    /// Read the set, apply `plan`, PUT it when it changed; the record as GoDaddy now holds it.
    async fn write(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
        plan: impl FnOnce(Vec<Entry>, &Wanted<'_>) -> Option<Plan>,
    ) -> Result<Record, ProviderError> {
        let rtype = data.rtype();
        let name = Self::relative(zone, fqdn)?;
        let wire = wire_data(data);
        let wanted = Wanted {
            data: &wire,
            name: &name,
            rtype: rtype.as_str(),
            ttl,
        };
        let set = self
            .client
            .get_records(&zone.name, rtype.as_str(), &name)
            .await?;
        match plan(set, &wanted) {
            None => {
                return Err(ProviderError::new(
                    PROVIDER,
                    ErrorKind::RecordNotFound,
                    format!(
                        "the {rtype} record of {} to change is no longer there",
                        normalize_name(fqdn)
                    ),
                ))
            }
            Some(Plan::Keep) => {}
            Some(Plan::Put(entries)) => {
                self.client
                    .put_records(&zone.name, rtype.as_str(), &name, &entries)
                    .await?
            }
        }
        Ok(Record {
            id: String::new(),
            name: normalize_name(fqdn),
            data: as_stored(data),
            ttl,
        })
    }
}

#[async_trait]
impl Provider for GoDaddy {
    fn kind(&self) -> &'static str {
        PROVIDER
    }

    /// GoDaddy has no zone ids; the zone is confirmed with `GET
    /// /v1/domains/{domain}/records/NS/@` rather than `GET /v1/domains/{domain}`, which
    /// GoDaddy refuses to accounts with fewer than 10 domains even where the records
    /// endpoints (the ones mxddns needs) still answer. A domain not in the account gives
    /// 422 `UNKNOWN_DOMAIN` (or 404 `NOT_FOUND`): [`ErrorKind::ZoneNotFound`].
    async fn zone(&self, name: &str) -> Result<Zone, ProviderError> {
        let name = normalize_name(name);
        let ns = self.client.get_records(&name, "NS", "@").await?;
        if ns.is_empty() {
            tracing::debug!(zone = %name, "godaddy lists no NS records at the apex");
        }
        Ok(Zone {
            id: name.clone(),
            name,
        })
    }

    async fn list(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, ProviderError> {
        crate::ensure_supported(PROVIDER, rtype, self.supports(rtype))?;
        let name = Self::relative(zone, fqdn)?;
        let fqdn = normalize_name(fqdn);
        let set = self
            .client
            .get_records(&zone.name, rtype.as_str(), &name)
            .await?;
        set.iter()
            .map(|e| {
                let raw = entry_data(e);
                let data = raw
                    .and_then(|raw| parse_data(rtype, &zone.name, raw))
                    .ok_or_else(|| {
                        ProviderError::new(
                            PROVIDER,
                            ErrorKind::Protocol,
                            format!(
                                "GoDaddy returned a {rtype} record of {fqdn} whose data {} is not a valid {rtype} value",
                                raw.map_or("(missing)".to_string(), |r| format!("{r:?}"))
                            ),
                        )
                    })?;
                Ok(Record {
                    id: String::new(),
                    name: fqdn.clone(),
                    data,
                    // 0 when GoDaddy leaves the TTL out: unknown, so a comparison with the
                    // wanted TTL asks for a write that sets it.
                    ttl: entry_ttl(e)
                        .and_then(|t| u32::try_from(t).ok())
                        .unwrap_or(0),
                })
            })
            .collect()
    }

    /// Append to the set at `fqdn` (GET, then PUT of the old entries plus the new one).
    /// A value the set already holds is not duplicated; only its TTL is brought in line.
    async fn create(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports(data.rtype()))?;
        let is_new = |d: &str| matches(data.rtype(), &zone.name, d, data);
        self.write(zone, fqdn, data, ttl, |set, wanted| {
            Some(rrset::plan_create(set, is_new, wanted))
        })
        .await
    }

    /// Replace the entry holding `old.data` (GET, then PUT of the set with that one entry
    /// changed). `old.data` no longer in the set: [`ErrorKind::RecordNotFound`]. No PUT
    /// when the set would not change.
    async fn update(
        &self,
        zone: &Zone,
        old: &Record,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports(data.rtype()))?;
        if old.rtype() != data.rtype() {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                format!(
                    "cannot change the {} record of {} into a {} record in place",
                    old.rtype(),
                    old.name,
                    data.rtype()
                ),
            ));
        }
        let rtype = data.rtype();
        let is_old = |d: &str| matches(rtype, &zone.name, d, &old.data);
        let is_new = |d: &str| matches(rtype, &zone.name, d, data);
        self.write(zone, &old.name, data, ttl, |set, wanted| {
            rrset::plan_update(set, is_old, is_new, wanted)
        })
        .await
    }

    fn min_ttl(&self) -> u32 {
        MIN_TTL
    }

    /// GoDaddy's API terms: 60 requests per minute per endpoint.
    fn rate_limit(&self) -> RateLimit {
        RateLimit {
            requests: 60,
            window: Duration::from_secs(60),
        }
    }
}

/// GoDaddy's `data` for a record: the address, the target name, or the TXT text.
fn wire_data(data: &RecordData) -> String {
    match data {
        RecordData::A(ip) => ip.to_string(),
        RecordData::Aaaa(ip) => ip.to_string(),
        RecordData::Cname(target) => normalize_name(target),
        RecordData::Txt(parts) => parts.concat(),
        // Not offered yet (`supports`): create/update refuse these before sending.
        other => other.to_string(),
    }
}

/// `data` as GoDaddy will hand it back: TXT strings become one string.
fn as_stored(data: &RecordData) -> RecordData {
    match data {
        RecordData::Txt(parts) => RecordData::Txt(vec![parts.concat()]),
        other => other.clone(),
    }
}

/// A GoDaddy `data` string as a value of `rtype`. A CNAME's `@` means the zone apex.
/// Fuzzing and property tests only: the record-set reader (with the conversion of each
/// entry) and the error decoder run on one HTTP answer, with the errors they give.
/// Never panics, whatever the answer.
#[doc(hidden)]
pub fn parse_for_fuzz(status: u16, body: &[u8]) -> Vec<ProviderError> {
    let resp = crate::http::Response::synthetic(status, body);
    let mut errors = Vec::new();
    match client::parse_entries(&resp) {
        Ok(set) => {
            for e in &set {
                for rtype in [RecordType::A, RecordType::Txt, RecordType::Cname] {
                    let _ = entry_data(e).and_then(|raw| parse_data(rtype, "example.com", raw));
                    let _ = entry_ttl(e);
                }
            }
        }
        Err(e) => errors.push(e),
    }
    for write in [false, true] {
        errors.push(client::decode_error(
            "reading A records of mail",
            &resp,
            write,
        ));
    }
    errors
}

fn parse_data(rtype: RecordType, zone: &str, raw: &str) -> Option<RecordData> {
    match rtype {
        RecordType::Cname if raw.trim() == "@" => Some(RecordData::Cname(normalize_name(zone))),
        RecordType::Cname if normalize_name(raw).is_empty() => None,
        _ => RecordData::from_plain(rtype, raw),
    }
}

/// Whether GoDaddy's `raw` holds the value `want` (compared as values: addresses parsed,
/// names normalised, TXT strings joined).
fn matches(rtype: RecordType, zone: &str, raw: &str, want: &RecordData) -> bool {
    match parse_data(rtype, zone, raw) {
        Some(RecordData::Txt(parts)) => Some(parts.concat()) == want.txt_joined(),
        Some(have) => &have == want,
        None => false,
    }
}

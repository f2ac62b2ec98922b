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
//! MX and SRV: `data` is the exchange/target; `priority` (MX, SRV), `weight`, `port`,
//! `service` and `protocol` (SRV) are fields of the entry (GDSPEC `DNSRecord`). An SRV
//! record's owner `_imaps._tcp.example.com` is split the way GoDaddy stores it: `service`
//! `_imaps`, `protocol` `_tcp`, `name` `@` (a real GoDaddy zone export:
//! `{"data":"sipdir.online.lync.com","name":"@","port":443,"priority":100,"protocol":"_tls","service":"_sip","ttl":3600,"type":"SRV","weight":1}`),
//! so the SRV set at a name holds every service there and is written back whole.
//!
//! CAA and TLSA cannot be written: GoDaddy's record `type` enum is
//! `A, AAAA, CNAME, MX, NS, SOA, SRV, TXT` (GDSPEC; `n3integration/terraform-provider-godaddy#31`),
//! and a CAA record sent to the API is refused with 422 (`AnalogJ/lexicon#506`, `#545`).
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
use serde_json::Value;
use std::time::Duration;
use types::{entry_data, entry_str, entry_ttl, entry_u16, Entry};

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
                rust_i18n::t!("godaddy.outside_zone", fqdn = fqdn, zone = zone.name),
            )
        })
    }

    /// Where GoDaddy keeps the records of `rtype` at `fqdn`.
    fn place(zone: &Zone, fqdn: &str, rtype: RecordType) -> Result<Place, ProviderError> {
        if rtype != RecordType::Srv {
            return Ok(Place {
                name: Self::relative(zone, fqdn)?,
                srv: None,
            });
        }
        let fqdn = normalize_name(fqdn);
        let mut labels = fqdn.splitn(3, '.');
        let (Some(service), Some(protocol), Some(rest)) =
            (labels.next(), labels.next(), labels.next())
        else {
            return Err(srv_owner(&fqdn));
        };
        if !service.starts_with('_') || !protocol.starts_with('_') {
            return Err(srv_owner(&fqdn));
        }
        Ok(Place {
            name: Self::relative(zone, rest)?,
            srv: Some((service.to_string(), protocol.to_string())),
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
        let place = Self::place(zone, fqdn, rtype)?;
        let (wire, extra) = wire_fields(data, &place);
        let wanted = Wanted {
            data: &wire,
            name: &place.name,
            rtype: rtype.as_str(),
            ttl,
            extra: &extra,
        };
        let set = self
            .client
            .get_records(&zone.name, rtype.as_str(), &place.name)
            .await?;
        match plan(set, &wanted) {
            None => {
                return Err(ProviderError::new(
                    PROVIDER,
                    ErrorKind::RecordNotFound,
                    rust_i18n::t!(
                        "godaddy.change_gone",
                        rtype = rtype,
                        name = normalize_name(fqdn)
                    ),
                ))
            }
            Some(Plan::Keep) => {}
            Some(Plan::Put(entries)) => {
                self.client
                    .put_records(&zone.name, rtype.as_str(), &place.name, &entries)
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

/// A GoDaddy record set's `name` (relative, `@` for the apex) and, for SRV, the entry's
/// `service` and `protocol`.
struct Place {
    name: String,
    srv: Option<(String, String)>,
}

impl Place {
    /// Whether `e` belongs to this owner name (for SRV: same service and protocol).
    fn holds(&self, e: &Entry) -> bool {
        match &self.srv {
            None => true,
            Some((service, protocol)) => {
                entry_str(e, "service").is_some_and(|s| s.eq_ignore_ascii_case(service))
                    && entry_str(e, "protocol").is_some_and(|p| p.eq_ignore_ascii_case(protocol))
            }
        }
    }
}

fn srv_owner(fqdn: &str) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Invalid,
        rust_i18n::t!("godaddy.srv_name", fqdn = fqdn),
    )
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
        let place = Self::place(zone, fqdn, rtype)?;
        let fqdn = normalize_name(fqdn);
        let set = self
            .client
            .get_records(&zone.name, rtype.as_str(), &place.name)
            .await?;
        set.iter()
            .filter(|e| place.holds(e))
            .map(|e| {
                let data = entry_record(rtype, &zone.name, e).ok_or_else(|| {
                    ProviderError::new(
                        PROVIDER,
                        ErrorKind::Protocol,
                        rust_i18n::t!(
                            "godaddy.bad_data",
                            rtype = rtype,
                            fqdn = fqdn,
                            data = entry_data(e).map_or(
                                rust_i18n::t!("godaddy.missing_data").into_owned(),
                                |r| format!("{r:?}")
                            )
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
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports_data(data))?;
        let place = Self::place(zone, fqdn, data.rtype())?;
        let is_new = |e: &Entry| matches(&place, &zone.name, e, data);
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
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports_data(data))?;
        if old.rtype() != data.rtype() {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                rust_i18n::t!(
                    "godaddy.type_change",
                    old = old.rtype(),
                    name = old.name,
                    new = data.rtype()
                ),
            ));
        }
        let place = Self::place(zone, &old.name, data.rtype())?;
        let is_old = |e: &Entry| matches(&place, &zone.name, e, &old.data);
        let is_new = |e: &Entry| matches(&place, &zone.name, e, data);
        self.write(zone, &old.name, data, ttl, |set, wanted| {
            rrset::plan_update(set, is_old, is_new, wanted)
        })
        .await
    }

    /// `GET /v1/domains/{domain}/records`: the whole zone in one request. NS, SOA and
    /// entries whose data mxddns cannot read are left out.
    async fn list_zone(&self, zone: &Zone) -> Result<Vec<Record>, ProviderError> {
        let entries = self.client.get_zone_records(&zone.name).await?;
        let mut out = Vec::new();
        for e in &entries {
            let Some(rtype) = entry_str(e, "type").and_then(RecordType::parse) else {
                continue;
            };
            let Some(rel) = entry_str(e, "name") else {
                continue;
            };
            let host = if rel == "@" {
                normalize_name(&zone.name)
            } else {
                normalize_name(&format!("{rel}.{}", zone.name))
            };
            let name = match (rtype, entry_str(e, "service"), entry_str(e, "protocol")) {
                (RecordType::Srv, Some(s), Some(p)) => {
                    format!("{s}.{p}.{host}").to_ascii_lowercase()
                }
                (RecordType::Srv, _, _) => continue,
                _ => host,
            };
            let Some(data) = entry_record(rtype, &zone.name, e) else {
                tracing::debug!(zone = %zone.name, "godaddy: skipping an unreadable {rtype} entry at {name}");
                continue;
            };
            out.push(Record {
                id: String::new(),
                name,
                data,
                ttl: entry_ttl(e)
                    .and_then(|t| u32::try_from(t).ok())
                    .unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Remove one record: GET its set, then PUT the set without it (its neighbours go
    /// back exactly as read). Only when it is the last of its set is the set deleted with
    /// `DELETE /v1/domains/{domain}/records/{type}/{name}`, which removes every record of
    /// that type and name.
    async fn delete(&self, zone: &Zone, record: &Record) -> Result<(), ProviderError> {
        let rtype = record.rtype();
        crate::ensure_supported(PROVIDER, rtype, self.supports(rtype))?;
        let place = Self::place(zone, &record.name, rtype)?;
        let set = self
            .client
            .get_records(&zone.name, rtype.as_str(), &place.name)
            .await?;
        let Some(rest) = rrset::plan_delete(set, |e| matches(&place, &zone.name, e, &record.data))
        else {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                rust_i18n::t!(
                    "godaddy.delete_gone",
                    rtype = rtype,
                    data = record.data,
                    name = record.name
                ),
            ));
        };
        if rest.is_empty() {
            self.client
                .delete_records(&zone.name, rtype.as_str(), &place.name)
                .await
        } else {
            self.client
                .put_records(&zone.name, rtype.as_str(), &place.name, &rest)
                .await
        }
    }

    /// A, AAAA, CNAME, TXT, MX and SRV; not CAA or TLSA (see the module documentation).
    fn supports(&self, rtype: RecordType) -> Result<(), String> {
        match rtype {
            RecordType::Caa => Err(rust_i18n::t!("unsupported.godaddy.caa").into_owned()),
            RecordType::Tlsa => Err(rust_i18n::t!("unsupported.godaddy.tlsa").into_owned()),
            _ => Ok(()),
        }
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

/// GoDaddy's `data` for a record (the address, the target name, the TXT text) and the
/// entry's other fields (MX `priority`; SRV `priority`, `weight`, `port`, `service`,
/// `protocol`).
fn wire_fields(data: &RecordData, place: &Place) -> (String, Vec<(&'static str, Value)>) {
    let target = |t: &str| {
        let t = normalize_name(t);
        if t.is_empty() {
            ".".to_string()
        } else {
            t
        }
    };
    match data {
        RecordData::A(ip) => (ip.to_string(), vec![]),
        RecordData::Aaaa(ip) => (ip.to_string(), vec![]),
        RecordData::Cname(t) => (normalize_name(t), vec![]),
        RecordData::Txt(parts) => (parts.concat(), vec![]),
        RecordData::Mx {
            preference,
            exchange,
        } => (
            target(exchange),
            vec![("priority", Value::from(*preference))],
        ),
        RecordData::Srv {
            priority,
            weight,
            port,
            target: t,
        } => {
            let (service, protocol) = place.srv.clone().unwrap_or_default();
            (
                target(t),
                vec![
                    ("port", Value::from(*port)),
                    ("priority", Value::from(*priority)),
                    ("protocol", Value::from(protocol)),
                    ("service", Value::from(service)),
                    ("weight", Value::from(*weight)),
                ],
            )
        }
        // Not offered (`supports`): create/update refuse these before sending.
        RecordData::Caa { .. } | RecordData::Tlsa { .. } => (data.to_string(), vec![]),
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

/// A target in GoDaddy's `data`: `@` is the zone apex, `.` the root (`""`).
fn entry_target(zone: &str, raw: &str) -> String {
    if raw.trim() == "@" {
        normalize_name(zone)
    } else {
        normalize_name(raw)
    }
}

/// The value one GoDaddy entry of type `rtype` holds.
fn entry_record(rtype: RecordType, zone: &str, e: &Entry) -> Option<RecordData> {
    let raw = entry_data(e)?;
    match rtype {
        RecordType::Mx => Some(RecordData::Mx {
            preference: entry_u16(e, "priority")?,
            exchange: entry_target(zone, raw),
        }),
        RecordType::Srv => Some(RecordData::Srv {
            priority: entry_u16(e, "priority")?,
            weight: entry_u16(e, "weight")?,
            port: entry_u16(e, "port")?,
            target: entry_target(zone, raw),
        }),
        _ => parse_data(rtype, zone, raw),
    }
}

/// Whether the entry `e` of the set at `place` holds the value `want` (compared as
/// values: addresses parsed, names normalised, TXT strings joined).
fn matches(place: &Place, zone: &str, e: &Entry, want: &RecordData) -> bool {
    if !place.holds(e) {
        return false;
    }
    match entry_record(want.rtype(), zone, e) {
        Some(RecordData::Txt(parts)) => Some(parts.concat()) == want.txt_joined(),
        Some(have) => &have == want,
        None => false,
    }
}

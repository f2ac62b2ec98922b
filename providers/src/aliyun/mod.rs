//! Aliyun Alidns (Alibaba Cloud DNS), API version `2015-01-09`, RPC style.
//!
//! Four actions (providers-api.md §1.5), GET with a v1-signed query by default or POST
//! with a V3 `Authorization` header:
//! * zone: `DescribeDomainRecords(DomainName, PageSize=1)`; the answer is not used,
//!   only whether the account holds the domain (`InvalidDomainName.NoExist` if not).
//!   `Zone::id` is the zone name.
//! * list: `DescribeSubDomainRecords(SubDomain=<fqdn>, DomainName=<zone>, Type)`, paged
//!   by 100 (its documented maximum); an exact match, unlike `RRKeyWord`.
//! * create: `AddDomainRecord(DomainName, RR, Type, Value, TTL)`.
//! * update: `UpdateDomainRecord(RecordId, RR, Type, Value, TTL)`, in place.
//! * list_zone: `DescribeDomainRecords(DomainName, PageNumber, PageSize=500)`, every page.
//! * delete: `DeleteDomainRecord(RecordId)`.
//!
//! Record values (doc 29805 "DNS record types",
//! <https://www.alibabacloud.com/help/en/dns/dns-record-types>; the same formats in
//! dnscontrol's ALIDNS provider, `providers/alidns/convert.go`): MX `Value` is the exchange
//! and its preference the `Priority` parameter (1–50, META `AddDomainRecord.json`); SRV
//! `Value` is `priority weight port target`; CAA `Value` is `flags tag "value"`. Alidns
//! offers no TLSA ([`Provider::supports`]).
//!
//! `DomainRecordDuplicate` (the same record already exists, or an update changes
//! nothing) counts as success.
//!
//! Only records on the `default` line are listed and changed: an update without `Line`
//! would move an ISP-specific record to `default`, so those are left alone.

mod client;
mod errors;
pub mod sign;
mod types;

#[cfg(test)]
mod tests;

use crate::error::{ErrorKind, ProviderError};
use crate::http::HttpContext;
use crate::record::{normalize_name, relative_name, Record, RecordData, RecordType, Zone};
use crate::secret::Secret;
use crate::{Provider, RateLimit};
use async_trait::async_trait;
use client::{CallError, Client};
use std::time::Duration;
use types::{RecordIdAnswer, RecordList, WireRecord};

/// The registrar's word: config `type:`, module name, error prefix.
pub const PROVIDER: &str = "aliyun";
/// The public endpoint; regional or international ones are given as `endpoint`.
pub const DEFAULT_ENDPOINT: &str = "https://alidns.aliyuncs.com";
/// The Alidns API version every request names.
pub const API_VERSION: &str = "2015-01-09";
/// The free edition's minimum TTL (Personal is the same; Enterprise editions go lower,
/// which Alidns then accepts while this floor only makes the agent raise a lower value).
pub const MIN_TTL: u32 = 600;
/// `DescribeSubDomainRecords` allows at most 100 per page.
const PAGE_SIZE: u32 = 100;
/// `DescribeDomainRecords` allows at most 500 per page (META; providers-api.md §1.5).
const ZONE_PAGE_SIZE: u32 = 500;
/// The MX `Priority` Alidns takes (META `AddDomainRecord.json`: "Valid values: 1 to 50").
const MX_PRIORITY: std::ops::RangeInclusive<u16> = 1..=50;
/// TXT values must be shorter than 512 characters (doc 29805; dnscontrol's ALIDNS audit,
/// verified 2025-12-03: "511 bytes OK, 764 bytes failed").
const MAX_TXT: usize = 511;
/// Zones larger than this many pages (500 records each) are not listed whole.
const MAX_ZONE_PAGES: u32 = 40;
/// More pages than this for one name and type means something is wrong.
const MAX_PAGES: u32 = 20;

/// Which request signature to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// RPC signature v1, HMAC-SHA1, signed GET query (what most DDNS clients use).
    #[default]
    V1,
    /// `ACS3-HMAC-SHA256`, the vendor's recommended style for new integrations.
    V3,
}

/// The Alidns provider for one AccessKey.
#[derive(Debug, Clone)]
pub struct Aliyun {
    client: Client,
}

impl Aliyun {
    /// `endpoint` overrides [`DEFAULT_ENDPOINT`] (`https://alidns.ap-southeast-1.aliyuncs.com`,
    /// or a loopback emulator); a bare host name means https. An unusable endpoint makes
    /// every call fail with an error that says so.
    pub fn new(
        http: HttpContext,
        access_key_id: String,
        access_key_secret: Secret,
        signature: SignatureVersion,
        endpoint: Option<String>,
    ) -> Aliyun {
        Aliyun {
            client: Client::new(http, access_key_id, access_key_secret, signature, endpoint),
        }
    }

    /// The host label of `fqdn` inside `zone` (`@` for the apex).
    fn rr(zone: &Zone, fqdn: &str) -> Result<String, ProviderError> {
        relative_name(fqdn, &zone.name).ok_or_else(|| {
            ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                format!("{fqdn} is not inside the zone {}", zone.name),
            )
            .with_hint(rust_i18n::t!("aliyun.bad_name"))
        })
    }

    /// Every default-line record of `rtype` at exactly `fqdn`.
    async fn describe(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, ProviderError> {
        let want = normalize_name(fqdn);
        Self::rr(zone, &want)?;
        let mut out = Vec::new();
        let mut seen: u64 = 0;
        for page in 1..=MAX_PAGES {
            let list: RecordList = self
                .client
                .call(
                    "DescribeSubDomainRecords",
                    &[
                        ("SubDomain", want.clone()),
                        ("DomainName", zone.name.clone()),
                        ("Type", rtype.as_str().to_string()),
                        ("PageNumber", page.to_string()),
                        ("PageSize", PAGE_SIZE.to_string()),
                    ],
                    false,
                )
                .await?;
            let n = list.domain_records.record.len() as u64;
            seen += n;
            for wire in list.domain_records.record {
                if let Some(r) = to_record(zone, &want, rtype, wire)? {
                    out.push(r);
                }
            }
            let total = list.total_count.unwrap_or(seen);
            if n == 0 || seen >= total {
                break;
            }
        }
        Ok(out)
    }
}

/// The text Alidns stores for `data`.
///
/// TXT: Alidns takes the plain text and splits values longer than 255 bytes into
/// character-strings itself; reading gives the whole text back as one string. So the
/// parts are joined here and a read returns `Txt(vec![whole])`: the split points of a
/// multi-string record are not preserved, which is harmless for SPF (consumers join
/// the strings) and means callers compare TXT data by [`RecordData::txt_joined`].
fn value_of(data: &RecordData) -> String {
    match data {
        RecordData::A(ip) => ip.to_string(),
        RecordData::Aaaa(ip) => ip.to_string(),
        RecordData::Cname(target) => normalize_name(target),
        RecordData::Txt(parts) => parts.concat(),
        // The preference travels as `Priority` ([`params_of`]).
        RecordData::Mx { exchange, .. } => normalize_name(exchange),
        RecordData::Srv {
            priority,
            weight,
            port,
            target,
        } => format!("{priority} {weight} {port} {}", normalize_name(target)),
        RecordData::Caa { flags, tag, value } => format!("{flags} {tag} \"{value}\""),
        // Not offered (`supports`): create/update refuse it before sending.
        RecordData::Tlsa { .. } => data.to_string(),
    }
}

/// `Type`, `Value` and, for MX, `Priority`: the parameters that carry `data`.
fn params_of(data: &RecordData) -> Vec<(&'static str, String)> {
    let mut p = vec![
        ("Type", data.rtype().as_str().to_string()),
        ("Value", value_of(data)),
    ];
    if let RecordData::Mx { preference, .. } = data {
        p.push(("Priority", preference.to_string()));
    }
    p
}

/// The record data of an Alidns `Value` (and `Priority`, for MX) of type `rtype`.
fn data_of(rtype: RecordType, value: &str, priority: Option<u16>) -> Option<RecordData> {
    match rtype {
        RecordType::Mx => {
            let exchange = normalize_name(value);
            (!exchange.is_empty()).then_some(RecordData::Mx {
                preference: priority?,
                exchange,
            })
        }
        other => RecordData::from_plain(other, value),
    }
}

/// Fuzzing and property tests only: the answer decoder of every action this provider
/// calls, and the record conversion, run on one HTTP answer, with the errors they give.
/// Never panics, whatever the answer.
#[doc(hidden)]
pub fn parse_for_fuzz(status: u16, body: &[u8]) -> Vec<ProviderError> {
    let resp = crate::http::Response::synthetic(status, body);
    let zone = Zone {
        id: "example.com".to_string(),
        name: "example.com".to_string(),
    };
    let mut errors = Vec::new();
    for write in [false, true] {
        match client::decode::<RecordList>("DescribeSubDomainRecords", &resp, write, String::new())
        {
            Ok(list) => {
                for wire in list.domain_records.record {
                    if let Err(e) = to_record(&zone, "mail.example.com", RecordType::A, wire) {
                        errors.push(e);
                    }
                }
            }
            Err(e) => errors.push(e.into_provider_error()),
        }
        if let Err(e) =
            client::decode::<RecordIdAnswer>("UpdateDomainRecord", &resp, write, String::new())
        {
            errors.push(e.into_provider_error());
        }
    }
    errors
}

/// A wire record as a [`Record`], or `None` when it is not one of ours to touch
/// (another name or type than asked, or an ISP-specific line).
fn to_record(
    zone: &Zone,
    fqdn: &str,
    rtype: RecordType,
    wire: WireRecord,
) -> Result<Option<Record>, ProviderError> {
    let name = if wire.rr == "@" {
        normalize_name(&zone.name)
    } else {
        normalize_name(&format!("{}.{}", wire.rr, zone.name))
    };
    if (!fqdn.is_empty() && name != fqdn) || RecordType::parse(&wire.rtype) != Some(rtype) {
        return Ok(None);
    }
    let line = wire.line.as_deref().unwrap_or("default");
    if !line.eq_ignore_ascii_case("default") {
        tracing::debug!(
            provider = PROVIDER,
            record_id = %wire.record_id,
            line,
            "leaving a line-specific {rtype} record at {fqdn} alone"
        );
        return Ok(None);
    }
    if wire
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("disable"))
    {
        tracing::warn!(
            provider = PROVIDER,
            record_id = %wire.record_id,
            "the {rtype} record at {fqdn} is disabled in Alidns; it is not served until enabled"
        );
    }
    let data = data_of(rtype, &wire.value, wire.priority).ok_or_else(|| {
        ProviderError::new(
            PROVIDER,
            ErrorKind::Protocol,
            format!(
                "Alidns returned the {rtype} record {} at {fqdn} with a value that is not a valid {rtype}: {:?}",
                wire.record_id, wire.value
            ),
        )
    })?;
    Ok(Some(Record {
        id: wire.record_id,
        name,
        data,
        ttl: wire.ttl,
    }))
}

#[async_trait]
impl Provider for Aliyun {
    fn kind(&self) -> &'static str {
        PROVIDER
    }

    async fn zone(&self, name: &str) -> Result<Zone, ProviderError> {
        let name = normalize_name(name);
        let _: RecordList = self
            .client
            .call(
                "DescribeDomainRecords",
                &[
                    ("DomainName", name.clone()),
                    ("PageNumber", "1".to_string()),
                    ("PageSize", "1".to_string()),
                ],
                false,
            )
            .await?;
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
        self.describe(zone, fqdn, rtype).await
    }

    async fn create(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports_data(data))?;
        let name = normalize_name(fqdn);
        let rr = Self::rr(zone, &name)?;
        let answer: Result<RecordIdAnswer, CallError> = self
            .client
            .call(
                "AddDomainRecord",
                &[
                    ("DomainName", zone.name.clone()),
                    ("RR", rr),
                    ("TTL", ttl.to_string()),
                ]
                .into_iter()
                .chain(params_of(data))
                .collect::<Vec<_>>(),
                true,
            )
            .await;
        match answer {
            Ok(a) => Ok(Record {
                id: a.record_id,
                name,
                data: data.clone(),
                ttl,
            }),
            Err(e) if e.code() == Some(errors::DUPLICATE) => {
                // Already there: find its id. If the lookup cannot, an empty id makes a
                // later update fail as RecordNotFound, after which the agent lists.
                let want = params_of(data);
                let existing = self.describe(zone, &name, data.rtype()).await?;
                Ok(existing
                    .into_iter()
                    .find(|r| params_of(&r.data) == want)
                    .unwrap_or(Record {
                        id: String::new(),
                        name,
                        data: data.clone(),
                        ttl,
                    }))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn update(
        &self,
        zone: &Zone,
        old: &Record,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports_data(data))?;
        if old.id.is_empty() {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!("no Alidns RecordId is known for the record at {}", old.name),
            ));
        }
        let rr = Self::rr(zone, &old.name)?;
        let answer: Result<RecordIdAnswer, CallError> = self
            .client
            .call(
                "UpdateDomainRecord",
                &[
                    ("RecordId", old.id.clone()),
                    ("RR", rr),
                    ("TTL", ttl.to_string()),
                ]
                .into_iter()
                .chain(params_of(data))
                .collect::<Vec<_>>(),
                true,
            )
            .await;
        let id = match answer {
            Ok(a) if !a.record_id.is_empty() => a.record_id,
            Ok(_) => old.id.clone(),
            // Alidns refuses an update that changes nothing: the record already holds it.
            Err(e) if e.code() == Some(errors::DUPLICATE) => old.id.clone(),
            Err(e) => return Err(e.into()),
        };
        Ok(Record {
            id,
            name: normalize_name(&old.name),
            data: data.clone(),
            ttl,
        })
    }

    /// `DescribeDomainRecords(DomainName, PageNumber, PageSize=500)`, every page.
    /// <https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomainrecords>
    async fn list_zone(&self, zone: &Zone) -> Result<Vec<Record>, ProviderError> {
        let mut out = Vec::new();
        let mut seen: u64 = 0;
        for page in 1..=MAX_ZONE_PAGES {
            let list: RecordList = self
                .client
                .call(
                    "DescribeDomainRecords",
                    &[
                        ("DomainName", zone.name.clone()),
                        ("PageNumber", page.to_string()),
                        ("PageSize", ZONE_PAGE_SIZE.to_string()),
                    ],
                    false,
                )
                .await?;
            let n = list.domain_records.record.len() as u64;
            seen += n;
            for wire in list.domain_records.record {
                // Types mxddns does not handle (NS, REDIRECT_URL, …) are left out.
                let Some(rtype) = RecordType::parse(&wire.rtype) else {
                    continue;
                };
                if let Some(r) = to_record(zone, "", rtype, wire)? {
                    out.push(r);
                }
            }
            let total = list.total_count.unwrap_or(seen);
            if n == 0 || seen >= total {
                return Ok(out);
            }
        }
        Err(ProviderError::new(
            PROVIDER,
            ErrorKind::Protocol,
            format!(
                "listing zone {}: more than {} records; stopping",
                zone.name,
                u64::from(MAX_ZONE_PAGES) * u64::from(ZONE_PAGE_SIZE)
            ),
        ))
    }

    /// `DeleteDomainRecord(RecordId)`; an id Alidns no longer knows is
    /// [`ErrorKind::RecordNotFound`].
    /// <https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-deletedomainrecord>
    async fn delete(&self, _zone: &Zone, record: &Record) -> Result<(), ProviderError> {
        if record.id.is_empty() {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!(
                    "no Alidns RecordId is known for the record at {}",
                    record.name
                ),
            ));
        }
        let _: RecordIdAnswer = self
            .client
            .call(
                "DeleteDomainRecord",
                &[("RecordId", record.id.clone())],
                true,
            )
            .await?;
        Ok(())
    }

    /// Alidns offers A, AAAA, CNAME, MX, TXT, SRV, NS and CAA (plus URL forwarding), no
    /// TLSA.
    fn supports(&self, rtype: RecordType) -> Result<(), String> {
        match rtype {
            RecordType::Tlsa => Err(rust_i18n::t!("unsupported.aliyun.tlsa").into_owned()),
            _ => Ok(()),
        }
    }

    /// Values Alidns refuses although it offers their type: a null MX or an MX preference
    /// outside 1–50, an SRV target ".", TXT of 512 characters or more.
    fn supports_data(&self, data: &RecordData) -> Result<(), String> {
        self.supports(data.rtype())?;
        match data {
            RecordData::Mx { exchange, .. } if normalize_name(exchange).is_empty() => {
                Err(rust_i18n::t!("unsupported.aliyun.null_mx").into_owned())
            }
            RecordData::Mx { preference, .. } if !MX_PRIORITY.contains(preference) => Err(
                rust_i18n::t!("unsupported.aliyun.mx_priority", preference = preference)
                    .into_owned(),
            ),
            RecordData::Srv { target, .. } if normalize_name(target).is_empty() => {
                Err(rust_i18n::t!("unsupported.aliyun.null_srv").into_owned())
            }
            RecordData::Txt(parts) if parts.iter().map(String::len).sum::<usize>() > MAX_TXT => {
                Err(rust_i18n::t!(
                    "unsupported.aliyun.long_txt",
                    len = parts.iter().map(String::len).sum::<usize>()
                )
                .into_owned())
            }
            _ => Ok(()),
        }
    }

    fn min_ttl(&self) -> u32 {
        MIN_TTL
    }

    /// ALI-QUOTA: `UpdateDomainRecord` and `AddDomainRecord` allow 60 calls per second
    /// per account (lookups allow more).
    fn rate_limit(&self) -> RateLimit {
        RateLimit {
            requests: 60,
            window: Duration::from_secs(1),
        }
    }
}

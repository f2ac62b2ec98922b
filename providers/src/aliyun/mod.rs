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
            .with_hint("check the zone and host names in the configuration")
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
        // Not offered yet (`supports`): create/update refuse these before sending.
        other => other.to_string(),
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
    if name != fqdn || RecordType::parse(&wire.rtype) != Some(rtype) {
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
    let data = RecordData::from_plain(rtype, &wire.value).ok_or_else(|| {
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
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports(data.rtype()))?;
        let name = normalize_name(fqdn);
        let rr = Self::rr(zone, &name)?;
        let answer: Result<RecordIdAnswer, CallError> = self
            .client
            .call(
                "AddDomainRecord",
                &[
                    ("DomainName", zone.name.clone()),
                    ("RR", rr),
                    ("Type", data.rtype().as_str().to_string()),
                    ("Value", value_of(data)),
                    ("TTL", ttl.to_string()),
                ],
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
                let want = value_of(data);
                let existing = self.describe(zone, &name, data.rtype()).await?;
                Ok(existing
                    .into_iter()
                    .find(|r| value_of(&r.data) == want)
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
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports(data.rtype()))?;
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
                    ("Type", data.rtype().as_str().to_string()),
                    ("Value", value_of(data)),
                    ("TTL", ttl.to_string()),
                ],
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

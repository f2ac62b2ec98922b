//! Huawei Cloud DNS (云解析服务), API v2, public zones, signed with AK/SK
//! ("SDK-HMAC-SHA256", [`sign`]). Endpoint `https://dns.<region>.myhuaweicloud.com`.
//!
//! Huawei Cloud keeps records as record sets: one set per name and type, holding every
//! value and one TTL, addressed by a set id. An agent [`Record`] is one value of a set and
//! carries the set's id. Every change is a read-modify-write of the set (like GoDaddy): the
//! set is read fresh, the one value changed, and the set written back with its other values
//! exactly as read; no write when the set would not change. Creating a value at a name
//! that has a set adds it to that set; deleting the last value deletes the set. The TTL
//! belongs to the set, so a value written with another TTL moves its neighbours' TTL too.
//!
//! TXT values are sent the way the API takes them: quoted strings of at most 255 bytes.
//! TLSA is not among the API's record set types ([`Provider::supports`] says so). Only the
//! default resolution line is read or written (v2 endpoints).

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
use types::RecordSet;

pub use errors::IAM_POLICY;

/// The word for Huawei Cloud in config, logs and errors.
pub const PROVIDER: &str = "huaweicloud";
/// The region used when the config names none.
pub const DEFAULT_REGION: &str = "ap-southeast-1";
/// Public zones take TTLs from 1 s (CreateRecordSet, `ttl`).
pub const MIN_TTL: u32 = 1;
/// ListRecordSetsByZone's largest page.
const PAGE: u64 = 500;

/// The API endpoint of a region.
pub fn endpoint_for(region: &str) -> String {
    format!("https://dns.{region}.myhuaweicloud.com")
}

/// Whether `region` looks like a Huawei Cloud region id (`cn-south-1`, `ap-southeast-1`).
pub fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 40
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

#[derive(Debug)]
pub struct HuaweiCloud {
    client: Client,
}

impl HuaweiCloud {
    /// A provider for the key `access_key`/`secret_key` in `region` (default
    /// [`DEFAULT_REGION`]); `endpoint` overrides the region's URL (tests).
    pub fn new(
        http: HttpContext,
        access_key: String,
        secret_key: Secret,
        region: Option<String>,
        endpoint: Option<String>,
    ) -> HuaweiCloud {
        let endpoint =
            endpoint.unwrap_or_else(|| endpoint_for(region.as_deref().unwrap_or(DEFAULT_REGION)));
        HuaweiCloud {
            client: Client::new(http, access_key, secret_key, endpoint),
        }
    }

    fn check_inside(zone: &Zone, fqdn: &str) -> Result<String, ProviderError> {
        relative_name(fqdn, &zone.name)
            .map(|_| normalize_name(fqdn))
            .ok_or_else(|| {
                ProviderError::new(
                    PROVIDER,
                    ErrorKind::Invalid,
                    format!("{fqdn} is not inside the zone {}", zone.name),
                )
            })
    }

    fn value(d: &RecordData) -> Result<String, ProviderError> {
        types::to_value(d).map_err(|e| ProviderError::new(PROVIDER, ErrorKind::Unsupported, e))
    }

    /// Every default-line record set matching the filters (exactly), all pages.
    async fn sets(
        &self,
        zone: &Zone,
        name: Option<&str>,
        rtype: Option<RecordType>,
    ) -> Result<Vec<RecordSet>, ProviderError> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .client
                .list_record_sets(&zone.id, name, rtype.map(RecordType::as_str), offset, PAGE)
                .await?;
            let n = page.recordsets.len() as u64;
            for set in page.recordsets {
                if name.is_some_and(|n| normalize_name(&set.name) != n)
                    || rtype.is_some_and(|t| !set.rtype.eq_ignore_ascii_case(t.as_str()))
                    || !set.default_line()
                {
                    continue;
                }
                out.push(set);
            }
            offset += n;
            let total = page.metadata.total_count.unwrap_or(offset);
            if n == 0 || (n < PAGE && page.metadata.total_count.is_none()) || offset >= total {
                break;
            }
        }
        Ok(out)
    }

    /// One agent record per value of the set that mxddns can read.
    fn records_of(set: &RecordSet) -> Vec<Record> {
        let Some(rtype) = RecordType::parse(&set.rtype) else {
            return Vec::new();
        };
        let name = normalize_name(&set.name);
        set.records
            .iter()
            .filter_map(|v| types::from_value(rtype, v))
            .map(|data| Record {
                id: set.id.clone(),
                name: name.clone(),
                data,
                ttl: set.ttl.unwrap_or(0),
            })
            .collect()
    }

    /// The index of the set's value that holds `data`.
    fn position(set: &RecordSet, data: &RecordData) -> Option<usize> {
        set.records
            .iter()
            .position(|v| types::from_value(data.rtype(), v).is_some_and(|d| same(&d, data)))
    }

    /// Write `records` with `ttl` over `set` unless that changes nothing.
    async fn write_set(
        &self,
        zone: &Zone,
        set: &RecordSet,
        records: Vec<String>,
        ttl: u32,
    ) -> Result<(), ProviderError> {
        if records == set.records && set.ttl == Some(ttl) {
            return Ok(());
        }
        self.client
            .update_record_set(&zone.id, set, ttl, &records)
            .await?;
        Ok(())
    }

    /// Add `data` to an existing set (no write when it is there with this TTL).
    async fn add_to(
        &self,
        zone: &Zone,
        set: &RecordSet,
        data: &RecordData,
        value: String,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        let mut records = set.records.clone();
        if Self::position(set, data).is_none() {
            records.push(value);
        }
        self.write_set(zone, set, records, ttl).await?;
        Ok(Record {
            id: set.id.clone(),
            name: normalize_name(&set.name),
            data: data.clone(),
            ttl,
        })
    }

    /// The set `record` belongs to, read fresh; a set that is gone (or now another name or
    /// type) is [`ErrorKind::RecordNotFound`].
    async fn read_set(&self, zone: &Zone, record: &Record) -> Result<RecordSet, ProviderError> {
        if record.id.is_empty() {
            return Err(gone(record));
        }
        let set = self.client.show_record_set(&zone.id, &record.id).await?;
        if !set.rtype.eq_ignore_ascii_case(record.rtype().as_str())
            || normalize_name(&set.name) != normalize_name(&record.name)
        {
            return Err(gone(record));
        }
        Ok(set)
    }

    /// The set `record` belongs to, fresh, and its value's index; a set or value that is
    /// gone is [`ErrorKind::RecordNotFound`].
    async fn find(
        &self,
        zone: &Zone,
        record: &Record,
    ) -> Result<(RecordSet, usize), ProviderError> {
        let set = self.read_set(zone, record).await?;
        let i = Self::position(&set, &record.data).ok_or_else(|| gone(record))?;
        Ok((set, i))
    }
}

fn gone(record: &Record) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::RecordNotFound,
        format!(
            "the {} record {} of {} is no longer in record set \"{}\"",
            record.rtype(),
            record.data,
            record.name,
            record.id
        ),
    )
}

/// Whether two values are the same record (TXT: the same text, however split).
fn same(a: &RecordData, b: &RecordData) -> bool {
    match (a.txt_joined(), b.txt_joined()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[async_trait]
impl Provider for HuaweiCloud {
    fn kind(&self) -> &'static str {
        PROVIDER
    }

    async fn zone(&self, name: &str) -> Result<Zone, ProviderError> {
        let name = normalize_name(name);
        let answer = self.client.list_public_zones(&name).await?;
        let found = answer
            .zones
            .iter()
            .find(|z| {
                normalize_name(&z.name) == name
                    && z.zone_type.as_deref().is_none_or(|t| t == "public")
            })
            .ok_or_else(|| {
                ProviderError::new(
                    PROVIDER,
                    ErrorKind::ZoneNotFound,
                    format!("{name} is not a public zone of this Huawei Cloud account"),
                )
                .with_hint(rust_i18n::t!("huaweicloud.zone_missing.short"))
            })?;
        Ok(Zone {
            id: found.id.clone(),
            name,
        })
    }

    async fn list(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, ProviderError> {
        if rtype == RecordType::Tlsa {
            return Ok(Vec::new());
        }
        let fqdn = Self::check_inside(zone, fqdn)?;
        let sets = self.sets(zone, Some(&fqdn), Some(rtype)).await?;
        Ok(sets.iter().flat_map(Self::records_of).collect())
    }

    async fn create(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports_data(data))?;
        let fqdn = Self::check_inside(zone, fqdn)?;
        let value = Self::value(data)?;
        let rtype = data.rtype();
        if let Some(set) = self.sets(zone, Some(&fqdn), Some(rtype)).await?.first() {
            return self.add_to(zone, set, data, value, ttl).await;
        }
        match self
            .client
            .create_record_set(
                &zone.id,
                &fqdn,
                rtype.as_str(),
                ttl,
                std::slice::from_ref(&value),
            )
            .await
        {
            Ok(set) => Ok(Record {
                id: set.id,
                name: fqdn,
                data: data.clone(),
                ttl,
            }),
            // Another writer made the set between the listing and the create: add to it.
            Err(CallError::Vendor(v)) if errors::SET_EXISTS.contains(&v.code.as_str()) => {
                match self.sets(zone, Some(&fqdn), Some(rtype)).await?.first() {
                    Some(set) => self.add_to(zone, set, data, value, ttl).await,
                    None => Err(errors::vendor_error(&v)),
                }
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
        let value = Self::value(data)?;
        let set = self.read_set(zone, old).await?;
        let mut records = set.records.clone();
        match (Self::position(&set, &old.data), Self::position(&set, data)) {
            // The old value is gone and the new one there: this change landed already
            // (a retry after a lost answer); only the TTL may still differ.
            (None, Some(_)) => {}
            (None, None) => return Err(gone(old)),
            // The new value is there already (another entry): drop the old one.
            (Some(i), Some(j)) if j != i => {
                records.remove(i);
            }
            // The same value: keep it byte for byte as the vendor stores it.
            (Some(_), Some(_)) => {}
            (Some(i), None) => records[i] = value,
        }
        self.write_set(zone, &set, records, ttl).await?;
        Ok(Record {
            id: set.id.clone(),
            name: normalize_name(&set.name),
            data: data.clone(),
            ttl,
        })
    }

    async fn list_zone(&self, zone: &Zone) -> Result<Vec<Record>, ProviderError> {
        let sets = self.sets(zone, None, None).await?;
        Ok(sets.iter().flat_map(Self::records_of).collect())
    }

    async fn delete(&self, zone: &Zone, record: &Record) -> Result<(), ProviderError> {
        let (set, i) = self.find(zone, record).await?;
        if set.records.len() == 1 {
            self.client.delete_record_set(&zone.id, &set.id).await?;
            return Ok(());
        }
        let mut records = set.records.clone();
        records.remove(i);
        let ttl = set.ttl.unwrap_or(record.ttl);
        self.write_set(zone, &set, records, ttl).await
    }

    fn supports(&self, rtype: RecordType) -> Result<(), String> {
        match rtype {
            RecordType::Tlsa => Err(types::tlsa_unsupported()),
            _ => Ok(()),
        }
    }

    fn min_ttl(&self) -> u32 {
        MIN_TTL
    }

    fn rate_limit(&self) -> RateLimit {
        // Not documented per account; the API gateway answers APIGW.0308 past its limit.
        RateLimit {
            requests: 10,
            window: Duration::from_secs(1),
        }
    }
}

/// Fuzzing and property tests only: the answer decoder of every endpoint this provider
/// calls, the error advice and the value conversion, on one HTTP answer. Never panics.
#[doc(hidden)]
pub fn parse_for_fuzz(status: u16, body: &[u8]) -> Vec<ProviderError> {
    let mut errors = Vec::new();
    for write in [false, true] {
        match client::parse_answer::<types::RecordSetsAnswer>(
            "ListRecordSetsByZone",
            status,
            body,
            write,
            Some(0),
            None,
        ) {
            Ok(list) => {
                for set in &list.recordsets {
                    let _ = HuaweiCloud::records_of(set);
                }
            }
            Err(e) => errors.push(e.into()),
        }
        match client::parse_answer::<RecordSet>("UpdateRecordSet", status, body, write, None, None)
        {
            Ok(set) => {
                let _ = HuaweiCloud::records_of(&set);
            }
            Err(e) => errors.push(e.into()),
        }
        if let Err(e) = client::parse_answer::<types::ZonesAnswer>(
            "ListPublicZones",
            status,
            body,
            write,
            Some(-3600),
            None,
        ) {
            errors.push(e.into());
        }
    }
    errors
}

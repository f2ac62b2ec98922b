//! Tencent Cloud DNSPod, API 3.0 (`dnspod.tencentcloudapi.com`, version 2021-03-23),
//! signed with TC3-HMAC-SHA256 ([`sign`]).
//!
//! Records are addressed by `RecordId`; a change in place is one ModifyRecord. Only the
//! default line ("默认") is read or written: records of other lines (ISP lines, regions)
//! are left out of every listing and so never touched. TXT: DNSPod holds one text per
//! record (it splits long values itself); several strings are written as their
//! concatenation, which is how SPF and DMARC readers see them. TLSA is not among DNSPod's
//! record types ([`Provider::supports`] says so).

mod client;
mod errors;
pub mod sign;
mod types;

#[cfg(test)]
mod tests;

use crate::error::{ErrorKind, ProviderError};
use crate::http::HttpContext;
use crate::record::{relative_name, Record, RecordData, RecordType, Zone};
use crate::secret::Secret;
use crate::{Provider, RateLimit};
use async_trait::async_trait;
use client::{CallError, Client};
use std::time::Duration;

pub use errors::CAM_POLICY;

/// The word for DNSPod in config, logs and errors.
pub const PROVIDER: &str = "dnspod";
/// The API's host.
pub const DEFAULT_ENDPOINT: &str = "https://dnspod.tencentcloudapi.com";
/// `X-TC-Version`.
pub const API_VERSION: &str = "2021-03-23";
/// The service name in the credential scope.
pub const SERVICE: &str = "dnspod";
/// The free plan's smallest TTL.
pub const MIN_TTL: u32 = 600;
/// DescribeRecordList's largest page.
const PAGE: u64 = 3000;

#[derive(Debug)]
pub struct Dnspod {
    client: Client,
}

impl Dnspod {
    /// A provider for the API key `secret_id`/`secret_key`; `endpoint` overrides
    /// [`DEFAULT_ENDPOINT`] (tests).
    pub fn new(
        http: HttpContext,
        secret_id: String,
        secret_key: Secret,
        endpoint: Option<String>,
    ) -> Dnspod {
        Dnspod {
            client: Client::new(http, secret_id, secret_key, endpoint),
        }
    }

    fn relative(zone: &Zone, fqdn: &str) -> Result<String, ProviderError> {
        relative_name(fqdn, &zone.name).ok_or_else(|| {
            ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                format!("{fqdn} is not inside the zone {}", zone.name),
            )
        })
    }

    fn value(d: &RecordData) -> Result<(String, Option<u16>), ProviderError> {
        types::to_value(d).map_err(|e| ProviderError::new(PROVIDER, ErrorKind::Unsupported, e))
    }

    /// Every default-line record matching the filters, all pages.
    async fn listing(
        &self,
        zone: &Zone,
        subdomain: Option<&str>,
        rtype: Option<RecordType>,
    ) -> Result<Vec<Record>, ProviderError> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = match self
                .client
                .describe_record_list(
                    &zone.id,
                    subdomain,
                    rtype.map(RecordType::as_str),
                    offset,
                    PAGE,
                )
                .await
            {
                Ok(p) => p,
                Err(e) if e.code() == Some(errors::NO_RECORDS) => break,
                Err(e) => return Err(e.into()),
            };
            let n = page.records.len() as u64;
            for item in &page.records {
                if subdomain.is_some_and(|s| !item.name.eq_ignore_ascii_case(s)) {
                    continue;
                }
                if rtype.is_some_and(|t| !item.rtype.eq_ignore_ascii_case(t.as_str())) {
                    continue;
                }
                if let Some(r) = types::record(item, &zone.name) {
                    out.push(r);
                }
            }
            offset += n;
            let total = page.count.map(|c| c.total).unwrap_or(offset);
            if n == 0 || offset >= total {
                break;
            }
        }
        Ok(out)
    }

    fn id(record: &Record) -> Result<u64, ProviderError> {
        record.id.parse().map_err(|_| {
            ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!("\"{}\" is not a DNSPod record id", record.id),
            )
        })
    }
}

#[async_trait]
impl Provider for Dnspod {
    fn kind(&self) -> &'static str {
        PROVIDER
    }

    async fn zone(&self, name: &str) -> Result<Zone, ProviderError> {
        let d = self.client.describe_domain(name).await?;
        let zone = crate::record::normalize_name(&d.domain_info.domain);
        Ok(Zone {
            id: zone.clone(),
            name: zone,
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
        let rr = Self::relative(zone, fqdn)?;
        self.listing(zone, Some(&rr), Some(rtype)).await
    }

    async fn create(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        let rr = Self::relative(zone, fqdn)?;
        let (value, mx) = Self::value(data)?;
        let rtype = data.rtype();
        match self
            .client
            .create_record(&zone.id, &rr, rtype.as_str(), &value, mx, ttl)
            .await
        {
            Ok(a) => Ok(Record {
                id: a.id.to_string(),
                name: crate::record::normalize_name(fqdn),
                data: data.clone(),
                ttl,
            }),
            Err(CallError::Vendor(v)) if v.code == errors::RECORD_EXISTS => {
                let found = self.list(zone, fqdn, rtype).await?;
                found
                    .into_iter()
                    .find(|r| r.data == *data)
                    .ok_or_else(|| errors::vendor_error(&v))
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
        let id = Self::id(old)?;
        let rr = Self::relative(zone, &old.name)?;
        let (value, mx) = Self::value(data)?;
        match self
            .client
            .modify_record(&zone.id, id, &rr, data.rtype().as_str(), &value, mx, ttl)
            .await
        {
            Ok(_) => {}
            Err(CallError::Vendor(v)) if v.code == errors::RECORD_EXISTS && old.data == *data => {}
            Err(e) => return Err(e.into()),
        }
        Ok(Record {
            id: old.id.clone(),
            name: old.name.clone(),
            data: data.clone(),
            ttl,
        })
    }

    async fn list_zone(&self, zone: &Zone) -> Result<Vec<Record>, ProviderError> {
        self.listing(zone, None, None).await
    }

    async fn delete(&self, zone: &Zone, record: &Record) -> Result<(), ProviderError> {
        let id = Self::id(record)?;
        self.client.delete_record(&zone.id, id).await?;
        Ok(())
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
        // DNSPod's documented default: 20 requests per second per action for writes.
        RateLimit {
            requests: 20,
            window: Duration::from_secs(1),
        }
    }
}

/// Fuzzing and property tests only: the answer decoder of every action this provider
/// calls, the error advice and the record conversion, on one HTTP answer. Never panics.
#[doc(hidden)]
pub fn parse_for_fuzz(status: u16, body: &[u8]) -> Vec<ProviderError> {
    let mut errors = Vec::new();
    for write in [false, true] {
        match client::parse_answer::<types::RecordListAnswer>(
            "DescribeRecordList",
            status,
            body,
            write,
            Some(0),
        ) {
            Ok(list) => {
                for item in &list.records {
                    let _ = types::record(item, "example.com");
                }
            }
            Err(e) => errors.push(e.into()),
        }
        if let Err(e) =
            client::parse_answer::<types::RecordIdAnswer>("ModifyRecord", status, body, write, None)
        {
            errors.push(e.into());
        }
        if let Err(e) =
            client::parse_answer::<types::DomainAnswer>("DescribeDomain", status, body, write, None)
        {
            errors.push(e.into());
        }
    }
    errors
}

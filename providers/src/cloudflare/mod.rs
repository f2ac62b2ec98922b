//! Cloudflare API v4 (`type: cloudflare`): an API token, zones looked up by name,
//! records listed by type and name (or the whole zone, paged), created with `POST`,
//! changed in place with `PATCH`, removed with `DELETE`. Every record type mxddns knows is
//! offered by the API (MX, SRV, CAA and TLSA included: CFGO `dns/record.go`).
//!
//! API reference: <https://developers.cloudflare.com/api/resources/dns/subresources/records/>.

mod client;
mod content;
mod errors;
mod types;

#[cfg(test)]
mod tests;

use crate::error::{ErrorKind, ProviderError};
use crate::http::HttpContext;
use crate::record::{normalize_name, Record, RecordData, RecordType, Zone};
use crate::secret::Secret;
use crate::{Provider, RateLimit};
use async_trait::async_trait;
use client::{is_identifier, Answer, Call, Client};
use reqwest::Method;
use std::time::Duration;
use types::{DeletedWire, NewRecord, RecordPatch, RecordWire, ZoneWire};

/// The registrar's word: config `type:`, log and error prefix.
const PROVIDER: &str = "cloudflare";

/// The public API base URL, used when the account sets no `endpoint:`.
pub const DEFAULT_ENDPOINT: &str = "https://api.cloudflare.com/client/v4";

/// `ttl: 1` means "automatic" at Cloudflare (300 s today).
const AUTO_TTL: u32 = 1;
const MIN_TTL: u32 = 60;
const MAX_TTL: u32 = 86_400;

/// Zones asked for per page; the `name` filter leaves one at most.
const ZONES_PER_PAGE: &str = "50";
/// Records per page; one name and type rarely holds more than a few.
const RECORDS_PER_PAGE: &str = "100";
/// A broken server that keeps announcing more pages is cut off here (10 000 records).
const MAX_PAGES: u32 = 100;

/// One Cloudflare account, reached with an API token.
#[derive(Debug)]
pub struct Cloudflare {
    client: Client,
}

impl Cloudflare {
    /// A provider for the account behind `api_token`, at `endpoint` (already validated by
    /// the config; a trailing `/` is dropped) or [`DEFAULT_ENDPOINT`].
    pub fn new(http: HttpContext, api_token: Secret, endpoint: Option<String>) -> Cloudflare {
        let endpoint = endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
        Cloudflare {
            client: Client::new(http, api_token, endpoint),
        }
    }

    /// `GET /zones/{id}/dns_records?[type=&name=&]per_page=100[&page=N]`, every page;
    /// `filter` `None` lists the whole zone.
    /// <https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/>
    async fn list_wire(
        &self,
        zone: &Zone,
        filter: Option<(&str, RecordType)>,
    ) -> Result<Vec<RecordWire>, ProviderError> {
        let call = Call {
            what: match filter {
                Some((fqdn, rtype)) => {
                    rust_i18n::t!("cloudflare.what.list_at", rtype = rtype, fqdn = fqdn)
                        .into_owned()
                }
                None => rust_i18n::t!("cloudflare.what.list_zone", zone = zone.name).into_owned(),
            },
            zone: Some(&zone.name),
            record_path: false,
            write: false,
        };
        let zone_id = checked_zone_id(zone, &call)?;
        let mut all = Vec::new();
        let mut page = 1u32;
        loop {
            let page_str = page.to_string();
            let mut query = Vec::new();
            if let Some((fqdn, rtype)) = filter {
                query.push(("type", rtype.as_str()));
                query.push(("name", fqdn));
            }
            query.push(("per_page", RECORDS_PER_PAGE));
            if page > 1 {
                query.push(("page", &page_str));
            }
            let url = self
                .client
                .url(&["zones", zone_id, "dns_records"], &query)?;
            let (records, info) = match self
                .client
                .call::<Vec<RecordWire>>(Method::GET, url, None::<&()>, &call)
                .await?
            {
                Answer::Done { result, info } => (result, info),
                Answer::Identical => unreachable_identical(&call)?,
            };
            all.extend(records);
            let total_pages = info.and_then(|i| i.total_pages).unwrap_or(1);
            if page >= total_pages {
                return Ok(all);
            }
            if page >= MAX_PAGES {
                return Err(ProviderError::new(
                    PROVIDER,
                    ErrorKind::Protocol,
                    format!(
                        "{}: the answer announces {total_pages} pages; stopping after {MAX_PAGES}",
                        call.what
                    ),
                ));
            }
            page += 1;
        }
    }
}

#[async_trait]
impl Provider for Cloudflare {
    fn kind(&self) -> &'static str {
        PROVIDER
    }

    /// `GET /zones?name=<zone>&per_page=50`, then the exact (case-insensitive) match.
    async fn zone(&self, name: &str) -> Result<Zone, ProviderError> {
        let name = normalize_name(name);
        let call = Call {
            what: rust_i18n::t!("cloudflare.what.zone", zone = name).into_owned(),
            zone: Some(&name),
            record_path: false,
            write: false,
        };
        let url = self.client.url(
            &["zones"],
            &[("name", name.as_str()), ("per_page", ZONES_PER_PAGE)],
        )?;
        let zones = match self
            .client
            .call::<Vec<ZoneWire>>(Method::GET, url, None::<&()>, &call)
            .await?
        {
            Answer::Done { result, .. } => result,
            Answer::Identical => unreachable_identical(&call)?,
        };
        let Some(found) = zones.into_iter().find(|z| normalize_name(&z.name) == name) else {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::ZoneNotFound,
                rust_i18n::t!("cloudflare.no_zone", what = call.what, zone = name),
            )
            .with_hint(rust_i18n::t!("cloudflare.no_zone.hint")));
        };
        if !is_identifier(&found.id) {
            return Err(bad_id(&call, "zone", &found.id));
        }
        match found.status.as_deref() {
            Some("active") | None => {}
            Some(status) => tracing::warn!(
                zone = %name,
                status,
                "cloudflare: zone {name} is {status}, not active: Cloudflare's nameservers do \
            not serve it yet, so changes will not be visible until the zone is activated"
            ),
        }
        Ok(Zone { id: found.id, name })
    }

    async fn list(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, ProviderError> {
        crate::ensure_supported(PROVIDER, rtype, self.supports(rtype))?;
        let fqdn = normalize_name(fqdn);
        let call_what =
            rust_i18n::t!("cloudflare.what.list_at", rtype = rtype, fqdn = fqdn).into_owned();
        let wire = self.list_wire(zone, Some((&fqdn, rtype))).await?;
        let mut records = Vec::with_capacity(wire.len());
        for w in wire {
            // The server filters by type and name; a record that does not fit is not ours
            // to touch, whatever the server thought.
            if !w.rtype.eq_ignore_ascii_case(rtype.as_str()) || normalize_name(&w.name) != fqdn {
                continue;
            }
            records.push(to_record(w, rtype).map_err(|e| protocol(&call_what, e))?);
        }
        Ok(records)
    }

    /// `POST /zones/{id}/dns_records`. An "identical record already exists" answer is a
    /// success: the existing record is looked up to return its id.
    async fn create(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports_data(data))?;
        let fqdn = normalize_name(fqdn);
        let rtype = data.rtype();
        let call = Call {
            what: rust_i18n::t!("cloudflare.what.create", rtype = rtype, fqdn = fqdn).into_owned(),
            zone: Some(&zone.name),
            record_path: false,
            write: true,
        };
        let zone_id = checked_zone_id(zone, &call)?;
        let value = content::to_wire(data);
        let ttl = wire_ttl(ttl);
        let body = NewRecord {
            rtype: rtype.as_str(),
            name: &fqdn,
            value: &value,
            ttl,
            proxied: matches!(rtype, RecordType::A | RecordType::Aaaa | RecordType::Cname)
                .then_some(false),
        };
        let url = self.client.url(&["zones", zone_id, "dns_records"], &[])?;
        match self
            .client
            .call::<RecordWire>(Method::POST, url, Some(&body), &call)
            .await?
        {
            Answer::Done { result, .. } => {
                to_record(result, rtype).map_err(|e| protocol(&call.what, e).maybe_applied(true))
            }
            Answer::Identical => {
                tracing::debug!("cloudflare: {fqdn} already holds {rtype} {data}");
                let existing = self.list(zone, &fqdn, rtype).await?;
                Ok(existing
                    .into_iter()
                    .find(|r| &r.data == data)
                    .unwrap_or_else(|| Record {
                        id: String::new(),
                        name: fqdn,
                        data: data.clone(),
                        ttl,
                    }))
            }
        }
    }

    /// `PATCH /zones/{id}/dns_records/{old.id}` with `{"content","ttl"}`: one request.
    async fn update(
        &self,
        zone: &Zone,
        old: &Record,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        crate::ensure_supported(PROVIDER, data.rtype(), self.supports_data(data))?;
        let rtype = data.rtype();
        let call = Call {
            what: rust_i18n::t!("cloudflare.what.update", rtype = rtype, fqdn = old.name)
                .into_owned(),
            zone: Some(&zone.name),
            record_path: true,
            write: true,
        };
        if old.rtype() != rtype {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                rust_i18n::t!(
                    "cloudflare.type_change",
                    what = call.what,
                    old = old.rtype(),
                    new = rtype
                ),
            ));
        }
        let zone_id = checked_zone_id(zone, &call)?;
        if !is_identifier(&old.id) {
            // An id from an old state file or another provider: look the record up again.
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!("{}: {:?} is not a Cloudflare record id", call.what, old.id),
            ));
        }
        let value = content::to_wire(data);
        let ttl = wire_ttl(ttl);
        let body = RecordPatch { value: &value, ttl };
        let url = self
            .client
            .url(&["zones", zone_id, "dns_records", &old.id], &[])?;
        match self
            .client
            .call::<RecordWire>(Method::PATCH, url, Some(&body), &call)
            .await?
        {
            Answer::Done { result, .. } => {
                to_record(result, rtype).map_err(|e| protocol(&call.what, e).maybe_applied(true))
            }
            Answer::Identical => Ok(Record {
                id: old.id.clone(),
                name: old.name.clone(),
                data: data.clone(),
                ttl,
            }),
        }
    }

    /// `GET /zones/{id}/dns_records?per_page=100&page=N`: the whole zone, every page.
    /// Types mxddns does not handle (NS, SOA, HTTPS, …) are left out.
    async fn list_zone(&self, zone: &Zone) -> Result<Vec<Record>, ProviderError> {
        let what = rust_i18n::t!("cloudflare.what.list_zone", zone = zone.name).into_owned();
        let wire = self.list_wire(zone, None).await?;
        let mut records = Vec::with_capacity(wire.len());
        for w in wire {
            let Some(rtype) = RecordType::parse(&w.rtype) else {
                continue;
            };
            records.push(to_record(w, rtype).map_err(|e| protocol(&what, e))?);
        }
        Ok(records)
    }

    /// `DELETE /zones/{id}/dns_records/{record.id}`; the answer is `{"id": …}`.
    /// <https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/delete/>
    async fn delete(&self, zone: &Zone, record: &Record) -> Result<(), ProviderError> {
        let call = Call {
            what: rust_i18n::t!(
                "cloudflare.what.delete",
                rtype = record.rtype(),
                fqdn = record.name
            )
            .into_owned(),
            zone: Some(&zone.name),
            record_path: true,
            write: true,
        };
        let zone_id = checked_zone_id(zone, &call)?;
        if !is_identifier(&record.id) {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!(
                    "{}: {:?} is not a Cloudflare record id",
                    call.what, record.id
                ),
            ));
        }
        let url = self
            .client
            .url(&["zones", zone_id, "dns_records", &record.id], &[])?;
        match self
            .client
            .call::<DeletedWire>(Method::DELETE, url, None::<&()>, &call)
            .await?
        {
            Answer::Done { result, .. } if result.id == record.id => Ok(()),
            Answer::Done { result, .. } => Err(protocol(
                &call.what,
                format!(
                    "the answer names record {:?}, not {:?}",
                    result.id, record.id
                ),
            )
            .maybe_applied(true)),
            Answer::Identical => unreachable_identical(&call),
        }
    }

    /// Every type mxddns writes: the API offers A, AAAA, CNAME, TXT, MX, SRV, CAA and
    /// TLSA (CFGO `dns/record.go` `RecordNewParamsBody` types).
    fn supports(&self, _rtype: RecordType) -> Result<(), String> {
        Ok(())
    }

    /// 60 s; `1` ("automatic") is passed through when the agent sends it.
    fn min_ttl(&self) -> u32 {
        MIN_TTL
    }

    /// 1200 requests per 5 minutes per user (dashboard and API together).
    fn rate_limit(&self) -> RateLimit {
        RateLimit {
            requests: 1200,
            window: Duration::from_secs(300),
        }
    }
}

/// `1` (automatic) as is; anything else within 60–86400.
fn wire_ttl(ttl: u32) -> u32 {
    if ttl == AUTO_TTL {
        AUTO_TTL
    } else {
        ttl.clamp(MIN_TTL, MAX_TTL)
    }
}

fn to_record(w: RecordWire, rtype: RecordType) -> Result<Record, String> {
    if !w.rtype.eq_ignore_ascii_case(rtype.as_str()) {
        return Err(format!(
            "record {} is of type {:?}, not {rtype}",
            w.id, w.rtype
        ));
    }
    if !is_identifier(&w.id) {
        return Err(format!(
            "record id {:?} is not a Cloudflare identifier",
            w.id
        ));
    }
    Ok(Record {
        data: content::from_wire(rtype, &w)?,
        name: normalize_name(&w.name),
        ttl: w.ttl.unwrap_or(AUTO_TTL),
        id: w.id,
    })
}

fn checked_zone_id<'z>(zone: &'z Zone, call: &Call<'_>) -> Result<&'z str, ProviderError> {
    if is_identifier(&zone.id) {
        Ok(&zone.id)
    } else {
        Err(ProviderError::new(
            PROVIDER,
            ErrorKind::ZoneNotFound,
            format!("{}: {:?} is not a Cloudflare zone id", call.what, zone.id),
        ))
    }
}

fn bad_id(call: &Call<'_>, what: &str, id: &str) -> ProviderError {
    protocol(
        &call.what,
        format!("the {what} id {id:?} is not a Cloudflare identifier (32 hex digits)"),
    )
}

fn protocol(what: &str, problem: String) -> ProviderError {
    ProviderError::new(PROVIDER, ErrorKind::Protocol, format!("{what}: {problem}"))
}

/// Fuzzing and property tests only: every answer decoder of this provider (zone list,
/// record list, one written record; as a read and as a write) run on one HTTP answer,
/// with the errors they give. Never panics, whatever the answer.
#[doc(hidden)]
pub fn parse_for_fuzz(status: u16, body: &[u8]) -> Vec<ProviderError> {
    use types::{RecordWire, ZoneWire};
    let resp = crate::http::Response::synthetic(status, body);
    let mut errors = Vec::new();
    for write in [false, true] {
        let call = Call {
            what: "decoding an answer".to_string(),
            zone: Some("example.com"),
            record_path: write,
            write,
        };
        if let Err(e) = client::decode::<Vec<ZoneWire>>(&resp, &call) {
            errors.push(e);
        }
        match client::decode::<Vec<RecordWire>>(&resp, &call) {
            Ok(Answer::Done { result, .. }) => {
                for w in result {
                    if let Err(e) = to_record(w, RecordType::A) {
                        errors.push(protocol(&call.what, e));
                    }
                }
            }
            Ok(Answer::Identical) => {}
            Err(e) => errors.push(e),
        }
        match client::decode::<RecordWire>(&resp, &call) {
            Ok(Answer::Done { result, .. }) => {
                if let Err(e) = to_record(result, RecordType::Txt) {
                    errors.push(protocol(&call.what, e));
                }
            }
            Ok(Answer::Identical) => {}
            Err(e) => errors.push(e),
        }
    }
    errors
}

/// Reads never get the identical-record answer ([`Client::call`] only reports it for
/// writes); should one arrive anyway it is a protocol error, not a panic.
fn unreachable_identical<T>(call: &Call<'_>) -> Result<T, ProviderError> {
    Err(protocol(
        &call.what,
        "the answer to a read says \"identical record\"".to_string(),
    ))
}

//! RFC 2136 dynamic updates, signed with TSIG (RFC 8945): any authoritative server that
//! takes UPDATE messages (BIND 9, Knot DNS, PowerDNS, Technitium, hosted services).
//!
//! No HTTP and no external `nsupdate`: mxddns speaks DNS to the server itself
//! ([`client`]). Reads are signed queries to the server (never a resolver, never a
//! cache). Every write is one UPDATE whose prerequisites (RFC 2136 §2.4.2, "RRset
//! exists, value dependent" / "RRset does not exist") are the record set exactly as
//! mxddns last read it, so a change computed from that state applies only to it: when
//! another writer changed the set in between, the server refuses the whole UPDATE
//! (NXRRSET) and the agent reads again. A change in place is one UPDATE that deletes the
//! old record and adds the new one atomically; neighbours in the set are never touched.
//!
//! The zone: the agent finds it through DNS (SOA) or takes `zone:` from the domain; this
//! provider confirms that the server holds its SOA. Reading a whole zone uses AXFR when
//! the key may transfer it, and otherwise asks for the apex and the usual mail names one
//! by one (and says so).

mod client;
mod errors;
pub mod key;
mod types;

use crate::error::{ErrorKind, ProviderError};
use crate::http::ApiCounters;
use crate::record::{normalize_name, Record, RecordData, RecordType, Zone};
use crate::{Provider, RateLimit};
use async_trait::async_trait;
use client::Client;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{DNSClass, Record as WireRecord, RecordType as WireType};
pub use key::{parse_key_file, Algorithm, KeyFile, TsigKey};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The word for RFC 2136 in config, logs and errors.
pub const PROVIDER: &str = "rfc2136";

/// The port when `server:` names none.
pub const DEFAULT_PORT: u16 = 53;

/// How long one exchange may take (a zone transfer: four times this).
const TIMEOUT: Duration = Duration::from_secs(5);

/// Names asked one by one when the key may not transfer the zone: the apex and the
/// names mail setups keep records at.
const MAIL_NAMES: &[&str] = &[
    "",
    "mail",
    "_dmarc",
    "_mta-sts",
    "mta-sts",
    "_smtp._tls",
    "_submission._tcp",
    "_submissions._tcp",
    "_imap._tcp",
    "_imaps._tcp",
    "_pop3s._tcp",
    "_autodiscover._tcp",
    "autoconfig",
    "autodiscover",
    "_25._tcp.mail",
];

/// One server and one TSIG key.
#[derive(Debug)]
pub struct Rfc2136 {
    client: Client,
    /// Each record set as last read or written (name, type): the state the next write's
    /// prerequisites name.
    seen: Mutex<HashMap<(String, RecordType), Vec<Record>>>,
}

/// Parse a `server:` value: `host`, `host:port`, `ip`, `ip:port`, `[v6]:port`.
/// Returns `host:port`, or why not.
pub fn server_address(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    if t.contains("://") {
        return Err(format!(
            "\"{t}\" is a URL — write the DNS server as host:port, such as 192.0.2.53:53"
        ));
    }
    if let Ok(sa) = t.parse::<std::net::SocketAddr>() {
        return Ok(sa.to_string());
    }
    if let Ok(ip) = t.parse::<std::net::IpAddr>() {
        return Ok(std::net::SocketAddr::new(ip, DEFAULT_PORT).to_string());
    }
    let (host, port) = match t.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("\"{p}\" is not a port number"))?,
        ),
        None => (t, DEFAULT_PORT),
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(format!(
            "\"{t}\" is not host:port — write the DNS server as 192.0.2.53:53 or ns1.example.com:53"
        ));
    }
    Ok(format!("{host}:{port}"))
}

impl Rfc2136 {
    /// A provider that updates through `server` (`host:port`, see [`server_address`]).
    pub fn new(server: String, key: TsigKey, counters: Arc<ApiCounters>) -> Rfc2136 {
        Rfc2136 {
            client: Client::new(server, key, counters, TIMEOUT),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Sign with a clock `secs` off (tests of BADTIME only).
    #[doc(hidden)]
    pub fn with_clock_skew(mut self, secs: i64) -> Rfc2136 {
        self.client = self.client.with_clock_skew(secs);
        self
    }

    fn name(fqdn: &str) -> Result<hickory_proto::rr::Name, ProviderError> {
        types::name(fqdn).map_err(|e| ProviderError::new(PROVIDER, ErrorKind::Invalid, e))
    }

    fn remember(&self, fqdn: &str, rtype: RecordType, set: Option<Vec<Record>>) {
        // A poisoned lock only means another task panicked mid-insert: the map is still a
        // valid cache (at worst stale, which the prerequisites catch).
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match set {
            Some(s) => seen.insert((normalize_name(fqdn), rtype), s),
            None => seen.remove(&(normalize_name(fqdn), rtype)),
        };
    }

    fn recalled(&self, fqdn: &str, rtype: RecordType) -> Option<Vec<Record>> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&(normalize_name(fqdn), rtype)).cloned()
    }

    /// The set as last seen, or read now.
    async fn current(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, ProviderError> {
        match self.recalled(fqdn, rtype) {
            Some(s) => Ok(s),
            None => self.list(zone, fqdn, rtype).await,
        }
    }

    /// Prerequisites: the set `fqdn`/`rtype` is exactly `set` (RFC 2136 §2.4.2), or does
    /// not exist when `set` is empty (§2.4.3).
    fn prerequisites(
        fqdn: &str,
        rtype: RecordType,
        set: &[Record],
    ) -> Result<Vec<WireRecord>, ProviderError> {
        let name = Self::name(fqdn)?;
        if set.is_empty() {
            let mut r = WireRecord::update0(name, 0, types::wire_type(rtype));
            r.dns_class = DNSClass::NONE;
            return Ok(vec![r]);
        }
        set.iter()
            .map(|r| {
                Ok(WireRecord::from_rdata(
                    name.clone(),
                    0,
                    Self::rdata(&r.data)?,
                ))
            })
            .collect()
    }

    fn rdata(d: &RecordData) -> Result<hickory_proto::rr::RData, ProviderError> {
        types::to_rdata(d).map_err(|e| ProviderError::new(PROVIDER, ErrorKind::Invalid, e))
    }

    /// Send one UPDATE of `zone`; on a failed prerequisite forget the set, so the next
    /// read is fresh.
    async fn write(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
        prerequisites: Vec<WireRecord>,
        updates: Vec<WireRecord>,
    ) -> Result<(), ProviderError> {
        let zone_name = Self::name(&zone.name)?;
        let answer = self.client.update(&zone_name, prerequisites, updates).await;
        let result = match answer {
            Ok(a) if a.message.metadata.response_code == ResponseCode::NoError => Ok(()),
            Ok(a) => Err(errors::rcode(&a.message, self.client.key(), 0, "update")),
            Err(e) => Err(e),
        };
        if result.is_err() {
            self.remember(fqdn, rtype, None);
        }
        result
    }

    /// Every record at `fqdn` of every type the agent models (for the per-name reading of
    /// a zone).
    async fn list_name(&self, zone: &Zone, fqdn: &str) -> Result<Vec<Record>, ProviderError> {
        let mut out = Vec::new();
        for t in [
            RecordType::A,
            RecordType::Aaaa,
            RecordType::Cname,
            RecordType::Txt,
            RecordType::Mx,
            RecordType::Srv,
            RecordType::Caa,
            RecordType::Tlsa,
        ] {
            out.extend(self.list(zone, fqdn, t).await?);
        }
        Ok(out)
    }
}

#[async_trait]
impl Provider for Rfc2136 {
    fn kind(&self) -> &'static str {
        PROVIDER
    }

    async fn zone(&self, name: &str) -> Result<Zone, ProviderError> {
        let zone = normalize_name(name);
        let answer = self
            .client
            .query(&Self::name(&zone)?, WireType::SOA)
            .await?;
        let m = &answer.message;
        let code = m.metadata.response_code;
        let holds = code == ResponseCode::NoError
            && m.metadata.authoritative
            && m.answers
                .iter()
                .any(|r| r.record_type() == WireType::SOA && types::fqdn(&r.name) == zone);
        if holds {
            return Ok(Zone {
                id: zone.clone(),
                name: zone,
            });
        }
        Err(ProviderError::new(
            PROVIDER,
            ErrorKind::ZoneNotFound,
            format!(
                "the server {} does not hold the zone {zone} ({code}, {})",
                self.client.server(),
                if m.metadata.authoritative {
                    "authoritative"
                } else {
                    "not authoritative"
                }
            ),
        )
        .with_hint(rust_i18n::t!("rfc2136.notauth.hint")))
    }

    async fn list(
        &self,
        zone: &Zone,
        fqdn: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, ProviderError> {
        let _ = zone;
        let answer = self
            .client
            .query(&Self::name(fqdn)?, types::wire_type(rtype))
            .await?;
        let m = &answer.message;
        match m.metadata.response_code {
            ResponseCode::NoError | ResponseCode::NXDomain => {}
            _ => return Err(errors::rcode(m, self.client.key(), 0, "query")),
        }
        let want = normalize_name(fqdn);
        let wire = types::wire_type(rtype);
        let set: Vec<Record> = m
            .answers
            .iter()
            .filter(|r| r.record_type() == wire && types::fqdn(&r.name) == want)
            .filter_map(types::record)
            .collect();
        self.remember(fqdn, rtype, Some(set.clone()));
        Ok(set)
    }

    async fn create(
        &self,
        zone: &Zone,
        fqdn: &str,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        let rtype = data.rtype();
        let current = self.current(zone, fqdn, rtype).await?;
        let record = Record {
            id: String::new(),
            name: normalize_name(fqdn),
            data: data.clone(),
            ttl,
        };
        if current.iter().any(|r| r.data == *data && r.ttl == ttl) {
            return Ok(record);
        }
        let prereq = Self::prerequisites(fqdn, rtype, &current)?;
        let add = WireRecord::from_rdata(Self::name(fqdn)?, ttl, Self::rdata(data)?);
        self.write(zone, fqdn, rtype, prereq, vec![add]).await?;
        let mut next: Vec<Record> = current.into_iter().filter(|r| r.data != *data).collect();
        next.push(record.clone());
        self.remember(fqdn, rtype, Some(next));
        Ok(record)
    }

    async fn update(
        &self,
        zone: &Zone,
        old: &Record,
        data: &RecordData,
        ttl: u32,
    ) -> Result<Record, ProviderError> {
        let rtype = old.rtype();
        let fqdn = old.name.as_str();
        if data.rtype() != rtype {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Invalid,
                format!(
                    "cannot change a {rtype} record into a {} record in place",
                    data.rtype()
                ),
            ));
        }
        let current = self.current(zone, fqdn, rtype).await?;
        if let Some(done) = already_changed(&current, &old.data, data) {
            // An UPDATE that landed but whose answer was lost, tried again: the set (read
            // afresh after the failure) already holds the change. Sending it again would
            // fail its prerequisites and report a failure for a change that was made.
            return Ok(done.clone());
        }
        if !current.iter().any(|r| r.data == old.data) {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!("{fqdn} {rtype} {} is no longer on the server", old.data),
            ));
        }
        let name = Self::name(fqdn)?;
        let prereq = Self::prerequisites(fqdn, rtype, &current)?;
        let mut delete = WireRecord::from_rdata(name.clone(), 0, Self::rdata(&old.data)?);
        delete.dns_class = DNSClass::NONE;
        let add = WireRecord::from_rdata(name, ttl, Self::rdata(data)?);
        // One message: the server applies both or neither (RFC 2136 §3.4.2).
        self.write(zone, fqdn, rtype, prereq, vec![delete, add])
            .await?;
        let record = Record {
            id: String::new(),
            name: normalize_name(fqdn),
            data: data.clone(),
            ttl,
        };
        let mut next: Vec<Record> = current
            .into_iter()
            .filter(|r| r.data != old.data && r.data != *data)
            .collect();
        next.push(record.clone());
        self.remember(fqdn, rtype, Some(next));
        Ok(record)
    }

    async fn list_zone(&self, zone: &Zone) -> Result<Vec<Record>, ProviderError> {
        let zname = Self::name(&zone.name)?;
        match self.client.axfr(&zname).await {
            Ok(records) => Ok(records
                .iter()
                .filter(|r| r.dns_class == DNSClass::IN)
                .filter_map(types::record)
                .collect()),
            Err(e) if matches!(e.kind, ErrorKind::Permission | ErrorKind::ZoneNotFound) => {
                tracing::warn!(
                    "{e}; reading the zone {} name by name instead (the apex and the usual mail names only): allow the key to transfer the zone for a complete view",
                    zone.name
                );
                let mut out = Vec::new();
                for n in MAIL_NAMES {
                    let fqdn = if n.is_empty() {
                        zone.name.clone()
                    } else {
                        format!("{n}.{}", zone.name)
                    };
                    out.extend(self.list_name(zone, &fqdn).await?);
                }
                Ok(out)
            }
            Err(e) => Err(e),
        }
    }

    async fn delete(&self, zone: &Zone, record: &Record) -> Result<(), ProviderError> {
        let rtype = record.rtype();
        let fqdn = record.name.as_str();
        let current = self.current(zone, fqdn, rtype).await?;
        if !current.iter().any(|r| r.data == record.data) {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!("{fqdn} {rtype} {} is no longer on the server", record.data),
            ));
        }
        let prereq = Self::prerequisites(fqdn, rtype, &current)?;
        let mut delete = WireRecord::from_rdata(Self::name(fqdn)?, 0, Self::rdata(&record.data)?);
        delete.dns_class = DNSClass::NONE;
        self.write(zone, fqdn, rtype, prereq, vec![delete]).await?;
        let next = current
            .into_iter()
            .filter(|r| r.data != record.data)
            .collect();
        self.remember(fqdn, rtype, Some(next));
        Ok(())
    }

    fn supports(&self, _rtype: RecordType) -> Result<(), String> {
        // RFC 2136 carries any record type; the server's update policy may still refuse.
        Ok(())
    }

    fn min_ttl(&self) -> u32 {
        1
    }

    fn rate_limit(&self) -> RateLimit {
        RateLimit {
            requests: 100,
            window: Duration::from_secs(1),
        }
    }
}

/// The record `new` when the change in place `old` -> `new` is already made in `set`:
/// `old` is gone and `new` is there.
fn already_changed<'s>(
    set: &'s [Record],
    old: &RecordData,
    new: &RecordData,
) -> Option<&'s Record> {
    if set.iter().any(|r| r.data == *old) {
        return None;
    }
    set.iter().find(|r| r.data == *new)
}

/// Fuzzing and property tests only: a server's answer (`body`, a DNS message; `status`
/// unused) through the decoder, the TSIG extraction and MAC input, the error advice and
/// the record conversion. Never panics.
#[doc(hidden)]
pub fn parse_for_fuzz(_status: u16, body: &[u8]) -> Vec<ProviderError> {
    let mut errors = Vec::new();
    let key = TsigKey {
        name: "mxddns-key".into(),
        algorithm: Algorithm::HmacSha256,
        secret: crate::secret::Secret::new("c2VjcmV0"),
    };
    match client::decode(body) {
        Ok(m) => {
            let _ = client::tsig_of(&m);
            let _ = client::signed_tbs(body, b"mac", true);
            let _ = client::signed_tbs(body, b"mac", false);
            for r in m.answers.iter().chain(m.additionals.iter()) {
                let _ = types::record(r);
            }
            if m.metadata.response_code != ResponseCode::NoError || client::tsig_of(&m).is_some() {
                errors.push(errors::rcode(&m, &key, 0, "update"));
            }
        }
        Err(e) => errors.push(e),
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(ip: &str) -> Record {
        Record {
            id: String::new(),
            name: "mail.example.com".into(),
            data: RecordData::A(ip.parse().unwrap()),
            ttl: 300,
        }
    }

    #[test]
    fn a_change_whose_answer_was_lost_is_found_made() {
        let old = rec("203.0.113.10").data;
        let new = rec("203.0.113.20").data;
        // Landed: the old value gone, the new one there (a neighbour kept).
        let landed = [rec("203.0.113.20"), rec("203.0.113.99")];
        assert_eq!(
            already_changed(&landed, &old, &new).map(|r| &r.data),
            Some(&new)
        );
        // Not landed: the old value still there; it must be sent.
        assert!(already_changed(&[rec("203.0.113.10")], &old, &new).is_none());
        // Both there (another writer added the new value): still a change to send.
        let both = [rec("203.0.113.10"), rec("203.0.113.20")];
        assert!(already_changed(&both, &old, &new).is_none());
        // Neither there: someone else changed it; the caller reports it gone.
        assert!(already_changed(&[rec("203.0.113.99")], &old, &new).is_none());
        assert!(already_changed(&[], &old, &new).is_none());
    }
}

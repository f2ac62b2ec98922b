//! The zone store shared by the vendor emulators and the DNS server.
//!
//! [`Store`] is a cheap-to-clone handle. Emulators that must check and write atomically (a
//! duplicate check, then an insert) take the lock once with [`Store::with`] and use the
//! methods of [`Zones`]; tests use the convenience methods on [`Store`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::ids;
use crate::rdata::{normalize_name, Rdata, RdataError, RrType, SoaData};

/// TTL used by the test helpers [`Store::insert`] and [`Store::set`] when none is given.
pub const DEFAULT_TTL: u32 = 300;

/// One zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    pub id: u64,
    /// Lowercase, no trailing dot.
    pub name: String,
    pub created: SystemTime,
    pub modified: SystemTime,
    /// SOA serial; every write to the zone increments it.
    pub serial: u32,
}

impl Zone {
    /// Cloudflare-style id.
    pub fn hex_id(&self) -> String {
        ids::hex_id(self.id)
    }
    /// Alidns-style id.
    pub fn decimal_id(&self) -> String {
        ids::decimal_id(self.id)
    }
}

/// One stored record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: u64,
    /// The zone's name.
    pub zone: String,
    /// Owner name: lowercase FQDN, no trailing dot.
    pub name: String,
    pub data: Rdata,
    pub ttl: u32,
    pub created: SystemTime,
    pub modified: SystemTime,
    /// Vendor-specific attributes, keyed `vendor.field` (e.g. `cloudflare.proxied`,
    /// `cloudflare.comment`); each emulator owns its keys.
    pub attrs: BTreeMap<String, String>,
}

impl StoredRecord {
    pub fn rtype(&self) -> RrType {
        self.data.rtype()
    }
    /// Presentation form of the data (see [`Rdata::presentation`]).
    pub fn value(&self) -> String {
        self.data.presentation()
    }
    /// Cloudflare-style id.
    pub fn hex_id(&self) -> String {
        ids::hex_id(self.id)
    }
    /// Alidns-style id.
    pub fn decimal_id(&self) -> String {
        ids::decimal_id(self.id)
    }
}

/// A record to add, or the new state of a record to update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    pub name: String,
    pub data: Rdata,
    pub ttl: u32,
    pub attrs: BTreeMap<String, String>,
}

impl NewRecord {
    pub fn new(name: &str, data: Rdata, ttl: u32) -> Self {
        NewRecord {
            name: normalize_name(name),
            data,
            ttl,
            attrs: BTreeMap::new(),
        }
    }

    /// Adds a vendor attribute.
    pub fn attr(mut self, key: &str, value: impl Into<String>) -> Self {
        self.attrs.insert(key.to_string(), value.into());
        self
    }
}

/// Why a store operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("no zone '{0}' in the fake registrar: seed it first")]
    NoSuchZone(String),
    #[error("'{name}' is not inside zone '{zone}'")]
    NotInZone { name: String, zone: String },
    #[error("no record with id {0}")]
    NoSuchRecord(u64),
    #[error("a {got} value was given for a {expected} record set")]
    WrongType { expected: RrType, got: RrType },
    #[error(transparent)]
    BadValue(#[from] RdataError),
}

#[derive(Debug)]
struct ZoneEntry {
    zone: Zone,
    records: Vec<StoredRecord>,
}

/// The zones and their records; reached through [`Store::with`].
#[derive(Debug)]
pub struct Zones {
    zones: BTreeMap<String, ZoneEntry>,
    next_id: u64,
}

impl Zones {
    fn new() -> Self {
        Zones {
            zones: BTreeMap::new(),
            next_id: ids::FIRST_ID,
        }
    }

    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Adds a zone (or returns the existing one of that name).
    pub fn add_zone(&mut self, name: &str) -> Zone {
        let name = normalize_name(name);
        if let Some(e) = self.zones.get(&name) {
            return e.zone.clone();
        }
        let now = SystemTime::now();
        let zone = Zone {
            id: self.alloc_id(),
            name: name.clone(),
            created: now,
            modified: now,
            serial: 1,
        };
        self.zones.insert(
            name,
            ZoneEntry {
                zone: zone.clone(),
                records: Vec::new(),
            },
        );
        zone
    }

    /// All zones, by name.
    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.values().map(|e| &e.zone)
    }

    /// The zone of exactly this name.
    pub fn zone(&self, name: &str) -> Option<&Zone> {
        self.zones.get(&normalize_name(name)).map(|e| &e.zone)
    }

    /// The zone with this id.
    pub fn zone_by_id(&self, id: u64) -> Option<&Zone> {
        self.zones().find(|z| z.id == id)
    }

    /// The most specific zone containing `fqdn`.
    pub fn zone_of(&self, fqdn: &str) -> Option<&Zone> {
        let name = normalize_name(fqdn);
        let mut candidate = name.as_str();
        loop {
            if let Some(e) = self.zones.get(candidate) {
                return Some(&e.zone);
            }
            candidate = candidate.split_once('.')?.1;
        }
    }

    /// Records of a zone in insertion order, optionally only those at `name` and of `rtype`.
    pub fn list<'a>(
        &'a self,
        zone: &str,
        name: Option<&str>,
        rtype: Option<RrType>,
    ) -> impl Iterator<Item = &'a StoredRecord> + 'a {
        let name = name.map(normalize_name);
        self.zones
            .get(&normalize_name(zone))
            .map(|e| e.records.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(move |r| name.as_deref().is_none_or(|n| r.name == n))
            .filter(move |r| rtype.is_none_or(|t| r.rtype() == t))
    }

    /// Whether any record is at `name` or below it (an empty non-terminal) in `zone`.
    pub fn name_exists(&self, zone: &str, name: &str) -> bool {
        let name = normalize_name(name);
        let suffix = format!(".{name}");
        self.list(zone, None, None)
            .any(|r| r.name == name || r.name.ends_with(&suffix))
    }

    /// The record with this id, in any zone.
    pub fn get(&self, id: u64) -> Option<&StoredRecord> {
        self.zones
            .values()
            .flat_map(|e| e.records.iter())
            .find(|r| r.id == id)
    }

    fn entry_mut(&mut self, zone: &str) -> Result<&mut ZoneEntry, StoreError> {
        let z = normalize_name(zone);
        self.zones.get_mut(&z).ok_or(StoreError::NoSuchZone(z))
    }

    fn check_in_zone(name: &str, zone: &str) -> Result<(), StoreError> {
        if name == zone || name.ends_with(&format!(".{zone}")) {
            Ok(())
        } else {
            Err(StoreError::NotInZone {
                name: name.to_string(),
                zone: zone.to_string(),
            })
        }
    }

    /// Adds a record to `zone`.
    pub fn add(&mut self, zone: &str, rec: NewRecord) -> Result<StoredRecord, StoreError> {
        let id = self.next_id;
        let entry = self.entry_mut(zone)?;
        let name = normalize_name(&rec.name);
        Self::check_in_zone(&name, &entry.zone.name)?;
        let now = SystemTime::now();
        let stored = StoredRecord {
            id,
            zone: entry.zone.name.clone(),
            name,
            data: rec.data,
            ttl: rec.ttl,
            created: now,
            modified: now,
            attrs: rec.attrs,
        };
        touch(&mut entry.zone, &stored.data, now);
        entry.records.push(stored.clone());
        self.next_id += 1;
        Ok(stored)
    }

    /// Replaces name, data, TTL and attributes of a record; keeps its id, zone and creation time.
    pub fn update(&mut self, id: u64, rec: NewRecord) -> Result<StoredRecord, StoreError> {
        let now = SystemTime::now();
        for entry in self.zones.values_mut() {
            let Some(pos) = entry.records.iter().position(|r| r.id == id) else {
                continue;
            };
            let name = normalize_name(&rec.name);
            Self::check_in_zone(&name, &entry.zone.name)?;
            touch(&mut entry.zone, &rec.data, now);
            let r = &mut entry.records[pos];
            r.name = name;
            r.data = rec.data;
            r.ttl = rec.ttl;
            r.attrs = rec.attrs;
            r.modified = now;
            return Ok(r.clone());
        }
        Err(StoreError::NoSuchRecord(id))
    }

    /// Deletes a record and returns it.
    pub fn delete(&mut self, id: u64) -> Result<StoredRecord, StoreError> {
        let now = SystemTime::now();
        for entry in self.zones.values_mut() {
            if let Some(pos) = entry.records.iter().position(|r| r.id == id) {
                let r = entry.records.remove(pos);
                touch(&mut entry.zone, &r.data, now);
                return Ok(r);
            }
        }
        Err(StoreError::NoSuchRecord(id))
    }

    /// Replaces every record of (`name`, `rtype`) in `zone` by `items` (GoDaddy's PUT on
    /// `records/{type}/{name}`). An empty `items` deletes the set. New records get new ids.
    pub fn replace_set(
        &mut self,
        zone: &str,
        name: &str,
        rtype: RrType,
        items: Vec<(Rdata, u32)>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        if let Some((d, _)) = items.iter().find(|(d, _)| d.rtype() != rtype) {
            return Err(StoreError::WrongType {
                expected: rtype,
                got: d.rtype(),
            });
        }
        let name = normalize_name(name);
        let zone_name = {
            let entry = self.entry_mut(zone)?;
            Self::check_in_zone(&name, &entry.zone.name)?;
            entry
                .records
                .retain(|r| !(r.name == name && r.rtype() == rtype));
            entry.zone.serial = entry.zone.serial.wrapping_add(1);
            entry.zone.modified = SystemTime::now();
            entry.zone.name.clone()
        };
        items
            .into_iter()
            .map(|(data, ttl)| self.add(&zone_name, NewRecord::new(&name, data, ttl)))
            .collect()
    }

    /// Sets the zone's SOA serial (an RFC 2136 UPDATE takes one new serial for all its
    /// changes, §3.6).
    pub fn set_serial(&mut self, zone: &str, serial: u32) {
        if let Ok(entry) = self.entry_mut(zone) {
            entry.zone.serial = serial;
        }
    }

    /// The zone's SOA: the stored one if seeded, otherwise `ns1.<zone> hostmaster.<zone>`;
    /// the serial is always the zone's current serial.
    pub fn soa(&self, zone: &str) -> Option<(SoaData, u32)> {
        let z = self.zone(zone)?;
        let stored = self.list(&z.name, Some(&z.name), Some(RrType::SOA)).next();
        let (mut soa, ttl) = match stored {
            Some(StoredRecord {
                data: Rdata::Soa(s),
                ttl,
                ..
            }) => (s.clone(), *ttl),
            _ => (
                SoaData {
                    mname: format!("ns1.{}", z.name),
                    rname: format!("hostmaster.{}", z.name),
                    serial: 0,
                    refresh: 3600,
                    retry: 600,
                    expire: 604_800,
                    minimum: 300,
                },
                3600,
            ),
        };
        soa.serial = z.serial;
        Some((soa, ttl))
    }

    /// The zone's name servers: the stored apex NS records if seeded, otherwise
    /// `ns1.<zone>` and `ns2.<zone>`.
    pub fn name_servers(&self, zone: &str) -> Vec<String> {
        let Some(z) = self.zone(zone) else {
            return Vec::new();
        };
        let stored: Vec<String> = self
            .list(&z.name, Some(&z.name), Some(RrType::NS))
            .filter_map(|r| match &r.data {
                Rdata::Ns(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        if stored.is_empty() {
            vec![format!("ns1.{}", z.name), format!("ns2.{}", z.name)]
        } else {
            stored
        }
    }
}

/// Marks a zone changed: bumps the serial (or takes a written SOA's serial).
fn touch(zone: &mut Zone, data: &Rdata, now: SystemTime) {
    zone.serial = match data {
        Rdata::Soa(s) => s.serial,
        _ => zone.serial.wrapping_add(1),
    };
    zone.modified = now;
}

/// Cheap-to-clone handle on the shared zones.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Mutex<Zones>>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store {
            inner: Arc::new(Mutex::new(Zones::new())),
        }
    }

    /// Runs `f` with the store locked: use it to check and write atomically.
    pub fn with<R>(&self, f: impl FnOnce(&mut Zones) -> R) -> R {
        // A panic while holding the lock cannot leave `Zones` half-updated in a way that
        // matters to a test fixture, so a poisoned lock is still usable.
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Adds a zone (or returns the existing one).
    pub fn add_zone(&self, name: &str) -> Zone {
        self.with(|z| z.add_zone(name))
    }

    /// All zones, by name.
    pub fn zones(&self) -> Vec<Zone> {
        self.with(|z| z.zones().cloned().collect())
    }

    /// The zone of exactly this name.
    pub fn zone(&self, name: &str) -> Option<Zone> {
        self.with(|z| z.zone(name).cloned())
    }

    /// See [`Zones::list`].
    pub fn list(&self, zone: &str, name: Option<&str>, rtype: Option<RrType>) -> Vec<StoredRecord> {
        self.with(|z| z.list(zone, name, rtype).cloned().collect())
    }

    /// The record with this id.
    pub fn get(&self, id: u64) -> Option<StoredRecord> {
        self.with(|z| z.get(id).cloned())
    }

    /// See [`Zones::add`].
    pub fn add(&self, zone: &str, rec: NewRecord) -> Result<StoredRecord, StoreError> {
        self.with(|z| z.add(zone, rec))
    }

    /// See [`Zones::update`].
    pub fn update(&self, id: u64, rec: NewRecord) -> Result<StoredRecord, StoreError> {
        self.with(|z| z.update(id, rec))
    }

    /// See [`Zones::delete`].
    pub fn delete(&self, id: u64) -> Result<StoredRecord, StoreError> {
        self.with(|z| z.delete(id))
    }

    /// See [`Zones::replace_set`].
    pub fn replace_set(
        &self,
        zone: &str,
        name: &str,
        rtype: RrType,
        items: Vec<(Rdata, u32)>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.with(|z| z.replace_set(zone, name, rtype, items))
    }

    /// Presentation values of the records at (`name`, `rtype`), in the zone that holds `name`.
    /// TXT values come back quoted (`"v=spf1 ..."`); see also [`Store::txt`].
    pub fn records(&self, name: &str, rtype: RrType) -> Vec<String> {
        self.with(|z| {
            let Some(zone) = z.zone_of(name) else {
                return Vec::new();
            };
            z.list(&zone.name, Some(name), Some(rtype))
                .map(StoredRecord::value)
                .collect()
        })
    }

    /// The TXT records at `name`, each as its strings concatenated (as an SPF checker reads it).
    pub fn txt(&self, name: &str) -> Vec<String> {
        self.with(|z| {
            let Some(zone) = z.zone_of(name) else {
                return Vec::new();
            };
            z.list(&zone.name, Some(name), Some(RrType::TXT))
                .filter_map(|r| match &r.data {
                    Rdata::Txt(parts) => Some(parts.concat()),
                    _ => None,
                })
                .collect()
        })
    }

    /// Seeds one record from its presentation value into the zone that holds `name`;
    /// returns the new record's id.
    pub fn insert(
        &self,
        name: &str,
        rtype: RrType,
        value: &str,
        ttl: u32,
    ) -> Result<u64, StoreError> {
        let data = Rdata::parse(rtype, value)?;
        self.with(|z| {
            let zone = z
                .zone_of(name)
                .ok_or_else(|| StoreError::NoSuchZone(normalize_name(name)))?
                .name
                .clone();
            z.add(&zone, NewRecord::new(name, data, ttl)).map(|r| r.id)
        })
    }

    /// Replaces the records at (`name`, `rtype`) by `values` (presentation form), keeping the
    /// TTL of the set if it had one, else [`DEFAULT_TTL`]. An empty `values` deletes the set.
    pub fn set(&self, name: &str, rtype: RrType, values: &[&str]) -> Result<(), StoreError> {
        let data = values
            .iter()
            .map(|v| Rdata::parse(rtype, v))
            .collect::<Result<Vec<_>, _>>()?;
        self.with(|z| {
            let zone = z
                .zone_of(name)
                .ok_or_else(|| StoreError::NoSuchZone(normalize_name(name)))?
                .name
                .clone();
            let ttl = z
                .list(&zone, Some(name), Some(rtype))
                .next()
                .map_or(DEFAULT_TTL, |r| r.ttl);
            let items = data.into_iter().map(|d| (d, ttl)).collect();
            z.replace_set(&zone, name, rtype, items).map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let s = Store::new();
        s.add_zone("Example.com.");
        s.add_zone("sub.example.com");
        s
    }

    #[test]
    fn zone_of_picks_the_most_specific_zone() {
        let s = store();
        s.with(|z| {
            assert_eq!(
                z.zone_of("a.b.sub.example.com").unwrap().name,
                "sub.example.com"
            );
            assert_eq!(z.zone_of("mail.example.com.").unwrap().name, "example.com");
            assert_eq!(z.zone_of("EXAMPLE.COM").unwrap().name, "example.com");
            assert!(z.zone_of("example.org").is_none());
            assert!(z.zone_of("com").is_none());
        });
    }

    #[test]
    fn add_update_delete_keep_ids_and_times() {
        let s = store();
        let id = s
            .insert("Mail.Example.com.", RrType::A, "203.0.113.10", 300)
            .unwrap();
        let zone_id = s.zone("example.com").unwrap().id;
        assert_ne!(id, zone_id, "zones and records share one id space");
        let before = s.get(id).unwrap();
        assert_eq!(before.name, "mail.example.com");
        let serial = s.zone("example.com").unwrap().serial;
        let after = s
            .update(
                id,
                NewRecord::new(
                    "mail.example.com",
                    Rdata::A("203.0.113.99".parse().unwrap()),
                    60,
                ),
            )
            .unwrap();
        assert_eq!(after.id, id);
        assert_eq!(after.created, before.created);
        assert_eq!(after.ttl, 60);
        assert_eq!(s.zone("example.com").unwrap().serial, serial + 1);
        assert_eq!(
            s.records("mail.example.com", RrType::A),
            vec!["203.0.113.99"]
        );
        assert!(matches!(
            s.update(
                id,
                NewRecord::new("x.example.org", Rdata::A([1, 2, 3, 4].into()), 60)
            ),
            Err(StoreError::NotInZone { .. })
        ));
        s.delete(id).unwrap();
        assert_eq!(s.delete(id), Err(StoreError::NoSuchRecord(id)));
        assert!(s.records("mail.example.com", RrType::A).is_empty());
    }

    #[test]
    fn replace_set_and_helpers() {
        let s = store();
        s.insert("example.com", RrType::TXT, "v=spf1 -all", 120)
            .unwrap();
        s.insert("example.com", RrType::TXT, "other", 120).unwrap();
        s.set(
            "example.com",
            RrType::TXT,
            &[r#""v=spf1 ip4:192.0.2.1 " "-all""#],
        )
        .unwrap();
        assert_eq!(s.txt("example.com"), vec!["v=spf1 ip4:192.0.2.1 -all"]);
        assert_eq!(
            s.records("example.com", RrType::TXT),
            vec![r#""v=spf1 ip4:192.0.2.1 " "-all""#]
        );
        assert_eq!(s.list("example.com", Some("example.com"), None)[0].ttl, 120);
        assert!(matches!(
            s.replace_set(
                "example.com",
                "example.com",
                RrType::A,
                vec![(Rdata::Ns("a.b".into()), 1)]
            ),
            Err(StoreError::WrongType { .. })
        ));
        s.set("example.com", RrType::TXT, &[]).unwrap();
        assert!(s.txt("example.com").is_empty());
        assert!(matches!(
            s.insert("x.example.org", RrType::A, "192.0.2.1", 1),
            Err(StoreError::NoSuchZone(_))
        ));
    }

    #[test]
    fn soa_and_ns_are_synthesized_unless_seeded() {
        let s = store();
        s.with(|z| {
            let (soa, _) = z.soa("example.com").unwrap();
            assert_eq!(soa.mname, "ns1.example.com");
            assert_eq!(
                z.name_servers("example.com"),
                vec!["ns1.example.com", "ns2.example.com"]
            );
        });
        s.insert(
            "example.com",
            RrType::SOA,
            "a.ns.net. dns.ns.net. 2024 1 2 3 4",
            60,
        )
        .unwrap();
        s.insert("example.com", RrType::NS, "a.ns.net.", 60)
            .unwrap();
        s.insert("x.example.com", RrType::A, "192.0.2.1", 60)
            .unwrap();
        s.with(|z| {
            let (soa, ttl) = z.soa("example.com").unwrap();
            assert_eq!(
                (soa.mname.as_str(), soa.serial, ttl),
                ("a.ns.net", 2026, 60)
            );
            assert_eq!(z.name_servers("example.com"), vec!["a.ns.net"]);
            assert!(z.name_exists("example.com", "example.com"));
            assert!(!z.name_exists("example.com", "y.example.com"));
        });
    }
}

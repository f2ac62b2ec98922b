//! The provider writes of a cycle, with the rules that keep records safe: change in place,
//! create only when nothing is there, never delete, never guess between duplicates. A warm
//! state cache (zone id, record id) turns an update into one request.

use crate::accounts::Account;
use crate::retry::{retry, RetryPolicy};
use crate::state::{CachedRecord, State};
use mxddns_providers::{ErrorKind, ProviderError, Record, RecordData, Zone};

/// What happened to one record at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Changed in place; `from` is what it held.
    Updated { from: RecordData },
    /// There was no such record; one was created.
    Created,
}

/// One desired record.
#[derive(Debug, Clone)]
pub struct Desired<'a> {
    pub zone: &'a str,
    pub name: &'a str,
    pub data: RecordData,
    pub ttl: u32,
    /// What DNS showed before the write (the authoritative answer): the value to replace
    /// when several records exist at the name.
    pub seen: &'a [RecordData],
}

/// Find the zone at the provider (cached id first).
pub async fn zone(
    account: &Account,
    state: &mut State,
    zone_name: &str,
    policy: RetryPolicy,
) -> Result<Zone, ProviderError> {
    let key = State::zone_key(&account.name, zone_name);
    if let Some(id) = state.zones.get(&key) {
        return Ok(Zone {
            id: id.clone(),
            name: zone_name.to_string(),
        });
    }
    let p = account.provider.as_ref();
    let z = retry(policy, || p.zone(zone_name), log_retry).await?;
    state.zones.insert(key, z.id.clone());
    Ok(z)
}

fn log_retry(e: &ProviderError, wait: std::time::Duration) {
    tracing::warn!("{e}; trying again in {:.1} s", wait.as_secs_f64());
}

/// Make `desired` true at the provider. Assumes the caller already compared with DNS and
/// knows a write is needed.
pub async fn write(
    account: &Account,
    state: &mut State,
    desired: &Desired<'_>,
    policy: RetryPolicy,
) -> Result<Written, ProviderError> {
    let p = account.provider.as_ref();
    let rtype = desired.data.rtype();
    let key = State::record_key(&account.name, desired.name, rtype.as_str());
    let mut zone = zone(account, state, desired.zone, policy).await?;

    // Warm path: the cached record id, changed in place in one request.
    if let Some(cached) = state.records.get(&key).cloned() {
        // The value to replace: what DNS showed, or, when DNS shows several values (a set
        // where records are known by value, as at GoDaddy), the cached one if it is among
        // them; otherwise look the record up.
        let cached_data = RecordData::from_plain(rtype, &cached.data);
        let from = match desired.seen {
            [one] => Some(one.clone()),
            [] => cached_data,
            several => cached_data.filter(|c| several.iter().any(|s| same_value(s, c))),
        };
        if let Some(from) = from {
            let old = Record {
                id: cached.id.clone(),
                name: desired.name.to_string(),
                data: from.clone(),
                ttl: cached.ttl,
            };
            match retry(
                policy,
                || p.update(&zone, &old, &desired.data, desired.ttl),
                log_retry,
            )
            .await
            {
                Ok(rec) => {
                    say_ttl(desired, cached.ttl);
                    remember(state, &key, &rec);
                    remember_replaced(state, &from);
                    return Ok(Written::Updated { from });
                }
                Err(e) if e.is_record_not_found() || e.kind == ErrorKind::ZoneNotFound => {
                    tracing::info!(
                        "{}: cached record for {} {} is gone ({}); looking it up again",
                        p.kind(),
                        desired.name,
                        rtype,
                        e.message
                    );
                    state.records.remove(&key);
                    if e.kind == ErrorKind::ZoneNotFound {
                        state
                            .zones
                            .remove(&State::zone_key(&account.name, desired.zone));
                        zone = self::zone(account, state, desired.zone, policy).await?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    let existing = retry(policy, || p.list(&zone, desired.name, rtype), log_retry).await?;
    let target = pick(&existing, desired)
        .map_err(|msg| ProviderError::new(p.kind(), ErrorKind::Invalid, msg))?;
    match target {
        Some(old) => {
            let from = old.data.clone();
            let rec = retry(
                policy,
                || p.update(&zone, old, &desired.data, desired.ttl),
                log_retry,
            )
            .await?;
            say_ttl(desired, old.ttl);
            remember(state, &key, &rec);
            remember_replaced(state, &from);
            Ok(Written::Updated { from })
        }
        None => {
            // A create that may have landed (its answer was lost or unreadable) is not
            // sent again blindly: the records are listed first, so a retry never makes
            // a duplicate.
            let maybe_created = std::cell::Cell::new(false);
            let rec = retry(
                policy,
                || async {
                    if maybe_created.get() {
                        let now = p.list(&zone, desired.name, rtype).await?;
                        if let Some(r) =
                            now.into_iter().find(|r| same_value(&r.data, &desired.data))
                        {
                            return Ok(r);
                        }
                    }
                    let r = p
                        .create(&zone, desired.name, &desired.data, desired.ttl)
                        .await;
                    if let Err(e) = &r {
                        // An unreadable answer to a create may follow a create that landed.
                        let unsure = e.maybe_applied || e.kind == ErrorKind::Protocol;
                        maybe_created.set(maybe_created.get() || unsure);
                    }
                    r
                },
                log_retry,
            )
            .await?;
            remember(state, &key, &rec);
            Ok(Written::Created)
        }
    }
}

/// A record's TTL changed along with its value (the configured `ttl:`, or the provider's
/// minimum): said, not done silently.
fn say_ttl(desired: &Desired<'_>, old: u32) {
    // 0 and 1 are "automatic" at some providers (Cloudflare's 1): not a number to compare.
    if old > 1 && old != desired.ttl {
        tracing::info!(
            "{} {}: TTL {old} -> {} (the domain's ttl: setting)",
            desired.name,
            desired.data.rtype(),
            desired.ttl
        );
    }
}

/// Whether two values are the same record. TXT compares the joined text: a provider may
/// hold a TXT record as one string (GoDaddy) where DNS shows it split into several.
fn same_value(a: &RecordData, b: &RecordData) -> bool {
    match (a.txt_joined(), b.txt_joined()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Which existing record to change in place. `None`: none exists, create one. Among several
/// records at the name, change the one DNS showed as this network's old value, when exactly
/// one is; refuse to guess otherwise (and never delete any).
fn pick<'r>(existing: &'r [Record], desired: &Desired<'_>) -> Result<Option<&'r Record>, String> {
    match existing {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => {
            let candidates: Vec<&Record> = many
                .iter()
                .filter(|r| {
                    desired.seen.iter().any(|s| same_value(s, &r.data))
                        && !same_value(&r.data, &desired.data)
                })
                .collect();
            if let [one] = candidates.as_slice() {
                return Ok(Some(one));
            }
            let values: Vec<String> = many.iter().map(|r| r.data.to_string()).collect();
            Err(rust_i18n::t!(
                "ui.update",
                v1 = desired.name,
                v2 = many.len(),
                v3 = desired.data.rtype(),
                v4 = values.join(", ")
            )
            .into_owned())
        }
    }
}

fn remember(state: &mut State, key: &str, rec: &Record) {
    state.records.insert(
        key.to_string(),
        CachedRecord {
            id: rec.id.clone(),
            data: rec.data.to_string(),
            ttl: rec.ttl,
        },
    );
}

/// An address record of ours moved off `from`: that address was this network's. The state
/// keeps it, so a later cycle still edits its SPF term when the SPF write of this cycle
/// fails (the next cycle no longer sees the old address in DNS).
fn remember_replaced(state: &mut State, from: &RecordData) {
    match from {
        RecordData::A(ip) => state.remember_past_address((*ip).into()),
        RecordData::Aaaa(ip) => state.remember_past_address((*ip).into()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn a(ip: [u8; 4], id: &str) -> Record {
        Record {
            id: id.into(),
            name: "mail.example.com".into(),
            data: RecordData::A(Ipv4Addr::from(ip)),
            ttl: 600,
        }
    }

    #[test]
    fn picks_in_place_or_refuses_to_guess() {
        let seen = [RecordData::A(Ipv4Addr::new(203, 0, 113, 10))];
        let d = Desired {
            zone: "example.com",
            name: "mail.example.com",
            data: RecordData::A(Ipv4Addr::new(203, 0, 113, 20)),
            ttl: 600,
            seen: &seen,
        };
        assert_eq!(pick(&[], &d).unwrap(), None);
        let one = [a([198, 51, 100, 1], "1")];
        assert_eq!(pick(&one, &d).unwrap().unwrap().id, "1");
        let two = [a([198, 51, 100, 1], "1"), a([203, 0, 113, 10], "2")];
        assert_eq!(pick(&two, &d).unwrap().unwrap().id, "2");
        // DNS showed both: either could be this network's.
        let both = [
            RecordData::A(Ipv4Addr::new(198, 51, 100, 1)),
            RecordData::A(Ipv4Addr::new(203, 0, 113, 10)),
        ];
        let ambiguous = Desired {
            seen: &both,
            ..d.clone()
        };
        assert!(pick(&two, &ambiguous).is_err());
        let strangers = [a([198, 51, 100, 1], "1"), a([198, 51, 100, 2], "2")];
        let e = pick(&strangers, &d).unwrap_err();
        assert!(
            e.contains("has 2 A records (198.51.100.1, 198.51.100.2)"),
            "{e}"
        );
        assert!(e.contains("nor delete any"), "{e}");
    }

    #[test]
    fn txt_is_matched_by_its_joined_text() {
        let txt = |parts: &[&str]| RecordData::Txt(parts.iter().map(|p| p.to_string()).collect());
        // DNS shows the SPF record as two strings; the provider lists it as one.
        let seen = [txt(&["v=spf1 ip4:203.0.113.10 ", "-all"])];
        let d = Desired {
            zone: "example.com",
            name: "example.com",
            data: txt(&["v=spf1 ip4:203.0.113.20 -all"]),
            ttl: 600,
            seen: &seen,
        };
        let rec = |id: &str, text: &str| Record {
            id: id.into(),
            name: "example.com".into(),
            data: txt(&[text]),
            ttl: 600,
        };
        let listed = [
            rec("1", "google-site-verification=abc"),
            rec("2", "v=spf1 ip4:203.0.113.10 -all"),
        ];
        assert_eq!(pick(&listed, &d).unwrap().unwrap().id, "2");
    }

    #[test]
    fn picks_a_txt_record_by_its_joined_text() {
        let txt = |parts: &[&str], id: &str| Record {
            id: id.into(),
            name: "example.com".into(),
            data: RecordData::Txt(parts.iter().map(|p| p.to_string()).collect()),
            ttl: 600,
        };
        // DNS served the SPF record as two strings; the provider lists it joined.
        let seen = [RecordData::Txt(vec![
            "v=spf1 ip4:203.0.113.10 ".into(),
            "mx -all".into(),
        ])];
        let d = Desired {
            zone: "example.com",
            name: "example.com",
            data: RecordData::Txt(vec!["v=spf1 ip4:203.0.113.20 ".into(), "mx -all".into()]),
            ttl: 600,
            seen: &seen,
        };
        let listed = [
            txt(&["google-site-verification=abc"], "1"),
            txt(&["v=spf1 ip4:203.0.113.10 mx -all"], "2"),
        ];
        assert_eq!(pick(&listed, &d).unwrap().unwrap().id, "2");
        // Already the wanted text (joined): not a candidate to change.
        let done = [
            txt(&["google-site-verification=abc"], "1"),
            txt(&["v=spf1 ip4:203.0.113.20 mx -all"], "2"),
        ];
        assert!(pick(&done, &d).is_err());
    }
}

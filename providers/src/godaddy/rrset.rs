//! Read-modify-write of one GoDaddy record set (all records of one type at one name).
//!
//! GoDaddy's `PUT …/records/{type}/{name}` replaces the whole set, so a change to one
//! record is planned against the set just read: the entry being changed gets its new
//! `data` and `ttl`, every other entry goes back exactly as it came (all its fields), and
//! a change that would leave the set as it is plans no write at all.

use super::types::{entry_ttl, new_entry, set_entry, set_ttl, Entry};
use serde_json::Value;

/// What to do with the set.
#[derive(Debug, PartialEq)]
pub(super) enum Plan {
    /// The set already holds the wanted record with the wanted TTL: no PUT.
    Keep,
    /// PUT this whole set.
    Put(Vec<Entry>),
}

/// The new record, in GoDaddy's words.
pub(super) struct Wanted<'a> {
    /// `data` as sent (address, target, TXT text).
    pub data: &'a str,
    /// The name relative to the zone (`@` for the apex).
    pub name: &'a str,
    pub rtype: &'a str,
    pub ttl: u32,
    /// The other fields of the value: MX `priority`; SRV `priority`, `weight`, `port`,
    /// `service`, `protocol` (GDSPEC `DNSRecord`).
    pub extra: &'a [(&'static str, Value)],
}

/// Change the entry for which `is_old` holds into `wanted`. `is_new` tells whether an
/// entry already holds the wanted value (compared as values, not as strings, by the
/// caller). `None` when no entry matches `is_old`: the record is gone.
///
/// If another entry already holds the wanted value, the old entry is removed instead of
/// becoming a duplicate (a DNS record set holds each value once), and that entry takes
/// the wanted TTL.
pub(super) fn plan_update(
    mut set: Vec<Entry>,
    is_old: impl Fn(&Entry) -> bool,
    is_new: impl Fn(&Entry) -> bool,
    wanted: &Wanted<'_>,
) -> Option<Plan> {
    let old = set.iter().position(&is_old)?;
    let same = set.iter().position(&is_new);
    match same {
        Some(other) if other != old => {
            set.remove(old);
            let other = if other > old { other - 1 } else { other };
            set_ttl(&mut set[other], wanted.ttl);
            Some(Plan::Put(set))
        }
        Some(_) => Some(retime(set, old, wanted.ttl)),
        None => {
            set_entry(&mut set[old], wanted.data, wanted.ttl, wanted.extra);
            Some(Plan::Put(set))
        }
    }
}

/// Remove the entry for which `is_old` holds; `None` when there is none. The rest of
/// the set goes back exactly as it came.
pub(super) fn plan_delete(
    mut set: Vec<Entry>,
    is_old: impl Fn(&Entry) -> bool,
) -> Option<Vec<Entry>> {
    let old = set.iter().position(is_old)?;
    set.remove(old);
    Some(set)
}

/// Add `wanted` to the set. When an entry already holds the value, only its TTL is
/// brought in line (or nothing is written at all).
pub(super) fn plan_create(
    mut set: Vec<Entry>,
    is_new: impl Fn(&Entry) -> bool,
    wanted: &Wanted<'_>,
) -> Plan {
    match set.iter().position(is_new) {
        Some(i) => retime(set, i, wanted.ttl),
        None => {
            set.push(new_entry(
                wanted.data,
                wanted.name,
                wanted.rtype,
                wanted.ttl,
                wanted.extra,
            ));
            Plan::Put(set)
        }
    }
}

/// Keep entry `i`'s data string as it is and give it `ttl`; no write when it has it.
fn retime(mut set: Vec<Entry>, i: usize, ttl: u32) -> Plan {
    if entry_ttl(&set[i]) == Some(u64::from(ttl)) {
        return Plan::Keep;
    }
    set_ttl(&mut set[i], ttl);
    Plan::Put(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by(d: &'static str) -> impl Fn(&Entry) -> bool {
        move |e| super::super::types::entry_data(e) == Some(d)
    }

    fn set(json: &str) -> Vec<Entry> {
        serde_json::from_str(json).unwrap()
    }

    fn put(plan: Option<Plan>) -> String {
        match plan {
            Some(Plan::Put(s)) => serde_json::to_string(&s).unwrap(),
            other => panic!("expected a PUT, got {other:?}"),
        }
    }

    const TWO: &str = r#"[{"data":"192.0.2.1","name":"mail","ttl":3600,"type":"A"},{"data":"192.0.2.2","name":"mail","ttl":1800,"type":"A","extra":true}]"#;

    fn wanted(data: &str, ttl: u32) -> Wanted<'_> {
        Wanted {
            data,
            name: "mail",
            rtype: "A",
            ttl,
            extra: &[],
        }
    }

    #[test]
    fn update_changes_one_entry_only() {
        let p = plan_update(
            set(TWO),
            by("192.0.2.1"),
            by("198.51.100.7"),
            &wanted("198.51.100.7", 600),
        );
        assert_eq!(
            put(p),
            r#"[{"data":"198.51.100.7","name":"mail","ttl":600,"type":"A"},{"data":"192.0.2.2","extra":true,"name":"mail","ttl":1800,"type":"A"}]"#
        );
    }

    #[test]
    fn update_missing_old_is_none() {
        let p = plan_update(
            set(TWO),
            by("203.0.113.9"),
            by("198.51.100.7"),
            &wanted("198.51.100.7", 600),
        );
        assert_eq!(p, None);
    }

    #[test]
    fn update_to_same_value_and_ttl_keeps() {
        let p = plan_update(
            set(TWO),
            by("192.0.2.1"),
            by("192.0.2.1"),
            &wanted("192.0.2.1", 3600),
        );
        assert_eq!(p, Some(Plan::Keep));
        let p = plan_update(
            set(TWO),
            by("192.0.2.1"),
            by("192.0.2.1"),
            &wanted("192.0.2.1", 600),
        );
        assert!(put(p).starts_with(r#"[{"data":"192.0.2.1","name":"mail","ttl":600,"#));
    }

    #[test]
    fn update_onto_an_existing_value_merges() {
        let p = plan_update(
            set(TWO),
            by("192.0.2.1"),
            by("192.0.2.2"),
            &wanted("192.0.2.2", 600),
        );
        assert_eq!(
            put(p),
            r#"[{"data":"192.0.2.2","extra":true,"name":"mail","ttl":600,"type":"A"}]"#
        );
    }

    #[test]
    fn create_appends_or_keeps() {
        let p = plan_create(set(TWO), by("198.51.100.7"), &wanted("198.51.100.7", 600));
        assert_eq!(
            put(Some(p)),
            r#"[{"data":"192.0.2.1","name":"mail","ttl":3600,"type":"A"},{"data":"192.0.2.2","extra":true,"name":"mail","ttl":1800,"type":"A"},{"data":"198.51.100.7","name":"mail","ttl":600,"type":"A"}]"#
        );
        assert_eq!(
            plan_create(set(TWO), by("192.0.2.2"), &wanted("192.0.2.2", 1800)),
            Plan::Keep
        );
        let p = plan_create(set("[]"), by("192.0.2.9"), &wanted("192.0.2.9", 600));
        assert_eq!(
            put(Some(p)),
            r#"[{"data":"192.0.2.9","name":"mail","ttl":600,"type":"A"}]"#
        );
    }
}

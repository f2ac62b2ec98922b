//! The plan's diff: change in place, create what is missing, keep what is not declared,
//! prune only what mxddns wrote, say why a record cannot be written.

use super::*;
use crate::mail::records::Want;

fn rec(name: &str, data: RecordData) -> Record {
    Record {
        id: format!("id-{name}-{data}"),
        name: name.into(),
        data,
        ttl: 600,
    }
}

fn mx(p: u16, host: &str) -> RecordData {
    RecordData::Mx {
        preference: p,
        exchange: host.into(),
    }
}

fn txt(t: &str) -> RecordData {
    RecordData::Txt(vec![t.into()])
}

fn want(name: &str, data: RecordData, purpose: Purpose) -> Want {
    Want {
        name: name.into(),
        data,
        purpose,
    }
}

fn all_ok(_: RecordType) -> Result<(), String> {
    Ok(())
}

fn signs(lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .map(|l| format!("{} {} {}", l.action.sign(), l.name, l.rtype))
        .collect()
}

#[test]
fn contradicting_mx_and_spf_are_changed_in_place_beside_their_old_values() {
    let desired = DesiredSet {
        records: vec![
            want("example.com", mx(10, "mail.example.com"), Purpose::Mx),
            want(
                "example.com",
                txt("v=spf1 ip4:203.0.113.20 -all"),
                Purpose::Spf,
            ),
        ],
        ..DesiredSet::default()
    };
    let existing = vec![
        rec("example.com", mx(10, "old.example.net")),
        rec("example.com", txt("v=spf1 include:_spf.google.com ~all")),
        rec("example.com", txt("google-site-verification=abc")),
    ];
    let lines = diff(&desired, &existing, &all_ok, &[], false);
    assert_eq!(signs(&lines), ["~ example.com MX", "~ example.com TXT"]);
    assert_eq!(lines[0].action, Action::Change(existing[0].clone()));
    assert_eq!(lines[1].action, Action::Change(existing[1].clone()));
    let text = render_text(
        &[DomainPlan {
            domain: "example.com".into(),
            account: "home-cf".into(),
            zone: Zone {
                id: "z".into(),
                name: "example.com".into(),
            },
            ttl: 600,
            lines,
            notes: vec![],
            ptr: vec![],
            policy: None,
        }],
        &BTreeMap::new(),
    );
    assert!(
        text.contains("~    example.com MX 10 old.example.net. -> 10 mail.example.com."),
        "{text}"
    );
    assert!(
        text.contains(
            "\"v=spf1 include:_spf.google.com ~all\" -> \"v=spf1 ip4:203.0.113.20 -all\""
        ),
        "{text}"
    );
}

#[test]
fn right_records_are_equal_and_extra_ones_kept_unless_owned_and_pruned() {
    let desired = DesiredSet {
        records: vec![
            want("example.com", mx(10, "mail.example.com"), Purpose::Mx),
            want(
                "new._domainkey.example.com",
                txt("v=DKIM1; k=rsa; p=NEW"),
                Purpose::Dkim,
            ),
        ],
        ..DesiredSet::default()
    };
    let existing = vec![
        rec("example.com", mx(10, "mail.example.com")),
        rec("example.com", mx(20, "backup.example.org")),
        rec("old._domainkey.example.com", txt("v=DKIM1; k=rsa; p=OLD")),
        rec(
            "other.example.com",
            RecordData::A("192.0.2.1".parse().unwrap()),
        ),
    ];
    let owned = vec![owned_key(
        "old._domainkey.example.com",
        &txt("v=DKIM1; k=rsa; p=OLD"),
    )];
    let lines = diff(&desired, &existing, &all_ok, &owned, false);
    assert_eq!(
        signs(&lines),
        [
            "= example.com MX",
            "kept example.com MX",
            "+ new._domainkey.example.com TXT",
            "kept old._domainkey.example.com TXT"
        ]
    );
    assert!(matches!(lines[1].action, Action::Kept { owned: false, .. }));
    assert!(matches!(lines[3].action, Action::Kept { owned: true, .. }));
    // --prune: only the record mxddns wrote goes.
    let pruned = diff(&desired, &existing, &all_ok, &owned, true);
    assert_eq!(
        signs(&pruned),
        [
            "= example.com MX",
            "kept example.com MX",
            "+ new._domainkey.example.com TXT",
            "- old._domainkey.example.com TXT"
        ]
    );
}

#[test]
fn unsupported_types_and_alias_clashes_cannot_be_written_and_the_rest_still_applies() {
    let desired = DesiredSet {
        records: vec![
            want(
                "_25._tcp.mail.example.com",
                RecordData::Tlsa {
                    usage: 3,
                    selector: 1,
                    matching_type: 1,
                    data: "ab".into(),
                },
                Purpose::Tlsa,
            ),
            want(
                "autoconfig.example.com",
                RecordData::Cname("mail.example.com".into()),
                Purpose::ClientName,
            ),
            want("example.com", mx(10, "mail.example.com"), Purpose::Mx),
        ],
        cannot: vec![(
            "mail._domainkey.example.com".into(),
            "TXT",
            "key.txt: cannot read it".into(),
        )],
        ..DesiredSet::default()
    };
    let existing = vec![rec(
        "autoconfig.example.com",
        RecordData::A("192.0.2.1".parse().unwrap()),
    )];
    let supports = |t: RecordType| match t {
        RecordType::Tlsa => Err("the vendor's API has no TLSA records".to_string()),
        _ => Ok(()),
    };
    let lines = diff(&desired, &existing, &supports, &[], false);
    assert_eq!(
        signs(&lines),
        [
            "! _25._tcp.mail.example.com TLSA",
            "! autoconfig.example.com CNAME",
            "+ example.com MX",
            "! mail._domainkey.example.com TXT"
        ]
    );
    assert_eq!(
        lines[0].action,
        Action::Cannot("the vendor's API has no TLSA records".into())
    );
    let Action::Cannot(why) = &lines[1].action else {
        panic!()
    };
    assert!(why.contains("already holds A 192.0.2.1"), "{why}");
}

#[test]
fn split_and_joined_txt_are_the_same_record() {
    let long = "v=DKIM1; k=rsa; p=".to_string() + &"A".repeat(400);
    let desired = DesiredSet {
        records: vec![want(
            "s._domainkey.example.com",
            crate::mail::records::txt_strings(&long),
            Purpose::Dkim,
        )],
        ..DesiredSet::default()
    };
    // GoDaddy and Aliyun hold it as one long value.
    let existing = vec![rec("s._domainkey.example.com", txt(&long))];
    let lines = diff(&desired, &existing, &all_ok, &[], false);
    assert_eq!(signs(&lines), ["= s._domainkey.example.com TXT"]);
}

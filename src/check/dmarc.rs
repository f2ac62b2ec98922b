//! DMARC (RFC 7489) at `_dmarc.DOMAIN`: one record, `v=DMARC1` as its first tag, and a
//! valid `p=` policy.

use super::Finding;
use crate::dns::Dns;

/// The DMARC findings for `domain`.
pub(super) async fn check(dns: &Dns, domain: &str) -> Vec<Finding> {
    let name = format!("_dmarc.{domain}");
    match dns.txt(&name).await {
        Ok(txts) => {
            let texts: Vec<String> = txts.iter().map(|t| t.concat()).collect();
            findings(domain, &texts)
        }
        Err(e) => vec![Finding::could_not_check(
            "dmarc.dns",
            &format!("the DMARC record at {name}"),
            &e,
        )],
    }
}

/// The findings for the TXT records (joined strings) found at `_dmarc.DOMAIN`.
pub(super) fn findings(domain: &str, texts: &[String]) -> Vec<Finding> {
    let name = format!("_dmarc.{domain}");
    let sample = format!("v=DMARC1; p=none; rua=mailto:postmaster@{domain}");
    let records: Vec<&String> = texts.iter().filter(|t| starts_with_version(t)).collect();
    let misplaced = texts
        .iter()
        .any(|t| !starts_with_version(t) && t.to_ascii_lowercase().contains("v=dmarc1"));
    match records.len() {
        0 if misplaced => {
            return vec![Finding::error(
                "dmarc.version",
                format!("the TXT record at {name} has v=DMARC1, but not as its first tag, so receivers ignore it"),
                format!("rewrite it with v=DMARC1 first, such as \"{sample}\""),
            )]
        }
        0 => {
            return vec![Finding::warn(
                "dmarc.missing",
                format!("{domain} has no DMARC record: large receivers (Gmail, Yahoo, Microsoft) expect one from bulk senders and trust mail without it less"),
                format!("add a TXT record at {name}: \"{sample}\""),
            )]
        }
        1 => {}
        n => {
            return vec![Finding::error(
                "dmarc.multiple",
                format!("{name} has {n} DMARC records: receivers then apply no DMARC at all (RFC 7489 §6.6.3)"),
                "merge them into one \"v=DMARC1; …\" record and delete the others",
            )]
        }
    }
    let record = records[0];
    let tags = tags(record);
    let policy = tags
        .iter()
        .find(|(k, _)| k == "p")
        .map(|(_, v)| v.to_ascii_lowercase());
    match policy.as_deref() {
        Some(p @ ("none" | "quarantine" | "reject")) => {
            let meaning = match p {
                "none" => "monitoring only: receivers report, and deliver failing mail as usual",
                "quarantine" => "receivers junk mail that fails DMARC",
                _ => "receivers refuse mail that fails DMARC",
            };
            vec![Finding::ok(
                "dmarc.policy",
                format!("DMARC record at {name} with p={p} ({meaning})"),
            )]
        }
        Some(other) => vec![Finding::error(
            "dmarc.policy",
            format!("the DMARC record at {name} has p={other:?}, which is not a policy (none, quarantine or reject): receivers discard the record"),
            format!("set p=none to start (reports only), then quarantine or reject: \"{sample}\""),
        )],
        None => vec![Finding::error(
            "dmarc.policy",
            format!("the DMARC record at {name} has no p= tag: receivers discard it"),
            format!("add p=none right after v=DMARC1: \"{sample}\""),
        )],
    }
}

/// Whether the record's first tag is `v=DMARC1`.
fn starts_with_version(text: &str) -> bool {
    let first = text.split(';').next().unwrap_or_default();
    match first.split_once('=') {
        Some((k, v)) => {
            k.trim().eq_ignore_ascii_case("v") && v.trim().eq_ignore_ascii_case("DMARC1")
        }
        None => false,
    }
}

/// The `k=v` tags of a record, keys lowercase, values trimmed.
fn tags(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

//! DMARC (RFC 7489) at `_dmarc.DOMAIN`: one record, `v=DMARC1` as its first tag, a
//! valid `p=` policy, every other tag's value valid (as checkdmarc checks them), report
//! URIs that are `mailto:` addresses, report domains outside the policy's domain that
//! agree to receive its reports (§7.1), and report domains that can receive mail.

use super::Finding;
use crate::dns::{join::join_all, Dns, Found};

/// The DMARC findings for `domain`.
pub(super) async fn check(dns: &Dns, domain: &str) -> Vec<Finding> {
    let name = format!("_dmarc.{domain}");
    let texts: Vec<String> = match dns.txt(&name).await {
        Ok(txts) => txts.iter().map(|t| t.concat()).collect(),
        Err(e) => {
            return vec![Finding::could_not_check(
                "dmarc.dns",
                &format!("the DMARC record at {name}"),
                &e,
            )]
        }
    };
    let mut out = findings(domain, &texts);
    let records: Vec<&String> = texts.iter().filter(|t| starts_with_version(t)).collect();
    if let [record] = records.as_slice() {
        out.extend(destinations(dns, domain, record).await);
    }
    out
}

/// The report destinations of `record` (rua and ruf): each outside domain must
/// authorise the reports (RFC 7489 §7.1), and each report domain must take mail.
async fn destinations(dns: &Dns, domain: &str, record: &str) -> Vec<Finding> {
    let mut domains: Vec<(String, String)> = Vec::new(); // (tag, report domain)
    for (k, v) in tags(record) {
        if k != "rua" && k != "ruf" {
            continue;
        }
        for uri in v.split(',') {
            if let Some(d) = mailto_domain(uri.trim()) {
                if !domains.iter().any(|(_, x)| *x == d) {
                    domains.push((k.clone(), d));
                }
            }
        }
    }
    let checks = domains.iter().map(|(tag, d)| async move {
        let external = !same_org(domain, d);
        let auth_name = format!("{domain}._report._dmarc.{d}");
        let auth = if external {
            Some(dns.txt(&auth_name).await)
        } else {
            None
        };
        let mx = dns.mx_found(d).await;
        let addrs = match &mx {
            Ok(Found::Answer(m)) if !m.is_empty() => None,
            _ => Some(dns.addrs(d).await),
        };
        (tag, d, auth_name, auth, mx, addrs)
    });
    let mut out = Vec::new();
    for (tag, d, auth_name, auth, mx, addrs) in join_all(checks.collect()).await {
        match auth {
            None => {}
            Some(Ok(txts)) => {
                let ok = txts.iter().any(|t| starts_with_version(&t.concat()));
                if ok {
                    out.push(Finding::ok(
                        "dmarc.external",
                        format!(
                            "{d} agrees to receive the DMARC reports of {domain} ({auth_name})"
                        ),
                    ));
                } else {
                    out.push(Finding::warn(
                        "dmarc.external",
                        format!("{tag}= sends reports to {d}, outside {domain}, but {d} does not publish \"v=DMARC1\" at {auth_name}: receivers send no reports there (RFC 7489 §7.1)"),
                        format!("ask the owner of {d} to publish TXT \"v=DMARC1\" at {auth_name}, or send reports to an address in {domain}"),
                    ));
                }
            }
            Some(Err(e)) => out.push(Finding::could_not_check(
                "dmarc.dns",
                &format!("whether {d} accepts DMARC reports for {domain} ({auth_name})"),
                &e,
            )),
        }
        match (mx, addrs) {
            (Ok(Found::Answer(m)), _) if !m.is_empty() => {}
            (Err(e), _) | (_, Some(Err(e))) => out.push(Finding::could_not_check(
                "dmarc.dns",
                &format!("whether the report domain {d} can receive mail"),
                &e,
            )),
            (_, Some(Ok(a))) if !a.is_empty() => {}
            _ => out.push(Finding::warn(
                "dmarc.report_domain",
                format!("the DMARC report address domain {d} ({tag}=) has no MX and no address: reports sent there bounce"),
                format!("use a report address at a domain that receives mail, such as mailto:postmaster@{domain}"),
            )),
        }
    }
    out
}

/// The domain of a `mailto:` URI (`mailto:dmarc@example.com!10m` -> `example.com`).
fn mailto_domain(uri: &str) -> Option<String> {
    let rest = uri
        .get(..7)?
        .eq_ignore_ascii_case("mailto:")
        .then(|| &uri[7..])?;
    let addr = rest.split('!').next()?;
    let (_, d) = addr.rsplit_once('@')?;
    let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
    (!d.is_empty()).then_some(d)
}

/// Whether `a` and `b` share an organisational domain, as far as it can be told without
/// the Public Suffix List: one is the other or below it, or both end in the same two
/// labels.
fn same_org(a: &str, b: &str) -> bool {
    let last2 = |d: &str| {
        let labels: Vec<&str> = d.rsplit('.').take(2).collect();
        labels.join(".")
    };
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}")) || last2(a) == last2(b)
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
    let mut out = Vec::new();
    out.extend(tag_findings(&name, &tags));
    let policy = tags
        .iter()
        .find(|(k, _)| k == "p")
        .map(|(_, v)| v.to_ascii_lowercase());
    out.push(match policy.as_deref() {
        Some(p @ ("none" | "quarantine" | "reject")) => {
            let meaning = match p {
                "none" => "monitoring only: receivers report, and deliver failing mail as usual",
                "quarantine" => "receivers junk mail that fails DMARC",
                _ => "receivers refuse mail that fails DMARC",
            };
            Finding::ok(
                "dmarc.policy",
                format!("DMARC record at {name} with p={p} ({meaning})"),
            )
        }
        Some(other) => Finding::error(
            "dmarc.policy",
            format!("the DMARC record at {name} has p={other:?}, which is not a policy (none, quarantine or reject): receivers discard the record"),
            format!("set p=none to start (reports only), then quarantine or reject: \"{sample}\""),
        ),
        None => Finding::error(
            "dmarc.policy",
            format!("the DMARC record at {name} has no p= tag: receivers discard it"),
            format!("add p=none right after v=DMARC1: \"{sample}\""),
        ),
    });
    out
}

/// The other tags, checked as RFC 7489 §6.3 defines them: known names, valid values,
/// no tag twice, report URIs that are `mailto:` addresses.
fn tag_findings(name: &str, tags: &[(String, String)]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in tags {
        if seen.contains(&k.as_str()) {
            out.push(Finding::error(
                "dmarc.tag",
                format!("the DMARC record at {name} has the tag {k}= twice: receivers may discard the record"),
                format!("keep one {k}= tag"),
            ));
            continue;
        }
        seen.push(k);
        let bad = |why: &str| {
            Finding::error(
                "dmarc.tag",
                format!("the DMARC record at {name} has {k}={v}: {why}; receivers ignore the tag or the whole record"),
                format!("correct {k}= (RFC 7489 §6.3) or remove it"),
            )
        };
        let lower = v.to_ascii_lowercase();
        match k.as_str() {
            "v" | "p" => {}
            "sp" if !matches!(lower.as_str(), "none" | "quarantine" | "reject") => {
                out.push(bad("sp must be none, quarantine or reject"))
            }
            "adkim" | "aspf" if !matches!(lower.as_str(), "r" | "s") => {
                out.push(bad("it must be r (relaxed) or s (strict)"))
            }
            "pct" => match v.parse::<u8>() {
                Ok(n) if n <= 100 => {
                    if n < 100 {
                        out.push(Finding::info(
                            "dmarc.pct",
                            format!("the DMARC policy at {name} applies to {n}% of failing mail only (pct={n})"),
                        ));
                    }
                }
                _ => out.push(bad("pct must be a whole number from 0 to 100")),
            },
            "fo" if !lower
                .split(':')
                .all(|o| matches!(o.trim(), "0" | "1" | "d" | "s")) =>
            {
                out.push(bad("fo must be 0, 1, d or s, separated by colons"))
            }
            "rf" if !lower.split(':').all(|f| f.trim() == "afrf") => {
                out.push(bad("rf must be afrf"))
            }
            "ri" if v.parse::<u32>().is_err() => {
                out.push(bad("ri must be a number of seconds"))
            }
            "rua" | "ruf" => {
                for uri in v.split(',').map(str::trim) {
                    if mailto_domain(uri).is_none() {
                        out.push(Finding::error(
                            "dmarc.uri",
                            format!("{k}= at {name} has {uri:?}, which is not a mailto: address: receivers send no reports there"),
                            format!("write it as {k}=mailto:dmarc@{}", name.trim_start_matches("_dmarc.")),
                        ));
                    }
                }
            }
            "sp" | "adkim" | "aspf" | "fo" | "rf" | "ri" => {}
            _ => out.push(Finding::warn(
                "dmarc.tag",
                format!("the DMARC record at {name} has the unknown tag {k}=: receivers ignore it (a typo?)"),
                "remove it, or correct its name (v, p, sp, rua, ruf, adkim, aspf, pct, fo, rf, ri)",
            )),
        }
    }
    out
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

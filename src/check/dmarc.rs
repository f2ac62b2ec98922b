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
                &rust_i18n::t!("find.dmarc.dns", name = name),
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
                        rust_i18n::t!(
                            "find.dmarc.external",
                            d = d,
                            domain = domain,
                            auth_name = auth_name
                        )
                        .into_owned(),
                    ));
                } else {
                    out.push(Finding::warn(
                        "dmarc.external",
                        rust_i18n::t!(
                            "find.dmarc.external.2",
                            tag = tag,
                            d = d,
                            domain = domain,
                            auth_name = auth_name
                        )
                        .into_owned(),
                        rust_i18n::t!(
                            "find.dmarc.external.3",
                            d = d,
                            auth_name = auth_name,
                            domain = domain
                        )
                        .into_owned(),
                    ));
                }
            }
            Some(Err(e)) => out.push(Finding::could_not_check(
                "dmarc.dns",
                &rust_i18n::t!(
                    "find.dmarc.dns.2",
                    d = d,
                    domain = domain,
                    auth_name = auth_name
                ),
                &e,
            )),
        }
        match (mx, addrs) {
            (Ok(Found::Answer(m)), _) if !m.is_empty() => {}
            (Err(e), _) | (_, Some(Err(e))) => out.push(Finding::could_not_check(
                "dmarc.dns",
                &rust_i18n::t!("find.dmarc.dns.3", d = d),
                &e,
            )),
            (_, Some(Ok(a))) if !a.is_empty() => {}
            _ => out.push(Finding::warn(
                "dmarc.report_domain",
                rust_i18n::t!("find.dmarc.report_domain", d = d, tag = tag).into_owned(),
                rust_i18n::t!("find.dmarc.report_domain.2", domain = domain).into_owned(),
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
                rust_i18n::t!("find.dmarc.version", name = name).into_owned(),
                rust_i18n::t!("find.dmarc.version.2", sample = sample).into_owned(),
            )]
        }
        0 => {
            return vec![Finding::warn(
                "dmarc.missing",
                rust_i18n::t!("find.dmarc.missing", domain = domain).into_owned(),
                rust_i18n::t!("find.dmarc.missing.2", name = name, sample = sample).into_owned(),
            )]
        }
        1 => {}
        n => {
            return vec![Finding::error(
                "dmarc.multiple",
                rust_i18n::t!("find.dmarc.multiple", name = name, n = n).into_owned(),
                rust_i18n::t!("find.dmarc.multiple.2").into_owned(),
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
                "none" => rust_i18n::t!("find.dmarc").into_owned(),
                "quarantine" => rust_i18n::t!("find.dmarc.2").into_owned(),
                _ => rust_i18n::t!("find.dmarc.3").into_owned(),
            };
            Finding::ok(
                "dmarc.policy",
                rust_i18n::t!("find.dmarc.policy", name = name, p = p, meaning = meaning)
                    .into_owned(),
            )
        }
        Some(other) => Finding::error(
            "dmarc.policy",
            rust_i18n::t!(
                "find.dmarc.policy.bad",
                name = name,
                other = format!("{other:?}")
            )
            .into_owned(),
            rust_i18n::t!("find.dmarc.policy.2", sample = sample).into_owned(),
        ),
        None => Finding::error(
            "dmarc.policy",
            rust_i18n::t!("find.dmarc.policy.3", name = name).into_owned(),
            rust_i18n::t!("find.dmarc.policy.4", sample = sample).into_owned(),
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
                rust_i18n::t!("find.dmarc.tag", name = name, k = k).into_owned(),
                rust_i18n::t!("find.dmarc.tag.2", k = k).into_owned(),
            ));
            continue;
        }
        seen.push(k);
        let bad = |why: &str| {
            Finding::error(
                "dmarc.tag",
                rust_i18n::t!("find.dmarc.tag.3", name = name, k = k, v = v, why = why)
                    .into_owned(),
                rust_i18n::t!("find.dmarc.tag.4", k = k).into_owned(),
            )
        };
        let lower = v.to_ascii_lowercase();
        match k.as_str() {
            "v" | "p" => {}
            "sp" if !matches!(lower.as_str(), "none" | "quarantine" | "reject") => {
                out.push(bad(&rust_i18n::t!("find.dmarc.4")))
            }
            "adkim" | "aspf" if !matches!(lower.as_str(), "r" | "s") => {
                out.push(bad(&rust_i18n::t!("find.dmarc.5")))
            }
            "pct" => match v.parse::<u8>() {
                Ok(n) if n <= 100 => {
                    if n < 100 {
                        out.push(Finding::info(
                            "dmarc.pct",
                            rust_i18n::t!("find.dmarc.pct", name = name, n = n).into_owned(),
                        ));
                    }
                }
                _ => out.push(bad(&rust_i18n::t!("find.dmarc.pct.2"))),
            },
            "fo" if !lower
                .split(':')
                .all(|o| matches!(o.trim(), "0" | "1" | "d" | "s")) =>
            {
                out.push(bad(&rust_i18n::t!("find.dmarc.6")))
            }
            "rf" if !lower.split(':').all(|f| f.trim() == "afrf") => {
                out.push(bad(&rust_i18n::t!("find.dmarc.7")))
            }
            "ri" if v.parse::<u32>().is_err() => out.push(bad(&rust_i18n::t!("find.dmarc.8"))),
            "rua" | "ruf" => {
                for uri in v.split(',').map(str::trim) {
                    if mailto_domain(uri).is_none() {
                        out.push(Finding::error(
                            "dmarc.uri",
                            rust_i18n::t!(
                                "find.dmarc.uri.bad",
                                k = k,
                                name = name,
                                uri = format!("{uri:?}")
                            )
                            .into_owned(),
                            rust_i18n::t!(
                                "find.dmarc.uri",
                                k = k,
                                v1 = name.trim_start_matches("_dmarc.")
                            )
                            .into_owned(),
                        ));
                    }
                }
            }
            "sp" | "adkim" | "aspf" | "fo" | "rf" | "ri" => {}
            _ => out.push(Finding::warn(
                "dmarc.tag",
                rust_i18n::t!("find.dmarc.tag.5", name = name, k = k).into_owned(),
                rust_i18n::t!("find.dmarc.tag.6").into_owned(),
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

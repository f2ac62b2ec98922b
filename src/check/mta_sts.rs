//! MTA-STS (RFC 8461, `_mta-sts.DOMAIN` TXT `v=STSv1; id=…`) and TLS reporting (RFC 8460,
//! `_smtp._tls.DOMAIN` TXT `v=TLSRPTv1; rua=…`): optional, so their presence is info.

use super::Finding;
use crate::dns::Dns;

/// The MTA-STS and TLS-RPT findings for `domain`, looked up at once.
pub(super) async fn check(dns: &Dns, domain: &str) -> Vec<Finding> {
    let sts_name = format!("_mta-sts.{domain}");
    let rpt_name = format!("_smtp._tls.{domain}");
    let (sts, rpt) = tokio::join!(dns.txt(&sts_name), dns.txt(&rpt_name));
    let mut out = Vec::new();
    out.push(match sts {
        Ok(t) => sts_finding(&sts_name, &joined(&t)),
        Err(e) => Finding::could_not_check(
            "mta_sts.dns",
            &rust_i18n::t!("find.mta_sts.dns", sts_name = sts_name),
            &e,
        ),
    });
    out.push(match rpt {
        Ok(t) => rpt_finding(&rpt_name, &joined(&t)),
        Err(e) => Finding::could_not_check(
            "tls_rpt.dns",
            &rust_i18n::t!("find.tls_rpt.dns", rpt_name = rpt_name),
            &e,
        ),
    });
    out
}

fn joined(txts: &[Vec<String>]) -> Vec<String> {
    txts.iter().map(|t| t.concat()).collect()
}

/// The MTA-STS finding for the TXT records at `_mta-sts.DOMAIN`.
pub(super) fn sts_finding(name: &str, texts: &[String]) -> Finding {
    let domain = name.trim_start_matches("_mta-sts.");
    let records: Vec<&String> = texts.iter().filter(|t| has_version(t, "STSv1")).collect();
    match records.as_slice() {
        [] => Finding::info(
            "mta_sts.absent",
            rust_i18n::t!("find.mta_sts.absent", name = name).into_owned(),
        ),
        [one] => match tag(one, "id") {
            Some(id)
                if !id.is_empty()
                    && id.len() <= 32
                    && id.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Finding::info(
                    "mta_sts.present",
                    rust_i18n::t!(
                        "find.mta_sts.present",
                        name = name,
                        id = id,
                        domain = domain
                    )
                    .into_owned(),
                )
            }
            _ => Finding::warn(
                "mta_sts.invalid",
                rust_i18n::t!("find.mta_sts.invalid", name = name).into_owned(),
                rust_i18n::t!("find.mta_sts.invalid.2").into_owned(),
            ),
        },
        _ => Finding::warn(
            "mta_sts.invalid",
            rust_i18n::t!("find.mta_sts.invalid.3", name = name, v1 = records.len()).into_owned(),
            rust_i18n::t!("find.mta_sts.invalid.4").into_owned(),
        ),
    }
}

/// The TLS-RPT finding for the TXT records at `_smtp._tls.DOMAIN`.
pub(super) fn rpt_finding(name: &str, texts: &[String]) -> Finding {
    let domain = name.trim_start_matches("_smtp._tls.");
    let records: Vec<&String> = texts
        .iter()
        .filter(|t| has_version(t, "TLSRPTv1"))
        .collect();
    match records.as_slice() {
        [] => Finding::info(
            "tls_rpt.absent",
            rust_i18n::t!("find.tls_rpt.absent", name = name).into_owned(),
        ),
        [one] => match tag(one, "rua") {
            Some(rua) if !rua.is_empty() => {
                match rua.split(',').map(str::trim).find(|u| !valid_rpt_uri(u)) {
                    None => Finding::info(
                        "tls_rpt.present",
                        rust_i18n::t!("find.tls_rpt.present", name = name, rua = rua).into_owned(),
                    ),
                    Some(bad) => Finding::warn(
                        "tls_rpt.invalid",
                        rust_i18n::t!(
                            "find.tls_rpt.bad_rua",
                            name = name,
                            bad = format!("{bad:?}")
                        )
                        .into_owned(),
                        rust_i18n::t!("find.tls_rpt.invalid", domain = domain).into_owned(),
                    ),
                }
            }
            _ => Finding::warn(
                "tls_rpt.invalid",
                rust_i18n::t!("find.tls_rpt.invalid.2", name = name).into_owned(),
                rust_i18n::t!("find.tls_rpt.invalid.3", domain = domain).into_owned(),
            ),
        },
        _ => Finding::warn(
            "tls_rpt.invalid",
            rust_i18n::t!("find.tls_rpt.invalid.4", name = name, v1 = records.len()).into_owned(),
            rust_i18n::t!("find.tls_rpt.invalid.5").into_owned(),
        ),
    }
}

/// A TLS-RPT report URI (RFC 8460 §3): `mailto:` with an address, or `https://` with a
/// host.
fn valid_rpt_uri(u: &str) -> bool {
    if let Some(addr) = u.strip_prefix("mailto:") {
        let addr = addr.split('!').next().unwrap_or_default();
        return addr
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains(' '));
    }
    u.strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/') && !rest.contains(' '))
}

/// Whether the record's first tag is `v=VERSION`.
fn has_version(text: &str, version: &str) -> bool {
    let first = text.split(';').next().unwrap_or_default();
    first
        .split_once('=')
        .is_some_and(|(k, v)| k.trim() == "v" && v.trim() == version)
}

/// The value of tag `key` (`k=v; …`), trimmed.
fn tag<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.split(';')
        .filter_map(|t| t.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim())
}

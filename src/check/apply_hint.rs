//! Findings that `mxddns apply` fixes: when the domain has a `mail:` block that declares
//! the record a finding is about, its fix says to run `mxddns apply` (the hand-made fix
//! stays after it), and the JSON report marks it `"apply": true`.

use super::{Finding, Severity};
use crate::config::MailConfig;
use crate::dns::names::is_within as in_zone;
use rust_i18n::t;

/// Mark the findings of `domain` that applying `mail` would fix.
pub(super) fn mark(findings: &mut [Finding], mail: &MailConfig, domain: &str) {
    for f in findings.iter_mut() {
        let worth = f.severity >= Severity::Warn
            || (f.severity == Severity::Info && f.check.ends_with(".absent"));
        if !worth || !declared(f, mail, domain) {
            continue;
        }
        f.fix = Some(match f.fix.take() {
            Some(fix) => t!("check.apply_fix", fix = fix).into_owned(),
            None => t!("check.apply_fix_only").into_owned(),
        });
        f.apply = true;
    }
}

/// Whether `mail` declares the record that finding `f` is about, so that `apply` writes
/// it as the finding wants.
fn declared(f: &Finding, mail: &MailConfig, domain: &str) -> bool {
    match f.check {
        // The MX set itself.
        "mx.missing" | "mx.null" | "mx.ip_literal" | "mx.cname" => !mail.mx.is_empty(),
        // An MX host's addresses: apply writes them for hosts inside the zone.
        "mx.address" | "mx.unresolved" | "mx.aaaa_missing" => mail
            .mx
            .iter()
            .any(|e| in_zone(&e.host, domain) && f.message.contains(e.host.trim_end_matches('.'))),
        "spf.missing" | "spf.all_missing" | "spf.all_pass" | "spf.all_neutral"
        | "spf.unauthorised" => mail.spf.is_some(),
        "dkim.missing" | "dkim.revoked" | "dkim.version" | "dkim.key_invalid" => mail
            .dkim
            .iter()
            .any(|k| f.message.contains(&format!("{}._domainkey.", k.selector))),
        "dmarc.missing" | "dmarc.version" | "dmarc.tag" | "dmarc.uri" => mail.dmarc.is_some(),
        "mta_sts.absent"
        | "mta_sts.invalid"
        | "mta_sts.policy_host"
        | "mta_sts.malformed"
        | "mta_sts.mx" => mail.mta_sts.is_some(),
        "tls_rpt.absent" | "tls_rpt.invalid" => !mail.tls_rpt.is_empty(),
        _ => false,
    }
}

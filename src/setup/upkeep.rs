//! The mail records' upkeep in every cycle of the service (and `--update-now`): the
//! address-bound part of an applied declaration — A/AAAA of the hosts in the zone, the SPF
//! address terms, TLSA when the certificate (or next key) file changes, the MTA-STS id
//! when the policy changes.
//!
//! Its inputs (addresses, certificate and key files, policy text) are fingerprinted; while
//! the fingerprint is the one kept in the state file, the cycle makes no API call (and no
//! DNS question) for it. Only domains that `apply` has set up are kept.

use super::{apply::apply_domain, plan_domain};
use crate::config::DomainConfig;
use crate::engine::write::Writer;
use crate::engine::Agent;
use crate::mail::records::Purpose;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// What the address-bound records of `d` depend on.
pub fn fingerprint(d: &DomainConfig, addrs: &[IpAddr]) -> Option<String> {
    let m = d.mail.as_ref()?;
    let mut h = Sha256::new();
    let mut sorted = addrs.to_vec();
    sorted.sort();
    for a in &sorted {
        h.update(a.to_string().as_bytes());
        h.update(b"\n");
    }
    if let Some(t) = &m.tlsa {
        for f in std::iter::once(&t.cert_file).chain(&t.next_key_file) {
            h.update(std::fs::read(f).unwrap_or_default());
            h.update(b"\n");
        }
    }
    if let Some(s) = &m.mta_sts {
        let hosts: Vec<&str> = m.mx.iter().map(|e| e.host.as_str()).collect();
        h.update(crate::mail::mta_sts::policy_text(s, &hosts).as_bytes());
    }
    Some(hex::encode(h.finalize()))
}

/// Keep the address-bound mail records of every applied domain. Returns whether all went
/// well (a domain that was not set up, or whose inputs did not change, is fine).
pub async fn run(agent: &mut Agent, addrs: &[IpAddr]) -> bool {
    if addrs.is_empty() {
        return true;
    }
    let domains: Vec<DomainConfig> = agent
        .config
        .domains
        .iter()
        .filter(|d| d.mail.is_some())
        .cloned()
        .collect();
    let mut ok = true;
    let mut writer = Writer::default();
    for d in &domains {
        let Some(fp) = fingerprint(d, addrs) else {
            continue;
        };
        let Some(s) = agent.state.domains.get(&d.domain) else {
            continue;
        };
        if s.owned.is_empty() || s.mail_inputs.as_deref() == Some(fp.as_str()) {
            continue;
        }
        let only: &dyn Fn(Purpose) -> bool = &Purpose::address_bound;
        let plan = match plan_domain(agent, d, addrs, false, Some(only)).await {
            Ok(p) => p,
            Err(e) => {
                crate::say!("{}", rust_i18n::t!("ui.upkeep", v1 = d.domain, e = e));
                ok = false;
                continue;
            }
        };
        let done = if plan.pending() {
            apply_domain(agent, &mut writer, &plan, true).await
        } else {
            true
        };
        if done {
            agent
                .state
                .domains
                .entry(d.domain.clone())
                .or_default()
                .mail_inputs = Some(fp);
        }
        ok &= done;
    }
    ok
}

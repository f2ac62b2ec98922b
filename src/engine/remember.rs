//! Step 6: what the state file keeps of a cycle's outcome (addresses, per-domain
//! success, failures and their backoff).

use super::{DomainReport, Outcome};
use crate::config::Config;
use crate::state::State;
use std::net::IpAddr;
use std::time::Duration;

pub fn record_outcomes(
    state: &mut State,
    domains: &[DomainReport],
    addrs: &[IpAddr],
    cfg: &Config,
    now: i64,
) {
    for ip in addrs {
        state.remember_address_at(*ip, now);
    }
    let base = match &cfg.schedule {
        crate::config::Schedule::Every(d) => *d,
        crate::config::Schedule::Cron(..) => Duration::from_secs(300),
    };
    for r in domains {
        let s = state.domains.entry(r.domain.clone()).or_default();
        if let Some(h) = &r.host {
            s.host = Some(h.clone());
        }
        if r.changed() {
            s.last_change = Some(now);
            // The proof of this change, for the status page (none when not verified).
            let proof = r.verify.as_ref().filter(|v| v.ok);
            s.last_verified = proof.map(|_| now);
            s.verify_ms = proof.map(|v| v.elapsed.as_millis() as u64);
        }
        if r.ok() {
            s.last_success = Some(now);
            s.last_error = None;
            s.consecutive_failures = 0;
            s.backoff_until = None;
            s.config_fingerprint = None;
        } else {
            s.consecutive_failures += 1;
            let permanent = r
                .records
                .iter()
                .any(|x| matches!(&x.outcome, Outcome::Failed(f) if f.permanent));
            s.last_error = first_error(r);
            if permanent {
                let wait = crate::schedule::failure_backoff(s.consecutive_failures, base);
                s.backoff_until = Some(now + wait.as_secs() as i64);
                // The back-off holds for this configuration only.
                s.config_fingerprint = cfg
                    .domains
                    .iter()
                    .find(|d| d.domain == r.domain)
                    .map(|d| cfg.fingerprint(d));
            }
        }
    }
}

/// The first problem of a domain, as one line.
pub fn first_error(r: &DomainReport) -> Option<String> {
    if let Some(e) = &r.error {
        return Some(e.clone());
    }
    for rec in &r.records {
        if let Outcome::Failed(f) = &rec.outcome {
            return Some(format!("{} {}: {}", rec.name, rec.rtype, f.message));
        }
    }
    r.verify
        .as_ref()
        .filter(|v| !v.ok)
        .map(|v| format!("verification failed: {}", v.detail))
}

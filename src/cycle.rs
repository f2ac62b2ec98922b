//! One cycle of the address upkeep, as one use of the engine (`crate::engine`):
//!
//! 1. Ask the IP sources (once per family, whatever the number of domains).
//! 2. For each domain, the desired records (the record behind its MX host, its SPF term)
//!    and what the zone's authoritative servers hold now (concurrently, bounded).
//! 3. When that already is the address (and no `--force`), make no API call at all.
//! 4. Otherwise write through the provider — once per record, however many domains
//!    share it — changing in place, creating only what is missing.
//! 5. Verify at the authoritative servers until MX -> host -> address ends at the new IP.
//! 6. Save the state file atomically.

use crate::engine::{confirm, domain_addrs, lookup, remember, total_requests, write};
use futures_util::stream::{self, StreamExt};
use std::time::Instant;

pub use crate::engine::remember::first_error;
#[cfg(test)]
pub use crate::engine::Failure;
pub use crate::engine::{
    Agent, CycleOptions, CycleReport, DomainReport, Outcome, RecordReport, LOOKUP_CONCURRENCY,
};

pub async fn run(agent: &mut Agent, opts: CycleOptions) -> CycleReport {
    let started = Instant::now();
    let requests_before = total_requests(&agent.accounts);

    // 1. Detect.
    let (detections, addrs, detect_errors) = crate::engine::detect_all(&agent.config).await;

    // 2. Desired records and what DNS holds, every domain concurrently but bounded.
    let now = chrono::Utc::now().timestamp();
    let lookups: Vec<Result<_, String>> = {
        let agent_ref = &*agent;
        let addrs = &addrs;
        stream::iter(agent_ref.config.domains.iter())
            .map(|d| async move {
                // Only the families this domain manages (`ipv4:` / `ipv6:` not off).
                let mine = domain_addrs(d, addrs);
                if mine.is_empty() {
                    return Err(rust_i18n::t!("ui.cycle").into_owned().to_string());
                }
                lookup::lookup_domain(agent_ref, d, &mine).await
            })
            .buffered(LOOKUP_CONCURRENCY)
            .collect()
            .await
    };

    // 3 and 4. Write what differs, once per record, paced by each account's budget.
    let done = write::write_all(agent, opts, lookups, &addrs, &detect_errors, now).await;

    // 5. Verify the domains whose records were written.
    // After SIGTERM/SIGINT, verification gets half the stop's grace (`crate::stop`): the
    // written records must still be saved before the grace ends.
    let verified = tokio::select! {
        v = confirm::verify_all(
            &agent.dns,
            agent.config.dns.verify,
            agent.config.dns.verify_timeout,
            &done,
            &addrs,
        ) => v,
        _ = crate::stop::stopped_for(crate::stop::grace() / 2) => {
            tracing::warn!("{}", rust_i18n::t!("stop.verify_cut"));
            vec![None; done.len()]
        }
    };

    let mut domains_out = Vec::with_capacity(done.len());
    let mut zones = Vec::with_capacity(done.len());
    for ((mut report, plan), v) in done.into_iter().zip(verified) {
        report.verify = v;
        zones.push(plan.map(|p| p.zone));
        domains_out.push(report);
    }

    // 6. Remember (the zone only while the domain works, so a moved zone is found again).
    remember::record_outcomes(&mut agent.state, &domains_out, &addrs, &agent.config, now);
    for (report, zone) in domains_out.iter().zip(zones) {
        if let Some(s) = agent.state.domains.get_mut(&report.domain) {
            s.zone = zone.filter(|_| report.ok());
        }
    }
    // The address-bound part of applied mail declarations (no API call while unchanged).
    #[cfg(feature = "mail-setup")]
    if !opts.dry_run {
        crate::setup::upkeep::run(agent, &addrs).await;
    }
    CycleReport {
        detections,
        domains: domains_out,
        api_requests: total_requests(&agent.accounts) - requests_before,
        elapsed: started.elapsed(),
        state_error: None,
    }
}

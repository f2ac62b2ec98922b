//! Step 5: verify at the authoritative servers the domains whose records were written.

use super::{data_ip, DomainPlan, DomainReport, Outcome, PlanKind, LOOKUP_CONCURRENCY};
use crate::dns::Dns;
use crate::verify::{self, Expectation, VerifyReport};
use futures_util::stream::{self, StreamExt};
use mxddns_providers::RecordData;
use std::net::IpAddr;
use std::time::Duration;

/// One verification per written, failure-free domain (concurrently, bounded); `None` for the
/// others.
pub async fn verify_all(
    dns: &Dns,
    verify_mode: crate::config::VerifyMode,
    timeout: Duration,
    done: &[(DomainReport, Option<DomainPlan>)],
    addrs: &[IpAddr],
) -> Vec<Option<VerifyReport>> {
    let addrs_ref = addrs;
    stream::iter(done.iter())
        .map(|(report, plan)| async move {
            let addrs = addrs_ref;
            let plan = plan.as_ref()?;
            let wrote = report.records.iter().any(|r| {
                matches!(
                    r.outcome,
                    Outcome::Updated | Outcome::Created | Outcome::Shared
                )
            });
            if !wrote
                || verify_mode == crate::config::VerifyMode::Off
                || !report
                    .records
                    .iter()
                    .all(|r| !matches!(r.outcome, Outcome::Failed(_)))
            {
                return None;
            }
            let exp = Expectation {
                domain: report.domain.clone(),
                host: plan.host.clone(),
                addrs: addrs
                    .iter()
                    .copied()
                    .chain(
                        plan.plans
                            .iter()
                            .flat_map(|p| p.others.iter().filter_map(data_ip)),
                    )
                    .collect(),
                cname_target: plan
                    .plans
                    .iter()
                    .find(|p| p.kind == PlanKind::Alias)
                    .and_then(|p| match &p.want {
                        RecordData::Cname(t) => Some(t.clone()),
                        _ => None,
                    }),
                spf: plan
                    .plans
                    .iter()
                    .find(|p| p.kind == PlanKind::Spf)
                    .and_then(|p| p.want.txt_joined()),
            };
            Some(verify::verify(dns, &plan.servers, &exp, timeout).await)
        })
        .buffered(LOOKUP_CONCURRENCY)
        .collect()
        .await
}

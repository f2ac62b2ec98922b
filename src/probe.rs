//! A read-only proof that a provider account works: find the zone (`Provider::zone`) and
//! list the records of one type at one name (`Provider::list`). Nothing is written.
//!
//! It is built only on the [`mxddns_providers::Provider`] trait, so every provider gets it
//! without a line of its own. Used by `mxddns init`, `validate --online`, `--dry-run`
//! (which shows the provider's real values) and by the service's first cycle (so that
//! `/healthz` never says "ok" before the credentials have been seen to work).

use crate::accounts::Account;
use crate::config::{DomainConfig, FamilyPolicy};
use crate::dns::Dns;
use crate::retry::{retry, RetryPolicy};
use mxddns_providers::{ProviderError, Record, RecordType};
use std::fmt;

/// What the provider holds at one name.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The zone as the provider names it, and its id.
    pub zone: String,
    pub name: String,
    pub rtype: RecordType,
    pub records: Vec<Record>,
}

impl Seen {
    /// The values, for messages (`(none)` when there are none).
    pub fn values(&self) -> String {
        if self.records.is_empty() {
            "(none)".to_string()
        } else {
            self.records
                .iter()
                .map(|r| r.data.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// Read `rtype` at `name` in `zone` through `account`: two read-only requests (retried
/// like any other provider request when the failure is transient).
pub async fn records(
    account: &Account,
    zone: &str,
    name: &str,
    rtype: RecordType,
    policy: RetryPolicy,
) -> Result<Seen, ProviderError> {
    let p = account.provider.as_ref();
    let z = retry(policy, || p.zone(zone), log_retry).await?;
    let records = retry(policy, || p.list(&z, name, rtype), log_retry).await?;
    Ok(Seen {
        zone: z.name.clone(),
        name: name.to_string(),
        rtype,
        records,
    })
}

fn log_retry(e: &ProviderError, wait: std::time::Duration) {
    tracing::warn!("{e}; trying again in {:.1} s", wait.as_secs_f64());
}

/// Why a domain's probe failed.
#[derive(Debug, Clone)]
pub enum ProbeError {
    /// The MX host or the zone could not be found through DNS (nothing was asked of the
    /// provider).
    Dns(String),
    /// The configuration names no such account.
    NoAccount(String),
    /// The provider refused or failed a read.
    Provider(ProviderError),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Dns(m) | ProbeError::NoAccount(m) => f.write_str(m),
            ProbeError::Provider(e) => write!(f, "{e}"),
        }
    }
}

/// The probe of one configured domain: its MX host (or `host:`), the zone holding it,
/// and the provider's records of the domain's first managed family at that host.
pub async fn domain(
    dns: &Dns,
    account: Option<&Account>,
    d: &DomainConfig,
    policy: RetryPolicy,
) -> Result<Seen, ProbeError> {
    let account = account.ok_or_else(|| {
        ProbeError::NoAccount(rust_i18n::t!("ui.probe", v1 = d.provider).into_owned())
    })?;
    let host = match &d.host {
        Some(h) => h.clone(),
        None => {
            let mx = dns.mx(&d.domain).await.map_err(|e| {
                ProbeError::Dns(rust_i18n::t!("ui.probe.2", v1 = d.domain, e = e).into_owned())
            })?;
            match mx.first() {
                Some(m) => m.host.clone(),
                None => {
                    return Err(ProbeError::Dns(
                        rust_i18n::t!("ui.probe.3", v1 = d.domain, v2 = d.domain).into_owned(),
                    ))
                }
            }
        }
    };
    let zone = match &d.zone {
        Some(z) => z.clone(),
        None => dns.zone_of(&host).await.map_err(|e| {
            ProbeError::Dns(rust_i18n::t!("ui.probe.4", host = host, e = e).into_owned())
        })?,
    };
    let rtype = if d.ipv4 == FamilyPolicy::Off {
        RecordType::Aaaa
    } else {
        RecordType::A
    };
    records(account, &zone, &host, rtype, policy)
        .await
        .map_err(ProbeError::Provider)
}

/// Probe every configured domain and print one line each (stdout when it works, stderr
/// when it does not). Returns whether all worked.
pub async fn prove_all(agent: &crate::cycle::Agent) -> bool {
    crate::say!("{}", rust_i18n::t!("ui.probe.5"));
    let mut ok = true;
    for d in &agent.config.domains {
        let account = agent.accounts.get(&d.provider);
        let kind = account.map(|a| a.provider.kind()).unwrap_or("?");
        match domain(&agent.dns, account, d, agent.policy).await {
            Ok(seen) => crate::say!(
                "{}",
                rust_i18n::t!(
                    "ui.probe.6",
                    v1 = d.domain,
                    v2 = d.provider,
                    kind = kind,
                    v3 = seen.zone,
                    v4 = seen.name,
                    v5 = seen.rtype,
                    v6 = seen.values()
                )
            ),
            Err(e) => {
                ok = false;
                crate::say_err!(
                    "{}",
                    rust_i18n::t!(
                        "summary.error",
                        text = format!("{}: {} ({kind}): {e}", d.domain, d.provider)
                    )
                );
            }
        }
    }
    ok
}

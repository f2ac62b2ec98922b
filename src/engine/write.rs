//! Step 4: the provider writes of a cycle, once per record however many domains share it,
//! paced by each account's request budget, honouring the backoff after permanent errors,
//! and not trying an account again in the same cycle once its registrar stayed
//! unreachable through the retries (which live in `crate::retry`).

use super::{
    domain_addrs, family_policy, fmt_time, Agent, CycleOptions, DomainPlan, DomainReport, Failure,
    Outcome, Plan, RecordReport, Unserved,
};
use crate::accounts::Account;
use crate::config::FamilyPolicy;
use crate::detect::Family;
use crate::pace::Pacer;
use crate::retry::{retry, RetryPolicy};
use crate::update::{self, Desired, Written};
use mxddns_providers::{ErrorKind, ProviderError, RateLimit, Record, RecordData, Zone};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// The write step's memory within one cycle: each account's pacer, the records already
/// written (a record shared by several domains is written once), and the accounts whose
/// registrar stayed unreachable.
#[derive(Default)]
pub struct Writer {
    pacers: HashMap<String, Pacer>,
    written: HashMap<(String, String, &'static str), Outcome>,
    unreachable: HashMap<String, String>,
}

/// Why a write is not attempted for a whole domain: the backoff after a permanent error.
#[derive(Debug, Clone)]
pub struct Backoff {
    pub until: i64,
    pub last_error: String,
}

impl Writer {
    /// Whether `p`'s record was already written (or tried) in this cycle.
    pub fn has_written(&self, p: &Plan) -> bool {
        self.written
            .contains_key(&(p.account.clone(), p.name.clone(), p.want.rtype().as_str()))
    }
    /// Write one planned record unless it is current, already written in this cycle, a
    /// dry run, backed off, or its registrar is unreachable; returns what happened.
    pub async fn write(
        &mut self,
        agent: &mut Agent,
        p: &Plan,
        opts: CycleOptions,
        backoff: Option<&Backoff>,
    ) -> Outcome {
        let rtype = p.want.rtype().as_str();
        let key = (p.account.clone(), p.name.clone(), rtype);
        let outcome = if p.current && !opts.force {
            Outcome::Current
        } else if self.written.contains_key(&key) {
            Outcome::Shared
        } else if opts.dry_run {
            Outcome::WouldWrite
        } else if let Some(b) = backoff {
            Outcome::Failed(Failure {
                message: format!(
                    "not retried before {} after a permanent error: {}",
                    fmt_time(b.until),
                    b.last_error
                ),
                permanent: true,
                unsupported: false,
            })
        } else if let Some(why) = self.unreachable.get(&p.account) {
            Outcome::Failed(Failure::new(format!(
                "not tried in this cycle: {} kept failing just before ({why})",
                p.account
            )))
        } else {
            self.paced(agent, &p.account, |agent| Box::pin(write_one(agent, p)))
                .await
        };
        self.written.entry(key).or_insert_with(|| outcome.clone());
        outcome
    }

    /// Run one provider operation for `account` within its request budget; a transient
    /// failure (retries spent) marks the account unreachable for the rest of the cycle.
    pub async fn paced<'a, F>(&mut self, agent: &'a mut Agent, account: &str, op: F) -> Outcome
    where
        F: FnOnce(
            &'a mut Agent,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = (Outcome, bool)> + 'a>>,
    {
        let pacer = self.pacers.entry(account.to_string()).or_insert_with(|| {
            Pacer::new(
                agent
                    .accounts
                    .get(account)
                    .map(|a| a.provider.rate_limit())
                    .unwrap_or(RateLimit {
                        requests: 60,
                        window: Duration::from_secs(60),
                    }),
            )
        });
        let wait = pacer.wait_at(Instant::now());
        if !wait.is_zero() {
            tracing::info!(
                "{account}: waiting {:.0} s for the provider's request budget",
                wait.as_secs_f64()
            );
            tokio::time::sleep(wait).await;
        }
        // SIGTERM/SIGINT: nothing new is sent; what is sent is finished (`crate::stop`).
        if crate::stop::requested() {
            return Outcome::Failed(Failure::new(
                rust_i18n::t!("stop.not_sent", account = account).into_owned(),
            ));
        }
        let counters = agent.accounts.get(account).map(|a| a.counters.clone());
        let before = counters.as_ref().map(|c| c.requests()).unwrap_or(0);
        let in_flight = crate::stop::in_flight(account);
        let (outcome, transient) = op(agent).await;
        drop(in_flight);
        let after = counters.as_ref().map(|c| c.requests()).unwrap_or(0);
        if let Some(pacer) = self.pacers.get_mut(account) {
            pacer.record(after.saturating_sub(before), Instant::now());
        }
        if let (Outcome::Failed(f), true) = (&outcome, transient) {
            self.unreachable
                .insert(account.to_string(), f.message.clone());
        }
        outcome
    }
}

/// Step 4 of the address upkeep: write what each looked-up domain needs; one report per
/// domain, with its look-up kept for verification.
pub async fn write_all(
    agent: &mut Agent,
    opts: CycleOptions,
    lookups: Vec<Result<DomainPlan, String>>,
    addrs: &[std::net::IpAddr],
    detect_errors: &[(Family, String)],
    now: i64,
) -> Vec<(DomainReport, Option<DomainPlan>)> {
    if !opts.dry_run {
        announce_long_writes(agent, &lookups, opts.force);
    }
    let mut writer = Writer::default();
    let mut done: Vec<(DomainReport, Option<DomainPlan>)> = Vec::with_capacity(lookups.len());
    let domains = agent.config.domains.clone();
    for (d, lookup) in domains.iter().zip(lookups) {
        let mut report = DomainReport::new(&d.domain);
        report.served = domain_addrs(d, addrs)
            .iter()
            .map(|a| Family::of(*a))
            .collect();
        for (family, why) in detect_errors {
            match family_policy(d, *family) {
                FamilyPolicy::Off => {}
                policy => report.unserved.push(Unserved {
                    family: *family,
                    why: why.clone(),
                    best_effort: policy == FamilyPolicy::BestEffort,
                }),
            }
        }
        let plan = match lookup {
            Ok(p) => p,
            Err(e) => {
                // Nothing detected for this domain: the detection's reasons are the error.
                report.error = Some(if report.served.is_empty() && !report.unserved.is_empty() {
                    report
                        .unserved
                        .iter()
                        .map(|u| u.why.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                } else {
                    e
                });
                report.served.clear();
                done.push((report, None));
                continue;
            }
        };
        report.host = Some(plan.host.clone());
        report.servers = plan.servers.len();
        report.notices.clone_from(&plan.notices);
        report.warnings.clone_from(&plan.warnings);
        report.records.extend(plan.refused.iter().cloned());
        // A back-off holds only for the configuration that failed: a fixed token (SIGHUP,
        // restart) is tried at once.
        let fingerprint = agent.config.fingerprint(d);
        let backoff = agent
            .state
            .domains
            .get(&d.domain)
            .filter(|s| s.config_fingerprint.as_deref() == Some(fingerprint.as_str()))
            .filter(|s| opts.honour_backoff && s.backoff_until.is_some_and(|t| t > now))
            .map(|s| Backoff {
                until: s.backoff_until.unwrap_or(now),
                last_error: s.last_error.clone().unwrap_or_default(),
            });
        for p in &plan.plans {
            // The provider's own view, read-only: every record a dry run would write (so
            // the summary shows the provider's value, and a bad token fails it), and one
            // record per domain when the cycle must prove the credentials.
            let mut at_provider = None;
            let read = backoff.is_none()
                && !writer.has_written(p)
                && (opts.dry_run || (opts.prove && !report.proven));
            if read {
                match provider_read(agent, p).await {
                    Ok(values) => {
                        report.proven = true;
                        at_provider = Some(values);
                    }
                    Err(f) => {
                        report.records.push(RecordReport {
                            name: p.name.clone(),
                            rtype: p.want.rtype().as_str(),
                            old: p.seen.iter().map(|r| r.to_string()).collect(),
                            new: p.want.to_string(),
                            outcome: Outcome::Failed(f),
                            provider: p.account.clone(),
                        });
                        continue;
                    }
                }
            }
            let outcome = writer.write(agent, p, opts, backoff.as_ref()).await;
            if matches!(outcome, Outcome::Updated | Outcome::Created) {
                report.proven = true;
            }
            report.records.push(RecordReport {
                name: p.name.clone(),
                rtype: p.want.rtype().as_str(),
                old: at_provider.unwrap_or_else(|| p.seen.iter().map(|r| r.to_string()).collect()),
                new: p.want.to_string(),
                outcome,
                provider: p.account.clone(),
            });
        }
        done.push((report, Some(plan)));
    }
    done
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
/// One change to a zone whose records were listed (`apply`): the exact record to change or
/// delete is known, so no look-up precedes it.
#[derive(Debug, Clone)]
pub enum Op<'a> {
    Create {
        name: &'a str,
        data: &'a RecordData,
    },
    Update {
        old: &'a Record,
        data: &'a RecordData,
    },
    Delete {
        old: &'a Record,
    },
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
/// Make one [`Op`] at the provider, with the retries of `crate::retry`. A create whose
/// answer was lost (it may have landed) is not sent again blindly: the name's records are
/// listed first, so a retry never makes a duplicate. A delete of a record already gone
/// succeeds. Returns the record as it now is (`None` after a delete).
pub async fn put(
    account: &Account,
    zone: &Zone,
    op: &Op<'_>,
    ttl: u32,
    policy: RetryPolicy,
) -> Result<Option<Record>, ProviderError> {
    let p = account.provider.as_ref();
    let log = |e: &ProviderError, wait: Duration| {
        tracing::warn!("{e}; trying again in {:.1} s", wait.as_secs_f64());
    };
    match op {
        Op::Create { name, data } => {
            let maybe_created = std::cell::Cell::new(false);
            retry(
                policy,
                || async {
                    if maybe_created.get() {
                        let now = p.list(zone, name, data.rtype()).await?;
                        if let Some(r) = now.into_iter().find(|r| same_value(&r.data, data)) {
                            return Ok(Some(r));
                        }
                    }
                    let r = p.create(zone, name, data, ttl).await;
                    if let Err(e) = &r {
                        let unsure = e.maybe_applied || e.kind == ErrorKind::Protocol;
                        maybe_created.set(maybe_created.get() || unsure);
                    }
                    r.map(Some)
                },
                log,
            )
            .await
        }
        Op::Update { old, data } => retry(policy, || p.update(zone, old, data, ttl), log)
            .await
            .map(Some),
        Op::Delete { old } => match retry(policy, || p.delete(zone, old), log).await {
            Ok(()) => Ok(None),
            Err(e) if e.is_record_not_found() => Ok(None),
            Err(e) => Err(e),
        },
    }
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
/// Whether two values are the same record (TXT by its joined text: a provider may hold as
/// one string what DNS shows split).
pub fn same_value(a: &RecordData, b: &RecordData) -> bool {
    match (a.txt_joined(), b.txt_joined()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Say up front when a cycle's writes will take longer than one rate-limit window.
pub fn announce_long_writes(agent: &Agent, lookups: &[Result<DomainPlan, String>], force: bool) {
    let mut pending: BTreeMap<&str, usize> = BTreeMap::new();
    for p in lookups.iter().flatten().flat_map(|d| d.plans.iter()) {
        if !p.current || force {
            *pending.entry(p.account.as_str()).or_default() += 1;
        }
    }
    for (account, n) in pending {
        let Some(a) = agent.accounts.get(account) else {
            continue;
        };
        let limit = a.provider.rate_limit();
        let t = Pacer::new(limit).estimate(n, 2);
        if !t.is_zero() {
            tracing::info!(
                "{account}: {n} records to write; {} allows {} requests per {} s, so this cycle takes about {} min",
                a.provider.kind(),
                limit.requests,
                limit.window.as_secs(),
                t.as_secs().div_ceil(60)
            );
        }
    }
}

/// Read the planned record's name and type at the provider (read-only, two requests):
/// its values, or why the provider refused.
async fn provider_read(agent: &Agent, p: &Plan) -> Result<Vec<String>, Failure> {
    let Some(account) = agent.accounts.get(&p.account) else {
        return Err(Failure::new(format!(
            "no provider account named {}",
            p.account
        )));
    };
    check_names(p).map_err(Failure::new)?;
    match crate::probe::records(account, &p.zone, &p.name, p.want.rtype(), agent.policy).await {
        Ok(seen) => Ok(seen.records.iter().map(|r| r.data.to_string()).collect()),
        Err(e) => Err(Failure {
            message: format!("the provider refused a read-only request: {e}"),
            permanent: e.is_permanent(),
            unsupported: e.kind == ErrorKind::Unsupported,
        }),
    }
}

/// Write one planned record; with whether a failure was transient (retries spent).
async fn write_one(agent: &mut Agent, p: &Plan) -> (Outcome, bool) {
    let Some(account) = agent.accounts.get(&p.account) else {
        let msg = format!("no provider account named {}", p.account);
        return (Outcome::Failed(Failure::new(msg)), false);
    };
    // Names read from DNS (the MX host, CNAME chains) reach URLs and signatures only
    // once they pass the same check as the configuration's names.
    if let Err(e) = check_names(p) {
        return (Outcome::Failed(Failure::new(e)), false);
    }
    let desired = Desired {
        zone: &p.zone,
        name: &p.name,
        data: p.want.clone(),
        ttl: p.ttl,
        seen: &p.seen,
    };
    match update::write(account, &mut agent.state, &desired, agent.policy).await {
        Ok(Written::Updated { .. }) => (Outcome::Updated, false),
        Ok(Written::Created) => (Outcome::Created, false),
        Err(e) => (
            Outcome::Failed(Failure {
                message: e.to_string(),
                permanent: e.is_permanent(),
                unsupported: e.kind == ErrorKind::Unsupported,
            }),
            crate::retry::worth_retrying(&e),
        ),
    }
}

/// The record's owner, zone and alias target must be plain DNS names.
pub fn check_names(p: &Plan) -> Result<(), String> {
    let mut names = vec![("name", p.name.as_str()), ("zone", p.zone.as_str())];
    if let RecordData::Cname(t) = &p.want {
        names.push(("alias target", t.as_str()));
    }
    for (what, n) in names {
        crate::config::validate_dns_name(n)
            .map_err(|e| format!("refusing to send the {what} to the provider: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PlanKind;

    fn a(s: &str) -> RecordData {
        RecordData::A(s.parse().unwrap())
    }

    #[test]
    fn names_read_from_dns_are_checked_before_any_write() {
        let plan = |name: &str, want: RecordData| Plan {
            kind: PlanKind::Address,
            account: "home-cf".into(),
            zone: "example.com".into(),
            name: name.into(),
            want,
            seen: Vec::new(),
            others: Vec::new(),
            current: false,
            ttl: 600,
        };
        assert!(check_names(&plan("mail.example.com", a("203.0.113.7"))).is_ok());
        assert!(check_names(&plan("_dmarc.example.com", a("203.0.113.7"))).is_ok());
        for bad in [
            "mail.example.com/../zones",
            "mail?x=1.example.com",
            "a b.example.com",
            "m\\032x.example.com",
        ] {
            let e = check_names(&plan(bad, a("203.0.113.7"))).unwrap_err();
            assert!(
                e.starts_with("refusing to send the name to the provider"),
                "{e}"
            );
        }
        let e = check_names(&plan(
            "mail.example.com",
            RecordData::Cname("evil.example.net/x".into()),
        ))
        .unwrap_err();
        assert!(e.contains("alias target"), "{e}");
    }
}

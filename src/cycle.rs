//! One cycle of the contract: detect, look up, update, verify, record.
//!
//! 1. Ask the IP sources (once per family, whatever the number of domains).
//! 2. For each domain, find the record behind its MX host and read what the zone's
//!    authoritative servers hold now (concurrently, bounded).
//! 3. When that already is the address (and no `--force`), make no API call at all.
//! 4. Otherwise write through the provider — once per record, however many domains
//!    share it — changing in place, creating only what is missing.
//! 5. Verify at the authoritative servers until MX -> host -> address ends at the new IP.
//! 6. Save the state file atomically.

use crate::accounts::Account;
use crate::config::{CnameTarget, Config, DomainConfig, FamilyPolicy, HostMode, SpfMode};
use crate::detect::{self, Detection, Family};
use crate::dns::Dns;
use crate::pace::Pacer;
use crate::retry::RetryPolicy;
use crate::spf;
use crate::state::State;
use crate::update::{self, Desired, Written};
use crate::verify::{self, Expectation, VerifyReport};
use futures_util::stream::{self, StreamExt};
use mxddns_providers::{RateLimit, RecordData};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// How many domains are looked up at once.
const LOOKUP_CONCURRENCY: usize = 32;

/// Everything a cycle needs, kept across cycles by the service.
pub struct Agent {
    pub config: Config,
    pub dns: Dns,
    pub accounts: BTreeMap<String, Account>,
    pub state: State,
    pub policy: RetryPolicy,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CycleOptions {
    pub dry_run: bool,
    pub force: bool,
    /// The service honours the backoff after permanent provider errors; a person running
    /// `--update-now` gets a real attempt.
    pub honour_backoff: bool,
    /// Read each domain's record through its provider even when DNS shows it current, so
    /// that the credentials are proven (the service's first cycle, and after a reload).
    /// A dry run reads every record it would write.
    pub prove: bool,
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// DNS already holds the address: no API call.
    Current,
    Updated,
    Created,
    /// Same record as an earlier domain's in this cycle: written once, there.
    Shared,
    /// `--dry-run`: this write would happen.
    WouldWrite,
    Failed(Failure),
}

/// A failed record: the message for people, and whether retrying can help before the user
/// changes something (credentials, permissions, the zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub permanent: bool,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            permanent: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RecordReport {
    pub name: String,
    pub rtype: &'static str,
    pub old: Vec<String>,
    pub new: String,
    pub outcome: Outcome,
    pub provider: String,
}

#[derive(Debug, Clone)]
pub struct DomainReport {
    pub domain: String,
    pub host: Option<String>,
    pub records: Vec<RecordReport>,
    pub verify: Option<VerifyReport>,
    pub servers: usize,
    /// Why the domain failed before any record could be handled.
    pub error: Option<String>,
    pub notices: Vec<String>,
    pub warnings: Vec<String>,
    /// The address families kept current in this cycle.
    pub served: Vec<Family>,
    /// The families the domain manages whose address was not detected: why, and
    /// whether the domain declared the family best-effort (then it does not fail).
    pub unserved: Vec<Unserved>,
    /// A provider request (read or write) succeeded for this domain in this cycle.
    pub proven: bool,
}

/// A family a domain manages that this cycle could not serve.
#[derive(Debug, Clone)]
pub struct Unserved {
    pub family: Family,
    pub why: String,
    pub best_effort: bool,
}

impl DomainReport {
    pub fn ok(&self) -> bool {
        self.error.is_none()
            && self.unserved.iter().all(|u| u.best_effort)
            && self
                .records
                .iter()
                .all(|r| !matches!(r.outcome, Outcome::Failed(_)))
            && self.verify.as_ref().is_none_or(|v| v.ok)
    }

    pub fn changed(&self) -> bool {
        self.records
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Updated | Outcome::Created))
    }
}

#[derive(Debug, Clone)]
pub struct CycleReport {
    pub detections: Vec<Detection>,
    pub domains: Vec<DomainReport>,
    pub api_requests: u64,
    pub elapsed: Duration,
    pub state_error: Option<String>,
}

impl CycleReport {
    pub fn ok(&self) -> bool {
        self.domains.iter().all(DomainReport::ok)
    }
}

/// What a planned record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlanKind {
    /// The address record at the end of the MX host's chain.
    Address,
    /// CNAME mode: the MX host itself, as an alias of the target.
    Alias,
    /// The domain's SPF record.
    Spf,
}

/// One record the cycle must hold.
#[derive(Debug, Clone)]
struct Plan {
    kind: PlanKind,
    account: String,
    zone: String,
    name: String,
    want: RecordData,
    seen: Vec<RecordData>,
    /// Other values DNS shows at the name, not this network's (another line's address in
    /// the same set): left as they are, and expected to stay.
    others: Vec<RecordData>,
    current: bool,
    ttl: u32,
}

/// A domain after look-up.
#[derive(Debug, Clone)]
struct DomainPlan {
    host: String,
    /// The zone holding `host` (cached in the state file for the next cycles).
    zone: String,
    servers: Vec<SocketAddr>,
    plans: Vec<Plan>,
    notices: Vec<String>,
    /// Problems that do not stop the other records (shown on stderr, exit code unchanged).
    warnings: Vec<String>,
    /// Records that cannot be planned (e.g. an SPF record mxddns refuses to edit): the
    /// domain fails, but its other records are still kept current.
    refused: Vec<RecordReport>,
}

pub async fn run(agent: &mut Agent, opts: CycleOptions) -> CycleReport {
    let started = Instant::now();
    let requests_before = total_requests(&agent.accounts);

    // 1. Detect.
    let cfg = &agent.config;
    let mut detections = Vec::new();
    if cfg.detect.ipv4_enabled() {
        detections.push(
            detect::detect(
                Family::V4,
                &cfg.detect.ipv4,
                cfg.detect.quorum,
                cfg.detect.timeout,
            )
            .await,
        );
    }
    if cfg.detect.ipv6_enabled() {
        detections.push(
            detect::detect(
                Family::V6,
                &cfg.detect.ipv6,
                cfg.detect.quorum,
                cfg.detect.timeout,
            )
            .await,
        );
    }
    let mut addrs: Vec<IpAddr> = Vec::new();
    let mut detect_errors: Vec<(Family, String)> = Vec::new();
    for d in &detections {
        match &d.result {
            Ok(ip) => addrs.push(*ip),
            Err(e) => detect_errors.push((
                d.family,
                format!("{} address not detected: {e}", family_word(d.family)),
            )),
        }
    }

    // 2. Look up every domain, concurrently but bounded.
    let now = chrono::Utc::now().timestamp();
    let lookups: Vec<Result<DomainPlan, String>> = {
        let agent_ref = &*agent;
        let addrs = &addrs;
        stream::iter(agent_ref.config.domains.iter())
            .map(|d| async move {
                let mine = domain_addrs(d, addrs);
                if mine.is_empty() {
                    return Err("no address detected; nothing was changed".to_string());
                }
                lookup_domain(agent_ref, d, &mine).await
            })
            .buffered(LOOKUP_CONCURRENCY)
            .collect()
            .await
    };

    // 3 and 4. Write what differs, once per record, paced by each account's budget.
    let mut pacers: HashMap<String, Pacer> = HashMap::new();
    if !opts.dry_run {
        announce_long_writes(agent, &lookups, opts.force);
    }
    let mut written: HashMap<(String, String, &'static str), Outcome> = HashMap::new();
    // Accounts whose registrar stayed unreachable through the retries: the rest of their
    // records are not tried in this cycle, so that a registrar that hangs costs one
    // retry budget per cycle, not one per record.
    let mut unreachable: HashMap<String, String> = HashMap::new();
    let mut done: Vec<(DomainReport, Option<DomainPlan>)> = Vec::with_capacity(lookups.len());
    let domains = agent.config.domains.clone();
    for (d, lookup) in domains.iter().zip(lookups) {
        let mut report = DomainReport {
            domain: d.domain.clone(),
            host: None,
            records: Vec::new(),
            verify: None,
            servers: 0,
            error: None,
            notices: Vec::new(),
            warnings: Vec::new(),
            served: domain_addrs(d, &addrs)
                .iter()
                .map(|a| Family::of(*a))
                .collect(),
            unserved: Vec::new(),
            proven: false,
        };
        for (family, why) in &detect_errors {
            match policy(d, *family) {
                FamilyPolicy::Off => {}
                p => report.unserved.push(Unserved {
                    family: *family,
                    why: why.clone(),
                    best_effort: p == FamilyPolicy::BestEffort,
                }),
            }
        }
        let plan = match lookup {
            Ok(p) => p,
            Err(e) => {
                report.error = Some(if !report.served.is_empty() || report.unserved.is_empty() {
                    e
                } else {
                    report
                        .unserved
                        .iter()
                        .map(|u| u.why.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
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
            .and_then(|s| s.backoff_until)
            .filter(|t| opts.honour_backoff && *t > now);
        for p in &plan.plans {
            let rtype = p.want.rtype().as_str();
            let key = (p.account.clone(), p.name.clone(), rtype);
            // The provider's own view, read-only: every record a dry run would write,
            // and one record per domain when the cycle must prove the credentials.
            let mut seen_at_provider = None;
            let read = backoff.is_none()
                && !written.contains_key(&key)
                && (opts.dry_run || (opts.prove && !report.proven));
            if read {
                match provider_read(agent, p).await {
                    Ok(seen) => {
                        report.proven = true;
                        seen_at_provider = Some(seen);
                    }
                    Err(f) => {
                        report.records.push(RecordReport {
                            name: p.name.clone(),
                            rtype,
                            old: p.seen.iter().map(|r| r.to_string()).collect(),
                            new: p.want.to_string(),
                            outcome: Outcome::Failed(f),
                            provider: p.account.clone(),
                        });
                        continue;
                    }
                }
            }
            let outcome = if p.current && !opts.force {
                Outcome::Current
            } else if written.contains_key(&key) {
                Outcome::Shared
            } else if opts.dry_run {
                Outcome::WouldWrite
            } else if let Some(until) = backoff {
                let last = agent
                    .state
                    .domains
                    .get(&d.domain)
                    .and_then(|s| s.last_error.clone())
                    .unwrap_or_default();
                Outcome::Failed(Failure {
                    message: format!(
                        "not retried before {} after a permanent error: {last}",
                        fmt_time(until)
                    ),
                    permanent: true,
                })
            } else if let Some(why) = unreachable.get(&p.account) {
                Outcome::Failed(Failure::new(format!(
                    "not tried in this cycle: {} kept failing just before ({why})",
                    p.account
                )))
            } else {
                let account = p.account.clone();
                let pacer = pacers.entry(account.clone()).or_insert_with(|| {
                    Pacer::new(
                        agent
                            .accounts
                            .get(&account)
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
                let before = agent
                    .accounts
                    .get(&account)
                    .map(|a| a.counters.requests())
                    .unwrap_or(0);
                let (outcome, transient) = write_one(agent, p).await;
                let after = agent
                    .accounts
                    .get(&account)
                    .map(|a| a.counters.requests())
                    .unwrap_or(0);
                if let Some(pacer) = pacers.get_mut(&account) {
                    pacer.record(after.saturating_sub(before), Instant::now());
                }
                if let (Outcome::Failed(f), true) = (&outcome, transient) {
                    unreachable.insert(account.clone(), f.message.clone());
                }
                outcome
            };
            if matches!(outcome, Outcome::Updated | Outcome::Created) {
                report.proven = true;
            }
            written.entry(key).or_insert_with(|| outcome.clone());
            let old = match seen_at_provider {
                Some(seen) => seen,
                None => p.seen.iter().map(|r| r.to_string()).collect(),
            };
            report.records.push(RecordReport {
                name: p.name.clone(),
                rtype,
                old,
                new: p.want.to_string(),
                outcome,
                provider: p.account.clone(),
            });
        }
        done.push((report, Some(plan)));
    }

    // 5. Verify the domains whose records were written.
    let verify_mode = agent.config.dns.verify;
    let timeout = agent.config.dns.verify_timeout;
    let dns = &agent.dns;
    let addrs_ref = &addrs;
    let verified: Vec<Option<VerifyReport>> = stream::iter(done.iter())
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
        .await;

    let mut domains_out = Vec::with_capacity(done.len());
    let mut zones = Vec::with_capacity(done.len());
    for ((mut report, plan), v) in done.into_iter().zip(verified) {
        report.verify = v;
        zones.push(plan.map(|p| p.zone));
        domains_out.push(report);
    }

    // 6. Remember (the zone only while the domain works, so a moved zone is found again).
    record_outcomes(&mut agent.state, &domains_out, &addrs, &agent.config, now);
    for (report, d) in domains_out.iter().zip(&agent.config.domains) {
        if let Some(s) = agent.state.domains.get_mut(&report.domain) {
            s.config_fingerprint = s
                .backoff_until
                .is_some()
                .then(|| agent.config.fingerprint(d));
        }
    }
    for (report, zone) in domains_out.iter().zip(zones) {
        if let Some(s) = agent.state.domains.get_mut(&report.domain) {
            s.zone = zone.filter(|_| report.ok());
        }
    }
    CycleReport {
        detections,
        domains: domains_out,
        api_requests: total_requests(&agent.accounts) - requests_before,
        elapsed: started.elapsed(),
        state_error: None,
    }
}

/// The detected addresses this domain manages (its `ipv4:` / `ipv6:` not off).
fn domain_addrs(d: &DomainConfig, addrs: &[IpAddr]) -> Vec<IpAddr> {
    addrs
        .iter()
        .copied()
        .filter(|a| policy(d, Family::of(*a)) != FamilyPolicy::Off)
        .collect()
}

fn policy(d: &DomainConfig, family: Family) -> FamilyPolicy {
    match family {
        Family::V4 => d.ipv4,
        Family::V6 => d.ipv6,
    }
}

/// Read the planned record's name and type at the provider (read-only): its values, or
/// why the provider refused.
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
        }),
    }
}

/// Say up front when a cycle's writes will take longer than one rate-limit window.
fn announce_long_writes(agent: &Agent, lookups: &[Result<DomainPlan, String>], force: bool) {
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
            }),
            crate::retry::worth_retrying(&e),
        ),
    }
}

/// The record's owner, zone and alias target must be plain DNS names.
fn check_names(p: &Plan) -> Result<(), String> {
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

/// Find the record behind the domain's MX host and what the authoritative servers hold.
async fn lookup_domain(
    agent: &Agent,
    d: &DomainConfig,
    addrs: &[IpAddr],
) -> Result<DomainPlan, String> {
    let dns = &agent.dns;
    let mut notices = Vec::new();
    let (host, mx_managed) = match &d.host {
        Some(h) => (h.clone(), false),
        None => {
            let mx = dns
                .mx(&d.domain)
                .await
                .map_err(|e| format!("cannot read the MX record of {}: {e}", d.domain))?;
            let Some(first) = mx.first() else {
                return Err(format!(
                    "{} has no MX record: senders fall back to its A record. Add `MX 10 mail.{}.` at the provider, or set `host:` for this domain",
                    d.domain, d.domain
                ));
            };
            let best: Vec<&str> = mx
                .iter()
                .filter(|m| m.preference == first.preference)
                .map(|m| m.host.as_str())
                .collect();
            if best.len() > 1 {
                notices.push(format!(
                    "several MX hosts share the lowest preference ({}); managing {}",
                    best.join(", "),
                    first.host
                ));
            }
            let others: Vec<String> = mx
                .iter()
                .filter(|m| m.host != first.host)
                .map(|m| format!("{} {}", m.preference, m.host))
                .collect();
            if !others.is_empty() {
                notices.push(format!(
                    "other MX hosts, not managed: {}",
                    others.join(", ")
                ));
            }
            (first.host.clone(), true)
        }
    };
    // The zone of the host: configured, remembered from an earlier successful cycle for
    // the same host (saves the SOA walk every cycle), or found through DNS.
    let cached = agent
        .state
        .domains
        .get(&d.domain)
        .filter(|s| s.host.as_deref() == Some(host.as_str()))
        .and_then(|s| s.zone.clone());
    let zone = match (&d.zone, cached) {
        (Some(z), _) => z.clone(),
        (None, Some(z)) => z,
        (None, None) => dns
            .zone_of(&host)
            .await
            .map_err(|e| format!("cannot find the zone of {host}: {e}"))?,
    };
    let servers = match agent.config.dns.verify {
        // `verify: resolvers`: read and verify through the configured recursive resolvers
        // (for networks that cannot reach the authoritative servers directly).
        crate::config::VerifyMode::Resolvers if !dns.resolvers().is_empty() => {
            dns.resolvers().to_vec()
        }
        _ => dns
            .authoritative(&zone)
            .await
            .map_err(|e| format!("cannot find the authoritative servers of {zone}: {e}"))?,
    };
    let account = agent
        .accounts
        .get(&d.provider)
        .ok_or_else(|| format!("no provider account named {}", d.provider))?;
    let min_ttl = account.provider.min_ttl();
    let ttl = if d.ttl < min_ttl {
        notices.push(format!(
            "ttl {} is below {}'s minimum; using {min_ttl}",
            d.ttl,
            account.provider.kind()
        ));
        min_ttl
    } else {
        d.ttl
    };
    let mut plans = Vec::new();
    let mut warnings = Vec::new();
    let mut refused = Vec::new();
    let mut managed_hosts = vec![host.clone()];
    match &d.mode {
        HostMode::Address => {
            for ip in addrs {
                let plan = address_plan(agent, d, &host, &zone, &servers, *ip, ttl).await?;
                if !managed_hosts.contains(&plan.name) {
                    managed_hosts.push(plan.name.clone());
                }
                plans.push(plan);
            }
        }
        HostMode::Cname(target) => {
            let plan = alias_plan(agent, d, &host, &zone, &servers, target, addrs, ttl).await?;
            if let RecordData::Cname(t) = &plan.want {
                managed_hosts.push(t.clone());
            }
            plans.push(plan);
        }
    }
    if d.spf != SpfMode::Off {
        // Our previous addresses: what DNS showed at the host before this cycle (unless it
        // showed several that cannot be told apart), and the state's history.
        let seen: Vec<IpAddr> = plans
            .iter()
            .filter(|p| p.kind == PlanKind::Address)
            .filter(|p| p.seen.len() == 1 || !p.others.is_empty())
            .flat_map(|p| p.seen.iter().filter_map(data_ip))
            .collect();
        let mx_managed = mx_managed || is_mx_host(dns, &d.domain, &host).await;
        match spf_plan(
            agent,
            d,
            &zone,
            &servers,
            addrs,
            &seen,
            &managed_hosts,
            mx_managed,
            ttl,
            &mut warnings,
        )
        .await
        {
            Ok(Some(plan)) => plans.push(plan),
            Ok(None) => {}
            Err(message) => refused.push(RecordReport {
                name: d.domain.clone(),
                rtype: "TXT",
                old: Vec::new(),
                new: String::new(),
                outcome: Outcome::Failed(Failure::new(message)),
                provider: d.provider.clone(),
            }),
        }
    }
    Ok(DomainPlan {
        host,
        zone,
        servers,
        plans,
        notices,
        warnings,
        refused,
    })
}

/// Whether `host` is one of the domain's MX hosts (for `spf: mx` reasoning when `host:` is set).
async fn is_mx_host(dns: &Dns, domain: &str, host: &str) -> bool {
    dns.mx(domain)
        .await
        .map(|mx| mx.iter().any(|m| m.host == host))
        .unwrap_or(false)
}

/// Read `name` at the first authoritative server that answers.
async fn chain(
    dns: &Dns,
    servers: &[SocketAddr],
    name: &str,
    family: Family,
) -> Result<crate::dns::Chain, String> {
    verify::current_at(dns, servers, name, family)
        .await
        .map_err(|e| format!("cannot read {name} at the authoritative servers: {e}"))
}

fn ip_data(ip: IpAddr) -> RecordData {
    match ip {
        IpAddr::V4(v4) => RecordData::A(v4),
        IpAddr::V6(v6) => RecordData::Aaaa(v6),
    }
}

/// The zone of `name`: the host's zone when `name` is inside it, else looked up.
async fn zone_for(dns: &Dns, name: &str, zone: &str) -> Result<String, String> {
    if crate::dns::names::is_within(name, zone) {
        Ok(zone.to_string())
    } else {
        dns.zone_of(name)
            .await
            .map_err(|e| format!("cannot find the zone of {name}: {e}"))
    }
}

async fn address_plan(
    agent: &Agent,
    d: &DomainConfig,
    host: &str,
    zone: &str,
    servers: &[SocketAddr],
    ip: IpAddr,
    ttl: u32,
) -> Result<Plan, String> {
    let dns = &agent.dns;
    let family = Family::of(ip);
    let chain = chain(dns, servers, host, family).await?;
    if chain.external {
        return Err(format!(
            "{host} is an alias whose chain leaves the provider's zones ({}); mxddns can only change records inside them. Set `host:` to the name that holds the address",
            chain.hops.iter().map(|(a, t)| format!("{a} -> {t}")).collect::<Vec<_>>().join(", ")
        ));
    }
    let name = chain.end.clone();
    let rec_zone = zone_for(dns, &name, zone).await?;
    let want = ip_data(ip);
    let all: Vec<RecordData> = chain.addrs.iter().map(|a| ip_data(*a)).collect();
    let (seen, others) = split_ours(all, ip, &agent.state.known_addresses(ip.is_ipv6()));
    let current = seen.len() == 1 && seen[0] == want;
    Ok(Plan {
        kind: PlanKind::Address,
        account: d.provider.clone(),
        zone: rec_zone,
        name,
        want,
        seen,
        others,
        current,
        ttl,
    })
}

/// The addresses DNS shows at a name, split into this network's (the wanted one and those it
/// had before) and the others. When it shows several and none is known to be this
/// network's, all stay candidates (and the write refuses to guess between them).
fn split_ours(
    all: Vec<RecordData>,
    ip: IpAddr,
    known: &[IpAddr],
) -> (Vec<RecordData>, Vec<RecordData>) {
    if all.len() < 2 {
        return (all, Vec::new());
    }
    let (ours, others): (Vec<RecordData>, Vec<RecordData>) = all
        .iter()
        .cloned()
        .partition(|d| data_ip(d).is_some_and(|a| a == ip || known.contains(&a)));
    if ours.is_empty() {
        (all, Vec::new())
    } else {
        (ours, others)
    }
}

/// CNAME mode: the alias target this cycle wants for `host`.
#[allow(clippy::too_many_arguments)]
async fn alias_plan(
    agent: &Agent,
    d: &DomainConfig,
    host: &str,
    zone: &str,
    servers: &[SocketAddr],
    target: &CnameTarget,
    addrs: &[IpAddr],
    ttl: u32,
) -> Result<Plan, String> {
    let dns = &agent.dns;
    let v4 = addrs.iter().find(|a| a.is_ipv4()).copied();
    let v6 = addrs.iter().find(|a| a.is_ipv6()).copied();
    let wanted = match target {
        CnameTarget::Fixed(name) => name.clone(),
        CnameTarget::Template(t) => expand_template(t, v4, v6)?,
        CnameTarget::Ptr => {
            let ip = v4
                .or(v6)
                .ok_or("no address detected for the {ptr} target")?;
            forward_confirmed_ptr(dns, ip).await?
        }
    };
    let wanted = crate::dns::names::normalize(&wanted)
        .map_err(|e| format!("the alias target {wanted} is not a valid name: {e}"))?;
    if wanted == host {
        return Err(format!(
            "{host} cannot be an alias of itself: check `target:`"
        ));
    }
    let family = if v4.is_some() { Family::V4 } else { Family::V6 };
    let chain = chain(dns, servers, host, family).await?;
    let seen: Vec<RecordData> = match chain.hops.first() {
        Some((alias, t)) if alias == host => vec![RecordData::Cname(t.clone())],
        _ if !chain.addrs.is_empty() => {
            return Err(format!(
                "{host} holds address records ({}), not a CNAME; a name cannot hold both. Remove them at the provider (mxddns never deletes records), or use `type: A`",
                chain.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
            ));
        }
        _ => Vec::new(),
    };
    let want = RecordData::Cname(wanted);
    let current = seen.len() == 1 && seen[0] == want;
    Ok(Plan {
        kind: PlanKind::Alias,
        account: d.provider.clone(),
        zone: zone.to_string(),
        name: host.to_string(),
        want,
        seen,
        others: Vec::new(),
        current,
        ttl,
    })
}

/// `{ip4}`, `{ip4-dashed}`, `{ip6-dashed}` in a CNAME target template.
fn expand_template(t: &str, v4: Option<IpAddr>, v6: Option<IpAddr>) -> Result<String, String> {
    let mut out = t.to_string();
    if out.contains("{ip4}") || out.contains("{ip4-dashed}") {
        let ip = v4.ok_or_else(|| {
            format!("the target template {t} needs an IPv4 address, and none was detected")
        })?;
        out = out
            .replace("{ip4}", &ip.to_string())
            .replace("{ip4-dashed}", &ip.to_string().replace('.', "-"));
    }
    if out.contains("{ip6-dashed}") {
        let ip = v6.ok_or_else(|| {
            format!("the target template {t} needs an IPv6 address; add detect.ipv6 sources")
        })?;
        out = out.replace("{ip6-dashed}", &ip.to_string().replace(':', "-"));
    }
    Ok(out)
}

/// The reverse name of `ip`, only when it resolves back to `ip` (FCrDNS).
async fn forward_confirmed_ptr(dns: &Dns, ip: IpAddr) -> Result<String, String> {
    let names = dns
        .ptr(ip)
        .await
        .map_err(|e| format!("cannot look up the reverse name of {ip}: {e}"))?;
    if names.is_empty() {
        return Err(format!("{ip} has no reverse name (PTR), so the {{ptr}} target cannot be used: ask the ISP for one, or use a fixed target"));
    }
    for n in &names {
        if let Ok(back) = dns.addrs(n).await {
            if back.contains(&ip) {
                return Ok(n.clone());
            }
        }
    }
    Err(format!(
        "the reverse name of {ip} ({}) does not resolve back to it, so it cannot carry mail for this network: use a fixed target",
        names.join(", ")
    ))
}

/// SPF upkeep: the domain's single SPF record with this network's term current.
#[allow(clippy::too_many_arguments)]
async fn spf_plan(
    agent: &Agent,
    d: &DomainConfig,
    zone: &str,
    servers: &[SocketAddr],
    addrs: &[IpAddr],
    seen: &[IpAddr],
    managed_hosts: &[String],
    mx_managed: bool,
    ttl: u32,
    warnings: &mut Vec<String>,
) -> Result<Option<Plan>, String> {
    let dns = &agent.dns;
    let mut last_err = None;
    let mut records = None;
    for s in servers {
        match dns.txt_at(*s, &d.domain).await {
            Ok(r) => {
                records = Some(r);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let records = records.ok_or_else(|| {
        format!(
            "cannot read the TXT records of {} at the authoritative servers: {}",
            d.domain,
            last_err.map(|e| e.to_string()).unwrap_or_default()
        )
    })?;
    let rec_zone = zone_for(dns, &d.domain, zone).await?;
    let found = spf::find(&d.domain, &records)
        .map_err(|e| format!("{e}; mxddns will not write SPF until there is one"))?;
    let Some(strings) = found else {
        if d.spf == SpfMode::Create {
            let mut text = "v=spf1".to_string();
            for ip in addrs {
                text.push_str(&format!(
                    " {}:{ip}",
                    if ip.is_ipv4() { "ip4" } else { "ip6" }
                ));
            }
            text.push_str(" ~all");
            return Ok(Some(Plan {
                kind: PlanKind::Spf,
                account: d.provider.clone(),
                zone: rec_zone,
                name: d.domain.clone(),
                want: RecordData::Txt(vec![text]),
                seen: Vec::new(),
                others: Vec::new(),
                current: false,
                ttl,
            }));
        }
        warnings.push(format!(
            "{} has no SPF record, so receivers cannot tell that this network may send its mail. Add one (e.g. \"v=spf1 mx ~all\"), or set `spf: create`",
            d.domain
        ));
        return Ok(None);
    };
    let parsed = spf::parse(&strings.concat()).map_err(|e| {
        format!(
            "the SPF record of {} cannot be edited safely: {e}",
            d.domain
        )
    })?;
    let mut current = strings.clone();
    for ip in addrs {
        let mut old = agent.state.known_addresses(ip.is_ipv6());
        old.extend(seen.iter().filter(|a| a.is_ipv6() == ip.is_ipv6()));
        old.retain(|a| a != ip);
        let other = parsed.authorised_without_us(*ip, &d.domain, managed_hosts, mx_managed);
        match spf::edit(&current, &old, *ip, other.as_deref())
            .map_err(|e| format!("the SPF record of {} cannot be edited: {e}", d.domain))?
        {
            spf::Edit::Unchanged(_) => {}
            spf::Edit::Rewrite(next) => current = next,
        }
    }
    let seen = vec![RecordData::Txt(strings.clone())];
    let want = RecordData::Txt(current);
    let is_current = seen[0] == want;
    Ok(Some(Plan {
        kind: PlanKind::Spf,
        account: d.provider.clone(),
        zone: rec_zone,
        name: d.domain.clone(),
        want,
        seen,
        others: Vec::new(),
        current: is_current,
        ttl,
    }))
}

fn record_outcomes(
    state: &mut State,
    domains: &[DomainReport],
    addrs: &[IpAddr],
    cfg: &Config,
    now: i64,
) {
    for ip in addrs {
        state.remember_address(*ip);
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
        }
        if r.ok() {
            s.last_success = Some(now);
            s.last_error = None;
            s.consecutive_failures = 0;
            s.backoff_until = None;
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

fn data_ip(d: &RecordData) -> Option<IpAddr> {
    match d {
        RecordData::A(a) => Some(IpAddr::V4(*a)),
        RecordData::Aaaa(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

fn total_requests(accounts: &BTreeMap<String, Account>) -> u64 {
    accounts.values().map(|a| a.counters.requests()).sum()
}

fn family_word(f: Family) -> &'static str {
    match f {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

fn fmt_time(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> RecordData {
        RecordData::A(s.parse().unwrap())
    }

    #[test]
    fn split_ours_keeps_other_lines_addresses_apart() {
        let ip: IpAddr = "203.0.113.30".parse().unwrap();
        let known: Vec<IpAddr> = vec!["203.0.113.20".parse().unwrap()];
        let (ours, others) = split_ours(vec![a("198.51.100.7"), a("203.0.113.20")], ip, &known);
        assert_eq!(
            (ours, others),
            (vec![a("203.0.113.20")], vec![a("198.51.100.7")])
        );
        // Nothing known: every value stays a candidate.
        let (ours, others) = split_ours(vec![a("198.51.100.7"), a("203.0.113.10")], ip, &[]);
        assert_eq!((ours.len(), others.len()), (2, 0));
        // A single value is this network's, whatever it is.
        let (ours, others) = split_ours(vec![a("198.51.100.7")], ip, &[]);
        assert_eq!((ours.len(), others.len()), (1, 0));
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

//! `mxddns apply [--domain D] [--yes] [--prune]`: make each zone match its declaration.
//!
//! Writes in the order that keeps mail flowing if it stops half-way: addresses, then MX,
//! then the rest; changes in place; deletes (`--prune`) only after everything else of the
//! domain is written. Each write is remembered in the state file at once, so the next
//! `apply` continues from where this one stopped; every written record is then verified
//! at the zone's authoritative servers.

use super::{
    owned_key, plan_domain, render_text, selected, Action, DomainPlan, Line, EXIT_FAILED,
    EXIT_NOTHING, EXIT_USAGE,
};
use crate::config::{Config, VerifyMode};
use crate::engine::write::{put, same_value, Op, Writer};
use crate::engine::{Agent, Failure, Outcome};
use mxddns_providers::{RecordData, RecordType};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub struct Options<'a> {
    pub domain: Option<&'a str>,
    pub yes: bool,
    pub prune: bool,
}

pub async fn run(cfg: Config, opts: Options<'_>) -> ExitCode {
    let domains: Vec<crate::config::DomainConfig> = match selected(&cfg, opts.domain) {
        Ok(d) => d.into_iter().cloned().collect(),
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let interactive = std::io::stdin().is_terminal() && crate::redact::stdout_is_terminal();
    if !opts.yes && !interactive {
        crate::say_err!("{}", rust_i18n::t!("ui.apply"));
        return ExitCode::from(EXIT_USAGE);
    }
    let _lock = match crate::state::StateLock::acquire(&cfg.state_file) {
        Ok(l) => Some(l),
        Err(e @ (crate::state::LockError::Held { .. } | crate::state::LockError::Unsafe(_))) => {
            crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
            return ExitCode::from(EXIT_FAILED);
        }
        Err(e) => {
            tracing::warn!("{e}; continuing without the single-writer lock");
            None
        }
    };
    let mut agent = match Agent::new(cfg) {
        Ok(a) => a,
        Err(e) => {
            crate::say_err!(
                "{}",
                rust_i18n::t!("summary.error", text = format!("{e:#}"))
            );
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let (_, addrs, detect_errors) = crate::engine::detect_all(&agent.config).await;
    for (_, e) in &detect_errors {
        crate::say_err!("{}", rust_i18n::t!("ui.apply.2", e = e));
    }
    let mut plans = Vec::new();
    let mut failed = BTreeMap::new();
    for d in &domains {
        match plan_domain(&mut agent, d, &addrs, opts.prune, None).await {
            Ok(p) => plans.push(p),
            Err(e) => {
                failed.insert(d.domain.clone(), e);
            }
        }
    }
    if !plans.iter().any(DomainPlan::pending) {
        crate::say_raw!("{}", render_text(&plans, &failed));
        crate::say!("{}", rust_i18n::t!("ui.apply.3"));
        for p in &plans {
            remember_inputs(&mut agent, &domains, p, &addrs);
        }
        save(&agent);
        return exit(failed.is_empty());
    }
    if !opts.yes {
        crate::say_raw!("{}", render_text(&plans, &failed));
        crate::say_raw!("{}", rust_i18n::t!("ui.apply.4"));
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            crate::say!("{}", rust_i18n::t!("ui.apply.5"));
            return ExitCode::from(EXIT_NOTHING);
        }
    }
    let mut ok = failed.is_empty();
    for (domain, e) in &failed {
        crate::say!("{domain}: {e}");
    }
    let mut writer = Writer::default();
    // SIGTERM/SIGINT: no new write starts; one already sent gets the grace to finish, and
    // what was done is saved either way.
    let applied = crate::stop::guard(async {
        let mut all = true;
        for p in &plans {
            let done = apply_domain(&mut agent, &mut writer, p, true).await;
            if done {
                remember_inputs(&mut agent, &domains, p, &addrs);
            }
            all &= done;
        }
        all
    })
    .await;
    ok &= match applied {
        crate::stop::Guarded::Finished(all) => all,
        crate::stop::Guarded::FinishedAfterStop(all) => {
            tracing::info!("{}", rust_i18n::t!("stop.saved"));
            all
        }
        crate::stop::Guarded::Abandoned | crate::stop::Guarded::CutOff => false,
    };
    save(&agent);
    exit(ok)
}

/// A domain whose set is now right: the service's upkeep starts from these inputs, so its
/// first cycle after `apply` makes no API call either.
fn remember_inputs(
    agent: &mut Agent,
    domains: &[crate::config::DomainConfig],
    p: &DomainPlan,
    addrs: &[std::net::IpAddr],
) {
    let Some(d) = domains.iter().find(|d| d.domain == p.domain) else {
        return;
    };
    if addrs.is_empty() {
        return;
    }
    if let Some(fp) = super::upkeep::fingerprint(d, addrs) {
        agent
            .state
            .domains
            .entry(p.domain.clone())
            .or_default()
            .mail_inputs = Some(fp);
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

fn save(agent: &Agent) {
    if let Err(e) = crate::state::save(&agent.config.state_file, &agent.state) {
        tracing::warn!("{e}");
    }
}

/// Carry out one domain's plan; returns whether all of it succeeded. `each`: say every
/// record written (failures and the verification are always said).
pub async fn apply_domain(
    agent: &mut Agent,
    writer: &mut Writer,
    p: &DomainPlan,
    each: bool,
) -> bool {
    let d = &p.domain;
    if let Some((path, text, true)) = &p.policy {
        match crate::mail::mta_sts::write_policy(path, text) {
            Ok(_) => crate::say!(
                "{}",
                rust_i18n::t!("ui.apply.6", d = d, v1 = path.display())
            ),
            Err(e) => {
                crate::say!("{}", rust_i18n::t!("ui.apply.7", d = d, e = e));
                return false;
            }
        }
    }
    // Addresses, then MX, then the rest: an MX never points at a host without its address.
    let mut writes: Vec<&Line> = p
        .lines
        .iter()
        .filter(|l| matches!(l.action, Action::Create | Action::Change(_)))
        .collect();
    writes.sort_by_key(|l| l.purpose);
    let deletes: Vec<&Line> = p
        .lines
        .iter()
        .filter(|l| matches!(l.action, Action::Delete(_)))
        .collect();
    let mut written: Vec<(String, RecordData)> = Vec::new();
    let mut all_ok = true;
    for l in writes.into_iter().chain(deletes) {
        if !all_ok {
            // Stop at the first failure: the next apply continues from the state.
            crate::say!(
                "{}",
                rust_i18n::t!(
                    "ui.apply.8",
                    d = d,
                    v1 = l.action.sign(),
                    v2 = l.name,
                    v3 = l.rtype,
                    v4 = l.want.as_ref().map(|w| w.to_string()).unwrap_or_default()
                )
            );
            continue;
        }
        let started = Instant::now();
        let outcome = write_line(agent, writer, p, l).await;
        let what = match &l.action {
            Action::Change(old) => format!(
                "{} {} {} -> {}",
                l.name,
                l.rtype,
                old.data,
                l.want.as_ref().map(|w| w.to_string()).unwrap_or_default()
            ),
            Action::Delete(old) => format!("{} {} {}", l.name, l.rtype, old.data),
            _ => format!(
                "{} {} {}",
                l.name,
                l.rtype,
                l.want.as_ref().map(|w| w.to_string()).unwrap_or_default()
            ),
        };
        match outcome {
            Outcome::Failed(f) if f.unsupported => {
                // The registrar cannot hold this value: a `!` from now on, the rest goes on.
                crate::say!("{d}: ! {what}: {}", f.message);
                if let Some(w) = &l.want {
                    agent
                        .state
                        .domains
                        .entry(d.clone())
                        .or_default()
                        .cannot
                        .insert(owned_key(&l.name, w), f.message.clone());
                }
            }
            Outcome::Failed(f) => {
                all_ok = false;
                crate::say!(
                    "{}",
                    rust_i18n::t!(
                        "ui.apply.failed",
                        d = d,
                        sign = l.action.sign(),
                        what = what,
                        message = f.message
                    )
                );
            }
            _ if !each => {
                if let Some(w) = &l.want {
                    written.push((l.name.clone(), w.clone()));
                }
            }
            _ => {
                crate::say!(
                    "{}",
                    rust_i18n::t!(
                        "ui.apply.9",
                        d = d,
                        v1 = l.action.sign(),
                        what = what,
                        v2 = match l.action {
                            Action::Create => rust_i18n::t!("ui.apply.created"),
                            Action::Delete(_) => rust_i18n::t!("ui.apply.deleted"),
                            _ => rust_i18n::t!("ui.apply.changed"),
                        },
                        v3 = p.account,
                        v4 = format!("{:.1}", started.elapsed().as_secs_f64())
                    )
                );
                if let Some(w) = &l.want {
                    written.push((l.name.clone(), w.clone()));
                }
            }
        }
        // Remembered at once: a failure later still leaves a state to continue from.
        if let Err(e) = crate::state::save(&agent.config.state_file, &agent.state) {
            tracing::warn!("{e}");
        }
    }
    if !written.is_empty() {
        all_ok &= verify_written(agent, p, &written).await;
    }
    all_ok
}

/// One write, paced and with the retries of `crate::retry`; ownership recorded on success.
async fn write_line(agent: &mut Agent, writer: &mut Writer, p: &DomainPlan, l: &Line) -> Outcome {
    let zone = p.zone.clone();
    let ttl = p.ttl;
    let name = l.name.clone();
    let want = l.want.clone();
    let action = l.action.clone();
    let outcome = writer
        .paced(agent, &p.account, move |agent: &mut Agent| {
            Box::pin(async move {
                let Some(account) = agent.accounts.get(&p.account) else {
                    return (
                        Outcome::Failed(Failure::new(
                            rust_i18n::t!("ui.apply.10", v1 = p.account).into_owned(),
                        )),
                        false,
                    );
                };
                if let Err(e) = crate::config::validate_dns_name(&name) {
                    return (
                        Outcome::Failed(Failure::new(
                            rust_i18n::t!("ui.apply.11", e = e).into_owned(),
                        )),
                        false,
                    );
                }
                let op = match (&action, &want) {
                    (Action::Create, Some(data)) => Op::Create { name: &name, data },
                    (Action::Change(old), Some(data)) => Op::Update { old, data },
                    (Action::Delete(old), _) => Op::Delete { old },
                    _ => return (Outcome::Current, false),
                };
                match put(account, &zone, &op, ttl, agent.policy).await {
                    Ok(_) => (
                        match action {
                            Action::Create => Outcome::Created,
                            _ => Outcome::Updated,
                        },
                        false,
                    ),
                    Err(e) => (
                        Outcome::Failed(Failure {
                            message: e.to_string(),
                            permanent: e.is_permanent(),
                            unsupported: e.kind == mxddns_providers::ErrorKind::Unsupported,
                        }),
                        crate::retry::worth_retrying(&e),
                    ),
                }
            })
        })
        .await;
    if !matches!(outcome, Outcome::Failed(_)) {
        let owned = &mut agent
            .state
            .domains
            .entry(p.domain.clone())
            .or_default()
            .owned;
        match &l.action {
            Action::Change(old) | Action::Delete(old) => {
                let k = owned_key(&old.name, &old.data);
                owned.retain(|o| *o != k);
            }
            _ => {}
        }
        if let Some(w) = &l.want {
            let k = owned_key(&l.name, w);
            if !owned.contains(&k) {
                owned.push(k);
            }
        }
    }
    outcome
}

/// The servers to verify at: the zone's authoritative servers (or the resolvers with
/// `verify: resolvers`); none with `verify: off`.
async fn servers(agent: &Agent, zone: &str) -> Result<Vec<SocketAddr>, String> {
    match agent.config.dns.verify {
        VerifyMode::Off => Ok(Vec::new()),
        VerifyMode::Resolvers if !agent.dns.resolvers().is_empty() => {
            Ok(agent.dns.resolvers().to_vec())
        }
        _ => agent
            .dns
            .authoritative(zone)
            .await
            .map_err(|e| rust_i18n::t!("ui.apply.12", zone = zone, e = e).into_owned()),
    }
}

/// Poll every server until each written record is there, or the verify time-out passes.
async fn verify_written(agent: &Agent, p: &DomainPlan, written: &[(String, RecordData)]) -> bool {
    let d = &p.domain;
    let servers = match servers(agent, &p.zone.name).await {
        Ok(s) if s.is_empty() => return true,
        Ok(s) => s,
        Err(e) => {
            crate::say!("{}", rust_i18n::t!("ui.apply.not_verified", d = d, e = e));
            return false;
        }
    };
    let started = Instant::now();
    let deadline = started + agent.config.dns.verify_timeout;
    let mut wait = Duration::from_millis(250);
    let mut missing: Vec<(SocketAddr, &String, &RecordData)> = servers
        .iter()
        .flat_map(|s| written.iter().map(move |(n, w)| (*s, n, w)))
        .collect();
    loop {
        let mut still = Vec::new();
        for (server, name, want) in missing {
            let rtype: RecordType = want.rtype();
            let seen = agent
                .dns
                .records_at(server, name, rtype)
                .await
                .unwrap_or_default();
            if !seen.iter().any(|s| same_value(s, want)) {
                still.push((server, name, want));
            }
        }
        missing = still;
        if missing.is_empty() {
            crate::say!(
                "{}",
                rust_i18n::t!(
                    "ui.apply.13",
                    d = d,
                    v1 = written.len(),
                    v2 = servers.len(),
                    v3 = format!("{:.1}", started.elapsed().as_secs_f64())
                )
            );
            return true;
        }
        if Instant::now() + wait > deadline {
            let list: Vec<String> = missing
                .iter()
                .take(5)
                .map(|(s, n, w)| format!("{n} {} {w} at {s}", w.rtype()))
                .collect();
            crate::say!(
                "{}",
                rust_i18n::t!(
                    "ui.apply.14",
                    d = d,
                    v1 = format!("{:.0}", started.elapsed().as_secs_f64()),
                    v2 = missing.len(),
                    v3 = list.join(", "),
                    v4 = if missing.len() > 5 { ", ..." } else { "" }
                )
            );
            return false;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

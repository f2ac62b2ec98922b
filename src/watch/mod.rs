//! Watching the running service: what the last cycles did ([`Status`], shared between the
//! service loop and the HTTP responder through an `Rc<RefCell<…>>` on the agent's single
//! thread), rendered as `/healthz` ([`health`]) and `/metrics` ([`metrics`]), served by a
//! small HTTP/1.1 responder ([`server`]).

pub mod health;
pub mod metrics;
#[cfg(feature = "status-page")]
pub mod page;
pub mod server;

use crate::accounts::Account;
use crate::check::DomainCheck;
use crate::config::Config;
use crate::cycle::{CycleReport, Outcome};
use crate::detect::Family;
use crate::i18n::Lang;
use crate::state::{AddressChange, State};
use mxddns_providers::ApiCounters;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The status, shared by the service loop (writer) and the HTTP responder (reader).
pub type Shared = Rc<RefCell<Status>>;

/// How long a cycle may run (and a new agent may go without a finished cycle) before
/// `/healthz` calls it stuck: the detection and verification timeouts, plus this margin
/// for look-ups and provider requests with their retries.
const BUSY_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How one finished cycle went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastCycle {
    pub ok: bool,
    /// Unix seconds at its end.
    pub at: i64,
    /// Its first problem, when it failed.
    pub error: Option<String>,
}

/// What is known about one configured domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainStatus {
    pub last_success: Option<i64>,
    pub last_change: Option<i64>,
    pub consecutive_failures: u32,
    /// The last verification: how long it took (seconds) and whether it passed.
    pub verify: Option<(f64, bool)>,
    /// The MX host kept current.
    pub host: Option<String>,
    /// The records kept, as the last cycle left them (or as the state file knows them).
    pub records: Vec<KeptRecord>,
    /// The verification of the last change: when it passed, how long it took (ms).
    pub last_verified: Option<i64>,
    pub verify_ms: Option<u64>,
    /// The domain's last problem, while it fails.
    pub last_error: Option<String>,
}

/// A record mxddns keeps current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRecord {
    pub name: String,
    pub rtype: String,
    pub value: String,
}

/// The last `check` report the service made (see `service::periodic_check`).
#[cfg_attr(not(feature = "status-page"), allow(dead_code))]
#[derive(Debug, Clone)]
pub struct CheckSnapshot {
    /// Unix seconds at its end.
    pub at: i64,
    pub domains: Vec<DomainCheck>,
}

/// One provider account's request counters. The counters of an account replaced by a
/// reload are carried over by name, so that the totals never go down.
#[derive(Debug, Clone)]
pub struct AccountCounters {
    pub name: String,
    pub kind: &'static str,
    pub counters: Arc<ApiCounters>,
    pub carried_requests: u64,
    pub carried_failures: u64,
}

impl AccountCounters {
    pub fn requests(&self) -> u64 {
        self.carried_requests + self.counters.requests()
    }
    pub fn failures(&self) -> u64 {
        self.carried_failures + self.counters.failures()
    }
}

/// What `/healthz` and `/metrics` report.
#[derive(Debug, Clone)]
pub struct Status {
    /// Unix seconds and monotonic time of the agent's start.
    pub started_unix: i64,
    pub started: Instant,
    /// See [`BUSY_MARGIN`].
    pub busy_limit: Duration,
    /// When the running cycle started; `None` between cycles.
    pub cycle_started: Option<Instant>,
    pub last_cycle: Option<LastCycle>,
    /// Unix seconds at the end of the last cycle in which every domain succeeded.
    pub last_success: Option<i64>,
    /// Failed cycles since the last successful one.
    pub consecutive_failures: u32,
    pub cycles_ok: u64,
    pub cycles_failed: u64,
    /// Records written (updated or created).
    pub records_updated: u64,
    /// The last agreed address per family.
    pub addresses: BTreeMap<Family, String>,
    pub domains: BTreeMap<String, DomainStatus>,
    pub accounts: Vec<AccountCounters>,
    pub notifications_sent: u64,
    pub notifications_failed: u64,
    /// The configured domains whose provider account has answered a request (read or
    /// write) since the start or the last reload: the evidence behind "ok".
    pub proven: std::collections::BTreeSet<String>,
    /// The configured domains, to tell whether all are proven.
    pub configured: Vec<String>,
    /// Unix seconds of the next scheduled cycle, while waiting for it.
    pub next_cycle: Option<i64>,
    /// The last address changes, oldest first (from the state file).
    pub changes: Vec<AddressChange>,
    /// The last `check` report, when the service has made one.
    pub check: Option<CheckSnapshot>,
    /// The status page's language when the browser asks for none of ours.
    #[cfg_attr(not(feature = "status-page"), allow(dead_code))]
    pub lang: Lang,
}

impl Status {
    /// Whether every configured domain's credentials have been seen to work.
    pub fn credentials_verified(&self) -> bool {
        self.configured.iter().all(|d| self.proven.contains(d))
    }

    /// The status of an agent starting now with `config`, `state` (read from the state
    /// file: the last address and each domain's last success and change survive a
    /// restart) and `accounts`.
    pub fn new(
        config: &Config,
        state: &State,
        accounts: &BTreeMap<String, Account>,
        now_unix: i64,
    ) -> Status {
        let mut s = Status {
            started_unix: now_unix,
            started: Instant::now(),
            busy_limit: busy_limit(config),
            cycle_started: None,
            last_cycle: None,
            last_success: None,
            consecutive_failures: 0,
            cycles_ok: 0,
            cycles_failed: 0,
            records_updated: 0,
            addresses: BTreeMap::new(),
            domains: BTreeMap::new(),
            accounts: Vec::new(),
            notifications_sent: 0,
            notifications_failed: 0,
            proven: Default::default(),
            configured: config.domains.iter().map(|d| d.domain.clone()).collect(),
            next_cycle: None,
            changes: Vec::new(),
            check: None,
            lang: Lang::current(),
        };
        s.set_accounts(accounts);
        s.take_state(config, state);
        // Every domain succeeded at least at the oldest of their last successes.
        let successes: Option<Vec<i64>> = s.domains.values().map(|d| d.last_success).collect();
        s.last_success = successes.and_then(|v| v.into_iter().min());
        s
    }

    /// A status with nothing known yet (for tests).
    #[cfg(test)]
    pub(crate) fn blank(started_unix: i64) -> Status {
        Status {
            started_unix,
            started: Instant::now(),
            busy_limit: Duration::from_secs(600),
            cycle_started: None,
            last_cycle: None,
            last_success: None,
            consecutive_failures: 0,
            cycles_ok: 0,
            cycles_failed: 0,
            records_updated: 0,
            addresses: BTreeMap::new(),
            domains: BTreeMap::new(),
            accounts: Vec::new(),
            notifications_sent: 0,
            notifications_failed: 0,
            proven: Default::default(),
            configured: Vec::new(),
            next_cycle: None,
            changes: Vec::new(),
            check: None,
            lang: Lang::En,
        }
    }

    /// A new configuration (SIGHUP): new limits, accounts and domain list.
    pub fn reconfigure(
        &mut self,
        config: &Config,
        state: &State,
        accounts: &BTreeMap<String, Account>,
    ) {
        self.busy_limit = busy_limit(config);
        self.proven.clear();
        self.configured = config.domains.iter().map(|d| d.domain.clone()).collect();
        self.set_accounts(accounts);
        self.take_state(config, state);
        // The domains may have changed: the next cycle checks them again.
        self.check = None;
    }

    /// Use `accounts`' counters from now on, carrying the totals of replaced ones.
    pub fn set_accounts(&mut self, accounts: &BTreeMap<String, Account>) {
        let old = std::mem::take(&mut self.accounts);
        for (name, a) in accounts {
            let mut entry = AccountCounters {
                name: name.clone(),
                kind: a.provider.kind(),
                counters: a.counters.clone(),
                carried_requests: 0,
                carried_failures: 0,
            };
            if let Some(prev) = old.iter().find(|p| p.name == *name) {
                if Arc::ptr_eq(&prev.counters, &a.counters) {
                    entry.carried_requests = prev.carried_requests;
                    entry.carried_failures = prev.carried_failures;
                } else {
                    entry.carried_requests = prev.requests();
                    entry.carried_failures = prev.failures();
                }
            }
            self.accounts.push(entry);
        }
    }

    /// A cycle starts.
    pub fn cycle_started(&mut self) {
        self.cycle_started = Some(Instant::now());
        self.next_cycle = None;
    }

    /// The next cycle is planned for `at` (unix seconds).
    pub fn next_cycle_at(&mut self, at: i64) {
        self.next_cycle = Some(at);
    }

    #[cfg_attr(not(feature = "status-page"), allow(dead_code))]
    /// A `check` report was made.
    pub fn checked(&mut self, domains: Vec<DomainCheck>, now_unix: i64) {
        self.check = Some(CheckSnapshot {
            at: now_unix,
            domains,
        });
    }

    /// A cycle ended with `report`; `state` is the agent's state after it.
    pub fn cycle_finished(
        &mut self,
        config: &Config,
        report: &CycleReport,
        state: &State,
        now_unix: i64,
    ) {
        self.cycle_started = None;
        for d in report.domains.iter().filter(|d| d.proven) {
            self.proven.insert(d.domain.clone());
        }
        let ok = report.ok();
        let error = report
            .domains
            .iter()
            .find(|d| !d.ok())
            .and_then(|d| crate::cycle::first_error(d).map(|e| format!("{}: {e}", d.domain)));
        self.last_cycle = Some(LastCycle {
            ok,
            at: now_unix,
            error,
        });
        if ok {
            self.cycles_ok += 1;
            self.consecutive_failures = 0;
            self.last_success = Some(now_unix);
        } else {
            self.cycles_failed += 1;
            self.consecutive_failures += 1;
        }
        self.records_updated += report
            .domains
            .iter()
            .flat_map(|d| &d.records)
            .filter(|r| matches!(r.outcome, Outcome::Updated | Outcome::Created))
            .count() as u64;
        self.take_state(config, state);
        for d in &report.domains {
            let Some(s) = self.domains.get_mut(&d.domain) else {
                continue;
            };
            if let Some(v) = &d.verify {
                s.verify = Some((v.elapsed.as_secs_f64(), v.ok));
            }
            if !d.records.is_empty() {
                s.records = kept_records(d);
            }
        }
    }

    /// Notifications were sent.
    pub fn notified(&mut self, sent: crate::notify::Sent) {
        self.notifications_sent += sent.ok;
        self.notifications_failed += sent.failed;
    }

    /// Addresses and per-domain facts from the state, for the configured domains.
    fn take_state(&mut self, config: &Config, state: &State) {
        self.addresses.clear();
        for (key, family) in [("v4", Family::V4), ("v6", Family::V6)] {
            if let Some(a) = state.addresses.get(key) {
                self.addresses.insert(family, a.clone());
            }
        }
        self.changes.clone_from(&state.changes);
        let mut domains = BTreeMap::new();
        for d in &config.domains {
            let mut s = self.domains.remove(&d.domain).unwrap_or_default();
            if let Some(st) = state.domains.get(&d.domain) {
                s.last_success = st.last_success;
                s.last_change = st.last_change;
                s.consecutive_failures = st.consecutive_failures;
                s.last_verified = st.last_verified;
                s.verify_ms = st.verify_ms;
                s.last_error.clone_from(&st.last_error);
                s.host.clone_from(&st.host);
            }
            if s.records.is_empty() {
                s.records = records_from_state(state, &d.domain, s.host.as_deref());
            }
            domains.insert(d.domain.clone(), s);
        }
        self.domains = domains;
    }
}

/// The records a cycle handled for one domain (each once), with the value they hold now.
fn kept_records(d: &crate::cycle::DomainReport) -> Vec<KeptRecord> {
    let mut out: Vec<KeptRecord> = Vec::new();
    for r in &d.records {
        let value = match r.outcome {
            Outcome::Current | Outcome::Updated | Outcome::Created | Outcome::Shared => {
                r.new.clone()
            }
            Outcome::WouldWrite | Outcome::Failed(_) => r.old.join(", "),
        };
        let rec = KeptRecord {
            name: r.name.clone(),
            rtype: r.rtype.to_string(),
            value,
        };
        if !out.contains(&rec) {
            out.push(rec);
        }
    }
    out
}

/// The records of `domain` that the state file's cache holds (before the first cycle):
/// those at its MX host, and its SPF record.
fn records_from_state(state: &State, domain: &str, host: Option<&str>) -> Vec<KeptRecord> {
    let same = |a: &str, b: &str| {
        a.trim_end_matches('.')
            .eq_ignore_ascii_case(b.trim_end_matches('.'))
    };
    state
        .records
        .iter()
        .filter_map(|(key, rec)| {
            // "account/fqdn/TYPE"
            let mut parts = key.rsplitn(3, '/');
            let rtype = parts.next()?;
            let name = parts.next()?;
            let ours = host.is_some_and(|h| same(name, h))
                || (same(name, domain) && rtype == "TXT" && rec.data.contains("v=spf1"));
            ours.then(|| KeptRecord {
                name: name.to_string(),
                rtype: rtype.to_string(),
                value: rec.data.clone(),
            })
        })
        .collect()
}

fn busy_limit(config: &Config) -> Duration {
    config.detect.timeout + config.dns.verify_timeout + BUSY_MARGIN
}

#[cfg(test)]
mod tests;

//! Watching the running service: what the last cycles did ([`Status`], shared between the
//! service loop and the HTTP responder through an `Rc<RefCell<…>>` on the agent's single
//! thread), rendered as `/healthz` ([`health`]) and `/metrics` ([`metrics`]), served by a
//! small HTTP/1.1 responder ([`server`]).

pub mod health;
pub mod metrics;
pub mod server;

use crate::accounts::Account;
use crate::config::Config;
use crate::cycle::{CycleReport, Outcome};
use crate::detect::Family;
use crate::state::State;
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
            if let (Some(v), Some(s)) = (&d.verify, self.domains.get_mut(&d.domain)) {
                s.verify = Some((v.elapsed.as_secs_f64(), v.ok));
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
        let mut domains = BTreeMap::new();
        for d in &config.domains {
            let mut s = self.domains.remove(&d.domain).unwrap_or_default();
            if let Some(st) = state.domains.get(&d.domain) {
                s.last_success = st.last_success;
                s.last_change = st.last_change;
                s.consecutive_failures = st.consecutive_failures;
            }
            domains.insert(d.domain.clone(), s);
        }
        self.domains = domains;
    }
}

fn busy_limit(config: &Config) -> Duration {
    config.detect.timeout + config.dns.verify_timeout + BUSY_MARGIN
}

#[cfg(test)]
mod tests;

//! The engine: one record pipeline shared by every command that changes a zone.
//!
//! desired records (from the declaration and the detected address) -> read the zone ->
//! plan -> write -> verify -> state. Each step is a module:
//!
//! - [`lookup`]: the address upkeep's desired records, read from the authoritative servers
//!   (no API call when everything is current);
//! - [`write`]: the provider writes, paced, once per record, with backoff and
//!   unreachable-registrar short cuts (retries themselves live in `crate::retry`);
//! - [`confirm`]: verification at the authoritative servers;
//! - [`remember`]: what the state file keeps of the outcome.
//!
//! `crate::cycle` composes them for the address upkeep; `plan`/`apply` compose the same
//! write/verify/state steps for a whole mail domain.

pub mod confirm;
pub mod lookup;
pub mod remember;
pub mod write;

use crate::accounts::Account;
use crate::config::{Config, DomainConfig, FamilyPolicy};
use crate::detect::{Detection, Family};
use crate::dns::Dns;
use crate::retry::RetryPolicy;
use crate::state::State;
use crate::verify::VerifyReport;
use mxddns_providers::RecordData;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How many domains are looked up at once.
pub const LOOKUP_CONCURRENCY: usize = 32;

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
    /// The registrar cannot hold this record (`ErrorKind::Unsupported`).
    pub unsupported: bool,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            permanent: false,
            unsupported: false,
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
    /// A report with nothing in it yet.
    pub fn new(domain: &str) -> DomainReport {
        DomainReport {
            domain: domain.to_string(),
            host: None,
            records: Vec::new(),
            verify: None,
            servers: 0,
            error: None,
            notices: Vec::new(),
            warnings: Vec::new(),
            served: Vec::new(),
            unserved: Vec::new(),
            proven: false,
        }
    }

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
pub enum PlanKind {
    /// The address record at the end of the MX host's chain.
    Address,
    /// CNAME mode: the MX host itself, as an alias of the target.
    Alias,
    /// The domain's SPF record.
    Spf,
}

/// One record the cycle must hold.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kind: PlanKind,
    pub account: String,
    pub zone: String,
    pub name: String,
    pub want: RecordData,
    pub seen: Vec<RecordData>,
    /// Other values DNS shows at the name, not this network's (another line's address in
    /// the same set): left as they are, and expected to stay.
    pub others: Vec<RecordData>,
    pub current: bool,
    pub ttl: u32,
}

/// A domain after look-up.
#[derive(Debug, Clone)]
pub struct DomainPlan {
    pub host: String,
    /// The zone holding `host` (cached in the state file for the next cycles).
    pub zone: String,
    pub servers: Vec<SocketAddr>,
    pub plans: Vec<Plan>,
    pub notices: Vec<String>,
    /// Problems that do not stop the other records (shown on stderr, exit code unchanged).
    pub warnings: Vec<String>,
    /// Records that cannot be planned (e.g. an SPF record mxddns refuses to edit): the
    /// domain fails, but its other records are still kept current.
    pub refused: Vec<RecordReport>,
}

pub fn ip_data(ip: IpAddr) -> RecordData {
    match ip {
        IpAddr::V4(v4) => RecordData::A(v4),
        IpAddr::V6(v6) => RecordData::Aaaa(v6),
    }
}

pub fn data_ip(d: &RecordData) -> Option<IpAddr> {
    match d {
        RecordData::A(a) => Some(IpAddr::V4(*a)),
        RecordData::Aaaa(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

pub fn total_requests(accounts: &BTreeMap<String, Account>) -> u64 {
    accounts.values().map(|a| a.counters.requests()).sum()
}

/// The detected addresses `d` manages (its `ipv4:` / `ipv6:` not off).
pub fn domain_addrs(d: &DomainConfig, addrs: &[IpAddr]) -> Vec<IpAddr> {
    addrs
        .iter()
        .copied()
        .filter(|a| family_policy(d, Family::of(*a)) != FamilyPolicy::Off)
        .collect()
}

/// `d`'s `ipv4:` or `ipv6:`.
pub fn family_policy(d: &DomainConfig, family: Family) -> FamilyPolicy {
    match family {
        Family::V4 => d.ipv4,
        Family::V6 => d.ipv6,
    }
}

pub fn family_word(f: Family) -> &'static str {
    match f {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

pub fn fmt_time(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

impl Agent {
    /// The agent of a configuration: DNS, provider accounts, and the state file as it is
    /// (a state that cannot be read is reported and started afresh: DNS is the truth).
    pub fn new(config: Config) -> anyhow::Result<Agent> {
        use anyhow::Context as _;
        let client = crate::http::client().context("cannot build the HTTP client")?;
        let dns = Dns::new(&config.dns).context("cannot set up DNS look-ups")?;
        let accounts = crate::accounts::build_all(&config.providers, &client)
            .context("cannot build the HTTP client")?;
        let state = match crate::state::load(&config.state_file) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("{e}");
                State::new()
            }
        };
        Ok(Agent {
            config,
            dns,
            accounts,
            state,
            policy: RetryPolicy::default(),
        })
    }
}

/// Step 1: ask the IP sources once per family. Returns the detections, the agreed
/// addresses, and one line per family that failed.
pub async fn detect_all(cfg: &Config) -> (Vec<Detection>, Vec<IpAddr>, Vec<(Family, String)>) {
    let mut detections = Vec::new();
    // `detect.ipv4: off`: an IPv6-only line.
    if cfg.detect.ipv4_enabled() {
        detections.push(
            crate::detect::detect(
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
            crate::detect::detect(
                Family::V6,
                &cfg.detect.ipv6,
                cfg.detect.quorum,
                cfg.detect.timeout,
            )
            .await,
        );
    }
    let mut addrs = Vec::new();
    let mut errors = Vec::new();
    for d in &detections {
        match &d.result {
            Ok(ip) => addrs.push(*ip),
            Err(e) => errors.push((
                d.family,
                format!("{} address not detected: {e}", family_word(d.family)),
            )),
        }
    }
    (detections, addrs, errors)
}

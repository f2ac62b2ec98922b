//! IP detection: ask every configured source at once, classify the answers, agree on one.
//!
//! [`detect`] runs on the calling task (no spawned tasks), so it works on a current-thread
//! runtime; each source is bounded by the timeout, and a source that does not answer in
//! time is an error like any other. The pure parts ([`classify`], [`parse_answer`],
//! [`agree`]) are separate so that they can be tested by tables.

mod answer;
mod classify;
mod cmd;
mod dns;
mod error;
mod http;
mod iface;
mod quorum;
pub mod source;

// The pure steps are public for callers that have answers of their own (and for tests);
// the binary itself may need only `detect` and `render`.
#[allow(unused_imports)]
pub use answer::parse_answer;
pub use classify::classify;
#[allow(unused_imports)]
pub use classify::Rejection;
#[allow(unused_imports)]
pub use error::Said;
pub use error::{DetectError, SourceError};
pub use quorum::agree;
pub use source::{DnsService, SourceSpec};

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// The family of `ip`.
    pub fn of(ip: IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// What one source answered, and how long it took.
#[derive(Debug, Clone)]
pub struct SourceAnswer {
    pub source: SourceSpec,
    /// The public address it gave, or why it gave none (a non-public address included).
    pub outcome: Result<IpAddr, SourceError>,
    pub elapsed: Duration,
}

/// The result of asking one family's sources.
#[derive(Debug, Clone)]
pub struct Detection {
    pub family: Family,
    /// One per source, in the order given.
    pub answers: Vec<SourceAnswer>,
    /// The agreed address, or why there is none.
    pub result: Result<IpAddr, DetectError>,
}

impl Detection {
    /// The sources that did not give the agreed address (failed, or said something else);
    /// empty when no address was agreed on.
    pub fn dissenters(&self) -> Vec<&SourceAnswer> {
        match &self.result {
            Ok(agreed) => self
                .answers
                .iter()
                .filter(|a| a.outcome.as_ref() != Ok(agreed))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Ask every source at once for this network's `family` address, each within `timeout`,
/// and agree on one (see [`agree`] for `quorum`).
pub async fn detect(
    family: Family,
    sources: &[SourceSpec],
    quorum: Option<usize>,
    timeout: Duration,
) -> Detection {
    // One HTTP client for all of this family's HTTP sources, built only when needed.
    let client = sources
        .iter()
        .any(|s| matches!(s, SourceSpec::Http(_)))
        .then(|| http::client(family, timeout));
    let client = client.as_ref();

    let asks = sources.iter().map(|source| async move {
        let started = Instant::now();
        let outcome = tokio::time::timeout(timeout, ask(source, family, timeout, client))
            .await
            .unwrap_or(Err(SourceError::Timeout(timeout)))
            .and_then(|ip| match classify(ip) {
                Ok(()) => Ok(ip),
                Err(reason) => Err(SourceError::NotGlobal { ip, reason }),
            });
        SourceAnswer {
            source: source.clone(),
            outcome,
            elapsed: started.elapsed(),
        }
    });
    let answers = futures_util::future::join_all(asks).await;

    let outcomes: Vec<Result<IpAddr, SourceError>> =
        answers.iter().map(|a| a.outcome.clone()).collect();
    let names: Vec<String> = answers.iter().map(|a| a.source.to_string()).collect();
    let result = agree(&outcomes, quorum).map_err(|e| e.name_sources(&names));
    Detection {
        family,
        answers,
        result,
    }
}

async fn ask(
    source: &SourceSpec,
    family: Family,
    timeout: Duration,
    client: Option<&Result<reqwest::Client, SourceError>>,
) -> Result<IpAddr, SourceError> {
    match source {
        SourceSpec::Http(url) => match client {
            Some(Ok(client)) => http::ask(client, url, family, timeout).await,
            Some(Err(e)) => Err(e.clone()),
            // The client is built whenever an HTTP source is present.
            None => Err(SourceError::Http(
                rust_i18n::t!("ui.mod.19").into_owned().to_string(),
            )),
        },
        SourceSpec::Dns { service, server } => dns::ask(*service, *server, family, timeout).await,
        SourceSpec::Interface(name) => iface::ask(name, family),
        SourceSpec::Command(path) => cmd::ask(path, family).await,
    }
}

/// The report of `mxddns detect`: one line per source (what it said, how long it took),
/// then the agreed address or why there is none.
pub fn render(d: &Detection) -> String {
    let width = d
        .answers
        .iter()
        .map(|a| a.source.to_string().chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!("{} sources:\n", d.family);
    if d.answers.is_empty() {
        out.push_str("  (none)\n");
    }
    for a in &d.answers {
        let said = match &a.outcome {
            Ok(ip) => ip.to_string(),
            Err(e) if e.is_rejected_address() => format!("rejected: {e}"),
            Err(e) => format!("error: {e}"),
        };
        out.push_str(&rust_i18n::t!(
            "ui.mod.20",
            v1 = format!("{:<width$}", a.source.to_string()),
            v2 = format!("{:>6}", a.elapsed.as_millis()),
            said = said
        ));
    }
    match &d.result {
        Ok(ip) => {
            let agreeing = d.answers.len() - d.dissenters().len();
            out.push_str(&rust_i18n::t!(
                "ui.mod.21",
                v1 = d.family,
                ip = ip,
                agreeing = agreeing,
                v2 = d.answers.len()
            ));
            let dissent: Vec<String> = d
                .dissenters()
                .iter()
                .map(|a| a.source.to_string())
                .collect();
            if !dissent.is_empty() {
                out.push_str(&format!("; not: {}", dissent.join(", ")));
            }
            out.push_str(")\n");
        }
        Err(e) => out.push_str(&format!("{} address: none: {}\n", d.family, e.headline())),
    }
    out
}

#[cfg(test)]
mod tests;

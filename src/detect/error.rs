//! What can go wrong with one source, and with the whole detection.

use super::classify::Rejection;
use super::Family;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// Why one IP source gave no usable address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Nothing within the detection timeout.
    #[error("{}", rust_i18n::t!("err.detect.error", v1 = humantime::format_duration(*.0)))]
    Timeout(Duration),
    /// The answer was empty (or only whitespace).
    #[error("{}", rust_i18n::t!("err.detect.error.2"))]
    Empty,
    /// The answer was longer than any address answer can be.
    #[error("{}", rust_i18n::t!("err.detect.error.3", limit = .limit, v1 = quoted(.excerpt)))]
    TooLarge { limit: usize, excerpt: String },
    /// The answer is something else than an address (`what`: an HTML page, JSON, text…).
    #[error("{}", rust_i18n::t!("err.detect.error.4", what = .what, excerpt = .excerpt))]
    NotAnAddress { what: String, excerpt: String },
    /// The answer holds more than one address, so it does not say which one is ours.
    #[error("{}", rust_i18n::t!("err.detect.error.5", first = .first, second = .second))]
    Ambiguous { first: IpAddr, second: IpAddr },
    /// An address of the other family (asked over IPv4, answered IPv6, or the reverse).
    #[error("{}", rust_i18n::t!("err.detect.error.6", v1 = family_of(*.ip), ip = .ip, asked = .asked))]
    WrongFamily { ip: IpAddr, asked: Family },
    /// An address that cannot be this network's public address.
    #[error("{ip} is {reason}")]
    NotGlobal { ip: IpAddr, reason: Rejection },
    /// The HTTP server answered with a non-2xx status.
    #[error("HTTP {status}: \"{excerpt}\"")]
    HttpStatus { status: u16, excerpt: String },
    /// The HTTP request itself failed (connect, TLS, protocol).
    #[error("{}", rust_i18n::t!("err.detect.error.7", v = .0))]
    Http(String),
    /// The DNS question could not be asked or its answer read.
    #[error("{0}")]
    Dns(String),
    /// The DNS server answered with an error code.
    #[error("the DNS server {server} answered {rcode}")]
    DnsRcode { server: String, rcode: String },
    /// The DNS answer held no record that is an address.
    #[error("{}", rust_i18n::t!("err.detect.error.8", server = .server, detail = .detail))]
    DnsNoAddress { server: String, detail: String },
    /// `interface:NAME` names no interface.
    #[error("{}", rust_i18n::t!("err.detect.error.9", name = .name, v1 = .known.join(", ")))]
    NoInterface { name: String, known: Vec<String> },
    /// The interface exists but holds no address of the family.
    #[error("{}", rust_i18n::t!("err.detect.error.10", name = .name, family = .family))]
    InterfaceNoAddress { name: String, family: Family },
    /// The interface holds only addresses that are not public.
    #[error("{}", rust_i18n::t!("err.detect.error.11", name = .name, v1 = list_rejected(.addrs), v2 = advice(.addrs, *.family)))]
    InterfaceNotGlobal {
        name: String,
        family: Family,
        addrs: Vec<(IpAddr, Rejection)>,
    },
    /// The interfaces could not be listed.
    #[error("{}", rust_i18n::t!("err.detect.error.12", v = .0))]
    InterfaceList(String),
    /// `cmd:PATH` could not be started.
    #[error("{}", rust_i18n::t!("err.detect.error.13", v = .0))]
    CommandStart(String),
    /// `cmd:PATH` ended unsuccessfully.
    #[error("{}", rust_i18n::t!("err.detect.error.14", status = .status, v1 = stderr_suffix(.stderr)))]
    CommandFailed {
        /// "exited with code 3", "was killed by signal 9".
        status: String,
        /// The first line of its standard error, sanitised; may be empty.
        stderr: String,
    },
}

impl SourceError {
    /// Whether the source answered with an address that is not a public one (as opposed to
    /// not answering at all).
    pub fn is_rejected_address(&self) -> bool {
        matches!(self, SourceError::NotGlobal { .. })
    }
}

fn family_of(ip: IpAddr) -> Family {
    match ip {
        IpAddr::V4(_) => Family::V4,
        IpAddr::V6(_) => Family::V6,
    }
}

fn list_rejected(addrs: &[(IpAddr, Rejection)]) -> String {
    addrs
        .iter()
        .map(|(ip, why)| format!("{ip} ({})", why.label()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn advice(addrs: &[(IpAddr, Rejection)], family: Family) -> String {
    if addrs
        .iter()
        .any(|(_, why)| *why == Rejection::CarrierGradeNat)
    {
        return Rejection::CarrierGradeNat.to_string();
    }
    match family {
        Family::V4 => rust_i18n::t!("ui.error").into_owned().to_string(),
        Family::V6 => rust_i18n::t!("ui.error.2").into_owned().to_string(),
    }
}

fn quoted(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(": \"{excerpt}\"")
    }
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// What one source said, for messages: its address or its error, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// The source as configured (`https://api.ipify.org`, `dns:opendns`).
    pub source: String,
    pub said: String,
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.said)
    }
}

/// Why no address was agreed on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// The source list is empty.
    #[error("{}", rust_i18n::t!("err.detect.error.15"))]
    Unconfigured,
    /// No source gave a public address.
    #[error("{}", rust_i18n::t!("err.detect.error.16", v1 = join(.said)))]
    NoAnswer { said: Vec<Said> },
    /// Sources gave addresses, but none has the agreement required.
    #[error("{} ({})", no_quorum_headline(.counts, *.needed), join(.said))]
    NoQuorum {
        /// How many sources had to agree.
        needed: usize,
        /// Each address given, with how many sources gave it, most first.
        counts: Vec<(IpAddr, usize)>,
        said: Vec<Said>,
    },
}

impl DetectError {
    /// Put the sources' names in the per-source list, in place of "source 1", "source 2"…
    /// (`names` in the order of the answers given to [`super::agree`]).
    pub fn name_sources(mut self, names: &[String]) -> Self {
        if let DetectError::NoAnswer { said } | DetectError::NoQuorum { said, .. } = &mut self {
            for (s, name) in said.iter_mut().zip(names) {
                s.source.clone_from(name);
            }
        }
        self
    }

    /// The message without the per-source list (for `mxddns detect`, which prints each
    /// source on its own line already).
    pub fn headline(&self) -> String {
        match self {
            DetectError::Unconfigured => self.to_string(),
            DetectError::NoAnswer { .. } => rust_i18n::t!("ui.error.3").into_owned().to_string(),
            DetectError::NoQuorum { needed, counts, .. } => no_quorum_headline(counts, *needed),
        }
    }
}

fn join(said: &[Said]) -> String {
    said.iter()
        .map(Said::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn no_quorum_headline(counts: &[(IpAddr, usize)], needed: usize) -> String {
    let list = counts
        .iter()
        .map(|(ip, n)| format!("{ip} from {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let tie = counts.len() > 1 && counts[0].1 == counts[1].1;
    if tie {
        rust_i18n::t!("ui.error.4", list = list, needed = needed).into_owned()
    } else {
        rust_i18n::t!("ui.error.5", list = list, needed = needed).into_owned()
    }
}

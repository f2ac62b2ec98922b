//! DNS look-ups: recursive ones through the configured resolvers (a small stub resolver,
//! [`recursive`], on the same wire code), and direct, uncached questions to a zone's
//! authoritative servers ([`wire`]) for reading the current state and verifying a change.
//! Nothing is cached: each cycle asks afresh.
//!
//! Names go in and come out lowercase, ASCII (punycode) and without the trailing dot.
//! "No such record" (NXDOMAIN or NODATA) is an empty answer, never an error (the `*_found`
//! look-ups tell the two apart, see [`Found`]); SERVFAIL, REFUSED, time-outs and
//! referrals (a server that does not recurse, a lame delegation) are [`DnsError`]s: no
//! verdict, never "missing".
//!
//! Every question, recursive or authoritative, goes through [`retrying`]: a SERVFAIL, an
//! unreachable server or a time-out is asked again a bounded number of times, with a short
//! exponential backoff and jitter, before it becomes an error.

mod auth;
mod error;
pub(crate) mod join;
pub mod matcher;
pub mod names;
mod outcome;
mod recursive;
mod resolv_conf;
pub mod wire;

#[cfg(test)]
mod retry_tests;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
pub(crate) mod testserver;

pub use error::DnsError;
pub use outcome::Found;

use crate::config::{DnsConfig, ServerSpec};
use hickory_proto::rr::RecordType;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The longest CNAME chain followed (aliases, not counting the final name).
pub const MAX_HOPS: usize = 8;

/// How long one question may take, recursive or authoritative.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(3);

/// How many times one question is asked at most when it fails transiently.
pub const ATTEMPTS: u32 = 4;

/// How many times a recursive question is sent at most when every resolver timed out
/// (resolv.conf's `options attempts:` changes it, up to [`ATTEMPTS`]).
const RECURSIVE_TRIES: u32 = 2;

/// Where the system's resolvers are listed when `dns.resolvers` is empty.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// The wait before the second attempt; it doubles for each further one (±25 % jitter).
const RETRY_DELAY: Duration = Duration::from_millis(100);

/// Ask `op` again while it fails transiently (SERVFAIL, unreachable, time-out), at most
/// [`ATTEMPTS`] times in all; a time-out is asked again only `timeouts` more times, as
/// each one already cost a whole query time limit. Anything else is returned at once.
pub(crate) async fn retrying<T, F, Fut>(timeouts: u32, mut op: F) -> Result<T, DnsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DnsError>>,
{
    let mut delay = RETRY_DELAY;
    let mut timeouts_left = timeouts;
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                if e.is_timeout() {
                    if timeouts_left == 0 {
                        return Err(e);
                    }
                    timeouts_left -= 1;
                }
                tracing::debug!("{e}; asking again");
                tokio::time::sleep(delay.mul_f64(rand::random_range(0.75..1.25))).await;
                delay *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// An address family: detection's type, used here for the record type to ask for.
pub use crate::detect::Family;

impl Family {
    /// The address record type of this family: A or AAAA.
    pub fn rtype(self) -> RecordType {
        match self {
            Family::V4 => RecordType::A,
            Family::V6 => RecordType::AAAA,
        }
    }
}

/// One MX record of a domain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MxHost {
    pub preference: u16,
    pub host: String,
}

/// Where a name leads: the CNAMEs followed and the addresses at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// Each alias followed, in order: (alias, its target).
    pub hops: Vec<(String, String)>,
    /// The name holding the address records (the name asked when there was no CNAME).
    pub end: String,
    /// The addresses of the asked family at `end`, sorted; empty when there are none.
    pub addrs: Vec<IpAddr>,
    /// Part of the chain lies outside the asked server's zones and was followed through
    /// the recursive resolvers.
    pub external: bool,
}

impl Chain {
    /// The first alias target, when the name is a CNAME.
    pub fn alias_target(&self) -> Option<&str> {
        self.hops.first().map(|(_, t)| t.as_str())
    }
}

/// Every DNS look-up the agent makes: recursive ones through the resolvers (uncached),
/// and questions to authoritative servers.
#[derive(Debug)]
pub struct Dns {
    /// The recursive resolvers in use (configured, or from resolv.conf), asked in order.
    resolvers: Vec<SocketAddr>,
    /// `resolvers 192.168.1.1:53, …`, for messages.
    label: String,
    /// `dns.authoritative`: used instead of a zone's NS when set.
    authoritative: Vec<ServerSpec>,
    /// Time allowed for one authoritative question.
    timeout: Duration,
    /// Time allowed for one recursive question to one resolver.
    recursive_timeout: Duration,
    /// How many more times a recursive question is sent after every resolver timed out.
    recursive_timeouts: u32,
}

impl Dns {
    /// Look-ups through `cfg.resolvers` (UDP, and TCP for long answers, at their given
    /// ports), or through the system's resolv.conf (its `nameserver` lines at port 53, and
    /// its `options timeout:`/`attempts:`) when that list is empty.
    pub fn new(cfg: &DnsConfig) -> Result<Dns, DnsError> {
        let conf = if cfg.resolvers.is_empty() {
            let text = std::fs::read_to_string(RESOLV_CONF).map_err(|e| DnsError::Setup {
                detail: format!(
                    "cannot read the system's resolver configuration {RESOLV_CONF}: {e}"
                ),
            })?;
            resolv_conf::parse(&text)
        } else {
            resolv_conf::ResolvConf {
                servers: cfg.resolvers.clone(),
                ..resolv_conf::ResolvConf::default()
            }
        };
        if conf.servers.is_empty() {
            return Err(DnsError::Setup {
                detail: format!(
                    "the system's resolver configuration {RESOLV_CONF} lists no name server"
                ),
            });
        }
        let label = format!(
            "resolvers {}",
            conf.servers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let tries = conf.attempts.unwrap_or(RECURSIVE_TRIES).clamp(1, ATTEMPTS);
        Ok(Dns {
            resolvers: conf.servers,
            label,
            authoritative: cfg.authoritative.clone(),
            timeout: QUERY_TIMEOUT,
            recursive_timeout: conf.timeout.unwrap_or(QUERY_TIMEOUT),
            recursive_timeouts: tries - 1,
        })
    }

    /// The same, with another time limit for one question, recursive or authoritative
    /// (tests, slow links).
    #[cfg(test)]
    pub fn with_timeout(mut self, timeout: Duration) -> Dns {
        self.timeout = timeout;
        self.recursive_timeout = timeout;
        self
    }

    /// The recursive resolvers in use. Authoritative-style questions sent to one of these
    /// (`verify: resolvers`) ask for recursion.
    pub fn resolvers(&self) -> &[SocketAddr] {
        &self.resolvers
    }
}

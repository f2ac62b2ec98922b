//! What can go wrong with a DNS look-up, said so that the user knows which server was
//! asked about which name, and what to do about it.

use hickory_proto::rr::RecordType;
use std::time::Duration;

/// A failed DNS look-up. "No such record" is not an error: look-ups answer an empty list.
///
/// `server` is the server asked: the authoritative server (`127.0.0.1:5353`) or, for a
/// recursive question, the resolver that failed it (`192.168.1.1:53`); messages about a
/// look-up as a whole name the resolvers in use (`resolvers 192.168.1.1:53, …`).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// Not a domain name.
    #[error("{}", rust_i18n::t!("err.dns.error", name = format!("{:?}", .name)))]
    BadName { name: String },
    /// A name with non-ASCII characters: the IDNA back end is ASCII-only (Cargo.toml pins
    /// `idna_adapter` 1.0.x to keep ICU4X out), so it must be written in punycode.
    #[error("{}", rust_i18n::t!("err.dns.idn", name = format!("{:?}", .name)))]
    NotAscii { name: String },
    /// The resolver could not be set up (no usable resolv.conf, no name server in it).
    #[error("{}", rust_i18n::t!("err.dns.error.2", detail = .detail))]
    Setup { detail: String },
    /// No answer in time.
    #[error("{}", rust_i18n::t!("err.dns.error.3", server = .server, name = .name, rtype = .rtype, timeout = format!("{:?}", .timeout)))]
    Timeout {
        server: String,
        name: String,
        rtype: RecordType,
        timeout: Duration,
    },
    /// SERVFAIL: the server could not answer (broken delegation, DNSSEC failure, overload).
    #[error("{}", rust_i18n::t!("err.dns.error.4", server = .server, name = .name, rtype = .rtype))]
    ServFail {
        server: String,
        name: String,
        rtype: RecordType,
    },
    /// REFUSED: the server does not serve that name (for an authoritative server: it is
    /// not authoritative for the zone; for a resolver: it does not recurse for us).
    #[error("{}", rust_i18n::t!("err.dns.error.5", server = .server, name = .name, rtype = .rtype))]
    Refused {
        server: String,
        name: String,
        rtype: RecordType,
    },
    /// A referral (NOERROR, no answer, NS records and no SOA): the server asked does not
    /// recurse, or is lame for the zone. No verdict about the name (RFC 1034 §4.3.1,
    /// RFC 2308 §2.2): never "no such record".
    #[error("{}", rust_i18n::t!("err.dns.error.6", server = .server, name = .name, rtype = .rtype, to = .to))]
    Referral {
        server: String,
        name: String,
        rtype: RecordType,
        to: String,
    },
    /// Any other failing response code, or an unreadable answer.
    #[error("{}", rust_i18n::t!("err.dns.error.7", server = .server, name = .name, rtype = .rtype, detail = .detail))]
    BadResponse {
        server: String,
        name: String,
        rtype: RecordType,
        detail: String,
    },
    /// The server could not be reached at all.
    #[error("{}", rust_i18n::t!("err.dns.error.8", server = .server, name = .name, rtype = .rtype, detail = .detail))]
    Unreachable {
        server: String,
        name: String,
        rtype: RecordType,
        detail: String,
    },
    /// A CNAME chain that comes back to a name already in it.
    #[error("{}", rust_i18n::t!("err.dns.error.9", server = .server, chain = .chain))]
    CnameLoop { server: String, chain: String },
    /// A CNAME chain longer than [`super::MAX_HOPS`] aliases.
    #[error("{}", rust_i18n::t!("err.dns.error.10", name = .name, server = .server, max = .max, chain = .chain))]
    ChainTooLong {
        server: String,
        name: String,
        max: usize,
        chain: String,
    },
    /// No zone (SOA) holds the name: the domain is not delegated.
    #[error("{}", rust_i18n::t!("err.dns.error.11", name = .name, server = .server))]
    NoZone { name: String, server: String },
    /// None of the zone's authoritative servers has an address.
    #[error("{}", rust_i18n::t!("err.dns.error.12", zone = .zone, detail = .detail))]
    NoAuthoritative { zone: String, detail: String },
}

impl DnsError {
    /// The server did not answer in time.
    #[cfg_attr(not(test), allow(dead_code))] // for callers that retry DNS
    pub fn is_timeout(&self) -> bool {
        matches!(self, DnsError::Timeout { .. })
    }

    /// The server answered SERVFAIL.
    #[cfg_attr(not(test), allow(dead_code))] // for callers that retry DNS
    pub fn is_servfail(&self) -> bool {
        matches!(self, DnsError::ServFail { .. })
    }

    /// The server answered REFUSED.
    pub fn is_refused(&self) -> bool {
        matches!(self, DnsError::Refused { .. })
    }

    /// A referral instead of an answer (see [`DnsError::Referral`]).
    pub fn is_referral(&self) -> bool {
        matches!(self, DnsError::Referral { .. })
    }

    /// A CNAME loop or an over-long chain: the zone's data is wrong, retrying won't help.
    pub fn is_bad_chain(&self) -> bool {
        matches!(
            self,
            DnsError::CnameLoop { .. } | DnsError::ChainTooLong { .. }
        )
    }

    /// Worth asking again later (or elsewhere): time-outs, SERVFAIL, unreachable servers.
    #[cfg_attr(not(test), allow(dead_code))] // for callers that retry DNS
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            DnsError::Timeout { .. } | DnsError::ServFail { .. } | DnsError::Unreachable { .. }
        )
    }
}

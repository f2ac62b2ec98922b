//! What one look-up found, told apart as RFC 1034 §4.3.1 and RFC 2308 §2.2 do: an answer,
//! NODATA (the name exists, not with that type), NXDOMAIN (the name does not exist), or no
//! verdict at all. A referral (NOERROR, no answer, NS records and no SOA in the authority
//! section) is not NODATA: the server asked does not recurse, or is lame for the zone. It
//! becomes [`DnsError::Referral`], which callers report as "could not check", like SERVFAIL,
//! REFUSED and time-outs.
//!
//! This file only classifies answers; matching a reply to its question is the wire
//! client's job ([`super::wire`]).

use super::DnsError;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{RData, Record, RecordType};

/// A look-up's verdict, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<T> {
    /// Records of the asked type (possibly after a CNAME chain).
    Answer(T),
    /// The name exists but holds no record of that type.
    NoData,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
}

impl<T: Default> Found<T> {
    /// The records, empty for NODATA and NXDOMAIN.
    pub fn records(self) -> T {
        match self {
            Found::Answer(t) => t,
            Found::NoData | Found::NxDomain => T::default(),
        }
    }
}

impl<T> Found<T> {
    /// The same verdict with the answer mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Found<U> {
        match self {
            Found::Answer(t) => Found::Answer(f(t)),
            Found::NoData => Found::NoData,
            Found::NxDomain => Found::NxDomain,
        }
    }
}

/// How an empty answer reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Empty {
    NoData,
    NxDomain,
    /// A referral to these name servers: no verdict.
    Referral(Vec<String>),
}

/// Classify a raw answer (no answer records for the question): NXDOMAIN, NODATA, or a referral (NS in the authority section, no SOA).
pub(crate) fn empty_of_message(
    code: ResponseCode,
    answers: &[Record],
    authorities: &[Record],
) -> Option<Empty> {
    if !answers.is_empty() {
        return None;
    }
    if code == ResponseCode::NXDomain {
        return Some(Empty::NxDomain);
    }
    let soa = authorities
        .iter()
        .any(|r| r.record_type() == RecordType::SOA);
    let ns: Vec<String> = authorities
        .iter()
        .filter_map(|r| match &r.data {
            RData::NS(n) => Some(super::names::text(&n.0)),
            _ => None,
        })
        .collect();
    if !soa && !ns.is_empty() {
        Some(Empty::Referral(ns))
    } else {
        Some(Empty::NoData)
    }
}

/// The error for a referral from `server` about `name`/`rtype`.
pub(crate) fn referral(server: &str, name: &str, rtype: RecordType, to: &[String]) -> DnsError {
    DnsError::Referral {
        server: server.to_string(),
        name: name.trim_end_matches('.').to_ascii_lowercase(),
        rtype,
        to: if to.is_empty() {
            "other servers".into()
        } else {
            to.join(", ")
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::{NS, SOA};
    use hickory_proto::rr::Name;

    fn rec(owner: &str, data: RData) -> Record {
        Record::from_rdata(Name::from_ascii(owner).unwrap(), 300, data)
    }

    fn ns(owner: &str, target: &str) -> Record {
        rec(owner, RData::NS(NS(Name::from_ascii(target).unwrap())))
    }

    fn soa(owner: &str) -> Record {
        let n = |s: &str| Name::from_ascii(s).unwrap();
        rec(
            owner,
            RData::SOA(SOA::new(n("ns.example."), n("h.example."), 1, 2, 3, 4, 5)),
        )
    }

    #[test]
    fn a_referral_is_not_nodata() {
        // NOERROR, no answer, NS and no SOA in the authority section: RFC 2308 §2.2.
        let auth = [ns("example.test.", "ns1.child.test.")];
        assert_eq!(
            empty_of_message(ResponseCode::NoError, &[], &auth),
            Some(Empty::Referral(vec!["ns1.child.test".into()]))
        );
        let e = referral(
            "127.0.0.1:53",
            "Example.TEST.",
            RecordType::MX,
            &["ns1.child.test".into()],
        );
        assert!(e.is_referral());
        assert!(e.to_string().contains("referral to ns1.child.test"), "{e}");
    }

    #[test]
    fn nodata_has_an_soa_or_nothing() {
        let auth = [
            soa("example.test."),
            ns("example.test.", "ns1.example.test."),
        ];
        assert_eq!(
            empty_of_message(ResponseCode::NoError, &[], &auth),
            Some(Empty::NoData)
        );
        assert_eq!(
            empty_of_message(ResponseCode::NoError, &[], &[]),
            Some(Empty::NoData)
        );
    }

    #[test]
    fn nxdomain_is_its_own_verdict() {
        assert_eq!(
            empty_of_message(ResponseCode::NXDomain, &[], &[soa("test.")]),
            Some(Empty::NxDomain)
        );
        assert_eq!(Found::<Vec<u8>>::NxDomain.records(), Vec::<u8>::new());
    }

    #[test]
    fn an_answer_is_not_classified() {
        let answers = [ns("example.test.", "ns1.example.test.")];
        assert_eq!(empty_of_message(ResponseCode::NoError, &answers, &[]), None);
    }
}

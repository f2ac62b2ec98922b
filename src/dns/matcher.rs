//! Whether a DNS reply answers the question we asked (RFC 5452 §9.1): it must come from
//! the address and port the question went to, carry the question's ID, be a response,
//! and repeat the question — name (case-insensitive), type and class — exactly once.
//! Anything else is dropped and counted ([`dropped`]), never used: a forged or stray
//! reply cannot make the agent believe a record is current.
//!
//! Pure and wire-level (bytes in, a parsed message or the reason out), so that the fuzz
//! target and the UDP/TCP code in [`super::wire`] use the same rule.

use hickory_proto::op::{Message, MessageType};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

/// The question a reply must match.
#[derive(Debug, Clone)]
pub struct Expected {
    pub server: SocketAddr,
    pub id: u16,
    pub name: Name,
    pub rtype: RecordType,
    pub class: DNSClass,
}

/// Why a reply was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// It came from another address or port than the question went to.
    Source(SocketAddr),
    /// It does not parse as a DNS message.
    Unparseable(String),
    /// It is a query, not a response.
    NotResponse,
    /// Its ID is not the question's.
    Id(u16),
    /// Its question section is not ours (another name, type or class, or not one question).
    Question(String),
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::Source(from) => write!(f, "it came from {from}, not the server asked"),
            Mismatch::Unparseable(e) => write!(f, "it is not a DNS message ({e})"),
            Mismatch::NotResponse => f.write_str("it is not a response"),
            Mismatch::Id(id) => write!(f, "its ID {id} is not the question's"),
            Mismatch::Question(q) => write!(f, "it answers another question ({q})"),
        }
    }
}

static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many replies this process dropped as not matching their question.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Counts and logs a dropped reply.
pub fn record_drop(expected: &Expected, why: &Mismatch) {
    DROPPED.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(
        "dropped a DNS reply for {} {} from {}: {why}",
        expected.name,
        expected.rtype,
        expected.server
    );
}

/// The reply `bytes` received from `from`, if it answers `expected`.
pub fn match_reply(
    expected: &Expected,
    from: SocketAddr,
    bytes: &[u8],
) -> Result<Message, Mismatch> {
    if !same_source(expected.server, from) {
        return Err(Mismatch::Source(from));
    }
    // The ID is the first two bytes: checked before parsing, so that junk with another
    // ID is told apart from a broken answer to our question.
    if bytes.len() >= 2 && u16::from_be_bytes([bytes[0], bytes[1]]) != expected.id {
        return Err(Mismatch::Id(u16::from_be_bytes([bytes[0], bytes[1]])));
    }
    let msg = Message::from_vec(bytes).map_err(|e| Mismatch::Unparseable(e.to_string()))?;
    if msg.metadata.id != expected.id {
        return Err(Mismatch::Id(msg.metadata.id));
    }
    if msg.metadata.message_type != MessageType::Response {
        return Err(Mismatch::NotResponse);
    }
    match msg.queries.as_slice() {
        [q] if q.query_type() == expected.rtype
            && q.query_class() == expected.class
            && names_equal(q.name(), &expected.name) =>
        {
            Ok(msg)
        }
        [q] => Err(Mismatch::Question(format!(
            "{} {} {}",
            crate::redact::quote(&q.name().to_string(), 80),
            q.query_class(),
            q.query_type()
        ))),
        qs => Err(Mismatch::Question(format!("{} questions", qs.len()))),
    }
}

/// Same address and port; an IPv4-mapped IPv6 source counts as its IPv4 address.
fn same_source(want: SocketAddr, got: SocketAddr) -> bool {
    let canon = |a: SocketAddr| match a {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => a,
        },
        a => a,
    };
    canon(want) == canon(got)
}

fn names_equal(a: &Name, b: &Name) -> bool {
    let norm = |n: &Name| n.to_ascii().trim_end_matches('.').to_ascii_lowercase();
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{OpCode, Query};

    fn expected() -> Expected {
        Expected {
            server: "127.0.0.1:5300".parse().unwrap(),
            id: 4242,
            name: Name::from_ascii("mail.example.com.").unwrap(),
            rtype: RecordType::A,
            class: DNSClass::IN,
        }
    }

    fn reply(id: u16, name: &str, rtype: RecordType, class: DNSClass) -> Vec<u8> {
        let mut m = Message::new(id, MessageType::Response, OpCode::Query);
        let mut q = Query::query(Name::from_ascii(name).unwrap(), rtype);
        q.set_query_class(class);
        m.add_query(q);
        m.to_vec().unwrap()
    }

    #[test]
    fn only_the_answer_to_our_question_is_taken() {
        let e = expected();
        let from = e.server;
        assert!(match_reply(
            &e,
            from,
            &reply(4242, "Mail.Example.COM", RecordType::A, DNSClass::IN)
        )
        .is_ok());
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5300".parse().unwrap();
        assert!(match_reply(
            &e,
            mapped,
            &reply(4242, "mail.example.com", RecordType::A, DNSClass::IN)
        )
        .is_ok());
        let ok = reply(4242, "mail.example.com", RecordType::A, DNSClass::IN);
        assert!(matches!(
            match_reply(&e, "127.0.0.1:5301".parse().unwrap(), &ok),
            Err(Mismatch::Source(_))
        ));
        assert!(matches!(
            match_reply(&e, "127.0.0.2:5300".parse().unwrap(), &ok),
            Err(Mismatch::Source(_))
        ));
        assert_eq!(
            match_reply(
                &e,
                from,
                &reply(4243, "mail.example.com", RecordType::A, DNSClass::IN)
            )
            .unwrap_err(),
            Mismatch::Id(4243)
        );
        for bad in [
            reply(4242, "other.example.com", RecordType::A, DNSClass::IN),
            reply(4242, "mail.example.com", RecordType::AAAA, DNSClass::IN),
            reply(4242, "mail.example.com", RecordType::A, DNSClass::CH),
        ] {
            assert!(matches!(
                match_reply(&e, from, &bad),
                Err(Mismatch::Question(_))
            ));
        }
        let mut none = Message::new(4242, MessageType::Response, OpCode::Query);
        none.metadata.recursion_desired = false;
        assert!(matches!(
            match_reply(&e, from, &none.to_vec().unwrap()),
            Err(Mismatch::Question(_))
        ));
        let mut query = Message::new(4242, MessageType::Query, OpCode::Query);
        query.add_query(Query::query(
            Name::from_ascii("mail.example.com").unwrap(),
            RecordType::A,
        ));
        assert_eq!(
            match_reply(&e, from, &query.to_vec().unwrap()).unwrap_err(),
            Mismatch::NotResponse
        );
        assert!(matches!(
            match_reply(&e, from, &[0x10, 0x92, 0xff]),
            Err(Mismatch::Unparseable(_))
        ));
        assert!(matches!(
            match_reply(&e, from, &[]),
            Err(Mismatch::Unparseable(_))
        ));
    }
}

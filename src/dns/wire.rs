//! One DNS question to one server, answered uncached: over UDP, and again over TCP when
//! the answer comes back truncated. Used where a resolver library is the wrong tool:
//! asking an authoritative server directly (no recursion, no cache, so that polling sees
//! changes at once) and the "what is my address" services (CHAOS-class TXT included).

use super::matcher::{self, Expected, Mismatch};
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("{}", rust_i18n::t!("err.dns.wire", v = .0))]
    BadName(String),
    #[error("{}", rust_i18n::t!("err.dns.wire.2", server = .server, timeout = format!("{:?}", .timeout)))]
    Timeout {
        server: SocketAddr,
        timeout: Duration,
    },
    #[error("{}", rust_i18n::t!("err.dns.wire.3", server = .server, source = .source))]
    Io {
        server: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", rust_i18n::t!("err.dns.wire.4", server = .server, detail = .detail))]
    Malformed { server: SocketAddr, detail: String },
    /// Only replies that did not answer the question arrived (RFC 5452): no answer.
    #[error("{}", rust_i18n::t!("err.dns.wire.5", server = .server, detail = .detail))]
    Mismatched { server: SocketAddr, detail: String },
}

/// What to ask.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    pub name: &'a str,
    pub rtype: RecordType,
    pub class: DNSClass,
    /// Set RD: true for a recursive resolver, false for an authoritative server.
    pub recursion: bool,
}

/// Ask `server` one question. The caller looks at the response code and sections.
pub async fn query(
    server: SocketAddr,
    q: &Question<'_>,
    timeout: Duration,
) -> Result<Message, WireError> {
    let name = Name::from_ascii(q.name).map_err(|_| WireError::BadName(q.name.to_string()))?;
    let mut query = Query::query(name, q.rtype);
    query.set_query_class(q.class);
    let id: u16 = rand::random();
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = q.recursion;
    msg.add_query(query);
    let bytes = msg.to_vec().map_err(|e| WireError::Malformed {
        server,
        detail: e.to_string(),
    })?;

    let expected = Expected {
        server,
        id,
        name: msg.queries[0].name().clone(),
        rtype: q.rtype,
        class: q.class,
    };
    // The last reply dropped as not ours, to explain a time-out.
    let mut dropped: Option<(u32, Mismatch)> = None;
    let answer = tokio::time::timeout(timeout, udp(&expected, &bytes, &mut dropped)).await;
    let answer = match answer {
        Ok(r) => r?,
        Err(_) => {
            return Err(match dropped {
                None => WireError::Timeout { server, timeout },
                Some((n, why)) => WireError::Mismatched {
                    server,
                    detail: format!(
                        "within {timeout:?} only {n} repl{} that did not match the question arrived and {} dropped (last: {why})",
                        if n == 1 { "y" } else { "ies" },
                        if n == 1 { "was" } else { "were" }
                    ),
                },
            })
        }
    };
    if !answer.metadata.truncation {
        return Ok(answer);
    }
    tokio::time::timeout(timeout, tcp(&expected, &bytes))
        .await
        .map_err(|_| WireError::Timeout { server, timeout })?
}

async fn udp(
    expected: &Expected,
    bytes: &[u8],
    dropped: &mut Option<(u32, Mismatch)>,
) -> Result<Message, WireError> {
    let server = expected.server;
    let io = |source| WireError::Io { server, source };
    let bind: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .map_err(|_| WireError::Malformed {
        server,
        detail: "bad bind address".into(),
    })?;
    let sock = UdpSocket::bind(bind).await.map_err(io)?;
    sock.connect(server).await.map_err(io)?;
    sock.send(bytes).await.map_err(io)?;
    let mut buf = vec![0u8; 4096];
    loop {
        // The socket is connected, so the kernel already drops other sources; the
        // matcher checks again and also checks the ID and the question.
        let (n, from) = sock.recv_from(&mut buf).await.map_err(io)?;
        match matcher::match_reply(expected, from, &buf[..n]) {
            Ok(m) => return Ok(m),
            Err(why) => {
                // Dropped, counted, and the wait goes on for the real answer.
                matcher::record_drop(expected, &why);
                let count = dropped.as_ref().map_or(0, |(c, _)| *c) + 1;
                *dropped = Some((count, why));
            }
        }
    }
}

async fn tcp(expected: &Expected, bytes: &[u8]) -> Result<Message, WireError> {
    let server = expected.server;
    let io = |source| WireError::Io { server, source };
    let mut s = TcpStream::connect(server).await.map_err(io)?;
    s.set_nodelay(true).map_err(io)?;
    let len = u16::try_from(bytes.len()).map_err(|_| WireError::Malformed {
        server,
        detail: "query too long".into(),
    })?;
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(bytes);
    s.write_all(&framed).await.map_err(io)?;
    let mut lenbuf = [0u8; 2];
    s.read_exact(&mut lenbuf).await.map_err(io)?;
    let mut buf = vec![0u8; u16::from_be_bytes(lenbuf) as usize];
    s.read_exact(&mut buf).await.map_err(io)?;
    let from = s.peer_addr().map_err(io)?;
    // Over TCP as over UDP: the ID and the question must be ours (RFC 5452 §9.1). One
    // stream carries one question, so a reply that is not its answer ends it.
    matcher::match_reply(expected, from, &buf).map_err(|why| {
        matcher::record_drop(expected, &why);
        match why {
            Mismatch::Unparseable(detail) => WireError::Malformed { server, detail },
            why => WireError::Mismatched {
                server,
                detail: format!("the reply over TCP was dropped: {why}"),
            },
        }
    })
}

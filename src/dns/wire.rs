//! One DNS question to one server, answered uncached: over UDP, and again over TCP when
//! the answer comes back truncated. Used where a resolver library is the wrong tool:
//! asking an authoritative server directly (no recursion, no cache, so that polling sees
//! changes at once) and the "what is my address" services (CHAOS-class TXT included).

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("{0} is not a valid DNS name")]
    BadName(String),
    #[error("no answer from {server} within {timeout:?}")]
    Timeout {
        server: SocketAddr,
        timeout: Duration,
    },
    #[error("could not reach {server}: {source}")]
    Io {
        server: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("unreadable answer from {server}: {detail}")]
    Malformed { server: SocketAddr, detail: String },
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

    let answer = tokio::time::timeout(timeout, udp(server, &bytes, id))
        .await
        .map_err(|_| WireError::Timeout { server, timeout })??;
    if !answer.metadata.truncation {
        return Ok(answer);
    }
    tokio::time::timeout(timeout, tcp(server, &bytes))
        .await
        .map_err(|_| WireError::Timeout { server, timeout })?
}

async fn udp(server: SocketAddr, bytes: &[u8], id: u16) -> Result<Message, WireError> {
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
        let n = sock.recv(&mut buf).await.map_err(io)?;
        match Message::from_vec(&buf[..n]) {
            // Ignore stray datagrams that are not the answer to this question.
            Ok(m) if m.metadata.id == id && m.metadata.message_type == MessageType::Response => {
                return Ok(m)
            }
            Ok(_) => continue,
            Err(e) => {
                return Err(WireError::Malformed {
                    server,
                    detail: e.to_string(),
                })
            }
        }
    }
}

async fn tcp(server: SocketAddr, bytes: &[u8]) -> Result<Message, WireError> {
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
    Message::from_vec(&buf).map_err(|e| WireError::Malformed {
        server,
        detail: e.to_string(),
    })
}

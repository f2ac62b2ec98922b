//! The wire: DNS messages to one server over UDP (TCP when the answer is truncated or
//! the message is large, RFC 1035 §4.2), every message signed with TSIG (RFC 8945) and
//! every signed answer checked. One method per kind of exchange.

use super::errors;
use super::key::{Algorithm, TsigKey};
use crate::error::{ErrorKind, ProviderError};
use crate::http::ApiCounters;
use hickory_proto::op::{Header, Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::tsig::{make_tsig_record, message_tbs, TsigAlgorithm, TSIG};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};
use hmac::{Hmac, Mac};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::PROVIDER;

/// Messages above this go over TCP (RFC 1035 §4.2.1: 512 bytes without EDNS).
const UDP_MAX: usize = 512;

/// The time window a signature is valid in, seconds (RFC 8945 §5.2.3 recommends 300).
const FUDGE: u16 = 300;

/// An AXFR stops after this many answer messages or records (bodies capped, as for HTTP).
const AXFR_MAX_RECORDS: usize = 100_000;

#[derive(Debug)]
pub struct Client {
    /// `host:port` as configured.
    server: String,
    key: TsigKey,
    /// The decoded secret, or why it cannot be (the configuration checks it first).
    key_bytes: Result<Vec<u8>, String>,
    counters: Arc<ApiCounters>,
    timeout: Duration,
    /// Seconds added to the clock when signing (tests of BADTIME only).
    skew: i64,
}

/// A signed exchange's answer, TSIG checked.
pub struct Answer {
    pub message: Message,
}

impl Client {
    pub fn new(
        server: String,
        key: TsigKey,
        counters: Arc<ApiCounters>,
        timeout: Duration,
    ) -> Client {
        let key_bytes = key.bytes();
        Client {
            server,
            key,
            key_bytes,
            counters,
            timeout,
            skew: 0,
        }
    }

    fn key_bytes(&self) -> Result<&[u8], ProviderError> {
        self.key_bytes.as_deref().map_err(|e| {
            ProviderError::new(PROVIDER, ErrorKind::Auth, e.clone())
                .with_hint(rust_i18n::t!("rfc2136.secret.hint"))
        })
    }

    /// Sign with a clock `secs` off (tests of the server's BADTIME answer).
    #[doc(hidden)]
    pub fn with_clock_skew(mut self, secs: i64) -> Client {
        self.skew = secs;
        self
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    pub fn key(&self) -> &TsigKey {
        &self.key
    }

    fn now(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0) as i64;
        (now + self.skew).max(0) as u64
    }

    async fn addr(&self) -> Result<SocketAddr, ProviderError> {
        let mut addrs = tokio::net::lookup_host(self.server.as_str())
            .await
            .map_err(|e| {
                ProviderError::new(
                    PROVIDER,
                    ErrorKind::Transient,
                    format!("cannot resolve the server {}: {e}", self.server),
                )
            })?;
        addrs.next().ok_or_else(|| {
            ProviderError::new(
                PROVIDER,
                ErrorKind::Transient,
                format!("the server name {} has no address", self.server),
            )
        })
    }

    /// A question (RFC 1035 §4.1.2) for `name`/`rtype`, signed.
    /// <https://www.rfc-editor.org/rfc/rfc1035#section-4.1>
    pub async fn query(&self, name: &Name, rtype: RecordType) -> Result<Answer, ProviderError> {
        let mut m = Message::query();
        m.metadata.id = rand::random();
        m.metadata.recursion_desired = false;
        m.add_query(Query::query(name.clone(), rtype));
        self.exchange(m, false).await
    }

    /// An UPDATE (RFC 2136 §2) of `zone`: prerequisites, then updates, signed.
    /// <https://www.rfc-editor.org/rfc/rfc2136#section-2>
    pub async fn update(
        &self,
        zone: &Name,
        prerequisites: Vec<Record>,
        updates: Vec<Record>,
    ) -> Result<Answer, ProviderError> {
        let mut m = Message::new(rand::random(), MessageType::Query, OpCode::Update);
        m.add_query(Query::query(zone.clone(), RecordType::SOA));
        m.add_answers(prerequisites);
        m.add_authorities(updates);
        self.exchange(m, true).await
    }

    /// A zone transfer (RFC 5936) of `zone` over TCP, signed: every record, the SOA
    /// first and last. <https://www.rfc-editor.org/rfc/rfc5936>
    pub async fn axfr(&self, zone: &Name) -> Result<Vec<Record>, ProviderError> {
        let mut m = Message::query();
        m.metadata.id = rand::random();
        m.add_query(Query::query(zone.clone(), RecordType::AXFR));
        let (bytes, request_mac) = self.sign(&mut m)?;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.axfr_inner(&bytes, &request_mac, m.metadata.id).await;
        if result.is_err() {
            self.counters.failures.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    async fn axfr_inner(
        &self,
        request: &[u8],
        request_mac: &[u8],
        id: u16,
    ) -> Result<Vec<Record>, ProviderError> {
        let addr = self.addr().await?;
        let io = |e: std::io::Error| transport(&self.server, "zone transfer", e, false);
        let work = async {
            let mut tcp = tokio::net::TcpStream::connect(addr).await.map_err(io)?;
            write_tcp(&mut tcp, request).await.map_err(io)?;
            let mut records = Vec::new();
            let mut prev_mac = request_mac.to_vec();
            let mut soas = 0;
            for index in 0.. {
                let bytes = read_tcp(&mut tcp).await.map_err(io)?;
                let msg = decode(&bytes)?;
                if msg.metadata.id != id {
                    return Err(errors::protocol("a zone transfer answer with another id"));
                }
                if msg.metadata.response_code != hickory_proto::op::ResponseCode::NoError {
                    return Err(errors::rcode(&msg, &self.key, self.now(), "transfer"));
                }
                if tsig_of(&msg).is_some() {
                    prev_mac = self.verify(&bytes, &prev_mac, index == 0)?;
                } else if index == 0 {
                    return Err(errors::unsigned_answer(&self.server));
                }
                for r in msg.answers {
                    if r.record_type() == RecordType::SOA {
                        soas += 1;
                    }
                    records.push(r);
                }
                if soas >= 2 || records.len() > AXFR_MAX_RECORDS {
                    break;
                }
            }
            Ok(records)
        };
        tokio::time::timeout(self.timeout * 4, work)
            .await
            .map_err(|_| timeout(&self.server, "zone transfer", false))?
    }

    /// Sign `m` (RFC 8945 §4) and encode it: the bytes to send and the request MAC.
    fn sign(&self, m: &mut Message) -> Result<(Vec<u8>, Vec<u8>), ProviderError> {
        let key_name = Name::from_ascii(format!("{}.", self.key.name)).map_err(|e| {
            ProviderError::new(
                PROVIDER,
                ErrorKind::Auth,
                format!(
                    "the TSIG key name \"{}\" is not a DNS name ({e})",
                    self.key.name
                ),
            )
        })?;
        let stub = TSIG::new(
            wire_algorithm(self.key.algorithm),
            self.now(),
            FUDGE,
            Vec::new(),
            m.metadata.id,
            None,
            Vec::new(),
        );
        let tbs = message_tbs(&*m, &stub, &key_name).map_err(|e| encode_error(&e))?;
        let mac = hmac_of(self.key.algorithm, self.key_bytes()?, &tbs);
        m.signature = Some(Box::new(make_tsig_record(
            key_name,
            stub.set_mac(mac.clone()),
        )));
        let bytes = m.to_vec().map_err(|e| encode_error(&e))?;
        Ok((bytes, mac))
    }

    /// Check the TSIG of an answer (RFC 8945 §5.3.2 with §4.3.3 for later messages of a
    /// transfer): returns its MAC for the next message.
    fn verify(&self, bytes: &[u8], prev_mac: &[u8], first: bool) -> Result<Vec<u8>, ProviderError> {
        let (tbs, key_name, tsig) =
            signed_tbs(bytes, prev_mac, first).map_err(|e| errors::protocol(&e))?;
        if super::types::fqdn(&key_name) != self.key.name
            || tsig.algorithm != wire_algorithm(self.key.algorithm)
        {
            return Err(errors::bad_answer_signature(
                &self.server,
                "it is signed with another key",
            ));
        }
        let key = self.key_bytes()?;
        let ok = match self.key.algorithm {
            Algorithm::HmacSha1 => mac_ok::<Hmac<sha1::Sha1>>(key, &tbs, &tsig.mac),
            Algorithm::HmacSha256 => mac_ok::<Hmac<sha2::Sha256>>(key, &tbs, &tsig.mac),
            Algorithm::HmacSha512 => mac_ok::<Hmac<sha2::Sha512>>(key, &tbs, &tsig.mac),
        };
        if !ok {
            return Err(errors::bad_answer_signature(
                &self.server,
                "its MAC does not match the key",
            ));
        }
        Ok(tsig.mac)
    }

    /// Send `m` signed and read the answer: UDP first (TCP when the answer is truncated),
    /// TCP straight away when the message is larger than a UDP message may be.
    async fn exchange(&self, mut m: Message, is_write: bool) -> Result<Answer, ProviderError> {
        let id = m.metadata.id;
        let (bytes, mac) = self.sign(&mut m)?;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.exchange_inner(&bytes, &mac, id, is_write).await;
        match &result {
            Ok(a)
                if a.message.metadata.response_code == hickory_proto::op::ResponseCode::NoError => {
            }
            _ => {
                self.counters.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    async fn exchange_inner(
        &self,
        bytes: &[u8],
        mac: &[u8],
        id: u16,
        is_write: bool,
    ) -> Result<Answer, ProviderError> {
        let addr = self.addr().await?;
        let what = if is_write { "update" } else { "query" };
        let mut answer = None;
        if bytes.len() <= UDP_MAX {
            let raw = tokio::time::timeout(self.timeout, udp(addr, bytes, id))
                .await
                .map_err(|_| timeout(&self.server, what, is_write))?
                .map_err(|e| transport(&self.server, what, e, is_write))?;
            answer = Some(raw);
        }
        let raw = match answer {
            Some(raw) if !decode(&raw)?.metadata.truncation => raw,
            _ => tokio::time::timeout(self.timeout, tcp(addr, bytes))
                .await
                .map_err(|_| timeout(&self.server, what, is_write))?
                .map_err(|e| transport(&self.server, what, e, is_write))?,
        };
        let message = decode(&raw)?;
        if message.metadata.id != id {
            return Err(errors::protocol("an answer with another message id"));
        }
        if let Some((_, sig)) = tsig_of(&message) {
            if sig.error.is_some() || sig.mac.is_empty() {
                // BADSIG/BADKEY answers are unsigned; BADTIME ones carry the server's time.
                return Err(errors::rcode(&message, &self.key, self.now(), what));
            }
            self.verify(&raw, mac, true)?;
        } else if message.metadata.response_code == hickory_proto::op::ResponseCode::NoError {
            return Err(errors::unsigned_answer(&self.server));
        }
        Ok(Answer { message })
    }
}

/// The TSIG algorithm's wire name.
fn wire_algorithm(a: Algorithm) -> TsigAlgorithm {
    match a {
        Algorithm::HmacSha1 => TsigAlgorithm::HmacSha1,
        Algorithm::HmacSha256 => TsigAlgorithm::HmacSha256,
        Algorithm::HmacSha512 => TsigAlgorithm::HmacSha512,
    }
}

/// HMAC of `data` (hickory signs SHA-256/384/512 only; hmac-sha1 old servers need too).
pub fn hmac_of(a: Algorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length: new_from_slice cannot fail for it.
        let mut m = <M as hmac::digest::KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        m.update(data);
        m.finalize().into_bytes().to_vec()
    }
    match a {
        Algorithm::HmacSha1 => run::<Hmac<sha1::Sha1>>(key, data),
        Algorithm::HmacSha256 => run::<Hmac<sha2::Sha256>>(key, data),
        Algorithm::HmacSha512 => run::<Hmac<sha2::Sha512>>(key, data),
    }
}

fn mac_ok<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    match <M as hmac::digest::KeyInit>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.verify_slice(tag).is_ok()
        }
        Err(_) => false,
    }
}

/// The bytes an answer's MAC covers (RFC 8945 §4.3.3), its key name and TSIG. Follows
/// hickory-proto's `signed_bitmessage_to_buf` (which needs its dnssec feature and has no
/// hmac-sha1): the answer's own bytes up to its TSIG record, with ARCOUNT one less and
/// the original id, after the request's MAC.
pub fn signed_tbs(
    message: &[u8],
    prev_mac: &[u8],
    first: bool,
) -> Result<(Vec<u8>, Name, TSIG), String> {
    let mut decoder = BinDecoder::new(message);
    let Header {
        mut metadata,
        mut counts,
    } = Header::read(&mut decoder).map_err(|e| e.to_string())?;
    if counts.additionals == 0 {
        return Err("the answer carries no TSIG record".into());
    }
    counts.additionals -= 1;
    let start = message.len() - decoder.len();
    for _ in 0..counts.queries {
        Query::read(&mut decoder).map_err(|e| e.to_string())?;
    }
    let n = counts.answers as usize + counts.authorities as usize;
    Message::read_records(&mut decoder, n, false, metadata.op_code).map_err(|e| e.to_string())?;
    Message::read_records(
        &mut decoder,
        counts.additionals as usize,
        true,
        metadata.op_code,
    )
    .map_err(|e| e.to_string())?;
    let end = message.len() - decoder.len();
    let (records, _, sig) = Message::read_records(&mut decoder, 1, true, metadata.op_code)
        .map_err(|e| e.to_string())?;
    // hickory sets the TSIG apart only with its dnssec feature; without it the record is
    // the last additional one.
    let sig = match sig {
        Some(s) => (s.name.clone(), s.data.clone()),
        None => match records.into_iter().next() {
            Some(Record {
                name,
                data: RData::TSIG(t),
                ..
            }) => (name, t),
            _ => return Err("the last record of the answer is not its TSIG".into()),
        },
    };
    let (sig_name, sig_data) = sig;
    metadata.id = sig_data.oid;
    let mut buf = Vec::with_capacity(message.len() + 64);
    let mut enc = BinEncoder::new(&mut buf);
    let e = |e: hickory_proto::ProtoError| e.to_string();
    enc.emit_u16(prev_mac.len() as u16).map_err(e)?;
    enc.emit_vec(prev_mac).map_err(e)?;
    Header { metadata, counts }.emit(&mut enc).map_err(e)?;
    enc.emit_vec(&message[start..end]).map_err(e)?;
    if first {
        sig_data.emit_tsig_for_mac(&mut enc, &sig_name).map_err(e)?;
    } else {
        enc.emit_u16((sig_data.time >> 32) as u16).map_err(e)?;
        enc.emit_u32(sig_data.time as u32).map_err(e)?;
        enc.emit_u16(sig_data.fudge).map_err(e)?;
    }
    Ok((buf, sig_name, sig_data))
}

/// The TSIG of a message: hickory's `signature` (dnssec feature) or its last
/// additional record.
pub fn tsig_of(m: &Message) -> Option<(&Name, &TSIG)> {
    if let Some(s) = m.signature() {
        return Some((&s.name, &s.data));
    }
    match m.additionals.last() {
        Some(Record {
            name,
            data: RData::TSIG(t),
            ..
        }) => Some((name, t)),
        _ => None,
    }
}

/// Parse an answer (the fuzz target's entry point).
pub fn decode(bytes: &[u8]) -> Result<Message, ProviderError> {
    Message::from_vec(bytes)
        .map_err(|e| errors::protocol(&format!("the answer is not a DNS message ({e})")))
}

async fn udp(addr: SocketAddr, bytes: &[u8], id: u16) -> std::io::Result<Vec<u8>> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = tokio::net::UdpSocket::bind(local).await?;
    sock.connect(addr).await?;
    sock.send(bytes).await?;
    let mut buf = vec![0u8; 65535];
    loop {
        let n = sock.recv(&mut buf).await?;
        // Answers to other ids (late, spoofed) are dropped; the timeout bounds the wait.
        if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
            buf.truncate(n);
            return Ok(buf);
        }
    }
}

async fn tcp(addr: SocketAddr, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    write_tcp(&mut s, bytes).await?;
    read_tcp(&mut s).await
}

async fn write_tcp(s: &mut tokio::net::TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(bytes.len())
        .map_err(|_| std::io::Error::other("a DNS message over 65535 bytes"))?;
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    s.write_all(&out).await
}

async fn read_tcp(s: &mut tokio::net::TcpStream) -> std::io::Result<Vec<u8>> {
    let len = s.read_u16().await? as usize;
    let mut buf = vec![0u8; len];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

fn encode_error(e: &hickory_proto::ProtoError) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Invalid,
        format!("cannot encode the DNS message: {e}"),
    )
}

fn transport(server: &str, what: &str, e: std::io::Error, is_write: bool) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Transient,
        format!("{what} to {server} failed: {e}"),
    )
    .with_hint(rust_i18n::t!("rfc2136.server_down.hint"))
    .maybe_applied(is_write)
}

fn timeout(server: &str, what: &str, is_write: bool) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Transient,
        format!("{server} did not answer the {what} in time"),
    )
    .with_hint(rust_i18n::t!("rfc2136.ports.hint"))
    .maybe_applied(is_write)
}

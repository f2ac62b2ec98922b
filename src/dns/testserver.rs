//! A small DNS server for tests, on 127.0.0.1 (UDP): a map of (name, type) -> records for
//! a set of zones, each with its SOA. Names outside the zones are REFUSED; missing names
//! are NXDOMAIN, missing types NODATA, both with the zone's SOA; CNAMEs are followed
//! inside the served zones. A record set can be changed after a number of queries (to
//! test polling), and a name can be made to answer SERVFAIL. The same port serves TCP;
//! the server can be told to truncate every UDP answer (so that TCP is asked), to send a
//! forged reply (another ID) before each real one, or to answer nothing at all.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{CNAME, MX, NS, PTR, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

type Key = (String, RecordType);

#[derive(Default)]
struct State {
    zones: Vec<String>,
    records: HashMap<Key, Vec<RData>>,
    servfail: HashSet<String>,
    /// (after this many queries, key, new records)
    changes: Vec<(u32, Key, Vec<RData>)>,
    queries: u32,
    /// UDP answers carry TC and no records.
    truncate: bool,
    /// A reply with another ID (and a false address) goes out before each real UDP one.
    forge: bool,
    /// No question is answered.
    silent: bool,
    /// Questions received over TCP.
    tcp_queries: u32,
}

/// A running test server; stops when dropped.
pub struct TestDns {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
    tcp_task: tokio::task::JoinHandle<()>,
}

impl Drop for TestDns {
    fn drop(&mut self) {
        self.task.abort();
        self.tcp_task.abort();
    }
}

fn norm(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn name(s: &str) -> Name {
    let mut n = Name::from_ascii(s).unwrap();
    n.set_fqdn(true);
    n
}

pub fn a(ip: &str) -> RData {
    RData::A(ip.parse::<std::net::Ipv4Addr>().unwrap().into())
}
pub fn aaaa(ip: &str) -> RData {
    RData::AAAA(ip.parse::<std::net::Ipv6Addr>().unwrap().into())
}
pub fn cname(target: &str) -> RData {
    RData::CNAME(CNAME(name(target)))
}
pub fn mx(pref: u16, host: &str) -> RData {
    RData::MX(MX::new(pref, name(host)))
}
pub fn ns(host: &str) -> RData {
    RData::NS(NS(name(host)))
}
pub fn ptr(host: &str) -> RData {
    RData::PTR(PTR(name(host)))
}
pub fn txt(strings: &[&str]) -> RData {
    RData::TXT(TXT::new(strings.iter().map(|s| s.to_string()).collect()))
}

impl TestDns {
    /// Serve `zones` (apex names) on 127.0.0.1 at an ephemeral port, UDP and TCP.
    pub async fn start(zones: &[&str]) -> TestDns {
        // The same port for both: a UDP port whose TCP twin is free.
        let (sock, listener) = loop {
            let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            if let Ok(l) = TcpListener::bind(sock.local_addr().unwrap()).await {
                break (sock, l);
            }
        };
        let addr = sock.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            zones: zones.iter().map(|z| norm(z)).collect(),
            ..State::default()
        }));
        let st = state.clone();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let (silent, truncate, forge) = {
                    let s = st.lock().unwrap();
                    (s.silent, s.truncate, s.forge)
                };
                if silent {
                    continue;
                }
                let mut response = answer(&st, &query);
                if forge {
                    let mut fake = response.clone();
                    fake.metadata.id = query.metadata.id.wrapping_add(1);
                    fake.answers.clear();
                    if let Some(q) = query.queries.first() {
                        fake.add_answer(Record::from_rdata(q.name().clone(), 0, a("192.0.2.66")));
                    }
                    if let Ok(bytes) = fake.to_vec() {
                        let _ = sock.send_to(&bytes, peer).await;
                    }
                }
                if truncate {
                    response.metadata.truncation = true;
                    response.answers.clear();
                    response.authorities.clear();
                }
                if let Ok(bytes) = response.to_vec() {
                    let _ = sock.send_to(&bytes, peer).await;
                }
            }
        });
        let st = state.clone();
        let tcp_task = tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    continue;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let mut len = [0u8; 2];
                    if s.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
                    if s.read_exact(&mut buf).await.is_err() {
                        return;
                    }
                    let Ok(query) = Message::from_vec(&buf) else {
                        return;
                    };
                    st.lock().unwrap().tcp_queries += 1;
                    let Ok(bytes) = answer(&st, &query).to_vec() else {
                        return;
                    };
                    let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
                    framed.extend_from_slice(&bytes);
                    let _ = s.write_all(&framed).await;
                });
            }
        });
        TestDns {
            addr,
            state,
            task,
            tcp_task,
        }
    }

    /// Truncate every UDP answer (TC set, no records): the full answer is only over TCP.
    pub fn truncate(&self) {
        self.state.lock().unwrap().truncate = true;
    }

    /// Send a forged reply (another ID, a false address) before each real UDP answer.
    pub fn forge(&self) {
        self.state.lock().unwrap().forge = true;
    }

    /// Answer nothing from now on.
    pub fn silence(&self) {
        self.state.lock().unwrap().silent = true;
    }

    /// Questions answered so far (UDP and TCP).
    pub fn queries(&self) -> u32 {
        self.state.lock().unwrap().queries
    }

    /// Questions received over TCP so far.
    pub fn tcp_queries(&self) -> u32 {
        self.state.lock().unwrap().tcp_queries
    }

    /// Add one record.
    pub fn add(&self, owner: &str, data: RData) {
        let key = (norm(owner), data.record_type());
        self.state
            .lock()
            .unwrap()
            .records
            .entry(key)
            .or_default()
            .push(data);
    }

    /// Replace the records of one type at `owner` (empty: remove them).
    pub fn set(&self, owner: &str, rtype: RecordType, data: Vec<RData>) {
        self.state
            .lock()
            .unwrap()
            .records
            .insert((norm(owner), rtype), data);
    }

    /// As [`set`](Self::set), once this server has answered `queries` more questions.
    pub fn set_after(&self, queries: u32, owner: &str, rtype: RecordType, data: Vec<RData>) {
        let mut st = self.state.lock().unwrap();
        let at = st.queries + queries;
        st.changes.push((at, (norm(owner), rtype), data));
    }

    /// Answer SERVFAIL to every question about `owner`.
    pub fn servfail(&self, owner: &str) {
        self.state.lock().unwrap().servfail.insert(norm(owner));
    }
}

fn answer(state: &Mutex<State>, query: &Message) -> Message {
    let mut st = state.lock().unwrap();
    st.queries += 1;
    let now = st.queries;
    let due: Vec<_> = st.changes.iter().filter(|c| c.0 < now).cloned().collect();
    st.changes.retain(|c| c.0 >= now);
    for (_, key, data) in due {
        st.records.insert(key, data);
    }

    let mut resp = Message::new(
        query.metadata.id,
        MessageType::Response,
        query.metadata.op_code,
    );
    resp.metadata.recursion_desired = query.metadata.recursion_desired;
    resp.metadata.recursion_available = true;
    let Some(q) = query.queries.first() else {
        resp.metadata.response_code = ResponseCode::FormErr;
        return resp;
    };
    resp.add_query(q.clone());
    let qtype = q.query_type();
    let mut current = norm(&q.name().to_ascii());
    if st.servfail.contains(&current) {
        resp.metadata.response_code = ResponseCode::ServFail;
        return resp;
    }
    if zone_of(&st, &current).is_none() {
        resp.metadata.response_code = ResponseCode::Refused;
        return resp;
    }
    resp.metadata.authoritative = true;
    let mut seen = HashSet::new();
    loop {
        let Some(zone) = zone_of(&st, &current) else {
            // A CNAME target outside our zones: the answer so far is all we know.
            return resp;
        };
        if !seen.insert(current.clone()) {
            return resp;
        }
        if qtype == RecordType::SOA && current == zone {
            resp.add_answer(soa(&zone));
            return resp;
        }
        if let Some(data) = st
            .records
            .get(&(current.clone(), qtype))
            .filter(|d| !d.is_empty())
        {
            for d in data {
                resp.add_answer(Record::from_rdata(name(&current), 0, d.clone()));
            }
            return resp;
        }
        let alias = st
            .records
            .get(&(current.clone(), RecordType::CNAME))
            .and_then(|d| d.first().cloned());
        match alias {
            Some(RData::CNAME(target)) if qtype != RecordType::CNAME => {
                resp.add_answer(Record::from_rdata(
                    name(&current),
                    0,
                    RData::CNAME(target.clone()),
                ));
                current = norm(&target.0.to_ascii());
            }
            _ => {
                let exists = current == zone
                    || st.records.iter().any(|((n, _), d)| {
                        !d.is_empty() && (*n == current || n.ends_with(&format!(".{current}")))
                    });
                if !exists {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
                resp.add_authority(soa(&zone));
                return resp;
            }
        }
    }
}

/// The longest served zone holding `n`.
fn zone_of(st: &State, n: &str) -> Option<String> {
    st.zones
        .iter()
        .filter(|z| n == z.as_str() || n.ends_with(&format!(".{z}")))
        .max_by_key(|z| z.len())
        .cloned()
}

fn soa(zone: &str) -> Record {
    let data = SOA::new(
        name(&format!("ns1.{zone}")),
        name(&format!("hostmaster.{zone}")),
        1,
        3600,
        600,
        86400,
        0,
    );
    Record::from_rdata(name(zone), 0, RData::SOA(data))
}

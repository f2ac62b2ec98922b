//! Tiny blocking HTTP and DNS clients for the tests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};
use serde_json::Value;

/// One HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The first error code of a Cloudflare envelope.
    pub fn cf_code(&self) -> i64 {
        let j = self.json();
        assert_eq!(j["success"], false, "{}", self.body);
        assert!(j["result"].is_null());
        assert!(j["messages"].is_array());
        j["errors"][0]["code"].as_i64().unwrap()
    }
}

/// Sends one request (`Connection: close`) and reads the whole answer. `Err` when the
/// connection ends without a complete answer.
pub fn try_request(
    url: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Resp, String> {
    let rest = url.strip_prefix("http://").expect("http:// URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // `Host` and `Content-Type` given in `headers` replace the defaults.
    let given = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !given("host") {
        req.push_str(&format!("Host: {host}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        if !given("content-type") {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no complete answer: {text:?}"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or("no status line")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Resp {
        status,
        headers,
        body: body.to_string(),
    })
}

pub fn request(url: &str, method: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
    try_request(url, method, headers, body).unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// A Cloudflare client with a bearer token.
pub struct Cf {
    pub base: String,
    pub token: String,
}

impl Cf {
    pub fn new(base: String, token: &str) -> Self {
        Cf {
            base,
            token: token.to_string(),
        }
    }
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        let auth = format!("Bearer {}", self.token);
        request(
            &format!("{}{path}", self.base),
            method,
            &[("Authorization", &auth)],
            body,
        )
    }
    pub fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }
    /// The id of zone `name`.
    pub fn zone_id(&self, name: &str) -> String {
        let r = self.get(&format!("/zones?name={name}"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["result"][0]["id"].as_str().unwrap().to_string()
    }
}

/// One DNS question; `Err` on timeout.
pub struct Ask {
    pub class: DNSClass,
    pub tcp: bool,
    pub rd: bool,
    pub edns: bool,
}

impl Default for Ask {
    fn default() -> Self {
        Ask {
            class: DNSClass::IN,
            tcp: false,
            rd: false,
            edns: false,
        }
    }
}

pub fn try_dns(
    addr: SocketAddr,
    name: &str,
    rtype: RecordType,
    ask: Ask,
) -> std::io::Result<Message> {
    let mut q = Query::query(Name::from_ascii(name).unwrap(), rtype);
    q.set_query_class(ask.class);
    let mut m = Message::new(0x4242, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = ask.rd;
    m.add_query(q);
    if ask.edns {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        m.set_edns(e);
    }
    let wire = m.to_vec().unwrap();
    let answer = if ask.tcp {
        let mut s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut framed = (wire.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&wire);
        s.write_all(&framed)?;
        let mut len = [0u8; 2];
        s.read_exact(&mut len)?;
        let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
        s.read_exact(&mut buf)?;
        buf
    } else {
        let local: SocketAddr = if addr.is_ipv6() {
            "[::1]:0"
        } else {
            "127.0.0.1:0"
        }
        .parse()
        .unwrap();
        let s = UdpSocket::bind(local)?;
        s.set_read_timeout(Some(Duration::from_millis(1500)))?;
        s.send_to(&wire, addr)?;
        let mut buf = vec![0u8; 4096];
        let n = s.recv(&mut buf)?;
        buf.truncate(n);
        buf
    };
    let msg = Message::from_vec(&answer).unwrap();
    assert_eq!(msg.metadata.id, 0x4242);
    Ok(msg)
}

pub fn dns(addr: SocketAddr, name: &str, rtype: RecordType) -> Message {
    try_dns(addr, name, rtype, Ask::default()).unwrap()
}

/// Answer section as (owner, type, rdata text); TXT data is its strings concatenated.
pub fn answers(m: &Message) -> Vec<(String, String, String)> {
    m.answers
        .iter()
        .map(|r| {
            let data = match &r.data {
                RData::TXT(t) => t
                    .txt_data
                    .iter()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect(),
                other => other.to_string(),
            };
            (r.name.to_string(), r.record_type().to_string(), data)
        })
        .collect()
}

//! The authoritative DNS server over the store (hickory-server 0.26), UDP and TCP on the same
//! loopback port, with the DNS fault rules and query log.

mod answer;
mod signed;
#[cfg(test)]
mod tests;
pub(crate) mod tsig;
mod update;

use std::io;
use std::iter;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{
    Edns, Header, HeaderCounts, Message, MessageType, Metadata, OpCode, ResponseCode,
};
use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use hickory_server::Server;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::watch;

use crate::echo::EchoIps;
use crate::faults::{DnsFault, Faults};
use crate::log::{LoggedQuery, RequestLog};
use crate::rdata::normalize_name;
use crate::store::Store;
use answer::{resolve, Answer, Question};

/// Largest UDP answer sent to an EDNS client.
const EDNS_PAYLOAD: u16 = 1232;
/// Idle time after which a TCP connection is closed.
const TCP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the DNS server reads and writes.
#[derive(Clone)]
pub(crate) struct DnsShared {
    pub store: Store,
    pub echo: EchoIps,
    pub log: RequestLog,
    pub faults: Faults,
    /// The TSIG keys UPDATEs and signed queries may use.
    pub keys: tsig::Keyring,
}

/// Where the server listens.
pub(crate) struct DnsAddrs {
    pub v4: SocketAddr,
    /// On `[::1]` when the machine has IPv6 loopback.
    pub v6: Option<SocketAddr>,
}

/// Starts the server on 127.0.0.1 (and [::1] if possible) until `shutdown` turns true.
pub(crate) async fn serve(
    shared: DnsShared,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<DnsAddrs> {
    let mut server = Server::new(Handler { shared });
    let (udp, tcp) = bind_pair(IpAddr::V4(Ipv4Addr::LOCALHOST)).await?;
    let v4 = udp.local_addr()?;
    server.register_socket(udp);
    server.register_listener(tcp, TCP_TIMEOUT, 64);
    let mut v6 = None;
    if let Ok((udp, tcp)) = bind_pair(IpAddr::V6(Ipv6Addr::LOCALHOST)).await {
        v6 = udp.local_addr().ok();
        server.register_socket(udp);
        server.register_listener(tcp, TCP_TIMEOUT, 64);
    }
    tokio::spawn(async move {
        tokio::select! {
            _ = server.block_until_done() => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
        // Dropping the server aborts its socket tasks.
    });
    Ok(DnsAddrs { v4, v6 })
}

/// A UDP socket on an ephemeral port and a TCP listener on the same port number.
async fn bind_pair(ip: IpAddr) -> io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..32 {
        let udp = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(SocketAddr::new(ip, port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free port for UDP and TCP")))
}

struct Handler {
    shared: DnsShared,
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response: R,
    ) -> ResponseInfo {
        let fallback = servfail_info(request);
        let verdict = tsig::verify(request.as_slice(), &self.shared.keys);
        if request.metadata.op_code == OpCode::Update || !matches!(verdict, tsig::Verdict::Unsigned)
        {
            return signed::handle(&self.shared, request, response, verdict).await;
        }
        let Ok(info) = request.request_info() else {
            let msg = MessageResponseBuilder::from_message_request(request)
                .error_msg(&request.metadata, ResponseCode::FormErr);
            return response.send_response(msg).await.unwrap_or(fallback);
        };
        let udp = request.protocol() == Protocol::Udp;
        let query = info.query;
        let qname = normalize_name(&query.name().to_string());
        let mut logged = LoggedQuery {
            name: qname.clone(),
            qtype: query.query_type().to_string(),
            class: query.query_class().to_string(),
            protocol: request.protocol().to_string(),
            rcode: String::new(),
        };

        let mut truncate = false;
        let mut forced = None;
        match self
            .shared
            .faults
            .take_dns(&qname, &logged.qtype)
            .map(|(_, f)| f)
        {
            None => {}
            Some(DnsFault::ServFail) => forced = Some(ResponseCode::ServFail),
            Some(DnsFault::Refused) => forced = Some(ResponseCode::Refused),
            Some(DnsFault::Drop) => {
                logged.rcode = "dropped".to_string();
                self.shared.log.push_dns(logged);
                return fallback;
            }
            Some(DnsFault::Delay(d)) => tokio::time::sleep(d).await,
            Some(DnsFault::Truncate) => truncate = true,
        }
        if request.metadata.op_code != OpCode::Query {
            forced = Some(ResponseCode::NotImp);
        }

        let ans = match forced {
            Some(rcode) => Answer {
                rcode,
                authoritative: false,
                answers: Vec::new(),
                authority: Vec::new(),
            },
            None => {
                let q = Question {
                    name: &qname,
                    qtype: query.query_type(),
                    qclass: query.query_class(),
                    client_v6: request.src().is_ipv6(),
                };
                self.shared
                    .store
                    .with(|z| resolve(z, &self.shared.echo, &q))
            }
        };

        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = ans.authoritative;
        metadata.recursion_available = true;
        metadata.response_code = ans.rcode;
        let edns = request.edns.as_ref().map(|_| {
            let mut e = Edns::new();
            e.set_max_payload(EDNS_PAYLOAD);
            e
        });
        let limit = match (&request.edns, udp) {
            (_, false) => usize::MAX,
            (None, true) => 512,
            (Some(e), true) => usize::from(e.max_payload().clamp(512, EDNS_PAYLOAD)),
        };
        let (answers, authority) =
            if truncate || encoded_len(request, metadata, &ans, edns.as_ref()) > limit {
                metadata.truncation = true;
                (&[][..], &[][..])
            } else {
                (&ans.answers[..], &ans.authority[..])
            };
        logged.rcode = format!("{:?}", metadata.response_code);
        self.shared.log.push_dns(logged);

        let mut builder = MessageResponseBuilder::from_message_request(request);
        if let Some(e) = &edns {
            builder.edns(e);
        }
        let msg = builder.build(
            metadata,
            answers.iter(),
            authority.iter(),
            iter::empty(),
            iter::empty(),
        );
        response.send_response(msg).await.unwrap_or(fallback)
    }
}

/// Size of the answer on the wire (to decide on truncation).
fn encoded_len(request: &Request, metadata: Metadata, ans: &Answer, edns: Option<&Edns>) -> usize {
    let mut m = Message::new(metadata.id, MessageType::Response, metadata.op_code);
    m.metadata = metadata;
    m.add_queries(
        request
            .queries
            .queries()
            .iter()
            .map(|q| q.original().clone()),
    );
    m.add_answers(ans.answers.iter().cloned());
    m.add_authorities(ans.authority.iter().cloned());
    if let Some(e) = edns {
        m.set_edns(e.clone());
    }
    m.to_vec().map_or(usize::MAX, |v| v.len())
}

/// What to report when nothing could be sent.
fn servfail_info(request: &Request) -> ResponseInfo {
    let mut metadata = Metadata::response_from_request(&request.metadata);
    metadata.response_code = ResponseCode::ServFail;
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}

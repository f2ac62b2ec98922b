//! A DNS proxy on 127.0.0.1 (UDP and TCP on one ephemeral port) in front of a real
//! server: it forwards every message and counts queries and UPDATEs, and on demand makes
//! the server look as if it went away in the middle of a cycle — after the zone was read
//! and just as the UPDATE is sent ([`Fault::UpdatesUnanswered`]), or after the UPDATE was
//! applied and before its answer came back ([`Fault::UpdateAnswersLost`]).
//!
//! Over UDP a lost message is simply not answered; over TCP the proxy closes the
//! connection (a server killed mid-exchange).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// DNS OPCODE of an UPDATE (RFC 2136 §1.3).
const OPCODE_UPDATE: u8 = 5;

/// How long the proxy waits for the server's answer to one message.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);

/// What the proxy does to UPDATE messages (queries and transfers always pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Everything passes.
    None = 0,
    /// The server stops answering at the UPDATE: it never reaches the server, no answer
    /// comes back (a TCP connection is cut).
    UpdatesUnanswered = 1,
    /// The UPDATE reaches the server and is applied; its answer is lost on the way back.
    UpdateAnswersLost = 2,
}

struct Shared {
    upstream: SocketAddr,
    fault: AtomicU8,
    /// UPDATEs up to this ordinal pass whatever the fault.
    fault_from: AtomicUsize,
    queries: AtomicUsize,
    updates: AtomicUsize,
    stop: AtomicBool,
}

impl Shared {
    /// What to do to a message: `update` its ordinal among UPDATEs (0: a query).
    fn fault(&self, update: usize) -> Fault {
        if update == 0 || update <= self.fault_from.load(Ordering::SeqCst) {
            return Fault::None;
        }
        match self.fault.load(Ordering::SeqCst) {
            1 => Fault::UpdatesUnanswered,
            2 => Fault::UpdateAnswersLost,
            _ => Fault::None,
        }
    }

    /// Count `msg`: its ordinal among UPDATEs (from 1), or 0 for a query.
    fn count(&self, msg: &[u8]) -> usize {
        if msg.len() > 2 && (msg[2] >> 3) & 0x0f == OPCODE_UPDATE {
            self.updates.fetch_add(1, Ordering::SeqCst) + 1
        } else {
            self.queries.fetch_add(1, Ordering::SeqCst);
            0
        }
    }
}

/// A running proxy; stops when dropped.
pub struct DnsProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl DnsProxy {
    /// A proxy to `upstream` (UDP and TCP), on 127.0.0.1 at a free port.
    pub fn start(upstream: SocketAddr) -> DnsProxy {
        let (udp, tcp) = (0..100)
            .find_map(|_| {
                let udp = UdpSocket::bind("127.0.0.1:0").ok()?;
                let tcp = TcpListener::bind(udp.local_addr().ok()?).ok()?;
                Some((udp, tcp))
            })
            .expect("a free UDP+TCP port on 127.0.0.1 for the DNS proxy");
        let addr = udp.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            upstream,
            fault: AtomicU8::new(Fault::None as u8),
            fault_from: AtomicUsize::new(0),
            queries: AtomicUsize::new(0),
            updates: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        udp.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("UDP timeout");
        let s = Arc::clone(&shared);
        std::thread::spawn(move || serve_udp(udp, s));
        tcp.set_nonblocking(true).expect("non-blocking listener");
        let s = Arc::clone(&shared);
        std::thread::spawn(move || serve_tcp(tcp, s));
        DnsProxy { addr, shared }
    }

    /// Where clients send (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// From the next UPDATE on, treat UPDATEs so.
    pub fn set_fault(&self, f: Fault) {
        self.set_fault_after(0, f);
    }

    /// Let `n` more UPDATEs pass, then treat the rest so (a server that goes away in the
    /// middle of a run of writes).
    pub fn set_fault_after(&self, n: usize, f: Fault) {
        self.shared
            .fault_from
            .store(self.updates() + n, Ordering::SeqCst);
        self.shared.fault.store(f as u8, Ordering::SeqCst);
    }

    /// Queries and transfers seen so far.
    pub fn queries(&self) -> usize {
        self.shared.queries.load(Ordering::SeqCst)
    }

    /// UPDATE messages seen so far (delivered or not).
    pub fn updates(&self) -> usize {
        self.shared.updates.load(Ordering::SeqCst)
    }
}

impl Drop for DnsProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

fn serve_udp(sock: UdpSocket, s: Arc<Shared>) {
    let sock = Arc::new(sock);
    let mut buf = vec![0u8; 65535];
    while !s.stop.load(Ordering::SeqCst) {
        let Ok((n, client)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let msg = buf[..n].to_vec();
        let fault = s.fault(s.count(&msg));
        if fault == Fault::UpdatesUnanswered {
            continue;
        }
        let (sock, s) = (Arc::clone(&sock), Arc::clone(&s));
        std::thread::spawn(move || {
            let Ok(up) = UdpSocket::bind("127.0.0.1:0") else {
                return;
            };
            let _ = up.set_read_timeout(Some(UPSTREAM_TIMEOUT));
            if up.send_to(&msg, s.upstream).is_err() {
                return;
            }
            let mut answer = vec![0u8; 65535];
            let Ok((n, _)) = up.recv_from(&mut answer) else {
                return;
            };
            if fault == Fault::UpdateAnswersLost {
                return;
            }
            let _ = sock.send_to(&answer[..n], client);
        });
    }
}

fn serve_tcp(listener: TcpListener, s: Arc<Shared>) {
    while !s.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => {
                let s = Arc::clone(&s);
                std::thread::spawn(move || {
                    let _ = relay_tcp(client, &s);
                });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn read_msg(c: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    c.read_exact(&mut len)?;
    let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
    c.read_exact(&mut msg)?;
    Ok(msg)
}

fn write_msg(c: &mut TcpStream, msg: &[u8]) -> std::io::Result<()> {
    let mut out = (msg.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(msg);
    c.write_all(&out)
}

/// One client connection: each message to the server, and every answer back (a zone
/// transfer's several), until either side closes.
fn relay_tcp(mut client: TcpStream, s: &Shared) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(UPSTREAM_TIMEOUT))?;
    let mut up = TcpStream::connect_timeout(&s.upstream, UPSTREAM_TIMEOUT)?;
    up.set_read_timeout(Some(Duration::from_millis(300)))?;
    loop {
        let msg = read_msg(&mut client)?;
        let fault = s.fault(s.count(&msg));
        if fault == Fault::UpdatesUnanswered {
            // The server "dies" as the UPDATE arrives: the connection is cut.
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        write_msg(&mut up, &msg)?;
        // Relay answers until the server is quiet for a moment (an AXFR sends several).
        let mut answered = false;
        let asked = std::time::Instant::now();
        loop {
            match read_msg(&mut up) {
                Ok(answer) => {
                    answered = true;
                    if fault == Fault::UpdateAnswersLost {
                        let _ = client.shutdown(Shutdown::Both);
                        return Ok(());
                    }
                    write_msg(&mut client, &answer)?;
                }
                Err(e)
                    if answered
                        && matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                {
                    break
                }
                Err(e)
                    if asked.elapsed() < UPSTREAM_TIMEOUT
                        && matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                {
                    continue
                }
                Err(e) => {
                    let _ = client.shutdown(Shutdown::Both);
                    return Err(e);
                }
            }
        }
    }
}

//! `detect()` against real sources on loopback: tiny HTTP and DNS servers, and scripts.

use super::*;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, TXT};
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

const LONG: Duration = Duration::from_secs(10);

/// A minimal HTTP/1.1 server: the path picks the answer. Returns its base URL.
async fn http_server(bind: &str) -> String {
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&req).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body, length): (&str, Vec<u8>, bool) = match path.as_str() {
                    "/good" => ("200 OK", b"203.0.113.7\n".to_vec(), true),
                    "/other" => ("200 OK", b"198.51.100.1".to_vec(), true),
                    "/v6" => ("200 OK", b"2001:db8::7\n".to_vec(), true),
                    "/private" => ("200 OK", b"192.168.1.2\n".to_vec(), true),
                    "/trace" => (
                        "200 OK",
                        b"fl=1f1\nh=127.0.0.1\nip=203.0.113.7\nts=1.2\nloc=DE\n".to_vec(),
                        true,
                    ),
                    "/html" => (
                        "200 OK",
                        b"<html><body>Service unavailable</body></html>".to_vec(),
                        true,
                    ),
                    "/503" => ("503 Service Unavailable", b"overloaded\n".to_vec(), true),
                    "/big" => ("200 OK", vec![b'1'; 10_000], true),
                    "/big-unsized" => ("200 OK", vec![b'1'; 10_000], false),
                    "/slow" => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        ("200 OK", b"203.0.113.7".to_vec(), true)
                    }
                    _ => ("404 Not Found", b"no such path".to_vec(), true),
                };
                let mut head = format!("HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n");
                if length {
                    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
                }
                head.push_str("Connection: close\r\n\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    match addr {
        SocketAddr::V4(a) => format!("http://{a}"),
        SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
    }
}

fn http(base: &str, path: &str) -> SourceSpec {
    format!("{base}{path}").parse().unwrap()
}

fn outcome(d: &Detection, i: usize) -> &Result<IpAddr, SourceError> {
    &d.answers[i].outcome
}

#[tokio::test]
async fn http_sources_good_and_garbage() {
    let base = http_server("127.0.0.1:0").await;
    let sources = [
        http(&base, "/good"),
        http(&base, "/trace"),
        http(&base, "/other"),
        http(&base, "/html"),
        http(&base, "/503"),
        http(&base, "/v6"),
        http(&base, "/private"),
        http(&base, "/big"),
        http(&base, "/big-unsized"),
    ];
    let d = detect(Family::V4, &sources, None, LONG).await;
    assert_eq!(d.family, Family::V4);
    assert_eq!(d.answers.len(), sources.len());
    for (a, s) in d.answers.iter().zip(&sources) {
        assert_eq!(&a.source, s);
    }
    let good: IpAddr = "203.0.113.7".parse().unwrap();
    assert_eq!(outcome(&d, 0), &Ok(good));
    assert_eq!(outcome(&d, 1), &Ok(good));
    assert_eq!(outcome(&d, 2), &Ok("198.51.100.1".parse().unwrap()));
    assert!(
        matches!(
            outcome(&d, 3),
            Err(SourceError::NotAnAddress { what, .. }) if what == "an HTML page"
        ),
        "{:?}",
        outcome(&d, 3)
    );
    assert_eq!(
        outcome(&d, 4),
        &Err(SourceError::HttpStatus {
            status: 503,
            excerpt: "overloaded".into()
        })
    );
    assert!(matches!(
        outcome(&d, 5),
        Err(SourceError::WrongFamily { .. })
    ));
    let private = outcome(&d, 6).as_ref().unwrap_err();
    assert!(private.is_rejected_address());
    assert!(
        private.to_string().starts_with("192.168.1.2 is private"),
        "{private}"
    );
    assert!(matches!(outcome(&d, 7), Err(SourceError::TooLarge { .. })));
    assert!(
        matches!(outcome(&d, 8), Err(SourceError::TooLarge { .. })),
        "{:?}",
        outcome(&d, 8)
    );

    // Two of the three public answers agree: a strict majority.
    assert_eq!(d.result, Ok(good));
    let dissent: Vec<String> = d
        .dissenters()
        .iter()
        .map(|a| a.source.to_string())
        .collect();
    assert_eq!(dissent.len(), 7);
    assert!(dissent.contains(&format!("{base}/other")));

    let report = render(&d);
    assert!(report.starts_with("IPv4 sources:\n"), "{report}");
    assert_eq!(report.lines().count(), 2 + sources.len(), "{report}");
    assert!(report.contains(&format!("{base}/503")), "{report}");
    assert!(
        report.contains("error: HTTP 503: \"overloaded\""),
        "{report}"
    );
    assert!(
        report.contains("rejected: 192.168.1.2 is private"),
        "{report}"
    );
    assert!(
        report.contains("IPv4 address: 203.0.113.7 (2 of 9 sources agree; not: "),
        "{report}"
    );
}

#[tokio::test]
async fn http_timeout_is_honoured() {
    let base = http_server("127.0.0.1:0").await;
    let sources = [http(&base, "/slow"), http(&base, "/good")];
    let d = detect(Family::V4, &sources, Some(2), Duration::from_millis(300)).await;
    assert_eq!(
        outcome(&d, 0),
        &Err(SourceError::Timeout(Duration::from_millis(300)))
    );
    assert_eq!(outcome(&d, 1), &Ok("203.0.113.7".parse().unwrap()));
    let e = d.result.unwrap_err();
    assert!(e.headline().starts_with("too few IP sources agree"), "{e}");
    assert!(
        e.to_string().contains("/slow: no answer within 300ms"),
        "{e}"
    );
}

#[tokio::test]
async fn http_family_is_forced() {
    let v4 = http_server("127.0.0.1:0").await;
    let v6 = http_server("[::1]:0").await;
    let d = detect(
        Family::V6,
        &[http(&v6, "/v6"), http(&v4, "/v6")],
        None,
        LONG,
    )
    .await;
    assert_eq!(outcome(&d, 0), &Ok("2001:db8::7".parse().unwrap()));
    // An IPv6 question is never asked over IPv4, even of a server that would answer it.
    assert!(
        matches!(outcome(&d, 1), Err(SourceError::Http(_))),
        "{:?}",
        outcome(&d, 1)
    );
    assert_eq!(d.result, Ok("2001:db8::7".parse().unwrap()));
}

#[tokio::test]
async fn no_source_answered() {
    let base = http_server("127.0.0.1:0").await;
    let d = detect(
        Family::V4,
        &[http(&base, "/html"), http(&base, "/missing")],
        None,
        LONG,
    )
    .await;
    let e = d.result.as_ref().unwrap_err();
    assert!(matches!(e, DetectError::NoAnswer { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("{base}/html: the answer is an HTML page")),
        "{msg}"
    );
    assert!(msg.contains(&format!("{base}/missing: HTTP 404")), "{msg}");
    assert!(d.dissenters().is_empty());
    assert!(render(&d).ends_with("IPv4 address: none: no IP source gave a public address\n"));

    let d = detect(Family::V4, &[], None, LONG).await;
    assert_eq!(d.result, Err(DetectError::Unconfigured));
}

#[derive(Clone, Copy)]
enum DnsMode {
    Answer,
    Refuse,
    Silent,
}

/// A UDP DNS server that answers the three services' questions as they would.
async fn dns_server(mode: DnsMode) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                return;
            };
            let Ok(req) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            if matches!(mode, DnsMode::Silent) {
                continue;
            }
            let mut resp = Message::new(req.metadata.id, MessageType::Response, OpCode::Query);
            resp.add_queries(req.queries.clone());
            if matches!(mode, DnsMode::Refuse) {
                resp.metadata.response_code = ResponseCode::Refused;
            } else if let Some(q) = req.queries.first() {
                let name = q.name().clone();
                let record = |data: RData, class: DNSClass| {
                    let mut r = Record::from_rdata(name.clone(), 0, data);
                    r.dns_class = class;
                    r
                };
                let txt = |s: &str| RData::TXT(TXT::new(vec![s.to_string()]));
                let qname = name.to_ascii();
                match (qname.as_str(), q.query_type(), q.query_class()) {
                    ("myip.opendns.com.", RecordType::A, DNSClass::IN) => {
                        resp.add_answer(record(RData::A(A::new(203, 0, 113, 5)), DNSClass::IN));
                    }
                    ("myip.opendns.com.", RecordType::AAAA, DNSClass::IN) => {
                        let ip = "2001:db8::5".parse().unwrap();
                        resp.add_answer(record(RData::AAAA(AAAA(ip)), DNSClass::IN));
                    }
                    ("whoami.cloudflare.", RecordType::TXT, DNSClass::CH) => {
                        resp.add_answer(record(txt("203.0.113.5"), DNSClass::CH));
                    }
                    ("o-o.myaddr.l.google.com.", RecordType::TXT, DNSClass::IN) => {
                        resp.add_answer(record(
                            txt("edns0-client-subnet 198.51.100.0/24"),
                            DNSClass::IN,
                        ));
                        resp.add_answer(record(txt("203.0.113.5"), DNSClass::IN));
                    }
                    _ => resp.metadata.response_code = ResponseCode::NXDomain,
                }
            }
            let _ = sock.send_to(&resp.to_vec().unwrap(), peer).await;
        }
    });
    addr
}

fn dns(service: DnsService, server: SocketAddr) -> SourceSpec {
    SourceSpec::Dns {
        service,
        server: Some(server),
    }
}

#[tokio::test]
async fn dns_sources_with_a_server_override() {
    let good = dns_server(DnsMode::Answer).await;
    let refusing = dns_server(DnsMode::Refuse).await;
    let silent = dns_server(DnsMode::Silent).await;
    let sources = [
        dns(DnsService::OpenDns, good),
        dns(DnsService::Cloudflare, good),
        dns(DnsService::Google, good),
        dns(DnsService::OpenDns, refusing),
        dns(DnsService::Google, silent),
    ];
    let d = detect(Family::V4, &sources, Some(3), Duration::from_millis(500)).await;
    let ip: IpAddr = "203.0.113.5".parse().unwrap();
    for (i, source) in sources.iter().enumerate().take(3) {
        assert_eq!(outcome(&d, i), &Ok(ip), "{source}");
    }
    assert_eq!(
        outcome(&d, 3).as_ref().unwrap_err().to_string(),
        format!("the DNS server {refusing} answered REFUSED (Query Refused)")
    );
    assert!(matches!(outcome(&d, 4), Err(SourceError::Timeout(_))));
    assert_eq!(d.result, Ok(ip));
    assert!(render(&d).contains(&format!("dns:opendns@{good}")));

    // An IPv6 question asks for AAAA.
    let d = detect(Family::V6, &[dns(DnsService::OpenDns, good)], None, LONG).await;
    assert_eq!(d.result, Ok("2001:db8::5".parse().unwrap()));
}

#[cfg(unix)]
mod commands {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// All scripts are written before any is run: a script still open for writing while
    /// another thread forks cannot be executed ("text file busy").
    #[tokio::test]
    async fn command_sources() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let pidfile = d.join("sleeper.pid");
        let paths = [
            script(d, "good", "echo 203.0.113.7"),
            script(d, "padded", "printf '  198.51.100.1\\n\\n'"),
            script(d, "garbage", "echo 'your address: 203.0.113.7'"),
            script(
                d,
                "fails",
                "echo 'curl: (6) could not resolve host' >&2\necho more >&2\nexit 3",
            ),
            script(
                d,
                "hangs",
                &format!("sleep 60 &\necho $! > '{}'\nwait", pidfile.display()),
            ),
            script(d, "cgnat", "echo 100.64.7.7"),
            d.join("missing"),
        ];
        let noexec = d.join("noexec");
        std::fs::write(&noexec, "203.0.113.7\n").unwrap();
        let mut sources: Vec<SourceSpec> = paths.iter().cloned().map(SourceSpec::Command).collect();
        sources.push(SourceSpec::Command(noexec));

        let d4 = detect(Family::V4, &sources, None, Duration::from_secs(2)).await;
        assert_eq!(outcome(&d4, 0), &Ok("203.0.113.7".parse().unwrap()));
        assert_eq!(outcome(&d4, 1), &Ok("198.51.100.1".parse().unwrap()));
        assert!(matches!(
            outcome(&d4, 2),
            Err(SourceError::NotAnAddress { .. })
        ));
        assert_eq!(
            outcome(&d4, 3).as_ref().unwrap_err().to_string(),
            "the command exited with code 3: curl: (6) could not resolve host"
        );
        assert_eq!(
            outcome(&d4, 4),
            &Err(SourceError::Timeout(Duration::from_secs(2)))
        );
        let cgnat = outcome(&d4, 5).as_ref().unwrap_err().to_string();
        assert!(
            cgnat.starts_with("100.64.7.7 is carrier-grade NAT (CGNAT)"),
            "{cgnat}"
        );
        assert!(matches!(outcome(&d4, 6), Err(SourceError::CommandStart(_))));
        assert!(matches!(outcome(&d4, 7), Err(SourceError::CommandStart(_))));
        // 203.0.113.7 and 198.51.100.1: one each, no majority.
        assert!(matches!(d4.result, Err(DetectError::NoQuorum { .. })));

        // The hanging script's own child was killed with it.
        #[cfg(target_os = "linux")]
        {
            let pid = std::fs::read_to_string(&pidfile).unwrap();
            let stat = format!("/proc/{}/stat", pid.trim());
            let mut alive = true;
            for _ in 0..100 {
                // Gone, or a zombie waiting for its (also killed) parent's reaper.
                alive = std::fs::read_to_string(&stat)
                    .map(|s| !s.split(") ").nth(1).unwrap_or("").starts_with('Z'))
                    .unwrap_or(false);
                if !alive {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(!alive, "the hanging script's sleep is still running");
        }
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn interface_source_on_loopback() {
    let d = detect(
        Family::V4,
        &[SourceSpec::Interface("lo".into())],
        None,
        LONG,
    )
    .await;
    let e = outcome(&d, 0).as_ref().unwrap_err().to_string();
    assert!(e.starts_with("lo has only 127.0.0.1 (loopback)"), "{e}");
}

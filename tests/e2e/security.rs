//! Security findings of issue 10, each driven through the real binary: a registrar and a
//! webhook that echo the request with its credentials, a redirecting registrar, a DNS
//! server that forges replies, symlinks planted in the state directory, SIGTERM during a
//! delayed write, slow clients on the health port.

use super::harness::*;
use super::registrars::{self, agent, agent_update_now};
use mxddns_fakereg::{HttpFault, HttpMatch};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// Every credential of the standard scene, in the forms a request carries them.
fn credentials() -> Vec<&'static str> {
    vec![
        CF_TOKEN,
        GD_KEY,
        GD_SECRET,
        mxddns_fakereg::DEMO_ALIYUN_KEY_ID,
        mxddns_fakereg::DEMO_ALIYUN_KEY_SECRET,
    ]
}

/// Asserts that none of the credentials is in `text` (`what` names where it looked).
fn assert_no_credential(text: &str, what: &str) {
    for c in credentials() {
        assert!(
            !text.contains(c),
            "{what} shows the credential {c}:\n{text}"
        );
    }
}

/// The text of the state file, or empty when there is none.
fn state_text(env: &Env) -> String {
    std::fs::read_to_string(env.state_file()).unwrap_or_default()
}

#[test]
fn a_registrar_that_echoes_the_request_leaks_no_credential() {
    // 401/403 (refused), 500 (retried), a 200 that is not JSON; text and vendor-shaped JSON.
    let echoes = [(401, false), (403, true), (500, true), (200, false)];
    for reg in registrars::all() {
        for (status, json) in echoes {
            let env = Env::example();
            let cfg = reg.write_config(&env);
            env.fake.faults().http_always(
                HttpMatch::any().vendor(reg.vendor),
                HttpFault::Echo { status, json },
            );
            // Every log level, text and JSON lines.
            for format in ["text", "json"] {
                let r = run(agent(&cfg)
                    .arg("--update-now")
                    .args(["--log-format", format])
                    .env("MXDDNS_LOG", "debug"));
                let what = format!("{}: echo {status} json={json} {format}", reg.vendor);
                assert_eq!(r.code, 1, "{what}: {r:?}");
                assert!(
                    r.stderr.contains(&status.to_string()) || r.stderr.contains("***"),
                    "{what}: the failure is reported: {r:?}"
                );
                assert_no_credential(&r.all(), &what);
                assert_no_credential(&state_text(&env), &format!("{what}: state file"));
            }
            assert!(!env.fake.faults().fired().is_empty(), "the echo was served");
        }
    }
}

/// A webhook receiver that answers 500 with the request echoed back (its URL's token
/// included); counts the requests it got.
struct EchoingWebhook {
    url: String,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl EchoingWebhook {
    fn start() -> EchoingWebhook {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/hook/Echoed-Webhook-Token-7731?key=Hook-Query-Key-5512",
            l.local_addr().unwrap()
        );
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = hits.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                s.set_read_timeout(Some(Duration::from_millis(500))).ok();
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        // Give the body a moment, then echo what arrived.
                        s.set_read_timeout(Some(Duration::from_millis(100))).ok();
                    }
                }
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let body = String::from_utf8_lossy(&got).into_owned();
                let _ = s.write_all(
                    format!(
                        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            }
        });
        EchoingWebhook { url, hits }
    }
}

#[test]
fn a_webhook_that_echoes_its_request_leaks_neither_its_token_nor_the_registrars() {
    let env = Env::example();
    let hook = EchoingWebhook::start();
    let notify = format!(
        "notify:\n  - url: {}\n    headers:\n      Authorization: Bearer Hook-Header-Secret-8890\n",
        hook.url
    );
    let cfg = env.write_config(&(env.cloudflare_config(CF_TOKEN) + &notify));
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .arg("--update-now")
        .env("MXDDNS_LOG", "debug"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        hook.hits.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "{r:?}"
    );
    assert!(
        r.stderr.contains("500"),
        "the webhook failure is reported: {r:?}"
    );
    for secret in [
        "Echoed-Webhook-Token-7731",
        "Hook-Query-Key-5512",
        "Hook-Header-Secret-8890",
        CF_TOKEN,
    ] {
        assert!(!r.all().contains(secret), "{secret}: {r:?}");
        assert!(
            !state_text(&env).contains(secret),
            "{secret} in the state file"
        );
    }
}

#[test]
fn validate_masks_the_password_of_an_endpoint_with_userinfo() {
    for reg in Registrar::ALL {
        let env = Env::example();
        let base = env.config_for(reg, "  - domain: example.com\n    provider: {provider}\n");
        let endpoint = reg.endpoint(&env.fake);
        let with_user = endpoint.replacen("http://", "http://alice:Userinfo-Pass-4242@", 1);
        let cfg = env.write_config(&base.replace(&endpoint, &with_user));
        let r = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
        assert_eq!(r.code, 0, "{reg:?}: {r:?}");
        assert!(!r.all().contains("Userinfo-Pass-4242"), "{reg:?}: {r:?}");
        assert_no_credential(&r.all(), &format!("{reg:?}: validate"));
        // A cycle against it leaks it nowhere either (logs at every level).
        let r = run(agent(&cfg).arg("--update-now").env("MXDDNS_LOG", "debug"));
        assert!(!r.all().contains("Userinfo-Pass-4242"), "{reg:?}: {r:?}");
    }
}

#[test]
fn healthz_metrics_and_state_mask_an_echoed_credential() {
    use std::process::Stdio;
    for reg in registrars::all() {
        let env = Env::example();
        let text =
            (reg.config)(&env).replace("schedule: 30s", "schedule: 1s") + "listen: 127.0.0.1:0\n";
        let cfg = env.write_config(&text);
        env.fake.faults().http_always(
            HttpMatch::any().vendor(reg.vendor),
            HttpFault::Echo {
                status: 403,
                json: true,
            },
        );
        let mut child = agent(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let keep = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for l in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                keep.lock().unwrap().push_str(&(l + "\n"));
            }
        });
        let addr = poll(&format!("{}: listening", reg.vendor), || {
            lines.lock().unwrap().lines().find_map(|l| {
                l.split("listening on ")
                    .nth(1)?
                    .split_whitespace()
                    .next()?
                    .parse::<std::net::SocketAddr>()
                    .ok()
            })
        });
        let health = poll(&format!("{}: a failed cycle", reg.vendor), || {
            let body = http_get(addr, "/healthz")?;
            body.contains("last_error")
                .then_some(body)
                .filter(|b| !b.contains("\"last_error\":null"))
        });
        let metrics = http_get(addr, "/metrics").unwrap_or_default();
        let _ = child.kill();
        let _ = child.wait();
        assert_no_credential(&health, &format!("{}: /healthz", reg.vendor));
        assert_no_credential(&metrics, &format!("{}: /metrics", reg.vendor));
        assert_no_credential(&lines.lock().unwrap(), &format!("{}: logs", reg.vendor));
        assert_no_credential(&state_text(&env), &format!("{}: state", reg.vendor));
    }
}

/// Polls `f` every 50 ms for up to 60 s.
pub fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET path` over a fresh connection; the body, or `None` when the server did not answer.
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (_, body) = text.split_once("\r\n\r\n")?;
    Some(body.to_string())
}

#[test]
fn a_redirecting_registrar_is_not_followed_and_the_target_is_named() {
    for reg in registrars::all() {
        for status in [301, 302, 307, 308] {
            let env = Env::example();
            let cfg = reg.write_config(&env);
            // The "other host": the fake's IP echo listener, which logs what reaches it.
            let echo = url::Url::parse(&env.fake.echo_url()).unwrap();
            let other = format!(
                "http://{}:{}",
                echo.host_str().unwrap(),
                echo.port().unwrap()
            );
            env.fake.faults().http_always(
                HttpMatch::any().vendor(reg.vendor),
                HttpFault::Redirect {
                    status,
                    target: format!("{other}/elsewhere"),
                },
            );
            let r = agent_update_now(&cfg);
            let v = reg.vendor;
            assert_eq!(r.code, 1, "{v} {status}: {r:?}");
            assert!(
                r.stderr.contains("redirect to")
                    && r.stderr.contains(&format!("{other}/elsewhere")),
                "{v} {status}: the error names the target: {r:?}"
            );
            assert_no_credential(&r.all(), v);
            let followed: Vec<_> = env
                .fake
                .requests()
                .into_iter()
                .filter(|q| q.vendor == "echo" && q.path.starts_with("/elsewhere"))
                .collect();
            assert!(
                followed.is_empty(),
                "{v} {status}: followed to {followed:?}"
            );
            // Not retried: a redirect is an answer, not a transient fault.
            assert_eq!(reg.requests(&env).len(), 1, "{v} {status}");
        }
    }
}

/// How the forging DNS server lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forgery {
    /// Over UDP: first a reply with the right ID whose question is another name, then
    /// the real answer.
    UdpOtherName,
    /// Over UDP: first a reply with the right ID whose question is another type.
    UdpOtherType,
    /// Over UDP: first a reply with the right ID and question, from another port.
    UdpOtherPort,
    /// Over UDP: "truncated", so the agent asks over TCP, where the reply has another ID.
    TcpOtherId,
    /// Over TCP (after a truncated UDP reply): the right ID, another question name.
    TcpOtherName,
}

/// A DNS server on loopback (UDP and TCP on one port) in front of the fake registrar's:
/// each question is asked upstream, and the forged reply — which claims that every A
/// record already holds `claim` — is sent as `how` says.
fn forging_dns(
    upstream: std::net::SocketAddr,
    how: Forgery,
    claim: std::net::Ipv4Addr,
) -> std::net::SocketAddr {
    use hickory_proto::op::Message;
    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::{Name, RData, Record, RecordType};
    use std::net::UdpSocket;

    let ask = move |query: &[u8]| -> Option<Message> {
        let s = UdpSocket::bind("127.0.0.1:0").ok()?;
        s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
        s.send_to(query, upstream).ok()?;
        let mut buf = [0u8; 4096];
        let (n, _) = s.recv_from(&mut buf).ok()?;
        Message::from_vec(&buf[..n]).ok()
    };
    // The lie: every A answer says `claim`; the question is bent as `how` says.
    let forge = move |real: &Message| -> Vec<u8> {
        let mut f = real.clone();
        for r in f.answers.iter_mut() {
            if r.record_type() == RecordType::A {
                *r = Record::from_rdata(r.name.clone(), r.ttl, RData::A(A(claim)));
            }
        }
        if f.answers.is_empty() {
            if let Some(q) = real.queries.first() {
                if q.query_type() == RecordType::A {
                    f.answers
                        .push(Record::from_rdata(q.name().clone(), 60, RData::A(A(claim))));
                }
            }
        }
        match how {
            Forgery::UdpOtherName | Forgery::TcpOtherName => {
                if let Some(q) = f.queries.first_mut() {
                    q.set_name(Name::from_ascii("forged.example.net.").unwrap());
                }
            }
            Forgery::UdpOtherType => {
                if let Some(q) = f.queries.first_mut() {
                    let other = if q.query_type() == RecordType::TXT {
                        RecordType::MX
                    } else {
                        RecordType::TXT
                    };
                    q.set_query_type(other);
                }
            }
            Forgery::TcpOtherId => f.metadata.id = f.metadata.id.wrapping_add(1),
            Forgery::UdpOtherPort => {}
        }
        f.to_vec().unwrap()
    };

    // UDP and TCP on one port: another test may hold the TCP side of a free UDP port.
    let (udp, tcp, addr) = (0..100)
        .find_map(|_| {
            let udp = UdpSocket::bind("127.0.0.1:0").ok()?;
            let addr = udp.local_addr().ok()?;
            let tcp = TcpListener::bind(addr).ok()?;
            Some((udp, tcp, addr))
        })
        .expect("a loopback port free for both UDP and TCP");
    let tcp_mode = matches!(how, Forgery::TcpOtherId | Forgery::TcpOtherName);
    std::thread::spawn(move || {
        let side = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut buf = [0u8; 4096];
        while let Ok((n, client)) = udp.recv_from(&mut buf) {
            let Some(real) = ask(&buf[..n]) else { continue };
            if tcp_mode {
                let mut tc = real.clone();
                tc.metadata.truncation = true;
                tc.answers.clear();
                tc.authorities.clear();
                tc.additionals.clear();
                let _ = udp.send_to(&tc.to_vec().unwrap(), client);
                continue;
            }
            let forged = forge(&real);
            if how == Forgery::UdpOtherPort {
                let _ = side.send_to(&forged, client);
            } else {
                let _ = udp.send_to(&forged, client);
            }
            std::thread::sleep(Duration::from_millis(20));
            let _ = udp.send_to(&real.to_vec().unwrap(), client);
        }
    });
    std::thread::spawn(move || {
        for s in tcp.incoming() {
            let Ok(mut s) = s else { continue };
            let mut len = [0u8; 2];
            if s.read_exact(&mut len).is_err() {
                continue;
            }
            let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
            if s.read_exact(&mut q).is_err() {
                continue;
            }
            let Some(real) = ask(&q) else { continue };
            let forged = forge(&real);
            let mut framed = (forged.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&forged);
            let _ = s.write_all(&framed);
        }
    });
    addr
}

#[test]
fn a_forged_dns_reply_is_dropped_counted_and_never_taken_for_current() {
    const OLD: &str = "203.0.113.10";
    const NEW: &str = "203.0.113.20";
    for how in [
        Forgery::UdpOtherName,
        Forgery::UdpOtherType,
        Forgery::UdpOtherPort,
        Forgery::TcpOtherId,
        Forgery::TcpOtherName,
    ] {
        for reg in registrars::all() {
            let env = Env::example();
            let forger = forging_dns(env.fake.dns_addr(), how, NEW.parse().unwrap());
            // The authoritative server the agent reads and verifies at is the forger.
            let text = (reg.config)(&env).replace(
                &format!("authoritative: [\"{}\"]", env.fake.dns_addr()),
                &format!("authoritative: [\"{forger}\"]"),
            );
            assert!(text.contains(&forger.to_string()), "{text}");
            let cfg = env.write_config(&text);
            let r = run(agent(&cfg).arg("--update-now"));
            let v = format!("{} {how:?}", reg.vendor);
            // Never "current" on a forged word: the registrar still held the old address.
            assert!(!r.stdout.contains("is current"), "{v}: {r:?}");
            if matches!(how, Forgery::TcpOtherId | Forgery::TcpOtherName) {
                // No valid answer ever arrives: nothing can be confirmed.
                assert_eq!(r.code, 1, "{v}: {r:?}");
                assert!(r.stderr.contains("dropped"), "{v}: {r:?}");
                let a = env.a_records("mail.example.com");
                assert!(a == [OLD] || a == [NEW], "{v}: {a:?}");
                assert!(!r.stdout.contains("verified"), "{v}: {r:?}");
            } else {
                // The forged reply is dropped, the real one read: the record is updated
                // and verified.
                assert_eq!(r.code, 0, "{v}: {r:?}");
                assert_eq!(env.a_records("mail.example.com"), [NEW], "{v}");
                assert!(r.stdout.contains("verified"), "{v}: {r:?}");
                if how != Forgery::UdpOtherPort {
                    assert!(
                        r.stderr.contains("dropped a DNS reply"),
                        "{v}: counted: {r:?}"
                    );
                }
            }
        }
    }
}

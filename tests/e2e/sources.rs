//! IP sources that disagree, lie (a private address) or serve garbage: the agent takes an
//! address only when the sources agree on a public one, and otherwise changes nothing.

use super::harness::*;
use super::registrars::agent_update_now;
use mxddns_fakereg::{HttpFault, HttpMatch};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A second IP echo on 127.0.0.1 that answers every request with a fixed body. Stops when
/// dropped.
struct TinyEcho {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TinyEcho {
    fn serve(body: &'static str) -> TinyEcho {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TinyEcho {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for TinyEcho {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The Cloudflare scene with `sources` as the IPv4 sources (and `extra` detect keys).
fn config(env: &Env, sources: &[String], extra: &str) -> std::path::PathBuf {
    let list = sources
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = env.cloudflare_config(CF_TOKEN).replace(
        &format!("  ipv4: [\"{}\"]\n", env.fake.echo_url()),
        &format!("  ipv4: [{list}]\n{extra}"),
    );
    assert!(text.contains(&list), "the sources were replaced");
    env.write_config(&text)
}

#[test]
fn a_source_that_lies_with_a_private_address_is_outvoted() {
    let env = Env::example();
    let liar = TinyEcho::serve("192.168.1.10\n");
    let cfg = config(&env, &[env.fake.echo_url(), liar.url()], "");
    let r = run(mxddns().arg("--config").arg(&cfg).arg("detect"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("192.168.1.10"), "{r:?}");
    assert!(
        r.stdout.to_lowercase().contains("private"),
        "says why: {r:?}"
    );
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
}

#[test]
fn sources_that_disagree_change_nothing() {
    let env = Env::example();
    let other = TinyEcho::serve("198.51.100.7");
    let cfg = config(&env, &[env.fake.echo_url(), other.url()], "");
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("203.0.113.20") && r.stderr.contains("198.51.100.7"),
        "shows what each said: {r:?}"
    );
    assert_eq!(env.api_requests(), 0, "no API call without an address");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

#[test]
fn garbage_from_a_source_is_rejected_and_a_quorum_holds_the_line() {
    let env = Env::example();
    let junk = TinyEcho::serve("<html><body>Service Unavailable</body></html>");
    // Default quorum: a majority of the sources that answered an address: the echo alone.
    let cfg = config(&env, &[env.fake.echo_url(), junk.url()], "");
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);

    // quorum: 2 asks both: the junk cannot make one.
    env.fake.set_echo_ip("203.0.113.30".parse().unwrap());
    let cfg = config(&env, &[env.fake.echo_url(), junk.url()], "  quorum: 2\n");
    let before = env.api_requests();
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("Service Unavailable"),
        "quotes the junk: {r:?}"
    );
    assert_eq!(env.api_requests(), before, "no API call");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
}

#[test]
fn an_echo_behind_an_html_error_page_detects_nothing_and_changes_nothing() {
    let env = Env::example();
    env.fake.faults().http_always(
        HttpMatch::any().vendor("echo"),
        HttpFault::HtmlError { status: 502 },
    );
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("IPv4 address not detected"), "{r:?}");
    assert!(r.stderr.contains("502"), "{r:?}");
    assert_eq!(env.api_requests(), 0);
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

//! The status page at `/` (issue 15), from the real service against the fake registrar:
//! each domain, its records, the address and its history, the last cycle and the next,
//! the scheduled `check` report with its fixes; in the browser's language; every value
//! from outside escaped.

use super::harness::*;
use super::service::{get, wait_for, Service};
use mxddns_fakereg::{FakeOptions, HttpFault, HttpMatch, RrType};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// `GET path` with `Accept-Language: accept`; the body.
pub(super) fn page(addr: SocketAddr, path: &str, accept: Option<&str>) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to the service");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let lang = accept
        .map(|a| format!("Accept-Language: {a}\r\n"))
        .unwrap_or_default();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{lang}\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a whole answer");
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(
        head.contains("Content-Type: text/html; charset=utf-8"),
        "{head}"
    );
    body.to_string()
}

/// The service keeping example.com and example.net (with SPF), its page once the scheduled check has run.
pub(super) struct PageScene {
    pub env: Env,
    pub svc: Service,
    pub addr: SocketAddr,
    pub config: std::path::PathBuf,
}

impl PageScene {
    pub fn start() -> PageScene {
        let opts = FakeOptions::example()
            .zone("example.net")
            .record(
                "example.net",
                "example.net",
                RrType::SOA,
                "ns1.example.net. hostmaster.example.net. 2024010101 3600 600 604800 300",
            )
            .record("example.net", "example.net", RrType::NS, "ns1.example.net.")
            .record(
                "example.net",
                "example.net",
                RrType::MX,
                "10 mx.example.net.",
            )
            .record("example.net", "mx.example.net", RrType::A, "203.0.113.10")
            .record(
                "example.net",
                "example.net",
                RrType::TXT,
                "v=spf1 ip4:203.0.113.10 -all",
            );
        let env = Env::with(opts);
        let mut text = env
            .cloudflare_config_with(
                "  - domain: example.com\n    provider: home-cf\n    spf: true\n  - domain: example.net\n    provider: home-cf\n    spf: true\n",
            )
            .replace("schedule: 30s", "schedule: 1s");
        text.push_str("listen: 127.0.0.1:0\n");
        let cfg = env.write_config(&text);
        let svc = Service::start(&cfg);
        let addr = svc.listening();
        wait_for("the scheduled check on the page", || {
            let p = page(addr, "/", None);
            p.contains("Mail DNS check")
                && p.matches("error(s),").count() == 2
                && p.contains("203.0.113.20")
        });
        PageScene {
            env,
            svc,
            addr,
            config: cfg,
        }
    }
}

#[test]
fn the_page_shows_each_domain_its_records_history_and_check() {
    let s = PageScene::start();
    let p = page(s.addr, "/", None);
    for want in [
        "<html lang=\"en\">",
        "Mail can reach this network",
        "example.com",
        "mail.example.com",
        "example.net",
        "mx.example.net",
        "203.0.113.20",
        "Records kept current",
        "v=spf1",
        "verified at the authoritative servers",
        "Last cycle",
        "Next cycle",
        "Mail DNS check",
        "Address changes",
        "(first seen)",
        "http-equiv=\"refresh\"",
    ] {
        assert!(p.contains(want), "missing {want:?}:\n{p}");
    }
    // A finding with its level and fix.
    assert!(
        p.contains("class=\"badge warn\"") || p.contains("class=\"badge error\""),
        "{p}"
    );
    assert!(p.contains("Fix:"), "{p}");

    // The address changes: the history grows, newest first, and the page says since when.
    s.env.fake.set_echo_ip("203.0.113.55".parse().unwrap());
    wait_for("the second address on the page", || {
        page(s.addr, "/", None).contains("203.0.113.20</code></td><td><code>203.0.113.55")
    });
    // HEAD has no body; other paths are unchanged.
    assert_eq!(get(s.addr, "/healthz").code, 200);
    assert_eq!(s.svc.stop(), Some(0));
}

#[test]
fn the_page_speaks_the_browsers_language() {
    let s = PageScene::start();
    let zh = page(s.addr, "/", Some("zh-CN,zh;q=0.9,en;q=0.8"));
    for want in [
        "<html lang=\"zh-CN\">",
        "邮件可以到达本网络",
        "保持更新的记录",
        "邮件 DNS 检查",
        "地址变更记录",
    ] {
        assert!(zh.contains(want), "missing {want:?}:\n{zh}");
    }
    let en = page(s.addr, "/", Some("en-GB,en;q=0.9,zh;q=0.5"));
    assert!(en.contains("Records kept current"), "{en}");
    // The page's own language links win over the header.
    let chosen = page(s.addr, "/?lang=zh-CN", Some("en"));
    assert!(chosen.contains("保持更新的记录"), "{chosen}");
    // A language we do not speak: the service's own (English here).
    let other = page(s.addr, "/", Some("de-DE,fr;q=0.8"));
    assert!(other.contains("Records kept current"), "{other}");
}

#[test]
fn registrar_text_on_the_page_is_escaped() {
    let s = PageScene::start();
    s.env.fake.faults().http_always(
        HttpMatch::any().vendor("cloudflare"),
        HttpFault::status(
            400,
            r#"{"success":false,"errors":[{"code":1004,"message":"<script>alert(1)</script><img src=x onerror=alert(2)>"}],"messages":[],"result":null}"#,
        ),
    );
    s.env.fake.set_echo_ip("203.0.113.66".parse().unwrap());
    let mut p = String::new();
    wait_for("the registrar's error on the page", || {
        p = page(s.addr, "/", None);
        p.contains("The last cycle failed") && p.contains("alert(1)")
    });
    assert!(!p.contains("<script"), "{p}");
    assert!(!p.contains("<img"), "{p}");
    assert!(p.contains("&lt;script&gt;"), "{p}");
}

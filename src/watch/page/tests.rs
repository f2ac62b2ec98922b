use super::*;
use crate::check::DomainCheck;
use crate::state::AddressChange;
use crate::watch::{KeptRecord, LastCycle};

const NOW: i64 = 1_700_000_000;

/// A status whose every outside value carries markup.
fn hostile() -> Status {
    let mut s = Status::blank(NOW - 3600);
    s.addresses.insert(Family::V4, "203.0.113.20".into());
    s.changes = vec![
        AddressChange {
            at: NOW - 3000,
            family: "v4".into(),
            from: None,
            to: "203.0.113.10".into(),
        },
        AddressChange {
            at: NOW - 600,
            family: "v4".into(),
            from: Some("203.0.113.10".into()),
            to: "203.0.113.20".into(),
        },
    ];
    s.last_cycle = Some(LastCycle {
        ok: false,
        at: NOW - 60,
        error: Some("example.com: the registrar said <img src=x onerror=alert(1)>".into()),
    });
    s.next_cycle = Some(NOW + 240);
    s.domains.insert(
        "example.com".into(),
        DomainStatus {
            last_success: Some(NOW - 600),
            last_change: Some(NOW - 600),
            consecutive_failures: 2,
            verify: Some((1.5, true)),
            host: Some("mail.example.com".into()),
            records: vec![
                KeptRecord {
                    name: "mail.example.com".into(),
                    rtype: "A".into(),
                    value: "203.0.113.20".into(),
                },
                KeptRecord {
                    name: "example.com".into(),
                    rtype: "TXT".into(),
                    value: "\"v=spf1 ip4:203.0.113.20 <script>alert('x')</script> -all\"".into(),
                },
            ],
            last_verified: Some(NOW - 598),
            verify_ms: Some(1500),
            last_error: Some("Cloudflare said: \"<b>bad</b>\" & more".into()),
        },
    );
    s.domains
        .insert("second.example".into(), DomainStatus::default());
    s.check = Some(crate::watch::CheckSnapshot {
        at: NOW - 500,
        domains: vec![DomainCheck {
            domain: "example.com".into(),
            address: vec!["203.0.113.20".parse().unwrap()],
            findings: vec![
                Finding::ok("mx.found", "MX 10 mail.example.com"),
                Finding::error(
                    "spf.none",
                    "no SPF record <i>here</i>",
                    "add \"v=spf1 ip4:203.0.113.20 -all\"",
                ),
            ],
        }],
    });
    s
}

#[test]
fn every_outside_value_is_escaped() {
    let page = render(&hostile(), Lang::En, NOW);
    for raw in ["<script", "<img", "<b>", "<i>"] {
        assert!(
            !page.contains(raw),
            "{raw} reached the page unescaped:\n{page}"
        );
    }
    for escaped in [
        "&lt;script&gt;alert('x')&lt;/script&gt;",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&quot;&lt;b&gt;bad&lt;/b&gt;&quot; &amp; more",
        "no SPF record &lt;i&gt;here&lt;/i&gt;",
        "add &quot;v=spf1 ip4:203.0.113.20 -all&quot;",
    ] {
        assert!(page.contains(escaped), "missing {escaped}:\n{page}");
    }
    // The page's only markup is its own: no script at all, no form, no button.
    for tag in ["<script", "<form", "<button", "<input"] {
        assert!(!page.contains(tag), "{tag}");
    }
}

#[test]
fn it_shows_what_a_person_looks_for() {
    let page = render(&hostile(), Lang::En, NOW);
    for want in [
        "<html lang=\"en\">",
        "http-equiv=\"refresh\" content=\"30\"",
        "name=\"viewport\"",
        "The last cycle failed",
        "203.0.113.20",
        "(10 min ago)",
        "mail.example.com",
        "failing (2 cycles in a row)",
        "verified at the authoritative servers at",
        "in 1.5 s",
        "(in 4 min)",
        "1 error(s), 0 warning(s)",
        "spf.none",
        "Fix:",
        "Address changes",
        "(first seen)",
        "second.example",
        "not updated yet",
    ] {
        assert!(page.contains(want), "missing {want:?}:\n{page}");
    }
    // The history is newest first.
    let newest = page
        .find("203.0.113.10</code></td><td><code>203.0.113.20")
        .unwrap();
    let oldest = page.find("(first seen)").unwrap();
    assert!(newest < oldest);
}

#[test]
fn it_speaks_chinese() {
    let page = render(&hostile(), Lang::ZhCn, NOW);
    for want in [
        "<html lang=\"zh-CN\">",
        "上一轮更新失败",
        "公网地址",
        "保持更新的记录",
        "邮件 DNS 检查",
        "解决办法：",
        "地址变更记录",
        "（首次发现）",
        "10 分钟前",
        "失败（已连续 2 轮）",
    ] {
        assert!(page.contains(want), "missing {want:?}:\n{page}");
    }
    assert!(!page.contains("The last cycle failed"));
}

#[test]
fn a_new_agent_says_it_is_starting() {
    let mut s = Status::blank(NOW);
    s.domains
        .insert("example.com".into(), DomainStatus::default());
    let page = render(&s, Lang::En, NOW);
    assert!(page.contains("Starting"), "{page}");
    assert!(page.contains("No check yet"), "{page}");
    assert!(page.contains("No address change recorded yet."), "{page}");
}

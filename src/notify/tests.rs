use super::*;
use crate::config::{NotifyHeader, NotifyMethod, NotifyOn};
use crate::cycle::{DomainReport, Failure, RecordReport};
use crate::detect::{Detection, Family};
use crate::state::DomainState;
use mxddns_providers::Secret;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn hook(after_failures: u32) -> NotifyConfig {
    NotifyConfig {
        url: Secret::new("http://127.0.0.1:9/hook"),
        target: "http://127.0.0.1:9".into(),
        method: NotifyMethod::Post,
        headers: Vec::new(),
        body: None,
        on: NotifyOn {
            change: true,
            failure: true,
            recovery: true,
        },
        after_failures,
        tls_ca: None,
        index: 0,
    }
}

fn sample(changed: bool, ok: bool, failures_before: u32, failures: u32) -> DomainNews {
    DomainNews {
        domain: "example.com".into(),
        host: "mail.example.com".into(),
        old: "203.0.113.10".into(),
        new: "203.0.113.20".into(),
        error: if ok { String::new() } else { "HTTP 500".into() },
        changed,
        ok,
        failures_before,
        failures,
    }
}

#[test]
fn what_is_due() {
    use Event::*;
    let h = hook(3);
    let cases: Vec<(DomainNews, Vec<Event>)> = vec![
        (sample(false, true, 0, 0), vec![]),
        (sample(true, true, 0, 0), vec![Change]),
        // Failures below the threshold are not sent; reaching it is, once.
        (sample(false, false, 0, 1), vec![]),
        (sample(false, false, 1, 2), vec![]),
        (sample(false, false, 2, 3), vec![Failure]),
        (sample(false, false, 3, 4), vec![]),
        (sample(false, false, 9, 10), vec![]),
        // Recovery only after a streak that was long enough to be sent.
        (sample(false, true, 2, 0), vec![]),
        (sample(false, true, 3, 0), vec![Recovery]),
        (sample(true, true, 12, 0), vec![Change, Recovery]),
        // A change whose verification failed is a change and a failure.
        (sample(true, false, 2, 3), vec![Change, Failure]),
    ];
    for (n, want) in cases {
        assert_eq!(due(&h, &n), want, "{n:?}");
    }
    assert_eq!(due(&hook(1), &sample(false, false, 0, 1)), vec![Failure]);

    let mut only_failures = hook(3);
    only_failures.on = NotifyOn {
        change: false,
        failure: true,
        recovery: false,
    };
    assert_eq!(due(&only_failures, &sample(true, true, 5, 0)), vec![]);
    assert_eq!(
        due(&only_failures, &sample(true, false, 2, 3)),
        vec![Failure]
    );
}

fn record(rtype: &'static str, old: &[&str], new: &str, outcome: Outcome) -> RecordReport {
    RecordReport {
        name: "mail.example.com".into(),
        rtype,
        old: old.iter().map(|s| s.to_string()).collect(),
        new: new.into(),
        outcome,
        provider: "home-cf".into(),
    }
}

fn domain(name: &str, records: Vec<RecordReport>, error: Option<&str>) -> DomainReport {
    DomainReport {
        domain: name.into(),
        host: error.is_none().then(|| format!("mail.{name}")),
        records,
        verify: None,
        servers: 1,
        error: error.map(Into::into),
        notices: Vec::new(),
        warnings: Vec::new(),
        served: Vec::new(),
        unserved: Vec::new(),
        proven: false,
    }
}

#[test]
fn news_from_a_cycle() {
    let report = CycleReport {
        detections: vec![Detection {
            family: Family::V4,
            answers: Vec::new(),
            result: Ok("203.0.113.20".parse().unwrap()),
        }],
        domains: vec![
            domain(
                "example.com",
                vec![
                    record("A", &["203.0.113.10"], "203.0.113.20", Outcome::Updated),
                    record(
                        "TXT",
                        &["\"v=spf1 ip4:203.0.113.10 -all\""],
                        "\"v=spf1 ip4:203.0.113.20 -all\"",
                        Outcome::Updated,
                    ),
                ],
                None,
            ),
            domain(
                "example.net",
                vec![record(
                    "A",
                    &["203.0.113.10"],
                    "203.0.113.20",
                    Outcome::Failed(Failure::new("HTTP 500")),
                )],
                None,
            ),
            domain("example.org", Vec::new(), Some("cannot read the MX record")),
            domain(
                "example.info",
                vec![record(
                    "A",
                    &["203.0.113.20"],
                    "203.0.113.20",
                    Outcome::Current,
                )],
                None,
            ),
        ],
        api_requests: 2,
        elapsed: Duration::from_secs(1),
        state_error: None,
    };
    let mut state = State::new();
    for (d, failures, host) in [
        ("example.net", 3, None),
        ("example.org", 1, Some("mx.example.org")),
    ] {
        state.domains.insert(
            d.into(),
            DomainState {
                consecutive_failures: failures,
                host: host.map(Into::into),
                ..DomainState::default()
            },
        );
    }
    let before: BTreeMap<String, u32> = [
        ("example.net".to_string(), 2),
        ("example.info".to_string(), 4),
    ]
    .into();
    let got = news(&report, &before, &state);
    assert_eq!(
        got,
        vec![
            DomainNews {
                domain: "example.com".into(),
                host: "mail.example.com".into(),
                old: "203.0.113.10".into(),
                new: "203.0.113.20".into(),
                error: String::new(),
                changed: true,
                ok: true,
                failures_before: 0,
                failures: 0,
            },
            DomainNews {
                domain: "example.net".into(),
                host: "mail.example.net".into(),
                old: "203.0.113.10".into(),
                new: "203.0.113.20".into(),
                error: "mail.example.com A: HTTP 500".into(),
                changed: false,
                ok: false,
                failures_before: 2,
                failures: 3,
            },
            DomainNews {
                domain: "example.org".into(),
                host: "mx.example.org".into(),
                old: String::new(),
                new: "203.0.113.20".into(),
                error: "cannot read the MX record".into(),
                changed: false,
                ok: false,
                failures_before: 0,
                failures: 1,
            },
            DomainNews {
                domain: "example.info".into(),
                host: "mail.example.info".into(),
                old: String::new(),
                new: "203.0.113.20".into(),
                error: String::new(),
                changed: false,
                ok: true,
                failures_before: 4,
                failures: 0,
            },
        ]
    );
}

#[test]
fn an_spf_only_change_names_the_spf_record() {
    let d = domain(
        "example.com",
        vec![
            record("A", &["203.0.113.20"], "203.0.113.20", Outcome::Current),
            record(
                "TXT",
                &["\"v=spf1 -all\""],
                "\"v=spf1 ip4:203.0.113.20 -all\"",
                Outcome::Created,
            ),
        ],
        None,
    );
    assert_eq!(
        values(&d),
        Some((
            "\"v=spf1 -all\"".to_string(),
            "\"v=spf1 ip4:203.0.113.20 -all\"".to_string()
        ))
    );
}

#[test]
fn messages_and_bodies() {
    let n = sample(true, true, 0, 0);
    assert_eq!(
        message(Event::Change, &n),
        "mxddns: mail.example.com (MX of example.com) now points at 203.0.113.20 (was 203.0.113.10)"
    );
    let f = sample(false, false, 2, 3);
    assert_eq!(
        message(Event::Failure, &f),
        "mxddns: example.com has failed 3 cycles in a row: HTTP 500"
    );
    assert_eq!(
        message(Event::Recovery, &sample(false, true, 4, 0)),
        "mxddns: example.com works again after 4 failed cycles"
    );
    let mut h = hook(3);
    assert_eq!(body(&h, Event::Change, &n), message(Event::Change, &n));
    h.body = Some(r#"{"text": "{event}: {message}", "err": "{error}"}"#.into());
    let v: serde_json::Value = serde_json::from_str(&body(&h, Event::Failure, &f)).unwrap();
    assert_eq!(
        v["text"],
        "failure: mxddns: example.com has failed 3 cycles in a row: HTTP 500"
    );
    assert_eq!(v["err"], "HTTP 500");
}

/// A one-shot webhook receiver on loopback: answers `status` to each request and
/// returns the raw requests it read.
async fn receiver(status: u16, count: usize) -> (String, tokio::task::JoinHandle<Vec<String>>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook/secret-token", l.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut got = Vec::new();
        for _ in 0..count {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = s.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if body.len() >= len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: 12\r\nConnection: close\r\n\r\nwebhook said"
            );
            s.write_all(answer.as_bytes()).await.unwrap();
            got.push(String::from_utf8_lossy(&buf).to_string());
        }
        got
    });
    (url, task)
}

#[tokio::test]
async fn sends_the_templated_request() {
    let (url, task) = receiver(200, 2).await;
    let mut h = hook(3);
    h.url = Secret::new(url);
    h.method = NotifyMethod::Put;
    h.headers = vec![
        NotifyHeader {
            name: "Title".into(),
            value: Secret::unregistered("mxddns"),
            secret: false,
        },
        NotifyHeader {
            name: "Authorization".into(),
            value: Secret::new("Bearer tk_123"),
            secret: true,
        },
    ];
    h.body = Some(r#"{"e":"{event}","d":"{domain}","h":"{host}","o":"{old}","n":"{new}"}"#.into());
    h.on.recovery = false;
    let mut plain = h.clone();
    plain.on.recovery = true;
    plain.body = Some("{event} {domain}".into());
    plain.on.change = false;
    plain.index = 1;
    let n = sample(true, true, 3, 0);
    let sent = Notifier::new()
        .unwrap()
        .send_all(&[h, plain], std::slice::from_ref(&n))
        .await;
    assert_eq!(sent, Sent { ok: 2, failed: 0 });
    let got = task.await.unwrap();
    let json = got
        .iter()
        .find(|r| r.contains("\"e\":"))
        .expect("the JSON one");
    assert!(
        json.starts_with("PUT /hook/secret-token HTTP/1.1\r\n"),
        "{json}"
    );
    let lower = json.to_ascii_lowercase();
    assert!(
        lower.contains("\r\ncontent-type: application/json\r\n"),
        "{json}"
    );
    assert!(lower.contains("\r\ntitle: mxddns\r\n"), "{json}");
    assert!(
        lower.contains("\r\nauthorization: bearer tk_123\r\n"),
        "{json}"
    );
    assert!(json.ends_with(
        r#"{"e":"change","d":"example.com","h":"mail.example.com","o":"203.0.113.10","n":"203.0.113.20"}"#
    ), "{json}");
    let text = got
        .iter()
        .find(|r| !r.contains("\"e\":"))
        .expect("the text one");
    assert!(text
        .to_ascii_lowercase()
        .contains("\r\ncontent-type: text/plain; charset=utf-8\r\n"));
    assert!(text.ends_with("\r\n\r\nrecovery example.com"), "{text}");
}

#[tokio::test]
async fn a_failing_webhook_is_counted_not_fatal() {
    let (url, task) = receiver(500, 1).await;
    let mut h = hook(3);
    h.url = Secret::new(url);
    let err = Notifier::new()
        .unwrap()
        .send(&h, Event::Change, &sample(true, true, 0, 0))
        .await
        .unwrap_err();
    assert_eq!(err, "HTTP 500 Internal Server Error: \"webhook said\"");
    task.await.unwrap();

    // Nobody listening: an error that does not repeat the URL (it may hold a token).
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    h.url = Secret::new(format!("http://{addr}/hook/secret-token"));
    let n = sample(true, true, 0, 0);
    let notifier = Notifier::new().unwrap();
    let err = notifier.send(&h, Event::Change, &n).await.unwrap_err();
    assert!(err.starts_with("could not connect: "), "{err}");
    assert!(err.to_ascii_lowercase().contains("refused"), "{err}");
    assert!(!err.contains("secret-token"), "{err}");
    let sent = notifier.send_all(&[h], std::slice::from_ref(&n)).await;
    assert_eq!(sent, Sent { ok: 0, failed: 1 });
}

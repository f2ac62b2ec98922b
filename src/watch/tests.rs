use super::*;
use crate::cycle::{DomainReport, Failure, RecordReport};
use crate::state::DomainState;
use crate::verify::VerifyReport;
use std::path::Path;
use std::sync::atomic::Ordering;

fn config(domains: &[&str]) -> Config {
    let mut text = String::from(
        "providers:\n  home-cf:\n    type: cloudflare\n    api_token: t0k3n\n    endpoint: http://127.0.0.1:9\ndomains:\n",
    );
    for d in domains {
        text.push_str(&format!("  - domain: {d}\n    provider: home-cf\n"));
    }
    crate::config::load::load_str_with_env(&text, Path::new("c.yaml"), &|_| None)
        .unwrap()
        .config
}

fn accounts(c: &Config) -> BTreeMap<String, Account> {
    crate::accounts::build_all(&c.providers, &crate::http::client().unwrap()).unwrap()
}

fn report(domains: Vec<DomainReport>) -> CycleReport {
    CycleReport {
        detections: Vec::new(),
        domains,
        api_requests: 0,
        elapsed: Duration::from_secs(1),
        state_error: None,
    }
}

fn domain(name: &str, outcome: Outcome, verify: Option<(u64, bool)>) -> DomainReport {
    DomainReport {
        domain: name.into(),
        host: Some(format!("mail.{name}")),
        records: vec![RecordReport {
            name: format!("mail.{name}"),
            rtype: "A",
            old: vec!["203.0.113.10".into()],
            new: "203.0.113.20".into(),
            outcome,
            provider: "home-cf".into(),
        }],
        verify: verify.map(|(ms, ok)| VerifyReport {
            ok,
            elapsed: Duration::from_millis(ms),
            servers_ok: 1,
            servers_total: 1,
            polls: 1,
            detail: String::new(),
        }),
        servers: 1,
        error: None,
        notices: Vec::new(),
        warnings: Vec::new(),
        served: Vec::new(),
        unserved: Vec::new(),
        proven: true,
    }
}

#[test]
fn starts_from_the_state_file() {
    let c = config(&["example.com", "example.net"]);
    let mut state = State::new();
    state.remember_address("203.0.113.20".parse().unwrap());
    for (d, t) in [
        ("example.com", 100),
        ("example.net", 50),
        ("gone.example", 10),
    ] {
        state.domains.insert(
            d.into(),
            DomainState {
                last_success: Some(t),
                last_change: Some(t - 1),
                ..DomainState::default()
            },
        );
    }
    let s = Status::new(&c, &state, &accounts(&c), 1000);
    assert_eq!(s.addresses[&Family::V4], "203.0.113.20");
    assert_eq!(
        s.domains.keys().collect::<Vec<_>>(),
        ["example.com", "example.net"]
    );
    assert_eq!(s.domains["example.com"].last_change, Some(99));
    // Every configured domain succeeded at least at the oldest of their successes.
    assert_eq!(s.last_success, Some(50));
    assert_eq!(s.busy_limit, Duration::from_secs(10 + 300 + 300));
    assert_eq!(s.accounts.len(), 1);
    assert_eq!(
        (s.accounts[0].name.as_str(), s.accounts[0].kind),
        ("home-cf", "cloudflare")
    );

    // A domain that never succeeded: no global success yet.
    state.domains.remove("example.net");
    assert_eq!(
        Status::new(&c, &state, &accounts(&c), 1000).last_success,
        None
    );
}

#[test]
fn cycles_are_counted() {
    let c = config(&["example.com", "example.net"]);
    let mut state = State::new();
    let mut s = Status::new(&c, &state, &accounts(&c), 1000);
    s.cycle_started();
    assert!(s.cycle_started.is_some());

    state.domains.insert(
        "example.com".into(),
        DomainState {
            last_success: Some(1010),
            last_change: Some(1010),
            ..DomainState::default()
        },
    );
    let ok = report(vec![
        domain("example.com", Outcome::Updated, Some((1500, true))),
        domain("example.net", Outcome::Current, None),
    ]);
    s.cycle_finished(&c, &ok, &state, 1010);
    assert_eq!(s.cycle_started, None);
    assert_eq!((s.cycles_ok, s.cycles_failed, s.records_updated), (1, 0, 1));
    assert_eq!(s.last_success, Some(1010));
    assert_eq!(s.last_cycle.as_ref().map(|c| c.ok), Some(true));
    assert_eq!(s.domains["example.com"].verify, Some((1.5, true)));
    assert_eq!(s.domains["example.com"].last_change, Some(1010));

    let failed = report(vec![
        domain("example.com", Outcome::Current, None),
        domain(
            "example.net",
            Outcome::Failed(Failure::new("HTTP 500")),
            None,
        ),
    ]);
    s.cycle_finished(&c, &failed, &state, 1020);
    s.cycle_finished(&c, &failed, &state, 1030);
    assert_eq!(
        (s.cycles_ok, s.cycles_failed, s.consecutive_failures),
        (1, 2, 2)
    );
    assert_eq!(s.last_success, Some(1010));
    let last = s.last_cycle.clone().unwrap();
    assert_eq!(
        (last.ok, last.at, last.error.as_deref()),
        (
            false,
            1030,
            Some("example.net: mail.example.net A: HTTP 500")
        )
    );
    // The last verification stays until there is a new one.
    assert_eq!(s.domains["example.com"].verify, Some((1.5, true)));

    s.cycle_finished(&c, &ok, &state, 1040);
    assert_eq!(s.consecutive_failures, 0);
    assert_eq!(s.records_updated, 2);
}

#[test]
fn a_reload_carries_the_api_totals_and_follows_the_domains() {
    let c = config(&["example.com", "example.net"]);
    let state = State::new();
    let first = accounts(&c);
    let mut s = Status::new(&c, &state, &first, 1000);
    first["home-cf"]
        .counters
        .requests
        .store(5, Ordering::Relaxed);
    first["home-cf"]
        .counters
        .failures
        .store(1, Ordering::Relaxed);
    // The same accounts again: nothing is counted twice.
    s.set_accounts(&first);
    assert_eq!((s.accounts[0].requests(), s.accounts[0].failures()), (5, 1));

    let c2 = config(&["example.com"]);
    let second = accounts(&c2);
    s.reconfigure(&c2, &state, &second);
    second["home-cf"]
        .counters
        .requests
        .store(2, Ordering::Relaxed);
    assert_eq!((s.accounts[0].requests(), s.accounts[0].failures()), (7, 1));
    assert_eq!(s.domains.keys().collect::<Vec<_>>(), ["example.com"]);

    let third = accounts(&c2);
    s.reconfigure(&c2, &state, &third);
    assert_eq!(s.accounts[0].requests(), 7);
}

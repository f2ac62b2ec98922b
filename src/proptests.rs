//! Property tests of the parsers that read untrusted or hand-written input: the
//! configuration loader, the SPF parser and edit, and the IP-answer parser. Whatever the
//! input: no panic, no hang, and every rejection is a clear, printable error. (The
//! providers' answer parsers have theirs in providers/tests/parsers.rs; the fuzz targets
//! in fuzz/ drive the same entry points for longer.)

use crate::config;
use crate::detect::{parse_answer, Family};
use crate::spf::{self, Edit};
use proptest::prelude::*;
use std::net::IpAddr;
use std::path::Path;

const TOKEN: &str = "Zq3xV9mT2pL8sK4wR7nB1cY6hD5fG0jA2eU8iO3k";

fn config_text() -> String {
    format!(
        "schedule: 5m\nstate_file: /var/lib/mxddns/state.json\ndetect:\n  ipv4: [\"https://api.ipify.org\", \"dns:opendns\"]\n  quorum: 1\n  timeout: 10s\nproviders:\n  home-cf:\n    type: cloudflare\n    api_token: \"{TOKEN}\"\ndomains:\n  - domain: example.com\n    provider: home-cf\n    host: mail.example.com\n    ttl: 600\n    spf: true\ndns:\n  resolvers: [\"192.0.2.53\"]\n  verify: authoritative\n  verify_timeout: 5m\n"
    )
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Load `text`; an error must name the file and never quote the API token.
fn check_config(text: &str) -> Result<(), TestCaseError> {
    match config::load::load_str_with_env(text, Path::new("/etc/mxddns/config.yaml"), &no_env) {
        Ok(loaded) => {
            let plan = config::render_plan(&loaded.config);
            prop_assert!(!plan.contains(TOKEN), "the plan shows the token: {plan}");
            let debug = format!("{:?}", loaded.config);
            prop_assert!(!debug.contains(TOKEN), "Debug shows the token");
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(msg.contains("config.yaml"), "names the file: {msg:?}");
            prop_assert!(msg.trim().len() > "config.yaml".len(), "{msg:?}");
            if text.contains(TOKEN) {
                prop_assert!(!msg.contains(TOKEN), "quotes the token: {msg:?}");
            }
        }
    }
    Ok(())
}

/// Typical slips: replace, insert or delete a short span of a valid file.
fn mutated_config() -> impl Strategy<Value = String> {
    let base = config_text();
    let n = base.len();
    let junk = prop_oneof![
        "[ -~]{0,12}",
        "[:\\-\\[\\]{}\"'#&*!|>%@`\\n\\t ]{0,6}",
        "\\PC{0,8}",
        Just("\n  ".to_string()),
        Just(": ".to_string()),
        Just("${UNSET_VAR}".to_string()),
    ];
    (0..=n, 0..=16usize, junk).prop_map(move |(at, del, ins)| {
        let mut s = base.clone();
        let at = (0..=at).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        let end = (at + del).min(s.len());
        let end = (end..=s.len())
            .find(|i| s.is_char_boundary(*i))
            .unwrap_or(s.len());
        s.replace_range(at..end, &ins);
        s
    })
}

/// SPF terms: valid ones of every kind, near-misses, and junk.
fn spf_term() -> impl Strategy<Value = String> {
    let q = prop_oneof![Just(""), Just("+"), Just("-"), Just("~"), Just("?")];
    let body = prop_oneof![
        Just("all".to_string()),
        Just("mx".to_string()),
        Just("a".to_string()),
        Just("a:mail.example.com/24".to_string()),
        Just("mx//64".to_string()),
        Just("include:_spf.example.net".to_string()),
        Just("ptr".to_string()),
        Just("exists:%{i}.x.example".to_string()),
        Just("redirect=_spf.example.org".to_string()),
        Just("exp=explain.example.org".to_string()),
        Just("ip4:203.0.113.10".to_string()),
        Just("ip4:203.0.113.20".to_string()),
        Just("ip4:198.51.100.0/24".to_string()),
        Just("ip6:2001:db8::10".to_string()),
        Just("ip6:2001:db8::/32".to_string()),
        (0u8..=40).prop_map(|n| format!("ip4:192.0.2.0/{n}")),
        "[a-z0-9:./=%{}_-]{1,20}",
    ];
    (q, body).prop_map(|(q, b)| format!("{q}{b}"))
}

fn spf_record() -> impl Strategy<Value = Vec<String>> {
    (
        prop::collection::vec(spf_term(), 0..12),
        prop_oneof![Just(" "), Just("  ")],
        1usize..4,
    )
        .prop_map(|(terms, sep, parts)| {
            let text = format!("v=spf1{}{}", sep, terms.join(sep));
            // Split into character-strings the way a zone editor might.
            let step = text.len().div_ceil(parts).max(1);
            let bytes = text.as_bytes();
            bytes
                .chunks(step)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect()
        })
}

fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        Just("203.0.113.10".parse().unwrap()),
        Just("203.0.113.20".parse().unwrap()),
        Just("198.51.100.7".parse().unwrap()),
        Just("2001:db8::10".parse().unwrap()),
        Just("2001:db8::20".parse().unwrap()),
        any::<[u8; 4]>().prop_map(IpAddr::from),
    ]
}

/// The terms that are not an `ip4:`/`ip6:` of one of `ours`, in order.
fn foreign_terms(text: &str, ours: &[IpAddr]) -> Vec<String> {
    text.split_ascii_whitespace()
        .skip(1)
        .filter(|t| {
            let bare = t.trim_start_matches(['+', '-', '~', '?']);
            let addr = bare
                .strip_prefix("ip4:")
                .or_else(|| bare.strip_prefix("ip6:"))
                .and_then(|a| a.split('/').next())
                .and_then(|a| a.parse::<IpAddr>().ok());
            !addr.is_some_and(|a| ours.contains(&a))
        })
        .map(str::to_string)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn config_with_a_slip_loads_or_says_where(text in mutated_config()) {
        check_config(&text)?;
    }

    #[test]
    fn config_of_any_text_loads_or_says_where(text in "\\PC{0,300}") {
        check_config(&text)?;
    }

    #[test]
    fn spf_parse_never_panics_and_errors_are_clear(text in "(v=spf1 )?\\PC{0,120}") {
        if let Err(e) = spf::parse(&text) {
            prop_assert!(e.to_string().len() > 10);
        }
    }

    #[test]
    fn spf_edit_changes_only_our_term(
        strings in spf_record(),
        old in prop::collection::vec(address(), 0..3),
        new in address(),
        other in prop::option::of(Just("mx")),
    ) {
        let before = strings.concat();
        match spf::edit(&strings, &old, new, other) {
            Err(e) => prop_assert!(e.to_string().len() > 10),
            Ok(Edit::Unchanged(why)) => prop_assert!(!why.is_empty()),
            Ok(Edit::Rewrite(out)) => {
                let after = out.concat();
                let parsed = spf::parse(&after);
                prop_assert!(parsed.is_ok(), "{after:?}: {parsed:?}");
                for s in &out {
                    prop_assert!(s.len() <= 255, "string of {} bytes", s.len());
                }
                let tag = if new.is_ipv4() { "ip4:" } else { "ip6:" };
                let has_new = after
                    .split_ascii_whitespace()
                    .any(|t| t.trim_start_matches('+') == format!("{tag}{new}"));
                prop_assert!(has_new, "{before:?} -> {after:?}");
                // Everything that is not our address is kept, in order.
                let mut ours = old.clone();
                ours.push(new);
                prop_assert_eq!(foreign_terms(&before, &ours), foreign_terms(&after, &ours));
            }
        }
    }

    #[test]
    fn ip_answers_are_an_address_or_a_clear_refusal(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            "\\PC{0,80}".prop_map(String::into_bytes),
            "(ip=|h=|ts=)?[0-9a-f.:\\n =]{0,60}".prop_map(String::into_bytes),
        ],
        v6 in any::<bool>(),
    ) {
        let family = if v6 { Family::V6 } else { Family::V4 };
        match parse_answer(&body, family) {
            Ok(ip) => {
                prop_assert_eq!(ip.is_ipv6(), v6);
                let text = String::from_utf8_lossy(&body);
                prop_assert!(text.contains(&ip.to_string()) || text.to_lowercase().contains(&ip.to_string()),
                    "{ip} not in {text:?}");
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.len() > 5, "{msg:?}");
                prop_assert!(msg.len() < 400, "{} bytes: {msg:?}", msg.len());
                prop_assert!(!msg.chars().any(char::is_control), "{msg:?}");
            }
        }
    }
}

/// Inputs the fuzzers found panicking, kept as plain tests.
#[test]
fn spf_inputs_found_by_fuzzing() {
    let new: IpAddr = "203.0.113.20".parse().unwrap();
    let old: IpAddr = "203.0.113.10".parse().unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec!["v=spf1 ixv=\u{fffd}".into()],
        vec!["v=sp".into(), "f1 ".into()],
        vec![format!(
            "v=spf1 {} ip4:203.0.113.10 ~all",
            "exp=é".repeat(60)
        )],
    ];
    for strings in cases {
        if let Ok(Edit::Rewrite(out)) = spf::edit(&strings, &[old], new, None) {
            assert!(spf::parse(&out.concat()).is_ok(), "{out:?}");
            assert!(out.iter().all(|s| s.len() <= 255), "{out:?}");
        }
    }
    assert!(!spf::is_spf("ఒa\u{b3c}"));
}

#[test]
fn alias_bombs_and_deep_nesting_end_with_an_error() {
    // "Billion laughs": nine levels of nine aliases each.
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, c) in ('b'..='i').enumerate() {
        let prev = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    for text in [bomb, deep] {
        let r = config::load::load_str_with_env(&text, Path::new("config.yaml"), &no_env);
        let Err(e) = r else {
            panic!("accepted");
        };
        assert!(e.to_string().contains("config.yaml"), "{e}");
    }
}

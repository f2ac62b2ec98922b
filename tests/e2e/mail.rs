//! The mail-aware cycle through the real binary: the MX chain, CNAME mode, shared MX
//! hosts and SPF upkeep — each scene on all six back-ends: the five emulated registrars,
//! and RFC 2136 to a real BIND 9 and a real Knot DNS holding the scene's zones.

use super::backends::{scene_tests, Back, Scene};
use super::harness::*;
use mxddns_fakereg::{FakeOptions, RrType};

/// A bare zone set; the echo says 203.0.113.20.
fn scene() -> FakeOptions {
    FakeOptions::new().echo_ipv4("203.0.113.20".parse().unwrap())
}

/// Start the scene on `back`, with TTLs every registrar accepts (GoDaddy holds none below
/// 600, and writes back a whole record set).
fn start(back: Back, mut opts: FakeOptions) -> Scene {
    for z in &mut opts.zones {
        for rec in &mut z.records {
            rec.ttl = rec.ttl.max(3600);
        }
    }
    Scene::start(back, opts)
}

scene_tests!(
    all:
    mx_host_that_is_a_cname_updates_the_end_of_the_chain,
    two_domains_sharing_an_mx_host_write_it_once,
    a_domain_without_mx_is_reported,
    cname_mode_with_a_fixed_target,
    cname_mode_with_the_reverse_name_of_the_address,
    cname_mode_refuses_a_ptr_that_is_not_forward_confirmed,
    cname_mode_with_a_template,
    spf_term_is_replaced_and_other_txt_records_survive,
    split_spf_strings_keep_their_split,
    spf_that_authorises_through_mx_is_left_alone,
    two_spf_records_are_refused_but_the_address_is_still_kept,
    missing_spf_is_a_warning_unless_create,
    an_spf_write_that_failed_is_finished_by_the_next_cycle,
);

fn txt(env: &Scene, name: &str) -> Vec<String> {
    env.records(name, RrType::TXT)
}

fn mx_host_that_is_a_cname_updates_the_end_of_the_chain(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record(
                "example.com",
                "mail.example.com",
                RrType::CNAME,
                "home.example.com.",
            )
            .record("example.com", "home.example.com", RrType::A, "203.0.113.10"),
    );
    let cfg = env.config("  - domain: example.com\n    provider: {provider}\n");
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("home.example.com"), ["203.0.113.20"]);
    assert_eq!(
        env.records("mail.example.com", RrType::CNAME),
        ["home.example.com"],
        "the alias is left alone"
    );
    assert!(
        r.stdout
            .contains("home.example.com A 203.0.113.10 -> 203.0.113.20 updated"),
        "{r:?}"
    );
    assert!(r.stdout.contains("verified MX mail.example.com"), "{r:?}");
}

fn two_domains_sharing_an_mx_host_write_it_once(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record("example.com", "mail.example.com", RrType::A, "203.0.113.10")
            .zone("example.org")
            .record(
                "example.org",
                "example.org",
                RrType::MX,
                "10 mail.example.com.",
            ),
    );
    let cfg = env.config(
    "  - domain: example.com\n    provider: {provider}\n  - domain: example.org\n    provider: {provider}\n",
);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
    assert_eq!(
        env.writes(),
        1,
        "one write for the shared record: {:?}",
        env.requests()
    );
    assert!(r.stdout.contains("example.org: mail.example.com A 203.0.113.10 -> 203.0.113.20 (same record as above, written once)"), "{r:?}");
    assert!(
        r.stdout
            .contains("example.org: verified MX mail.example.com"),
        "{r:?}"
    );
}

fn a_domain_without_mx_is_reported(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record("example.com", "example.com", RrType::A, "203.0.113.10"),
    );
    let cfg = env.config("  - domain: example.com\n    provider: {provider}\n");
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("example.com has no MX record: senders fall back to its A record"),
        "{r:?}"
    );
    assert_eq!(env.api_requests(), 0);
}

fn cname_mode_with_a_fixed_target(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record(
                "example.com",
                "mail.example.com",
                RrType::CNAME,
                "old-line.example.net.",
            )
            .zone("example.net")
            .record(
                "example.net",
                "old-line.example.net",
                RrType::A,
                "203.0.113.10",
            )
            .record(
                "example.net",
                "new-line.example.net",
                RrType::A,
                "203.0.113.20",
            ),
    );
    let cfg = env.config(
    "  - domain: example.com\n    provider: {provider}\n    type: CNAME\n    target: new-line.example.net\n",
);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        env.records("mail.example.com", RrType::CNAME),
        ["new-line.example.net"]
    );
    assert!(
        r.stdout.contains(
            "mail.example.com CNAME old-line.example.net -> new-line.example.net updated"
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("verified MX mail.example.com"), "{r:?}");
    // Nothing to do the second time.
    let before = env.api_requests();
    assert_eq!(update_now(&cfg).code, 0);
    assert_eq!(env.api_requests(), before);
}

fn cname_mode_with_the_reverse_name_of_the_address(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record(
                "example.com",
                "mail.example.com",
                RrType::CNAME,
                "host-203-0-113-10.isp.example.net.",
            )
            .zone("isp.example.net")
            .record(
                "isp.example.net",
                "host-203-0-113-10.isp.example.net",
                RrType::A,
                "203.0.113.10",
            )
            .record(
                "isp.example.net",
                "host-203-0-113-20.isp.example.net",
                RrType::A,
                "203.0.113.20",
            )
            .zone("113.0.203.in-addr.arpa")
            .record(
                "113.0.203.in-addr.arpa",
                "20.113.0.203.in-addr.arpa",
                RrType::PTR,
                "host-203-0-113-20.isp.example.net.",
            ),
    );
    let cfg = env.config(
    "  - domain: example.com\n    provider: {provider}\n    type: CNAME\n    target: \"{ptr}\"\n",
);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        env.records("mail.example.com", RrType::CNAME),
        ["host-203-0-113-20.isp.example.net"]
    );
    assert!(r.stdout.contains("verified MX mail.example.com"), "{r:?}");
}

fn cname_mode_refuses_a_ptr_that_is_not_forward_confirmed(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record(
                "example.com",
                "mail.example.com",
                RrType::CNAME,
                "old.example.net.",
            )
            .zone("113.0.203.in-addr.arpa")
            .record(
                "113.0.203.in-addr.arpa",
                "20.113.0.203.in-addr.arpa",
                RrType::PTR,
                "liar.example.net.",
            )
            .zone("example.net")
            .record("example.net", "old.example.net", RrType::A, "203.0.113.10")
            .record("example.net", "liar.example.net", RrType::A, "198.51.100.1"),
    );
    let cfg = env.config(
    "  - domain: example.com\n    provider: {provider}\n    type: CNAME\n    target: \"{ptr}\"\n",
);
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("does not resolve back to it"), "{r:?}");
    assert_eq!(
        env.records("mail.example.com", RrType::CNAME),
        ["old.example.net"]
    );
}

fn cname_mode_with_a_template(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .zone("sslip.example")
            .record(
                "sslip.example",
                "203-0-113-20.sslip.example",
                RrType::A,
                "203.0.113.20",
            ),
    );
    let cfg = env.config(
    "  - domain: example.com\n    provider: {provider}\n    type: CNAME\n    target: \"{ip4-dashed}.sslip.example\"\n",
);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        env.records("mail.example.com", RrType::CNAME),
        ["203-0-113-20.sslip.example"]
    );
    assert!(
        r.stdout
            .contains("mail.example.com CNAME 203-0-113-20.sslip.example created"),
        "{r:?}"
    );
}

fn spf_scene(reg: Back, spf: &[&[&str]]) -> Scene {
    let mut o = scene()
        .zone("example.com")
        .record(
            "example.com",
            "example.com",
            RrType::MX,
            "10 mail.example.com.",
        )
        .record("example.com", "mail.example.com", RrType::A, "203.0.113.10")
        .txt(
            "example.com",
            "example.com",
            &["google-site-verification=k9s8d7f6g5h4j3k2l1"],
        );
    for strings in spf {
        o = o.txt("example.com", "example.com", strings);
    }
    start(reg, o)
}

fn spf_config(env: &Scene, mode: &str) -> std::path::PathBuf {
    env.config(&format!(
        "  - domain: example.com\n    provider: {{provider}}\n    spf: {mode}\n"
    ))
}

fn spf_term_is_replaced_and_other_txt_records_survive(reg: Back) {
    let env = spf_scene(
        reg,
        &[&["v=spf1 mx ip4:203.0.113.10 include:_spf.example.net ~all"]],
    );
    let r = update_now(&spf_config(&env, "true"));
    assert_eq!(r.code, 0, "{r:?}");
    let mut t = txt(&env, "example.com");
    t.sort();
    assert_eq!(
        t,
        [
            "\"google-site-verification=k9s8d7f6g5h4j3k2l1\"",
            "\"v=spf1 mx ip4:203.0.113.20 include:_spf.example.net ~all\""
        ]
    );
    assert!(r.stdout.contains("verified MX mail.example.com"), "{r:?}");
}

fn split_spf_strings_keep_their_split(reg: Back) {
    let env = spf_scene(
        reg,
        &[&[
            "v=spf1 include:_spf.example.net include:mailgun.example",
            " ip4:203.0.113.10 ~all",
        ]],
    );
    let r = update_now(&spf_config(&env, "true"));
    assert_eq!(r.code, 0, "{r:?}");
    let after = txt(&env, "example.com");
    // Cloudflare, Huawei Cloud and RFC 2136 take the character-strings as written;
    // Alidns, GoDaddy and DNSPod take a TXT value as one string and split it
    // themselves, so there only the text is ours.
    let want = if reg.keeps_txt_strings() {
        "\"v=spf1 include:_spf.example.net include:mailgun.example\" \" ip4:203.0.113.20 ~all\""
    } else {
        "\"v=spf1 include:_spf.example.net include:mailgun.example ip4:203.0.113.20 ~all\""
    };
    assert!(after.contains(&want.to_string()), "{reg:?}: {after:?}");
    assert!(
        after.contains(&"\"google-site-verification=k9s8d7f6g5h4j3k2l1\"".to_string()),
        "{reg:?}: {after:?}"
    );
}

fn spf_that_authorises_through_mx_is_left_alone(reg: Back) {
    let env = spf_scene(reg, &[&["v=spf1 mx -all"]]);
    let r = update_now(&spf_config(&env, "true"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(txt(&env, "example.com").contains(&"\"v=spf1 mx -all\"".to_string()));
    assert_eq!(env.writes(), 1, "only the A record: {:?}", env.requests());
}

fn two_spf_records_are_refused_but_the_address_is_still_kept(reg: Back) {
    let env = spf_scene(
        reg,
        &[&["v=spf1 ip4:203.0.113.10 -all"], &["v=spf1 mx -all"]],
    );
    let r = update_now(&spf_config(&env, "true"));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("2 SPF records at example.com"), "{r:?}");
    assert!(r.stderr.contains("RFC 7208 §3.2"), "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
    assert!(
        txt(&env, "example.com").contains(&"\"v=spf1 ip4:203.0.113.10 -all\"".to_string()),
        "SPF untouched"
    );
}

fn missing_spf_is_a_warning_unless_create(reg: Back) {
    let env = spf_scene(reg, &[]);
    let r = update_now(&spf_config(&env, "true"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("warning: example.com: example.com has no SPF record"),
        "{r:?}"
    );
    assert_eq!(txt(&env, "example.com").len(), 1);

    let r = update_now(&spf_config(&env, "create"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        txt(&env, "example.com").contains(&"\"v=spf1 ip4:203.0.113.20 ~all\"".to_string()),
        "{:?}",
        txt(&env, "example.com")
    );
}

/// An SPF record long enough that its RFC 2136 UPDATE (the old value as prerequisite, its
/// delete, the new value) exceeds 512 bytes and goes over TCP.
const LONG_SPF: &str = "v=spf1 mx include:_spf.mail-relay-one.example.net include:_spf.mail-relay-two.example.net include:_spf.newsletters.example.org include:_spf.helpdesk.example.org ip4:203.0.113.10 -all";

/// The address record is changed, then the SPF write fails (the registrar answers 503; the
/// real server's TCP connection is cut as the UPDATE is sent): the run fails and the SPF
/// record is the old one, whole. The next run no longer sees the old address in DNS, yet
/// still replaces its term: the state remembers the address the record was moved off.
fn an_spf_write_that_failed_is_finished_by_the_next_cycle(reg: Back) {
    let env = start(
        reg,
        scene()
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record("example.com", "mail.example.com", RrType::A, "203.0.113.10")
            .txt("example.com", "example.com", &[LONG_SPF]),
    );
    let cfg = spf_config(&env, "true");
    env.fail_writes_after(1);
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{reg:?}: {r:?}\n{}", env.requests());
    assert!(
        r.stderr.contains("error: example.com: example.com TXT"),
        "{reg:?}: {r:?}"
    );
    if matches!(reg, Back::Bind | Back::Knot) {
        let server = env.server_addr();
        assert!(
            r.stderr.contains(&format!("update to {server} failed")),
            "names the server: {r:?}"
        );
        assert!(
            r.stderr.contains("check that the DNS server runs"),
            "says what to check: {r:?}"
        );
    }
    assert_eq!(
        env.a_records("mail.example.com"),
        ["203.0.113.20"],
        "{reg:?}"
    );
    assert_eq!(
        txt(&env, "example.com"),
        [format!("\"{LONG_SPF}\"")],
        "{reg:?}: the SPF record is the old one, whole"
    );

    env.heal();
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{reg:?}: {r:?}\n{}", env.requests());
    assert_eq!(
        txt(&env, "example.com"),
        [format!(
            "\"{}\"",
            LONG_SPF.replace("ip4:203.0.113.10", "ip4:203.0.113.20")
        )],
        "{reg:?}: {r:?}"
    );
    assert_eq!(
        env.a_records("mail.example.com"),
        ["203.0.113.20"],
        "{reg:?}"
    );
}

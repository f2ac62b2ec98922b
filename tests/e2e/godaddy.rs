//! The whole path on GoDaddy, through the real binary: the read-modify-write of record sets
//! touches only this network's values, and every GoDaddy error ends with its advice.

use super::harness::*;
use mxddns_fakereg::{FakeOptions, HttpFault, HttpMatch, RrType, StoredRecord};
use std::net::Ipv4Addr;

/// example.com as a GoDaddy zone holds it (no TTL below 600): MX 10 mail, mail A
/// 203.0.113.10, and at the apex the SPF record `spf` (presentation form) and `others`.
fn zone(spf: &str, others: &[&str]) -> FakeOptions {
    let mut o = FakeOptions::new()
        .record(
            "example.com",
            "@",
            RrType::SOA,
            "ns1.example.com. hostmaster.example.com. 2024010101 3600 600 604800 600",
        )
        .record_ttl("example.com", "@", RrType::NS, "ns1.example.com.", 3600)
        .record_ttl("example.com", "@", RrType::NS, "ns2.example.com.", 3600)
        .record_ttl("example.com", "@", RrType::MX, "10 mail.example.com.", 3600)
        .record_ttl("example.com", "mail", RrType::A, "203.0.113.10", 3600)
        .record_ttl("example.com", "@", RrType::TXT, spf, 3600);
    for t in others {
        o = o.record_ttl("example.com", "@", RrType::TXT, t, 3600);
    }
    o.godaddy_key(GD_KEY, GD_SECRET, &[])
        .echo_ipv4(Ipv4Addr::new(203, 0, 113, 20))
}

fn apex_txt(env: &Env) -> Vec<StoredRecord> {
    env.fake
        .store()
        .list("example.com", Some("example.com"), Some(RrType::TXT))
}

fn assert_secret_hidden(r: &Run, secret: &str) {
    assert!(!r.all().contains(secret), "the secret is printed: {r:?}");
}

#[test]
fn update_now_changes_the_record_and_verifies_mx() {
    let env = Env::example();
    let cfg = env.write_config(&env.godaddy_config(GD_KEY, GD_SECRET));

    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at home-gd"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("example.com: verified MX mail.example.com in"),
        "{r:?}"
    );
    let puts: Vec<_> = env
        .fake
        .requests()
        .into_iter()
        .filter(|q| q.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1, "{:?}", env.fake.requests());
    assert_eq!(puts[0].path, "/v1/domains/example.com/records/A/mail");
    assert_eq!(
        puts[0].body,
        r#"[{"data":"203.0.113.20","name":"mail","ttl":600,"type":"A"}]"#
    );
    assert_secret_hidden(&r, GD_SECRET);

    // Second run: DNS already holds the address: no API request at all.
    let before = env.api_requests();
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(
            "mail.example.com A 203.0.113.20 is current at 1 authoritative server; no API call"
        ),
        "{r:?}"
    );
    assert_eq!(
        env.api_requests(),
        before,
        "no request when nothing changed"
    );

    // A new address with a warm state: read the set, write it back.
    env.fake.set_echo_ip("203.0.113.30".parse().unwrap());
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.30"]);
    assert_eq!(
        env.api_requests() - before,
        2,
        "GET and PUT of the set: {:?}",
        env.fake.requests()
    );
}

#[test]
fn spf_write_leaves_the_other_apex_txt_records_byte_identical() {
    let env = Env::with(zone(
        "v=spf1 mx ip4:203.0.113.10 -all",
        &[
            "google-site-verification=4ibFUgB-wXLQ_S7vsXVomSTVamuOXBiVAzpR5IZ87D0",
            r#""keybase-site-verification=" "Yy2Z8f1BqW1kG7e""#,
        ],
    ));
    let before = apex_txt(&env);
    let cfg = env.write_config(&env.godaddy_config_with(GD_KEY, GD_SECRET, "    spf: true\n"));

    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(
            r#"example.com TXT "v=spf1 mx ip4:203.0.113.10 -all" -> "v=spf1 mx ip4:203.0.113.20 -all" updated at home-gd"#
        ),
        "{r:?}"
    );
    let after = apex_txt(&env);
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(
        env.fake.store().txt("example.com")[0],
        "v=spf1 mx ip4:203.0.113.20 -all"
    );
    for (b, a) in before[1..].iter().zip(&after[1..]) {
        assert_eq!(
            (&a.data, a.ttl),
            (&b.data, b.ttl),
            "a neighbour of the SPF record changed"
        );
    }
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(r.stdout.contains("verified MX"), "{r:?}");

    // Nothing changed since: no API call.
    let n = env.api_requests();
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.api_requests(), n, "{r:?}");
}

#[test]
fn an_spf_record_split_into_several_strings_is_found_and_rewritten() {
    // DNS shows two strings; GoDaddy's API shows one joined text.
    let env = Env::with(zone(
        r#""v=spf1 ip4:203.0.113.10 " "include:_spf.example.net -all""#,
        &["google-site-verification=abc"],
    ));
    let cfg = env.write_config(&env.godaddy_config_with(GD_KEY, GD_SECRET, "    spf: true\n"));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    let txt = env.fake.store().txt("example.com");
    assert_eq!(
        txt,
        vec![
            "v=spf1 ip4:203.0.113.20 include:_spf.example.net -all",
            "google-site-verification=abc"
        ]
    );
}

#[test]
fn another_a_record_at_the_name_is_left_alone() {
    let env = Env::with(zone("v=spf1 ip4:203.0.113.10 ip4:198.51.100.7 -all", &[]));
    let cfg = env.write_config(&env.godaddy_config_with(GD_KEY, GD_SECRET, "    spf: true\n"));
    assert_eq!(update_now(&cfg).code, 0);

    // Someone adds a second address for mail (another line); then this line's address
    // changes. Only this network's value moves, in the A set and in SPF.
    env.fake
        .store()
        .insert("mail.example.com", RrType::A, "198.51.100.7", 3600)
        .unwrap();
    env.fake.set_echo_ip("203.0.113.30".parse().unwrap());
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    let mut a = env.a_records("mail.example.com");
    a.sort();
    assert_eq!(a, vec!["198.51.100.7", "203.0.113.30"], "{r:?}");
    assert_eq!(
        env.fake.store().txt("example.com"),
        vec!["v=spf1 ip4:203.0.113.30 ip4:198.51.100.7 -all"],
        "{r:?}"
    );
    assert!(r.stdout.contains("verified MX"), "{r:?}");

    // And nothing to do next time, the other address notwithstanding.
    let n = env.api_requests();
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.api_requests(), n, "{r:?}");
}

#[test]
fn two_unknown_addresses_at_the_name_are_not_guessed_between() {
    let env = Env::with(zone("v=spf1 mx -all", &[]).record_ttl(
        "example.com",
        "mail",
        RrType::A,
        "198.51.100.7",
        3600,
    ));
    let cfg = env.write_config(&env.godaddy_config(GD_KEY, GD_SECRET));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("will not guess"), "{r:?}");
    assert_eq!(
        env.a_records("mail.example.com"),
        vec!["203.0.113.10", "198.51.100.7"]
    );
    assert_eq!(env.writes(), 0, "{:?}", env.fake.requests());
}

#[test]
fn a_small_account_gets_the_2024_explanation() {
    let opts = FakeOptions::example().godaddy_small_account_key("smallkey", "smallsecret", &[]);
    let env = Env::with(opts);
    let cfg = env.write_config(&env.godaddy_config("smallkey", "smallsecret"));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    for want in [
        "godaddy",
        "ACCESS_DENIED",
        "2024",
        "10 domains",
        "Discount Domain Club",
        "move the domain's DNS to Cloudflare",
        "type: cloudflare",
    ] {
        assert!(r.stderr.contains(want), "missing {want:?}: {r:?}");
    }
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
    assert_secret_hidden(&r, "smallsecret");
}

#[test]
fn bad_credentials_say_what_to_check() {
    let env = Env::example();
    let cfg = env.write_config(&env.godaddy_config(GD_KEY, "not-the-secret"));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("UNABLE_TO_AUTHENTICATE"), "{r:?}");
    assert!(r.stderr.contains("check api_key/api_secret"), "{r:?}");
    assert!(r.stderr.contains("OTE"), "{r:?}");
    assert_secret_hidden(&r, "not-the-secret");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
}

#[test]
fn a_domain_outside_the_account_is_named() {
    let opts = FakeOptions::example().zone("other.test").godaddy_key(
        "otherkey",
        "othersecret",
        &["other.test"],
    );
    let env = Env::with(opts);
    let cfg = env.write_config(&env.godaddy_config("otherkey", "othersecret"));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("UNKNOWN_DOMAIN"), "{r:?}");
    assert!(
        r.stderr.contains("registered in this GoDaddy account"),
        "{r:?}"
    );
    assert_secret_hidden(&r, "othersecret");
    assert_eq!(env.writes(), 0);
}

#[test]
fn too_many_requests_waits_retry_after_sec_then_succeeds() {
    let env = Env::example();
    env.fake.faults().http(
        HttpMatch::any().vendor("godaddy").method("PUT"),
        HttpFault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    let cfg = env.write_config(&env.godaddy_config(GD_KEY, GD_SECRET));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(r.stderr.contains("trying again in 1.0 s"), "{r:?}");
    let puts: Vec<u16> = env
        .fake
        .requests()
        .iter()
        .filter(|q| q.method == "PUT")
        .map(|q| q.status)
        .collect();
    assert_eq!(puts, vec![429, 200]);
}

#[test]
fn the_per_endpoint_limit_is_waited_out() {
    // Two reads per second per endpoint: the third read of the cycle gets 429 with
    // `retryAfterSec`, and succeeds once that has passed.
    let env = Env::with(FakeOptions::example().godaddy_rate_limit(2, 1, None));
    let cfg = env.write_config(&env.godaddy_config(GD_KEY, GD_SECRET));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(
        env.fake.requests().iter().any(|q| q.status == 429),
        "{:?}",
        env.fake.requests()
    );
}

#[test]
fn a_ttl_below_600_is_raised_with_a_notice() {
    let env = Env::example();
    let cfg = env.write_config(&env.godaddy_config_with(GD_KEY, GD_SECRET, "    ttl: 300\n"));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("ttl 300 is below godaddy's minimum; using 600"),
        "{r:?}"
    );
    let rec = &env
        .fake
        .store()
        .list("example.com", Some("mail.example.com"), Some(RrType::A))[0];
    assert_eq!((rec.value(), rec.ttl), ("203.0.113.20".to_string(), 600));
    assert!(
        env.fake.requests().iter().all(|q| q.status != 422),
        "never sent a TTL GoDaddy refuses: {:?}",
        env.fake.requests()
    );
}

#[test]
fn demo_runs_against_the_godaddy_emulator() {
    let r = run(mxddns().arg("demo").arg("--provider").arg("godaddy"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("GoDaddy Domains v1"), "{r:?}");
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at demo"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains(
            r#"example.com TXT "v=spf1 ip4:203.0.113.10 -all" -> "v=spf1 ip4:203.0.113.20 -all" updated at demo"#
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("verified MX mail.example.com"), "{r:?}");
    let cycles: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("cycle: "))
        .collect();
    assert_eq!(cycles.len(), 2, "{r:?}");
    assert!(cycles[1].contains(" 0 API request(s)"), "{r:?}");
}

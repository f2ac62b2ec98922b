//! The whole path on Cloudflare: detect, update, verify; then nothing to do; then a bad token.

use super::harness::*;

#[test]
fn update_now_changes_the_record_and_verifies_mx() {
    let env = Env::example();
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));

    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at home-cf"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("example.com: verified MX mail.example.com in"),
        "{r:?}"
    );
    assert!(r.stdout.contains("at 1/1 authoritative server(s)"), "{r:?}");
    let writes = env.writes();
    assert_eq!(writes, 1, "one PATCH: {:?}", env.fake.requests());

    // Second run: DNS already holds the address: no API request at all, and only two DNS
    // questions (MX, then the host's A; the zone is remembered from the first run).
    let before = env.api_requests();
    let queries = env.fake.dns_queries().len();
    let r = update_now(&cfg);
    let asked: Vec<String> = env.fake.dns_queries()[queries..]
        .iter()
        .map(|q| format!("{q:?}"))
        .collect();
    assert_eq!(asked.len(), 2, "{asked:#?}");
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
}

#[test]
fn warm_state_costs_one_request_per_changed_record() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    assert_eq!(update_now(&cfg).code, 0);
    let cold = env.api_requests();
    assert_eq!(
        cold,
        3,
        "zone + list + patch on a cold state: {:?}",
        env.fake.requests()
    );

    env.fake.set_echo_ip("203.0.113.30".parse().unwrap());
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.30"]);
    assert_eq!(
        env.api_requests() - cold,
        1,
        "only the PATCH: {:?}",
        env.fake.requests()
    );
}

#[test]
fn force_writes_even_when_current_and_dry_run_writes_nothing() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns()
        .arg("-c")
        .arg(&cfg)
        .arg("--update-now")
        .arg("--dry-run"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("would be written"), "{r:?}");
    // A dry run reads the record through the provider (so a bad token fails it), and
    // writes nothing.
    assert_eq!(env.writes(), 0);
    assert!(env.api_requests() > 0);
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);

    assert_eq!(update_now(&cfg).code, 0);
    let before = env.writes();
    let r = run(mxddns()
        .arg("-c")
        .arg(&cfg)
        .arg("--update-now")
        .arg("--force"));
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        env.writes(),
        before + 1,
        "--force writes the current value again"
    );
}

#[test]
fn quiet_prints_nothing_when_all_is_well() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns()
        .arg("-c")
        .arg(&cfg)
        .arg("--update-now")
        .arg("--quiet"));
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "", "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
}

#[test]
fn json_logs_are_json() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns()
        .arg("-c")
        .arg(&cfg)
        .arg("--update-now")
        .arg("--log-format")
        .arg("json")
        .env("MXDDNS_LOG", "debug"));
    assert_eq!(r.code, 0, "{r:?}");
    let mut n = 0;
    for line in r.stderr.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
        assert!(v.get("level").is_some(), "{line}");
        n += 1;
    }
    assert!(n > 0, "debug logging produced lines: {r:?}");
}

#[test]
fn a_revoked_token_fails_with_the_fix_and_no_change() {
    let env = Env::example();
    // Well-formed but unknown: 403 / 9109.
    let cfg = env.write_config(&env.cloudflare_config("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("cloudflare"), "{r:?}");
    assert!(r.stderr.contains("9109"), "{r:?}");
    assert!(
        !r.all().contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "the token is never printed: {r:?}"
    );
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);

    // Malformed: 400 / 6003 + 6111.
    let cfg = env.write_config(&env.cloudflare_config("abc-def"));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("6003") || r.stderr.contains("6111"),
        "{r:?}"
    );
}

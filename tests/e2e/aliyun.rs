//! The whole path on Aliyun Alidns through the real binary: update and verify (signature v1
//! and v3), nothing to do, SPF upkeep beside another apex TXT, each vendor error with its
//! advice, the free edition's TTL floor, deep names and a `.com.cn` zone.

use super::harness::*;
use mxddns_fakereg::{
    AliyunAccess, AliyunKey, FakeOptions, LoggedRequest, RrType, DEMO_ALIYUN_KEY_ID,
    DEMO_ALIYUN_KEY_SECRET,
};

const KEY: &str = DEMO_ALIYUN_KEY_ID;
const SECRET: &str = DEMO_ALIYUN_KEY_SECRET;

/// A parameter of a logged v1 request (query string), decoded.
fn param(r: &LoggedRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(r.query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The Alidns requests, as `Action` names (v1: from the query).
fn actions(env: &Env) -> Vec<String> {
    env.fake
        .requests()
        .iter()
        .filter(|r| r.vendor == "aliyun")
        .map(|r| param(r, "Action").unwrap_or_else(|| format!("{} (V3)", r.method)))
        .collect()
}

fn with_domain_extra(cfg: &str, extra: &str) -> String {
    cfg.replace(
        "    provider: home-ali\n",
        &format!("    provider: home-ali\n{extra}"),
    )
}

/// Secrets of every key these tests configure; none may ever be printed.
fn assert_no_secret(r: &Run, secret: &str) {
    assert!(!r.all().contains(secret), "the secret was printed: {r:?}");
}

#[test]
fn v1_updates_in_place_verifies_and_then_makes_no_call() {
    let env = Env::example();
    let cfg = env.write_config(&env.aliyun_config(KEY, SECRET, None));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at home-ali"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("example.com: verified MX mail.example.com in"),
        "{r:?}"
    );
    assert_no_secret(&r, SECRET);
    assert_eq!(
        actions(&env),
        [
            "DescribeDomainRecords",
            "DescribeSubDomainRecords",
            "UpdateDomainRecord"
        ]
    );
    let log = env.fake.requests();
    let update = log.iter().find(|r| r.write).unwrap();
    let id = env
        .fake
        .store()
        .list("example.com", Some("mail.example.com"), None)[0]
        .decimal_id();
    assert_eq!(param(update, "RecordId"), Some(id), "updated in place");
    assert_eq!(param(update, "RR").as_deref(), Some("mail"));
    assert_eq!(param(update, "Value").as_deref(), Some("203.0.113.20"));
    assert_eq!(update.method, "GET");

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

    // A warm state file: one request for the next change.
    env.fake.set_echo_ip("203.0.113.30".parse().unwrap());
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.30"]);
    assert_eq!(env.api_requests() - before, 1, "{:?}", actions(&env));
}

#[test]
fn v3_signature_updates_and_verifies() {
    let env = Env::example();
    let cfg = env.write_config(&env.aliyun_config(KEY, SECRET, Some("v3")));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(
        r.stdout
            .contains("example.com: verified MX mail.example.com in"),
        "{r:?}"
    );
    let log = env.fake.requests();
    let ali: Vec<&LoggedRequest> = log.iter().filter(|r| r.vendor == "aliyun").collect();
    assert_eq!(ali.len(), 3, "{ali:?}");
    assert!(ali.iter().all(|r| r.method == "POST" && r.status == 200));
    assert!(
        ali.iter().all(|r| param(r, "Signature").is_none()),
        "V3 signs in a header"
    );
    assert_eq!(env.writes(), 1);
    assert_no_secret(&r, SECRET);
}

#[test]
fn spf_rewrites_only_the_spf_txt_at_the_apex() {
    let env = Env::with_options(
        FakeOptions::example()
            .record(
                "example.com",
                "@",
                RrType::TXT,
                "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ",
            )
            // TXT at another name: not part of the apex set.
            .record("example.com", "_dmarc", RrType::TXT, "v=DMARC1; p=none"),
    );
    let other_before: Vec<_> = env
        .fake
        .store()
        .list("example.com", Some("example.com"), Some(RrType::TXT))
        .into_iter()
        .filter(|r| r.value().contains("google-site-verification"))
        .collect();
    assert_eq!(other_before.len(), 1);
    let cfg = env.write_config(&with_domain_extra(
        &env.aliyun_config(KEY, SECRET, None),
        "    spf: true\n",
    ));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    let txt = env.fake.store().txt("example.com");
    assert!(
        txt.contains(&"v=spf1 ip4:203.0.113.20 -all".to_string()),
        "{txt:?}"
    );
    let other_after: Vec<_> = env
        .fake
        .store()
        .list("example.com", Some("example.com"), Some(RrType::TXT))
        .into_iter()
        .filter(|r| r.value().contains("google-site-verification"))
        .collect();
    assert_eq!(
        other_after, other_before,
        "byte-identical, same id, untouched"
    );
    assert_eq!(txt.len(), 2, "{txt:?}");
    assert_eq!(
        env.fake.store().txt("_dmarc.example.com"),
        vec!["v=DMARC1; p=none"]
    );
    let log = env.fake.requests();
    let writes: Vec<&LoggedRequest> = log.iter().filter(|r| r.write).collect();
    assert_eq!(writes.len(), 2, "A and SPF: {:?}", actions(&env));
    let spf = writes
        .iter()
        .find(|w| param(w, "Type").as_deref() == Some("TXT"))
        .unwrap();
    assert_eq!(param(spf, "RR").as_deref(), Some("@"));
    assert_eq!(
        param(spf, "Value").as_deref(),
        Some("v=spf1 ip4:203.0.113.20 -all"),
        "TXT as plain text"
    );
    assert!(
        r.stdout.contains(
            "\"v=spf1 ip4:203.0.113.10 -all\" -> \"v=spf1 ip4:203.0.113.20 -all\" updated"
        ),
        "{r:?}"
    );

    let before = env.api_requests();
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.api_requests(), before, "SPF current too: no call");
}

#[test]
fn a_split_spf_record_is_found_among_other_apex_txt_records() {
    // DNS serves the SPF record as two strings; Alidns lists it as one plain text.
    let env = Env::with_options(
        FakeOptions::new()
            .record("example.com", "@", RrType::MX, "10 mail.example.com.")
            .record("example.com", "mail", RrType::A, "203.0.113.10")
            .txt("example.com", "@", &["v=spf1 ip4:203.0.113.10 ", "mx -all"])
            .txt("example.com", "@", &["google-site-verification=abc"])
            .aliyun_key(KEY, SECRET, &[])
            .echo_ipv4("203.0.113.20".parse().unwrap()),
    );
    let cfg = env.write_config(&with_domain_extra(
        &env.aliyun_config(KEY, SECRET, None),
        "    spf: true\n",
    ));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    let mut txt = env.fake.store().txt("example.com");
    txt.sort();
    assert_eq!(
        txt,
        [
            "google-site-verification=abc",
            "v=spf1 ip4:203.0.113.20 mx -all"
        ]
    );
}

#[test]
fn free_edition_ttl_is_raised_to_600_with_a_notice() {
    let env = Env::example();
    let cfg = env.write_config(&with_domain_extra(
        &env.aliyun_config(KEY, SECRET, None),
        "    ttl: 300\n",
    ));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.all()
            .contains("ttl 300 is below aliyun's minimum; using 600"),
        "{r:?}"
    );
    let rec = &env
        .fake
        .store()
        .list("example.com", Some("mail.example.com"), None)[0];
    assert_eq!(rec.ttl, 600);
    let log = env.fake.requests();
    let update = log.iter().find(|r| r.write).unwrap();
    assert_eq!(param(update, "TTL").as_deref(), Some("600"));
}

#[test]
fn deep_names_in_a_com_cn_zone_get_the_right_rr() {
    let env = Env::with_options(
        FakeOptions::example()
            .record(
                "example.com.cn",
                "@",
                RrType::MX,
                "10 mx.a.b.example.com.cn.",
            )
            .record("example.com.cn", "mx.a.b", RrType::A, "203.0.113.10"),
    );
    let cfg = env
        .aliyun_config(KEY, SECRET, None)
        .replace("- domain: example.com\n", "- domain: example.com.cn\n");
    let cfg = env.write_config(&cfg);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mx.a.b.example.com.cn"), vec!["203.0.113.20"]);
    assert_eq!(
        env.a_records("mail.example.com"),
        vec!["203.0.113.10"],
        "the other zone is untouched"
    );
    let log = env.fake.requests();
    let list = log
        .iter()
        .find(|r| param(r, "Action").as_deref() == Some("DescribeSubDomainRecords"))
        .unwrap();
    assert_eq!(param(list, "DomainName").as_deref(), Some("example.com.cn"));
    assert_eq!(
        param(list, "SubDomain").as_deref(),
        Some("mx.a.b.example.com.cn")
    );
    let update = log.iter().find(|r| r.write).unwrap();
    assert_eq!(param(update, "RR").as_deref(), Some("mx.a.b"));
}

/// Runs one cycle that must fail with exit 1, change nothing and never print `secret`.
fn fails(env: &Env, cfg: &str, secret: &str) -> Run {
    let cfg = env.write_config(cfg);
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
    assert_no_secret(&r, secret);
    r
}

#[test]
fn wrong_secret_says_signature_does_not_match() {
    let env = Env::example();
    let wrong = "WrongSecretWrongSecret00000000";
    let r = fails(&env, &env.aliyun_config(KEY, wrong, None), wrong);
    assert!(r.stderr.contains("SignatureDoesNotMatch"), "{r:?}");
    assert!(r.stderr.contains("check access_key_secret"), "{r:?}");
    assert!(
        r.stderr
            .contains("Alidns rebuilt exactly the string this agent signed"),
        "{r:?}"
    );
    assert_no_secret(&r, SECRET);
}

#[test]
fn unknown_key_names_access_key_id() {
    let env = Env::example();
    let r = fails(
        &env,
        &env.aliyun_config("LTAI5tNoSuchKey000000000", SECRET, Some("v3")),
        SECRET,
    );
    assert!(r.stderr.contains("InvalidAccessKeyId.NotFound"), "{r:?}");
    assert!(r.stderr.contains("check access_key_id"), "{r:?}");
}

#[test]
fn a_key_without_dns_rights_gets_the_policy_advice() {
    let env = Env::with_options(
        FakeOptions::example().aliyun_access_key(
            AliyunKey::new(
                "LTAI5tNoRights000000000A",
                "NoRightsSecret0000000000000000",
                &[],
            )
            .with_access(AliyunAccess::None),
        ),
    );
    let r = fails(
        &env,
        &env.aliyun_config(
            "LTAI5tNoRights000000000A",
            "NoRightsSecret0000000000000000",
            None,
        ),
        "NoRightsSecret0000000000000000",
    );
    assert!(r.stderr.contains("Forbidden.RAM"), "{r:?}");
    assert!(r.stderr.contains("AliyunDNSFullAccess"), "{r:?}");
}

#[test]
fn a_server_clock_an_hour_ahead_shows_the_skew() {
    let env = Env::with_options(FakeOptions::example().aliyun_clock_offset(3600));
    let r = fails(&env, &env.aliyun_config(KEY, SECRET, None), SECRET);
    assert!(r.stderr.contains("InvalidTimeStamp.Expired"), "{r:?}");
    let at = r
        .stderr
        .find("the clock is off by ")
        .unwrap_or_else(|| panic!("{r:?}"));
    let secs: i64 = r.stderr[at + 20..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3590..=3610).contains(&secs), "{r:?}");
    assert!(r.stderr.contains("behind"), "{r:?}");
    assert!(r.stderr.contains("NTP"), "{r:?}");
}

#[test]
fn throttling_is_waited_out_and_retried() {
    // Two requests per 3 s: the cold cycle's third request (the update) is throttled.
    let env = Env::with_options(FakeOptions::example().aliyun_rate_limit(2, 3));
    let cfg = env.write_config(&env.aliyun_config(KEY, SECRET, None));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
    assert!(r.stderr.contains("Throttling.User"), "{r:?}");
    assert!(r.stderr.contains("trying again"), "{r:?}");
    let statuses: Vec<u16> = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.vendor == "aliyun")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 200, 400, 200], "{:?}", actions(&env));
}

#[test]
fn a_domain_of_another_account_is_named() {
    let env = Env::with_options(FakeOptions::example().zone("other.test").aliyun_key(
        "LTAI5tOtherAccount000001",
        "OtherAccountSecret000000000000",
        &["other.test"],
    ));
    let r = fails(
        &env,
        &env.aliyun_config(
            "LTAI5tOtherAccount000001",
            "OtherAccountSecret000000000000",
            None,
        ),
        "OtherAccountSecret000000000000",
    );
    assert!(r.stderr.contains("IncorrectDomainUser"), "{r:?}");
    assert!(
        r.stderr.contains("the domain is not in this account"),
        "{r:?}"
    );
}

#[test]
fn demo_runs_a_whole_cycle_against_the_alidns_emulator() {
    let r = run(mxddns().arg("demo").arg("--provider").arg("aliyun"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("fake registrar (Alidns 2015-01-09)"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at demo"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains(
            "example.com TXT \"v=spf1 ip4:203.0.113.10 -all\" -> \"v=spf1 ip4:203.0.113.20 -all\" updated at demo"
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("verified MX mail.example.com"), "{r:?}");
    assert!(
        r.stdout.contains("cycle: 1 domain(s), 0 API request(s)"),
        "the second cycle makes no call: {r:?}"
    );
}

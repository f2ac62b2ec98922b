//! Huawei Cloud DNS through the real binary against the fake registrar's Huawei Cloud
//! emulator (SDK-HMAC-SHA256 verified there, stale X-Sdk-Date refused, IAM actions).

use super::harness::{update_now, Env};
use mxddns_fakereg::{FakeOptions, RrType, DEMO_HUAWEICLOUD_AK, DEMO_HUAWEICLOUD_SK};

fn config(env: &Env, secret_key: &str) -> std::path::PathBuf {
    env.write_config(&env.huaweicloud_config(DEMO_HUAWEICLOUD_AK, secret_key, "    spf: true\n"))
}

#[test]
fn updates_in_place_keeps_the_neighbours_verifies_and_then_makes_no_call() {
    // The apex TXT set holds SPF and a neighbour; mail has a second address in its A set.
    let env = Env::with(
        FakeOptions::example()
            .record(
                "example.com",
                "example.com",
                RrType::TXT,
                "google-site-verification=abc123",
            )
            .record("example.com", "www.example.com", RrType::A, "198.51.100.7"),
    );
    let cfg = config(&env, DEMO_HUAWEICLOUD_SK);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at home-hw"),
        "{r:?}"
    );
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
    let mut txt = env.fake.store().txt("example.com");
    txt.sort();
    assert_eq!(
        txt,
        [
            "google-site-verification=abc123",
            "v=spf1 ip4:203.0.113.20 -all"
        ]
    );
    assert_eq!(env.a_records("www.example.com"), ["198.51.100.7"]);
    assert!(!r.all().contains(DEMO_HUAWEICLOUD_SK), "secret printed");
    // Every request went to the v2 API and succeeded.
    let reqs: Vec<_> = env
        .fake
        .requests()
        .into_iter()
        .filter(|q| q.vendor == "huaweicloud")
        .collect();
    assert!(!reqs.is_empty());
    assert!(
        reqs.iter()
            .all(|q| q.path.starts_with("/v2/zones") && q.status < 300),
        "{reqs:?}"
    );
    assert!(reqs.iter().any(|q| q.method == "PUT"), "{reqs:?}");
    let writes = env.writes();
    let again = update_now(&cfg);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(env.writes(), writes, "no write when current: {again:?}");
}

#[test]
fn a_clock_off_by_an_hour_is_named_with_the_skew() {
    let env = Env::with(FakeOptions::example().huaweicloud_clock_offset(3600));
    let cfg = config(&env, DEMO_HUAWEICLOUD_SK);
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("APIGW.0301"), "{r:?}");
    assert!(r.stderr.contains("behind Huawei Cloud's"), "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

#[test]
fn a_wrong_secret_key_is_refused_and_never_printed() {
    let env = Env::example();
    let wrong = "notTheRightSecretKey0123456789abcdefghij";
    let cfg = config(&env, wrong);
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("APIGW.0301"), "{r:?}");
    assert!(r.stderr.contains("My Credentials"), "{r:?}");
    assert!(!r.all().contains(wrong), "secret printed: {r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

#[test]
fn a_read_only_iam_policy_says_which_policy_to_grant() {
    let ak = "HPUAREADONLYKEY000000000";
    let sk = "readOnlySecretKey0000000000000000000000";
    let env = Env::with(FakeOptions::example().huaweicloud_key_for(
        ak,
        sk,
        &["dns:zone:list", "dns:recordset:list", "dns:recordset:get"],
    ));
    let cfg = env.write_config(&env.huaweicloud_config(ak, sk, ""));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("DNS.0013"), "{r:?}");
    assert!(r.stderr.contains("DNS FullAccess"), "{r:?}");
    assert!(r.stderr.contains("dns:recordset:update"), "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

#[test]
fn a_bad_region_is_a_configuration_error() {
    let env = Env::example();
    let text = env
        .huaweicloud_config(DEMO_HUAWEICLOUD_AK, DEMO_HUAWEICLOUD_SK, "")
        .replace("region: cn-south-1", "region: cn south");
    let cfg = env.write_config(&text);
    let r = update_now(&cfg);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("not a Huawei Cloud region id"), "{r:?}");
    assert_eq!(env.writes(), 0);
}

#[test]
fn demo_runs_against_the_huaweicloud_emulator() {
    let r = super::harness::run(
        super::harness::mxddns()
            .arg("demo")
            .arg("--provider")
            .arg("huaweicloud"),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Huawei Cloud DNS v2"), "{r:?}");
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at demo"),
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

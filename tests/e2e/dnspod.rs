//! DNSPod (Tencent Cloud API 3.0) through the real binary against the fake registrar's
//! DNSPod emulator (TC3-HMAC-SHA256 verified there, stale timestamps refused, CAM rights).

use super::harness::{update_now, Env};
use mxddns_fakereg::{FakeOptions, DEMO_DNSPOD_SECRET_ID, DEMO_DNSPOD_SECRET_KEY};

fn config(env: &Env, secret_key: &str) -> std::path::PathBuf {
    env.write_config(&env.dnspod_config(DEMO_DNSPOD_SECRET_ID, secret_key, "    spf: true\n"))
}

#[test]
fn updates_in_place_verifies_and_then_makes_no_call() {
    let env = Env::example();
    let cfg = config(&env, DEMO_DNSPOD_SECRET_KEY);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at home-dp"),
        "{r:?}"
    );
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
    assert_eq!(
        env.fake.store().txt("example.com"),
        ["v=spf1 ip4:203.0.113.20 -all"]
    );
    assert!(!r.all().contains(DEMO_DNSPOD_SECRET_KEY), "secret printed");
    // Every request was a signed POST / of one of the five actions.
    let reqs: Vec<_> = env
        .fake
        .requests()
        .into_iter()
        .filter(|q| q.vendor == "dnspod")
        .collect();
    assert!(!reqs.is_empty());
    assert!(reqs
        .iter()
        .all(|q| q.method == "POST" && q.path == "/" && q.status == 200));
    let writes = env.writes();
    let again = update_now(&cfg);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(env.writes(), writes, "no write when current: {again:?}");
}

#[test]
fn a_clock_off_by_an_hour_is_named_with_the_skew() {
    let env = Env::with(FakeOptions::example().dnspod_clock_offset(3600));
    let cfg = config(&env, DEMO_DNSPOD_SECRET_KEY);
    let r = update_now(&cfg);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("AuthFailure.SignatureExpire"), "{r:?}");
    assert!(r.stderr.contains("behind Tencent Cloud's"), "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

#[test]
fn a_wrong_secret_key_is_a_signature_failure_and_never_printed() {
    let env = Env::example();
    let wrong = "notTheRightSecretKey0123456789ab";
    let cfg = config(&env, wrong);
    let r = update_now(&cfg);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("AuthFailure.SignatureFailure"), "{r:?}");
    assert!(!r.all().contains(wrong), "secret printed: {r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

#[test]
fn a_read_only_cam_policy_says_which_policy_to_attach() {
    let id = "AKIDreadOnlyKey000000000000000000000";
    let key = "readOnlySecretKey000000000000000";
    let env = Env::with(FakeOptions::example().dnspod_key_for(
        id,
        key,
        &["DescribeDomain", "DescribeRecordList"],
    ));
    let cfg = env.write_config(&env.dnspod_config(id, key, ""));
    let r = update_now(&cfg);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("AuthFailure.UnauthorizedOperation"),
        "{r:?}"
    );
    assert!(r.stderr.contains("QcloudDNSPodFullAccess"), "{r:?}");
    assert!(r.stderr.contains("dnspod:ModifyRecord"), "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

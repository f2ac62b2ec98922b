//! Broken configurations through the binary: exit 2, a message naming the file, line and
//! key, and nothing changed at the registrar.

use super::harness::*;

#[test]
fn broken_configs_exit_2_with_the_key_and_line() {
    let env = Env::example();
    let good = env.cloudflare_config(CF_TOKEN);
    let cases: Vec<(String, &str)> = vec![
        (
            good.replace("schedule: 30s", "schedule: 1s\nfrobnicate: yes"),
            "frobnicate",
        ),
        (
            good.replace("provider: home-cf", "provider: home-cfx"),
            "home-cfx",
        ),
        (
            good.replace("schedule: 30s", "schedule: every now and then"),
            "schedule",
        ),
        (
            good.replace(&format!("\"{CF_TOKEN}\""), "${MXDDNS_TEST_UNSET_VAR}"),
            "MXDDNS_TEST_UNSET_VAR",
        ),
        (
            good.replace(
                &format!("api_token: \"{CF_TOKEN}\""),
                "api_token_file: /nonexistent/cf-token",
            ),
            "/nonexistent/cf-token",
        ),
        (
            good.replace("domain: example.com", "domain: \"exa mple.com\""),
            "domains[0].domain",
        ),
    ];
    for (text, expect) in cases {
        let cfg = env.write_config(&text);
        let r = update_now(&cfg);
        assert_eq!(r.code, 2, "{expect}: {r:?}");
        assert!(r.stderr.contains(expect), "expected {expect:?} in: {r:?}");
        assert!(
            r.stderr.contains("config.yaml:"),
            "names the file and line: {r:?}"
        );
        assert!(
            !r.all().contains(CF_TOKEN),
            "never prints the secret: {r:?}"
        );
    }
    assert_eq!(env.api_requests(), 0, "nothing was sent");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
}

#[test]
fn validate_prints_the_plan_with_the_secret_masked() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("example.com"), "{r:?}");
    assert!(r.stdout.contains("cloudflare"), "{r:?}");
    assert!(!r.all().contains(CF_TOKEN), "{r:?}");
}

#[test]
fn bad_command_line_exits_2() {
    let r = run(mxddns().arg("--no-such-flag"));
    assert_eq!(r.code, 2, "{r:?}");
}

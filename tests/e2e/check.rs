//! `mxddns check` through the binary, against the fake registrar's DNS server (which also
//! serves the reverse zone and a blocklist zone).

use super::harness::*;
use mxddns_fakereg::{CfToken, FakeOptions, RrType};

fn healthy() -> FakeOptions {
    FakeOptions::new()
        .cloudflare_token(CfToken::full(CF_TOKEN))
        .echo_ipv4("203.0.113.20".parse().unwrap())
        .zone("example.com")
        .record(
            "example.com",
            "example.com",
            RrType::MX,
            "10 mail.example.com.",
        )
        .record("example.com", "mail.example.com", RrType::A, "203.0.113.20")
        .txt("example.com", "example.com", &["v=spf1 mx -all"])
        .txt(
            "example.com",
            "_dmarc.example.com",
            &["v=DMARC1; p=quarantine; rua=mailto:postmaster@example.com"],
        )
        .txt(
            "example.com",
            "mail._domainkey.example.com",
            &[
                "v=DKIM1; k=rsa; p=",
                &super::check_bind::DKIM_2048[..200],
                &super::check_bind::DKIM_2048[200..],
            ],
        )
        .zone("113.0.203.in-addr.arpa")
        .record(
            "113.0.203.in-addr.arpa",
            "20.113.0.203.in-addr.arpa",
            RrType::PTR,
            "mail.example.com.",
        )
        .zone("zen.spamhaus.org")
}

fn config(env: &Env) -> std::path::PathBuf {
    env.write_config(&env.cloudflare_config_with(
        "  - domain: example.com\n    provider: home-cf\n    dkim_selectors: [mail]\n",
    ))
}

#[test]
fn a_healthy_domain_passes_with_a_report() {
    let env = Env::with(healthy());
    let r = run(mxddns().arg("-c").arg(config(&env)).arg("check"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("0 errors, 0 warnings"), "{r:?}");
    assert_eq!(env.api_requests(), 0, "check never calls the registrar");

    let r = run(mxddns()
        .arg("-c")
        .arg(config(&env))
        .arg("check")
        .arg("--format")
        .arg("json"));
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    assert_eq!(v["errors"], 0, "{v}");
    assert_eq!(v["domains"][0]["domain"], "example.com");
    assert_eq!(v["domains"][0]["address"][0], "203.0.113.20");
    assert!(
        v["domains"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "error" && f["severity"] != "warn"),
        "{v}"
    );
}

#[test]
fn a_broken_domain_fails_with_fixes() {
    let env = Env::with(
        FakeOptions::new()
            .cloudflare_token(CfToken::full(CF_TOKEN))
            .echo_ipv4("203.0.113.20".parse().unwrap())
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mx.example.com.",
            )
            .record(
                "example.com",
                "mx.example.com",
                RrType::CNAME,
                "home.example.com.",
            )
            .record("example.com", "home.example.com", RrType::A, "203.0.113.10")
            .txt(
                "example.com",
                "example.com",
                &["v=spf1 ip4:198.51.100.0/24 -all"],
            )
            .zone("113.0.203.in-addr.arpa")
            .zone("zen.spamhaus.org")
            .record(
                "zen.spamhaus.org",
                "20.113.0.203.zen.spamhaus.org",
                RrType::A,
                "127.0.0.11",
            ),
    );
    let r = run(mxddns()
        .arg("-c")
        .arg(config(&env))
        .arg("check")
        .arg("--format")
        .arg("json"));
    assert_eq!(r.code, 1, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let findings = v["domains"][0]["findings"].as_array().unwrap();
    let has = |id: &str, sev: &str| {
        findings
            .iter()
            .any(|f| f["check"] == id && f["severity"] == sev)
    };
    for (id, sev) in [
        ("mx.cname", "warn"),
        ("ptr.missing", "error"),
        ("dmarc.missing", "warn"),
        ("blocklist.pbl", "warn"),
    ] {
        assert!(has(id, sev), "{id} {sev} in {v:#}");
    }
    assert!(
        findings
            .iter()
            .any(|f| f["severity"] == "error" && f["check"].as_str().unwrap().starts_with("spf")),
        "{v:#}"
    );
    assert!(
        findings
            .iter()
            .filter(|f| f["severity"] != "ok" && f["severity"] != "info")
            .all(|f| f["fix"].is_string()),
        "every problem has a fix: {v:#}"
    );

    // The text form says the same for people.
    let r = run(mxddns()
        .arg("-c")
        .arg(config(&env))
        .arg("check")
        .arg("--address")
        .arg("203.0.113.20"));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("smarthost"), "{r:?}");
}

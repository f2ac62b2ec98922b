//! The first hour of a new user (issue 11): no false greens, a fixed configuration tried
//! at once, IPv6-only and best-effort lines.

use super::harness::*;
use mxddns_fakereg::{FakeOptions, RrType};
use std::net::Ipv4Addr;

const BAD_TOKEN: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

/// `cfg` with the IPv4 source line replaced by `detect` (lines under `detect:`).
fn with_detect(env: &Env, cfg: &str, detect: &str) -> String {
    let line = format!("  ipv4: [\"{}\"]\n", env.fake.echo_url());
    assert!(cfg.contains(&line), "{cfg}");
    cfg.replace(&line, detect)
}

/// The example scene, with the line's addresses `v4` (None: the echo has no IPv4) and
/// 2001:db8::20, and an AAAA already at mail.example.com.
fn dual_stack(v4: Option<Ipv4Addr>) -> Env {
    let opts = FakeOptions::example()
        .record(
            "example.com",
            "mail.example.com",
            RrType::AAAA,
            "2001:db8::10",
        )
        .echo_ipv6("2001:db8::20".parse().unwrap());
    let env = Env::with(opts);
    match v4 {
        Some(ip) => env.fake.set_echo_ip(ip.into()),
        None => env.fake.echo().clear_v4(),
    }
    env
}

/// A `cmd:` IPv6 source printing 2001:db8::20 (an HTTP source of the IPv6 family cannot
/// reach the fake's IPv4 loopback echo).
fn v6_source(env: &Env) -> String {
    use std::os::unix::fs::PermissionsExt;
    let p = env.dir.path().join("wan-ip6");
    std::fs::write(&p, "#!/bin/sh\necho 2001:db8::20\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("cmd:{}", p.display())
}

fn service_once(cfg: &std::path::Path) -> Run {
    run(mxddns().arg("--config").arg(cfg).args(["--cycles", "1"]))
}

#[test]
fn a_dry_run_reads_the_provider_and_fails_on_a_bad_token() {
    let env = Env::example();
    let good = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns()
        .arg("--config")
        .arg(&good)
        .args(["--update-now", "--dry-run"]));
    assert_eq!(r.code, 0, "{r:?}");
    // The current value as the provider holds it -> the new one, and no write.
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 would be written"),
        "{r:?}"
    );
    assert!(env.api_requests() >= 2, "{}", env.api_requests());
    assert_eq!(env.writes(), 0);

    let bad = env.write_config(&env.cloudflare_config(BAD_TOKEN));
    let r = run(mxddns()
        .arg("--config")
        .arg(&bad)
        .args(["--update-now", "--dry-run"]));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("the provider refused a read-only request"),
        "{r:?}"
    );
    assert!(!r.all().contains(BAD_TOKEN), "{r:?}");
    assert_eq!(env.writes(), 0);
}

#[test]
fn the_service_proves_a_bad_token_even_when_dns_is_current() {
    let env = Env::example();
    // DNS already holds the line's address: a cycle needs no write.
    env.fake.set_echo_ip("203.0.113.10".parse().unwrap());
    let cfg = env.write_config(&env.cloudflare_config(BAD_TOKEN));
    let r = service_once(&cfg);
    assert_eq!(r.code, 1, "a bad token is not a green service: {r:?}");
    assert!(
        r.stderr
            .contains("the provider refused a read-only request"),
        "{r:?}"
    );
    // With the right token the first cycle proves it with one read and succeeds.
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = service_once(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.writes(), 0);
    // `--update-now` of an unchanged line still makes no API request.
    let before = env.api_requests();
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.api_requests(), before);
}

#[test]
fn a_fixed_configuration_is_tried_at_once_not_after_the_backoff() {
    let env = Env::example();
    let bad = env.write_config(&env.cloudflare_config(BAD_TOKEN));
    let r = service_once(&bad);
    assert_eq!(r.code, 1, "{r:?}");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.state_file()).unwrap()).unwrap();
    assert!(
        state["domains"]["example.com"]["backoff_until"].is_i64(),
        "{state}"
    );
    // The same configuration again: held back, no request.
    let before = env.api_requests();
    let r = service_once(&bad);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("not retried before"), "{r:?}");
    assert_eq!(env.api_requests(), before);
    // The token fixed (a restart): tried at once, updated.
    let good = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = service_once(&good);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.all().contains("not retried before"), "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.20"]);
}

#[test]
fn an_ipv6_only_line_with_ipv4_off() {
    let env = dual_stack(None);
    let cfg = with_detect(
        &env,
        &env.cloudflare_config(CF_TOKEN),
        &format!("  ipv4: off\n  ipv6: [\"{}\"]\n", v6_source(&env)),
    );
    let cfg = env.write_config(&cfg);
    let r = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("IPv4: off"), "{r:?}");
    assert!(r.stdout.contains("record: AAAA"), "{r:?}");
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        env.fake.store().records("mail.example.com", RrType::AAAA),
        vec!["2001:db8::20"]
    );
    // The A record is not this line's business any more.
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
}

#[test]
fn a_cgnat_ipv4_fails_the_domain_unless_declared_best_effort() {
    let env = dual_stack(Some(Ipv4Addr::new(100, 64, 3, 4)));
    let detect = format!(
        "  ipv4: [\"{}\"]\n  ipv6: [\"{}\"]\n",
        env.fake.echo_url_v4(),
        v6_source(&env)
    );
    let base = with_detect(&env, &env.cloudflare_config(CF_TOKEN), &detect);
    let cfg = env.write_config(&base);
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("carrier-grade NAT"), "{r:?}");
    assert!(r.stderr.contains("ipv4: best-effort"), "{r:?}");
    // The other family was still kept current.
    assert_eq!(
        env.fake.store().records("mail.example.com", RrType::AAAA),
        vec!["2001:db8::20"]
    );

    let best_effort = base.replace(
        "    provider: home-cf\n",
        "    provider: home-cf\n    ipv4: best-effort\n",
    );
    let cfg = env.write_config(&best_effort);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("served: IPv6 only (IPv4 not served)"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("IPv4 not served (ipv4: best-effort)"),
        "{r:?}"
    );
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
}

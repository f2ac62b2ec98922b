//! RFC 2136 + TSIG against REAL servers started here on loopback: BIND 9 (`named`) and
//! Knot DNS (`knotd`), each with a TSIG key and an update policy; the scenes that need no
//! update policy also run against the fake registrar's DNS server (which takes UPDATEs
//! too, and counts them), and `mxddns demo --provider rfc2136` runs against it. The address upkeep
//! (MX host A record, SPF) runs through the real binary; the failure cases (wrong key,
//! unknown key, clock skew, refused name, server down) say what to fix and change
//! nothing.

use super::harness::{run, update_now, Env};
use super::servers::bind::{Bind, BindConf, Zone as BindZone};
use super::servers::knot::{Knot, KnotConf};
use mxddns_fakereg::{FakeOptions, FakeRegistrar, RrType};
use mxddns_providers::rfc2136::{Algorithm, Rfc2136, TsigKey};
use mxddns_providers::{ApiCounters, Provider, RecordData, RecordType, Secret};
use std::net::SocketAddr;
use std::sync::Arc;

const KEY_NAME: &str = "mxddns-key";
/// A fixed test key (32 random bytes, base64), as `tsig-keygen` would write.
const SECRET: &str = "6hFvFfbXuhzkWb6OL2bzxs2C5BmRCJWKGbCO1anmGNk=";
const OTHER_SECRET: &str = "q9w6Vd0v8JbqzQ2Kk3eYp1mC7sXo4rT5uV6wX7yZ8a0=";

const ZONE: &str = "@ NS ns\nns A 127.0.0.1\n@ MX 10 mail\nmail A 203.0.113.10\n@ TXT \"v=spf1 mx ip4:203.0.113.10 -all\"\nwww A 198.51.100.7\n";

/// Which real server.
#[derive(Clone, Copy, Debug)]
enum Server {
    Bind,
    Knot,
    /// The fake registrar's DNS server (no update policy: every key may change the zone).
    Fake,
}

enum Running {
    Bind(Bind),
    Knot(Knot),
    /// `None` once stopped.
    Fake(Option<Box<FakeRegistrar>>),
}

impl Running {
    fn addr(&self) -> SocketAddr {
        match self {
            Running::Bind(b) => b.addr(),
            Running::Knot(k) => k.addr(),
            Running::Fake(f) => f.as_ref().expect("the fake is running").rfc2136_server(),
        }
    }
    fn log(&self) -> String {
        match self {
            Running::Bind(b) => b.log(),
            Running::Knot(k) => k.log(),
            Running::Fake(f) => f.as_ref().map_or_else(String::new, |f| {
                f.requests()
                    .iter()
                    .map(|r| format!("{} {} {:?}\n", r.method, r.path, r.rcode))
                    .collect()
            }),
        }
    }
    fn stop(&mut self) {
        match self {
            Running::Bind(b) => b.stop(),
            Running::Knot(k) => k.stop(),
            Running::Fake(f) => drop(f.take()),
        }
    }
    /// UPDATEs the fake took (`None` for a real server).
    fn updates(&self) -> Option<usize> {
        match self {
            Running::Fake(Some(f)) => Some(
                f.requests()
                    .iter()
                    .filter(|r| r.vendor == "rfc2136" && r.method == "UPDATE")
                    .count(),
            ),
            _ => None,
        }
    }
}

/// Start `server` holding example.com, updatable with the test key: the whole zone
/// (`narrow` false), or only mail.example.com's A/AAAA records (`narrow` true).
fn start(server: Server, narrow: bool) -> Running {
    match server {
        Server::Bind => {
            let policy = if narrow {
                format!(
                    "  update-policy {{ grant \"{KEY_NAME}\" name mail.example.com. A AAAA; }};\n"
                )
            } else {
                format!("  update-policy {{ grant \"{KEY_NAME}\" zonesub ANY; }};\n  allow-transfer {{ key \"{KEY_NAME}\"; }};\n")
            };
            Running::Bind(Bind::start(
                BindConf::loopback()
                    .top(&format!(
                        "key \"{KEY_NAME}\" {{\n  algorithm hmac-sha256;\n  secret \"{SECRET}\";\n}};"
                    ))
                    .zone(BindZone::primary("example.com", ZONE).with_extra(&policy)),
            ))
        }
        Server::Knot => {
            let acl = if narrow {
                format!("  - id: update\n    key: {KEY_NAME}\n    action: update\n    update-type: [A, AAAA]\n    update-owner: name\n    update-owner-match: equal\n    update-owner-name: [mail]\n")
            } else {
                format!("  - id: update\n    key: {KEY_NAME}\n    action: [update, transfer]\n")
            };
            Running::Knot(Knot::start(KnotConf {
                zones: vec![("example.com".into(), ZONE.into())],
                keys: format!(
                    "  - id: {KEY_NAME}\n    algorithm: hmac-sha256\n    secret: {SECRET}\n"
                ),
                acls: acl,
                zone_acls: vec!["update".into()],
            }))
        }
        Server::Fake => {
            assert!(!narrow, "the fake registrar has no update policy");
            let zone = "example.com";
            Running::Fake(Some(Box::new(
                FakeRegistrar::spawn(
                    FakeOptions::new()
                        .record(zone, zone, RrType::NS, "ns.example.com.")
                        .record(zone, "ns.example.com", RrType::A, "127.0.0.1")
                        .record(zone, zone, RrType::MX, "10 mail.example.com.")
                        .record(zone, "mail.example.com", RrType::A, "203.0.113.10")
                        .txt(zone, zone, &["v=spf1 mx ip4:203.0.113.10 -all"])
                        .record(zone, "www.example.com", RrType::A, "198.51.100.7")
                        .tsig_key(KEY_NAME, "hmac-sha256", SECRET),
                )
                .expect("the fake registrar starts"),
            )))
        }
    }
}

/// A config for the server at `addr` with `secret`, example.com with SPF upkeep.
fn config(env: &Env, addr: SocketAddr, key_lines: &str) -> std::path::PathBuf {
    let text = format!(
        r#"schedule: 30s
state_file: {state}
detect:
  ipv4: ["{echo}"]
  timeout: 5s
providers:
  own-dns:
    type: rfc2136
    server: {addr}
{key_lines}domains:
  - domain: example.com
    provider: own-dns
    spf: true
dns:
  resolvers: ["{addr}"]
  authoritative: ["{addr}"]
  verify_timeout: 20s
"#,
        state = env.state_file().display(),
        echo = env.fake.echo_url(),
    );
    env.write_config(&text)
}

fn key_lines(secret: &str) -> String {
    format!("    tsig_key_name: {KEY_NAME}\n    tsig_algorithm: hmac-sha256\n    tsig_secret: \"{secret}\"\n")
}

/// Read records straight from the server through the provider (signed queries).
fn records(addr: SocketAddr, name: &str, rtype: RecordType) -> Vec<RecordData> {
    let p = provider(addr, SECRET, 0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let zone = p.zone("example.com").await.expect("zone");
        p.list(&zone, name, rtype)
            .await
            .expect("list")
            .into_iter()
            .map(|r| r.data)
            .collect()
    })
}

fn provider(addr: SocketAddr, secret: &str, skew: i64) -> Rfc2136 {
    Rfc2136::new(
        addr.to_string(),
        TsigKey {
            name: KEY_NAME.into(),
            algorithm: Algorithm::HmacSha256,
            secret: Secret::new(secret),
        },
        Arc::new(ApiCounters::default()),
    )
    .with_clock_skew(skew)
}

fn a(ip: &str) -> RecordData {
    RecordData::A(ip.parse().unwrap())
}

fn upkeep(server: Server) {
    let s = start(server, false);
    let env = Env::example();
    let cfg = config(&env, s.addr(), &key_lines(SECRET));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}\n--- server log\n{}", s.log());
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at own-dns"),
        "{r:?}"
    );
    assert_eq!(
        records(s.addr(), "mail.example.com", RecordType::A),
        [a("203.0.113.20")]
    );
    assert_eq!(
        records(s.addr(), "example.com", RecordType::Txt),
        [RecordData::Txt(vec![
            "v=spf1 mx ip4:203.0.113.20 -all".into()
        ])]
    );
    // Neighbours untouched.
    assert_eq!(
        records(s.addr(), "www.example.com", RecordType::A),
        [a("198.51.100.7")]
    );
    assert!(!r.all().contains(SECRET), "the secret was printed");

    // A second run: nothing to change, no UPDATE sent.
    let updates = s.updates();
    let again = update_now(&cfg);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(!again.stdout.contains("updated at"), "{again:?}");
    assert_eq!(s.updates(), updates, "{}", s.log());
}

#[test]
fn bind_keeps_the_mx_host_and_spf_current() {
    upkeep(Server::Bind);
}

#[test]
fn knot_keeps_the_mx_host_and_spf_current() {
    upkeep(Server::Knot);
}

#[test]
fn the_fake_keeps_the_mx_host_and_spf_current() {
    upkeep(Server::Fake);
}

fn wrong_key(server: Server) {
    let s = start(server, false);
    let env = Env::example();
    // Same name, other secret: BADSIG.
    let cfg = config(&env, s.addr(), &key_lines(OTHER_SECRET));
    let r = update_now(&cfg);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("BADSIG"), "{r:?}");
    assert!(r.stderr.contains("secret differs"), "{r:?}");
    assert!(!r.all().contains(OTHER_SECRET), "the secret was printed");
    // Unknown key name: BADKEY.
    let cfg = config(
        &env,
        s.addr(),
        &format!("    tsig_key_name: nobody-key\n    tsig_secret: \"{SECRET}\"\n"),
    );
    let r = update_now(&cfg);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("BADKEY"), "{r:?}");
    assert_eq!(
        records(s.addr(), "mail.example.com", RecordType::A),
        [a("203.0.113.10")]
    );
}

#[test]
fn bind_wrong_key_is_badsig_and_unknown_key_is_badkey() {
    wrong_key(Server::Bind);
}

#[test]
fn knot_wrong_key_is_badsig_and_unknown_key_is_badkey() {
    wrong_key(Server::Knot);
}

#[test]
fn the_fake_wrong_key_is_badsig_and_unknown_key_is_badkey() {
    wrong_key(Server::Fake);
}

fn clock_skew(server: Server) {
    let s = start(server, false);
    let p = provider(s.addr(), SECRET, 3600);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let e = rt
        .block_on(async {
            let zone = mxddns_providers::Zone {
                id: "example.com".into(),
                name: "example.com".into(),
            };
            p.create(&zone, "new.example.com", &a("192.0.2.1"), 300)
                .await
        })
        .expect_err("a signature an hour ahead must be refused");
    let text = e.to_string();
    assert!(text.contains("BADTIME"), "{text}");
    assert!(text.contains("ahead of the server's"), "{text}");
    assert!(text.contains("NTP"), "{text}");
    assert!(records(s.addr(), "new.example.com", RecordType::A).is_empty());
}

#[test]
fn bind_clock_skew_is_badtime_with_the_skew() {
    clock_skew(Server::Bind);
}

#[test]
fn knot_clock_skew_is_badtime_with_the_skew() {
    clock_skew(Server::Knot);
}

#[test]
fn the_fake_clock_skew_is_badtime_with_the_skew() {
    clock_skew(Server::Fake);
}

fn refused_name(server: Server) {
    // The key may change mail.example.com A/AAAA only: the SPF TXT at the apex is refused.
    let s = start(server, true);
    let env = Env::example();
    let cfg = config(&env, s.addr(), &key_lines(SECRET));
    let r = update_now(&cfg);
    assert_ne!(r.code, 0, "{r:?}");
    // BIND answers REFUSED; Knot answers NOTAUTH with the TSIG error BADKEY when no acl
    // allows the key this change. Both messages name the server setting to change.
    match server {
        Server::Bind => assert!(r.stderr.contains("REFUSED"), "{r:?}"),
        Server::Knot => assert!(r.stderr.contains("BADKEY"), "{r:?}"),
        Server::Fake => unreachable!("the fake has no update policy"),
    }
    assert!(r.stderr.contains("update-policy"), "{r:?}");
    assert!(r.stderr.contains("action: update"), "{r:?}");
    // The allowed name was updated; the SPF stays as it was, whole.
    assert_eq!(
        records(s.addr(), "mail.example.com", RecordType::A),
        [a("203.0.113.20")]
    );
    assert_eq!(
        records(s.addr(), "example.com", RecordType::Txt),
        [RecordData::Txt(vec![
            "v=spf1 mx ip4:203.0.113.10 -all".into()
        ])]
    );
}

#[test]
fn bind_refused_name_names_the_update_policy() {
    refused_name(Server::Bind);
}

#[test]
fn knot_refused_name_names_the_acl() {
    refused_name(Server::Knot);
}

fn server_down(server: Server) {
    let mut s = start(server, false);
    let env = Env::example();
    let cfg = config(&env, s.addr(), &key_lines(SECRET));
    let addr = s.addr();
    s.stop();
    let r = run(super::harness::mxddns()
        .arg("--config")
        .arg(&cfg)
        .arg("--update-now"));
    assert_ne!(r.code, 0, "{r:?}");
    let all = r.all();
    assert!(
        all.contains(&addr.to_string())
            || all.contains("did not answer")
            || all.contains("refused"),
        "{r:?}"
    );
    assert!(!all.contains(SECRET));
}

#[test]
fn bind_server_down_fails_clearly() {
    server_down(Server::Bind);
}

#[test]
fn knot_server_down_fails_clearly() {
    server_down(Server::Knot);
}

#[test]
fn bind_prerequisites_stop_a_lost_update() {
    // Two writers: mxddns read mail A, then someone else changed it; mxddns's change in
    // place (computed from the old state) must not apply.
    let s = start(Server::Bind, false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let me = provider(s.addr(), SECRET, 0);
    let other = provider(s.addr(), SECRET, 0);
    rt.block_on(async {
        let zone = me.zone("example.com").await.unwrap();
        let seen = me
            .list(&zone, "mail.example.com", RecordType::A)
            .await
            .unwrap();
        assert_eq!(seen.len(), 1);
        // The other writer adds a second address.
        other
            .create(&zone, "mail.example.com", &a("203.0.113.99"), 300)
            .await
            .unwrap();
        let e = me
            .update(&zone, &seen[0], &a("203.0.113.20"), 300)
            .await
            .expect_err("stale prerequisites must fail");
        assert!(e.is_record_not_found(), "{e}");
        // The agent re-reads and retries: now it applies, the neighbour kept.
        let fresh = me
            .list(&zone, "mail.example.com", RecordType::A)
            .await
            .unwrap();
        let old = fresh.iter().find(|r| r.data == a("203.0.113.10")).unwrap();
        me.update(&zone, old, &a("203.0.113.20"), 300)
            .await
            .unwrap();
        let mut now: Vec<_> = me
            .list(&zone, "mail.example.com", RecordType::A)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.data.to_string())
            .collect();
        now.sort();
        assert_eq!(now, ["203.0.113.20", "203.0.113.99"]);
        // Every record type of the agent, through UPDATE and back, and the zone by AXFR.
        for d in [
            RecordData::Mx {
                preference: 20,
                exchange: "mail.example.com".into(),
            },
            RecordData::Srv {
                priority: 0,
                weight: 1,
                port: 587,
                target: "mail.example.com".into(),
            },
            RecordData::Caa {
                flags: 0,
                tag: "issue".into(),
                value: "letsencrypt.org".into(),
            },
            RecordData::Tlsa {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "ab".repeat(32),
            },
            RecordData::Aaaa("2001:db8::25".parse().unwrap()),
            RecordData::Txt(vec!["a".repeat(255), "b".into()]),
            // Over 512 bytes: the UPDATE goes over TCP.
            RecordData::Txt(vec!["c".repeat(255), "d".repeat(255), "e".repeat(100)]),
        ] {
            let name = "t.example.com";
            if let Err(e) = me.create(&zone, name, &d, 300).await {
                panic!("{d}: {e}\n{}", s.log());
            }
            let got = me.list(&zone, name, d.rtype()).await.unwrap();
            assert!(got.iter().any(|r| r.data == d), "{d}: {got:?}");
        }
        let all = me.list_zone(&zone).await.unwrap();
        assert!(all.iter().any(|r| r.name == "www.example.com"));
        assert!(all.iter().any(|r| r.rtype() == RecordType::Tlsa));
        // Delete exactly one record.
        let caa = RecordData::Caa {
            flags: 0,
            tag: "issue".into(),
            value: "letsencrypt.org".into(),
        };
        let rec = me
            .list(&zone, "t.example.com", RecordType::Caa)
            .await
            .unwrap();
        me.delete(&zone, &rec[0]).await.unwrap();
        assert!(!me
            .list(&zone, "t.example.com", RecordType::Caa)
            .await
            .unwrap()
            .iter()
            .any(|r| r.data == caa));
    });
}

/// The mail domain's whole record set through `plan` and `apply` on a real server: `plan`
/// changes nothing, `apply` writes the set and verifies it at
/// the server, the existing MX and SPF are changed in place (no second MX at the apex, no
/// second SPF), the neighbour stays, and a second `apply` has nothing to do.
fn apply(server: Server) {
    let s = start(server, false);
    let env = Env::example();
    let policy = env.dir.path().join("mta-sts.txt");
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/mail.txt");
    let base = config(&env, s.addr(), &key_lines(SECRET));
    let text = std::fs::read_to_string(&base).unwrap().replace(
        "    spf: true\n",
        &format!(
            "    ttl: 3600\n    mail:\n      mx:\n        - {{ host: mail.example.com, priority: 10 }}\n        - {{ host: mx2.backup.example.net, priority: 20 }}\n      spf:\n        all: \"-all\"\n      dkim:\n        - selector: mail\n          key_file: {}\n      dmarc:\n        p: quarantine\n        rua: [mailto:dmarc@example.com]\n      mta_sts:\n        mode: enforce\n        policy_file: {}\n      tls_rpt: [mailto:tlsrpt@example.com]\n      client_setup: true\n      caa: [letsencrypt.org]\n",
            key.display(),
            policy.display()
        ),
    );
    let cfg = env.write_config(&text);
    let snapshot = || {
        [
            records(s.addr(), "example.com", RecordType::Mx),
            records(s.addr(), "example.com", RecordType::Txt),
            records(s.addr(), "mail.example.com", RecordType::A),
            records(s.addr(), "_dmarc.example.com", RecordType::Txt),
        ]
    };
    let before = snapshot();

    let p = run(super::harness::mxddns()
        .arg("--config")
        .arg(&cfg)
        .arg("plan"));
    assert_eq!(p.code, 3, "{p:?}\n--- server log\n{}", s.log());
    assert!(
        p.stdout
            .contains("example.com MX 20 mx2.backup.example.net."),
        "{p:?}"
    );
    assert_eq!(snapshot(), before, "plan changed the zone");

    let a_run = run(super::harness::mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["apply", "--yes"]));
    assert_eq!(a_run.code, 0, "{a_run:?}\n--- server log\n{}", s.log());
    assert!(a_run.stdout.contains("verified"), "{a_run:?}");
    assert!(!a_run.all().contains(SECRET), "the secret was printed");

    assert_eq!(
        records(s.addr(), "mail.example.com", RecordType::A),
        [a("203.0.113.20")]
    );
    assert_eq!(
        records(s.addr(), "mta-sts.example.com", RecordType::A),
        [a("203.0.113.20")]
    );
    let mut mx: Vec<String> = records(s.addr(), "example.com", RecordType::Mx)
        .iter()
        .map(|d| d.to_string())
        .collect();
    mx.sort();
    assert_eq!(mx.len(), 2, "{mx:?}");
    assert!(
        mx.iter().any(|m| m.contains("mx2.backup.example.net")),
        "{mx:?}"
    );
    let txt = records(s.addr(), "example.com", RecordType::Txt);
    let spf: Vec<_> = txt
        .iter()
        .map(|d| d.to_string())
        .filter(|t| t.contains("v=spf1"))
        .collect();
    assert_eq!(spf.len(), 1, "one SPF record: {txt:?}");
    assert!(spf[0].contains("ip4:203.0.113.20"), "{spf:?}");
    assert!(!records(s.addr(), "mail._domainkey.example.com", RecordType::Txt).is_empty());
    assert!(!records(s.addr(), "_dmarc.example.com", RecordType::Txt).is_empty());
    assert!(!records(s.addr(), "_mta-sts.example.com", RecordType::Txt).is_empty());
    assert!(!records(s.addr(), "_smtp._tls.example.com", RecordType::Txt).is_empty());
    assert!(!records(s.addr(), "_submissions._tcp.example.com", RecordType::Srv).is_empty());
    assert!(!records(s.addr(), "example.com", RecordType::Caa).is_empty());
    assert_eq!(
        records(s.addr(), "www.example.com", RecordType::A),
        [a("198.51.100.7")],
        "a neighbour was touched"
    );

    let again = run(super::harness::mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["apply", "--yes"]));
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("apply: nothing to do"), "{again:?}");
}

#[test]
fn bind_applies_the_whole_mail_record_set() {
    apply(Server::Bind);
}

#[test]
fn knot_applies_the_whole_mail_record_set() {
    apply(Server::Knot);
}

#[test]
fn the_fake_applies_the_whole_mail_record_set() {
    apply(Server::Fake);
}

#[test]
fn demo_runs_against_the_fake_rfc2136_server() {
    let r = run(super::harness::mxddns()
        .arg("demo")
        .arg("--provider")
        .arg("rfc2136"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("RFC 2136 (TSIG hmac-sha256)"), "{r:?}");
    assert!(r.stdout.contains("    type: rfc2136\n"), "{r:?}");
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at demo"),
        "{r:?}"
    );
    // The fake's zone after the first cycle holds the new address.
    let after = r
        .stdout
        .split("The zone now holds:")
        .nth(1)
        .expect("the zone after cycle 1");
    assert!(
        after
            .lines()
            .any(|l| l.contains("mail.example.com") && l.ends_with("A     203.0.113.20")),
        "{r:?}"
    );
    assert!(r.stdout.contains("verified MX mail.example.com"), "{r:?}");
    let cycles: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("cycle: "))
        .collect();
    assert_eq!(cycles.len(), 2, "{r:?}");
    // The second cycle sends nothing: no UPDATE, no signed read.
    assert!(cycles[1].contains(" 0 API request(s)"), "{r:?}");
    // Every signed message counted as an API request: the first cycle's.
    let first: usize = cycles[0]
        .split(", ")
        .nth(1)
        .and_then(|p| p.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the first cycle's request count");
    assert!(
        r.stdout.contains(&format!(
            "{first} API request(s) reached the fake registrar"
        )),
        "{r:?}"
    );
}

//! `plan` and `apply` through the binary on every registrar's emulator: an empty zone to the
//! whole mail record set, a half-configured zone with a contradicting MX and SPF, the second
//! apply with no write, `plan` writing nothing, a DKIM rotation with `--prune`.

use super::harness::*;
use mxddns_fakereg::{FakeOptions, HttpFault, HttpMatch, RrType};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

/// The fake for `reg` with example.com (SOA/NS only, or `extra` records), TTLs every
/// registrar accepts; the echo says 203.0.113.20.
fn start(reg: Registrar, extra: &[(&str, RrType, &str)]) -> Env {
    start_with(reg, extra, FakeOptions::new())
}

/// [`start`] on top of `base` (other zones the fake serves).
fn start_with(reg: Registrar, extra: &[(&str, RrType, &str)], base: FakeOptions) -> Env {
    let mut opts = base
        .echo_ipv4("203.0.113.20".parse().unwrap())
        .zone("example.com");
    for (name, t, v) in extra {
        opts = opts.record("example.com", name, *t, v);
    }
    for z in &mut opts.zones {
        for rec in &mut z.records {
            rec.ttl = rec.ttl.max(3600);
        }
    }
    Env::with(reg.with_credentials(opts))
}

/// The declaration (`dkim` selector lines as given), for `reg`.
fn config(env: &Env, reg: Registrar, dkim: &str) -> PathBuf {
    config_with(env, reg, dkim, "")
}

/// [`config`] with `more` (lines of the `mail:` block) at the end of the block.
fn config_with(env: &Env, reg: Registrar, dkim: &str, more: &str) -> PathBuf {
    let policy = env.dir.path().join("mta-sts.txt");
    let domain = format!(
        "  - domain: example.com\n    provider: {{provider}}\n    ttl: 3600\n    mail:\n      mx:\n        - {{ host: mail.example.com, priority: 10 }}\n        - {{ host: mx2.backup.example.net, priority: 20 }}\n      spf:\n        all: \"-all\"\n        include: [spf.mail.qq.com]\n      dkim:\n{dkim}      dmarc:\n        p: quarantine\n        rua: [mailto:dmarc@example.com]\n      mta_sts:\n        mode: enforce\n        policy_file: {}\n      tls_rpt: [mailto:tlsrpt@example.com]\n      client_setup: true\n      caa: [letsencrypt.org]\n{more}",
        policy.display()
    );
    env.write_config(&env.config_for(reg, &domain))
}

fn dkim(selector: &str, file: &str) -> String {
    format!(
        "        - selector: {selector}\n          key_file: {}\n",
        fixture(file).display()
    )
}

fn mxddns_in(cfg: &Path, args: &[&str]) -> Run {
    let mut c = mxddns();
    c.arg("--config").arg(cfg).args(args);
    run(&mut c)
}

#[test]
fn empty_zone_to_the_whole_set_then_nothing_to_do() {
    for reg in Registrar::ALL {
        let env = start(reg, &[]);
        let cfg = config(&env, reg, &dkim("mail", "mail.txt"));

        // plan: changes pending, nothing written.
        let before = env.writes();
        let p = mxddns_in(&cfg, &["plan"]);
        assert_eq!(p.code, 3, "{reg:?} {p:?}");
        assert_eq!(env.writes(), before, "{reg:?}: plan wrote");
        assert!(
            p.stdout.contains("+    mail.example.com A 203.0.113.20"),
            "{p:?}"
        );
        assert!(
            p.stdout
                .contains("+    example.com MX 10 mail.example.com."),
            "{p:?}"
        );
        assert!(
            p.stdout.contains("PTR  203.0.113.20 -> mail.example.com"),
            "{p:?}"
        );

        // Without a terminal, apply needs --yes.
        let refused = mxddns_in(&cfg, &["apply"]);
        assert_eq!(refused.code, 2, "{refused:?}");
        assert_eq!(env.writes(), before);

        let a = mxddns_in(&cfg, &["apply", "--yes"]);
        assert_eq!(a.code, 0, "{reg:?} {a:?}");
        assert!(a.stdout.contains("verified"), "{a:?}");
        assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
        assert_eq!(env.a_records("mta-sts.example.com"), ["203.0.113.20"]);
        let store = env.fake.store();
        let mut mx = store.records("example.com", RrType::MX);
        mx.sort();
        assert_eq!(mx.len(), 2, "{reg:?} {mx:?}");
        let spf = store.records("example.com", RrType::TXT);
        assert!(
            spf.iter()
                .any(|t| t.contains("v=spf1 ip4:203.0.113.20 include:spf.mail.qq.com -all")),
            "{reg:?} {spf:?}"
        );
        assert!(!store
            .records("mail._domainkey.example.com", RrType::TXT)
            .is_empty());
        assert!(!store.records("_dmarc.example.com", RrType::TXT).is_empty());
        assert!(!store
            .records("_mta-sts.example.com", RrType::TXT)
            .is_empty());
        let policy = std::fs::read_to_string(env.dir.path().join("mta-sts.txt")).unwrap();
        assert!(policy.contains("mx: mail.example.com\r\nmx: mx2.backup.example.net\r\n"));

        // Second apply and plan: nothing to do, no write.
        let writes = env.writes();
        let again = mxddns_in(&cfg, &["apply", "--yes"]);
        assert_eq!(again.code, 0, "{reg:?} {again:?}");
        assert!(
            again.stdout.contains("apply: nothing to do"),
            "{reg:?} {again:?}"
        );
        let p = mxddns_in(&cfg, &["plan", "--format", "json"]);
        assert_eq!(p.code, 0, "{reg:?} {p:?}");
        assert_eq!(
            env.writes(),
            writes,
            "{reg:?}: a second apply or plan wrote"
        );
        let v: serde_json::Value = serde_json::from_str(&p.stdout).unwrap();
        assert_eq!(v["domains"][0]["pending"], false);
    }
}

#[test]
fn half_configured_zone_shows_old_beside_new_and_is_fixed_in_place() {
    for reg in Registrar::ALL {
        let env = start(
            reg,
            &[
                ("example.com", RrType::MX, "10 old.example.net."),
                (
                    "example.com",
                    RrType::TXT,
                    "\"v=spf1 include:_spf.google.com ~all\"",
                ),
                (
                    "example.com",
                    RrType::TXT,
                    "\"google-site-verification=abc\"",
                ),
            ],
        );
        let cfg = config(&env, reg, &dkim("mail", "mail.txt"));
        let before = env.writes();
        let p = mxddns_in(&cfg, &["plan"]);
        assert_eq!(p.code, 3, "{reg:?} {p:?}");
        assert!(
            p.stdout
                .contains("~    example.com MX 10 old.example.net. -> 10 mail.example.com."),
            "{reg:?} {p:?}"
        );
        assert!(
            p.stdout.contains("\"v=spf1 include:_spf.google.com ~all\" -> \"v=spf1 include:_spf.google.com ip4:203.0.113.20 include:spf.mail.qq.com -all\""),
            "{reg:?} {p:?}"
        );
        assert_eq!(env.writes(), before, "{reg:?}: plan wrote");
        let a = mxddns_in(&cfg, &["apply", "--yes"]);
        assert_eq!(a.code, 0, "{reg:?} {a:?}");
        let txt = env.fake.store().records("example.com", RrType::TXT);
        assert!(
            txt.iter()
                .any(|t| t.contains("google-site-verification=abc")),
            "{txt:?}"
        );
        assert_eq!(
            txt.iter().filter(|t| t.contains("v=spf1")).count(),
            1,
            "{txt:?}"
        );
        let mx = env.fake.store().records("example.com", RrType::MX);
        assert!(!mx.iter().any(|m| m.contains("old.example.net")), "{mx:?}");
    }
}

#[test]
fn dkim_rotation_keeps_the_old_selector_until_prune() {
    for reg in Registrar::ALL {
        let env = start(reg, &[]);
        let cfg = config(&env, reg, &dkim("mail", "mail.txt"));
        assert_eq!(mxddns_in(&cfg, &["apply", "--yes"]).code, 0);
        // Both selectors published while the mail server switches over.
        let cfg = config(
            &env,
            reg,
            &(dkim("mail", "mail.txt") + &dkim("big", "big.txt")),
        );
        assert_eq!(mxddns_in(&cfg, &["apply", "--yes"]).code, 0);
        // The old selector dropped from the declaration: kept without --prune.
        let cfg = config(&env, reg, &dkim("big", "big.txt"));
        let p = mxddns_in(&cfg, &["plan"]);
        assert!(
            p.stdout.contains("kept mail._domainkey.example.com TXT"),
            "{reg:?} {p:?}"
        );
        assert!(p.stdout.contains("apply --prune removes it"), "{p:?}");
        assert_eq!(mxddns_in(&cfg, &["apply", "--yes"]).code, 0);
        let store = env.fake.store();
        assert!(!store
            .records("mail._domainkey.example.com", RrType::TXT)
            .is_empty());
        let pruned = mxddns_in(&cfg, &["apply", "--yes", "--prune"]);
        assert_eq!(pruned.code, 0, "{reg:?} {pruned:?}");
        assert!(
            store
                .records("mail._domainkey.example.com", RrType::TXT)
                .is_empty(),
            "{reg:?}"
        );
        assert!(!store
            .records("big._domainkey.example.com", RrType::TXT)
            .is_empty());
    }
}

/// What the ISP does for PTR (no registrar API can) and an empty blocklist zone, so that
/// `check` has every answer it asks for on loopback.
fn with_reverse() -> FakeOptions {
    FakeOptions::new()
        .zone("113.0.203.in-addr.arpa")
        .record(
            "113.0.203.in-addr.arpa",
            "20.113.0.203.in-addr.arpa",
            RrType::PTR,
            "mail.example.com.",
        )
        .zone("zen.spamhaus.org")
}

#[test]
fn after_apply_check_finds_no_error() {
    for reg in Registrar::ALL {
        let env = start_with(reg, &[], with_reverse());
        let cfg = config(&env, reg, &dkim("mail", "mail.txt"));
        let a = mxddns_in(&cfg, &["apply", "--yes"]);
        assert_eq!(a.code, 0, "{reg:?} {a:?}");
        let c = mxddns_in(&cfg, &["check", "--no-ports", "--format", "json"]);
        let v: serde_json::Value =
            serde_json::from_str(&c.stdout).unwrap_or_else(|e| panic!("{reg:?}: {e}: {c:?}"));
        let errors: Vec<&serde_json::Value> = v["domains"][0]["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["severity"] == "error")
            .collect();
        assert!(errors.is_empty(), "{reg:?}: {errors:#?}\n{c:?}");
        assert_eq!(c.code, 0, "{reg:?} {c:?}");
        // The DKIM key apply published is the one check looked at.
        assert!(
            v["domains"][0]["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["check"].as_str().unwrap_or("").starts_with("dkim.")
                    && f["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains("selector mail")),
            "{reg:?} {c:?}"
        );
    }
}

const CERT1_TLSA: &str = "342cb88fe26c99dacfe52915019e7c07197ed491cc785edde602f0f60fdf3e0c";
const CERT2_TLSA: &str = "4d4a3770550f90ff914a231a5335a2c714d9828f06e5ec4df8707432f11aded3";

/// The `id=` of the `_mta-sts` record the zone holds.
fn sts_id(env: &Env) -> String {
    let txt = env
        .fake
        .store()
        .records("_mta-sts.example.com", RrType::TXT);
    assert_eq!(txt.len(), 1, "{txt:?}");
    let t = txt[0].replace('"', "");
    t.split("id=")
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches(';')
        .to_string()
}

#[test]
fn a_certificate_or_policy_change_is_kept_by_the_next_cycle_and_nothing_else_calls() {
    for reg in Registrar::ALL {
        let env = start(reg, &[]);
        let cert = env.dir.path().join("fullchain.pem");
        std::fs::copy(fixture("cert1.pem"), &cert).unwrap();
        let tlsa = format!("      tlsa:\n        cert_file: {}\n", cert.display());
        let cfg = config_with(&env, reg, &dkim("mail", "mail.txt"), &tlsa);
        let tlsa_name = "_25._tcp.mail.example.com";
        let takes_tlsa = reg == Registrar::Cloudflare;

        let a = mxddns_in(&cfg, &["apply", "--yes"]);
        assert_eq!(a.code, 0, "{reg:?} {a:?}");
        let published = env.fake.store().records(tlsa_name, RrType::TLSA);
        if takes_tlsa {
            assert_eq!(published.len(), 1, "{reg:?} {published:?}");
            assert!(published[0].contains(CERT1_TLSA), "{reg:?} {published:?}");
        } else {
            assert!(published.is_empty(), "{reg:?} {published:?}");
            let p = mxddns_in(&cfg, &["plan"]);
            assert!(
                p.stdout
                    .lines()
                    .any(|l| l.contains("!    _25._tcp.mail.example.com TLSA 3 1 1")
                        && (l.contains("cannot hold TLSA")
                            || l.contains("no TLSA")
                            || l.contains("do not include TLSA"))),
                "{reg:?} {p:?}"
            );
        }
        let id1 = sts_id(&env);

        // Unchanged: the cycle after apply makes no API call.
        let requests = env.api_requests();
        let u = update_now(&cfg);
        assert_eq!(u.code, 0, "{reg:?} {u:?}");
        assert_eq!(
            env.api_requests(),
            requests,
            "{reg:?}: an unchanged cycle called the API: {u:?}"
        );

        // The certificate renews with a new key: the next cycle moves TLSA.
        std::fs::copy(fixture("cert2.pem"), &cert).unwrap();
        let writes = env.writes();
        let u = update_now(&cfg);
        assert_eq!(u.code, 0, "{reg:?} {u:?}");
        let published = env.fake.store().records(tlsa_name, RrType::TLSA);
        if takes_tlsa {
            assert_eq!(published.len(), 1, "{reg:?} {published:?}");
            assert!(published[0].contains(CERT2_TLSA), "{reg:?} {published:?}");
            assert_eq!(
                env.writes(),
                writes + 1,
                "{reg:?}: one change in place: {u:?}"
            );
            assert!(
                u.stdout.contains(CERT2_TLSA),
                "{reg:?}: the cycle says so: {u:?}"
            );
        } else {
            assert!(published.is_empty(), "{reg:?}");
            assert_eq!(env.writes(), writes, "{reg:?}: nothing to write: {u:?}");
        }
        assert_eq!(sts_id(&env), id1, "{reg:?}: the policy did not change");

        // The MTA-STS policy changes (mode): the next cycle writes the policy file and a new id.
        let text = std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("mode: enforce", "mode: testing");
        let cfg = env.write_config(&text);
        let u = update_now(&cfg);
        assert_eq!(u.code, 0, "{reg:?} {u:?}");
        let id2 = sts_id(&env);
        assert_ne!(id2, id1, "{reg:?}: the id follows the policy: {u:?}");
        let policy = std::fs::read_to_string(env.dir.path().join("mta-sts.txt")).unwrap();
        assert!(policy.contains("mode: testing"), "{policy}");
        assert_eq!(
            env.fake.store().records("example.com", RrType::MX).len(),
            2,
            "{reg:?}: the rest is left alone"
        );

        // Unchanged again: no API call, and plan agrees there is nothing to do.
        let requests = env.api_requests();
        let u = update_now(&cfg);
        assert_eq!(u.code, 0, "{reg:?} {u:?}");
        assert_eq!(env.api_requests(), requests, "{reg:?}: {u:?}");
        let p = mxddns_in(&cfg, &["plan"]);
        assert_eq!(p.code, 0, "{reg:?} {p:?}");
    }
}

/// The request that creates a record at `reg`'s API.
fn creates(reg: Registrar) -> HttpMatch {
    match reg {
        Registrar::Cloudflare => HttpMatch::any().vendor("cloudflare").method("POST"),
        Registrar::Aliyun => HttpMatch::any()
            .vendor("aliyun")
            .query_contains("Action=AddDomainRecord"),
        // GoDaddy writes a name's whole set of a type with one PUT.
        Registrar::GoDaddy => HttpMatch::any().vendor("godaddy").method("PUT"),
        Registrar::Dnspod => HttpMatch::any().vendor("dnspod").action("CreateRecord"),
        // Huawei Cloud makes a name's first record set with POST (a further value of the
        // same type joins the set with PUT).
        Registrar::HuaweiCloud => HttpMatch::any().vendor("huaweicloud").method("POST"),
    }
}

/// Every record of example.com as (name, type, value), sorted.
fn zone(env: &Env) -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = env
        .fake
        .store()
        .list("example.com", None, None)
        .into_iter()
        .map(|r| (r.name.clone(), format!("{:?}", r.rtype()), r.value()))
        .collect();
    all.sort();
    all
}

/// The zone still receives mail: every MX host inside it has its address.
fn receives_mail(env: &Env, reg: Registrar, when: &str) {
    for mx in env.fake.store().records("example.com", RrType::MX) {
        let host = mx
            .split_whitespace()
            .nth(1)
            .unwrap()
            .trim_end_matches('.')
            .to_string();
        if host.ends_with(".example.com") {
            assert!(
                !env.a_records(&host).is_empty(),
                "{reg:?} {when}: MX {mx} without an address for {host}: {:?}",
                zone(env)
            );
        }
    }
}

/// `fault` on every create after the first `pass`: the zone still receives mail, and the
/// next apply (fault gone) finishes with every record once.
fn a_fault_half_way(pass: u32, fault: HttpFault) {
    for reg in Registrar::ALL {
        let (pass, fault) = (&pass, &fault);
        let env = start(reg, &[]);
        let cfg = config(&env, reg, &dkim("mail", "mail.txt"));
        env.fake
            .faults()
            .http_always_after(creates(reg), *pass, fault.clone());
        let a = mxddns_in(&cfg, &["apply", "--yes"]);
        let case = format!("{reg:?} {pass} {fault:?}");
        if matches!(fault, HttpFault::CloseAfterHandling) {
            // A lost answer is not trusted: the name is read back before any retry.
            assert!(a.code == 0 || a.code == 1, "{case}: {a:?}");
        } else {
            assert_eq!(a.code, 1, "{case}: {a:?}");
            assert!(
                a.stdout.contains("not tried: an earlier write failed"),
                "{case}: {a:?}"
            );
        }
        assert!(
            !env.fake.faults().fired().is_empty(),
            "{case}: the fault fired"
        );
        receives_mail(&env, reg, &case);
        if *pass == 0 && a.code == 1 {
            assert!(
                env.fake
                    .store()
                    .records("example.com", RrType::MX)
                    .is_empty(),
                "{case}: no MX before its host's address"
            );
        }
        env.fake.faults().clear();

        let again = mxddns_in(&cfg, &["apply", "--yes"]);
        assert_eq!(again.code, 0, "{case}: {again:?}");
        receives_mail(&env, reg, &case);
        let all = zone(&env);
        let mut unique = all.clone();
        unique.dedup();
        assert_eq!(all, unique, "{case}: a record was made twice");
        assert_eq!(
            env.fake.store().records("example.com", RrType::MX).len(),
            2,
            "{case}"
        );
        assert_eq!(
            env.fake
                .store()
                .records("example.com", RrType::TXT)
                .iter()
                .filter(|t| t.contains("v=spf1"))
                .count(),
            1,
            "{case}: {all:?}"
        );
        let writes = env.writes();
        let third = mxddns_in(&cfg, &["apply", "--yes"]);
        assert!(
            third.stdout.contains("apply: nothing to do"),
            "{case}: {third:?}"
        );
        assert_eq!(env.writes(), writes, "{case}");
    }
}

#[test]
fn a_503_on_the_first_write_leaves_no_mx_and_the_next_apply_finishes() {
    a_fault_half_way(0, HttpFault::HtmlError { status: 503 });
}

#[test]
fn a_503_after_the_addresses_and_the_first_mx_and_the_next_apply_finishes() {
    a_fault_half_way(3, HttpFault::status(503, "service unavailable"));
}

#[test]
fn lost_answers_half_way_make_no_duplicate() {
    a_fault_half_way(3, HttpFault::CloseAfterHandling);
}

#[test]
fn the_demo_sets_up_a_mail_domain_from_an_empty_zone_to_a_clean_check() {
    for (provider, cannot) in [
        ("cloudflare", 0),
        ("aliyun", 2),
        ("godaddy", 1),
        ("dnspod", 0),
        ("rfc2136", 0),
    ] {
        let r = run(mxddns().args(["demo", "--mail", "--provider", provider]));
        assert_eq!(r.code, 0, "{provider}: {r:?}");
        let out = &r.stdout;
        // The plan, shown before anything is written.
        assert!(
            out.contains(&format!(
                "plan: {} to create, 0 to change, 0 to delete, 0 right, {cannot} cannot, 0 kept",
                16 - cannot
            )),
            "{provider}: {r:?}"
        );
        assert!(
            out.contains("+    example.org MX 10 mail.example.org."),
            "{provider}: {r:?}"
        );
        assert!(
            out.contains("PTR  203.0.113.20 -> mail.example.org"),
            "{provider}: {r:?}"
        );
        // Applied and verified, every line that could be written.
        assert!(
            out.contains(&format!(
                "verified {} record(s) at 1 authoritative server(s)",
                16 - cannot
            )),
            "{provider}: {r:?}"
        );
        assert!(!out.contains("failed"), "{provider}: {r:?}");
        assert!(
            out.contains(&format!(
                "nothing to do: {} record(s) right, {cannot} the registrar's API cannot hold",
                16 - cannot
            )),
            "{provider}: {r:?}"
        );
        // Then a clean check.
        assert!(
            out.contains("[dkim.key]") && out.contains("[ptr.match]"),
            "{provider}: {r:?}"
        );
        assert!(out.contains("\n0 errors, "), "{provider}: {r:?}");
        // Short enough to read.
        assert!(
            out.lines().count() < 80,
            "{provider}: {} lines",
            out.lines().count()
        );
    }
    // The address demo points at it.
    let r = run(mxddns().arg("demo"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("`mxddns demo --mail`"), "{r:?}");
}

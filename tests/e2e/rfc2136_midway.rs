//! RFC 2136 to a real BIND 9 and Knot DNS whose server goes away in the middle of a
//! cycle: after the zone was read, as the UPDATE is sent (a proxy in front of the real
//! server stops passing UPDATEs and cuts TCP connections), or after the UPDATE was applied
//! and before its answer came back. The binary must say which server failed and what to
//! check, exit 1, lose nothing (each record set is the old one or the new one, never
//! neither), and the next run after the server is back must finish the job.

use super::backends::{scene_tests, Back, Scene};
use super::harness::{run, update_now, Run};
use super::servers::proxy::Fault;
use mxddns_fakereg::{FakeOptions, RrType};

/// example.com: MX 10 mail, mail A 203.0.113.10, SPF with that address, a neighbour; the
/// echo says 203.0.113.20.
fn standard() -> FakeOptions {
    FakeOptions::new()
        .echo_ipv4("203.0.113.20".parse().unwrap())
        .record(
            "example.com",
            "example.com",
            RrType::MX,
            "10 mail.example.com.",
        )
        .record("example.com", "mail.example.com", RrType::A, "203.0.113.10")
        .txt(
            "example.com",
            "example.com",
            &["v=spf1 mx ip4:203.0.113.10 -all"],
        )
        .record("example.com", "www.example.com", RrType::A, "198.51.100.7")
}

scene_tests!(
    servers:
    server_gone_at_the_update_fails_clearly_and_the_next_cycle_finishes,
    update_answer_lost_is_found_applied_on_retry,
    apply_server_gone_midway_keeps_every_record_and_finishes_later,
);

const DOMAIN: &str = "  - domain: example.com\n    provider: {provider}\n    spf: true\n";

/// The standard scene on `back` with `fault` at the proxy, and its first cycle, which must
/// end with `code` and log that the server did not answer the UPDATE.
fn first_cycle(back: Back, fault: Fault, code: i32) -> (Scene, std::path::PathBuf) {
    let s = Scene::start(back, standard());
    let cfg = s.config(DOMAIN);
    s.proxy().set_fault(fault);
    let r = update_now(&cfg);
    assert_eq!(r.code, code, "{r:?}\n{}", s.requests());
    says_update_unanswered(&s, &r);
    (s, cfg)
}

/// The output names the server that did not answer the UPDATE, and what to check.
fn says_update_unanswered(s: &Scene, r: &Run) {
    let server = s.server_addr().to_string();
    assert!(
        r.all()
            .contains(&format!("{server} did not answer the update in time")),
        "names the server: {r:?}"
    );
    assert!(
        r.all().contains("check that the DNS server runs"),
        "says what to check: {r:?}"
    );
}

fn server_gone_at_the_update_fails_clearly_and_the_next_cycle_finishes(back: Back) {
    let (s, cfg) = first_cycle(back, Fault::UpdatesUnanswered, 1);
    assert!(
        s.proxy().queries() > 0 && s.proxy().updates() > 0,
        "the zone was read, then the UPDATE sent: {} queries, {} updates",
        s.proxy().queries(),
        s.proxy().updates()
    );
    // Nothing lost, nothing half-done: the old records, whole.
    assert_eq!(s.a_records("mail.example.com"), ["203.0.113.10"]);
    assert_eq!(spf_records(&s), ["\"v=spf1 mx ip4:203.0.113.10 -all\""]);

    // The server is back: the next cycle finishes the job.
    s.proxy().set_fault(Fault::None);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}\n{}", s.requests());
    assert!(
        r.stdout
            .contains("mail.example.com A 203.0.113.10 -> 203.0.113.20 updated at own-dns"),
        "{r:?}"
    );
    assert_eq!(s.a_records("mail.example.com"), ["203.0.113.20"]);
    assert_eq!(spf_records(&s), ["\"v=spf1 mx ip4:203.0.113.20 -all\""]);
    assert_eq!(s.a_records("www.example.com"), ["198.51.100.7"]);
}

/// The UPDATE is applied but its answer never comes: the retry reads the records again,
/// finds the change made, and neither sends it twice nor reports a failure.
fn update_answer_lost_is_found_applied_on_retry(back: Back) {
    let (s, cfg) = first_cycle(back, Fault::UpdateAnswersLost, 0);
    assert_eq!(s.a_records("mail.example.com"), ["203.0.113.20"]);
    assert_eq!(spf_records(&s), ["\"v=spf1 mx ip4:203.0.113.20 -all\""]);
    assert_eq!(
        s.proxy().updates(),
        2,
        "each change sent once (A and SPF), none repeated"
    );

    s.proxy().set_fault(Fault::None);
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(s.proxy().updates(), 2, "nothing left to do: {r:?}");
}

/// `apply` of the whole mail record set, the server gone after two UPDATEs.
fn apply_server_gone_midway_keeps_every_record_and_finishes_later(back: Back) {
    let s = Scene::start(back, standard());
    let policy = s.env.dir.path().join("mta-sts.txt");
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/mail.txt");
    let text = s.config_text(DOMAIN).replace(
        "    spf: true\n",
        &format!(
            "    ttl: 3600\n    mail:\n      mx:\n        - {{ host: mail.example.com, priority: 10 }}\n        - {{ host: mx2.backup.example.net, priority: 20 }}\n      spf:\n        all: \"-all\"\n      dkim:\n        - selector: mail\n          key_file: {}\n      dmarc:\n        p: quarantine\n        rua: [mailto:dmarc@example.com]\n      mta_sts:\n        mode: enforce\n        policy_file: {}\n      tls_rpt: [mailto:tlsrpt@example.com]\n      client_setup: true\n      caa: [letsencrypt.org]\n",
            key.display(),
            policy.display()
        ),
    );
    let cfg = s.env.write_config(&text);
    let apply = || {
        run(super::harness::mxddns()
            .arg("--config")
            .arg(&cfg)
            .args(["apply", "--yes"]))
    };
    s.proxy().set_fault_after(2, Fault::UpdatesUnanswered);
    let r = apply();
    assert_eq!(r.code, 1, "{r:?}\n{}", s.requests());
    says_update_unanswered(&s, &r);
    assert!(
        r.stdout.contains("changed at own-dns") || r.stdout.contains("created at own-dns"),
        "the writes before the server went away: {r:?}"
    );
    assert!(
        r.stdout.contains("not tried: an earlier write failed"),
        "the rest is left for later: {r:?}"
    );
    // Each record set is the old one or the new one, never neither.
    let mx = s.records("example.com", RrType::MX);
    assert!(
        mx.iter().any(|m| m == "10 mail.example.com."),
        "the MX is kept: {mx:?}"
    );
    let a = s.a_records("mail.example.com");
    assert!(
        a == ["203.0.113.10"] || a == ["203.0.113.20"],
        "one address, old or new: {a:?}"
    );
    let spf = spf_records(&s);
    assert_eq!(spf.len(), 1, "one SPF record: {spf:?}");
    assert_eq!(s.a_records("www.example.com"), ["198.51.100.7"]);

    // The server is back: apply finishes, and then has nothing to do.
    s.proxy().set_fault(Fault::None);
    let r = apply();
    assert_eq!(r.code, 0, "{r:?}\n{}", s.requests());
    assert_eq!(s.a_records("mail.example.com"), ["203.0.113.20"]);
    assert_eq!(s.a_records("mta-sts.example.com"), ["203.0.113.20"]);
    let mx = s.records("example.com", RrType::MX);
    assert_eq!(
        mx,
        ["10 mail.example.com.", "20 mx2.backup.example.net."],
        "{mx:?}"
    );
    let spf = spf_records(&s);
    assert_eq!(spf.len(), 1, "one SPF record: {spf:?}");
    assert!(spf[0].contains("ip4:203.0.113.20"), "{spf:?}");
    for name in [
        "mail._domainkey.example.com",
        "_dmarc.example.com",
        "_mta-sts.example.com",
        "_smtp._tls.example.com",
    ] {
        assert!(!s.records(name, RrType::TXT).is_empty(), "{name} TXT");
    }
    let again = apply();
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("apply: nothing to do"), "{again:?}");
}

/// The SPF records at the apex.
fn spf_records(s: &Scene) -> Vec<String> {
    s.records("example.com", RrType::TXT)
        .into_iter()
        .filter(|t| t.contains("v=spf1"))
        .collect()
}

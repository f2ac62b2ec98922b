//! `mxddns check --ports` against a real Postfix on loopback (STARTTLS, a certificate from
//! a test CA, SMTP over TLS), with the MX host resolved through the real-BIND scene. The
//! probe is led to loopback by the hidden test knobs MXDDNS_TEST_PORT_MAP and
//! MXDDNS_TEST_EXTRA_CA (which only ever apply to loopback).

use super::check_bind::{find, has, healthy_records, Scene, ADDR};
use super::harness::*;
use super::servers::bind::{free_port, Zone};
use super::servers::postfix::{Postfix, PostfixConf};

fn scene() -> Scene {
    Scene::start(vec![Zone::primary("example.test", &healthy_records())])
}

/// `check` for example.test with the probe led to `postfix`, `extra` arguments added.
fn probe(
    scene: &Scene,
    map: &str,
    ca: Option<&std::path::Path>,
    extra: &[&str],
) -> (serde_json::Value, Run) {
    let cfg = scene.config_with(scene.resolver.addr(), "example.test");
    let mut cmd = mxddns();
    cmd.arg("-c")
        .arg(&cfg)
        .arg("check")
        .arg("--domain")
        .arg("example.test")
        .arg("--address")
        .arg(ADDR)
        .arg("--format")
        .arg("json")
        .args(extra)
        .env("MXDDNS_TEST_PORT_MAP", map);
    if let Some(ca) = ca {
        cmd.env("MXDDNS_TEST_EXTRA_CA", ca);
    }
    let r = run(&mut cmd);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("JSON report ({e}): {r:?}"));
    (v, r)
}

#[test]
fn the_port_probe_reads_banner_starttls_certificate_and_compares_the_ptr() {
    let scene = scene();
    let pf = Postfix::start(PostfixConf::new("mail.example.test"));
    let map = format!("25={},465={}", pf.smtp, pf.smtps);
    let (v, r) = probe(&scene, &map, Some(&pf.ca), &["--ports", "25,465"]);
    assert_eq!(r.code, 0, "{v:#}\n{r:?}\n{}", pf.log());
    let connects: Vec<_> = super::check_bind::findings(&v)
        .into_iter()
        .filter(|f| f["check"] == "ports.connect" && f["severity"] == "ok")
        .collect();
    assert_eq!(connects.len(), 2, "ports 25 and 465: {v:#}");
    assert!(
        connects[0]["message"]
            .as_str()
            .unwrap()
            .contains("mail.example.test ESMTP"),
        "the banner is quoted: {v:#}"
    );
    for id in ["ports.starttls", "ports.certificate", "ports.banner"] {
        assert!(has(&v, id, "ok"), "{id} ok in {v:#}");
    }
    assert!(has(&v, "ports.inside", "info"), "{v:#}");
    assert!(
        find(&v, "ports.inside").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("hairpin NAT"),
        "{v:#}"
    );
    // Postfix saw the probe's EHLO and STARTTLS.
    let log = pf.log();
    assert!(log.contains("starttls=1"), "{log}");

    // On by default when the MX host is this network: port 25 only.
    let (v, r) = probe(&scene, &map, Some(&pf.ca), &[]);
    assert_eq!(r.code, 0, "{v:#}\n{r:?}");
    assert!(has(&v, "ports.starttls", "ok"), "{v:#}");
    // --no-ports turns it off.
    let (v, _) = probe(&scene, &map, Some(&pf.ca), &["--no-ports"]);
    assert!(find(&v, "ports.connect").is_none(), "{v:#}");
}

#[test]
fn an_untrusted_certificate_a_missing_starttls_and_another_banner_name_are_reported() {
    let scene = scene();
    let pf = Postfix::start(PostfixConf::new("mail.example.test"));
    // Without the test CA the certificate is not trusted.
    let (v, _) = probe(&scene, &format!("25={}", pf.smtp), None, &["--ports"]);
    assert!(has(&v, "ports.certificate", "warn"), "{v:#}");
    drop(pf);

    let mut conf = PostfixConf::new("other.example.test");
    conf.tls = false;
    let pf = Postfix::start(conf);
    let (v, _) = probe(
        &scene,
        &format!("25={}", pf.smtp),
        Some(&pf.ca),
        &["--ports"],
    );
    assert!(has(&v, "ports.starttls", "warn"), "{v:#}");
    let b = find(&v, "ports.banner").unwrap_or_else(|| panic!("ports.banner in {v:#}"));
    assert_eq!(b["severity"], "warn", "{v:#}");
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("other.example.test"),
        "{b}"
    );
    assert!(
        b["fix"]
            .as_str()
            .unwrap()
            .contains("myhostname = mail.example.test"),
        "{b}"
    );
}

#[test]
fn a_closed_port_names_the_three_usual_causes() {
    let scene = scene();
    let closed = format!("25=127.0.0.1:{}", free_port());
    let (v, r) = probe(&scene, &closed, None, &["--ports"]);
    assert_eq!(r.code, 1, "{r:?}");
    let f = find(&v, "ports.connect").unwrap_or_else(|| panic!("ports.connect in {v:#}"));
    assert_eq!(f["severity"], "error");
    let fix = f["fix"].as_str().unwrap();
    for cause in ["ISP blocks", "router does not forward", "not listening"] {
        assert!(fix.contains(cause), "{cause} in {fix}");
    }
    assert!(
        find(&v, "ports.inside").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("without hairpin NAT"),
        "{v:#}"
    );
}

#[test]
fn an_unknown_port_is_a_usage_error() {
    let scene = scene();
    let cfg = scene.config_with(scene.resolver.addr(), "example.test");
    let r = run(mxddns()
        .arg("-c")
        .arg(&cfg)
        .arg("check")
        .arg("--domain")
        .arg("example.test")
        .arg("--address")
        .arg(ADDR)
        .arg("--ports")
        .arg("25,8080"));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("8080"), "{r:?}");
}

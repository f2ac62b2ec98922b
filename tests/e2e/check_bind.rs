//! `mxddns check` against a real BIND 9: a private root that delegates each test zone to
//! a child server, a recursive BIND resolver that starts from that root (and truncates
//! UDP answers above 512 bytes, so long answers come over TCP), a server that only
//! refers (the root itself, asked as if it were a resolver), and a lame delegation.

// The scene and helpers are shared with the port-probe and comparison tests.
#![allow(dead_code)]

use super::harness::*;
use super::servers::bind::{Bind, BindConf, Net, Zone};
use std::path::PathBuf;

/// The public address the checks are made for.
pub const ADDR: &str = "203.0.113.20";

/// A 2048-bit RSA public key (SubjectPublicKeyInfo, base64), as `opendkim-genkey` prints.
pub const DKIM_2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAg8nQI1mDWgCzxAREKMVzXhSoxAcdtJRb3U+Q6MhTYAc1sSchYSuLwc42xbuC6xyR+vYQbX9ElOX2NrCGPpw5v34iHmdCwVU9Qgyx66uj2gLaOLEHqoko8DpMvZaJtbCNrmM4je1LHDUG7KpMU0LJumjBMkmvFa8ZzsE1KPROI314ujVBFSZF+n720K+ZILTRiMwmJ7Dtln5alQhkKinUcCra/LkZBkzMCv/Ga3zWzu5kufd25Q7MUb/f/qFEXBe/m9RyYw0Bg/DZepKmO3+Rf0a5eJplGTpjr3uEw7rCXZUNVZRgTrkm3biBSnLNmGl8NMgeij2QeCgqwGLWEvovbQIDAQAB";
/// A 1024-bit one (a warning) and a 512-bit one (an error).
#[allow(dead_code)] // key-size tests
pub const DKIM_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDmOo26A4/xjEmBbOJsoNZlo2qpnzukSaW9oQFOtS391aGf2Bvn6MKHIIgBqQh31Zcf7ICAosaREy0FD5xR/BaVtijuvB9nI5oBfc35SObUFBzwDOQWFne7lLNFVJTagwXJjFozlL1QGxx1BkhCMzAs2cEAG48QzhEvdxGCcSGuKQIDAQAB";
#[allow(dead_code)]
pub const DKIM_512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMZrg03d6RtOzwMLjpUxDnvPocYq2MZuNBmBAD9z5PmLREnh6/wNQbaGWK4tuKMo9ajgw+Nj7qDQ45KAhJDZTjUCAwEAAQ==";

/// A TXT record's data for BIND: the text split into quoted strings of at most 250 bytes.
pub fn txt(text: &str) -> String {
    let parts: Vec<String> = text
        .as_bytes()
        .chunks(250)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
        .collect();
    format!("( {} )", parts.join(" "))
}

/// The records of a healthy mail domain (relative names, for `Zone::primary`).
pub fn healthy_records() -> String {
    format!(
        "@ MX 10 mail\n\
         mail A {ADDR}\n\
         @ TXT \"v=spf1 mx -all\"\n\
         _dmarc TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@{{D}}\"\n\
         mail._domainkey TXT {}\n",
        txt(&format!("v=DKIM1; k=rsa; p={DKIM_2048}"))
    )
}

/// A private DNS: root (0), child (1), recursive resolver (2), lame server (3).
pub struct Scene {
    pub root: Bind,
    pub child: Bind,
    pub resolver: Bind,
    pub lame: Bind,
    pub dir: tempfile::TempDir,
    /// Last: its addresses leave `lo` after the servers have stopped.
    pub net: Net,
}

impl Scene {
    /// Start the four servers; each of `zones` is served by the child and delegated to it
    /// from the root. `{D}` in a zone's records stands for the zone name. The reverse zone
    /// of 203.0.113.0/24 and an empty zen.spamhaus.org are always there (the reverse zone
    /// gives 203.0.113.20 the name mail.example.test unless a zone of that name is given).
    pub fn start(zones: Vec<Zone>) -> Scene {
        Scene::start_with(zones, None, "")
    }

    /// [`Scene::start`] on `port` for every server when given (53: the port that
    /// verification asks the name servers it finds on), with `child_top` added to the
    /// child's configuration (a TSIG key for dynamic updates).
    pub fn start_with(zones: Vec<Zone>, port: Option<u16>, child_top: &str) -> Scene {
        let net = Net::on_port(4, port);
        let child_ip = net.addr(1);
        let mut zones: Vec<Zone> = zones
            .into_iter()
            .map(|mut z| {
                z.body = format!("@ NS ns1.child.test.\n{}", z.body.replace("{D}", &z.name));
                z
            })
            .collect();
        if !zones.iter().any(|z| z.name == "113.0.203.in-addr.arpa") {
            zones.push(Zone::primary(
                "113.0.203.in-addr.arpa",
                "@ NS ns1.child.test.\n20 PTR mail.example.test.\n",
            ));
        }
        zones.push(Zone::primary("zen.spamhaus.org", "@ NS ns1.child.test.\n"));
        zones.push(Zone::primary(
            "child.test",
            &format!("@ NS ns1\nns1 A {child_ip}\n"),
        ));
        let mut root = format!(
            ". NS a.root.test.\na.root.test. A {}\nlame.test. NS ns.lame.test.\nns.lame.test. A {}\n",
            net.addr(0),
            net.addr(3)
        );
        for z in &zones {
            root.push_str(&format!("{}. NS ns1.child.test.\n", z.name));
        }
        root.push_str(&format!("ns1.child.test. A {child_ip}\n"));
        let root =
            Bind::start(BindConf::new(net.addr(0), net.port).zone(Zone::primary(".", &root)));
        let mut child_conf = BindConf::new(child_ip, net.port);
        if !child_top.is_empty() {
            child_conf = child_conf.top(child_top);
        }
        for z in zones {
            child_conf = child_conf.zone(z);
        }
        let child = Bind::start(child_conf);
        let resolver = Bind::start(
            BindConf::new(net.addr(2), net.port)
                .recursive()
                .option("max-udp-size 512;")
                .zone(Zone::hint(&[("a.root.test", net.addr(0))])),
        );
        // Serves an unrelated zone only: asked about lame.test it refuses.
        let lame = Bind::start(BindConf::new(net.addr(3), net.port).zone(Zone::primary(
            "elsewhere.test",
            &format!("@ NS ns\nns A {}\n", net.addr(3)),
        )));
        let dir = tempfile::tempdir().expect("tempdir");
        Scene {
            root,
            child,
            resolver,
            lame,
            dir,
            net,
        }
    }

    /// A config whose resolver is `resolver` (the recursive BIND unless a test points
    /// elsewhere), listing `domain` with DKIM selector `mail`.
    pub fn config_with(&self, resolver: std::net::SocketAddr, domain: &str) -> PathBuf {
        let text = format!(
            r#"state_file: {state}
detect:
  ipv4: ["http://127.0.0.1:9/ip"]
  timeout: 2s
providers:
  home-cf:
    type: cloudflare
    api_token: "{CF_TOKEN}"
    endpoint: http://127.0.0.1:9/
domains:
  - domain: {domain}
    provider: home-cf
    dkim_selectors: [mail]
dns:
  resolvers: ["{resolver}"]
"#,
            state = self.dir.path().join("state.json").display(),
        );
        let p = self.dir.path().join("config.yaml");
        write_private(&p, &text);
        p
    }

    /// `mxddns check --format json --address 203.0.113.20` for `domain` through the
    /// recursive BIND; the parsed report and the run.
    pub fn check(&self, domain: &str) -> (serde_json::Value, Run) {
        self.check_via(self.resolver.addr(), domain, &[])
    }

    pub fn check_via(
        &self,
        resolver: std::net::SocketAddr,
        domain: &str,
        extra: &[&str],
    ) -> (serde_json::Value, Run) {
        let cfg = self.config_with(resolver, domain);
        let r = run(mxddns()
            .arg("-c")
            .arg(&cfg)
            .arg("check")
            .arg("--domain")
            .arg(domain)
            .arg("--address")
            .arg(ADDR)
            .arg("--format")
            .arg("json")
            .args(extra));
        let v: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("JSON report ({e}): {r:?}"));
        (v, r)
    }
}

/// The findings of the first domain of a JSON report.
pub fn findings(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["domains"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The finding with id `id`, if any.
pub fn find(v: &serde_json::Value, id: &str) -> Option<serde_json::Value> {
    findings(v).into_iter().find(|f| f["check"] == id)
}

/// Whether the report has finding `id` at `severity`.
pub fn has(v: &serde_json::Value, id: &str, severity: &str) -> bool {
    findings(v)
        .iter()
        .any(|f| f["check"] == id && f["severity"] == severity)
}

#[test]
fn a_healthy_domain_through_a_private_root_passes_and_long_answers_come_over_tcp() {
    let scene = Scene::start(vec![Zone::primary(
        "example.test",
        &format!(
            "{}@ TXT {}\n",
            healthy_records(),
            // Other TXT records at the apex make the TXT answer longer than 512 bytes.
            txt(&format!("site-verification={}", "x".repeat(700)))
        ),
    )]);
    let (v, r) = scene.check("example.test");
    assert_eq!(r.code, 0, "{v:#}\n{r:?}");
    assert_eq!(v["errors"], 0, "{v:#}");
    assert_eq!(v["warnings"], 0, "{v:#}");
    for id in [
        "mx.host",
        "mx.address",
        "spf.authorised",
        "dmarc.policy",
        "dkim.key",
        "ptr.fcrdns",
    ] {
        assert!(has(&v, id, "ok"), "{id} ok in {v:#}");
    }
    // The TXT answer was truncated over UDP and asked again over TCP ("T" in BIND's
    // query log flags).
    let log = scene.resolver.log();
    let tcp = log.lines().any(|l| {
        l.split("query: example.test IN TXT ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|flags| flags.contains('T'))
    });
    assert!(
        tcp,
        "a TCP query for the long TXT answer in the resolver's log:\n{log}"
    );
}
#[test]
fn a_referral_from_a_server_that_does_not_recurse_is_could_not_check_never_missing() {
    let scene = Scene::start(vec![Zone::primary("example.test", &healthy_records())]);
    // The root server does not recurse: every answer is a referral (NOERROR, no answer,
    // NS in the authority section).
    let (v, r) = scene.check_via(scene.root.addr(), "example.test", &[]);
    for f in findings(&v) {
        let id = f["check"].as_str().unwrap_or_default();
        assert!(
            !id.ends_with(".missing") && f["severity"] != "ok",
            "a referral is not an answer: {f:#}\n{v:#}"
        );
    }
    assert!(has(&v, "mx.dns", "warn"), "{v:#}");
    assert!(
        find(&v, "mx.dns").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("referral"),
        "{v:#}"
    );
    assert_eq!(r.code, 4, "most look-ups failed: could not check\n{r:?}");
    assert!(r.stderr.contains("could not check"), "{r:?}");
}

#[test]
fn a_lame_delegation_is_could_not_check_never_missing() {
    let scene = Scene::start(vec![Zone::primary("example.test", &healthy_records())]);
    let (v, r) = scene.check("lame.test");
    for f in findings(&v) {
        let id = f["check"].as_str().unwrap_or_default();
        if id.starts_with("ptr.") || id.starts_with("blocklist.") {
            continue; // about the address, whose reverse zone is served well
        }
        assert!(
            !id.ends_with(".missing") && !id.ends_with(".nxdomain") && f["severity"] != "ok",
            "a lame delegation gives no answer: {f:#}\n{v:#}"
        );
    }
    assert!(has(&v, "mx.dns", "warn"), "{v:#}");
    assert_eq!(r.code, 4, "{r:?}");
}

#[test]
fn nxdomain_and_nodata_are_told_apart() {
    let scene = Scene::start(vec![Zone::primary(
        "nomx.test",
        "@ TXT \"v=spf1 -all\"\n@ A 203.0.113.20\n",
    )]);
    // A name that does not exist at all: the root says NXDOMAIN.
    let (v, r) = scene.check("unregistered.test");
    assert_eq!(r.code, 1, "{r:?}");
    let f = find(&v, "mx.nxdomain").unwrap_or_else(|| panic!("mx.nxdomain in {v:#}"));
    assert_eq!(f["severity"], "error", "{v:#}");
    let m = f["message"].as_str().unwrap();
    assert!(m.contains("does not exist"), "{m}");
    assert!(!m.contains("fall back"), "{m}");
    assert!(find(&v, "mx.missing").is_none(), "{v:#}");

    // A domain that exists without MX: NODATA, the fallback explained.
    let (v, _) = scene.check("nomx.test");
    let f = find(&v, "mx.missing").unwrap_or_else(|| panic!("mx.missing in {v:#}"));
    assert!(f["message"].as_str().unwrap().contains("fall back"), "{f}");
    assert!(find(&v, "mx.nxdomain").is_none(), "{v:#}");
}

/// The update cycle's proof at the authoritative servers, found through the real
/// delegation: the recursive BIND follows the root's referral to the child, verification
/// takes the zone's NS records from it and asks the child itself (every server on port
/// 53, where verification asks the name servers it finds). The child is also the
/// registrar: RFC 2136 updates signed with a TSIG key.
#[test]
fn verification_finds_the_child_through_the_roots_referral_and_asks_it_directly() {
    const KEY: &str = "mxddns-key";
    const SECRET: &str = "6hFvFfbXuhzkWb6OL2bzxs2C5BmRCJWKGbCO1anmGNk=";
    let zone = Zone::primary(
        "example.test",
        "@ MX 10 mail\nmail A 203.0.113.10\n@ TXT \"v=spf1 mx ip4:203.0.113.10 -all\"\n",
    )
    .with_extra(&format!(
        "  update-policy {{ grant \"{KEY}\" zonesub ANY; }};\n"
    ));
    let scene = Scene::start_with(
        vec![zone],
        Some(53),
        &format!("key \"{KEY}\" {{\n  algorithm hmac-sha256;\n  secret \"{SECRET}\";\n}};"),
    );
    let env = Env::example();
    let text = format!(
        r#"state_file: {state}
detect:
  ipv4: ["{echo}"]
  timeout: 5s
providers:
  own-dns:
    type: rfc2136
    server: {child}
    tsig_key_name: {KEY}
    tsig_algorithm: hmac-sha256
    tsig_secret: "{SECRET}"
domains:
  - domain: example.test
    provider: own-dns
    spf: true
dns:
  resolvers: ["{resolver}"]
  verify_timeout: 20s
"#,
        state = env.state_file().display(),
        echo = env.fake.echo_url(),
        child = scene.child.addr(),
        resolver = scene.resolver.addr(),
    );
    let cfg = env.write_config(&text);
    let r = update_now(&cfg);
    assert_eq!(
        r.code,
        0,
        "{r:?}\n--- child\n{}\n--- resolver\n{}",
        scene.child.log(),
        scene.resolver.log()
    );
    assert!(
        r.stdout
            .contains("mail.example.test A 203.0.113.10 -> 203.0.113.20 updated at own-dns"),
        "{r:?}"
    );
    // Verified at the one name server the delegation names (the child).
    assert!(
        r.stdout
            .contains("example.test: verified MX mail.example.test in")
            && r.stdout.contains("at 1/1 authoritative server(s)"),
        "{r:?}"
    );
    // The resolver found the child through the root's referral ...
    let root_log = scene.root.log();
    assert!(
        root_log.contains("example.test"),
        "the root was asked about example.test:\n{root_log}"
    );
    // ... and verification asked the child itself for the new address record: an unsigned
    // question (the provider's own reads are TSIG-signed, flag S) that did not come from
    // the resolver's address.
    let child_log = scene.child.log();
    let resolver_client = format!(" {}#", scene.resolver.addr().ip());
    let direct = child_log.lines().any(|l| {
        !l.contains(&resolver_client)
            && l.split("query: mail.example.test IN A ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .is_some_and(|flags| !flags.contains('S'))
    });
    assert!(
        direct,
        "a query for mail.example.test A from mxddns itself at the child:\n{child_log}"
    );
    // A second cycle: nothing to change.
    let again = update_now(&cfg);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(!again.stdout.contains("updated at"), "{again:?}");
}

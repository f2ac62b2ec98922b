//! `mxddns check` fetches and judges the MTA-STS policy (RFC 8461) through the binary: the
//! domains live in the real-BIND scene (private root, child, recursive resolver), and the
//! policy is served by a real HTTPS server on loopback (tokio-rustls, a certificate from a
//! test CA that openssl makes). The fetch is led there by the hidden test knobs
//! `MXDDNS_TEST_PORT_MAP=443=…` and `MXDDNS_TEST_EXTRA_CA` (which only ever apply to
//! loopback). One scene holds one zone per case; the server answers by Host header.
//!
//! Also here: fixes that `mxddns apply` can make say so when the domain has a `mail:`
//! block, and PTR findings carry the request for the ISP.

use super::check_bind::{find, findings, healthy_records, Scene, ADDR};
use super::harness::*;
use super::servers::bind::Zone;
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// What the server answers for one Host: status line, headers, body.
#[derive(Clone)]
struct Answer {
    status: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn policy(text: &str) -> Answer {
    Answer {
        status: "200 OK",
        headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
        body: text.to_string(),
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA (ca.pem) and, for each `(file, names)`, a certificate for those names signed
/// by it (`file`.pem, `file`.key).
fn certificates(dir: &Path, certs: &[(&str, &[String])]) -> PathBuf {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=mxddns MTA-STS test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    for (file, names) in certs {
        let (key, csr, pem, ext) = (
            format!("{file}.key"),
            format!("{file}.csr"),
            format!("{file}.pem"),
            format!("{file}.cnf"),
        );
        let cn = format!("/CN={}", names[0]);
        openssl(
            dir,
            &[
                "req", "-newkey", "rsa:2048", "-nodes", "-subj", &cn, "-keyout", &key, "-out", &csr,
            ],
        );
        let sans: Vec<String> = names.iter().map(|n| format!("DNS:{n}")).collect();
        std::fs::write(
            dir.join(&ext),
            format!(
                "subjectAltName={}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
                sans.join(",")
            ),
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-days",
                "2",
                "-CAcreateserial",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-out",
                &pem,
                "-extfile",
                &ext,
            ],
        );
    }
    dir.join("ca.pem")
}

/// An HTTPS server on 127.0.0.1 with the certificate `dir/file.pem`: each request is
/// answered from `answers` by its Host header (404 for any other host). It runs until the
/// test process ends.
fn https_server(dir: &Path, file: &str, answers: HashMap<String, Answer>) -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join(format!("{file}.pem")))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join(format!("{file}.key"))).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let answers = Arc::new(answers);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, answers) = (acceptor.clone(), answers.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: fine.
                    let Ok(mut tls) = acceptor.accept(client).await else {
                        return;
                    };
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_string();
                    let host = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("host").then(|| v.trim().to_string())
                        })
                        .unwrap_or_default();
                    let right_path = head.starts_with("GET /.well-known/mta-sts.txt ");
                    let a = answers
                        .get(&host)
                        .filter(|_| right_path)
                        .cloned()
                        .unwrap_or(Answer {
                            status: "404 Not Found",
                            headers: vec![("Content-Type", "text/plain".into())],
                            body: "not found\n".into(),
                        });
                    let mut out = format!("HTTP/1.1 {}\r\n", a.status);
                    for (k, v) in &a.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str(&format!(
                        "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                        a.body.len(),
                        a.body
                    ));
                    let _ = tls.write_all(out.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    addr
}

/// The zone of a mail domain with an MTA-STS record (id `id`) and, when `host`, the
/// policy host's address.
fn sts_zone(name: &str, id: &str, host: bool) -> Zone {
    let mut body = format!("{}_mta-sts TXT \"v=STSv1; id={id}\"\n", healthy_records());
    if host {
        body.push_str(&format!("mta-sts A {ADDR}\n"));
    }
    Zone::primary(name, &body)
}

const ENFORCE: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 604800\r\n";

/// The cases, each a zone: (zone, answer of its policy host).
fn cases() -> Vec<(&'static str, Option<Answer>)> {
    vec![
        ("example.test", Some(policy(ENFORCE))),
        (
            "testing.test",
            Some(policy(
                "version: STSv1\nmode: testing\nmx: *.testing.test\nmax_age: 86400\n",
            )),
        ),
        ("none.test", Some(policy("version: STSv1\nmode: none\nmax_age: 86400\n"))),
        (
            "uncovered.test",
            Some(policy(
                "version: STSv1\r\nmode: enforce\r\nmx: mx.elsewhere.test\r\nmx: *.mail.uncovered.test\r\nmax_age: 604800\r\n",
            )),
        ),
        ("nohost.test", None),
        ("notfound.test", None),
        (
            "redirect.test",
            Some(Answer {
                status: "301 Moved Permanently",
                headers: vec![(
                    "Location",
                    "https://www.redirect.test/.well-known/mta-sts.txt".into(),
                )],
                body: String::new(),
            }),
        ),
        (
            "html.test",
            Some(Answer {
                status: "200 OK",
                headers: vec![("Content-Type", "text/html".into())],
                body: "version: STSv1\nmode: enforce\nmx: mail.html.test\nmax_age: 604800\n".into(),
            }),
        ),
        (
            "malformed.test",
            Some(policy(
                "mode: enforce\nversion: STSv2\nmx: mail.malformed.test\nmax_age: 99999999\nthis line has no colon\n",
            )),
        ),
        ("badcert.test", Some(policy(ENFORCE))),
        ("badid.test", Some(policy("version: STSv1\nmode: enforce\nmx: mail.badid.test\nmax_age: 604800\n"))),
    ]
}

/// The scene: BIND with one zone per case, the HTTPS server for all good names, another
/// whose certificate is for the wrong name; the test CA.
struct World {
    scene: Scene,
    good: SocketAddr,
    wrong_name: SocketAddr,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let mut zones = Vec::new();
    let mut answers = HashMap::new();
    for (name, answer) in cases() {
        let id = if name == "badid.test" {
            "not-valid!"
        } else {
            "20260101T000000"
        };
        zones.push(sts_zone(name, id, name != "nohost.test"));
        if let Some(a) = answer {
            answers.insert(format!("mta-sts.{name}"), a);
        }
    }
    let scene = Scene::start(zones);
    let dir = tempfile::tempdir().unwrap();
    let good_names: Vec<String> = cases()
        .iter()
        .map(|(n, _)| format!("mta-sts.{n}"))
        .filter(|n| n != "mta-sts.badcert.test")
        .collect();
    let wrong = vec!["www.badcert.test".to_string()];
    let ca = certificates(dir.path(), &[("good", &good_names), ("wrong", &wrong)]);
    let good = https_server(dir.path(), "good", answers.clone());
    let wrong_name = https_server(dir.path(), "wrong", answers);
    World {
        scene,
        good,
        wrong_name,
        ca,
        _dir: dir,
    }
}

impl World {
    /// `check` of `domain` with the policy fetch led to `server`, no port probe, and the
    /// config `cfg` (the scene's unless given).
    fn check(
        &self,
        domain: &str,
        server: SocketAddr,
        cfg: Option<&Path>,
    ) -> (serde_json::Value, Run) {
        let default = self.scene.config_with(self.scene.resolver.addr(), domain);
        let r = run(mxddns()
            .arg("-c")
            .arg(cfg.unwrap_or(&default))
            .arg("check")
            .arg("--domain")
            .arg(domain)
            .arg("--address")
            .arg(ADDR)
            .arg("--no-ports")
            .arg("--format")
            .arg("json")
            .env("MXDDNS_TEST_PORT_MAP", format!("443={server}"))
            .env("MXDDNS_TEST_EXTRA_CA", &self.ca));
        let v: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("JSON report ({e}): {r:?}"));
        (v, r)
    }
}

/// The finding `id`, which must be there at `severity`; its message.
fn expect(v: &serde_json::Value, id: &str, severity: &str) -> serde_json::Value {
    let f = find(v, id).unwrap_or_else(|| panic!("{id} in {v:#}"));
    assert_eq!(f["severity"], severity, "{id}: {f:#}\n{v:#}");
    if severity == "warn" || severity == "error" {
        assert!(f["fix"].as_str().is_some_and(|s| !s.is_empty()), "{f:#}");
    }
    f
}

fn message(f: &serde_json::Value) -> String {
    f["message"].as_str().unwrap_or_default().to_string()
}

/// The MTA-STS findings of a report (ids starting with `mta_sts.`).
fn sts_ids(v: &serde_json::Value) -> Vec<String> {
    findings(v)
        .iter()
        .filter_map(|f| f["check"].as_str().map(str::to_string))
        .filter(|id| id.starts_with("mta_sts."))
        .collect()
}

#[test]
fn the_mta_sts_policy_is_fetched_over_https_and_judged() {
    let w = world();

    // Healthy: enforce, the MX host listed, valid certificate, text/plain.
    let (v, r) = w.check("example.test", w.good, None);
    assert_eq!(r.code, 0, "{v:#}\n{r:?}");
    assert_eq!(v["errors"], 0, "{v:#}");
    assert_eq!(v["warnings"], 0, "{v:#}");
    expect(&v, "mta_sts.present", "info");
    let f = expect(&v, "mta_sts.policy", "ok");
    assert!(
        message(&f).contains("https://mta-sts.example.test/.well-known/mta-sts.txt"),
        "{f}"
    );
    assert!(message(&f).contains("mail.example.test"), "{f}");
    expect(&v, "mta_sts.mx", "ok");

    // Testing mode, a wildcard that covers mail.testing.test: info, no warning.
    let (v, _) = w.check("testing.test", w.good, None);
    let f = expect(&v, "mta_sts.mode", "info");
    assert!(message(&f).contains("testing"), "{f}");
    expect(&v, "mta_sts.mx", "ok");
    assert!(find(&v, "mta_sts.policy").is_none(), "{v:#}");

    // Mode none: MTA-STS switched off, said as info; no coverage verdict.
    let (v, _) = w.check("none.test", w.good, None);
    let f = expect(&v, "mta_sts.mode", "info");
    assert!(message(&f).contains("none"), "{f}");
    assert!(find(&v, "mta_sts.mx").is_none(), "{v:#}");

    // Enforce, MX host not covered: neither the exact name nor the wildcard (which stands
    // for one label under mail.uncovered.test, not mail.uncovered.test itself).
    let (v, r) = w.check("uncovered.test", w.good, None);
    let f = expect(&v, "mta_sts.mx", "error");
    assert!(message(&f).contains("mail.uncovered.test"), "{f}");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("mx: mail.uncovered.test"),
        "{f}"
    );
    assert_eq!(r.code, 1, "an MX that senders refuse is an error\n{r:?}");

    // The policy host has no address.
    let (v, _) = w.check("nohost.test", w.good, None);
    let f = expect(&v, "mta_sts.policy_host", "warn");
    assert!(message(&f).contains("mta-sts.nohost.test"), "{f}");
    assert!(!sts_ids(&v).contains(&"mta_sts.http".to_string()), "{v:#}");

    // HTTP 404.
    let (v, _) = w.check("notfound.test", w.good, None);
    let f = expect(&v, "mta_sts.http", "warn");
    assert!(message(&f).contains("404"), "{f}");

    // A redirect is not followed.
    let (v, _) = w.check("redirect.test", w.good, None);
    let f = expect(&v, "mta_sts.redirect", "warn");
    assert!(message(&f).contains("301"), "{f}");
    assert!(message(&f).contains("https://www.redirect.test/"), "{f}");

    // Wrong media type.
    let (v, _) = w.check("html.test", w.good, None);
    let f = expect(&v, "mta_sts.content_type", "warn");
    assert!(message(&f).contains("text/html"), "{f}");
    assert!(find(&v, "mta_sts.policy").is_none(), "{v:#}");

    // Malformed: version not first and not STSv1, max_age over the limit, a bad line.
    let (v, _) = w.check("malformed.test", w.good, None);
    let f = expect(&v, "mta_sts.malformed", "warn");
    for part in ["STSv2", "max_age 99999999", "line 5"] {
        assert!(message(&f).contains(part), "{part} in {f}");
    }

    // A certificate for another name: refused, said as a certificate problem.
    let (v, _) = w.check("badcert.test", w.wrong_name, None);
    let f = expect(&v, "mta_sts.certificate", "warn");
    assert!(message(&f).contains("mta-sts.badcert.test"), "{f}");
    assert!(find(&v, "mta_sts.http").is_none(), "{v:#}");

    // The same server without the test CA: an unknown issuer is a certificate problem too.
    let (v, _) = {
        let cfg = w.scene.config_with(w.scene.resolver.addr(), "example.test");
        let r = run(mxddns()
            .arg("-c")
            .arg(&cfg)
            .args(["check", "--domain", "example.test", "--address", ADDR])
            .args(["--no-ports", "--format", "json"])
            .env("MXDDNS_TEST_PORT_MAP", format!("443={}", w.good)));
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        (v, r)
    };
    expect(&v, "mta_sts.certificate", "warn");

    // A malformed id in the TXT record (the policy itself is fine).
    let (v, _) = w.check("badid.test", w.good, None);
    expect(&v, "mta_sts.invalid", "warn");
    expect(&v, "mta_sts.policy", "ok");
}

#[test]
fn fixes_that_apply_makes_say_so_and_ptr_findings_carry_the_isp_request() {
    let w = world();
    // uncovered.test: its MX host mail.uncovered.test resolves to ADDR, whose reverse name
    // is mail.example.test; the policy does not cover the MX host; no TLS-RPT record.
    let plain = w
        .scene
        .config_with(w.scene.resolver.addr(), "uncovered.test");
    let text = std::fs::read_to_string(&plain).unwrap();
    let policy_file = w.scene.dir.path().join("mta-sts.txt");
    let with_mail = text.replace(
        "    dkim_selectors: [mail]\n",
        &format!(
            "    dkim_selectors: [mail]\n    mail:\n      mx:\n        - {{ host: mail.uncovered.test, priority: 10 }}\n      mta_sts:\n        mode: enforce\n        policy_file: {}\n      tls_rpt: [mailto:tlsrpt@uncovered.test]\n",
            policy_file.display()
        ),
    );
    assert_ne!(with_mail, text);
    let cfg = w.scene.dir.path().join("with-mail.yaml");
    write_private(&cfg, &with_mail);

    let (v, r) = w.check("uncovered.test", w.good, Some(&cfg));
    assert_eq!(r.code, 1, "{r:?}");
    let f = expect(&v, "mta_sts.mx", "error");
    assert_eq!(f["apply"], true, "{f:#}");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("run `mxddns apply` (the mail: block declares it)"),
        "{fix}"
    );
    assert!(
        fix.contains("mx: mail.uncovered.test"),
        "the fix by hand stays: {fix}"
    );
    let f = find(&v, "tls_rpt.absent").unwrap_or_else(|| panic!("tls_rpt.absent in {v:#}"));
    assert_eq!(f["apply"], true, "{f:#}");
    assert!(f["fix"].as_str().unwrap().contains("mxddns apply"), "{f:#}");
    // Not declared by this mail: block (no spf:, dmarc:): no claim.
    for f in findings(&v) {
        let id = f["check"].as_str().unwrap();
        if id.starts_with("spf.") || id.starts_with("dmarc.") || id.starts_with("ptr.") {
            assert!(f.get("apply").is_none(), "{f:#}");
        }
    }
    // The PTR of ADDR names another host: the request for the ISP, word for word.
    let f = expect(&v, "ptr.mismatch", "warn");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!(
            "\"Please set the reverse DNS (PTR record) of {ADDR} to mail.uncovered.test. \
             mail.uncovered.test resolves to {ADDR}"
        )),
        "{fix}"
    );

    // Without a mail: block, the same findings make no claim about apply.
    let (v, _) = w.check("uncovered.test", w.good, None);
    let f = expect(&v, "mta_sts.mx", "error");
    assert!(f.get("apply").is_none(), "{f:#}");
    assert!(
        !f["fix"].as_str().unwrap().contains("mxddns apply"),
        "{f:#}"
    );

    // The text report shows the fix, in Chinese too.
    let r = run(mxddns()
        .arg("-c")
        .arg(&cfg)
        .args([
            "--lang",
            "zh-CN",
            "check",
            "--domain",
            "uncovered.test",
            "--address",
            ADDR,
        ])
        .arg("--no-ports")
        .env("MXDDNS_TEST_PORT_MAP", format!("443={}", w.good))
        .env("MXDDNS_TEST_EXTRA_CA", &w.ca));
    assert!(
        r.stdout
            .contains("运行 `mxddns apply`（mail: 块已声明该记录）"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("请将 IP 地址 203.0.113.20 的反向解析（PTR 记录）设置为 mail.uncovered.test"),
        "{r:?}"
    );
    assert!(r.stdout.contains("不匹配"), "{r:?}");
}

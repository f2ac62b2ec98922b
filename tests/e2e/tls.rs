//! `tls_ca_file:` (issue 16): a provider API and a webhook behind HTTPS signed by a private
//! CA. The CA is made by `openssl` in the test's directory; a TLS front (tokio-rustls, on
//! loopback) terminates TLS and forwards to the plain-HTTP fake registrar or receiver.

use super::harness::{mxddns, run, update_now, Env, CF_TOKEN};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A test CA and a server certificate for 127.0.0.1 and localhost, made by openssl.
struct TestCa {
    /// The CA certificate (PEM): what `tls_ca_file:` names.
    ca: PathBuf,
    /// The server's chain (leaf, then CA) and key.
    chain: PathBuf,
    key: PathBuf,
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

impl TestCa {
    fn make(dir: &Path) -> TestCa {
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca_args = vec!["req", "-x509"];
        ca_args.extend(ec);
        ca_args.extend([
            "-days",
            "2",
            "-subj",
            "/CN=mxddns test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(dir, &ca_args);
        let mut csr_args = vec!["req"];
        csr_args.extend(ec);
        csr_args.extend([
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        openssl(dir, &csr_args);
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-sha256",
                "-extfile",
                "server.ext",
                "-out",
                "server.crt",
            ],
        );
        let chain = [
            std::fs::read_to_string(dir.join("server.crt")).unwrap(),
            std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        ]
        .concat();
        std::fs::write(dir.join("chain.pem"), chain).unwrap();
        TestCa {
            ca: dir.join("ca.pem"),
            chain: dir.join("chain.pem"),
            key: dir.join("server.key"),
        }
    }
}

/// A TLS front on 127.0.0.1: each connection is decrypted and forwarded to `target`.
/// Returns its address; it runs until the test process ends.
fn tls_front(ca: &TestCa, target: SocketAddr) -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&ca.chain)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&ca.key).unwrap();
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
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: fine.
                    let Ok(mut tls) = acceptor.accept(client).await else {
                        return;
                    };
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
    });
    addr
}

/// `host:port` of an `http://host:port/...` URL.
fn addr_of(url: &str) -> SocketAddr {
    let rest = url.strip_prefix("http://").unwrap();
    rest.split('/').next().unwrap().parse().unwrap()
}

/// Env's Cloudflare config with the endpoint moved to `https://…` at `front`, plus `extra`
/// lines in the provider entry.
fn https_config(env: &Env, front: SocketAddr, extra: &str) -> String {
    let plain = env.fake.cloudflare_endpoint();
    let https = plain.replace(
        &format!("http://{}", addr_of(&plain)),
        &format!("https://{front}"),
    );
    env.cloudflare_config(CF_TOKEN).replace(
        &format!("    endpoint: {plain}\n"),
        &format!("    endpoint: {https}\n{extra}"),
    )
}

#[test]
fn a_provider_behind_a_private_ca_is_trusted_through_tls_ca_file() {
    let env = Env::example();
    let ca = TestCa::make(env.dir.path());
    let front = tls_front(&ca, addr_of(&env.fake.cloudflare_endpoint()));

    // Without the option the private CA is not trusted: the cycle fails, nothing written.
    let cfg = env.write_config(&https_config(&env, front, ""));
    let r = update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("the API's TLS certificate was refused")
            && r.stderr.contains("UnknownIssuer")
            && r.stderr.contains("tls_ca_file:"),
        "the failure names the certificate and the fix: {r:?}"
    );
    assert!(
        !r.stderr.contains("trying again"),
        "a refused certificate is not retried within the cycle: {r:?}"
    );
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
    assert_eq!(env.writes(), 0);

    // With it (a relative path: against the config's directory), the update goes through.
    let cfg = env.write_config(&https_config(&env, front, "    tls_ca_file: ca.pem\n"));
    let r = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(&format!(
            "also trusts the 1 CA certificate in {} (tls_ca_file)",
            ca.ca.display()
        )),
        "{r:?}"
    );
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
}

/// A one-request-at-a-time HTTP receiver: answers 200, keeps each body.
fn receiver() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = got.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            s.set_read_timeout(Some(Duration::from_secs(10))).ok();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n) = s.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .to_ascii_lowercase()
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: ")?.trim().parse().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        keep.lock().unwrap().push(body.to_string());
                        let _ = s.write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        );
                        break;
                    }
                }
            }
        }
    });
    (addr, got)
}

#[test]
fn a_webhook_behind_a_private_ca_is_trusted_through_tls_ca_file() {
    let env = Env::example();
    let ca = TestCa::make(env.dir.path());
    let (plain, got) = receiver();
    let front = tls_front(&ca, plain);
    let notify = format!(
        "notify:\n  - url: https://{front}/hook\n    on: [change]\n    tls_ca_file: {}\n",
        ca.ca.display()
    );
    let cfg = env.write_config(&format!("{}{notify}", env.cloudflare_config(CF_TOKEN)));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{r:?}");
    assert!(
        got[0].contains("203.0.113.10") && got[0].contains("203.0.113.20"),
        "{got:?}"
    );
}

#[test]
fn a_webhook_behind_an_untrusted_ca_fails_without_failing_the_cycle() {
    let env = Env::example();
    let ca = TestCa::make(env.dir.path());
    let (plain, got) = receiver();
    let front = tls_front(&ca, plain);
    let notify = format!("notify:\n  - url: https://{front}/hook\n    on: [change]\n");
    let cfg = env.write_config(&format!("{}{notify}", env.cloudflare_config(CF_TOKEN)));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.all().contains("could not notify"), "{r:?}");
    assert!(got.lock().unwrap().is_empty());
}

/// `validate` with `tls_ca_file: FILE` on the provider: exit 2 and a message with `want`.
fn refused(env: &Env, file: &str, want: &str) {
    let cfg = env.write_config(&https_config(
        env,
        "127.0.0.1:9".parse().unwrap(),
        &format!("    tls_ca_file: {file}\n"),
    ));
    let r = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
    assert_eq!(r.code, 2, "{file}: {r:?}");
    assert!(
        r.stderr.contains("providers.home-cf.tls_ca_file: ") && r.stderr.contains(want),
        "{file}: wanted {want:?} in {r:?}"
    );
    assert!(!r.all().contains(CF_TOKEN), "{r:?}");
}

#[test]
fn an_unusable_tls_ca_file_is_a_configuration_error() {
    let env = Env::example();
    let ca = TestCa::make(env.dir.path());
    let dir = env.dir.path();

    refused(&env, "missing.pem", "cannot read ");
    refused(&env, "missing.pem", "check the path");
    refused(&env, "\"\"", "is empty");
    // A key, no certificate.
    refused(&env, "server.key", "holds no certificate");
    // Text that is not PEM at all.
    std::fs::write(dir.join("notes.txt"), "hello\n").unwrap();
    refused(&env, "notes.txt", "holds no certificate");
    // A block that is not closed.
    let pem = std::fs::read_to_string(&ca.ca).unwrap();
    let cut = pem.replace("-----END CERTIFICATE-----", "");
    std::fs::write(dir.join("cut.pem"), cut).unwrap();
    refused(&env, "cut.pem", "is not a PEM file");
    // A well-formed block whose content is not a certificate.
    std::fs::write(
        dir.join("junk.pem"),
        "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    refused(
        &env,
        "junk.pem",
        "certificate 1 is not a usable X.509 CA certificate",
    );
}

#[test]
fn a_webhook_tls_ca_file_is_checked_too() {
    let env = Env::example();
    let notify = "notify:\n  - url: https://127.0.0.1:9/hook\n    tls_ca_file: nowhere.pem\n";
    let cfg = env.write_config(&format!("{}{notify}", env.cloudflare_config(CF_TOKEN)));
    let r = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("notify[0].tls_ca_file: cannot read "),
        "{r:?}"
    );
}

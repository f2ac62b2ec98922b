//! A real Postfix (Debian's `postfix` package) started by a test as a private instance:
//! its own `config_directory`, `queue_directory` and `data_directory` in a temporary
//! directory, listening on 127.0.0.1 at free ports (SMTP with STARTTLS, and SMTP over
//! TLS for "465"), with a certificate for the given host name signed by a test CA that
//! openssl makes at test time. `postfix stop` when dropped. A Postfix that cannot start
//! fails the test with its log: never a skip.

use super::bind::{free_port, sbin};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How to start it.
#[derive(Debug, Clone)]
pub struct PostfixConf {
    /// `myhostname`: the name in the greeting.
    pub hostname: String,
    /// The name the certificate is made for.
    pub cert_name: String,
    /// Offer STARTTLS (and run the TLS-wrapped port).
    pub tls: bool,
}

impl PostfixConf {
    pub fn new(hostname: &str) -> PostfixConf {
        PostfixConf {
            hostname: hostname.into(),
            cert_name: hostname.into(),
            tls: true,
        }
    }
}

/// A running private Postfix.
pub struct Postfix {
    child: Child,
    conf_dir: PathBuf,
    /// SMTP with STARTTLS.
    pub smtp: SocketAddr,
    /// SMTP over TLS (what port 465 is).
    pub smtps: SocketAddr,
    /// The test CA that signed the server's certificate (PEM).
    pub ca: PathBuf,
    log: PathBuf,
    dir: tempfile::TempDir,
}

fn run_ok(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a certificate for `name` signed by it, made by openssl in `dir`:
/// (ca.pem, cert.pem, key.pem).
pub fn make_certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let p = |f: &str| dir.join(f);
    run_ok(
        Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=mxddns test CA",
            ])
            .arg("-keyout")
            .arg(p("ca.key"))
            .arg("-out")
            .arg(p("ca.pem")),
        "openssl (test CA)",
    );
    run_ok(
        Command::new("openssl")
            .args(["req", "-newkey", "rsa:2048", "-nodes", "-subj"])
            .arg(format!("/CN={name}"))
            .arg("-keyout")
            .arg(p("key.pem"))
            .arg("-out")
            .arg(p("req.csr")),
        "openssl (request)",
    );
    std::fs::write(
        p("ext.cnf"),
        format!(
            "subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        ),
    )
    .expect("write ext.cnf");
    run_ok(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
            .arg("-in")
            .arg(p("req.csr"))
            .arg("-CA")
            .arg(p("ca.pem"))
            .arg("-CAkey")
            .arg(p("ca.key"))
            .arg("-out")
            .arg(p("cert.pem"))
            .arg("-extfile")
            .arg(p("ext.cnf")),
        "openssl (sign)",
    );
    (p("ca.pem"), p("cert.pem"), p("key.pem"))
}

impl Postfix {
    pub fn start(conf: PostfixConf) -> Postfix {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temporary directory for postfix");
        let root = dir.path();
        // Postfix daemons drop to the postfix user: they must reach their directories.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let conf_dir = root.join("conf");
        let data = root.join("data");
        let queue = root.join("queue");
        for d in [&conf_dir, &data, &queue] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        run_ok(
            Command::new("chown").arg("postfix").arg(&data),
            "chown postfix (data_directory)",
        );
        let (ca, cert, key) = make_certificate(root, &conf.cert_name);
        for f in [&cert, &key] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        let log = root.join("maillog");
        // The ports are free when chosen but another test may take one before Postfix binds
        // it ("Address already in use"): then Postfix starts again on two new ones.
        let mut attempt = 0;
        let (child, smtp, smtps) = loop {
            attempt += 1;
            let smtp = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let smtps = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let tls = if conf.tls {
                format!(
                    "smtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\nsmtpd_tls_security_level = may\n",
                    cert.display(),
                    key.display()
                )
            } else {
                "smtpd_tls_security_level = none\n".to_string()
            };
            std::fs::write(
                conf_dir.join("main.cf"),
                format!(
                    "compatibility_level = 3.6\nqueue_directory = {}\ndata_directory = {}\n\
                     mail_owner = postfix\nsetgid_group = postdrop\ninet_interfaces = 127.0.0.1\n\
                     inet_protocols = ipv4\nmyhostname = {}\nmydestination =\nrelayhost =\n\
                     alias_maps =\nalias_database =\nsmtpd_banner = $myhostname ESMTP\n\
                     maillog_file = /dev/stdout\n{tls}",
                    queue.display(),
                    data.display(),
                    conf.hostname,
                ),
            )
            .expect("write main.cf");
            let wrapped = if conf.tls {
                format!("{smtps} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n")
            } else {
                String::new()
            };
            std::fs::write(
                conf_dir.join("master.cf"),
                format!(
                    "{smtp} inet n - n - - smtpd\n{wrapped}\
                     pickup unix n - n 60 1 pickup\ncleanup unix n - n - 0 cleanup\n\
                     qmgr unix n - n 300 1 qmgr\ntlsmgr unix - - n 1000? 1 tlsmgr\n\
                     rewrite unix - - n - - trivial-rewrite\nbounce unix - - n - 0 bounce\n\
                     defer unix - - n - 0 bounce\ntrace unix - - n - 0 bounce\n\
                     verify unix - - n - 1 verify\nflush unix n - n 1000? 0 flush\n\
                     proxymap unix - - n - - proxymap\nanvil unix - - n - 1 anvil\n\
                     scache unix - - n - 1 scache\npostlog unix-dgram n - n - 1 postlogd\n"
                ),
            )
            .expect("write master.cf");
            let mut child = Command::new(sbin("postfix"))
                .arg("-c")
                .arg(&conf_dir)
                .arg("start-fg")
                .stdin(Stdio::null())
                // Its log (maillog_file = /dev/stdout) and any complaint, into one file.
                .stdout(std::fs::File::create(&log).expect("create the postfix log"))
                .stderr(
                    std::fs::File::options()
                        .append(true)
                        .open(&log)
                        .expect("open the log"),
                )
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start Postfix: {e}; install Debian's postfix package (.ci/run does)")
                });
            let started = Instant::now();
            let listening = loop {
                if banner(smtp).is_some() {
                    break Ok(());
                }
                if let Ok(Some(status)) = child.try_wait() {
                    break Err(format!(
                        "Postfix exited with {status} before it listened on {smtp}; its log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    ));
                }
                if started.elapsed() > START_TIMEOUT {
                    let _ = Command::new(sbin("postfix"))
                        .arg("-c")
                        .arg(&conf_dir)
                        .arg("stop")
                        .output();
                    let _ = child.kill();
                    break Err(format!(
                        "Postfix did not answer on {smtp} within {START_TIMEOUT:?}; its log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            };
            match listening {
                Ok(()) => break (child, smtp, smtps),
                Err(why) if attempt < 5 && why.contains("Address already in use") => {
                    let _ = child.wait();
                }
                Err(why) => panic!("{why}"),
            }
        };
        Postfix {
            child,
            conf_dir,
            smtp,
            smtps,
            ca,
            log,
            dir,
        }
    }

    /// What Postfix has logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// The greeting line, when something answers on `addr` with one.
fn banner(addr: SocketAddr) -> Option<String> {
    use std::io::{BufRead, BufReader};
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).ok()?;
    line.starts_with("220").then_some(line)
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new(sbin("postfix"))
            .arg("-c")
            .arg(&self.conf_dir)
            .arg("stop")
            .output();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

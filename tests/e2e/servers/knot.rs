//! A real Knot DNS (`knotd` from Debian's `knot` package) started by a test on
//! 127.0.0.1 at a free port, with zones, TSIG keys and ACLs; killed when dropped. A
//! server that cannot start fails the test with knotd's own log: never a skip.

use super::bind::{free_port, sbin};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What to start: zones (name, records after an SOA the starter writes) and raw
/// `key:` / `acl:` sections, and the ACL ids each zone uses.
#[derive(Debug, Clone, Default)]
pub struct KnotConf {
    pub zones: Vec<(String, String)>,
    /// YAML items under `key:` (each starting `  - id: …`).
    pub keys: String,
    /// YAML items under `acl:`.
    pub acls: String,
    /// The acl ids every zone lists.
    pub zone_acls: Vec<String>,
}

/// A running `knotd`.
pub struct Knot {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Knot {
    pub fn start(conf: KnotConf) -> Knot {
        let knotd = sbin("knotd");
        let dir = tempfile::tempdir().expect("temporary directory for knotd");
        let d = dir.path().display().to_string();
        let port = free_port();
        let mut zones = String::new();
        for (name, body) in &conf.zones {
            std::fs::write(
                dir.path().join(format!("{name}.zone")),
                format!(
                    "$ORIGIN {name}.\n$TTL 300\n@ SOA ns.{name}. hostmaster.{name}. 1 3600 600 86400 300\n{body}\n"
                ),
            )
            .expect("write zone");
            zones.push_str(&format!(
                "  - domain: {name}\n    acl: [{}]\n",
                conf.zone_acls.join(", ")
            ));
        }
        let keys = if conf.keys.is_empty() {
            String::new()
        } else {
            format!("key:\n{}", conf.keys)
        };
        let acls = if conf.acls.is_empty() {
            String::new()
        } else {
            format!("acl:\n{}", conf.acls)
        };
        let text = format!(
            "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n\
             control:\n  listen: {d}/knot.sock\n\
             database:\n  storage: {d}\n\
             log:\n  - target: stderr\n    any: info\n\
             {keys}{acls}\
             template:\n  - id: default\n    storage: {d}\n    file: \"%s.zone\"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: changes\n    semantic-checks: off\n\
             zone:\n{zones}"
        );
        let conf_path = dir.path().join("knot.conf");
        std::fs::write(&conf_path, &text).expect("write knot.conf");
        let mut child = Command::new(&knotd)
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start Knot DNS ({}): {e}; install Debian's knot package \
                     (.ci/run does: apt-get install knot)",
                    knotd.display()
                )
            });
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("knotd's stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        loop {
            let loaded = log.lock().unwrap().contains("loaded, serial");
            if loaded && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "Knot DNS (knotd) exited with {status} before it ran on {addr}; its log:\n{}\nknot.conf:\n{text}",
                    log.lock().unwrap()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                panic!(
                    "Knot DNS (knotd) did not start on {addr} within {START_TIMEOUT:?}; its log:\n{}",
                    log.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Knot {
            child,
            addr,
            log,
            _dir: dir,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Stop the server now (a server that goes away).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        self.stop();
    }
}

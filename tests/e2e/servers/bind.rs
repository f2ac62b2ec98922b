//! A real BIND 9 (`named` from Debian's `bind9` package) started by a test: it writes a
//! `named.conf` and zone files into a temporary directory, runs `named -f` in the
//! foreground on a loopback address and port, waits until it says "running", and kills
//! it when dropped. A server that cannot start fails the test with named's own log.
//!
//! Several servers that must talk to each other (a private root, a child zone's server,
//! a recursive resolver) share one port on different loopback addresses (127.x.y.1,
//! 127.x.y.2, …): BIND sends its own queries to the port it listens on (the `port`
//! option), as BIND's own system tests do with 10.53.0.x. See [`Net`].
//!
//! ```ignore
//! let net = Net::new(2);
//! let auth = Bind::start(BindConf::new(net.addr(0), net.port)
//!     .zone(Zone::primary("example.test", "@ NS ns\nns A 127.0.0.1\n@ MX 10 mail\n")));
//! // dig @auth.addr() example.test MX
//! ```

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long named may take to load its zones and start listening (generous: CI shares
/// two cores between several test threads).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Loopback addresses that share one free port, for servers that query each other.
///
/// BIND listens only on addresses that an interface holds, so each address is added to
/// `lo` (`ip addr add 127.x.y.i/32 dev lo`, which needs root or CAP_NET_ADMIN, as CI has)
/// and removed again when the `Net` is dropped.
#[derive(Debug)]
pub struct Net {
    pub addrs: Vec<IpAddr>,
    pub port: u16,
    added: Vec<IpAddr>,
}

impl Net {
    /// `n` addresses 127.x.y.1..=n (x, y random, so parallel tests rarely meet) and a port
    /// that is free, for UDP and TCP, on every one of them.
    pub fn new(n: u8) -> Net {
        Net::on_port(n, None)
    }

    /// [`Net::new`], on `port` when given (53, for code that asks name servers on the
    /// standard port, as verification does with the NS records it finds).
    pub fn on_port(n: u8, fixed: Option<u16>) -> Net {
        for _ in 0..200 {
            let x = 100 + rand_u8() % 100;
            let y = 1 + rand_u8() % 250;
            let addrs: Vec<IpAddr> = (1..=n)
                .map(|i| IpAddr::V4(Ipv4Addr::new(127, x, y, i)))
                .collect();
            if addrs.iter().any(|a| on_lo(*a)) {
                continue;
            }
            let mut net = Net {
                addrs: addrs.clone(),
                port: 0,
                added: Vec::new(),
            };
            for a in &addrs {
                net.add(*a);
            }
            let port = match fixed {
                Some(p) => p,
                None => {
                    let Ok(first) = UdpSocket::bind(SocketAddr::new(addrs[0], 0)) else {
                        continue;
                    };
                    let Ok(port) = first.local_addr().map(|a| a.port()) else {
                        continue;
                    };
                    port
                }
            };
            if addrs.iter().all(|a| port_free(SocketAddr::new(*a, port))) {
                net.port = port;
                return net;
            }
        }
        panic!("no free port on 127.0.0.0/8 loopback addresses for the BIND test servers");
    }

    fn add(&mut self, a: IpAddr) {
        let out = Command::new(ip_path())
            .args(["addr", "add", &format!("{a}/32"), "dev", "lo"])
            .output();
        match out {
            Ok(o) if o.status.success() => self.added.push(a),
            Ok(o) => panic!(
                "cannot add the test address {a} to lo for BIND (`ip addr add {a}/32 dev lo`): \
                 {}; the real-DNS tests need root or CAP_NET_ADMIN",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!("cannot run `ip` (iproute2) to add the test address {a}: {e}"),
        }
    }

    /// The `i`th address (0-based).
    pub fn addr(&self, i: usize) -> IpAddr {
        self.addrs[i]
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for a in &self.added {
            let _ = Command::new(ip_path())
                .args(["addr", "del", &format!("{a}/32"), "dev", "lo"])
                .output();
        }
    }
}

/// Whether `lo` already holds `a` as an address of its own (another test's).
fn on_lo(a: IpAddr) -> bool {
    Command::new(ip_path())
        .args(["-o", "addr", "show", "dev", "lo"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("inet {a}/")))
        .unwrap_or(false)
}

fn ip_path() -> PathBuf {
    sbin("ip")
}

/// A free port on 127.0.0.1 (UDP and TCP) for a test server that binds it itself (BIND,
/// Knot, Postfix). Chosen below Linux's ephemeral range (32768-60999): a socket bound to port 0
/// (mxddns's own DNS queries, the servers other tests start) is never given one of these, so
/// nothing takes the port between this choice and the server's bind. Each call moves on to the
/// next port, from a start that differs per process, so two servers never get the same one.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let seed = std::process::id().wrapping_mul(2_654_435_761)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
    let _ = NEXT.compare_exchange(u32::MAX, seed % SPAN, Ordering::SeqCst, Ordering::SeqCst);
    for _ in 0..SPAN {
        let port = LOW + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN;
        if port_free(SocketAddr::from(([127, 0, 0, 1], port as u16))) {
            return port as u16;
        }
    }
    panic!("no free port on 127.0.0.1 for a test server");
}

fn port_free(a: SocketAddr) -> bool {
    UdpSocket::bind(a).is_ok() && TcpListener::bind(a).is_ok()
}

fn rand_u8() -> u8 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() & 0xff) as u8
}

/// One zone of a server.
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    /// The zone file's records (after an SOA the harness writes); must include the apex
    /// NS. `$ORIGIN` is the zone, `$TTL` 300. Empty for the `hint` type.
    pub body: String,
    /// `primary`, `secondary`, `hint`, …
    pub kind: String,
    /// Further lines inside the `zone { … }` statement (`allow-update { key k; };`).
    pub extra: String,
}

impl Zone {
    /// A primary zone with `body` as its records (an SOA is added; give the apex NS).
    pub fn primary(name: &str, body: &str) -> Zone {
        Zone {
            name: name.trim_end_matches('.').to_string(),
            body: body.to_string(),
            kind: "primary".into(),
            extra: String::new(),
        }
    }

    /// A root hint zone: the root servers are `servers` (name, address).
    pub fn hint(servers: &[(&str, IpAddr)]) -> Zone {
        let mut body = String::new();
        for (name, ip) in servers {
            body.push_str(&format!(". 3600000 NS {name}.\n{name}. 3600000 A {ip}\n"));
        }
        Zone {
            name: ".".into(),
            body,
            kind: "hint".into(),
            extra: String::new(),
        }
    }

    /// The same zone with `lines` added inside its `zone { … }` statement.
    pub fn with_extra(mut self, lines: &str) -> Zone {
        self.extra.push_str(lines);
        self
    }

    fn file_name(&self) -> String {
        if self.name == "." || self.name.is_empty() {
            "root.zone".into()
        } else {
            format!("{}.zone", self.name)
        }
    }

    fn file_text(&self) -> String {
        if self.kind == "hint" {
            return self.body.clone();
        }
        let origin = if self.name == "." || self.name.is_empty() {
            ".".to_string()
        } else {
            format!("{}.", self.name)
        };
        let host = if origin == "." {
            "hostmaster.root.".to_string()
        } else {
            format!("hostmaster.{origin}")
        };
        format!(
            "$ORIGIN {origin}\n$TTL 300\n@ SOA ns.invalid. {host} 1 3600 600 86400 300\n{}\n",
            self.body
        )
    }
}

/// What to start: the listening address, recursion, zones, and raw extra configuration.
#[derive(Debug, Clone)]
pub struct BindConf {
    pub addr: IpAddr,
    pub port: u16,
    /// Recursive resolver (`recursion yes`); authoritative only otherwise.
    pub recursion: bool,
    pub zones: Vec<Zone>,
    /// Further lines inside `options { … }` (`max-udp-size 512;`).
    pub options: String,
    /// Further top-level statements (`key "k" { … };`).
    pub top: String,
}

impl BindConf {
    /// An authoritative-only server on `addr`:`port` with no zones yet.
    pub fn new(addr: IpAddr, port: u16) -> BindConf {
        BindConf {
            addr,
            port,
            recursion: false,
            zones: Vec::new(),
            options: String::new(),
            top: String::new(),
        }
    }

    /// An authoritative-only server on 127.0.0.1 at a free port.
    pub fn loopback() -> BindConf {
        BindConf::new(IpAddr::V4(Ipv4Addr::LOCALHOST), free_port())
    }

    pub fn zone(mut self, z: Zone) -> BindConf {
        self.zones.push(z);
        self
    }

    /// Make it a recursive resolver.
    pub fn recursive(mut self) -> BindConf {
        self.recursion = true;
        self
    }

    /// Add lines inside `options { … }`.
    pub fn option(mut self, lines: &str) -> BindConf {
        self.options.push_str(lines);
        self.options.push('\n');
        self
    }

    /// Add top-level statements.
    pub fn top(mut self, lines: &str) -> BindConf {
        self.top.push_str(lines);
        self.top.push('\n');
        self
    }

    fn named_conf(&self, dir: &Path) -> String {
        let d = dir.display();
        let mut zones = String::new();
        for z in &self.zones {
            let name = if z.name.is_empty() { "." } else { &z.name };
            zones.push_str(&format!(
                "zone \"{name}\" {{\n  type {};\n  file \"{d}/{}\";\n{}}};\n",
                z.kind,
                z.file_name(),
                z.extra
            ));
        }
        let recursion = if self.recursion {
            "recursion yes;\n  allow-recursion { any; };\n"
        } else {
            "recursion no;\n"
        };
        format!(
            r#"options {{
  directory "{d}";
  pid-file "{d}/named.pid";
  session-keyfile "{d}/session.key";
  managed-keys-directory "{d}";
  listen-on port {port} {{ {addr}; }};
  listen-on-v6 {{ none; }};
  port {port};
  {recursion}  allow-query {{ any; }};
  dnssec-validation no;
  notify no;
  qname-minimization off;
  empty-zones-enable no;
  {options}
}};
controls {{ }};
logging {{
  channel out {{ stderr; severity info; print-time no; }};
  category default {{ out; }};
  category queries {{ out; }};
  category lame-servers {{ out; }};
}};
{top}
{zones}"#,
            port = self.port,
            addr = self.addr,
            options = self.options,
            top = self.top,
        )
    }
}

/// A running `named`. Killed when dropped.
pub struct Bind {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
    dir: tempfile::TempDir,
}

impl Bind {
    /// Write the configuration and zones, start `named -f`, wait until it runs. Panics
    /// (failing the test) with named's log when it cannot start: never a skip.
    pub fn start(conf: BindConf) -> Bind {
        let named = sbin("named");
        let dir = tempfile::tempdir().expect("temporary directory for named");
        for z in &conf.zones {
            std::fs::write(dir.path().join(z.file_name()), z.file_text()).expect("write zone");
        }
        let conf_path = dir.path().join("named.conf");
        std::fs::write(&conf_path, conf.named_conf(dir.path())).expect("write named.conf");
        let mut child = Command::new(&named)
            .arg("-f")
            .arg("-4")
            .arg("-n")
            .arg("1")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start BIND ({}): {e}; install Debian's bind9 package \
                     (.ci/run does: apt-get install bind9)",
                    named.display()
                )
            });
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("named's stderr");
        let running = Arc::new(AtomicBool::new(false));
        let (sink, flag) = (Arc::clone(&log), Arc::clone(&running));
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line == "running" || line.ends_with(" running") {
                    flag.store(true, Ordering::SeqCst);
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let addr = SocketAddr::new(conf.addr, conf.port);
        let started = Instant::now();
        loop {
            if running.load(Ordering::SeqCst) {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                let check = Command::new(sbin("named-checkconf"))
                    .arg("-z")
                    .arg(&conf_path)
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                panic!(
                    "BIND (named) exited with {status} before it ran on {addr}; its log:\n{}\n\
                     named-checkconf -z:\n{check}\nnamed.conf:\n{}",
                    log.lock().unwrap(),
                    std::fs::read_to_string(&conf_path).unwrap_or_default()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                panic!(
                    "BIND (named) did not start on {addr} within {START_TIMEOUT:?}; its log:\n{}",
                    log.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Bind {
            child,
            addr,
            log,
            dir,
        }
    }

    /// Where it listens (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What named has logged so far (queries included).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Stop the server now (a server that goes away mid-run).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Its working directory (zone files, journals).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Bind {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A system program: on PATH, or in /usr/sbin or /sbin (Debian puts servers there,
/// outside a user's PATH).
pub fn sbin(name: &str) -> PathBuf {
    if let Some(paths) = std::env::var_os("PATH") {
        for p in std::env::split_paths(&paths) {
            let c = p.join(name);
            if c.is_file() {
                return c;
            }
        }
    }
    for d in ["/usr/sbin", "/sbin"] {
        let c = Path::new(d).join(name);
        if c.is_file() {
            return c;
        }
    }
    PathBuf::from("/usr/sbin").join(name)
}

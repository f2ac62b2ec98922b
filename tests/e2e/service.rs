//! Watching the service (issue 6): `/healthz` and `/metrics` on `listen:`, webhooks on a
//! change, after N failing cycles and on recovery, and SIGHUP reloading the configuration.
//! The service runs with `schedule: 1s` and `listen: 127.0.0.1:0`; it says the bound port
//! on stderr (`listening on 127.0.0.1:NNNNN`), which the tests read.

use super::harness::*;
use mxddns_fakereg::{FakeOptions, HttpFault, HttpMatch, RrType};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Generous: a failing cycle retries the provider for a few seconds.
pub(super) const LIMIT: Duration = Duration::from_secs(60);

pub(super) fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < LIMIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Text a child writes to a pipe, collected by a thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<String>>);

impl Captured {
    fn follow(pipe: impl Read + Send + 'static) -> Captured {
        let c = Captured::default();
        let out = c.0.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut o = out.lock().unwrap();
                o.push_str(&line);
                o.push('\n');
            }
        });
        c
    }

    fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

/// The real binary running as a service; killed when dropped.
pub(super) struct Service {
    child: Child,
    stdout: Captured,
    stderr: Captured,
}

impl Service {
    pub(super) fn start(config: &Path) -> Service {
        let mut child = mxddns()
            .arg("--config")
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the service");
        let stdout = Captured::follow(child.stdout.take().unwrap());
        let stderr = Captured::follow(child.stderr.take().unwrap());
        Service {
            child,
            stdout,
            stderr,
        }
    }

    /// The address of `/healthz` and `/metrics`, from the `listening on` line.
    pub(super) fn listening(&self) -> SocketAddr {
        let mut addr = None;
        wait_for("the listening line", || {
            addr = self.stderr.text().lines().find_map(|l| {
                let rest = l.split("listening on ").nth(1)?;
                rest.split_whitespace().next()?.parse().ok()
            });
            addr.is_some()
        });
        addr.unwrap()
    }

    fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// SIGTERM, and the exit code.
    pub(super) fn stop(mut self) -> Option<i32> {
        self.signal("TERM");
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            assert!(start.elapsed() < LIMIT, "did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn cycles(&self) -> usize {
        self.stdout
            .text()
            .lines()
            .filter(|l| l.starts_with("cycle: "))
            .count()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status code and body.
pub(super) struct Answer {
    pub(super) code: u16,
    pub(super) headers: String,
    pub(super) body: String,
}

/// One request over a fresh connection, the whole answer read.
pub(super) fn request(addr: SocketAddr, method: &str, path: &str) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect to the service");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a whole answer");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.parse().ok())
        .expect("Content-Length");
    // HEAD: the length of the body a GET would have.
    if method != "HEAD" {
        assert_eq!(length, body.len(), "Content-Length of {raw}");
    } else {
        assert!(length > 0, "{raw}");
    }
    Answer {
        code,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

pub(super) fn get(addr: SocketAddr, path: &str) -> Answer {
    request(addr, "GET", path)
}

fn health(addr: SocketAddr) -> (u16, serde_json::Value) {
    let a = get(addr, "/healthz");
    (a.code, serde_json::from_str(&a.body).expect("JSON health"))
}

/// The value of the sample `series` (name and labels, as written) in `/metrics`.
fn metric(addr: SocketAddr, series: &str) -> Option<f64> {
    let text = get(addr, "/metrics").body;
    text.lines().find_map(|l| {
        l.strip_prefix(series)
            .and_then(|v| v.strip_prefix(' '))
            .and_then(|v| v.parse().ok())
    })
}

/// A request received by the webhook.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    /// Lowercased header lines.
    headers: String,
    body: String,
}

/// A webhook receiver on loopback: answers 200 to everything and keeps what it got.
struct Webhook {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Webhook {
    fn start() -> Webhook {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook/topic-token", l.local_addr().unwrap());
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let keep = got.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                receive(s, &keep);
            }
        });
        Webhook { url, got }
    }

    fn bodies(&self) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.body.clone())
            .collect()
    }

    fn wait_for(&self, what: &str, f: impl Fn(&str) -> bool) -> Received {
        let mut found = None;
        wait_for(what, || {
            found = self
                .got
                .lock()
                .unwrap()
                .iter()
                .find(|r| f(&r.body))
                .cloned();
            found.is_some()
        });
        found.unwrap()
    }
}

/// Read one request, keep it, then answer (so that a sender that saw the answer finds it kept).
fn receive(mut s: TcpStream, keep: &Mutex<Vec<Received>>) -> Option<()> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head, body) = loop {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .to_ascii_lowercase()
                .lines()
                .find_map(|l| l.strip_prefix("content-length: ").map(str::to_string))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if body.len() >= length {
                break (head.to_string(), body.to_string());
            }
        }
    };
    let mut first = head.lines().next()?.split(' ');
    keep.lock().unwrap().push(Received {
        method: first.next()?.to_string(),
        path: first.next()?.to_string(),
        headers: head.to_ascii_lowercase(),
        body,
    });
    s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        .ok()
}

/// The standard Cloudflare config with `schedule: 1s`, `listen: 127.0.0.1:0` and `extra`.
fn service_config(env: &Env, extra: &str) -> String {
    let mut text = env
        .cloudflare_config(CF_TOKEN)
        .replace("schedule: 30s", "schedule: 1s");
    text.push_str("listen: 127.0.0.1:0\n");
    text.push_str(extra);
    text
}

#[test]
fn health_metrics_and_a_change_notification() {
    let env = Env::example();
    let hook = Webhook::start();
    let cfg = env.write_config(&service_config(
        &env,
        &format!(
            "notify:\n  - url: {}\n    body: \"{{event}} {{domain}} {{host}} {{old}} -> {{new}}\"\n    on: [change]\n",
            hook.url
        ),
    ));
    let svc = Service::start(&cfg);
    let addr = svc.listening();

    // The first cycle changes the record and says so.
    let r = hook.wait_for("the first change", |b| b.contains("203.0.113.20"));
    assert_eq!(
        r.body,
        "change example.com mail.example.com 203.0.113.10 -> 203.0.113.20"
    );
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/hook/topic-token");
    assert!(
        r.headers
            .contains("\r\ncontent-type: text/plain; charset=utf-8"),
        "{}",
        r.headers
    );

    let (code, h) = health(addr);
    assert_eq!(code, 200, "{h}");
    assert_eq!(h["status"], "ok");
    assert!(h["last_success"].as_i64().unwrap() > 1_600_000_000, "{h}");
    assert_eq!(h["consecutive_failures"], 0);

    let m = get(addr, "/metrics");
    assert_eq!(m.code, 200);
    assert!(
        m.headers
            .contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
        "{}",
        m.headers
    );
    assert!(m.headers.contains("Connection: close"), "{}", m.headers);
    for line in [
        "mxddns_address_info{family=\"ipv4\",address=\"203.0.113.20\"} 1",
        "mxddns_records_updated_total 1",
        "mxddns_consecutive_failed_cycles 0",
        "mxddns_domain_consecutive_failures{domain=\"example.com\"} 0",
        "mxddns_verify_success{domain=\"example.com\"} 1",
        &format!(
            "mxddns_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        ),
    ] {
        assert!(
            m.body.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            m.body
        );
    }
    wait_for("the notification to be counted", || {
        metric(addr, "mxddns_notifications_total{result=\"sent\"}") == Some(1.0)
    });
    let first_change = metric(
        addr,
        "mxddns_domain_last_change_timestamp_seconds{domain=\"example.com\"}",
    )
    .expect("a change time");
    assert!(first_change > 1_600_000_000.0);
    assert!(
        metric(
            addr,
            "mxddns_verify_duration_seconds{domain=\"example.com\"}"
        )
        .is_some(),
        "{}",
        m.body
    );
    assert!(metric(addr, "mxddns_cycles_total{result=\"success\"}").unwrap() >= 1.0);
    let requests = metric(
        addr,
        "mxddns_api_requests_total{account=\"home-cf\",provider=\"cloudflare\"}",
    )
    .unwrap();
    assert_eq!(requests as usize, env.api_requests());
    assert_eq!(
        metric(
            addr,
            "mxddns_api_failures_total{account=\"home-cf\",provider=\"cloudflare\"}"
        ),
        Some(0.0)
    );

    // The address changes: the record, the metrics and the webhook follow.
    env.fake.set_echo_ip("203.0.113.44".parse().unwrap());
    let r = hook.wait_for("the second change", |b| b.contains("203.0.113.44"));
    assert_eq!(
        r.body,
        "change example.com mail.example.com 203.0.113.20 -> 203.0.113.44"
    );
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.44"]);
    let m = get(addr, "/metrics").body;
    assert!(
        m.contains("\nmxddns_address_info{family=\"ipv4\",address=\"203.0.113.44\"} 1\n"),
        "{m}"
    );
    assert!(!m.contains("203.0.113.20"), "{m}");
    assert!(m.contains("\nmxddns_records_updated_total 2\n"), "{m}");
    let second_change = metric(
        addr,
        "mxddns_domain_last_change_timestamp_seconds{domain=\"example.com\"}",
    )
    .unwrap();
    assert!(second_change >= first_change);
    // Nothing else was sent: `on: [change]`, and no failure happened.
    assert_eq!(hook.bodies().len(), 2, "{:?}", hook.bodies());

    // Only GET and HEAD, only the three paths.
    assert_eq!(get(addr, "/").code, 200);
    assert_eq!(get(addr, "/index.html").code, 404);
    assert_eq!(request(addr, "POST", "/metrics").code, 405);
    let head = request(addr, "HEAD", "/healthz");
    assert_eq!((head.code, head.body.as_str()), (200, ""));

    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn a_persistent_failure_is_notified_once_then_the_recovery() {
    let env = Env::example();
    let hook = Webhook::start();
    let cfg = env.write_config(&service_config(
        &env,
        &format!(
            "notify:\n  - url: {}\n    body: '{{\"event\": \"{{event}}\", \"domain\": \"{{domain}}\", \"error\": \"{{error}}\", \"message\": \"{{message}}\"}}'\n    after_failures: 2\n",
            hook.url
        ),
    ));
    let svc = Service::start(&cfg);
    let addr = svc.listening();
    hook.wait_for("the first change", |b| b.contains("\"change\""));

    // The registrar fails every request, and the address changes: every cycle fails.
    env.fake.faults().http_always(
        HttpMatch::any().vendor("cloudflare"),
        HttpFault::status(500, "{}"),
    );
    env.fake.set_echo_ip("203.0.113.55".parse().unwrap());
    let r = hook.wait_for("the failure", |b| b.contains("\"failure\""));
    assert!(
        r.headers.contains("\r\ncontent-type: application/json"),
        "{}",
        r.headers
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("a JSON body");
    assert_eq!(v["domain"], "example.com");
    assert!(v["error"].as_str().unwrap().contains("500"), "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("mxddns: example.com has failed 2 cycles in a row: "),
        "{v}"
    );
    let (code, h) = health(addr);
    assert_eq!(code, 503, "{h}");
    assert_eq!(h["status"], "failing");
    assert!(h["consecutive_failures"].as_u64().unwrap() >= 2, "{h}");
    assert!(h["last_error"].as_str().unwrap().contains("500"), "{h}");
    assert!(
        metric(
            addr,
            "mxddns_api_failures_total{account=\"home-cf\",provider=\"cloudflare\"}"
        )
        .unwrap()
            >= 2.0
    );

    // More failing cycles (the third one's notifications are done when the fourth ends):
    // no second failure notification.
    wait_for("a fourth failing cycle", || {
        metric(addr, "mxddns_cycles_total{result=\"failure\"}").unwrap() >= 4.0
    });
    let failures = |hook: &Webhook| {
        hook.bodies()
            .iter()
            .filter(|b| b.contains("\"failure\""))
            .count()
    };
    assert_eq!(failures(&hook), 1, "{:?}", hook.bodies());

    // The registrar works again: the change and the recovery are sent.
    env.fake.faults().clear();
    let r = hook.wait_for("the recovery", |b| b.contains("\"recovery\""));
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["error"], "");
    hook.wait_for("the change to .55", |b| {
        b.contains("\"change\"") && b.contains("203.0.113.55")
    });
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.55"]);
    let (code, h) = health(addr);
    assert_eq!(code, 200, "{h}");
    assert_eq!(failures(&hook), 1, "{:?}", hook.bodies());
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn sighup_reloads_a_good_config_and_keeps_the_old_one_on_a_bad_one() {
    let opts = FakeOptions::example()
        .record(
            "example.net",
            "example.net",
            RrType::SOA,
            "ns1.example.net. hostmaster.example.net. 2024010101 3600 600 604800 300",
        )
        .record("example.net", "example.net", RrType::NS, "ns1.example.net.")
        .record(
            "example.net",
            "example.net",
            RrType::MX,
            "10 mail.example.net.",
        )
        .record("example.net", "mail.example.net", RrType::A, "203.0.113.10");
    let env = Env::with(opts);
    let good = service_config(&env, "");
    let cfg = env.write_config(&good);
    let mut svc = Service::start(&cfg);
    let addr = svc.listening();
    wait_for("the first cycle", || {
        env.a_records("mail.example.com") == ["203.0.113.20"]
    });

    // A broken file: reported with its line, the service goes on with the old one.
    let broken = good.replace(
        "    provider: home-cf\n",
        "    provider: home-cf\n    ttl: 5\n",
    );
    env.write_config(&broken);
    let line = broken.lines().position(|l| l == "    ttl: 5").unwrap() + 1;
    svc.signal("HUP");
    let want = format!("{}:{line}: domains[0].ttl:", cfg.display());
    wait_for("the reload error", || svc.stderr.text().contains(&want));
    assert!(
        svc.stderr.text().contains("the running one stays in use"),
        "{}",
        svc.stderr.text()
    );
    let before = svc.cycles();
    wait_for("a cycle after the failed reload", || svc.cycles() > before);
    assert!(svc.running());
    assert_eq!(health(addr).0, 200);

    // A good file with a second domain: the next cycles manage both.
    let two = good.replace(
        "dns:\n",
        "  - domain: example.net\n    provider: home-cf\ndns:\n",
    );
    env.write_config(&two);
    svc.signal("HUP");
    wait_for("the second domain", || {
        env.a_records("mail.example.net") == ["203.0.113.20"]
    });
    assert!(
        svc.stderr.text().contains("configuration reloaded from"),
        "{}",
        svc.stderr.text()
    );
    // The report is printed once the cycle's verification is done: wait for it.
    wait_for("the second domain's report", || {
        svc.stdout.text().contains(
            "example.net: mail.example.net A 203.0.113.10 -> 203.0.113.20 updated at home-cf",
        )
    });
    // The same listener, now reporting both domains; the state was kept.
    wait_for("both domains in the metrics", || {
        metric(
            addr,
            "mxddns_domain_consecutive_failures{domain=\"example.net\"}",
        ) == Some(0.0)
    });
    assert_eq!(
        metric(
            addr,
            "mxddns_domain_consecutive_failures{domain=\"example.com\"}"
        ),
        Some(0.0)
    );
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn update_now_from_cron_notifies_and_remembers_the_failure_streak() {
    let env = Env::example();
    let hook = Webhook::start();
    let notify = format!(
        "notify:\n  - url: {}\n    body: \"{{event}} {{domain}}\"\n    after_failures: 2\n",
        hook.url
    );
    let revoked = env.cloudflare_config("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") + &notify;
    let cfg = env.write_config(&revoked);

    // Two separate runs fail: the streak is kept in the state file, the second run sends it.
    assert_eq!(update_now(&cfg).code, 1);
    assert!(hook.bodies().is_empty(), "{:?}", hook.bodies());
    assert_eq!(update_now(&cfg).code, 1);
    assert_eq!(hook.bodies(), ["failure example.com"]);
    // A third failing run sends nothing more.
    assert_eq!(update_now(&cfg).code, 1);
    assert_eq!(hook.bodies(), ["failure example.com"]);

    // The token is fixed: the record changes, and the domain has recovered.
    env.write_config(&(env.cloudflare_config(CF_TOKEN) + &notify));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    let mut got = hook.bodies();
    got.sort();
    assert_eq!(
        got,
        [
            "change example.com",
            "failure example.com",
            "recovery example.com"
        ]
    );
    // The webhook's token-bearing URL is never printed.
    assert!(!r.all().contains("topic-token"), "{r:?}");
}

#[test]
fn a_listen_address_in_use_stops_the_service_at_start() {
    let env = Env::example();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let text = service_config(&env, "").replace("listen: 127.0.0.1:0", &format!("listen: {addr}"));
    let cfg = env.write_config(&text);
    let r = run(mxddns().arg("--config").arg(&cfg));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "error: cannot listen on {addr} for /healthz and /metrics: "
        )),
        "{r:?}"
    );
    // Nothing was done before the refusal.
    assert_eq!(env.api_requests(), 0);
    drop(taken);
}

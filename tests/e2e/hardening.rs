//! Hardening of issue 10, through the real binary: symlinks planted in the state
//! directory, a directory others can write, a state file of a newer mxddns or of an absurd
//! size, SIGTERM during a delayed registrar write, slow clients on the health port, and a
//! configuration nested absurdly deep.

use super::harness::*;
use super::registrars;
use mxddns_fakereg::HttpFault;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A file outside the state directory that a planted link points at.
struct Victim {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

const PRECIOUS: &[u8] = b"precious: not the agent's file\n";

impl Victim {
    fn new() -> Victim {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("victim");
        std::fs::write(&path, PRECIOUS).unwrap();
        Victim { _dir: dir, path }
    }

    fn assert_untouched(&self, what: &str) {
        let now = std::fs::read(&self.path).unwrap();
        assert!(
            now == PRECIOUS,
            "{what}: the agent wrote through a planted link:\n{}",
            String::from_utf8_lossy(&now)
        );
    }
}

/// The agent running in the background, its output in files.
struct Bg {
    child: Child,
    out: PathBuf,
    err: PathBuf,
}

impl Bg {
    fn start(cmd: &mut Command, dir: &Path) -> Bg {
        let out = dir.join("agent.out");
        let err = dir.join("agent.err");
        let child = cmd
            .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
            .spawn()
            .expect("start mxddns");
        Bg { child, out, err }
    }

    fn term(&self) {
        let ok = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM");
    }

    /// Wait for the exit, at most `limit`.
    fn wait(mut self, limit: Duration) -> Run {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "mxddns did not exit within {limit:?}:\n{}",
                    std::fs::read_to_string(&self.err).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Run {
            code: status.code().unwrap_or(-1),
            stdout: std::fs::read_to_string(&self.out).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.err).unwrap_or_default(),
        }
    }
}

impl Drop for Bg {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn state_v4(env: &Env) -> Option<String> {
    std::fs::read(env.state_file())
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|s| s["addresses"]["v4"].as_str().map(str::to_string))
}

#[test]
fn a_link_planted_at_the_lock_or_state_path_is_refused_and_never_written_through() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let victim = Victim::new();
    for planted in ["state.json.lock", "state.json"] {
        let link = env.dir.path().join(planted);
        symlink(&victim.path, &link).unwrap();
        let r = update_now(&cfg);
        assert_eq!(r.code, 1, "{planted}: {r:?}");
        assert!(
            r.stderr.contains("symbolic link")
                && r.stderr.contains(&format!("rm {}", link.display())),
            "{planted}: the refusal names the link and its fix: {r:?}"
        );
        victim.assert_untouched(planted);
        assert_eq!(
            env.writes(),
            0,
            "{planted}: nothing is written at the registrar"
        );
        std::fs::remove_file(&link).unwrap();
    }
    // Without the links, the same run works.
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
}

#[test]
fn a_link_planted_at_the_old_temp_file_name_is_not_written_through_by_the_service() {
    let env = Env::example();
    let cfg = env.write_config(
        &env.cloudflare_config(CF_TOKEN)
            .replace("schedule: 30s", "schedule: 1s"),
    );
    let victim = Victim::new();
    let bg = Bg::start(mxddns().arg("--config").arg(&cfg), env.dir.path());
    wait_for("the first saved state", Duration::from_secs(30), || {
        state_v4(&env).as_deref() == Some("203.0.113.20")
    });
    // The temp name of the old code was `state.json.tmp<PID>`: a local user could plant
    // it while the service runs. Plant it and a few neighbours.
    let pid = bg.child.id();
    for n in [pid, pid + 1, pid.saturating_sub(1)] {
        symlink(
            &victim.path,
            env.dir.path().join(format!("state.json.tmp{n}")),
        )
        .unwrap();
    }
    env.fake.set_echo_ip("203.0.113.44".parse().unwrap());
    wait_for("the next saved state", Duration::from_secs(30), || {
        state_v4(&env).as_deref() == Some("203.0.113.44")
    });
    victim.assert_untouched("service save");
    let meta = std::fs::symlink_metadata(env.state_file()).unwrap();
    assert!(meta.file_type().is_file(), "the state file is a plain file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    bg.term();
    let r = bg.wait(Duration::from_secs(20));
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn a_state_directory_others_can_write_is_refused_unless_it_is_sticky() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let dir = env.dir.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = update_now(&cfg);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!("chmod 700 {}", dir.display())) && r.stderr.contains("0777"),
        "the refusal names the mode and the chmod that fixes it: {r:?}"
    );
    assert_eq!(env.writes(), 0, "nothing is written at the registrar");
    assert!(!env.state_file().exists());
    // Sticky (as /tmp), and the files in it are ours: accepted.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let r = update_now(&cfg);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(state_v4(&env).as_deref(), Some("203.0.113.20"));
}

#[test]
fn a_state_file_of_a_newer_mxddns_is_left_exactly_as_it_is() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let newer =
        br#"{"version": 99, "addresses": {"v4": "198.51.100.7"}, "from_the_future": [1, 2]}"#;
    std::fs::write(env.state_file(), newer).unwrap();
    for _ in 0..2 {
        let r = update_now(&cfg);
        assert!(
            r.stderr.contains("version 99") && r.stderr.contains("version 1"),
            "the message names both versions: {r:?}"
        );
        assert!(r.stderr.contains("never overwritten"), "{r:?}");
        // The agent works from DNS without it.
        assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
        assert_eq!(std::fs::read(env.state_file()).unwrap(), newer);
    }
}

#[test]
fn an_oversized_state_file_is_not_read() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    // Valid JSON, 5 MiB of it: the old code read (and kept) all of it.
    let mut big = vec![b' '; 5 * 1024 * 1024];
    big.extend_from_slice(br#"{"version": 1}"#);
    std::fs::write(env.state_file(), &big).unwrap();
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("is 5242894 bytes, more than the 4194304"),
        "the size and the cap are named: {r:?}"
    );
    assert!(std::fs::metadata(env.state_file()).unwrap().len() < 64 * 1024);
    assert_eq!(state_v4(&env).as_deref(), Some("203.0.113.20"));
}

/// Start `cmd`, wait until the registrar's write request (delayed by `delay`) is in
/// flight, send SIGTERM, and return the run.
fn term_during_write(
    env: &Env,
    reg: &registrars::Registrar,
    cmd: &mut Command,
    delay: Duration,
    limit: Duration,
) -> Run {
    env.fake
        .faults()
        .http((reg.update)(), HttpFault::Delay(delay), 1);
    let bg = Bg::start(cmd, env.dir.path());
    wait_for("the write to be in flight", Duration::from_secs(30), || {
        !env.fake.faults().fired().is_empty()
    });
    std::thread::sleep(Duration::from_millis(300));
    bg.term();
    bg.wait(limit)
}

#[test]
fn sigterm_during_a_write_finishes_it_and_saves_its_result() {
    for reg in registrars::all() {
        let env = Env::example();
        let cfg = reg.write_config(&env);
        // --update-now: the write finishes within the grace, the state is saved.
        let r = term_during_write(
            &env,
            &reg,
            mxddns().arg("--config").arg(&cfg).arg("--update-now"),
            Duration::from_secs(3),
            Duration::from_secs(30),
        );
        let what = format!("{} --update-now", reg.vendor);
        assert_eq!(r.code, 0, "{what}: {r:?}");
        assert!(r.stderr.contains("in flight"), "{what}: said: {r:?}");
        assert!(r.stderr.contains("the state is saved"), "{what}: {r:?}");
        assert_eq!(
            env.a_records("mail.example.com"),
            ["203.0.113.20"],
            "{what}"
        );
        assert_eq!(state_v4(&env).as_deref(), Some("203.0.113.20"), "{what}");
    }
    // The service: the same, then a clean exit.
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let reg = &registrars::all()[0];
    let r = term_during_write(
        &env,
        reg,
        mxddns().arg("--config").arg(&cfg),
        Duration::from_secs(3),
        Duration::from_secs(30),
    );
    assert_eq!(r.code, 0, "service: {r:?}");
    assert!(r.stderr.contains("the state is saved"), "service: {r:?}");
    assert_eq!(state_v4(&env).as_deref(), Some("203.0.113.20"), "service");
}

#[test]
fn a_write_cut_off_by_the_grace_is_named_and_the_exit_is_non_zero() {
    for service in [false, true] {
        let env = Env::example();
        let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
        let reg = &registrars::all()[0];
        let mut cmd = mxddns();
        cmd.arg("--config")
            .arg(&cfg)
            .env("MXDDNS_STOP_GRACE_MS", "1500");
        if !service {
            cmd.arg("--update-now");
        }
        let started = Instant::now();
        let r = term_during_write(
            &env,
            reg,
            &mut cmd,
            Duration::from_secs(15),
            Duration::from_secs(12),
        );
        let what = if service { "service" } else { "--update-now" };
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "{what}: bounded by the grace"
        );
        assert_eq!(r.code, 1, "{what}: {r:?}");
        assert!(
            r.stderr.contains("stopped before the registrar answered")
                && r.stderr.contains("home-cf"),
            "{what}: the cut-off write is named: {r:?}"
        );
        // The state file is not half-written: none, as no cycle finished.
        assert_eq!(state_v4(&env), None, "{what}");
    }
}

#[test]
fn the_health_probe_answers_while_thirty_idle_clients_hold_connections() {
    use std::io::Write;
    let env = Env::example();
    let mut text = env.cloudflare_config(CF_TOKEN);
    text.push_str("listen: 127.0.0.1:0\n");
    let cfg = env.write_config(&text);
    let service = super::service::Service::start(&cfg);
    let addr = service.listening();
    // 30 clients that connect and send nothing, or half a request line, and wait.
    let mut idle = Vec::new();
    for i in 0..30 {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        if i % 2 == 1 {
            s.write_all(b"GET /hea").unwrap();
        }
        idle.push(s);
    }
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let a = super::service::get(addr, "/healthz");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the probe waited {:?}",
        started.elapsed()
    );
    assert!(a.code == 200 || a.code == 503, "{}", a.code);
    let _: serde_json::Value = serde_json::from_str(&a.body).expect("the health JSON");
    drop(idle);
    assert_eq!(service.stop(), Some(0));
}

#[test]
fn a_configuration_nested_absurdly_deep_or_too_large_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let cases = [
        (
            "flow",
            format!("schedule: {}{}\n", "[".repeat(n), "]".repeat(n)),
            "nested deeper than 64 levels",
        ),
        (
            "maps",
            format!("schedule: {}{}\n", "{a: ".repeat(n), "}".repeat(n)),
            "nested deeper than 64 levels",
        ),
        (
            "dashes",
            format!("schedule:\n{}x\n", "- ".repeat(n)),
            "nested deeper than 64 levels",
        ),
        (
            "size",
            format!("schedule: 5m\n#{}\n", "x".repeat(2 * 1024 * 1024)),
            "larger than 1024 KiB",
        ),
    ];
    for (what, text, says) in cases {
        let cfg = dir.path().join(format!("{what}.yaml"));
        write_private(&cfg, &text);
        // The old code spent minutes (and gigabytes) here: bound the run, do not time it.
        let child = mxddns()
            .arg("--config")
            .arg(&cfg)
            .arg("validate")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let pid = child.id();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let out = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(o) => o.unwrap(),
            Err(_) => {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .status();
                panic!("{what}: validate did not finish within 30 s");
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("{}:", cfg.display())) && stderr.contains(says),
            "{what}: {stderr}"
        );
    }
}

/// `apply` (the mail set-up) under SIGTERM: the write already sent finishes within the
/// grace and is saved, no new write starts (exit 1: the set is not complete), and the next
/// `apply` finishes the set; a write that outlives the grace is named and the exit is 1.
#[test]
fn sigterm_during_apply_finishes_the_sent_write_and_the_next_apply_completes() {
    let mail = "  - domain: example.com\n    provider: home-cf\n    mail:\n      mx:\n        - { host: mail.example.com, priority: 10 }\n      spf:\n        all: \"-all\"\n      dmarc:\n        p: none\n      tls_rpt: [mailto:tlsrpt@example.com]\n";
    let reg = &registrars::all()[0];
    for cut_off in [false, true] {
        let env = Env::example();
        let cfg = env.write_config(&env.cloudflare_config_with(mail));
        let mut cmd = mxddns();
        cmd.arg("--config").arg(&cfg).args(["apply", "--yes"]);
        let (delay, limit) = if cut_off {
            cmd.env("MXDDNS_STOP_GRACE_MS", "1500");
            (Duration::from_secs(15), Duration::from_secs(12))
        } else {
            (Duration::from_secs(3), Duration::from_secs(30))
        };
        let r = term_during_write(&env, reg, &mut cmd, delay, limit);
        let what = if cut_off {
            "cut off"
        } else {
            "within the grace"
        };
        assert_eq!(r.code, 1, "{what}: the set is not complete: {r:?}");
        assert!(r.stderr.contains("in flight"), "{what}: said: {r:?}");
        if cut_off {
            assert!(
                r.stderr.contains("stopped before the registrar answered")
                    && r.stderr.contains("home-cf"),
                "{what}: the cut-off write is named: {r:?}"
            );
        } else {
            assert!(r.stderr.contains("the state is saved"), "{what}: {r:?}");
            // Exactly the one write that was in flight was made; none started after.
            let writes = env
                .fake
                .requests()
                .iter()
                .filter(|q| q.vendor == "cloudflare" && q.is_successful_write())
                .count();
            assert_eq!(writes, 1, "{what}: {r:?}");
        }
        // The next apply (no stop) completes the set.
        let next = run(mxddns().arg("--config").arg(&cfg).args(["apply", "--yes"]));
        assert_eq!(next.code, 0, "{what}: the next apply: {next:?}");
        assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
        assert!(!env
            .fake
            .store()
            .records("_dmarc.example.com", mxddns_fakereg::RrType::TXT)
            .is_empty());
    }
}

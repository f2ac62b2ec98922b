//! The process side of reliability: a SIGKILL in the middle of an update, two agents at
//! once, and a state file that is corrupt, from another version or cannot be written.

use super::harness::*;
use super::registrars::{self, agent, agent_update_now, untouched};
use mxddns_fakereg::HttpFault;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, sig: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill(1)");
    assert!(status.success());
}

/// Kills the child if a test fails before it ends.
struct Reaper(Option<Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn sigkill_while_the_update_hangs_leaves_dns_and_state_whole_and_the_next_run_converges() {
    for reg in registrars::all() {
        let v = reg.vendor;
        let env = Env::example();
        let cfg = reg.write_config(&env);
        let before = untouched(&env);
        // A warm state first, so that there is a state file to damage.
        assert_eq!(agent_update_now(&cfg).code, 0, "{v}");
        let saved = std::fs::read(env.state_file()).expect("state file");

        env.fake.set_echo_ip("203.0.113.30".parse().unwrap());
        env.fake
            .faults()
            .http((reg.update)(), HttpFault::Hang(Duration::from_secs(30)), 1);
        let child = agent(&cfg)
            .arg("--update-now")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start");
        let mut child = Reaper(Some(child));
        // The rule fires when the update arrives: the agent is now waiting for it.
        wait_for("the update to arrive", Duration::from_secs(20), || {
            !env.fake.faults().fired().is_empty()
        });
        let c = child.0.as_mut().unwrap();
        signal(c, "KILL");
        let status = c.wait().unwrap();
        assert_eq!(status.code(), None, "{v}: killed by the signal");

        // DNS holds the old address (the hung update was never applied), the state file
        // is the last complete one, and nothing else changed.
        assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"], "{v}");
        assert_eq!(std::fs::read(env.state_file()).unwrap(), saved, "{v}");
        assert_eq!(untouched(&env), before, "{v}");

        // The next run (the lock was released by the kernel) converges.
        let r = agent_update_now(&cfg);
        assert_eq!(r.code, 0, "{v}: {r:?}");
        assert_eq!(env.a_records("mail.example.com"), ["203.0.113.30"], "{v}");
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(env.state_file()).unwrap()).unwrap();
        assert_eq!(state["addresses"]["v4"], "203.0.113.30", "{v}");
        reg.assert_paths(&env);
    }
}

#[test]
fn a_second_agent_names_the_running_one_and_exits_1() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let service = agent(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the service");
    let mut service = Reaper(Some(service));
    let pid = service.0.as_ref().unwrap().id();
    // The first cycle is over when its state is saved (the write is seen at the fake
    // before the cycle's last requests and its save).
    wait_for("the first cycle", Duration::from_secs(20), || {
        env.a_records("mail.example.com") == ["203.0.113.20"]
            && std::fs::read_to_string(env.state_file()).is_ok_and(|s| s.contains("203.0.113.20"))
    });
    let mut before = env.api_requests();
    wait_for("the service to be idle", Duration::from_secs(10), || {
        std::thread::sleep(Duration::from_millis(300));
        let now = env.api_requests();
        std::mem::replace(&mut before, now) == now
    });
    env.fake.set_echo_ip("203.0.113.30".parse().unwrap());
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!("pid {pid}")),
        "names the holder: {r:?}"
    );
    assert!(r.stderr.contains("another mxddns"), "{r:?}");
    assert_eq!(env.api_requests(), before, "the second one sent nothing");

    let c = service.0.as_mut().unwrap();
    signal(c, "TERM");
    assert_eq!(c.wait().unwrap().code(), Some(0));
    service.0 = None;
    // Now it may run.
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.30"]);
}

#[test]
fn a_corrupt_or_newer_state_file_is_reported_and_dns_is_the_truth_and_a_newer_one_kept() {
    for (content, says) in [
        (
            &b"{\"version\": 1, \"addre"[..],
            "not a state file mxddns can read",
        ),
        (
            &b"\x00\x01garbage\xff"[..],
            "not a state file mxddns can read",
        ),
        (&b"{\"version\": 99}"[..], "written by a newer mxddns"),
    ] {
        let env = Env::example();
        let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
        std::fs::write(env.state_file(), content).unwrap();
        let r = agent_update_now(&cfg);
        assert_eq!(r.code, 0, "{r:?}");
        assert!(r.stderr.contains(says), "{says}: {r:?}");
        assert!(r.stderr.contains("state.json"), "names the file: {r:?}");
        assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
        if says.contains("newer") {
            // A newer mxddns's file is left exactly as it is (issue 10).
            assert_eq!(std::fs::read(env.state_file()).unwrap(), content);
            continue;
        }
        // Rewritten whole after the successful cycle.
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(env.state_file()).unwrap()).unwrap();
        assert_eq!(state["addresses"]["v4"], "203.0.113.20");
    }
}

#[test]
fn an_older_state_file_is_read() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    // Version 0, with only some of today's fields.
    std::fs::write(
        env.state_file(),
        br#"{"version": 0, "addresses": {"v4": "203.0.113.10"}}"#,
    )
    .unwrap();
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains("state file"), "{r:?}");
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
}

#[test]
fn an_unwritable_state_file_is_a_warning_and_the_update_still_happens() {
    let env = Env::example();
    // The state "directory" is a regular file: nothing can be created under it, even as root.
    let blocker = env.dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"").unwrap();
    let text = env.cloudflare_config(CF_TOKEN).replace(
        &env.state_file().display().to_string(),
        &blocker.join("state.json").display().to_string(),
    );
    let cfg = env.write_config(&text);
    let r = agent_update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("cannot write"), "{r:?}");
    assert!(
        r.stderr.contains("not-a-dir/state.json"),
        "names the file: {r:?}"
    );
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.20"]);
}

#[test]
fn after_a_permanent_error_the_service_backs_off_but_keeps_checking_dns() {
    let env = Env::example();
    let cfg = env.write_config(
        &env.cloudflare_config("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .replace("schedule: 30s", "schedule: 1s"),
    );
    let log = env.dir.path().join("service.log");
    let service = agent(&cfg)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start the service");
    let mut service = Reaper(Some(service));
    let cycles = || {
        env.fake
            .requests()
            .iter()
            .filter(|r| r.vendor == "echo")
            .count()
    };
    // Wait for two cycles that skipped the API because of the backoff.
    wait_for("backed-off cycles", Duration::from_secs(30), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("not retried before")
            .count()
            >= 2
    });
    let c = service.0.as_mut().unwrap();
    signal(c, "TERM");
    c.wait().unwrap();
    service.0 = None;
    let api = env.api_requests();
    let n = cycles();
    assert!(
        api < n,
        "{api} API requests over {n} cycles: the backed-off cycles sent none"
    );
    // Every cycle still read the managed host at the authoritative server.
    let reads = env
        .fake
        .dns_queries()
        .iter()
        .filter(|q| q.name == "mail.example.com" && q.qtype == "A")
        .count();
    assert!(reads + 1 >= n, "{reads} reads of the host over {n} cycles");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("9109"), "the cause is repeated: {text}");
    assert!(
        !text.contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "{text}"
    );
    assert_eq!(env.a_records("mail.example.com"), ["203.0.113.10"]);
}

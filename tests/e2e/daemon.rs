//! The service: a cycle at start and on the schedule; follows an address change; stops
//! cleanly on SIGTERM.

use super::harness::*;
use std::time::{Duration, Instant};

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn service_follows_the_address_and_stops_on_sigterm() {
    let env = Env::example();
    let cfg = env.write_config(
        &env.cloudflare_config(CF_TOKEN)
            .replace("schedule: 30s", "schedule: 1s"),
    );
    let mut child = mxddns()
        .arg("--config")
        .arg(&cfg)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the service");

    wait_for("the first cycle", Duration::from_secs(20), || {
        env.a_records("mail.example.com") == ["203.0.113.20"]
    });
    env.fake.set_echo_ip("203.0.113.44".parse().unwrap());
    wait_for("the record to follow", Duration::from_secs(20), || {
        env.a_records("mail.example.com") == ["203.0.113.44"]
    });
    // The record is written before the cycle verifies and saves its state: a SIGTERM in
    // between abandons that cycle (by design), so wait for the saved state first.
    wait_for("the state to follow", Duration::from_secs(20), || {
        std::fs::read(env.state_file())
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|s| s["addresses"]["v4"] == "203.0.113.44")
    });

    // SAFETY-free: kill(1) by pid through the command line tool keeps the test std-only.
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.state_file()).unwrap())
            .expect("state file is whole JSON");
    assert_eq!(state["addresses"]["v4"], "203.0.113.44");
}

//! Soak: the service runs many cycles back to back (the hidden `--cycles N` flag: the
//! service loop without the schedule's wait) against a registrar and DNS server that fail
//! at random (a seeded generator, so a failure can be replayed), while the address moves.
//! Afterwards the zone holds the last address in one record, every request went where the
//! provider may send it, nothing else in the zone changed, and the process' memory did not
//! grow.
//!
//! CI runs 80 cycles; `MXDDNS_SOAK_CYCLES=1000 cargo test --test tests soak -- --nocapture`
//! runs the long soak and prints its figures. `MXDDNS_SOAK_SEED` picks another seed.

use super::harness::*;
use super::registrars::{self, agent, untouched};
use mxddns_fakereg::{DnsFault, DnsMatch, HttpFault, HttpMatch};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A small deterministic generator (SplitMix64): the same seed, the same faults.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn random_http_fault(rng: &mut Rng) -> HttpFault {
    match rng.below(20) {
        0..=3 => HttpFault::status(503, "upstream unavailable"),
        4..=5 => HttpFault::HtmlError { status: 502 },
        6 => HttpFault::HtmlError { status: 200 },
        7..=8 => HttpFault::TruncatedJson,
        9..=11 => HttpFault::Close,
        12..=13 => HttpFault::CloseAfterHandling,
        14..=16 => HttpFault::Delay(Duration::from_millis(150)),
        17 => HttpFault::Hang(Duration::from_secs(2)),
        18 => HttpFault::RateLimited {
            retry_after_secs: 1,
        },
        _ => HttpFault::status(
            500,
            r#"{"success":false,"errors":[{"code":10000,"message":"internal"}],"messages":[],"result":null}"#,
        ),
    }
}

fn random_dns_fault(rng: &mut Rng) -> DnsFault {
    match rng.below(10) {
        0..=5 => DnsFault::ServFail,
        6..=7 => DnsFault::Delay(Duration::from_millis(100)),
        8 => DnsFault::Refused,
        _ => DnsFault::Drop,
    }
}

/// VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// RSS may not grow by more than this between the end of the warm-up and the end.
const RSS_GROWTH_BOUND_KIB: u64 = 4 * 1024;
/// Nor exceed this at any time (a debug build; the release binary is far smaller).
const RSS_BOUND_KIB: u64 = 48 * 1024;

#[test]
fn soak_against_a_randomly_failing_registrar() {
    let cycles = env_u64("MXDDNS_SOAK_CYCLES", 80).max(20);
    let seed = env_u64("MXDDNS_SOAK_SEED", 0x5eed_0005);
    for reg in registrars::all() {
        let v = reg.vendor;
        let env = Env::example();
        let cfg = reg.write_config(&env);
        let before = untouched(&env);
        let mut rng = Rng(seed);
        let log = env.dir.path().join("soak.log");
        let started = Instant::now();
        let mut child = agent(&cfg)
            .arg("--quiet")
            .arg("--cycles")
            .arg(cycles.to_string())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start the service");
        let pid = child.id();
        let done = |env: &Env| {
            env.fake
                .requests()
                .iter()
                .filter(|r| r.vendor == "echo")
                .count() as u64
        };
        // The last tenth of the cycles run without faults: the service must converge.
        let clean_from = cycles - (cycles / 10).max(5);
        let warm_up = (cycles / 10).max(5);
        let mut seen = 0;
        let mut last_ip = "203.0.113.20".to_string();
        let (mut injected_http, mut injected_dns, mut moves) = (0u64, 0u64, 0u64);
        let (mut rss_warm, mut rss_max, mut rss_last) = (None, 0u64, 0u64);
        let limit = Duration::from_secs(30 + cycles * 3);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{v}: the soak did not finish within {limit:?}");
            }
            if let Some(kib) = rss_kib(pid) {
                rss_max = rss_max.max(kib);
                rss_last = kib;
            }
            let n = done(&env);
            if n != seen {
                seen = n;
                if n >= warm_up && rss_warm.is_none() {
                    rss_warm = rss_kib(pid);
                }
                let faults = env.fake.faults();
                if n >= clean_from {
                    faults.clear();
                } else {
                    let fired = faults.fired();
                    let pending_http = injected_http
                        > fired.iter().filter(|l| l.starts_with("http")).count() as u64;
                    let pending_dns =
                        injected_dns > fired.iter().filter(|l| l.starts_with("dns")).count() as u64;
                    if !pending_http && rng.chance(30) {
                        let m = if rng.chance(50) {
                            (reg.update)()
                        } else {
                            HttpMatch::any().vendor(v)
                        };
                        faults.http(m, random_http_fault(&mut rng), 1);
                        injected_http += 1;
                    }
                    if !pending_dns && rng.chance(20) {
                        faults.dns(DnsMatch::any(), random_dns_fault(&mut rng), 1);
                        injected_dns += 1;
                    }
                }
                // The address moves every four cycles or so, until the clean tail.
                if n < clean_from.saturating_sub(2) && rng.chance(25) {
                    last_ip = format!("203.0.113.{}", 100 + rng.below(100));
                    env.fake.set_echo_ip(last_ip.parse().unwrap());
                    moves += 1;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let elapsed = started.elapsed();
        let fired = env.fake.faults().fired().len();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let rss_warm = rss_warm.unwrap_or(rss_last);
        println!(
            "{v}: soak of {cycles} cycles in {:.1} s: {moves} address moves, {injected_http} HTTP and {injected_dns} DNS faults injected, {fired} fired, {} API requests ({} writes), RSS {rss_warm} KiB after warm-up, {rss_last} KiB at the end, {rss_max} KiB at most",
            elapsed.as_secs_f64(),
            reg.requests(&env).len(),
            env.writes(),
        );
        assert_eq!(
            status.code(),
            Some(0),
            "{v}: the last cycle succeeded: {text}"
        );
        assert_eq!(done(&env), cycles, "{v}: one detection per cycle");
        assert_eq!(
            env.a_records("mail.example.com"),
            [last_ip.as_str()],
            "{v}: one record, the last address"
        );
        assert_eq!(untouched(&env), before, "{v}: nothing else changed");
        reg.assert_paths(&env);
        assert!(!text.contains("panicked"), "{v}: {text}");
        assert!(
            rss_max <= RSS_BOUND_KIB,
            "{v}: RSS reached {rss_max} KiB (bound {RSS_BOUND_KIB})"
        );
        assert!(
            rss_last <= rss_warm + RSS_GROWTH_BOUND_KIB,
            "{v}: RSS grew from {rss_warm} to {rss_last} KiB (bound +{RSS_GROWTH_BOUND_KIB})"
        );
    }
}

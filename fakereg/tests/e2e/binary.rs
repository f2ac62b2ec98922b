//! The standalone `mxddns-fakereg` binary.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use hickory_proto::rr::RecordType;

use crate::common::{answers, dns, request};

#[test]
fn binary_prints_its_endpoints_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("fakereg-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        r#"{"zones":[{"name":"bench.test","records":[{"name":"mx","type":"A","value":"192.0.2.10"}]}],"echo_ipv4":"192.0.2.99"}"#,
    )
    .unwrap();
    let log = dir.join("requests.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxddns-fakereg"))
        .arg("--seed")
        .arg(&seed)
        .arg("--log")
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
            .to_string()
    };
    assert!(field("cloudflare").ends_with("/client/v4"));
    assert!(field("godaddy").starts_with("http://127.0.0.1:"));
    assert!(field("aliyun").starts_with("http://127.0.0.1:"));
    assert!(field("dnspod").starts_with("http://127.0.0.1:"));
    assert!(field("huaweicloud").starts_with("http://127.0.0.1:"));
    let dns_addr = field("dns").parse().unwrap();
    assert_eq!(
        answers(&dns(dns_addr, "mx.bench.test.", RecordType::A))[0].2,
        "192.0.2.10"
    );
    assert_eq!(
        request(&field("echo"), "GET", &[], None).body.trim(),
        "192.0.2.99"
    );

    // A line `echo ADDRESS` on stdin moves the echo address.
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "echo 192.0.2.77").unwrap();
    stdin.flush().unwrap();
    let mut moved = String::new();
    let mut echo_gets = 1; // the GET above
    for _ in 0..100 {
        echo_gets += 1;
        moved = request(&field("echo"), "GET", &[], None)
            .body
            .trim()
            .to_string();
        if moved == "192.0.2.77" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(moved, "192.0.2.77");

    // --log: one JSON line per request and query answered, as they come, without secrets.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        1 + echo_gets,
        "one DNS query, the echo GETs: {lines:?}"
    );
    assert_eq!(lines[0]["kind"], "dns");
    assert_eq!(lines[0]["name"], "mx.bench.test");
    assert_eq!(lines[0]["qtype"], "A");
    assert_eq!(lines[0]["rcode"], "NoError");
    assert_eq!(lines[1]["kind"], "http");
    assert_eq!(lines[1]["vendor"], "echo");
    assert_eq!(lines[1]["method"], "GET");
    assert_eq!(lines[1]["status"], 200);
    assert_eq!(lines[1]["write"], false);
    assert!(lines.iter().all(|l| l["ts"].as_f64().unwrap() > 1.0e9));

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success(), "exits cleanly on SIGTERM");
    std::fs::remove_dir_all(&dir).unwrap();

    let bad = Command::new(env!("CARGO_BIN_EXE_mxddns-fakereg"))
        .arg("--seed")
        .arg("/nonexistent/seed.json")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot read"));
}

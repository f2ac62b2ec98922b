//! The standalone `mxddns-fakereg` binary.

use std::io::{BufRead, BufReader};
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxddns-fakereg"))
        .arg("--seed")
        .arg(&seed)
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
    let dns_addr = field("dns").parse().unwrap();
    assert_eq!(
        answers(&dns(dns_addr, "mx.bench.test.", RecordType::A))[0].2,
        "192.0.2.10"
    );
    assert_eq!(
        request(&field("echo"), "GET", &[], None).body.trim(),
        "192.0.2.99"
    );

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

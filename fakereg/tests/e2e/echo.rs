//! The HTTP IP echo.

use std::net::IpAddr;

use mxddns_fakereg::{FakeOptions, FakeRegistrar};

use crate::common::request;

#[test]
fn echo_reports_the_configured_addresses() {
    let reg = FakeRegistrar::spawn(FakeOptions::example()).unwrap();
    let ip = request(&reg.echo_url(), "GET", &[], None);
    assert_eq!((ip.status, ip.body.trim()), (200, "203.0.113.20"));
    assert!(ip.header("content-type").unwrap().starts_with("text/plain"));
    let trace = request(&reg.trace_url(), "GET", &[], None);
    assert!(
        trace.body.lines().any(|l| l == "ip=203.0.113.20"),
        "{}",
        trace.body
    );
    assert!(trace.body.lines().all(|l| l.contains('=')));
    assert_eq!(request(&reg.echo_url_v6(), "GET", &[], None).status, 503);

    reg.set_echo_ip("2001:db8::20".parse::<IpAddr>().unwrap());
    reg.set_echo_ip("198.51.100.1".parse::<IpAddr>().unwrap());
    assert_eq!(
        request(&reg.echo_url_v6(), "GET", &[], None).body.trim(),
        "2001:db8::20"
    );
    assert_eq!(
        request(&reg.echo_url_v4(), "GET", &[], None).body.trim(),
        "198.51.100.1"
    );
    assert_eq!(
        request(&reg.echo_url(), "GET", &[], None).body.trim(),
        "198.51.100.1"
    );
    reg.echo().clear_v4();
    assert_eq!(
        request(&reg.echo_url(), "GET", &[], None).body.trim(),
        "2001:db8::20"
    );
    assert_eq!(request(&reg.echo_url_v4(), "GET", &[], None).status, 503);
    let logged = reg.requests();
    assert!(logged.iter().all(|r| r.vendor == "echo" && !r.write));
    assert_eq!(logged.len(), 8);
}

//! Small network facts shared by config, detection and the HTTP client.

use std::net::IpAddr;

/// `localhost`, 127.0.0.0/8 or ::1 (brackets allowed).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_hosts() {
        assert!(super::is_loopback_host("127.0.0.1"));
        assert!(super::is_loopback_host("127.8.9.1"));
        assert!(super::is_loopback_host("[::1]"));
        assert!(super::is_loopback_host("localhost"));
        assert!(!super::is_loopback_host("10.0.0.1"));
        assert!(!super::is_loopback_host("api.cloudflare.com"));
        assert!(!super::is_loopback_host("localhost.evil.com"));
    }
}

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

/// [`url::Url::parse`], with a message of its own for a host written in Unicode. The
/// agent's IDNA back end is the ASCII-only one (Cargo.toml pins `idna_adapter` 1.0.x, which
/// keeps ICU4X's tables out of the binary), so such a host is refused, like a non-ASCII
/// domain name in the configuration: it must be written in punycode (`xn--…`).
pub fn parse_url(text: &str) -> Result<url::Url, String> {
    mxddns_providers::http::parse_url(text).map_err(|e| {
        if e == url::ParseError::IdnaError && !text.is_ascii() {
            rust_i18n::t!("ui.net.idn").into_owned()
        } else {
            e.to_string()
        }
    })
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

    #[test]
    fn unicode_hosts_are_refused_and_punycode_ones_kept() {
        let e = super::parse_url("https://bücher.example/update").unwrap_err();
        assert!(e.contains("non-ASCII") && e.contains("punycode"), "{e}");
        let e = super::parse_url("https://例子.测试/").unwrap_err();
        assert!(e.contains("xn--"), "{e}");
        // Upper-case ASCII mixed with non-ASCII in one label (the property test's find: the
        // ASCII-only IDNA back end asserted on it in debug builds) gets the same message.
        let e = super::parse_url("https://A\u{1138b}api.ipify.org").unwrap_err();
        assert!(e.contains("punycode"), "{e}");
        // The punycode form of the same host, and a non-ASCII path (percent-encoded).
        let u = super::parse_url("https://xn--bcher-kva.example/ü?q=ä").unwrap();
        assert_eq!(u.host_str(), Some("xn--bcher-kva.example"));
        assert_eq!(u.path(), "/%C3%BC");
        // Upper-case ASCII is still folded; other errors keep the url crate's words.
        assert_eq!(
            super::parse_url("https://API.Example.COM/")
                .unwrap()
                .host_str(),
            Some("api.example.com")
        );
        assert_eq!(super::parse_url("https://").unwrap_err(), "empty host");
    }
}

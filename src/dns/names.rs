//! Domain names at the edge of this module: callers use lowercase text without the
//! trailing dot; hickory wants fully qualified [`Name`]s.

use super::DnsError;
use hickory_proto::rr::Name;

/// `name` as callers use it: ASCII (punycode for IDNs), lowercase, no trailing dot.
pub fn text(name: &Name) -> String {
    let mut s = name.to_ascii();
    s.make_ascii_lowercase();
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// The fully qualified [`Name`] for `name` (`example.com` or `example.com.`; an IDN written in
/// punycode), so that no search domain of the system's resolver is ever appended.
pub fn fqdn(name: &str) -> Result<Name, DnsError> {
    let trimmed = name.trim().trim_end_matches('.');
    let bad = || DnsError::BadName {
        name: name.to_string(),
    };
    if trimmed.is_empty() {
        return Err(bad());
    }
    if !trimmed.is_ascii() {
        return Err(DnsError::NotAscii {
            name: name.to_string(),
        });
    }
    let mut n = Name::from_utf8(trimmed).map_err(|_| bad())?;
    n.set_fqdn(true);
    Ok(n)
}

/// `name` normalised to the form callers use (see [`text`]).
pub fn normalize(name: &str) -> Result<String, DnsError> {
    fqdn(name).map(|n| text(&n))
}

/// Whether `zone` is `name` itself or one of its parents (both normalised).
pub fn is_within(name: &str, zone: &str) -> bool {
    zone.is_empty()
        || name == zone
        || (name.len() > zone.len()
            && name.ends_with(zone)
            && name.as_bytes()[name.len() - zone.len() - 1] == b'.')
}

/// `name` without its first label (`a.b.c` -> `b.c`); `None` for a single label.
pub fn parent(name: &str) -> Option<&str> {
    name.split_once('.').map(|(_, rest)| rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_dot_and_idn() {
        assert_eq!(normalize("Mail.Example.COM.").unwrap(), "mail.example.com");
        assert_eq!(
            normalize("XN--BCHER-KVA.example").unwrap(),
            "xn--bcher-kva.example"
        );
        // Unicode is refused with the fix (the IDNA back end is ASCII-only).
        let e = normalize("bücher.example").unwrap_err();
        assert!(matches!(e, DnsError::NotAscii { .. }), "{e:?}");
        assert!(e.to_string().contains("punycode"), "{e}");
        assert!(normalize("").is_err());
        assert!(normalize("a..b").is_err());
    }

    #[test]
    fn zone_membership_and_parents() {
        assert!(is_within("mail.example.com", "example.com"));
        assert!(is_within("example.com", "example.com"));
        assert!(!is_within("badexample.com", "example.com"));
        assert!(!is_within("com", "example.com"));
        assert_eq!(parent("a.b.c"), Some("b.c"));
        assert_eq!(parent("c"), None);
    }
}

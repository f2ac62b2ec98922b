//! DNS names and CNAME targets as written in `domains:`.

use super::CnameTarget;

/// Check a DNS name and normalise it: lowercase, no trailing dot. Refuses what people
/// paste by mistake (URLs, e-mail addresses, ports, spaces), empty labels, labels over 63
/// and names over 253 characters, labels starting or ending with `-`, and non-ASCII
/// names (which must be written in punycode). The error says what is wrong and how to fix
/// it, quoting the name.
pub fn validate_dns_name(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err(rust_i18n::t!("cfg.names").into_owned());
    }
    if !name.is_ascii() {
        return Err(rust_i18n::t!("cfg.names.2", name = name).into_owned());
    }
    if let Some(c) = name.chars().find(|c| c.is_ascii_whitespace()) {
        let what = if c == ' ' {
            rust_i18n::t!("cfg.names.space")
        } else {
            rust_i18n::t!("cfg.names.white_space")
        };
        return Err(rust_i18n::t!("cfg.names.3", name = name, what = what).into_owned());
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '?' | '#')) {
        return Err(rust_i18n::t!("cfg.names.4", name = name, c = c).into_owned());
    }
    if name.contains('@') {
        return Err(rust_i18n::t!("cfg.names.5", name = name).into_owned());
    }
    if name.contains(':') {
        return Err(rust_i18n::t!("cfg.names.6", name = name).into_owned());
    }
    if name.contains('\\') {
        return Err(rust_i18n::t!("cfg.names.7", name = name).into_owned());
    }
    let bare = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if bare.is_empty() {
        return Err(rust_i18n::t!("cfg.names.8").into_owned());
    }
    if bare.len() > 253 {
        return Err(rust_i18n::t!("cfg.names.9", name = name, v1 = bare.len()).into_owned());
    }
    for label in bare.split('.') {
        if label.is_empty() {
            return Err(rust_i18n::t!("cfg.names.10", name = name).into_owned());
        }
        if label.len() > 63 {
            return Err(rust_i18n::t!(
                "cfg.names.11",
                name = name,
                label = label,
                v1 = label.len()
            )
            .into_owned());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(rust_i18n::t!("cfg.names.12", name = name, label = label).into_owned());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(rust_i18n::t!("cfg.names.13", name = name, c = c).into_owned());
        }
    }
    Ok(bare)
}

/// The placeholders a CNAME target template may use, with a sample value each (used to
/// check that the template always makes a valid name).
const PLACEHOLDERS: [(&str, &str); 3] = [
    ("ip4", "203.0.113.7"),
    ("ip4-dashed", "203-0-113-7"),
    ("ip6-dashed", "2001-db8--7"),
];

/// Parse `target:`: `{ptr}`, a template with `{ip4}`, `{ip4-dashed}`, `{ip6-dashed}`, or a
/// fixed name. `ipv6` says whether IPv6 detection is on (`{ip6-dashed}` needs it).
pub(crate) fn parse_target(target: &str, ipv6: bool) -> Result<CnameTarget, String> {
    if target == "{ptr}" {
        return Ok(CnameTarget::Ptr);
    }
    if !target.contains(['{', '}']) {
        return validate_dns_name(target).map(CnameTarget::Fixed);
    }
    let mut sample = String::new();
    let mut rest = target;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(rust_i18n::t!("cfg.names.14", target = target).into_owned());
        }
        sample.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| rust_i18n::t!("cfg.names.15", target = target).into_owned())?;
        let name = &after[..close];
        if name == "ptr" {
            return Err(rust_i18n::t!("cfg.names.16", target = target).into_owned());
        }
        let Some((_, value)) = PLACEHOLDERS.iter().find(|(p, _)| *p == name) else {
            return Err(rust_i18n::t!("cfg.names.17", target = target, name = name).into_owned());
        };
        if name == "ip6-dashed" && !ipv6 {
            return Err(rust_i18n::t!("cfg.names.18", target = target).into_owned());
        }
        sample.push_str(value);
        rest = &after[close + 1..];
    }
    sample.push_str(rest);
    validate_dns_name(&sample).map_err(|e| {
        rust_i18n::t!("cfg.names.19", target = target, sample = sample, e = e).into_owned()
    })?;
    let normal = target
        .strip_suffix('.')
        .unwrap_or(target)
        .to_ascii_lowercase();
    Ok(CnameTarget::Template(normal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_good_names() {
        let cases = [
            ("example.com", "example.com"),
            ("Mail.Example.COM.", "mail.example.com"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("a-b.c_d.example", "a-b.c_d.example"),
            ("localhost", "localhost"),
        ];
        for (input, want) in cases {
            assert_eq!(validate_dns_name(input).as_deref(), Ok(want), "{input}");
        }
        let longest_label = "a".repeat(63);
        assert!(validate_dns_name(&format!("{longest_label}.example")).is_ok());
        let name_253 = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert_eq!(name_253.len(), 253);
        assert!(validate_dns_name(&name_253).is_ok());
        assert!(validate_dns_name(&format!("{name_253}x")).is_err());
    }

    #[test]
    fn refuses_bad_names_saying_why() {
        let cases = [
            ("", "is empty"),
            ("https://mail.example.com/", "that is a URL"),
            ("mail.example.com?x", "that is a URL"),
            ("mail.example.com#x", "that is a URL"),
            ("postmaster@example.com", "e-mail address"),
            ("mail.example.com:25", "without a scheme or port"),
            ("mail\\example.com", "contains '\\'"),
            ("mail example.com", "contains a space"),
            ("mail\texample.com", "contains white space"),
            ("mail..example.com", "empty label"),
            (".example.com", "empty label"),
            (".", "the DNS root"),
            ("-mail.example.com", "starts or ends with '-'"),
            ("mail-.example.com", "starts or ends with '-'"),
            ("bücher.example", "punycode"),
            ("mail*.example.com", "contains '*'"),
        ];
        for (input, want) in cases {
            let err = validate_dns_name(input).unwrap_err();
            assert!(err.contains(want), "{input}: {err}");
        }
        let long_label = format!("{}.example", "a".repeat(64));
        assert!(validate_dns_name(&long_label)
            .unwrap_err()
            .contains("64 characters long"));
    }

    #[test]
    fn targets() {
        assert_eq!(parse_target("{ptr}", false), Ok(CnameTarget::Ptr));
        assert_eq!(
            parse_target("Home.Example.NET.", false),
            Ok(CnameTarget::Fixed("home.example.net".into()))
        );
        assert_eq!(
            parse_target("{ip4-dashed}.sslip.io", false),
            Ok(CnameTarget::Template("{ip4-dashed}.sslip.io".into()))
        );
        assert_eq!(
            parse_target("{ip4}.nip.io", false),
            Ok(CnameTarget::Template("{ip4}.nip.io".into()))
        );
        assert!(parse_target("{ip6-dashed}.sslip.io", true).is_ok());
        let refused = [
            ("{ip6-dashed}.sslip.io", "IPv6 detection is off"),
            ("{ip}.sslip.io", "unknown placeholder {ip}"),
            ("{ptr}.example", "must be the whole target"),
            ("{ip4.sslip.io", "without its '}'"),
            ("ip4}.sslip.io", "without its '{'"),
            ("{ip4}..sslip.io", "does not make a valid name"),
        ];
        for (input, want) in refused {
            let err = parse_target(input, false).unwrap_err();
            assert!(err.contains(want), "{input}: {err}");
        }
    }
}

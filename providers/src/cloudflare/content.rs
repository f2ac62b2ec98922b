//! Record data ↔ Cloudflare's `content` string.
//!
//! A/AAAA content is the address, CNAME content a name. TXT is the subtle one: a record of
//! one character-string is sent as plain text (`v=spf1 -all`), several strings are sent
//! in zone-file form (`"v=spf1 ip4:…" " -all"`, with `\"` and `\\` escapes), which is also
//! how Cloudflare shows a TXT record it split. Reading, content that starts with `"` is a
//! list of quoted strings; anything else is one string.

use crate::record::{normalize_name, RecordData, RecordType};

/// The `content` to send for `data`.
pub(super) fn to_content(data: &RecordData) -> String {
    match data {
        RecordData::A(ip) => ip.to_string(),
        RecordData::Aaaa(ip) => ip.to_string(),
        RecordData::Cname(target) => normalize_name(target),
        // A single string is sent as is, unless reading it back would take it for a
        // quoted list (it starts with a quote): then it is quoted like a list of one.
        RecordData::Txt(parts) if parts.len() == 1 && !parts[0].starts_with('"') => {
            parts[0].clone()
        }
        RecordData::Txt(parts) => quote_all(parts),
        // Not offered yet (`supports`): create/update refuse these before sending.
        other => other.to_string(),
    }
}

/// The record data held in `content` for a record of `rtype`, or a description of why
/// it is not valid for that type.
pub(super) fn from_content(rtype: RecordType, content: &str) -> Result<RecordData, String> {
    match rtype {
        RecordType::A => content
            .trim()
            .parse()
            .map(RecordData::A)
            .map_err(|_| format!("A record content {content:?} is not an IPv4 address")),
        RecordType::Aaaa => content
            .trim()
            .parse()
            .map(RecordData::Aaaa)
            .map_err(|_| format!("AAAA record content {content:?} is not an IPv6 address")),
        RecordType::Cname => {
            let target = normalize_name(content);
            if target.is_empty() {
                Err("CNAME record has an empty target".to_string())
            } else {
                Ok(RecordData::Cname(target))
            }
        }
        RecordType::Txt => Ok(RecordData::Txt(parse_txt(content))),
        other => Err(format!("{other} records are not read through content yet")),
    }
}

/// `"a" "b"`: every string quoted, `\` and `"` escaped, separated by one space.
fn quote_all(parts: &[String]) -> String {
    if parts.is_empty() {
        return "\"\"".to_string();
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push('"');
        for c in part.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out
}

/// The character-strings of a TXT `content`. Content that starts with `"` but is not a
/// well-formed list of quoted strings (an unterminated quote) is kept whole, as one
/// string, rather than guessed at.
fn parse_txt(content: &str) -> Vec<String> {
    if content.starts_with('"') {
        if let Some(parts) = parse_quoted(content) {
            return parts;
        }
    }
    vec![content.to_string()]
}

/// Parse `"a" "b\"c" "d\\e"` (zone-file form; `\DDD` decimal escapes are accepted too).
/// `None` when the text is not entirely made of quoted strings.
fn parse_quoted(text: &str) -> Option<Vec<String>> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == bytes.len() {
            break;
        }
        if bytes[i] != b'"' {
            return None;
        }
        i += 1;
        let mut cur = Vec::new();
        loop {
            match *bytes.get(i)? {
                b'"' => {
                    i += 1;
                    break;
                }
                b'\\' => {
                    let next = *bytes.get(i + 1)?;
                    if next.is_ascii_digit() {
                        let digits = bytes.get(i + 1..i + 4)?;
                        if !digits.iter().all(u8::is_ascii_digit) {
                            return None;
                        }
                        let value = digits
                            .iter()
                            .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
                        cur.push(u8::try_from(value).ok()?);
                        i += 4;
                    } else {
                        cur.push(next);
                        i += 2;
                    }
                }
                b => {
                    cur.push(b);
                    i += 1;
                }
            }
        }
        parts.push(String::from_utf8_lossy(&cur).into_owned());
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(parts: &[&str]) -> RecordData {
        RecordData::Txt(parts.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn one_txt_string_is_plain() {
        let d = txt(&["v=spf1 ip4:203.0.113.10 -all"]);
        assert_eq!(to_content(&d), "v=spf1 ip4:203.0.113.10 -all");
        assert_eq!(
            from_content(RecordType::Txt, "v=spf1 ip4:203.0.113.10 -all").unwrap(),
            d
        );
    }

    #[test]
    fn several_txt_strings_are_quoted_and_escaped() {
        let d = txt(&["v=spf1 ip4:203.0.113.10 ", "say \"hi\" \\o/", "-all"]);
        let content = to_content(&d);
        assert_eq!(
            content,
            r#""v=spf1 ip4:203.0.113.10 " "say \"hi\" \\o/" "-all""#
        );
        assert_eq!(from_content(RecordType::Txt, &content).unwrap(), d);
    }

    #[test]
    fn a_single_string_starting_with_a_quote_survives_a_round_trip() {
        let d = txt(&["\"quoted\" start"]);
        let content = to_content(&d);
        assert_eq!(content, r#""\"quoted\" start""#);
        assert_eq!(from_content(RecordType::Txt, &content).unwrap(), d);
    }

    #[test]
    fn quoted_content_from_cloudflare_is_split() {
        assert_eq!(
            from_content(RecordType::Txt, "\"v=DKIM1; k=rsa; p=MIIB\"  \"IjANBgkq\"").unwrap(),
            txt(&["v=DKIM1; k=rsa; p=MIIB", "IjANBgkq"])
        );
        assert_eq!(
            from_content(RecordType::Txt, r#""caf\195\169""#).unwrap(),
            txt(&["café"])
        );
        assert_eq!(from_content(RecordType::Txt, "\"\"").unwrap(), txt(&[""]));
    }

    #[test]
    fn malformed_quoted_content_is_kept_whole() {
        for odd in [
            r#""unterminated"#,
            r#""a" b"#,
            r#""a\"#,
            r#""\99""#,
            r#""\999""#,
        ] {
            assert_eq!(
                from_content(RecordType::Txt, odd).unwrap(),
                txt(&[odd]),
                "{odd}"
            );
        }
    }

    #[test]
    fn addresses_and_names() {
        assert_eq!(
            from_content(RecordType::A, "203.0.113.10").unwrap(),
            RecordData::A("203.0.113.10".parse().unwrap())
        );
        assert_eq!(
            from_content(RecordType::Aaaa, "2001:db8::10").unwrap(),
            RecordData::Aaaa("2001:db8::10".parse().unwrap())
        );
        assert_eq!(
            from_content(RecordType::Cname, "Home.Example.NET.").unwrap(),
            RecordData::Cname("home.example.net".into())
        );
        assert_eq!(
            to_content(&RecordData::Cname("Home.Example.NET.".into())),
            "home.example.net"
        );
        assert!(from_content(RecordType::A, "2001:db8::10")
            .unwrap_err()
            .contains("not an IPv4 address"));
        assert!(from_content(RecordType::Aaaa, "203.0.113.10").is_err());
        assert!(from_content(RecordType::Cname, ".").is_err());
        assert_eq!(to_content(&txt(&[])), "\"\"");
    }
}

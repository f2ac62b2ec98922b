//! Record data ↔ Cloudflare's `content` string, MX `priority` and the `data` object.
//!
//! MX: `content` is the exchange, `priority` the preference (CFGO `dns/record.go`
//! `MXRecord`). SRV, CAA, TLSA: written as the `data` object (CFGO `SRVRecordData`,
//! `CAARecordData`, `TLSARecordData`); Cloudflare answers with `data` and a formatted
//! `content`, and `data` is what is read back. TXT strings over 255 bytes are cut into
//! 255-byte strings and sent as one quoted list: "The content must consist of quoted
//! character strings (RFC 1035), each with a length of up to 255 bytes" (CFGO
//! `TXTRecord.Content`).
//!
//! A/AAAA content is the address, CNAME content a name. TXT is the subtle one: a record of
//! one character-string is sent as plain text (`v=spf1 -all`), several strings are sent
//! in zone-file form (`"v=spf1 ip4:…" " -all"`, with `\"` and `\\` escapes), which is also
//! how Cloudflare shows a TXT record it split. Reading, content that starts with `"` is a
//! list of quoted strings; anything else is one string.

use super::types::{DataOut, RecordWire, WireValue};
use crate::record::{normalize_name, split_txt, RecordData, RecordType, TXT_STRING_MAX};

/// What to send for `data`: `content`, MX `priority`, or the `data` object.
pub(super) fn to_wire(data: &RecordData) -> WireValue {
    let plain = |content: String| WireValue {
        content: Some(content),
        priority: None,
        data: None,
    };
    let object = |d: DataOut| WireValue {
        content: None,
        priority: None,
        data: Some(d),
    };
    match data {
        RecordData::Mx {
            preference,
            exchange,
        } => WireValue {
            content: Some(target(exchange)),
            priority: Some(*preference),
            data: None,
        },
        RecordData::Srv {
            priority,
            weight,
            port,
            target: t,
        } => object(DataOut::Srv {
            priority: *priority,
            weight: *weight,
            port: *port,
            target: target(t),
        }),
        RecordData::Caa { flags, tag, value } => object(DataOut::Caa {
            flags: *flags,
            tag: tag.clone(),
            value: value.clone(),
        }),
        RecordData::Tlsa {
            usage,
            selector,
            matching_type,
            data,
        } => object(DataOut::Tlsa {
            usage: *usage,
            selector: *selector,
            matching_type: *matching_type,
            certificate: data.to_ascii_lowercase(),
        }),
        other => plain(to_content(other)),
    }
}

/// An MX/SRV target as sent: the name, or `.` for the root.
fn target(name: &str) -> String {
    let n = normalize_name(name);
    if n.is_empty() {
        ".".to_string()
    } else {
        n
    }
}

/// The record data of a record Cloudflare returned as type `rtype`.
pub(super) fn from_wire(rtype: RecordType, w: &RecordWire) -> Result<RecordData, String> {
    let d = w.data.as_ref();
    match rtype {
        RecordType::Mx => {
            let preference = w
                .priority
                .ok_or_else(|| format!("MX record {} has no priority", w.id))?;
            Ok(RecordData::Mx {
                preference,
                exchange: normalize_name(&w.content),
            })
        }
        RecordType::Srv => match d {
            Some(d) if d.port.is_some() => Ok(RecordData::Srv {
                priority: d.priority.or(w.priority).unwrap_or(0),
                weight: d.weight.unwrap_or(0),
                port: d.port.unwrap_or(0),
                target: normalize_name(d.target.as_deref().unwrap_or(".")),
            }),
            _ => {
                // No `data`: the content, with or without the priority in front.
                let fields: Vec<&str> = w.content.split_ascii_whitespace().collect();
                let text = match (fields.len(), w.priority) {
                    (3, Some(p)) => format!("{p} {}", fields.join(" ")),
                    _ => fields.join(" "),
                };
                RecordData::from_plain(RecordType::Srv, &text)
                    .ok_or_else(|| format!("SRV record content {:?} is not valid", w.content))
            }
        },
        RecordType::Caa => match d {
            Some(d) if d.tag.is_some() => Ok(RecordData::Caa {
                flags: d.flags.unwrap_or(0),
                tag: d.tag.as_deref().unwrap_or_default().to_ascii_lowercase(),
                value: d.value.clone().unwrap_or_default(),
            }),
            _ => RecordData::from_plain(RecordType::Caa, &w.content)
                .ok_or_else(|| format!("CAA record content {:?} is not valid", w.content)),
        },
        RecordType::Tlsa => match d {
            Some(d) if d.certificate.is_some() => {
                let data = d
                    .certificate
                    .as_deref()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if data.is_empty() || !data.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("TLSA record {} has a non-hex certificate", w.id));
                }
                Ok(RecordData::Tlsa {
                    usage: d.usage.unwrap_or(0),
                    selector: d.selector.unwrap_or(0),
                    matching_type: d.matching_type.unwrap_or(0),
                    data,
                })
            }
            _ => RecordData::from_plain(RecordType::Tlsa, &w.content)
                .ok_or_else(|| format!("TLSA record content {:?} is not valid", w.content)),
        },
        other => from_content(other, &w.content),
    }
}

/// The `content` to send for `data`.
pub(super) fn to_content(data: &RecordData) -> String {
    match data {
        RecordData::A(ip) => ip.to_string(),
        RecordData::Aaaa(ip) => ip.to_string(),
        RecordData::Cname(target) => normalize_name(target),
        // A single string is sent as is, unless reading it back would take it for a
        // quoted list (it starts with a quote) or it is too long for one string: then it
        // is quoted like a list.
        RecordData::Txt(parts)
            if parts.len() == 1
                && !parts[0].starts_with('"')
                && parts[0].len() <= TXT_STRING_MAX =>
        {
            parts[0].clone()
        }
        RecordData::Txt(parts) => quote_all(&split_txt(parts)),
        // The other types travel in `priority`/`data` ([`to_wire`]); this is their
        // presentation form, which is also what Cloudflare shows as their `content`.
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
        other => RecordData::from_plain(other, content)
            .ok_or_else(|| format!("{other} record content {content:?} is not valid")),
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
    fn a_long_txt_string_is_sent_as_255_byte_quoted_strings() {
        let key = format!("v=DKIM1; k=rsa; p={}", "A".repeat(392));
        let content = to_content(&txt(&[&key]));
        let back = from_content(RecordType::Txt, &content).unwrap();
        let RecordData::Txt(parts) = &back else {
            panic!("{back:?}")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].len(), 255);
        assert_eq!(back.txt_joined().unwrap(), key);
        assert!(content.starts_with("\"v=DKIM1; k=rsa; p=AAA"));
    }

    fn wire(json: serde_json::Value) -> RecordWire {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn mx_srv_caa_tlsa_travel_as_priority_and_data() {
        let mx = RecordData::Mx {
            preference: 10,
            exchange: "mail.example.com".into(),
        };
        assert_eq!(
            serde_json::to_value(to_wire(&mx)).unwrap(),
            serde_json::json!({"content": "mail.example.com", "priority": 10})
        );
        let srv = RecordData::Srv {
            priority: 0,
            weight: 1,
            port: 993,
            target: "mail.example.com".into(),
        };
        assert_eq!(
            serde_json::to_value(to_wire(&srv)).unwrap(),
            serde_json::json!({"data": {"priority": 0, "weight": 1, "port": 993, "target": "mail.example.com"}})
        );
        let none = RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 0,
            target: String::new(),
        };
        assert_eq!(
            serde_json::to_value(to_wire(&none)).unwrap()["data"]["target"],
            "."
        );
        let caa = RecordData::Caa {
            flags: 0,
            tag: "issue".into(),
            value: "letsencrypt.org".into(),
        };
        assert_eq!(
            serde_json::to_value(to_wire(&caa)).unwrap(),
            serde_json::json!({"data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}})
        );
        let tlsa = RecordData::Tlsa {
            usage: 3,
            selector: 1,
            matching_type: 1,
            data: "ABCDEF".into(),
        };
        assert_eq!(
            serde_json::to_value(to_wire(&tlsa)).unwrap(),
            serde_json::json!({"data": {"usage": 3, "selector": 1, "matching_type": 1, "certificate": "abcdef"}})
        );
        // Read back from answers shaped like Cloudflare's (data wins over content).
        let id = "56dd4e5c3024bcc3ac04b64c97cda3e3";
        assert_eq!(
            from_wire(RecordType::Mx, &wire(serde_json::json!({"id": id, "name": "example.com", "type": "MX", "content": "Mail.Example.com", "priority": 10}))).unwrap(),
            mx
        );
        assert_eq!(
            from_wire(RecordType::Srv, &wire(serde_json::json!({"id": id, "name": "_imaps._tcp.example.com", "type": "SRV", "content": "1 993 mail.example.com", "priority": 0, "data": {"priority": 0, "weight": 1, "port": 993, "target": "mail.example.com"}}))).unwrap(),
            srv
        );
        assert_eq!(
            from_wire(RecordType::Srv, &wire(serde_json::json!({"id": id, "name": "_imaps._tcp.example.com", "type": "SRV", "content": "1 993 mail.example.com", "priority": 0}))).unwrap(),
            srv
        );
        assert_eq!(
            from_wire(RecordType::Caa, &wire(serde_json::json!({"id": id, "name": "example.com", "type": "CAA", "content": "0 issue \"letsencrypt.org\"", "data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}}))).unwrap(),
            caa
        );
        assert_eq!(
            from_wire(RecordType::Tlsa, &wire(serde_json::json!({"id": id, "name": "_25._tcp.mail.example.com", "type": "TLSA", "content": "3 1 1 abcdef"}))).unwrap(),
            RecordData::Tlsa { usage: 3, selector: 1, matching_type: 1, data: "abcdef".into() }
        );
        assert!(from_wire(RecordType::Mx, &wire(serde_json::json!({"id": id, "name": "example.com", "type": "MX", "content": "mail.example.com"}))).is_err());
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

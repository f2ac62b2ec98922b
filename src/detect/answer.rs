//! Reading an address out of a source's answer, strictly: the whole answer must be one
//! address, or `key=value` lines with one `ip=` line (Cloudflare's /cdn-cgi/trace).
//! Anything else — an error page, JSON, a sentence around an address — is refused, because
//! a service that changed its format must not be able to point the mail server elsewhere.

use super::error::SourceError;
use super::Family;
use std::net::IpAddr;

/// The most an answer may hold. A trace answer is about 300 bytes; an address at most 45.
pub const MAX_ANSWER: usize = 4096;

/// How much of a refused answer is quoted in the error.
const EXCERPT_CHARS: usize = 60;

/// The address in `body`, which must be of `family`. Pure: no classification (see
/// [`super::classify`]) beyond the family.
pub fn parse_answer(body: &[u8], family: Family) -> Result<IpAddr, SourceError> {
    if body.len() > MAX_ANSWER {
        return Err(SourceError::TooLarge {
            limit: MAX_ANSWER,
            excerpt: excerpt(body),
        });
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(not_an_address(
            rust_i18n::t!("ui.answer.binary").into_owned(),
            body,
        ));
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(SourceError::Empty);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return of_family(ip, family);
    }
    if let Some(lines) = key_value_lines(text) {
        return from_trace(&lines, body, family);
    }
    // Several addresses and nothing else: say so rather than "not an address".
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let addrs: Vec<IpAddr> = tokens.iter().filter_map(|t| t.parse().ok()).collect();
    if addrs.len() > 1 && addrs.len() == tokens.len() {
        return Err(SourceError::Ambiguous {
            first: addrs[0],
            second: addrs[1],
        });
    }
    let what = if text.starts_with('<') {
        rust_i18n::t!("ui.answer").into_owned()
    } else if text.starts_with('{') || text.starts_with('[') {
        "JSON".to_string()
    } else if !addrs.is_empty() {
        rust_i18n::t!("ui.answer.2").into_owned()
    } else {
        rust_i18n::t!("ui.answer.text").into_owned()
    };
    Err(not_an_address(what, body))
}

fn of_family(ip: IpAddr, family: Family) -> Result<IpAddr, SourceError> {
    if Family::of(ip) == family {
        Ok(ip)
    } else {
        Err(SourceError::WrongFamily { ip, asked: family })
    }
}

fn not_an_address(what: String, body: &[u8]) -> SourceError {
    SourceError::NotAnAddress {
        what,
        excerpt: excerpt(body),
    }
}

/// `Some` when every non-empty line is `key=value` with a plain key.
fn key_value_lines(text: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once('=')?;
        let plain = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !plain {
            return None;
        }
        out.push((key, value.trim()));
    }
    Some(out)
}

fn from_trace(lines: &[(&str, &str)], body: &[u8], family: Family) -> Result<IpAddr, SourceError> {
    let mut found: Option<IpAddr> = None;
    for (_, value) in lines.iter().filter(|(k, _)| *k == "ip") {
        let ip: IpAddr = value
            .parse()
            .map_err(|_| not_an_address(rust_i18n::t!("ui.answer.3").into_owned(), body))?;
        match found {
            Some(first) if first != ip => {
                return Err(SourceError::Ambiguous { first, second: ip });
            }
            _ => found = Some(ip),
        }
    }
    match found {
        Some(ip) => of_family(ip, family),
        None => Err(not_an_address(
            rust_i18n::t!("ui.answer.4").into_owned(),
            body,
        )),
    }
}

/// The start of `bytes` made safe to print: control and bidi-override characters become
/// spaces, runs of whitespace one space, and a cut is marked with "…".
pub fn excerpt(bytes: &[u8]) -> String {
    // Secrets are masked before the cut, so that half of one cannot show.
    let whole = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 16)]);
    let masked = crate::redact::redact(&whole);
    let mut end = masked.len().min(EXCERPT_CHARS * 4);
    while !masked.is_char_boundary(end) {
        end -= 1;
    }
    let text = &masked[..end];
    let mut out = String::new();
    let mut chars = 0;
    let mut last_space = true;
    let mut cut = bytes.len() > EXCERPT_CHARS * 4;
    for c in text.trim().chars() {
        let c = if c.is_control() || c.is_whitespace() || is_bidi_control(c) {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        if chars == EXCERPT_CHARS {
            cut = true;
            break;
        }
        last_space = c == ' ';
        out.push(c);
        chars += 1;
    }
    let mut out = out.trim_end().to_string();
    if cut {
        out.push('…');
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use Family::{V4, V6};

    fn ok(body: &str, family: Family) -> IpAddr {
        parse_answer(body.as_bytes(), family).unwrap_or_else(|e| panic!("{body:?}: {e}"))
    }

    fn err(body: &[u8], family: Family) -> SourceError {
        match parse_answer(body, family) {
            Ok(ip) => panic!("{:?} gave {ip}", String::from_utf8_lossy(body)),
            Err(e) => e,
        }
    }

    #[test]
    fn plain_addresses() {
        assert_eq!(
            ok("203.0.113.7", V4),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(ok("203.0.113.7\n", V4).to_string(), "203.0.113.7");
        assert_eq!(
            ok("  \r\n198.51.100.1 \r\n\t", V4).to_string(),
            "198.51.100.1"
        );
        assert_eq!(ok("2001:db8::25\n", V6).to_string(), "2001:db8::25");
        assert_eq!(ok("2001:DB8:0:0::25", V6).to_string(), "2001:db8::25");
    }

    #[test]
    fn cloudflare_trace() {
        let v4 = "fl=123f45\nh=1.1.1.1\nip=203.0.113.9\nts=1700000000.123\nvisit_scheme=https\n\
                  uag=mxddns/0.1.0\ncolo=FRA\nsliver=none\nhttp=http/1.1\nloc=DE\ntls=TLSv1.3\n\
                  sni=off\nwarp=off\ngateway=off\nrbi=off\nkex=X25519\n";
        assert_eq!(ok(v4, V4).to_string(), "203.0.113.9");
        let v6 = "fl=1\nh=[2606:4700:4700::1111]\nip=2001:db8:1::9\nts=1\n";
        assert_eq!(ok(v6, V6).to_string(), "2001:db8:1::9");
        assert_eq!(
            ok("ip=203.0.113.9\r\nloc=DE\r\n", V4).to_string(),
            "203.0.113.9"
        );
    }

    #[test]
    fn refuses_html_json_prose_with_an_excerpt() {
        let html = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>";
        let e = err(html, V4);
        assert!(
            matches!(&e, SourceError::NotAnAddress { what, .. } if what == "an HTML page"),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("<!DOCTYPE html> <html><head>"),
            "{e}"
        );

        let e = err(br#"{"ip":"203.0.113.7"}"#, V4);
        assert!(
            matches!(&e, SourceError::NotAnAddress { what, .. } if what == "JSON"),
            "{e:?}"
        );
        assert!(e.to_string().contains(r#"{"ip":"203.0.113.7"}"#), "{e}");

        let e = err(b"Your IP address is 203.0.113.7", V4);
        assert_eq!(
            e.to_string(),
            "the answer is text around an address, not an address: \
             \"Your IP address is 203.0.113.7\""
        );

        let e = err(b"rate limited", V4);
        assert!(
            matches!(&e, SourceError::NotAnAddress { what, .. } if what == "text"),
            "{e:?}"
        );
        assert!(matches!(
            err(b"203.0.113.7x", V4),
            SourceError::NotAnAddress { .. }
        ));
        assert!(matches!(
            err(b"\xff\xfe\x00", V4),
            SourceError::NotAnAddress { .. }
        ));
    }

    #[test]
    fn refuses_trace_without_a_good_ip_line() {
        let e = err(b"fl=1\nh=x\nloc=DE\n", V4);
        assert!(e.to_string().contains("without an ip= line"), "{e}");
        let e = err(b"fl=1\nip=somewhere\n", V4);
        assert!(e.to_string().contains("ip= is no address"), "{e}");
        // A key=value body with a line that is not key=value is not a trace answer.
        assert!(matches!(
            err(b"ip=203.0.113.9\nhello world\n", V4),
            SourceError::NotAnAddress { .. }
        ));
        let e = err(b"ip=203.0.113.9\nip=203.0.113.10\n", V4);
        assert!(matches!(e, SourceError::Ambiguous { .. }), "{e:?}");
    }

    #[test]
    fn refuses_empty_two_addresses_and_the_wrong_family() {
        assert_eq!(err(b"", V4), SourceError::Empty);
        assert_eq!(err(b" \r\n\t ", V6), SourceError::Empty);

        let e = err(b"203.0.113.7\n198.51.100.1\n", V4);
        assert_eq!(
            e,
            SourceError::Ambiguous {
                first: "203.0.113.7".parse().unwrap(),
                second: "198.51.100.1".parse().unwrap()
            }
        );
        assert!(matches!(
            err(b"203.0.113.7 2001:db8::1", V4),
            SourceError::Ambiguous { .. }
        ));

        let e = err(b"2001:db8::7\n", V4);
        assert_eq!(
            e.to_string(),
            "answered the IPv6 address 2001:db8::7 to an IPv4 question"
        );
        let e = err(b"203.0.113.7", V6);
        assert_eq!(
            e.to_string(),
            "answered the IPv4 address 203.0.113.7 to an IPv6 question"
        );
        assert!(matches!(
            err(b"ip=203.0.113.7\n", V6),
            SourceError::WrongFamily { .. }
        ));
    }

    #[test]
    fn refuses_an_oversized_answer_before_parsing() {
        let mut big = b"203.0.113.7".to_vec();
        big.resize(MAX_ANSWER + 1, b' ');
        let e = err(&big, V4);
        assert!(
            matches!(
                e,
                SourceError::TooLarge {
                    limit: MAX_ANSWER,
                    ..
                }
            ),
            "{e:?}"
        );
        // Exactly at the limit is still read.
        big.truncate(MAX_ANSWER);
        assert_eq!(
            ok(std::str::from_utf8(&big).unwrap(), V4).to_string(),
            "203.0.113.7"
        );
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        let e = excerpt(b"a\x1b[31mred\x07\r\n\r\n  b\xe2\x80\xaeevil");
        assert_eq!(e, "a [31mred b evil");
        let long = "x".repeat(500);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt("中文错误页".as_bytes()), "中文错误页");
    }
}

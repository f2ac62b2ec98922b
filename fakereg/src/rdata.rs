//! Record types and typed record data, with the presentation (zone-file) form used by seeds
//! and test helpers.
//!
//! Names are stored as lowercase FQDNs without the trailing dot; target names inside record
//! data (CNAME, NS, PTR, MX exchange, SOA names) follow the same rule.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The record types the fake registrar stores and serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RrType {
    A,
    AAAA,
    CNAME,
    TXT,
    MX,
    NS,
    SOA,
    PTR,
    SRV,
    CAA,
    TLSA,
}

impl RrType {
    /// Every supported type, in a fixed order.
    pub const ALL: [RrType; 11] = [
        RrType::A,
        RrType::AAAA,
        RrType::CNAME,
        RrType::TXT,
        RrType::MX,
        RrType::NS,
        RrType::SOA,
        RrType::PTR,
        RrType::SRV,
        RrType::CAA,
        RrType::TLSA,
    ];

    /// The mnemonic, e.g. `"AAAA"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RrType::A => "A",
            RrType::AAAA => "AAAA",
            RrType::CNAME => "CNAME",
            RrType::TXT => "TXT",
            RrType::MX => "MX",
            RrType::NS => "NS",
            RrType::SOA => "SOA",
            RrType::PTR => "PTR",
            RrType::SRV => "SRV",
            RrType::CAA => "CAA",
            RrType::TLSA => "TLSA",
        }
    }
}

impl fmt::Display for RrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RrType {
    type Err = RdataError;

    /// Case-insensitive mnemonic.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RrType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| RdataError::UnknownType(s.to_string()))
    }
}

impl TryFrom<String> for RrType {
    type Error = RdataError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RrType> for String {
    fn from(t: RrType) -> String {
        t.as_str().to_string()
    }
}

/// Why a record value could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RdataError {
    #[error("unknown record type '{0}': use one of A, AAAA, CNAME, TXT, MX, NS, SOA, PTR, SRV, CAA, TLSA")]
    UnknownType(String),
    #[error("'{value}' is not a valid {rtype} value: {why}")]
    BadValue {
        rtype: RrType,
        value: String,
        why: &'static str,
    },
}

/// SOA record fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoaData {
    pub mname: String,
    pub rname: String,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// Typed record data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rdata {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Ns(String),
    Ptr(String),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// The character-strings of one TXT record, kept apart so split SPF strings survive.
    Txt(Vec<String>),
    Soa(SoaData),
    /// `target` `""` is the root (".": service not offered, RFC 2782).
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// `tag` lowercase; `value` without quotes.
    Caa {
        flags: u8,
        tag: String,
        value: String,
    },
    /// `data`: lowercase hex.
    Tlsa {
        usage: u8,
        selector: u8,
        matching_type: u8,
        data: String,
    },
}

impl Rdata {
    /// The record type of this data.
    pub fn rtype(&self) -> RrType {
        match self {
            Rdata::A(_) => RrType::A,
            Rdata::Aaaa(_) => RrType::AAAA,
            Rdata::Cname(_) => RrType::CNAME,
            Rdata::Ns(_) => RrType::NS,
            Rdata::Ptr(_) => RrType::PTR,
            Rdata::Mx { .. } => RrType::MX,
            Rdata::Txt(_) => RrType::TXT,
            Rdata::Soa(_) => RrType::SOA,
            Rdata::Srv { .. } => RrType::SRV,
            Rdata::Caa { .. } => RrType::CAA,
            Rdata::Tlsa { .. } => RrType::TLSA,
        }
    }

    /// Parses the presentation form: `203.0.113.10`, `10 mail.example.com.`,
    /// `"v=spf1 " "-all"` or a plain unquoted TXT string, `ns1.example.com. hostmaster.example.com. 1 3600 600 604800 300`.
    /// Target names may carry a trailing dot; it is dropped.
    pub fn parse(rtype: RrType, text: &str) -> Result<Rdata, RdataError> {
        let bad = |why: &'static str| RdataError::BadValue {
            rtype,
            value: text.to_string(),
            why,
        };
        let t = text.trim();
        let host = |s: &str| -> Result<String, RdataError> {
            let n = normalize_name(s);
            if is_hostname(&n) {
                Ok(n)
            } else {
                Err(bad("not a host name"))
            }
        };
        // MX exchange / SRV target: a host name, or "." for the root (null MX, RFC 7505).
        let target = |s: &str| -> Result<String, RdataError> {
            if s.trim() == "." {
                Ok(String::new())
            } else {
                host(s)
            }
        };
        match rtype {
            RrType::A => t
                .parse()
                .map(Rdata::A)
                .map_err(|_| bad("not an IPv4 address")),
            RrType::AAAA => t
                .parse()
                .map(Rdata::Aaaa)
                .map_err(|_| bad("not an IPv6 address")),
            RrType::CNAME => Ok(Rdata::Cname(host(t)?)),
            RrType::NS => Ok(Rdata::Ns(host(t)?)),
            RrType::PTR => Ok(Rdata::Ptr(host(t)?)),
            RrType::MX => {
                let (pref, exch) = t
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| bad("expected 'PREFERENCE EXCHANGE'"))?;
                let preference = pref.parse().map_err(|_| bad("bad preference"))?;
                Ok(Rdata::Mx {
                    preference,
                    exchange: target(exch.trim())?,
                })
            }
            RrType::SRV => {
                let f: Vec<&str> = t.split_whitespace().collect();
                if f.len() != 4 {
                    return Err(bad("expected 'PRIORITY WEIGHT PORT TARGET'"));
                }
                let num = |s: &str| s.parse::<u16>().map_err(|_| bad("bad number"));
                Ok(Rdata::Srv {
                    priority: num(f[0])?,
                    weight: num(f[1])?,
                    port: num(f[2])?,
                    target: target(f[3])?,
                })
            }
            RrType::CAA => {
                let (flags, rest) = t
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| bad("expected 'FLAGS TAG \"VALUE\"'"))?;
                let (tag, value) = rest
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| bad("expected 'FLAGS TAG \"VALUE\"'"))?;
                let flags = flags.parse().map_err(|_| bad("bad flags"))?;
                if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(bad("bad tag"));
                }
                let value = value.trim();
                let value = match value.strip_prefix('"') {
                    Some(v) => v
                        .strip_suffix('"')
                        .ok_or(bad("unterminated value"))?
                        .replace("\\\"", "\"")
                        .replace("\\\\", "\\"),
                    None => value.to_string(),
                };
                Ok(Rdata::Caa {
                    flags,
                    tag: tag.to_ascii_lowercase(),
                    value,
                })
            }
            RrType::TLSA => {
                let f: Vec<&str> = t.split_whitespace().collect();
                if f.len() < 4 {
                    return Err(bad("expected 'USAGE SELECTOR MATCHING-TYPE HEX'"));
                }
                let num = |s: &str| s.parse::<u8>().map_err(|_| bad("bad number"));
                let data = f[3..].concat().to_ascii_lowercase();
                if data.len() % 2 != 0 || !data.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("the association data is not hex"));
                }
                Ok(Rdata::Tlsa {
                    usage: num(f[0])?,
                    selector: num(f[1])?,
                    matching_type: num(f[2])?,
                    data,
                })
            }
            RrType::TXT => parse_txt(t).map(Rdata::Txt).map_err(bad),
            RrType::SOA => {
                let f: Vec<&str> = t.split_whitespace().collect();
                if f.len() != 7 {
                    return Err(bad(
                        "expected 'MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM'",
                    ));
                }
                let num = |s: &str| s.parse::<u32>().map_err(|_| bad("bad number"));
                Ok(Rdata::Soa(SoaData {
                    mname: host(f[0])?,
                    rname: host(f[1])?,
                    serial: num(f[2])?,
                    refresh: num(f[3])?,
                    retry: num(f[4])?,
                    expire: num(f[5])?,
                    minimum: num(f[6])?,
                }))
            }
        }
    }

    /// The presentation form (target names without the trailing dot; TXT always quoted).
    pub fn presentation(&self) -> String {
        match self {
            Rdata::A(ip) => ip.to_string(),
            Rdata::Aaaa(ip) => ip.to_string(),
            Rdata::Cname(n) | Rdata::Ns(n) | Rdata::Ptr(n) => n.clone(),
            Rdata::Mx {
                preference,
                exchange,
            } => format!("{preference} {}", root_or(exchange)),
            Rdata::Srv {
                priority,
                weight,
                port,
                target,
            } => format!("{priority} {weight} {port} {}", root_or(target)),
            Rdata::Caa { flags, tag, value } => format!(
                "{flags} {tag} \"{}\"",
                value.replace('\\', "\\\\").replace('"', "\\\"")
            ),
            Rdata::Tlsa {
                usage,
                selector,
                matching_type,
                data,
            } => format!("{usage} {selector} {matching_type} {data}"),
            Rdata::Txt(parts) => present_txt(parts),
            Rdata::Soa(s) => format!(
                "{} {} {} {} {} {} {}",
                s.mname, s.rname, s.serial, s.refresh, s.retry, s.expire, s.minimum
            ),
        }
    }
}

/// A target name as shown: itself, or `.` for the root.
fn root_or(name: &str) -> &str {
    if name.is_empty() {
        "."
    } else {
        name
    }
}

/// Lowercase, trimmed, without the trailing dot.
pub fn normalize_name(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A host name as the fake registrar accepts it: labels of letters, digits, `-` and `_`
/// (and a leading `*`), 1 to 63 characters each, 253 in all.
pub fn is_hostname(name: &str) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    name.split('.').enumerate().all(|(i, label)| {
        (i == 0 && label == "*")
            || (!label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    })
}

/// TXT content: either one or more quoted strings (`"a" "b"`, with `\"` and `\\` escapes) or a
/// plain unquoted string, which becomes one string (split every 255 bytes, as DNS requires).
pub fn parse_txt(text: &str) -> Result<Vec<String>, &'static str> {
    let t = text.trim();
    if !t.starts_with('"') {
        if t.is_empty() {
            return Err("empty TXT content");
        }
        return Ok(split_255(t));
    }
    let mut out = Vec::new();
    let mut chars = t.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => break,
            Some('"') => {}
            Some(_) => return Err("text outside quotes"),
        }
        let mut s = String::new();
        loop {
            match chars.next() {
                None => return Err("unterminated quoted string"),
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some(c) => s.push(c),
                    None => return Err("unterminated escape"),
                },
                Some(c) => s.push(c),
            }
        }
        if s.len() > 255 {
            return Err("a TXT string is longer than 255 bytes");
        }
        out.push(s);
    }
    if out.is_empty() {
        return Err("empty TXT content");
    }
    Ok(out)
}

/// `"a" "b"` with `"` and `\` escaped.
pub fn present_txt(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Literal TXT text (no quoting, as GoDaddy's `data` holds it) as DNS strings of at most 255
/// bytes each.
pub fn txt_from_text(text: &str) -> Vec<String> {
    split_255(text)
}

fn split_255(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if cur.len() + c.len_utf8() > 255 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_forms() {
        assert_eq!(parse_txt("v=spf1 -all").unwrap(), vec!["v=spf1 -all"]);
        assert_eq!(
            parse_txt(r#""v=spf1 ip4:1.2.3.4 " "-all""#).unwrap(),
            vec!["v=spf1 ip4:1.2.3.4 ", "-all"]
        );
        assert_eq!(parse_txt(r#""a\"b""#).unwrap(), vec!["a\"b"]);
        assert!(parse_txt(r#""open"#).is_err());
        assert!(parse_txt(r#""a" b"#).is_err());
        let long = "x".repeat(300);
        let parts = parse_txt(&long).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].len(), 255);
        assert_eq!(present_txt(&["a\"b".into(), "c".into()]), r#""a\"b" "c""#);
    }

    #[test]
    fn presentation_round_trip() {
        for (t, v) in [
            (RrType::A, "203.0.113.10"),
            (RrType::AAAA, "2001:db8::1"),
            (RrType::MX, "10 mail.example.com"),
            (RrType::CNAME, "www.example.com"),
            (RrType::TXT, r#""v=spf1" "-all""#),
            (
                RrType::SOA,
                "ns1.example.com hostmaster.example.com 5 3600 600 604800 300",
            ),
        ] {
            let d = Rdata::parse(t, v).unwrap();
            assert_eq!(d.rtype(), t);
            assert_eq!(d.presentation(), v);
        }
        assert_eq!(
            Rdata::parse(RrType::MX, "10 Mail.Example.com.").unwrap(),
            Rdata::Mx {
                preference: 10,
                exchange: "mail.example.com".into()
            }
        );
        assert!(Rdata::parse(RrType::A, "2001:db8::1").is_err());
        assert!(Rdata::parse(RrType::CNAME, "bad host!").is_err());
        assert_eq!("aaaa".parse::<RrType>().unwrap(), RrType::AAAA);
        assert!("NAPTR".parse::<RrType>().is_err());
        for (t, v) in [
            (RrType::MX, "0 ."),
            (RrType::SRV, "0 1 993 mail.example.com"),
            (RrType::SRV, "0 0 0 ."),
            (RrType::CAA, "0 issue \"letsencrypt.org\""),
            (RrType::TLSA, "3 1 1 0a0b"),
        ] {
            let d = Rdata::parse(t, v).unwrap();
            assert_eq!(d.rtype(), t);
            assert_eq!(d.presentation(), v);
        }
        assert!(Rdata::parse(RrType::TLSA, "3 1 1 xyz").is_err());
        assert!(Rdata::parse(RrType::SRV, "0 1 mail.example.com").is_err());
    }
}

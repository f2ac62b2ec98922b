//! Zones and records as the agent sees them, independent of any vendor's wire format.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A zone at the provider. `id` is the provider's handle (Cloudflare's 32-hex zone id;
/// the zone name itself for Aliyun and GoDaddy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    A,
    Aaaa,
    Cname,
    Txt,
    Mx,
    Srv,
    Caa,
    Tlsa,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
            RecordType::Mx => "MX",
            RecordType::Srv => "SRV",
            RecordType::Caa => "CAA",
            RecordType::Tlsa => "TLSA",
        }
    }

    pub fn parse(s: &str) -> Option<RecordType> {
        match s.to_ascii_uppercase().as_str() {
            "A" => Some(RecordType::A),
            "AAAA" => Some(RecordType::Aaaa),
            "CNAME" => Some(RecordType::Cname),
            "TXT" => Some(RecordType::Txt),
            "MX" => Some(RecordType::Mx),
            "SRV" => Some(RecordType::Srv),
            "CAA" => Some(RecordType::Caa),
            "TLSA" => Some(RecordType::Tlsa),
            _ => None,
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a record holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// Target name, fully qualified, lowercase, without the trailing dot.
    Cname(String),
    /// The record's character-strings, in order. A long SPF record is several strings;
    /// they are kept apart so that a rewrite leaves the others byte-identical.
    Txt(Vec<String>),
    /// Mail exchanger. `exchange`: fully qualified, lowercase, no trailing dot; `""` is the
    /// null MX "." (RFC 7505: the domain accepts no mail).
    Mx {
        preference: u16,
        exchange: String,
    },
    /// Service location (RFC 2782). `target`: as a name above; `""` is "." (RFC 2782 / RFC
    /// 6186: the service is decidedly not offered).
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// Certification Authority Authorization (RFC 8659). `tag` lowercase (`issue`,
    /// `issuewild`, `iodef`); `value` unquoted.
    Caa {
        flags: u8,
        tag: String,
        value: String,
    },
    /// DANE TLSA (RFC 6698). `data`: the certificate association data, lowercase hex.
    Tlsa {
        usage: u8,
        selector: u8,
        matching_type: u8,
        data: String,
    },
}

impl RecordData {
    pub fn rtype(&self) -> RecordType {
        match self {
            RecordData::A(_) => RecordType::A,
            RecordData::Aaaa(_) => RecordType::Aaaa,
            RecordData::Cname(_) => RecordType::Cname,
            RecordData::Txt(_) => RecordType::Txt,
            RecordData::Mx { .. } => RecordType::Mx,
            RecordData::Srv { .. } => RecordType::Srv,
            RecordData::Caa { .. } => RecordType::Caa,
            RecordData::Tlsa { .. } => RecordType::Tlsa,
        }
    }

    /// The TXT strings joined as DNS consumers (SPF, DMARC) read them.
    pub fn txt_joined(&self) -> Option<String> {
        match self {
            RecordData::Txt(parts) => Some(parts.concat()),
            _ => None,
        }
    }

    /// Parse a plain value of the given type: an address, a name, a single TXT string, or
    /// the zone-file presentation of the other types (`10 mx.example.com.`,
    /// `0 5 587 mail.example.com.`, `0 issue "letsencrypt.org"`, `3 1 1 <hex>`).
    pub fn from_plain(rtype: RecordType, value: &str) -> Option<RecordData> {
        match rtype {
            RecordType::A => value.trim().parse().ok().map(RecordData::A),
            RecordType::Aaaa => value.trim().parse().ok().map(RecordData::Aaaa),
            RecordType::Cname => Some(RecordData::Cname(normalize_name(value))),
            RecordType::Txt => Some(RecordData::Txt(vec![value.to_string()])),
            RecordType::Mx => {
                let mut it = value.split_ascii_whitespace();
                let preference = it.next()?.parse().ok()?;
                let exchange = target_name(it.next()?)?;
                it.next().is_none().then_some(RecordData::Mx {
                    preference,
                    exchange,
                })
            }
            RecordType::Srv => {
                let mut it = value.split_ascii_whitespace();
                let priority = it.next()?.parse().ok()?;
                let weight = it.next()?.parse().ok()?;
                let port = it.next()?.parse().ok()?;
                let target = target_name(it.next()?)?;
                it.next().is_none().then_some(RecordData::Srv {
                    priority,
                    weight,
                    port,
                    target,
                })
            }
            RecordType::Caa => {
                let value = value.trim();
                let (flags, rest) = value.split_once(|c: char| c.is_ascii_whitespace())?;
                let flags = flags.parse().ok()?;
                let rest = rest.trim_start();
                let (tag, v) = rest.split_once(|c: char| c.is_ascii_whitespace())?;
                if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                Some(RecordData::Caa {
                    flags,
                    tag: tag.to_ascii_lowercase(),
                    value: unquote(v.trim())?,
                })
            }
            RecordType::Tlsa => {
                let mut it = value.split_ascii_whitespace();
                let usage = it.next()?.parse().ok()?;
                let selector = it.next()?.parse().ok()?;
                let matching_type = it.next()?.parse().ok()?;
                // The data may be written in several whitespace-separated chunks.
                let data: String = it.collect::<Vec<_>>().concat().to_ascii_lowercase();
                (!data.is_empty() && data.bytes().all(|b| b.is_ascii_hexdigit())).then_some(
                    RecordData::Tlsa {
                        usage,
                        selector,
                        matching_type,
                        data,
                    },
                )
            }
        }
    }
}

/// A target name of MX/SRV presentation form: `.` is the root (`""`), otherwise normalised.
fn target_name(s: &str) -> Option<String> {
    if s == "." {
        return Some(String::new());
    }
    let n = normalize_name(s);
    (!n.is_empty()).then_some(n)
}

/// A CAA value: `"..."` with `\"` and `\\` escapes, or a bare word.
fn unquote(s: &str) -> Option<String> {
    let Some(inner) = s.strip_prefix('"') else {
        return (!s.contains(char::is_whitespace)).then(|| s.to_string());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A name in presentation form: `.` for the root, otherwise with the trailing dot.
fn presentation_name(name: &str) -> String {
    if name.is_empty() {
        ".".to_string()
    } else {
        format!("{name}.")
    }
}

impl fmt::Display for RecordData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordData::A(ip) => write!(f, "{ip}"),
            RecordData::Aaaa(ip) => write!(f, "{ip}"),
            RecordData::Cname(t) => write!(f, "{t}"),
            RecordData::Txt(parts) => {
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\""))?;
                }
                Ok(())
            }
            RecordData::Mx {
                preference,
                exchange,
            } => write!(f, "{preference} {}", presentation_name(exchange)),
            RecordData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(
                f,
                "{priority} {weight} {port} {}",
                presentation_name(target)
            ),
            RecordData::Caa { flags, tag, value } => write!(
                f,
                "{flags} {tag} \"{}\"",
                value.replace('\\', "\\\\").replace('"', "\\\"")
            ),
            RecordData::Tlsa {
                usage,
                selector,
                matching_type,
                data,
            } => write!(f, "{usage} {selector} {matching_type} {data}"),
        }
    }
}

/// One record at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The provider's record id (Cloudflare: 32 hex; Aliyun: RecordId; GoDaddy: none,
    /// records are addressed by type+name+value, so this is empty).
    pub id: String,
    /// Fully qualified, lowercase, no trailing dot.
    pub name: String,
    pub data: RecordData,
    pub ttl: u32,
}

impl Record {
    pub fn rtype(&self) -> RecordType {
        self.data.rtype()
    }
}

/// Lowercase, without the trailing dot.
pub fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The part of `fqdn` left of `zone`: `mail` for (`mail.example.com`, `example.com`),
/// `@` for the apex. `None` when `fqdn` is not inside `zone`.
pub fn relative_name(fqdn: &str, zone: &str) -> Option<String> {
    let fqdn = normalize_name(fqdn);
    let zone = normalize_name(zone);
    if fqdn == zone {
        return Some("@".to_string());
    }
    fqdn.strip_suffix(&zone)
        .and_then(|rest| rest.strip_suffix('.'))
        .filter(|rr| !rr.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names() {
        assert_eq!(
            relative_name("mail.example.com", "example.com").as_deref(),
            Some("mail")
        );
        assert_eq!(
            relative_name("Example.COM.", "example.com").as_deref(),
            Some("@")
        );
        assert_eq!(
            relative_name("a.b.mail.example.com.cn", "example.com.cn").as_deref(),
            Some("a.b.mail")
        );
        assert_eq!(relative_name("mail.notexample.com", "example.com"), None);
        assert_eq!(relative_name("example.org", "example.com"), None);
    }

    #[test]
    fn txt_display_quotes_each_string() {
        let d = RecordData::Txt(vec!["v=spf1 ip4:203.0.113.10".into(), " -all".into()]);
        assert_eq!(d.to_string(), "\"v=spf1 ip4:203.0.113.10\" \" -all\"");
        assert_eq!(d.txt_joined().unwrap(), "v=spf1 ip4:203.0.113.10 -all");
    }

    #[test]
    fn presentation_round_trips() {
        for (t, text) in [
            (RecordType::Mx, "10 mx.example.com."),
            (RecordType::Mx, "0 ."),
            (RecordType::Srv, "0 1 587 mail.example.com."),
            (RecordType::Srv, "0 0 0 ."),
            (RecordType::Caa, "0 issue \"letsencrypt.org\""),
            (RecordType::Caa, "128 iodef \"mailto:ca@example.com\""),
            (RecordType::Tlsa, "3 1 1 0a1b2c"),
        ] {
            let d = RecordData::from_plain(t, text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(d.rtype(), t);
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(
            RecordData::from_plain(RecordType::Mx, "10 MX.Example.com"),
            Some(RecordData::Mx {
                preference: 10,
                exchange: "mx.example.com".into()
            })
        );
        assert_eq!(
            RecordData::from_plain(RecordType::Caa, "0 ISSUE letsencrypt.org"),
            Some(RecordData::Caa {
                flags: 0,
                tag: "issue".into(),
                value: "letsencrypt.org".into()
            })
        );
        assert_eq!(
            RecordData::from_plain(RecordType::Tlsa, "3 1 1 0A1B 2C"),
            Some(RecordData::Tlsa {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "0a1b2c".into()
            })
        );
        for (t, bad) in [
            (RecordType::Mx, "mx.example.com"),
            (RecordType::Mx, "70000 mx.example.com"),
            (RecordType::Srv, "0 5 mail.example.com"),
            (RecordType::Caa, "0 issue \"unterminated"),
            (RecordType::Caa, "0"),
            (RecordType::Tlsa, "3 1 1 zz"),
            (RecordType::Tlsa, "3 1 1"),
        ] {
            assert_eq!(RecordData::from_plain(t, bad), None, "{bad}");
        }
    }
}

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
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
        }
    }

    pub fn parse(s: &str) -> Option<RecordType> {
        match s.to_ascii_uppercase().as_str() {
            "A" => Some(RecordType::A),
            "AAAA" => Some(RecordType::Aaaa),
            "CNAME" => Some(RecordType::Cname),
            "TXT" => Some(RecordType::Txt),
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
}

impl RecordData {
    pub fn rtype(&self) -> RecordType {
        match self {
            RecordData::A(_) => RecordType::A,
            RecordData::Aaaa(_) => RecordType::Aaaa,
            RecordData::Cname(_) => RecordType::Cname,
            RecordData::Txt(_) => RecordType::Txt,
        }
    }

    /// The TXT strings joined as DNS consumers (SPF, DMARC) read them.
    pub fn txt_joined(&self) -> Option<String> {
        match self {
            RecordData::Txt(parts) => Some(parts.concat()),
            _ => None,
        }
    }

    /// Parse a plain value of the given type: an address, a name, or a single TXT string.
    pub fn from_plain(rtype: RecordType, value: &str) -> Option<RecordData> {
        match rtype {
            RecordType::A => value.trim().parse().ok().map(RecordData::A),
            RecordType::Aaaa => value.trim().parse().ok().map(RecordData::Aaaa),
            RecordType::Cname => Some(RecordData::Cname(normalize_name(value))),
            RecordType::Txt => Some(RecordData::Txt(vec![value.to_string()])),
        }
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
}

//! DNSPod API 3.0 answers (the `Response` object of each action), and record values in
//! DNSPod's text form both ways.

use crate::record::{normalize_name, Record, RecordData, RecordType};
use serde::Deserialize;

/// `Response.Error`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message", default)]
    pub message: String,
}

/// DescribeDomain: `Response.DomainInfo`.
#[derive(Debug, Deserialize)]
pub struct DomainAnswer {
    #[serde(rename = "DomainInfo")]
    pub domain_info: DomainInfo,
}

#[derive(Debug, Deserialize)]
pub struct DomainInfo {
    #[serde(rename = "Domain")]
    pub domain: String,
}

/// DescribeRecordList.
#[derive(Debug, Deserialize)]
pub struct RecordListAnswer {
    #[serde(rename = "RecordCountInfo")]
    pub count: Option<CountInfo>,
    #[serde(rename = "RecordList", default)]
    pub records: Vec<RecordItem>,
}

#[derive(Debug, Deserialize)]
pub struct CountInfo {
    #[serde(rename = "TotalCount", default)]
    pub total: u64,
}

/// One record of DescribeRecordList.
#[derive(Debug, Deserialize, Clone)]
pub struct RecordItem {
    #[serde(rename = "RecordId")]
    pub id: u64,
    /// Relative: `@`, `mail`.
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Type")]
    pub rtype: String,
    #[serde(rename = "Value")]
    pub value: String,
    #[serde(rename = "Line", default)]
    pub line: String,
    #[serde(rename = "TTL", default)]
    pub ttl: u32,
    #[serde(rename = "MX", default)]
    pub mx: Option<u16>,
}

/// CreateRecord / ModifyRecord: `Response.RecordId`.
#[derive(Debug, Deserialize)]
pub struct RecordIdAnswer {
    #[serde(rename = "RecordId")]
    pub id: u64,
}

/// The default line: the only one mxddns reads or writes.
pub const DEFAULT_LINE: &str = "默认";

/// DNSPod's `Value` (and `MX`) for agent data, or why DNSPod cannot hold it.
pub fn to_value(d: &RecordData) -> Result<(String, Option<u16>), String> {
    let dotted = |n: &str| {
        if n.is_empty() {
            ".".to_string()
        } else {
            format!("{n}.")
        }
    };
    Ok(match d {
        RecordData::A(ip) => (ip.to_string(), None),
        RecordData::Aaaa(ip) => (ip.to_string(), None),
        RecordData::Cname(t) => (dotted(t), None),
        RecordData::Txt(parts) => (parts.concat(), None),
        RecordData::Mx {
            preference,
            exchange,
        } => (dotted(exchange), Some(*preference)),
        RecordData::Srv {
            priority,
            weight,
            port,
            target,
        } => (
            format!("{priority} {weight} {port} {}", dotted(target)),
            None,
        ),
        RecordData::Caa { flags, tag, value } => (format!("{flags} {tag} \"{value}\""), None),
        RecordData::Tlsa { .. } => return Err(tlsa_unsupported()),
    })
}

/// Why TLSA cannot be written here (shown on `plan`'s `!` line), in the reader's language.
pub fn tlsa_unsupported() -> String {
    rust_i18n::t!("unsupported.dnspod.tlsa").into_owned()
}

/// Agent data for a DNSPod value of `rtype`; `None` when it cannot be read.
pub fn from_value(rtype: RecordType, value: &str, mx: Option<u16>) -> Option<RecordData> {
    let v = value.trim();
    Some(match rtype {
        RecordType::A => RecordData::A(v.parse().ok()?),
        RecordType::Aaaa => RecordData::Aaaa(v.parse().ok()?),
        RecordType::Cname => RecordData::Cname(normalize_name(v)),
        RecordType::Txt => RecordData::Txt(vec![unquote_txt(value)]),
        RecordType::Mx => RecordData::Mx {
            preference: mx.unwrap_or(0),
            exchange: normalize_name(v),
        },
        RecordType::Srv | RecordType::Caa => RecordData::from_plain(rtype, v)?,
        RecordType::Tlsa => return None,
    })
}

/// DNSPod shows a TXT value as its text; a value written in zone-file form
/// (`"part one" "part two"`) is read back as the text its strings make.
fn unquote_txt(v: &str) -> String {
    let t = v.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        let mut out = String::new();
        let mut inside = false;
        let mut chars = t.chars();
        while let Some(c) = chars.next() {
            match (c, inside) {
                ('"', _) => inside = !inside,
                ('\\', true) => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                (c, true) => out.push(c),
                _ => {}
            }
        }
        return out;
    }
    v.to_string()
}

/// An agent record for an item of the default line, inside `zone`.
pub fn record(item: &RecordItem, zone: &str) -> Option<Record> {
    if item.line != DEFAULT_LINE {
        return None;
    }
    let rtype = RecordType::parse(&item.rtype)?;
    let data = from_value(rtype, &item.value, item.mx)?;
    let name = if item.name == "@" || item.name.is_empty() {
        normalize_name(zone)
    } else {
        normalize_name(&format!("{}.{zone}", item.name))
    };
    Some(Record {
        id: item.id.to_string(),
        name,
        data,
        ttl: item.ttl,
    })
}

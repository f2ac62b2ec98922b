//! Huawei Cloud DNS API v2 answers, and record values in the API's text form both ways.

use crate::record::{normalize_name, split_txt, RecordData, RecordType};
use serde::Deserialize;

/// The two error shapes: the DNS service's `{"code","message"}` and the API gateway's
/// `{"error_code","error_msg","request_id"}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_msg: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct Metadata {
    #[serde(default)]
    pub total_count: Option<u64>,
}

/// ListPublicZones.
#[derive(Debug, Deserialize)]
pub struct ZonesAnswer {
    pub zones: Vec<ZoneItem>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct ZoneItem {
    pub id: String,
    /// With the trailing dot: `example.com.`.
    pub name: String,
    #[serde(default)]
    pub zone_type: Option<String>,
}

/// ListRecordSetsByZone.
#[derive(Debug, Deserialize)]
pub struct RecordSetsAnswer {
    pub recordsets: Vec<RecordSet>,
    #[serde(default)]
    pub metadata: Metadata,
}

/// One record set (ShowRecordSet, CreateRecordSet, UpdateRecordSet, DeleteRecordSet
/// answer with one).
#[derive(Debug, Deserialize, Clone)]
pub struct RecordSet {
    pub id: String,
    /// Fully qualified with the trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(default)]
    pub ttl: Option<u32>,
    #[serde(default)]
    pub records: Vec<String>,
    /// Only in v2.1 answers: the resolution line; mxddns keeps to the default one.
    #[serde(default)]
    pub line: Option<String>,
}

/// The default resolution line's id.
pub const DEFAULT_LINE: &str = "default_view";

impl RecordSet {
    /// Whether this set is of the default line (v2 answers carry no line: all are).
    pub fn default_line(&self) -> bool {
        self.line.as_deref().is_none_or(|l| l == DEFAULT_LINE)
    }
}

/// Why TLSA cannot be written here (shown on `plan`'s `!` line), in the reader's language.
pub fn tlsa_unsupported() -> String {
    rust_i18n::t!("unsupported.huaweicloud.tlsa").into_owned()
}

/// A name with the trailing dot, `.` for the root.
fn dotted(n: &str) -> String {
    if n.is_empty() {
        ".".to_string()
    } else {
        format!("{n}.")
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The API's value for agent data: TXT as quoted strings of at most 255 bytes (the API
/// takes them so), names with the trailing dot, or why Huawei Cloud cannot hold it.
pub fn to_value(d: &RecordData) -> Result<String, String> {
    Ok(match d {
        RecordData::A(ip) => ip.to_string(),
        RecordData::Aaaa(ip) => ip.to_string(),
        RecordData::Cname(t) => dotted(t),
        RecordData::Txt(parts) => split_txt(parts)
            .iter()
            .map(|p| quote(p))
            .collect::<Vec<_>>()
            .join(" "),
        RecordData::Mx {
            preference,
            exchange,
        } => format!("{preference} {}", dotted(exchange)),
        RecordData::Srv {
            priority,
            weight,
            port,
            target,
        } => format!("{priority} {weight} {port} {}", dotted(target)),
        RecordData::Caa { flags, tag, value } => format!("{flags} {tag} {}", quote(value)),
        RecordData::Tlsa { .. } => return Err(tlsa_unsupported()),
    })
}

/// Agent data for an API value of `rtype`; `None` when it cannot be read.
pub fn from_value(rtype: RecordType, value: &str) -> Option<RecordData> {
    let v = value.trim();
    match rtype {
        RecordType::Txt => Some(RecordData::Txt(txt_strings(v)?)),
        RecordType::Cname => {
            let n = normalize_name(v);
            (!n.is_empty()).then_some(RecordData::Cname(n))
        }
        RecordType::Tlsa => None,
        _ => RecordData::from_plain(rtype, v),
    }
}

/// A TXT value: quoted strings (`"a" "b"`, with `\"` and `\\` escapes), or an unquoted
/// text as one string.
fn txt_strings(v: &str) -> Option<Vec<String>> {
    if !v.starts_with('"') {
        return Some(vec![v.to_string()]);
    }
    let mut out = Vec::new();
    let mut chars = v.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => break,
            Some('"') => {}
            Some(_) => return None,
        }
        let mut s = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => s.push(chars.next()?),
                c => s.push(c),
            }
        }
        out.push(s);
    }
    (!out.is_empty()).then_some(out)
}

//! GoDaddy's wire format: DNS record entries and the error body.
//!
//! Record entries are kept as raw JSON objects rather than a typed struct, so that a
//! read-modify-write of a record set sends every entry it did not change back exactly
//! as GoDaddy gave it (every field, including ones this client does not know about).

use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// One entry of `GET /v1/domains/{domain}/records/{type}/{name}`: an object with at
/// least `data`, usually `{"data","name","ttl","type"}` (plus `priority`, `port`, … for
/// MX/SRV).
pub(super) type Entry = Map<String, Value>;

/// The entry's `data` (the address, target or TXT text), when it is a string.
pub(super) fn entry_data(e: &Entry) -> Option<&str> {
    e.get("data").and_then(Value::as_str)
}

/// The entry's `ttl` in seconds, when it is a non-negative integer.
pub(super) fn entry_ttl(e: &Entry) -> Option<u64> {
    e.get("ttl").and_then(Value::as_u64)
}

/// The entry's field `key` as a number in 0–65535 (MX/SRV `priority`, `weight`, `port`).
pub(super) fn entry_u16(e: &Entry, key: &str) -> Option<u16> {
    e.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
}

/// The entry's field `key` when it is a string (SRV `service`, `protocol`).
pub(super) fn entry_str<'e>(e: &'e Entry, key: &str) -> Option<&'e str> {
    e.get(key).and_then(Value::as_str)
}

/// Set `data`, `ttl` and the `extra` fields, leaving every other field as it was.
pub(super) fn set_entry(e: &mut Entry, data: &str, ttl: u32, extra: &[(&'static str, Value)]) {
    e.insert("data".into(), Value::String(data.to_string()));
    e.insert("ttl".into(), Value::Number(Number::from(ttl)));
    for (k, v) in extra {
        e.insert((*k).to_string(), v.clone());
    }
}

/// Set `ttl` only.
pub(super) fn set_ttl(e: &mut Entry, ttl: u32) {
    e.insert("ttl".into(), Value::Number(Number::from(ttl)));
}

/// A new entry as GoDaddy itself writes them: `{"data","name","ttl","type"}`. `name` is
/// relative to the zone (`@` for the apex); `ttl` is always sent (§3.3, §3.6).
pub(super) fn new_entry(
    data: &str,
    name: &str,
    rtype: &str,
    ttl: u32,
    extra: &[(&'static str, Value)],
) -> Entry {
    let mut e = Entry::new();
    e.insert("data".into(), Value::String(data.to_string()));
    e.insert("name".into(), Value::String(name.to_string()));
    e.insert("ttl".into(), Value::Number(Number::from(ttl)));
    e.insert("type".into(), Value::String(rtype.to_string()));
    for (k, v) in extra {
        e.insert((*k).to_string(), v.clone());
    }
    e
}

/// GoDaddy's error body: `{code, message, fields[]}`, plus `retryAfterSec` on 429.
#[derive(Debug, Deserialize)]
pub(super) struct ApiError {
    pub code: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub fields: Option<Vec<ErrorField>>,
    #[serde(default, rename = "retryAfterSec")]
    pub retry_after_sec: Option<Number>,
}

/// One entry of `fields[]`: which part of the request was wrong and why.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorField {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ApiError {
    /// `retryAfterSec` in whole seconds (rounded up when GoDaddy sends a fraction).
    pub fn retry_after_secs(&self) -> Option<u64> {
        let n = self.retry_after_sec.as_ref()?;
        n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f.ceil() as u64)
        })
    }

    /// The field errors as one phrase: `records[0].ttl: must have a minimum value of 600
    /// (UNKNOWN_RESTRICTION)`, `;`-separated. Empty when there are none.
    pub fn fields_text(&self) -> String {
        let Some(fields) = &self.fields else {
            return String::new();
        };
        fields
            .iter()
            .map(|f| {
                let mut s = String::new();
                if let Some(p) = &f.path {
                    s.push_str(p);
                    s.push_str(": ");
                }
                s.push_str(f.message.as_deref().unwrap_or("invalid"));
                if let Some(c) = &f.code {
                    s.push_str(&format!(" ({c})"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Whether a field error is about a record's TTL.
    pub fn is_about_ttl(&self) -> bool {
        self.fields.iter().flatten().any(|f| {
            f.path
                .as_deref()
                .is_some_and(|p| p == "ttl" || p.ends_with(".ttl"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_recorded_422() {
        let body = r#"{"code":"INVALID_BODY","fields":[{"code":"UNKNOWN_RESTRICTION","message":"must have a minimum value of 600","path":"records[0].ttl"}],"message":"Request body doesn't fulfill schema, see details in `fields`"}"#;
        let e: ApiError = serde_json::from_str(body).unwrap();
        assert_eq!(e.code, "INVALID_BODY");
        assert_eq!(
            e.fields_text(),
            "records[0].ttl: must have a minimum value of 600 (UNKNOWN_RESTRICTION)"
        );
        assert!(e.is_about_ttl());
        assert_eq!(e.retry_after_secs(), None);
    }

    #[test]
    fn retry_after_sec_integer_or_fraction() {
        let e: ApiError =
            serde_json::from_str(r#"{"code":"TOO_MANY_REQUESTS","retryAfterSec":30}"#).unwrap();
        assert_eq!(e.retry_after_secs(), Some(30));
        let e: ApiError =
            serde_json::from_str(r#"{"code":"TOO_MANY_REQUESTS","retryAfterSec":1.2}"#).unwrap();
        assert_eq!(e.retry_after_secs(), Some(2));
    }

    #[test]
    fn set_entry_keeps_other_fields() {
        let mut e: Entry = serde_json::from_str(
            r#"{"data":"192.0.2.1","name":"mail","ttl":3600,"type":"A","x":[1]}"#,
        )
        .unwrap();
        set_entry(&mut e, "192.0.2.2", 600, &[]);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"data":"192.0.2.2","name":"mail","ttl":600,"type":"A","x":[1]}"#
        );
    }
}

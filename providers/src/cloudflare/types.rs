//! Cloudflare v4 wire types: only the fields mxddns reads or sends.
//!
//! Parsing is lenient on purpose: unknown fields are ignored, optional ones may be
//! missing or `null` (Cloudflare dropped `zone_id`/`zone_name` from records in 2024 and
//! keeps adding fields), so that a harmless API change does not stop updates.

use serde::{Deserialize, Serialize};

/// The part of every v4 answer that says whether it worked (`success`, `errors`).
/// Parsed first, without the `result`, so that a failure is decoded whatever its shape.
#[derive(Debug, Deserialize)]
pub(super) struct Head {
    pub success: bool,
    #[serde(default)]
    pub errors: Option<Vec<ApiError>>,
}

/// One entry of `errors`, possibly wrapping the root cause in `error_chain`
/// (`6003 Invalid request headers` ← `6111 Invalid format for Authorization header`).
#[derive(Debug, Deserialize)]
pub(super) struct ApiError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error_chain: Option<Vec<ApiError>>,
}

/// A successful answer: the result and, for lists, the page information.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope<T> {
    pub result: Option<T>,
    #[serde(default)]
    pub result_info: Option<ResultInfo>,
}

/// `result_info` of a list answer. Only `total_pages` drives pagination; an empty list
/// has 0 (2020) or 1 (2025) pages.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ResultInfo {
    #[serde(default)]
    pub total_pages: Option<u32>,
}

/// One entry of `GET /zones`.
#[derive(Debug, Deserialize)]
pub(super) struct ZoneWire {
    pub id: String,
    pub name: String,
    /// `initializing`, `pending`, `active` or `moved`.
    #[serde(default)]
    pub status: Option<String>,
}

/// A DNS record as Cloudflare returns it.
#[derive(Debug, Deserialize)]
pub(super) struct RecordWire {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    /// SRV/CAA/TLSA answers carry a formatted `content` beside `data`; `data` wins.
    #[serde(default)]
    pub content: String,
    /// `1` means automatic.
    #[serde(default)]
    pub ttl: Option<u32>,
    /// MX (and SRV, in older answers): "Required for MX, SRV and URI records" (CFGO
    /// `dns/record.go` `MXRecord.Priority`).
    #[serde(default)]
    pub priority: Option<u16>,
    /// The components of SRV, CAA and TLSA records (CFGO `SRVRecordData`,
    /// `CAARecordData`, `TLSARecordData`).
    #[serde(default)]
    pub data: Option<WireData>,
}

/// The union of the `data` objects of the record types mxddns writes; every field optional
/// so that one struct reads them all (unknown fields ignored).
#[derive(Debug, Default, Deserialize)]
pub(super) struct WireData {
    // SRV: CFGO `SRVRecordData {port, priority, target, weight}`.
    #[serde(default)]
    pub priority: Option<u16>,
    #[serde(default)]
    pub weight: Option<u16>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub target: Option<String>,
    // CAA: CFGO `CAARecordData {flags, tag, value}`.
    #[serde(default)]
    pub flags: Option<u8>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    // TLSA: CFGO `TLSARecordData {certificate, matching_type, selector, usage}`.
    #[serde(default)]
    pub usage: Option<u8>,
    #[serde(default)]
    pub selector: Option<u8>,
    #[serde(default)]
    pub matching_type: Option<u8>,
    #[serde(default)]
    pub certificate: Option<String>,
}

/// The `data` object sent for SRV, CAA and TLSA records.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(super) enum DataOut {
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Caa {
        flags: u8,
        tag: String,
        value: String,
    },
    Tlsa {
        usage: u8,
        selector: u8,
        matching_type: u8,
        certificate: String,
    },
}

/// A record's value as Cloudflare takes it: `content` (A, AAAA, CNAME, TXT, MX), MX's
/// `priority`, or the `data` object (SRV, CAA, TLSA).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct WireValue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<DataOut>,
}

/// The body of `POST /zones/{id}/dns_records`.
#[derive(Debug, Serialize)]
pub(super) struct NewRecord<'a> {
    #[serde(rename = "type")]
    pub rtype: &'a str,
    pub name: &'a str,
    #[serde(flatten)]
    pub value: &'a WireValue,
    pub ttl: u32,
    /// Sent as `false` for proxiable types (A, AAAA, CNAME): a mail host must not sit
    /// behind Cloudflare's HTTP proxy. Left out for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxied: Option<bool>,
}

/// The body of `PATCH /zones/{id}/dns_records/{id}`: only what changes.
#[derive(Debug, Serialize)]
pub(super) struct RecordPatch<'a> {
    #[serde(flatten)]
    pub value: &'a WireValue,
    pub ttl: u32,
}

/// The result of `DELETE /zones/{id}/dns_records/{id}`: `{"id": "<record id>"}`.
#[derive(Debug, Deserialize)]
pub(super) struct DeletedWire {
    pub id: String,
}

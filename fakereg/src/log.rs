//! What the fake registrar was asked: HTTP requests per vendor and DNS queries, for tests that
//! count requests or writes. The standalone binary can also append every entry, as it comes,
//! to a JSON-lines file ([`RequestLog::with_file`]) for scripts and benchmarks.

use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Request bodies longer than this are cut in the log.
const MAX_LOGGED_BODY: usize = 8 * 1024;

/// One API request as the fake registrar saw it: an HTTP request to a vendor emulator, or an
/// RFC 2136 message to the DNS server (an UPDATE, or a query or zone transfer signed with
/// TSIG: vendor `rfc2136`). Headers are not kept (they hold credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `cloudflare`, `echo`, `rfc2136`, … (the listener that took it).
    pub vendor: &'static str,
    pub method: String,
    pub path: String,
    /// The raw query string, without `?` (empty when none).
    pub query: String,
    /// The API action when the vendor names it in a header (DNSPod), else empty.
    pub action: String,
    /// The request body as text (lossy UTF-8, cut at 8 KiB).
    pub body: String,
    /// The HTTP status answered; 0 when the connection was closed without an answer. For an
    /// RFC 2136 message, the status matching its RCODE: 200 NOERROR, 400 FORMERR/NOTZONE,
    /// 401 a TSIG error, 403 REFUSED, 404 NOTAUTH (zone not held), 412 a failed
    /// prerequisite (NXDOMAIN/YXDOMAIN/NXRRSET/YXRRSET), 500 SERVFAIL, 501 NOTIMP.
    pub status: u16,
    /// Whether the request asked for a change (as the vendor's API defines writes), whatever
    /// the outcome.
    pub write: bool,
    /// The fault rule applied to it, if any (its label).
    pub fault: Option<String>,
    /// For an RFC 2136 message: the RCODE answered, with the TSIG error if any (`NOERROR`,
    /// `NXRRSET`, `NOTAUTH BADKEY`); `None` for HTTP.
    pub rcode: Option<String>,
}

impl LoggedRequest {
    /// A write that succeeded (2xx).
    pub fn is_successful_write(&self) -> bool {
        self.write && (200..300).contains(&self.status)
    }
}

/// One DNS query as the fake registrar saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedQuery {
    /// Lowercase, no trailing dot.
    pub name: String,
    /// e.g. `A`, `TXT`.
    pub qtype: String,
    /// e.g. `IN`, `CH`.
    pub class: String,
    /// `udp` or `tcp`.
    pub protocol: String,
    /// e.g. `NoError`, `NXDomain`; `dropped` when no answer was sent.
    pub rcode: String,
}

/// Shared request log.
#[derive(Clone, Debug, Default)]
pub struct RequestLog {
    http: Arc<Mutex<Vec<LoggedRequest>>>,
    dns: Arc<Mutex<Vec<LoggedQuery>>>,
    /// When set, every entry is also appended here as one JSON line (`ts` in Unix seconds).
    file: Option<Arc<Mutex<LineWriter<File>>>>,
}

impl RequestLog {
    /// A log that also appends each request and query to `path` (created or truncated), one
    /// JSON object per line: `{"ts","kind":"http","vendor","method","path","action","status",
    /// "write"}`, `{"ts","kind":"rfc2136",…,"rcode"}` (the same fields for an UPDATE or a
    /// TSIG-signed query or transfer) or `{"ts","kind":"dns","name","qtype","protocol","rcode"}`. Bodies, queries
    /// and headers are not written (they may hold credentials).
    pub fn with_file(path: &Path) -> std::io::Result<RequestLog> {
        Ok(RequestLog {
            file: Some(Arc::new(Mutex::new(LineWriter::new(File::create(path)?)))),
            ..RequestLog::default()
        })
    }

    fn append(&self, entry: serde_json::Value) {
        if let Some(f) = &self.file {
            let ts = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            let mut entry = entry;
            entry["ts"] = serde_json::json!(ts);
            // Best effort: a full disk must not stop the fake registrar answering.
            let _ = writeln!(lock(f), "{entry}");
        }
    }

    pub(crate) fn push_http(&self, mut r: LoggedRequest) {
        if r.body.len() > MAX_LOGGED_BODY {
            let mut cut = MAX_LOGGED_BODY;
            while !r.body.is_char_boundary(cut) {
                cut -= 1;
            }
            r.body.truncate(cut);
        }
        self.append(serde_json::json!({
            "kind": "http", "vendor": r.vendor, "method": r.method, "path": r.path,
            "action": r.action, "status": r.status, "write": r.write,
        }));
        lock(&self.http).push(r);
    }

    /// An RFC 2136 message (JSON `kind` `rfc2136`, with its `rcode`).
    pub(crate) fn push_rfc2136(&self, r: LoggedRequest) {
        self.append(serde_json::json!({
            "kind": "rfc2136", "vendor": r.vendor, "method": r.method, "path": r.path,
            "action": r.action, "status": r.status, "write": r.write, "rcode": r.rcode,
        }));
        lock(&self.http).push(r);
    }

    pub(crate) fn push_dns(&self, q: LoggedQuery) {
        self.append(serde_json::json!({
            "kind": "dns", "name": q.name, "qtype": q.qtype, "protocol": q.protocol,
            "rcode": q.rcode,
        }));
        lock(&self.dns).push(q);
    }

    /// Every API request so far (HTTP, and RFC 2136 messages), oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.http).clone()
    }

    /// Every DNS query so far, oldest first.
    pub fn dns_queries(&self) -> Vec<LoggedQuery> {
        lock(&self.dns).clone()
    }

    /// Requests that asked for a change, whatever their outcome.
    pub fn write_attempts(&self) -> usize {
        lock(&self.http).iter().filter(|r| r.write).count()
    }

    /// Requests that changed something (write with a 2xx answer).
    pub fn write_count(&self) -> usize {
        lock(&self.http)
            .iter()
            .filter(|r| r.is_successful_write())
            .count()
    }

    /// Forgets everything logged so far.
    pub fn clear(&self) {
        lock(&self.http).clear();
        lock(&self.dns).clear();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A log is append-only; a poisoned lock still holds a consistent Vec.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

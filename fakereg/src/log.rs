//! What the fake registrar was asked: HTTP requests per vendor and DNS queries, for tests that
//! count requests or writes.

use std::sync::{Arc, Mutex};

/// Request bodies longer than this are cut in the log.
const MAX_LOGGED_BODY: usize = 8 * 1024;

/// One HTTP request as the fake registrar saw it. Headers are not kept (they hold credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `cloudflare`, `echo`, … (the listener that took it).
    pub vendor: &'static str,
    pub method: String,
    pub path: String,
    /// The raw query string, without `?` (empty when none).
    pub query: String,
    /// The API action when the vendor names it in a header (DNSPod), else empty.
    pub action: String,
    /// The request body as text (lossy UTF-8, cut at 8 KiB).
    pub body: String,
    /// The HTTP status answered; 0 when the connection was closed without an answer.
    pub status: u16,
    /// Whether the request asked for a change (as the vendor's API defines writes), whatever
    /// the outcome.
    pub write: bool,
    /// The fault rule applied to it, if any (its label).
    pub fault: Option<String>,
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
}

impl RequestLog {
    pub(crate) fn push_http(&self, mut r: LoggedRequest) {
        if r.body.len() > MAX_LOGGED_BODY {
            let mut cut = MAX_LOGGED_BODY;
            while !r.body.is_char_boundary(cut) {
                cut -= 1;
            }
            r.body.truncate(cut);
        }
        lock(&self.http).push(r);
    }

    pub(crate) fn push_dns(&self, q: LoggedQuery) {
        lock(&self.dns).push(q);
    }

    /// Every HTTP request so far, oldest first.
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

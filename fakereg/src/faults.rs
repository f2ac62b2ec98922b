//! The fault script: rules that make the next matching HTTP requests or DNS queries fail in a
//! chosen way. Rules are tried in the order they were added; the first armed rule that matches
//! fires and uses up one of its counts (a rule added with `*_always` never runs out).
//!
//! Both fault enums are `#[non_exhaustive]` so that more failure kinds can be added.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which HTTP requests a rule applies to; unset fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpMatch {
    /// Listener name: `cloudflare`, `echo`, …
    pub vendor: Option<String>,
    /// Method, case-insensitive.
    pub method: Option<String>,
    /// Path prefix, e.g. `/client/v4/zones`.
    pub path_prefix: Option<String>,
    /// Text the raw query string must contain, e.g. `Action=UpdateDomainRecord` (Alidns
    /// names its actions in the query, on one path).
    pub query_contains: Option<String>,
    /// The API action, for vendors that name it outside the path and query (DNSPod's
    /// `X-TC-Action` header; see `Vendor::action`).
    pub action: Option<String>,
}

impl HttpMatch {
    /// Matches every request.
    pub fn any() -> Self {
        Self::default()
    }
    pub fn vendor(mut self, vendor: &str) -> Self {
        self.vendor = Some(vendor.to_string());
        self
    }
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_string());
        self
    }
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.path_prefix = Some(prefix.to_string());
        self
    }

    pub fn query_contains(mut self, text: &str) -> Self {
        self.query_contains = Some(text.to_string());
        self
    }

    pub fn action(mut self, action: &str) -> Self {
        self.action = Some(action.to_string());
        self
    }

    /// Whether a request (listener, method, path, raw query, API action or "") matches.
    pub fn matches_request(
        &self,
        vendor: &str,
        method: &str,
        path: &str,
        query: &str,
        action: &str,
    ) -> bool {
        self.matches(vendor, method, path)
            && self
                .query_contains
                .as_deref()
                .is_none_or(|q| query.contains(q))
            && self.action.as_deref().is_none_or(|a| a == action)
    }

    fn matches(&self, vendor: &str, method: &str, path: &str) -> bool {
        self.vendor.as_deref().is_none_or(|v| v == vendor)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
    }
}

/// What happens to a matched HTTP request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpFault {
    /// Answer this status and body without handling the request.
    Status {
        status: u16,
        content_type: String,
        body: String,
    },
    /// The vendor's own rate-limit answer (429, its body, `Retry-After`), without handling.
    RateLimited { retry_after_secs: u64 },
    /// An HTML error page with this status (as a proxy or CDN in front of the API would send).
    HtmlError { status: u16 },
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Wait, then close the connection without an answer and without handling the request.
    Hang(Duration),
    /// Handle the request (writes happen), then answer only the first half of the body.
    TruncatedJson,
    /// Close the connection (reset) without an answer and without handling the request.
    Close,
    /// Handle the request (writes happen), then close the connection without an answer.
    CloseAfterHandling,
    /// Answer `status` without handling the request, with a body that echoes the request
    /// back — request line, every header (credentials included) and body — as a
    /// misconfigured proxy or a careless error page does. With `json`, the echo is the
    /// message of an error body every vendor's parser reads as its own
    /// (`errors[].message`, `message`, `Message`); otherwise plain text.
    Echo { status: u16, json: bool },
    /// Answer `status` (a 3xx) with `Location:` the target base URL followed by the
    /// request's own path and query (so a signed query would reach the target).
    Redirect { status: u16, target: String },
}

impl HttpFault {
    /// `Status` with a JSON body when `body` starts with `{` or `[`, plain text otherwise.
    pub fn status(status: u16, body: &str) -> Self {
        let json = body.trim_start().starts_with(['{', '[']);
        HttpFault::Status {
            status,
            content_type: if json {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            }
            .to_string(),
            body: body.to_string(),
        }
    }
}

/// Which DNS queries a rule applies to; unset fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsMatch {
    /// Query name, case-insensitive, trailing dot optional.
    pub name: Option<String>,
    /// Query type mnemonic, e.g. `A`, case-insensitive.
    pub qtype: Option<String>,
}

impl DnsMatch {
    /// Matches every query.
    pub fn any() -> Self {
        Self::default()
    }
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(crate::rdata::normalize_name(name));
        self
    }
    pub fn qtype(mut self, qtype: &str) -> Self {
        self.qtype = Some(qtype.to_string());
        self
    }

    fn matches(&self, name: &str, qtype: &str) -> bool {
        self.name
            .as_deref()
            .is_none_or(|n| crate::rdata::normalize_name(n) == name)
            && self
                .qtype
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case(qtype))
    }
}

/// What happens to a matched DNS query.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnsFault {
    /// Answer SERVFAIL.
    ServFail,
    /// Answer REFUSED.
    Refused,
    /// Send no answer at all.
    Drop,
    /// Wait, then answer normally.
    Delay(Duration),
    /// Answer with the TC bit and no records (over TCP too), as a server whose answer does not fit.
    Truncate,
}

#[derive(Debug)]
enum Kind {
    Http(HttpMatch, HttpFault),
    Dns(DnsMatch, DnsFault),
}

#[derive(Debug)]
struct Rule {
    label: String,
    kind: Kind,
    /// `None`: never runs out.
    remaining: Option<u32>,
    /// Matching requests still let through before the rule starts firing.
    pass: u32,
}

/// The shared fault script.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<Rule>>>,
    fired: Arc<Mutex<Vec<String>>>,
}

impl Faults {
    fn push(&self, kind: Kind, remaining: Option<u32>) -> &Self {
        self.push_after(kind, 0, remaining)
    }

    fn push_after(&self, kind: Kind, pass: u32, remaining: Option<u32>) -> &Self {
        let label = match &kind {
            Kind::Http(m, f) => format!("http {m:?} => {f:?}"),
            Kind::Dns(m, f) => format!("dns {m:?} => {f:?}"),
        };
        if remaining != Some(0) {
            lock(&self.rules).push(Rule {
                label,
                kind,
                remaining,
                pass,
            });
        }
        self
    }

    /// The next `times` HTTP requests matching `m` get `fault`.
    pub fn http(&self, m: HttpMatch, fault: HttpFault, times: u32) -> &Self {
        self.push(Kind::Http(m, fault), Some(times))
    }

    /// Every HTTP request matching `m` gets `fault` until [`Faults::clear`].
    pub fn http_always(&self, m: HttpMatch, fault: HttpFault) -> &Self {
        self.push(Kind::Http(m, fault), None)
    }

    /// The first `pass` HTTP requests matching `m` are handled normally; every one after
    /// them gets `fault` until [`Faults::clear`] (a fault half-way through a series of writes).
    pub fn http_always_after(&self, m: HttpMatch, pass: u32, fault: HttpFault) -> &Self {
        self.push_after(Kind::Http(m, fault), pass, None)
    }

    /// The next `times` DNS queries matching `m` get `fault`.
    pub fn dns(&self, m: DnsMatch, fault: DnsFault, times: u32) -> &Self {
        self.push(Kind::Dns(m, fault), Some(times))
    }

    /// Every DNS query matching `m` gets `fault` until [`Faults::clear`].
    pub fn dns_always(&self, m: DnsMatch, fault: DnsFault) -> &Self {
        self.push(Kind::Dns(m, fault), None)
    }

    /// Removes every rule.
    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// How many rules are still armed.
    pub fn pending(&self) -> usize {
        lock(&self.rules).len()
    }

    /// Labels of the rules that fired, in order (one entry per firing).
    pub fn fired(&self) -> Vec<String> {
        lock(&self.fired).clone()
    }

    fn take(&self, pick: impl Fn(&Kind) -> bool) -> Option<(String, Kind)> {
        let mut rules = lock(&self.rules);
        let mut pos = None;
        for (i, r) in rules.iter_mut().enumerate() {
            if !pick(&r.kind) {
                continue;
            }
            if r.pass > 0 {
                r.pass -= 1;
                continue;
            }
            pos = Some(i);
            break;
        }
        let pos = pos?;
        let rule = &mut rules[pos];
        let label = rule.label.clone();
        let spent = match &mut rule.remaining {
            Some(n) => {
                *n -= 1;
                *n == 0
            }
            None => false,
        };
        let kind = if spent {
            rules.remove(pos).kind
        } else {
            match &rules[pos].kind {
                Kind::Http(m, f) => Kind::Http(m.clone(), f.clone()),
                Kind::Dns(m, f) => Kind::Dns(m.clone(), f.clone()),
            }
        };
        drop(rules);
        lock(&self.fired).push(label.clone());
        Some((label, kind))
    }

    /// The fault for this HTTP request, if a rule fires; with its label.
    pub(crate) fn take_http(
        &self,
        vendor: &str,
        method: &str,
        path: &str,
        query: &str,
        action: &str,
    ) -> Option<(String, HttpFault)> {
        match self.take(
            |k| matches!(k, Kind::Http(m, _) if m.matches_request(vendor, method, path, query, action)),
        )? {
            (label, Kind::Http(_, f)) => Some((label, f)),
            _ => None,
        }
    }

    /// The fault for this DNS query (`name` normalized, `qtype` a mnemonic), if a rule fires.
    pub(crate) fn take_dns(&self, name: &str, qtype: &str) -> Option<(String, DnsFault)> {
        match self.take(|k| matches!(k, Kind::Dns(m, _) if m.matches(name, qtype)))? {
            (label, Kind::Dns(_, f)) => Some((label, f)),
            _ => None,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The rule list stays consistent whatever panicked while it was held.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_after_some_passes_lets_them_through_first() {
        let f = Faults::default();
        f.http_always_after(
            HttpMatch::any().method("POST"),
            2,
            HttpFault::status(503, "busy"),
        );
        // Other requests do not count.
        assert!(f.take_http("cloudflare", "GET", "/z", "", "").is_none());
        assert!(f.take_http("cloudflare", "POST", "/z", "", "").is_none());
        assert!(f.take_http("cloudflare", "POST", "/z", "", "").is_none());
        for _ in 0..3 {
            assert!(f.take_http("cloudflare", "POST", "/z", "", "").is_some());
        }
        assert_eq!(f.fired().len(), 3);
    }

    #[test]
    fn rules_fire_in_order_and_run_out() {
        let f = Faults::default();
        f.http(
            HttpMatch::any()
                .method("patch")
                .path_prefix("/client/v4/zones"),
            HttpFault::status(500, "{}"),
            2,
        )
        .http(HttpMatch::any().vendor("echo"), HttpFault::Close, 1)
        .dns(
            DnsMatch::any().name("Mail.Example.com."),
            DnsFault::ServFail,
            1,
        )
        .dns(DnsMatch::any(), DnsFault::Drop, 0);
        assert_eq!(f.pending(), 3);
        assert!(f
            .take_http("cloudflare", "GET", "/client/v4/zones", "", "")
            .is_none());
        assert!(f
            .take_http("cloudflare", "PATCH", "/other", "", "")
            .is_none());
        for _ in 0..2 {
            let (_, fault) = f
                .take_http("cloudflare", "PATCH", "/client/v4/zones/x", "", "")
                .unwrap();
            assert!(matches!(fault, HttpFault::Status { status: 500, .. }));
        }
        assert!(f
            .take_http("cloudflare", "PATCH", "/client/v4/zones/x", "", "")
            .is_none());
        assert_eq!(
            f.take_http("echo", "GET", "/ip", "", "").unwrap().1,
            HttpFault::Close
        );
        assert!(f.take_dns("mail.example.com", "AAAA").is_some());
        assert!(f.take_dns("mail.example.com", "AAAA").is_none());
        assert_eq!(f.pending(), 0);
        assert_eq!(f.fired().len(), 4);

        f.dns_always(DnsMatch::any().qtype("txt"), DnsFault::Refused);
        for _ in 0..3 {
            assert_eq!(f.take_dns("x", "TXT").unwrap().1, DnsFault::Refused);
        }
        f.clear();
        assert!(f.take_dns("x", "TXT").is_none());
    }
}

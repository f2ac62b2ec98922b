//! Aliyun Alidns (API version 2015-01-09, RPC style) emulator (providers-api.md §1), served at
//! `/` on its own listener. Independent of the `mxddns-providers` client on purpose: the
//! signature is rebuilt here from the spec, so a client bug cannot agree with itself.
//!
//! Order of checks for a request, as the checklist of §1.11 has it: route (`GET`/`POST /`,
//! else `InvalidAction.NotFound`) → common parameters (`Missing<Param>`, `Format`,
//! `InvalidVersion`, `InvalidAction.NotFound`) → timestamp (`InvalidTimeStamp.Format`,
//! `InvalidTimeStamp.Expired`) → AccessKey (`InvalidAccessKeyId.NotFound`) → signature
//! (`SignatureDoesNotMatch`, quoting the server's string-to-sign) → nonce
//! (`SignatureNonceUsed`, remembered for 15 minutes once the signature holds) → flow control
//! (`Throttling.User`) → RAM rights (`Forbidden.RAM`) → the action.

mod error;
pub mod options;
mod records;
mod sign;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::http::{HttpRequest, HttpResponse, Vendor};
use crate::store::Store;
use error::AliError;
use options::{AliyunAccess, AliyunKey, AliyunOptions};
use sign::Incoming;

/// The only API version Alidns has.
const VERSION: &str = "2015-01-09";
/// How far a request's timestamp may be from the server's clock, and how long a nonce is
/// remembered.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The actions served, whether each writes, and Alidns' own per-second quota for it (ALI-QUOTA).
const ACTIONS: [(&str, bool, u32); 5] = [
    ("DescribeDomainRecords", false, 100),
    ("DescribeSubDomainRecords", false, 300),
    ("AddDomainRecord", true, 60),
    ("UpdateDomainRecord", true, 60),
    ("DeleteDomainRecord", true, 60),
];

/// Nonces seen in the last 15 minutes (server clock), per AccessKey.
#[derive(Default)]
struct Nonces {
    seen: HashSet<(String, String)>,
    order: VecDeque<(SystemTime, (String, String))>,
}

impl Nonces {
    /// Remembers the nonce; false when it was used within the window.
    fn fresh(&mut self, key: &str, nonce: &str, now: SystemTime) -> bool {
        while let Some((t, _)) = self.order.front() {
            if now.duration_since(*t).unwrap_or_default() <= WINDOW {
                break;
            }
            if let Some((_, k)) = self.order.pop_front() {
                self.seen.remove(&k);
            }
        }
        let k = (key.to_string(), nonce.to_string());
        if self.seen.contains(&k) {
            return false;
        }
        self.seen.insert(k.clone());
        self.order.push_back((now, k));
        true
    }
}

/// Per (AccessKey, action or `*`): start of the current window and requests in it.
type Windows = HashMap<(String, &'static str), (Instant, u32)>;

/// The emulator's state: the shared store, the keys, nonces and flow-control windows.
pub(crate) struct Aliyun {
    store: Store,
    opts: AliyunOptions,
    nonces: Mutex<Nonces>,
    windows: Mutex<Windows>,
}

impl Aliyun {
    pub(crate) fn new(store: Store, opts: AliyunOptions) -> Self {
        Aliyun {
            store,
            opts,
            nonces: Mutex::new(Nonces::default()),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The server's clock.
    fn now(&self) -> SystemTime {
        let off = Duration::from_secs(self.opts.clock_offset_secs.unsigned_abs());
        if self.opts.clock_offset_secs >= 0 {
            SystemTime::now() + off
        } else {
            SystemTime::now() - off
        }
    }

    fn dispatch(&self, req: &HttpRequest, now: SystemTime) -> Result<HttpResponse, AliError> {
        if req.path != "/" || !matches!(req.method.as_str(), "GET" | "POST") {
            return Err(AliError::no_action());
        }
        let call = sign::read(req)?;
        check_format(&call)?;
        if call.version != VERSION {
            return Err(AliError::new(
                400,
                "InvalidVersion",
                "Specified parameter Version is not valid.",
            ));
        }
        let (action, _, _) = ACTIONS
            .iter()
            .find(|(a, _, _)| *a == call.action)
            .copied()
            .ok_or_else(AliError::no_action)?;
        let sent = sign::parse_timestamp(&call.timestamp).ok_or_else(|| {
            AliError::new(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            )
        })?;
        let skew = match now.duration_since(sent) {
            Ok(d) => d,
            Err(e) => e.duration(),
        };
        if skew > WINDOW {
            return Err(AliError::new(
                400,
                "InvalidTimeStamp.Expired",
                "Specified time stamp or date value is expired.",
            ));
        }
        let key = self
            .opts
            .keys
            .iter()
            .find(|k| k.id == call.key_id)
            .ok_or_else(|| {
                AliError::new(
                    404,
                    "InvalidAccessKeyId.NotFound",
                    "Specified access key is not found.",
                )
            })?;
        call.verify(req, key.secret.expose())?;
        let fresh =
            self.nonces
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .fresh(&key.id, &call.nonce, now);
        if !fresh {
            return Err(AliError::new(
                400,
                "SignatureNonceUsed",
                "Specified signature nonce was used already.",
            ));
        }
        self.count(key, action)?;
        let writes = is_write_action(action);
        match key.access {
            AliyunAccess::Full => {}
            AliyunAccess::ReadOnly if !writes => {}
            _ => return Err(AliError::forbidden_ram()),
        }
        let ctx = records::Ctx {
            key,
            call: &call,
            min_ttl: self.opts.min_ttl,
            now,
        };
        self.store.with(|z| records::run(z, &ctx, action))
    }

    /// Counts one request against the key's flow-control window.
    fn count(&self, key: &AliyunKey, action: &'static str) -> Result<(), AliError> {
        let (slot, limit, window) = match &self.opts.rate_limit {
            Some(r) => ("*", r.requests, Duration::from_secs(r.window_secs.max(1))),
            None => {
                let quota = ACTIONS
                    .iter()
                    .find(|(a, _, _)| *a == action)
                    .map_or(60, |(_, _, q)| *q);
                (action, quota, Duration::from_secs(1))
            }
        };
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows.entry((key.id.clone(), slot)).or_insert((now, 0));
        if now.duration_since(w.0) >= window {
            *w = (now, 0);
        }
        if w.1 >= limit {
            return Err(AliError::throttled(400));
        }
        w.1 += 1;
        Ok(())
    }
}

/// The emulator answers JSON only: `Format` must be `JSON` (any case) for v1; V3 answers
/// JSON unless told otherwise.
fn check_format(call: &Incoming) -> Result<(), AliError> {
    match call.param("Format") {
        Some(f) if f.eq_ignore_ascii_case("json") => Ok(()),
        None if call.is_v3() => Ok(()),
        Some(f) => Err(AliError::invalid(
            "Format",
            &format!("{f}: the fake registrar answers JSON only (Alidns' default is XML), send Format=JSON"),
        )),
        None => Err(AliError::invalid(
            "Format",
            "absent: Alidns would answer XML, which the fake registrar does not speak; send Format=JSON",
        )),
    }
}

fn is_write_action(action: &str) -> bool {
    ACTIONS.iter().any(|(a, w, _)| *a == action && *w)
}

/// The action a request names (query, form body or `x-acs-action`), without judging it.
fn action_of(req: &HttpRequest) -> Option<String> {
    if let Some(a) = req.header("x-acs-action") {
        return Some(a.trim().to_string());
    }
    let mut pairs = sign::form_pairs(&req.query);
    if req.method == "POST" {
        pairs.extend(sign::form_pairs(&String::from_utf8_lossy(&req.body)));
    }
    pairs
        .into_iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v)
}

impl Vendor for Aliyun {
    fn name(&self) -> &'static str {
        "aliyun"
    }

    fn is_write(&self, req: &HttpRequest) -> bool {
        action_of(req).is_some_and(|a| is_write_action(&a))
    }

    fn handle(&self, req: &HttpRequest) -> HttpResponse {
        let now = self.now();
        self.dispatch(req, now)
            .unwrap_or_else(|e| e.into_response(now))
    }

    /// The newer gateway's form: 429 with `Throttling.User`, and the fault's `Retry-After`.
    fn rate_limited(&self, retry_after_secs: u64) -> HttpResponse {
        AliError::throttled(429)
            .into_response(self.now())
            .header("retry-after", &retry_after_secs.to_string())
    }
}

//! Notifications: after a cycle, tell the configured webhooks about address changes,
//! persistent failures (a domain failed `after_failures` cycles in a row: sent once) and
//! recoveries (it works again after such a streak).
//!
//! What is due is decided by pure functions over the cycle's report and the failure
//! counts kept in the state file, so that a restart (or a cron job running
//! `--update-now`) neither repeats nor forgets a failure notification. Sending is bounded
//! by a timeout; a failing webhook is logged and never fails the cycle.

pub mod template;

use crate::config::NotifyConfig;
use crate::cycle::{first_error, CycleReport, DomainReport, Outcome, RecordReport};
use crate::state::State;
use futures_util::future::join_all;
use std::collections::BTreeMap;
use std::time::Duration;
use template::Values;

/// What one webhook request may take at most, connect included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a refusing webhook's answer is read, for the log.
const MAX_ERROR_BODY: usize = 2048;

/// The events a webhook can be sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Change,
    Failure,
    Recovery,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Change => "change",
            Event::Failure => "failure",
            Event::Recovery => "recovery",
        }
    }
}

/// What a cycle did to one domain, as far as notifications are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainNews {
    pub domain: String,
    /// The MX host (or `host:`) of the domain; empty when not known.
    pub host: String,
    /// The record values before, and what they were changed (or were to be changed) to.
    pub old: String,
    pub new: String,
    /// The first problem, when the domain failed.
    pub error: String,
    pub changed: bool,
    pub ok: bool,
    /// Consecutive failed cycles before this one, and after it.
    pub failures_before: u32,
    pub failures: u32,
}

/// Consecutive failures per domain, from the state: taken before a cycle, for [`news`].
pub fn failure_counts(state: &State) -> BTreeMap<String, u32> {
    state
        .domains
        .iter()
        .map(|(d, s)| (d.clone(), s.consecutive_failures))
        .collect()
}

/// One [`DomainNews`] per domain of `report`; `before`: [`failure_counts`] taken before
/// the cycle, `state`: the state after it.
pub fn news(
    report: &CycleReport,
    before: &BTreeMap<String, u32>,
    state: &State,
) -> Vec<DomainNews> {
    let detected: Vec<String> = report
        .detections
        .iter()
        .filter_map(|d| d.result.as_ref().ok().map(ToString::to_string))
        .collect();
    report
        .domains
        .iter()
        .map(|d| {
            let ds = state.domains.get(&d.domain);
            let ok = d.ok();
            let (old, new) = values(d).unwrap_or_else(|| (String::new(), detected.join(",")));
            DomainNews {
                domain: d.domain.clone(),
                host: d
                    .host
                    .clone()
                    .or_else(|| ds.and_then(|s| s.host.clone()))
                    .unwrap_or_default(),
                old,
                new,
                error: if ok {
                    String::new()
                } else {
                    first_error(d).unwrap_or_default()
                },
                changed: changed(d),
                ok,
                failures_before: before.get(&d.domain).copied().unwrap_or(0),
                failures: if ok {
                    0
                } else {
                    ds.map_or(1, |s| s.consecutive_failures)
                },
            }
        })
        .collect()
}

/// Whether the cycle wrote the domain's records (or they were written for another domain
/// sharing them).
fn changed(d: &DomainReport) -> bool {
    d.records.iter().any(|r| {
        matches!(
            r.outcome,
            Outcome::Updated | Outcome::Created | Outcome::Shared
        )
    })
}

/// The old and new values of the records that changed (or failed to): the address or alias
/// records when there are any among them, the SPF record otherwise.
fn values(d: &DomainReport) -> Option<(String, String)> {
    let touched: Vec<&RecordReport> = d
        .records
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Updated | Outcome::Created | Outcome::Shared | Outcome::Failed(_)
            )
        })
        .collect();
    let chosen: Vec<&RecordReport> = if touched.iter().any(|r| r.rtype != "TXT") {
        touched.into_iter().filter(|r| r.rtype != "TXT").collect()
    } else {
        touched
    };
    if chosen.is_empty() {
        return None;
    }
    let old: Vec<String> = chosen.iter().flat_map(|r| r.old.iter().cloned()).collect();
    let new: Vec<String> = chosen.iter().map(|r| r.new.clone()).collect();
    Some((old.join(","), new.join(",")))
}

/// The events `hook` is to be sent for about `n`.
pub fn due(hook: &NotifyConfig, n: &DomainNews) -> Vec<Event> {
    let mut events = Vec::new();
    let threshold = hook.after_failures;
    if hook.on.change && n.changed {
        events.push(Event::Change);
    }
    if hook.on.failure && !n.ok && n.failures_before < threshold && n.failures >= threshold {
        events.push(Event::Failure);
    }
    if hook.on.recovery && n.ok && n.failures_before >= threshold {
        events.push(Event::Recovery);
    }
    events
}

/// The sentence `{message}` stands for.
pub fn message(event: Event, n: &DomainNews) -> String {
    let host = if n.host.is_empty() {
        n.domain.clone()
    } else {
        rust_i18n::t!("ui.notify.mx_of", host = n.host, domain = n.domain).into_owned()
    };
    match event {
        Event::Change if n.old.is_empty() => {
            rust_i18n::t!("ui.notify.change", host = host, new = n.new).into_owned()
        }
        Event::Change => rust_i18n::t!(
            "ui.notify.change_was",
            host = host,
            new = n.new,
            old = n.old
        )
        .into_owned(),
        Event::Failure => rust_i18n::t!(
            "ui.notify.failure",
            domain = n.domain,
            n = n.failures,
            error = n.error
        )
        .into_owned(),
        Event::Recovery => rust_i18n::t!(
            "ui.notify.recovery",
            domain = n.domain,
            n = n.failures_before
        )
        .into_owned(),
    }
}

/// The body of `hook`'s request for `event` about `n`.
pub fn body(hook: &NotifyConfig, event: Event, n: &DomainNews) -> String {
    let message = message(event, n);
    let values = Values {
        domain: &n.domain,
        host: &n.host,
        old: &n.old,
        new: &n.new,
        error: &n.error,
        event: event.as_str(),
        message: &message,
    };
    // The message may quote a registrar's answer: masked before it leaves.
    crate::redact::redact(&template::render(
        hook.body.as_deref().unwrap_or("{message}"),
        &values,
    ))
    .into_owned()
}

/// How the notifications of one cycle went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub ok: u64,
    pub failed: u64,
}

/// Sends notifications through its own HTTP client (shorter timeout than the provider
/// APIs', no redirects: a redirect could carry the request elsewhere).
pub struct Notifier {
    client: reqwest::Client,
}

impl Notifier {
    pub fn new() -> Result<Notifier, reqwest::Error> {
        Ok(Notifier {
            client: hook_client(None)?,
        })
    }

    /// Send everything due for `news` to `hooks`, all at once; log each outcome.
    pub async fn send_all(&self, hooks: &[NotifyConfig], news: &[DomainNews]) -> Sent {
        let mut jobs = Vec::new();
        for n in news {
            for h in hooks {
                for e in due(h, n) {
                    jobs.push(async move { (h, e, n, self.send(h, e, n).await) });
                }
            }
        }
        let mut sent = Sent::default();
        for (h, e, n, result) in join_all(jobs).await {
            match result {
                Ok(()) => {
                    sent.ok += 1;
                    tracing::info!(
                        "notified {} (notify[{}]) of the {} of {}",
                        h.target,
                        h.index,
                        e.as_str(),
                        n.domain
                    );
                }
                Err(err) => {
                    sent.failed += 1;
                    tracing::warn!(
                        "could not notify {} (notify[{}]) of the {} of {}: {err}",
                        h.target,
                        h.index,
                        e.as_str(),
                        n.domain
                    );
                }
            }
        }
        sent
    }

    async fn send(&self, hook: &NotifyConfig, event: Event, n: &DomainNews) -> Result<(), String> {
        let method = reqwest::Method::from_bytes(hook.method.as_str().as_bytes())
            .map_err(|e| e.to_string())?;
        // A webhook with its own roots gets a client of its own for this message:
        // notifications are rare (a change, a failure, a recovery), and hooks change on
        // reload, so it is not kept.
        let own;
        let client = match &hook.tls_ca {
            None => &self.client,
            Some(ca) => {
                own = hook_client(Some(ca)).map_err(describe)?;
                &own
            }
        };
        let mut req = client.request(method, hook.url.expose());
        let mut has_type = false;
        for h in &hook.headers {
            has_type |= h.name.eq_ignore_ascii_case("content-type");
            req = req.header(h.name.as_str(), h.value.expose());
        }
        if hook.method != crate::config::NotifyMethod::Get {
            let json = hook.body.as_deref().is_some_and(template::is_json);
            if !has_type {
                req = req.header(
                    reqwest::header::CONTENT_TYPE,
                    if json {
                        "application/json"
                    } else {
                        "text/plain; charset=utf-8"
                    },
                );
            }
            req = req.body(body(hook, event, n));
        }
        // Errors without the URL: it may carry the webhook's token.
        let mut resp = req.send().await.map_err(|e| describe(e.without_url()))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let mut answer = Vec::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            answer.extend_from_slice(&chunk);
            if answer.len() >= MAX_ERROR_BODY {
                break;
            }
        }
        Err(format!(
            "HTTP {status}: {}",
            mxddns_providers::http::excerpt(&answer)
        ))
    }
}

/// The webhook client: shorter timeout than the provider APIs', no redirects.
fn hook_client(extra: Option<&crate::http::CaFile>) -> Result<reqwest::Client, reqwest::Error> {
    crate::http::client_builder_trusting(extra)
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// A transport error in one line, with its causes ("connection refused"), never the URL.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = mxddns_providers::http::error_text(s);
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = s.source();
    }
    let what = if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    if causes.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {}", causes.join(": "))
    }
}

#[cfg(test)]
mod tests;

//! `/healthz`: 200 while the last cycle succeeded, or while the agent is younger than the
//! busy limit and its first cycle is still running; 503 otherwise (a failed last cycle, a
//! cycle running for too long). The JSON body says why.

use super::Status;
use serde::Serialize;
use std::time::Instant;

/// The answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub code: u16,
    pub body: String,
}

#[derive(Serialize)]
struct Body<'a> {
    /// `ok`, `starting`, `unverified`, `failing` or `stuck`.
    status: &'static str,
    reason: String,
    /// `verified`, `not verified` or `failing`: whether the provider accounts have been
    /// seen to answer since the start (or the last reload).
    credentials: &'static str,
    last_success: Option<i64>,
    last_error: Option<&'a str>,
    consecutive_failures: u32,
    uptime_seconds: u64,
}

/// The health of the agent described by `s`, at `now`.
pub fn health(s: &Status, now: Instant) -> Health {
    let uptime = now.saturating_duration_since(s.started);
    let limit = s.busy_limit;
    let running = s.cycle_started.map(|t| now.saturating_duration_since(t));
    let (status, reason) = match (&s.last_cycle, running) {
        (_, Some(r)) if r > limit => (
            "stuck",
            format!(
                "a cycle has been running for {} s, longer than the {} s it may take",
                r.as_secs(),
                limit.as_secs()
            ),
        ),
        (Some(c), _) if c.ok && s.credentials_verified() => (
            "ok",
            "the last cycle succeeded; the credentials are verified".to_string(),
        ),
        (Some(c), _) if c.ok => (
            "unverified",
            "the last cycle succeeded, but the credentials are not verified: no provider request has succeeded yet".to_string(),
        ),
        (Some(_), _) => (
            "failing",
            format!("the last {} cycle(s) failed", s.consecutive_failures.max(1)),
        ),
        (None, _) if uptime <= limit => (
            "starting",
            "the first cycle has not finished yet; credentials not verified".to_string(),
        ),
        (None, _) => (
            "stuck",
            format!(
                "no cycle has finished in the {} s since the start",
                uptime.as_secs()
            ),
        ),
    };
    let code = if matches!(status, "ok" | "starting") {
        200
    } else {
        503
    };
    let credentials = if s.credentials_verified() {
        "verified"
    } else if s.last_cycle.as_ref().is_some_and(|c| !c.ok) {
        "failing"
    } else {
        "not verified"
    };
    let body = Body {
        status,
        reason,
        credentials,
        last_success: s.last_success,
        last_error: s.last_cycle.as_ref().and_then(|c| c.error.as_deref()),
        consecutive_failures: s.consecutive_failures,
        uptime_seconds: uptime.as_secs(),
    };
    // Serialising a struct of strings and numbers cannot fail.
    let mut text = serde_json::to_string(&body).unwrap_or_default();
    text.push('\n');
    Health { code, body: text }
}

#[cfg(test)]
mod tests {
    use super::super::{LastCycle, Status};
    use super::*;
    use std::time::Duration;

    fn status() -> Status {
        Status::blank(1_700_000_000)
    }

    fn json(h: &Health) -> serde_json::Value {
        serde_json::from_str(&h.body).unwrap()
    }

    #[test]
    fn a_young_agent_is_starting_then_stuck() {
        let mut s = status();
        s.cycle_started = Some(s.started);
        let h = health(&s, s.started + Duration::from_secs(5));
        assert_eq!(h.code, 200);
        assert_eq!(json(&h)["status"], "starting");
        assert_eq!(json(&h)["last_success"], serde_json::Value::Null);
        let h = health(&s, s.started + Duration::from_secs(601));
        assert_eq!(h.code, 503);
        assert_eq!(json(&h)["status"], "stuck");
        assert!(h.body.ends_with('\n'));
    }

    #[test]
    fn the_last_cycle_decides() {
        let mut s = status();
        s.last_cycle = Some(LastCycle {
            ok: true,
            at: 1_700_000_100,
            error: None,
        });
        s.last_success = Some(1_700_000_100);
        let later = s.started + Duration::from_secs(3600);
        let h = health(&s, later);
        assert_eq!(h.code, 200);
        let j = json(&h);
        assert_eq!(j["status"], "ok");
        assert_eq!(j["last_success"], 1_700_000_100);
        assert_eq!(j["uptime_seconds"], 3600);

        s.last_cycle = Some(LastCycle {
            ok: false,
            at: 1_700_000_400,
            error: Some("example.com: HTTP 500 \"x\"".into()),
        });
        s.consecutive_failures = 2;
        let h = health(&s, later);
        assert_eq!(h.code, 503);
        let j = json(&h);
        assert_eq!(j["status"], "failing");
        assert_eq!(j["reason"], "the last 2 cycle(s) failed");
        assert_eq!(j["last_error"], "example.com: HTTP 500 \"x\"");
        assert_eq!(j["consecutive_failures"], 2);
        assert_eq!(j["last_success"], 1_700_000_100);
    }

    #[test]
    fn a_cycle_running_too_long_is_stuck_whatever_came_before() {
        let mut s = status();
        s.last_cycle = Some(LastCycle {
            ok: true,
            at: 1,
            error: None,
        });
        s.cycle_started = Some(s.started);
        assert_eq!(health(&s, s.started + Duration::from_secs(60)).code, 200);
        let h = health(&s, s.started + Duration::from_secs(700));
        assert_eq!(h.code, 503);
        assert_eq!(json(&h)["status"], "stuck");
    }
}

//! Retries within a cycle, in one place: transient provider failures (connection errors,
//! timeouts, 5xx, 429) and answers that cannot be read (an HTML page from a proxy, a
//! truncated body) are tried again with exponential backoff and jitter, bounded in count
//! and total time; everything else fails at once. A 4xx is never retried, except 429,
//! which waits as long as the provider asked (within the bound).
//!
//! The bound counts the attempts themselves, not only the waits: an attempt is started
//! only when it can end (at the HTTP client's total timeout) within the budget, so that a
//! registrar that accepts connections and never answers costs at most `budget` per
//! operation.

use mxddns_providers::{ErrorKind, ProviderError};
use std::future::Future;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Give up when the next attempt could end later than this after the first one began.
    pub budget: Duration,
    /// The longest one attempt can take (the HTTP client's total timeout).
    pub attempt: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            budget: Duration::from_secs(60),
            attempt: crate::http::request_timeout(),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `n+1` (n counted from 1), with ±25 % jitter.
    fn delay(&self, n: u32, asked: Option<Duration>) -> Duration {
        if let Some(a) = asked {
            return a;
        }
        let base = self
            .first_delay
            .saturating_mul(1u32 << (n - 1).min(16))
            .min(self.max_delay);
        let jitter: f64 = rand::random_range(0.75..1.25);
        base.mul_f64(jitter)
    }
}

/// Whether trying again soon may help: a transient failure or rate limit, or an answer
/// that could not be read (usually a proxy's error page or a cut connection; a write's
/// `maybe_applied` says whether it may have landed all the same).
pub fn worth_retrying(e: &ProviderError) -> bool {
    e.is_transient() || e.kind == ErrorKind::Protocol
}

/// Run `op` until it succeeds, fails permanently, or the policy is spent. `on_retry` is
/// told about each failure that will be retried (for logs and metrics).
pub async fn retry<T, F, Fut>(
    policy: RetryPolicy,
    mut op: F,
    mut on_retry: impl FnMut(&ProviderError, Duration),
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let start = Instant::now();
    let mut n = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if worth_retrying(&e) && n < policy.attempts => {
                let wait = policy.delay(n, e.retry_after);
                if start.elapsed() + wait + policy.attempt > policy.budget {
                    return Err(e);
                }
                on_retry(&e, wait);
                tokio::time::sleep(wait).await;
                n += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            budget: Duration::from_secs(5),
            attempt: Duration::from_millis(10),
        }
    }

    #[tokio::test]
    async fn transient_is_retried_until_success() {
        let calls = Cell::new(0);
        let r = retry(
            fast(),
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    if n < 3 {
                        Err(ProviderError::new(
                            "cloudflare",
                            ErrorKind::Transient,
                            "503",
                        ))
                    } else {
                        Ok(n)
                    }
                }
            },
            |_, _| {},
        )
        .await;
        assert_eq!(r.unwrap(), 3);
    }

    #[tokio::test]
    async fn no_attempt_is_started_that_could_end_past_the_budget() {
        // Each attempt takes its whole time limit (a registrar that never answers): after
        // three the next one could not end within the budget, whatever the attempt count.
        let policy = RetryPolicy {
            attempts: 10,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            budget: Duration::from_millis(1000),
            attempt: Duration::from_millis(300),
        };
        let calls = Cell::new(0);
        let r: Result<(), _> = retry(
            policy,
            || {
                calls.set(calls.get() + 1);
                async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Err(ProviderError::new(
                        "cloudflare",
                        ErrorKind::Transient,
                        "timed out",
                    ))
                }
            },
            |_, _| {},
        )
        .await;
        assert!(r.is_err());
        assert!((1..=3).contains(&calls.get()), "{} attempts", calls.get());
    }

    #[tokio::test]
    async fn an_unreadable_answer_is_tried_again() {
        let calls = Cell::new(0);
        let r = retry(
            fast(),
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    if n == 1 {
                        Err(ProviderError::new(
                            "cloudflare",
                            ErrorKind::Protocol,
                            "HTTP 200 OK: the answer is not JSON: \"<html>\"",
                        ))
                    } else {
                        Ok(n)
                    }
                }
            },
            |_, _| {},
        )
        .await;
        assert_eq!(r.unwrap(), 2);
    }

    #[tokio::test]
    async fn permanent_is_not_retried() {
        let calls = Cell::new(0);
        let r: Result<(), _> = retry(
            fast(),
            || {
                calls.set(calls.get() + 1);
                async { Err(ProviderError::new("cloudflare", ErrorKind::Auth, "9109")) }
            },
            |_, _| {},
        )
        .await;
        assert!(r.is_err());
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test]
    async fn gives_up_after_the_attempts_and_respects_the_budget() {
        let calls = Cell::new(0);
        let r: Result<(), _> = retry(
            fast(),
            || {
                calls.set(calls.get() + 1);
                async { Err(ProviderError::new("godaddy", ErrorKind::Transient, "502")) }
            },
            |_, _| {},
        )
        .await;
        assert!(r.is_err());
        assert_eq!(calls.get(), 3);
        // A Retry-After beyond the budget is not waited for.
        calls.set(0);
        let r: Result<(), _> = retry(
            fast(),
            || {
                calls.set(calls.get() + 1);
                async {
                    Err(
                        ProviderError::new("cloudflare", ErrorKind::RateLimited, "971")
                            .with_retry_after(Some(Duration::from_secs(3600))),
                    )
                }
            },
            |_, _| {},
        )
        .await;
        assert!(r.is_err());
        assert_eq!(calls.get(), 1);
    }
}

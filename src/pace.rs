//! Pacing writes by each provider's request budget (Cloudflare 1,200 per 5 minutes,
//! GoDaddy 60 per minute, Alidns' per-second quota), so that a cycle with many changed
//! records waits instead of failing with 429s.

use mxddns_providers::RateLimit;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A sliding window of the requests one account made.
#[derive(Debug)]
pub struct Pacer {
    limit: RateLimit,
    sent: VecDeque<Instant>,
}

/// Requests kept in reserve below the limit (a write may take a few: list, then update).
const RESERVE: u32 = 3;

impl Pacer {
    pub fn new(limit: RateLimit) -> Pacer {
        Pacer {
            limit,
            sent: VecDeque::new(),
        }
    }

    /// How long to wait before a write may start at `now`.
    pub fn wait_at(&mut self, now: Instant) -> Duration {
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.limit.window)
        {
            self.sent.pop_front();
        }
        let budget = self.limit.requests.saturating_sub(RESERVE).max(1) as usize;
        if self.sent.len() < budget {
            return Duration::ZERO;
        }
        let oldest = self.sent[self.sent.len() - budget];
        (oldest + self.limit.window).saturating_duration_since(now)
    }

    /// Record that `n` requests were just made.
    pub fn record(&mut self, n: u64, now: Instant) {
        for _ in 0..n {
            self.sent.push_back(now);
        }
    }

    /// A rough duration for `writes` writes of about `per_write` requests each.
    pub fn estimate(&self, writes: usize, per_write: u32) -> Duration {
        let total = writes as u64 * u64::from(per_write);
        let budget = u64::from(self.limit.requests.saturating_sub(RESERVE).max(1));
        if total <= budget {
            return Duration::ZERO;
        }
        self.limit
            .window
            .saturating_mul(((total - 1) / budget) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_only_when_the_window_is_full() {
        let mut p = Pacer::new(RateLimit {
            requests: 10,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        assert_eq!(p.wait_at(t0), Duration::ZERO);
        p.record(7, t0);
        assert_eq!(
            p.wait_at(t0 + Duration::from_secs(1)),
            Duration::from_secs(59)
        );
        assert_eq!(
            p.wait_at(t0 + Duration::from_secs(60)),
            Duration::ZERO,
            "the window has moved on"
        );
    }

    #[test]
    fn estimates_whole_windows() {
        let p = Pacer::new(RateLimit {
            requests: 60,
            window: Duration::from_secs(60),
        });
        assert_eq!(p.estimate(10, 2), Duration::ZERO);
        assert_eq!(p.estimate(1000, 2), Duration::from_secs(60 * 35));
    }
}

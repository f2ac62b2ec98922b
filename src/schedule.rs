//! When the next cycle runs: a fixed interval, or the next time a cron expression fires.

use crate::config::Schedule;
use std::time::Duration;

/// How long to wait from now until the next cycle. `None`: the cron expression never
/// fires again (e.g. a fixed year in the past).
pub fn until_next(schedule: &Schedule) -> Option<Duration> {
    match schedule {
        Schedule::Every(d) => Some(*d),
        Schedule::Cron(expr, _) => {
            // Local time, as `validate` shows it and as crontab reads it.
            let now = chrono::Local::now();
            let next = expr.after(&now).next()?;
            Some((next - now).to_std().unwrap_or(Duration::ZERO))
        }
    }
}

/// Exponential backoff for cycles after a permanent provider failure: 2 × the schedule's
/// interval per consecutive failure, capped at 6 hours, so that a revoked token does not
/// cost one failing API call every five minutes forever.
pub fn failure_backoff(consecutive_failures: u32, base: Duration) -> Duration {
    let cap = Duration::from_secs(6 * 3600);
    let factor = 1u32
        .checked_shl(consecutive_failures.min(16))
        .unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn interval_and_cron() {
        assert_eq!(
            until_next(&Schedule::Every(Duration::from_secs(300))),
            Some(Duration::from_secs(300))
        );
        let every_second = cron::Schedule::from_str("* * * * * *").unwrap();
        let d = until_next(&Schedule::Cron(
            Box::new(every_second),
            "* * * * * *".into(),
        ))
        .unwrap();
        assert!(d <= Duration::from_secs(1));
        let past = cron::Schedule::from_str("0 0 0 1 1 * 2001").unwrap();
        assert_eq!(
            until_next(&Schedule::Cron(Box::new(past), String::new())),
            None
        );
    }

    #[test]
    fn backoff_grows_and_caps() {
        let base = Duration::from_secs(300);
        assert_eq!(failure_backoff(1, base), Duration::from_secs(600));
        assert_eq!(failure_backoff(2, base), Duration::from_secs(1200));
        assert_eq!(failure_backoff(40, base), Duration::from_secs(6 * 3600));
    }
}

//! `schedule:` — a duration (`30s`, `5m`, `1h`) or a cron expression.
//!
//! The `cron` crate reads 6 or 7 fields with seconds first (`0 */5 * * * *`). The classic
//! 5-field crontab form (`*/5 * * * *`) is accepted too and read with `0 ` put in front
//! (at second 0). Its day-of-week numbers would mean something else (crontab counts
//! Sunday as 0, the crate as 1), so numbers there are refused in favour of names.
//! Cron times are taken in local time, as crond does.

use super::Schedule;
use chrono::{DateTime, TimeZone};
use std::str::FromStr;
use std::time::Duration;

/// `schedule:` when the key is absent.
pub(crate) const DEFAULT: Duration = Duration::from_secs(5 * 60);

/// Shorter schedules ask the IP sources and DNS more often than any ISP changes
/// addresses (an unchanged cycle makes no registrar API call, so the registrar is not
/// the one hammered): allowed, with a warning; cron schedules must respect it.
pub(crate) const MINIMUM: Duration = Duration::from_secs(30);

/// A warning for an interval schedule shorter than [`MINIMUM`].
pub(crate) fn short_warning(schedule: &Schedule) -> Option<String> {
    match schedule {
        Schedule::Every(d) if *d < MINIMUM => {
            Some(rust_i18n::t!("cfg.schedule", v1 = humantime::format_duration(*d)).into_owned())
        }
        _ => None,
    }
}

/// How many upcoming runs of a cron schedule are checked against [`MINIMUM`].
const RUNS_CHECKED: usize = 100;

/// Parse `schedule:`.
pub(crate) fn parse(text: &str) -> Result<Schedule, String> {
    let text = text.trim();
    match humantime::parse_duration(text) {
        Ok(d) if d < Duration::from_secs(1) => {
            return Err(rust_i18n::t!("cfg.schedule.2", text = text).into_owned())
        }
        Ok(d) => return Ok(Schedule::Every(d)),
        Err(_) => {}
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    if !(5..=7).contains(&fields.len()) {
        return Err(rust_i18n::t!("cfg.schedule.3", text = text).into_owned());
    }
    let expression = if fields.len() == 5 {
        if fields[4].chars().any(|c| c.is_ascii_digit()) {
            return Err(rust_i18n::t!("cfg.schedule.4", text = text).into_owned());
        }
        format!("0 {}", fields.join(" "))
    } else {
        fields.join(" ")
    };
    let schedule = cron::Schedule::from_str(&expression)
        .map_err(|e| rust_i18n::t!("cfg.schedule.5", text = text, e = e).into_owned())?;
    check_gaps(&schedule, chrono::Local::now(), text)?;
    Ok(Schedule::Cron(Box::new(schedule), text.to_string()))
}

/// Refuse a cron schedule that never runs, or runs twice within [`MINIMUM`].
fn check_gaps<Z: TimeZone>(
    schedule: &cron::Schedule,
    from: DateTime<Z>,
    text: &str,
) -> Result<(), String> {
    let runs: Vec<DateTime<Z>> = schedule.after(&from).take(RUNS_CHECKED).collect();
    if runs.is_empty() {
        return Err(rust_i18n::t!("cfg.schedule.6", text = text).into_owned());
    }
    let too_close = runs.windows(2).any(|w| {
        (w[1].clone() - w[0].clone())
            .to_std()
            .is_ok_and(|gap| gap < MINIMUM)
    });
    if too_close {
        return Err(rust_i18n::t!("cfg.schedule.7", text = text).into_owned());
    }
    Ok(())
}

/// Whether a cron schedule's text is the classic 5-field form (read with `0 ` in front).
pub(crate) fn is_classic(text: &str) -> bool {
    text.split_whitespace().count() == 5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(text: &str) -> Duration {
        match parse(text) {
            Ok(Schedule::Every(d)) => d,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn cron_source(text: &str) -> String {
        match parse(text) {
            Ok(Schedule::Cron(s, t)) => {
                assert_eq!(t, text.trim());
                s.source().to_string()
            }
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn durations() {
        assert_eq!(every("5m"), Duration::from_secs(300));
        assert_eq!(every("30s"), Duration::from_secs(30));
        assert_eq!(every("1h 30m"), Duration::from_secs(5400));
        assert!(short_warning(&parse("29s").unwrap()).is_some());
        assert!(short_warning(&parse("30s").unwrap()).is_none());
        assert!(parse("0s").unwrap_err().contains("too short"));
    }

    #[test]
    fn cron_forms() {
        assert_eq!(cron_source("0 */5 * * * *"), "0 */5 * * * *");
        assert_eq!(cron_source("0 0 3 * * * 2099"), "0 0 3 * * * 2099");
        assert_eq!(cron_source("*/5 * * * *"), "0 */5 * * * *");
        assert_eq!(cron_source("0 3 * * MON-FRI"), "0 0 3 * * MON-FRI");
        assert!(is_classic("*/5 * * * *"));
        assert!(!is_classic("0 */5 * * * *"));
    }

    #[test]
    fn cron_refusals() {
        let cases = [
            ("* * * * * *", "more often than every 30s"),
            ("*/10 * * * * *", "more often than every 30s"),
            ("0 0 3 * * 1-5 2000", "never runs"),
            ("0 3 * * 1-5", "day-of-week numbers"),
            ("0 */5 * * * * * *", "neither a duration"),
            ("0 */5 * * x *", "not a valid cron expression"),
            ("5 minutes please", "neither a duration"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}

//! Timestamps as the vendor APIs print them.

use std::time::{SystemTime, UNIX_EPOCH};

/// RFC 3339 UTC with microseconds, e.g. `2025-08-27T20:36:17.634961Z` (Cloudflare's form).
pub fn rfc3339_micros(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// RFC 3339 UTC without fractions, e.g. `2025-08-27T20:36:17Z` (Alidns' form).
pub fn rfc3339_secs(t: SystemTime) -> String {
    let s = rfc3339_micros(t);
    format!("{}Z", &s[..19])
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats() {
        let t = UNIX_EPOCH + Duration::from_micros(1_756_326_977_634_961);
        assert_eq!(rfc3339_micros(t), "2025-08-27T20:36:17.634961Z");
        assert_eq!(rfc3339_secs(t), "2025-08-27T20:36:17Z");
        assert_eq!(rfc3339_micros(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339_secs(leap), "2000-02-29T00:00:00Z");
    }
}

//! `/metrics`: the status in the Prometheus text exposition format (version 0.0.4).

use super::Status;
use crate::detect::Family;
use std::fmt::Write as _;

/// The Content-Type of [`metrics`]' text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Writes metric families: `# HELP`, `# TYPE`, then samples.
struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        // Writing to a String cannot fail.
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                self.0.push_str(k);
                self.0.push_str("=\"");
                escape_label(&mut self.0, v);
                self.0.push('"');
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }
}

/// A label value: backslash, double quote and line feed escaped.
fn escape_label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn family_label(f: Family) -> &'static str {
    match f {
        Family::V4 => "ipv4",
        Family::V6 => "ipv6",
    }
}

/// The metrics of `s`.
pub fn metrics(s: &Status) -> String {
    let mut o = Out(String::with_capacity(2048));
    o.family("mxddns_build_info", "gauge", "The running mxddns version.");
    o.sample(
        "mxddns_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1,
    );
    o.family(
        "mxddns_start_time_seconds",
        "gauge",
        "When the agent started, in unix seconds.",
    );
    o.sample("mxddns_start_time_seconds", &[], s.started_unix);

    o.family(
        "mxddns_address_info",
        "gauge",
        "The public address the IP sources last agreed on, per family.",
    );
    for (f, a) in &s.addresses {
        o.sample(
            "mxddns_address_info",
            &[("family", family_label(*f)), ("address", a)],
            1,
        );
    }

    o.family(
        "mxddns_last_success_timestamp_seconds",
        "gauge",
        "End of the last cycle in which every domain succeeded, in unix seconds.",
    );
    if let Some(t) = s.last_success {
        o.sample("mxddns_last_success_timestamp_seconds", &[], t);
    }
    o.family(
        "mxddns_cycles_total",
        "counter",
        "Cycles run since the start, by result.",
    );
    o.sample("mxddns_cycles_total", &[("result", "success")], s.cycles_ok);
    o.sample(
        "mxddns_cycles_total",
        &[("result", "failure")],
        s.cycles_failed,
    );
    o.family(
        "mxddns_consecutive_failed_cycles",
        "gauge",
        "Failed cycles since the last successful one.",
    );
    o.sample(
        "mxddns_consecutive_failed_cycles",
        &[],
        s.consecutive_failures,
    );
    o.family(
        "mxddns_records_updated_total",
        "counter",
        "Records updated or created at the providers since the start.",
    );
    o.sample("mxddns_records_updated_total", &[], s.records_updated);

    o.family(
        "mxddns_api_requests_total",
        "counter",
        "Requests to the provider APIs, per account.",
    );
    for a in &s.accounts {
        o.sample(
            "mxddns_api_requests_total",
            &[("account", &a.name), ("provider", a.kind)],
            a.requests(),
        );
    }
    o.family(
        "mxddns_api_failures_total",
        "counter",
        "Provider API requests that failed (transport errors and non-2xx answers), per account.",
    );
    for a in &s.accounts {
        o.sample(
            "mxddns_api_failures_total",
            &[("account", &a.name), ("provider", a.kind)],
            a.failures(),
        );
    }

    o.family(
        "mxddns_domain_last_success_timestamp_seconds",
        "gauge",
        "When the domain's records last held (or were set to) the address and verified, in unix seconds.",
    );
    for (d, st) in &s.domains {
        if let Some(t) = st.last_success {
            o.sample(
                "mxddns_domain_last_success_timestamp_seconds",
                &[("domain", d)],
                t,
            );
        }
    }
    o.family(
        "mxddns_domain_last_change_timestamp_seconds",
        "gauge",
        "When mxddns last changed the domain's records, in unix seconds.",
    );
    for (d, st) in &s.domains {
        if let Some(t) = st.last_change {
            o.sample(
                "mxddns_domain_last_change_timestamp_seconds",
                &[("domain", d)],
                t,
            );
        }
    }
    o.family(
        "mxddns_domain_consecutive_failures",
        "gauge",
        "Failed cycles of the domain since its last success.",
    );
    for (d, st) in &s.domains {
        o.sample(
            "mxddns_domain_consecutive_failures",
            &[("domain", d)],
            st.consecutive_failures,
        );
    }
    o.family(
        "mxddns_verify_duration_seconds",
        "gauge",
        "How long the domain's last verification took, in seconds.",
    );
    for (d, st) in &s.domains {
        if let Some((secs, _)) = st.verify {
            o.sample(
                "mxddns_verify_duration_seconds",
                &[("domain", d)],
                format_args!("{secs:.3}"),
            );
        }
    }
    o.family(
        "mxddns_verify_success",
        "gauge",
        "Whether the domain's last verification passed (1) or timed out (0).",
    );
    for (d, st) in &s.domains {
        if let Some((_, ok)) = st.verify {
            o.sample("mxddns_verify_success", &[("domain", d)], u8::from(ok));
        }
    }

    o.family(
        "mxddns_notifications_total",
        "counter",
        "Webhook notifications since the start, by result.",
    );
    o.sample(
        "mxddns_notifications_total",
        &[("result", "sent")],
        s.notifications_sent,
    );
    o.sample(
        "mxddns_notifications_total",
        &[("result", "failed")],
        s.notifications_failed,
    );
    o.0
}

#[cfg(test)]
mod tests {
    use super::super::{AccountCounters, DomainStatus, Status};
    use super::*;
    use mxddns_providers::ApiCounters;
    use std::collections::BTreeMap;
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn status() -> Status {
        let counters = Arc::new(ApiCounters::default());
        counters.requests.store(5, Ordering::Relaxed);
        counters.failures.store(1, Ordering::Relaxed);
        let mut domains = BTreeMap::new();
        domains.insert(
            "example.com".to_string(),
            DomainStatus {
                last_success: Some(1_700_000_300),
                last_change: Some(1_700_000_200),
                consecutive_failures: 0,
                verify: Some((1.25, true)),
                ..DomainStatus::default()
            },
        );
        domains.insert("quo\"te.example".to_string(), DomainStatus::default());
        let mut addresses = BTreeMap::new();
        addresses.insert(Family::V4, "203.0.113.20".to_string());
        addresses.insert(Family::V6, "2001:db8::1".to_string());
        Status {
            started_unix: 1_700_000_000,
            started: Instant::now(),
            busy_limit: Duration::from_secs(600),
            cycle_started: None,
            last_cycle: None,
            last_success: Some(1_700_000_300),
            consecutive_failures: 0,
            cycles_ok: 3,
            cycles_failed: 1,
            records_updated: 2,
            addresses,
            domains,
            accounts: vec![AccountCounters {
                name: "home-cf".into(),
                kind: "cloudflare",
                counters,
                carried_requests: 10,
                carried_failures: 0,
            }],
            notifications_sent: 4,
            notifications_failed: 1,
            ..Status::blank(1_700_000_000)
        }
    }

    #[test]
    fn every_metric_is_there() {
        let text = metrics(&status());
        for line in [
            format!(
                "mxddns_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            ),
            "mxddns_start_time_seconds 1700000000".into(),
            "mxddns_address_info{family=\"ipv4\",address=\"203.0.113.20\"} 1".into(),
            "mxddns_address_info{family=\"ipv6\",address=\"2001:db8::1\"} 1".into(),
            "mxddns_last_success_timestamp_seconds 1700000300".into(),
            "mxddns_cycles_total{result=\"success\"} 3".into(),
            "mxddns_cycles_total{result=\"failure\"} 1".into(),
            "mxddns_consecutive_failed_cycles 0".into(),
            "mxddns_records_updated_total 2".into(),
            "mxddns_api_requests_total{account=\"home-cf\",provider=\"cloudflare\"} 15".into(),
            "mxddns_api_failures_total{account=\"home-cf\",provider=\"cloudflare\"} 1".into(),
            "mxddns_domain_last_success_timestamp_seconds{domain=\"example.com\"} 1700000300"
                .into(),
            "mxddns_domain_last_change_timestamp_seconds{domain=\"example.com\"} 1700000200".into(),
            "mxddns_domain_consecutive_failures{domain=\"quo\\\"te.example\"} 0".into(),
            "mxddns_verify_duration_seconds{domain=\"example.com\"} 1.250".into(),
            "mxddns_verify_success{domain=\"example.com\"} 1".into(),
            "mxddns_notifications_total{result=\"sent\"} 4".into(),
            "mxddns_notifications_total{result=\"failed\"} 1".into(),
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }

    #[test]
    fn the_format_is_well_formed() {
        let text = metrics(&status());
        assert!(text.ends_with('\n'));
        let mut typed = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(matches!(kind, "gauge" | "counter"), "{line}");
                assert!(kind != "counter" || name.ends_with("_total"), "{line}");
                assert!(!typed.contains(&name), "{name} typed twice");
                typed.push(name);
            } else if !line.starts_with("# HELP ") {
                // A sample: its family was typed before it, and its value is a number.
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(typed.last(), Some(&name), "{line}");
                let value = line.rsplit(' ').next().unwrap();
                assert!(value.parse::<f64>().is_ok(), "{line}");
            }
        }
    }

    #[test]
    fn unknown_values_are_left_out() {
        let mut s = status();
        s.last_success = None;
        s.addresses.clear();
        s.domains.clear();
        let text = metrics(&s);
        assert!(!text.contains("\nmxddns_last_success_timestamp_seconds "));
        assert!(!text.contains("\nmxddns_address_info{"));
        assert!(!text.contains("\nmxddns_verify_duration_seconds{"));
    }
}

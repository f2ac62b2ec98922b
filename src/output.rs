//! Messages for people: one line per record after a cycle, problems on stderr. These are
//! not log lines; logs go through `tracing` to stderr.

use crate::cycle::{CycleReport, DomainReport, Outcome};
use crate::detect::Family;

/// The summary lines of a cycle (stdout) and the problem lines (stderr).
pub struct Summary {
    pub lines: Vec<String>,
    pub problems: Vec<String>,
}

pub fn summarize(report: &CycleReport, dry_run: bool) -> Summary {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for d in &report.detections {
        if let Ok(ip) = &d.result {
            lines.push(format!("address: {ip}"));
        }
    }
    for d in &report.domains {
        domain_lines(d, dry_run, &mut lines, &mut problems);
    }
    if let Some(e) = &report.state_error {
        problems.push(format!("warning: {e}"));
    }
    if let Some(line) = served_line(report) {
        lines.push(line);
    }
    lines.push(format!(
        "cycle: {} domain(s), {} API request(s), {:.1} s",
        report.domains.len(),
        report.api_requests,
        report.elapsed.as_secs_f64()
    ));
    Summary { lines, problems }
}

fn domain_lines(
    d: &DomainReport,
    dry_run: bool,
    lines: &mut Vec<String>,
    problems: &mut Vec<String>,
) {
    let dom = &d.domain;
    for n in &d.notices {
        lines.push(format!("{dom}: note: {n}"));
    }
    for w in &d.warnings {
        problems.push(format!("warning: {dom}: {w}"));
    }
    for u in &d.unserved {
        let (word, key) = match u.family {
            Family::V4 => ("IPv4", "ipv4"),
            Family::V6 => ("IPv6", "ipv6"),
        };
        if u.best_effort {
            lines.push(format!(
                "{dom}: note: {word} not served ({key}: best-effort): {}",
                u.why
            ));
        } else if d.error.is_none() {
            problems.push(format!(
                "error: {dom}: {} — its {} record was not updated; to keep the other family current when this happens, set `{key}: best-effort` for this domain (or `{key}: off`)",
                u.why,
                if u.family == Family::V4 { "A" } else { "AAAA" }
            ));
        }
    }
    if let Some(e) = &d.error {
        problems.push(format!("error: {dom}: {e}"));
        return;
    }
    let servers = plural(d.servers, "authoritative server");
    for r in &d.records {
        let old = if r.old.is_empty() {
            "(none)".to_string()
        } else {
            r.old.join(",")
        };
        let what = format!("{} {}", r.name, r.rtype);
        match &r.outcome {
            Outcome::Current => lines.push(format!(
                "{dom}: {what} {} is current at {servers}; no API call",
                r.new
            )),
            Outcome::Updated => lines.push(format!(
                "{dom}: {what} {old} -> {} updated at {}",
                r.new, r.provider
            )),
            Outcome::Created => {
                lines.push(format!("{dom}: {what} {} created at {}", r.new, r.provider))
            }
            Outcome::Shared => lines.push(format!(
                "{dom}: {what} {old} -> {} (same record as above, written once)",
                r.new
            )),
            Outcome::WouldWrite => lines.push(format!(
                "{dom}: {what} {old} -> {} would be written at {}{}",
                r.new,
                r.provider,
                if dry_run {
                    " (dry run: nothing changed)"
                } else {
                    ""
                }
            )),
            Outcome::Failed(f) => problems.push(format!("error: {dom}: {what}: {}", f.message)),
        }
    }
    if let Some(v) = &d.verify {
        if v.ok {
            lines.push(format!(
                "{dom}: verified MX {} in {:.1} s at {}/{} authoritative server(s)",
                d.host.as_deref().unwrap_or("?"),
                v.elapsed.as_secs_f64(),
                v.servers_ok,
                v.servers_total
            ));
        } else {
            problems.push(format!(
                "error: {dom}: verification failed after {:.0} s ({}/{} servers agree): {}",
                v.elapsed.as_secs_f64(),
                v.servers_ok,
                v.servers_total,
                v.detail
            ));
        }
    }
}

/// `served: IPv4 and IPv6`, `served: IPv6 only (IPv4 not served)`: which address families
/// were kept current by the domains that succeeded. Only when some family was not served,
/// or only one is managed, so that a dual-stack cycle keeps its short summary.
fn served_line(report: &CycleReport) -> Option<String> {
    let word = |f: Family| match f {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    };
    let mut served: Vec<Family> = Vec::new();
    let mut missed: Vec<Family> = Vec::new();
    for d in &report.domains {
        if d.ok() {
            served.extend(d.served.iter().copied());
        }
        missed.extend(d.unserved.iter().map(|u| u.family));
    }
    served.sort();
    served.dedup();
    missed.sort();
    missed.dedup();
    missed.retain(|f| !served.contains(f));
    if missed.is_empty() {
        return None;
    }
    let missed: Vec<&str> = missed.iter().map(|f| word(*f)).collect();
    Some(match served.as_slice() {
        [] => format!("served: none ({} not served)", missed.join(", ")),
        list => format!(
            "served: {} only ({} not served)",
            list.iter()
                .map(|f| word(*f))
                .collect::<Vec<_>>()
                .join(" and "),
            missed.join(", ")
        ),
    })
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

//! Messages for people: one line per record after a cycle, problems on stderr. These are
//! not log lines; logs go through `tracing` to stderr. In the process's language
//! (`locales/summary.yml`); the texts that come from the cycle (a registrar's advice, a
//! verification's detail) are quoted as they are.

use crate::cycle::{CycleReport, DomainReport, Outcome};
use crate::detect::Family;
use rust_i18n::t;

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
            lines.push(t!("summary.address", ip = ip).into_owned());
        }
    }
    for d in &report.domains {
        domain_lines(d, dry_run, &mut lines, &mut problems);
    }
    if let Some(e) = &report.state_error {
        problems.push(t!("summary.warning", text = e).into_owned());
    }
    if let Some(line) = served_line(report) {
        lines.push(line);
    }
    lines.push(
        t!(
            "summary.cycle",
            domains = report.domains.len(),
            requests = report.api_requests,
            secs = format!("{:.1}", report.elapsed.as_secs_f64())
        )
        .into_owned(),
    );
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
        lines.push(t!("summary.note", domain = dom, text = n).into_owned());
    }
    for w in &d.warnings {
        problems.push(t!("summary.warning", text = format!("{dom}: {w}")).into_owned());
    }
    for u in &d.unserved {
        let (word, key) = match u.family {
            Family::V4 => ("IPv4", "ipv4"),
            Family::V6 => ("IPv6", "ipv6"),
        };
        if u.best_effort {
            let text = rust_i18n::t!("ui.output", word = word, key = key, v1 = u.why).into_owned();
            lines.push(t!("summary.note", domain = dom, text = text).into_owned());
        } else if d.error.is_none() {
            let text = rust_i18n::t!(
                "ui.output.2",
                dom = dom,
                v1 = u.why,
                v2 = if u.family == Family::V4 { "A" } else { "AAAA" },
                key = key
            )
            .into_owned();
            problems.push(t!("summary.error", text = text).into_owned());
        }
    }
    if let Some(e) = &d.error {
        problems.push(t!("summary.error", text = format!("{dom}: {e}")).into_owned());
        return;
    }
    let servers = if d.servers == 1 {
        t!("summary.servers_one")
    } else {
        t!("summary.servers_many", n = d.servers)
    };
    for r in &d.records {
        let old = if r.old.is_empty() {
            t!("summary.none").into_owned()
        } else {
            r.old.join(",")
        };
        let what = format!("{} {}", r.name, r.rtype);
        let (new, at) = (&r.new, &r.provider);
        let line = |key: &str| -> String {
            // One place for the arguments every record line may use.
            match key {
                "current" => t!(
                    "summary.current",
                    domain = dom,
                    what = what,
                    new = new,
                    servers = servers
                ),
                "updated" => t!(
                    "summary.updated",
                    domain = dom,
                    what = what,
                    old = old,
                    new = new,
                    at = at
                ),
                "created" => t!(
                    "summary.created",
                    domain = dom,
                    what = what,
                    new = new,
                    at = at
                ),
                "shared" => t!(
                    "summary.shared",
                    domain = dom,
                    what = what,
                    old = old,
                    new = new
                ),
                "dry_run" => t!(
                    "summary.would_write_dry_run",
                    domain = dom,
                    what = what,
                    old = old,
                    new = new,
                    at = at
                ),
                _ => t!(
                    "summary.would_write",
                    domain = dom,
                    what = what,
                    old = old,
                    new = new,
                    at = at
                ),
            }
            .into_owned()
        };
        match &r.outcome {
            Outcome::Current => lines.push(line("current")),
            Outcome::Updated => lines.push(line("updated")),
            Outcome::Created => lines.push(line("created")),
            Outcome::Shared => lines.push(line("shared")),
            Outcome::WouldWrite if dry_run => lines.push(line("dry_run")),
            Outcome::WouldWrite => lines.push(line("would_write")),
            Outcome::Failed(f) => problems.push(
                t!(
                    "summary.error",
                    text = format!("{dom}: {what}: {}", f.message)
                )
                .into_owned(),
            ),
        }
    }
    if let Some(v) = &d.verify {
        if v.ok {
            lines.push(
                t!(
                    "summary.verified",
                    domain = dom,
                    host = d.host.as_deref().unwrap_or("?"),
                    secs = format!("{:.1}", v.elapsed.as_secs_f64()),
                    ok = v.servers_ok,
                    total = v.servers_total
                )
                .into_owned(),
            );
        } else {
            let failed = t!(
                "summary.verify_failed",
                domain = dom,
                secs = format!("{:.0}", v.elapsed.as_secs_f64()),
                ok = v.servers_ok,
                total = v.servers_total,
                detail = v.detail
            );
            problems.push(t!("summary.error", text = failed).into_owned());
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
        [] => rust_i18n::t!("ui.output.3", v1 = missed.join(", ")).into_owned(),
        list => rust_i18n::t!(
            "ui.output.4",
            v1 = list
                .iter()
                .map(|f| word(*f))
                .collect::<Vec<_>>()
                .join(" and "),
            v2 = missed.join(", ")
        )
        .into_owned(),
    })
}

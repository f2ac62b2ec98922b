//! The status page at `/`: what a person running the NAS wants to see at a glance —
//! whether mail can reach this network, the address and since when, each domain's
//! records, its last change and how it was proved, the last cycle and the next one, the
//! last `check` report with its fixes, and the recent address changes.
//!
//! Read-only (no form, no button), server-rendered, inline CSS, no script; it refreshes
//! itself with a `<meta http-equiv="refresh">`. Every value is written through maud's
//! `(…)`, which HTML-escapes it: record contents and registrar error texts come from
//! outside and are never markup. In English or Simplified Chinese ([`Lang`]).
//!
//! Kept in a module of its own so that a build without the page needs one `#[cfg]`.

use super::{DomainStatus, Status};
use crate::check::{Finding, Severity};
use crate::detect::Family;
use crate::i18n::Lang;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use rust_i18n::t;

/// Seconds between the page's own refreshes.
pub const REFRESH_SECS: u32 = 30;

/// The content type of the page.
pub const CONTENT_TYPE: &str = "text/html; charset=utf-8";

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;padding:0 .75rem 2rem;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif;color:#1d2330;background:#f4f5f7}\
main{max-width:56rem;margin:0 auto}\
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem;padding:.75rem 0}\
h1{font-size:1.3rem;margin:0}h2{font-size:1.15rem;margin:0 0 .5rem;overflow-wrap:anywhere}h3{font-size:1rem;margin:1rem 0 .4rem}\
nav a{margin-left:.6rem;color:#1f5fbf}\
.card{background:#fff;border-radius:.6rem;padding:.9rem 1rem;margin:.75rem 0;box-shadow:0 1px 2px #0002}\
.verdict{font-size:1.15rem;font-weight:600;border-left:.4rem solid #2e7d32}\
.verdict.bad{border-color:#c62828}.verdict.wait{border-color:#9e9e9e}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .9rem;margin:.4rem 0}dt{color:#5b6475}dd{margin:0;overflow-wrap:anywhere}\
table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e3e6eb;vertical-align:top}\
td{overflow-wrap:anywhere;word-break:break-word}th{color:#5b6475;font-weight:500;white-space:nowrap}td.t{white-space:nowrap;word-break:normal}\
code{font:.9em ui-monospace,Menlo,Consolas,monospace}\
.badge{display:inline-block;min-width:4.2em;text-align:center;padding:.05rem .45rem;border-radius:.8rem;font-size:.8rem;font-weight:600;color:#fff;background:#9e9e9e;margin-right:.4rem}\
.ok{background:#2e7d32}.info{background:#1565c0}.warn{background:#ef6c00}.error{background:#c62828}\
ul.findings{list-style:none;padding:0;margin:0}ul.findings li{padding:.4rem 0;border-bottom:1px solid #eef0f3;overflow-wrap:anywhere}\
.fix{margin:.2rem 0 0 .2rem;color:#3d4656}.muted{color:#6b7385;font-size:.9rem}.err{color:#b71c1c;overflow-wrap:anywhere}\
footer{margin-top:1rem;color:#6b7385;font-size:.85rem}\
@media (max-width:30rem){dl{grid-template-columns:1fr}dt{margin-top:.3rem}body{font-size:15px}}";

/// The page for `status` at `now` (unix seconds), in `lang`.
pub fn render(status: &Status, lang: Lang, now: i64) -> String {
    let l = lang.code();
    let page = html! {
        (DOCTYPE)
        html lang=(l) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="refresh" content=(REFRESH_SECS);
                title { (t!("page.title", locale = l)) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    header {
                        h1 { (t!("page.title", locale = l)) }
                        nav {
                            a href="?lang=en" hreflang="en" lang="en" { "English" }
                            a href="?lang=zh-CN" hreflang="zh-CN" lang="zh-CN" { "中文" }
                        }
                    }
                    (overview(status, lang, now))
                    @if status.domains.is_empty() {
                        section.card { p { (t!("page.no_domains", locale = l)) } }
                    }
                    @for (name, d) in &status.domains {
                        (domain(status, name, d, lang, now))
                    }
                    (history(status, lang, now))
                    footer {
                        p { (t!("page.refresh_note", locale = l, secs = REFRESH_SECS)) }
                        p { (t!("page.footer", locale = l, when = when(now, lang, now))) }
                    }
                }
            }
        }
    };
    page.into_string()
}

/// Whether the check report has an error-level finding.
fn check_errors(status: &Status) -> usize {
    status
        .check
        .as_ref()
        .map(|c| c.domains.iter().map(|d| d.count(Severity::Error)).sum())
        .unwrap_or(0)
}

/// The verdict, the address and the cycles.
fn overview(status: &Status, lang: Lang, now: i64) -> Markup {
    let l = lang.code();
    let (class, verdict) = match &status.last_cycle {
        None => ("wait", t!("page.verdict.starting", locale = l)),
        Some(c) if !c.ok => ("bad", t!("page.verdict.failing", locale = l)),
        Some(_) if check_errors(status) > 0 => ("bad", t!("page.verdict.check_errors", locale = l)),
        Some(_) => ("", t!("page.verdict.ok", locale = l)),
    };
    html! {
        section.card.verdict.(class) { (verdict) }
        section.card {
            dl {
                dt { (t!("page.address", locale = l)) }
                dd {
                    @if status.addresses.is_empty() {
                        (t!("page.address_none", locale = l))
                    }
                    @for (family, addr) in &status.addresses {
                        div {
                            code { (addr) }
                            @if let Some(at) = since(status, *family, addr) {
                                " " span.muted { (t!("page.since", locale = l, when = when(at, lang, now))) }
                            }
                        }
                    }
                }
                dt { (t!("page.last_cycle", locale = l)) }
                dd {
                    @match &status.last_cycle {
                        None => { (t!("page.never", locale = l)) }
                        Some(c) => {
                            @if c.ok {
                                span.badge.ok { (t!("page.cycle_ok", locale = l)) }
                            } @else {
                                span.badge.error { (t!("page.cycle_failed", locale = l)) }
                            }
                            (when(c.at, lang, now))
                            @if let Some(e) = &c.error {
                                div.err { (e) }
                            }
                        }
                    }
                }
                dt { (t!("page.next_cycle", locale = l)) }
                dd {
                    @if status.cycle_started.is_some() {
                        (t!("page.cycle_running", locale = l))
                    } @else if let Some(at) = status.next_cycle {
                        (when(at, lang, now))
                    } @else {
                        "—"
                    }
                }
            }
        }
    }
}

/// When this network got `addr`: the last change to it in the history.
fn since(status: &Status, family: Family, addr: &str) -> Option<i64> {
    let key = match family {
        Family::V4 => "v4",
        Family::V6 => "v6",
    };
    status
        .changes
        .iter()
        .rev()
        .find(|c| c.family == key && c.to == addr)
        .map(|c| c.at)
}

/// One domain: its state, records, last change and check findings.
fn domain(status: &Status, name: &str, d: &DomainStatus, lang: Lang, now: i64) -> Markup {
    let l = lang.code();
    let (class, state) = if d.consecutive_failures > 0 {
        (
            "error",
            t!(
                "page.domain_failing",
                locale = l,
                n = d.consecutive_failures
            ),
        )
    } else if d.last_success.is_some() {
        ("ok", t!("page.domain_ok", locale = l))
    } else {
        ("", t!("page.domain_unknown", locale = l))
    };
    let check = status.check.as_ref().and_then(|c| {
        c.domains
            .iter()
            .find(|x| same(&x.domain, name))
            .map(|x| (c.at, x))
    });
    html! {
        section.card {
            h2 { span.badge.(class) { (state) } (name) }
            dl {
                @if let Some(h) = &d.host {
                    dt { (t!("page.mx_host", locale = l)) }
                    dd { code { (h) } }
                }
                dt { (t!("page.last_change", locale = l)) }
                dd {
                    @match d.last_change {
                        None => { (t!("page.never", locale = l)) }
                        Some(at) => {
                            (when(at, lang, now))
                            div.muted {
                                @match (d.last_verified, d.verify_ms) {
                                    (Some(v), Some(ms)) => {
                                        (t!("page.verified", locale = l, when = when(v, lang, now), secs = format!("{:.1}", ms as f64 / 1000.0)))
                                    }
                                    _ => { (t!("page.not_verified", locale = l)) }
                                }
                            }
                        }
                    }
                }
                dt { (t!("page.last_success", locale = l)) }
                dd {
                    @match d.last_success {
                        Some(at) => { (when(at, lang, now)) }
                        None => { (t!("page.never", locale = l)) }
                    }
                }
                @if d.consecutive_failures > 0 {
                    @if let Some(e) = &d.last_error {
                        dt { (t!("page.problem", locale = l)) }
                        dd.err { (e) }
                    }
                }
            }
            h3 { (t!("page.records", locale = l)) }
            @if d.records.is_empty() {
                p.muted { (t!("page.records_none", locale = l)) }
            } @else {
                table {
                    thead { tr {
                        th { (t!("page.col.name", locale = l)) }
                        th { (t!("page.col.type", locale = l)) }
                        th { (t!("page.col.value", locale = l)) }
                    } }
                    tbody {
                        @for r in &d.records {
                            tr { td { code { (r.name) } } td.t { (r.rtype) } td { code { (r.value) } } }
                        }
                    }
                }
            }
            h3 { (t!("page.check", locale = l)) }
            @match check {
                None => { p.muted { (t!("page.check_none", locale = l)) } }
                Some((at, c)) => {
                    p.muted {
                        (t!("page.check_at", locale = l, when = when(at, lang, now)))
                        " · "
                        (t!("page.check_summary", locale = l, errors = c.count(Severity::Error), warnings = c.count(Severity::Warn)))
                    }
                    ul.findings {
                        @for f in &c.findings {
                            (finding(f, lang))
                        }
                    }
                }
            }
        }
    }
}

fn finding(f: &Finding, lang: Lang) -> Markup {
    let l = lang.code();
    let (class, label) = match f.severity {
        Severity::Ok => ("ok", t!("page.level.ok", locale = l)),
        Severity::Info => ("info", t!("page.level.info", locale = l)),
        Severity::Warn => ("warn", t!("page.level.warn", locale = l)),
        Severity::Error => ("error", t!("page.level.error", locale = l)),
    };
    html! {
        li {
            span.badge.(class) { (label) }
            (f.message)
            " " code.muted { "[" (f.check) "]" }
            @if let Some(fix) = &f.fix {
                div.fix { strong { (t!("page.fix", locale = l)) } " " (fix) }
            }
        }
    }
}

/// The recent address changes, newest first.
fn history(status: &Status, lang: Lang, now: i64) -> Markup {
    let l = lang.code();
    html! {
        section.card {
            h3 { (t!("page.history", locale = l)) }
            @if status.changes.is_empty() {
                p.muted { (t!("page.history_none", locale = l)) }
            } @else {
                table {
                    thead { tr {
                        th { (t!("page.col.when", locale = l)) }
                        th { (t!("page.col.family", locale = l)) }
                        th { (t!("page.col.from", locale = l)) }
                        th { (t!("page.col.to", locale = l)) }
                    } }
                    tbody {
                        @for c in status.changes.iter().rev() {
                            tr {
                                td { (when(c.at, lang, now)) }
                                td.t { @if c.family == "v6" { "IPv6" } @else { "IPv4" } }
                                td {
                                    @match &c.from {
                                        Some(f) => { code { (f) } }
                                        None => { span.muted { (t!("page.first_seen", locale = l)) } }
                                    }
                                }
                                td { code { (c.to) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `at` as local time with its offset, and how long ago (or ahead) it is from `now`.
fn when(at: i64, lang: Lang, now: i64) -> String {
    let l = lang.code();
    let abs = chrono::DateTime::from_timestamp(at, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string()
        })
        .unwrap_or_else(|| at.to_string());
    let d = now - at;
    let n = d.unsigned_abs();
    let rel = match (d >= 0, n) {
        (true, 0..60) => t!("page.ago.s", locale = l, n = n),
        (true, 60..3600) => t!("page.ago.m", locale = l, n = n / 60),
        (true, 3600..86400) => t!("page.ago.h", locale = l, n = n / 3600),
        (true, _) => t!("page.ago.d", locale = l, n = n / 86400),
        (false, 0..60) => t!("page.in.s", locale = l, n = n),
        (false, 60..3600) => t!("page.in.m", locale = l, n = n / 60),
        (false, 3600..86400) => t!("page.in.h", locale = l, n = n / 3600),
        (false, _) => t!("page.in.d", locale = l, n = n / 86400),
    };
    format!("{abs} ({rel})")
}

/// Two domain names are the same, ignoring case and a trailing dot.
fn same(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

#[cfg(test)]
mod tests;

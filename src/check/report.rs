//! The `check` report: readable text (one finding per line, its fix under it, a summary
//! line) or JSON (`{"domains":[…], "errors":N, "warnings":M}`).

use super::{list, DomainCheck, Severity};
use rust_i18n::t;
use serde::Serialize;
use std::fmt::Write;

/// The report for people: per domain, one line per finding with its severity, the fix
/// indented under each problem, and a last line "N errors, M warnings".
pub fn render_text(checks: &[DomainCheck]) -> String {
    let mut out = String::new();
    for (i, c) in checks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{}",
            t!(
                "check.heading",
                domain = c.domain,
                address = list(&c.address)
            )
        );
        for f in &c.findings {
            let _ = writeln!(
                out,
                "  {:<5}  {}  [{}]",
                label(f.severity),
                f.message,
                f.check
            );
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "         {}", t!("check.fix", fix = fix));
            }
        }
    }
    let (errors, warnings) = totals(checks);
    let errors = if errors == 1 {
        t!("check.errors_one")
    } else {
        t!("check.errors_many", n = errors)
    };
    let warnings = if warnings == 1 {
        t!("check.warnings_one")
    } else {
        t!("check.warnings_many", n = warnings)
    };
    let _ = writeln!(
        out,
        "\n{}",
        t!("check.totals", errors = errors, warnings = warnings)
    );
    out
}

/// The report for programs: `{"domains":[{"domain","address","findings":[{"severity",
/// "check","message","fix"}]}], "errors":N, "warnings":M}`.
pub fn render_json(checks: &[DomainCheck]) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        domains: &'a [DomainCheck],
        errors: usize,
        warnings: usize,
    }
    let (errors, warnings) = totals(checks);
    let report = Report {
        domains: checks,
        errors,
        warnings,
    };
    // Strings, numbers and addresses only: serialising cannot fail; should it ever, the
    // output is still a JSON object that says so.
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| {
        serde_json::json!({ "error": e.to_string(), "errors": errors, "warnings": warnings })
            .to_string()
    })
}

fn totals(checks: &[DomainCheck]) -> (usize, usize) {
    let count = |s: Severity| checks.iter().map(|c| c.count(s)).sum::<usize>();
    (count(Severity::Error), count(Severity::Warn))
}

fn label(s: Severity) -> std::borrow::Cow<'static, str> {
    match s {
        Severity::Ok => t!("check.label.ok"),
        Severity::Info => t!("check.label.info"),
        Severity::Warn => t!("check.label.warn"),
        Severity::Error => t!("check.label.error"),
    }
}

//! The `check` report: readable text (one finding per line, its fix under it, a summary
//! line) or JSON (`{"domains":[…], "errors":N, "warnings":M}`).

use super::{list, DomainCheck, Severity};
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
        let _ = writeln!(out, "{} (public address: {})", c.domain, list(&c.address));
        for f in &c.findings {
            let _ = writeln!(
                out,
                "  {:<5}  {}  [{}]",
                label(f.severity),
                f.message,
                f.check
            );
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "         fix: {fix}");
            }
        }
    }
    let (errors, warnings) = totals(checks);
    let _ = writeln!(
        out,
        "\n{errors} {}, {warnings} {}",
        plural(errors, "error"),
        plural(warnings, "warning")
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

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Ok => "ok",
        Severity::Info => "info",
        Severity::Warn => "WARN",
        Severity::Error => "ERROR",
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

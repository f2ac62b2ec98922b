//! `mxddns check`: a diagnosis of a mail domain's DNS that says why mail will or will
//! not arrive — MX, the MX host's addresses, reverse DNS, SPF, DMARC, DKIM, blocklists,
//! MTA-STS and TLS-RPT. Every problem comes with a concrete fix.
//!
//! Each area lives in its own file and turns DNS answers into [`Finding`]s; this file
//! runs them concurrently for one domain and holds the shared types. A failed look-up is
//! always a warning ("could not check …"), never a crash and never a false "ok".

mod apply_hint;
mod blocklist;
mod dkim;
mod dmarc;
mod mta_sts;
mod mx;
mod ports;
mod ptr;
mod report;
mod spf_eval;

#[cfg(test)]
mod tests;

pub use ports::KNOWN_PORTS;
pub use report::{render_json, render_text};

use crate::config::{Config, MailConfig};
use crate::dns::{join::join_all, names, Dns, DnsError};
use serde::Serialize;
use std::net::IpAddr;

/// The blocklist zones asked when none are configured.
pub const DEFAULT_BLOCKLISTS: &[&str] = &["zen.spamhaus.org"];

/// How bad a finding is. `Error` makes `check` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// This part works.
    Ok,
    /// Worth knowing; nothing to fix.
    Info,
    /// Mail may be delayed, refused by some receivers, or this part could not be checked.
    Warn,
    /// Mail will not arrive, or will be refused by many receivers.
    Error,
}

/// One result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable identifier of the check and outcome (`mx.cname`, `spf.lookups`), for
    /// scripts and tests.
    pub check: &'static str,
    /// What was found, in words.
    pub message: String,
    /// What to do about it; present on every warning and error.
    pub fix: Option<String>,
    /// `mxddns apply` fixes it: the domain's `mail:` block declares the record (JSON:
    /// `"apply": true`, absent otherwise).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub apply: bool,
}

impl Finding {
    /// Something that works.
    pub fn ok(check: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Ok,
            check,
            message: message.into(),
            fix: None,
            apply: false,
        }
    }

    /// Something worth knowing.
    pub fn info(check: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Info,
            check,
            message: message.into(),
            fix: None,
            apply: false,
        }
    }

    /// A problem that some receivers will trip over.
    pub fn warn(
        check: &'static str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            severity: Severity::Warn,
            check,
            message: message.into(),
            fix: Some(fix.into()),
            apply: false,
        }
    }

    /// A problem that stops mail.
    pub fn error(
        check: &'static str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            severity: Severity::Error,
            check,
            message: message.into(),
            fix: Some(fix.into()),
            apply: false,
        }
    }

    /// The same finding with a fix (for infos that suggest something).
    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }

    /// A look-up failed, so `what` is unknown: a warning, never an "ok". Its id ends in
    /// `.dns` (see [`Finding::is_inconclusive`]).
    pub fn could_not_check(check: &'static str, what: &str, e: &DnsError) -> Finding {
        let fix = if e.is_referral() {
            rust_i18n::t!("find.mod").into_owned()
        } else if e.is_refused() {
            rust_i18n::t!("find.mod.2").into_owned()
        } else {
            rust_i18n::t!("find.mod.3").into_owned()
        };
        Finding::warn(
            check,
            rust_i18n::t!("find.mod.4", what = what, e = e).into_owned(),
            fix,
        )
    }
}

impl Finding {
    /// A look-up gave no verdict (SERVFAIL, REFUSED, time-out, referral): the finding
    /// says "could not check". Such findings have ids ending in `.dns`.
    pub fn is_inconclusive(&self) -> bool {
        self.check.ends_with(".dns")
    }
}

/// Everything found for one domain.
#[derive(Debug, Clone, Serialize)]
pub struct DomainCheck {
    pub domain: String,
    /// The public addresses the checks were made against (may be empty).
    pub address: Vec<IpAddr>,
    pub findings: Vec<Finding>,
}

impl DomainCheck {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// What to check for one domain.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    /// The mail domain (the owner of the MX record).
    pub domain: &'a str,
    /// This network's public addresses, detected or given; may be empty, which skips the
    /// checks that need one.
    pub addrs: &'a [IpAddr],
    /// Whether mxddns manages AAAA records (IPv6 detection configured).
    pub ipv6_enabled: bool,
    /// DKIM selectors to look for.
    pub dkim_selectors: &'a [String],
    /// DNS blocklist zones to ask (see [`DEFAULT_BLOCKLISTS`]).
    pub blocklists: &'a [String],
    /// The port probe: off, or the ports and whether only this network's MX addresses.
    pub ports: Option<(&'a [u16], bool)>,
    /// The domain's `mail:` block, when it has one: findings that `mxddns apply` fixes
    /// say so.
    pub mail: Option<&'a MailConfig>,
}

/// `check --ports` / `--no-ports` / neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortsMode {
    /// Port 25 of the primary MX host when it points at this network (not for
    /// documentation addresses, which are examples rather than a network).
    Auto,
    /// No probe.
    Off,
    /// These ports (25 when empty) of the primary MX host, wherever it points.
    On(Vec<u16>),
}

/// Check one domain: every area at once, findings in a fixed order (MX and addresses,
/// reverse DNS, SPF, DMARC, DKIM, blocklists, MTA-STS / TLS-RPT).
pub async fn check_domain(dns: &Dns, input: &CheckInput<'_>) -> DomainCheck {
    let mut out = DomainCheck {
        domain: input.domain.to_string(),
        address: input.addrs.to_vec(),
        findings: Vec::new(),
    };
    let domain = match names::normalize(input.domain) {
        Ok(d) => d,
        Err(e) => {
            out.findings.push(Finding::error(
                "domain.invalid",
                e.to_string(),
                rust_i18n::t!("find.domain.invalid").into_owned(),
            ));
            return out;
        }
    };
    out.domain.clone_from(&domain);
    let input = CheckInput {
        domain: &domain,
        ..*input
    };
    let (mx, ptrs, spf, dmarc, dkim, blocklist, sts) = tokio::join!(
        mx::check(dns, &input),
        ptr::lookup(dns, input.addrs),
        spf_eval::check(dns, &domain, input.addrs),
        dmarc::check(dns, &domain),
        dkim::check(dns, &domain, input.dkim_selectors),
        blocklist::check(dns, input.addrs, input.blocklists),
        mta_sts::check(dns, &domain),
    );
    out.findings.extend(mx.findings);
    out.findings.extend(ptr::findings(
        &ptrs,
        &mx.hosts,
        &mx.canonical,
        &mx.resolved,
        &domain,
    ));
    out.findings.extend(spf);
    out.findings.extend(dmarc);
    out.findings.extend(dkim);
    out.findings.extend(blocklist);
    out.findings.extend(sts.sts);
    if let Some(policy) = &sts.policy {
        out.findings
            .extend(mta_sts::coverage(&domain, policy, &mx.hosts));
    }
    out.findings.push(sts.rpt);
    if let Some((ports, only_here)) = input.ports {
        let probe = ports::ProbeInput {
            domain: &domain,
            addrs: input.addrs,
            ports,
            only_here,
        };
        out.findings.extend(ports::probe(dns, &probe).await);
    }
    if let Some(mail) = input.mail {
        apply_hint::mark(&mut out.findings, mail, &domain);
    }
    out
}

/// Whether any domain has an error-level finding (`check` then exits 1).
pub fn has_errors(checks: &[DomainCheck]) -> bool {
    checks
        .iter()
        .any(|c| c.findings.iter().any(|f| f.severity == Severity::Error))
}

/// How `check` ends: exit 0, 1 or 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No error-level finding (exit 0).
    Clean,
    /// At least one error-level finding (exit 1).
    Errors,
    /// Most look-ups gave no verdict (exit 4): the report cannot be trusted either way.
    CouldNotCheck { failed: usize, total: usize },
}

impl Verdict {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Clean => 0,
            Verdict::Errors => 1,
            Verdict::CouldNotCheck { .. } => 4,
        }
    }
}

/// The verdict of a whole report: an error-level finding wins (it was seen for sure);
/// otherwise, when more than half of the findings are "could not check", the report is
/// no evidence of health.
pub fn verdict(checks: &[DomainCheck]) -> Verdict {
    if has_errors(checks) {
        return Verdict::Errors;
    }
    let total: usize = checks.iter().map(|c| c.findings.len()).sum();
    let failed: usize = checks
        .iter()
        .map(|c| c.findings.iter().filter(|f| f.is_inconclusive()).count())
        .sum();
    if total > 0 && failed * 2 > total {
        Verdict::CouldNotCheck { failed, total }
    } else {
        Verdict::Clean
    }
}

/// The whole `check` command once the addresses are known: the domain given with
/// `--domain` (its configured DKIM selectors when the configuration lists it), or every
/// configured domain. Returns the report (text or JSON) and its verdict.
pub async fn run(
    cfg: Option<&Config>,
    domain: Option<&str>,
    addrs: &[IpAddr],
    dns: &Dns,
    json: bool,
    ports: &PortsMode,
) -> (String, Verdict) {
    let ipv6_enabled = match cfg {
        Some(c) => c.detect.ipv6_enabled(),
        None => addrs.iter().any(IpAddr::is_ipv6),
    };
    let blocklists: Vec<String> = DEFAULT_BLOCKLISTS.iter().map(|s| s.to_string()).collect();
    let configured = cfg.map(|c| c.domains.as_slice()).unwrap_or_default();
    // Each domain with its DKIM selectors (the configured ones and those of its mail:
    // block) and its mail: block.
    let targets: Vec<(String, Vec<String>, Option<&MailConfig>)> = match domain {
        Some(d) => match configured.iter().find(|dc| same_name(&dc.domain, d)) {
            Some(dc) => vec![entry(dc, d.to_string())],
            None => vec![(d.to_string(), Vec::new(), None)],
        },
        None => configured
            .iter()
            .map(|dc| entry(dc, dc.domain.clone()))
            .collect(),
    };
    if targets.is_empty() {
        let msg = rust_i18n::t!("check.nothing_to_check");
        return (format!("{msg}\n"), Verdict::Errors);
    }
    let probe: Option<(Vec<u16>, bool)> = match ports {
        PortsMode::Off => None,
        PortsMode::On(list) if list.is_empty() => Some((ports::DEFAULT_PORTS.to_vec(), false)),
        PortsMode::On(list) => Some((list.clone(), false)),
        // Documentation addresses are examples, not a network: no probe of them unless
        // the tests' port map leads the probed ports to loopback (a map of 443 alone,
        // for the MTA-STS policy, does not).
        PortsMode::Auto
            if addrs.iter().all(|a| is_documentation(*a))
                && !ports::test_port_map()
                    .iter()
                    .any(|(p, _)| ports::DEFAULT_PORTS.contains(p)) =>
        {
            None
        }
        PortsMode::Auto => Some((ports::DEFAULT_PORTS.to_vec(), true)),
    };
    let checks = join_all(
        targets
            .iter()
            .map(|(d, selectors, mail)| {
                let input = CheckInput {
                    domain: d,
                    addrs,
                    ipv6_enabled,
                    dkim_selectors: selectors,
                    blocklists: &blocklists,
                    ports: probe.as_ref().map(|(p, here)| (p.as_slice(), *here)),
                    mail: *mail,
                };
                async move { check_domain(dns, &input).await }
            })
            .collect(),
    )
    .await;
    let report = if json {
        render_json(&checks)
    } else {
        render_text(&checks)
    };
    (report, verdict(&checks))
}

/// A configured domain as `check` takes it: its name, its DKIM selectors (the configured
/// ones and those of its mail: block) and its mail: block.
fn entry(
    dc: &crate::config::DomainConfig,
    name: String,
) -> (String, Vec<String>, Option<&MailConfig>) {
    let mut selectors = dc.dkim_selectors.clone();
    for k in dc.mail.iter().flat_map(|m| &m.dkim) {
        if !selectors
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&k.selector))
        {
            selectors.push(k.selector.clone());
        }
    }
    (name, selectors, dc.mail.as_ref())
}

/// An address of the documentation ranges (RFC 5737, RFC 3849).
fn is_documentation(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            matches!(
                (o[0], o[1], o[2]),
                (192, 0, 2) | (198, 51, 100) | (203, 0, 113)
            )
        }
        IpAddr::V6(v6) => v6.segments()[0] == 0x2001 && v6.segments()[1] == 0x0db8,
    }
}

/// Two domain names are the same, ignoring case and a trailing dot.
fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// `addrs` as text: `203.0.113.10, 2001:db8::1`.
fn list(addrs: &[IpAddr]) -> String {
    if addrs.is_empty() {
        return rust_i18n::t!("check.no_address").into_owned();
    }
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

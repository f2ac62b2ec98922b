//! What `mxddns validate` prints: the configuration in words, with every default made
//! visible and secrets masked.

use super::{
    schedule, CnameTarget, Config, FamilyPolicy, HostMode, NotifyConfig, Schedule, SpfMode,
    VerifyMode,
};
use std::fmt::Write as _;
use std::time::Duration;

/// How many upcoming runs of a cron schedule are shown.
const NEXT_RUNS: usize = 3;

fn dur(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// A readable summary of what `config` means. Secrets appear only as
/// [`Secret::masked`].
pub fn render_plan(config: &Config) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = write_plan(&mut out, config);
    out
}

fn write_plan(out: &mut String, c: &Config) -> std::fmt::Result {
    writeln!(out, "Configuration {} is valid.", c.path.display())?;
    writeln!(out)?;
    match &c.schedule {
        Schedule::Every(d) => writeln!(out, "Schedule:   every {}", dur(*d))?,
        Schedule::Cron(s, text) => {
            writeln!(out, "Schedule:   cron \"{text}\" (local time)")?;
            if schedule::is_classic(text) {
                writeln!(
                    out,
                    "            classic 5-field form, read with seconds first as \"{}\"",
                    s.source()
                )?;
            }
            let next: Vec<String> = s
                .upcoming(chrono::Local)
                .take(NEXT_RUNS)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S %:z").to_string())
                .collect();
            writeln!(out, "            next runs: {}", next.join(", "))?;
        }
    }
    writeln!(out, "State file: {}", c.state_file.display())?;

    writeln!(out)?;
    writeln!(out, "IP detection")?;
    let list = |v: &[crate::detect::SourceSpec]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if c.detect.ipv4_enabled() {
        writeln!(out, "  IPv4 sources: {}", list(&c.detect.ipv4))?;
    } else {
        writeln!(out, "  IPv4: off (an IPv6-only line)")?;
    }
    if c.detect.ipv6_enabled() {
        writeln!(out, "  IPv6 sources: {}", list(&c.detect.ipv6))?;
    } else {
        writeln!(out, "  IPv6: off (no detect.ipv6 sources)")?;
    }
    match c.detect.quorum {
        Some(n) => writeln!(out, "  quorum: {n} sources must agree")?,
        None => writeln!(out, "  quorum: a majority of the sources that answer")?,
    }
    writeln!(out, "  timeout: {}", dur(c.detect.timeout))?;

    writeln!(out)?;
    writeln!(out, "Providers")?;
    if c.providers.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for (name, p) in &c.providers {
        let endpoint = p.endpoint.as_deref().map_or_else(
            || "default endpoint".to_string(),
            |e| format!("endpoint {e}"),
        );
        writeln!(out, "  {name}: {}, {endpoint}", p.kind())?;
        if let Some(ca) = &p.tls_ca {
            writeln!(out, "    {}", trusts(ca))?;
        }
        writeln!(out, "    {}", p.credentials.describe())?;
    }

    writeln!(out)?;
    writeln!(out, "Domains")?;
    for d in &c.domains {
        writeln!(out, "  {} (provider {})", d.domain, d.provider)?;
        match &d.host {
            Some(h) => writeln!(out, "    host: {h}")?,
            None => writeln!(out, "    host: the MX host found in DNS")?,
        }
        match &d.mode {
            HostMode::Address => {
                let fam = |p: FamilyPolicy, rtype: &'static str| match p {
                    FamilyPolicy::Required => Some(rtype.to_string()),
                    FamilyPolicy::BestEffort => Some(format!("{rtype} (best-effort)")),
                    FamilyPolicy::Off => None,
                };
                let kinds: Vec<String> = [fam(d.ipv4, "A"), fam(d.ipv6, "AAAA")]
                    .into_iter()
                    .flatten()
                    .collect();
                writeln!(out, "    record: {}", kinds.join(" and "))?;
            }
            HostMode::Cname(CnameTarget::Fixed(t)) => writeln!(out, "    record: CNAME to {t}")?,
            HostMode::Cname(CnameTarget::Ptr) => writeln!(
                out,
                "    record: CNAME to the address's reverse (PTR) name, once it resolves back"
            )?,
            HostMode::Cname(CnameTarget::Template(t)) => {
                writeln!(
                    out,
                    "    record: CNAME to \"{t}\", filled in with the address"
                )?;
            }
        }
        writeln!(out, "    ttl: {}s", d.ttl)?;
        let spf = match d.spf {
            SpfMode::Off => "left alone",
            SpfMode::Keep => "keep this network's ip4:/ip6: term current",
            SpfMode::Create => {
                "keep this network's ip4:/ip6: term current, creating the SPF record if missing"
            }
        };
        writeln!(out, "    spf: {spf}")?;
        match &d.zone {
            Some(z) => writeln!(out, "    zone: {z}")?,
            None => writeln!(out, "    zone: found through DNS")?,
        }
        if !d.dkim_selectors.is_empty() {
            writeln!(out, "    dkim selectors: {}", d.dkim_selectors.join(", "))?;
        }
    }

    writeln!(out)?;
    writeln!(out, "DNS")?;
    if c.dns.resolvers.is_empty() {
        writeln!(out, "  resolvers: the system's (resolv.conf)")?;
    } else {
        let r: Vec<String> = c.dns.resolvers.iter().map(ToString::to_string).collect();
        writeln!(out, "  resolvers: {}", r.join(", "))?;
    }
    match c.dns.verify {
        VerifyMode::Authoritative if c.dns.authoritative.is_empty() => {
            writeln!(
                out,
                "  verify: at the zone's authoritative servers (its NS records)"
            )?;
        }
        VerifyMode::Authoritative => {
            let s: Vec<String> = c
                .dns
                .authoritative
                .iter()
                .map(ToString::to_string)
                .collect();
            writeln!(out, "  verify: at {}", s.join(", "))?;
        }
        VerifyMode::Resolvers => writeln!(out, "  verify: through the resolvers")?,
        VerifyMode::Off => writeln!(out, "  verify: off")?,
    }
    if c.dns.verify != VerifyMode::Off {
        writeln!(out, "  verify timeout: {}", dur(c.dns.verify_timeout))?;
    }

    writeln!(out)?;
    match c.listen {
        Some(addr) if addr.port() == 0 => writeln!(
            out,
            "Health and metrics: http://{}:<a free port, logged at start>/healthz, /metrics",
            addr.to_string().trim_end_matches(":0")
        )?,
        Some(addr) => writeln!(out, "Health and metrics: http://{addr}/healthz, /metrics")?,
        None => writeln!(out, "Health and metrics: off")?,
    }
    write_notify(out, &c.notify)
}

/// `tls_ca_file:` as `validate` shows it.
fn trusts(ca: &crate::http::CaFile) -> String {
    let n = ca.count();
    format!(
        "also trusts the {n} CA certificate{} in {} (tls_ca_file)",
        if n == 1 { "" } else { "s" },
        ca.path.display()
    )
}

/// `notify:`: where each webhook goes (scheme and host only: the rest of a webhook URL is
/// often its token), when, and with which headers (credentials masked).
fn write_notify(out: &mut String, hooks: &[NotifyConfig]) -> std::fmt::Result {
    if hooks.is_empty() {
        return writeln!(out, "Notifications: none");
    }
    writeln!(out, "Notifications")?;
    for h in hooks {
        let mut events = Vec::new();
        if h.on.change {
            events.push("change".to_string());
        }
        if h.on.failure {
            events.push(format!(
                "failure (after {} failed cycle{} in a row)",
                h.after_failures,
                if h.after_failures == 1 { "" } else { "s" }
            ));
        }
        if h.on.recovery {
            events.push("recovery".to_string());
        }
        writeln!(
            out,
            "  notify[{}]: {} {}/… on {}",
            h.index,
            h.method.as_str(),
            h.target,
            events.join(", ")
        )?;
        if let Some(ca) = &h.tls_ca {
            writeln!(out, "    {}", trusts(ca))?;
        }
        if !h.headers.is_empty() {
            let headers: Vec<String> = h
                .headers
                .iter()
                .map(|x| {
                    let v = if x.secret {
                        x.value.masked()
                    } else {
                        x.value.expose().to_string()
                    };
                    format!("{}: {v}", x.name)
                })
                .collect();
            writeln!(out, "    headers: {}", headers.join(", "))?;
        }
        match &h.body {
            None => writeln!(out, "    body: the message, as plain text")?,
            Some(b) if crate::notify::template::is_json(b) => writeln!(
                out,
                "    body: a JSON template ({} characters)",
                b.chars().count()
            )?,
            Some(b) => writeln!(
                out,
                "    body: a text template ({} characters)",
                b.chars().count()
            )?,
        }
    }
    Ok(())
}

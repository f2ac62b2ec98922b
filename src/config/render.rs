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
    writeln!(out, "{}", rust_i18n::t!("ui.render", v1 = c.path.display()))?;
    writeln!(out)?;
    match &c.schedule {
        Schedule::Every(d) => {
            writeln!(out, "{}", rust_i18n::t!("ui.render.every", every = dur(*d)))?
        }
        Schedule::Cron(s, text) => {
            writeln!(out, "{}", rust_i18n::t!("ui.render.2", text = text))?;
            if schedule::is_classic(text) {
                writeln!(out, "{}", rust_i18n::t!("ui.render.3", v1 = s.source()))?;
            }
            let next: Vec<String> = s
                .upcoming(chrono::Local)
                .take(NEXT_RUNS)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S %:z").to_string())
                .collect();
            writeln!(
                out,
                "{}",
                rust_i18n::t!("ui.render.next", next = next.join(", "))
            )?;
        }
    }
    writeln!(
        out,
        "{}",
        rust_i18n::t!("ui.render.state", path = c.state_file.display())
    )?;

    writeln!(out)?;
    writeln!(out, "{}", rust_i18n::t!("ui.render.ip"))?;
    let list = |v: &[crate::detect::SourceSpec]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if c.detect.ipv4_enabled() {
        writeln!(
            out,
            "{}",
            rust_i18n::t!("ui.render.v4", list = list(&c.detect.ipv4))
        )?;
    } else {
        writeln!(out, "{}", rust_i18n::t!("ui.render.4"))?;
    }
    if c.detect.ipv6_enabled() {
        writeln!(
            out,
            "{}",
            rust_i18n::t!("ui.render.v6", list = list(&c.detect.ipv6))
        )?;
    } else {
        writeln!(out, "{}", rust_i18n::t!("ui.render.5"))?;
    }
    match c.detect.quorum {
        Some(n) => writeln!(out, "{}", rust_i18n::t!("ui.render.6", n = n))?,
        None => writeln!(out, "{}", rust_i18n::t!("ui.render.7"))?,
    }
    writeln!(out, "  timeout: {}", dur(c.detect.timeout))?;

    writeln!(out)?;
    writeln!(out, "{}", rust_i18n::t!("ui.render.providers"))?;
    if c.providers.is_empty() {
        writeln!(out, "{}", rust_i18n::t!("ui.render.none"))?;
    }
    for (name, p) in &c.providers {
        let endpoint = p.endpoint.as_deref().map_or_else(
            || rust_i18n::t!("ui.render.default_endpoint").into_owned(),
            |e| format!("endpoint {e}"),
        );
        writeln!(out, "  {name}: {}, {endpoint}", p.kind())?;
        if let Some(ca) = &p.tls_ca {
            writeln!(out, "    {}", trusts(ca))?;
        }
        writeln!(out, "    {}", p.credentials.describe())?;
    }

    writeln!(out)?;
    writeln!(out, "{}", rust_i18n::t!("ui.render.domains"))?;
    for d in &c.domains {
        writeln!(
            out,
            "{}",
            rust_i18n::t!("ui.render.domain", domain = d.domain, provider = d.provider)
        )?;
        match &d.host {
            Some(h) => writeln!(out, "    host: {h}")?,
            None => writeln!(out, "{}", rust_i18n::t!("ui.render.8"))?,
        }
        match &d.mode {
            HostMode::Address => {
                let fam = |p: FamilyPolicy, rtype: &'static str| match p {
                    FamilyPolicy::Required => Some(rtype.to_string()),
                    FamilyPolicy::BestEffort => {
                        Some(rust_i18n::t!("ui.render.9", rtype = rtype).into_owned())
                    }
                    FamilyPolicy::Off => None,
                };
                let kinds: Vec<String> = [fam(d.ipv4, "A"), fam(d.ipv6, "AAAA")]
                    .into_iter()
                    .flatten()
                    .collect();
                writeln!(out, "    record: {}", kinds.join(" and "))?;
            }
            HostMode::Cname(CnameTarget::Fixed(t)) => {
                writeln!(out, "{}", rust_i18n::t!("ui.render.10", t = t))?
            }
            HostMode::Cname(CnameTarget::Ptr) => {
                writeln!(out, "{}", rust_i18n::t!("ui.render.11"))?
            }
            HostMode::Cname(CnameTarget::Template(t)) => {
                writeln!(out, "{}", rust_i18n::t!("ui.render.12", t = t))?;
            }
        }
        writeln!(out, "    ttl: {}s", d.ttl)?;
        let spf = match d.spf {
            SpfMode::Off => rust_i18n::t!("ui.render.spf_off").into_owned(),
            SpfMode::Keep => rust_i18n::t!("ui.render.13").into_owned(),
            SpfMode::Create => rust_i18n::t!("ui.render.14").into_owned(),
        };
        writeln!(out, "    spf: {spf}")?;
        match &d.zone {
            Some(z) => writeln!(out, "    zone: {z}")?,
            None => writeln!(out, "{}", rust_i18n::t!("ui.render.15"))?,
        }
        if !d.dkim_selectors.is_empty() {
            writeln!(out, "    dkim selectors: {}", d.dkim_selectors.join(", "))?;
        }
    }

    writeln!(out)?;
    writeln!(out, "DNS")?;
    if c.dns.resolvers.is_empty() {
        writeln!(out, "{}", rust_i18n::t!("ui.render.16"))?;
    } else {
        let r: Vec<String> = c.dns.resolvers.iter().map(ToString::to_string).collect();
        writeln!(out, "  resolvers: {}", r.join(", "))?;
    }
    match c.dns.verify {
        VerifyMode::Authoritative if c.dns.authoritative.is_empty() => {
            writeln!(out, "{}", rust_i18n::t!("ui.render.17"))?;
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
        VerifyMode::Resolvers => writeln!(out, "{}", rust_i18n::t!("ui.render.18"))?,
        VerifyMode::Off => writeln!(out, "  verify: off")?,
    }
    if c.dns.verify != VerifyMode::Off {
        writeln!(out, "  verify timeout: {}", dur(c.dns.verify_timeout))?;
    }

    writeln!(out)?;
    match c.listen {
        Some(addr) if addr.port() == 0 => writeln!(
            out,
            "{}",
            rust_i18n::t!("ui.render.19", v1 = addr.to_string().trim_end_matches(":0"))
        )?,
        Some(addr) => writeln!(out, "{}", rust_i18n::t!("ui.render.20", addr = addr))?,
        None => writeln!(out, "{}", rust_i18n::t!("ui.render.21"))?,
    }
    write_notify(out, &c.notify)
}

/// `tls_ca_file:` as `validate` shows it.
fn trusts(ca: &crate::http::CaFile) -> String {
    let n = ca.count();
    if n == 1 {
        rust_i18n::t!("ui.render.ca_one", path = ca.path.display()).into_owned()
    } else {
        rust_i18n::t!("ui.render.ca_many", n = n, path = ca.path.display()).into_owned()
    }
}

/// `notify:`: where each webhook goes (scheme and host only: the rest of a webhook URL is
/// often its token), when, and with which headers (credentials masked).
fn write_notify(out: &mut String, hooks: &[NotifyConfig]) -> std::fmt::Result {
    if hooks.is_empty() {
        return writeln!(out, "{}", rust_i18n::t!("ui.render.notify_none"));
    }
    writeln!(out, "{}", rust_i18n::t!("ui.render.notify"))?;
    for h in hooks {
        let mut events = Vec::new();
        if h.on.change {
            events.push("change".to_string());
        }
        if h.on.failure {
            events.push(if h.after_failures == 1 {
                rust_i18n::t!("ui.render.failure_one").into_owned()
            } else {
                rust_i18n::t!("ui.render.failure_many", n = h.after_failures).into_owned()
            });
        }
        if h.on.recovery {
            events.push("recovery".to_string());
        }
        writeln!(
            out,
            "{}",
            rust_i18n::t!(
                "ui.render.hook",
                index = h.index,
                method = h.method.as_str(),
                target = h.target,
                events = events.join(", ")
            )
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
            None => writeln!(out, "{}", rust_i18n::t!("ui.render.24"))?,
            Some(b) if crate::notify::template::is_json(b) => writeln!(
                out,
                "{}",
                rust_i18n::t!("ui.render.25", v1 = b.chars().count())
            )?,
            Some(b) => writeln!(
                out,
                "{}",
                rust_i18n::t!("ui.render.26", v1 = b.chars().count())
            )?,
        }
    }
    Ok(())
}

#![cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
//! `domains[].mail:` — the declared mail record set of a domain (`plan` / `apply`), validated
//! with FILE:LINE errors like every other section.

use super::index::{child, item};
use super::load::{Check, Ctx, Reported};
use super::names::validate_dns_name;
use super::raw::{RawClientSetup, RawMail};
use std::path::PathBuf;
use std::time::Duration;

/// The validated `mail:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// MX hosts with their priorities, in the order written.
    pub mx: Vec<MxEntry>,
    pub spf: Option<MailSpf>,
    pub dkim: Vec<DkimEntry>,
    pub dmarc: Option<DmarcConfig>,
    pub mta_sts: Option<MtaStsConfig>,
    /// `rua` URIs of TLS-RPT (`mailto:` or `https:`); empty: no `_smtp._tls` record.
    pub tls_rpt: Vec<String>,
    /// The client services offered (RFC 6186 / RFC 8314); empty: no SRV/autoconfig records.
    pub client_setup: Vec<ClientService>,
    pub tlsa: Option<TlsaConfig>,
    /// CAs allowed to issue (`0 issue "<ca>"`); empty: no CAA record.
    pub caa: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxEntry {
    pub host: String,
    pub priority: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSpf {
    /// `-all` or `~all`.
    pub all: String,
    pub include: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimEntry {
    pub selector: String,
    pub key_file: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcConfig {
    pub p: String,
    pub sp: Option<String>,
    pub pct: Option<u8>,
    pub rua: Vec<String>,
    pub ruf: Vec<String>,
    pub adkim: Option<String>,
    pub aspf: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtaStsMode {
    Testing,
    Enforce,
}

impl MtaStsMode {
    #[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
    pub fn as_str(self) -> &'static str {
        match self {
            MtaStsMode::Testing => "testing",
            MtaStsMode::Enforce => "enforce",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtaStsConfig {
    pub mode: MtaStsMode,
    pub max_age: Duration,
    pub policy_file: PathBuf,
}

/// A client service of RFC 6186 / RFC 8314.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClientService {
    Submissions,
    Submission,
    Imaps,
    Imap,
    Pop3s,
}

impl ClientService {
    pub const ALL: [ClientService; 5] = [
        ClientService::Submissions,
        ClientService::Submission,
        ClientService::Imaps,
        ClientService::Imap,
        ClientService::Pop3s,
    ];

    /// `client_setup: true`: implicit TLS submission, STARTTLS submission, IMAP over TLS.
    pub const DEFAULT: [ClientService; 3] = [
        ClientService::Submissions,
        ClientService::Submission,
        ClientService::Imaps,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ClientService::Submissions => "submissions",
            ClientService::Submission => "submission",
            ClientService::Imaps => "imaps",
            ClientService::Imap => "imap",
            ClientService::Pop3s => "pop3s",
        }
    }

    #[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
    pub fn port(self) -> u16 {
        match self {
            ClientService::Submissions => 465,
            ClientService::Submission => 587,
            ClientService::Imaps => 993,
            ClientService::Imap => 143,
            ClientService::Pop3s => 995,
        }
    }

    fn parse(s: &str) -> Option<ClientService> {
        ClientService::ALL
            .into_iter()
            .find(|c| c.label() == s.to_ascii_lowercase())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsaConfig {
    pub cert_file: PathBuf,
    /// The key the next certificate will use (rollover: its hash is published before the
    /// certificate changes).
    pub next_key_file: Option<PathBuf>,
    /// The MX hosts the certificate serves; empty: the first MX host inside the zone.
    pub hosts: Vec<String>,
}

/// The largest MTA-STS `max_age` (RFC 8461 §3.2: 31557600 seconds).
const MTA_STS_MAX_AGE: u64 = 31_557_600;

pub(crate) fn mail(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<MailConfig> {
    let mx = mx(cx, path, m);
    let spf = spf(cx, path, m);
    let dkim = dkim(cx, path, m);
    let dmarc = dmarc(cx, path, m);
    let mta_sts = mta_sts(cx, path, m);
    let tls_rpt = match &m.tls_rpt {
        None => Ok(Vec::new()),
        Some(list) => cx.list(&child(path, "tls_rpt"), list, |cx, p, v| {
            let v = v.trim().to_string();
            if report_uri(&v, true).is_some() {
                Ok(v)
            } else {
                Err(cx.report(p, rust_i18n::t!("cfg.mail", v = v).into_owned()))
            }
        }),
    };
    let client_setup = client_setup(cx, path, m);
    let tlsa = tlsa(cx, path, m);
    let caa = match &m.caa {
        None => Ok(Vec::new()),
        Some(list) => cx.list(&child(path, "caa"), list, |cx, p, v| {
            validate_dns_name(v.trim())
                .map_err(|e| cx.report(p, rust_i18n::t!("cfg.mail.2", e = e).into_owned()))
        }),
    };
    let mx = mx?;
    let mta_sts = mta_sts?;
    if mta_sts.is_some() && mx.is_empty() {
        return Err(cx.report(
            &child(path, "mta_sts"),
            rust_i18n::t!("cfg.mail.3").into_owned(),
        ));
    }
    let tlsa = tlsa?;
    if let Some(t) = &tlsa {
        for (i, h) in t.hosts.iter().enumerate() {
            if !mx.iter().any(|m| &m.host == h) {
                return Err(cx.report(
                    &item(&child(&child(path, "tlsa"), "hosts"), i),
                    rust_i18n::t!("cfg.mail.4", h = h).into_owned(),
                ));
            }
        }
    }
    Ok(MailConfig {
        mx,
        spf: spf?,
        dkim: dkim?,
        dmarc: dmarc?,
        mta_sts,
        tls_rpt: tls_rpt?,
        client_setup: client_setup?,
        tlsa,
        caa: caa?,
    })
}

fn mx(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<Vec<MxEntry>> {
    let Some(list) = &m.mx else {
        return Ok(Vec::new());
    };
    let key = child(path, "mx");
    let mut out: Vec<MxEntry> = Vec::new();
    let mut failed = false;
    for (i, e) in list.iter().enumerate() {
        let p = item(&key, i);
        let host = match cx.text(&child(&p, "host"), e.host.as_ref()) {
            Ok(Some(h)) => {
                validate_dns_name(h.trim()).map_err(|e| cx.report(&child(&p, "host"), e))
            }
            Ok(None) => Err(cx.report(&p, rust_i18n::t!("cfg.mail.missing_host").into_owned())),
            Err(r) => Err(r),
        };
        let priority = match cx.text(&child(&p, "priority"), e.priority.as_ref()) {
            Ok(Some(t)) => t.trim().parse::<u16>().map_err(|_| {
                cx.report(
                    &child(&p, "priority"),
                    rust_i18n::t!("cfg.mail.5", v1 = t.trim()).into_owned(),
                )
            }),
            Ok(None) => Ok(10 * (i as u16 + 1)),
            Err(r) => Err(r),
        };
        match (host, priority) {
            (Ok(host), Ok(priority)) => {
                if out.iter().any(|m| m.host == host) {
                    cx.report(
                        &child(&p, "host"),
                        rust_i18n::t!("cfg.mail.6", host = host).into_owned(),
                    );
                    failed = true;
                } else {
                    out.push(MxEntry { host, priority });
                }
            }
            _ => failed = true,
        }
    }
    if failed {
        Err(Reported)
    } else {
        Ok(out)
    }
}

fn spf(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<Option<MailSpf>> {
    let Some(s) = &m.spf else { return Ok(None) };
    let key = child(path, "spf");
    let all_key = child(&key, "all");
    let all = match cx.text(&all_key, s.all.as_ref())? {
        None => "~all".to_string(),
        Some(a) => match a.trim() {
            "-all" | "~all" => a.trim().to_string(),
            other => {
                return Err(cx.report(
                    &all_key,
                    rust_i18n::t!("cfg.mail.7", other = other).into_owned(),
                ))
            }
        },
    };
    let include = match &s.include {
        None => Vec::new(),
        Some(list) => cx.list(&child(&key, "include"), list, |cx, p, v| {
            validate_dns_name(v.trim().trim_start_matches("include:"))
                .map_err(|e| cx.report(p, rust_i18n::t!("cfg.mail.8", e = e).into_owned()))
        })?,
    };
    Ok(Some(MailSpf { all, include }))
}

fn dkim(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<Vec<DkimEntry>> {
    let Some(list) = &m.dkim else {
        return Ok(Vec::new());
    };
    let key = child(path, "dkim");
    let mut out: Vec<DkimEntry> = Vec::new();
    let mut failed = false;
    for (i, e) in list.iter().enumerate() {
        let p = item(&key, i);
        let selector = match cx.text(&child(&p, "selector"), e.selector.as_ref()) {
            Ok(Some(s)) => {
                let s = s.trim().to_ascii_lowercase();
                if !s.is_empty()
                    && s.split('.').all(|l| {
                        !l.is_empty()
                            && l.len() <= 63
                            && l.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    })
                {
                    Ok(s)
                } else {
                    Err(cx.report(
                        &child(&p, "selector"),
                        rust_i18n::t!("cfg.mail.9", s = s).into_owned(),
                    ))
                }
            }
            Ok(None) => Err(cx.report(&p, rust_i18n::t!("cfg.mail.10").into_owned())),
            Err(r) => Err(r),
        };
        let file = match cx.text(&child(&p, "key_file"), e.key_file.as_ref()) {
            Ok(Some(f)) => Ok(cx.resolve(f.trim())),
            Ok(None) => Err(cx.report(&p, rust_i18n::t!("cfg.mail.11").into_owned())),
            Err(r) => Err(r),
        };
        match (selector, file) {
            (Ok(selector), Ok(key_file)) => {
                if out.iter().any(|d| d.selector == selector) {
                    cx.report(
                        &child(&p, "selector"),
                        rust_i18n::t!("cfg.mail.12", selector = selector).into_owned(),
                    );
                    failed = true;
                } else {
                    out.push(DkimEntry { selector, key_file });
                }
            }
            _ => failed = true,
        }
    }
    if failed {
        Err(Reported)
    } else {
        Ok(out)
    }
}

fn policy(
    cx: &mut Ctx<'_>,
    key: &str,
    raw: Option<&String>,
    required: bool,
) -> Check<Option<String>> {
    match cx.text(key, raw)? {
        None if required => Err(cx.report(key, rust_i18n::t!("cfg.mail.13").into_owned())),
        None => Ok(None),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            p @ ("none" | "quarantine" | "reject") => Ok(Some(p.to_string())),
            other => Err(cx.report(
                key,
                rust_i18n::t!("cfg.mail.14", other = other).into_owned(),
            )),
        },
    }
}

fn alignment(cx: &mut Ctx<'_>, key: &str, raw: Option<&String>) -> Check<Option<String>> {
    match cx.text(key, raw)? {
        None => Ok(None),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "r" | "relaxed" => Ok(Some("r".into())),
            "s" | "strict" => Ok(Some("s".into())),
            other => Err(cx.report(
                key,
                rust_i18n::t!("cfg.mail.15", other = other).into_owned(),
            )),
        },
    }
}

/// A DMARC/TLS-RPT report URI: `mailto:addr` (and, for TLS-RPT, `https://...`). Returns
/// the domain of a mailto address (empty for https).
pub fn report_uri(v: &str, https_ok: bool) -> Option<String> {
    if let Some(addr) = v.strip_prefix("mailto:") {
        // RFC 7489 §6.2: an optional size limit after "!".
        let addr = addr.split('!').next().unwrap_or(addr);
        let (local, domain) = addr.rsplit_once('@')?;
        if local.is_empty() || local.contains([',', ';', ' ']) {
            return None;
        }
        return validate_dns_name(domain).ok();
    }
    if https_ok
        && v.starts_with("https://")
        && v.len() > "https://".len()
        && !v.contains([' ', ';', ','])
    {
        return Some(String::new());
    }
    None
}

fn dmarc(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<Option<DmarcConfig>> {
    let Some(d) = &m.dmarc else { return Ok(None) };
    let key = child(path, "dmarc");
    let p = policy(cx, &child(&key, "p"), d.p.as_ref(), true);
    let sp = policy(cx, &child(&key, "sp"), d.sp.as_ref(), false);
    let pct_key = child(&key, "pct");
    let pct = match cx.text(&pct_key, d.pct.as_ref()) {
        Ok(None) => Ok(None),
        Ok(Some(t)) => match t.trim().trim_end_matches('%').parse::<u8>() {
            Ok(n) if n <= 100 => Ok(Some(n)),
            _ => Err(cx.report(
                &pct_key,
                rust_i18n::t!("cfg.mail.16", v1 = t.trim()).into_owned(),
            )),
        },
        Err(r) => Err(r),
    };
    let uris = |cx: &mut Ctx<'_>, name: &str, raw: &Option<Vec<String>>| match raw {
        None => Ok(Vec::new()),
        Some(list) => cx.list(&child(&key, name), list, |cx, p, v| {
            let v = v.trim().to_string();
            if report_uri(&v, false).is_some() {
                Ok(v)
            } else {
                Err(cx.report(p, rust_i18n::t!("cfg.mail.17", v = v).into_owned()))
            }
        }),
    };
    let rua = uris(cx, "rua", &d.rua);
    let ruf = uris(cx, "ruf", &d.ruf);
    let adkim = alignment(cx, &child(&key, "adkim"), d.adkim.as_ref());
    let aspf = alignment(cx, &child(&key, "aspf"), d.aspf.as_ref());
    let p = p?.unwrap_or_else(|| "none".into());
    Ok(Some(DmarcConfig {
        p,
        sp: sp?,
        pct: pct?,
        rua: rua?,
        ruf: ruf?,
        adkim: adkim?,
        aspf: aspf?,
    }))
}

fn mta_sts(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<Option<MtaStsConfig>> {
    let Some(s) = &m.mta_sts else { return Ok(None) };
    let key = child(path, "mta_sts");
    let mode_key = child(&key, "mode");
    let mode = match cx.text(&mode_key, s.mode.as_ref()) {
        Ok(None) => Ok(MtaStsMode::Testing),
        Ok(Some(v)) => match v.trim().to_ascii_lowercase().as_str() {
            "testing" => Ok(MtaStsMode::Testing),
            "enforce" => Ok(MtaStsMode::Enforce),
            "none" => Err(cx.report(&mode_key, rust_i18n::t!("cfg.mail.18").into_owned())),
            other => Err(cx.report(
                &mode_key,
                rust_i18n::t!("cfg.mail.19", other = other).into_owned(),
            )),
        },
        Err(r) => Err(r),
    };
    let age_key = child(&key, "max_age");
    let max_age = super::sections::duration(
        cx,
        &age_key,
        s.max_age.as_ref(),
        Duration::from_secs(7 * 86400),
    )
    .and_then(|d| {
        if d.as_secs() > MTA_STS_MAX_AGE {
            Err(cx.report(&age_key, rust_i18n::t!("cfg.mail.20").into_owned()))
        } else {
            Ok(d)
        }
    });
    let file = match cx.text(&child(&key, "policy_file"), s.policy_file.as_ref()) {
        Ok(Some(f)) => Ok(cx.resolve(f.trim())),
        Ok(None) => Err(cx.report(&key, rust_i18n::t!("cfg.mail.21").into_owned())),
        Err(r) => Err(r),
    };
    Ok(Some(MtaStsConfig {
        mode: mode?,
        max_age: max_age?,
        policy_file: file?,
    }))
}

fn client_setup(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<Vec<ClientService>> {
    let key = child(path, "client_setup");
    match &m.client_setup {
        None | Some(RawClientSetup::Bool(false)) => Ok(Vec::new()),
        Some(RawClientSetup::Bool(true)) => Ok(ClientService::DEFAULT.to_vec()),
        Some(RawClientSetup::Flag(f)) => match cx.text(&key, Some(f))?.unwrap_or_default().trim() {
            "true" => Ok(ClientService::DEFAULT.to_vec()),
            "false" => Ok(Vec::new()),
            other => Err(cx.report(
                &key,
                rust_i18n::t!("cfg.mail.22", other = other).into_owned(),
            )),
        },
        Some(RawClientSetup::List(list)) => {
            let mut out = cx.list(&key, list, |cx, p, v| {
                ClientService::parse(v.trim()).ok_or_else(|| {
                    cx.report(p, rust_i18n::t!("cfg.mail.23", v1 = v.trim()).into_owned())
                })
            })?;
            out.sort();
            out.dedup();
            Ok(out)
        }
    }
}

fn tlsa(cx: &mut Ctx<'_>, path: &str, m: &RawMail) -> Check<Option<TlsaConfig>> {
    let Some(t) = &m.tlsa else { return Ok(None) };
    let key = child(path, "tlsa");
    let cert = match cx.text(&child(&key, "cert_file"), t.cert_file.as_ref()) {
        Ok(Some(f)) => Ok(cx.resolve(f.trim())),
        Ok(None) => Err(cx.report(&key, rust_i18n::t!("cfg.mail.24").into_owned())),
        Err(r) => Err(r),
    };
    let next = match cx.text(&child(&key, "next_key_file"), t.next_key_file.as_ref()) {
        Ok(v) => Ok(v.map(|f| cx.resolve(f.trim()))),
        Err(r) => Err(r),
    };
    let hosts = match &t.hosts {
        None => Ok(Vec::new()),
        Some(list) => cx.list(&child(&key, "hosts"), list, |cx, p, v| {
            validate_dns_name(v.trim()).map_err(|e| cx.report(p, e))
        }),
    };
    Ok(Some(TlsaConfig {
        cert_file: cert?,
        next_key_file: next?,
        hosts: hosts?,
    }))
}

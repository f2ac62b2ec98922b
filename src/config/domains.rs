//! `domains:` — the mail domains to keep reachable.

use super::index::{child, item};
use super::load::{Check, Ctx, Reported};
use super::names::{parse_target, validate_dns_name};
use super::raw::RawDomain;
use super::{DomainConfig, FamilyPolicy, HostMode, MailConfig, SpfMode};
use std::collections::HashMap;

/// `ttl:` when absent.
pub(crate) const DEFAULT_TTL: u32 = 600;
/// The TTLs accepted. Below a provider's own minimum is not an error here: the agent
/// raises it to that minimum and says so.
pub(crate) const TTL_RANGE: std::ops::RangeInclusive<u32> = 60..=86400;

/// Which address families `detect:` has sources for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Families {
    pub ipv4: bool,
    pub ipv6: bool,
}

/// `domains:`. `providers`: the names under `providers:` in file order; `families`: which
/// address families are detected.
pub(crate) fn domains(
    cx: &mut Ctx<'_>,
    raw: Option<&[RawDomain]>,
    providers: &[String],
    families: Families,
) -> Check<Vec<DomainConfig>> {
    let list = raw.unwrap_or_default();
    if list.is_empty() {
        return Err(cx.report("domains", rust_i18n::t!("cfg.domains").into_owned()));
    }
    let mut out = Vec::with_capacity(list.len());
    let mut failed = false;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, d) in list.iter().enumerate() {
        let path = item("domains", i);
        match domain(cx, &path, d, providers, families) {
            Ok(config) => {
                let key = child(&path, "domain");
                if let Some(first) = seen.get(&config.domain) {
                    cx.report(
                        &key,
                        rust_i18n::t!("cfg.domains.2", v1 = config.domain, first = first)
                            .into_owned(),
                    );
                    failed = true;
                } else {
                    seen.insert(config.domain.clone(), cx.index.line(&key));
                }
                out.push(config);
            }
            Err(Reported) => failed = true,
        }
    }
    if failed {
        Err(Reported)
    } else {
        Ok(out)
    }
}

fn domain(
    cx: &mut Ctx<'_>,
    path: &str,
    d: &RawDomain,
    providers: &[String],
    families: Families,
) -> Check<DomainConfig> {
    let name = dns_name(cx, path, "domain", d.domain.as_ref()).and_then(|n| {
        n.ok_or_else(|| cx.report(path, rust_i18n::t!("cfg.domains.3").into_owned()))
    });
    let provider = provider(cx, path, d.provider.as_ref(), providers);
    let host = host(cx, path, d.host.as_ref());
    let mode = mode(cx, path, d, families.ipv6);
    let ipv4 = family(cx, path, "ipv4", d.ipv4.as_ref(), families.ipv4);
    let ipv6 = family(cx, path, "ipv6", d.ipv6.as_ref(), families.ipv6);
    let ttl = ttl(cx, path, d.ttl.as_ref());
    let spf = spf(cx, path, d.spf.as_ref());
    let zone = dns_name(cx, path, "zone", d.zone.as_ref());
    let dkim_selectors = match &d.dkim_selectors {
        None => Ok(Vec::new()),
        Some(list) => cx.list(&child(path, "dkim_selectors"), list, |cx, p, s| {
            validate_dns_name(s.trim()).map_err(|e| cx.report(p, e))
        }),
    };
    let mail: Check<Option<MailConfig>> = match &d.mail {
        None => Ok(None),
        #[cfg(feature = "mail-setup")]
        Some(m) => super::mail::mail(cx, &child(path, "mail"), m).map(Some),
        #[cfg(not(feature = "mail-setup"))]
        Some(_) => Err(cx.report(
            &child(path, "mail"),
            rust_i18n::t!("cfg.no_mail_setup").into_owned(),
        )),
    };
    let (name, host, zone, mode) = (name?, host?, zone?, mode?);
    let (ipv4, ipv6) = (ipv4?, ipv6?);
    // The selectors `mail:` publishes are the ones `check` looks at, with any listed here.
    let (mail, mut dkim_selectors) = (mail?, dkim_selectors?);
    for k in mail.iter().flat_map(|m| &m.dkim) {
        if !dkim_selectors.contains(&k.selector) {
            dkim_selectors.push(k.selector.clone());
        }
    }
    if ipv4 == FamilyPolicy::Off && ipv6 == FamilyPolicy::Off {
        return Err(cx.report(
            path,
            rust_i18n::t!("cfg.domains.4", name = name).into_owned(),
        ));
    }
    if let Some(zone) = &zone {
        let zone_key = child(path, "zone");
        let mut inside = true;
        for (what, n) in [("domain", Some(&name)), ("host", host.as_ref())] {
            if let Some(n) = n.filter(|n| !in_zone(n, zone)) {
                cx.report(
                    &zone_key,
                    rust_i18n::t!("cfg.domains.5", what = what, n = n, zone = zone).into_owned(),
                );
                inside = false;
            }
        }
        if !inside {
            return Err(Reported);
        }
    }
    if matches!(mode, HostMode::Cname(_)) && host.as_deref() == Some(name.as_str()) {
        return Err(cx.report(
            &child(path, "host"),
            rust_i18n::t!("cfg.domains.6", name = name).into_owned(),
        ));
    }
    Ok(DomainConfig {
        domain: name,
        provider: provider?,
        host,
        mode,
        ttl: ttl?,
        spf: spf?,
        zone,
        dkim_selectors,
        ipv4,
        ipv6,
        mail,
        line: cx.index.line(path),
    })
}

/// `host:` — a DNS name, and not an IP address (a common first guess: the record's value).
fn host(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<Option<String>> {
    let key = child(path, "host");
    if let Some(text) = raw {
        let t = cx.text(&key, Some(text))?.unwrap_or_default();
        let t = t.trim().trim_start_matches('[').trim_end_matches(']');
        if t.parse::<std::net::IpAddr>().is_ok() {
            return Err(cx.report(&key, rust_i18n::t!("cfg.domains.7", t = t).into_owned()));
        }
    }
    dns_name(cx, path, "host", raw)
}

/// `ipv4:` / `ipv6:` of a domain: on, off or best-effort. `detected`: whether `detect:`
/// has sources for the family.
fn family(
    cx: &mut Ctx<'_>,
    path: &str,
    key: &str,
    raw: Option<&String>,
    detected: bool,
) -> Check<FamilyPolicy> {
    let k = child(path, key);
    let default = if detected {
        FamilyPolicy::Required
    } else {
        FamilyPolicy::Off
    };
    let Some(text) = cx.text(&k, raw)? else {
        return Ok(default);
    };
    let policy = match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" => FamilyPolicy::Required,
        "off" | "false" => FamilyPolicy::Off,
        "best-effort" | "best_effort" => FamilyPolicy::BestEffort,
        _ => {
            return Err(cx.report(
                &k,
                rust_i18n::t!("cfg.domains.8", v1 = text.trim()).into_owned(),
            ))
        }
    };
    if policy != FamilyPolicy::Off && !detected {
        return Err(cx.report(
            &k,
            rust_i18n::t!("cfg.domains.9", v1 = text.trim(), key = key).into_owned(),
        ));
    }
    Ok(policy)
}

fn in_zone(name: &str, zone: &str) -> bool {
    name == zone
        || name
            .strip_suffix(zone)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// An optional DNS-name key, normalised.
fn dns_name(
    cx: &mut Ctx<'_>,
    path: &str,
    key: &str,
    raw: Option<&String>,
) -> Check<Option<String>> {
    let key = child(path, key);
    match cx.text(&key, raw)? {
        None => Ok(None),
        Some(text) => validate_dns_name(text.trim())
            .map(Some)
            .map_err(|e| cx.report(&key, e)),
    }
}

fn provider(
    cx: &mut Ctx<'_>,
    path: &str,
    raw: Option<&String>,
    providers: &[String],
) -> Check<String> {
    let key = child(path, "provider");
    let Some(name) = cx.text(&key, raw)? else {
        let hint = if providers.is_empty() {
            rust_i18n::t!("cfg.domains.10").into_owned()
        } else {
            rust_i18n::t!("cfg.domains.11", v1 = providers.join(", ")).into_owned()
        };
        return Err(cx.report(
            path,
            rust_i18n::t!("cfg.domains.12", hint = hint).into_owned(),
        ));
    };
    let name = name.trim();
    if providers.iter().any(|p| p == name) {
        return Ok(name.to_string());
    }
    let message = if providers.is_empty() {
        rust_i18n::t!("cfg.domains.13", name = name).into_owned()
    } else {
        let known: Vec<&str> = providers.iter().map(String::as_str).collect();
        let fix = match super::serde_error::closest(name, &known) {
            Some(guess) => rust_i18n::t!("cfg.domains.14", guess = guess).into_owned(),
            None => rust_i18n::t!("cfg.domains.15").into_owned(),
        };
        rust_i18n::t!(
            "cfg.domains.16",
            name = name,
            v1 = known.join(", "),
            fix = fix
        )
        .into_owned()
    };
    Err(cx.report(&key, message))
}

/// `type:` and `target:` together.
fn mode(cx: &mut Ctx<'_>, path: &str, d: &RawDomain, ipv6: bool) -> Check<HostMode> {
    let type_key = child(path, "type");
    let target_key = child(path, "target");
    let kind = cx.text(&type_key, d.kind.as_ref())?;
    let target = cx.text(&target_key, d.target.as_ref())?;
    let kind = kind.map(|k| k.trim().to_ascii_uppercase());
    match kind.as_deref() {
        None | Some("A") => match target {
            None => Ok(HostMode::Address),
            Some(_) => Err(cx.report(&target_key, rust_i18n::t!("cfg.domains.17").into_owned())),
        },
        Some("CNAME") => match target {
            Some(t) => parse_target(t.trim(), ipv6)
                .map(HostMode::Cname)
                .map_err(|e| cx.report(&target_key, e)),
            None => {
                let line = cx.index.line(&type_key);
                Err(cx.report_at(
                    &target_key,
                    line,
                    rust_i18n::t!("cfg.domains.cname_target").into_owned(),
                ))
            }
        },
        Some("AAAA") => Err(cx.report(&type_key, rust_i18n::t!("cfg.domains.18").into_owned())),
        Some(other) => Err(cx.report(
            &type_key,
            rust_i18n::t!("cfg.domains.19", other = other).into_owned(),
        )),
    }
}

fn ttl(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<u32> {
    let key = child(path, "ttl");
    let Some(text) = cx.text(&key, raw)? else {
        return Ok(DEFAULT_TTL);
    };
    let text = text.trim();
    match text.parse::<u32>() {
        Ok(n) if TTL_RANGE.contains(&n) => Ok(n),
        _ => Err(cx.report(
            &key,
            rust_i18n::t!(
                "cfg.domains.20",
                text = text,
                v1 = TTL_RANGE.start(),
                v2 = TTL_RANGE.end()
            )
            .into_owned(),
        )),
    }
}

fn spf(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<SpfMode> {
    let key = child(path, "spf");
    let Some(text) = cx.text(&key, raw)? else {
        return Ok(SpfMode::Off);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "false" => Ok(SpfMode::Off),
        "true" => Ok(SpfMode::Keep),
        "create" => Ok(SpfMode::Create),
        _ => Err(cx.report(
            &key,
            rust_i18n::t!("cfg.domains.21", text = text).into_owned(),
        )),
    }
}

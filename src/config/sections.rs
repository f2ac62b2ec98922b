//! The checks of the top-level keys other than `providers:` and `domains:`.

use super::load::{Check, Ctx};
use super::raw::{RawDetect, RawDns, RawSources};
use super::{schedule, DetectConfig, DnsConfig, Schedule, ServerSpec, VerifyMode};
use crate::detect::SourceSpec;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// `state_file:` when absent.
pub(crate) const DEFAULT_STATE_FILE: &str = "/var/lib/mxddns/state.json";
/// `detect.ipv4:` when absent: public services of different operators, over HTTPS and DNS.
pub(crate) const DEFAULT_IPV4_SOURCES: [&str; 4] = [
    "https://api.ipify.org",
    "https://ipv4.icanhazip.com",
    "https://1.1.1.1/cdn-cgi/trace",
    "dns:opendns",
];
/// `detect.timeout:` when absent.
pub(crate) const DEFAULT_DETECT_TIMEOUT: Duration = Duration::from_secs(10);
/// `dns.verify_timeout:` when absent.
pub(crate) const DEFAULT_VERIFY_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The port of a DNS server written without one.
const DNS_PORT: u16 = 53;

/// `schedule:`
pub(crate) fn schedule(cx: &mut Ctx<'_>, raw: Option<&String>) -> Check<Schedule> {
    match cx.text("schedule", raw)? {
        None => Ok(Schedule::Every(schedule::DEFAULT)),
        Some(text) => {
            let parsed = schedule::parse(&text).map_err(|m| cx.report("schedule", m))?;
            if let Some(w) = schedule::short_warning(&parsed) {
                cx.warn("schedule", w);
            }
            Ok(parsed)
        }
    }
}

/// `state_file:`
pub(crate) fn state_file(cx: &mut Ctx<'_>, raw: Option<&String>) -> Check<PathBuf> {
    match cx.text("state_file", raw)? {
        None => Ok(PathBuf::from(DEFAULT_STATE_FILE)),
        Some(p) if p.trim().is_empty() => {
            Err(cx.report("state_file", rust_i18n::t!("cfg.sections").into_owned()))
        }
        Some(p) => Ok(cx.resolve(p.trim())),
    }
}

/// A duration key: `10s`, `5m`, `1h`; at least one second.
pub(crate) fn duration(
    cx: &mut Ctx<'_>,
    key: &str,
    raw: Option<&String>,
    default: Duration,
) -> Check<Duration> {
    let Some(text) = cx.text(key, raw)? else {
        return Ok(default);
    };
    let text = text.trim();
    match humantime::parse_duration(text) {
        Ok(d) if d < Duration::from_secs(1) => Err(cx.report(
            key,
            rust_i18n::t!("cfg.sections.2", text = text).into_owned(),
        )),
        Ok(d) => Ok(d),
        Err(_) => Err(cx.report(
            key,
            rust_i18n::t!("cfg.sections.3", text = text).into_owned(),
        )),
    }
}

/// `detect:`
pub(crate) fn detect(cx: &mut Ctx<'_>, raw: Option<&RawDetect>) -> Check<DetectConfig> {
    let empty = RawDetect::default();
    let raw = raw.unwrap_or(&empty);
    let ipv4 = match &raw.ipv4 {
        None => Ok(DEFAULT_IPV4_SOURCES
            .iter()
            .filter_map(|s| s.parse::<SourceSpec>().ok())
            .collect()),
        Some(RawSources::List(list)) if list.is_empty() => {
            Err(cx.report("detect.ipv4", rust_i18n::t!("cfg.sections.4").into_owned()))
        }
        Some(RawSources::List(list)) => sources(cx, "detect.ipv4", list),
        Some(RawSources::Word(w)) => off_word(cx, "detect.ipv4", w),
    };
    let ipv6 = match &raw.ipv6 {
        None => Ok(Vec::new()),
        Some(RawSources::List(list)) => sources(cx, "detect.ipv6", list),
        Some(RawSources::Word(w)) => off_word(cx, "detect.ipv6", w),
    };
    if let (Ok(v4), Ok(v6)) = (&ipv4, &ipv6) {
        if v4.is_empty() && v6.is_empty() {
            return Err(cx.report("detect.ipv4", rust_i18n::t!("cfg.sections.5").into_owned()));
        }
    }
    let timeout = duration(
        cx,
        "detect.timeout",
        raw.timeout.as_ref(),
        DEFAULT_DETECT_TIMEOUT,
    );
    let quorum = quorum(
        cx,
        raw.quorum.as_ref(),
        ipv4.as_ref().ok(),
        ipv6.as_ref().ok(),
    );
    Ok(DetectConfig {
        ipv4: ipv4?,
        ipv6: ipv6?,
        quorum: quorum?,
        timeout: timeout?,
    })
}

/// `detect.ipvN: off`: no source of that family (any other single word is a mistake).
fn off_word(cx: &mut Ctx<'_>, key: &str, word: &str) -> Check<Vec<SourceSpec>> {
    let w = cx.text(key, Some(&word.to_string()))?.unwrap_or_default();
    if w.trim().eq_ignore_ascii_case("off") {
        return Ok(Vec::new());
    }
    // The value is not repeated: a secret may have slipped to the wrong line.
    Err(cx.report(key, rust_i18n::t!("cfg.sections.6").into_owned()))
}

fn sources(cx: &mut Ctx<'_>, key: &str, list: &[String]) -> Check<Vec<SourceSpec>> {
    let mut seen: Vec<(SourceSpec, String)> = Vec::new();
    let parsed = cx.list(key, list, |cx, path, text| {
        let spec = text.parse::<SourceSpec>().map_err(|e| cx.report(path, e))?;
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == spec) {
            return Err(cx.report(
                path,
                rust_i18n::t!("cfg.sections.7", spec = spec, first = first).into_owned(),
            ));
        }
        seen.push((spec.clone(), path.to_string()));
        Ok(spec)
    });
    parsed
}

fn quorum(
    cx: &mut Ctx<'_>,
    raw: Option<&String>,
    ipv4: Option<&Vec<SourceSpec>>,
    ipv6: Option<&Vec<SourceSpec>>,
) -> Check<Option<usize>> {
    const KEY: &str = "detect.quorum";
    let Some(text) = cx.text(KEY, raw)? else {
        return Ok(None);
    };
    let text = text.trim();
    let n: usize = text.parse().map_err(|_| {
        cx.report(
            KEY,
            rust_i18n::t!("cfg.sections.8", text = text).into_owned(),
        )
    })?;
    if n == 0 {
        return Err(cx.report(KEY, rust_i18n::t!("cfg.sections.9").into_owned()));
    }
    for (family, list) in [("ipv4", ipv4), ("ipv6", ipv6)] {
        if let Some(list) = list.filter(|l| !l.is_empty() && l.len() < n) {
            return Err(cx.report(
                KEY,
                rust_i18n::t!(
                    "cfg.sections.10",
                    n = n,
                    v1 = list.len(),
                    family = family,
                    v2 = list.len()
                )
                .into_owned(),
            ));
        }
    }
    Ok(Some(n))
}

/// `dns:`
pub(crate) fn dns(cx: &mut Ctx<'_>, raw: Option<&RawDns>) -> Check<DnsConfig> {
    let empty = RawDns::default();
    let raw = raw.unwrap_or(&empty);
    let resolvers = match &raw.resolvers {
        None => Ok(Vec::new()),
        Some(list) => cx.list("dns.resolvers", list, |cx, path, text| {
            parse_resolver(text.trim()).map_err(|m| cx.report(path, m))
        }),
    };
    let verify = match cx.text("dns.verify", raw.verify.as_ref()) {
        Ok(None) => Ok(VerifyMode::Authoritative),
        Ok(Some(v)) => match v.trim().to_ascii_lowercase().as_str() {
            "authoritative" => Ok(VerifyMode::Authoritative),
            "resolvers" => Ok(VerifyMode::Resolvers),
            "off" => Ok(VerifyMode::Off),
            _ => Err(cx.report(
                "dns.verify",
                rust_i18n::t!("cfg.sections.11", v = v).into_owned(),
            )),
        },
        Err(r) => Err(r),
    };
    let authoritative = match &raw.authoritative {
        None => Ok(Vec::new()),
        Some(list) => cx.list("dns.authoritative", list, |cx, path, text| {
            parse_server(text.trim()).map_err(|m| cx.report(path, m))
        }),
    };
    let verify_timeout = duration(
        cx,
        "dns.verify_timeout",
        raw.verify_timeout.as_ref(),
        DEFAULT_VERIFY_TIMEOUT,
    );
    if let (Ok(mode), Ok(servers)) = (&verify, &authoritative) {
        if *mode != VerifyMode::Authoritative && !servers.is_empty() {
            cx.warn(
                "dns.authoritative",
                rust_i18n::t!("cfg.sections.12").into_owned(),
            );
        }
    }
    Ok(DnsConfig {
        resolvers: resolvers?,
        verify: verify?,
        authoritative: authoritative?,
        verify_timeout: verify_timeout?,
    })
}

/// `ip`, `ip:port`, `[v6]` or `[v6]:port`.
pub(crate) fn parse_resolver(text: &str) -> Result<SocketAddr, String> {
    let addr = text
        .parse::<SocketAddr>()
        .ok()
        .or_else(|| {
            let bare = text.trim_start_matches('[').trim_end_matches(']');
            bare.parse::<IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, DNS_PORT))
        })
        .ok_or_else(|| rust_i18n::t!("cfg.sections.13", text = text).into_owned())?;
    if addr.port() == 0 {
        return Err(rust_i18n::t!("cfg.sections.14", text = text).into_owned());
    }
    Ok(addr)
}

/// `ip`, `ip:port`, `[v6]:port`, `host` or `host:port`.
pub(crate) fn parse_server(text: &str) -> Result<ServerSpec, String> {
    if let Ok(addr) = parse_resolver(text) {
        return Ok(ServerSpec {
            host: addr.ip().to_string(),
            port: addr.port(),
        });
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => {
            let port =
                p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                    rust_i18n::t!("cfg.sections.15", text = text, p = p).into_owned()
                })?;
            (h, port)
        }
        None => (text, DNS_PORT),
    };
    let host = super::validate_dns_name(host)
        .map_err(|e| rust_i18n::t!("cfg.sections.16", text = text, e = e).into_owned())?;
    Ok(ServerSpec { host, port })
}

/// `listen:`
pub(crate) fn listen(cx: &mut Ctx<'_>, raw: Option<&String>) -> Check<Option<SocketAddr>> {
    let Some(text) = cx.text("listen", raw)? else {
        return Ok(None);
    };
    let text = text.trim();
    let addr: SocketAddr = text.parse().map_err(|_| {
        cx.report(
            "listen",
            rust_i18n::t!("cfg.sections.17", text = text).into_owned(),
        )
    })?;
    if !addr.ip().is_loopback() {
        cx.warn(
            "listen",
            rust_i18n::t!("cfg.sections.18", addr = addr).into_owned(),
        );
    }
    Ok(Some(addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolvers() {
        let ok = [
            ("1.1.1.1", "1.1.1.1:53"),
            ("192.168.1.1:5353", "192.168.1.1:5353"),
            ("2606:4700:4700::1111", "[2606:4700:4700::1111]:53"),
            ("[2606:4700:4700::1111]", "[2606:4700:4700::1111]:53"),
            ("[::1]:5353", "[::1]:5353"),
        ];
        for (text, want) in ok {
            assert_eq!(parse_resolver(text).unwrap().to_string(), want, "{text}");
        }
        for bad in ["dns.google", "1.1.1.1:x", "1.1.1.1:0", "", "1.1.1.1:70000"] {
            assert!(parse_resolver(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn servers() {
        let ok = [
            ("ns1.example.net", "ns1.example.net:53"),
            ("NS1.Example.net.:5300", "ns1.example.net:5300"),
            ("127.0.0.1:5353", "127.0.0.1:5353"),
            ("2001:db8::53", "[2001:db8::53]:53"),
            ("[::1]:5353", "[::1]:5353"),
        ];
        for (text, want) in ok {
            assert_eq!(parse_server(text).unwrap().to_string(), want, "{text}");
        }
        for bad in [
            "ns1.example.net:x",
            "ns1..example.net",
            "ns1.example.net:0",
            "",
        ] {
            assert!(parse_server(bad).is_err(), "{bad}");
        }
    }
}

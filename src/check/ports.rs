//! The port probe (`check --ports`): connect to the primary MX host's address on 25 (and
//! 465, 587, 993 when asked), read the greeting, say EHLO, see whether STARTTLS is
//! offered and whether the certificate is valid for the MX host name, and compare the
//! name in the greeting with the address's reverse name.
//!
//! A probe from inside the network proves less than it seems: connecting to the line's
//! own public address from inside goes through the router's hairpin NAT (if it has
//! one), not through the ISP, so an open port here does not prove that the Internet can
//! reach it, and a router without hairpin NAT fails here although outside senders may
//! get through. The report says so.
//!
//! Test knobs (hidden, for the project's own tests; both only ever lead to loopback):
//! - `MXDDNS_TEST_PORT_MAP=25=127.0.0.1:2525,465=127.0.0.1:2465`: probe that loopback
//!   address instead of the MX address for that port. Entries whose target is not a
//!   loopback address are ignored.
//! - `MXDDNS_TEST_EXTRA_CA=/path/ca.pem`: trust this CA as well, only on connections to a
//!   loopback address.

use super::Finding;
use crate::dns::{join::join_all, Dns};
use crate::http::CaFile;
use rustls::pki_types::ServerName;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Time allowed to connect, and for each reply.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// The name the probe greets with.
const EHLO_NAME: &str = "mxddns-check.invalid";

/// The ports probed by default, and those that `--ports` may name.
pub const DEFAULT_PORTS: &[u16] = &[25];
pub const KNOWN_PORTS: &[u16] = &[25, 465, 587, 993];

/// What to probe for one domain.
pub struct ProbeInput<'a> {
    pub domain: &'a str,
    /// This network's public addresses.
    pub addrs: &'a [IpAddr],
    /// The ports to probe.
    pub ports: &'a [u16],
    /// Probe only MX addresses that are this network's (the default mode); with an
    /// explicit `--ports`, every address of the primary MX hosts.
    pub only_here: bool,
}

/// One address to probe: the MX host name (for TLS and the banner) and its address.
#[derive(Debug, Clone)]
struct Target {
    host: String,
    ip: IpAddr,
}

/// The probe's findings for one domain.
pub async fn probe(dns: &Dns, input: &ProbeInput<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mxs = match dns.mx(input.domain).await {
        Ok(m) => m,
        Err(e) => {
            out.push(Finding::could_not_check(
                "ports.dns",
                &rust_i18n::t!("find.ports.dns", v1 = input.domain),
                &e,
            ));
            return out;
        }
    };
    let Some(best) = mxs.iter().map(|m| m.preference).min() else {
        return out; // no MX: reported by the MX checks
    };
    let primary: Vec<&str> = mxs
        .iter()
        .filter(|m| m.preference == best)
        .map(|m| m.host.as_str())
        .collect();
    let mut targets = Vec::new();
    for host in &primary {
        match dns.addrs(host).await {
            Ok(ips) => {
                for ip in ips {
                    if !input.only_here || input.addrs.contains(&ip) {
                        targets.push(Target {
                            host: host.to_string(),
                            ip,
                        });
                    }
                }
            }
            Err(e) => out.push(Finding::could_not_check(
                "ports.dns",
                &rust_i18n::t!("find.ports.dns.2", host = host),
                &e,
            )),
        }
    }
    if targets.is_empty() {
        if input.only_here {
            out.push(
                Finding::info(
                    "ports.skipped",
                    rust_i18n::t!("find.ports.skipped", v1 = input.domain).into_owned(),
                )
                .with_fix(rust_i18n::t!("find.ports.skipped.2").into_owned()),
            );
        }
        return out;
    }
    let map = test_port_map();
    let extra_ca = test_extra_ca();
    let (map, extra_ca) = (&map, &extra_ca);
    let probes = targets.iter().flat_map(|t| {
        input.ports.iter().map(move |port| async move {
            let dest = map
                .iter()
                .find(|(p, _)| p == port)
                .map_or(SocketAddr::new(t.ip, *port), |(_, a)| *a);
            let ca = extra_ca.as_ref().filter(|_| dest.ip().is_loopback());
            let ptr = dns.ptr(t.ip).await.unwrap_or_default();
            (t, *port, probe_one(t, *port, dest, ca).await, ptr)
        })
    });
    let mut any_failed = false;
    for (t, port, result, ptr) in join_all(probes.collect()).await {
        let before = out.len();
        findings(&mut out, t, port, result, &ptr);
        any_failed |= out[before..]
            .iter()
            .any(|f| f.check.starts_with("ports.connect") && f.severity != super::Severity::Ok);
    }
    out.push(inside_note(any_failed));
    out
}

/// What a probe from inside can and cannot prove.
fn inside_note(failed: bool) -> Finding {
    let msg = if failed {
        rust_i18n::t!("find.ports.connect").into_owned()
    } else {
        rust_i18n::t!("find.ports").into_owned()
    };
    Finding::info("ports.inside", msg)
}

/// What one probe saw.
#[derive(Debug)]
struct Seen {
    /// The greeting line (without its code).
    banner: Option<String>,
    /// STARTTLS offered after EHLO (ports 25 and 587).
    starttls: Option<bool>,
    /// The TLS handshake and certificate check, when there was one.
    tls: Option<Result<(), String>>,
}

/// Why a probe stopped.
#[derive(Debug)]
enum Stop {
    Connect(String),
    Protocol(String),
}

async fn probe_one(
    t: &Target,
    port: u16,
    dest: SocketAddr,
    ca: Option<&CaFile>,
) -> Result<Seen, Stop> {
    let tcp = match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(dest)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(Stop::Connect(e.to_string())),
        Err(_) => {
            return Err(Stop::Connect(
                rust_i18n::t!("find.ports.2", v1 = STEP_TIMEOUT.as_secs()).into_owned(),
            ))
        }
    };
    let tls = tls_connector(ca);
    let name = ServerName::try_from(t.host.clone()).map_err(|e| {
        Stop::Protocol(rust_i18n::t!("find.ports.3", v1 = t.host, e = e).into_owned())
    })?;
    match port {
        465 | 993 => {
            let stream = match tokio::time::timeout(STEP_TIMEOUT, tls.connect(name, tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    return Ok(Seen {
                        banner: None,
                        starttls: None,
                        tls: Some(Err(e.to_string())),
                    })
                }
                Err(_) => return Err(Stop::Protocol(rust_i18n::t!("find.ports.4").into_owned())),
            };
            let mut r = BufReader::new(stream);
            let banner = if port == 993 {
                let line = read_line(&mut r).await?;
                if !line.starts_with("* OK") {
                    return Err(Stop::Protocol(
                        rust_i18n::t!("find.ports.imap_greeting", line = format!("{line:?}"))
                            .into_owned(),
                    ));
                }
                line.trim_start_matches("* OK").trim().to_string()
            } else {
                let (code, lines) = read_reply(&mut r).await?;
                if code != 220 {
                    return Err(Stop::Protocol(format!(
                        "greeting {code} {}",
                        lines.join(" ")
                    )));
                }
                let _ = r.get_mut().write_all(b"QUIT\r\n").await;
                lines.first().cloned().unwrap_or_default()
            };
            Ok(Seen {
                banner: Some(banner),
                starttls: None,
                tls: Some(Ok(())),
            })
        }
        _ => {
            let mut r = BufReader::new(tcp);
            let (code, lines) = read_reply(&mut r).await?;
            if code != 220 {
                return Err(Stop::Protocol(
                    rust_i18n::t!("find.ports.5", code = code, v1 = lines.join(" ")).into_owned(),
                ));
            }
            let banner = lines.first().cloned().unwrap_or_default();
            send(&mut r, &format!("EHLO {EHLO_NAME}")).await?;
            let (code, ehlo) = read_reply(&mut r).await?;
            if code != 250 {
                return Err(Stop::Protocol(
                    rust_i18n::t!("find.ports.6", code = code, v1 = ehlo.join(" ")).into_owned(),
                ));
            }
            let starttls = ehlo
                .iter()
                .any(|l| l.split_whitespace().next() == Some("STARTTLS"));
            if !starttls {
                let _ = send(&mut r, "QUIT").await;
                return Ok(Seen {
                    banner: Some(banner),
                    starttls: Some(false),
                    tls: None,
                });
            }
            send(&mut r, "STARTTLS").await?;
            let (code, l) = read_reply(&mut r).await?;
            if code != 220 {
                return Err(Stop::Protocol(
                    rust_i18n::t!("find.ports.7", code = code, v1 = l.join(" ")).into_owned(),
                ));
            }
            let tcp = r.into_inner();
            let handshake = match tokio::time::timeout(STEP_TIMEOUT, tls.connect(name, tcp)).await {
                Ok(Ok(mut s)) => {
                    let _ = s.write_all(b"QUIT\r\n").await;
                    Ok(())
                }
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(rust_i18n::t!("find.ports.8").into_owned()),
            };
            Ok(Seen {
                banner: Some(banner),
                starttls: Some(true),
                tls: Some(handshake),
            })
        }
    }
}

fn tls_connector(ca: Option<&CaFile>) -> tokio_rustls::TlsConnector {
    tokio_rustls::TlsConnector::from(Arc::new(crate::http::tls_client_config(ca)))
}

async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    r: &mut BufReader<S>,
    line: &str,
) -> Result<(), Stop> {
    r.get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|e| Stop::Protocol(rust_i18n::t!("find.ports.9", e = e).into_owned()))
}

async fn read_line<S: AsyncRead + Unpin>(r: &mut BufReader<S>) -> Result<String, Stop> {
    let mut line = String::new();
    match tokio::time::timeout(STEP_TIMEOUT, r.read_line(&mut line)).await {
        Ok(Ok(0)) => Err(Stop::Protocol(rust_i18n::t!("find.ports.10").into_owned())),
        Ok(Ok(_)) => {
            // Never keep a huge line: a reply line is at most 512 bytes (RFC 5321 §4.5.3.1.5).
            line.truncate(512);
            Ok(line.trim_end().to_string())
        }
        Ok(Err(e)) => Err(Stop::Protocol(
            rust_i18n::t!("find.ports.11", e = e).into_owned(),
        )),
        Err(_) => Err(Stop::Protocol(
            rust_i18n::t!("find.ports.12", v1 = STEP_TIMEOUT.as_secs()).into_owned(),
        )),
    }
}

/// One SMTP reply: its code and the text of each line.
async fn read_reply<S: AsyncRead + Unpin>(
    r: &mut BufReader<S>,
) -> Result<(u16, Vec<String>), Stop> {
    let mut lines = Vec::new();
    for _ in 0..100 {
        let line = read_line(r).await?;
        let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).ok_or_else(|| {
            Stop::Protocol(
                rust_i18n::t!(
                    "find.ports.not_smtp",
                    line = format!("{:?}", sanitize(&line))
                )
                .into_owned(),
            )
        })?;
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line.get(4..).unwrap_or_default().to_string());
        if !more {
            return Ok((code, lines));
        }
    }
    Err(Stop::Protocol(rust_i18n::t!("find.ports.13").into_owned()))
}

/// Printable ASCII only, for quoting what a server said.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(120)
        .collect()
}

/// The findings for one probe of `t` on `port`.
fn findings(
    out: &mut Vec<Finding>,
    t: &Target,
    port: u16,
    result: Result<Seen, Stop>,
    ptr: &[String],
) {
    let (host, ip) = (&t.host, t.ip);
    let what = match port {
        25 => "SMTP".to_string(),
        465 => rust_i18n::t!("find.ports.14").into_owned(),
        587 => rust_i18n::t!("find.ports.submission").into_owned(),
        993 => rust_i18n::t!("find.ports.15").into_owned(),
        _ => rust_i18n::t!("find.ports.service").into_owned(),
    };
    let seen = match result {
        Err(Stop::Connect(e)) => {
            out.push(Finding::error(
                "ports.connect",
                rust_i18n::t!(
                    "find.ports.connect.2",
                    host = host,
                    ip = ip,
                    port = port,
                    what = what,
                    e = e
                )
                .into_owned(),
                rust_i18n::t!("find.ports.connect.3", port = port).into_owned(),
            ));
            return;
        }
        Err(Stop::Protocol(e)) => {
            out.push(Finding::error(
                "ports.protocol",
                rust_i18n::t!(
                    "find.ports.protocol",
                    host = host,
                    ip = ip,
                    port = port,
                    what = what,
                    v1 = sanitize(&e)
                )
                .into_owned(),
                rust_i18n::t!("find.ports.protocol.2", port = port).into_owned(),
            ));
            return;
        }
        Ok(s) => s,
    };
    out.push(Finding::ok(
        "ports.connect",
        rust_i18n::t!(
            "find.ports.connect.4",
            host = host,
            ip = ip,
            port = port,
            what = what,
            v1 = seen
                .banner
                .as_deref()
                .map(|b| format!(": \"{}\"", sanitize(b)))
                .unwrap_or_default()
        )
        .into_owned(),
    ));
    match seen.starttls {
        Some(false) => out.push(Finding::warn(
            "ports.starttls",
            rust_i18n::t!("find.ports.starttls", host = host, port = port).into_owned(),
            rust_i18n::t!("find.ports.starttls.2").into_owned(),
        )),
        Some(true) => out.push(Finding::ok(
            "ports.starttls",
            rust_i18n::t!("find.ports.starttls.3", host = host, port = port).into_owned(),
        )),
        None => {}
    }
    match &seen.tls {
        Some(Ok(())) => out.push(Finding::ok(
            "ports.certificate",
            rust_i18n::t!("find.ports.certificate", host = host, port = port).into_owned(),
        )),
        Some(Err(e)) => out.push(Finding::warn(
            "ports.certificate",
            rust_i18n::t!(
                "find.ports.certificate.2",
                host = host,
                port = port,
                v1 = sanitize(e)
            )
            .into_owned(),
            rust_i18n::t!("find.ports.certificate.3", host = host).into_owned(),
        )),
        None => {}
    }
    if let Some(banner) = &seen.banner {
        let name = banner
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if name.is_empty() || port == 993 {
            return;
        }
        if ptr.iter().any(|p| p.eq_ignore_ascii_case(&name)) {
            out.push(Finding::ok(
                "ports.banner",
                rust_i18n::t!(
                    "find.ports.banner",
                    host = host,
                    port = port,
                    name = name,
                    ip = ip
                )
                .into_owned(),
            ));
        } else {
            let reverse = if ptr.is_empty() {
                "none".to_string()
            } else {
                ptr.join(", ")
            };
            out.push(Finding::warn(
                "ports.banner",
                rust_i18n::t!(
                    "find.ports.banner.2",
                    host = host,
                    port = port,
                    name = name,
                    ip = ip,
                    reverse = reverse
                )
                .into_owned(),
                rust_i18n::t!(
                    "find.ports.banner.3",
                    v1 = ptr.first().map_or(host.as_str(), String::as_str)
                )
                .into_owned(),
            ));
        }
    }
}

/// `MXDDNS_TEST_PORT_MAP`: port -> loopback address, for the project's tests. Targets
/// that are not loopback are ignored, so the knob can never send a probe elsewhere.
pub fn test_port_map() -> Vec<(u16, SocketAddr)> {
    let Ok(v) = std::env::var("MXDDNS_TEST_PORT_MAP") else {
        return Vec::new();
    };
    v.split(',')
        .filter_map(|e| {
            let (p, a) = e.trim().split_once('=')?;
            let port: u16 = p.trim().parse().ok()?;
            let addr: SocketAddr = a.trim().parse().ok()?;
            addr.ip().is_loopback().then_some((port, addr))
        })
        .collect()
}

/// `MXDDNS_TEST_EXTRA_CA`: a CA trusted besides the webpki roots on loopback
/// connections only (the callers check the peer), for the project's tests.
pub fn test_extra_ca() -> Option<CaFile> {
    let p = std::env::var_os("MXDDNS_TEST_EXTRA_CA")?;
    match CaFile::load(std::path::Path::new(&p)) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!("MXDDNS_TEST_EXTRA_CA ignored: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_map_only_ever_leads_to_loopback() {
        std::env::set_var(
            "MXDDNS_TEST_PORT_MAP",
            "25=127.0.0.1:2525, 465=192.0.2.1:465,587=[::1]:2587,bad",
        );
        let m = test_port_map();
        std::env::remove_var("MXDDNS_TEST_PORT_MAP");
        assert_eq!(
            m,
            vec![
                (25, "127.0.0.1:2525".parse().unwrap()),
                (587, "[::1]:2587".parse().unwrap())
            ]
        );
    }
}

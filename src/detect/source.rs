//! IP source specs as written in `detect.ipv4` / `detect.ipv6`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// A public DNS "what is my address" service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsService {
    /// `myip.opendns.com` A/AAAA at resolver1.opendns.com.
    OpenDns,
    /// `whoami.cloudflare` TXT (class CH) at 1.1.1.1 / 2606:4700:4700::1111.
    Cloudflare,
    /// `o-o.myaddr.l.google.com` TXT at ns1.google.com.
    Google,
}

impl DnsService {
    pub fn name(self) -> &'static str {
        match self {
            DnsService::OpenDns => "opendns",
            DnsService::Cloudflare => "cloudflare",
            DnsService::Google => "google",
        }
    }
}

/// One IP source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// `https://…` (or `http://` on loopback): a plain-text address, or a key=value body
    /// with an `ip=` line (Cloudflare's /cdn-cgi/trace).
    Http(String),
    /// `dns:opendns`, `dns:cloudflare`, `dns:google`; `dns:NAME@IP:PORT` asks that server
    /// instead of the service's own (for tests and for networks that intercept port 53).
    Dns {
        service: DnsService,
        server: Option<SocketAddr>,
    },
    /// `interface:eth0`: the global address on a local interface (a router's WAN port).
    Interface(String),
    /// `cmd:/path/to/program`: a command whose standard output is the address.
    Command(PathBuf),
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Http(u) => f.write_str(u),
            SourceSpec::Dns {
                service,
                server: None,
            } => write!(f, "dns:{}", service.name()),
            SourceSpec::Dns {
                service,
                server: Some(s),
            } => write!(f, "dns:{}@{s}", service.name()),
            SourceSpec::Interface(i) => write!(f, "interface:{i}"),
            SourceSpec::Command(p) => write!(f, "cmd:{}", p.display()),
        }
    }
}

impl FromStr for SourceSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with("https://") || s.starts_with("http://") {
            let url = url_host_ok(s)?;
            return Ok(SourceSpec::Http(url));
        }
        if let Some(rest) = s.strip_prefix("dns:") {
            let (name, server) = match rest.split_once('@') {
                Some((n, srv)) => {
                    let addr: SocketAddr = srv
                        .parse()
                        .map_err(|_| rust_i18n::t!("ui.source", srv = srv, s = s).into_owned())?;
                    (n, Some(addr))
                }
                None => (rest, None),
            };
            let service = match name {
                "opendns" => DnsService::OpenDns,
                "cloudflare" => DnsService::Cloudflare,
                "google" => DnsService::Google,
                other => return Err(rust_i18n::t!("ui.source.2", other = other).into_owned()),
            };
            return Ok(SourceSpec::Dns { service, server });
        }
        if let Some(name) = s.strip_prefix("interface:") {
            if name.is_empty() || name.len() > 15 || name.contains(['/', ' ']) {
                return Err(rust_i18n::t!("ui.source.3", name = name).into_owned());
            }
            return Ok(SourceSpec::Interface(name.to_string()));
        }
        if let Some(path) = s.strip_prefix("cmd:") {
            if path.is_empty() {
                return Err(rust_i18n::t!("ui.source.4").into_owned().to_string());
            }
            if path.trim().contains(char::is_whitespace) {
                return Err(rust_i18n::t!("ui.source.5", s = s).into_owned());
            }
            return Ok(SourceSpec::Command(PathBuf::from(path)));
        }
        Err(rust_i18n::t!("ui.source.6", s = s).into_owned())
    }
}

/// Plain http is allowed only on loopback (a test server or a local helper); everything
/// that crosses a network goes over https.
fn url_host_ok(s: &str) -> Result<String, String> {
    let u = crate::net::parse_url(s)
        .map_err(|e| rust_i18n::t!("ui.source.7", s = s, e = e).into_owned())?;
    if u.scheme() == "http" && !crate::net::is_loopback_host(u.host_str().unwrap_or("")) {
        return Err(rust_i18n::t!("ui.source.8", s = s).into_owned());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        assert_eq!(
            "https://api.ipify.org".parse::<SourceSpec>().unwrap(),
            SourceSpec::Http("https://api.ipify.org".into())
        );
        assert_eq!(
            "dns:opendns".parse::<SourceSpec>().unwrap(),
            SourceSpec::Dns {
                service: DnsService::OpenDns,
                server: None
            }
        );
        assert_eq!(
            "dns:google@127.0.0.1:5353".parse::<SourceSpec>().unwrap(),
            SourceSpec::Dns {
                service: DnsService::Google,
                server: Some("127.0.0.1:5353".parse().unwrap())
            }
        );
        assert_eq!(
            "interface:eth0".parse::<SourceSpec>().unwrap(),
            SourceSpec::Interface("eth0".into())
        );
        assert_eq!(
            "cmd:/usr/bin/wan-ip".parse::<SourceSpec>().unwrap(),
            SourceSpec::Command("/usr/bin/wan-ip".into())
        );
        assert!("http://127.0.0.1:8080/ip".parse::<SourceSpec>().is_ok());
        assert!("http://[::1]:8080/ip".parse::<SourceSpec>().is_ok());
    }

    #[test]
    fn rejects_with_a_reason() {
        assert!("http://api.ipify.org"
            .parse::<SourceSpec>()
            .unwrap_err()
            .contains("only https"));
        assert!("dns:quad9"
            .parse::<SourceSpec>()
            .unwrap_err()
            .contains("dns:opendns"));
        assert!("ftp://x"
            .parse::<SourceSpec>()
            .unwrap_err()
            .contains("not an IP source"));
        assert!("cmd:".parse::<SourceSpec>().is_err());
    }
}

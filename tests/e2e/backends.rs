//! The six back-ends one scene runs on: the five emulated registrars (the fake), and RFC
//! 2136 (`type: rfc2136`, TSIG) to a REAL BIND 9 or Knot DNS started here on loopback,
//! holding the scene's zones as zone files it loads. A scene is written once, as the
//! fake's seed ([`FakeOptions`]); [`Scene`] starts it on the chosen back-end and reads
//! back what the back-end then holds (the fake's store, or signed queries to the real
//! server), so the same assertions hold for all six.
//!
//! The binary reaches a real server through a [`DnsProxy`], which counts its queries and
//! UPDATEs (the registrars' request log, for RFC 2136) and can make the server go away
//! mid-update. Verification and the resolver ask the real server directly.

use super::harness::{Env, Registrar};
use super::servers::bind::{Bind, BindConf, Zone as BindZone};
use super::servers::knot::{Knot, KnotConf};
use super::servers::proxy::{DnsProxy, Fault};
use mxddns_fakereg::{FakeOptions, HttpFault, RrType, SeedValue, ZoneSeed};
use mxddns_providers::rfc2136::{Algorithm, Rfc2136, TsigKey};
use mxddns_providers::{ApiCounters, Provider, RecordType, Secret};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub const KEY_NAME: &str = "mxddns-key";
/// A fixed test key (32 random bytes, base64), as `tsig-keygen` would write.
pub const SECRET: &str = "6hFvFfbXuhzkWb6OL2bzxs2C5BmRCJWKGbCO1anmGNk=";

/// One test per back-end for each scene function `fn name(back: Back)` of the calling
/// module (which imports `Back` and `Registrar`): `scene_tests!(all: a, b)` makes the tests
/// `a::registrars` (the five emulated ones, in turn), `a::bind` and `a::knot`, and so on;
/// `scene_tests!(servers: a)` makes `a::bind` and `a::knot` only.
macro_rules! scene_tests {
    (all: $($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[test]
            fn registrars() {
                for r in Registrar::ALL {
                    super::$name(Back::Registrar(r));
                }
            }
            #[test]
            fn bind() {
                super::$name(Back::Bind);
            }
            #[test]
            fn knot() {
                super::$name(Back::Knot);
            }
        }
    )*};
    (servers: $($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[test]
            fn bind() {
                super::$name(Back::Bind);
            }
            #[test]
            fn knot() {
                super::$name(Back::Knot);
            }
        }
    )*};
}
pub(crate) use scene_tests;

/// Where a scene's zones live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Back {
    /// An emulated registrar's API (the fake).
    Registrar(Registrar),
    /// RFC 2136 to a real BIND 9.
    Bind,
    /// RFC 2136 to a real Knot DNS.
    Knot,
}

impl Back {
    /// Whether the back-end keeps a TXT record's character-strings as written (Cloudflare,
    /// Huawei Cloud and DNS itself); Alidns, GoDaddy and DNSPod take one string and split
    /// it themselves.
    pub fn keeps_txt_strings(self) -> bool {
        !matches!(
            self,
            Back::Registrar(Registrar::Aliyun | Registrar::GoDaddy | Registrar::Dnspod)
        )
    }
}

/// A running real server.
enum Server {
    Bind(Bind),
    Knot(Knot),
}

impl Server {
    fn addr(&self) -> SocketAddr {
        match self {
            Server::Bind(b) => b.addr(),
            Server::Knot(k) => k.addr(),
        }
    }
    fn log(&self) -> String {
        match self {
            Server::Bind(b) => b.log(),
            Server::Knot(k) => k.log(),
        }
    }
}

struct Real {
    server: Server,
    proxy: DnsProxy,
}

/// A scene started on one back-end.
pub struct Scene {
    pub back: Back,
    /// The fake: the registrar API and its zones, or only the IP echo for RFC 2136.
    pub env: Env,
    real: Option<Real>,
}

impl Scene {
    /// Start `opts`'s zones on `back` (the fake's echo and credentials come with it).
    pub fn start(back: Back, opts: FakeOptions) -> Scene {
        match back {
            Back::Registrar(r) => Scene {
                back,
                env: Env::with(r.with_credentials(opts)),
                real: None,
            },
            Back::Bind | Back::Knot => {
                let zones: Vec<(String, String)> = opts
                    .zones
                    .iter()
                    .map(|z| (z.name.clone(), zone_file(z)))
                    .collect();
                let server = start_server(back, &zones);
                let proxy = DnsProxy::start(server.addr());
                let echo_only = FakeOptions {
                    zones: Vec::new(),
                    ..opts
                };
                Scene {
                    back,
                    env: Env::with(echo_only),
                    real: Some(Real { server, proxy }),
                }
            }
        }
    }

    /// The config text with `domains` (YAML list items, `{provider}` for the account).
    pub fn config_text(&self, domains: &str) -> String {
        let Back::Registrar(r) = self.back else {
            let real = self.real.as_ref().expect("a real server");
            return format!(
                r#"schedule: 30s
state_file: {state}
detect:
  ipv4: ["{echo}"]
  timeout: 5s
providers:
  own-dns:
    type: rfc2136
    server: {proxy}
    tsig_key_name: {KEY_NAME}
    tsig_algorithm: hmac-sha256
    tsig_secret: "{SECRET}"
domains:
{domains}dns:
  resolvers: ["{server}"]
  authoritative: ["{server}"]
  verify_timeout: 20s
"#,
                state = self.env.state_file().display(),
                echo = self.env.fake.echo_url(),
                proxy = real.proxy.addr(),
                server = real.server.addr(),
                domains = domains.replace("{provider}", "own-dns"),
            );
        };
        self.env.config_for(r, domains)
    }

    /// Write the config with `domains` and return its path.
    pub fn config(&self, domains: &str) -> PathBuf {
        self.env.write_config(&self.config_text(domains))
    }

    /// The records `name`/`rtype` the back-end holds now, in presentation form (TXT as
    /// its quoted strings, names without the final dot).
    pub fn records(&self, name: &str, rtype: RrType) -> Vec<String> {
        let Some(real) = &self.real else {
            return self.env.fake.store().records(name, rtype);
        };
        let rtype = RecordType::parse(rtype.as_str()).expect("a type the agent models");
        let p = Rfc2136::new(
            real.server.addr().to_string(),
            TsigKey {
                name: KEY_NAME.into(),
                algorithm: Algorithm::HmacSha256,
                secret: Secret::new(SECRET),
            },
            Arc::new(ApiCounters::default()),
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let zone = mxddns_providers::Zone {
                id: name.into(),
                name: name.into(),
            };
            let mut got: Vec<String> = p
                .list(&zone, name, rtype)
                .await
                .unwrap_or_else(|e| panic!("read {name} {rtype} from the server: {e}"))
                .into_iter()
                .map(|r| r.data.to_string())
                .collect();
            got.sort();
            got
        })
    }

    pub fn a_records(&self, name: &str) -> Vec<String> {
        self.records(name, RrType::A)
    }

    /// Requests that asked for a change: registrar API writes, or UPDATE messages.
    pub fn writes(&self) -> usize {
        match &self.real {
            Some(r) => r.proxy.updates(),
            None => self.env.writes(),
        }
    }

    /// Requests to the back-end: registrar API calls, or DNS messages to the server.
    pub fn api_requests(&self) -> usize {
        match &self.real {
            Some(r) => r.proxy.updates() + r.proxy.queries(),
            None => self.env.api_requests(),
        }
    }

    /// What the back-end saw, for failure messages.
    pub fn requests(&self) -> String {
        match &self.real {
            Some(r) => format!("--- server log\n{}", r.server.log()),
            None => format!("{:#?}", self.env.fake.requests()),
        }
    }

    /// Let `pass` more writes through, then fail every one: a 503 from the registrar, or
    /// at a real server an UPDATE that is never answered (its TCP connection cut).
    pub fn fail_writes_after(&self, pass: u32) {
        match (&self.real, self.back) {
            (Some(r), _) => r
                .proxy
                .set_fault_after(pass as usize, Fault::UpdatesUnanswered),
            (None, Back::Registrar(reg)) => {
                let vendor = super::registrars::all()
                    .into_iter()
                    .find(|v| v.vendor == reg.vendor())
                    .expect("the registrar's request matchers");
                self.env.fake.faults().http_always_after(
                    (vendor.update)(),
                    pass,
                    HttpFault::status(503, "service unavailable"),
                );
            }
            (None, _) => unreachable!("a real server back-end without its server"),
        }
    }

    /// Writes succeed again (the server is back).
    pub fn heal(&self) {
        match &self.real {
            Some(r) => r.proxy.set_fault(Fault::None),
            None => {
                self.env.fake.faults().clear();
            }
        }
    }

    /// The proxy between the binary and the real server (RFC 2136 back-ends only).
    pub fn proxy(&self) -> &DnsProxy {
        &self.real.as_ref().expect("a real server").proxy
    }

    /// Where the binary sends its UPDATEs (the proxy).
    pub fn server_addr(&self) -> SocketAddr {
        self.proxy().addr()
    }
}

/// A zone file body for the real servers (they write the SOA): the seed's records, an
/// apex NS, names as FQDNs.
fn zone_file(z: &ZoneSeed) -> String {
    let origin = z.name.trim_end_matches('.').to_ascii_lowercase();
    let mut out = String::from("@ NS ns\nns A 127.0.0.1\n");
    for r in &z.records {
        if matches!(r.rtype, RrType::SOA | RrType::NS) {
            continue;
        }
        let n = r.name.trim_end_matches('.').to_ascii_lowercase();
        let owner = if n == "@" || n == origin {
            format!("{origin}.")
        } else if n.ends_with(&format!(".{origin}")) {
            format!("{n}.")
        } else {
            format!("{n}.{origin}.")
        };
        let value = match (&r.value, r.rtype) {
            (SeedValue::Strings(parts), _) => quoted(parts),
            (SeedValue::Text(t), RrType::TXT) if !t.starts_with('"') => {
                quoted(std::slice::from_ref(t))
            }
            (SeedValue::Text(t), _) => t.clone(),
        };
        out.push_str(&format!("{owner} {} IN {} {value}\n", r.ttl, r.rtype));
    }
    out
}

fn quoted(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// BIND or Knot holding `zones` (name, body), each updatable and transferable with the
/// test key.
fn start_server(back: Back, zones: &[(String, String)]) -> Server {
    match back {
        Back::Bind => {
            let policy = format!(
                "  update-policy {{ grant \"{KEY_NAME}\" zonesub ANY; }};\n  allow-transfer {{ key \"{KEY_NAME}\"; }};\n"
            );
            let mut conf = BindConf::loopback().top(&format!(
                "key \"{KEY_NAME}\" {{\n  algorithm hmac-sha256;\n  secret \"{SECRET}\";\n}};"
            ));
            for (name, body) in zones {
                conf = conf.zone(BindZone::primary(name, body).with_extra(&policy));
            }
            Server::Bind(Bind::start(conf))
        }
        Back::Knot => Server::Knot(Knot::start(KnotConf {
            zones: zones.to_vec(),
            keys: format!("  - id: {KEY_NAME}\n    algorithm: hmac-sha256\n    secret: {SECRET}\n"),
            acls: format!("  - id: update\n    key: {KEY_NAME}\n    action: [update, transfer]\n"),
            zone_acls: vec!["update".into()],
        })),
        Back::Registrar(_) => unreachable!("a registrar has no server to start"),
    }
}

//! The "what is my IP" answers: `GET /ip`, `/ip4`, `/ip6`, `/cdn-cgi/trace` over HTTP, and the
//! DNS whoami names (served by the DNS module from the same state).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, RwLock};

use crate::http::{HttpRequest, HttpResponse, Vendor};

/// The addresses the echo services report, one per family; settable at runtime.
#[derive(Clone, Debug, Default)]
pub struct EchoIps {
    inner: Arc<RwLock<(Option<Ipv4Addr>, Option<Ipv6Addr>)>>,
}

impl EchoIps {
    pub(crate) fn new(v4: Option<Ipv4Addr>, v6: Option<Ipv6Addr>) -> Self {
        EchoIps {
            inner: Arc::new(RwLock::new((v4, v6))),
        }
    }

    /// Sets the address of `ip`'s family.
    pub fn set(&self, ip: IpAddr) {
        let mut g = self.inner.write().unwrap_or_else(|e| e.into_inner());
        match ip {
            IpAddr::V4(a) => g.0 = Some(a),
            IpAddr::V6(a) => g.1 = Some(a),
        }
    }

    /// Removes the IPv4 address (the echo then has none of that family).
    pub fn clear_v4(&self) {
        self.inner.write().unwrap_or_else(|e| e.into_inner()).0 = None;
    }

    /// Removes the IPv6 address.
    pub fn clear_v6(&self) {
        self.inner.write().unwrap_or_else(|e| e.into_inner()).1 = None;
    }

    pub fn v4(&self) -> Option<Ipv4Addr> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).0
    }

    pub fn v6(&self) -> Option<Ipv6Addr> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).1
    }

    /// The address to report to a client: the one of `prefer_v6`'s family if set, else the other.
    pub fn for_client(&self, prefer_v6: bool) -> Option<IpAddr> {
        let (v4, v6) = (self.v4().map(IpAddr::V4), self.v6().map(IpAddr::V6));
        if prefer_v6 {
            v6.or(v4)
        } else {
            v4.or(v6)
        }
    }
}

/// The HTTP echo service.
pub(crate) struct EchoVendor {
    pub ips: EchoIps,
}

impl Vendor for EchoVendor {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn is_write(&self, _req: &HttpRequest) -> bool {
        false
    }

    fn handle(&self, req: &HttpRequest) -> HttpResponse {
        if req.method != "GET" && req.method != "HEAD" {
            return HttpResponse::text(405, "method not allowed\n");
        }
        let ip = match req.path.as_str() {
            "/ip" | "/cdn-cgi/trace" => self.ips.for_client(false),
            "/ip4" => self.ips.v4().map(IpAddr::V4),
            "/ip6" => self.ips.v6().map(IpAddr::V6),
            _ => return HttpResponse::text(404, "not found\n"),
        };
        let Some(ip) = ip else {
            return HttpResponse::text(503, "no address of that family is configured\n");
        };
        if req.path == "/cdn-cgi/trace" {
            let body = format!(
                "fl=1f1\nh=127.0.0.1\nip={ip}\nts=0.000\nvisit_scheme=http\nuag=mxddns\ncolo=LOC\nsliver=none\nhttp=http/1.1\nloc=XX\ntls=off\nsni=off\nwarp=off\ngateway=off\nrbi=off\nkex=none\n"
            );
            return HttpResponse::text(200, &body);
        }
        HttpResponse::text(200, &format!("{ip}\n"))
    }

    fn rate_limited(&self, retry_after_secs: u64) -> HttpResponse {
        HttpResponse::text(429, "too many requests\n")
            .header("retry-after", &retry_after_secs.to_string())
    }
}

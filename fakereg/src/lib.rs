//! A fake registrar for mxddns' end-to-end tests, `mxddns demo` and the benchmarks.
//!
//! One [`FakeRegistrar`] runs, on 127.0.0.1 ephemeral ports:
//! - an authoritative DNS server (UDP and TCP on one port) over a shared zone [`Store`], which
//!   takes RFC 2136 UPDATEs signed with TSIG (keys in [`FakeOptions::rfc2136`]; the demo's is
//!   [`DEMO_TSIG_KEY_NAME`]) and answers TSIG-signed queries and zone transfers signed, and
//!   also answers the "what is my IP" names (`myip.opendns.com`, `whoami.cloudflare`,
//!   `o-o.myaddr.l.google.com`) from the echo address;
//! - a Cloudflare API v4 emulator on its own listener, under `/client/v4`;
//! - a GoDaddy Domains API v1 emulator on its own listener, under `/v1/domains`;
//! - an Aliyun Alidns (2015-01-09, RPC) emulator on its own listener, at `/`;
//! - an IP echo (`/ip`, `/ip4`, `/ip6`, `/cdn-cgi/trace`) on its own listener;
//! - a request log ([`RequestLog`]) and a fault script ([`Faults`]) shared by all of them.
//!
//! Vendor emulators are sibling modules implementing the crate-private `http::Vendor` trait;
//! each gets its own listener (so its paths are exactly the real ones) with the same store,
//! log and faults. See `launch` for where Aliyun plugs in.

mod aliyun;
pub mod clock;
mod cloudflare;
mod dns;
mod dnspod;
pub mod echo;
pub mod faults;
mod godaddy;
mod http;
mod huaweicloud;
pub mod ids;
pub mod log;
pub mod options;
pub mod rdata;
pub mod store;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::watch;

pub use aliyun::options::{
    AliyunAccess, AliyunKey, AliyunOptions, DEMO_ALIYUN_KEY_ID, DEMO_ALIYUN_KEY_SECRET,
    FREE_EDITION_MIN_TTL,
};
pub use dns::tsig::{
    KeyError, Rfc2136Options, TsigKeySeed, DEMO_TSIG_ALGORITHM, DEMO_TSIG_KEY_NAME,
    DEMO_TSIG_SECRET,
};
pub use dnspod::{DnspodKey, DnspodOptions, DEMO_DNSPOD_SECRET_ID, DEMO_DNSPOD_SECRET_KEY};
pub use echo::EchoIps;
pub use faults::{DnsFault, DnsMatch, Faults, HttpFault, HttpMatch};
pub use huaweicloud::{HuaweiKey, HuaweiOptions, DEMO_HUAWEICLOUD_AK, DEMO_HUAWEICLOUD_SK};
pub use log::{LoggedQuery, LoggedRequest, RequestLog};
pub use options::{
    CfToken, CloudflareOptions, FakeOptions, FakeSecret, GdKey, GdRateLimit, GdRestriction,
    GoDaddyOptions, RateLimit, RecordSeed, SeedError, SeedValue, ZoneSeed, DEMO_GODADDY_KEY,
    DEMO_GODADDY_SECRET, EXAMPLE_CF_TOKEN,
};
pub use rdata::{Rdata, RrType, SoaData};
pub use store::{NewRecord, Store, StoreError, StoredRecord, Zone, Zones};

/// Shared state and bound addresses of a running fake registrar.
struct Running {
    store: Store,
    log: RequestLog,
    faults: Faults,
    echo: EchoIps,
    dns: SocketAddr,
    dns_v6: Option<SocketAddr>,
    cloudflare: SocketAddr,
    godaddy: SocketAddr,
    aliyun: SocketAddr,
    dnspod: SocketAddr,
    huaweicloud: SocketAddr,
    echo_http: SocketAddr,
}

/// Handle on a running fake registrar. Dropping it stops every server.
pub struct FakeRegistrar {
    running: Running,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeRegistrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRegistrar")
            .field("dns", &self.running.dns)
            .field("cloudflare", &self.running.cloudflare)
            .field("godaddy", &self.running.godaddy)
            .field("aliyun", &self.running.aliyun)
            .field("echo", &self.running.echo_http)
            .finish_non_exhaustive()
    }
}

/// Seeds the store and starts every server on the current tokio runtime.
async fn launch(opts: FakeOptions, log: RequestLog) -> io::Result<(Running, watch::Sender<bool>)> {
    let store = Store::new();
    opts.seed(&store)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let faults = Faults::default();
    let keys = dns::tsig::Keyring::new(&opts.rfc2136)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let echo = EchoIps::new(opts.echo_ipv4, opts.echo_ipv6);
    // Every server stops when this turns true or when the sender is dropped.
    let (stop, stopped) = watch::channel(false);

    let dns = dns::serve(
        dns::DnsShared {
            store: store.clone(),
            echo: echo.clone(),
            log: log.clone(),
            faults: faults.clone(),
            keys,
        },
        stopped.clone(),
    )
    .await?;
    let shared = http::HttpShared {
        log: log.clone(),
        faults: faults.clone(),
    };
    let cloudflare = http::serve(
        Arc::new(cloudflare::Cloudflare::new(
            store.clone(),
            opts.cloudflare.clone(),
        )),
        shared.clone(),
        stopped.clone(),
    )
    .await?;
    let godaddy = http::serve(
        Arc::new(godaddy::GoDaddy::new(store.clone(), opts.godaddy.clone())),
        shared.clone(),
        stopped.clone(),
    )
    .await?;
    let aliyun = http::serve(
        Arc::new(aliyun::Aliyun::new(store.clone(), opts.aliyun.clone())),
        shared.clone(),
        stopped.clone(),
    )
    .await?;
    let dnspod = http::serve(
        Arc::new(dnspod::Dnspod::new(store.clone(), opts.dnspod.clone())),
        shared.clone(),
        stopped.clone(),
    )
    .await?;
    let huaweicloud = http::serve(
        Arc::new(huaweicloud::HuaweiCloud::new(
            store.clone(),
            opts.huaweicloud.clone(),
        )),
        shared.clone(),
        stopped.clone(),
    )
    .await?;
    let echo_http = http::serve(
        Arc::new(echo::EchoVendor { ips: echo.clone() }),
        shared,
        stopped,
    )
    .await?;

    let running = Running {
        store,
        log,
        faults,
        echo,
        dns: dns.v4,
        dns_v6: dns.v6,
        cloudflare,
        godaddy,
        aliyun,
        dnspod,
        huaweicloud,
        echo_http,
    };
    Ok((running, stop))
}

impl FakeRegistrar {
    /// Starts everything on 127.0.0.1 ephemeral ports on a dedicated background thread with
    /// its own tokio current-thread runtime, so plain `#[test]` functions (which spawn the real
    /// binary with `std::process`) can use it. Dropping the handle stops it.
    pub fn spawn(opts: FakeOptions) -> io::Result<FakeRegistrar> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("fakereg".to_string())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    match launch(opts, RequestLog::default()).await {
                        Ok((running, stop)) => {
                            let mut stopped = stop.subscribe();
                            if tx.send(Ok((running, stop))).is_ok() {
                                // Ends on `true` or when the handle (the sender) is dropped.
                                let _ = stopped.wait_for(|s| *s).await;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (running, shutdown) = rx
            .recv()
            .map_err(|_| io::Error::other("the fake registrar thread ended before starting"))??;
        Ok(FakeRegistrar {
            running,
            shutdown,
            thread: Some(thread),
        })
    }

    /// The same, inside an existing tokio runtime (used by `mxddns demo`). The servers run as
    /// tasks of that runtime until the handle is dropped.
    pub async fn start(opts: FakeOptions) -> io::Result<FakeRegistrar> {
        Self::start_with_log(opts, RequestLog::default()).await
    }

    /// [`FakeRegistrar::start`] with a given request log (one that also writes a file, for
    /// the standalone binary's `--log`).
    pub async fn start_with_log(opts: FakeOptions, log: RequestLog) -> io::Result<FakeRegistrar> {
        let (running, shutdown) = launch(opts, log).await?;
        Ok(FakeRegistrar {
            running,
            shutdown,
            thread: None,
        })
    }

    /// The DNS server (UDP and TCP) on 127.0.0.1.
    pub fn dns_addr(&self) -> SocketAddr {
        self.running.dns
    }

    /// The RFC 2136 server (UPDATE with TSIG): the DNS server's address.
    pub fn rfc2136_server(&self) -> SocketAddr {
        self.running.dns
    }

    /// The same DNS server on `[::1]`, when the machine has IPv6 loopback.
    pub fn dns_addr_v6(&self) -> Option<SocketAddr> {
        self.running.dns_v6
    }

    /// `http://127.0.0.1:PORT/client/v4`
    pub fn cloudflare_endpoint(&self) -> String {
        format!("http://{}/client/v4", self.running.cloudflare)
    }

    /// `http://127.0.0.1:PORT`: the GoDaddy API base (paths start with `/v1/domains`).
    pub fn godaddy_endpoint(&self) -> String {
        format!("http://{}", self.running.godaddy)
    }

    /// `http://127.0.0.1:PORT`: the Alidns endpoint (RPC, path `/`).
    pub fn aliyun_endpoint(&self) -> String {
        format!("http://{}", self.running.aliyun)
    }

    /// `http://127.0.0.1:PORT/ip`: the IPv4 echo address (or the IPv6 one when no IPv4 is set).
    /// The DNSPod (Tencent Cloud API 3.0) emulator's base URL.
    pub fn dnspod_endpoint(&self) -> String {
        format!("http://{}", self.running.dnspod)
    }

    /// The Huawei Cloud DNS API v2 emulator's base URL (paths start with `/v2/zones`).
    pub fn huaweicloud_endpoint(&self) -> String {
        format!("http://{}", self.running.huaweicloud)
    }

    pub fn echo_url(&self) -> String {
        format!("http://{}/ip", self.running.echo_http)
    }

    /// `http://127.0.0.1:PORT/ip4`: the IPv4 echo address only (503 when unset).
    pub fn echo_url_v4(&self) -> String {
        format!("http://{}/ip4", self.running.echo_http)
    }

    /// `http://127.0.0.1:PORT/ip6`: the IPv6 echo address only (503 when unset).
    pub fn echo_url_v6(&self) -> String {
        format!("http://{}/ip6", self.running.echo_http)
    }

    /// `http://127.0.0.1:PORT/cdn-cgi/trace`: key=value lines with `ip=`.
    pub fn trace_url(&self) -> String {
        format!("http://{}/cdn-cgi/trace", self.running.echo_http)
    }

    /// Sets the echo address of `ip`'s family (HTTP echo and DNS whoami answers).
    pub fn set_echo_ip(&self, ip: IpAddr) {
        self.running.echo.set(ip);
    }

    /// The echo addresses (to clear one family, for example).
    pub fn echo(&self) -> &EchoIps {
        &self.running.echo
    }

    /// The zone store the APIs write and the DNS server reads.
    pub fn store(&self) -> &Store {
        &self.running.store
    }

    /// Every HTTP request so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.running.log.requests()
    }

    /// Every DNS query so far, oldest first.
    pub fn dns_queries(&self) -> Vec<LoggedQuery> {
        self.running.log.dns_queries()
    }

    /// Writes that succeeded (2xx), over every vendor.
    pub fn write_count(&self) -> usize {
        self.running.log.write_count()
    }

    /// Write requests whatever their outcome, over every vendor.
    pub fn write_attempts(&self) -> usize {
        self.running.log.write_attempts()
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.running.log
    }

    /// The fault script.
    pub fn faults(&self) -> &Faults {
        &self.running.faults
    }
}

impl Drop for FakeRegistrar {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

//! `mxddns demo`: a whole cycle against a registrar API and an authoritative DNS server
//! that this process runs itself on loopback. No account needed, nothing leaves the
//! machine. The configuration goes through the same loader, the same provider code and
//! the same verification as a real one.

use crate::cli::DemoProvider;
use crate::cycle::{self, CycleOptions};
use mxddns_fakereg::{FakeOptions, FakeRegistrar};
use std::path::PathBuf;

pub async fn run(provider: DemoProvider) -> anyhow::Result<bool> {
    let fake = FakeRegistrar::start(FakeOptions::example()).await?;
    let dir = std::env::temp_dir().join(format!("mxddns-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(&fake, provider, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn provider_block(
    fake: &FakeRegistrar,
    provider: DemoProvider,
) -> anyhow::Result<(String, &'static str)> {
    Ok(match provider {
        DemoProvider::Cloudflare => (
            format!(
                "  demo:\n    type: cloudflare\n    api_token: \"{}\"\n    endpoint: {}\n",
                mxddns_fakereg::EXAMPLE_CF_TOKEN,
                fake.cloudflare_endpoint()
            ),
            "Cloudflare API v4",
        ),
        DemoProvider::Aliyun => (
            format!(
                "  demo:\n    type: aliyun\n    access_key_id: \"{}\"\n    access_key_secret: \"{}\"\n    endpoint: {}\n",
                mxddns_fakereg::DEMO_ALIYUN_KEY_ID,
                mxddns_fakereg::DEMO_ALIYUN_KEY_SECRET,
                fake.aliyun_endpoint()
            ),
            "Alidns 2015-01-09",
        ),
        DemoProvider::Godaddy => (
            format!(
                "  demo:\n    type: godaddy\n    api_key: \"{}\"\n    api_secret: \"{}\"\n    endpoint: {}\n",
                mxddns_fakereg::DEMO_GODADDY_KEY,
                mxddns_fakereg::DEMO_GODADDY_SECRET,
                fake.godaddy_endpoint()
            ),
            "GoDaddy Domains v1",
        ),
        DemoProvider::Dnspod => (
            format!(
                "  demo:\n    type: dnspod\n    secret_id: \"{}\"\n    secret_key: \"{}\"\n    endpoint: {}\n",
                mxddns_fakereg::DEMO_DNSPOD_SECRET_ID,
                mxddns_fakereg::DEMO_DNSPOD_SECRET_KEY,
                fake.dnspod_endpoint()
            ),
            "DNSPod API 3.0",
        ),
        DemoProvider::Huaweicloud => (
            format!(
                "  demo:\n    type: huaweicloud\n    access_key: \"{}\"\n    secret_key: \"{}\"\n    endpoint: {}\n",
                mxddns_fakereg::DEMO_HUAWEICLOUD_AK,
                mxddns_fakereg::DEMO_HUAWEICLOUD_SK,
                fake.huaweicloud_endpoint()
            ),
            "Huawei Cloud DNS v2",
        ),
        DemoProvider::Rfc2136 => (
            format!(
                "  demo:\n    type: rfc2136\n    server: {}\n    tsig_key_name: {}\n    tsig_algorithm: {}\n    tsig_secret: \"{}\"\n",
                fake.rfc2136_server(),
                mxddns_fakereg::DEMO_TSIG_KEY_NAME,
                mxddns_fakereg::DEMO_TSIG_ALGORITHM,
                mxddns_fakereg::DEMO_TSIG_SECRET,
            ),
            "RFC 2136 (TSIG hmac-sha256)",
        ),
    })
}

async fn run_in(
    fake: &FakeRegistrar,
    provider: DemoProvider,
    dir: &std::path::Path,
) -> anyhow::Result<bool> {
    let (block, api) = provider_block(fake, provider)?;
    let yaml = format!(
        "schedule: 5m\nstate_file: {state}\ndetect:\n  ipv4: [\"{echo}\"]\n  timeout: 5s\nproviders:\n{block}domains:\n  - domain: example.com\n    provider: demo\n    spf: true\ndns:\n  resolvers: [\"{dns}\"]\n  authoritative: [\"{dns}\"]\n  verify_timeout: 30s\n",
        state = dir.join("state.json").display(),
        echo = fake.echo_url(),
        dns = fake.dns_addr(),
    );
    let path: PathBuf = dir.join("demo.yaml");
    crate::say!("{}", rust_i18n::t!("ui.demo"));
    crate::say!(
        "{}",
        rust_i18n::t!("ui.demo.2", api = api, v1 = endpoint_of(fake, provider))
    );
    crate::say!("{}", rust_i18n::t!("ui.demo.3", v1 = fake.dns_addr()));
    crate::say!("{}", rust_i18n::t!("ui.demo.4", v1 = fake.echo_url()));
    crate::say!();
    crate::say!("{}", rust_i18n::t!("ui.demo.5"));
    print_zone(fake, "example.com");
    crate::say!();
    crate::say!("{}", rust_i18n::t!("ui.demo.6"));
    for line in yaml.lines() {
        crate::say!("  | {line}");
    }
    crate::say!();

    let cfg = crate::config::load_str(&yaml, &path)?.config;
    let (mut agent, _) = crate::commands::agent(cfg)?;
    let opts = CycleOptions {
        dry_run: false,
        force: false,
        honour_backoff: false,
        prove: false,
    };

    let echo = fake
        .echo()
        .v4()
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    crate::say!("{}", rust_i18n::t!("ui.demo.7", echo = echo));
    let report = cycle::run(&mut agent, opts).await;
    let ok1 = crate::service::finish_cycle(&mut agent, report, false, false);
    crate::say!();
    crate::say!("{}", rust_i18n::t!("ui.demo.8"));
    print_zone(fake, "example.com");
    crate::say!();
    crate::say!("{}", rust_i18n::t!("ui.demo.9"));
    let report = cycle::run(&mut agent, opts).await;
    let ok2 = crate::service::finish_cycle(&mut agent, report, false, false);
    crate::say!();
    crate::say!(
        "{}",
        rust_i18n::t!(
            "ui.demo.10",
            v1 = fake
                .requests()
                .iter()
                .filter(|r| r.vendor != "echo")
                .count()
        )
    );
    Ok(ok1 && ok2)
}

fn endpoint_of(fake: &FakeRegistrar, provider: DemoProvider) -> String {
    match provider {
        DemoProvider::Cloudflare => fake.cloudflare_endpoint(),
        DemoProvider::Aliyun => fake.aliyun_endpoint(),
        DemoProvider::Godaddy => fake.godaddy_endpoint(),
        DemoProvider::Dnspod => fake.dnspod_endpoint(),
        DemoProvider::Huaweicloud => fake.huaweicloud_endpoint(),
        DemoProvider::Rfc2136 => fake.rfc2136_server().to_string(),
    }
}

/// The zone as the fake's store holds it, in zone-file order (SOA and NS left out).
fn print_zone(fake: &FakeRegistrar, zone: &str) {
    for r in fake.store().list(zone, None, None) {
        let t = r.rtype();
        if matches!(t, mxddns_fakereg::RrType::SOA | mxddns_fakereg::RrType::NS) {
            continue;
        }
        crate::say!(
            "  {:<22} {:>5} {:<5} {}",
            r.name,
            r.ttl,
            format!("{t:?}"),
            r.value()
        );
    }
}

/// A demonstration DKIM public key (RSA 2048, made with `openssl genrsa`; its private half
/// signs nothing). A real set-up reads the mail server's own key file.
const DEMO_DKIM_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAredtsm48QobSa/4KLsmN
kvVoav9h5dy2wnM9A3bRHwBnXvE2vu9hgzxNyriOXCiNkTt+ndr2EigEzC8hRdOL
1GBy5OTwR/fmVI7+Vm7ptu0soFJDn+TdA6jyn7y55z85RVJutad5DJNC8/VC5g3p
1YRp4hh/T7jM+9t4w6SIialuxZ50SeTUtIMCNiUnW3Oe3Hlfrg2y0RzqF1XH3ImQ
77PYqJ2Se352yEBe2kW5WpBfu1F4uFN+HbaSwpJoaaaBXGGuU1AoVdyPDf4nCRec
s4NAy9ZldZh1Q2ZbrPC28fc6cD7TNWxPqWGB8+grAHMx8BFxMl/v9S6EBAgMUmTf
WQIDAQAB
-----END PUBLIC KEY-----
";

/// `mxddns demo --mail`: a new mail domain from an empty zone to the full record set
/// (`plan`, `apply`), then a clean `check`, through the same code as the commands.
pub async fn run_mail(provider: DemoProvider) -> anyhow::Result<bool> {
    use mxddns_fakereg::RrType;
    // example.org starts empty; the reverse zone stands in for the ISP's PTR, the empty
    // blocklist zone for a clean listing.
    let opts = FakeOptions::example()
        .zone("example.org")
        .zone("113.0.203.in-addr.arpa")
        .record(
            "113.0.203.in-addr.arpa",
            "20.113.0.203.in-addr.arpa",
            RrType::PTR,
            "mail.example.org.",
        )
        .zone("zen.spamhaus.org");
    let fake = FakeRegistrar::start(opts).await?;
    let dir = std::env::temp_dir().join(format!("mxddns-demo-mail-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run_mail_in(&fake, provider, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_mail_in(
    fake: &FakeRegistrar,
    provider: DemoProvider,
    dir: &std::path::Path,
) -> anyhow::Result<bool> {
    use rust_i18n::t;
    let (block, api) = provider_block(fake, provider)?;
    let key = dir.join("mail.pub");
    std::fs::write(&key, DEMO_DKIM_KEY)?;
    let policy = dir.join("mta-sts.txt");
    let mail = format!(
        "    mail:\n      mx:\n        - {{ host: mail.example.org, priority: 10 }}\n      spf: {{ all: \"-all\" }}\n      dkim:\n        - {{ selector: mail, key_file: {key} }}\n      dmarc: {{ p: quarantine, rua: [\"mailto:dmarc@example.org\"] }}\n      mta_sts: {{ mode: enforce, policy_file: {policy} }}\n      tls_rpt: [\"mailto:tlsrpt@example.org\"]\n      client_setup: true\n      caa: [letsencrypt.org]\n",
        key = key.display(),
        policy = policy.display(),
    );
    let yaml = format!(
        "state_file: {state}\ndetect:\n  ipv4: [\"{echo}\"]\n  timeout: 5s\nproviders:\n{block}domains:\n  - domain: example.org\n    provider: demo\n    zone: example.org\n    ttl: 3600\n{mail}dns:\n  resolvers: [\"{dns}\"]\n  authoritative: [\"{dns}\"]\n  verify_timeout: 30s\n",
        state = dir.join("state.json").display(),
        echo = fake.echo_url(),
        dns = fake.dns_addr(),
    );
    crate::say!(
        "{}",
        t!(
            "demo.mail_intro",
            api = api,
            endpoint = endpoint_of(fake, provider),
            dns = fake.dns_addr()
        )
    );
    crate::say!();
    crate::say!("{}", t!("demo.mail_declaration"));
    for line in yaml
        .lines()
        .skip_while(|l| !l.starts_with("domains:"))
        .take_while(|l| !l.starts_with("dns:"))
    {
        crate::say!("  | {line}");
    }
    crate::say!();

    let cfg = crate::config::load_str(&yaml, &dir.join("demo.yaml"))?.config;
    let d = cfg
        .domains
        .first()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the demo configuration has no domain"))?;
    let (mut agent, _) = crate::commands::agent(cfg)?;
    let (_, addrs, _) = crate::engine::detect_all(&agent.config).await;

    crate::say!("{}", t!("demo.mail_plan"));
    let plan = crate::setup::plan_domain(&mut agent, &d, &addrs, false, None)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let plans = [plan];
    crate::say_raw!("{}", crate::setup::render_text(&plans, &Default::default()));
    crate::say!();

    crate::say!("{}", t!("demo.mail_apply"));
    let mut writer = crate::engine::write::Writer::default();
    let applied =
        crate::setup::apply::apply_domain(&mut agent, &mut writer, &plans[0], false).await;
    crate::say!();

    crate::say!("{}", t!("demo.mail_again"));
    let again = crate::setup::plan_domain(&mut agent, &d, &addrs, false, None)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let settled = !again.pending();
    crate::say!(
        "{}",
        t!(
            "demo.mail_settled",
            right = again
                .lines
                .iter()
                .filter(|l| matches!(l.action, crate::setup::Action::Right(_)))
                .count(),
            cannot = again
                .lines
                .iter()
                .filter(|l| matches!(l.action, crate::setup::Action::Cannot(_)))
                .count()
        )
    );
    crate::say!();

    crate::say!("{}", t!("demo.mail_check"));
    let (report, verdict) = crate::check::run(
        Some(&agent.config),
        Some("example.org"),
        &addrs,
        &agent.dns,
        false,
        &crate::check::PortsMode::Off,
    )
    .await;
    crate::say_raw!("{report}");
    let clean = verdict.exit_code() == 0;
    crate::say!();
    crate::say!(
        "{}",
        t!(
            "demo.mail_done",
            n = fake
                .requests()
                .iter()
                .filter(|r| r.vendor != "echo")
                .count()
        )
    );
    Ok(applied && settled && clean)
}

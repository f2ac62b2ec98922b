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
    let (mut agent, _) = crate::agent(cfg)?;
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

//! A tiny harness that makes the tests read like specifications: a fake registrar, a
//! temporary directory with a config file, and the real binary.

use mxddns_fakereg::{FakeOptions, FakeRegistrar, RrType};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const CF_TOKEN: &str = mxddns_fakereg::EXAMPLE_CF_TOKEN;
pub const GD_KEY: &str = mxddns_fakereg::DEMO_GODADDY_KEY;
pub const GD_SECRET: &str = mxddns_fakereg::DEMO_GODADDY_SECRET;

pub struct Env {
    pub fake: FakeRegistrar,
    pub dir: tempfile::TempDir,
}

/// The emulated registrars and DNS hosts, for tests that must hold for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registrar {
    Cloudflare,
    Aliyun,
    GoDaddy,
    Dnspod,
    HuaweiCloud,
}

impl Registrar {
    pub const ALL: [Registrar; 5] = [
        Registrar::Cloudflare,
        Registrar::Aliyun,
        Registrar::GoDaddy,
        Registrar::Dnspod,
        Registrar::HuaweiCloud,
    ];

    /// The fake's listener name for it (as in its request log).
    pub fn vendor(self) -> &'static str {
        match self {
            Registrar::Cloudflare => "cloudflare",
            Registrar::Aliyun => "aliyun",
            Registrar::GoDaddy => "godaddy",
            Registrar::Dnspod => "dnspod",
            Registrar::HuaweiCloud => "huaweicloud",
        }
    }

    /// The provider account name its config uses.
    pub fn account(self) -> &'static str {
        match self {
            Registrar::Cloudflare => "home-cf",
            Registrar::Aliyun => "home-ali",
            Registrar::GoDaddy => "home-gd",
            Registrar::Dnspod => "home-dp",
            Registrar::HuaweiCloud => "home-hw",
        }
    }

    /// The fake's API endpoint for this registrar.
    pub fn endpoint(self, fake: &mxddns_fakereg::FakeRegistrar) -> String {
        match self {
            Registrar::Cloudflare => fake.cloudflare_endpoint(),
            Registrar::Aliyun => fake.aliyun_endpoint(),
            Registrar::GoDaddy => fake.godaddy_endpoint(),
            Registrar::Dnspod => fake.dnspod_endpoint(),
            Registrar::HuaweiCloud => fake.huaweicloud_endpoint(),
        }
    }

    /// Credentials for the fake: the demo keys of `FakeOptions::example()`.
    pub fn with_credentials(self, opts: FakeOptions) -> FakeOptions {
        match self {
            Registrar::Cloudflare => opts.cloudflare_token(mxddns_fakereg::CfToken::full(CF_TOKEN)),
            Registrar::Aliyun => opts.aliyun_key(
                mxddns_fakereg::DEMO_ALIYUN_KEY_ID,
                mxddns_fakereg::DEMO_ALIYUN_KEY_SECRET,
                &[],
            ),
            Registrar::GoDaddy => opts.godaddy_key(
                mxddns_fakereg::DEMO_GODADDY_KEY,
                mxddns_fakereg::DEMO_GODADDY_SECRET,
                &[],
            ),
            Registrar::Dnspod => opts.dnspod_key(
                mxddns_fakereg::DEMO_DNSPOD_SECRET_ID,
                mxddns_fakereg::DEMO_DNSPOD_SECRET_KEY,
            ),
            Registrar::HuaweiCloud => opts.huaweicloud_key(
                mxddns_fakereg::DEMO_HUAWEICLOUD_AK,
                mxddns_fakereg::DEMO_HUAWEICLOUD_SK,
            ),
        }
    }
}

impl Env {
    /// A config for `registrar` whose `domains:` list is `domains`, where `{provider}`
    /// stands for the account name.
    pub fn config_for(&self, registrar: Registrar, domains: &str) -> String {
        let base = match registrar {
            Registrar::Cloudflare => self.cloudflare_config(CF_TOKEN),
            Registrar::Aliyun => self.aliyun_config(
                mxddns_fakereg::DEMO_ALIYUN_KEY_ID,
                mxddns_fakereg::DEMO_ALIYUN_KEY_SECRET,
                None,
            ),
            Registrar::GoDaddy => self.godaddy_config(
                mxddns_fakereg::DEMO_GODADDY_KEY,
                mxddns_fakereg::DEMO_GODADDY_SECRET,
            ),
            Registrar::Dnspod => self.dnspod_config(
                mxddns_fakereg::DEMO_DNSPOD_SECRET_ID,
                mxddns_fakereg::DEMO_DNSPOD_SECRET_KEY,
                "",
            ),
            Registrar::HuaweiCloud => self.huaweicloud_config(
                mxddns_fakereg::DEMO_HUAWEICLOUD_AK,
                mxddns_fakereg::DEMO_HUAWEICLOUD_SK,
                "",
            ),
        };
        splice_domains(&base, &domains.replace("{provider}", registrar.account()))
    }

    /// The standard scene: example.com, MX 10 mail.example.com, mail A 203.0.113.10,
    /// SPF with ip4:203.0.113.10; the echo says 203.0.113.20.
    pub fn example() -> Env {
        Env::with(FakeOptions::example())
    }

    /// A fake registrar started with `opts` (also spelled [`Env::with_options`]).
    pub fn with_options(opts: FakeOptions) -> Env {
        Env::with(opts)
    }

    /// A fake registrar started with `opts`.
    pub fn with(opts: FakeOptions) -> Env {
        let fake = FakeRegistrar::spawn(opts).expect("start the fake registrar");
        let dir = tempfile::tempdir().expect("tempdir");
        Env { fake, dir }
    }

    pub fn state_file(&self) -> PathBuf {
        self.dir.path().join("state.json")
    }

    /// A Cloudflare config pointing at the fake, with `domains` as the `domains:` list
    /// (YAML items indented by two spaces, provider `home-cf`).
    pub fn cloudflare_config_with(&self, domains: &str) -> String {
        splice_domains(&self.cloudflare_config(CF_TOKEN), domains)
    }

    /// A Cloudflare config pointing at the fake, for the domain example.com.
    pub fn cloudflare_config(&self, token: &str) -> String {
        let provider = format!(
            "  home-cf:\n    type: cloudflare\n    api_token: \"{token}\"\n    endpoint: {}\n",
            self.fake.cloudflare_endpoint()
        );
        self.config_text(&provider, "home-cf", "")
    }

    /// A GoDaddy config pointing at the fake.
    pub fn godaddy_config(&self, key: &str, secret: &str) -> String {
        self.godaddy_config_with(key, secret, "")
    }

    /// [`Env::godaddy_config`] with `extra` (lines such as `    spf: true\n`) appended to the
    /// domain entry.
    pub fn godaddy_config_with(&self, key: &str, secret: &str, extra: &str) -> String {
        let provider = format!(
            "  home-gd:\n    type: godaddy\n    api_key: \"{key}\"\n    api_secret: \"{secret}\"\n    endpoint: {}\n",
            self.fake.godaddy_endpoint()
        );
        self.config_text(&provider, "home-gd", extra)
    }

    /// An Aliyun config pointing at the fake's Alidns endpoint; `signature` is the
    /// `signature:` key (`v1`, `v3`) or `None` to leave it out.
    pub fn aliyun_config(&self, key_id: &str, secret: &str, signature: Option<&str>) -> String {
        let sig = signature
            .map(|s| format!("    signature: {s}\n"))
            .unwrap_or_default();
        let provider = format!(
            "  home-ali:\n    type: aliyun\n    access_key_id: \"{key_id}\"\n    access_key_secret: \"{secret}\"\n{sig}    endpoint: {}\n",
            self.fake.aliyun_endpoint()
        );
        self.config_text(&provider, "home-ali", "")
    }

    /// A DNSPod config pointing at the fake, with `extra` lines on the domain entry.
    pub fn dnspod_config(&self, secret_id: &str, secret_key: &str, extra: &str) -> String {
        let provider = format!(
            "  home-dp:\n    type: dnspod\n    secret_id: \"{secret_id}\"\n    secret_key: \"{secret_key}\"\n    endpoint: {}\n",
            self.fake.dnspod_endpoint()
        );
        self.config_text(&provider, "home-dp", extra)
    }

    /// A Huawei Cloud config pointing at the fake, with `extra` lines on the domain entry.
    pub fn huaweicloud_config(&self, access_key: &str, secret_key: &str, extra: &str) -> String {
        let provider = format!(
            "  home-hw:\n    type: huaweicloud\n    access_key: \"{access_key}\"\n    secret_key: \"{secret_key}\"\n    region: cn-south-1\n    endpoint: {}\n",
            self.fake.huaweicloud_endpoint()
        );
        self.config_text(&provider, "home-hw", extra)
    }

    /// The config every test starts from: the fake's echo as the only IP source, its DNS
    /// server as resolver and authoritative server, one provider entry (`provider`, YAML
    /// under `providers:`), and example.com on `account` with `extra` lines appended.
    fn config_text(&self, provider: &str, account: &str, extra: &str) -> String {
        format!(
            r#"schedule: 30s
state_file: {state}
detect:
  ipv4: ["{echo}"]
  timeout: 5s
providers:
{provider}domains:
  - domain: example.com
    provider: {account}
{extra}dns:
  resolvers: ["{dns}"]
  authoritative: ["{dns}"]
  verify_timeout: 10s
"#,
            state = self.state_file().display(),
            echo = self.fake.echo_url(),
            dns = self.fake.dns_addr(),
        )
    }

    pub fn write_config(&self, text: &str) -> PathBuf {
        let p = self.dir.path().join("config.yaml");
        write_private(&p, text);
        p
    }

    pub fn a_records(&self, name: &str) -> Vec<String> {
        self.fake.store().records(name, RrType::A)
    }

    /// Registrar API requests that asked for a change (the IP echo is not counted).
    pub fn writes(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.vendor != "echo" && r.write)
            .count()
    }

    /// Registrar API requests (the IP echo is not counted).
    pub fn api_requests(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.vendor != "echo")
            .count()
    }
}

/// `base` with its `domains:` list replaced by `domains` (YAML list items).
fn splice_domains(base: &str, domains: &str) -> String {
    let start = base.find("domains:\n").expect("domains key");
    let end = base.find("dns:\n").expect("dns key");
    format!("{}domains:\n{}{}", &base[..start], domains, &base[end..])
}

/// Write a config file readable by the owner only (as a user would, so no mode warning).
pub fn write_private(p: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(p, text).expect("write config");
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

pub fn mxddns() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mxddns"));
    c.env_remove("MXDDNS_CONFIG").env_remove("MXDDNS_LOG");
    // Messages in English whatever the machine's locale (tests of the Chinese texts say
    // `--lang zh-CN` or set LANG themselves).
    c.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run mxddns");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn update_now(config: &Path) -> Run {
    run(mxddns().arg("--config").arg(config).arg("--update-now"))
}

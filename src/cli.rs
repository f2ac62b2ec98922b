//! The command line of the contract (../shared/design/interface.md).

use clap::{Parser, Subcommand, ValueEnum};
use rust_i18n::t;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "mxddns",
    version,
    about = "Keeps a home mail server's MX host pointing at this network's public IP",
    long_about = "Keeps a home mail server reachable when the ISP changes the public address: \
finds the address, points the record behind the domain's MX host at it through the DNS host's \
API (Cloudflare, Aliyun, GoDaddy, DNSPod, Huawei Cloud, or RFC 2136 to your own BIND/Knot), keeps the SPF record in step, and proves the change at the \
zone's authoritative nameservers.\n\nExit codes: 0 all records current and verified, 1 a domain \
failed, 2 the configuration or the command line is wrong."
)]
pub struct Cli {
    /// Configuration file
    #[arg(
        short,
        long,
        global = true,
        env = "MXDDNS_CONFIG",
        default_value = "/etc/mxddns/config.yaml"
    )]
    pub config: PathBuf,
    /// Run one update cycle, then exit
    #[arg(long, global = true)]
    pub update_now: bool,
    /// Show what would change, change nothing
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Write the records even when they already hold the address
    #[arg(long, global = true)]
    pub force: bool,
    /// Print only problems
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Language of messages: en or zh-CN (default: from LC_ALL, LC_MESSAGES, LANG)
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,
    /// Soak tests and benchmarks only (hidden): the service runs this many cycles back to
    /// back, without waiting for the schedule, then exits with the last cycle's code.
    #[arg(long, hide = true, value_name = "N")]
    pub cycles: Option<u64>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoProvider {
    Cloudflare,
    Aliyun,
    Godaddy,
    Dnspod,
    Huaweicloud,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Keep the records current on the configured schedule until stopped (default)
    Run,
    /// Diagnose the mail domain's DNS and print a report (MX, addresses, SPF, PTR, DMARC, DKIM)
    Check {
        /// Check this domain instead of the configured ones (no configuration needed)
        #[arg(long)]
        domain: Option<String>,
        /// Report format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Check this public address instead of detecting it (repeat for IPv4 and IPv6)
        #[arg(long = "address", value_name = "IP")]
        addresses: Vec<std::net::IpAddr>,
        /// Probe the mail server's ports (default 25; also 465, 587, 993), even when the
        /// MX host is not this network; on by default for port 25 when it is
        #[arg(long, value_name = "PORTS", value_delimiter = ',', num_args = 0..)]
        ports: Option<Vec<u16>>,
        /// Do not probe any port
        #[arg(long, conflicts_with = "ports")]
        no_ports: bool,
    },
    /// Show how the zone differs from the declared mail records; change nothing
    #[cfg_attr(not(feature = "mail-setup"), command(hide = true))]
    Plan {
        /// Plan only this domain
        #[arg(long = "domain", id = "only_domain")]
        domain: Option<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Make the zone match the declaration, then verify it at the authoritative servers
    #[cfg_attr(not(feature = "mail-setup"), command(hide = true))]
    Apply {
        /// Apply only this domain
        #[arg(long = "domain", id = "only_domain")]
        domain: Option<String>,
        /// Do not ask (needed without a terminal)
        #[arg(long)]
        yes: bool,
        /// Also remove records mxddns wrote that the declaration no longer has
        #[arg(long)]
        prune: bool,
    },
    /// Show what each IP source answers and which address is agreed on
    Detect,
    /// Load and validate the configuration, print what it means, exit
    Validate {
        /// Also prove each domain's provider account with read-only API calls (find the
        /// zone, list the record at the MX host); nothing is written
        #[arg(long)]
        online: bool,
    },
    /// Write a first configuration interactively (or from flags) and prove it with read-only calls
    #[command(
        long_about = "Write a first configuration and prove it: the provider lists the record at the \
domain's MX host (read-only), and this network's address is detected.\n\nAt a terminal it asks \
for what the flags leave out (credentials without echo). In a script, give --registrar, --domain \
and --spf, and each credential in an environment variable named REGISTRAR_KEY (such as \
CLOUDFLARE_API_TOKEN, ALIYUN_ACCESS_KEY_ID, ALIYUN_ACCESS_KEY_SECRET). Secrets are stored in files \
beside the configuration (mode 0600), or with --env as ${VAR} references. The configuration is \
written to --config (default /etc/mxddns/config.yaml) with mode 0600."
    )]
    Init(InitArgs),
    /// Run one full cycle against a built-in local registrar and DNS server
    // A build without the demo (the router package) does not offer it.
    #[cfg_attr(not(feature = "demo"), command(hide = true))]
    Demo {
        /// Which registrar the local fake speaks
        #[arg(long, value_enum, default_value_t = DemoProvider::Cloudflare)]
        provider: DemoProvider,
        /// Set up a whole mail domain instead: an empty zone to the full record set
        /// (`plan`, `apply`), then `check`
        #[arg(long)]
        mail: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    Yes,
    No,
}

/// `mxddns init`'s flags: every question has one, so that a script can run it.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The registrar that serves the domain's DNS
    #[arg(id = "init_registrar", long = "registrar", value_name = "NAME")]
    pub registrar: Option<String>,
    /// The mail domain (the owner of the MX record)
    #[arg(id = "init_domain", long = "domain", value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Keep this network's address in the domain's SPF record
    #[arg(id = "init_spf", long = "spf", value_enum)]
    pub spf: Option<YesNo>,
    /// Store each secret as a ${REGISTRAR_KEY} reference instead of in a file
    #[arg(id = "init_env", long = "env")]
    pub env: bool,
    /// The registrar's API base URL, when not the default
    #[arg(id = "init_endpoint", long = "endpoint", value_name = "URL")]
    pub endpoint: Option<String>,
    /// IPv4 source to use instead of the built-in ones (repeat for several)
    #[arg(id = "init_ip_source", long = "ip-source", value_name = "SOURCE")]
    pub ip_sources: Vec<String>,
    /// Recursive DNS resolver (IP or IP:PORT) instead of the system's (repeat for several)
    #[arg(id = "init_resolver", long = "resolver", value_name = "IP")]
    pub resolvers: Vec<String>,
    /// Where the state is kept (default: /var/lib/mxddns/state.json for root, else beside
    /// the configuration)
    #[arg(id = "init_state_file", long = "state-file", value_name = "PATH")]
    pub state_file: Option<PathBuf>,
    /// Never ask: fail on what the flags and variables leave out
    #[arg(id = "init_no_input", long = "no-input")]
    pub no_input: bool,
    /// Replace an existing configuration (and secret files)
    #[arg(id = "init_overwrite", long = "overwrite")]
    pub overwrite: bool,
}

/// The command line in the process's language ([`crate::i18n`]): every about and help
/// text from `locales/cli.yml` (`cli.about`, `cli.long_about`, `cli.cmd.NAME`,
/// `cli.arg.ID`), the headings too. clap's own error messages stay English.
pub fn command() -> clap::Command {
    use clap::{Arg, ArgAction, CommandFactory};
    let options = t!("cli.heading.options").into_owned();
    // `--help` and `--version` of our own, so that their help text can be ours.
    let cmd = Cli::command()
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .global(true)
                .action(ArgAction::Help),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version),
        )
        .about(t!("cli.about").into_owned())
        .long_about(t!("cli.long_about").into_owned());
    let mut cmd = localize_args(cmd, &options);
    // Building propagates the global arguments into the subcommands and adds the `help`
    // subcommand; the subcommands themselves are built only when used, so their
    // arguments can still be changed. (A built command's arguments cannot: clap indexes
    // them by position.)
    cmd.build();
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let key = cmd_key(&name);
        let about = t!(key.as_str()).into_owned();
        let options = options.clone();
        cmd = cmd.mut_subcommand(&name, |s| headings(localize_args(s.about(about), &options)));
    }
    headings(cmd)
}

/// Parse the process's arguments with [`command`].
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = command();
    let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// The locale key of an argument's help.
pub fn arg_key(id: &str) -> String {
    format!("cli.arg.{id}")
}

/// The locale key of a subcommand's about text.
pub fn cmd_key(name: &str) -> String {
    format!("cli.cmd.{name}")
}

/// Every visible argument's help text, under the translated "Options" heading.
fn localize_args(mut cmd: clap::Command, options: &str) -> clap::Command {
    let ids: Vec<String> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let key = arg_key(&id);
        let help = t!(key.as_str()).into_owned();
        let heading = options.to_string();
        cmd = cmd.mut_arg(&id, |a| a.help(help).help_heading(heading));
    }
    cmd
}

/// The translated "Usage:" and "Commands" headings.
fn headings(cmd: clap::Command) -> clap::Command {
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        t!("cli.heading.usage")
    );
    cmd.subcommand_help_heading(t!("cli.heading.commands").into_owned())
        .help_template(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument and subcommand a person sees in `--help` has its text in the locale
    /// files (which hold both languages: `i18n::tests::every_key_has_both_languages`).
    #[test]
    fn every_help_text_is_translated() {
        fn walk(cmd: &clap::Command, missing: &mut Vec<String>) {
            for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                let key = arg_key(a.get_id().as_str());
                if t!(key.as_str(), locale = "en") == key {
                    missing.push(key);
                }
            }
            for s in cmd.get_subcommands() {
                let key = cmd_key(s.get_name());
                if t!(key.as_str(), locale = "en") == key {
                    missing.push(key);
                }
                walk(s, missing);
            }
        }
        let mut cmd = command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, &mut missing);
        assert!(missing.is_empty(), "add to locales/cli.yml: {missing:?}");
    }
}

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
finds the address, points the record behind the domain's MX host at it through the registrar's \
API (Cloudflare, Aliyun, GoDaddy), keeps the SPF record in step, and proves the change at the \
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
    /// Run one full cycle against a built-in local registrar and DNS server
    Demo {
        /// Which registrar the local fake speaks
        #[arg(long, value_enum, default_value_t = DemoProvider::Cloudflare)]
        provider: DemoProvider,
    },
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

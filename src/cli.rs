//! The command line of the contract (../shared/design/interface.md).

use clap::{Parser, Subcommand, ValueEnum};
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

//! mxddns: keeps a home mail server's MX host pointing at the line's public address.
//!
//! This file only wires things together: the command line, logging, the runtime, and
//! the exit code. Each command lives in its own module.

// A build with no provider type (`--no-default-features`: `check` and `validate` only)
// leaves the credential readers and the account plumbing unused; that build is kept
// compiling in CI, without warnings about what it deliberately leaves out.
#![cfg_attr(
    not(any(
        feature = "cloudflare",
        feature = "aliyun",
        feature = "godaddy",
        feature = "rfc2136",
        feature = "dnspod",
        feature = "huaweicloud"
    )),
    allow(dead_code, unused_variables, unused_imports)
)]

mod accounts;
mod check;
mod cli;
mod commands;
mod config;
mod cycle;
#[cfg(feature = "demo")]
mod demo;
mod detect;
mod dns;
mod engine;
mod http;
mod i18n;

mod init;
#[cfg(feature = "mail-setup")]
mod mail;
mod net;
mod notify;
mod output;
mod pace;
mod probe;
#[cfg(test)]
mod proptests;
mod redact;
mod reload;
mod retry;
mod schedule;
mod service;
#[cfg(feature = "mail-setup")]
mod setup;
mod spf;
mod state;
mod stop;
mod update;
mod verify;
mod watch;

use cli::{Cli, Command, LogFormat};
use std::process::ExitCode;

// Every text a person reads, in English and Simplified Chinese, compiled in (src/i18n.rs).
rust_i18n::i18n!("locales", fallback = "en");

use commands::{EXIT_FAILED, EXIT_USAGE};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    i18n::Lang::choose(i18n::lang_flag(&args), |k| std::env::var(k).ok()).make_current();
    let cli = match cli::parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(&cli);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("cmd.main", e = e));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    rt.block_on(dispatch(cli))
}

fn init_logging(cli: &Cli) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    // The DNS libraries log every query at INFO; only their warnings concern users.
    let default = if cli.quiet {
        "warn"
    } else {
        "info,hickory_server=warn,hickory_proto=warn"
    };
    // `MXDDNS_LOG` takes `target=level` directives (`debug`, `info,mxddns=debug`). A plain
    // target filter rather than EnvFilter: no regex engine in a binary meant for routers.
    let filter = std::env::var("MXDDNS_LOG")
        .ok()
        .and_then(|v| match v.parse::<Targets>() {
            Ok(t) => Some(t),
            Err(e) => {
                crate::say_err!(
                    "{}",
                    rust_i18n::t!("cmd.main.2", v = format!("{:?}", v), e = e)
                );
                None
            }
        })
        .unwrap_or_else(|| default.parse().unwrap_or_default());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(redact::LogWriter)
        .with_target(false)
        .with_ansi(redact::stderr_is_terminal());
    match cli.log_format {
        LogFormat::Json => tracing_subscriber::registry()
            .with(fmt.json().with_filter(filter))
            .init(),
        LogFormat::Text => tracing_subscriber::registry()
            .with(fmt.without_time().with_filter(filter))
            .init(),
    }
}

async fn dispatch(cli: Cli) -> ExitCode {
    if let Some(e) = commands::inapplicable_flags(&cli) {
        crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
        return ExitCode::from(EXIT_USAGE);
    }
    match &cli.command {
        Some(Command::Validate { online: false }) => commands::validate::offline(&cli),
        Some(Command::Validate { online: true }) => commands::validate::online(&cli).await,
        Some(Command::Detect) => commands::detect::run(&cli).await,
        Some(Command::Demo { provider, mail }) => commands::demo::run(*provider, *mail).await,
        Some(Command::Check {
            domain,
            format,
            addresses,
            ports,
            no_ports,
        }) => {
            let ports = match (ports, no_ports) {
                (_, true) => check::PortsMode::Off,
                (Some(list), false) => check::PortsMode::On(list.clone()),
                (None, false) => check::PortsMode::Auto,
            };
            commands::check::run(
                &cli,
                domain.as_deref(),
                *format == cli::ReportFormat::Json,
                addresses,
                &ports,
            )
            .await
        }
        Some(Command::Init(args)) => init::run(&cli.config, args).await,
        Some(Command::Plan { domain, format }) => {
            commands::setup::plan(&cli, domain.as_deref(), *format == cli::ReportFormat::Json).await
        }
        Some(Command::Apply { domain, yes, prune }) => {
            commands::setup::apply(&cli, domain.as_deref(), *yes, *prune).await
        }
        Some(Command::Run) | None => commands::run::run(&cli).await,
    }
}

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
        feature = "dnspod"
    )),
    allow(dead_code, unused_variables, unused_imports)
)]

mod accounts;
mod check;
mod cli;
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
mod setup;
mod spf;
mod state;
mod update;
mod verify;
mod watch;

use cli::{Cli, Command, LogFormat};
use std::process::ExitCode;

// Every text a person reads, in English and Simplified Chinese, compiled in (src/i18n.rs).
rust_i18n::i18n!("locales", fallback = "en");

/// Exit codes of the contract.
const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

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
            crate::say_err!("{}", rust_i18n::t!("ui.main", e = e));
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
        "info,hickory_server=warn,hickory_proto=warn,hickory_resolver=warn,hickory_net=warn"
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
                    rust_i18n::t!("ui.main.2", v = format!("{:?}", v), e = e)
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
    if let Some(e) = inapplicable_flags(&cli) {
        crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
        return ExitCode::from(EXIT_USAGE);
    }
    match &cli.command {
        Some(Command::Validate { online: false }) => validate(&cli),
        Some(Command::Validate { online: true }) => validate_online(&cli).await,
        Some(Command::Detect) => detect_cmd(&cli).await,
        Some(Command::Demo { provider }) => demo_cmd(*provider, &cli).await,
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
            check_cmd(
                &cli,
                domain.as_deref(),
                *format == cli::ReportFormat::Json,
                addresses,
                &ports,
            )
            .await
        }
        Some(Command::Init(args)) => init::run(&cli.config, args).await,
        Some(Command::Plan { domain, format }) => match load_config(&cli) {
            Ok(cfg) => {
                setup::plan::run(cfg, domain.as_deref(), *format == cli::ReportFormat::Json).await
            }
            Err(code) => code,
        },
        Some(Command::Apply { domain, yes, prune }) => match load_config(&cli) {
            Ok(cfg) => {
                let opts = setup::apply::Options {
                    domain: domain.as_deref(),
                    yes: *yes,
                    prune: *prune,
                };
                setup::apply::run(cfg, opts).await
            }
            Err(code) => code,
        },
        Some(Command::Run) | None => update(&cli).await,
    }
}

/// The update flags (`--update-now`, `--dry-run`, `--force`) belong to the update run; on
/// another command they would be silently ignored, so they are refused.
fn inapplicable_flags(cli: &Cli) -> Option<String> {
    let name = match &cli.command {
        Some(Command::Validate { .. }) => "validate",
        Some(Command::Detect) => "detect",
        Some(Command::Demo { .. }) => "demo",
        Some(Command::Check { .. }) => "check",
        Some(Command::Init(_)) => "init",
        _ => return None,
    };
    let used: Vec<&str> = [
        (cli.update_now, "--update-now"),
        (cli.dry_run, "--dry-run"),
        (cli.force, "--force"),
        (cli.cycles.is_some(), "--cycles"),
    ]
    .into_iter()
    .filter_map(|(on, flag)| on.then_some(flag))
    .collect();
    if used.is_empty() {
        return None;
    }
    let hint = if name == "init" && used == ["--force"] {
        rust_i18n::t!("ui.main.3").into_owned()
    } else {
        String::new()
    };
    Some(rust_i18n::t!("ui.main.4", v1 = used.join(", "), name = name, hint = hint).into_owned())
}

fn load_config(cli: &Cli) -> Result<config::Config, ExitCode> {
    match config::load(&cli.config) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                crate::say_err!("{}", rust_i18n::t!("summary.warning", text = w));
            }
            Ok(loaded.config)
        }
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

fn validate(cli: &Cli) -> ExitCode {
    match load_config(cli) {
        Ok(cfg) => {
            crate::say_raw!("{}", config::render_plan(&cfg));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// `validate --online`: the configuration, then a read-only probe of every domain.
async fn validate_online(cli: &Cli) -> ExitCode {
    let cfg = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    crate::say_raw!("{}", config::render_plan(&cfg));
    crate::say!();
    let (agent, _) = match agent(cfg) {
        Ok(a) => a,
        Err(e) => {
            crate::say_err!(
                "{}",
                rust_i18n::t!("summary.error", text = format!("{e:#}"))
            );
            return ExitCode::from(EXIT_FAILED);
        }
    };
    if probe::prove_all(&agent).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

async fn detect_cmd(cli: &Cli) -> ExitCode {
    let cfg = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut ok = true;
    if cfg.detect.ipv4_enabled() {
        let v4 = detect::detect(
            detect::Family::V4,
            &cfg.detect.ipv4,
            cfg.detect.quorum,
            cfg.detect.timeout,
        )
        .await;
        crate::say_raw!("{}", detect::render(&v4));
        ok &= v4.result.is_ok();
    } else {
        crate::say!("{}", rust_i18n::t!("ui.main.5"));
    }
    if cfg.detect.ipv6_enabled() {
        let v6 = detect::detect(
            detect::Family::V6,
            &cfg.detect.ipv6,
            cfg.detect.quorum,
            cfg.detect.timeout,
        )
        .await;
        crate::say_raw!("{}", detect::render(&v6));
        ok &= v6.result.is_ok();
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

/// `mxddns check`: the mail-DNS report. With `--domain` the configuration is optional
/// (its DNS settings and IP sources are used when the file exists).
async fn check_cmd(
    cli: &Cli,
    domain: Option<&str>,
    json: bool,
    given: &[std::net::IpAddr],
    ports: &check::PortsMode,
) -> ExitCode {
    let cfg = if domain.is_some() && !cli.config.exists() {
        None
    } else {
        match load_config(cli) {
            Ok(c) => Some(c),
            Err(code) => return code,
        }
    };
    let dns_cfg = cfg
        .as_ref()
        .map(|c| c.dns.clone())
        .unwrap_or(config::DnsConfig {
            resolvers: Vec::new(),
            verify: config::VerifyMode::Authoritative,
            authoritative: Vec::new(),
            verify_timeout: std::time::Duration::from_secs(300),
        });
    let dns = match dns::Dns::new(&dns_cfg) {
        Ok(d) => d,
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("ui.main.6", e = e));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let addrs = if !given.is_empty() {
        given.to_vec()
    } else {
        let detect_cfg = match &cfg {
            Some(c) => c.detect.clone(),
            None => config::default_detect(),
        };
        let mut found = Vec::new();
        let mut families = Vec::new();
        if detect_cfg.ipv4_enabled() {
            families.push((detect::Family::V4, &detect_cfg.ipv4));
        }
        if detect_cfg.ipv6_enabled() {
            families.push((detect::Family::V6, &detect_cfg.ipv6));
        }
        for (family, sources) in families {
            let d = detect::detect(family, sources, detect_cfg.quorum, detect_cfg.timeout).await;
            match d.result {
                Ok(ip) => found.push(ip),
                Err(e) => crate::say_err!(
                    "{}",
                    rust_i18n::t!("ui.main.7", family = family, v1 = e.headline())
                ),
            }
        }
        found
    };
    if let check::PortsMode::On(list) = ports {
        if let Some(p) = list.iter().find(|p| !check::KNOWN_PORTS.contains(p)) {
            crate::say_err!(
                "{}",
                rust_i18n::t!(
                    "ui.main.8",
                    p = p,
                    v1 = check::KNOWN_PORTS
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            );
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let (report, verdict) = check::run(cfg.as_ref(), domain, &addrs, &dns, json, ports).await;
    crate::say_raw!("{report}");
    if let check::Verdict::CouldNotCheck { failed, total } = verdict {
        crate::say_err!(
            "{}",
            rust_i18n::t!("ui.main.9", failed = failed, total = total)
        );
    }
    ExitCode::from(verdict.exit_code())
}

/// Build the agent: DNS, provider accounts, state (under the single-writer lock).
fn agent(cfg: config::Config) -> anyhow::Result<(cycle::Agent, Option<state::StateLock>)> {
    Ok((engine::Agent::new(cfg)?, None))
}

async fn update(cli: &Cli) -> ExitCode {
    let cfg = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // A missing state directory is made (mode 0700) rather than warned about every run.
    if !cli.dry_run {
        if let Err(e) = state::ensure_dir(&cfg.state_file) {
            tracing::warn!("{e}");
        }
    }
    // One writer at a time (a dry run writes nothing and needs no lock).
    let _lock = if cli.dry_run {
        None
    } else {
        match state::StateLock::acquire(&cfg.state_file) {
            Ok(l) => Some(l),
            Err(e @ state::LockError::Held { .. }) => {
                crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
                return ExitCode::from(EXIT_FAILED);
            }
            Err(e) => {
                // An unwritable state directory must not stop the agent: DNS is the truth.
                tracing::warn!("{e}; continuing without the single-writer lock");
                None
            }
        }
    };
    let (mut agent, _) = match agent(cfg) {
        Ok(a) => a,
        Err(e) => {
            crate::say_err!(
                "{}",
                rust_i18n::t!("summary.error", text = format!("{e:#}"))
            );
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let opts = cycle::CycleOptions {
        dry_run: cli.dry_run,
        force: cli.force,
        honour_backoff: !cli.update_now,
        prove: false,
    };
    if cli.update_now || cli.dry_run {
        return if service::once(&mut agent, opts, cli.quiet).await {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_FAILED)
        };
    }
    match service::run(&mut agent, opts, cli.quiet, cli.cycles).await {
        Ok(service::Ending::CyclesDone { last_ok: false }) => ExitCode::from(EXIT_FAILED),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            crate::say_err!(
                "{}",
                rust_i18n::t!("summary.error", text = format!("{e:#}"))
            );
            ExitCode::from(EXIT_FAILED)
        }
    }
}

#[cfg(feature = "demo")]
async fn demo_cmd(provider: cli::DemoProvider, _cli: &Cli) -> ExitCode {
    match demo::run(provider).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILED),
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("ui.main.10", e = format!("{:#}", e)));
            ExitCode::from(EXIT_FAILED)
        }
    }
}

#[cfg(not(feature = "demo"))]
async fn demo_cmd(_provider: cli::DemoProvider, _cli: &Cli) -> ExitCode {
    crate::say_err!("{}", rust_i18n::t!("ui.main.11"));
    ExitCode::from(EXIT_FAILED)
}

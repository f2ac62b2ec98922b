//! `mxddns check`: the command around the mail-DNS report of `crate::check` (the
//! configuration when there is one, DNS, the addresses to check).

use super::{load_config, EXIT_FAILED, EXIT_USAGE};
use crate::cli::Cli;
use crate::{check, config, detect, dns};
use std::process::ExitCode;

/// `mxddns check`: the mail-DNS report. With `--domain` the configuration is optional
/// (its DNS settings and IP sources are used when the file exists).
pub async fn run(
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
            crate::say_err!("{}", rust_i18n::t!("cmd.check", e = e));
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
                    rust_i18n::t!("cmd.check.2", family = family, v1 = e.headline())
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
                    "cmd.check.3",
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
            rust_i18n::t!("cmd.check.4", failed = failed, total = total)
        );
    }
    ExitCode::from(verdict.exit_code())
}

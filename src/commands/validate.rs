//! `mxddns validate [--online]`: the configuration as mxddns understands it, and with
//! `--online` a read-only probe of every domain at its provider.

use super::{agent, load_config, EXIT_FAILED};
use crate::cli::Cli;
use crate::{config, probe};
use std::process::ExitCode;

pub fn offline(cli: &Cli) -> ExitCode {
    match load_config(cli) {
        Ok(cfg) => {
            crate::say_raw!("{}", config::render_plan(&cfg));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// `validate --online`: the configuration, then a read-only probe of every domain.
pub async fn online(cli: &Cli) -> ExitCode {
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

//! The commands other than `plan`/`apply` (src/setup/) and `init` (src/init.rs), one module
//! each; `main.rs` only dispatches to them. Here: what they share (loading the
//! configuration, building the agent, the update flags no other command takes).

pub mod check;
pub mod demo;
pub mod detect;
pub mod run;
pub mod setup;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::{config, cycle, engine, state};
use std::process::ExitCode;

/// Exit codes of the contract.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// The update flags (`--update-now`, `--dry-run`, `--force`) belong to the update run; on
/// another command they would be silently ignored, so they are refused.
pub fn inapplicable_flags(cli: &Cli) -> Option<String> {
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
        rust_i18n::t!("cmd.mod").into_owned()
    } else {
        String::new()
    };
    Some(rust_i18n::t!("cmd.mod.2", v1 = used.join(", "), name = name, hint = hint).into_owned())
}

pub fn load_config(cli: &Cli) -> Result<config::Config, ExitCode> {
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

/// Build the agent: DNS, provider accounts, state (under the single-writer lock).
pub fn agent(cfg: config::Config) -> anyhow::Result<(cycle::Agent, Option<state::StateLock>)> {
    Ok((engine::Agent::new(cfg)?, None))
}

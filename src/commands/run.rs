//! The update run (no command, or `run`): the service, or one cycle with `--update-now` /
//! `--dry-run`, under the single-writer lock.

use super::{agent, load_config, EXIT_FAILED};
use crate::cli::Cli;
use crate::{cycle, service, state};
use std::process::ExitCode;

pub async fn run(cli: &Cli) -> ExitCode {
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
            Err(e @ (state::LockError::Held { .. } | state::LockError::Unsafe(_))) => {
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
        Ok(service::Ending::CyclesDone { last_ok: false } | service::Ending::CutOff) => {
            ExitCode::from(EXIT_FAILED)
        }
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

//! `mxddns plan` and `mxddns apply`: the mail record set (src/setup/), behind the
//! `mail-setup` feature; without it, a clear error.

use crate::cli::Cli;
use std::process::ExitCode;

#[cfg(feature = "mail-setup")]
pub async fn plan(cli: &Cli, domain: Option<&str>, json: bool) -> ExitCode {
    match super::load_config(cli) {
        Ok(cfg) => crate::setup::plan::run(cfg, domain, json).await,
        Err(code) => code,
    }
}

#[cfg(feature = "mail-setup")]
pub async fn apply(cli: &Cli, domain: Option<&str>, yes: bool, prune: bool) -> ExitCode {
    match super::load_config(cli) {
        Ok(cfg) => {
            let opts = crate::setup::apply::Options { domain, yes, prune };
            crate::setup::apply::run(cfg, opts).await
        }
        Err(code) => code,
    }
}

#[cfg(not(feature = "mail-setup"))]
pub async fn plan(_cli: &Cli, _domain: Option<&str>, _json: bool) -> ExitCode {
    unavailable()
}

#[cfg(not(feature = "mail-setup"))]
pub async fn apply(_cli: &Cli, _domain: Option<&str>, _yes: bool, _prune: bool) -> ExitCode {
    unavailable()
}

#[cfg(not(feature = "mail-setup"))]
fn unavailable() -> ExitCode {
    crate::say_err!("{}", rust_i18n::t!("cmd.setup.unavailable"));
    ExitCode::from(super::EXIT_USAGE)
}

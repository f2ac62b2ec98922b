//! `mxddns demo`: the feature-gated demonstration (src/demo.rs) against a built-in fake
//! registrar; without the feature, a clear error.

use super::EXIT_FAILED;
use crate::cli;
use std::process::ExitCode;

#[cfg(feature = "demo")]
pub async fn run(provider: cli::DemoProvider, mail: bool) -> ExitCode {
    let ran = if mail {
        crate::demo::run_mail(provider).await
    } else {
        crate::demo::run(provider).await
    };
    match ran {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILED),
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("cmd.demo", e = format!("{:#}", e)));
            ExitCode::from(EXIT_FAILED)
        }
    }
}

#[cfg(not(feature = "demo"))]
pub async fn run(_provider: cli::DemoProvider, _mail: bool) -> ExitCode {
    crate::say_err!("{}", rust_i18n::t!("cmd.demo.2"));
    ExitCode::from(EXIT_FAILED)
}

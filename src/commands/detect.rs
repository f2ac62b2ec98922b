//! `mxddns detect`: this network's public addresses, as the IP sources see them.

use super::{load_config, EXIT_FAILED};
use crate::cli::Cli;
use crate::detect;
use std::process::ExitCode;

pub async fn run(cli: &Cli) -> ExitCode {
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
        crate::say!("{}", rust_i18n::t!("cmd.detect"));
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

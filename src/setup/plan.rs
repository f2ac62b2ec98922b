//! `mxddns plan [--domain D] [--format json]`: how each zone differs from its `mail:`
//! declaration. Reads each zone with one listing; writes nothing (not even the state file).

use super::{
    plan_domain, render_json, render_text, selected, EXIT_FAILED, EXIT_NOTHING, EXIT_PENDING,
    EXIT_USAGE,
};
use crate::config::Config;
use crate::engine::Agent;
use std::collections::BTreeMap;
use std::process::ExitCode;

pub async fn run(cfg: Config, domain: Option<&str>, json: bool) -> ExitCode {
    let domains: Vec<crate::config::DomainConfig> = match selected(&cfg, domain) {
        Ok(d) => d.into_iter().cloned().collect(),
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut agent = match Agent::new(cfg) {
        Ok(a) => a,
        Err(e) => {
            crate::say_err!(
                "{}",
                rust_i18n::t!("summary.error", text = format!("{e:#}"))
            );
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let (_, addrs, detect_errors) = crate::engine::detect_all(&agent.config).await;
    for (_, e) in &detect_errors {
        crate::say_err!("{}", rust_i18n::t!("ui.plan", e = e));
    }
    let mut plans = Vec::new();
    let mut failed = BTreeMap::new();
    for d in &domains {
        match plan_domain(&mut agent, d, &addrs, false, None).await {
            Ok(p) => plans.push(p),
            Err(e) => {
                failed.insert(d.domain.clone(), e);
            }
        }
    }
    crate::say_raw!(
        "{}",
        if json {
            render_json(&plans, &failed)
        } else {
            render_text(&plans, &failed)
        }
    );
    if !failed.is_empty() {
        ExitCode::from(EXIT_FAILED)
    } else if plans.iter().any(|p| p.pending()) {
        ExitCode::from(EXIT_PENDING)
    } else {
        ExitCode::from(EXIT_NOTHING)
    }
}

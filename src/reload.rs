//! SIGHUP: read the configuration file again. A valid new configuration replaces the
//! running one (new DNS set-up and provider accounts; the state, and with it the cached
//! record ids, the address history and the failure counts, is kept); an invalid one is
//! reported with its `FILE:LINE` problems and the running configuration stays.

use crate::cycle::Agent;
use crate::{accounts, config, dns, http};

/// Load `agent.config.path` again and make `agent` use it. On error `agent` is unchanged
/// and the message says what is wrong (every problem, one per line).
pub fn reload(agent: &mut Agent) -> Result<(), String> {
    let path = agent.config.path.clone();
    let loaded = config::load(&path).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    let mut cfg = loaded.config;
    if cfg.state_file != agent.config.state_file {
        // The single-writer lock is held next to the old file; moving it needs a restart.
        tracing::warn!(
            "state_file changed to {}; the running agent keeps using {} until it is restarted",
            cfg.state_file.display(),
            agent.config.state_file.display()
        );
        cfg.state_file.clone_from(&agent.config.state_file);
    }
    let client = http::client().map_err(|e| rust_i18n::t!("ui.reload", e = e).into_owned())?;
    let dns =
        dns::Dns::new(&cfg.dns).map_err(|e| rust_i18n::t!("ui.reload.2", e = e).into_owned())?;
    agent.accounts = accounts::build_all(&cfg.providers, &client)
        .map_err(|e| rust_i18n::t!("ui.reload.3", e = e).into_owned())?;
    agent.dns = dns;
    agent.config = cfg;
    Ok(())
}

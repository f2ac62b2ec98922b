//! Provider accounts from the configuration: one provider instance per entry under
//! `providers:`, each with its own request counters, all sharing one HTTP client (except those
//! that trust extra roots).

use crate::config::ProviderConfig;
use mxddns_providers::{ApiCounters, HttpContext, Provider};
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct Account {
    /// The key under `providers:`.
    pub name: String,
    pub provider: Box<dyn Provider>,
    pub counters: Arc<ApiCounters>,
}

pub fn build(cfg: &ProviderConfig, client: &reqwest::Client) -> Result<Account, reqwest::Error> {
    let http = HttpContext::new(crate::http::client_for(client, cfg.tls_ca.as_ref())?);
    let counters = http.counters.clone();
    let endpoint = cfg.endpoint.clone();
    let provider = cfg.credentials.build(http, endpoint);
    Ok(Account {
        name: cfg.name.clone(),
        provider,
        counters,
    })
}

/// Every account; one with `tls_ca_file:` gets a client of its own that trusts those roots.
pub fn build_all(
    providers: &BTreeMap<String, ProviderConfig>,
    client: &reqwest::Client,
) -> Result<BTreeMap<String, Account>, reqwest::Error> {
    providers
        .iter()
        .map(|(k, v)| Ok((k.clone(), build(v, client)?)))
        .collect()
}

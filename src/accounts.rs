//! Provider accounts from the configuration: one provider instance per entry under
//! `providers:`, each with its own request counters, all sharing one HTTP client.

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

pub fn build(cfg: &ProviderConfig, client: &reqwest::Client) -> Account {
    let http = HttpContext::new(client.clone());
    let counters = http.counters.clone();
    let endpoint = cfg.endpoint.clone();
    let provider = cfg.credentials.build(http, endpoint);
    Account {
        name: cfg.name.clone(),
        provider,
        counters,
    }
}

pub fn build_all(
    providers: &BTreeMap<String, ProviderConfig>,
    client: &reqwest::Client,
) -> BTreeMap<String, Account> {
    providers
        .iter()
        .map(|(k, v)| (k.clone(), build(v, client)))
        .collect()
}

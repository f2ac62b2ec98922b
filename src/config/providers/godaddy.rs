//! `type: godaddy` — GoDaddy Domains API v1 with an API key and secret.

use super::{required, secret, Credentials, Kind};
use crate::config::load::{Check, Ctx};
use crate::config::raw::RawProvider;
use mxddns_providers::{godaddy::GoDaddy, HttpContext, Provider, Secret};

pub(super) const KIND: Kind = Kind {
    name: "godaddy",
    keys: &[
        "type",
        "endpoint",
        "api_key",
        "api_key_file",
        "api_secret",
        "api_secret_file",
    ],
    takes: "api_key and api_secret (or their _file forms) and endpoint",
    parse,
};

fn parse(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let api_key = secret(cx, path, "api_key", &p.api_key, &p.api_key_file)
        .and_then(|s| required(cx, path, "godaddy", "api_key", s));
    let api_secret = secret(cx, path, "api_secret", &p.api_secret, &p.api_secret_file)
        .and_then(|s| required(cx, path, "godaddy", "api_secret", s));
    Ok(Credentials::GoDaddy {
        api_key: api_key?,
        api_secret: api_secret?,
    })
}

pub(super) fn describe(api_key: &Secret, api_secret: &Secret) -> String {
    format!(
        "api_key {}, api_secret {}",
        api_key.masked(),
        api_secret.masked()
    )
}

pub(super) fn build(
    api_key: &Secret,
    api_secret: &Secret,
    http: HttpContext,
    endpoint: Option<String>,
) -> Box<dyn Provider> {
    Box::new(GoDaddy::new(
        http,
        api_key.clone(),
        api_secret.clone(),
        endpoint,
    ))
}

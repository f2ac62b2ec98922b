//! `type: cloudflare` — Cloudflare API v4 with an API token.

use super::{required, secret, Credentials, Kind};
use crate::config::load::{Check, Ctx};
use crate::config::raw::RawProvider;
use mxddns_providers::{cloudflare::Cloudflare, HttpContext, Provider, Secret};

pub(super) const KIND: Kind = Kind {
    name: "cloudflare",
    keys: &["type", "endpoint", "api_token", "api_token_file"],
    takes: "api_token (or api_token_file) and endpoint",
    parse,
};

fn parse(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let api_token = secret(cx, path, "api_token", &p.api_token, &p.api_token_file)?;
    Ok(Credentials::Cloudflare {
        api_token: required(cx, path, "cloudflare", "api_token", api_token)?,
    })
}

pub(super) fn describe(api_token: &Secret) -> String {
    format!("api_token {}", api_token.masked())
}

pub(super) fn build(
    api_token: &Secret,
    http: HttpContext,
    endpoint: Option<String>,
) -> Box<dyn Provider> {
    Box::new(Cloudflare::new(http, api_token.clone(), endpoint))
}

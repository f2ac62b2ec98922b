//! `type: dnspod` — Tencent Cloud DNSPod, API 3.0, with an API key (SecretId/SecretKey).

use super::{required, secret, Credentials, Kind};
use crate::config::index::child;
use crate::config::load::{Check, Ctx};
use crate::config::raw::RawProvider;
use mxddns_providers::{dnspod::Dnspod, HttpContext, Provider, Secret};

pub(super) const KIND: Kind = Kind {
    name: "dnspod",
    keys: &[
        "type",
        "endpoint",
        "secret_id",
        "secret_key",
        "secret_key_file",
    ],
    takes: "secret_id, secret_key (or secret_key_file) and endpoint",
    parse,
};

fn parse(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let id_key = child(path, "secret_id");
    let secret_id = match cx.text(&id_key, p.secret_id.as_ref()) {
        Ok(Some(id)) if id.trim().is_empty() => Err(cx.report(&id_key, "is empty")),
        Ok(Some(id)) => Ok(id.trim().to_string()),
        Ok(None) => Err(cx.report(path, rust_i18n::t!("cfg.dnspod").into_owned())),
        Err(r) => Err(r),
    };
    let secret_key = secret(cx, path, "secret_key", &p.secret_key, &p.secret_key_file)
        .and_then(|s| required(cx, path, "dnspod", "secret_key", s));
    Ok(Credentials::Dnspod {
        secret_id: secret_id?,
        secret_key: secret_key?,
    })
}

pub(super) fn describe(secret_id: &str, secret_key: &Secret) -> String {
    format!(
        "secret_id {}, secret_key {}",
        Secret::new(secret_id).masked(),
        secret_key.masked()
    )
}

pub(super) fn build(
    secret_id: &str,
    secret_key: &Secret,
    http: HttpContext,
    endpoint: Option<String>,
) -> Box<dyn Provider> {
    Box::new(Dnspod::new(
        http,
        secret_id.to_string(),
        secret_key.clone(),
        endpoint,
    ))
}

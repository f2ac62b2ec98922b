//! `type: rfc2136` — dynamic updates (RFC 2136) signed with a TSIG key, to any server.

use super::{secret, Credentials, Kind};
use crate::config::index::child;
use crate::config::load::{Check, Ctx};
use crate::config::raw::RawProvider;
use mxddns_providers::rfc2136::{self, Algorithm, Rfc2136, TsigKey};
use mxddns_providers::{HttpContext, Provider, Secret};

pub(super) const KIND: Kind = Kind {
    name: "rfc2136",
    keys: &[
        "type",
        "server",
        "tsig_key_name",
        "tsig_algorithm",
        "tsig_secret",
        "tsig_secret_file",
    ],
    takes: "server, tsig_key_name, tsig_algorithm and tsig_secret (or tsig_secret_file)",
    parse,
};

fn parse(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let server_key = child(path, "server");
    let server = match cx.text(&server_key, p.server.as_ref()) {
        Ok(Some(s)) => rfc2136::server_address(&s).map_err(|m| cx.report(&server_key, m)),
        Ok(None) => Err(cx.report(path, rust_i18n::t!("cfg.rfc2136").into_owned())),
        Err(r) => Err(r),
    };
    let name_key = child(path, "tsig_key_name");
    let name = cx
        .text(&name_key, p.tsig_key_name.as_ref())
        .map(|n| n.map(|n| n.trim().trim_end_matches('.').to_ascii_lowercase()));
    let alg_key = child(path, "tsig_algorithm");
    let algorithm = match cx.text(&alg_key, p.tsig_algorithm.as_ref()) {
        Ok(Some(a)) => match Algorithm::parse(&a) {
            Some(a) => Ok(Some(a)),
            None => Err(cx.report(
                &alg_key,
                rust_i18n::t!("cfg.rfc2136.2", a = a, v1 = Algorithm::NAMES).into_owned(),
            )),
        },
        Ok(None) => Ok(None),
        Err(r) => Err(r),
    };
    let file_key = child(path, "tsig_secret_file");
    let raw = secret(cx, path, "tsig_secret", &p.tsig_secret, &p.tsig_secret_file);
    let (name, algorithm, raw) = (name?, algorithm?, raw?);
    let server = server?;
    let Some(raw) = raw else {
        return Err(cx.report(path, rust_i18n::t!("cfg.rfc2136.3").into_owned()));
    };
    let where_ = if p.tsig_secret_file.is_some() {
        file_key
    } else {
        child(path, "tsig_secret")
    };
    let file = rfc2136::parse_key_file(raw.expose()).map_err(|m| cx.report(&where_, m))?;
    if let Err(m) = rfc2136::key::decode_secret(&file.secret) {
        return Err(cx.report(&where_, m));
    }
    let name = match (name, file.name) {
        (Some(n), Some(f)) if n != f => {
            return Err(cx.report(
                &name_key,
                rust_i18n::t!("cfg.rfc2136.4", n = n, f = f).into_owned(),
            ))
        }
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => return Err(cx.report(path, rust_i18n::t!("cfg.rfc2136.5").into_owned())),
    };
    if name.is_empty() {
        return Err(cx.report(&name_key, "is empty"));
    }
    let file_alg = match file.algorithm.as_deref().map(|a| (a, Algorithm::parse(a))) {
        Some((a, None)) => {
            return Err(cx.report(
                &where_,
                rust_i18n::t!("cfg.rfc2136.6", a = a, v1 = Algorithm::NAMES).into_owned(),
            ))
        }
        Some((_, Some(a))) => Some(a),
        None => None,
    };
    let algorithm = match (algorithm, file_alg) {
        (Some(a), Some(f)) if a != f => {
            return Err(cx.report(
                &alg_key,
                rust_i18n::t!("cfg.rfc2136.7", v1 = a.as_str(), v2 = f.as_str()).into_owned(),
            ))
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => Algorithm::HmacSha256,
    };
    Ok(Credentials::Rfc2136 {
        server,
        key: TsigKey {
            name,
            algorithm,
            secret: Secret::new(file.secret),
        },
    })
}

pub(super) fn describe(server: &str, key: &TsigKey) -> String {
    format!(
        "server {server}, tsig_key_name {}, tsig_algorithm {}, tsig_secret {}",
        key.name,
        key.algorithm.as_str(),
        key.secret.masked()
    )
}

pub(super) fn build(server: &str, key: &TsigKey, http: HttpContext) -> Box<dyn Provider> {
    Box::new(Rfc2136::new(server.to_string(), key.clone(), http.counters))
}

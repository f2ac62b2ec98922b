//! `providers:` — named registrar accounts: their type, credentials and endpoint.

use super::index::child;
use super::load::{Check, Ctx, Reported};
use super::raw::RawProvider;
use super::{AliyunSignature, Credentials, ProviderConfig};
use mxddns_providers::Secret;
use std::collections::BTreeMap;

/// The provider types, with the keys each takes and how to say so.
const KINDS: [(&str, &[&str], &str); 3] = [
    (
        "cloudflare",
        &["type", "endpoint", "api_token", "api_token_file"],
        "api_token (or api_token_file) and endpoint",
    ),
    (
        "aliyun",
        &[
            "type",
            "endpoint",
            "access_key_id",
            "access_key_secret",
            "access_key_secret_file",
            "signature",
        ],
        "access_key_id, access_key_secret (or access_key_secret_file), signature and endpoint",
    ),
    (
        "godaddy",
        &[
            "type",
            "endpoint",
            "api_key",
            "api_key_file",
            "api_secret",
            "api_secret_file",
        ],
        "api_key and api_secret (or their _file forms) and endpoint",
    ),
];

/// `providers:`
pub(crate) fn providers(
    cx: &mut Ctx<'_>,
    raw: Option<&BTreeMap<String, RawProvider>>,
) -> Check<BTreeMap<String, ProviderConfig>> {
    let mut out = BTreeMap::new();
    let mut failed = false;
    for (name, p) in raw.into_iter().flatten() {
        match provider(cx, name, p) {
            Ok(config) => {
                out.insert(name.clone(), config);
            }
            Err(Reported) => failed = true,
        }
    }
    if failed {
        Err(Reported)
    } else {
        Ok(out)
    }
}

fn provider(cx: &mut Ctx<'_>, name: &str, p: &RawProvider) -> Check<ProviderConfig> {
    let path = child("providers", name);
    let type_key = child(&path, "type");
    let Some(kind) = cx.text(&type_key, p.kind.as_ref())? else {
        return Err(cx.report(
            &path,
            "missing type — add type: cloudflare, aliyun or godaddy",
        ));
    };
    let kind = kind.trim().to_ascii_lowercase();
    let Some((kind, allowed, takes)) = KINDS.iter().find(|(k, ..)| *k == kind) else {
        let names: Vec<&str> = KINDS.iter().map(|(k, ..)| *k).collect();
        let guess = super::serde_error::closest(&kind, &names)
            .map(|g| format!(" (did you mean {g}?)"))
            .unwrap_or_default();
        return Err(cx.report(
            &type_key,
            format!("unknown provider type \"{kind}\"{guess} — use cloudflare, aliyun or godaddy"),
        ));
    };
    let mut foreign = false;
    for (key, present) in p.keys() {
        if present && !allowed.contains(&key) {
            cx.report(
                &child(&path, key),
                format!("is not a key of a {kind} provider — a {kind} provider takes {takes}"),
            );
            foreign = true;
        }
    }
    let endpoint = endpoint(cx, &path, p.endpoint.as_ref());
    let credentials = match *kind {
        "cloudflare" => cloudflare(cx, &path, p),
        "aliyun" => aliyun(cx, &path, p),
        _ => godaddy(cx, &path, p),
    };
    if foreign {
        return Err(Reported);
    }
    Ok(ProviderConfig {
        name: name.to_string(),
        endpoint: endpoint?,
        credentials: credentials?,
    })
}

fn cloudflare(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let api_token = secret(cx, path, "api_token", &p.api_token, &p.api_token_file)?;
    Ok(Credentials::Cloudflare {
        api_token: required(cx, path, "cloudflare", "api_token", api_token)?,
    })
}

fn aliyun(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let id_key = child(path, "access_key_id");
    let access_key_id = match cx.text(&id_key, p.access_key_id.as_ref()) {
        Ok(Some(id)) if id.trim().is_empty() => Err(cx.report(&id_key, "is empty")),
        Ok(Some(id)) => {
            // Not secret on its own, but half of the credential: never echoed either.
            crate::redact::register(id.trim());
            Ok(id.trim().to_string())
        }
        Ok(None) => Err(cx.report(
            path,
            "missing access_key_id — an aliyun provider needs access_key_id and access_key_secret (or access_key_secret_file)",
        )),
        Err(r) => Err(r),
    };
    let access_key_secret = secret(
        cx,
        path,
        "access_key_secret",
        &p.access_key_secret,
        &p.access_key_secret_file,
    )
    .and_then(|s| required(cx, path, "aliyun", "access_key_secret", s));
    let sig_key = child(path, "signature");
    let signature = match cx.text(&sig_key, p.signature.as_ref()) {
        Ok(None) => Ok(AliyunSignature::default()),
        Ok(Some(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "v1" => Ok(AliyunSignature::V1),
            "v3" => Ok(AliyunSignature::V3),
            _ => Err(cx.report(
                &sig_key,
                format!("\"{s}\" is not v1 or v3 — v1 (HMAC-SHA1, the default) or v3 (ACS3-HMAC-SHA256)"),
            )),
        },
        Err(r) => Err(r),
    };
    Ok(Credentials::Aliyun {
        access_key_id: access_key_id?,
        access_key_secret: access_key_secret?,
        signature: signature?,
    })
}

fn godaddy(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let api_key = secret(cx, path, "api_key", &p.api_key, &p.api_key_file)
        .and_then(|s| required(cx, path, "godaddy", "api_key", s));
    let api_secret = secret(cx, path, "api_secret", &p.api_secret, &p.api_secret_file)
        .and_then(|s| required(cx, path, "godaddy", "api_secret", s));
    Ok(Credentials::GoDaddy {
        api_key: api_key?,
        api_secret: api_secret?,
    })
}

fn required(
    cx: &mut Ctx<'_>,
    path: &str,
    kind: &str,
    key: &str,
    secret: Option<Secret>,
) -> Check<Secret> {
    secret.ok_or_else(|| {
        cx.report(
            path,
            format!("missing {key} — a {kind} provider needs {key} (or {key}_file)"),
        )
    })
}

/// A secret written as `key: value` (with `${VAR}`) or `key_file: /path` (read once,
/// trimmed). Messages name keys, variables and paths, never the value.
fn secret(
    cx: &mut Ctx<'_>,
    path: &str,
    key: &str,
    value: &Option<String>,
    file: &Option<String>,
) -> Check<Option<Secret>> {
    let value_key = child(path, key);
    let file_key = format!("{value_key}_file");
    match (value, file) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(cx.report(
            &file_key,
            format!("{key} is set as well — keep only one of {key} and {key}_file"),
        )),
        (Some(v), None) => {
            let v = cx.secret_text(&value_key, Some(v))?.unwrap_or_default();
            let v = v.trim();
            if v.is_empty() {
                return Err(cx.report(
                    &value_key,
                    format!("is empty — write the {key}, or use {key}_file"),
                ));
            }
            Ok(Some(Secret::new(v)))
        }
        (None, Some(f)) => {
            let f = cx.text(&file_key, Some(f))?.unwrap_or_default();
            if f.trim().is_empty() {
                return Err(cx.report(
                    &file_key,
                    format!("is empty — write the path of the file that holds the {key}"),
                ));
            }
            let file = cx.resolve(f.trim());
            let text = std::fs::read_to_string(&file).map_err(|e| {
                cx.report(
                    &file_key,
                    format!(
                        "cannot read {}: {e} — check the path, and that mxddns may read the file",
                        file.display()
                    ),
                )
            })?;
            let text = text.trim();
            if text.is_empty() {
                return Err(cx.report(
                    &file_key,
                    format!("{} is empty — put the {key} in it", file.display()),
                ));
            }
            Ok(Some(Secret::new(text)))
        }
    }
}

/// `endpoint:` — https, or plain http to a loopback address only.
fn endpoint(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<Option<String>> {
    let key = child(path, "endpoint");
    let Some(text) = cx.text(&key, raw)? else {
        return Ok(None);
    };
    let text = text.trim();
    // `https://user:pass@host`: the password is a secret like any other.
    crate::redact::register_url(text, false);
    match https_url(
        text,
        "the API base URL, such as https://api.example.com",
        true,
    ) {
        Ok(_) => Ok(Some(text.to_string())),
        Err(m) => Err(cx.report(&key, m)),
    }
}

/// The rule for URLs the agent sends credentials to (`endpoint:`, `notify[].url`):
/// https, or plain http to a loopback address only. `what` completes "write …" in the
/// messages; `quote`: whether the messages may repeat the URL (not when it may hold a
/// token, as webhook URLs do).
pub(crate) fn https_url(text: &str, what: &str, quote: bool) -> Result<url::Url, String> {
    let shown = if quote {
        format!("\"{text}\"")
    } else {
        "the URL".to_string()
    };
    let url =
        url::Url::parse(text).map_err(|e| format!("{shown} is not a URL ({e}) — write {what}"))?;
    let host = url.host_str().unwrap_or("");
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if crate::net::is_loopback_host(host) => Ok(url),
        "http" => Err(format!("{shown} uses plain http, which is accepted only for loopback addresses (127.0.0.1, [::1], localhost) — use https://")),
        scheme => Err(format!(
            "{shown} is not an https URL (scheme \"{scheme}\") — write {what}"
        )),
    }
}

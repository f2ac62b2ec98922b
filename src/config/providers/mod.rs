//! `providers:` — named registrar accounts: their type, credentials and endpoint.
//!
//! THE registration point of provider types. Each type lives in its own file here
//! (`cloudflare.rs`, ...) with everything the binary knows about it: the keys it takes,
//! how they are checked, how they are shown by `plan`, and how the provider is built.
//! Adding a type: its folder in `providers/src/`, its file here, and one line in each of
//! [`KINDS`], [`Credentials`] and the four `match`es below.

// Each type is a cargo feature of the same name (default: all of them), so that a router
// build carries only its own registrar: `--no-default-features --features cloudflare`.
#[cfg(feature = "aliyun")]
mod aliyun;
#[cfg(feature = "cloudflare")]
mod cloudflare;
#[cfg(feature = "dnspod")]
mod dnspod;
#[cfg(feature = "godaddy")]
mod godaddy;
#[cfg(feature = "huaweicloud")]
mod huaweicloud;
#[cfg(feature = "rfc2136")]
mod rfc2136;

#[cfg(feature = "aliyun")]
pub use aliyun::AliyunSignature;

use super::index::child;
use super::load::{Check, Ctx, Reported};
use super::raw::RawProvider;
use super::ProviderConfig;
use mxddns_providers::{HttpContext, Provider, Secret};
use rust_i18n::t;
use std::collections::BTreeMap;

/// One provider type: its `type:` word, the keys it takes, how to say so, and how its
/// keys are checked.
pub(crate) struct Kind {
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub takes: &'static str,
    pub parse: fn(&mut Ctx<'_>, &str, &RawProvider) -> Check<Credentials>,
}

/// Every provider type this build knows, in the order messages list them.
const KINDS: &[Kind] = &[
    #[cfg(feature = "cloudflare")]
    cloudflare::KIND,
    #[cfg(feature = "aliyun")]
    aliyun::KIND,
    #[cfg(feature = "godaddy")]
    godaddy::KIND,
    #[cfg(feature = "rfc2136")]
    rfc2136::KIND,
    #[cfg(feature = "dnspod")]
    dnspod::KIND,
    #[cfg(feature = "huaweicloud")]
    huaweicloud::KIND,
];

/// Every provider type mxddns has, compiled into this build or not: a config naming one
/// that was left out is told which feature to build with.
const ALL_KINDS: &[&str] = &[
    "cloudflare",
    "aliyun",
    "godaddy",
    "rfc2136",
    "dnspod",
    "huaweicloud",
];

/// A provider entry's credentials and options, one variant per type.
#[derive(Debug, Clone)]
pub enum Credentials {
    #[cfg(feature = "cloudflare")]
    Cloudflare { api_token: Secret },
    #[cfg(feature = "aliyun")]
    Aliyun {
        access_key_id: String,
        access_key_secret: Secret,
        signature: AliyunSignature,
    },
    #[cfg(feature = "godaddy")]
    GoDaddy { api_key: Secret, api_secret: Secret },
    #[cfg(feature = "rfc2136")]
    Rfc2136 {
        /// `host:port`.
        server: String,
        key: mxddns_providers::rfc2136::TsigKey,
    },
    #[cfg(feature = "dnspod")]
    Dnspod {
        secret_id: String,
        secret_key: Secret,
    },
    #[cfg(feature = "huaweicloud")]
    HuaweiCloud {
        access_key: String,
        secret_key: Secret,
        /// `None`: the default region.
        region: Option<String>,
    },
    /// Never made: keeps this enum and its `match`es valid in a build with no provider
    /// type at all (`--no-default-features`, a `check`-only build).
    #[allow(dead_code)]
    None(std::convert::Infallible),
}

impl Credentials {
    /// The `type:` word.
    pub fn kind(&self) -> &'static str {
        match self {
            #[cfg(feature = "cloudflare")]
            Credentials::Cloudflare { .. } => cloudflare::KIND.name,
            #[cfg(feature = "aliyun")]
            Credentials::Aliyun { .. } => aliyun::KIND.name,
            #[cfg(feature = "godaddy")]
            Credentials::GoDaddy { .. } => godaddy::KIND.name,
            #[cfg(feature = "rfc2136")]
            Credentials::Rfc2136 { .. } => rfc2136::KIND.name,
            #[cfg(feature = "dnspod")]
            Credentials::Dnspod { .. } => dnspod::KIND.name,
            #[cfg(feature = "huaweicloud")]
            Credentials::HuaweiCloud { .. } => huaweicloud::KIND.name,
            Credentials::None(never) => match *never {},
        }
    }

    /// One line for `plan`'s configuration summary, secrets masked.
    pub fn describe(&self) -> String {
        match self {
            #[cfg(feature = "cloudflare")]
            Credentials::Cloudflare { api_token } => cloudflare::describe(api_token),
            #[cfg(feature = "aliyun")]
            Credentials::Aliyun {
                access_key_id,
                access_key_secret,
                signature,
            } => aliyun::describe(access_key_id, access_key_secret, *signature),
            #[cfg(feature = "godaddy")]
            Credentials::GoDaddy {
                api_key,
                api_secret,
            } => godaddy::describe(api_key, api_secret),
            #[cfg(feature = "rfc2136")]
            Credentials::Rfc2136 { server, key } => rfc2136::describe(server, key),
            #[cfg(feature = "dnspod")]
            Credentials::Dnspod {
                secret_id,
                secret_key,
            } => dnspod::describe(secret_id, secret_key),
            #[cfg(feature = "huaweicloud")]
            Credentials::HuaweiCloud {
                access_key,
                secret_key,
                region,
            } => huaweicloud::describe(access_key, secret_key, region),
            Credentials::None(never) => match *never {},
        }
    }

    /// Every credential and option value, secrets included, for the configuration
    /// fingerprint (`Config::fingerprint`, which keeps only a hash). Never print these.
    pub fn fingerprint_parts(&self) -> Vec<String> {
        match self {
            #[cfg(feature = "cloudflare")]
            Credentials::Cloudflare { api_token } => vec![api_token.expose().to_string()],
            #[cfg(feature = "aliyun")]
            Credentials::Aliyun {
                access_key_id,
                access_key_secret,
                signature,
            } => vec![
                access_key_id.clone(),
                access_key_secret.expose().to_string(),
                format!("{signature:?}"),
            ],
            #[cfg(feature = "godaddy")]
            Credentials::GoDaddy {
                api_key,
                api_secret,
            } => vec![
                api_key.expose().to_string(),
                api_secret.expose().to_string(),
            ],
            #[cfg(feature = "rfc2136")]
            Credentials::Rfc2136 { server, key } => vec![
                server.clone(),
                key.name.clone(),
                format!("{:?}", key.algorithm),
                key.secret.expose().to_string(),
            ],
            #[cfg(feature = "dnspod")]
            Credentials::Dnspod {
                secret_id,
                secret_key,
            } => vec![secret_id.clone(), secret_key.expose().to_string()],
            #[cfg(feature = "huaweicloud")]
            Credentials::HuaweiCloud {
                access_key,
                secret_key,
                region,
            } => vec![
                access_key.clone(),
                secret_key.expose().to_string(),
                region.clone().unwrap_or_default(),
            ],
            Credentials::None(never) => match *never {},
        }
    }

    /// The provider client for these credentials.
    // An rfc2136-only build has no type with an `endpoint:`.
    #[allow(unused_variables)]
    pub fn build(&self, http: HttpContext, endpoint: Option<String>) -> Box<dyn Provider> {
        match self {
            #[cfg(feature = "cloudflare")]
            Credentials::Cloudflare { api_token } => cloudflare::build(api_token, http, endpoint),
            #[cfg(feature = "aliyun")]
            Credentials::Aliyun {
                access_key_id,
                access_key_secret,
                signature,
            } => aliyun::build(access_key_id, access_key_secret, *signature, http, endpoint),
            #[cfg(feature = "godaddy")]
            Credentials::GoDaddy {
                api_key,
                api_secret,
            } => godaddy::build(api_key, api_secret, http, endpoint),
            #[cfg(feature = "rfc2136")]
            Credentials::Rfc2136 { server, key } => rfc2136::build(server, key, http),
            #[cfg(feature = "dnspod")]
            Credentials::Dnspod {
                secret_id,
                secret_key,
            } => dnspod::build(secret_id, secret_key, http, endpoint),
            #[cfg(feature = "huaweicloud")]
            Credentials::HuaweiCloud {
                access_key,
                secret_key,
                region,
            } => huaweicloud::build(access_key, secret_key, region, http, endpoint),
            Credentials::None(never) => match *never {},
        }
    }
}

/// "cloudflare, aliyun or godaddy"
fn kind_list() -> String {
    let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((only, _)) => only.to_string(),
        None => rust_i18n::t!("cfg.mod", v1 = ALL_KINDS.join(",")).into_owned(),
    }
}

/// Keys every provider type takes besides its own.
const COMMON_KEYS: [&str; 1] = ["tls_ca_file"];

/// The provider types (`type:` values), in the order messages and `mxddns init` list them.
pub fn kinds() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}

/// Keys that `mxddns init` does not ask for: they have a default.
const INIT_SKIPS: [&str; 3] = ["type", "endpoint", "signature"];

/// What `mxddns init` asks for a provider type, derived from [`KINDS`] so that a new
/// provider needs nothing of its own there: each key with a `_file` form is a secret
/// (read without echo, stored in a file or as `${VAR}`); every other key is asked in clear.
/// `None`: no such type.
pub fn init_fields(kind: &str) -> Option<Vec<(&'static str, bool)>> {
    let keys = KINDS.iter().find(|k| k.name == kind)?.keys;
    Some(
        keys.iter()
            .filter(|k| !INIT_SKIPS.contains(k) && !k.ends_with("_file"))
            .map(|k| {
                let secret = keys.iter().any(|f| f.strip_suffix("_file") == Some(*k));
                (*k, secret)
            })
            .collect(),
    )
}

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
            t!("config.missing_type", kinds = kind_list()).into_owned(),
        ));
    };
    let kind = kind.trim().to_ascii_lowercase();
    let Some(found) = KINDS.iter().find(|k| k.name == kind) else {
        if ALL_KINDS.contains(&kind.as_str()) {
            return Err(cx.report(
                &type_key,
                rust_i18n::t!("cfg.mod.2", kind = kind).into_owned(),
            ));
        }
        let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        let guess = super::serde_error::closest(&kind, &names)
            .map(|g| t!("config.unknown_type_guess", guess = g).into_owned())
            .unwrap_or_default();
        return Err(cx.report(
            &type_key,
            t!(
                "config.unknown_type",
                kind = kind,
                guess = guess,
                kinds = kind_list()
            )
            .into_owned(),
        ));
    };
    let (kind, allowed, takes) = (found.name, found.keys, found.takes);
    let mut foreign = false;
    for (key, present) in p.keys() {
        if present && !allowed.contains(&key) && !COMMON_KEYS.contains(&key) {
            cx.report(
                &child(&path, key),
                t!("config.foreign_key", kind = kind, takes = takes).into_owned(),
            );
            foreign = true;
        }
    }
    let endpoint = endpoint(cx, &path, p.endpoint.as_ref());
    let tls_ca = super::tls::ca_file(cx, &path, p.tls_ca_file.as_ref());
    let credentials = (found.parse)(cx, &path, p);
    if foreign {
        return Err(Reported);
    }
    Ok(ProviderConfig {
        name: name.to_string(),
        endpoint: endpoint?,
        tls_ca: tls_ca?,
        credentials: credentials?,
    })
}

// Unused in an rfc2136-only build (its keys are checked in rfc2136.rs).
#[allow(dead_code)]
pub(super) fn required(
    cx: &mut Ctx<'_>,
    path: &str,
    kind: &str,
    key: &str,
    secret: Option<Secret>,
) -> Check<Secret> {
    secret.ok_or_else(|| {
        cx.report(
            path,
            t!("config.missing_secret", key = key, kind = kind).into_owned(),
        )
    })
}

/// A secret written as `key: value` (with `${VAR}`) or `key_file: /path` (read once,
/// trimmed). Messages name keys, variables and paths, never the value.
pub(super) fn secret(
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
        (Some(_), Some(_)) => {
            Err(cx.report(&file_key, t!("config.secret_twice", key = key).into_owned()))
        }
        (Some(v), None) => {
            let raw = v;
            let v = cx.secret_text(&value_key, Some(v))?.unwrap_or_default();
            let v = v.trim();
            if v.is_empty() {
                // An empty ${VAR} is named: "is empty" alone sends people to the file.
                let vars = cx.empty_vars(raw);
                let message = if vars.is_empty() {
                    t!("config.secret_empty", key = key).into_owned()
                } else {
                    rust_i18n::t!("cfg.mod.3", v1 = vars.join(", "), key = key).into_owned()
                };
                return Err(cx.report(&value_key, message));
            }
            Ok(Some(Secret::new(v)))
        }
        (None, Some(f)) => {
            let f = cx.text(&file_key, Some(f))?.unwrap_or_default();
            if f.trim().is_empty() {
                return Err(cx.report(
                    &file_key,
                    t!("config.secret_file_path_empty", key = key).into_owned(),
                ));
            }
            let file = cx.resolve(f.trim());
            let text = std::fs::read_to_string(&file).map_err(|e| {
                cx.report(
                    &file_key,
                    t!(
                        "config.secret_file_unreadable",
                        file = file.display(),
                        error = e
                    )
                    .into_owned(),
                )
            })?;
            let text = text.trim();
            if text.is_empty() {
                return Err(cx.report(
                    &file_key,
                    t!("config.secret_file_empty", file = file.display(), key = key).into_owned(),
                ));
            }
            if let Some(w) = readable_by_others(&file, key) {
                cx.warn(&file_key, w);
            }
            Ok(Some(Secret::new(text)))
        }
    }
}

/// A warning when a secret file may be read by other users (as for the configuration).
fn readable_by_others(file: &std::path::Path, key: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file).ok()?.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then(|| {
        rust_i18n::t!(
            "cfg.mod.mode",
            file = file.display(),
            key = key,
            mode = format!("{mode:04o}")
        )
        .into_owned()
    })
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
    match https_url(text, &rust_i18n::t!("cfg.mod.4"), true) {
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
    let url = crate::net::parse_url(text)
        .map_err(|e| rust_i18n::t!("cfg.mod.5", shown = shown, e = e, what = what).into_owned())?;
    let host = url.host_str().unwrap_or("");
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if crate::net::is_loopback_host(host) => Ok(url),
        "http" => Err(rust_i18n::t!("cfg.mod.6", shown = shown).into_owned()),
        scheme => Err(
            rust_i18n::t!("cfg.mod.7", shown = shown, scheme = scheme, what = what).into_owned(),
        ),
    }
}

//! `type: aliyun` — Alibaba Cloud Alidns 2015-01-09 with an AccessKey pair.

use super::{required, secret, Credentials, Kind};
use crate::config::index::child;
use crate::config::load::{Check, Ctx};
use crate::config::raw::RawProvider;
use mxddns_providers::{aliyun, HttpContext, Provider, Secret};

pub(super) const KIND: Kind = Kind {
    name: "aliyun",
    keys: &[
        "type",
        "endpoint",
        "access_key_id",
        "access_key_secret",
        "access_key_secret_file",
        "signature",
    ],
    takes: "access_key_id, access_key_secret (or access_key_secret_file), signature and endpoint",
    parse,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AliyunSignature {
    /// RPC signature v1, HMAC-SHA1 (`signature: v1`, the default).
    #[default]
    V1,
    /// ACS3-HMAC-SHA256 (`signature: v3`).
    V3,
}

fn parse(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let id_key = child(path, "access_key_id");
    let access_key_id = match cx.text(&id_key, p.access_key_id.as_ref()) {
        Ok(Some(id)) if id.trim().is_empty() => Err(cx.report(&id_key, "is empty")),
        Ok(Some(id)) => {
            // Not secret on its own, but half of the credential: never echoed either.
            crate::redact::register(id.trim());
            Ok(id.trim().to_string())
        }
        Ok(None) => Err(cx.report(path, rust_i18n::t!("cfg.aliyun").into_owned())),
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
            _ => Err(cx.report(&sig_key, rust_i18n::t!("cfg.aliyun.2", s = s).into_owned())),
        },
        Err(r) => Err(r),
    };
    Ok(Credentials::Aliyun {
        access_key_id: access_key_id?,
        access_key_secret: access_key_secret?,
        signature: signature?,
    })
}

pub(super) fn describe(
    access_key_id: &str,
    access_key_secret: &Secret,
    signature: AliyunSignature,
) -> String {
    let sig = match signature {
        AliyunSignature::V1 => "v1 (HMAC-SHA1)",
        AliyunSignature::V3 => "v3 (ACS3-HMAC-SHA256)",
    };
    format!(
        "access_key_id {}, access_key_secret {}, signature {sig}",
        Secret::new(access_key_id).masked(),
        access_key_secret.masked()
    )
}

pub(super) fn build(
    access_key_id: &str,
    access_key_secret: &Secret,
    signature: AliyunSignature,
    http: HttpContext,
    endpoint: Option<String>,
) -> Box<dyn Provider> {
    let sig = match signature {
        AliyunSignature::V1 => aliyun::SignatureVersion::V1,
        AliyunSignature::V3 => aliyun::SignatureVersion::V3,
    };
    Box::new(aliyun::Aliyun::new(
        http,
        access_key_id.to_string(),
        access_key_secret.clone(),
        sig,
        endpoint,
    ))
}

//! `type: huaweicloud` — Huawei Cloud DNS, API v2, with an access key (AK/SK) and a region.

use super::{required, secret, Credentials, Kind};
use crate::config::index::child;
use crate::config::load::{Check, Ctx};
use crate::config::raw::RawProvider;
use mxddns_providers::huaweicloud::{valid_region, HuaweiCloud, DEFAULT_REGION};
use mxddns_providers::{HttpContext, Provider, Secret};

pub(super) const KIND: Kind = Kind {
    name: "huaweicloud",
    keys: &[
        "type",
        "endpoint",
        "access_key",
        "secret_key",
        "secret_key_file",
        "region",
    ],
    takes: "access_key, secret_key (or secret_key_file), region and endpoint",
    parse,
};

fn parse(cx: &mut Ctx<'_>, path: &str, p: &RawProvider) -> Check<Credentials> {
    let ak_key = child(path, "access_key");
    let access_key = match cx.text(&ak_key, p.access_key.as_ref()) {
        Ok(Some(ak)) if ak.trim().is_empty() => Err(cx.report(&ak_key, "is empty")),
        Ok(Some(ak)) => Ok(ak.trim().to_string()),
        Ok(None) => Err(cx.report(
            path,
            "missing access_key — a huaweicloud provider needs access_key and secret_key (or secret_key_file), from My Credentials → Access Keys",
        )),
        Err(r) => Err(r),
    };
    let region_key = child(path, "region");
    let region = match cx.text(&region_key, p.region.as_ref()) {
        Ok(Some(r)) if !valid_region(r.trim()) => Err(cx.report(
            &region_key,
            format!(
                "\"{}\" is not a Huawei Cloud region id — use one like cn-south-1, cn-north-4 or {DEFAULT_REGION}",
                r.trim()
            ),
        )),
        Ok(Some(r)) => Ok(Some(r.trim().to_string())),
        Ok(None) => Ok(None),
        Err(r) => Err(r),
    };
    let secret_key = secret(cx, path, "secret_key", &p.secret_key, &p.secret_key_file)
        .and_then(|s| required(cx, path, "huaweicloud", "secret_key", s));
    Ok(Credentials::HuaweiCloud {
        access_key: access_key?,
        secret_key: secret_key?,
        region: region?,
    })
}

pub(super) fn describe(access_key: &str, secret_key: &Secret, region: &Option<String>) -> String {
    format!(
        "access_key {}, secret_key {}, region {}",
        Secret::new(access_key).masked(),
        secret_key.masked(),
        region.as_deref().unwrap_or(DEFAULT_REGION)
    )
}

pub(super) fn build(
    access_key: &str,
    secret_key: &Secret,
    region: &Option<String>,
    http: HttpContext,
    endpoint: Option<String>,
) -> Box<dyn Provider> {
    Box::new(HuaweiCloud::new(
        http,
        access_key.to_string(),
        secret_key.clone(),
        region.clone(),
        endpoint,
    ))
}

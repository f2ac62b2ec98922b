//! `tls_ca_file:` — extra trusted roots (a PEM file) for one provider account or webhook.

use super::index::child;
use super::load::{Check, Ctx};
use crate::http::CaFile;

/// `PATH.tls_ca_file`: read and checked now, so that a wrong file is a configuration error
/// (with its line) rather than a failed cycle later.
pub(crate) fn ca_file(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<Option<CaFile>> {
    let key = child(path, "tls_ca_file");
    let Some(text) = cx.text(&key, raw)? else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(cx.report(&key, rust_i18n::t!("cfg.tls").into_owned()));
    }
    let file = cx.resolve(text);
    CaFile::load(&file)
        .map(Some)
        .map_err(|e| cx.report(&key, e.to_string()))
}

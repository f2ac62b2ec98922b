//! `notify:` — webhooks told about address changes, persistent failures and recoveries.
//!
//! A webhook URL often carries its token (Slack, Telegram, WeCom, DingTalk, Gotify, an
//! ntfy topic), so messages never repeat it; header values that look like credentials are
//! masked by `validate`.

use super::index::{child, item};
use super::load::{Check, Ctx, Reported};
use super::providers::https_url;
use super::raw::RawNotify;
use super::{NotifyConfig, NotifyHeader, NotifyMethod, NotifyOn};
use crate::notify::template;
use mxddns_providers::Secret;

/// `after_failures:` when absent.
pub(crate) const DEFAULT_AFTER_FAILURES: u32 = 3;

/// Header names whose values `validate` masks: any name containing one of these.
const SECRET_HEADER_WORDS: [&str; 8] = [
    "auth", "token", "key", "secret", "pass", "cookie", "sign", "session",
];

/// Headers the HTTP client writes itself.
const MANAGED_HEADERS: [&str; 4] = ["content-length", "host", "transfer-encoding", "connection"];

/// Whether a header's value is a credential (masked in `validate`).
pub(crate) fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_HEADER_WORDS.iter().any(|w| n.contains(w))
}

/// `notify:`
pub(crate) fn notify(cx: &mut Ctx<'_>, raw: Option<&[RawNotify]>) -> Check<Vec<NotifyConfig>> {
    let mut out = Vec::new();
    let mut failed = false;
    for (i, n) in raw.unwrap_or_default().iter().enumerate() {
        match hook(cx, i, n) {
            Ok(h) => out.push(h),
            Err(Reported) => failed = true,
        }
    }
    if failed {
        Err(Reported)
    } else {
        Ok(out)
    }
}

fn hook(cx: &mut Ctx<'_>, index: usize, n: &RawNotify) -> Check<NotifyConfig> {
    let path = item("notify", index);
    let url = url(cx, &path, n.url.as_ref());
    let method = method(cx, &path, n.method.as_ref());
    let headers = headers(cx, &path, n);
    let body = body(cx, &path, n.body.as_ref());
    let on = on(cx, &path, n.on.as_deref());
    let after_failures = after_failures(cx, &path, n.after_failures.as_ref());
    let tls_ca = super::tls::ca_file(cx, &path, n.tls_ca_file.as_ref());
    if let (Ok(NotifyMethod::Get), Ok(Some(_))) = (&method, &body) {
        cx.warn(
            &child(&path, "body"),
            rust_i18n::t!("cfg.notify").into_owned(),
        );
    }
    let (url, target) = url?;
    Ok(NotifyConfig {
        url,
        target,
        method: method?,
        headers: headers?,
        body: body?,
        on: on?,
        after_failures: after_failures?,
        tls_ca: tls_ca?,
        index,
    })
}

fn url(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<(Secret, String)> {
    let key = child(path, "url");
    let Some(text) = cx.text(&key, raw)? else {
        return Err(cx.report(path, rust_i18n::t!("cfg.notify.2").into_owned()));
    };
    let text = text.trim();
    // The path or query of a webhook URL is its credential (ntfy topic, Slack token).
    crate::redact::register_url(text, true);
    let parsed =
        https_url(text, &rust_i18n::t!("cfg.notify.3"), false).map_err(|m| cx.report(&key, m))?;
    Ok((Secret::new(text), parsed.origin().ascii_serialization()))
}

fn method(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<NotifyMethod> {
    let key = child(path, "method");
    let Some(text) = cx.text(&key, raw)? else {
        return Ok(NotifyMethod::Post);
    };
    match text.trim().to_ascii_uppercase().as_str() {
        "GET" => Ok(NotifyMethod::Get),
        "POST" => Ok(NotifyMethod::Post),
        "PUT" => Ok(NotifyMethod::Put),
        "PATCH" => Ok(NotifyMethod::Patch),
        _ => Err(cx.report(
            &key,
            rust_i18n::t!("cfg.notify.4", v1 = text.trim()).into_owned(),
        )),
    }
}

fn headers(cx: &mut Ctx<'_>, path: &str, n: &RawNotify) -> Check<Vec<NotifyHeader>> {
    let mut out: Vec<NotifyHeader> = Vec::new();
    let mut failed = false;
    // In file order (the map is sorted by name), as they will be sent.
    let mut entries: Vec<(&String, &String)> = n.headers.iter().flatten().collect();
    entries.sort_by_key(|(name, _)| cx.index.line(&child(&child(path, "headers"), name)));
    for (name, value) in entries {
        let key = child(&child(path, "headers"), name);
        match header(cx, &key, name, value, &out) {
            Ok(h) => out.push(h),
            Err(Reported) => failed = true,
        }
    }
    if failed {
        Err(Reported)
    } else {
        Ok(out)
    }
}

fn header(
    cx: &mut Ctx<'_>,
    key: &str,
    name: &str,
    value: &String,
    earlier: &[NotifyHeader],
) -> Check<NotifyHeader> {
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(cx.report(key, rust_i18n::t!("cfg.notify.5").into_owned()));
    }
    if MANAGED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(cx.report(key, rust_i18n::t!("cfg.notify.6").into_owned()));
    }
    if let Some(first) = earlier.iter().find(|h| h.name.eq_ignore_ascii_case(name)) {
        return Err(cx.report(
            key,
            rust_i18n::t!("cfg.notify.7", v1 = first.name).into_owned(),
        ));
    }
    let value = cx.text(key, Some(value))?.unwrap_or_default();
    if reqwest::header::HeaderValue::from_str(&value).is_err() {
        // Not quoted back: the value may be a credential.
        return Err(cx.report(key, rust_i18n::t!("cfg.notify.8").into_owned()));
    }
    let secret = is_secret_header(name);
    let value = if secret {
        // The whole value and its last word (the credential after `Bearer `/`Basic `).
        if let Some(last) = value.split_whitespace().last() {
            crate::redact::register(last);
        }
        Secret::new(value)
    } else {
        // `X-Title: mail` is masked in `validate` but not scrubbed from every line.
        Secret::unregistered(value)
    };
    Ok(NotifyHeader {
        name: name.to_string(),
        value,
        secret,
    })
}

fn body(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<Option<String>> {
    let key = child(path, "body");
    let Some(text) = cx.text(&key, raw)? else {
        return Ok(None);
    };
    let unknown = template::unknown(&text);
    if let Some(first) = unknown.first() {
        let names: Vec<String> = template::PLACEHOLDERS
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let guess = super::serde_error::closest(first, &refs)
            .map(|g| rust_i18n::t!("cfg.notify.9", g = g).into_owned())
            .unwrap_or_default();
        return Err(cx.report(
            &key,
            rust_i18n::t!(
                "cfg.notify.10",
                v1 = unknown.join(", "),
                guess = guess,
                v2 = names.join(", ")
            )
            .into_owned(),
        ));
    }
    Ok(Some(text))
}

fn on(cx: &mut Ctx<'_>, path: &str, raw: Option<&[String]>) -> Check<NotifyOn> {
    let key = child(path, "on");
    let Some(list) = raw else {
        return Ok(NotifyOn {
            change: true,
            failure: true,
            recovery: true,
        });
    };
    if list.is_empty() {
        return Err(cx.report(&key, rust_i18n::t!("cfg.notify.11").into_owned()));
    }
    let mut on = NotifyOn {
        change: false,
        failure: false,
        recovery: false,
    };
    cx.list(&key, list, |cx, p, text| {
        match text.trim().to_ascii_lowercase().as_str() {
            "change" => on.change = true,
            "failure" => on.failure = true,
            "recovery" => on.recovery = true,
            other => {
                return Err(cx.report(
                    p,
                    rust_i18n::t!("cfg.notify.12", other = other).into_owned(),
                ))
            }
        }
        Ok(())
    })?;
    Ok(on)
}

fn after_failures(cx: &mut Ctx<'_>, path: &str, raw: Option<&String>) -> Check<u32> {
    let key = child(path, "after_failures");
    let Some(text) = cx.text(&key, raw)? else {
        return Ok(DEFAULT_AFTER_FAILURES);
    };
    match text.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(cx.report(
            &key,
            rust_i18n::t!(
                "cfg.notify.cycles",
                text = text.trim(),
                default = DEFAULT_AFTER_FAILURES
            )
            .into_owned(),
        )),
    }
}

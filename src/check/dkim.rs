//! DKIM (RFC 6376): for each configured selector, a key record at
//! `SELECTOR._domainkey.DOMAIN` with `v=DKIM1` (when a version is given) and a non-empty,
//! valid base64 public key in `p=`.

use super::Finding;
use crate::dns::{join::join_all, Dns};

/// The DKIM findings for `domain`'s `selectors`, looked up concurrently.
pub(super) async fn check(dns: &Dns, domain: &str, selectors: &[String]) -> Vec<Finding> {
    if selectors.is_empty() {
        return vec![Finding::info(
            "dkim.unchecked",
            rust_i18n::t!("find.dkim.unchecked", domain = domain).into_owned(),
        )
        .with_fix(rust_i18n::t!("find.dkim.unchecked.2").into_owned())];
    }
    let lookups = selectors.iter().map(|s| async move {
        let name = format!("{s}._domainkey.{domain}");
        let r = dns.txt(&name).await;
        (s, name, r)
    });
    let mut out = Vec::new();
    for (selector, name, r) in join_all(lookups.collect()).await {
        match r {
            Ok(txts) => {
                let texts: Vec<String> = txts.iter().map(|t| t.concat()).collect();
                out.push(key_finding(selector, &name, &texts));
            }
            Err(e) => out.push(Finding::could_not_check(
                "dkim.dns",
                &rust_i18n::t!("find.dkim.dns", selector = selector, name = name),
                &e,
            )),
        }
    }
    out
}

/// The finding for the TXT records (joined strings) at one selector's name.
pub(super) fn key_finding(selector: &str, name: &str, texts: &[String]) -> Finding {
    let publish = rust_i18n::t!("find.dkim.dns.2", selector = selector, name = name).into_owned();
    let keys: Vec<Vec<(String, String)>> = texts
        .iter()
        .map(|t| tags(t))
        .filter(|t| t.iter().any(|(k, _)| k == "p" || k == "v"))
        .collect();
    let tags = match keys.as_slice() {
        [] => {
            return Finding::error(
                "dkim.missing",
                rust_i18n::t!("find.dkim.missing", name = name, selector = selector).into_owned(),
                publish,
            )
        }
        [one] => one,
        _ => {
            return Finding::error(
                "dkim.multiple",
                rust_i18n::t!("find.dkim.multiple", name = name, v1 = keys.len()).into_owned(),
                rust_i18n::t!("find.dkim.multiple.2").into_owned(),
            )
        }
    };
    if let Some((i, (_, v))) = tags.iter().enumerate().find(|(_, (k, _))| k == "v") {
        if i != 0 || v != "DKIM1" {
            return Finding::error(
                "dkim.version",
                rust_i18n::t!(
                    "find.dkim.version",
                    name = name,
                    v = v,
                    v1 = if i != 0 {
                        rust_i18n::t!("find.dkim.version.2")
                    } else {
                        rust_i18n::t!("find.dkim.version.3")
                    }
                )
                .into_owned(),
                rust_i18n::t!("find.dkim.version.4").into_owned(),
            );
        }
    }
    let Some((_, p)) = tags.iter().find(|(k, _)| k == "p") else {
        return Finding::error(
            "dkim.missing",
            rust_i18n::t!("find.dkim.missing.2", name = name).into_owned(),
            publish,
        );
    };
    let key: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if key.is_empty() {
        return Finding::error(
            "dkim.revoked",
            rust_i18n::t!("find.dkim.revoked", selector = selector).into_owned(),
            rust_i18n::t!("find.dkim.revoked.2", selector = selector).into_owned(),
        );
    }
    if !is_base64(&key) {
        return Finding::error(
            "dkim.base64",
            rust_i18n::t!("find.dkim.base64", name = name).into_owned(),
            rust_i18n::t!("find.dkim.base64.2", selector = selector).into_owned(),
        );
    }
    let testing = tags
        .iter()
        .find(|(k, _)| k == "t")
        .is_some_and(|(_, v)| v.split(':').any(|f| f.trim().eq_ignore_ascii_case("y")));
    let kind = tags
        .iter()
        .find(|(k, _)| k == "k")
        .map_or("rsa".to_string(), |(_, v)| v.to_ascii_lowercase());
    let mut out = if kind == "rsa" {
        match rsa_bits(&key) {
            Some(bits) if bits < 1024 => Finding::error(
                "dkim.key_size",
                rust_i18n::t!("find.dkim.key_size", selector = selector, bits = bits).into_owned(),
                rust_i18n::t!("find.dkim.key_size.2", selector = selector).into_owned(),
            ),
            Some(1024) => Finding::warn(
                "dkim.key_size",
                rust_i18n::t!("find.dkim.key_size.3", selector = selector).into_owned(),
                rust_i18n::t!("find.dkim.key_size.4").into_owned(),
            ),
            Some(bits) => Finding::ok(
                "dkim.key",
                rust_i18n::t!(
                    "find.dkim.key",
                    selector = selector,
                    bits = bits,
                    name = name
                )
                .into_owned(),
            ),
            None => Finding::error(
                "dkim.key_invalid",
                rust_i18n::t!("find.dkim.key_invalid", name = name).into_owned(),
                rust_i18n::t!("find.dkim.key_invalid.2", selector = selector).into_owned(),
            ),
        }
    } else {
        Finding::ok(
            "dkim.key",
            rust_i18n::t!(
                "find.dkim.key.2",
                selector = selector,
                kind = kind,
                name = name,
                v1 = decoded_len(&key)
            )
            .into_owned(),
        )
    };
    if testing {
        let note = Finding::info(
            "dkim.testing",
            rust_i18n::t!("find.dkim.testing", selector = selector).into_owned(),
        )
        .with_fix(rust_i18n::t!("find.dkim.testing.2").into_owned());
        // The size finding wins when it is a problem; otherwise the testing note.
        if out.severity == super::Severity::Ok {
            out = note;
        }
    }
    out
}

/// The modulus size in bits of an RSA public key given as base64 DER: a
/// SubjectPublicKeyInfo (what DKIM tools publish) or a bare PKCS#1 RSAPublicKey.
pub(super) fn rsa_bits(b64: &str) -> Option<usize> {
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let (tag, body, _) = der_item(&der)?;
    if tag != 0x30 {
        return None;
    }
    let (first_tag, first, rest) = der_item(body)?;
    let rsa_key: &[u8] = if first_tag == 0x30 {
        // SubjectPublicKeyInfo: AlgorithmIdentifier, then a BIT STRING holding the key.
        let (bit_tag, bits, _) = der_item(rest)?;
        if bit_tag != 0x03 || bits.first() != Some(&0) {
            return None;
        }
        let _ = first;
        let (t, k, _) = der_item(&bits[1..])?;
        if t != 0x30 {
            return None;
        }
        k
    } else {
        body
    };
    let (t, modulus, _) = der_item(rsa_key)?;
    if t != 0x02 {
        return None;
    }
    let m: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(i) => &modulus[i..],
        None => return None,
    };
    Some((m.len() - 1) * 8 + (8 - m[0].leading_zeros() as usize))
}

/// One DER item: (tag, contents, what follows).
fn der_item(d: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *d.first()?;
    let first = *d.get(1)?;
    let (len, start) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in d.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    let end = start.checked_add(len)?;
    Some((tag, d.get(start..end)?, d.get(end..)?))
}

/// The `k=v` tags of a record (keys lowercase, values trimmed).
fn tags(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// Whether `s` is standard base64 with padding: alphabet, length a multiple of 4, at most
/// two `=` and only at the end.
pub(super) fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    !s.is_empty()
        && s.len().is_multiple_of(4)
        && pad <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// The number of bytes a valid base64 text decodes to.
fn decoded_len(s: &str) -> usize {
    let pad = s.len() - s.trim_end_matches('=').len();
    s.len() / 4 * 3 - pad
}

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
            format!("no DKIM selectors are configured for {domain}, so DKIM was not checked"),
        )
        .with_fix("list the selectors your mail server signs with under dkim_selectors (such as [mail] or [default])")];
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
                &format!("the DKIM key of selector {selector} at {name}"),
                &e,
            )),
        }
    }
    out
}

/// The finding for the TXT records (joined strings) at one selector's name.
pub(super) fn key_finding(selector: &str, name: &str, texts: &[String]) -> Finding {
    let publish = format!(
        "publish the public key of selector {selector} as a TXT record at {name}: \
         \"v=DKIM1; k=rsa; p=<base64 key>\" (your mail server's DKIM tool prints it), or remove \
         {selector} from dkim_selectors"
    );
    let keys: Vec<Vec<(String, String)>> = texts
        .iter()
        .map(|t| tags(t))
        .filter(|t| t.iter().any(|(k, _)| k == "p" || k == "v"))
        .collect();
    let tags = match keys.as_slice() {
        [] => {
            return Finding::error(
                "dkim.missing",
                format!("no DKIM key at {name}: receivers cannot verify mail signed with selector {selector}"),
                publish,
            )
        }
        [one] => one,
        _ => {
            return Finding::error(
                "dkim.multiple",
                format!("{name} has {} DKIM key records: receivers may pick either, and verification becomes a gamble", keys.len()),
                "keep one key record per selector; publish a new key under a new selector",
            )
        }
    };
    if let Some((i, (_, v))) = tags.iter().enumerate().find(|(_, (k, _))| k == "v") {
        if i != 0 || v != "DKIM1" {
            return Finding::error(
                "dkim.version",
                format!("the DKIM record at {name} has v={v} {}; receivers ignore it (RFC 6376 §3.6.1: v=DKIM1, first)",
                    if i != 0 { "not as its first tag" } else { "instead of DKIM1" }),
                "write v=DKIM1 as the first tag, or leave the v= tag out",
            );
        }
    }
    let Some((_, p)) = tags.iter().find(|(k, _)| k == "p") else {
        return Finding::error(
            "dkim.missing",
            format!("the DKIM record at {name} has no p= tag (no public key)"),
            publish,
        );
    };
    let key: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if key.is_empty() {
        return Finding::error(
            "dkim.revoked",
            format!("the DKIM key of selector {selector} is revoked (empty p=): receivers fail every signature made with it"),
            format!("sign with a current selector and list that one, or publish the key of {selector} again"),
        );
    }
    if !is_base64(&key) {
        return Finding::error(
            "dkim.base64",
            format!("the DKIM key at {name} is not valid base64, so receivers cannot read it (often a quote, a space or a line break pasted into it)"),
            format!("copy the public key of selector {selector} again, exactly as your DKIM tool prints it"),
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
                format!("the DKIM key of selector {selector} is RSA {bits} bits: receivers treat signatures with keys under 1024 bits as invalid (RFC 8301 §3.2)"),
                format!("make a 2048-bit key under a new selector (opendkim-genkey -b 2048 -s NEWSELECTOR), publish it, sign with it, then remove {selector}"),
            ),
            Some(1024) => Finding::warn(
                "dkim.key_size",
                format!("the DKIM key of selector {selector} is RSA 1024 bits: still accepted, but the minimum; RFC 8301 §3.2 asks signers for 2048 bits"),
                "make a 2048-bit key under a new selector, publish it, sign with it, then retire the old one",
            ),
            Some(bits) => Finding::ok(
                "dkim.key",
                format!("DKIM selector {selector} has an RSA {bits}-bit key at {name}"),
            ),
            None => Finding::error(
                "dkim.key_invalid",
                format!("the DKIM key at {name} is base64 but not an RSA public key: receivers cannot verify with it"),
                format!("copy the public key of selector {selector} again, exactly as your DKIM tool prints it"),
            ),
        }
    } else {
        Finding::ok(
            "dkim.key",
            format!(
                "DKIM selector {selector} has a {kind} key at {name} ({} bytes)",
                decoded_len(&key)
            ),
        )
    };
    if testing {
        let note = Finding::info(
            "dkim.testing",
            format!("the DKIM key of selector {selector} is in testing mode (t=y): receivers treat its signatures like unsigned mail (RFC 6376 §3.6.1)"),
        )
        .with_fix("remove t=y from the record once signing works");
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

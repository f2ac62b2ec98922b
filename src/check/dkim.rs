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
    Finding::ok(
        "dkim.key",
        format!(
            "DKIM selector {selector} has a key at {name} ({} bytes)",
            decoded_len(&key)
        ),
    )
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

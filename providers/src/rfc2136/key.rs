//! TSIG keys (RFC 8945): the algorithm names as `tsig-keygen` and Knot's `keymgr` write
//! them, the secret, and the key files both tools produce.

use crate::secret::Secret;
use base64::Engine as _;

/// The HMACs mxddns signs with. hmac-sha1 only for old servers (RFC 8945 §6: SHA-256
/// is the one to use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha1,
    HmacSha256,
    HmacSha512,
}

impl Algorithm {
    /// The names `tsig-keygen -a` and `keymgr` take (case-insensitive), with or without
    /// the trailing dot of the wire name.
    pub fn parse(text: &str) -> Option<Algorithm> {
        match text
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "hmac-sha1" => Some(Algorithm::HmacSha1),
            "hmac-sha256" => Some(Algorithm::HmacSha256),
            "hmac-sha512" => Some(Algorithm::HmacSha512),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "hmac-sha1",
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha512 => "hmac-sha512",
        }
    }

    /// The algorithm names accepted in the configuration, for messages.
    pub const NAMES: &'static str = "hmac-sha256, hmac-sha512 or hmac-sha1";
}

/// A TSIG key: its name (as the server knows it), algorithm and secret.
#[derive(Debug, Clone)]
pub struct TsigKey {
    /// Lowercase, without the trailing dot.
    pub name: String,
    pub algorithm: Algorithm,
    /// The base64 secret as written; [`TsigKey::bytes`] decodes it.
    pub secret: Secret,
}

impl TsigKey {
    /// The secret's bytes, or why the base64 is not valid (without quoting it).
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        decode_secret(self.secret.expose())
    }
}

/// Decode a base64 TSIG secret (standard alphabet, padding optional, spaces ignored).
pub fn decode_secret(text: &str) -> Result<Vec<u8>, String> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    match engine.decode(clean.as_bytes()) {
        Ok(b) if b.is_empty() => Err("the TSIG secret is empty".into()),
        Ok(b) => Ok(b),
        Err(_) => {
            Err("the TSIG secret is not valid base64 (tsig-keygen and keymgr write base64)".into())
        }
    }
}

/// What a key file holds: the secret, and the name and algorithm when the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFile {
    pub name: Option<String>,
    pub algorithm: Option<String>,
    pub secret: String,
}

/// Read a key file: a BIND `key "name" { algorithm …; secret "…"; };` clause as
/// `tsig-keygen` writes it, a Knot `key:` section as `keymgr -t` writes it, or a file
/// holding only the base64 secret. Errors never quote the secret.
pub fn parse_key_file(text: &str) -> Result<KeyFile, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the file is empty".into());
    }
    if let Some(rest) = find_word(t, "key") {
        if rest.trim_start().starts_with(['"', '{']) || rest.contains('{') {
            return bind_clause(rest);
        }
    }
    if t.starts_with("key:") || t.contains("\n  - id:") || t.contains("- id:") {
        return knot_section(t);
    }
    if t.split_whitespace().count() == 1 {
        return Ok(KeyFile {
            name: None,
            algorithm: None,
            secret: t.to_string(),
        });
    }
    Err("not a BIND key clause (key \"NAME\" { algorithm …; secret \"…\"; };), a Knot key: section, or a bare base64 secret".into())
}

/// The text after the first `key` keyword that starts a line or the file.
fn find_word<'a>(t: &'a str, word: &str) -> Option<&'a str> {
    for line_start in std::iter::once(0).chain(t.match_indices('\n').map(|(i, _)| i + 1)) {
        let line = t[line_start..].trim_start();
        if let Some(rest) = line.strip_prefix(word) {
            if rest.starts_with([' ', '\t', '"']) {
                let offset = t.len() - rest.len();
                return Some(&t[offset..]);
            }
        }
    }
    None
}

fn bind_clause(rest: &str) -> Result<KeyFile, String> {
    let rest = rest.trim_start();
    let (name, body) = match rest.strip_prefix('"') {
        Some(q) => {
            let end = q.find('"').ok_or("the key name's quote is not closed")?;
            (q[..end].to_string(), &q[end + 1..])
        }
        None => {
            let end = rest.find('{').ok_or("no { after the key name")?;
            (rest[..end].trim().to_string(), &rest[end..])
        }
    };
    let open = body.find('{').ok_or("no { after the key name")?;
    let close = body
        .find('}')
        .ok_or("the key clause's { is not closed by }")?;
    if close < open {
        return Err("the key clause's braces are out of order".into());
    }
    let inner = &body[open + 1..close];
    let mut algorithm = None;
    let mut secret = None;
    for stmt in inner.split(';') {
        let stmt = stmt.trim();
        if let Some(v) = stmt.strip_prefix("algorithm") {
            algorithm = Some(v.trim().trim_matches('"').to_string());
        } else if let Some(v) = stmt.strip_prefix("secret") {
            secret = Some(v.trim().trim_matches('"').to_string());
        }
    }
    let secret = secret.ok_or("the key clause has no secret \"…\"; statement")?;
    if secret.is_empty() {
        return Err("the key clause's secret is empty".into());
    }
    Ok(KeyFile {
        name: Some(name.trim_end_matches('.').to_ascii_lowercase()),
        algorithm,
        secret,
    })
}

fn knot_section(t: &str) -> Result<KeyFile, String> {
    let mut name = None;
    let mut algorithm = None;
    let mut secret = None;
    for line in t.lines() {
        let l = line.trim().trim_start_matches("- ").trim();
        if let Some(v) = l.strip_prefix("id:") {
            if name.is_some() {
                break; // the first key of several
            }
            name = Some(v.trim().trim_matches('"').to_string());
        } else if let Some(v) = l.strip_prefix("algorithm:") {
            algorithm = Some(v.trim().trim_matches('"').to_string());
        } else if let Some(v) = l.strip_prefix("secret:") {
            secret = Some(v.trim().trim_matches('"').to_string());
        }
    }
    let secret = secret.ok_or("the key: section has no secret:")?;
    Ok(KeyFile {
        name: name.map(|n| n.trim_end_matches('.').to_ascii_lowercase()),
        algorithm,
        secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_tsig_keygen_writes() {
        // `tsig-keygen -a hmac-sha256 mxddns-key` (BIND 9.18), verbatim layout.
        let text = "key \"mxddns-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"6hFvFfbXuhzkWb6OL2bzxs2C5BmRCJWKGbCO1anmGNk=\";\n};\n";
        let k = parse_key_file(text).unwrap();
        assert_eq!(k.name.as_deref(), Some("mxddns-key"));
        assert_eq!(k.algorithm.as_deref(), Some("hmac-sha256"));
        assert_eq!(k.secret, "6hFvFfbXuhzkWb6OL2bzxs2C5BmRCJWKGbCO1anmGNk=");
        assert_eq!(decode_secret(&k.secret).unwrap().len(), 32);
    }

    #[test]
    fn reads_what_keymgr_writes() {
        // `keymgr -t mxddns-key hmac-sha512` (Knot 3.x).
        let text = "# hmac-sha512:mxddns-key:c2VjcmV0\nkey:\n  - id: mxddns-key\n    algorithm: hmac-sha512\n    secret: c2VjcmV0c2VjcmV0\n";
        let k = parse_key_file(text).unwrap();
        assert_eq!(k.name.as_deref(), Some("mxddns-key"));
        assert_eq!(k.algorithm.as_deref(), Some("hmac-sha512"));
        assert_eq!(k.secret, "c2VjcmV0c2VjcmV0");
    }

    #[test]
    fn bare_secret_and_errors_without_the_secret() {
        assert_eq!(parse_key_file("c2VjcmV0\n").unwrap().secret, "c2VjcmV0");
        let e = parse_key_file("key \"k\" { algorithm hmac-sha256; };").unwrap_err();
        assert!(e.contains("no secret"), "{e}");
        let e = decode_secret("not base64 !!").unwrap_err();
        assert!(!e.contains("!!"));
        assert_eq!(
            Algorithm::parse("HMAC-SHA512."),
            Some(Algorithm::HmacSha512)
        );
        assert_eq!(Algorithm::parse("hmac-md5"), None);
    }
}

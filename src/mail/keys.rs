//! Public keys read from the mail server's own files, for DKIM (`p=`) and TLSA (3 1 1).
//!
//! Accepted: the `.txt` record file that `opendkim-genkey` writes; the output of
//! `rspamadm dkim_keygen` (private key followed by the DNS record); a PEM public key
//! (`PUBLIC KEY` or `RSA PUBLIC KEY`); a PEM private key (`PRIVATE KEY` in PKCS #8, or
//! `RSA PRIVATE KEY` in PKCS #1), whose public part is derived; a PEM certificate. RSA and
//! Ed25519. Parsing is done by RustCrypto's `der`/`spki`/`pkcs1`/`pkcs8`/`x509-cert`;
//! ring derives an Ed25519 public key from its seed.

use base64::Engine as _;
use der::asn1::BitString;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use std::path::Path;

const RSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// A key-file problem, said so that the user knows which file and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct KeyError {
    pub file: String,
    pub message: String,
}

/// The key algorithms DKIM publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    Ed25519,
}

impl KeyKind {
    pub fn dkim_tag(self) -> &'static str {
        match self {
            KeyKind::Rsa => "rsa",
            KeyKind::Ed25519 => "ed25519",
        }
    }
}

/// A public key as DKIM publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimKey {
    pub kind: KeyKind,
    /// The `p=` value: base64 of the SubjectPublicKeyInfo (RSA, RFC 6376) or of the raw
    /// 32-byte key (Ed25519, RFC 8463).
    pub p: String,
    /// `h=` when the key file declares one (opendkim-genkey writes `h=sha256`).
    pub hashes: Option<String>,
}

impl DkimKey {
    /// The record's text: `v=DKIM1; [h=..; ]k=..; p=..`.
    pub fn record_text(&self) -> String {
        let h = self
            .hashes
            .as_ref()
            .map(|h| format!("h={h}; "))
            .unwrap_or_default();
        format!("v=DKIM1; {h}k={}; p={}", self.kind.dkim_tag(), self.p)
    }
}

/// Read the DKIM public key of `path` (any of the accepted formats).
pub fn read_dkim(path: &Path) -> Result<DkimKey, KeyError> {
    let text = read_text(path)?;
    dkim_from_text(&text).map_err(|message| err(path, message))
}

/// The DKIM public key in a file's text.
pub fn dkim_from_text(text: &str) -> Result<DkimKey, String> {
    // A DNS record (opendkim-genkey's .txt, or rspamadm's output after the private key):
    // the record wins, it is what the mail server's tool meant to publish.
    if let Some(record) = quoted_record(text) {
        return dkim_from_record(&record);
    }
    let spki = spki_from_pem(text)?;
    dkim_from_spki(&spki)
}

/// SHA-256 of the SubjectPublicKeyInfo of the first key or certificate in `path`: the
/// association data of TLSA 3 1 1, lowercase hex.
pub fn tlsa_311(path: &Path) -> Result<String, KeyError> {
    let text = read_text(path)?;
    tlsa_311_from_text(&text).map_err(|message| err(path, message))
}

pub fn tlsa_311_from_text(text: &str) -> Result<String, String> {
    let spki = spki_from_pem(text)?;
    Ok(hex::encode(Sha256::digest(&spki)))
}

fn read_text(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|e| err(path, format!("cannot read it: {e}")))
}

fn err(path: &Path, message: String) -> KeyError {
    KeyError {
        file: path.display().to_string(),
        message,
    }
}

/// The quoted strings of a zone-file TXT record in `text`, joined, when they hold a DKIM
/// key (`p=`). Text after `;` outside quotes is a zone-file comment.
fn quoted_record(text: &str) -> Option<String> {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_quote = false;
        let mut escaped = false;
        let mut current = String::new();
        for c in line.chars() {
            if in_quote {
                if escaped {
                    current.push(c);
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_quote = false;
                    out.push_str(&current);
                    current.clear();
                } else {
                    current.push(c);
                }
            } else if c == '"' {
                in_quote = true;
            } else if c == ';' {
                break;
            }
        }
    }
    let has_key = out
        .split(';')
        .any(|t| t.trim_start().to_ascii_lowercase().starts_with("p="));
    has_key.then_some(out)
}

fn dkim_from_record(record: &str) -> Result<DkimKey, String> {
    let mut kind = KeyKind::Rsa;
    let mut p = None;
    let mut hashes = None;
    for tag in record.split(';') {
        let Some((k, v)) = tag.split_once('=') else {
            continue;
        };
        let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        match k.trim().to_ascii_lowercase().as_str() {
            "k" => {
                kind = match v.to_ascii_lowercase().as_str() {
                    "rsa" => KeyKind::Rsa,
                    "ed25519" => KeyKind::Ed25519,
                    other => {
                        return Err(format!(
                            "the DKIM record has key type k={other}; DKIM keys are rsa or ed25519"
                        ))
                    }
                }
            }
            "p" => p = Some(v),
            "h" => hashes = Some(v),
            _ => {}
        }
    }
    let p = p.filter(|p| !p.is_empty()).ok_or(
        "the DKIM record has an empty p= (a revoked key): point key_file at the current key",
    )?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&p)
        .map_err(|e| format!("the DKIM record's p= is not base64 ({e})"))?;
    // The key must be one DNS consumers can use: check it.
    match kind {
        KeyKind::Rsa => {
            let spki = SubjectPublicKeyInfoOwned::from_der(&bytes)
                .map_err(|e| format!("the DKIM record's p= is not an RSA public key ({e})"))?;
            if spki.algorithm.oid != RSA_OID {
                return Err("the DKIM record says k=rsa but p= holds another kind of key".into());
            }
        }
        KeyKind::Ed25519 if bytes.len() != 32 => {
            return Err(format!(
                "the DKIM record's Ed25519 key is {} bytes; it must be 32",
                bytes.len()
            ))
        }
        KeyKind::Ed25519 => {}
    }
    Ok(DkimKey { kind, p, hashes })
}

fn dkim_from_spki(spki_der: &[u8]) -> Result<DkimKey, String> {
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der)
        .map_err(|e| format!("not a public key mxddns can read ({e})"))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    if spki.algorithm.oid == RSA_OID {
        Ok(DkimKey {
            kind: KeyKind::Rsa,
            p: b64.encode(spki_der),
            hashes: None,
        })
    } else if spki.algorithm.oid == ED25519_OID {
        Ok(DkimKey {
            kind: KeyKind::Ed25519,
            p: b64.encode(spki.subject_public_key.raw_bytes()),
            hashes: None,
        })
    } else {
        Err(format!(
            "a key of algorithm {} cannot sign DKIM mail: use an RSA or Ed25519 key",
            spki.algorithm.oid
        ))
    }
}

/// The SubjectPublicKeyInfo (DER) of the first usable PEM block of `text`.
pub fn spki_from_pem(text: &str) -> Result<Vec<u8>, String> {
    let blocks =
        pem::parse_many(text).map_err(|e| format!("not a PEM file mxddns can read ({e})"))?;
    if blocks.is_empty() {
        return Err("holds no PEM block (-----BEGIN ...-----) and no DKIM record".into());
    }
    let mut tags = Vec::new();
    for b in &blocks {
        let der = b.contents();
        let r = match b.tag() {
            "CERTIFICATE" => {
                let cert = x509_cert::Certificate::from_der(der)
                    .map_err(|e| format!("the certificate cannot be read ({e})"))?;
                cert.tbs_certificate
                    .subject_public_key_info
                    .to_der()
                    .map_err(|e| e.to_string())
            }
            "PUBLIC KEY" => SubjectPublicKeyInfoOwned::from_der(der)
                .map_err(|e| format!("the public key cannot be read ({e})"))
                .map(|_| der.to_vec()),
            "RSA PUBLIC KEY" => {
                pkcs1::RsaPublicKey::from_der(der)
                    .map_err(|e| format!("the RSA public key cannot be read ({e})"))?;
                rsa_spki(der)
            }
            "RSA PRIVATE KEY" => rsa_private_to_spki(der),
            "PRIVATE KEY" => pkcs8_to_spki(der),
            "ENCRYPTED PRIVATE KEY" => Err(
                "the private key is encrypted: give the public key instead (openssl pkey -pubout)"
                    .into(),
            ),
            other => {
                tags.push(other.to_string());
                continue;
            }
        };
        return r;
    }
    Err(format!(
        "holds no key or certificate (PEM blocks: {}); give a PUBLIC KEY, PRIVATE KEY or CERTIFICATE",
        tags.join(", ")
    ))
}

/// Wrap a PKCS #1 RSAPublicKey in a SubjectPublicKeyInfo.
fn rsa_spki(rsa_public_der: &[u8]) -> Result<Vec<u8>, String> {
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: RSA_OID,
            parameters: Some(der::asn1::Null.into()),
        },
        subject_public_key: BitString::from_bytes(rsa_public_der).map_err(|e| e.to_string())?,
    };
    spki.to_der().map_err(|e| e.to_string())
}

fn rsa_private_to_spki(der: &[u8]) -> Result<Vec<u8>, String> {
    let key = pkcs1::RsaPrivateKey::from_der(der)
        .map_err(|e| format!("the RSA private key cannot be read ({e})"))?;
    let public = pkcs1::RsaPublicKey {
        modulus: key.modulus,
        public_exponent: key.public_exponent,
    };
    rsa_spki(&public.to_der().map_err(|e| e.to_string())?)
}

fn pkcs8_to_spki(der: &[u8]) -> Result<Vec<u8>, String> {
    let info = pkcs8::PrivateKeyInfo::from_der(der)
        .map_err(|e| format!("the private key cannot be read ({e})"))?;
    if info.algorithm.oid == RSA_OID {
        rsa_private_to_spki(info.private_key)
    } else if info.algorithm.oid == ED25519_OID {
        // RFC 8410: the private key is an OCTET STRING holding the 32-byte seed.
        let seed = der::asn1::OctetStringRef::from_der(info.private_key)
            .map_err(|e| format!("the Ed25519 private key cannot be read ({e})"))?;
        let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(seed.as_bytes())
            .map_err(|_| "the Ed25519 private key is not 32 bytes".to_string())?;
        use ring::signature::KeyPair as _;
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: ED25519_OID,
                parameters: None,
            },
            subject_public_key: BitString::from_bytes(pair.public_key().as_ref())
                .map_err(|e| e.to_string())?,
        };
        spki.to_der().map_err(|e| e.to_string())
    } else if let Some(public) = info.public_key {
        // Other algorithms (EC): the public key, when the file carries it.
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: info.algorithm.oid,
                parameters: info.algorithm.parameters.map(|p| p.into()),
            },
            subject_public_key: BitString::from_bytes(public).map_err(|e| e.to_string())?,
        };
        spki.to_der().map_err(|e| e.to_string())
    } else {
        Err(format!(
            "a private key of algorithm {} without its public part: give the public key instead (openssl pkey -pubout)",
            info.algorithm.oid
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(name)
    }

    /// What openssl computed for the fixtures (tests/fixtures/keys/README.md).
    fn expected(what: &str) -> String {
        let text = std::fs::read_to_string(fixture("expected.txt")).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{what} ")))
            .unwrap_or_else(|| panic!("{what} in expected.txt"))
            .split_whitespace()
            .last()
            .unwrap()
            .to_string()
    }

    #[test]
    fn opendkim_genkey_txt_and_its_private_key_give_the_same_key() {
        let from_txt = read_dkim(&fixture("mail.txt")).unwrap();
        assert_eq!(from_txt.kind, KeyKind::Rsa);
        assert_eq!(from_txt.hashes.as_deref(), Some("sha256"));
        assert_eq!(from_txt.p, expected("mail p"));
        let from_private = read_dkim(&fixture("mail.private")).unwrap();
        assert_eq!(from_private.p, from_txt.p);
        assert_eq!(
            from_txt.record_text(),
            format!("v=DKIM1; h=sha256; k=rsa; p={}", expected("mail p"))
        );
        // A 2048-bit key: its record in the .txt is split over several strings.
        let big = read_dkim(&fixture("big.txt")).unwrap();
        assert_eq!(big.p, expected("big p"));
        assert_eq!(read_dkim(&fixture("big.private")).unwrap().p, big.p);
    }

    #[test]
    fn rspamadm_output_rsa_and_ed25519() {
        let rsa = read_dkim(&fixture("rspamd-rsa.txt")).unwrap();
        assert_eq!((rsa.kind, rsa.p.clone()), (KeyKind::Rsa, expected("rsp p")));
        let ed = read_dkim(&fixture("rspamd-ed25519.txt")).unwrap();
        assert_eq!(ed.kind, KeyKind::Ed25519);
        assert_eq!(ed.p, "HFwQ8fiOG2M2lqPqf3veDBgzZCWKz+fESzO5zd85LGU=");
        assert_eq!(
            ed.record_text(),
            "v=DKIM1; k=ed25519; p=HFwQ8fiOG2M2lqPqf3veDBgzZCWKz+fESzO5zd85LGU="
        );
    }

    #[test]
    fn pem_public_and_private_keys_rsa_and_ed25519() {
        for f in ["rsa2048.pub", "rsa2048.rsapub", "rsa2048.pkcs8.key"] {
            let k = read_dkim(&fixture(f)).unwrap();
            assert_eq!((k.kind, k.p), (KeyKind::Rsa, expected("rsa2048 p")), "{f}");
        }
        let k = read_dkim(&fixture("rsa1024.pkcs1.key")).unwrap();
        assert_eq!(k.p, expected("rsa1024 p"));
        for f in ["ed25519.pub", "ed25519.key"] {
            let k = read_dkim(&fixture(f)).unwrap();
            assert_eq!(
                (k.kind, k.p),
                (KeyKind::Ed25519, expected("ed25519 p")),
                "{f}"
            );
        }
    }

    #[test]
    fn unusable_key_files_say_why() {
        let e = read_dkim(&fixture("cert2.pub")).unwrap_err();
        assert!(e.message.contains("RSA or Ed25519"), "{e}");
        assert!(e.file.ends_with("cert2.pub"));
        let e = read_dkim(&fixture("missing.txt")).unwrap_err();
        assert!(e.message.starts_with("cannot read it"), "{e}");
        let e = dkim_from_text("hello").unwrap_err();
        assert!(e.contains("no PEM block"), "{e}");
        let e = dkim_from_text("x IN TXT ( \"v=DKIM1; k=rsa; p=\" )").unwrap_err();
        assert!(e.contains("revoked"), "{e}");
        let e = dkim_from_text(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert!(e.contains("encrypted"), "{e}");
    }

    #[test]
    fn tlsa_311_is_the_sha256_of_the_certificates_key() {
        assert_eq!(
            tlsa_311(&fixture("cert1.pem")).unwrap(),
            expected("cert1.pem tlsa311")
        );
        assert_eq!(
            tlsa_311(&fixture("cert2.pem")).unwrap(),
            expected("cert2.pem tlsa311")
        );
        // The next key, given as its public key, hashes like the certificate that will carry it.
        assert_eq!(
            tlsa_311(&fixture("cert2.pub")).unwrap(),
            expected("cert2.pem tlsa311")
        );
        // A chain: the first certificate (the server's own) counts.
        let chain = std::fs::read_to_string(fixture("cert1.pem")).unwrap()
            + &std::fs::read_to_string(fixture("cert2.pem")).unwrap();
        assert_eq!(
            tlsa_311_from_text(&chain).unwrap(),
            expected("cert1.pem tlsa311")
        );
    }
}

//! TSIG (RFC 8945) for the fake's DNS server: the keys it knows, the check of a signed
//! request (§5.2: key, MAC, time, in that order) and the signatures of its answers (§5.3,
//! §5.3.1 for the later messages of a zone transfer). HMAC-SHA1/224/256/384/512; other
//! algorithms are unknown keys (BADKEY), as §5.2.1 says.
//!
//! <https://www.rfc-editor.org/rfc/rfc8945>

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use hickory_proto::op::{Header, Query};
use hickory_proto::rr::rdata::tsig::{make_tsig_record, TsigAlgorithm, TsigError, TSIG};
use hickory_proto::rr::{Name, RData, Record};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

use crate::options::FakeSecret;
use crate::rdata::normalize_name;

/// The key name of the demo's TSIG key (public: printed by the demo, like the other
/// `DEMO_*` credentials).
pub const DEMO_TSIG_KEY_NAME: &str = "mxddns-demo";
/// The demo key's algorithm.
pub const DEMO_TSIG_ALGORITHM: &str = "hmac-sha256";
/// The demo key's secret, base64 (32 bytes; public, it guards nothing but the demo).
pub const DEMO_TSIG_SECRET: &str = "bXhkZG5zLWRlbW8tdHNpZy1rZXktMDEyMzQ1Njc4OWE=";

/// The window a request's Time Signed may be off the server's clock by at most, in
/// seconds, on top of the request's own fudge (the server's fudge in its answers).
pub(crate) const SERVER_FUDGE: u16 = 300;

/// One TSIG key the fake's DNS server accepts for UPDATEs, signed queries and transfers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsigKeySeed {
    /// Key name, e.g. `mxddns-demo` (compared without case and trailing dot).
    pub name: String,
    /// `hmac-sha256` (default), `hmac-sha1`, `hmac-sha224`, `hmac-sha384`, `hmac-sha512`.
    #[serde(default = "default_algorithm")]
    pub algorithm: String,
    /// The secret, base64 (as in a BIND `key` statement).
    pub secret: FakeSecret,
}

fn default_algorithm() -> String {
    DEMO_TSIG_ALGORITHM.to_string()
}

/// RFC 2136 server settings: the TSIG keys it accepts (any key may update any zone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rfc2136Options {
    pub keys: Vec<TsigKeySeed>,
    /// Seconds added to the server's clock (to test BADTIME).
    pub clock_offset_secs: i64,
}

impl crate::options::FakeOptions {
    /// Adds a TSIG key (`algorithm` e.g. `hmac-sha256`, `secret` base64).
    pub fn tsig_key(mut self, name: &str, algorithm: &str, secret: &str) -> Self {
        self.rfc2136.keys.push(TsigKeySeed {
            name: name.to_string(),
            algorithm: algorithm.to_string(),
            secret: FakeSecret::new(secret),
        });
        self
    }
}

/// The HMACs the server computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hmacs {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hmacs {
    fn from_wire(a: &TsigAlgorithm) -> Option<Hmacs> {
        Self::from_text(&a.to_name().to_ascii())
    }

    fn from_text(name: &str) -> Option<Hmacs> {
        Some(match normalize_name(name).as_str() {
            "hmac-sha1" => Hmacs::Sha1,
            "hmac-sha224" => Hmacs::Sha224,
            "hmac-sha256" => Hmacs::Sha256,
            "hmac-sha384" => Hmacs::Sha384,
            "hmac-sha512" => Hmacs::Sha512,
            _ => return None,
        })
    }

    fn wire(self) -> TsigAlgorithm {
        match self {
            Hmacs::Sha1 => TsigAlgorithm::HmacSha1,
            Hmacs::Sha224 => TsigAlgorithm::HmacSha224,
            Hmacs::Sha256 => TsigAlgorithm::HmacSha256,
            Hmacs::Sha384 => TsigAlgorithm::HmacSha384,
            Hmacs::Sha512 => TsigAlgorithm::HmacSha512,
        }
    }

    /// Length of the full MAC, bytes.
    fn mac_len(self) -> usize {
        match self {
            Hmacs::Sha1 => 20,
            Hmacs::Sha224 => 28,
            Hmacs::Sha256 => 32,
            Hmacs::Sha384 => 48,
            Hmacs::Sha512 => 64,
        }
    }

    pub(crate) fn mac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC takes keys of any length.
            let mut m = <M as hmac::digest::KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        match self {
            Hmacs::Sha1 => run::<Hmac<sha1::Sha1>>(key, data),
            Hmacs::Sha224 => run::<Hmac<sha2::Sha224>>(key, data),
            Hmacs::Sha256 => run::<Hmac<sha2::Sha256>>(key, data),
            Hmacs::Sha384 => run::<Hmac<sha2::Sha384>>(key, data),
            Hmacs::Sha512 => run::<Hmac<sha2::Sha512>>(key, data),
        }
    }

    fn mac_matches(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
            match <M as hmac::digest::KeyInit>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(data);
                    m.verify_slice(tag).is_ok()
                }
                Err(_) => false,
            }
        }
        match self {
            Hmacs::Sha1 => run::<Hmac<sha1::Sha1>>(key, data, tag),
            Hmacs::Sha224 => run::<Hmac<sha2::Sha224>>(key, data, tag),
            Hmacs::Sha256 => run::<Hmac<sha2::Sha256>>(key, data, tag),
            Hmacs::Sha384 => run::<Hmac<sha2::Sha384>>(key, data, tag),
            Hmacs::Sha512 => run::<Hmac<sha2::Sha512>>(key, data, tag),
        }
    }
}

/// A key ready to use.
#[derive(Clone)]
pub(crate) struct ServerKey {
    /// Lowercase, no trailing dot.
    name: String,
    algorithm: Hmacs,
    secret: Vec<u8>,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKey")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// Why a key of the options cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("TSIG key '{name}': unknown algorithm '{algorithm}' (use hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512)")]
    Algorithm { name: String, algorithm: String },
    #[error("TSIG key '{0}': the secret is not base64")]
    Secret(String),
    #[error("TSIG key '{0}': the name is not a DNS name")]
    Name(String),
}

/// The keys the server accepts, and its clock.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keyring {
    keys: Vec<ServerKey>,
    clock_offset_secs: i64,
}

impl Keyring {
    pub(crate) fn new(opts: &Rfc2136Options) -> Result<Keyring, KeyError> {
        let keys = opts
            .keys
            .iter()
            .map(|k| {
                let name = normalize_name(&k.name);
                if name.is_empty() || Name::from_ascii(format!("{name}.")).is_err() {
                    return Err(KeyError::Name(k.name.clone()));
                }
                let algorithm =
                    Hmacs::from_text(&k.algorithm).ok_or_else(|| KeyError::Algorithm {
                        name: k.name.clone(),
                        algorithm: k.algorithm.clone(),
                    })?;
                let secret = base64::engine::general_purpose::STANDARD
                    .decode(k.secret.expose().trim())
                    .map_err(|_| KeyError::Secret(k.name.clone()))?;
                Ok(ServerKey {
                    name,
                    algorithm,
                    secret,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Keyring {
            keys,
            clock_offset_secs: opts.clock_offset_secs,
        })
    }

    /// The server's clock, Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        now.saturating_add_signed(self.clock_offset_secs)
    }

    fn find(&self, name: &Name, algorithm: &TsigAlgorithm) -> Option<&ServerKey> {
        let name = normalize_name(&name.to_ascii());
        let algorithm = Hmacs::from_wire(algorithm)?;
        self.keys
            .iter()
            .find(|k| k.name == name && k.algorithm == algorithm)
    }
}

/// A request's TSIG as found: the key name, its RDATA, and the bytes its MAC covers
/// (RFC 8945 §4.3.1-§4.3.3: the message without the TSIG, ARCOUNT one less, the original
/// id, then the TSIG variables).
struct FoundTsig {
    key_name: Name,
    tsig: TSIG,
    covered: Vec<u8>,
}

/// What the check of a request found.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// No TSIG record.
    Unsigned,
    /// Signed with a known key and a good MAC, in time: answer signed with `Signer`.
    Good(Signer),
    /// A TSIG error: answer NOTAUTH with this TSIG (signed for BADTIME and BADTRUNC,
    /// §5.3.2; unsigned for BADKEY and BADSIG).
    Bad(TsigFailure),
    /// The TSIG record is not where it must be or cannot be read: FORMERR (§5.1, §5.2.2.1).
    Malformed,
}

/// A TSIG error and how to answer it.
#[derive(Debug)]
pub(crate) struct TsigFailure {
    pub error: TsigError,
    /// The TSIG record of the answer (MAC empty unless signed).
    pub answer: Answering,
    /// The key name as the request gave it (for the log).
    pub key_name: String,
}

/// How the answer to a bad request carries its TSIG.
#[derive(Debug)]
pub(crate) enum Answering {
    /// An unsigned TSIG (MAC size 0) with the error.
    Unsigned(Box<Record<TSIG>>),
    /// Signed with the request's key (BADTIME with the server's time in Other Data).
    Signed(Signer),
}

/// Signs the answer(s) to one good request.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    key: ServerKey,
    key_name: Name,
    /// The request's MAC, then each signed answer's (§4.3.1, §5.3.1).
    prev_mac: Vec<u8>,
    /// Time Signed of the answers.
    time: u64,
    /// The request's original id.
    oid: u16,
    error: Option<TsigError>,
    other: Vec<u8>,
    /// Answers signed so far.
    signed: usize,
}

impl Signer {
    /// The key's name (lowercase, no trailing dot).
    pub(crate) fn key_name(&self) -> &str {
        &self.key.name
    }

    /// The TSIG record of the next answer, whose bytes without it are `unsigned` (as sent:
    /// its id, its ARCOUNT without the TSIG). The first answer's MAC covers the request's
    /// MAC, the answer and every TSIG variable (§4.3.1); later ones of a transfer cover the
    /// previous MAC, the message, and the time and fudge only (§5.3.1).
    pub(crate) fn sign(&mut self, unsigned: &[u8]) -> Box<Record<TSIG>> {
        let stub = TSIG::new(
            self.key.algorithm.wire(),
            self.time,
            SERVER_FUDGE,
            Vec::new(),
            self.oid,
            self.error,
            self.other.clone(),
        );
        let mut data = Vec::with_capacity(unsigned.len() + 128);
        push_mac(&mut data, &self.prev_mac);
        data.extend_from_slice(unsigned);
        if self.signed == 0 {
            push_variables(&mut data, &stub, &self.key_name);
        } else {
            push_time(&mut data, &stub);
        }
        let mac = self.key.algorithm.mac(&self.key.secret, &data);
        self.prev_mac.clone_from(&mac);
        self.signed += 1;
        Box::new(make_tsig_record(self.key_name.clone(), stub.set_mac(mac)))
    }

    /// Wire length of a TSIG record from this signer (to fit answers in UDP).
    pub(crate) fn record_len(&self) -> usize {
        // name + type/class/ttl/rdlength + algorithm name + time/fudge/macsize + mac +
        // oid/error/otherlen + other.
        self.key_name.len()
            + 1
            + 10
            + self.key.algorithm.wire().to_name().len()
            + 1
            + 10
            + self.key.algorithm.mac_len()
            + 6
            + self.other.len()
    }
}

/// `len(mac) || mac` (RFC 8945 §4.3.1).
fn push_mac(out: &mut Vec<u8>, mac: &[u8]) {
    let len = u16::try_from(mac.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(mac);
}

/// The TSIG variables (§4.3.3), names in canonical (lowercase, uncompressed) form.
fn push_variables(out: &mut Vec<u8>, tsig: &TSIG, key_name: &Name) {
    // A BinEncoder writes from the start of its buffer: encode apart, then append.
    let mut vars = Vec::with_capacity(128);
    let mut enc = BinEncoder::new(&mut vars);
    // Writing into a Vec fails only beyond its size limit, which these few bytes cannot reach.
    let _ = tsig.emit_tsig_for_mac(&mut enc, key_name);
    out.extend_from_slice(&vars);
}

/// Time Signed and Fudge only (§5.3.1, later messages of a transfer).
fn push_time(out: &mut Vec<u8>, tsig: &TSIG) {
    out.extend_from_slice(&((tsig.time >> 32) as u16).to_be_bytes());
    out.extend_from_slice(&(tsig.time as u32).to_be_bytes());
    out.extend_from_slice(&tsig.fudge.to_be_bytes());
}

/// Checks the TSIG of `raw` (the request as received) as RFC 8945 §5.2 says.
pub(crate) fn verify(raw: &[u8], keys: &Keyring) -> Verdict {
    let found = match find_tsig(raw) {
        Ok(Some(f)) => f,
        Ok(None) => return Verdict::Unsigned,
        Err(()) => return Verdict::Malformed,
    };
    let now = keys.now();
    let FoundTsig {
        key_name,
        tsig,
        covered,
    } = found;
    let logged_name = normalize_name(&key_name.to_ascii());
    let unsigned_error = |error: TsigError| {
        // §5.3.2: an unsigned error answer (MAC size 0); Time Signed is the server's.
        let rdata = TSIG::new(
            tsig.algorithm.clone(),
            now,
            SERVER_FUDGE,
            Vec::new(),
            tsig.oid,
            Some(error),
            Vec::new(),
        );
        Verdict::Bad(TsigFailure {
            error,
            answer: Answering::Unsigned(Box::new(make_tsig_record(key_name.clone(), rdata))),
            key_name: logged_name.clone(),
        })
    };
    // §5.2.1: an unknown key or algorithm.
    let Some(key) = keys.find(&key_name, &tsig.algorithm) else {
        return unsigned_error(TsigError::BadKey);
    };
    // §5.2.2.1: a MAC longer than the algorithm's, or shorter than half of it (and 10
    // bytes), is a format error; a shorter one than the server's policy (the full MAC)
    // is BADTRUNC, answered signed.
    let full = key.algorithm.mac_len();
    if tsig.mac.len() > full || tsig.mac.len() < (full / 2).max(10) {
        return Verdict::Malformed;
    }
    let mut signer = Signer {
        key: key.clone(),
        key_name: key_name.clone(),
        prev_mac: tsig.mac.clone(),
        time: now,
        oid: tsig.oid,
        error: None,
        other: Vec::new(),
        signed: 0,
    };
    // §5.2.2: the MAC (a truncated one is the leftmost bytes of the full one).
    let mac = key.algorithm.mac(&key.secret, &covered);
    let matches = if tsig.mac.len() == full {
        key.algorithm.mac_matches(&key.secret, &covered, &tsig.mac)
    } else {
        mac.get(..tsig.mac.len()) == Some(tsig.mac.as_slice())
    };
    if !matches {
        return unsigned_error(TsigError::BadSig);
    }
    if tsig.mac.len() < full {
        // §5.2.2.1: shorter than this server's policy (the full MAC) allows.
        signer.error = Some(TsigError::BadTrunc);
        return Verdict::Bad(TsigFailure {
            error: TsigError::BadTrunc,
            answer: Answering::Signed(signer),
            key_name: logged_name,
        });
    }
    // §5.2.3: the time, checked after the MAC; the signed answer carries the server's
    // time in Other Data and the request's Time Signed.
    if now.abs_diff(tsig.time) > u64::from(tsig.fudge) {
        signer.error = Some(TsigError::BadTime);
        signer.time = tsig.time;
        signer.other = now.to_be_bytes()[2..].to_vec();
        return Verdict::Bad(TsigFailure {
            error: TsigError::BadTime,
            answer: Answering::Signed(signer),
            key_name: logged_name,
        });
    }
    Verdict::Good(signer)
}

/// The request's TSIG and the bytes its MAC covers; `Ok(None)` without one; `Err` when a
/// TSIG is anywhere but last in the additional section, or the message cannot be read.
fn find_tsig(raw: &[u8]) -> Result<Option<FoundTsig>, ()> {
    let mut decoder = BinDecoder::new(raw);
    let Header {
        mut metadata,
        mut counts,
    } = Header::read(&mut decoder).map_err(|_| ())?;
    let start = raw.len() - decoder.len();
    for _ in 0..counts.queries {
        Query::read(&mut decoder).map_err(|_| ())?;
    }
    let before_additionals = usize::from(counts.answers) + usize::from(counts.authorities);
    for _ in 0..before_additionals {
        let r = Record::read(&mut decoder).map_err(|_| ())?;
        if matches!(r.data, RData::TSIG(_)) {
            return Err(());
        }
    }
    let mut tsig_at = None;
    for i in 0..counts.additionals {
        let offset = raw.len() - decoder.len();
        let r = Record::read(&mut decoder).map_err(|_| ())?;
        if let RData::TSIG(t) = r.data {
            if i + 1 != counts.additionals {
                // §5.1: not the last record.
                return Err(());
            }
            tsig_at = Some((offset, r.name, t));
        }
    }
    let Some((end, key_name, tsig)) = tsig_at else {
        return Ok(None);
    };
    counts.additionals -= 1;
    metadata.id = tsig.oid;
    let mut covered = Vec::with_capacity(raw.len() + 64);
    {
        let mut enc = BinEncoder::new(&mut covered);
        Header { metadata, counts }.emit(&mut enc).map_err(|_| ())?;
    }
    covered.extend_from_slice(&raw[start..end]);
    push_variables(&mut covered, &tsig, &key_name);
    Ok(Some(FoundTsig {
        key_name,
        tsig,
        covered,
    }))
}

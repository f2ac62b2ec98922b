//! Server answers that are not NOERROR, and TSIG errors (RFC 2136 §2.2, RFC 8945 §5),
//! turned into what the user should change on the server or in the configuration.

use super::key::TsigKey;
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::tsig::TsigError;
use rust_i18n::t;
use std::borrow::Cow;

/// "update", "query" or "transfer" in the reader's language.
fn what_text(what: &str) -> Cow<'_, str> {
    match what {
        "update" => t!("rfc2136.what.update"),
        "query" => t!("rfc2136.what.query"),
        "transfer" => t!("rfc2136.what.transfer"),
        other => Cow::Borrowed(other),
    }
}

/// The error for an answer whose RCODE (or TSIG error) is not success. `now`: our clock,
/// for the skew a BADTIME answer shows; `what`: "update", "query" or "transfer".
pub fn rcode(m: &Message, key: &TsigKey, now: u64, what: &str) -> ProviderError {
    let k = &key.name;
    if let Some((_, sig)) = super::client::tsig_of(m) {
        match sig.error {
            Some(TsigError::BadKey) => {
                return ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    t!("rfc2136.badkey", key = k, alg = key.algorithm.as_str()),
                )
                .with_hint(t!(
                    "rfc2136.badkey.hint",
                    key = k,
                    alg = key.algorithm.as_str()
                ));
            }
            Some(TsigError::BadSig) => {
                return ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    t!("rfc2136.badsig", key = k),
                )
                .with_hint(t!("rfc2136.badsig.hint"));
            }
            Some(TsigError::BadTime) => {
                let server_time = server_time(&sig.other).unwrap_or(sig.time);
                let skew = now as i64 - server_time as i64;
                return ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    if skew >= 0 {
                        t!(
                            "rfc2136.badtime.ahead",
                            secs = skew.unsigned_abs(),
                            fudge = sig.fudge
                        )
                    } else {
                        t!(
                            "rfc2136.badtime.behind",
                            secs = skew.unsigned_abs(),
                            fudge = sig.fudge
                        )
                    },
                )
                .with_hint(t!("rfc2136.badtime.hint"));
            }
            Some(TsigError::BadTrunc) | Some(TsigError::Unknown(_)) => {
                return ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    t!("rfc2136.tsig_other", error = format!("{:?}", sig.error)),
                );
            }
            None => {}
        }
    }
    let code = m.metadata.response_code;
    let what_en = what;
    let what = what_text(what_en);
    let name = m
        .queries
        .first()
        .map(|q| super::types::fqdn(q.name()))
        .unwrap_or_default();
    match code {
        ResponseCode::Refused => ProviderError::new(
            PROVIDER,
            ErrorKind::Permission,
            t!("rfc2136.refused", what = what, zone = name, key = k),
        )
        .with_hint(t!("rfc2136.refused.hint", key = k, zone = name)),
        ResponseCode::NotAuth => ProviderError::new(
            PROVIDER,
            ErrorKind::ZoneNotFound,
            t!("rfc2136.notauth", zone = name),
        )
        .with_hint(t!("rfc2136.notauth.hint")),
        ResponseCode::NotZone => ProviderError::new(
            PROVIDER,
            ErrorKind::Invalid,
            t!("rfc2136.notzone", what = what, zone = name),
        )
        .with_hint(t!("rfc2136.notzone.hint")),
        ResponseCode::NXRRSet | ResponseCode::YXRRSet | ResponseCode::NXDomain
            if what_en == "update" =>
        {
            ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                t!("rfc2136.changed", code = code),
            )
            .with_hint(t!("rfc2136.changed.hint"))
        }
        ResponseCode::ServFail => ProviderError::new(
            PROVIDER,
            ErrorKind::Transient,
            t!("rfc2136.servfail", what = what, zone = name),
        )
        .with_hint(t!("rfc2136.servfail.hint"))
        .maybe_applied(what_en == "update"),
        ResponseCode::NotImp => ProviderError::new(
            PROVIDER,
            ErrorKind::Unsupported,
            t!("rfc2136.notimp", what = what),
        )
        .with_hint(t!("rfc2136.notimp.hint")),
        ResponseCode::FormErr => ProviderError::new(
            PROVIDER,
            ErrorKind::Protocol,
            t!("rfc2136.formerr", what = what),
        ),
        other => ProviderError::new(
            PROVIDER,
            ErrorKind::Protocol,
            t!("rfc2136.other", what = what, zone = name, code = other),
        ),
    }
}

/// The server's clock from a BADTIME answer's Other Data (48-bit seconds, RFC 8945 §5.2.3).
fn server_time(other: &[u8]) -> Option<u64> {
    if other.len() != 6 {
        return None;
    }
    Some(other.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

pub fn protocol(message: &str) -> ProviderError {
    ProviderError::new(PROVIDER, ErrorKind::Protocol, message.to_string())
}

pub fn unsigned_answer(server: &str) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Auth,
        t!("rfc2136.unsigned", server = server),
    )
    .with_hint(t!("rfc2136.unsigned.hint"))
}

pub fn bad_answer_signature(server: &str, why: &str) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Auth,
        t!("rfc2136.bad_answer_sig", server = server, why = why),
    )
    .with_hint(t!("rfc2136.bad_answer_sig.hint"))
}

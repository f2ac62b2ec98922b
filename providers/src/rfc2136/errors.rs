//! Server answers that are not NOERROR, and TSIG errors (RFC 2136 §2.2, RFC 8945 §5),
//! turned into what the user should change on the server or in the configuration.

use super::key::TsigKey;
use super::PROVIDER;
use crate::error::{ErrorKind, ProviderError};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::tsig::TsigError;

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
                    format!("the server does not accept the TSIG key \"{k}\" with algorithm {} for this (BADKEY): it does not know the key, or (Knot) no acl allows the key this change", key.algorithm.as_str()),
                )
                .with_hint(format!(
                    "tsig_key_name and tsig_algorithm must match the server's key statement exactly (BIND `key \"{k}\" {{ algorithm {}; secret \"…\"; }};`, Knot `key: - id: {k}`); on Knot, give the zone an acl with `key: {k}` and `action: update` whose update-type / update-owner rules cover the name (BIND: update-policy)",
                    key.algorithm.as_str()
                ));
            }
            Some(TsigError::BadSig) => {
                return ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    format!("the server rejected the signature made with the TSIG key \"{k}\" (BADSIG): the secret differs from the server's"),
                )
                .with_hint("copy the secret from the key file the server uses (tsig-keygen / keymgr output) into tsig_secret or tsig_secret_file");
            }
            Some(TsigError::BadTime) => {
                let server_time = server_time(&sig.other).unwrap_or(sig.time);
                let skew = now as i64 - server_time as i64;
                return ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    format!(
                        "the server rejected the signature's time (BADTIME): this machine's clock is {} s {} the server's, more than the {} s allowed",
                        skew.unsigned_abs(),
                        if skew >= 0 { "ahead of" } else { "behind" },
                        sig.fudge
                    ),
                )
                .with_hint("set the clock right on both machines (NTP: systemd-timesyncd, chrony)");
            }
            Some(TsigError::BadTrunc) | Some(TsigError::Unknown(_)) => {
                return ProviderError::new(
                    PROVIDER,
                    ErrorKind::Auth,
                    format!(
                        "the server rejected the TSIG signature (error {:?})",
                        sig.error
                    ),
                );
            }
            None => {}
        }
    }
    let code = m.metadata.response_code;
    let name = m
        .queries
        .first()
        .map(|q| super::types::fqdn(q.name()))
        .unwrap_or_default();
    match code {
        ResponseCode::Refused => ProviderError::new(
            PROVIDER,
            ErrorKind::Permission,
            format!("the server refused the {what} in zone {name} for key \"{k}\" (REFUSED): the key may not make this change, or the change failed the server's checks (its log says which)"),
        )
        .with_hint(format!(
            "allow the key to change the zone: BIND `allow-update {{ key \"{k}\"; }};` or `update-policy {{ grant \"{k}\" zonesub ANY; }};` in the zone statement (a narrower grant: `grant \"{k}\" name mail.{name} A AAAA TXT;`), Knot an `acl` with `key: {k}` and `action: update` on the zone (and `action: transfer` for reading it whole)"
        )),
        ResponseCode::NotAuth => ProviderError::new(
            PROVIDER,
            ErrorKind::ZoneNotFound,
            format!("the server is not authoritative for the zone {name} (NOTAUTH)"),
        )
        .with_hint("point server: at the primary server of the zone, or set zone: on the domain to the zone the server holds"),
        ResponseCode::NotZone => ProviderError::new(
            PROVIDER,
            ErrorKind::Invalid,
            format!("a name of the {what} is not inside the zone {name} (NOTZONE)"),
        )
        .with_hint("set zone: on the domain to the zone that holds the name"),
        ResponseCode::NXRRSet | ResponseCode::YXRRSet | ResponseCode::NXDomain
            if what == "update" =>
        {
            ProviderError::new(
                PROVIDER,
                ErrorKind::RecordNotFound,
                format!("the records changed on the server since mxddns read them ({code}): the update was not applied"),
            )
            .with_hint("someone else changed the same records; mxddns reads them again and retries")
        }
        ResponseCode::ServFail => ProviderError::new(
            PROVIDER,
            ErrorKind::Transient,
            format!("the server failed the {what} in zone {name} (SERVFAIL)"),
        )
        .with_hint("see the server's log (a zone that failed to load, a journal it cannot write)")
        .maybe_applied(what == "update"),
        ResponseCode::NotImp => ProviderError::new(
            PROVIDER,
            ErrorKind::Unsupported,
            format!("the server does not implement {what} (NOTIMP)"),
        )
        .with_hint("enable dynamic updates on the server (PowerDNS: dnsupdate=yes; Technitium: zone options, Dynamic Updates)"),
        ResponseCode::FormErr => ProviderError::new(
            PROVIDER,
            ErrorKind::Protocol,
            format!("the server could not parse the {what} (FORMERR)"),
        ),
        other => ProviderError::new(
            PROVIDER,
            ErrorKind::Protocol,
            format!("the server answered the {what} in zone {name} with {other}"),
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
        format!("the answer from {server} to a signed message is not signed"),
    )
    .with_hint("the server does not know the key, or something between rewrote the answer: check server: and the key statement")
}

pub fn bad_answer_signature(server: &str, why: &str) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Auth,
        format!("the TSIG signature of the answer from {server} does not verify: {why}"),
    )
    .with_hint("check that server: is the server that holds this key; an answer that does not verify is never trusted")
}

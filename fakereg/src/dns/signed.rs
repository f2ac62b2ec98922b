//! The RFC 2136 side of the DNS server: every UPDATE, and every message signed with TSIG
//! (queries for zone discovery and record sets, zone transfers). Answers to signed
//! requests are signed (RFC 8945 §5.3); each is logged as an API request (vendor
//! `rfc2136`). Unsigned queries never come here (`super::Handler` answers them).

use hickory_proto::op::{Edns, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::rdata::tsig::{TsigError, TSIG};
use hickory_proto::rr::{Record, RecordType};
use hickory_proto::serialize::binary::BinEncoder;
use hickory_server::net::xfer::Protocol;
use hickory_server::server::{Request, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;

use super::answer::{resolve, zone_records, Answer, Question};
use super::tsig::{Answering, Signer, Verdict};
use super::update::{self, UpdateRefusal};
use super::{servfail_info, DnsShared, EDNS_PAYLOAD};
use crate::log::LoggedRequest;
use crate::rdata::normalize_name;

/// Records per message of a zone transfer (each message signed, RFC 8945 §5.3.1).
const AXFR_RECORDS_PER_MESSAGE: usize = 200;

/// What an answer carries for TSIG.
enum Signature<'s> {
    None,
    /// An unsigned TSIG record with an error (BADKEY, BADSIG).
    Unsigned(Box<hickory_proto::rr::Record<TSIG>>),
    Signed(&'s mut Signer),
}

/// Answers an UPDATE or a signed message, whose TSIG check gave `verdict`.
pub(super) async fn handle<R: ResponseHandler>(
    shared: &DnsShared,
    request: &Request,
    mut response: R,
    verdict: Verdict,
) -> ResponseInfo {
    let op = request.metadata.op_code;
    let first = request.queries.queries().first();
    let qtype = first.map(|q| q.query_type());
    let mut logged = LoggedRequest {
        vendor: "rfc2136",
        method: match (op, qtype) {
            (OpCode::Query, Some(RecordType::AXFR)) => "AXFR".to_string(),
            (OpCode::Query, _) => "QUERY".to_string(),
            (OpCode::Update, _) => "UPDATE".to_string(),
            (other, _) => format!("{other:?}").to_ascii_uppercase(),
        },
        path: match op {
            OpCode::Update => update::zone_name(request.queries.queries()),
            _ => first.map_or_else(String::new, |q| normalize_name(&q.name().to_string())),
        },
        query: match (op, qtype) {
            (OpCode::Query, Some(t)) if t != RecordType::AXFR => format!("type={t}"),
            _ => String::new(),
        },
        action: String::new(),
        body: match op {
            OpCode::Update => update_body(request),
            _ => String::new(),
        },
        status: 0,
        write: op == OpCode::Update,
        fault: None,
        rcode: None,
    };

    // A request refused before its content is looked at: how, and with which signature.
    let mut bad_signer;
    let (rcode, tsig_error, signature) = match verdict {
        Verdict::Good(signer) => {
            return answer_signed(shared, request, response, logged, op, signer).await
        }
        // Only an UPDATE arrives here unsigned: this server takes signed ones only.
        Verdict::Unsigned => (ResponseCode::Refused, None, Signature::None),
        Verdict::Malformed => (ResponseCode::FormErr, None, Signature::None),
        Verdict::Bad(failure) => {
            logged.action = format!("key={}", failure.key_name);
            let signature = match failure.answer {
                Answering::Unsigned(tsig) => Signature::Unsigned(tsig),
                Answering::Signed(s) => {
                    bad_signer = s;
                    Signature::Signed(&mut bad_signer)
                }
            };
            (ResponseCode::NotAuth, Some(failure.error), signature)
        }
    };
    let info = send(request, &mut response, rcode, &[], signature).await;
    log(shared, &mut logged, rcode, tsig_error, info)
}

/// Answers a request whose TSIG verified with `signer` (which then signs the answer).
async fn answer_signed<R: ResponseHandler>(
    shared: &DnsShared,
    request: &Request,
    mut response: R,
    mut logged: LoggedRequest,
    op: OpCode,
    mut signer: Signer,
) -> ResponseInfo {
    logged.action = format!("key={}", signer.key_name());

    let (rcode, info) = match op {
        OpCode::Update => {
            let result = shared.store.with(|z| {
                update::apply(
                    z,
                    request.queries.queries(),
                    &request.answers,
                    &request.authorities,
                )
            });
            let rcode = result.map_or_else(UpdateRefusal::rcode, |()| ResponseCode::NoError);
            let info = send(
                request,
                &mut response,
                rcode,
                &[],
                Signature::Signed(&mut signer),
            )
            .await;
            (rcode, info)
        }
        OpCode::Query => query(shared, request, &mut response, &mut signer).await,
        _ => {
            let info = send(
                request,
                &mut response,
                ResponseCode::NotImp,
                &[],
                Signature::Signed(&mut signer),
            )
            .await;
            (ResponseCode::NotImp, info)
        }
    };
    log(shared, &mut logged, rcode, None, info)
}

/// A signed query: one question answered from the store, or a zone transfer over TCP.
async fn query<R: ResponseHandler>(
    shared: &DnsShared,
    request: &Request,
    response: &mut R,
    signer: &mut Signer,
) -> (ResponseCode, ResponseInfo) {
    let Ok(info) = request.request_info() else {
        let rcode = ResponseCode::FormErr;
        let sent = send(request, response, rcode, &[], Signature::Signed(signer)).await;
        return (rcode, sent);
    };
    let q = info.query;
    let name = normalize_name(&q.name().to_string());
    if q.query_type() == RecordType::AXFR {
        return transfer(shared, request, response, signer, &name).await;
    }
    let question = Question {
        name: &name,
        qtype: q.query_type(),
        qclass: q.query_class(),
        client_v6: request.src().is_ipv6(),
    };
    let ans = shared.store.with(|z| resolve(z, &shared.echo, &question));
    let sent = send_answer(request, response, &ans, Signature::Signed(signer)).await;
    (ans.rcode, sent)
}

/// AXFR (RFC 5936) over TCP: the SOA, every record, the SOA again, in messages of at most
/// [`AXFR_RECORDS_PER_MESSAGE`] records, each signed (RFC 8945 §5.3.1).
async fn transfer<R: ResponseHandler>(
    shared: &DnsShared,
    request: &Request,
    response: &mut R,
    signer: &mut Signer,
    zone: &str,
) -> (ResponseCode, ResponseInfo) {
    if request.protocol() == Protocol::Udp {
        // RFC 5936 §4.2: AXFR over TCP only.
        let rcode = ResponseCode::FormErr;
        let sent = send(request, response, rcode, &[], Signature::Signed(signer)).await;
        return (rcode, sent);
    }
    let Some(records) = shared.store.with(|z| zone_records(z, zone)) else {
        let rcode = ResponseCode::NotAuth;
        let sent = send(request, response, rcode, &[], Signature::Signed(signer)).await;
        return (rcode, sent);
    };
    let mut last = servfail_info(request);
    for chunk in records.chunks(AXFR_RECORDS_PER_MESSAGE) {
        let ans = Answer {
            rcode: ResponseCode::NoError,
            authoritative: true,
            answers: chunk.to_vec(),
            authority: Vec::new(),
        };
        last = send_answer(request, response, &ans, Signature::Signed(signer)).await;
    }
    (ResponseCode::NoError, last)
}

/// An answer with no records.
async fn send<R: ResponseHandler>(
    request: &Request,
    response: &mut R,
    rcode: ResponseCode,
    answers: &[Record],
    signature: Signature<'_>,
) -> ResponseInfo {
    let ans = Answer {
        rcode,
        authoritative: false,
        answers: answers.to_vec(),
        authority: Vec::new(),
    };
    send_answer(request, response, &ans, signature).await
}

/// Sends `ans`, signed as `signature` says. Over UDP an answer that would not fit (with
/// its TSIG) goes out empty with TC set, still signed (RFC 8945 §5.3).
async fn send_answer<R: ResponseHandler>(
    request: &Request,
    response: &mut R,
    ans: &Answer,
    signature: Signature<'_>,
) -> ResponseInfo {
    let fallback = servfail_info(request);
    let mut metadata = Metadata::response_from_request(&request.metadata);
    metadata.authoritative = ans.authoritative;
    metadata.response_code = ans.rcode;
    let edns = request.edns.as_ref().map(|_| {
        let mut e = Edns::new();
        e.set_max_payload(EDNS_PAYLOAD);
        e
    });
    let limit = match (&request.edns, request.protocol()) {
        (_, p) if p != Protocol::Udp => usize::MAX,
        (None, _) => 512,
        (Some(e), _) => usize::from(e.max_payload().clamp(512, EDNS_PAYLOAD)),
    };
    let tsig_len = match &signature {
        Signature::Signed(s) => s.record_len(),
        _ => 0,
    };
    let mut records = (&ans.answers[..], &ans.authority[..]);
    let mut unsigned = emit(request, metadata, records, edns.as_ref());
    if unsigned.len() + tsig_len > limit {
        metadata.truncation = true;
        records = (&[][..], &[][..]);
        unsigned = emit(request, metadata, records, edns.as_ref());
    }
    let tsig = match signature {
        Signature::None => None,
        Signature::Unsigned(t) => Some(t),
        Signature::Signed(s) => Some(s.sign(&unsigned)),
    };
    let mut builder = MessageResponseBuilder::from_message_request(request);
    if let Some(e) = &edns {
        builder.edns(e);
    }
    let mut msg = builder.build(
        metadata,
        records.0.iter(),
        records.1.iter(),
        std::iter::empty(),
        std::iter::empty(),
    );
    if let Some(t) = tsig {
        msg.set_signature(t);
    }
    response.send_response(msg).await.unwrap_or(fallback)
}

/// The answer's bytes as they will be sent, without a TSIG (what its MAC covers).
fn emit(
    request: &Request,
    metadata: Metadata,
    (answers, authority): (&[Record], &[Record]),
    edns: Option<&Edns>,
) -> Vec<u8> {
    let mut builder = MessageResponseBuilder::from_message_request(request);
    if let Some(e) = edns {
        builder.edns(e);
    }
    let msg = builder.build(
        metadata,
        answers.iter(),
        authority.iter(),
        std::iter::empty(),
        std::iter::empty(),
    );
    let mut bytes = Vec::with_capacity(512);
    let mut encoder = BinEncoder::new(&mut bytes);
    // Encoding into a Vec without a size limit fails only on a record hickory cannot
    // write; the answer sent then fails the same way and the client sees no answer.
    let _ = msg.destructive_emit(&mut encoder);
    bytes
}

/// The UPDATE's prerequisites and updates, one record a line (for the in-memory log).
fn update_body(request: &Request) -> String {
    let mut out = String::from("prerequisites:\n");
    for r in &request.answers {
        out.push_str(&format!("  {r}\n"));
    }
    out.push_str("updates:\n");
    for r in &request.authorities {
        out.push_str(&format!("  {r}\n"));
    }
    out
}

/// Logs the message with its answer and returns `info`.
fn log(
    shared: &DnsShared,
    logged: &mut LoggedRequest,
    rcode: ResponseCode,
    tsig_error: Option<TsigError>,
    info: ResponseInfo,
) -> ResponseInfo {
    logged.status = http_status(rcode, tsig_error);
    let mut text = format!("{rcode:?}").to_ascii_uppercase();
    if let Some(e) = tsig_error {
        text.push(' ');
        text.push_str(match e {
            TsigError::BadSig => "BADSIG",
            TsigError::BadKey => "BADKEY",
            TsigError::BadTime => "BADTIME",
            TsigError::BadTrunc => "BADTRUNC",
            TsigError::Unknown(_) => "TSIG-ERROR",
        });
    }
    logged.rcode = Some(text);
    shared.log.push_rfc2136(logged.clone());
    info
}

/// The HTTP status a REST API would answer for this outcome (see `LoggedRequest::status`).
fn http_status(rcode: ResponseCode, tsig_error: Option<TsigError>) -> u16 {
    if tsig_error.is_some() {
        return 401;
    }
    match rcode {
        ResponseCode::NoError => 200,
        ResponseCode::FormErr | ResponseCode::NotZone => 400,
        ResponseCode::Refused => 403,
        ResponseCode::NotAuth => 404,
        ResponseCode::NXDomain
        | ResponseCode::YXDomain
        | ResponseCode::NXRRSet
        | ResponseCode::YXRRSet => 412,
        ResponseCode::NotImp => 501,
        _ => 500,
    }
}

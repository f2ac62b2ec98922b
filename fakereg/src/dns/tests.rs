//! The DNS server over the wire: RFC 2136 UPDATEs and TSIG (RFC 8945), sent as a client
//! would send them, over UDP and TCP to a running fake registrar. Requests are signed and
//! answers checked here independently of `tsig.rs` (hickory's TBS helper + the hmac crate).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hickory_proto::op::{Header, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::tsig::{
    make_tsig_record, message_tbs, TsigAlgorithm, TsigError, TSIG,
};
use hickory_proto::rr::rdata::{A, CNAME, NS, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};
use hmac::{Hmac, Mac};

use crate::rdata::RrType;
use crate::{FakeOptions, FakeRegistrar, DEMO_TSIG_KEY_NAME, DEMO_TSIG_SECRET};

const SHA512_KEY: &str = "sha512-key";
const SHA512_SECRET: &str = "c2hhNTEyLXNlY3JldC1mb3ItdGhlLWZha2UtcmVnaXN0cmFy";

struct Key {
    name: &'static str,
    algorithm: TsigAlgorithm,
    secret: Vec<u8>,
}

fn demo_key() -> Key {
    Key {
        name: DEMO_TSIG_KEY_NAME,
        algorithm: TsigAlgorithm::HmacSha256,
        secret: b64(DEMO_TSIG_SECRET),
    }
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn hmac(algorithm: &TsigAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    match algorithm {
        TsigAlgorithm::HmacSha256 => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        TsigAlgorithm::HmacSha512 => {
            let mut m = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        other => panic!("no HMAC for {other:?} in these tests"),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn fake() -> FakeRegistrar {
    FakeRegistrar::spawn(
        FakeOptions::example()
            .record("example.com", "two.example.com", RrType::A, "192.0.2.1")
            .record("example.com", "two.example.com", RrType::A, "192.0.2.2")
            .record(
                "example.com",
                "alias.example.com",
                RrType::CNAME,
                "mail.example.com.",
            )
            .tsig_key(SHA512_KEY, "hmac-sha512", SHA512_SECRET),
    )
    .unwrap()
}

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

fn a(owner: &str, ttl: u32, ip: &str) -> Record {
    Record::from_rdata(name(owner), ttl, RData::A(A(ip.parse().unwrap())))
}

/// `owner` with class and type, no RDATA (prerequisite and delete forms).
fn empty(owner: &str, class: DNSClass, rtype: RecordType) -> Record {
    let mut r = Record::update0(name(owner), 0, rtype);
    r.dns_class = class;
    r
}

/// `r` with class NONE and TTL 0 (delete an RR).
fn none(mut r: Record) -> Record {
    r.dns_class = DNSClass::NONE;
    r.ttl = 0;
    r
}

fn update_msg(zone: &str, prerequisites: Vec<Record>, updates: Vec<Record>) -> Message {
    let mut m = Message::new(0x1234, MessageType::Query, OpCode::Update);
    m.add_query(Query::query(name(zone), RecordType::SOA));
    m.add_answers(prerequisites);
    m.add_authorities(updates);
    m
}

/// Signs `m` as RFC 8945 §4.3 says; returns the bytes and the request MAC.
fn sign(m: &mut Message, key: &Key, time: u64) -> (Vec<u8>, Vec<u8>) {
    let key_name = name(&format!("{}.", key.name));
    let stub = TSIG::new(
        key.algorithm.clone(),
        time,
        300,
        Vec::new(),
        m.metadata.id,
        None,
        Vec::new(),
    );
    let tbs = message_tbs(&*m, &stub, &key_name).unwrap();
    let mac = hmac(&key.algorithm, &key.secret, &tbs);
    m.signature = Some(Box::new(make_tsig_record(
        key_name,
        stub.set_mac(mac.clone()),
    )));
    (m.to_vec().unwrap(), mac)
}

fn udp(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.send_to(bytes, addr).unwrap();
    let mut buf = vec![0u8; 65535];
    let n = s.recv(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Sends one message over TCP and reads `answers` messages back.
fn tcp(addr: SocketAddr, bytes: &[u8], answers: usize) -> Vec<Vec<u8>> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let len = u16::try_from(bytes.len()).unwrap().to_be_bytes();
    s.write_all(&[&len[..], bytes].concat()).unwrap();
    (0..answers)
        .map(|_| {
            let mut len = [0u8; 2];
            s.read_exact(&mut len).unwrap();
            let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
            s.read_exact(&mut buf).unwrap();
            buf
        })
        .collect()
}

/// The answer's TSIG and the answer's bytes without it (ARCOUNT one less, original id).
fn strip_tsig(bytes: &[u8]) -> (Vec<u8>, Name, TSIG) {
    let mut d = BinDecoder::new(bytes);
    let Header {
        mut metadata,
        mut counts,
    } = Header::read(&mut d).unwrap();
    let start = bytes.len() - d.len();
    for _ in 0..counts.queries {
        Query::read(&mut d).unwrap();
    }
    let before = usize::from(counts.answers)
        + usize::from(counts.authorities)
        + usize::from(counts.additionals)
        - 1;
    for _ in 0..before {
        Record::read(&mut d).unwrap();
    }
    let end = bytes.len() - d.len();
    let r = Record::read(&mut d).unwrap();
    let RData::TSIG(tsig) = r.data else {
        panic!("the last record is not a TSIG: {r:?}")
    };
    counts.additionals -= 1;
    metadata.id = tsig.oid;
    let mut out = Vec::new();
    Header { metadata, counts }
        .emit(&mut BinEncoder::new(&mut out))
        .unwrap();
    out.extend_from_slice(&bytes[start..end]);
    (out, r.name, tsig)
}

/// Checks a signed answer (RFC 8945 §5.3.2 / §4.3.1): returns its MAC.
fn check_signed(bytes: &[u8], prev_mac: &[u8], key: &Key, first: bool) -> Vec<u8> {
    let (unsigned, key_name, tsig) = strip_tsig(bytes);
    assert_eq!(key_name, name(&format!("{}.", key.name)));
    let mut data = Vec::new();
    data.extend_from_slice(&u16::try_from(prev_mac.len()).unwrap().to_be_bytes());
    data.extend_from_slice(prev_mac);
    data.extend_from_slice(&unsigned);
    if first {
        let mut vars = Vec::new();
        tsig.emit_tsig_for_mac(&mut BinEncoder::new(&mut vars), &key_name)
            .unwrap();
        data.extend_from_slice(&vars);
    } else {
        data.extend_from_slice(&((tsig.time >> 32) as u16).to_be_bytes());
        data.extend_from_slice(&(tsig.time as u32).to_be_bytes());
        data.extend_from_slice(&tsig.fudge.to_be_bytes());
    }
    assert_eq!(
        hmac(&key.algorithm, &key.secret, &data),
        tsig.mac,
        "the answer's MAC does not verify"
    );
    tsig.mac
}

fn tsig_of(m: &Message) -> Option<&TSIG> {
    match m.additionals.last().map(|r| &r.data) {
        Some(RData::TSIG(t)) => Some(t),
        _ => None,
    }
}

/// Sends `m` signed with `key` over UDP; checks the answer's signature; returns it.
fn send_signed(fake: &FakeRegistrar, mut m: Message, key: &Key) -> Message {
    let (bytes, mac) = sign(&mut m, key, now());
    let answer = udp(fake.dns_addr(), &bytes);
    check_signed(&answer, &mac, key, true);
    let msg = Message::from_vec(&answer).unwrap();
    assert_eq!(msg.metadata.id, 0x1234);
    assert_eq!(msg.metadata.message_type, MessageType::Response);
    msg
}

fn update(fake: &FakeRegistrar, prerequisites: Vec<Record>, updates: Vec<Record>) -> ResponseCode {
    let m = update_msg("example.com.", prerequisites, updates);
    let answer = send_signed(fake, m, &demo_key());
    assert_eq!(answer.metadata.op_code, OpCode::Update);
    answer.metadata.response_code
}

fn values(fake: &FakeRegistrar, owner: &str, rtype: RrType) -> Vec<String> {
    let mut v = fake.store().records(owner, rtype);
    v.sort();
    v
}

/// Adds `marker.example.com A 198.51.100.1` behind `prerequisites`; returns the RCODE
/// and whether the marker landed.
fn guarded(fake: &FakeRegistrar, prerequisites: Vec<Record>) -> (ResponseCode, bool) {
    let code = update(
        fake,
        prerequisites,
        vec![a("marker.example.com.", 60, "198.51.100.1")],
    );
    let landed = !values(fake, "marker.example.com", RrType::A).is_empty();
    fake.store()
        .set("marker.example.com", RrType::A, &[])
        .unwrap();
    (code, landed)
}

#[test]
fn rrset_exists_value_independent() {
    let fake = fake();
    let ok = guarded(
        &fake,
        vec![empty("mail.example.com.", DNSClass::ANY, RecordType::A)],
    );
    assert_eq!(ok, (ResponseCode::NoError, true));
    let missing = guarded(
        &fake,
        vec![empty("mail.example.com.", DNSClass::ANY, RecordType::TXT)],
    );
    assert_eq!(missing, (ResponseCode::NXRRSet, false));
    // The apex's SOA and NS exist even when not stored.
    let apex = guarded(
        &fake,
        vec![empty("example.com.", DNSClass::ANY, RecordType::SOA)],
    );
    assert_eq!(apex, (ResponseCode::NoError, true));
}

#[test]
fn rrset_exists_value_dependent() {
    let fake = fake();
    let exact = guarded(
        &fake,
        vec![
            a("two.example.com.", 0, "192.0.2.2"),
            a("two.example.com.", 0, "192.0.2.1"),
        ],
    );
    assert_eq!(exact, (ResponseCode::NoError, true));
    // A part of the set is not the set.
    let part = guarded(&fake, vec![a("two.example.com.", 0, "192.0.2.1")]);
    assert_eq!(part, (ResponseCode::NXRRSet, false));
    let other = guarded(&fake, vec![a("mail.example.com.", 0, "203.0.113.99")]);
    assert_eq!(other, (ResponseCode::NXRRSet, false));
    let absent = guarded(&fake, vec![a("nowhere.example.com.", 0, "192.0.2.1")]);
    assert_eq!(absent, (ResponseCode::NXRRSet, false));
}

#[test]
fn rrset_does_not_exist() {
    let fake = fake();
    let free = guarded(
        &fake,
        vec![empty("mail.example.com.", DNSClass::NONE, RecordType::AAAA)],
    );
    assert_eq!(free, (ResponseCode::NoError, true));
    let taken = guarded(
        &fake,
        vec![empty("mail.example.com.", DNSClass::NONE, RecordType::A)],
    );
    assert_eq!(taken, (ResponseCode::YXRRSet, false));
}

#[test]
fn name_is_in_use() {
    let fake = fake();
    let used = guarded(
        &fake,
        vec![empty("alias.example.com.", DNSClass::ANY, RecordType::ANY)],
    );
    assert_eq!(used, (ResponseCode::NoError, true));
    let unused = guarded(
        &fake,
        vec![empty(
            "nowhere.example.com.",
            DNSClass::ANY,
            RecordType::ANY,
        )],
    );
    assert_eq!(unused, (ResponseCode::NXDomain, false));
}

#[test]
fn name_is_not_in_use() {
    let fake = fake();
    let unused = guarded(
        &fake,
        vec![empty(
            "nowhere.example.com.",
            DNSClass::NONE,
            RecordType::ANY,
        )],
    );
    assert_eq!(unused, (ResponseCode::NoError, true));
    let used = guarded(
        &fake,
        vec![empty("example.com.", DNSClass::NONE, RecordType::ANY)],
    );
    assert_eq!(used, (ResponseCode::YXDomain, false));
}

#[test]
fn a_failing_prerequisite_after_good_ones_changes_nothing() {
    let fake = fake();
    let serial = fake.store().zone("example.com").unwrap().serial;
    let code = update(
        &fake,
        vec![
            empty("mail.example.com.", DNSClass::ANY, RecordType::A),
            a("mail.example.com.", 0, "203.0.113.10"),
            // The value changed under us: the whole message is refused.
            a("two.example.com.", 0, "192.0.2.1"),
        ],
        vec![
            none(a("mail.example.com.", 0, "203.0.113.10")),
            a("mail.example.com.", 300, "203.0.113.20"),
            empty("two.example.com.", DNSClass::ANY, RecordType::A),
        ],
    );
    assert_eq!(code, ResponseCode::NXRRSet);
    assert_eq!(
        values(&fake, "mail.example.com", RrType::A),
        ["203.0.113.10"]
    );
    assert_eq!(
        values(&fake, "two.example.com", RrType::A),
        ["192.0.2.1", "192.0.2.2"]
    );
    assert_eq!(fake.store().zone("example.com").unwrap().serial, serial);
}

#[test]
fn a_bad_update_late_in_the_message_changes_nothing() {
    let fake = fake();
    let mut bad = a("mail.example.com.", 300, "203.0.113.30");
    bad.dns_class = DNSClass::CH;
    let code = update(
        &fake,
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.9"), bad],
    );
    assert_eq!(code, ResponseCode::FormErr);
    assert!(values(&fake, "new.example.com", RrType::A).is_empty());
}

#[test]
fn add_and_delete_one_rr_in_one_message_is_a_change_in_place() {
    let fake = fake();
    let serial = fake.store().zone("example.com").unwrap().serial;
    let code = update(
        &fake,
        vec![a("mail.example.com.", 0, "203.0.113.10")],
        vec![
            none(a("mail.example.com.", 0, "203.0.113.10")),
            a("mail.example.com.", 600, "203.0.113.20"),
        ],
    );
    assert_eq!(code, ResponseCode::NoError);
    let set = fake
        .store()
        .list("example.com", Some("mail.example.com"), Some(RrType::A));
    assert_eq!(set.len(), 1);
    assert_eq!(
        (set[0].value(), set[0].ttl),
        ("203.0.113.20".to_string(), 600)
    );
    // One new serial for the whole message (RFC 2136 §3.6).
    assert_eq!(fake.store().zone("example.com").unwrap().serial, serial + 1);
}

#[test]
fn adding_a_duplicate_replaces_it_and_the_set_keeps_one_ttl() {
    let fake = fake();
    let code = update(&fake, vec![], vec![a("two.example.com.", 120, "192.0.2.1")]);
    assert_eq!(code, ResponseCode::NoError);
    let set = fake
        .store()
        .list("example.com", Some("two.example.com"), Some(RrType::A));
    assert_eq!(set.len(), 2);
    assert!(set.iter().all(|r| r.ttl == 120), "{set:?}");
}

#[test]
fn delete_an_rrset_and_every_rrset_at_a_name() {
    let fake = fake();
    fake.store()
        .insert("two.example.com", RrType::TXT, "kept", 300)
        .unwrap();
    let code = update(
        &fake,
        vec![],
        vec![empty("two.example.com.", DNSClass::ANY, RecordType::A)],
    );
    assert_eq!(code, ResponseCode::NoError);
    assert!(values(&fake, "two.example.com", RrType::A).is_empty());
    assert_eq!(values(&fake, "two.example.com", RrType::TXT), ["\"kept\""]);

    let code = update(
        &fake,
        vec![],
        vec![empty("two.example.com.", DNSClass::ANY, RecordType::ANY)],
    );
    assert_eq!(code, ResponseCode::NoError);
    assert!(fake
        .store()
        .list("example.com", Some("two.example.com"), None)
        .is_empty());
}

#[test]
fn the_apex_keeps_its_soa_and_ns() {
    let fake = fake();
    let code = update(
        &fake,
        vec![],
        vec![
            empty("example.com.", DNSClass::ANY, RecordType::ANY),
            empty("example.com.", DNSClass::ANY, RecordType::NS),
            empty("example.com.", DNSClass::ANY, RecordType::SOA),
        ],
    );
    assert_eq!(code, ResponseCode::NoError);
    // MX and TXT gone; SOA and both NS kept.
    assert!(values(&fake, "example.com", RrType::MX).is_empty());
    assert!(values(&fake, "example.com", RrType::TXT).is_empty());
    assert_eq!(values(&fake, "example.com", RrType::SOA).len(), 1);
    assert_eq!(
        values(&fake, "example.com", RrType::NS),
        ["ns1.example.com", "ns2.example.com"]
    );
    // Deleting NS records one by one stops at the last one (§3.4.2.4).
    let ns = |host: &str| {
        none(Record::from_rdata(
            name("example.com."),
            0,
            RData::NS(NS(name(host))),
        ))
    };
    let code = update(
        &fake,
        vec![],
        vec![ns("ns1.example.com."), ns("ns2.example.com.")],
    );
    assert_eq!(code, ResponseCode::NoError);
    assert_eq!(
        values(&fake, "example.com", RrType::NS),
        ["ns2.example.com"]
    );
}

#[test]
fn cname_and_other_data_never_share_a_name() {
    let fake = fake();
    // Other data at a CNAME's name: ignored.
    let code = update(
        &fake,
        vec![],
        vec![a("alias.example.com.", 300, "192.0.2.7")],
    );
    assert_eq!(code, ResponseCode::NoError);
    assert!(values(&fake, "alias.example.com", RrType::A).is_empty());
    // A CNAME where other data is: ignored.
    let cname = |owner: &str, target: &str| {
        Record::from_rdata(name(owner), 300, RData::CNAME(CNAME(name(target))))
    };
    let code = update(
        &fake,
        vec![],
        vec![cname("mail.example.com.", "other.example.net.")],
    );
    assert_eq!(code, ResponseCode::NoError);
    assert!(values(&fake, "mail.example.com", RrType::CNAME).is_empty());
    // A CNAME over a CNAME replaces it.
    let code = update(
        &fake,
        vec![],
        vec![cname("alias.example.com.", "other.example.net.")],
    );
    assert_eq!(code, ResponseCode::NoError);
    assert_eq!(
        values(&fake, "alias.example.com", RrType::CNAME),
        ["other.example.net"]
    );
}

#[test]
fn names_outside_the_zone_are_notzone_and_unknown_zones_notauth() {
    let fake = fake();
    let outside = update(
        &fake,
        vec![],
        vec![a("mail.example.net.", 300, "192.0.2.1")],
    );
    assert_eq!(outside, ResponseCode::NotZone);
    let outside = update(
        &fake,
        vec![empty("mail.example.net.", DNSClass::ANY, RecordType::A)],
        vec![],
    );
    assert_eq!(outside, ResponseCode::NotZone);
    let m = update_msg(
        "example.net.",
        vec![],
        vec![a("mail.example.net.", 300, "192.0.2.1")],
    );
    let answer = send_signed(&fake, m, &demo_key());
    assert_eq!(answer.metadata.response_code, ResponseCode::NotAuth);
    assert_eq!(tsig_of(&answer).and_then(|t| t.error), None);
}

#[test]
fn a_prerequisite_with_a_ttl_is_a_format_error() {
    let fake = fake();
    let mut p = empty("mail.example.com.", DNSClass::ANY, RecordType::A);
    p.ttl = 60;
    assert_eq!(update(&fake, vec![p], vec![]), ResponseCode::FormErr);
}

#[test]
fn an_unsigned_update_is_refused() {
    let fake = fake();
    let m = update_msg(
        "example.com.",
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.1")],
    );
    let answer = Message::from_vec(&udp(fake.dns_addr(), &m.to_vec().unwrap())).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::Refused);
    assert!(values(&fake, "new.example.com", RrType::A).is_empty());
    let logged = fake.requests();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (logged[0].vendor, logged[0].method.as_str(), logged[0].write),
        ("rfc2136", "UPDATE", true)
    );
    assert_eq!(logged[0].rcode.as_deref(), Some("REFUSED"));
    assert_eq!(fake.write_count(), 0);
}

#[test]
fn an_unknown_key_is_badkey_unsigned() {
    let fake = fake();
    let key = Key {
        name: "stranger",
        ..demo_key()
    };
    let mut m = update_msg(
        "example.com.",
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.1")],
    );
    let (bytes, _) = sign(&mut m, &key, now());
    let answer = Message::from_vec(&udp(fake.dns_addr(), &bytes)).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::NotAuth);
    let tsig = tsig_of(&answer).expect("a TSIG in the answer");
    assert_eq!(tsig.error, Some(TsigError::BadKey));
    assert!(tsig.mac.is_empty(), "BADKEY answers are unsigned");
    assert!(values(&fake, "new.example.com", RrType::A).is_empty());
    assert_eq!(fake.requests()[0].rcode.as_deref(), Some("NOTAUTH BADKEY"));
    assert_eq!(fake.requests()[0].status, 401);
}

#[test]
fn a_wrong_secret_is_badsig_unsigned() {
    let fake = fake();
    let key = Key {
        secret: b"not the secret".to_vec(),
        ..demo_key()
    };
    let mut m = update_msg(
        "example.com.",
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.1")],
    );
    let (bytes, _) = sign(&mut m, &key, now());
    let answer = Message::from_vec(&udp(fake.dns_addr(), &bytes)).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::NotAuth);
    let tsig = tsig_of(&answer).expect("a TSIG in the answer");
    assert_eq!(tsig.error, Some(TsigError::BadSig));
    assert!(tsig.mac.is_empty());
    assert!(values(&fake, "new.example.com", RrType::A).is_empty());
}

#[test]
fn a_changed_message_is_badsig() {
    let fake = fake();
    let mut m = update_msg(
        "example.com.",
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.1")],
    );
    let (mut bytes, _) = sign(&mut m, &demo_key(), now());
    // The TTL of the update (in the middle of the message) changed on the way.
    let ttl = 300u32.to_be_bytes();
    let at = bytes
        .windows(4)
        .position(|w| w == ttl)
        .expect("the TTL on the wire");
    bytes[at + 3] ^= 1;
    let answer = Message::from_vec(&udp(fake.dns_addr(), &bytes)).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::NotAuth);
    assert_eq!(tsig_of(&answer).unwrap().error, Some(TsigError::BadSig));
    assert!(values(&fake, "new.example.com", RrType::A).is_empty());
}

#[test]
fn a_clock_out_of_the_fudge_is_badtime_signed_with_the_servers_time() {
    let fake = fake();
    let key = demo_key();
    let mut m = update_msg(
        "example.com.",
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.1")],
    );
    let (bytes, mac) = sign(&mut m, &key, now() - 1000);
    let raw = udp(fake.dns_addr(), &bytes);
    let answer = Message::from_vec(&raw).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::NotAuth);
    let tsig = tsig_of(&answer).unwrap();
    assert_eq!(tsig.error, Some(TsigError::BadTime));
    // Signed with the request's key (§5.2.3), Other Data the server's 48-bit time.
    check_signed(&raw, &mac, &key, true);
    assert_eq!(tsig.other.len(), 6);
    let server_time = tsig
        .other
        .iter()
        .fold(0u64, |t, b| (t << 8) | u64::from(*b));
    assert!(server_time.abs_diff(now()) < 5, "{server_time}");
    assert!(values(&fake, "new.example.com", RrType::A).is_empty());
}

#[test]
fn signed_queries_are_answered_signed() {
    let fake = fake();
    let mut q = Message::new(0x1234, MessageType::Query, OpCode::Query);
    q.add_query(Query::query(name("example.com."), RecordType::SOA));
    let answer = send_signed(&fake, q, &demo_key());
    assert_eq!(answer.metadata.response_code, ResponseCode::NoError);
    assert!(answer.metadata.authoritative);
    assert!(answer
        .answers
        .iter()
        .any(|r| r.record_type() == RecordType::SOA));
    // A record set, and a name that does not exist, with another key and algorithm.
    let key = Key {
        name: SHA512_KEY,
        algorithm: TsigAlgorithm::HmacSha512,
        secret: b64(SHA512_SECRET),
    };
    let mut q = Message::new(0x1234, MessageType::Query, OpCode::Query);
    q.add_query(Query::query(name("two.example.com."), RecordType::A));
    let answer = send_signed(&fake, q, &key);
    assert_eq!(answer.answers.len(), 2);
    let mut q = Message::new(0x1234, MessageType::Query, OpCode::Query);
    q.add_query(Query::query(name("nowhere.example.com."), RecordType::TXT));
    let answer = send_signed(&fake, q, &demo_key());
    assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);
    // Logged as API reads; unsigned queries stay DNS queries, answered unsigned.
    assert_eq!(fake.requests().len(), 3);
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.vendor == "rfc2136" && !r.write));
    let mut q = Message::new(0x1234, MessageType::Query, OpCode::Query);
    q.add_query(Query::query(name("mail.example.com."), RecordType::A));
    let answer = Message::from_vec(&udp(fake.dns_addr(), &q.to_vec().unwrap())).unwrap();
    assert!(tsig_of(&answer).is_none());
    assert_eq!(answer.answers.len(), 1);
    assert_eq!(fake.requests().len(), 3);
    assert_eq!(fake.dns_queries().len(), 1);
}

#[test]
fn a_signed_zone_transfer_signs_every_message() {
    let mut opts = FakeOptions::example();
    for i in 0..450 {
        opts = opts.record(
            "example.com",
            &format!("h{i}.example.com"),
            RrType::A,
            "192.0.2.1",
        );
    }
    let fake = FakeRegistrar::spawn(opts).unwrap();
    let key = demo_key();
    let mut q = Message::new(0x1234, MessageType::Query, OpCode::Query);
    q.add_query(Query::query(name("example.com."), RecordType::AXFR));
    let (bytes, mac) = sign(&mut q, &key, now());
    // SOA + apex (2 NS, MX, TXT) + mail A + 450 + SOA = 457 records: 3 messages of 200.
    let answers = tcp(fake.dns_addr(), &bytes, 3);
    let mut prev = mac;
    let mut records = Vec::new();
    for (i, raw) in answers.iter().enumerate() {
        prev = check_signed(raw, &prev, &key, i == 0);
        let m = Message::from_vec(raw).unwrap();
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        records.extend(m.answers);
    }
    assert_eq!(records.len(), 457);
    assert_eq!(records[0].record_type(), RecordType::SOA);
    assert_eq!(records[456].record_type(), RecordType::SOA);
    assert_eq!(fake.requests()[0].method, "AXFR");
}

#[test]
fn a_txt_update_lands_as_sent() {
    let fake = fake();
    let txt = Record::from_rdata(
        name("_dmarc.example.com."),
        3600,
        RData::TXT(TXT::new(vec!["v=DMARC1; p=none".into()])),
    );
    assert_eq!(update(&fake, vec![], vec![txt]), ResponseCode::NoError);
    assert_eq!(fake.store().txt("_dmarc.example.com"), ["v=DMARC1; p=none"]);
    assert_eq!(fake.write_count(), 1);
}

#[test]
fn a_malformed_update_is_formerr_and_the_server_goes_on() {
    let fake = fake();
    let m = update_msg(
        "example.com.",
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.1")],
    );
    let mut bytes = m.to_vec().unwrap();
    // Cut in the middle of the update record.
    bytes.truncate(bytes.len() - 3);
    let answer = Message::from_vec(&udp(fake.dns_addr(), &bytes)).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::FormErr);
    // A TSIG that is not the last additional record.
    let mut m = update_msg(
        "example.com.",
        vec![],
        vec![a("new.example.com.", 300, "192.0.2.1")],
    );
    let (_, _) = sign(&mut m, &demo_key(), now());
    let tsig = m.signature.take().unwrap();
    m.add_additional(Record::from_rdata(
        tsig.name.clone(),
        0,
        RData::TSIG(tsig.data.clone()),
    ));
    m.add_additional(a("glue.example.com.", 0, "192.0.2.3"));
    let answer = Message::from_vec(&udp(fake.dns_addr(), &m.to_vec().unwrap())).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::FormErr);
    assert!(values(&fake, "new.example.com", RrType::A).is_empty());
    assert_eq!(
        update(&fake, vec![], vec![a("new.example.com.", 300, "192.0.2.1")]),
        ResponseCode::NoError
    );
}

//! The Alidns emulator against providers-api.md §1.11. Requests are signed by hand here: the
//! §4 vectors are replayed byte for byte against a server whose clock is set to their date,
//! and a small signer written for these tests (not the emulator's, not the client's) makes
//! the live calls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hickory_proto::rr::{RData, RecordType};
use hmac::{Hmac, Mac};
use mxddns_fakereg::{
    AliyunAccess, AliyunKey, FakeOptions, FakeRegistrar, HttpFault, HttpMatch, RrType,
    DEMO_ALIYUN_KEY_ID, DEMO_ALIYUN_KEY_SECRET,
};
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::common::{answers, dns, request, Resp};

/// 2016-03-24T16:41:54Z, the timestamp of vectors 4.1 B, D and E.
const VECTOR_V1_TIME: i64 = 1_458_837_714;
/// 2023-10-26T10:22:32Z, the `x-acs-date` of vectors 4.2 F, G and H.
const VECTOR_V3_TIME: i64 = 1_698_315_752;
const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Vector 4.1 D's canonical query (UpdateDomainRecord, RecordId 9999985, key `testid`).
const D_QUERY: &str = "AccessKeyId=testid&Action=UpdateDomainRecord&Format=JSON&RR=www&RecordId=9999985&SignatureMethod=HMAC-SHA1&SignatureNonce=f59ed6a9-83fc-473b-9cc6-99c95df3856e&SignatureVersion=1.0&TTL=600&Timestamp=2016-03-24T16%3A41%3A54Z&Type=A&Value=192.0.2.1&Version=2015-01-09";
const D_STS: &str = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DUpdateDomainRecord%26Format%3DJSON%26RR%3Dwww%26RecordId%3D9999985%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Df59ed6a9-83fc-473b-9cc6-99c95df3856e%26SignatureVersion%3D1.0%26TTL%3D600%26Timestamp%3D2016-03-24T16%253A41%253A54Z%26Type%3DA%26Value%3D192.0.2.1%26Version%3D2015-01-09";

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A fake registrar whose Alidns clock reads `at` (seconds since the epoch) now.
fn fake_at(at: i64, opts: FakeOptions) -> FakeRegistrar {
    FakeRegistrar::spawn(opts.aliyun_clock_offset(at - now_secs())).unwrap()
}

/// RFC 3986 with uppercase hex, for these tests.
fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sorted_query(params: &[(String, String)]) -> String {
    let mut enc: Vec<(String, String)> = params.iter().map(|(k, v)| (pct(k), pct(v))).collect();
    enc.sort();
    enc.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn utc(t: SystemTime) -> String {
    mxddns_fakereg::clock::rfc3339_secs(t)
}

fn nonce() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos}-{}", N.fetch_add(1, Ordering::SeqCst))
}

/// How a live call is signed and sent.
#[derive(Clone, Copy, Debug)]
enum Sig {
    V1Get,
    V1Post,
    V3Query,
    V3Form,
}

/// A hand-rolled Alidns client for one AccessKey.
struct Ali {
    endpoint: String,
    id: String,
    secret: String,
}

impl Ali {
    fn new(reg: &FakeRegistrar, id: &str, secret: &str) -> Self {
        Ali {
            endpoint: reg.aliyun_endpoint(),
            id: id.into(),
            secret: secret.into(),
        }
    }

    fn demo(reg: &FakeRegistrar) -> Self {
        Self::new(reg, DEMO_ALIYUN_KEY_ID, DEMO_ALIYUN_KEY_SECRET)
    }

    fn call(&self, action: &str, params: &[(&str, &str)]) -> Resp {
        self.call_as(Sig::V1Get, action, params)
    }

    fn call_as(&self, sig: Sig, action: &str, params: &[(&str, &str)]) -> Resp {
        let own: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match sig {
            Sig::V1Get | Sig::V1Post => {
                let method = if matches!(sig, Sig::V1Get) {
                    "GET"
                } else {
                    "POST"
                };
                let mut all = own;
                for (k, v) in [
                    ("Action", action.to_string()),
                    ("Format", "JSON".into()),
                    ("Version", "2015-01-09".into()),
                    ("AccessKeyId", self.id.clone()),
                    ("SignatureMethod", "HMAC-SHA1".into()),
                    ("SignatureVersion", "1.0".into()),
                    ("SignatureNonce", nonce()),
                    ("Timestamp", utc(SystemTime::now())),
                ] {
                    all.push((k.to_string(), v));
                }
                let q = sorted_query(&all);
                let sts = format!("{method}&%2F&{}", pct(&q));
                let mut mac =
                    Hmac::<Sha1>::new_from_slice(format!("{}&", self.secret).as_bytes()).unwrap();
                mac.update(sts.as_bytes());
                let sig =
                    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
                let signed = format!("{q}&Signature={}", pct(&sig));
                if method == "GET" {
                    request(&format!("{}/?{signed}", self.endpoint), "GET", &[], None)
                } else {
                    request(
                        &format!("{}/", self.endpoint),
                        "POST",
                        &[("Content-Type", "application/x-www-form-urlencoded")],
                        Some(&signed),
                    )
                }
            }
            Sig::V3Query | Sig::V3Form => {
                let form = matches!(sig, Sig::V3Form);
                let host = self.endpoint.trim_start_matches("http://").to_string();
                let (query, body) = if form {
                    (String::new(), sorted_query(&own))
                } else {
                    (sorted_query(&own), String::new())
                };
                let sha = hex::encode(Sha256::digest(body.as_bytes()));
                let mut headers: Vec<(String, String)> = vec![
                    ("host".into(), host),
                    ("x-acs-action".into(), action.into()),
                    ("x-acs-version".into(), "2015-01-09".into()),
                    ("x-acs-date".into(), utc(SystemTime::now())),
                    ("x-acs-signature-nonce".into(), nonce()),
                    ("x-acs-content-sha256".into(), sha.clone()),
                ];
                if form {
                    headers.push((
                        "content-type".into(),
                        "application/x-www-form-urlencoded".into(),
                    ));
                }
                headers.sort();
                let canon: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
                let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
                let cr = format!("POST\n/\n{query}\n{canon}\n{}\n{sha}", names.join(";"));
                let sts = format!(
                    "ACS3-HMAC-SHA256\n{}",
                    hex::encode(Sha256::digest(cr.as_bytes()))
                );
                let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()).unwrap();
                mac.update(sts.as_bytes());
                let auth = format!(
                    "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
                    self.id,
                    names.join(";"),
                    hex::encode(mac.finalize().into_bytes())
                );
                headers.push(("Authorization".into(), auth));
                let h: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let url = if query.is_empty() {
                    format!("{}/", self.endpoint)
                } else {
                    format!("{}/?{query}", self.endpoint)
                };
                request(&url, "POST", &h, form.then_some(body.as_str()))
            }
        }
    }
}

/// Asserts the error body's shape and returns (status, Code, Message).
fn error(r: &Resp) -> (u16, String, String) {
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=UTF-8"),
        "{r:?}"
    );
    let j = r.json();
    let rid = j["RequestId"].as_str().unwrap();
    assert_eq!(rid.len(), 36, "{rid}");
    assert!(!rid.bytes().any(|b| b.is_ascii_lowercase()), "{rid}");
    assert_eq!(r.header("x-acs-request-id"), Some(rid));
    assert_eq!(j["HostId"], "alidns.aliyuncs.com");
    let code = j["Code"].as_str().unwrap().to_string();
    assert_eq!(
        j["Recommend"],
        format!("https://api.aliyun.com/troubleshoot?q={code}&product=Alidns&requestId={rid}")
    );
    assert_eq!(j.as_object().unwrap().len(), 5, "{}", r.body);
    (r.status, code, j["Message"].as_str().unwrap().to_string())
}

fn code(r: &Resp) -> (u16, String) {
    let (s, c, _) = error(r);
    (s, c)
}

fn ok(r: &Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert!(j["RequestId"].is_string(), "{}", r.body);
    j
}

/// The scene: example.com (example()), example.com.cn with a deep name, other.test.
fn scene(opts: FakeOptions) -> FakeRegistrar {
    let opts = opts
        .record("example.com.cn", "mail.a.b", RrType::A, "198.51.100.7")
        .record(
            "example.com.cn",
            "@",
            RrType::MX,
            "10 mail.a.b.example.com.cn.",
        )
        .zone("other.test");
    FakeRegistrar::spawn(opts).unwrap()
}

fn records(j: &Value) -> Vec<Value> {
    j["DomainRecords"]["Record"].as_array().unwrap().clone()
}

#[test]
fn v1_vectors_pass_the_signature_check_and_nonces_are_single_use() {
    let reg = fake_at(
        VECTOR_V1_TIME,
        FakeOptions::example().aliyun_key("testid", "testsecret", &[]),
    );
    let base = reg.aliyun_endpoint();
    // 4.1 D, GET: the signature holds, so the action runs: RecordId 9999985 is not ours.
    let get = format!("{base}/?{D_QUERY}&Signature=XCEBzAZU8hzzovNZHIu%2FlBix6Ps%3D");
    let r = request(&get, "GET", &[], None);
    let (status, c, msg) = error(&r);
    assert_eq!((status, c.as_str()), (400, "DomainRecordNotBelongToUser"));
    assert_eq!(msg, "The DNS record does not exist in your account");
    // The Date header shows the server's (vector-time) clock.
    let date = httpdate::parse_http_date(r.header("date").unwrap()).unwrap();
    let shown = date.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((shown - VECTOR_V1_TIME).abs() < 600, "{shown}");

    // The same request again: its nonce was used.
    let again = request(&get, "GET", &[], None);
    let (status, c, msg) = error(&again);
    assert_eq!((status, c.as_str()), (400, "SignatureNonceUsed"));
    assert_eq!(msg, "Specified signature nonce was used already.");

    // 4.1 D, POST form body: its own signature; checked before the (reused) nonce.
    let body = format!("{D_QUERY}&Signature=mO0zfrBSWDC2Oy2ujP516utp30M%3D");
    let post = request(
        &format!("{base}/"),
        "POST",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(&body),
    );
    assert_eq!(code(&post), (400, "SignatureNonceUsed".into()));
    // The GET signature on a POST does not hold: the method is signed.
    let body = format!("{D_QUERY}&Signature=XCEBzAZU8hzzovNZHIu%2FlBix6Ps%3D");
    let wrong = request(
        &format!("{base}/"),
        "POST",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(&body),
    );
    let (_, c, msg) = error(&wrong);
    assert_eq!(c, "SignatureDoesNotMatch");
    assert!(msg.ends_with(&format!("POST{}", &D_STS[3..])), "{msg}");
}

#[test]
fn v1_vector_e_adds_an_escaped_txt_value() {
    let reg = fake_at(
        VECTOR_V1_TIME,
        FakeOptions::example().aliyun_key("testid", "testsecret", &[]),
    );
    // 4.1 E: space, `*`, `~`, `/`, `:` and é in the value.
    let e = "AccessKeyId=testid&Action=AddDomainRecord&DomainName=example.com&Format=JSON&RR=_acme-challenge&SignatureMethod=HMAC-SHA1&SignatureNonce=f59ed6a9-83fc-473b-9cc6-99c95df3856e&SignatureVersion=1.0&Timestamp=2016-03-24T16%3A41%3A54Z&Type=TXT&Value=v%3Dspf1%20a%3Ab%2Fc%20%2A~%C3%A9&Version=2015-01-09";
    let url = format!(
        "{}/?{e}&Signature={}",
        reg.aliyun_endpoint(),
        pct("jxntt8Ako9xy4Jez+fB9roIGDIo=")
    );
    let id = ok(&request(&url, "GET", &[], None))["RecordId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert_eq!(
        reg.store().txt("_acme-challenge.example.com"),
        vec!["v=spf1 a:b/c *~é"]
    );
}

#[test]
fn wrong_secret_quotes_the_server_string_to_sign() {
    let reg = fake_at(
        VECTOR_V1_TIME,
        FakeOptions::example().aliyun_key("testid", "not-the-vector-secret", &[]),
    );
    let get = format!(
        "{}/?{D_QUERY}&Signature=XCEBzAZU8hzzovNZHIu%2FlBix6Ps%3D",
        reg.aliyun_endpoint()
    );
    let (status, c, msg) = error(&request(&get, "GET", &[], None));
    assert_eq!((status, c.as_str()), (400, "SignatureDoesNotMatch"));
    assert_eq!(
        msg,
        format!("Specified signature is not matched with our calculation. server string to sign is:{D_STS}")
    );
    assert_eq!(reg.write_count(), 0);
}

#[test]
fn v3_vectors_pass_the_signature_check() {
    let reg = fake_at(
        VECTOR_V3_TIME,
        FakeOptions::example().aliyun_key("YourAccessKeyId", "YourAccessKeySecret", &[]),
    );
    let base = reg.aliyun_endpoint();
    let common = [
        ("Host", "alidns.aliyuncs.com"),
        ("x-acs-action", "UpdateDomainRecord"),
        ("x-acs-version", "2015-01-09"),
        ("x-acs-date", "2023-10-26T10:22:32Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
    ];
    // 4.2 G: parameters in the query, empty body.
    let mut h = common.to_vec();
    h.push(("x-acs-content-sha256", EMPTY_SHA));
    let auth_g = "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=8522e8d30e1bcae0c9815c90d713d56acf2b885dc47f14802894b23cfa270370";
    h.push(("Authorization", auth_g));
    let r = request(
        &format!("{base}/?RR=www&RecordId=9999985&TTL=600&Type=A&Value=192.0.2.1"),
        "POST",
        &h,
        None,
    );
    assert_eq!(code(&r), (400, "DomainRecordNotBelongToUser".into()));

    // 4.2 H: parameters in a form body (same nonce: accepted signature, then the nonce).
    let body = "RR=www&RecordId=9999985&TTL=600&Type=A&Value=192.0.2.1";
    let mut h = common.to_vec();
    h.push((
        "x-acs-content-sha256",
        "0217d3b9ebb0db2c3e3d1cc6282eb90f879a9da44b6d427905ba59150a05c779",
    ));
    h.push(("Content-Type", "application/x-www-form-urlencoded"));
    h.push(("Authorization", "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=f480d43c69e8c80d8c456d1a1c9632d530b177d77975fe35a8e0e87c137db4d3"));
    let r = request(&format!("{base}/"), "POST", &h, Some(body));
    assert_eq!(code(&r), (400, "SignatureNonceUsed".into()));

    // G's signature over a changed value: the server's V3 string-to-sign is quoted.
    let mut h = common.to_vec();
    h.push(("x-acs-content-sha256", EMPTY_SHA));
    h.push(("Authorization", auth_g));
    let r = request(
        &format!("{base}/?RR=www&RecordId=9999985&TTL=600&Type=A&Value=192.0.2.2"),
        "POST",
        &h,
        None,
    );
    let (_, c, msg) = error(&r);
    assert_eq!(c, "SignatureDoesNotMatch");
    assert!(
        msg.contains("server string to sign is:ACS3-HMAC-SHA256\n"),
        "{msg}"
    );

    // An x-acs-* header left out of SignedHeaders.
    let mut h = common.to_vec();
    h.push(("x-acs-content-sha256", EMPTY_SHA));
    h.push(("Authorization", "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=00"));
    let r = request(&format!("{base}/?RecordId=1"), "POST", &h, None);
    let (_, c, msg) = error(&r);
    assert_eq!(c, "IncompleteSignature");
    assert!(msg.contains("x-acs-content-sha256"), "{msg}");
}

#[test]
fn stale_timestamps_and_unknown_keys_are_refused() {
    // Real clock: the 2016 vector is years old.
    let reg = scene(FakeOptions::example().aliyun_key("testid", "testsecret", &[]));
    let get = format!(
        "{}/?{D_QUERY}&Signature=XCEBzAZU8hzzovNZHIu%2FlBix6Ps%3D",
        reg.aliyun_endpoint()
    );
    let (status, c, msg) = error(&request(&get, "GET", &[], None));
    assert_eq!((status, c.as_str()), (400, "InvalidTimeStamp.Expired"));
    assert_eq!(msg, "Specified time stamp or date value is expired.");

    let stranger = Ali::new(&reg, "LTAI5tUnknownKey00000000", "whatever");
    for sig in [Sig::V1Get, Sig::V3Form] {
        let (status, c, msg) = error(&stranger.call_as(
            sig,
            "DescribeDomainRecords",
            &[("DomainName", "example.com")],
        ));
        assert_eq!((status, c.as_str()), (404, "InvalidAccessKeyId.NotFound"));
        assert_eq!(msg, "Specified access key is not found.");
    }

    // A server clock 20 minutes ahead refuses a fresh request, V1 and V3 alike; 10 is fine.
    let ahead = scene(FakeOptions::example().aliyun_clock_offset(20 * 60));
    for sig in [Sig::V1Get, Sig::V3Query] {
        let r = Ali::demo(&ahead).call_as(
            sig,
            "DescribeDomainRecords",
            &[("DomainName", "example.com")],
        );
        assert_eq!(code(&r), (400, "InvalidTimeStamp.Expired".into()));
        let date = httpdate::parse_http_date(r.header("date").unwrap()).unwrap();
        let shown = date.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!(shown - now_secs() > 19 * 60, "Date shows the server clock");
    }
    let near = scene(FakeOptions::example().aliyun_clock_offset(-10 * 60));
    ok(&Ali::demo(&near).call("DescribeDomainRecords", &[("DomainName", "example.com")]));
}

#[test]
fn describe_domain_records_shape_filters_and_pages() {
    let reg = scene(FakeOptions::example());
    let ali = Ali::demo(&reg);
    let j = ok(&ali.call("DescribeDomainRecords", &[("DomainName", "example.com")]));
    assert_eq!(j["TotalCount"], 3, "SOA and apex NS are not shown: {j}");
    assert_eq!(
        (j["PageNumber"].clone(), j["PageSize"].clone()),
        (1.into(), 20.into())
    );
    let recs = records(&j);
    // Newest first: TXT, A, MX as seeded in that order reversed.
    let types: Vec<&str> = recs.iter().map(|r| r["Type"].as_str().unwrap()).collect();
    assert_eq!(types, ["TXT", "A", "MX"]);
    let a = &recs[1];
    let stored = &reg
        .store()
        .list("example.com", Some("mail.example.com"), None)[0];
    assert_eq!(a["RecordId"], stored.decimal_id(), "a decimal string");
    assert!(a["RecordId"].is_string());
    assert_eq!(a["RR"], "mail");
    assert_eq!(a["Value"], "203.0.113.10");
    assert_eq!(a["TTL"], 300);
    assert_eq!(a["DomainName"], "example.com");
    assert_eq!(
        (a["Line"].as_str(), a["Status"].as_str()),
        (Some("default"), Some("ENABLE"))
    );
    assert_eq!(
        (a["Locked"].clone(), a["Weight"].clone()),
        (false.into(), 1.into())
    );
    assert!(a.get("Priority").is_none());
    assert_eq!(recs[0]["RR"], "@");
    assert_eq!(
        recs[0]["Value"], "v=spf1 ip4:203.0.113.10 -all",
        "TXT is plain text"
    );
    assert_eq!(
        (recs[2]["Value"].as_str(), recs[2]["Priority"].as_u64()),
        (Some("mail.example.com"), Some(10))
    );

    // Filters.
    let only = |p: &[(&str, &str)]| -> Vec<String> {
        let mut all = vec![("DomainName", "example.com")];
        all.extend_from_slice(p);
        records(&ok(&ali.call("DescribeDomainRecords", &all)))
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["RR"].as_str().unwrap(),
                    r["Type"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(only(&[("RRKeyWord", "MAI")]), ["mail A"], "fuzzy, any case");
    assert_eq!(only(&[("TypeKeyWord", "MX")]), ["@ MX"]);
    assert_eq!(only(&[("ValueKeyWord", "spf1")]), ["@ TXT"]);
    assert_eq!(only(&[("KeyWord", "203.0.113")]), ["@ TXT", "mail A"]);
    assert_eq!(
        only(&[("KeyWord", "mai"), ("SearchMode", "EXACT")]),
        Vec::<String>::new()
    );
    assert_eq!(
        only(&[("KeyWord", "mail"), ("SearchMode", "EXACT")]),
        ["mail A"]
    );
    assert_eq!(
        only(&[("KeyWord", "mail"), ("SearchMode", "LIKE"), ("Type", "A")]),
        ["mail A", "@ MX"],
        "LIKE ignores Type"
    );
    assert_eq!(
        only(&[
            ("KeyWord", "zzz"),
            ("SearchMode", "ADVANCED"),
            ("Type", "A")
        ]),
        ["mail A"],
        "ADVANCED ignores KeyWord"
    );
    assert_eq!(only(&[("Direction", "ASC")]), ["@ MX", "mail A", "@ TXT"]);
    assert_eq!(
        only(&[("OrderBy", "RR"), ("Direction", "ASC")]),
        ["@ MX", "@ TXT", "mail A"]
    );
    assert!(only(&[("RRKeyWord", "nothing")]).is_empty());

    // Pages.
    let page = |n: &str, size: &str| {
        ali.call(
            "DescribeDomainRecords",
            &[
                ("DomainName", "example.com"),
                ("PageNumber", n),
                ("PageSize", size),
            ],
        )
    };
    let p2 = ok(&page("2", "2"));
    assert_eq!(
        (
            p2["TotalCount"].as_u64(),
            p2["PageNumber"].as_u64(),
            p2["PageSize"].as_u64()
        ),
        (Some(3), Some(2), Some(2))
    );
    assert_eq!(records(&p2).len(), 1);
    assert!(records(&ok(&page("5", "2"))).is_empty());
    assert_eq!(code(&page("1", "501")), (400, "InvalidParameter".into()));
    assert_eq!(code(&page("0", "1")), (400, "InvalidParameter".into()));

    // Missing DomainName.
    let (s, c, msg) = error(&ali.call("DescribeDomainRecords", &[]));
    assert_eq!(
        (s, c.as_str(), msg.as_str()),
        (
            400,
            "MissingDomainName",
            "DomainName is mandatory for this action."
        )
    );
}

#[test]
fn describe_sub_domain_records_splits_zone_and_rr() {
    let reg = scene(FakeOptions::example().zone("sub.example.com").record(
        "sub.example.com",
        "x",
        RrType::A,
        "192.0.2.77",
    ));
    let ali = Ali::demo(&reg);
    let sub = |p: &[(&str, &str)]| ok(&ali.call("DescribeSubDomainRecords", p));
    let j = sub(&[("SubDomain", "mail.example.com"), ("Type", "A")]);
    assert_eq!(j["TotalCount"], 1);
    assert_eq!(records(&j)[0]["RR"], "mail");
    assert_eq!(
        sub(&[("SubDomain", "mail.example.com"), ("Type", "AAAA")])["TotalCount"],
        0
    );
    assert_eq!(
        sub(&[("SubDomain", "example.com")])["TotalCount"],
        2,
        "apex MX and TXT"
    );
    // Exact, not fuzzy.
    assert_eq!(sub(&[("SubDomain", "mai.example.com")])["TotalCount"], 0);
    // The deep name in a two-label-suffix zone, with and without DomainName.
    for p in [
        vec![("SubDomain", "mail.a.b.example.com.cn")],
        vec![
            ("SubDomain", "mail.a.b.example.com.cn"),
            ("DomainName", "example.com.cn"),
        ],
    ] {
        let r = records(&sub(&p));
        assert_eq!(r.len(), 1, "{p:?}");
        assert_eq!(
            (r[0]["RR"].as_str(), r[0]["DomainName"].as_str()),
            (Some("mail.a.b"), Some("example.com.cn"))
        );
    }
    // A sub-zone is found only when DomainName names it.
    let r = records(&sub(&[
        ("SubDomain", "x.sub.example.com"),
        ("DomainName", "sub.example.com"),
    ]));
    assert_eq!(
        (r[0]["RR"].as_str(), r[0]["Value"].as_str()),
        (Some("x"), Some("192.0.2.77"))
    );
    assert_eq!(sub(&[("SubDomain", "x.sub.example.com")])["TotalCount"], 0);
    // PageSize over 100 is taken as 100.
    assert_eq!(
        sub(&[("SubDomain", "example.com"), ("PageSize", "500")])["PageSize"],
        100
    );
    assert_eq!(
        code(&ali.call("DescribeSubDomainRecords", &[])),
        (400, "MissingSubDomain".into())
    );
    assert_eq!(
        code(&ali.call(
            "DescribeSubDomainRecords",
            &[("SubDomain", "www.nosuch.test")]
        )),
        (400, "InvalidDomainName.NoExist".into())
    );
}

#[test]
fn add_update_delete_with_their_rules() {
    let reg = scene(FakeOptions::example());
    for sig in [Sig::V1Get, Sig::V1Post, Sig::V3Query, Sig::V3Form] {
        let ali = Ali::demo(&reg);
        let call = |action: &str, p: &[(&str, &str)]| ali.call_as(sig, action, p);
        let rr = format!("{sig:?}").to_lowercase();
        // Add: TTL 600 by default; the RR is kept lowercase; TXT plain text.
        let value = "google-site-verification=abc 123 ~*";
        let add = [
            ("DomainName", "example.com"),
            ("RR", &rr.to_uppercase()),
            ("Type", "TXT"),
            ("Value", value),
        ];
        let id = ok(&call("AddDomainRecord", &add))["RecordId"]
            .as_str()
            .unwrap()
            .to_string();
        let fqdn = format!("{rr}.example.com");
        let stored = reg.store().list("example.com", Some(&fqdn), None);
        assert_eq!(
            (stored[0].decimal_id(), stored[0].ttl),
            (id.clone(), 600),
            "{sig:?}"
        );
        assert_eq!(
            answers(&dns(reg.dns_addr(), &format!("{fqdn}."), RecordType::TXT))[0].2,
            value
        );
        assert_eq!(
            code(&call("AddDomainRecord", &add)),
            (400, "DomainRecordDuplicate".into()),
            "{sig:?}"
        );

        // Update in place, same id; a no-op update is DomainRecordDuplicate.
        let upd = |v: &str, ttl: &str| {
            call(
                "UpdateDomainRecord",
                &[
                    ("RecordId", &id),
                    ("RR", &rr),
                    ("Type", "TXT"),
                    ("Value", v),
                    ("TTL", ttl),
                ],
            )
        };
        assert_eq!(ok(&upd("v2", "600"))["RecordId"], id.as_str());
        assert_eq!(reg.store().txt(&fqdn), vec!["v2"]);
        let (s, c, msg) = error(&upd("v2", "1200"));
        assert_eq!(
            (s, c.as_str(), msg.as_str()),
            (
                400,
                "DomainRecordDuplicate",
                "The DNS record already exists."
            )
        );
        let (s, c, msg) = error(&upd("v3", "300"));
        assert_eq!((s, c.as_str()), (400, "QuotaExceeded.TTL"));
        assert_eq!(
            msg,
            "The specified TTL is invalid. A valid TTL must be in the range of 600 to 86400."
        );
        assert_eq!(reg.store().txt(&fqdn), vec!["v2"], "nothing changed");

        // Delete; then the id is unknown.
        assert_eq!(
            ok(&call("DeleteDomainRecord", &[("RecordId", &id)]))["RecordId"],
            id.as_str()
        );
        assert!(reg.store().txt(&fqdn).is_empty());
        let (s, c, msg) = error(&call("DeleteDomainRecord", &[("RecordId", &id)]));
        assert_eq!(
            (s, c.as_str(), msg.as_str()),
            (
                400,
                "DomainRecordNotBelongToUser",
                "The DNS record does not exist in your account"
            )
        );
        assert_eq!(
            code(&upd("v4", "600")),
            (400, "DomainRecordNotBelongToUser".into())
        );
    }

    let ali = Ali::demo(&reg);
    let add = |p: &[(&str, &str)]| {
        let mut all = vec![("DomainName", "example.com")];
        all.extend_from_slice(p);
        ali.call("AddDomainRecord", &all)
    };
    // A CNAME cannot share its RR with the A record, nor an A with a CNAME.
    assert_eq!(
        code(&add(&[
            ("RR", "mail"),
            ("Type", "CNAME"),
            ("Value", "elsewhere.example.net")
        ])),
        (400, "DomainRecordConflict".into())
    );
    ok(&add(&[
        ("RR", "alias"),
        ("Type", "CNAME"),
        ("Value", "mail.example.com"),
    ]));
    assert_eq!(
        code(&add(&[
            ("RR", "alias"),
            ("Type", "A"),
            ("Value", "192.0.2.1")
        ])),
        (400, "DomainRecordConflict".into())
    );
    // Free edition: TTL below 600 refused on Add too.
    assert_eq!(
        code(&add(&[
            ("RR", "t"),
            ("Type", "A"),
            ("Value", "192.0.2.1"),
            ("TTL", "300")
        ])),
        (400, "QuotaExceeded.TTL".into())
    );
    // Bad values and RRs, missing parameters.
    assert_eq!(
        code(&add(&[
            ("RR", "t"),
            ("Type", "A"),
            ("Value", "2001:db8::1")
        ])),
        (400, "InvalidParameter".into())
    );
    assert_eq!(
        code(&add(&[
            ("RR", "bad name!"),
            ("Type", "A"),
            ("Value", "192.0.2.1")
        ])),
        (400, "SubDomainInvalid.Value".into())
    );
    assert_eq!(
        code(&add(&[("RR", "t"), ("Type", "A")])),
        (400, "MissingValue".into())
    );
    // Alidns offers no TLSA; an SRV value is `priority weight port target` with a real
    // target (no "."); an MX needs its Priority.
    for (rr, t, v) in [
        ("_25._tcp.mail", "TLSA", "3 1 1 0a0b"),
        ("_pop3s._tcp", "SRV", "0 0 0 ."),
        ("_imaps._tcp", "SRV", "1 993 mail.example.com"),
        ("@", "CAA", "0 issue"),
    ] {
        assert_eq!(
            code(&add(&[("RR", rr), ("Type", t), ("Value", v)])),
            (400, "InvalidParameter".into()),
            "{t} {v}"
        );
    }
    assert_eq!(
        code(&add(&[
            ("RR", "@"),
            ("Type", "MX"),
            ("Value", "mx.example.com")
        ])),
        (400, "MissingPriority".into())
    );
    assert_eq!(
        code(&add(&[
            ("RR", "t"),
            ("Type", "TXT"),
            ("Value", &"k".repeat(512))
        ])),
        (400, "InvalidParameter".into())
    );
    // MX with priority; the record shows it.
    let id = ok(&add(&[
        ("RR", "@"),
        ("Type", "MX"),
        ("Value", "backup.example.com"),
        ("Priority", "20"),
    ]))["RecordId"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = records(&ok(&ali.call(
        "DescribeSubDomainRecords",
        &[("SubDomain", "example.com"), ("Type", "MX")],
    )));
    let mx = listed
        .iter()
        .find(|r| r["RecordId"] == id.as_str())
        .unwrap();
    assert_eq!(
        (mx["Priority"].as_u64(), mx["Value"].as_str()),
        (Some(20), Some("backup.example.com"))
    );
    // A record another id holds already: updating this one to it is a duplicate.
    let a2 = ok(&add(&[
        ("RR", "mail"),
        ("Type", "A"),
        ("Value", "192.0.2.2"),
    ]))["RecordId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = ali.call(
        "UpdateDomainRecord",
        &[
            ("RecordId", &a2),
            ("RR", "mail"),
            ("Type", "A"),
            ("Value", "203.0.113.10"),
        ],
    );
    assert_eq!(code(&r), (400, "DomainRecordDuplicate".into()));
}

#[test]
fn enterprise_edition_takes_lower_ttls() {
    let reg = scene(FakeOptions::example().aliyun_min_ttl(60));
    let ali = Ali::demo(&reg);
    let id = reg
        .store()
        .list("example.com", Some("mail.example.com"), None)[0]
        .decimal_id();
    ok(&ali.call(
        "UpdateDomainRecord",
        &[
            ("RecordId", &id),
            ("RR", "mail"),
            ("Type", "A"),
            ("Value", "192.0.2.9"),
            ("TTL", "60"),
        ],
    ));
    assert_eq!(
        reg.store()
            .list("example.com", Some("mail.example.com"), None)[0]
            .ttl,
        60
    );
    let (_, c, msg) = error(&ali.call(
        "UpdateDomainRecord",
        &[
            ("RecordId", &id),
            ("RR", "mail"),
            ("Type", "A"),
            ("Value", "192.0.2.8"),
            ("TTL", "30"),
        ],
    ));
    assert_eq!(c, "QuotaExceeded.TTL");
    assert!(msg.contains("range of 60 to 86400"), "{msg}");
}

#[test]
fn accounts_hold_their_domains_and_ram_rights_are_checked() {
    let reg = scene(
        FakeOptions::example()
            .aliyun_key("LTAI5tOtherAccount000001", "other-secret", &["other.test"])
            .aliyun_access_key(
                AliyunKey::new("LTAI5tNoDnsRights0000001", "no-rights", &[])
                    .with_access(AliyunAccess::None),
            )
            .aliyun_access_key(
                AliyunKey::new("LTAI5tReadOnly0000000001", "read-only", &[])
                    .with_access(AliyunAccess::ReadOnly),
            ),
    );
    let other = Ali::new(&reg, "LTAI5tOtherAccount000001", "other-secret");
    ok(&other.call("DescribeDomainRecords", &[("DomainName", "other.test")]));
    let (s, c, msg) = error(&other.call("DescribeDomainRecords", &[("DomainName", "example.com")]));
    assert_eq!((s, c.as_str()), (400, "IncorrectDomainUser"));
    assert!(
        msg.starts_with("The domain name belongs to other users."),
        "{msg}"
    );
    let (s, c, msg) = error(&other.call("DescribeDomainRecords", &[("DomainName", "nosuch.test")]));
    assert_eq!(
        (s, c.as_str(), msg.as_str()),
        (
            400,
            "InvalidDomainName.NoExist",
            "The specified domain name does not exist. Refresh the page and try again."
        )
    );
    let id = reg
        .store()
        .list("example.com", Some("mail.example.com"), None)[0]
        .decimal_id();
    assert_eq!(
        code(&other.call("DeleteDomainRecord", &[("RecordId", &id)])),
        (400, "DomainRecordNotBelongToUser".into())
    );
    assert_eq!(
        code(&other.call(
            "AddDomainRecord",
            &[
                ("DomainName", "example.com"),
                ("RR", "x"),
                ("Type", "A"),
                ("Value", "192.0.2.1")
            ]
        )),
        (400, "IncorrectDomainUser".into())
    );

    let none = Ali::new(&reg, "LTAI5tNoDnsRights0000001", "no-rights");
    let (s, c, msg) = error(&none.call("DescribeDomainRecords", &[("DomainName", "example.com")]));
    assert_eq!((s, c.as_str()), (403, "Forbidden.RAM"));
    assert!(
        msg.starts_with("User not authorized to operate on the specified resource"),
        "{msg}"
    );

    let ro = Ali::new(&reg, "LTAI5tReadOnly0000000001", "read-only");
    ok(&ro.call(
        "DescribeSubDomainRecords",
        &[("SubDomain", "mail.example.com")],
    ));
    let r = ro.call(
        "UpdateDomainRecord",
        &[
            ("RecordId", &id),
            ("RR", "mail"),
            ("Type", "A"),
            ("Value", "192.0.2.1"),
        ],
    );
    assert_eq!(code(&r), (403, "Forbidden.RAM".into()));
    assert_eq!(
        reg.store().records("mail.example.com", RrType::A),
        vec!["203.0.113.10"]
    );
}

#[test]
fn gateway_errors_for_bad_requests() {
    let reg = scene(FakeOptions::example());
    let ali = Ali::demo(&reg);
    let (s, c, msg) = error(&ali.call("DescribeDomains", &[]));
    assert_eq!(
        (s, c.as_str(), msg.as_str()),
        (
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method."
        )
    );
    let base = reg.aliyun_endpoint();
    assert_eq!(
        code(&request(&format!("{base}/"), "PUT", &[], None)),
        (404, "InvalidAction.NotFound".into())
    );
    assert_eq!(
        code(&request(&format!("{base}/other"), "GET", &[], None)),
        (404, "InvalidAction.NotFound".into())
    );
    assert_eq!(
        code(&request(
            &format!("{base}/?Action=DescribeDomainRecords"),
            "GET",
            &[],
            None
        )),
        (400, "MissingVersion".into())
    );
    let q = format!("Action=DescribeDomainRecords&Version=2015-01-09&AccessKeyId={DEMO_ALIYUN_KEY_ID}&Format=XML&Timestamp=2016-03-24T16%3A41%3A54Z&SignatureNonce=1&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&Signature=x");
    let old = q
        .replace("Format=XML", "Format=JSON")
        .replace("2015-01-09", "2014-05-26");
    assert_eq!(
        code(&request(&format!("{base}/?{old}"), "GET", &[], None)),
        (400, "InvalidVersion".into())
    );
    let (_, c, msg) = error(&request(&format!("{base}/?{q}"), "GET", &[], None));
    assert_eq!(c, "InvalidParameter");
    assert!(msg.contains("JSON only"), "{msg}");
    let bad_time = q
        .replace("Format=XML", "Format=JSON")
        .replace("2016-03-24T16%3A41%3A54Z", "yesterday");
    assert_eq!(
        code(&request(&format!("{base}/?{bad_time}"), "GET", &[], None)),
        (400, "InvalidTimeStamp.Format".into())
    );
    let bad_method = q
        .replace("Format=XML", "Format=JSON")
        .replace("HMAC-SHA1", "HMAC-SHA256");
    assert_eq!(
        code(&request(&format!("{base}/?{bad_method}"), "GET", &[], None)),
        (400, "InvalidParameter".into())
    );
}

#[test]
fn throttling_faults_and_the_request_log() {
    let reg = scene(FakeOptions::example().aliyun_rate_limit(2, 3600));
    let ali = Ali::demo(&reg);
    let list = || {
        ali.call(
            "DescribeSubDomainRecords",
            &[("SubDomain", "mail.example.com")],
        )
    };
    ok(&list());
    ok(&list());
    let (s, c, msg) = error(&list());
    assert_eq!(
        (s, c.as_str(), msg.as_str()),
        (
            400,
            "Throttling.User",
            "Request was denied due to user flow control."
        )
    );
    // Another key has its own quota.
    let reg = scene(
        FakeOptions::example()
            .aliyun_key("LTAI5tSecondKey000000001", "second", &[])
            .aliyun_rate_limit(1, 3600),
    );
    let second = Ali::new(&reg, "LTAI5tSecondKey000000001", "second");
    ok(&second.call(
        "DescribeSubDomainRecords",
        &[("SubDomain", "mail.example.com")],
    ));
    assert_eq!(
        code(&second.call(
            "DescribeSubDomainRecords",
            &[("SubDomain", "mail.example.com")]
        )),
        (400, "Throttling.User".into())
    );
    ok(&Ali::demo(&reg).call(
        "DescribeSubDomainRecords",
        &[("SubDomain", "mail.example.com")],
    ));

    let reg = scene(FakeOptions::example());
    let ali = Ali::demo(&reg);
    // Fault rules name the listener `aliyun`.
    reg.faults().http(
        HttpMatch::any().vendor("aliyun"),
        HttpFault::RateLimited {
            retry_after_secs: 7,
        },
        1,
    );
    let r = ali.call(
        "DescribeSubDomainRecords",
        &[("SubDomain", "mail.example.com")],
    );
    assert_eq!(code(&r), (429, "Throttling.User".into()));
    assert_eq!(r.header("retry-after"), Some("7"));
    reg.faults().http(
        HttpMatch::any().vendor("aliyun").method("GET"),
        HttpFault::status(503, r#"{"Code":"ServiceUnavailable"}"#),
        1,
    );
    assert_eq!(
        ali.call(
            "DescribeSubDomainRecords",
            &[("SubDomain", "mail.example.com")]
        )
        .status,
        503
    );
    let id = reg
        .store()
        .list("example.com", Some("mail.example.com"), None)[0]
        .decimal_id();
    ok(&ali.call(
        "UpdateDomainRecord",
        &[
            ("RecordId", &id),
            ("RR", "mail"),
            ("Type", "A"),
            ("Value", "192.0.2.1"),
        ],
    ));
    ok(&ali.call_as(
        Sig::V3Form,
        "UpdateDomainRecord",
        &[
            ("RecordId", &id),
            ("RR", "mail"),
            ("Type", "A"),
            ("Value", "192.0.2.2"),
        ],
    ));
    let log = reg.requests();
    assert!(log.iter().all(|r| r.vendor == "aliyun" && r.path == "/"));
    let writes: Vec<bool> = log.iter().map(|r| r.write).collect();
    assert_eq!(
        writes,
        [false, false, true, true],
        "V1 query and V3 header actions are both seen"
    );
    assert_eq!(reg.write_count(), 2);
    assert_eq!(
        reg.store().records("mail.example.com", RrType::A),
        vec!["192.0.2.2"]
    );
}

#[test]
fn srv_and_caa_values_are_stored_listed_and_served() {
    let reg = scene(FakeOptions::example());
    let ali = Ali::demo(&reg);
    let add = |p: &[(&str, &str)]| {
        let mut all = vec![("DomainName", "example.com")];
        all.extend_from_slice(p);
        ali.call("AddDomainRecord", &all)
    };
    ok(&add(&[
        ("RR", "_imaps._tcp"),
        ("Type", "SRV"),
        ("Value", "0 1 993 mail.example.com"),
    ]));
    ok(&add(&[
        ("RR", "@"),
        ("Type", "CAA"),
        ("Value", "0 issue \"letsencrypt.org\""),
    ]));
    let dkim = format!("v=DKIM1; k=rsa; p={}", "A".repeat(400));
    ok(&add(&[
        ("RR", "mail._domainkey"),
        ("Type", "TXT"),
        ("Value", &dkim),
    ]));
    let listed = records(&ok(&ali.call(
        "DescribeDomainRecords",
        &[("DomainName", "example.com"), ("PageSize", "500")],
    )));
    let value = |t: &str| {
        listed
            .iter()
            .find(|r| r["Type"] == t)
            .map(|r| r["Value"].as_str().unwrap().to_string())
    };
    assert_eq!(value("SRV").as_deref(), Some("0 1 993 mail.example.com"));
    assert_eq!(value("CAA").as_deref(), Some("0 issue \"letsencrypt.org\""));
    assert!(listed.iter().any(|r| r["Value"] == dkim.as_str()));
    // Served as DNS records: the SRV fields, the CAA property, the key in 255-byte strings.
    let srv = dns(reg.dns_addr(), "_imaps._tcp.example.com.", RecordType::SRV);
    assert_eq!(answers(&srv)[0].2, "0 1 993 mail.example.com.");
    let caa = dns(reg.dns_addr(), "example.com.", RecordType::CAA);
    assert_eq!(caa.answers.len(), 1, "{caa:?}");
    assert_eq!(
        reg.store().txt("mail._domainkey.example.com").concat(),
        dkim
    );
    let RData::TXT(t) = &dns(
        reg.dns_addr(),
        "mail._domainkey.example.com.",
        RecordType::TXT,
    )
    .answers[0]
        .data
    else {
        panic!("no TXT")
    };
    assert_eq!(t.txt_data[0].len(), 255);
}

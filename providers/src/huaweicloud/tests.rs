//! Answer parsing, value forms and error advice, on the vendor's documented shapes.

use super::client::{parse_answer, CallError};
use super::types::{RecordSetsAnswer, ZonesAnswer};
use super::*;

fn vendor(status: u16, body: &str, call: &'static str, skew: Option<i64>) -> ProviderError {
    match parse_answer::<RecordSet>(call, status, body.as_bytes(), true, skew, None) {
        Err(CallError::Vendor(v)) => errors::vendor_error(&v),
        Err(CallError::Other(e)) => panic!("not a vendor error: {e}"),
        Ok(_) => panic!("an error"),
    }
}

#[test]
fn record_sets_become_records() {
    // ListRecordSetsByZone's documented answer shape.
    let body = r#"{"links":{"self":"https://Endpoint/v2/zones/2c9eb155587194ec01587224c9f90149/recordsets"},
      "recordsets":[
        {"id":"2c9eb155587228570158722b6ac30007","name":"example.com.","description":"","zone_id":"2c9eb155587194ec01587224c9f90149","zone_name":"example.com.","type":"MX","ttl":300,"records":["10 mail.example.com.","20 backup.example.net."],"status":"ACTIVE","default":false,"project_id":"e55c6f3dc4e34c9f86353b664ae0e70c","links":{"self":"x"}},
        {"id":"2c9eb155587228570158722b6ac30008","name":"example.com.","type":"TXT","ttl":300,"records":["\"v=spf1 ip4:203.0.113.10 \" \"-all\"","\"google-site-verification=abc\""],"status":"ACTIVE","default":false},
        {"id":"2c9eb155587228570158722b6ac30009","name":"example.com.","type":"NS","ttl":172800,"records":["ns1.huaweicloud-dns.com."],"status":"ACTIVE","default":true}],
      "metadata":{"total_count":3}}"#;
    let a: RecordSetsAnswer = parse_answer(
        "ListRecordSetsByZone",
        200,
        body.as_bytes(),
        false,
        None,
        None,
    )
    .map_err(|_| ())
    .unwrap();
    assert_eq!(a.metadata.total_count, Some(3));
    let recs: Vec<Record> = a
        .recordsets
        .iter()
        .flat_map(HuaweiCloud::records_of)
        .collect();
    assert_eq!(recs.len(), 4, "{recs:?}");
    assert_eq!(recs[0].id, "2c9eb155587228570158722b6ac30007");
    assert_eq!(recs[0].name, "example.com");
    assert_eq!(
        recs[1].data,
        RecordData::Mx {
            preference: 20,
            exchange: "backup.example.net".into()
        }
    );
    assert_eq!(
        recs[2].data.txt_joined().as_deref(),
        Some("v=spf1 ip4:203.0.113.10 -all")
    );
    assert_eq!(recs[3].ttl, 300);
}

#[test]
fn zones_answer() {
    let body = r#"{"links":{"self":"x"},"zones":[{"id":"2c9eb155587194ec01587224c9f90149","name":"example.com.","description":"","email":"hostmaster@example.com","ttl":300,"serial":1,"status":"ACTIVE","record_num":2,"pool_id":"p","project_id":"e5","zone_type":"public","created_at":"2016-11-17T11:56:03.439","updated_at":"2016-11-17T11:56:05.528","masters":[]}],"metadata":{"total_count":1}}"#;
    let a: ZonesAnswer = parse_answer("ListPublicZones", 200, body.as_bytes(), false, None, None)
        .map_err(|_| ())
        .unwrap();
    assert_eq!(a.zones[0].id, "2c9eb155587194ec01587224c9f90149");
    assert_eq!(a.zones[0].name, "example.com.");
}

#[test]
fn errors_become_advice() {
    // The API gateway's shape, with the clock an hour ahead.
    let e = vendor(
        401,
        r#"{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"9f6b2d1c5a3e4f7b8c0d1e2f3a4b5c6d"}"#,
        "CreateRecordSet",
        Some(3600),
    );
    assert_eq!(e.kind, ErrorKind::Auth);
    let text = e.to_string();
    assert!(text.contains("3600 s ahead of"), "{text}");
    assert!(text.contains("request_id 9f6b2d1c"), "{text}");
    // The same without a skew: the AK/SK advice.
    let e = vendor(
        401,
        r#"{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"x"}"#,
        "CreateRecordSet",
        Some(2),
    );
    assert!(e.to_string().contains("My Credentials"), "{e}");

    // The DNS service's shape.
    let e = vendor(
        403,
        r#"{"code":"DNS.0013","message":"You do not have the permission to perform this operation using the API."}"#,
        "UpdateRecordSet",
        None,
    );
    assert_eq!(e.kind, ErrorKind::Permission);
    let text = e.to_string();
    assert!(text.contains("dns:recordset:update"), "{text}");
    assert!(text.contains("DNS FullAccess"), "{text}");

    let e = vendor(
        404,
        r#"{"code":"DNS.0313","message":"The record set does not exist."}"#,
        "ShowRecordSet",
        None,
    );
    assert_eq!(e.kind, ErrorKind::RecordNotFound);
    let e = vendor(
        404,
        r#"{"code":"DNS.0302","message":"This zone does not exist."}"#,
        "ListRecordSetsByZone",
        None,
    );
    assert_eq!(e.kind, ErrorKind::ZoneNotFound);
    let e = vendor(
        429,
        r#"{"error_msg":"The throttling threshold has been reached","error_code":"APIGW.0308","request_id":"r"}"#,
        "UpdateRecordSet",
        None,
    );
    assert_eq!(e.kind, ErrorKind::RateLimited);
    let e = vendor(
        500,
        r#"{"code":"DNS.0001","message":"Internal error."}"#,
        "UpdateRecordSet",
        None,
    );
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(e.maybe_applied);

    for (status, junk) in [
        (200, &b"<html>"[..]),
        (400, b"{}"),
        (500, b"<html>502</html>"),
        (200, b""),
        (404, b"{\"code\":5}"),
    ] {
        assert!(matches!(
            parse_answer::<RecordSet>("UpdateRecordSet", status, junk, true, None, None),
            Err(CallError::Other(_))
        ));
    }
}

#[test]
fn values_both_ways() {
    for d in [
        RecordData::A("203.0.113.10".parse().unwrap()),
        RecordData::Aaaa("2001:db8::1".parse().unwrap()),
        RecordData::Cname("home.example.net".into()),
        RecordData::Mx {
            preference: 0,
            exchange: String::new(),
        },
        RecordData::Mx {
            preference: 10,
            exchange: "mail.example.com".into(),
        },
        RecordData::Srv {
            priority: 0,
            weight: 5,
            port: 587,
            target: "mail.example.com".into(),
        },
        RecordData::Caa {
            flags: 0,
            tag: "issue".into(),
            value: "letsencrypt.org".into(),
        },
        RecordData::Txt(vec!["v=spf1 -all".into()]),
        RecordData::Txt(vec!["say \"hi\" \\ ".into(), "two".into()]),
    ] {
        let v = types::to_value(&d).unwrap();
        assert_eq!(types::from_value(d.rtype(), &v), Some(d.clone()), "{v}");
    }
    // TXT goes out quoted, in strings of at most 255 bytes.
    let long = "k".repeat(300);
    let v = types::to_value(&RecordData::Txt(vec![long.clone()])).unwrap();
    assert_eq!(v, format!("\"{}\" \"{}\"", &long[..255], &long[255..]));
    assert_eq!(
        types::to_value(&RecordData::Txt(vec!["v=spf1 -all".into()])).unwrap(),
        "\"v=spf1 -all\""
    );
    assert!(types::to_value(&RecordData::Tlsa {
        usage: 3,
        selector: 1,
        matching_type: 1,
        data: "ab".into()
    })
    .is_err());
    assert_eq!(types::from_value(RecordType::Txt, "\"unterminated"), None);
}

#[test]
fn regions() {
    assert_eq!(
        endpoint_for("cn-south-1"),
        "https://dns.cn-south-1.myhuaweicloud.com"
    );
    assert!(valid_region("ap-southeast-1"));
    for bad in ["", "cn south", "CN-SOUTH-1", "-x", "a/b", "x.evil.com"] {
        assert!(!valid_region(bad), "{bad}");
    }
}

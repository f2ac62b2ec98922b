//! Answer parsing and error advice, on the vendor's documented shapes.

use super::client::{parse_answer, CallError};
use super::types::{RecordIdAnswer, RecordListAnswer};
use super::*;

#[test]
fn record_list_of_the_default_line_only() {
    let body = r#"{"Response":{"RecordCountInfo":{"SubdomainCount":2,"ListCount":3,"TotalCount":3},
      "RecordList":[
        {"RecordId":1001,"Value":"203.0.113.10","Status":"ENABLE","UpdatedOn":"2021-03-28 11:27:09","Name":"mail","Line":"默认","LineId":"0","Type":"A","Weight":null,"MonitorStatus":"","Remark":"","TTL":600,"MX":0,"DefaultNS":false},
        {"RecordId":1002,"Value":"198.51.100.1","Status":"ENABLE","UpdatedOn":"2021-03-28 11:27:09","Name":"mail","Line":"电信","LineId":"10=0","Type":"A","Weight":null,"MonitorStatus":"","Remark":"","TTL":600,"MX":0,"DefaultNS":false},
        {"RecordId":1003,"Value":"mail.example.com.","Status":"ENABLE","UpdatedOn":"2021-03-28 11:27:09","Name":"@","Line":"默认","LineId":"0","Type":"MX","Weight":null,"MonitorStatus":"","Remark":"","TTL":600,"MX":10,"DefaultNS":false}],
      "RequestId":"ab4f1426-ea15-42ea-8183-dc1b44151166"}}"#;
    let a: RecordListAnswer = parse_answer("DescribeRecordList", 200, body.as_bytes(), false, None)
        .map_err(|_| ())
        .unwrap();
    let recs: Vec<Record> = a
        .records
        .iter()
        .filter_map(|i| types::record(i, "example.com"))
        .collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].name, "mail.example.com");
    assert_eq!(recs[0].id, "1001");
    assert_eq!(
        recs[1].data,
        RecordData::Mx {
            preference: 10,
            exchange: "mail.example.com".into()
        }
    );
}

#[test]
fn errors_become_advice() {
    let body = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureExpire","Message":"签名过期。Timestamp 和服务器时间相差不得超过五分钟，请检查本地时间是否和标准时间同步。"},"RequestId":"6ee2ee3a-5a70-4d2d-9a5a-5ba5dba8e5d6"}}"#;
    let e = match parse_answer::<RecordIdAnswer>(
        "CreateRecord",
        200,
        body.as_bytes(),
        true,
        Some(3600),
    ) {
        Err(CallError::Vendor(v)) => errors::vendor_error(&v),
        _ => panic!("an error"),
    };
    assert_eq!(e.kind, ErrorKind::Auth);
    let text = e.to_string();
    assert!(text.contains("3600 s ahead of"), "{text}");
    assert!(text.contains("RequestId 6ee2ee3a"), "{text}");

    let body = r#"{"Response":{"Error":{"Code":"AuthFailure.UnauthorizedOperation","Message":"请求未授权。"},"RequestId":"x"}}"#;
    let e = match parse_answer::<RecordIdAnswer>("ModifyRecord", 200, body.as_bytes(), true, None) {
        Err(CallError::Vendor(v)) => errors::vendor_error(&v),
        _ => panic!("an error"),
    };
    assert_eq!(e.kind, ErrorKind::Permission);
    assert!(e.to_string().contains("dnspod:ModifyRecord"));

    for junk in [&b"<html>"[..], b"{}", b"{\"Response\":{\"Error\":{}}}", b""] {
        assert!(parse_answer::<RecordIdAnswer>("CreateRecord", 200, junk, true, None).is_err());
    }
}

#[test]
fn values_both_ways() {
    for d in [
        RecordData::A("203.0.113.10".parse().unwrap()),
        RecordData::Cname("home.example.net".into()),
        RecordData::Mx {
            preference: 0,
            exchange: String::new(),
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
    ] {
        let (v, mx) = types::to_value(&d).unwrap();
        assert_eq!(types::from_value(d.rtype(), &v, mx), Some(d.clone()), "{v}");
    }
    assert_eq!(
        types::from_value(RecordType::Txt, "\"v=spf1 \" \"-all\"", None),
        Some(RecordData::Txt(vec!["v=spf1 -all".into()]))
    );
}

//! Alidns wire types (JSON, `Format=JSON`), only the fields the provider reads.
//! Unknown fields are ignored: newer answers add some (providers-api.md §5, item 9).

use serde::{Deserialize, Deserializer};

/// `DescribeDomainRecords` / `DescribeSubDomainRecords` answer.
#[derive(Debug, Deserialize)]
pub struct RecordList {
    #[serde(rename = "TotalCount", default)]
    pub total_count: Option<u64>,
    #[serde(rename = "DomainRecords")]
    pub domain_records: DomainRecords,
}

#[derive(Debug, Deserialize)]
pub struct DomainRecords {
    #[serde(rename = "Record", default)]
    pub record: Vec<WireRecord>,
}

/// One record as Alidns shows it.
#[derive(Debug, Deserialize)]
pub struct WireRecord {
    /// A string of digits; a JSON number is accepted too, without losing digits.
    #[serde(rename = "RecordId", deserialize_with = "string_or_number")]
    pub record_id: String,
    /// Host label relative to the zone, `@` for the apex.
    #[serde(rename = "RR")]
    pub rr: String,
    #[serde(rename = "Type")]
    pub rtype: String,
    #[serde(rename = "Value")]
    pub value: String,
    #[serde(rename = "TTL")]
    pub ttl: u32,
    /// ISP line; `default` serves everyone.
    #[serde(rename = "Line", default)]
    pub line: Option<String>,
    /// MX only: the preference (SDK-GO `struct_record.go` `Priority`; left out when unset).
    #[serde(rename = "Priority", default)]
    pub priority: Option<u16>,
    /// `ENABLE` (recorded) or `Enable`/`Disable` (documented).
    #[serde(rename = "Status", default)]
    pub status: Option<String>,
}

/// `AddDomainRecord` / `UpdateDomainRecord` answer.
#[derive(Debug, Deserialize)]
pub struct RecordIdAnswer {
    #[serde(rename = "RecordId", deserialize_with = "string_or_number")]
    pub record_id: String,
}

/// Every error answer: `{"RequestId","HostId","Code","Message","Recommend"}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message", default)]
    pub message: Option<String>,
    #[serde(rename = "RequestId", default)]
    pub request_id: Option<String>,
    #[serde(rename = "Recommend", default)]
    pub recommend: Option<String>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliyun_parses_the_recorded_list_shape() {
        // Key order as recorded by LEX (providers-api.md §1.9 C).
        let body = r#"{"PageNumber":1,"TotalCount":1,"PageSize":20,"RequestId":"C4C07603-0000","DomainRecords":{"Record":[{"RR":"delete.testid","Status":"ENABLE","Value":"challengetoken","Weight":1,"RecordId":"17606201593194496","Type":"TXT","DomainName":"mean.space","Locked":false,"Line":"default","TTL":3600}]}}"#;
        let list: RecordList = serde_json::from_str(body).unwrap();
        assert_eq!(list.total_count, Some(1));
        let r = &list.domain_records.record[0];
        assert_eq!(r.record_id, "17606201593194496");
        assert_eq!((r.rr.as_str(), r.rtype.as_str()), ("delete.testid", "TXT"));
        assert_eq!((r.value.as_str(), r.ttl), ("challengetoken", 3600));
        assert_eq!(r.line.as_deref(), Some("default"));
        assert_eq!(r.status.as_deref(), Some("ENABLE"));
    }

    #[test]
    fn aliyun_record_id_may_be_a_number() {
        let a: RecordIdAnswer =
            serde_json::from_str(r#"{"RequestId":"X","RecordId":17606200807154688}"#).unwrap();
        assert_eq!(a.record_id, "17606200807154688");
    }

    #[test]
    fn aliyun_parses_an_error_without_recommend() {
        let e: ErrorBody = serde_json::from_str(r#"{"RequestId":"52617F98","HostId":"alidns.aliyuncs.com","Code":"InvalidDomainName.NoExist","Message":"The specified domain name does not exist. Refresh the page and try again."}"#).unwrap();
        assert_eq!(e.code, "InvalidDomainName.NoExist");
        assert_eq!(e.request_id.as_deref(), Some("52617F98"));
        assert!(e.recommend.is_none());
    }
}

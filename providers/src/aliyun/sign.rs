//! Alibaba Cloud request signing: RPC signature v1 (HMAC-SHA1) and V3
//! (`ACS3-HMAC-SHA256`), plus the per-request nonce and timestamp they need.
//!
//! Every function here is pure: nonce and timestamp are inputs, so that the unit tests
//! reproduce the vendor's worked examples byte for byte (providers-api.md §4.1, §4.2).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// The V3 algorithm name, first line of its string-to-sign and first word of the
/// `Authorization` header.
pub const ALGORITHM_V3: &str = "ACS3-HMAC-SHA256";

/// Alibaba's percent-encoding: RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`)
/// stay, every other UTF-8 byte becomes `%XX` with uppercase hex. So a space is `%20`
/// (never `+`), `*` is `%2A`, and `~` is kept.
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
    }
    out
}

/// Encode every name and value, sort by encoded name in byte order (then by value, so
/// that repeated names are deterministic), and join as `k=v&k=v`. Empty values are kept.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    let mut out = String::new();
    for (i, (k, v)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The result of signing one RPC v1 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Signature {
    /// `k=v&…` of every parameter but `Signature`, encoded and sorted.
    pub canonical_query: String,
    /// `METHOD&%2F&<canonical query encoded again>`.
    pub string_to_sign: String,
    /// Base64 of HMAC-SHA1 with key `secret + "&"`.
    pub signature: String,
}

impl V1Signature {
    /// The whole query string to send after `?`: the canonical query plus the encoded
    /// `Signature` (each value is encoded exactly once on the wire).
    pub fn query(&self) -> String {
        format!(
            "{}&Signature={}",
            self.canonical_query,
            percent_encode(&self.signature)
        )
    }
}

/// Sign an RPC request with signature v1. `params` are all the parameters sent
/// (common and action-specific), without `Signature`; `method` is the HTTP method used.
pub fn sign_v1(method: &str, params: &[(String, String)], secret: &str) -> V1Signature {
    let canonical = canonical_query(params);
    let string_to_sign = format!(
        "{}&{}&{}",
        method,
        percent_encode("/"),
        percent_encode(&canonical)
    );
    let mut key = String::with_capacity(secret.len() + 1);
    key.push_str(secret);
    key.push('&');
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    V1Signature {
        canonical_query: canonical,
        string_to_sign,
        signature,
    }
}

/// The common parameters of an Alidns v1 request (everything but `Signature` and the
/// action's own parameters), in the order the vendor documents them.
pub fn v1_common_params(
    action: &str,
    version: &str,
    access_key_id: &str,
    nonce: &str,
    timestamp: &str,
) -> Vec<(String, String)> {
    [
        ("Action", action),
        ("Format", "JSON"),
        ("Version", version),
        ("AccessKeyId", access_key_id),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Lowercase hex SHA-256, the V3 payload and canonical-request hash.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// What a V3 signature covers.
#[derive(Debug, Clone)]
pub struct V3Input<'a> {
    pub method: &'a str,
    /// `host[:port]` exactly as the `Host` header carries it.
    pub host: &'a str,
    /// `/` for RPC.
    pub path: &'a str,
    /// Query parameters (unencoded).
    pub query: &'a [(String, String)],
    /// Headers to sign besides `host`: every `x-acs-*` header (but `x-acs-signature`),
    /// and `content-type` when there is a body. Names in any case.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The result of signing one V3 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Signature {
    pub canonical_request: String,
    pub hashed_canonical_request: String,
    pub string_to_sign: String,
    /// `;`-joined lowercase header names, sorted.
    pub signed_headers: String,
    /// Lowercase hex HMAC-SHA256 with key = the secret (no `&`).
    pub signature: String,
    /// The whole `Authorization` header value.
    pub authorization: String,
}

/// Sign a request with `ACS3-HMAC-SHA256`.
pub fn sign_v3(input: &V3Input<'_>, access_key_id: &str, secret: &str) -> V3Signature {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(input.headers.len() + 1);
    headers.push(("host".to_string(), input.host.trim().to_string()));
    for (name, value) in input.headers {
        let name = name.to_ascii_lowercase();
        let signable =
            name == "content-type" || (name.starts_with("x-acs-") && name != "x-acs-signature");
        if signable && name != "host" {
            headers.push((name, value.trim().to_string()));
        }
    }
    headers.sort();
    let mut canonical_headers = String::new();
    for (name, value) in &headers {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
    }
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method,
        input.path,
        canonical_query(input.query),
        canonical_headers,
        signed_headers,
        sha256_hex(input.body)
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let string_to_sign = format!("{ALGORITHM_V3}\n{hashed_canonical_request}");
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let authorization = format!(
        "{ALGORITHM_V3} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    V3Signature {
        canonical_request,
        hashed_canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// The `x-acs-*` headers of a V3 request, with the payload hash of `body`.
pub fn v3_headers(
    action: &str,
    version: &str,
    date: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    vec![
        ("x-acs-action".to_string(), action.to_string()),
        ("x-acs-version".to_string(), version.to_string()),
        ("x-acs-date".to_string(), date.to_string()),
        ("x-acs-signature-nonce".to_string(), nonce.to_string()),
        ("x-acs-content-sha256".to_string(), sha256_hex(body)),
    ]
}

/// A fresh nonce shaped like a UUID v4 (122 random bits), never reused in practice.
pub fn nonce() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `YYYY-MM-DDThh:mm:ssZ` in UTC, the form both signatures use.
pub fn timestamp(t: SystemTime) -> String {
    // A clock before 1970 is a broken clock; it shows up as 1970 and the server's
    // InvalidTimeStamp.Expired answer then says so.
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn aliyun_percent_encoding_follows_the_vendor() {
        assert_eq!(percent_encode("a b*c~d"), "a%20b%2Ac~d");
        assert_eq!(percent_encode("é/+="), "%C3%A9%2F%2B%3D");
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
    }

    #[test]
    fn aliyun_v1_vector_a_ecs_describe_regions() {
        let params = p(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        let s = sign_v1("GET", &params, "testsecret");
        assert_eq!(
            s.string_to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(s.signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
        assert_eq!(
            sign_v1("POST", &params, "testsecret").signature,
            "MxbnVAM4w6sft9xjVpe/GCKueuk="
        );
    }

    #[test]
    fn aliyun_v1_vector_b_alidns_describe_domain_records() {
        // Deliberately unsorted input: the signer sorts.
        let params = p(&[
            ("Version", "2015-01-09"),
            ("Action", "DescribeDomainRecords"),
            ("AccessKeyId", "testid"),
            ("DomainName", "example.com"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "f59ed6a9-83fc-473b-9cc6-99c95df3856e"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-03-24T16:41:54Z"),
        ]);
        let s = sign_v1("GET", &params, "testsecret");
        assert_eq!(
            s.canonical_query,
            "AccessKeyId=testid&Action=DescribeDomainRecords&DomainName=example.com&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=f59ed6a9-83fc-473b-9cc6-99c95df3856e&SignatureVersion=1.0&Timestamp=2016-03-24T16%3A41%3A54Z&Version=2015-01-09"
        );
        assert_eq!(
            s.string_to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeDomainRecords%26DomainName%3Dexample.com%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Df59ed6a9-83fc-473b-9cc6-99c95df3856e%26SignatureVersion%3D1.0%26Timestamp%3D2016-03-24T16%253A41%253A54Z%26Version%3D2015-01-09"
        );
        assert_eq!(s.signature, "uRpHwaSEt3J+6KQD//svCh/x+pI=");
        assert_eq!(
            format!("https://alidns.aliyuncs.com/?{}", s.query()),
            format!(
                "https://alidns.aliyuncs.com/?{}&Signature=uRpHwaSEt3J%2B6KQD%2F%2FsvCh%2Fx%2BpI%3D",
                s.canonical_query
            )
        );
        assert_eq!(
            sign_v1("POST", &params, "testsecret").signature,
            "UVMjZ8Jdd/j5vKKJfVS6xiZRmxs="
        );
    }

    #[test]
    fn aliyun_v1_vector_c_sdk_empty_values_and_spaces() {
        let params = p(&[
            ("AccessKeyId", "accessKeyId"),
            ("Action", ""),
            ("Format", "JSON"),
            ("RegionId", "regionId"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "MOCK_UUID"),
            ("SignatureType", ""),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "mock date"),
            ("Version", ""),
        ]);
        let s = sign_v1("GET", &params, "accessKeySecret");
        assert_eq!(
            s.string_to_sign,
            "GET&%2F&AccessKeyId%3DaccessKeyId%26Action%3D%26Format%3DJSON%26RegionId%3DregionId%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3DMOCK_UUID%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3Dmock%2520date%26Version%3D"
        );
        assert_eq!(s.signature, "7loPmFjvDnzOVnQeQNj85S6nFGY=");

        let s = sign_v1(
            "GET",
            &p(&[("key", "value"), ("q", "http://domain/?q=value&q2=value2")]),
            "accessKeySecret",
        );
        assert_eq!(
            s.string_to_sign,
            "GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2"
        );
    }

    fn common_d(action: &str) -> Vec<(String, String)> {
        v1_common_params(
            action,
            "2015-01-09",
            "testid",
            "f59ed6a9-83fc-473b-9cc6-99c95df3856e",
            "2016-03-24T16:41:54Z",
        )
    }

    #[test]
    fn aliyun_v1_vector_d_update_domain_record() {
        let mut params = common_d("UpdateDomainRecord");
        params.extend(p(&[
            ("RecordId", "9999985"),
            ("RR", "www"),
            ("Type", "A"),
            ("Value", "192.0.2.1"),
            ("TTL", "600"),
        ]));
        let s = sign_v1("GET", &params, "testsecret");
        assert_eq!(
            s.canonical_query,
            "AccessKeyId=testid&Action=UpdateDomainRecord&Format=JSON&RR=www&RecordId=9999985&SignatureMethod=HMAC-SHA1&SignatureNonce=f59ed6a9-83fc-473b-9cc6-99c95df3856e&SignatureVersion=1.0&TTL=600&Timestamp=2016-03-24T16%3A41%3A54Z&Type=A&Value=192.0.2.1&Version=2015-01-09"
        );
        assert_eq!(
            s.string_to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DUpdateDomainRecord%26Format%3DJSON%26RR%3Dwww%26RecordId%3D9999985%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Df59ed6a9-83fc-473b-9cc6-99c95df3856e%26SignatureVersion%3D1.0%26TTL%3D600%26Timestamp%3D2016-03-24T16%253A41%253A54Z%26Type%3DA%26Value%3D192.0.2.1%26Version%3D2015-01-09"
        );
        assert_eq!(s.signature, "XCEBzAZU8hzzovNZHIu/lBix6Ps=");
        assert!(s
            .query()
            .ends_with("&Signature=XCEBzAZU8hzzovNZHIu%2FlBix6Ps%3D"));
        assert_eq!(
            sign_v1("POST", &params, "testsecret").signature,
            "mO0zfrBSWDC2Oy2ujP516utp30M="
        );
    }

    #[test]
    fn aliyun_v1_vector_e_escaping() {
        let mut params = common_d("AddDomainRecord");
        params.extend(p(&[
            ("DomainName", "example.com"),
            ("RR", "_acme-challenge"),
            ("Type", "TXT"),
            ("Value", "v=spf1 a:b/c *~é"),
        ]));
        let s = sign_v1("GET", &params, "testsecret");
        assert!(s
            .canonical_query
            .contains("&Value=v%3Dspf1%20a%3Ab%2Fc%20%2A~%C3%A9&"));
        assert_eq!(
            s.string_to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DAddDomainRecord%26DomainName%3Dexample.com%26Format%3DJSON%26RR%3D_acme-challenge%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Df59ed6a9-83fc-473b-9cc6-99c95df3856e%26SignatureVersion%3D1.0%26Timestamp%3D2016-03-24T16%253A41%253A54Z%26Type%3DTXT%26Value%3Dv%253Dspf1%2520a%253Ab%252Fc%2520%252A~%25C3%25A9%26Version%3D2015-01-09"
        );
        assert_eq!(s.signature, "jxntt8Ako9xy4Jez+fB9roIGDIo=");
    }

    const F_NONCE: &str = "3156853299f313e23d1673dc12e1703d";
    const F_DATE: &str = "2023-10-26T10:22:32Z";

    #[test]
    fn aliyun_v3_vector_f_official_example() {
        let query = p(&[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ]);
        let headers = v3_headers("RunInstances", "2014-05-26", F_DATE, F_NONCE, b"");
        assert_eq!(
            headers[4].1,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let s = sign_v3(
            &V3Input {
                method: "POST",
                host: "ecs.cn-shanghai.aliyuncs.com",
                path: "/",
                query: &query,
                headers: &headers,
                body: b"",
            },
            "YourAccessKeyId",
            "YourAccessKeySecret",
        );
        assert_eq!(
            s.canonical_request,
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\
             \n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            s.hashed_canonical_request,
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            s.string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            s.signature,
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(
            s.authorization,
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    fn g_params() -> Vec<(String, String)> {
        p(&[
            ("RecordId", "9999985"),
            ("RR", "www"),
            ("Type", "A"),
            ("Value", "192.0.2.1"),
            ("TTL", "600"),
        ])
    }

    #[test]
    fn aliyun_v3_vector_g_update_in_query() {
        let query = g_params();
        let headers = v3_headers("UpdateDomainRecord", "2015-01-09", F_DATE, F_NONCE, b"");
        let s = sign_v3(
            &V3Input {
                method: "POST",
                host: "alidns.aliyuncs.com",
                path: "/",
                query: &query,
                headers: &headers,
                body: b"",
            },
            "YourAccessKeyId",
            "YourAccessKeySecret",
        );
        assert_eq!(
            s.hashed_canonical_request,
            "13926a6694f5233f9d7c1d6e2abd4aca50490275baac79e6eef48e81b01a1253"
        );
        assert_eq!(
            s.signature,
            "8522e8d30e1bcae0c9815c90d713d56acf2b885dc47f14802894b23cfa270370"
        );
    }

    #[test]
    fn aliyun_v3_vector_h_update_in_form_body() {
        let body = canonical_query(&g_params());
        assert_eq!(
            body,
            "RR=www&RecordId=9999985&TTL=600&Type=A&Value=192.0.2.1"
        );
        let mut headers = v3_headers(
            "UpdateDomainRecord",
            "2015-01-09",
            F_DATE,
            F_NONCE,
            body.as_bytes(),
        );
        assert_eq!(
            headers[4].1,
            "0217d3b9ebb0db2c3e3d1cc6282eb90f879a9da44b6d427905ba59150a05c779"
        );
        headers.push((
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        ));
        let s = sign_v3(
            &V3Input {
                method: "POST",
                host: "alidns.aliyuncs.com",
                path: "/",
                query: &[],
                headers: &headers,
                body: body.as_bytes(),
            },
            "YourAccessKeyId",
            "YourAccessKeySecret",
        );
        assert_eq!(
            s.signed_headers,
            "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        assert_eq!(
            s.hashed_canonical_request,
            "f03ca2f1234723d6d2662a6c309cdd7f859a8388237af67d6fbe210bfb238137"
        );
        assert_eq!(
            s.signature,
            "f480d43c69e8c80d8c456d1a1c9632d530b177d77975fe35a8e0e87c137db4d3"
        );
    }

    #[test]
    fn aliyun_timestamps_are_utc_iso8601() {
        let at = |s: u64| timestamp(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(1_458_837_714), "2016-03-24T16:41:54Z");
        assert_eq!(at(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn aliyun_nonces_are_uuid_v4_shaped_and_fresh() {
        let a = nonce();
        let b = nonce();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('4'));
        assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
        assert!(a.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
    }
}

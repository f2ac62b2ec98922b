//! The server side of Alibaba Cloud's request signatures, written from providers-api.md
//! §1.3 (RPC v1, HMAC-SHA1) and §1.4 (V3, `ACS3-HMAC-SHA256`), independently of the
//! `mxddns-providers` client: the server decodes what arrived, rebuilds the string-to-sign
//! from it with the method actually used, and compares.
//!
//! [`read`] turns a request into an [`Incoming`] call (parameters, claimed key, timestamp,
//! nonce) without judging the signature; [`Incoming::verify`] judges it with the secret
//! stored for the key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::error::AliError;
use crate::http::HttpRequest;

/// RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` is escaped, with uppercase hex.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The V3 algorithm name.
pub(crate) const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Alibaba's percent-encoding of one name or value.
pub(crate) fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Form decoding (`+` is a space), as a server decodes a query string or a form body.
pub(crate) fn form_pairs(raw: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let spaced = s.replace('+', " ");
        percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
    };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Encoded `name=value` pairs sorted by name in byte order (then by value), joined by `&`.
pub(crate) fn canonicalize(pairs: &[(String, String)]) -> String {
    let mut enc: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    enc.sort();
    enc.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// v1: `METHOD&%2F&<encode(canonical query)>` over every parameter but `Signature`.
pub(crate) fn v1_string_to_sign(method: &str, pairs: &[(String, String)]) -> String {
    let signed: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "Signature")
        .cloned()
        .collect();
    format!(
        "{method}&{}&{}",
        encode("/"),
        encode(&canonicalize(&signed))
    )
}

/// v1: Base64 of HMAC-SHA1 keyed with `secret&`.
pub(crate) fn v1_signature(string_to_sign: &str, secret: &str) -> String {
    let key = format!("{secret}&");
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// V3: the six-part canonical request. `headers` are (lowercase name, value) of the signed
/// headers, in any order; they are trimmed and sorted here.
pub(crate) fn v3_canonical_request(
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_sha256: &str,
) -> String {
    let mut h: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    h.sort();
    let canonical_headers: String = h.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed: Vec<&str> = h.iter().map(|(k, _)| k.as_str()).collect();
    format!(
        "{method}\n/\n{}\n{canonical_headers}\n{}\n{payload_sha256}",
        canonicalize(query),
        signed.join(";")
    )
}

/// V3: `ACS3-HMAC-SHA256\n<hex sha256(canonical request)>`.
pub(crate) fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// V3: lowercase hex HMAC-SHA256 keyed with the bare secret.
pub(crate) fn v3_signature(string_to_sign: &str, secret: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// How the request is signed, with what the check needs.
#[derive(Debug, Clone)]
enum Scheme {
    /// Every parameter (query and form) and the `Signature` one among them.
    V1 { signature: String },
    /// The `Authorization` header's parts.
    V3 {
        signed_headers: Vec<String>,
        signature: String,
        /// The query parameters alone (the form body is covered by the payload hash).
        query: Vec<(String, String)>,
    },
}

/// One call as it arrived, before its signature is judged.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub action: String,
    pub version: String,
    pub key_id: String,
    /// `Timestamp` (v1) or `x-acs-date` (V3), as sent.
    pub timestamp: String,
    pub nonce: String,
    /// Every parameter of the query and of a form body, in arrival order.
    pub params: Vec<(String, String)>,
    scheme: Scheme,
}

impl Incoming {
    /// The first value of parameter `name` (exact name, as Alibaba's are case-sensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request is V3-signed (`Authorization: ACS3-HMAC-SHA256 …`).
    pub fn is_v3(&self) -> bool {
        matches!(self.scheme, Scheme::V3 { .. })
    }

    /// Checks the signature with `secret`; the error quotes the server's string-to-sign,
    /// as Alidns does.
    pub fn verify(&self, req: &HttpRequest, secret: &str) -> Result<(), AliError> {
        let (sts, ok) = match &self.scheme {
            Scheme::V1 { signature } => {
                let sts = v1_string_to_sign(&req.method, &self.params);
                let ok = constant_time_eq(&v1_signature(&sts, secret), signature);
                (sts, ok)
            }
            Scheme::V3 {
                signed_headers,
                signature,
                query,
            } => {
                let headers: Vec<(String, String)> = signed_headers
                    .iter()
                    .map(|h| (h.clone(), req.header(h).unwrap_or_default().to_string()))
                    .collect();
                let payload = hex::encode(Sha256::digest(&req.body));
                let cr = v3_canonical_request(&req.method, query, &headers, &payload);
                let sts = v3_string_to_sign(&cr);
                let ok =
                    constant_time_eq(&v3_signature(&sts, secret), &signature.to_ascii_lowercase());
                (sts, ok)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(AliError::new(
                400,
                "SignatureDoesNotMatch",
                format!("Specified signature is not matched with our calculation. server string to sign is:{sts}"),
            ))
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Reads a request's parameters and claimed credentials: V3 when `Authorization` names
/// `ACS3-HMAC-SHA256`, v1 otherwise. Missing common parameters are `Missing<Param>`.
pub(crate) fn read(req: &HttpRequest) -> Result<Incoming, AliError> {
    let query = form_pairs(&req.query);
    let mut params = query.clone();
    let form = req.header("content-type").is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if req.method == "POST" && form {
        params.extend(form_pairs(&String::from_utf8_lossy(&req.body)));
    }
    match req.header("authorization") {
        Some(auth) if auth.trim_start().starts_with(V3_ALGORITHM) => {
            read_v3(req, auth, query, params)
        }
        Some(_) => Err(AliError::incomplete_signature(
            "The Authorization header must start with ACS3-HMAC-SHA256.",
        )),
        None => read_v1(params),
    }
}

fn read_v1(params: Vec<(String, String)>) -> Result<Incoming, AliError> {
    let get = |name: &str| -> Result<String, AliError> {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AliError::missing(name))
    };
    let action = get("Action")?;
    let version = get("Version")?;
    let key_id = get("AccessKeyId")?;
    let timestamp = get("Timestamp")?;
    let nonce = get("SignatureNonce")?;
    let method = get("SignatureMethod")?;
    if method != "HMAC-SHA1" {
        return Err(AliError::invalid("SignatureMethod", "use HMAC-SHA1"));
    }
    let sv = get("SignatureVersion")?;
    if sv != "1.0" {
        return Err(AliError::invalid("SignatureVersion", "use 1.0"));
    }
    let signature = get("Signature")?;
    Ok(Incoming {
        action,
        version,
        key_id,
        timestamp,
        nonce,
        params,
        scheme: Scheme::V1 { signature },
    })
}

fn read_v3(
    req: &HttpRequest,
    auth: &str,
    query: Vec<(String, String)>,
    params: Vec<(String, String)>,
) -> Result<Incoming, AliError> {
    let rest = auth.trim_start()[V3_ALGORITHM.len()..].trim();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v.trim().to_string()),
            Some(("SignedHeaders", v)) => signed = Some(v.trim().to_string()),
            Some(("Signature", v)) => signature = Some(v.trim().to_string()),
            _ => {}
        }
    }
    let (Some(key_id), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(AliError::incomplete_signature(
            "Authorization needs Credential, SignedHeaders and Signature.",
        ));
    };
    let signed_headers: Vec<String> = signed
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    // host and every x-acs-* header sent (but x-acs-signature) must be signed.
    let must: Vec<String> = std::iter::once("host".to_string())
        .chain(
            req.headers
                .keys()
                .map(|k| k.as_str().to_ascii_lowercase())
                .filter(|k| k.starts_with("x-acs-") && k != "x-acs-signature"),
        )
        .collect();
    if let Some(h) = must.iter().find(|h| !signed_headers.contains(h)) {
        return Err(AliError::incomplete_signature(&format!(
            "The header {h} must be signed."
        )));
    }
    let header = |name: &str, param: &str| -> Result<String, AliError> {
        req.header(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AliError::missing(param))
    };
    Ok(Incoming {
        action: header("x-acs-action", "Action")?,
        version: header("x-acs-version", "Version")?,
        timestamp: header("x-acs-date", "Timestamp")?,
        nonce: header("x-acs-signature-nonce", "SignatureNonce")?,
        key_id,
        params,
        scheme: Scheme::V3 {
            signed_headers,
            signature,
            query,
        },
    })
}

/// `YYYY-MM-DDThh:mm:ssZ`, optionally with fractional seconds, UTC.
pub(crate) fn parse_timestamp(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let tail = &s[19..];
    let frac_ok = match tail.strip_suffix('Z') {
        Some("") => true,
        Some(f) => f.len() > 1 && f.starts_with('.') && f[1..].bytes().all(|c| c.is_ascii_digit()),
        None => false,
    };
    if !frac_ok
        || !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(y, mo)
        || h > 23
        || mi > 59
        || se > 60
    {
        return None;
    }
    let days = days_from_civil(y as i64, mo as u32, d as u32);
    let secs = days * 86_400 + (h * 3600 + mi * 60 + se) as i64;
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// providers-api.md §4.1 A: the published ECS example.
    #[test]
    fn v1_published_vector_a() {
        let p = pairs(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        let sts = v1_string_to_sign("GET", &p);
        assert_eq!(sts, "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26");
        assert_eq!(
            v1_signature(&sts, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
        assert_eq!(
            v1_signature(&v1_string_to_sign("POST", &p), "testsecret"),
            "MxbnVAM4w6sft9xjVpe/GCKueuk="
        );
    }

    /// §4.1 C: empty values are kept, a space is `%20` (twice encoded: `%2520`).
    #[test]
    fn v1_sdk_vector_c() {
        let p = pairs(&[
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
            ("Signature", "ignored"),
        ]);
        let sts = v1_string_to_sign("GET", &p);
        assert_eq!(sts, "GET&%2F&AccessKeyId%3DaccessKeyId%26Action%3D%26Format%3DJSON%26RegionId%3DregionId%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3DMOCK_UUID%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3Dmock%2520date%26Version%3D");
        assert_eq!(
            v1_signature(&sts, "accessKeySecret"),
            "7loPmFjvDnzOVnQeQNj85S6nFGY="
        );
        let q = pairs(&[("key", "value"), ("q", "http://domain/?q=value&q2=value2")]);
        assert_eq!(
            v1_string_to_sign("GET", &q),
            "GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2"
        );
    }

    /// §4.1 D and E: byte-order sort and escaping.
    #[test]
    fn v1_derived_vectors_d_e() {
        let common = [
            ("AccessKeyId", "testid"),
            ("Format", "JSON"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "f59ed6a9-83fc-473b-9cc6-99c95df3856e"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-03-24T16:41:54Z"),
            ("Version", "2015-01-09"),
        ];
        let mut d = pairs(&common);
        d.extend(pairs(&[
            ("Action", "UpdateDomainRecord"),
            ("RR", "www"),
            ("RecordId", "9999985"),
            ("TTL", "600"),
            ("Type", "A"),
            ("Value", "192.0.2.1"),
        ]));
        assert_eq!(canonicalize(&d), "AccessKeyId=testid&Action=UpdateDomainRecord&Format=JSON&RR=www&RecordId=9999985&SignatureMethod=HMAC-SHA1&SignatureNonce=f59ed6a9-83fc-473b-9cc6-99c95df3856e&SignatureVersion=1.0&TTL=600&Timestamp=2016-03-24T16%3A41%3A54Z&Type=A&Value=192.0.2.1&Version=2015-01-09");
        assert_eq!(
            v1_signature(&v1_string_to_sign("GET", &d), "testsecret"),
            "XCEBzAZU8hzzovNZHIu/lBix6Ps="
        );
        assert_eq!(
            v1_signature(&v1_string_to_sign("POST", &d), "testsecret"),
            "mO0zfrBSWDC2Oy2ujP516utp30M="
        );

        let mut e = pairs(&common);
        e.extend(pairs(&[
            ("Action", "AddDomainRecord"),
            ("DomainName", "example.com"),
            ("RR", "_acme-challenge"),
            ("Type", "TXT"),
            ("Value", "v=spf1 a:b/c *~é"),
        ]));
        assert_eq!(
            encode("v=spf1 a:b/c *~é"),
            "v%3Dspf1%20a%3Ab%2Fc%20%2A~%C3%A9"
        );
        assert_eq!(
            v1_signature(&v1_string_to_sign("GET", &e), "testsecret"),
            "jxntt8Ako9xy4Jez+fB9roIGDIo="
        );
    }

    const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn v3_headers(host: &str, action: &str, version: &str, sha: &str) -> Vec<(String, String)> {
        pairs(&[
            ("host", host),
            ("x-acs-action", action),
            ("x-acs-version", version),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", sha),
        ])
    }

    /// §4.2 F: the official V3 example.
    #[test]
    fn v3_published_vector_f() {
        let q = pairs(&[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ]);
        let h = v3_headers(
            "ecs.cn-shanghai.aliyuncs.com",
            "RunInstances",
            "2014-05-26",
            EMPTY_SHA,
        );
        let cr = v3_canonical_request("POST", &q, &h, EMPTY_SHA);
        assert!(
            cr.contains("x-acs-version:2014-05-26\n\nhost;x-acs-action;"),
            "{cr}"
        );
        let sts = v3_string_to_sign(&cr);
        assert_eq!(
            sts,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            v3_signature(&sts, "YourAccessKeySecret"),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    /// §4.2 G and H: Alidns UpdateDomainRecord, parameters in the query or in a form body.
    #[test]
    fn v3_derived_vectors_g_h() {
        let params = pairs(&[
            ("RR", "www"),
            ("RecordId", "9999985"),
            ("TTL", "600"),
            ("Type", "A"),
            ("Value", "192.0.2.1"),
        ]);
        let h = v3_headers(
            "alidns.aliyuncs.com",
            "UpdateDomainRecord",
            "2015-01-09",
            EMPTY_SHA,
        );
        let sts = v3_string_to_sign(&v3_canonical_request("POST", &params, &h, EMPTY_SHA));
        assert!(sts.ends_with("13926a6694f5233f9d7c1d6e2abd4aca50490275baac79e6eef48e81b01a1253"));
        assert_eq!(
            v3_signature(&sts, "YourAccessKeySecret"),
            "8522e8d30e1bcae0c9815c90d713d56acf2b885dc47f14802894b23cfa270370"
        );

        let body = "RR=www&RecordId=9999985&TTL=600&Type=A&Value=192.0.2.1";
        let sha = hex::encode(Sha256::digest(body.as_bytes()));
        assert_eq!(
            sha,
            "0217d3b9ebb0db2c3e3d1cc6282eb90f879a9da44b6d427905ba59150a05c779"
        );
        let mut h = v3_headers(
            "alidns.aliyuncs.com",
            "UpdateDomainRecord",
            "2015-01-09",
            &sha,
        );
        h.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        let sts = v3_string_to_sign(&v3_canonical_request("POST", &[], &h, &sha));
        assert!(sts.ends_with("f03ca2f1234723d6d2662a6c309cdd7f859a8388237af67d6fbe210bfb238137"));
        assert_eq!(
            v3_signature(&sts, "YourAccessKeySecret"),
            "f480d43c69e8c80d8c456d1a1c9632d530b177d77975fe35a8e0e87c137db4d3"
        );
    }

    #[test]
    fn form_decoding_and_timestamps() {
        assert_eq!(
            form_pairs("a=b+c&d=%2A%7E&e&=x"),
            pairs(&[("a", "b c"), ("d", "*~"), ("e", ""), ("", "x")])
        );
        let t = parse_timestamp("2016-03-24T16:41:54Z").unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_458_837_714));
        assert_eq!(parse_timestamp("2016-03-24T16:41:54.250Z"), Some(t));
        assert_eq!(
            parse_timestamp("2000-02-29T00:00:00Z"),
            Some(UNIX_EPOCH + Duration::from_secs(951_782_400))
        );
        for bad in [
            "2016-03-24 16:41:54Z",
            "2016-03-24T16:41:54",
            "2016-02-30T00:00:00Z",
            "mock date",
            "2016-03-24T16:41:54.Z",
            "2016-13-01T00:00:00Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}

//! TC3-HMAC-SHA256, Tencent Cloud API 3.0's signature ("签名方法 v3",
//! <https://cloud.tencent.com/document/api/1427/56189>), for a POST with a JSON body:
//!
//! ```text
//! CanonicalRequest = POST \n / \n (empty query) \n
//!                    content-type:application/json; charset=utf-8 \n host:HOST \n \n
//!                    content-type;host \n hex(sha256(payload))
//! StringToSign     = TC3-HMAC-SHA256 \n TIMESTAMP \n DATE/SERVICE/tc3_request \n hex(sha256(CanonicalRequest))
//! kDate = HMAC("TC3" + SecretKey, DATE); kService = HMAC(kDate, SERVICE);
//! kSigning = HMAC(kService, "tc3_request"); Signature = hex(HMAC(kSigning, StringToSign))
//! Authorization    = TC3-HMAC-SHA256 Credential=SECRETID/DATE/SERVICE/tc3_request,
//!                    SignedHeaders=content-type;host, Signature=SIGNATURE
//! ```
//! DATE is the UTC date of TIMESTAMP. The signed headers are the two the vendor's worked
//! example and its SDKs sign.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
pub const SIGNED_HEADERS: &str = "content-type;host";

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes keys of any length: new_from_slice cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The canonical request of a JSON POST to `host`.
pub fn canonical_request(host: &str, payload: &[u8]) -> String {
    format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\n{SIGNED_HEADERS}\n{}",
        sha256_hex(payload)
    )
}

/// `YYYY-MM-DD` (UTC) of a Unix time.
pub fn utc_date(timestamp: i64) -> String {
    // Days to civil date (H. Hinnant's algorithm).
    let z = timestamp.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn string_to_sign(timestamp: i64, service: &str, canonical: &str) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{}/{service}/tc3_request\n{}",
        utc_date(timestamp),
        sha256_hex(canonical.as_bytes())
    )
}

pub fn signature(secret_key: &str, timestamp: i64, service: &str, to_sign: &str) -> String {
    let k_date = hmac(format!("TC3{secret_key}").as_bytes(), &utc_date(timestamp));
    let k_service = hmac(&k_date, service);
    let k_signing = hmac(&k_service, "tc3_request");
    hex::encode(hmac(&k_signing, to_sign))
}

/// The `Authorization` header of a JSON POST.
pub fn authorization(
    secret_id: &str,
    secret_key: &str,
    service: &str,
    host: &str,
    timestamp: i64,
    payload: &[u8],
) -> String {
    let canonical = canonical_request(host, payload);
    let to_sign = string_to_sign(timestamp, service, &canonical);
    let sig = signature(secret_key, timestamp, service, &to_sign);
    format!(
        "{ALGORITHM} Credential={secret_id}/{}/{service}/tc3_request, SignedHeaders={SIGNED_HEADERS}, Signature={sig}",
        utc_date(timestamp)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendor's worked example ("签名方法 v3", CVM DescribeInstances; the same vector
    /// is in TencentCloud/signature-process-demo and the SDKs' tests), byte for byte.
    #[test]
    fn vendor_worked_example() {
        let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let host = "cvm.tencentcloudapi.com";
        let canonical = canonical_request(host, payload.as_bytes());
        assert_eq!(
            canonical,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let to_sign = string_to_sign(1551113065, "cvm", &canonical);
        assert_eq!(
            to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        let secret_key = "Gu5t9xGARNpq86cd98joQYCN3*******";
        assert_eq!(
            signature(secret_key, 1551113065, "cvm", &to_sign),
            "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
        );
        assert_eq!(
            authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", secret_key, "cvm", host, 1551113065, payload.as_bytes()),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
        );
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
    }
}

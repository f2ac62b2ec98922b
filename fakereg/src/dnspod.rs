//! Tencent Cloud DNSPod API 3.0 (version 2021-03-23) emulator, served at `/` on its own
//! listener. Independent of the `mxddns-providers` client on purpose: the TC3-HMAC-SHA256
//! signature is rebuilt here from the vendor's documentation (canonical headers taken
//! from the request's own `SignedHeaders`), so a client bug cannot agree with itself.
//!
//! Every answer is HTTP 200 with `{"Response": {..., "RequestId": "…"}}`; errors are
//! `{"Response": {"Error": {"Code": "…", "Message": "…"}, "RequestId": "…"}}`, as the
//! vendor's API 3.0 returns them. Checks, in order: POST `/` → X-TC-Action known →
//! X-TC-Version → X-TC-Timestamp within 300 s of the server's clock
//! (`AuthFailure.SignatureExpire`) → Authorization parses → SecretId known
//! (`AuthFailure.SecretIdNotFound`) → signature (`AuthFailure.SignatureFailure`) → CAM
//! rights (`AuthFailure.UnauthorizedOperation`) → the action. Only the default line
//! ("默认") exists here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http::{HttpRequest, HttpResponse, Vendor};
use crate::options::{FakeOptions, FakeSecret};
use crate::rdata::{normalize_name, Rdata, RrType};
use crate::store::{NewRecord, Store, StoreError, StoredRecord};

pub const DEMO_DNSPOD_SECRET_ID: &str = "AKIDmxddnsDemoSecretId0123456789abcd";
pub const DEMO_DNSPOD_SECRET_KEY: &str = "mxddnsDemoDnspodSecretKey0123456";

const VERSION: &str = "2021-03-23";
const WINDOW_SECS: i64 = 300;
const LINE: &str = "默认";

/// One API key and what its CAM policy allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnspodKey {
    pub secret_id: String,
    pub secret_key: FakeSecret,
    /// Actions allowed (empty: all).
    #[serde(default)]
    pub actions: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnspodOptions {
    pub keys: Vec<DnspodKey>,
    /// Seconds added to the server's clock (to test SignatureExpire).
    pub clock_offset_secs: i64,
}

impl FakeOptions {
    /// Add a DNSPod API key with every right.
    pub fn dnspod_key(mut self, secret_id: &str, secret_key: &str) -> Self {
        self.dnspod.keys.push(DnspodKey {
            secret_id: secret_id.to_string(),
            secret_key: FakeSecret::new(secret_key),
            actions: Vec::new(),
        });
        self
    }

    /// Add a DNSPod API key allowed only `actions`.
    pub fn dnspod_key_for(mut self, secret_id: &str, secret_key: &str, actions: &[&str]) -> Self {
        self.dnspod.keys.push(DnspodKey {
            secret_id: secret_id.to_string(),
            secret_key: FakeSecret::new(secret_key),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        });
        self
    }

    pub fn dnspod_clock_offset(mut self, secs: i64) -> Self {
        self.dnspod.clock_offset_secs = secs;
        self
    }
}

const ACTIONS: [(&str, bool); 5] = [
    ("DescribeDomain", false),
    ("DescribeRecordList", false),
    ("CreateRecord", true),
    ("ModifyRecord", true),
    ("DeleteRecord", true),
];

struct Err3 {
    code: &'static str,
    message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> Err3 {
    Err3 {
        code,
        message: message.into(),
    }
}

pub(crate) struct Dnspod {
    store: Store,
    opts: DnspodOptions,
}

impl Dnspod {
    pub(crate) fn new(store: Store, opts: DnspodOptions) -> Self {
        Dnspod { store, opts }
    }

    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs() as i64
            + self.opts.clock_offset_secs
    }

    fn dispatch(&self, req: &HttpRequest) -> Result<Value, Err3> {
        if req.method != "POST" || req.path != "/" {
            return Err(err("UnsupportedOperation", "只支持 POST / 请求。"));
        }
        let action = req.header("x-tc-action").unwrap_or("").trim().to_string();
        let Some((action, _)) = ACTIONS.iter().find(|(a, _)| *a == action).copied() else {
            return Err(err(
                "InvalidAction",
                format!("接口`{action}`不存在。The requested action does not exist."),
            ));
        };
        if req.header("x-tc-version") != Some(VERSION) {
            return Err(err(
                "InvalidParameterValue",
                "The value of the X-TC-Version header is not a version of this product.",
            ));
        }
        let ts: i64 = req
            .header("x-tc-timestamp")
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| err("MissingParameter", "缺少参数 X-TC-Timestamp。"))?;
        if (self.now() - ts).abs() > WINDOW_SECS {
            return Err(err(
                "AuthFailure.SignatureExpire",
                "签名过期。Timestamp 和服务器时间相差不得超过五分钟，请检查本地时间是否和标准时间同步。",
            ));
        }
        let auth =
            Authorization::parse(req.header("authorization").unwrap_or("")).ok_or_else(|| {
                err(
                    "AuthFailure.InvalidAuthorization",
                    "请求头部的 Authorization 不符合腾讯云标准。",
                )
            })?;
        let key = self
            .opts
            .keys
            .iter()
            .find(|k| k.secret_id == auth.secret_id)
            .ok_or_else(|| err("AuthFailure.SecretIdNotFound", "密钥不存在。请在控制台检查密钥是否已被删除或者禁用，如状态正常，请检查密钥是否填写正确，注意前后不得有空格。"))?;
        if auth.service != "dnspod" || auth.date != utc_date(ts) {
            return Err(err(
                "AuthFailure.SignatureFailure",
                "请求签名验证失败，请检查您的签名计算是否正确。",
            ));
        }
        let want = expected_signature(req, &auth, ts, key.secret_key.expose());
        if want.as_deref() != Some(auth.signature.as_str()) {
            return Err(err(
                "AuthFailure.SignatureFailure",
                "请求签名验证失败，请检查您的签名计算是否正确。",
            ));
        }
        if !key.actions.is_empty() && !key.actions.iter().any(|a| a == action) {
            return Err(err(
                "AuthFailure.UnauthorizedOperation",
                format!("请求未授权。请参考 CAM 文档对鉴权的说明。(action dnspod:{action})"),
            ));
        }
        let body: Value = serde_json::from_slice(&req.body)
            .map_err(|_| err("InvalidParameter.ParamInvalid", "param 格式错误。"))?;
        self.store.with(|z| run(z, action, &body))
    }
}

struct Authorization {
    secret_id: String,
    date: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl Authorization {
    /// `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=hex`
    fn parse(h: &str) -> Option<Authorization> {
        let rest = h.strip_prefix("TC3-HMAC-SHA256 ")?;
        let mut cred = None;
        let mut signed = None;
        let mut sig = None;
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            match k {
                "Credential" => cred = Some(v),
                "SignedHeaders" => signed = Some(v),
                "Signature" => sig = Some(v),
                _ => return None,
            }
        }
        let mut c = cred?.split('/');
        let (id, date, service, term) = (c.next()?, c.next()?, c.next()?, c.next()?);
        if term != "tc3_request" || c.next().is_some() {
            return None;
        }
        let signed_headers: Vec<String> = signed?.split(';').map(str::to_string).collect();
        if !signed_headers.iter().any(|h| h == "content-type")
            || !signed_headers.iter().any(|h| h == "host")
        {
            return None;
        }
        Some(Authorization {
            secret_id: id.to_string(),
            date: date.to_string(),
            service: service.to_string(),
            signed_headers,
            signature: sig?.to_string(),
        })
    }
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The signature the request should carry, from its own headers and body.
fn expected_signature(
    req: &HttpRequest,
    auth: &Authorization,
    ts: i64,
    secret: &str,
) -> Option<String> {
    let mut headers = String::new();
    for name in &auth.signed_headers {
        let v = req.header(name)?;
        headers.push_str(&format!("{name}:{}\n", v.trim().to_ascii_lowercase()));
    }
    let canonical = format!(
        "POST\n/\n{}\n{headers}\n{}\n{}",
        req.query,
        auth.signed_headers.join(";"),
        hex::encode(Sha256::digest(&req.body))
    );
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{ts}\n{}/{}/tc3_request\n{}",
        auth.date,
        auth.service,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k = hmac256(format!("TC3{secret}").as_bytes(), auth.date.as_bytes());
    let k = hmac256(&k, auth.service.as_bytes());
    let k = hmac256(&k, b"tc3_request");
    Some(hex::encode(hmac256(&k, to_sign.as_bytes())))
}

fn utc_date(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    // Civil from days (public-domain algorithm by H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn str_param<'a>(b: &'a Value, k: &str) -> Option<&'a str> {
    b.get(k).and_then(Value::as_str)
}

fn zone_of(z: &crate::store::Zones, b: &Value) -> Result<String, Err3> {
    let d = str_param(b, "Domain")
        .map(normalize_name)
        .ok_or_else(|| err("MissingParameter", "缺少参数 Domain。"))?;
    if z.zone(&d).is_none() {
        return Err(err(
            "InvalidParameterValue.DomainNotExists",
            "当前域名有误，请返回重新操作。",
        ));
    }
    Ok(d)
}

fn relative(name: &str, zone: &str) -> String {
    if name == zone {
        "@".into()
    } else {
        name.strip_suffix(&format!(".{zone}"))
            .unwrap_or(name)
            .to_string()
    }
}

fn absolute(sub: &str, zone: &str) -> String {
    let s = normalize_name(sub);
    if s.is_empty() || s == "@" {
        zone.to_string()
    } else {
        format!("{s}.{zone}")
    }
}

/// DNSPod's view of a stored record: `Value` (TXT as its text, names with the dot) and `MX`.
fn item(r: &StoredRecord, zone: &str) -> Value {
    let (value, mx) = match &r.data {
        Rdata::Mx {
            preference,
            exchange,
        } => (format!("{exchange}."), *preference),
        Rdata::Txt(parts) => (parts.concat(), 0),
        Rdata::Cname(n) | Rdata::Ns(n) | Rdata::Ptr(n) => (format!("{n}."), 0),
        other => (other.presentation(), 0),
    };
    json!({
        "RecordId": r.id, "Value": value, "Status": "ENABLE", "UpdatedOn": "2026-01-01 00:00:00",
        "Name": relative(&r.name, zone), "Line": LINE, "LineId": "0", "Type": r.rtype().as_str(),
        "Weight": null, "MonitorStatus": "", "Remark": "", "TTL": r.ttl, "MX": mx, "DefaultNS": false,
    })
}

/// Record data from CreateRecord/ModifyRecord parameters.
fn data_of(b: &Value) -> Result<Rdata, Err3> {
    let t = str_param(b, "RecordType")
        .ok_or_else(|| err("MissingParameter", "缺少参数 RecordType。"))?;
    let value = str_param(b, "Value").ok_or_else(|| err("MissingParameter", "缺少参数 Value。"))?;
    if let Some(line) = str_param(b, "RecordLine") {
        if line != LINE {
            return Err(err(
                "InvalidParameter.RecordLineInvalid",
                "记录线路不正确。",
            ));
        }
    }
    let rtype = RrType::try_from(t.to_string())
        .ok()
        .filter(|t| !matches!(t, RrType::SOA | RrType::PTR))
        .ok_or_else(|| err("InvalidParameter.RecordTypeInvalid", "记录类型不正确。"))?;
    let parsed = match rtype {
        RrType::MX => {
            let mx = b
                .get("MX")
                .and_then(Value::as_u64)
                .ok_or_else(|| err("InvalidParameter.MxInvalid", "MX优先级不正确。"))?;
            Rdata::parse(rtype, &format!("{mx} {value}"))
        }
        RrType::TXT => Ok(Rdata::Txt(
            value
                .as_bytes()
                .chunks(255)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect(),
        )),
        _ => Rdata::parse(rtype, value),
    };
    parsed.map_err(|_| err("InvalidParameter.RecordValueInvalid", "记录的值不正确。"))
}

fn ttl_of(b: &Value) -> Result<u32, Err3> {
    let ttl = b.get("TTL").and_then(Value::as_u64).unwrap_or(600);
    if !(600..=604_800).contains(&ttl) {
        return Err(err(
            "LimitExceeded.RecordTtlLimit",
            "记录的TTL值超出了限制。",
        ));
    }
    Ok(ttl as u32)
}

fn store_err(e: StoreError) -> Err3 {
    match e {
        StoreError::NoSuchRecord(_) => err("InvalidParameter.RecordIdInvalid", "记录编号错误。"),
        StoreError::NotInZone { .. } | StoreError::NoSuchZone(_) => {
            err("InvalidParameter.SubdomainInvalid", "子域名不正确。")
        }
        _ => err("InvalidParameter.RecordValueInvalid", "记录的值不正确。"),
    }
}

fn run(z: &mut crate::store::Zones, action: &str, b: &Value) -> Result<Value, Err3> {
    let zone = zone_of(z, b)?;
    match action {
        "DescribeDomain" => {
            let id = z.zone(&zone).map(|zz| zz.id).unwrap_or(0);
            Ok(json!({ "DomainInfo": {
                "DomainId": id, "Status": "ENABLE", "Grade": "DP_FREE", "GroupId": 1,
                "IsMark": "no", "TTL": 600, "CnameSpeedup": "DISABLE", "Remark": "",
                "Punycode": zone, "DnsStatus": "", "DnsServer": ["ns1.dnspod.net", "ns2.dnspod.net"],
                "Domain": zone, "GradeLevel": 2, "UserId": 1, "IsVip": "NO", "Owner": "mxddns",
                "GradeTitle": "免费版", "IsGracePeriod": "NO", "VipAutoRenew": "DEFAULT",
                "RecordCount": z.list(&zone, None, None).count(), "CreatedOn": "2026-01-01 00:00:00",
                "UpdatedOn": "2026-01-01 00:00:00", "SearchEnginePush": "NO", "SlaveDNS": "NO",
            }}))
        }
        "DescribeRecordList" => {
            let sub = str_param(b, "Subdomain").map(|s| absolute(s, &zone));
            let rtype =
                str_param(b, "RecordType").and_then(|t| RrType::try_from(t.to_string()).ok());
            let all: Vec<Value> = z
                .list(&zone, sub.as_deref(), rtype)
                .filter(|r| r.rtype() != RrType::SOA)
                .map(|r| item(r, &zone))
                .collect();
            if all.is_empty() {
                return Err(err("ResourceNotFound.NoDataOfRecord", "记录列表为空。"));
            }
            let offset = b.get("Offset").and_then(Value::as_u64).unwrap_or(0) as usize;
            let limit = b.get("Limit").and_then(Value::as_u64).unwrap_or(100);
            if limit == 0 || limit > 3000 {
                return Err(err(
                    "InvalidParameterValue.LimitInvalid",
                    "分页长度数量错误。",
                ));
            }
            let page: Vec<Value> = all
                .iter()
                .skip(offset)
                .take(limit as usize)
                .cloned()
                .collect();
            Ok(json!({
                "RecordCountInfo": { "SubdomainCount": all.len(), "ListCount": page.len(), "TotalCount": all.len() },
                "RecordList": page,
            }))
        }
        "CreateRecord" => {
            let name = absolute(str_param(b, "SubDomain").unwrap_or("@"), &zone);
            let data = data_of(b)?;
            let ttl = ttl_of(b)?;
            if z.list(&zone, Some(&name), Some(data.rtype()))
                .any(|r| r.data == data)
            {
                return Err(err(
                    "InvalidParameter.DomainRecordExist",
                    "记录已经存在，无需再次添加。",
                ));
            }
            let r = z
                .add(&zone, NewRecord::new(&name, data, ttl))
                .map_err(store_err)?;
            Ok(json!({ "RecordId": r.id }))
        }
        "ModifyRecord" => {
            let id = b
                .get("RecordId")
                .and_then(Value::as_u64)
                .ok_or_else(|| err("MissingParameter", "缺少参数 RecordId。"))?;
            let old = z
                .get(id)
                .filter(|r| r.zone == zone)
                .cloned()
                .ok_or_else(|| err("InvalidParameter.RecordIdInvalid", "记录编号错误。"))?;
            let name = absolute(str_param(b, "SubDomain").unwrap_or("@"), &zone);
            let data = data_of(b)?;
            let ttl = ttl_of(b)?;
            if z.list(&zone, Some(&name), Some(data.rtype()))
                .any(|r| r.data == data && r.id != old.id)
            {
                return Err(err(
                    "InvalidParameter.DomainRecordExist",
                    "记录已经存在，无需再次添加。",
                ));
            }
            let mut rec = NewRecord::new(&name, data, ttl);
            rec.attrs = old.attrs.clone();
            z.update(id, rec).map_err(store_err)?;
            Ok(json!({ "RecordId": id }))
        }
        _ => {
            let id = b
                .get("RecordId")
                .and_then(Value::as_u64)
                .ok_or_else(|| err("MissingParameter", "缺少参数 RecordId。"))?;
            if z.get(id).filter(|r| r.zone == zone).is_none() {
                return Err(err("InvalidParameter.RecordIdInvalid", "记录编号错误。"));
            }
            z.delete(id).map_err(store_err)?;
            Ok(json!({}))
        }
    }
}

fn request_id() -> String {
    let r: u128 = rand::random();
    let h = format!("{r:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl Vendor for Dnspod {
    fn name(&self) -> &'static str {
        "dnspod"
    }

    fn is_write(&self, req: &HttpRequest) -> bool {
        let a = req.header("x-tc-action").unwrap_or("");
        ACTIONS.iter().any(|(n, w)| *n == a && *w)
    }

    fn action(&self, req: &HttpRequest) -> Option<String> {
        req.header("x-tc-action").map(str::to_string)
    }

    fn handle(&self, req: &HttpRequest) -> HttpResponse {
        let mut body = match self.dispatch(req) {
            Ok(v) => v,
            Err(e) => json!({ "Error": { "Code": e.code, "Message": e.message } }),
        };
        body["RequestId"] = json!(request_id());
        let now = UNIX_EPOCH + Duration::from_secs(self.now().max(0) as u64);
        HttpResponse::json(200, &json!({ "Response": body }))
            .header("date", &httpdate::fmt_http_date(now))
    }

    fn rate_limited(&self, _retry_after_secs: u64) -> HttpResponse {
        HttpResponse::json(
            200,
            &json!({ "Response": { "Error": { "Code": "RequestLimitExceeded", "Message": "请求的次数超过了频率限制。" }, "RequestId": request_id() } }),
        )
    }
}

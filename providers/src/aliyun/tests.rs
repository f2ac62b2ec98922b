//! The provider against a small Alidns stand-in on 127.0.0.1:0 that checks every
//! signature with its own canonicalisation (not the client's signer) and answers with
//! the shapes of providers-api.md §1.6/§1.7/§1.9.

use super::{Aliyun, SignatureVersion};
use crate::error::ErrorKind;
use crate::http::HttpContext;
use crate::record::{Record, RecordData, RecordType, Zone};
use crate::secret::Secret;
use crate::Provider;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, Response};
use axum::routing::any;
use axum::Router;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Digest;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const KEY_ID: &str = "LTAI5tTestKeyId0001";
const SECRET: &str = "Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQ";

#[derive(Debug, Clone)]
struct FakeRecord {
    id: String,
    zone: String,
    rr: String,
    rtype: String,
    value: String,
    ttl: u32,
    line: String,
    /// MX only (SDK-GO `Record.Priority`).
    priority: Option<u16>,
}

#[derive(Debug, Clone)]
struct Logged {
    method: String,
    action: String,
    params: BTreeMap<String, String>,
    v3: bool,
}

struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

#[derive(Default)]
struct Fake {
    zones: Vec<String>,
    records: Vec<FakeRecord>,
    next_id: u64,
    canned: VecDeque<Canned>,
    log: Vec<Logged>,
    nonces: HashSet<String>,
}

type Shared = Arc<Mutex<Fake>>;

struct Server {
    addr: SocketAddr,
    state: Shared,
}

impl Server {
    async fn start(zones: &[&str]) -> Server {
        let state: Shared = Arc::new(Mutex::new(Fake {
            zones: zones.iter().map(|z| z.to_string()).collect(),
            next_id: 17_606_200_807_154_688,
            ..Fake::default()
        }));
        let app = Router::new()
            .route("/", any(handle))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server { addr, state }
    }

    fn provider(&self, signature: SignatureVersion, secret: &str) -> (Aliyun, HttpContext) {
        let client = test_client();
        let http = HttpContext::new(client);
        let p = Aliyun::new(
            http.clone(),
            KEY_ID.to_string(),
            Secret::new(secret),
            signature,
            Some(format!("http://{}", self.addr)),
        );
        (p, http)
    }

    fn seed(&self, zone: &str, rr: &str, rtype: &str, value: &str, line: &str) -> String {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id.to_string();
        s.records.push(FakeRecord {
            id: id.clone(),
            zone: zone.into(),
            rr: rr.into(),
            rtype: rtype.into(),
            value: value.into(),
            ttl: 600,
            line: line.into(),
            priority: None,
        });
        id
    }

    fn can(&self, status: u16, headers: Vec<(&'static str, String)>, body: &str) {
        self.state.lock().unwrap().canned.push_back(Canned {
            status,
            headers,
            body: body.to_string(),
        });
    }

    fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    fn records(&self) -> Vec<FakeRecord> {
        self.state.lock().unwrap().records.clone()
    }
}

/// A plain client for loopback HTTP (reqwest is built without a TLS provider of its own).
fn test_client() -> reqwest::Client {
    // Another test may have installed it already; either way one is installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

// ---- the server's own canonicalisation (the Go SDK's way: form-encode, then fix up) ----

fn server_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace('*', "%2A")
        .replace("%7E", "~")
}

fn server_canonical(params: &[(String, String)]) -> String {
    let mut enc: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", server_encode(k), server_encode(v)))
        .collect();
    enc.sort_by(|a, b| {
        let ka = a.split('=').next().unwrap_or("");
        let kb = b.split('=').next().unwrap_or("");
        ka.as_bytes().cmp(kb.as_bytes()).then(a.cmp(b))
    });
    enc.join("&")
}

fn request_id() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032X}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn json(status: u16, body: serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=UTF-8")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn error(status: u16, code: &str, message: &str) -> Response<Body> {
    let rid = request_id();
    json(
        status,
        serde_json::json!({
            "RequestId": rid,
            "HostId": "alidns.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Alidns&requestId={rid}"),
        }),
    )
}

/// A refusal from the signature checks (boxed: a response is large).
type Rejection = Box<Response<Body>>;

fn reject(status: u16, code: &str, message: &str) -> Rejection {
    Box::new(error(status, code, message))
}

/// Check a v1 request; on success return the parameters without `Signature`.
fn verify_v1(
    fake: &mut Fake,
    method: &Method,
    mut params: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, Rejection> {
    let get =
        |ps: &[(String, String)], k: &str| ps.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let signature = get(&params, "Signature").ok_or_else(|| {
        reject(
            400,
            "MissingSignature",
            "Signature is mandatory for this action.",
        )
    })?;
    params.retain(|(k, _)| k != "Signature");
    for (k, want) in [
        ("Format", "JSON"),
        ("Version", "2015-01-09"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
    ] {
        if get(&params, k).as_deref() != Some(want) {
            return Err(reject(
                400,
                "InvalidParameter",
                &format!("{k} is not valid"),
            ));
        }
    }
    let ts = get(&params, "Timestamp").unwrap_or_default();
    let b = ts.as_bytes();
    let ts_ok = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if !ts_ok {
        return Err(reject(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        ));
    }
    let nonce = get(&params, "SignatureNonce").unwrap_or_default();
    if nonce.is_empty() || !fake.nonces.insert(nonce) {
        return Err(reject(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    if get(&params, "AccessKeyId").as_deref() != Some(KEY_ID) {
        return Err(reject(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let sts = format!(
        "{}&%2F&{}",
        method.as_str(),
        server_encode(&server_canonical(&params))
    );
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{SECRET}&").as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if expected != signature {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            &format!("Specified signature is not matched with our calculation. server string to sign is:{sts}"),
        ));
    }
    Ok(params)
}

/// Check a V3 request; on success return the action.
fn verify_v3(
    fake: &mut Fake,
    method: &Method,
    headers: &HeaderMap,
    params: &[(String, String)],
    body: &str,
) -> Result<String, Rejection> {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let auth = h("authorization").unwrap_or_default();
    let rest = auth
        .strip_prefix("ACS3-HMAC-SHA256 ")
        .ok_or_else(|| reject(400, "IncompleteSignature", "bad Authorization"))?;
    let mut fields = BTreeMap::new();
    for part in rest.split(',') {
        if let Some((k, v)) = part.split_once('=') {
            fields.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    if fields.get("Credential").map(String::as_str) != Some(KEY_ID) {
        return Err(reject(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let signed = fields.get("SignedHeaders").cloned().unwrap_or_default();
    for must in [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ] {
        if !signed.split(';').any(|s| s == must) {
            return Err(reject(
                400,
                "IncompleteSignature",
                &format!("{must} is not signed"),
            ));
        }
    }
    if h("x-acs-version").as_deref() != Some("2015-01-09") {
        return Err(reject(
            400,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        ));
    }
    let nonce = h("x-acs-signature-nonce").unwrap_or_default();
    if !fake.nonces.insert(nonce) {
        return Err(reject(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    let payload = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    if h("x-acs-content-sha256").as_deref() != Some(payload.as_str()) {
        return Err(reject(
            400,
            "InvalidParameter",
            "x-acs-content-sha256 does not match the body",
        ));
    }
    let mut canon_headers = String::new();
    for name in signed.split(';') {
        canon_headers.push_str(&format!("{name}:{}\n", h(name).unwrap_or_default().trim()));
    }
    let cr = format!(
        "{}\n/\n{}\n{canon_headers}\n{signed}\n{payload}",
        method.as_str(),
        server_canonical(params)
    );
    let sts = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex::encode(sha2::Sha256::digest(cr.as_bytes()))
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    if fields.get("Signature") != Some(&hex::encode(mac.finalize().into_bytes())) {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            &format!("Specified signature is not matched with our calculation. server string to sign is:{sts}"),
        ));
    }
    h("x-acs-action").ok_or_else(|| reject(400, "MissingAction", "Action is mandatory"))
}

async fn handle(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: String,
) -> Response<Body> {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut fake = state.lock().unwrap();
    let v3 = headers.contains_key("authorization");
    let (action, params) = if v3 {
        match verify_v3(&mut fake, &method, &headers, &params, &body) {
            Ok(action) => (action, params),
            Err(resp) => return *resp,
        }
    } else {
        if method != Method::GET {
            return error(
                400,
                "UnsupportedHTTPMethod",
                "this stand-in takes v1 as GET only",
            );
        }
        match verify_v1(&mut fake, &method, params) {
            Ok(ps) => {
                let action = ps
                    .iter()
                    .find(|(k, _)| k == "Action")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                (action, ps)
            }
            Err(resp) => return *resp,
        }
    };
    let params: BTreeMap<String, String> = params.into_iter().collect();
    fake.log.push(Logged {
        method: method.to_string(),
        action: action.clone(),
        params: params.clone(),
        v3,
    });
    if let Some(c) = fake.canned.pop_front() {
        let mut b = Response::builder().status(c.status);
        for (k, v) in c.headers {
            b = b.header(k, v);
        }
        return b.body(Body::from(c.body)).unwrap();
    }
    dispatch(&mut fake, &action, &params)
}

fn dispatch(fake: &mut Fake, action: &str, p: &BTreeMap<String, String>) -> Response<Body> {
    let arg = |k: &str| p.get(k).cloned();
    macro_rules! need {
        ($k:literal) => {
            match arg($k) {
                Some(v) => v,
                None => {
                    return error(
                        400,
                        concat!("Missing", $k),
                        concat!($k, " is mandatory for this action."),
                    )
                }
            }
        };
    }
    let list_body = |records: Vec<&FakeRecord>, page: usize, size: usize| {
        let total = records.len();
        let items: Vec<serde_json::Value> = records
            .iter()
            .skip((page - 1) * size)
            .take(size)
            .map(|r| {
                let mut j = serde_json::json!({
                    "RR": r.rr, "Status": "ENABLE", "Value": r.value, "Weight": 1,
                    "RecordId": r.id, "Type": r.rtype, "DomainName": r.zone,
                    "Locked": false, "Line": r.line, "TTL": r.ttl,
                });
                if let Some(p) = r.priority {
                    j["Priority"] = serde_json::json!(p);
                }
                j
            })
            .collect();
        json(
            200,
            serde_json::json!({
                "PageNumber": page, "TotalCount": total, "PageSize": size,
                "RequestId": request_id(), "DomainRecords": {"Record": items},
            }),
        )
    };
    let page = arg("PageNumber")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize);
    let size = arg("PageSize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20usize);
    match action {
        "DescribeDomainRecords" => {
            let zone = need!("DomainName");
            if !fake.zones.contains(&zone) {
                return error(
                    400,
                    "InvalidDomainName.NoExist",
                    "The specified domain name does not exist. Refresh the page and try again.",
                );
            }
            if !(1..=500).contains(&size) {
                return error(400, "InvalidParameter", "PageSize");
            }
            let rs = fake.records.iter().filter(|r| r.zone == zone).collect();
            list_body(rs, page, size)
        }
        "DescribeSubDomainRecords" => {
            let sub = need!("SubDomain").to_ascii_lowercase();
            let zone = need!("DomainName");
            if !fake.zones.contains(&zone) {
                return error(
                    400,
                    "InvalidDomainName.NoExist",
                    "The specified domain name does not exist. Refresh the page and try again.",
                );
            }
            if !(1..=100).contains(&size) {
                return error(400, "InvalidParameter", "PageSize must be 1..100");
            }
            let rr = if sub == zone {
                "@".to_string()
            } else {
                match sub.strip_suffix(&format!(".{zone}")) {
                    Some(rr) => rr.to_string(),
                    None => return error(400, "InvalidParameter", "SubDomain"),
                }
            };
            let rtype = arg("Type");
            let rs = fake
                .records
                .iter()
                .filter(|r| r.zone == zone && r.rr == rr)
                .filter(|r| rtype.as_ref().is_none_or(|t| &r.rtype == t))
                .collect();
            list_body(rs, page, size)
        }
        "AddDomainRecord" => {
            let zone = need!("DomainName");
            let rr = need!("RR").to_ascii_lowercase();
            let rtype = need!("Type");
            let value = need!("Value");
            let ttl: u32 = arg("TTL").and_then(|t| t.parse().ok()).unwrap_or(600);
            if !fake.zones.contains(&zone) {
                return error(
                    400,
                    "InvalidDomainName.NoExist",
                    "The specified domain name does not exist. Refresh the page and try again.",
                );
            }
            if ttl < 600 {
                return error(400, "QuotaExceeded.TTL", "The specified TTL is invalid. A valid TTL must be in the range of 600 to 86400.");
            }
            if fake.records.iter().any(|r| {
                r.zone == zone
                    && r.rr == rr
                    && r.rtype == rtype
                    && r.value == value
                    && r.line == "default"
            }) {
                return error(
                    400,
                    "DomainRecordDuplicate",
                    "The DNS record already exists.",
                );
            }
            fake.next_id += 1;
            let id = fake.next_id.to_string();
            fake.records.push(FakeRecord {
                id: id.clone(),
                zone,
                rr,
                rtype,
                value,
                ttl,
                line: "default".into(),
                priority: arg("Priority").and_then(|p| p.parse().ok()),
            });
            json(
                200,
                serde_json::json!({"RecordId": id, "RequestId": request_id()}),
            )
        }
        "UpdateDomainRecord" => {
            let id = need!("RecordId");
            let rr = need!("RR").to_ascii_lowercase();
            let rtype = need!("Type");
            let value = need!("Value");
            let ttl: u32 = arg("TTL").and_then(|t| t.parse().ok()).unwrap_or(600);
            let Some(r) = fake.records.iter_mut().find(|r| r.id == id) else {
                return error(
                    400,
                    "DomainRecordNotBelongToUser",
                    "The DNS record does not exist in your account",
                );
            };
            if ttl < 600 {
                return error(400, "QuotaExceeded.TTL", "The specified TTL is invalid. A valid TTL must be in the range of 600 to 86400.");
            }
            if r.rr == rr && r.rtype == rtype && r.value == value {
                return error(
                    400,
                    "DomainRecordDuplicate",
                    "The DNS record already exists.",
                );
            }
            r.rr = rr;
            r.rtype = rtype;
            r.value = value;
            r.ttl = ttl;
            r.line = arg("Line").unwrap_or_else(|| "default".into());
            r.priority = arg("Priority").and_then(|p| p.parse().ok());
            json(
                200,
                serde_json::json!({"RequestId": request_id(), "RecordId": id}),
            )
        }
        "DeleteDomainRecord" => {
            let id = need!("RecordId");
            let Some(i) = fake.records.iter().position(|r| r.id == id) else {
                return error(
                    400,
                    "DomainRecordNotBelongToUser",
                    "The DNS record does not exist in your account",
                );
            };
            fake.records.remove(i);
            json(
                200,
                serde_json::json!({"RequestId": request_id(), "RecordId": id}),
            )
        }
        _ => error(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method",
        ),
    }
}

fn zone(name: &str) -> Zone {
    Zone {
        id: name.into(),
        name: name.into(),
    }
}

fn a(ip: &str) -> RecordData {
    RecordData::A(ip.parse().unwrap())
}

// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn aliyun_zone_found_and_missing() {
    let srv = Server::start(&["example.com"]).await;
    let (p, http) = srv.provider(SignatureVersion::V1, SECRET);
    assert_eq!(p.kind(), "aliyun");
    assert_eq!(p.zone("Example.COM.").await.unwrap(), zone("example.com"));
    let log = srv.log();
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].action, "DescribeDomainRecords");
    assert_eq!(log[0].params["DomainName"], "example.com");
    assert_eq!(log[0].params["PageSize"], "1");
    assert_eq!(log[0].params["Format"], "JSON");

    let e = p.zone("missing.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::ZoneNotFound);
    assert!(e.message.starts_with("DescribeDomainRecords: InvalidDomainName.NoExist: The specified domain name does not exist"), "{}", e.message);
    assert!(e.message.contains("RequestId "), "{}", e.message);
    assert!(e
        .hint
        .as_deref()
        .unwrap()
        .contains("the domain is not in this account"));
    assert!(e.is_permanent());
    assert_eq!(http.counters.requests(), 2);
    assert_eq!(http.counters.failures(), 1);
}

#[tokio::test]
async fn aliyun_list_update_create_in_place() {
    let srv = Server::start(&["example.com"]).await;
    let mail_a = srv.seed("example.com", "mail", "A", "192.0.2.1", "default");
    srv.seed("example.com", "mail", "A", "192.0.2.77", "telecom");
    srv.seed("example.com", "mail", "AAAA", "2001:db8::1", "default");
    srv.seed("example.com", "www", "A", "192.0.2.2", "default");
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");

    let got = p.list(&z, "Mail.Example.com", RecordType::A).await.unwrap();
    assert_eq!(
        got,
        vec![Record {
            id: mail_a.clone(),
            name: "mail.example.com".into(),
            data: a("192.0.2.1"),
            ttl: 600,
        }]
    );
    let l = &srv.log()[0];
    assert_eq!(l.action, "DescribeSubDomainRecords");
    assert_eq!(l.params["SubDomain"], "mail.example.com");
    assert_eq!(l.params["DomainName"], "example.com");
    assert_eq!(l.params["Type"], "A");

    let updated = p
        .update(&z, &got[0], &a("198.51.100.7"), 600)
        .await
        .unwrap();
    assert_eq!(updated.id, mail_a);
    assert_eq!(updated.data, a("198.51.100.7"));
    let l = srv.log().pop().unwrap();
    assert_eq!(l.action, "UpdateDomainRecord");
    assert_eq!(
        l.params
            .keys()
            .filter(|k| ["RecordId", "RR", "Type", "Value", "TTL"].contains(&k.as_str()))
            .count(),
        5
    );
    assert_eq!(l.params["RR"], "mail");
    assert!(!l.params.contains_key("Line"));
    let rec = srv.records().into_iter().find(|r| r.id == mail_a).unwrap();
    assert_eq!(rec.value, "198.51.100.7");
    // The ISP-line record was neither listed nor touched.
    assert!(srv
        .records()
        .iter()
        .any(|r| r.line == "telecom" && r.value == "192.0.2.77"));

    let v6 = RecordData::Aaaa("2001:db8::2".parse().unwrap());
    let created = p
        .create(&z, "a.b.mail.example.com", &v6, 600)
        .await
        .unwrap();
    assert_eq!(created.name, "a.b.mail.example.com");
    let l = srv.log().pop().unwrap();
    assert_eq!(l.action, "AddDomainRecord");
    assert_eq!(
        (l.params["DomainName"].as_str(), l.params["RR"].as_str()),
        ("example.com", "a.b.mail")
    );
    assert_eq!(
        (
            l.params["Type"].as_str(),
            l.params["Value"].as_str(),
            l.params["TTL"].as_str()
        ),
        ("AAAA", "2001:db8::2", "600")
    );
    assert_eq!(
        p.list(&z, "a.b.mail.example.com", RecordType::Aaaa)
            .await
            .unwrap(),
        vec![created]
    );

    let apex = p
        .create(&z, "example.com", &a("192.0.2.50"), 3600)
        .await
        .unwrap();
    assert_eq!(srv.log().pop().unwrap().params["RR"], "@");
    assert_eq!(
        p.list(&z, "example.com", RecordType::A).await.unwrap(),
        vec![apex]
    );
    assert!(p
        .list(&z, "nothing.example.com", RecordType::A)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn aliyun_list_follows_pages() {
    let srv = Server::start(&["example.com"]).await;
    for i in 0..150 {
        srv.seed(
            "example.com",
            "mail",
            "A",
            &format!("192.0.2.{i}"),
            "default",
        );
    }
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let got = p
        .list(&zone("example.com"), "mail.example.com", RecordType::A)
        .await
        .unwrap();
    assert_eq!(got.len(), 150);
    let pages: Vec<String> = srv
        .log()
        .iter()
        .map(|l| l.params["PageNumber"].clone())
        .collect();
    assert_eq!(pages, ["1", "2"]);
    assert!(srv.log().iter().all(|l| l.params["PageSize"] == "100"));
}

#[tokio::test]
async fn aliyun_multi_label_suffix_zone() {
    let srv = Server::start(&["example.com.cn"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = p.zone("example.com.cn").await.unwrap();
    let r = p
        .create(&z, "mail.example.com.cn", &a("203.0.113.10"), 600)
        .await
        .unwrap();
    let l = srv.log().pop().unwrap();
    assert_eq!(
        (l.params["DomainName"].as_str(), l.params["RR"].as_str()),
        ("example.com.cn", "mail")
    );
    assert_eq!(
        p.list(&z, "mail.example.com.cn", RecordType::A)
            .await
            .unwrap(),
        vec![r]
    );
    let e = p
        .create(&z, "mail.example.com", &a("203.0.113.10"), 600)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
}

#[tokio::test]
async fn aliyun_txt_is_sent_joined_and_read_whole() {
    let srv = Server::start(&["example.com"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");
    let spf = RecordData::Txt(vec![
        "v=spf1 ip4:203.0.113.10 a:b/c *~é".into(),
        " -all".into(),
    ]);
    let created = p.create(&z, "example.com", &spf, 600).await.unwrap();
    assert_eq!(
        srv.log().pop().unwrap().params["Value"],
        "v=spf1 ip4:203.0.113.10 a:b/c *~é -all"
    );
    let got = p.list(&z, "example.com", RecordType::Txt).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, created.id);
    assert_eq!(
        got[0].data,
        RecordData::Txt(vec!["v=spf1 ip4:203.0.113.10 a:b/c *~é -all".into()])
    );
    assert_eq!(got[0].data.txt_joined(), spf.txt_joined());
}

#[tokio::test]
async fn aliyun_duplicate_record_is_success() {
    let srv = Server::start(&["example.com"]).await;
    let id = srv.seed("example.com", "mail", "A", "192.0.2.1", "default");
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");
    let old = Record {
        id: id.clone(),
        name: "mail.example.com".into(),
        data: a("192.0.2.1"),
        ttl: 600,
    };
    let same = p.update(&z, &old, &a("192.0.2.1"), 600).await.unwrap();
    assert_eq!(same, old);
    let created = p
        .create(&z, "mail.example.com", &a("192.0.2.1"), 600)
        .await
        .unwrap();
    assert_eq!(created.id, id);
    let actions: Vec<String> = srv.log().iter().map(|l| l.action.clone()).collect();
    assert_eq!(
        actions,
        [
            "UpdateDomainRecord",
            "AddDomainRecord",
            "DescribeSubDomainRecords"
        ]
    );
    assert_eq!(srv.records().len(), 1);
}

#[tokio::test]
async fn aliyun_stale_record_id_is_record_not_found() {
    let srv = Server::start(&["example.com"]).await;
    let (p, http) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");
    let mut old = Record {
        id: "17606201593194496".into(),
        name: "mail.example.com".into(),
        data: a("192.0.2.1"),
        ttl: 600,
    };
    let e = p.update(&z, &old, &a("192.0.2.9"), 600).await.unwrap_err();
    assert!(e.is_record_not_found());
    assert!(
        e.message.contains("DomainRecordNotBelongToUser"),
        "{}",
        e.message
    );
    old.id.clear();
    let e = p.update(&z, &old, &a("192.0.2.9"), 600).await.unwrap_err();
    assert!(e.is_record_not_found());
    assert_eq!(http.counters.requests(), 1, "an empty id is not sent");
}

#[tokio::test]
async fn aliyun_ttl_below_the_edition_minimum() {
    let srv = Server::start(&["example.com"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    assert_eq!(p.min_ttl(), 600);
    assert_eq!(p.rate_limit().requests, 60);
    let e = p
        .create(
            &zone("example.com"),
            "mail.example.com",
            &a("192.0.2.1"),
            60,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("QuotaExceeded.TTL"));
    assert!(e.hint.unwrap().contains("at least 600 s"));
}

#[tokio::test]
async fn aliyun_wrong_secret_points_at_the_secret() {
    let srv = Server::start(&["example.com"]).await;
    let wrong = "WrongSecretWrongSecretWrong0001";
    let (p, _) = srv.provider(SignatureVersion::V1, wrong);
    let e = p.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(
        e.message
            .starts_with("DescribeDomainRecords: SignatureDoesNotMatch: "),
        "{}",
        e.message
    );
    let hint = e.hint.clone().unwrap();
    assert!(
        hint.starts_with("the AccessKey secret is wrong, or the clock is off"),
        "{hint}"
    );
    assert!(
        hint.contains("Alidns rebuilt exactly the string this agent signed"),
        "{hint}"
    );
    assert!(hint.contains("check access_key_secret"), "{hint}");
    for shown in [e.to_string(), format!("{e:?}"), format!("{p:?}")] {
        assert!(!shown.contains(wrong), "the secret leaked: {shown}");
    }
    // The same through V3.
    let (p3, _) = srv.provider(SignatureVersion::V3, wrong);
    let e = p3.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e
        .hint
        .as_deref()
        .unwrap()
        .contains("check access_key_secret"));
    assert!(!format!("{e} {e:?}").contains(wrong));
}

#[tokio::test]
async fn aliyun_expired_timestamp_reports_the_skew() {
    let srv = Server::start(&["example.com"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let server_time = SystemTime::now() - Duration::from_secs(3600);
    srv.can(
        400,
        vec![
            ("content-type", "application/json; charset=UTF-8".into()),
            ("date", httpdate::fmt_http_date(server_time)),
        ],
        r#"{"RequestId":"389CAA05-88AC-591C-BE06-04F166E26685","Message":"Specified time stamp or date value is expired.","Recommend":"https://api.aliyun.com/troubleshoot?q=InvalidTimeStamp.Expired&product=Alidns&requestId=389CAA05-88AC-591C-BE06-04F166E26685","HostId":"alidns.aliyuncs.com","Code":"InvalidTimeStamp.Expired"}"#,
    );
    let e = p.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e
        .message
        .contains("RequestId 389CAA05-88AC-591C-BE06-04F166E26685"));
    let hint = e.hint.unwrap();
    let n: i64 = hint
        .strip_prefix("the clock is off by ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{hint}"));
    assert!((3595..=3605).contains(&n), "{hint}");
    assert!(hint.contains("ahead of Alidns"), "{hint}");
}

#[tokio::test]
async fn aliyun_error_codes_map_to_kinds_and_advice() {
    struct Case {
        status: u16,
        code: &'static str,
        message: &'static str,
        retry_after: Option<&'static str>,
        kind: ErrorKind,
        hint: &'static str,
        wait: Option<u64>,
    }
    let case = |status, code, message, kind, hint| Case {
        status,
        code,
        message,
        retry_after: None,
        kind,
        hint,
        wait: None,
    };
    let cases = [
        case(
            403,
            "Forbidden.RAM",
            "User not authorized to operate on the specified resource.",
            ErrorKind::Permission,
            "grant the RAM user AliyunDNSFullAccess",
        ),
        case(
            403,
            "Forbidden",
            "User not authorized.",
            ErrorKind::Permission,
            "alidns:UpdateDomainRecord",
        ),
        case(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
            ErrorKind::Auth,
            "check access_key_id",
        ),
        case(
            404,
            "InvalidAccessKeyId",
            "Specified access key is not found or invalid.",
            ErrorKind::Auth,
            "check access_key_id",
        ),
        case(
            400,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.",
            ErrorKind::Auth,
            "the AccessKey secret is wrong, or the clock is off",
        ),
        case(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
            ErrorKind::Auth,
            "the system clock is synced",
        ),
        Case {
            wait: Some(5),
            ..case(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
                ErrorKind::RateLimited,
                "request rate",
            )
        },
        Case {
            retry_after: Some("7"),
            wait: Some(7),
            ..case(
                429,
                "Throttling",
                "Request was denied due to flow control.",
                ErrorKind::RateLimited,
                "request rate",
            )
        },
        case(
            400,
            "IncorrectDomainUser",
            "The domain name belongs to other users.",
            ErrorKind::ZoneNotFound,
            "the domain is not in this account",
        ),
        case(
            400,
            "InvalidDomainName.NoExist",
            "The specified domain name does not exist.",
            ErrorKind::ZoneNotFound,
            "the domain is not in this account",
        ),
        case(
            400,
            "DomainRecordNotBelongToUser",
            "The DNS record does not exist in your account",
            ErrorKind::RecordNotFound,
            "looks the record up again",
        ),
        case(
            400,
            "QuotaExceeded.TTL",
            "The specified TTL is invalid. A valid TTL must be in the range of 600 to 86400.",
            ErrorKind::Invalid,
            "at least 600 s",
        ),
        case(
            400,
            "DomainRecordConflict",
            "The DNS record conflicts with other records.",
            ErrorKind::Invalid,
            "conflicts",
        ),
        case(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
            ErrorKind::Transient,
            "fresh",
        ),
        case(
            500,
            "InternalError",
            "The request processing has failed due to some unknown error.",
            ErrorKind::Transient,
            "retries",
        ),
        case(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
            ErrorKind::Transient,
            "retries",
        ),
        case(
            400,
            "InvalidParameter",
            "The specified parameter is not valid.",
            ErrorKind::Invalid,
            "troubleshoot?q=InvalidParameter",
        ),
    ];
    let srv = Server::start(&["example.com"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");
    let old = Record {
        id: "1".into(),
        name: "mail.example.com".into(),
        data: a("192.0.2.1"),
        ttl: 600,
    };
    for c in cases {
        let mut headers = vec![(
            "content-type",
            "application/json; charset=UTF-8".to_string(),
        )];
        if let Some(r) = c.retry_after {
            headers.push(("retry-after", r.to_string()));
        }
        srv.can(
            c.status,
            headers,
            &serde_json::json!({
                "RequestId": "52617F98-0000-4000-8000-000000000001",
                "HostId": "alidns.aliyuncs.com",
                "Code": c.code,
                "Message": c.message,
                "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product=Alidns", c.code),
            })
            .to_string(),
        );
        let e = p.update(&z, &old, &a("192.0.2.9"), 600).await.unwrap_err();
        assert_eq!(e.kind, c.kind, "{}: {e}", c.code);
        assert_eq!(
            e.message,
            format!(
                "UpdateDomainRecord: {}: {} (HTTP {}, RequestId 52617F98-0000-4000-8000-000000000001)",
                c.code, c.message, c.status
            )
        );
        let hint = e.hint.clone().unwrap_or_default();
        assert!(hint.contains(c.hint), "{}: hint {hint:?}", c.code);
        assert_eq!(e.retry_after, c.wait.map(Duration::from_secs), "{}", c.code);
        assert_eq!(e.maybe_applied, c.status >= 500, "{}", c.code);
        assert!(!format!("{e} {e:?}").contains(SECRET));
    }
}

#[tokio::test]
async fn aliyun_html_502_is_transient_and_garbage_is_protocol() {
    let srv = Server::start(&["example.com"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    srv.can(
        502,
        vec![("content-type", "text/html".into())],
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>Tengine</body>\n</html>",
    );
    let e = p.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(e.is_transient());
    assert!(e.message.contains("HTTP 502"), "{}", e.message);
    assert!(e.message.contains("502 Bad Gateway"), "{}", e.message);

    srv.can(200, vec![("content-type", "text/plain".into())], "ok");
    let e = p.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    assert!(
        e.message
            .contains("not an Alidns DescribeDomainRecords answer"),
        "{}",
        e.message
    );

    srv.can(429, vec![("retry-after", "3".into())], "slow down");
    let e = p.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(3)));

    srv.can(
        200,
        vec![("content-type", "application/json".into())],
        r#"{"RequestId":"X","TotalCount":1,"DomainRecords":{"Record":[{"RecordId":"5","RR":"mail","Type":"A","Value":"not-an-ip","TTL":600,"Line":"default"}]}}"#,
    );
    let e = p
        .list(&zone("example.com"), "mail.example.com", RecordType::A)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    assert!(e.message.contains("not-an-ip"));
}

#[tokio::test]
async fn aliyun_v3_signature_round_trip() {
    let srv = Server::start(&["example.com"]).await;
    let id = srv.seed("example.com", "mail", "A", "192.0.2.1", "default");
    let (p, _) = srv.provider(SignatureVersion::V3, SECRET);
    let z = p.zone("example.com").await.unwrap();
    let got = p.list(&z, "mail.example.com", RecordType::A).await.unwrap();
    assert_eq!(got[0].id, id);
    p.update(&z, &got[0], &a("192.0.2.2"), 600).await.unwrap();
    let txt = RecordData::Txt(vec!["v=spf1 a:b/c *~é -all".into()]);
    p.create(&z, "example.com", &txt, 600).await.unwrap();
    let log = srv.log();
    assert!(log.iter().all(|l| l.v3 && l.method == "POST"));
    let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "DescribeDomainRecords",
            "DescribeSubDomainRecords",
            "UpdateDomainRecord",
            "AddDomainRecord"
        ]
    );
    assert!(
        !log[0].params.contains_key("Action"),
        "V3 names the action in a header"
    );
    assert_eq!(log[3].params["Value"], "v=spf1 a:b/c *~é -all");
    assert!(srv.records().iter().any(|r| r.value == "192.0.2.2"));
}

#[tokio::test]
async fn aliyun_unusable_endpoint_is_reported_without_a_request() {
    let http = HttpContext::new(test_client());
    let p = Aliyun::new(
        http.clone(),
        KEY_ID.into(),
        Secret::new(SECRET),
        SignatureVersion::V1,
        Some("ftp://alidns.example".into()),
    );
    let e = p.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.hint.unwrap().contains("endpoint"));
    assert_eq!(http.counters.requests(), 0);
}

// ---------------------------------------------------------------------------------------
// Issue 12: MX Priority, SRV and CAA values, whole-zone listing, delete, what Alidns refuses
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn aliyun_mx_srv_caa_values_and_priority() {
    let srv = Server::start(&["example.com"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");
    let mx = RecordData::Mx {
        preference: 10,
        exchange: "mail.example.com".into(),
    };
    let created = p.create(&z, "example.com", &mx, 600).await.unwrap();
    let sv = RecordData::Srv {
        priority: 0,
        weight: 1,
        port: 993,
        target: "mail.example.com".into(),
    };
    p.create(&z, "_imaps._tcp.example.com", &sv, 600)
        .await
        .unwrap();
    let caa = RecordData::Caa {
        flags: 0,
        tag: "issue".into(),
        value: "letsencrypt.org".into(),
    };
    p.create(&z, "example.com", &caa, 600).await.unwrap();
    let log = srv.log();
    assert_eq!(log[0].action, "AddDomainRecord");
    assert_eq!(log[0].params["RR"], "@");
    assert_eq!(log[0].params["Type"], "MX");
    assert_eq!(log[0].params["Value"], "mail.example.com");
    assert_eq!(log[0].params["Priority"], "10");
    assert_eq!(log[1].params["RR"], "_imaps._tcp");
    assert_eq!(log[1].params["Value"], "0 1 993 mail.example.com");
    assert!(!log[1].params.contains_key("Priority"));
    assert_eq!(log[2].params["Value"], "0 issue \"letsencrypt.org\"");

    // Read back through the one-name listing and the whole-zone listing.
    assert_eq!(
        p.list(&z, "example.com", RecordType::Mx).await.unwrap()[0].data,
        mx
    );
    let all = p.list_zone(&z).await.unwrap();
    let datas: Vec<&RecordData> = all.iter().map(|r| &r.data).collect();
    assert_eq!(datas, [&mx, &sv, &caa]);
    let log = srv.log();
    let last = log.last().unwrap();
    assert_eq!(last.action, "DescribeDomainRecords");
    assert_eq!(last.params["PageSize"], "500");
    assert_eq!(last.params["PageNumber"], "1");

    // Change the preference in place: Priority is sent again.
    let mx20 = RecordData::Mx {
        preference: 20,
        exchange: "mail.example.com".into(),
    };
    p.update(&z, &created, &mx20, 600).await.unwrap();
    let log = srv.log();
    let last = log.last().unwrap();
    assert_eq!(last.action, "UpdateDomainRecord");
    assert_eq!(last.params["Priority"], "20");
    assert_eq!(last.params["RecordId"], created.id);
}

#[tokio::test]
async fn aliyun_list_zone_follows_pages_and_skips_other_types_and_lines() {
    let srv = Server::start(&["example.com"]).await;
    for i in 0..501 {
        srv.seed("example.com", &format!("h{i}"), "A", "192.0.2.1", "default");
    }
    srv.seed("example.com", "@", "NS", "ns1.alidns.com", "default");
    srv.seed("example.com", "mail", "A", "192.0.2.77", "telecom");
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let all = p.list_zone(&zone("example.com")).await.unwrap();
    assert_eq!(all.len(), 501);
    let pages: Vec<String> = srv
        .log()
        .iter()
        .map(|l| l.params["PageNumber"].clone())
        .collect();
    assert_eq!(pages, ["1", "2"]);
}

#[tokio::test]
async fn aliyun_delete_by_record_id() {
    let srv = Server::start(&["example.com"]).await;
    let id = srv.seed("example.com", "mail", "A", "192.0.2.1", "default");
    let keep = srv.seed("example.com", "mail", "A", "192.0.2.2", "default");
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");
    let rec = Record {
        id: id.clone(),
        name: "mail.example.com".into(),
        data: a("192.0.2.1"),
        ttl: 600,
    };
    p.delete(&z, &rec).await.unwrap();
    let log = srv.log();
    assert_eq!(log[0].action, "DeleteDomainRecord");
    assert_eq!(log[0].params["RecordId"], id);
    let left: Vec<String> = srv.records().iter().map(|r| r.id.clone()).collect();
    assert_eq!(left, [keep]);
    let e = p.delete(&z, &rec).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RecordNotFound);
}

#[tokio::test]
async fn aliyun_refuses_what_alidns_cannot_hold_without_a_request() {
    let srv = Server::start(&["example.com"]).await;
    let (p, _) = srv.provider(SignatureVersion::V1, SECRET);
    let z = zone("example.com");
    assert!(p
        .supports(RecordType::Tlsa)
        .unwrap_err()
        .contains("no TLSA"));
    for t in [RecordType::Mx, RecordType::Srv, RecordType::Caa] {
        assert_eq!(p.supports(t), Ok(()));
    }
    let refused = [
        RecordData::Tlsa {
            usage: 3,
            selector: 1,
            matching_type: 1,
            data: "ab".into(),
        },
        RecordData::Mx {
            preference: 0,
            exchange: String::new(),
        },
        RecordData::Mx {
            preference: 60,
            exchange: "mail.example.com".into(),
        },
        RecordData::Srv {
            priority: 0,
            weight: 0,
            port: 0,
            target: String::new(),
        },
        RecordData::Txt(vec!["k".repeat(300), "k".repeat(300)]),
    ];
    for d in &refused {
        assert!(p.supports_data(d).is_err(), "{d}");
        let e = p.create(&z, "example.com", d, 600).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unsupported, "{d}");
    }
    assert!(srv.log().is_empty());
    // A 2048-bit DKIM key (about 410 characters) fits, sent as one value.
    let dkim = format!("v=DKIM1; k=rsa; p={}", "M".repeat(392));
    p.create(
        &z,
        "mail._domainkey.example.com",
        &RecordData::Txt(vec![dkim[..255].to_string(), dkim[255..].to_string()]),
        600,
    )
    .await
    .unwrap();
    assert_eq!(srv.log()[0].params["Value"], dkim);
}

//! The GoDaddy provider against a small local GoDaddy: `sso-key` check on every request,
//! GET/PUT of record sets over an in-memory map with PUT replacing the whole set, and the
//! error bodies recorded in providers-api.md §3.4/§3.7. Written independently of the
//! client's wire types.

use super::*;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const KEY: &str = "dKD4fY7Wez1q_4mhzDgsb6shUFaXkyA8wKo";
const SECRET: &str = "Q6uKV7gFMBcBFCkUvvKtPx";

/// Build the HTTP context the tests use (reqwest needs a rustls provider installed).
pub(super) fn http() -> HttpContext {
    // Err only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
    HttpContext::new(reqwest::Client::builder().build().unwrap())
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Normal,
    /// 403 ACCESS_DENIED on every DNS call (the 2024 small-account restriction).
    Deny,
    /// 404 NOT_FOUND, as the domain endpoint answers for a domain not in the account.
    NotFound,
    /// 429 with `retryAfterSec`, and optionally a `Retry-After` header.
    Limit {
        body_secs: u64,
        header: Option<u64>,
    },
    /// 429 with a plain-text body and only a `Retry-After` header.
    LimitPlain {
        header: u64,
    },
    /// An HTML 502 from a proxy in front of the API.
    Html502,
}

struct Fake {
    domains: Vec<&'static str>,
    sets: HashMap<(String, String, String), Vec<Value>>,
    /// (method, raw path, body) of every request.
    log: Vec<(Method, String, String)>,
    mode: Mode,
    /// `mode` applies only to PUT.
    only_puts: bool,
}

type Shared = Arc<Mutex<Fake>>;

fn reply(status: StatusCode, body: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "max-age=0, no-cache, no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// Auth and the forced-failure modes shared by GET and PUT.
fn gate(fake: &Fake, method: &Method, headers: &HeaderMap, domain: &str) -> Option<Response> {
    let expected = format!("sso-key {KEY}:{SECRET}");
    match headers.get(header::AUTHORIZATION).map(HeaderValue::to_str) {
        None => {
            return Some(reply(
                StatusCode::UNAUTHORIZED,
                r#"{"code":"MISSING_CREDENTIALS","message":"Unauthorized : Credentials must be specified"}"#,
            ))
        }
        Some(Ok(v)) if v == expected => {}
        Some(_) => {
            return Some(reply(
                StatusCode::UNAUTHORIZED,
                r#"{"code":"UNABLE_TO_AUTHENTICATE","message":"Unauthorized : Could not authenticate API key/secret"}"#,
            ))
        }
    }
    if fake.only_puts && method != Method::PUT {
        return None;
    }
    match fake.mode {
        Mode::Normal => {}
        Mode::Deny => {
            return Some(reply(
                StatusCode::FORBIDDEN,
                "{\"code\":\"ACCESS_DENIED\",\"message\":\"Authenticated user is not allowed access\"}\n",
            ))
        }
        Mode::NotFound => {
            return Some(reply(
                StatusCode::NOT_FOUND,
                &format!("{{\"code\":\"NOT_FOUND\",\"message\":\"Domain {domain} not found for shopper\"}}\n"),
            ))
        }
        Mode::Limit { body_secs, header } => {
            let mut r = reply(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("{{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"Too many requests\",\"retryAfterSec\":{body_secs}}}"),
            );
            if let Some(h) = header {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(h));
            }
            return Some(r);
        }
        Mode::LimitPlain { header } => {
            return Some(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, header.to_string())],
                    "Too Many Requests",
                )
                    .into_response(),
            )
        }
        Mode::Html502 => {
            return Some(
                (
                    StatusCode::BAD_GATEWAY,
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
                )
                    .into_response(),
            )
        }
    }
    if !fake.domains.contains(&domain) {
        return Some(reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"code":"UNKNOWN_DOMAIN","message":"The given domain is not registered, or does not have a zone file"}"#,
        ));
    }
    None
}

async fn get_set(
    State(s): State<Shared>,
    Path((domain, rtype, name)): Path<(String, String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let mut fake = s.lock().unwrap();
    fake.log
        .push((Method::GET, uri.path().to_string(), String::new()));
    if let Some(r) = gate(&fake, &Method::GET, &headers, &domain) {
        return r;
    }
    let set = fake
        .sets
        .get(&(domain, rtype, name))
        .cloned()
        .unwrap_or_default();
    reply(
        StatusCode::OK,
        &format!("{}\n", serde_json::to_string(&set).unwrap()),
    )
}

fn invalid_body(fields: Value) -> Response {
    reply(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({"code": "INVALID_BODY", "fields": fields,
                "message": "Request body doesn't fulfill schema, see details in `fields`"})
        .to_string(),
    )
}

async fn put_set(
    State(s): State<Shared>,
    Path((domain, rtype, name)): Path<(String, String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let mut fake = s.lock().unwrap();
    let text = String::from_utf8_lossy(&body).to_string();
    fake.log.push((Method::PUT, uri.path().to_string(), text));
    if let Some(r) = gate(&fake, &Method::PUT, &headers, &domain) {
        return r;
    }
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return invalid_body(
            json!([{"code": "UNEXPECTED_TYPE", "message": "is not a array", "path": "records"}]),
        );
    };
    let mut stored = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(data) = item.get("data").and_then(Value::as_str) else {
            return invalid_body(
                json!([{"code": "MISSING_PROPERTY", "message": "is required", "path": format!("records[{i}].data")}]),
            );
        };
        let ttl = item.get("ttl").and_then(Value::as_u64).unwrap_or(3600);
        if ttl < 600 {
            return invalid_body(
                json!([{"code": "UNKNOWN_RESTRICTION", "message": "must have a minimum value of 600", "path": format!("records[{i}].ttl")}]),
            );
        }
        stored.push(json!({"data": data, "name": name, "ttl": ttl, "type": rtype}));
    }
    fake.sets.insert((domain, rtype, name), stored);
    StatusCode::OK.into_response()
}

struct Harness {
    fake: Shared,
    provider: GoDaddy,
    http: HttpContext,
}

impl Harness {
    async fn start() -> Harness {
        Harness::with_credentials(KEY, SECRET).await
    }

    async fn with_credentials(key: &str, secret: &str) -> Harness {
        let fake = Arc::new(Mutex::new(Fake {
            domains: vec!["example.com", "fullm3tal.online"],
            sets: HashMap::new(),
            log: Vec::new(),
            mode: Mode::Normal,
            only_puts: false,
        }));
        let app = Router::new()
            .route(
                "/v1/domains/{domain}/records/{type}/{name}",
                get(get_set).put(put_set),
            )
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let http = http();
        let provider = GoDaddy::new(
            http.clone(),
            Secret::new(key),
            Secret::new(secret),
            Some(format!("http://{addr}")),
        );
        Harness {
            fake,
            provider,
            http,
        }
    }

    fn seed(&self, domain: &str, rtype: &str, name: &str, json: &str) {
        let set: Vec<Value> = serde_json::from_str(json).unwrap();
        self.fake.lock().unwrap().sets.insert(
            (domain.to_string(), rtype.to_string(), name.to_string()),
            set,
        );
    }

    fn set(&self, domain: &str, rtype: &str, name: &str) -> Vec<Value> {
        self.fake
            .lock()
            .unwrap()
            .sets
            .get(&(domain.to_string(), rtype.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    fn mode(&self, mode: Mode, only_puts: bool) {
        let mut f = self.fake.lock().unwrap();
        f.mode = mode;
        f.only_puts = only_puts;
    }

    /// `METHOD path` of every request so far.
    fn requests(&self) -> Vec<String> {
        self.fake
            .lock()
            .unwrap()
            .log
            .iter()
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    }

    fn put_bodies(&self) -> Vec<Value> {
        self.fake
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|(m, _, _)| m == Method::PUT)
            .map(|(_, _, b)| serde_json::from_str(b).unwrap())
            .collect()
    }

    fn zone(&self) -> Zone {
        Zone {
            id: "example.com".into(),
            name: "example.com".into(),
        }
    }
}

fn a(ip: &str) -> RecordData {
    RecordData::A(ip.parse().unwrap())
}

fn txt(s: &str) -> RecordData {
    RecordData::Txt(vec![s.to_string()])
}

fn record(name: &str, data: RecordData, ttl: u32) -> Record {
    Record {
        id: String::new(),
        name: name.into(),
        data,
        ttl,
    }
}

#[tokio::test]
async fn zone_is_probed_through_the_apex_ns_records() {
    let h = Harness::start().await;
    h.seed(
        "example.com",
        "NS",
        "@",
        r#"[{"data":"ns07.domaincontrol.com","name":"@","ttl":3600,"type":"NS"}]"#,
    );
    let z = h.provider.zone("Example.COM.").await.unwrap();
    assert_eq!(z, h.zone());
    assert_eq!(h.requests(), ["GET /v1/domains/example.com/records/NS/@"]);

    let e = h.provider.zone("nope.example").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::ZoneNotFound);
    assert_eq!(
        e.to_string(),
        "godaddy: reading the NS records of nope.example failed: HTTP 422 UNKNOWN_DOMAIN: \
         The given domain is not registered, or does not have a zone file. check that the \
         domain is registered in this GoDaddy account with GoDaddy's DNS, and set the \
         domain's `zone:` when the zone is not the registrable domain"
    );
}

#[tokio::test]
async fn list_reads_the_recorded_record_set() {
    let h = Harness::start().await;
    h.seed(
        "fullm3tal.online",
        "TXT",
        "_acme-challenge.listrecordset",
        r#"[{"data":"challengetoken1","name":"_acme-challenge.listrecordset","ttl":3600,"type":"TXT"},{"data":"challengetoken2","name":"_acme-challenge.listrecordset","ttl":3600,"type":"TXT"}]"#,
    );
    let zone = Zone {
        id: "fullm3tal.online".into(),
        name: "fullm3tal.online".into(),
    };
    let fqdn = "_acme-challenge.listrecordset.fullm3tal.online";
    let got = h.provider.list(&zone, fqdn, RecordType::Txt).await.unwrap();
    assert_eq!(
        got,
        [
            record(fqdn, txt("challengetoken1"), 3600),
            record(fqdn, txt("challengetoken2"), 3600)
        ]
    );
    // A name with nothing at it: `[]`, not an error.
    let none = h
        .provider
        .list(&zone, "localhost.fullm3tal.online", RecordType::A)
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(
        h.requests(),
        [
            "GET /v1/domains/fullm3tal.online/records/TXT/_acme-challenge.listrecordset",
            "GET /v1/domains/fullm3tal.online/records/A/localhost"
        ]
    );
}

#[tokio::test]
async fn update_changes_one_a_record_and_keeps_the_others() {
    let h = Harness::start().await;
    h.seed(
        "example.com",
        "A",
        "mail",
        r#"[{"data":"192.0.2.1","name":"mail","ttl":3600,"type":"A"},{"data":"192.0.2.2","name":"mail","ttl":1800,"type":"A"}]"#,
    );
    let old = record("mail.example.com", a("192.0.2.1"), 3600);
    let new = h
        .provider
        .update(&h.zone(), &old, &a("198.51.100.7"), 600)
        .await
        .unwrap();
    assert_eq!(new, record("mail.example.com", a("198.51.100.7"), 600));
    assert_eq!(
        h.set("example.com", "A", "mail"),
        [
            json!({"data":"198.51.100.7","name":"mail","ttl":600,"type":"A"}),
            json!({"data":"192.0.2.2","name":"mail","ttl":1800,"type":"A"})
        ]
    );
    assert_eq!(
        h.requests(),
        [
            "GET /v1/domains/example.com/records/A/mail",
            "PUT /v1/domains/example.com/records/A/mail"
        ]
    );
    // The list now reads back what was written.
    let listed = h
        .provider
        .list(&h.zone(), "mail.example.com", RecordType::A)
        .await
        .unwrap();
    assert_eq!(listed[0], new);
}

#[tokio::test]
async fn create_appends_to_the_set() {
    let h = Harness::start().await;
    h.seed(
        "example.com",
        "AAAA",
        "mail",
        r#"[{"data":"2001:db8::1","name":"mail","ttl":3600,"type":"AAAA"}]"#,
    );
    let data = RecordData::Aaaa("2001:db8::2".parse().unwrap());
    let rec = h
        .provider
        .create(&h.zone(), "mail.example.com", &data, 600)
        .await
        .unwrap();
    assert_eq!(rec, record("mail.example.com", data, 600));
    assert_eq!(
        h.put_bodies(),
        [json!([
            {"data":"2001:db8::1","name":"mail","ttl":3600,"type":"AAAA"},
            {"data":"2001:db8::2","name":"mail","ttl":600,"type":"AAAA"}
        ])]
    );

    // At a name with no records: one new entry, ttl always sent.
    h.provider
        .create(&h.zone(), "example.com", &a("203.0.113.5"), 600)
        .await
        .unwrap();
    assert_eq!(
        h.put_bodies()[1],
        json!([{"data":"203.0.113.5","name":"@","ttl":600,"type":"A"}])
    );
    assert_eq!(
        h.requests()[2..],
        [
            "GET /v1/domains/example.com/records/A/@",
            "PUT /v1/domains/example.com/records/A/@"
        ]
    );
}

#[tokio::test]
async fn spf_rewrite_at_the_apex_keeps_the_other_txt_records_byte_for_byte() {
    let h = Harness::start().await;
    // Neighbours with quotes, backslashes, non-ASCII and their own TTLs.
    let google = json!({"data":"google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ","name":"@","ttl":3600,"type":"TXT"});
    let odd = json!({"data":"note=\"quoted\" back\\slash caf\u{e9} \u{1f600}","name":"@","ttl":86400,"type":"TXT"});
    let spf = json!({"data":"v=spf1 mx ip4:203.0.113.10 include:_spf.google.com ~all","name":"@","ttl":3600,"type":"TXT"});
    h.seed(
        "example.com",
        "TXT",
        "@",
        &json!([google, spf, odd]).to_string(),
    );
    let listed = h
        .provider
        .list(&h.zone(), "example.com", RecordType::Txt)
        .await
        .unwrap();
    let old = listed
        .iter()
        .find(|r| r.data.txt_joined().unwrap().starts_with("v=spf1"))
        .unwrap()
        .clone();
    // The agent may hand the SPF record over as several strings; GoDaddy holds one.
    let new = RecordData::Txt(vec![
        "v=spf1 mx ip4:198.51.100.7".into(),
        " include:_spf.google.com ~all".into(),
    ]);
    let rec = h.provider.update(&h.zone(), &old, &new, 600).await.unwrap();
    assert_eq!(
        rec.data,
        txt("v=spf1 mx ip4:198.51.100.7 include:_spf.google.com ~all")
    );
    let new_spf = json!({"data":"v=spf1 mx ip4:198.51.100.7 include:_spf.google.com ~all","name":"@","ttl":600,"type":"TXT"});
    assert_eq!(h.put_bodies(), [json!([google, new_spf, odd])]);
    let after = h.set("example.com", "TXT", "@");
    assert_eq!(after, [google.clone(), new_spf, odd.clone()]);
    assert_eq!(
        after[2]["data"].as_str().unwrap().as_bytes(),
        "note=\"quoted\" back\\slash caf\u{e9} \u{1f600}".as_bytes()
    );
}

#[tokio::test]
async fn an_unchanged_set_is_not_written() {
    let h = Harness::start().await;
    h.seed(
        "example.com",
        "A",
        "mail",
        r#"[{"data":"192.0.2.1","name":"mail","ttl":600,"type":"A"}]"#,
    );
    let old = record("mail.example.com", a("192.0.2.1"), 600);
    h.provider
        .update(&h.zone(), &old, &a("192.0.2.1"), 600)
        .await
        .unwrap();
    h.provider
        .create(&h.zone(), "mail.example.com", &a("192.0.2.1"), 600)
        .await
        .unwrap();
    assert_eq!(
        h.requests(),
        [
            "GET /v1/domains/example.com/records/A/mail",
            "GET /v1/domains/example.com/records/A/mail"
        ]
    );
    assert_eq!(h.http.counters.requests(), 2);
    // A TTL change alone is a write.
    h.provider
        .update(&h.zone(), &old, &a("192.0.2.1"), 3600)
        .await
        .unwrap();
    assert_eq!(
        h.put_bodies(),
        [json!([{"data":"192.0.2.1","name":"mail","ttl":3600,"type":"A"}])]
    );
}

#[tokio::test]
async fn update_of_a_record_that_is_gone_is_record_not_found() {
    let h = Harness::start().await;
    h.seed(
        "example.com",
        "A",
        "mail",
        r#"[{"data":"192.0.2.2","name":"mail","ttl":600,"type":"A"}]"#,
    );
    let old = record("mail.example.com", a("192.0.2.1"), 600);
    let e = h
        .provider
        .update(&h.zone(), &old, &a("198.51.100.7"), 600)
        .await
        .unwrap_err();
    assert!(e.is_record_not_found());
    assert_eq!(
        e.to_string(),
        "godaddy: the A record of mail.example.com to change is no longer there"
    );
    assert_eq!(h.put_bodies().len(), 0);
    assert_eq!(h.set("example.com", "A", "mail").len(), 1);
}

#[tokio::test]
async fn access_denied_explains_the_2024_restriction() {
    let h = Harness::start().await;
    h.mode(Mode::Deny, false);
    let e = h
        .provider
        .list(&h.zone(), "mail.example.com", RecordType::A)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission);
    assert!(e.is_permanent());
    assert_eq!(
        e.to_string(),
        "godaddy: reading the A records of mail.example.com failed: HTTP 403 ACCESS_DENIED: \
         Authenticated user is not allowed access. GoDaddy withdrew DNS API access from small \
         accounts in 2024: its Domains management and DNS APIs now need at least 10 domains in \
         the account and/or an active Discount Domain Club (Premier) plan. Instead, move the \
         domain's DNS to Cloudflare (free, supported by mxddns): add the domain to a Cloudflare \
         account, change its nameservers at GoDaddy to the two Cloudflare gives you, and use a \
         `type: cloudflare` provider"
    );
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error() {
    let h = Harness::with_credentials(KEY, "not-the-secret").await;
    let e = h.provider.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(
        e.to_string(),
        "godaddy: reading the NS records of example.com failed: HTTP 401 UNABLE_TO_AUTHENTICATE: \
         Unauthorized : Could not authenticate API key/secret. check api_key/api_secret; keys \
         for the OTE environment do not work in production and vice versa"
    );
    assert!(!e.to_string().contains("not-the-secret"));
    assert!(!format!("{:?}", h.provider).contains(SECRET));
    assert!(!format!("{:?}", h.provider).contains(KEY));

    // Empty credentials never reach the wire.
    let h = Harness::with_credentials(KEY, "").await;
    let e = h.provider.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(h.requests().is_empty());
}

#[tokio::test]
async fn not_found_is_zone_not_found() {
    let h = Harness::start().await;
    h.mode(Mode::NotFound, false);
    let e = h.provider.zone("example.com").await.unwrap_err();
    assert!(e.is_zone_not_found());
    assert_eq!(
        e.message,
        "reading the NS records of example.com failed: HTTP 404 NOT_FOUND: Domain example.com \
         not found for shopper"
    );
}

#[tokio::test]
async fn a_ttl_below_600_is_invalid_with_the_field_message() {
    let h = Harness::start().await;
    let e = h
        .provider
        .create(&h.zone(), "mail.example.com", &a("192.0.2.1"), 300)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(
        e.to_string(),
        "godaddy: writing the A records of mail.example.com failed: HTTP 422 INVALID_BODY: \
         Request body doesn't fulfill schema, see details in `fields`; records[0].ttl: must \
         have a minimum value of 600 (UNKNOWN_RESTRICTION). GoDaddy's smallest TTL is 600 \
         seconds: set ttl to 600 or more"
    );
    assert_eq!(h.provider.min_ttl(), 600);
}

#[tokio::test]
async fn too_many_requests_carries_the_wait() {
    let h = Harness::start().await;
    h.mode(
        Mode::Limit {
            body_secs: 30,
            header: None,
        },
        false,
    );
    let e = h
        .provider
        .list(&h.zone(), "mail.example.com", RecordType::A)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(30)));
    assert_eq!(
        e.message,
        "reading the A records of mail.example.com failed: HTTP 429 TOO_MANY_REQUESTS: Too many requests"
    );
    // The body's retryAfterSec wins over a header; a header alone is used too.
    h.mode(
        Mode::Limit {
            body_secs: 12,
            header: Some(5),
        },
        false,
    );
    let e = h.provider.zone("example.com").await.unwrap_err();
    assert_eq!(e.retry_after, Some(Duration::from_secs(12)));
    h.mode(Mode::LimitPlain { header: 7 }, false);
    let e = h.provider.zone("example.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(
        h.provider.rate_limit(),
        RateLimit {
            requests: 60,
            window: Duration::from_secs(60)
        }
    );
}

#[tokio::test]
async fn an_html_502_is_transient() {
    let h = Harness::start().await;
    h.mode(Mode::Html502, false);
    let e = h
        .provider
        .list(&h.zone(), "mail.example.com", RecordType::A)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(!e.maybe_applied);
    assert_eq!(
        e.to_string(),
        "godaddy: reading the A records of mail.example.com failed: HTTP 502 Bad Gateway: the \
         answer is not a GoDaddy error: \"<html> <head><title>502 Bad Gateway</title></head> \
         <body> <center><h1>502 Bad Gateway</h1></center> </body> </html>\""
    );
    // On the PUT, a 5xx may have been applied.
    h.mode(Mode::Html502, true);
    let e = h
        .provider
        .create(&h.zone(), "mail.example.com", &a("192.0.2.1"), 600)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(e.maybe_applied);
}

#[tokio::test]
async fn unsafe_names_never_reach_the_wire() {
    let h = Harness::start().await;
    for fqdn in [
        "a/b.example.com",
        "a?b.example.com",
        "x%2f.example.com",
        "mail.example.org",
    ] {
        let e = h
            .provider
            .list(&h.zone(), fqdn, RecordType::A)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{fqdn}");
    }
    let e = h.provider.zone("../../v1/shoppers").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(h.requests().is_empty());
}

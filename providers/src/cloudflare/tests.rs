//! The Cloudflare provider against a local HTTP server that checks every request
//! (method, path, query, Bearer token, JSON body) and answers with bodies recorded from
//! the real API (providers-api.md §2.4, §2.5, §2.8).

use super::*;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The documented example token (well-formed, invalid at the real API).
const TOKEN: &str = "Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY";
const ZONE_ID: &str = "457dd20dded351b97830cb528f507819";
const RECORD_ID: &str = "56dd4e5c3024bcc3ac04b64c97cda3e3";

// ---------------------------------------------------------------------------------------
// The mock server
// ---------------------------------------------------------------------------------------

/// One expected request and the answer to it.
struct Step {
    method: &'static str,
    /// Path and query exactly as sent (`/client/v4/zones?name=example.com&per_page=50`).
    target: String,
    /// The JSON body the request must carry; `None`: no body at all.
    body: Option<Value>,
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    reply: String,
}

fn step(method: &'static str, target: impl Into<String>, body: Option<Value>) -> Step {
    Step {
        method,
        target: target.into(),
        body,
        status: 200,
        headers: Vec::new(),
        reply: String::new(),
    }
}

impl Step {
    fn answer(mut self, status: u16, reply: impl Into<String>) -> Step {
        self.status = status;
        self.reply = reply.into();
        self
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Step {
        self.headers.push((name, value));
        self
    }
}

struct Shared {
    steps: Mutex<VecDeque<Step>>,
    problems: Mutex<Vec<String>>,
}

/// A server on 127.0.0.1:0 that plays `steps` in order.
struct Mock {
    endpoint: String,
    shared: Arc<Shared>,
}

impl Mock {
    async fn start(steps: Vec<Step>) -> Mock {
        let shared = Arc::new(Shared {
            steps: Mutex::new(steps.into()),
            problems: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Mock {
            endpoint: format!("http://127.0.0.1:{port}/client/v4"),
            shared,
        }
    }

    fn provider(&self) -> Cloudflare {
        provider_at(self.endpoint.clone())
    }

    /// Every request matched its step and every step was used.
    fn finish(&self) {
        let problems = self.shared.problems.lock().unwrap();
        assert!(problems.is_empty(), "requests did not match: {problems:#?}");
        let left = self.shared.steps.lock().unwrap();
        let left: Vec<_> = left
            .iter()
            .map(|s| format!("{} {}", s.method, s.target))
            .collect();
        assert!(left.is_empty(), "requests never made: {left:?}");
    }
}

fn provider_at(endpoint: String) -> Cloudflare {
    // reqwest is built without a default rustls provider; the binary installs ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    Cloudflare::new(HttpContext::new(client), Secret::new(TOKEN), Some(endpoint))
}

/// Checks the request against the next step, in the handler, and answers it.
async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let next = shared.steps.lock().unwrap().pop_front();
    let Some(step) = next else {
        let p = format!("unexpected request {} {target}", parts.method);
        shared.problems.lock().unwrap().push(p.clone());
        return reply(500, &[], format!("mock: {p}"));
    };
    let mut problems = Vec::new();
    if parts.method.as_str() != step.method {
        problems.push(format!(
            "method {} instead of {}",
            parts.method, step.method
        ));
    }
    if target != step.target {
        problems.push(format!("target {target} instead of {}", step.target));
    }
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        problems.push(format!("authorization {auth:?}"));
    }
    match &step.body {
        Some(expected) => {
            let ct = parts
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            if ct != Some("application/json") {
                problems.push(format!("content-type {ct:?}"));
            }
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(got) if &got == expected => {}
                Ok(got) => problems.push(format!("body {got} instead of {expected}")),
                Err(e) => problems.push(format!("body is not JSON: {e}")),
            }
        }
        None if !bytes.is_empty() => problems.push(format!("unexpected body {bytes:?}")),
        None => {}
    }
    if !problems.is_empty() {
        let p = format!("{} {}: {}", step.method, step.target, problems.join("; "));
        shared.problems.lock().unwrap().push(p.clone());
        return reply(418, &[], format!("mock: {p}"));
    }
    reply(step.status, &step.headers, step.reply)
}

fn reply(status: u16, headers: &[(&'static str, &'static str)], body: String) -> Response {
    let mut b = Response::builder().status(StatusCode::from_u16(status).unwrap());
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::from(body)).unwrap()
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

fn zone() -> Zone {
    Zone {
        id: ZONE_ID.into(),
        name: "example.com".into(),
    }
}

fn zones_target(name: &str) -> String {
    format!("/client/v4/zones?name={name}&per_page=50")
}

fn records_target(rtype: &str, name: &str) -> String {
    format!("/client/v4/zones/{ZONE_ID}/dns_records?type={rtype}&name={name}&per_page=100")
}

fn record_target(id: &str) -> String {
    format!("/client/v4/zones/{ZONE_ID}/dns_records/{id}")
}

/// A `GET /zones` entry with the fields of a real one (providers-api.md §2.8 E).
fn zone_entry(id: &str, name: &str, status: &str) -> Value {
    json!({
        "id": id, "name": name, "status": status, "paused": false, "type": "full",
        "development_mode": 0,
        "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
        "original_name_servers": null, "original_registrar": null, "original_dnshost": null,
        "modified_on": "2025-08-27T20:30:12.402346Z", "created_on": "2025-08-27T20:30:11.939812Z",
        "activated_on": null, "vanity_name_servers": [],
        "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": false},
        "owner": {"id": null, "type": "user", "email": null},
        "account": {"id": "b5e4f1c7d2a3e6f8a9b0c1d2e3f4a5b6", "name": "Home"},
        "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read"],
        "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0,
                 "currency": "USD", "frequency": "", "is_subscribed": false, "can_subscribe": false,
                 "legacy_id": "free", "legacy_discount": false, "externally_managed": false}
    })
}

/// A list answer as Cloudflare sends it (`result_info` before `success` for zones).
fn list_body(result: Vec<Value>, page: u32, total_pages: u32, total_count: u32) -> String {
    json!({
        "result": result,
        "result_info": {"page": page, "per_page": 100, "count": 1, "total_count": total_count, "total_pages": total_pages},
        "success": true, "errors": [], "messages": []
    })
    .to_string()
}

/// A DNS record with every field of a 2025 answer (providers-api.md §2.8 A).
fn record_entry(id: &str, name: &str, rtype: &str, content: &str, ttl: u32) -> Value {
    json!({
        "id": id, "name": name, "type": rtype, "content": content,
        "proxiable": rtype != "TXT", "proxied": false, "ttl": ttl,
        "settings": {}, "meta": {}, "comment": null, "tags": [],
        "created_on": "2025-08-27T20:36:17.634961Z", "modified_on": "2025-08-27T20:36:17.634961Z"
    })
}

fn one_body(result: Value) -> String {
    json!({"result": result, "success": true, "errors": [], "messages": []}).to_string()
}

fn failure(code: i64, message: &str) -> String {
    json!({"result": null, "success": false, "errors": [{"code": code, "message": message}], "messages": []})
        .to_string()
}

fn a(ip: &str) -> RecordData {
    RecordData::A(ip.parse().unwrap())
}

fn a_record(ip: &str) -> Record {
    Record {
        id: RECORD_ID.into(),
        name: "mail.example.com".into(),
        data: a(ip),
        ttl: 300,
    }
}

// ---------------------------------------------------------------------------------------
// Zones
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn zone_is_found_by_exact_name() {
    let other = "0123456789abcdef0123456789abcdef";
    let mock = Mock::start(vec![step("GET", zones_target("example.com"), None).answer(
        200,
        list_body(
            vec![
                zone_entry(other, "mail.example.com", "active"),
                zone_entry(ZONE_ID, "Example.COM", "active"),
            ],
            1,
            1,
            2,
        ),
    )])
    .await;
    // A trailing slash on the endpoint and a name in any case are fine.
    let cf = provider_at(format!("{}/", mock.endpoint));
    let z = cf.zone("EXAMPLE.com.").await.unwrap();
    assert_eq!(z, zone());
    mock.finish();
}

#[tokio::test]
async fn missing_zone_says_where_to_look() {
    let body = r#"{"result":[],"result_info":{"page":1,"per_page":50,"total_pages":0,"count":0,"total_count":0},"success":true,"errors":[],"messages":[]}"#;
    let mock = Mock::start(vec![
        step("GET", zones_target("example.com"), None).answer(200, body)
    ])
    .await;
    let err = mock.provider().zone("example.com").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::ZoneNotFound);
    assert_eq!(
        err.to_string(),
        "cloudflare: looking up zone example.com: no zone example.com in this Cloudflare \
account. The zone is not in this account, or the api_token's Zone Resources do not include \
it: check the zone name (set zone: when it differs from the domain) and the token's Zone \
Resources"
    );
    mock.finish();
}

#[tokio::test]
async fn pending_zone_is_still_returned() {
    let mock = Mock::start(vec![step("GET", zones_target("example.com"), None).answer(
        200,
        list_body(vec![zone_entry(ZONE_ID, "example.com", "pending")], 1, 1, 1),
    )])
    .await;
    assert_eq!(mock.provider().zone("example.com").await.unwrap(), zone());
    mock.finish();
}

#[tokio::test]
async fn zone_id_that_is_not_an_identifier_is_refused() {
    let mock = Mock::start(vec![step("GET", zones_target("example.com"), None).answer(
        200,
        list_body(
            vec![zone_entry("../../user/tokens", "example.com", "active")],
            1,
            1,
            1,
        ),
    )])
    .await;
    let err = mock.provider().zone("example.com").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert_eq!(
        err.message,
        "looking up zone example.com: the zone id \"../../user/tokens\" is not a Cloudflare \
identifier (32 hex digits)"
    );
    mock.finish();
}

#[tokio::test]
async fn query_values_are_url_encoded() {
    let mock = Mock::start(vec![step(
        "GET",
        "/client/v4/zones?name=a%26b%3Dc+d.example&per_page=50",
        None,
    )
    .answer(200, list_body(vec![], 1, 1, 0))])
    .await;
    let err = mock.provider().zone("a&b=c d.example").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::ZoneNotFound);
    mock.finish();
}

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn list_follows_pages() {
    let second = "0123456789abcdef0123456789abcdef";
    let mock = Mock::start(vec![
        step("GET", records_target("A", "mail.example.com"), None).answer(
            200,
            list_body(
                vec![record_entry(
                    RECORD_ID,
                    "mail.example.com",
                    "A",
                    "203.0.113.10",
                    300,
                )],
                1,
                2,
                2,
            ),
        ),
        step(
            "GET",
            format!("{}&page=2", records_target("A", "mail.example.com")),
            None,
        )
        .answer(
            200,
            list_body(
                vec![record_entry(
                    second,
                    "mail.example.com",
                    "A",
                    "203.0.113.11",
                    1,
                )],
                2,
                2,
                2,
            ),
        ),
    ])
    .await;
    let got = mock
        .provider()
        .list(&zone(), "Mail.Example.com", RecordType::A)
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![
            a_record("203.0.113.10"),
            Record {
                id: second.into(),
                name: "mail.example.com".into(),
                data: a("203.0.113.11"),
                ttl: 1,
            }
        ]
    );
    mock.finish();
}

#[tokio::test]
async fn empty_list_with_zero_or_one_pages() {
    // 2020 answers said total_pages 0 for an empty list; 2025 answers say 1.
    let empty_2020 = r#"{"result":[],"result_info":{"page":1,"per_page":100,"total_pages":0,"count":0,"total_count":0},"success":true,"errors":[],"messages":[]}"#;
    let empty_2025 = r#"{"result":[],"success":true,"errors":[],"messages":[],"result_info":{"page":1,"per_page":100,"count":0,"total_count":0,"total_pages":1}}"#;
    let mock = Mock::start(vec![
        step("GET", records_target("AAAA", "mail.example.com"), None).answer(200, empty_2020),
        step("GET", records_target("AAAA", "mail.example.com"), None).answer(200, empty_2025),
    ])
    .await;
    let cf = mock.provider();
    for _ in 0..2 {
        let got = cf
            .list(&zone(), "mail.example.com", RecordType::Aaaa)
            .await
            .unwrap();
        assert!(got.is_empty());
    }
    mock.finish();
}

#[tokio::test]
async fn list_reads_the_recorded_txt_answer() {
    // providers-api.md §2.8 B, verbatim.
    let body = r#"{"result":[{"id":"c9009ce339062ce6443b29e06a562d0e","name":"orig.test.byemike.org","type":"TXT","content":"challengetoken","proxiable":false,"proxied":false,"ttl":3600,"settings":{},"meta":{},"comment":null,"tags":[],"created_on":"2025-08-27T20:36:33.131565Z","modified_on":"2025-08-27T20:36:33.131565Z"}],"success":true,"errors":[],"messages":[],"result_info":{"page":1,"per_page":100,"count":1,"total_count":1,"total_pages":1}}"#;
    let mock = Mock::start(vec![step(
        "GET",
        records_target("TXT", "orig.test.byemike.org"),
        None,
    )
    .answer(200, body)])
    .await;
    let z = Zone {
        id: ZONE_ID.into(),
        name: "byemike.org".into(),
    };
    let got = mock
        .provider()
        .list(&z, "orig.test.byemike.org", RecordType::Txt)
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![Record {
            id: "c9009ce339062ce6443b29e06a562d0e".into(),
            name: "orig.test.byemike.org".into(),
            data: RecordData::Txt(vec!["challengetoken".into()]),
            ttl: 3600,
        }]
    );
    mock.finish();
}

#[tokio::test]
async fn list_ignores_records_the_filter_should_have_left_out() {
    let mock = Mock::start(vec![step(
        "GET",
        records_target("A", "mail.example.com"),
        None,
    )
    .answer(
        200,
        list_body(
            vec![
                record_entry(
                    "11111111111111111111111111111111",
                    "www.example.com",
                    "A",
                    "203.0.113.1",
                    300,
                ),
                record_entry(
                    "22222222222222222222222222222222",
                    "mail.example.com",
                    "AAAA",
                    "2001:db8::1",
                    300,
                ),
                record_entry(RECORD_ID, "mail.example.com", "A", "203.0.113.10", 300),
            ],
            1,
            1,
            3,
        ),
    )])
    .await;
    let got = mock
        .provider()
        .list(&zone(), "mail.example.com", RecordType::A)
        .await
        .unwrap();
    assert_eq!(got, vec![a_record("203.0.113.10")]);
    mock.finish();
}

#[tokio::test]
async fn create_sends_the_record_and_reads_the_recorded_answer() {
    // providers-api.md §2.8 A: the recorded answer, verbatim.
    let answer = r#"{"result":{"id":"56dd4e5c3024bcc3ac04b64c97cda3e3","name":"localhost.byemike.org","type":"A","content":"127.0.0.1","proxiable":false,"proxied":false,"ttl":3600,"settings":{},"meta":{},"comment":null,"tags":[],"created_on":"2025-08-27T20:36:17.634961Z","modified_on":"2025-08-27T20:36:17.634961Z"},"success":true,"errors":[],"messages":[]}"#;
    let mock = Mock::start(vec![step(
        "POST",
        format!("/client/v4/zones/{ZONE_ID}/dns_records"),
        Some(json!({"type": "A", "name": "localhost.byemike.org", "content": "127.0.0.1", "ttl": 3600, "proxied": false})),
    )
    .answer(200, answer)])
    .await;
    let z = Zone {
        id: ZONE_ID.into(),
        name: "byemike.org".into(),
    };
    let got = mock
        .provider()
        .create(&z, "localhost.byemike.org", &a("127.0.0.1"), 3600)
        .await
        .unwrap();
    assert_eq!(
        got,
        Record {
            id: RECORD_ID.into(),
            name: "localhost.byemike.org".into(),
            data: a("127.0.0.1"),
            ttl: 3600,
        }
    );
    mock.finish();
}

#[tokio::test]
async fn txt_with_several_strings_round_trips() {
    let parts = vec![
        "v=spf1 ip4:203.0.113.10 include:_spf.example.net".to_string(),
        " say \"hi\" -all".to_string(),
    ];
    let content = r#""v=spf1 ip4:203.0.113.10 include:_spf.example.net" " say \"hi\" -all""#;
    let data = RecordData::Txt(parts);
    let stored = record_entry(RECORD_ID, "example.com", "TXT", content, 600);
    let mock = Mock::start(vec![
        // No `proxied` for TXT.
        step(
            "POST",
            format!("/client/v4/zones/{ZONE_ID}/dns_records"),
            Some(json!({"type": "TXT", "name": "example.com", "content": content, "ttl": 600})),
        )
        .answer(200, one_body(stored.clone())),
        step("GET", records_target("TXT", "example.com"), None)
            .answer(200, list_body(vec![stored], 1, 1, 1)),
    ])
    .await;
    let cf = mock.provider();
    let created = cf.create(&zone(), "example.com", &data, 600).await.unwrap();
    assert_eq!(created.data, data);
    let listed = cf
        .list(&zone(), "example.com", RecordType::Txt)
        .await
        .unwrap();
    assert_eq!(listed, vec![created]);
    mock.finish();
}

#[tokio::test]
async fn update_patches_content_and_ttl_in_place() {
    let mock = Mock::start(vec![
        step(
            "PATCH",
            record_target(RECORD_ID),
            Some(json!({"content": "203.0.113.20", "ttl": 600})),
        )
        .answer(
            200,
            one_body(record_entry(
                RECORD_ID,
                "mail.example.com",
                "A",
                "203.0.113.20",
                600,
            )),
        ),
        // Below the minimum: raised to 60. `1` (automatic) is kept.
        step(
            "PATCH",
            record_target(RECORD_ID),
            Some(json!({"content": "203.0.113.21", "ttl": 60})),
        )
        .answer(
            200,
            one_body(record_entry(
                RECORD_ID,
                "mail.example.com",
                "A",
                "203.0.113.21",
                60,
            )),
        ),
        step(
            "PATCH",
            record_target(RECORD_ID),
            Some(json!({"content": "203.0.113.22", "ttl": 1})),
        )
        .answer(
            200,
            one_body(record_entry(
                RECORD_ID,
                "mail.example.com",
                "A",
                "203.0.113.22",
                1,
            )),
        ),
    ])
    .await;
    let cf = mock.provider();
    let old = a_record("203.0.113.10");
    let got = cf
        .update(&zone(), &old, &a("203.0.113.20"), 600)
        .await
        .unwrap();
    assert_eq!(
        got,
        Record {
            data: a("203.0.113.20"),
            ttl: 600,
            ..old.clone()
        }
    );
    assert_eq!(
        cf.update(&zone(), &old, &a("203.0.113.21"), 30)
            .await
            .unwrap()
            .ttl,
        60
    );
    assert_eq!(
        cf.update(&zone(), &old, &a("203.0.113.22"), 1)
            .await
            .unwrap()
            .ttl,
        1
    );
    mock.finish();
}

#[tokio::test]
async fn identical_record_on_update_is_success() {
    let mock = Mock::start(vec![step(
        "PATCH",
        record_target(RECORD_ID),
        Some(json!({"content": "203.0.113.10", "ttl": 300})),
    )
    .answer(
        400,
        r#"{"result":null,"success":false,"errors":[{"code":81058,"message":"An identical record already exists."}],"messages":[]}"#,
    )])
    .await;
    let old = a_record("203.0.113.10");
    let got = mock
        .provider()
        .update(&zone(), &old, &a("203.0.113.10"), 300)
        .await
        .unwrap();
    assert_eq!(got, old);
    mock.finish();
}

#[tokio::test]
async fn identical_record_on_create_returns_the_existing_one() {
    let mock = Mock::start(vec![
        step(
            "POST",
            format!("/client/v4/zones/{ZONE_ID}/dns_records"),
            Some(json!({"type": "A", "name": "mail.example.com", "content": "203.0.113.10", "ttl": 300, "proxied": false})),
        )
        .answer(400, failure(81057, "The record already exists.")),
        step("GET", records_target("A", "mail.example.com"), None).answer(
            200,
            list_body(
                vec![record_entry(RECORD_ID, "mail.example.com", "A", "203.0.113.10", 300)],
                1,
                1,
                1,
            ),
        ),
    ])
    .await;
    let got = mock
        .provider()
        .create(&zone(), "mail.example.com", &a("203.0.113.10"), 300)
        .await
        .unwrap();
    assert_eq!(got, a_record("203.0.113.10"));
    mock.finish();
}

#[tokio::test]
async fn stale_record_id_is_record_not_found() {
    let mock = Mock::start(vec![step(
        "PATCH",
        record_target(RECORD_ID),
        Some(json!({"content": "203.0.113.20", "ttl": 300})),
    )
    .answer(
        404,
        r#"{"result":null,"success":false,"errors":[{"code":81044,"message":"Record does not exist."}],"messages":[]}"#,
    )])
    .await;
    let err = mock
        .provider()
        .update(&zone(), &a_record("203.0.113.10"), &a("203.0.113.20"), 300)
        .await
        .unwrap_err();
    assert!(err.is_record_not_found());
    assert_eq!(
        err.to_string(),
        "cloudflare: updating A record mail.example.com: HTTP 404 Not Found: code 81044: \
Record does not exist. The record was changed or deleted at Cloudflare since it was read; it \
is looked up again"
    );
    mock.finish();
}

#[tokio::test]
async fn ids_that_are_not_identifiers_never_reach_a_path() {
    let mock = Mock::start(vec![]).await;
    let cf = mock.provider();
    let mut old = a_record("203.0.113.10");
    old.id = "../../zones".into();
    let err = cf
        .update(&zone(), &old, &a("203.0.113.20"), 300)
        .await
        .unwrap_err();
    assert!(err.is_record_not_found());
    old.id = String::new();
    let err = cf
        .update(&zone(), &old, &a("203.0.113.20"), 300)
        .await
        .unwrap_err();
    assert!(err.is_record_not_found());
    let bad_zone = Zone {
        id: "example.com".into(),
        name: "example.com".into(),
    };
    let err = cf
        .list(&bad_zone, "mail.example.com", RecordType::A)
        .await
        .unwrap_err();
    assert!(err.is_zone_not_found());
    mock.finish();
}

#[tokio::test]
async fn update_refuses_to_change_the_type() {
    let mock = Mock::start(vec![]).await;
    let err = mock
        .provider()
        .update(
            &zone(),
            &a_record("203.0.113.10"),
            &RecordData::Aaaa("2001:db8::1".parse().unwrap()),
            300,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    mock.finish();
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Which call a case makes; each expects its own request.
#[derive(Debug, Clone, Copy)]
enum Op {
    Zone,
    List,
    Create,
    Update,
}

fn request_for(op: Op) -> Step {
    match op {
        Op::Zone => step("GET", zones_target("example.com"), None),
        Op::List => step("GET", records_target("A", "mail.example.com"), None),
        Op::Create => step(
            "POST",
            format!("/client/v4/zones/{ZONE_ID}/dns_records"),
            Some(
                json!({"type": "A", "name": "mail.example.com", "content": "203.0.113.20", "ttl": 300, "proxied": false}),
            ),
        ),
        Op::Update => step(
            "PATCH",
            record_target(RECORD_ID),
            Some(json!({"content": "203.0.113.20", "ttl": 300})),
        ),
    }
}

/// Make `op` against a server that answers `status`/`body`; return the error.
async fn fail(
    op: Op,
    status: u16,
    headers: &[(&'static str, &'static str)],
    body: &str,
) -> ProviderError {
    let mut s = request_for(op).answer(status, body);
    for (k, v) in headers {
        s = s.header(k, v);
    }
    let mock = Mock::start(vec![s]).await;
    let cf = mock.provider();
    let data = a("203.0.113.20");
    let err = match op {
        Op::Zone => cf.zone("example.com").await.map(|_| ()),
        Op::List => cf
            .list(&zone(), "mail.example.com", RecordType::A)
            .await
            .map(|_| ()),
        Op::Create => cf
            .create(&zone(), "mail.example.com", &data, 300)
            .await
            .map(|_| ()),
        Op::Update => cf
            .update(&zone(), &a_record("203.0.113.10"), &data, 300)
            .await
            .map(|_| ()),
    }
    .unwrap_err();
    mock.finish();
    assert_eq!(err.provider, "cloudflare");
    assert!(!err.to_string().contains(TOKEN), "token leaked: {err}");
    assert!(!format!("{err:?}").contains(TOKEN), "token leaked: {err:?}");
    err
}

#[tokio::test]
async fn each_error_code_maps_to_a_kind_and_a_hint() {
    use ErrorKind::*;
    // (call, HTTP status, body, kind, text in the message, text in the hint)
    let cases: Vec<(Op, u16, String, ErrorKind, &str, &str)> = vec![
        (Op::Zone, 400, failure(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers"),
            Auth, "code 9106: Missing X-Auth-Key", "set api_token"),
        (Op::Zone, 400, r#"{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6111,"message":"Invalid format for Authorization header"}]}],"messages":[],"result":null}"#.into(),
            Auth, "code 6003: Invalid request headers (code 6111: Invalid format for Authorization header)", "Global API Key is not supported"),
        (Op::List, 400, r#"{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6102,"message":"Invalid format for X-Auth-Email header"}]}],"messages":[],"result":null}"#.into(),
            Auth, "code 6102", "not a Cloudflare API token"),
        (Op::Zone, 400, failure(6103, "Invalid format for X-Auth-Key header"),
            Auth, "code 6103", "not a Cloudflare API token"),
        (Op::Zone, 403, r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"messages":[],"result":null}"#.into(),
            Auth, "code 9109: Invalid access token", "unknown to Cloudflare, expired or revoked"),
        (Op::Create, 403, failure(9109, "Cannot use the access token from location: 198.51.100.7"),
            Auth, "code 9109: Cannot use the access token from location: 198.51.100.7", "Client IP Address Filtering"),
        (Op::Zone, 401, failure(1000, "Invalid API Token"),
            Auth, "code 1000: Invalid API Token", "create a new API token"),
        (Op::List, 403, failure(10000, "Authentication error"),
            Permission, "code 10000: Authentication error", "\"Zone → DNS → Edit\" and \"Zone → Zone → Read\" for zone example.com"),
        (Op::Update, 404, failure(81044, "Record does not exist."),
            RecordNotFound, "code 81044: Record does not exist", "looked up again"),
        (Op::Update, 404, r#"{"success":false,"errors":[{"code":7003,"message":"Could not route to /client/v4/zones/457dd20dded351b97830cb528f507819/dns_records/56dd4e5c3024bcc3ac04b64c97cda3e3, perhaps your object identifier is invalid?"},{"code":7000,"message":"No route for that URI"}],"messages":[],"result":null}"#.into(),
            RecordNotFound, "code 7003: Could not route to", "looked up again"),
        (Op::List, 400, r#"{"success":false,"errors":[{"code":7003,"message":"Could not route to /client/v4/zones/457dd20dded351b97830cb528f507819/dns_records, perhaps your object identifier is invalid?"},{"code":7000,"message":"No route for that URI"}],"messages":[],"result":null}"#.into(),
            ZoneNotFound, "; code 7000: No route for that URI", "example.com was removed from the account"),
        (Op::Create, 400, failure(81053, "An A, AAAA, or CNAME record with that host already exists."),
            Invalid, "code 81053: An A, AAAA, or CNAME record with that host already exists", "either a CNAME record or A/AAAA records"),
        (Op::Create, 400, failure(81054, "A CNAME record with that host already exists."),
            Invalid, "code 81054", "either a CNAME record or A/AAAA records"),
        (Op::Create, 400, failure(9005, "Content for A record must be a valid IPv4 address."),
            Invalid, "code 9005: Content for A record must be a valid IPv4 address", ""),
        (Op::Update, 400, failure(9006, "Content for AAAA record must be a valid IPv6 address."),
            Invalid, "code 9006", ""),
        (Op::Create, 400, failure(9021, "TTL must be between 60 and 86400 seconds, or 1 for Automatic."),
            Invalid, "code 9021", "Set ttl to 1 (automatic)"),
        (Op::Update, 400, r#"{"result":null,"success":false,"errors":[{"code":1004,"message":"DNS Validation Error","error_chain":[{"code":9021,"message":"TTL must be between 60 and 86400 seconds, or 1 for Automatic."}]}],"messages":[]}"#.into(),
            Invalid, "code 1004: DNS Validation Error (code 9021: TTL must be between 60 and 86400 seconds, or 1 for Automatic)", "Set ttl to 1"),
        (Op::Create, 403, failure(1038, "You cannot use this API for domains with a .cf, .ga, .gq, .ml, or .tk TLD (top-level domain). To configure the DNS settings for this domain, use the Cloudflare Dashboard."),
            Permission, "code 1038", "change this record in the Cloudflare dashboard"),
        (Op::Update, 429, r#"{"success":false,"errors":[{"code":10100,"message":"More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed"}],"messages":[],"result":null}"#.into(),
            RateLimited, "code 10100", "wait for the 5-minute window to pass"),
        (Op::List, 500, failure(10001, "Internal error"),
            Transient, "HTTP 500 Internal Server Error: code 10001: Internal error", ""),
        // A code we do not know: the HTTP status decides.
        (Op::Zone, 403, failure(12345, "Something new"),
            Permission, "code 12345: Something new", "for zone example.com"),
        (Op::List, 200, r#"{"result":null,"success":false,"errors":[],"messages":[]}"#.into(),
            Invalid, "HTTP 200 OK: the answer says it failed but gives no error", ""),
    ];
    for (op, status, body, kind, in_message, in_hint) in cases {
        let err = fail(op, status, &[], &body).await;
        assert_eq!(err.kind, kind, "{op:?} {status} {body}: {err}");
        assert!(
            err.message.contains(in_message),
            "{op:?} {body}: {}",
            err.message
        );
        let hint = err.hint.clone().unwrap_or_default();
        if in_hint.is_empty() {
            assert!(err.hint.is_none(), "{body}: unexpected hint {hint}");
        } else {
            assert!(hint.contains(in_hint), "{body}: hint {hint:?}");
        }
        let writes = matches!(op, Op::Create | Op::Update);
        assert_eq!(err.maybe_applied, writes && status >= 500, "{body}");
    }
}

#[tokio::test]
async fn malformed_token_message() {
    let err = fail(
        Op::Zone,
        400,
        &[],
        r#"{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6111,"message":"Invalid format for Authorization header"}]}],"messages":[],"result":null}"#,
    )
    .await;
    assert_eq!(
        err.to_string(),
        "cloudflare: looking up zone example.com: HTTP 400 Bad Request: code 6003: Invalid \
request headers (code 6111: Invalid format for Authorization header). The api_token is not a \
Cloudflare API token: copy it again (a Global API Key is not supported; create an API token \
under My Profile → API Tokens)"
    );
    assert!(err.is_permanent());
}

#[tokio::test]
async fn revoked_token_message() {
    let err = fail(
        Op::Zone,
        403,
        &[],
        r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"messages":[],"result":null}"#,
    )
    .await;
    assert_eq!(
        err.to_string(),
        "cloudflare: looking up zone example.com: HTTP 403 Forbidden: code 9109: Invalid access \
token. The api_token is unknown to Cloudflare, expired or revoked: create a new API token (My \
Profile → API Tokens) and configure it"
    );
}

#[tokio::test]
async fn missing_permission_message() {
    let err = fail(
        Op::Create,
        403,
        &[],
        &failure(10000, "Authentication error"),
    )
    .await;
    assert_eq!(err.kind, ErrorKind::Permission);
    assert_eq!(
        err.to_string(),
        "cloudflare: creating A record mail.example.com: HTTP 403 Forbidden: code 10000: \
Authentication error. Give the api_token \"Zone → DNS → Edit\" and \"Zone → Zone → Read\" for \
zone example.com (My Profile → API Tokens → Edit; Zone Resources must include the zone)"
    );
    assert!(!err.maybe_applied);
}

#[tokio::test]
async fn rate_limit_carries_retry_after() {
    let err = fail(
        Op::Create,
        429,
        &[("retry-after", "30")],
        r#"{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}"#,
    )
    .await;
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(30)));
    assert!(err.is_transient());
    assert_eq!(
        err.to_string(),
        "cloudflare: creating A record mail.example.com: HTTP 429 Too Many Requests: code 971: \
Please wait and consider throttling your request speed. Cloudflare allows 1200 API requests \
per 5 minutes per user, shared with the dashboard and other tools: wait 30s"
    );
}

#[tokio::test]
async fn rate_limit_without_an_envelope() {
    let err = fail(Op::List, 429, &[("retry-after", "12")], "Too Many Requests").await;
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(12)));
    assert_eq!(
        err.message,
        "listing A records at mail.example.com: HTTP 429 Too Many Requests: too many requests: \
\"Too Many Requests\""
    );
}

#[tokio::test]
async fn html_gateway_error_is_transient_with_an_excerpt() {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
    let err = fail(Op::List, 502, &[("content-type", "text/html")], html).await;
    assert_eq!(err.kind, ErrorKind::Transient);
    assert_eq!(
        err.to_string(),
        "cloudflare: listing A records at mail.example.com: HTTP 502 Bad Gateway: the answer is \
not a Cloudflare API v4 answer: \"<html> <head><title>502 Bad Gateway</title></head> <body> \
<center><h1>502 Bad Gateway</h1></center> <hr><center>cloudfla…\""
    );
    // The same page on a write: the change may have gone through.
    let err = fail(Op::Update, 502, &[], html).await;
    assert_eq!(err.kind, ErrorKind::Transient);
    assert!(err.maybe_applied);
}

#[tokio::test]
async fn truncated_json_is_a_protocol_error() {
    let cut = r#"{"result":[{"id":"457dd20dded351b97830cb528f507819","name":"exam"#;
    let err = fail(Op::Zone, 200, &[], cut).await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert_eq!(
        err.message,
        "looking up zone example.com: HTTP 200 OK: the answer is not a Cloudflare API v4 \
answer: \"{\"result\":[{\"id\":\"457dd20dded351b97830cb528f507819\",\"name\":\"exam\""
    );
    assert!(!err.maybe_applied);
    // A cut answer to a write that said 200: it was most likely applied.
    let err = fail(Op::Create, 200, &[], r#"{"result":{"id":"56dd"#).await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert!(err.maybe_applied);
}

#[tokio::test]
async fn success_with_an_unexpected_result_is_a_protocol_error() {
    // A list endpoint answering with an object, and a record without content.
    let err = fail(Op::List, 200, &[], &one_body(json!({"id": RECORD_ID}))).await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert!(err.message.starts_with(
        "listing A records at mail.example.com: HTTP 200 OK: the result is not what Cloudflare API v4 returns (invalid type: map, expected a sequence"
    ), "{}", err.message);
    let err = fail(
        Op::Update,
        200,
        &[],
        &one_body(json!({"id": RECORD_ID, "name": "mail.example.com", "type": "A"})),
    )
    .await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert!(
        err.message.contains("missing field `content`"),
        "{}",
        err.message
    );
    assert!(err.maybe_applied);
    // A record whose content does not fit its type.
    let err = fail(
        Op::List,
        200,
        &[],
        &list_body(
            vec![record_entry(
                RECORD_ID,
                "mail.example.com",
                "A",
                "not-an-ip",
                300,
            )],
            1,
            1,
            1,
        ),
    )
    .await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert_eq!(
        err.message,
        "listing A records at mail.example.com: A record content \"not-an-ip\" is not an IPv4 address"
    );
}

#[tokio::test]
async fn connection_refused_is_transient() {
    // Bind, note the port, close: nothing listens there any more.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let cf = provider_at(format!("http://127.0.0.1:{port}/client/v4"));
    let err = cf.zone("example.com").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient);
    assert!(
        err.message
            .starts_with("looking up zone example.com: could not connect"),
        "{}",
        err.message
    );
    assert!(!err.maybe_applied);
}

#[test]
fn limits_and_kind() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cf = Cloudflare::new(
        HttpContext::new(reqwest::Client::builder().no_proxy().build().unwrap()),
        Secret::new(TOKEN),
        None,
    );
    assert_eq!(cf.kind(), "cloudflare");
    assert_eq!(cf.min_ttl(), 60);
    assert_eq!(
        cf.rate_limit(),
        RateLimit {
            requests: 1200,
            window: Duration::from_secs(300)
        }
    );
    assert!(!format!("{cf:?}").contains(TOKEN));
    assert_eq!(wire_ttl(1), 1);
    assert_eq!(wire_ttl(0), 60);
    assert_eq!(wire_ttl(59), 60);
    assert_eq!(wire_ttl(600), 600);
    assert_eq!(wire_ttl(100_000), 86_400);
}

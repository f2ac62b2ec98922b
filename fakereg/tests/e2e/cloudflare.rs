//! The Cloudflare v4 emulator against providers-api.md §2.10.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use mxddns_fakereg::{CfToken, FakeOptions, FakeRegistrar, RrType, EXAMPLE_CF_TOKEN};
use serde_json::Value;

use crate::common::{answers, dns, request, Cf};

const OTHER_TOKEN: &str = "other_zone_token_00000000000000000000000";
const NO_READ_TOKEN: &str = "no-zone-read-token-000000000000000000000";
const UNKNOWN_TOKEN: &str = "Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY";

fn fake() -> (FakeRegistrar, Cf) {
    let opts = FakeOptions::example()
        .zone("other.test")
        .cloudflare_token(CfToken::for_zones(OTHER_TOKEN, &["other.test"]))
        .cloudflare_token(CfToken::full(NO_READ_TOKEN).without_zone_read());
    let reg = FakeRegistrar::spawn(opts).unwrap();
    let cf = Cf::new(reg.cloudflare_endpoint(), EXAMPLE_CF_TOKEN);
    (reg, cf)
}

fn records_path(zone: &str) -> String {
    format!("/zones/{zone}/dns_records")
}

#[test]
fn credentials_are_checked_like_cloudflare() {
    let (reg, _) = fake();
    let url = format!("{}/zones", reg.cloudflare_endpoint());
    let none = request(&url, "GET", &[], None);
    assert_eq!((none.status, none.cf_code()), (400, 9106));
    assert_eq!(
        none.json()["errors"][0]["message"],
        "Missing X-Auth-Key, X-Auth-Email or Authorization headers"
    );

    let malformed = request(&url, "GET", &[("Authorization", "Bearer abc-def")], None);
    assert_eq!((malformed.status, malformed.cf_code()), (400, 6003));
    let e = &malformed.json()["errors"][0];
    assert_eq!(e["message"], "Invalid request headers");
    assert_eq!(e["error_chain"][0]["code"], 6111);
    assert_eq!(
        e["error_chain"][0]["message"],
        "Invalid format for Authorization header"
    );
    let basic = request(
        &url,
        "GET",
        &[("Authorization", &format!("Basic {EXAMPLE_CF_TOKEN}"))],
        None,
    );
    assert_eq!(basic.cf_code(), 6003);

    let unknown = request(
        &url,
        "GET",
        &[("Authorization", &format!("Bearer {UNKNOWN_TOKEN}"))],
        None,
    );
    assert_eq!((unknown.status, unknown.cf_code()), (403, 9109));
    assert_eq!(
        unknown.json()["errors"][0]["message"],
        "Invalid access token"
    );

    let legacy = request(
        &url,
        "GET",
        &[("X-Auth-Email", "a@b.c"), ("X-Auth-Key", "k")],
        None,
    );
    assert_eq!((legacy.status, legacy.cf_code()), (403, 9103));

    let verify = format!("{}/user/tokens/verify", reg.cloudflare_endpoint());
    let ok = request(
        &verify,
        "GET",
        &[("Authorization", &format!("Bearer {EXAMPLE_CF_TOKEN}"))],
        None,
    );
    assert_eq!(ok.status, 200);
    let j = ok.json();
    assert_eq!(j["success"], true);
    assert_eq!(j["result"]["status"], "active");
    assert_eq!(j["result"]["id"].as_str().unwrap().len(), 32);
    assert_eq!(j["messages"][0]["code"], 10000);
    assert_eq!(
        j["messages"][0]["message"],
        "This API Token is valid and active"
    );
    assert!(j["messages"][0]["type"].is_null());
    let bad = request(
        &verify,
        "GET",
        &[("Authorization", &format!("Bearer {UNKNOWN_TOKEN}"))],
        None,
    );
    assert_eq!((bad.status, bad.cf_code()), (401, 1000));
    let legacy = request(
        &verify,
        "GET",
        &[("X-Auth-Key", "k"), ("X-Auth-Email", "a@b.c")],
        None,
    );
    assert_eq!((legacy.status, legacy.cf_code()), (400, 1001));
}

#[test]
fn zones_by_name_and_token_scope() {
    let (reg, cf) = fake();
    let r = cf.get("/zones?name=example.com&status=active&per_page=50");
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["success"], true);
    assert_eq!(j["errors"], Value::Array(vec![]));
    assert_eq!(j["result"].as_array().unwrap().len(), 1);
    let zone = &j["result"][0];
    assert_eq!(zone["name"], "example.com");
    assert_eq!(zone["status"], "active");
    assert_eq!(zone["name_servers"][0], "ns1.example.com");
    let id = zone["id"].as_str().unwrap();
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(id, reg.store().zone("example.com").unwrap().hex_id());
    assert_eq!(j["result_info"]["count"], 1);

    // DDC's form, with a trailing slash.
    let ddc = cf.get("/zones/?name=example.com");
    assert_eq!(ddc.json()["result"][0]["id"], id);

    let none = cf.get("/zones?name=nope.example").json();
    assert_eq!(none["success"], true);
    assert_eq!(none["result"], Value::Array(vec![]));
    assert_eq!(none["result_info"]["count"], 0);
    assert_eq!(none["result_info"]["total_count"], 0);
    assert_eq!(none["result_info"]["total_pages"], 1);
    assert_eq!(
        cf.get("/zones?name=example.com&status=pending").json()["result_info"]["count"],
        0
    );

    // A token for other.test sees only other.test, and gets 10000 on example.com.
    let other = Cf::new(reg.cloudflare_endpoint(), OTHER_TOKEN);
    let listed = other.get("/zones").json();
    let names: Vec<&str> = listed["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["other.test"]);
    let denied = other.get(&records_path(id));
    assert_eq!((denied.status, denied.cf_code()), (403, 10000));
    assert_eq!(
        denied.json()["errors"][0]["message"],
        "Authentication error"
    );

    // A token without zone read may not list zones but may edit records.
    let no_read = Cf::new(reg.cloudflare_endpoint(), NO_READ_TOKEN);
    assert_eq!(no_read.get("/zones?name=example.com").cf_code(), 10000);
    assert_eq!(no_read.get(&records_path(id)).status, 200);
}

#[test]
fn bad_routes_and_identifiers() {
    let (_reg, cf) = fake();
    let zid = cf.zone_id("example.com");
    let r = cf.get("/nothing/here");
    assert_eq!((r.status, r.cf_code()), (404, 7000));
    let r = cf.get("/zones/not-an-id/dns_records");
    assert_eq!((r.status, r.cf_code()), (404, 7003));
    let j = r.json();
    assert_eq!(
        j["errors"][0]["message"],
        "Could not route to /client/v4/zones/not-an-id/dns_records, perhaps your object identifier is invalid?"
    );
    assert_eq!(j["errors"][1]["code"], 7000);
    // Well-formed but unknown zone id.
    assert_eq!(
        cf.get(&records_path("0123456789abcdef0123456789abcdef"))
            .cf_code(),
        7003
    );
    let r = cf.call("POST", "/zones", Some("{}"));
    assert_eq!((r.status, r.cf_code()), (405, 7001));
    let r = cf.get(&format!("{}/XYZ", records_path(&zid)));
    assert_eq!((r.status, r.cf_code()), (404, 7003));
    let unknown = "0123456789abcdef0123456789abcdef";
    for method in ["GET", "PUT", "PATCH", "DELETE"] {
        let r = cf.call(
            method,
            &format!("{}/{unknown}", records_path(&zid)),
            Some("{}"),
        );
        assert_eq!((r.status, r.cf_code()), (404, 81044), "{method}");
        assert_eq!(r.json()["errors"][0]["message"], "Record does not exist.");
    }
    // No credentials on a bad route: the route is judged first.
    let r = request(&format!("{}/nothing", cf.base), "GET", &[], None);
    assert_eq!(r.cf_code(), 7000);
}

#[test]
fn list_shows_records_with_cloudflare_fields() {
    let (reg, cf) = fake();
    let zid = cf.zone_id("example.com");
    let r = cf.get(&format!(
        "{}?type=A&name=mail.example.com",
        records_path(&zid)
    ));
    assert_eq!(r.status, 200);
    let j = r.json();
    let rec = &j["result"][0];
    assert_eq!(j["result"].as_array().unwrap().len(), 1);
    assert_eq!(rec["name"], "mail.example.com");
    assert_eq!(rec["type"], "A");
    assert_eq!(rec["content"], "203.0.113.10");
    assert_eq!(rec["ttl"], 300);
    assert_eq!(rec["proxied"], false);
    assert!(rec["comment"].is_null());
    assert_eq!(rec["tags"], Value::Array(vec![]));
    assert!(rec["settings"].is_object() && rec["meta"].is_object());
    let created = rec["created_on"].as_str().unwrap();
    assert_eq!(created.len(), "2025-08-27T20:36:17.634961Z".len());
    assert!(created.ends_with('Z') && created.as_bytes()[10] == b'T');
    let stored = reg
        .store()
        .list("example.com", Some("mail.example.com"), Some(RrType::A));
    assert_eq!(rec["id"], stored[0].hex_id());
    assert_eq!(j["result_info"]["per_page"], 100);

    let all = cf.get(&records_path(&zid)).json();
    let types: Vec<&str> = all["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec!["MX", "A", "TXT"],
        "SOA and apex NS are Cloudflare-managed, not listed"
    );
    let mx = &all["result"][0];
    assert_eq!(
        (mx["content"].as_str(), mx["priority"].as_i64()),
        (Some("mail.example.com"), Some(10))
    );
    assert_eq!(all["result"][2]["content"], "v=spf1 ip4:203.0.113.10 -all");

    // Filters and their operators.
    let count = |q: &str| {
        cf.get(&format!("{}?{q}", records_path(&zid))).json()["result_info"]["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        count("type=TXT&content=v%3Dspf1%20ip4%3A203.0.113.10%20-all"),
        1
    );
    assert_eq!(
        count("type=TXT&content=%22v%3Dspf1%20ip4%3A203.0.113.10%20-all%22"),
        1
    );
    assert_eq!(count("name.endswith=.example.com"), 1);
    assert_eq!(count("name=MAIL.example.com"), 1);
    assert_eq!(count("name=mail"), 0, "the name filter takes the FQDN");
    assert_eq!(count("type=AAAA"), 0);
    assert_eq!(count("match=any&type=A&type=MX"), 2);
}

#[test]
fn pagination_follows_result_info() {
    let (reg, cf) = fake();
    for i in 0..7 {
        reg.store()
            .insert(
                &format!("h{i}.other.test"),
                RrType::A,
                &format!("192.0.2.{i}"),
                300,
            )
            .unwrap();
    }
    let zid = cf.zone_id("other.test");
    let page = |p: usize| {
        cf.get(&format!(
            "{}?per_page=3&page={p}&type=A",
            records_path(&zid)
        ))
        .json()
    };
    let mut seen = Vec::new();
    for p in 1..=3 {
        let j = page(p);
        let info = &j["result_info"];
        assert_eq!(
            (info["page"].as_u64(), info["per_page"].as_u64()),
            (Some(p as u64), Some(3))
        );
        assert_eq!(
            (info["total_count"].as_u64(), info["total_pages"].as_u64()),
            (Some(7), Some(3))
        );
        assert_eq!(info["count"].as_u64(), Some(if p < 3 { 3 } else { 1 }));
        seen.extend(
            j["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["content"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(
        seen,
        (0..7).map(|i| format!("192.0.2.{i}")).collect::<Vec<_>>()
    );
    assert_eq!(page(4)["result"], Value::Array(vec![]));
    let desc = cf
        .get(&format!(
            "{}?order=content&direction=desc&per_page=1",
            records_path(&zid)
        ))
        .json();
    assert_eq!(desc["result"][0]["content"], "192.0.2.6");
}

#[test]
fn create_validates_and_is_served_by_dns_at_once() {
    let (reg, cf) = fake();
    let zid = cf.zone_id("example.com");
    let path = records_path(&zid);
    let post = |body: &str| cf.call("POST", &path, Some(body));

    let r = post(
        r#"{"type":"A","name":"home.example.com","content":"198.51.100.7","ttl":1,"proxied":false,"data":null}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["success"], true);
    assert_eq!(j["result"]["ttl"], 1);
    assert_eq!(j["result"]["created_on"], j["result"]["modified_on"]);
    assert_eq!(j["result"]["id"].as_str().unwrap().len(), 32);
    let m = dns(reg.dns_addr(), "home.example.com.", RecordType::A);
    assert_eq!(
        answers(&m),
        vec![(
            "home.example.com.".into(),
            "A".into(),
            "198.51.100.7".into()
        )]
    );
    assert_eq!(m.answers[0].ttl, 300, "automatic TTL is served as 300");

    let code = |body: &str| {
        let r = post(body);
        assert_eq!(r.status, 400, "{body} -> {}", r.body);
        r.cf_code()
    };
    assert_eq!(
        code(r#"{"type":"A","name":"home.example.com","content":"198.51.100.7"}"#),
        81058
    );
    assert_eq!(
        code(r#"{"type":"CNAME","name":"home.example.com","content":"mail.example.com"}"#),
        81053
    );
    assert_eq!(
        code(r#"{"type":"A","name":"x.example.com","content":"2001:db8::1"}"#),
        9005
    );
    assert_eq!(
        code(r#"{"type":"AAAA","name":"x.example.com","content":"192.0.2.1"}"#),
        9006
    );
    assert_eq!(
        code(r#"{"type":"A","name":"x.example.com","content":"192.0.2.1","ttl":30}"#),
        9021
    );
    assert_eq!(
        code(r#"{"type":"A","name":"x.example.com","content":"192.0.2.1","ttl":86401}"#),
        9021
    );
    assert_eq!(code(r#"{"type":"A","name":"x.example.com","#), 9207);
    assert_eq!(
        code(r#"{"type":"A","name":"x.example.com","content":"192.0.2.1","ttl":"300"}"#),
        9207
    );
    assert_eq!(
        code(r#"{"type":"TXT","name":"x.example.com","content":"t","proxied":true}"#),
        9004
    );
    assert_eq!(
        code(r#"{"name":"x.example.com","content":"192.0.2.1"}"#),
        1004
    );
    assert_eq!(
        code(r#"{"type":"MX","name":"x.example.com","content":"mail.example.com"}"#),
        1004
    );

    // CNAME coexistence.
    assert_eq!(
        post(r#"{"type":"CNAME","name":"www.example.com","content":"mail.example.com"}"#).status,
        200
    );
    assert_eq!(
        code(r#"{"type":"A","name":"www.example.com","content":"192.0.2.1"}"#),
        81053
    );
    assert_eq!(
        code(r#"{"type":"TXT","name":"www.example.com","content":"hello"}"#),
        81054
    );

    // Relative names and @ are taken inside the zone.
    let rel = post(r#"{"type":"TXT","name":"rel","content":"x"}"#).json();
    assert_eq!(rel["result"]["name"], "rel.example.com");
    let apex = post(r#"{"type":"A","name":"@","content":"192.0.2.9","ttl":120}"#).json();
    assert_eq!(apex["result"]["name"], "example.com");
    assert_eq!(
        reg.store().records("example.com", RrType::A),
        vec!["192.0.2.9"]
    );
    assert_eq!(reg.write_count(), 4);
}

#[test]
fn txt_strings_survive_both_ways() {
    let (reg, cf) = fake();
    let zid = cf.zone_id("example.com");
    let body = serde_json::json!({"type": "TXT", "name": "spf.example.com", "content": "\"v=spf1 ip4:192.0.2.1 \" \"-all\"", "ttl": 300});
    let r = cf.call("POST", &records_path(&zid), Some(&body.to_string()));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["result"]["content"],
        "\"v=spf1 ip4:192.0.2.1 \" \"-all\""
    );
    assert_eq!(
        reg.store().txt("spf.example.com"),
        vec!["v=spf1 ip4:192.0.2.1 -all"]
    );
    let m = dns(reg.dns_addr(), "spf.example.com.", RecordType::TXT);
    match &m.answers[0].data {
        hickory_proto::rr::RData::TXT(t) => {
            let parts: Vec<&[u8]> = t.txt_data.iter().map(|p| &p[..]).collect();
            assert_eq!(parts, vec![&b"v=spf1 ip4:192.0.2.1 "[..], &b"-all"[..]]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn put_replaces_patch_merges_delete_removes() {
    let (reg, cf) = fake();
    let zid = cf.zone_id("example.com");
    let path = records_path(&zid);
    let created = cf
        .call("POST", &path, Some(r#"{"type":"A","name":"h.example.com","content":"192.0.2.1","ttl":120,"comment":"keep me"}"#))
        .json();
    let rid = created["result"]["id"].as_str().unwrap().to_string();
    let one = format!("{path}/{rid}");
    std::thread::sleep(std::time::Duration::from_millis(2));

    let patched = cf.call("PATCH", &one, Some(r#"{"content":"192.0.2.2"}"#));
    assert_eq!(patched.status, 200, "{}", patched.body);
    let p = &patched.json()["result"];
    assert_eq!(
        (
            p["content"].as_str(),
            p["ttl"].as_i64(),
            p["comment"].as_str()
        ),
        (Some("192.0.2.2"), Some(120), Some("keep me"))
    );
    assert_eq!(p["id"], rid.as_str());
    assert_eq!(p["created_on"], created["result"]["created_on"]);
    assert_ne!(p["modified_on"], created["result"]["modified_on"]);
    assert_eq!(
        answers(&dns(reg.dns_addr(), "h.example.com.", RecordType::A))[0].2,
        "192.0.2.2"
    );

    let put = cf.call(
        "PUT",
        &one,
        Some(r#"{"type":"A","name":"h.example.com","content":"192.0.2.3"}"#),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let p = &put.json()["result"];
    assert_eq!(
        (p["content"].as_str(), p["ttl"].as_i64()),
        (Some("192.0.2.3"), Some(1))
    );
    assert!(p["comment"].is_null(), "PUT replaces the whole record");
    let missing = cf.call("PUT", &one, Some(r#"{"type":"A","content":"192.0.2.4"}"#));
    assert_eq!((missing.status, missing.cf_code()), (400, 1004));
    let bad_ttl = cf.call("PATCH", &one, Some(r#"{"ttl":5}"#));
    assert_eq!(bad_ttl.cf_code(), 9021);
    // PATCH to the content of another record at the name is a duplicate.
    cf.call(
        "POST",
        &path,
        Some(r#"{"type":"A","name":"h.example.com","content":"192.0.2.50"}"#),
    );
    assert_eq!(
        cf.call("PATCH", &one, Some(r#"{"content":"192.0.2.50"}"#))
            .cf_code(),
        81058
    );
    // Rewriting a record with its own content is fine.
    assert_eq!(
        cf.call("PATCH", &one, Some(r#"{"content":"192.0.2.3"}"#))
            .status,
        200
    );
    assert_eq!(cf.get(&one).json()["result"]["content"], "192.0.2.3");

    let del = cf.call("DELETE", &one, Some("{}"));
    assert_eq!(del.status, 200);
    assert_eq!(del.json()["result"], serde_json::json!({"id": rid}));
    assert_eq!(cf.get(&one).cf_code(), 81044);
    assert_eq!(
        answers(&dns(reg.dns_addr(), "h.example.com.", RecordType::A)).len(),
        1
    );
    let writes: Vec<String> = reg
        .requests()
        .iter()
        .filter(|r| r.write)
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(
        writes,
        ["POST", "PATCH", "PUT", "PUT", "PATCH", "POST", "PATCH", "PATCH", "DELETE"]
    );
    assert_eq!(reg.write_attempts(), 9);
    assert_eq!(reg.write_count(), 6);
}

#[test]
fn delete_last_record_gives_nxdomain() {
    let (reg, cf) = fake();
    let zid = cf.zone_id("example.com");
    let id = reg
        .store()
        .list("example.com", Some("mail.example.com"), None)[0]
        .hex_id();
    assert_eq!(
        cf.call("DELETE", &format!("{}/{id}", records_path(&zid)), None)
            .status,
        200
    );
    let m = dns(reg.dns_addr(), "mail.example.com.", RecordType::A);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
}

#[test]
fn rate_limit_per_token() {
    let opts = FakeOptions::example()
        .cloudflare_token(CfToken::full(OTHER_TOKEN))
        .cloudflare_rate_limit(3, 300);
    let reg = FakeRegistrar::spawn(opts).unwrap();
    let cf = Cf::new(reg.cloudflare_endpoint(), EXAMPLE_CF_TOKEN);
    for _ in 0..3 {
        assert_eq!(cf.get("/zones").status, 200);
    }
    let r = cf.get("/zones");
    assert_eq!((r.status, r.cf_code()), (429, 971));
    assert_eq!(
        r.json()["errors"][0]["message"],
        "Please wait and consider throttling your request speed"
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    assert_eq!(
        Cf::new(reg.cloudflare_endpoint(), OTHER_TOKEN)
            .get("/zones")
            .status,
        200
    );
}

#[test]
fn srv_caa_tlsa_take_a_data_object_and_mx_a_priority() {
    let (reg, cf) = fake();
    let zid = cf.zone_id("example.com");
    let path = records_path(&zid);
    let post = |body: &str| cf.call("POST", &path, Some(body));

    let r = post(
        r#"{"type":"SRV","name":"_imaps._tcp.example.com","data":{"priority":0,"weight":1,"port":993,"target":"mail.example.com"},"ttl":3600}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json()["result"].clone();
    assert_eq!(
        j["data"],
        serde_json::json!({"port": 993, "priority": 0, "weight": 1, "target": "mail.example.com"})
    );
    assert_eq!(j["priority"], 0);
    assert_eq!(j["content"], "1 993 mail.example.com");
    let r = post(
        r#"{"type":"CAA","name":"example.com","data":{"flags":0,"tag":"issue","value":"letsencrypt.org"},"ttl":3600}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["result"]["content"], "0 issue \"letsencrypt.org\"");
    let r = post(
        r#"{"type":"TLSA","name":"_25._tcp.mail.example.com","data":{"usage":3,"selector":1,"matching_type":1,"certificate":"0A0B"},"ttl":3600}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["result"]["data"]["certificate"], "0a0b");
    let r = post(
        r#"{"type":"MX","name":"example.com","content":"backup.example.net","priority":20,"ttl":3600}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        reg.store()
            .records("_25._tcp.mail.example.com", RrType::TLSA),
        ["3 1 1 0a0b"]
    );
    let m = dns(reg.dns_addr(), "_imaps._tcp.example.com.", RecordType::SRV);
    assert_eq!(answers(&m)[0].2, "0 1 993 mail.example.com.");

    // Validation: no data object, a field out of range, an unknown CAA tag, an MX
    // without priority.
    for bad in [
        r#"{"type":"SRV","name":"_x._tcp.example.com","content":"0 1 993 mail.example.com"}"#,
        r#"{"type":"SRV","name":"_x._tcp.example.com","data":{"priority":0,"weight":1,"port":70000,"target":"m.example.com"}}"#,
        r#"{"type":"CAA","name":"example.com","data":{"flags":0,"tag":"contactemail","value":"a@b"}}"#,
        r#"{"type":"TLSA","name":"_25._tcp.example.com","data":{"usage":3,"selector":1,"matching_type":1,"certificate":"xyz"}}"#,
        r#"{"type":"MX","name":"example.com","content":"mx.example.com"}"#,
    ] {
        let r = post(bad);
        assert_eq!((r.status, r.cf_code()), (400, 1004), "{bad}: {}", r.body);
    }
    // PATCH of an SRV's port keeps its other fields.
    let id = cf.get(&format!("{path}?type=SRV")).json()["result"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = cf.call(
        "PATCH",
        &format!("{path}/{id}"),
        Some(r#"{"data":{"priority":0,"weight":1,"port":994,"target":"mail.example.com"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        reg.store().records("_imaps._tcp.example.com", RrType::SRV),
        ["0 1 994 mail.example.com"]
    );
}

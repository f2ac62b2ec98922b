//! The GoDaddy Domains v1 emulator against providers-api.md §3.9 and the §3.7 recordings.

use hickory_proto::rr::{RData, RecordType};
use mxddns_fakereg::{
    FakeOptions, FakeRegistrar, GdKey, GdRestriction, HttpFault, HttpMatch, RrType,
    DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET,
};
use serde_json::{json, Value};

use crate::common::{dns, request, Resp};

/// A GoDaddy client with `sso-key` credentials.
struct Gd {
    base: String,
    auth: String,
}

impl Gd {
    fn new(reg: &FakeRegistrar, key: &str, secret: &str) -> Self {
        Gd {
            base: reg.godaddy_endpoint(),
            auth: format!("sso-key {key}:{secret}"),
        }
    }
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        request(
            &format!("{}{path}", self.base),
            method,
            &[
                ("Authorization", &self.auth),
                ("Accept", "application/json"),
            ],
            body,
        )
    }
    fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }
    fn put(&self, path: &str, body: &str) -> Resp {
        self.call("PUT", path, Some(body))
    }
}

/// `(status, code)` of an error answer.
fn code(r: &Resp) -> (u16, String) {
    (
        r.status,
        r.json()["code"].as_str().unwrap_or("").to_string(),
    )
}

fn setup() -> (FakeRegistrar, Gd) {
    let reg = FakeRegistrar::spawn(FakeOptions::example()).unwrap();
    let gd = Gd::new(&reg, DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET);
    (reg, gd)
}

const REC: &str = "/v1/domains/example.com/records";

#[test]
fn credentials_are_checked_like_godaddy() {
    let opts = FakeOptions::example()
        .zone("other.test")
        .godaddy_small_account_key("small", "s3cret", &[])
        .godaddy(GdKey::new("reads", "s3cret", &[]).restricted(GdRestriction::ReadsDenied))
        .godaddy(
            GdKey::new("details", "s3cret", &[]).restricted(GdRestriction::DomainDetailsDenied),
        )
        .godaddy_key("other", "s3cret", &["other.test"]);
    let reg = FakeRegistrar::spawn(opts).unwrap();
    let url = format!("{}{REC}/A/mail", reg.godaddy_endpoint());

    let none = request(&url, "GET", &[], None);
    assert_eq!(code(&none), (401, "MISSING_CREDENTIALS".into()));
    assert_eq!(
        none.body,
        r#"{"code":"MISSING_CREDENTIALS","message":"Unauthorized : Credentials must be specified"}"#
    );
    for bad in ["sso-key onlykey", "sso-key :s", "Bearer abc", "sso-key"] {
        let r = request(&url, "GET", &[("Authorization", bad)], None);
        assert_eq!(code(&r), (401, "MALFORMED_CREDENTIALS".into()), "{bad}");
        assert_eq!(
            r.json()["message"],
            "Unauthorized : API Key-Secret is malformed"
        );
    }
    for (k, s) in [("nobody", "x"), (DEMO_GODADDY_KEY, "wrong")] {
        let r = Gd::new(&reg, k, s).get(&format!("{REC}/A/mail"));
        assert_eq!(
            r.body,
            r#"{"code":"UNABLE_TO_AUTHENTICATE","message":"Unauthorized : Could not authenticate API key/secret"}"#
        );
        assert_eq!((r.status, r.body.len()), (401, 98), "no trailing newline");
    }

    // The 2024 small-account rule: every call refused, nothing written.
    let small = Gd::new(&reg, "small", "s3cret");
    let r = small.get(&format!("{REC}/A/mail"));
    assert_eq!(
        r.body,
        "{\"code\":\"ACCESS_DENIED\",\"message\":\"Authenticated user is not allowed access\"}\n"
    );
    assert_eq!(r.status, 403);
    let r = small.put(
        &format!("{REC}/A/mail"),
        r#"[{"data":"192.0.2.1","ttl":600}]"#,
    );
    assert_eq!(code(&r), (403, "ACCESS_DENIED".into()));
    assert_eq!(
        reg.store().records("mail.example.com", RrType::A),
        vec!["203.0.113.10"]
    );

    // Partial denial (go-acme/lego#2269): reads refused, writes work.
    let reads = Gd::new(&reg, "reads", "s3cret");
    assert_eq!(reads.get(&format!("{REC}/A/mail")).status, 403);
    let w = reads.put(
        &format!("{REC}/A/mail"),
        r#"[{"data":"192.0.2.1","ttl":600}]"#,
    );
    assert_eq!(w.status, 200);
    assert_eq!(
        reg.store().records("mail.example.com", RrType::A),
        vec!["192.0.2.1"]
    );

    // Only the domain endpoint refused (acme.sh 2026): records still answer.
    let details = Gd::new(&reg, "details", "s3cret");
    assert_eq!(details.get("/v1/domains/example.com").status, 403);
    assert_eq!(details.get(&format!("{REC}/A/mail")).status, 200);

    // A key of another account: example.com is not its domain.
    let other = Gd::new(&reg, "other", "s3cret");
    assert_eq!(
        code(&other.get(&format!("{REC}/A/mail"))),
        (422, "UNKNOWN_DOMAIN".into())
    );
    assert_eq!(other.get("/v1/domains/other.test/records/A/x").body, "[]\n");
}

#[test]
fn get_matches_the_recording() {
    let (reg, gd) = setup();
    let r = gd.get(&format!("{REC}/A/localhost"));
    assert_eq!((r.status, r.body.as_str()), (200, "[]\n"));
    assert_eq!(r.header("content-length"), Some("3"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.header("cache-control"),
        Some("max-age=0, no-cache, no-store")
    );
    assert_eq!(r.header("pragma"), Some("no-cache"));
    assert_eq!(r.header("x-request-id").map(str::len), Some(22));

    let a = gd.get(&format!("{REC}/A/mail"));
    assert_eq!(
        a.body,
        "[{\"data\":\"203.0.113.10\",\"name\":\"mail\",\"ttl\":300,\"type\":\"A\"}]\n"
    );
    let mx = gd.get(&format!("{REC}/MX/@")).json();
    assert_eq!(
        mx,
        json!([{"data": "mail.example.com", "name": "@", "priority": 10, "ttl": 300, "type": "MX"}])
    );
    let ns = gd.get(&format!("{REC}/NS/%40")).json();
    assert_eq!(ns.as_array().unwrap().len(), 2, "apex NS, with @ encoded");
    assert_eq!(ns[0]["data"], "ns1.example.com");

    // The whole zone (no SOA), and paging.
    let all = gd.get(REC).json();
    let types: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["NS", "NS", "MX", "A", "TXT"]);
    assert_eq!(
        gd.get(&format!("{REC}?offset=3&limit=1")).json()[0]["type"],
        "A"
    );
    assert_eq!(
        gd.get(&format!("{REC}/NS"))
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let d = gd.get("/v1/domains/example.com").json();
    assert_eq!(d["domain"], "example.com");
    assert_eq!(d["status"], "ACTIVE");
    assert_eq!(
        d["nameServers"],
        json!(["ns1.example.com", "ns2.example.com"])
    );
    assert_eq!(
        d["domainId"].as_u64(),
        Some(reg.store().zone("example.com").unwrap().id)
    );
    assert_eq!(reg.write_count(), 0);
}

#[test]
fn put_replaces_the_set_as_recorded() {
    let (reg, gd) = setup();
    let path = format!("{REC}/TXT/_acme-challenge.listrecordset");
    assert_eq!(gd.get(&path).body, "[]\n");
    let r = gd.put(
        &path,
        r#"[{"type": "TXT", "name": "_acme-challenge.listrecordset", "data": "challengetoken1", "ttl": 3600}]"#,
    );
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(
        r.header("content-type"),
        None,
        "no Content-Type on an empty 200"
    );
    assert_eq!(
        gd.get(&path).body,
        "[{\"data\":\"challengetoken1\",\"name\":\"_acme-challenge.listrecordset\",\"ttl\":3600,\"type\":\"TXT\"}]\n"
    );
    let r = gd.put(
        &path,
        r#"[{"data": "challengetoken1", "name": "_acme-challenge.listrecordset", "ttl": 3600, "type": "TXT"},
            {"type": "TXT", "name": "_acme-challenge.listrecordset", "data": "challengetoken2", "ttl": 3600}]"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        gd.get(&path).body,
        "[{\"data\":\"challengetoken1\",\"name\":\"_acme-challenge.listrecordset\",\"ttl\":3600,\"type\":\"TXT\"},{\"data\":\"challengetoken2\",\"name\":\"_acme-challenge.listrecordset\",\"ttl\":3600,\"type\":\"TXT\"}]\n"
    );
    // The DNS server serves the new set at once.
    let m = dns(
        reg.dns_addr(),
        "_acme-challenge.listrecordset.example.com.",
        RecordType::TXT,
    );
    assert_eq!(m.answers.len(), 2);

    // Replacing the set with one value drops the other; `[{"data"}]` alone takes the
    // default TTL.
    assert_eq!(gd.put(&path, r#"[{"data":"challengetoken2"}]"#).status, 200);
    assert_eq!(
        gd.get(&path).json(),
        json!([{"data": "challengetoken2", "name": "_acme-challenge.listrecordset", "ttl": 3600, "type": "TXT"}])
    );
    assert_eq!(reg.write_count(), 3);
}

#[test]
fn put_touches_only_its_type_and_name() {
    // GoDaddy zones hold no TTL below 600, so the neighbours are seeded with 3600.
    let opts = FakeOptions::example()
        .record_ttl(
            "example.com",
            "@",
            RrType::TXT,
            "google-site-verification=abc123",
            3600,
        )
        .record_ttl(
            "example.com",
            "@",
            RrType::TXT,
            r#""part one " "part two""#,
            3600,
        )
        .record_ttl("example.com", "mail", RrType::A, "198.51.100.7", 3600)
        .record("example.com", "www", RrType::A, "203.0.113.10");
    let reg = FakeRegistrar::spawn(opts).unwrap();
    let gd = Gd::new(&reg, DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET);
    let before_txt = reg
        .store()
        .list("example.com", Some("example.com"), Some(RrType::TXT));

    // The SPF entry changes; the two others are written back as they were read.
    let mut set = gd.get(&format!("{REC}/TXT/@")).json();
    assert_eq!(set[2]["data"], "part one part two", "strings joined");
    set[0]["data"] = Value::from("v=spf1 ip4:203.0.113.20 -all");
    set[0]["ttl"] = Value::from(600);
    let r = gd.put(&format!("{REC}/TXT/@"), &set.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    let after_txt = reg
        .store()
        .list("example.com", Some("example.com"), Some(RrType::TXT));
    assert_eq!(after_txt.len(), 3);
    assert_eq!(after_txt[1].data, before_txt[1].data);
    assert_eq!(
        after_txt[2].data, before_txt[2].data,
        "an unchanged entry keeps its DNS strings"
    );
    assert_eq!(
        reg.store().txt("example.com")[0],
        "v=spf1 ip4:203.0.113.20 -all"
    );

    // One value of the A set at mail changes; the other value and www stay.
    let r = gd.put(
        &format!("{REC}/A/mail"),
        r#"[{"data":"203.0.113.20","ttl":600},{"data":"198.51.100.7","ttl":3600}]"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        reg.store().records("mail.example.com", RrType::A),
        vec!["203.0.113.20", "198.51.100.7"]
    );
    assert_eq!(
        reg.store().records("www.example.com", RrType::A),
        vec!["203.0.113.10"]
    );
    assert_eq!(reg.store().records("example.com", RrType::MX).len(), 1);
}

#[test]
fn long_txt_is_split_into_dns_strings() {
    let (reg, gd) = setup();
    let long = format!("v=DKIM1; k=rsa; p={}", "A".repeat(400));
    let body = json!([{"data": long, "ttl": 600}]).to_string();
    assert_eq!(
        gd.put(&format!("{REC}/TXT/mail._domainkey"), &body).status,
        200
    );
    let m = dns(
        reg.dns_addr(),
        "mail._domainkey.example.com.",
        RecordType::TXT,
    );
    match &m.answers[0].data {
        RData::TXT(t) => {
            assert_eq!(t.txt_data.len(), 2);
            assert_eq!(t.txt_data[0].len(), 255);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        gd.get(&format!("{REC}/TXT/mail._domainkey")).json()[0]["data"],
        Value::from(long)
    );
}

#[test]
fn bodies_are_validated_like_godaddy() {
    let (reg, gd) = setup();
    let path = format!("{REC}/A/mail");

    let r = gd.put(&path, r#"[{"data":"203.0.113.20","ttl":300}]"#);
    assert_eq!(
        r.body,
        "{\"code\":\"INVALID_BODY\",\"fields\":[{\"code\":\"UNKNOWN_RESTRICTION\",\"message\":\"must have a minimum value of 600\",\"path\":\"records[0].ttl\"}],\"message\":\"Request body doesn't fulfill schema, see details in `fields`\"}\n"
    );
    assert_eq!(r.status, 422);
    let r = gd.put(
        &path,
        r#"[{"data":"203.0.113.20","ttl":600},{"data":"203.0.113.21","ttl":60}]"#,
    );
    assert_eq!(r.json()["fields"][0]["path"], "records[1].ttl");

    let r = gd.put(&path, r#"{"data":"203.0.113.20","ttl":600}"#);
    assert_eq!(code(&r), (422, "INVALID_BODY".into()));
    assert_eq!(
        r.json()["fields"],
        json!([{"code": "UNEXPECTED_TYPE", "message": "is not a array", "path": "records"}])
    );
    let r = gd.put(&path, r#"[{"ttl":600}]"#);
    assert_eq!(r.json()["fields"][0]["path"], "records[0].data");
    let r = gd.put(&path, r#"[{"data":"not-an-ip","ttl":600}]"#);
    assert_eq!(r.json()["fields"][0]["code"], "MISMATCH_FORMAT");
    let r = gd.put(&path, r#"[{"data":"192.0.2.1"},{"data":"192.0.2.1"}]"#);
    assert_eq!(r.json()["fields"][0]["code"], "DUPLICATE_RECORD");
    let r = gd.put(
        &format!("{REC}/MX/@"),
        r#"[{"data":"mx.example.com","ttl":600}]"#,
    );
    assert_eq!(r.json()["fields"][0]["path"], "records[0].priority");
    let r = gd.put(&format!("{REC}/BOGUS/x"), r#"[{"data":"x"}]"#);
    assert_eq!(r.json()["fields"][0]["path"], "path.type");
    let r = gd.put(&format!("{REC}/SOA/@"), r#"[{"data":"x"}]"#);
    assert_eq!(code(&r), (422, "INVALID_BODY".into()));

    // An empty array is ignored.
    assert_eq!(gd.put(&path, "[]").status, 200);
    assert_eq!(
        reg.store().records("mail.example.com", RrType::A),
        vec!["203.0.113.10"],
        "nothing written by any of the above"
    );
}

#[test]
fn unknown_and_malformed_domains() {
    let (reg, gd) = setup();
    let r = gd.get("/v1/domains/thisisadomainidonotown.com");
    assert_eq!(
        r.body,
        "{\"code\":\"NOT_FOUND\",\"message\":\"Domain thisisadomainidonotown.com not found for shopper\"}\n"
    );
    assert_eq!((r.status, r.header("content-length")), (404, Some("89")));
    let r = gd.get("/v1/domains/example.org/records/A/@");
    assert_eq!(
        r.json(),
        json!({"code": "UNKNOWN_DOMAIN", "message": "The given domain is not registered, or does not have a zone file"})
    );
    assert_eq!(r.status, 422);
    // A name inside the zone is not a domain of the account.
    let r = gd.put(
        "/v1/domains/mail.example.com/records/A/@",
        r#"[{"data":"192.0.2.1","ttl":600}]"#,
    );
    assert_eq!(code(&r), (422, "UNKNOWN_DOMAIN".into()));
    let r = gd.get("/v1/domains/localhost/records/A/@");
    assert_eq!(r.json()["fields"][0]["code"], "MISMATCH_FORMAT");
    assert_eq!(r.json()["fields"][0]["path"], "path.domain");
    assert_eq!(code(&gd.get("/v1/nothing")), (404, "NOT_FOUND".into()));
    assert_eq!(
        code(&gd.call("POST", REC, Some("[]"))),
        (404, "NOT_FOUND".into())
    );
    assert_eq!(reg.write_count(), 0);
}

#[test]
fn patch_appends_and_delete_removes() {
    let (reg, gd) = setup();
    let r = gd.call(
        "PATCH",
        REC,
        Some(r#"[{"type":"A","name":"mail","data":"198.51.100.7","ttl":600}]"#),
    );
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    assert_eq!(
        reg.store().records("mail.example.com", RrType::A),
        vec!["203.0.113.10", "198.51.100.7"]
    );
    let again = gd.call(
        "PATCH",
        REC,
        Some(r#"[{"type":"A","name":"mail","data":"198.51.100.7","ttl":600}]"#),
    );
    assert_eq!(code(&again), (422, "DUPLICATE_RECORD".into()));
    assert_eq!(
        again.json()["message"],
        "Another record with the same attributes already exists"
    );
    let r = gd.call("PATCH", REC, Some(r#"[{"name":"x","data":"1.2.3.4"}]"#));
    assert_eq!(r.json()["fields"][0]["path"], "records[0].type");

    let r = gd.call("DELETE", &format!("{REC}/A/mail"), None);
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    assert!(reg
        .store()
        .records("mail.example.com", RrType::A)
        .is_empty());
    assert_eq!(
        code(&gd.call("DELETE", &format!("{REC}/A/mail"), None)).0,
        404
    );
    assert_eq!(
        code(&gd.call("DELETE", &format!("{REC}/NS/@"), None)).0,
        422
    );
    assert_eq!(reg.write_count(), 2);
    assert_eq!(reg.requests()[0].vendor, "godaddy");
}

#[test]
fn rate_limit_is_per_key_and_endpoint() {
    let opts = FakeOptions::example().godaddy_rate_limit(3, 60, None);
    let reg = FakeRegistrar::spawn(opts).unwrap();
    let gd = Gd::new(&reg, DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET);
    for name in ["mail", "www", "@"] {
        assert_eq!(gd.get(&format!("{REC}/A/{name}")).status, 200);
    }
    let r = gd.get(&format!("{REC}/TXT/@"));
    assert_eq!(code(&r), (429, "TOO_MANY_REQUESTS".into()));
    let after = r.json()["retryAfterSec"].as_u64().unwrap();
    assert!((1..=60).contains(&after), "{after}");
    // Another endpoint has its own budget.
    let w = gd.put(
        &format!("{REC}/A/mail"),
        r#"[{"data":"203.0.113.20","ttl":600}]"#,
    );
    assert_eq!(w.status, 200);

    let opts = FakeOptions::example().godaddy_rate_limit(1, 60, Some(2));
    let reg = FakeRegistrar::spawn(opts).unwrap();
    let gd = Gd::new(&reg, DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET);
    assert_eq!(gd.get(REC).status, 200);
    let r = gd.get(REC);
    assert_eq!(
        r.body,
        r#"{"code":"TOO_MANY_REQUESTS","message":"Too many requests received within interval","retryAfterSec":2}"#
    );
    assert_eq!(r.header("retry-after"), Some("2"));

    // The fault script's rate limit speaks GoDaddy's body too.
    reg.faults().http(
        HttpMatch::any().vendor("godaddy"),
        HttpFault::RateLimited {
            retry_after_secs: 5,
        },
        1,
    );
    let r = gd.get("/v1/domains/example.com");
    assert_eq!(code(&r), (429, "TOO_MANY_REQUESTS".into()));
    assert_eq!(r.json()["retryAfterSec"], 5);
}

#[test]
fn srv_sets_are_filed_under_the_host_with_service_and_protocol() {
    let (reg, gd) = setup();
    let body = r#"[{"data":"mail.example.com","port":993,"priority":0,"protocol":"_tcp","service":"_imaps","ttl":3600,"weight":1},
                   {"data":"mail.example.com","port":465,"priority":0,"protocol":"_tcp","service":"_submissions","ttl":3600,"weight":1}]"#;
    let r = gd.put(&format!("{REC}/SRV/@"), body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        reg.store().records("_imaps._tcp.example.com", RrType::SRV),
        ["0 1 993 mail.example.com"]
    );
    let set = gd.get(&format!("{REC}/SRV/@")).json();
    assert_eq!(
        set[0],
        json!({"data":"mail.example.com","name":"@","port":993,"priority":0,"protocol":"_tcp","service":"_imaps","ttl":3600,"type":"SRV","weight":1})
    );
    assert_eq!(set.as_array().unwrap().len(), 2);
    let m = dns(
        reg.dns_addr(),
        "_submissions._tcp.example.com.",
        RecordType::SRV,
    );
    assert!(
        matches!(&m.answers[0].data, RData::SRV(s) if s.port == 465),
        "{m:?}"
    );
    // PUT replaces the whole set: the one left out is removed.
    let r = gd.put(
        &format!("{REC}/SRV/@"),
        r#"[{"data":"mail.example.com","port":993,"priority":0,"protocol":"_tcp","service":"_imaps","ttl":3600,"weight":1}]"#,
    );
    assert_eq!(r.status, 200);
    assert!(reg
        .store()
        .records("_submissions._tcp.example.com", RrType::SRV)
        .is_empty());
    // Missing SRV fields, and types the API does not offer.
    let r = gd.put(
        &format!("{REC}/SRV/@"),
        r#"[{"data":"mail.example.com","port":993,"priority":0,"ttl":3600,"weight":1}]"#,
    );
    assert_eq!(code(&r), (422, "INVALID_BODY".into()));
    for t in ["CAA", "TLSA"] {
        let r = gd.put(
            &format!("{REC}/{t}/@"),
            r#"[{"data":"0 issue \"letsencrypt.org\"","ttl":3600}]"#,
        );
        assert_eq!(r.status, 422, "{t}: {}", r.body);
    }
    // MX carries its priority.
    let r = gd.put(
        &format!("{REC}/MX/@"),
        r#"[{"data":"mail.example.com","priority":10,"ttl":3600},{"data":"backup.example.net","priority":20,"ttl":3600}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut mx = reg.store().records("example.com", RrType::MX);
    mx.sort();
    assert_eq!(mx, ["10 mail.example.com", "20 backup.example.net"]);
}

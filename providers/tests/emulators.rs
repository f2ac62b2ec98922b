//! Each provider against the project's emulator of its vendor (fakereg): every record type
//! the vendor's API offers is written in the vendor's own shape, read back through the
//! whole-zone listing, stored as the DNS server will serve it, and deleted without losing a
//! neighbour. The emulators are written independently of the clients' wire types, so a
//! shape one side gets wrong fails here.

use mxddns_fakereg::{
    FakeOptions, FakeRegistrar, HttpFault, HttpMatch, NewRecord, RrType, DEMO_ALIYUN_KEY_ID,
    DEMO_ALIYUN_KEY_SECRET, DEMO_GODADDY_KEY, DEMO_GODADDY_SECRET, EXAMPLE_CF_TOKEN,
};
use mxddns_providers::aliyun::{Aliyun, SignatureVersion};
use mxddns_providers::cloudflare::Cloudflare;
use mxddns_providers::godaddy::GoDaddy;
use mxddns_providers::{ErrorKind, HttpContext, Provider, Record, RecordData, RecordType, Secret};

fn http() -> HttpContext {
    // reqwest is built without a default rustls provider; the binary installs ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    HttpContext::new(reqwest::Client::builder().no_proxy().build().unwrap())
}

fn providers(reg: &FakeRegistrar) -> Vec<Box<dyn Provider>> {
    vec![
        Box::new(Cloudflare::new(
            http(),
            Secret::new(EXAMPLE_CF_TOKEN),
            Some(reg.cloudflare_endpoint()),
        )),
        Box::new(Aliyun::new(
            http(),
            DEMO_ALIYUN_KEY_ID.to_string(),
            Secret::new(DEMO_ALIYUN_KEY_SECRET),
            SignatureVersion::V1,
            Some(reg.aliyun_endpoint()),
        )),
        Box::new(GoDaddy::new(
            http(),
            Secret::new(DEMO_GODADDY_KEY),
            Secret::new(DEMO_GODADDY_SECRET),
            Some(reg.godaddy_endpoint()),
        )),
    ]
}

fn mx(p: u16, host: &str) -> RecordData {
    RecordData::Mx {
        preference: p,
        exchange: host.into(),
    }
}

fn srv(port: u16, target: &str) -> RecordData {
    RecordData::Srv {
        priority: 0,
        weight: 1,
        port,
        target: target.into(),
    }
}

/// The example zone with TTLs every vendor accepts (GoDaddy refuses a set written back
/// with a TTL under 600, and its own zones never hold one).
fn registrar() -> FakeRegistrar {
    let reg = FakeRegistrar::spawn(FakeOptions::example()).unwrap();
    for r in reg.store().list("example.com", None, None) {
        let mut n = NewRecord::new(&r.name, r.data.clone(), 3600);
        n.attrs = r.attrs.clone();
        reg.store().update(r.id, n).unwrap();
    }
    reg
}

/// What the provider wrote, as `name TYPE presentation`, read from the shared store.
fn stored(reg: &FakeRegistrar, name: &str, rtype: RrType) -> Vec<String> {
    reg.store().records(name, rtype)
}

/// Whether `records` hold `data` at `name` (TXT compared as joined text).
fn holds(records: &[Record], name: &str, data: &RecordData) -> bool {
    records.iter().any(|r| {
        r.name == name
            && match (&r.data, data) {
                (RecordData::Txt(_), RecordData::Txt(_)) => {
                    r.data.txt_joined() == data.txt_joined()
                }
                (have, want) => have == want,
            }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_offered_type_round_trips_through_each_vendor_emulator() {
    let dkim = format!(
        "v=DKIM1; k=rsa; p={}",
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A".repeat(12)
    );
    assert!(dkim.len() > 255 && dkim.len() < 512);
    // One registrar per vendor, so that each starts from the example zone.
    for i in 0..3 {
        let reg = registrar();
        let p = providers(&reg).remove(i);
        let kind = p.kind();
        let zone = p.zone("example.com").await.unwrap();
        let ttl = 600;

        let mut wanted: Vec<(&str, RecordData)> = vec![
            ("example.com", mx(20, "backup.example.net")),
            ("_imaps._tcp.example.com", srv(993, "mail.example.com")),
            (
                "_submissions._tcp.example.com",
                srv(465, "mail.example.com"),
            ),
            (
                "mail._domainkey.example.com",
                RecordData::Txt(vec![dkim.clone()]),
            ),
        ];
        let caa = RecordData::Caa {
            flags: 0,
            tag: "issue".into(),
            value: "letsencrypt.org".into(),
        };
        let tlsa = RecordData::Tlsa {
            usage: 3,
            selector: 1,
            matching_type: 1,
            data: "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1".into(),
        };
        let null_srv = srv(0, "");
        for (name, data) in [
            ("example.com", caa.clone()),
            ("_25._tcp.mail.example.com", tlsa.clone()),
            ("_pop3s._tcp.example.com", null_srv.clone()),
        ] {
            match p.supports_data(&data) {
                Ok(()) => wanted.push((name, data)),
                Err(reason) => {
                    assert!(!reason.is_empty());
                    let e = p.create(&zone, name, &data, ttl).await.unwrap_err();
                    assert_eq!(e.kind, ErrorKind::Unsupported, "{kind}: {e}");
                }
            }
        }
        // Which types each vendor can hold (documented vendor facts, see the providers).
        let held: Vec<bool> = [RecordType::Caa, RecordType::Tlsa]
            .iter()
            .map(|t| p.supports(*t).is_ok())
            .collect();
        match kind {
            "cloudflare" => assert_eq!(held, [true, true]),
            "aliyun" => assert_eq!(held, [true, false]),
            "godaddy" => assert_eq!(held, [false, false]),
            other => panic!("{other}"),
        }

        for (name, data) in &wanted {
            let r = p
                .create(&zone, name, data, ttl)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {name} {data}: {e}"));
            assert_eq!(r.name, *name, "{kind}");
        }

        // The whole zone in one listing, without a single write.
        let writes = reg.write_count();
        let all = p.list_zone(&zone).await.unwrap();
        assert_eq!(reg.write_count(), writes, "{kind}: list_zone wrote");
        for (name, data) in &wanted {
            assert!(
                holds(&all, name, data),
                "{kind}: {name} {data} not in {all:#?}"
            );
        }
        // The example zone's MX and A are there too.
        assert!(
            holds(&all, "example.com", &mx(10, "mail.example.com")),
            "{kind}"
        );
        assert!(
            holds(
                &all,
                "mail.example.com",
                &RecordData::A("203.0.113.10".parse().unwrap())
            ),
            "{kind}"
        );
        // Per-name lists agree.
        let imaps = p
            .list(&zone, "_imaps._tcp.example.com", RecordType::Srv)
            .await
            .unwrap();
        assert_eq!(imaps.len(), 1, "{kind}: {imaps:?}");
        assert_eq!(imaps[0].data, srv(993, "mail.example.com"), "{kind}");

        // As the DNS server serves it: the MX pair, the SRV fields, the key in 255-byte strings.
        let mut mxs = stored(&reg, "example.com", RrType::MX);
        mxs.sort();
        assert_eq!(
            mxs,
            ["10 mail.example.com", "20 backup.example.net"],
            "{kind}"
        );
        assert_eq!(
            stored(&reg, "_imaps._tcp.example.com", RrType::SRV),
            ["0 1 993 mail.example.com"],
            "{kind}"
        );
        let key = reg.store().txt("mail._domainkey.example.com");
        assert_eq!(key.concat(), dkim, "{kind}");

        // Delete one SRV: the other service and the MX set stay.
        let gone = imaps[0].clone();
        p.delete(&zone, &gone)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(
            stored(&reg, "_imaps._tcp.example.com", RrType::SRV).is_empty(),
            "{kind}"
        );
        assert_eq!(
            stored(&reg, "_submissions._tcp.example.com", RrType::SRV),
            ["0 1 465 mail.example.com"],
            "{kind}"
        );
        // Delete one MX of two: the other stays.
        let backup = p
            .list(&zone, "example.com", RecordType::Mx)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.data == mx(20, "backup.example.net"))
            .unwrap();
        p.delete(&zone, &backup).await.unwrap();
        assert_eq!(
            stored(&reg, "example.com", RrType::MX),
            ["10 mail.example.com"],
            "{kind}"
        );
        // A record already gone.
        let e = p.delete(&zone, &backup).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::RecordNotFound, "{kind}: {e}");
    }
}

/// The write that `delete` sends and the read that `list_zone` sends, per vendor.
fn fault_targets(kind: &str) -> (HttpMatch, HttpMatch) {
    match kind {
        "cloudflare" => (
            HttpMatch::any().vendor("cloudflare").method("GET"),
            HttpMatch::any().vendor("cloudflare").method("DELETE"),
        ),
        "aliyun" => (
            HttpMatch::any()
                .vendor("aliyun")
                .query_contains("Action=DescribeDomainRecords"),
            HttpMatch::any()
                .vendor("aliyun")
                .query_contains("Action=DeleteDomainRecord"),
        ),
        _ => (
            HttpMatch::any().vendor("godaddy").method("GET"),
            // One TXT of two at the apex: the rest of the set is PUT back.
            HttpMatch::any().vendor("godaddy").method("PUT"),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_zone_and_delete_under_faults_lose_nothing() {
    for i in 0..3 {
        let reg = registrar();
        let p = providers(&reg).remove(i);
        let kind = p.kind();
        let zone = p.zone("example.com").await.unwrap();
        let spare = p
            .create(
                &zone,
                "example.com",
                &RecordData::Txt(vec!["spare=1".into()]),
                600,
            )
            .await
            .unwrap();
        let spare = p
            .list(&zone, "example.com", RecordType::Txt)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.data.txt_joined() == spare.data.txt_joined())
            .unwrap();
        let before = reg.store().list("example.com", None, None).len();
        let (list, delete) = fault_targets(kind);

        // A 5xx on the listing: transient, nothing written; the next listing works.
        reg.faults()
            .http(list.clone(), HttpFault::status(502, "{}"), 1);
        let e = p.list_zone(&zone).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient, "{kind}: {e}");
        // A listing cut short: an error, never a shorter zone taken for the whole.
        reg.faults().http(list, HttpFault::TruncatedJson, 1);
        assert!(p.list_zone(&zone).await.is_err(), "{kind}");
        assert!(!p.list_zone(&zone).await.unwrap().is_empty(), "{kind}");

        // A 5xx on the delete: transient, the record and every neighbour still there.
        reg.faults()
            .http(delete.clone(), HttpFault::status(503, "{}"), 1);
        let e = p.delete(&zone, &spare).await.unwrap_err();
        assert!(e.is_transient(), "{kind}: {e}");
        assert_eq!(
            reg.store().list("example.com", None, None).len(),
            before,
            "{kind}"
        );

        // The answer lost after the delete was done: "could not confirm"; the next try
        // finds it gone (RecordNotFound, which the agent takes as done), neighbours intact.
        reg.faults().http(delete, HttpFault::CloseAfterHandling, 1);
        let e = p.delete(&zone, &spare).await.unwrap_err();
        assert!(e.maybe_applied, "{kind}: {e}");
        let e = p.delete(&zone, &spare).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::RecordNotFound, "{kind}: {e}");
        let after = reg.store().list("example.com", None, None);
        assert_eq!(after.len(), before - 1, "{kind}");
        assert_eq!(
            reg.store().txt("example.com"),
            ["v=spf1 ip4:203.0.113.10 -all"],
            "{kind}"
        );
        assert_eq!(
            stored(&reg, "example.com", RrType::MX),
            ["10 mail.example.com"],
            "{kind}"
        );
        assert_eq!(reg.faults().pending(), 0, "{kind}");
    }
}

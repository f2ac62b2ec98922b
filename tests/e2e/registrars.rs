//! The registrars the fault-injection suite runs against: how to configure the agent for
//! each, which of its requests change the managed record, and which request paths the
//! agent may use at all. Every fault test loops over [`all`].

use super::harness::*;
use mxddns_fakereg::{HttpMatch, LoggedRequest, RrType, StoredRecord};
use std::path::PathBuf;
use std::process::Command;

/// One registrar under test.
pub struct Registrar {
    /// The fake registrar's listener name (`cloudflare`, …), as in its request log.
    pub vendor: &'static str,
    /// The agent's configuration for the standard scene ([`Env::example`]).
    pub config: fn(&Env) -> String,
    /// The request that changes the managed A record in place.
    pub update: fn() -> HttpMatch,
    /// The request that creates the managed A record.
    pub create: fn() -> HttpMatch,
    /// The registrar's own answer to a revoked credential (status, body).
    pub revoked: (u16, &'static str),
    /// A secret of the configured account, which must never be printed.
    pub secret: &'static str,
    /// Whether `r` is a request this registrar's provider may send (path and method).
    pub allowed: fn(&LoggedRequest) -> bool,
}

/// Every registrar whose emulator is in the fake registrar.
pub fn all() -> Vec<Registrar> {
    vec![cloudflare(), aliyun(), godaddy(), dnspod()]
}

fn cloudflare() -> Registrar {
    Registrar {
        vendor: "cloudflare",
        config: |env| env.cloudflare_config(CF_TOKEN),
        update: || HttpMatch::any().vendor("cloudflare").method("PATCH"),
        create: || HttpMatch::any().vendor("cloudflare").method("POST"),
        revoked: (
            403,
            r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"messages":[],"result":null}"#,
        ),
        secret: CF_TOKEN,
        allowed: |r| {
            let segs: Vec<&str> = r.path.trim_matches('/').split('/').collect();
            let id = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
            match (r.method.as_str(), segs.as_slice()) {
                ("GET", ["client", "v4", "zones"]) => true,
                ("GET" | "POST", ["client", "v4", "zones", z, "dns_records"]) => id(z),
                ("PATCH", ["client", "v4", "zones", z, "dns_records", rec]) => id(z) && id(rec),
                _ => false,
            }
        },
    }
}

/// Alidns with signature v1 (the default): every action is `GET /?Action=…`.
fn aliyun() -> Registrar {
    Registrar {
        vendor: "aliyun",
        config: |env| {
            env.aliyun_config(
                mxddns_fakereg::DEMO_ALIYUN_KEY_ID,
                mxddns_fakereg::DEMO_ALIYUN_KEY_SECRET,
                None,
            )
        },
        update: || {
            HttpMatch::any()
                .vendor("aliyun")
                .query_contains("Action=UpdateDomainRecord")
        },
        create: || {
            HttpMatch::any()
                .vendor("aliyun")
                .query_contains("Action=AddDomainRecord")
        },
        revoked: (
            404,
            r#"{"RequestId":"6F1C3B5A-0000-4000-8000-000000000000","HostId":"alidns.aliyuncs.com","Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found."}"#,
        ),
        secret: mxddns_fakereg::DEMO_ALIYUN_KEY_SECRET,
        allowed: |r| {
            const ACTIONS: [&str; 4] = [
                "DescribeDomainRecords",
                "DescribeSubDomainRecords",
                "UpdateDomainRecord",
                "AddDomainRecord",
            ];
            let action = url::form_urlencoded::parse(r.query.as_bytes())
                .find(|(k, _)| k == "Action")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            r.method == "GET" && r.path == "/" && ACTIONS.contains(&action.as_str())
        },
    }
}

/// GoDaddy: record sets read with GET and replaced with PUT, one name and type at a time.
fn godaddy() -> Registrar {
    Registrar {
        vendor: "godaddy",
        config: |env| env.godaddy_config(GD_KEY, GD_SECRET),
        update: || HttpMatch::any().vendor("godaddy").method("PUT"),
        create: || HttpMatch::any().vendor("godaddy").method("PUT"),
        revoked: (
            401,
            r#"{"code":"UNABLE_TO_AUTHENTICATE","message":"Unauthorized : Could not authenticate API key/secret"}"#,
        ),
        secret: GD_SECRET,
        allowed: |r| {
            let segs: Vec<&str> = r.path.trim_matches('/').split('/').collect();
            matches!(
                (r.method.as_str(), segs.as_slice()),
                ("GET", ["v1", "domains", "example.com", "records", _, _])
                    | (
                        "PUT",
                        ["v1", "domains", "example.com", "records", "A", "mail"]
                    )
            )
        },
    }
}

/// DNSPod (Tencent Cloud API 3.0): every action is a signed `POST /` named by its
/// `X-TC-Action` header; errors come back as HTTP 200 with `Response.Error`.
fn dnspod() -> Registrar {
    Registrar {
        vendor: "dnspod",
        config: |env| {
            env.dnspod_config(
                mxddns_fakereg::DEMO_DNSPOD_SECRET_ID,
                mxddns_fakereg::DEMO_DNSPOD_SECRET_KEY,
                "",
            )
        },
        update: || HttpMatch::any().vendor("dnspod").action("ModifyRecord"),
        create: || HttpMatch::any().vendor("dnspod").action("CreateRecord"),
        revoked: (
            200,
            r#"{"Response":{"Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"The SecretId is not found, please ensure that your SecretId is correct."},"RequestId":"6f1c3b5a-0000-4000-8000-000000000000"}}"#,
        ),
        secret: mxddns_fakereg::DEMO_DNSPOD_SECRET_KEY,
        allowed: |r| {
            const ACTIONS: [&str; 4] = [
                "DescribeDomain",
                "DescribeRecordList",
                "ModifyRecord",
                "CreateRecord",
            ];
            r.method == "POST" && r.path == "/" && ACTIONS.contains(&r.action.as_str())
        },
    }
}

impl Registrar {
    /// Writes the config for `env` and returns its path.
    pub fn write_config(&self, env: &Env) -> PathBuf {
        env.write_config(&(self.config)(env))
    }

    /// This registrar's API requests so far.
    pub fn requests(&self, env: &Env) -> Vec<LoggedRequest> {
        env.fake
            .requests()
            .into_iter()
            .filter(|r| r.vendor == self.vendor)
            .collect()
    }

    /// This registrar's requests that match [`Registrar::update`].
    pub fn updates(&self, env: &Env) -> Vec<LoggedRequest> {
        let m = (self.update)();
        self.requests(env)
            .into_iter()
            .filter(|r| m.matches_request(r.vendor, &r.method, &r.path, &r.query, &r.action))
            .collect()
    }

    /// Asserts that every request went to a path and method the provider may use, and
    /// that nothing was ever deleted.
    pub fn assert_paths(&self, env: &Env) {
        for r in self.requests(env) {
            assert!(
                (self.allowed)(&r),
                "{}: unexpected request {} {}",
                self.vendor,
                r.method,
                r.path
            );
            assert_ne!(
                r.method, "DELETE",
                "{}: nothing is ever deleted",
                self.vendor
            );
        }
    }
}

/// `mxddns --config CFG --update-now` with a 1 s HTTP time limit (so that a hanging
/// registrar costs seconds).
pub fn agent(config: &std::path::Path) -> Command {
    let mut c = mxddns();
    c.arg("--config")
        .arg(config)
        .env("MXDDNS_HTTP_TIMEOUT", "1s");
    c
}

pub fn agent_update_now(config: &std::path::Path) -> Run {
    run(agent(config).arg("--update-now"))
}

/// The zone's records other than the managed A record, in a comparable form: what a
/// fault must never change.
pub fn untouched(env: &Env) -> Vec<(String, RrType, String, u32)> {
    let mut v: Vec<_> = env
        .fake
        .store()
        .list("example.com", None, None)
        .into_iter()
        .filter(|r: &StoredRecord| !(r.name == "mail.example.com" && r.rtype() == RrType::A))
        .map(|r| (r.name.clone(), r.rtype(), r.value(), r.ttl))
        .collect();
    v.sort();
    v
}

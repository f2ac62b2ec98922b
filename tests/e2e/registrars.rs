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
    /// Whether `r` is a request this registrar's provider may send (path and method).
    pub allowed: fn(&LoggedRequest) -> bool,
}

/// Every registrar whose emulator is in the fake registrar.
pub fn all() -> Vec<Registrar> {
    vec![cloudflare()]
}

fn cloudflare() -> Registrar {
    Registrar {
        vendor: "cloudflare",
        config: |env| env.cloudflare_config(CF_TOKEN),
        update: || HttpMatch::any().vendor("cloudflare").method("PATCH"),
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
            .filter(|r| {
                m.method
                    .as_deref()
                    .is_none_or(|x| x.eq_ignore_ascii_case(&r.method))
                    && m.path_prefix
                        .as_deref()
                        .is_none_or(|p| r.path.starts_with(p))
            })
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

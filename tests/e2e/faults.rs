//! Fault injection, asserted on both sides: the agent's exit code and message, the
//! requests the fake registrar saw (retries counted there), and the zone, which a fault
//! must never leave half-changed or poorer by a record.

use super::harness::*;
use super::registrars::{self, agent_update_now, untouched, Registrar};
use mxddns_fakereg::{DnsFault, DnsMatch, HttpFault};
use std::time::Duration;

const OLD: &str = "203.0.113.10";
const NEW: &str = "203.0.113.20";

/// The scene for one registrar: the standard zone, the agent's config, and what the rest
/// of the zone holds before any fault.
struct Scene {
    env: Env,
    cfg: std::path::PathBuf,
    before: Vec<(String, mxddns_fakereg::RrType, String, u32)>,
}

fn scene(reg: &Registrar) -> Scene {
    let env = Env::example();
    let cfg = reg.write_config(&env);
    let before = untouched(&env);
    Scene { env, cfg, before }
}

impl Scene {
    fn a(&self) -> Vec<String> {
        self.env.a_records("mail.example.com")
    }

    /// The rest of the zone is as it was, every request was one the provider may send.
    fn assert_intact(&self, reg: &Registrar) {
        assert_eq!(untouched(&self.env), self.before, "{}: zone", reg.vendor);
        reg.assert_paths(&self.env);
    }

    /// A second run finds DNS current and sends nothing.
    fn assert_converged(&self, reg: &Registrar) {
        let before = reg.requests(&self.env).len();
        let r = agent_update_now(&self.cfg);
        assert_eq!(r.code, 0, "{}: {r:?}", reg.vendor);
        assert!(r.stdout.contains("is current"), "{}: {r:?}", reg.vendor);
        assert_eq!(reg.requests(&self.env).len(), before, "{}", reg.vendor);
        assert_eq!(self.a(), [NEW], "{}", reg.vendor);
    }
}

/// A transient fault on the first update: one retry, then success, in the same run.
fn recovers_from(fault: HttpFault, says: &str) {
    for reg in registrars::all() {
        let s = scene(&reg);
        s.env.fake.faults().http((reg.update)(), fault.clone(), 1);
        let r = agent_update_now(&s.cfg);
        let v = reg.vendor;
        assert_eq!(r.code, 0, "{v}: {fault:?}: {r:?}");
        assert_eq!(s.a(), [NEW], "{v}: {fault:?}");
        assert_eq!(s.env.fake.faults().pending(), 0, "{v}: the fault fired");
        assert!(
            r.stderr.contains(says) && r.stderr.contains("trying again"),
            "{v}: {fault:?}: the retry is reported: {r:?}"
        );
        s.assert_intact(&reg);
        s.assert_converged(&reg);
    }
}

#[test]
fn a_503_is_retried_then_the_update_succeeds() {
    recovers_from(HttpFault::HtmlError { status: 503 }, "503");
    for reg in registrars::all() {
        // Counted at the emulator: exactly one failed and one successful update.
        let s = scene(&reg);
        s.env.fake.faults().http(
            (reg.update)(),
            HttpFault::status(503, "service unavailable"),
            1,
        );
        assert_eq!(agent_update_now(&s.cfg).code, 0);
        // (Huawei Cloud answers a write 202 Accepted: any 2xx is the success.)
        let statuses: Vec<u16> = reg
            .updates(&s.env)
            .iter()
            .map(|r| {
                if (200..300).contains(&r.status) {
                    200
                } else {
                    r.status
                }
            })
            .collect();
        assert_eq!(statuses, [503, 200], "{}", reg.vendor);
    }
}

#[test]
fn a_429_waits_as_long_as_retry_after_says() {
    recovers_from(
        HttpFault::RateLimited {
            retry_after_secs: 1,
        },
        "trying again in 1.0 s",
    );
}

#[test]
fn a_hanging_registrar_costs_one_timeout_then_the_retry_succeeds() {
    // MXDDNS_HTTP_TIMEOUT=1s: the hung request is abandoned after 1 s.
    recovers_from(HttpFault::Hang(Duration::from_secs(5)), "timed out");
}

#[test]
fn a_registrar_that_never_answers_is_given_up_within_the_bounds() {
    for reg in registrars::all() {
        let s = scene(&reg);
        s.env.fake.faults().http_always(
            mxddns_fakereg::HttpMatch::any().vendor(reg.vendor),
            HttpFault::Hang(Duration::from_secs(3)),
        );
        let r = agent_update_now(&s.cfg);
        let v = reg.vendor;
        assert_eq!(r.code, 1, "{v}: {r:?}");
        assert!(r.stderr.contains("timed out"), "{v}: {r:?}");
        // The retry policy's attempts, counted where they arrived.
        let fired = s.env.fake.faults().fired().len();
        assert_eq!(fired, 4, "{v}: four attempts, then it gives up: {r:?}");
        s.env.fake.faults().clear();
        assert_eq!(s.a(), [OLD], "{v}: nothing changed");
        s.assert_intact(&reg);
    }
}

#[test]
fn a_truncated_answer_is_not_taken_for_an_answer() {
    for reg in registrars::all() {
        let s = scene(&reg);
        let v = reg.vendor;
        // The first answer (a read: every provider starts by looking the zone up) is cut.
        s.env.fake.faults().http(
            mxddns_fakereg::HttpMatch::any().vendor(v),
            HttpFault::TruncatedJson,
            1,
        );
        let r = agent_update_now(&s.cfg);
        assert_eq!(r.code, 0, "{v}: {r:?}");
        assert!(r.stderr.contains("trying again"), "{v}: {r:?}");
        assert_eq!(s.a(), [NEW], "{v}: one record, the new address");
        s.assert_intact(&reg);
        s.assert_converged(&reg);

        // A cut answer to the update itself: the update is sent again at most once more
        // (an in-place update to the same value, harmless; some registrars answer it with
        // "duplicate", taken as success, and GoDaddy's success has no body to cut).
        let s = scene(&reg);
        s.env
            .fake
            .faults()
            .http((reg.update)(), HttpFault::TruncatedJson, 1);
        let r = agent_update_now(&s.cfg);
        assert_eq!(r.code, 0, "{v}: {r:?}");
        assert!((1..=2).contains(&reg.updates(&s.env).len()), "{v}: {r:?}");
        assert_eq!(s.a(), [NEW], "{v}");
        s.assert_intact(&reg);
        s.assert_converged(&reg);
    }
}

#[test]
fn an_html_page_with_status_200_is_not_taken_for_an_answer() {
    for reg in registrars::all() {
        let s = scene(&reg);
        // A captive portal or a misconfigured proxy in front of every request.
        s.env.fake.faults().http_always(
            mxddns_fakereg::HttpMatch::any().vendor(reg.vendor),
            HttpFault::HtmlError { status: 200 },
        );
        let r = agent_update_now(&s.cfg);
        let v = reg.vendor;
        assert_eq!(r.code, 1, "{v}: {r:?}");
        assert!(
            r.stderr.contains("<title>200 OK</title>"),
            "{v}: quotes what came back: {r:?}"
        );
        assert_eq!(reg.requests(&s.env).len(), 4, "{v}: bounded retries");
        assert_eq!(s.a(), [OLD], "{v}");
        s.env.fake.faults().clear();
        s.assert_intact(&reg);
        // Once the page is gone, the next run goes through.
        let r = agent_update_now(&s.cfg);
        assert_eq!(r.code, 0, "{v}: {r:?}");
        assert_eq!(s.a(), [NEW], "{v}");
    }
}

#[test]
fn a_reset_connection_is_retried() {
    recovers_from(HttpFault::Close, "could not confirm");
}

#[test]
fn an_applied_write_whose_answer_was_lost_is_found_current_next_time() {
    for reg in registrars::all() {
        let s = scene(&reg);
        let v = reg.vendor;
        // Every update lands, and every answer is lost.
        s.env
            .fake
            .faults()
            .http_always((reg.update)(), HttpFault::CloseAfterHandling);
        let r = agent_update_now(&s.cfg);
        assert!(
            r.stderr
                .contains("could not confirm whether the change was applied"),
            "{v}: {r:?}"
        );
        if v == "huaweicloud" {
            // Its retry reads the record set before writing, finds the change there, and
            // writes nothing: the cycle succeeds after one PUT.
            assert_eq!(r.code, 0, "{v}: {r:?}");
            assert_eq!(reg.updates(&s.env).len(), 1, "{v}: {r:?}");
        } else {
            assert_eq!(r.code, 1, "{v}: {r:?}");
        }
        assert_eq!(s.a(), [NEW], "{v}: the write landed all the same");
        s.env.fake.faults().clear();
        s.assert_intact(&reg);
        // The next run reads DNS, finds the address, and calls nothing.
        s.assert_converged(&reg);
    }
}

#[test]
fn a_create_whose_answer_was_lost_is_not_made_twice() {
    for reg in registrars::all() {
        let s = scene(&reg);
        let v = reg.vendor;
        s.env
            .fake
            .store()
            .set("mail.example.com", mxddns_fakereg::RrType::A, &[])
            .unwrap();
        // The first create lands, and its answer is lost; so is a cut answer's.
        for fault in [HttpFault::CloseAfterHandling, HttpFault::TruncatedJson] {
            s.env
                .fake
                .store()
                .set("mail.example.com", mxddns_fakereg::RrType::A, &[])
                .unwrap();
            s.env.fake.faults().http((reg.create)(), fault.clone(), 1);
            let r = agent_update_now(&s.cfg);
            assert_eq!(r.code, 0, "{v}: {fault:?}: {r:?}");
            assert_eq!(s.a(), [NEW], "{v}: {fault:?}: one record, not two");
            let _ = std::fs::remove_file(s.env.state_file());
        }
        s.assert_intact(&reg);
    }
}

#[test]
fn permanent_errors_are_not_retried() {
    for reg in registrars::all() {
        let s = scene(&reg);
        let v = reg.vendor;
        let (status, body) = reg.revoked;
        s.env
            .fake
            .faults()
            .http_always((reg.update)(), HttpFault::status(status, body));
        let r = agent_update_now(&s.cfg);
        assert_eq!(r.code, 1, "{v}: {r:?}");
        assert_eq!(reg.updates(&s.env).len(), 1, "{v}: one attempt only");
        assert!(!r.stderr.contains("trying again"), "{v}: {r:?}");
        assert!(!r.all().contains(reg.secret), "{v}: no secret: {r:?}");
        assert_eq!(s.a(), [OLD], "{v}");
        s.assert_intact(&reg);
    }
}

#[test]
fn three_servfails_in_a_row_are_asked_again() {
    for reg in registrars::all() {
        let s = scene(&reg);
        let v = reg.vendor;
        s.env
            .fake
            .faults()
            .dns(DnsMatch::any(), DnsFault::ServFail, 3);
        let r = agent_update_now(&s.cfg);
        assert_eq!(r.code, 0, "{v}: {r:?}");
        assert_eq!(s.a(), [NEW], "{v}");
        let servfails = s
            .env
            .fake
            .dns_queries()
            .iter()
            .filter(|q| q.rcode.eq_ignore_ascii_case("servfail"))
            .count();
        assert_eq!(servfails, 3, "{v}: the three SERVFAILs were answered");
        s.assert_intact(&reg);
    }
}

#[test]
fn a_dropped_dns_answer_is_asked_again() {
    for reg in registrars::all() {
        let s = scene(&reg);
        let v = reg.vendor;
        // The first question about the managed host gets no answer at all.
        s.env.fake.faults().dns(
            DnsMatch::any().name("mail.example.com").qtype("A"),
            DnsFault::Drop,
            1,
        );
        let r = agent_update_now(&s.cfg);
        assert_eq!(r.code, 0, "{v}: {r:?}");
        assert_eq!(s.a(), [NEW], "{v}");
        let dropped = s
            .env
            .fake
            .dns_queries()
            .iter()
            .filter(|q| q.rcode == "dropped")
            .count();
        assert_eq!(dropped, 1, "{v}");
        s.assert_intact(&reg);
    }
}

#[test]
fn dns_that_keeps_failing_changes_nothing_and_says_which_server() {
    for reg in registrars::all() {
        let s = scene(&reg);
        let v = reg.vendor;
        s.env
            .fake
            .faults()
            .dns_always(DnsMatch::any(), DnsFault::ServFail);
        let r = agent_update_now(&s.cfg);
        assert_eq!(r.code, 1, "{v}: {r:?}");
        assert!(r.stderr.contains("SERVFAIL"), "{v}: {r:?}");
        assert!(
            r.stderr.contains(&s.env.fake.dns_addr().to_string()),
            "{v}: names the server: {r:?}"
        );
        assert!(reg.requests(&s.env).is_empty(), "{v}: no API call");
        assert_eq!(s.a(), [OLD], "{v}");
    }
}

//! [`super::retrying`]: which failures are asked again, and how often.

use super::{retrying, DnsError, ATTEMPTS};
use hickory_proto::rr::RecordType;
use std::cell::Cell;
use std::time::Duration;

fn servfail() -> DnsError {
    DnsError::ServFail {
        server: "127.0.0.1:53".into(),
        name: "example.com".into(),
        rtype: RecordType::MX,
    }
}

fn timeout() -> DnsError {
    DnsError::Timeout {
        server: "127.0.0.1:53".into(),
        name: "example.com".into(),
        rtype: RecordType::MX,
        timeout: Duration::from_secs(3),
    }
}

/// Runs `retrying` over a script of results; returns the result and the number of calls.
async fn run(timeouts: u32, script: Vec<Result<u8, DnsError>>) -> (Result<u8, DnsError>, usize) {
    let calls = Cell::new(0usize);
    let r = retrying(timeouts, || {
        let i = calls.get();
        calls.set(i + 1);
        let next = script.get(i).cloned().unwrap_or(Ok(0));
        async move { next }
    })
    .await;
    (r, calls.get())
}

#[tokio::test]
async fn three_servfails_then_an_answer() {
    let (r, calls) = run(
        0,
        vec![Err(servfail()), Err(servfail()), Err(servfail()), Ok(7)],
    )
    .await;
    assert_eq!(r.unwrap(), 7);
    assert_eq!(calls, 4);
}

#[tokio::test]
async fn the_attempts_are_bounded() {
    let (r, calls) = run(0, vec![Err(servfail()); 10]).await;
    assert!(r.unwrap_err().is_servfail());
    assert_eq!(calls, ATTEMPTS as usize);
}

#[tokio::test]
async fn time_outs_are_asked_again_only_as_often_as_allowed() {
    let (r, calls) = run(0, vec![Err(timeout()), Ok(1)]).await;
    assert!(r.unwrap_err().is_timeout());
    assert_eq!(calls, 1);
    let (r, calls) = run(1, vec![Err(timeout()), Ok(1)]).await;
    assert_eq!(r.unwrap(), 1);
    assert_eq!(calls, 2);
    let (r, calls) = run(1, vec![Err(timeout()), Err(timeout()), Ok(1)]).await;
    assert!(r.unwrap_err().is_timeout());
    assert_eq!(calls, 2);
}

#[tokio::test]
async fn refused_and_bad_names_are_not_asked_again() {
    let refused = DnsError::Refused {
        server: "127.0.0.1:53".into(),
        name: "example.com".into(),
        rtype: RecordType::MX,
    };
    let (r, calls) = run(1, vec![Err(refused), Ok(1)]).await;
    assert!(r.unwrap_err().is_refused());
    assert_eq!(calls, 1);
}

//! Agreeing on one address from the sources' answers.
//!
//! Non-public answers are dropped first. With an explicit quorum, the leading address
//! needs at least that many sources; by default it needs a strict majority of the sources
//! that gave a public address (so one is enough when only one did). A tie for the lead is
//! never an agreement.

use super::classify::classify;
use super::error::{DetectError, Said, SourceError};
use std::net::IpAddr;

/// The agreed address among `answers` (one per source, in source order). Pure. The
/// error's list calls the sources "source 1", "source 2"…: see
/// [`DetectError::name_sources`].
pub fn agree(
    answers: &[Result<IpAddr, SourceError>],
    quorum: Option<usize>,
) -> Result<IpAddr, DetectError> {
    if answers.is_empty() {
        return Err(DetectError::Unconfigured);
    }
    // Addresses in first-seen order, with their counts.
    let mut counts: Vec<(IpAddr, usize)> = Vec::new();
    for answer in answers {
        let Ok(ip) = answer else { continue };
        if classify(*ip).is_err() {
            continue;
        }
        match counts.iter_mut().find(|(seen, _)| seen == ip) {
            Some((_, n)) => *n += 1,
            None => counts.push((*ip, 1)),
        }
    }
    let said = || -> Vec<Said> {
        answers
            .iter()
            .enumerate()
            .map(|(i, answer)| Said {
                // The caller names the sources: see DetectError::name_sources.
                source: format!("source {}", i + 1),
                said: match answer {
                    Ok(ip) => match classify(*ip) {
                        Ok(()) => ip.to_string(),
                        Err(why) => SourceError::NotGlobal {
                            ip: *ip,
                            reason: why,
                        }
                        .to_string(),
                    },
                    Err(e) => e.to_string(),
                },
            })
            .collect()
    };
    if counts.is_empty() {
        return Err(DetectError::NoAnswer { said: said() });
    }
    // Stable: among equal counts the first-seen stays first.
    counts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let answered: usize = counts.iter().map(|(_, n)| n).sum();
    let needed = quorum.unwrap_or(answered / 2 + 1).max(1);
    let (lead, lead_n) = counts[0];
    let alone = counts.get(1).is_none_or(|(_, n)| *n < lead_n);
    if lead_n >= needed && alone {
        Ok(lead)
    } else {
        Err(DetectError::NoQuorum {
            needed,
            counts,
            said: said(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Result<IpAddr, SourceError> {
        Ok(s.parse().unwrap())
    }

    fn timeout() -> Result<IpAddr, SourceError> {
        Err(SourceError::Timeout(std::time::Duration::from_secs(10)))
    }

    const A: &str = "203.0.113.7";
    const B: &str = "198.51.100.1";

    #[test]
    fn quorum_met() {
        let answers = [ip(A), ip(A), timeout()];
        assert_eq!(agree(&answers, Some(2)).unwrap().to_string(), A);
        assert_eq!(agree(&answers, None).unwrap().to_string(), A);
        assert_eq!(agree(&[ip(A)], None).unwrap().to_string(), A);
        assert_eq!(
            agree(&[ip(A), timeout(), timeout()], None)
                .unwrap()
                .to_string(),
            A
        );
        assert_eq!(
            agree(&[ip("2001:db8::1")], Some(1)).unwrap().to_string(),
            "2001:db8::1"
        );
    }

    #[test]
    fn quorum_not_met() {
        let e = agree(&[ip(A), timeout(), timeout()], Some(2)).unwrap_err();
        match &e {
            DetectError::NoQuorum {
                needed,
                counts,
                said,
            } => {
                assert_eq!(*needed, 2);
                assert_eq!(counts, &vec![(A.parse().unwrap(), 1)]);
                assert_eq!(said.len(), 3);
                assert_eq!(said[1].said, "no answer within 10s");
            }
            other => panic!("{other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.starts_with("too few IP sources agree (203.0.113.7 from 1); 2 must agree"),
            "{msg}"
        );
        assert!(
            msg.contains("source 1: 203.0.113.7; source 2: no answer within 10s"),
            "{msg}"
        );
    }

    #[test]
    fn disagreement_is_not_an_answer() {
        for quorum in [None, Some(1), Some(2)] {
            let e = agree(&[ip(A), ip(B)], quorum).unwrap_err();
            assert!(matches!(e, DetectError::NoQuorum { .. }), "{e:?}");
            assert!(e.headline().contains("disagree"), "{e}");
            assert!(e
                .to_string()
                .contains("source 1: 203.0.113.7; source 2: 198.51.100.1"));
        }
        let e = agree(&[ip(A), ip(A), ip(B), ip(B)], Some(2)).unwrap_err();
        assert!(
            e.headline()
                .contains("203.0.113.7 from 2, 198.51.100.1 from 2"),
            "{e}"
        );
    }

    #[test]
    fn majority_with_one_liar() {
        assert_eq!(agree(&[ip(A), ip(B), ip(A)], None).unwrap().to_string(), A);
        assert_eq!(
            agree(&[ip(B), ip(A), ip(A)], Some(2)).unwrap().to_string(),
            A
        );
        // Two against two liars that differ from each other: still no majority of four.
        assert!(agree(&[ip(A), ip(A), ip(B), ip("192.0.2.1")], None).is_err());
        // ... unless the quorum says two are enough.
        assert_eq!(
            agree(&[ip(A), ip(A), ip(B), ip("192.0.2.1")], Some(2))
                .unwrap()
                .to_string(),
            A
        );
    }

    #[test]
    fn private_answers_are_dropped() {
        assert_eq!(
            agree(&[ip(A), ip("192.168.1.2")], None)
                .unwrap()
                .to_string(),
            A
        );
        // A private answer does not count towards an explicit quorum either.
        let e = agree(&[ip(A), ip("10.0.0.1"), ip("10.0.0.1")], Some(2)).unwrap_err();
        assert!(matches!(e, DetectError::NoQuorum { .. }), "{e:?}");
        assert!(
            e.to_string().contains("source 2: 10.0.0.1 is private"),
            "{e}"
        );
    }

    #[test]
    fn nothing_answered() {
        let e = agree(&[timeout(), ip("100.64.1.1")], None).unwrap_err();
        match &e {
            DetectError::NoAnswer { said } => assert_eq!(said.len(), 2),
            other => panic!("{other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.starts_with("no IP source gave a public address (source 1: no answer"),
            "{msg}"
        );
        assert!(
            msg.contains("100.64.1.1 is carrier-grade NAT (CGNAT)"),
            "{msg}"
        );
        assert_eq!(agree(&[], None), Err(DetectError::Unconfigured));
    }
}

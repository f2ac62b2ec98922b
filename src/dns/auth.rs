//! Questions to one authoritative server, uncached and without recursion, so that a
//! change at the registrar is seen as soon as the server has it.

use super::names::{self, text};
use super::recursive::txt_strings;
use super::wire::{self, Question, WireError};
use super::{Chain, Dns, DnsError, Family, MxHost, MAX_HOPS};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};
use std::net::{IpAddr, SocketAddr};

impl Dns {
    /// The MX records of `domain` as `server` holds them, sorted by preference then host.
    /// Empty when it holds none.
    pub async fn mx_at(&self, server: SocketAddr, domain: &str) -> Result<Vec<MxHost>, DnsError> {
        let domain = names::normalize(domain)?;
        let msg = self.ask(server, &domain, RecordType::MX).await?;
        let mut out: Vec<MxHost> = msg
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                RData::MX(mx) if !mx.exchange.is_root() && text(&r.name) == domain => {
                    Some(MxHost {
                        preference: mx.preference,
                        host: text(&mx.exchange),
                    })
                }
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The TXT records at `name` as `server` holds them, each as its character-strings.
    /// Empty when it holds none.
    pub async fn txt_at(
        &self,
        server: SocketAddr,
        name: &str,
    ) -> Result<Vec<Vec<String>>, DnsError> {
        let name = names::normalize(name)?;
        let msg = self.ask(server, &name, RecordType::TXT).await?;
        let own: Vec<Record> = msg
            .answers
            .iter()
            .filter(|r| text(&r.name) == name)
            .cloned()
            .collect();
        Ok(txt_strings(&own))
    }

    #[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
    /// The records of type `rtype` at `name` as `server` holds them, in the providers'
    /// record form (so that a written record can be compared with what the server shows).
    /// Values this form cannot hold are left out.
    pub async fn records_at(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: mxddns_providers::RecordType,
    ) -> Result<Vec<mxddns_providers::RecordData>, DnsError> {
        use mxddns_providers::{RecordData as D, RecordType as T};
        let name = names::normalize(name)?;
        let wire_type = match rtype {
            T::A => RecordType::A,
            T::Aaaa => RecordType::AAAA,
            T::Cname => RecordType::CNAME,
            T::Txt => RecordType::TXT,
            T::Mx => RecordType::MX,
            T::Srv => RecordType::SRV,
            T::Caa => RecordType::CAA,
            T::Tlsa => RecordType::TLSA,
        };
        let msg = self.ask(server, &name, wire_type).await?;
        let own: Vec<&Record> = msg
            .answers
            .iter()
            .filter(|r| text(&r.name) == name && r.record_type() == wire_type)
            .collect();
        Ok(own
            .into_iter()
            .filter_map(|r| match &r.data {
                RData::A(a) => Some(D::A(a.0)),
                RData::AAAA(a) => Some(D::Aaaa(a.0)),
                RData::CNAME(c) => Some(D::Cname(text(&c.0))),
                RData::TXT(t) => Some(D::Txt(
                    t.txt_data
                        .iter()
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect(),
                )),
                // The zone-file presentation, read back by the providers' own parser.
                other => D::from_plain(rtype, &other.to_string()),
            })
            .collect())
    }

    /// Follow `name` through its CNAMEs at `server` to the addresses of `family`.
    ///
    /// The server's answer section is read hop by hop; a target the server holds no data
    /// for (REFUSED, or an empty non-authoritative answer) lies in another zone: the rest
    /// of the chain is followed through the recursive resolvers and the chain is marked
    /// `external`. A name without addresses gives an empty `addrs`. Loops and chains of
    /// more than [`MAX_HOPS`] aliases are errors.
    pub async fn chain_at(
        &self,
        server: SocketAddr,
        name: &str,
        family: Family,
    ) -> Result<Chain, DnsError> {
        let rtype = family.rtype();
        let mut walk = Walk::new(names::normalize(name)?, server.to_string());
        loop {
            let msg = match self.ask(server, &walk.current, rtype).await {
                Ok(m) => m,
                Err(e) if e.is_refused() && !walk.hops.is_empty() => {
                    return self.finish_external(walk, family).await
                }
                Err(e) => return Err(e),
            };
            let moved = walk.follow(&msg.answers)?;
            let addrs = addrs_of(&msg.answers, &walk.current, rtype);
            if !addrs.is_empty() {
                return Ok(walk.done(addrs, false));
            }
            if moved {
                // The target's records were not in this answer: ask about it directly.
                continue;
            }
            if !msg.metadata.authoritative && !walk.hops.is_empty() {
                return self.finish_external(walk, family).await;
            }
            return Ok(walk.done(Vec::new(), false));
        }
    }

    /// The rest of a chain, through the recursive resolvers.
    async fn finish_external(&self, mut walk: Walk, family: Family) -> Result<Chain, DnsError> {
        let rtype = family.rtype();
        walk.server = format!("{} (then {})", walk.server, self.label);
        let answers = self.lookup(&walk.current, rtype).await?;
        walk.follow(&answers)?;
        let addrs = addrs_of(&answers, &walk.current, rtype);
        Ok(walk.done(addrs, true))
    }

    /// One question to `server`, recursion off (on when `server` is one of our recursive
    /// resolvers), retried on SERVFAIL and unreachable servers, and once on a time-out
    /// (see [`super::retrying`]). SERVFAIL, REFUSED and other failing codes
    /// are errors; NXDOMAIN and NODATA come back as an answer with no records.
    pub(super) async fn ask(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RecordType,
    ) -> Result<Message, DnsError> {
        let q = Question {
            name,
            rtype,
            class: DNSClass::IN,
            recursion: self.resolvers.contains(&server),
        };
        // One time-out is asked again (as before), SERVFAIL and unreachable up to
        // ATTEMPTS times in all.
        super::retrying(1, || self.ask_once(server, name, rtype, &q, self.timeout)).await
    }

    /// One question to `server`, no retry, within `timeout`. The recursive look-ups ask
    /// each resolver through here too: the same answer matching, the same verdicts.
    pub(super) async fn ask_once(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RecordType,
        q: &Question<'_>,
        timeout: std::time::Duration,
    ) -> Result<Message, DnsError> {
        let result = wire::query(server, q, timeout).await;
        let (s, n) = (server.to_string(), name.to_string());
        let msg = result.map_err(|e| match e {
            WireError::BadName(name) => DnsError::BadName { name },
            WireError::Timeout { timeout, .. } => DnsError::Timeout {
                server: s.clone(),
                name: n.clone(),
                rtype,
                timeout,
            },
            WireError::Io { source, .. } => DnsError::Unreachable {
                server: s.clone(),
                name: n.clone(),
                rtype,
                detail: source.to_string(),
            },
            WireError::Mismatched { detail, .. } | WireError::Malformed { detail, .. } => {
                DnsError::BadResponse {
                    server: s.clone(),
                    name: n.clone(),
                    rtype,
                    detail,
                }
            }
        })?;
        match msg.metadata.response_code {
            ResponseCode::NoError => {
                // No answer, NS and no SOA: a referral (the server is lame for the
                // zone, or does not recurse), not NODATA.
                match super::outcome::empty_of_message(
                    ResponseCode::NoError,
                    &msg.answers,
                    &msg.authorities,
                ) {
                    Some(super::outcome::Empty::Referral(to)) => {
                        Err(super::outcome::referral(&s, &n, rtype, &to))
                    }
                    _ => Ok(msg),
                }
            }
            ResponseCode::NXDomain => Ok(msg),
            ResponseCode::ServFail => Err(DnsError::ServFail {
                server: s,
                name: n,
                rtype,
            }),
            ResponseCode::Refused => Err(DnsError::Refused {
                server: s,
                name: n,
                rtype,
            }),
            code => Err(DnsError::BadResponse {
                server: s,
                name: n,
                rtype,
                detail: code.to_string(),
            }),
        }
    }
}

/// A CNAME chain being followed.
struct Walk {
    start: String,
    current: String,
    hops: Vec<(String, String)>,
    /// Who is being asked, for messages.
    server: String,
}

impl Walk {
    fn new(start: String, server: String) -> Walk {
        Walk {
            current: start.clone(),
            start,
            hops: Vec::new(),
            server,
        }
    }

    /// Follow the CNAMEs in `answers` from the current name, in any order they come.
    /// Whether it moved.
    fn follow(&mut self, answers: &[Record]) -> Result<bool, DnsError> {
        let mut moved = false;
        while let Some(target) = answers.iter().find_map(|r| match &r.data {
            RData::CNAME(c) if text(&r.name) == self.current => Some(text(&c.0)),
            _ => None,
        }) {
            let seen = target == self.current
                || target == self.start
                || self.hops.iter().any(|(a, _)| *a == target);
            self.hops.push((self.current.clone(), target.clone()));
            if seen {
                return Err(DnsError::CnameLoop {
                    server: self.server.clone(),
                    chain: self.describe(),
                });
            }
            if self.hops.len() > MAX_HOPS {
                return Err(DnsError::ChainTooLong {
                    server: self.server.clone(),
                    name: self.start.clone(),
                    max: MAX_HOPS,
                    chain: self.describe(),
                });
            }
            self.current = target;
            moved = true;
        }
        Ok(moved)
    }

    /// `a -> b -> c`.
    fn describe(&self) -> String {
        let mut s = self.start.clone();
        for (_, t) in &self.hops {
            s.push_str(" -> ");
            s.push_str(t);
        }
        s
    }

    fn done(self, addrs: Vec<IpAddr>, external: bool) -> Chain {
        Chain {
            hops: self.hops,
            end: self.current,
            addrs,
            external,
        }
    }
}

/// The addresses of type `rtype` owned by `owner` in `answers`, sorted and distinct.
fn addrs_of(answers: &[Record], owner: &str, rtype: RecordType) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = answers
        .iter()
        .filter(|r| r.record_type() == rtype && text(&r.name) == owner)
        .filter_map(|r| r.data.ip_addr())
        .collect();
    out.sort();
    out.dedup();
    out
}

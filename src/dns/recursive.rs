//! Look-ups through the recursive resolvers: MX, the zone of a name, a zone's
//! authoritative servers, TXT, addresses, reverse names, and "is this a CNAME".
//!
//! A stub resolver on the project's own wire code: each question goes to the resolvers
//! in order with RD set (UDP, TCP when truncated, a random ID and source port, the
//! answer matched to the question as for authoritative servers, see [`super::matcher`]),
//! and on to the next resolver when one times out, cannot be reached, answers SERVFAIL,
//! REFUSED, a referral or something unreadable. When every resolver failed, the question
//! is asked again as [`super::retrying`] allows. A CNAME chain the resolver left
//! unfinished is followed by asking about its end. Nothing is cached.

use super::join::join_all;
use super::names::{self, is_within, parent, text};
use super::outcome::Found;
use super::wire::Question;
use super::{Dns, DnsError, MxHost, MAX_HOPS};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use std::net::{IpAddr, SocketAddr};

impl Dns {
    /// The MX records of `domain`, sorted by preference then host name. Empty when the
    /// domain has none (NODATA or NXDOMAIN). A null MX (`0 .`, RFC 7505) is left out.
    pub async fn mx(&self, domain: &str) -> Result<Vec<MxHost>, DnsError> {
        Ok(self.mx_found(domain).await?.records())
    }

    /// The MX records of `domain` as [`mx`](Self::mx) gives them, with NODATA and
    /// NXDOMAIN told apart. A null MX alone is an answer with no host.
    pub async fn mx_found(&self, domain: &str) -> Result<Found<Vec<MxHost>>, DnsError> {
        Ok(self
            .query(domain, RecordType::MX)
            .await?
            .map(|records| mx_hosts(&records)))
    }

    /// Whether `domain` publishes a null MX (`MX 0 .`, RFC 7505: it accepts no mail),
    /// which [`mx`](Self::mx) leaves out.
    pub async fn null_mx(&self, domain: &str) -> Result<bool, DnsError> {
        let records = self.lookup(domain, RecordType::MX).await?;
        Ok(records
            .iter()
            .any(|r| matches!(&r.data, RData::MX(mx) if mx.exchange.is_root())))
    }

    /// The apex of the zone that holds `name` (`mail.example.com` -> `example.com`,
    /// `a.example.com.cn` -> `example.com.cn`).
    ///
    /// Walks up the labels. At each one, a CNAME question (which the resolver does not
    /// follow) either shows the name is an alias (not an apex: go up), or comes back
    /// empty with the zone's SOA in the authority section, which names the zone. Without
    /// such an SOA, an SOA question tells whether this label is the apex.
    pub async fn zone_of(&self, name: &str) -> Result<String, DnsError> {
        let start = names::normalize(name)?;
        let mut candidate = start.as_str();
        loop {
            // A referral, SERVFAIL, REFUSED or time-out from every resolver is an error.
            let msg = self.recurse(candidate, RecordType::CNAME).await?;
            if !has_owned(&msg.answers, candidate, RecordType::CNAME) {
                let soa_owner = msg
                    .authorities
                    .iter()
                    .find(|r| r.record_type() == RecordType::SOA)
                    .map(|soa| text(&soa.name));
                match soa_owner {
                    Some(z)
                        if msg.answers.is_empty() && !z.is_empty() && is_within(candidate, &z) =>
                    {
                        return Ok(z)
                    }
                    _ => {
                        if self.is_apex(candidate).await? {
                            return Ok(candidate.to_string());
                        }
                    }
                }
            }
            candidate = match parent(candidate) {
                Some(p) => p,
                None => {
                    return Err(DnsError::NoZone {
                        name: start.clone(),
                        server: self.label.clone(),
                    })
                }
            };
        }
    }

    /// Whether `name` owns an SOA record.
    async fn is_apex(&self, name: &str) -> Result<bool, DnsError> {
        let records = self.lookup(name, RecordType::SOA).await?;
        Ok(has_owned(&records, name, RecordType::SOA))
    }

    /// The servers to ask about `zone`: `dns.authoritative` when set (host names
    /// resolved, ports kept), otherwise the zone's NS names resolved to their A/AAAA
    /// addresses at port 53. Without duplicates; an error when none has an address.
    pub async fn authoritative(&self, zone: &str) -> Result<Vec<SocketAddr>, DnsError> {
        let zone = names::normalize(zone)?;
        let targets: Vec<(String, u16)> = if self.authoritative.is_empty() {
            let records = self.lookup(&zone, RecordType::NS).await?;
            let mut ns: Vec<(String, u16)> = records
                .iter()
                .filter_map(|r| match &r.data {
                    RData::NS(n) => Some((text(&n.0), 53)),
                    _ => None,
                })
                .collect();
            ns.sort();
            ns.dedup();
            if ns.is_empty() {
                return Err(DnsError::NoAuthoritative {
                    zone,
                    detail: format!("{} found no NS records", self.label),
                });
            }
            ns
        } else {
            self.authoritative
                .iter()
                .map(|s| (s.host.clone(), s.port))
                .collect()
        };
        let lookups = targets.iter().map(|(host, port)| async move {
            let ips = match host.parse::<IpAddr>() {
                Ok(ip) => Ok(vec![ip]),
                Err(_) => self.addrs(host).await,
            };
            (
                host,
                ips.map(|v| v.into_iter().map(|ip| SocketAddr::new(ip, *port))),
            )
        });
        let mut out: Vec<SocketAddr> = Vec::new();
        let mut problems = Vec::new();
        for (host, res) in join_all(lookups.collect()).await {
            match res {
                Ok(addrs) => {
                    let before = out.len();
                    for a in addrs {
                        if !out.contains(&a) {
                            out.push(a);
                        }
                    }
                    if out.len() == before {
                        problems.push(format!("{host} has no address"));
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        if out.is_empty() {
            return Err(DnsError::NoAuthoritative {
                zone,
                detail: problems.join("; "),
            });
        }
        Ok(out)
    }

    /// The TXT records at `name`, each as its character-strings. Empty when none.
    pub async fn txt(&self, name: &str) -> Result<Vec<Vec<String>>, DnsError> {
        Ok(self.txt_found(name).await?.records())
    }

    /// The TXT records at `name`, with NODATA and NXDOMAIN told apart.
    pub async fn txt_found(&self, name: &str) -> Result<Found<Vec<Vec<String>>>, DnsError> {
        Ok(self
            .query(name, RecordType::TXT)
            .await?
            .map(|records| txt_strings(&records)))
    }

    /// The A and AAAA addresses of `name` (following CNAMEs), sorted. Empty when none.
    pub async fn addrs(&self, name: &str) -> Result<Vec<IpAddr>, DnsError> {
        Ok(self.addrs_found(name).await?.records())
    }

    /// The A and AAAA addresses of `name`, with NODATA and NXDOMAIN told apart.
    pub async fn addrs_found(&self, name: &str) -> Result<Found<Vec<IpAddr>>, DnsError> {
        let name = names::normalize(name)?;
        let (v4, v6) = tokio::join!(
            self.query(&name, RecordType::A),
            self.query(&name, RecordType::AAAA)
        );
        let ips = |found: &Result<Found<Vec<Record>>, DnsError>| -> Vec<IpAddr> {
            match found {
                Ok(Found::Answer(records)) => {
                    records.iter().filter_map(|r| r.data.ip_addr()).collect()
                }
                _ => Vec::new(),
            }
        };
        let mut out = ips(&v4);
        out.extend(ips(&v6));
        out.sort();
        out.dedup();
        if !out.is_empty() {
            // Addresses of one family are an answer even when the other failed.
            return Ok(Found::Answer(out));
        }
        match (v4?, v6?) {
            (Found::NxDomain, _) | (_, Found::NxDomain) => Ok(Found::NxDomain),
            _ => Ok(Found::NoData),
        }
    }

    /// The reverse names (PTR) of `ip`. Empty when none.
    pub async fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        let shown = text(&Name::from(ip));
        let records = self.lookup(&shown, RecordType::PTR).await?;
        let mut out: Vec<String> = records
            .iter()
            .filter_map(|r| match &r.data {
                RData::PTR(p) => Some(text(&p.0)),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The target when `name` itself is a CNAME; `None` when it is not.
    pub async fn cname(&self, name: &str) -> Result<Option<String>, DnsError> {
        let owner = names::normalize(name)?;
        let records = self.lookup(&owner, RecordType::CNAME).await?;
        Ok(records.iter().find_map(|r| match &r.data {
            RData::CNAME(c) if text(&r.name) == owner => Some(text(&c.0)),
            _ => None,
        }))
    }

    /// The answer records for `name`/`rtype`; empty on NXDOMAIN/NODATA.
    pub(super) async fn lookup(
        &self,
        name: &str,
        rtype: RecordType,
    ) -> Result<Vec<Record>, DnsError> {
        Ok(self.query(name, rtype).await?.records())
    }

    /// The answer records for `name`/`rtype` (with the CNAMEs that led to them), or
    /// NODATA / NXDOMAIN. A referral, SERVFAIL, REFUSED or a time-out is an error.
    pub async fn query(
        &self,
        name: &str,
        rtype: RecordType,
    ) -> Result<Found<Vec<Record>>, DnsError> {
        let name = names::normalize(name)?;
        let msg = self.recurse(&name, rtype).await?;
        Ok(verdict(&msg, &name, rtype))
    }

    /// One recursive question, answered NOERROR or NXDOMAIN by one of the resolvers. A
    /// CNAME chain that ends without the asked type and without a negative answer (the
    /// resolver did not follow it) is followed by asking about its end, up to
    /// [`MAX_HOPS`] aliases, and the answers joined.
    pub(super) async fn recurse(&self, name: &str, rtype: RecordType) -> Result<Message, DnsError> {
        let mut msg = self.recurse_once(name, rtype).await?;
        if rtype == RecordType::CNAME {
            return Ok(msg);
        }
        let mut asked = vec![name.to_string()];
        loop {
            let chain = chain_names(&msg.answers, name);
            let end = chain.last().map_or(name, String::as_str);
            let finished = end == name
                || msg.metadata.response_code != ResponseCode::NoError
                || msg.answers.iter().any(|r| r.record_type() == rtype)
                || msg
                    .authorities
                    .iter()
                    .any(|r| r.record_type() == RecordType::SOA)
                || chain.len() > MAX_HOPS
                || asked.iter().any(|a| a == end);
            if finished {
                return Ok(msg);
            }
            let end = end.to_string();
            let more = self.recurse_once(&end, rtype).await?;
            asked.push(end);
            msg.answers.extend(more.answers);
            msg.authorities = more.authorities;
            msg.metadata.response_code = more.metadata.response_code;
        }
    }

    /// One question through the resolvers, in order: the first answer (NOERROR or
    /// NXDOMAIN) is taken; a failing resolver hands the question to the next one. When
    /// all failed, the error of the first that failed transiently (else the last) is
    /// [`super::retrying`]'s to judge; each error names the resolver that gave it.
    async fn recurse_once(&self, name: &str, rtype: RecordType) -> Result<Message, DnsError> {
        let q = Question {
            name,
            rtype,
            class: DNSClass::IN,
            recursion: true,
        };
        super::retrying(self.recursive_timeouts, || async {
            let mut transient: Option<DnsError> = None;
            let mut last: Option<DnsError> = None;
            for &server in &self.resolvers {
                match self
                    .ask_once(server, name, rtype, &q, self.recursive_timeout)
                    .await
                {
                    Ok(msg) => return Ok(msg),
                    Err(e @ DnsError::BadName { .. }) => return Err(e),
                    Err(e) => {
                        tracing::debug!("{e}; asking the next resolver");
                        if e.is_transient() && transient.is_none() {
                            transient = Some(e);
                        } else {
                            last = Some(e);
                        }
                    }
                }
            }
            Err(transient.or(last).unwrap_or_else(|| DnsError::Setup {
                detail: "no resolver to ask".into(),
            }))
        })
        .await
    }
}

/// What an answer says about `name`/`rtype`: the records on its CNAME chain when one of
/// them has the asked type; otherwise NXDOMAIN or NODATA (a CNAME to a name without such
/// records is NODATA, to a name that does not exist NXDOMAIN).
fn verdict(msg: &Message, name: &str, rtype: RecordType) -> Found<Vec<Record>> {
    let mut chain = chain_names(&msg.answers, name);
    chain.insert(0, name.to_string());
    let records: Vec<Record> = msg
        .answers
        .iter()
        .filter(|r| chain.contains(&text(&r.name)))
        .cloned()
        .collect();
    if records.iter().any(|r| r.record_type() == rtype) {
        Found::Answer(records)
    } else if msg.metadata.response_code == ResponseCode::NXDomain {
        Found::NxDomain
    } else {
        Found::NoData
    }
}

/// The CNAME targets followed from `name` in `answers`, in order (without `name`);
/// stops at a loop and after one more than [`MAX_HOPS`] aliases.
fn chain_names(answers: &[Record], name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = name.to_string();
    while out.len() <= MAX_HOPS {
        let next = answers.iter().find_map(|r| match &r.data {
            RData::CNAME(c) if text(&r.name) == current => Some(text(&c.0)),
            _ => None,
        });
        match next {
            Some(t) if t != name && !out.contains(&t) => {
                out.push(t.clone());
                current = t;
            }
            _ => break,
        }
    }
    out
}

/// The MX hosts among `records`, sorted, without the null MX.
fn mx_hosts(records: &[Record]) -> Vec<MxHost> {
    let mut out: Vec<MxHost> = records
        .iter()
        .filter_map(|r| match &r.data {
            RData::MX(mx) if !mx.exchange.is_root() => Some(MxHost {
                preference: mx.preference,
                host: text(&mx.exchange),
            }),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `records` hold a `rtype` record owned by `owner` (normalised).
pub(super) fn has_owned(records: &[Record], owner: &str, rtype: RecordType) -> bool {
    records
        .iter()
        .any(|r| r.record_type() == rtype && text(&r.name) == owner)
}

/// Every TXT record among `records`, as its character-strings (lossy UTF-8).
pub(super) fn txt_strings(records: &[Record]) -> Vec<Vec<String>> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::TXT(t) => Some(
                t.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

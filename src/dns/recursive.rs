//! Look-ups through the recursive resolvers: MX, the zone of a name, a zone's
//! authoritative servers, TXT, addresses, reverse names, and "is this a CNAME".

use super::join::join_all;
use super::names::{self, fqdn, is_within, parent, text};
use super::outcome::{self, Empty, Found};
use super::{Dns, DnsError, MxHost, QUERY_TIMEOUT};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError};
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
            let q = fqdn(candidate)?;
            match self
                .resolve(candidate, RecordType::CNAME, || {
                    self.resolver.lookup(q.clone(), RecordType::CNAME)
                })
                .await?
            {
                Ok(l) if has_owned(l.answers(), candidate, RecordType::CNAME) => {}
                Ok(_) => {
                    if self.is_apex(candidate).await? {
                        return Ok(candidate.to_string());
                    }
                }
                Err(e) if matches!(outcome::empty_of(&e), Some(Empty::Referral(_))) => {
                    return match self.empty::<()>(e, candidate, RecordType::CNAME) {
                        Err(referral) => Err(referral),
                        // Classified as a referral just above: always an error.
                        Ok(_) => Err(DnsError::NoZone {
                            name: start.clone(),
                            server: self.label.clone(),
                        }),
                    };
                }
                Err(e) if e.is_no_records_found() => {
                    let soa_owner = e.into_soa().map(|soa| text(&soa.name));
                    match soa_owner {
                        Some(z) if !z.is_empty() && is_within(candidate, &z) => return Ok(z),
                        _ => {
                            if self.is_apex(candidate).await? {
                                return Ok(candidate.to_string());
                            }
                        }
                    }
                }
                Err(e) => return Err(self.error(e, candidate, RecordType::CNAME)),
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
        let n = fqdn(name)?;
        match self
            .resolve(name, RecordType::A, || self.resolver.lookup_ip(n.clone()))
            .await?
        {
            Ok(l) => {
                let mut out: Vec<IpAddr> = l.iter().collect();
                out.sort();
                out.dedup();
                Ok(if out.is_empty() {
                    Found::NoData
                } else {
                    Found::Answer(out)
                })
            }
            Err(e) => self.empty(e, name, RecordType::A),
        }
    }

    /// The reverse names (PTR) of `ip`. Empty when none.
    pub async fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        let mut name = Name::from(ip);
        name.set_fqdn(true);
        let shown = text(&name);
        let records = match self
            .resolve(&shown, RecordType::PTR, || {
                self.resolver.reverse_lookup(name.clone())
            })
            .await?
        {
            Ok(l) => l.answers().to_vec(),
            Err(e) => self
                .empty::<Vec<Record>>(e, &shown, RecordType::PTR)?
                .records(),
        };
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

    /// The answer records for `name`/`rtype`, or NODATA / NXDOMAIN. A referral, SERVFAIL,
    /// REFUSED or a time-out is an error: no verdict.
    pub async fn query(
        &self,
        name: &str,
        rtype: RecordType,
    ) -> Result<Found<Vec<Record>>, DnsError> {
        let q = fqdn(name)?;
        match self
            .resolve(name, rtype, || self.resolver.lookup(q.clone(), rtype))
            .await?
        {
            Ok(l) if l.answers().is_empty() => Ok(Found::NoData),
            Ok(l) => Ok(Found::Answer(l.answers().to_vec())),
            Err(e) => self.empty(e, name, rtype),
        }
    }

    /// A resolver error read as a verdict: NODATA or NXDOMAIN; a referral or any other
    /// failure is an error.
    fn empty<T>(&self, e: NetError, name: &str, rtype: RecordType) -> Result<Found<T>, DnsError> {
        match outcome::empty_of(&e) {
            Some(Empty::NoData) => Ok(Found::NoData),
            Some(Empty::NxDomain) => Ok(Found::NxDomain),
            Some(Empty::Referral(to)) => Err(outcome::referral(&self.label, name, rtype, &to)),
            None => Err(self.error(e, name, rtype)),
        }
    }

    /// One resolver call, asked again while it fails transiently (see
    /// [`super::retrying`]; the resolver itself already asks again after a time-out).
    /// Its own result otherwise, "no records" and other errors included.
    pub(super) async fn resolve<T, Fut>(
        &self,
        name: &str,
        rtype: RecordType,
        call: impl Fn() -> Fut,
    ) -> Result<Result<T, NetError>, DnsError>
    where
        Fut: std::future::Future<Output = Result<T, NetError>>,
    {
        super::retrying(0, || async {
            match call().await {
                Err(e) if is_transient(&e) => Err(self.error(e, name, rtype)),
                other => Ok(other),
            }
        })
        .await
    }

    /// The resolver's error, said with the resolvers and the question.
    pub(super) fn error(&self, e: NetError, name: &str, rtype: RecordType) -> DnsError {
        let server = self.label.clone();
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match e {
            NetError::Timeout => DnsError::Timeout {
                server,
                name,
                rtype,
                timeout: QUERY_TIMEOUT,
            },
            NetError::Dns(HickoryDnsError::ResponseCode(ResponseCode::ServFail)) => {
                DnsError::ServFail {
                    server,
                    name,
                    rtype,
                }
            }
            NetError::Dns(HickoryDnsError::ResponseCode(ResponseCode::Refused)) => {
                DnsError::Refused {
                    server,
                    name,
                    rtype,
                }
            }
            NetError::Io(_) | NetError::NoConnections => DnsError::Unreachable {
                server,
                name,
                rtype,
                detail: e.to_string(),
            },
            other => DnsError::BadResponse {
                server,
                name,
                rtype,
                detail: other.to_string(),
            },
        }
    }
}

/// The resolver errors worth asking again: those [`Dns::error`] calls transient.
fn is_transient(e: &NetError) -> bool {
    matches!(
        e,
        NetError::Timeout
            | NetError::Io(_)
            | NetError::NoConnections
            | NetError::Dns(HickoryDnsError::ResponseCode(ResponseCode::ServFail))
    )
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

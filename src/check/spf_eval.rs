//! SPF (RFC 7208) at the domain: exactly one valid `v=spf1` record, within the limits of
//! 10 DNS-querying terms and 2 void look-ups counted through include/redirect, and
//! whether it lets each public address send.
//!
//! The DNS data is fetched once, level by level and concurrently (records of included
//! domains, addresses of `a` targets, MX hosts of `mx` targets); evaluating an address is
//! then a pure walk over it, in the order of check_host(). Macros, `exists` and `ptr`
//! depend on the sending session, so a result that hinges on them is "cannot decide".

use super::Finding;
use crate::dns::{join::join_all, Dns};
use crate::spf::{self, Qualifier, Spf, Term};
use std::collections::HashMap;
use std::net::IpAddr;

/// DNS-querying terms a receiver evaluates at most (RFC 7208 §4.6.4).
const LOOKUP_LIMIT: usize = 10;
/// Void look-ups (no answer) a receiver tolerates (RFC 7208 §4.6.4).
const VOID_LIMIT: usize = 2;
/// The longest record text that still fits a 512-byte UDP answer with its header and
/// question (RFC 7208 §3.4 recommends staying under 450 octets).
const SIZE_LIMIT: usize = 450;
/// MX hosts an `mx` mechanism may have (RFC 7208 §4.6.4).
const MX_LIMIT: usize = 10;
/// Include/redirect nesting followed, at most.
const DEPTH_LIMIT: usize = 12;
/// Names looked up while walking a record's tree, at most (loops and huge trees stop here).
const FETCH_LIMIT: usize = 40;

/// The SPF record at one name.
enum Record {
    /// No SPF record; `void` when the name has no TXT record at all.
    None {
        void: bool,
    },
    Many(usize),
    Bad(String),
    Spf(Spf),
    Failed(String),
}

/// An `mx` target: how many MX hosts, their addresses, and how many had none.
struct MxTarget {
    hosts: usize,
    addrs: Vec<IpAddr>,
    void_hosts: usize,
}

/// Everything evaluation needs, fetched once.
#[derive(Default)]
struct Tree {
    records: HashMap<String, Record>,
    /// The length in bytes of each SPF record's joined text.
    lens: HashMap<String, usize>,
    hosts: HashMap<String, Result<Vec<IpAddr>, String>>,
    mxs: HashMap<String, Result<MxTarget, String>>,
}

/// One look-up of the walk.
enum Job {
    Record(String),
    Host(String),
    Mx(String),
}

enum Done {
    Record(String, Record, usize),
    Host(String, Result<Vec<IpAddr>, String>),
    Mx(String, Result<MxTarget, String>),
}

/// The SPF findings for `domain` and this network's `addrs`.
pub(super) async fn check(dns: &Dns, domain: &str, addrs: &[IpAddr]) -> Vec<Finding> {
    let tree = fetch(dns, domain).await;
    let mut out = Vec::new();
    let fix_missing = rust_i18n::t!("find.spf_eval", domain = domain).into_owned();
    match tree.records.get(domain) {
        Some(Record::Spf(spf)) => out.push(Finding::ok(
            "spf.record",
            rust_i18n::t!("find.spf.record", domain = domain, v1 = terms_text(spf)).into_owned(),
        )),
        Some(Record::None { .. }) | None => {
            out.push(Finding::error(
                "spf.missing",
                rust_i18n::t!("find.spf.missing", domain = domain).into_owned(),
                fix_missing,
            ));
            return out;
        }
        Some(Record::Many(n)) => {
            out.push(Finding::error(
                "spf.multiple",
                rust_i18n::t!("find.spf.multiple", domain = domain, n = n).into_owned(),
                rust_i18n::t!("find.spf.multiple.2").into_owned(),
            ));
            return out;
        }
        Some(Record::Bad(e)) => {
            out.push(Finding::error(
                "spf.syntax",
                rust_i18n::t!("find.spf.syntax", domain = domain, e = e).into_owned(),
                rust_i18n::t!("find.spf.syntax.2").into_owned(),
            ));
            return out;
        }
        Some(Record::Failed(e)) => {
            out.push(Finding::warn(
                "spf.dns",
                rust_i18n::t!("find.spf.dns", domain = domain, e = e).into_owned(),
                rust_i18n::t!("find.spf.dns.2").into_owned(),
            ));
            return out;
        }
    }

    if let Some(Record::Spf(spf)) = tree.records.get(domain) {
        let len = tree.lens.get(domain).copied().unwrap_or(0);
        out.extend(record_findings(domain, spf, len));
    }

    let mut counts = Counts::default();
    walk(&tree, domain, &mut Vec::new(), &mut counts);
    out.extend(count_findings(domain, &counts));

    let mut seen = Vec::new();
    for ip in addrs {
        let mut ev = Eval {
            tree: &tree,
            lookups: 0,
            voids: 0,
        };
        let f = address_finding(domain, *ip, ev.eval(domain, *ip, 0));
        // One permanent error is reported once, not once per address.
        if !seen.contains(&f.message) {
            seen.push(f.message.clone());
            out.push(f);
        }
    }
    out
}

/// Fetch the record of `domain` and everything its terms point at, level by level.
async fn fetch(dns: &Dns, domain: &str) -> Tree {
    let mut tree = Tree::default();
    let mut jobs = vec![Job::Record(domain.to_string())];
    let mut asked = 0;
    for _ in 0..=DEPTH_LIMIT {
        if jobs.is_empty() || asked >= FETCH_LIMIT {
            break;
        }
        jobs.truncate(FETCH_LIMIT - asked);
        asked += jobs.len();
        let done = join_all(jobs.drain(..).map(|j| run(dns, j)).collect()).await;
        for d in done {
            match d {
                Done::Record(name, rec, len) => {
                    tree.lens.insert(name.clone(), len);
                    if let Record::Spf(spf) = &rec {
                        for t in &spf.terms {
                            if let Some(job) = job_for(&name, t) {
                                queue(&tree, &mut jobs, job);
                            }
                        }
                    }
                    tree.records.insert(name, rec);
                }
                Done::Host(name, r) => {
                    tree.hosts.insert(name, r);
                }
                Done::Mx(name, r) => {
                    tree.mxs.insert(name, r);
                }
            }
        }
    }
    tree
}

/// The look-up a term needs (none for macros, which need the sending session).
fn job_for(owner: &str, t: &Term) -> Option<Job> {
    let target = |d: &Option<String>| d.as_deref().map_or(owner.to_string(), norm);
    match t {
        Term::Include(_, d) | Term::Redirect(d) if !has_macro(d) => Some(Job::Record(norm(d))),
        Term::A(_, d, _, _) if !d.as_deref().is_some_and(has_macro) => Some(Job::Host(target(d))),
        Term::Mx(_, d, _, _) if !d.as_deref().is_some_and(has_macro) => Some(Job::Mx(target(d))),
        _ => None,
    }
}

/// Add `job` unless it was done or is queued already.
fn queue(tree: &Tree, jobs: &mut Vec<Job>, job: Job) {
    let dup = match &job {
        Job::Record(n) => {
            tree.records.contains_key(n)
                || jobs.iter().any(|j| matches!(j, Job::Record(m) if m == n))
        }
        Job::Host(n) => {
            tree.hosts.contains_key(n) || jobs.iter().any(|j| matches!(j, Job::Host(m) if m == n))
        }
        Job::Mx(n) => {
            tree.mxs.contains_key(n) || jobs.iter().any(|j| matches!(j, Job::Mx(m) if m == n))
        }
    };
    if !dup {
        jobs.push(job);
    }
}

async fn run(dns: &Dns, job: Job) -> Done {
    match job {
        Job::Record(name) => {
            let mut len = 0;
            let rec = match dns.txt(&name).await {
                Err(e) => Record::Failed(e.to_string()),
                Ok(txts) => match spf::find(&name, &txts) {
                    Err(spf::SpfError::Multiple { count, .. }) => Record::Many(count),
                    Err(e) => Record::Bad(e.to_string()),
                    Ok(None) => Record::None {
                        void: txts.is_empty(),
                    },
                    Ok(Some(strings)) => {
                        let text = strings.concat();
                        len = text.len();
                        match spf::parse(&text) {
                            Ok(s) => Record::Spf(s),
                            Err(e) => Record::Bad(e.to_string()),
                        }
                    }
                },
            };
            Done::Record(name, rec, len)
        }
        Job::Host(name) => {
            let r = dns.addrs(&name).await.map_err(|e| e.to_string());
            Done::Host(name, r)
        }
        Job::Mx(name) => {
            let r = mx_target(dns, &name).await;
            Done::Mx(name, r)
        }
    }
}

/// The MX hosts of `name` (up to one more than the limit) and their addresses.
async fn mx_target(dns: &Dns, name: &str) -> Result<MxTarget, String> {
    let mxs = dns.mx(name).await.map_err(|e| e.to_string())?;
    let asked: Vec<_> = mxs.iter().take(MX_LIMIT).collect();
    let found = join_all(asked.iter().map(|m| dns.addrs(&m.host)).collect()).await;
    let mut t = MxTarget {
        hosts: mxs.len(),
        addrs: Vec::new(),
        void_hosts: 0,
    };
    for r in found {
        let a = r.map_err(|e| e.to_string())?;
        if a.is_empty() {
            t.void_hosts += 1;
        }
        t.addrs.extend(a);
    }
    Ok(t)
}

/// What walking the whole tree costs, as a receiver that reaches every term would pay.
#[derive(Default)]
struct Counts {
    lookups: usize,
    voids: Vec<String>,
    /// Include/redirect targets with a broken or missing record: (term, what is wrong).
    broken: Vec<(String, String)>,
    /// Include/redirect targets whose look-up failed: (term, error).
    failed: Vec<(String, String)>,
    /// An include/redirect that leads back to a record already being evaluated.
    looped: Option<String>,
    /// Part of the tree was not looked up (too deep or too wide).
    incomplete: bool,
}

fn walk(tree: &Tree, domain: &str, stack: &mut Vec<String>, c: &mut Counts) {
    let Some(Record::Spf(spf)) = tree.records.get(domain) else {
        return;
    };
    stack.push(domain.to_string());
    let has_all = spf.terms.iter().any(|t| matches!(t, Term::All(_)));
    for t in &spf.terms {
        if matches!(t, Term::Redirect(_)) && has_all {
            continue; // RFC 7208 §6.1: redirect is ignored when there is an `all`.
        }
        if t.queries_dns() {
            c.lookups += 1;
        }
        match t {
            Term::Include(_, d) | Term::Redirect(d) if !has_macro(d) => {
                let d = norm(d);
                if stack.contains(&d) {
                    c.looped.get_or_insert_with(|| {
                        rust_i18n::t!("find.spf_eval.2", t = t, domain = domain).into_owned()
                    });
                    continue;
                }
                match tree.records.get(&d) {
                    None => c.incomplete = true,
                    Some(Record::Spf(_)) => walk(tree, &d, stack, c),
                    Some(Record::None { void }) => {
                        if *void {
                            c.voids.push(t.to_string());
                        }
                        c.broken.push((
                            t.to_string(),
                            rust_i18n::t!("find.spf_eval.3", d = d).into_owned(),
                        ));
                    }
                    Some(Record::Many(n)) => c.broken.push((
                        t.to_string(),
                        rust_i18n::t!("find.spf_eval.4", d = d, n = n).into_owned(),
                    )),
                    Some(Record::Bad(e)) => c.broken.push((t.to_string(), format!("{d}: {e}"))),
                    Some(Record::Failed(e)) => c.failed.push((t.to_string(), e.clone())),
                }
            }
            Term::A(_, d, _, _) if !d.as_deref().is_some_and(has_macro) => {
                let target = d.as_deref().map_or(domain.to_string(), norm);
                if let Some(Ok(a)) = tree.hosts.get(&target) {
                    if a.is_empty() {
                        c.voids.push(t.to_string());
                    }
                }
            }
            Term::Mx(_, d, _, _) if !d.as_deref().is_some_and(has_macro) => {
                let target = d.as_deref().map_or(domain.to_string(), norm);
                if let Some(Ok(m)) = tree.mxs.get(&target) {
                    if m.hosts == 0 {
                        c.voids.push(t.to_string());
                    }
                    for _ in 0..m.void_hosts {
                        c.voids
                            .push(rust_i18n::t!("find.spf_eval.5", target = target).into_owned());
                    }
                }
            }
            _ => {}
        }
    }
    stack.pop();
}

fn count_findings(domain: &str, c: &Counts) -> Vec<Finding> {
    let mut out = Vec::new();
    for (term, why) in &c.broken {
        out.push(Finding::error(
            "spf.include",
            rust_i18n::t!("find.spf.include", term = term, domain = domain, why = why).into_owned(),
            rust_i18n::t!("find.spf.include.2", term = term).into_owned(),
        ));
    }
    for (term, e) in &c.failed {
        out.push(Finding::warn(
            "spf.dns",
            rust_i18n::t!("find.spf.dns.3", term = term, domain = domain, e = e).into_owned(),
            rust_i18n::t!("find.spf.dns.4").into_owned(),
        ));
    }
    if let Some(l) = &c.looped {
        out.push(Finding::error(
            "spf.lookups",
            rust_i18n::t!("find.spf.lookups", domain = domain, l = l).into_owned(),
            rust_i18n::t!("find.spf.lookups.2").into_owned(),
        ));
    } else if c.lookups > LOOKUP_LIMIT {
        let at_least = if c.incomplete {
            rust_i18n::t!("find.spf.at_least")
        } else {
            "".into()
        };
        out.push(Finding::error(
            "spf.lookups",
            rust_i18n::t!(
                "find.spf.lookups.too_many",
                domain = domain,
                at_least = at_least,
                n = c.lookups,
                limit = LOOKUP_LIMIT
            )
            .into_owned(),
            rust_i18n::t!("find.spf.lookups.3").into_owned(),
        ));
    } else if c.incomplete {
        out.push(Finding::warn(
            "spf.lookups",
            rust_i18n::t!("find.spf.lookups.4", domain = domain).into_owned(),
            rust_i18n::t!("find.spf.lookups.5").into_owned(),
        ));
    } else {
        out.push(Finding::ok(
            "spf.lookups",
            rust_i18n::t!(
                "find.spf.lookups.ok",
                domain = domain,
                n = c.lookups,
                limit = LOOKUP_LIMIT
            )
            .into_owned(),
        ));
    }
    if c.voids.len() > VOID_LIMIT {
        out.push(Finding::error(
            "spf.void",
            rust_i18n::t!(
                "find.spf.void.too_many",
                domain = domain,
                n = c.voids.len(),
                voids = c.voids.join(", "),
                limit = VOID_LIMIT
            )
            .into_owned(),
            rust_i18n::t!("find.spf.void").into_owned(),
        ));
    }
    out
}

/// Findings about the record's own terms: its `all`, `redirect`, `ptr`, and its size.
fn record_findings(domain: &str, spf: &Spf, len: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    let all = spf.terms.iter().find_map(|t| match t {
        Term::All(q) => Some(*q),
        _ => None,
    });
    let redirect = spf.terms.iter().find_map(|t| match t {
        Term::Redirect(d) => Some(d.clone()),
        _ => None,
    });
    match (all, &redirect) {
        (Some(Qualifier::Pass), _) => out.push(Finding::error(
            "spf.all_pass",
            rust_i18n::t!("find.spf.all_pass", domain = domain).into_owned(),
            rust_i18n::t!("find.spf.all_pass.2").into_owned(),
        )),
        (Some(Qualifier::Neutral), _) => out.push(Finding::warn(
            "spf.all_neutral",
            rust_i18n::t!("find.spf.all_neutral", domain = domain).into_owned(),
            rust_i18n::t!("find.spf.all_neutral.2").into_owned(),
        )),
        (Some(_), Some(d)) => out.push(Finding::warn(
            "spf.redirect_ignored",
            rust_i18n::t!("find.spf.redirect_ignored", domain = domain, d = d).into_owned(),
            rust_i18n::t!("find.spf.redirect_ignored.2", d = d).into_owned(),
        )),
        (None, None) => out.push(Finding::warn(
            "spf.all_missing",
            rust_i18n::t!("find.spf.all_missing", domain = domain).into_owned(),
            rust_i18n::t!("find.spf.all_missing.2").into_owned(),
        )),
        _ => {}
    }
    if spf.terms.iter().any(|t| matches!(t, Term::Ptr(..))) {
        out.push(Finding::warn(
            "spf.ptr",
            rust_i18n::t!("find.spf.ptr", domain = domain).into_owned(),
            rust_i18n::t!("find.spf.ptr.2").into_owned(),
        ));
    }
    if len > SIZE_LIMIT {
        out.push(Finding::warn(
            "spf.size",
            rust_i18n::t!(
                "find.spf.size.long",
                domain = domain,
                len = len,
                limit = SIZE_LIMIT
            )
            .into_owned(),
            rust_i18n::t!("find.spf.size").into_owned(),
        ));
    }
    out
}

/// The result of check_host() for one address.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// A term matched: its qualifier and text.
    Match(Qualifier, String),
    /// Nothing matched (the result is neutral).
    NoMatch,
    /// The domain has no SPF record.
    NoRecord,
    PermError(String),
    TempError(String),
    /// Hinges on a term that needs the sending session (macro, exists, ptr).
    Undecided(String),
}

struct Eval<'t> {
    tree: &'t Tree,
    lookups: usize,
    /// Look-ups that found nothing so far (RFC 7208 §4.6.4 void look-ups).
    voids: usize,
}

/// One term's verdict.
enum Hit {
    Yes,
    No,
    Maybe(String),
}

impl Eval<'_> {
    fn eval(&mut self, domain: &str, ip: IpAddr, depth: usize) -> Outcome {
        if depth > DEPTH_LIMIT {
            return Outcome::PermError(rust_i18n::t!("find.spf_eval.6").into_owned());
        }
        let spf = match self.tree.records.get(domain) {
            None => {
                return Outcome::Undecided(
                    rust_i18n::t!("find.spf_eval.7", domain = domain).into_owned(),
                )
            }
            Some(Record::None { .. }) => return Outcome::NoRecord,
            Some(Record::Many(n)) => {
                return Outcome::PermError(
                    rust_i18n::t!("find.spf_eval.8", domain = domain, n = n).into_owned(),
                )
            }
            Some(Record::Bad(e)) => return Outcome::PermError(format!("{domain}: {e}")),
            Some(Record::Failed(e)) => return Outcome::TempError(e.clone()),
            Some(Record::Spf(s)) => s,
        };
        // Terms that might match but cannot be decided here: (qualifier, why).
        let mut open: Vec<(Qualifier, String)> = Vec::new();
        let mut redirect = None;
        for t in &spf.terms {
            if let Term::Redirect(d) = t {
                redirect = Some(d);
                continue;
            }
            if t.queries_dns() {
                self.lookups += 1;
                if self.lookups > LOOKUP_LIMIT {
                    return too_many();
                }
            }
            let (q, hit) = match self.term(domain, t, ip, depth) {
                Ok(v) => v,
                Err(o) => return o,
            };
            match hit {
                Hit::Yes => return settle(Outcome::Match(q, t.to_string()), &open),
                Hit::No => {}
                Hit::Maybe(why) => open.push((q, why)),
            }
        }
        let Some(d) = redirect else {
            return settle(Outcome::NoMatch, &open);
        };
        if has_macro(d) {
            return Outcome::Undecided(rust_i18n::t!("find.spf_eval.9", d = d).into_owned());
        }
        self.lookups += 1;
        if self.lookups > LOOKUP_LIMIT {
            return too_many();
        }
        match self.eval(&norm(d), ip, depth + 1) {
            Outcome::NoRecord => {
                Outcome::PermError(rust_i18n::t!("find.spf_eval.10", d = d).into_owned())
            }
            o => settle(o, &open),
        }
    }

    /// Whether one mechanism matches `ip`; `Err` when evaluation must stop with that outcome.
    fn term(
        &mut self,
        domain: &str,
        t: &Term,
        ip: IpAddr,
        depth: usize,
    ) -> Result<(Qualifier, Hit), Outcome> {
        let session = |q: Qualifier| {
            Ok((
                q,
                Hit::Maybe(rust_i18n::t!("find.spf_eval.11", t = t).into_owned()),
            ))
        };
        let yes = |q: Qualifier, b: bool| Ok((q, if b { Hit::Yes } else { Hit::No }));
        match t {
            Term::All(q) => yes(*q, true),
            Term::Ip4(q, net, len) => yes(
                *q,
                in_net(IpAddr::V4(*net), ip, Some(len.unwrap_or(32)), None),
            ),
            Term::Ip6(q, net, len) => yes(
                *q,
                in_net(IpAddr::V6(*net), ip, None, Some(len.unwrap_or(128))),
            ),
            Term::A(q, d, c4, c6) => {
                if d.as_deref().is_some_and(has_macro) {
                    return session(*q);
                }
                let target = d.as_deref().map_or(domain.to_string(), norm);
                match self.tree.hosts.get(&target) {
                    None => Ok((
                        *q,
                        Hit::Maybe(rust_i18n::t!("find.spf_eval.12", target = target).into_owned()),
                    )),
                    Some(Err(e)) => Err(Outcome::TempError(e.clone())),
                    Some(Ok(a)) => {
                        if a.is_empty() {
                            self.void(t)?;
                        }
                        yes(*q, a.iter().any(|a| in_net(*a, ip, *c4, *c6)))
                    }
                }
            }
            Term::Mx(q, d, c4, c6) => {
                if d.as_deref().is_some_and(has_macro) {
                    return session(*q);
                }
                let target = d.as_deref().map_or(domain.to_string(), norm);
                match self.tree.mxs.get(&target) {
                    None => Ok((
                        *q,
                        Hit::Maybe(rust_i18n::t!("find.spf_eval.13", target = target).into_owned()),
                    )),
                    Some(Err(e)) => Err(Outcome::TempError(e.clone())),
                    Some(Ok(m)) if m.hosts > MX_LIMIT => Err(Outcome::PermError(
                        rust_i18n::t!(
                            "find.spf.mx_limit",
                            t = t,
                            target = target,
                            n = m.hosts,
                            limit = MX_LIMIT
                        )
                        .into_owned(),
                    )),
                    Some(Ok(m)) => {
                        if m.hosts == 0 {
                            self.void(t)?;
                        }
                        for _ in 0..m.void_hosts {
                            self.void(t)?;
                        }
                        yes(*q, m.addrs.iter().any(|a| in_net(*a, ip, *c4, *c6)))
                    }
                }
            }
            Term::Include(q, d) => {
                if has_macro(d) {
                    return session(*q);
                }
                if let Some(Record::None { void: true }) = self.tree.records.get(&norm(d)) {
                    self.void(t)?;
                }
                match self.eval(&norm(d), ip, depth + 1) {
                    Outcome::Match(Qualifier::Pass, _) => yes(*q, true),
                    Outcome::Match(..) | Outcome::NoMatch => yes(*q, false),
                    Outcome::NoRecord => Err(Outcome::PermError(
                        rust_i18n::t!("find.spf_eval.14", d = d).into_owned(),
                    )),
                    Outcome::Undecided(why) => Ok((*q, Hit::Maybe(why))),
                    o @ (Outcome::PermError(_) | Outcome::TempError(_)) => Err(o),
                }
            }
            Term::Exists(q, _) | Term::Ptr(q, _) => session(*q),
            Term::Redirect(_) | Term::Exp(_) | Term::Unknown(..) => yes(Qualifier::Neutral, false),
        }
    }
}

impl Eval<'_> {
    /// Count a void look-up of term `t`; past the limit, evaluation ends in permerror.
    fn void(&mut self, t: &Term) -> Result<(), Outcome> {
        self.voids += 1;
        if self.voids > VOID_LIMIT {
            return Err(Outcome::PermError(
                rust_i18n::t!("find.spf.void_limit", limit = VOID_LIMIT, t = t).into_owned(),
            ));
        }
        Ok(())
    }
}

fn too_many() -> Outcome {
    Outcome::PermError(rust_i18n::t!("find.spf.lookup_limit", limit = LOOKUP_LIMIT).into_owned())
}

/// `result`, unless an earlier undecidable term could have produced a different one.
fn settle(result: Outcome, open: &[(Qualifier, String)]) -> Outcome {
    let q = match &result {
        Outcome::Match(q, _) => Some(*q),
        Outcome::NoMatch => Some(Qualifier::Neutral),
        _ => None,
    };
    match open.iter().find(|(oq, _)| Some(*oq) != q) {
        None => result,
        Some(_) => Outcome::Undecided(
            open.iter()
                .map(|(_, w)| w.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

fn address_finding(domain: &str, ip: IpAddr, o: Outcome) -> Finding {
    let tag = if ip.is_ipv4() { "ip4" } else { "ip6" };
    let fix = rust_i18n::t!("find.spf_eval.15", tag = tag, ip = ip, domain = domain).into_owned();
    let (result, term) = match o {
        Outcome::Match(Qualifier::Pass, term) => {
            return Finding::ok(
                "spf.authorised",
                rust_i18n::t!("find.spf.authorised", domain = domain, ip = ip, term = term)
                    .into_owned(),
            )
        }
        Outcome::Match(q, term) => (name_of(q), format!(" (\"{term}\")")),
        Outcome::NoMatch => (
            "neutral",
            rust_i18n::t!("find.spf.authorised.2")
                .into_owned()
                .to_string(),
        ),
        Outcome::NoRecord => ("none", String::new()),
        Outcome::PermError(why) => {
            return Finding::error(
                "spf.unauthorised",
                rust_i18n::t!("find.spf.unauthorised", domain = domain, why = why).into_owned(),
                rust_i18n::t!("find.spf.unauthorised.2").into_owned(),
            )
        }
        Outcome::TempError(why) => {
            return Finding::warn(
                "spf.dns",
                rust_i18n::t!("find.spf.dns.5", domain = domain, ip = ip, why = why).into_owned(),
                rust_i18n::t!("find.spf.dns.6").into_owned(),
            )
        }
        Outcome::Undecided(why) => {
            return Finding::info(
                "spf.undecided",
                rust_i18n::t!("find.spf.undecided", domain = domain, ip = ip, why = why)
                    .into_owned(),
            )
            .with_fix(fix)
        }
    };
    Finding::error(
        "spf.unauthorised",
        rust_i18n::t!(
            "find.spf.unauthorised.3",
            domain = domain,
            ip = ip,
            result = result,
            term = term
        )
        .into_owned(),
        fix,
    )
}

fn name_of(q: Qualifier) -> &'static str {
    match q {
        Qualifier::Pass => "pass",
        Qualifier::Fail => "fail",
        Qualifier::SoftFail => "softfail",
        Qualifier::Neutral => "neutral",
    }
}

/// Whether `addr` (from DNS or a term) and `ip` share the first c4 (IPv4) / c6 (IPv6)
/// bits; a missing length means the whole address.
fn in_net(addr: IpAddr, ip: IpAddr, c4: Option<u8>, c6: Option<u8>) -> bool {
    match (addr, ip) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let len = u32::from(c4.unwrap_or(32).min(32));
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let len = u32::from(c6.unwrap_or(128).min(128));
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

fn has_macro(d: &str) -> bool {
    d.contains('%')
}

fn norm(d: &str) -> String {
    d.trim_end_matches('.').to_ascii_lowercase()
}

fn terms_text(spf: &Spf) -> String {
    spf.terms
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

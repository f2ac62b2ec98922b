//! SPF records (RFC 7208): parsing, the one edit mxddns makes (its own `ip4:`/`ip6:` term),
//! and the checks that need no DNS.
//!
//! The edit is surgical: a TXT record is a list of character-strings (long SPF records are
//! split into several); only the string that holds our term changes, and inside it only the
//! address. Every other term keeps its text, qualifier and order.

use std::fmt;
use std::net::IpAddr;

/// One qualifier (`+`, `-`, `~`, `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

/// A mechanism or modifier as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    All(Qualifier),
    Include(Qualifier, String),
    /// `a`, `a:domain`, with optional `/cidr4` and `//cidr6`.
    A(Qualifier, Option<String>, Option<u8>, Option<u8>),
    Mx(Qualifier, Option<String>, Option<u8>, Option<u8>),
    Ptr(Qualifier, Option<String>),
    Ip4(Qualifier, std::net::Ipv4Addr, Option<u8>),
    Ip6(Qualifier, std::net::Ipv6Addr, Option<u8>),
    Exists(Qualifier, String),
    Redirect(String),
    Exp(String),
    /// An unknown modifier `name=value` (allowed by RFC 7208 §6).
    Unknown(String, String),
}

impl Term {
    /// Whether evaluating this term costs a DNS look-up (RFC 7208 §4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Term::Include(..)
                | Term::A(..)
                | Term::Mx(..)
                | Term::Ptr(..)
                | Term::Exists(..)
                | Term::Redirect(_)
        )
    }
}

/// A parsed `v=spf1` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spf {
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpfError {
    #[error("{}", rust_i18n::t!("err.spf"))]
    NotSpf,
    #[error("{}", rust_i18n::t!("err.spf.2", count = .count, name = .name))]
    Multiple { name: String, count: usize },
    #[error("{}", rust_i18n::t!("err.spf.3", term = format!("{:?}", .term), why = .why))]
    BadTerm { term: String, why: String },
}

/// Whether a TXT record's joined text is an SPF record (`v=spf1` followed by a space or the end).
pub fn is_spf(text: &str) -> bool {
    let t = text.trim_start();
    // Bytes, not a str slice: the text may start with a multi-byte character.
    t.len() >= 6
        && t.as_bytes()[..6].eq_ignore_ascii_case(b"v=spf1")
        && t[6..].chars().next().is_none_or(|c| c == ' ')
}

/// The single SPF record among the TXT records at a name (each a list of strings).
/// `Ok(None)` when there is none; an error when there are several.
pub fn find<'a>(
    name: &str,
    records: &'a [Vec<String>],
) -> Result<Option<&'a Vec<String>>, SpfError> {
    let spf: Vec<&Vec<String>> = records.iter().filter(|r| is_spf(&r.concat())).collect();
    match spf.len() {
        0 => Ok(None),
        1 => Ok(Some(spf[0])),
        count => Err(SpfError::Multiple {
            name: name.to_string(),
            count,
        }),
    }
}

fn qualifier(term: &str) -> (Qualifier, &str) {
    match term.as_bytes().first() {
        Some(b'+') => (Qualifier::Pass, &term[1..]),
        Some(b'-') => (Qualifier::Fail, &term[1..]),
        Some(b'~') => (Qualifier::SoftFail, &term[1..]),
        Some(b'?') => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    }
}

fn cidr(s: &str, max: u8, term: &str) -> Result<u8, SpfError> {
    let bad = || SpfError::BadTerm {
        term: term.to_string(),
        why: rust_i18n::t!("ui.spf", max = max).into_owned(),
    };
    let n: u8 = s.parse().map_err(|_| bad())?;
    if n > max || s.starts_with('0') && s.len() > 1 {
        return Err(bad());
    }
    Ok(n)
}

/// The optional domain and prefix lengths of an `a` or `mx` term.
type DomainCidrs = (Option<String>, Option<u8>, Option<u8>);

/// `domain/cidr4//cidr6` as used by `a` and `mx`.
fn domain_cidrs(rest: &str, term: &str) -> Result<DomainCidrs, SpfError> {
    let (body, c6) = match rest.split_once("//") {
        Some((b, c)) => (b, Some(cidr(c, 128, term)?)),
        None => (rest, None),
    };
    let (dom, c4) = match body.rsplit_once('/') {
        Some((d, c)) => (d, Some(cidr(c, 32, term)?)),
        None => (body, None),
    };
    let dom = match dom.strip_prefix(':') {
        Some(d) if !d.is_empty() => {
            check_macros(d, false).map_err(|why| SpfError::BadTerm {
                term: term.to_string(),
                why,
            })?;
            Some(d.to_string())
        }
        Some(_) => {
            return Err(SpfError::BadTerm {
                term: term.to_string(),
                why: rust_i18n::t!("ui.spf.2").into_owned(),
            })
        }
        None if dom.is_empty() => None,
        None => {
            return Err(SpfError::BadTerm {
                term: term.to_string(),
                why: "unknown mechanism".into(),
            })
        }
    };
    Ok((dom, c4, c6))
}

/// Check the macros of a domain-spec or an explanation string (RFC 7208 §7.1):
/// `%{` letter, digits, an optional `r`, delimiters `}`; `%%`, `%_`, `%-`. The letters
/// `c`, `r` and `t` are allowed only in an explanation (`exp` text).
pub fn check_macros(s: &str, explanation: bool) -> Result<(), String> {
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        let after = &rest[i + 1..];
        match after.chars().next() {
            Some('%' | '_' | '-') => rest = &after[1..],
            Some('{') => {
                let Some(end) = after.find('}') else {
                    return Err("a macro \"%{\" is not closed with \"}\"".into());
                };
                let body = &after[1..end];
                let mut chars = body.chars();
                let letter = chars.next().map(|c| c.to_ascii_lowercase());
                let allowed = if explanation {
                    "slodiphvcrt"
                } else {
                    "slodiphv"
                };
                match letter {
                    Some(l) if allowed.contains(l) => {}
                    Some(l) => {
                        return Err(format!(
                            "\"%{{{body}}}\": \"{l}\" is not a macro letter{}",
                            if "crt".contains(l) {
                                " outside an explanation (exp)"
                            } else {
                                ""
                            }
                        ))
                    }
                    None => return Err("an empty macro \"%{}\"".into()),
                }
                let tail: String = chars.collect();
                let digits = tail.chars().take_while(char::is_ascii_digit).count();
                let mut t = &tail[digits..];
                if digits > 0 && tail[..digits].parse::<u32>().map_or(true, |n| n == 0) {
                    return Err(format!("\"%{{{body}}}\": a label count must be 1 or more"));
                }
                if let Some(r) = t.strip_prefix(['r', 'R']) {
                    t = r;
                }
                if !t.chars().all(|c| ".-+,/_=".contains(c)) {
                    return Err(format!(
                        "\"%{{{body}}}\" is not a valid macro (letter, digits, \"r\", delimiters . - + , / _ =)"
                    ));
                }
                rest = &after[end + 1..];
            }
            _ => {
                return Err(
                    "a \"%\" must start a macro (\"%{…}\") or be written \"%%\", \"%_\" or \"%-\""
                        .into(),
                )
            }
        }
    }
    Ok(())
}

fn need_domain(rest: &str, term: &str) -> Result<String, SpfError> {
    match rest.strip_prefix(':') {
        Some(d) if !d.is_empty() => {
            check_macros(d, false).map_err(|why| SpfError::BadTerm {
                term: term.to_string(),
                why,
            })?;
            Ok(d.to_string())
        }
        _ => Err(SpfError::BadTerm {
            term: term.to_string(),
            why: "needs \":domain\"".into(),
        }),
    }
}

/// Parse one term.
pub fn parse_term(term: &str) -> Result<Term, SpfError> {
    let bad = |why: &str| SpfError::BadTerm {
        term: term.to_string(),
        why: why.to_string(),
    };
    // Modifiers: name=value, where name has no qualifier and no ':'.
    if let Some((name, value)) = term.split_once('=') {
        if !name.contains(':')
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            if name.eq_ignore_ascii_case("redirect") || name.eq_ignore_ascii_case("exp") {
                check_macros(value, false).map_err(|why| bad(&why))?;
            }
            return Ok(match name.to_ascii_lowercase().as_str() {
                "redirect" if !value.is_empty() => Term::Redirect(value.to_string()),
                "redirect" => return Err(bad(&rust_i18n::t!("ui.spf.3"))),
                "exp" => Term::Exp(value.to_string()),
                _ => Term::Unknown(name.to_string(), value.to_string()),
            });
        }
    }
    let (q, body) = qualifier(term);
    let lower = body.to_ascii_lowercase();
    let (name, rest) = match lower.find([':', '/']) {
        Some(i) => (&lower[..i], &body[i..]),
        None => (lower.as_str(), ""),
    };
    match name {
        "all" if rest.is_empty() => Ok(Term::All(q)),
        "include" => Ok(Term::Include(q, need_domain(rest, term)?)),
        "exists" => Ok(Term::Exists(q, need_domain(rest, term)?)),
        "a" => {
            let (d, c4, c6) = domain_cidrs(rest, term)?;
            Ok(Term::A(q, d, c4, c6))
        }
        "mx" => {
            let (d, c4, c6) = domain_cidrs(rest, term)?;
            Ok(Term::Mx(q, d, c4, c6))
        }
        "ptr" => Ok(Term::Ptr(q, rest.strip_prefix(':').map(str::to_string))),
        "ip4" => {
            let v = rest
                .strip_prefix(':')
                .ok_or_else(|| bad(&rust_i18n::t!("ui.spf.needs_address")))?;
            let (addr, len) = match v.split_once('/') {
                Some((a, l)) => (a, Some(cidr(l, 32, term)?)),
                None => (v, None),
            };
            let ip = addr.parse().map_err(|_| bad(&rust_i18n::t!("ui.spf.4")))?;
            Ok(Term::Ip4(q, ip, len))
        }
        "ip6" => {
            let v = rest
                .strip_prefix(':')
                .ok_or_else(|| bad(&rust_i18n::t!("ui.spf.needs_address")))?;
            let (addr, len) = match v.rsplit_once('/') {
                Some((a, l)) if !l.contains(':') => (a, Some(cidr(l, 128, term)?)),
                _ => (v, None),
            };
            let ip = addr.parse().map_err(|_| bad(&rust_i18n::t!("ui.spf.5")))?;
            Ok(Term::Ip6(q, ip, len))
        }
        _ => Err(bad(&rust_i18n::t!("ui.spf.unknown"))),
    }
}

/// Parse the joined text of an SPF record.
pub fn parse(text: &str) -> Result<Spf, SpfError> {
    if !is_spf(text) {
        return Err(SpfError::NotSpf);
    }
    let terms = text.trim()[6..]
        .split_ascii_whitespace()
        .map(parse_term)
        .collect::<Result<Vec<_>, _>>()?;
    // RFC 7208 §6: redirect and exp may each appear once.
    for (kind, n) in [
        (
            "redirect",
            terms
                .iter()
                .filter(|t| matches!(t, Term::Redirect(_)))
                .count(),
        ),
        (
            "exp",
            terms.iter().filter(|t| matches!(t, Term::Exp(_))).count(),
        ),
    ] {
        if n > 1 {
            return Err(SpfError::BadTerm {
                term: format!("{kind}="),
                why: rust_i18n::t!("ui.spf.6", n = n).into_owned(),
            });
        }
    }
    Ok(Spf { terms })
}

impl Spf {
    /// The `ip4`/`ip6` term, if any, whose range covers `ip` with a pass qualifier.
    pub fn covering_ip_term(&self, ip: IpAddr) -> Option<&Term> {
        self.terms.iter().find(|t| match (t, ip) {
            (Term::Ip4(Qualifier::Pass, net, len), IpAddr::V4(a)) => {
                in_v4(*net, len.unwrap_or(32), a)
            }
            (Term::Ip6(Qualifier::Pass, net, len), IpAddr::V6(a)) => {
                in_v6(*net, len.unwrap_or(128), a)
            }
            _ => false,
        })
    }

    /// Whether the record authorises `ip` without our own term, as far as can be told from
    /// the record and what mxddns manages: a covering ip4/ip6 range, or `mx`/`a` terms that
    /// point at a host whose address mxddns keeps current. Returns the term that does it.
    pub fn authorised_without_us(
        &self,
        ip: IpAddr,
        domain: &str,
        managed_hosts: &[String],
        mx_managed: bool,
    ) -> Option<String> {
        if let Some(t) = self.covering_ip_term(ip) {
            return Some(term_text(t));
        }
        for t in &self.terms {
            match t {
                Term::Mx(Qualifier::Pass, dom, _, _)
                    if mx_managed && dom.as_deref().is_none_or(|d| same_name(d, domain)) =>
                {
                    return Some(term_text(t));
                }
                Term::A(Qualifier::Pass, Some(dom), _, _)
                    if managed_hosts.iter().any(|h| same_name(h, dom)) =>
                {
                    return Some(term_text(t));
                }
                Term::A(Qualifier::Pass, None, _, _)
                    if managed_hosts.iter().any(|h| same_name(h, domain)) =>
                {
                    return Some(term_text(t));
                }
                _ => {}
            }
        }
        None
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

fn in_v4(net: std::net::Ipv4Addr, len: u8, a: std::net::Ipv4Addr) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    u32::from(net) & mask == u32::from(a) & mask
}

fn in_v6(net: std::net::Ipv6Addr, len: u8, a: std::net::Ipv6Addr) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    u128::from(net) & mask == u128::from(a) & mask
}

/// A term as text (for messages).
pub fn term_text(t: &Term) -> String {
    t.to_string()
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Qualifier::Pass => "",
            Qualifier::Fail => "-",
            Qualifier::SoftFail => "~",
            Qualifier::Neutral => "?",
        })
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dc = |f: &mut fmt::Formatter<'_>,
                  d: &Option<String>,
                  c4: &Option<u8>,
                  c6: &Option<u8>|
         -> fmt::Result {
            if let Some(d) = d {
                write!(f, ":{d}")?;
            }
            if let Some(c) = c4 {
                write!(f, "/{c}")?;
            }
            if let Some(c) = c6 {
                write!(f, "//{c}")?;
            }
            Ok(())
        };
        match self {
            Term::All(q) => write!(f, "{q}all"),
            Term::Include(q, d) => write!(f, "{q}include:{d}"),
            Term::A(q, d, c4, c6) => {
                write!(f, "{q}a")?;
                dc(f, d, c4, c6)
            }
            Term::Mx(q, d, c4, c6) => {
                write!(f, "{q}mx")?;
                dc(f, d, c4, c6)
            }
            Term::Ptr(q, d) => match d {
                Some(d) => write!(f, "{q}ptr:{d}"),
                None => write!(f, "{q}ptr"),
            },
            Term::Ip4(q, a, l) => match l {
                Some(l) => write!(f, "{q}ip4:{a}/{l}"),
                None => write!(f, "{q}ip4:{a}"),
            },
            Term::Ip6(q, a, l) => match l {
                Some(l) => write!(f, "{q}ip6:{a}/{l}"),
                None => write!(f, "{q}ip6:{a}"),
            },
            Term::Exists(q, d) => write!(f, "{q}exists:{d}"),
            Term::Redirect(d) => write!(f, "redirect={d}"),
            Term::Exp(d) => write!(f, "exp={d}"),
            Term::Unknown(n, v) => write!(f, "{n}={v}"),
        }
    }
}

/// What the SPF edit decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The record already says what it should (or authorises the address by another term).
    Unchanged(&'static str),
    /// The record's new strings (same count or one more when a string would pass 255 bytes).
    Rewrite(Vec<String>),
}

/// The edit mxddns makes to an SPF record: replace the `ip4:`/`ip6:` term that carried
/// this network's previous address(es) with the new one; when there is no such term and
/// nothing else authorises the address, insert one right after `v=spf1`.
///
/// `old` are the addresses this network had before (from DNS and the state file);
/// `other_authorisation` is the result of [`Spf::authorised_without_us`].
pub fn edit(
    strings: &[String],
    old: &[IpAddr],
    new: IpAddr,
    other_authorisation: Option<&str>,
) -> Result<Edit, SpfError> {
    let joined = strings.concat();
    let spf = parse(&joined)?;
    // The new address is never an "old" one to take out, whatever the caller passed.
    let old: Vec<IpAddr> = old.iter().copied().filter(|a| *a != new).collect();
    let old = old.as_slice();
    let (tag, family_new) = match new {
        IpAddr::V4(_) => ("ip4:", new),
        IpAddr::V6(_) => ("ip6:", new),
    };
    // Already there, exactly?
    let has_new = spf.terms.iter().any(|t| match (t, family_new) {
        (Term::Ip4(Qualifier::Pass, a, l), IpAddr::V4(n)) => *a == n && l.is_none_or(|l| l == 32),
        (Term::Ip6(Qualifier::Pass, a, l), IpAddr::V6(n)) => *a == n && l.is_none_or(|l| l == 128),
        _ => false,
    });
    // A term may be split across two strings (`"... -"`, `"ip4:192.0.2.1 ..."`): it is
    // judged whole. When such a term is ours, the record is edited as one string (its
    // split cannot be kept through a change inside the term).
    if strings.len() > 1
        && split_terms(strings)
            .iter()
            .any(|t| our_old_term(t, tag, old).is_some())
    {
        return edit(&[joined], old, new, other_authorisation);
    }
    let mut out: Vec<String> = strings.to_vec();
    let mut replaced = false;
    // Replace each old-address term, token by token inside its own string.
    for (i, s) in out.iter_mut().enumerate() {
        let mut tokens: Vec<String> = Vec::new();
        let mut changed = false;
        let pieces = split_keep_spaces(s);
        let count = pieces.len();
        for (k, tok) in pieces.into_iter().enumerate() {
            let t = tok.trim();
            // The first or last token of a string may be only part of a term.
            let partial = (k == 0 && tok == t && continues_before(strings, i))
                || (k + 1 == count && continues_after(strings, i));
            if let Some(addr) = our_old_term(t, tag, old).filter(|_| !partial) {
                if has_new {
                    // The new term already exists elsewhere: drop the stale one, but keep
                    // the whitespace that preceded it so neighbouring text stays intact.
                    let lead = &tok[..tok.len() - tok.trim_start().len()];
                    let _ = addr;
                    tokens.push(lead.to_string());
                    changed = true;
                    continue;
                }
                tokens.push(tok.replacen(&addr, &new.to_string(), 1));
                changed = true;
                replaced = true;
                continue;
            }
            tokens.push(tok.to_string());
        }
        if changed {
            *s = normalise_gaps(&tokens.concat());
        }
    }
    if replaced || (has_new && out != strings) {
        return Ok(Edit::Rewrite(split_long(out)));
    }
    if has_new {
        return Ok(Edit::Unchanged("the record already lists this address"));
    }
    if other_authorisation.is_some() {
        return Ok(Edit::Unchanged(
            "another term of the record already authorises this address",
        ));
    }
    // Insert right after "v=spf1" in the first string.
    let first = out.first_mut().ok_or(SpfError::NotSpf)?;
    let lead = first.len() - first.trim_start().len();
    let at = lead + 6;
    if first.len() < at {
        // "v=spf1" itself is split across strings: join them (the text is what counts).
        let mut whole = out.concat();
        let lead = whole.len() - whole.trim_start().len();
        whole.insert_str(lead + 6, &format!(" {tag}{new}"));
        return Ok(Edit::Rewrite(split_long(vec![whole])));
    }
    first.insert_str(at, &format!(" {tag}{new}"));
    Ok(Edit::Rewrite(split_long(out)))
}

/// The address text of `t` when it is an ip4:/ip6: pass term for one of `old`.
fn our_old_term(t: &str, tag: &str, old: &[IpAddr]) -> Option<String> {
    let body = t.strip_prefix('+').unwrap_or(t);
    // `get`: the term may hold multi-byte characters where the tag would end.
    if !body
        .get(..tag.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(tag))
    {
        return None;
    }
    let v = &body[tag.len()..];
    let (addr, len) = match v.rsplit_once('/') {
        Some((a, l)) if !l.contains(':') => (a, Some(l)),
        _ => (v, None),
    };
    let full = match len {
        None => true,
        Some(l) => (tag == "ip4:" && l == "32") || (tag == "ip6:" && l == "128"),
    };
    let ip: IpAddr = addr.parse().ok()?;
    (full && old.contains(&ip)).then(|| addr.to_string())
}

/// Whether string `i` begins inside a term that an earlier string started (no space
/// between them when the strings are joined).
fn continues_before(strings: &[String], i: usize) -> bool {
    !strings[i].starts_with(' ')
        && strings[..i]
            .iter()
            .rev()
            .find(|s| !s.is_empty())
            .is_some_and(|s| !s.ends_with(' '))
}

/// Whether string `i` ends inside a term that a later string finishes.
fn continues_after(strings: &[String], i: usize) -> bool {
    !strings[i].ends_with(' ')
        && strings[i + 1..]
            .iter()
            .find(|s| !s.is_empty())
            .is_some_and(|s| !s.starts_with(' '))
}

/// The terms of the joined record that are split across two or more strings.
fn split_terms(strings: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut pieces = 0;
    for s in strings {
        let mut started_here = false;
        for (j, c) in s.char_indices() {
            if c == ' ' {
                if pieces > 1 {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
                pieces = 0;
                started_here = false;
            } else {
                if !started_here {
                    pieces += 1;
                    started_here = true;
                }
                current.push_str(&s[j..j + c.len_utf8()]);
            }
        }
    }
    if pieces > 1 {
        out.push(current);
    }
    out
}

/// Split into tokens that each carry their leading whitespace, so that joining them gives
/// the original string back.
fn split_keep_spaces(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        while i < bytes.len() && bytes[i] != b' ' {
            i += 1;
        }
        out.push(&s[start..i]);
        start = i;
    }
    out
}

/// Collapse a double space left by a removed token, without touching leading/trailing
/// spaces (which matter when strings are concatenated).
fn normalise_gaps(s: &str) -> String {
    let lead = s.len() - s.trim_start_matches(' ').len();
    let trail = s.len() - s.trim_end_matches(' ').len();
    if lead + trail >= s.len() {
        return s.to_string();
    }
    let inner = &s[lead..s.len() - trail];
    let collapsed = inner
        .split(' ')
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    format!("{}{}{}", &s[..lead], collapsed, &s[s.len() - trail..])
}

/// A TXT character-string holds at most 255 bytes: split any longer string at a space.
fn split_long(strings: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for s in strings {
        let mut rest = s.as_str();
        while rest.len() > 255 {
            // Never inside a multi-byte character.
            let limit = (0..=255)
                .rev()
                .find(|&i| rest.is_char_boundary(i))
                .unwrap_or(0);
            let cut = rest[..limit].rfind(' ').filter(|&i| i > 0).unwrap_or(limit);
            out.push(rest[..cut].to_string());
            rest = &rest[cut..];
        }
        out.push(rest.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_every_term_kind() {
        let s = parse("v=spf1 +a mx:example.com/24 a:mail.example.com/32//64 ptr ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.google.com exists:%{i}.x.example ~all redirect=_spf.example.com exp=explain.example.com foo=bar").unwrap();
        assert_eq!(s.terms.len(), 12);
        assert_eq!(s.terms.iter().filter(|t| t.queries_dns()).count(), 7);
        assert_eq!(
            s.terms[1],
            Term::Mx(Qualifier::Pass, Some("example.com".into()), Some(24), None)
        );
        assert_eq!(s.terms[2].to_string(), "a:mail.example.com/32//64");
        assert_eq!(s.terms[8], Term::All(Qualifier::SoftFail));
    }

    #[test]
    fn rejects_bad_terms() {
        for (rec, bad) in [
            ("v=spf1 ip4:300.1.1.1 -all", "ip4:300.1.1.1"),
            ("v=spf1 ip4:192.0.2.1/33", "ip4:192.0.2.1/33"),
            ("v=spf1 include -all", "include"),
            ("v=spf1 frobnicate", "frobnicate"),
            ("v=spf1 allx", "allx"),
        ] {
            match parse(rec) {
                Err(SpfError::BadTerm { term, .. }) => assert_eq!(term, bad, "{rec}"),
                other => panic!("{rec}: {other:?}"),
            }
        }
        assert_eq!(parse("v=spf10 -all"), Err(SpfError::NotSpf));
        assert!(is_spf("v=spf1"));
        assert!(is_spf("V=SPF1 -all"));
    }

    #[test]
    fn exactly_one_spf_record() {
        let recs = vec![v(&["google-site-verification=abc"]), v(&["v=spf1 mx -all"])];
        assert_eq!(find("example.com", &recs).unwrap(), Some(&recs[1]));
        let two = vec![v(&["v=spf1 mx -all"]), v(&["v=spf1 a -all"])];
        let e = find("example.com", &two).unwrap_err();
        assert!(
            e.to_string().contains("2 SPF records at example.com"),
            "{e}"
        );
        assert_eq!(find("x", &[v(&["hello"])]).unwrap(), None);
    }

    #[test]
    fn replaces_only_our_term() {
        let e = edit(
            &v(&["v=spf1 mx ip4:203.0.113.10 include:_spf.google.com ~all"]),
            &[ip("203.0.113.10")],
            ip("203.0.113.20"),
            None,
        )
        .unwrap();
        assert_eq!(
            e,
            Edit::Rewrite(v(&[
                "v=spf1 mx ip4:203.0.113.20 include:_spf.google.com ~all"
            ]))
        );
        // Qualifier and /32 kept.
        let e = edit(
            &v(&["v=spf1 +ip4:203.0.113.10/32 -all"]),
            &[ip("203.0.113.10")],
            ip("203.0.113.20"),
            None,
        )
        .unwrap();
        assert_eq!(e, Edit::Rewrite(v(&["v=spf1 +ip4:203.0.113.20/32 -all"])));
        // A range is not ours to change.
        let e = edit(
            &v(&["v=spf1 ip4:203.0.113.0/24 -all"]),
            &[ip("203.0.113.10")],
            ip("198.51.100.7"),
            None,
        )
        .unwrap();
        assert_eq!(
            e,
            Edit::Rewrite(v(&["v=spf1 ip4:198.51.100.7 ip4:203.0.113.0/24 -all"]))
        );
        // IPv6 term.
        let e = edit(
            &v(&["v=spf1 ip6:2001:db8::1 ip4:203.0.113.10 -all"]),
            &[ip("2001:db8::1")],
            ip("2001:db8::2"),
            None,
        )
        .unwrap();
        assert_eq!(
            e,
            Edit::Rewrite(v(&["v=spf1 ip6:2001:db8::2 ip4:203.0.113.10 -all"]))
        );
    }

    #[test]
    fn split_strings_stay_intact() {
        let strings = v(&[
            "v=spf1 include:_spf.google.com include:mailgun.org",
            " ip4:203.0.113.10 ~all",
        ]);
        let e = edit(&strings, &[ip("203.0.113.10")], ip("203.0.113.20"), None).unwrap();
        assert_eq!(
            e,
            Edit::Rewrite(v(&[
                "v=spf1 include:_spf.google.com include:mailgun.org",
                " ip4:203.0.113.20 ~all"
            ]))
        );
    }

    /// A term split across strings is judged whole (found by the SPF property test): the
    /// qualifier of `"... -"` + `"ip4:OLD ..."` is `-`, and `"ip4:203.0.113.1"` + `"0 ..."`
    /// is 203.0.113.10, not 203.0.113.1.
    #[test]
    fn a_term_split_across_strings_is_judged_whole() {
        // `-ip4:OLD` is not our pass term: left alone, ours inserted.
        let strings = v(&["v=spf1 mx -", "ip4:203.0.113.10 ~all"]);
        let e = edit(&strings, &[ip("203.0.113.10")], ip("0.0.0.0"), None).unwrap();
        assert_eq!(
            e,
            Edit::Rewrite(v(&["v=spf1 ip4:0.0.0.0 mx -", "ip4:203.0.113.10 ~all"]))
        );
        // `ip4:203.0.113.1` + `0` is another address: not ours.
        let strings = v(&["v=spf1 ip4:203.0.113.1", "0 ~all"]);
        let e = edit(&strings, &[ip("203.0.113.1")], ip("203.0.113.20"), None).unwrap();
        assert_eq!(
            e,
            Edit::Rewrite(v(&["v=spf1 ip4:203.0.113.20 ip4:203.0.113.1", "0 ~all"]))
        );
        // Our term split in two: replaced, the record edited as one string.
        let strings = v(&["v=spf1 ip4:203.0.", "113.10 ~all"]);
        let e = edit(&strings, &[ip("203.0.113.10")], ip("203.0.113.20"), None).unwrap();
        assert_eq!(e, Edit::Rewrite(v(&["v=spf1 ip4:203.0.113.20 ~all"])));
    }

    #[test]
    fn inserts_after_version_unless_authorised() {
        let e = edit(
            &v(&["v=spf1 include:_spf.google.com ~all"]),
            &[],
            ip("203.0.113.20"),
            None,
        )
        .unwrap();
        assert_eq!(
            e,
            Edit::Rewrite(v(&["v=spf1 ip4:203.0.113.20 include:_spf.google.com ~all"]))
        );
        let e = edit(&v(&["v=spf1 mx -all"]), &[], ip("203.0.113.20"), Some("mx")).unwrap();
        assert!(matches!(e, Edit::Unchanged(_)));
        let e = edit(
            &v(&["v=spf1 ip4:203.0.113.20 -all"]),
            &[ip("203.0.113.10")],
            ip("203.0.113.20"),
            None,
        )
        .unwrap();
        assert!(matches!(e, Edit::Unchanged(_)));
    }

    #[test]
    fn stale_duplicate_is_removed_when_new_already_listed() {
        let e = edit(
            &v(&["v=spf1 ip4:203.0.113.20 ip4:203.0.113.10 -all"]),
            &[ip("203.0.113.10")],
            ip("203.0.113.20"),
            None,
        )
        .unwrap();
        assert_eq!(e, Edit::Rewrite(v(&["v=spf1 ip4:203.0.113.20 -all"])));
    }

    #[test]
    fn long_strings_are_split_at_255() {
        // A record just under the 255-byte limit, which the inserted term pushes over.
        let mut rec = "v=spf1".to_string();
        let mut i = 0;
        while rec.len() < 235 {
            rec.push_str(&format!(" include:s{i}.example.com"));
            i += 1;
        }
        rec.push_str(" -all");
        assert!(rec.len() <= 255 && rec.len() + 17 > 255, "{}", rec.len());
        let e = edit(&[rec.clone()], &[], ip("203.0.113.20"), None).unwrap();
        let Edit::Rewrite(out) = e else { panic!() };
        assert!(out.iter().all(|s| s.len() <= 255), "{out:?}");
        assert_eq!(
            out.concat(),
            rec.replacen("v=spf1", "v=spf1 ip4:203.0.113.20", 1)
        );
    }

    #[test]
    fn static_authorisation() {
        let s = parse("v=spf1 ip4:203.0.113.0/24 -all").unwrap();
        assert!(s
            .authorised_without_us(ip("203.0.113.99"), "example.com", &[], false)
            .is_some());
        assert!(s
            .authorised_without_us(ip("198.51.100.1"), "example.com", &[], false)
            .is_none());
        let s = parse("v=spf1 mx -all").unwrap();
        assert_eq!(
            s.authorised_without_us(ip("198.51.100.1"), "example.com", &[], true)
                .as_deref(),
            Some("mx")
        );
        assert!(s
            .authorised_without_us(ip("198.51.100.1"), "example.com", &[], false)
            .is_none());
        let s = parse("v=spf1 a:mail.example.com -all").unwrap();
        assert!(s
            .authorised_without_us(
                ip("198.51.100.1"),
                "example.com",
                &["mail.example.com".into()],
                false
            )
            .is_some());
        let s = parse("v=spf1 -ip4:198.51.100.0/24 -all").unwrap();
        assert!(
            s.authorised_without_us(ip("198.51.100.1"), "example.com", &[], false)
                .is_none(),
            "a fail qualifier does not authorise"
        );
    }
}

//! `plan` and `apply`: the whole mail domain from its `mail:` declaration, through the same
//! engine as the address upkeep (desired records -> read the zone -> plan -> write ->
//! verify -> state). This module reads the zone (one `list_zone` per domain) and computes
//! the plan; `plan` prints it, `apply` carries it out.

pub mod apply;
pub mod plan;
pub mod upkeep;

use crate::config::DomainConfig;
use crate::engine::write::same_value;
use crate::engine::Agent;
use crate::mail::records::{self, DesiredSet, Inputs, Purpose};
use crate::retry::retry;
use mxddns_providers::{Record, RecordData, RecordType, Zone};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

/// Exit codes of `plan` / `apply` (the contract's).
pub const EXIT_NOTHING: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_PENDING: u8 = 3;

/// What the plan does with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `+`: missing, to be created.
    Create,
    /// `~`: a record of the same kind holds another value; changed in place.
    Change(Record),
    /// `=`: already right.
    Right(Record),
    /// `!`: cannot be written (why).
    Cannot(String),
    /// `kept`: at a managed name, not declared; left alone (`owned`: mxddns wrote it, so
    /// `--prune` would remove it).
    Kept { record: Record, owned: bool },
    /// `-`: `--prune` removes it once its replacements exist.
    Delete(Record),
}

impl Action {
    pub fn sign(&self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Change(_) => "~",
            Action::Right(_) => "=",
            Action::Cannot(_) => "!",
            Action::Kept { .. } => "kept",
            Action::Delete(_) => "-",
        }
    }

    pub fn word(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Change(_) => "change",
            Action::Right(_) => "right",
            Action::Cannot(_) => "cannot",
            Action::Kept { .. } => "kept",
            Action::Delete(_) => "delete",
        }
    }

    /// Whether carrying it out writes to the provider.
    pub fn writes(&self) -> bool {
        matches!(self, Action::Create | Action::Change(_) | Action::Delete(_))
    }
}

/// The plan line's marker as a person reads it, padded to four columns: the sign, or
/// `kept` in the reader's language (a CJK character takes two columns).
fn mark(action: &Action) -> String {
    let text = match action {
        Action::Kept { .. } => rust_i18n::t!("ui.plan.mark.kept").into_owned(),
        other => other.sign().to_string(),
    };
    let width: usize = text
        .chars()
        .map(|c| if c >= '\u{2E80}' { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(4usize.saturating_sub(width)))
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub rtype: RecordType,
    /// The declared value (none for `kept` / `-`).
    pub want: Option<RecordData>,
    pub purpose: Option<Purpose>,
    pub action: Action,
}

/// The plan of one domain.
#[derive(Debug, Clone)]
pub struct DomainPlan {
    pub domain: String,
    pub account: String,
    pub zone: Zone,
    pub ttl: u32,
    pub lines: Vec<Line>,
    pub notes: Vec<String>,
    /// The PTR requests for the ISP: (address, name).
    pub ptr: Vec<(IpAddr, String)>,
    /// The MTA-STS policy file, its text, and whether it differs from what is on disk.
    pub policy: Option<(PathBuf, String, bool)>,
}

impl DomainPlan {
    pub fn pending(&self) -> bool {
        self.lines.iter().any(|l| l.action.writes()) || self.policy.as_ref().is_some_and(|p| p.2)
    }
}

/// The key under which a record is remembered as mxddns's own in the state file.
pub fn owned_key(name: &str, data: &RecordData) -> String {
    match data.txt_joined() {
        Some(t) => format!("{name} TXT \"{t}\""),
        None => format!("{name} {} {data}", data.rtype()),
    }
}

/// Compare the desired set with the zone's records. `supports`: the provider's answer per
/// type; `owned`: the records mxddns wrote earlier; `prune`: turn owned `kept` records into
/// deletions.
pub fn diff(
    desired: &DesiredSet,
    existing: &[Record],
    supports: &dyn Fn(RecordType) -> Result<(), String>,
    owned: &[String],
    prune: bool,
) -> Vec<Line> {
    let mut lines = Vec::new();
    // Group the desired records by slot, keeping their order.
    let mut slots: Vec<(records::Slot, Vec<&records::Want>)> = Vec::new();
    for w in &desired.records {
        let key = records::slot(&w.name, &w.data);
        match slots.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(w),
            None => slots.push((key, vec![w])),
        }
    }
    let mut used = vec![false; existing.len()];
    for ((name, _, _), wants) in &slots {
        let rtype = wants[0].data.rtype();
        let purpose = Some(wants[0].purpose);
        let line = |want: &RecordData, action: Action| Line {
            name: name.clone(),
            rtype,
            want: Some(want.clone()),
            purpose,
            action,
        };
        if let Err(why) = supports(rtype) {
            for w in wants {
                lines.push(line(&w.data, Action::Cannot(why.clone())));
            }
            continue;
        }
        // A CNAME and other data cannot share a name (RFC 1034 §3.6.2).
        let clash: Vec<&Record> = existing
            .iter()
            .filter(|r| &r.name == name)
            .filter(|r| (rtype == RecordType::Cname) != (r.rtype() == RecordType::Cname))
            .collect();
        if !clash.is_empty() {
            let what: Vec<String> = clash
                .iter()
                .map(|r| format!("{} {}", r.rtype(), r.data))
                .collect();
            let why = if rtype == RecordType::Cname {
                rust_i18n::t!("ui.mod", name = name, v1 = what.join(", ")).into_owned()
            } else {
                rust_i18n::t!("ui.mod.2", name = name, v1 = what.join(", ")).into_owned()
            };
            for w in wants {
                lines.push(line(&w.data, Action::Cannot(why.clone())));
            }
            continue;
        }
        let key = records::slot(name, &wants[0].data);
        let pool: Vec<usize> = (0..existing.len())
            .filter(|&i| !used[i] && records::slot(&existing[i].name, &existing[i].data) == key)
            .collect();
        let mut missing = Vec::new();
        let mut rights = Vec::new();
        for w in wants {
            match pool
                .iter()
                .copied()
                .find(|&i| !used[i] && same_value(&existing[i].data, &w.data))
            {
                Some(i) => {
                    used[i] = true;
                    rights.push(line(&w.data, Action::Right(existing[i].clone())));
                }
                None => missing.push(*w),
            }
        }
        lines.extend(rights);
        // The rest of the slot's records are changed in place, in a stable order (an MX by
        // its preference), before anything is created.
        let mut spare: Vec<usize> = pool.into_iter().filter(|&i| !used[i]).collect();
        spare.sort_by_key(|&i| sort_key(&existing[i].data));
        missing.sort_by_key(|w| sort_key(&w.data));
        for w in missing {
            match spare.first().copied() {
                Some(i) => {
                    spare.remove(0);
                    used[i] = true;
                    lines.push(line(&w.data, Action::Change(existing[i].clone())));
                }
                None => lines.push(line(&w.data, Action::Create)),
            }
        }
        for i in spare {
            used[i] = true;
            lines.push(leftover(&existing[i], owned, prune));
        }
    }
    // Records mxddns wrote at names no longer declared (a rotated-out DKIM selector).
    for (i, r) in existing.iter().enumerate() {
        if !used[i] && owned.contains(&owned_key(&r.name, &r.data)) {
            lines.push(leftover(r, owned, prune));
        }
    }
    for (name, rtype, why) in &desired.cannot {
        lines.push(Line {
            name: name.clone(),
            rtype: RecordType::parse(rtype).unwrap_or(RecordType::Txt),
            want: None,
            purpose: None,
            action: Action::Cannot(why.clone()),
        });
    }
    lines
}

fn sort_key(d: &RecordData) -> (u16, String) {
    match d {
        RecordData::Mx {
            preference,
            exchange,
        } => (*preference, exchange.clone()),
        other => (0, other.to_string()),
    }
}

fn leftover(r: &Record, owned: &[String], prune: bool) -> Line {
    let mine = owned.contains(&owned_key(&r.name, &r.data));
    Line {
        name: r.name.clone(),
        rtype: r.rtype(),
        want: None,
        purpose: None,
        action: if mine && prune {
            Action::Delete(r.clone())
        } else {
            Action::Kept {
                record: r.clone(),
                owned: mine,
            }
        },
    }
}

/// The zone of a domain: configured, remembered, or found through DNS.
async fn zone_name(agent: &Agent, d: &DomainConfig) -> Result<String, String> {
    if let Some(z) = &d.zone {
        return Ok(z.clone());
    }
    if let Some(z) = agent
        .state
        .domains
        .get(&d.domain)
        .and_then(|s| s.zone.clone())
    {
        return Ok(z);
    }
    agent
        .dns
        .zone_of(&d.domain)
        .await
        .map_err(|e| rust_i18n::t!("ui.mod.3", v1 = d.domain, e = e).into_owned())
}

/// Read the zone (one paged listing) and plan `d`. An `Err` means the zone could not be
/// read (exit 1).
pub async fn plan_domain(
    agent: &mut Agent,
    d: &DomainConfig,
    addrs: &[IpAddr],
    prune: bool,
    only: Option<&dyn Fn(Purpose) -> bool>,
) -> Result<DomainPlan, String> {
    let Some(mail) = &d.mail else {
        return Err(rust_i18n::t!("ui.mod.4", v1 = d.domain).into_owned());
    };
    let zone_name = zone_name(agent, d).await?;
    let account = agent
        .accounts
        .get(&d.provider)
        .ok_or_else(|| rust_i18n::t!("ui.mod.5", v1 = d.provider).into_owned())?;
    let policy = agent.policy;
    let zone = crate::update::zone(account, &mut agent.state, &zone_name, policy)
        .await
        .map_err(|e| {
            rust_i18n::t!("ui.mod.6", zone_name = zone_name, v1 = d.provider, e = e).into_owned()
        })?;
    let p = account.provider.as_ref();
    let existing = retry(
        policy,
        || p.list_zone(&zone),
        |e, w| tracing::warn!("{e}; trying again in {:.1} s", w.as_secs_f64()),
    )
    .await
    .map_err(|e| {
        rust_i18n::t!("ui.mod.7", zone_name = zone_name, v1 = d.provider, e = e).into_owned()
    })?;
    let spf: Vec<String> = existing
        .iter()
        .filter(|r| r.name == d.domain)
        .filter_map(|r| r.data.txt_joined())
        .filter(|t| records::slot(&d.domain, &RecordData::Txt(vec![t.clone()])).2 == "spf")
        .collect();
    let mut notes = Vec::new();
    if spf.len() > 1 {
        notes.push(rust_i18n::t!("ui.mod.8", v1 = d.domain, v2 = spf.len()).into_owned());
    }
    let old_addrs: Vec<IpAddr> = agent
        .state
        .known_addresses(false)
        .into_iter()
        .chain(agent.state.known_addresses(true))
        .collect();
    let mut desired = records::build(&Inputs {
        domain: &d.domain,
        zone: &zone_name,
        mail,
        addrs,
        old_addrs: &old_addrs,
        existing_spf: spf.first().map(String::as_str),
    });
    if let Some(keep) = only {
        desired.records.retain(|w| keep(w.purpose));
        desired.cannot.clear();
    }
    for w in &desired.records {
        if !records::in_zone(&w.name, &zone_name) {
            desired.cannot.push((
                w.name.clone(),
                w.data.rtype().as_str(),
                rust_i18n::t!("ui.mod.9", v1 = w.name, zone_name = zone_name).into_owned(),
            ));
        }
    }
    desired
        .records
        .retain(|w| records::in_zone(&w.name, &zone_name));
    let owned = agent
        .state
        .domains
        .get(&d.domain)
        .map(|s| s.owned.clone())
        .unwrap_or_default();
    let supports = |t: RecordType| p.supports(t);
    let mut lines = diff(&desired, &existing, &supports, &owned, prune);
    // Values the registrar's API cannot hold although it offers their type (Alidns: no
    // SRV target "."), known before anything is sent.
    for l in &mut lines {
        if let (Action::Create | Action::Change(_), Some(w)) = (&l.action, &l.want) {
            if let Err(why) = p.supports_data(w) {
                l.action = Action::Cannot(why);
            }
        }
    }
    // Values the registrar refused before (a type it holds, but not this value).
    if let Some(refused) = agent.state.domains.get(&d.domain).map(|s| &s.cannot) {
        for l in &mut lines {
            if let (Action::Create | Action::Change(_), Some(w)) = (&l.action, &l.want) {
                if let Some(why) = refused.get(&owned_key(&l.name, w)) {
                    l.action = Action::Cannot(why.clone());
                }
            }
        }
    }
    notes.extend(desired.notes.iter().cloned());
    let mut ptr = Vec::new();
    if let Some(host) = mail
        .mx
        .iter()
        .filter(|m| records::in_zone(&m.host, &zone_name))
        .min_by_key(|m| m.priority)
    {
        for ip in addrs {
            ptr.push((*ip, host.host.clone()));
        }
    }
    let policy = desired.policy_file.map(|(path, text)| {
        let differs = std::fs::read_to_string(&path).map_or(true, |old| old != text);
        (path, text, differs)
    });
    let min_ttl = p.min_ttl();
    Ok(DomainPlan {
        domain: d.domain.clone(),
        account: d.provider.clone(),
        zone,
        ttl: d.ttl.max(min_ttl),
        lines,
        notes,
        ptr,
        policy,
    })
}

/// The domains `--domain` selects among those with a `mail:` block.
pub fn selected<'a>(
    cfg: &'a crate::config::Config,
    domain: Option<&str>,
) -> Result<Vec<&'a DomainConfig>, String> {
    let with_mail: Vec<&DomainConfig> = cfg.domains.iter().filter(|d| d.mail.is_some()).collect();
    match domain {
        Some(name) => {
            let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
            match cfg.domains.iter().find(|d| d.domain == name) {
                Some(d) if d.mail.is_some() => Ok(vec![d]),
                Some(_) => Err(
                    rust_i18n::t!("ui.mod.10", name = name, v1 = cfg.path.display()).into_owned(),
                ),
                None => Err(
                    rust_i18n::t!("ui.mod.11", name = name, v1 = cfg.path.display()).into_owned(),
                ),
            }
        }
        None if with_mail.is_empty() => {
            Err(rust_i18n::t!("ui.mod.12", v1 = cfg.path.display()).into_owned())
        }
        None => Ok(with_mail),
    }
}

/// The plans as text, one line per record.
pub fn render_text(plans: &[DomainPlan], failed: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for p in plans {
        out.push_str(&rust_i18n::t!(
            "ui.plan.heading",
            domain = p.domain,
            zone = p.zone.name,
            account = p.account
        ));
        for l in &p.lines {
            let value = |d: &RecordData| d.to_string();
            let body = match &l.action {
                Action::Create | Action::Right(_) => {
                    format!(
                        "{} {} {}",
                        l.name,
                        l.rtype,
                        l.want.as_ref().map(value).unwrap_or_default()
                    )
                }
                Action::Change(old) => format!(
                    "{} {} {} -> {}",
                    l.name,
                    l.rtype,
                    old.data,
                    l.want.as_ref().map(value).unwrap_or_default()
                ),
                Action::Cannot(why) => match &l.want {
                    Some(w) => format!("{} {} {}: {why}", l.name, l.rtype, w),
                    None => format!("{} {}: {why}", l.name, l.rtype),
                },
                Action::Kept { record, owned } => rust_i18n::t!(
                    "ui.plan.kept",
                    name = record.name,
                    rtype = record.rtype(),
                    data = record.data,
                    why = if *owned {
                        rust_i18n::t!("ui.mod.13").into_owned()
                    } else {
                        rust_i18n::t!("ui.mod.14").into_owned()
                    }
                )
                .into_owned(),
                Action::Delete(r) => {
                    rust_i18n::t!("ui.mod.15", v1 = r.name, v2 = r.rtype(), v3 = r.data)
                        .into_owned()
                }
            };
            out.push_str(&format!("  {} {body}\n", mark(&l.action)));
        }
        if let Some((path, _, differs)) = &p.policy {
            out.push_str(&rust_i18n::t!(
                "ui.mod.16",
                v1 = format!("{:<4}", if *differs { "+" } else { "=" }),
                v2 = path.display()
            ));
        }
        for (ip, host) in &p.ptr {
            out.push_str(&rust_i18n::t!("ui.mod.17", ip = ip, host = host));
        }
        for n in &p.notes {
            out.push_str(&rust_i18n::t!("ui.plan.note", n = n));
        }
    }
    for (domain, why) in failed {
        out.push_str(&format!("{domain}: {why}\n"));
    }
    let count = |f: &dyn Fn(&Action) -> bool| {
        plans
            .iter()
            .flat_map(|p| &p.lines)
            .filter(|l| f(&l.action))
            .count()
    };
    out.push_str(&rust_i18n::t!(
        "ui.mod.18",
        v1 = count(&|a| matches!(a, Action::Create)),
        v2 = count(&|a| matches!(a, Action::Change(_))),
        v3 = count(&|a| matches!(a, Action::Delete(_))),
        v4 = count(&|a| matches!(a, Action::Right(_))),
        v5 = count(&|a| matches!(a, Action::Cannot(_))),
        v6 = count(&|a| matches!(a, Action::Kept { .. }))
    ));
    out
}

/// The plans as JSON.
pub fn render_json(plans: &[DomainPlan], failed: &BTreeMap<String, String>) -> String {
    use serde_json::json;
    let domains: Vec<serde_json::Value> = plans
        .iter()
        .map(|p| {
            let records: Vec<serde_json::Value> = p
                .lines
                .iter()
                .map(|l| {
                    let (old, why) = match &l.action {
                        Action::Change(r) | Action::Delete(r) | Action::Right(r) => {
                            (Some(r.data.to_string()), None)
                        }
                        Action::Kept { record, .. } => (Some(record.data.to_string()), None),
                        Action::Cannot(w) => (None, Some(w.clone())),
                        Action::Create => (None, None),
                    };
                    json!({
                        "action": l.action.word(),
                        "name": l.name,
                        "type": l.rtype.as_str(),
                        "old": old,
                        "new": l.want.as_ref().map(|w| w.to_string()),
                        "purpose": l.purpose.map(|p| p.label()),
                        "why": why,
                        "owned": matches!(l.action, Action::Kept { owned: true, .. } | Action::Delete(_)),
                    })
                })
                .collect();
            json!({
                "domain": p.domain,
                "zone": p.zone.name,
                "provider": p.account,
                "records": records,
                "policy_file": p.policy.as_ref().map(|(path, _, differs)| json!({"path": path.display().to_string(), "write": differs})),
                "ptr": p.ptr.iter().map(|(ip, host)| json!({"address": ip.to_string(), "name": host})).collect::<Vec<_>>(),
                "notes": p.notes,
                "pending": p.pending(),
            })
        })
        .collect();
    let errors: Vec<serde_json::Value> = failed
        .iter()
        .map(|(d, e)| json!({"domain": d, "error": e}))
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({"domains": domains, "errors": errors}))
        .unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;

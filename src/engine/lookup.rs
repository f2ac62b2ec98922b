//! Step 1-2 of the address upkeep: the records a domain must hold for the detected
//! addresses (its MX host's address or alias, its SPF term) and what the zone's
//! authoritative servers hold now. Reads DNS only; no API call.

use super::{data_ip, ip_data, Agent, DomainPlan, Failure, Outcome, Plan, PlanKind, RecordReport};
use crate::config::{CnameTarget, DomainConfig, HostMode, SpfMode};
use crate::detect::Family;
use crate::dns::Dns;
use crate::spf;
use crate::verify;
use mxddns_providers::RecordData;
use std::net::{IpAddr, SocketAddr};

/// Find the record behind the domain's MX host and what the authoritative servers hold.
pub async fn lookup_domain(
    agent: &Agent,
    d: &DomainConfig,
    addrs: &[IpAddr],
) -> Result<DomainPlan, String> {
    let dns = &agent.dns;
    let mut notices = Vec::new();
    let (host, mx_managed) = match &d.host {
        Some(h) => (h.clone(), false),
        None => {
            let mx = dns
                .mx(&d.domain)
                .await
                .map_err(|e| format!("cannot read the MX record of {}: {e}", d.domain))?;
            let Some(first) = mx.first() else {
                return Err(format!(
                    "{} has no MX record: senders fall back to its A record. Add `MX 10 mail.{}.` at the provider, or set `host:` for this domain",
                    d.domain, d.domain
                ));
            };
            let best: Vec<&str> = mx
                .iter()
                .filter(|m| m.preference == first.preference)
                .map(|m| m.host.as_str())
                .collect();
            if best.len() > 1 {
                notices.push(format!(
                    "several MX hosts share the lowest preference ({}); managing {}",
                    best.join(", "),
                    first.host
                ));
            }
            let others: Vec<String> = mx
                .iter()
                .filter(|m| m.host != first.host)
                .map(|m| format!("{} {}", m.preference, m.host))
                .collect();
            if !others.is_empty() {
                notices.push(format!(
                    "other MX hosts, not managed: {}",
                    others.join(", ")
                ));
            }
            (first.host.clone(), true)
        }
    };
    // The zone of the host: configured, remembered from an earlier successful cycle for
    // the same host (saves the SOA walk every cycle), or found through DNS.
    let cached = agent
        .state
        .domains
        .get(&d.domain)
        .filter(|s| s.host.as_deref() == Some(host.as_str()))
        .and_then(|s| s.zone.clone());
    let zone = match (&d.zone, cached) {
        (Some(z), _) => z.clone(),
        (None, Some(z)) => z,
        (None, None) => dns
            .zone_of(&host)
            .await
            .map_err(|e| format!("cannot find the zone of {host}: {e}"))?,
    };
    let servers = match agent.config.dns.verify {
        // `verify: resolvers`: read and verify through the configured recursive resolvers
        // (for networks that cannot reach the authoritative servers directly).
        crate::config::VerifyMode::Resolvers if !dns.resolvers().is_empty() => {
            dns.resolvers().to_vec()
        }
        _ => dns
            .authoritative(&zone)
            .await
            .map_err(|e| format!("cannot find the authoritative servers of {zone}: {e}"))?,
    };
    let account = agent
        .accounts
        .get(&d.provider)
        .ok_or_else(|| format!("no provider account named {}", d.provider))?;
    let min_ttl = account.provider.min_ttl();
    let ttl = if d.ttl < min_ttl {
        notices.push(format!(
            "ttl {} is below {}'s minimum; using {min_ttl}",
            d.ttl,
            account.provider.kind()
        ));
        min_ttl
    } else {
        d.ttl
    };
    let mut plans = Vec::new();
    let mut warnings = Vec::new();
    let mut refused = Vec::new();
    let mut managed_hosts = vec![host.clone()];
    match &d.mode {
        HostMode::Address => {
            for ip in addrs {
                let plan = address_plan(agent, d, &host, &zone, &servers, *ip, ttl).await?;
                if !managed_hosts.contains(&plan.name) {
                    managed_hosts.push(plan.name.clone());
                }
                plans.push(plan);
            }
        }
        HostMode::Cname(target) => {
            let plan = alias_plan(agent, d, &host, &zone, &servers, target, addrs, ttl).await?;
            if let RecordData::Cname(t) = &plan.want {
                managed_hosts.push(t.clone());
            }
            plans.push(plan);
        }
    }
    if d.spf != SpfMode::Off {
        // Our previous addresses: what DNS showed at the host before this cycle (unless it
        // showed several that cannot be told apart), and the state's history.
        let seen: Vec<IpAddr> = plans
            .iter()
            .filter(|p| p.kind == PlanKind::Address)
            .filter(|p| p.seen.len() == 1 || !p.others.is_empty())
            .flat_map(|p| p.seen.iter().filter_map(data_ip))
            .collect();
        let mx_managed = mx_managed || is_mx_host(dns, &d.domain, &host).await;
        match spf_plan(
            agent,
            d,
            &zone,
            &servers,
            addrs,
            &seen,
            &managed_hosts,
            mx_managed,
            ttl,
            &mut warnings,
        )
        .await
        {
            Ok(Some(plan)) => plans.push(plan),
            Ok(None) => {}
            Err(message) => refused.push(RecordReport {
                name: d.domain.clone(),
                rtype: "TXT",
                old: Vec::new(),
                new: String::new(),
                outcome: Outcome::Failed(Failure::new(message)),
                provider: d.provider.clone(),
            }),
        }
    }
    Ok(DomainPlan {
        host,
        zone,
        servers,
        plans,
        notices,
        warnings,
        refused,
    })
}

/// Whether `host` is one of the domain's MX hosts (for `spf: mx` reasoning when `host:` is set).
async fn is_mx_host(dns: &Dns, domain: &str, host: &str) -> bool {
    dns.mx(domain)
        .await
        .map(|mx| mx.iter().any(|m| m.host == host))
        .unwrap_or(false)
}

/// Read `name` at the first authoritative server that answers.
async fn chain(
    dns: &Dns,
    servers: &[SocketAddr],
    name: &str,
    family: Family,
) -> Result<crate::dns::Chain, String> {
    verify::current_at(dns, servers, name, family)
        .await
        .map_err(|e| format!("cannot read {name} at the authoritative servers: {e}"))
}

/// The zone of `name`: the host's zone when `name` is inside it, else looked up.
async fn zone_for(dns: &Dns, name: &str, zone: &str) -> Result<String, String> {
    if crate::dns::names::is_within(name, zone) {
        Ok(zone.to_string())
    } else {
        dns.zone_of(name)
            .await
            .map_err(|e| format!("cannot find the zone of {name}: {e}"))
    }
}

async fn address_plan(
    agent: &Agent,
    d: &DomainConfig,
    host: &str,
    zone: &str,
    servers: &[SocketAddr],
    ip: IpAddr,
    ttl: u32,
) -> Result<Plan, String> {
    let dns = &agent.dns;
    let family = Family::of(ip);
    let chain = chain(dns, servers, host, family).await?;
    if chain.external {
        return Err(format!(
            "{host} is an alias whose chain leaves the provider's zones ({}); mxddns can only change records inside them. Set `host:` to the name that holds the address",
            chain.hops.iter().map(|(a, t)| format!("{a} -> {t}")).collect::<Vec<_>>().join(", ")
        ));
    }
    let name = chain.end.clone();
    let rec_zone = zone_for(dns, &name, zone).await?;
    let want = ip_data(ip);
    let all: Vec<RecordData> = chain.addrs.iter().map(|a| ip_data(*a)).collect();
    let (seen, others) = split_ours(all, ip, &agent.state.known_addresses(ip.is_ipv6()));
    let current = seen.len() == 1 && seen[0] == want;
    Ok(Plan {
        kind: PlanKind::Address,
        account: d.provider.clone(),
        zone: rec_zone,
        name,
        want,
        seen,
        others,
        current,
        ttl,
    })
}

/// The addresses DNS shows at a name, split into this network's (the wanted one and those it
/// had before) and the others. When it shows several and none is known to be this
/// network's, all stay candidates (and the write refuses to guess between them).
fn split_ours(
    all: Vec<RecordData>,
    ip: IpAddr,
    known: &[IpAddr],
) -> (Vec<RecordData>, Vec<RecordData>) {
    if all.len() < 2 {
        return (all, Vec::new());
    }
    let (ours, others): (Vec<RecordData>, Vec<RecordData>) = all
        .iter()
        .cloned()
        .partition(|d| data_ip(d).is_some_and(|a| a == ip || known.contains(&a)));
    if ours.is_empty() {
        (all, Vec::new())
    } else {
        (ours, others)
    }
}

/// CNAME mode: the alias target this cycle wants for `host`.
#[allow(clippy::too_many_arguments)]
async fn alias_plan(
    agent: &Agent,
    d: &DomainConfig,
    host: &str,
    zone: &str,
    servers: &[SocketAddr],
    target: &CnameTarget,
    addrs: &[IpAddr],
    ttl: u32,
) -> Result<Plan, String> {
    let dns = &agent.dns;
    let v4 = addrs.iter().find(|a| a.is_ipv4()).copied();
    let v6 = addrs.iter().find(|a| a.is_ipv6()).copied();
    let wanted = match target {
        CnameTarget::Fixed(name) => name.clone(),
        CnameTarget::Template(t) => expand_template(t, v4, v6)?,
        CnameTarget::Ptr => {
            let ip = v4
                .or(v6)
                .ok_or("no address detected for the {ptr} target")?;
            forward_confirmed_ptr(dns, ip).await?
        }
    };
    let wanted = crate::dns::names::normalize(&wanted)
        .map_err(|e| format!("the alias target {wanted} is not a valid name: {e}"))?;
    if wanted == host {
        return Err(format!(
            "{host} cannot be an alias of itself: check `target:`"
        ));
    }
    let family = if v4.is_some() { Family::V4 } else { Family::V6 };
    let chain = chain(dns, servers, host, family).await?;
    let seen: Vec<RecordData> = match chain.hops.first() {
        Some((alias, t)) if alias == host => vec![RecordData::Cname(t.clone())],
        _ if !chain.addrs.is_empty() => {
            return Err(format!(
                "{host} holds address records ({}), not a CNAME; a name cannot hold both. Remove them at the provider (mxddns never deletes records), or use `type: A`",
                chain.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
            ));
        }
        _ => Vec::new(),
    };
    let want = RecordData::Cname(wanted);
    let current = seen.len() == 1 && seen[0] == want;
    Ok(Plan {
        kind: PlanKind::Alias,
        account: d.provider.clone(),
        zone: zone.to_string(),
        name: host.to_string(),
        want,
        seen,
        others: Vec::new(),
        current,
        ttl,
    })
}

/// `{ip4}`, `{ip4-dashed}`, `{ip6-dashed}` in a CNAME target template.
fn expand_template(t: &str, v4: Option<IpAddr>, v6: Option<IpAddr>) -> Result<String, String> {
    let mut out = t.to_string();
    if out.contains("{ip4}") || out.contains("{ip4-dashed}") {
        let ip = v4.ok_or_else(|| {
            format!("the target template {t} needs an IPv4 address, and none was detected")
        })?;
        out = out
            .replace("{ip4}", &ip.to_string())
            .replace("{ip4-dashed}", &ip.to_string().replace('.', "-"));
    }
    if out.contains("{ip6-dashed}") {
        let ip = v6.ok_or_else(|| {
            format!("the target template {t} needs an IPv6 address; add detect.ipv6 sources")
        })?;
        out = out.replace("{ip6-dashed}", &ip.to_string().replace(':', "-"));
    }
    Ok(out)
}

/// The reverse name of `ip`, only when it resolves back to `ip` (FCrDNS).
async fn forward_confirmed_ptr(dns: &Dns, ip: IpAddr) -> Result<String, String> {
    let names = dns
        .ptr(ip)
        .await
        .map_err(|e| format!("cannot look up the reverse name of {ip}: {e}"))?;
    if names.is_empty() {
        return Err(format!("{ip} has no reverse name (PTR), so the {{ptr}} target cannot be used: ask the ISP for one, or use a fixed target"));
    }
    for n in &names {
        if let Ok(back) = dns.addrs(n).await {
            if back.contains(&ip) {
                return Ok(n.clone());
            }
        }
    }
    Err(format!(
        "the reverse name of {ip} ({}) does not resolve back to it, so it cannot carry mail for this network: use a fixed target",
        names.join(", ")
    ))
}

/// SPF upkeep: the domain's single SPF record with this network's term current.
#[allow(clippy::too_many_arguments)]
async fn spf_plan(
    agent: &Agent,
    d: &DomainConfig,
    zone: &str,
    servers: &[SocketAddr],
    addrs: &[IpAddr],
    seen: &[IpAddr],
    managed_hosts: &[String],
    mx_managed: bool,
    ttl: u32,
    warnings: &mut Vec<String>,
) -> Result<Option<Plan>, String> {
    let dns = &agent.dns;
    let mut last_err = None;
    let mut records = None;
    for s in servers {
        match dns.txt_at(*s, &d.domain).await {
            Ok(r) => {
                records = Some(r);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let records = records.ok_or_else(|| {
        format!(
            "cannot read the TXT records of {} at the authoritative servers: {}",
            d.domain,
            last_err.map(|e| e.to_string()).unwrap_or_default()
        )
    })?;
    let rec_zone = zone_for(dns, &d.domain, zone).await?;
    let found = spf::find(&d.domain, &records)
        .map_err(|e| format!("{e}; mxddns will not write SPF until there is one"))?;
    let Some(strings) = found else {
        if d.spf == SpfMode::Create {
            let mut text = "v=spf1".to_string();
            for ip in addrs {
                text.push_str(&format!(
                    " {}:{ip}",
                    if ip.is_ipv4() { "ip4" } else { "ip6" }
                ));
            }
            text.push_str(" ~all");
            return Ok(Some(Plan {
                kind: PlanKind::Spf,
                account: d.provider.clone(),
                zone: rec_zone,
                name: d.domain.clone(),
                want: RecordData::Txt(vec![text]),
                seen: Vec::new(),
                others: Vec::new(),
                current: false,
                ttl,
            }));
        }
        warnings.push(format!(
            "{} has no SPF record, so receivers cannot tell that this network may send its mail. Add one (e.g. \"v=spf1 mx ~all\"), or set `spf: create`",
            d.domain
        ));
        return Ok(None);
    };
    let parsed = spf::parse(&strings.concat()).map_err(|e| {
        format!(
            "the SPF record of {} cannot be edited safely: {e}",
            d.domain
        )
    })?;
    let mut current = strings.clone();
    for ip in addrs {
        let mut old = agent.state.known_addresses(ip.is_ipv6());
        old.extend(seen.iter().filter(|a| a.is_ipv6() == ip.is_ipv6()));
        old.retain(|a| a != ip);
        let other = parsed.authorised_without_us(*ip, &d.domain, managed_hosts, mx_managed);
        match spf::edit(&current, &old, *ip, other.as_deref())
            .map_err(|e| format!("the SPF record of {} cannot be edited: {e}", d.domain))?
        {
            spf::Edit::Unchanged(_) => {}
            spf::Edit::Rewrite(next) => current = next,
        }
    }
    let seen = vec![RecordData::Txt(strings.clone())];
    let want = RecordData::Txt(current);
    let is_current = seen[0] == want;
    Ok(Some(Plan {
        kind: PlanKind::Spf,
        account: d.provider.clone(),
        zone: rec_zone,
        name: d.domain.clone(),
        want,
        seen,
        others: Vec::new(),
        current: is_current,
        ttl,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> RecordData {
        RecordData::A(s.parse().unwrap())
    }

    #[test]
    fn split_ours_keeps_other_lines_addresses_apart() {
        let ip: IpAddr = "203.0.113.30".parse().unwrap();
        let known: Vec<IpAddr> = vec!["203.0.113.20".parse().unwrap()];
        let (ours, others) = split_ours(vec![a("198.51.100.7"), a("203.0.113.20")], ip, &known);
        assert_eq!(
            (ours, others),
            (vec![a("203.0.113.20")], vec![a("198.51.100.7")])
        );
        // Nothing known: every value stays a candidate.
        let (ours, others) = split_ours(vec![a("198.51.100.7"), a("203.0.113.10")], ip, &[]);
        assert_eq!((ours.len(), others.len()), (2, 0));
        // A single value is this network's, whatever it is.
        let (ours, others) = split_ours(vec![a("198.51.100.7")], ip, &[]);
        assert_eq!((ours.len(), others.len()), (1, 0));
    }
}

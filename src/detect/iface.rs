//! `interface:NAME` sources: the global address on a local interface, for a router whose
//! WAN port holds the public address itself.
//!
//! Addresses come from getifaddrs(3) through the `if-addrs` crate. On Linux, IPv6 flags
//! come from /proc/net/if_inet6, so that a stable address is preferred to a temporary
//! (privacy) one, which changes every day, and a deprecated or unconfirmed one is skipped.

use super::classify::{classify, Rejection};
use super::error::SourceError;
use super::Family;
use std::net::{IpAddr, Ipv6Addr};

/// One address found on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfAddress {
    pub interface: String,
    pub ip: IpAddr,
    /// IPv6 flags from /proc/net/if_inet6 (IFA_F_*), 0 when unknown.
    pub flags: u32,
}

const IFA_F_TEMPORARY: u32 = 0x01;
const IFA_F_DADFAILED: u32 = 0x08;
const IFA_F_DEPRECATED: u32 = 0x20;
const IFA_F_TENTATIVE: u32 = 0x40;

/// The address of `family` on interface `name` that can be this network's public address.
pub fn ask(name: &str, family: Family) -> Result<IpAddr, SourceError> {
    let addrs = list().map_err(|e| SourceError::InterfaceList(e.to_string()))?;
    let exists = addrs.iter().any(|a| a.interface == name) || interface_exists(name);
    pick(name, family, &addrs, exists)
}

/// Every address of every interface, with IPv6 flags where the system tells them.
fn list() -> std::io::Result<Vec<IfAddress>> {
    let flags = std::fs::read_to_string("/proc/net/if_inet6")
        .map(|t| parse_if_inet6(&t))
        .unwrap_or_default();
    Ok(if_addrs::get_if_addrs()?
        .into_iter()
        .map(|i| {
            let ip = i.ip();
            let flags = match ip {
                IpAddr::V6(v6) => flags
                    .iter()
                    .find(|(n, a, _)| *n == i.name && *a == v6)
                    .map_or(0, |(_, _, f)| *f),
                IpAddr::V4(_) => 0,
            };
            IfAddress {
                interface: i.name,
                ip,
                flags,
            }
        })
        .collect())
}

/// An interface without any address is not in getifaddrs' IP list; look for it by name.
fn interface_exists(name: &str) -> bool {
    cfg!(target_os = "linux") && std::path::Path::new("/sys/class/net").join(name).exists()
}

/// Lines of /proc/net/if_inet6: address (32 hex digits), index, prefix length, scope,
/// flags (all hex), interface name.
fn parse_if_inet6(text: &str) -> Vec<(String, Ipv6Addr, u32)> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let [hex, _, _, _, flags, name] = f.as_slice() else {
                return None;
            };
            let ip = u128::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.len() == 32)?;
            let flags = u32::from_str_radix(flags, 16).ok()?;
            Some((name.to_string(), Ipv6Addr::from(ip), flags))
        })
        .collect()
}

/// The choice, apart from the system: the first global address of `family` on `name`,
/// stable before temporary, never one that failed or has not finished duplicate detection,
/// and a deprecated one only when nothing else is left. Pure.
fn pick(
    name: &str,
    family: Family,
    addrs: &[IfAddress],
    exists: bool,
) -> Result<IpAddr, SourceError> {
    if !exists {
        let mut known: Vec<String> = addrs.iter().map(|a| a.interface.clone()).collect();
        known.sort();
        known.dedup();
        return Err(SourceError::NoInterface {
            name: name.to_string(),
            known,
        });
    }
    let mine: Vec<&IfAddress> = addrs
        .iter()
        .filter(|a| a.interface == name && Family::of(a.ip) == family)
        .filter(|a| a.flags & (IFA_F_DADFAILED | IFA_F_TENTATIVE) == 0)
        .collect();
    let global = mine
        .iter()
        .filter(|a| classify(a.ip).is_ok())
        .min_by_key(|a| {
            (
                a.flags & IFA_F_DEPRECATED != 0,
                a.flags & IFA_F_TEMPORARY != 0,
            )
        });
    if let Some(a) = global {
        return Ok(a.ip);
    }
    if mine.is_empty() {
        return Err(SourceError::InterfaceNoAddress {
            name: name.to_string(),
            family,
        });
    }
    let rejected: Vec<(IpAddr, Rejection)> = mine
        .iter()
        .filter_map(|a| classify(a.ip).err().map(|why| (a.ip, why)))
        .collect();
    Err(SourceError::InterfaceNotGlobal {
        name: name.to_string(),
        family,
        addrs: rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(interface: &str, ip: &str, flags: u32) -> IfAddress {
        IfAddress {
            interface: interface.to_string(),
            ip: ip.parse().unwrap(),
            flags,
        }
    }

    fn host() -> Vec<IfAddress> {
        vec![
            addr("lo", "127.0.0.1", 0),
            addr("lo", "::1", 0),
            addr("eth0", "192.168.1.2", 0),
            addr("eth0", "fe80::1", 0),
            addr("ppp0", "203.0.113.7", 0),
            addr("ppp0", "fe80::2", 0),
            addr("ppp0", "2001:db8::aaaa", IFA_F_TEMPORARY),
            addr("ppp0", "2001:db8::dead", IFA_F_DEPRECATED),
            addr("ppp0", "2001:db8::bad", IFA_F_TENTATIVE),
            addr("ppp0", "2001:db8::25", 0),
            addr("wwan0", "100.72.1.2", 0),
            addr("tmp0", "2001:db8::1:aaaa", IFA_F_TEMPORARY),
        ]
    }

    #[test]
    fn picks_the_global_address() {
        assert_eq!(
            pick("ppp0", Family::V4, &host(), true).unwrap().to_string(),
            "203.0.113.7"
        );
        // Stable before temporary and deprecated; tentative never.
        assert_eq!(
            pick("ppp0", Family::V6, &host(), true).unwrap().to_string(),
            "2001:db8::25"
        );
        // A temporary address is still better than none.
        assert_eq!(
            pick("tmp0", Family::V6, &host(), true).unwrap().to_string(),
            "2001:db8::1:aaaa"
        );
    }

    #[test]
    fn explains_a_lan_interface() {
        let e = pick("eth0", Family::V4, &host(), true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "eth0 has only 192.168.1.2 (private): this is not the WAN interface, \
             or the router is behind another NAT"
        );
        let e = pick("eth0", Family::V6, &host(), true).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("eth0 has only fe80::1 (link-local): "),
            "{e}"
        );
        assert!(e.to_string().contains("no global IPv6 address"), "{e}");
    }

    #[test]
    fn explains_cgnat_on_the_wan() {
        let e = pick("wwan0", Family::V4, &host(), true)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("wwan0 has only 100.72.1.2 (carrier-grade NAT): "),
            "{e}"
        );
        assert!(e.contains("no inbound SMTP can reach this network"), "{e}");
    }

    #[test]
    fn missing_interface_or_family() {
        let e = pick("eth9", Family::V4, &host(), false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no network interface is named eth9 (this host has: eth0, lo, ppp0, tmp0, wwan0)"
        );
        let e = pick("wwan0", Family::V6, &host(), true).unwrap_err();
        assert_eq!(e.to_string(), "wwan0 has no IPv6 address");
        let e = pick("eth1", Family::V4, &host(), true).unwrap_err();
        assert_eq!(e.to_string(), "eth1 has no IPv4 address");
    }

    #[test]
    fn reads_proc_if_inet6() {
        let text = "20010db8000000000000000000000025 02 40 00 80     ppp0\n\
                    fe800000000000000000000000000002 02 40 20 80     ppp0\n\
                    20010db800000000000000000000aaaa 02 40 00 01     ppp0\n\
                    garbage\n";
        let got = parse_if_inet6(text);
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            ("ppp0".into(), "2001:db8::25".parse().unwrap(), 0x80)
        );
        assert_eq!(got[2].2 & IFA_F_TEMPORARY, IFA_F_TEMPORARY);
    }

    #[test]
    fn the_real_loopback_interface_is_refused() {
        // The only interface every test machine has; its addresses are loopback ones.
        match ask("lo", Family::V4) {
            Err(SourceError::InterfaceNotGlobal { addrs, .. }) => {
                assert!(addrs.iter().all(|(_, why)| *why == Rejection::Loopback));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ask("nosuchif0", Family::V4),
            Err(SourceError::NoInterface { .. })
        ));
    }
}

//! Whether an address can be this network's public address: global unicast only.
//!
//! The documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32,
//! 3fff::/20) are accepted on purpose: the tests and `mxddns demo` use them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a usable public address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) or an IPv6 unique local address (fc00::/7).
    Private,
    /// 100.64.0.0/10, the shared address space of carrier-grade NAT.
    CarrierGradeNat,
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// IPv6 site-local (fec0::/10), deprecated since 2004.
    SiteLocal,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// 198.18.0.0/15, 2001:2::/48.
    Benchmarking,
    /// 240.0.0.0/4, and IPv6 outside 2000::/3 that nothing else names.
    Reserved,
    /// 192.0.0.0/24, 2001::/23 outside the ranges named separately.
    ProtocolAssignment,
    /// 192.88.99.0/24 (6to4 relay anycast), 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64),
    /// 2001::/32 (Teredo), 2002::/16 (6to4): an address of a translator or tunnel.
    Translated,
    /// ::ffff:0:0/96: an IPv4 address written as IPv6.
    Ipv4Mapped,
    /// 100::/64.
    DiscardOnly,
}

impl Rejection {
    /// A few words for lists ("192.168.1.2 (private)").
    pub fn label(self) -> &'static str {
        match self {
            Rejection::Private => "private",
            Rejection::CarrierGradeNat => "carrier-grade NAT",
            Rejection::Loopback => "loopback",
            Rejection::LinkLocal => "link-local",
            Rejection::SiteLocal => "site-local",
            Rejection::Multicast => "multicast",
            Rejection::Unspecified => "unspecified",
            Rejection::Broadcast => "broadcast",
            Rejection::Benchmarking => "benchmarking range",
            Rejection::Reserved => "reserved",
            Rejection::ProtocolAssignment => "IETF protocol assignment",
            Rejection::Translated => "translator or tunnel",
            Rejection::Ipv4Mapped => "IPv4-mapped IPv6",
            Rejection::DiscardOnly => "discard-only",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            Rejection::Private => rust_i18n::t!("ui.classify.5"),
            Rejection::CarrierGradeNat => rust_i18n::t!("ui.classify.6"),
            Rejection::Loopback => rust_i18n::t!("ui.classify.7"),
            Rejection::LinkLocal => rust_i18n::t!("ui.classify.8"),
            Rejection::SiteLocal => rust_i18n::t!("ui.classify.9"),
            Rejection::Multicast => rust_i18n::t!("ui.classify.10"),
            Rejection::Unspecified => rust_i18n::t!("ui.classify.11"),
            Rejection::Broadcast => rust_i18n::t!("ui.classify.12"),
            Rejection::Benchmarking => rust_i18n::t!("ui.classify.13"),
            Rejection::Reserved => rust_i18n::t!("ui.classify.14"),
            Rejection::ProtocolAssignment => rust_i18n::t!("ui.classify.15"),
            Rejection::Translated => rust_i18n::t!("ui.classify.16"),
            Rejection::Ipv4Mapped => rust_i18n::t!("ui.classify.17"),
            Rejection::DiscardOnly => rust_i18n::t!("ui.classify.18"),
        })
    }
}

/// `Ok` when `ip` is a global unicast address (documentation ranges included); otherwise
/// why not.
pub fn classify(ip: IpAddr) -> Result<(), Rejection> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, len: u32) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    u128::from(ip) & mask == u128::from(net) & mask
}

fn classify_v4(ip: Ipv4Addr) -> Result<(), Rejection> {
    const DOCUMENTATION: [[u8; 4]; 3] = [[192, 0, 2, 0], [198, 51, 100, 0], [203, 0, 113, 0]];
    if DOCUMENTATION.iter().any(|net| in_v4(ip, *net, 24)) {
        return Ok(());
    }
    let table: &[([u8; 4], u32, Rejection)] = &[
        ([0, 0, 0, 0], 8, Rejection::Unspecified),
        ([10, 0, 0, 0], 8, Rejection::Private),
        ([100, 64, 0, 0], 10, Rejection::CarrierGradeNat),
        ([127, 0, 0, 0], 8, Rejection::Loopback),
        ([169, 254, 0, 0], 16, Rejection::LinkLocal),
        ([172, 16, 0, 0], 12, Rejection::Private),
        ([192, 0, 0, 0], 24, Rejection::ProtocolAssignment),
        ([192, 88, 99, 0], 24, Rejection::Translated),
        ([192, 168, 0, 0], 16, Rejection::Private),
        ([198, 18, 0, 0], 15, Rejection::Benchmarking),
        ([224, 0, 0, 0], 4, Rejection::Multicast),
        ([255, 255, 255, 255], 32, Rejection::Broadcast),
        ([240, 0, 0, 0], 4, Rejection::Reserved),
    ];
    match table.iter().find(|(net, len, _)| in_v4(ip, *net, *len)) {
        Some((_, _, why)) => Err(*why),
        None => Ok(()),
    }
}

fn classify_v6(ip: Ipv6Addr) -> Result<(), Rejection> {
    let v6 = |s: [u16; 8]| Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    // Documentation: 2001:db8::/32 and 3fff::/20 (RFC 9637).
    if in_v6(ip, v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), 32)
        || in_v6(ip, v6([0x3fff, 0, 0, 0, 0, 0, 0, 0]), 20)
    {
        return Ok(());
    }
    // Most specific first: the first match wins.
    let table: &[([u16; 8], u32, Rejection)] = &[
        ([0, 0, 0, 0, 0, 0, 0, 0], 128, Rejection::Unspecified),
        ([0, 0, 0, 0, 0, 0, 0, 1], 128, Rejection::Loopback),
        ([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, Rejection::Ipv4Mapped),
        ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, Rejection::Translated),
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, Rejection::Translated),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, Rejection::DiscardOnly),
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, Rejection::Translated),
        ([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, Rejection::Benchmarking),
        (
            [0x2001, 0, 0, 0, 0, 0, 0, 0],
            23,
            Rejection::ProtocolAssignment,
        ),
        ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, Rejection::Translated),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, Rejection::Private),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, Rejection::LinkLocal),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, Rejection::SiteLocal),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, Rejection::Multicast),
    ];
    if let Some((_, _, why)) = table.iter().find(|(net, len, _)| in_v6(ip, v6(*net), *len)) {
        return Err(*why);
    }
    // Global unicast is 2000::/3; the rest is unassigned or named above.
    if in_v6(ip, v6([0x2000, 0, 0, 0, 0, 0, 0, 0]), 3) {
        Ok(())
    } else {
        Err(Rejection::Reserved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ip: &str) -> Result<(), Rejection> {
        classify(ip.parse().unwrap())
    }

    #[test]
    fn accepts_global_and_documentation_addresses() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.255",
            "192.0.2.1",
            "192.0.2.255",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.100.7",
            "203.0.113.200",
            "223.255.255.255",
            "2001:db8::1",
            "2001:db8:ffff::53",
            "3fff::1",
            "2a00:1450:4001:80b::200e",
            "2606:4700:4700::1111",
            "2001:4860:4802:32::a",
            "2001:200::1",
        ] {
            assert_eq!(check(ip), Ok(()), "{ip} should be accepted");
        }
    }

    #[test]
    fn rejects_every_non_global_range() {
        use Rejection::*;
        let table = [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.254", Private),
            ("192.168.1.2", Private),
            ("100.64.0.1", CarrierGradeNat),
            ("100.127.255.254", CarrierGradeNat),
            ("127.0.0.1", Loopback),
            ("127.8.9.10", Loopback),
            ("169.254.10.20", LinkLocal),
            ("192.0.0.9", ProtocolAssignment),
            ("192.88.99.1", Translated),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("224.0.0.251", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("254.1.2.3", Reserved),
            ("255.255.255.255", Broadcast),
            ("::", Unspecified),
            ("::1", Loopback),
            ("::ffff:203.0.113.7", Ipv4Mapped),
            ("::ffff:8.8.8.8", Ipv4Mapped),
            ("::8.8.8.8", Reserved),
            ("64:ff9b::808:808", Translated),
            ("64:ff9b:1::1", Translated),
            ("100::1", DiscardOnly),
            ("2001::1", Translated),
            ("2001:2::1", Benchmarking),
            ("2001:10::1", ProtocolAssignment),
            ("2002:cb00:7107::1", Translated),
            ("fc00::1", Private),
            ("fd12:3456:789a::1", Private),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", SiteLocal),
            ("ff02::1", Multicast),
            ("ff0e::101", Multicast),
            ("4000::1", Reserved),
            ("1000::1", Reserved),
        ];
        for (ip, why) in table {
            assert_eq!(check(ip), Err(why), "{ip}");
        }
    }

    #[test]
    fn cgnat_is_explained_plainly() {
        let msg = check("100.72.1.2").unwrap_err().to_string();
        assert!(msg.starts_with("carrier-grade NAT (CGNAT)"), "{msg}");
        assert!(msg.contains("shares this address among customers"), "{msg}");
        assert!(
            msg.contains("no inbound SMTP can reach this network"),
            "{msg}"
        );
        assert!(
            msg.contains("ask the ISP for a public IPv4 address, or use IPv6"),
            "{msg}"
        );
    }

    #[test]
    fn every_rejection_has_a_label_and_a_reason() {
        for ip in [
            "10.0.0.1",
            "127.0.0.1",
            "fe80::1",
            "::ffff:1.2.3.4",
            "240.0.0.1",
        ] {
            let why = check(ip).unwrap_err();
            assert!(!why.label().is_empty());
            assert!(why.to_string().len() > why.label().len(), "{why}");
        }
    }
}

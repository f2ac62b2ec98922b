//! The few lines of resolv.conf(5) the stub resolver needs: the `nameserver` addresses
//! (IPv4 or IPv6, at port 53; at most three, as the C library reads them) and the
//! `options timeout:N attempts:N`. Everything else (search, domain, sortlist, other
//! options) does not apply: names are always asked fully qualified, never with a search
//! domain appended.

use std::net::{IpAddr, SocketAddr, SocketAddrV6};
use std::time::Duration;

/// The most `nameserver` lines used (glibc's MAXNS).
const MAX_SERVERS: usize = 3;

/// What resolv.conf says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ResolvConf {
    pub servers: Vec<SocketAddr>,
    /// `options timeout:N`: seconds allowed for one question to one server (1–30).
    pub timeout: Option<Duration>,
    /// `options attempts:N`: how many times a question is sent (1–5).
    pub attempts: Option<u32>,
}

/// Read resolv.conf's text. Lines that cannot be read are left out (as the C library
/// does); an address with a zone (`fe80::1%eth0`, `fe80::1%2`) keeps it.
pub(super) fn parse(text: &str) -> ResolvConf {
    let mut conf = ResolvConf::default();
    for line in text.lines() {
        let line = line.split(['#', ';']).next().unwrap_or("");
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => {
                if let Some(addr) = words.next().and_then(server) {
                    if conf.servers.len() < MAX_SERVERS && !conf.servers.contains(&addr) {
                        conf.servers.push(addr);
                    }
                }
            }
            Some("options") => {
                for opt in words {
                    let value = |key: &str| opt.strip_prefix(key)?.parse::<u64>().ok();
                    if let Some(n) = value("timeout:") {
                        conf.timeout = Some(Duration::from_secs(n.clamp(1, 30)));
                    } else if let Some(n) = value("attempts:") {
                        conf.attempts = Some(n.clamp(1, 5) as u32);
                    }
                }
            }
            _ => {}
        }
    }
    conf
}

/// One `nameserver` address at port 53.
fn server(text: &str) -> Option<SocketAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, 53));
    }
    let (ip, zone) = text.split_once('%')?;
    let ip = ip.parse().ok()?;
    let zone = match zone.parse() {
        Ok(n) => n,
        Err(_) => interface_index(zone)?,
    };
    Some(SocketAddr::V6(SocketAddrV6::new(ip, 53, 0, zone)))
}

/// The index of the network interface `name`, when there is one.
fn interface_index(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (index != 0).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn nameservers_v4_and_v6_with_options() {
        let conf = parse(
            "# written by NetworkManager\n\
             search lan example.com\n\
             nameserver 192.168.1.1\n\
             nameserver  2001:db8::53 # the router's v6 side\n\
             ; a comment\n\
             nameserver fe80::1%2\n\
             options edns0 timeout:2 rotate attempts:3\n",
        );
        assert_eq!(
            conf.servers,
            vec![
                addr("192.168.1.1:53"),
                addr("[2001:db8::53]:53"),
                addr("[fe80::1%2]:53"),
            ]
        );
        assert_eq!(conf.timeout, Some(Duration::from_secs(2)));
        assert_eq!(conf.attempts, Some(3));
    }

    #[test]
    fn a_zone_may_name_the_interface() {
        let lo = interface_index("lo").expect("the loopback interface");
        let conf = parse("nameserver fe80::1%lo\n");
        assert_eq!(
            conf.servers,
            vec![SocketAddr::V6(SocketAddrV6::new(
                "fe80::1".parse().unwrap(),
                53,
                0,
                lo
            ))]
        );
    }

    #[test]
    fn at_most_three_servers_and_bad_lines_left_out() {
        let conf = parse(
            "nameserver\n\
             nameserver dns.google\n\
             nameserver fe80::1%no-such-interface0\n\
             nameserver 10.0.0.1\n\
             nameserver 10.0.0.1\n\
             nameserver 10.0.0.2\n\
             nameserver 10.0.0.3\n\
             nameserver 10.0.0.4\n\
             options timeout:0 attempts:99 timeout:x\n",
        );
        assert_eq!(
            conf.servers,
            vec![
                addr("10.0.0.1:53"),
                addr("10.0.0.2:53"),
                addr("10.0.0.3:53")
            ]
        );
        // Out-of-range values are clamped as the C library does.
        assert_eq!(conf.timeout, Some(Duration::from_secs(1)));
        assert_eq!(conf.attempts, Some(5));
    }

    #[test]
    fn an_empty_file_lists_nothing() {
        assert_eq!(parse(""), ResolvConf::default());
        assert_eq!(parse("search example.com\n").servers, vec![]);
    }
}

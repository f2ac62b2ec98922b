//! The desired record set of a mail domain: built from its `mail:` declaration, the
//! detected addresses and the key/certificate files, and (for SPF) the record the zone
//! already holds, whose other terms are kept.

use super::keys;
use super::mta_sts;
use crate::config::{ClientService, MailConfig};
use mxddns_providers::RecordData;
use std::net::IpAddr;

/// What a desired record is for; also the order in which `apply` writes (addresses first,
/// then MX, then the rest), so that a failure half-way never leaves an MX without its
/// host's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Purpose {
    Address,
    Mx,
    Spf,
    Dkim,
    Dmarc,
    MtaSts,
    TlsRpt,
    ClientSrv,
    ClientName,
    Tlsa,
    Caa,
}

impl Purpose {
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Address => "address",
            Purpose::Mx => "MX",
            Purpose::Spf => "SPF",
            Purpose::Dkim => "DKIM",
            Purpose::Dmarc => "DMARC",
            Purpose::MtaSts => "MTA-STS",
            Purpose::TlsRpt => "TLS-RPT",
            Purpose::ClientSrv => "client set-up",
            Purpose::ClientName => "client set-up",
            Purpose::Tlsa => "DANE",
            Purpose::Caa => "CAA",
        }
    }

    /// Whether the record follows the address or files (kept by the running service).
    pub fn address_bound(self) -> bool {
        matches!(
            self,
            Purpose::Address | Purpose::Spf | Purpose::Tlsa | Purpose::MtaSts
        )
    }
}

/// One desired record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub name: String,
    pub data: RecordData,
    pub purpose: Purpose,
}

/// The desired set, with what cannot be built (a key file that cannot be read) and notes
/// for the plan.
#[derive(Debug, Clone, Default)]
pub struct DesiredSet {
    pub records: Vec<Want>,
    /// Records that cannot be built: (name, type, why).
    pub cannot: Vec<(String, &'static str, String)>,
    pub notes: Vec<String>,
    /// The MTA-STS policy file and its text, when declared.
    pub policy_file: Option<(std::path::PathBuf, String)>,
}

/// (name, type, kind): see [`slot`].
pub type Slot = (String, &'static str, String);

/// Which records of a zone stand for the same thing as a desired one: the same name and
/// type, and for TXT the same kind (an SPF record is never changed into a site
/// verification token), for CAA the same tag.
pub fn slot(name: &str, data: &RecordData) -> Slot {
    let class = match data {
        RecordData::Txt(_) => txt_class(name, &data.txt_joined().unwrap_or_default()),
        RecordData::Caa { tag, .. } => tag.clone(),
        _ => String::new(),
    };
    (name.to_string(), data.rtype().as_str(), class)
}

fn txt_class(name: &str, text: &str) -> String {
    let t = text.trim_start().to_ascii_lowercase();
    let c = if t.starts_with("v=spf1") && (t.len() == 6 || t.as_bytes()[6] == b' ') {
        "spf"
    } else if t.starts_with("v=dmarc1") {
        "dmarc"
    } else if name.contains("._domainkey.") {
        "dkim"
    } else if t.starts_with("v=stsv1") {
        "sts"
    } else if t.starts_with("v=tlsrptv1") {
        "tlsrpt"
    } else {
        "other"
    };
    c.to_string()
}

/// TXT text as character-strings of at most 255 bytes (split on ASCII, so on char
/// boundaries for the record texts built here).
pub fn txt_strings(text: &str) -> RecordData {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > 255 {
        let mut cut = 255;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(rest[..cut].to_string());
        rest = &rest[cut..];
    }
    out.push(rest.to_string());
    RecordData::Txt(out)
}

fn ip_data(ip: IpAddr) -> RecordData {
    match ip {
        IpAddr::V4(a) => RecordData::A(a),
        IpAddr::V6(a) => RecordData::Aaaa(a),
    }
}

/// Whether `name` is `zone` or inside it.
pub fn in_zone(name: &str, zone: &str) -> bool {
    name == zone || name.strip_suffix(zone).is_some_and(|p| p.ends_with('.'))
}

/// The inputs of [`build`].
pub struct Inputs<'a> {
    pub domain: &'a str,
    pub zone: &'a str,
    pub mail: &'a MailConfig,
    /// This network's current addresses.
    pub addrs: &'a [IpAddr],
    /// The addresses it had before (state history): their SPF terms are ours to replace.
    pub old_addrs: &'a [IpAddr],
    /// The text of the SPF record the zone holds now, if any.
    pub existing_spf: Option<&'a str>,
}

/// Build the desired set.
pub fn build(inp: &Inputs<'_>) -> DesiredSet {
    let mut set = DesiredSet::default();
    let d = inp.domain;
    let m = inp.mail;
    let push = |set: &mut DesiredSet, name: String, data: RecordData, purpose: Purpose| {
        if !set.records.iter().any(|w| w.name == name && w.data == data) {
            set.records.push(Want {
                name,
                data,
                purpose,
            });
        }
    };
    let mut mx = m.mx.clone();
    mx.sort_by_key(|e| e.priority);
    // Addresses: the MX hosts inside the zone, and the MTA-STS policy host.
    let mut address_hosts: Vec<String> = mx
        .iter()
        .map(|e| e.host.clone())
        .filter(|h| in_zone(h, inp.zone))
        .collect();
    if m.mta_sts.is_some() {
        address_hosts.push(format!("mta-sts.{d}"));
    }
    for h in &address_hosts {
        for ip in inp.addrs {
            push(&mut set, h.clone(), ip_data(*ip), Purpose::Address);
        }
    }
    for e in &mx {
        push(
            &mut set,
            d.to_string(),
            RecordData::Mx {
                preference: e.priority,
                exchange: e.host.clone(),
            },
            Purpose::Mx,
        );
    }
    if let Some(spf) = &m.spf {
        let text = spf_text(
            inp.existing_spf,
            inp.addrs,
            inp.old_addrs,
            &spf.include,
            &spf.all,
        );
        push(&mut set, d.to_string(), txt_strings(&text), Purpose::Spf);
    }
    for k in &m.dkim {
        let name = format!("{}._domainkey.{d}", k.selector);
        match keys::read_dkim(&k.key_file) {
            Ok(key) => push(
                &mut set,
                name,
                txt_strings(&key.record_text()),
                Purpose::Dkim,
            ),
            Err(e) => set.cannot.push((name, "TXT", e.to_string())),
        }
    }
    if let Some(dm) = &m.dmarc {
        let mut t = format!("v=DMARC1; p={}", dm.p);
        if let Some(sp) = &dm.sp {
            t.push_str(&format!("; sp={sp}"));
        }
        if let Some(pct) = dm.pct {
            t.push_str(&format!("; pct={pct}"));
        }
        if !dm.rua.is_empty() {
            t.push_str(&format!("; rua={}", dm.rua.join(",")));
        }
        if !dm.ruf.is_empty() {
            t.push_str(&format!("; ruf={}", dm.ruf.join(",")));
        }
        if let Some(a) = &dm.adkim {
            t.push_str(&format!("; adkim={a}"));
        }
        if let Some(a) = &dm.aspf {
            t.push_str(&format!("; aspf={a}"));
        }
        push(
            &mut set,
            format!("_dmarc.{d}"),
            txt_strings(&t),
            Purpose::Dmarc,
        );
        for uri in dm.rua.iter().chain(&dm.ruf) {
            if let Some(rd) = crate::config::report_uri(uri, false) {
                if !in_zone(&rd, d) {
                    let note = format!(
                        "DMARC reports go to {rd}, another domain: it must authorise them (RFC 7489 §7.1) with the TXT record {d}._report._dmarc.{rd} \"v=DMARC1\", or receivers send none"
                    );
                    if !set.notes.contains(&note) {
                        set.notes.push(note);
                    }
                }
            }
        }
    }
    if let Some(sts) = &m.mta_sts {
        let hosts: Vec<&str> = mx.iter().map(|e| e.host.as_str()).collect();
        let policy = mta_sts::policy_text(sts, &hosts);
        push(
            &mut set,
            format!("_mta-sts.{d}"),
            txt_strings(&mta_sts::record_text(&policy)),
            Purpose::MtaSts,
        );
        set.notes.push(format!(
            "MTA-STS: the policy is served from {} at https://mta-sts.{d}/.well-known/mta-sts.txt; the web server there needs a certificate for mta-sts.{d}",
            sts.policy_file.display()
        ));
        set.policy_file = Some((sts.policy_file.clone(), policy));
    }
    if !m.tls_rpt.is_empty() {
        push(
            &mut set,
            format!("_smtp._tls.{d}"),
            txt_strings(&format!("v=TLSRPTv1; rua={}", m.tls_rpt.join(","))),
            Purpose::TlsRpt,
        );
    }
    if !m.client_setup.is_empty() {
        if let Some(primary) = mx.first() {
            for s in ClientService::ALL {
                let offered = m.client_setup.contains(&s);
                push(
                    &mut set,
                    format!("_{}._tcp.{d}", s.label()),
                    RecordData::Srv {
                        priority: 0,
                        weight: u16::from(offered),
                        port: if offered { s.port() } else { 0 },
                        target: if offered {
                            primary.host.clone()
                        } else {
                            String::new()
                        },
                    },
                    Purpose::ClientSrv,
                );
            }
            for n in ["autoconfig", "autodiscover"] {
                push(
                    &mut set,
                    format!("{n}.{d}"),
                    RecordData::Cname(primary.host.clone()),
                    Purpose::ClientName,
                );
            }
        }
    }
    if let Some(t) = &m.tlsa {
        let hosts: Vec<String> = if t.hosts.is_empty() {
            mx.iter()
                .map(|e| e.host.clone())
                .find(|h| in_zone(h, inp.zone))
                .into_iter()
                .collect()
        } else {
            t.hosts.clone()
        };
        let mut hashes = Vec::new();
        let mut failed = None;
        match keys::tlsa_311(&t.cert_file) {
            Ok(h) => hashes.push(h),
            Err(e) => failed = Some(e.to_string()),
        }
        if let Some(next) = &t.next_key_file {
            match keys::tlsa_311(next) {
                Ok(h) if !hashes.contains(&h) => hashes.push(h),
                Ok(_) => {}
                Err(e) => failed = Some(e.to_string()),
            }
        }
        for h in hosts {
            let name = format!("_25._tcp.{h}");
            if let Some(why) = &failed {
                // Never publish half a rollover: a missing next hash would break DANE
                // senders when the certificate changes.
                set.cannot.push((name, "TLSA", why.clone()));
                continue;
            }
            for hash in &hashes {
                push(
                    &mut set,
                    name.clone(),
                    RecordData::Tlsa {
                        usage: 3,
                        selector: 1,
                        matching_type: 1,
                        data: hash.clone(),
                    },
                    Purpose::Tlsa,
                );
            }
        }
    }
    for ca in &m.caa {
        push(
            &mut set,
            d.to_string(),
            RecordData::Caa {
                flags: 0,
                tag: "issue".into(),
                value: ca.clone(),
            },
            Purpose::Caa,
        );
    }
    set
}

/// The SPF text: the existing record's terms kept in their order (our old address terms
/// and its `all` replaced), then our address terms and the declared includes, then `all`.
pub fn spf_text(
    existing: Option<&str>,
    addrs: &[IpAddr],
    old: &[IpAddr],
    include: &[String],
    all: &str,
) -> String {
    let mut terms: Vec<String> = Vec::new();
    if let Some(text) = existing {
        for t in text.split_whitespace().skip(1) {
            let lower = t.to_ascii_lowercase();
            let bare = lower.trim_start_matches(['+', '-', '~', '?']);
            if bare == "all" {
                continue;
            }
            let ip = bare
                .strip_prefix("ip4:")
                .or_else(|| bare.strip_prefix("ip6:"))
                .and_then(|a| a.parse::<IpAddr>().ok());
            if ip.is_some_and(|ip| old.contains(&ip) && !addrs.contains(&ip)) {
                continue;
            }
            if !terms.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                terms.push(t.to_string());
            }
        }
    }
    let has = |terms: &[String], t: &str| terms.iter().any(|x| x.eq_ignore_ascii_case(t));
    for ip in addrs {
        let t = match ip {
            IpAddr::V4(a) => format!("ip4:{a}"),
            IpAddr::V6(a) => format!("ip6:{a}"),
        };
        if !has(&terms, &t) {
            terms.push(t);
        }
    }
    for i in include {
        let t = format!("include:{i}");
        if !has(&terms, &t) {
            terms.push(t);
        }
    }
    // `redirect=` and `all` do not mix (RFC 7208 §6.1: redirect is ignored when all is
    // present): the declared `all` wins, so a redirect is dropped with it.
    terms.retain(|t| !t.to_ascii_lowercase().starts_with("redirect="));
    let mut out = "v=spf1".to_string();
    for t in terms {
        out.push(' ');
        out.push_str(&t);
    }
    out.push(' ');
    out.push_str(all);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{
        DkimEntry, DmarcConfig, MailSpf, MtaStsConfig, MtaStsMode, MxEntry, TlsaConfig,
    };

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(name)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn spf_is_merged_without_losing_terms() {
        let now = [ip("203.0.113.20")];
        let old = [ip("203.0.113.10")];
        assert_eq!(
            spf_text(
                Some("v=spf1 a mx ip4:203.0.113.10 include:_spf.google.com ip4:198.51.100.7 ~all"),
                &now,
                &old,
                &["spf.mail.qq.com".into()],
                "-all"
            ),
            "v=spf1 a mx include:_spf.google.com ip4:198.51.100.7 ip4:203.0.113.20 include:spf.mail.qq.com -all"
        );
        assert_eq!(
            spf_text(
                None,
                &[ip("203.0.113.20"), ip("2001:db8::1")],
                &[],
                &[],
                "~all"
            ),
            "v=spf1 ip4:203.0.113.20 ip6:2001:db8::1 ~all"
        );
        // Already right: unchanged text.
        let right = "v=spf1 mx ip4:203.0.113.20 -all";
        assert_eq!(spf_text(Some(right), &now, &old, &[], "-all"), right);
    }

    #[test]
    fn long_txt_split_into_255_byte_strings() {
        let text = "x".repeat(600);
        let RecordData::Txt(parts) = txt_strings(&text) else {
            panic!()
        };
        assert_eq!(
            parts.iter().map(String::len).collect::<Vec<_>>(),
            [255, 255, 90]
        );
        assert_eq!(parts.concat(), text);
    }

    fn declaration() -> MailConfig {
        MailConfig {
            mx: vec![
                MxEntry {
                    host: "mx2.backup.example.net".into(),
                    priority: 20,
                },
                MxEntry {
                    host: "mail.example.com".into(),
                    priority: 10,
                },
            ],
            spf: Some(MailSpf {
                all: "-all".into(),
                include: vec!["spf.mail.qq.com".into()],
            }),
            dkim: vec![DkimEntry {
                selector: "big".into(),
                key_file: fixture("big.txt"),
            }],
            dmarc: Some(DmarcConfig {
                p: "quarantine".into(),
                sp: None,
                pct: Some(50),
                rua: vec![
                    "mailto:dmarc@example.com".into(),
                    "mailto:r@reports.example.org".into(),
                ],
                ruf: vec![],
                adkim: Some("s".into()),
                aspf: None,
            }),
            mta_sts: Some(MtaStsConfig {
                mode: MtaStsMode::Enforce,
                max_age: std::time::Duration::from_secs(604800),
                policy_file: "/srv/mta-sts.txt".into(),
            }),
            tls_rpt: vec!["mailto:tlsrpt@example.com".into()],
            client_setup: ClientService::DEFAULT.to_vec(),
            tlsa: Some(TlsaConfig {
                cert_file: fixture("cert1.pem"),
                next_key_file: Some(fixture("cert2.pub")),
                hosts: vec![],
            }),
            caa: vec!["letsencrypt.org".into()],
        }
    }

    #[test]
    fn the_whole_set_from_one_declaration() {
        let m = declaration();
        let set = build(&Inputs {
            domain: "example.com",
            zone: "example.com",
            mail: &m,
            addrs: &[ip("203.0.113.20")],
            old_addrs: &[],
            existing_spf: None,
        });
        assert!(set.cannot.is_empty(), "{:?}", set.cannot);
        let lines: Vec<String> = set
            .records
            .iter()
            .map(|w| format!("{} {} {}", w.name, w.data.rtype(), w.data))
            .collect();
        let has = |s: &str| assert!(lines.iter().any(|l| l.starts_with(s)), "{s} in {lines:#?}");
        has("mail.example.com A 203.0.113.20");
        has("mta-sts.example.com A 203.0.113.20");
        has("example.com MX 10 mail.example.com.");
        has("example.com MX 20 mx2.backup.example.net.");
        has("example.com TXT \"v=spf1 ip4:203.0.113.20 include:spf.mail.qq.com -all\"");
        has("big._domainkey.example.com TXT \"v=DKIM1; h=sha256; k=rsa; p=MIIB");
        has("_dmarc.example.com TXT \"v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@example.com,mailto:r@reports.example.org; adkim=s\"");
        has("_mta-sts.example.com TXT \"v=STSv1; id=");
        has("_smtp._tls.example.com TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com\"");
        has("_submissions._tcp.example.com SRV 0 1 465 mail.example.com.");
        has("_submission._tcp.example.com SRV 0 1 587 mail.example.com.");
        has("_imaps._tcp.example.com SRV 0 1 993 mail.example.com.");
        has("_imap._tcp.example.com SRV 0 0 0 .");
        has("_pop3s._tcp.example.com SRV 0 0 0 .");
        has("autoconfig.example.com CNAME mail.example.com");
        has("autodiscover.example.com CNAME mail.example.com");
        has("example.com CAA 0 issue \"letsencrypt.org\"");
        // No address for the host outside the zone.
        assert!(!lines
            .iter()
            .any(|l| l.starts_with("mx2.backup.example.net")));
        // TLSA at the first in-zone MX host: the certificate's key and the next one.
        let tlsa: Vec<&String> = lines.iter().filter(|l| l.contains(" TLSA ")).collect();
        assert_eq!(tlsa.len(), 2, "{tlsa:?}");
        assert!(tlsa
            .iter()
            .all(|l| l.starts_with("_25._tcp.mail.example.com TLSA 3 1 1 ")));
        // The 2048-bit DKIM key is split into strings of at most 255 bytes.
        let dkim = set
            .records
            .iter()
            .find(|w| w.purpose == Purpose::Dkim)
            .unwrap();
        let RecordData::Txt(parts) = &dkim.data else {
            panic!()
        };
        assert!(parts.len() > 1 && parts.iter().all(|p| p.len() <= 255));
        // The rua in another domain gets the RFC 7489 §7.1 note.
        assert!(
            set.notes.iter().any(
                |n| n.contains("example.com._report._dmarc.reports.example.org")
                    && n.contains("RFC 7489 §7.1")
            ),
            "{:?}",
            set.notes
        );
        let (file, policy) = set.policy_file.unwrap();
        assert_eq!(file, std::path::PathBuf::from("/srv/mta-sts.txt"));
        assert!(policy.contains("mx: mail.example.com\r\nmx: mx2.backup.example.net\r\n"));
    }

    #[test]
    fn an_unreadable_key_is_a_cannot_not_a_silent_gap() {
        let mut m = declaration();
        m.dkim[0].key_file = fixture("missing.txt");
        m.tlsa.as_mut().unwrap().next_key_file = Some(fixture("missing.pem"));
        let set = build(&Inputs {
            domain: "example.com",
            zone: "example.com",
            mail: &m,
            addrs: &[ip("203.0.113.20")],
            old_addrs: &[],
            existing_spf: None,
        });
        let names: Vec<&str> = set.cannot.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            names,
            ["big._domainkey.example.com", "_25._tcp.mail.example.com"]
        );
        assert!(!set.records.iter().any(|w| w.purpose == Purpose::Tlsa));
    }

    #[test]
    fn slots_keep_txt_kinds_apart() {
        let spf = RecordData::Txt(vec!["v=spf1 -all".into()]);
        let token = RecordData::Txt(vec!["google-site-verification=x".into()]);
        assert_ne!(slot("example.com", &spf), slot("example.com", &token));
        assert_eq!(slot("example.com", &spf).2, "spf");
    }
}

//! `domains[].mail:`: the declared mail record set, its defaults and its errors.

use super::*;

/// `config_with` plus a `mail:` block from line 12 on.
fn with_mail(lines: &[&str]) -> String {
    let mut extra = vec!["    mail:"];
    extra.extend_from_slice(lines);
    config_with(&extra)
}

#[test]
fn the_contracts_mail_block_is_read() {
    let text = with_mail(&[
        "      mx:",
        "        - { host: mail.example.com, priority: 10 }",
        "        - { host: mx2.backup.example.net, priority: 20 }",
        "      spf:",
        "        all: \"-all\"",
        "        include: [spf.mail.qq.com]",
        "      dkim:",
        "        - selector: mail",
        "          key_file: /etc/opendkim/keys/example.com/mail.txt",
        "      dmarc:",
        "        p: quarantine",
        "        rua: [mailto:dmarc@example.com]",
        "        pct: 100",
        "        adkim: s",
        "      mta_sts:",
        "        mode: enforce",
        "        max_age: 7d",
        "        policy_file: /var/www/mta-sts/.well-known/mta-sts.txt",
        "      tls_rpt: [mailto:tlsrpt@example.com]",
        "      client_setup: true",
        "      tlsa:",
        "        cert_file: /etc/letsencrypt/live/mail.example.com/fullchain.pem",
        "      caa: [letsencrypt.org]",
    ]);
    let cfg = load_text(&text).unwrap().config;
    let m = cfg.domains[0].mail.as_ref().unwrap();
    assert_eq!(m.mx.len(), 2);
    assert_eq!(
        (m.mx[1].host.as_str(), m.mx[1].priority),
        ("mx2.backup.example.net", 20)
    );
    assert_eq!(m.spf.as_ref().unwrap().all, "-all");
    assert_eq!(m.dkim[0].selector, "mail");
    let d = m.dmarc.as_ref().unwrap();
    assert_eq!(
        (d.p.as_str(), d.pct, d.adkim.as_deref()),
        ("quarantine", Some(100), Some("s"))
    );
    let s = m.mta_sts.as_ref().unwrap();
    assert_eq!((s.mode, s.max_age.as_secs()), (MtaStsMode::Enforce, 604800));
    assert_eq!(m.client_setup, ClientService::DEFAULT.to_vec());
    assert_eq!(m.caa, ["letsencrypt.org"]);
    assert!(m.tlsa.is_some());
    // Without mail: nothing declared.
    assert!(load_text(&config_with(&[])).unwrap().config.domains[0]
        .mail
        .is_none());
}

#[test]
fn client_setup_as_a_list_of_services() {
    let cfg = load_text(&with_mail(&[
        "      mx: [{ host: mail.example.com }]",
        "      client_setup: [imaps, submissions]",
    ]))
    .unwrap()
    .config;
    let m = cfg.domains[0].mail.as_ref().unwrap();
    assert_eq!(
        m.client_setup,
        [ClientService::Submissions, ClientService::Imaps]
    );
    assert_eq!(m.mx[0].priority, 10);
}

#[test]
fn broken_mail_blocks_say_where_and_what() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["      mx:", "        - { host: mail.example.com, priority: high }"],
            "config.yaml:14: domains[0].mail.mx[0].priority: \"high\" is not a priority from 0 to 65535",
        ),
        (
            &["      spf:", "        all: \"+all\""],
            "config.yaml:14: domains[0].mail.spf.all: \"+all\" is not -all or ~all",
        ),
        (
            &["      dmarc:", "        p: block"],
            "config.yaml:14: domains[0].mail.dmarc.p: \"block\" is not none, quarantine or reject",
        ),
        (
            &["      dmarc:", "        p: none", "        pct: 150"],
            "config.yaml:15: domains[0].mail.dmarc.pct: \"150\" is not a percentage from 0 to 100",
        ),
        (
            &["      dmarc:", "        p: none", "        rua: [dmarc@example.com]"],
            "config.yaml:15: domains[0].mail.dmarc.rua[0]: \"dmarc@example.com\" is not a report address",
        ),
        (
            &["      dmarc:", "        p: none", "        aspf: loose"],
            "config.yaml:15: domains[0].mail.dmarc.aspf: \"loose\" is not r (relaxed) or s (strict)",
        ),
        (
            &["      dkim:", "        - selector: mail"],
            "config.yaml:14: domains[0].mail.dkim[0]: missing key_file",
        ),
        (
            &["      mx: [{ host: mail.example.com }]", "      mta_sts:", "        mode: strict", "        policy_file: /srv/p.txt"],
            "config.yaml:15: domains[0].mail.mta_sts.mode: \"strict\" is not testing or enforce",
        ),
        (
            &["      mta_sts:", "        policy_file: /srv/p.txt"],
            "config.yaml:13: domains[0].mail.mta_sts: needs the MX hosts it lists",
        ),
        (
            &["      client_setup: [imaps, smtp]"],
            "config.yaml:13: domains[0].mail.client_setup[1]: \"smtp\" is not a service",
        ),
        (
            &["      mx: [{ host: mail.example.com }]", "      tlsa:", "        cert_file: /c.pem", "        hosts: [other.example.com]"],
            "config.yaml:16: domains[0].mail.tlsa.hosts[0]: other.example.com is not one of the MX hosts",
        ),
        (
            &["      colour: blue"],
            "config.yaml:13: domains[0].mail.colour: unknown key",
        ),
    ];
    for (lines, want) in cases {
        let e = error_of(&with_mail(lines));
        assert!(e.contains(want), "want {want}\ngot {e}");
    }
}

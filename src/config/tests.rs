//! Whole-file tests: broken configurations with their exact messages, the contract's
//! example and the shipped `config.example.yaml`, secrets kept out of every output.

use super::error::ConfigError;
use super::load::{load_str_with_env, load_with_env, Loaded};
use super::providers::AliyunSignature;
use super::*;
use std::io::Write as _;
use std::path::Path;
use std::str::FromStr;

/// The environment of these tests: injected, so that parallel tests share no state.
fn env(name: &str) -> Option<String> {
    let value = match name {
        "CF_TOKEN" => "cf-token-0123456789abcdef",
        "ALI_SECRET" => "ali-secret-0123456789abcdef",
        "CF_API_TOKEN" => "cf-api-token-0123456789abcdef",
        "ALIYUN_ACCESS_KEY_ID" => "LTAI0123456789",
        "GODADDY_KEY" => "gd-key-0123456789abcdef",
        "GODADDY_SECRET" => "gd-secret-0123456789abcdef",
        "EMPTY" => "",
        _ => return None,
    };
    Some(value.to_string())
}

fn yaml(lines: &[&str]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn load_text(text: &str) -> Result<Loaded, ConfigError> {
    load_str_with_env(text, Path::new("config.yaml"), &env)
}

fn error_of(text: &str) -> String {
    match load_text(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Lines 1-9: two providers; a domain entry starts on line 10 (`domain:`) and line 11
/// (`provider:`); `extra` follows from line 12 on.
fn config_with(extra: &[&str]) -> String {
    let mut lines = vec![
        "providers:",                           // 1
        "  home-cf:",                           // 2
        "    type: cloudflare",                 // 3
        "    api_token: ${CF_TOKEN}",           // 4
        "  home-ali:",                          // 5
        "    type: aliyun",                     // 6
        "    access_key_id: LTAI123",           // 7
        "    access_key_secret: ${ALI_SECRET}", // 8
        "domains:",                             // 9
        "  - domain: example.com",              // 10
        "    provider: home-cf",                // 11
    ];
    lines.extend_from_slice(extra);
    yaml(&lines)
}

/// A config whose domain (line 10) is `name`.
fn domain_named(name: &str) -> String {
    config_with(&[]).replace("domain: example.com", &format!("domain: \"{name}\""))
}

#[test]
fn a_minimal_config_gets_every_default() {
    let loaded = load_text(&config_with(&[])).unwrap();
    let c = &loaded.config;
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert!(matches!(c.schedule, Schedule::Every(d) if d == Duration::from_secs(300)));
    assert_eq!(c.state_file, PathBuf::from("/var/lib/mxddns/state.json"));
    let ipv4: Vec<String> = c.detect.ipv4.iter().map(ToString::to_string).collect();
    assert_eq!(
        ipv4,
        [
            "https://api.ipify.org",
            "https://ipv4.icanhazip.com",
            "https://1.1.1.1/cdn-cgi/trace",
            "dns:opendns"
        ]
    );
    assert!(!c.detect.ipv6_enabled());
    assert_eq!(c.detect.quorum, None);
    assert_eq!(c.detect.timeout, Duration::from_secs(10));
    let d = &c.domains[0];
    assert_eq!(d.domain, "example.com");
    assert_eq!(d.provider, "home-cf");
    assert_eq!(d.host, None);
    assert_eq!(d.mode, HostMode::Address);
    assert_eq!(d.ttl, 600);
    assert_eq!(d.spf, SpfMode::Off);
    assert_eq!(d.zone, None);
    assert!(d.dkim_selectors.is_empty());
    assert_eq!(d.line, 10);
    assert!(c.dns.resolvers.is_empty());
    assert_eq!(c.dns.verify, VerifyMode::Authoritative);
    assert!(c.dns.authoritative.is_empty());
    assert_eq!(c.dns.verify_timeout, Duration::from_secs(300));
    assert_eq!(c.listen, None);
    match &c.providers["home-cf"].credentials {
        Credentials::Cloudflare { api_token } => {
            assert_eq!(api_token.expose(), "cf-token-0123456789abcdef")
        }
        other => panic!("{other:?}"),
    }
    match &c.providers["home-ali"].credentials {
        Credentials::Aliyun {
            access_key_id,
            access_key_secret,
            signature,
        } => {
            assert_eq!(access_key_id, "LTAI123");
            assert_eq!(access_key_secret.expose(), "ali-secret-0123456789abcdef");
            assert_eq!(*signature, AliyunSignature::V1);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.providers["home-cf"].endpoint, None);
}

#[test]
fn broken_configs_say_where_and_what() {
    let long_label = "a".repeat(64);
    let long_name = [
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(63),
    ]
    .join(".");
    let cases: Vec<(&str, String, String)> = vec![
        (
            "unknown top-level key",
            config_with(&["colour: blue"]),
            "config.yaml:12: colour: unknown key (valid keys here: schedule, state_file, detect, providers, domains, dns, listen, notify)".into(),
        ),
        (
            "unknown nested key, with a suggestion",
            config_with(&["    hots: mail.example.com"]),
            "config.yaml:12: domains[0].hots: unknown key — did you mean \"host\"? (valid keys here: domain, provider, host, type, target, ttl, spf, zone, dkim_selectors, ipv4, ipv6, mail)".into(),
        ),
        (
            "unknown key of a provider, with a suggestion",
            config_with(&[]).replace("    api_token: ${CF_TOKEN}", "    api_tokn: ${CF_TOKEN}"),
            "config.yaml:4: providers.home-cf.api_tokn: unknown key — did you mean \"api_token\"? (valid keys here: type, endpoint, tls_ca_file, api_token, api_token_file, access_key_id, access_key_secret, access_key_secret_file, signature, api_key, api_key_file, api_secret, api_secret_file, server, tsig_key_name, tsig_algorithm, tsig_secret, tsig_secret_file, secret_id, secret_key, secret_key_file, access_key, region)".into(),
        ),
        (
            "unknown provider reference",
            config_with(&[]).replace("provider: home-cf", "provider: home-cfx"),
            "config.yaml:11: domains[0].provider: no provider named \"home-cfx\" (defined: home-cf, home-ali) — did you mean \"home-cf\"?".into(),
        ),
        (
            "unknown provider reference, nothing close",
            config_with(&[]).replace("provider: home-cf", "provider: office"),
            "config.yaml:11: domains[0].provider: no provider named \"office\" (defined: home-cf, home-ali) — add it under providers:, or fix the name".into(),
        ),
        (
            "bad provider type",
            config_with(&[]).replace("type: cloudflare", "type: cloudfare"),
            "config.yaml:3: providers.home-cf.type: unknown provider type \"cloudfare\" (did you mean cloudflare?) — use cloudflare, aliyun, godaddy, rfc2136, dnspod or huaweicloud".into(),
        ),
        (
            "provider without a type",
            config_with(&[]).replace("    type: cloudflare\n", ""),
            "config.yaml:2: providers.home-cf: missing type — add type: cloudflare, aliyun, godaddy, rfc2136, dnspod or huaweicloud".into(),
        ),
        (
            "a key of another provider type",
            config_with(&[]).replace("    type: cloudflare\n", "    type: cloudflare\n    access_key_id: LTAI\n"),
            "config.yaml:4: providers.home-cf.access_key_id: is not a key of a cloudflare provider — a cloudflare provider takes api_token (or api_token_file) and endpoint".into(),
        ),
        (
            "missing credential",
            config_with(&[]).replace("    api_token: ${CF_TOKEN}\n", ""),
            "config.yaml:2: providers.home-cf: missing api_token — a cloudflare provider needs api_token (or api_token_file)".into(),
        ),
        (
            "bad aliyun signature",
            config_with(&[]).replace("    type: aliyun\n", "    type: aliyun\n    signature: v2\n"),
            "config.yaml:7: providers.home-ali.signature: \"v2\" is not v1 or v3 — v1 (HMAC-SHA1, the default) or v3 (ACS3-HMAC-SHA256)".into(),
        ),
        (
            "bad duration",
            config_with(&["detect:", "  timeout: 10 parsecs"]),
            "config.yaml:13: detect.timeout: \"10 parsecs\" is not a duration — write a number and a unit, such as 10s, 5m or 1h".into(),
        ),
        (
            "bad cron",
            config_with(&["schedule: \"0 */5 * * x *\""]),
            "config.yaml:12: schedule: \"0 */5 * * x *\" is not a valid cron expression: CRON_ERROR — write 6 fields with seconds first (\"0 */5 * * * *\") or the classic 5 (\"*/5 * * * *\")".into(),
        ),
        (
            "schedule too short",
            config_with(&["schedule: 500ms"]),
            "config.yaml:12: schedule: 500ms is too short — use at least 1s (30s or more in production)".into(),
        ),
        (
            "cron schedule too frequent",
            config_with(&["schedule: \"*/10 * * * * *\""]),
            "config.yaml:12: schedule: \"*/10 * * * * *\" runs more often than every 30s, which would hammer the registrar's API — run at most every 30s (for example \"0 */5 * * * *\")".into(),
        ),
        (
            "unset ${VAR}",
            config_with(&[]).replace("${CF_TOKEN}", "${MXDDNS_TEST_UNSET}"),
            "config.yaml:4: providers.home-cf.api_token: environment variable MXDDNS_TEST_UNSET is not set — set it, or use api_token_file".into(),
        ),
        (
            "unset ${VAR} in a plain value",
            config_with(&["    host: mail.${MAIL_DOMAIN}"]),
            "config.yaml:12: domains[0].host: environment variable MAIL_DOMAIN is not set — set it".into(),
        ),
        (
            "missing *_file",
            config_with(&[]).replace("api_token: ${CF_TOKEN}", "api_token_file: /nonexistent/mxddns-test/token"),
            "config.yaml:4: providers.home-cf.api_token_file: cannot read /nonexistent/mxddns-test/token: No such file or directory (os error 2) — check the path, and that mxddns may read the file".into(),
        ),
        (
            "both K and K_file",
            config_with(&[]).replace("    api_token: ${CF_TOKEN}\n", "    api_token: ${CF_TOKEN}\n    api_token_file: /run/secrets/cf\n"),
            "config.yaml:5: providers.home-cf.api_token_file: api_token is set as well — keep only one of api_token and api_token_file".into(),
        ),
        (
            "http endpoint on a non-loopback host",
            config_with(&[]).replace("    type: cloudflare\n", "    type: cloudflare\n    endpoint: http://api.cloudflare.com/client/v4\n"),
            "config.yaml:4: providers.home-cf.endpoint: \"http://api.cloudflare.com/client/v4\" uses plain http, which is accepted only for loopback addresses (127.0.0.1, [::1], localhost) — use https://".into(),
        ),
        (
            "endpoint that is not a URL",
            config_with(&[]).replace("    type: cloudflare\n", "    type: cloudflare\n    endpoint: api.cloudflare.com\n"),
            "config.yaml:4: providers.home-cf.endpoint: \"api.cloudflare.com\" is not a URL (relative URL without a base) — write the API base URL, such as https://api.example.com".into(),
        ),
        (
            "endpoint with a host in Unicode",
            config_with(&[]).replace("    type: cloudflare\n", "    type: cloudflare\n    endpoint: https://api.bücher.example/v4\n"),
            "config.yaml:4: providers.home-cf.endpoint: \"https://api.bücher.example/v4\" is not a URL (the host name has non-ASCII characters; write it in punycode (xn--…), for example with `idn2 NAME`) — write the API base URL, such as https://api.example.com".into(),
        ),
        (
            "endpoint with the same host in punycode is fine, but not over plain http",
            config_with(&[]).replace("    type: cloudflare\n", "    type: cloudflare\n    endpoint: http://api.xn--bcher-kva.example/v4\n"),
            "config.yaml:4: providers.home-cf.endpoint: \"http://api.xn--bcher-kva.example/v4\" uses plain http, which is accepted only for loopback addresses (127.0.0.1, [::1], localhost) — use https://".into(),
        ),
        (
            "domain with '/'",
            domain_named("https://example.com/"),
            "config.yaml:10: domains[0].domain: \"https://example.com/\" contains '/': that is a URL, not a name — write just the host name, such as mail.example.com".into(),
        ),
        (
            "domain with '?'",
            domain_named("example.com?"),
            "config.yaml:10: domains[0].domain: \"example.com?\" contains '?': that is a URL, not a name — write just the host name, such as mail.example.com".into(),
        ),
        (
            "domain with '#'",
            domain_named("example.com#mx"),
            "config.yaml:10: domains[0].domain: \"example.com#mx\" contains '#': that is a URL, not a name — write just the host name, such as mail.example.com".into(),
        ),
        (
            "domain with '@'",
            domain_named("postmaster@example.com"),
            "config.yaml:10: domains[0].domain: \"postmaster@example.com\" contains '@': that is an e-mail address, not a name — write the domain after the '@'".into(),
        ),
        (
            "domain with ':'",
            domain_named("example.com:25"),
            "config.yaml:10: domains[0].domain: \"example.com:25\" contains ':' — write the name without a scheme or port, such as mail.example.com".into(),
        ),
        (
            "domain with '\\'",
            domain_named("example\\\\com"),
            "config.yaml:10: domains[0].domain: \"example\\com\" contains '\\' — write a plain name such as mail.example.com".into(),
        ),
        (
            "domain with a space",
            domain_named("example com"),
            "config.yaml:10: domains[0].domain: \"example com\" contains a space — write a single name such as mail.example.com".into(),
        ),
        (
            "domain with an empty label",
            domain_named("example..com"),
            "config.yaml:10: domains[0].domain: \"example..com\" has an empty label (\"..\" or a leading dot) — remove the extra dot".into(),
        ),
        (
            "domain with a label over 63",
            domain_named(&format!("{long_label}.com")),
            format!("config.yaml:10: domains[0].domain: \"{long_label}.com\": the label \"{long_label}\" is 64 characters long, more than the 63 a label may have"),
        ),
        (
            "domain over 253",
            domain_named(&long_name),
            format!("config.yaml:10: domains[0].domain: \"{long_name}\" is 255 characters long, more than the 253 a DNS name may have"),
        ),
        (
            "label starting with '-'",
            domain_named("-example.com"),
            "config.yaml:10: domains[0].domain: \"-example.com\": the label \"-example\" starts or ends with '-', which DNS names may not".into(),
        ),
        (
            "label ending with '-'",
            domain_named("example-.com"),
            "config.yaml:10: domains[0].domain: \"example-.com\": the label \"example-\" starts or ends with '-', which DNS names may not".into(),
        ),
        (
            "non-ASCII name",
            domain_named("bücher.example"),
            "config.yaml:10: domains[0].domain: \"bücher.example\" has non-ASCII characters — write the name in punycode (xn--…), for example with `idn2 bücher.example`".into(),
        ),
        (
            "bad host",
            config_with(&["    host: mail_server@example.com"]),
            "config.yaml:12: domains[0].host: \"mail_server@example.com\" contains '@': that is an e-mail address, not a name — write the domain after the '@'".into(),
        ),
        (
            "CNAME without target",
            config_with(&["    host: mail.example.com", "    type: cname"]),
            "config.yaml:13: domains[0].target: missing — type: CNAME needs a target: a fixed name, \"{ptr}\", or a template such as \"{ip4-dashed}.sslip.io\"".into(),
        ),
        (
            "target with type A",
            config_with(&["    type: A", "    target: home.example.net"]),
            "config.yaml:13: domains[0].target: is only for type: CNAME — remove it, or set type: CNAME".into(),
        ),
        (
            "bad placeholder",
            config_with(&["    host: mail.example.com", "    type: CNAME", "    target: \"{ip}.sslip.io\""]),
            "config.yaml:14: domains[0].target: \"{ip}.sslip.io\" has an unknown placeholder {ip} — use {ip4}, {ip4-dashed}, {ip6-dashed}, or \"{ptr}\" alone".into(),
        ),
        (
            "CNAME at the mail domain itself",
            config_with(&["    host: example.com", "    type: CNAME", "    target: \"{ptr}\""]),
            "config.yaml:12: domains[0].host: example.com owns the MX record, so it cannot be a CNAME — set host: to the MX host's own name, or use type: A".into(),
        ),
        (
            "AAAA type",
            config_with(&["    type: AAAA"]),
            "config.yaml:12: domains[0].type: use type: A — the AAAA record is kept along with the A record when detect.ipv6 has sources".into(),
        ),
        (
            "ttl too small",
            config_with(&["    ttl: 30"]),
            "config.yaml:12: domains[0].ttl: \"30\" is not a TTL from 60 to 86400 — write a number of seconds, such as 600".into(),
        ),
        (
            "ttl too large",
            config_with(&["    ttl: 100000"]),
            "config.yaml:12: domains[0].ttl: \"100000\" is not a TTL from 60 to 86400 — write a number of seconds, such as 600".into(),
        ),
        (
            "bad spf",
            config_with(&["    spf: maybe"]),
            "config.yaml:12: domains[0].spf: \"maybe\" is not true, false or create — true keeps this network's ip4:/ip6: term current in the SPF record, create also writes an SPF record when there is none".into(),
        ),
        (
            "zone not around the domain",
            config_with(&["    zone: example.org"]),
            "config.yaml:12: domains[0].zone: the domain example.com is not inside the zone example.org — zone must be example.com or a parent of it".into(),
        ),
        (
            "bad dkim selector",
            config_with(&["    dkim_selectors: [mail, \"bad sel\"]"]),
            "config.yaml:12: domains[0].dkim_selectors[1]: \"bad sel\" contains a space — write a single name such as mail.example.com".into(),
        ),
        (
            "bad resolver address",
            config_with(&["dns:", "  resolvers: [1.1.1.1, dns.google]"]),
            "config.yaml:13: dns.resolvers[1]: \"dns.google\" is not an IP address — write IP, IP:PORT or [IPv6]:PORT, such as 192.168.1.1 or [2606:4700:4700::1111]:53 (not a name: it would need a resolver to be found)".into(),
        ),
        (
            "bad authoritative server",
            config_with(&["dns:", "  authoritative:", "    - ns1.example.net:dns"]),
            "config.yaml:14: dns.authoritative[0]: \"ns1.example.net:dns\": \"dns\" is not a port — write host:port such as ns1.example.net:53".into(),
        ),
        (
            "bad verify mode",
            config_with(&["dns:", "  verify: recursive"]),
            "config.yaml:13: dns.verify: \"recursive\" is not one of authoritative, resolvers, off — authoritative asks the zone's own servers (the default)".into(),
        ),
        (
            "quorum too large",
            config_with(&["detect:", "  ipv4: [dns:opendns, dns:google]", "  quorum: 3"]),
            "config.yaml:14: detect.quorum: 3 is more than the 2 detect.ipv4 sources — use at most 2, or remove it to take a majority of those that answer".into(),
        ),
        (
            "quorum zero",
            config_with(&["detect:", "  quorum: 0"]),
            "config.yaml:13: detect.quorum: must be at least 1 — or remove it to take a majority of the sources that answer".into(),
        ),
        (
            "bad ip source",
            config_with(&["detect:", "  ipv4:", "    - http://api.ipify.org"]),
            "config.yaml:14: detect.ipv4[0]: 'http://api.ipify.org' uses plain http: only https is accepted, except for loopback addresses".into(),
        ),
        (
            "ip source twice",
            config_with(&["detect:", "  ipv4:", "    - dns:opendns", "    - dns:opendns"]),
            "config.yaml:15: detect.ipv4[1]: \"dns:opendns\" is listed twice (first as detect.ipv4[0]) — remove one: each source counts once toward the quorum".into(),
        ),
        (
            "empty ipv4 list",
            config_with(&["detect:", "  ipv4: []"]),
            "config.yaml:13: detect.ipv4: is empty — list at least one source, remove the key to use the built-in ones, or write `ipv4: off` for an IPv6-only line".into(),
        ),
        (
            "duplicate domain",
            config_with(&["  - domain: Example.COM.", "    provider: home-ali"]),
            "config.yaml:12: domains[1].domain: example.com is listed twice (first on line 10) — keep one entry per domain".into(),
        ),
        (
            "bad listen",
            config_with(&["listen: 9617"]),
            "config.yaml:12: listen: \"9617\" is not an address and port — write IP:PORT, such as 127.0.0.1:9617".into(),
        ),
        (
            "no domains",
            yaml(&["schedule: 5m"]),
            "config.yaml:1: domains: no domains configured — add at least one entry with domain: and provider: (see config.example.yaml)".into(),
        ),
        (
            "a key written twice",
            config_with(&["    ttl: 300", "    ttl: 600"]),
            "config.yaml:13: domains[0].ttl: written twice (first on line 12) — keep one of them".into(),
        ),
        (
            "a list where a value belongs",
            config_with(&["    ttl: [600]"]),
            "config.yaml:12: domains[0].ttl: must be a single value, not a list".into(),
        ),
        (
            "a value where a list belongs",
            config_with(&["detect:", "  ipv4: dns:opendns"]),
            "config.yaml:13: detect.ipv4: must be a list (\"- item\" lines, or [a, b]), not a single value — or the word off, for a line without this address family".into(),
        ),
        (
            "a YAML merge key",
            config_with(&["  - &base", "    domain: example.net", "    provider: home-ali", "  - <<: *base", "    domain: example.org"]),
            "config.yaml:15: domains[2].<<: merge keys (<<: *anchor) are not supported — write the keys of each entry out in full".into(),
        ),
        (
            "YAML syntax error",
            config_with(&["    ttl: 600: 300"]),
            "config.yaml:12: YAML syntax error: mapping values are not allowed in this context — check the indentation, and quote values that contain \": \" or start with a special character".into(),
        ),
    ];
    let cron_error = cron::Schedule::from_str("0 */5 * * x *")
        .unwrap_err()
        .to_string();
    let mut failures = Vec::new();
    for (name, text, want) in cases {
        let want = want.replace("CRON_ERROR", &cron_error);
        let got = error_of(&text);
        if got != want {
            failures.push(format!("{name}:\n  got:  {got}\n  want: {want}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_problem_is_reported_in_file_order() {
    let text = config_with(&["    ttl: 5", "    spf: perhaps"])
        .replace("type: cloudflare", "type: cloudfare")
        .replace("schedule", "x");
    let err = load_text(&text).unwrap_err();
    let lines: Vec<(usize, &str)> = err
        .problems()
        .iter()
        .map(|p| (p.line, p.key.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (3, "providers.home-cf.type"),
            (12, "domains[0].ttl"),
            (13, "domains[0].spf")
        ]
    );
    assert_eq!(err.to_string().lines().count(), 3);
}

/// The example of the contract (shared/design/interface.md, "Configuration (YAML)"),
/// verbatim.
const CONTRACT_EXAMPLE: &str = r#"schedule: 5m                  # a duration (30s, 5m, 1h) or a cron expression ("0 */5 * * * *")
state_file: /var/lib/mxddns/state.json

detect:
  ipv4:                       # sources, asked at once; default: a built-in list of public ones
    - https://api.ipify.org           # plain-text answer
    - https://1.1.1.1/cdn-cgi/trace   # 'ip=' line in a key=value answer
    - dns:opendns                     # also dns:cloudflare, dns:google
    # - interface:eth0                # the global address on a local interface (router WAN)
    # - cmd:/usr/local/bin/wan-ip     # a command that prints the address
  ipv6: []                    # empty or absent: IPv6 off
  quorum: 2                   # sources that must agree; default: a majority of those that answered
  timeout: 10s

providers:                    # named accounts; domains refer to them by name
  home-cf:
    type: cloudflare
    api_token: ${CF_API_TOKEN}
  home-ali:
    type: aliyun
    access_key_id: ${ALIYUN_ACCESS_KEY_ID}
    access_key_secret_file: /run/secrets/aliyun
  home-gd:
    type: godaddy
    api_key: ${GODADDY_KEY}
    api_secret: ${GODADDY_SECRET}
  # every provider also takes `endpoint:` — the API base URL (a regional endpoint, a proxy,
  # a test server). Plain http:// is accepted only for loopback addresses.

domains:
  - domain: example.com       # the mail domain: the owner of the MX record
    provider: home-cf
    host: mail.example.com    # the name that must reach this network; default: the domain's MX host
    type: A                   # A (plus AAAA when ipv6 sources are set) | CNAME
    # target: "{ptr}"         # CNAME only: a fixed name, "{ptr}" (the ISP's reverse name of the
    #                         #   address), or a template such as "{ip4-dashed}.sslip.io"
    ttl: 600
    spf: true                 # keep this network's ip4:/ip6: term current in the domain's SPF record
    # zone: example.com       # the zone at the provider, when it is not the registrable domain
    # dkim_selectors: [mail]  # for `check`

dns:
  resolvers: []               # "ip" or "ip:port"; every recursive look-up (MX, NS, PTR, SPF includes,
                              #   blocklists) goes through them; default: the system's resolv.conf
  verify: authoritative       # authoritative | resolvers | off
  authoritative: []           # verify against these servers ("host:port") instead of the zone's NS
  verify_timeout: 5m

listen: 127.0.0.1:9617        # optional: /healthz and /metrics of the running service
"#;

/// A secret file in a fresh temporary directory (kept alive by the returned guard).
fn secret_file(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, content).unwrap();
    // As a user keeps it: readable by the owner only (no warning).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    (dir, path)
}

/// Both examples say the same thing; check everything they say.
fn check_example(c: &Config) {
    assert!(matches!(c.schedule, Schedule::Every(d) if d == Duration::from_secs(300)));
    assert_eq!(c.state_file, PathBuf::from("/var/lib/mxddns/state.json"));
    let ipv4: Vec<String> = c.detect.ipv4.iter().map(ToString::to_string).collect();
    assert_eq!(
        ipv4,
        [
            "https://api.ipify.org",
            "https://1.1.1.1/cdn-cgi/trace",
            "dns:opendns"
        ]
    );
    assert!(c.detect.ipv6.is_empty());
    assert_eq!(c.detect.quorum, Some(2));
    assert_eq!(c.detect.timeout, Duration::from_secs(10));
    assert_eq!(
        c.providers.keys().collect::<Vec<_>>(),
        ["home-ali", "home-cf", "home-gd"]
    );
    assert_eq!(c.providers["home-cf"].kind(), "cloudflare");
    assert_eq!(c.providers["home-cf"].name, "home-cf");
    match &c.providers["home-cf"].credentials {
        Credentials::Cloudflare { api_token } => {
            assert_eq!(api_token.expose(), "cf-api-token-0123456789abcdef")
        }
        other => panic!("{other:?}"),
    }
    match &c.providers["home-ali"].credentials {
        Credentials::Aliyun {
            access_key_id,
            access_key_secret,
            signature,
        } => {
            assert_eq!(access_key_id, "LTAI0123456789");
            assert_eq!(access_key_secret.expose(), "aliyun-secret-from-file");
            assert_eq!(*signature, AliyunSignature::V1);
        }
        other => panic!("{other:?}"),
    }
    match &c.providers["home-gd"].credentials {
        Credentials::GoDaddy {
            api_key,
            api_secret,
        } => {
            assert_eq!(api_key.expose(), "gd-key-0123456789abcdef");
            assert_eq!(api_secret.expose(), "gd-secret-0123456789abcdef");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.domains.len(), 1);
    let d = &c.domains[0];
    assert_eq!(d.domain, "example.com");
    assert_eq!(d.provider, "home-cf");
    assert_eq!(d.host.as_deref(), Some("mail.example.com"));
    assert_eq!(d.mode, HostMode::Address);
    assert_eq!(d.ttl, 600);
    assert_eq!(d.spf, SpfMode::Keep);
    assert_eq!(d.zone, None);
    assert!(d.dkim_selectors.is_empty());
    assert!(c.dns.resolvers.is_empty());
    assert_eq!(c.dns.verify, VerifyMode::Authoritative);
    assert!(c.dns.authoritative.is_empty());
    assert_eq!(c.dns.verify_timeout, Duration::from_secs(300));
    assert_eq!(c.listen, Some("127.0.0.1:9617".parse().unwrap()));
}

#[test]
fn the_contract_example_parses() {
    let (_dir, secret) = secret_file("aliyun-secret-from-file\n");
    let text = CONTRACT_EXAMPLE.replace("/run/secrets/aliyun", &secret.display().to_string());
    let loaded = load_text(&text).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    check_example(&loaded.config);
    assert_eq!(loaded.config.domains[0].line, 31);
}

#[test]
fn the_shipped_example_parses() {
    // As copied, with only its one provider's variable set (issue 11).
    let text = include_str!("../../config.example.yaml");
    let only_cf = |name: &str| (name == "CF_API_TOKEN").then(|| env(name)).flatten();
    let loaded = load_str_with_env(text, Path::new("config.yaml"), &only_cf).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = &loaded.config;
    assert_eq!(c.providers.keys().collect::<Vec<_>>(), ["home-cf"]);
    assert_eq!(c.domains[0].provider, "home-cf");
    // The other registrars, enabled as its comment says, give the contract's example.
    assert!(text.contains("/run/secrets/aliyun"));
    let (_dir, secret) = secret_file("  aliyun-secret-from-file \n\n");
    let mut all = String::new();
    let mut in_other = false;
    for line in text.lines() {
        if line.starts_with("  # home-ali:") || line.starts_with("  # home-gd:") {
            in_other = true;
        } else if !line.starts_with("  #   ") {
            in_other = false;
        }
        let line = if in_other {
            line.replacen("  # ", "  ", 1)
        } else {
            line.to_string()
        };
        all.push_str(&line);
        all.push('\n');
    }
    let all = all.replace("/run/secrets/aliyun", &secret.display().to_string());
    let loaded = load_text(&all).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    check_example(&loaded.config);
}

#[test]
fn the_shipped_example_uses_only_contract_keys() {
    // Every key the example sets, commented out or not, is one the contract names.
    let contract_keys: Vec<&str> = CONTRACT_EXAMPLE
        .lines()
        .filter_map(|l| key_of(l.trim_start().trim_start_matches("# ")))
        .collect();
    let mut seen = Vec::new();
    for line in include_str!("../../config.example.yaml").lines() {
        let l = line.trim_start();
        let mut l = l.strip_prefix("# ").unwrap_or(l);
        // A commented-out provider entry ("  #   type: aliyun", "  #   # signature: v1"),
        // as opposed to a comment continued in the right-hand column.
        if line.len() - line.trim_start().len() <= 4 {
            l = l.trim_start();
            l = l.strip_prefix("# ").unwrap_or(l);
        }
        if let Some(key) = key_of(l) {
            seen.push(key);
            assert!(
                // The contract names these two in prose: `endpoint:`, `signature: v1|v3`;
                // `notify:` comes from issue 6, newer than the contract.
                contract_keys.contains(&key)
                    || key == "endpoint"
                    || key == "signature"
                    || NOTIFY_KEYS.contains(&key),
                "config.example.yaml: key {key} is not in the contract"
            );
        }
    }
    // The commented-out options were looked at too.
    for key in [
        "target",
        "zone",
        "dkim_selectors",
        "signature",
        "endpoint",
        "notify",
    ] {
        assert!(seen.contains(&key), "{key} not found in {seen:?}");
    }
}

/// The keys of `notify:` entries (issue 6).
const NOTIFY_KEYS: [&str; 7] = [
    "notify",
    "url",
    "method",
    "headers",
    "body",
    "on",
    "after_failures",
];

/// `key` of a `key: value` line that starts with a lowercase key.
fn key_of(line: &str) -> Option<&str> {
    let line = line.strip_prefix("- ").unwrap_or(line);
    let (key, _) = line.split_once(':')?;
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-'))
    .then_some(key)
    .filter(|k| {
        !k.starts_with("home-") && !matches!(*k, "https" | "dns" | "interface" | "cmd" | "http")
    })
}

#[test]
fn file_secrets_are_read_once_and_trimmed() {
    let (_dir, secret) = secret_file("\n  tok-0123456789 \t\n\n");
    let text = config_with(&[]).replace(
        "api_token: ${CF_TOKEN}",
        &format!("api_token_file: {}", secret.display()),
    );
    let loaded = load_text(&text).unwrap();
    // The file may change or go away later: the value is kept from the start.
    std::fs::remove_file(&secret).unwrap();
    match &loaded.config.providers["home-cf"].credentials {
        Credentials::Cloudflare { api_token } => assert_eq!(api_token.expose(), "tok-0123456789"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn relative_file_paths_are_taken_from_the_config_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cf.token"), "tok-relative\n").unwrap();
    let text = config_with(&["state_file: state.json"])
        .replace("api_token: ${CF_TOKEN}", "api_token_file: cf.token");
    let loaded = load_str_with_env(&text, &dir.path().join("config.yaml"), &env).unwrap();
    match &loaded.config.providers["home-cf"].credentials {
        Credentials::Cloudflare { api_token } => assert_eq!(api_token.expose(), "tok-relative"),
        other => panic!("{other:?}"),
    }
    assert_eq!(loaded.config.state_file, dir.path().join("state.json"));
}

#[test]
fn empty_secrets_are_refused() {
    let (_dir, blank) = secret_file(" \n");
    let cases = [
        (
            config_with(&[]).replace("${CF_TOKEN}", "${EMPTY}"),
            "config.yaml:4: providers.home-cf.api_token: is empty: the environment variable EMPTY is set but empty — set it to the api_token, or use api_token_file".to_string(),
        ),
        (
            config_with(&[]).replace(
                "api_token: ${CF_TOKEN}",
                &format!("api_token_file: {}", blank.display()),
            ),
            format!(
                "config.yaml:4: providers.home-cf.api_token_file: {} is empty — put the api_token in it",
                blank.display()
            ),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(error_of(&text), want);
    }
}

/// A recognisable secret: it must never be printed.
const CANARY: &str = "CANARY-s3cr3t-7f3a9c1e55d2";

#[test]
fn secrets_never_appear_in_errors() {
    let (_dir, file) = secret_file(CANARY);
    let file = file.display().to_string();
    let texts = vec![
        // An unset variable on the secret's own line.
        config_with(&[]).replace("${CF_TOKEN}", &format!("{CANARY}${{MXDDNS_UNSET}}")),
        // An unclosed ${ on the secret's line.
        config_with(&[]).replace("${CF_TOKEN}", &format!("\"{CANARY}${{\"")),
        config_with(&[]).replace("${CF_TOKEN}", &format!("\"{CANARY}${{bad name}}\"")),
        // Both forms.
        config_with(&[]).replace(
            "api_token: ${CF_TOKEN}",
            &format!("api_token: {CANARY}\n    api_token_file: {file}"),
        ),
        // The secret under a provider type that does not take it.
        config_with(&[])
            .replace("${ALI_SECRET}", "x\n    api_token: CANARY")
            .replace("CANARY", CANARY),
        // A misspelt secret key.
        config_with(&[]).replace("api_token: ${CF_TOKEN}", &format!("api_tokn: {CANARY}")),
        // A missing space after the colon, in a flow mapping.
        config_with(&[]).replace(
            "  home-cf:\n    type: cloudflare\n    api_token: ${CF_TOKEN}",
            &format!("  home-cf: {{type: cloudflare, api_token:{CANARY}}}"),
        ),
        // Indentation gone: the secret becomes the value of a provider.
        config_with(&[]).replace(
            "    api_token: ${CF_TOKEN}",
            &format!("  api_token: {CANARY}"),
        ),
        // The secret where a list or a mapping is expected, and numeric.
        config_with(&["detect:", &format!("  ipv4: {CANARY}")]),
        config_with(&[]).replace("providers:\n", &format!("providers: {CANARY}\nx:\n")),
        config_with(&["    ttl: [1]"]).replace("${CF_TOKEN}", "1234567890123"),
        config_with(&[]).replace("${CF_TOKEN}", &format!("[{CANARY}]")),
        config_with(&[]).replace("${CF_TOKEN}", &format!("{{{CANARY}: 1}}")),
        // YAML syntax errors on the secret's line.
        config_with(&[]).replace("${CF_TOKEN}", &format!("{CANARY}: x")),
        config_with(&[]).replace("${CF_TOKEN}", &format!("'{CANARY}")),
        config_with(&[]).replace("${CF_TOKEN}", &format!("\"{CANARY}\" x")),
        // The secret read from a file, with another error in the file.
        config_with(&["    ttl: 1"])
            .replace("api_token: ${CF_TOKEN}", &format!("api_token_file: {file}")),
    ];
    for text in texts {
        let err = load_text(&text)
            .err()
            .unwrap_or_else(|| panic!("accepted:\n{text}"));
        let shown = format!("{err}\n{err:?}");
        assert!(!shown.contains("CANARY"), "{shown}\n--- for ---\n{text}");
        assert!(
            !shown.contains("1234567890123"),
            "{shown}\n--- for ---\n{text}"
        );
    }
}

#[test]
fn secrets_never_appear_in_the_plan_or_debug() {
    let (_dir, file) = secret_file(CANARY);
    let text = config_with(&[]).replace(
        "api_token: ${CF_TOKEN}",
        &format!("api_token_file: {}", file.display()),
    );
    let text = text.replace("${ALI_SECRET}", CANARY);
    let loaded = load_text(&text).unwrap();
    let plan = render_plan(&loaded.config);
    let debug = format!("{:?}", loaded);
    for shown in [&plan, &debug] {
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
    // The masked form: the last 4 characters of long secrets, to tell keys apart.
    assert!(plan.contains("api_token ***55d2"), "{plan}");
    assert!(plan.contains("access_key_secret ***55d2"), "{plan}");
}

#[test]
fn the_plan_says_what_the_config_means() {
    let text = config_with(&[
        "    host: mail.example.com",
        "    type: CNAME",
        "    target: \"{ip4-dashed}.sslip.io\"",
        "    spf: create",
        "    zone: example.com",
        "    dkim_selectors: [mail, s2]",
        "  - domain: example.org",
        "    provider: home-ali",
        "schedule: \"*/5 * * * *\"",
        "detect:",
        "  ipv6: [https://api64.ipify.org]",
        "dns:",
        "  resolvers: [192.168.1.1]",
        "  authoritative: [\"ns1.example.net:5353\"]",
        "listen: 127.0.0.1:9617",
    ])
    .replace(
        "    type: aliyun\n",
        "    type: aliyun\n    endpoint: https://alidns.cn-hangzhou.aliyuncs.com\n    signature: v3\n",
    );
    let loaded = load_text(&text).unwrap();
    let plan = render_plan(&loaded.config);
    let expected_lines = [
        "Configuration config.yaml is valid.",
        "Schedule:   cron \"*/5 * * * *\" (local time)",
        "            classic 5-field form, read with seconds first as \"0 */5 * * * *\"",
        "State file: /var/lib/mxddns/state.json",
        "  IPv4 sources: https://api.ipify.org, https://ipv4.icanhazip.com, https://1.1.1.1/cdn-cgi/trace, dns:opendns",
        "  IPv6 sources: https://api64.ipify.org",
        "  quorum: a majority of the sources that answer",
        "  timeout: 10s",
        "  home-ali: aliyun, endpoint https://alidns.cn-hangzhou.aliyuncs.com",
        "    access_key_id ***, access_key_secret ***cdef, signature v3 (ACS3-HMAC-SHA256)",
        "  home-cf: cloudflare, default endpoint",
        "    api_token ***cdef",
        "  example.com (provider home-cf)",
        "    host: mail.example.com",
        "    record: CNAME to \"{ip4-dashed}.sslip.io\", filled in with the address",
        "    ttl: 600s",
        "    spf: keep this network's ip4:/ip6: term current, creating the SPF record if missing",
        "    zone: example.com",
        "    dkim selectors: mail, s2",
        "  example.org (provider home-ali)",
        "    host: the MX host found in DNS",
        "    record: A and AAAA",
        "    spf: left alone",
        "    zone: found through DNS",
        "  resolvers: 192.168.1.1:53",
        "  verify: at ns1.example.net:5353",
        "  verify timeout: 5m",
        "Health and metrics: http://127.0.0.1:9617/healthz, /metrics",
    ];
    for line in expected_lines {
        assert!(
            plan.lines().any(|l| l == line),
            "missing {line:?} in\n{plan}"
        );
    }
    let next = plan
        .lines()
        .find_map(|l| l.trim().strip_prefix("next runs: "))
        .unwrap_or_else(|| panic!("{plan}"));
    assert_eq!(next.split(", ").count(), 3, "{next}");
    for run in next.split(", ") {
        // "%Y-%m-%d %H:%M:%S %:z", at second 0 of a minute divisible by 5.
        let minute: u32 = run[14..16].parse().unwrap();
        assert_eq!(minute % 5, 0, "{run}");
        assert_eq!(&run[17..19], "00", "{run}");
    }
}

#[test]
fn warnings_that_do_not_stop_the_agent() {
    let text = config_with(&[
        "dns:",
        "  verify: resolvers",
        "  authoritative: [ns1.example.net]",
        "listen: 0.0.0.0:9617",
    ]);
    let loaded = load_text(&text).unwrap();
    assert_eq!(
        loaded.warnings,
        [
            "config.yaml:14: dns.authoritative: is not used because dns.verify is not \"authoritative\"",
            "config.yaml:15: listen: 0.0.0.0:9617 can be reached from other machines, and /healthz and /metrics have no authentication",
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_config_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(config_with(&[]).as_bytes()).unwrap();
    drop(f);
    let file = path.display();

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loaded = load_with_env(&path, &env).unwrap();
    assert_eq!(
        loaded.warnings,
        [format!(
            "{file}: readable by group or others (mode 0644) and it may hold secrets — run: chmod 600 {file}"
        )]
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let loaded = load_with_env(&path, &env).unwrap();
    assert!(
        loaded.warnings[0].contains("(mode 0640)"),
        "{:?}",
        loaded.warnings
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let loaded = load_with_env(&path, &env).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn an_unreadable_file_names_its_path() {
    let err = load(Path::new("/nonexistent/mxddns/config.yaml")).unwrap_err();
    assert!(err.problems().is_empty());
    assert_eq!(
        err.to_string(),
        "/nonexistent/mxddns/config.yaml: cannot read the configuration file: No such file or directory (os error 2) — check the path given with --config or MXDDNS_CONFIG"
    );
}

#[test]
fn dollar_dollar_and_variables_in_plain_values() {
    let text = config_with(&[
        "    host: ${MAIL_HOST}",
        "state_file: /var/lib/$$x/state.json",
    ]);
    let env = |name: &str| match name {
        "MAIL_HOST" => Some("MX.Example.com".to_string()),
        other => env(other),
    };
    let loaded = load_str_with_env(&text, Path::new("config.yaml"), &env).unwrap();
    assert_eq!(
        loaded.config.domains[0].host.as_deref(),
        Some("mx.example.com")
    );
    assert_eq!(
        loaded.config.state_file,
        PathBuf::from("/var/lib/$x/state.json")
    );
}

#[test]
fn yaml_words_that_look_like_booleans_stay_words() {
    let text = config_with(&["    spf: True", "dns:", "  verify: off"]);
    let c = load_text(&text).unwrap().config;
    assert_eq!(c.domains[0].spf, SpfMode::Keep);
    assert_eq!(c.dns.verify, VerifyMode::Off);
}

#[test]
fn plain_http_endpoints_on_loopback_are_accepted() {
    for endpoint in [
        "http://127.0.0.1:8080/client/v4",
        "http://[::1]:8080",
        "http://localhost:8080",
        "https://api.cloudflare.com/client/v4",
    ] {
        let text = config_with(&[]).replace(
            "    type: cloudflare\n",
            &format!("    type: cloudflare\n    endpoint: {endpoint}\n"),
        );
        let c = load_text(&text).unwrap().config;
        assert_eq!(c.providers["home-cf"].endpoint.as_deref(), Some(endpoint));
    }
}

mod mail;
mod notify;

#[test]
fn rfc2136_reads_a_bind_key_file_and_checks_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = "key \"mxddns-key\" {\n\talgorithm hmac-sha512;\n\tsecret \"c2VjcmV0c2VjcmV0c2VjcmV0\";\n};\n";
    std::fs::write(dir.path().join("mxddns-key.key"), key).unwrap();
    let base = "providers:\n  own:\n    type: rfc2136\n    server: 192.0.2.53\n    tsig_secret_file: mxddns-key.key\nEXTRAdomains:\n  - domain: example.com\n    provider: own\n";
    let load = |extra: &str| {
        load_str_with_env(
            &base.replace("EXTRA", extra),
            &dir.path().join("config.yaml"),
            &env,
        )
    };
    let loaded = load("").unwrap();
    match &loaded.config.providers["own"].credentials {
        Credentials::Rfc2136 { server, key } => {
            assert_eq!(server, "192.0.2.53:53");
            assert_eq!(key.name, "mxddns-key");
            assert_eq!(key.algorithm.as_str(), "hmac-sha512");
            assert_eq!(key.secret.expose(), "c2VjcmV0c2VjcmV0c2VjcmV0");
        }
        other => panic!("{other:?}"),
    }
    let e = load("    tsig_key_name: other-key\n")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("the key file names the key \"mxddns-key\""),
        "{e}"
    );
    let e = load("    tsig_algorithm: hmac-sha256\n")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("the key file says hmac-sha512"), "{e}");
    assert!(!e.contains("c2VjcmV0"), "{e}");
    let e = load("    tsig_algorithm: hmac-md5\n")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("hmac-sha256, hmac-sha512 or hmac-sha1"), "{e}");
}

#[test]
fn dnspod_takes_a_secret_id_and_key() {
    let text = "providers:\n  dp:\n    type: dnspod\n    secret_id: AKIDabc\n    secret_key: ${CF_TOKEN}\ndomains:\n  - domain: example.com\n    provider: dp\n";
    let loaded = load_text(text).unwrap();
    match &loaded.config.providers["dp"].credentials {
        Credentials::Dnspod {
            secret_id,
            secret_key,
        } => {
            assert_eq!(secret_id, "AKIDabc");
            assert!(!secret_key.expose().is_empty());
        }
        other => panic!("{other:?}"),
    }
    let e = error_of(&text.replace("    secret_id: AKIDabc\n", ""));
    assert!(e.contains("missing secret_id"), "{e}");
}

#[test]
fn huaweicloud_takes_an_access_key_and_region() {
    let text = "providers:\n  hw:\n    type: huaweicloud\n    access_key: HPUAEXAMPLEAK\n    secret_key: ${CF_TOKEN}\n    region: cn-south-1\ndomains:\n  - domain: example.com\n    provider: hw\n";
    let loaded = load_text(text).unwrap();
    match &loaded.config.providers["hw"].credentials {
        Credentials::HuaweiCloud {
            access_key,
            secret_key,
            region,
        } => {
            assert_eq!(access_key, "HPUAEXAMPLEAK");
            assert!(!secret_key.expose().is_empty());
            assert_eq!(region.as_deref(), Some("cn-south-1"));
        }
        other => panic!("{other:?}"),
    }
    let e = error_of(&text.replace("    access_key: HPUAEXAMPLEAK\n", ""));
    assert!(e.contains("missing access_key"), "{e}");
    let e = error_of(&text.replace("cn-south-1", "dns.evil.example/x"));
    assert!(e.contains("is not a Huawei Cloud region id"), "{e}");
    let e = error_of(&text.replace("    secret_key: ${CF_TOKEN}\n", ""));
    assert!(e.contains("secret_key"), "{e}");
}

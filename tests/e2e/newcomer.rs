//! The newcomer's path (issue 11): `mxddns init`, `validate --online`, the shipped example,
//! and the small things a first hour runs into, each through the binary.

use super::harness::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn validate(cfg: &Path) -> Run {
    run(mxddns().arg("--config").arg(cfg).arg("validate"))
}

/// `mxddns init` pointed at the fake registrar, as a script runs it.
fn init(env: &Env, config: &Path, token: &str, extra: &[&str]) -> Run {
    run(mxddns()
        .arg("--config")
        .arg(config)
        .arg("init")
        .args([
            "--registrar",
            "cloudflare",
            "--domain",
            "example.com",
            "--spf",
            "yes",
        ])
        .args(["--endpoint", &env.fake.cloudflare_endpoint()])
        .args(["--ip-source", &env.fake.echo_url()])
        .args(["--resolver", &env.fake.dns_addr().to_string()])
        .args(extra)
        .env("CLOUDFLARE_API_TOKEN", token))
}

#[test]
fn init_writes_a_private_minimal_config_and_proves_it() {
    let env = Env::example();
    let config = env.dir.path().join("etc/config.yaml");
    let r = init(&env, &config, CF_TOKEN, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    // What it wrote, with mode 0600, the secret in a file of its own.
    assert_eq!(mode(&config), 0o600);
    let token_file = env.dir.path().join("etc/cloudflare.api_token");
    assert_eq!(mode(&token_file), 0o600);
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap().trim(),
        CF_TOKEN
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("api_token_file:"), "{text}");
    assert!(!text.contains(CF_TOKEN), "{text}");
    assert!(!r.all().contains(CF_TOKEN), "{r:?}");
    // The proof: the MX host found, its record listed read-only, the address detected.
    assert!(
        r.stdout
            .contains("MX host mail.example.com, zone example.com"),
        "{r:?}"
    );
    assert!(r.stdout.contains("A holds 203.0.113.10"), "{r:?}");
    assert!(r.stdout.contains("address: 203.0.113.20"), "{r:?}");
    assert_eq!(env.writes(), 0);
    // And the next command.
    assert!(
        r.stdout.contains(&format!(
            "mxddns --config {} --update-now --dry-run",
            config.display()
        )),
        "{r:?}"
    );
    // The written file is a working configuration.
    let v = validate(&config);
    assert_eq!(v.code, 0, "{v:?}");
    assert!(v.stderr.is_empty(), "no warnings: {v:?}");
    // (The test's DNS server is not at the zone's NS addresses: say where it is.)
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("  authoritative: [\"{}\"]\n", env.fake.dns_addr()));
    write_private(&config, &text);
    let d = run(mxddns()
        .arg("--config")
        .arg(&config)
        .args(["--update-now", "--dry-run"]));
    assert_eq!(d.code, 0, "{d:?}");
    assert!(d.stdout.contains("203.0.113.10 -> 203.0.113.20"), "{d:?}");
    // Not overwritten by a second init.
    let again = init(&env, &config, CF_TOKEN, &[]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("already exists"), "{again:?}");
}

#[test]
fn init_with_a_bad_token_says_so_and_keeps_the_config() {
    let env = Env::example();
    let config = env.dir.path().join("config.yaml");
    let bad = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    let r = init(&env, &config, bad, &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("validate --online"), "{r:?}");
    assert!(!r.all().contains(bad), "{r:?}");
    assert!(config.exists());
    let v = run(mxddns()
        .arg("--config")
        .arg(&config)
        .args(["validate", "--online"]));
    assert_eq!(v.code, 1, "{v:?}");
}

#[test]
fn init_can_store_the_token_as_a_variable_and_refuses_missing_answers() {
    let env = Env::example();
    let config = env.dir.path().join("config.yaml");
    let r = init(&env, &config, CF_TOKEN, &["--env"]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("api_token: ${CLOUDFLARE_API_TOKEN}"),
        "{text}"
    );
    assert!(!env.dir.path().join("cloudflare.api_token").exists());

    // In a script, a missing answer is a usage error that names the flag or variable.
    let other = env.dir.path().join("other.yaml");
    let r = run(mxddns()
        .arg("--config")
        .arg(&other)
        .args([
            "init",
            "--registrar",
            "cloudflare",
            "--domain",
            "example.com",
        ])
        .arg("--no-input")
        .env_remove("CLOUDFLARE_API_TOKEN"));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("CLOUDFLARE_API_TOKEN"), "{r:?}");
    assert!(!other.exists());
    let r = run(mxddns().arg("--config").arg(&other).args([
        "init",
        "--registrar",
        "cloudfare",
        "--no-input",
    ]));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("cloudflare, aliyun, godaddy"), "{r:?}");
}

#[test]
fn validate_online_proves_each_account_read_only() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["validate", "--online"]));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("example.com: home-cf (cloudflare) answers: zone example.com found"),
        "{r:?}"
    );
    assert_eq!(env.writes(), 0);
    // A token the registrar refuses.
    let cfg = env.write_config(&env.cloudflare_config("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"));
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["validate", "--online"]));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("example.com: home-cf (cloudflare)"),
        "{r:?}"
    );
}

#[test]
fn the_shipped_example_validates_with_its_one_variable_set() {
    let env = Env::example();
    let text = include_str!("../../config.example.yaml");
    let cfg = env.write_config(text);
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .arg("validate")
        .env("CF_API_TOKEN", "cf-token-0123456789abcdef"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    // Without it: one error, naming the variable.
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .arg("validate")
        .env_remove("CF_API_TOKEN"));
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stderr.matches("error").count(), 1, "{r:?}");
    assert!(r.stderr.contains("CF_API_TOKEN"), "{r:?}");
}

#[test]
fn small_config_mistakes_are_caught_at_validate() {
    let env = Env::example();
    let base = env.cloudflare_config(CF_TOKEN);
    let check = |text: &str, want: &[&str]| {
        let cfg = env.write_config(text);
        let r = validate(&cfg);
        assert_eq!(r.code, 2, "{text}\n{r:?}");
        for w in want {
            assert!(r.stderr.contains(w), "want {w:?}:\n{r:?}");
        }
    };
    // An IP address in host:.
    check(
        &base.replace(
            "    provider: home-cf\n",
            "    provider: home-cf\n    host: 203.0.113.7\n",
        ),
        &["domains[0].host", "is an IP address"],
    );
    // A cmd: source with arguments.
    check(
        &base.replace(
            &format!("  ipv4: [\"{}\"]\n", env.fake.echo_url()),
            "  ipv4: [\"cmd:/usr/bin/curl -s https://ip.example\"]\n",
        ),
        &["without arguments", "script"],
    );
    // A tab in the indentation.
    check(
        &base.replace("    provider: home-cf\n", "\tprovider: home-cf\n"),
        &["tab"],
    );
    // Every misspelt key, not only the first.
    check(
        &base
            .replace("    provider: home-cf\n", "    provder: home-cf\n")
            .replace("  timeout: 5s\n", "  timout: 5s\n"),
        &[
            "domains[0].provder",
            "did you mean \"provider\"",
            "detect.timout",
        ],
    );
    // An empty variable is named.
    let cfg =
        env.write_config(&base.replace(&format!("\"{CF_TOKEN}\""), "${MXDDNS_TEST_EMPTY_TOKEN}"));
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .arg("validate")
        .env("MXDDNS_TEST_EMPTY_TOKEN", ""));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("MXDDNS_TEST_EMPTY_TOKEN"), "{r:?}");
    // A 10s schedule is accepted, with a warning (the example no longer says 30s).
    let cfg = env.write_config(&base.replace("schedule: 30s", "schedule: 10s"));
    let r = validate(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn a_readable_token_file_is_warned_about() {
    let env = Env::example();
    let token = env.dir.path().join("token");
    std::fs::write(&token, CF_TOKEN).unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN).replace(
        &format!("api_token: \"{CF_TOKEN}\""),
        &format!("api_token_file: {}", token.display()),
    ));
    let r = validate(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("warning"), "{r:?}");
    assert!(r.stderr.contains("chmod 600"), "{r:?}");
    assert!(!r.all().contains(CF_TOKEN), "{r:?}");
}

#[test]
fn flags_that_do_not_apply_are_refused() {
    for args in [
        &["demo", "--dry-run"][..],
        &["validate", "--update-now"][..],
        &["detect", "--force"][..],
    ] {
        let r = run(mxddns().args(["--config", "/nonexistent.yaml"]).args(args));
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains("does not apply"), "{r:?}");
    }
}

#[test]
fn a_connection_error_quotes_the_port() {
    let env = Env::example();
    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN).replace(
        &env.fake.cloudflare_endpoint(),
        &format!("http://127.0.0.1:{port}/client/v4"),
    ));
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["--update-now"])
        .env("MXDDNS_HTTP_TIMEOUT", "2s"));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!("http://127.0.0.1:{port}/")),
        "{r:?}"
    );
}

#[test]
fn a_missing_state_directory_is_created() {
    let env = Env::example();
    let state = env.dir.path().join("var/lib/mxddns/state.json");
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN).replace(
        &env.state_file().display().to_string(),
        &state.display().to_string(),
    ));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(state.exists(), "{r:?}");
    assert!(!r.stderr.contains("cannot"), "{r:?}");
    assert_eq!(mode(state.parent().unwrap()), 0o700);
}

#[test]
fn a_ttl_change_is_said_aloud() {
    // The example's records have TTL 300; the configuration's ttl is 600 (the default).
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = update_now(&cfg);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("TTL 300 -> 600"), "{r:?}");
}

#[test]
fn the_demo_counts_registrar_requests_only() {
    let r = run(mxddns().arg("demo"));
    assert_eq!(r.code, 0, "{r:?}");
    let per_cycle: u64 = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("cycle: 1 domain(s), "))
        .filter_map(|l| l.split(' ').next()?.parse::<u64>().ok())
        .sum();
    let total = r
        .stdout
        .lines()
        .find_map(|l| {
            l.split(" API request(s) reached")
                .next()
                .filter(|_| l.contains("reached"))
        })
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("the total line");
    assert_eq!(total, per_cycle, "{r:?}");
}

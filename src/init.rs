//! `mxddns init`: a first configuration, asked for at a terminal (or taken from flags and
//! environment variables, so that a script can run it), written with mode 0600, then proven
//! with read-only calls: the provider lists the record at the domain's MX host, and the
//! line's address is detected. It prints what it wrote and the command to run next.
//!
//! The registrar choice and the credential questions come from the provider table in
//! `config` (`kinds`, `init_fields`): a new provider needs nothing here.

use crate::cli::InitArgs;
use crate::{config, detect, probe};
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// A mistake in what was asked for: exit 2, nothing written.
struct Usage(String);

/// How a credential ends up in the configuration.
enum Stored {
    /// `key_file: PATH`, the file written with mode 0600 (the value is held only until
    /// it is written).
    File(PathBuf, String),
    /// `key: ${VAR}`.
    Var(String),
    /// A key that is not a secret, written as it is.
    Plain(String),
}

pub async fn run(config_path: &Path, args: &InitArgs) -> ExitCode {
    let interactive = std::io::stdin().is_terminal() && !args.no_input;
    let answers = match ask_all(config_path, args, interactive) {
        Ok(a) => a,
        Err(Usage(m)) => {
            crate::say_err!("{}", rust_i18n::t!("summary.error", text = m));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let text = match write_all(config_path, args, &answers) {
        Ok(t) => t,
        Err(m) => {
            crate::say_err!("{}", rust_i18n::t!("summary.error", text = m));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    crate::say!(
        "{}",
        rust_i18n::t!("ui.init.wrote", path = config_path.display())
    );
    for line in text.lines() {
        crate::say!("  | {line}");
    }
    for (key, stored) in &answers.credentials {
        if let Stored::File(p, _) = stored {
            crate::say!("{}", rust_i18n::t!("ui.init", v1 = p.display(), key = key));
        }
    }
    crate::say!();
    if prove(config_path).await {
        crate::say!();
        crate::say!("{}", rust_i18n::t!("ui.init.2"));
        crate::say!("{}", rust_i18n::t!("ui.init.3", v1 = config_path.display()));
        crate::say!("{}", rust_i18n::t!("ui.init.4"));
        crate::say!("{}", rust_i18n::t!("ui.init.5", v1 = config_path.display()));
        ExitCode::SUCCESS
    } else {
        crate::say!();
        crate::say!("{}", rust_i18n::t!("ui.init.6", v1 = config_path.display()));
        ExitCode::from(EXIT_FAILED)
    }
}

struct Answers {
    registrar: String,
    domain: String,
    spf: bool,
    /// In the order of the provider's keys.
    credentials: Vec<(&'static str, Stored)>,
}

/// Every answer, from the flags first, then the environment, then the terminal.
fn ask_all(config_path: &Path, args: &InitArgs, interactive: bool) -> Result<Answers, Usage> {
    if config_path.exists() && !args.overwrite {
        return Err(Usage(
            rust_i18n::t!("ui.init.7", v1 = config_path.display()).into_owned(),
        ));
    }
    let kinds = config::kinds();
    let registrar = match &args.registrar {
        Some(r) => r.trim().to_ascii_lowercase(),
        None if interactive => prompt(&rust_i18n::t!(
            "ui.init.registrar",
            kinds = kinds.join(", ")
        ))?
        .trim()
        .to_ascii_lowercase(),
        None => return Err(missing("--registrar", &kinds.join(", "))),
    };
    let Some(fields) = config::init_fields(&registrar) else {
        return Err(Usage(
            rust_i18n::t!("ui.init.8", registrar = registrar, v1 = kinds.join(", ")).into_owned(),
        ));
    };
    let domain = match &args.domain {
        Some(d) => d.clone(),
        None if interactive => prompt(&rust_i18n::t!("ui.init.9"))?,
        None => return Err(missing("--domain", &rust_i18n::t!("ui.init.10"))),
    };
    let domain = config::validate_dns_name(domain.trim())
        .map_err(|e| Usage(rust_i18n::t!("ui.init.domain", e = e).into_owned()))?;
    let mut credentials = Vec::new();
    let dir = config_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    for (key, secret) in fields {
        let var = env_name(&registrar, key);
        let stored = if secret && args.env {
            Stored::Var(var)
        } else {
            let value = match std::env::var(&var).ok().filter(|v| !v.trim().is_empty()) {
                Some(v) => v,
                None if interactive && secret => prompt_secret(&rust_i18n::t!(
                    "ui.init.11",
                    registrar = registrar,
                    key = key
                ))?,
                None if interactive => prompt(&rust_i18n::t!(
                    "ui.init.field",
                    registrar = registrar,
                    key = key
                ))?,
                None => {
                    return Err(Usage(
                        rust_i18n::t!("ui.init.12", key = key, registrar = registrar, var = var)
                            .into_owned(),
                    ))
                }
            };
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(Usage(rust_i18n::t!("ui.init.13", key = key).into_owned()));
            }
            if secret {
                let path = dir.join(format!("{registrar}.{key}"));
                if path.exists() && !args.overwrite {
                    return Err(Usage(
                        rust_i18n::t!("ui.init.14", v1 = path.display()).into_owned(),
                    ));
                }
                Stored::File(path, value)
            } else {
                Stored::Plain(value)
            }
        };
        credentials.push((key, stored));
    }
    let spf = match args.spf {
        Some(y) => y == crate::cli::YesNo::Yes,
        None if interactive => {
            let a = prompt(&rust_i18n::t!("ui.init.15"))?;
            !matches!(a.trim().to_ascii_lowercase().as_str(), "n" | "no")
        }
        None => return Err(missing("--spf", &rust_i18n::t!("ui.init.16"))),
    };
    Ok(Answers {
        registrar,
        domain,
        spf,
        credentials,
    })
}

fn missing(flag: &str, what: &str) -> Usage {
    Usage(rust_i18n::t!("ui.init.17", flag = flag, what = what).into_owned())
}

/// `CLOUDFLARE_API_TOKEN`, `ALIYUN_ACCESS_KEY_SECRET`: where a script hands init a value.
pub fn env_name(registrar: &str, key: &str) -> String {
    format!("{registrar}_{key}")
        .to_ascii_uppercase()
        .replace('-', "_")
}

fn prompt(question: &str) -> Result<String, Usage> {
    // Written and flushed through the redaction point.
    crate::say_raw!("{question}");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Usage(rust_i18n::t!("ui.init.18", e = e).into_owned()))?;
    Ok(line.trim().to_string())
}

fn prompt_secret(question: &str) -> Result<String, Usage> {
    rpassword::prompt_password(question)
        .map_err(|e| Usage(rust_i18n::t!("ui.init.19", e = e).into_owned()))
}

/// Write the secret files and the configuration, each with mode 0600 (the directory,
/// when it has to be made, 0700). Returns the configuration's text.
fn write_all(config_path: &Path, args: &InitArgs, a: &Answers) -> Result<String, String> {
    let text = render(config_path, args, a);
    if let Some(dir) = config_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    for (_, stored) in &a.credentials {
        if let Stored::File(path, value) = stored {
            private_write(path, &format!("{value}\n"))?;
        }
    }
    private_write(config_path, &text)?;
    Ok(text)
}

fn private_write(path: &Path, text: &str) -> Result<(), String> {
    // Replace, never append; 0600 from the start (no window with a wider mode).
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The minimal configuration: what was asked, and the defaults left out.
fn render(config_path: &Path, args: &InitArgs, a: &Answers) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `mxddns init`. Every key is explained in config.example.yaml;\n# check it with: mxddns validate --online"
    );
    let _ = writeln!(t, "schedule: 5m");
    let state = match &args.state_file {
        Some(p) => Some(p.display().to_string()),
        // Not root: the default /var/lib/mxddns is not this user's to write; keep the
        // state beside the configuration.
        None if uid() != 0 => {
            let dir = config_path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Some(dir.join("state.json").display().to_string())
        }
        None => None,
    };
    if let Some(s) = state {
        let _ = writeln!(t, "state_file: {}", quote(&s));
    }
    if !args.ip_sources.is_empty() {
        let _ = writeln!(t, "detect:\n  ipv4:");
        for s in &args.ip_sources {
            let _ = writeln!(t, "    - {}", quote(s));
        }
    }
    let _ = writeln!(
        t,
        "providers:\n  {}:\n    type: {}",
        a.registrar, a.registrar
    );
    for (key, stored) in &a.credentials {
        match stored {
            Stored::File(p, _) => {
                let _ = writeln!(t, "    {key}_file: {}", quote(&p.display().to_string()));
            }
            Stored::Var(v) => {
                let _ = writeln!(t, "    {key}: ${{{v}}}");
            }
            Stored::Plain(v) => {
                let _ = writeln!(t, "    {key}: {}", quote(v));
            }
        }
    }
    if let Some(e) = &args.endpoint {
        let _ = writeln!(t, "    endpoint: {}", quote(e));
    }
    let _ = writeln!(
        t,
        "domains:\n  - domain: {}\n    provider: {}\n    spf: {}",
        a.domain, a.registrar, a.spf
    );
    if !args.resolvers.is_empty() {
        let list: Vec<String> = args.resolvers.iter().map(|r| quote(r)).collect();
        let _ = writeln!(t, "dns:\n  resolvers: [{}]", list.join(", "));
    }
    t
}

/// The user id, to tell root from a user without the default state directory.
fn uid() -> u32 {
    // SAFETY: getuid(2) cannot fail and has no preconditions.
    unsafe { libc::getuid() }
}

/// A YAML double-quoted scalar.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Load the written file with the normal loader, then the read-only proof and a detection.
async fn prove(path: &Path) -> bool {
    crate::say!("{}", rust_i18n::t!("ui.init.20"));
    let loaded = match config::load(path) {
        Ok(l) => l,
        Err(e) => {
            crate::say_err!("{}", rust_i18n::t!("summary.error", text = e));
            return false;
        }
    };
    for w in &loaded.warnings {
        crate::say_err!("{}", rust_i18n::t!("summary.warning", text = w));
    }
    let cfg = loaded.config;
    let (agent, _) = match crate::commands::agent(cfg) {
        Ok(a) => a,
        Err(e) => {
            crate::say_err!(
                "{}",
                rust_i18n::t!("summary.error", text = format!("{e:#}"))
            );
            return false;
        }
    };
    let mut ok = true;
    for d in &agent.config.domains {
        let account = agent.accounts.get(&d.provider);
        match probe::domain(&agent.dns, account, d, agent.policy).await {
            Ok(seen) => crate::say!(
                "{}",
                rust_i18n::t!(
                    "ui.init.21",
                    v1 = d.domain,
                    v2 = seen.name,
                    v3 = seen.zone,
                    v4 = d.provider,
                    v5 = seen.name,
                    v6 = seen.rtype,
                    v7 = seen.values()
                )
            ),
            Err(e) => {
                ok = false;
                crate::say_err!(
                    "{}",
                    rust_i18n::t!("summary.error", text = format!("{}: {e}", d.domain))
                );
            }
        }
    }
    let det = &agent.config.detect;
    let mut families = Vec::new();
    if det.ipv4_enabled() {
        families.push((detect::Family::V4, &det.ipv4));
    }
    if det.ipv6_enabled() {
        families.push((detect::Family::V6, &det.ipv6));
    }
    for (family, sources) in families {
        let d = detect::detect(family, sources, det.quorum, det.timeout).await;
        match &d.result {
            Ok(ip) => crate::say!("{}", rust_i18n::t!("ui.init.22", family = family, ip = ip)),
            Err(e) => {
                ok = false;
                crate::say_err!(
                    "{}",
                    rust_i18n::t!("ui.init.23", family = family, e = e, v1 = path.display())
                );
            }
        }
    }
    ok
}

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
            crate::say_err!("error: {m}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let text = match write_all(config_path, args, &answers) {
        Ok(t) => t,
        Err(m) => {
            crate::say_err!("error: {m}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    crate::say!("Wrote {} (mode 0600):", config_path.display());
    for line in text.lines() {
        crate::say!("  | {line}");
    }
    for (key, stored) in &answers.credentials {
        if let Stored::File(p, _) = stored {
            crate::say!("Wrote {} (mode 0600): the {key}", p.display());
        }
    }
    crate::say!();
    if prove(config_path).await {
        crate::say!();
        crate::say!("Next: look at what the first cycle would change (nothing is written):");
        crate::say!(
            "  mxddns --config {} --update-now --dry-run",
            config_path.display()
        );
        crate::say!(
            "then run it for real, and install the service (see README, \"Run it as a service\"):"
        );
        crate::say!("  mxddns --config {} --update-now", config_path.display());
        ExitCode::SUCCESS
    } else {
        crate::say!();
        crate::say!(
            "The configuration is written, but it is not proven yet. Fix what is said above, then run:\n  mxddns --config {} validate --online",
            config_path.display()
        );
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
        return Err(Usage(format!(
            "{} already exists; init does not overwrite a configuration — choose another path with --config, or add --overwrite",
            config_path.display()
        )));
    }
    let kinds = config::kinds();
    let registrar = match &args.registrar {
        Some(r) => r.trim().to_ascii_lowercase(),
        None if interactive => prompt(&format!("Registrar ({}): ", kinds.join(", ")))?
            .trim()
            .to_ascii_lowercase(),
        None => return Err(missing("--registrar", &kinds.join(", "))),
    };
    let Some(fields) = config::init_fields(&registrar) else {
        return Err(Usage(format!(
            "\"{registrar}\" is not a registrar mxddns knows — use one of: {}",
            kinds.join(", ")
        )));
    };
    let domain = match &args.domain {
        Some(d) => d.clone(),
        None if interactive => {
            prompt("Mail domain (the owner of the MX record, such as example.com): ")?
        }
        None => return Err(missing("--domain", "the mail domain, such as example.com")),
    };
    let domain =
        config::validate_dns_name(domain.trim()).map_err(|e| Usage(format!("the domain: {e}")))?;
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
                None if interactive && secret => prompt_secret(&format!(
                    "{registrar} {key} (not shown as you type): "
                ))?,
                None if interactive => prompt(&format!("{registrar} {key}: "))?,
                None => {
                    return Err(Usage(format!(
                        "no {key} for {registrar}: set the environment variable {var} (or run mxddns init at a terminal to be asked)"
                    )))
                }
            };
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(Usage(format!("the {key} is empty")));
            }
            if secret {
                let path = dir.join(format!("{registrar}.{key}"));
                if path.exists() && !args.overwrite {
                    return Err(Usage(format!(
                        "{} already exists; add --overwrite to replace it",
                        path.display()
                    )));
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
            let a = prompt("Keep this network's address in the domain's SPF record? [Y/n]: ")?;
            !matches!(a.trim().to_ascii_lowercase().as_str(), "n" | "no")
        }
        None => return Err(missing("--spf", "yes or no")),
    };
    Ok(Answers {
        registrar,
        domain,
        spf,
        credentials,
    })
}

fn missing(flag: &str, what: &str) -> Usage {
    Usage(format!(
        "{flag} is needed when init does not run at a terminal ({what}); see mxddns init --help"
    ))
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
        .map_err(|e| Usage(format!("cannot read the answer: {e}")))?;
    Ok(line.trim().to_string())
}

fn prompt_secret(question: &str) -> Result<String, Usage> {
    rpassword::prompt_password(question)
        .map_err(|e| Usage(format!("cannot read the answer without echo: {e}")))
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
    crate::say!("Proving it (read-only: nothing is written at the registrar)");
    let loaded = match config::load(path) {
        Ok(l) => l,
        Err(e) => {
            crate::say_err!("error: {e}");
            return false;
        }
    };
    for w in &loaded.warnings {
        crate::say_err!("warning: {w}");
    }
    let cfg = loaded.config;
    let (agent, _) = match crate::commands::agent(cfg) {
        Ok(a) => a,
        Err(e) => {
            crate::say_err!("error: {e:#}");
            return false;
        }
    };
    let mut ok = true;
    for d in &agent.config.domains {
        let account = agent.accounts.get(&d.provider);
        match probe::domain(&agent.dns, account, d, agent.policy).await {
            Ok(seen) => crate::say!(
                "  {}: MX host {}, zone {} at {}: {} {} holds {} (the credentials work)",
                d.domain,
                seen.name,
                seen.zone,
                d.provider,
                seen.name,
                seen.rtype,
                seen.values()
            ),
            Err(e) => {
                ok = false;
                crate::say_err!("error: {}: {e}", d.domain);
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
            Ok(ip) => crate::say!("  this network's {family} address: {ip}"),
            Err(e) => {
                ok = false;
                crate::say_err!(
                    "error: {family} address not detected: {e} — see `mxddns --config {} detect`",
                    path.display()
                );
            }
        }
    }
    ok
}

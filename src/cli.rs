//! The command line of the contract (../shared/design/interface.md), parsed by hand: the
//! same options, subcommands, help layout and exit codes as the clap parser it replaced,
//! at a fraction of its bytes, with the errors in the process's language too.
//!
//! Every text comes from `locales/cli.yml`: `cli.about`, `cli.long_about`, `cli.cmd.NAME`,
//! `cli.arg.ID`, the headings and `cli.error.*`. Help goes to stdout (exit 0), errors to
//! stderr (exit 2), as clap did.

use rust_i18n::t;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Cli {
    /// Configuration file (`-c`, `--config`, `MXDDNS_CONFIG`, default /etc/mxddns/config.yaml).
    pub config: PathBuf,
    pub update_now: bool,
    pub dry_run: bool,
    pub force: bool,
    pub quiet: bool,
    pub log_format: LogFormat,
    /// `--lang` (already applied by `main` before parsing: `--help` is in that language).
    #[allow(dead_code)]
    pub lang: Option<String>,
    /// Soak tests and benchmarks only (hidden): the service runs this many cycles back to
    /// back, without waiting for the schedule, then exits with the last cycle's code.
    pub cycles: Option<u64>,
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoProvider {
    Cloudflare,
    Aliyun,
    Godaddy,
    Dnspod,
    Huaweicloud,
    Rfc2136,
}

#[derive(Debug, PartialEq)]
pub enum Command {
    /// Keep the records current on the configured schedule until stopped (default)
    Run,
    /// Diagnose the mail domain's DNS and print a report
    Check {
        domain: Option<String>,
        format: ReportFormat,
        addresses: Vec<IpAddr>,
        /// `--ports` with its (possibly empty) list; `None` without it.
        ports: Option<Vec<u16>>,
        no_ports: bool,
    },
    /// Show how the zone differs from the declared mail records (hidden without mail-setup)
    Plan {
        domain: Option<String>,
        format: ReportFormat,
    },
    /// Make the zone match the declaration (hidden without mail-setup)
    Apply {
        domain: Option<String>,
        yes: bool,
        prune: bool,
    },
    Detect,
    Validate {
        online: bool,
    },
    Init(InitArgs),
    /// Hidden without the `demo` feature (then it says so: commands::demo).
    Demo {
        provider: DemoProvider,
        mail: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YesNo {
    Yes,
    No,
}

/// `mxddns init`'s flags: every question has one, so that a script can run it.
#[derive(Debug, Default, PartialEq)]
pub struct InitArgs {
    pub registrar: Option<String>,
    pub domain: Option<String>,
    pub spf: Option<YesNo>,
    pub env: bool,
    pub endpoint: Option<String>,
    pub ip_sources: Vec<String>,
    pub resolvers: Vec<String>,
    pub state_file: Option<PathBuf>,
    pub no_input: bool,
    pub overwrite: bool,
}

/// How an option takes values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No value; at most once.
    Flag,
    /// One value; at most once.
    One,
    /// One value each time; may repeat.
    Repeat,
    /// Zero or more values (`--ports`, `--ports 25,465`, `--ports 25 465`); may repeat.
    List,
    /// `-h`/`--help`, `-V`/`--version`: answered at once.
    Help,
    Version,
}

/// What a value must be, beyond one of `possible`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Any,
    Ip,
    Port,
    Count,
}

/// One option of the command line.
#[derive(Debug)]
struct Opt {
    /// The field it fills and the locale key of its help (`cli.arg.ID`).
    id: &'static str,
    long: &'static str,
    short: Option<char>,
    kind: Kind,
    value: &'static str,
    check: Check,
    possible: &'static [&'static str],
    default: Option<&'static str>,
    env: Option<&'static str>,
    hidden: bool,
}

const fn flag(id: &'static str, long: &'static str) -> Opt {
    Opt {
        id,
        long,
        short: None,
        kind: Kind::Flag,
        value: "",
        check: Check::Any,
        possible: &[],
        default: None,
        env: None,
        hidden: false,
    }
}

const fn val(id: &'static str, long: &'static str, value: &'static str) -> Opt {
    Opt {
        kind: Kind::One,
        value,
        ..flag(id, long)
    }
}

const FORMATS: &[&str] = &["text", "json"];
const PROVIDERS: &[&str] = &[
    "cloudflare",
    "aliyun",
    "godaddy",
    "dnspod",
    "huaweicloud",
    "rfc2136",
];

/// Accepted before and after the subcommand (`version` only before one).
const GLOBALS: &[Opt] = &[
    Opt {
        short: Some('c'),
        default: Some("/etc/mxddns/config.yaml"),
        env: Some("MXDDNS_CONFIG"),
        ..val("config", "config", "CONFIG")
    },
    flag("update_now", "update-now"),
    flag("dry_run", "dry-run"),
    flag("force", "force"),
    Opt {
        short: Some('q'),
        ..flag("quiet", "quiet")
    },
    Opt {
        possible: FORMATS,
        default: Some("text"),
        ..val("log_format", "log-format", "LOG_FORMAT")
    },
    val("lang", "lang", "LANG"),
    Opt {
        check: Check::Count,
        hidden: true,
        ..val("cycles", "cycles", "N")
    },
    Opt {
        short: Some('h'),
        kind: Kind::Help,
        ..flag("help", "help")
    },
];

const VERSION: Opt = Opt {
    short: Some('V'),
    kind: Kind::Version,
    ..flag("version", "version")
};

const FORMAT: Opt = Opt {
    possible: FORMATS,
    default: Some("text"),
    ..val("format", "format", "FORMAT")
};

/// A subcommand: its name (also its `cli.cmd.NAME` key) and own options.
struct Sub {
    name: &'static str,
    opts: &'static [Opt],
    hidden: bool,
}

const SUBS: &[Sub] = &[
    Sub {
        name: "run",
        opts: &[],
        hidden: false,
    },
    Sub {
        name: "check",
        opts: &[
            val("domain", "domain", "DOMAIN"),
            FORMAT,
            Opt {
                kind: Kind::Repeat,
                check: Check::Ip,
                ..val("addresses", "address", "IP")
            },
            Opt {
                kind: Kind::List,
                check: Check::Port,
                ..val("ports", "ports", "PORTS")
            },
            flag("no_ports", "no-ports"),
        ],
        hidden: false,
    },
    Sub {
        name: "plan",
        opts: &[val("only_domain", "domain", "DOMAIN"), FORMAT],
        hidden: !cfg!(feature = "mail-setup"),
    },
    Sub {
        name: "apply",
        opts: &[
            val("only_domain", "domain", "DOMAIN"),
            flag("yes", "yes"),
            flag("prune", "prune"),
        ],
        hidden: !cfg!(feature = "mail-setup"),
    },
    Sub {
        name: "detect",
        opts: &[],
        hidden: false,
    },
    Sub {
        name: "validate",
        opts: &[flag("online", "online")],
        hidden: false,
    },
    Sub {
        name: "init",
        opts: &[
            val("init_registrar", "registrar", "NAME"),
            val("init_domain", "domain", "DOMAIN"),
            Opt {
                possible: &["yes", "no"],
                ..val("init_spf", "spf", "SPF")
            },
            flag("init_env", "env"),
            val("init_endpoint", "endpoint", "URL"),
            Opt {
                kind: Kind::Repeat,
                ..val("init_ip_source", "ip-source", "SOURCE")
            },
            Opt {
                kind: Kind::Repeat,
                ..val("init_resolver", "resolver", "IP")
            },
            val("init_state_file", "state-file", "PATH"),
            flag("init_no_input", "no-input"),
            flag("init_overwrite", "overwrite"),
        ],
        hidden: false,
    },
    Sub {
        name: "demo",
        opts: &[
            Opt {
                possible: PROVIDERS,
                default: Some("cloudflare"),
                ..val("provider", "provider", "PROVIDER")
            },
            flag("mail", "mail"),
        ],
        hidden: !cfg!(feature = "demo"),
    },
];

/// Why parsing stopped (the kind, for tests; the text is in [`Error`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `--help`, `help`: not an error, printed to stdout.
    Help,
    Version,
    UnknownArgument,
    UnknownSubcommand,
    UnexpectedArgument,
    MissingValue,
    InvalidValue,
    UnexpectedValue,
    Repeated,
    Conflict,
}

/// A help text or a usage error, ready to print ([`Error::print`]).
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub text: String,
}

impl Error {
    /// Help and version go to stdout (exit 0), errors to stderr (exit 2).
    pub fn use_stderr(&self) -> bool {
        !matches!(self.kind, ErrorKind::Help | ErrorKind::Version)
    }

    pub fn print(&self) -> std::io::Result<()> {
        if self.use_stderr() {
            crate::say_err!("{}", self.text);
        } else {
            crate::say!("{}", self.text);
        }
        Ok(())
    }
}

/// Parse the process's arguments, in the process's language.
pub fn parse() -> Result<Cli, Error> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let env = std::env::var("MXDDNS_CONFIG").ok();
    parse_from(&args, env.as_deref(), &rust_i18n::locale())
}

/// The locale key of an argument's help.
pub fn arg_key(id: &str) -> String {
    format!("cli.arg.{id}")
}

/// The locale key of a subcommand's about text.
pub fn cmd_key(name: &str) -> String {
    format!("cli.cmd.{name}")
}

/// How an option reads in help and errors: `--format <FORMAT>`, `--ports [<PORTS>...]`.
fn display(o: &Opt) -> String {
    match o.kind {
        Kind::Flag | Kind::Help | Kind::Version => format!("--{}", o.long),
        Kind::List => format!("--{} [<{}>...]", o.long, o.value),
        _ => format!("--{} <{}>", o.long, o.value),
    }
}

/// The parser's state: the language, the binary's name, the subcommand so far.
struct Parser<'a> {
    lang: &'a str,
    bin: String,
    sub: Option<&'static Sub>,
}

impl Parser<'_> {
    fn usage(&self, sub: Option<&Sub>) -> String {
        let usage = t!("cli.heading.usage", locale = self.lang);
        match sub {
            None => format!("{usage} {} [OPTIONS] [COMMAND]", self.bin),
            Some(s) => format!("{usage} {} {} [OPTIONS]", self.bin, s.name),
        }
    }

    /// A usage error as clap printed it: the message, a tip, the usage, the pointer to --help.
    fn error(&self, kind: ErrorKind, message: String, tip: Option<String>) -> Error {
        let mut text = format!("{}{message}\n", t!("cli.error.prefix", locale = self.lang));
        if let Some(tip) = tip {
            text.push_str(&format!("\n  {tip}\n"));
        }
        if !matches!(kind, ErrorKind::MissingValue | ErrorKind::InvalidValue) {
            text.push_str(&format!("\n{}\n", self.usage(self.sub)));
        }
        text.push_str(&format!("\n{}", t!("cli.error.more", locale = self.lang)));
        Error { kind, text }
    }

    fn unknown_argument(&self, arg: &str) -> Error {
        let name = arg.trim_start_matches('-');
        let opts = self.options();
        let tip = similar(name, opts.iter().filter(|o| !o.hidden).map(|o| o.long)).map(|s| {
            t!(
                "cli.error.similar_argument",
                locale = self.lang,
                name = format!("--{s}")
            )
            .into_owned()
        });
        let message = t!("cli.error.unknown_argument", locale = self.lang, arg = arg).into_owned();
        self.error(ErrorKind::UnknownArgument, message, tip)
    }

    fn unknown_subcommand(&self, name: &str) -> Error {
        let names = SUBS.iter().filter(|s| !s.hidden).map(|s| s.name);
        let tip = similar(name, names.chain(["help"]))
            .map(|s| t!("cli.error.similar_subcommand", locale = self.lang, name = s).into_owned());
        let message = t!(
            "cli.error.unknown_subcommand",
            locale = self.lang,
            name = name
        );
        self.error(ErrorKind::UnknownSubcommand, message.into_owned(), tip)
    }

    /// The options in force: the subcommand's, then the global ones (and `-V` at the top).
    fn options(&self) -> Vec<&'static Opt> {
        let own = self.sub.map_or(&[][..], |s| s.opts);
        let mut v: Vec<&'static Opt> = own.iter().chain(GLOBALS).collect();
        if self.sub.is_none() {
            v.push(&VERSION);
        }
        v
    }

    fn check_value(&self, o: &Opt, v: &str) -> Result<(), Error> {
        let ok = match o.check {
            Check::Any => o.possible.is_empty() || o.possible.contains(&v),
            Check::Ip => v.parse::<IpAddr>().is_ok(),
            Check::Port => v.parse::<u16>().is_ok(),
            Check::Count => v.parse::<u64>().is_ok(),
        };
        if ok {
            return Ok(());
        }
        let mut message = t!(
            "cli.error.invalid_value",
            locale = self.lang,
            value = v,
            arg = display(o)
        )
        .into_owned();
        let expected = match o.check {
            Check::Any => t!(
                "cli.error.possible_values",
                locale = self.lang,
                values = o.possible.join(", ")
            ),
            Check::Ip => t!("cli.error.expected_ip", locale = self.lang),
            Check::Port => t!("cli.error.expected_port", locale = self.lang),
            Check::Count => t!("cli.error.expected_count", locale = self.lang),
        };
        message.push_str(&format!("\n  {expected}"));
        Err(self.error(ErrorKind::InvalidValue, message, None))
    }
}

/// The closest of `candidates` to `name`, as clap suggested (Jaro similarity above 0.7).
fn similar<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro(name, c), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Parse `args` (the program's name first). `env` is `MXDDNS_CONFIG`; `lang` the language
/// of help and errors.
pub fn parse_from(args: &[String], env: Option<&str>, lang: &str) -> Result<Cli, Error> {
    let bin = args
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "mxddns".into());
    let mut p = Parser {
        lang,
        bin,
        sub: None,
    };
    // Each option given, in order, with its values.
    let mut seen: Vec<(&'static Opt, Vec<String>)> = Vec::new();
    // `help [COMMAND]...`: the names after it.
    let mut help: Option<Vec<String>> = None;
    let mut rest_positional = false;
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if !rest_positional && a == "--" {
            rest_positional = true;
            continue;
        }
        // The option and the value joined to it (`--opt=value`, `-cPATH`).
        let (opt, inline): (&'static Opt, Option<String>) =
            if rest_positional || !a.starts_with('-') || a == "-" {
                if let Some(names) = help.as_mut() {
                    names.push(a.clone());
                } else if p.sub.is_none() && !rest_positional {
                    if a == "help" {
                        help = Some(Vec::new());
                    } else {
                        p.sub = Some(
                            SUBS.iter()
                                .find(|s| s.name == a)
                                .ok_or_else(|| p.unknown_subcommand(a))?,
                        );
                    }
                } else {
                    let message = t!("cli.error.unknown_argument", locale = lang, arg = a);
                    return Err(p.error(ErrorKind::UnexpectedArgument, message.into_owned(), None));
                }
                continue;
            } else if let Some(long) = a.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                let opt = p.options().into_iter().find(|o| o.long == name);
                (
                    opt.ok_or_else(|| p.unknown_argument(&format!("--{name}")))?,
                    inline,
                )
            } else {
                // A cluster of short flags (`-qh`); the one that takes a value ends it.
                for (at, c) in a[1..].char_indices() {
                    let opt = p.options().into_iter().find(|o| o.short == Some(c));
                    let opt = opt.ok_or_else(|| p.unknown_argument(&format!("-{c}")))?;
                    let rest = &a[1 + at + c.len_utf8()..];
                    if opt.kind == Kind::Flag && !rest.is_empty() {
                        take(&p, &mut seen, opt, None, args, &mut i, &mut help)?;
                        continue;
                    }
                    let inline =
                        (!rest.is_empty()).then(|| rest.trim_start_matches('=').to_string());
                    take(&p, &mut seen, opt, inline, args, &mut i, &mut help)?;
                    break;
                }
                continue;
            };
        take(&p, &mut seen, opt, inline, args, &mut i, &mut help)?;
    }
    if let Some(names) = help {
        return Err(help_for(&p, &names));
    }
    // `--ports` and `--no-ports` exclude each other.
    let conflict: Vec<&Opt> = seen
        .iter()
        .map(|(o, _)| *o)
        .filter(|o| o.id == "ports" || o.id == "no_ports")
        .collect();
    if let [a, b, ..] = conflict[..] {
        if a.id != b.id {
            let message = t!(
                "cli.error.conflict",
                locale = lang,
                a = display(a),
                b = display(b)
            );
            return Err(p.error(ErrorKind::Conflict, message.into_owned(), None));
        }
    }
    Ok(build(p.sub, &seen, env))
}

/// One option found at `args[*i - 1]`: its value(s) taken, checked and recorded.
fn take(
    p: &Parser<'_>,
    seen: &mut Vec<(&'static Opt, Vec<String>)>,
    opt: &'static Opt,
    inline: Option<String>,
    args: &[String],
    i: &mut usize,
    help: &mut Option<Vec<String>>,
) -> Result<(), Error> {
    let lang = p.lang;
    match opt.kind {
        Kind::Help => {
            // `-h` is the short help; `--help` the long one, where there is one.
            let long = args[*i - 1].starts_with("--");
            return Err(if help.is_some() {
                render_help(p, None, long)
            } else {
                render_help(p, p.sub, long)
            });
        }
        Kind::Version => {
            return Err(Error {
                kind: ErrorKind::Version,
                text: format!("mxddns {}", env!("CARGO_PKG_VERSION")),
            })
        }
        _ => {}
    }
    let once = matches!(opt.kind, Kind::Flag | Kind::One);
    if once && seen.iter().any(|(o, _)| o.id == opt.id) {
        let message = t!("cli.error.repeated", locale = lang, arg = display(opt));
        return Err(p.error(ErrorKind::Repeated, message.into_owned(), None));
    }
    let values = match (opt.kind, inline) {
        (Kind::Flag, None) => Vec::new(),
        (Kind::Flag, Some(v)) => {
            let message = t!(
                "cli.error.unexpected_value",
                locale = lang,
                value = v,
                arg = display(opt)
            );
            return Err(p.error(ErrorKind::UnexpectedValue, message.into_owned(), None));
        }
        (Kind::List, Some(v)) => split_list(&v),
        (Kind::List, None) => {
            let mut v = Vec::new();
            while let Some(next) = args.get(*i).filter(|a| !a.starts_with('-') || *a == "-") {
                v.extend(split_list(next));
                *i += 1;
            }
            v
        }
        (_, Some(v)) => vec![v],
        (_, None) => match args.get(*i).filter(|a| !a.starts_with('-') || *a == "-") {
            Some(v) => {
                *i += 1;
                vec![v.clone()]
            }
            None => {
                let message = t!("cli.error.missing_value", locale = lang, arg = display(opt));
                return Err(p.error(ErrorKind::MissingValue, message.into_owned(), None));
            }
        },
    };
    for v in &values {
        p.check_value(opt, v)?;
    }
    seen.push((opt, values));
    Ok(())
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The typed command line from the options seen (each value already checked).
fn build(sub: Option<&Sub>, seen: &[(&'static Opt, Vec<String>)], env: Option<&str>) -> Cli {
    let values = |id: &str| -> Vec<String> {
        seen.iter()
            .filter(|(o, _)| o.id == id)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    };
    let one = |id: &str| values(id).pop();
    let on = |id: &str| seen.iter().any(|(o, _)| o.id == id);
    let json = |id: &str| one(id).as_deref() == Some("json");
    let format = |id: &str| match json(id) {
        true => ReportFormat::Json,
        false => ReportFormat::Text,
    };
    let command = sub.map(|s| match s.name {
        "check" => Command::Check {
            domain: one("domain"),
            format: format("format"),
            addresses: values("addresses")
                .iter()
                .filter_map(|a| a.parse().ok())
                .collect(),
            ports: on("ports").then(|| {
                values("ports")
                    .iter()
                    .filter_map(|p| p.parse().ok())
                    .collect()
            }),
            no_ports: on("no_ports"),
        },
        "plan" => Command::Plan {
            domain: one("only_domain"),
            format: format("format"),
        },
        "apply" => Command::Apply {
            domain: one("only_domain"),
            yes: on("yes"),
            prune: on("prune"),
        },
        "detect" => Command::Detect,
        "validate" => Command::Validate {
            online: on("online"),
        },
        "init" => Command::Init(InitArgs {
            registrar: one("init_registrar"),
            domain: one("init_domain"),
            spf: one("init_spf").map(|v| match v.as_str() {
                "yes" => YesNo::Yes,
                _ => YesNo::No,
            }),
            env: on("init_env"),
            endpoint: one("init_endpoint"),
            ip_sources: values("init_ip_source"),
            resolvers: values("init_resolver"),
            state_file: one("init_state_file").map(PathBuf::from),
            no_input: on("init_no_input"),
            overwrite: on("init_overwrite"),
        }),
        "demo" => Command::Demo {
            provider: match one("provider").as_deref() {
                Some("aliyun") => DemoProvider::Aliyun,
                Some("godaddy") => DemoProvider::Godaddy,
                Some("dnspod") => DemoProvider::Dnspod,
                Some("huaweicloud") => DemoProvider::Huaweicloud,
                Some("rfc2136") => DemoProvider::Rfc2136,
                _ => DemoProvider::Cloudflare,
            },
            mail: on("mail"),
        },
        _ => Command::Run,
    });
    let config = one("config")
        .or_else(|| env.filter(|e| !e.is_empty()).map(str::to_string))
        .unwrap_or_else(|| "/etc/mxddns/config.yaml".into());
    Cli {
        config: PathBuf::from(config),
        update_now: on("update_now"),
        dry_run: on("dry_run"),
        force: on("force"),
        quiet: on("quiet"),
        log_format: match json("log_format") {
            true => LogFormat::Json,
            false => LogFormat::Text,
        },
        lang: one("lang"),
        cycles: one("cycles").and_then(|n| n.parse().ok()),
        command,
    }
}

/// `help [COMMAND]...`: the long help of the named subcommand, or of the whole tool.
fn help_for(p: &Parser<'_>, names: &[String]) -> Error {
    let Some(first) = names.first() else {
        return render_help(p, None, true);
    };
    if first == "help" && names.len() == 1 {
        let about = t!("cli.cmd.help", locale = p.lang);
        let usage = t!("cli.heading.usage", locale = p.lang);
        let text = format!(
            "{about}\n\n{usage} {} help [COMMAND]\n{}",
            p.bin,
            commands(p.lang)
        );
        return Error {
            kind: ErrorKind::Help,
            text: text.trim_end().to_string(),
        };
    }
    let Some(sub) = SUBS.iter().find(|s| s.name == first) else {
        return p.unknown_subcommand(first);
    };
    if let Some(extra) = names.get(1) {
        let p = Parser {
            lang: p.lang,
            bin: p.bin.clone(),
            sub: Some(sub),
        };
        let message = t!(
            "cli.error.unknown_subcommand",
            locale = p.lang,
            name = extra
        );
        return p.error(ErrorKind::UnknownSubcommand, message.into_owned(), None);
    }
    render_help(p, Some(sub), true)
}

/// The "Commands" section: every subcommand offered, with its about text.
fn commands(lang: &str) -> String {
    let mut out = format!("\n{}:\n", t!("cli.heading.commands", locale = lang));
    let names: Vec<&str> = SUBS
        .iter()
        .filter(|s| !s.hidden)
        .map(|s| s.name)
        .chain(["help"])
        .collect();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    for name in names {
        let key = cmd_key(name);
        let text = t!(key.as_str(), locale = lang);
        out.push_str(&format!("  {name:width$}  {text}\n"));
    }
    out
}

/// The help of the tool or of one subcommand, laid out as clap did: the about text, the
/// usage, the commands, the options with their help in one aligned column (the short
/// help) or each below its option (the long help, where there is a long about text).
fn render_help(p: &Parser<'_>, sub: Option<&Sub>, long: bool) -> Error {
    let lang = p.lang;
    let long_about = match sub.map(|s| s.name) {
        None => Some(t!("cli.long_about", locale = lang)),
        Some("init") => Some(t!("cli.init_long_about", locale = lang)),
        Some(_) => None,
    };
    let long = long && long_about.is_some();
    let about: String = match (long, long_about, sub) {
        (true, Some(text), _) => text.into_owned(),
        (_, _, Some(s)) => {
            let key = cmd_key(s.name);
            t!(key.as_str(), locale = lang).into_owned()
        }
        (_, _, None) => t!("cli.about", locale = lang).into_owned(),
    };
    let mut out = format!("{about}\n\n{}\n", p.usage(sub));
    if sub.is_none() {
        out.push_str(&commands(lang));
    }
    out.push_str(&format!(
        "\n{}:\n",
        t!("cli.heading.options", locale = lang)
    ));
    let own = sub.map_or(&[][..], |s| s.opts);
    let top = [&VERSION];
    let opts: Vec<&Opt> = own
        .iter()
        .chain(GLOBALS)
        .chain(top.into_iter().filter(|_| sub.is_none()))
        .filter(|o| !o.hidden)
        .collect();
    let specs: Vec<String> = opts
        .iter()
        .map(|o| {
            let short = o.short.map_or("    ".to_string(), |c| format!("-{c}, "));
            format!("  {short}{}", display(o))
        })
        .collect();
    let width = specs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut blocks = Vec::new();
    for (o, spec) in opts.iter().zip(&specs) {
        let key = arg_key(o.id);
        let help = t!(key.as_str(), locale = lang);
        let mut extras = Vec::new();
        if let Some(var) = o.env {
            let value = std::env::var(var).unwrap_or_default();
            extras.push(format!("[env: {var}={value}]"));
        }
        if let Some(d) = o.default {
            extras.push(format!("[{}: {d}]", t!("cli.help.default", locale = lang)));
        }
        if !o.possible.is_empty() {
            let values = o.possible.join(", ");
            extras.push(format!(
                "[{}: {values}]",
                t!("cli.help.possible", locale = lang)
            ));
        }
        blocks.push(if long {
            let pad = " ".repeat(10);
            let mut b = format!("{spec}\n{pad}{help}\n");
            if !extras.is_empty() {
                b.push_str(&format!("{pad}\n"));
                for e in &extras {
                    b.push_str(&format!("{pad}{e}\n"));
                }
            }
            b
        } else {
            let mut line = format!("{spec:width$}  {help}");
            for e in &extras {
                line.push(' ');
                line.push_str(e);
            }
            line.push('\n');
            line
        });
    }
    out.push_str(&blocks.join(if long { "\n" } else { "" }));
    out.truncate(out.trim_end().len());
    Error {
        kind: ErrorKind::Help,
        text: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, Error> {
        parse_env(args, None)
    }

    fn parse_env(args: &[&str], env: Option<&str>) -> Result<Cli, Error> {
        let args: Vec<String> = std::iter::once("mxddns")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        parse_from(&args, env, "en")
    }

    fn err(args: &[&str]) -> Error {
        match parse(args) {
            Ok(cli) => panic!("{args:?} parsed: {cli:?}"),
            Err(e) => e,
        }
    }

    /// Every argument and subcommand a person sees in `--help` has its text in the locale
    /// files (which hold both languages: `i18n::tests::every_key_has_both_languages`).
    #[test]
    fn every_help_text_is_translated() {
        let mut keys: Vec<String> = GLOBALS
            .iter()
            .chain([&VERSION])
            .filter(|o| !o.hidden)
            .map(|o| arg_key(o.id))
            .collect();
        for s in SUBS {
            keys.push(cmd_key(s.name));
            keys.extend(s.opts.iter().map(|o| arg_key(o.id)));
        }
        keys.push(cmd_key("help"));
        let missing: Vec<&String> = keys
            .iter()
            .filter(|k| t!(k.as_str(), locale = "en") == k.as_str())
            .collect();
        assert!(missing.is_empty(), "add to locales/cli.yml: {missing:?}");
    }

    #[test]
    fn no_subcommand_is_run_with_the_defaults() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.command, None);
        assert_eq!(cli.config, PathBuf::from("/etc/mxddns/config.yaml"));
        assert!(!cli.update_now && !cli.dry_run && !cli.force && !cli.quiet);
        assert_eq!(cli.log_format, LogFormat::Text);
        assert_eq!((cli.lang, cli.cycles), (None, None));
        assert_eq!(parse(&["run"]).unwrap().command, Some(Command::Run));
    }

    #[test]
    fn the_config_comes_from_the_flag_then_the_environment_then_the_default() {
        for args in [
            &["-c", "/a.yaml"][..],
            &["--config", "/a.yaml"],
            &["--config=/a.yaml"],
            &["-c/a.yaml"],
            &["-c=/a.yaml"],
            &["-qc", "/a.yaml"],
            &["check", "-c", "/a.yaml"],
        ] {
            let cli = parse_env(args, Some("/env.yaml")).unwrap();
            assert_eq!(cli.config, PathBuf::from("/a.yaml"), "{args:?}");
        }
        let env = parse_env(&["detect"], Some("/env.yaml")).unwrap();
        assert_eq!(env.config, PathBuf::from("/env.yaml"));
        let empty = parse_env(&[], Some("")).unwrap();
        assert_eq!(empty.config, PathBuf::from("/etc/mxddns/config.yaml"));
    }

    #[test]
    fn global_options_go_anywhere_on_the_line() {
        let before = parse(&[
            "--update-now",
            "--dry-run",
            "--force",
            "-q",
            "--log-format",
            "json",
            "--lang",
            "zh-CN",
            "--cycles",
            "3",
            "validate",
        ])
        .unwrap();
        let after = parse(&[
            "validate",
            "--update-now",
            "--dry-run",
            "--force",
            "--quiet",
            "--log-format=json",
            "--lang=zh-CN",
            "--cycles=3",
        ])
        .unwrap();
        for cli in [before, after] {
            assert!(cli.update_now && cli.dry_run && cli.force && cli.quiet);
            assert_eq!(cli.log_format, LogFormat::Json);
            assert_eq!(cli.lang.as_deref(), Some("zh-CN"));
            assert_eq!(cli.cycles, Some(3));
            assert_eq!(cli.command, Some(Command::Validate { online: false }));
        }
    }

    #[test]
    fn check_takes_repeated_addresses_and_a_port_list() {
        let cli = parse(&[
            "check",
            "--domain",
            "example.com",
            "--format=json",
            "--address",
            "203.0.113.1",
            "--address=2001:db8::1",
            "--ports",
            "25,465",
            "587",
        ])
        .unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Check {
                domain: Some("example.com".into()),
                format: ReportFormat::Json,
                addresses: vec![
                    "203.0.113.1".parse().unwrap(),
                    "2001:db8::1".parse().unwrap()
                ],
                ports: Some(vec![25, 465, 587]),
                no_ports: false,
            })
        );
        let ports = |args: &[&str]| match parse(args).unwrap().command {
            Some(Command::Check {
                ports, no_ports, ..
            }) => (ports, no_ports),
            other => panic!("{other:?}"),
        };
        assert_eq!(ports(&["check"]), (None, false));
        assert_eq!(ports(&["check", "--ports"]), (Some(vec![]), false));
        assert_eq!(ports(&["check", "--ports", "-q"]), (Some(vec![]), false));
        assert_eq!(ports(&["check", "--ports=993"]), (Some(vec![993]), false));
        assert_eq!(ports(&["check", "--no-ports"]), (None, true));
    }

    #[test]
    fn every_subcommand_parses_its_options() {
        let cli = parse(&["plan", "--domain", "a.example", "--format", "json"]).unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Plan {
                domain: Some("a.example".into()),
                format: ReportFormat::Json
            })
        );
        let cli = parse(&["apply", "--yes", "--prune"]).unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Apply {
                domain: None,
                yes: true,
                prune: true
            })
        );
        assert_eq!(parse(&["detect"]).unwrap().command, Some(Command::Detect));
        let cli = parse(&["validate", "--online"]).unwrap();
        assert_eq!(cli.command, Some(Command::Validate { online: true }));
        let cli = parse(&["demo", "--provider", "huaweicloud", "--mail"]).unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Demo {
                provider: DemoProvider::Huaweicloud,
                mail: true
            })
        );
        let cli = parse(&["demo", "--provider", "rfc2136"]).unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Demo {
                provider: DemoProvider::Rfc2136,
                mail: false
            })
        );
        let cli = parse(&["demo"]).unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Demo {
                provider: DemoProvider::Cloudflare,
                mail: false
            })
        );
        let cli = parse(&[
            "init",
            "--registrar",
            "cloudflare",
            "--domain=example.com",
            "--spf",
            "no",
            "--env",
            "--endpoint",
            "http://127.0.0.1:1/",
            "--ip-source",
            "a",
            "--ip-source=b",
            "--resolver",
            "127.0.0.1:53",
            "--resolver",
            "::1",
            "--state-file",
            "/s.json",
            "--no-input",
            "--overwrite",
        ])
        .unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Init(InitArgs {
                registrar: Some("cloudflare".into()),
                domain: Some("example.com".into()),
                spf: Some(YesNo::No),
                env: true,
                endpoint: Some("http://127.0.0.1:1/".into()),
                ip_sources: vec!["a".into(), "b".into()],
                resolvers: vec!["127.0.0.1:53".into(), "::1".into()],
                state_file: Some("/s.json".into()),
                no_input: true,
                overwrite: true,
            }))
        );
    }

    #[test]
    fn help_at_every_level_lists_the_options() {
        let top = err(&["--help"]);
        assert_eq!(top.kind, ErrorKind::Help);
        assert!(!top.use_stderr());
        for want in [
            "Exit codes:",
            "Usage: mxddns [OPTIONS] [COMMAND]",
            "Commands:\n  run ",
            "  check     Diagnose",
            "  help      Print this message",
            "Options:\n  -c, --config <CONFIG>\n          Configuration file\n          \n          [env: MXDDNS_CONFIG=",
            "          [possible values: text, json]",
            "  -V, --version\n          Print version",
        ] {
            assert!(top.text.contains(want), "{want:?} in\n{}", top.text);
        }
        assert!(!top.text.contains("--cycles"), "{}", top.text);
        assert_eq!(
            top.text.contains("  demo "),
            cfg!(feature = "demo"),
            "{}",
            top.text
        );
        assert_eq!(top.text.contains("  plan "), cfg!(feature = "mail-setup"));
        // `-h`: the short about, aligned columns.
        let short = err(&["-h"]).text;
        assert!(
            short.starts_with("Keeps a home mail server's MX host"),
            "{short}"
        );
        assert!(
            short.contains("  -q, --quiet                    Print only problems\n"),
            "{short}"
        );
        assert_eq!(err(&["help"]).text, top.text);
        assert_eq!(err(&["--update-now", "help"]).text, top.text);

        let check = err(&["check", "--help"]).text;
        for want in [
            "Usage: mxddns check [OPTIONS]",
            "      --ports [<PORTS>...]       Probe the mail server's ports",
            "      --format <FORMAT>          Report format [default: text] [possible values: text, json]",
            "--no-ports",
            "--lang <LANG>",
        ] {
            assert!(check.contains(want), "{want:?} in\n{check}");
        }
        assert!(
            !check.contains("--version") && !check.contains("Commands"),
            "{check}"
        );
        assert_eq!(err(&["help", "check"]).text, check);
        assert_eq!(err(&["check", "-h"]).text, check);
        assert_eq!(err(&["-h", "check"]).kind, ErrorKind::Help);
        // init has a long about text: its long help.
        let init = err(&["help", "init"]).text;
        assert!(
            init.starts_with("Write a first configuration and prove it"),
            "{init}"
        );
        assert!(
            init.contains("      --spf <SPF>\n          Keep this network's address"),
            "{init}"
        );
        assert!(err(&["init", "-h"])
            .text
            .starts_with("Write a first configuration interactively"));
        assert!(err(&["demo", "--help"])
            .text
            .contains("--provider <PROVIDER>"));
        assert_eq!(err(&["help", "nope"]).kind, ErrorKind::UnknownSubcommand);
        assert_eq!(
            err(&["help", "check", "x"]).kind,
            ErrorKind::UnknownSubcommand
        );
        let help = err(&["help", "help"]);
        assert_eq!(help.kind, ErrorKind::Help);
        assert!(
            help.text.starts_with(
                "Print this message or the help of the given subcommand(s)\n\n\
Usage: mxddns help [COMMAND]\n\nCommands:\n  run "
            ),
            "{}",
            help.text
        );
    }

    #[test]
    fn help_in_chinese() {
        let args: Vec<String> = ["mxddns", "check", "--help"].map(String::from).to_vec();
        let zh = parse_from(&args, None, "zh-CN").unwrap_err().text;
        for want in [
            "用法： mxddns check [OPTIONS]",
            "选项:",
            "检查这个域名",
            "显示帮助",
        ] {
            assert!(zh.contains(want), "{want:?} in\n{zh}");
        }
    }

    #[test]
    fn version() {
        let v = err(&["-V"]);
        assert_eq!((v.kind, v.use_stderr()), (ErrorKind::Version, false));
        assert_eq!(v.text, format!("mxddns {}", env!("CARGO_PKG_VERSION")));
        assert_eq!(err(&["--version"]).text, v.text);
        assert_eq!(err(&["check", "-V"]).kind, ErrorKind::UnknownArgument);
    }

    #[test]
    fn usage_errors_go_to_stderr_with_a_hint() {
        let e = err(&["check", "--formt", "json"]);
        assert_eq!(e.kind, ErrorKind::UnknownArgument);
        assert!(e.use_stderr());
        assert_eq!(
            e.text,
            "error: unexpected argument '--formt' found\n\n  tip: a similar argument exists: \
'--format'\n\nUsage: mxddns check [OPTIONS]\n\nFor more information, try '--help'."
        );
        let e = err(&["--bogus"]);
        assert_eq!(e.kind, ErrorKind::UnknownArgument);
        assert!(!e.text.contains("tip:"), "{}", e.text);
        assert_eq!(err(&["-x"]).kind, ErrorKind::UnknownArgument);
        // Each subcommand's options are its own.
        assert_eq!(err(&["--domain", "x"]).kind, ErrorKind::UnknownArgument);
        assert_eq!(
            err(&["detect", "--online"]).kind,
            ErrorKind::UnknownArgument
        );

        let e = err(&["chek"]);
        assert_eq!(e.kind, ErrorKind::UnknownSubcommand);
        assert!(
            e.text.contains("unrecognized subcommand 'chek'"),
            "{}",
            e.text
        );
        assert!(
            e.text.contains("a similar subcommand exists: 'check'"),
            "{}",
            e.text
        );

        let e = err(&["check", "--domain"]);
        assert_eq!(e.kind, ErrorKind::MissingValue);
        assert!(
            e.text.starts_with(
                "error: a value is required for '--domain <DOMAIN>' but none was supplied"
            ),
            "{}",
            e.text
        );
        assert_eq!(
            err(&["check", "--domain", "--quiet"]).kind,
            ErrorKind::MissingValue
        );
        assert_eq!(err(&["-c"]).kind, ErrorKind::MissingValue);

        let e = err(&["check", "--format", "xml"]);
        assert_eq!(e.kind, ErrorKind::InvalidValue);
        assert!(
            e.text.starts_with(
                "error: invalid value 'xml' for '--format <FORMAT>'\n  [possible values: text, json]"
            ),
            "{}",
            e.text
        );
        for args in [
            &["--log-format", "yaml"][..],
            &["init", "--spf", "maybe"],
            &["demo", "--provider", "route53"],
            &["check", "--address", "not-an-ip"],
            &["check", "--ports", "25,smtp"],
            &["check", "--ports", "70000"],
            &["--cycles", "many"],
        ] {
            assert_eq!(err(args).kind, ErrorKind::InvalidValue, "{args:?}");
        }

        let e = err(&["check", "--ports", "--no-ports"]);
        assert_eq!(e.kind, ErrorKind::Conflict);
        assert!(
            e.text.starts_with(
                "error: the argument '--ports [<PORTS>...]' cannot be used with '--no-ports'"
            ),
            "{}",
            e.text
        );
        assert_eq!(
            err(&["check", "--no-ports", "--ports=25"]).kind,
            ErrorKind::Conflict
        );

        let e = err(&["check", "example.com"]);
        assert_eq!(e.kind, ErrorKind::UnexpectedArgument);
        assert!(
            e.text.contains("unexpected argument 'example.com' found"),
            "{}",
            e.text
        );
        assert_eq!(err(&["--", "check"]).kind, ErrorKind::UnexpectedArgument);
        assert_eq!(err(&["--dry-run=yes"]).kind, ErrorKind::UnexpectedValue);
        assert_eq!(
            err(&["check", "--domain", "a", "--domain", "b"]).kind,
            ErrorKind::Repeated
        );
        assert_eq!(err(&["-q", "check", "-q"]).kind, ErrorKind::Repeated);
    }

    #[test]
    fn errors_in_chinese() {
        let args: Vec<String> = ["mxddns", "check", "--formt"].map(String::from).to_vec();
        let zh = parse_from(&args, None, "zh-CN").unwrap_err().text;
        assert!(zh.starts_with("错误："), "{zh}");
        assert!(
            zh.contains("'--formt'") && zh.contains("'--format'"),
            "{zh}"
        );
        assert!(!zh.contains("unexpected argument"), "{zh}");
    }

    /// Hidden subcommands stay usable (they say what is missing when run).
    #[test]
    fn hidden_subcommands_still_parse() {
        assert!(matches!(
            parse(&["plan"]).unwrap().command,
            Some(Command::Plan { .. })
        ));
        assert!(matches!(
            parse(&["demo"]).unwrap().command,
            Some(Command::Demo { .. })
        ));
    }
}

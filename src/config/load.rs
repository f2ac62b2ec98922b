//! Reading the file and turning its raw form into the typed [`Config`]: `${VAR}`
//! expansion, `*_file` secrets, every check, and messages that say `FILE:LINE: key.path:
//! what is wrong — how to fix it`. Every problem found is reported, not only the first.

use super::error::{ConfigError, Problem};
use super::expand::{expand, EnvLookup};
use super::index::LineIndex;
use super::raw::RawConfig;
use super::{domains, notify, providers, sections, shape, Config};
use rust_i18n::t;
use std::path::{Path, PathBuf};

/// A loaded configuration, with what is worth a warning but not a refusal.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// One line each, ready to print (`FILE: …` or `FILE:LINE: key: …`).
    pub warnings: Vec<String>,
}

/// Read and validate the configuration file at `path`, with the process environment for
/// `${VAR}`. Warns when the file is readable by group or others.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    load_with_env(path, &|name| std::env::var(name).ok())
}

/// [`load`], looking variables up with `env` instead of the process environment.
pub fn load_with_env(path: &Path, env: EnvLookup<'_>) -> Result<Loaded, ConfigError> {
    let text = read_capped(path)?;
    let mut loaded = load_str_with_env(&text, path, env)?;
    if let Some(warning) = permission_warning(path) {
        loaded.warnings.insert(0, warning);
    }
    Ok(loaded)
}

/// The file's text, refused before it is read whole when larger than
/// [`shape::MAX_BYTES`].
fn read_capped(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let read_err = |error| ConfigError::Read {
        file: path.to_path_buf(),
        error,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    file.take(shape::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > shape::MAX_BYTES {
        return Err(ConfigError::Invalid(vec![Problem {
            file: path.display().to_string(),
            line: 1,
            key: String::new(),
            message: t!("config.too_large", max = shape::MAX_BYTES / 1024).into_owned(),
        }]));
    }
    String::from_utf8(bytes)
        .map_err(|e| read_err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Validate `text` as if read from `path` (used in messages and to resolve relative
/// paths), with the process environment.
#[cfg(any(feature = "demo", test))]
pub fn load_str(text: &str, path: &Path) -> Result<Loaded, ConfigError> {
    load_str_with_env(text, path, &|name| std::env::var(name).ok())
}

/// [`load_str`] with an injected environment.
pub fn load_str_with_env(
    text: &str,
    path: &Path,
    env: EnvLookup<'_>,
) -> Result<Loaded, ConfigError> {
    let file = path.display().to_string();
    // Before any parser sees it: absurd nesting costs them far more than linear time.
    if let Some(line) = shape::too_deep(text, shape::MAX_DEPTH) {
        return Err(ConfigError::Invalid(vec![Problem {
            file,
            line,
            key: String::new(),
            message: t!("config.too_deep", max = shape::MAX_DEPTH).into_owned(),
        }]));
    }
    let super::yaml::Parsed { mut doc, index } = super::yaml::parse(text);
    let duplicates: Vec<Problem> = index
        .duplicates
        .iter()
        .map(|d| Problem {
            file: file.clone(),
            line: d.line,
            key: d.path.clone(),
            message: rust_i18n::t!("cfg.load", v1 = d.first_line).into_owned(),
        })
        .collect();
    // A key written twice is reported first: serde would keep one of the two silently
    // (a map) or report it without the line of the first (a struct).
    if !duplicates.is_empty() {
        return Err(ConfigError::Invalid(duplicates));
    }
    if let Some(p) = super::serde_error::leading_tab(&file, text) {
        return Err(ConfigError::Invalid(vec![p]));
    }
    let raw: RawConfig = match doc.read() {
        Ok(raw) => raw,
        Err(_) if !index.has_root && only_comments(text) => RawConfig::default(),
        Err(err) => {
            // Not YAML at all, or YAML that does not fit the configuration's shape?
            let syntax = doc.is_unreadable();
            if syntax {
                if let Some(p) = super::serde_error::tab_problem(&file, text) {
                    return Err(ConfigError::Invalid(vec![p]));
                }
            }
            let mut problems = vec![super::serde_error::problem(&file, &index, &err, syntax)];
            if !syntax {
                // serde stops at the first unknown key: report every one.
                problems.extend(super::serde_error::more_unknown_keys(
                    &file, &index, &mut doc, &err,
                ));
                problems.sort_by_key(|p| p.line);
            }
            return Err(ConfigError::Invalid(problems));
        }
    };
    // The tree is not kept while the configuration is built.
    drop(doc);
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut cx = Ctx {
        file,
        index,
        env,
        base_dir,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let config = build(&mut cx, &raw, path);
    match config {
        Some(config) if cx.problems.is_empty() => Ok(Loaded {
            config,
            warnings: cx.warnings,
        }),
        _ => {
            let mut problems = cx.problems;
            problems.sort_by_key(|p| p.line);
            Err(ConfigError::Invalid(problems))
        }
    }
}

fn only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

fn build(cx: &mut Ctx<'_>, raw: &RawConfig, path: &Path) -> Option<Config> {
    use super::raw::RawSources;
    // Off only when written `off` (or an empty IPv6 list): a malformed value is reported
    // once, at detect:, not again at every domain.
    let family_on = |f: Option<&RawSources>, default: bool| match f {
        None => default,
        Some(RawSources::List(l)) => !l.is_empty() || default,
        Some(RawSources::Word(w)) => !w.trim().eq_ignore_ascii_case("off"),
    };
    let detect = raw.detect.as_ref();
    let families = domains::Families {
        ipv4: family_on(detect.and_then(|d| d.ipv4.as_ref()), true),
        ipv6: family_on(detect.and_then(|d| d.ipv6.as_ref()), false),
    };
    let schedule = sections::schedule(cx, raw.schedule.as_ref());
    let state_file = sections::state_file(cx, raw.state_file.as_ref());
    let detect = sections::detect(cx, raw.detect.as_ref());
    let providers = providers::providers(cx, raw.providers.as_ref());
    let names = provider_names(cx, raw);
    let domains = domains::domains(cx, raw.domains.as_deref(), &names, families);
    let dns = sections::dns(cx, raw.dns.as_ref());
    let listen = sections::listen(cx, raw.listen.as_ref());
    let notify = notify::notify(cx, raw.notify.as_deref());
    Some(Config {
        path: path.to_path_buf(),
        schedule: schedule.ok()?,
        state_file: state_file.ok()?,
        detect: detect.ok()?,
        providers: providers.ok()?,
        domains: domains.ok()?,
        dns: dns.ok()?,
        listen: listen.ok()?,
        notify: notify.ok()?,
    })
}

/// The names under `providers:`, in file order (for messages).
fn provider_names(cx: &Ctx<'_>, raw: &RawConfig) -> Vec<String> {
    let Some(map) = &raw.providers else {
        return Vec::new();
    };
    let mut names: Vec<String> = cx
        .index
        .keys("providers")
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| map.contains_key(k))
        .collect();
    for k in map.keys() {
        if !names.contains(k) {
            names.push(k.clone());
        }
    }
    names
}

/// A warning when the file may be read by other users: it usually holds secrets.
#[cfg(unix)]
fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then(|| {
        let file = path.display();
        rust_i18n::t!("cfg.load.mode", file = file, mode = format!("{mode:04o}")).into_owned()
    })
}

#[cfg(not(unix))]
fn permission_warning(_path: &Path) -> Option<String> {
    None
}

/// A problem has been recorded in the [`Ctx`]; the value it was about is unusable.
#[derive(Debug)]
pub(crate) struct Reported;

/// The result of one check.
pub(crate) type Check<T> = Result<T, Reported>;

/// What the checks share: where keys are, the environment, and what was found so far.
pub(crate) struct Ctx<'a> {
    pub file: String,
    pub index: LineIndex,
    env: EnvLookup<'a>,
    /// Relative paths in the file are relative to the file's directory.
    base_dir: PathBuf,
    problems: Vec<Problem>,
    pub warnings: Vec<String>,
}

impl Ctx<'_> {
    /// Record a problem at `key` (its line, or its nearest ancestor's).
    pub fn report(&mut self, key: &str, message: impl Into<String>) -> Reported {
        let line = self.index.line(key);
        self.report_at(key, line, message)
    }

    /// Record a problem about `key` at a chosen line.
    pub fn report_at(&mut self, key: &str, line: usize, message: impl Into<String>) -> Reported {
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            key: key.to_string(),
            message: message.into(),
        });
        Reported
    }

    /// Record a warning at `key`.
    pub fn warn(&mut self, key: &str, message: impl std::fmt::Display) {
        let line = self.index.line(key);
        self.warnings
            .push(format!("{}:{line}: {key}: {message}", self.file));
    }

    /// The variables `${NAME}` in `raw` that are set but empty (for messages).
    pub fn empty_vars(&self, raw: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = raw;
        while let Some(i) = rest.find("${") {
            let tail = &rest[i + 2..];
            let Some(end) = tail.find('}') else { break };
            let name = &tail[..end];
            if (self.env)(name).is_some_and(|v| v.trim().is_empty()) {
                out.push(name.to_string());
            }
            rest = &tail[end..];
        }
        out
    }

    /// The value of `key` with `${VAR}` expanded; `None` when the key is absent.
    pub fn text(&mut self, key: &str, raw: Option<&String>) -> Check<Option<String>> {
        self.expanded(key, raw, "")
    }

    /// Like [`Ctx::text`], for a secret `key` (the advice names its `_file` form).
    pub fn secret_text(&mut self, key: &str, raw: Option<&String>) -> Check<Option<String>> {
        let name = key.rsplit('.').next().unwrap_or(key);
        self.expanded(key, raw, &t!("config.or_use_file", name = name))
    }

    fn expanded(
        &mut self,
        key: &str,
        raw: Option<&String>,
        alternative: &str,
    ) -> Check<Option<String>> {
        let Some(raw) = raw else { return Ok(None) };
        match expand(raw, self.env) {
            Ok(v) => Ok(Some(v)),
            Err(e) => Err(self.report(key, e.message(alternative))),
        }
    }

    /// The expanded values of a list, each checked by `parse`, errors reported per item.
    pub fn list<T>(
        &mut self,
        key: &str,
        raw: &[String],
        mut parse: impl FnMut(&mut Self, &str, String) -> Check<T>,
    ) -> Check<Vec<T>> {
        let mut out = Vec::with_capacity(raw.len());
        let mut failed = false;
        for (i, value) in raw.iter().enumerate() {
            let path = super::index::item(key, i);
            let parsed = match self.text(&path, Some(value)) {
                Ok(Some(v)) => parse(self, &path, v),
                Ok(None) | Err(Reported) => Err(Reported),
            };
            match parsed {
                Ok(v) => out.push(v),
                Err(Reported) => failed = true,
            }
        }
        if failed {
            Err(Reported)
        } else {
            Ok(out)
        }
    }

    /// A path from the file: relative ones are taken from the file's directory.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

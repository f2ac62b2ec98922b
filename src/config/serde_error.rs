//! The YAML reader's errors ([`super::yaml::Error`]) turned into [`Problem`]s: YAML syntax errors, unknown keys (with
//! the known key probably meant) and values of the wrong shape. Values are never quoted
//! back: the wrong value may be a secret that slipped to the wrong indentation.

use super::error::Problem;
use super::index::{child, LineIndex};
use super::yaml::{Doc, Error};
use rust_i18n::t;

/// Describe `err`. `syntax`: the text is not YAML at all (as opposed to YAML that does
/// not fit the configuration's shape).
pub(crate) fn problem(file: &str, index: &LineIndex, err: &Error, syntax: bool) -> Problem {
    let line = err.line().unwrap_or(1);
    let text = err.to_string();
    let problem = |line: usize, key: String, message: String| Problem {
        file: file.to_string(),
        line,
        key,
        message,
    };
    if syntax {
        return problem(
            line,
            String::new(),
            t!("config.yaml_syntax", text = text).into_owned(),
        );
    }
    // `path: message`, or just `message` at the root.
    let (path, message) = match text.split_once(": ") {
        Some((p, m)) if index.contains(p) => (p.to_string(), m.to_string()),
        _ => (String::new(), text.clone()),
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return unknown_key(&path, rest, line, index, problem);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, "?"));
        let mapping = expected.starts_with("struct ") || expected == "a map";
        let expected = describe_expected(expected);
        let mut msg = rust_i18n::t!(
            "cfg.serde_error",
            expected = expected,
            v1 = describe_found(found)
        )
        .into_owned();
        if mapping {
            msg.push_str(&t!("config.indentation_hint"));
        }
        return problem(line, path, msg);
    }
    problem(line, path, message)
}

fn unknown_key(
    path: &str,
    rest: &str,
    line: usize,
    index: &LineIndex,
    problem: impl Fn(usize, String, String) -> Problem,
) -> Problem {
    // rest: "name`, expected one of `a`, `b`" | "name`, expected `a` or `b`" | "name`, there are no fields"
    let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
    if name == "<<" {
        let key = child(path, name);
        return problem(index.line(&key), key, t!("config.merge_keys").into_owned());
    }
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    // A key that does not look like a key may be a value missing its ": " (a secret
    // included): do not repeat it.
    let shown = name.len() <= 40
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let key = if shown {
        child(path, name)
    } else {
        child(path, "?")
    };
    let line = if shown && index.contains(&key) {
        index.line(&key)
    } else {
        line
    };
    let mut message = if shown {
        t!("config.unknown_key").into_owned()
    } else {
        t!("config.unknown_key_hidden").into_owned()
    };
    if let Some(guess) = shown.then(|| closest(name, &known)).flatten() {
        message.push_str(&t!("config.did_you_mean", guess = guess));
    }
    if !known.is_empty() {
        message.push_str(&t!("config.valid_keys", keys = known.join(", ")));
    }
    problem(line, key, message)
}

/// A tab in the indentation: the parser's message ("found a tab", "found character that
/// cannot start any token") does not say so.
pub(crate) fn tab_problem(file: &str, text: &str) -> Option<Problem> {
    tab_in(file, text, usize::MAX)
}

/// A tab in the indentation of the first line with content, which saphyr-parser reads
/// (libyaml refused it, and the rest of the file is then read at the wrong level).
pub(crate) fn leading_tab(file: &str, text: &str) -> Option<Problem> {
    tab_in(file, text, 1)
}

/// A tab in the indentation of one of the first `lines` lines with content.
fn tab_in(file: &str, text: &str, lines: usize) -> Option<Problem> {
    let (n, _) = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim();
            !l.is_empty() && (lines == usize::MAX || !l.starts_with('#') && l != "---")
        })
        .take(lines)
        .find(|(_, l)| {
            let indent = &l[..l.len() - l.trim_start().len()];
            indent.contains('\t')
        })?;
    Some(Problem {
        file: file.to_string(),
        line: n + 1,
        key: String::new(),
        message: rust_i18n::t!("cfg.serde_error.2").into_owned(),
    })
}

/// Whether `err` is about an unknown key.
fn is_unknown_field(index: &LineIndex, err: &Error) -> bool {
    let text = err.to_string();
    let message = match text.split_once(": ") {
        Some((p, m)) if index.contains(p) => m,
        _ => &text,
    };
    message.starts_with("unknown field `")
}

/// The unknown keys after the first one (`first`): each is taken out of the document and
/// the rest read again, so that a file with three typos gets three messages at once.
pub(crate) fn more_unknown_keys(
    file: &str,
    index: &LineIndex,
    doc: &mut Doc<'_>,
    first: &Error,
) -> Vec<Problem> {
    let mut out = Vec::new();
    if !is_unknown_field(index, first) {
        return out;
    }
    let mut last = first.clone();
    // Bounded: each round removes one key.
    for _ in 0..50 {
        if !doc.remove_entry(&last) {
            break;
        }
        match doc.read::<super::raw::RawConfig>() {
            Ok(_) => break,
            Err(e) if is_unknown_field(index, &e) => {
                out.push(problem(file, index, &e, false));
                last = e;
            }
            Err(_) => break,
        }
    }
    out
}

/// The known key `name` was probably meant to be, if one is close.
pub(crate) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let name_lc = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| {
            (
                strsim::damerau_levenshtein(&name_lc, &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(d, k)| {
            *d <= (k.len() / 3).max(1) || k.starts_with(&name_lc) && name_lc.len() >= 3
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn describe_expected(expected: &str) -> String {
    if expected.starts_with("struct ") || expected == "a map" {
        rust_i18n::t!("cfg.serde_error.3").into_owned()
    } else if expected == "a sequence" {
        rust_i18n::t!("cfg.serde_error.4").into_owned()
    } else if expected == "a string" {
        rust_i18n::t!("cfg.serde_error.single").into_owned()
    } else {
        expected.to_string()
    }
}

/// serde's `Unexpected` without its value: `string "abc"` -> `a single value`.
fn describe_found(found: &str) -> std::borrow::Cow<'static, str> {
    let kind = found.split([' ', '`', '"']).next().unwrap_or("");
    match kind {
        "sequence" => rust_i18n::t!("cfg.serde_error.list"),
        "map" => rust_i18n::t!("cfg.serde_error.mapping"),
        "unit" | "null" | "none" => rust_i18n::t!("cfg.serde_error.empty"),
        _ => rust_i18n::t!("cfg.serde_error.single"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_keys() {
        let known = [
            "domain",
            "provider",
            "host",
            "type",
            "ttl",
            "dkim_selectors",
        ];
        assert_eq!(closest("hots", &known), Some("host"));
        assert_eq!(closest("provder", &known), Some("provider"));
        assert_eq!(closest("TTL", &known), Some("ttl"));
        assert_eq!(closest("dkim", &known), Some("dkim_selectors"));
        assert_eq!(closest("color", &known), None);
    }
}

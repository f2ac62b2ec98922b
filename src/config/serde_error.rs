//! serde_yaml_ng's errors turned into [`Problem`]s: YAML syntax errors, unknown keys (with
//! the known key probably meant) and values of the wrong shape. Values are never quoted
//! back: the wrong value may be a secret that slipped to the wrong indentation.

use super::error::Problem;
use super::index::{child, LineIndex};
use rust_i18n::t;

/// Describe `err`. `syntax`: the text is not YAML at all (as opposed to YAML that does
/// not fit the configuration's shape).
pub(crate) fn problem(
    file: &str,
    index: &LineIndex,
    err: &serde_yaml_ng::Error,
    syntax: bool,
) -> Problem {
    let line = err.location().map_or(1, |l| l.line());
    let text = strip_positions(&err.to_string());
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

/// A tab in the indentation: libyaml's message ("found character that cannot start any
/// token") does not say so.
pub(crate) fn tab_problem(file: &str, text: &str) -> Option<Problem> {
    let (n, _) = text.lines().enumerate().find(|(_, l)| {
        let indent = &l[..l.len() - l.trim_start().len()];
        indent.contains('\t') && !l.trim().is_empty()
    })?;
    Some(Problem {
        file: file.to_string(),
        line: n + 1,
        key: String::new(),
        message: rust_i18n::t!("cfg.serde_error.2").into_owned(),
    })
}

/// `(path, key)` of an unknown-key error.
fn unknown_field(index: &LineIndex, err: &serde_yaml_ng::Error) -> Option<(String, String)> {
    let text = strip_positions(&err.to_string());
    let (path, message) = match text.split_once(": ") {
        Some((p, m)) if index.contains(p) => (p.to_string(), m.to_string()),
        _ => (String::new(), text.clone()),
    };
    let rest = message.strip_prefix("unknown field `")?;
    let name = rest.split('`').next()?;
    Some((path, name.to_string()))
}

/// The unknown keys after the first one (`first`): each is taken out of the document and
/// the rest read again, so that a file with three typos gets three messages at once.
pub(crate) fn more_unknown_keys(
    file: &str,
    index: &LineIndex,
    text: &str,
    first: &serde_yaml_ng::Error,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let Ok(mut doc) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) else {
        return out;
    };
    let mut next = unknown_field(index, first);
    // Bounded: each round removes one key.
    for _ in 0..50 {
        let Some((path, name)) = next.take() else {
            break;
        };
        if !remove_key(&mut doc, &path, &name) {
            break;
        }
        let Ok(again) = serde_yaml_ng::to_string(&doc) else {
            break;
        };
        match serde_yaml_ng::from_str::<super::raw::RawConfig>(&again) {
            Ok(_) => break,
            Err(e) => match unknown_field(index, &e) {
                Some(u) => {
                    out.push(problem(file, index, &e, false));
                    next = Some(u);
                }
                None => break,
            },
        }
    }
    out
}

/// Remove `key` from the mapping at `path` (`domains[0]`, `providers.home-cf`, `` for the
/// root). Whether it was there.
fn remove_key(doc: &mut serde_yaml_ng::Value, path: &str, key: &str) -> bool {
    use serde_yaml_ng::Value;
    let mut cur = doc;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (name, idx) = match seg.split_once('[') {
            Some((n, rest)) => (n, Some(rest)),
            None => (seg, None),
        };
        if !name.is_empty() {
            let Some(next) = cur
                .as_mapping_mut()
                .and_then(|m| m.get_mut(Value::String(name.to_string())))
            else {
                return false;
            };
            cur = next;
        }
        for i in idx.into_iter().flat_map(|r| r.split('[')) {
            let Some(i) = i.trim_end_matches(']').parse::<usize>().ok() else {
                return false;
            };
            let Some(next) = cur.as_sequence_mut().and_then(|s| s.get_mut(i)) else {
                return false;
            };
            cur = next;
        }
    }
    cur.as_mapping_mut()
        .and_then(|m| m.remove(Value::String(key.to_string())))
        .is_some()
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

/// Remove " at line L column C" and " at position N" (the line is reported separately).
fn strip_positions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let Some(i) = rest.find(" at ") else {
            out.push_str(rest);
            return out;
        };
        let after = &rest[i + 4..];
        let skipped = position_len(after);
        out.push_str(&rest[..i]);
        if skipped == 0 {
            out.push_str(" at ");
        }
        rest = &after[skipped..];
    }
}

/// Length of a leading "line L column C" or "position N", or 0.
fn position_len(s: &str) -> usize {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    if let Some(r) = s.strip_prefix("line ") {
        let n = digits(r);
        if n > 0 {
            if let Some(c) = r[n..].strip_prefix(" column ") {
                let m = digits(c);
                if m > 0 {
                    return "line ".len() + n + " column ".len() + m;
                }
            }
        }
    } else if let Some(r) = s.strip_prefix("position ") {
        let n = digits(r);
        if n > 0 {
            return "position ".len() + n;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_removed() {
        assert_eq!(
            strip_positions("did not find expected key at line 5 column 3, while parsing a block mapping at line 2 column 1"),
            "did not find expected key, while parsing a block mapping"
        );
        assert_eq!(
            strip_positions("look at this at position 7"),
            "look at this"
        );
    }

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

//! Webhook body templates: `{domain}`, `{host}`, `{old}`, `{new}`, `{error}`, `{event}` and
//! `{message}` are replaced by their values; every other character, braces included, stays
//! as written, so that a JSON body (`{"text": "{message}"}`) needs no escaping. In a body
//! that is JSON (it starts with `{` or `[`) the values are escaped as JSON string content.

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 7] = ["domain", "host", "old", "new", "error", "event", "message"];

/// The values of one notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values<'a> {
    pub domain: &'a str,
    pub host: &'a str,
    pub old: &'a str,
    pub new: &'a str,
    pub error: &'a str,
    pub event: &'a str,
    pub message: &'a str,
}

impl Values<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        Some(match name {
            "domain" => self.domain,
            "host" => self.host,
            "old" => self.old,
            "new" => self.new,
            "error" => self.error,
            "event" => self.event,
            "message" => self.message,
            _ => return None,
        })
    }
}

/// Whether `template` is a JSON body (an array, or an object: `{` then `"` or `}`; a
/// text that starts with a placeholder is not): values are then escaped, and it is sent
/// as `application/json` unless a Content-Type header says otherwise.
pub fn is_json(template: &str) -> bool {
    let t = template.trim_start();
    t.starts_with('[')
        || t.strip_prefix('{')
            .is_some_and(|rest| rest.trim_start().starts_with(['"', '}']))
}

/// Every `{word}` of `text` (word: ASCII letters, digits, `_`, `-`), with its byte range.
fn tokens(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    text.match_indices('{').filter_map(move |(start, _)| {
        let rest = &text[start + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        (len > 0 && rest[len..].starts_with('}')).then(|| (start, start + len + 2, &rest[..len]))
    })
}

/// The `{word}`s of `template` that are not placeholders (most likely misspelt ones).
pub fn unknown(template: &str) -> Vec<String> {
    tokens(template)
        .filter(|(_, _, w)| !PLACEHOLDERS.contains(w))
        .map(|(_, _, w)| format!("{{{w}}}"))
        .collect()
}

/// `template` with its placeholders filled in.
pub fn render(template: &str, values: &Values<'_>) -> String {
    let json = is_json(template);
    let mut out = String::with_capacity(template.len() + 64);
    let mut at = 0;
    for (start, end, word) in tokens(template) {
        let Some(value) = values.get(word) else {
            continue;
        };
        out.push_str(&template[at..start]);
        if json {
            push_json_escaped(&mut out, value);
        } else {
            out.push_str(value);
        }
        at = end;
    }
    out.push_str(&template[at..]);
    out
}

/// `value` as the content of a JSON string (without the quotes).
fn push_json_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values<'static> {
        Values {
            domain: "example.com",
            host: "mail.example.com",
            old: "203.0.113.10",
            new: "203.0.113.20",
            error: "HTTP 500: \"boom\"\nnext",
            event: "change",
            message: "mxddns: done",
        }
    }

    #[test]
    fn plain_text_bodies_take_values_as_they_are() {
        assert_eq!(
            render("{event} {domain}: {host} {old} -> {new} ({error})", &values()),
            "change example.com: mail.example.com 203.0.113.10 -> 203.0.113.20 (HTTP 500: \"boom\"\nnext)"
        );
        // Unknown words and lone braces stay as written.
        assert_eq!(render("{x} { {} {domain", &values()), "{x} { {} {domain");
        assert_eq!(render("", &values()), "");
    }

    #[test]
    fn json_bodies_escape_values() {
        let body = render(
            r#"{"text": "{message}", "err": "{error}", "n": {"d": "{domain}"}}"#,
            &values(),
        );
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["text"], "mxddns: done");
        assert_eq!(parsed["err"], "HTTP 500: \"boom\"\nnext");
        assert_eq!(parsed["n"]["d"], "example.com");
        let v = Values {
            error: "\u{1}tab\there\\",
            ..values()
        };
        let body = render(r#"["{error}"]"#, &v);
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed[0], "\u{1}tab\there\\");
    }

    #[test]
    fn json_is_told_from_text() {
        for json in [
            r#"{"text": "{message}"}"#,
            " {\n  \"a\": 1}",
            "{}",
            "[\"{domain}\"]",
        ] {
            assert!(is_json(json), "{json}");
        }
        for text in ["{event}: {domain}", "{message}", "mxddns {event}", ""] {
            assert!(!is_json(text), "{text}");
        }
    }

    #[test]
    fn unknown_placeholders_are_found() {
        assert_eq!(
            unknown("{domian} {host} {new_ip} {Domain}"),
            ["{domian}", "{new_ip}", "{Domain}"]
        );
        assert!(unknown(r#"{"text": "{message}"}"#).is_empty());
        assert!(unknown("{ domain } {} {a b}").is_empty());
    }
}
